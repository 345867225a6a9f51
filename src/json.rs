//! Just enough JSON reading for JOSE headers and claim sets: a strict RFC 8259 reader
//! that checks every object for duplicate member names (at every depth, after
//! unescaping) and keeps only the members the policy reads.
//!
//! It accepts exactly what `serde_json` (1.x, default features) accepts — same grammar,
//! same string validation (UTF-8, control characters, escapes, lone surrogates), same
//! nesting limit (127), same number range rules (a number whose `f64` value overflows is
//! an error, computed the way serde_json does) — and a differential test holds it to
//! that. It exists because serde_json's error machinery (float formatting) doubled the
//! Wasm engine's size, and walking members with serde visitors cost more than the HMAC.

use alloc::borrow::Cow;
use alloc::string::String;
use alloc::vec::Vec;

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
    /// An object's members, in order: only from [`read_object_deep`] (key sets).
    Members(Vec<(Cow<'a, str>, Loose<'a>)>),
    /// A member's value as it stands in the input (validated, not parsed): only from
    /// [`read_object_raw`] (signed session caches, checked over their exact bytes).
    Raw(&'a str),
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

/// The input is not one duplicate-free JSON object (no detail: callers map it to their own error).
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct JsonError;

type R<T> = Result<T, JsonError>;

/// serde_json's recursion limit: containers may nest 127 deep.
const MAX_DEPTH: u32 = 127;

/// `10^i` as serde_json's `f64_from_parts` uses them (correctly rounded literals).
#[allow(clippy::excessive_precision)]
static POW10: [f64; 309] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22, 1e23, 1e24, 1e25, 1e26, 1e27, 1e28, 1e29, 1e30, 1e31, 1e32,
    1e33, 1e34, 1e35, 1e36, 1e37, 1e38, 1e39, 1e40, 1e41, 1e42, 1e43, 1e44, 1e45, 1e46, 1e47, 1e48,
    1e49, 1e50, 1e51, 1e52, 1e53, 1e54, 1e55, 1e56, 1e57, 1e58, 1e59, 1e60, 1e61, 1e62, 1e63, 1e64,
    1e65, 1e66, 1e67, 1e68, 1e69, 1e70, 1e71, 1e72, 1e73, 1e74, 1e75, 1e76, 1e77, 1e78, 1e79, 1e80,
    1e81, 1e82, 1e83, 1e84, 1e85, 1e86, 1e87, 1e88, 1e89, 1e90, 1e91, 1e92, 1e93, 1e94, 1e95, 1e96,
    1e97, 1e98, 1e99, 1e100, 1e101, 1e102, 1e103, 1e104, 1e105, 1e106, 1e107, 1e108, 1e109, 1e110,
    1e111, 1e112, 1e113, 1e114, 1e115, 1e116, 1e117, 1e118, 1e119, 1e120, 1e121, 1e122, 1e123,
    1e124, 1e125, 1e126, 1e127, 1e128, 1e129, 1e130, 1e131, 1e132, 1e133, 1e134, 1e135, 1e136,
    1e137, 1e138, 1e139, 1e140, 1e141, 1e142, 1e143, 1e144, 1e145, 1e146, 1e147, 1e148, 1e149,
    1e150, 1e151, 1e152, 1e153, 1e154, 1e155, 1e156, 1e157, 1e158, 1e159, 1e160, 1e161, 1e162,
    1e163, 1e164, 1e165, 1e166, 1e167, 1e168, 1e169, 1e170, 1e171, 1e172, 1e173, 1e174, 1e175,
    1e176, 1e177, 1e178, 1e179, 1e180, 1e181, 1e182, 1e183, 1e184, 1e185, 1e186, 1e187, 1e188,
    1e189, 1e190, 1e191, 1e192, 1e193, 1e194, 1e195, 1e196, 1e197, 1e198, 1e199, 1e200, 1e201,
    1e202, 1e203, 1e204, 1e205, 1e206, 1e207, 1e208, 1e209, 1e210, 1e211, 1e212, 1e213, 1e214,
    1e215, 1e216, 1e217, 1e218, 1e219, 1e220, 1e221, 1e222, 1e223, 1e224, 1e225, 1e226, 1e227,
    1e228, 1e229, 1e230, 1e231, 1e232, 1e233, 1e234, 1e235, 1e236, 1e237, 1e238, 1e239, 1e240,
    1e241, 1e242, 1e243, 1e244, 1e245, 1e246, 1e247, 1e248, 1e249, 1e250, 1e251, 1e252, 1e253,
    1e254, 1e255, 1e256, 1e257, 1e258, 1e259, 1e260, 1e261, 1e262, 1e263, 1e264, 1e265, 1e266,
    1e267, 1e268, 1e269, 1e270, 1e271, 1e272, 1e273, 1e274, 1e275, 1e276, 1e277, 1e278, 1e279,
    1e280, 1e281, 1e282, 1e283, 1e284, 1e285, 1e286, 1e287, 1e288, 1e289, 1e290, 1e291, 1e292,
    1e293, 1e294, 1e295, 1e296, 1e297, 1e298, 1e299, 1e300, 1e301, 1e302, 1e303, 1e304, 1e305,
    1e306, 1e307, 1e308,
];

/// serde_json's `overflow!(a * 10 + b, c)`.
fn overflows_u64(a: u64, digit: u64) -> bool {
    a >= u64::MAX / 10 && (a > u64::MAX / 10 || digit > u64::MAX % 10)
}

struct Reader<'de> {
    bytes: &'de [u8],
    /// `bytes` as text: validated once up front (JSON outside strings is ASCII, so
    /// invalid UTF-8 anywhere is an error either way).
    text: &'de str,
    pos: usize,
    depth: u32,
    /// Keep nested objects' members ([`Loose::Members`]) instead of dropping them.
    keep_objects: bool,
    /// Hand wanted members over as their raw text ([`Loose::Raw`]).
    raw: bool,
}

impl<'de> Reader<'de> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }
    /// The next byte, or 0 at the end (like serde_json's `peek_or_null`).
    fn peek_or_null(&self) -> u8 {
        self.peek().unwrap_or(0)
    }
    fn next(&mut self) -> R<u8> {
        let b = self.peek().ok_or(JsonError)?;
        self.pos += 1;
        Ok(b)
    }
    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\n' | b'\t' | b'\r') = self.peek() {
            self.pos += 1;
        }
    }
    fn expect_ident(&mut self, ident: &[u8]) -> R<()> {
        let end = self.pos + ident.len();
        if self.bytes.get(self.pos..end) == Some(ident) {
            self.pos = end;
            Ok(())
        } else {
            Err(JsonError)
        }
    }

    fn enter(&mut self) -> R<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            Err(JsonError)
        } else {
            Ok(())
        }
    }

    /// One value (leading whitespace skipped). `keep`: build a [`Loose`]; else only validate.
    fn value(&mut self, keep: bool) -> R<Loose<'de>> {
        self.skip_ws();
        match self.peek().ok_or(JsonError)? {
            b'"' => {
                self.pos += 1;
                let s = self.string()?;
                Ok(if keep { Loose::Str(s) } else { Loose::Null })
            }
            b'{' => {
                self.enter()?;
                self.pos += 1;
                let value = if keep && self.keep_objects {
                    let mut members = Vec::new();
                    self.object(&mut |_| true, &mut |name, value| {
                        members.push((Cow::Owned(String::from(name)), value))
                    })?;
                    Loose::Members(members)
                } else {
                    self.object(&mut |_| false, &mut |_, _| {})?;
                    Loose::Object
                };
                self.depth -= 1;
                Ok(value)
            }
            b'[' => {
                self.enter()?;
                self.pos += 1;
                let mut items = Vec::new();
                self.skip_ws();
                if self.peek() == Some(b']') {
                    self.pos += 1;
                } else {
                    loop {
                        let item = self.value(keep)?;
                        if keep {
                            items.push(item);
                        }
                        self.skip_ws();
                        match self.next()? {
                            b',' => {}
                            b']' => break,
                            _ => return Err(JsonError),
                        }
                    }
                }
                self.depth -= 1;
                Ok(Loose::Array(items))
            }
            b't' => self.expect_ident(b"true").map(|()| Loose::Bool(true)),
            b'f' => self.expect_ident(b"false").map(|()| Loose::Bool(false)),
            b'n' => self.expect_ident(b"null").map(|()| Loose::Null),
            b'-' => {
                self.pos += 1;
                self.integer(false)
            }
            b'0'..=b'9' => self.integer(true),
            _ => Err(JsonError),
        }
    }

    /// Members after `{` up to and including `}`; repeated names are an error.
    fn object(
        &mut self,
        wanted: &mut dyn FnMut(&str) -> bool,
        on_member: &mut dyn FnMut(&str, Loose<'de>),
    ) -> R<()> {
        let mut names: Vec<Cow<'de, str>> = Vec::with_capacity(16);
        self.skip_ws();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(());
        }
        loop {
            self.skip_ws();
            if self.next()? != b'"' {
                return Err(JsonError);
            }
            let name = self.string()?;
            self.skip_ws();
            if self.next()? != b':' {
                return Err(JsonError);
            }
            if wanted(&name) && self.raw {
                self.skip_ws();
                let start = self.pos;
                if self.peek() == Some(b'{') {
                    self.delimit_object()?;
                } else {
                    self.value(false)?;
                }
                let text = self.text.get(start..self.pos).ok_or(JsonError)?;
                on_member(&name, Loose::Raw(text));
            } else if wanted(&name) {
                let value = self.value(true)?;
                on_member(&name, value);
            } else {
                self.value(false)?;
            }
            names.push(name);
            self.skip_ws();
            match self.next()? {
                b',' => {}
                b'}' => break,
                _ => return Err(JsonError),
            }
        }
        // Small objects: pairwise; large ones: sort (bounded work for hostile inputs).
        if names.len() <= 16 {
            for (i, a) in names.iter().enumerate() {
                if names.iter().skip(i + 1).any(|b| a == b) {
                    return Err(JsonError);
                }
            }
        } else {
            names.sort_unstable();
            if names.windows(2).any(|w| matches!(w, [a, b] if a == b)) {
                return Err(JsonError);
            }
        }
        Ok(())
    }

    /// Moves past the object that starts here, found by its strings and brackets alone
    /// (not validated: [`read_object_raw`]'s callers parse such a member strictly, and
    /// on valid JSON this ends where the strict reader would).
    fn delimit_object(&mut self) -> R<()> {
        let mut depth = 0usize;
        while let Some(rest) = self.bytes.get(self.pos..) {
            let at = rest
                .iter()
                .position(|&b| matches!(b, b'"' | b'{' | b'[' | b'}' | b']'))
                .ok_or(JsonError)?;
            self.pos += at;
            match self.next()? {
                b'"' => loop {
                    let rest = self.bytes.get(self.pos..).ok_or(JsonError)?;
                    let at = rest
                        .iter()
                        .position(|&b| b == b'"' || b == b'\\')
                        .ok_or(JsonError)?;
                    self.pos += at;
                    if self.next()? == b'"' {
                        break;
                    }
                    self.next()?; // the escaped byte
                },
                b'{' | b'[' => depth += 1,
                _ => {
                    depth = depth.checked_sub(1).ok_or(JsonError)?;
                    if depth == 0 {
                        return Ok(());
                    }
                }
            }
        }
        Err(JsonError)
    }

    /// A string after its opening quote: borrowed when it has no escapes.
    fn string(&mut self) -> R<Cow<'de, str>> {
        let mut owned: Option<String> = None;
        loop {
            let rest = self.bytes.get(self.pos..).unwrap_or_default();
            let len = rest
                .iter()
                .position(|&b| b == b'"' || b == b'\\' || b < 0x20)
                .ok_or(JsonError)?;
            // The whole input is UTF-8 (checked once) and `"`/`\\` are ASCII: a char boundary.
            let run = self.text.get(self.pos..self.pos + len).ok_or(JsonError)?;
            self.pos += len;
            match self.next()? {
                b'"' => {
                    return Ok(match owned {
                        None => Cow::Borrowed(run),
                        Some(mut s) => {
                            s.push_str(run);
                            Cow::Owned(s)
                        }
                    })
                }
                b'\\' => {
                    let s = owned.get_or_insert_with(String::new);
                    s.push_str(run);
                    self.escape(s)?;
                }
                _ => return Err(JsonError), // a control character
            }
        }
    }

    /// One escape after its backslash, appended to `out`.
    fn escape(&mut self, out: &mut String) -> R<()> {
        let c = match self.next()? {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let n = self.hex4()?;
                match n {
                    0xDC00..=0xDFFF => return Err(JsonError),
                    0xD800..=0xDBFF => {
                        if self.next()? != b'\\' || self.next()? != b'u' {
                            return Err(JsonError);
                        }
                        let n2 = self.hex4()?;
                        if !(0xDC00..=0xDFFF).contains(&n2) {
                            return Err(JsonError);
                        }
                        let cp = (((n - 0xD800) << 10) | (n2 - 0xDC00)) + 0x1_0000;
                        char::from_u32(cp).ok_or(JsonError)?
                    }
                    _ => char::from_u32(n).ok_or(JsonError)?,
                }
            }
            _ => return Err(JsonError),
        };
        out.push(c);
        Ok(())
    }

    fn hex4(&mut self) -> R<u32> {
        let mut n = 0u32;
        for _ in 0..4 {
            let d = match self.next()? {
                c @ b'0'..=b'9' => c - b'0',
                c @ b'a'..=b'f' => c - b'a' + 10,
                c @ b'A'..=b'F' => c - b'A' + 10,
                _ => return Err(JsonError),
            };
            n = (n << 4) | u32::from(d);
        }
        Ok(n)
    }

    // Numbers: a port of serde_json's parser (without `float_roundtrip`), keeping only
    // what decides acceptance and the `Int` / `OtherNumber` split.

    fn integer(&mut self, positive: bool) -> R<Loose<'de>> {
        match self.next()? {
            b'0' => {
                if self.peek_or_null().is_ascii_digit() {
                    return Err(JsonError);
                }
                self.number(positive, 0)
            }
            c @ b'1'..=b'9' => {
                let mut significand = u64::from(c - b'0');
                loop {
                    let c = self.peek_or_null();
                    if !c.is_ascii_digit() {
                        return self.number(positive, significand);
                    }
                    let digit = u64::from(c - b'0');
                    if overflows_u64(significand, digit) {
                        return self.long_integer(significand).map(|()| Loose::OtherNumber);
                    }
                    self.pos += 1;
                    significand = significand * 10 + digit;
                }
            }
            _ => Err(JsonError),
        }
    }

    fn number(&mut self, positive: bool, significand: u64) -> R<Loose<'de>> {
        Ok(match self.peek_or_null() {
            b'.' => {
                self.decimal(significand, 0)?;
                Loose::OtherNumber
            }
            b'e' | b'E' => {
                self.exponent(significand, 0)?;
                Loose::OtherNumber
            }
            _ if positive => i64::try_from(significand).map_or(Loose::OtherNumber, Loose::Int),
            _ => {
                // serde_json: `-0` and values below i64::MIN become floats.
                let neg = (significand as i64).wrapping_neg();
                if neg >= 0 {
                    Loose::OtherNumber
                } else {
                    Loose::Int(neg)
                }
            }
        })
    }

    fn decimal(&mut self, mut significand: u64, exponent_before: i32) -> R<()> {
        self.pos += 1; // '.'
        let mut exponent_after = 0i32;
        loop {
            let c = self.peek_or_null();
            if !c.is_ascii_digit() {
                break;
            }
            let digit = u64::from(c - b'0');
            if overflows_u64(significand, digit) {
                // serde_json's decimal overflow: drop further digits.
                while self.peek_or_null().is_ascii_digit() {
                    self.pos += 1;
                }
                let exponent = exponent_before + exponent_after;
                return match self.peek_or_null() {
                    b'e' | b'E' => self.exponent(significand, exponent),
                    _ => f64_from_parts(significand, exponent),
                };
            }
            self.pos += 1;
            significand = significand * 10 + digit;
            exponent_after -= 1;
        }
        if exponent_after == 0 {
            return Err(JsonError);
        }
        let exponent = exponent_before + exponent_after;
        match self.peek_or_null() {
            b'e' | b'E' => self.exponent(significand, exponent),
            _ => f64_from_parts(significand, exponent),
        }
    }

    fn exponent(&mut self, significand: u64, starting: i32) -> R<()> {
        self.pos += 1; // 'e' | 'E'
        let positive_exp = match self.peek_or_null() {
            b'+' => {
                self.pos += 1;
                true
            }
            b'-' => {
                self.pos += 1;
                false
            }
            _ => true,
        };
        let mut exp = match self.next()? {
            c @ b'0'..=b'9' => i32::from(c - b'0'),
            _ => return Err(JsonError),
        };
        loop {
            let c = self.peek_or_null();
            if !c.is_ascii_digit() {
                break;
            }
            self.pos += 1;
            let digit = i32::from(c - b'0');
            if exp >= i32::MAX / 10 && (exp > i32::MAX / 10 || digit > i32::MAX % 10) {
                if significand != 0 && positive_exp {
                    return Err(JsonError);
                }
                while self.peek_or_null().is_ascii_digit() {
                    self.pos += 1;
                }
                return Ok(());
            }
            exp = exp * 10 + digit;
        }
        let final_exp = if positive_exp {
            starting.saturating_add(exp)
        } else {
            starting.saturating_sub(exp)
        };
        f64_from_parts(significand, final_exp)
    }

    /// serde_json's `parse_long_integer`: digits beyond u64 count as powers of ten.
    fn long_integer(&mut self, significand: u64) -> R<()> {
        let mut exponent = 0i32;
        loop {
            match self.peek_or_null() {
                b'0'..=b'9' => {
                    self.pos += 1;
                    exponent += 1;
                }
                b'.' => return self.decimal(significand, exponent),
                b'e' | b'E' => return self.exponent(significand, exponent),
                _ => return f64_from_parts(significand, exponent),
            }
        }
    }
}

/// serde_json's `f64_from_parts`: only whether the value overflows to infinity matters.
fn f64_from_parts(significand: u64, mut exponent: i32) -> R<()> {
    let mut f = significand as f64;
    loop {
        match POW10.get(exponent.unsigned_abs() as usize) {
            Some(&pow) => {
                if exponent >= 0 {
                    f *= pow;
                    if f.is_infinite() {
                        return Err(JsonError);
                    }
                }
                return Ok(());
            }
            None => {
                if f == 0.0 {
                    return Ok(());
                }
                if exponent >= 0 {
                    return Err(JsonError);
                }
                f /= 1e308;
                exponent += 308;
            }
        }
    }
}

/// Parses `bytes` as exactly one JSON object. Fails on anything else, on trailing
/// data, invalid UTF-8, nesting deeper than serde_json's limit, or a repeated
/// member name at any depth (names compared after unescaping). Members named by
/// `wanted` are handed to `on_member`; the rest are validated and dropped.
pub(crate) fn read_object<'de>(
    bytes: &'de [u8],
    wanted: impl FnMut(&str) -> bool,
    on_member: impl FnMut(&str, Loose<'de>),
) -> Result<(), JsonError> {
    read(bytes, false, wanted, on_member)
}

/// [`read_object`], but wanted members keep their nested objects as
/// [`Loose::Members`] (the key set's `keys` array of JWK objects).
pub(crate) fn read_object_deep<'de>(
    bytes: &'de [u8],
    wanted: impl FnMut(&str) -> bool,
    on_member: impl FnMut(&str, Loose<'de>),
) -> Result<(), JsonError> {
    read(bytes, true, wanted, on_member)
}

/// [`read_object`], but wanted top-level members come as [`Loose::Raw`]: their exact
/// text, not parsed. A wanted object is only delimited (by its strings and brackets):
/// the caller must parse it strictly (measured: validating it here too was a tenth of a
/// session decision). Every other value is validated (grammar, duplicates at every depth).
pub(crate) fn read_object_raw<'de>(
    bytes: &'de [u8],
    wanted: impl FnMut(&str) -> bool,
    on_member: impl FnMut(&str, Loose<'de>),
) -> Result<(), JsonError> {
    read_with(bytes, false, true, wanted, on_member)
}

fn read<'de>(
    bytes: &'de [u8],
    keep_objects: bool,
    wanted: impl FnMut(&str) -> bool,
    on_member: impl FnMut(&str, Loose<'de>),
) -> Result<(), JsonError> {
    read_with(bytes, keep_objects, false, wanted, on_member)
}

fn read_with<'de>(
    bytes: &'de [u8],
    keep_objects: bool,
    raw: bool,
    mut wanted: impl FnMut(&str) -> bool,
    mut on_member: impl FnMut(&str, Loose<'de>),
) -> Result<(), JsonError> {
    let text = core::str::from_utf8(bytes).map_err(|_| JsonError)?;
    let mut reader = Reader {
        bytes,
        text,
        pos: 0,
        depth: 0,
        keep_objects,
        raw,
    };
    reader.skip_ws();
    if reader.next()? != b'{' {
        return Err(JsonError);
    }
    reader.enter()?;
    reader.object(&mut wanted, &mut on_member)?;
    reader.skip_ws();
    if reader.pos == bytes.len() {
        Ok(())
    } else {
        Err(JsonError)
    }
}

#[cfg(test)]
#[path = "json_tests.rs"]
mod tests;
