"""The Python hosts of the host-parity suite (tests/host-parity/parity.test.mjs), each in
front of an app that echoes what it received (in-process hosts: the ASGI scope's headers).

    HOST=dependency|middleware MOUNT=plain|root-path|mounted uvicorn app:app [--root-path /backend]

- dependency: `Depends(BetterAuth())` on every route under /api/v1/ (FastAPI routes
  /api/v1/{rest:path}); a route outside the prefix has no dependency.
- middleware: `GateMiddleware` in front of a catch-all echo route.
- plain: the app at /; root-path: run with `uvicorn --root-path /backend` (the proxy in
  front stripped /backend: requests arrive without it); mounted: `app.mount("/backend", …)`
  (requests arrive with it).
"""
import os

from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse

from jwtgate.asgi import GateMiddleware
from jwtgate.fastapi import BetterAuth

HOST = os.environ["HOST"]
MOUNT = os.environ.get("MOUNT", "plain")


def echo(request: Request, claims=None) -> JSONResponse:
    headers = [[k.decode("latin-1"), v.decode("latin-1")] for k, v in request.scope["headers"]]
    state_claims = getattr(request.state, "claims", None) if HOST == "middleware" else claims
    return JSONResponse({"host": HOST, "path": request.scope.get("path"), "headers": headers,
                         "sub": (state_claims or {}).get("sub")})


def build() -> FastAPI:
    app = FastAPI()
    if HOST == "dependency":
        auth = BetterAuth()

        @app.api_route("/api/v1/{rest:path}", methods=["GET", "POST", "PUT", "DELETE", "PATCH"])
        async def protected(request: Request, rest: str, claims: dict = Depends(auth)):
            return echo(request, claims)

        @app.get("/{rest:path}")
        async def unprotected(request: Request, rest: str):
            return echo(request)
    else:
        @app.api_route("/{rest:path}", methods=["GET", "POST", "PUT", "DELETE", "PATCH"])
        async def anything(request: Request, rest: str):
            return echo(request)

        app.add_middleware(GateMiddleware)
    return app


inner = build()
if MOUNT == "mounted":
    app = FastAPI()
    app.mount("/backend", inner)
else:
    app = inner
