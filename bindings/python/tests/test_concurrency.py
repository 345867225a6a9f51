"""Many threads share one Gate: every decision is the one a fresh, uncached gate takes,
with the cache small enough that threads keep replacing each other's entries."""
import sys
import threading

import pytest

from jwtgate import Gate, GateError
from test_gate import NOW, SECRET, claims, mint

THREADS = 16
ROUNDS = 300


def decision(gate, method, path, header):
    try:
        return ("allow", gate.authorize(method, path, header, now=NOW)["sub"])
    except GateError as e:
        return ("refuse", e.code)


def verdict(gate, token):
    try:
        return gate.verify(token, now=NOW)["sub"]
    except GateError as e:
        return e.code


@pytest.mark.parametrize("cache_size", [4, 256, 0])
def test_threads_sharing_one_gate_never_get_a_wrong_decision(cache_size):
    tokens = [mint(claims(sub=f"user-{i}")) for i in range(24)]
    tokens += [mint(claims(sub="late", iat=NOW - 1000))]              # expired
    tokens += [mint(claims(sub="forged"), secret="Zq8Lw2Rt6Yp0Nv4Xs9Kd3Hf7Jb1Mc5Ge")]
    requests = []
    for i, tok in enumerate(tokens):
        for user in (f"user-{i}", "user-0", "me"):
            requests.append(("GET", f"/api/v1/{user}/tasks", f"Bearer {tok}"))
    reference = Gate(secret=SECRET, cache_size=0)
    want = [decision(reference, *r) for r in requests]
    assert ("allow", "user-3") in want and ("refuse", "user_mismatch") in want
    assert ("refuse", "token_expired") in want and ("refuse", "invalid_signature") in want

    want_verify = {tok: verdict(reference, tok) for tok in tokens}

    shared = Gate(secret=SECRET, cache_size=cache_size)
    barrier = threading.Barrier(THREADS)
    wrong, errors = [], []

    def worker(seed):
        try:
            barrier.wait()
            for n in range(ROUNDS):
                i = (seed * 7 + n * 13) % len(requests)
                got = decision(shared, *requests[i])
                if got != want[i]:
                    wrong.append((requests[i][1], got, want[i]))
                if n % 3 == 0:
                    tok = requests[i][2][len("Bearer "):]
                    if verdict(shared, tok) != want_verify[tok]:
                        wrong.append(("verify", verdict(shared, tok), want_verify[tok]))
        except Exception as e:  # pragma: no cover - reported below
            errors.append(repr(e))

    threads = [threading.Thread(target=worker, args=(s,)) for s in range(THREADS)]
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as the interpreter allows
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(interval)
    assert not errors, errors
    assert not wrong, wrong[:5]
