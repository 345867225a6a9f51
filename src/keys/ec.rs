//! ECDSA public keys (JWK `kty` `EC`): P-256 for `ES256` (SHA-256) and P-521 for `ES512`
//! (SHA-512), RFC 7518 §3.4. The arithmetic is RustCrypto's (`p256`, `p521`, `ecdsa`);
//! this file decides which keys and signatures are acceptable at all:
//!
//! - the key is the JWK's `x` and `y`, each exactly the curve's field size in bytes
//!   (32 for P-256, 66 for P-521: RFC 7518 §6.2.1.2 fixes the length), forming a point on
//!   the curve that is not the identity (checked once, when the key set is read);
//! - a signature is JWS's fixed-size `r‖s` (64 or 132 bytes), never DER, with `r` and `s`
//!   in [1, n−1]; both `s` and n−`s` ("high S") verify, as WebCrypto and jose produce either.

#[cfg(any(feature = "es256", feature = "es512"))]
use signature::Verifier;

use crate::token::{Alg, UntrustedToken};
use alloc::borrow::Cow;

use crate::config_error::ConfigError;
use crate::json::Loose;
use crate::keys::jwk::{bytes_member, str_member, Entry};
use crate::keys::key_set::PublicKey;

/// Which curve an EC JWK names, as far as the gate knows curves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Curve {
    /// `P-256` (ES256).
    P256,
    /// `P-521` (ES512).
    P521,
}

impl Curve {
    /// The JWK `crv` name to curve; other curves (`P-384`, `secp256k1`) are `None`.
    pub fn from_crv(crv: &str) -> Option<Curve> {
        match crv {
            "P-256" => Some(Curve::P256),
            "P-521" => Some(Curve::P521),
            _ => None,
        }
    }

    /// The one JWS algorithm a key on this curve signs with.
    pub fn alg(self) -> Alg {
        match self {
            Curve::P256 => Alg::Es256,
            Curve::P521 => Alg::Es512,
        }
    }

    /// Bytes of one coordinate (and of `r` or `s`).
    pub fn field_bytes(self) -> usize {
        match self {
            Curve::P256 => 32,
            Curve::P521 => 66,
        }
    }

    /// Is this curve's arithmetic compiled into this build (cargo features `es256`, `es512`)?
    pub fn compiled(self) -> bool {
        match self {
            Curve::P256 => cfg!(feature = "es256"),
            Curve::P521 => cfg!(feature = "es512"),
        }
    }
}

/// Why `x`/`y` are not an acceptable EC public key: a coordinate of the wrong length, a
/// point off the curve, or the identity.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InvalidPoint;

#[derive(Clone, PartialEq, Eq)]
enum Inner {
    #[cfg(feature = "es256")]
    P256(p256::ecdsa::VerifyingKey),
    #[cfg(feature = "es512")]
    P521(p521::ecdsa::VerifyingKey),
}

/// A validated ECDSA public key on P-256 or P-521.
#[derive(Clone, PartialEq, Eq)]
pub struct EcKey {
    inner: Inner,
    /// `{"kty":"EC","crv":…,"x":…,"y":…}`: the key as a host verifier imports it.
    jwk: alloc::string::String,
}

impl core::fmt::Debug for EcKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "EcKey({:?})", self.curve())
    }
}

// Built without one curve (or both), the match arms of the missing curve are gone and
// what remains may be unreachable: that is the point.
#[cfg_attr(
    not(all(feature = "es256", feature = "es512")),
    allow(unreachable_code, unused_variables, unreachable_patterns)
)]
impl EcKey {
    /// The key from its affine coordinates (`x`, `y` of the JWK, decoded). Refuses
    /// coordinates that are not exactly [`Curve::field_bytes`] long, a point off the curve
    /// and the identity; a curve this build does not compile is refused too (the key-set
    /// reader asks [`Curve::compiled`] first).
    pub fn from_coordinates(curve: Curve, x: &[u8], y: &[u8]) -> Result<EcKey, InvalidPoint> {
        let len = curve.field_bytes();
        if x.len() != len || y.len() != len {
            return Err(InvalidPoint);
        }
        // SEC 1 uncompressed form: 0x04 ‖ x ‖ y.
        let sec1: alloc::vec::Vec<u8> = core::iter::once(4u8)
            .chain(x.iter().copied())
            .chain(y.iter().copied())
            .collect();
        let sec1 = sec1.as_slice();
        let inner = match curve {
            #[cfg(feature = "es256")]
            Curve::P256 => Inner::P256(
                p256::ecdsa::VerifyingKey::from_sec1_bytes(sec1).map_err(|_| InvalidPoint)?,
            ),
            #[cfg(feature = "es512")]
            Curve::P521 => Inner::P521(
                p521::ecdsa::VerifyingKey::from_sec1_bytes(sec1).map_err(|_| InvalidPoint)?,
            ),
            #[cfg(not(all(feature = "es256", feature = "es512")))]
            _ => return Err(InvalidPoint),
        };
        let jwk = alloc::format!(
            r#"{{"kty":"EC","crv":"{}","x":"{}","y":"{}"}}"#,
            match curve {
                Curve::P256 => "P-256",
                Curve::P521 => "P-521",
            },
            crate::token::base64url(x),
            crate::token::base64url(y)
        );
        Ok(EcKey { inner, jwk })
    }

    /// The canonical public JWK (`kty`, `crv`, `x`, `y`), for a host verifier.
    pub fn public_jwk(&self) -> &str {
        &self.jwk
    }

    /// Is `signature` in the only form JWS allows: exactly `r‖s` of the curve's size, with
    /// `r` and `s` in [1, n−1]? (Checked before a host verifier is asked.)
    pub fn signature_form_ok(&self, signature: &[u8]) -> bool {
        match &self.inner {
            #[cfg(feature = "es256")]
            Inner::P256(_) => p256::ecdsa::Signature::from_slice(signature).is_ok(),
            #[cfg(feature = "es512")]
            Inner::P521(_) => p521::ecdsa::Signature::from_slice(signature).is_ok(),
            #[cfg(not(all(feature = "es256", feature = "es512")))]
            _ => false,
        }
    }

    /// The key's curve.
    pub fn curve(&self) -> Curve {
        match self.inner {
            #[cfg(feature = "es256")]
            Inner::P256(_) => Curve::P256,
            #[cfg(feature = "es512")]
            Inner::P521(_) => Curve::P521,
        }
    }

    /// The algorithm this key verifies (ES256 for P-256, ES512 for P-521), and no other.
    pub fn alg(&self) -> Alg {
        self.curve().alg()
    }

    /// ECDSA verification of a fixed-size `r‖s` signature over `message` with the curve's
    /// hash (SHA-256 for P-256, SHA-512 for P-521). Any other length (DER included), and
    /// `r` or `s` outside [1, n−1], is refused.
    pub fn verify_message(&self, message: &[u8], signature: &[u8]) -> bool {
        match &self.inner {
            #[cfg(feature = "es256")]
            Inner::P256(key) => p256::ecdsa::Signature::from_slice(signature)
                .is_ok_and(|sig| key.verify(message, &sig).is_ok()),
            #[cfg(feature = "es512")]
            Inner::P521(key) => p521::ecdsa::Signature::from_slice(signature)
                .is_ok_and(|sig| key.verify(message, &sig).is_ok()),
            #[cfg(not(all(feature = "es256", feature = "es512")))]
            _ => false,
        }
    }

    /// Checks a parsed token's signature (the caller checked that its `alg` is this key's).
    pub fn verify(&self, token: &UntrustedToken<'_>) -> bool {
        token.alg() == self.alg()
            && self.verify_message(token.signing_input().as_bytes(), token.signature())
    }
}

/// An EC key: P-256 (`ES256`) or P-521 (`ES512`); other curves are skipped.
pub(crate) fn read_jwk(
    members: &[(Cow<'_, str>, Loose<'_>)],
    index: usize,
) -> Result<Entry, ConfigError> {
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

#[cfg(all(test, feature = "es256", feature = "es512"))]
mod tests {
    use super::*;
    use crate::token::decode_base64url;

    fn b64(s: &str) -> alloc::vec::Vec<u8> {
        decode_base64url(s).unwrap()
    }

    /// RFC 7515 A.3's P-256 key.
    const X: &str = "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU";
    const Y: &str = "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0";

    #[test]
    fn refuses_off_curve_identity_and_wrong_lengths() {
        let key = EcKey::from_coordinates(Curve::P256, &b64(X), &b64(Y)).unwrap();
        assert_eq!(key.alg(), Alg::Es256);
        assert_eq!(alloc::format!("{key:?}"), "EcKey(P256)");
        let mut y = b64(Y);
        y[31] ^= 1;
        assert_eq!(
            EcKey::from_coordinates(Curve::P256, &b64(X), &y),
            Err(InvalidPoint)
        );
        assert_eq!(
            EcKey::from_coordinates(Curve::P256, &[0; 32], &[0; 32]),
            Err(InvalidPoint)
        );
        // A P-256 key read as P-521 coordinates, and short or long coordinates.
        assert_eq!(
            EcKey::from_coordinates(Curve::P521, &b64(X), &b64(Y)),
            Err(InvalidPoint)
        );
        let mut long = alloc::vec![0u8];
        long.extend(b64(X));
        assert_eq!(
            EcKey::from_coordinates(Curve::P256, &long, &b64(Y)),
            Err(InvalidPoint)
        );
        assert_eq!(
            EcKey::from_coordinates(Curve::P256, &b64(X)[1..], &b64(Y)),
            Err(InvalidPoint)
        );
    }
}
