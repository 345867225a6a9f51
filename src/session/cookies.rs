//! Reading Better Auth's cookies out of a `Cookie` header: the pairs as Better Auth's
//! `parseCookies` splits them, the signed `session_token`, and `session_data` whole or
//! reassembled from its chunks (`name.0`, `name.1`, …).

use alloc::borrow::Cow;
use alloc::string::String;
use alloc::vec::Vec;

use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use base64::Engine;

use crate::keys::hs256::Hs256Key;

/// Most chunks Better Auth writes for one value (`MAX_COOKIE_CHUNKS`).
pub const MAX_CHUNKS: usize = 100;

/// Standard, padded base64 (the signature of a signed cookie: `btoa` of 32 bytes).
const B64_PADDED: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::RequireCanonical)
        .with_decode_allow_trailing_bits(false),
);

/// Every `name=value` pair of a `Cookie` header, in order: split at `;`, name and value
/// trimmed of spaces and tabs, one pair of surrounding quotes removed. The value is raw:
/// [`decode`] it (only the cookies read are decoded).
pub(crate) fn pairs(header: &str) -> impl Iterator<Item = (&str, &str)> {
    header.split(';').filter_map(|pair| {
        let (name, value) = pair.split_once('=')?;
        let name = name.trim_matches([' ', '\t']);
        let value = value.trim_matches([' ', '\t']);
        let value = value
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .unwrap_or(value);
        (!name.is_empty()).then_some((name, value))
    })
}

/// A cookie value percent-decoded when it decodes as UTF-8 (Better Auth's `tryDecode`),
/// else as it is.
pub(crate) fn decode(value: &str) -> Cow<'_, str> {
    if !value.contains('%') {
        return Cow::Borrowed(value);
    }
    percent_encoding::percent_decode_str(value)
        .decode_utf8()
        .unwrap_or(Cow::Borrowed(value))
}

/// What the `Cookie` header holds of one named cookie.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Found {
    /// Not there.
    Absent,
    /// One value (or the same value repeated).
    One(String),
    /// Two different values under the same name (a browser sends both when two cookies
    /// differ by path or domain): which one Better Auth reads depends on the parser, so
    /// the gate reads neither.
    Conflict,
}

/// The cookie named `name`.
pub(crate) fn find(header: &str, name: &str) -> Found {
    let mut found = Found::Absent;
    for (n, value) in pairs(header) {
        if n != name {
            continue;
        }
        let value = decode(value);
        found = match found {
            Found::Absent => Found::One(value.into_owned()),
            Found::One(seen) if seen == value => Found::One(seen),
            _ => Found::Conflict,
        };
    }
    found
}

/// `name` itself, or else its chunks `name.0` … `name.{n-1}` joined in index order.
/// Chunk indices must be canonical decimals forming one run from 0 without a gap or a
/// repeat, at most [`MAX_CHUNKS`]; anything else reads as no usable value (`None`).
pub(crate) fn chunked(header: &str, name: &str) -> Option<String> {
    match find(header, name) {
        Found::One(value) => return Some(value),
        Found::Conflict => return None,
        Found::Absent => {}
    }
    let mut chunks: Vec<(usize, Cow<'_, str>)> = Vec::new();
    for (n, value) in pairs(header) {
        let Some(suffix) = n.strip_prefix(name).and_then(|s| s.strip_prefix('.')) else {
            continue;
        };
        let canonical = !suffix.is_empty()
            && suffix.bytes().all(|b| b.is_ascii_digit())
            && (suffix == "0" || !suffix.starts_with('0'))
            && suffix.len() <= 3;
        let index = suffix.parse::<usize>().ok().filter(|_| canonical)?;
        if index >= MAX_CHUNKS || chunks.len() >= MAX_CHUNKS {
            return None;
        }
        chunks.push((index, decode(value)));
    }
    if chunks.is_empty() {
        return None;
    }
    chunks.sort_by_key(|(index, _)| *index);
    if chunks.iter().enumerate().any(|(i, (index, _))| i != *index) {
        return None;
    }
    Some(chunks.into_iter().map(|(_, value)| value).collect())
}

/// The value a signed cookie carries (`value.` + base64 HMAC-SHA256 of `value`, as
/// better-call's `getSignedCookie` checks it), when the tag is `key`'s; `None` otherwise.
pub(crate) fn verify_signed<'v>(signed: &'v str, key: &Hs256Key) -> Option<&'v str> {
    let (value, signature) = signed.rsplit_once('.')?;
    if value.is_empty() || signature.len() != 44 || !signature.ends_with('=') {
        return None;
    }
    let tag = B64_PADDED.decode(signature).ok()?;
    key.verify_tag(value.as_bytes(), &tag).then_some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_trim_unquote_and_decode() {
        let got: Vec<_> = pairs(" a=1; b = \"x%3D\" ;c=%E0%A4%A;d;=e")
            .map(|(n, v)| (n, decode(v).into_owned()))
            .collect();
        assert_eq!(
            got,
            [
                ("a", String::from("1")),
                ("b", String::from("x=")),
                ("c", String::from("%E0%A4%A"))
            ]
        );
    }

    #[test]
    fn repeated_names_agree_or_conflict() {
        assert_eq!(find("a=1; a=1", "a"), Found::One(String::from("1")));
        assert_eq!(find("a=1; a=2", "a"), Found::Conflict);
        assert_eq!(find("b=1", "a"), Found::Absent);
    }

    #[test]
    fn chunks_join_in_order_and_refuse_gaps() {
        assert_eq!(chunked("d.1=b; d.0=a", "d").as_deref(), Some("ab"));
        assert_eq!(chunked("d=x; d.0=a", "d").as_deref(), Some("x"));
        assert_eq!(chunked("d.0=a; d.2=c", "d"), None);
        assert_eq!(chunked("d.00=a", "d"), None);
        assert_eq!(chunked("d.0=a; d.0=b", "d"), None);
        assert_eq!(chunked("d.1=a", "d"), None);
        assert_eq!(chunked("dx.0=a", "d"), None);
        let many: String = (0..=MAX_CHUNKS)
            .map(|i| alloc::format!("d.{i}=x;"))
            .collect();
        assert_eq!(chunked(&many, "d"), None);
    }

    #[test]
    fn signed_values_need_the_exact_tag() {
        let key = Hs256Key::new(b"k3Jx9vQ2mW7pL4tZ8rB6nC1yH5sD0fGa");
        let tag = B64_PADDED.encode(key.tag(b"tok"));
        let signed = alloc::format!("tok.{tag}");
        assert_eq!(verify_signed(&signed, &key), Some("tok"));
        assert_eq!(verify_signed(&alloc::format!("tox.{tag}"), &key), None);
        assert_eq!(verify_signed(&alloc::format!(".{tag}"), &key), None);
        assert_eq!(verify_signed("tok", &key), None);
        let other = Hs256Key::new(b"Zk3Jx9vQ2mW7pL4tZ8rB6nC1yH5sD0fG");
        assert_eq!(verify_signed(&signed, &other), None);
    }
}
