//! Unit tests of EdDSA tokens through the whole gate: key selection, algorithm pinning,
//! the attack list of issue 13, and key-set configuration rules.

use alloc::format;
use alloc::string::String;

use ed25519_dalek::{Signer, SigningKey};

use crate::*;

const SECRET: &str = "k3Jx9vQ2mW7pL4tZ8rB6nC1yH5sD0fGa";
const NOW: u64 = 1_700_000_000;
const APP: &str = "http://localhost:3000";
/// RFC 8032 test 1 and 2 seeds: two Ed25519 key pairs with published public keys.
const SEED_A: [u8; 32] = hex32("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");
const SEED_B: [u8; 32] = hex32("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb");
const KID_A: &str = "aH7kQ2pX9mL4tZ8rB6nC1yW5sD0fGj3V";
const KID_B: &str = "bT5yU8iO2pA4sD6fG8hJ1kL3zX5cV7bN";

const fn nibble(c: u8) -> u8 {
    match c {
        b'0'..=b'9' => c - b'0',
        _ => c - b'a' + 10,
    }
}

const fn hex32(s: &str) -> [u8; 32] {
    let b = s.as_bytes();
    let mut out = [0u8; 32];
    let mut i = 0;
    while i < 32 {
        out[i] = (nibble(b[2 * i]) << 4) | nibble(b[2 * i + 1]);
        i += 1;
    }
    out
}

fn x_of(seed: &[u8; 32]) -> String {
    base64url(SigningKey::from_bytes(seed).verifying_key().as_bytes())
}

fn jwk(seed: &[u8; 32], kid: &str) -> String {
    format!(
        r#"{{"alg":"EdDSA","crv":"Ed25519","x":"{}","kty":"OKP","kid":"{kid}"}}"#,
        x_of(seed)
    )
}

fn key_set(keys: &[String]) -> KeySet {
    KeySet::parse(format!(r#"{{"keys":[{}]}}"#, keys.join(",")).as_bytes()).unwrap()
}

fn jwks_gate(keys: &[String]) -> Gate {
    Gate::new(
        GateConfig::with_key_set(key_set(keys))
            .issuer(APP)
            .audience(APP),
    )
    .unwrap()
}

fn both_gate() -> Gate {
    Gate::new(
        GateConfig::new(SECRET)
            .key_set(key_set(&[jwk(&SEED_A, KID_A)]))
            .issuer(APP)
            .audience(APP),
    )
    .unwrap()
}

fn ed_sign(seed: &[u8; 32], header: &str, payload: &str) -> String {
    let input = format!(
        "{}.{}",
        base64url(header.as_bytes()),
        base64url(payload.as_bytes())
    );
    let sig = SigningKey::from_bytes(seed).sign(input.as_bytes());
    format!("{input}.{}", base64url(&sig.to_bytes()))
}

fn hs_sign(key: &[u8], header: &str, payload: &str) -> String {
    let input = format!(
        "{}.{}",
        base64url(header.as_bytes()),
        base64url(payload.as_bytes())
    );
    let tag = Hs256Key::new(key).tag(input.as_bytes());
    format!("{input}.{}", base64url(&tag))
}

/// The payload Better Auth 1.7's JWT plugin signs: the user row plus sub/iat/exp/iss/aud.
fn better_auth_payload(extra: &str) -> String {
    format!(
        r#"{{"name":"Ada","email":"ada@example.com","emailVerified":false,"image":null,"createdAt":"2026-11-26T12:00:00.000Z","updatedAt":"2026-11-26T12:00:00.000Z","id":"u1","iat":{NOW},"iss":"{APP}","aud":"{APP}","exp":{},"sub":"u1"{extra}}}"#,
        NOW + 900
    )
}

fn header(kid: &str) -> String {
    format!(r#"{{"alg":"EdDSA","kid":"{kid}"}}"#)
}

fn better_auth_token() -> String {
    ed_sign(&SEED_A, &header(KID_A), &better_auth_payload(""))
}

#[test]
fn accepts_better_auth_jwt_plugin_tokens() {
    let gate = jwks_gate(&[jwk(&SEED_A, KID_A), jwk(&SEED_B, KID_B)]);
    let v = gate.verify(&better_auth_token(), NOW).unwrap();
    assert_eq!(v.user_id(), "u1");
    assert_eq!(v.claims().email, "ada@example.com");
    // The second key of the set, and RFC 9864's fully-specified name.
    let b = ed_sign(
        &SEED_B,
        &format!(r#"{{"alg":"Ed25519","kid":"{KID_B}"}}"#),
        &better_auth_payload(""),
    );
    assert_eq!(gate.verify(&b, NOW).unwrap().user_id(), "u1");
    // The whole request rule, as for HS256.
    let header = format!("Bearer {}", better_auth_token());
    assert!(gate
        .authorize("GET", "/api/v1/u1/tasks", Some(&header), NOW)
        .is_ok());
    assert_eq!(
        gate.authorize("GET", "/api/v1/u2/tasks", Some(&header), NOW),
        Err(Error::UserMismatch)
    );
}

#[test]
fn key_selection_by_kid() {
    let one = jwks_gate(&[jwk(&SEED_A, KID_A)]);
    let two = jwks_gate(&[jwk(&SEED_A, KID_A), jwk(&SEED_B, KID_B)]);
    let no_kid = ed_sign(&SEED_A, r#"{"alg":"EdDSA"}"#, &better_auth_payload(""));
    assert!(one.verify(&no_kid, NOW).is_ok(), "one key: no kid is fine");
    assert_eq!(two.verify(&no_kid, NOW), Err(Error::UnknownKey));
    let unknown = ed_sign(&SEED_A, &header("nope"), &better_auth_payload(""));
    assert_eq!(one.verify(&unknown, NOW), Err(Error::UnknownKey));
    // A non-string kid is a bad header, not a key lookup.
    let numeric = ed_sign(
        &SEED_A,
        r#"{"alg":"EdDSA","kid":7}"#,
        &better_auth_payload(""),
    );
    assert_eq!(one.verify(&numeric, NOW), Err(Error::InvalidHeader));
    // HS256 tokens ignore kid, as before.
    let hs = hs_sign(
        SECRET.as_bytes(),
        r#"{"alg":"HS256","kid":7}"#,
        &better_auth_payload(""),
    );
    assert!(both_gate().verify(&hs, NOW).is_ok());
}

#[test]
fn attacks_are_refused() {
    let gate = jwks_gate(&[jwk(&SEED_A, KID_A)]);
    let good = better_auth_token();
    let verify = |t: &str| gate.verify(t, NOW);
    assert!(verify(&good).is_ok());

    // Tampered payload: same signature, other claims.
    let mut parts: alloc::vec::Vec<&str> = good.split('.').collect();
    let forged_payload = base64url(better_auth_payload(r#","role":"admin""#).as_bytes());
    parts[1] = &forged_payload;
    assert_eq!(verify(&parts.join(".")), Err(Error::InvalidSignature));
    // Tampered signature (one bit).
    let mut sig = alloc::vec::Vec::from(good.rsplit('.').next().unwrap().as_bytes());
    sig[10] = if sig[10] == b'A' { b'B' } else { b'A' };
    let input = good.rsplit_once('.').unwrap().0;
    let tampered = format!("{input}.{}", core::str::from_utf8(&sig).unwrap());
    assert_eq!(verify(&tampered), Err(Error::InvalidSignature));
    // Truncated signature.
    let short = &good[..good.len() - 4];
    assert!(matches!(
        verify(short),
        Err(Error::InvalidSignature | Error::InvalidBase64)
    ));
    // Another key under the same kid.
    let other = ed_sign(&SEED_B, &header(KID_A), &better_auth_payload(""));
    assert_eq!(verify(&other), Err(Error::InvalidSignature));
    // HS256 keyed with the JWK's x (decoded bytes, and its text): never a JWK as a secret.
    let x = x_of(&SEED_A);
    let x_bytes = SigningKey::from_bytes(&SEED_A).verifying_key().to_bytes();
    for key in [&x_bytes[..], x.as_bytes(), jwk(&SEED_A, KID_A).as_bytes()] {
        let t = hs_sign(
            key,
            &format!(r#"{{"alg":"HS256","kid":"{KID_A}"}}"#),
            &better_auth_payload(""),
        );
        assert_eq!(verify(&t), Err(Error::AlgNotAllowed));
        // With a secret configured too, the secret is what HS256 is checked with.
        assert_eq!(both_gate().verify(&t, NOW), Err(Error::InvalidSignature));
    }
    // alg none, with or without signature, in every spelling.
    for alg in ["none", "None", "NONE", "eddsa", "ED25519", "ES256", "RS256"] {
        let h = format!(r#"{{"alg":"{alg}","kid":"{KID_A}"}}"#);
        let t = ed_sign(&SEED_A, &h, &better_auth_payload(""));
        assert_eq!(verify(&t), Err(Error::AlgNotAllowed), "{alg}");
        let unsigned = format!("{}.", t.rsplit_once('.').unwrap().0);
        assert_eq!(verify(&unsigned), Err(Error::AlgNotAllowed), "{alg}");
    }
    // Claims: wrong iss / aud, expired, missing email.
    let with = |payload: &str| ed_sign(&SEED_A, &header(KID_A), payload);
    let p = better_auth_payload("");
    assert_eq!(
        verify(&with(&p.replace(
            &format!(r#""iss":"{APP}""#),
            r#""iss":"https://evil.example""#
        ))),
        Err(Error::InvalidIssuer)
    );
    assert_eq!(
        verify(&with(&p.replace(
            &format!(r#""aud":"{APP}""#),
            r#""aud":"https://other.example""#
        ))),
        Err(Error::InvalidAudience)
    );
    assert_eq!(gate.verify(&good, NOW + 900), Err(Error::TokenExpired));
    assert_eq!(
        verify(&with(&p.replace(r#""email":"ada@example.com","#, ""))),
        Err(Error::MissingClaims)
    );
    // crit is still refused for EdDSA tokens.
    let crit = ed_sign(
        &SEED_A,
        &format!(r#"{{"alg":"EdDSA","kid":"{KID_A}","crit":["exp"],"exp":1}}"#),
        &p,
    );
    assert_eq!(verify(&crit), Err(Error::UnsupportedCriticalHeader));
    // A key embedded in the header is never used.
    let embedded = ed_sign(
        &SEED_B,
        &format!(r#"{{"alg":"EdDSA","jwk":{}}}"#, jwk(&SEED_B, "b")),
        &p,
    );
    assert_eq!(verify(&embedded), Err(Error::InvalidSignature));
}

#[test]
fn algorithm_is_pinned_by_the_configured_keys() {
    let secret_only = Gate::new(GateConfig::new(SECRET)).unwrap();
    assert_eq!(
        secret_only.verify(&better_auth_token(), NOW),
        Err(Error::AlgNotAllowed)
    );
    let jwks_only = jwks_gate(&[jwk(&SEED_A, KID_A)]);
    let hs = hs_sign(
        SECRET.as_bytes(),
        r#"{"alg":"HS256"}"#,
        &better_auth_payload(""),
    );
    assert_eq!(jwks_only.verify(&hs, NOW), Err(Error::AlgNotAllowed));
    assert!(both_gate().verify(&hs, NOW).is_ok());
    assert!(both_gate().verify(&better_auth_token(), NOW).is_ok());
    assert_eq!(
        jwks_only.accepted_algs(),
        AcceptedAlgs {
            hs256: false,
            ..AcceptedAlgs::ALL
        }
    );
    // Without a secret, mint signs nothing that verifies.
    let minted = jwks_only.mint(&better_auth_payload(""));
    assert_eq!(jwks_only.verify(&minted, NOW), Err(Error::AlgNotAllowed));
}

#[test]
fn key_set_configuration_rules() {
    let keys = key_set(&[jwk(&SEED_A, KID_A)]);
    assert_eq!(
        GateConfig::with_key_set(keys.clone()).validate(),
        Err(ConfigError::JwksNeedsIssuerAndAudience)
    );
    assert_eq!(
        GateConfig::with_key_set(keys.clone())
            .issuer(APP)
            .validate(),
        Err(ConfigError::JwksNeedsIssuerAndAudience)
    );
    assert_eq!(
        GateConfig::with_key_set(keys.clone())
            .issuer(APP)
            .audience(APP)
            .validate(),
        Ok(())
    );
    // No secret and no key set: nothing to verify with.
    assert_eq!(
        GateConfig::new("").validate(),
        Err(ConfigError::MissingSecret)
    );
    // A weak secret is still refused next to a key set.
    assert!(matches!(
        GateConfig::new("short")
            .key_set(keys.clone())
            .issuer(APP)
            .audience(APP)
            .validate(),
        Err(ConfigError::SecretTooShort { .. })
    ));
    // Previous secrets need a current one.
    assert!(matches!(
        GateConfig::with_key_set(keys)
            .previous_secret(SECRET)
            .issuer(APP)
            .audience(APP)
            .validate(),
        Err(ConfigError::SecretTooShort { .. })
    ));
}

#[test]
fn cached_gate_forgets_tokens_when_the_key_set_changes() {
    let mut cached = CachedGate::new(jwks_gate(&[jwk(&SEED_A, KID_A)]), 16);
    let t = better_auth_token();
    assert!(cached.verify(&t, NOW).is_ok());
    assert!(cached.verify(&t, NOW).is_ok());
    assert_eq!(cached.len(), 1);
    // Key A rotated out: the cached acceptance must not survive.
    cached
        .replace_key_set(key_set(&[jwk(&SEED_B, KID_B)]))
        .unwrap();
    assert_eq!(cached.len(), 0);
    assert_eq!(cached.verify(&t, NOW), Err(Error::UnknownKey));
    let b = ed_sign(&SEED_B, &header(KID_B), &better_auth_payload(""));
    assert!(cached.verify(&b, NOW).is_ok());
}

#[test]
fn a_configuration_awaiting_its_key_set_is_held_to_the_same_rules() {
    // What the worker checks at start-up with JWKS_URL, before the first fetch.
    let empty = GateConfig::new("");
    assert_eq!(
        empty.clone().validate_awaiting_key_set(),
        Err(ConfigError::JwksNeedsIssuerAndAudience)
    );
    let ready = empty.issuer(APP).audience(APP);
    assert_eq!(ready.clone().validate_awaiting_key_set(), Ok(()));
    // Without the key set arriving, the same configuration has no key at all.
    assert!(ready.clone().validate().is_err());
    assert_eq!(
        ready.clone().api_prefix("api").validate_awaiting_key_set(),
        Err(ConfigError::InvalidApiPrefix)
    );
    assert_eq!(
        ready.self_routes(["/other"]).validate_awaiting_key_set(),
        Err(ConfigError::InvalidSelfRoute { index: 0 })
    );
}

#[test]
fn the_bridge_hands_the_origin_a_spec_shaped_token_with_the_same_lifetime() {
    let gate = both_gate();
    let verified = gate.verify(&better_auth_token(), NOW).unwrap();
    let bridged = gate.origin_token(&verified).unwrap();
    // What a backend written from the spec accepts: HS256 with the secret, no iss/aud.
    let spec_origin = Gate::new(GateConfig::new(SECRET)).unwrap();
    let v = spec_origin.verify(&bridged, NOW).unwrap();
    assert_eq!(
        v.payload_json(),
        format!(
            r#"{{"sub":"u1","email":"ada@example.com","name":"Ada","iat":{NOW},"exp":{}}}"#,
            NOW + 900
        )
    );
    // Never a longer life than the token it stands for.
    assert_eq!(
        spec_origin.verify(&bridged, NOW + 901),
        Err(Error::TokenExpired)
    );
    assert_eq!(UntrustedToken::parse(&bridged).unwrap().alg(), Alg::Hs256);

    // JSON-sensitive characters survive as data; no name when the token has none (or not a string).
    let odd = ed_sign(
        &SEED_A,
        &header(KID_A),
        &format!(
            r#"{{"sub":"u\"1\\\n","email":"a\u00e9@x","name":7,"iat":{NOW},"exp":{},"iss":"{APP}","aud":"{APP}"}}"#,
            NOW + 900
        ),
    );
    let v = gate.verify(&odd, NOW).unwrap();
    let out = spec_origin
        .verify(&gate.origin_token(&v).unwrap(), NOW)
        .unwrap();
    assert_eq!(out.user_id(), "u\"1\\\n");
    assert_eq!(out.claims().email, "aé@x");
    assert!(!out.payload_json().contains("name"));

    // A gate without a secret has nothing to sign with, and a configuration asking for the
    // bridge without one is refused.
    let keys_only = jwks_gate(&[jwk(&SEED_A, KID_A)]);
    let v = keys_only.verify(&better_auth_token(), NOW).unwrap();
    assert_eq!(keys_only.origin_token(&v), None);
    let bridge_without_secret = GateConfig::with_key_set(key_set(&[jwk(&SEED_A, KID_A)]))
        .issuer(APP)
        .audience(APP)
        .origin_token(OriginToken::Hs256);
    assert_eq!(
        Gate::new(bridge_without_secret.clone()).unwrap_err(),
        ConfigError::OriginTokenNeedsSecret
    );
    assert_eq!(
        bridge_without_secret.validate_awaiting_key_set(),
        Err(ConfigError::OriginTokenNeedsSecret)
    );
    assert!(Gate::new(GateConfig::new(SECRET).origin_token(OriginToken::Hs256)).is_ok());
    // The modes' spellings, parsed once for every host.
    assert_eq!(OriginToken::parse(" hs256 "), Ok(OriginToken::Hs256));
    assert_eq!(OriginToken::parse(""), Ok(OriginToken::Forward));
    assert_eq!(OriginToken::parse("forward"), Ok(OriginToken::Forward));
    assert_eq!(
        OriginToken::parse("HS256"),
        Err(ConfigError::InvalidOriginToken)
    );
}
