//! The JWS layer alone: an HS256 key and its signature check, with no claim policy.
//! [`crate::Gate`] holds one per configured secret; the Wycheproof harness uses it
//! directly (its keys are not policy-grade secrets).

use hmac::{Hmac, KeyInit, Mac};
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

    /// [`Hs256Key::verify_tag`] of the concatenation of `parts`, without copying them into one.
    pub(crate) fn verify_tag_parts(&self, parts: &[&[u8]], tag: &[u8]) -> bool {
        let Some(mac) = &self.mac else { return false };
        let mut mac = mac.clone();
        for part in parts {
            mac.update(part);
        }
        constant_time_eq(&mac.finalize().into_bytes(), tag)
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
        self.verify_tag_parts(&[message], tag)
    }

    /// Checks a parsed token's signature (its header already said `HS256`).
    pub fn verify(&self, token: &UntrustedToken<'_>) -> bool {
        self.verify_tag(token.signing_input().as_bytes(), token.signature())
    }
}

/// Equality whose time depends only on the lengths: XOR-OR over 8-byte words, the running
/// difference passed through `black_box` once per 64 bytes so the optimiser cannot turn
/// the loop into an early exit. Hand-written because the `constant_time_eq` and `subtle`
/// crates hide every word (or byte) behind an out-of-line call on Wasm: 230 ns for a
/// 212-byte token there, seven times the rest of a cache hit; 3 % of a full verification (docs/decisions/performance.md).
pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut difference = 0u64;
    let (mut blocks_a, mut blocks_b) = (a.chunks_exact(64), b.chunks_exact(64));
    for (block_a, block_b) in (&mut blocks_a).zip(&mut blocks_b) {
        let mut block = 0u64;
        for (x, y) in block_a.chunks_exact(8).zip(block_b.chunks_exact(8)) {
            block |= match (<[u8; 8]>::try_from(x), <[u8; 8]>::try_from(y)) {
                (Ok(x), Ok(y)) => u64::from_le_bytes(x) ^ u64::from_le_bytes(y),
                _ => 1, // cannot happen (chunks of 8); would count as a difference
            };
        }
        difference = core::hint::black_box(difference | block);
    }
    for (x, y) in blocks_a.remainder().iter().zip(blocks_b.remainder()) {
        difference |= u64::from(x ^ y);
    }
    core::hint::black_box(difference) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constant_time_eq_is_equality() {
        let base: alloc::vec::Vec<u8> = (0..300u32).map(|i| (i * 7 + 3) as u8).collect();
        for len in [0, 1, 7, 8, 63, 64, 65, 128, 200, 300] {
            let a = &base[..len];
            assert!(constant_time_eq(a, a));
            for at in 0..len {
                let mut b = a.to_vec();
                b[at] ^= 0x80;
                assert!(!constant_time_eq(a, &b), "len {len}, difference at {at}");
            }
            if len > 0 {
                assert!(!constant_time_eq(a, &a[..len - 1]));
            }
        }
    }

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
