# Stubs of the native module (src/lib.rs). Keep in step with its OPTIONS table.
from typing import Any, Dict, Optional, Sequence, Tuple, Union

DEFAULT_CACHE_SIZE: int
MAX_TOKEN_BYTES: int
ERROR_CODES: Tuple[str, ...]

class Gate:
    """A validated gate, safe to share between threads. Raises GateConfigError on a bad
    configuration (weak secret, bad window or prefix, unknown option)."""

    def __init__(
        self,
        *,
        secret: str,
        previous_secrets: Optional[Union[Sequence[str], str]] = None,
        issuer: Optional[str] = None,
        audience: Optional[str] = None,
        leeway_seconds: Optional[int] = None,
        min_lifetime_seconds: Optional[int] = None,
        max_lifetime_seconds: Optional[int] = None,
        api_prefix: Optional[str] = None,
        cache_size: Optional[int] = None,
    ) -> None: ...
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

def refusal(code: str) -> Any:
    """The GateError the core gives for `code` (ValueError for an unknown code)."""
