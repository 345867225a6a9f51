// The host-parity suite (issue 21): the requests of cases.json, byte for byte, through every
// host — the npm package in Node (what proxy.ts does), both Next.js examples (proxy.ts on
// the Node.js runtime, middleware.ts on Edge; `next start`), the worker in workerd, the FastAPI
// dependency and the ASGI middleware under a plain app, `uvicorn --root-path` and a mounted
// sub-app — each in front of an echo that records what arrived. Every host must make the
// same decision, and the app or origin must receive the same identity (and, behind a proxy,
// the same cookie and forwarding headers). Differences only where a host cannot, listed:
// - in-process hosts (dependency, middleware) have no second hop: cookies and forwarding
//   headers are the server's business there (uvicorn --proxy-headers), so only identity
//   headers are compared for them;
// - cases a host never sees (`only` in cases.json, with the reason);
// - the bridge (originToken "hs256") is a proxy's: npm and worker only.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { ROOT, SECRET, mint, claims, bearer, freePort, request, startEchoOrigin, startWorker } from "../e2e/worker/harness.mjs";
import { buildApp, startApp } from "../e2e/nextjs/harness.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const { cases } = JSON.parse(readFileSync(path.join(HERE, "cases.json"), "utf8"));
const { errorTable } = await import(pathToFileURL(path.join(ROOT, "pkg/index.node.js")).href);
const DETAIL = Object.fromEntries(errorTable().map((e) => [e.code, e.detail]));

const tokens = {
  u1: mint(claims("u1", { role: "admin" })),
  u2: mint(claims("u2")),
  big: mint(claims("u1", { pad: "x".repeat(9 * 1024) })),
};
const fill = (value) => value.replace(/\{(u1|u2|big)\}/g, (_, k) => bearer(tokens[k]));

const children = [];
let echo;
const hosts = [];

function spawnUntilReady(cmd, args, { env, cwd, ready, timeoutMs = 60_000 }) {
  const child = spawn(cmd, args, { cwd, env: { ...process.env, ...env }, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  children.push(child);
  let output = "";
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${cmd} not ready in ${timeoutMs} ms:\n${output}`)), timeoutMs);
    const on = (d) => {
      output += d;
      if (ready.test(output)) {
        clearTimeout(timer);
        resolve(child);
      }
    };
    child.stdout.on("data", on);
    child.stderr.on("data", on);
    child.once("exit", (code) => reject(new Error(`${cmd} exited ${code}:\n${output}`)));
  });
}

async function startNpmHost(options) {
  const port = await freePort();
  await spawnUntilReady("node", [path.join(HERE, "npm-host.mjs"), String(port), echo.url, JSON.stringify(options)], { ready: /ready/ });
  return port;
}

const python = execFileSync(path.join(ROOT, "scripts/python.sh"), ["venv"], { encoding: "utf8" }).trim().split("\n").pop();

async function startPythonHost(kind, mount) {
  const port = await freePort();
  const args = ["-m", "uvicorn", "app:app", "--host", "127.0.0.1", "--port", String(port), "--no-access-log"];
  if (mount === "root-path") args.push("--root-path", "/backend");
  await spawnUntilReady(python, args, {
    cwd: HERE,
    env: { HOST: kind, MOUNT: mount, BETTER_AUTH_SECRET: SECRET, BETTER_AUTH_PREVIOUS_SECRETS: "" },
    ready: /Uvicorn running|Application startup complete/,
  });
  return port;
}

before(async () => {
  echo = await startEchoOrigin();
  hosts.push({ name: "npm", proxy: true, port: await startNpmHost({ secret: SECRET }) });
  const worker = await startWorker({ BETTER_AUTH_SECRET: SECRET, ORIGIN_URL: echo.url });
  children.push({ stop: () => worker.stop() });
  hosts.push({ name: "worker", proxy: true, port: worker.port });
  for (const runtime of ["node", "edge"]) {
    await buildApp({ runtime, bundler: "turbopack" });
    const app = await startApp({ runtime, secret: SECRET, originUrl: echo.url });
    children.push({ stop: () => app.close() });
    hosts.push({ name: `nextjs-${runtime}`, family: "nextjs", proxy: true, port: Number(new URL(app.url).port) });
  }
  for (const kind of ["dependency", "middleware"]) {
    for (const mount of ["plain", "root-path", "mounted"]) {
      hosts.push({ name: `asgi-${kind}@${mount}`, kind, mount, proxy: false, port: await startPythonHost(kind, mount) });
    }
  }
});

after(async () => {
  for (const child of children) {
    if (child.stop) await child.stop();
    else try { process.kill(-child.pid, "SIGTERM"); } catch {}
  }
  await echo?.close();
});

const runsIn = (c, host) => {
  if (!c.only) return true;
  const family = host.family ?? (host.proxy ? host.name : host.kind === "middleware" ? "asgi-middleware" : "asgi-dependency");
  return c.only.includes(family) || c.only.includes(host.name);
};

/** The target as sent to `host`: a mounted app is addressed under its mount. */
const targetFor = (c, host) => (host.mount === "mounted" ? (c.mountedTarget ?? "/backend" + c.target) : c.target);

/** Sends case `c` to `host`; returns what the client got and what the app/origin received. */
async function run(c, host) {
  const raw = c.headers.flatMap(([n, v]) => [n, fill(v)]);
  const before = echo.seen.length;
  const res = await request(host.port, { path: targetFor(c, host), headers: raw });
  let received;
  if (res.status === 200 && res.json) {
    if (host.proxy) {
      const record = echo.seen[before];
      received = [];
      for (let i = 0; i < record.rawHeaders.length; i += 2) received.push([record.rawHeaders[i].toLowerCase(), record.rawHeaders[i + 1]]);
    } else {
      received = res.json.headers.map(([n, v]) => [n.toLowerCase(), v]);
    }
  }
  return { status: res.status, headers: res.headers, detail: res.json?.detail, received };
}

const values = (received, name) => received.filter(([n]) => n === name).map(([, v]) => v);

for (const c of cases) {
  test(c.id, async () => {
    const decisions = [];
    for (const host of hosts.filter((h) => runsIn(c, h))) {
      const got = await run(c, host);
      const where = `${c.id} via ${host.name}`;
      assert.equal(got.status, c.expect.status, `${where}: status ${got.status} ${got.detail ?? ""}`);
      decisions.push([host.name, got.status, got.detail]);
      if (c.expect.status >= 400) {
        if (c.expect.code) assert.equal(got.detail, DETAIL[c.expect.code], `${where}: detail`);
        assert.equal(got.headers["cache-control"], "no-store", `${where}: cache-control`);
        assert.equal(got.headers["content-type"], "application/json", `${where}: content-type`);
        if (c.expect.status === 401) assert.match(got.headers["www-authenticate"] ?? "", /^Bearer/, `${where}: challenge`);
        continue;
      }
      const r = got.received;
      assert.ok(r, `${where}: nothing reached the app/origin`);
      assert.deepEqual(values(r, "x-user-id"), c.expect.identity ? [c.expect.identity] : [], `${where}: x-user-id`);
      assert.equal(values(r, "x-user-email").length, c.expect.identity ? 1 : 0, `${where}: x-user-email`);
      const identityValues = r.filter(([n]) => n.startsWith("x-user-")).map(([, v]) => v.toLowerCase());
      for (const bad of c.expect.absent ?? []) {
        assert.ok(!identityValues.some((v) => v.includes(bad.toLowerCase())), `${where}: ${bad} in an identity header`);
      }
      if (!host.proxy) continue; // cookies and forwarding: the server's settings in process
      if ("cookie" in c.expect) {
        const cookie = values(r, "cookie");
        assert.deepEqual(cookie, c.expect.cookie === null ? [] : [c.expect.cookie], `${where}: cookie`);
      }
      const flat = r.map(([n, v]) => `${n}: ${v}`.toLowerCase()).join("\n");
      for (const bad of c.expect.absent ?? []) assert.ok(!flat.includes(bad.toLowerCase()), `${where}: "${bad}" reached the origin`);
      // The forwarding facts the proxy knows: scheme and host of the URL the client used.
      assert.deepEqual(values(r, "x-forwarded-proto"), ["http"], `${where}: x-forwarded-proto`);
      assert.equal(values(r, "forwarded").length, 1, `${where}: one Forwarded`);
    }
    // One decision: every host that saw the case answered alike.
    const [first] = decisions;
    for (const d of decisions) assert.deepEqual(d.slice(1), first.slice(1), `${c.id}: ${d[0]} and ${first[0]} differ`);
  });
}

test("mounted: raw and decoded paths disagree about the mount → 400 in both Python hosts", async () => {
  for (const host of hosts.filter((h) => h.mount === "mounted")) {
    const res = await request(host.port, { path: "/back%65nd/api/v1/u2/tasks", headers: ["Authorization", bearer(tokens.u1)] });
    assert.equal(res.status, 400, `${host.name}: ${res.body}`);
    assert.equal(res.json?.detail, DETAIL.invalid_path);
  }
});

test("the bridge (originToken hs256) in both proxies: the origin gets the spec's token, not the client's", async () => {
  const npm = await startNpmHost({ secret: SECRET, originToken: "hs256" });
  const worker = await startWorker({ BETTER_AUTH_SECRET: SECRET, ORIGIN_URL: echo.url, ORIGIN_TOKEN: "hs256" });
  children.push({ stop: () => worker.stop() });
  for (const [name, port] of [["npm", npm], ["worker", worker.port]]) {
    const before = echo.seen.length;
    const res = await request(port, { path: "/api/v1/u1/tasks", headers: ["Authorization", bearer(tokens.u1)] });
    assert.equal(res.status, 200, `${name}: ${res.body}`);
    const auth = echo.seen[before].headers.authorization;
    assert.notEqual(auth, bearer(tokens.u1), `${name}: the client's token was forwarded`);
    const payload = JSON.parse(Buffer.from(auth.slice(7).split(".")[1], "base64url"));
    assert.equal(payload.sub, "u1");
    assert.equal(payload.role, undefined, `${name}: the bridge carries only the spec's claims`);
  }
});
