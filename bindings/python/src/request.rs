//! The request pieces a Python host hands over, in the core's terms ([`jwtgate::Field`]).
//! Sizes are read before anything is copied: an `Authorization` value longer than
//! [`MAX_AUTHORIZATION_BYTES`] is judged by its head alone, as the core's `bearer_token`
//! documents, and only that head crosses into Rust.

use std::borrow::Cow;

use jwtgate::{Field, AUTHORIZATION_HEAD_BYTES, MAX_AUTHORIZATION_BYTES};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PySlice, PyString};

use crate::text;

/// `Authorization` as this call holds it.
pub(crate) enum Authorization<'a> {
    /// Not sent.
    Absent,
    /// One value (`gate.authorize`'s argument).
    One(Cow<'a, str>),
    /// Every field line (ASGI header values), Latin-1 decoded as Starlette does.
    Lines(Vec<Cow<'a, str>>),
    /// Longer than the core ever reads: only the value's head, which the core judges as it
    /// judges the whole value ([`Field::Oversized`]).
    Oversized(String),
}

/// An oversized value whose first bytes are `head`.
fn oversized(head: &str) -> Authorization<'static> {
    Authorization::Oversized(head.to_owned())
}

/// Latin-1 (what an ASGI header value is read as): ASCII borrowed, the rest widened.
fn latin1(bytes: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(ascii) if bytes.is_ascii() => Cow::Borrowed(ascii),
        _ => Cow::Owned(bytes.iter().map(|&b| char::from(b)).collect()),
    }
}

impl<'a> Authorization<'a> {
    /// `gate.authorize`'s `authorization` (a `str` or `None`). The length in characters is a
    /// lower bound of the UTF-8 length: above the limit only the first characters are read.
    pub(crate) fn from_str(value: Option<&'a Bound<'_, PyString>>) -> PyResult<Self> {
        let Some(value) = value else {
            return Ok(Authorization::Absent);
        };
        if value.len()? > MAX_AUTHORIZATION_BYTES {
            let slice = PySlice::new(value.py(), 0, AUTHORIZATION_HEAD_BYTES as isize, 1);
            let head = value.get_item(slice)?;
            let head = head.cast::<PyString>()?;
            return Ok(oversized(&text(head)));
        }
        Ok(Authorization::One(text(value)))
    }

    /// Every `Authorization` field line of an ASGI scope, as `bytes`. Their combined length
    /// (lines joined with `", "`, RFC 9110 §5.3) is known before any byte is read.
    pub(crate) fn from_lines(lines: &'a [Bound<'_, PyBytes>]) -> Self {
        let bytes: Vec<&[u8]> = lines.iter().map(|line| line.as_bytes()).collect();
        let total =
            bytes.iter().map(|b| b.len()).sum::<usize>() + 2 * bytes.len().saturating_sub(1);
        if bytes.is_empty() {
            return Authorization::Absent;
        }
        if total > MAX_AUTHORIZATION_BYTES {
            // UTF-8 of Latin-1 is never shorter: oversized whatever the decoding.
            let mut head = String::new();
            for (i, line) in bytes.iter().enumerate() {
                if head.len() >= AUTHORIZATION_HEAD_BYTES {
                    break;
                }
                if i > 0 {
                    head.push_str(", ");
                }
                let take = line.len().min(AUTHORIZATION_HEAD_BYTES);
                head.push_str(&latin1(line.get(..take).unwrap_or(line)));
            }
            return oversized(&head);
        }
        Authorization::Lines(bytes.into_iter().map(latin1).collect())
    }

    /// Runs `f` with the core's [`Field`] for this value.
    pub(crate) fn with_field<R>(&self, f: impl FnOnce(Field<'_>) -> R) -> R {
        match self {
            Authorization::Absent => f(Field::Absent),
            Authorization::One(value) => f(Field::Value(value)),
            Authorization::Oversized(head) => f(Field::Oversized(head.as_bytes())),
            Authorization::Lines(lines) => {
                let lines: Vec<&str> = lines.iter().map(|l| l.as_ref()).collect();
                f(Field::Lines(&lines))
            }
        }
    }
}
