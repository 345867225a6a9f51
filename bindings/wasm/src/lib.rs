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
    CachedGate, ConfigError, Error, Field, Gate, GateConfig, Hop, HostFacts, HostRequest, KeySet,
    OriginInput, VerifiedToken,
};
use wasm_bindgen::prelude::*;

pub mod algorithms;
mod options;
mod refresh;
mod session;
pub use options::HOST_CONFIG_CODES;
pub use refresh::JwksRefresh;
pub use session::session_settings;

use options::{config_error, core_config_error, options_object, Options};

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
    /// What answered the last decision ([`Entry`]): the JS side keeps one parsed claims
    /// object per cache entry, keyed by it.
    entry: Vec<f64>,
}

/// The fields of [`GateCore::entry_ptr`]'s record (f64 each, in this order).
pub(crate) mod entry {
    /// Slot of the cache entry that answered (−1: not stored).
    pub const SLOT: usize = 0;
    /// Its generation (unique over the gate's life, per cache).
    pub const GENERATION: usize = 1;
    /// What the output buffer holds: [`KIND_TOKEN`], [`KIND_SESSION`], [`KIND_REFRESH`],
    /// [`KIND_PASS`].
    pub const KIND: usize = 2;
    /// For a session: the `now` its verified session (`iat`) was built at.
    pub const BUILT_AT: usize = 3;
    pub const LEN: usize = 4;
    /// A token's payload JSON (the token cache's entry).
    pub const KIND_TOKEN: u8 = 0;
    /// A session's payload JSON (the session cache's entry).
    pub const KIND_SESSION: u8 = 1;
    /// A refresh verdict's JSON (`{"error","key","rememberSeconds"}`).
    pub const KIND_REFRESH: u8 = 2;
    /// Nothing: outside the prefix (the token rules answer).
    pub const KIND_PASS: u8 = 3;
}

/// Bytes of the input scratch: an `Authorization` header at its cap, plus method and path.
pub const INPUT_BYTES: usize = jwtgate::MAX_AUTHORIZATION_BYTES + 8 * 1024;

/// The clock crosses as f64 seconds; a broken clock fails closed ([`jwtgate::clock_seconds`]).
fn clock(now: f64) -> u64 {
    jwtgate::clock_seconds(now)
}

#[wasm_bindgen]
impl GateCore {
    /// Builds and validates a gate from an options object (the core's names,
    /// [`jwtgate::options::OPTIONS`]).
    /// `fetched`: a remote gate's first key set (`Gate.fromJwksUrl`). Throws
    /// `"code\toption\tmessage"` on a bad configuration.
    #[wasm_bindgen(constructor)]
    pub fn new(options: &JsValue, fetched: Option<String>) -> Result<GateCore, JsValue> {
        let remote = fetched.is_some();
        let (config, cache_entries) = options_object(options)?.config(remote, fetched)?;
        GateCore::from_config(config, cache_entries).map_err(|e| core_config_error(&e))
    }

    /// Checks the options of `Gate.fromJwksUrl` before the first fetch: every rule, as if
    /// the key set were there ([`GateConfig::validate_awaiting_key_set`]). Throws like `new`.
    #[wasm_bindgen(js_name = checkRemoteOptions)]
    pub fn check_remote_options(options: &JsValue) -> Result<(), JsValue> {
        let options = options_object(options)?;
        let (config, _) = options.config(true, None)?;
        options.refresh_policy()?;
        config
            .validate_awaiting_key_set()
            .map_err(|e| core_config_error(&e))
    }

    /// Verifies a token at `now` (seconds). Returns the payload JSON, or `undefined`
    /// with [`GateCore::last_error`] set.
    pub fn verify(&mut self, token: &str, now: f64) -> Option<String> {
        outcome(&self.last_error, self.gate.verify(token, clock(now)))
    }

    /// The full request decision ([`CachedGate::authorize_request`]: a token is needed
    /// whatever the path). `authorization` is the header's one value (a Fetch `Headers`
    /// joins repeated lines with `", "`). Returns the payload JSON when allowed, or
    /// `undefined` with [`GateCore::last_error`] set.
    pub fn authorize(
        &mut self,
        method: &str,
        path: &str,
        authorization: Option<String>,
        now: f64,
    ) -> Option<String> {
        let field = authorization.as_deref().map_or(Field::Absent, Field::Value);
        let result = self
            .gate
            .authorize_request(&HostRequest::new(method, path, field), clock(now));
        outcome(&self.last_error, result)
    }

    /// [`GateCore::authorize`] for a header held as separate field lines (a plain object
    /// with an array value, Node's `IncomingMessage.headersDistinct`): the core combines them.
    #[wasm_bindgen(js_name = authorizeLines)]
    pub fn authorize_lines(
        &mut self,
        method: &str,
        path: &str,
        lines: Vec<String>,
        now: f64,
    ) -> Option<String> {
        let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
        let result = self.gate.authorize_request(
            &HostRequest::new(method, path, Field::Lines(&lines)),
            clock(now),
        );
        outcome(&self.last_error, result)
    }

    /// The refusal (index into [`error_table`]) for a request whose `Authorization` is longer
    /// than [`jwtgate::MAX_AUTHORIZATION_BYTES`], from `method` and the value's first
    /// [`jwtgate::AUTHORIZATION_HEAD_BYTES`] (`head`): what [`GateCore::authorize`] answers for
    /// the whole value, without it crossing into Wasm.
    #[wasm_bindgen(js_name = refuseOversized)]
    pub fn refuse_oversized(&self, method: &str, head: &str) -> u8 {
        let error = self.gate.gate().refuse_oversized(method, head.as_bytes());
        self.last_error.set(error.index());
        error.index()
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

    /// Address of the output buffer ([`INPUT_BYTES`] long) in linear memory.
    #[wasm_bindgen(js_name = outputPtr)]
    pub fn output_ptr(&self) -> usize {
        self.output.as_ptr() as usize
    }

    /// Address of the [`entry`] record ([`entry::LEN`] f64) of the last decision.
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
        let field = if auth_len >= 0 {
            Field::Value(authorization)
        } else {
            Field::Absent
        };
        let result = self
            .gate
            .authorize_request(&HostRequest::new(method, path, field), clock(now));
        let answer = deliver(&mut self.output, &self.last_error, result);
        self.note_entry();
        answer
    }

    /// Records which token cache entry answered (read by the JS side after an acceptance).
    fn note_entry(&mut self) {
        let id = self.gate.last_entry();
        self.set_entry(id, entry::KIND_TOKEN, 0.0);
    }

    fn set_entry(&mut self, id: Option<jwtgate::EntryId>, kind: u8, built_at: f64) {
        let (slot, generation) = match id {
            Some(entry) => (f64::from(entry.slot), entry.generation as f64),
            None => (-1.0, 0.0),
        };
        let mut record = [0.0; entry::LEN];
        record[entry::SLOT] = slot;
        record[entry::GENERATION] = generation;
        record[entry::KIND] = f64::from(kind);
        record[entry::BUILT_AT] = built_at;
        if let Some(out) = self.entry.get_mut(..entry::LEN) {
            out.copy_from_slice(&record);
        }
    }

    /// Replaces the key set (a refreshed JWKS) and empties the token cache. Throws
    /// `"code\tmessage"` on a bad set, and then keeps the current one.
    #[wasm_bindgen(js_name = setJwks)]
    pub fn set_jwks(&mut self, jwks: &str) -> Result<(), JsValue> {
        let keys = parse_key_set(jwks)?;
        self.gate
            .replace_key_set(keys)
            .map_err(|e| core_config_error(&e))
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

    /// The core's origin plan ([`Gate::origin_plan`], a new hop) as JSON
    /// `{"remove":[…],"set":[[name,value],…]}`, for an allowed request: its `Authorization`
    /// (the header's one value) is verified again at `now` (a cache hit after `authorize`)
    /// and held to the decision's `user_id`, and the identity (and the bridge token with
    /// `originToken: "hs256"`) comes from that verified token. `headers` holds, in order,
    /// `Connection`, `Cookie` (lines joined with `"; "`), `X-Forwarded-For`, then the facts:
    /// the client's address, the scheme, the host ("" for absent). Returns `undefined` with
    /// [`GateCore::last_error`] set when the token does not verify or names another user.
    #[wasm_bindgen(js_name = originPlan)]
    pub fn origin_plan(
        &mut self,
        authorization: Option<String>,
        user_id: &str,
        headers: Vec<String>,
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
            Ok(v) => Some(
                self.gate
                    .gate()
                    .origin_plan(&origin_input(&headers), Some(&v))
                    .to_json(),
            ),
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
    let keys = KeySet::parse(jwks.as_bytes()).map_err(|e| core_config_error(&e))?;
    algorithms::log_unavailable(&keys);
    Ok(keys.with_signature_host(std::sync::Arc::new(algorithms::JsHost)))
}

/// [`OriginInput`] for a new hop from `[connection, cookie, x-forwarded-for, client address,
/// scheme, host]` ("" or missing: absent).
fn origin_input(headers: &[String]) -> OriginInput<'_> {
    let at = |i: usize| headers.get(i).map(String::as_str).filter(|v| !v.is_empty());
    OriginInput {
        hop: Hop::Proxy,
        connection: at(0),
        cookie: at(1),
        forwarded_for: at(2),
        facts: HostFacts {
            client_address: at(3),
            scheme: at(4),
            host: at(5),
        },
    }
}

/// Limits of the `Authorization` value: `[MAX_AUTHORIZATION_BYTES, AUTHORIZATION_HEAD_BYTES]`
/// (gate.js refuses a longer value from its head, without copying it into Wasm).
#[wasm_bindgen(js_name = authorizationLimits)]
pub fn authorization_limits() -> Vec<u32> {
    vec![
        jwtgate::MAX_AUTHORIZATION_BYTES as u32,
        jwtgate::AUTHORIZATION_HEAD_BYTES as u32,
    ]
}

/// Every configuration code the npm package can throw, as a JSON array of
/// `{"code","option"}` (the core's [`ConfigError::CODES`], each with the option it names,
/// then the host's own [`HOST_CONFIG_CODES`], option `null`). Tests compare `index.d.ts`
/// and the examples' lists with it.
#[wasm_bindgen(js_name = configErrorTable)]
pub fn config_error_table() -> String {
    let mut rows: Vec<String> = ConfigError::SAMPLES
        .iter()
        .map(|e| {
            let option = e.option().map_or("null".to_owned(), |o| format!("\"{o}\""));
            format!(r#"{{"code":"{}","option":{option}}}"#, e.code())
        })
        .collect();
    rows.extend(
        HOST_CONFIG_CODES
            .iter()
            .map(|c| format!(r#"{{"code":"{c}","option":null}}"#)),
    );
    format!("[{}]", rows.join(","))
}

/// The [`entry`] record's layout for `gate.js`: the index of each field and the kinds,
/// `{"slot","generation","kind","builtAt","length","token","session","refresh","pass",
/// "tooLarge"}` (`tooLarge`: [`GateCore::decide_session_input`]'s "ask the string path").
#[wasm_bindgen(js_name = entryLayout)]
pub fn entry_layout() -> String {
    format!(
        "{{\"slot\":{},\"generation\":{},\"kind\":{},\"builtAt\":{},\"length\":{},\"token\":{},\"session\":{},\"refresh\":{},\"pass\":{},\"tooLarge\":{}}}",
        entry::SLOT,
        entry::GENERATION,
        entry::KIND,
        entry::BUILT_AT,
        entry::LEN,
        entry::KIND_TOKEN,
        entry::KIND_SESSION,
        entry::KIND_REFRESH,
        entry::KIND_PASS,
        session::TOO_LARGE
    )
}

/// Largest key set accepted, in bytes (the JS fetcher stops reading past it).
#[wasm_bindgen(js_name = maxJwksBytes)]
pub fn max_jwks_bytes() -> usize {
    jwtgate::MAX_JWKS_BYTES
}

/// Copies an accepted payload into `output`; returns its length, or `-1 - index` of the refusal.
fn deliver(output: &mut [u8], last_error: &Cell<u8>, result: Result<&VerifiedToken, Error>) -> i32 {
    match result {
        Ok(verified) => match write_output(output, verified.payload_json()) {
            Some(len) => len,
            // Cannot happen (a payload is shorter than its token); fail closed.
            None => -1 - i32::from(Error::MalformedToken.index()),
        },
        Err(e) => {
            last_error.set(e.index());
            -1 - i32::from(e.index())
        }
    }
}

/// `text` at the start of `output`; its length, or `None` when it does not fit.
fn write_output(output: &mut [u8], text: &str) -> Option<i32> {
    let out = output.get_mut(..text.len())?;
    out.copy_from_slice(text.as_bytes());
    i32::try_from(text.len()).ok()
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
    /// A core from a configuration built in Rust (native fuzzing has no JS options object).
    #[doc(hidden)]
    pub fn from_config(config: GateConfig, cache_entries: usize) -> Result<GateCore, ConfigError> {
        let mut core = GateCore {
            gate: CachedGate::new(Gate::new(config)?, cache_entries),
            last_error: Cell::new(u8::MAX),
            input: vec![0; INPUT_BYTES],
            // A session's payload is about three quarters of its cookies (at most the input).
            output: vec![0; INPUT_BYTES.max(jwtgate::MAX_TOKEN_BYTES)],
            entry: vec![0.0; entry::LEN],
        };
        core.set_entry(None, entry::KIND_PASS, 0.0);
        Ok(core)
    }

    /// The input scratch the JS side writes into.
    #[doc(hidden)]
    pub fn input_scratch(&mut self) -> &mut [u8] {
        &mut self.input
    }

    /// `(slot, generation)` as [`GateCore::entry_ptr`] holds them.
    #[doc(hidden)]
    pub fn entry(&self) -> (f64, f64) {
        (
            self.entry.get(entry::SLOT).copied().unwrap_or(-1.0),
            self.entry.get(entry::GENERATION).copied().unwrap_or(0.0),
        )
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
/// `[{"code","status","detail","body","wwwAuthenticate","headers"}]` (`headers`: the
/// refusal's response headers, [`Error::response_headers`], as `[name, value]` pairs). The JS side reads it once.
#[wasm_bindgen(js_name = errorTable)]
pub fn error_table() -> String {
    let rows: Vec<String> = Error::ALL
        .iter()
        .map(|e| {
            let challenge = match e.www_authenticate() {
                Some(value) => json_string(value),
                None => "null".to_owned(),
            };
            let headers: Vec<String> = e
                .response_headers()
                .map(|(name, value)| format!("[{},{}]", json_string(name), json_string(value)))
                .collect();
            format!(
                r#"{{"code":"{}","status":{},"detail":"{}","body":{},"wwwAuthenticate":{},"headers":[{}]}}"#,
                e.code(),
                e.status(),
                e.detail(),
                json_string(&e.body_json()),
                challenge,
                headers.join(",")
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
    fn the_config_table_has_every_core_code() {
        let mut codes: Vec<&str> = ConfigError::SAMPLES.iter().map(ConfigError::code).collect();
        codes.dedup();
        let mut core = ConfigError::CODES.to_vec();
        codes.sort_unstable();
        core.sort_unstable();
        assert_eq!(codes, core);
    }

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
