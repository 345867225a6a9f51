// Issue 24: every algorithm Better Auth's jwt() plugin signs, uncached and cached, in Node,
// against jose on the same token (jose verifies with node:crypto, OpenSSL). Rows: the package's
// `jwtgate/full` Node entry as shipped (ES256/ES512/RS256/PS256 arithmetic delegated to
// node:crypto, the core doing the rest), a second instance of it with the delegation off
// (JWTGATE_NODE_CRYPTO=0: pure Wasm, RustCrypto p256/p521/rsa), and node:crypto's synchronous
// verify of the signature alone (the floor). One process, alternating rounds (the order rotates
// each round), median µs/op per contender; before timing every contender must accept the token
// and refuse a tampered one.
//
//   node benches/node/algorithms.mjs --out target/bench/algorithms.json
//
// Env: BENCH_ROUNDS (default 9), BENCH_BATCH_MS (default 25).
import { createHmac, generateKeyPairSync, sign, verify } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import * as jose from "jose";

const ROOT = new URL("../../", import.meta.url);
const args = process.argv.slice(2);
const out = args[args.indexOf("--out") + 1];
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 9);
const BATCH_MS = Number(process.env.BENCH_BATCH_MS ?? 25);
const entry = new URL("pkg/full/index.node.js", ROOT);
const { Gate } = await import(entry);
// The same entry, another module instance, loaded with the delegation off.
process.env.JWTGATE_NODE_CRYPTO = "0";
const { Gate: PureGate } = await import(`${entry.href}?pure`);
delete process.env.JWTGATE_NODE_CRYPTO;

const APP = "http://localhost:3000";
const SECRET = "k3Jx9vQ2mW7pL4tZ8rB6nC1yH5sD0fGa";
const now = Math.floor(Date.now() / 1000);
const claims = {
  iat: now, name: "Ada", email: "ada@example.com", emailVerified: false, createdAt: "2026-11-26T12:00:00.000Z",
  updatedAt: "2026-11-26T12:00:00.000Z", id: "u1", sub: "u1", exp: now + 900, iss: APP, aud: APP,
};
const b64 = (v) => Buffer.from(JSON.stringify(v)).toString("base64url");
const tamper = (t) => {
  const [h, p, s] = t.split(".");
  return `${h}.${b64({ ...JSON.parse(Buffer.from(p, "base64url")), sub: "admin" })}.${s}`;
};

/** [jwk, token, node:crypto verify of the signature alone] for one algorithm. */
function material(alg) {
  const spec = {
    EdDSA: ["ed25519", {}, null, {}],
    ES256: ["ec", { namedCurve: "P-256" }, "sha256", { dsaEncoding: "ieee-p1363" }],
    ES512: ["ec", { namedCurve: "P-521" }, "sha512", { dsaEncoding: "ieee-p1363" }],
    RS256: ["rsa", { modulusLength: 2048 }, "sha256", {}],
    PS256: ["rsa", { modulusLength: 2048 }, "sha256", { padding: 6, saltLength: 32 }],
  }[alg];
  const [type, opts, hash, sigOpts] = spec;
  const { publicKey, privateKey } = generateKeyPairSync(type, opts);
  const jwk = { ...publicKey.export({ format: "jwk" }), alg, kid: `bench-${alg}` };
  const input = `${b64({ alg, kid: jwk.kid })}.${b64(claims)}`;
  const token = `${input}.${sign(hash, Buffer.from(input), { key: privateKey, ...sigOpts }).toString("base64url")}`;
  const floor = (t) => {
    const dot = t.lastIndexOf(".");
    if (!verify(hash, Buffer.from(t.slice(0, dot)), { key: publicKey, ...sigOpts }, Buffer.from(t.slice(dot + 1), "base64url"))) {
      throw new Error("bad signature");
    }
    return dot;
  };
  return { jwk, token, floor };
}

async function accepts(c, token) {
  try {
    await c.run(token);
    return true;
  } catch {
    return false;
  }
}

/** Alternating rounds; each contender runs for BATCH_MS per round; median µs/op. */
async function measure(list, token) {
  for (const c of list) c.samples = [];
  for (let round = 0; round < ROUNDS; round++) {
    const order = list.map((_, i) => list[(i + round) % list.length]);
    for (const c of order) {
      let n = 0;
      const t0 = performance.now();
      let t = t0;
      while (t - t0 < BATCH_MS) {
        for (let i = 0; i < 8; i++) {
          if (c.sync) c.run(token);
          else await c.run(token);
        }
        n += 8;
        t = performance.now();
      }
      c.samples.push(((t - t0) * 1000) / n);
    }
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const joseOptions = (alg) => ({ algorithms: [alg], issuer: APP, audience: APP, requiredClaims: ["sub", "email", "exp", "iat"], maxTokenAge: 1800 });
const results = { rounds: ROUNDS, batchMs: BATCH_MS, algorithms: {} };

// For reference: the package's own non-signature work on one token is about the HS256 path,
// uncached (parse, MAC, claims, JSON out).
const hsInput = `${b64({ alg: "HS256", typ: "JWT" })}.${b64(claims)}`;
const hsToken = `${hsInput}.${createHmac("sha256", SECRET).update(hsInput).digest("base64url")}`;
const hsGate = new Gate({ secret: SECRET, issuer: APP, audience: APP, cacheSize: 0 });
{
  const list = [{ name: "jwtgate HS256, cacheSize 0", sync: true, run: (t) => hsGate.verify(t) }];
  await measure(list, hsToken);
  results.hs256UncachedUs = median(list[0].samples);
}

for (const alg of ["EdDSA", "ES256", "ES512", "RS256", "PS256"]) {
  const { jwk, token, floor } = material(alg);
  const options = { jwks: { keys: [jwk] }, issuer: APP, audience: APP };
  const cached = new Gate(options);
  const uncached = new Gate({ ...options, cacheSize: 0 });
  const pure = new PureGate({ ...options, cacheSize: 0 });
  const key = await jose.importJWK(jwk, alg);
  const list = [
    { name: "jwtgate/full", sync: true, run: (t) => cached.verify(t) },
    { name: "jwtgate/full, cacheSize 0", sync: true, run: (t) => uncached.verify(t) },
    { name: "jwtgate/full, cacheSize 0, pure Wasm", sync: true, run: (t) => pure.verify(t) },
    { name: `node:crypto ${alg} verify floor`, sync: true, floor: true, run: floor },
    { name: `jose (${alg})`, sync: false, run: async (t) => (await jose.jwtVerify(t, key, joseOptions(alg))).payload },
  ];
  for (const c of list) {
    if (!(await accepts(c, token))) throw new Error(`${c.name} refused the ${alg} token`);
    if (!c.floor && (await accepts(c, tamper(token)))) throw new Error(`${c.name} accepted a tampered ${alg} token`);
  }
  await measure(list, token);
  const [hit, miss, pureRow, floorRow, joseRow] = list.map((c) => median(c.samples));
  results.algorithms[alg] = {
    tokenBytes: token.length,
    contenders: list.map((c) => ({ name: c.name, usPerOp: median(c.samples), min: Math.min(...c.samples), max: Math.max(...c.samples) })),
    uncachedVsJose: joseRow / miss,
    pureVsJose: joseRow / pureRow,
    cachedVsJose: joseRow / hit,
    floorUs: floorRow,
  };
  const r = results.algorithms[alg];
  console.log(
    `${alg}: uncached ${miss.toFixed(1)}µs (pure Wasm ${pureRow.toFixed(1)}µs), cached ${hit.toFixed(2)}µs, jose ${joseRow.toFixed(1)}µs, node:crypto floor ${floorRow.toFixed(1)}µs` +
      ` → uncached ${r.uncachedVsJose.toFixed(2)}× jose (pure ${r.pureVsJose.toFixed(2)}×), cached ${r.cachedVsJose.toFixed(0)}× jose`,
  );
}

// The .wasm of each shipped configuration, gzip -9 (what a user downloads or bundles).
results.sizes = {};
for (const [name, file] of [["jwtgate", "pkg/jwtgate_wasm_bg.wasm"], ["jwtgate/full", "pkg/full/jwtgate_wasm_bg.wasm"]]) {
  const bytes = readFileSync(new URL(file, ROOT));
  results.sizes[name] = { raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
}
console.log(`sizes: ${Object.entries(results.sizes).map(([n, s]) => `${n} ${s.gzip} B gzip`).join(", ")}`);

// What benches/report.mjs puts in docs/BENCHMARKS.md: targets (short form, judged there) and a
// section with every row. Targets (issue 24, docs/decisions/algorithms.md): ES256 uncached ≥ 1×
// jose in Node (with the path that won: node:crypto for the arithmetic), cached ≥ 100× jose for
// every algorithm, and the full entry's size budget (the default entry's is judged from node.json).
const A = results.algorithms;
results.targets = [
  ["ES256: jose / jwtgate/full verify, cacheSize 0 (Node)", Number(A.ES256.uncachedVsJose.toFixed(2)), "≥ 1×"],
  ...Object.keys(A).map((alg) => [`${alg}: jose / jwtgate/full verify, cache on (Node)`, Math.round(A[alg].cachedVsJose), "≥ 100×"]),
  [".wasm gzip -9, `jwtgate/full` (KB)", Number((results.sizes["jwtgate/full"].gzip / 1024).toFixed(1)), "≤ 210"],
];
const f1 = (x) => x.toFixed(1);
results.markdown = [
  "## Every algorithm of Better Auth's jwt() plugin (issue 24)",
  "",
  "`benches/node/algorithms.mjs`: one token per algorithm, `jwtgate/full` as shipped (node:crypto does the",
  "ES256/ES512/RS256/PS256 arithmetic), the same entry with `JWTGATE_NODE_CRYPTO=0` (pure Wasm), node:crypto's",
  "verify of the signature alone, and jose; median µs/op, alternating rounds in one process.",
  "",
  "| alg | cached | cacheSize 0 | cacheSize 0, pure Wasm | node:crypto floor | jose | jose / uncached | jose / pure Wasm | jose / cached |",
  "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
  ...Object.entries(A).map(([alg, r]) => {
    const [hit, miss, pure, floorRow, joseRow] = r.contenders.map((c) => c.usPerOp);
    return `| ${alg} | ${hit.toFixed(2)} | ${f1(miss)} | ${f1(pure)} | ${f1(floorRow)} | ${f1(joseRow)} | ${r.uncachedVsJose.toFixed(2)}× | ${r.pureVsJose.toFixed(2)}× | ${Math.round(r.cachedVsJose)}× |`;
  }),
  "",
  `\`.wasm\` gzip -9: default entry \`jwtgate\` (HS256, EdDSA) ${results.sizes.jwtgate.gzip} bytes (${results.sizes.jwtgate.raw} raw); ` +
    `\`jwtgate/full\` ${results.sizes["jwtgate/full"].gzip} bytes (${results.sizes["jwtgate/full"].raw} raw).`,
].join("\n");
if (out) writeFileSync(out, JSON.stringify(results, null, 2) + "\n");
