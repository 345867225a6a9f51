"""The type stubs: mypy's stubtest compares them with the installed runtime (allowlist:
stubtest-allowlist.txt, each entry explained), and mypy --strict accepts correct use and
catches a misspelt option and a wrong argument type."""
import subprocess
import sys
import textwrap
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent


def mypy(*args, cwd=HERE):
    return subprocess.run([sys.executable, "-m", *args], cwd=cwd, capture_output=True, text=True, timeout=300)


def test_stubs_match_the_runtime():
    r = mypy("mypy.stubtest", "jwtgate", "--allowlist", str(HERE / "stubtest-allowlist.txt"))
    assert r.returncode == 0, r.stdout + r.stderr


def test_the_package_passes_mypy_strict(tmp_path):
    r = mypy("mypy", "--strict", "--no-incremental", "-p", "jwtgate", cwd=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr


def test_mypy_strict_on_user_code(tmp_path):
    good = tmp_path / "good.py"
    good.write_text(textwrap.dedent('''
        from typing import Any, Dict
        from fastapi import Depends, FastAPI
        from jwtgate import Gate, GateError
        from jwtgate.asgi import GateMiddleware
        from jwtgate.fastapi import BetterAuth

        gate = Gate(secret="Kq7Vb2Nx9Lr4Tz8Wm3Hc6Jd1Pf5Sg0Ya", leeway_seconds=5, previous_secrets=["x"])
        app = FastAPI()
        app.add_middleware(GateMiddleware, gate=gate)
        app.add_middleware(GateMiddleware, secret="Kq7Vb2Nx9Lr4Tz8Wm3Hc6Jd1Pf5Sg0Ya", issuer="https://app")
        auth = BetterAuth(gate=gate)

        def check(token: str) -> str:
            try:
                claims: Dict[str, Any] = gate.verify(token, now=1.5)
            except GateError as e:
                return f"{e.status} {e.code} {e.detail} {e.www_authenticate}"
            return str(claims["sub"])

        @app.get("/api/v1/me/x")
        async def me(claims: Dict[str, Any] = Depends(auth)) -> str:
            return str(claims["sub"])
    '''))
    r = mypy("mypy", "--strict", "--no-incremental", str(good), cwd=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr

    bad = tmp_path / "bad.py"
    bad.write_text(textwrap.dedent('''
        from jwtgate import Gate
        gate = Gate(secret="Kq7Vb2Nx9Lr4Tz8Wm3Hc6Jd1Pf5Sg0Ya", leway_seconds=5)
        gate.verify(b"token")
        from fastapi import FastAPI
        from jwtgate.asgi import GateMiddleware
        FastAPI().add_middleware(GateMiddleware, isuer="https://app")
    '''))
    r = mypy("mypy", "--strict", "--no-incremental", str(bad), cwd=tmp_path)
    assert r.returncode == 1
    assert 'Unexpected keyword argument "leway_seconds"' in r.stdout, r.stdout
    assert 'incompatible type "bytes"' in r.stdout, r.stdout
    assert 'Unexpected keyword argument "isuer"' in r.stdout, r.stdout
