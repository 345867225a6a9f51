// Node benchmark of the BUILT package (pkg/) against the usual HS256 verifiers.
// One process, every contender timed in alternating rounds (the order rotates each
// round), median µs/op per contender. Before timing, every contender must accept the
// token and refuse a tampered one.
//
//   node benches/node/verify.mjs --tokens target/bench/tokens.json --out target/bench/node.json
//   node benches/node/verify.mjs --cold            (one cold-start sample; spawned by the main run)
//
// Env: BENCH_ROUNDS (default 15), BENCH_BATCH_MS (default 30), BENCH_MEMORY_OPS (default 1e6),
//      BENCH_COLD_RUNS (default 11).
import { spawnSync } from "node:child_process";
import { createHmac, timingSafeEqual, webcrypto } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { fileURLToPath } from "node:url";

const ROOT = new URL("../../", import.meta.url);
const PKG = new URL("pkg/", ROOT);
const args = process.argv.slice(2);
const arg = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};

// ---------------------------------------------------------------------------------
// Cold start: one fresh process measures import → instantiate → new Gate → first verify.
if (args.includes("--cold")) {
  const t0 = performance.now();
  const { Gate } = await import(new URL("index.node.js", PKG));
  const t1 = performance.now();
  const { secret, tokens } = JSON.parse(readFileSync(arg("--tokens"), "utf8"));
  const gate = new Gate({ secret });
  const claims = gate.verify(tokens.spec.token);
  const t2 = performance.now();
  if (claims.sub !== tokens.spec.sub) throw new Error("cold verify returned the wrong claims");
  process.stdout.write(JSON.stringify({ importMs: t1 - t0, totalMs: t2 - t0 }));
  process.exit(0);
}

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 15);
const BATCH_MS = Number(process.env.BENCH_BATCH_MS ?? 30);
const MEMORY_OPS = Number(process.env.BENCH_MEMORY_OPS ?? 1e6);
const COLD_RUNS = Number(process.env.BENCH_COLD_RUNS ?? 11);
const tokensPath = arg("--tokens");
const outPath = arg("--out");
const log = (...a) => console.error(...a);

const { Gate, GateError } = await import(new URL("index.node.js", PKG));
const glue = await import(new URL("jwtgate_wasm.js", PKG));
const jose = await import("jose");
const { createVerifier } = await import("fast-jwt");
const tsndr = (await import("@tsndr/cloudflare-worker-jwt")).default;
const jsonwebtoken = (await import("jsonwebtoken")).default;

const fixture = JSON.parse(readFileSync(tokensPath, "utf8"));
const SECRET = fixture.secret;
const secretBytes = new TextEncoder().encode(SECRET);
const hmacKey = await webcrypto.subtle.importKey("raw", secretBytes, { name: "HMAC", hash: "SHA-256" }, false, ["verify", "sign"]);

/** Flips one character of the signature segment (stays valid base64url). */
function tamper(token) {
  const i = token.length - 5;
  return token.slice(0, i) + (token[i] === "A" ? "B" : "A") + token.slice(i + 1);
}

// The same policy everywhere, as far as each library lets it be said:
// HS256 only, signature, exp (and nbf), sub + email present, iat present and at most
// 1800 s old, iss/aud when the shape has them. jwtgate additionally enforces the
// 900–1800 s lifetime window and refuses duplicate JSON member names.
function needUser(p) {
  if (typeof p.sub !== "string" || p.sub === "" || typeof p.email !== "string" || p.email === "") throw new Error("missing user claims");
  return p;
}

function contenders(shape) {
  const { token, issuer, audience, path } = shape;
  const gate = new Gate({ secret: SECRET, ...(issuer ? { issuer, audience } : {}) });
  const request = { method: "GET", url: path, headers: { authorization: `Bearer ${token}` } };
  const fast = createVerifier({
    key: SECRET, algorithms: ["HS256"], requiredClaims: ["sub", "email", "exp", "iat"], maxAge: 1800_000,
    ...(issuer ? { allowedIss: issuer, allowedAud: audience } : {}),
  });
  const joseOptions = {
    algorithms: ["HS256"], requiredClaims: ["sub", "email", "exp", "iat"], maxTokenAge: 1800,
    ...(issuer ? { issuer, audience } : {}),
  };
  const jwtOptions = { algorithms: ["HS256"], maxAge: 1800, ...(issuer ? { issuer, audience } : {}) };
  const [signingInput, signature] = [token.slice(0, token.lastIndexOf(".")), token.slice(token.lastIndexOf(".") + 1)];
  const sigBytes = Buffer.from(signature, "base64url");
  return [
    { name: "jwtgate verify", sync: true, run: (t) => gate.verify(t) },
    { name: "jwtgate authorize", sync: true, authorize: true, run: (t) => {
      const d = gate.authorize(t === token ? request : { ...request, headers: { authorization: `Bearer ${t}` } });
      if (!d.allowed) throw new Error(d.code);
      return d;
    } },
    { name: "createHmac floor", sync: true, floor: true, run: (t) => {
      // Bare HMAC-SHA256 over the signing input and a compare: no header, no JSON, no claims.
      const dot = t.lastIndexOf(".");
      const mac = createHmac("sha256", SECRET).update(t.slice(0, dot)).digest();
      const sig = Buffer.from(t.slice(dot + 1), "base64url");
      if (sig.length !== 32 || !timingSafeEqual(mac, sig)) throw new Error("bad signature");
      return mac;
    } },
    { name: "fast-jwt", sync: true, run: (t) => fast(t) },
    { name: "jsonwebtoken", sync: true, run: (t) => needUser(jsonwebtoken.verify(t, SECRET, jwtOptions)) },
    { name: "jose", sync: false, run: async (t) => needUser((await jose.jwtVerify(t, hmacKey, joseOptions)).payload) },
    { name: "@tsndr/cloudflare-worker-jwt", sync: false, run: async (t) => {
      const r = await tsndr.verify(t, hmacKey, { algorithm: "HS256", throwError: true });
      const p = needUser(r.payload);
      const now = Math.floor(Date.now() / 1000);
      if (typeof p.iat !== "number" || typeof p.exp !== "number" || now - p.iat > 1800) throw new Error("iat");
      if (issuer && (p.iss !== issuer || (p.aud !== audience && !(Array.isArray(p.aud) && p.aud.includes(audience))))) throw new Error("iss/aud");
      return p;
    } },
  ].map((c) => ({ ...c, signingInput, sigBytes }));
}

async function accepts(c, t) {
  try {
    const r = c.run(t);
    if (!c.sync) await r;
    return true;
  } catch {
    return false;
  }
}

let sink;
function timeSync(fn, token, n) {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) sink = fn(token);
  return Number(process.hrtime.bigint() - t0) / 1000 / n;
}
async function timeAsync(fn, token, n) {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) sink = await fn(token);
  return Number(process.hrtime.bigint() - t0) / 1000 / n;
}
const time = (c, token, n) => (c.sync ? timeSync(c.run, token, n) : timeAsync(c.run, token, n));
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

// ---------------------------------------------------------------------------------
const results = { shapes: {}, rounds: ROUNDS, batchMs: BATCH_MS };
for (const [shapeName, shape] of Object.entries(fixture.tokens)) {
  const list = contenders(shape);
  // Sanity: accept the token, refuse a tampered one.
  for (const c of list) {
    if (!(await accepts(c, shape.token))) throw new Error(`${c.name} refused the ${shapeName} token`);
    if (await accepts(c, tamper(shape.token))) throw new Error(`${c.name} accepted a tampered ${shapeName} token`);
  }
  // The JS API returns every claim, identical to what jose decodes.
  const viaGate = list[0].run(shape.token);
  const viaJose = await list.find((c) => c.name === "jose").run(shape.token);
  if (JSON.stringify(viaGate) !== JSON.stringify(viaJose)) throw new Error("jwtgate and jose disagree on the claims");
  // Warm up and size each batch to about BATCH_MS.
  for (const c of list) {
    let n = 64;
    for (;;) {
      const us = await time(c, shape.token, n);
      if (us * n >= BATCH_MS * 1000 * 0.5 || n > 1e7) {
        c.n = Math.max(16, Math.round((BATCH_MS * 1000) / us));
        break;
      }
      n *= 4;
    }
    c.samples = [];
  }
  for (let r = 0; r < ROUNDS; r++) {
    for (let k = 0; k < list.length; k++) {
      const c = list[(k + r) % list.length];
      c.samples.push(await time(c, shape.token, c.n));
    }
  }
  results.shapes[shapeName] = {
    tokenBytes: shape.token.length,
    payloadBytes: shape.payloadBytes,
    contenders: list.map((c) => ({
      name: c.name,
      usPerOp: median(c.samples),
      min: Math.min(...c.samples),
      max: Math.max(...c.samples),
      opsPerBatch: c.n,
    })),
  };
  log(`${shapeName}: ` + results.shapes[shapeName].contenders.map((c) => `${c.name} ${c.usPerOp.toFixed(2)}µs`).join(", "));
}

// ---------------------------------------------------------------------------------
// Memory flatness: Wasm linear memory before/after MEMORY_OPS calls in one instance
// (accepts, authorizations and refusals mixed).
{
  const wasm = glue.initSync(); // already initialised: returns the instance's exports
  const shape = fixture.tokens.betterAuth ?? Object.values(fixture.tokens)[0];
  const gate = new Gate({ secret: SECRET, ...(shape.issuer ? { issuer: shape.issuer, audience: shape.audience } : {}) });
  const request = { method: "GET", url: shape.path, headers: { authorization: `Bearer ${shape.token}` } };
  const bad = tamper(shape.token);
  for (let i = 0; i < 1000; i++) gate.verify(shape.token);
  const before = wasm.memory.buffer.byteLength;
  const t0 = performance.now();
  let refused = 0;
  for (let i = 0; i < MEMORY_OPS; i++) {
    const k = i % 10;
    if (k === 9) {
      try { gate.verify(bad); } catch (e) { if (e instanceof GateError) refused++; else throw e; }
    } else if (k & 1) {
      if (!gate.authorize(request).allowed) throw new Error("memory run: refused");
    } else {
      sink = gate.verify(shape.token);
    }
  }
  const after = wasm.memory.buffer.byteLength;
  results.memory = { ops: MEMORY_OPS, refused, beforeBytes: before, afterBytes: after, seconds: (performance.now() - t0) / 1000 };
  log(`memory: ${before} → ${after} bytes over ${MEMORY_OPS} calls`);
}

// ---------------------------------------------------------------------------------
// Cold start, in fresh processes.
{
  const samples = [];
  const self = fileURLToPath(import.meta.url);
  for (let i = 0; i < COLD_RUNS; i++) {
    const r = spawnSync(process.execPath, [self, "--cold", "--tokens", tokensPath], { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`cold start failed: ${r.stderr}`);
    samples.push(JSON.parse(r.stdout));
  }
  results.cold = {
    runs: COLD_RUNS,
    totalMs: median(samples.map((s) => s.totalMs)),
    importMs: median(samples.map((s) => s.importMs)),
    totalMsMax: Math.max(...samples.map((s) => s.totalMs)),
  };
  log(`cold: ${results.cold.totalMs.toFixed(2)} ms (median of ${COLD_RUNS})`);
}

// Sizes.
{
  const wasmBytes = readFileSync(new URL("jwtgate_wasm_bg.wasm", PKG));
  const glueBytes = readFileSync(new URL("jwtgate_wasm.js", PKG));
  const gateBytes = readFileSync(new URL("gate.js", PKG));
  results.sizes = {
    wasmRaw: wasmBytes.length,
    wasmGzip: gzipSync(wasmBytes, { level: 9 }).length,
    jsRaw: glueBytes.length + gateBytes.length,
    jsGzip: gzipSync(Buffer.concat([glueBytes, gateBytes]), { level: 9 }).length,
  };
}

results.versions = {
  node: process.version,
  jose: JSON.parse(readFileSync(new URL("node_modules/jose/package.json", ROOT))).version,
  "fast-jwt": JSON.parse(readFileSync(new URL("node_modules/fast-jwt/package.json", ROOT))).version,
  "@tsndr/cloudflare-worker-jwt": JSON.parse(readFileSync(new URL("node_modules/@tsndr/cloudflare-worker-jwt/package.json", ROOT))).version,
  jsonwebtoken: JSON.parse(readFileSync(new URL("node_modules/jsonwebtoken/package.json", ROOT))).version,
};
if (outPath) writeFileSync(outPath, JSON.stringify(results, null, 2) + "\n");
else console.log(JSON.stringify(results, null, 2));
