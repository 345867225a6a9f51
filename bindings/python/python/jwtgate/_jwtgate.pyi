# Stubs of the native module (src/lib.rs). Options: GateOptions (_options.py).
from typing import Any, Dict, Optional, Tuple, final

from typing_extensions import Unpack

from ._options import GateOptions
from .errors import GateError

__all__ = ["Gate", "refusal", "ERROR_CODES", "OPTION_NAMES", "DEFAULT_CACHE_SIZE", "MAX_TOKEN_BYTES"]
DEFAULT_CACHE_SIZE: int
MAX_TOKEN_BYTES: int
ERROR_CODES: Tuple[str, ...]
OPTION_NAMES: Tuple[str, ...]

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
    def protects(self, path: str) -> bool:
        """True when the raw path is under the prefix (or ambiguous): it needs a token."""
    @property
    def api_prefix(self) -> str: ...
    @property
    def cache_size(self) -> int: ...

def refusal(code: str) -> GateError:
    """The GateError the core gives for `code` (ValueError for an unknown code)."""
