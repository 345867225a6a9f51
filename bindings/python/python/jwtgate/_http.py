"""What the FastAPI dependency and the ASGI middleware share: building a gate from the
environment and reading the request as sent (raw path, raw header)."""
from __future__ import annotations

import os
from typing import Any, Mapping, Optional
from urllib.parse import quote

from ._jwtgate import Gate
from .errors import GateConfigError

SECRET_ENV = "BETTER_AUTH_SECRET"
PREVIOUS_SECRETS_ENV = "BETTER_AUTH_PREVIOUS_SECRETS"


def gate_from(gate: Optional[Gate], secret: Optional[str], options: Mapping[str, Any]) -> Gate:
    """`gate` as given, else a new one from `secret` or $BETTER_AUTH_SECRET (and
    $BETTER_AUTH_PREVIOUS_SECRETS unless `previous_secrets` is passed). A missing or weak
    secret raises GateConfigError here, at startup, not on the first request."""
    if gate is not None:
        if secret is not None or options:
            raise GateConfigError("invalid_option", "pass either gate= or gate options, not both")
        return gate
    options = dict(options)
    if secret is None:
        secret = os.environ.get(SECRET_ENV)
        # With a key set (Better Auth's EdDSA tokens) the secret is optional.
        if not secret and options.get("jwks") is None:
            raise GateConfigError(
                "missing_secret",
                f"{SECRET_ENV} is not set (at least 32 characters: openssl rand -base64 32)",
            )
    if options.get("previous_secrets") is None and os.environ.get(PREVIOUS_SECRETS_ENV):
        options["previous_secrets"] = os.environ[PREVIOUS_SECRETS_ENV]
    return Gate(secret=secret or None, **options)


def raw_path(scope: Mapping[str, Any]) -> str:
    """The path as the client sent it (percent-escapes intact; the core decodes and refuses
    ambiguous paths itself). ASGI's `path` is already decoded, so `raw_path` is preferred;
    servers that omit it get `root_path + path` re-escaped."""
    raw: Optional[bytes] = scope.get("raw_path")
    if raw:
        # uvicorn's raw_path has no query string, but ASGI does not promise it.
        path = raw.decode("latin-1").split("?", 1)[0]
    else:
        path = quote(scope.get("root_path", "") + scope.get("path", ""), safe="/:@!$&'()*+,;=-._~")
    # The query goes along: the core ignores it for the decision but refuses a raw `#` (or a
    # byte that is not visible ASCII) anywhere in the request target, as in every host.
    query: bytes = scope.get("query_string") or b""
    return f"{path}?{query.decode('latin-1')}" if query else path


def authorization_header(scope: Mapping[str, Any]) -> Optional[str]:
    """The first `Authorization` header, decoded as Starlette does (Latin-1)."""
    name: bytes
    value: bytes
    for name, value in scope.get("headers", ()):
        if name.lower() == b"authorization":
            return value.decode("latin-1")
    return None
