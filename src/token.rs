//! Token structure: an [`UntrustedToken`] is what arrived (shape, encoding and
//! header checked, nothing trusted); [`crate::Gate::verify_untrusted`] turns it
//! into a [`VerifiedToken`] after the signature and every claim rule pass.

use alloc::string::String;
use alloc::vec::Vec;

use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use base64::Engine;

use crate::error::Error;
use crate::json::{read_object, Loose};

/// Largest token accepted, in bytes. Better Auth tokens are a few hundred bytes;
/// 8 KiB leaves room for fat claim sets while bounding work per request.
pub const MAX_TOKEN_BYTES: usize = 8 * 1024;

/// Largest decoded JOSE header accepted, in bytes. A Better Auth header is under 100
/// bytes (`{"alg":"HS256","typ":"JWT"}` is 27; with a `kid`, ~80). The header is read
/// before the signature is checked, so its size bounds what an unauthenticated client
/// can make the gate parse: the rest of the token is only hashed until the MAC matches.
pub const MAX_HEADER_BYTES: usize = 512;

/// Unpadded base64url that also refuses non-zero trailing bits, so every token has
/// exactly one accepted spelling (RFC 7515 §2, RFC 4648 §3.5).
const B64URL: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::URL_SAFE,
    GeneralPurposeConfig::new()
        .with_encode_padding(false)
        .with_decode_padding_mode(DecodePaddingMode::RequireNone)
        .with_decode_allow_trailing_bits(false),
);

/// Encodes bytes as unpadded base64url (used when minting test and demo tokens).
pub fn base64url(bytes: &[u8]) -> String {
    B64URL.encode(bytes)
}

/// A token whose shape, encoding and JOSE header passed; signature and claims not yet checked.
#[derive(Debug)]
pub struct UntrustedToken<'a> {
    signing_input: &'a str,
    payload: Vec<u8>,
    signature: Vec<u8>,
}

impl<'a> UntrustedToken<'a> {
    /// Checks, in order: size cap, three segments, strict base64url in each,
    /// header at most [`MAX_HEADER_BYTES`] and a duplicate-free JSON object, `alg`
    /// exactly `HS256`, no `crit`, no `b64` other than `true`.
    pub fn parse(token: &'a str) -> Result<Self, Error> {
        if token.len() > MAX_TOKEN_BYTES {
            return Err(Error::TokenTooLarge);
        }
        let mut parts = token.split('.');
        let (Some(header_b64), Some(payload_b64), Some(signature_b64), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(Error::MalformedToken);
        };
        let header = B64URL
            .decode(header_b64)
            .map_err(|_| Error::InvalidBase64)?;
        let payload = B64URL
            .decode(payload_b64)
            .map_err(|_| Error::InvalidBase64)?;
        let signature = B64URL
            .decode(signature_b64)
            .map_err(|_| Error::InvalidBase64)?;
        check_header(&header)?;
        // header + '.' + payload is a prefix of `token`; the length is in bounds.
        let signing_input = token
            .get(..header_b64.len() + 1 + payload_b64.len())
            .ok_or(Error::MalformedToken)?;
        Ok(UntrustedToken {
            signing_input,
            payload,
            signature,
        })
    }

    /// `base64url(header) || '.' || base64url(payload)`: the bytes the MAC covers.
    pub fn signing_input(&self) -> &'a str {
        self.signing_input
    }

    /// The decoded signature segment (32 bytes for a well-formed HS256 token).
    pub fn signature(&self) -> &[u8] {
        &self.signature
    }

    /// The decoded payload; not yet authenticated.
    pub(crate) fn payload(&self) -> &[u8] {
        &self.payload
    }

    /// The decoded payload, by value (for `Gate::verify`, which owns the token).
    pub(crate) fn into_payload(self) -> Vec<u8> {
        self.payload
    }
}

#[derive(PartialEq)]
enum Alg {
    Missing,
    Hs256,
    Other,
}

fn check_header(header: &[u8]) -> Result<(), Error> {
    // Bounded before any JSON work: this is the only part parsed before the MAC check.
    if header.len() > MAX_HEADER_BYTES {
        return Err(Error::InvalidHeader);
    }
    let mut alg = Alg::Missing;
    let mut critical = false;
    read_object(
        header,
        |name| matches!(name, "alg" | "crit" | "b64"),
        |name, value| match name {
            "alg" => {
                alg = if value.as_str() == Some("HS256") {
                    Alg::Hs256
                } else {
                    Alg::Other
                }
            }
            "crit" => critical = true,
            // RFC 7797: b64=false changes what is signed; only the default is understood.
            _ => critical |= value != Loose::Bool(true),
        },
    )
    .map_err(|_| Error::InvalidHeader)?;
    if alg != Alg::Hs256 {
        return Err(Error::AlgNotAllowed);
    }
    if critical {
        return Err(Error::UnsupportedCriticalHeader);
    }
    Ok(())
}

/// The claims the policy read from a verified token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Claims {
    /// `sub`: the user id, non-empty.
    pub sub: String,
    /// `email`, non-empty.
    pub email: String,
    /// `exp`, seconds since the epoch.
    pub exp: i64,
    /// `iat`, seconds since the epoch.
    pub iat: i64,
    /// `nbf`, when present.
    pub nbf: Option<i64>,
}

/// A token that passed every check; it carries the claims the policy read and the
/// whole payload (for hosts that hand every claim to their callers).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedToken {
    claims: Claims,
    payload_json: String,
}

impl VerifiedToken {
    pub(crate) fn new(claims: Claims, payload_json: String) -> Self {
        VerifiedToken {
            claims,
            payload_json,
        }
    }
    /// The user id (`sub`).
    pub fn user_id(&self) -> &str {
        &self.claims.sub
    }
    /// The claims the policy checked.
    pub fn claims(&self) -> &Claims {
        &self.claims
    }
    /// The full claim set as the JSON text that was signed (duplicate-free, UTF-8).
    pub fn payload_json(&self) -> &str {
        &self.payload_json
    }
    /// Splits into claims and payload JSON.
    pub fn into_parts(self) -> (Claims, String) {
        (self.claims, self.payload_json)
    }
}
