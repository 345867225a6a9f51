"""The binding's own surface: claims, refusals, configuration errors, clock, pickling,
types, and that the tests run against the installed wheel."""
import ast
import base64
import hashlib
import hmac
import json
import math
import pickle
import sysconfig
from pathlib import Path

import pytest

import jwtgate
from jwtgate import Gate, GateConfigError, GateError

SECRET = "Kq7Vb2Nx9Lr4Tz8Wm3Hc6Jd1Pf5Sg0Ya"
NOW = 1_767_225_600


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def mint(claims, secret=SECRET, header=None):
    """Signed independently of jwtgate (hmac + json)."""
    head = b64(json.dumps(header or {"alg": "HS256", "typ": "JWT"}).encode())
    body = b64(json.dumps(claims).encode())
    sig = hmac.new(secret.encode(), f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{b64(sig)}"


def claims(sub="user-1", iat=NOW, ttl=900, **extra):
    return {"sub": sub, "email": "ada@example.com", "name": "Ada", "iat": iat, "exp": iat + ttl, **extra}


def test_runs_against_the_installed_wheel():
    site = Path(sysconfig.get_paths()["purelib"]).resolve()
    assert Path(jwtgate.__file__).resolve().is_relative_to(site), jwtgate.__file__
    native = Path(jwtgate._jwtgate.__file__).name
    assert native.endswith(".abi3.so"), native
    for name in ("py.typed", "_jwtgate.pyi"):
        assert (Path(jwtgate.__file__).parent / name).is_file(), name


def test_verify_returns_every_claim_as_a_new_dict():
    gate = Gate(secret=SECRET)
    token = mint(claims(roles=["a", "b"], nested={"x": 1.5}))
    first = gate.verify(token, now=NOW)
    assert first == claims(roles=["a", "b"], nested={"x": 1.5})
    first["sub"] = "someone-else"
    first["roles"].append("admin")
    # The cache answers the repeat; the caller still gets a fresh, unmodified dict.
    assert gate.verify(token, now=NOW + 10) == claims(roles=["a", "b"], nested={"x": 1.5})


@pytest.mark.parametrize("cache_size", [1, 2, 256])
def test_cached_claims_are_a_new_dict_of_the_right_token(cache_size):
    # Scalar-only claims of a cached token are copied from the dict parsed the first time;
    # slots are replaced as tokens alternate (1 slot: every call evicts the other token).
    gate = Gate(secret=SECRET, cache_size=cache_size)
    tokens = {f"user-{i}": mint(claims(sub=f"user-{i}", flag=True, score=1.5, note=None)) for i in range(3)}
    for round_ in range(4):
        for sub, token in tokens.items():
            got = gate.verify(token, now=NOW + round_)
            assert got == claims(sub=sub, flag=True, score=1.5, note=None)
            got["sub"] = "changed"
            got["extra"] = 1
            auth = gate.authorize("GET", f"/api/v1/{sub}/x", f"Bearer {token}", now=NOW + round_)
            assert auth == claims(sub=sub, flag=True, score=1.5, note=None)


@pytest.mark.parametrize("cache_size", [0, 1, 256])
def test_refusals_carry_status_code_detail_and_challenge(cache_size):
    gate = Gate(secret=SECRET, cache_size=cache_size)
    token = mint(claims())
    gate.verify(token, now=NOW)
    with pytest.raises(GateError) as e:
        gate.verify(token, now=NOW + 900)
    err = e.value
    assert (err.status, err.code, err.detail) == (401, "token_expired", "Token expired")
    assert err.www_authenticate == 'Bearer error="invalid_token"'
    assert str(err) == "Token expired"
    assert err.body == {"detail": "Token expired"}
    assert err.headers == {"WWW-Authenticate": 'Bearer error="invalid_token"'}

    with pytest.raises(GateError) as e:
        gate.authorize("GET", "/api/v1/user-1/tasks", None, now=NOW)
    assert (e.value.status, e.value.code, e.value.www_authenticate) == (401, "missing_authorization", "Bearer")
    with pytest.raises(GateError) as e:
        gate.authorize("GET", "/api/v1/user-2/tasks", f"Bearer {token}", now=NOW)
    assert (e.value.status, e.value.code, e.value.www_authenticate) == (403, "user_mismatch", None)
    assert e.value.detail == "User ID in path does not match authenticated user"
    assert gate.authorize("GET", "/api/v1/user-1/tasks", f"Bearer {token}", now=NOW)["sub"] == "user-1"


def test_the_spec_500s_are_401s_here():
    gate = Gate(secret=SECRET)
    for exp in (None, str(NOW + 900), "soon", 1.5e9):
        with pytest.raises(GateError) as e:
            gate.verify(mint(claims(exp=exp)), now=NOW)
        assert (e.value.status, e.value.code) == (401, "invalid_time_claims"), exp
        assert e.value.detail == "Invalid token: exp and iat must be integer timestamps"


def test_errors_pickle_and_unpickle():
    gate = Gate(secret=SECRET)
    with pytest.raises(GateError) as e:
        gate.verify("not-a-token", now=NOW)
    again = pickle.loads(pickle.dumps(e.value))
    assert type(again) is GateError
    assert (again.status, again.code, again.detail, again.www_authenticate) == (
        e.value.status, e.value.code, e.value.detail, e.value.www_authenticate)
    with pytest.raises(GateConfigError) as c:
        Gate(secret="short")
    again = pickle.loads(pickle.dumps(c.value))
    assert (type(again), again.code, again.message) == (GateConfigError, c.value.code, c.value.message)
    assert isinstance(again, ValueError)


WEAK = [
    ("", "missing_secret"),
    (SECRET[:31], "secret_too_short"),
    ("better-auth-secret-12345678901234567890", "known_default_secret"),
    ("test-secret-key-min-32-characters-long", "known_default_secret"),
    ("please-changeme-0123456789abcdefghijkl", "known_default_secret"),
    ("ab" * 20, "low_entropy_secret"),
]


@pytest.mark.parametrize("secret, code", WEAK)
def test_weak_secrets_are_refused_without_showing_them(secret, code):
    with pytest.raises(GateConfigError) as e:
        Gate(secret=secret)
    assert e.value.code == code
    if secret:
        assert secret not in str(e.value) and secret not in repr(e.value)


@pytest.mark.parametrize("options, code, words", [
    ({"min_lifetime_seconds": 10, "max_lifetime_seconds": 5}, "invalid_lifetime_window", "min_lifetime_seconds"),
    ({"api_prefix": "/api/../v1/"}, "invalid_api_prefix", "api_prefix"),
    ({"issuer": ""}, "empty_issuer_or_audience", "issuer"),
    ({"previous_secrets": [SECRET] * 5}, "too_many_previous_secrets", "previous"),
    ({"previous_secrets": ["short"]}, "secret_too_short", "previous_secrets[0]"),
    ({"previous_secrets": 7}, "invalid_option", "previous_secrets"),
    ({"previous_secrets": [SECRET, 7]}, "invalid_option", "previous_secrets"),
    ({"issuer": 7}, "invalid_option", "issuer"),
    ({"leeway_seconds": -1}, "invalid_number", "leeway_seconds"),
    ({"leeway_seconds": 1.5}, "invalid_number", "leeway_seconds"),
    ({"leeway_seconds": True}, "invalid_number", "leeway_seconds"),
    ({"cache_size": "256"}, "invalid_number", "cache_size"),
    ({"leeway": 30}, "unknown_option", "leeway"),
])
def test_bad_options_are_refused_with_the_cores_code(options, code, words):
    with pytest.raises(GateConfigError) as e:
        Gate(secret=SECRET, **options)
    assert e.value.code == code
    assert words in e.value.message
    assert SECRET not in str(e.value)


def test_options_reach_the_core():
    other = "Zq8Lw2Rt6Yp0Nv4Xs9Kd3Hf7Jb1Mc5Ge"
    old = mint(claims(), secret=other)
    assert Gate(secret=SECRET, previous_secrets=[other]).verify(old, now=NOW)["sub"] == "user-1"
    assert Gate(secret=SECRET, previous_secrets=f" {other} ,").verify(old, now=NOW)["sub"] == "user-1"
    with pytest.raises(GateError):
        Gate(secret=SECRET).verify(old, now=NOW)
    late = mint(claims(iat=NOW - 910))
    assert Gate(secret=SECRET, leeway_seconds=30).verify(late, now=NOW)["sub"] == "user-1"
    short = mint(claims(ttl=60))
    assert Gate(secret=SECRET, min_lifetime_seconds=60).verify(short, now=NOW)["sub"] == "user-1"
    long = mint(claims(ttl=3600))
    assert Gate(secret=SECRET, max_lifetime_seconds=3600).verify(long, now=NOW)["sub"] == "user-1"
    scoped = mint(claims(iss="https://app", aud=["api", "x"]))
    gate = Gate(secret=SECRET, issuer="https://app", audience="api")
    assert gate.verify(scoped, now=NOW)["aud"] == ["api", "x"]
    with pytest.raises(GateError) as e:
        Gate(secret=SECRET, issuer="https://other").verify(scoped, now=NOW)
    assert e.value.code == "invalid_issuer"
    v2 = Gate(secret=SECRET, api_prefix="/api/v2")
    assert v2.api_prefix == "/api/v2/"
    assert v2.protects("/api/v2/u/x") and not v2.protects("/api/v1/u/x")
    with pytest.raises(GateError) as e:
        v2.authorize("GET", "/api/v2/user-2/x", f"Bearer {mint(claims())}", now=NOW)
    assert e.value.code == "user_mismatch"
    # None means "the default" for every option.
    assert Gate(secret=SECRET, issuer=None, cache_size=None, leeway_seconds=None).cache_size == 256
    assert Gate(secret=SECRET, cache_size=0).cache_size == 0
    assert Gate(secret=SECRET, cache_size=100).cache_size == 128


def test_typed_options_are_the_runtime_options():
    typed = set(jwtgate.GateOptions.__annotations__)
    assert typed == set(jwtgate._jwtgate.OPTION_NAMES)
    for name in typed:
        Gate(secret=SECRET, **{name: None})  # accepted: not an unknown option
    stub = (Path(jwtgate.__file__).parent / "_jwtgate.pyi").read_text()
    assert "**options: Unpack[GateOptions]" in stub
    tree = ast.parse(stub)
    methods = {f.name for c in tree.body if isinstance(c, ast.ClassDef) and c.name == "Gate"
               for f in c.body if isinstance(f, ast.FunctionDef)}
    assert {"verify", "authorize", "protects"} <= methods
    assert all(hasattr(Gate, m) for m in methods)


def test_clock():
    gate = Gate(secret=SECRET, cache_size=0)
    import time
    fresh = mint(claims(iat=int(time.time())))
    assert gate.verify(fresh)["sub"] == "user-1"  # the system clock by default
    token = mint(claims())
    assert gate.verify(token, now=NOW + 899.9)["sub"] == "user-1"  # floored
    for broken in (math.nan, math.inf):
        with pytest.raises(GateError) as e:
            gate.verify(token, now=broken)
        assert e.value.code == "token_expired"  # a broken clock fails closed
    with pytest.raises(GateError) as e:
        gate.verify(token, now=-5)
    assert e.value.code == "issued_in_future"


def test_wrong_types_are_type_errors_and_odd_strings_are_refusals():
    gate = Gate(secret=SECRET)
    for bad in (None, b"x.y.z", 3):
        with pytest.raises(TypeError):
            gate.verify(bad)
    with pytest.raises(TypeError):
        gate.authorize("GET", b"/api/v1/x", None)
    with pytest.raises(TypeError):
        gate.verify("x.y.z", now="now")
    with pytest.raises(GateError) as e:
        gate.verify("\ud800.x.y", now=NOW)  # a lone surrogate cannot be UTF-8
    assert e.value.code == "invalid_base64"
    with pytest.raises(GateError) as e:
        gate.verify("a" * (jwtgate.MAX_TOKEN_BYTES + 1), now=NOW)
    assert e.value.code == "token_too_large"


def test_repr_never_shows_a_secret_and_refusal_table():
    gate = Gate(secret=SECRET, previous_secrets=["Zq8Lw2Rt6Yp0Nv4Xs9Kd3Hf7Jb1Mc5Ge"])
    assert SECRET not in repr(gate) and "Zq8Lw2" not in repr(gate)
    assert "previous_secrets=1" in repr(gate)
    assert "user_mismatch" in jwtgate.ERROR_CODES and len(jwtgate.ERROR_CODES) == len(set(jwtgate.ERROR_CODES))
    e = jwtgate._jwtgate.refusal("user_mismatch")
    assert isinstance(e, GateError) and e.status == 403
    with pytest.raises(ValueError):
        jwtgate._jwtgate.refusal("nope")
    with pytest.raises(TypeError):
        pickle.dumps(gate)  # a gate holds secrets: it does not travel
