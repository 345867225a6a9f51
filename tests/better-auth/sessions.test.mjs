// Session mode of the npm package (issue 22): Better Auth's own session cookies, minted by
// the real better-auth package (tests/fixtures/better-auth/sessions.mjs) in every cookie
// cache strategy, judged by the BUILT package (pkg/, `make pkg`), and held to Better Auth's
// own getSession answer for the same cookies (the oracle). The refresh path asks the real
// Better Auth, in process (auth.api.getSession) and over HTTP (its get-session URL).
import assert from "node:assert/strict";
import http from "node:http";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";
import { toNodeHandler } from "better-auth/node";
import { SESSION_BASE_URL, SESSION_SECRET, signUpWithSession, startSessionAuth } from "../fixtures/better-auth/sessions.mjs";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const { Gate } = await import(pathToFileURL(path.join(ROOT, "pkg", "index.node.js")).href);
// The `jwe` strategy ships in `jwtgate/full` only (its AES-256-CBC + HMAC-SHA-512 cost 13 KB
// gzip in the default entry's .wasm; docs/decisions/sessions.md).
const { Gate: FullGate } = await import(pathToFileURL(path.join(ROOT, "pkg", "full", "index.node.js")).href);

const URL_OF = (id) => `${SESSION_BASE_URL}/api/v1/${id}/tasks`;
const get = (id, cookie, headers = {}) => new Request(URL_OF(id), { headers: { cookie, ...headers } });

/** The cookie header with `name`'s value replaced by `value(old)` (every chunk name matched exactly). */
function edit(cookie, name, value) {
  return cookie.split("; ").map((pair) => {
    const at = pair.indexOf("=");
    const n = pair.slice(0, at);
    return n === name ? `${n}=${value(pair.slice(at + 1))}` : pair;
  }).join("; ");
}
const names = (cookie) => cookie.split("; ").map((p) => p.slice(0, p.indexOf("=")));
const valueOf = (cookie, name) => cookie.split("; ").find((p) => p.startsWith(name + "="))?.slice(name.length + 1);
/** One character of a base64url text flipped (stays base64url). */
const flip = (text, at) => text.slice(0, at) + (text[at] === "A" ? "B" : "A") + text.slice(at + 1);

function gateFor(strategy, extra = {}) {
  const Entry = strategy === "jwe" ? FullGate : Gate;
  return new Entry({ secret: SESSION_SECRET, sessionStrategy: strategy, baseUrl: SESSION_BASE_URL, ...extra });
}

test("the default entry names jwtgate/full for the jwe strategy, at construction", () => {
  assert.throws(
    () => new Gate({ secret: SESSION_SECRET, sessionStrategy: "jwe", baseUrl: SESSION_BASE_URL }),
    (error) => error.code === "session_strategy_not_in_build" && /jwtgate\/full/.test(error.message),
  );
});

/** The gate's decision and Better Auth's getSession for the same cookies agree. */
async function agrees(fx, gate, cookie, id) {
  const oracle = await fx.verdict(cookie);
  const decision = gate.authorize(get(id, cookie));
  assert.equal(decision.allowed, oracle !== null, `gate ${decision.code ?? "allowed"} vs Better Auth ${oracle === null ? "null" : "session"}`);
  if (oracle !== null) {
    assert.equal(decision.userId, oracle.user.id);
    assert.equal(decision.user.email, oracle.user.email);
    assert.equal(decision.session.token, oracle.session.token);
  }
  return decision;
}

for (const strategy of ["compact", "jwt", "jwe", "jwks"]) {
  describe(`session cookies, ${strategy} cache`, () => {
    let fx, gate, me, other;
    before(async () => {
      fx = await startSessionAuth({ strategy });
      const extra = strategy === "jwks" ? { jwks: await fx.jwks(), issuer: SESSION_BASE_URL, audience: SESSION_BASE_URL } : {};
      gate = gateFor(strategy, extra);
      me = await signUpWithSession(fx.auth);
      other = await signUpWithSession(fx.auth);
    });
    after(() => fx.close());

    test("a fresh sign-in is allowed where Better Auth's getSession allows it, with its user and session", async () => {
      const decision = await agrees(fx, gate, me.cookie, me.user.id);
      assert.equal(decision.via, "session");
      assert.equal(decision.claims.sub, me.user.id);
      assert.equal(decision.user.name, me.user.name);
      assert.equal(decision.session.userId, me.user.id);
      assert.ok(Object.isFrozen(decision.user));
    });

    test("another user's path is 403, and the origin receives the verified identity without Better Auth's cookies", () => {
      const refused = gate.authorize(get(other.user.id, me.cookie));
      assert.deepEqual([refused.allowed, refused.status, refused.code], [false, 403, "user_mismatch"]);
      const request = get(me.user.id, me.cookie + "; theme=dark", { "x-user-id": "admin" });
      const decision = gate.authorize(request);
      const headers = gate.originHeaders(request, decision);
      assert.equal(headers.get("x-user-id"), me.user.id);
      assert.equal(headers.get("x-user-email"), me.email);
      assert.equal(headers.get("cookie"), "theme=dark");
    });

    test("a tampered cache is never accepted: flipped signature, flipped payload", async () => {
      const data = names(me.cookie).find((n) => n.endsWith(".session_data"));
      assert.ok(data, "the fixture sends a cookie cache");
      const value = valueOf(me.cookie, data);
      for (const at of [value.length - 3, 5]) {
        const cookie = edit(me.cookie, data, (v) => flip(v, at));
        const decision = gate.authorize(get(me.user.id, cookie));
        assert.equal(decision.allowed, false, `flipped at ${at}`);
        assert.match(decision.code, /^session_cache_(invalid|strategy)$/);
        // Better Auth, asked, still finds the live session: the refresh path allows it.
        const refreshed = await gateFor(strategy, { ...(strategy === "jwks" ? { jwks: await fx.jwks(), issuer: SESSION_BASE_URL, audience: SESSION_BASE_URL } : {}), getSession: fx.auth.api.getSession }).authorizeAsync(get(me.user.id, cookie));
        assert.equal(refreshed.allowed, true);
      }
    });

    test("another user's session_data beside my session_token: refused, never the other identity", async () => {
      const data = names(me.cookie).find((n) => n.endsWith(".session_data"));
      const cookie = edit(me.cookie, data, () => valueOf(other.cookie, data));
      const decision = gate.authorize(get(other.user.id, cookie));
      assert.equal(decision.allowed, false);
      const mine = gate.authorize(get(me.user.id, cookie));
      assert.equal(mine.allowed, false);
      assert.equal(mine.code, "session_cache_unbound");
    });

    test("a tampered session_token signature is session_invalid, as Better Auth refuses it", async () => {
      const token = names(me.cookie).find((n) => n.endsWith(".session_token"));
      const cookie = edit(me.cookie, token, (v) => flip(decodeURIComponent(v), decodeURIComponent(v).length - 4));
      const decision = await agrees(fx, gate, cookie, me.user.id);
      assert.equal(decision.code, "session_invalid");
    });
  });
}

describe("cookie names, chunks, rotation", () => {
  test("secure prefix and custom prefix: allowed with the matching options only", async () => {
    const fx = await startSessionAuth({ secure: true, prefix: "myapp" });
    try {
      const me = await signUpWithSession(fx.auth);
      assert.ok(names(me.cookie).includes("__Secure-myapp.session_token"));
      const right = gateFor("compact", { cookiePrefix: "myapp", secureCookies: true });
      await agrees(fx, right, me.cookie, me.user.id);
      const wrongPrefix = gateFor("compact", { secureCookies: true });
      assert.equal(wrongPrefix.authorize(get(me.user.id, me.cookie)).code, "missing_authorization");
      const notSecure = gateFor("compact", { cookiePrefix: "myapp" });
      assert.equal(notSecure.authorize(get(me.user.id, me.cookie)).code, "missing_authorization");
    } finally {
      fx.close();
    }
  });

  test("a chunked cache (large image) is read whole; a missing or reordered chunk never passes", async () => {
    for (const strategy of ["compact", "jwe"]) {
      const fx = await startSessionAuth({ strategy });
      try {
        const me = await signUpWithSession(fx.auth, { image: "https://example.com/" + "a".repeat(6000) });
        const chunks = names(me.cookie).filter((n) => /\.session_data\.\d+$/.test(n));
        assert.ok(chunks.length >= 2, `${strategy}: chunked (${names(me.cookie).join(",")})`);
        const gate = gateFor(strategy);
        const decision = await agrees(fx, gate, me.cookie, me.user.id);
        assert.equal(decision.user.image.length, 6020);
        const missing = me.cookie.split("; ").filter((p) => !p.startsWith(chunks[1] + "=")).join("; ");
        assert.equal(gate.authorize(get(me.user.id, missing)).allowed, false);
        const [a, b] = [valueOf(me.cookie, chunks[0]), valueOf(me.cookie, chunks[1])];
        const swapped = edit(edit(me.cookie, chunks[0], () => b), chunks[1], () => a);
        assert.equal(gate.authorize(get(me.user.id, swapped)).allowed, false);
      } finally {
        fx.close();
      }
    }
  });

  test("secret rotation: cookies signed under the current secret pass a gate with it; a gate still on the old one refuses", async () => {
    const NEW = "Zr5Tn8Kq2Wx7Lm4Vb1Hs9Jd3Fg6Pc0Ya-rotated-secret";
    const fx = await startSessionAuth({ secret: { secrets: [{ version: 2, value: NEW }, { version: 1, value: SESSION_SECRET }] } });
    try {
      const me = await signUpWithSession(fx.auth);
      const rotated = new Gate({ secret: NEW, previousSecrets: [SESSION_SECRET], sessionStrategy: "compact", baseUrl: SESSION_BASE_URL });
      const stale = gateFor("compact");
      const oracle = await fx.verdict(me.cookie);
      assert.notEqual(oracle, null);
      const ok = rotated.authorize(get(me.user.id, me.cookie));
      const old = stale.authorize(get(me.user.id, me.cookie));
      assert.equal(ok.allowed !== old.allowed, true, "exactly one of the two secrets is Better Auth's current one");
      assert.equal(ok.allowed, true, `the rotated gate: ${ok.code}`);
      assert.equal(old.code, "session_invalid");
    } finally {
      fx.close();
    }
  });
});

describe("the refresh path (cache cannot decide)", () => {
  let fx, me, cacheless;
  before(async () => {
    fx = await startSessionAuth({ maxAge: 60 });
    me = await signUpWithSession(fx.auth);
    cacheless = me.cookie.split("; ").filter((p) => !p.includes(".session_data")).join("; ");
  });
  after(() => fx.close());

  test("a missing cache: the sync path refuses with its reason; authorizeAsync asks getSession and allows, Set-Cookie handed back", async () => {
    assert.equal(gateFor("compact").authorize(get(me.user.id, cacheless)).code, "session_cache_missing");
    const decision = await gateFor("compact", { getSession: fx.auth.api.getSession }).authorizeAsync(get(me.user.id, cacheless));
    assert.equal(decision.allowed, true, decision.code);
    assert.ok(decision.setCookies.some((c) => c.includes(".session_data=")));
  });

  test("expired cache, live session: asked once, allowed, the fresh cache cookie handed back", async () => {
    let now = Math.floor(Date.now() / 1000);
    const gate = gateFor("compact", { sessionMaxAge: 60, getSession: fx.auth.api.getSession, now: () => now });
    assert.equal(gate.authorize(get(me.user.id, me.cookie)).allowed, true);
    now += 120; // past the cache's maxAge
    assert.equal(gate.authorize(get(me.user.id, me.cookie)).code, "session_cache_expired");
    const decision = await gate.authorizeAsync(get(me.user.id, me.cookie));
    assert.equal(decision.allowed, true);
    assert.ok(decision.setCookies.some((c) => c.includes(".session_data=")), "Better Auth's fresh cache cookie");
    // Remembered for the sync path too, at most rememberSeconds.
    assert.equal(gate.authorize(get(me.user.id, me.cookie)).allowed, true);
    const headers = gate.originHeaders(get(me.user.id, me.cookie), decision);
    assert.equal(headers.get("x-user-id"), me.user.id);
    now += 61;
    assert.equal(gate.authorize(get(me.user.id, me.cookie)).code, "session_cache_expired");
  });

  test("revoked session after cache expiry: refused after the refresh, as Better Auth says", async () => {
    const victim = await signUpWithSession(fx.auth);
    let now = Math.floor(Date.now() / 1000);
    const gate = gateFor("compact", { getSession: fx.auth.api.getSession, now: () => now });
    assert.equal(gate.authorize(get(victim.user.id, victim.cookie)).allowed, true);
    await fx.auth.api.revokeSessions({ headers: new Headers({ cookie: victim.cookie }) });
    now += 400;
    const decision = await gate.authorizeAsync(get(victim.user.id, victim.cookie));
    assert.equal(decision.allowed, false);
    assert.equal(decision.code, "session_invalid");
    // Better Auth's own answer from its database (its cookie cache would still say yes until it expires).
    assert.equal(await fx.auth.api.getSession({ headers: new Headers({ cookie: victim.cookie }), query: { disableCookieCache: true } }), null);
  });

  test("expired session with a fresh-looking cache: refused (Better Auth knows it ended)", async () => {
    const victim = await signUpWithSession(fx.auth);
    // Past the session's 7 days: the cache (and the session in it) has ended; Better Auth, asked, agrees.
    const now = Math.floor(Date.now() / 1000) + 8 * 86400;
    const gate = gateFor("compact", { getSession: fx.auth.api.getSession, now });
    const decision = await gate.authorizeAsync(get(victim.user.id, victim.cookie));
    assert.equal(decision.allowed, false);
    assert.match(decision.code, /^session_(expired|invalid)$/);
  });

  test("100 concurrent requests on one session with a missing cache: exactly one getSession call", async () => {
    let calls = 0;
    const getSession = (ctx) => {
      calls++;
      return fx.auth.api.getSession(ctx);
    };
    const gate = gateFor("compact", { getSession });
    const decisions = await Promise.all(Array.from({ length: 100 }, () => gate.authorizeAsync(get(me.user.id, cacheless))));
    assert.equal(calls, 1);
    assert.ok(decisions.every((d) => d.allowed && d.userId === me.user.id));
  });

  test("Better Auth unreachable or throwing: 503 session_unavailable, never a pass", async () => {
    const down = gateFor("compact", { getSessionUrl: "http://127.0.0.1:9/api/auth/get-session" });
    const decision = await down.authorizeAsync(get(me.user.id, cacheless));
    assert.deepEqual([decision.allowed, decision.status, decision.code], [false, 503, "session_unavailable"]);
    const throwing = gateFor("compact", { getSession: async () => { throw new Error("db down"); } });
    assert.equal((await throwing.authorizeAsync(get(me.user.id, cacheless))).code, "session_unavailable");
    const res = down.deny(decision);
    assert.equal(res.status, 503);
    assert.deepEqual(await res.json(), { detail: decision.detail });
  });

  test("over HTTP: the get-session URL with the request's cookies (real Better Auth server), Set-Cookie passed back", async () => {
    const server = http.createServer(toNodeHandler(fx.auth));
    await new Promise((r) => server.listen(0, "127.0.0.1", r));
    try {
      const base = `http://127.0.0.1:${server.address().port}`;
      const gate = gateFor("compact", { getSessionUrl: `${base}/api/auth/get-session` });
      const decision = await gate.authorizeAsync(get(me.user.id, cacheless));
      assert.equal(decision.allowed, true, decision.code);
      assert.equal(decision.userId, me.user.id);
      assert.ok(decision.setCookies.some((c) => c.includes(".session_data=")));
    } finally {
      server.close();
    }
  });
});

describe("CSRF and bearer", () => {
  let fx, me, gate;
  before(async () => {
    fx = await startSessionAuth();
    me = await signUpWithSession(fx.auth);
    gate = gateFor("compact", { trustedOrigins: ["https://app.example.com"] });
  });
  after(() => fx.close());
  const post = (cookie, headers) => new Request(URL_OF(me.user.id), { method: "POST", headers: { cookie, ...headers }, body: "{}" });

  test("a cross-site Origin on POST is 403 csrf_origin_untrusted; a missing Origin is csrf_origin_missing; trusted ones pass", () => {
    assert.equal(gate.authorize(post(me.cookie, { origin: "https://evil.example" })).code, "csrf_origin_untrusted");
    assert.equal(gate.authorize(post(me.cookie, {})).code, "csrf_origin_missing");
    assert.equal(gate.authorize(post(me.cookie, { origin: "null" })).code, "csrf_origin_missing");
    assert.equal(gate.authorize(post(me.cookie, { origin: SESSION_BASE_URL })).allowed, true);
    assert.equal(gate.authorize(post(me.cookie, { origin: "https://app.example.com" })).allowed, true);
    assert.equal(gate.authorize(post(me.cookie, { referer: `${SESSION_BASE_URL}/tasks` })).allowed, true);
    assert.equal(gate.authorize(get(me.user.id, me.cookie, { origin: "https://evil.example" })).allowed, true, "GET is safe");
  });

  test("bearer + cookies: the token alone decides (a bad token is never rescued by the cookies)", async () => {
    const bad = gate.authorize(get(me.user.id, me.cookie, { authorization: "Bearer not.a.token" }));
    assert.equal(bad.allowed, false);
    assert.notEqual(bad.via, "session");
    const token = valueOf(me.cookie, "better-auth.session_token");
    const sessionAsBearer = gate.authorize(get(me.user.id, "", { authorization: `Bearer ${decodeURIComponent(token).split(".")[0]}` }));
    assert.equal(sessionAsBearer.allowed, false);
    const good = gate.mint({ sub: me.user.id, email: me.email, iat: Math.floor(Date.now() / 1000), exp: Math.floor(Date.now() / 1000) + 900 });
    const allowed = gate.authorize(get(me.user.id, me.cookie, { authorization: `Bearer ${good}` }));
    assert.equal(allowed.allowed, true);
    assert.equal(allowed.via, undefined);
    assert.equal(gate.originHeaders(get(me.user.id, me.cookie, { authorization: `Bearer ${good}` }), allowed).get("x-user-id"), me.user.id);
  });

  test("session options without sessionStrategy, and a non-function getSession, are configuration errors", () => {
    assert.throws(() => new Gate({ secret: SESSION_SECRET, baseUrl: SESSION_BASE_URL }), { code: "invalid_option", option: "baseUrl" });
    assert.throws(() => gateFor("compact", { getSession: "yes" }), { code: "invalid_option", option: "getSession" });
    assert.throws(() => gateFor("cookies"), { code: "invalid_session_strategy" });
    assert.throws(() => gateFor("compact", { getSessionUrl: "ftp://x" }), { code: "invalid_option", option: "getSessionUrl" });
    assert.throws(() => new Gate({ secret: SESSION_SECRET, sessionStrategy: "compact" }), { code: "session_needs_base_url" });
  });
});

