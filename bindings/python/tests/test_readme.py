"""The README's Python blocks run as written (the package README's whole app; the root
README's three-line setup inside a minimal app) and guard their route."""
import re
import time

from fastapi.testclient import TestClient

from conftest import ROOT
from test_gate import mint

SECRET = "Tq4Nc8Wz1Ls6Hb3Ye9Pv5Kd2Rm7Gx0Ja"


def python_blocks(path, after=None):
    text = path.read_text()
    if after:
        text = text[text.index(after):]
    return re.findall(r"```python\n(.*?)```", text, re.S)


def check(app):
    client = TestClient(app)
    now = int(time.time())
    token = mint({"sub": "u1", "email": "a@example.com", "iat": now, "exp": now + 900}, SECRET)
    assert client.get("/api/v1/u1/tasks", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert client.get("/api/v1/u2/tasks", headers={"Authorization": f"Bearer {token}"}).status_code == 403
    assert client.get("/api/v1/u1/tasks").status_code == 401


def test_package_readme(monkeypatch):
    monkeypatch.setenv("BETTER_AUTH_SECRET", SECRET)
    blocks = python_blocks(ROOT / "bindings" / "python" / "README.md")
    assert blocks
    scope = {}
    exec(blocks[0], scope)
    check(scope["app"])


def test_root_readme_three_lines(monkeypatch):
    monkeypatch.setenv("BETTER_AUTH_SECRET", SECRET)
    block = python_blocks(ROOT / "README.md", after="### Python / FastAPI")[0]
    code = [line for line in block.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    # A whole app as a user pastes it: FastAPI's own lines, then jwtgate's three (the import,
    # the dependency, `Depends(auth)` on the route).
    jwtgate_lines = [line for line in code if "jwtgate" in line or "BetterAuth" in line or "Depends(auth)" in line]
    assert len(jwtgate_lines) == 3, jwtgate_lines
    scope = {}
    exec(block, scope)
    check(scope["app"])
