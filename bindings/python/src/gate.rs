//! `jwtgate.Gate`: the core's `Gate` / `CachedGate` shared between Python threads.

use std::sync::{Mutex, MutexGuard};

use jwtgate::{CachedGate, EntryId, Error, Gate, GateConfig, VerifiedToken};
use pyo3::prelude::*;
use pyo3::sync::{MutexExt, PyOnceLock};
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyString};

use crate::{clock, config_error, core_config_error, count, gate_error, text, OPTIONS};

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
    fn lock<'a>(py: Python<'_>, cache: &'a Mutex<Cache>) -> MutexGuard<'a, Cache> {
        // A poisoned lock means a panic mid-call; the core has none, and the cache only
        // ever holds fully verified entries, so its state stays usable.
        cache
            .lock_py_attached(py)
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Runs `decide` (a `Gate` or `CachedGate` call) and turns its outcome into the claims
    /// dict or a `GateError`. Claims are a new dict per call: `json.loads` of the signed
    /// payload, or, for a repeat of a cached token whose claims are all scalars, a copy of
    /// the dict parsed the first time (the parse costs more than the whole core call).
    fn decide<'py>(
        &self,
        py: Python<'py>,
        plain: impl FnOnce(&Gate) -> Result<VerifiedToken, Error>,
        cached: impl FnOnce(&mut CachedGate) -> Result<&VerifiedToken, Error>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let Some(cache) = &self.cache else {
            return match plain(&self.gate) {
                Ok(verified) => loads(py, verified.into_parts().1),
                Err(error) => Err(gate_error(py, error)),
            };
        };
        let (verdict, entry, known) = {
            let mut guard = Self::lock(py, cache);
            let Cache { gate, memo } = &mut *guard;
            let verdict = cached(gate).map(|v| v.payload_json().to_owned());
            let entry = gate.last_entry();
            let known =
                entry.and_then(
                    |EntryId { slot, generation }| match memo.get(slot as usize) {
                        Some(Some((g, dict))) if *g == generation => Some(dict.clone_ref(py)),
                        _ => None,
                    },
                );
            (verdict, entry, known)
        };
        let payload = verdict.map_err(|error| gate_error(py, error))?;
        if let Some(dict) = known {
            return Ok(dict.bind(py).copy()?.into_any());
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
        Ok(claims)
    }
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
        // With a key set (EdDSA tokens) the secret (HS256 tokens) is optional.
        let has_jwks = options
            .and_then(|o| o.get_item("jwks").ok().flatten())
            .is_some_and(|v| !v.is_none());
        let secret = secret
            .and_then(|s| s.cast::<PyString>().ok())
            .map(|s| s.to_string_lossy().into_owned())
            .filter(|s| !s.is_empty())
            .or_else(|| has_jwks.then(String::new))
            .ok_or_else(|| {
                config_error(
                    py,
                    "missing_secret",
                    "secret is required (BETTER_AUTH_SECRET, at least 32 characters), or a jwks",
                )
            })?;
        let mut config = GateConfig::new(secret);
        let mut cache_size = jwtgate::DEFAULT_CACHE_ENTRIES;
        for (key, value) in options.into_iter().flat_map(|o| o.iter()) {
            let name = key.cast::<PyString>()?.to_string_lossy().into_owned();
            let known = name == "cache_size" || OPTIONS.iter().any(|(n, _)| *n == name);
            if !known {
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
            if name == "cache_size" {
                cache_size = usize::try_from(count(&value, "cache_size")?).unwrap_or(usize::MAX);
            } else if let Some((_, set)) = OPTIONS.iter().find(|(n, _)| *n == name) {
                config = set(config, &value)?;
            }
        }
        let gate = Gate::new(config).map_err(|e| core_config_error(py, &e))?;
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
        self.decide(
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
        let authorization = authorization.map(text);
        let authorization = authorization.as_deref();
        let now = clock(now);
        self.decide(
            py,
            |gate| gate.authorize(&method, &path, authorization, now),
            |gate| gate.authorize(&method, &path, authorization, now),
        )
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
