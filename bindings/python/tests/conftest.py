"""Shared fixtures: the request corpus materialized by the native core's own program
(`cargo run --example corpus -- --decide`: every case with the native decision), and a
raw HTTP/1.1 client that sends request targets byte for byte."""
import json
import os
import re
import socket
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
NOW = 1_767_225_600  # 2026-01-01T00:00:00Z, as tests/corpus.rs

_binary = None


def corpus_binary():
    """Builds the corpus example once (debug); returns its path."""
    global _binary
    if _binary is None:
        subprocess.run(["cargo", "build", "-q", "--locked", "--example", "corpus"], cwd=ROOT, check=True)
        meta = json.loads(subprocess.run(
            ["cargo", "metadata", "--format-version", "1", "--no-deps"],
            cwd=ROOT, check=True, capture_output=True, text=True).stdout)
        _binary = os.path.join(meta["target_directory"], "debug", "examples", "corpus")
    return _binary


def materialize(now):
    out = subprocess.run([corpus_binary(), "--now", str(now), "--decide"], cwd=ROOT, check=True,
                         capture_output=True, text=True)
    return json.loads(out.stdout)


def gate_options(config):
    """The corpus configs use the npm option names; the Python Gate takes the core table's
    Python names."""
    from jwtgate._jwtgate import CORE_OPTIONS, CORE_OPTIONS_JS

    names = dict(zip(CORE_OPTIONS_JS, CORE_OPTIONS))
    return {names[k]: v for k, v in config.items()}


def authorization_of(case):
    for name, value in case["headers"]:
        if name.lower() == "authorization":
            return value
    return None


@pytest.fixture(scope="session")
def corpus():
    return materialize(NOW)


def send(port, method, target, headers, body=None, host=None):
    """One HTTP/1.1 request with the exact request target and header bytes.
    Returns (status, headers as a lower-cased dict, body bytes)."""
    payload = b"" if body is None else json.dumps(body).encode()
    lines = [f"{method} {target} HTTP/1.1", f"Host: {host or f'127.0.0.1:{port}'}", "Connection: close"]
    lines += [f"{name}: {value}" for name, value in headers]
    if body is not None:
        lines.append(f"Content-Length: {len(payload)}")
    raw = ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8") + payload
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(raw)
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    m = re.match(r"HTTP/1\.[01] (\d{3})", lines[0])
    if not m:
        raise RuntimeError(f"no HTTP status in {lines[0]!r}")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return int(m.group(1)), headers, rest


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_uvicorn_app(app, env, *more_args):
    """A real uvicorn serving `app` ("module:attr" under tests/) on a free port with `env`;
    returns (process, port) once GET /health (Host: mw) answers."""
    import sys
    import time

    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", app, "--app-dir", str(Path(__file__).resolve().parent),
         "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning", "--no-access-log", *more_args],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    deadline = time.time() + 60
    while True:
        try:
            send(port, "GET", "/health", [], host="mw")
            return proc, port
        except OSError:
            if proc.poll() is not None or time.time() > deadline:
                proc.kill()
                raise RuntimeError(f"uvicorn did not start: {proc.stdout.read().decode()[-2000:]}")
            time.sleep(0.1)


def stop_process(proc):
    """Terminates `proc`, killing it after 10 s."""
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()

