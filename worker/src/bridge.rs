//! The bridge (`ORIGIN_TOKEN = "hs256"`): an allowed request reaches the origin with its
//! `Authorization` replaced by a token in the spec's own shape — HS256 signed with
//! `BETTER_AUTH_SECRET`, `sub`/`email`/`name`, and the original token's `iat` and `exp`
//! (no lifetime is ever extended) — so a backend written from the spec, unchanged, serves
//! requests that arrived with Better Auth's native EdDSA tokens.

use jwtgate::{Gate, VerifiedToken};
use serde_json::{Map, Value};

/// What reaches the origin in `Authorization`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum OriginToken {
    /// The client's header, unchanged (the default).
    Forward,
    /// A spec-shaped HS256 token minted here.
    Hs256,
}

impl OriginToken {
    /// `ORIGIN_TOKEN`: absent or `forward`, or `hs256`.
    pub(crate) fn parse(value: Option<&str>) -> Result<Self, &'static str> {
        match value.map(str::trim) {
            None | Some("" | "forward") => Ok(OriginToken::Forward),
            Some("hs256") => Ok(OriginToken::Hs256),
            Some(_) => Err("origin_token_invalid"),
        }
    }
}

/// `Bearer <HS256 token>` for the origin, from a verified token. The gate holds the secret
/// (checked at configuration time for `hs256`).
pub(crate) fn origin_authorization(gate: &Gate, verified: &VerifiedToken) -> String {
    let claims = verified.claims();
    let mut payload = Map::new();
    payload.insert("sub".into(), Value::from(claims.sub.as_str()));
    payload.insert("email".into(), Value::from(claims.email.as_str()));
    // `name` as signed, when it is a string (Better Auth's user row has one).
    if let Ok(Value::Object(all)) = serde_json::from_str::<Value>(verified.payload_json()) {
        if let Some(Value::String(name)) = all.get("name") {
            payload.insert("name".into(), Value::from(name.as_str()));
        }
    }
    payload.insert("iat".into(), Value::from(claims.iat));
    payload.insert("exp".into(), Value::from(claims.exp));
    format!("Bearer {}", gate.mint(&Value::Object(payload).to_string()))
}
