// The installed package loading in its other hosts, for real: a page in headless
// Chromium (index.browser.js) and a Worker in workerd via `wrangler dev` (index.workerd.js).
// JWTGATE_SCRATCH points at the scratch project where scripts/test-pkg.sh installed the tarball.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { createServer, request } from "node:http";
import { readFile, writeFile, mkdir } from "node:fs/promises";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { resultInBrowser } from "./browser.mjs";

const SCRATCH = process.env.JWTGATE_SCRATCH;
const REPO = fileURLToPath(new URL("../..", import.meta.url));
const SECRET = "k3Jx9vQ2mW7pL4tZ8rB6nC1yH5sD0fGa";
const b64 = (s) => Buffer.from(s).toString("base64url");
function mint(sub, now = Math.floor(Date.now() / 1000)) {
  const input = `${b64('{"alg":"HS256","typ":"JWT"}')}.${b64(JSON.stringify({ sub, email: `${sub}@example.com`, iat: now, exp: now + 900 }))}`;
  return `${input}.${createHmac("sha256", SECRET).update(input).digest("base64url")}`;
}
const listen = (server) => new Promise((ok) => server.listen(0, "127.0.0.1", () => ok(server.address().port)));

test("loads and decides in a browser page (headless Chromium)", { timeout: 60_000, skip: !SCRATCH && "JWTGATE_SCRATCH not set" }, async () => {
  const pkgDir = join(SCRATCH, "node_modules", "jwtgate");
  const token = mint("u1");
  const page = `<!doctype html><script type="module">
    import { Gate, GateConfigError } from "/node_modules/jwtgate/index.browser.js";
    // Issue 11 §7: a secret in a page is every visitor's; the browser entry wants it said.
    const refusals = [{ secret: ${JSON.stringify(SECRET)} }, { secret: ${JSON.stringify(SECRET)}, dangerouslyAllowSecretInBrowser: false }, { secret: ${JSON.stringify(SECRET)}, dangerouslyAllowSecretInBrowser: "true" }]
      .map((options) => { try { new Gate(options); return "constructed"; } catch (e) { return [e instanceof GateConfigError, e.code, e.message.includes(${JSON.stringify(SECRET)})]; } });
    // Finding 4: the guard holds on every way to build a gate (fromJwksUrl too, before any fetch).
    const remote = await Gate.fromJwksUrl(location.origin + "/jwks", { secret: ${JSON.stringify(SECRET)}, issuer: "x", audience: "x" })
      .then(() => "constructed", (e) => [e instanceof GateConfigError, e.code]);
    const gate = new Gate({ secret: ${JSON.stringify(SECRET)}, dangerouslyAllowSecretInBrowser: true });
    const h = { authorization: "Bearer ${token}" };
    window.result = {
      refusals,
      remote,
      own: gate.authorize({ url: "/api/v1/u1/tasks", headers: h }),
      other: gate.authorize({ url: "/api/v1/u2/tasks", headers: h }),
      none: gate.authorize(new Request(location.origin + "/api/v1/u1/tasks")),
    };
  </script>`;
  const { result, errors } = await resultInBrowser(pkgDir, page, 20_000);
  assert.deepEqual(errors, []);
  assert.deepEqual(result.refusals, [[true, "secret_in_browser", false], [true, "secret_in_browser", false], [true, "secret_in_browser", false]]);
  assert.deepEqual(result.remote, [true, "secret_in_browser"]);
  assert.equal(result.own.allowed, true);
  assert.equal(result.own.userId, "u1");
  assert.deepEqual([result.other.status, result.other.code], [403, "user_mismatch"]);
  assert.deepEqual([result.none.status, result.none.code], [401, "missing_authorization"]);
});

test("loads and decides in workerd (wrangler dev, .wasm module import); the README's JS Worker forwards only verified identity", { timeout: 120_000, skip: !SCRATCH && "JWTGATE_SCRATCH not set" }, async () => {
  const dir = join(SCRATCH, "worker");
  await mkdir(dir, { recursive: true });
  // The README's "Cloudflare Worker (JS, with the npm package)" example.
  // Also Better Auth's own tokens (better-auth.json, minted by scripts/test-pkg.sh) through
  // Gate.fromJwksUrl against a key server on loopback: the workerd path (no shared promise).
  const fixture = JSON.parse(await readFile(join(SCRATCH, "better-auth.json"), "utf8"));
  let keyFetches = 0;
  const keyServer = createServer((req, res) => {
    keyFetches += 1;
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify(fixture.jwks));
  });
  const keyPort = await listen(keyServer);
  await writeFile(join(dir, "index.js"), `import { Gate } from "jwtgate";
let gate, remote;
export default {
  async fetch(request, env) {
    if (new URL(request.url).pathname.startsWith("/remote/")) {
      remote ??= await Gate.fromJwksUrl(env.JWKS_URL, { issuer: env.APP, audience: env.APP, apiPrefix: "/remote/api/v1/" });
      const decision = await remote.authorizeAsync(request);
      return decision.allowed ? Response.json({ userId: decision.userId }) : remote.deny(decision);
    }
    gate ??= new Gate({ secret: env.SECRET });
    const decision = gate.authorize(request);
    if (!decision.allowed) return gate.deny(decision);
    return fetch(gate.originRequest(request, decision, env.ORIGIN_URL));
  },
};
`);
  await writeFile(join(dir, "wrangler.toml"), `name = "jwtgate-pkg-smoke"\nmain = "index.js"\ncompatibility_date = "2025-01-01"\n`);
  // A real origin that answers with the raw header lines it received.
  const origin = createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ method: req.method, url: req.url, rawHeaders: req.rawHeaders, body: Buffer.concat(chunks).toString() }));
    });
  });
  const originPort = await listen(origin);
  const probe = createServer();
  const port = await listen(probe);
  probe.close();
  const wrangler = spawn(join(REPO, "node_modules/.bin/wrangler"),
    ["dev", "--config", join(dir, "wrangler.toml"), "--ip", "127.0.0.1", "--port", String(port), "--var", `SECRET:${SECRET}`,
      "--var", `ORIGIN_URL:http://127.0.0.1:${originPort}`, "--var", `JWKS_URL:http://127.0.0.1:${keyPort}/api/auth/jwks`,
      "--var", `APP:${fixture.baseURL}`, "--log-level", "warn"],
    { cwd: dir, detached: true, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "true" } });
  let log = "";
  wrangler.stdout.on("data", (d) => (log += d));
  wrangler.stderr.on("data", (d) => (log += d));
  try {
    const base = `http://127.0.0.1:${port}`;
    let ready = false;
    for (let i = 0; i < 180 && !ready; i++) {
      ready = await fetch(base + "/").then(() => true, () => false);
      if (!ready) await new Promise((r) => setTimeout(r, 500));
    }
    assert.ok(ready, `wrangler dev did not start:\n${log}`);
    // Spoofed identity in every spelling, each on its own header line.
    const raw = ["host", `127.0.0.1:${port}`, "authorization", `Bearer ${mint("u1")}`, "content-type", "text/plain",
      "X-User-Email", "victim@example.com", "x-user-email", "victim2@example.com", "X-USER-EMAIL", "victim3@example.com",
      "X-User-Id", "victim", "x-user-id", "victim", "X-USER-ID", "victim"];
    const own = await rawRequest(port, { method: "POST", path: "/api/v1/u1/tasks?q=1", headers: raw, body: "hello" });
    assert.equal(own.status, 200, log);
    const seen = JSON.parse(own.body);
    assert.deepEqual([seen.method, seen.url, seen.body], ["POST", "/api/v1/u1/tasks?q=1", "hello"]);
    assert.deepEqual(valuesOf(seen.rawHeaders, "x-user-id"), ["u1"]);
    assert.deepEqual(valuesOf(seen.rawHeaders, "x-user-email"), ["u1@example.com"]);
    const other = await fetch(base + "/api/v1/u2/tasks", { headers: { authorization: `Bearer ${mint("u1")}` } });
    assert.equal(other.status, 403);
    assert.deepEqual(await other.json(), { detail: "User ID in path does not match authenticated user" });
    const none = await fetch(base + "/api/v1/u1/tasks");
    assert.equal(none.status, 401);
    assert.equal(none.headers.get("www-authenticate"), "Bearer");
    // EdDSA: Better Auth tokens with a remote key set, in workerd.
    for (const { token, userId } of fixture.tokens) {
      const r = await fetch(`${base}/remote/api/v1/${userId}/tasks`, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(r.status, 200, log);
      assert.deepEqual(await r.json(), { userId });
    }
    const [h, p] = fixture.tokens[0].token.split(".");
    const forged = `${h}.${fixture.tokens[1].token.split(".")[1]}.${fixture.tokens[0].token.split(".")[2]}`;
    const refused = await fetch(`${base}/remote/api/v1/${fixture.tokens[1].userId}/tasks`, { headers: { authorization: `Bearer ${forged}` } });
    assert.equal(refused.status, 401);
    assert.equal((await refused.json()).detail, "Invalid token: signature verification failed");
    const unknown = `${b64(JSON.stringify({ alg: "EdDSA", kid: "rotated" }))}.${p}.${fixture.tokens[0].token.split(".")[2]}`;
    for (let i = 0; i < 20; i++) {
      const r = await fetch(`${base}/remote/api/v1/${fixture.tokens[0].userId}/tasks`, { headers: { authorization: `Bearer ${unknown}` } });
      assert.equal(r.status, 401);
    }
    assert.equal(keyFetches, 1, "one fetch; unknown kids inside the cooldown cause none");
  } finally {
    try { process.kill(-wrangler.pid, "SIGTERM"); } catch {}
    origin.closeAllConnections?.();
    origin.close();
    keyServer.close();
  }
});

function valuesOf(rawHeaders, name) {
  const out = [];
  for (let i = 0; i < rawHeaders.length; i += 2) if (rawHeaders[i].toLowerCase() === name) out.push(rawHeaders[i + 1]);
  return out;
}

/** node:http with a raw header list (repeated names stay separate lines). */
function rawRequest(port, { method, path, headers, body }) {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, method, path, headers, timeout: 15_000 }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString() }));
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", reject);
    req.end(body);
  });
}
