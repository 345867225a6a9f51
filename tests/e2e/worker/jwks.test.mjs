// Better Auth's own JWT-plugin tokens at the edge: the real worker (wrangler dev / workerd)
// follows a key set served on loopback (a server that counts requests), and the bridge
// (ORIGIN_TOKEN = "hs256") lets the spec's FastAPI origin, unchanged, serve those requests.
// Tokens and key set come from the REAL better-auth package (tests/fixtures/better-auth/mint.mjs).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createHmac } from "node:crypto";
import {
  ROOT, HOST, SECRET, freePort, mint, claims, bearer,
  startFastApiOrigin, startEchoOrigin, startWorker, request,
} from "./harness.mjs";
import { keyServer } from "./jwks-helpers.mjs";

let dir, fixture, keys, origin, echo, bridged, forwarded, dead;

before(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "jwtgate-e2e-jwks-"));
  execFileSync(process.execPath, [path.join(ROOT, "tests/fixtures/better-auth/mint.mjs"), path.join(dir, "ba.json")]);
  fixture = JSON.parse(readFileSync(path.join(dir, "ba.json"), "utf8"));
  keys = await keyServer(JSON.stringify(fixture.jwks));
  origin = await startFastApiOrigin({ secret: SECRET, dbPath: path.join(dir, "tasks.db") });
  echo = await startEchoOrigin();
  const common = { JWKS_URL: keys.url, ISSUER: fixture.baseURL, AUDIENCE: fixture.baseURL };
  bridged = await startWorker({ ...common, BETTER_AUTH_SECRET: SECRET, ORIGIN_URL: origin.url, ORIGIN_TOKEN: "hs256" });
  forwarded = await startWorker({ ...common, BETTER_AUTH_SECRET: SECRET, ORIGIN_URL: origin.url });
  dead = await startWorker({ JWKS_URL: `http://${HOST}:${await freePort()}/api/auth/jwks`, ISSUER: fixture.baseURL, AUDIENCE: fixture.baseURL, ORIGIN_URL: echo.url });
});

after(async () => {
  await Promise.all([bridged?.stop(), forwarded?.stop(), dead?.stop()]);
  await origin?.stop();
  await echo?.close();
  await keys?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const tasks = (user) => `/api/v1/${user}/tasks`;

test("bridge: Better Auth tokens reach the unchanged FastAPI origin as spec-shaped HS256 tokens", async () => {
  const [ada, grace] = fixture.tokens;
  const fetchesBefore = keys.count;
  const listed = await request(bridged.port, { path: tasks(ada.userId), headers: { authorization: bearer(ada.token) } });
  assert.equal(listed.status, 200, listed.body);
  assert.equal(listed.json.identity_header, ada.userId);
  assert.ok(keys.count - fetchesBefore <= 1, "a cold isolate fetches the key set at most once");
  const created = await request(bridged.port, {
    method: "POST", path: tasks(ada.userId),
    headers: { authorization: bearer(ada.token), "content-type": "application/json" },
    body: JSON.stringify({ title: "via the bridge" }),
  });
  assert.equal(created.status, 200, created.body);
  const mine = await request(bridged.port, { path: tasks(ada.userId), headers: { authorization: bearer(ada.token) } });
  assert.deepEqual(mine.json.tasks.map((t) => t.title), ["via the bridge"]);
  const other = await request(bridged.port, { path: tasks(grace.userId), headers: { authorization: bearer(ada.token) } });
  assert.equal(other.status, 403);
  assert.equal(other.json.detail, "User ID in path does not match authenticated user");
  // Without the bridge the same allowed request reaches the origin with the EdDSA token,
  // which the spec's HS256-only origin refuses: that is what the bridge is for.
  const plain = await request(forwarded.port, { path: tasks(ada.userId), headers: { authorization: bearer(ada.token) } });
  assert.equal(plain.status, 401, plain.body);
});

test("attacks on EdDSA tokens are refused at the edge", async () => {
  const [ada] = fixture.tokens;
  const [h, p, s] = ada.token.split(".");
  const sig = Buffer.from(s, "base64url");
  sig[3] ^= 1;
  const header = (obj) => Buffer.from(JSON.stringify(obj)).toString("base64url");
  const x = fixture.jwks.keys[0].x;
  const hsWithX = (() => {
    const input = `${header({ alg: "HS256", typ: "JWT" })}.${p}`;
    return `${input}.${createHmac("sha256", x).update(input).digest("base64url")}`;
  })();
  const cases = [
    ["tampered signature", `${h}.${p}.${sig.toString("base64url")}`, 401, "Invalid token: signature verification failed"],
    ["unknown kid", `${header({ alg: "EdDSA", kid: "not-a-key" })}.${p}.${s}`, 401, "Invalid token: unknown signing key"],
    ["alg none", `${header({ alg: "none" })}.${p}.`, 401, "Invalid token: algorithm not allowed"],
    ["HS256 keyed with the JWK's x", hsWithX, 401, "Invalid token: signature verification failed"],
    ["expired (HS256, spec-shaped)", mint(claims(ada.userId, { iat: 1_000_000, exp: 1_000_900 })), 401, "Token expired"],
  ];
  for (const [name, token, status, detail] of cases) {
    const r = await request(bridged.port, { path: tasks(ada.userId), headers: { authorization: bearer(token) } });
    assert.equal(r.status, status, `${name}: ${r.body}`);
    assert.equal(r.json.detail, detail, name);
  }
});

test("unknown kids refetch at most once per cooldown", async () => {
  const [ada] = fixture.tokens;
  const [, p, s] = ada.token.split(".");
  const start = keys.count;
  for (let i = 0; i < 200; i++) {
    const h = Buffer.from(JSON.stringify({ alg: "EdDSA", kid: `rotating-${i}` })).toString("base64url");
    const r = await request(bridged.port, { path: tasks(ada.userId), headers: { authorization: bearer(`${h}.${p}.${s}`) } });
    assert.equal(r.status, 401);
  }
  assert.ok(keys.count - start <= 1, `200 rotating kids caused ${keys.count - start} fetches`);
});

test("no usable key set: 503 with a detail, nothing reaches the origin", async () => {
  const [ada] = fixture.tokens;
  const r = await request(dead.port, { path: tasks(ada.userId), headers: { authorization: bearer(ada.token) } });
  assert.equal(r.status, 503, r.body);
  assert.equal(r.json.detail, "Authentication keys unavailable");
  // (The harness's readiness probe of "/" is unprotected and may have been proxied.)
  assert.deepEqual(echo.seen.filter((r) => r.url.startsWith("/api/")), []);
});

test("a cold isolate reads the key set from the Workers Cache API instead of the app", async () => {
  const [ada] = fixture.tokens;
  const state = path.join(dir, "wrangler-state");
  // The copy is authenticated with a MAC under a secret (here the dedicated one; without
  // any the Cache API is not used: jwks-cache.test.mjs).
  const vars = {
    JWKS_URL: keys.url, ISSUER: fixture.baseURL, AUDIENCE: fixture.baseURL, ORIGIN_URL: echo.url,
    JWKS_CACHE_SECRET: "Rb7Xk2Pw9Jd4Ms1Vq6Hc3Zt8Lf0Gn5Ye-e2e-jwks",
  };
  // (Counted from before the start, whatever the harness's readiness probe does.)
  const start = keys.count;
  const first = await startWorker(vars, { persistTo: state });
  try {
    const r = await request(first.port, { path: tasks(ada.userId), headers: { authorization: bearer(ada.token) } });
    assert.equal(r.status, 200, r.body);
    assert.equal(keys.count - start, 1, "the first isolate fetches once");
  } finally {
    await first.stop();
  }
  // A new workerd process, same local cache: a cold isolate, and no fetch.
  const second = await startWorker(vars, { persistTo: state });
  try {
    const r = await request(second.port, { path: tasks(ada.userId), headers: { authorization: bearer(ada.token) } });
    assert.equal(r.status, 200, r.body);
    assert.equal(keys.count - start, 1, "served from the Cache API");
  } finally {
    await second.stop();
  }
});

test("a key set with junk keys or over the byte cap is never used: 503", async () => {
  const [ada] = fixture.tokens;
  const bodies = {
    junk: JSON.stringify({ keys: [{ kty: "OKP", crv: "Ed25519", x: "junk", kid: "j" }] }),
    oversized: JSON.stringify({ pad: "x".repeat(70_000), keys: fixture.jwks.keys }),
  };
  for (const [name, body] of Object.entries(bodies)) {
    const bad = await keyServer(body);
    const w = await startWorker({ JWKS_URL: bad.url, ISSUER: fixture.baseURL, AUDIENCE: fixture.baseURL, ORIGIN_URL: echo.url });
    try {
      const r = await request(w.port, { path: tasks(ada.userId), headers: { authorization: bearer(ada.token) } });
      assert.equal(r.status, 503, `${name}: ${r.body}`);
      assert.equal(r.json.detail, "Authentication keys unavailable", name);
      assert.ok(bad.count >= 1, `${name}: the set was fetched`);
    } finally {
      await w.stop();
      await bad.close();
    }
  }
});

test("a cold isolate's first burst waits for the one key-set fetch (no 503 while it loads)", async () => {
  const [ada] = fixture.tokens;
  // A slow key server on its own URL (so no Cache API copy exists): every request of the
  // burst arrives while the first one is fetching.
  const slow = await keyServer(JSON.stringify(fixture.jwks));
  const respond = slow.respond;
  slow.respond = (req, res) => setTimeout(() => respond(req, res), 400);
  const worker = await startWorker({ JWKS_URL: slow.url, ISSUER: fixture.baseURL, AUDIENCE: fixture.baseURL, ORIGIN_URL: echo.url });
  try {
    const burst = await Promise.all(Array.from({ length: 12 }, () =>
      request(worker.port, { path: tasks(ada.userId), headers: { authorization: bearer(ada.token) } })));
    assert.deepEqual(burst.map((r) => r.status), Array(12).fill(200), burst.map((r) => r.body).join("\n"));
    assert.equal(slow.count, 1, "one fetch for the whole burst");
  } finally {
    await worker.stop();
    await slow.close();
  }
});
