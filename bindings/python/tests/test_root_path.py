"""The path judged is the one the app routes (issue: one host contract in the core). Behind
`uvicorn --root-path /backend`, inside `app.mount("/backend", sub)` and with
`FastAPI(root_path="/backend")`, ASGI's `raw_path` carries the prefix; the core
(`Mount::Asgi`) judges the routed path, so a `u1` token never reads `/api/v1/u2/tasks`
and the middleware never lets a request under the prefix through without a token. Real
uvicorn processes, raw HTTP/1.1 requests."""
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import free_port, send
from test_gate import mint

HERE = Path(__file__).resolve().parent
SECRET = "Tq4Nc8Wz1Ls6Hb3Ye9Pv5Kd2Rm7Gx0Ja"


def serve(*args):
    port = free_port()
    env = dict(os.environ, JWTGATE_TEST_SECRET=SECRET)
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "rooted_apps:app", "--app-dir", str(HERE), "--host", "127.0.0.1",
         "--port", str(port), "--log-level", "warning", "--no-access-log", "--lifespan", "on", *args],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    deadline = time.time() + 60
    while True:
        try:
            send(port, "GET", "/", [], host="dep")
            return proc, port
        except OSError:
            if proc.poll() is not None or time.time() > deadline:
                proc.kill()
                raise RuntimeError(f"uvicorn did not start: {proc.stdout.read().decode()[-2000:]}")
            time.sleep(0.2)


@pytest.fixture(scope="module")
def servers():
    started = {"root-path": serve("--root-path", "/backend"), "plain": serve()}
    yield {name: port for name, (_, port) in started.items()}
    for proc, _ in started.values():
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def bearer(sub="u1"):
    now = int(time.time())
    return [("Authorization", "Bearer " + mint({"sub": sub, "email": "a@example.com", "iat": now, "exp": now + 900}, SECRET))]


def get(servers, server, host, target, headers=()):
    status, response_headers, body = send(servers[server], "GET", target, list(headers), host=host)
    return status, json.loads(body) if body else None, response_headers


# (server, host prefix, the target the client sends): uvicorn --root-path gets requests from
# a proxy that stripped /backend; a mount and FastAPI(root_path=...) behind a proxy that
# keeps it get /backend/...; FastAPI(root_path=...) also routes the unprefixed form.
FORMS = [
    ("root-path", "", "/api/v1/{user}/tasks"),
    ("plain", "mount-", "/backend/api/v1/{user}/tasks"),
    ("plain", "rp-", "/backend/api/v1/{user}/tasks"),
    ("plain", "rp-", "/api/v1/{user}/tasks"),
]
MISMATCH = "User ID in path does not match authenticated user"
MISSING = "Missing or invalid Authorization header"


@pytest.mark.parametrize("server,prefix,target", FORMS)
def test_the_dependency_judges_the_routed_path(servers, server, prefix, target):
    host = prefix + "dep"
    status, body, headers = get(servers, server, host, target.format(user="u2"), bearer("u1"))
    assert (status, body) == (403, {"detail": MISMATCH}), (host, target)
    assert headers["cache-control"] == "no-store"
    status, body, _ = get(servers, server, host, target.format(user="u1") + "?page=2", bearer("u1"))
    assert (status, body) == (200, {"sub": "u1", "route": "u1"})
    status, body, headers = get(servers, server, host, target.format(user="u1"))
    assert (status, body, headers["www-authenticate"]) == (401, {"detail": MISSING}, "Bearer")


@pytest.mark.parametrize("server,prefix,target", FORMS)
def test_the_middleware_judges_the_routed_path(servers, server, prefix, target):
    host = prefix + "mw"
    status, body, headers = get(servers, server, host, target.format(user="u2"))
    assert (status, body) == (401, {"detail": MISSING}), (host, target)
    assert (headers["www-authenticate"], headers["cache-control"]) == ("Bearer", "no-store")
    assert headers["content-type"] == "application/json"
    status, body, _ = get(servers, server, host, target.format(user="u2"), bearer("u1"))
    assert (status, body) == (403, {"detail": MISMATCH})
    status, body, _ = get(servers, server, host, target.format(user="u1"), bearer("u1"))
    assert (status, body) == (200, {"sub": "u1", "route": "u1"})


@pytest.mark.parametrize("kind", ["dep", "mw"])
def test_raw_and_decoded_paths_that_disagree_are_refused(servers, kind):
    # Starlette routes /back%65nd/... into the /backend mount by its decoded path; the raw
    # target does not start with the mount's bytes: the core will not guess (400).
    status, body, _ = get(servers, "plain", f"mount-{kind}", "/back%65nd/api/v1/u2/tasks", bearer("u1"))
    assert (status, body) == (400, {"detail": "Invalid request path"})


def test_outside_the_mount_the_outer_app_routes(servers):
    # The outer app has no route there: 404 from the router, never the sub-app's 200.
    status, _, _ = get(servers, "plain", "mount-mw", "/api/v1/u2/tasks")
    assert status == 404
