//! Session mode's refresh path: when the core answers [`jwtgate::Verdict::Refresh`] (the
//! session cookie verifies but its cookie cache cannot decide), the worker asks Better
//! Auth — `GET_SESSION_URL` by URL, or the app's Worker through the `AUTH_SERVICE`
//! service binding (a Worker cannot fetch a Worker on its own zone by URL) — with the
//! request's `Cookie` header and nothing else of the client's, and hands the answer to
//! the core ([`jwtgate::Gate::decide_refreshed`]), which decides. Transport only: bounded
//! time, manual redirects, 200 only, a bounded body; the answer remembered per refresh
//! key (a hash of the session token, never the token) for at most the core's
//! `remember_seconds`, in a bounded map. Anything else fails closed (503).

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::time::Duration;

use futures_util::future::{select, Either};
use jwtgate::SessionRefresh;
use web_sys::{AbortController, Headers, Request, RequestInit, RequestRedirect, Response};
use worker::wasm_bindgen::{JsCast, JsValue};
use worker::{js_sys, wasm_bindgen_futures::JsFuture, Delay, Env};

use crate::jwks::read_capped;

/// The service binding to the app's Worker (Better Auth's handler), when bound.
pub(crate) const SERVICE_BINDING: &str = "AUTH_SERVICE";
/// Largest get-session answer read (a user with large additional fields stays below).
const MAX_ANSWER_BYTES: usize = 256 * 1024;
/// Largest answer remembered (a larger one is used once, then asked for again).
const MAX_REMEMBERED_BYTES: usize = 16 * 1024;
/// Sessions remembered per isolate.
const MAX_REMEMBERED: usize = 1024;
pub(crate) const DEFAULT_TIMEOUT_MS: u64 = 5_000;

/// How the worker asks Better Auth about a session (session mode with a refresh path).
pub(crate) struct Refresher {
    /// `GET_SESSION_URL` (default `{BETTER_AUTH_URL}/api/auth/get-session`): fetched, or
    /// sent through the service binding (which reads its path and query).
    pub(crate) url: String,
    pub(crate) timeout: Duration,
    memory: RefCell<HashMap<String, Remembered>>,
}

struct Remembered {
    body: Rc<str>,
    until_ms: u64,
}

/// Better Auth's answer: the get-session JSON and the `Set-Cookie` lines it sent (a
/// re-issued cookie cache, or cleared cookies), to be passed back to the browser.
pub(crate) struct Answer {
    pub(crate) body: Rc<str>,
    pub(crate) set_cookies: Vec<String>,
}

impl Refresher {
    pub(crate) fn new(url: String, timeout: Duration) -> Self {
        Refresher {
            url,
            timeout,
            memory: RefCell::new(HashMap::new()),
        }
    }

    /// Better Auth's answer about the request's session: remembered, or asked for.
    /// `Err` holds the machine code of why Better Auth could not be asked (logged; the
    /// client gets 503 `session_unavailable`).
    pub(crate) async fn answer(
        &self,
        env: &Env,
        refresh: &SessionRefresh,
        cookie: &str,
        now_ms: u64,
    ) -> Result<Answer, &'static str> {
        if let Some(body) = self.remembered(&refresh.key, now_ms) {
            return Ok(Answer {
                body,
                set_cookies: Vec::new(),
            });
        }
        let answer = self.ask(env, cookie).await?;
        self.remember(refresh, &answer.body, now_ms);
        Ok(answer)
    }

    fn remembered(&self, key: &str, now_ms: u64) -> Option<Rc<str>> {
        let mut memory = self.memory.borrow_mut();
        match memory.get(key) {
            Some(entry) if now_ms < entry.until_ms => Some(entry.body.clone()),
            Some(_) => {
                memory.remove(key);
                None
            }
            None => None,
        }
    }

    fn remember(&self, refresh: &SessionRefresh, body: &Rc<str>, now_ms: u64) {
        if refresh.remember_seconds == 0 || body.len() > MAX_REMEMBERED_BYTES {
            return;
        }
        let until_ms = now_ms.saturating_add(refresh.remember_seconds.saturating_mul(1000));
        let mut memory = self.memory.borrow_mut();
        if memory.len() >= MAX_REMEMBERED && !memory.contains_key(&refresh.key) {
            memory.retain(|_, entry| now_ms < entry.until_ms);
        }
        if memory.len() >= MAX_REMEMBERED && !memory.contains_key(&refresh.key) {
            // Still full of live entries: the one ending first goes.
            let first = memory
                .iter()
                .min_by_key(|(_, entry)| entry.until_ms)
                .map(|(key, _)| key.clone());
            if let Some(first) = first {
                memory.remove(&first);
            }
        }
        memory.insert(
            refresh.key.clone(),
            Remembered {
                body: body.clone(),
                until_ms,
            },
        );
    }

    /// One GET with the client's `Cookie` only, within the timeout.
    async fn ask(&self, env: &Env, cookie: &str) -> Result<Answer, &'static str> {
        let abort = AbortController::new().map_err(|_| "session_fetch_failed")?;
        let work = async {
            let request = self
                .request(cookie, &abort)
                .map_err(|_| "session_fetch_failed")?;
            let pending = match service(env) {
                Some(fetch) => fetch
                    .call1(&service_target(env), &request)
                    .map_err(|_| "session_unreachable")?,
                None => {
                    let global: web_sys::WorkerGlobalScope = js_sys::global().unchecked_into();
                    global.fetch_with_request(&request).into()
                }
            };
            let promise: js_sys::Promise = pending.dyn_into().map_err(|_| "session_unreachable")?;
            let response: Response = JsFuture::from(promise)
                .await
                .map_err(|_| "session_unreachable")?
                .dyn_into()
                .map_err(|_| "session_unreachable")?;
            if response.status() != 200 {
                return Err("session_status");
            }
            let set_cookies = set_cookies(&response.headers());
            let body = read_capped(&response, MAX_ANSWER_BYTES)
                .await
                .map_err(|_| "session_answer_invalid")?;
            Ok(Answer {
                body: Rc::from(body),
                set_cookies,
            })
        };
        futures_util::pin_mut!(work);
        match select(work, Delay::from(self.timeout)).await {
            Either::Left((result, _)) => result,
            Either::Right(((), _)) => {
                abort.abort();
                Err("session_timeout")
            }
        }
    }

    fn request(&self, cookie: &str, abort: &AbortController) -> Result<Request, JsValue> {
        let headers = Headers::new()?;
        headers.set("accept", "application/json")?;
        headers.set("cookie", cookie)?;
        let init = RequestInit::new();
        init.set_method("GET");
        init.set_headers(&headers);
        init.set_redirect(RequestRedirect::Manual);
        init.set_signal(Some(&abort.signal()));
        Request::new_with_str_and_init(&self.url, &init)
    }
}

/// Is the `AUTH_SERVICE` binding there (a Fetcher: an object with a `fetch` function)?
pub(crate) fn has_service(env: &Env) -> bool {
    service(env).is_some()
}

fn service_target(env: &Env) -> JsValue {
    js_sys::Reflect::get(env, &JsValue::from_str(SERVICE_BINDING)).unwrap_or(JsValue::UNDEFINED)
}

/// The binding's `fetch` method.
fn service(env: &Env) -> Option<js_sys::Function> {
    let binding = service_target(env);
    if !binding.is_object() {
        return None;
    }
    js_sys::Reflect::get(&binding, &JsValue::from_str("fetch"))
        .ok()?
        .dyn_into::<js_sys::Function>()
        .ok()
}

/// Every `Set-Cookie` line of a response (`Headers.getSetCookie`, which web-sys lacks).
fn set_cookies(headers: &Headers) -> Vec<String> {
    let lines = js_sys::Reflect::get(headers, &JsValue::from_str("getSetCookie"))
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
        .and_then(|f| f.call0(headers).ok())
        .and_then(|v| v.dyn_into::<js_sys::Array>().ok());
    lines.map_or_else(Vec::new, |lines| {
        lines.iter().filter_map(|line| line.as_string()).collect()
    })
}
