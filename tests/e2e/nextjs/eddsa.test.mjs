// Better Auth's own JWT plugin tokens (EdDSA, keys at /api/auth/jwks) through both Next.js
// runtimes (issue 13): the example app, unchanged but for its environment, with its real
// jwt() plugin and SQLite file; proxy.ts / middleware.ts follow the app's own key set
// (JWKS_URL) and bridge to the spec's FastAPI origin (ORIGIN_TOKEN=hs256), which only knows
// HS256 tokens signed with BETTER_AUTH_SECRET.
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createHmac, generateKeyPairSync, sign as edSign, randomUUID } from "node:crypto";
import http from "node:http";
import { BUNDLERS, HOST, SECRET, buildApp, startApp, startFastapiOrigin, startEchoOrigin, send, launchChromium } from "./harness.mjs";
import { runAppFlow } from "./app-flow.mjs";

const bundler = BUNDLERS[0] ?? "turbopack";
const b64 = (v) => Buffer.from(typeof v === "string" ? v : JSON.stringify(v)).toString("base64url");
const parts = (token) => token.split(".").slice(0, 2).map((p) => JSON.parse(Buffer.from(p, "base64url")));
const ownKeySet = (url) => ({ JWKS_URL: `${url}/api/auth/jwks`, ORIGIN_TOKEN: "hs256" });

/** Signs up through the app's real Better Auth endpoints; returns the user and its cookie. */
async function signUp(appUrl, name) {
  const email = `${name.toLowerCase()}-${randomUUID().slice(0, 8)}@example.com`;
  const res = await fetch(`${appUrl}/api/auth/sign-up/email`, {
    method: "POST",
    headers: { "content-type": "application/json", origin: appUrl },
    body: JSON.stringify({ email, password: "correct horse battery staple", name }),
  });
  assert.equal(res.status, 200, await res.clone().text());
  const { user } = await res.json();
  const cookie = res.headers.getSetCookie().map((c) => c.split(";")[0]).join("; ");
  return { id: user.id, email, cookie };
}
/** Better Auth's own token endpoint (jwt plugin): an EdDSA JWT for the session's user. */
async function betterAuthToken(appUrl, user) {
  const res = await fetch(`${appUrl}/api/auth/token`, { headers: { cookie: user.cookie } });
  assert.equal(res.status, 200, await res.clone().text());
  return (await res.json()).token;
}
async function jwtgateToken(appUrl, user) {
  const res = await fetch(`${appUrl}/api/auth/jwtgate/token`, { headers: { cookie: user.cookie } });
  assert.equal(res.status, 200, await res.clone().text());
  return (await res.json()).token;
}
const bearer = (token, extra = {}) => ({ authorization: `Bearer ${token}`, ...extra });

for (const runtime of ["node", "edge"]) {
  describe(`Better Auth jwt() tokens through Next.js (${runtime} runtime, ${bundler})`, { timeout: 600_000 }, () => {
    let origin, app;
    before(async () => {
      await buildApp({ runtime, bundler });
      origin = await startFastapiOrigin({ secret: SECRET });
      if (!origin) return;
      app = await startApp({ runtime, originUrl: origin.url, env: ownKeySet });
    }, { timeout: 420_000 });
    after(async () => {
      await app?.close();
      await origin?.close();
    });

    test("the app's own EdDSA tokens reach the spec's origin through the bridge; other users' paths are 403", { timeout: 60_000 }, async (t) => {
      if (!origin) return t.skip("examples/fastapi-origin/.venv missing (make setup)");
      const ada = await signUp(app.url, "Ada");
      const token = await betterAuthToken(app.url, ada);
      const [header, payload] = parts(token);
      assert.equal(header.alg, "EdDSA");
      assert.match(header.kid, /^\S+$/);
      assert.deepEqual([payload.sub, payload.iss, payload.aud, payload.exp - payload.iat], [ada.id, app.url, app.url, 900]);

      const path = `/api/v1/${ada.id}/tasks`;
      const created = await send(app.url, { method: "POST", path, headers: bearer(token, { "content-type": "application/json", "x-user-id": "mallory" }), body: '{"title":"Sign the lease"}' });
      assert.equal(created.status, 200, created.text);
      assert.equal(created.json.identity_header, ada.id);
      const list = await send(app.url, { path, headers: bearer(token) });
      assert.equal(list.status, 200, list.text);
      assert.deepEqual(list.json.tasks.map((task) => task.title), ["Sign the lease"]);

      const grace = await signUp(app.url, "Grace");
      const other = await send(app.url, { path: `/api/v1/${grace.id}/tasks`, headers: bearer(token) });
      assert.deepEqual([other.status, other.json], [403, { detail: "User ID in path does not match authenticated user" }]);
      const hers = await send(app.url, { path: `/api/v1/${grace.id}/tasks`, headers: bearer(await betterAuthToken(app.url, grace)) });
      assert.deepEqual([hers.status, hers.json.tasks], [200, []]);

      // jwtgate's own HS256 tokens still pass in this mode: the plugin signs the same iss/aud.
      const hs = await jwtgateToken(app.url, ada);
      assert.deepEqual([parts(hs)[0].alg, parts(hs)[1].iss], ["HS256", app.url]);
      const again = await send(app.url, { path, headers: bearer(hs) });
      assert.equal(again.status, 200, again.text);
    });

    test("the attack list is refused before the origin (401, the spec's detail)", { timeout: 60_000 }, async (t) => {
      if (!origin) return t.skip("examples/fastapi-origin/.venv missing (make setup)");
      const ada = await signUp(app.url, "Ada");
      const token = await betterAuthToken(app.url, ada);
      const [header, payload] = parts(token);
      const [h, p, s] = token.split(".");
      const other = generateKeyPairSync("ed25519").privateKey;
      const edSigned = (hdr, pl, key = other) => {
        const input = `${b64(hdr)}.${b64(pl)}`;
        return `${input}.${edSign(null, Buffer.from(input), key).toString("base64url")}`;
      };
      const SIG = "Invalid token: signature verification failed";
      const { keys } = await (await fetch(`${app.url}/api/auth/jwks`)).json();
      const jwk = keys.find((k) => k.kid === header.kid);
      assert.equal(jwk?.crv, "Ed25519");
      const hs = (key) => {
        const input = `${b64({ alg: "HS256", typ: "JWT", kid: header.kid })}.${p}`;
        return `${input}.${createHmac("sha256", key).update(input).digest("base64url")}`;
      };
      const cases = [
        ["tampered payload", `${h}.${b64({ ...payload, sub: "someone-else" })}.${s}`, SIG],
        ["tampered signature", `${h}.${p}.${s[0] === "A" ? "B" : "A"}${s.slice(1)}`, SIG],
        ["another key under the same kid", edSigned(header, payload), SIG],
        ["unknown kid", edSigned({ ...header, kid: "not-a-key-of-this-app" }, payload), "Invalid token: unknown signing key"],
        ["alg none", `${b64({ alg: "none" })}.${p}.`, "Invalid token: algorithm not allowed"],
        ["HS256 keyed with the JWK's x bytes", hs(Buffer.from(jwk.x, "base64url")), SIG],
        ["HS256 keyed with the JWK's x text", hs(jwk.x), SIG],
        ["HS256 keyed with the JWK's JSON", hs(JSON.stringify(jwk)), SIG],
      ];
      for (const [name, bad, detail] of cases) {
        const res = await send(app.url, { path: `/api/v1/${ada.id}/tasks`, headers: bearer(bad) });
        // The gate's own details (the origin has no "unknown signing key"): refused before it.
        assert.deepEqual([res.status, res.json?.detail, res.headers.get("www-authenticate")], [401, detail, 'Bearer error="invalid_token"'], name);
      }
    });

    test("without the bridge the spec's origin refuses the EdDSA token itself (the gate forwards it as sent)", { timeout: 90_000 }, async (t) => {
      if (!origin) return t.skip("examples/fastapi-origin/.venv missing (make setup)");
      const echo = await startEchoOrigin();
      // ORIGIN_TOKEN=forward said explicitly: in session mode (the examples' default) the bridge is on by default.
      const plain = await startApp({ runtime, originUrl: origin.url, env: (url) => ({ JWKS_URL: `${url}/api/auth/jwks`, ORIGIN_TOKEN: "forward" }) });
      const mirror = await startApp({ runtime, originUrl: echo.url, env: (url) => ({ JWKS_URL: `${url}/api/auth/jwks`, ORIGIN_TOKEN: "forward" }) });
      try {
        const ada = await signUp(plain.url, "Ada");
        const token = await betterAuthToken(plain.url, ada);
        const refused = await send(plain.url, { path: `/api/v1/${ada.id}/tasks`, headers: bearer(token) });
        assert.equal(refused.status, 401, refused.text);
        // The gate passed it (forward mode: the client's token, the verified identity headers).
        const bob = await signUp(mirror.url, "Bob");
        const seen = await send(mirror.url, { path: `/api/v1/${bob.id}/tasks`, headers: bearer(await betterAuthToken(mirror.url, bob)) });
        assert.equal(seen.status, 200, seen.text);
        assert.equal(parts(seen.json.headers.authorization.replace(/^Bearer /, ""))[0].alg, "EdDSA");
        assert.equal(seen.json.headers["x-user-id"], bob.id);
      } finally {
        await plain.close();
        await mirror.close();
        await echo.close();
      }
    });

    test("fails closed: an unreachable, oversized or unusable key set is 503 until a usable one answers (then one fetch serves all); a bridge without a secret or a bad ORIGIN_TOKEN is 500", { timeout: 120_000 }, async () => {
      const { privateKey, publicKey } = generateKeyPairSync("ed25519");
      const jwks = { keys: [{ ...publicKey.export({ format: "jwk" }), kid: "k1", alg: "EdDSA" }] };
      // What the key-set server answers: down (500), oversized, only keys jwtgate does not use, then the real set.
      const answers = {
        down: (res) => res.writeHead(500).end(),
        oversized: (res) => res.writeHead(200).end(JSON.stringify({ keys: [], pad: "x".repeat(200_000) })),
        junk: (res) => res.writeHead(200).end(JSON.stringify({ keys: [{ kty: "RSA", kid: "r1", n: "AQAB", e: "AQAB" }] })),
        up: (res) => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(jwks)),
      };
      let mode = "down";
      let fetches = 0;
      const keys = http.createServer((req, res) => {
        fetches++;
        answers[mode](res);
      });
      await new Promise((ok) => keys.listen(0, HOST, ok));
      const echo = await startEchoOrigin();
      const jwksUrl = `http://${HOST}:${keys.address().port}/api/auth/jwks`;
      const down = await startApp({ runtime, originUrl: echo.url, env: { JWKS_URL: jwksUrl } });
      try {
        const iat = Math.floor(Date.now() / 1000) - 5;
        const input = `${b64({ alg: "EdDSA", kid: "k1" })}.${b64({ sub: "u1", email: "u1@example.com", iat, exp: iat + 900, iss: down.url, aud: down.url })}`;
        const token = `${input}.${edSign(null, Buffer.from(input), privateKey).toString("base64url")}`;
        const unavailable = async (m) => {
          const res = await send(down.url, { path: "/api/v1/u1/tasks", headers: bearer(token) });
          assert.deepEqual([res.status, res.json, res.headers.get("cache-control")], [503, { detail: "Authentication keys unavailable" }, "no-store"], m);
        };
        // Down: one fetch, then 503 without fetching for the retry interval (lib/gate.ts, 5 s).
        for (let i = 0; i < 4; i++) await unavailable("down");
        assert.equal(fetches, 1, "one fetch while the key set is down, not one per request");
        const retry = () => new Promise((r) => setTimeout(r, 5_200));
        for (const m of ["oversized", "junk"]) {
          mode = m;
          await retry();
          await unavailable(m);
        }
        assert.equal(fetches, 3);
        assert.equal(echo.seen.length, 0, "nothing reached the origin without keys");
        mode = "up";
        await retry();
        const before = fetches;
        for (let i = 0; i < 5; i++) {
          const res = await send(down.url, { path: "/api/v1/u1/tasks", headers: bearer(token) });
          assert.equal(res.status, 200, res.text);
        }
        assert.equal(fetches - before, 1, "one key-set fetch once it answers");
        assert.deepEqual(echo.seen.map((r) => r.headers["x-user-id"]), ["u1", "u1", "u1", "u1", "u1"]);
      } finally {
        await down.close();
      }
      try {
        for (const [name, secret, env] of [
          ["bridge without a secret", undefined, { JWKS_URL: jwksUrl, ORIGIN_TOKEN: "hs256" }],
          ["unknown ORIGIN_TOKEN", SECRET, { ORIGIN_TOKEN: "rs256" }],
        ]) {
          const bad = await startApp({ runtime, secret, originUrl: echo.url, env });
          try {
            const res = await send(bad.url, { path: "/api/v1/u1/tasks", headers: bearer("x.y.z") });
            assert.deepEqual([res.status, res.json], [500, { detail: "Gate misconfigured" }], name);
            assert.equal(bad.log().split("\n").filter((l) => l.includes("[jwtgate] gate misconfigured")).length, 1, `${name}:\n${bad.log()}`);
          } finally {
            await bad.close();
          }
        }
      } finally {
        await echo.close();
        await new Promise((r) => keys.close(() => r()));
      }
    });

    test("the task page in headless Chromium works in this mode too (jwtgate's tokens with iss/aud, bridged)", { timeout: 180_000 }, async (t) => {
      if (!origin) return t.skip("examples/fastapi-origin/.venv missing (make setup)");
      // A fresh app: Better Auth rate-limits sign-ups per client (3 per 10 s in production),
      // and the tests above signed up from this same address.
      const fresh = await startApp({ runtime, originUrl: origin.url, env: ownKeySet });
      const browser = await launchChromium();
      try {
        await runAppFlow(browser, fresh.url);
      } finally {
        await browser.close();
        await fresh.close();
      }
    });
  });
}
