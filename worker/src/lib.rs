//! jwtgate at the edge: a Cloudflare Worker that refuses what the core refuses and
//! proxies the rest to `ORIGIN_URL`.
//!
//! Every policy decision (does this path need a token, is this request allowed, which
//! status, body and challenge a refusal gets) comes from [`jwtgate::Gate`]. This crate
//! only does transport: configuration (`config`), CORS (`cors`), the headers that cross
//! the proxy (`forward`), and here the request flow, proxying and logging.

mod bridge;
mod config;
mod cors;
mod forward;
mod jwks;

use futures_util::future::{select, Either};
use jwtgate::OriginToken;
use jwtgate::{route, Error, Route};
use web_sys::{
    AbortController, Headers, Request, RequestInit, RequestRedirect, Response, ResponseInit, Url,
    WorkerGlobalScope,
};
use worker::wasm_bindgen::{JsCast, JsValue};
use worker::{event, js_sys, wasm_bindgen_futures, Context, Date, Delay, Env};

use config::{config, Config, Unprotected};

type JsResult<T> = Result<T, JsValue>;

/// Longest path written to a log line.
const LOG_PATH_MAX: usize = 512;

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
    // The path the runtime's URL parser read, which is also what gets forwarded. A fragment
    // can only come from a raw `#` in the request target, which routers read two ways:
    // handed to the core with it, so it is refused as in every other host.
    let mut path = url.pathname();
    path.push_str(&url.hash());
    let mut incoming = Incoming {
        method: req.method(),
        path,
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
    incoming.cors_origin = config.cors.allowed(headers.get("origin")?);

    // Preflight from an allowed origin: answered here, without a token.
    if let (true, Some(cors_origin)) = (incoming.method == "OPTIONS", &incoming.cors_origin) {
        if let Some(wanted) = headers.get("access-control-request-method")? {
            return cors::preflight(&config.cors, cors_origin, &wanted);
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
            remote.wait_while_loading(&config.gate).await;
        }
        let authorization = headers.get("authorization")?;
        let mut decision = decide(&config, &incoming, authorization.as_deref(), now_ms);
        if let (Err(Some(refusal)), Some(remote)) = (&decision, &config.remote) {
            // A rotated-in key, or a signature refused under a key from the Cache API:
            // refetch (at most once per cooldown) and decide again (jwks::refetch_after).
            if remote
                .refetch_after(*refusal, &config.gate, &config.base, now_ms)
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
        .then(|| bridge::origin_authorization(cached.gate(), &verified))
        .flatten();
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
    let headers = forward::origin_headers(
        &req.headers(),
        url,
        identity
            .as_ref()
            .map(|i| (i.user_id.as_str(), i.email.as_str())),
    )?;
    if let Some(value) = identity
        .as_ref()
        .and_then(|i| i.origin_authorization.as_ref())
    {
        // The bridge (`ORIGIN_TOKEN = "hs256"`): the origin gets a token in the spec's shape.
        headers.set("authorization", value)?;
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
    forward::strip_hop_by_hop(&out_headers)?;
    forward::rewrite_locations(&out_headers, &config.origin_key, &url.origin())?;
    for name in cors::RESPONSE_HEADERS {
        out_headers.delete(name)?;
    }
    cors::apply(&out_headers, incoming.cors_origin.as_deref())?;
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
    cors::apply(&headers, incoming.cors_origin.as_deref())?;
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
