//! The CSRF rule for cookie-authenticated requests, as Better Auth's `validateOrigin`
//! applies it to its own endpoints: a method other than GET, HEAD or OPTIONS needs an
//! `Origin` (or, lacking one, a `Referer`) whose origin is trusted. A missing or `null`
//! Origin fails. Stricter than Better Auth in two places: origins compare exactly (no
//! wildcard patterns), and a `null` Origin is never inferred from `Sec-Fetch-Site`.

use alloc::string::String;

use crate::error::Error;

/// Is `method` one that a cross-site page cannot use to change state?
pub(crate) fn is_safe_method(method: &str) -> bool {
    matches!(method, "GET" | "HEAD" | "OPTIONS")
}

/// The rule itself: `origin` and `referer` as received (`None` when absent).
pub(crate) fn check(
    trusted: &[String],
    origin: Option<&str>,
    referer: Option<&str>,
) -> Result<(), Error> {
    let stated = match origin.filter(|o| !o.is_empty()) {
        Some(origin) => origin,
        None => referer
            .filter(|r| !r.is_empty())
            .ok_or(Error::CsrfOriginMissing)?,
    };
    if stated == "null" {
        return Err(Error::CsrfOriginMissing);
    }
    let origin = origin_of(stated).ok_or(Error::CsrfOriginUntrusted)?;
    if trusted.contains(&origin) {
        Ok(())
    } else {
        Err(Error::CsrfOriginUntrusted)
    }
}

/// The origin (`scheme://host[:port]`, lowercase, default port dropped) of an absolute
/// `http`/`https` URL, as `new URL(url).origin` gives it; `None` for anything else.
pub fn origin_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    let default_port = match scheme.as_str() {
        "https" => "443",
        "http" => "80",
        _ => return None,
    };
    let authority = rest
        .split(['/', '?', '#'])
        .next()
        .filter(|a| !a.is_empty())?;
    // Userinfo and a backslash are what URL parsers disagree about: not an origin here.
    if authority.contains(['@', '\\']) || !authority.is_ascii() {
        return None;
    }
    let authority = authority.to_ascii_lowercase();
    let (host, port) = match authority.rsplit_once(':') {
        Some((host, port)) if !host.ends_with(']') || authority.starts_with('[') => {
            if host.contains(':') && !host.starts_with('[') {
                return None;
            }
            (host, Some(port))
        }
        _ => (authority.as_str(), None),
    };
    let valid_host = !host.is_empty()
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'[' | b']' | b':'));
    if !valid_host {
        return None;
    }
    let port = match port {
        None => None,
        Some(p) if p.is_empty() || p == default_port => None,
        Some(p) if p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()) => {
            let n: u32 = p.parse().ok()?;
            if n > 65_535 {
                return None;
            }
            Some(n)
        }
        Some(_) => return None,
    };
    Some(match port {
        Some(port) => alloc::format!("{scheme}://{host}:{port}"),
        None => alloc::format!("{scheme}://{host}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_normalise_like_the_url_standard() {
        assert_eq!(
            origin_of("https://App.Example.com/x?y").as_deref(),
            Some("https://app.example.com")
        );
        assert_eq!(
            origin_of("https://a.example:443").as_deref(),
            Some("https://a.example")
        );
        assert_eq!(
            origin_of("http://127.0.0.1:3000/").as_deref(),
            Some("http://127.0.0.1:3000")
        );
        assert_eq!(
            origin_of("http://[::1]:8080").as_deref(),
            Some("http://[::1]:8080")
        );
        for bad in [
            "ftp://a",
            "https://",
            "https://u@a",
            "a.example",
            "https://a:99999",
            "https://a:x",
        ] {
            assert_eq!(origin_of(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_rule() {
        let trusted = [String::from("https://app.example")];
        assert_eq!(check(&trusted, Some("https://app.example"), None), Ok(()));
        assert_eq!(
            check(&trusted, None, Some("https://app.example/tasks")),
            Ok(())
        );
        assert_eq!(check(&trusted, None, None), Err(Error::CsrfOriginMissing));
        assert_eq!(
            check(&trusted, Some("null"), Some("https://app.example/")),
            Err(Error::CsrfOriginMissing)
        );
        assert_eq!(
            check(&trusted, Some("https://evil.example"), None),
            Err(Error::CsrfOriginUntrusted)
        );
        // An Origin decides even when a trusted Referer is there too.
        assert_eq!(
            check(
                &trusted,
                Some("https://evil.example"),
                Some("https://app.example/")
            ),
            Err(Error::CsrfOriginUntrusted)
        );
        assert!(is_safe_method("GET") && !is_safe_method("POST") && !is_safe_method("get"));
    }
}
