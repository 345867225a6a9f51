// Every algorithm Better Auth's jwt() plugin signs, at the edge: the real worker (wrangler dev /
// workerd) with JWKS_URL on a loopback key server, tokens and key sets from the REAL better-auth
// package (tests/fixtures/better-auth/mint-algorithms.mjs, minted fresh for this run): one app
// per algorithm, one app publishing all of them (keyPairConfigs, RSA keys carrying crv
// Ed25519), a rotation, and the attacks of issue 24 (each beside a control that passes).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createHmac } from "node:crypto";
import { ROOT, bearer, startEchoOrigin, startWorker, request } from "./harness.mjs";
import { keyServer } from "./jwks-helpers.mjs";

const ALGS = ["EdDSA", "ES256", "ES512", "RS256", "PS256"];
let dir, f, multiKeys, rotationKeys, attackKeys, echo, multi, rotation, attacks;

before(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "jwtgate-e2e-algs-"));
  execFileSync(process.execPath, [path.join(ROOT, "tests/fixtures/better-auth/mint-algorithms.mjs"), path.join(dir, "algs.json")]);
  f = JSON.parse(readFileSync(path.join(dir, "algs.json"), "utf8"));
  multiKeys = await keyServer(JSON.stringify(f.multi.jwks));
  rotationKeys = await keyServer(JSON.stringify(f.rotation.jwksBefore));
  const A = f.attacks;
  attackKeys = await keyServer(JSON.stringify({ keys: ["es256", "es512", "rs256", "ps256"].map((k) => A.keys[k]) }));
  echo = await startEchoOrigin();
  // No secret (a .dev.vars written by `make demo` would otherwise give one): key-set tokens only,
  // so an HS256 token is `alg_not_allowed` whatever key it was made with.
  const common = { ISSUER: f.baseURL, AUDIENCE: f.baseURL, ORIGIN_URL: echo.url, BETTER_AUTH_SECRET: "" };
  [multi, rotation, attacks] = await Promise.all([
    startWorker({ ...common, JWKS_URL: multiKeys.url }),
    startWorker({ ...common, JWKS_URL: rotationKeys.url }),
    startWorker({ ...common, JWKS_URL: attackKeys.url }),
  ]);
});

after(async () => {
  await Promise.all([multi?.stop(), rotation?.stop(), attacks?.stop()]);
  await echo?.close();
  await Promise.all([multiKeys?.close(), rotationKeys?.close(), attackKeys?.close()]);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const tasks = (user) => `/api/v1/${user}/tasks`;
const b64 = (v) => Buffer.from(typeof v === "string" ? v : JSON.stringify(v)).toString("base64url");
const headerOf = (token) => JSON.parse(Buffer.from(token.split(".")[0], "base64url"));

test("one Better Auth app publishing every algorithm: each token reaches the origin as its user", async () => {
  assert.ok(f.multi.jwks.keys.filter((k) => k.kty === "RSA").every((k) => k.crv === "Ed25519"), "the crv quirk is in the set");
  for (const alg of ALGS) {
    const t = f.multi.tokens[alg];
    assert.equal(headerOf(t.token).alg, alg);
    const own = await request(multi.port, { path: tasks(t.userId), headers: { authorization: bearer(t.token) } });
    assert.equal(own.status, 200, `${alg}: ${own.body}`);
    assert.equal(echo.seen.at(-1).headers["x-user-id"], t.userId, alg);
    const other = await request(multi.port, { path: tasks("someone-else"), headers: { authorization: bearer(t.token) } });
    assert.equal(other.status, 403, alg);
    // The same token under every other algorithm name: the kid's key decides.
    for (const otherAlg of ALGS.filter((a) => a !== alg)) {
      const [, p, s] = t.token.split(".");
      const confused = `${b64({ ...headerOf(t.token), alg: otherAlg })}.${p}.${s}`;
      const r = await request(multi.port, { path: tasks(t.userId), headers: { authorization: bearer(confused) } });
      assert.equal(r.status, 401, `${alg} as ${otherAlg}`);
      assert.equal(r.json.detail, "Invalid token: algorithm not allowed");
    }
  }
  assert.equal(multiKeys.count, 1, "one key-set fetch for all of it");
});

test("a key rotation (ES256): the new kid is fetched once the cooldown allows, old tokens keep working", async () => {
  const { before: old, after: rotated, jwksAfter } = f.rotation;
  const first = await request(rotation.port, { path: tasks(old.userId), headers: { authorization: bearer(old.token) } });
  assert.equal(first.status, 200, first.body);
  rotationKeys.body = JSON.stringify(jwksAfter);
  // The cooldown (30 s, jose's) started with the first fetch.
  await new Promise((resolve) => setTimeout(resolve, 31_000));
  const fetched = rotationKeys.count;
  const next = await request(rotation.port, { path: tasks(rotated.userId), headers: { authorization: bearer(rotated.token) } });
  assert.equal(next.status, 200, next.body);
  assert.equal(rotationKeys.count, fetched + 1, "one refetch for the new kid");
  const again = await request(rotation.port, { path: tasks(old.userId), headers: { authorization: bearer(old.token) } });
  assert.equal(again.status, 200, again.body);
});

test("the attack list is refused at the edge, each beside a control that passes", async () => {
  const A = f.attacks;
  const ask = (token) => request(attacks.port, { path: tasks(A.userId), headers: { authorization: bearer(token) } });
  for (const name of ["es256", "es512", "rs256", "ps256"]) assert.equal((await ask(A.tokens[name])).status, 200, name);
  const refused = [
    ["es256_der", "Invalid token: signature verification failed"],
    ["es512_der", "Invalid token: signature verification failed"],
    ["ps256_salt0", "Invalid token: signature verification failed"],
    ["ps256_salt64", "Invalid token: signature verification failed"],
    ["ps256_key_rs256_token", "Invalid token: algorithm not allowed"],
    ["rs256_key_ps256_token", "Invalid token: algorithm not allowed"],
  ];
  for (const [name, detail] of refused) {
    const r = await ask(A.tokens[name]);
    assert.equal(r.status, 401, name);
    assert.equal(r.json.detail, detail, name);
  }
  for (const name of ["es256", "rs256"]) {
    const [h, p, s] = A.tokens[name].split(".");
    const tampered = `${h}.${b64({ ...JSON.parse(Buffer.from(p, "base64url")), sub: "admin" })}.${s}`;
    assert.equal((await ask(tampered)).status, 401, `${name} tampered`);
    assert.equal((await ask(`${b64({ alg: "none", kid: name })}.${p}.`)).status, 401, `${name} none`);
    // HS256 keyed with the public key (its JSON, its x or n): no secret here, so no HMAC key at all.
    const input = `${b64({ alg: "HS256", kid: name })}.${p}`;
    for (const secret of [JSON.stringify(A.keys[name]), A.keys[name].x ?? A.keys[name].n]) {
      const forged = `${input}.${createHmac("sha256", secret).update(input).digest("base64url")}`;
      const r = await ask(forged);
      assert.equal(r.status, 401, `${name} HS256 with the key`);
      assert.equal(r.json.detail, "Invalid token: algorithm not allowed");
    }
  }
  assert.deepEqual(
    echo.seen.filter((r) => r.headers["x-user-id"] === A.userId).length,
    4,
    "only the four controls reached the origin",
  );
});
