//! Arbitrary bytes as a key set (`KeySet::parse`, the core's own JSON reader). Never a
//! panic, and:
//! - serde_json is the oracle: a set the core accepts is JSON for serde_json too, lists at
//!   most MAX_JWKS_KEYS entries, and its usable Ed25519 keys are exactly its OKP/Ed25519
//!   entries (minus the `use`/`key_ops` non-signature ones), in order, with the same `x` and
//!   `kid` (EC and RSA keys: the `ec_rsa_jwk` target);
//!   a `duplicate_kid` refusal points at an entry whose kid an earlier entry has.
//! - what parses is bounded, holds ≥ 1 key, no two keys share a kid, every key is a strong
//!   point; re-serialised it parses to the same keys (kid count included);
//! - the refusals hold on the parsed set: one more key with a taken kid is `duplicate_kid`,
//!   one with private material `jwk_private_key`, padding past MAX_JWKS_KEYS
//!   `jwks_too_many_keys` (and up to it only skipped keys);
//! - a JWKS-only gate built from it never takes HS256 (`alg_not_allowed`); a kid of the set
//!   with its key's algorithm and a wrong signature is `invalid_signature`, with another
//!   algorithm `alg_not_allowed`; any other kid `unknown_key`.
#![no_main]

use jwtgate::{
    base64url, Alg, ConfigError, Ed25519Key, Error, Gate, GateConfig, KeySet, MAX_HEADER_BYTES,
    MAX_JWKS_BYTES, MAX_JWKS_KEYS, MAX_TOKEN_BYTES,
};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

const APP: &str = "http://localhost:3000";
const SECRET: &str = "k3Jx9vQ2mW7pL4tZ8rB6nC1yH5sD0fGa";
/// RFC 8037 A.2's public key (RFC 8032 test 1), for keys the target appends.
const X: &str = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo";
const X_BYTES: [u8; 32] = [
    0xd7, 0x5a, 0x98, 0x01, 0x82, 0xb1, 0x0a, 0xb7, 0xd5, 0x4b, 0xfe, 0xd3, 0xc9, 0x64, 0x07, 0x3a,
    0x0e, 0xe1, 0x72, 0xf3, 0xda, 0xa6, 0x23, 0x25, 0xaf, 0x02, 0x1a, 0x68, 0xf7, 0x07, 0x51, 0x1a,
];
const NOW: u64 = 1_795_698_900;

fn okp(x: &[u8; 32], kid: Option<&str>) -> String {
    let kid = kid.map_or(String::new(), |k| format!(",\"kid\":{}", json_string(k)));
    format!(
        r#"{{"kty":"OKP","crv":"Ed25519","x":"{}"{kid}}}"#,
        base64url(x)
    )
}

fn json_string(s: &str) -> String {
    serde_json::to_string(s).unwrap()
}

fn set(keys: &[String]) -> String {
    format!(r#"{{"keys":[{}]}}"#, keys.join(","))
}

/// What the oracle (serde_json) says the usable keys of the document are.
fn oracle_keys(doc: &Value) -> Vec<(Option<String>, String)> {
    let entries = doc["keys"].as_array().unwrap();
    assert!(entries.len() <= MAX_JWKS_KEYS);
    let mut kids = Vec::new();
    let mut usable = Vec::new();
    for entry in entries {
        let entry = entry.as_object().unwrap();
        // The core reads kty, kid and use of every entry (strings), crv/alg/x only of OKP.
        let str_of = |name: &str| entry.get(name).map(|v| v.as_str().unwrap());
        let loose = |name: &str| entry.get(name).and_then(Value::as_str);
        for private in ["d", "p", "q", "dp", "dq", "qi", "oth", "k"] {
            assert!(!entry.contains_key(private));
        }
        let kid = str_of("kid");
        if let Some(kid) = kid {
            assert!(!kid.is_empty() && !kids.contains(&kid));
            kids.push(kid);
        }
        let use_ok = matches!(str_of("use"), None | Some("sig"));
        let ops_ok = entry.get("key_ops").is_none_or(|ops| {
            let ops = ops.as_array().unwrap();
            assert!(ops.iter().all(Value::is_string));
            ops.iter().any(|o| o.as_str() == Some("verify"))
        });
        assert!(str_of("kty").is_some());
        if use_ok && ops_ok && str_of("kty") == Some("OKP") && loose("crv") == Some("Ed25519") {
            assert!(matches!(loose("alg"), None | Some("EdDSA" | "Ed25519")));
            usable.push((kid.map(String::from), loose("x").unwrap().to_string()));
        }
    }
    usable
}

/// A kid is not bounded by the key set, but a token's header and size are (found by this
/// target: a 500-byte kid): such a key is in the set and no token can name it.
fn bounded(header: &str, expected: Error) -> Error {
    if token(header, &[0; 64]).len() > MAX_TOKEN_BYTES {
        Error::TokenTooLarge
    } else if header.len() > MAX_HEADER_BYTES {
        Error::InvalidHeader
    } else {
        expected
    }
}

fn token(header: &str, signature: &[u8]) -> String {
    format!(
        "{}.{}.{}",
        base64url(header.as_bytes()),
        base64url(br#"{"sub":"u","email":"u@example.com","iat":1795698900,"exp":1795699800}"#),
        base64url(signature)
    )
}

fuzz_target!(|data: &[u8]| {
    let parsed = KeySet::parse(data);
    // serde_json refuses numbers beyond f64 (valid JSON grammar): no oracle for those.
    let oracle = match serde_json::from_slice::<Value>(data) {
        Ok(doc) => Some(doc),
        Err(e) if e.to_string().contains("number out of range") => return,
        Err(_) => None,
    };
    let keys = match parsed {
        Ok(keys) => keys,
        Err(ConfigError::DuplicateKid { index }) => {
            // The oracle sees the same entry reuse an earlier kid (when it reads the
            // document the same way: serde_json lets a repeated member win silently).
            if let Some(entries) = oracle.as_ref().and_then(|d| d["keys"].as_array()) {
                let kid_at = |i: usize| entries.get(i).and_then(|e| e.get("kid")?.as_str());
                let kid = kid_at(index).unwrap();
                assert!((0..index).any(|i| kid_at(i) == Some(kid)));
            }
            return;
        }
        Err(_) => return,
    };
    assert!(data.len() <= MAX_JWKS_BYTES);
    let n = keys.keys().len();
    assert!(n + keys.unavailable().len() >= 1 && n + keys.skipped() <= MAX_JWKS_KEYS);
    // This target's build compiles every algorithm.
    assert!(keys.unavailable().is_empty());

    // The oracle agrees on which Ed25519 keys are usable, in order.
    let doc = oracle.expect("the core accepted a key set serde_json does not parse");
    let expected = oracle_keys(&doc);
    let ed: Vec<_> = keys
        .keys()
        .iter()
        .filter_map(|k| Some((k.kid(), k.key().ed25519()?)))
        .collect();
    assert_eq!(expected.len(), ed.len());
    for ((kid, x), (got_kid, key)) in expected.iter().zip(&ed) {
        assert_eq!(kid.as_deref(), *got_kid);
        assert_eq!(x, &base64url(&key.to_bytes()));
    }

    let mut kid_count = 0;
    for (i, k) in keys.keys().iter().enumerate() {
        if let Some(key) = k.key().ed25519() {
            assert_eq!(k.alg(), Alg::Ed25519);
            assert!(Ed25519Key::from_bytes(&key.to_bytes()).is_ok());
        }
        if let Some(kid) = k.kid() {
            kid_count += 1;
            assert!(!kid.is_empty());
            assert!(keys.keys()[i + 1..].iter().all(|o| o.kid() != Some(kid)));
            assert_eq!(keys.select(Some(kid), k.alg()), Ok(k.key()));
        }
    }
    assert_eq!(keys.has_key(None), n == 1);
    if ed.len() != n {
        // EC/RSA keys present: the round trip below re-serialises Ed25519 keys only.
        return;
    }

    // Round trip: the usable keys alone, re-serialised, are the same set.
    let entries: Vec<String> = keys
        .keys()
        .iter()
        .filter_map(|k| Some(okp(&k.key().ed25519()?.to_bytes(), k.kid())))
        .collect();
    let again = KeySet::parse(set(&entries).as_bytes()).unwrap();
    assert_eq!(again.keys(), keys.keys());
    assert_eq!(again.skipped(), 0);
    assert_eq!(
        again.keys().iter().filter(|k| k.kid().is_some()).count(),
        kid_count
    );

    // Refusals on the parsed set.
    assert_eq!(base64url(&X_BYTES), X);
    if let Some(kid) = keys.keys().iter().find_map(|k| k.kid()) {
        let mut dup = entries.clone();
        dup.push(okp(&X_BYTES, Some(kid)));
        assert_eq!(
            KeySet::parse(set(&dup).as_bytes()),
            Err(ConfigError::DuplicateKid { index: n })
        );
    }
    let mut private = entries.clone();
    private.push(format!(
        r#"{{"kty":"OKP","crv":"Ed25519","x":"{X}","d":"nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"}}"#
    ));
    assert_eq!(
        KeySet::parse(set(&private).as_bytes()),
        Err(ConfigError::JwkPrivateKey { index: n })
    );
    let mut padded = entries.clone();
    padded.extend((n..MAX_JWKS_KEYS).map(|_| r#"{"kty":"EC","crv":"P-384"}"#.to_string()));
    let full = KeySet::parse(set(&padded).as_bytes()).unwrap();
    assert_eq!(
        (full.keys(), full.skipped()),
        (keys.keys(), MAX_JWKS_KEYS - n)
    );
    padded.push(r#"{"kty":"oct"}"#.to_string());
    assert_eq!(
        KeySet::parse(set(&padded).as_bytes()),
        Err(ConfigError::JwksTooManyKeys)
    );

    // A JWKS-only gate: the algorithm is pinned by the key.
    let gate = Gate::new(
        GateConfig::with_key_set(keys.clone())
            .issuer(APP)
            .audience(APP),
    )
    .unwrap();
    let (hs, ed) = (gate.accepted_algs().hs256, gate.accepted_algs().ed25519);
    assert!(!hs && ed);
    let other_alg = |alg: Alg| {
        if alg == Alg::Es256 {
            Alg::Ed25519
        } else {
            Alg::Es256
        }
    };
    let secret_gate = Gate::new(GateConfig::new(SECRET)).unwrap();
    let hs256 = secret_gate
        .mint(r#"{"sub":"u","email":"u@example.com","iat":1795698900,"exp":1795699800}"#);
    assert_eq!(gate.verify(&hs256, NOW), Err(Error::AlgNotAllowed));
    let bad_signature = [0x5a; 64];
    for k in keys.keys() {
        for (alg, pinned) in [(k.alg(), true), (other_alg(k.alg()), false)] {
            let header = match k.kid() {
                Some(kid) => format!(r#"{{"alg":"{}","kid":{}}}"#, alg.name(), json_string(kid)),
                None => format!(r#"{{"alg":"{}"}}"#, alg.name()),
            };
            let expected = if k.kid().is_none() && n > 1 {
                Error::UnknownKey
            } else if pinned {
                Error::InvalidSignature
            } else {
                Error::AlgNotAllowed
            };
            assert_eq!(
                gate.verify(&token(&header, &bad_signature), NOW),
                Err(bounded(&header, expected))
            );
        }
    }
    let other = format!("{}~", keys.keys()[0].kid().unwrap_or(""));
    if !keys.has_key(Some(&other)) {
        let header = format!(r#"{{"alg":"Ed25519","kid":{}}}"#, json_string(&other));
        let refused = gate.verify(&token(&header, &bad_signature), NOW);
        assert_eq!(refused, Err(bounded(&header, Error::UnknownKey)));
    }
});
