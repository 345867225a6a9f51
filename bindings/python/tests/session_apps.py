"""FastAPI apps in session mode for tests/test_sessions.py, configured from the environment
the test sets (BETTER_AUTH_SECRET, BETTER_AUTH_URL, SESSION_STRATEGY, JWTGATE_SESSION_OPTIONS):
the same task route behind the dependency (`BetterAuthSession`) and behind the middleware
(`GateMiddleware(session_strategy=...)`), each returning what the route saw."""
import json
import os

from fastapi import Depends, FastAPI, Request

from jwtgate.asgi import GateMiddleware
from jwtgate.fastapi import BetterAuthSession

options = json.loads(os.environ.get("JWTGATE_SESSION_OPTIONS", "{}"))
session = BetterAuthSession(**options)

dep = FastAPI()


@dep.api_route("/api/v1/{user_id}/tasks", methods=["GET", "POST"])
async def dep_tasks(user_id: str, request: Request, claims: dict = Depends(session)):
    return {"sub": claims["sub"], "email": claims["email"], "user": claims["user"],
            "x_user_id": request.headers.get("x-user-id"), "cookie": request.headers.get("cookie")}


mw_inner = FastAPI()


@mw_inner.api_route("/api/v1/{user_id}/tasks", methods=["GET", "POST"])
async def mw_tasks(user_id: str, request: Request):
    claims = request.state.claims
    return {"sub": claims["sub"], "email": claims["email"], "user": claims["user"],
            "x_user_id": request.headers.get("x-user-id"), "cookie": request.headers.get("cookie")}


@mw_inner.get("/health")
async def health():
    return {"ok": True}


mw = GateMiddleware(mw_inner, session_strategy=os.environ.get("SESSION_STRATEGY", "compact"),
                    base_url=os.environ["BETTER_AUTH_URL"], **options)


async def app(scope, receive, send):
    """Routes by Host: `dep` to the dependency app, anything else to the middleware app."""
    host = dict(scope.get("headers", ())).get(b"host", b"").split(b":")[0]
    target = dep if host == b"dep" else mw
    await target(scope, receive, send)
