//! Tests of the JSON reader (src/json.rs): its rules case by case, and a differential test
//! holding it to serde_json (the oracle below, the implementation it replaced).

use super::*;

/// The previous implementation on serde_json, kept as the oracle of the differential test.
mod oracle {
    use alloc::borrow::Cow;
    use alloc::collections::BTreeSet;
    use alloc::string::String;
    use alloc::vec::Vec;
    use core::fmt;

    use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

    use super::Loose;

    /// A member name, borrowed from the input when it has no escapes.
    pub(super) struct Key<'a>(pub(super) Cow<'a, str>);

    impl<'de> Deserialize<'de> for Key<'de> {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct V;
            impl<'de> Visitor<'de> for V {
                type Value = Key<'de>;
                fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    f.write_str("a member name")
                }
                fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                    Ok(Key(Cow::Borrowed(v)))
                }
                fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                    Ok(Key(Cow::Owned(String::from(v))))
                }
                fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                    Ok(Key(Cow::Owned(v)))
                }
            }
            d.deserialize_str(V)
        }
    }

    /// Remembers member names of one object; refuses a repeat.
    #[derive(Default)]
    pub(super) struct SeenNames<'a> {
        names: BTreeSet<Cow<'a, str>>,
    }

    impl<'a> SeenNames<'a> {
        pub(super) fn insert<E: de::Error>(&mut self, key: Cow<'a, str>) -> Result<(), E> {
            if self.names.insert(key) {
                Ok(())
            } else {
                Err(E::custom("duplicate member name"))
            }
        }
    }

    impl<'de> Deserialize<'de> for Loose<'de> {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            d.deserialize_any(LooseVisitor)
        }
    }

    struct LooseVisitor;

    impl<'de> Visitor<'de> for LooseVisitor {
        type Value = Loose<'de>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("any JSON value")
        }
        fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
            Ok(Loose::Bool(v))
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
            Ok(Loose::Int(v))
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
            Ok(i64::try_from(v).map_or(Loose::OtherNumber, Loose::Int))
        }
        fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
            Ok(Loose::OtherNumber)
        }
        fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
            Ok(Loose::Str(Cow::Borrowed(v)))
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            Ok(Loose::Str(Cow::Owned(String::from(v))))
        }
        fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
            Ok(Loose::Str(Cow::Owned(v)))
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(Loose::Null)
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            let mut items = Vec::new();
            while let Some(item) = seq.next_element::<Loose<'de>>()? {
                items.push(item);
            }
            Ok(Loose::Array(items))
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut seen = SeenNames::default();
            while let Some(Key(k)) = map.next_key::<Key<'de>>()? {
                seen.insert(k.clone())?;
                map.next_value::<Loose<'de>>()?;
            }
            Ok(Loose::Object)
        }
    }

    /// Walks any JSON value without keeping it, still refusing repeated member names.
    struct Skip;

    impl<'de> Deserialize<'de> for Skip {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            d.deserialize_any(SkipVisitor)
        }
    }

    struct SkipVisitor;

    impl<'de> Visitor<'de> for SkipVisitor {
        type Value = Skip;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("any JSON value")
        }
        fn visit_bool<E: de::Error>(self, _: bool) -> Result<Skip, E> {
            Ok(Skip)
        }
        fn visit_i64<E: de::Error>(self, _: i64) -> Result<Skip, E> {
            Ok(Skip)
        }
        fn visit_u64<E: de::Error>(self, _: u64) -> Result<Skip, E> {
            Ok(Skip)
        }
        fn visit_f64<E: de::Error>(self, _: f64) -> Result<Skip, E> {
            Ok(Skip)
        }
        fn visit_str<E: de::Error>(self, _: &str) -> Result<Skip, E> {
            Ok(Skip)
        }
        fn visit_unit<E: de::Error>(self) -> Result<Skip, E> {
            Ok(Skip)
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Skip, A::Error> {
            while seq.next_element::<Skip>()?.is_some() {}
            Ok(Skip)
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Skip, A::Error> {
            let mut seen = SeenNames::default();
            while let Some(Key(k)) = map.next_key::<Key<'de>>()? {
                seen.insert(k.clone())?;
                map.next_value::<Skip>()?;
            }
            Ok(Skip)
        }
    }

    /// Reads one top-level object: members named by `wanted` are handed to `on_member`,
    /// the rest are walked (for duplicate names) and dropped.
    struct ObjectReader<'f, W, F> {
        wanted: W,
        on_member: &'f mut F,
    }

    impl<'de, W, F> Visitor<'de> for ObjectReader<'_, W, F>
    where
        W: Fn(&str) -> bool,
        F: FnMut(&str, Loose<'de>),
    {
        type Value = ();
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a JSON object")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
            let mut seen = SeenNames::default();
            while let Some(Key(k)) = map.next_key::<Key<'de>>()? {
                seen.insert(k.clone())?;
                if (self.wanted)(&k) {
                    let v = map.next_value::<Loose<'de>>()?;
                    (self.on_member)(&k, v);
                } else {
                    map.next_value::<Skip>()?;
                }
            }
            Ok(())
        }
    }

    /// Parses `bytes` as exactly one JSON object. Fails on anything else, on trailing
    /// data, invalid UTF-8, nesting deeper than serde_json's limit, or a repeated
    /// member name at any depth (names compared after unescaping).
    pub(super) fn read_object<'de>(
        bytes: &'de [u8],
        wanted: impl Fn(&str) -> bool,
        mut on_member: impl FnMut(&str, Loose<'de>),
    ) -> Result<(), serde_json::Error> {
        let mut de = serde_json::Deserializer::from_slice(bytes);
        de::Deserializer::deserialize_map(
            &mut de,
            ObjectReader {
                wanted,
                on_member: &mut on_member,
            },
        )?;
        de.end()
    }
}

fn members(json: &str) -> Result<Vec<(String, Loose<'_>)>, JsonError> {
    let mut out = Vec::new();
    read_object(
        json.as_bytes(),
        |n| n != "skip",
        |n, v| out.push((String::from(n), v)),
    )?;
    Ok(out)
}

#[test]
fn reads_members_and_types() {
    let m = members(
        r#"{"a":"x","b":1,"c":-2,"d":1.5,"e":true,"f":null,"g":["y",2],"h":{"i":1},"skip":[{}]}"#,
    )
    .unwrap();
    assert_eq!(m[0].1, Loose::Str(Cow::Borrowed("x")));
    assert_eq!(m[1].1.as_int(), Some(1));
    assert_eq!(m[2].1.as_int(), Some(-2));
    assert_eq!(m[3].1, Loose::OtherNumber);
    assert_eq!(m[4].1, Loose::Bool(true));
    assert_eq!(m[5].1, Loose::Null);
    assert_eq!(
        m[6].1,
        Loose::Array(alloc::vec![Loose::Str(Cow::Borrowed("y")), Loose::Int(2)])
    );
    assert_eq!(m[7].1, Loose::Object);
    assert_eq!(m.len(), 8);
    assert_eq!(
        members(r#"{"n":18446744073709551615}"#).unwrap()[0].1,
        Loose::OtherNumber
    );
}

#[test]
fn refuses_duplicates_at_every_depth_even_escaped() {
    assert!(members(r#"{"a":1,"a":2}"#).is_err());
    assert!(members(r#"{"sub":1,"s\u0075b":2}"#).is_err());
    assert!(members(r#"{"h":{"x":1,"x":1}}"#).is_err());
    assert!(members(r#"{"skip":[{"x":1,"x":1}]}"#).is_err());
    assert!(members(r#"{"a":1,"b":{"a":1}}"#).is_ok());
}

#[test]
fn refuses_non_objects_trailing_data_and_deep_nesting() {
    for bad in [
        "[]",
        "\"s\"",
        "1",
        "null",
        "{} {}",
        "{",
        "{\"a\":}",
        "{\"a\":\"\\ud800\"}",
    ] {
        assert!(members(bad).is_err(), "{bad}");
    }
    let deep = alloc::format!("{{\"skip\":{}{}}}", "[".repeat(200), "]".repeat(200));
    assert!(members(&deep).is_err());
    assert!(read_object(b"{\"a\":\"\xff\"}", |_| true, |_, _| {}).is_err());
}

/// Pieces the generator glues and mutates: tricky numbers, escapes, names.
const PIECES: &[&str] = &[
    "{", "}", "[", "]", ":", ",", " ", "\n", "\"a\"", "\"sub\"", "\"s\\u0075b\"", "\"\"",
    "0", "-0", "1", "-1", "01", "1.", ".5", "1.5", "1e5", "1E+2", "1e-400", "1e400",
    "-", "+1", "1e", "1e+", "18446744073709551615", "18446744073709551616",
    "9223372036854775807", "9223372036854775808", "-9223372036854775808",
    "-9223372036854775809", "1.7976931348623157e308", "1.7976931348623159e308",
    "179769313486231580000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000.5",
    "0.00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000001e-10",
    "1e2147483648", "0e2147483648", "1e-2147483648", "12345678901234567890123.456e-5",
    "true", "false", "null", "nul", "tru", "\"\\ud800\"", "\"\\udc00\"", "\"\\ud83d\\ude00\"",
    "\"\\ud83d\\u0041\"", "\"\\ud83dx\"", "\"\\x\"", "\"\\u00e9\"", "\"é\"", "\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"",
    "\"\u{1}\"", "\"\u{7f}\"", "\"a\\u0000b\"",
];

fn render(v: &proptest_value::V, out: &mut String) {
    use proptest_value::V;
    match v {
        V::Piece(i) => out.push_str(PIECES[*i % PIECES.len()]),
        V::Arr(items) => {
            out.push('[');
            for (i, it) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                render(it, out);
            }
            out.push(']');
        }
        V::Obj(members) => {
            out.push('{');
            for (i, (k, it)) in members.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(
                    [
                        "\"a\"",
                        "\"b\"",
                        "\"sub\"",
                        "\"s\\u0075b\"",
                        "\"aud\"",
                        "\"\"",
                    ][*k % 6],
                );
                out.push(':');
                render(it, out);
            }
            out.push('}');
        }
    }
}

mod proptest_value {
    use proptest::prelude::*;
    #[derive(Debug, Clone)]
    pub enum V {
        Piece(usize),
        Arr(alloc::vec::Vec<V>),
        Obj(alloc::vec::Vec<(usize, V)>),
    }
    pub fn value() -> impl Strategy<Value = V> {
        let leaf = (0usize..200).prop_map(V::Piece);
        leaf.prop_recursive(4, 24, 4, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..4).prop_map(V::Arr),
                proptest::collection::vec((0usize..6, inner), 0..5).prop_map(V::Obj),
            ]
        })
    }
}

/// Members read (name, debug of value), or `Err(())` when the document is refused.
type Reading = Result<Vec<(String, String)>, ()>;

fn both(bytes: &[u8]) -> (Reading, Reading) {
    let mut ours = Vec::new();
    let a = read_object(
        bytes,
        |n| n != "b",
        |n, v| ours.push((String::from(n), alloc::format!("{v:?}"))),
    );
    let mut theirs = Vec::new();
    let b = oracle::read_object(
        bytes,
        |n| n != "b",
        |n, v| theirs.push((String::from(n), alloc::format!("{v:?}"))),
    );
    (
        a.map(|()| ours).map_err(|_| ()),
        b.map(|()| theirs).map_err(|_| ()),
    )
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(20_000))]
    #[test]
    fn same_decisions_and_members_as_serde_json(
        v in proptest_value::value(),
        cuts in proptest::collection::vec((0usize..400, 0usize..200, 0u8..3), 0..3),
    ) {
        let mut text = String::new();
        render(&v, &mut text);
        let mut bytes = text.into_bytes();
        for (at, piece, op) in cuts {
            let at = at % (bytes.len() + 1);
            match op {
                0 if at < bytes.len() => { bytes.remove(at); }
                1 => { let p = PIECES[piece % PIECES.len()].as_bytes(); bytes.splice(at..at, p.iter().copied()); }
                _ => { if at < bytes.len() { bytes[at] = [b'"', b'\\', 0xff, b'{', b'1', b' '][piece % 6]; } }
            }
        }
        let (ours, theirs) = both(&bytes);
        proptest::prop_assert_eq!(ours, theirs, "{:?}", alloc::string::String::from_utf8_lossy(&bytes));
    }
}

#[test]
fn same_as_serde_json_on_every_piece_as_a_member() {
    for p in PIECES {
        for text in [
            alloc::format!("{{\"a\":{p}}}"),
            alloc::format!("{{\"a\":[{p}]}}"),
            alloc::format!("{{{p}:1}}"),
            String::from(*p),
        ] {
            let (ours, theirs) = both(text.as_bytes());
            assert_eq!(ours, theirs, "{text}");
        }
    }
    let deep = |n: usize| alloc::format!("{{\"a\":{}{}}}", "[".repeat(n), "]".repeat(n));
    for n in [125, 126, 127, 128] {
        assert_eq!(
            both(deep(n).as_bytes()).0.is_ok(),
            both(deep(n).as_bytes()).1.is_ok(),
            "{n}"
        );
    }
    let many: String = (0..100).map(|i| alloc::format!("\"k{i}\":1,")).collect();
    for tail in ["\"k7\":2}", "\"k100\":2}"] {
        let text = alloc::format!("{{{many}{tail}");
        assert_eq!(
            both(text.as_bytes()).0.is_ok(),
            both(text.as_bytes()).1.is_ok()
        );
    }
}
