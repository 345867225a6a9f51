//! The path rule: which requests are protected, and whose data a path names.
//!
//! Paths are compared the way the origin's router sees them: percent-decoded,
//! segment by segment. Anything a router might read two ways (dot segments,
//! empty segments, encoded `/` or `\`, broken escapes, invalid UTF-8) is refused
//! rather than guessed about, wherever it appears in the path.

use alloc::borrow::Cow;

use percent_encoding::percent_decode_str;

/// What a request path asks for.
#[derive(Debug, PartialEq, Eq)]
pub enum Route<'a> {
    /// Outside the API prefix.
    Unprotected,
    /// The prefix itself with no user segment (`/api/v1` or `/api/v1/`).
    PrefixRoot,
    /// `{prefix}me/…`: the caller's own resources; a valid token suffices.
    Me,
    /// `{prefix}{user_id}/…`: the percent-decoded user id, which must equal `sub`.
    User(Cow<'a, str>),
}

/// A path that cannot be read unambiguously.
#[derive(Debug, PartialEq, Eq)]
pub struct AmbiguousPath;

/// Classifies `path` (an origin-form request target; anything from `?` or `#` on is ignored)
/// against `prefix` (as validated by [`crate::GateConfig`], e.g. `/api/v1/`).
/// The prefix is matched ASCII case-insensitively, so a case-insensitive origin
/// cannot be reached around the gate.
pub fn route<'a>(prefix: &str, path: &'a str) -> Result<Route<'a>, AmbiguousPath> {
    let end = path.find(['?', '#']).unwrap_or(path.len());
    let path = path.get(..end).ok_or(AmbiguousPath)?;
    let rest = path.strip_prefix('/').ok_or(AmbiguousPath)?;
    if rest.contains('\\') {
        return Err(AmbiguousPath);
    }

    let mut segments = rest.split('/').peekable();
    let mut decoded_segments = core::iter::from_fn(|| {
        let raw = segments.next()?;
        let is_last = segments.peek().is_none();
        Some(decode_segment(raw, is_last))
    });

    let mut prefix_segments = prefix.trim_matches('/').split('/');
    let mut under_prefix = true;
    for want in prefix_segments.by_ref() {
        match decoded_segments.next() {
            Some(seg) => {
                if !seg?.eq_ignore_ascii_case(want) {
                    under_prefix = false;
                    break;
                }
            }
            None => {
                under_prefix = false;
                break;
            }
        }
    }
    if !under_prefix {
        // Still read the whole path: an ambiguous path is refused even outside the prefix,
        // since a normalising proxy or origin could turn it into a protected one.
        for seg in decoded_segments {
            seg?;
        }
        return Ok(Route::Unprotected);
    }

    let user = match decoded_segments.next() {
        None => return Ok(Route::PrefixRoot),
        Some(seg) => seg?,
    };
    for seg in decoded_segments {
        seg?;
    }
    if user.is_empty() {
        Ok(Route::PrefixRoot)
    } else if user == "me" {
        Ok(Route::Me)
    } else {
        Ok(Route::User(user))
    }
}

fn decode_segment(raw: &str, is_last: bool) -> Result<Cow<'_, str>, AmbiguousPath> {
    // Empty segments ("//") are ambiguous; only a trailing slash may leave one.
    if raw.is_empty() && !is_last {
        return Err(AmbiguousPath);
    }
    if !well_formed_escapes(raw) {
        return Err(AmbiguousPath);
    }
    let decoded = percent_decode_str(raw)
        .decode_utf8()
        .map_err(|_| AmbiguousPath)?;
    if decoded == "." || decoded == ".." || decoded.contains(['/', '\\']) {
        return Err(AmbiguousPath);
    }
    Ok(decoded)
}

/// Every `%` is followed by two hex digits (routers disagree on what a broken escape means).
fn well_formed_escapes(raw: &str) -> bool {
    let bytes = raw.as_bytes();
    bytes.iter().enumerate().all(|(i, b)| {
        *b != b'%'
            || matches!(
                (bytes.get(i + 1), bytes.get(i + 2)),
                (Some(h), Some(l)) if h.is_ascii_hexdigit() && l.is_ascii_hexdigit()
            )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const P: &str = "/api/v1/";

    fn user(s: &str) -> Result<Route<'_>, AmbiguousPath> {
        Ok(Route::User(Cow::Borrowed(s)))
    }

    #[test]
    fn classifies_plain_paths() {
        assert_eq!(route(P, "/api/v1/u1/tasks"), user("u1"));
        assert_eq!(route(P, "/api/v1/u1"), user("u1"));
        assert_eq!(route(P, "/api/v1/u1/tasks/"), user("u1"));
        assert_eq!(route(P, "/api/v1/u1/tasks?x=/../y#z"), user("u1"));
        assert_eq!(route(P, "/api/v1/me/profile"), Ok(Route::Me));
        assert_eq!(route(P, "/api/v1/ME/profile"), user("ME"));
        assert_eq!(route(P, "/api/v1"), Ok(Route::PrefixRoot));
        assert_eq!(route(P, "/api/v1/"), Ok(Route::PrefixRoot));
        assert_eq!(route(P, "/"), Ok(Route::Unprotected));
        assert_eq!(route(P, "/health"), Ok(Route::Unprotected));
        assert_eq!(route(P, "/api/v10/u1"), Ok(Route::Unprotected));
        assert_eq!(route(P, "/api"), Ok(Route::Unprotected));
    }

    #[test]
    fn decodes_like_the_origin_router() {
        assert_eq!(
            route(P, "/api/v1/u%31/tasks"),
            Ok(Route::User(Cow::Owned("u1".into())))
        );
        assert_eq!(route(P, "/%61pi/v1/u1/tasks"), user("u1"));
        assert_eq!(route(P, "/API/V1/u1/tasks"), user("u1"));
        assert_eq!(route(P, "/api/v1/m%65/x"), Ok(Route::Me));
        assert_eq!(
            route(P, "/api/v1/%C3%A9/tasks"),
            Ok(Route::User(Cow::Owned("é".into())))
        );
        assert_eq!(route(P, "/api/v1/a+b/tasks"), user("a+b"));
    }

    #[test]
    fn refuses_ambiguous_paths_everywhere() {
        for p in [
            "/api/v1/u1/../u2/tasks",
            "/api/v1/u1/%2e%2e/u2/tasks",
            "/api/v1/u1/%2E./tasks",
            "/api/v1/./u1/tasks",
            "/api//v1/u1/tasks",
            "//api/v1/u1/tasks",
            "/api/v1//u1/tasks",
            "/api/v1/u1%2fu2/tasks",
            "/api/v1/u1%5Cu2/tasks",
            "/api/v1/u1\\..\\u2",
            "/api/v1/u%zz/tasks",
            "/api/v1/u1%/tasks",
            "/api/v1/%ff/tasks",
            "/static/../api/v1/u2/tasks",
            "/x//y",
            "api/v1/u1",
            "",
        ] {
            assert_eq!(route(P, p), Err(AmbiguousPath), "{p}");
        }
    }

    #[test]
    fn honours_a_custom_prefix() {
        assert_eq!(route("/v2/", "/v2/u1/x"), user("u1"));
        assert_eq!(route("/v2/", "/api/v1/u1/x"), Ok(Route::Unprotected));
        assert_eq!(route("/a/b/c/", "/a/b/c/u"), user("u"));
        assert_eq!(route("/a/b/c/", "/a/b"), Ok(Route::Unprotected));
    }
}
