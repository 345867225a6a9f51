//! A build without ES256, ES512 and RS256/PS256 (`cargo test --no-default-features --test
//! lean_build`; the npm package's default entry is such a build): their keys are skipped and
//! listed in `KeySet::unavailable`, a token naming one is `alg_not_in_build`, never a fallback.
//! Real Better Auth key sets and tokens (tests/fixtures/better-auth/algorithms.json).
#![cfg(not(any(feature = "es256", feature = "es512", feature = "rsa")))]

use jwtgate::{Alg, ConfigError, Error, Gate, GateConfig, KeySet};
use serde_json::Value;

fn fixture() -> Value {
    let path = format!(
        "{}/tests/fixtures/better-auth/algorithms.json",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(&path).expect(&path)).expect(&path)
}

fn iat(token: &str) -> u64 {
    use base64::Engine;
    let p = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(token.split('.').nth(1).unwrap())
        .unwrap();
    serde_json::from_slice::<Value>(&p).unwrap()["iat"]
        .as_u64()
        .unwrap()
}

#[test]
fn keys_of_algorithms_left_out_are_listed_and_their_tokens_refused_distinctly() {
    let f = fixture();
    let base = f["baseURL"].as_str().unwrap();
    let multi = &f["multi"];
    let keys = KeySet::parse(multi["jwks"].to_string().as_bytes()).unwrap();
    assert_eq!(keys.keys().len(), 1, "only the EdDSA key is usable");
    let absent: Vec<Alg> = keys.unavailable().iter().map(|k| k.alg()).collect();
    assert_eq!(absent, [Alg::Es256, Alg::Es512, Alg::Rs256, Alg::Ps256]);
    assert!(keys.unavailable().iter().all(|k| k.kid().is_some()));
    let gate = Gate::new(GateConfig::with_key_set(keys).issuer(base).audience(base)).unwrap();
    for (alg, t) in multi["tokens"].as_object().unwrap() {
        let token = t["token"].as_str().unwrap();
        let got = gate
            .verify(token, iat(token))
            .map(|v| v.user_id().to_string());
        if alg == "EdDSA" {
            assert_eq!(got.as_deref(), Ok(t["userId"].as_str().unwrap()));
        } else {
            assert_eq!(got, Err(Error::AlgNotInBuild), "{alg}");
        }
    }
    // A set of only such keys still loads (a later refresh may add a usable one), and a
    // malformed key of a left-out algorithm is still refused (no arithmetic needed).
    let es = &f["apps"]["ES256"];
    let only = KeySet::parse(es["jwks"].to_string().as_bytes()).unwrap();
    assert_eq!((only.keys().len(), only.unavailable().len()), (0, 1));
    let token = es["tokens"][0]["token"].as_str().unwrap();
    let gate = Gate::new(GateConfig::with_key_set(only).issuer(base).audience(base)).unwrap();
    assert_eq!(gate.verify(token, iat(token)), Err(Error::AlgNotInBuild));
    let mut bad = es["jwks"].clone();
    bad["keys"][0]["x"] = Value::from("AAAA");
    assert_eq!(
        KeySet::parse(bad.to_string().as_bytes()),
        Err(ConfigError::InvalidJwk {
            index: 0,
            member: "x"
        })
    );
    let small = r#"{"keys":[{"kty":"RSA","alg":"RS256","n":"AQAB","e":"AQAB"}]}"#;
    assert_eq!(
        KeySet::parse(small.as_bytes()),
        Err(ConfigError::WeakRsaKey { index: 0 })
    );
}
