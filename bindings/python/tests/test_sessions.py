"""Session mode in Python (issue 22): `jwtgate.fastapi.BetterAuthSession` and
`GateMiddleware(session_strategy=...)` under a real uvicorn, with cookies minted by the
REAL better-auth package (its server on 127.0.0.1, SQLite) and its get-session endpoint as
the refresh path. Every rule is the core's (tests/sessions/ holds the core to Better Auth's
getSession for every strategy); these check that the Python host translates it: cookies,
Origin and Referer in, refusals and Set-Cookie out, the refresh asked once per session and
cache lifetime, 503 when Better Auth is down, never a pass-through."""
import json
import os
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from jwtgate import Gate, GateConfigError
from jwtgate.fastapi import BetterAuthSession
from conftest import send, start_uvicorn_app, stop_process

HERE = Path(__file__).resolve().parent


class BetterAuthServer:
    def __init__(self, strategy="compact", max_age=300):
        self.proc = subprocess.Popen(["node", str(HERE / "better_auth_sessions.mjs"), strategy, str(max_age)],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        if not line:
            self.proc.kill()
            raise RuntimeError("the Better Auth app did not start")
        started = json.loads(line)
        self.url, self.secret = started["url"], started["secret"]

    def get(self, path, cookie=None, method="GET"):
        request = urllib.request.Request(f"{self.url}{path}", method=method,
                                         headers={"cookie": cookie} if cookie else {})
        with urllib.request.urlopen(request, timeout=10) as r:
            return json.loads(r.read())

    def mint(self):
        return self.get("/mint")

    def count(self):
        return self.get("/count")["getSession"]

    def stop(self):
        if self.proc.poll() is None:
            self.proc.stdin.close()
            self.proc.wait(timeout=10)


def start_app(auth, strategy="compact", options=None, base_url=None):
    env = dict(os.environ, BETTER_AUTH_SECRET=auth.secret, BETTER_AUTH_URL=base_url or auth.url,
               SESSION_STRATEGY=strategy, JWTGATE_SESSION_OPTIONS=json.dumps(options or {}))
    env.pop("GET_SESSION_URL", None)
    return start_uvicorn_app("session_apps:app", env)


stop = stop_process


def call(port, host, path, cookie=None, method="GET", headers=()):
    sent = [("Cookie", cookie)] if cookie else []
    status, got, body = send(port, method, path, sent + list(headers), host=host)
    return status, json.loads(body), got


@pytest.fixture
def auth():
    server = BetterAuthServer()
    yield server
    server.stop()


def test_session_cookies_decide_for_their_user_only(auth):
    proc, port = start_app(auth)
    try:
        ada, bob = auth.mint(), auth.mint()
        for host in ("dep", "mw"):
            status, body, _ = call(port, host, f"/api/v1/{ada['userId']}/tasks", ada["cookie"])
            assert (status, body["sub"]) == (200, ada["userId"]), (host, body)
            # The verified user object (no database read) and the identity header.
            assert body["user"]["id"] == ada["userId"] and body["x_user_id"] == ada["userId"]
            status, body, _ = call(port, host, f"/api/v1/{bob['userId']}/tasks", ada["cookie"])
            assert (status, body) == (403, {"detail": "User ID in path does not match authenticated user"})
            status, body, _ = call(port, host, f"/api/v1/{ada['userId']}/tasks")
            assert status == 401
            before = auth.count()
            # Another user's cache beside my session cookie is never read as theirs: it is
            # not bound to my session, so Better Auth is asked, and says it is mine.
            mine = ada["cookie"].split("; ")[0]
            theirs = next(p for p in bob["cookie"].split("; ") if "session_data" in p)
            status, body, _ = call(port, host, f"/api/v1/{bob['userId']}/tasks", f"{mine}; {theirs}")
            assert status == 403, (host, body)
            assert auth.count() == before + 1
        # Fresh caches decided alone: Better Auth was asked only about the unbound ones.
        assert auth.count() == 2
    finally:
        stop(proc)


def test_csrf_and_bearer_with_cookies(auth):
    proc, port = start_app(auth)
    try:
        ada = auth.mint()
        path = f"/api/v1/{ada['userId']}/tasks"
        for host in ("dep", "mw"):
            assert call(port, host, path, ada["cookie"], "POST")[:2] == (403, {"detail": "Missing or null Origin"})
            status, body, _ = call(port, host, path, ada["cookie"], "POST", [("Origin", "https://evil.example")])
            assert (status, body) == (403, {"detail": "Invalid origin"})
            status, body, _ = call(port, host, path, ada["cookie"], "POST", [("Origin", auth.url)])
            assert status == 200, body
            # A bearer token is judged alone: a bad one is refused, cookies never rescue it.
            status, body, _ = call(port, host, path, ada["cookie"], headers=[("Authorization", "Bearer x.y.z")])
            assert status == 401 and body["detail"].startswith("Invalid token"), body
    finally:
        stop(proc)


def test_missing_cache_asks_better_auth_once_and_passes_its_cookie_on(auth):
    proc, port = start_app(auth, options={"session_max_age": 300})
    try:
        ada = auth.mint()
        token_only = ada["cookie"].split("; ")[0]
        path = f"/api/v1/{ada['userId']}/tasks"
        status, body, headers = call(port, "dep", path, token_only)
        assert (status, body["sub"]) == (200, ada["userId"]), body
        assert auth.count() == 1
        # Better Auth re-issued the cache: passed on to the browser.
        assert "session_data=" in headers.get("set-cookie", ""), headers
        # Remembered for the cache's lifetime: no second ask.
        assert call(port, "dep", path, token_only)[0] == 200
        assert auth.count() == 1
        status, body, headers = call(port, "mw", path, token_only)
        assert status == 200 and auth.count() == 2  # the middleware has its own gate
        assert "session_data=" in headers.get("set-cookie", "")
    finally:
        stop(proc)


def test_revoked_session_is_refused_after_the_remembered_answer_ends():
    auth = BetterAuthServer(max_age=1)
    proc, port = start_app(auth, options={"session_max_age": 1})
    try:
        ada = auth.mint()
        token_only = ada["cookie"].split("; ")[0]
        path = f"/api/v1/{ada['userId']}/tasks"
        assert call(port, "dep", path, token_only)[0] == 200
        auth.get("/revoke", ada["cookie"], method="POST")
        time.sleep(1.2)
        status, body, _ = call(port, "dep", path, token_only)
        assert (status, body) == (401, {"detail": "Invalid session"})
    finally:
        stop(proc)
        auth.stop()


def test_better_auth_down_is_503_never_a_pass(auth):
    proc, port = start_app(auth)
    try:
        ada = auth.mint()
        auth.stop()
        token_only = ada["cookie"].split("; ")[0]
        for host in ("dep", "mw"):
            status, body, _ = call(port, host, f"/api/v1/{ada['userId']}/tasks", token_only)
            assert (status, body) == (503, {"detail": "Session service unavailable"}), host
    finally:
        stop(proc)


def test_session_options_are_checked_at_startup():
    secret = "Qe4Lr8Ws1Tz6Yk3Hn9Bv2Md7Cx5Fa0Gp-session-tests"
    with pytest.raises(GateConfigError) as e:
        Gate(secret=secret, session_strategy="compact")
    assert e.value.code == "session_needs_base_url"
    with pytest.raises(GateConfigError) as e:
        Gate(secret=secret, session_strategy="cookies", base_url="https://app.example")
    assert e.value.code == "invalid_session_strategy"
    with pytest.raises(GateConfigError) as e:
        Gate(secret=secret, session_strategy="compact", trusted_origins=["https://a.example/x"])
    assert e.value.code == "invalid_trusted_origin"
    with pytest.raises(GateConfigError) as e:
        Gate(secret=secret, get_session_url="https://a.example")
    assert e.value.code == "invalid_option"
    gate = Gate(secret=secret, session_strategy="compact", base_url="https://app.example")
    assert gate.session_cookie_name == "__Secure-better-auth.session_token"
    assert Gate(secret=secret, base_url="https://app.example").session_cookie_name is None
    assert BetterAuthSession(secret=secret, base_url="http://127.0.0.1:1", get_session_url=False).refresher is None


def test_a_burst_on_one_session_asks_better_auth_once(auth):
    """100 concurrent requests of one session whose cache is missing share one ask."""
    from concurrent.futures import ThreadPoolExecutor

    proc, port = start_app(auth)
    try:
        ada = auth.mint()
        token_only = ada["cookie"].split("; ")[0]
        path = f"/api/v1/{ada['userId']}/tasks"
        with ThreadPoolExecutor(max_workers=50) as pool:
            statuses = list(pool.map(lambda _: call(port, "dep", path, token_only)[0], range(100)))
        assert statuses == [200] * 100
        assert auth.count() == 1
    finally:
        stop(proc)


def test_jwks_strategy_follows_the_plugin_key_set_by_url():
    """The JWT plugin's `sessionCookieCache` (strategy `jwks`) with its key set followed by
    URL (a `RemoteGate`: nothing fetched at startup, the first request fetches it), in the
    dependency and the middleware: caches decide alone; a cache whose signature is not the
    key set's cannot, so Better Auth is asked, and its answer decides."""
    server = BetterAuthServer("jwks")
    try:
        # A key set also verifies the plugin's tokens, whose iss and aud are the app's URL.
        options = {"jwks_url": f"{server.url}/api/auth/jwks", "issuer": server.url, "audience": server.url}
        proc, port = start_app(server, "jwks", options)
        try:
            ada, bob = server.mint(), server.mint()
            before = server.count()
            for host in ("dep", "mw"):
                status, body, _ = call(port, host, f"/api/v1/{ada['userId']}/tasks", ada["cookie"])
                assert (status, body["sub"], body["user"]["id"]) == (200, ada["userId"], ada["userId"]), (host, body)
                status, body, _ = call(port, host, f"/api/v1/{bob['userId']}/tasks", ada["cookie"])
                assert (status, body) == (403, {"detail": "User ID in path does not match authenticated user"})
            assert server.count() == before, "fresh jwks caches decide without Better Auth"
            # One byte of the cache's signature changed: not the key set's, so not read.
            pairs = ada["cookie"].split("; ")
            data = next(i for i, p in enumerate(pairs) if "session_data" in p)
            last = pairs[data][-1]
            pairs[data] = pairs[data][:-1] + ("A" if last != "A" else "B")
            status, body, _ = call(port, "dep", f"/api/v1/{ada['userId']}/tasks", "; ".join(pairs))
            assert (status, body["sub"]) == (200, ada["userId"]), body
            assert server.count() == before + 1, "the refresh asked Better Auth once"
        finally:
            stop(proc)
    finally:
        server.stop()
