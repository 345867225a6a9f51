// Writes docs/BENCHMARKS.md from target/bench/{native,node,edge}.json and prints the tables.
//   node benches/report.mjs target/bench docs/BENCHMARKS.md
import { execSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";

const [dir, out] = process.argv.slice(2);
const read = (f) => JSON.parse(readFileSync(`${dir}/${f}`, "utf8"));
const node = read("node.json");
const native = read("native.json");
const edge = existsSync(`${dir}/edge.json`) ? read("edge.json") : undefined;
// Python (make bench-python) writes python.json: its section and target rows arrive through
// the loader of other benches' JSON files below.
const sh = (cmd) => { try { return execSync(cmd, { encoding: "utf8" }).trim(); } catch { return "?"; } };
const cpu = (readFileSync("/proc/cpuinfo", "utf8").match(/model name\s*:\s*(.*)/) ?? [])[1] ?? cpus()[0]?.model;
const SHAPES = { spec: "spec (sub/email/name)", betterAuth: "Better Auth (user object, iss/aud)" };
const us = (x) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
const get = (res, shape, name) => res.shapes[shape].contenders.find((c) => c.name === name).usPerOp;

function table(res, base, names) {
  const shapes = Object.keys(res.shapes);
  const head = `| | ${shapes.map((s) => `${SHAPES[s] ?? s} µs/op | × ${base}`).join(" | ")} |`;
  const rule = `|---|${shapes.map(() => "---:|---:").join("|")}|`;
  const rows = names.map((n) => `| ${n} | ${shapes.map((s) => {
    const t = get(res, s, n);
    return `${us(t)} | ${(t / get(res, s, base)).toFixed(2)}×`;
  }).join(" | ")} |`);
  return [head, rule, ...rows].join("\n");
}

const nodeNames = node.shapes.spec.contenders.map((c) => c.name);
const nativeNames = native.shapes.spec.contenders.map((c) => c.name);
const nodeTable = table(node, "jwtgate verify", nodeNames);
const NATIVE_BASE = "jwtgate verify, no cache";
const nativeTable = table(native, NATIVE_BASE, nativeNames);

// ---------------------------------------------------------------------------------
// Targets: data, one row each; the table is rendered from the rows. Rules for every row
// (issue 17), for the rows other parts add too (EdDSA, Python binding, worst-case refusal):
//   - a speed target is a ratio measured in the same run (against a peer, the native core, a
//     pass-through baseline), never an absolute time: absolute times move with the machine and
//     are reported as information in the sections above;
//   - sizes, counts and errors are machine-independent and may be absolute;
//   - a figure the harness could not measure without saturating itself is not a figure: the row
//     says "not measurable on this machine" (`unmeasurable: reason`) and make bench fails.
// A row: { label, value, op: "≥" | "≤" | "=", limit, unit } (value undefined + `unmeasurable`
// when not measurable), or the older form [label, value, goal text, ok(value)]. A bench of its
// own can also contribute rows without touching this file: `targets` (and `calibration`: rows
// { label, value }) arrays in its JSON in the bench directory (see `extra` below).
const target = (label, value, op, limit, unit = "", more = {}) => ({ label, value, op, limit, unit, ...more });
const targets = [];
const shapesOf = Object.keys(node.shapes);
// Each library as users get it (defaults: jwtgate caches verified tokens, fast-jwt does not),
// then like for like with caches on.
for (const s of shapesOf) {
  const gate = get(node, s, "jwtgate verify");
  targets.push(target(`jose / jwtgate verify (${s})`, get(node, s, "jose") / gate, "≥", 20, "×"));
  targets.push(target(`fast-jwt / jwtgate verify, defaults (${s})`, get(node, s, "fast-jwt") / gate, "≥", 2.5, "×"));
  targets.push(target(`fast-jwt cache on / jwtgate verify cache on (${s})`, get(node, s, "fast-jwt, cache on") / gate, "≥", 2.5, "×"));
}
// Distance to the limit inside one runtime (the old "Wasm / native" ratio moved with the CPU):
// uncached `verify` (the whole check through the JS API: Wasm, JSON, claims object) against
// Node's own `crypto.createHmac` over the same signing input + compare, same process, same run.
const FLOOR_LIMITS = { spec: 1.25, betterAuth: 2 };
for (const s of shapesOf) {
  if (!(s in FLOOR_LIMITS)) continue;
  targets.push(target(`jwtgate verify, cacheSize 0 / \`createHmac\` floor over the same signing input, Node (${s})`,
    get(node, s, "jwtgate verify, cacheSize 0") / get(node, s, "createHmac floor"), "≤", FLOOR_LIMITS[s], "×"));
}
// Refusals (issue 11 §6): what an unauthenticated client can make the gate spend.
const refusalNames = Object.keys(node.refusals ?? {});
const nativeRefusal = (n) => native.refusals[n].usPerOp;
const refusalTable = ["| refusal (all refused) | token bytes | code | native µs | × ordinary | `authorize` (Node) µs | × ordinary | Wasm engine call µs | × ordinary |",
  "|---|---:|---|---:|---:|---:|---:|---:|---:|",
  ...refusalNames.map((n) => {
    const r = node.refusals[n], o = node.refusals.ordinary;
    return `| ${r.label} | ${r.tokenBytes} | \`${r.code}\` | ${us(nativeRefusal(n))} | ${(nativeRefusal(n) / nativeRefusal("ordinary")).toFixed(1)}× | ${us(r.authorizeUs)} | ${(r.authorizeUs / o.authorizeUs).toFixed(1)}× | ${us(r.engineUs)} | ${(r.engineUs / o.engineUs).toFixed(1)}× |`;
  })].join("\n");
// Bounded work, judged where size cannot hide it: refusing any token means hashing it, so a big
// token against a small one is only their size ratio. What the gate may add is the work before
// the signature (the capped header), against the same-size token with a plain header; and what a
// host may add is copying a huge `Authorization` value, against an ordinary refusal (hostOversized).
if (refusalNames.length) {
  const worst = node.refusals.worst, largest = node.refusals.largest, ordinary = node.refusals.ordinary;
  targets.push(target("work before the signature: 8 KiB token, costliest header / same size, plain header (wrong signatures), Wasm engine", worst.engineUs / largest.engineUs, "≤", 1.5, "×"));
  targets.push(target("work before the signature: 8 KiB token, costliest header / same size, plain header (wrong signatures), native core", nativeRefusal("worst") / nativeRefusal("largest"), "≤", 1.5, "×"));
  targets.push(target("5.8 KB header (the review's input) / ordinary refusal, `authorize` in Node", node.refusals.bigHeader.authorizeUs / ordinary.authorizeUs, "≤", 10, "×"));
}
const oversized = node.hostOversized;
if (oversized) {
  targets.push(target(`${oversizedLabel(oversized.authorizationBytes)} / ordinary refusal, \`Gate.authorize\` in Node`, oversized.oversizedUs / oversized.ordinaryUs, "≤", 2, "×"));
}
const kb = (b) => (b / 1024).toFixed(1);
function oversizedLabel(bytes) {
  return `${bytes === 1 << 20 ? "1 MiB" : `${bytes}-byte`} \`Authorization\` value`;
}
// Issues 22 + 24: the default entry (HS256 + EdDSA + session mode without jwe) ≤ 120 KB;
// `jwtgate/full` ≤ 210 KB (its target comes from algorithms.json). Superseded: 96 KB / 170 KB
// before session mode (issue 24), 80 KB for the one engine (issue 13), 40 KB (HS256 only).
targets.push(target(".wasm gzip -9, default entry `jwtgate` (KB)", node.sizes.wasmGzip / 1024, "≤", 120));
if (node.eddsa) {
  const ed = (name) => node.eddsa.contenders.find((c) => c.name === name).usPerOp;
  targets.push(target("EdDSA: jose / jwtgate verify, cacheSize 0", ed("jose (EdDSA)") / ed("jwtgate verify (EdDSA), cacheSize 0"), "≥", 1, "×"));
  targets.push(target("EdDSA: jose / jwtgate verify, cache on", ed("jose (EdDSA)") / ed("jwtgate verify (EdDSA)"), "≥", 100, "×"));
}
// Cold start against the fastest peer's import → first verify, in fresh processes of the same run.
const coldPeers = Object.entries(node.cold.peers ?? {}).sort((a, b) => a[1].totalMs - b[1].totalMs);
if (coldPeers.length) {
  const [fastest, peer] = coldPeers[0];
  targets.push(target(`cold start: \`import\` → first verify, jwtgate / fastest peer (${fastest}), fresh Node`, node.cold.fromImport.totalMs / peer.totalMs, "≤", 0.5, "×"));
  if (node.cold.eddsaFromImport) {
    // The peers' cold rows verify HS256: an EdDSA key set costs jwtgate more, the peers less.
    targets.push(target(`cold start: \`import\` → key-set Gate → first EdDSA verify, jwtgate / fastest peer's HS256 (${fastest})`, node.cold.eddsaFromImport.totalMs / peer.totalMs, "≤", 0.5, "×"));
  }
}
targets.push(target("Wasm linear memory growth over the memory run (bytes)", node.memory.afterBytes - node.memory.beforeBytes, "=", 0));
if (edge) {
  const why = edge.measurable === false ? { unmeasurable: edge.notMeasurable } : {};
  const noise = (below) => (below ? " (below the noise: the gated run was faster)" : "");
  targets.push(target(`edge: capacity, jwtgate worker / pass-through Worker (closed loop, ${edge.connections} connections)`, why.unmeasurable ? undefined : edge.capacity.ratio, "≥", 0.9, "×", why));
  targets.push(target(`edge: p50 latency added by the gate at ${edge.rate} req/s (ms)`, why.unmeasurable ? undefined : edge.addedP50Ms, "≤", 1, "", { ...why, note: noise(edge.addedP50BelowNoise) }));
  targets.push(target("edge: errors through the gate", edge.errors, "=", 0));
}

// Issue 22's native rows: Better Auth's session cookies (tests/vectors/better_auth_sessions.json)
// beside the same user's token in the JWT plugin's shape, each uncached and repeated.
const nativeSessions = native.sessions === undefined ? "" : `
Session cookies natively (issue 22, \`benches/native.rs\` \`sessions\`: cookies the real better-auth minted,
tests/vectors/better_auth_sessions.json, beside the same user's token in the JWT plugin's shape), µs/op:

| cache strategy | cookie bytes | token bytes | ${native.sessions[Object.keys(native.sessions)[0]].contenders.map((c) => c.name).join(" | ")} | session / token, uncached | repeated |
|---|---:|---:|${native.sessions[Object.keys(native.sessions)[0]].contenders.map(() => "---:").join("|")}|---:|---:|
${Object.entries(native.sessions).map(([strategy, r]) => {
    const at = (name) => r.contenders.find((c) => c.name === name)?.usPerOp;
    const ratio = (a, b) => (at(a) / at(b)).toFixed(2);
    return `| ${strategy} | ${r.cookieBytes} | ${r.tokenBytes} | ${r.contenders.map((c) => us(c.usPerOp)).join(" | ")} | ${ratio("session cookie, no cache", "bearer token, no cache")}× | ${ratio("session cookie, cached", "bearer token, cached")}× |`;
  }).join("\n")}

Reported, not targeted: issue 22's targets are the npm rows (the session section below), where users
meet them. Natively the CPU's SHA instructions make both MACs cheap, so the JSON decides the ratio, and
a default user's cookie cache carries about 2.5 times the token's JSON (its session and user objects).
`;

// Rows and calibration from other benches' JSON files in the same directory.
const KNOWN = new Set(["node.json", "native.json", "edge.json", "tokens.json"]);
const extra = readdirSync(dir).filter((f) => f.endsWith(".json") && !KNOWN.has(f)).sort()
  .map((f) => { try { return read(f); } catch { return {}; } });
for (const data of extra) if (Array.isArray(data.targets)) targets.push(...data.targets);

// Their own sections (markdown), placed before the targets.
const extraSections = extra.filter((d) => typeof d.markdown === "string").map((d) => `${d.markdown.trim()}\n`).join("\n");

// Machine calibration, at the top of the targets table: how fast this machine was.
const calibration = [
  ["machine: CPU", `${cpu} (\`nproc\` ${sh("nproc")}; load average ${loadavg().map((x) => x.toFixed(2)).join(" ")})`],
  ["machine: `createHmac` floor, spec token (µs/op)", us(get(node, "spec", "createHmac floor"))],
];
if (edge?.capacity) calibration.push([`machine: pass-through Worker capacity under \`wrangler dev\` (req/s, closed loop, ${edge.connections} connections)`, edge.capacity.passthrough.rps]);
for (const data of extra) if (Array.isArray(data.calibration)) calibration.push(...data.calibration.map((c) => [c.label, c.value]));

const OPS = { "≥": (v, l) => v >= l, "≤": (v, l) => v <= l, "=": (v, l) => v === l };
function judge(t) {
  if (Array.isArray(t)) {
    const [label, value, goal, ok] = t;
    if (typeof ok === "function") return { label, value, goal, status: ok(value) ? "met" : "**missed**" };
    // [label, value, "≥ 5×"]: the goal as text (what a bench's JSON can carry).
    const m = /^\s*(≥|≤|=)?\s*(-?[\d.]+)\s*(.*)$/.exec(String(goal));
    if (!m) throw new Error(`target ${label}: cannot read the goal ${JSON.stringify(goal)}`);
    return judge(target(label, value, m[1] ?? "=", Number(m[2]), m[3]));
  }
  const goal = `${t.op === "=" ? "" : `${t.op} `}${t.limit}${t.unit ?? ""}`;
  if (t.unmeasurable || t.value === undefined || Number.isNaN(t.value)) {
    return { label: t.label, value: "—", goal, status: "**not measurable on this machine**", unmeasurable: t.unmeasurable ?? "no value" };
  }
  return { label: t.label, value: t.value, goal, status: (OPS[t.op](t.value, t.limit) ? "met" : "**missed**") + (t.note ?? "") };
}
const judged = targets.map(judge);
const fmt = (v) => (typeof v !== "number" ? v : Number.isInteger(v) ? v : v.toFixed(2));
const targetTable = ["| target | measured | goal | |", "|---|---:|---:|---|",
  ...calibration.map(([label, value]) => `| ${label} | ${value} | | calibration |`),
  ...judged.map((t) => `| ${t.label} | ${fmt(t.value)} | ${t.goal} | ${t.status} |`)].join("\n");
const unmeasurable = judged.filter((t) => t.unmeasurable);

// Without any cache, every call does the whole work: reported, not hidden.
const uncachedRows = shapesOf.map((s) => {
  const gate = get(node, s, "jwtgate verify, cacheSize 0");
  return `| ${SHAPES[s] ?? s} | ${us(gate)} | ${(get(node, s, "fast-jwt") / gate).toFixed(2)}× | ${(get(node, s, "jose") / gate).toFixed(2)}× | ${(gate / get(native, s, NATIVE_BASE)).toFixed(2)}× | ${(get(node, s, "createHmac floor") / gate).toFixed(2)}× |`;
});
const uncachedTable = ["| token | jwtgate verify, cacheSize 0 µs/op | fast-jwt (no cache) / it | jose / it | it / native core | createHmac floor / it |",
  "|---|---:|---:|---:|---:|---:|", ...uncachedRows].join("\n");

const v = node.versions;
const md = `# Benchmarks

Generated by \`make bench\` on ${new Date().toISOString()} — do not edit by hand; re-run it.
Absolute numbers on a shared 2-core machine are noisy: read the **ratios** (same run, same process).

## Machine
- CPU: ${cpu}, \`nproc\` = ${sh("nproc")}; load average at report time ${loadavg().map((x) => x.toFixed(2)).join(" ")}
- Node ${v.node}; native: ${sh("rustc --version")}; Wasm built with ${sh("bash -c 'source scripts/wasm-env.sh >/dev/null 2>&1; rustc --version'")}
- Peers: jose ${v.jose}, fast-jwt ${v["fast-jwt"]}, @tsndr/cloudflare-worker-jwt ${v["@tsndr/cloudflare-worker-jwt"]}, jsonwebtoken (npm) ${v.jsonwebtoken}; jsonwebtoken crate 11 (rust_crypto)

## Method
- Tokens (\`benches/node/tokens.mjs\`, signed with node:crypto): **spec** — \`sub\`, \`email\`, \`name\`, \`iat\`, \`exp\`
  (${node.shapes.spec.tokenBytes}-byte token); **Better Auth** — the jwt plugin's payload: the user object
  (\`id\`, \`name\`, \`email\`, \`emailVerified\`, \`image\`, \`createdAt\`, \`updatedAt\`) plus \`iat\`, \`iss\`, \`aud\`, \`exp\`, \`sub\`
  (${node.shapes.betterAuth.tokenBytes}-byte token), checked with issuer and audience configured.
- Node (\`benches/node/verify.mjs\`): the built package from \`pkg/\` (\`import { Gate } from "pkg/index.node.js"\`), one process;
  every contender is timed in batches of ~${node.batchMs} ms, ${node.rounds} rounds, the order rotating each round; the table
  gives the median batch. Before timing, each contender must accept the token and refuse a tampered one, and
  \`gate.verify\` must return the same claims as jose.
- Same policy everywhere, as far as each library can say it: HS256 only, signature, \`exp\`/\`nbf\`, \`sub\`+\`email\` present,
  \`iat\` present and ≤ 1800 s old, \`iss\`/\`aud\` for the Better Auth token. jose: \`jwtVerify\` with a pre-imported CryptoKey,
  \`requiredClaims\`, \`maxTokenAge\`; fast-jwt: \`createVerifier\` (cache off, its default; and with \`cache: true\`), \`requiredClaims\`, \`maxAge\`;
  jsonwebtoken: \`verify\` with \`maxAge\` (+ a sub/email check); @tsndr: \`verify\` with a CryptoKey (+ the claim checks in JS);
  the floor: \`createHmac\` over the signing input + \`timingSafeEqual\`, no JSON at all. jwtgate additionally enforces the
  900–1800 s lifetime window and refuses duplicate JSON member names, and returns every claim as a plain object.
  \`gate.authorize\` gets a plain \`{ method, url, headers }\` request and also applies the bearer and path rules.
- Caches: \`jwtgate verify\` is the package as users get it, with its verified-token cache (256 slots;
  a repeat skips signature and JSON work, never the \`exp\`/\`iat\`/\`nbf\` rules); \`cacheSize 0\` rows switch it off.
  Every row times the same token over and over, which is what a gate sees from one browser session (the
  same token on every request for its 15–30 min life); a never-repeating stream costs the \`cacheSize 0\` figure.
- \`Wasm engine call\`: the core alone as compiled to Wasm (the token encoded into its input buffer, \`verifyInput\`),
  without \`gate.js\` turning the payload into a claims object: what the Wasm build costs next to the native core.
- Native (\`benches/native.rs\`, \`cargo bench --bench native\`, release profile: opt-level 3, fat LTO, 1 CGU): the same
  tokens, same rounds and medians; \`jwtgate verify, cached\` = \`CachedGate::verify\` (256 slots); \`jwtgate parse only\` = \`UntrustedToken::parse\`; the HMAC floor = \`Hs256Key::verify_tag\`
  over the signing input; the jsonwebtoken crate decodes into a struct with \`sub\`/\`email\`/\`exp\`/\`iat\` + the rest.
- Ratios: **× jwtgate verify** = that row's time / jwtgate \`verify\`'s time on the same token (above 1: slower than jwtgate);
  natively, against \`jwtgate verify, no cache\`.

## Node (${v.node}) — µs/op, median of ${node.rounds} alternating rounds
${nodeTable}

## Native core — µs/op, median of ${native.rounds} alternating rounds
${nativeTable}

Distance to the limit natively (reported, no target): \`jwtgate verify, no cache\` / the HMAC-SHA256 floor of the
same crate (\`Hs256Key::verify_tag\` over the signing input) = ${shapesOf.map((s) => `${(get(native, s, NATIVE_BASE) / get(native, s, "HMAC-SHA256 floor")).toFixed(2)}× (${s})`).join(", ")}.

${nativeSessions}
## Without caches — every call does the whole work
${uncachedTable}

On a cache hit there is no verification left to compare: the Wasm engine call costs
${shapesOf.map((s) => `${us(get(node, s, "Wasm engine call"))} µs (${s})`).join(", ")} against the native \`CachedGate\`'s
${shapesOf.map((s) => `${us(get(native, s, "jwtgate verify, cached"))} µs`).join(", ")}, nearly all of it the JS→Wasm call itself.

## Refusals — what saying no costs (issue 11 §6)
Every token below is refused; the times are medians of ${node.rounds} alternating rounds like the tables above.
Before the signature is checked the gate base64-decodes the token and parses its JOSE header only, capped at
512 bytes; the rest is hashed once. The **ordinary** refusal is the spec token with a wrong signature; the
**worst case** is a token at the 8 KiB cap whose 512-byte header is the costliest the JSON reader meets
(arrays of small objects, each checked for duplicate names), also with a wrong signature. Its floor is the
8 KiB token with a plain header: HMAC-SHA256 over 8 KiB, which any HS256 verifier pays for a token that size.
${refusalTable}

The targets judge bounded work where the token's size cannot stand in for it: a refusal hashes the
whole token, so the 8 KiB rows against the ordinary one are only the size ratio (information above).
What the gate adds before the signature is the costliest 8 KiB token against the 8 KiB token with a
plain header (≤ 1.5×).${oversized ? ` What a host adds for a huge header: \`gate.authorize\` in Node with a
${oversizedLabel(oversized.authorizationBytes)} (\`Bearer \` + a token-shaped value, refused \`${oversized.code}\`) costs
${us(oversized.oversizedUs)} µs against ${us(oversized.ordinaryUs)} µs for the ordinary refusal through the same call (≤ 2×: the value
must be refused from its length and first bytes, never copied whole)${extra.some((d) => d.oversized) ? "; Python's \`gate.authorize\` is in its section below" : ""}.` : ""}

## Package
- \`.wasm\`: ${node.sizes.wasmRaw} bytes raw (${kb(node.sizes.wasmRaw)} KB), **${node.sizes.wasmGzip} bytes gzip -9 (${kb(node.sizes.wasmGzip)} KB)**;
  Node entry (glue + \`gate.js\`, one module): ${node.sizes.jsRaw} bytes raw, ${node.sizes.jsGzip} gzip.
- Cold start in fresh \`node\` processes, median of ${node.cold.runs} each:
  - instantiate → first verify (JS already loaded; read + compile + instantiate the \`.wasm\`, \`new Gate\`, first \`verify\`):
    **${node.cold.instantiate.totalMs.toFixed(2)} ms** (instantiate ${node.cold.instantiate.loadMs.toFixed(2)}, \`new Gate\` ${node.cold.instantiate.newGateMs.toFixed(2)}, first verify ${node.cold.instantiate.firstVerifyMs.toFixed(2)}; worst ${node.cold.instantiate.totalMsMax.toFixed(2)});
  - \`import\` of the package → first verify (JS modules, read, compile, instantiate; the ESM loader's one-time
    first-dynamic-import setup, ≈ 0.5 ms that an app's static import never pays separately, is done before timing): **${node.cold.fromImport.totalMs.toFixed(2)} ms** (import ${node.cold.fromImport.loadMs.toFixed(2)}, \`new Gate\` ${node.cold.fromImport.newGateMs.toFixed(2)}, first verify ${node.cold.fromImport.firstVerifyMs.toFixed(2)}; worst ${node.cold.fromImport.totalMsMax.toFixed(2)}).
  \`new Gate\` and the first \`verify\` are mostly V8 compiling the Wasm functions they touch (lazily, on first call).
  - the peers, same token, same fresh-process method (\`import\` → first verify; jose's first call also imports the key):
${Object.entries(node.cold.peers ?? {}).map(([p, c]) => `    ${p} **${c.totalMs.toFixed(2)} ms** (import ${c.loadMs.toFixed(2)}, ${p === "fast-jwt" ? `\`createVerifier\` ${c.newGateMs.toFixed(2)}, ` : ""}first verify ${c.firstVerifyMs.toFixed(2)}; worst ${c.totalMsMax.toFixed(2)})`).join(";\n")}.
  These milliseconds move with the machine; the target is the ratio to the fastest peer in the same run.
- Memory: ${node.memory.ops.toLocaleString("en")} calls in one instance (verify, authorize and refusals mixed; ${node.memory.refused.toLocaleString("en")} refusals;
  ${node.memory.churnTokens} distinct tokens through the 256-slot cache, so entries are replaced throughout):
  Wasm linear memory ${node.memory.beforeBytes} → ${node.memory.afterBytes} bytes (${node.memory.seconds.toFixed(1)} s).
${edge ? `
## Edge (workerd via \`wrangler dev\`, ${edge.tool})
The load adapts to the machine: first the pass-through stack's capacity (closed loop,
${edge.connections} connections, ${edge.capacityRounds} pairs of ${edge.capacitySeconds} s rounds, pass-through and gated back to back; the ratio is
the median of the pairs' ratios, which shared-machine noise moves least), then an open loop at
${edge.fraction ? `${edge.fraction * 100}% of that capacity` : "a fixed rate (EDGE_RATE)"}: **${edge.rate} req/s** for ${edge.seconds} s per target, alternating rounds.${edge.load ? `
Machine load during the run: 1-minute load average ${edge.load.before.toFixed(2)} → ${edge.load.after.toFixed(2)} on ${edge.load.cores} cores${edge.load.before > edge.load.cores || edge.load.after > edge.load.cores ? " (oversubscribed: other work competed for the CPU, so every latency here is inflated by waiting for a core, and the gated and pass-through rounds differ by more than the gate)" : ""}.` : ""}
${edge.measurable === false ? `
**${edge.notMeasurable}.** The figures below are shown for diagnosis only; none of them is the gate's.
` : ""}
| capacity (closed loop, ${edge.connections} connections) | req/s | errors |
|---|---:|---:|
| pass-through Worker (no gate) → origin | ${edge.capacity.passthrough.rps}${edge.capacity.passthroughRoundsRps ? ` (rounds ${edge.capacity.passthroughRoundsRps.join("–")})` : ""} | ${edge.capacity.passthrough.errors} |
| jwtgate worker → origin | ${edge.capacity.worker.rps} | ${edge.capacity.worker.errors} |
| ratio jwtgate / pass-through (median of the pairs) | ${edge.capacity.ratio.toFixed(3)} | |

| latency | unloaded p50 ms (1 connection) | p50 ms at ${edge.rate} req/s | p99 ms | req/s answered | errors |
|---|---:|---:|---:|---:|---:|
| origin directly | | ${edge.origin.p50} | ${edge.origin.p99} | ${edge.origin.rps} | ${edge.origin.errors} |
| pass-through Worker (no gate) → origin | ${edge.unloaded.passthrough.p50} | ${edge.passthrough.p50} | ${edge.passthrough.p99} | ${edge.passthrough.rps} | ${edge.passthrough.errors} |
| jwtgate worker → origin | ${edge.unloaded.worker.p50} | ${edge.worker.p50} | ${edge.worker.p99} | ${edge.worker.rps} | ${edge.worker.errors} |

${edge.measurable === false ? "" : `Added by the gate at ${edge.rate} req/s (jwtgate worker vs the same \`wrangler dev\` stack with a pass-through Worker):
p50 ${edge.addedP50Ms} ms${edge.pairDiffsP50Ms ? ` (median of the rounds' differences ${edge.pairDiffsP50Ms.join(", ")} ms)` : ""}${edge.addedP50BelowNoise ? " (the gated run was faster: below the noise)" : ""}, p99 ${edge.addedP99Ms} ms${edge.addedP99BelowNoise ? " (the gated run was faster: below the noise)" : ""}. The local dev stack itself (wrangler's dev
proxy + workerd) adds p50 ${edge.stackP50Ms} ms over the origin alone; that part is not
the gate's and is not what production Workers add. `}Every answer through the gate was checked
(200 with \`X-User-Id\` equal to the token's \`sub\`). The baseline counts as saturated, and the run as
not measurable, when it errors, answers less than 95% of the offered rate, its p50 exceeds 4× its
unloaded p50 + 1 ms, or its capacity rounds differ by more than 1.5× (other work on the machine).
` : `
## Edge
Not measured in this run (\`make bench\` runs \`bench-edge\`, which needs the worker build).
`}
${node.eddsa ? `
## EdDSA (Better Auth JWT plugin, ${node.eddsa.tokenBytes}-byte token, key set + issuer + audience)
| | µs/op | jose / it |
|---|---:|---:|
${node.eddsa.contenders.map((c) => `| ${c.name} | ${us(c.usPerOp)} | ${(node.eddsa.contenders.find((j) => j.name === "jose (EdDSA)").usPerOp / c.usPerOp).toFixed(2)}× |`).join("\n")}

\`node:crypto Ed25519 verify floor\` is the signature check alone, synchronously in the host: the
cost of delegating only the signature instead of verifying in Wasm.
` : ""}
${extraSections ? `\n${extraSections}` : ""}
## Targets
The machine's calibration first (how fast this machine was), then every target. Speed targets are
ratios within this run; absolute times are information in the sections above.

${targetTable}
`;
writeFileSync(out, md);
console.log(`\n${nodeTable}\n\nnative:\n${nativeTable}\n\nwithout caches:\n${uncachedTable}\n\nrefusals:\n${refusalTable}\n\n${targetTable}\n\nwritten: ${out}`);
if (unmeasurable.length) {
  for (const t of unmeasurable) console.error(`${t.label}: ${t.unmeasurable}`);
  process.exit(1);
}
