"""Issue 24: every algorithm Better Auth's jwt() plugin signs (EdDSA, ES256, ES512, RS256,
PS256) through the Python package, with tokens and key sets minted by the REAL better-auth
package (tests/fixtures/better-auth/algorithms.json, from mint-algorithms.mjs; set
JWTGATE_ALGORITHMS_FIXTURE to a fresh one), and the attacks beside a control that passes."""
import base64
import hashlib
import hmac
import json
import os
from pathlib import Path

import pytest

from jwtgate import Gate, GateConfigError, GateError

FIXTURE = Path(
    os.environ.get(
        "JWTGATE_ALGORITHMS_FIXTURE",
        Path(__file__).resolve().parents[3] / "tests" / "fixtures" / "better-auth" / "algorithms.json",
    )
)
F = json.loads(FIXTURE.read_text())
BASE = F["baseURL"]
ALGS = ["EdDSA", "ES256", "ES512", "RS256", "PS256"]


def part(token, i):
    s = token.split(".")[i]
    return json.loads(base64.urlsafe_b64decode(s + "=" * (-len(s) % 4)))


def code(gate, token, now):
    try:
        gate.verify(token, now=now)
        return "accepted"
    except GateError as e:
        return e.code


@pytest.mark.parametrize("alg", ALGS)
def test_each_algorithm_of_the_jwt_plugin(alg):
    app = F["apps"][alg]
    gate = Gate(jwks=app["jwks"], issuer=BASE, audience=BASE)
    for t in app["tokens"]:
        now = part(t["token"], 1)["iat"]
        assert part(t["token"], 0)["alg"] == alg
        assert gate.verify(t["token"], now=now)["sub"] == t["userId"]
        with pytest.raises(GateError) as e:
            gate.authorize("GET", "/api/v1/someone-else/tasks", f"Bearer {t['token']}", now=now)
        assert e.value.status == 403


def test_one_app_publishing_every_algorithm_with_the_crv_quirk():
    multi = F["multi"]
    assert all(k["crv"] == "Ed25519" for k in multi["jwks"]["keys"] if k["kty"] == "RSA")
    gate = Gate(jwks=json.dumps(multi["jwks"]), issuer=BASE, audience=BASE)
    for alg, t in multi["tokens"].items():
        now = part(t["token"], 1)["iat"]
        assert gate.verify(t["token"], now=now)["sub"] == t["userId"], alg


def test_attacks_are_refused_beside_their_controls():
    a = F["attacks"]
    names = ["es256", "es512", "rs256", "ps256"]
    gate = Gate(jwks={"keys": [a["keys"][n] for n in names]}, issuer=BASE, audience=BASE)
    now = a["now"]
    for n in names:
        assert code(gate, a["tokens"][n], now) == "accepted", n
    for n, want in [
        ("es256_der", "invalid_signature"),
        ("es512_der", "invalid_signature"),
        ("ps256_salt0", "invalid_signature"),
        ("ps256_salt20", "invalid_signature"),
        ("ps256_salt64", "invalid_signature"),
        ("ps256_key_rs256_token", "alg_not_allowed"),
        ("rs256_key_ps256_token", "alg_not_allowed"),
    ]:
        assert code(gate, a["tokens"][n], now) == want, n
    with pytest.raises(GateConfigError) as e:
        Gate(jwks={"keys": [a["keys"]["rsa1024"]]}, issuer=BASE, audience=BASE)
    assert e.value.code == "weak_rsa_key"
    no_alg = {k: v for k, v in a["keys"]["rs256"].items() if k != "alg"}
    with pytest.raises(GateConfigError) as e:
        Gate(jwks={"keys": [no_alg]}, issuer=BASE, audience=BASE)
    assert e.value.code == "ambiguous_jwk_alg"


def test_alg_confusion_and_public_keys_as_hmac_secrets():
    a = F["attacks"]
    names = ["es256", "es512", "rs256", "ps256"]
    keys = {"keys": [a["keys"][n] for n in names]}
    now = a["now"]
    jwks_only = Gate(jwks=keys, issuer=BASE, audience=BASE)
    both = Gate(jwks=keys, secret="k3Jx9vQ2mW7pL4tZ8rB6nC1yH5sD0fGa", issuer=BASE, audience=BASE)

    def b64(data):
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    for n in names:
        h, p, s = a["tokens"][n].split(".")
        header = part(a["tokens"][n], 0)
        for other in ["ES256", "ES512", "RS256", "PS256", "EdDSA", "none"]:
            if other == header["alg"]:
                continue
            confused = b64(json.dumps({**header, "alg": other}).encode()) + "." + p + "." + s
            assert code(jwks_only, confused, now) == "alg_not_allowed", (n, other)
        jwk = a["keys"][n]
        for secret in [json.dumps(jwk).encode(), (jwk.get("x") or jwk["n"]).encode()]:
            signing_input = b64(json.dumps({"alg": "HS256", "kid": n}).encode()) + "." + p
            tag = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
            forged = signing_input + "." + b64(tag)
            assert code(jwks_only, forged, now) == "alg_not_allowed", n
            assert code(both, forged, now) == "invalid_signature", n
