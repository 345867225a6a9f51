"""The binding only translates (issue: one host contract in the core): every Authorization
line goes to the core (a repeated header is refused), an oversized one is judged by its
head, the middleware applies the core's in-process origin plan (identity headers) and
answers refusals with every header of the core's; options, config messages and refusal
codes come from the core's tables."""
import time
import typing

import pytest
from fastapi import Depends, FastAPI, Request
from fastapi.testclient import TestClient

import inspect

import jwtgate
from jwtgate import Gate, GateConfigError, GateError
from jwtgate._options import NOT_IN_PYTHON
from jwtgate.asgi import GateMiddleware
from jwtgate.errors import RefusalCode
from jwtgate.fastapi import BetterAuth
from test_gate import NOW, claims, mint

SECRET = "Tq4Nc8Wz1Ls6Hb3Ye9Pv5Kd2Rm7Gx0Ja"
MAX = jwtgate._jwtgate.MAX_AUTHORIZATION_BYTES


def bearer(sub="u1"):
    """For calls that pass now=NOW."""
    return "Bearer " + mint(claims(sub=sub), SECRET)


def live(sub="u1"):
    """For requests through the apps (the real clock)."""
    return "Bearer " + mint(claims(sub=sub, iat=int(time.time())), SECRET)


def apps(**options):
    mw = FastAPI()
    mw.add_middleware(GateMiddleware, secret=SECRET, **options)

    @mw.get("/{rest:path}")
    async def echo(request: Request):
        state = getattr(request.state, "claims", None)
        return {"sub": state and state["sub"], "headers": [[n.decode(), v.decode()] for n, v in request.scope["headers"]]}

    dep = FastAPI()
    auth = BetterAuth(secret=SECRET)

    @dep.get("/{rest:path}")
    async def user(request: Request, claims: dict = Depends(auth)):
        identity = [[n, v] for n, v in request.headers.items() if n.startswith("x-user-")]
        return {"sub": claims["sub"], "identity": identity}

    return TestClient(mw), TestClient(dep)


def code_of(call):
    with pytest.raises(GateError) as e:
        call()
    return e.value.code


def test_every_authorization_line_goes_to_the_core():
    gate = Gate(secret=SECRET)
    good = bearer()
    path = "/api/v1/u1/tasks"
    for second in (good, "Basic x"):
        combined = code_of(lambda: gate.authorize("GET", path, f"{good}, {second}", now=NOW))
        lines = [good.encode(), second.encode()]
        assert code_of(lambda: gate.authorize_asgi("GET", path, "", path, lines, now=NOW)) == combined
        assert code_of(lambda: gate.decide_asgi("GET", path, "", path, lines, now=NOW)) == combined
    assert gate.authorize_asgi("GET", path, "", path, [good.encode()], now=NOW)["sub"] == "u1"
    assert code_of(lambda: gate.authorize_asgi("GET", path, "", path, [], now=NOW)) == "missing_authorization"


def test_a_repeated_header_is_refused_by_the_dependency_and_the_middleware():
    mw, dep = apps()
    twice = [("Authorization", live()), ("Authorization", live())]
    # The first-line-only reading let this through (200); the core refuses the combination.
    for client in (mw, dep):
        r = client.get("/api/v1/u1/tasks", headers=twice)
        assert r.status_code == 401, r.text
        assert r.headers["cache-control"] == "no-store"


def test_oversized_authorization_is_judged_by_its_head():
    gate = Gate(secret=SECRET)
    huge = "Bearer " + "a" * (4 * MAX)
    path = "/api/v1/u1/tasks"
    assert code_of(lambda: gate.authorize("GET", path, huge, now=NOW)) == "token_too_large"
    assert code_of(lambda: gate.authorize("GET", path, " \tBearer " + "a" * MAX, now=NOW)) == "token_too_large"
    assert code_of(lambda: gate.authorize("GET", path, "Basic " + "a" * MAX, now=NOW)) == "missing_authorization"
    assert code_of(lambda: gate.authorize("G(T", path, huge, now=NOW)) == "invalid_method"
    for lines, want in (([huge.encode()], "token_too_large"),
                        ([b"Basic " + b"a" * MAX], "missing_authorization"),
                        ([b"Bearer " + b"a" * (MAX // 2)] * 3, "token_too_large"),
                        ([b"\xe9" * (MAX + 1)], "missing_authorization")):
        assert code_of(lambda: gate.authorize_asgi("GET", path, "", path, lines, now=NOW)) == want
        assert code_of(lambda: gate.decide_asgi("GET", path, "", path, lines, now=NOW)) == want
    # Outside the prefix the middleware needs no token, whatever its size.
    assert gate.decide_asgi("GET", "/health", "", "/health", [huge.encode()], now=NOW)[0] is None
    # Just at the limit: read whole, judged as any other token.
    at_limit = "Bearer " + "a" * (MAX - 7)
    assert code_of(lambda: gate.authorize("GET", path, at_limit, now=NOW)) == "malformed_token"
    assert code_of(lambda: gate.authorize_asgi("GET", path, "", path, [at_limit.encode()], now=NOW)) == "malformed_token"


def test_the_middleware_replaces_client_identity_headers():
    mw, _ = apps()
    forged = [("X-User-Id", "admin"), ("x-user-EMAIL", "root@example.com"), ("X-Other", "kept")]
    r = mw.get("/api/v1/u1/tasks", headers=[*forged, ("Authorization", live())])
    assert r.status_code == 200, r.text
    headers = r.json()["headers"]
    identity = [(n, v) for n, v in headers if n.lower() in ("x-user-id", "x-user-email")]
    assert identity == [("x-user-id", "u1"), ("x-user-email", "ada@example.com")]
    assert ["x-other", "kept"] in headers
    # Outside the prefix: no identity, and the client's never passes.
    r = mw.get("/health", headers=forged)
    assert r.json()["sub"] is None
    assert [n for n, _ in r.json()["headers"] if n.lower().startswith("x-user")] == []


def test_the_dependency_replaces_client_identity_headers():
    _, dep = apps()
    forged = [("X-User-Id", "admin"), ("x-user-EMAIL", "root@example.com")]
    r = dep.get("/api/v1/u1/tasks", headers=[*forged, ("Authorization", live())])
    assert r.status_code == 200, r.text
    # What the route reads from request.headers is the verified identity, never the client's.
    assert r.json()["identity"] == [["x-user-id", "u1"], ["x-user-email", "ada@example.com"]]


def test_the_middleware_can_hand_the_app_the_bridge_token():
    mw, _ = apps(origin_token="hs256")
    r = mw.get("/api/v1/u1/tasks", headers=[("Authorization", live())])
    sent = dict((n, v) for n, v in r.json()["headers"])
    assert sent["authorization"].startswith("Bearer ")
    assert [n for n, _ in r.json()["headers"]].count("authorization") == 1
    assert Gate(secret=SECRET).verify(sent["authorization"][7:])["sub"] == "u1"


def test_refusals_carry_every_core_header():
    mw, dep = apps()
    for client in (mw, dep):
        r = client.get("/api/v1/u1/tasks")
        assert (r.status_code, r.headers["www-authenticate"], r.headers["cache-control"]) == (401, "Bearer", "no-store")
        assert r.headers["content-type"].startswith("application/json")
        r = client.get("/api/v1/u2/tasks", headers=[("Authorization", live())])
        assert (r.status_code, r.headers["cache-control"]) == (403, "no-store")
        assert "www-authenticate" not in r.headers
    e = jwtgate._jwtgate.refusal("token_expired")
    assert e.response_headers == (("content-type", "application/json"), ("cache-control", "no-store"),
                                  ("www-authenticate", 'Bearer error="invalid_token"'))


def test_options_are_the_cores_table():
    core = set(jwtgate._jwtgate.CORE_OPTIONS)
    python = set(jwtgate._jwtgate.OPTION_NAMES)
    assert python <= core
    remote = set(jwtgate._jwtgate.REMOTE_OPTION_NAMES) | {jwtgate._jwtgate.JWKS_URL_OPTION}
    # Every core option has a Python entry point: Gate(...), or Gate.from_jwks_url(url, ...)
    # and the jwks_url= keyword of BetterAuth / GateMiddleware, or the get_session_url=
    # keyword of BetterAuthSession / GateMiddleware.
    assert NOT_IN_PYTHON == ()
    session_url = jwtgate._jwtgate.GET_SESSION_URL_OPTION
    assert session_url == "get_session_url"
    from jwtgate.fastapi import BetterAuthSession

    for cls in (BetterAuthSession, GateMiddleware):
        assert session_url in inspect.signature(cls.__init__).parameters, cls
    assert core - python - {"secret", session_url} == remote
    assert remote == {"jwks_url", "cache_max_age", "cooldown", "timeout"}
    typed = set(jwtgate.RemoteOptions.__annotations__) - set(jwtgate.GateOptions.__annotations__)
    assert typed == set(jwtgate._jwtgate.REMOTE_OPTION_NAMES)
    for name in ("BetterAuth", "GateMiddleware"):
        cls = BetterAuth if name == "BetterAuth" else GateMiddleware
        assert "jwks_url" in inspect.signature(cls.__init__).parameters, name
    assert set(jwtgate.GateOptions.__annotations__) == python
    assert len(jwtgate._jwtgate.CORE_OPTIONS_JS) == len(jwtgate._jwtgate.CORE_OPTIONS)
    assert "previousSecrets" in jwtgate._jwtgate.CORE_OPTIONS_JS


def test_new_options_are_validated_by_the_core():
    Gate(secret=SECRET, origin_token="forward", trusted_proxies=2, cookie_prefix="my-app",
         strip_cookies="a, b", forward_auth_cookies=True)
    Gate(secret=SECRET, origin_token="hs256", strip_cookies=["sid"])
    cases = [
        (dict(origin_token="bogus"), "origin_token_invalid", None),
        (dict(cookie_prefix="a b"), "invalid_cookie_name", "cookie_prefix"),
        (dict(strip_cookies=["ok", "bad name"]), "invalid_cookie_name", "strip_cookies[1]"),
        (dict(trusted_proxies=256), "invalid_number", "trusted_proxies"),
        (dict(forward_auth_cookies="yes"), "invalid_option", "forward_auth_cookies"),
        (dict(self_routes=["/elsewhere"]), "invalid_self_route", "self_routes[0]"),
        (dict(min_lifetime_seconds=10, max_lifetime_seconds=5), "invalid_lifetime_window",
         "min_lifetime_seconds must not exceed max_lifetime_seconds"),
    ]
    for options, code, said in cases:
        with pytest.raises(GateConfigError) as e:
            Gate(secret=SECRET, **options)
        assert e.value.code == code, options
        if said:
            assert said in e.value.message, e.value.message
        assert "Cookies" not in e.value.message and "Routes" not in e.value.message


def test_refusal_codes_are_the_cores():
    assert typing.get_args(RefusalCode) == jwtgate.ERROR_CODES
    for code in jwtgate.ERROR_CODES:
        assert jwtgate._jwtgate.refusal(code).code == code


def test_the_clock_is_the_cores():
    gate = Gate(secret=SECRET, cache_size=0)
    token = mint(claims(), SECRET)
    assert gate.verify(token, now=NOW + 0.999)["sub"] == "user-1"
    assert code_of(lambda: gate.verify(token, now=float("-inf"))) == "issued_in_future"
