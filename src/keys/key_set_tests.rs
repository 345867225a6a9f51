//! Tests of the key-set reader (src/keys/key_set.rs).
use super::*;
use crate::token::decode_base64url;
use alloc::format;

/// RFC 8037 A.2's public key (RFC 8032 test 1).
const X: &str = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo";
/// RFC 8032 test 2's public key.
const X2: &str = "PUAXw-hDiVqStwqnTRt-vJyYLM8uxJaMwM1V8Sr0Zgw";

fn okp(kid: &str, x: &str) -> String {
    format!(r#"{{"alg":"EdDSA","crv":"Ed25519","x":"{x}","kty":"OKP","kid":"{kid}"}}"#)
}

fn set(keys: &[String]) -> String {
    format!(r#"{{"keys":[{}]}}"#, keys.join(","))
}

fn err(json: &str) -> ConfigError {
    KeySet::parse(json.as_bytes()).unwrap_err()
}

#[test]
fn parses_better_auth_sets_and_selects_by_kid() {
    let ks = KeySet::parse(set(&[okp("a", X), okp("b", X2)]).as_bytes()).unwrap();
    assert_eq!(ks.keys().len(), 2);
    assert_eq!(ks.keys()[1].kid(), Some("b"));
    assert!(ks.select(Some("a"), Alg::Ed25519).is_ok());
    assert_eq!(ks.select(Some("c"), Alg::Ed25519), Err(Error::UnknownKey));
    // No kid: only with exactly one key.
    assert_eq!(ks.select(None, Alg::Ed25519), Err(Error::UnknownKey));
    let one = KeySet::parse(set(&[okp("a", X)]).as_bytes()).unwrap();
    assert!(one.select(None, Alg::Ed25519).is_ok());
    // A key without kid is matched only by tokens without kid.
    let anonymous = format!(r#"{{"keys":[{{"kty":"OKP","crv":"Ed25519","x":"{X}"}}]}}"#);
    let anon = KeySet::parse(anonymous.as_bytes()).unwrap();
    assert!(anon.select(None, Alg::Ed25519).is_ok());
    assert_eq!(anon.select(Some("a"), Alg::Ed25519), Err(Error::UnknownKey));
}

/// RFC 7515 A.3's P-256 key and A.2's RSA-2048 key (`alg` added: A.2 has none).
const EC: &str = r#"{"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0","kid":"ec"}"#;
const RSA_N: &str = "ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ";

fn rsa_key(kid: &str, alg: Option<&str>, extra: &str) -> String {
    let alg = alg.map(|a| format!(r#","alg":"{a}""#)).unwrap_or_default();
    format!(r#"{{"kty":"RSA","n":"{RSA_N}","e":"AQAB","kid":"{kid}"{alg}{extra}}}"#)
}

#[test]
fn skips_other_types_curves_and_uses() {
    let p384 = r#"{"kty":"EC","crv":"P-384","x":"AAAA","y":"AAAA","kid":"p384"}"#;
    let rs512 = rsa_key("rs512", Some("RS512"), "");
    let oaep = rsa_key("oaep", Some("RSA-OAEP"), "");
    let x448 = r#"{"kty":"OKP","crv":"X25519","x":"hSDwCYkwp1R0i33ctD73Wg2_Og0mOBr066SpjqqbTmo","kid":"dh"}"#;
    let enc = format!(r#"{{"kty":"OKP","crv":"Ed25519","x":"{X2}","kid":"enc","use":"enc"}}"#);
    let ops =
        format!(r#"{{"kty":"OKP","crv":"Ed25519","x":"{X2}","kid":"ops","key_ops":["sign"]}}"#);
    let unknown = r#"{"kty":"XYZ","kid":"xyz"}"#;
    let json = set(&[
        p384.into(),
        rs512,
        oaep,
        x448.into(),
        enc,
        ops,
        unknown.into(),
        okp("good", X),
    ]);
    let ks = KeySet::parse(json.as_bytes()).unwrap();
    assert_eq!((ks.keys().len(), ks.skipped()), (1, 7));
    // A token naming a skipped key is an unknown key, never a fallback.
    for kid in ["p384", "rs512", "oaep", "dh", "enc", "ops", "xyz"] {
        for alg in [Alg::Ed25519, Alg::Rs256, Alg::Es256] {
            assert_eq!(ks.select(Some(kid), alg), Err(Error::UnknownKey));
        }
    }
    // Only unsupported keys: nothing to verify with.
    assert_eq!(err(&set(&[p384.into()])), ConfigError::JwksNoUsableKey);
    assert_eq!(err(r#"{"keys":[]}"#), ConfigError::JwksNoUsableKey);
}

#[test]
fn every_key_is_pinned_to_one_algorithm() {
    let json = set(&[
        okp("ed", X),
        EC.into(),
        rsa_key("rs", Some("RS256"), ""),
        rsa_key("ps", Some("PS256"), r#","crv":"Ed25519""#),
    ]);
    let ks = KeySet::parse(json.as_bytes()).unwrap();
    let pinned: Vec<(Option<&str>, Alg)> = ks.keys().iter().map(|k| (k.kid(), k.alg())).collect();
    assert_eq!(
        pinned,
        [
            (Some("ed"), Alg::Ed25519),
            (Some("ec"), Alg::Es256),
            (Some("rs"), Alg::Rs256),
            (Some("ps"), Alg::Ps256)
        ]
    );
    let algs = ks.algs();
    assert!(algs.ed25519 && algs.es256 && algs.rs256 && algs.ps256);
    assert!(!algs.es512 && !algs.hs256);
    // Every other algorithm with each kid: refused, whatever the pairing.
    let all = [
        Alg::Hs256,
        Alg::Ed25519,
        Alg::Es256,
        Alg::Es512,
        Alg::Rs256,
        Alg::Ps256,
    ];
    for jwk in ks.keys() {
        for alg in all {
            let got = ks.select(jwk.kid(), alg).map(PublicKey::alg);
            if alg == jwk.alg() {
                assert_eq!(got, Ok(alg));
            } else {
                assert_eq!(got, Err(Error::AlgNotAllowed), "{:?} as {alg:?}", jwk.kid());
            }
        }
    }
    // Explicit algs that fit the key type are accepted; ones that contradict it are not.
    assert!(KeySet::parse(
        set(&[EC.replace(r#""kid":"ec""#, r#""kid":"ec","alg":"ES256""#)]).as_bytes()
    )
    .is_ok());
    for (key, member) in [
        (
            EC.replace(r#""kid":"ec""#, r#""kid":"ec","alg":"ES512""#),
            "alg",
        ),
        (
            EC.replace(r#""kid":"ec""#, r#""kid":"ec","alg":"RS256""#),
            "alg",
        ),
        (rsa_key("r", Some("ES256"), ""), "alg"),
        (rsa_key("r", Some("HS256"), ""), "alg"),
        (rsa_key("r", Some("EdDSA"), ""), "alg"),
        (rsa_key("r", Some("RS256"), r#","crv":1"#), "crv"),
        (
            format!(r#"{{"kty":"OKP","crv":"Ed25519","x":"{X}","alg":"ES256"}}"#),
            "alg",
        ),
    ] {
        assert_eq!(
            err(&set(core::slice::from_ref(&key))),
            ConfigError::InvalidJwk { index: 0, member },
            "{key}"
        );
    }
    // An RSA key without alg could be either RSA algorithm: the set is refused.
    assert_eq!(
        err(&set(&[okp("ed", X), rsa_key("r", None, "")])),
        ConfigError::AmbiguousJwkAlg { index: 1 }
    );
}

#[test]
fn refuses_malformed_ec_and_rsa_keys() {
    let ec = |x: &str, y: &str, crv: &str| {
        format!(r#"{{"kty":"EC","crv":"{crv}","x":"{x}","y":"{y}"}}"#)
    };
    let (x, y) = (
        "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
        "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0",
    );
    // y changed in its last bit: off the curve.
    let off = "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5aw";
    assert_eq!(
        err(&set(&[ec(x, off, "P-256")])),
        ConfigError::InvalidEcPoint { index: 0 }
    );
    let zero = crate::base64url(&[0u8; 32]);
    assert_eq!(
        err(&set(&[ec(&zero, &zero, "P-256")])),
        ConfigError::InvalidEcPoint { index: 0 }
    );
    // A P-256 point given as P-521: coordinates of the wrong length.
    assert_eq!(
        err(&set(&[ec(x, y, "P-521")])),
        ConfigError::InvalidJwk {
            index: 0,
            member: "x"
        }
    );
    let short = &x[..42];
    assert_eq!(
        err(&set(&[ec(short, y, "P-256")])),
        ConfigError::InvalidJwk {
            index: 0,
            member: "x"
        }
    );
    assert_eq!(
        err(&set(&[format!(
            r#"{{"kty":"EC","crv":"P-256","x":"{x}"}}"#
        )])),
        ConfigError::InvalidJwk {
            index: 0,
            member: "y"
        }
    );
    assert_eq!(
        err(&set(&[format!(r#"{{"kty":"EC","x":"{x}","y":"{y}"}}"#)])),
        ConfigError::InvalidJwk {
            index: 0,
            member: "crv"
        }
    );
    // RSA: a 1024-bit modulus, e = 1, e even, a padded modulus, missing members.
    let small = &crate::base64url(&decode_base64url(RSA_N).unwrap()[..128]);
    let rsa = |n: &str, e: &str| format!(r#"{{"kty":"RSA","alg":"RS256","n":"{n}","e":"{e}"}}"#);
    assert_eq!(
        err(&set(&[rsa(small, "AQAB")])),
        ConfigError::WeakRsaKey { index: 0 }
    );
    assert_eq!(
        err(&set(&[rsa(RSA_N, "AQ")])),
        ConfigError::WeakRsaKey { index: 0 }
    );
    assert_eq!(
        err(&set(&[rsa(RSA_N, "AQAA")])),
        ConfigError::WeakRsaKey { index: 0 }
    );
    let padded = crate::base64url(&{
        let mut n = alloc::vec![0u8];
        n.extend(decode_base64url(RSA_N).unwrap());
        n
    });
    assert_eq!(
        err(&set(&[rsa(&padded, "AQAB")])),
        ConfigError::WeakRsaKey { index: 0 }
    );
    assert_eq!(
        err(&set(&[r#"{"kty":"RSA","alg":"PS256","e":"AQAB"}"#.into()])),
        ConfigError::InvalidJwk {
            index: 0,
            member: "n"
        }
    );
    assert_eq!(
        err(&set(&[format!(
            r#"{{"kty":"RSA","alg":"PS256","n":"{RSA_N}","e":""}}"#
        )])),
        ConfigError::InvalidJwk {
            index: 0,
            member: "e"
        }
    );
    // Private RSA and EC members refuse the whole set.
    assert_eq!(
        err(&set(&[rsa_key("r", Some("RS256"), r#","d":"AQAB""#)])),
        ConfigError::JwkPrivateKey { index: 0 }
    );
    assert_eq!(
        err(&set(&[
            EC.replace(r#""kid":"ec""#, r#""kid":"ec","d":"AQAB""#)
        ])),
        ConfigError::JwkPrivateKey { index: 0 }
    );
}

#[test]
fn refuses_malformed_sets_and_members() {
    for bad in [
        "",
        "[]",
        "{}",
        r#"{"keys":{}}"#,
        r#"{"keys":[1]}"#,
        r#"{"keys":["x"]}"#,
        r#"{"keys":[],"keys":[]}"#,
        r#"{"keys":[{"kty":"OKP","kty":"OKP"}]}"#,
    ] {
        assert_eq!(err(bad), ConfigError::InvalidJwks, "{bad}");
    }
    let member = |json: String, member: &'static str| {
        assert_eq!(
            err(&set(core::slice::from_ref(&json))),
            ConfigError::InvalidJwk { index: 0, member },
            "{json}"
        );
    };
    member(format!(r#"{{"crv":"Ed25519","x":"{X}"}}"#), "kty");
    member(format!(r#"{{"kty":1,"crv":"Ed25519","x":"{X}"}}"#), "kty");
    member(format!(r#"{{"kty":"OKP","x":"{X}"}}"#), "crv");
    member(r#"{"kty":"OKP","crv":"Ed25519"}"#.into(), "x");
    member(r#"{"kty":"OKP","crv":"Ed25519","x":7}"#.into(), "x");
    member(
        format!(r#"{{"kty":"OKP","crv":"Ed25519","x":"{X}="}}"#),
        "x",
    );
    member(
        format!(r#"{{"kty":"OKP","crv":"Ed25519","x":"{}"}}"#, &X[..40]),
        "x",
    );
    member(
        format!(r#"{{"kty":"OKP","crv":"Ed25519","x":"{X}","kid":5}}"#),
        "kid",
    );
    member(
        format!(r#"{{"kty":"OKP","crv":"Ed25519","x":"{X}","kid":""}}"#),
        "kid",
    );
    member(
        format!(r#"{{"kty":"OKP","crv":"Ed25519","x":"{X}","alg":"HS256"}}"#),
        "alg",
    );
    member(
        format!(r#"{{"kty":"OKP","crv":"Ed25519","x":"{X}","use":1}}"#),
        "use",
    );
    member(
        format!(r#"{{"kty":"OKP","crv":"Ed25519","x":"{X}","key_ops":"verify"}}"#),
        "key_ops",
    );
    // The identity point: a weak key.
    let identity = crate::base64url(&{
        let mut b = [0u8; 32];
        b[0] = 1;
        b
    });
    assert_eq!(
        err(&set(&[okp("w", &identity)])),
        ConfigError::WeakJwk { index: 0 }
    );
    // Private material anywhere, even in a key that would be skipped.
    assert_eq!(
        err(&set(&[
            okp("a", X),
            format!(
                r#"{{"kty":"OKP","crv":"Ed25519","x":"{X2}","d":"nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"}}"#
            )
        ])),
        ConfigError::JwkPrivateKey { index: 1 }
    );
    assert_eq!(
        err(&set(&[r#"{"kty":"oct","k":"c2VjcmV0"}"#.into()])),
        ConfigError::JwkPrivateKey { index: 0 }
    );
    // Duplicate kids, also across types.
    assert_eq!(
        err(&set(&[okp("a", X), okp("a", X2)])),
        ConfigError::DuplicateKid { index: 1 }
    );
    assert_eq!(
        err(&set(&[r#"{"kty":"oct","kid":"a"}"#.into(), okp("a", X)])),
        ConfigError::DuplicateKid { index: 1 }
    );
}

#[test]
fn bounded_bytes_and_keys() {
    let many: Vec<String> = (0..=MAX_JWKS_KEYS)
        .map(|i| format!(r#"{{"kty":"oct","kid":"k{i}"}}"#))
        .collect();
    assert_eq!(err(&set(&many)), ConfigError::JwksTooManyKeys);
    let padded = format!(
        r#"{{"pad":"{}","keys":[{}]}}"#,
        "x".repeat(MAX_JWKS_BYTES),
        okp("a", X)
    );
    assert_eq!(err(&padded), ConfigError::JwksTooLarge);
    // Exactly at the cap is fine.
    let base = format!(r#"{{"pad":"","keys":[{}]}}"#, okp("a", X));
    let at_cap = format!(
        r#"{{"pad":"{}","keys":[{}]}}"#,
        "x".repeat(MAX_JWKS_BYTES - base.len()),
        okp("a", X)
    );
    assert_eq!(at_cap.len(), MAX_JWKS_BYTES);
    assert!(KeySet::parse(at_cap.as_bytes()).is_ok());
}
