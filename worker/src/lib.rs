//! jwtgate at the edge: a Cloudflare Worker that refuses what the core refuses and
//! proxies the rest to `ORIGIN_URL`.
//!
//! Every policy decision (does this path need a token, is this request allowed, which
//! status, body and challenge a refusal gets) comes from [`jwtgate::Gate`]. This file
//! only does transport: configuration, CORS, proxying, logging.

mod bridge;
mod jwks;

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use bridge::OriginToken;
use futures_util::future::{select, Either};
use jwtgate::{
    route, CachedGate, Error, Gate, GateConfig, Route, DEFAULT_CACHE_ENTRIES, MAX_CACHE_ENTRIES,
};
use web_sys::{
    AbortController, Headers, Request, RequestInit, RequestRedirect, Response, ResponseInit, Url,
    WorkerGlobalScope,
};
use worker::wasm_bindgen::{JsCast, JsValue};
use worker::{event, js_sys, wasm_bindgen_futures, Context, Date, Delay, Env};

type JsResult<T> = Result<T, JsValue>;

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
/// CORS response headers owned by the edge (the origin's are replaced).
const CORS_RESPONSE: &[&str] = &[
    "access-control-allow-origin",
    "access-control-allow-credentials",
    "access-control-allow-methods",
    "access-control-allow-headers",
    "access-control-expose-headers",
    "access-control-max-age",
];
const PREFLIGHT_METHODS: &str = "GET, POST, PUT, PATCH, DELETE, OPTIONS";
const PREFLIGHT_HEADERS: &str = "Authorization, Content-Type";
const EXPOSE_HEADERS: &str = "WWW-Authenticate, X-Request-Id";
const DEFAULT_ALLOWED_ORIGINS: &str = "http://localhost:3000";
const DEFAULT_TIMEOUT_MS: u64 = 30_000;
/// Longest path written to a log line.
const LOG_PATH_MAX: usize = 512;

/// What to do with a path outside the API prefix.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Unprotected {
    /// Proxy it unchanged, without identity headers (the default).
    Proxy,
    /// Answer 404 at the edge.
    Deny,
}

struct Config {
    /// One per isolate: repeats of a verified token skip the signature and JSON work
    /// (never the time rules). Borrowed only inside the synchronous decision. `None`
    /// only with `JWKS_URL` while no key set was ever obtained (requests then get 503).
    gate: RefCell<Option<CachedGate>>,
    /// The gate's configuration without keys (a fetched key set is added to it).
    base: GateConfig,
    /// `JWKS_URL`: where the key set comes from, and when to fetch it.
    remote: Option<jwks::RemoteKeys>,
    /// `ORIGIN_TOKEN`: what the origin receives in `Authorization`.
    origin_token: OriginToken,
    /// `ORIGIN_URL` without a trailing `/`.
    origin: String,
    allowed_origins: Vec<String>,
    timeout: Duration,
    unprotected: Unprotected,
}

thread_local! {
    /// The configuration is read and validated once per isolate.
    static CONFIG: RefCell<Option<Result<Rc<Config>, &'static str>>> = const { RefCell::new(None) };
}

fn text_binding(env: &Env, name: &str) -> Option<String> {
    env.var(name).ok().map(|v| v.to_string())
}

/// Reads and validates the environment. The error is a machine code, never a value.
fn load_config(env: &Env) -> Result<Config, &'static str> {
    let jwks_url = text_binding(env, "JWKS_URL").filter(|u| !u.trim().is_empty());
    // With a key set (EdDSA tokens) the secret is optional (HS256 tokens then refused).
    let secret = match text_binding(env, "BETTER_AUTH_SECRET").filter(|s| !s.is_empty()) {
        Some(secret) => {
            GateConfig::new(secret.as_str())
                .validate()
                .map_err(|e| e.code())?;
            secret
        }
        None if jwks_url.is_some() => String::new(),
        None => return Err("secret_missing"),
    };
    let origin_token = OriginToken::parse(text_binding(env, "ORIGIN_TOKEN").as_deref())?;
    if origin_token == OriginToken::Hs256 && secret.is_empty() {
        return Err("origin_token_needs_secret");
    }
    let mut gate_config = GateConfig::new(secret);
    if let Some(issuer) = text_binding(env, "ISSUER").filter(|v| !v.is_empty()) {
        gate_config = gate_config.issuer(issuer);
    }
    if let Some(audience) = text_binding(env, "AUDIENCE").filter(|v| !v.is_empty()) {
        gate_config = gate_config.audience(audience);
    }
    if let Some(previous) = text_binding(env, "BETTER_AUTH_PREVIOUS_SECRETS") {
        gate_config = gate_config.previous_secrets_list(&previous);
    }
    if let Some(prefix) = text_binding(env, "API_PREFIX").filter(|p| !p.is_empty()) {
        gate_config = gate_config.api_prefix(prefix);
    }
    let cache_entries = match text_binding(env, "TOKEN_CACHE_SIZE") {
        None => DEFAULT_CACHE_ENTRIES,
        Some(v) => v
            .trim()
            .parse::<usize>()
            .ok()
            .filter(|n| *n <= MAX_CACHE_ENTRIES)
            .ok_or("token_cache_size_invalid")?,
    };
    let (gate, remote) = match jwks_url {
        None => (
            Some(Gate::new(gate_config.clone()).map_err(|e| e.code())?),
            None,
        ),
        Some(url) => {
            if gate_config.issuer.is_none() || gate_config.audience.is_none() {
                return Err("jwks_needs_issuer_and_audience");
            }
            let parsed = Url::new(url.trim()).map_err(|_| "jwks_url_invalid")?;
            if !matches!(parsed.protocol().as_str(), "http:" | "https:") {
                return Err("jwks_url_invalid");
            }
            if !gate_config.has_valid_api_prefix() {
                return Err("invalid_api_prefix");
            }
            (
                None,
                Some(jwks::RemoteKeys::new(parsed.href(), cache_entries)),
            )
        }
    };

    let origin = text_binding(env, "ORIGIN_URL").ok_or("origin_url_missing")?;
    let origin = origin.trim().trim_end_matches('/').to_string();
    // The runtime's own URL parser; only a bare http(s) origin (no path, query, fragment).
    let parsed = Url::new(&origin).map_err(|_| "origin_url_invalid")?;
    let bare = parsed.pathname() == "/" && parsed.search().is_empty() && parsed.hash().is_empty();
    if !matches!(parsed.protocol().as_str(), "http:" | "https:") || !bare {
        return Err("origin_url_invalid");
    }

    let allowed_origins = text_binding(env, "ALLOWED_ORIGINS")
        .unwrap_or_else(|| DEFAULT_ALLOWED_ORIGINS.to_string())
        .split(',')
        .map(|o| o.trim().trim_end_matches('/').to_string())
        .filter(|o| !o.is_empty())
        .collect();

    let timeout_ms = match text_binding(env, "ORIGIN_TIMEOUT_MS") {
        None => DEFAULT_TIMEOUT_MS,
        Some(v) => v
            .trim()
            .parse::<u64>()
            .ok()
            .filter(|ms| (1..=600_000).contains(ms))
            .ok_or("origin_timeout_invalid")?,
    };
    let unprotected = match text_binding(env, "UNPROTECTED_PATHS")
        .as_deref()
        .map(str::trim)
    {
        None | Some("" | "proxy") => Unprotected::Proxy,
        Some("deny") => Unprotected::Deny,
        Some(_) => return Err("unprotected_paths_invalid"),
    };
    Ok(Config {
        gate: RefCell::new(gate.map(|g| CachedGate::new(g, cache_entries))),
        base: gate_config,
        remote,
        origin_token,
        origin,
        allowed_origins,
        timeout: Duration::from_millis(timeout_ms),
        unprotected,
    })
}

fn config(env: &Env) -> Result<Rc<Config>, &'static str> {
    CONFIG.with(|cell| {
        cell.borrow_mut()
            .get_or_insert_with(|| load_config(env).map(Rc::new))
            .clone()
    })
}

/// Everything a log line and a response need about the incoming request.
struct Incoming {
    method: String,
    path: String,
    /// The `Origin` header when it is one of `ALLOWED_ORIGINS`.
    cors_origin: Option<String>,
    request_id: String,
}

#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> worker::Result<Response> {
    match handle(req, &env).await {
        Ok(response) => Ok(response),
        // A runtime error (never a policy decision): JSON 500, logged, nothing forwarded.
        Err(_) => {
            worker::console_log!(
                r#"{{"level":"error","event":"internal_error","code":"runtime_error","status":500}}"#
            );
            let init = ResponseInit::new();
            init.set_status(500);
            Ok(Response::new_with_opt_str_and_init(
                Some(r#"{"detail":"Internal error"}"#),
                &init,
            )?)
        }
    }
}

async fn handle(req: Request, env: &Env) -> JsResult<Response> {
    let headers = req.headers();
    let url = Url::new(&req.url())?;
    let request_id = headers
        .get("cf-ray")?
        .filter(|v| !v.is_empty() && v.len() <= 64)
        .unwrap_or_else(random_id);
    let mut incoming = Incoming {
        method: req.method(),
        path: url.pathname(),
        cors_origin: None,
        request_id,
    };

    let config = match config(env) {
        Ok(config) => config,
        Err(code) => {
            // Fail closed: no CORS, no proxying, for every request.
            log_event(&incoming, "misconfigured", code, 500);
            return json_response(&incoming, 500, r#"{"detail":"Gate misconfigured"}"#, None);
        }
    };
    incoming.cors_origin = headers
        .get("origin")?
        .filter(|o| config.allowed_origins.iter().any(|a| a == o));

    // Preflight from an allowed origin: answered here, without a token.
    if incoming.method == "OPTIONS" && incoming.cors_origin.is_some() {
        if let Some(wanted) = headers.get("access-control-request-method")? {
            return preflight(
                &incoming,
                &wanted,
                headers.get("access-control-request-headers")?,
            );
        }
    }

    let now_ms = Date::now().as_millis();
    let protects = !matches!(
        route(&config.base.api_prefix, &incoming.path),
        Ok(Route::Unprotected)
    );
    let identity = if protects {
        // Only requests that need a key wait for one (an unprotected path never does).
        if let Some(remote) = &config.remote {
            remote
                .refresh_if_due(&config.gate, &config.base, now_ms)
                .await;
        }
        let authorization = headers.get("authorization")?;
        let mut decision = decide(&config, &incoming, authorization.as_deref(), now_ms);
        if let (Err(Some(Error::UnknownKey)), Some(remote)) = (&decision, &config.remote) {
            // A rotated-in key: refetch (at most once per cooldown) and decide again.
            if remote
                .refetch_for_unknown_kid(&config.gate, &config.base, now_ms)
                .await
            {
                decision = decide(&config, &incoming, authorization.as_deref(), now_ms);
            }
        }
        match decision {
            Ok(identity) => Some(identity),
            Err(Some(err)) => {
                log_event(&incoming, "refused", err.code(), err.status());
                return json_response(
                    &incoming,
                    err.status(),
                    &err.body_json(),
                    err.www_authenticate(),
                );
            }
            Err(None) => {
                // No usable key set, ever: fail closed, never a pass-through.
                log_event(&incoming, "unavailable", "jwks_unavailable", 503);
                return json_response(
                    &incoming,
                    503,
                    r#"{"detail":"Authentication keys unavailable"}"#,
                    None,
                );
            }
        }
    } else if config.unprotected == Unprotected::Deny {
        log_event(&incoming, "refused", "unprotected_path", 404);
        return json_response(&incoming, 404, r#"{"detail":"Not Found"}"#, None);
    } else {
        None
    };

    proxy(&req, &url, &config, &incoming, identity).await
}

/// Who the origin is told about: the verified identity, and (bridge) its own token.
struct Identity {
    user_id: String,
    email: String,
    /// `ORIGIN_TOKEN = "hs256"`: the `Authorization` value the origin receives instead.
    origin_authorization: Option<String>,
}

/// The core's decision, synchronously (no borrow lives across an await). `Err(None)`: no
/// key set to decide with.
fn decide(
    config: &Config,
    incoming: &Incoming,
    authorization: Option<&str>,
    now_ms: u64,
) -> Result<Identity, Option<Error>> {
    let mut slot = config.gate.borrow_mut();
    let cached = slot.as_mut().ok_or(None)?;
    let verified = cached
        .authorize(
            &incoming.method,
            &incoming.path,
            authorization,
            now_ms / 1000,
        )
        .map_err(Some)?
        .clone();
    let origin_authorization = (config.origin_token == OriginToken::Hs256)
        .then(|| bridge::origin_authorization(cached.gate(), &verified));
    Ok(Identity {
        user_id: verified.user_id().to_string(),
        email: verified.claims().email.clone(),
        origin_authorization,
    })
}

async fn proxy(
    req: &Request,
    url: &Url,
    config: &Config,
    incoming: &Incoming,
    identity: Option<Identity>,
) -> JsResult<Response> {
    let headers = Headers::new_with_headers(&req.headers())?;
    strip_hop_by_hop(&headers)?;
    headers.delete("host")?;
    headers.delete(USER_ID)?;
    headers.delete(USER_EMAIL)?;
    if let Some(identity) = identity {
        // `authorize` only allows identities that travel as header values unchanged.
        headers.set(USER_ID, &identity.user_id)?;
        headers.set(USER_EMAIL, &identity.email)?;
        if let Some(value) = identity.origin_authorization {
            headers.set("authorization", &value)?;
        }
    }

    let target = format!("{}{}{}", config.origin, incoming.path, url.search());
    let abort = AbortController::new()?;
    let init = RequestInit::new();
    init.set_method(&incoming.method);
    init.set_headers(&headers);
    init.set_redirect(RequestRedirect::Manual);
    init.set_signal(Some(&abort.signal()));
    if let Some(body) = req.body() {
        init.set_body(&body); // streamed, not buffered
    }
    let upstream = Request::new_with_str_and_init(&target, &init)?;
    let global: WorkerGlobalScope = js_sys::global().unchecked_into();
    let pending = wasm_bindgen_futures::JsFuture::from(global.fetch_with_request(&upstream));

    let response = match select(pending, Delay::from(config.timeout)).await {
        Either::Left((Ok(response), _)) => response.dyn_into::<Response>()?,
        Either::Left((Err(_), _)) => return origin_unavailable(incoming, "origin_unreachable"),
        Either::Right(((), _)) => {
            abort.abort();
            return origin_unavailable(incoming, "origin_timeout");
        }
    };

    let out_headers = Headers::new_with_headers(&response.headers())?;
    strip_hop_by_hop(&out_headers)?;
    for name in CORS_RESPONSE {
        out_headers.delete(name)?;
    }
    apply_cors(&out_headers, incoming)?;
    let init = ResponseInit::new();
    init.set_status(response.status());
    init.set_status_text(&response.status_text());
    init.set_headers(&out_headers);
    Response::new_with_opt_readable_stream_and_init(response.body().as_ref(), &init)
}

fn origin_unavailable(incoming: &Incoming, code: &str) -> JsResult<Response> {
    log_event(incoming, "origin_error", code, 502);
    json_response(incoming, 502, r#"{"detail":"Origin unavailable"}"#, None)
}

fn strip_hop_by_hop(headers: &Headers) -> JsResult<()> {
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

fn apply_cors(headers: &Headers, incoming: &Incoming) -> JsResult<()> {
    // The origin may already vary on Origin: don't list it twice.
    let varies = headers.get("vary")?.is_some_and(|v| {
        v.split(',')
            .any(|token| token.trim().eq_ignore_ascii_case("origin"))
    });
    if !varies {
        headers.append("vary", "Origin")?;
    }
    if let Some(origin) = &incoming.cors_origin {
        headers.set("access-control-allow-origin", origin)?;
        headers.set("access-control-allow-credentials", "true")?;
        headers.set("access-control-expose-headers", EXPOSE_HEADERS)?;
    }
    Ok(())
}

fn preflight(
    incoming: &Incoming,
    wanted_method: &str,
    wanted_headers: Option<String>,
) -> JsResult<Response> {
    let headers = Headers::new()?;
    apply_cors(&headers, incoming)?;
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
    let allow_headers = wanted_headers.filter(|h| !h.trim().is_empty());
    headers.set(
        "access-control-allow-headers",
        allow_headers.as_deref().unwrap_or(PREFLIGHT_HEADERS),
    )?;
    headers.set("access-control-max-age", "600")?;
    let init = ResponseInit::new();
    init.set_status(204);
    init.set_headers(&headers);
    Response::new_with_opt_str_and_init(None, &init)
}

fn json_response(
    incoming: &Incoming,
    status: u16,
    body: &str,
    www_authenticate: Option<&str>,
) -> JsResult<Response> {
    let headers = Headers::new()?;
    headers.set("content-type", "application/json")?;
    headers.set("cache-control", "no-store")?;
    headers.set("x-request-id", &incoming.request_id)?;
    if let Some(challenge) = www_authenticate {
        headers.set("www-authenticate", challenge)?;
    }
    apply_cors(&headers, incoming)?;
    let init = ResponseInit::new();
    init.set_status(status);
    init.set_headers(&headers);
    Response::new_with_opt_str_and_init(Some(body), &init)
}

/// One JSON line per refusal: never the token, a claim or a secret.
fn log_event(incoming: &Incoming, event: &str, code: &str, status: u16) {
    let mut path = incoming.path.as_str();
    if path.len() > LOG_PATH_MAX {
        let mut end = LOG_PATH_MAX;
        while !path.is_char_boundary(end) {
            end -= 1;
        }
        path = &path[..end];
    }
    let quote = |s: &str| serde_json::to_string(s).unwrap_or_else(|_| "\"\"".to_string());
    worker::console_log!(
        r#"{{"level":"warn","event":{},"code":{},"status":{},"method":{},"path":{},"request_id":{}}}"#,
        quote(event),
        quote(code),
        status,
        quote(&incoming.method),
        quote(path),
        quote(&incoming.request_id)
    );
}

/// 16 hex digits when the platform gave no `cf-ray` (local dev).
fn random_id() -> String {
    let hi = (js_sys::Math::random() * f64::from(u32::MAX)) as u32;
    let lo = (js_sys::Math::random() * f64::from(u32::MAX)) as u32;
    format!("{hi:08x}{lo:08x}")
}
