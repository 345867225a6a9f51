//! Ed25519 (JWS `alg` `EdDSA` with `crv` Ed25519, or RFC 9864's `Ed25519`): one public
//! key and its strict signature check, with no claim policy. The crate does the
//! arithmetic (`ed25519-dalek`, RustCrypto family); this file only decides which keys
//! and signatures are acceptable at all.

use ed25519_dalek::{Signature, VerifyingKey};

use crate::token::UntrustedToken;
use alloc::borrow::Cow;

use crate::config_error::ConfigError;
use crate::json::Loose;
use crate::keys::jwk::{bytes_member, str_member, Entry};
use crate::keys::key_set::PublicKey;
use crate::token::Alg;

/// An Ed25519 public key that is safe to verify with: on the curve, canonically
/// encoded and not of small order (a small-order key "verifies" forged signatures
/// for many messages under lenient verifiers).
#[derive(Clone, PartialEq, Eq)]
pub struct Ed25519Key {
    key: VerifyingKey,
}

impl core::fmt::Debug for Ed25519Key {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        // Public, but there is nothing to learn from printing it in a log.
        f.write_str("Ed25519Key(..)")
    }
}

/// Why 32 bytes are not an acceptable Ed25519 public key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WeakKey;

impl Ed25519Key {
    /// Decodes the 32-byte compressed point `x` of an OKP JWK (RFC 8037 §2). Refuses a
    /// point off the curve, a non-canonical encoding (y ≥ p, or a "negative zero" x)
    /// and a point of small order.
    pub fn from_bytes(x: &[u8]) -> Result<Self, WeakKey> {
        let bytes: &[u8; 32] = x.try_into().map_err(|_| WeakKey)?;
        let key = VerifyingKey::from_bytes(bytes).map_err(|_| WeakKey)?;
        // The crate keeps the bytes it was given: re-encoding the decoded point shows
        // whether they were the point's one canonical encoding.
        let canonical = VerifyingKey::from(key.to_edwards()).to_bytes() == *bytes;
        if !canonical || key.is_weak() {
            return Err(WeakKey);
        }
        Ok(Ed25519Key { key })
    }

    /// The 32-byte compressed point.
    pub fn to_bytes(&self) -> [u8; 32] {
        self.key.to_bytes()
    }

    /// Strict Ed25519 verification (`verify_strict`: canonical `S`, `R` not of small
    /// order, cofactorless equation) of a 64-byte signature; any other length is refused.
    pub fn verify_message(&self, message: &[u8], signature: &[u8]) -> bool {
        let Ok(signature) = <&[u8; 64]>::try_from(signature) else {
            return false;
        };
        self.key
            .verify_strict(message, &Signature::from_bytes(signature))
            .is_ok()
    }

    /// Checks a parsed token's signature (its header already said `EdDSA`/`Ed25519`).
    pub fn verify(&self, token: &UntrustedToken<'_>) -> bool {
        self.verify_message(token.signing_input().as_bytes(), token.signature())
    }
}

/// An OKP key: Ed25519 only (`EdDSA` / `Ed25519`).
pub(crate) fn read_jwk(
    members: &[(Cow<'_, str>, Loose<'_>)],
    index: usize,
) -> Result<Entry, ConfigError> {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> alloc::vec::Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    #[test]
    fn refuses_small_order_and_non_canonical_keys() {
        // The identity point (y = 1): small order.
        let mut identity = [0u8; 32];
        identity[0] = 1;
        assert_eq!(Ed25519Key::from_bytes(&identity), Err(WeakKey));
        // All-zero bytes: y = 0 is a point of order 4.
        assert_eq!(Ed25519Key::from_bytes(&[0u8; 32]), Err(WeakKey));
        // y = p + 1 encodes the identity again, non-canonically.
        let non_canonical = hex("eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f");
        assert_eq!(Ed25519Key::from_bytes(&non_canonical), Err(WeakKey));
        // "Negative zero": y = 1 with the sign bit set.
        let mut negative_zero = identity;
        negative_zero[31] |= 0x80;
        assert_eq!(Ed25519Key::from_bytes(&negative_zero), Err(WeakKey));
        // Wrong lengths.
        assert_eq!(Ed25519Key::from_bytes(&[9u8; 31]), Err(WeakKey));
        assert_eq!(Ed25519Key::from_bytes(&[9u8; 33]), Err(WeakKey));
        // RFC 8032 test 1's key is fine.
        let good = hex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
        let key = Ed25519Key::from_bytes(&good).unwrap();
        assert_eq!(key.to_bytes().as_slice(), good.as_slice());
        assert!(!alloc::format!("{key:?}").contains("d75a"));
    }

    #[test]
    fn signature_length_must_be_64() {
        let good = hex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
        let key = Ed25519Key::from_bytes(&good).unwrap();
        let sig = hex("e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b");
        assert!(key.verify_message(b"", &sig));
        assert!(!key.verify_message(b"x", &sig));
        assert!(!key.verify_message(b"", &sig[..63]));
        let mut longer = sig.clone();
        longer.push(0);
        assert!(!key.verify_message(b"", &longer));
    }
}
