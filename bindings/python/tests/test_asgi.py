"""jwtgate.asgi.GateMiddleware through TestClient: claims on request.state, the prefix
only, refusals answered before the app, WebSocket handshakes, startup refusal."""
import time

import pytest
from fastapi import FastAPI, Request, WebSocket
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from jwtgate import Gate, GateConfigError
from jwtgate.asgi import GateMiddleware
from test_gate import mint

SECRET = "Tq4Nc8Wz1Ls6Hb3Ye9Pv5Kd2Rm7Gx0Ja"
reached = []


def make_app(**options):
    app = FastAPI()
    app.add_middleware(GateMiddleware, secret=SECRET, **options)

    @app.get("/api/v1/{user_id}/tasks")
    async def tasks(user_id: str, request: Request):
        reached.append(user_id)
        return {"sub": request.state.claims["sub"], "email": request.state.claims["email"]}

    @app.get("/health")
    async def health(request: Request):
        return {"claims": getattr(request.state, "claims", None)}

    @app.websocket("/api/v1/me/ws")
    async def ws(websocket: WebSocket):
        await websocket.accept()
        await websocket.send_json(websocket.state.claims["sub"])
        await websocket.close()

    return TestClient(app)


def token(sub="u1"):
    now = int(time.time())
    return mint({"sub": sub, "email": "a@example.com", "iat": now, "exp": now + 900}, SECRET)


def test_claims_on_request_state_and_refusals_before_the_app():
    client = make_app()
    r = client.get("/api/v1/u1/tasks", headers={"Authorization": f"Bearer {token()}"})
    assert r.json() == {"sub": "u1", "email": "a@example.com"}
    reached.clear()
    r = client.get("/api/v1/u2/tasks", headers={"Authorization": f"Bearer {token()}"})
    assert (r.status_code, r.json()) == (403, {"detail": "User ID in path does not match authenticated user"})
    r = client.get("/api/v1/u1/tasks")
    assert (r.status_code, r.headers["www-authenticate"]) == (401, "Bearer")
    r = client.get("/api/v1/u1/../u2/tasks", headers={"Authorization": f"Bearer {token()}"})
    assert r.status_code in (400, 403)  # the client may normalise; the app is never reached
    assert reached == []


def test_outside_the_prefix_passes_untouched():
    client = make_app()
    assert client.get("/health").json() == {"claims": None}
    assert client.get("/health", headers={"Authorization": "Bearer junk"}).status_code == 200


def test_websocket_handshake():
    # A self route (no user id in the path) for this app's WebSocket, next to the spec's one.
    client = make_app(self_routes=["/api/v1/me/profile", "/api/v1/me/ws"])
    with client.websocket_connect("/api/v1/me/ws", headers={"Authorization": f"Bearer {token('u7')}"}) as ws:
        assert ws.receive_json() == "u7"
    with pytest.raises(WebSocketDisconnect) as e:
        with client.websocket_connect("/api/v1/me/ws"):
            pass
    assert e.value.code == 1008


def test_state_key_gate_and_bad_config():
    gate = Gate(secret=SECRET, api_prefix="/v2/", self_routes=["/v2/me/x"])
    app = FastAPI()
    app.add_middleware(GateMiddleware, gate=gate, state_key="user")

    @app.get("/v2/me/x")
    async def x(request: Request):
        return request.state.user["sub"]

    client = TestClient(app)
    assert client.get("/v2/me/x", headers={"Authorization": f"Bearer {token('u3')}"}).json() == "u3"
    with pytest.raises(GateConfigError):
        GateMiddleware(app, secret="short")
    with pytest.raises(GateConfigError):
        GateMiddleware(app, gate=gate, issuer="x")
