//! The members of one JWK as the key-set reader sees them, and what it makes of a key
//! ([`Entry`]): shared by the per-type readers (`ed25519`, `ec`, `rsa`).

use alloc::borrow::Cow;
use alloc::vec::Vec;

use crate::config_error::ConfigError;
use crate::json::Loose;
use crate::keys::key_set::PublicKey;
use crate::token::{decode_base64url, Alg};

pub(crate) fn str_member<'a>(
    members: &'a [(Cow<'_, str>, Loose<'_>)],
    name: &str,
    index: usize,
    member: &'static str,
) -> Result<Option<&'a str>, ConfigError> {
    match members.iter().find(|(n, _)| n == name) {
        None => Ok(None),
        Some((_, Loose::Str(s))) => Ok(Some(s)),
        Some(_) => Err(ConfigError::InvalidJwk { index, member }),
    }
}

/// A required base64url member, decoded.
pub(crate) fn bytes_member(
    members: &[(Cow<'_, str>, Loose<'_>)],
    index: usize,
    member: &'static str,
) -> Result<Vec<u8>, ConfigError> {
    str_member(members, member, index, member)?
        .and_then(|v| decode_base64url(v).ok())
        .filter(|v| !v.is_empty())
        .ok_or(ConfigError::InvalidJwk { index, member })
}

/// What one JWK of the document is for this gate.
pub(crate) enum Entry {
    Usable(PublicKey),
    Unavailable(Alg),
    Skipped,
}
