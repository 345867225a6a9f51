//! Tokens minted by the real `better-auth` package (1.7.25, JWT plugin, memory adapter;
//! `node tests/fixtures/better-auth/mint.mjs <file>`), verified by the native core.
//! The committed fixture is read unless `JWTGATE_BETTER_AUTH_FIXTURE` names a fresh one.

use jwtgate::{base64url, CachedGate, Error, Gate, GateConfig, KeySet};
use serde_json::Value;

fn fixture() -> Value {
    let path = std::env::var("JWTGATE_BETTER_AUTH_FIXTURE").unwrap_or_else(|_| {
        format!(
            "{}/tests/fixtures/better-auth/tokens.json",
            env!("CARGO_MANIFEST_DIR")
        )
    });
    serde_json::from_str(&std::fs::read_to_string(&path).expect(&path)).expect(&path)
}

fn gate(f: &Value) -> Gate {
    let base = f["baseURL"].as_str().unwrap();
    let keys = KeySet::parse(f["jwks"].to_string().as_bytes()).expect("Better Auth's JWKS parses");
    Gate::new(GateConfig::with_key_set(keys).issuer(base).audience(base)).unwrap()
}

#[test]
fn better_auth_jwt_plugin_tokens_verify_natively() {
    let f = fixture();
    assert_eq!(f["header"]["alg"], "EdDSA");
    let now = f["payload"]["iat"].as_u64().unwrap();
    let gate = gate(&f);
    let mut cached = CachedGate::new(gate.clone(), 16);
    let tokens = f["tokens"].as_array().unwrap();
    assert!(tokens.len() >= 2);
    for t in tokens {
        let token = t["token"].as_str().unwrap();
        let user = t["userId"].as_str().unwrap();
        let v = gate
            .verify(token, now)
            .expect("a Better Auth token verifies");
        assert_eq!(v.user_id(), user);
        assert_eq!(v.claims().email, t["email"].as_str().unwrap());
        assert_eq!(v.claims().exp - v.claims().iat, 900);
        assert_eq!(cached.verify(token, now).unwrap().user_id(), user);
        let header = format!("Bearer {token}");
        let own = format!("/api/v1/{user}/tasks");
        assert!(gate.authorize("GET", &own, Some(&header), now).is_ok());
        assert_eq!(
            gate.authorize("GET", "/api/v1/someone-else/tasks", Some(&header), now),
            Err(Error::UserMismatch)
        );
        // Expired at exp (iat + 900).
        assert_eq!(gate.verify(token, now + 900), Err(Error::TokenExpired));
    }
}

#[test]
fn better_auth_tokens_under_attack() {
    let f = fixture();
    let now = f["payload"]["iat"].as_u64().unwrap();
    let gate = gate(&f);
    let token = f["tokens"][0]["token"].as_str().unwrap();
    let (input, sig) = token.rsplit_once('.').unwrap();
    let (header, _) = input.split_once('.').unwrap();
    // Another user's payload under the first token's signature.
    let other = f["tokens"][1]["token"].as_str().unwrap();
    let other_payload = other.split('.').nth(1).unwrap();
    assert_eq!(
        gate.verify(&format!("{header}.{other_payload}.{sig}"), now),
        Err(Error::InvalidSignature)
    );
    // HS256 keyed with the published x (text): refused before any MAC.
    let x = f["jwks"]["keys"][0]["x"].as_str().unwrap();
    let hs_header = base64url(br#"{"alg":"HS256","typ":"JWT"}"#);
    let payload = input.split_once('.').unwrap().1;
    let hs_input = format!("{hs_header}.{payload}");
    let tag = jwtgate::Hs256Key::new(x.as_bytes()).tag(hs_input.as_bytes());
    assert_eq!(
        gate.verify(&format!("{hs_input}.{}", base64url(&tag)), now),
        Err(Error::AlgNotAllowed)
    );
    // The same token against the app's HS256-only gate: refused, never checked with the secret.
    let hs_only = Gate::new(GateConfig::new("k3Jx9vQ2mW7pL4tZ8rB6nC1yH5sD0fGa")).unwrap();
    assert_eq!(hs_only.verify(token, now), Err(Error::AlgNotAllowed));
    // Wrong audience configured.
    let base = f["baseURL"].as_str().unwrap();
    let keys = KeySet::parse(f["jwks"].to_string().as_bytes()).unwrap();
    let elsewhere = Gate::new(
        GateConfig::with_key_set(keys)
            .issuer(base)
            .audience("https://api.example"),
    )
    .unwrap();
    assert_eq!(elsewhere.verify(token, now), Err(Error::InvalidAudience));
}
