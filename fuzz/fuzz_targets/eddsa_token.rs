//! Arbitrary bytes as a token against a gate holding a key set and a secret: never a
//! panic; whatever verifies was signed by the one Ed25519 key (EdDSA/Ed25519) or the
//! secret (HS256), under the kid rules. The input is also signed as a payload with the
//! Ed25519 key, so the claim parser runs behind a valid signature.
#![no_main]

use ed25519_dalek::{Signer, SigningKey};
use jwtgate::{base64url, Alg, Gate, GateConfig, Hs256Key, KeySet, UntrustedToken};
use libfuzzer_sys::fuzz_target;

const SECRET: &str = "k3Jx9vQ2mW7pL4tZ8rB6nC1yH5sD0fGa";
const SEED: [u8; 32] = [7; 32];
const APP: &str = "http://localhost:3000";

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let signing = SigningKey::from_bytes(&SEED);
    let x = base64url(signing.verifying_key().as_bytes());
    let jwks = format!(r#"{{"keys":[{{"kty":"OKP","crv":"Ed25519","x":"{x}","kid":"k1"}}]}}"#);
    let keys = KeySet::parse(jwks.as_bytes()).unwrap();
    let gate = Gate::new(
        GateConfig::new(SECRET)
            .key_set(keys.clone())
            .issuer(APP)
            .audience(APP),
    )
    .unwrap();
    let now = 1_700_000_000u64.wrapping_add(u64::from(data.first().copied().unwrap_or(0)) * 7);
    if gate.verify(text, now).is_ok() {
        let parsed = UntrustedToken::parse(text).unwrap();
        match parsed.alg() {
            Alg::Ed25519 => assert!(keys.select(parsed.kid()).unwrap().verify(&parsed)),
            Alg::Hs256 => assert!(Hs256Key::new(SECRET.as_bytes()).verify(&parsed)),
        }
    }
    // The input as claims, properly signed with EdDSA (with and without kid).
    for header in [r#"{"alg":"EdDSA","kid":"k1"}"#, r#"{"alg":"Ed25519"}"#] {
        let input = format!("{}.{}", base64url(header.as_bytes()), base64url(data));
        let sig = signing.sign(input.as_bytes());
        let token = format!("{input}.{}", base64url(&sig.to_bytes()));
        let _ = gate.verify(&token, now);
    }
});
