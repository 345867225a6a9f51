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

/// The pieces of a `Cookie` header that each hold one `name=value`: split at `;`, and at
/// `", "`, which is how a Fetch `Headers` (Workers, Next.js, undici) joins repeated
/// `Cookie` lines. No cookie value holds `", "` (RFC 6265's cookie-octet has neither
/// byte; Better Auth writes none), so a second line can neither hide a cookie from the
/// session rules nor carry one past the origin plan. (Better Auth splits at `;` only: a
/// cookie in such a second line is one it would not see; the gate reads it.)
///
/// Each piece comes with whether it holds a `%` (only then is a value percent-decoded):
/// one pass finds separators and escapes together (in Wasm, a scan for each was most of
/// a repeated session decision, measured).
pub(crate) fn pieces(header: &str) -> impl Iterator<Item = (&str, bool)> {
    let mut rest = Some(header);
    core::iter::from_fn(move || {
        let text = rest?;
        let bytes = text.as_bytes();
        let (mut from, mut escaped) = (0, false);
        loop {
            let found = bytes
                .get(from..)
                .and_then(|tail| crate::scan::first_of(tail, [b';', b',', b'%']));
            let Some(at) = found.map(|i| from + i) else {
                rest = None;
                return Some((text, escaped));
            };
            let separator = match bytes.get(at) {
                Some(b';') => 1,
                Some(b',') if bytes.get(at + 1) == Some(&b' ') => 2,
                Some(b'%') => {
                    escaped = true;
                    0
                }
                _ => 0,
            };
            if separator > 0 {
                rest = text.get(at + separator..);
                return Some((text.get(..at)?, escaped));
            }
            from = at + 1;
        }
    })
}

/// Every `name=value` pair of a `Cookie` header, in order: its [`pieces`], name and value
/// trimmed of spaces and tabs, one pair of surrounding quotes removed. The value is raw
/// ([`Raw`]: decode it; only the cookies read are decoded).
pub(crate) fn pairs(header: &str) -> impl Iterator<Item = (&str, Raw<'_>)> {
    pieces(header).filter_map(|(pair, escaped)| {
        let (name, value) = pair.split_once('=')?;
        let name = name.trim_matches([' ', '\t']);
        let value = value.trim_matches([' ', '\t']);
        let value = value
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .unwrap_or(value);
        (!name.is_empty()).then_some((name, Raw { value, escaped }))
    })
}

/// A cookie value as it stands in the header, and whether its piece holds a `%`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Raw<'h> {
    pub(crate) value: &'h str,
    escaped: bool,
}

impl<'h> Raw<'h> {
    /// The value percent-decoded (Better Auth's `tryDecode`: when it decodes as UTF-8).
    pub(crate) fn decoded(self) -> Cow<'h, str> {
        if self.escaped {
            decode(self.value)
        } else {
            Cow::Borrowed(self.value)
        }
    }
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
pub(crate) enum Found<'h> {
    /// Not there.
    Absent,
    /// One value (or the same value repeated), decoded.
    One(Cow<'h, str>),
    /// Two different values under the same name (a browser sends both when two cookies
    /// differ by path or domain): which one Better Auth reads depends on the parser, so
    /// the gate reads neither.
    Conflict,
}

impl<'h> Found<'h> {
    /// This reading after one more pair with the cookie's name.
    fn and(self, value: Cow<'h, str>) -> Found<'h> {
        match self {
            Found::Absent => Found::One(value),
            Found::One(seen) if seen == value => Found::One(seen),
            _ => Found::Conflict,
        }
    }

    /// [`Found::and`] for a reading that keeps the raw value (decoded to compare only
    /// when a second, different raw value arrives).
    fn and_raw(self, raw: &'h str) -> Found<'h> {
        match self {
            Found::Absent => Found::One(Cow::Borrowed(raw)),
            Found::One(seen) if seen == raw || decode(&seen) == decode(raw) => Found::One(seen),
            _ => Found::Conflict,
        }
    }
}

/// The cookie named `name`.
pub(crate) fn find<'h>(header: &'h str, name: &str) -> Found<'h> {
    pairs(header)
        .filter(|(n, _)| *n == name)
        .fold(Found::Absent, |found, (_, value)| {
            found.and(value.decoded())
        })
}

/// The two cookies of a session, read in one pass over the header: the signed session
/// token (raw: [`decode`] it to read it), and the cache: whole, or its chunks joined
/// (canonical indices, one run from 0, at most [`MAX_CHUNKS`]).
pub(crate) struct SessionCookies<'h> {
    pub(crate) token: Found<'h>,
    pub(crate) data: Option<Cow<'h, str>>,
}

impl<'h> SessionCookies<'h> {
    pub(crate) fn read(header: &'h str, token_name: &str, data_name: &str) -> Self {
        let mut token = Found::Absent;
        let mut data = Found::Absent;
        let mut chunks = Chunks::default();
        for (name, value) in pairs(header) {
            if name == token_name {
                token = token.and_raw(value.value);
            } else if name == data_name {
                data = data.and(value.decoded());
            } else if let Some(suffix) = chunk_suffix(name, data_name) {
                chunks.add(suffix, value);
            }
        }
        let data = match data {
            Found::One(value) => Some(value),
            Found::Conflict => None,
            Found::Absent => chunks.joined().map(Cow::Owned),
        };
        SessionCookies { token, data }
    }
}

/// The chunk suffix of `name` (`{data_name}.{suffix}`), if it is one of `data_name`'s.
fn chunk_suffix<'n>(name: &'n str, data_name: &str) -> Option<&'n str> {
    name.strip_prefix(data_name)?.strip_prefix('.')
}

/// The chunks of a cache seen so far (`None` once one of them makes the value unusable).
struct Chunks<'h>(Option<Vec<(usize, Cow<'h, str>)>>);

impl Default for Chunks<'_> {
    fn default() -> Self {
        Chunks(Some(Vec::new()))
    }
}

impl<'h> Chunks<'h> {
    fn add(&mut self, suffix: &str, value: Raw<'h>) {
        let Some(chunks) = &mut self.0 else { return };
        let canonical = !suffix.is_empty()
            && suffix.len() <= 3
            && suffix.bytes().all(|b| b.is_ascii_digit())
            && (suffix == "0" || !suffix.starts_with('0'));
        match suffix.parse::<usize>() {
            Ok(index) if canonical && index < MAX_CHUNKS && chunks.len() < MAX_CHUNKS => {
                chunks.push((index, value.decoded()));
            }
            _ => self.0 = None,
        }
    }

    /// The chunks joined in index order, when they form one run from 0 without a gap
    /// or a repeat.
    fn joined(self) -> Option<String> {
        let chunks = self.0.filter(|c| !c.is_empty())?;
        // n chunks form a run from 0 when each index below n comes exactly once.
        let mut ordered: Vec<Option<Cow<'h, str>>> = Vec::new();
        ordered.resize_with(chunks.len(), || None);
        for (index, value) in chunks {
            match ordered.get_mut(index) {
                Some(cell @ None) => *cell = Some(value),
                _ => return None,
            }
        }
        ordered
            .into_iter()
            .collect::<Option<Vec<_>>>()
            .map(|v| v.concat())
    }
}

/// `name` itself, or else its chunks `name.0` … `name.{n-1}` joined in index order.
/// Chunk indices must be canonical decimals forming one run from 0 without a gap or a
/// repeat, at most [`MAX_CHUNKS`]; anything else reads as no usable value (`None`).
#[cfg(test)]
pub(crate) fn chunked<'h>(header: &'h str, name: &str) -> Option<Cow<'h, str>> {
    SessionCookies::read(header, "", name).data
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
            .map(|(n, v)| (n, v.decoded().into_owned()))
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
    fn joined_cookie_lines_are_separate_pairs() {
        let got: Vec<_> = pairs("a=1, b=2; c=3,d")
            .map(|(n, v)| (n, v.value))
            .collect();
        assert_eq!(got, [("a", "1"), ("b", "2"), ("c", "3,d")]);
    }

    #[test]
    fn repeated_names_agree_or_conflict() {
        assert_eq!(find("a=1; a=1", "a"), Found::One(Cow::Borrowed("1")));
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
