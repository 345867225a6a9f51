//! PyO3 surface of the jwtgate core: the native module `jwtgate._jwtgate`, re-exported by
//! the `jwtgate` package (`python/jwtgate/__init__.py`).
//!
//! Thin by design: every rule lives in the core. This layer converts Python arguments,
//! reads the clock when the caller gives none, and raises the package's own exception
//! classes (`jwtgate.errors`, looked up by import so they stay picklable, subclassable and
//! stubbed like any Python class).
#![deny(unsafe_code)]
#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod gate;
mod remote;
mod request;

use std::time::{SystemTime, UNIX_EPOCH};

use jwtgate::options::{option_name, Naming, OPTIONS as CORE_OPTIONS};
use jwtgate::{
    CacheStrategy, ConfigError, Error, GateConfig, OriginToken, RefreshPolicy, SessionConfig,
};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyDict, PyInt, PyList, PyString, PyTuple, PyType};

use gate::PyGate;
use remote::PyRemoteKeys;

static GATE_ERROR: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static GATE_CONFIG_ERROR: PyOnceLock<Py<PyType>> = PyOnceLock::new();

/// A core refusal as a `jwtgate.errors.GateError(status, code, detail, www_authenticate)`.
pub(crate) fn gate_error(py: Python<'_>, error: Error) -> PyErr {
    let made = GATE_ERROR
        .import(py, "jwtgate.errors", "GateError")
        .and_then(|class| {
            let headers = PyTuple::new(py, error.response_headers().collect::<Vec<_>>())?;
            class.call1((
                error.status(),
                error.code(),
                error.detail(),
                error.www_authenticate(),
                headers,
            ))
        });
    match made {
        Ok(instance) => PyErr::from_value(instance),
        Err(err) => err,
    }
}

/// `jwtgate.errors.GateConfigError(code, message)`; the message never holds a secret.
pub(crate) fn config_error(py: Python<'_>, code: &str, message: &str) -> PyErr {
    let made = GATE_CONFIG_ERROR
        .import(py, "jwtgate.errors", "GateConfigError")
        .and_then(|class| class.call1((code, message)));
    match made {
        Ok(instance) => PyErr::from_value(instance),
        Err(err) => err,
    }
}

/// A core `ConfigError` as `GateConfigError`, worded with the Python option names.
pub(crate) fn core_config_error(py: Python<'_>, error: &ConfigError) -> PyErr {
    config_error(py, error.code(), &error.message(Naming::Python))
}

/// A string option (`None` was filtered out before).
fn string(value: &Bound<'_, PyAny>, name: &str) -> PyResult<String> {
    match value.cast::<PyString>() {
        Ok(s) => Ok(s.to_string_lossy().into_owned()),
        Err(_) => Err(config_error(
            value.py(),
            "invalid_option",
            &format!("{name} must be a string"),
        )),
    }
}

/// A count of seconds (or slots): an `int` (not `bool`), 0 or more.
pub(crate) fn count(value: &Bound<'_, PyAny>, name: &str) -> PyResult<u64> {
    let is_int = value.is_instance_of::<PyInt>() && !value.is_instance_of::<PyBool>();
    is_int
        .then(|| value.extract::<u64>().ok())
        .flatten()
        .ok_or_else(|| {
            config_error(
                value.py(),
                "invalid_number",
                &format!("{name} must be a non-negative integer"),
            )
        })
}

/// `previous_secrets`: a list/tuple of strings, or one comma-separated string (as
/// `BETTER_AUTH_PREVIOUS_SECRETS` holds them; the core splits it).
fn previous_secrets(config: GateConfig, value: &Bound<'_, PyAny>) -> PyResult<GateConfig> {
    if let Ok(list) = value.cast::<PyString>() {
        return Ok(config.previous_secrets_list(&list.to_string_lossy()));
    }
    let items: Vec<Bound<'_, PyAny>> = if let Ok(list) = value.cast::<PyList>() {
        list.iter().collect()
    } else if let Ok(tuple) = value.cast::<PyTuple>() {
        tuple.iter().collect()
    } else {
        Vec::new()
    };
    let invalid = || {
        config_error(
            value.py(),
            "invalid_option",
            "previous_secrets must be a list of strings or a comma-separated string",
        )
    };
    if items.is_empty() && !(value.is_instance_of::<PyList>() || value.is_instance_of::<PyTuple>())
    {
        return Err(invalid());
    }
    items.iter().try_fold(config, |config, item| {
        let secret = item.cast::<PyString>().map_err(|_| invalid())?;
        Ok(config.previous_secret(secret.to_string_lossy().into_owned()))
    })
}

/// A list/tuple of strings (`None` was filtered out before).
fn strings(value: &Bound<'_, PyAny>, name: &str) -> PyResult<Vec<String>> {
    let invalid = || {
        config_error(
            value.py(),
            "invalid_option",
            &format!("{name} must be a list of strings"),
        )
    };
    let items: Vec<Bound<'_, PyAny>> = if let Ok(list) = value.cast::<PyList>() {
        list.iter().collect()
    } else if let Ok(tuple) = value.cast::<PyTuple>() {
        tuple.iter().collect()
    } else {
        return Err(invalid());
    };
    items
        .iter()
        .map(|item| {
            item.cast::<PyString>()
                .map(|s| s.to_string_lossy().into_owned())
                .map_err(|_| invalid())
        })
        .collect()
}

/// `self_routes`: a list of paths (optionally `"GET /path"`), or one comma-separated string
/// (as the worker's `SELF_ROUTES` holds them; the core splits it). `[]`: no self route.
fn self_routes(config: GateConfig, value: &Bound<'_, PyAny>) -> PyResult<GateConfig> {
    if let Ok(list) = value.cast::<PyString>() {
        return Ok(config.self_routes_list(&list.to_string_lossy()));
    }
    Ok(config.self_routes(strings(value, "self_routes")?))
}

/// `jwks`: the key set (Better Auth's `/api/auth/jwks`) as JSON text, bytes, or a dict.
fn jwks(config: GateConfig, value: &Bound<'_, PyAny>) -> PyResult<GateConfig> {
    let text: String = if let Ok(s) = value.cast::<PyString>() {
        s.to_string_lossy().into_owned()
    } else if let Ok(b) = value.cast::<pyo3::types::PyBytes>() {
        String::from_utf8_lossy(b.as_bytes()).into_owned()
    } else if value.is_instance_of::<pyo3::types::PyDict>() {
        let json = value.py().import("json")?;
        json.call_method1("dumps", (value,))?.extract()?
    } else {
        return Err(config_error(
            value.py(),
            "invalid_option",
            "jwks must be JSON text, bytes or a dict",
        ));
    };
    let keys =
        jwtgate::KeySet::parse(text.as_bytes()).map_err(|e| core_config_error(value.py(), &e))?;
    Ok(config.key_set(keys))
}

/// `strip_cookies`: a list/tuple of cookie names, or one comma-separated string (as the
/// worker's `STRIP_COOKIES` holds them). The core validates each name.
fn strip_cookies(config: GateConfig, value: &Bound<'_, PyAny>) -> PyResult<GateConfig> {
    if let Ok(list) = value.cast::<PyString>() {
        let list = list.to_string_lossy();
        let names = list.split(',').map(str::trim).filter(|n| !n.is_empty());
        return Ok(config.strip_cookies(names.map(String::from).collect::<Vec<_>>()));
    }
    Ok(config.strip_cookies(strings(value, "strip_cookies")?))
}

/// A flag: `True` or `False` (not any truthy value).
fn flag(value: &Bound<'_, PyAny>, name: &str) -> PyResult<bool> {
    value.cast::<PyBool>().map(|b| b.is_true()).map_err(|_| {
        config_error(
            value.py(),
            "invalid_option",
            &format!("{name} must be True or False"),
        )
    })
}

type Setter = fn(GateConfig, &Bound<'_, PyAny>) -> PyResult<GateConfig>;

/// Every `Gate(...)` keyword that feeds `GateConfig`, by its npm name in the core's options
/// table (`jwtgate::options::OPTIONS`), which gives the Python name. Adding an option to the
/// core is one line here (and one in `_options.py`; a test compares them). `secret` and
/// `cache_size` are read apart: the first is required, the second is not part of
/// `GateConfig`. `trusted_proxies`, `cookie_prefix`, `strip_cookies` and
/// `forward_auth_cookies` are validated as everywhere, but shape only a proxy's plan: an
/// in-process gate leaves cookies and forwarding headers to the server's own settings.
pub(crate) const OPTIONS: &[(&str, Setter)] = &[
    ("previousSecrets", previous_secrets),
    ("issuer", |c, v| Ok(c.issuer(string(v, "issuer")?))),
    ("audience", |c, v| Ok(c.audience(string(v, "audience")?))),
    ("leewaySeconds", |c, v| {
        Ok(c.leeway_seconds(count(v, "leeway_seconds")?))
    }),
    ("minLifetimeSeconds", |mut c, v| {
        c.min_lifetime_seconds = count(v, "min_lifetime_seconds")?;
        Ok(c)
    }),
    ("maxLifetimeSeconds", |mut c, v| {
        c.max_lifetime_seconds = count(v, "max_lifetime_seconds")?;
        Ok(c)
    }),
    ("apiPrefix", |c, v| {
        Ok(c.api_prefix(string(v, "api_prefix")?))
    }),
    ("selfRoutes", self_routes),
    ("jwks", jwks),
    ("originToken", |c, v| {
        let mode = OriginToken::parse(&string(v, "origin_token")?)
            .map_err(|e| core_config_error(v.py(), &e))?;
        Ok(c.origin_token(mode))
    }),
    ("trustedProxies", |c, v| {
        let hops = u8::try_from(count(v, "trusted_proxies")?).map_err(|_| {
            config_error(
                v.py(),
                "invalid_number",
                "trusted_proxies must be an integer from 0 to 255",
            )
        })?;
        Ok(c.trusted_proxies(hops))
    }),
    ("cookiePrefix", |c, v| {
        Ok(c.cookie_prefix(string(v, "cookie_prefix")?))
    }),
    ("stripCookies", strip_cookies),
    ("forwardAuthCookies", |c, v| {
        Ok(c.forward_auth_cookies(flag(v, "forward_auth_cookies")?))
    }),
    // Session mode (Better Auth's session cookies): on when `session_strategy` is given
    // and not "off" (`read_options` turns it off again otherwise).
    ("sessionStrategy", |c, v| {
        let strategy = CacheStrategy::parse(&string(v, "session_strategy")?)
            .map_err(|e| core_config_error(v.py(), &e))?;
        Ok(with_session(c, |s| {
            if let Some(strategy) = strategy {
                s.strategy = strategy;
            }
        }))
    }),
    ("baseUrl", |c, v| {
        let url = string(v, "base_url")?;
        Ok(with_session(c, |s| {
            s.base_url = Some(url).filter(|u| !u.is_empty())
        }))
    }),
    ("trustedOrigins", |c, v| {
        let origins = match v.cast::<PyString>() {
            Ok(list) => list
                .to_string_lossy()
                .split(',')
                .map(str::trim)
                .filter(|o| !o.is_empty())
                .map(String::from)
                .collect(),
            Err(_) => strings(v, "trusted_origins")?,
        };
        Ok(with_session(c, |s| s.trusted_origins = origins))
    }),
    ("secureCookies", |c, v| {
        let secure = flag(v, "secure_cookies")?;
        Ok(with_session(c, |s| s.secure_cookies = Some(secure)))
    }),
    ("cacheVersion", |c, v| {
        let version = string(v, "cache_version")?;
        Ok(with_session(c, |s| s.version = version))
    }),
    ("sessionMaxAge", |c, v| {
        let max_age = count(v, "session_max_age")?;
        Ok(with_session(c, |s| s.max_age_seconds = max_age))
    }),
];

/// `config` with its session settings changed by `f` (created with the defaults first).
fn with_session(mut config: GateConfig, f: impl FnOnce(&mut SessionConfig)) -> GateConfig {
    f(config
        .session
        .get_or_insert_with(|| SessionConfig::new(CacheStrategy::Compact)));
    config
}

/// The npm name of the get-session URL: a keyword of `BetterAuthSession` and
/// `GateMiddleware` (the Python layer asks Better Auth), not of `Gate(...)`.
pub(crate) const GET_SESSION_URL: &str = "getSessionUrl";

/// The npm name of the `cache_size` option (read apart from `OPTIONS`).
pub(crate) const CACHE_SIZE: &str = "cacheSize";

/// The npm name of the key-set URL option: the first argument of `Gate.from_jwks_url`,
/// the `jwks_url=` keyword of `BetterAuth` / `GateMiddleware` (read by the Python layer).
pub(crate) const JWKS_URL: &str = "jwksUrl";

type PolicySetter = fn(&mut RefreshPolicy, u64);

/// The refresh knobs of a remote key set (`Gate.from_jwks_url`), by npm name; milliseconds,
/// as in every host. Not options of a fixed `Gate(...)` (as in the npm package).
pub(crate) const REMOTE_OPTIONS: &[(&str, PolicySetter)] = &[
    ("cacheMaxAge", |p, ms| p.max_age_ms = ms),
    ("cooldownDuration", |p, ms| p.cooldown_ms = ms),
    ("timeoutDuration", |p, ms| p.timeout_ms = ms),
];

/// Which constructor reads the options.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Host {
    /// `Gate(...)`: a fixed secret and/or key set.
    Fixed,
    /// `Gate.from_jwks_url(url, ...)`: the key set comes later, by URL.
    Remote,
}

/// What the keywords of `Gate(...)` / `Gate.from_jwks_url(...)` say.
pub(crate) struct Read {
    pub(crate) config: GateConfig,
    pub(crate) cache_size: usize,
    pub(crate) policy: RefreshPolicy,
}

/// Reads `secret` and the options by the core table's Python names: `OPTIONS` feed
/// `GateConfig`, `cache_size` the token cache, `REMOTE_OPTIONS` the refresh policy (remote
/// only). `None` means the default for every option. A remote configuration is checked by
/// every rule as if its key set were there (`validate_awaiting_key_set`); a fixed one is
/// checked when the `Gate` is built.
pub(crate) fn read_options(
    py: Python<'_>,
    secret: Option<&Bound<'_, PyAny>>,
    options: Option<&Bound<'_, PyDict>>,
    host: Host,
) -> PyResult<Read> {
    // With a key set (EdDSA tokens) the secret (HS256 tokens) is optional.
    let has_jwks = options
        .and_then(|o| o.get_item("jwks").ok().flatten())
        .is_some_and(|v| !v.is_none());
    let secret = match secret.filter(|s| !s.is_none()) {
        None => String::new(),
        Some(s) => string(s, "secret")?,
    };
    if secret.is_empty() && !has_jwks && host == Host::Fixed {
        return Err(config_error(
            py,
            "missing_secret",
            "secret is required (BETTER_AUTH_SECRET, at least 32 characters), or a jwks \
             (or a key set URL: Gate.from_jwks_url)",
        ));
    }
    let mut read = Read {
        config: GateConfig::new(secret),
        cache_size: jwtgate::DEFAULT_CACHE_ENTRIES,
        policy: RefreshPolicy::default(),
    };
    for (key, value) in options.into_iter().flat_map(|o| o.iter()) {
        let name = key.cast::<PyString>()?.to_string_lossy().into_owned();
        if name == python_name(JWKS_URL) {
            let message = match host {
                Host::Fixed => {
                    "jwks_url: a key set URL is followed by Gate.from_jwks_url(url, ...) \
                     (or BetterAuth / GateMiddleware(jwks_url=...)), not by Gate(...)"
                }
                Host::Remote => "jwks_url: give the key set URL once, as the first argument",
            };
            return Err(config_error(py, "invalid_option", message));
        }
        if name == python_name(GET_SESSION_URL) {
            return Err(config_error(
                py,
                "invalid_option",
                "get_session_url: Better Auth is asked by BetterAuthSession(get_session_url=...) \
                 or GateMiddleware(get_session_url=...), not by Gate(...)",
            ));
        }
        let remote = REMOTE_OPTIONS
            .iter()
            .find(|(js, _)| python_name(js) == name);
        if remote.is_some() && host == Host::Fixed {
            return Err(config_error(
                py,
                "unknown_option",
                &format!("{name} is an option of Gate.from_jwks_url(url, ...), not of Gate(...)"),
            ));
        }
        let cache_size_option = name == python_name(CACHE_SIZE);
        let setter = OPTIONS.iter().find(|(js, _)| python_name(js) == name);
        if !(cache_size_option || setter.is_some() || remote.is_some()) {
            return Err(config_error(
                py,
                "unknown_option",
                &format!("unknown option {name:?}"),
            ));
        }
        if value.is_none() {
            // `None` means "the default", for every option (as `null` does in JS).
            continue;
        }
        if name == "jwks" && host == Host::Remote {
            return Err(config_error(
                py,
                "invalid_option",
                "jwks: a gate following a key set URL takes its keys from there; pass one of them",
            ));
        }
        if cache_size_option {
            read.cache_size = usize::try_from(count(&value, &name)?).unwrap_or(usize::MAX);
        } else if let Some((_, set)) = remote {
            set(&mut read.policy, count(&value, &name)?);
        } else if let Some((_, set)) = setter {
            read.config = set(read.config, &value)?;
        }
    }
    // Session mode needs `session_strategy` (not "off"): the other session options alone
    // do not turn it on.
    let strategy = options
        .and_then(|o| o.get_item(python_name("sessionStrategy")).ok().flatten())
        .filter(|v| !v.is_none());
    let on = match strategy {
        Some(v) => CacheStrategy::parse(&string(&v, "session_strategy")?)
            .map_err(|e| core_config_error(py, &e))?
            .is_some(),
        None => false,
    };
    if !on {
        read.config.session = None;
    }
    if host == Host::Remote {
        read.config
            .validate_awaiting_key_set()
            .map_err(|e| core_config_error(py, &e))?;
    }
    Ok(read)
}

/// The Python name of an option, from the core's table.
pub(crate) fn python_name(js: &str) -> &str {
    option_name(js, Naming::Python)
}

/// The clock: `now` as given (through the core's `clock_seconds`: floored, a broken clock
/// fails closed), else the system clock.
pub(crate) fn clock(now: Option<f64>) -> u64 {
    match now {
        None => SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs()),
        Some(n) => jwtgate::clock_seconds(n),
    }
}

/// Python strings cross as UTF-8; a lone surrogate (not encodable) becomes U+FFFD, as a
/// JS `TextEncoder` does, so it is refused by the rules rather than by an encoding error.
pub(crate) fn text<'a>(value: &'a Bound<'_, PyString>) -> std::borrow::Cow<'a, str> {
    value.to_string_lossy()
}

/// The `GateError` the core gives for `code` (for host-side checks that must answer with
/// the core's words, e.g. `jwtgate.fastapi`'s route-parameter check).
#[pyfunction]
fn refusal(py: Python<'_>, code: &str) -> PyResult<Py<PyAny>> {
    let error = Error::from_code(code)
        .ok_or_else(|| PyValueError::new_err(format!("no refusal with code {code:?}")))?;
    Ok(gate_error(py, error).into_value(py).into_any())
}

#[pymodule]
fn _jwtgate(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyGate>()?;
    m.add_class::<PyRemoteKeys>()?;
    m.add_function(wrap_pyfunction!(refusal, m)?)?;
    m.add(
        "ERROR_CODES",
        PyTuple::new(m.py(), Error::ALL.iter().map(|e| e.code()))?,
    )?;
    // Every keyword `Gate` takes besides `secret` (checked against GateOptions by a test).
    let names: Vec<&str> = OPTIONS
        .iter()
        .map(|(name, _)| python_name(name))
        .chain([python_name(CACHE_SIZE)])
        .collect();
    m.add("OPTION_NAMES", PyTuple::new(m.py(), names)?)?;
    // What `Gate.from_jwks_url` takes besides those (checked against RemoteOptions), and the
    // key-set URL keyword of BetterAuth / GateMiddleware.
    let remote = REMOTE_OPTIONS.iter().map(|(name, _)| python_name(name));
    m.add("REMOTE_OPTION_NAMES", PyTuple::new(m.py(), remote)?)?;
    m.add("JWKS_URL_OPTION", python_name(JWKS_URL))?;
    m.add("GET_SESSION_URL_OPTION", python_name(GET_SESSION_URL))?;
    m.add("MAX_JWKS_BYTES", jwtgate::MAX_JWKS_BYTES)?;
    // The core's whole options table, Python names (a test compares the two).
    let core = CORE_OPTIONS.iter().map(|o| o.python);
    m.add("CORE_OPTIONS", PyTuple::new(m.py(), core)?)?;
    // The same table's npm names, in the same order (the corpus configs use them).
    let js = CORE_OPTIONS.iter().map(|o| o.js);
    m.add("CORE_OPTIONS_JS", PyTuple::new(m.py(), js)?)?;
    // And its environment names (what the Python entry points read when an option is not
    // given: BetterAuth(), BetterAuthSession(), GateMiddleware()).
    let env = CORE_OPTIONS.iter().map(|o| o.env);
    m.add("CORE_OPTIONS_ENV", PyTuple::new(m.py(), env)?)?;
    m.add("MAX_AUTHORIZATION_BYTES", jwtgate::MAX_AUTHORIZATION_BYTES)?;
    m.add("DEFAULT_CACHE_SIZE", jwtgate::DEFAULT_CACHE_ENTRIES)?;
    m.add("MAX_TOKEN_BYTES", jwtgate::MAX_TOKEN_BYTES)?;
    Ok(())
}
