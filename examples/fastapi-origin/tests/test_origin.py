"""The example origin applies the spec's rules (weaknesses included) and scopes by `sub`."""
import time

import pytest
from fastapi.testclient import TestClient
from jose import jwt

from conftest import SECRET
from main import app

client = TestClient(app)


def token(sub="user-1", email="ann@example.com", ttl=900, iat=None, secret=SECRET, **extra):
    iat = int(time.time()) if iat is None else iat
    claims = {"sub": sub, "email": email, "name": "Ann", "iat": iat, "exp": iat + ttl, **extra}
    return jwt.encode(claims, secret, algorithm="HS256")


def auth(tok):
    return {"Authorization": f"Bearer {tok}"}


def test_health_needs_no_token():
    assert client.get("/health").json() == {"status": "ok"}


def test_create_and_list_are_scoped_to_sub_and_echo_the_identity_header():
    a, b = token("alice"), token("bob")
    r = client.post("/api/v1/alice/tasks", json={"title": "milk"}, headers=auth(a))
    assert r.status_code == 200
    assert r.json()["task"]["user_id"] == "alice"
    assert r.json()["identity_header"] is None
    client.post("/api/v1/bob/tasks", json={"title": "eggs"}, headers=auth(b))

    r = client.get("/api/v1/alice/tasks", headers={**auth(a), "X-User-Id": "alice"})
    assert r.status_code == 200
    assert [t["title"] for t in r.json()["tasks"]] == ["milk"]
    assert r.json()["identity_header"] == "alice"
    assert [t["title"] for t in client.get("/api/v1/me/tasks", headers=auth(b)).json()["tasks"]] == ["eggs"]


@pytest.mark.parametrize(
    "headers, status, detail",
    [
        ({}, 401, "Missing or invalid Authorization header"),
        ({"Authorization": "bearer x.y.z"}, 401, "Missing or invalid Authorization header"),
        (auth(token(ttl=60)), 401, "Invalid token lifetime"),
        (auth(token(ttl=3600)), 401, "Invalid token lifetime"),
        (auth(token(email="")), 401, "Invalid token: missing user claims"),
        (auth(token(iat=int(time.time()) - 2000)), 401, "Invalid token: Signature has expired."),
        (auth(token(secret="Zq8Lw3Np6Rt1Vx9Bc4Hm7Jd2Kf5Gs0Ya")), 401, "Invalid token: Signature verification failed."),
        (auth(token(sub="someone-else")), 403, "User ID in path does not match authenticated user"),
    ],
)
def test_refusals_use_the_spec_details(headers, status, detail):
    r = client.get("/api/v1/user-1/tasks", headers=headers)
    assert (r.status_code, r.json()["detail"]) == (status, detail)


def test_update_and_delete_are_scoped_to_sub():
    a, b = token("carol"), token("dave")
    mine = client.post("/api/v1/carol/tasks", json={"title": "write"}, headers=auth(a)).json()["task"]
    theirs = client.post("/api/v1/dave/tasks", json={"title": "read"}, headers=auth(b)).json()["task"]

    r = client.patch(f"/api/v1/carol/tasks/{mine['id']}", json={"completed": True}, headers=auth(a))
    assert r.status_code == 200
    assert r.json()["task"]["completed"] is True
    assert r.json()["task"]["title"] == "write"
    r = client.patch(f"/api/v1/carol/tasks/{mine['id']}", json={"title": "write more"}, headers=auth(a))
    assert (r.json()["task"]["title"], r.json()["task"]["completed"]) == ("write more", True)

    # Another user's task id through one's own path: not found, untouched (layer 3).
    for r in (
        client.patch(f"/api/v1/carol/tasks/{theirs['id']}", json={"completed": True}, headers=auth(a)),
        client.delete(f"/api/v1/carol/tasks/{theirs['id']}", headers=auth(a)),
    ):
        assert (r.status_code, r.json()["detail"]) == (404, "Task not found")
    # Another user's path: 403 (layer 2).
    r = client.delete(f"/api/v1/dave/tasks/{theirs['id']}", headers=auth(a))
    assert (r.status_code, r.json()["detail"]) == (403, "User ID in path does not match authenticated user")
    assert client.delete(f"/api/v1/carol/tasks/{mine['id']}").status_code == 401
    assert [t["completed"] for t in client.get("/api/v1/dave/tasks", headers=auth(b)).json()["tasks"]] == [False]

    assert client.delete(f"/api/v1/carol/tasks/{mine['id']}", headers=auth(a)).json()["deleted"] == mine["id"]
    assert client.get("/api/v1/carol/tasks", headers=auth(a)).json()["tasks"] == []
    assert client.delete(f"/api/v1/carol/tasks/{mine['id']}", headers=auth(a)).status_code == 404


def test_me_routes_come_before_user_routes():
    r = client.get("/api/v1/me/profile", headers=auth(token("user-9")))
    assert r.status_code == 200
    assert r.json()["id"] == "user-9"
    assert client.get("/api/v1/me/tasks").status_code == 401


def test_cors_preflight_for_the_frontend():
    r = client.options(
        "/api/v1/user-1/tasks",
        headers={"Origin": "http://localhost:3000", "Access-Control-Request-Method": "POST"},
    )
    assert r.status_code == 200
    assert r.headers["access-control-allow-origin"] == "http://localhost:3000"
    assert r.headers["access-control-allow-credentials"] == "true"


@pytest.mark.parametrize(
    "sent, claim",
    [
        ("alice", "alice"),
        ("ann@example.com", "ann@example.com"),
        ("us%C3%A9r", "usér"),
        ("100%25", "100%"),
        ("%20a%0D%0Ab%20", " a\r\nb "),
        ("a+b", "a+b"),
    ],
)
def test_identity_headers_are_decoded_exactly(sent, claim):
    tok = token("user-1")
    r = client.get("/api/v1/me/profile", headers={**auth(tok), "X-User-Id": sent, "X-User-Email": sent})
    assert r.status_code == 200
    assert r.json()["identity_header"] == claim
    assert r.json()["identity_email_header"] == claim


def test_an_identity_header_that_is_not_utf8_is_refused():
    r = client.get("/api/v1/me/profile", headers={**auth(token("user-1")), "X-User-Id": "%C3"})
    assert r.status_code == 400
