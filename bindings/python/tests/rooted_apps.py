"""Apps served by real uvicorn processes in test_root_path.py, each as a user would write
it, behind a prefix the app does not route: `uvicorn --root-path /backend` (the `dep` and
`mw` hosts), `app.mount("/backend", sub)` (`mount-dep`, `mount-mw`) and
`FastAPI(root_path="/backend")` (`rp-dep`, `rp-mw`). A dispatcher picks the app by the
Host header. Env: JWTGATE_TEST_SECRET."""
import os

from fastapi import Depends, FastAPI, Request

from jwtgate.asgi import GateMiddleware
from jwtgate.fastapi import BetterAuth

SECRET = os.environ["JWTGATE_TEST_SECRET"]


def dependency_app(**app_options):
    app = FastAPI(**app_options)
    auth = BetterAuth(secret=SECRET)

    @app.get("/api/v1/{user_id}/tasks")
    async def tasks(user_id: str, claims: dict = Depends(auth)):
        return {"sub": claims["sub"], "route": user_id}

    return app


def middleware_app(**app_options):
    app = FastAPI(**app_options)
    app.add_middleware(GateMiddleware, secret=SECRET)

    @app.get("/api/v1/{user_id}/tasks")
    async def tasks(user_id: str, request: Request):
        claims = getattr(request.state, "claims", None)
        return {"sub": None if claims is None else claims["sub"], "route": user_id}

    return app


def mounted(sub):
    outer = FastAPI()
    outer.mount("/backend", sub)
    return outer


apps = {
    "dep": dependency_app(),
    "mw": middleware_app(),
    "mount-dep": mounted(dependency_app()),
    "mount-mw": mounted(middleware_app()),
    "rp-dep": dependency_app(root_path="/backend"),
    "rp-mw": middleware_app(root_path="/backend"),
}


async def app(scope, receive, send):
    if scope["type"] == "lifespan":
        message = await receive()
        await send({"type": message["type"] + ".complete"})
        return
    host = dict(scope["headers"]).get(b"host", b"").decode("latin-1")
    await apps[host](scope, receive, send)
