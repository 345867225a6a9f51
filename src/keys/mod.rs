//! The keys a gate verifies with, grouped: the HS256 secret's MAC state ([`hs256`]), one
//! Ed25519 public key ([`ed25519`]), and a JWKS of them with `kid` selection ([`key_set`]).
//! The algorithm picks the kind of key; a key of one kind is never used as another.

pub(crate) mod ed25519;
pub(crate) mod hs256;
pub(crate) mod key_set;
