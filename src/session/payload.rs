//! What a verified cookie cache (or a get-session answer) says: Better Auth's
//! `{session, user, updatedAt, version}`, read as its schema reads it, with the raw JSON
//! of `session` and `user` kept for the host (so an app reads `user.role` from the
//! admin plugin or `session.activeOrganizationId` without a database read).

use alloc::string::String;

use crate::json::{read_object, read_object_raw, Loose};

/// The session a cookie cache or a get-session answer holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct SessionData<'a> {
    /// `session.token`: what the signed `session_token` cookie must carry.
    pub(crate) token: String,
    /// `session.expiresAt`, in milliseconds since the epoch.
    pub(crate) expires_ms: i64,
    /// `user.id` (equal to `session.userId`).
    pub(crate) user_id: String,
    /// `user.email`.
    pub(crate) email: String,
    /// `user.name`.
    pub(crate) name: String,
    /// `version` (`"1"` when absent, as Better Auth reads it).
    pub(crate) version: String,
    /// `session` and `user` as they stand in the verified bytes.
    pub(crate) session_json: &'a str,
    pub(crate) user_json: &'a str,
}

/// Reads `{session, user, updatedAt?, version?}`. `cache`: the cookie cache's form
/// (`updatedAt` a number, required; `version` a string if present); a get-session
/// answer has neither. `None` when the shape is not Better Auth's (its zod schema:
/// the session's `id`, `token`, `userId` strings and `expiresAt`, `createdAt`,
/// `updatedAt` dates; the user's `id`, `email`, `name` strings, `emailVerified` a
/// boolean, `createdAt`, `updatedAt` dates), or the user is not the session's.
pub(crate) fn read(json: &[u8], cache: bool) -> Option<SessionData<'_>> {
    // One pass over the top level: every other member is validated and skipped.
    let (mut session, mut user, mut updated, mut version, mut own_expires) =
        (None, None, None, None, false);
    read_object_raw(
        json,
        |name| {
            matches!(
                name,
                "session" | "user" | "updatedAt" | "version" | "expiresAt"
            )
        },
        |name, value| {
            if let Loose::Raw(text) = value {
                match name {
                    "session" => session = Some(text),
                    "user" => user = Some(text),
                    "updatedAt" => updated = Some(text),
                    "version" => version = Some(text),
                    _ => own_expires = true,
                }
            }
        },
    )
    .ok()?;
    // A cache's data never has its own `expiresAt` (a compact cache's signed text splices
    // one in: with two, the signed text would not be the one read).
    if own_expires {
        return None;
    }
    let (session_json, user_json) = (session?, user?);
    let version = if cache {
        // `updatedAt` a number; `version` a string when present ("1" when absent).
        let number = updated?
            .bytes()
            .next()
            .is_some_and(|b| b == b'-' || b.is_ascii_digit());
        if !number {
            return None;
        }
        match version {
            None => String::from("1"),
            Some(raw) => json_string(raw)?,
        }
    } else {
        String::from("1")
    };

    let s = Fields::read(
        session_json,
        &["id", "token", "userId"],
        &["expiresAt", "createdAt", "updatedAt"],
        false,
    )?;
    let u = Fields::read(
        user_json,
        &["id", "email", "name"],
        &["createdAt", "updatedAt"],
        true,
    )?;
    let [_, token, session_user] = s.strings;
    let [user_id, email, name] = u.strings;
    if session_user != user_id {
        return None;
    }
    Some(SessionData {
        token,
        expires_ms: s.dates[0],
        user_id,
        email,
        name,
        version,
        session_json,
        user_json,
    })
}

/// A raw JSON member's value as a string, when it is one (it was validated by the reader).
pub(crate) fn json_string(raw: &str) -> Option<String> {
    if !raw.starts_with('"') {
        return None;
    }
    if !raw.contains('\\') {
        return raw.get(1..raw.len() - 1).map(String::from);
    }
    let mut out = None;
    let wrapped = alloc::format!("{{\"s\":{raw}}}");
    read_object(
        wrapped.as_bytes(),
        |_| true,
        |_, value| {
            if let Loose::Str(s) = value {
                out = Some(String::from(s.as_ref()));
            }
        },
    )
    .ok()?;
    out
}

/// The members of one object that the schema requires: three strings, up to three
/// dates, and (for the user) `emailVerified`.
struct Fields {
    strings: [String; 3],
    dates: [i64; 3],
}

impl Fields {
    fn read(json: &str, strings: &[&str; 3], dates: &[&str], flag: bool) -> Option<Fields> {
        let mut got: [Option<String>; 3] = [None, None, None];
        let mut when: [Option<i64>; 3] = [None, None, None];
        let mut verified = !flag;
        read_object(
            json.as_bytes(),
            |name| strings.contains(&name) || dates.contains(&name) || name == "emailVerified",
            |name, value| {
                if let Some(i) = strings.iter().position(|s| *s == name) {
                    if let (Some(slot), Loose::Str(text)) = (got.get_mut(i), &value) {
                        *slot = Some(String::from(text.as_ref()));
                    }
                } else if let Some(i) = dates.iter().position(|d| *d == name) {
                    if let (Some(slot), Loose::Str(text)) = (when.get_mut(i), &value) {
                        *slot = iso_millis(text);
                    }
                } else {
                    verified = matches!(value, Loose::Bool(_)) || !flag;
                }
            },
        )
        .ok()?;
        if !verified {
            return None;
        }
        let [a, b, c] = got;
        let mut dates_out = [0i64; 3];
        for (i, slot) in dates_out.iter_mut().enumerate().take(dates.len()) {
            *slot = (*when.get(i)?)?;
        }
        Some(Fields {
            strings: [a?, b?, c?],
            dates: dates_out,
        })
    }
}

/// Milliseconds since the epoch of a date as JSON carries one (`Date.prototype.toJSON`:
/// `YYYY-MM-DDTHH:mm:ss.sssZ`, the only form Better Auth writes). Anything else is
/// `None`: the cache is then not read, and the host asks Better Auth instead.
pub(crate) fn iso_millis(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    if b.len() != 24
        || b.get(4) != Some(&b'-')
        || b.get(7) != Some(&b'-')
        || b.get(10) != Some(&b'T')
        || b.get(13) != Some(&b':')
        || b.get(16) != Some(&b':')
        || b.get(19) != Some(&b'.')
        || b.get(23) != Some(&b'Z')
    {
        return None;
    }
    let num = |from: usize, len: usize| -> Option<i64> {
        let digits = text.get(from..from + len)?;
        if !digits.bytes().all(|d| d.is_ascii_digit()) {
            return None;
        }
        digits.parse().ok()
    };
    let (year, month, day) = (num(0, 4)?, num(5, 2)?, num(8, 2)?);
    let (hour, minute, second, milli) = (num(11, 2)?, num(14, 2)?, num(17, 2)?, num(20, 3)?);
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let month_days = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    let days_in_month = *month_days.get(usize::try_from(month - 1).ok()?)?;
    if !(1..=days_in_month).contains(&day) || hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    // Days from the civil date (Howard Hinnant's algorithm), proleptic Gregorian.
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some((((days * 24 + hour) * 60 + minute) * 60 + second) * 1000 + milli)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_dates_as_javascript_reads_them() {
        assert_eq!(iso_millis("1970-01-01T00:00:00.000Z"), Some(0));
        assert_eq!(
            iso_millis("2026-12-01T21:40:33.123Z"),
            Some(1_796_161_233_123)
        );
        assert_eq!(
            iso_millis("2024-02-29T00:00:00.000Z"),
            Some(1_709_164_800_000)
        );
        assert_eq!(iso_millis("2023-02-29T00:00:00.000Z"), None);
        assert_eq!(iso_millis("2026-12-01T21:40:33Z"), None);
        assert_eq!(iso_millis("2026-12-01T24:00:00.000Z"), None);
        assert_eq!(iso_millis("+2026-12-01T21:40:33.12Z"), None);
        assert_eq!(iso_millis("2026-12-01T21:40:33.123+"), None);
    }

    const SESSION: &str = r#"{"session":{"id":"s1","token":"tok","userId":"u1","expiresAt":"2026-12-08T21:40:33.123Z","createdAt":"2026-12-01T21:40:33.123Z","updatedAt":"2026-12-01T21:40:33.123Z","ipAddress":null},"user":{"id":"u1","email":"a@example.com","name":"Ada","emailVerified":false,"image":null,"createdAt":"2026-12-01T21:40:33.123Z","updatedAt":"2026-12-01T21:40:33.123Z","role":"admin"},"updatedAt":1796161233123,"version":"1"}"#;

    #[test]
    fn reads_better_auths_shape() {
        let data = read(SESSION.as_bytes(), true).unwrap();
        assert_eq!(data.token, "tok");
        assert_eq!(data.user_id, "u1");
        assert_eq!(
            (data.email.as_str(), data.name.as_str()),
            ("a@example.com", "Ada")
        );
        assert_eq!(data.version, "1");
        assert!(data.user_json.contains(r#""role":"admin""#));
        assert_eq!(data.expires_ms, 1_796_766_033_123);
    }

    #[test]
    fn refuses_what_the_schema_refuses() {
        for (from, to) in [
            (r#""userId":"u1""#, r#""userId":"u2""#),
            (r#""emailVerified":false"#, r#""emailVerified":"no""#),
            (r#""token":"tok""#, r#""token":7"#),
            (r#","version":"1""#, r#","version":1"#),
            (r#""updatedAt":1796161233123"#, r#""updatedAt":"x""#),
            (
                r#""expiresAt":"2026-12-08T21:40:33.123Z""#,
                r#""expiresAt":"soon""#,
            ),
            (r#""name":"Ada","#, ""),
        ] {
            let json = SESSION.replacen(from, to, 1);
            assert_ne!(json, SESSION);
            assert_eq!(read(json.as_bytes(), true), None, "{to}");
        }
        assert_eq!(read(br#"{"session":{},"user":{}}"#, false), None);
        assert_eq!(read(b"null", false), None);
    }
}
