// The npm host of the core's host contract (issue "One host contract in the core"): options
// read by the core's table, the origin plan, oversized headers judged by their head, repeated
// Authorization lines, the refresh policy on every method, and the error codes declared once.
// Each test fails on the package before the contract.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { createHmac, generateKeyPairSync, sign as edSign } from "node:crypto";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { Gate, GateConfigError, errorTable, configErrorTable } from "jwtgate";

const SECRET = "k3Jx9vQ2mW7pL4tZ8rB6nC1yH5sD0fGa";
const NOW = 1_700_000_000;
const APP = "http://localhost:3000";
const b64 = (s) => Buffer.from(s).toString("base64url");
function sign(payload) {
  const input = `${b64(JSON.stringify({ alg: "HS256", typ: "JWT" }))}.${b64(JSON.stringify(payload))}`;
  return `${input}.${createHmac("sha256", SECRET).update(input).digest("base64url")}`;
}
const TOKEN = sign({ sub: "u1", email: "a@example.com", iat: NOW, exp: NOW + 900 });
const gate = (options = {}) => new Gate({ secret: SECRET, now: NOW, ...options });
const configError = (fn) => {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof GateConfigError, String(e));
    return { code: e.code, option: e.option };
  }
  assert.fail("no GateConfigError");
};

test("options: unknown names and wrong types name the field; core config errors carry the core's option()", () => {
  assert.deepEqual(configError(() => gate({ secretKey: "x" })), { code: "unknown_option", option: "secretKey" });
  assert.deepEqual(configError(() => gate({ leewaySeconds: "5" })), { code: "invalid_number", option: "leewaySeconds" });
  assert.deepEqual(configError(() => gate({ issuer: 5 })), { code: "invalid_option", option: "issuer" });
  assert.deepEqual(configError(() => gate({ forwardAuthCookies: "yes" })), { code: "invalid_option", option: "forwardAuthCookies" });
  assert.deepEqual(configError(() => gate({ trustedProxies: 256 })), { code: "invalid_number", option: "trustedProxies" });
  assert.deepEqual(configError(() => gate({ cacheMaxAge: 1 })), { code: "unknown_option", option: "cacheMaxAge" });
  assert.deepEqual(configError(() => gate({ previousSecrets: ["short"] })), { code: "secret_too_short", option: "previousSecrets" });
  assert.deepEqual(configError(() => gate({ apiPrefix: "/a/../b/" })), { code: "invalid_api_prefix", option: "apiPrefix" });
  assert.deepEqual(configError(() => gate({ cookiePrefix: "a b" })), { code: "invalid_cookie_name", option: "cookiePrefix" });
  assert.deepEqual(configError(() => gate({ stripCookies: ["ok", "b;c"] })), { code: "invalid_cookie_name", option: "stripCookies" });
  assert.equal(configError(() => new Gate({ now: NOW })).code, "missing_secret");
  const message = (() => { try { gate({ previousSecrets: ["short"] }); } catch (e) { return e.message; } })();
  assert.match(message, /previousSecrets\[0\]/);
  // The new options are read (a list may also be one comma-separated string).
  gate({ trustedProxies: 1, cookiePrefix: "app", stripCookies: "sid, csrf", forwardAuthCookies: false });
});

const SPOOFED_FORWARDING = {
  "x-forwarded-for": "6.6.6.6", "x-forwarded-proto": "http", "x-forwarded-host": "evil.example",
  forwarded: "for=6.6.6.6;host=evil.example", "x-real-ip": "6.6.6.6", "x-forwarded-prefix": "/admin",
};
const allowed = (g, headers, url = "https://app.example/api/v1/u1/tasks") => {
  const request = new Request(url, { headers: { authorization: `Bearer ${TOKEN}`, ...headers } });
  const decision = g.authorize(request);
  assert.equal(decision.allowed, true);
  return [request, decision];
};

test("finding 2: the client's X-Forwarded-*, Forwarded and X-Real-IP never reach the origin; the host's facts do", () => {
  const g = gate();
  const [request, decision] = allowed(g, SPOOFED_FORWARDING);
  for (const headers of [g.originHeaders(request, decision), g.originRequest(request, decision, "http://127.0.0.1:9").headers]) {
    assert.equal(headers.get("x-real-ip"), null);
    assert.equal(headers.get("x-forwarded-for"), null, "no client address known (Next.js proxy.ts)");
    assert.equal(headers.get("x-forwarded-prefix"), null);
    assert.equal(headers.get("x-forwarded-proto"), "https", "from the request URL");
    assert.equal(headers.get("x-forwarded-host"), "app.example");
    assert.equal(headers.get("forwarded"), 'host="app.example";proto=https');
  }
  const withAddress = g.originHeaders(request, decision, { clientAddress: "203.0.113.7" });
  assert.equal(withAddress.get("x-forwarded-for"), "203.0.113.7");
  assert.equal(withAddress.get("x-real-ip"), "203.0.113.7");
  // Behind a proxy the operator trusts, its statements stand and this hop appends the address.
  const trusting = gate({ trustedProxies: 1 });
  const [r2, d2] = allowed(trusting, SPOOFED_FORWARDING);
  const kept = trusting.originHeaders(r2, d2, { clientAddress: "10.0.0.2" });
  assert.equal(kept.get("x-forwarded-for"), "6.6.6.6, 10.0.0.2");
  assert.equal(kept.get("x-forwarded-host"), "evil.example");
});

test("finding 3: Better Auth's session cookies never reach the origin (cookiePrefix, stripCookies, forwardAuthCookies)", () => {
  const cookie = "theme=dark; better-auth.session_token=abc.def; __Secure-better-auth.session_data.0=x; better-auth-dont_remember=1; sid=9";
  const g = gate();
  const [request, decision] = allowed(g, { cookie });
  assert.equal(g.originHeaders(request, decision).get("cookie"), "theme=dark; sid=9");
  assert.equal(g.originRequest(request, decision, "http://127.0.0.1:9").headers.get("cookie"), "theme=dark; sid=9");
  // A second Cookie line (a Fetch Headers joins it with ", ") hides nothing.
  const plain = { url: "https://app.example/api/v1/u1/tasks", headers: { authorization: `Bearer ${TOKEN}`, cookie: ["theme=dark", "better-auth.session_token=abc"] } };
  assert.equal(g.originHeaders(plain, g.authorize(plain)).get("cookie"), "theme=dark");
  const only = { url: "/api/v1/u1/tasks", headers: { authorization: `Bearer ${TOKEN}`, cookie: "better-auth.session_token=abc" } };
  assert.equal(g.originHeaders(only, g.authorize(only)).get("cookie"), null);
  const custom = gate({ cookiePrefix: "myapp", stripCookies: ["sid"] });
  const [r2, d2] = allowed(custom, { cookie: "myapp.session_token=a; sid=9; sid.1=8; better-auth.session_token=b; theme=dark" });
  assert.equal(custom.originHeaders(r2, d2).get("cookie"), "better-auth.session_token=b; theme=dark");
  const keep = gate({ forwardAuthCookies: true });
  const [r3, d3] = allowed(keep, { cookie });
  assert.equal(keep.originHeaders(r3, d3).get("cookie"), cookie);
});

test("finding 6: an oversized Authorization is refused from its head, in constant time, with the core's answer", () => {
  const g = gate();
  const url = "/api/v1/u1/tasks";
  const huge = "Bearer " + "a".repeat(16 << 20);
  assert.equal(g.authorize({ url, headers: { authorization: huge } }).code, "token_too_large");
  assert.equal(g.authorize({ url, headers: { authorization: "  Basic " + "a".repeat(1 << 20) } }).code, "missing_authorization");
  assert.equal(g.authorize({ method: "G T", url, headers: { authorization: huge } }).code, "invalid_method");
  assert.equal(g.authorize({ url, headers: { authorization: [huge.slice(0, 5000), huge.slice(0, 5000)] } }).code, "token_too_large");
  const time = (authorization, n = 50) => {
    const start = process.hrtime.bigint();
    for (let i = 0; i < n; i++) g.authorize({ url, headers: { authorization } });
    return Number(process.hrtime.bigint() - start) / n / 1e6; // ms per call
  };
  time(huge, 5);
  // Copying 16 MiB into Wasm costs ~30 ms a call; the head alone, microseconds.
  const perCall = time(huge);
  assert.ok(perCall < 1, `${perCall.toFixed(3)} ms per refusal of a 16 MiB header`);
});

test("finding 10: repeated Authorization lines get the core's combined decision, whatever the header object", () => {
  const g = gate();
  const url = "/api/v1/u1/tasks";
  const line = `Bearer ${TOKEN}`;
  const fetchHeaders = new Headers();
  fetchHeaders.append("authorization", line);
  fetchHeaders.append("authorization", line);
  const viaFetch = g.authorize({ url, headers: fetchHeaders });
  const viaLines = g.authorize({ url, headers: { authorization: [line, line] } });
  assert.equal(viaFetch.allowed, false);
  assert.deepEqual(viaLines, viaFetch);
  assert.equal(g.authorize({ url, headers: { authorization: [line] } }).allowed, true);
  assert.equal(g.authorize({ url, headers: { authorization: [] } }).code, "missing_authorization");
});

// Remote key sets against a local server whose answers the test controls.
function keyPair(kid) {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  return { kid, privateKey, jwk: { ...publicKey.export({ format: "jwk" }), alg: "EdDSA", kid } };
}
const A = keyPair("kid-a");
function eddsa(pair) {
  const claims = { sub: "u1", email: "a@example.com", iat: NOW, exp: NOW + 900, iss: APP, aud: APP };
  const input = `${b64(JSON.stringify({ alg: "EdDSA", kid: pair.kid }))}.${b64(JSON.stringify(claims))}`;
  return `${input}.${edSign(null, Buffer.from(input), pair.privateKey).toString("base64url")}`;
}
async function keyServer() {
  const state = { count: 0, hang: false };
  const server = createServer((req, res) => {
    state.count += 1;
    if (state.hang) return; // never answers
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ keys: [A.jwk] }));
  });
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  state.url = `http://127.0.0.1:${server.address().port}/jwks`;
  state.close = () => { server.closeAllConnections?.(); server.close(); };
  return state;
}
const elapsed = async (promise) => {
  const start = Date.now();
  const value = await promise;
  return [value, Date.now() - start];
};

test("finding 7: with a stale set and a hanging key server, only the request that starts the refresh waits", async (t) => {
  const server = await keyServer();
  t.after(server.close);
  let now = NOW;
  const g = await Gate.fromJwksUrl(server.url, { issuer: APP, audience: APP, now: () => now, cacheMaxAge: 1000, timeoutDuration: 1500 });
  server.hang = true;
  now += 31; // stale, and past the cooldown of the first fetch
  const request = (url) => ({ url, headers: { authorization: `Bearer ${eddsa(A)}` } });
  const first = elapsed(g.authorizeAsync(request("/api/v1/u1/tasks")));
  await new Promise((ok) => setTimeout(ok, 20));
  const [other, otherMs] = await elapsed(g.authorizeAsync(request("/api/v1/u1/tasks")));
  assert.equal(other.allowed, true, "decided with the stale set");
  assert.ok(otherMs < 500, `a second request waited ${otherMs} ms for the refresh`);
  const [unprotected, unprotectedMs] = await elapsed(g.authorizeAsync(request("/health")));
  assert.ok(unprotectedMs < 500, `an unprotected request waited ${unprotectedMs} ms`);
  assert.equal(unprotected.allowed, true);
  const [firstDecision, firstMs] = await first;
  assert.equal(firstDecision.allowed, true, "the stale set stays after the timeout");
  assert.ok(firstMs >= 1000, "the request that started the refresh waited for it (bounded by the timeout)");
  assert.equal(server.count, 2, "one refresh");
});

test("remote gate: the sync methods follow the refresh policy (a due refresh starts in the background)", async (t) => {
  const server = await keyServer();
  t.after(server.close);
  let now = NOW;
  const g = await Gate.fromJwksUrl(server.url, { issuer: APP, audience: APP, now: () => now, cacheMaxAge: 1000 });
  assert.equal(server.count, 1);
  now += 31; // stale, and past the cooldown of the first fetch
  const [, ms] = await elapsed(Promise.resolve(g.verify(eddsa(A))));
  assert.ok(ms < 100, "the sync call did not wait");
  await new Promise((ok) => setTimeout(ok, 300));
  assert.equal(server.count, 2, "the stale set was refetched");
  assert.equal(g.authorize({ url: "/api/v1/u1/tasks", headers: { authorization: `Bearer ${eddsa(A)}` } }).allowed, true);
  assert.equal(server.count, 2, "fresh again: no more fetches");
});

// Error codes once: index.d.ts declares what the core's tables hold, no more and no less.
const require = createRequire(import.meta.url);
const declarations = readFileSync(require.resolve("jwtgate/package.json").replace(/package\.json$/, "index.d.ts"), "utf8");
function union(name) {
  const match = new RegExp(`export type ${name} =([^;]*);`).exec(declarations);
  assert.ok(match, `index.d.ts declares ${name}`);
  return [...match[1].matchAll(/"([^"]+)"/g)].map((m) => m[1]).sort();
}

test("error codes once: index.d.ts's unions equal the core's refusal and configuration tables", () => {
  assert.deepEqual(union("GateErrorCode"), errorTable().map((e) => e.code).sort());
  assert.deepEqual(union("GateConfigErrorCode"), [...new Set(configErrorTable().map((e) => e.code))].sort());
  const statuses = /status: ([0-9 |]+);/.exec(declarations.slice(declarations.indexOf("export interface Denied")))[1].split("|").map((s) => Number(s.trim()));
  // jwks_unavailable (503) is what a host answers while it has no key set; authorize never returns it.
  const decided = errorTable().filter((e) => e.code !== "jwks_unavailable");
  assert.deepEqual(statuses.sort(), [...new Set(decided.map((e) => e.status))].sort());
});
