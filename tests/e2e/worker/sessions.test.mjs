// Session mode at the edge: Better Auth's own session cookies, minted by the real
// `better-auth` package (tests/fixtures/better-auth/sessions.mjs, SQLite), judged by the
// worker under real `wrangler dev` (workerd) as Better Auth's getSession judges them; the
// refresh path against a real Better Auth server on loopback (its Node handler), counted.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import http from "node:http";
import { toNodeHandler } from "better-auth/node";
import { HOST, freePort, mint, claims, bearer, startEchoOrigin, startWorker, request } from "./harness.mjs";
import {
  SESSION_SECRET, SESSION_BASE_URL, startSessionAuth, signUpWithSession,
} from "../../fixtures/better-auth/sessions.mjs";

const MAX_AGE = 4; // seconds: the compact cache expires within the test
const tasks = (id) => `/api/v1/${id}/tasks`;
const get = (w, path, headers = {}, method = "GET") => request(w.port, { method, path, headers });
const only = (cookie, name) => cookie.split("; ").filter((c) => c.startsWith(`${name}=`)).join("; ");
const without = (cookie, name) => cookie.split("; ").filter((c) => !c.startsWith(`${name}.`) && !c.startsWith(`${name}=`)).join("; ");
const TOKEN = "better-auth.session_token";
const DATA = "better-auth.session_data";

let echo, compact, jwt, jwe, authServer, gate, gateDown, gateNoRefresh, gateJwt, gateJwe;
const workers = [];
const calls = { getSession: 0, headers: null };

/** Serves `auth.handler` on loopback, counting get-session calls. */
async function serveAuth(auth) {
  const handler = toNodeHandler(auth);
  const server = http.createServer((req, res) => {
    if (req.url.startsWith("/api/auth/get-session")) {
      calls.getSession += 1;
      calls.headers = req.headers;
    }
    handler(req, res);
  });
  const port = await freePort();
  await new Promise((ok) => server.listen(port, HOST, ok));
  return { url: `http://${HOST}:${port}`, close: () => new Promise((r) => { server.closeAllConnections?.(); server.close(() => r()); }) };
}

const common = (extra) => ({
  BETTER_AUTH_SECRET: SESSION_SECRET, ORIGIN_URL: echo.url, BETTER_AUTH_URL: SESSION_BASE_URL, ...extra,
});

before(async () => {
  echo = await startEchoOrigin();
  compact = await startSessionAuth({ strategy: "compact", maxAge: MAX_AGE });
  jwt = await startSessionAuth({ strategy: "jwt" });
  jwe = await startSessionAuth({ strategy: "jwe" });
  authServer = await serveAuth(compact.auth);
  const closed = `http://${HOST}:${await freePort()}/api/auth/get-session`; // nothing listens
  const started = await Promise.all([
    startWorker(common({
      SESSION_STRATEGY: "compact", SESSION_CACHE_MAX_AGE: String(MAX_AGE), ORIGIN_TOKEN: "hs256",
      GET_SESSION_URL: `${authServer.url}/api/auth/get-session`,
    })),
    startWorker(common({ SESSION_STRATEGY: "compact", GET_SESSION_URL: closed, GET_SESSION_TIMEOUT_MS: "2000" })),
  ]);
  [gate, gateDown] = started;
  workers.push(...started);
  const more = await Promise.all([
    // No BETTER_AUTH_URL and no GET_SESSION_URL: no refresh path.
    startWorker({
      BETTER_AUTH_SECRET: SESSION_SECRET, ORIGIN_URL: echo.url,
      SESSION_STRATEGY: "compact", BETTER_AUTH_TRUSTED_ORIGINS: SESSION_BASE_URL,
    }),
    startWorker(common({ SESSION_STRATEGY: "jwt", GET_SESSION_URL: closed })),
    startWorker(common({ SESSION_STRATEGY: "jwe", GET_SESSION_URL: closed })),
  ]);
  [gateNoRefresh, gateJwt, gateJwe] = more;
  workers.push(...more);
});

after(async () => {
  for (const w of workers) await w.stop();
  await authServer?.close();
  await echo?.close();
  for (const ba of [compact, jwt, jwe]) ba?.close();
});

/** The cookie with one character of session_token's signature changed (mid-signature). */
function tamper(cookie) {
  return cookie.split("; ").map((c) => {
    if (!c.startsWith(`${TOKEN}=`)) return c;
    const value = decodeURIComponent(c.slice(TOKEN.length + 1));
    const at = value.indexOf(".") + 5;
    const swapped = value.slice(0, at) + (value[at] === "A" ? "B" : "A") + value.slice(at + 1);
    return `${TOKEN}=${encodeURIComponent(swapped)}`;
  }).join("; ");
}

/** The echo's record of the last request the origin received. */
const lastSeen = () => echo.seen[echo.seen.length - 1];

for (const [name, ba, w] of [["compact", () => compact, () => gate], ["jwt", () => jwt, () => gateJwt], ["jwe", () => jwe, () => gateJwe]]) {
  test(`${name}: a real Better Auth session cookie is accepted as its getSession accepts it`, async () => {
    const { user, cookie } = await signUpWithSession(ba().auth);
    assert.equal((await ba().verdict(cookie)).user.id, user.id); // the oracle
    const before = calls.getSession;
    const res = await get(w(), tasks(user.id), { cookie });
    assert.equal(res.status, 200, res.body);
    assert.equal(res.json.headers["x-user-id"], user.id);
    assert.equal(res.json.headers["x-user-email"], user.email);
    assert.equal(calls.getSession, before, "the cache decided: no get-session call");
    // Tampered session_token signature: Better Auth says no, so does the gate.
    const tampered = tamper(cookie);
    assert.equal(await ba().verdict(tampered), null);
    const refused = await get(w(), tasks(user.id), { cookie: tampered });
    assert.equal(refused.status, 401, refused.body);
    assert.equal(refused.json.detail, "Invalid session");
  });
}

test("the strategy is pinned: a jwt-strategy gate refuses a compact cache (no refresh path works: 503)", async () => {
  const { user, cookie } = await signUpWithSession(compact.auth);
  const res = await get(gateJwt, tasks(user.id), { cookie });
  assert.equal(res.status, 503, res.body);
  assert.deepEqual(res.json, { detail: "Session service unavailable" });
});

test("another user's path → 403; the bare session cookie without a refresh path → 401 with the reason", async () => {
  const { cookie } = await signUpWithSession(compact.auth);
  const other = await signUpWithSession(compact.auth);
  const res = await get(gate, tasks(other.user.id), { cookie });
  assert.equal(res.status, 403, res.body);
  const missing = await get(gateNoRefresh, tasks(other.user.id), { cookie: only(other.cookie, TOKEN) });
  assert.equal(missing.status, 401, missing.body);
  assert.equal(missing.json.detail, "Session needs refresh");
  assert.match(await gateNoRefresh.outputMatching(/session_cache_missing/), /"code":"session_cache_missing"/);
});

test("another user's session_data beside my session_token never yields their identity", async () => {
  const me = await signUpWithSession(compact.auth);
  const them = await signUpWithSession(compact.auth);
  const mixed = `${only(me.cookie, TOKEN)}; ${only(them.cookie, DATA)}`;
  // Without a refresh path: refused as unbound.
  const alone = await get(gateNoRefresh, tasks(them.user.id), { cookie: mixed });
  assert.equal(alone.status, 401, alone.body);
  assert.match(await gateNoRefresh.outputMatching(/session_cache_unbound/), /"code":"session_cache_unbound"/);
  // With one: Better Auth is asked about MY session, so their path is refused, mine allowed.
  const oracle = await compact.verdict(mixed);
  assert.equal(oracle?.user?.id ?? me.user.id, me.user.id);
  assert.equal((await get(gate, tasks(them.user.id), { cookie: mixed })).status, 403);
  const mine = await get(gate, tasks(me.user.id), { cookie: mixed });
  assert.equal(mine.status, 200, mine.body);
  assert.equal(mine.json.headers["x-user-id"], me.user.id);
});

test("missing cache → one get-session call to the real Better Auth server, Set-Cookie passed back, remembered", async () => {
  const { user, cookie } = await signUpWithSession(compact.auth);
  const bare = only(cookie, TOKEN);
  const before = calls.getSession;
  const first = await get(gate, tasks(user.id), { cookie: bare, "x-client": "private", referer: `${SESSION_BASE_URL}/p` });
  assert.equal(first.status, 200, first.body);
  // What the get-session call carried: the client's Cookie, nothing else of the client's.
  assert.equal(calls.headers.cookie, bare);
  assert.equal(calls.headers["x-client"], undefined);
  assert.equal(calls.headers.referer, undefined);
  assert.equal(first.json.headers["x-user-id"], user.id);
  assert.equal(calls.getSession, before + 1);
  // Better Auth re-issued its cookie cache: the browser gets it.
  assert.ok([first.headers["set-cookie"]].flat().some((c) => c?.startsWith(`${DATA}=`)), JSON.stringify(first.headers));
  const second = await get(gate, tasks(user.id), { cookie: bare });
  assert.equal(second.status, 200, second.body);
  assert.equal(calls.getSession, before + 1, "remembered within maxAge: no new call");
  // The remembered answer still goes through the core's rules: another user's path is refused.
  assert.equal((await get(gate, tasks("someone-else"), { cookie: bare })).status, 403);
});

test("a revoked session is refused once its cache has expired (after a refresh)", async () => {
  const { user, cookie } = await signUpWithSession(compact.auth);
  assert.equal((await get(gate, tasks(user.id), { cookie })).status, 200);
  await compact.auth.api.signOut({ headers: new Headers({ cookie }) });
  await new Promise((r) => setTimeout(r, (MAX_AGE + 1.5) * 1000));
  assert.equal(await compact.verdict(cookie), null); // the oracle
  const before = calls.getSession;
  const res = await get(gate, tasks(user.id), { cookie });
  assert.equal(res.status, 401, res.body);
  assert.equal(res.json.detail, "Invalid session");
  assert.equal(calls.getSession, before + 1);
});

test("Better Auth unreachable → 503 session_unavailable, nothing reaches the origin", async () => {
  const { user, cookie } = await signUpWithSession(compact.auth);
  const seen = echo.seen.length;
  const res = await get(gateDown, tasks(user.id), { cookie: only(cookie, TOKEN) });
  assert.equal(res.status, 503, res.body);
  assert.deepEqual(res.json, { detail: "Session service unavailable" });
  assert.equal(echo.seen.length, seen);
  // A fresh cache needs no call at all.
  assert.equal((await get(gateDown, tasks(user.id), { cookie })).status, 200);
});

test("CSRF: POST without Origin → 403 csrf_origin_missing; cross-site → 403; Better Auth's origin → allowed", async () => {
  const { user, cookie } = await signUpWithSession(compact.auth);
  const post = (headers) => get(gate, tasks(user.id), { cookie, ...headers }, "POST");
  const missing = await post({});
  assert.equal(missing.status, 403, missing.body);
  assert.equal(missing.json.detail, "Missing or null Origin");
  const nul = await post({ origin: "null" });
  assert.equal(nul.status, 403, nul.body);
  const cross = await post({ origin: "https://evil.example" });
  assert.equal(cross.status, 403, cross.body);
  assert.equal(cross.json.detail, "Invalid origin");
  const referer = await post({ referer: "https://evil.example/page" });
  assert.equal(referer.status, 403, referer.body);
  assert.equal((await post({ origin: SESSION_BASE_URL })).status, 200);
  assert.equal((await post({ referer: `${SESSION_BASE_URL}/tasks` })).status, 200);
});

test("bearer + cookies: judged by the bearer alone", async () => {
  const { user, cookie } = await signUpWithSession(compact.auth);
  const broken = await get(gate, tasks(user.id), { cookie, authorization: "Bearer not-a-token" });
  assert.equal(broken.status, 401, broken.body);
  const token = mint(claims("bearer-user"), { secret: SESSION_SECRET });
  const other = await get(gate, tasks("bearer-user"), { cookie, authorization: bearer(token) });
  assert.equal(other.status, 200, other.body);
  assert.equal(other.json.headers["x-user-id"], "bearer-user");
  assert.equal((await get(gate, tasks(user.id), { cookie, authorization: bearer(token) })).status, 403);
  // Better Auth's bearer-plugin credential (the signed session token) is not a JWT.
  const signed = decodeURIComponent(only(cookie, TOKEN).slice(TOKEN.length + 1));
  const plugin = await get(gate, tasks(user.id), { authorization: bearer(signed) });
  assert.equal(plugin.status, 401, plugin.body);
});

test("the origin gets identity and a spec-shaped bridge token, never Better Auth's cookies", async () => {
  const { user, cookie } = await signUpWithSession(compact.auth);
  const res = await get(gate, tasks(user.id), { cookie: `theme=dark; ${cookie}` });
  assert.equal(res.status, 200, res.body);
  const seen = lastSeen();
  assert.equal(seen.headers["x-user-id"], user.id);
  assert.equal(seen.headers.cookie, "theme=dark");
  const token = seen.headers.authorization.replace(/^Bearer /, "");
  const [h, p, s] = token.split(".");
  const expected = createHmac("sha256", SESSION_SECRET).update(`${h}.${p}`).digest("base64url");
  assert.equal(s, expected, "signed with BETTER_AUTH_SECRET");
  const header = JSON.parse(Buffer.from(h, "base64url"));
  const payload = JSON.parse(Buffer.from(p, "base64url"));
  assert.equal(header.alg, "HS256");
  assert.equal(payload.sub, user.id);
  assert.equal(payload.email, user.email);
  assert.equal(payload.name, user.name);
  assert.equal(payload.exp - payload.iat, 900);
  assert.ok(Math.abs(payload.iat - Date.now() / 1000) < 60);
  // Nothing of the client's session in what the origin got.
  assert.ok(!JSON.stringify(seen.rawHeaders).includes("better-auth."));
  // The origin's response carries no Set-Cookie from the gate on a cache decision.
  assert.equal(res.headers["set-cookie"], undefined);
});

test("logs hold no cookie or token value", async () => {
  const { cookie } = await signUpWithSession(compact.auth);
  const value = only(cookie, TOKEN).slice(TOKEN.length + 1);
  await get(gateDown, tasks("x"), { cookie: only(cookie, TOKEN) });
  const out = await gateDown.outputMatching(/session_unreachable|session_timeout/);
  assert.match(out, /"event":"unavailable"/);
  for (const part of [value, decodeURIComponent(value).split(".")[0]]) assert.ok(!out.includes(part));
});
