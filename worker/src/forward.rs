//! What crosses the proxy besides the body: the request headers the origin gets (identity,
//! forwarding facts, no hop-by-hop) and the response headers the client gets back
//! (`Location` pointing at the public URL, not at `ORIGIN_URL`).

use jwtgate::identity_header_value;
use web_sys::{Headers, Url};

use crate::JsResult;

/// Headers that only describe one connection (RFC 9110 §7.6.1), never forwarded.
const HOP_BY_HOP: &[&str] = &[
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
];
/// Identity headers: only the gate may set them, from verified claims.
const USER_ID: &str = "x-user-id";
const USER_EMAIL: &str = "x-user-email";
/// Facts about the client a proxy states for the origin (uvicorn trusts them from a
/// loopback proxy): set here from what the edge knows, never passed on from the client.
const FORWARDING: &[&str] = &[
    "forwarded",
    "x-forwarded-for",
    "x-forwarded-host",
    "x-forwarded-proto",
    "x-real-ip",
];
/// Response headers that name a URL the client should use.
const URL_RESPONSE_HEADERS: &[&str] = &["location", "content-location"];

pub(crate) fn strip_hop_by_hop(headers: &Headers) -> JsResult<()> {
    // Headers named by `Connection` are hop-by-hop too.
    if let Some(listed) = headers.get("connection")? {
        for name in listed.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            // An invalid header name cannot be present: ignore the error.
            let _ = headers.delete(name);
        }
    }
    for name in HOP_BY_HOP {
        headers.delete(name)?;
    }
    Ok(())
}

/// The headers the origin receives for a request to `url` (the URL the client used).
/// `identity` is the verified `(sub, email)`; `None` outside the prefix (then only removed).
pub(crate) fn origin_headers(
    incoming: &Headers,
    url: &Url,
    identity: Option<(&str, &str)>,
) -> JsResult<Headers> {
    let client_ip = incoming
        .get("cf-connecting-ip")?
        .filter(|ip| is_ip_literal(ip));
    let headers = Headers::new_with_headers(incoming)?;
    strip_hop_by_hop(&headers)?;
    headers.delete("host")?;
    headers.delete(USER_ID)?;
    headers.delete(USER_EMAIL)?;
    if let Some((user_id, email)) = identity {
        // Ordinary ids and emails unchanged; anything else percent-encoded (README).
        headers.set(USER_ID, &identity_header_value(user_id))?;
        headers.set(USER_EMAIL, &identity_header_value(email))?;
    }
    set_forwarding(&headers, url, client_ip.as_deref()).map(|()| headers)
}

/// Replaces whatever the client said about itself with what the edge knows: the
/// platform's `CF-Connecting-IP`, the scheme and host of the URL the client used.
fn set_forwarding(headers: &Headers, url: &Url, client_ip: Option<&str>) -> JsResult<()> {
    for name in FORWARDING {
        headers.delete(name)?;
    }
    let proto = url.protocol();
    let proto = proto.trim_end_matches(':');
    let host = url.host();
    let mut forwarded = String::new();
    if let Some(ip) = client_ip {
        headers.set("x-forwarded-for", ip)?;
        headers.set("x-real-ip", ip)?;
        // RFC 7239 §6: an IPv6 address is bracketed and quoted.
        if ip.contains(':') {
            forwarded.push_str(&format!("for=\"[{ip}]\";"));
        } else {
            forwarded.push_str(&format!("for={ip};"));
        }
    }
    headers.set("x-forwarded-proto", proto)?;
    headers.set("x-forwarded-host", &host)?;
    forwarded.push_str(&format!("host=\"{host}\";proto={proto}"));
    headers.set("forwarded", &forwarded)
}

/// An IPv4 or IPv6 literal as the platform writes it (no brackets, no port).
fn is_ip_literal(value: &str) -> bool {
    !value.is_empty()
        && value.len() <= 45
        && value
            .bytes()
            .all(|b| b.is_ascii_hexdigit() || b == b'.' || b == b':')
}

/// `Location` / `Content-Location` pointing at `ORIGIN_URL` (`origin_key`, serialized)
/// are rewritten to `public_origin` (the scheme and host the client used), as a reverse
/// proxy does: the origin's internal address never reaches the client. Relative
/// references and other hosts are left as they are.
pub(crate) fn rewrite_locations(
    headers: &Headers,
    origin_key: &str,
    public_origin: &str,
) -> JsResult<()> {
    for name in URL_RESPONSE_HEADERS {
        if let Some(value) = headers.get(name)? {
            if let Some(rest) = after_origin(&value, origin_key) {
                headers.set(name, &format!("{public_origin}{rest}"))?;
            }
        }
    }
    Ok(())
}

/// The part of `value` after its scheme and authority when those name `origin_key`
/// (compared as the URL parser serializes origins: case, default ports).
fn after_origin<'a>(value: &'a str, origin_key: &str) -> Option<&'a str> {
    let (scheme, rest) = if let Some(rest) = value.strip_prefix("//") {
        // Scheme-relative: the origin's own scheme.
        (origin_key.split("://").next()?, rest)
    } else {
        let (scheme, rest) = value.split_once("://")?;
        // A relative reference may contain "://" later (`/login?next=http://…`).
        let is_scheme = scheme.starts_with(|c: char| c.is_ascii_alphabetic())
            && scheme
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b));
        if !is_scheme {
            return None;
        }
        (scheme, rest)
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    let parsed = Url::new(&format!("{scheme}://{authority}")).ok()?;
    (parsed.origin() == origin_key).then_some(tail)
}
