"""FastAPI integration: the spec's `get_current_user` and `validate_path_user_id`,
hardened, decided by the jwtgate core.

    from jwtgate.fastapi import BetterAuth
    auth = BetterAuth()                        # $BETTER_AUTH_SECRET; a weak one fails here
    @app.get("/api/v1/{user_id}/tasks")
    async def tasks(user_id: str, claims: dict = Depends(auth)): ...

The dependency returns the verified claims, or raises `HTTPException` with the core's
status (401 / 403 / 400), ``{"detail": ...}`` and headers (`WWW-Authenticate`,
`Cache-Control: no-store`). It runs the core's whole request rule on the raw request, on
the path the app routes (behind ``uvicorn --root-path``, inside ``app.mount(...)``): the
``Bearer`` header rule, the token and claim rules, and under the prefix (default ``/api/v1/``) the path rule — ``/api/v1/{user_id}/...``
must name the token's ``sub`` (403), ``/api/v1/me/...`` needs only a valid token.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Dict, Optional, Union, cast

from fastapi import Depends, HTTPException, Request, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from ._http import AnyGate, apply_plan, asgi_request, gate_from
from ._jwtgate import refusal
from ._options import RemoteOptions
from ._remote import RemoteGate
from .errors import GateConfigError, GateError

if TYPE_CHECKING:
    from typing_extensions import Unpack

__all__ = ["BetterAuth", "BetterAuthSession", "http_exception"]

# Only for OpenAPI (the "Authorize" button): auto_error=False, so FastAPI's own answers
# (403 before 0.122, 401 after) never apply; the raw header goes to the core, whose Bearer
# rule is the origin's (case-sensitive `Bearer `, one space) — stricter than HTTPBearer's.
bearer_scheme = HTTPBearer(
    auto_error=False,
    scheme_name="BetterAuthJWT",
    description="Better Auth JWT (HS256), checked by jwtgate",
)


def http_exception(error: GateError) -> HTTPException:
    """The `HTTPException` FastAPI turns into the core's answer."""
    headers = dict(error.response_headers)
    return HTTPException(status_code=error.status, detail=error.detail, headers=headers or None)


class BetterAuth:
    """A FastAPI dependency (use the instance: ``Depends(auth)``) returning the claims.

    ``BetterAuth()`` reads ``BETTER_AUTH_SECRET`` (and ``BETTER_AUTH_PREVIOUS_SECRETS``);
    ``BetterAuth(secret=..., issuer=..., ...)`` takes any `Gate` option; ``BetterAuth(gate=g)``
    shares an existing gate. A missing or weak secret raises `GateConfigError` at once, so
    the app fails at startup.

    ``BetterAuth(jwks_url="https://app/api/auth/jwks", issuer=APP, audience=APP)`` follows
    Better Auth's key set (EdDSA tokens; the ``jwtgate[remote]`` extra): nothing is fetched
    when the app is built; the first protected request fetches it (or ``await
    auth.prefetch()`` in the app's lifespan), concurrent requests share that fetch, and
    while no key set is usable protected requests get ``503 {"detail": ...}``.
    """

    gate: AnyGate

    def __init__(
        self,
        gate: Optional[AnyGate] = None,
        *,
        secret: Optional[str] = None,
        jwks_url: Optional[str] = None,
        **options: Unpack[RemoteOptions],
    ) -> None:
        self.gate = gate_from(gate, secret, options, jwks_url)

    def _allowed(self, request: Request, claims: Optional[Dict[str, Any]], plan: Any) -> Dict[str, Any]:
        """What the route then sees is the core's in-process plan: identity headers a client
        sent (``X-User-Id``, ``X-User-Email``, any case) replaced by the verified ones."""
        request.scope["headers"] = apply_plan(request.scope.get("headers", ()), plan)
        # Starlette caches the parsed headers on the Request: read them again from the scope.
        request.__dict__.pop("_headers", None)
        # require_token: an allowed decision always carries claims.
        return cast(Dict[str, Any], claims)

    def authorize(self, request: Request) -> Dict[str, Any]:
        """The core's decision on this request: the claims, or raises `HTTPException`. (A
        gate following a key set URL decides here with the set in use; the dependency
        itself waits for a due fetch without blocking the event loop.)"""
        try:
            claims, plan = self.gate.decide_asgi(*asgi_request(request.scope), require_token=True)
        except GateError as error:
            raise http_exception(error) from None
        return self._allowed(request, claims, plan)

    async def authorize_async(self, request: Request) -> Dict[str, Any]:
        """`authorize`, waiting (on the event loop, never blocking it) for a key-set fetch
        when the gate follows a key set URL and the refresh policy wants one."""
        gate = self.gate
        if not isinstance(gate, RemoteGate):
            return self.authorize(request)
        try:
            claims, plan = await gate.decide_asgi_async(*asgi_request(request.scope), require_token=True)
        except GateError as error:
            raise http_exception(error) from None
        return self._allowed(request, claims, plan)

    async def prefetch(self) -> bool:
        """For the app's lifespan: fetch the key set now (a gate following a key set URL).
        ``True`` when a set is in use afterwards; never raises for a failed fetch."""
        gate = self.gate
        if not isinstance(gate, RemoteGate):
            return True
        return await gate.refresh("due") or gate.has_keys

    # Async on purpose: the work is a few microseconds, so it runs on the event loop
    # instead of costing a thread-pool hop per request.
    async def __call__(
        self,
        request: Request,
        credentials: Optional[HTTPAuthorizationCredentials] = Depends(bearer_scheme),
    ) -> Dict[str, Any]:
        return await self.authorize_async(request)

    async def validate_path_user_id(self, request: Request, path_user_id: str) -> Dict[str, Any]:
        """The spec's `validate_path_user_id(request, path_user_id)`: a valid token whose
        `sub` equals the route's user id (else 403), as a drop-in replacement.

        Under the prefix the core has already applied this rule to the raw path; the second
        comparison covers routes mounted elsewhere (same 403, the core's words)."""
        claims = await self.authorize_async(request)
        if claims.get("sub") != path_user_id:
            raise http_exception(refusal("user_mismatch"))
        return claims


class BetterAuthSession:
    """A FastAPI dependency for an origin on the app's own site that receives Better Auth's
    session cookies directly: ``Depends(BetterAuthSession())`` returns the verified claims
    (``sub`` = the user's id, ``email``, ``name``, and the verified ``user`` and
    ``session`` objects), or raises `HTTPException` with the core's answer. No token in the
    browser, no read of Better Auth's tables.

    ``BetterAuthSession()`` reads ``BETTER_AUTH_SECRET``, ``BETTER_AUTH_URL`` (its origin is
    trusted by the CSRF rule; https means ``__Secure-`` cookie names) and
    ``SESSION_STRATEGY`` (Better Auth's ``session.cookieCache.strategy``; default
    ``compact``) — the names of the core's options table, as the worker and the CLI read
    them; any `Gate` option may be given (``trusted_origins``, ``cookie_prefix``,
    ``cache_version``, ``session_max_age``, ...). A bearer token, when sent, is judged alone.

    The ``jwks`` strategy (the JWT plugin's ``sessionCookieCache``) verifies the cache with
    the plugin's key set: ``jwks=`` a fixed set, or ``jwks_url=".../api/auth/jwks"`` to
    follow it (as ``BetterAuth(jwks_url=...)``: fetched by the first request, ``503`` while
    no set is usable).

    Better Auth's cookie cache must be on (``session: {cookieCache: {enabled: true}}``). When
    it is missing or expired, the dependency asks Better Auth (``GET
    {BETTER_AUTH_URL}/api/auth/get-session``, or ``get_session_url``; the ``jwtgate[remote]``
    extra) without blocking the event loop, remembers the answer for at most
    ``session_max_age`` seconds, passes Better Auth's ``Set-Cookie`` on to the browser, and
    answers ``503`` when Better Auth cannot be asked. ``get_session_url=False``: never ask
    (the cache's reason is the 401 answer).
    """

    gate: AnyGate

    def __init__(
        self,
        gate: Optional[AnyGate] = None,
        *,
        secret: Optional[str] = None,
        jwks_url: Optional[str] = None,
        get_session_url: "Optional[Union[str, bool]]" = None,
        get_session_timeout: int = 5000,
        **options: Unpack[RemoteOptions],
    ) -> None:
        import os

        from ._options import env_name
        from ._session import refresher_from

        if gate is None:
            opts: Dict[str, Any] = dict(options)
            if opts.get("session_strategy") is None:
                opts["session_strategy"] = os.environ.get(env_name("session_strategy")) or "compact"
            if opts.get("base_url") is None and os.environ.get(env_name("base_url")):
                opts["base_url"] = os.environ[env_name("base_url")]
            self.gate = gate_from(None, secret, opts, jwks_url)
        else:
            self.gate = gate_from(gate, secret, options, jwks_url)
        if getattr(self.gate, "session_cookie_name", None) is None:
            raise GateConfigError("invalid_option", "BetterAuthSession needs a gate in session mode (session_strategy)")
        self.refresher = (
            None
            if get_session_url is False
            else refresher_from(get_session_url or None, self.gate, get_session_timeout)  # type: ignore[arg-type]
        )

    async def __call__(self, request: Request, response: Response) -> Dict[str, Any]:
        from ._session import decide_with_sessions

        try:
            claims, plan, set_cookies = await decide_with_sessions(self.gate, self.refresher, request.scope, True)
        except GateError as error:
            raise http_exception(error) from None
        for line in set_cookies:
            response.headers.append("set-cookie", line)
        request.scope["headers"] = apply_plan(request.scope.get("headers", ()), plan)
        request.__dict__.pop("_headers", None)
        return cast(Dict[str, Any], claims)

