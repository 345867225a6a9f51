//! Arbitrary bytes as a key set: never a panic; whatever parses is bounded, holds at
//! least one key, no two keys share a kid, and every key is a strong Ed25519 point.
#![no_main]

use jwtgate::{Ed25519Key, KeySet, MAX_JWKS_BYTES, MAX_JWKS_KEYS};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(keys) = KeySet::parse(data) else {
        return;
    };
    assert!(data.len() <= MAX_JWKS_BYTES);
    assert!(!keys.keys().is_empty() && keys.keys().len() <= MAX_JWKS_KEYS);
    for (i, k) in keys.keys().iter().enumerate() {
        assert!(Ed25519Key::from_bytes(&k.key().to_bytes()).is_ok());
        if let Some(kid) = k.kid() {
            assert!(!kid.is_empty());
            assert!(keys.keys()[i + 1..].iter().all(|o| o.kid() != Some(kid)));
            assert!(keys.has_key(Some(kid)));
        }
    }
    assert_eq!(keys.has_key(None), keys.keys().len() == 1);
});
