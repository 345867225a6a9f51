//! The keys a gate verifies with, grouped: the HS256 secret's MAC state ([`hs256`]), one
//! public key per JWK type — Ed25519 ([`ed25519`]), ECDSA P-256/P-521 ([`ec`]), RSA
//! ([`rsa`]) — and a JWKS of them with `kid` selection ([`key_set`]), which a host may give its
//! own verifier for the arithmetic ([`delegate`]). Each key is pinned
//! to one algorithm; a key of one kind is never used as another.

pub(crate) mod delegate;
pub(crate) mod ec;
pub(crate) mod ed25519;
pub(crate) mod hs256;
pub(crate) mod jwk;
pub(crate) mod key_set;
pub(crate) mod rsa;
