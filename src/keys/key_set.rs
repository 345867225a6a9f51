//! JSON Web Key Sets (RFC 7517) as Better Auth's JWT plugin publishes them at
//! `/api/auth/jwks`: `{"keys":[{"kty":"OKP","crv":"Ed25519","x":"…","kid":"…","alg":"EdDSA"}]}`.
//!
//! Parsed once, with this crate's own JSON reader, into an immutable [`KeySet`] of
//! Ed25519 keys. What is refused (a [`ConfigError`]): anything that is not a
//! duplicate-free JSON object with a `keys` array of objects, more than
//! [`MAX_JWKS_BYTES`] or [`MAX_JWKS_KEYS`], a malformed member of an OKP/Ed25519 key,
//! a weak point, private key material in any key, a repeated `kid`, and a set with no
//! usable key. What is skipped, on purpose (see docs/decisions/eddsa-jwks.md): keys of
//! another type (`EC`, `RSA`, `oct`) or curve (`Ed448`, `X25519`), and keys marked for
//! another use (`use` other than `sig`, `key_ops` without `verify`). EC and RSA
//! verification would add P-256/RSA arithmetic to the Wasm engine, beyond its size budget.

use alloc::borrow::Cow;
use alloc::string::String;
use alloc::vec::Vec;

use crate::error::{ConfigError, Error};
use crate::json::{read_object_deep, Loose};
use crate::keys::ed25519::Ed25519Key;
use crate::token::decode_base64url;

/// Largest key set accepted, in bytes of JSON (Better Auth's is ~150 bytes per key).
pub const MAX_JWKS_BYTES: usize = 64 * 1024;
/// Most keys a set may list, of every type (rotated keys stay published for 30 days).
pub const MAX_JWKS_KEYS: usize = 64;

/// Members that only a private (or symmetric) JWK has: their presence means a secret
/// was published.
const PRIVATE_MEMBERS: &[&str] = &["d", "p", "q", "dp", "dq", "qi", "oth", "k"];

/// One usable key: an Ed25519 public key and its `kid` (if it has one).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Jwk {
    kid: Option<String>,
    key: Ed25519Key,
}

impl Jwk {
    /// The key's `kid`.
    pub fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }
    /// The Ed25519 public key.
    pub fn key(&self) -> &Ed25519Key {
        &self.key
    }
}

/// An immutable, validated set of Ed25519 verification keys.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeySet {
    keys: Vec<Jwk>,
    /// Keys of the document that were skipped (other types, curves or uses).
    skipped: usize,
}

fn str_member<'a>(
    members: &'a [(Cow<'_, str>, Loose<'_>)],
    name: &str,
    index: usize,
    member: &'static str,
) -> Result<Option<&'a str>, ConfigError> {
    match members.iter().find(|(n, _)| n == name) {
        None => Ok(None),
        Some((_, Loose::Str(s))) => Ok(Some(s)),
        Some(_) => Err(ConfigError::InvalidJwk { index, member }),
    }
}

impl KeySet {
    /// Parses a JWKS document (the JSON text of `{"keys":[…]}`).
    pub fn parse(json: &[u8]) -> Result<KeySet, ConfigError> {
        if json.len() > MAX_JWKS_BYTES {
            return Err(ConfigError::JwksTooLarge);
        }
        let mut keys_member = None;
        read_object_deep(
            json,
            |name| name == "keys",
            |_, value| keys_member = Some(value),
        )
        .map_err(|_| ConfigError::InvalidJwks)?;
        let Some(Loose::Array(items)) = keys_member else {
            return Err(ConfigError::InvalidJwks);
        };
        if items.len() > MAX_JWKS_KEYS {
            return Err(ConfigError::JwksTooManyKeys);
        }
        let mut keys: Vec<Jwk> = Vec::new();
        let mut kids: Vec<String> = Vec::new();
        let mut skipped = 0;
        for (index, item) in items.iter().enumerate() {
            let Loose::Members(members) = item else {
                return Err(ConfigError::InvalidJwks);
            };
            if members
                .iter()
                .any(|(name, _)| PRIVATE_MEMBERS.contains(&name.as_ref()))
            {
                return Err(ConfigError::JwkPrivateKey { index });
            }
            let kty = str_member(members, "kty", index, "kty")?.ok_or(ConfigError::InvalidJwk {
                index,
                member: "kty",
            })?;
            let kid = str_member(members, "kid", index, "kid")?;
            if kid == Some("") {
                return Err(ConfigError::InvalidJwk {
                    index,
                    member: "kid",
                });
            }
            // A kid names one key of the whole document, whatever its type.
            if let Some(kid) = kid {
                if kids.iter().any(|k| k == kid) {
                    return Err(ConfigError::DuplicateKid { index });
                }
                kids.push(String::from(kid));
            }
            if !is_signature_key(members, index)? {
                skipped += 1;
                continue;
            }
            if kty != "OKP" {
                skipped += 1; // EC, RSA, oct…: not supported (size budget), never trusted.
                continue;
            }
            match str_member(members, "crv", index, "crv")? {
                Some("Ed25519") => {}
                Some(_) => {
                    skipped += 1; // Ed448, X25519 (key agreement): not a signing key here.
                    continue;
                }
                None => {
                    return Err(ConfigError::InvalidJwk {
                        index,
                        member: "crv",
                    })
                }
            }
            // An alg, when given, pins the key to Ed25519 signatures.
            if let Some(alg) = str_member(members, "alg", index, "alg")? {
                if alg != "EdDSA" && alg != "Ed25519" {
                    return Err(ConfigError::InvalidJwk {
                        index,
                        member: "alg",
                    });
                }
            }
            let x = str_member(members, "x", index, "x")?
                .and_then(|x| decode_base64url(x).ok())
                .filter(|x| x.len() == 32)
                .ok_or(ConfigError::InvalidJwk { index, member: "x" })?;
            let key = Ed25519Key::from_bytes(&x).map_err(|_| ConfigError::WeakJwk { index })?;
            keys.push(Jwk {
                kid: kid.map(String::from),
                key,
            });
        }
        if keys.is_empty() {
            return Err(ConfigError::JwksNoUsableKey);
        }
        Ok(KeySet { keys, skipped })
    }

    /// The usable keys, in document order.
    pub fn keys(&self) -> &[Jwk] {
        &self.keys
    }

    /// How many keys of the document were skipped (unsupported type, curve or use).
    pub fn skipped(&self) -> usize {
        self.skipped
    }

    /// The key for a token: the one whose `kid` equals the token's; a token without
    /// `kid` only when the set holds exactly one key. Otherwise [`Error::UnknownKey`].
    pub fn select(&self, kid: Option<&str>) -> Result<&Ed25519Key, Error> {
        match (kid, self.keys.as_slice()) {
            (Some(kid), keys) => keys.iter().find(|k| k.kid.as_deref() == Some(kid)),
            (None, [only]) => Some(only),
            (None, _) => None,
        }
        .map(|jwk| &jwk.key)
        .ok_or(Error::UnknownKey)
    }

    /// Does the set hold a key for this `kid` (see [`KeySet::select`])?
    pub fn has_key(&self, kid: Option<&str>) -> bool {
        self.select(kid).is_ok()
    }
}

/// `use` (if present) must be `sig` and `key_ops` (if present) must list `verify`;
/// otherwise the key is for something else and is skipped. Wrong types are refused.
fn is_signature_key(
    members: &[(Cow<'_, str>, Loose<'_>)],
    index: usize,
) -> Result<bool, ConfigError> {
    let use_ok = match str_member(members, "use", index, "use")? {
        None | Some("sig") => true,
        Some(_) => false,
    };
    let ops_ok = match members.iter().find(|(n, _)| n == "key_ops") {
        None => true,
        Some((_, Loose::Array(ops))) => {
            if ops.iter().any(|op| op.as_str().is_none()) {
                return Err(ConfigError::InvalidJwk {
                    index,
                    member: "key_ops",
                });
            }
            ops.iter().any(|op| op.as_str() == Some("verify"))
        }
        Some(_) => {
            return Err(ConfigError::InvalidJwk {
                index,
                member: "key_ops",
            })
        }
    };
    Ok(use_ok && ops_ok)
}

#[cfg(test)]
mod tests {
    use super::*;
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
        assert!(ks.select(Some("a")).is_ok());
        assert_eq!(ks.select(Some("c")), Err(Error::UnknownKey));
        // No kid: only with exactly one key.
        assert_eq!(ks.select(None), Err(Error::UnknownKey));
        let one = KeySet::parse(set(&[okp("a", X)]).as_bytes()).unwrap();
        assert!(one.select(None).is_ok());
        // A key without kid is matched only by tokens without kid.
        let anonymous = format!(r#"{{"keys":[{{"kty":"OKP","crv":"Ed25519","x":"{X}"}}]}}"#);
        let anon = KeySet::parse(anonymous.as_bytes()).unwrap();
        assert!(anon.select(None).is_ok());
        assert_eq!(anon.select(Some("a")), Err(Error::UnknownKey));
    }

    #[test]
    fn skips_other_types_curves_and_uses() {
        let ec = r#"{"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0","kid":"ec"}"#;
        let rsa = r#"{"kty":"RSA","n":"sXchDaQebHnPiGvyDOAT4saGEUetSyo9MKLOoWFsueri23bOdgWp4Dy1WlUzewbgBHod5pcM9H95GQRV3JDXboIRROSBigeC5yjU1hGzHHyXss8UDprecbAYxknTcQkhslANGRUZmdTOQ5qTRsLAt6BTYuyvVRdhS8exSZEy_c4gs_7svlJJQ4H9_NxsiIoLwAEk7-Q3UXERGYw_75IDrGA84-lA_-Ct4eTlXHBIY2EaV7t7LjJaynVJCpkv4LKjTTAumiGUIuQhrNhZLuF_RJLqHpM2kgWFLU7-VTdL1VbC2tejvcI2BlMkEpk1BzBZI0KQB0GaDWFLN-aEAw3vRw","e":"AQAB","kid":"rsa"}"#;
        let x448 = r#"{"kty":"OKP","crv":"X25519","x":"hSDwCYkwp1R0i33ctD73Wg2_Og0mOBr066SpjqqbTmo","kid":"dh"}"#;
        let enc = format!(r#"{{"kty":"OKP","crv":"Ed25519","x":"{X2}","kid":"enc","use":"enc"}}"#);
        let ops =
            format!(r#"{{"kty":"OKP","crv":"Ed25519","x":"{X2}","kid":"ops","key_ops":["sign"]}}"#);
        let json = set(&[ec.into(), rsa.into(), x448.into(), enc, ops, okp("good", X)]);
        let ks = KeySet::parse(json.as_bytes()).unwrap();
        assert_eq!((ks.keys().len(), ks.skipped()), (1, 5));
        // A token naming a skipped key is an unknown key, never a fallback.
        for kid in ["ec", "rsa", "dh", "enc", "ops"] {
            assert_eq!(ks.select(Some(kid)), Err(Error::UnknownKey));
        }
        // Only unsupported keys: nothing to verify with.
        assert_eq!(err(&set(&[ec.into()])), ConfigError::JwksNoUsableKey);
        assert_eq!(err(r#"{"keys":[]}"#), ConfigError::JwksNoUsableKey);
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
            err(&set(&[r#"{"kty":"EC","kid":"a"}"#.into(), okp("a", X)])),
            ConfigError::DuplicateKid { index: 1 }
        );
    }

    #[test]
    fn bounded_bytes_and_keys() {
        let many: Vec<String> = (0..=MAX_JWKS_KEYS)
            .map(|i| format!(r#"{{"kty":"EC","kid":"k{i}"}}"#))
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
}
