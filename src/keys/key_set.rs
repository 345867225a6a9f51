//! JSON Web Key Sets (RFC 7517) as Better Auth's JWT plugin publishes them at
//! `/api/auth/jwks`: `{"keys":[{"kty":"OKP","crv":"Ed25519","x":"…","kid":"…","alg":"EdDSA"}]}`,
//! or, with `jwks.keyPairConfig.alg` / `keyPairConfigs`, EC (`P-256`, `P-521`) and RSA keys.
//!
//! Parsed once, with this crate's own JSON reader, into an immutable [`KeySet`]. Each key
//! is pinned to exactly one algorithm ([`Alg`]): the JWK's `alg` when present (it must fit
//! the key's type), else the one its type allows (`EdDSA` for OKP/Ed25519, `ES256` for
//! P-256, `ES512` for P-521); an RSA key without `alg` could be RS256 or PS256 and refuses
//! the set ([`ConfigError::AmbiguousJwkAlg`]). What is refused (a [`ConfigError`]): anything
//! that is not a duplicate-free JSON object with a `keys` array of objects, more than
//! [`MAX_JWKS_BYTES`] or [`MAX_JWKS_KEYS`], a malformed member of a key the gate reads, a
//! weak Ed25519 point, an EC point off its curve, an RSA key outside 2048–4096 bits or with
//! a bad exponent, private key material in any key, a repeated `kid`, and a set with no
//! usable key. What is skipped, on purpose (see docs/decisions/algorithms.md): other key
//! types (`oct`), curves (`Ed448`, `X25519`, `P-384`, `secp256k1`) and RSA algorithms
//! (`RS384`, `PS512`, `RSA-OAEP`, …), and keys marked for another use (`use` other than
//! `sig`, `key_ops` without `verify`). Keys of an algorithm this build does not compile
//! (cargo features `es256`, `es512`, `rsa`) are listed in [`KeySet::unavailable`]: a token
//! naming one is [`Error::AlgNotInBuild`], never a fallback to another key.
//!
//! Better Auth's `/jwks` copies the primary configuration's `crv` onto keys that have none
//! (`keySet.crv ?? defaultCrv`), so its RSA keys can carry `"crv":"Ed25519"`: `crv` means
//! nothing for RSA (RFC 7518 §6.3) and is ignored there (it must still be a string).

use alloc::borrow::Cow;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;

use crate::error::{ConfigError, Error};
use crate::json::{read_object_deep, Loose};
use crate::keys::delegate::SignatureHost;
use crate::keys::ec::{Curve, EcKey};
use crate::keys::ed25519::Ed25519Key;
use crate::keys::rsa::{check_components, RsaKey};
use crate::token::{decode_base64url, AcceptedAlgs, Alg, UntrustedToken};

/// Largest key set accepted, in bytes of JSON (Better Auth's is ~150 bytes per Ed25519
/// key, ~450 per RSA-2048 key).
pub const MAX_JWKS_BYTES: usize = 64 * 1024;
/// Most keys a set may list, of every type (rotated keys stay published for 30 days).
pub const MAX_JWKS_KEYS: usize = 64;

/// Members that only a private (or symmetric) JWK has: their presence means a secret
/// was published.
const PRIVATE_MEMBERS: &[&str] = &["d", "p", "q", "dp", "dq", "qi", "oth", "k"];

/// A public key of the set, of one of the kinds the gate verifies with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PublicKey {
    /// OKP / Ed25519: `EdDSA`.
    Ed25519(Ed25519Key),
    /// EC / P-256 (`ES256`) or P-521 (`ES512`).
    Ec(EcKey),
    /// RSA, pinned to `RS256` or `PS256`.
    Rsa(RsaKey),
}

impl PublicKey {
    /// The one algorithm this key verifies.
    pub fn alg(&self) -> Alg {
        match self {
            PublicKey::Ed25519(_) => Alg::Ed25519,
            PublicKey::Ec(key) => key.alg(),
            PublicKey::Rsa(key) => key.alg(),
        }
    }

    /// Checks a parsed token's signature; a token of another algorithm than the key's is
    /// refused (never verified with the wrong kind of key).
    pub fn verify(&self, token: &UntrustedToken<'_>) -> bool {
        token.alg() == self.alg()
            && match self {
                PublicKey::Ed25519(key) => key.verify(token),
                PublicKey::Ec(key) => key.verify(token),
                PublicKey::Rsa(key) => key.verify(token),
            }
    }

    /// [`PublicKey::verify`], with `host`'s verifier for the arithmetic when it takes this
    /// key (EC and RSA keys, after the signature's form is checked here); otherwise, and
    /// when it declines, the core's own.
    pub fn verify_with(
        &self,
        token: &UntrustedToken<'_>,
        host: Option<&dyn SignatureHost>,
    ) -> bool {
        let delegated = match (self, host) {
            (PublicKey::Ec(key), Some(host)) if token.alg() == key.alg() => {
                if !key.signature_form_ok(token.signature()) {
                    return false;
                }
                host.verify(self, token.signing_input().as_bytes(), token.signature())
            }
            (PublicKey::Rsa(key), Some(host)) if token.alg() == key.alg() => {
                if !key.signature_form_ok(token.signature()) {
                    return false;
                }
                host.verify(self, token.signing_input().as_bytes(), token.signature())
            }
            _ => None,
        };
        delegated.unwrap_or_else(|| self.verify(token))
    }

    /// The canonical public JWK of an EC or RSA key (what a host verifier imports); `None`
    /// for Ed25519 (always verified here).
    pub fn public_jwk(&self) -> Option<&str> {
        match self {
            PublicKey::Ed25519(_) => None,
            PublicKey::Ec(key) => Some(key.public_jwk()),
            PublicKey::Rsa(key) => Some(key.public_jwk()),
        }
    }

    /// Verification of `signature` over `message` by this key's algorithm (the JWS layer
    /// without a token: for vector harnesses).
    pub fn verify_message(&self, message: &[u8], signature: &[u8]) -> bool {
        match self {
            PublicKey::Ed25519(key) => key.verify_message(message, signature),
            PublicKey::Ec(key) => key.verify_message(message, signature),
            PublicKey::Rsa(key) => key.verify_message(message, signature),
        }
    }

    /// The Ed25519 key, for an OKP key.
    pub fn ed25519(&self) -> Option<&Ed25519Key> {
        match self {
            PublicKey::Ed25519(key) => Some(key),
            _ => None,
        }
    }
}

/// One usable key: a public key (pinned to one algorithm) and its `kid` (if it has one).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Jwk {
    kid: Option<String>,
    key: PublicKey,
}

impl Jwk {
    /// The key's `kid`.
    pub fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }
    /// The public key.
    pub fn key(&self) -> &PublicKey {
        &self.key
    }
    /// The algorithm it verifies.
    pub fn alg(&self) -> Alg {
        self.key.alg()
    }
}

/// A well-formed key of an algorithm this build does not compile: skipped, but a token
/// naming it is told why ([`Error::AlgNotInBuild`]); hosts log it once.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnavailableKey {
    kid: Option<String>,
    alg: Alg,
}

impl UnavailableKey {
    /// The key's `kid`.
    pub fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }
    /// The algorithm it is for.
    pub fn alg(&self) -> Alg {
        self.alg
    }
}

/// An immutable, validated set of verification keys.
#[derive(Clone)]
pub struct KeySet {
    keys: Vec<Jwk>,
    /// Keys of an algorithm this build leaves out.
    unavailable: Vec<UnavailableKey>,
    /// Keys of the document that were skipped (other types, curves, algorithms or uses;
    /// `unavailable` keys included).
    skipped: usize,
    /// The host's verifier for EC and RSA signatures ([`KeySet::with_signature_host`]).
    host: Option<Arc<dyn SignatureHost>>,
}

/// Two sets are equal when they hold the same keys (whoever does their arithmetic).
impl PartialEq for KeySet {
    fn eq(&self, other: &Self) -> bool {
        (&self.keys, &self.unavailable, self.skipped)
            == (&other.keys, &other.unavailable, other.skipped)
    }
}
impl Eq for KeySet {}

impl core::fmt::Debug for KeySet {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("KeySet")
            .field("keys", &self.keys)
            .field("unavailable", &self.unavailable)
            .field("skipped", &self.skipped)
            .field("host_verifier", &self.host.is_some())
            .finish()
    }
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

/// A required base64url member, decoded.
fn bytes_member(
    members: &[(Cow<'_, str>, Loose<'_>)],
    index: usize,
    member: &'static str,
) -> Result<Vec<u8>, ConfigError> {
    str_member(members, member, index, member)?
        .and_then(|v| decode_base64url(v).ok())
        .filter(|v| !v.is_empty())
        .ok_or(ConfigError::InvalidJwk { index, member })
}

/// What one JWK of the document is for this gate.
enum Entry {
    Usable(PublicKey),
    Unavailable(Alg),
    Skipped,
}

/// An OKP key: Ed25519 only (`EdDSA` / `Ed25519`).
fn okp(members: &[(Cow<'_, str>, Loose<'_>)], index: usize) -> Result<Entry, ConfigError> {
    match str_member(members, "crv", index, "crv")? {
        Some("Ed25519") => {}
        // Ed448, X25519 (key agreement): not a signing key here.
        Some(_) => return Ok(Entry::Skipped),
        None => {
            return Err(ConfigError::InvalidJwk {
                index,
                member: "crv",
            })
        }
    }
    // An alg, when given, pins the key to Ed25519 signatures.
    if let Some(alg) = str_member(members, "alg", index, "alg")? {
        if Alg::from_name(alg) != Some(Alg::Ed25519) {
            return Err(ConfigError::InvalidJwk {
                index,
                member: "alg",
            });
        }
    }
    let x = bytes_member(members, index, "x")?;
    if x.len() != 32 {
        return Err(ConfigError::InvalidJwk { index, member: "x" });
    }
    let key = Ed25519Key::from_bytes(&x).map_err(|_| ConfigError::WeakJwk { index })?;
    Ok(Entry::Usable(PublicKey::Ed25519(key)))
}

/// An EC key: P-256 (`ES256`) or P-521 (`ES512`); other curves are skipped.
fn ec(members: &[(Cow<'_, str>, Loose<'_>)], index: usize) -> Result<Entry, ConfigError> {
    let crv = str_member(members, "crv", index, "crv")?.ok_or(ConfigError::InvalidJwk {
        index,
        member: "crv",
    })?;
    let Some(curve) = Curve::from_crv(crv) else {
        return Ok(Entry::Skipped); // P-384, secp256k1, …: not an algorithm Better Auth signs.
    };
    if let Some(alg) = str_member(members, "alg", index, "alg")? {
        if Alg::from_name(alg) != Some(curve.alg()) {
            return Err(ConfigError::InvalidJwk {
                index,
                member: "alg",
            });
        }
    }
    let len = curve.field_bytes();
    let coordinate = |member: &'static str| {
        bytes_member(members, index, member).and_then(|v| match v.len() == len {
            true => Ok(v),
            false => Err(ConfigError::InvalidJwk { index, member }),
        })
    };
    let (x, y) = (coordinate("x")?, coordinate("y")?);
    if !curve.compiled() {
        return Ok(Entry::Unavailable(curve.alg()));
    }
    let key = EcKey::from_coordinates(curve, &x, &y)
        .map_err(|_| ConfigError::InvalidEcPoint { index })?;
    Ok(Entry::Usable(PublicKey::Ec(key)))
}

/// An RSA key, for `RS256` or `PS256` as its `alg` says; other RSA algorithms are skipped.
fn rsa(members: &[(Cow<'_, str>, Loose<'_>)], index: usize) -> Result<Entry, ConfigError> {
    // Better Auth's quirk: any `crv` (it copies the primary key's) is ignored, if a string.
    str_member(members, "crv", index, "crv")?;
    let alg = match str_member(members, "alg", index, "alg")? {
        None => return Err(ConfigError::AmbiguousJwkAlg { index }),
        Some(name) => match Alg::from_name(name) {
            Some(alg @ (Alg::Rs256 | Alg::Ps256)) => alg,
            // A signature algorithm of another key type: a contradiction, not a skip.
            Some(_) => {
                return Err(ConfigError::InvalidJwk {
                    index,
                    member: "alg",
                })
            }
            // RS384, PS512, RSA-OAEP, …: not what this gate verifies.
            None => return Ok(Entry::Skipped),
        },
    };
    let n = bytes_member(members, index, "n")?;
    let e = bytes_member(members, index, "e")?;
    check_components(&n, &e).map_err(|_| ConfigError::WeakRsaKey { index })?;
    if !cfg!(feature = "rsa") {
        return Ok(Entry::Unavailable(alg));
    }
    let key =
        RsaKey::from_components(&n, &e, alg).map_err(|_| ConfigError::WeakRsaKey { index })?;
    Ok(Entry::Usable(PublicKey::Rsa(key)))
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
        let mut unavailable: Vec<UnavailableKey> = Vec::new();
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
            let entry = match kty {
                "OKP" => okp(members, index)?,
                "EC" => ec(members, index)?,
                "RSA" => rsa(members, index)?,
                _ => Entry::Skipped, // oct (refused above when it holds `k`), unknown types.
            };
            let kid = kid.map(String::from);
            match entry {
                Entry::Usable(key) => keys.push(Jwk { kid, key }),
                Entry::Unavailable(alg) => {
                    skipped += 1;
                    unavailable.push(UnavailableKey { kid, alg });
                }
                Entry::Skipped => skipped += 1,
            }
        }
        if keys.is_empty() && unavailable.is_empty() {
            return Err(ConfigError::JwksNoUsableKey);
        }
        Ok(KeySet {
            keys,
            unavailable,
            skipped,
            host: None,
        })
    }

    /// The same set, its EC and RSA signatures checked by `host` (see [`SignatureHost`]).
    pub fn with_signature_host(mut self, host: Arc<dyn SignatureHost>) -> KeySet {
        self.host = Some(host);
        self
    }

    /// The host verifier given to this set, if any.
    pub fn signature_host(&self) -> Option<&dyn SignatureHost> {
        self.host.as_deref()
    }

    /// The usable keys, in document order.
    pub fn keys(&self) -> &[Jwk] {
        &self.keys
    }

    /// Well-formed keys of an algorithm this build does not compile, in document order
    /// (hosts log each once, naming the build that has it).
    pub fn unavailable(&self) -> &[UnavailableKey] {
        &self.unavailable
    }

    /// How many keys of the document were skipped (unsupported type, curve, algorithm or
    /// use, or not compiled in).
    pub fn skipped(&self) -> usize {
        self.skipped
    }

    /// The algorithms a token may name with this set: those of its keys, usable or not
    /// compiled in (the latter so a token naming one gets [`Error::AlgNotInBuild`]).
    pub fn algs(&self) -> AcceptedAlgs {
        let usable = self.keys.iter().map(Jwk::alg);
        let absent = self.unavailable.iter().map(UnavailableKey::alg);
        usable
            .chain(absent)
            .fold(AcceptedAlgs::NONE, AcceptedAlgs::with)
    }

    /// The key for a token of algorithm `alg`: the one whose `kid` equals the token's; a
    /// token without `kid` only when the set holds exactly one key. No such key:
    /// [`Error::UnknownKey`]; a key of another algorithm: [`Error::AlgNotAllowed`] (the
    /// algorithm is the key's, never the token's choice); a key this build does not
    /// compile: [`Error::AlgNotInBuild`].
    pub fn select(&self, kid: Option<&str>, alg: Alg) -> Result<&PublicKey, Error> {
        let total = self.keys.len() + self.unavailable.len();
        let usable = match kid {
            Some(kid) => self.keys.iter().find(|k| k.kid.as_deref() == Some(kid)),
            None if total == 1 => self.keys.first(),
            None => return Err(Error::UnknownKey),
        };
        if let Some(jwk) = usable {
            return match jwk.alg() == alg {
                true => Ok(&jwk.key),
                false => Err(Error::AlgNotAllowed),
            };
        }
        let absent = match kid {
            Some(kid) => self
                .unavailable
                .iter()
                .find(|k| k.kid.as_deref() == Some(kid)),
            None => self.unavailable.first(),
        };
        match absent {
            Some(key) if key.alg == alg => Err(Error::AlgNotInBuild),
            Some(_) => Err(Error::AlgNotAllowed),
            None => Err(Error::UnknownKey),
        }
    }

    /// Does the set hold a key (usable or not compiled in) for this `kid` (a token without
    /// `kid`: exactly one key)? A token whose `kid` is not here refetches a remote set.
    pub fn has_key(&self, kid: Option<&str>) -> bool {
        match kid {
            Some(kid) => {
                self.keys.iter().any(|k| k.kid.as_deref() == Some(kid))
                    || self
                        .unavailable
                        .iter()
                        .any(|k| k.kid.as_deref() == Some(kid))
            }
            None => self.keys.len() + self.unavailable.len() == 1,
        }
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
        let pinned: Vec<(Option<&str>, Alg)> =
            ks.keys().iter().map(|k| (k.kid(), k.alg())).collect();
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
        let rsa =
            |n: &str, e: &str| format!(r#"{{"kty":"RSA","alg":"RS256","n":"{n}","e":"{e}"}}"#);
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
}
