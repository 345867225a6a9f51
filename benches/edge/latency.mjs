// Edge latency: the worker in real workerd (`wrangler dev`) in front of a trivial origin,
// against that origin directly, at a steady open-loop rate on loopback. Alternating rounds;
// reports p50/p99 per target, the latency the worker adds, achieved throughput and errors.
// Every answer through the worker is checked (200 + the token's identity header).
//   EDGE_RATE (300 req/s), EDGE_SECONDS (5 per round), EDGE_ROUNDS (2 per target)
// Usage: node benches/edge/latency.mjs <out.json>
import http from "node:http";
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SECRET, HOST, ROOT, mint, claims, bearer, freePort, startEchoOrigin, startWorker } from "../../tests/e2e/worker/harness.mjs";

const RATE = Number(process.env.EDGE_RATE ?? 300);
const SECONDS = Number(process.env.EDGE_SECONDS ?? 5);
const ROUNDS = Number(process.env.EDGE_ROUNDS ?? 2);
const out = process.argv[2] ?? "target/bench/edge.json";

/**
 * The same `wrangler dev` stack running a pass-through Worker with no gate: the difference
 * between it and the gated worker is what jwtgate adds; the rest is the local dev proxy.
 */
async function startPassthrough(originUrl) {
  const dir = mkdtempSync(join(tmpdir(), "jwtgate-passthrough-"));
  writeFileSync(join(dir, "index.js"), `export default {
  fetch(request, env) {
    const url = new URL(request.url);
    return fetch(env.ORIGIN_URL + url.pathname + url.search, request);
  },
};
`);
  writeFileSync(join(dir, "wrangler.toml"), 'name = "passthrough"\nmain = "index.js"\ncompatibility_date = "2025-01-01"\n');
  const port = await freePort();
  const child = spawn(join(ROOT, "node_modules/.bin/wrangler"),
    ["dev", "--config", join(dir, "wrangler.toml"), "--ip", HOST, "--port", String(port), "--inspector-port", String(await freePort()), "--var", `ORIGIN_URL:${originUrl}`],
    { cwd: dir, detached: true, stdio: "ignore", env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "1" } });
  for (let i = 0; i < 240; i++) {
    const up = await new Promise((r) => http.get({ host: HOST, port, path: "/health" }, (res) => { res.resume(); r(true); }).on("error", () => r(false)));
    if (up) return { port, stop: () => { try { process.kill(-child.pid, "SIGTERM"); } catch {} } };
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error("pass-through wrangler dev did not start");
}

const origin = await startEchoOrigin();
const worker = await startWorker({ BETTER_AUTH_SECRET: SECRET, ORIGIN_URL: origin.url });
const passthrough = await startPassthrough(origin.url);
const token = bearer(mint(claims("user-1")));
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

function once(port) {
  const started = process.hrtime.bigint();
  return new Promise((resolve) => {
    const req = http.request(
      { host: HOST, port, path: "/api/v1/user-1/tasks", headers: { authorization: token }, agent, timeout: 10_000 },
      (res) => {
        const chunks = [];
        res.on("data", (c) => chunks.push(c));
        res.on("end", () => {
          const ms = Number(process.hrtime.bigint() - started) / 1e6;
          let ok = res.statusCode === 200;
          if (ok && port === worker.port) ok = JSON.parse(Buffer.concat(chunks).toString()).headers["x-user-id"] === "user-1";
          resolve({ ms, ok });
        });
      },
    );
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", () => resolve({ ms: Number(process.hrtime.bigint() - started) / 1e6, ok: false }));
    req.end();
  });
}

/** Open loop: requests are sent on schedule whether or not earlier ones have answered. */
async function round(port) {
  const total = RATE * SECONDS;
  const pending = [];
  const t0 = performance.now();
  for (let i = 0; i < total; i++) {
    const due = t0 + (i * 1000) / RATE;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    pending.push(once(port));
  }
  const results = await Promise.all(pending);
  return { results, seconds: (performance.now() - t0) / 1000 };
}

const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const collect = { origin: [], passthrough: [], worker: [] };
await round(worker.port); // warm-up (first requests compile the workers)
await round(passthrough.port);
const order = [["origin", origin.port], ["passthrough", passthrough.port], ["worker", worker.port]];
for (let r = 0; r < ROUNDS; r++) {
  for (const [name, port] of r % 2 ? [...order].reverse() : order) collect[name].push(await round(port));
}
passthrough.stop();
await worker.stop();
await origin.close();
agent.destroy();

function summary(rounds) {
  const all = rounds.flatMap((r) => r.results);
  const ms = all.map((x) => x.ms).sort((a, b) => a - b);
  const seconds = rounds.reduce((s, r) => s + r.seconds, 0);
  return {
    p50: Number(pct(ms, 50).toFixed(3)),
    p99: Number(pct(ms, 99).toFixed(3)),
    rps: Math.round(all.length / seconds),
    errors: all.filter((x) => !x.ok).length,
    requests: all.length,
  };
}
const result = {
  tool: "Node open-loop generator (benches/edge/latency.mjs), keep-alive",
  rate: RATE,
  seconds: SECONDS * ROUNDS,
  origin: summary(collect.origin),
  passthrough: summary(collect.passthrough),
  worker: summary(collect.worker),
};
// What the gate adds: gated worker vs the same dev stack without the gate.
result.addedP50Ms = Number((result.worker.p50 - result.passthrough.p50).toFixed(3));
result.addedP99Ms = Number((result.worker.p99 - result.passthrough.p99).toFixed(3));
// And the whole local stack (wrangler's dev proxy + workerd + the gate) vs the origin alone.
result.stackP50Ms = Number((result.worker.p50 - result.origin.p50).toFixed(3));
// The gate's target is about the gated path; the pass-through baseline's errors are shown in its row.
result.errors = result.worker.errors;
writeFileSync(out, JSON.stringify(result, null, 2));
console.log(JSON.stringify(result));
process.exit(0);
