// Test harness for the Next.js examples: real `next build` + `next start` on 127.0.0.1 in
// front of a real origin (a Node echo origin, or the example FastAPI origin).
// Reusable: `startNextStack({ runtime, bundler, origin })` builds (once per process) and
// starts everything; `close()` stops what it started.
//
//   import { startNextStack, mint, claims, SECRET } from "./tests/e2e/nextjs/harness.mjs";
//   const stack = await startNextStack({ runtime: "edge" });   // runtime: node | edge
//   await fetch(`${stack.appUrl}/api/v1/u1/tasks`, { headers: { authorization: `Bearer ${mint(claims("u1"))}` } });
//   await stack.close();
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { HOST, nowSecs, freePort, signJws } from "../common.mjs";

export { HOST, nowSecs, freePort };

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
export const SECRET = "k3Jx9vQ2mW7pL4tZ8rB6nC1yH5sD0fGa-e2e-nextjs";
/** runtime → example app directory (proxy.ts on Node.js, middleware.ts on Edge). */
export const APPS = { node: path.join(ROOT, "examples/nextjs"), edge: path.join(ROOT, "examples/nextjs-edge") };
/** Bundlers exercised by the tests: JWTGATE_NEXT_BUNDLERS="turbopack,webpack" (default: both). */
export const BUNDLERS = (process.env.JWTGATE_NEXT_BUNDLERS ?? "turbopack,webpack").split(",").map((s) => s.trim()).filter(Boolean);

/** A compact JWS. `header`/`payload` are objects (or raw strings, sent as they are). */
export function mint(payload, { secret = SECRET, header } = {}) {
  return signJws(payload, secret, header);
}
/** Claims the spec accepts: 15 minutes of lifetime, issued a minute ago. */
export function claims(sub = "u1", extra = {}) {
  const iat = nowSecs() - 60;
  return { sub, email: `${sub}@example.com`, name: `User ${sub}`, iat, exp: iat + 900, ...extra };
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
/** A timer that does not keep the process alive (for the losing side of a Promise.race). */
const deadline = (ms, value) => new Promise((r) => setTimeout(() => r(value), ms).unref());

/** Polls `url` until it answers `status` (bounded). */
async function waitFor(url, { status = 200, timeoutMs = 60_000, alive = () => true, what = url, log = () => "" } = {}) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!alive()) throw new Error(`${what} exited before it was ready:\n${log()}`);
    const res = await fetch(url, { signal: AbortSignal.timeout(5_000) }).catch(() => null);
    if (res) {
      await res.arrayBuffer().catch(() => {});
      if (res.status === status) return;
    }
    await sleep(250);
  }
  throw new Error(`${what} not ready after ${timeoutMs} ms:\n${log()}`);
}

/** Spawns a process in its own group; `stop()` ends the group (SIGTERM, then SIGKILL). */
function spawnGroup(cmd, args, { cwd, env }) {
  const child = spawn(cmd, args, { cwd, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  const keep = (d) => {
    log += d;
    if (log.length > 200_000) log = log.slice(-100_000);
  };
  child.stdout.on("data", keep);
  child.stderr.on("data", keep);
  let exited = false;
  const done = new Promise((r) => child.once("exit", () => { exited = true; r(); }));
  return {
    child,
    log: () => log,
    alive: () => !exited,
    async stop() {
      if (exited) return;
      try { process.kill(-child.pid, "SIGTERM"); } catch {}
      const killed = await Promise.race([done.then(() => true), deadline(5_000, false)]);
      if (!killed) {
        try { process.kill(-child.pid, "SIGKILL"); } catch {}
        await Promise.race([done, deadline(2_000)]);
      }
    },
  };
}

/**
 * A real HTTP origin answering every request with what it received, as JSON:
 * { method, url, headers, rawHeaders (every header line, in order), body }. `seen` keeps every request.
 */
export async function startEchoOrigin() {
  const seen = [];
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const record = { method: req.method, url: req.url, headers: req.headers, rawHeaders: req.rawHeaders, body, bodySha256: createHash("sha256").update(body).digest("hex") };
      seen.push(record);
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(record));
    });
  });
  server.keepAliveTimeout = 1_000;
  await new Promise((ok) => server.listen(0, HOST, ok));
  const url = `http://${HOST}:${server.address().port}`;
  return { kind: "echo", url, seen, close: () => new Promise((r) => { server.closeAllConnections?.(); server.close(() => r()); }) };
}

/** The example FastAPI origin (scripts/origin.sh), or null when its venv is not set up. */
export async function startFastapiOrigin({ secret = SECRET } = {}) {
  if (!existsSync(path.join(ROOT, "examples/fastapi-origin/.venv/bin/python")) && !process.env.ORIGIN_VENV) return null;
  const port = await freePort();
  const tmp = mkdtempSync(path.join(os.tmpdir(), "jwtgate-next-origin-"));
  const proc = spawnGroup(path.join(ROOT, "scripts/origin.sh"), ["--no-access-log"], {
    cwd: ROOT,
    env: { ...process.env, PORT: String(port), BETTER_AUTH_SECRET: secret, TASKS_DB: path.join(tmp, "tasks.db") },
  });
  const url = `http://${HOST}:${port}`;
  try {
    await waitFor(`${url}/health`, { timeoutMs: 120_000, alive: proc.alive, log: proc.log, what: "FastAPI origin" });
  } catch (e) {
    await proc.stop();
    throw e;
  }
  return { kind: "fastapi", url, log: proc.log, close: async () => { await proc.stop(); rmSync(tmp, { recursive: true, force: true }); } };
}

const nextBin = (dir) => path.join(dir, "node_modules/next/dist/bin/next");
const nextEnv = (extra) => {
  const env = { ...process.env, NEXT_TELEMETRY_DISABLED: "1", ...extra };
  delete env.PORT;
  delete env.NODE_OPTIONS;
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete env[k];
  return env;
};

const built = new Map(); // `${runtime}:${bundler}` → Promise<void>; only one build is on disk per app
/**
 * `next build` (Turbopack, Next 16's default, or `--webpack`) in the runtime's example app.
 * Skipped when this process already built that combination last.
 * JWTGATE_NEXT_SKIP_BUILD=1 uses whatever .next/ holds.
 */
export async function buildApp({ runtime = "node", bundler = "turbopack", timeoutMs = 360_000 } = {}) {
  const dir = APPS[runtime];
  if (!dir) throw new Error(`unknown runtime ${runtime}`);
  if (!existsSync(nextBin(dir))) throw new Error(`${dir}/node_modules is missing: run \`npm ci\` there (make test-nextjs does)`);
  if (process.env.JWTGATE_NEXT_SKIP_BUILD === "1") return;
  const key = `${runtime}:${bundler}`;
  if (built.get(runtime)?.key === key) return built.get(runtime).promise;
  const promise = (async () => {
    const args = [nextBin(dir), "build", ...(bundler === "webpack" ? ["--webpack"] : [])];
    const proc = spawnGroup(process.execPath, args, { cwd: dir, env: nextEnv({ BETTER_AUTH_SECRET: undefined, ORIGIN_URL: undefined }) });
    const started = Date.now();
    const code = await Promise.race([new Promise((r) => proc.child.once("exit", (c) => r(c))), deadline(timeoutMs, "timeout")]);
    if (code !== 0) {
      await proc.stop();
      throw new Error(`next build (${runtime}, ${bundler}) failed (${code}):\n${proc.log()}`);
    }
    const banner = /Next\.js [\d.]+ \((\w+)\)/.exec(proc.log())?.[1];
    if (banner && banner.toLowerCase() !== bundler) throw new Error(`asked for ${bundler}, next build used ${banner}`);
    console.error(`# next build ${runtime} (${bundler}) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  })();
  built.set(runtime, { key, promise });
  try {
    await promise;
  } catch (e) {
    built.delete(runtime);
    throw e;
  }
}

/**
 * `next start` of an already built app. `secret`/`originUrl` undefined → the variable is unset.
 * `env`: more variables, or a function of the app's own URL returning them (e.g. a JWKS_URL
 * at the app's own `/api/auth/jwks`).
 */
export async function startApp(options = {}) {
  const { runtime = "node", originUrl, env = {}, timeoutMs = 60_000 } = options;
  const secret = "secret" in options ? options.secret : SECRET; // explicit undefined: unset
  const dir = APPS[runtime];
  const port = await freePort();
  // Better Auth's users and sessions: a fresh SQLite file per app unless env names one.
  const dbDir = mkdtempSync(path.join(os.tmpdir(), "jwtgate-next-auth-"));
  const url = `http://${HOST}:${port}`;
  const proc = spawnGroup(process.execPath, [nextBin(dir), "start", "-H", HOST, "-p", String(port)], {
    cwd: dir,
    env: nextEnv({ BETTER_AUTH_SECRET: secret, ORIGIN_URL: originUrl, BETTER_AUTH_URL: url, AUTH_DATABASE: path.join(dbDir, "auth.sqlite"), ...(typeof env === "function" ? env(url) : env) }),
  });
  const stop = async () => {
    await proc.stop();
    rmSync(dbDir, { recursive: true, force: true });
  };
  try {
    await waitFor(`${url}/`, { timeoutMs, alive: proc.alive, log: proc.log, what: `next start (${runtime})` });
  } catch (e) {
    await stop();
    throw e;
  }
  return { url, log: proc.log, close: stop };
}

/**
 * Builds (if needed) and starts one example app in front of a fresh origin.
 * origin: "echo" (Node, echoes method/url/headers/body) or "fastapi" (scripts/origin.sh;
 * falls back to echo when its venv is missing). Returns { appUrl, originUrl, origin, app, close }.
 */
export async function startNextStack({ runtime = "node", bundler = BUNDLERS[0] ?? "turbopack", origin = "echo", secret = SECRET, build = true, env = {} } = {}) {
  if (build) await buildApp({ runtime, bundler });
  const org = (origin === "fastapi" && (await startFastapiOrigin({ secret }))) || (await startEchoOrigin());
  let app;
  try {
    app = await startApp({ runtime, secret, originUrl: org.url, env });
  } catch (e) {
    await org.close();
    throw e;
  }
  return {
    runtime, bundler, appUrl: app.url, originUrl: org.url, origin: org, app,
    close: async () => { await app.close(); await org.close(); },
  };
}

/**
 * One request with the path sent byte for byte (node:http: fetch/WHATWG URL would resolve
 * `%2e%2e` and friends). r = { method, path, headers, body }; redirects are not followed.
 * `headers` may be a raw list [name, value, name, value, …] to send a name more than once.
 * Resolves { status, headers (Headers), text, json }.
 */
export function send(base, r) {
  const { hostname, port, host } = new URL(base);
  // A raw list gets no automatic Host from node:http.
  const headers = Array.isArray(r.headers) && !r.headers.some((h, i) => i % 2 === 0 && h.toLowerCase() === "host") ? ["host", host, ...r.headers] : r.headers;
  return new Promise((resolve, reject) => {
    const req = http.request({ host: hostname, port, method: r.method ?? "GET", path: r.path, headers, timeout: 15_000 }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        let json = null;
        try { json = JSON.parse(text); } catch {}
        resolve({ status: res.statusCode, headers: new Headers(Object.entries(res.headers).map(([k, v]) => [k, String(v)])), text, json });
      });
    });
    req.on("timeout", () => req.destroy(new Error(`timeout: ${r.path}`)));
    req.on("error", reject);
    req.end(r.body);
  });
}

/** Headless Debian Chromium through playwright-core (root node_modules). */
export async function launchChromium() {
  const { chromium } = await import("playwright-core");
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    timeout: 30_000,
    args: ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
      "--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-sync"],
  });
}
