"""What the FastAPI dependency and the ASGI middleware share: building a gate from the
environment and reading the ASGI scope into the core's request pieces. Translation only:
every decision (the routed path behind a root_path, repeated or oversized Authorization,
the prefix) is the core's."""
from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, Iterable, List, Mapping, Optional, Sequence, Tuple, Union
from urllib.parse import quote

from ._jwtgate import Gate
from ._options import env_name
from .errors import GateConfigError

if TYPE_CHECKING:
    from ._remote import RemoteGate

# What BetterAuth / GateMiddleware decide with: a fixed gate, or one following a key set URL.
AnyGate = Union[Gate, "RemoteGate"]

SECRET_ENV = env_name("secret")
PREVIOUS_SECRETS_ENV = env_name("previous_secrets")


def gate_from(
    gate: Optional[AnyGate],
    secret: Optional[str],
    options: Mapping[str, Any],
    jwks_url: Optional[str] = None,
) -> AnyGate:
    """`gate` as given, else a new one from `secret` or $BETTER_AUTH_SECRET (and
    $BETTER_AUTH_PREVIOUS_SECRETS unless `previous_secrets` is passed). A missing or weak
    secret raises GateConfigError here, at startup, not on the first request. With
    `jwks_url`: a `RemoteGate` following that key set, not fetched yet (the secret is then
    optional: with one, HS256 tokens are accepted too and ``origin_token="hs256"`` works)."""
    if gate is not None:
        if secret is not None or options or jwks_url is not None:
            raise GateConfigError("invalid_option", "pass either gate= or gate options, not both")
        return gate
    options = dict(options)
    if secret is None:
        secret = os.environ.get(SECRET_ENV)
        # With a key set (Better Auth's EdDSA tokens) the secret is optional.
        if not secret and options.get("jwks") is None and jwks_url is None:
            raise GateConfigError(
                "missing_secret",
                f"{SECRET_ENV} is not set (at least 32 characters: openssl rand -base64 32)",
            )
    if options.get("previous_secrets") is None and os.environ.get(PREVIOUS_SECRETS_ENV):
        options["previous_secrets"] = os.environ[PREVIOUS_SECRETS_ENV]
    if jwks_url is not None:
        from ._remote import RemoteGate

        return RemoteGate(jwks_url, secret=secret or None, **options)
    return Gate(secret=secret or None, **options)


def request_target(scope: Mapping[str, Any]) -> str:
    """The request target as the client sent it: `raw_path` (percent-escapes intact; the
    core decodes and refuses ambiguous paths itself) + `?` + the query. Servers that omit
    `raw_path` get `path` re-escaped. The core refuses a raw `#` (or a byte that is not
    visible ASCII) anywhere in the target, as in every host, so the query goes along."""
    raw: Optional[bytes] = scope.get("raw_path")
    if raw:
        # uvicorn's raw_path has no query string, but ASGI does not promise it.
        path = raw.decode("latin-1").split("?", 1)[0]
    else:
        path = quote(scope.get("path", ""), safe="/:@!$&'()*+,;=-._~")
    query: bytes = scope.get("query_string") or b""
    return f"{path}?{query.decode('latin-1')}" if query else path


def authorization_lines(scope: Mapping[str, Any]) -> List[bytes]:
    """Every `Authorization` field line, as sent (the core combines them: a repeated
    header is refused, in every host)."""
    return [value for name, value in scope.get("headers", ()) if name.lower() == b"authorization"]


def asgi_request(scope: Mapping[str, Any]) -> Tuple[str, str, str, str, List[bytes]]:
    """The scope's pieces for `Gate.authorize_asgi` / `Gate.decide_asgi`: method (a
    WebSocket handshake is a GET), raw target, `root_path` and `path` (the core judges the
    path the app routes: Starlette's `get_route_path`), the `Authorization` lines."""
    return (
        scope.get("method", "GET"),
        request_target(scope),
        scope.get("root_path", ""),
        scope.get("path", ""),
        authorization_lines(scope),
    )


def apply_plan(
    headers: Iterable[Tuple[bytes, bytes]],
    plan: Tuple[Sequence[bytes], Sequence[Tuple[bytes, bytes]]],
) -> List[Tuple[bytes, bytes]]:
    """The core's in-process plan applied to ASGI header pairs: every name it removes (and
    every name it sets) taken out, compared in lowercase, then its headers appended."""
    remove, set_ = plan
    drop = {*remove, *(name for name, _ in set_)}
    kept = [(n, v) for n, v in headers if n.lower() not in drop]
    kept.extend(set_)
    return kept
