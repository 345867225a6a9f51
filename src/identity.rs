//! How the verified identity travels to the origin as `X-User-Id` / `X-User-Email`.
//!
//! Header values are bytes, and HTTP stacks disagree about anything but visible ASCII:
//! workerd sends UTF-8, Starlette reads Latin-1, `Headers.set` refuses control characters
//! and code points above U+00FF, every parser trims surrounding spaces and tabs. So every
//! host writes identity headers through [`identity_header_value`]: visible ASCII except
//! `%` passes unchanged (every ordinary id and email is forwarded byte for byte), every
//! other UTF-8 byte becomes `%XX`. An origin decodes with one strict percent-decoding
//! pass as UTF-8 (`urllib.parse.unquote(v, errors="strict")`, `decodeURIComponent(v)`);
//! `+` stays `+` (this is not form encoding).

use alloc::borrow::Cow;
use alloc::string::String;

/// Bytes that travel unchanged: visible ASCII (`!` to `~`), except `%`, the escape itself.
const fn is_plain(byte: u8) -> bool {
    byte.is_ascii_graphic() && byte != b'%'
}

/// The header value that carries `value` to the origin (see the module docs): `value`
/// itself when it is visible ASCII without `%`, else its percent-encoded UTF-8 bytes
/// (uppercase hex). Unambiguous: decoding gives back exactly `value`.
///
/// ```
/// use jwtgate::identity_header_value;
/// assert_eq!(identity_header_value("user_42@example.com"), "user_42@example.com");
/// assert_eq!(identity_header_value("usér"), "us%C3%A9r");
/// assert_eq!(identity_header_value(" 100% \r\n"), "%20100%25%20%0D%0A");
/// ```
pub fn identity_header_value(value: &str) -> Cow<'_, str> {
    if value.bytes().all(is_plain) {
        return Cow::Borrowed(value);
    }
    let mut out = String::with_capacity(value.len() * 3);
    for byte in value.bytes() {
        if is_plain(byte) {
            out.push(char::from(byte));
        } else {
            out.push('%');
            out.push(hex_digit(byte >> 4));
            out.push(hex_digit(byte & 0x0f));
        }
    }
    Cow::Owned(out)
}

/// Uppercase hex digit of a nibble (0..=15).
fn hex_digit(nibble: u8) -> char {
    char::from(if nibble < 10 {
        b'0' + nibble
    } else {
        b'A' + nibble - 10
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;

    /// A strict percent-decoder, as an origin would use.
    fn decode(encoded: &str) -> String {
        let bytes = encoded.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'%' {
                let hex = core::str::from_utf8(&bytes[i + 1..i + 3]).unwrap();
                out.push(u8::from_str_radix(hex, 16).unwrap());
                i += 3;
            } else {
                out.push(bytes[i]);
                i += 1;
            }
        }
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn ordinary_ids_and_emails_are_unchanged() {
        for v in [
            "u1",
            "user-1",
            "Xk3_9aB.cd-EF",
            "ann@example.com",
            "o'brien+tag@mail.example.org",
            "!#$&*/=?^_`{|}~-@x",
        ] {
            assert!(matches!(identity_header_value(v), Cow::Borrowed(s) if s == v));
        }
    }

    #[test]
    fn everything_else_is_encoded_and_decodes_back_exactly() {
        for (v, want) in [
            ("usér", "us%C3%A9r"),
            ("üser-1", "%C3%BCser-1"),
            ("δοκιμή@παράδειγμα.δοκιμή", "%CE%B4%CE%BF%CE%BA%CE%B9%CE%BC%CE%AE@%CF%80%CE%B1%CF%81%CE%AC%CE%B4%CE%B5%CE%B9%CE%B3%CE%BC%CE%B1.%CE%B4%CE%BF%CE%BA%CE%B9%CE%BC%CE%AE"),
            ("100%", "100%25"),
            ("%41", "%2541"),
            ("a@x.io\r\nX-User-Id: admin", "a@x.io%0D%0AX-User-Id:%20admin"),
            (" u1", "%20u1"),
            ("u1\t", "u1%09"),
            ("a b", "a%20b"),
            ("u\u{7f}1", "u%7F1"),
            ("\0", "%00"),
            ("😀", "%F0%9F%98%80"),
        ] {
            let got = identity_header_value(v);
            assert_eq!(got, want, "{v:?}");
            assert!(got.bytes().all(|b| b.is_ascii_graphic()), "{got}");
            assert_eq!(decode(&got), v);
        }
    }

    #[test]
    fn every_byte_round_trips() {
        let all: String = (0u32..0x800).filter_map(char::from_u32).collect();
        let encoded = identity_header_value(&all);
        assert!(encoded.bytes().all(|b| b.is_ascii_graphic() && b != b' '));
        assert_eq!(decode(&encoded), all);
    }
}
