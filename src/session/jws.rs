//! The signed cookie caches: `jwt` (HS256 under the current secret, header
//! `{"alg":"HS256"}`, the session data as the claim set with `iat`/`exp`) and `jwks`
//! (Better Auth's `jwt({ sessionCookieCache: true })`: signed with the JWT plugin's key
//! set, `typ` `better-auth.session-cache+jwt`, `aud` `better-auth:session-cache`, `iss`
//! the app's base URL, `sub` the user's id, `sid` the session token).

use alloc::vec::Vec;

use crate::gate::Gate;
use crate::json::{read_object, Loose};
use crate::keys::hs256::Hs256Key;
use crate::token::{decode_base64url, AcceptedAlgs, UntrustedToken};

/// The `typ` of a key-set-signed cache.
pub const CACHE_JWT_TYPE: &str = "better-auth.session-cache+jwt";
/// The `aud` of a key-set-signed cache.
pub const CACHE_JWT_AUDIENCE: &str = "better-auth:session-cache";

/// A verified cache JWT: its claim set (the session data) and `exp` (seconds).
pub(crate) struct SignedCache {
    pub(crate) claims: Vec<u8>,
    pub(crate) exp: i64,
    /// `sub` and `sid` (key-set caches), for the binding to the data they carry.
    pub(crate) sub_sid: Option<(alloc::string::String, alloc::string::String)>,
}

/// Verifies a `jwt` cache under `key` (the current secret).
pub(crate) fn verify_hs256(value: &str, key: &Hs256Key, now: u64) -> Option<SignedCache> {
    let accepted = AcceptedAlgs {
        hs256: true,
        ..AcceptedAlgs::NONE
    };
    let token = UntrustedToken::parse_for(value, accepted).ok()?;
    if !key.verify(&token) {
        return None;
    }
    let claims = token.into_payload();
    let times = times(&claims, now)?;
    Some(SignedCache {
        claims,
        exp: times,
        sub_sid: None,
    })
}

/// Verifies a `jwks` cache with `gate`'s key set (the key pins the algorithm).
pub(crate) fn verify_key_set(
    value: &str,
    gate: &Gate,
    issuer: Option<&str>,
    now: u64,
) -> Option<SignedCache> {
    let accepted = AcceptedAlgs {
        hs256: false,
        ..gate.accepted_algs()
    };
    let token = UntrustedToken::parse_for(value, accepted).ok()?;
    token.kid()?;
    // The header was decoded once by the parser; its `typ` is read here.
    let header = decode_base64url(value.split('.').next()?).ok()?;
    let mut typ_ok = false;
    read_object(
        &header,
        |name| name == "typ",
        |_, v| typ_ok = v.as_str() == Some(CACHE_JWT_TYPE),
    )
    .ok()?;
    if !typ_ok || gate.check_signature(&token).is_err() {
        return None;
    }
    let claims = token.into_payload();
    let exp = times(&claims, now)?;
    let (mut iss, mut aud_ok, mut sub, mut sid) = (None, false, None, None);
    read_object(
        &claims,
        |name| matches!(name, "iss" | "aud" | "sub" | "sid"),
        |name, v| match (name, v) {
            ("iss", Loose::Str(s)) => iss = Some(s.into_owned()),
            ("aud", Loose::Str(s)) => aud_ok = s == CACHE_JWT_AUDIENCE,
            ("aud", Loose::Array(items)) => {
                aud_ok = items.iter().any(|i| i.as_str() == Some(CACHE_JWT_AUDIENCE))
            }
            ("sub", Loose::Str(s)) => sub = Some(s.into_owned()),
            ("sid", Loose::Str(s)) => sid = Some(s.into_owned()),
            _ => {}
        },
    )
    .ok()?;
    let iss = iss.filter(|i| !i.is_empty())?;
    if !aud_ok || issuer.is_some_and(|want| want != iss) {
        return None;
    }
    Some(SignedCache {
        claims,
        exp,
        sub_sid: Some((sub?, sid?)),
    })
}

/// `exp` (an integer; the caller judges it) and `nbf` (if present, not after now).
fn times(claims: &[u8], now: u64) -> Option<i64> {
    let (mut exp, mut nbf_ok) = (None, true);
    read_object(
        claims,
        |name| matches!(name, "exp" | "nbf"),
        |name, v| match name {
            "exp" => exp = v.as_int(),
            _ => {
                nbf_ok = v
                    .as_int()
                    .is_some_and(|nbf| i128::from(nbf) <= i128::from(now))
            }
        },
    )
    .ok()?;
    exp.filter(|_| nbf_ok)
}
