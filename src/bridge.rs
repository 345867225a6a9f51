//! The bridge: a token in the spec's own shape for the origin behind a gate that accepted
//! another kind (Better Auth's EdDSA tokens). HS256, signed with the gate's current secret,
//! `sub`/`email`/`name` as verified, and the verified token's own `iat` and `exp`, so no
//! lifetime is ever extended. A backend written from the spec, unchanged, then serves
//! requests that arrived with tokens it cannot verify itself. Every host (Worker
//! `ORIGIN_TOKEN = "hs256"`, npm `new Gate({ originToken: "hs256", … })` through
//! `originHeaders` / `originRequest`) calls this one function.

use alloc::string::String;
use core::fmt::Write;

use crate::config_error::ConfigError;
use crate::json::{read_object, Loose};
use crate::{Gate, VerifiedToken};

/// What the origin receives in `Authorization` for an allowed request
/// ([`crate::GateConfig::origin_token`]): worker `ORIGIN_TOKEN`, npm `originToken`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum OriginToken {
    /// The client's header, unchanged (the default).
    #[default]
    Forward,
    /// The bridge token ([`Gate::origin_token`]); needs the secret.
    Hs256,
}

impl OriginToken {
    /// `"forward"` (or empty) or `"hs256"`, surrounding whitespace ignored.
    pub fn parse(text: &str) -> Result<OriginToken, ConfigError> {
        match text.trim() {
            "" | "forward" => Ok(OriginToken::Forward),
            "hs256" => Ok(OriginToken::Hs256),
            _ => Err(ConfigError::InvalidOriginToken),
        }
    }
}

impl Gate {
    /// The bridge token for `verified` (see the module docs), or `None` when this gate holds
    /// no secret to sign with. The payload is `{"sub","email"[,"name"],"iat","exp"}`; `name`
    /// is carried when the verified payload has it as a string (Better Auth's user row does).
    pub fn origin_token(&self, verified: &VerifiedToken) -> Option<String> {
        if !self.config().has_secret() {
            return None;
        }
        let claims = verified.claims();
        let mut name: Option<String> = None;
        // The payload was read by the same reader when it was verified: it parses.
        let _ = read_object(
            verified.payload_json().as_bytes(),
            |member| member == "name",
            |_, value| {
                if let Loose::Str(text) = value {
                    name = Some(String::from(text));
                }
            },
        );
        let mut payload = String::with_capacity(96 + verified.payload_json().len());
        payload.push_str("{\"sub\":");
        push_json_string(&mut payload, &claims.sub);
        payload.push_str(",\"email\":");
        push_json_string(&mut payload, &claims.email);
        if let Some(name) = &name {
            payload.push_str(",\"name\":");
            push_json_string(&mut payload, name);
        }
        // Writing into a String cannot fail.
        let _ = write!(payload, ",\"iat\":{},\"exp\":{}}}", claims.iat, claims.exp);
        Some(self.mint(&payload))
    }
}

/// `text` as a JSON string literal: `"` and `\` escaped, control characters as `\u00XX`
/// (RFC 8259 §7); everything else, UTF-8 included, as is.
pub(crate) fn push_json_string(out: &mut String, text: &str) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}
