"""jwtgate.fastapi through FastAPI's TestClient: the spec's own test list (valid,
expired, missing, mismatch, tampered), the cases where the spec's python-jose code answers
500 (here 401 with the right detail), startup refusal of weak secrets, OpenAPI."""
import importlib.util
import time

import pytest
from fastapi import Depends, FastAPI, Request
from fastapi.testclient import TestClient

from conftest import ROOT
from jwtgate import GateConfigError
from jwtgate.fastapi import BetterAuth
from test_gate import mint

SECRET = "Tq4Nc8Wz1Ls6Hb3Ye9Pv5Kd2Rm7Gx0Ja"


def spec_app(monkeypatch):
    """The spec's routes, with the three-line setup of the README."""
    monkeypatch.setenv("BETTER_AUTH_SECRET", SECRET)
    app = FastAPI()
    auth = BetterAuth()

    @app.get("/api/v1/{user_id}/tasks")
    async def list_tasks(user_id: str, request: Request):
        payload = await auth.validate_path_user_id(request, user_id)
        return {"user": payload["sub"]}

    @app.get("/api/v1/me/profile")
    async def profile(user: dict = Depends(auth)):
        return {"id": user["sub"], "email": user["email"]}

    @app.get("/users/{user_id}/notes")  # outside the prefix: the route-parameter check
    async def notes(user_id: str, request: Request):
        return {"user": (await auth.validate_path_user_id(request, user_id))["sub"]}

    return TestClient(app)


def token(user_id="user123", ttl=1800, iat=None, secret=SECRET, **extra):
    iat = int(time.time()) if iat is None else iat
    payload = {"sub": user_id, "email": "test@example.com", "name": "Test User",
               "iat": iat, "exp": iat + ttl, **extra}
    return mint(payload, secret)


def auth(tok):
    return {"Authorization": f"Bearer {tok}"}


def refused(r, status, detail, challenge):
    assert (r.status_code, r.json(), r.headers.get("www-authenticate")) == (status, {"detail": detail}, challenge)


def test_valid_token(monkeypatch):
    client = spec_app(monkeypatch)
    r = client.get("/api/v1/user123/tasks", headers=auth(token()))
    assert (r.status_code, r.json()) == (200, {"user": "user123"})
    assert client.get("/api/v1/me/profile", headers=auth(token("u9"))).json() == {"id": "u9", "email": "test@example.com"}


def test_expired_token(monkeypatch):
    client = spec_app(monkeypatch)
    r = client.get("/api/v1/user123/tasks", headers=auth(token(iat=int(time.time()) - 1900)))
    refused(r, 401, "Token expired", 'Bearer error="invalid_token"')
    assert "expired" in r.json()["detail"].lower()


def test_missing_token(monkeypatch):
    client = spec_app(monkeypatch)
    refused(client.get("/api/v1/user123/tasks"), 401, "Missing or invalid Authorization header", "Bearer")
    refused(client.get("/api/v1/me/profile"), 401, "Missing or invalid Authorization header", "Bearer")
    # Not `Bearer ` exactly (HTTPBearer alone would accept "bearer"): the origin's rule.
    refused(client.get("/api/v1/me/profile", headers={"Authorization": f"bearer {token()}"}),
            401, "Missing or invalid Authorization header", "Bearer")


def test_path_user_id_mismatch(monkeypatch):
    client = spec_app(monkeypatch)
    detail = "User ID in path does not match authenticated user"
    refused(client.get("/api/v1/user456/tasks", headers=auth(token("user123"))), 403, detail, None)
    refused(client.get("/users/user456/notes", headers=auth(token("user123"))), 403, detail, None)
    assert client.get("/users/user123/notes", headers=auth(token("user123"))).json() == {"user": "user123"}


def test_tampered_token(monkeypatch):
    client = spec_app(monkeypatch)
    good = token()
    head, body, sig = good.split(".")
    forged = token("user456")
    tampered = f"{head}.{forged.split('.')[1]}.{sig}"  # another payload under the old signature
    detail = "Invalid token: signature verification failed"
    refused(client.get("/api/v1/user456/tasks", headers=auth(tampered)), 401, detail, 'Bearer error="invalid_token"')
    refused(client.get("/api/v1/user123/tasks", headers=auth(token(secret="Zq8Lw3Np6Rt1Vx9Bc4Hm7Jd2Kf5Gs0Ya"))),
            401, detail, 'Bearer error="invalid_token"')


def spec_security():
    """The spec's core/security.py as the example origin keeps it (python-jose)."""
    path = ROOT / "examples" / "fastapi-origin" / "core" / "security.py"
    spec = importlib.util.spec_from_file_location("spec_security_under_test", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("exp", [None, "4102444800"])
def test_where_the_spec_answers_500_this_answers_401(monkeypatch, exp):
    monkeypatch.setenv("BETTER_AUTH_SECRET", SECRET)
    tok = mint({"sub": "user123", "email": "test@example.com", "iat": int(time.time()), "exp": exp}, SECRET)
    # The spec's code: an exception FastAPI can only answer with 500.
    with pytest.raises(TypeError):
        spec_security().verify_better_auth_token(tok)
    client = spec_app(monkeypatch)
    refused(client.get("/api/v1/user123/tasks", headers=auth(tok)), 401,
            "Invalid token: exp and iat must be integer timestamps", 'Bearer error="invalid_token"')


@pytest.mark.parametrize("secret", [None, "", "Xq7-tiny-9Lp", "test-secret-key-min-32-characters-long"])
def test_a_weak_or_missing_secret_fails_at_startup(monkeypatch, secret):
    if secret is None:
        monkeypatch.delenv("BETTER_AUTH_SECRET", raising=False)
    else:
        monkeypatch.setenv("BETTER_AUTH_SECRET", secret)
    with pytest.raises(GateConfigError) as e:
        BetterAuth()
    assert e.value.code in ("missing_secret", "secret_too_short", "known_default_secret")
    if secret:
        assert secret not in str(e.value)


def test_previous_secrets_from_the_environment(monkeypatch):
    old = "Zq8Lw3Np6Rt1Vx9Bc4Hm7Jd2Kf5Gs0Ya"
    monkeypatch.setenv("BETTER_AUTH_PREVIOUS_SECRETS", old)
    client = spec_app(monkeypatch)
    assert client.get("/api/v1/user123/tasks", headers=auth(token(secret=old))).status_code == 200


def test_openapi_shows_the_bearer_scheme(monkeypatch):
    client = spec_app(monkeypatch)
    doc = client.get("/openapi.json").json()
    assert doc["components"]["securitySchemes"]["BetterAuthJWT"] == {
        "type": "http", "scheme": "bearer", "description": "Better Auth JWT (HS256), checked by jwtgate"}
    assert doc["paths"]["/api/v1/me/profile"]["get"]["security"] == [{"BetterAuthJWT": []}]
