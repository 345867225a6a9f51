//! The core's refresh policy for a key set followed by URL (`Gate.fromJwksUrl`), for
//! gate.js: the JS side fetches, this says when ([`jwtgate::KeySetRefresh`]).

use jwtgate::{cache_control_max_age, KeySetRefresh, RefreshReason};
use wasm_bindgen::prelude::*;

use crate::{clock, options_object};

/// The core's refresh policy for a remote key set (`Gate.fromJwksUrl`): the JS side does
/// the fetching and asks this when to. Times are milliseconds.
#[wasm_bindgen]
pub struct JwksRefresh {
    state: KeySetRefresh,
}

#[wasm_bindgen]
impl JwksRefresh {
    /// The policy from `Gate.fromJwksUrl`'s options (`cacheMaxAge`, `cooldownDuration`,
    /// `timeoutDuration`, in ms); the core's defaults ([`RefreshPolicy::default`]) for the rest.
    #[wasm_bindgen(constructor)]
    pub fn new(options: &JsValue) -> Result<JwksRefresh, JsValue> {
        let policy = options_object(options)?.refresh_policy()?;
        Ok(JwksRefresh {
            state: KeySetRefresh::new(policy),
        })
    }

    /// Before a request: 0 nothing to do, 1 no key set yet, 2 stale.
    pub fn due(&self, now_ms: f64) -> u8 {
        reason_code(self.state.due(clock(now_ms)))
    }

    /// After an `unknown_key` refusal: 3 refetch now, 0 cooling down.
    #[wasm_bindgen(js_name = onUnknownKid)]
    pub fn on_unknown_kid(&self, now_ms: f64) -> u8 {
        reason_code(self.state.on_unknown_kid(clock(now_ms)))
    }

    /// A fetch starts now.
    pub fn started(&mut self, now_ms: f64) {
        self.state.started(clock(now_ms));
    }

    /// The fetch gave a valid set; `cache_control` is the response's header, if any.
    pub fn succeeded(&mut self, now_ms: f64, cache_control: Option<String>) {
        let max_age = cache_control.as_deref().and_then(cache_control_max_age);
        self.state.succeeded(clock(now_ms), max_age);
    }

    /// Is there a key set?
    #[wasm_bindgen(js_name = hasKeys)]
    pub fn has_keys(&self) -> bool {
        self.state.has_keys()
    }

    /// The fetch timeout in milliseconds.
    #[wasm_bindgen(js_name = timeoutMs)]
    pub fn timeout_ms(&self) -> f64 {
        self.state.policy().timeout_ms as f64
    }
}

fn reason_code(reason: Option<RefreshReason>) -> u8 {
    match reason {
        None => 0,
        Some(RefreshReason::NoKeys) => 1,
        Some(RefreshReason::Stale) => 2,
        Some(RefreshReason::UnknownKid) => 3,
    }
}
