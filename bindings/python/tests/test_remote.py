"""Remote key sets (`Gate.from_jwks_url`, `BetterAuth(jwks_url=...)`,
`GateMiddleware(jwks_url=...)`) against a key server in its own process on 127.0.0.1 that
counts requests (keyserver.py): max-age, Cache-Control, cooldown, single flight, timeout,
stale-on-error, 503 while unavailable, recovery, an event loop that keeps running during a
fetch; and against a real uvicorn serving apps that follow the key set with one line."""
import asyncio
import base64
import json
import os
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from jwtgate import Gate, GateConfigError, GateError, RemoteGate
from jwtgate.asgi import GateMiddleware
from jwtgate.fastapi import BetterAuth
from conftest import send, start_uvicorn_app, stop_process

HERE = Path(__file__).resolve().parent
APP = "https://app.example"
SECRET = "Tq4Nc8Wz1Ls6Hb3Ye9Pv5Kd2Rm7Gx0Ja"


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class Key:
    def __init__(self, kid):
        self.kid = kid
        self.private = Ed25519PrivateKey.generate()
        raw = self.private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        self.jwk = {"kty": "OKP", "crv": "Ed25519", "x": b64(raw), "kid": kid, "alg": "EdDSA"}

    def mint(self, sub="u1", kid=None, lifetime=900):
        now = int(time.time())
        header = {"alg": "EdDSA", "kid": kid or self.kid, "typ": "JWT"}
        claims = {"sub": sub, "email": f"{sub}@example.com", "name": sub, "iat": now, "exp": now + lifetime,
                  "iss": APP, "aud": APP}
        signing = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(claims).encode())}"
        return f"{signing}.{b64(self.private.sign(signing.encode()))}"


def jwks(*keys):
    return json.dumps({"keys": [k.jwk for k in keys]})


class KeyServer:
    def __init__(self):
        self.proc = subprocess.Popen([sys.executable, str(HERE / "keyserver.py")], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True)
        self.port = int(self.proc.stdout.readline())
        self.url = f"http://127.0.0.1:{self.port}/jwks"

    def control(self, **state):
        req = urllib.request.Request(f"http://127.0.0.1:{self.port}/control", data=json.dumps(state).encode(),
                                     method="POST")
        urllib.request.urlopen(req, timeout=5).read()

    @property
    def count(self):
        return json.loads(urllib.request.urlopen(f"http://127.0.0.1:{self.port}/count", timeout=5).read())["jwks"]

    def close(self):
        self.proc.stdin.close()
        self.proc.wait(timeout=10)


@pytest.fixture
def server():
    s = KeyServer()
    yield s
    s.close()


@pytest.fixture
def key():
    return Key("k1")


OPTS = {"issuer": APP, "audience": APP}


def test_import_jwtgate_imports_no_http_client():
    code = "import sys, jwtgate, jwtgate.asgi; assert 'httpx' not in sys.modules, 'httpx imported'"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_built_at_import_fetches_nothing(server, key):
    server.control(body=jwks(key))
    BetterAuth(jwks_url=server.url, **OPTS)
    GateMiddleware(lambda *a: None, jwks_url=server.url, **OPTS)
    RemoteGate(server.url, **OPTS)
    assert server.count == 0


def test_fetch_once_then_cached_until_max_age(server, key):
    server.control(body=jwks(key))

    async def run():
        gate = await Gate.from_jwks_url(server.url, cache_max_age=400, cooldown=0, **OPTS)
        assert isinstance(gate, RemoteGate)
        assert server.count == 1
        for _ in range(50):
            assert (await gate.verify_async(key.mint()))["sub"] == "u1"
        assert gate.verify(key.mint())["sub"] == "u1"
        assert server.count == 1
        await asyncio.sleep(0.5)
        assert (await gate.verify_async(key.mint()))["sub"] == "u1"
        assert server.count == 2, "stale after cache_max_age: refetched once"

    asyncio.run(run())


def test_response_cache_control_wins(server, key):
    server.control(body=jwks(key), cache_control="public, max-age=1")

    async def run():
        gate = await Gate.from_jwks_url(server.url, cache_max_age=600_000, cooldown=0, **OPTS)
        await gate.verify_async(key.mint())
        assert server.count == 1
        await asyncio.sleep(1.1)
        await gate.verify_async(key.mint())
        assert server.count == 2

    asyncio.run(run())


def test_unknown_kid_refetches_once_per_cooldown_and_rotation_works(server, key):
    server.control(body=jwks(key))
    new = Key("k2")

    async def run():
        gate = await Gate.from_jwks_url(server.url, cooldown=600, **OPTS)
        # A rotated-in key: the first token with its kid refetches, and is accepted.
        await asyncio.sleep(0.7)
        server.control(body=jwks(key, new))
        assert (await gate.verify_async(new.mint("u2")))["sub"] == "u2"
        assert server.count == 2
        # Random kids: inside the cooldown, no fetch at all.
        for i in range(20):
            with pytest.raises(GateError) as e:
                await gate.verify_async(key.mint(kid=f"random-{i}"))
            assert e.value.code == "unknown_key" and e.value.status == 401
        assert server.count == 2
        await asyncio.sleep(0.7)
        with pytest.raises(GateError):
            await gate.verify_async(key.mint(kid="random-x"))
        assert server.count == 3, "after the cooldown: one more"

    asyncio.run(run())


def test_single_flight_100_concurrent_unknown_kid(server, key):
    server.control(body=jwks(key))
    new = Key("k2")

    async def run():
        gate = await Gate.from_jwks_url(server.url, cooldown=0, **OPTS)
        server.control(body=jwks(key, new), delay=0.3)
        tokens = [new.mint(f"user{i}") for i in range(100)]
        results = await asyncio.gather(*(gate.verify_async(t) for t in tokens))
        assert [r["sub"] for r in results] == [f"user{i}" for i in range(100)]
        assert server.count == 2, "100 concurrent unknown kids: one fetch"
        # And the same for kids no set will ever hold.
        server.control(reset_count=True)
        bad = [key.mint(kid=f"nobody-{i}") for i in range(100)]
        answers = await asyncio.gather(*(gate.verify_async(t) for t in bad), return_exceptions=True)
        assert all(isinstance(a, GateError) and a.code == "unknown_key" for a in answers)
        assert server.count == 1

    asyncio.run(run())


def test_first_requests_share_one_fetch(server, key):
    server.control(body=jwks(key), delay=0.3)

    async def run():
        gate = RemoteGate(server.url, **OPTS)
        args = ("GET", "/api/v1/u1/tasks", "", "/api/v1/u1/tasks", [f"Bearer {key.mint()}".encode()])
        results = await asyncio.gather(*(gate.decide_asgi_async(*args) for _ in range(100)))
        assert all(claims["sub"] == "u1" for claims, _ in results)
        assert server.count == 1

    asyncio.run(run())


def test_timeout(server, key):
    server.control(body=jwks(key), delay=3)
    started = time.monotonic()
    with pytest.raises(GateConfigError) as e:
        asyncio.run(Gate.from_jwks_url(server.url, timeout=300, **OPTS))
    assert e.value.code == "jwks_unavailable"
    assert time.monotonic() - started < 2
    started = time.monotonic()
    with pytest.raises(GateConfigError):
        Gate.from_jwks_url_sync(server.url, timeout=300, **OPTS)
    assert time.monotonic() - started < 2


@pytest.mark.parametrize("state", [
    {"status": 500},
    {"status": 302, "location": "http://127.0.0.1:1/elsewhere"},
    {"body": "not json"},
    {"size": 70_000},
])
def test_stale_on_error_and_what_counts_as_failure(server, key, state):
    server.control(body=jwks(key))

    async def run():
        gate = await Gate.from_jwks_url(server.url, cache_max_age=0, cooldown=300, **OPTS)
        server.control(**state)
        await asyncio.sleep(0.35)  # stale, and past the cooldown of the first fetch
        for _ in range(20):
            assert (await gate.verify_async(key.mint()))["sub"] == "u1", "last good set kept"
        assert server.count == 2, "a failed refresh is retried once per cooldown, not per request"
        await asyncio.sleep(0.35)
        await gate.verify_async(key.mint())
        assert server.count == 3

    asyncio.run(run())
    # Without a good set first, the same answers are failures of from_jwks_url.
    server.control(reset_count=True)
    with pytest.raises(GateConfigError):
        asyncio.run(Gate.from_jwks_url(server.url, **OPTS))


def test_event_loop_keeps_running_while_the_key_server_stalls(server, key):
    server.control(body=jwks(key), delay=1.0)

    async def run():
        ticks = []
        stop = asyncio.Event()

        async def heartbeat():
            while not stop.is_set():
                ticks.append(time.monotonic())
                await asyncio.sleep(0.01)

        beat = asyncio.create_task(heartbeat())
        await asyncio.sleep(0.05)
        gate = RemoteGate(server.url, timeout=5000, **OPTS)
        claims = await gate.verify_async(key.mint())  # waits ~1 s for the stalled server
        # Timed out against a stalled server: a 503, and the loop kept going too.
        server.control(delay=2.0, cache_control="no-store", body=jwks(key))
        slow = RemoteGate(server.url, timeout=500, **OPTS)
        with pytest.raises(GateError) as e:
            await slow.verify_async(key.mint())
        stop.set()
        await beat
        gaps = [b - a for a, b in zip(ticks, ticks[1:])]
        return claims, e.value, max(gaps), len(ticks)

    claims, error, gap, count = asyncio.run(run())
    assert claims["sub"] == "u1"
    assert (error.status, error.code) == (503, "jwks_unavailable")
    assert gap < 0.25, f"the event loop stalled for {gap:.3f} s"
    assert count > 60


def test_plain_methods_never_block_a_running_loop(server, key):
    server.control(body=jwks(key))

    async def run():
        gate = await Gate.from_jwks_url(server.url, cache_max_age=0, cooldown=0, **OPTS)
        server.control(delay=1.0)
        started = time.monotonic()
        assert gate.verify(key.mint())["sub"] == "u1"  # the set in use; refresh in background
        assert time.monotonic() - started < 0.2
        with pytest.raises(RuntimeError):
            gate.refresh_sync()
        await asyncio.sleep(1.3)
        assert server.count == 2

    asyncio.run(run())


def test_sync_gate_in_threads(server, key):
    server.control(body=jwks(key))
    gate = Gate.from_jwks_url_sync(server.url, cooldown=200, **OPTS)
    new = Key("k2")
    server.control(body=jwks(key, new), delay=0.2)
    time.sleep(0.25)  # past the cooldown of the first fetch
    token = new.mint("u2")
    results = []

    def worker():
        try:
            results.append(gate.verify(token)["sub"])
        except GateError as error:
            results.append(error.code)

    threads = [threading.Thread(target=worker) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == ["u2"] * 20
    assert server.count == 2, "20 threads, one fetch"


def test_options_are_checked_before_any_fetch(server, key):
    server.control(body=jwks(key))
    cases = [
        (lambda: Gate(secret=SECRET, jwks_url=server.url), "invalid_option"),
        (lambda: Gate(secret=SECRET, cooldown=1), "unknown_option"),
        (lambda: Gate(secret=SECRET, cache_max_age=1), "unknown_option"),
        (lambda: RemoteGate(server.url, jwks=jwks(key), **OPTS), "invalid_option"),
        (lambda: RemoteGate(server.url, secret="short", **OPTS), "secret_too_short"),
        (lambda: RemoteGate(server.url, origin_token="hs256", **OPTS), "origin_token_needs_secret"),
        (lambda: RemoteGate(server.url, issuer=APP), "jwks_needs_issuer_and_audience"),
        (lambda: RemoteGate(server.url, timeout=-1, **OPTS), "invalid_number"),
        (lambda: RemoteGate(server.url, cooldown=1.5, **OPTS), "invalid_number"),
        (lambda: RemoteGate("ftp://example.com/jwks", **OPTS), "invalid_option"),
        (lambda: BetterAuth(jwks_url=server.url, bogus=1, **OPTS), "unknown_option"),
    ]
    for make, code in cases:
        with pytest.raises(GateConfigError) as e:
            make()
        assert e.value.code == code, (e.value, code)
    assert server.count == 0


# -- a real uvicorn, apps that follow the key set with one line ---------------------------

def start_uvicorn(url, options):
    env = dict(os.environ, JWTGATE_JWKS_URL=url, JWTGATE_REMOTE_OPTIONS=json.dumps(options))
    return start_uvicorn_app("remote_apps:app", env, "--lifespan", "on")


stop = stop_process


def get(port, host, path, token=None):
    headers = [("Authorization", f"Bearer {token}")] if token else []
    status, _, body = send(port, "GET", path, headers, host=host)
    return status, json.loads(body)


def test_uvicorn_503_while_unavailable_then_recovery(server, key):
    server.control(status=500)
    proc, port = start_uvicorn(server.url, {**OPTS, "cooldown": 300})
    try:
        for host in ("mw", "dep"):
            assert get(port, host, "/api/v1/u1/tasks", key.mint()) == (503, {"detail": "Authentication keys unavailable"})
            assert get(port, host, "/health") == (200, {"ok": True})
        fetched = server.count
        assert 1 <= fetched <= 2, "failures retried once per cooldown, not per request"
        server.control(status=200, body=jwks(key))
        time.sleep(0.35)
        for host in ("mw", "dep"):
            status, body = get(port, host, "/api/v1/u1/tasks", key.mint())
            assert (status, body["sub"]) == (200, "u1"), host
        status, body = get(port, "mw", "/api/v1/u2/tasks", key.mint("u1"))
        assert status == 403
    finally:
        stop(proc)


def test_uvicorn_lifespan_prefetch_and_bridge(server, key):
    server.control(body=jwks(key))
    proc, port = start_uvicorn(server.url, {**OPTS, "secret": SECRET, "origin_token": "hs256"})
    try:
        deadline = time.time() + 5
        while server.count == 0 and time.time() < deadline:
            time.sleep(0.05)
        assert server.count == 1, "fetched at startup (lifespan), before any request"
        status, body = get(port, "mw", "/api/v1/u1/tasks", key.mint())
        assert status == 200 and body["x-user-id"] == "u1"
        # The bridge: the app behind the middleware gets an HS256 token in the spec's shape.
        bridged = body["authorization"].removeprefix("Bearer ")
        assert json.loads(base64.urlsafe_b64decode(bridged.split(".")[0] + "=="))["alg"] == "HS256"
        assert Gate(secret=SECRET).verify(bridged)["sub"] == "u1"
        assert server.count == 1
    finally:
        stop(proc)


# -- the real better-auth package: its jwt() plugin's tokens and key rotation ---------------

@pytest.fixture
def better_auth():
    proc = subprocess.Popen(["node", str(HERE / "better_auth_app.mjs"), "1"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    if not line:
        proc.kill()
        raise RuntimeError("the Better Auth app did not start")
    url = json.loads(line)["url"]
    yield url
    proc.stdin.close()
    proc.wait(timeout=10)


def mint_better_auth(url, email):
    with urllib.request.urlopen(f"{url}/mint?email={email}", timeout=10) as r:
        return json.loads(r.read())


def test_real_better_auth_tokens_and_key_rotation(better_auth):
    url = better_auth
    count = lambda: json.loads(urllib.request.urlopen(f"{url}/count", timeout=5).read())["jwks"]  # noqa: E731
    proc, port = start_uvicorn(f"{url}/api/auth/jwks", {"issuer": url, "audience": url, "cooldown": 500})
    try:
        ada = mint_better_auth(url, "ada@example.com")
        for host in ("dep", "mw"):
            status, body = get(port, host, f"/api/v1/{ada['userId']}/tasks", ada["token"])
            assert (status, body["sub"]) == (200, ada["userId"]), (host, body)
        before = count()
        # rotationInterval 1 s: the next token is signed with a new key.
        time.sleep(1.2)
        grace = mint_better_auth(url, "grace@example.com")
        assert grace["kid"] != ada["kid"], "Better Auth rotated its key"
        for host in ("dep", "mw"):
            status, body = get(port, host, f"/api/v1/{grace['userId']}/tasks", grace["token"])
            assert (status, body["sub"]) == (200, grace["userId"]), (host, body)
            # The old key stays published for its grace period: old tokens still pass.
            status, _ = get(port, host, f"/api/v1/{ada['userId']}/tasks", ada["token"])
            assert status == 200
        # Each of the two apps (two gates) refetched once for the new kid, and only once.
        assert count() - before == 2
        status, body = get(port, "mw", f"/api/v1/{ada['userId']}/tasks", grace["token"])
        assert status == 403
    finally:
        stop(proc)
