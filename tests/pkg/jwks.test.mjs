// EdDSA tokens and key sets through the built package (`jwtgate` from the packed tarball):
// `new Gate({ jwks })`, the attack list of issue 13, and `Gate.fromJwksUrl` against a
// local HTTP server on 127.0.0.1 that counts requests (max-age, cooldown, single flight,
// timeout, stale-on-error, redirects, status, byte cap). Keys and signatures: node:crypto.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { createHmac, generateKeyPairSync, sign as edSign } from "node:crypto";
import { Gate, GateConfigError, GateError } from "jwtgate";

const APP = "http://localhost:3000";
const SECRET = "k3Jx9vQ2mW7pL4tZ8rB6nC1yH5sD0fGa";
const NOW = 1_700_000_000;
const b64 = (s) => Buffer.from(s).toString("base64url");

function keyPair(kid) {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  const { x } = publicKey.export({ format: "jwk" });
  return { kid, privateKey, jwk: { alg: "EdDSA", crv: "Ed25519", x, kty: "OKP", kid } };
}
const A = keyPair("kid-a");
const B = keyPair("kid-b");
const jwksOf = (...pairs) => ({ keys: pairs.map((p) => p.jwk) });

/** The payload shape of Better Auth's JWT plugin (user row + sub/iat/exp/iss/aud). */
const payload = (extra = {}) => ({
  name: "Ada", email: "ada@example.com", emailVerified: false, image: null,
  createdAt: "2026-11-26T12:00:00.000Z", updatedAt: "2026-11-26T12:00:00.000Z", id: "u1",
  iat: NOW, iss: APP, aud: APP, exp: NOW + 900, sub: "u1", ...extra,
});
function eddsa(pair, claims = payload(), header = { alg: "EdDSA", kid: pair.kid }) {
  const input = `${b64(JSON.stringify(header))}.${b64(JSON.stringify(claims))}`;
  return `${input}.${edSign(null, Buffer.from(input), pair.privateKey).toString("base64url")}`;
}
function hs256(key, claims = payload(), header = { alg: "HS256", typ: "JWT" }) {
  const input = `${b64(JSON.stringify(header))}.${b64(JSON.stringify(claims))}`;
  return `${input}.${createHmac("sha256", key).update(input).digest("base64url")}`;
}
const codeOf = (gate, token) => {
  try {
    gate.verify(token);
    return "accepted";
  } catch (e) {
    assert.ok(e instanceof GateError);
    return e.code;
  }
};
const jwksGate = (jwks = jwksOf(A, B), extra = {}) => new Gate({ jwks, issuer: APP, audience: APP, now: NOW, ...extra });

test("a JWKS gate verifies Better Auth-shaped EdDSA tokens (object or JSON text, EdDSA or Ed25519)", () => {
  for (const jwks of [jwksOf(A, B), JSON.stringify(jwksOf(A, B))]) {
    const gate = jwksGate(jwks);
    assert.equal(gate.verify(eddsa(A)).sub, "u1");
    assert.equal(gate.verify(eddsa(B, payload(), { alg: "Ed25519", kid: B.kid })).email, "ada@example.com");
    const decision = gate.authorize({ url: "/api/v1/u1/tasks", headers: { authorization: `Bearer ${eddsa(A)}` } });
    assert.equal(decision.allowed, true);
    assert.equal(gate.authorize({ url: "/api/v1/u2/tasks", headers: { authorization: `Bearer ${eddsa(A)}` } }).code, "user_mismatch");
  }
});

test("the attack list is refused", () => {
  const gate = jwksGate();
  const good = eddsa(A);
  const [h, p, s] = good.split(".");
  const flipped = Buffer.from(s, "base64url");
  flipped[5] ^= 1;
  const xText = A.jwk.x;
  const xBytes = Buffer.from(xText, "base64url");
  const cases = [
    ["tampered payload", `${h}.${b64(JSON.stringify(payload({ sub: "admin" })))}.${s}`, "invalid_signature"],
    ["tampered signature", `${h}.${p}.${flipped.toString("base64url")}`, "invalid_signature"],
    ["another key under the same kid", eddsa(B, payload(), { alg: "EdDSA", kid: A.kid }), "invalid_signature"],
    ["unknown kid", eddsa(A, payload(), { alg: "EdDSA", kid: "nope" }), "unknown_key"],
    ["no kid, two keys", eddsa(A, payload(), { alg: "EdDSA" }), "unknown_key"],
    ["HS256 keyed with x bytes", hs256(xBytes, payload(), { alg: "HS256", kid: A.kid }), "alg_not_allowed"],
    ["HS256 keyed with x text", hs256(xText, payload(), { alg: "HS256", kid: A.kid }), "alg_not_allowed"],
    ["alg none", `${b64(JSON.stringify({ alg: "none", kid: A.kid }))}.${p}.`, "alg_not_allowed"],
    ["wrong iss", eddsa(A, payload({ iss: "https://evil.example" })), "invalid_issuer"],
    ["wrong aud", eddsa(A, payload({ aud: "https://other.example" })), "invalid_audience"],
    ["expired", eddsa(A, payload({ iat: NOW - 900, exp: NOW })), "token_expired"],
    ["missing email", eddsa(A, payload({ email: undefined })), "missing_claims"],
    ["HS256 against a JWKS-only gate", hs256(SECRET), "alg_not_allowed"],
  ];
  for (const [name, token, code] of cases) assert.equal(codeOf(gate, token), code, name);
  // EdDSA against a secret-only gate; HS256 with x against a gate holding both keys.
  assert.equal(codeOf(new Gate({ secret: SECRET, now: NOW }), good), "alg_not_allowed");
  const both = jwksGate(jwksOf(A), { secret: SECRET });
  assert.equal(codeOf(both, hs256(xText, payload(), { alg: "HS256", kid: A.kid })), "invalid_signature");
  assert.equal(codeOf(both, hs256(SECRET)), "accepted");
  assert.equal(codeOf(both, good), "accepted");
});

test("bad key sets are configuration errors with their own codes", () => {
  const refused = (options, code) =>
    assert.throws(() => new Gate({ issuer: APP, audience: APP, ...options }), (e) => e instanceof GateConfigError && e.code === code, code);
  refused({ jwks: jwksOf(A), issuer: undefined }, "jwks_needs_issuer_and_audience");
  refused({ jwks: "not json" }, "invalid_jwks");
  refused({ jwks: { keys: [{ kty: "OKP", crv: "Ed25519", x: "short", kid: "j" }] } }, "invalid_jwk");
  refused({ jwks: { keys: [{ kty: "OKP", crv: "Ed25519", x: b64(Buffer.alloc(32)), kid: "z" }] } }, "weak_jwk");
  refused({ jwks: { keys: [A.jwk, { ...B.jwk, kid: A.kid }] } }, "duplicate_kid");
  refused({ jwks: { keys: [{ ...A.jwk, d: "AAAA" }] } }, "jwk_private_key");
  // Issue 24: EC and RSA keys are read strictly (tests/pkg/algorithms.test.mjs has the rest).
  refused({ jwks: { keys: [{ kty: "RSA", n: "AQAB", e: "AQAB", kid: "r" }] } }, "ambiguous_jwk_alg");
  refused({ jwks: { keys: [{ kty: "RSA", alg: "RS256", n: "AQAB", e: "AQAB", kid: "r" }] } }, "weak_rsa_key");
  refused({ jwks: { keys: [{ kty: "EC", crv: "P-256", kid: "e" }] } }, "invalid_jwk");
  refused({ jwks: { keys: [{ kty: "EC", crv: "P-384", kid: "e" }] } }, "jwks_no_usable_key");
  refused({ jwks: { keys: Array.from({ length: 65 }, (_, i) => ({ kty: "EC", kid: `k${i}` })) } }, "jwks_too_many_keys");
  refused({ jwks: { pad: "x".repeat(70_000), keys: [A.jwk] } }, "jwks_too_large");
  refused({ jwks: 42 }, "invalid_option");
  // Keys of other types, curves and algorithms are skipped, not fatal.
  const gate = jwksGate({ keys: [{ kty: "RSA", alg: "RS512", n: "AQAB", e: "AQAB", kid: "r" }, { kty: "EC", crv: "P-384", kid: "e" }, A.jwk] });
  assert.equal(codeOf(gate, eddsa(A)), "accepted");
  assert.equal(codeOf(gate, eddsa(A, payload(), { alg: "EdDSA", kid: "r" })), "unknown_key");
});

/** A key-set server on a free 127.0.0.1 port; `respond(req, res)` is swappable; counts GETs. */
async function jwksServer(initial) {
  const state = { count: 0, respond: initial };
  const server = createServer((req, res) => {
    state.count += 1;
    state.respond(req, res);
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  state.url = `http://127.0.0.1:${server.address().port}/api/auth/jwks`;
  state.close = () => new Promise((resolve) => { server.closeAllConnections?.(); server.close(resolve); });
  return state;
}
const serve = (jwks, headers = {}) => (req, res) => {
  res.writeHead(200, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(jwks));
};
const request = (token) => ({ url: "/api/v1/u1/tasks", headers: { authorization: `Bearer ${token}` } });

test("fromJwksUrl: one fetch, fresh for cacheMaxAge (or the response's max-age), then refetched", async (t) => {
  const server = await jwksServer(serve(jwksOf(A)));
  t.after(server.close);
  let now = NOW;
  const gate = await Gate.fromJwksUrl(server.url, { issuer: APP, audience: APP, now: () => now });
  assert.equal(server.count, 1);
  for (let i = 0; i < 50; i++) assert.equal((await gate.authorizeAsync(request(eddsa(A)))).allowed, true);
  assert.equal(server.count, 1, "fresh set: no refetch");
  now += 599;
  await gate.authorizeAsync(request(eddsa(A)));
  assert.equal(server.count, 1);
  now += 1; // 10 minutes
  server.respond = serve(jwksOf(A), { "cache-control": "public, max-age=60" });
  await gate.authorizeAsync(request(eddsa(A)));
  assert.equal(server.count, 2, "stale after cacheMaxAge");
  now += 59;
  await gate.authorizeAsync(request(eddsa(A)));
  assert.equal(server.count, 2);
  now += 1;
  await gate.authorizeAsync(request(eddsa(A)));
  assert.equal(server.count, 3, "the response's own max-age (60 s) applied");
});

test("fromJwksUrl: unknown kid refetches at most once per cooldown, single flight", async (t) => {
  const server = await jwksServer(serve(jwksOf(A)));
  t.after(server.close);
  let now = NOW;
  const gate = await Gate.fromJwksUrl(server.url, { issuer: APP, audience: APP, now: () => now });
  // Rotation: B appears at the server; the first B token triggers one refetch and passes.
  server.respond = serve(jwksOf(A, B));
  now += 31;
  const decisions = await Promise.all(Array.from({ length: 20 }, () => gate.authorizeAsync(request(eddsa(B)))));
  assert.ok(decisions.every((d) => d.allowed), "all concurrent requests wait for the one fetch");
  assert.equal(server.count, 2, "single flight");
  // 1,000 tokens with random kids inside the cooldown: no more fetches.
  for (let i = 0; i < 1000; i++) {
    const d = await gate.authorizeAsync(request(eddsa(A, payload(), { alg: "EdDSA", kid: `r${i}` })));
    assert.equal(d.code, "unknown_key");
  }
  assert.equal(server.count, 2, "inside the cooldown of the rotation fetch: none");
  now += 30;
  for (let i = 0; i < 100; i++) await gate.authorizeAsync(request(eddsa(A, payload(), { alg: "EdDSA", kid: `s${i}` })));
  assert.equal(server.count, 3, "after the cooldown: exactly one more");
});

test("fromJwksUrl: failures keep the last good set (timeout, 500, redirect, too large, junk)", async (t) => {
  const server = await jwksServer(serve(jwksOf(A)));
  t.after(server.close);
  let now = NOW;
  const gate = await Gate.fromJwksUrl(server.url, { issuer: APP, audience: APP, now: () => now, timeoutDuration: 300, cacheMaxAge: 1000 });
  const failures = [
    ["timeout", (req, res) => setTimeout(() => serve(jwksOf(B))(req, res), 1500)],
    ["500", (req, res) => { res.writeHead(500); res.end("{}"); }],
    ["redirect", (req, res) => { res.writeHead(302, { location: "http://127.0.0.1:9/evil" }); res.end(); }],
    ["too large", (req, res) => { res.writeHead(200); res.end(JSON.stringify({ pad: "x".repeat(70_000), keys: [B.jwk] })); }],
    ["junk", (req, res) => { res.writeHead(200); res.end('{"keys":[{"kty":"OKP","crv":"Ed25519","x":"bad"}]}'); }],
  ];
  let expected = 1;
  for (const [name, respond] of failures) {
    server.respond = respond;
    now += 31; // stale and past the cooldown
    const started = Date.now();
    assert.equal(await gate.refresh(), false, name);
    assert.ok(Date.now() - started < 1400, `${name}: bounded by the timeout`);
    expected += 1;
    assert.equal(server.count, expected, name);
    assert.equal(codeOf(gate, eddsa(A)), "accepted", `${name}: last good set kept`);
    assert.equal(codeOf(gate, eddsa(B)), "unknown_key", `${name}: nothing new adopted`);
    // Within the cooldown a failing endpoint is not asked again.
    assert.equal(await gate.refresh(), false);
    assert.equal(server.count, expected, `${name}: cooldown after a failure`);
  }
});

test("fromJwksUrl refuses to start without a usable first key set", async (t) => {
  const server = await jwksServer((req, res) => { res.writeHead(404); res.end(); });
  t.after(server.close);
  const fails = (code) => (e) => e instanceof GateConfigError && e.code === code;
  await assert.rejects(Gate.fromJwksUrl(server.url, { issuer: APP, audience: APP }), fails("jwks_unavailable"));
  server.respond = (req, res) => { res.writeHead(301, { location: server.url }); res.end(); };
  await assert.rejects(Gate.fromJwksUrl(server.url, { issuer: APP, audience: APP }), fails("jwks_unavailable"));
  server.respond = serve({ keys: [{ kty: "EC", crv: "P-384" }] });
  await assert.rejects(Gate.fromJwksUrl(server.url, { issuer: APP, audience: APP }), fails("jwks_no_usable_key"));
  server.respond = serve(jwksOf(A));
  await assert.rejects(Gate.fromJwksUrl(server.url, {}), fails("jwks_needs_issuer_and_audience"));
  await assert.rejects(Gate.fromJwksUrl("file:///etc/passwd", { issuer: APP, audience: APP }), fails("invalid_option"));
  await assert.rejects(Gate.fromJwksUrl(server.url, { issuer: APP, audience: APP, jwks: jwksOf(A) }), fails("invalid_option"));
  const gate = await Gate.fromJwksUrl(new URL(server.url), { issuer: APP, audience: APP, now: NOW });
  assert.equal(codeOf(gate, eddsa(A)), "accepted");
});

test('originToken "hs256": the origin gets the core\'s spec-shaped token (same user, same iat/exp)', () => {
  const gate = jwksGate(jwksOf(A), { secret: SECRET, originToken: "hs256" });
  const request = { method: "GET", url: "/api/v1/u1/tasks", headers: { authorization: `Bearer ${eddsa(A)}`, "x-user-id": "u2" } };
  const decision = gate.authorize(request);
  assert.equal(decision.allowed, true);
  const headers = gate.originHeaders(request, decision);
  assert.equal(headers.get("x-user-id"), "u1");
  const bridged = headers.get("authorization").replace(/^Bearer /, "");
  // What a backend written from the spec accepts: HS256 with the secret, no iss/aud.
  const specOrigin = new Gate({ secret: SECRET, now: NOW });
  assert.deepEqual({ ...specOrigin.verify(bridged) }, { sub: "u1", email: "ada@example.com", name: "Ada", iat: NOW, exp: NOW + 900 });
  assert.deepEqual(JSON.parse(Buffer.from(bridged.split(".")[0], "base64url")), { alg: "HS256", typ: "JWT" });
  // Never longer than the token it stands for.
  assert.equal(codeOf(new Gate({ secret: SECRET, now: NOW + 901 }), bridged), "token_expired");
  // originRequest carries it too.
  assert.equal(gate.originRequest(request, decision, "http://127.0.0.1:9").headers.get("authorization"), `Bearer ${bridged}`);

  // The decision is held to the request's token: another user's decision, or a token that
  // expired since, throws instead of bridging.
  const other = gate.authorize({ url: "/api/v1/u2/tasks", headers: { authorization: `Bearer ${eddsa(A, payload({ sub: "u2", id: "u2" }))}` } });
  assert.throws(() => gate.originHeaders(request, other), (e) => e instanceof GateError && e.code === "user_mismatch");
  let now = NOW;
  const ticking = jwksGate(jwksOf(A), { secret: SECRET, originToken: "hs256", now: () => now });
  const fresh = ticking.authorize(request);
  now = NOW + 901;
  assert.throws(() => ticking.originHeaders(request, fresh), (e) => e instanceof GateError && e.code === "token_expired");

  // Default "forward": the client's header as sent.
  const forward = jwksGate(jwksOf(A), { secret: SECRET });
  assert.equal(forward.originHeaders(request, forward.authorize(request)).get("authorization"), `Bearer ${eddsa(A)}`);
  // Configuration: a bridge needs a secret; only the two values.
  assert.throws(() => jwksGate(jwksOf(A), { originToken: "hs256" }), (e) => e instanceof GateConfigError && e.code === "origin_token_needs_secret");
  assert.throws(() => jwksGate(jwksOf(A), { secret: SECRET, originToken: "HS256" }), (e) => e instanceof GateConfigError && e.code === "origin_token_invalid");
});
