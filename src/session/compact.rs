//! The `compact` cookie cache (Better Auth's default strategy): base64url of
//! `{"session": <data>, "expiresAt": E, "signature": S}`, where `S` is the unpadded
//! base64url HMAC-SHA256, under the current secret, of `<data>` with `,"expiresAt":E`
//! spliced in before its final `}` (`JSON.stringify({...data, expiresAt})`).
//!
//! The tag is checked over the bytes as they arrived, never over a re-serialisation:
//! the text that was signed is the text that is read.

use alloc::vec::Vec;

use crate::json::{read_object_raw, Loose};
use crate::keys::hs256::Hs256Key;
use crate::token::decode_base64url;

/// A cache whose tag verified: its session data (raw JSON) and `expiresAt` (ms).
pub(crate) struct Compact {
    pub(crate) data: Vec<u8>,
    pub(crate) expires_ms: i64,
}

/// Verifies a `compact` cache value; `None` when it is not one, or its tag is not `key`'s.
pub(crate) fn verify(value: &str, key: &Hs256Key) -> Option<Compact> {
    let outer = decode_base64url(value).ok()?;
    let (mut data, mut expires, mut signature) = (None, None, None);
    read_object_raw(
        &outer,
        |name| matches!(name, "session" | "expiresAt" | "signature"),
        |name, value| {
            if let Loose::Raw(text) = value {
                match name {
                    "session" => data = Some(text),
                    "expiresAt" => expires = Some(text),
                    _ => signature = Some(text),
                }
            }
        },
    )
    .ok()?;
    let (data, expires, signature) = (data?, expires?, signature?);
    // `expiresAt` as JSON.stringify writes an integer; the tag covers this exact text.
    let expires_ms = canonical_integer(expires)?;
    let signature = super::payload::json_string(signature)?;
    let tag = decode_base64url(&signature).ok()?;

    // The data must be an object; one with its own `expiresAt` (the spread would overwrite
    // that member in place, and the signed text would not be this splice) is refused
    // where the data is read (`payload::read`).
    let body = data.strip_prefix('{')?.strip_suffix('}')?;
    let separator: &[u8] = if body.is_empty() { b"" } else { b"," };
    let signed = [
        b"{",
        body.as_bytes(),
        separator,
        b"\"expiresAt\":",
        expires.as_bytes(),
        b"}",
    ];
    key.verify_tag_parts(&signed, &tag).then(|| Compact {
        data: Vec::from(data.as_bytes()),
        expires_ms,
    })
}

/// An integer as JSON.stringify writes one: optional `-`, no leading zero, at most 16 digits.
fn canonical_integer(text: &str) -> Option<i64> {
    let digits = text.strip_prefix('-').unwrap_or(text);
    if digits.is_empty()
        || digits.len() > 16
        || !digits.bytes().all(|b| b.is_ascii_digit())
        || (digits.len() > 1 && digits.starts_with('0'))
    {
        return None;
    }
    text.parse().ok()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::token::base64url;
    use alloc::string::String;

    /// A compact cache as Better Auth writes one.
    pub(crate) fn make(key: &Hs256Key, data: &str, expires_ms: i64) -> String {
        let body = &data[1..data.len() - 1];
        let sep = if body.is_empty() { "" } else { "," };
        let signed = alloc::format!("{{{body}{sep}\"expiresAt\":{expires_ms}}}");
        let signature = base64url(&key.tag(signed.as_bytes()));
        base64url(
            alloc::format!(
                "{{\"session\":{data},\"expiresAt\":{expires_ms},\"signature\":\"{signature}\"}}"
            )
            .as_bytes(),
        )
    }

    #[test]
    fn verifies_the_spliced_text_and_nothing_else() {
        let key = Hs256Key::new(b"k3Jx9vQ2mW7pL4tZ8rB6nC1yH5sD0fGa");
        let value = make(&key, r#"{"a":1}"#, 5000);
        let ok = verify(&value, &key).unwrap();
        assert_eq!(
            (ok.data.as_slice(), ok.expires_ms),
            (&br#"{"a":1}"#[..], 5000)
        );
        assert!(verify(&make(&key, "{}", 5), &key).is_some());
        // Another key, a changed expiry, a changed body, an own expiresAt: refused.
        let other = Hs256Key::new(b"Zk3Jx9vQ2mW7pL4tZ8rB6nC1yH5sD0fG");
        assert!(verify(&value, &other).is_none());
        let json = String::from_utf8(decode_base64url(&value).unwrap()).unwrap();
        for (from, to) in [("5000", "5001"), ("\"a\":1", "\"a\":2"), ("5000", "5000.0")] {
            let forged = base64url(json.replacen(from, to, 1).as_bytes());
            assert!(verify(&forged, &key).is_none(), "{to}");
        }
        // Own `expiresAt`: the tag verifies over the splice, the data is refused when read.
        let own = verify(&make(&key, r#"{"expiresAt":9}"#, 5), &key).unwrap();
        assert!(crate::session::payload::read(&own.data, true).is_none());
        assert!(verify("not base64!", &key).is_none());
    }
}
