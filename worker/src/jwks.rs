//! The worker's remote key set (`JWKS_URL`, e.g. Better Auth's `/api/auth/jwks`).
//!
//! Where a key set comes from, in order: this isolate's memory → the Workers Cache API
//! (so a cold isolate in the same data center does not refetch) → the origin (manual
//! redirect, 200 only, byte cap, timeout). The Cache API is shared by every Worker on the
//! zone, so its copy is used only when authenticated ([`jwks_cache`]: a MAC under a secret
//! this worker holds, age within the policy); without a secret it is neither read nor
//! written, and a signature failure under a key it supplied gets one refetch from the
//! origin (as an unknown `kid` does). When to fetch is the core's pure policy
//! ([`KeySetRefresh`]: max-age, cooldown on unknown `kid` and after failures); this file
//! only does the I/O. No promise is ever shared across requests (workerd forbids it):
//! the cooldown, recorded before a fetch starts, is what keeps concurrent requests from
//! fetching too.

use std::cell::{Cell, RefCell};
use std::time::Duration;

use futures_util::future::{select, Either};
use jwtgate::{
    cache_control_max_age, CachedGate, Error, GateConfig, KeySet, KeySetRefresh, RefreshPolicy,
    MAX_JWKS_BYTES,
};
use web_sys::{
    AbortController, Headers, Request, RequestInit, RequestRedirect, Response, ResponseInit,
    WorkerGlobalScope,
};
use worker::wasm_bindgen::{JsCast, JsValue};
use worker::{js_sys, wasm_bindgen_futures::JsFuture, Delay};

// Its pure rules, beside this file (declared here so lib.rs's module list stays as it is).
#[path = "jwks_cache.rs"]
mod jwks_cache;
use jwks_cache::{check_age, parse_ms, CacheMac};

/// Headers on the Cache API copy: when it was fetched, how long it stays fresh, and the MAC
/// over the URL, both numbers and the body.
const FETCHED_AT: &str = "x-jwtgate-fetched-at";
const MAX_AGE_MS: &str = "x-jwtgate-max-age-ms";
const MAC: &str = "x-jwtgate-mac";

pub(crate) struct RemoteKeys {
    url: String,
    /// Token-cache slots of a gate built here (`TOKEN_CACHE_SIZE`).
    cache_entries: usize,
    /// Synthetic Cache API key for this URL (never fetched itself).
    cache_key: String,
    /// Authenticates the Cache API copy; `None` (no secret): the Cache API is not used.
    cache_mac: Option<CacheMac>,
    /// The keys in use came from the Cache API (not yet confirmed by the origin).
    from_cache: Cell<bool>,
    state: RefCell<KeySetRefresh>,
    /// A request of this isolate is getting the key set right now (Cache API or origin).
    /// Requests that arrive meanwhile with no key set wait for it instead of answering 503;
    /// they poll this flag, never a promise of another request (workerd forbids that).
    loading: Cell<bool>,
}

/// What a fetch brought back.
struct Fetched {
    text: String,
    max_age_s: Option<u64>,
}

impl RemoteKeys {
    /// `cache_secret` (`JWKS_CACHE_SECRET`) keys the Cache API copy's MAC, else the gate's
    /// own secret (`BETTER_AUTH_SECRET`); with neither the Cache API is not used. A
    /// dedicated secret gets the core's secret rules (the error is a machine code).
    pub(crate) fn new(
        url: String,
        cache_entries: usize,
        base: &GateConfig,
        cache_secret: Option<String>,
    ) -> Result<Self, &'static str> {
        let cache_mac = match cache_secret.filter(|s| !s.is_empty()) {
            Some(secret) => {
                GateConfig::new(secret.as_str())
                    .validate()
                    .map_err(|_| "jwks_cache_secret_invalid")?;
                CacheMac::new(secret.as_bytes())
            }
            None => CacheMac::new(&base.secret),
        };
        let cache_key = format!(
            "https://jwtgate-jwks.invalid/{}",
            String::from(js_sys::encode_uri_component(&url))
        );
        Ok(RemoteKeys {
            url,
            cache_entries,
            cache_key,
            cache_mac,
            from_cache: Cell::new(false),
            state: RefCell::new(KeySetRefresh::new(RefreshPolicy::default())),
            loading: Cell::new(false),
        })
    }

    /// With no key set yet while another request of this isolate is loading one: wait for
    /// it (polling every 10 ms, at most the fetch timeout plus a second), so a cold isolate's
    /// first burst is decided with the one fetch instead of answered 503.
    pub(crate) async fn wait_while_loading(&self, gate: &RefCell<Option<CachedGate>>) {
        let limit = self.state.borrow().policy().timeout_ms + 1_000;
        let mut waited = 0;
        while gate.borrow().is_none() && self.loading.get() && waited < limit {
            Delay::from(Duration::from_millis(10)).await;
            waited += 10;
        }
    }

    /// Before deciding a request: fetch when the policy says the set is missing or stale.
    /// A missing set is first looked up in the Cache API. Failures keep what there is.
    pub(crate) async fn refresh_if_due(
        &self,
        gate: &RefCell<Option<CachedGate>>,
        base: &GateConfig,
        now_ms: u64,
    ) {
        let due = self.state.borrow().due(now_ms);
        let Some(reason) = due else { return };
        self.state.borrow_mut().started(now_ms);
        self.loading.set(true);
        self.load(gate, base, now_ms, reason).await;
        self.loading.set(false);
    }

    async fn load(
        &self,
        gate: &RefCell<Option<CachedGate>>,
        base: &GateConfig,
        now_ms: u64,
        reason: jwtgate::RefreshReason,
    ) {
        if reason == jwtgate::RefreshReason::NoKeys {
            if let Some((text, fetched_at, max_age_ms)) = self.read_cache(now_ms).await {
                if install(gate, base, &text, self.cache_entries) {
                    // Fresh (checked): no origin fetch. The cooldown is not started, so an
                    // unknown `kid` or a refused signature may still refetch at once.
                    *self.state.borrow_mut() = KeySetRefresh::seeded(
                        RefreshPolicy::default(),
                        fetched_at.min(now_ms),
                        max_age_ms,
                    );
                    self.from_cache.set(true);
                    return;
                }
                log("jwks_cache_invalid");
            }
        }
        self.fetch_origin(gate, base, now_ms).await;
    }

    /// After a refusal: refetch from the origin if it may come from a stale or untrusted
    /// set and the cooldown allows. That is an `unknown_key` (a rotated-in key), or an
    /// `invalid_signature` while the keys came from the Cache API (not yet confirmed by
    /// the origin). `true` when a new set is in use (the request is then decided again).
    pub(crate) async fn refetch_after(
        &self,
        refusal: Error,
        gate: &RefCell<Option<CachedGate>>,
        base: &GateConfig,
        now_ms: u64,
    ) -> bool {
        let wanted = match refusal {
            Error::UnknownKey => true,
            Error::InvalidSignature => self.from_cache.get(),
            _ => false,
        };
        if !wanted || self.state.borrow().on_unknown_kid(now_ms).is_none() {
            return false;
        }
        if refusal == Error::InvalidSignature {
            log("jwks_cache_key_refused");
        }
        self.state.borrow_mut().started(now_ms);
        self.fetch_origin(gate, base, now_ms).await
    }

    async fn fetch_origin(
        &self,
        gate: &RefCell<Option<CachedGate>>,
        base: &GateConfig,
        now_ms: u64,
    ) -> bool {
        let timeout = Duration::from_millis(self.state.borrow().policy().timeout_ms);
        let Ok(fetched) = fetch_capped(&self.url, timeout).await else {
            log("jwks_fetch_failed");
            return false;
        };
        if !install(gate, base, &fetched.text, self.cache_entries) {
            log("jwks_invalid");
            return false;
        }
        self.from_cache.set(false);
        self.state.borrow_mut().succeeded(now_ms, fetched.max_age_s);
        let fetched_at = self.state.borrow().fetched();
        if let Some((at, max_age_ms)) = fetched_at {
            // Best effort: a failed cache write only costs the next cold isolate a fetch.
            let _ = self.write_cache(&fetched.text, at, max_age_ms).await;
        }
        true
    }

    /// The Cache API copy, when its MAC holds and its age fits the policy at `now_ms`.
    /// Any other Worker on the zone can write this entry: nothing in it is used before the
    /// MAC is checked (its body is read with the origin's byte cap).
    async fn read_cache(&self, now_ms: u64) -> Option<(String, u64, u64)> {
        let mac = self.cache_mac.as_ref()?;
        let cache = default_cache().ok()?;
        let found = JsFuture::from(cache.match_with_str(&self.cache_key))
            .await
            .ok()?;
        let response: Response = found.dyn_into().ok()?;
        let header = |name: &str| response.headers().get(name).ok().flatten();
        let fields = (
            header(FETCHED_AT).as_deref().and_then(parse_ms),
            header(MAX_AGE_MS).as_deref().and_then(parse_ms),
            header(MAC),
        );
        let (Some(fetched_at), Some(max_age_ms), Some(tag)) = fields else {
            log("jwks_cache_unauthenticated");
            return None;
        };
        let Ok(text) = read_capped(&response, MAX_JWKS_BYTES).await else {
            log("jwks_cache_unauthenticated");
            return None;
        };
        if !mac.verify_hex(&self.url, fetched_at, max_age_ms, &text, &tag) {
            log("jwks_cache_unauthenticated");
            return None;
        }
        if let Err(code) = check_age(now_ms, fetched_at, max_age_ms, self.state.borrow().policy()) {
            log(code);
            return None;
        }
        Some((text, fetched_at, max_age_ms))
    }

    async fn write_cache(
        &self,
        text: &str,
        fetched_at: u64,
        max_age_ms: u64,
    ) -> Result<(), JsValue> {
        // No secret, no MAC: an entry nobody can authenticate is not written (nor one that
        // is never fresh: `no-store` upstream).
        let Some(mac) = self.cache_mac.as_ref().filter(|_| max_age_ms > 0) else {
            return Ok(());
        };
        let cache = default_cache()?;
        let headers = Headers::new()?;
        headers.set("content-type", "application/json")?;
        // The Cache API only stores what has a max-age; it expires the copy for us.
        headers.set(
            "cache-control",
            &format!("s-maxage={}", (max_age_ms / 1000).max(1)),
        )?;
        headers.set(FETCHED_AT, &fetched_at.to_string())?;
        headers.set(MAX_AGE_MS, &max_age_ms.to_string())?;
        headers.set(MAC, &mac.tag_hex(&self.url, fetched_at, max_age_ms, text))?;
        let init = ResponseInit::new();
        init.set_status(200);
        init.set_headers(&headers);
        let response = Response::new_with_opt_str_and_init(Some(text), &init)?;
        JsFuture::from(cache.put_with_str(&self.cache_key, &response)).await?;
        Ok(())
    }
}

/// Parses `text` and puts a gate with it in place (keeping the rest of the configuration).
/// A bad set changes nothing: the last good one stays.
fn install(
    gate: &RefCell<Option<CachedGate>>,
    base: &GateConfig,
    text: &str,
    cache_entries: usize,
) -> bool {
    let Ok(keys) = KeySet::parse(text.as_bytes()) else {
        return false;
    };
    let mut slot = gate.borrow_mut();
    match slot.as_mut() {
        Some(current) => current.replace_key_set(keys).is_ok(),
        None => match jwtgate::Gate::new(base.clone().key_set(keys)) {
            Ok(new_gate) => {
                *slot = Some(CachedGate::new(new_gate, cache_entries));
                true
            }
            Err(_) => false,
        },
    }
}

fn default_cache() -> Result<web_sys::Cache, JsValue> {
    let global: WorkerGlobalScope = js_sys::global().unchecked_into();
    let caches = global.caches()?;
    // workerd's CacheStorage has `default`; web-sys does not know it, so read it by name.
    js_sys::Reflect::get(&caches, &JsValue::from_str("default"))?.dyn_into()
}

/// GET with manual redirects, 200 only, at most [`MAX_JWKS_BYTES`] read, all within `timeout`.
async fn fetch_capped(url: &str, timeout: Duration) -> Result<Fetched, JsValue> {
    let abort = AbortController::new()?;
    let work = async {
        let init = RequestInit::new();
        init.set_method("GET");
        init.set_redirect(RequestRedirect::Manual);
        init.set_signal(Some(&abort.signal()));
        let headers = Headers::new()?;
        headers.set("accept", "application/json")?;
        init.set_headers(&headers);
        let request = Request::new_with_str_and_init(url, &init)?;
        let global: WorkerGlobalScope = js_sys::global().unchecked_into();
        let response: Response = JsFuture::from(global.fetch_with_request(&request))
            .await?
            .dyn_into()?;
        if response.status() != 200 {
            return Err(JsValue::from_str("status"));
        }
        let max_age_s = response
            .headers()
            .get("cache-control")?
            .as_deref()
            .and_then(cache_control_max_age);
        let text = read_capped(&response, MAX_JWKS_BYTES).await?;
        Ok(Fetched { text, max_age_s })
    };
    futures_util::pin_mut!(work);
    match select(work, Delay::from(timeout)).await {
        Either::Left((result, _)) => result,
        Either::Right(((), _)) => {
            abort.abort();
            Err(JsValue::from_str("timeout"))
        }
    }
}

/// A response body as UTF-8 text, at most `max` bytes read (more: an error).
pub(crate) async fn read_capped(response: &Response, max: usize) -> Result<String, JsValue> {
    let body = response
        .body()
        .ok_or_else(|| JsValue::from_str("no body"))?;
    let reader = body.get_reader();
    let read: js_sys::Function =
        js_sys::Reflect::get(&reader, &JsValue::from_str("read"))?.dyn_into()?;
    let mut bytes = Vec::new();
    loop {
        let step: js_sys::Promise = read.call0(&reader)?.dyn_into()?;
        let chunk = JsFuture::from(step).await?;
        if js_sys::Reflect::get(&chunk, &JsValue::from_str("done"))?.is_truthy() {
            break;
        }
        let value: js_sys::Uint8Array =
            js_sys::Reflect::get(&chunk, &JsValue::from_str("value"))?.dyn_into()?;
        if bytes.len() + value.length() as usize > max {
            return Err(JsValue::from_str("too large"));
        }
        bytes.extend_from_slice(&value.to_vec());
    }
    String::from_utf8(bytes).map_err(|_| JsValue::from_str("utf-8"))
}

/// One JSON line per key-set event (never the URL: it may carry credentials).
fn log(code: &str) {
    worker::console_log!(r#"{{"level":"warn","event":"jwks","code":"{}"}}"#, code);
}
