//! The worker's configuration: read from the environment and validated once per isolate.
//! Every error is a machine code (logged, answered 500), never a value.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use jwtgate::{
    CachedGate, Gate, GateConfig, OriginToken, DEFAULT_CACHE_ENTRIES, MAX_CACHE_ENTRIES,
};
use web_sys::Url;
use worker::Env;

use crate::cors::Cors;
use crate::jwks;

const DEFAULT_TIMEOUT_MS: u64 = 30_000;

/// What to do with a path outside the API prefix.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Unprotected {
    /// Proxy it unchanged, without identity headers (the default).
    Proxy,
    /// Answer 404 at the edge.
    Deny,
}

pub(crate) struct Config {
    /// One per isolate: repeats of a verified token skip the signature and JSON work
    /// (never the time rules). Borrowed only inside the synchronous decision. `None`
    /// only with `JWKS_URL` while no key set was ever obtained (requests then get 503).
    pub(crate) gate: RefCell<Option<CachedGate>>,
    /// The gate's configuration without keys (a fetched key set is added to it).
    pub(crate) base: GateConfig,
    /// `JWKS_URL`: where the key set comes from, and when to fetch it.
    pub(crate) remote: Option<jwks::RemoteKeys>,
    /// `ORIGIN_TOKEN`: what the origin receives in `Authorization`.
    pub(crate) origin_token: OriginToken,
    /// `ORIGIN_URL` without a trailing `/`.
    pub(crate) origin: String,
    /// `ORIGIN_URL`'s serialized origin (`scheme://host[:port]`, as the URL parser writes
    /// it): what an origin-sent `Location` is compared with.
    pub(crate) origin_key: String,
    pub(crate) cors: Cors,
    pub(crate) timeout: Duration,
    pub(crate) unprotected: Unprotected,
}

thread_local! {
    /// The configuration is read and validated once per isolate.
    static CONFIG: RefCell<Option<Result<Rc<Config>, &'static str>>> = const { RefCell::new(None) };
}

pub(crate) fn text_binding(env: &Env, name: &str) -> Option<String> {
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
    // The core parses the mode and refuses `hs256` without a secret (validated below).
    let origin_token =
        OriginToken::parse(text_binding(env, "ORIGIN_TOKEN").as_deref().unwrap_or(""))
            .map_err(|e| e.code())?;
    let mut gate_config = GateConfig::new(secret).origin_token(origin_token);
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
    // Set (even empty: no self route) replaces the core's default `{API_PREFIX}me/profile`.
    if let Some(routes) = text_binding(env, "SELF_ROUTES") {
        gate_config = gate_config.self_routes_list(&routes);
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
            // Every rule of the core now (issuer + audience with a key set, the prefix, the
            // self routes, …); the keys themselves come with the first fetch.
            gate_config
                .validate_awaiting_key_set()
                .map_err(|e| e.code())?;
            let parsed = Url::new(url.trim()).map_err(|_| "jwks_url_invalid")?;
            if !matches!(parsed.protocol().as_str(), "http:" | "https:") {
                return Err("jwks_url_invalid");
            }
            (
                None,
                Some(jwks::RemoteKeys::new(
                    parsed.href(),
                    cache_entries,
                    &gate_config,
                    text_binding(env, "JWKS_CACHE_SECRET"),
                )?),
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
    let origin_key = parsed.origin();

    let cors = Cors::from_env(
        text_binding(env, "ALLOWED_ORIGINS").as_deref(),
        text_binding(env, "CORS_ALLOW_HEADERS").as_deref(),
    )?;

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
        origin_key,
        cors,
        timeout: Duration::from_millis(timeout_ms),
        unprotected,
    })
}

pub(crate) fn config(env: &Env) -> Result<Rc<Config>, &'static str> {
    CONFIG.with(|cell| {
        cell.borrow_mut()
            .get_or_insert_with(|| load_config(env).map(Rc::new))
            .clone()
    })
}
