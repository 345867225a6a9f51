"""Apps served by a real uvicorn in test_server.py: for each corpus configuration, a
FastAPI app guarded by the `BetterAuth` dependency and one guarded by `GateMiddleware`,
each written as a user would. A small dispatcher picks the app by the Host header
(`dep.<config>` / `mw.<config>`), so one server serves every configuration.

Env: JWTGATE_TEST_CONFIGS = {"<config>": {Gate options}}."""
import json
import os

from fastapi import Depends, FastAPI, Request

from jwtgate.asgi import GateMiddleware
from jwtgate.fastapi import BetterAuth

METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


def dependency_app(options):
    app = FastAPI()
    auth = BetterAuth(**options)

    @app.api_route("/{rest:path}", methods=METHODS)
    async def anything(claims: dict = Depends(auth)):
        return {"sub": claims["sub"]}

    return app


def middleware_app(options):
    app = FastAPI()
    app.add_middleware(GateMiddleware, **options)

    @app.api_route("/{rest:path}", methods=METHODS)
    async def anything(request: Request):
        claims = getattr(request.state, "claims", None)
        return {"sub": None if claims is None else claims["sub"]}

    return app


configs = json.loads(os.environ["JWTGATE_TEST_CONFIGS"])
apps = {}
for name, options in configs.items():
    apps[f"dep.{name}"] = dependency_app(options)
    apps[f"mw.{name}"] = middleware_app(options)


async def app(scope, receive, send):
    if scope["type"] == "lifespan":
        message = await receive()
        await send({"type": message["type"] + ".complete"})
        return
    host = dict(scope["headers"]).get(b"host", b"").decode("latin-1")
    await apps[host](scope, receive, send)
