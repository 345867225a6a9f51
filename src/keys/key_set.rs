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

use crate::config_error::ConfigError;
use crate::error::Error;
use crate::json::{read_object_deep, Loose};
use crate::keys::delegate::SignatureHost;
use crate::keys::ec::{self, EcKey};
use crate::keys::ed25519::{self, Ed25519Key};
use crate::keys::jwk::{str_member, Entry};
use crate::keys::rsa::{self, RsaKey};
use crate::token::{AcceptedAlgs, Alg, UntrustedToken};

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
                "OKP" => ed25519::read_jwk(members, index)?,
                "EC" => ec::read_jwk(members, index)?,
                "RSA" => rsa::read_jwk(members, index)?,
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

// The readers of EC and RSA keys need their algorithms (tests/lean_build.rs: a build without).
#[cfg(all(test, feature = "es256", feature = "es512", feature = "rsa"))]
#[path = "key_set_tests.rs"]
mod tests;
