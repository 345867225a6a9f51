// `jwtgate/full` in its other hosts, for real (issue 24): a page in headless Chromium
// (full/index.browser.js, pure-Wasm verifier) and a Worker in workerd via `wrangler dev`
// (full/index.workerd.js, the .wasm as a module import), each verifying the REAL better-auth
// package's tokens of every algorithm from one keyPairConfigs app (algorithms.json, minted by
// scripts/test-pkg.sh) and refusing a confused algorithm. JWTGATE_SCRATCH: the scratch project
// where scripts/test-pkg.sh installed the tarball.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { readFile, writeFile, mkdir } from "node:fs/promises";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { resultInBrowser } from "./browser.mjs";

const SCRATCH = process.env.JWTGATE_SCRATCH;
const REPO = fileURLToPath(new URL("../..", import.meta.url));
const listen = (server) => new Promise((ok) => server.listen(0, "127.0.0.1", () => ok(server.address().port)));
const b64 = (v) => Buffer.from(JSON.stringify(v)).toString("base64url");
const fixture = async () => JSON.parse(await readFile(join(SCRATCH, "algorithms.json"), "utf8"));
/** Each algorithm's token, and one with its header renamed to another algorithm (same kid). */
function cases(f) {
  return Object.entries(f.multi.tokens).map(([alg, t]) => {
    const [h, p, s] = t.token.split(".");
    const header = JSON.parse(Buffer.from(h, "base64url"));
    const other = alg === "ES256" ? "RS256" : "ES256";
    return { alg, userId: t.userId, token: t.token, confused: `${b64({ ...header, alg: other })}.${p}.${s}` };
  });
}

test("jwtgate/full in a browser page (headless Chromium): every algorithm, pure Wasm", { timeout: 60_000, skip: !SCRATCH && "JWTGATE_SCRATCH not set" }, async () => {
  const f = await fixture();
  const pkgDir = join(SCRATCH, "node_modules", "jwtgate");
  const now = Math.min(...Object.values(f.multi.tokens).map((t) => JSON.parse(Buffer.from(t.token.split(".")[1], "base64url")).iat));
  const page = `<!doctype html><script type="module">
    import { Gate } from "/node_modules/jwtgate/full/index.browser.js";
    const gate = new Gate({ jwks: ${JSON.stringify(f.multi.jwks)}, issuer: ${JSON.stringify(f.baseURL)}, audience: ${JSON.stringify(f.baseURL)}, now: ${now} });
    const cases = ${JSON.stringify(cases(f))};
    window.result = cases.map((c) => ({
      alg: c.alg,
      own: gate.authorize({ url: "/api/v1/" + c.userId + "/tasks", headers: { authorization: "Bearer " + c.token } }),
      confused: gate.authorize({ url: "/api/v1/" + c.userId + "/tasks", headers: { authorization: "Bearer " + c.confused } }).code,
    }));
  </script>`;
  const { result, errors } = await resultInBrowser(pkgDir, page, 30_000);
  assert.deepEqual(errors, []);
  assert.equal(result.length, 5);
  for (const r of result) {
    assert.equal(r.own.allowed, true, `${r.alg}: ${JSON.stringify(r.own)}`);
    assert.equal(r.confused, "alg_not_allowed", r.alg);
  }
});

test("jwtgate/full in workerd (wrangler dev): every algorithm of a remote Better Auth key set", { timeout: 120_000, skip: !SCRATCH && "JWTGATE_SCRATCH not set" }, async () => {
  const f = await fixture();
  const dir = join(SCRATCH, "worker-full");
  await mkdir(dir, { recursive: true });
  let keyFetches = 0;
  const keyServer = createServer((req, res) => {
    keyFetches += 1;
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify(f.multi.jwks));
  });
  const keyPort = await listen(keyServer);
  await writeFile(join(dir, "index.js"), `import { Gate } from "jwtgate/full";
let remote;
export default {
  async fetch(request, env) {
    remote ??= await Gate.fromJwksUrl(env.JWKS_URL, { issuer: env.APP, audience: env.APP });
    const decision = await remote.authorizeAsync(request);
    return decision.allowed ? Response.json({ userId: decision.userId }) : remote.deny(decision);
  },
};
`);
  await writeFile(join(dir, "wrangler.toml"), `name = "jwtgate-pkg-full-smoke"\nmain = "index.js"\ncompatibility_date = "2025-01-01"\n`);
  const probe = createServer();
  const port = await listen(probe);
  probe.close();
  const wrangler = spawn(join(REPO, "node_modules/.bin/wrangler"),
    ["dev", "--config", join(dir, "wrangler.toml"), "--ip", "127.0.0.1", "--port", String(port),
      "--var", `JWKS_URL:http://127.0.0.1:${keyPort}/api/auth/jwks`, "--var", `APP:${f.baseURL}`, "--log-level", "warn"],
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
    for (const c of cases(f)) {
      const r = await fetch(`${base}/api/v1/${c.userId}/tasks`, { headers: { authorization: `Bearer ${c.token}` } });
      assert.equal(r.status, 200, `${c.alg}: ${log}`);
      assert.deepEqual(await r.json(), { userId: c.userId });
      const confused = await fetch(`${base}/api/v1/${c.userId}/tasks`, { headers: { authorization: `Bearer ${c.confused}` } });
      assert.equal(confused.status, 401, c.alg);
      assert.equal((await confused.json()).detail, "Invalid token: algorithm not allowed", c.alg);
    }
    assert.equal(keyFetches, 1);
  } finally {
    try { process.kill(-wrangler.pid, "SIGTERM"); } catch {}
    keyServer.close();
  }
});
