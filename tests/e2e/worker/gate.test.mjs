// The edge gate in real workerd (wrangler dev) in front of a real echo origin.
// Every refusal is asserted exactly (status, body, challenge) and checked not to reach the origin.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import {
  SECRET, PREVIOUS_SECRET, OTHER_SECRET, mint, claims, bearer, nowSecs,
  startEchoOrigin, startWorker, request,
} from "./harness.mjs";

const APP = "http://localhost:3000";
const APP2 = "https://app.example.com";
const EVIL = "https://evil.example.com";
const CHALLENGE_INVALID = 'Bearer error="invalid_token"';

let origin;
let worker;

before(async () => {
  origin = await startEchoOrigin();
  worker = await startWorker({
    BETTER_AUTH_SECRET: SECRET,
    BETTER_AUTH_PREVIOUS_SECRETS: PREVIOUS_SECRET,
    ORIGIN_URL: origin.url,
    ALLOWED_ORIGINS: `${APP}, ${APP2}`,
    CORS_ALLOW_HEADERS: "X-Trace-Id",
    ORIGIN_TIMEOUT_MS: "1500",
  });
});

after(async () => {
  await worker?.stop();
  await origin?.close();
});

const send = (opts) => request(worker.port, opts);

/** Sends a request and asserts the origin never saw it. */
async function refused(opts) {
  const before = origin.seen.length;
  const res = await send(opts);
  assert.equal(origin.seen.length, before, `origin reached for ${opts.method ?? "GET"} ${opts.path}`);
  return res;
}

function assertRefusal(res, status, detail, challenge) {
  assert.equal(res.status, status, res.body);
  assert.deepEqual(res.json, { detail });
  assert.equal(res.headers["content-type"], "application/json");
  assert.equal(res.headers["www-authenticate"], challenge);
  assert.match(res.headers["x-request-id"] ?? "", /^[0-9a-f-]{8,64}$/);
}

test("allowed GET is proxied: same method, path and query, identity from the token, Authorization kept", async () => {
  const token = mint(claims("u1"));
  const res = await send({ path: "/api/v1/u1/tasks?done=false&q=a%20b", headers: { authorization: bearer(token) } });
  assert.equal(res.status, 200, res.body);
  assert.equal(res.headers["x-origin"], "echo");
  const seen = res.json;
  assert.equal(seen.method, "GET");
  assert.equal(seen.url, "/api/v1/u1/tasks?done=false&q=a%20b");
  assert.equal(seen.headers["x-user-id"], "u1");
  assert.equal(seen.headers["x-user-email"], "u1@example.com");
  assert.equal(seen.headers.authorization, bearer(token));
  assert.equal(seen.headers.host, `127.0.0.1:${origin.port}`);
});

test("allowed POST streams the body unchanged (1 MiB) and keeps the method", async () => {
  const body = randomBytes(1024 * 1024);
  const res = await send({
    method: "POST",
    path: "/api/v1/u1/tasks",
    headers: { authorization: bearer(mint(claims("u1"))), "content-type": "application/octet-stream" },
    body,
  });
  assert.equal(res.status, 200, res.body);
  assert.equal(res.json.method, "POST");
  assert.equal(res.json.bodyLength, body.length);
  assert.equal(res.json.bodySha256, createHash("sha256").update(body).digest("hex"));
});

test("other methods are proxied as they are (DELETE, PATCH)", async () => {
  for (const method of ["DELETE", "PATCH"]) {
    const res = await send({ method, path: "/api/v1/u1/tasks/7", headers: { authorization: bearer(mint(claims("u1"))) } });
    assert.equal(res.status, 200, res.body);
    assert.equal(res.json.method, method);
    assert.equal(res.json.url, "/api/v1/u1/tasks/7");
  }
});

test("self routes: /api/v1/me/profile (the default SELF_ROUTES) needs only a token; /me/tasks names the user \"me\"", async () => {
  const auth = { authorization: bearer(mint(claims("u9"))) };
  const res = await send({ path: "/api/v1/me/profile", headers: auth });
  assert.equal(res.status, 200, res.body);
  assert.equal(res.json.headers["x-user-id"], "u9");
  const other = await refused({ path: "/api/v1/me/tasks", headers: auth });
  assertRefusal(other, 403, "User ID in path does not match authenticated user", undefined);
});

test("a raw # never reaches the core in workerd: the runtime has parsed it away, and the worker judges what it forwards", async () => {
  // Node's HTTP client sends the target as written. Under `wrangler dev` the request reaches
  // the worker without the fragment, read one of two more ways: cut at `#`, or with the dot
  // segments after it resolved. Either way the path judged is the path forwarded.
  const auth = { authorization: bearer(mint(claims("u1"))) };
  const cut = await send({ path: "/api/v1/u1#x", headers: auth });
  assert.equal(cut.status, 200, cut.body);
  assert.equal(cut.json.url, "/api/v1/u1");
  assert.equal(cut.json.headers["x-user-id"], "u1");
  const me = await refused({ path: "/api/v1/me#victim/tasks", headers: auth });
  assertRefusal(me, 403, "User ID in path does not match authenticated user", undefined);
  const resolved = await refused({ path: "/api/v1/u1#/../u2/tasks", headers: auth });
  assertRefusal(resolved, 403, "User ID in path does not match authenticated user", undefined);
  // Judged on paths without a fragment: the worker logs the path it judged.
  await new Promise((r) => setTimeout(r, 500)); // let wrangler flush stdout
  const judged = (res) => {
    const line = worker.output().split("\n").find((l) => l.includes(`"request_id":"${res.headers["x-request-id"]}"`));
    return line && JSON.parse(line.slice(line.indexOf("{"))).path;
  };
  assert.equal(judged(me), "/api/v1/me");
  assert.equal(judged(resolved), "/api/v1/u2/tasks");
});

test("spaces and tabs around the Authorization value are not part of it (RFC 9110); a double space is", async () => {
  const token = mint(claims("u1"));
  for (const authorization of [`Bearer ${token} `, `Bearer ${token}\t`, `Bearer ${token} \t `]) {
    const res = await send({ path: "/api/v1/u1/tasks", headers: { authorization } });
    assert.equal(res.status, 200, `${JSON.stringify(authorization.slice(-3))}: ${res.body}`);
    assert.equal(res.json.headers["x-user-id"], "u1");
  }
  const doubled = await refused({ path: "/api/v1/u1/tasks", headers: { authorization: `Bearer  ${token}` } });
  assertRefusal(doubled, 401, "Invalid token: bad base64url encoding", CHALLENGE_INVALID);
});

test("a token signed with a previous secret (rotation) is accepted; an unknown secret is not", async () => {
  const ok = await send({ path: "/api/v1/u1/tasks", headers: { authorization: bearer(mint(claims("u1"), { secret: PREVIOUS_SECRET })) } });
  assert.equal(ok.status, 200, ok.body);
  const bad = await refused({ path: "/api/v1/u1/tasks", headers: { authorization: bearer(mint(claims("u1"), { secret: OTHER_SECRET })) } });
  assertRefusal(bad, 401, "Invalid token: signature verification failed", CHALLENGE_INVALID);
});

/** Every value a header line of `name` (any spelling) carried to the origin, in order. */
function lines(seen, name) {
  const out = [];
  for (let i = 0; i < seen.rawHeaders.length; i += 2) if (seen.rawHeaders[i].toLowerCase() === name) out.push(seen.rawHeaders[i + 1]);
  return out;
}

test("spoofed identity headers are replaced by the verified claims, in every spelling", async () => {
  const res = await send({
    path: "/api/v1/u1/tasks",
    headers: [
      "authorization", bearer(mint(claims("u1"))),
      "X-User-Id", "admin", "x-user-id", "admin", "X-USER-ID", "admin",
      "X-User-Email", "victim@example.com", "x-user-email", "victim@example.com", "X-USER-EMAIL", "victim@example.com",
    ],
  });
  assert.equal(res.status, 200, res.body);
  assert.deepEqual(lines(res.json, "x-user-id"), ["u1"]);
  assert.deepEqual(lines(res.json, "x-user-email"), ["u1@example.com"]);
});

test("identities beyond plain ASCII are forwarded percent-encoded, never refused or altered (issue 11 §10)", async () => {
  const cases = [
    ["u1", "u1@example.com\r\nX-Evil: 1", "u1", "u1@example.com%0D%0AX-Evil:%201"],
    ["u1", " u1@example.com ", "u1", "%20u1@example.com%20"],
    ["usér", "usér@exämple.com", "us%C3%A9r", "us%C3%A9r@ex%C3%A4mple.com"],
    ["100%", "a%b@example.com", "100%25", "a%25b@example.com"],
  ];
  for (const [sub, email, wantId, wantEmail] of cases) {
    const res = await send({ path: `/api/v1/${encodeURIComponent(sub)}/tasks`, headers: { authorization: bearer(mint(claims(sub, { email }))) } });
    assert.equal(res.status, 200, `${JSON.stringify(sub)} ${JSON.stringify(email)}: ${res.body}`);
    assert.deepEqual([lines(res.json, "x-user-id"), lines(res.json, "x-user-email")], [[wantId], [wantEmail]]);
    assert.deepEqual([decodeURIComponent(wantId), decodeURIComponent(wantEmail)], [sub, email]);
  }
});

test("forwarding headers come from the edge, never from the client (issue 11 §5)", async () => {
  const spoofed = ["x-forwarded-for", "6.6.6.6", "X-Forwarded-Proto", "https", "x-forwarded-host", "evil.example",
    "Forwarded", "for=6.6.6.6;proto=https", "x-real-ip", "6.6.6.6"];
  for (const [path, headers] of [
    ["/api/v1/u1/tasks", ["authorization", bearer(mint(claims("u1"))), ...spoofed]],
    ["/public/page", spoofed], // outside the prefix too
  ]) {
    const res = await send({ path, headers });
    assert.equal(res.status, 200, res.body);
    const seen = res.json;
    const text = JSON.stringify(seen.rawHeaders);
    assert.equal(text.includes("6.6.6.6") || text.includes("evil.example"), false, text);
    assert.deepEqual(lines(seen, "x-forwarded-proto"), ["http"]);
    assert.deepEqual(lines(seen, "x-forwarded-host"), [`127.0.0.1:${worker.port}`]);
    // wrangler dev, like Cloudflare, states the client's address as CF-Connecting-IP.
    assert.deepEqual(lines(seen, "x-forwarded-for"), ["127.0.0.1"]);
    assert.deepEqual(lines(seen, "x-real-ip"), ["127.0.0.1"]);
    assert.deepEqual(lines(seen, "forwarded"), [`for=127.0.0.1;host="127.0.0.1:${worker.port}";proto=http`]);
  }
});

test("every 401 class: exact status, body and challenge; the origin is never reached", async () => {
  const p = "/api/v1/u1/tasks";
  const c = claims("u1");
  const cases = [
    ["no Authorization header", undefined, "Missing or invalid Authorization header", "Bearer"],
    ["wrong scheme", `Basic ${Buffer.from("u1:pw").toString("base64")}`, "Missing or invalid Authorization header", "Bearer"],
    ["lowercase bearer", `bearer ${mint(c)}`, "Missing or invalid Authorization header", "Bearer"],
    ["empty token", "Bearer ", "Missing or invalid Authorization header", "Bearer"],
    ["bad signature", bearer(mint(c, { secret: OTHER_SECRET })), "Invalid token: signature verification failed", CHALLENGE_INVALID],
    ["tampered payload", bearer((() => { const [h, , s] = mint(c).split("."); return `${h}.${Buffer.from(JSON.stringify({ ...c, sub: "u2" })).toString("base64url")}.${s}`; })()), "Invalid token: signature verification failed", CHALLENGE_INVALID],
    ["expired", bearer(mint({ ...c, iat: nowSecs() - 1000, exp: nowSecs() - 100 })), "Token expired", CHALLENGE_INVALID],
    ["lifetime too long (1 h)", bearer(mint({ ...c, exp: c.iat + 3600 })), "Invalid token lifetime", CHALLENGE_INVALID],
    ["lifetime too short (60 s)", bearer(mint({ ...c, iat: nowSecs() - 10, exp: nowSecs() + 50 })), "Invalid token lifetime", CHALLENGE_INVALID],
    ["alg none", bearer(`${Buffer.from('{"alg":"none","typ":"JWT"}').toString("base64url")}.${Buffer.from(JSON.stringify(c)).toString("base64url")}.`), "Invalid token: algorithm not allowed", CHALLENGE_INVALID],
    ["alg HS512 header", bearer(mint(c, { header: { alg: "HS512", typ: "JWT" } })), "Invalid token: algorithm not allowed", CHALLENGE_INVALID],
    ["malformed: two segments", "Bearer abc.def", "Invalid token: not three segments", CHALLENGE_INVALID],
    ["malformed: bad base64url", "Bearer a+b.c/d.e=f", "Invalid token: bad base64url encoding", CHALLENGE_INVALID],
    ["missing email claim", bearer(mint({ sub: "u1", iat: c.iat, exp: c.exp })), "Invalid token: missing user claims", CHALLENGE_INVALID],
    ["non-integer exp", bearer(mint({ ...c, exp: String(c.exp) })), "Invalid token: exp and iat must be integer timestamps", CHALLENGE_INVALID],
  ];
  for (const [name, authorization, detail, challenge] of cases) {
    const headers = authorization === undefined ? {} : { authorization };
    const res = await refused({ path: p, headers });
    assert.equal(res.status, 401, `${name}: ${res.body}`);
    assertRefusal(res, 401, detail, challenge);
  }
});

test("403 when the path names another user (no challenge)", async () => {
  const res = await refused({ path: "/api/v1/u2/tasks", headers: { authorization: bearer(mint(claims("u1"))) } });
  assertRefusal(res, 403, "User ID in path does not match authenticated user", undefined);
});

test("ambiguous paths under the prefix are refused and never reach the origin", async () => {
  const auth = { authorization: bearer(mint(claims("u1"))) };
  for (const p of [
    "/api/v1/u1/%2e%2e/u2/tasks",
    "/api/v1/u1/../u2/tasks",
    "/api/v1/u1%2Ftasks",
    "/api/v1/u1/%2E%2E/%2E%2E/v1/u2/tasks",
    "/api/v1//tasks",
    "/api/v1/",
    "/api/v1/u1%00/tasks",
  ]) {
    const res = await refused({ path: p, headers: auth });
    assert.ok([400, 403].includes(res.status), `${p} → ${res.status} ${res.body}`);
    assert.ok(
      ["Invalid request path", "User ID in path does not match authenticated user"].includes(res.json?.detail),
      `${p}: ${res.body}`,
    );
  }
  // The same ambiguous path without a token is a 401 or 400, never proxied.
  const res = await refused({ path: "/api/v1/u1/%2e%2e/u2/tasks" });
  assert.ok([400, 401].includes(res.status), res.body);
});

test("a prefix look-alike path is not under the prefix: proxied unchanged without identity", async () => {
  const res = await send({ path: "/api/v10/u2/tasks", headers: { "x-user-id": "u2" } });
  assert.equal(res.status, 200, res.body);
  assert.equal(res.json.url, "/api/v10/u2/tasks");
  assert.equal(res.json.headers["x-user-id"], undefined);
});

test("paths outside the prefix are proxied unchanged, without a token, spoofed identity removed", async () => {
  const res = await send({
    method: "POST",
    path: "/health?probe=1&x=%2F",
    headers: { "x-user-id": "admin", "x-user-email": "admin@example.com", "content-type": "text/plain" },
    body: "ping",
  });
  assert.equal(res.status, 200, res.body);
  assert.equal(res.json.method, "POST");
  assert.equal(res.json.url, "/health?probe=1&x=%2F");
  assert.equal(res.json.headers["x-user-id"], undefined);
  assert.equal(res.json.headers["x-user-email"], undefined);
  assert.equal(res.json.bodyLength, 4);
});

test("origin redirects are passed to the client, not followed", async () => {
  const res = await send({ path: "/redirect" });
  assert.equal(res.status, 302);
  assert.equal(res.headers.location, "/elsewhere");
});

test("Location / Content-Location naming ORIGIN_URL are rewritten to the URL the client used (issue 11 §4)", async () => {
  const res = await send({ path: "/redirect-absolute" });
  assert.equal(res.status, 307);
  assert.equal(res.headers["x-self"], origin.url); // what the origin wrote
  assert.equal(res.headers.location, `${worker.url}/elsewhere?x=1#f`);
  assert.equal(res.headers["content-location"], `${worker.url}/api/v1/u1/tasks`);
  // Other hosts and relative references are not the origin's address: unchanged.
  const other = await send({ path: "/redirect-other" });
  assert.equal(other.headers.location, "https://auth.example.com/login?next=http://127.0.0.1/x");
  assert.equal(other.headers["content-location"], "/relative");
});

test("preflight from an allowed origin is answered at the edge without a token", async () => {
  for (const o of [APP, APP2]) {
    const res = await refused({
      method: "OPTIONS",
      path: "/api/v1/u1/tasks",
      headers: { origin: o, "access-control-request-method": "POST", "access-control-request-headers": "authorization, content-type" },
    });
    assert.equal(res.status, 204, res.body);
    assert.equal(res.headers["access-control-allow-origin"], o); // exactly one origin, never a list
    assert.equal(res.headers["access-control-allow-credentials"], "true");
    assert.match(res.headers["access-control-allow-methods"], /\bPOST\b/);
    // An allow list, never an echo of what was asked (issue 11 §8).
    assert.equal(res.headers["access-control-allow-headers"], "Authorization, Content-Type, X-Trace-Id");
  }
  for (const asked of ["x-evil, authorization", "*", ""]) {
    const res = await refused({
      method: "OPTIONS",
      path: "/api/v1/u1/tasks",
      headers: { origin: APP, "access-control-request-method": "GET", "access-control-request-headers": asked },
    });
    assert.equal(res.status, 204, res.body);
    assert.equal(res.headers["access-control-allow-headers"], "Authorization, Content-Type, X-Trace-Id", asked);
    assert.match(res.headers.vary, /\bOrigin\b/);
  }
});

test("preflight from a disallowed origin gets no CORS headers and no free pass", async () => {
  const res = await refused({
    method: "OPTIONS",
    path: "/api/v1/u1/tasks",
    headers: { origin: EVIL, "access-control-request-method": "POST" },
  });
  assertRefusal(res, 401, "Missing or invalid Authorization header", "Bearer");
  assert.equal(res.headers["access-control-allow-origin"], undefined);
  assert.equal(res.headers["access-control-allow-credentials"], undefined);
});

test("CORS headers on 401 and 403 for allowed origins, none for others", async () => {
  const cases = [
    [{}, 401],
    [{ authorization: bearer(mint(claims("u1"))) }, 403],
  ];
  for (const [auth, status] of cases) {
    const path = status === 403 ? "/api/v1/u2/tasks" : "/api/v1/u1/tasks";
    const allowed = await refused({ path, headers: { ...auth, origin: APP2 } });
    assert.equal(allowed.status, status);
    assert.equal(allowed.headers["access-control-allow-origin"], APP2);
    assert.equal(allowed.headers["access-control-allow-credentials"], "true");
    assert.match(allowed.headers["access-control-expose-headers"], /WWW-Authenticate/);
    assert.match(allowed.headers.vary, /\bOrigin\b/);
    const denied = await refused({ path, headers: { ...auth, origin: EVIL } });
    assert.equal(denied.status, status);
    assert.equal(denied.headers["access-control-allow-origin"], undefined);
    // An origin differing only by case, port or a trailing path is not the allowed one.
    for (const near of ["http://LOCALHOST:3000", "http://localhost:3001", "http://localhost:3000.evil.com"]) {
      const r = await refused({ path, headers: { ...auth, origin: near } });
      assert.equal(r.headers["access-control-allow-origin"], undefined, near);
    }
  }
});

test("proxied responses: the edge's CORS headers replace the origin's", async () => {
  const allowed = await send({ path: "/cors", headers: { origin: APP } });
  assert.equal(allowed.status, 200);
  assert.equal(allowed.headers["access-control-allow-origin"], APP);
  const denied = await send({ path: "/cors", headers: { origin: EVIL } });
  assert.equal(denied.status, 200);
  assert.equal(denied.headers["access-control-allow-origin"], undefined);
  assert.equal(denied.headers["access-control-allow-credentials"], undefined);
});

test("oversized Authorization → 401 token too large; oversized headers → a 4xx; the worker survives", async () => {
  const big = await refused({ path: "/api/v1/u1/tasks", headers: { authorization: `Bearer ${"a".repeat(9000)}` } });
  assertRefusal(big, 401, "Invalid token: token too large", CHALLENGE_INVALID);

  let huge;
  try {
    huge = await refused({ path: "/api/v1/u1/tasks", headers: { authorization: `Bearer ${"a".repeat(200_000)}` } });
  } catch (e) {
    huge = { status: 0, error: e }; // a closed connection is acceptable too, a crash is not
  }
  assert.ok(huge.status === 0 || (huge.status >= 400 && huge.status < 500), `got ${huge.status}`);

  const after = await send({ path: "/api/v1/u1/tasks", headers: { authorization: bearer(mint(claims("u1"))) } });
  assert.equal(after.status, 200, "the worker still serves after oversized input");
});

test("origin timeout → 502 Origin unavailable", async () => {
  const started = Date.now();
  const res = await send({ path: "/hang", timeoutMs: 20_000 });
  assert.equal(res.status, 502, res.body);
  assert.deepEqual(res.json, { detail: "Origin unavailable" });
  assert.ok(Date.now() - started < 10_000, "answered within the configured deadline");
});

test("one JSON log line per refusal, with code, method, path and request id, never the token", async () => {
  const token = mint(claims("u1"));
  const res = await refused({ method: "DELETE", path: "/api/v1/u2/tasks/9", headers: { authorization: bearer(token) } });
  assert.equal(res.status, 403);
  const id = res.headers["x-request-id"];
  await new Promise((r) => setTimeout(r, 500)); // let wrangler flush stdout
  const lines = worker
    .output()
    .split("\n")
    .filter((l) => l.includes(`"request_id":"${id}"`));
  assert.equal(lines.length, 1, worker.output().slice(-2000));
  const entry = JSON.parse(lines[0].slice(lines[0].indexOf("{")));
  assert.deepEqual(
    { event: entry.event, code: entry.code, status: entry.status, method: entry.method, path: entry.path },
    { event: "refused", code: "user_mismatch", status: 403, method: "DELETE", path: "/api/v1/u2/tasks/9" },
  );
  assert.equal(worker.output().includes(token.split(".")[2]), false, "a token signature was logged");
  assert.equal(worker.output().includes(SECRET), false, "the secret was logged");
});

// Last: stops the echo origin.
test("origin down → 502 Origin unavailable", async () => {
  await origin.close();
  const res = await send({ path: "/api/v1/u1/tasks", headers: { authorization: bearer(mint(claims("u1"))), origin: APP } });
  assert.equal(res.status, 502, res.body);
  assert.deepEqual(res.json, { detail: "Origin unavailable" });
  assert.equal(res.headers["access-control-allow-origin"], APP);
  const outside = await send({ path: "/health" });
  assert.equal(outside.status, 502, outside.body);
});
