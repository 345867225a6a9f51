# Stubs of the native module (src/lib.rs). Options: GateOptions (_options.py).
from typing import Any, Dict, List, Optional, Tuple, final

from typing_extensions import Unpack

from ._options import GateOptions
from .errors import GateError, RefusalCode

__all__ = [
    "Gate",
    "refusal",
    "ERROR_CODES",
    "OPTION_NAMES",
    "CORE_OPTIONS",
    "CORE_OPTIONS_JS",
    "DEFAULT_CACHE_SIZE",
    "MAX_TOKEN_BYTES",
    "MAX_AUTHORIZATION_BYTES",
]
DEFAULT_CACHE_SIZE: int
MAX_TOKEN_BYTES: int
MAX_AUTHORIZATION_BYTES: int
ERROR_CODES: Tuple[RefusalCode, ...]
OPTION_NAMES: Tuple[str, ...]
CORE_OPTIONS: Tuple[str, ...]
CORE_OPTIONS_JS: Tuple[str, ...]
# The in-process origin plan: header names to remove, then (name, value) pairs to set.
_Plan = Tuple[Tuple[bytes, ...], Tuple[Tuple[bytes, bytes], ...]]

@final
class Gate:
    """A validated gate, safe to share between threads. Raises GateConfigError on a bad
    configuration (weak secret, bad window or prefix, unknown option)."""

    def __new__(cls, *, secret: Optional[str] = None, **options: Unpack[GateOptions]) -> "Gate": ...
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
    ) -> Tuple[Optional[Dict[str, Any]], _Plan]:
        """A middleware's decision: (claims, or None outside the prefix; the in-process
        origin plan), or raises GateError. ``require_token=True``: the dependency's rule
        (``authorize_asgi``), with the same plan."""
    def protects(self, path: str) -> bool:
        """True when the raw path is under the prefix (or ambiguous): it needs a token."""
    @property
    def api_prefix(self) -> str: ...
    @property
    def cache_size(self) -> int: ...

def refusal(code: str) -> GateError:
    """The GateError the core gives for `code` (ValueError for an unknown code)."""
