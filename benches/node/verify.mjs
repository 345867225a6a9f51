// Node benchmark of the BUILT package (pkg/) against the usual HS256 verifiers.
// One process, every contender timed in alternating rounds (the order rotates each
// round), median µs/op per contender. Before timing, every contender must accept the
// token and refuse a tampered one.
//
//   node benches/node/verify.mjs --tokens target/bench/tokens.json --out target/bench/node.json
//   node benches/node/verify.mjs --cold|--cold-instantiate   (one cold-start sample; spawned by the main run)
//   node benches/node/verify.mjs --cold-peer jose|fast-jwt   (the same from a peer's import; ditto)
//
// Env: BENCH_ROUNDS (default 15), BENCH_BATCH_MS (default 30), BENCH_MEMORY_OPS (default 1e6),
//      BENCH_COLD_RUNS (default 11).
import { spawnSync } from "node:child_process";
import { createHmac, generateKeyPairSync, sign as edSign, timingSafeEqual, verify as edVerify, webcrypto } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { fileURLToPath, pathToFileURL } from "node:url";
import { resolve } from "node:path";

const ROOT = new URL("../../", import.meta.url);
// BENCH_PKG: another build of the package to time (e.g. the wasm-pack comparison of
// docs/decisions/wasm-pack.md); pkg/ by default.
const PKG = process.env.BENCH_PKG ? pathToFileURL(`${resolve(process.env.BENCH_PKG)}/`) : new URL("pkg/", ROOT);
const args = process.argv.slice(2);
const arg = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};

// ---------------------------------------------------------------------------------
// Cold start: one fresh process measures import → instantiate → new Gate → first verify.
// `--cold` imports the package's Node entry (JS modules, .wasm read, compile, instantiate);
// `--cold-instantiate` loads the JS first and times only what the issue names: read +
// compile + instantiate the Wasm, then `new Gate` and the first `verify`.
// `--cold-peer NAME`: the same for a peer, import → first verify, so that cold start is judged
// against the peers in the same run (issue 17), not against a fixed number of milliseconds.
if (args.includes("--cold-peer")) {
  const { secret, tokens } = JSON.parse(readFileSync(arg("--tokens"), "utf8"));
  const { token, sub } = tokens.spec;
  const peer = arg("--cold-peer");
  await import(new URL("empty.mjs", import.meta.url));
  const t0 = performance.now();
  let claims;
  if (peer === "jose") {
    const { jwtVerify } = await import("jose");
    const t1 = performance.now();
    // The key as users pass it (bytes of the secret); jose imports it on the first call.
    ({ payload: claims } = await jwtVerify(token, new TextEncoder().encode(secret), {
      algorithms: ["HS256"], requiredClaims: ["sub", "email", "exp", "iat"], maxTokenAge: 1800,
    }));
    report(t0, t1, t1, performance.now());
  } else if (peer === "fast-jwt") {
    const { createVerifier } = await import("fast-jwt");
    const t1 = performance.now();
    const verify = createVerifier({ key: secret, algorithms: ["HS256"], requiredClaims: ["sub", "email", "exp", "iat"], maxAge: 1800_000 });
    const t2 = performance.now();
    claims = verify(token);
    report(t0, t1, t2, performance.now());
  } else {
    throw new Error(`unknown peer ${peer}`);
  }
  if (claims.sub !== sub) throw new Error(`${peer}: cold verify returned the wrong claims`);
  process.exit(0);
}
/** One cold sample: load (import), construction (new Gate / createVerifier), first verify. */
function report(t0, t1, t2, t3) {
  process.stdout.write(JSON.stringify({ loadMs: t1 - t0, newGateMs: t2 - t1, firstVerifyMs: t3 - t2, totalMs: t3 - t0 }));
}

if (args.includes("--cold") || args.includes("--cold-instantiate") || args.includes("--cold-eddsa")) {
  const { secret, tokens, eddsa } = JSON.parse(readFileSync(arg("--tokens"), "utf8"));
  let Gate, t0, t1;
  if (args.includes("--cold") || args.includes("--cold-eddsa")) {
    // The ESM loader's one-time setup for the process's first dynamic import (~0.5 ms) is
    // paid here by an empty module: an app imports jwtgate statically, in its module graph.
    await import(new URL("empty.mjs", import.meta.url));
    t0 = performance.now();
    ({ Gate } = await import(new URL("index.node.js", PKG)));
    t1 = performance.now();
  } else {
    const glue = await import(new URL("jwtgate_wasm.js", PKG));
    ({ Gate } = await import(new URL("gate.js", PKG)));
    t0 = performance.now();
    glue.initSync({ module: readFileSync(new URL("jwtgate_wasm_bg.wasm", PKG)) });
    t1 = performance.now();
  }
  // --cold-eddsa: a key-set gate and Better Auth's EdDSA token (issue 13's cold-start target).
  const ed = args.includes("--cold-eddsa");
  const gate = ed ? new Gate({ jwks: eddsa.jwks, issuer: eddsa.issuer, audience: eddsa.audience }) : new Gate({ secret });
  const t2 = performance.now();
  const claims = gate.verify(ed ? eddsa.token : tokens.spec.token);
  const t3 = performance.now();
  if (claims.sub !== (ed ? eddsa.sub : tokens.spec.sub)) throw new Error("cold verify returned the wrong claims");
  report(t0, t1, t2, t3);
  process.exit(0);
}

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 15);
const BATCH_MS = Number(process.env.BENCH_BATCH_MS ?? 30);
const MEMORY_OPS = Number(process.env.BENCH_MEMORY_OPS ?? 1e6);
const COLD_RUNS = Number(process.env.BENCH_COLD_RUNS ?? 11);
const CHURN_TOKENS = 1000;
const tokensPath = arg("--tokens");
const outPath = arg("--out");
const log = (...a) => console.error(...a);

const { Gate, GateError } = await import(new URL("index.node.js", PKG));
// The Node entry is one bundled module; its engine is private to it. The engine rows and the
// memory run use a second instance of the same files (glue + gate.js) whose memory is visible.
const glue = await import(new URL("jwtgate_wasm.js", PKG));
const engineExports = glue.initSync({ module: readFileSync(new URL("jwtgate_wasm_bg.wasm", PKG)) });
const { Gate: EngineGate, GateError: EngineGateError } = await import(new URL("gate.js", PKG));
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

/**
 * The Wasm engine alone (no gate.js), measured like the native core: the token's bytes are
 * already in the core's input buffer (encoded when the token changes) and `now` is fixed,
 * so the row is `verifyInput` itself plus the JS→Wasm call. What the JS API adds on top
 * (clock, encoding, claims object) is the difference to `gate.verify`.
 */
function engine(issuer, audience, cacheSize) {
  // The options object `new Gate` hands the engine (read by the core's options table).
  const core = new glue.GateCore({ secret: SECRET, ...(issuer ? { issuer, audience } : {}), cacheSize }, undefined);
  const encoder = new TextEncoder();
  const now = Math.floor(Date.now() / 1000);
  let view, encoded, written;
  return (t) => {
    if (view === undefined || view.byteLength === 0) {
      view = new Uint8Array(glue.wasmMemory().buffer, core.inputPtr(), core.inputCapacity());
      encoded = undefined;
    }
    if (t !== encoded) ({ written } = encoder.encodeInto(t, view)), (encoded = t);
    const result = core.verifyInput(written, now);
    if (result < 0) throw new Error(`refused (${-1 - result})`);
    return result;
  };
}

function contenders(shape) {
  const { token, issuer, audience, path } = shape;
  const gate = new Gate({ secret: SECRET, ...(issuer ? { issuer, audience } : {}) });
  const uncached = new Gate({ secret: SECRET, cacheSize: 0, ...(issuer ? { issuer, audience } : {}) });
  const request = { method: "GET", url: path, headers: { authorization: `Bearer ${token}` } };
  const authorizeWith = (g) => (t) => {
    const d = g.authorize(t === token ? request : { ...request, headers: { authorization: `Bearer ${t}` } });
    if (!d.allowed) throw new Error(d.code);
    return d;
  };
  const fastOptions = {
    key: SECRET, algorithms: ["HS256"], requiredClaims: ["sub", "email", "exp", "iat"], maxAge: 1800_000,
    ...(issuer ? { allowedIss: issuer, allowedAud: audience } : {}),
  };
  const fast = createVerifier(fastOptions);
  const fastCached = createVerifier({ ...fastOptions, cache: true });
  const joseOptions = {
    algorithms: ["HS256"], requiredClaims: ["sub", "email", "exp", "iat"], maxTokenAge: 1800,
    ...(issuer ? { issuer, audience } : {}),
  };
  const jwtOptions = { algorithms: ["HS256"], maxAge: 1800, ...(issuer ? { issuer, audience } : {}) };
  const [signingInput, signature] = [token.slice(0, token.lastIndexOf(".")), token.slice(token.lastIndexOf(".") + 1)];
  const sigBytes = Buffer.from(signature, "base64url");
  return [
    { name: "jwtgate verify", sync: true, run: (t) => gate.verify(t) },
    { name: "jwtgate authorize", sync: true, authorize: true, run: authorizeWith(gate) },
    { name: "jwtgate verify, cacheSize 0", sync: true, run: (t) => uncached.verify(t) },
    { name: "jwtgate authorize, cacheSize 0", sync: true, authorize: true, run: authorizeWith(uncached) },
    { name: "Wasm engine call", sync: true, run: engine(issuer, audience, 256) },
    { name: "Wasm engine call, cacheSize 0", sync: true, run: engine(issuer, audience, 0) },
    { name: "createHmac floor", sync: true, floor: true, run: (t) => {
      // Bare HMAC-SHA256 over the signing input and a compare: no header, no JSON, no claims.
      const dot = t.lastIndexOf(".");
      const mac = createHmac("sha256", SECRET).update(t.slice(0, dot)).digest();
      const sig = Buffer.from(t.slice(dot + 1), "base64url");
      if (sig.length !== 32 || !timingSafeEqual(mac, sig)) throw new Error("bad signature");
      return mac;
    } },
    { name: "fast-jwt", sync: true, run: (t) => fast(t) },
    { name: "fast-jwt, cache on", sync: true, run: (t) => fastCached(t) },
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

/**
 * Sizes each contender's batch to about BATCH_MS (warming it up), then samples ROUNDS
 * batches of each, interleaved in rotating order. Sets `c.n` and `c.samples` (µs per call).
 */
async function measure(list, token, firstBatch = 64) {
  for (const c of list) {
    let n = firstBatch;
    for (;;) {
      const us = await time(c, token, n);
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
      c.samples.push(await time(c, token, c.n));
    }
  }
}

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
  await measure(list, shape.token);
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
// Refusals (issue 11 §6): what saying no costs, ordinary and worst case, through
// `gate.authorize` (what hosts call; it never throws) and the bare Wasm engine call.
{
  const gate = new Gate({ secret: SECRET });
  const encoder = new TextEncoder();
  const now = Math.floor(Date.now() / 1000);
  const list = [];
  for (const [name, r] of Object.entries(fixture.refusals)) {
    // One engine per token: its input buffer holds that token's bytes.
    const core = new glue.GateCore({ secret: SECRET, cacheSize: 256 }, undefined);
    const request = { method: "GET", url: "/api/v1/user-1/tasks", headers: { authorization: `Bearer ${r.token}` } };
    const viaAuthorize = () => {
      const d = gate.authorize(request);
      if (d.allowed || d.code !== r.code) throw new Error(`refusal ${name}: ${d.code}`);
      return d;
    };
    let view, written;
    const viaEngine = () => {
      if (view === undefined || view.byteLength === 0) {
        view = new Uint8Array(glue.wasmMemory().buffer, core.inputPtr(), core.inputCapacity());
        ({ written } = encoder.encodeInto(r.token, view));
      }
      const result = core.verifyInput(written, now);
      if (result >= 0) throw new Error(`refusal ${name} accepted`);
      return result;
    };
    viaAuthorize();
    viaEngine();
    list.push({ refusal: name, name: `authorize: ${name}`, run: viaAuthorize, sync: true }, { refusal: name, name: `Wasm engine call: ${name}`, run: viaEngine, sync: true });
  }
  await measure(list, undefined);
  results.refusals = Object.fromEntries(Object.entries(fixture.refusals).map(([name, r]) => [name, {
    label: r.label, code: r.code, tokenBytes: r.tokenBytes,
    authorizeUs: median(list.find((c) => c.name === `authorize: ${name}`).samples),
    engineUs: median(list.find((c) => c.name === `Wasm engine call: ${name}`).samples),
  }]));
  log("refusals: " + Object.entries(results.refusals).map(([n, r]) => `${n} ${r.authorizeUs.toFixed(2)}µs (engine ${r.engineUs.toFixed(2)})`).join(", "));
}

// A huge `Authorization` value through the host's API, in process: `gate.authorize` with a
// 1 MiB value (`Bearer ` + the ordinary refusal's token with its payload padded, so a host that
// copies or scans before checking the size pays for every byte) against the ordinary refusal
// (the spec token, wrong signature), same gate, alternating rounds. The value is built once and
// flattened (no rope for V8 to flatten inside the timed calls).
{
  const MIB = 1 << 20;
  const gate = new Gate({ secret: SECRET });
  const ordinary = fixture.refusals.ordinary.token;
  const [head, , sig] = ordinary.split(".");
  const pad = MIB - "Bearer ".length - head.length - sig.length - 2;
  const huge = Buffer.from(`Bearer ${head}.${"A".repeat(pad)}.${sig}`, "latin1").toString("latin1");
  if (huge.length !== MIB) throw new Error(`oversized value: ${huge.length} bytes`);
  const path = "/api/v1/user-1/tasks";
  const refuse = (authorization, code) => {
    const request = { method: "GET", url: path, headers: { authorization } };
    return () => {
      const d = gate.authorize(request);
      if (d.allowed || d.code !== code) throw new Error(`oversized bench: ${d.code}, want ${code}`);
      return d;
    };
  };
  const OVERSIZED_CODE = "token_too_large";
  const list = [
    { name: "authorize: ordinary refusal", sync: true, run: refuse(`Bearer ${ordinary}`, fixture.refusals.ordinary.code) },
    { name: "authorize: 1 MiB Authorization", sync: true, run: refuse(huge, OVERSIZED_CODE) },
  ];
  for (const c of list) c.run();
  await measure(list, undefined, 4);
  results.hostOversized = {
    authorizationBytes: huge.length, code: OVERSIZED_CODE,
    ordinaryUs: median(list[0].samples), oversizedUs: median(list[1].samples),
  };
  log(`oversized Authorization: ${results.hostOversized.oversizedUs.toFixed(2)}µs vs ordinary refusal ${results.hostOversized.ordinaryUs.toFixed(2)}µs`);
}

// EdDSA (issue 13): a Better Auth JWT-plugin-shaped token signed with Ed25519, checked with a
// key set. Rows: the package (cache on / off: the pure-Wasm Ed25519 verifier), jose
// (WebCrypto/node:crypto Ed25519), and node:crypto's sync Ed25519 verify alone — what
// delegating only the signature to the host would cost instead of the Wasm verifier.
{
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  const jwk = { ...publicKey.export({ format: "jwk" }), alg: "EdDSA", kid: "bench-kid" };
  const app = "http://localhost:3000";
  const now = Math.floor(Date.now() / 1000);
  const claims = { iat: now, name: "Ada", email: "ada@example.com", emailVerified: false, createdAt: "2026-11-26T12:00:00.000Z",
    updatedAt: "2026-11-26T12:00:00.000Z", id: "u1", sub: "u1", exp: now + 900, iss: app, aud: app };
  const input = `${Buffer.from(JSON.stringify({ alg: "EdDSA", kid: jwk.kid })).toString("base64url")}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}`;
  const token = `${input}.${edSign(null, Buffer.from(input), privateKey).toString("base64url")}`;
  const options = { jwks: { keys: [jwk] }, issuer: app, audience: app };
  const cached = new Gate(options);
  const uncached = new Gate({ ...options, cacheSize: 0 });
  const joseKey = await jose.importJWK(jwk, "EdDSA");
  const joseOptions = { algorithms: ["EdDSA", "Ed25519"], issuer: app, audience: app, requiredClaims: ["sub", "email", "exp", "iat"], maxTokenAge: 1800 };
  const list = [
    { name: "jwtgate verify (EdDSA)", sync: true, run: (t) => cached.verify(t) },
    { name: "jwtgate verify (EdDSA), cacheSize 0", sync: true, run: (t) => uncached.verify(t) },
    { name: "node:crypto Ed25519 verify floor", sync: true, floor: true, run: (t) => {
      const dot = t.lastIndexOf(".");
      if (!edVerify(null, Buffer.from(t.slice(0, dot)), publicKey, Buffer.from(t.slice(dot + 1), "base64url"))) throw new Error("bad signature");
      return dot;
    } },
    { name: "jose (EdDSA)", sync: false, run: async (t) => needUser((await jose.jwtVerify(t, joseKey, joseOptions)).payload) },
  ];
  for (const c of list) {
    if (!(await accepts(c, token))) throw new Error(`${c.name} refused the EdDSA token`);
    if (await accepts(c, tamper(token))) throw new Error(`${c.name} accepted a tampered EdDSA token`);
  }
  await measure(list, token, 16);
  results.eddsa = {
    tokenBytes: token.length,
    contenders: list.map((c) => ({ name: c.name, usPerOp: median(c.samples), min: Math.min(...c.samples), max: Math.max(...c.samples), opsPerBatch: c.n })),
  };
  log("eddsa: " + results.eddsa.contenders.map((c) => `${c.name} ${c.usPerOp.toFixed(2)}µs`).join(", "));
}

// ---------------------------------------------------------------------------------
// Memory flatness: Wasm linear memory before/after MEMORY_OPS calls in one instance
// (accepts, authorizations and refusals mixed), with the cache churning: CHURN_TOKENS
// distinct valid tokens through 256 slots, so entries are replaced all the time.
{
  const wasm = engineExports;
  const shape = fixture.tokens.betterAuth ?? Object.values(fixture.tokens)[0];
  const gate = new EngineGate({ secret: SECRET, ...(shape.issuer ? { issuer: shape.issuer, audience: shape.audience } : {}) });
  const request = { method: "GET", url: shape.path, headers: { authorization: `Bearer ${shape.token}` } };
  const bad = tamper(shape.token);
  const [header, payload] = shape.token.split(".");
  const claims = JSON.parse(Buffer.from(payload, "base64url").toString());
  const churn = Array.from({ length: CHURN_TOKENS }, (_, i) => {
    const input = `${header}.${Buffer.from(JSON.stringify({ ...claims, jti: `churn-${i}` })).toString("base64url")}`;
    return `${input}.${createHmac("sha256", SECRET).update(input).digest("base64url")}`;
  });
  for (let pass = 0; pass < 2; pass++) for (const t of churn) gate.verify(t);
  for (let i = 0; i < 1000; i++) gate.verify(shape.token);
  const before = wasm.memory.buffer.byteLength;
  const t0 = performance.now();
  let refused = 0;
  for (let i = 0; i < MEMORY_OPS; i++) {
    const k = i % 10;
    if (k === 9) {
      try { gate.verify(bad); } catch (e) { if (e instanceof EngineGateError) refused++; else throw e; }
    } else if (k & 1) {
      if (!gate.authorize(request).allowed) throw new Error("memory run: refused");
    } else if (k === 4) {
      sink = gate.verify(shape.token);
    } else {
      sink = gate.verify(churn[(i * 7) % CHURN_TOKENS]);
    }
  }
  const after = wasm.memory.buffer.byteLength;
  results.memory = { ops: MEMORY_OPS, refused, churnTokens: CHURN_TOKENS, beforeBytes: before, afterBytes: after, seconds: (performance.now() - t0) / 1000 };
  log(`memory: ${before} → ${after} bytes over ${MEMORY_OPS} calls`);
}

// ---------------------------------------------------------------------------------
// Cold start, in fresh processes (jwtgate's two modes and the peers alternate).
{
  const self = fileURLToPath(import.meta.url);
  const PEERS = ["jose", "fast-jwt"];
  const samples = { "--cold": [], "--cold-instantiate": [], "--cold-eddsa": [], ...Object.fromEntries(PEERS.map((p) => [p, []])) };
  for (let i = 0; i < COLD_RUNS; i++) {
    for (const mode of Object.keys(samples)) {
      const argv = PEERS.includes(mode) ? ["--cold-peer", mode] : [mode];
      const r = spawnSync(process.execPath, [self, ...argv, "--tokens", tokensPath], { encoding: "utf8" });
      if (r.status !== 0) throw new Error(`cold start failed: ${r.stderr}`);
      samples[mode].push(JSON.parse(r.stdout));
    }
  }
  const summary = (list) => Object.fromEntries(
    ["loadMs", "newGateMs", "firstVerifyMs", "totalMs"].map((k) => [k, median(list.map((s) => s[k]))]),
  );
  results.cold = {
    runs: COLD_RUNS,
    fromImport: { ...summary(samples["--cold"]), totalMsMax: Math.max(...samples["--cold"].map((s) => s.totalMs)) },
    instantiate: { ...summary(samples["--cold-instantiate"]), totalMsMax: Math.max(...samples["--cold-instantiate"].map((s) => s.totalMs)) },
    eddsaFromImport: { ...summary(samples["--cold-eddsa"]), totalMsMax: Math.max(...samples["--cold-eddsa"].map((s) => s.totalMs)) },
    peers: Object.fromEntries(PEERS.map((p) => [p, { ...summary(samples[p]), totalMsMax: Math.max(...samples[p].map((s) => s.totalMs)) }])),
  };
  log(`cold: import → first verify ${results.cold.fromImport.totalMs.toFixed(2)} ms; instantiate → first verify ${results.cold.instantiate.totalMs.toFixed(2)} ms; `
    + PEERS.map((p) => `${p} ${results.cold.peers[p].totalMs.toFixed(2)} ms`).join(", ") + ` (medians of ${COLD_RUNS})`);
}

// Sizes.
{
  const wasmBytes = readFileSync(new URL("jwtgate_wasm_bg.wasm", PKG));
  const nodeEntry = readFileSync(new URL("index.node.js", PKG));
  results.sizes = {
    wasmRaw: wasmBytes.length,
    wasmGzip: gzipSync(wasmBytes, { level: 9 }).length,
    jsRaw: nodeEntry.length,
    jsGzip: gzipSync(nodeEntry, { level: 9 }).length,
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
