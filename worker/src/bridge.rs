//! The bridge (`ORIGIN_TOKEN = "hs256"`): an allowed request reaches the origin with its
//! `Authorization` replaced by the core's bridge token (`Gate::origin_token`: HS256 signed
//! with `BETTER_AUTH_SECRET`, `sub`/`email`/`name`, the original token's `iat` and `exp`),
//! so a backend written from the spec, unchanged, serves requests that arrived with Better
//! Auth's native EdDSA tokens.

use jwtgate::{Gate, VerifiedToken};

/// `Bearer <HS256 token>` for the origin, from a verified token: the core's bridge
/// ([`Gate::origin_token`]). `None` only for a gate without a secret, which the
/// configuration refuses for `hs256`; the origin would then get the client's token, which
/// a spec backend refuses (never looser).
pub(crate) fn origin_authorization(gate: &Gate, verified: &VerifiedToken) -> Option<String> {
    gate.origin_token(verified)
        .map(|token| format!("Bearer {token}"))
}
