//! Whether a key set read back from the Workers Cache API may be used: pure rules, no I/O.
//!
//! `caches.default` is shared by every Worker on the zone, so any of them can write the
//! entry this worker reads. An entry therefore supplies keys only when (1) its MAC, under a
//! key derived from a secret this worker holds, covers the URL, fetched-at, max-age and
//! body, and (2) its age fits the refresh policy: fetched-at not in the future (beyond
//! [`FUTURE_SKEW_MS`]), max-age at most [`RefreshPolicy::max_age_cap_ms`], still fresh.
//! Without a secret the Cache API is not read at all (one origin fetch per cold isolate).

use jwtgate::{Hs256Key, RefreshPolicy};

/// Domain label of the MAC key derivation and of every MAC input (bump on a layout change:
/// old entries then fail the MAC and cost one refetch).
const LABEL: &[u8] = b"jwtgate-jwks-cache-v1";

/// How far in the future a fetched-at may be (another isolate's clock).
pub(crate) const FUTURE_SKEW_MS: u64 = 60_000;

/// The MAC key of the Cache API copy. Derived (HMAC-SHA256 of [`LABEL`] under the secret),
/// never the secret itself: a tag is then never an HS256 token signature for that secret.
pub(crate) struct CacheMac(Hs256Key);

impl CacheMac {
    /// `None` for an empty secret (no secret: no Cache API).
    pub(crate) fn new(secret: &[u8]) -> Option<Self> {
        if secret.is_empty() {
            return None;
        }
        let derived = Hs256Key::new(secret).tag(LABEL);
        Some(CacheMac(Hs256Key::new(&derived)))
    }

    /// The tag of an entry, as 64 lowercase hex digits (the `x-jwtgate-mac` header).
    pub(crate) fn tag_hex(
        &self,
        url: &str,
        fetched_at_ms: u64,
        max_age_ms: u64,
        body: &str,
    ) -> String {
        let tag = self.0.tag(&mac_input(url, fetched_at_ms, max_age_ms, body));
        let mut out = String::with_capacity(64);
        for b in tag {
            out.push(hex_digit(b >> 4));
            out.push(hex_digit(b & 0x0f));
        }
        out
    }

    /// Constant-time check of a hex tag (anything but 64 hex digits fails).
    pub(crate) fn verify_hex(
        &self,
        url: &str,
        fetched_at_ms: u64,
        max_age_ms: u64,
        body: &str,
        tag_hex: &str,
    ) -> bool {
        let Some(tag) = parse_hex_tag(tag_hex) else {
            return false;
        };
        self.0
            .verify_tag(&mac_input(url, fetched_at_ms, max_age_ms, body), &tag)
    }
}

/// What the MAC covers, unambiguously: the label, then the URL and the body each with an
/// 8-byte big-endian length, the two times as 8-byte big-endian numbers.
pub(crate) fn mac_input(url: &str, fetched_at_ms: u64, max_age_ms: u64, body: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(LABEL.len() + 32 + url.len() + body.len());
    out.extend_from_slice(LABEL);
    out.extend_from_slice(&(url.len() as u64).to_be_bytes());
    out.extend_from_slice(url.as_bytes());
    out.extend_from_slice(&fetched_at_ms.to_be_bytes());
    out.extend_from_slice(&max_age_ms.to_be_bytes());
    out.extend_from_slice(&(body.len() as u64).to_be_bytes());
    out.extend_from_slice(body.as_bytes());
    out
}

/// Is an authenticated entry young enough to use at `now_ms`? `Err` is the log code.
pub(crate) fn check_age(
    now_ms: u64,
    fetched_at_ms: u64,
    max_age_ms: u64,
    policy: &RefreshPolicy,
) -> Result<(), &'static str> {
    if fetched_at_ms > now_ms.saturating_add(FUTURE_SKEW_MS) {
        return Err("jwks_cache_future");
    }
    if max_age_ms > policy.max_age_cap_ms {
        return Err("jwks_cache_max_age_over_cap");
    }
    // A fetched-at within the skew counts as now.
    if now_ms.saturating_sub(fetched_at_ms) >= max_age_ms {
        return Err("jwks_cache_stale");
    }
    Ok(())
}

/// A header's millisecond count: ASCII digits only, no sign or space, fits a u64.
pub(crate) fn parse_ms(value: &str) -> Option<u64> {
    if value.is_empty() || value.len() > 20 || !value.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    value.parse().ok()
}

fn hex_digit(nibble: u8) -> char {
    char::from(b"0123456789abcdef"[usize::from(nibble & 0x0f)])
}

fn parse_hex_tag(hex: &str) -> Option<[u8; 32]> {
    let bytes = hex.as_bytes();
    if bytes.len() != 64 {
        return None;
    }
    let nibble = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        _ => None,
    };
    let mut out = [0u8; 32];
    for (slot, pair) in out.iter_mut().zip(bytes.chunks_exact(2)) {
        *slot = (nibble(pair[0])? << 4) | nibble(pair[1])?;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const URL: &str = "https://app.example/api/auth/jwks";
    const BODY: &str = r#"{"keys":[]}"#;
    const T0: u64 = 1_700_000_000_000;
    const SECRET: &[u8] = b"k3Jx9vQ2mW7pL4tZ8rB6nC1yH5sD0fGa-unit";

    fn mac() -> CacheMac {
        CacheMac::new(SECRET).expect("a secret")
    }

    #[test]
    fn no_secret_no_mac() {
        assert!(CacheMac::new(b"").is_none());
    }

    #[test]
    fn a_tag_verifies_and_every_covered_field_breaks_it() {
        let m = mac();
        let tag = m.tag_hex(URL, T0, 600_000, BODY);
        assert_eq!(tag.len(), 64);
        assert!(m.verify_hex(URL, T0, 600_000, BODY, &tag));
        assert!(!m.verify_hex("https://app.example/api/auth/jwkz", T0, 600_000, BODY, &tag));
        assert!(!m.verify_hex(URL, T0 + 1, 600_000, BODY, &tag));
        assert!(!m.verify_hex(URL, T0, 600_001, BODY, &tag));
        assert!(!m.verify_hex(URL, T0, 600_000, r#"{"keys":[ ]}"#, &tag));
        // Another secret (another worker) cannot produce or check it.
        let other = CacheMac::new(b"Hn4Tq7Wz1Kc8Rm5Yb2Ld9Fs6Gj3Vp0Xe-unit").expect("a secret");
        assert!(!other.verify_hex(URL, T0, 600_000, BODY, &tag));
    }

    #[test]
    fn malformed_tags_fail() {
        let m = mac();
        let tag = m.tag_hex(URL, T0, 600_000, BODY);
        for bad in [
            String::new(),
            tag[..63].to_string(),
            format!("{tag}0"),
            tag.to_uppercase(),
            format!("{}g", &tag[..63]),
            "0".repeat(64),
        ] {
            assert!(!m.verify_hex(URL, T0, 600_000, BODY, &bad), "{bad}");
        }
    }

    #[test]
    fn the_key_is_derived_not_the_secret() {
        // A tag is not HMAC(secret, input): it cannot double as an HS256 signature.
        let input = mac_input(URL, T0, 600_000, BODY);
        let direct = Hs256Key::new(SECRET).tag(&input);
        let m = mac();
        let mut hex = String::new();
        for b in direct {
            hex.push(hex_digit(b >> 4));
            hex.push(hex_digit(b & 0x0f));
        }
        assert!(!m.verify_hex(URL, T0, 600_000, BODY, &hex));
    }

    #[test]
    fn the_layout_is_unambiguous() {
        // Moving bytes between the URL and the body changes the input.
        assert_ne!(mac_input("ab", T0, 1, "c"), mac_input("a", T0, 1, "bc"));
        let input = mac_input("u", 1, 2, "b");
        let mut expected = LABEL.to_vec();
        expected.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 1, b'u']);
        expected.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 1]);
        expected.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 2]);
        expected.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 1, b'b']);
        assert_eq!(input, expected);
    }

    #[test]
    fn age_rules() {
        let p = RefreshPolicy::default();
        let day = p.max_age_cap_ms;
        assert_eq!(check_age(T0, T0, 600_000, &p), Ok(()));
        assert_eq!(check_age(T0 + 599_999, T0, 600_000, &p), Ok(()));
        assert_eq!(
            check_age(T0 + 600_000, T0, 600_000, &p),
            Err("jwks_cache_stale")
        );
        assert_eq!(check_age(T0, T0, day, &p), Ok(()));
        assert_eq!(
            check_age(T0, T0, day + 1, &p),
            Err("jwks_cache_max_age_over_cap")
        );
        assert_eq!(
            check_age(T0, T0, u64::MAX, &p),
            Err("jwks_cache_max_age_over_cap")
        );
        // Within the skew a future time is fine; beyond it, refused.
        assert_eq!(check_age(T0, T0 + FUTURE_SKEW_MS, 600_000, &p), Ok(()));
        assert_eq!(
            check_age(T0, T0 + FUTURE_SKEW_MS + 1, 600_000, &p),
            Err("jwks_cache_future")
        );
        assert_eq!(
            check_age(T0, u64::MAX, u64::MAX, &p),
            Err("jwks_cache_future")
        );
        // max-age 0 (no-store upstream) is never fresh.
        assert_eq!(check_age(T0, T0, 0, &p), Err("jwks_cache_stale"));
    }

    #[test]
    fn millisecond_headers() {
        assert_eq!(parse_ms("0"), Some(0));
        assert_eq!(parse_ms("1700000000000"), Some(T0));
        assert_eq!(parse_ms("18446744073709551615"), Some(u64::MAX));
        for bad in [
            "",
            "+1",
            "-1",
            " 1",
            "1 ",
            "1e3",
            "18446744073709551616",
            "99999999999999999999999",
        ] {
            assert_eq!(parse_ms(bad), None, "{bad}");
        }
    }
}
