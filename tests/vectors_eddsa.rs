//! Ed25519 / EdDSA test vectors (issue 13): RFC 8032 §7.1, RFC 8037 A.4/A.5 and
//! Wycheproof's `ed25519_test.json` (every group's key read both as raw bytes and as its
//! JWK through `KeySet::parse`; every verdict must agree, deviations listed and asserted).
//!
//! Data: tests/vectors/ (RFC texts; C2SP/wycheproof, Apache-2.0, see wycheproof/SOURCE.md).

use ed25519_dalek::{Signer, SigningKey};
use jwtgate::{Alg, ConfigError, Ed25519Key, Error, Gate, GateConfig, KeySet, UntrustedToken};
use serde_json::Value;

mod common;
use common::{hex, load};

fn one_key_set(jwk: &Value) -> Result<KeySet, ConfigError> {
    KeySet::parse(serde_json::json!({ "keys": [jwk] }).to_string().as_bytes())
}

#[test]
fn rfc8032_ed25519() {
    let doc = load("rfc8032_ed25519.json");
    let tests = doc["tests"].as_array().expect("tests");
    assert_eq!(tests.len(), 3);
    for t in tests {
        let name = t["name"].as_str().unwrap();
        let seed: [u8; 32] = hex(t["secret"].as_str().unwrap()).try_into().unwrap();
        let public = hex(t["public"].as_str().unwrap());
        let message = hex(t["message"].as_str().unwrap());
        let signature = hex(t["signature"].as_str().unwrap());
        // The data is what the RFC says: the seed derives the key and re-signs identically.
        let signing = SigningKey::from_bytes(&seed);
        assert_eq!(
            signing.verifying_key().as_bytes().as_slice(),
            public,
            "{name}"
        );
        assert_eq!(
            signing.sign(&message).to_bytes().as_slice(),
            signature,
            "{name}"
        );

        let key = Ed25519Key::from_bytes(&public).expect(name);
        assert!(key.verify_message(&message, &signature), "{name}");
        // One bit in every byte (R and S), a different bit position each time.
        for byte in 0..signature.len() {
            let bit = byte % 8;
            let mut bad = signature.clone();
            bad[byte] ^= 1 << bit;
            assert!(!key.verify_message(&message, &bad), "{name}: byte {byte}");
        }
        let mut other = message.clone();
        other.push(0);
        assert!(!key.verify_message(&other, &signature), "{name}: message");
    }
}

#[test]
fn rfc8037_a4_a5_eddsa_jws() {
    let doc = load("rfc8037_eddsa_jws.json");
    let jws = doc["jws"].as_str().unwrap();
    // A.4: signing with the A.1 private key reproduces the JWS (Ed25519 is deterministic).
    let d = base64::Engine::decode(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD,
        doc["private_jwk"]["d"].as_str().unwrap(),
    )
    .unwrap();
    let signing = SigningKey::from_bytes(&d.try_into().unwrap());
    let input = jws.rsplit_once('.').unwrap().0;
    let signature = jwtgate::base64url(&signing.sign(input.as_bytes()).to_bytes());
    assert_eq!(format!("{input}.{signature}"), jws);

    // A.5: verification with the A.2 public JWK, at the JWS layer.
    let keys = one_key_set(&doc["public_jwk"]).expect("A.2 public key");
    let token = UntrustedToken::parse(jws).expect("A.4 JWS parses");
    assert_eq!(token.alg(), Alg::Ed25519);
    assert_eq!(token.kid(), None);
    let key = keys.select(token.kid(), token.alg()).expect("the only key");
    assert!(key.verify(&token));
    let tampered = jws.replace(".RXhhbXBsZ", ".SXhhbXBsZ"); // "Example" → "Ixample"
    assert!(!key.verify(&UntrustedToken::parse(&tampered).unwrap()));

    // Through the gate: the signature passes, then the payload (not a claim set) is refused.
    let gate = Gate::new(
        GateConfig::with_key_set(keys)
            .issuer("https://issuer.example")
            .audience("https://issuer.example"),
    )
    .unwrap();
    assert_eq!(gate.verify(jws, 1_700_000_000), Err(Error::InvalidPayload));
    assert_eq!(
        gate.verify(&tampered, 1_700_000_000),
        Err(Error::InvalidSignature)
    );

    // The private JWK itself is refused as a key set (private material published).
    assert_eq!(
        one_key_set(&doc["private_jwk"]),
        Err(ConfigError::JwkPrivateKey { index: 0 })
    );
}

#[test]
fn wycheproof_ed25519() {
    let doc = load("wycheproof/ed25519_test.json");
    let deviations = load("wycheproof-deviations.json");
    let deviations = deviations["ed25519"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    let (mut valid, mut invalid, mut seen) = (0, 0, Vec::new());
    for group in doc["testGroups"].as_array().expect("groups") {
        let public = hex(group["publicKey"]["pk"].as_str().unwrap());
        let key = Ed25519Key::from_bytes(&public).expect("Wycheproof keys are valid points");
        // The same key through the JWKS parser (Wycheproof's JWK, kid "none").
        let keys = one_key_set(&group["publicKeyJwk"]).expect("JWK parses");
        assert_eq!(
            keys.select(Some("none"), Alg::Ed25519).unwrap().ed25519(),
            Some(&key)
        );
        let tests = group["tests"].as_array().expect("tests");
        assert!(!tests.is_empty());
        for t in tests {
            let id = t["tcId"].as_u64().unwrap();
            let msg = hex(t["msg"].as_str().unwrap());
            let sig = hex(t["sig"].as_str().unwrap());
            let expected = match t["result"].as_str().unwrap() {
                "valid" => true,
                "invalid" => false,
                other => panic!("tcId {id}: unexpected result {other}"),
            };
            let got = key.verify_message(&msg, &sig);
            match deviations.get(&id.to_string()) {
                Some(d) => {
                    assert_eq!(
                        d["jwtgate"].as_str(),
                        Some(if got { "valid" } else { "invalid" }),
                        "tcId {id}: deviation no longer holds"
                    );
                    assert_ne!(got, expected, "tcId {id}: listed as a deviation but agrees");
                    seen.push(id);
                }
                None => assert_eq!(got, expected, "tcId {id} ({:?})", t["flags"]),
            }
            if expected {
                valid += 1
            } else {
                invalid += 1
            }
        }
    }
    assert_eq!(
        seen.len(),
        deviations.len(),
        "every listed deviation is exercised"
    );
    assert_eq!(
        valid + invalid,
        doc["numberOfTests"].as_u64().unwrap() as usize
    );
    println!(
        "wycheproof ed25519: {valid} valid, {invalid} invalid, {} deviations",
        seen.len()
    );
}
