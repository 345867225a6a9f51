//! Test vectors (issue 5 §4): Wycheproof HMAC-SHA256 and the Wycheproof JWS groups whose
//! key is `kty: oct` / HS256 (comments `hs256`, `rfc7520`, `base64`), plus RFC 7520 §4.4.
//! RFC 7515 A.1 is a unit test in src/tests.rs.
//!
//! Data: tests/vectors/wycheproof/ (C2SP/wycheproof, Apache-2.0, see SOURCE.md).
//! Deliberate deviations: tests/vectors/wycheproof-deviations.json (asserted, not skipped).

use std::collections::BTreeMap;

use base64::Engine;
use jwtgate::{base64url, Hs256Key, UntrustedToken};
use serde_json::Value;

mod common;
use common::{hex, load};

fn b64url(s: &str) -> Vec<u8> {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(s)
        .expect("JWK k is base64url")
}

#[test]
fn wycheproof_hmac_sha256() {
    let doc = load("wycheproof/hmac_sha256_test.json");
    let (mut full, mut truncated, mut valid, mut invalid) = (0, 0, 0, 0);
    for group in doc["testGroups"].as_array().expect("groups") {
        let tag_bits = group["tagSize"].as_u64().expect("tagSize");
        let tests = group["tests"].as_array().expect("tests");
        assert!(!tests.is_empty());
        for t in tests {
            let id = &t["tcId"];
            let key = Hs256Key::new(&hex(t["key"].as_str().unwrap()));
            let msg = hex(t["msg"].as_str().unwrap());
            let tag = hex(t["tag"].as_str().unwrap());
            assert_eq!(tag.len() as u64 * 8, tag_bits, "tcId {id}: tag size");
            let ours = key.tag(&msg);
            let is_valid = match t["result"].as_str().unwrap() {
                "valid" => true,
                "invalid" => false,
                other => panic!("tcId {id}: unexpected result {other}"),
            };
            if is_valid {
                valid += 1
            } else {
                invalid += 1
            }
            if tag_bits == 256 {
                full += 1;
                assert_eq!(
                    ours.as_slice() == tag.as_slice(),
                    is_valid,
                    "tcId {id}: tag"
                );
                assert_eq!(
                    key.verify_tag(&msg, &tag),
                    is_valid,
                    "tcId {id}: verify_tag"
                );
            } else {
                truncated += 1;
                // Truncated MACs: our full tag's prefix matches exactly the valid ones…
                assert_eq!(
                    &ours[..tag.len()] == tag.as_slice(),
                    is_valid,
                    "tcId {id}: prefix"
                );
                // …and JWS HS256 needs all 32 bytes, so verify_tag refuses every one of them.
                assert!(
                    !key.verify_tag(&msg, &tag),
                    "tcId {id}: truncated tag accepted"
                );
            }
        }
    }
    println!("wycheproof hmac-sha256: {full} full-length, {truncated} truncated ({valid} valid, {invalid} invalid)");
    assert_eq!(
        full + truncated,
        doc["numberOfTests"].as_u64().unwrap() as usize
    );
    assert!(
        full >= 80 && truncated >= 80 && invalid >= 50,
        "a vector group went missing"
    );
}

#[derive(Debug, PartialEq, Clone, Copy)]
enum Verdict {
    Valid,
    Invalid,
}

fn verdict(s: &str) -> Verdict {
    match s {
        "valid" => Verdict::Valid,
        "invalid" => Verdict::Invalid,
        other => panic!("unexpected verdict {other}"),
    }
}

fn jwtgate_verdict(key: &Hs256Key, jws: &Value) -> Verdict {
    // Compact serialization only: a JSON-serialized JWS is handed over as its JSON text.
    let text = match jws {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    match UntrustedToken::parse(&text) {
        Ok(token) if key.verify(&token) => Verdict::Valid,
        _ => Verdict::Invalid,
    }
}

#[test]
fn wycheproof_jws_hs256_groups() {
    let doc = load("wycheproof/json_web_signature_test.json");
    let deviations = load("wycheproof-deviations.json");
    let deviations = deviations["jws"].as_object().expect("jws deviations");
    let mut all_jws: BTreeMap<u64, String> = BTreeMap::new();
    let mut per_group: BTreeMap<String, usize> = BTreeMap::new();
    let mut seen_deviations = Vec::new();
    let mut agreed = 0;
    for group in doc["testGroups"].as_array().expect("groups") {
        let jwk = &group["private"];
        let applicable = jwk["kty"] == "oct" && jwk["alg"] == "HS256";
        for t in group["tests"].as_array().expect("tests") {
            if let Some(s) = t["jws"].as_str() {
                all_jws.insert(t["tcId"].as_u64().unwrap(), s.to_string());
            }
        }
        if !applicable {
            continue;
        }
        let comment = group["comment"].as_str().unwrap_or("?").to_string();
        assert!(
            ["hs256", "rfc7520", "base64"].contains(&comment.as_str()),
            "new HS256 group {comment}"
        );
        let key = Hs256Key::new(&b64url(jwk["k"].as_str().unwrap()));
        for t in group["tests"].as_array().unwrap() {
            let id = t["tcId"].as_u64().unwrap();
            let expected = verdict(t["result"].as_str().unwrap());
            let got = jwtgate_verdict(&key, &t["jws"]);
            *per_group.entry(comment.clone()).or_default() += 1;
            match deviations.get(&id.to_string()) {
                Some(d) => {
                    assert_eq!(
                        expected,
                        verdict(d["wycheproof"].as_str().unwrap()),
                        "tcId {id}: Wycheproof changed"
                    );
                    assert_eq!(
                        got,
                        verdict(d["jwtgate"].as_str().unwrap()),
                        "tcId {id}: deviation no longer holds"
                    );
                    assert_ne!(got, expected, "tcId {id}: listed as a deviation but agrees");
                    assert!(
                        d["reason"].as_str().is_some_and(|r| r.len() > 20),
                        "tcId {id}: reason"
                    );
                    seen_deviations.push((id, d["same_jws_as"].as_u64()));
                }
                None => {
                    assert_eq!(
                        got, expected,
                        "tcId {id} ({}): jwtgate disagrees with Wycheproof",
                        t["comment"]
                    );
                    agreed += 1;
                }
            }
        }
    }
    // Deviations that claim a byte-identical twin really have one.
    for (id, twin) in &seen_deviations {
        if let Some(twin) = twin {
            assert_eq!(
                all_jws.get(id),
                all_jws.get(twin),
                "tcId {id} is not identical to {twin}"
            );
        }
    }
    assert_eq!(
        seen_deviations.len(),
        deviations.len(),
        "a listed deviation matched no vector"
    );
    println!(
        "wycheproof jws (HS256): {per_group:?}; {agreed} agree, {} deliberate deviations",
        seen_deviations.len()
    );
    assert_eq!(per_group.get("hs256"), Some(&17));
    assert_eq!(per_group.get("rfc7520"), Some(&2));
    assert_eq!(per_group.get("base64"), Some(&21));
}

/// RFC 7520 §4.4 (HMAC-SHA2 integrity protection), Figure 35; the same JWS is
/// Wycheproof tcId 348/352 (group `rfc7520`).
#[test]
fn rfc7520_section_4_4_figure_35() {
    const HEADER: &str = r#"{"alg":"HS256","kid":"018c0ae5-4d9b-471b-bfd6-eef314bc7037"}"#;
    const PAYLOAD: &str = "It\u{2019}s a dangerous business, Frodo, going out your door. You step onto the road, and if you don't keep your feet, there\u{2019}s no knowing where you might be swept off to.";
    const K: &str = "hJtXIZ2uSN5kbQfbtTNWbpdmhkV8FJG-Onbc6mxCcYg"; // Figure 34 (JWK "k")
    const JWS: &str = concat!(
        "eyJhbGciOiJIUzI1NiIsImtpZCI6IjAxOGMwYWU1LTRkOWItNDcxYi1iZmQ2LWVlZjMxNGJjNzAzNyJ9",
        ".",
        "SXTigJlzIGEgZGFuZ2Vyb3VzIGJ1c2luZXNzLCBGcm9kbywgZ29pbmcgb3V0IHlvdXIgZG9vci4gWW91IHN0ZXAgb250byB0aGUgcm9hZCwgYW5kIGlmIHlvdSBkb24ndCBrZWVwIHlvdXIgZmVldCwgdGhlcmXigJlzIG5vIGtub3dpbmcgd2hlcmUgeW91IG1pZ2h0IGJlIHN3ZXB0IG9mZiB0by4",
        ".",
        "s0h6KThzkfBBBkLspW1h84VsJZFTsPPqMDA7g1Md7p0"
    );
    let key = Hs256Key::new(&b64url(K));
    // Encoding: our base64url reproduces the RFC's segments exactly.
    let input = format!(
        "{}.{}",
        base64url(HEADER.as_bytes()),
        base64url(PAYLOAD.as_bytes())
    );
    assert!(JWS.starts_with(&format!("{input}.")));
    // Signing: our tag is Figure 35's signature.
    assert_eq!(
        format!("{input}.{}", base64url(&key.tag(input.as_bytes()))),
        JWS
    );
    // Verification, and the same JWS in the Wycheproof data.
    let token = UntrustedToken::parse(JWS).expect("parses");
    assert!(key.verify(&token));
    assert!(!Hs256Key::new(b"another key of the same length..").verify(&token));
    let doc = load("wycheproof/json_web_signature_test.json");
    let in_wycheproof = doc["testGroups"].as_array().unwrap().iter().any(|g| {
        g["comment"] == "rfc7520"
            && g["tests"]
                .as_array()
                .unwrap()
                .iter()
                .any(|t| t["jws"] == JWS)
    });
    assert!(
        in_wycheproof,
        "Figure 35 is Wycheproof's rfc7520 HS256 vector"
    );
}
