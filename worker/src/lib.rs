//! jwtgate at the edge: a Cloudflare Worker that refuses what the core refuses and
//! proxies the rest to `ORIGIN_URL`.
//!
//! The worker only translates (the core's host contract): it reads workerd's request into
//! a [`HostRequest`], answers the core's [`Verdict`] (a refusal with the error's status,
//! body and response headers), and applies the core's [`jwtgate::OriginPlan`] to what the
//! origin receives (identity, the bridge's `Authorization`, hop-by-hop, forwarding facts,
//! auth cookies). Its own parts are transport: configuration (`config`), CORS (`cors`),
//! applying the plan and rewriting `Location` (`forward`), the key-set I/O (`jwks`), and
//! here the request flow, proxying and logging.

mod config;
mod cors;
mod forward;
mod jwks;
mod session;

use futures_util::future::{select, Either};
use jwtgate::{Error, Field, HostRequest, Verdict, VerifiedToken};
use web_sys::{
    AbortController, Headers, Request, RequestInit, RequestRedirect, Response, ResponseInit, Url,
    WorkerGlobalScope,
};
use worker::wasm_bindgen::{JsCast, JsValue};
use worker::{event, js_sys, wasm_bindgen_futures, Context, Date, Delay, Env};

use config::{config, Config, Misconfig, Unprotected};

type JsResult<T> = Result<T, JsValue>;

/// Longest path written to a log line.
const LOG_PATH_MAX: usize = 512;

/// Everything a log line and a response need about the incoming request.
struct Incoming {
    method: String,
    /// The path judged and logged (without the query, which is never logged).
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
    // handed to the core with it (before the query), so it is refused as in every other host.
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
        Err(misconfig) => {
            // Fail closed: no CORS, no proxying, for every request.
            log_misconfig(&incoming, &misconfig);
            return json_response(&incoming, 500, r#"{"detail":"Gate misconfigured"}"#, &[]);
        }
    };
    incoming.cors_origin = config.cors.allowed(headers.get("origin")?);

    // Preflight from an allowed origin: answered here, without a token.
    if let (true, Some(cors_origin)) = (incoming.method == "OPTIONS", &incoming.cors_origin) {
        if let Some(wanted) = headers.get("access-control-request-method")? {
            return cors::preflight(&config.cors, cors_origin, &wanted);
        }
    }

    // workerd's Headers hand out repeated field lines already joined with ", ": the core's
    // combined value, so the core's rule for repeated lines decides.
    let authorization = headers.get("authorization")?;
    // Session mode reads Better Auth's cookies and the CSRF rule's Origin/Referer (the
    // core decides; a gate outside session mode ignores them).
    let cookie = headers.get("cookie")?;
    let origin = headers.get("origin")?;
    let referer = headers.get("referer")?;
    let target = format!("{}{}", incoming.path, url.search());
    let request = HostRequest::new(&incoming.method, &target, field(&authorization)).with_cookies(
        field(&cookie),
        field(&origin),
        field(&referer),
    );
    let now_ms = Date::now().as_millis();
    let verdict = match &config.remote {
        // A fixed key or secret: one decision.
        None => decide(&config, &request, now_ms),
        // Outside the prefix the answer needs no key: such a request never waits for one.
        Some(_)
            if config
                .base
                .decide_awaiting_key_set::<VerifiedToken>(&request)
                == Verdict::Pass =>
        {
            Verdict::Pass
        }
        Some(remote) => {
            remote
                .refresh_if_due(&config.gate, &config.base, now_ms)
                .await;
            remote.wait_while_loading(&config.gate).await;
            let verdict = decide(&config, &request, now_ms);
            match verdict {
                // A rotated-in key, or a signature refused under a key from the Cache API:
                // refetch (at most once per cooldown) and decide again (jwks::refetch_after).
                Verdict::Refuse(refusal)
                    if remote
                        .refetch_after(refusal, &config.gate, &config.base, now_ms)
                        .await =>
                {
                    decide(&config, &request, now_ms)
                }
                verdict => verdict,
            }
        }
    };

    // The cookie cache cannot decide: Better Auth's answer, then the core decides again.
    let mut set_cookies = Vec::new();
    let verdict = match (verdict, &config.refresher) {
        (Verdict::Refresh(refresh), Some(refresher)) => {
            let cookie = cookie.as_deref().unwrap_or_default();
            match refresher.answer(env, &refresh, cookie, now_ms).await {
                Ok(answer) => {
                    set_cookies = answer.set_cookies;
                    decide_refreshed(&config, &request, &answer.body, now_ms)
                }
                Err(code) => {
                    // Fail closed: never a pass-through (the worker's reason in the log).
                    log_event(&incoming, "unavailable", code, 503);
                    Verdict::Refuse(Error::SessionUnavailable)
                }
            }
        }
        (verdict, _) => verdict,
    };
    let response = answer(&req, &url, &config, &incoming, verdict).await?;
    let out = response.headers();
    for line in &set_cookies {
        out.append("set-cookie", line)?;
    }
    Ok(response)
}

/// The response to the core's final verdict.
async fn answer(
    req: &Request,
    url: &Url,
    config: &Config,
    incoming: &Incoming,
    verdict: Verdict<VerifiedToken>,
) -> JsResult<Response> {
    match verdict {
        // Without a way to ask Better Auth, a session whose cache cannot decide is refused.
        Verdict::Refresh(refresh) => refuse(incoming, refresh.reason),
        Verdict::Refuse(error) => refuse(incoming, error),
        Verdict::Pass if config.unprotected == Unprotected::Deny => {
            log_event(incoming, "refused", "unprotected_path", 404);
            json_response(incoming, 404, r#"{"detail":"Not Found"}"#, &[])
        }
        Verdict::Pass => proxy(req, url, config, incoming, None).await,
        Verdict::Allow(verified) | Verdict::Session(verified) => {
            proxy(req, url, config, incoming, Some(&verified)).await
        }
    }
}

/// [`jwtgate::Gate::decide_refreshed`] with Better Auth's answer, synchronously.
fn decide_refreshed(
    config: &Config,
    request: &HostRequest<'_>,
    body: &str,
    now_ms: u64,
) -> Verdict<VerifiedToken> {
    match config.gate.borrow().as_ref() {
        Some(cached) => cached.gate().decide_refreshed(request, body, now_ms / 1000),
        None => Verdict::Refuse(Error::KeysUnavailable),
    }
}

/// A header as the core reads it.
fn field(value: &Option<String>) -> Field<'_> {
    value.as_deref().map_or(Field::Absent, Field::Value)
}

/// The refusal answer: status, `{"detail"}` body and the core's headers.
fn refuse(incoming: &Incoming, error: Error) -> JsResult<Response> {
    // KeysUnavailable: no usable key set yet — fail closed, never a pass-through.
    let event = if error == Error::KeysUnavailable {
        "unavailable"
    } else {
        "refused"
    };
    log_event(incoming, event, error.code(), error.status());
    let refusal: Vec<_> = error.response_headers().collect();
    json_response(incoming, error.status(), &error.body_json(), &refusal)
}

/// The core's verdict, synchronously (no borrow of the gate lives across an await); the
/// verified token is cloned out of the cache.
fn decide(config: &Config, request: &HostRequest<'_>, now_ms: u64) -> Verdict<VerifiedToken> {
    let mut slot = config.gate.borrow_mut();
    let Some(cached) = slot.as_mut() else {
        return config.base.decide_awaiting_key_set(request);
    };
    match cached.decide(request, now_ms / 1000) {
        Verdict::Pass => Verdict::Pass,
        Verdict::Allow(verified) => Verdict::Allow(verified.clone()),
        Verdict::Session(verified) => Verdict::Session(verified.clone()),
        Verdict::Refresh(refresh) => Verdict::Refresh(refresh),
        Verdict::Refuse(error) => Verdict::Refuse(error),
    }
}

async fn proxy(
    req: &Request,
    url: &Url,
    config: &Config,
    incoming: &Incoming,
    verified: Option<&VerifiedToken>,
) -> JsResult<Response> {
    let facts = forward::PlanInput::read(&req.headers(), url)?;
    let plan = {
        let input = facts.input();
        match config.gate.borrow().as_ref() {
            Some(cached) => cached.gate().origin_plan(&input, verified),
            // No key set yet (only a path outside the prefix gets here): the same plan.
            None => config.base.origin_plan_without_identity(&input),
        }
    };
    let headers = forward::origin_headers(&req.headers(), &plan)?;

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
    json_response(incoming, 502, r#"{"detail":"Origin unavailable"}"#, &[])
}

/// A JSON answer from the edge: a refusal with the core's `headers`
/// ([`Error::response_headers`]), or one of the worker's own (500, 404, 502) with the same
/// two a refusal has.
fn json_response(
    incoming: &Incoming,
    status: u16,
    body: &str,
    headers_in: &[(&str, &str)],
) -> JsResult<Response> {
    let headers = Headers::new()?;
    let own = [
        ("content-type", "application/json"),
        ("cache-control", "no-store"),
    ];
    let list = if headers_in.is_empty() {
        &own[..]
    } else {
        headers_in
    };
    for (name, value) in list {
        headers.set(name, value)?;
    }
    headers.set("x-request-id", &incoming.request_id)?;
    cors::apply(&headers, incoming.cors_origin.as_deref())?;
    let init = ResponseInit::new();
    init.set_status(status);
    init.set_headers(&headers);
    Response::new_with_opt_str_and_init(Some(body), &init)
}

fn quote(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".to_string())
}

/// The logged path: at most [`LOG_PATH_MAX`] bytes.
fn log_path(incoming: &Incoming) -> &str {
    let path = incoming.path.as_str();
    if path.len() <= LOG_PATH_MAX {
        return path;
    }
    let mut end = LOG_PATH_MAX;
    while !path.is_char_boundary(end) {
        end -= 1;
    }
    &path[..end]
}

/// The configuration refused: the core's code, the variable at fault (its name in the
/// options table) and the core's message, which never holds a value.
fn log_misconfig(incoming: &Incoming, misconfig: &Misconfig) {
    worker::console_log!(
        r#"{{"level":"error","event":"misconfigured","code":{},"option":{},"message":{},"status":500,"method":{},"path":{},"request_id":{}}}"#,
        quote(misconfig.code),
        misconfig.option.map_or_else(|| "null".to_string(), quote),
        misconfig
            .message
            .as_deref()
            .map_or_else(|| "null".to_string(), quote),
        quote(&incoming.method),
        quote(log_path(incoming)),
        quote(&incoming.request_id)
    );
}

/// One JSON line per refusal: never the token, a claim or a secret.
fn log_event(incoming: &Incoming, event: &str, code: &str, status: u16) {
    let path = log_path(incoming);
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
