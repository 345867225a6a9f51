//! The EdDSA verify path, against four gates: a JWKS-only gate holding Better Auth's real key
//! (tests/fixtures/better-auth/tokens.json) and RFC 8037's key (kid `rfc8037`), the same plus
//! the HS256 secret, a secret-only gate, and a gate whose one key has no kid. The clock sits
//! inside the Better Auth tokens' lifetime and runs past their `exp` (first input byte).
//!
//! 1. The input as a token. Never a panic, and the algorithm is pinned by the key: an HS256
//!    token is `alg_not_allowed` at a JWKS-only gate, an EdDSA token at a secret-only one; a
//!    gate holding both answers an EdDSA token exactly as the JWKS-only gate and an HS256
//!    token exactly as the secret-only gate. An accepted token was signed by the key its kid
//!    names (no other key of the set verifies it), re-verifies identically (also through the
//!    verified-token cache, which must always agree with the uncached gate), and is refused
//!    once one character of its signature changes.
//! 2. The input as a payload, signed with RFC 8037's key: the claim rules give the same answer
//!    as for the same payload under HS256 at the secret-only gate (one rule set, whatever the
//!    algorithm); without a kid it is `unknown_key` at the two-key gate and accepted like the
//!    kid'd token at the one-key gate; under Better Auth's kid it is `invalid_signature`,
//!    under a rotated-away kid `unknown_key`; HS256 keyed with the JWK's `x` (bytes or text)
//!    never verifies, `none` neither.
#![no_main]

use std::cell::RefCell;
use std::sync::LazyLock;

use ed25519_dalek::{Signer, SigningKey};
use jwtgate::{
    base64url, Alg, CachedGate, Error, Gate, GateConfig, Hs256Key, KeySet, UntrustedToken,
    VerifiedToken,
};
use libfuzzer_sys::fuzz_target;

const SECRET: &str = "k3Jx9vQ2mW7pL4tZ8rB6nC1yH5sD0fGa";
const APP: &str = "http://localhost:3000";
/// Better Auth 1.7.25's key and the `iat` of its fixture tokens.
const BA_KID: &str = "abOqBqePi7lclQvVecKV7BevfY2keyrI";
const BA_X: &str = "iPfdJ8Z0julzS6why55dO-tDraIrfMO8NUhdAMzTrXI";
const BA_IAT: u64 = 1_795_698_900;
/// RFC 8037 A.1 (RFC 8032 test 1): private `d` and public `x`.
const RFC_D: [u8; 32] = [
    0x9d, 0x61, 0xb1, 0x9d, 0xef, 0xfd, 0x5a, 0x60, 0xba, 0x84, 0x4a, 0xf4, 0x92, 0xec, 0x2c, 0xc4,
    0x44, 0x49, 0xc5, 0x69, 0x7b, 0x32, 0x69, 0x19, 0x70, 0x3b, 0xac, 0x03, 0x1c, 0xae, 0x7f, 0x60,
];
const RFC_X: &str = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo";

struct Gates {
    /// Better Auth's key and RFC 8037's, no secret.
    two: Gate,
    /// The same key set and the secret.
    both: Gate,
    /// The secret only.
    secret: Gate,
    /// RFC 8037's key without a kid, no secret.
    one: Gate,
    signing: SigningKey,
}

static GATES: LazyLock<Gates> = LazyLock::new(|| {
    let two = format!(
        r#"{{"keys":[{{"alg":"EdDSA","crv":"Ed25519","x":"{BA_X}","kty":"OKP","kid":"{BA_KID}"}},{{"kty":"OKP","crv":"Ed25519","x":"{RFC_X}","kid":"rfc8037"}}]}}"#
    );
    let one = format!(r#"{{"keys":[{{"kty":"OKP","crv":"Ed25519","x":"{RFC_X}"}}]}}"#);
    let two = KeySet::parse(two.as_bytes()).unwrap();
    let one = KeySet::parse(one.as_bytes()).unwrap();
    let gate = |c: GateConfig| Gate::new(c.issuer(APP).audience(APP)).unwrap();
    let signing = SigningKey::from_bytes(&RFC_D);
    assert_eq!(base64url(signing.verifying_key().as_bytes()), RFC_X);
    Gates {
        two: gate(GateConfig::with_key_set(two.clone())),
        both: gate(GateConfig::new(SECRET).key_set(two)),
        secret: gate(GateConfig::new(SECRET)),
        one: gate(GateConfig::with_key_set(one)),
        signing,
    }
});

thread_local! {
    /// Lives across inputs, so cached entries meet later clocks and other tokens.
    static CACHED: RefCell<CachedGate> = RefCell::new(CachedGate::new(GATES.both.clone(), 16));
}

fn eddsa(signing: &SigningKey, header: &str, payload: &[u8]) -> String {
    let input = format!("{}.{}", base64url(header.as_bytes()), base64url(payload));
    let signature = signing.sign(input.as_bytes());
    format!("{input}.{}", base64url(&signature.to_bytes()))
}

fn hs256(key: &[u8], payload: &[u8]) -> String {
    let input = format!(
        "{}.{}",
        base64url(br#"{"alg":"HS256","typ":"JWT"}"#),
        base64url(payload)
    );
    let tag = Hs256Key::new(key).tag(input.as_bytes());
    format!("{input}.{}", base64url(&tag))
}

/// The token with one character of its signature replaced (not the last one, whose
/// low bits may be padding): the decoded signature differs.
fn tampered(token: &str) -> Option<String> {
    let dot = token.rfind('.')?;
    let signature = &token[dot + 1..];
    let i = dot + 1 + signature.len().checked_sub(2)? / 2;
    let c = token.as_bytes()[i];
    let other = if c == b'A' { 'B' } else { 'A' };
    let mut t = token.to_string();
    t.replace_range(i..=i, &other.to_string());
    Some(t)
}

type Verdict = Result<VerifiedToken, Error>;

fn check_accepted(gate: &Gate, token: &str, now: u64, verdict: &Verdict) {
    let Ok(verified) = verdict else { return };
    assert_eq!(gate.verify(token, now).as_ref(), Ok(verified));
    let parsed = UntrustedToken::parse(token).unwrap();
    assert_eq!(gate.verify_untrusted(&parsed, now).as_ref(), Ok(verified));
    assert!(verified.claims().exp > now as i64 && !verified.user_id().is_empty());
    if let Some(t) = tampered(token) {
        assert!(gate.verify(&t, now).is_err());
    }
}

fuzz_target!(|data: &[u8]| {
    let g = &*GATES;
    let now = BA_IAT + u64::from(data.first().copied().unwrap_or(0)) * 4;

    // 1. The input as a token.
    if let Ok(text) = std::str::from_utf8(data) {
        let two = g.two.verify(text, now);
        let both = g.both.verify(text, now);
        let secret = g.secret.verify(text, now);
        let one = g.one.verify(text, now);
        match UntrustedToken::parse(text) {
            Err(_) => assert!(two.is_err() && both.is_err() && secret.is_err() && one.is_err()),
            Ok(parsed) if parsed.alg() == Alg::Hs256 => {
                assert_eq!(two, Err(Error::AlgNotAllowed));
                assert_eq!(one, Err(Error::AlgNotAllowed));
                assert_eq!(both, secret);
            }
            Ok(parsed) => {
                assert_eq!(secret, Err(Error::AlgNotAllowed));
                assert_eq!(both, two);
                let keys = g.two.config().jwks.as_ref().unwrap();
                if two.is_ok() {
                    let kid = parsed.kid().expect("two keys: only a kid selects one");
                    for k in keys.keys() {
                        assert_eq!(k.key().verify(&parsed), k.kid() == Some(kid));
                    }
                }
                if one.is_ok() {
                    assert_eq!(parsed.kid(), None);
                    assert!(g.one.config().jwks.as_ref().unwrap().keys()[0]
                        .key()
                        .verify(&parsed));
                }
            }
        }
        check_accepted(&g.two, text, now, &two);
        check_accepted(&g.both, text, now, &both);
        check_accepted(&g.secret, text, now, &secret);
        check_accepted(&g.one, text, now, &one);
        CACHED.with(|cached| {
            let mut cached = cached.borrow_mut();
            assert_eq!(cached.verify(text, now).cloned(), both);
            assert_eq!(cached.verify(text, now).cloned(), both);
        });
    }

    // 2. The input as claims behind valid signatures (each token well under the size cap).
    if data.len() > 4096 {
        return;
    }
    let reference = g.secret.verify(&hs256(SECRET.as_bytes(), data), now);
    let kid = eddsa(&g.signing, r#"{"alg":"EdDSA","kid":"rfc8037"}"#, data);
    assert_eq!(g.two.verify(&kid, now), reference);
    assert_eq!(g.both.verify(&kid, now), reference);
    assert_eq!(g.one.verify(&kid, now), Err(Error::UnknownKey));
    check_accepted(&g.two, &kid, now, &reference);
    CACHED.with(|cached| assert_eq!(cached.borrow_mut().verify(&kid, now).cloned(), reference));
    let rfc9864 = eddsa(&g.signing, r#"{"alg":"Ed25519","kid":"rfc8037"}"#, data);
    assert_eq!(g.two.verify(&rfc9864, now), reference);
    let no_kid = eddsa(&g.signing, r#"{"alg":"EdDSA"}"#, data);
    assert_eq!(g.two.verify(&no_kid, now), Err(Error::UnknownKey));
    assert_eq!(g.one.verify(&no_kid, now), reference);
    let wrong_key = eddsa(
        &g.signing,
        &format!(r#"{{"alg":"EdDSA","kid":"{BA_KID}"}}"#),
        data,
    );
    assert_eq!(g.two.verify(&wrong_key, now), Err(Error::InvalidSignature));
    let rotated = eddsa(&g.signing, r#"{"alg":"EdDSA","kid":"rotated"}"#, data);
    assert_eq!(g.both.verify(&rotated, now), Err(Error::UnknownKey));
    assert_eq!(g.secret.verify(&rotated, now), Err(Error::AlgNotAllowed));
    for key in [RFC_X.as_bytes(), &g.signing.verifying_key().to_bytes()[..]] {
        let confused = hs256(key, data);
        assert_eq!(g.two.verify(&confused, now), Err(Error::AlgNotAllowed));
        assert_eq!(g.one.verify(&confused, now), Err(Error::AlgNotAllowed));
        assert_eq!(g.both.verify(&confused, now), Err(Error::InvalidSignature));
    }
    let none = format!("{}.{}.", base64url(br#"{"alg":"none"}"#), base64url(data));
    for gate in [&g.two, &g.both, &g.secret, &g.one] {
        assert_eq!(gate.verify(&none, now), Err(Error::AlgNotAllowed));
    }
});
