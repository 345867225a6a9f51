// The key set's Workers Cache API copy is shared with every Worker on the zone, so it must
// never supply keys unless authenticated (security review finding 5). Reproduced here under
// real `wrangler dev` (workerd): a second Worker, `zone-neighbour` (jwks-helpers.mjs), run
// by its own `wrangler dev` with the same --persist-to, writes entries into `caches.default`
// (miniflare keeps that cache in one Durable Object per persist directory, shared by every
// Worker started there); then cold jwtgate isolates start on that state.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { ROOT, SECRET, bearer, startEchoOrigin, startWorker, request } from "./harness.mjs";
import { keyServer, edKey, edClaims, cacheKey, cacheMac, cacheHeaders, plantAsNeighbour } from "./jwks-helpers.mjs";

const CACHE_SECRET = "Wd5Nc8Qe2Tj7Lr0Yh3Kv6Bx9Mp1Gz4Sa-e2e-cache";
const DAY_MS = 24 * 60 * 60 * 1000;

let dir, state, fixture, echo, kid, attacker, genuineSet, forgedSet;
const servers = [];
const workers = [];

const tasks = (user) => `/api/v1/${user}/tasks`;
const get = (worker, token, user) => request(worker.port, { path: tasks(user), headers: { authorization: bearer(token) } });

// One key server (its own URL, so its own cache entry) per scenario.
const scenarios = {};

before(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "jwtgate-e2e-jwks-cache-"));
  state = path.join(dir, "wrangler-state");
  execFileSync(process.execPath, [path.join(ROOT, "tests/fixtures/better-auth/mint.mjs"), path.join(dir, "ba.json")]);
  fixture = JSON.parse(readFileSync(path.join(dir, "ba.json"), "utf8"));
  echo = await startEchoOrigin();
  // The attacker's own key under the genuine key's kid (a known kid never triggers a refetch).
  kid = fixture.jwks.keys[0].kid;
  attacker = edKey(kid);
  genuineSet = JSON.stringify(fixture.jwks);
  forgedSet = JSON.stringify({ keys: [attacker.jwk] });
  for (const name of ["forged", "forgedNoSecret", "control", "future", "overCap", "rotated"]) {
    scenarios[name] = await keyServer(genuineSet);
    servers.push(scenarios[name]);
  }
  // A key server whose key changes under the same kid (for the refused-signature refetch).
  scenarios.rotated.old = edKey("k1");
  scenarios.rotated.current = edKey("k1");
  scenarios.rotated.body = JSON.stringify({ keys: [scenarios.rotated.current.jwk] });

  const now = Date.now();
  const farFuture = now + 10 * 365 * DAY_MS;
  const huge = 100 * 365 * DAY_MS;
  const entry = (url, body, fetchedAt, maxAgeMs, mac) => ({ key: cacheKey(url), body, headers: cacheHeaders({ fetchedAt, maxAgeMs, mac }) });
  const macFor = (secret, url, body, fetchedAt, maxAgeMs) => cacheMac(secret, url, fetchedAt, maxAgeMs, body);
  const { forged, forgedNoSecret, control, future, overCap, rotated } = scenarios;
  await plantAsNeighbour(dir, state, [
    // The review's attack: the genuine kid, a far-future fetched-at, a huge max-age, and no
    // MAC the neighbour could compute (it has no secret of this worker): a made-up one.
    entry(forged.url, forgedSet, farFuture, huge, "0".repeat(64)),
    entry(forgedNoSecret.url, forgedSet, now, 600_000),
    // Controls with a correct MAC (this test knows the secret): a fresh one must be used…
    entry(control.url, forgedSet, now, 600_000, macFor(CACHE_SECRET, control.url, forgedSet, now, 600_000)),
    // …but never one fetched in the future, or one whose max-age exceeds the policy's day.
    entry(future.url, forgedSet, now + 3_600_000, 600_000, macFor(SECRET, future.url, forgedSet, now + 3_600_000, 600_000)),
    entry(overCap.url, forgedSet, now, DAY_MS + 1, macFor(SECRET, overCap.url, forgedSet, now, DAY_MS + 1)),
    // An authentic entry whose key the origin has since replaced under the same kid.
    entry(rotated.url, JSON.stringify({ keys: [rotated.old.jwk] }), now, 600_000,
      macFor(SECRET, rotated.url, JSON.stringify({ keys: [rotated.old.jwk] }), now, 600_000)),
  ]);
});

after(async () => {
  for (const w of workers) await w.stop();
  for (const s of servers) await s.close();
  await echo?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** A cold jwtgate isolate on the shared state, following `server`'s key set. */
async function coldGate(server, vars) {
  const w = await startWorker(
    { JWKS_URL: server.url, ISSUER: fixture.baseURL, AUDIENCE: fixture.baseURL, ORIGIN_URL: echo.url, ...vars },
    { persistTo: state },
  );
  workers.push(w);
  return w;
}

const victimToken = () => attacker.token(edClaims(fixture.baseURL, "victim"));

test("a forged Cache API entry (no valid MAC) never supplies keys: attacker refused, genuine tokens accepted", async () => {
  const server = scenarios.forged;
  const w = await coldGate(server, { BETTER_AUTH_SECRET: SECRET });
  const forged = await get(w, victimToken(), "victim");
  assert.equal(forged.status, 401, forged.body);
  assert.equal(forged.json.detail, "Invalid token: signature verification failed");
  const [ada] = fixture.tokens;
  const genuine = await get(w, ada.token, ada.userId);
  assert.equal(genuine.status, 200, genuine.body);
  assert.equal(server.count, 1, "the key set came from the origin, once");
  assert.match(await w.outputMatching(/jwks_cache_unauthenticated/), /"code":"jwks_cache_unauthenticated"/);
  assert.deepEqual(echo.seen.filter((r) => r.url.startsWith(tasks("victim"))), []);
});

test("without a secret the Cache API is not read: every cold isolate fetches once", async () => {
  const server = scenarios.forgedNoSecret;
  const [ada] = fixture.tokens;
  for (const round of [1, 2]) {
    const w = await coldGate(server, {});
    const forged = await get(w, victimToken(), "victim");
    assert.equal(forged.status, 401, `round ${round}: ${forged.body}`);
    const genuine = await get(w, ada.token, ada.userId);
    assert.equal(genuine.status, 200, `round ${round}: ${genuine.body}`);
    assert.equal(server.count, round, `round ${round}: one origin fetch per cold isolate`);
    await w.stop();
  }
});

test("control: an entry with a correct MAC under JWKS_CACHE_SECRET is used (the entries above were read, not missed)", async () => {
  const server = scenarios.control;
  const w = await coldGate(server, { JWKS_CACHE_SECRET: CACHE_SECRET });
  // Whoever holds the secret can write keys: that is the trust the MAC expresses.
  const r = await get(w, victimToken(), "victim");
  assert.equal(r.status, 200, r.body);
  assert.equal(server.count, 0, "served from the Cache API");
});

test("an authenticated entry fetched in the future, or with a max-age over a day, is not used", async () => {
  for (const name of ["future", "overCap"]) {
    const server = scenarios[name];
    const w = await coldGate(server, { BETTER_AUTH_SECRET: SECRET });
    const forged = await get(w, victimToken(), "victim");
    assert.equal(forged.status, 401, `${name}: ${forged.body}`);
    const [ada] = fixture.tokens;
    const genuine = await get(w, ada.token, ada.userId);
    assert.equal(genuine.status, 200, `${name}: ${genuine.body}`);
    assert.equal(server.count, 1, `${name}: fetched from the origin`);
    const code = name === "future" ? "jwks_cache_future" : "jwks_cache_max_age_over_cap";
    assert.match(await w.outputMatching(new RegExp(code)), new RegExp(`"code":"${code}"`), name);
    await w.stop();
  }
});

test("a signature refused under a key from the Cache API refetches once, then decides again", async () => {
  const server = scenarios.rotated;
  const w = await coldGate(server, { BETTER_AUTH_SECRET: SECRET });
  const token = server.current.token(edClaims(fixture.baseURL, "ada"));
  const r = await get(w, token, "ada");
  assert.equal(r.status, 200, r.body);
  assert.equal(server.count, 1, "one refetch from the origin");
  // Now the keys are the origin's: a bad signature is just that, and costs no fetch.
  const stale = server.old.token(edClaims(fixture.baseURL, "ada"));
  for (let i = 0; i < 5; i++) {
    const bad = await get(w, stale, "ada");
    assert.equal(bad.status, 401, bad.body);
    assert.equal(bad.json.detail, "Invalid token: signature verification failed");
  }
  assert.equal(server.count, 1, "no further fetch");
});

test("the worker's own entry (MAC under BETTER_AUTH_SECRET) serves the next cold isolate", async () => {
  // scenarios.forged's entry was replaced by the first test's worker after its origin fetch.
  const server = scenarios.forged;
  const before = server.count;
  const w = await coldGate(server, { BETTER_AUTH_SECRET: SECRET });
  const [ada] = fixture.tokens;
  const genuine = await get(w, ada.token, ada.userId);
  assert.equal(genuine.status, 200, genuine.body);
  assert.equal(server.count, before, "served from the Cache API");
  // A signature refused under those keys still gets its one look at the origin.
  const forged = await get(w, victimToken(), "victim");
  assert.equal(forged.status, 401, forged.body);
  assert.equal(server.count, before + 1, "one refetch after a refused signature");
});

test("a weak JWKS_CACHE_SECRET is a misconfiguration: 500, nothing forwarded", async () => {
  const w = await coldGate(scenarios.control, { JWKS_CACHE_SECRET: "short-cache-secret" });
  const [ada] = fixture.tokens;
  const r = await get(w, ada.token, ada.userId);
  assert.equal(r.status, 500, r.body);
  assert.deepEqual(r.json, { detail: "Gate misconfigured" });
  assert.match(await w.outputMatching(/jwks_cache_secret_invalid/), /"code":"jwks_cache_secret_invalid"/);
});
