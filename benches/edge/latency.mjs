// Edge load: the worker in real workerd (`wrangler dev`) in front of a trivial origin, against
// the same `wrangler dev` stack running a pass-through Worker (no gate) and the origin alone.
// The load adapts to the machine (issue 17):
//   1. capacity, closed loop: EDGE_CONNECTIONS connections send back to back (pass-through and
//      gated in short paired rounds, the order alternating): req/s answered correctly. Target:
//      gated / pass-through ≥ 0.9, the median of the pairs' ratios.
//   2. unloaded latency, closed loop with one connection (information; the saturation check's
//      reference).
//   3. open loop at EDGE_LOAD_FRACTION (50%) of the pass-through capacity: p50/p99 per target and
//      what the gate adds (gated − pass-through; p50: the median of the rounds' differences).
//      Target: added p50 ≤ 1 ms.
// When the pass-through baseline errors or is saturated at that rate (it answers less than 95% of
// the offered rate, or its p50 is more than 4× its unloaded p50 + 1 ms: that is queueing, not the
// gate), or its capacity moved by more than 1.5× between rounds (other work on a shared machine),
// the run says "not measurable on this machine", writes why, and exits 1: no figure is
// an artefact of a saturated harness. An "added" latency below zero is noise, printed as 0.
// Every answer through the gated worker is checked (200 + the token's identity header).
//   EDGE_CONNECTIONS (8), EDGE_CAPACITY_ROUNDS (8 pairs), EDGE_CAPACITY_SECONDS (2 per round),
//   EDGE_LOAD_FRACTION (0.5), EDGE_SECONDS (3 per
//   open-loop round), EDGE_ROUNDS (4 per target and phase), EDGE_RATE (fixed rate; overrides the
//   fraction, for experiments only)
// Usage: node benches/edge/latency.mjs <out.json>
import http from "node:http";
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { added, baselineProblems } from "./measurable.mjs";
import { SECRET, HOST, ROOT, mint, claims, bearer, freePort, startEchoOrigin, startWorker } from "../../tests/e2e/worker/harness.mjs";

const CONNECTIONS = Number(process.env.EDGE_CONNECTIONS ?? 8);
const CAPACITY_SECONDS = Number(process.env.EDGE_CAPACITY_SECONDS ?? 2);
const CAPACITY_ROUNDS = Number(process.env.EDGE_CAPACITY_ROUNDS ?? 8);
const FRACTION = Number(process.env.EDGE_LOAD_FRACTION ?? 0.5);
const SECONDS = Number(process.env.EDGE_SECONDS ?? 3);
const ROUNDS = Number(process.env.EDGE_ROUNDS ?? 4);
const FIXED_RATE = process.env.EDGE_RATE ? Number(process.env.EDGE_RATE) : undefined;
const out = process.argv[2] ?? "target/bench/edge.json";
const log = (...a) => console.error("[edge]", ...a);

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
const PORTS = { origin: origin.port, passthrough: passthrough.port, worker: worker.port };

function once(name, agent) {
  const port = PORTS[name];
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
          if (ok && name === "worker") ok = JSON.parse(Buffer.concat(chunks).toString()).headers["x-user-id"] === "user-1";
          resolve({ ms, ok });
        });
      },
    );
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", () => resolve({ ms: Number(process.hrtime.bigint() - started) / 1e6, ok: false }));
    req.end();
  });
}

/** Closed loop: `connections` clients, each sending its next request when the last answered. */
async function closedLoop(name, connections, seconds) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const results = [];
  const t0 = performance.now();
  const end = t0 + seconds * 1000;
  await Promise.all(Array.from({ length: connections }, async () => {
    while (performance.now() < end) results.push(await once(name, agent));
  }));
  const elapsed = (performance.now() - t0) / 1000;
  agent.destroy();
  return { results, seconds: elapsed };
}

/** Open loop: requests are sent on schedule whether or not earlier ones have answered. */
async function openLoop(name, rate, seconds) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  const total = Math.round(rate * seconds);
  const pending = [];
  const t0 = performance.now();
  for (let i = 0; i < total; i++) {
    const due = t0 + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    pending.push(once(name, agent));
  }
  const results = await Promise.all(pending);
  const elapsed = (performance.now() - t0) / 1000;
  agent.destroy();
  return { results, seconds: elapsed };
}

/** Rounds alternate the order of the targets so that drift in the machine's load is shared. */
async function alternate(names, run, rounds = ROUNDS) {
  const collect = Object.fromEntries(names.map((n) => [n, []]));
  for (let r = 0; r < rounds; r++) {
    for (const name of r % 2 ? [...names].reverse() : names) collect[name].push(await run(name));
  }
  return collect;
}

const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const round3 = (x) => Number(x.toFixed(3));
const median = (xs) => {
  const v = [...xs].sort((a, b) => a - b);
  const m = v.length >> 1;
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
};
function summary(rounds) {
  const all = rounds.flatMap((r) => r.results);
  const ms = all.map((x) => x.ms).sort((a, b) => a - b);
  const seconds = rounds.reduce((s, r) => s + r.seconds, 0);
  const ok = all.filter((x) => x.ok).length;
  return {
    p50: round3(pct(ms, 50)),
    p99: round3(pct(ms, 99)),
    rps: Math.round(ok / seconds),
    errors: all.length - ok,
    requests: all.length,
  };
}

const loadBefore = loadavg()[0];
// Warm-up: the first requests compile the workers and open the dev proxy's connections.
for (const name of ["passthrough", "worker"]) await closedLoop(name, CONNECTIONS, 2);

// Capacity in short paired rounds (pass-through and gated back to back, the order alternating),
// judged by the median of the pairs' ratios: other work on a shared machine comes and goes
// within seconds, and a pair sees nearly the same machine.
log(`capacity: closed loop, ${CONNECTIONS} connections, ${CAPACITY_ROUNDS}×${CAPACITY_SECONDS} s each`);
const capacityRuns = await alternate(["passthrough", "worker"], (n) => closedLoop(n, CONNECTIONS, CAPACITY_SECONDS), CAPACITY_ROUNDS);
const capacity = { passthrough: summary(capacityRuns.passthrough), worker: summary(capacityRuns.worker) };
const roundRps = (r) => r.results.filter((x) => x.ok).length / r.seconds;
const pairRatios = capacityRuns.worker.map((w, i) => roundRps(w) / Math.max(1e-9, roundRps(capacityRuns.passthrough[i])));
const passRounds = capacityRuns.passthrough.map(roundRps);
log(`capacity: pass-through ${capacity.passthrough.rps} req/s (rounds ${Math.round(Math.min(...passRounds))}–${Math.round(Math.max(...passRounds))}), gated ${capacity.worker.rps} req/s; median pair ratio ${median(pairRatios).toFixed(3)}`);

log("unloaded: closed loop, 1 connection");
const unloadedRuns = await alternate(["passthrough", "worker"], (n) => closedLoop(n, 1, 2));
const unloaded = { passthrough: summary(unloadedRuns.passthrough), worker: summary(unloadedRuns.worker) };

const rate = FIXED_RATE ?? Math.max(1, Math.round(FRACTION * capacity.passthrough.rps));
log(`open loop at ${rate} req/s (${FIXED_RATE ? "EDGE_RATE" : `${FRACTION * 100}% of the pass-through capacity`}), ${ROUNDS}×${SECONDS} s each`);
const openRuns = await alternate(["origin", "passthrough", "worker"], (n) => openLoop(n, rate, SECONDS));
const open = Object.fromEntries(Object.entries(openRuns).map(([n, r]) => [n, summary(r)]));
// Per round, gated vs the pass-through round next to it: the added p50 is the median of these
// differences (same reason as the capacity pairs).
const roundP50 = (r) => pct(r.results.map((x) => x.ms).sort((a, b) => a - b), 50);
const pairDiffsP50 = openRuns.worker.map((w, i) => roundP50(w) - roundP50(openRuns.passthrough[i]));
const loadAfter = loadavg()[0];

passthrough.stop();
await worker.stop();
await origin.close();

// Is the baseline measuring the gate's surroundings or a queue? (benches/edge/measurable.mjs)
const problems = baselineProblems({ capacity: capacity.passthrough, unloaded: unloaded.passthrough, open: open.passthrough, rate, roundsRps: passRounds });
// What the gate adds: gated worker vs the same dev stack without the gate (never below zero).
const addedP50 = added(median(pairDiffsP50), 0);
const addedP99 = added(open.worker.p99, open.passthrough.p99);
const result = {
  tool: "Node load generator (benches/edge/latency.mjs), keep-alive",
  connections: CONNECTIONS,
  capacityRounds: CAPACITY_ROUNDS,
  capacitySeconds: CAPACITY_SECONDS,
  fraction: FIXED_RATE ? undefined : FRACTION,
  rate,
  seconds: SECONDS * ROUNDS,
  measurable: problems.length === 0,
  notMeasurable: problems.length ? `not measurable on this machine: ${problems.join("; ")}` : undefined,
  capacity: {
    ...capacity,
    ratio: round3(median(pairRatios)),
    pairRatios: pairRatios.map(round3),
    passthroughRoundsRps: [Math.round(Math.min(...passRounds)), Math.round(Math.max(...passRounds))],
  },
  unloaded,
  origin: open.origin,
  passthrough: open.passthrough,
  worker: open.worker,
  pairDiffsP50Ms: pairDiffsP50.map(round3),
  // How busy the machine was (1-minute load average, before and after the run; nproc cores).
  load: { before: loadBefore, after: loadAfter, cores: cpus().length },
  addedP50Ms: addedP50.ms,
  addedP99Ms: addedP99.ms,
  addedP50BelowNoise: addedP50.belowNoise,
  addedP99BelowNoise: addedP99.belowNoise,
  // The whole local stack (wrangler's dev proxy + workerd) without the gate, over the origin alone.
  stackP50Ms: added(open.passthrough.p50, open.origin.p50).ms,
  // Errors through the gated worker (the pass-through baseline's are a measurability problem).
  errors: capacity.worker.errors + unloaded.worker.errors + open.worker.errors,
};
writeFileSync(out, JSON.stringify(result, null, 2) + "\n");
console.log(JSON.stringify(result));
if (!result.measurable) {
  console.error(`[edge] ${result.notMeasurable}`);
  process.exit(1);
}
process.exit(0);
