//! wasm-bindgen surface of the jwtgate core, used by the npm package's JS wrapper
//! (`pkg-template/gate.js`), which gives it the public `Gate` API.
//!
//! Thin by design: every rule lives in the core. This layer only converts JS
//! numbers and strings, and reports refusals by index into [`error_table`] so the
//! hot path never builds a JS exception object.
#![forbid(unsafe_code)]
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )
)]

use std::cell::Cell;

use jwtgate::{
    cache_control_max_age, CachedGate, Error, Gate, GateConfig, KeySet, KeySetRefresh, OriginToken,
    RefreshPolicy, RefreshReason, VerifiedToken,
};
use wasm_bindgen::prelude::*;

/// A validated gate. Refusals are reported through [`GateCore::last_error`].
///
/// Hot path (what `gate.js` uses): the JS side encodes its strings straight into
/// [`GateCore::input_ptr`] (`TextEncoder.encodeInto`), calls [`GateCore::verify_input`] /
/// [`GateCore::authorize_input`] with the byte lengths, and decodes the payload JSON from
/// [`GateCore::output_ptr`]: no allocation, no extra call to free or to read the error.
/// The string-taking methods stay for inputs that do not fit the buffer.
#[wasm_bindgen]
pub struct GateCore {
    gate: CachedGate,
    last_error: Cell<u8>,
    /// Fixed-size scratch the JS side writes into; never reallocated (stable address).
    input: Vec<u8>,
    /// Fixed-size; receives the payload JSON of an accepted token (at most a token's size).
    output: Vec<u8>,
    /// `[slot, generation]` of the cache entry behind the last acceptance (`slot` −1: not
    /// stored). The JS side keeps one parsed claims object per entry, keyed by this pair.
    entry: Vec<f64>,
}

/// Bytes of the input scratch: an `Authorization` header at its cap, plus method and path.
pub const INPUT_BYTES: usize = jwtgate::MAX_AUTHORIZATION_BYTES + 8 * 1024;

/// Converts a JS number of seconds to `u64`, refusing what is not a non-negative integer.
fn seconds(name: &str, value: f64) -> Result<u64, JsValue> {
    if value.is_finite() && value >= 0.0 && value.fract() == 0.0 && value <= 9_007_199_254_740_991.0
    {
        Ok(value as u64)
    } else {
        Err(config_error(
            "invalid_number",
            &format!("{name} must be a non-negative integer"),
        ))
    }
}

/// The clock crosses as f64 seconds; a broken clock (NaN, negative, infinite) fails
/// closed: NaN/+inf mean "far future" (everything expired), negatives mean 0.
fn clock(now: f64) -> u64 {
    if now.is_nan() {
        u64::MAX
    } else {
        now.max(0.0).floor() as u64 // `as` saturates
    }
}

/// Config errors cross as `"code\tmessage"` strings; the JS wrapper turns them into `GateConfigError`.
fn config_error(code: &str, message: &str) -> JsValue {
    JsValue::from_str(&format!("{code}\t{message}"))
}

#[wasm_bindgen]
impl GateCore {
    /// Builds and validates a gate. Throws `"code\tmessage"` on a bad configuration.
    #[wasm_bindgen(constructor)]
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        secret: &str,
        previous_secrets: Vec<String>,
        previous_secrets_list: Option<String>,
        issuer: Option<String>,
        audience: Option<String>,
        leeway_seconds: f64,
        min_lifetime_seconds: f64,
        max_lifetime_seconds: f64,
        api_prefix: Option<String>,
        cache_entries: f64,
        self_routes: Option<Vec<String>>,
        jwks: Option<String>,
        origin_token: Option<String>,
    ) -> Result<GateCore, JsValue> {
        let cache_entries = seconds("cacheSize", cache_entries)?;
        let mut config = GateConfig::new(secret)
            .leeway_seconds(seconds("leewaySeconds", leeway_seconds)?)
            .lifetime_seconds(
                seconds("minLifetimeSeconds", min_lifetime_seconds)?,
                seconds("maxLifetimeSeconds", max_lifetime_seconds)?,
            );
        for previous in previous_secrets {
            config = config.previous_secret(previous);
        }
        if let Some(list) = previous_secrets_list {
            // A comma-separated string, as BETTER_AUTH_PREVIOUS_SECRETS holds them.
            config = config.previous_secrets_list(&list);
        }
        if let Some(issuer) = issuer {
            config = config.issuer(issuer);
        }
        if let Some(audience) = audience {
            config = config.audience(audience);
        }
        if let Some(prefix) = api_prefix {
            config = config.api_prefix(prefix);
        }
        if let Some(routes) = self_routes {
            // `None`: the core's default (`{apiPrefix}me/profile`); `[]`: no self route.
            config = config.self_routes(routes);
        }
        if let Some(jwks) = jwks {
            config = config.key_set(parse_key_set(&jwks)?);
        }
        if let Some(mode) = origin_token {
            let mode =
                OriginToken::parse(&mode).map_err(|e| config_error(e.code(), &e.to_string()))?;
            config = config.origin_token(mode);
        }
        let gate = Gate::new(config).map_err(|e| config_error(e.code(), &e.to_string()))?;
        Ok(GateCore {
            gate: CachedGate::new(gate, usize::try_from(cache_entries).unwrap_or(usize::MAX)),
            last_error: Cell::new(u8::MAX),
            input: vec![0; INPUT_BYTES],
            output: vec![0; jwtgate::MAX_TOKEN_BYTES],
            entry: vec![-1.0, 0.0],
        })
    }

    /// Verifies a token at `now` (seconds). Returns the payload JSON, or `undefined`
    /// with [`GateCore::last_error`] set.
    pub fn verify(&mut self, token: &str, now: f64) -> Option<String> {
        outcome(&self.last_error, self.gate.verify(token, clock(now)))
    }

    /// The full request decision. Returns the payload JSON when allowed, or `undefined`
    /// with [`GateCore::last_error`] set.
    pub fn authorize(
        &mut self,
        method: &str,
        path: &str,
        authorization: Option<String>,
        now: f64,
    ) -> Option<String> {
        let result = self
            .gate
            .authorize(method, path, authorization.as_deref(), clock(now));
        outcome(&self.last_error, result)
    }

    /// Address of the input scratch ([`INPUT_BYTES`] long) in linear memory.
    #[wasm_bindgen(js_name = inputPtr)]
    pub fn input_ptr(&self) -> usize {
        self.input.as_ptr() as usize
    }

    /// Length of the input scratch.
    #[wasm_bindgen(js_name = inputCapacity)]
    pub fn input_capacity(&self) -> usize {
        self.input.len()
    }

    /// Address of the output buffer ([`jwtgate::MAX_TOKEN_BYTES`] long) in linear memory.
    #[wasm_bindgen(js_name = outputPtr)]
    pub fn output_ptr(&self) -> usize {
        self.output.as_ptr() as usize
    }

    /// Address of the `[slot, generation]` pair (two f64) naming the cache entry behind
    /// the last acceptance.
    #[wasm_bindgen(js_name = entryPtr)]
    pub fn entry_ptr(&self) -> usize {
        self.entry.as_ptr() as usize
    }

    /// [`GateCore::verify`] on the first `len` bytes of the input scratch. Returns the
    /// payload JSON's length (written at [`GateCore::output_ptr`]), or `-1 - index` of
    /// the refusal in [`error_table`].
    #[wasm_bindgen(js_name = verifyInput)]
    pub fn verify_input(&mut self, len: usize, now: f64) -> i32 {
        let result = match self.input.get(..len).map(core::str::from_utf8) {
            Some(Ok(token)) => self.gate.verify(token, clock(now)),
            // encodeInto writes UTF-8; the JS side never passes more than it wrote.
            _ => Err(Error::MalformedToken),
        };
        let answer = deliver(&mut self.output, &self.last_error, result);
        self.note_entry();
        answer
    }

    /// [`GateCore::authorize`] on the input scratch holding `method`, `path` and the
    /// `Authorization` value back to back (`auth_len < 0`: no header). Returns like
    /// [`GateCore::verify_input`].
    #[wasm_bindgen(js_name = authorizeInput)]
    pub fn authorize_input(
        &mut self,
        method_len: usize,
        path_len: usize,
        auth_len: i32,
        now: f64,
    ) -> i32 {
        let auth_bytes = usize::try_from(auth_len).unwrap_or(0);
        // Lengths come from JS: add without overflow, slice without panicking.
        let path_end = method_len.checked_add(path_len);
        let auth_end = path_end.and_then(|end| end.checked_add(auth_bytes));
        let (Some(method), Some(path), Some(authorization)) = (
            self.input.get(..method_len),
            path_end.and_then(|end| self.input.get(method_len..end)),
            path_end
                .zip(auth_end)
                .and_then(|(start, end)| self.input.get(start..end)),
        ) else {
            return deliver(
                &mut self.output,
                &self.last_error,
                Err(Error::InvalidMethod),
            );
        };
        let (Ok(method), Ok(path), Ok(authorization)) = (
            core::str::from_utf8(method),
            core::str::from_utf8(path),
            core::str::from_utf8(authorization),
        ) else {
            return deliver(
                &mut self.output,
                &self.last_error,
                Err(Error::InvalidMethod),
            );
        };
        let authorization = (auth_len >= 0).then_some(authorization);
        let result = self.gate.authorize(method, path, authorization, clock(now));
        let answer = deliver(&mut self.output, &self.last_error, result);
        self.note_entry();
        answer
    }

    /// Records which cache entry answered (read by the JS side after an acceptance).
    fn note_entry(&mut self) {
        let (slot, generation) = match self.gate.last_entry() {
            Some(entry) => (f64::from(entry.slot), entry.generation as f64),
            None => (-1.0, 0.0),
        };
        if let [s, g] = self.entry.as_mut_slice() {
            *s = slot;
            *g = generation;
        }
    }

    /// Replaces the key set (a refreshed JWKS) and empties the token cache. Throws
    /// `"code\tmessage"` on a bad set, and then keeps the current one.
    #[wasm_bindgen(js_name = setJwks)]
    pub fn set_jwks(&mut self, jwks: &str) -> Result<(), JsValue> {
        let keys = parse_key_set(jwks)?;
        self.gate
            .replace_key_set(keys)
            .map_err(|e| config_error(e.code(), &e.to_string()))
    }

    /// Signs `payload_json` with the current secret (`{"alg":"HS256","typ":"JWT"}`), then
    /// verifies the result at `now` with this gate's own rules: a token the gate would
    /// refuse is never handed out. Returns the token, or `undefined` with
    /// [`GateCore::last_error`] set. (Better Auth's token endpoint, `jwtgate/better-auth`.)
    pub fn mint(&self, payload_json: &str, now: f64) -> Option<String> {
        let gate = self.gate.gate();
        let token = gate.mint(payload_json);
        match gate.verify(&token, clock(now)) {
            Ok(_) => Some(token),
            Err(e) => {
                self.last_error.set(e.index());
                None
            }
        }
    }

    /// Does the origin get the bridge token (`originToken: "hs256"`)?
    pub fn bridges(&self) -> bool {
        self.gate.gate().config().origin_token == OriginToken::Hs256
    }

    /// The bridge (`originToken: "hs256"`): `Bearer <token>` in the spec's shape for the
    /// origin ([`Gate::origin_token`]), from the request's `Authorization` verified again at
    /// `now` (a cache hit after `authorize`) and held to the decision's `user_id`. Returns
    /// `undefined` with [`GateCore::last_error`] set when it does not verify (or names
    /// another user: `user_mismatch`); a gate without a secret returns `undefined` too
    /// (its configuration cannot ask for the bridge).
    #[wasm_bindgen(js_name = originAuthorization)]
    pub fn origin_authorization(
        &mut self,
        authorization: Option<String>,
        user_id: &str,
        now: f64,
    ) -> Option<String> {
        let verified = jwtgate::bearer_token(authorization.as_deref())
            .and_then(|token| self.gate.verify(token, clock(now)).cloned())
            .and_then(|v| {
                if v.user_id() == user_id {
                    Ok(v)
                } else {
                    Err(Error::UserMismatch)
                }
            });
        match verified {
            Ok(v) => self
                .gate
                .gate()
                .origin_token(&v)
                .map(|token| format!("Bearer {token}")),
            Err(e) => {
                self.last_error.set(e.index());
                None
            }
        }
    }

    /// Does this path need a token (under the prefix, or ambiguous)?
    pub fn protects(&self, path: &str) -> bool {
        self.gate.gate().protects(path)
    }

    /// Index into [`error_table`] of the last refusal.
    #[wasm_bindgen(js_name = lastError)]
    pub fn last_error(&self) -> u8 {
        self.last_error.get()
    }
}

fn parse_key_set(jwks: &str) -> Result<KeySet, JsValue> {
    KeySet::parse(jwks.as_bytes()).map_err(|e| config_error(e.code(), &e.to_string()))
}

/// The core's refresh policy for a remote key set (`Gate.fromJwksUrl`): the JS side does
/// the fetching and asks this when to. Times are milliseconds.
#[wasm_bindgen]
pub struct JwksRefresh {
    state: KeySetRefresh,
}

#[wasm_bindgen]
impl JwksRefresh {
    /// Knobs in milliseconds (jose's defaults: 600000, 30000, 5000).
    #[wasm_bindgen(constructor)]
    pub fn new(max_age_ms: f64, cooldown_ms: f64, timeout_ms: f64) -> Result<JwksRefresh, JsValue> {
        let policy = RefreshPolicy {
            max_age_ms: seconds("cacheMaxAge", max_age_ms)?,
            cooldown_ms: seconds("cooldownDuration", cooldown_ms)?,
            timeout_ms: seconds("timeoutDuration", timeout_ms)?,
            ..RefreshPolicy::default()
        };
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

/// Largest key set accepted, in bytes (the JS fetcher stops reading past it).
#[wasm_bindgen(js_name = maxJwksBytes)]
pub fn max_jwks_bytes() -> usize {
    jwtgate::MAX_JWKS_BYTES
}

/// Copies an accepted payload into `output`; returns its length, or `-1 - index` of the refusal.
fn deliver(output: &mut [u8], last_error: &Cell<u8>, result: Result<&VerifiedToken, Error>) -> i32 {
    match result {
        Ok(verified) => {
            let payload = verified.payload_json().as_bytes();
            match output.get_mut(..payload.len()) {
                Some(out) => {
                    out.copy_from_slice(payload);
                    payload.len() as i32
                }
                // Cannot happen (a payload is shorter than its token); fail closed.
                None => -1 - i32::from(Error::MalformedToken.index()),
            }
        }
        Err(e) => {
            last_error.set(e.index());
            -1 - i32::from(e.index())
        }
    }
}

fn outcome(last_error: &Cell<u8>, result: Result<&VerifiedToken, Error>) -> Option<String> {
    match result {
        Ok(verified) => Some(verified.payload_json().to_owned()),
        Err(e) => {
            last_error.set(e.index());
            None
        }
    }
}

/// Rust-side access for in-process fuzzing of the entry points (not exported to JS).
impl GateCore {
    /// The input scratch the JS side writes into.
    #[doc(hidden)]
    pub fn input_scratch(&mut self) -> &mut [u8] {
        &mut self.input
    }

    /// `(slot, generation)` as [`GateCore::entry_ptr`] holds them.
    #[doc(hidden)]
    pub fn entry(&self) -> (f64, f64) {
        match self.entry.as_slice() {
            [slot, generation] => (*slot, *generation),
            _ => (-1.0, 0.0),
        }
    }
}

/// The instance's linear memory (the JS side reads and writes the scratch buffers in it).
#[wasm_bindgen(js_name = wasmMemory)]
pub fn wasm_memory() -> JsValue {
    wasm_bindgen::memory()
}

/// The header value that carries a verified `sub` or `email` to the origin: the core's
/// [`jwtgate::identity_header_value`] (visible ASCII except `%` unchanged, everything else
/// percent-encoded UTF-8). `gate.js` writes every identity header through this.
#[wasm_bindgen(js_name = identityHeaderValue)]
pub fn identity_header_value(value: &str) -> String {
    jwtgate::identity_header_value(value).into_owned()
}

/// Every refusal the core can give, as a JSON array indexed like `lastError()`:
/// `[{"code","status","detail","body","wwwAuthenticate"}]`. The JS side reads it once.
#[wasm_bindgen(js_name = errorTable)]
pub fn error_table() -> String {
    let rows: Vec<String> = Error::ALL
        .iter()
        .map(|e| {
            let challenge = match e.www_authenticate() {
                Some(value) => format!("\"{}\"", value.replace('"', "\\\"")),
                None => "null".to_owned(),
            };
            format!(
                r#"{{"code":"{}","status":{},"detail":"{}","body":{},"wwwAuthenticate":{}}}"#,
                e.code(),
                e.status(),
                e.detail(),
                json_string(&e.body_json()),
                challenge
            )
        })
        .collect();
    format!("[{}]", rows.join(","))
}

/// JSON string literal of a fixed ASCII text (quotes and backslashes escaped).
fn json_string(text: &str) -> String {
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_fails_closed() {
        assert_eq!(clock(f64::NAN), u64::MAX);
        assert_eq!(clock(f64::INFINITY), u64::MAX);
        assert_eq!(clock(-5.0), 0);
        assert_eq!(clock(1.9), 1);
    }

    #[test]
    fn error_table_lists_every_error_in_order() {
        let table = error_table();
        for e in Error::ALL {
            assert!(table.contains(&format!("\"code\":\"{}\"", e.code())));
        }
        assert_eq!(table.matches("\"code\"").count(), Error::ALL.len());
        assert!(table.contains(r#""wwwAuthenticate":"Bearer error=\"invalid_token\"""#));
    }
}
