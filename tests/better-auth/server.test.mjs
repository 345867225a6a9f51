// jwtgate/better-auth (the server plugin), in process with the real better-auth package
// and a real SQLite file: the token endpoint, what the gate and the spec's FastAPI origin
// (real uvicorn) say about its tokens, and the configurations it refuses.
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { memoryAdapter } from "better-auth/adapters/memory";
import { startFastapiOrigin } from "../e2e/nextjs/harness.mjs";
import { startAuth, signUp, decode, jwtgate, MAX_NAME_LENGTH, Gate, SECRET, BASE_URL } from "./harness.mjs";

const now = () => Math.floor(Date.now() / 1000);

describe("GET /api/auth/jwtgate/token", () => {
  let a;
  before(async () => { a = await startAuth(); });
  after(() => a.close());

  test("signed in: 200, the spec's token for this user, no-store", async () => {
    const { user, email, headers } = await signUp(a.auth, { name: "Ada Lovelace" });
    const res = await a.auth.handler(new Request(`${BASE_URL}/api/auth/jwtgate/token`, { headers }));
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("cache-control"), "no-store");
    const body = await res.json();
    assert.deepEqual(Object.keys(body).sort(), ["expiresAt", "token"]);
    const { header, payload } = decode(body.token);
    assert.deepEqual(header, { alg: "HS256", typ: "JWT" });
    assert.equal(payload.sub, user.id);
    assert.equal(payload.email, email);
    assert.equal(payload.name, "Ada Lovelace");
    assert.ok(Math.abs(payload.iat - now()) <= 2, `iat ${payload.iat} is now`);
    assert.equal(payload.exp - payload.iat, 900, "default lifetime: 15 minutes");
    assert.equal(body.expiresAt, payload.exp);
    assert.equal(payload.iss, undefined);
    assert.equal(payload.aud, undefined);
    // Accepted by the gate with the same secret, for this user's own paths only.
    const gate = new Gate({ secret: SECRET });
    assert.equal(gate.verify(body.token).sub, user.id);
    const own = gate.authorize({ method: "GET", url: `/api/v1/${user.id}/tasks`, headers: { authorization: `Bearer ${body.token}` } });
    assert.equal(own.allowed, true);
    const other = gate.authorize({ method: "GET", url: "/api/v1/someone-else/tasks", headers: { authorization: `Bearer ${body.token}` } });
    assert.deepEqual([other.allowed, other.status, other.code], [false, 403, "user_mismatch"]);
  });

  test("server side: auth.api.getJwtgateToken({ headers }) mints for the session's user", async () => {
    const { user, headers } = await signUp(a.auth);
    const { token, expiresAt } = await a.auth.api.getJwtgateToken({ headers });
    assert.equal(decode(token).payload.sub, user.id);
    assert.equal(decode(token).payload.exp, expiresAt);
  });

  test("signed out, or no session at all: 401 in Better Auth's error shape", async () => {
    const res = await a.auth.handler(new Request(`${BASE_URL}/api/auth/jwtgate/token`));
    assert.equal(res.status, 401);
    assert.equal((await res.json()).code, "UNAUTHORIZED");
    await assert.rejects(a.auth.api.getJwtgateToken({ headers: new Headers() }), (e) => e.statusCode === 401);

    const { headers } = await signUp(a.auth);
    assert.equal((await a.auth.handler(new Request(`${BASE_URL}/api/auth/jwtgate/token`, { headers }))).status, 200);
    await a.auth.api.signOut({ headers });
    const after = await a.auth.handler(new Request(`${BASE_URL}/api/auth/jwtgate/token`, { headers }));
    assert.equal(after.status, 401, "the signed-out session's cookie no longer gets a token");
  });

  test("a forged session cookie gets no token", async () => {
    const headers = new Headers({ cookie: "better-auth.session_token=forged.value" });
    assert.equal((await a.auth.handler(new Request(`${BASE_URL}/api/auth/jwtgate/token`, { headers }))).status, 401);
  });

  test("only GET", async () => {
    const { headers } = await signUp(a.auth);
    const res = await a.auth.handler(new Request(`${BASE_URL}/api/auth/jwtgate/token`, { method: "POST", headers }));
    assert.notEqual(res.status, 200);
  });
});

describe("the session behind the token", () => {
  const tokenRequest = (headers, query = "") => new Request(`${BASE_URL}/api/auth/jwtgate/token${query}`, { headers });

  test("session.cookieCache on, session row deleted in SQLite: 401, no token from the cached copy", async () => {
    const a = await startAuth({ options: { session: { cookieCache: { enabled: true, maxAge: 300 } } } });
    try {
      const { user, headers } = await signUp(a.auth);
      assert.match(headers.get("cookie"), /better-auth\.session_data=/, "the sign-up set the cookie cache");
      const live = await a.auth.handler(tokenRequest(headers));
      assert.equal(live.status, 200);
      const { payload } = decode((await live.json()).token);
      assert.equal(payload.sub, user.id);
      // Revoked behind the cookie's back (an admin, another device, a ban): the row is gone.
      assert.equal(a.db.prepare("DELETE FROM session WHERE userId = ?").run(user.id).changes, 1);
      const cached = await a.auth.api.getSession({ headers });
      assert.equal(cached?.user.id, user.id, "premise: Better Auth's cookie cache still answers for the deleted session");
      for (const query of ["", "?disableCookieCache=false", "?disableCookieCache=0"]) {
        const res = await a.auth.handler(tokenRequest(headers, query));
        assert.equal(res.status, 401, `query ${JSON.stringify(query)}`);
        const body = await res.json();
        assert.equal(body.code, "UNAUTHORIZED");
        assert.ok(!JSON.stringify(body).includes("eyJ"));
      }
      await assert.rejects(a.auth.api.getJwtgateToken({ headers }), (e) => e.statusCode === 401);
    } finally {
      a.close();
    }
  });

  test("the token carries the session's id (sid); a claims hook cannot set it", async () => {
    const a = await startAuth({ plugin: { claims: () => ({ sid: "someone-elses-session" }) } });
    try {
      const { user, headers } = await signUp(a.auth);
      const { session } = await a.auth.api.getSession({ headers });
      const { payload } = decode((await a.auth.api.getJwtgateToken({ headers })).token);
      assert.deepEqual([payload.sub, payload.sid], [user.id, session.id]);
      assert.ok(a.log.some((l) => l.includes("claims hook returned sid: ignored")), a.log.join("\n"));
    } finally {
      a.close();
    }
  });

  test("a name with a lone surrogate: 200, U+FFFD in the name claim (the origin's /me/profile reads it)", async () => {
    // SQLite's driver stores a lone surrogate as U+FFFD itself; Better Auth's memory adapter
    // (like any store that keeps JS strings or JSON as they came) hands it back unchanged.
    const a = await startAuth({ options: { database: memoryAdapter({ user: [], session: [], account: [], verification: [] }) }, migrate: false });
    try {
      const { user, headers } = await signUp(a.auth, { name: "Ada \uD800 Lovelace \uDC00" });
      const res = await a.auth.handler(tokenRequest(headers));
      assert.equal(res.status, 200, await res.clone().text());
      const { token } = await res.json();
      assert.equal(decode(token).payload.name, "Ada \uFFFD Lovelace \uFFFD");
      assert.equal(new Gate({ secret: SECRET }).verify(token).sub, user.id);
      // A pair stays a pair.
      const emoji = await signUp(a.auth, { name: "Ada \u{1F600}" });
      assert.equal(decode((await a.auth.api.getJwtgateToken({ headers: emoji.headers })).token).payload.name, "Ada \u{1F600}");
    } finally {
      a.close();
    }
    // On SQLite: a claims hook that shortens names by UTF-16 units splits a pair.
    const b = await startAuth({ plugin: { claims: (user) => ({ name: user.name.slice(0, 5) }) } });
    try {
      const { headers } = await signUp(b.auth, { name: "Ada \u{1F600}\u{1F600}" });
      const res = await b.auth.handler(tokenRequest(headers));
      assert.equal(res.status, 200, await res.clone().text());
      assert.equal(decode((await res.json()).token).payload.name, "Ada \uFFFD");
    } finally {
      b.close();
    }
  });

  test(`a 9000-character name: 200, the name claim cut to ${MAX_NAME_LENGTH} code points (never inside one)`, async () => {
    const a = await startAuth();
    try {
      const long = "n".repeat(9000);
      const { user, headers } = await signUp(a.auth, { name: long });
      const res = await a.auth.handler(tokenRequest(headers));
      assert.equal(res.status, 200, await res.clone().text());
      const { token } = await res.json();
      assert.equal(decode(token).payload.name, long.slice(0, MAX_NAME_LENGTH));
      assert.equal(new Gate({ secret: SECRET }).verify(token).sub, user.id);
      // Astral characters count once each and are never split.
      const astral = await signUp(a.auth, { name: "x" + "\u{1F600}".repeat(4500) });
      const name = decode((await a.auth.api.getJwtgateToken({ headers: astral.headers })).token).payload.name;
      assert.equal([...name].length, MAX_NAME_LENGTH);
      assert.equal(name, "x" + "\u{1F600}".repeat(MAX_NAME_LENGTH - 1));
    } finally {
      a.close();
    }
  });
});

describe("the spec's FastAPI origin (real uvicorn) accepts the tokens, for the own path only", () => {
  let a, origin;
  before(async () => {
    a = await startAuth();
    origin = await startFastapiOrigin({ secret: SECRET });
  }, { timeout: 180_000 });
  after(async () => { a.close(); await origin?.close(); });

  test("own path 200 (create, list), another user's path 403", { timeout: 60_000 }, async (t) => {
    if (!origin) return t.skip("examples/fastapi-origin/.venv missing (make setup)");
    const alice = await signUp(a.auth);
    const bob = await signUp(a.auth);
    const { token } = await a.auth.api.getJwtgateToken({ headers: alice.headers });
    const auth = { authorization: `Bearer ${token}` };
    const created = await fetch(`${origin.url}/api/v1/${alice.user.id}/tasks`, {
      method: "POST", headers: { ...auth, "content-type": "application/json" }, body: JSON.stringify({ title: "from Better Auth" }),
    });
    assert.equal(created.status, 200, await created.clone().text());
    assert.equal((await created.json()).task.user_id, alice.user.id);
    const list = await fetch(`${origin.url}/api/v1/${alice.user.id}/tasks`, { headers: auth });
    assert.equal(list.status, 200);
    assert.deepEqual((await list.json()).tasks.map((x) => x.title), ["from Better Auth"]);
    const profile = await fetch(`${origin.url}/api/v1/me/profile`, { headers: auth });
    assert.equal((await profile.json()).id, alice.user.id);
    const other = await fetch(`${origin.url}/api/v1/${bob.user.id}/tasks`, { headers: auth });
    assert.deepEqual([other.status, await other.json()], [403, { detail: "User ID in path does not match authenticated user" }]);
  });

  test("the longest lifetime (1800 s) and issuer/audience claims pass the origin too", { timeout: 60_000 }, async (t) => {
    if (!origin) return t.skip("examples/fastapi-origin/.venv missing (make setup)");
    const b = await startAuth({ plugin: { lifetimeSeconds: 1800 } });
    try {
      const u = await signUp(b.auth);
      const { token } = await b.auth.api.getJwtgateToken({ headers: u.headers });
      const res = await fetch(`${origin.url}/api/v1/${u.user.id}/tasks`, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(res.status, 200, await res.text());
    } finally {
      b.close();
    }
  });
});

describe("options", () => {
  test("lifetimeSeconds: 900 to 1800 inclusive, integers; anything else refused at jwtgate()", async () => {
    for (const bad of [899, 1801, 0, -900, 1200.5, Number.NaN, "900", Infinity]) {
      assert.throws(() => jwtgate({ lifetimeSeconds: bad }), { name: "BetterAuthError", message: /lifetimeSeconds must be an integer from 900 to 1800/ }, String(bad));
    }
    for (const good of [900, 1200, 1800]) {
      const a = await startAuth({ plugin: { lifetimeSeconds: good } });
      try {
        const { headers } = await signUp(a.auth);
        const { token, expiresAt } = await a.auth.api.getJwtgateToken({ headers });
        const { payload } = decode(token);
        assert.equal(payload.exp - payload.iat, good);
        assert.equal(expiresAt, payload.exp);
        new Gate({ secret: SECRET }).verify(token);
      } finally {
        a.close();
      }
    }
  });

  test("unknown options, empty issuer/audience, a claims hook that is no function: refused", () => {
    assert.throws(() => jwtgate({ lifetime: 900 }), /unknown option "lifetime"/);
    assert.throws(() => jwtgate({ issuer: "" }), /issuer must be a non-empty string/);
    assert.throws(() => jwtgate({ audience: 7 }), /audience must be a non-empty string/);
    assert.throws(() => jwtgate({ claims: { role: "x" } }), /claims must be a function/);
  });

  test("issuer and audience: set on the token, which a gate with the same options accepts", async () => {
    const a = await startAuth({ plugin: { issuer: "https://app.example.com", audience: "tasks-api" } });
    try {
      const { user, headers } = await signUp(a.auth);
      const { token } = await a.auth.api.getJwtgateToken({ headers });
      const { payload } = decode(token);
      assert.deepEqual([payload.iss, payload.aud], ["https://app.example.com", "tasks-api"]);
      assert.equal(new Gate({ secret: SECRET, issuer: "https://app.example.com", audience: "tasks-api" }).verify(token).sub, user.id);
      assert.throws(() => new Gate({ secret: SECRET, issuer: "https://other.example.com", audience: "tasks-api" }).verify(token), { code: "invalid_issuer" });
    } finally {
      a.close();
    }
  });

  test("the claims hook adds claims but cannot replace sub, email, iat, exp, iss, aud", async () => {
    let seen;
    const a = await startAuth({
      plugin: {
        issuer: "https://app.example.com",
        claims: async (user, session) => {
          seen = { user, session };
          return { role: "editor", name: "Hooked Name", sub: "admin", email: "admin@example.com", iat: 1, exp: 4_000_000_000, iss: "https://evil.example", aud: "everything" };
        },
      },
    });
    try {
      const { user, email, headers } = await signUp(a.auth);
      const { token, expiresAt } = await a.auth.api.getJwtgateToken({ headers });
      const { payload } = decode(token);
      assert.equal(seen.user.id, user.id, "the hook gets the session's user");
      assert.equal(seen.session.userId, user.id, "…and the session");
      assert.equal(payload.sub, user.id);
      assert.equal(payload.email, email);
      assert.equal(payload.exp - payload.iat, 900);
      assert.equal(expiresAt, payload.exp);
      assert.equal(payload.iss, "https://app.example.com");
      assert.equal(payload.aud, undefined);
      assert.equal(payload.role, "editor");
      assert.equal(payload.name, "Hooked Name", "name is not an identity claim: the hook may set it");
      assert.ok(a.log.some((l) => l.includes("claims hook returned sub, email, iat, exp, iss, aud: ignored")), a.log.join("\n"));
      new Gate({ secret: SECRET, issuer: "https://app.example.com" }).verify(token);
    } finally {
      a.close();
    }
  });

  test("a claims hook that returns no object, or a claim the gate refuses: 500, no token", async () => {
    for (const [hook, code] of [[() => null, "INVALID_CLAIMS_HOOK_RESULT"], [() => ["x"], "INVALID_CLAIMS_HOOK_RESULT"], [() => ({ nbf: now() + 3600 }), "TOKEN_NOT_ISSUED"]]) {
      const a = await startAuth({ plugin: { claims: hook } });
      try {
        const { headers } = await signUp(a.auth);
        const res = await a.auth.handler(new Request(`${BASE_URL}/api/auth/jwtgate/token`, { headers }));
        assert.equal(res.status, 500);
        const body = await res.json();
        assert.equal(body.code, code);
        assert.ok(!JSON.stringify(body).includes("eyJ"), "no token in the error");
      } finally {
        a.close();
      }
    }
  });
});

describe("secrets", () => {
  const refused = async (options, why) => {
    const a = await startAuth({ options, migrate: false });
    try {
      await assert.rejects(a.auth.$context, (e) => {
        assert.equal(e.name, "BetterAuthError", why);
        assert.match(e.message, /jwtgate: the Better Auth secret cannot sign tokens the gate accepts/, why);
        for (const s of [options.secret, ...(options.secrets ?? []).map((x) => x.value)].filter(Boolean)) {
          assert.ok(!e.message.includes(s), `${why}: the message must not contain the secret`);
        }
        return true;
      }, why);
    } finally {
      a.close();
    }
  };

  test("weak, default and placeholder secrets: Better Auth does not start, the secret is never echoed", async () => {
    await refused({ secret: "s3cr3t-but-far-too-short" }, "short");
    await refused({ secret: "better-auth-secret-12345678901234567890" }, "Better Auth's built-in default");
    await refused({ secret: "your-secret-key-here-at-least-32-chars-long" }, "placeholder");
    await refused({ secret: "a".repeat(40) }, "low entropy");
    await refused({ secret: "abababababababababababababababababab" }, "low entropy, two symbols");
  });

  test("no secret at all: Better Auth falls back to its public default, which is refused", async () => {
    const saved = { ...process.env };
    delete process.env.BETTER_AUTH_SECRET;
    delete process.env.AUTH_SECRET;
    delete process.env.BETTER_AUTH_SECRETS;
    try {
      await refused({ secret: undefined }, "no secret");
    } finally {
      Object.assign(process.env, saved);
    }
  });

  test("rotation (`secrets`): tokens are signed with the current secret", async () => {
    const current = "Mq3Zt8Wb1Xn6Kc4Rv9Hp2Jd7Ls5Gf0Ye-current";
    const previous = "Pk5Hy2Ra8Nb4Wq1Zm7Tc3Vx9Ld6Jf0Gu-previous";
    const a = await startAuth({ options: { secret: previous, secrets: [{ version: 2, value: current }, { version: 1, value: previous }] } });
    try {
      const { user, headers } = await signUp(a.auth);
      const { token } = await a.auth.api.getJwtgateToken({ headers });
      assert.equal(new Gate({ secret: current }).verify(token).sub, user.id);
      assert.throws(() => new Gate({ secret: previous }).verify(token), { code: "invalid_signature" });
      // A backend mid-rotation (new secret current, old one still accepted) takes it too.
      assert.equal(new Gate({ secret: current, previousSecrets: [previous] }).verify(token).sub, user.id);
    } finally {
      a.close();
    }
  });

  test("rotation: a weak current secret is refused even when the previous one is strong", async () => {
    await refused({ secrets: [{ version: 2, value: "short-and-weak" }, { version: 1, value: SECRET }] }, "weak current");
  });
});
