//! A host's own verifier for the arithmetic of a signature ([`SignatureHost`]): where a host
//! has a faster synchronous verifier than the pure-Rust one (node:crypto in Node: OpenSSL),
//! the npm package's `jwtgate/full` Node entry hands it ES256, ES512, RS256 and PS256
//! signatures (measured: docs/decisions/algorithms.md). Everything else stays here: the key
//! set is read and validated by the core (on-curve points, RSA bounds), the algorithm is the
//! key's ([`crate::KeySet::select`]), and the signature's form is checked before the host is
//! asked (ECDSA: exactly `r‖s` with `r`, `s` in [1, n−1]; RSA: exactly the modulus length).
//! The host answers for the arithmetic only, and may decline (`None`): then the core verifies.

use crate::keys::key_set::PublicKey;

/// A verifier of signatures the host offers the core (see the module documentation).
pub trait SignatureHost: Send + Sync {
    /// `Some(valid)` when the host checked `signature` over `message` with `key` for
    /// `key.alg()` (the key's canonical public JWK: [`PublicKey::public_jwk`]); `None` when it
    /// does not handle this key or failed to, so the core verifies instead.
    fn verify(&self, key: &PublicKey, message: &[u8], signature: &[u8]) -> Option<bool>;
}
