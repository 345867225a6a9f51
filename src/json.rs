//! Just enough JSON reading for JOSE headers and claim sets, on top of `serde_json`:
//! every object is checked for duplicate member names (at every depth, after
//! unescaping), and only the members the policy reads are kept.

use alloc::borrow::Cow;
use alloc::collections::BTreeSet;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

/// A JSON value reduced to what claim checks need. Objects are walked (for
/// duplicate names) and dropped; numbers that are not `i64` are `OtherNumber`.
#[derive(Debug, PartialEq)]
pub(crate) enum Loose<'a> {
    Str(Cow<'a, str>),
    Int(i64),
    OtherNumber,
    Bool(bool),
    Null,
    Array(Vec<Loose<'a>>),
    Object,
}

impl<'a> Loose<'a> {
    pub(crate) fn as_str(&self) -> Option<&str> {
        match self {
            Loose::Str(s) => Some(s),
            _ => None,
        }
    }
    pub(crate) fn as_int(&self) -> Option<i64> {
        match self {
            Loose::Int(i) => Some(*i),
            _ => None,
        }
    }
}

/// A member name, borrowed from the input when it has no escapes.
pub(crate) struct Key<'a>(pub(crate) Cow<'a, str>);

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
pub(crate) struct SeenNames<'a> {
    names: BTreeSet<Cow<'a, str>>,
}

impl<'a> SeenNames<'a> {
    pub(crate) fn insert<E: de::Error>(&mut self, key: Cow<'a, str>) -> Result<(), E> {
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
pub(crate) fn read_object<'de>(
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

#[cfg(test)]
mod tests {
    use super::*;

    fn members(json: &str) -> Result<Vec<(String, Loose<'_>)>, serde_json::Error> {
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
        let m = members(r#"{"a":"x","b":1,"c":-2,"d":1.5,"e":true,"f":null,"g":["y",2],"h":{"i":1},"skip":[{}]}"#).unwrap();
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
}
