// jwtgate/better-auth/client: the token memory (refresh before expiry, single flight,
// generations) and the fetch wrapper (Bearer, one refresh + one retry on 401, no loop),
// against a local server running the real Better Auth handler and an API gated by the
// real Gate. The clock is fake (the `now` option); the server's clock is real.
import { describe, test, before, after, beforeEach } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { createAuthClient } from "better-auth/client";
import { adminClient, multiSessionClient } from "better-auth/client/plugins";
import { admin, multiSession } from "better-auth/plugins";
import { toNodeHandler } from "better-auth/node";
import { startAuth, serve, decode, clientSide, Gate, SECRET } from "./harness.mjs";

const { jwtgateClient, createJwtgateFetch, createTokenCache, JwtgateTokenError } = clientSide;

/** A fetch with a cookie jar (what a browser does for the auth client). */
function cookieFetch(base) {
  const jar = new Map();
  const f = async (input, init = {}) => {
    const headers = new Headers(init.headers);
    if (jar.size) headers.set("cookie", [...jar].map(([k, v]) => `${k}=${v}`).join("; "));
    headers.set("origin", base);
    const res = await fetch(input, { ...init, headers });
    for (const c of res.headers.getSetCookie()) {
      const [pair, ...attrs] = c.split(";");
      const i = pair.indexOf("=");
      const name = pair.slice(0, i).trim();
      const gone = attrs.some((a) => /^\s*max-age=0\s*$/i.test(a)) || pair.slice(i + 1) === "";
      if (gone) jar.delete(name); else jar.set(name, pair.slice(i + 1));
    }
    return res;
  };
  f.jar = jar;
  return f;
}

describe("jwtgateClient + createJwtgateFetch", () => {
  let a, srv, handler;
  const hits = { token: 0, api: [] };
  const control = { tokenStatus: 0, hold: null, revoked: new Set(), always401: false };
  const gate = new Gate({ secret: SECRET });
  let clock = Date.now();
  const fakeNow = () => clock;

  before(async () => {
    srv = await serve(async (req, res) => {
      if (req.url.startsWith("/api/auth/jwtgate/token")) {
        hits.token++;
        if (control.hold) await control.hold;
        if (control.tokenStatus) {
          res.writeHead(control.tokenStatus, { "content-type": "application/json" });
          return res.end('{"message":"unavailable"}');
        }
      }
      if (req.url.startsWith("/api/v1/")) {
        // The API: the real gate decides; a revoked token or always401 answers 401.
        const authz = req.headers.authorization;
        hits.api.push(authz ?? null);
        const decision = gate.authorize({ method: req.method, url: req.url, headers: req.headers });
        const token = authz?.slice("Bearer ".length);
        if (decision.allowed && (control.always401 || control.revoked.has(token))) {
          res.writeHead(401, { "content-type": "application/json", "www-authenticate": "Bearer" });
          return res.end('{"detail":"Token revoked"}');
        }
        if (!decision.allowed) {
          const r = gate.deny(decision);
          res.writeHead(r.status, Object.fromEntries(r.headers));
          return res.end(await r.text());
        }
        res.writeHead(200, { "content-type": "application/json" });
        return res.end(JSON.stringify({ userId: decision.userId }));
      }
      return handler(req, res);
    });
    // A jti per token: two tokens minted in the same second differ (a refresh is visible).
    a = await startAuth({ options: { baseURL: srv.url, trustedOrigins: [srv.url] }, plugin: { claims: () => ({ jti: randomUUID() }) } });
    handler = toNodeHandler(a.auth);
  });
  after(async () => { await srv.close(); a.close(); });
  beforeEach(() => {
    Object.assign(control, { tokenStatus: 0, hold: null, always401: false });
    control.revoked.clear();
    clock = Date.now();
  });

  async function signedInClient(options = {}) {
    const f = cookieFetch(srv.url);
    const client = createAuthClient({ baseURL: srv.url, fetchOptions: { customFetchImpl: f }, plugins: [jwtgateClient({ now: fakeNow, ...options })] });
    const email = `c-${randomUUID()}@example.com`;
    const { data, error } = await client.signUp.email({ email, password: "correct horse battery staple", name: "Client Test" });
    assert.equal(error, null, JSON.stringify(error));
    return { client, user: data.user };
  }

  test("getToken: from memory, then a new one 60 s before expiry (fake clock)", async () => {
    const { client, user } = await signedInClient();
    const before = hits.token;
    const t1 = await client.jwtgate.getToken();
    assert.equal(decode(t1).payload.sub, user.id);
    assert.equal(await client.jwtgate.getToken(), t1);
    clock += (900 - 61) * 1000;
    assert.equal(await client.jwtgate.getToken(), t1, "61 s left: still the one in memory");
    assert.equal(hits.token - before, 1);
    clock += 2_000;
    const t2 = await client.jwtgate.getToken();
    assert.notEqual(t2, t1, "59 s left: refreshed");
    assert.equal(hits.token - before, 2);
    assert.equal(decode(t2).payload.sub, user.id);
  });

  test("refreshSkewSeconds moves the refresh point", async () => {
    const { client } = await signedInClient({ refreshSkewSeconds: 300 });
    const t1 = await client.jwtgate.getToken();
    clock += (900 - 301) * 1000;
    assert.equal(await client.jwtgate.getToken(), t1);
    clock += 2_000;
    assert.notEqual(await client.jwtgate.getToken(), t1);
  });

  test("a failed refresh is an error, never the old token; never one past its exp", async () => {
    const { client } = await signedInClient();
    const t1 = await client.jwtgate.getToken();
    control.tokenStatus = 503;
    clock += 850 * 1000; // in the refresh window, t1 still valid
    await assert.rejects(client.jwtgate.getToken(), (e) => e instanceof JwtgateTokenError && e.code === "TOKEN_REQUEST_FAILED" && e.status === 503);
    clock += 100 * 1000; // past t1's exp
    await assert.rejects(client.jwtgate.getToken(), { code: "TOKEN_REQUEST_FAILED" });
    control.tokenStatus = 0;
    const t2 = await client.jwtgate.getToken();
    assert.notEqual(t2, t1);
  });

  test("single flight: concurrent callers share one request", async () => {
    const { client } = await signedInClient();
    let release;
    control.hold = new Promise((r) => { release = r; });
    const before = hits.token;
    const calls = Array.from({ length: 20 }, () => client.jwtgate.getToken());
    const forced = Array.from({ length: 5 }, () => client.jwtgate.getToken({ forceRefresh: true }));
    await new Promise((r) => setTimeout(r, 100));
    release();
    const tokens = await Promise.all([...calls, ...forced]);
    assert.equal(hits.token - before, 1, "one token request for 25 callers");
    assert.equal(new Set(tokens).size, 1);
  });

  test("generation: a request in flight when the session changes is neither stored nor returned", async () => {
    const { client } = await signedInClient();
    let release;
    control.hold = new Promise((r) => { release = r; });
    const before = hits.token;
    const inFlight = client.jwtgate.getToken();
    while (hits.token === before) await new Promise((r) => setTimeout(r, 10));
    client.jwtgate.clearToken(); // what sign-in / sign-out ($sessionSignal) does
    control.hold = null;
    const fresh = client.jwtgate.getToken(); // a new request, not the stale one
    release();
    const [late, token] = await Promise.all([inFlight, fresh]);
    assert.equal(hits.token - before, 2);
    // Every token has its own jti: the early caller got the new request's token, not the stale one.
    assert.equal(late, token);
    assert.equal(await client.jwtgate.getToken(), token, "the newer token is the one kept");
  });

  test("generation: a sign-in right after sign-up does not fail a token request in flight", async () => {
    const { client, user } = await signedInClient();
    // Better Auth's client fires $sessionSignal shortly after sign-up/sign-in responses:
    // the first getToken may straddle it, and must still answer for the user.
    const token = await client.jwtgate.getToken();
    assert.equal(decode(token).payload.sub, user.id);
  });

  test("sign-out drops the token; afterwards getToken fails with NO_SESSION (401)", async () => {
    const { client } = await signedInClient();
    await client.jwtgate.getToken();
    const before = hits.token;
    await client.signOut();
    await assert.rejects(client.jwtgate.getToken(), (e) => e.code === "NO_SESSION" && e.status === 401);
    assert.equal(hits.token - before, 1, "asked the server again instead of using the old token");
  });

  test("fetch: attaches the Bearer token; 200 and 403 pass through without a retry", async () => {
    const { client, user } = await signedInClient();
    const token = await client.jwtgate.getToken();
    hits.api.length = 0;
    const tokenHits = hits.token;
    const own = await client.jwtgate.fetch(`${srv.url}/api/v1/${user.id}/tasks`, { headers: { "x-trace": "1" } });
    assert.deepEqual([own.status, await own.json()], [200, { userId: user.id }]);
    const other = await client.jwtgate.fetch(`${srv.url}/api/v1/someone-else/tasks`);
    assert.equal(other.status, 403);
    assert.equal((await other.json()).detail, "User ID in path does not match authenticated user");
    assert.deepEqual(hits.api, [`Bearer ${token}`, `Bearer ${token}`]);
    assert.equal(hits.token, tokenHits, "no token request: the one in memory was fresh");
  });

  test("fetch: a 401 gets one new token and one retry", async () => {
    const { client, user } = await signedInClient();
    const t1 = await client.jwtgate.getToken();
    control.revoked.add(t1);
    hits.api.length = 0;
    const tokenHits = hits.token;
    const res = await client.jwtgate.fetch(new Request(`${srv.url}/api/v1/${user.id}/tasks`, { method: "POST", body: '{"title":"x"}', headers: { "content-type": "application/json" } }));
    assert.equal(res.status, 200);
    assert.equal(hits.token - tokenHits, 1);
    assert.equal(hits.api.length, 2);
    assert.equal(hits.api[0], `Bearer ${t1}`);
    assert.notEqual(hits.api[1], `Bearer ${t1}`);
  });

  test("fetch: no retry loop when the API keeps answering 401", async () => {
    const { client, user } = await signedInClient();
    await client.jwtgate.getToken();
    control.always401 = true;
    hits.api.length = 0;
    const tokenHits = hits.token;
    const res = await client.jwtgate.fetch(`${srv.url}/api/v1/${user.id}/tasks`);
    assert.equal(res.status, 401);
    assert.equal((await res.json()).detail, "Token revoked");
    assert.equal(hits.api.length, 2, "one try, one retry");
    assert.equal(hits.token - tokenHits, 1, "one refresh");
  });

  test("fetch after sign-out: sent without a token, the API's own 401 comes back", async () => {
    const { client, user } = await signedInClient();
    await client.jwtgate.getToken();
    await client.signOut();
    hits.api.length = 0;
    const res = await client.jwtgate.fetch(`${srv.url}/api/v1/${user.id}/tasks`, { headers: { authorization: "Bearer stale" } });
    assert.equal(res.status, 401);
    assert.equal((await res.json()).detail, "Missing or invalid Authorization header");
    assert.deepEqual(hits.api, [null]);
  });

  test("server code: createTokenCache over auth.api.getJwtgateToken + createJwtgateFetch with a baseURL", async () => {
    const signup = await a.auth.api.signUpEmail({ body: { email: `s-${randomUUID()}@example.com`, password: "correct horse battery staple", name: "Server" }, returnHeaders: true });
    const headers = new Headers({ cookie: signup.headers.getSetCookie().map((c) => c.split(";")[0]).join("; ") });
    const tokens = createTokenCache({ fetchToken: () => a.auth.api.getJwtgateToken({ headers }), now: fakeNow });
    const api = createJwtgateFetch(tokens, { baseURL: srv.url });
    const res = await api(`/api/v1/${signup.response.user.id}/tasks`);
    assert.deepEqual([res.status, await res.json()], [200, { userId: signup.response.user.id }]);
  });

  test("createTokenCache refuses an answer without token and expiry", async () => {
    const cache = createTokenCache({ fetchToken: async () => ({ token: 42 }) });
    await assert.rejects(cache.getToken(), { code: "INVALID_TOKEN_RESPONSE" });
  });
});

// Finding 8: the token in memory belongs to the session it was minted for (`sub` + `sid`),
// whatever route changed the session: Better Auth's real admin and multi-session plugins.
describe("jwtgateClient: the token follows the session (admin impersonation, multi-session switch)", () => {
  let a, srv, handler;
  before(async () => {
    srv = await serve((req, res) => handler(req, res));
    a = await startAuth({ options: { baseURL: srv.url, trustedOrigins: [srv.url], plugins: [admin(), multiSession()] } });
    handler = toNodeHandler(a.auth);
  });
  after(async () => { await srv.close(); a.close(); });

  const newClient = (f = cookieFetch(srv.url)) =>
    createAuthClient({ baseURL: srv.url, fetchOptions: { customFetchImpl: f }, plugins: [jwtgateClient(), adminClient(), multiSessionClient()] });
  async function signUpWith(client, name) {
    const { data, error } = await client.signUp.email({ email: `m-${randomUUID()}@example.com`, password: "correct horse battery staple", name });
    assert.equal(error, null, JSON.stringify(error));
    return data.user;
  }
  const owner = (token) => { const { sub, sid } = decode(token).payload; return { sub, sid }; };
  async function adminAndTarget(client) {
    const boss = await signUpWith(client, "Admin");
    a.db.prepare("UPDATE user SET role = 'admin' WHERE id = ?").run(boss.id);
    const target = (await a.auth.api.signUpEmail({ body: { email: `t-${randomUUID()}@example.com`, password: "correct horse battery staple", name: "Target" } })).user;
    return { boss, target };
  }

  test("admin.impersonateUser, then admin.stopImpersonating: each time the token is the current user's", async () => {
    const client = newClient();
    const { boss, target } = await adminAndTarget(client);
    const own = await client.jwtgate.getToken();
    assert.equal(owner(own).sub, boss.id);

    const imp = await client.admin.impersonateUser({ userId: target.id });
    assert.equal(imp.error, null, JSON.stringify(imp.error));
    const asTarget = await client.jwtgate.getToken();
    assert.equal(owner(asTarget).sub, target.id, "not the admin's token while impersonating");
    assert.equal(owner(asTarget).sid, imp.data.session.id);

    const stop = await client.admin.stopImpersonating();
    assert.equal(stop.error, null, JSON.stringify(stop.error));
    const back = await client.jwtgate.getToken();
    assert.equal(owner(back).sub, boss.id, "not the impersonated user's token after stopImpersonating");
    assert.equal(owner(back).sid, stop.data.session.id);
    assert.equal(owner(back).sid, owner(own).sid, "the admin's own session again");
  });

  test("multiSession.setActive: the token is the newly active account's", async () => {
    const client = newClient();
    const alice = await signUpWith(client, "Alice");
    const bob = await signUpWith(client, "Bob"); // the same browser: both stay signed in
    assert.equal(owner(await client.jwtgate.getToken()).sub, bob.id);

    const { data: devices, error } = await client.multiSession.listDeviceSessions();
    assert.equal(error, null, JSON.stringify(error));
    const aliceSession = devices.find((d) => d.user.id === alice.id)?.session;
    assert.ok(aliceSession, "alice's session is one of the device sessions");
    const switched = await client.multiSession.setActive({ sessionToken: aliceSession.token });
    assert.equal(switched.error, null, JSON.stringify(switched.error));
    const asAlice = owner(await client.jwtgate.getToken());
    assert.equal(asAlice.sub, alice.id, "not bob's token after the switch");
    assert.equal(asAlice.sid, aliceSession.id);

    const back = await client.multiSession.setActive({ sessionToken: devices.find((d) => d.user.id === bob.id).session.token });
    assert.equal(back.error, null);
    assert.equal(owner(await client.jwtgate.getToken()).sub, bob.id);
  });

  test("a session switched elsewhere (another tab, same cookies): getSession's answer drops the old token", async () => {
    const jar = cookieFetch(srv.url);
    const tab1 = newClient(jar);
    const tab2 = newClient(jar);
    const { boss, target } = await adminAndTarget(tab1);
    assert.equal(owner(await tab1.jwtgate.getToken()).sub, boss.id);
    const imp = await tab2.admin.impersonateUser({ userId: target.id });
    assert.equal(imp.error, null, JSON.stringify(imp.error));
    // What useSession's refetch (focus, another tab's broadcast, polling) does in tab 1:
    const { data } = await tab1.getSession();
    assert.equal(data.user.id, target.id);
    assert.equal(owner(await tab1.jwtgate.getToken()).sub, target.id, "tab 1 no longer hands out the admin's token");
    await tab2.admin.stopImpersonating();
    await tab1.getSession();
    assert.equal(owner(await tab1.jwtgate.getToken()).sub, boss.id);
    await tab2.signOut();
    const { data: none } = await tab1.getSession();
    assert.equal(none, null);
    await assert.rejects(tab1.jwtgate.getToken(), { code: "NO_SESSION" });
  });
});
