"""Pure ASGI middleware: every request under the gate's prefix (default ``/api/v1/``) is
decided by the core before the app sees it; the claims go on ``request.state.claims``.

    from jwtgate.asgi import GateMiddleware
    app.add_middleware(GateMiddleware)               # reads $BETTER_AUTH_SECRET
    # then: request.state.claims in any route under /api/v1/

Refusals are answered here: the core's status, ``{"detail": ...}`` and `WWW-Authenticate`.
Paths outside the prefix pass through untouched. Add CORS middleware after this one (so
it runs first, outside) when browsers send preflights: preflights carry no token.
"""
from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Awaitable, Callable, Dict, MutableMapping, Optional

from ._http import authorization_header, gate_from, raw_path
from ._jwtgate import Gate
from ._options import GateOptions
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
    when the middleware is built (Starlette builds it at startup)."""

    def __init__(
        self,
        app: ASGIApp,
        gate: Optional[Gate] = None,
        *,
        secret: Optional[str] = None,
        state_key: str = "claims",
        **options: Unpack[GateOptions],
    ) -> None:
        self.app = app
        self.gate = gate_from(gate, secret, options)
        self.state_key = state_key

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        path = raw_path(scope)
        if not self.gate.protects(path):
            await self.app(scope, receive, send)
            return
        method = scope.get("method", "GET")  # a WebSocket handshake is a GET
        try:
            claims = self.gate.authorize(method, path, authorization_header(scope))
        except GateError as error:
            await refuse(scope, send, error)
            return
        # A new scope and state dict: nothing leaks into the server's shared lifespan state.
        state: Dict[str, Any] = dict(scope.get("state") or {})
        state[self.state_key] = claims
        await self.app({**scope, "state": state}, receive, send)


async def refuse(scope: Scope, send: Send, error: GateError) -> None:
    if scope["type"] == "websocket":
        # Closing before accept: the server answers the handshake with 403.
        await send({"type": "websocket.close", "code": 1008})
        return
    body = json.dumps(error.body).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    if error.www_authenticate is not None:
        headers.append((b"www-authenticate", error.www_authenticate.encode()))
    await send({"type": "http.response.start", "status": error.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
