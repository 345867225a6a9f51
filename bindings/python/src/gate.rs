//! `jwtgate.Gate`: the core's `Gate` / `CachedGate` shared between Python threads.

use std::sync::{Mutex, MutexGuard};

use jwtgate::{
    CachedGate, ConfigError, EntryId, Error, Field, Gate, GateConfig, Hop, HostRequest, Mount,
    OriginInput, OriginPlan, Verdict, VerifiedToken,
};
use pyo3::prelude::*;
use pyo3::sync::{MutexExt, PyOnceLock};
use pyo3::types::{PyBool, PyBytes, PyDict, PyFloat, PyInt, PyString, PyTuple};

use crate::request::Authorization;
use crate::{clock, core_config_error, gate_error, read_options, text, Host};

static JSON_LOADS: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// The verified-token cache plus, per slot, the claims dict already parsed for the entry
/// of that generation (as the npm package keeps its claims object per entry).
struct Cache {
    gate: CachedGate,
    memo: Vec<Option<(u64, Py<PyDict>)>>,
}

/// A validated gate, shared freely between threads.
///
/// The cache (`CachedGate`) needs exclusive access, so it sits behind a `Mutex`, held only
/// around Rust work: no Python code runs while it is held (a finalizer that released the
/// GIL there could otherwise deadlock), and a thread waiting for it detaches from the
/// interpreter (`lock_py_attached`). With the GIL serialising callers it is uncontended;
/// the cost of sharing is measured in `make bench`. `cache_size=0`: the plain `Gate`, no lock.
#[pyclass(frozen, module = "jwtgate", name = "Gate")]
pub(crate) struct PyGate {
    gate: Gate,
    cache: Option<Mutex<Cache>>,
    cache_size: usize,
}

/// Only immutable values (what JSON scalars become): a shallow copy shares nothing mutable.
fn flat(dict: &Bound<'_, PyDict>) -> bool {
    dict.values().iter().all(|v| {
        v.is_none()
            || v.is_exact_instance_of::<PyString>()
            || v.is_exact_instance_of::<PyInt>()
            || v.is_exact_instance_of::<PyFloat>()
            || v.is_exact_instance_of::<PyBool>()
    })
}

impl PyGate {
    /// A gate from a configuration already read (`Gate(...)`, or a remote key set's
    /// refreshed set: `RemoteKeys.build`), with `cache_size` verified-token slots.
    pub(crate) fn from_config(config: GateConfig, cache_size: usize) -> Result<Self, ConfigError> {
        let gate = Gate::new(config)?;
        let cached = (cache_size > 0).then(|| CachedGate::new(gate.clone(), cache_size));
        let cache_size = cached.as_ref().map_or(0, CachedGate::capacity);
        let cache = cached.map(|gate| {
            let memo = std::iter::repeat_with(|| None)
                .take(gate.capacity())
                .collect();
            Mutex::new(Cache { gate, memo })
        });
        Ok(PyGate {
            gate,
            cache,
            cache_size,
        })
    }

    fn lock<'a>(py: Python<'_>, cache: &'a Mutex<Cache>) -> MutexGuard<'a, Cache> {
        // A poisoned lock means a panic mid-call; the core has none, and the cache only
        // ever holds fully verified entries, so its state stays usable.
        cache
            .lock_py_attached(py)
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Runs `plain` (on the `Gate`) or `cached` (on the `CachedGate`), the core's decision
    /// (`Ok(None)`: outside the prefix, no token needed), and `then` on the verified token
    /// (Rust only: it runs while the cache is locked). Gives the claims dict (or `None`) and
    /// what `then` made, or raises `GateError`. Claims are a new dict per call: `json.loads`
    /// of the signed payload, or, for a repeat of a cached token whose claims are all
    /// scalars, a copy of the dict parsed the first time (the parse costs more than the
    /// whole core call).
    fn judge<'py, T>(
        &self,
        py: Python<'py>,
        plain: impl FnOnce(&Gate) -> Result<Option<VerifiedToken>, Error>,
        cached: impl FnOnce(&mut CachedGate) -> Result<Option<&VerifiedToken>, Error>,
        then: impl FnOnce(Option<&VerifiedToken>) -> T,
    ) -> PyResult<(Option<Bound<'py, PyAny>>, T)> {
        let Some(cache) = &self.cache else {
            return match plain(&self.gate) {
                Ok(Some(verified)) => {
                    let made = then(Some(&verified));
                    Ok((Some(loads(py, verified.into_parts().1)?), made))
                }
                Ok(None) => Ok((None, then(None))),
                Err(error) => Err(gate_error(py, error)),
            };
        };
        let (verdict, entry, known) = {
            let mut guard = Self::lock(py, cache);
            let Cache { gate, memo } = &mut *guard;
            let verdict = cached(gate).map(|verified| match verified {
                Some(v) => (Some(v.payload_json().to_owned()), then(Some(v))),
                None => (None, then(None)),
            });
            // The entry is the last verified token's only when this call verified one.
            let entry = match verdict {
                Ok((Some(_), _)) => gate.last_entry(),
                _ => None,
            };
            let known =
                entry.and_then(
                    |EntryId { slot, generation }| match memo.get(slot as usize) {
                        Some(Some((g, dict))) if *g == generation => Some(dict.clone_ref(py)),
                        _ => None,
                    },
                );
            (verdict, entry, known)
        };
        let (payload, made) = verdict.map_err(|error| gate_error(py, error))?;
        let Some(payload) = payload else {
            return Ok((None, made));
        };
        if let Some(dict) = known {
            return Ok((Some(dict.bind(py).copy()?.into_any()), made));
        }
        let claims = loads(py, payload)?;
        if let (Some(EntryId { slot, generation }), Ok(dict)) = (entry, claims.cast::<PyDict>()) {
            if flat(dict) {
                let kept = dict.copy()?.unbind();
                let replaced = {
                    let mut guard = Self::lock(py, cache);
                    guard
                        .memo
                        .get_mut(slot as usize)
                        .map(|cell| cell.replace((generation, kept)))
                };
                // Dropped after the lock is released: freeing a dict may run Python code.
                drop(replaced);
            }
        }
        Ok((Some(claims), made))
    }

    /// [`PyGate::judge`] for a call that always needs a token: the claims.
    fn claims<'py>(
        &self,
        py: Python<'py>,
        plain: impl FnOnce(&Gate) -> Result<VerifiedToken, Error>,
        cached: impl FnOnce(&mut CachedGate) -> Result<&VerifiedToken, Error>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let (claims, ()) = self.judge(
            py,
            |gate| plain(gate).map(Some),
            |gate| cached(gate).map(Some),
            |_| (),
        )?;
        Ok(claims.unwrap_or_else(|| py.None().into_bound(py)))
    }
}

impl PyGate {
    /// A session-path verdict as `decide_asgi` answers: claims and plan, or a `GateError`
    /// (with the refresh key when Better Auth is to be asked).
    fn session_answer<'py>(
        &self,
        py: Python<'py>,
        verdict: Verdict<VerifiedToken>,
        input: &OriginInput<'_>,
    ) -> PyResult<(Option<Bound<'py, PyAny>>, PyPlan<'py>)> {
        match verdict {
            Verdict::Pass => Ok((None, py_plan(py, &self.gate.origin_plan(input, None))?)),
            Verdict::Allow(verified) | Verdict::Session(verified) => {
                let plan = py_plan(py, &self.gate.origin_plan(input, Some(&verified)))?;
                Ok((Some(loads(py, verified.into_parts().1)?), plan))
            }
            Verdict::Refuse(error) => Err(gate_error(py, error)),
            Verdict::Refresh(refresh) => {
                let error = gate_error(py, refresh.reason);
                let value = error.value(py);
                value.setattr("refresh_key", refresh.key)?;
                value.setattr("remember_seconds", refresh.remember_seconds)?;
                Err(error)
            }
        }
    }
}

/// A verdict of the cache, owned (cloned out before the lock is released).
fn owned(verdict: Verdict<&VerifiedToken>) -> Verdict<VerifiedToken> {
    match verdict {
        Verdict::Pass => Verdict::Pass,
        Verdict::Allow(verified) => Verdict::Allow(verified.clone()),
        Verdict::Session(verified) => Verdict::Session(verified.clone()),
        Verdict::Refresh(refresh) => Verdict::Refresh(refresh),
        Verdict::Refuse(error) => Verdict::Refuse(error),
    }
}

/// A token-path verdict as [`PyGate::judge`] takes it: claims to pass on (`None`: outside
/// the prefix) or the refusal.
fn token_verdict<V>(verdict: Verdict<V>) -> Result<Option<V>, Error> {
    match verdict {
        Verdict::Pass => Ok(None),
        Verdict::Allow(verified) => Ok(Some(verified)),
        // Not reached: the session path of `decide_asgi` answers cookie requests.
        Verdict::Session(_) => Err(Error::MissingAuthorization),
        Verdict::Refresh(refresh) => Err(refresh.reason),
        Verdict::Refuse(error) => Err(error),
    }
}

/// `Cookie`, `Origin` or `Referer` as ASGI field lines, Latin-1 decoded as Starlette does;
/// a value over 1 MiB in all is not read (Better Auth's largest cache is 100 × 4 KiB).
struct SessionLines(Option<Vec<String>>);

impl SessionLines {
    fn read(lines: &Bound<'_, PyAny>) -> PyResult<Self> {
        let mut out = Vec::new();
        let mut total = 0usize;
        for line in lines.try_iter()? {
            let line = line?.cast_into::<PyBytes>()?;
            total += line.as_bytes().len();
            if total > 1 << 20 {
                return Ok(SessionLines(None));
            }
            out.push(line.as_bytes().iter().map(|&b| char::from(b)).collect());
        }
        Ok(SessionLines(Some(out)))
    }

    fn read_optional(lines: Option<&Bound<'_, PyAny>>) -> PyResult<Self> {
        match lines.filter(|l| !l.is_none()) {
            Some(lines) => Self::read(lines),
            None => Ok(SessionLines(Some(Vec::new()))),
        }
    }

    fn with_field<R>(&self, f: impl FnOnce(Field<'_>) -> R) -> R {
        match &self.0 {
            None => f(Field::Oversized(&[])),
            Some(lines) if lines.is_empty() => f(Field::Absent),
            Some(lines) => {
                let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
                f(Field::Lines(&lines))
            }
        }
    }
}

/// The ASGI scope's `Authorization` lines: a list of `bytes`.
fn lines<'py>(authorization: &Bound<'py, PyAny>) -> PyResult<Vec<Bound<'py, PyBytes>>> {
    authorization
        .try_iter()?
        .map(|line| Ok(line?.cast_into::<PyBytes>()?))
        .collect()
}

/// The in-process origin plan as ASGI header pieces: names to remove (lowercase bytes) and
/// `(name, value)` pairs to set.
pub(crate) type PyPlan<'py> = (Bound<'py, PyTuple>, Bound<'py, PyTuple>);

pub(crate) fn py_plan<'py>(py: Python<'py>, plan: &OriginPlan) -> PyResult<PyPlan<'py>> {
    let remove = plan
        .remove
        .iter()
        .map(|name| PyBytes::new(py, name.as_bytes()));
    let set = plan.set.iter().map(|(name, value)| {
        (
            PyBytes::new(py, name.as_bytes()),
            PyBytes::new(py, value.as_bytes()),
        )
    });
    Ok((PyTuple::new(py, remove)?, PyTuple::new(py, set)?))
}

/// `jwtgate._remote.<name>(url, secret=..., **options)`.
fn remote_call<'py>(
    py: Python<'py>,
    name: &str,
    url: &Bound<'py, PyAny>,
    secret: Option<&Bound<'py, PyAny>>,
    options: Option<&Bound<'py, PyDict>>,
) -> PyResult<Bound<'py, PyAny>> {
    let kwargs = match options {
        Some(options) => options.copy()?,
        None => PyDict::new(py),
    };
    if let Some(secret) = secret {
        kwargs.set_item("secret", secret)?;
    }
    py.import("jwtgate._remote")?
        .getattr(name)?
        .call((url,), Some(&kwargs))
}

fn loads(py: Python<'_>, payload: String) -> PyResult<Bound<'_, PyAny>> {
    JSON_LOADS.import(py, "json", "loads")?.call1((payload,))
}

#[pymethods]
impl PyGate {
    #[new]
    #[pyo3(signature = (*, secret = None, **options))]
    fn new(
        py: Python<'_>,
        secret: Option<&Bound<'_, PyAny>>,
        options: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Self> {
        let read = read_options(py, secret, options, Host::Fixed)?;
        PyGate::from_config(read.config, read.cache_size).map_err(|e| core_config_error(py, &e))
    }

    /// `await Gate.from_jwks_url(url, issuer=..., audience=...)`: a gate whose key set
    /// follows `url` (`jwtgate._remote.RemoteGate`, fetched once before it resolves). The
    /// HTTP is the Python package's (httpx); the policy and the keys are the core's.
    #[staticmethod]
    #[pyo3(signature = (url, *, secret = None, **options))]
    fn from_jwks_url<'py>(
        py: Python<'py>,
        url: &Bound<'py, PyAny>,
        secret: Option<&Bound<'py, PyAny>>,
        options: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        remote_call(py, "from_jwks_url", url, secret, options)
    }

    /// `Gate.from_jwks_url` for code without an event loop (the first fetch blocks).
    #[staticmethod]
    #[pyo3(signature = (url, *, secret = None, **options))]
    fn from_jwks_url_sync<'py>(
        py: Python<'py>,
        url: &Bound<'py, PyAny>,
        secret: Option<&Bound<'py, PyAny>>,
        options: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        remote_call(py, "from_jwks_url_sync", url, secret, options)
    }

    /// Verifies a token; returns its claims (a new dict each call). Raises `GateError`.
    #[pyo3(signature = (token, now = None))]
    fn verify<'py>(
        &self,
        py: Python<'py>,
        token: &Bound<'py, PyString>,
        now: Option<f64>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let token = text(token);
        let now = clock(now);
        self.claims(
            py,
            |gate| gate.verify(&token, now),
            |gate| gate.verify(&token, now),
        )
    }

    /// The whole request decision (method, raw path, `Authorization` value or `None`);
    /// returns the claims or raises `GateError`.
    #[pyo3(signature = (method, path, authorization = None, now = None))]
    fn authorize<'py>(
        &self,
        py: Python<'py>,
        method: &Bound<'py, PyString>,
        path: &Bound<'py, PyString>,
        authorization: Option<&Bound<'py, PyString>>,
        now: Option<f64>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let (method, path) = (text(method), text(path));
        let authorization = Authorization::from_str(authorization)?;
        let now = clock(now);
        authorization.with_field(|field| {
            let request = HostRequest::new(&method, &path, field);
            self.claims(
                py,
                |gate| gate.authorize_request(&request, now),
                |gate| gate.authorize_request(&request, now),
            )
        })
    }

    /// The route dependency's decision on an ASGI request (`jwtgate.fastapi`): a token is
    /// needed whatever the path; the path judged is the one the app routes (the scope's
    /// `root_path` and `path`, `Mount::Asgi`). `target`: `raw_path` + `?` + query;
    /// `authorization`: every `Authorization` line as `bytes`. The claims, or raises.
    #[pyo3(signature = (method, target, root_path, path, authorization, now = None))]
    #[allow(clippy::too_many_arguments)]
    fn authorize_asgi<'py>(
        &self,
        py: Python<'py>,
        method: &Bound<'py, PyString>,
        target: &Bound<'py, PyString>,
        root_path: &Bound<'py, PyString>,
        path: &Bound<'py, PyString>,
        authorization: &Bound<'py, PyAny>,
        now: Option<f64>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let (claims, _) = self.decide_asgi(
            py,
            method,
            target,
            root_path,
            path,
            authorization,
            now,
            true,
            None,
            None,
            None,
            None,
        )?;
        // A token was required: an allowed decision always carries claims.
        claims.ok_or_else(|| gate_error(py, Error::MissingAuthorization))
    }

    /// The middleware's decision on an ASGI request (`jwtgate.asgi`; arguments as
    /// `authorize_asgi`): outside the prefix it passes, without claims. Gives `(claims or
    /// None, (remove, set))`, the latter the in-process origin plan for the scope's
    /// headers (identity headers removed, and set from the verified claims); or raises.
    /// `require_token=True` is the dependency's rule (`authorize_asgi`) with the same plan.
    ///
    /// Session mode: `cookie`, `origin` and `referer` are the scope's field lines (`bytes`);
    /// a request without `Authorization` is then decided on Better Auth's session cookies.
    /// When their cache cannot decide, the `GateError` raised carries `refresh_key` and
    /// `remember_seconds`: the caller may ask Better Auth and call again with its answer as
    /// `refreshed` (the JSON text of get-session).
    #[pyo3(signature = (method, target, root_path, path, authorization, now = None, require_token = false, cookie = None, origin = None, referer = None, refreshed = None))]
    #[allow(clippy::too_many_arguments)]
    fn decide_asgi<'py>(
        &self,
        py: Python<'py>,
        method: &Bound<'py, PyString>,
        target: &Bound<'py, PyString>,
        root_path: &Bound<'py, PyString>,
        path: &Bound<'py, PyString>,
        authorization: &Bound<'py, PyAny>,
        now: Option<f64>,
        require_token: bool,
        cookie: Option<&Bound<'py, PyAny>>,
        origin: Option<&Bound<'py, PyAny>>,
        referer: Option<&Bound<'py, PyAny>>,
        refreshed: Option<&Bound<'py, PyString>>,
    ) -> PyResult<(Option<Bound<'py, PyAny>>, PyPlan<'py>)> {
        let (method, target) = (text(method), text(target));
        let (root_path, path) = (text(root_path), text(path));
        let lines = lines(authorization)?;
        let authorization = Authorization::from_lines(&lines);
        let now = clock(now);
        let mount = Mount::Asgi {
            root_path: &root_path,
            path: &path,
        };
        let input = OriginInput {
            hop: Hop::InProcess,
            ..OriginInput::default()
        };
        // Session mode, no Authorization, cookies sent: the session path (through the
        // verified cache when there is one; an answer from Better Auth by the plain gate).
        if let (Some(cookie), true, Authorization::Absent) = (
            cookie.filter(|c| !c.is_none()),
            self.gate.session_cookie_name().is_some(),
            &authorization,
        ) {
            let cookie = SessionLines::read(cookie)?;
            let origin = SessionLines::read_optional(origin)?;
            let referer = SessionLines::read_optional(referer)?;
            let refreshed = refreshed.map(|b| text(b));
            return cookie.with_field(|cookie| {
                origin.with_field(|origin| {
                    referer.with_field(|referer| {
                        let request = HostRequest::new(&method, &target, Field::Absent)
                            .mounted(mount)
                            .with_cookies(cookie, origin, referer);
                        let gate = &self.gate;
                        let verdict = match (&refreshed, require_token, &self.cache) {
                            (Some(body), false, _) => gate.decide_refreshed(&request, body, now),
                            (Some(body), true, _) => {
                                gate.decide_refreshed_required(&request, body, now)
                            }
                            // Through the verified cache (a repeat of the same cookies skips
                            // their checks); the verdict leaves the lock owned.
                            (None, _, Some(cache)) => {
                                let mut guard = Self::lock(py, cache);
                                let cached = &mut guard.gate;
                                owned(match require_token {
                                    false => cached.decide(&request, now),
                                    true => cached.decide_required(&request, now),
                                })
                            }
                            (None, false, None) => gate.decide(&request, now),
                            (None, true, None) => gate.decide_required(&request, now),
                        };
                        self.session_answer(py, verdict, &input)
                    })
                })
            });
        }
        let (claims, plan) = authorization.with_field(|field| {
            let request = HostRequest::new(&method, &target, field).mounted(mount);
            self.judge(
                py,
                |gate| match require_token {
                    true => gate.authorize_request(&request, now).map(Some),
                    false => token_verdict(gate.decide(&request, now)),
                },
                |gate| match require_token {
                    true => gate.authorize_request(&request, now).map(Some),
                    false => token_verdict(gate.decide(&request, now)),
                },
                |verified| self.gate.origin_plan(&input, verified),
            )
        })?;
        Ok((claims, py_plan(py, &plan)?))
    }

    /// The session mode name of Better Auth's session cookie this gate reads (`None`
    /// outside session mode).
    #[getter]
    fn session_cookie_name(&self) -> Option<&str> {
        self.gate.session_cookie_name()
    }

    /// Session mode: Better Auth's get-session endpoint under the gate's `base_url` (the
    /// core's default of `get_session_url`); `None` without one.
    #[getter(get_session_url)]
    fn default_get_session_url(&self) -> Option<String> {
        self.gate.config().session.as_ref()?.get_session_url(None)
    }

    /// Does this raw path need a token? (Under the prefix, or ambiguous.) Middleware passes
    /// the rest through untouched.
    fn protects(&self, path: &Bound<'_, PyString>) -> bool {
        self.gate.protects(&text(path))
    }

    /// The protected prefix, with its trailing `/`.
    #[getter]
    fn api_prefix(&self) -> &str {
        &self.gate.config().api_prefix
    }

    /// Slots of the verified-token cache (a power of two; 0: off).
    #[getter]
    fn cache_size(&self) -> usize {
        self.cache_size
    }

    fn __repr__(&self) -> String {
        let c = self.gate.config();
        format!(
            "Gate(api_prefix={:?}, issuer={:?}, audience={:?}, leeway_seconds={}, \
             min_lifetime_seconds={}, max_lifetime_seconds={}, previous_secrets={}, cache_size={})",
            c.api_prefix,
            c.issuer,
            c.audience,
            c.leeway_seconds,
            c.min_lifetime_seconds,
            c.max_lifetime_seconds,
            c.previous_secrets.len(),
            self.cache_size,
        )
    }
}
