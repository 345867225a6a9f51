//! CORS at the edge: exact-match allowed origins, credentials, an allow list of request
//! headers. The origin's own CORS headers are replaced by these.

use web_sys::{Headers, Response, ResponseInit, Url};

use crate::JsResult;

/// CORS response headers owned by the edge (the origin's are replaced).
pub(crate) const RESPONSE_HEADERS: &[&str] = &[
    "access-control-allow-origin",
    "access-control-allow-credentials",
    "access-control-allow-methods",
    "access-control-allow-headers",
    "access-control-expose-headers",
    "access-control-max-age",
];
const PREFLIGHT_METHODS: &str = "GET, POST, PUT, PATCH, DELETE, OPTIONS";
/// Request headers a browser may always send: the token and a JSON body's type.
/// `CORS_ALLOW_HEADERS` adds to these; a preflight never gets back what it asked for unchecked.
const BASE_ALLOW_HEADERS: &str = "Authorization, Content-Type";
const EXPOSE_HEADERS: &str = "WWW-Authenticate, X-Request-Id";

pub(crate) struct Cors {
    /// Exact serialized origins (`scheme://host[:port]`). Empty: CORS off.
    allowed_origins: Vec<String>,
    /// `Access-Control-Allow-Headers` of every preflight answer.
    allow_headers: String,
}

impl Cors {
    /// `ALLOWED_ORIGINS` unset: no browser origin gets CORS headers (the production
    /// default). Set: a comma-separated list of exact origins; empty, a wildcard or
    /// anything that is not an origin is refused, since every answer allows credentials.
    pub(crate) fn from_env(
        origins: Option<&str>,
        extra_headers: Option<&str>,
    ) -> Result<Cors, &'static str> {
        let allowed_origins = match origins {
            None => Vec::new(),
            Some(list) => parse_origins(list)?,
        };
        let mut allow_headers = String::from(BASE_ALLOW_HEADERS);
        for name in extra_headers
            .unwrap_or("")
            .split(',')
            .map(str::trim)
            .filter(|n| !n.is_empty())
        {
            if !is_token(name) {
                return Err("cors_allow_headers_invalid");
            }
            let listed = allow_headers
                .split(", ")
                .any(|h| h.eq_ignore_ascii_case(name));
            if !listed {
                allow_headers.push_str(", ");
                allow_headers.push_str(name);
            }
        }
        Ok(Cors {
            allowed_origins,
            allow_headers,
        })
    }

    /// The request's `Origin` when it is one of the allowed ones (exact match).
    pub(crate) fn allowed(&self, origin: Option<String>) -> Option<String> {
        origin.filter(|o| self.allowed_origins.iter().any(|a| a == o))
    }
}

fn parse_origins(list: &str) -> Result<Vec<String>, &'static str> {
    let entries: Vec<&str> = list
        .split(',')
        .map(str::trim)
        .filter(|o| !o.is_empty())
        .collect();
    if entries.is_empty() {
        return Err("allowed_origins_empty");
    }
    entries
        .into_iter()
        .map(|entry| {
            if entry.contains('*') {
                return Err("allowed_origins_wildcard");
            }
            let entry = entry.trim_end_matches('/');
            // Browsers send the serialized origin: an entry spelled otherwise never matches.
            let parsed = Url::new(entry).map_err(|_| "allowed_origins_invalid")?;
            let web = matches!(parsed.protocol().as_str(), "http:" | "https:");
            if web && parsed.origin() == entry {
                Ok(entry.to_string())
            } else {
                Err("allowed_origins_invalid")
            }
        })
        .collect()
}

/// RFC 9110 token (a header name).
fn is_token(name: &str) -> bool {
    name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
        && name != "*"
}

/// Adds `Vary: Origin` and, for an allowed origin, the edge's CORS headers.
pub(crate) fn apply(headers: &Headers, cors_origin: Option<&str>) -> JsResult<()> {
    // The origin may already vary on Origin: don't list it twice.
    let varies = headers.get("vary")?.is_some_and(|v| {
        v.split(',')
            .any(|token| token.trim().eq_ignore_ascii_case("origin"))
    });
    if !varies {
        headers.append("vary", "Origin")?;
    }
    if let Some(origin) = cors_origin {
        headers.set("access-control-allow-origin", origin)?;
        headers.set("access-control-allow-credentials", "true")?;
        headers.set("access-control-expose-headers", EXPOSE_HEADERS)?;
    }
    Ok(())
}

/// 204 answer to a preflight from an allowed origin: the allow lists, never an echo of
/// `Access-Control-Request-Headers` (a header not listed is then refused by the browser).
pub(crate) fn preflight(cors: &Cors, cors_origin: &str, wanted_method: &str) -> JsResult<Response> {
    let headers = Headers::new()?;
    apply(&headers, Some(cors_origin))?;
    headers.delete("access-control-expose-headers")?;
    headers.append(
        "vary",
        "Access-Control-Request-Method, Access-Control-Request-Headers",
    )?;
    // Echo the requested method when it is one we list, so browsers see an exact match.
    let methods = if PREFLIGHT_METHODS.split(", ").any(|m| m == wanted_method) {
        PREFLIGHT_METHODS
    } else {
        "GET, POST, PUT, PATCH, DELETE"
    };
    headers.set("access-control-allow-methods", methods)?;
    headers.set("access-control-allow-headers", &cors.allow_headers)?;
    headers.set("access-control-max-age", "600")?;
    let init = ResponseInit::new();
    init.set_status(204);
    init.set_headers(&headers);
    Response::new_with_opt_str_and_init(None, &init)
}
