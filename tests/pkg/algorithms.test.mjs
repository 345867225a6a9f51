// Every algorithm Better Auth's jwt() plugin signs, through the built package as users install
// it: `jwtgate/full` (ES256, ES512, RS256, PS256 beside HS256 and EdDSA) and the default entry
// `jwtgate` (HS256 and EdDSA: other keys skipped with one log line, their tokens refused with
// `alg_not_in_build`). Tokens and key sets: the REAL better-auth package, minted fresh for this
// run by tests/fixtures/better-auth/mint-algorithms.mjs (./algorithms.json), plus its attack
// material (node:crypto keys, a control beside every attack). Remote sets: a key server on
// 127.0.0.1.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import { createHmac } from "node:crypto";
import * as base from "jwtgate";
import * as full from "jwtgate/full";

const F = JSON.parse(readFileSync(new URL("./algorithms.json", import.meta.url), "utf8"));
const APP = F.baseURL;
const ALGS = ["EdDSA", "ES256", "ES512", "RS256", "PS256"];
const SECRET = "k3Jx9vQ2mW7pL4tZ8rB6nC1yH5sD0fGa";
const b64 = (v) => Buffer.from(typeof v === "string" ? v : JSON.stringify(v)).toString("base64url");
const claimsOf = (token) => JSON.parse(Buffer.from(token.split(".")[1], "base64url"));
const headerOf = (token) => JSON.parse(Buffer.from(token.split(".")[0], "base64url"));
const iatOf = (token) => claimsOf(token).iat;

function codeOf(mod, gate, token) {
  try {
    gate.verify(token);
    return "accepted";
  } catch (e) {
    assert.ok(e instanceof mod.GateError, String(e));
    return e.code;
  }
}

/** console.warn lines written while `fn` runs. */
function warnings(fn) {
  const lines = [];
  const original = console.warn;
  console.warn = (...args) => lines.push(args.join(" "));
  try {
    fn();
  } finally {
    console.warn = original;
  }
  return lines;
}

test("jwtgate/full: a Better Auth app on each algorithm is gated with its own tokens", () => {
  for (const alg of ALGS) {
    const app = F.apps[alg];
    for (const t of app.tokens) {
      const gate = new full.Gate({ jwks: app.jwks, issuer: APP, audience: APP, now: iatOf(t.token) });
      assert.equal(headerOf(t.token).alg, alg);
      assert.equal(gate.verify(t.token).sub, t.userId, alg);
      const own = gate.authorize({ url: `/api/v1/${t.userId}/tasks`, headers: { authorization: `Bearer ${t.token}` } });
      assert.equal(own.allowed, true, alg);
      const other = gate.authorize({ url: "/api/v1/someone-else/tasks", headers: { authorization: `Bearer ${t.token}` } });
      assert.equal(other.code, "user_mismatch", alg);
    }
  }
});

test("jwtgate/full: one app publishing several algorithms (keyPairConfigs, RSA keys carrying crv Ed25519)", () => {
  const { jwks, tokens } = F.multi;
  assert.ok(jwks.keys.filter((k) => k.kty === "RSA").every((k) => k.crv === "Ed25519"), "Better Auth's crv quirk is in the set");
  for (const alg of ALGS) {
    const t = tokens[alg];
    const gate = new full.Gate({ jwks: JSON.stringify(jwks), issuer: APP, audience: APP, now: iatOf(t.token) });
    assert.equal(gate.verify(t.token).sub, t.userId, alg);
    // The same token under every other algorithm name (same kid): the key's algorithm decides.
    for (const other of ALGS.filter((a) => a !== alg)) {
      const [, p, s] = t.token.split(".");
      const confused = `${b64({ ...headerOf(t.token), alg: other })}.${p}.${s}`;
      assert.equal(codeOf(full, gate, confused), "alg_not_allowed", `${alg} as ${other}`);
    }
  }
});

test("the default entry verifies HS256 and EdDSA, logs each key it cannot use once, and refuses their tokens distinctly", () => {
  const { jwks, tokens } = F.multi;
  const now = iatOf(tokens.EdDSA.token);
  let gate;
  const lines = warnings(() => {
    gate = new base.Gate({ jwks, issuer: APP, audience: APP, now });
  });
  assert.equal(lines.length, 4, lines.join("\n"));
  for (const alg of ["ES256", "ES512", "RS256", "PS256"]) {
    const kid = headerOf(tokens[alg].token).kid;
    const line = lines.find((l) => l.includes(`"${kid}"`));
    assert.ok(line, `a line for ${alg}`);
    assert.match(line, new RegExp(`\\(${alg}\\)`));
    assert.match(line, /jwtgate\/full/);
    assert.equal(codeOf(base, gate, tokens[alg].token), "alg_not_in_build", alg);
  }
  assert.equal(gate.verify(tokens.EdDSA.token).sub, tokens.EdDSA.userId);
  // A refresh or another gate with the same keys: nothing logged again.
  assert.deepEqual(warnings(() => new base.Gate({ jwks, issuer: APP, audience: APP, now })), []);
  // The full entry logs nothing for the same set.
  assert.deepEqual(warnings(() => new full.Gate({ jwks, issuer: APP, audience: APP, now })), []);
  // The refusal is in the table with its status and challenge.
  const row = base.errorTable().find((e) => e.code === "alg_not_in_build");
  assert.equal(row.status, 401);
});

/** A key-set server on a free 127.0.0.1 port serving `state.body`; counts requests. */
async function keyServer(body) {
  const state = { count: 0, body };
  const server = createServer((req, res) => {
    state.count += 1;
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(state.body));
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  state.url = `http://127.0.0.1:${server.address().port}/api/auth/jwks`;
  state.close = () => new Promise((resolve) => server.close(resolve));
  return state;
}

test("jwtgate/full Gate.fromJwksUrl follows a Better Auth key rotation (ES256)", async (t) => {
  const { jwksBefore, jwksAfter, before, after } = F.rotation;
  const server = await keyServer(jwksBefore);
  t.after(server.close);
  let now = iatOf(after.token);
  const gate = await full.Gate.fromJwksUrl(server.url, { issuer: APP, audience: APP, now: () => now });
  assert.equal((await gate.verifyAsync(before.token)).sub, before.userId);
  assert.equal(server.count, 1);
  // The rotated key is published: past the cooldown, the new kid is unknown, one refetch,
  // then it verifies.
  server.body = jwksAfter;
  now += 31;
  assert.equal((await gate.verifyAsync(after.token)).sub, after.userId);
  assert.equal(server.count, 2);
  assert.equal((await gate.verifyAsync(before.token)).sub, before.userId);
});

test("the default entry's Gate.fromJwksUrl: a refresh that adds an RS256 key logs it once", async (t) => {
  const ed = F.apps.EdDSA;
  const server = await keyServer(ed.jwks);
  t.after(server.close);
  let now = iatOf(ed.tokens[0].token);
  const gate = await base.Gate.fromJwksUrl(server.url, { issuer: APP, audience: APP, now: () => now });
  assert.equal((await gate.verifyAsync(ed.tokens[0].token)).sub, ed.tokens[0].userId);
  const rs = F.apps.RS256;
  server.body = { keys: [...ed.jwks.keys, ...rs.jwks.keys] };
  now += 31; // past the cooldown of the first fetch
  const token = rs.tokens[0].token;
  let code;
  const lines = [];
  const original = console.warn;
  console.warn = (...args) => lines.push(args.join(" "));
  try {
    await gate.verifyAsync(token);
  } catch (e) {
    code = e.code;
  } finally {
    console.warn = original;
  }
  assert.equal(code, "alg_not_in_build");
  assert.equal(lines.length, 1, lines.join("\n"));
  assert.match(lines[0], /\(RS256\).*jwtgate\/full/);
});

test("jwtgate/full: the attack list is refused, each beside a control that passes", () => {
  const A = F.attacks;
  const gate = new full.Gate({ jwks: { keys: ["es256", "es512", "rs256", "ps256"].map((k) => A.keys[k]) }, issuer: APP, audience: APP, now: A.now });
  for (const name of ["es256", "es512", "rs256", "ps256"]) assert.equal(codeOf(full, gate, A.tokens[name]), "accepted", name);
  const cases = [
    ["ES256 signature in DER", "es256_der", "invalid_signature"],
    ["ES512 signature in DER", "es512_der", "invalid_signature"],
    ["PS256 salt 0", "ps256_salt0", "invalid_signature"],
    ["PS256 salt 20", "ps256_salt20", "invalid_signature"],
    ["PS256 salt 64", "ps256_salt64", "invalid_signature"],
    ["PS256 key, PKCS#1 v1.5 signature under RS256", "ps256_key_rs256_token", "alg_not_allowed"],
    ["RS256 key, PSS signature under PS256", "rs256_key_ps256_token", "alg_not_allowed"],
  ];
  for (const [what, name, code] of cases) assert.equal(codeOf(full, gate, A.tokens[name]), code, what);
  for (const name of ["es256", "es512", "rs256", "ps256"]) {
    const [h, p, s] = A.tokens[name].split(".");
    const sig = Buffer.from(s, "base64url");
    // r or s zero (ECDSA), a tampered payload, a flipped bit, alg none, HS256 keyed with the JWK.
    if (name.startsWith("es")) {
      const half = sig.length / 2;
      const rZero = Buffer.concat([Buffer.alloc(half), sig.subarray(half)]).toString("base64url");
      const sZero = Buffer.concat([sig.subarray(0, half), Buffer.alloc(half)]).toString("base64url");
      assert.equal(codeOf(full, gate, `${h}.${p}.${rZero}`), "invalid_signature", `${name} r = 0`);
      assert.equal(codeOf(full, gate, `${h}.${p}.${sZero}`), "invalid_signature", `${name} s = 0`);
    }
    const tampered = `${h}.${b64({ ...claimsOf(A.tokens[name]), sub: "admin" })}.${s}`;
    assert.equal(codeOf(full, gate, tampered), "invalid_signature", `${name} tampered`);
    const flipped = Buffer.from(sig);
    flipped[7] ^= 1;
    assert.equal(codeOf(full, gate, `${h}.${p}.${flipped.toString("base64url")}`), "invalid_signature", `${name} flipped`);
    assert.equal(codeOf(full, gate, `${b64({ alg: "none", kid: name })}.${p}.`), "alg_not_allowed", `${name} none`);
    const hsInput = `${b64({ alg: "HS256", kid: name })}.${p}`;
    for (const secret of [JSON.stringify(A.keys[name]), A.keys[name].x ?? A.keys[name].n]) {
      const forged = `${hsInput}.${createHmac("sha256", secret).update(hsInput).digest("base64url")}`;
      assert.equal(codeOf(full, gate, forged), "alg_not_allowed", `${name} HS256 with the key as secret`);
    }
  }
  // A key moved under another kid: the token's signature does not match the key found.
  const moved = new full.Gate({ jwks: { keys: [{ ...A.keys.es256, kid: "es512" }, { ...A.keys.es512, kid: "es256" }] }, issuer: APP, audience: APP, now: A.now });
  assert.equal(codeOf(full, moved, A.tokens.es256), "alg_not_allowed");
  const twoP256 = new full.Gate({ jwks: { keys: [{ ...A.keys.es256, kid: "other" }, { ...F.apps.ES256.jwks.keys[0], kid: "es256" }] }, issuer: APP, audience: APP, now: A.now });
  assert.equal(codeOf(full, twoP256, A.tokens.es256), "invalid_signature");
});

test("bad EC and RSA keys are configuration errors in both entries, with their own codes", () => {
  const A = F.attacks;
  for (const mod of [full, base]) {
    const refused = (keys, code) =>
      assert.throws(() => new mod.Gate({ jwks: { keys }, issuer: APP, audience: APP }), (e) => e instanceof mod.GateConfigError && e.code === code && e.option === "jwks", code);
    refused([A.keys.rsa1024], "weak_rsa_key");
    const { alg, ...noAlg } = A.keys.rs256;
    assert.equal(alg, "RS256");
    refused([noAlg], "ambiguous_jwk_alg");
    refused([{ ...A.keys.es256, alg: "ES512" }], "invalid_jwk");
  }
  // Off the curve: only an engine with P-256 arithmetic can tell. The full entry refuses the
  // set; the default entry never uses the key (it skips it with its log line), so it loads.
  const offCurve = { keys: [{ ...A.keys.es256, y: A.keys.es256.x, kid: "off-curve" }] };
  assert.throws(() => new full.Gate({ jwks: offCurve, issuer: APP, audience: APP }), (e) => e.code === "invalid_ec_point");
  const lines = warnings(() => new base.Gate({ jwks: offCurve, issuer: APP, audience: APP }));
  assert.equal(lines.length, 1);
  assert.match(lines[0], /"off-curve" \(ES256\)/);
});

test("both entries: HS256 beside a key set still works, and an HS256 token never meets a public key", () => {
  const { jwks, tokens } = F.multi;
  const now = iatOf(tokens.ES256.token);
  const gate = new full.Gate({ jwks, secret: SECRET, issuer: APP, audience: APP, now });
  const hsClaims = { sub: "u1", email: "ada@example.com", iat: now, exp: now + 900, iss: APP, aud: APP };
  const input = `${b64({ alg: "HS256", typ: "JWT" })}.${b64(hsClaims)}`;
  const hs = `${input}.${createHmac("sha256", SECRET).update(input).digest("base64url")}`;
  assert.equal(gate.verify(hs).sub, "u1");
  assert.equal(gate.verify(tokens.ES256.token).sub, tokens.ES256.userId);
});

test("jwtgate/full in Node: node:crypto's answers (the default) equal the pure-Wasm verifier's on every token, and it is faster", async () => {
  // A second instance of the same entry with the delegation off (JWTGATE_NODE_CRYPTO=0 is
  // read when the entry loads; the query string makes it another module instance).
  const entry = new URL("./node_modules/jwtgate/full/index.node.js", import.meta.url);
  process.env.JWTGATE_NODE_CRYPTO = "0";
  const pure = await import(`${entry.href}?pure`);
  delete process.env.JWTGATE_NODE_CRYPTO;
  const A = F.attacks;
  const options = { jwks: { keys: ["es256", "es512", "rs256", "ps256", "rsa_e3", "rsa4096"].map((k) => A.keys[k]) }, issuer: APP, audience: APP, now: A.now, cacheSize: 0 };
  const delegated = new full.Gate(options);
  const wasm = new pure.Gate(options);
  const tokens = Object.values(A.tokens).filter((t) => !t.includes(b64({ alg: "RS256", kid: "rsa1024" })));
  // Deterministic mutations of every valid token: bit flips in the signature, ECDSA's other S.
  let seed = 24;
  const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const N = {
    es256: BigInt("0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551"),
    es512: BigInt(`0x01${"f".repeat(65)}a51868783bf2f966b7fcc0148f709a5d03bb5c9b8899c47aebb6fb71e91386409`),
  };
  for (const name of ["es256", "es512", "rs256", "ps256", "rsa_e3", "rsa4096"]) {
    const [h, p, s] = A.tokens[name].split(".");
    const sig = Buffer.from(s, "base64url");
    for (let i = 0; i < 40; i++) {
      const m = Buffer.from(sig);
      m[Math.floor(rand() * m.length)] ^= 1 << Math.floor(rand() * 8);
      tokens.push(`${h}.${p}.${m.toString("base64url")}`);
    }
    if (N[name]) {
      const half = sig.length / 2;
      const sVal = BigInt(`0x${sig.subarray(half).toString("hex")}`);
      const high = Buffer.from((N[name] - sVal).toString(16).padStart(half * 2, "0"), "hex");
      tokens.push(`${h}.${p}.${Buffer.concat([sig.subarray(0, half), high]).toString("base64url")}`);
    }
  }
  let accepted = 0;
  for (const token of tokens) {
    const got = codeOf(full, delegated, token);
    assert.equal(got, codeOf(pure, wasm, token), token.slice(0, 60));
    if (got === "accepted") accepted += 1;
  }
  assert.ok(accepted >= 8, `accepted ${accepted}`); // the six controls and both other-S forms
  // The delegation is in use: ES256 uncached in the default instance is the faster one.
  const time = (gate, token, n) => {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) gate.verify(token);
    return (performance.now() - t0) / n;
  };
  const samples = { delegated: [], wasm: [] };
  for (let round = 0; round < 5; round++) {
    samples.delegated.push(time(delegated, A.tokens.es256, 10));
    samples.wasm.push(time(wasm, A.tokens.es256, 10));
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[2];
  assert.ok(median(samples.delegated) < 0.7 * median(samples.wasm), JSON.stringify(samples));
});
