"""The shared request corpus (tests/corpus/cases.json) through the binding, in process:
for every case and every configuration, the same decision as the native core (status,
code and detail), and as the corpus expects."""
import pytest

from conftest import NOW, authorization_of, gate_options, materialize
from jwtgate import Gate, GateError


def decide(gate, case, now):
    try:
        claims = gate.authorize(case["method"], case["path"], authorization_of(case), now=now)
    except GateError as e:
        return {"allow": False, "status": e.status, "code": e.code, "detail": e.detail}
    return {"allow": True, "user": claims["sub"]}


@pytest.mark.parametrize("cache_size", [256, 0])
def test_every_case_decides_like_the_native_core(corpus, cache_size):
    gates = {name: Gate(**gate_options(cfg), cache_size=cache_size) for name, cfg in corpus["configs"].items()}
    disagree = []
    for case in corpus["cases"]:
        got = decide(gates[case["config"]], case, NOW)
        if got != case["core"]:
            disagree.append(f"{case['id']}: binding {got}, native {case['core']}")
        expect = case["expect"]
        want = {"allow": True, "user": expect["user"]} if expect.get("allow") else \
            {"allow": False, "status": expect["status"], "code": expect["code"]}
        if {k: got.get(k) for k in want} != want:
            disagree.append(f"{case['id']}: binding {got}, corpus expects {expect}")
    assert not disagree, "\n".join(disagree)
    assert len(corpus["cases"]) >= 200


def test_twice_through_one_gate_is_the_same_decision(corpus):
    # The second pass is answered from the verified-token cache where a token was stored.
    gates = {name: Gate(**gate_options(cfg)) for name, cfg in corpus["configs"].items()}
    for _ in range(2):
        for case in corpus["cases"]:
            assert decide(gates[case["config"]], case, NOW) == case["core"], case["id"]


def test_other_clocks():
    for now in (1_000_000_000, 4_102_444_800):
        doc = materialize(now)
        gates = {name: Gate(**gate_options(cfg)) for name, cfg in doc["configs"].items()}
        for case in doc["cases"]:
            assert decide(gates[case["config"]], case, now) == case["core"], (now, case["id"])
