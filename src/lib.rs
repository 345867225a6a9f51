//! # jwtgate
//!
//! One decision core for Better Auth-style HS256 JWTs: it verifies the token, applies
//! the claim policy of the FastAPI integration guide (required `sub`/`email`, `exp`,
//! a 900–1800 s lifetime window, …), the `Authorization: Bearer` rule and the path
//! rule (`/api/v1/{user_id}/…` must name the token's `sub`, else 403) — hardened,
//! and identical in every host (Rust, Wasm/npm, Cloudflare Workers).
//!
//! `no_std` + `alloc`, no clock and no I/O: the time and the configuration come in
//! as arguments.
//!
//! ```
//! use jwtgate::{Gate, GateConfig, Error};
//!
//! let gate = Gate::new(GateConfig::new("k3Jx9vQ2mW7pL4tZ8rB6nC1yH5sD0fGa")).unwrap();
//! let now = 1_700_000_000;
//! let token = gate.mint(
//!     r#"{"sub":"u1","email":"a@example.com","iat":1700000000,"exp":1700000900}"#,
//! );
//! let header = format!("Bearer {token}");
//!
//! let ok = gate.authorize("GET", "/api/v1/u1/tasks", Some(&header), now).unwrap();
//! assert_eq!(ok.user_id(), "u1");
//!
//! let denied = gate.authorize("GET", "/api/v1/u2/tasks", Some(&header), now).unwrap_err();
//! assert_eq!((denied.status(), denied.code()), (403, "user_mismatch"));
//!
//! let denied = gate.authorize("GET", "/api/v1/u1/tasks", None, now).unwrap_err();
//! assert_eq!(denied, Error::MissingAuthorization);
//! assert_eq!(denied.body_json(), r#"{"detail":"Missing or invalid Authorization header"}"#);
//! ```
#![no_std]
#![forbid(unsafe_code)]
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )
)]
#![warn(missing_docs)]

extern crate alloc;

mod bridge;
mod cache;
mod config;
mod config_error;
mod error;
mod gate;
mod host;
mod identity;
mod json;
mod keys;
pub mod options;
mod origin;
mod path;
mod refresh;
mod scan;
mod session;
mod token;

pub use bridge::OriginToken;
pub use cache::{
    CachedGate, EntryId, DEFAULT_CACHE_ENTRIES, MAX_CACHED_TOKEN_BYTES, MAX_CACHE_ENTRIES,
};
pub use config::{GateConfig, MAX_PREVIOUS_SECRETS, MAX_SELF_ROUTES, MIN_SECRET_LEN};
pub use config_error::{ConfigError, SecretSlot};
pub use error::Error;
pub use gate::{
    bearer_token, oversized_authorization, Gate, AUTHORIZATION_HEAD_BYTES, MAX_AUTHORIZATION_BYTES,
};
pub use host::{clock_seconds, Field, HostRequest, Mount, Verdict};
pub use identity::identity_header_value;
pub use keys::delegate::SignatureHost;
pub use keys::ec::{Curve, EcKey, InvalidPoint};
pub use keys::ed25519::{Ed25519Key, WeakKey};
pub use keys::hs256::Hs256Key;
pub use keys::key_set::{Jwk, KeySet, PublicKey, UnavailableKey, MAX_JWKS_BYTES, MAX_JWKS_KEYS};
pub use keys::rsa::{RsaKey, WeakRsaKey, MAX_EXPONENT, MAX_MODULUS_BITS, MIN_MODULUS_BITS};
pub use options::{GateOption, Naming, OptionKind, OPTIONS};
pub use origin::{
    is_auth_cookie, Hop, HostFacts, OriginInput, OriginPlan, DEFAULT_COOKIE_PREFIX,
    FORWARDING_HEADERS, HOP_BY_HOP_HEADERS, IDENTITY_HEADERS,
};
pub use path::{route, route_with_self_routes, AmbiguousPath, Route};
pub use refresh::{cache_control_max_age, KeySetRefresh, RefreshPolicy, RefreshReason};
pub use session::{
    origin_of, CacheStrategy, SessionConfig, SessionRefresh, CACHE_JWT_AUDIENCE, CACHE_JWT_TYPE,
    GET_SESSION_PATH, SESSION_TOKEN_LIFETIME,
};
pub use token::{
    base64url, AcceptedAlgs, Alg, Claims, UntrustedToken, VerifiedToken, MAX_HEADER_BYTES,
    MAX_TOKEN_BYTES,
};

#[cfg(test)]
mod tests;

// The README's Rust blocks, run as doctests (`cargo test --doc`; `make test-readme`
// checks that every one of them ran).
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
#[cfg(test)]
mod eddsa_tests;
#[cfg(test)]
mod hardening_tests;
#[cfg(test)]
mod host_tests;
#[cfg(test)]
mod session_tests;
