//! RSA public keys (JWK `kty` `RSA`) for `RS256` (RSASSA-PKCS1-v1_5 with SHA-256) and
//! `PS256` (RSASSA-PSS with SHA-256, MGF1-SHA-256, salt exactly 32 bytes: RFC 7518 §3.5).
//! The arithmetic is RustCrypto's `rsa` (verification only: no private-key operation,
//! so RUSTSEC-2023-0071, a timing leak in decryption and signing, does not apply; the
//! 0.10 line is used anyway, see docs/decisions/algorithms.md). This file decides which
//! keys are acceptable:
//!
//! - `n`: 2048 to 4096 bits ([`MIN_MODULUS_BITS`], [`MAX_MODULUS_BITS`]), odd, in the
//!   minimal big-endian form (no leading zero byte: RFC 7518 §6.3.1.1);
//! - `e`: odd, from 3 to 2³²−1 ([`MAX_EXPONENT`]), minimal form (65537 is what every
//!   library generates, Better Auth included; 3 and other small odd values are sound for
//!   verification);
//! - one key verifies one algorithm: an RS256 key never checks a PS256 signature and the
//!   other way round (the algorithm comes from the JWK's `alg`).
//!
//! A signature must be exactly the modulus's length in bytes (RFC 8017 §8.2.2).

#[cfg(test)]
use alloc::vec::Vec;

use crate::token::{Alg, UntrustedToken};
use alloc::borrow::Cow;

use crate::config_error::ConfigError;
use crate::json::Loose;
use crate::keys::jwk::{bytes_member, str_member, Entry};
use crate::keys::key_set::PublicKey;

/// Smallest modulus accepted, in bits (NIST SP 800-131A: 2048 for RSA signatures).
pub const MIN_MODULUS_BITS: usize = 2048;
/// Largest modulus accepted, in bits: bounds the work an attacker-chosen key set could
/// cost per token (a 4096-bit check is ~4× a 2048-bit one), and no JOSE stack mints more.
pub const MAX_MODULUS_BITS: usize = 4096;
/// Largest public exponent accepted (2³² − 1).
pub const MAX_EXPONENT: u64 = u32::MAX as u64;

/// Why `n`/`e` are not an acceptable RSA public key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WeakRsaKey {
    /// The modulus is shorter than 2048 or longer than 4096 bits, even, or not minimal.
    Modulus,
    /// The exponent is even, below 3, at least 2³², or not minimal.
    Exponent,
}

/// Checks `n` and `e` (big-endian, as decoded from the JWK) against the bounds above,
/// without any arithmetic: the same answer whether or not RSA is compiled in.
pub fn check_components(n: &[u8], e: &[u8]) -> Result<(), WeakRsaKey> {
    let bits = match n.first() {
        Some(&top) if top != 0 => n.len() * 8 - top.leading_zeros() as usize,
        _ => return Err(WeakRsaKey::Modulus),
    };
    if !(MIN_MODULUS_BITS..=MAX_MODULUS_BITS).contains(&bits)
        || n.last().is_some_and(|b| b & 1 == 0)
    {
        return Err(WeakRsaKey::Modulus);
    }
    if e.len() > 4 || e.first().is_none_or(|top| *top == 0) {
        return Err(WeakRsaKey::Exponent);
    }
    let value = e.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b));
    if !(3..=MAX_EXPONENT).contains(&value) || value & 1 == 0 {
        return Err(WeakRsaKey::Exponent);
    }
    Ok(())
}

/// A validated RSA public key, pinned to one algorithm (`RS256` or `PS256`).
#[derive(Clone, PartialEq, Eq)]
pub struct RsaKey {
    #[cfg(feature = "rsa")]
    key: ::rsa::PublicKey,
    alg: Alg,
    /// Modulus length in bytes: the only signature length accepted.
    size: usize,
    /// `{"kty":"RSA","n":…,"e":…}`: the key as a host verifier imports it.
    jwk: alloc::string::String,
}

impl core::fmt::Debug for RsaKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "RsaKey({:?}, {} bits)", self.alg, self.size * 8)
    }
}

impl RsaKey {
    /// The key from the JWK's decoded `n` and `e`, for `alg` (`Alg::Rs256` or `Alg::Ps256`;
    /// the key-set reader passes no other, and any other is refused). A build without the
    /// `rsa` feature refuses every key here (the reader lists them as unavailable first).
    pub fn from_components(n: &[u8], e: &[u8], alg: Alg) -> Result<RsaKey, WeakRsaKey> {
        check_components(n, e)?;
        if !matches!(alg, Alg::Rs256 | Alg::Ps256) {
            return Err(WeakRsaKey::Modulus);
        }
        #[cfg(feature = "rsa")]
        {
            let big = |bytes: &[u8]| ::rsa::BoxedUint::from_be_slice_vartime(bytes);
            let key = ::rsa::PublicKey::new_with_size_limits(
                big(n),
                big(e),
                MIN_MODULUS_BITS..=MAX_MODULUS_BITS,
            )
            .map_err(|_| WeakRsaKey::Modulus)?;
            Ok(RsaKey {
                key,
                alg,
                size: n.len(),
                jwk: alloc::format!(
                    r#"{{"kty":"RSA","n":"{}","e":"{}"}}"#,
                    crate::token::base64url(n),
                    crate::token::base64url(e)
                ),
            })
        }
        #[cfg(not(feature = "rsa"))]
        {
            Err(WeakRsaKey::Modulus)
        }
    }

    /// The algorithm this key verifies, and no other.
    pub fn alg(&self) -> Alg {
        self.alg
    }

    /// Modulus length in bits.
    pub fn bits(&self) -> usize {
        self.size * 8
    }

    /// The canonical public JWK (`kty`, `n`, `e`), for a host verifier.
    pub fn public_jwk(&self) -> &str {
        &self.jwk
    }

    /// Is `signature` exactly the modulus length (checked before a host verifier is asked)?
    pub fn signature_form_ok(&self, signature: &[u8]) -> bool {
        signature.len() == self.size
    }

    /// Verification of `signature` over `message` by this key's algorithm. A signature of
    /// another length than the modulus is refused before any arithmetic.
    pub fn verify_message(&self, message: &[u8], signature: &[u8]) -> bool {
        if signature.len() != self.size {
            return false;
        }
        #[cfg(feature = "rsa")]
        {
            use sha2::{Digest, Sha256};
            let hashed = Sha256::digest(message);
            match self.alg {
                Alg::Rs256 => self
                    .key
                    .verify(
                        ::rsa::pkcs1v15::Pkcs1v15Sign::new::<Sha256>(),
                        &hashed,
                        signature,
                    )
                    .is_ok(),
                Alg::Ps256 => self
                    .key
                    .verify(
                        ::rsa::pss::Pss::<Sha256>::new_with_salt(32),
                        &hashed,
                        signature,
                    )
                    .is_ok(),
                _ => false,
            }
        }
        #[cfg(not(feature = "rsa"))]
        {
            let _ = message;
            false
        }
    }

    /// Checks a parsed token's signature; a token of another algorithm than the key's is refused.
    pub fn verify(&self, token: &UntrustedToken<'_>) -> bool {
        token.alg() == self.alg
            && self.verify_message(token.signing_input().as_bytes(), token.signature())
    }
}

/// An RSA key, for `RS256` or `PS256` as its `alg` says; other RSA algorithms are skipped.
pub(crate) fn read_jwk(
    members: &[(Cow<'_, str>, Loose<'_>)],
    index: usize,
) -> Result<Entry, ConfigError> {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn modulus(bits: usize) -> Vec<u8> {
        let mut n = alloc::vec![0xffu8; bits.div_ceil(8)];
        let top = bits % 8;
        if top != 0 {
            n[0] = (1u8 << top) - 1;
        }
        n
    }

    #[test]
    fn bounds_on_modulus_and_exponent() {
        let e = [1, 0, 1];
        assert_eq!(check_components(&modulus(2048), &e), Ok(()));
        assert_eq!(check_components(&modulus(4096), &e), Ok(()));
        assert_eq!(check_components(&modulus(3072), &[3]), Ok(()));
        assert_eq!(
            check_components(&modulus(2047), &e),
            Err(WeakRsaKey::Modulus)
        );
        assert_eq!(
            check_components(&modulus(4097), &e),
            Err(WeakRsaKey::Modulus)
        );
        assert_eq!(
            check_components(&modulus(1024), &e),
            Err(WeakRsaKey::Modulus)
        );
        // A leading zero byte (not minimal), an even modulus, an empty one.
        let mut padded = alloc::vec![0u8];
        padded.extend(modulus(2048));
        assert_eq!(check_components(&padded, &e), Err(WeakRsaKey::Modulus));
        let mut even = modulus(2048);
        even[255] = 0xfe;
        assert_eq!(check_components(&even, &e), Err(WeakRsaKey::Modulus));
        assert_eq!(check_components(&[], &e), Err(WeakRsaKey::Modulus));
        // Exponents: 1, 2, even, ≥ 2³², not minimal, empty.
        for bad in [
            &[1u8][..],
            &[2],
            &[1, 0, 0],
            &[1, 0, 0, 0, 1],
            &[0, 1, 0, 1],
            &[],
        ] {
            assert_eq!(
                check_components(&modulus(2048), bad),
                Err(WeakRsaKey::Exponent),
                "{bad:?}"
            );
        }
        assert_eq!(
            check_components(&modulus(2048), &[0xff, 0xff, 0xff, 0xff]),
            Ok(())
        );
    }
}
