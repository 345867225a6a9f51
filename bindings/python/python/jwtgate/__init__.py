"""jwtgate: Better Auth JWT checks from the same Rust core as the jwtgate edge gate.

    from jwtgate import Gate, GateError
    gate = Gate(secret=os.environ["BETTER_AUTH_SECRET"])
    claims = gate.verify(token)                                  # or raises GateError
    claims = gate.authorize("GET", "/api/v1/u1/tasks", header)   # + Bearer and path rules

    gate = await Gate.from_jwks_url(url, issuer=APP, audience=APP)  # Better Auth's key set
    claims = await gate.verify_async(token)                      # (the jwtgate[remote] extra)

FastAPI: ``jwtgate.fastapi``; any ASGI app: ``jwtgate.asgi``. ``import jwtgate`` imports no
HTTP client: httpx is imported when a gate following a key set URL is built.
"""
import sys

from ._options import GateOptions, RemoteOptions
from .errors import GateConfigError, GateError

try:
    from ._jwtgate import DEFAULT_CACHE_SIZE, ERROR_CODES, MAX_TOKEN_BYTES, Gate
    from ._remote import RemoteGate
except ImportError as _error:  # pragma: no cover - depends on the interpreter
    _is_gil_enabled = getattr(sys, "_is_gil_enabled", None)
    if _is_gil_enabled is not None and not _is_gil_enabled():
        raise ImportError(
            "jwtgate's wheel is built for CPython's stable ABI (abi3), which free-threaded "
            "CPython (3.13t/3.14t) cannot load; use a regular CPython build"
        ) from _error
    raise

__version__ = "0.1.0"
__all__ = [
    "DEFAULT_CACHE_SIZE",
    "ERROR_CODES",
    "MAX_TOKEN_BYTES",
    "Gate",
    "GateConfigError",
    "GateError",
    "GateOptions",
    "RemoteGate",
    "RemoteOptions",
]
