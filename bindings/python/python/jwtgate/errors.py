"""The exceptions jwtgate raises. Plain Python classes: the native module looks them up
and raises them, so they pickle, subclass and type-check like any exception."""
from __future__ import annotations

from typing import Dict, Literal, Optional, Sequence, Tuple

__all__ = ["GateError", "GateConfigError", "RefusalCode"]

# Every refusal code of the core (`jwtgate.ERROR_CODES`; a test compares the two).
RefusalCode = Literal[
    "missing_authorization",
    "token_too_large",
    "malformed_token",
    "invalid_base64",
    "invalid_header",
    "alg_not_allowed",
    "unsupported_critical_header",
    "invalid_signature",
    "invalid_payload",
    "missing_claims",
    "invalid_time_claims",
    "token_expired",
    "invalid_lifetime",
    "issued_in_future",
    "not_yet_valid",
    "invalid_issuer",
    "invalid_audience",
    "invalid_path",
    "invalid_method",
    "user_mismatch",
    "unknown_key",
    "jwks_unavailable",
    "bearer_session_token",
    "session_invalid",
    "session_cache_missing",
    "session_cache_expired",
    "session_cache_invalid",
    "session_cache_strategy",
    "session_cache_unbound",
    "session_expired",
    "csrf_origin_missing",
    "csrf_origin_untrusted",
    "session_unavailable",
    "alg_not_in_build",
]


class GateError(Exception):
    """A refused token or request.

    ``status`` (401 authentication, 403 authorization, 400 a request the gate will not
    interpret), ``code`` (stable machine name, the same in every jwtgate host), ``detail``
    (the human text for the ``{"detail": ...}`` body) and ``www_authenticate`` (the
    ``WWW-Authenticate`` value for 401 answers, else ``None``) and ``response_headers``
    (every header the core sends with it: ``content-type``, ``cache-control: no-store``,
    ``www-authenticate`` on 401s). Never holds the token, a claim value or a secret.
    """

    status: int
    code: str
    detail: str
    www_authenticate: Optional[str]
    response_headers: Tuple[Tuple[str, str], ...]
    # Session mode: set when the session cookie is valid but its cache cannot decide (the
    # code says why). The host may ask Better Auth (`jwtgate._session`) and decide again;
    # `refresh_key` (hex SHA-256 of the session token) keys the remembered answer, for at
    # most `remember_seconds`.
    refresh_key: Optional[str] = None
    remember_seconds: int = 0

    def __init__(
        self,
        status: int,
        code: str,
        detail: str,
        www_authenticate: Optional[str] = None,
        response_headers: Optional[Sequence[Tuple[str, str]]] = None,
    ) -> None:
        # `args` are the constructor's arguments: pickle rebuilds the error from them.
        super().__init__(status, code, detail, www_authenticate, response_headers)
        self.status = status
        self.code = code
        self.detail = detail
        self.www_authenticate = www_authenticate
        # The core gives them; a GateError made by hand sends its challenge only.
        if response_headers is None:
            response_headers = () if www_authenticate is None else (("www-authenticate", www_authenticate),)
        self.response_headers = tuple((name, value) for name, value in response_headers)

    def __str__(self) -> str:
        return self.detail

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.status!r}, {self.code!r}, {self.detail!r})"

    @property
    def body(self) -> Dict[str, str]:
        """The JSON body every jwtgate host sends: ``{"detail": ...}``."""
        return {"detail": self.detail}

    @property
    def headers(self) -> Dict[str, str]:
        """Response headers for this refusal (``WWW-Authenticate`` on 401s)."""
        return {} if self.www_authenticate is None else {"WWW-Authenticate": self.www_authenticate}


class GateConfigError(ValueError):
    """A configuration the gate will not run with. ``code`` is the core's stable name
    (``secret_too_short``, ``known_default_secret``, ``unknown_option``, ...); the message
    says which option and why, and never contains a secret."""

    code: str
    message: str

    def __init__(self, code: str, message: str) -> None:
        super().__init__(code, message)
        self.code = code
        self.message = message

    def __str__(self) -> str:
        return f"{self.message} ({self.code})"

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.code!r}, {self.message!r})"
