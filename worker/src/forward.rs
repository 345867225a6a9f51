//! What crosses the proxy besides the body. The request headers the origin gets are the
//! core's [`OriginPlan`] applied to the client's (identity, the bridge's `Authorization`,
//! hop-by-hop, forwarding facts, auth cookies: decided there, from the facts the edge
//! knows); the response headers the client gets back lose their hop-by-hop headers and
//! have `Location` pointing at the public URL, not at `ORIGIN_URL` (transport, here).

use jwtgate::{Hop, HostFacts, OriginInput, OriginPlan, HOP_BY_HOP_HEADERS};
use web_sys::{Headers, Url};

use crate::JsResult;

/// Response headers that name a URL the client should use.
const URL_RESPONSE_HEADERS: &[&str] = &["location", "content-location"];

/// A response's hop-by-hop headers (the core's list, and every name `Connection` lists).
pub(crate) fn strip_hop_by_hop(headers: &Headers) -> JsResult<()> {
    if let Some(listed) = headers.get("connection")? {
        for name in listed.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            // An invalid header name cannot be present: ignore the error.
            let _ = headers.delete(name);
        }
    }
    for name in HOP_BY_HOP_HEADERS {
        headers.delete(name)?;
    }
    Ok(())
}

/// What the core's origin plan is computed from: the incoming headers it reads (each as
/// workerd's Headers joins it) and the edge's facts — the platform's `CF-Connecting-IP`,
/// the scheme and host of the URL the client used.
pub(crate) struct PlanInput {
    connection: Option<String>,
    cookie: Option<String>,
    forwarded_for: Option<String>,
    client_address: Option<String>,
    scheme: String,
    host: String,
}

impl PlanInput {
    pub(crate) fn read(incoming: &Headers, url: &Url) -> JsResult<PlanInput> {
        Ok(PlanInput {
            connection: incoming.get("connection")?,
            cookie: incoming.get("cookie")?,
            forwarded_for: incoming.get("x-forwarded-for")?,
            client_address: incoming.get("cf-connecting-ip")?,
            scheme: url.protocol(),
            host: url.host(),
        })
    }

    pub(crate) fn input(&self) -> OriginInput<'_> {
        OriginInput {
            hop: Hop::Proxy,
            connection: self.connection.as_deref(),
            cookie: self.cookie.as_deref(),
            forwarded_for: self.forwarded_for.as_deref(),
            facts: HostFacts {
                client_address: self.client_address.as_deref(),
                scheme: Some(&self.scheme),
                host: Some(&self.host),
            },
        }
    }
}

/// The headers the origin receives: the client's, with the core's plan applied (every
/// name in `remove` deleted, then each of `set` set).
pub(crate) fn origin_headers(incoming: &Headers, plan: &OriginPlan) -> JsResult<Headers> {
    let headers = Headers::new_with_headers(incoming)?;
    for name in &plan.remove {
        // A name that is not a valid header name cannot be present: ignore the error.
        let _ = headers.delete(name);
    }
    for (name, value) in &plan.set {
        headers.set(name, value)?;
    }
    Ok(headers)
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
