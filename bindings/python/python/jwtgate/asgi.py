"""Pure ASGI middleware: every request under the gate's prefix (default ``/api/v1/``) is
decided by the core before the app sees it; the claims go on ``request.state.claims``.

    from jwtgate.asgi import GateMiddleware
    app.add_middleware(GateMiddleware)               # reads $BETTER_AUTH_SECRET
    # then: request.state.claims in any route under /api/v1/

The path judged is the one the app routes (behind ``uvicorn --root-path``, inside
``app.mount(...)``, with ``FastAPI(root_path=...)``). Refusals are answered here: the
core's status, ``{"detail": ...}`` and headers (``WWW-Authenticate``, ``Cache-Control:
no-store``). Every request reaching the app gets the core's in-process plan: the
identity headers ``X-User-Id`` / ``X-User-Email`` a client sent are removed, and set from
the verified claims under the prefix. Paths outside the prefix need no token. Add CORS
middleware after this one (so it runs first, outside) when browsers send preflights:
preflights carry no token.
"""
from __future__ import annotations

import asyncio
import json
from typing import TYPE_CHECKING, Any, Awaitable, Callable, Dict, List, MutableMapping, Optional

from ._http import AnyGate, apply_plan, asgi_request, gate_from
from ._options import RemoteOptions
from ._remote import RemoteGate
from .errors import GateError

if TYPE_CHECKING:
    from typing_extensions import Unpack

__all__ = ["GateMiddleware"]

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class GateMiddleware:
    """``GateMiddleware(app, gate=None, *, secret=None, state_key="claims", **gate_options)``.

    Like `jwtgate.fastapi.BetterAuth`, a missing or weak secret raises `GateConfigError`
    when the middleware is built (Starlette builds it at startup).

    ``GateMiddleware(app, jwks_url=..., issuer=..., audience=...)`` follows a key set URL
    (Better Auth's ``/api/auth/jwks``): the fetch starts when the server sends the lifespan
    startup event (in the background: startup is not delayed) or with the first protected
    request, never when the app is built; protected requests wait for it without blocking
    the event loop, and get ``503 {"detail": ...}`` while no key set is usable."""

    def __init__(
        self,
        app: ASGIApp,
        gate: Optional[AnyGate] = None,
        *,
        secret: Optional[str] = None,
        state_key: str = "claims",
        jwks_url: Optional[str] = None,
        get_session_url: Optional[str] = None,
        get_session_timeout: int = 5000,
        **options: Unpack[RemoteOptions],
    ) -> None:
        self.app = app
        self.gate = gate_from(gate, secret, options, jwks_url)
        self.state_key = state_key
        self._prefetch: Optional["asyncio.Task[bool]"] = None
        # Session mode (`session_strategy=...`): Better Auth's session cookies decide too;
        # a cache that cannot decide is resolved by asking Better Auth (jwtgate._session).
        self.sessions = getattr(self.gate, "session_cookie_name", None) is not None
        self.refresher = None
        if self.sessions:
            from ._session import refresher_from

            self.refresher = refresher_from(get_session_url, self.gate, get_session_timeout)

    def _lifespan_receive(self, gate: RemoteGate, receive: Receive) -> Receive:
        async def receive_startup() -> MutableMapping[str, Any]:
            message = await receive()
            if message.get("type") == "lifespan.startup" and self._prefetch is None:
                self._prefetch = asyncio.ensure_future(gate.refresh("due"))
            return message

        return receive_startup

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        gate = self.gate
        if scope["type"] == "lifespan" and isinstance(gate, RemoteGate):
            await self.app(scope, self._lifespan_receive(gate, receive), send)
            return
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        set_cookies: List[str] = []
        try:
            if self.sessions:
                from ._session import decide_with_sessions

                claims, (remove, set_), set_cookies = await decide_with_sessions(gate, self.refresher, scope, False)
            elif isinstance(gate, RemoteGate):
                claims, (remove, set_) = await gate.decide_asgi_async(*asgi_request(scope))
            else:
                claims, (remove, set_) = gate.decide_asgi(*asgi_request(scope))
        except GateError as error:
            await refuse(scope, send, error)
            return
        if set_cookies and scope["type"] == "http":
            send = with_set_cookies(send, set_cookies)
        # A new scope (and state dict): nothing leaks into the server's shared lifespan state.
        scope = {**scope, "headers": apply_plan(scope.get("headers", ()), (remove, set_))}
        if claims is not None:
            state: Dict[str, Any] = dict(scope.get("state") or {})
            state[self.state_key] = claims
            scope["state"] = state
        await self.app(scope, receive, send)


def with_set_cookies(send: Send, lines: List[str]) -> Send:
    """`send`, adding Better Auth's Set-Cookie lines (a re-issued cookie cache) to the
    response start."""

    async def sending(message: MutableMapping[str, Any]) -> None:
        if message.get("type") == "http.response.start":
            headers = list(message.get("headers", ()))
            headers.extend((b"set-cookie", line.encode("latin-1")) for line in lines)
            message = {**message, "headers": headers}
        await send(message)

    return sending


async def refuse(scope: Scope, send: Send, error: GateError) -> None:
    if scope["type"] == "websocket":
        # Closing before accept: the server answers the handshake with 403.
        await send({"type": "websocket.close", "code": 1008})
        return
    body = json.dumps(error.body).encode()
    headers = [(name.encode(), value.encode()) for name, value in error.response_headers]
    headers.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": error.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
