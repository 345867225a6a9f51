//! The path rule: which requests are protected, and whose data a path names.
//!
//! Paths are compared the way the origin's router sees them: percent-decoded,
//! segment by segment. Anything a router might read two ways (dot segments,
//! empty segments, encoded `/` or `\`, broken escapes, invalid UTF-8, and in the raw
//! request target a `#`, a control character, a space or a non-ASCII byte) is refused
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
    /// One of the configured self routes (default `{prefix}me/profile`): the caller's own
    /// resource, named by no user id; a valid token suffices.
    SelfRoute,
    /// `{prefix}{user_id}/…`: the percent-decoded user id, which must equal `sub`.
    User(Cow<'a, str>),
}

/// A path that cannot be read unambiguously.
#[derive(Debug, PartialEq, Eq)]
pub struct AmbiguousPath;

/// Classifies `path` (an origin-form request target; the query, from `?` on, is ignored)
/// against `prefix` (as validated by [`crate::GateConfig`], e.g. `/api/v1/`), with no
/// self routes: every `{prefix}{user_id}/…` path names a user, `me` included.
/// The prefix is matched ASCII case-insensitively, so a case-insensitive origin
/// cannot be reached around the gate.
pub fn route<'a>(prefix: &str, path: &'a str) -> Result<Route<'a>, AmbiguousPath> {
    route_with_self_routes(prefix, [], path)
}

/// [`route`], where a path equal to one of `self_routes` is [`Route::SelfRoute`].
///
/// Each self route is the part after the prefix, segments joined by `/` (e.g.
/// `me/profile`, as [`crate::GateConfig`] validates them). It matches a path whose
/// percent-decoded segments after the prefix are exactly those (case-sensitive), with
/// at most one trailing `/` — the same reading as the `{user_id}` rule.
pub fn route_with_self_routes<'a, 'r>(
    prefix: &str,
    self_routes: impl IntoIterator<Item = &'r str>,
    path: &'a str,
) -> Result<Route<'a>, AmbiguousPath> {
    // One copy of the rule whatever the iterator type (the Wasm engine's size).
    classify(prefix, &mut self_routes.into_iter(), path)
}

fn classify<'a>(
    prefix: &str,
    self_routes: &mut dyn Iterator<Item = &str>,
    path: &'a str,
) -> Result<Route<'a>, AmbiguousPath> {
    if !unambiguous_target(path) {
        return Err(AmbiguousPath);
    }
    let end = path.find('?').unwrap_or(path.len());
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
    // Every segment is read (and so checked) whether or not a self route matches.
    for seg in decoded_segments {
        seg?;
    }
    if user.is_empty() {
        return Ok(Route::PrefixRoot);
    }
    // The raw segments after the user's (all valid by now), re-decoded on comparison:
    // no allocation on the hot path. One trailing `/` reads like none, as everywhere.
    let is_self_route = |candidate: &str| {
        let mut want = candidate.split('/');
        if want.next() != Some(user.as_ref()) {
            return false; // the common case: decided on the first segment
        }
        let prefix_len = prefix.trim_matches('/').split('/').count();
        let after_user = rest
            .splitn(prefix_len + 2, '/')
            .nth(prefix_len + 1)
            .map(|r| r.strip_suffix('/').unwrap_or(r))
            .filter(|r| !r.is_empty());
        want.eq(after_user
            .into_iter()
            .flat_map(|r| r.split('/'))
            .map(|raw| percent_decode_str(raw).decode_utf8().unwrap_or_default()))
    };
    if Iterator::any(&mut &mut *self_routes, is_self_route) {
        Ok(Route::SelfRoute)
    } else {
        Ok(Route::User(user))
    }
}

/// The raw request target holds nothing routers read two ways: no `#` (a request target
/// has no fragment; Node's `req.url` and uvicorn keep it in the path, a URL parser drops
/// it), and only visible ASCII (h11 answers 400 to anything else; Node reads raw bytes
/// above 0x7F as Latin-1, UTF-8 routers as UTF-8).
fn unambiguous_target(path: &str) -> bool {
    path.bytes()
        .all(|b| (0x21..=0x7e).contains(&b) && b != b'#')
}

fn decode_segment(raw: &str, is_last: bool) -> Result<Cow<'_, str>, AmbiguousPath> {
    // Empty segments ("//") are ambiguous; only a trailing slash may leave one.
    if raw.is_empty() && !is_last {
        return Err(AmbiguousPath);
    }
    if !raw.contains('%') {
        // Nothing to decode (the common case, measured: most of a decision's path cost);
        // `/` and `\` cannot be in a segment of a path that passed `classify`'s checks.
        return match raw {
            "." | ".." => Err(AmbiguousPath),
            _ => Ok(Cow::Borrowed(raw)),
        };
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
        assert_eq!(route(P, "/api/v1/u1/tasks?x=/../y"), user("u1"));
        assert_eq!(route(P, "/api/v1/me/profile"), user("me"));
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
        assert_eq!(
            route(P, "/api/v1/m%65/x"),
            Ok(Route::User(Cow::Owned("me".into())))
        );
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
    fn refuses_what_routers_read_two_ways_in_the_raw_target() {
        for p in [
            // Node's req.url and uvicorn keep `#` in the path; URL parsers drop the rest.
            "/api/v1/me#victim/tasks",
            "/static#/../api/v1/u2/tasks",
            "/api/v1/u1/tasks#",
            "/api/v1/u1/tasks?x=1#y",
            // Not visible ASCII: h11 answers 400, Node reads bytes > 0x7F as Latin-1.
            "/api/v1/u1 /tasks",
            "/api/v1/u1/tasks?a b",
            "/api/v1/u1\t/tasks",
            "/api/v1/u1\0/tasks",
            "/api/v1/u1\r\n/tasks",
            "/api/v1/u1\x7f/tasks",
            "/api/v1/\u{e9}/tasks",
            "/health\u{e9}",
        ] {
            assert_eq!(route(P, p), Err(AmbiguousPath), "{p:?}");
        }
        // Percent-encoded, the same characters are unambiguous.
        assert_eq!(
            route(P, "/api/v1/me%23victim/tasks"),
            Ok(Route::User(Cow::Owned("me#victim".into())))
        );
        assert_eq!(
            route(P, "/api/v1/%C3%A9%20x/tasks"),
            Ok(Route::User(Cow::Owned("é x".into())))
        );
        // A `?` ends the path everywhere (h11/uvicorn, Node, URL parsers alike).
        assert_eq!(route(P, "/api/v1/u1?/../u2"), user("u1"));
    }

    #[test]
    fn self_routes_match_exactly_after_decoding() {
        let own = ["me/profile", "me/tasks"];
        let at = |p| route_with_self_routes(P, own, p);
        for p in [
            "/api/v1/me/profile",
            "/api/v1/me/profile/",
            "/api/v1/me/profile?x=1",
            "/api/v1/m%65/%70rofile",
            "/API/V1/me/tasks",
        ] {
            assert_eq!(at(p), Ok(Route::SelfRoute), "{p}");
        }
        for p in [
            "/api/v1/me",
            "/api/v1/me/",
            "/api/v1/me/profile/x",
            "/api/v1/me/Profile",
            "/api/v1/ME/profile",
            "/api/v1/me/settings",
        ] {
            assert!(matches!(at(p), Ok(Route::User(_))), "{p}");
        }
        for p in ["/api/v1/me/profile/../x", "/api/v1/me/profile//"] {
            assert_eq!(at(p), Err(AmbiguousPath), "{p}");
        }
        assert_eq!(
            route_with_self_routes(P, [], "/api/v1/me/profile"),
            user("me")
        );
    }

    #[test]
    fn honours_a_custom_prefix() {
        assert_eq!(route("/v2/", "/v2/u1/x"), user("u1"));
        assert_eq!(route("/v2/", "/api/v1/u1/x"), Ok(Route::Unprotected));
        assert_eq!(route("/a/b/c/", "/a/b/c/u"), user("u"));
        assert_eq!(route("/a/b/c/", "/a/b"), Ok(Route::Unprotected));
    }
}
