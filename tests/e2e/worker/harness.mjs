// Test harness for the edge gate: real `npx wrangler dev` (workerd) from the repository
// root, real origins on 127.0.0.1, tokens minted with node:crypto (test-only code).
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import http from "node:http";
import { fileURLToPath } from "node:url";
import path from "node:path";
import { HOST, nowSecs, freePort, signJws } from "../common.mjs";

export { HOST, nowSecs, freePort };

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
// Random-looking test secrets: >= 32 chars, >= 8 distinct, no placeholder fragments.
export const SECRET = "k3Jx9vQ2mW7pL4tZ8rB6nC1yH5sD0fGa-e2e-worker";
export const PREVIOUS_SECRET = "Zq8Wm3Rt6Yp1Ls4Kd7Hf0Gj2Nb5Vc9Xa-e2e-old";
export const OTHER_SECRET = "Hn4Tq7Wz1Kc8Rm5Yb2Ld9Fs6Gj3Vp0Xe-e2e-other";

/** A compact JWS. `header` and `payload` are objects (or raw strings, sent as they are). */
export function mint(payload, { secret = SECRET, header } = {}) {
  return signJws(payload, secret, header);
}


/** Claims the spec accepts: 15 minutes of lifetime, issued a minute ago. */
export function claims(sub = "u1", extra = {}) {
  const iat = nowSecs() - 60;
  return { sub, email: `${sub}@example.com`, iat, exp: iat + 900, ...extra };
}

export const bearer = (token) => `Bearer ${token}`;

/**
 * A real HTTP origin that answers every request with what it received, as JSON:
 * { method, url, headers, rawHeaders, bodyLength, bodySha256 }. Special paths:
 *   /hang      never answers (timeout tests)
 *   /redirect  302 to /elsewhere
 *   /redirect-absolute  307 to its own absolute URL (Location and Content-Location)
 *   /redirect-other     302 to another host
 *   /cors      answers with its own permissive CORS headers (the edge must replace them)
 */
export async function startEchoOrigin() {
  const seen = [];
  const sockets = new Set();
  const server = http.createServer((req, res) => {
    const hash = createHash("sha256");
    let length = 0;
    req.on("data", (chunk) => {
      length += chunk.length;
      hash.update(chunk);
    });
    req.on("end", () => {
      const record = {
        method: req.method,
        url: req.url,
        headers: req.headers,
        rawHeaders: req.rawHeaders,
        bodyLength: length,
        bodySha256: hash.digest("hex"),
      };
      seen.push(record);
      if (req.url.startsWith("/hang")) return; // never answer
      if (req.url.startsWith("/redirect-absolute")) {
        // As FastAPI's trailing-slash redirect: the origin's own address, absolute.
        const self = `http://${req.headers.host}`;
        res.writeHead(307, { location: `${self}/elsewhere?x=1#f`, "content-location": `${self}/api/v1/u1/tasks`, "x-self": self });
        return res.end();
      }
      if (req.url.startsWith("/redirect-other")) {
        res.writeHead(302, { location: "https://auth.example.com/login?next=http://127.0.0.1/x", "content-location": "/relative" });
        return res.end();
      }
      if (req.url.startsWith("/redirect")) {
        res.writeHead(302, { location: "/elsewhere" });
        return res.end();
      }
      const extra = req.url.startsWith("/cors")
        ? { "access-control-allow-origin": "*", "access-control-allow-credentials": "true" }
        : {};
      res.writeHead(200, { "content-type": "application/json", "x-origin": "echo", ...extra });
      res.end(JSON.stringify(record));
    });
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  const port = await freePort();
  await new Promise((resolve) => server.listen(port, HOST, resolve));
  return {
    port,
    url: `http://${HOST}:${port}`,
    seen,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** Kills a process group this harness spawned (detached), then waits for its exit. */
async function killGroup(child, ms = 5000) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  try {
    process.kill(-child.pid, "SIGTERM");
  } catch {
    return;
  }
  const timer = setTimeout(() => {
    try {
      process.kill(-child.pid, "SIGKILL");
    } catch {}
  }, ms);
  await exited;
  clearTimeout(timer);
}

async function waitFor(check, { timeoutMs, what, output }) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n${output?.() ?? ""}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function answers(port, pathName = "/") {
  try {
    await request(port, { path: pathName, timeoutMs: 2000 });
    return true;
  } catch {
    return false;
  }
}

/**
 * Starts `npx wrangler dev` from the repository root (so the root wrangler.toml and its
 * [build] command are what is tested). Every variable the worker reads is passed with
 * --var, which wins over a developer's .dev.vars: the run is hermetic.
 */
export async function startWorker(vars, options = {}) {
  // A port taken between freePort() and workerd's bind (another process on this machine),
  // or a rebuild the file watcher started while workerd was binding: once more, new ports.
  try {
    return await startWorkerOnce(vars, options);
  } catch (e) {
    if (!/Address already in use|restarting build/.test(String(e?.message))) throw e;
    return startWorkerOnce(vars, options);
  }
}

async function startWorkerOnce(vars, { timeoutMs = 90_000, persistTo, configs } = {}) {
  const port = await freePort();
  const inspector = await freePort();
  const all = {
    BETTER_AUTH_PREVIOUS_SECRETS: "",
    ALLOWED_ORIGINS: "http://localhost:3000", // a development value (wrangler.toml has none)
    API_PREFIX: "/api/v1/",
    ORIGIN_TIMEOUT_MS: "30000",
    UNPROTECTED_PATHS: "proxy",
    ...vars,
  };
  const args = ["wrangler", "dev", "--ip", HOST, "--port", String(port)];
  // Several Workers in one workerd (the first is served; service bindings between them).
  for (const config of configs ?? []) args.push("-c", config);
  args.push("--inspector-port", String(inspector), "--show-interactive-dev-session=false");
  for (const [k, v] of Object.entries(all)) args.push("--var", `${k}:${v}`);
  // Local state (the Cache API among it) in a given directory: two runs share it.
  if (persistTo) args.push("--persist-to", persistTo);
  const child = spawn("npx", args, {
    cwd: ROOT,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", NO_COLOR: "1", CI: "1" },
  });
  let output = "";
  child.stdout.on("data", (d) => (output += d));
  child.stderr.on("data", (d) => (output += d));
  const worker = {
    port,
    url: `http://${HOST}:${port}`,
    output: () => output,
    // workerd's console lines reach wrangler's stdout asynchronously (late on a loaded machine):
    // resolves with the output once it matches `re`, or returns it as it is after `timeoutMs`.
    async outputMatching(re, timeoutMs = 15_000) {
      try {
        await waitFor(async () => re.test(output), { timeoutMs, what: String(re) });
      } catch {}
      return output;
    },
    stop: () => killGroup(child),
  };
  try {
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`wrangler dev exited early:\n${output}`);
        return /Ready on/.test(output) && (await answers(port));
      },
      { timeoutMs, what: "wrangler dev", output: () => output },
    );
  } catch (e) {
    await worker.stop();
    throw e;
  }
  return worker;
}

/** Starts the example FastAPI origin through scripts/origin.sh (it manages its venv). */
export async function startFastApiOrigin({ secret = SECRET, dbPath, timeoutMs = 240_000 }) {
  const port = await freePort();
  const child = spawn("bash", [path.join(ROOT, "scripts/origin.sh")], {
    cwd: ROOT,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, PORT: String(port), BETTER_AUTH_SECRET: secret, TASKS_DB: dbPath },
  });
  let output = "";
  child.stdout.on("data", (d) => (output += d));
  child.stderr.on("data", (d) => (output += d));
  const origin = {
    port,
    url: `http://${HOST}:${port}`,
    output: () => output,
    // workerd's console lines reach wrangler's stdout asynchronously (late on a loaded machine):
    // resolves with the output once it matches `re`, or returns it as it is after `timeoutMs`.
    async outputMatching(re, timeoutMs = 15_000) {
      try {
        await waitFor(async () => re.test(output), { timeoutMs, what: String(re) });
      } catch {}
      return output;
    },
    stop: () => killGroup(child),
  };
  try {
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`origin exited early:\n${output}`);
        return answers(port, "/health");
      },
      { timeoutMs, what: "the FastAPI origin", output: () => output },
    );
  } catch (e) {
    await origin.stop();
    throw e;
  }
  return origin;
}

/**
 * One HTTP/1.1 request with a raw path (no client-side URL normalisation), bounded in time.
 * `headers` may be a raw list [name, value, name, value, …] to send a name more than once.
 * Resolves { status, headers, body, json }.
 */
export function request(port, { method = "GET", path: rawPath = "/", headers = {}, body, timeoutMs = 15_000 } = {}) {
  // A raw list gets no automatic Host from node:http.
  if (Array.isArray(headers) && !headers.some((h, i) => i % 2 === 0 && h.toLowerCase() === "host")) {
    headers = ["host", `${HOST}:${port}`, ...headers];
  }
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: HOST, port, method, path: rawPath, headers, agent: false, timeout: timeoutMs },
      (res) => {
        const chunks = [];
        res.on("data", (c) => chunks.push(c));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          let json;
          try {
            json = JSON.parse(text);
          } catch {}
          resolve({ status: res.statusCode, headers: res.headers, body: text, json });
        });
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error(`request timed out after ${timeoutMs} ms`)));
    req.on("error", reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}
