// The built npm package's JS surface, imported the way users import it (`jwtgate`,
// installed from the `npm pack` tarball into a scratch project by scripts/test-pkg.sh).
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHmac, randomBytes } from "node:crypto";
import { Gate, GateError, GateConfigError } from "jwtgate";

const SECRET = "k3Jx9vQ2mW7pL4tZ8rB6nC1yH5sD0fGa";
const OTHER = "Zq8Lw2Rt6Yp0Nv4Xs9Kd3Hf7Jb1Mc5Ge";
const NOW = 1_700_000_000;
const b64 = (s) => Buffer.from(s).toString("base64url");

function sign(payload, { secret = SECRET, header = { alg: "HS256", typ: "JWT" } } = {}) {
  const input = `${b64(JSON.stringify(header))}.${b64(typeof payload === "string" ? payload : JSON.stringify(payload))}`;
  return `${input}.${createHmac("sha256", secret).update(input).digest("base64url")}`;
}
const claims = (extra = {}) => ({ sub: "u1", email: "a@example.com", iat: NOW, exp: NOW + 900, ...extra });
const gate = (options = {}) => new Gate({ secret: SECRET, now: NOW, ...options });
const bearer = (token) => ({ authorization: `Bearer ${token}` });

test("verify returns every signed claim", () => {
  const c = claims({ name: "Ada", user: { id: "u1", roles: ["admin"] } });
  assert.deepEqual(gate().verify(sign(c)), c);
});

test("verify throws GateError with status, code and the spec's detail", () => {
  const cases = [
    [sign(claims({ exp: NOW, iat: NOW - 900 })), 401, "token_expired", "Token expired"],
    [sign(claims({ exp: NOW + 899 })), 401, "invalid_lifetime", "Invalid token lifetime"],
    [sign(claims({ exp: NOW + 1801 })), 401, "invalid_lifetime", "Invalid token lifetime"],
    [sign({ sub: "u1", iat: NOW, exp: NOW + 900 }), 401, "missing_claims", "Invalid token: missing user claims"],
    [sign(claims(), { secret: OTHER }), 401, "invalid_signature", "Invalid token: signature verification failed"],
    [sign(claims(), { header: { alg: "none" } }), 401, "alg_not_allowed", "Invalid token: algorithm not allowed"],
    ["not-a-token", 401, "malformed_token", "Invalid token: not three segments"],
    [undefined, 401, "malformed_token", "Invalid token: not three segments"],
    [42, 401, "malformed_token", "Invalid token: not three segments"],
  ];
  for (const [token, status, code, detail] of cases) {
    assert.throws(() => gate().verify(token), (e) => {
      assert.ok(e instanceof GateError && e instanceof Error);
      assert.equal(e.name, "GateError");
      assert.deepEqual([e.status, e.code, e.detail, e.message], [status, code, detail, detail]);
      return true;
    }, code);
  }
});

test("authorize: Fetch Request, plain objects, relative URLs, header case", () => {
  const g = gate();
  const token = sign(claims());
  const ok = g.authorize(new Request("https://app.example/api/v1/u1/tasks?x=1", { headers: bearer(token) }));
  assert.equal(ok.allowed, true);
  assert.equal(ok.userId, "u1");
  assert.equal(ok.claims.email, "a@example.com");
  assert.equal(g.authorize({ method: "POST", url: "/api/v1/u1/tasks", headers: { AUTHORIZATION: `Bearer ${token}` } }).allowed, true);
  assert.equal(g.authorize({ url: "/api/v1/me/profile", headers: new Map([["authorization", `Bearer ${token}`]]) }).allowed, true);
  assert.deepEqual(g.authorize({ url: "http://h/api/v1/u2/tasks", headers: bearer(token) }), {
    allowed: false, status: 403, code: "user_mismatch", detail: "User ID in path does not match authenticated user",
  });
  assert.deepEqual(g.authorize({ url: "/api/v1/u1/tasks", headers: { authorization: `bearer ${token}` } }), {
    allowed: false, status: 401, code: "missing_authorization", detail: "Missing or invalid Authorization header",
  });
  // Raw paths reach the core un-normalised, so ambiguous ones are refused, not guessed.
  assert.equal(g.authorize({ url: "/api/v1/u1/%2e%2e/u2/tasks", headers: bearer(token) }).code, "invalid_path");
  assert.equal(g.authorize({ url: "http://h//api/v1/u2/tasks", headers: bearer(token) }).code, "invalid_path");
});

test("authorize never throws, whatever it is given", () => {
  const g = gate();
  const hostile = [
    undefined, null, 0, "", "GET /", [], {}, { url: 5 }, { url: "/api/v1/u1", headers: 7 },
    { url: "/api/v1/u1", headers: { get() { throw new Error("boom"); } } },
    { method: "G E T", url: "/api/v1/u1", headers: {} },
    { url: "/api/v1/u1", headers: { authorization: ["Bearer a", "Bearer b"] } },
    Object.create(null),
  ];
  for (const input of hostile) {
    const d = g.authorize(input);
    assert.equal(d.allowed, false);
    assert.ok([400, 401].includes(d.status), JSON.stringify(d));
  }
});

test("deny builds the refusal Response", async () => {
  const g = gate();
  const missing = g.deny(g.authorize({ url: "/api/v1/u1/tasks" }));
  assert.equal(missing.status, 401);
  assert.equal(missing.headers.get("www-authenticate"), "Bearer");
  assert.equal(missing.headers.get("content-type"), "application/json");
  assert.deepEqual(await missing.json(), { detail: "Missing or invalid Authorization header" });
  const expired = g.deny(g.authorize({ url: "/api/v1/u1/tasks", headers: bearer(sign(claims({ iat: NOW - 900, exp: NOW }))) }));
  assert.equal(expired.headers.get("www-authenticate"), 'Bearer error="invalid_token"');
  assert.deepEqual(await expired.json(), { detail: "Token expired" });
  const forbidden = g.deny(g.authorize({ url: "/api/v1/u2/tasks", headers: bearer(sign(claims())) }));
  assert.equal(forbidden.status, 403);
  assert.equal(forbidden.headers.get("www-authenticate"), null);
  assert.deepEqual(await forbidden.json(), { detail: "User ID in path does not match authenticated user" });
  const withCors = g.deny({ allowed: false, code: "token_expired" }, { headers: { "access-control-allow-origin": "http://localhost:3000" } });
  assert.equal(withCors.headers.get("access-control-allow-origin"), "http://localhost:3000");
});

test("deny refuses an allowed decision with a programming error, not a response", () => {
  const g = gate();
  const allowed = g.authorize({ url: "/api/v1/u1/tasks", headers: bearer(sign(claims())) });
  assert.equal(allowed.allowed, true);
  assert.throws(() => g.deny(allowed), (e) => e instanceof TypeError && e.code === "decision_not_denied" && /allowed decision/.test(e.message));
});

test("GateConfigError explains bad configurations", () => {
  const cases = [
    [undefined, "invalid_option"],
    [{}, "missing_secret"],
    [{ secret: "too-short" }, "secret_too_short"],
    [{ secret: "better-auth-secret-12345678901234567890" }, "known_default_secret"],
    [{ secret: "a".repeat(40) }, "low_entropy_secret"],
    [{ secret: SECRET, leewaySeconds: -1 }, "invalid_number"],
    [{ secret: SECRET, leewaySeconds: "5" }, "invalid_number"],
    [{ secret: SECRET, minLifetimeSeconds: 2000 }, "invalid_lifetime_window"],
    [{ secret: SECRET, apiPrefix: "/api/../v1/" }, "invalid_api_prefix"],
    [{ secret: SECRET, previousSecrets: ["short"] }, "secret_too_short"],
    [{ secret: SECRET, secretKey: "typo" }, "unknown_option"],
    [{ secret: SECRET, now: "noon" }, "invalid_option"],
  ];
  for (const [options, code] of cases) {
    assert.throws(() => new Gate(options), (e) => {
      assert.ok(e instanceof GateConfigError, String(e));
      assert.equal(e.code, code);
      assert.ok(e.message.length > 10);
      assert.ok(!e.message.includes(options?.secret ?? "\u0000"), "secret leaked into the message");
      return true;
    });
  }
});

test("options: clock, rotation, issuer/audience, prefix, leeway", () => {
  let clock = NOW;
  const g = new Gate({ secret: SECRET, now: () => clock });
  const token = sign(claims());
  assert.equal(g.verify(token).sub, "u1");
  clock = NOW + 900;
  assert.throws(() => g.verify(token), { code: "token_expired" });

  // A clock that throws or lies fails closed, and authorize still does not throw.
  const broken = new Gate({ secret: SECRET, now: () => { throw new Error("no clock"); } });
  assert.throws(() => broken.verify(token), { code: "token_expired" });
  assert.equal(broken.authorize({ url: "/api/v1/u1/tasks", headers: bearer(token) }).code, "token_expired");
  assert.equal(new Gate({ secret: SECRET, now: () => "soon" }).authorize({ url: "/api/v1/u1/tasks", headers: bearer(token) }).allowed, false);

  const rotating = gate({ previousSecrets: [OTHER] });
  assert.equal(rotating.verify(sign(claims(), { secret: OTHER })).sub, "u1");
  assert.equal(gate({ previousSecrets: `${OTHER}` }).verify(sign(claims(), { secret: OTHER })).sub, "u1");

  const strict = gate({ issuer: "https://app", audience: "api" });
  assert.equal(strict.verify(sign(claims({ iss: "https://app", aud: ["api"] }))).sub, "u1");
  assert.throws(() => strict.verify(sign(claims({ iss: "https://x", aud: "api" }))), { code: "invalid_issuer" });
  assert.throws(() => gate().verify(sign(claims({ aud: "api" }))), { code: "invalid_audience" });

  const v2 = gate({ apiPrefix: "/v2/" });
  assert.equal(v2.authorize({ url: "/v2/u2/x", headers: bearer(token) }).code, "user_mismatch");
  assert.equal(v2.protects("/api/v1/u2"), false);
  assert.equal(v2.protects("/v2/u2"), true);

  const lenient = gate({ leewaySeconds: 60 });
  assert.equal(lenient.verify(sign(claims({ iat: NOW - 930, exp: NOW - 30 }))).sub, "u1");
});

test("one instance survives 100,000 random inputs and still decides correctly", () => {
  const g = gate();
  const good = sign(claims());
  const pieces = ["Bearer ", ".", "=", "%", "/", "..", "\u0000", "\uffff", "\ud800", "e30", good.slice(0, 40), "{", "\"alg\""];
  let seed = 12345;
  const rand = (n) => ((seed = (seed * 1103515245 + 12345) >>> 0) % n);
  for (let i = 0; i < 100_000; i++) {
    let s = "";
    const parts = rand(6);
    for (let j = 0; j < parts; j++) s += rand(3) === 0 ? randomBytes(rand(12)).toString("latin1") : pieces[rand(pieces.length)];
    if (i % 2) {
      try { g.verify(s); assert.fail("random input verified"); } catch (e) { assert.ok(e instanceof GateError, String(e)); }
    } else {
      const d = g.authorize({ method: i % 7 ? "GET" : s, url: i % 3 ? `/api/v1/${s}` : s, headers: { authorization: s } });
      assert.equal(d.allowed, false);
    }
  }
  // Huge inputs too.
  assert.throws(() => g.verify("a".repeat(1 << 20)), { code: "token_too_large" });
  assert.equal(g.verify(good).sub, "u1");
  assert.equal(g.authorize({ url: "/api/v1/u1/tasks", headers: bearer(good) }).allowed, true);
});

test("cache: a repeat gets the same frozen claims, and the clock is applied every time", () => {
  let now = NOW;
  const g = gate({ now: () => now });
  const c = claims({ user: { roles: ["a"] } });
  const token = sign(c);
  const first = g.verify(token);
  assert.deepEqual(first, c);
  assert.equal(g.verify(token), first, "same object for the same token");
  assert.ok(Object.isFrozen(first) && Object.isFrozen(first.user) && Object.isFrozen(first.user.roles));
  assert.throws(() => { first.sub = "u2"; }, TypeError);
  assert.equal(g.authorize({ url: "/api/v1/u1/tasks", headers: bearer(token) }).claims, first);
  now = NOW + 900; // exp: refused although verified before
  assert.throws(() => g.verify(token), { code: "token_expired" });
  assert.equal(g.authorize({ url: "/api/v1/u1/tasks", headers: bearer(token) }).code, "token_expired");
  now = NOW - 1; // iat in the future
  assert.throws(() => g.verify(token), { code: "issued_in_future" });
  now = NOW + 10;
  assert.deepEqual(g.verify(token), c);
});

test("cache: colliding and replaced entries never hand out another token's claims", () => {
  // 4 slots, 300 users, each token verified in interleaved passes: every answer must be
  // the token's own claims (the JS memo is keyed by the core's slot + generation).
  const g = gate({ cacheSize: 4 });
  const tokens = Array.from({ length: 300 }, (_, i) => sign(claims({ sub: `user-${i}`, n: i })));
  for (let pass = 0; pass < 3; pass++) {
    tokens.forEach((token, i) => {
      const j = (i * 7 + pass * 31) % tokens.length;
      assert.equal(g.verify(tokens[j]).n, j);
      assert.equal(g.authorize({ url: `/api/v1/user-${j}/x`, headers: bearer(tokens[j]) }).userId, `user-${j}`);
      assert.equal(g.verify(token).sub, `user-${i}`);
    });
  }
});

test("cache: memory growth between calls keeps the claims right; cacheSize 0 and bad sizes", () => {
  // Enough distinct stored tokens to grow the Wasm memory (views are re-created).
  const g = gate({ cacheSize: 65536 });
  const tokens = Array.from({ length: 20_000 }, (_, i) => sign(claims({ sub: `u${i}`, pad: "x".repeat(200) })));
  tokens.forEach((t, i) => assert.equal(g.verify(t).sub, `u${i}`));
  tokens.forEach((t, i) => assert.equal(g.verify(t).sub, `u${i}`));
  const off = gate({ cacheSize: 0 });
  const t = sign(claims());
  const a = off.verify(t);
  assert.ok(Object.isFrozen(a));
  assert.notEqual(off.verify(t), a, "no cache: a fresh object each time");
  for (const bad of [-1, 1.5, NaN, "256"]) {
    assert.throws(() => gate({ cacheSize: bad }), (e) => e instanceof GateConfigError && e.code === "invalid_number", String(bad));
  }
});

// Issue 11 §1: one call forwards the identity right. A holder of a valid token for u1 must
// not reach the origin with anyone else's id or email, whatever spelling they send.
const SPOOFS = [
  ["X-User-Email", "victim@example.com"], ["x-user-email", "victim@example.com"], ["X-USER-EMAIL", "victim@example.com"],
  ["X-User-Id", "victim"], ["x-user-id", "victim"], ["X-USER-ID", "victim"],
];

/** A real HTTP origin that answers with the raw header lines it received. */
async function echoOrigin(fn) {
  const { createServer } = await import("node:http");
  const server = createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ method: req.method, url: req.url, rawHeaders: req.rawHeaders, body: Buffer.concat(chunks).toString() }));
    });
  });
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  try {
    return await fn(`http://127.0.0.1:${server.address().port}`);
  } finally {
    server.closeAllConnections?.();
    server.close();
  }
}
/** Every value the origin received for `name` (any spelling), in order. */
function valuesOf(rawHeaders, name) {
  const out = [];
  for (let i = 0; i < rawHeaders.length; i += 2) if (rawHeaders[i].toLowerCase() === name) out.push(rawHeaders[i + 1]);
  return out;
}

test("originHeaders: every spelling of a spoofed identity header is replaced by the verified claims", () => {
  const g = gate();
  const token = sign(claims({ sub: "u1", email: "u1@example.com" }));
  // A Fetch Request with every spelling appended (Headers folds them into one name).
  const spoofed = new Headers({ authorization: `Bearer ${token}`, "x-trace": "kept" });
  for (const [name, value] of SPOOFS) spoofed.append(name, value);
  const inputs = [
    new Request("https://app.example/api/v1/u1/tasks?x=1", { headers: spoofed }),
    // Plain objects: keys in several spellings, and Node-style arrays for repeated headers.
    { url: "/api/v1/u1/tasks", headers: { authorization: `Bearer ${token}`, "x-trace": "kept", ...Object.fromEntries(SPOOFS), "x-user-email": ["victim@example.com", "other@example.com"] } },
    { url: "/api/v1/u1/tasks", headers: new Map([["authorization", `Bearer ${token}`], ["x-trace", "kept"], ["X-User-Email", "victim@example.com"]]) },
  ];
  for (const request of inputs) {
    const decision = g.authorize(request);
    assert.equal(decision.allowed, true);
    const headers = g.originHeaders(request, decision);
    assert.ok(headers instanceof Headers);
    assert.equal(headers.get("x-user-id"), "u1");
    assert.equal(headers.get("x-user-email"), "u1@example.com");
    assert.equal(headers.get("authorization"), `Bearer ${token}`);
    assert.equal(headers.get("x-trace"), "kept");
    assert.equal([...headers.keys()].filter((k) => k.startsWith("x-user")).length, 2);
  }
  // The request's own headers are not changed (a copy).
  assert.equal(inputs[0].headers.get("x-user-id"), "victim, victim, victim");
});

test("originHeaders / originRequest throw a coded TypeError for a refusal or a made-up decision", () => {
  const g = gate();
  const request = { url: "/api/v1/u1/tasks", headers: {} };
  const denied = g.authorize(request);
  assert.equal(denied.allowed, false);
  for (const [decision, code] of [[denied, "decision_not_allowed"], [undefined, "decision_not_allowed"], [{ allowed: "yes" }, "decision_not_allowed"], [{ allowed: true }, "invalid_decision"], [{ allowed: true, userId: "u1", claims: {} }, "invalid_decision"]]) {
    for (const call of [() => g.originHeaders(request, decision), () => g.originRequest(request, decision, "http://127.0.0.1:8000")]) {
      assert.throws(call, (e) => e instanceof TypeError && e.code === code && /deny|authorize/.test(e.message), code);
    }
  }
  const ok = g.authorize({ url: "/api/v1/u1/tasks", headers: bearer(sign(claims())) });
  for (const base of ["", "not a url", "ftp://h", "http://h/?q=1", "http://h/#f", "http://h?", undefined, 42]) {
    assert.throws(() => g.originRequest({ url: "/api/v1/u1/tasks" }, ok, base), (e) => e instanceof TypeError && e.code === "invalid_origin_url", String(base));
  }
});

test("originRequest against a real origin: path, query, method, body; one verified x-user-id/-email whatever was sent", async () => {
  const g = gate();
  const token = sign(claims({ sub: "u1", email: "u1@example.com" }));
  await echoOrigin(async (origin) => {
    for (const base of [origin, `${origin}/`, new URL(origin)]) {
      const headers = new Headers({ authorization: `Bearer ${token}`, "content-type": "application/json", connection: "x-drop", "x-drop": "1", "keep-alive": "timeout=5" });
      for (const [name, value] of SPOOFS) headers.append(name, value);
      const request = new Request("https://app.example/api/v1/u1/tasks?page=2&q=a%20b", { method: "POST", headers, body: '{"title":"t"}', duplex: "half" });
      const decision = g.authorize(request);
      const res = await fetch(g.originRequest(request, decision, base));
      assert.equal(res.status, 200);
      const seen = await res.json();
      assert.deepEqual([seen.method, seen.url, seen.body], ["POST", "/api/v1/u1/tasks?page=2&q=a%20b", '{"title":"t"}']);
      assert.deepEqual(valuesOf(seen.rawHeaders, "x-user-id"), ["u1"]);
      assert.deepEqual(valuesOf(seen.rawHeaders, "x-user-email"), ["u1@example.com"]);
      assert.deepEqual(valuesOf(seen.rawHeaders, "authorization"), [`Bearer ${token}`]);
      assert.deepEqual(valuesOf(seen.rawHeaders, "x-drop"), []);
      assert.deepEqual(valuesOf(seen.rawHeaders, "host"), [new URL(origin).host]);
    }
    // A plain { method, url, headers } with repeated spoofed names (Node's IncomingMessage shape).
    const plain = { method: "GET", url: "/api/v1/u1/tasks", headers: { authorization: `Bearer ${token}`, "X-User-Email": "victim@example.com", "x-user-email": ["a@evil", "b@evil"], "X-USER-ID": "victim" } };
    const res = await fetch(g.originRequest(plain, g.authorize(plain), origin));
    const seen = await res.json();
    assert.deepEqual([valuesOf(seen.rawHeaders, "x-user-id"), valuesOf(seen.rawHeaders, "x-user-email")], [["u1"], ["u1@example.com"]]);
  });
});

test("identity headers: ordinary values unchanged, the rest percent-encoded UTF-8 that decodes back exactly (issue 11 §10)", async () => {
  const g = gate();
  const cases = [
    ["u1", "ann@example.com", "u1", "ann@example.com"],
    ["usér", "adà@exämple.org", "us%C3%A9r", "ad%C3%A0@ex%C3%A4mple.org"],
    ["100%", "a%b@example.com", "100%25", "a%25b@example.com"],
    [" u1 ", "x@example.com\r\nX-User-Id: admin", "%20u1%20", "x@example.com%0D%0AX-User-Id:%20admin"],
    ["o'brien+1", "δοκιμή@example.com", "o'brien+1", "%CE%B4%CE%BF%CE%BA%CE%B9%CE%BC%CE%AE@example.com"],
  ];
  await echoOrigin(async (origin) => {
    for (const [sub, email, wantId, wantEmail] of cases) {
      const request = { url: `/api/v1/${encodeURIComponent(sub)}/tasks`, headers: bearer(sign(claims({ sub, email }))) };
      const decision = g.authorize(request);
      assert.equal(decision.allowed, true, `${JSON.stringify(sub)}: ${decision.code}`); // the decision ignores the encoding
      assert.equal(decision.userId, sub);
      const headers = g.originHeaders(request, decision);
      assert.deepEqual([headers.get("x-user-id"), headers.get("x-user-email")], [wantId, wantEmail]);
      const seen = await (await fetch(g.originRequest(request, decision, origin))).json();
      assert.deepEqual(valuesOf(seen.rawHeaders, "x-user-id").map(decodeURIComponent), [sub]);
      assert.deepEqual(valuesOf(seen.rawHeaders, "x-user-email").map(decodeURIComponent), [email]);
    }
  });
});

test("the server entries accept dangerouslyAllowSecretInBrowser (one options object everywhere), as a boolean", () => {
  assert.equal(gate({ dangerouslyAllowSecretInBrowser: true }).authorize({ url: "/x" }).allowed, false);
  assert.throws(() => gate({ dangerouslyAllowSecretInBrowser: "yes" }), (e) => e instanceof GateConfigError && e.code === "invalid_option");
});
