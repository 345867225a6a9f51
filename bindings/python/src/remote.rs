//! `jwtgate._jwtgate.RemoteKeys`: what a gate following a key-set URL needs from the core,
//! for `jwtgate._remote.RemoteGate` (which does only the HTTP).
//!
//! The configuration (checked as if the key set were there), the core's refresh policy
//! (`KeySetRefresh`: max-age or the response's `Cache-Control`, the cooldown on unknown
//! `kid`s and after failures), building a `Gate` from a fetched set (the core's key-set
//! parser), and the core's decision while no set is usable (`decide_awaiting_key_set`:
//! paths outside the prefix pass, the rest is `503 jwks_unavailable`).

use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use jwtgate::{
    cache_control_max_age, Error, GateConfig, Hop, HostRequest, KeySet, KeySetRefresh, Mount,
    OriginInput, RefreshReason, Verdict,
};
use pyo3::prelude::*;
use pyo3::sync::MutexExt;
use pyo3::types::{PyBytes, PyDict, PyString};

use crate::gate::{PyGate, PyPlan};
use crate::request::Authorization;
use crate::{core_config_error, gate_error, read_options, text, Host};

/// The configuration and refresh state of one remote key set; shared between threads.
#[pyclass(frozen, module = "jwtgate._jwtgate", name = "RemoteKeys")]
pub(crate) struct PyRemoteKeys {
    config: GateConfig,
    cache_size: usize,
    state: Mutex<KeySetRefresh>,
}

/// Milliseconds since the epoch: `now_ms` as given (tests), else the system clock.
fn clock_ms(now_ms: Option<f64>) -> u64 {
    match now_ms {
        Some(ms) => jwtgate::clock_seconds(ms),
        None => SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX)),
    }
}

fn reason_name(reason: RefreshReason) -> &'static str {
    match reason {
        RefreshReason::NoKeys => "no_keys",
        RefreshReason::Stale => "stale",
        RefreshReason::UnknownKid => "unknown_kid",
    }
}

impl PyRemoteKeys {
    fn state<T>(&self, py: Python<'_>, f: impl FnOnce(&mut KeySetRefresh) -> T) -> T {
        // No Python code runs while it is held; a poisoned lock (a panic mid-call: the core
        // has none) still holds a consistent state.
        let mut guard = self
            .state
            .lock_py_attached(py)
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        f(&mut guard)
    }
}

#[pymethods]
impl PyRemoteKeys {
    /// Reads and checks the options (`Gate` options plus `cache_max_age`, `cooldown`,
    /// `timeout`, in ms); raises `GateConfigError`. Fetches nothing.
    #[new]
    #[pyo3(signature = (*, secret = None, **options))]
    fn new(
        py: Python<'_>,
        secret: Option<&Bound<'_, PyAny>>,
        options: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Self> {
        let read = read_options(py, secret, options, Host::Remote)?;
        Ok(PyRemoteKeys {
            config: read.config,
            cache_size: read.cache_size,
            state: Mutex::new(KeySetRefresh::new(read.policy)),
        })
    }

    /// Should a fetch start now, and if so record that it started (one step under the lock:
    /// of concurrent callers exactly one gets a reason, the others see the cooldown).
    /// `reason`: `"due"` (no set, or stale) or `"unknown_kid"` (a token named a `kid` the
    /// set lacks). Gives `"no_keys"`, `"stale"`, `"unknown_kid"`, or `None`.
    #[pyo3(signature = (reason, now_ms = None))]
    fn begin(
        &self,
        py: Python<'_>,
        reason: &str,
        now_ms: Option<f64>,
    ) -> PyResult<Option<&'static str>> {
        let unknown_kid = match reason {
            "due" => false,
            "unknown_kid" => true,
            _ => {
                return Err(pyo3::exceptions::PyValueError::new_err(
                    "reason must be \"due\" or \"unknown_kid\"",
                ))
            }
        };
        let now = clock_ms(now_ms);
        Ok(self.state(py, |state| {
            let go = if unknown_kid {
                state.on_unknown_kid(now)
            } else {
                state.due(now)
            };
            if go.is_some() {
                state.started(now);
            }
            go.map(reason_name)
        }))
    }

    /// Would a `"due"` fetch start now (without starting it)?
    #[pyo3(signature = (now_ms = None))]
    fn due(&self, py: Python<'_>, now_ms: Option<f64>) -> Option<&'static str> {
        let now = clock_ms(now_ms);
        self.state(py, |state| state.due(now).map(reason_name))
    }

    /// A gate for a fetched key set (its body, as fetched): the configuration with these
    /// keys. Raises `GateConfigError` (the core's key-set code) on a set the core refuses;
    /// nothing changes then.
    fn build(&self, py: Python<'_>, body: &Bound<'_, PyBytes>) -> PyResult<PyGate> {
        let keys = KeySet::parse(body.as_bytes()).map_err(|e| core_config_error(py, &e))?;
        PyGate::from_config(self.config.clone().key_set(keys), self.cache_size)
            .map_err(|e| core_config_error(py, &e))
    }

    /// The set built from the last fetch is in use: fresh for the response's
    /// `Cache-Control` (`s-maxage`, `max-age`; capped), else `cache_max_age`.
    #[pyo3(signature = (cache_control = None, now_ms = None))]
    fn succeeded(&self, py: Python<'_>, cache_control: Option<&str>, now_ms: Option<f64>) {
        let max_age = cache_control.and_then(cache_control_max_age);
        let now = clock_ms(now_ms);
        self.state(py, |state| state.succeeded(now, max_age));
    }

    /// Has any fetch given a usable set?
    fn has_keys(&self, py: Python<'_>) -> bool {
        self.state(py, |state| state.has_keys())
    }

    /// The decision on an ASGI request while no key set is usable (arguments as
    /// `Gate.decide_asgi`): outside the prefix `(None, plan)` (the in-process plan without
    /// identity); otherwise raises `GateError` — `503 jwks_unavailable`, or the core's own
    /// refusal of a request it will not interpret. `require_token`: the dependency's rule
    /// (a token whatever the path), so always a refusal.
    #[pyo3(signature = (method, target, root_path, path, authorization, require_token = false))]
    #[allow(clippy::too_many_arguments)]
    fn awaiting_asgi<'py>(
        &self,
        py: Python<'py>,
        method: &Bound<'py, PyString>,
        target: &Bound<'py, PyString>,
        root_path: &Bound<'py, PyString>,
        path: &Bound<'py, PyString>,
        authorization: &Bound<'py, PyAny>,
        require_token: bool,
    ) -> PyResult<(Py<PyAny>, PyPlan<'py>)> {
        let (method, target) = (text(method), text(target));
        let (root_path, path) = (text(root_path), text(path));
        let lines: Vec<Bound<'py, PyBytes>> = authorization
            .try_iter()?
            .map(|line| Ok(line?.cast_into::<PyBytes>()?))
            .collect::<PyResult<_>>()?;
        let authorization = Authorization::from_lines(&lines);
        let mount = Mount::Asgi {
            root_path: &root_path,
            path: &path,
        };
        let verdict: Verdict<()> = authorization.with_field(|field| {
            let request = HostRequest::new(&method, &target, field).mounted(mount);
            self.config.decide_awaiting_key_set(&request)
        });
        match verdict {
            Verdict::Pass if !require_token => {
                let input = OriginInput {
                    hop: Hop::InProcess,
                    ..OriginInput::default()
                };
                let plan = self.config.origin_plan_without_identity(&input);
                Ok((py.None(), crate::gate::py_plan(py, &plan)?))
            }
            Verdict::Pass | Verdict::Allow(()) | Verdict::Session(_) | Verdict::Refresh(_) => {
                Err(gate_error(py, Error::KeysUnavailable))
            }
            Verdict::Refuse(error) => Err(gate_error(py, error)),
        }
    }

    /// Does this raw path need a token? (As `Gate.protects`, from the configuration.)
    fn protects(&self, path: &Bound<'_, PyString>) -> bool {
        let path = text(path);
        let route = jwtgate::route(&self.config.api_prefix, &path);
        !matches!(route, Ok(jwtgate::Route::Unprotected))
    }

    /// One fetch's limit, in milliseconds.
    #[getter]
    fn timeout_ms(&self, py: Python<'_>) -> u64 {
        self.state(py, |state| state.policy().timeout_ms)
    }

    /// The protected prefix, with its trailing `/`.
    #[getter]
    fn api_prefix(&self) -> &str {
        &self.config.api_prefix
    }

    /// Session mode: the name of Better Auth's session cookie the gate will read (`None`
    /// outside session mode), known before any key set arrives.
    #[getter]
    fn session_cookie_name(&self) -> Option<String> {
        self.config.session_cookie_name()
    }

    /// Session mode: Better Auth's get-session endpoint under `base_url` (the core's default
    /// of `get_session_url`); `None` without one.
    #[getter(get_session_url)]
    fn default_get_session_url(&self) -> Option<String> {
        self.config.session.as_ref()?.get_session_url(None)
    }

    /// Largest key set read, in bytes (the fetcher stops reading past it).
    #[getter]
    fn max_bytes(&self) -> usize {
        jwtgate::MAX_JWKS_BYTES
    }
}
