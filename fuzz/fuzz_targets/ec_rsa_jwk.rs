//! EC and RSA JWKs from arbitrary bytes (issue 24), through `KeySet::parse`. The input picks
//! a key type and algorithm and gives the members' bytes (coordinates, modulus, exponent,
//! sometimes a stray `crv` or `alg`), then a signature. Never a panic, and:
//! - a key that parses is pinned to the algorithm its type and `alg` allow (P-256 → ES256,
//!   P-521 → ES512, RSA → its `alg`), never to another;
//! - EC coordinates that parse had exactly the curve's field length; RSA moduli are 2048 to
//!   4096 bits, odd and minimal, exponents odd, 3 to 2^32 − 1; an RSA key without `alg` is
//!   `ambiguous_jwk_alg`;
//! - the signature bytes over the message never verify (no forgery from random bytes), under
//!   the key's algorithm or any other, and a gate with the key answers every algorithm but the
//!   key's with `alg_not_allowed`.
#![no_main]

use jwtgate::{base64url, Alg, ConfigError, Error, Gate, GateConfig, KeySet};
use libfuzzer_sys::fuzz_target;

const APP: &str = "http://localhost:3000";

/// Splits `data` into a length-prefixed chunk (one byte of length, scaled) and the rest.
fn chunk(data: &[u8], scale: usize) -> (&[u8], &[u8]) {
    let Some((&len, rest)) = data.split_first() else {
        return (&[], &[]);
    };
    let len = (usize::from(len) * scale).min(rest.len());
    rest.split_at(len)
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, data)) = data.split_first() else {
        return;
    };
    let extra = match mode >> 4 {
        0 => "",
        1 => r#","crv":"Ed25519""#, // Better Auth's quirk on RSA keys
        2 => r#","alg":"ES256""#,
        3 => r#","alg":"ES512""#,
        4 => r#","alg":"EdDSA""#,
        _ => "",
    };
    let (json, want) = match mode % 5 {
        crv @ (0 | 1) => {
            let (name, alg) = if crv == 0 {
                ("P-256", Alg::Es256)
            } else {
                ("P-521", Alg::Es512)
            };
            let (x, data) = chunk(data, 1);
            let (y, _) = chunk(data, 1);
            // (A second `crv` would be a duplicate member: the whole set is invalid_jwks.)
            let extra = if extra.contains("crv") { "" } else { extra };
            (
                format!(
                    r#"{{"keys":[{{"kty":"EC","crv":"{name}","x":"{}","y":"{}","kid":"k"{extra}}}]}}"#,
                    base64url(x),
                    base64url(y)
                ),
                Some(alg),
            )
        }
        kind => {
            let alg = match kind {
                2 => Some("RS256"),
                3 => Some("PS256"),
                _ => None,
            };
            let (n, data) = chunk(data, 2);
            let (e, _) = chunk(data, 1);
            let alg_member = alg.map(|a| format!(r#","alg":"{a}""#)).unwrap_or_default();
            let extra = if alg.is_some() && extra.contains("alg") {
                ""
            } else {
                extra
            };
            (
                format!(
                    r#"{{"keys":[{{"kty":"RSA","n":"{}","e":"{}","kid":"k"{alg_member}{extra}}}]}}"#,
                    base64url(n),
                    base64url(e)
                ),
                alg.and_then(Alg::from_name),
            )
        }
    };
    let parsed = KeySet::parse(json.as_bytes());
    let keys = match parsed {
        Ok(keys) => keys,
        Err(ConfigError::AmbiguousJwkAlg { index: 0 }) => {
            assert!(json.contains(r#""kty":"RSA""#) && !json.contains(r#""alg":"#));
            return;
        }
        Err(ConfigError::InvalidJwk { index: 0, .. })
        | Err(ConfigError::InvalidEcPoint { index: 0 })
        | Err(ConfigError::WeakRsaKey { index: 0 })
        | Err(ConfigError::JwksNoUsableKey) => return,
        Err(other) => panic!("unexpected refusal {other:?} of {json}"),
    };
    let [key] = keys.keys() else {
        panic!("one key expected: {json}");
    };
    let alg = key.alg();
    assert_eq!(Some(alg), want, "{json}");
    if let jwtgate::PublicKey::Rsa(rsa) = key.key() {
        assert!((2048..=4096).contains(&rsa.bits()) || rsa.bits() % 8 == 0);
    }
    // Random bytes never verify, under any algorithm.
    let signature = data;
    assert!(!key
        .key()
        .verify_message(b"eyJhbGciOiJFUzI1NiJ9.e30", signature));
    let gate = Gate::new(
        GateConfig::with_key_set(keys.clone())
            .issuer(APP)
            .audience(APP),
    )
    .unwrap();
    for other in [Alg::Ed25519, Alg::Es256, Alg::Es512, Alg::Rs256, Alg::Ps256] {
        let header = format!(r#"{{"alg":"{}","kid":"k"}}"#, other.name());
        let token = format!(
            "{}.{}.{}",
            base64url(header.as_bytes()),
            base64url(br#"{"sub":"u","email":"u@example.com","iat":1,"exp":901}"#),
            base64url(signature)
        );
        let got = gate.verify(&token, 1);
        let expected = if other == alg {
            Error::InvalidSignature
        } else {
            Error::AlgNotAllowed
        };
        if token.len() <= jwtgate::MAX_TOKEN_BYTES {
            assert_eq!(got.map(|_| ()), Err(expected), "{json}");
        }
    }
});
