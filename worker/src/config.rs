//! The worker's configuration: read from the environment and validated once per isolate.
//! Every error is a machine code (logged with the variable at fault, answered 500), never
//! a value.
//!
//! The core's options are read by their names in its one table ([`jwtgate::OPTIONS`],
//! [`Naming::Env`]: `JWT_ISSUER`, `TRUSTED_PROXIES`, …); an older name it lists
//! (`env_aliases`, e.g. `ISSUER`) still works, with one log line naming the new one.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use jwtgate::options::option;
use jwtgate::{
    CacheStrategy, CachedGate, ConfigError, Gate, GateConfig, Naming, OriginToken, SessionConfig,
    DEFAULT_CACHE_ENTRIES, MAX_CACHE_ENTRIES,
};
use web_sys::Url;
use worker::Env;

use crate::cors::Cors;
use crate::jwks;
use crate::session::{self, Refresher};

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
    /// `ORIGIN_URL` without a trailing `/`.
    pub(crate) origin: String,
    /// `ORIGIN_URL`'s serialized origin (`scheme://host[:port]`, as the URL parser writes
    /// it): what an origin-sent `Location` is compared with.
    pub(crate) origin_key: String,
    pub(crate) cors: Cors,
    pub(crate) timeout: Duration,
    pub(crate) unprotected: Unprotected,
    /// Session mode's refresh path (`GET_SESSION_URL`, or the `AUTH_SERVICE` binding);
    /// `None` outside session mode or without either (a stale cache is then refused).
    pub(crate) refresher: Option<Refresher>,
}

thread_local! {
    /// The configuration is read and validated once per isolate.
    static CONFIG: RefCell<Option<Result<Rc<Config>, Misconfig>>> = const { RefCell::new(None) };
}

/// Why the configuration is refused: a machine code and, when the core names one, the
/// variable at fault (its name in the options table) and the core's message (never a value).
#[derive(Clone, Debug)]
pub(crate) struct Misconfig {
    pub(crate) code: &'static str,
    pub(crate) option: Option<&'static str>,
    pub(crate) message: Option<String>,
}

impl From<&'static str> for Misconfig {
    fn from(code: &'static str) -> Self {
        Misconfig {
            code,
            option: None,
            message: None,
        }
    }
}

impl From<ConfigError> for Misconfig {
    fn from(error: ConfigError) -> Self {
        Misconfig {
            code: error.code(),
            option: error.option().and_then(option).map(|o| o.name(Naming::Env)),
            message: Some(error.message(Naming::Env)),
        }
    }
}

/// A worker variable that is not a core option, or a core option (by its npm name in
/// the table) under its `env` name, else the first of its `env_aliases` that is set (with
/// a log line naming the new name).
fn option_binding(env: &Env, js: &str) -> Option<String> {
    let Some(entry) = option(js) else {
        return text_binding(env, js);
    };
    if let Some(value) = text_binding(env, entry.env) {
        return Some(value);
    }
    entry.env_aliases.iter().find_map(|alias| {
        let value = text_binding(env, alias)?;
        worker::console_log!(
            r#"{{"level":"warn","event":"config_alias","option":"{}","alias":"{}","detail":"{} is read as {}: rename it"}}"#,
            entry.env,
            alias,
            alias,
            entry.env
        );
        Some(value)
    })
}

/// A number the variable must hold; `code` when it holds anything else.
fn number<T: std::str::FromStr>(
    env: &Env,
    js: &str,
    code: &'static str,
) -> Result<Option<T>, Misconfig> {
    option_binding(env, js)
        .filter(|v| !v.trim().is_empty())
        .map(|v| {
            v.trim().parse::<T>().map_err(|_| Misconfig {
                option: Some(option_env(js)),
                ..Misconfig::from(code)
            })
        })
        .transpose()
}

pub(crate) fn text_binding(env: &Env, name: &str) -> Option<String> {
    env.var(name).ok().map(|v| v.to_string())
}

/// Reads and validates the environment. The error is a machine code, never a value.
fn load_config(env: &Env) -> Result<Config, Misconfig> {
    let jwks_url = option_binding(env, "jwksUrl").filter(|u| !u.trim().is_empty());
    // With a key set (EdDSA tokens) the secret is optional (HS256 tokens then refused); the
    // core's rules judge it (missing_secret without either, secret_too_short, …).
    let secret = option_binding(env, "secret").unwrap_or_default();
    // The core parses the mode and refuses `hs256` without a secret (validated below).
    let origin_token =
        OriginToken::parse(option_binding(env, "originToken").as_deref().unwrap_or(""))?;
    let mut gate_config = GateConfig::new(secret).origin_token(origin_token);
    if let Some(issuer) = option_binding(env, "issuer").filter(|v| !v.is_empty()) {
        gate_config = gate_config.issuer(issuer);
    }
    if let Some(audience) = option_binding(env, "audience").filter(|v| !v.is_empty()) {
        gate_config = gate_config.audience(audience);
    }
    if let Some(previous) = option_binding(env, "previousSecrets") {
        gate_config = gate_config.previous_secrets_list(&previous);
    }
    if let Some(leeway) = number(env, "leewaySeconds", "leeway_seconds_invalid")? {
        gate_config = gate_config.leeway_seconds(leeway);
    }
    let min = number(env, "minLifetimeSeconds", "min_lifetime_seconds_invalid")?;
    let max = number(env, "maxLifetimeSeconds", "max_lifetime_seconds_invalid")?;
    if min.is_some() || max.is_some() {
        let min = min.unwrap_or(gate_config.min_lifetime_seconds);
        let max = max.unwrap_or(gate_config.max_lifetime_seconds);
        gate_config = gate_config.lifetime_seconds(min, max);
    }
    if let Some(prefix) = option_binding(env, "apiPrefix").filter(|p| !p.is_empty()) {
        gate_config = gate_config.api_prefix(prefix);
    }
    // Set (even empty: no self route) replaces the core's default `{API_PREFIX}me/profile`.
    if let Some(routes) = option_binding(env, "selfRoutes") {
        gate_config = gate_config.self_routes_list(&routes);
    }
    // What crosses to the origin (the core's origin plan): proxies trusted to state client
    // facts, and Better Auth's cookies, removed unless FORWARD_AUTH_COOKIES=true.
    if let Some(hops) = number(env, "trustedProxies", "trusted_proxies_invalid")? {
        gate_config = gate_config.trusted_proxies(hops);
    }
    if let Some(prefix) = option_binding(env, "cookiePrefix").filter(|p| !p.trim().is_empty()) {
        gate_config = gate_config.cookie_prefix(prefix.trim());
    }
    if let Some(names) = option_binding(env, "stripCookies") {
        gate_config = gate_config.strip_cookies(
            names
                .split(',')
                .map(str::trim)
                .filter(|n| !n.is_empty())
                .map(String::from),
        );
    }
    match option_binding(env, "forwardAuthCookies")
        .as_deref()
        .map(str::trim)
    {
        None | Some("" | "false") => {}
        Some("true") => gate_config = gate_config.forward_auth_cookies(true),
        Some(_) => {
            return Err(Misconfig {
                option: Some(option_env("forwardAuthCookies")),
                ..Misconfig::from("forward_auth_cookies_invalid")
            })
        }
    }
    let session = session_config(env)?;
    let refresher = match &session {
        Some(session) => refresher(env, session)?,
        None => None,
    };
    gate_config = gate_config.session(session);
    let cache_entries = match number::<usize>(env, "cacheSize", "token_cache_size_invalid")? {
        None => DEFAULT_CACHE_ENTRIES,
        Some(n) if n <= MAX_CACHE_ENTRIES => n,
        Some(_) => return Err("token_cache_size_invalid".into()),
    };
    let (gate, remote) = match jwks_url {
        None => (Some(Gate::new(gate_config.clone())?), None),
        Some(url) => {
            // Every rule of the core now (issuer + audience with a key set, the prefix, the
            // self routes, …); the keys themselves come with the first fetch.
            gate_config.validate_awaiting_key_set()?;
            let parsed = Url::new(url.trim()).map_err(|_| "jwks_url_invalid")?;
            if !matches!(parsed.protocol().as_str(), "http:" | "https:") {
                return Err("jwks_url_invalid".into());
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
        return Err("origin_url_invalid".into());
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
        Some(_) => return Err("unprotected_paths_invalid".into()),
    };
    Ok(Config {
        gate: RefCell::new(gate.map(|g| CachedGate::new(g, cache_entries))),
        base: gate_config,
        remote,
        origin,
        origin_key,
        cors,
        timeout: Duration::from_millis(timeout_ms),
        unprotected,
        refresher,
    })
}

/// Session mode from `SESSION_STRATEGY` and the variables beside it; the core validates
/// the whole (`invalid_session_strategy`, `session_needs_base_url`, …).
fn session_config(env: &Env) -> Result<Option<SessionConfig>, Misconfig> {
    let strategy = option_binding(env, "sessionStrategy").unwrap_or_default();
    let Some(strategy) = CacheStrategy::parse(&strategy)? else {
        return Ok(None);
    };
    let mut session = SessionConfig::new(strategy);
    if let Some(base) = option_binding(env, "baseUrl") {
        session = session.base_url(base.trim());
    }
    if let Some(origins) = option_binding(env, "trustedOrigins") {
        session = session.trusted_origins(
            origins
                .split(',')
                .map(str::trim)
                .filter(|o| !o.is_empty())
                .map(String::from),
        );
    }
    match option_binding(env, "secureCookies")
        .as_deref()
        .map(str::trim)
    {
        None | Some("") => {}
        Some("true") => session.secure_cookies = Some(true),
        Some("false") => session.secure_cookies = Some(false),
        Some(_) => {
            return Err(Misconfig {
                option: Some(option_env("secureCookies")),
                ..Misconfig::from("secure_cookies_invalid")
            })
        }
    }
    if let Some(version) = option_binding(env, "cacheVersion").filter(|v| !v.trim().is_empty()) {
        session.version = version.trim().to_string();
    }
    if let Some(max_age) = number(env, "sessionMaxAge", "session_max_age_invalid")? {
        session.max_age_seconds = max_age;
    }
    Ok(Some(session))
}

/// The refresh path: `GET_SESSION_URL` (default `{BETTER_AUTH_URL}/api/auth/get-session`),
/// fetched, or sent through the `AUTH_SERVICE` binding when it is bound. Neither: `None`.
fn refresher(env: &Env, session: &SessionConfig) -> Result<Option<Refresher>, Misconfig> {
    let configured = option_binding(env, "getSessionUrl");
    let url = session.get_session_url(configured.as_deref());
    let invalid = || Misconfig {
        option: Some(option_env("getSessionUrl")),
        ..Misconfig::from("get_session_url_invalid")
    };
    let url = match url {
        Some(url) => url,
        None if session::has_service(env) => return Err(invalid()),
        None => return Ok(None),
    };
    let parsed = Url::new(url.trim()).map_err(|_| invalid())?;
    if !matches!(parsed.protocol().as_str(), "http:" | "https:") {
        return Err(invalid());
    }
    let timeout_ms = match text_binding(env, "GET_SESSION_TIMEOUT_MS") {
        None => session::DEFAULT_TIMEOUT_MS,
        Some(v) => v
            .trim()
            .parse::<u64>()
            .ok()
            .filter(|ms| (1..=60_000).contains(ms))
            .ok_or("get_session_timeout_invalid")?,
    };
    Ok(Some(Refresher::new(
        parsed.href(),
        Duration::from_millis(timeout_ms),
    )))
}

/// The environment name of the core option `js` (npm name).
fn option_env(js: &str) -> &'static str {
    option(js).map_or("", |o| o.env)
}

pub(crate) fn config(env: &Env) -> Result<Rc<Config>, Misconfig> {
    CONFIG.with(|cell| {
        cell.borrow_mut()
            .get_or_insert_with(|| load_config(env).map(Rc::new))
            .clone()
    })
}
