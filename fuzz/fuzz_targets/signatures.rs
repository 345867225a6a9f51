//! The signature paths of ES256, ES512, RS256 and PS256 (issue 24) on real tokens: the REAL
//! better-auth package's keyPairConfigs app (tests/fixtures/better-auth/algorithms.json,
//! compiled in). The input picks a token and mutates its header, payload or signature
//! (replace or XOR). Never a panic, and a mutated token the gate accepts has the original
//! header and payload (the only admissible change is to the signature: ECDSA's other S).
#![no_main]

use std::sync::OnceLock;

use jwtgate::{base64url, Gate, GateConfig, KeySet};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

struct Fixture {
    gate: Gate,
    tokens: Vec<(String, u64)>,
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let f: Value = serde_json::from_str(include_str!(
            "../../tests/fixtures/better-auth/algorithms.json"
        ))
        .unwrap();
        let base = f["baseURL"].as_str().unwrap();
        let keys = KeySet::parse(f["multi"]["jwks"].to_string().as_bytes()).unwrap();
        let gate = Gate::new(GateConfig::with_key_set(keys).issuer(base).audience(base)).unwrap();
        let tokens = f["multi"]["tokens"]
            .as_object()
            .unwrap()
            .values()
            .map(|t| {
                let token = t["token"].as_str().unwrap().to_string();
                let now = gate
                    .verify(&token, iat(&token))
                    .map(|v| v.claims().iat as u64)
                    .unwrap();
                (token, now)
            })
            .collect();
        Fixture { gate, tokens }
    })
}

fn iat(token: &str) -> u64 {
    let p = token.split('.').nth(1).unwrap();
    let v: Value = serde_json::from_slice(&decode(p)).unwrap();
    v["iat"].as_u64().unwrap()
}

fn decode(s: &str) -> Vec<u8> {
    let table = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let (mut bits, mut n, mut out) = (0u32, 0, Vec::new());
    for c in s.bytes() {
        bits = (bits << 6) | table.iter().position(|t| *t == c).unwrap() as u32;
        n += 6;
        if n >= 8 {
            n -= 8;
            out.push((bits >> n) as u8);
        }
    }
    out
}

fuzz_target!(|data: &[u8]| {
    let f = fixture();
    let [pick, mode, rest @ ..] = data else {
        return;
    };
    let (token, now) = &f.tokens[usize::from(*pick) % f.tokens.len()];
    let mut parts: Vec<Vec<u8>> = token.split('.').map(decode).collect();
    let part = usize::from(mode % 3);
    if mode & 0x80 == 0 {
        parts[part] = rest.to_vec();
    } else {
        for (b, x) in parts[part].iter_mut().zip(rest) {
            *b ^= x;
        }
    }
    let mutated = parts
        .iter()
        .map(|p| base64url(p))
        .collect::<Vec<_>>()
        .join(".");
    if let Ok(v) = f.gate.verify(&mutated, *now) {
        let original: Vec<&str> = token.split('.').collect();
        let got: Vec<&str> = mutated.split('.').collect();
        assert_eq!(
            got[..2],
            original[..2],
            "accepted with another header or payload"
        );
        assert!(!v.user_id().is_empty());
    }
});
