// The benchmark's judgement (issue 17), on recorded numbers instead of a live run:
// benches/edge/measurable.mjs (when the edge baseline is saturated) and benches/report.mjs
// (targets as data, calibration first, "not measurable" fails the run, no negative "added").
//   node --test tests/bench/   (make test-bench)
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { added, baselineProblems } from "../../benches/edge/measurable.mjs";

const summary = (p50, rps, errors = 0) => ({ p50, p99: p50 * 3, rps, errors });

test("the Xeon run of issue 17 (300 req/s offered, 279 answered at p50 238 ms) is not measurable", () => {
  const problems = baselineProblems({
    capacity: summary(25, 286), unloaded: summary(4.45, 220), open: summary(238, 279), rate: 300,
  });
  assert.equal(problems.length, 2);
  assert.match(problems[0], /answered 279 of 300 req\/s offered \(saturated\)/);
  assert.match(problems[1], /queueing/);
});

test("the same machine at 50% of its capacity is measurable", () => {
  assert.deepEqual(baselineProblems({
    capacity: summary(25, 286), unloaded: summary(4.45, 220), open: summary(4.9, 143), rate: 143,
  }), []);
});

test("a baseline that errors is not measurable, however fast", () => {
  const problems = baselineProblems({
    capacity: summary(2, 500, 1), unloaded: summary(1, 400), open: summary(1.1, 250), rate: 250,
  });
  assert.match(problems.join(), /1 requests with an error/);
});

test("a baseline whose capacity rounds differ by more than 1.5× (a shared machine) is not measurable", () => {
  const base = { capacity: summary(25, 278), unloaded: summary(4, 220), open: summary(4.2, 139), rate: 139 };
  assert.match(baselineProblems({ ...base, roundsRps: [120, 352, 300, 280] }).join(), /moved between 120 and 352 req\/s/);
  assert.deepEqual(baselineProblems({ ...base, roundsRps: [270, 290, 300, 280] }), []);
});

test("an added latency below zero is reported as 0 with a noise flag, never negative", () => {
  assert.deepEqual(added(4.45, 4.42), { ms: 0.03, belowNoise: false });
  assert.deepEqual(added(-181.5 + 300, 300), { ms: 0, belowNoise: true });
});

/** Minimal node/native/edge results with the shapes benches/report.mjs reads. */
function fixtures(dir, edge, more = {}) {
  const names = ["jwtgate verify", "jwtgate authorize", "jwtgate verify, cacheSize 0", "Wasm engine call",
    "Wasm engine call, cacheSize 0", "createHmac floor", "fast-jwt", "fast-jwt, cache on", "jose"];
  const us = { "jwtgate verify": 0.2, "jwtgate authorize": 0.6, "jwtgate verify, cacheSize 0": 3, "Wasm engine call": 0.1,
    "Wasm engine call, cacheSize 0": 2, "createHmac floor": 4.2, "fast-jwt": 6, "fast-jwt, cache on": 2, jose: 60 };
  const shape = { tokenBytes: 212, contenders: names.map((name) => ({ name, usPerOp: us[name] })) };
  const cold = (totalMs) => ({ loadMs: totalMs / 2, newGateMs: totalMs / 4, firstVerifyMs: totalMs / 4, totalMs, totalMsMax: totalMs });
  writeFileSync(join(dir, "node.json"), JSON.stringify({
    shapes: { spec: shape, betterAuth: shape }, rounds: 15, batchMs: 30,
    memory: { ops: 10, refused: 1, churnTokens: 2, beforeBytes: 65536, afterBytes: 65536, seconds: 1 },
    cold: { runs: 11, fromImport: cold(8.5), instantiate: cold(5.7), peers: { jose: cold(56), "fast-jwt": cold(39) } },
    sizes: { wasmRaw: 82000, wasmGzip: 35000, jsRaw: 24000, jsGzip: 6000 },
    versions: { node: "v20", jose: "6", "fast-jwt": "6", "@tsndr/cloudflare-worker-jwt": "3", jsonwebtoken: "9" },
    ...more.node,
  }));
  const nativeNames = ["jwtgate verify, no cache", "jwtgate verify, cached", "HMAC-SHA256 floor"];
  const nativeUs = { "jwtgate verify, no cache": 1, "jwtgate verify, cached": 0.02, "HMAC-SHA256 floor": 0.5 };
  const native = { contenders: nativeNames.map((name) => ({ name, usPerOp: nativeUs[name] })) };
  writeFileSync(join(dir, "native.json"), JSON.stringify({ rounds: 15, shapes: { spec: native, betterAuth: native }, ...more.native }));
  writeFileSync(join(dir, "edge.json"), JSON.stringify(edge));
  // A row another bench contributes through its own JSON, in the short form.
  writeFileSync(join(dir, "other.json"), JSON.stringify({ targets: [["other: peer / jwtgate", 7, "≥ 5×"]], calibration: [{ label: "machine: other floor", value: 1 }] }));
}

function report(edge, more) {
  const dir = mkdtempSync(join(tmpdir(), "jwtgate-report-"));
  fixtures(dir, edge, more);
  const script = fileURLToPath(new URL("../../benches/report.mjs", import.meta.url));
  const r = spawnSync(process.execPath, [script, dir, join(dir, "BENCHMARKS.md")], { encoding: "utf8" });
  return { status: r.status, stderr: r.stderr, md: readFileSync(join(dir, "BENCHMARKS.md"), "utf8") };
}

const s = (p50, rps) => ({ p50, p99: p50 * 2, rps, errors: 0, requests: rps * 10 });
const EDGE = {
  tool: "test", connections: 8, capacityRounds: 8, capacitySeconds: 2, fraction: 0.5, rate: 143, seconds: 10, measurable: true,
  capacity: { passthrough: s(25, 286), worker: s(24, 305), ratio: 1.066 }, unloaded: { passthrough: s(4.45, 220), worker: s(4.42, 222) },
  origin: s(0.3, 143), passthrough: s(4.9, 143), worker: s(4.8, 143),
  addedP50Ms: 0, addedP99Ms: 0, addedP50BelowNoise: true, addedP99BelowNoise: true, stackP50Ms: 4.6, errors: 0,
};

test("the report: calibration on top, cold start against the fastest peer, rows from other benches", () => {
  const { status, md } = report(EDGE);
  assert.equal(status, 0);
  const table = md.slice(md.indexOf("| target | measured | goal |"));
  const rows = table.split("\n").filter((l) => l.startsWith("| ") && !l.startsWith("| target"));
  assert.match(rows[0], /^\| machine: CPU \|/);
  assert.match(rows[1], /^\| machine: `createHmac` floor, spec token \(µs\/op\) \| 4\.20 \|/);
  assert.match(rows[2], /pass-through Worker capacity .* \| 286 \|/);
  assert.match(md, /8 pairs of 2 s rounds/);
  assert.match(table, /cold start: `import` → first verify, jwtgate \/ fastest peer \(fast-jwt\), fresh Node \| 0\.22 \| ≤ 0\.5× \| met/);
  assert.match(table, /edge: p50 latency added by the gate at 143 req\/s \(ms\) \| 0 \| ≤ 1 \| met \(below the noise/);
  assert.match(table, /other: peer \/ jwtgate \| 7 \| ≥ 5× \| met/);
  // Issues 22 + 24: the default entry's budget (120 KB) replaced 96 KB and the one-engine 80 KB.
  assert.match(table, /\.wasm gzip -9, default entry `jwtgate` \(KB\) \| 34\.18 \| ≤ 120 \| met/);
  assert.doesNotMatch(table, /≤ 80 \|/);
  assert.match(table, /machine: other floor \| 1 \| \| calibration/);
  assert.doesNotMatch(md, /\| -\d|\s-\d+(\.\d+)? ms/, "a negative figure");
});

test("an edge run that was not measurable fails the report and says so in the targets", () => {
  const { status, md, stderr } = report({ ...EDGE, measurable: false, notMeasurable: "not measurable on this machine: the pass-through baseline answered 279 of 300 req/s offered (saturated)" });
  assert.equal(status, 1);
  assert.match(stderr, /not measurable on this machine/);
  assert.match(md, /edge: capacity, .* \| — \| ≥ 0\.9× \| \*\*not measurable on this machine\*\* \|/);
  assert.match(md, /edge: p50 latency added .* \| — \| ≤ 1 \| \*\*not measurable on this machine\*\* \|/);
  assert.doesNotMatch(md, /Added by the gate at/);
});

/** Refusal rows as benches/node/verify.mjs and benches/native.rs write them (µs). */
function refusals() {
  const row = (label, tokenBytes, code, authorizeUs, engineUs) => ({ label, tokenBytes, code, authorizeUs, engineUs });
  const node = {
    ordinary: row("wrong signature, spec token", 212, "invalid_signature", 2.4, 1.65),
    largest: row("wrong signature, 8 KiB token", 8188, "invalid_signature", 38.3, 36.9),
    worst: row("wrong signature, 8 KiB token, costliest 512-byte header", 8189, "invalid_signature", 42.5, 41),
    bigHeader: row("5.8 KB header (over the cap)", 7911, "invalid_header", 8, 7),
  };
  const native = Object.fromEntries(Object.entries({ ordinary: 0.55, largest: 9.82, worst: 12.5, bigHeader: 3.84 })
    .map(([name, usPerOp]) => [name, { name, usPerOp, label: node[name].label, code: node[name].code, tokenBytes: node[name].tokenBytes }]));
  return { node, native };
}

test("the report: bounded work judged at equal size and through the host's API, never as a size ratio", () => {
  const r = refusals();
  const { status, md } = report(EDGE, {
    node: { refusals: r.node, hostOversized: { authorizationBytes: 1 << 20, code: "token_too_large", ordinaryUs: 2.5, oversizedUs: 3 } },
    native: { refusals: r.native },
  });
  assert.equal(status, 0);
  const table = md.slice(md.indexOf("| target | measured | goal |"));
  // The 8 KiB tokens against the 212-byte one measure their size ratio: information, not targets.
  assert.doesNotMatch(table, /worst-case refusal \/ ordinary refusal/);
  assert.doesNotMatch(table, /≤ 10× \| \*\*missed/);
  assert.match(table, /work before the signature: 8 KiB token, costliest header \/ same size, plain header \(wrong signatures\), Wasm engine \| 1\.11 \| ≤ 1\.5× \| met/);
  assert.match(table, /work before the signature: .*, native core \| 1\.27 \| ≤ 1\.5× \| met/);
  assert.match(table, /1 MiB `Authorization` value \/ ordinary refusal, `Gate\.authorize` in Node \| 1\.20 \| ≤ 2× \| met/);
  assert.match(md, /1 MiB `Authorization` value \(`Bearer ` \+ a token-shaped value, refused `token_too_large`\)/);
});

test("a host that copies a 1 MiB `Authorization` value before refusing it misses its target", () => {
  const r = refusals();
  const { status, md } = report(EDGE, {
    node: { refusals: r.node, hostOversized: { authorizationBytes: 1 << 20, code: "token_too_large", ordinaryUs: 2.5, oversizedUs: 310 } },
    native: { refusals: r.native },
  });
  assert.equal(status, 0, "a missed target is reported; only an unmeasurable one fails the report");
  assert.match(md, /1 MiB `Authorization` value \/ ordinary refusal, `Gate\.authorize` in Node \| 124 \| ≤ 2× \| \*\*missed\*\*/);
});

test("the report: speed against the floor in the same runtime, not Wasm against native", () => {
  const { md } = report(EDGE);
  const table = md.slice(md.indexOf("| target | measured | goal |"));
  assert.doesNotMatch(table, /Wasm engine call \/ native core/);
  // Fixtures: cacheSize 0 verify 3 µs, createHmac floor 4.2 µs (both shapes).
  assert.match(table, /jwtgate verify, cacheSize 0 \/ `createHmac` floor over the same signing input, Node \(spec\) \| 0\.71 \| ≤ 1\.25× \| met/);
  assert.match(table, /jwtgate verify, cacheSize 0 \/ `createHmac` floor over the same signing input, Node \(betterAuth\) \| 0\.71 \| ≤ 2× \| met/);
  // Natively: reported next to the native table, no target row.
  assert.match(md, /`jwtgate verify, no cache` \/ the HMAC-SHA256 floor of the\nsame crate .* = 2\.00× \(spec\), 2\.00× \(betterAuth\)/);
  assert.doesNotMatch(table, /HMAC-SHA256 floor/);
});
