// Fail closed: a worker whose secret or CORS list is unusable answers every request 500 and forwards nothing.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startEchoOrigin, startWorker, request, mint, claims, bearer } from "./harness.mjs";

let origin;
const workers = [];

before(async () => {
  origin = await startEchoOrigin();
});

after(async () => {
  for (const w of workers) await w.stop();
  await origin?.close();
});

const BAD_SECRETS = {
  "too short": "k3Jx9vQ2mW7pL4tZ",
  // >= 32 characters but a placeholder: the core refuses it as well.
  placeholder: "changeme-changeme-changeme-changeme-42",
};

for (const [name, secret] of Object.entries(BAD_SECRETS)) {
  test(`${name} secret → every request 500 Gate misconfigured, nothing proxied`, async () => {
    const worker = await startWorker({ BETTER_AUTH_SECRET: secret, ORIGIN_URL: origin.url });
    workers.push(worker);
    const token = mint(claims("u1"), { secret });
    const requests = [
      { path: "/api/v1/u1/tasks", headers: { authorization: bearer(token) } },
      { path: "/api/v1/u1/tasks" },
      { path: "/health" },
      { method: "POST", path: "/", body: "x" },
      // Not even preflights get CORS headers from a misconfigured gate.
      { method: "OPTIONS", path: "/api/v1/u1/tasks", headers: { origin: "http://localhost:3000", "access-control-request-method": "GET" } },
    ];
    for (const r of requests) {
      const res = await request(worker.port, r);
      assert.equal(res.status, 500, `${r.method ?? "GET"} ${r.path}: ${res.body}`);
      assert.deepEqual(res.json, { detail: "Gate misconfigured" });
      assert.equal(res.headers["access-control-allow-origin"], undefined);
    }
    assert.equal(origin.seen.length, 0, "a misconfigured gate forwarded a request");
    const logged = /"event":"misconfigured","code":"(secret_too_short|known_default_secret)"/;
    assert.match(await worker.outputMatching(logged), logged);
    assert.equal(worker.output().includes(secret), false, "the secret was logged");
    await worker.stop();
  });
}

// Issue 11 §8: every CORS answer allows credentials, so a list that is empty, a wildcard, or
// not exact origins is a configuration error, not "allow everyone".
const BAD_CORS = {
  "empty ALLOWED_ORIGINS": [{ ALLOWED_ORIGINS: " , " }, "allowed_origins_empty"],
  "wildcard ALLOWED_ORIGINS": [{ ALLOWED_ORIGINS: "*" }, "allowed_origins_wildcard"],
  "wildcard among origins": [{ ALLOWED_ORIGINS: "https://app.example.com, https://*.example.com" }, "allowed_origins_wildcard"],
  "not an origin": [{ ALLOWED_ORIGINS: "https://app.example.com/path" }, "allowed_origins_invalid"],
  "null origin": [{ ALLOWED_ORIGINS: "null" }, "allowed_origins_invalid"],
  "CORS_ALLOW_HEADERS wildcard": [{ CORS_ALLOW_HEADERS: "*" }, "cors_allow_headers_invalid"],
};

test("bad CORS configurations → every request 500 Gate misconfigured, nothing proxied", async () => {
  const secret = "k3Jx9vQ2mW7pL4tZ8rB6nC1yH5sD0fGa-e2e-cors";
  for (const [name, [vars, code]] of Object.entries(BAD_CORS)) {
    const worker = await startWorker({ BETTER_AUTH_SECRET: secret, ORIGIN_URL: origin.url, ...vars });
    workers.push(worker);
    for (const r of [
      { path: "/api/v1/u1/tasks", headers: { authorization: bearer(mint(claims("u1"), { secret })), origin: "https://app.example.com" } },
      { method: "OPTIONS", path: "/api/v1/u1/tasks", headers: { origin: "https://evil.example", "access-control-request-method": "GET" } },
      { path: "/health" },
    ]) {
      const res = await request(worker.port, r);
      assert.equal(res.status, 500, `${name}: ${r.method ?? "GET"} ${r.path}: ${res.body}`);
      assert.deepEqual(res.json, { detail: "Gate misconfigured" });
      assert.equal(res.headers["access-control-allow-origin"], undefined);
    }
    const logged = new RegExp(`"event":"misconfigured","code":"${code}"`);
    assert.match(await worker.outputMatching(logged), logged, name);
    await worker.stop();
  }
  assert.equal(origin.seen.length, 0, "a misconfigured gate forwarded a request");
});
