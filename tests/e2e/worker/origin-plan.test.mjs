// The worker only translates (the core's host contract): what the origin receives is the
// core's origin plan (auth cookies, trusted proxies), repeated Authorization lines get the
// core's combined rule, and the options are read by the core table's env names (older
// names still work, with a log line naming the new one).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import { SECRET, HOST, mint, claims, bearer, startEchoOrigin, startWorker, request } from "./harness.mjs";

const APP = "https://app.example";

let origin;
let plain; // defaults: auth cookies removed
let named; // the table's names: JWT_ISSUER / JWT_AUDIENCE, FORWARD_AUTH_COOKIES, TRUSTED_PROXIES
let aliased; // the names the README documented before: ISSUER / AUDIENCE; COOKIE_PREFIX, STRIP_COOKIES
const workers = [];

before(async () => {
  origin = await startEchoOrigin();
  plain = await startWorker({ BETTER_AUTH_SECRET: SECRET, ORIGIN_URL: origin.url });
  workers.push(plain);
  named = await startWorker({
    BETTER_AUTH_SECRET: SECRET, ORIGIN_URL: origin.url,
    JWT_ISSUER: APP, JWT_AUDIENCE: APP, FORWARD_AUTH_COOKIES: "true", TRUSTED_PROXIES: "1",
  });
  workers.push(named);
  aliased = await startWorker({
    BETTER_AUTH_SECRET: SECRET, ORIGIN_URL: origin.url,
    ISSUER: APP, AUDIENCE: APP, COOKIE_PREFIX: "myapp", STRIP_COOKIES: "legacy_sid",
  });
  workers.push(aliased);
});

after(async () => {
  for (const w of workers) await w.stop();
  await origin?.close();
});

/** Every value a header line of `name` carried to the origin, in order. */
function lines(seen, name) {
  const out = [];
  for (let i = 0; i < seen.rawHeaders.length; i += 2) if (seen.rawHeaders[i].toLowerCase() === name) out.push(seen.rawHeaders[i + 1]);
  return out;
}

const BA_COOKIES = "theme=dark; better-auth.session_token=s3ss10n.c2ln; better-auth.session_data.0=chunk0; "
  + "__Secure-better-auth.session_token=s3cure; better-auth-admin_session=adm; a=b";

test("finding 3: Better Auth's session cookies never reach the origin (allowed and unprotected requests)", async () => {
  for (const [path, auth] of [["/api/v1/u1/tasks", { authorization: bearer(mint(claims("u1"))) }], ["/public/page", {}]]) {
    const res = await request(plain.port, { path, headers: { ...auth, cookie: BA_COOKIES } });
    assert.equal(res.status, 200, res.body);
    assert.deepEqual(lines(res.json, "cookie"), ["theme=dark; a=b"], path);
    const text = JSON.stringify(res.json.rawHeaders);
    for (const secret of ["s3ss10n", "chunk0", "s3cure", "adm"]) assert.equal(text.includes(secret), false, `${path}: ${secret}`);
  }
  // Only auth cookies: no Cookie header at all.
  const only = await request(plain.port, {
    path: "/api/v1/u1/tasks",
    headers: { authorization: bearer(mint(claims("u1"))), cookie: "better-auth.session_token=s3ss10n.c2ln" },
  });
  assert.equal(only.status, 200, only.body);
  assert.deepEqual(lines(only.json, "cookie"), []);
  // Other cookies pass as they are.
  const none = await request(plain.port, { path: "/public/page", headers: { cookie: "theme=dark; a=b" } });
  assert.deepEqual(lines(none.json, "cookie"), ["theme=dark; a=b"]);
});

test("COOKIE_PREFIX and STRIP_COOKIES name the cookies removed; FORWARD_AUTH_COOKIES=true keeps them", async () => {
  const token = bearer(mint(claims("u1", { iss: APP, aud: APP })));
  const cookie = "myapp.session_token=mine; __Secure-myapp-x=sec; legacy_sid=old; legacy_sid.1=old1; better-auth.session_token=other; a=b";
  const stripped = await request(aliased.port, { path: "/api/v1/u1/tasks", headers: { authorization: token, cookie } });
  assert.equal(stripped.status, 200, stripped.body);
  // The default prefix is replaced by COOKIE_PREFIX: a better-auth.* cookie is then an ordinary one.
  assert.deepEqual(lines(stripped.json, "cookie"), ["better-auth.session_token=other; a=b"]);

  const kept = await request(named.port, { path: "/api/v1/u1/tasks", headers: { authorization: token, cookie: BA_COOKIES } });
  assert.equal(kept.status, 200, kept.body);
  assert.deepEqual(lines(kept.json, "cookie"), [BA_COOKIES]);
});

test("TRUSTED_PROXIES=1: the proxy's X-Forwarded-For is kept and the edge appends the address it saw", async () => {
  const token = bearer(mint(claims("u1", { iss: APP, aud: APP })));
  const headers = { authorization: token, "x-forwarded-for": "203.0.113.9", "x-forwarded-proto": "https" };
  const trusted = await request(named.port, { path: "/api/v1/u1/tasks", headers });
  assert.equal(trusted.status, 200, trusted.body);
  assert.deepEqual(lines(trusted.json, "x-forwarded-for"), ["203.0.113.9, 127.0.0.1"]);
  assert.deepEqual(lines(trusted.json, "x-forwarded-proto"), ["https"]);
  // Without it (the default) the client's statements never pass.
  const untrusted = await request(plain.port, { path: "/api/v1/u1/tasks", headers: { ...headers, authorization: bearer(mint(claims("u1"))) } });
  assert.deepEqual(lines(untrusted.json, "x-forwarded-for"), ["127.0.0.1"]);
  assert.deepEqual(lines(untrusted.json, "x-forwarded-proto"), ["http"]);
});

/** One request written byte for byte on a socket (repeated field lines kept as sent). */
function rawRequest(port, head) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, HOST);
    let data = "";
    socket.setTimeout(15_000, () => socket.destroy(new Error("raw request timed out")));
    socket.on("data", (d) => (data += d));
    socket.on("end", () => {
      const [statusLine, ...rest] = data.split("\r\n");
      const body = data.slice(data.indexOf("\r\n\r\n") + 4);
      let json;
      try {
        json = JSON.parse(body);
      } catch {}
      resolve({ status: Number(statusLine.split(" ")[1]), head: rest, body, json });
    });
    socket.on("error", reject);
    socket.write(head.join("\r\n") + "\r\n\r\n");
  });
}

test("finding 10: repeated Authorization lines are one combined value (the core's rule): refused, never forwarded", async () => {
  const token = mint(claims("u1"));
  const cases = [
    ["the same token twice", [`Authorization: ${bearer(token)}`, `Authorization: ${bearer(token)}`]],
    ["another user's token, then one's own", [`Authorization: ${bearer(mint(claims("u2")))}`, `Authorization: ${bearer(token)}`]],
    ["another scheme, then a token", ["Authorization: Basic dTE6cHc=", `Authorization: ${bearer(token)}`]],
  ];
  for (const [name, authLines] of cases) {
    const before = origin.seen.length;
    const res = await rawRequest(plain.port, [
      "GET /api/v1/u1/tasks HTTP/1.1", `Host: ${HOST}:${plain.port}`, ...authLines, "Connection: close",
    ]);
    assert.equal(res.status, 401, `${name}: ${res.body}`);
    assert.equal(origin.seen.length, before, `${name}: the origin was reached`);
  }
  // One line is still the ordinary case.
  const one = await rawRequest(plain.port, ["GET /api/v1/u1/tasks HTTP/1.1", `Host: ${HOST}:${plain.port}`, `Authorization: ${bearer(token)}`, "Connection: close"]);
  assert.equal(one.status, 200, one.body);
});

// Under `wrangler dev` an empty Authorization line never reaches the worker: the runtime's
// Headers hold only the token (an empty X-Other line, by contrast, arrives as ", b"), so the
// worker cannot tell this request from a one-line one. The npm package, the FastAPI
// dependency and the ASGI middleware see the lines and refuse it (tests/host-parity).
test("finding 10: an empty Authorization line, then a token → 401 missing_authorization", {
  todo: "workerd/wrangler dev drop the empty Authorization line before the worker sees its Headers",
}, async () => {
  const token = mint(claims("u1"));
  const before = origin.seen.length;
  const res = await rawRequest(plain.port, [
    "GET /api/v1/u1/tasks HTTP/1.1", `Host: ${HOST}:${plain.port}`, "Authorization: ", `Authorization: ${bearer(token)}`, "Connection: close",
  ]);
  assert.equal(res.status, 401, res.body);
  assert.deepEqual(res.json, { detail: "Missing or invalid Authorization header" });
  assert.equal(origin.seen.length, before);
});

test("issuer/audience: JWT_ISSUER / JWT_AUDIENCE (the table's names) and ISSUER / AUDIENCE (aliases, logged) are enforced", async () => {
  for (const w of [named, aliased]) {
    const good = await request(w.port, { path: "/api/v1/u1/tasks", headers: { authorization: bearer(mint(claims("u1", { iss: APP, aud: APP }))) } });
    assert.equal(good.status, 200, good.body);
    const wrongIss = await request(w.port, { path: "/api/v1/u1/tasks", headers: { authorization: bearer(mint(claims("u1", { iss: "https://evil.example", aud: APP }))) } });
    assert.equal(wrongIss.status, 401, wrongIss.body);
    assert.deepEqual(wrongIss.json, { detail: "Invalid token: invalid issuer" });
    const noAud = await request(w.port, { path: "/api/v1/u1/tasks", headers: { authorization: bearer(mint(claims("u1", { iss: APP }))) } });
    assert.equal(noAud.status, 401, noAud.body);
  }
  const alias = /"event":"config_alias","option":"JWT_ISSUER","alias":"ISSUER"/;
  assert.match(await aliased.outputMatching(alias), alias);
  assert.match(aliased.output(), /"event":"config_alias","option":"JWT_AUDIENCE","alias":"AUDIENCE"/);
  assert.doesNotMatch(named.output(), /config_alias/);
});

test("a configuration error logs the core's code and the variable at fault (its env name)", async () => {
  const cases = [
    [{ COOKIE_PREFIX: "bad prefix" }, "invalid_cookie_name", "COOKIE_PREFIX"],
    [{ BETTER_AUTH_SECRET: "k3Jx9vQ2mW7pL4tZ" }, "secret_too_short", "BETTER_AUTH_SECRET"],
    [{ BETTER_AUTH_SECRET: "" }, "missing_secret", "BETTER_AUTH_SECRET"],
    [{ TRUSTED_PROXIES: "many" }, "trusted_proxies_invalid", "TRUSTED_PROXIES"],
    [{ FORWARD_AUTH_COOKIES: "yes" }, "forward_auth_cookies_invalid", "FORWARD_AUTH_COOKIES"],
  ];
  for (const [vars, code, option] of cases) {
    const w = await startWorker({ BETTER_AUTH_SECRET: SECRET, ORIGIN_URL: origin.url, ...vars });
    workers.push(w);
    const before = origin.seen.length;
    const res = await request(w.port, { path: "/api/v1/u1/tasks", headers: { authorization: bearer(mint(claims("u1"))) } });
    assert.equal(res.status, 500, res.body);
    assert.deepEqual(res.json, { detail: "Gate misconfigured" });
    const logged = new RegExp(`"event":"misconfigured","code":"${code}","option":"${option}"`);
    assert.match(await w.outputMatching(logged), logged, JSON.stringify(vars));
    assert.equal(origin.seen.length - before, 0);
    await w.stop();
  }
});
