#!/usr/bin/env python3
"""Parity with the spec's origin (issue 5 §2).

Materializes the request corpus with the native core's decisions
(`cargo run -q --example corpus -- --decide`), starts the example FastAPI origin
(`scripts/origin.sh`) on a free 127.0.0.1 port with the corpus' main secret, sends every
case to it byte-for-byte (raw socket: no client-side path normalisation), and asserts:

  1. safety: if the core allows, the origin does not refuse — 2xx where the origin serves
     the (method, path), and 404/405/307 where it has no such route (taken from the
     origin's own /openapi.json, matched as Starlette does: on the percent-decoded path);
  2. parity: where a case is not marked `hardening`, the statuses agree (on paths the
     origin does not serve, its 404/405 is the same "no" as the core's refusal);
  3. the corpus' informational `origin` status for hardening cases is checked too, so
     the documented behaviour of the spec's origin stays true (a mismatch fails).

Each configuration the origin can be run with gets its own origin process: the default,
gate-only routing options (`selfRoutes`: the same origin), and issuer/audience (the origin
with JWT_ISSUER/JWT_AUDIENCE, which it passes to python-jose's jwt.decode). Cases for
the others (rotation, leeway: the origin has one secret and no leeway) and `native-only`
cases are skipped, and counted. Stdlib only. Exit status 0 = all assertions hold.
Usage: tests/parity/run.py [--keep-going] [--json report.json]
"""
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.parse

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def build_materializer():
    """Builds the corpus example once; returns the binary (re-run on every clock tick)."""
    subprocess.run(["cargo", "build", "-q", "--example", "corpus"], cwd=ROOT, check=True)
    meta = json.loads(subprocess.run(["cargo", "metadata", "--format-version", "1", "--no-deps"],
                                     cwd=ROOT, check=True, capture_output=True, text=True).stdout)
    return os.path.join(meta["target_directory"], "debug", "examples", "corpus")


def materialize(binary, now):
    out = subprocess.run([binary, "--now", str(now), "--decide"], cwd=ROOT, check=True,
                         capture_output=True, text=True)
    return {c["id"]: c for c in json.loads(out.stdout)["cases"]}, json.loads(out.stdout)


def send(port, method, target, headers, body):
    """One HTTP/1.1 request with the exact request target and header bytes."""
    payload = b"" if body is None else json.dumps(body).encode()
    lines = [f"{method} {target} HTTP/1.1", f"Host: 127.0.0.1:{port}", "Connection: close"]
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
    status_line = head.split(b"\r\n", 1)[0].decode("latin-1")
    m = re.match(r"HTTP/1\.[01] (\d{3})", status_line)
    if not m:
        raise RuntimeError(f"no HTTP status in {status_line!r}")
    return int(m.group(1)), rest[:300].decode("utf-8", "replace")


def wait_ready(port, proc, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"origin exited with {proc.returncode}")
        try:
            status, _ = send(port, "GET", "/health", [], None)
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise RuntimeError("origin did not become ready")


def route_table(port):
    """(method, compiled regex) for every operation of the origin's OpenAPI document."""
    status, _ = send(port, "GET", "/openapi.json", [], None)
    if status != 200:
        raise RuntimeError(f"/openapi.json answered {status}")
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(f"GET /openapi.json HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    spec = json.loads(data.partition(b"\r\n\r\n")[2])
    table = []
    for path, ops in spec["paths"].items():
        regex = "^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(path)) + "$"
        for method in ops:
            table.append((method.upper(), re.compile(regex)))
    return table


def served(table, method, target):
    # Starlette routes on the percent-decoded path (uvicorn unquotes raw_path).
    path = urllib.parse.unquote(target.split("?", 1)[0], errors="replace")
    methods = {m for m, rx in table if rx.match(path)}
    if "GET" in methods:
        methods.add("HEAD")
    return method in methods, bool(methods)


def origin_env_for(cfg, secret):
    """The origin's environment for a corpus configuration, as sorted items; None when the
    origin cannot be configured like it (another secret, rotation, leeway, another prefix)."""
    if cfg.get("secret") != secret or set(cfg) - {"secret", "issuer", "audience", "selfRoutes"}:
        return None
    # selfRoutes only changes what the gate lets through: the same origin judges it.
    return tuple(sorted({"JWT_ISSUER": cfg.get("issuer", ""), "JWT_AUDIENCE": cfg.get("audience", "")}.items()))


def main():
    keep_going = "--keep-going" in sys.argv
    report_path = sys.argv[sys.argv.index("--json") + 1] if "--json" in sys.argv else None
    if not os.path.exists(os.path.join(ROOT, "scripts", "origin.sh")):
        print("parity: scripts/origin.sh not found: the example origin is not there yet")
        return 2

    binary = build_materializer()
    now = int(time.time())
    by_id, doc = materialize(binary, now)
    secret = doc["configs"]["default"]["secret"]
    tmp = os.environ.get("TMPDIR", "/tmp")
    # Configuration name → the origin's environment for it (None: the origin cannot run it).
    origin_env = {name: origin_env_for(cfg, secret) for name, cfg in doc["configs"].items()}
    origins = {}  # environment (sorted items) → (port, process, log)
    failures, skipped, rows = [], [], []
    try:
        for env_items in sorted({e for e in origin_env.values() if e is not None}):
            port = free_port()
            env = dict(os.environ, PORT=str(port), BETTER_AUTH_SECRET=secret, **dict(env_items),
                       TASKS_DB=os.path.join(tmp, f"jwtgate-parity-{port}.db"))
            log = open(os.path.join(tmp, f"jwtgate-parity-origin-{port}.log"), "w")
            proc = subprocess.Popen([os.path.join(ROOT, "scripts", "origin.sh"), "--log-level", "warning"],
                                    cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
            origins[env_items] = (port, proc, log)
        for port, proc, _ in origins.values():
            wait_ready(port, proc)
        table = route_table(next(iter(origins.values()))[0])
        for listed in doc["cases"]:
            # Tokens are relative to `now` (some cases sit on the exp == now boundary):
            # re-materialize whenever the clock ticked, so the origin sees the same second.
            if int(time.time()) != now:
                now = int(time.time())
                by_id, _ = materialize(binary, now)
            case = by_id[listed["id"]]
            cid, core = case["id"], case["core"]
            if origin_env[case["config"]] is None:
                skipped.append((cid, f"config {case['config']}: the origin has one secret and no leeway"))
                continue
            if "native-only" in case["tags"]:
                skipped.append((cid, "native-only: no HTTP server delivers this request"))
                continue
            port = origins[origin_env[case["config"]]][0]
            status, body = send(port, case["method"], case["path"], case["headers"], case["body"])
            if int(time.time()) != now:
                # The second changed while the origin decided: redo this case at the new time.
                now = int(time.time())
                by_id, _ = materialize(binary, now)
                case = by_id[cid]
                core = case["core"]
                status, body = send(port, case["method"], case["path"], case["headers"], case["body"])
            exact, any_route = served(table, case["method"], case["path"])
            hard = case["hardening"]
            row = {"id": cid, "config": case["config"], "core": core, "origin": status, "served": exact, "hardening": hard}
            rows.append(row)
            problems = []
            if core["allow"] and case["origin"] is not None:
                # A documented non-auth failure of the spec's origin (e.g. its 500 on /me/profile
                # without `name`): never an auth refusal, and exactly the documented status.
                if status in (401, 403) or status != case["origin"]:
                    problems.append(f"core allows; corpus documents origin {case['origin']}, got {status} {body[:120]!r}")
            elif core["allow"]:
                ok = 200 <= status < 300 if exact else status in (404, 405, 307)
                if not ok:
                    problems.append(f"core allows, origin answered {status} ({'served' if exact else 'unserved'} route) {body[:120]!r}")
            elif hard is None:
                if exact and status != core["status"]:
                    problems.append(f"statuses differ: core {core['status']} {core['code']}, origin {status} {body[:120]!r}")
                if not exact and status not in (core["status"], 404, 405):
                    problems.append(f"unserved route: core {core['status']}, origin {status}")
            if hard is not None and case["origin"] is not None and status != case["origin"]:
                problems.append(f"corpus says the origin answers {case['origin']} here, it answered {status} {body[:120]!r}")
            if problems:
                failures.append((cid, problems))
                if not keep_going:
                    break
    finally:
        for _, proc, log in origins.values():
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
            log.close()

    checked = len(rows)
    allowed = sum(1 for r in rows if r["core"]["allow"])
    hardening = sum(1 for r in rows if r["hardening"])
    configs = sorted({r["config"] for r in rows})
    print(f"parity: {checked} cases sent to the origin ({allowed} allowed by the core, "
          f"{hardening} hardening; configs {', '.join(configs)}), {len(skipped)} skipped, {len(failures)} failing")
    reasons = {}
    for cid, why in skipped:
        reasons.setdefault(why, []).append(cid)
    for why, ids in reasons.items():
        print(f"  skipped {len(ids)} ({why}): {', '.join(ids)}")
    for cid, problems in failures:
        for p in problems:
            print(f"  FAIL {cid}: {p}")
    if report_path:
        with open(report_path, "w") as f:
            json.dump({"rows": rows, "skipped": skipped, "failures": failures}, f, indent=1)
    if checked < 150:
        print(f"parity: only {checked} cases checked (expected >= 150)")
        return 1
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
