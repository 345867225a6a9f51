//! The JWS layer alone: an HS256 key and its signature check, with no claim policy.
//! [`crate::Gate`] holds one per configured secret; the Wycheproof harness uses it
//! directly (its keys are not policy-grade secrets).

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::token::UntrustedToken;

type HmacSha256 = Hmac<Sha256>;

/// An HMAC-SHA256 key with its inner/outer states computed once, cloned per token.
#[derive(Clone)]
pub struct Hs256Key {
    // `None` only if the hmac crate ever refused a key length (it accepts all);
    // such a key then verifies nothing: fail closed.
    mac: Option<HmacSha256>,
}

impl core::fmt::Debug for Hs256Key {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Hs256Key(<redacted>)")
    }
}

impl Hs256Key {
    /// Keys the MAC. No length or quality policy here: [`crate::GateConfig`] has that.
    pub fn new(secret: &[u8]) -> Self {
        Hs256Key {
            mac: HmacSha256::new_from_slice(secret).ok(),
        }
    }

    /// HMAC-SHA256 of `message`.
    pub fn tag(&self, message: &[u8]) -> [u8; 32] {
        let mut out = [0u8; 32];
        if let Some(mac) = &self.mac {
            let mut mac = mac.clone();
            mac.update(message);
            out.copy_from_slice(&mac.finalize().into_bytes());
        }
        out
    }

    /// Constant-time check of a full 32-byte tag; truncated or extended tags are refused.
    pub fn verify_tag(&self, message: &[u8], tag: &[u8]) -> bool {
        let Some(mac) = &self.mac else { return false };
        let mut mac = mac.clone();
        mac.update(message);
        mac.verify_slice(tag).is_ok()
    }

    /// Checks a parsed token's signature (its header already said `HS256`).
    pub fn verify(&self, token: &UntrustedToken<'_>) -> bool {
        self.verify_tag(token.signing_input().as_bytes(), token.signature())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc4231_case_2_and_truncation_refused() {
        // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
        let key = Hs256Key::new(b"Jefe");
        let tag = key.tag(b"what do ya want for nothing?");
        let hex: alloc::string::String = tag.iter().map(|b| alloc::format!("{b:02x}")).collect();
        assert_eq!(
            hex,
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        assert!(key.verify_tag(b"what do ya want for nothing?", &tag));
        assert!(!key.verify_tag(b"what do ya want for nothing?", &tag[..16]));
        assert!(!key.verify_tag(b"what do ya want for nothing!", &tag));
        assert!(alloc::format!("{key:?}").contains("redacted"));
    }
}
