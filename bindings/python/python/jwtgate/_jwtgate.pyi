# Stubs of the native module (src/lib.rs). Options: GateOptions (_options.py).
from typing import Any, Coroutine, Dict, List, Literal, Optional, Tuple, final

from typing_extensions import Unpack

from ._options import GateOptions, RemoteOptions
from ._remote import RemoteGate
from .errors import GateError, RefusalCode

__all__ = [
    "Gate",
    "RemoteKeys",
    "refusal",
    "REMOTE_OPTION_NAMES",
    "JWKS_URL_OPTION",
    "GET_SESSION_URL_OPTION",
    "MAX_JWKS_BYTES",
    "ERROR_CODES",
    "OPTION_NAMES",
    "CORE_OPTIONS",
    "CORE_OPTIONS_JS",
    "CORE_OPTIONS_ENV",
    "DEFAULT_CACHE_SIZE",
    "MAX_TOKEN_BYTES",
    "MAX_AUTHORIZATION_BYTES",
]
DEFAULT_CACHE_SIZE: int
MAX_TOKEN_BYTES: int
MAX_AUTHORIZATION_BYTES: int
ERROR_CODES: Tuple[RefusalCode, ...]
OPTION_NAMES: Tuple[str, ...]
REMOTE_OPTION_NAMES: Tuple[str, ...]
JWKS_URL_OPTION: str
GET_SESSION_URL_OPTION: str
MAX_JWKS_BYTES: int
CORE_OPTIONS: Tuple[str, ...]
CORE_OPTIONS_JS: Tuple[str, ...]
CORE_OPTIONS_ENV: Tuple[str, ...]
# The in-process origin plan: header names to remove, then (name, value) pairs to set.
_Plan = Tuple[Tuple[bytes, ...], Tuple[Tuple[bytes, bytes], ...]]

@final
class Gate:
    """A validated gate, safe to share between threads. Raises GateConfigError on a bad
    configuration (weak secret, bad window or prefix, unknown option)."""

    def __new__(cls, *, secret: Optional[str] = None, **options: Unpack[GateOptions]) -> "Gate": ...
    @staticmethod
    def from_jwks_url(
        url: str, *, secret: Optional[str] = None, **options: Unpack[RemoteOptions]
    ) -> Coroutine[Any, Any, RemoteGate]:
        """``await Gate.from_jwks_url(url, issuer=..., audience=...)``: a gate whose key set
        follows ``url``, fetched once before it resolves (GateConfigError otherwise)."""
    @staticmethod
    def from_jwks_url_sync(
        url: str, *, secret: Optional[str] = None, **options: Unpack[RemoteOptions]
    ) -> RemoteGate:
        """`from_jwks_url` for code without an event loop (the first fetch blocks)."""
    def verify(self, token: str, now: Optional[float] = None) -> Dict[str, Any]:
        """The token's claims, or raises GateError. `now`: seconds since the epoch."""
    def authorize(
        self,
        method: str,
        path: str,
        authorization: Optional[str] = None,
        now: Optional[float] = None,
    ) -> Dict[str, Any]:
        """The request decision (raw path as sent; the header value or None): the claims,
        or raises GateError (401 / 403 / 400)."""
    def authorize_asgi(
        self,
        method: str,
        target: str,
        root_path: str,
        path: str,
        authorization: List[bytes],
        now: Optional[float] = None,
    ) -> Dict[str, Any]:
        """A route dependency's decision on an ASGI request (raw target, the scope's
        root_path and path, every Authorization line): the claims, or raises GateError."""
    def decide_asgi(
        self,
        method: str,
        target: str,
        root_path: str,
        path: str,
        authorization: List[bytes],
        now: Optional[float] = None,
        require_token: bool = False,
        cookie: Optional[List[bytes]] = None,
        origin: Optional[List[bytes]] = None,
        referer: Optional[List[bytes]] = None,
        refreshed: Optional[str] = None,
    ) -> Tuple[Optional[Dict[str, Any]], _Plan]:
        """A middleware's decision: (claims, or None outside the prefix; the in-process
        origin plan), or raises GateError. ``require_token=True``: the dependency's rule
        (``authorize_asgi``), with the same plan. Session mode: the scope's ``cookie``,
        ``origin`` and ``referer`` lines; a GateError with ``refresh_key`` asks for
        Better Auth's get-session answer as ``refreshed``."""
    def protects(self, path: str) -> bool:
        """True when the raw path is under the prefix (or ambiguous): it needs a token."""
    @property
    def api_prefix(self) -> str: ...
    @property
    def session_cookie_name(self) -> Optional[str]: ...
    @property
    def get_session_url(self) -> Optional[str]: ...
    @property
    def cache_size(self) -> int: ...

@final
class RemoteKeys:
    """The core's side of a gate following a key set URL (`jwtgate._remote.RemoteGate`):
    the configuration, the refresh policy, the key-set parser, the answer without keys."""

    def __new__(cls, *, secret: Optional[str] = None, **options: Unpack[RemoteOptions]) -> "RemoteKeys": ...
    def begin(
        self, reason: Literal["due", "unknown_kid"], now_ms: Optional[float] = None
    ) -> Optional[Literal["no_keys", "stale", "unknown_kid"]]: ...
    def due(self, now_ms: Optional[float] = None) -> Optional[Literal["no_keys", "stale"]]: ...
    def build(self, body: bytes) -> Gate: ...
    def succeeded(self, cache_control: Optional[str] = None, now_ms: Optional[float] = None) -> None: ...
    def has_keys(self) -> bool: ...
    def awaiting_asgi(
        self,
        method: str,
        target: str,
        root_path: str,
        path: str,
        authorization: List[bytes],
        require_token: bool = False,
    ) -> Tuple[None, _Plan]: ...
    def protects(self, path: str) -> bool: ...
    @property
    def timeout_ms(self) -> int: ...
    @property
    def api_prefix(self) -> str: ...
    @property
    def session_cookie_name(self) -> Optional[str]: ...
    @property
    def get_session_url(self) -> Optional[str]: ...
    @property
    def max_bytes(self) -> int: ...

def refusal(code: str) -> GateError:
    """The GateError the core gives for `code` (ValueError for an unknown code)."""
