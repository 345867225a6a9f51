"""Apps served by a real uvicorn in test_remote.py: a FastAPI app guarded by
``BetterAuth(jwks_url=...)`` (Host ``dep``) and one by ``GateMiddleware(jwks_url=...)``
(any other Host), written as a user would: one line follows the key set.

Env: JWTGATE_JWKS_URL, JWTGATE_REMOTE_OPTIONS (JSON: Gate options by their Python names)."""
import json
import os

from fastapi import Depends, FastAPI, Request

from jwtgate.asgi import GateMiddleware
from jwtgate.fastapi import BetterAuth

URL = os.environ["JWTGATE_JWKS_URL"]
OPTIONS = json.loads(os.environ.get("JWTGATE_REMOTE_OPTIONS", "{}"))

dep = FastAPI()
auth = BetterAuth(jwks_url=URL, **OPTIONS)


@dep.get("/api/v1/{user_id}/tasks")
async def dep_tasks(user_id: str, request: Request, claims: dict = Depends(auth)):
    return {"sub": claims["sub"], "authorization": request.headers.get("authorization")}


@dep.get("/health")
async def dep_health():
    return {"ok": True}


mw = FastAPI()
mw.add_middleware(GateMiddleware, jwks_url=URL, **OPTIONS)


@mw.get("/api/v1/{user_id}/tasks")
async def mw_tasks(user_id: str, request: Request):
    return {"sub": request.state.claims["sub"], "authorization": request.headers.get("authorization"),
            "x-user-id": request.headers.get("x-user-id")}


@mw.get("/health")
async def mw_health():
    return {"ok": True}


async def app(scope, receive, send):
    """Dispatch by Host (lifespan goes to the middleware app, whose gate prefetches)."""
    if scope["type"] == "lifespan":
        await mw(scope, receive, send)
        return
    host = dict(scope.get("headers") or {}).get(b"host", b"").split(b":")[0]
    await (dep if host == b"dep" else mw)(scope, receive, send)
