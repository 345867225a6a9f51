//! The `jwe` cookie cache: compact JWE with `alg` `dir` and `enc` `A256CBC-HS512`
//! (RFC 7516, RFC 7518 §5.2.5), the key derived from the secret with HKDF-SHA256
//! (salt `better-auth-session`, info `BetterAuth.js Generated Encryption Key`, 64
//! bytes) and named by `kid`, its RFC 7638 thumbprint. The tag is checked (constant
//! time) before anything is decrypted; only then is the claim set read.

use alloc::vec::Vec;

use aes::cipher::{block_padding::Pkcs7, BlockModeDecrypt, KeyIvInit};
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256, Sha512};

use crate::json::{read_object, Loose};
use crate::keys::hs256::constant_time_eq;
use crate::token::{base64url, decode_base64url, MAX_TOKEN_BYTES};

type Aes256CbcDec = cbc::Decryptor<aes::Aes256>;

const SALT: &[u8] = b"better-auth-session";
const INFO: &[u8] = b"BetterAuth.js Generated Encryption Key";

/// The content key of one secret, and its `kid`.
#[derive(Clone)]
pub(crate) struct JweKey {
    key: [u8; 64],
    kid: alloc::string::String,
}

impl core::fmt::Debug for JweKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("JweKey(..)")
    }
}

impl JweKey {
    /// Derives the key Better Auth encrypts its cache with under `secret`.
    pub(crate) fn derive(secret: &[u8]) -> JweKey {
        let mut key = [0u8; 64];
        // 64 bytes is well within HKDF-SHA256's 8160-byte limit: expand cannot fail.
        let _ = hkdf::Hkdf::<Sha256>::new(Some(SALT), secret).expand(INFO, &mut key);
        // RFC 7638: members in lexicographic order, no whitespace.
        let jwk = alloc::format!("{{\"k\":\"{}\",\"kty\":\"oct\"}}", base64url(&key));
        let kid = base64url(&Sha256::digest(jwk.as_bytes()));
        JweKey { key, kid }
    }

    /// The plaintext claim set of `value`, when it is a JWE this key made.
    pub(crate) fn decrypt(&self, value: &str) -> Option<Vec<u8>> {
        if value.len() > 4 * MAX_TOKEN_BYTES * 16 {
            return None;
        }
        let mut parts = value.split('.');
        let (Some(header_b64), Some(cek), Some(iv), Some(ciphertext), Some(tag), None) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            return None;
        };
        // `dir`: no encrypted key.
        if !cek.is_empty() {
            return None;
        }
        let header = decode_base64url(header_b64).ok()?;
        if header.len() > crate::token::MAX_HEADER_BYTES {
            return None;
        }
        let (mut alg, mut enc, mut kid, mut other) = (false, false, false, false);
        read_object(
            &header,
            |_| true,
            |name, v| match (name, v) {
                ("alg", Loose::Str(s)) => alg = s == "dir",
                ("enc", Loose::Str(s)) => enc = s == "A256CBC-HS512",
                ("kid", Loose::Str(s)) => kid = s == self.kid.as_str(),
                // Better Auth's header has exactly these and `typ`-less; `zip`, `crit`
                // or anything else asks for processing this reader does not do.
                _ => other = true,
            },
        )
        .ok()?;
        if !(alg && enc && kid) || other {
            return None;
        }
        let iv = decode_base64url(iv).ok()?;
        let tag = decode_base64url(tag).ok()?;
        let mut data = decode_base64url(ciphertext).ok()?;
        let (mac_key, enc_key) = self.key.split_at(32);
        // RFC 7518 §5.2.2.1: MAC over AAD || IV || ciphertext || AL, truncated to 32 bytes.
        let mut mac = <Hmac<Sha512> as KeyInit>::new_from_slice(mac_key).ok()?;
        mac.update(header_b64.as_bytes());
        mac.update(&iv);
        mac.update(&data);
        let aad_bits = (header_b64.len() as u64).checked_mul(8)?;
        mac.update(&aad_bits.to_be_bytes());
        let full = mac.finalize().into_bytes();
        if iv.len() != 16 || !constant_time_eq(full.get(..32)?, &tag) {
            return None;
        }
        let decryptor = Aes256CbcDec::new_from_slices(enc_key, &iv).ok()?;
        let plain = decryptor.decrypt_padded::<Pkcs7>(&mut data).ok()?.len();
        data.truncate(plain);
        Some(data)
    }

    /// Encrypts `claims` as Better Auth does (tests only: the gate never writes a cache).
    #[cfg(test)]
    pub(crate) fn encrypt(&self, claims: &[u8], iv: [u8; 16]) -> alloc::string::String {
        use aes::cipher::BlockModeEncrypt;
        let header = base64url(
            alloc::format!(
                "{{\"alg\":\"dir\",\"enc\":\"A256CBC-HS512\",\"kid\":\"{}\"}}",
                self.kid
            )
            .as_bytes(),
        );
        let (mac_key, enc_key) = self.key.split_at(32);
        let ciphertext = cbc::Encryptor::<aes::Aes256>::new_from_slices(enc_key, &iv)
            .unwrap()
            .encrypt_padded_vec::<Pkcs7>(claims);
        let mut mac = <Hmac<Sha512> as KeyInit>::new_from_slice(mac_key).unwrap();
        mac.update(header.as_bytes());
        mac.update(&iv);
        mac.update(&ciphertext);
        mac.update(&((header.len() as u64) * 8).to_be_bytes());
        let tag = mac.finalize().into_bytes();
        alloc::format!(
            "{header}..{}.{}.{}",
            base64url(&iv),
            base64url(&ciphertext),
            base64url(&tag[..32])
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_tamper() {
        let key = JweKey::derive(b"k3Jx9vQ2mW7pL4tZ8rB6nC1yH5sD0fGa");
        let value = key.encrypt(br#"{"a":1}"#, [7; 16]);
        assert_eq!(key.decrypt(&value).unwrap(), br#"{"a":1}"#);
        let other = JweKey::derive(b"Zk3Jx9vQ2mW7pL4tZ8rB6nC1yH5sD0fG");
        assert!(other.decrypt(&value).is_none());
        let mut parts: Vec<String> = value.split('.').map(String::from).collect();
        parts[3] = base64url(&[0u8; 16]);
        assert!(key.decrypt(&parts.join(".")).is_none());
        assert!(key.decrypt("a.b.c").is_none());
    }
    use alloc::string::String;
}
