#!/usr/bin/env python3
"""Remote key sets in Python: a gate from `Gate.from_jwks_url` vs PyJWT's `PyJWKClient` +
`jwt.decode`, the same Better Auth-shaped EdDSA token, the key set served on 127.0.0.1 by a
key server in its own process (bindings/python/tests/keyserver.py). Run by `make
bench-python` in the wheel's venv:

    python benches/python/remote.py --out target/bench/python-remote.json

- uncached: the remote gate with `cache_size=0` (signature and claims every call) vs
  `PyJWKClient.get_signing_key_from_jwt` (its own key cache on, as by default) + `jwt.decode`;
- cached: the remote gate with its defaults (the verified-token cache) on repeats;
- cold start: a fresh interpreter from `import` to the first verified token (key set fetched
  from loopback, the HTTP client's import included: httpx for jwtgate, urllib for PyJWT).
Each contender accepts the token and refuses a tampered one before it is timed.
"""
import argparse
import base64
import json
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

import jwt as pyjwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

import jwtgate
from jwtgate import Gate, GateError

ROOT = Path(__file__).resolve().parents[2]
KEYSERVER = ROOT / "bindings/python/tests/keyserver.py"
APP = "https://app.example"
ROUNDS = 9
BATCH_MS = 60
COLD_RUNS = 7


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def per_op_us(fn, arg):
    n, start = 0, time.perf_counter()
    deadline = start + BATCH_MS / 1000
    while True:
        for _ in range(20):
            fn(arg)
        n += 20
        now = time.perf_counter()
        if now >= deadline:
            return (now - start) / n * 1e6


def key_and_token():
    private = Ed25519PrivateKey.generate()
    raw = private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    jwk = {"kty": "OKP", "crv": "Ed25519", "x": b64(raw), "kid": "bench", "alg": "EdDSA"}
    now = int(time.time())
    header = {"alg": "EdDSA", "kid": "bench", "typ": "JWT"}
    # Better Auth's jwt() plugin shape: the user's id, email and name, iss/aud the app's URL.
    claims = {"sub": "u1", "email": "u1@example.com", "name": "U One", "emailVerified": False,
              "iat": now, "exp": now + 900, "iss": APP, "aud": APP}
    signing = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(claims).encode())}"
    return {"keys": [jwk]}, f"{signing}.{b64(private.sign(signing.encode()))}"


COLD_JWTGATE = """
import time; t0 = time.perf_counter()
import jwtgate
gate = jwtgate.Gate.from_jwks_url_sync(URL, issuer=APP, audience=APP)
assert gate.verify(TOKEN)["sub"] == "u1"
print((time.perf_counter() - t0) * 1000)
"""
COLD_PYJWT = """
import time; t0 = time.perf_counter()
import jwt
client = jwt.PyJWKClient(URL)
key = client.get_signing_key_from_jwt(TOKEN)
assert jwt.decode(TOKEN, key.key, algorithms=["EdDSA"], issuer=APP, audience=APP)["sub"] == "u1"
print((time.perf_counter() - t0) * 1000)
"""


def cold(code, url, token):
    prelude = f"URL={url!r}; APP={APP!r}; TOKEN={token!r}\n"
    out = subprocess.run([sys.executable, "-c", prelude + code], check=True, capture_output=True, text=True)
    return float(out.stdout.strip())


def check(name, fn, token):
    assert fn(token)["sub"] == "u1", name
    head, body, sig = token.split(".")
    tampered = f"{head}.{body}.{sig[:-2]}{'A' if sig[-2] != 'A' else 'B'}{sig[-1]}"
    try:
        fn(tampered)
    except (GateError, pyjwt.InvalidTokenError):
        return
    raise AssertionError(f"{name} accepted a tampered token")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    jwks, token = key_and_token()
    server = subprocess.Popen([sys.executable, str(KEYSERVER)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              text=True)
    try:
        port = int(server.stdout.readline())
        url = f"http://127.0.0.1:{port}/jwks"
        import urllib.request
        urllib.request.urlopen(urllib.request.Request(
            f"http://127.0.0.1:{port}/control", data=json.dumps({"body": json.dumps(jwks)}).encode(),
            method="POST"), timeout=5).read()
        uncached = Gate.from_jwks_url_sync(url, issuer=APP, audience=APP, cache_size=0)
        cached = Gate.from_jwks_url_sync(url, issuer=APP, audience=APP)
        client = pyjwt.PyJWKClient(url)

        def pyjwt_verify(tok):
            key = client.get_signing_key_from_jwt(tok)
            return pyjwt.decode(tok, key.key, algorithms=["EdDSA"], issuer=APP, audience=APP)

        cs = [("jwtgate remote gate, cache_size 0", uncached.verify), ("jwtgate remote gate", cached.verify),
              ("PyJWT PyJWKClient + jwt.decode", pyjwt_verify)]
        for name, fn in cs:
            check(name, fn, token)
        times = {name: [] for name, _ in cs}
        for r in range(ROUNDS):
            for name, fn in cs[r % len(cs):] + cs[:r % len(cs)]:
                times[name].append(per_op_us(fn, token))
        med = {name: statistics.median(t) for name, t in times.items()}
        colds = {"jwtgate": [], "PyJWT": []}
        for _ in range(COLD_RUNS):
            colds["jwtgate"].append(cold(COLD_JWTGATE, url, token))
            colds["PyJWT"].append(cold(COLD_PYJWT, url, token))
        cold_ms = {k: statistics.median(v) for k, v in colds.items()}
    finally:
        server.stdin.close()
        server.wait(timeout=10)
    peer = med["PyJWT PyJWKClient + jwt.decode"]
    res = {"python": platform.python_version(), "rounds": ROUNDS, "usPerOp": med, "coldMs": cold_ms,
           "versions": {"jwtgate": jwtgate.__version__, "PyJWT": pyjwt.__version__}}
    res["targets"] = [
        ["EdDSA, remote key set: PyJWT (PyJWKClient + jwt.decode) / jwtgate cache_size 0, Python",
         peer / med["jwtgate remote gate, cache_size 0"], "≥ 2×"],
        ["EdDSA, remote key set: PyJWT (PyJWKClient + jwt.decode) / jwtgate cached repeat, Python",
         peer / med["jwtgate remote gate"], "≥ 50×"],
    ]
    rows = [f"| {name} | {us:.2f} | {peer / us:.1f}× |" for name, us in med.items()]
    res["markdown"] = "\n".join([
        f"## Python ({res['python']}) — EdDSA with a remote key set, µs/op, median of {ROUNDS} alternating rounds",
        f"`benches/python/remote.py` (`make bench-python`): `Gate.from_jwks_url_sync` (jwtgate {jwtgate.__version__})"
        f" vs PyJWT {pyjwt.__version__} `PyJWKClient` + `jwt.decode`, one Better Auth-shaped EdDSA token, the key set on"
        " 127.0.0.1 (a key server in its own process); each accepts the token and refuses a tampered one first.",
        "",
        "| | µs/op | PyJWT / this |", "|---|---:|---:|", *rows,
        "",
        f"Cold start (a fresh interpreter: `import` → key set fetched from loopback → first verified EdDSA token,"
        f" the HTTP client's import included; median of {COLD_RUNS}): jwtgate {cold_ms['jwtgate']:.1f} ms"
        f" (httpx), PyJWT {cold_ms['PyJWT']:.1f} ms (urllib) — {cold_ms['jwtgate'] / cold_ms['PyJWT']:.2f}×.",
        "",
    ])
    with open(args.out, "w") as f:
        json.dump(res, f, indent=1)
    print(res["markdown"])


if __name__ == "__main__":
    main()
