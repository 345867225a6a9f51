// The core's session decision (through `jwtgate check-session`, the CLI over the core) held
// to Better Auth's own getSession on cookies the real package minted: every strategy,
// chunked caches, secure and custom prefixes, a version, a secret rotation, and the
// tampered, foreign, expired and revoked cases the issue lists. Where the gate allows,
// Better Auth must allow the same user; where it refuses, Better Auth must refuse; where the
// cache cannot decide (refresh), the gate's answer on Better Auth's own get-session answer
// must again agree with it.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import {
  SESSION_SECRET,
  SESSION_BASE_URL,
  startSessionAuth,
  signUpWithSession,
} from "../fixtures/better-auth/sessions.mjs";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const CLI = path.join(ROOT, "target/debug/jwtgate");
const closers = [];
after(() => closers.forEach((close) => close()));

/** The core's verdict: { verdict, code, sub }. */
function gate(env, cookie, { path: p = "/api/v1/me/profile", method = "GET", origin, refreshed, now } = {}) {
  const args = ["check-session", "--json", "--path", p, "--method", method, "-"];
  if (now !== undefined) args.push("--now", String(now));
  if (origin) args.push("--origin", origin);
  if (refreshed !== undefined) args.push("--refreshed", JSON.stringify(refreshed));
  let out;
  try {
    out = execFileSync(CLI, args, { input: cookie, env: { PATH: process.env.PATH, ...env } });
  } catch (e) {
    if (e.status !== 1) throw new Error(`check-session failed: ${e.stderr}`);
    out = e.stdout;
  }
  return JSON.parse(String(out));
}

async function app(opts = {}) {
  const a = await startSessionAuth(opts);
  closers.push(() => a.close());
  const env = {
    BETTER_AUTH_SECRET: opts.gateSecret ?? SESSION_SECRET,
    BETTER_AUTH_URL: opts.baseURL ?? SESSION_BASE_URL,
    SESSION_STRATEGY: opts.strategy ?? "compact",
    ...(opts.prefix ? { COOKIE_PREFIX: opts.prefix } : {}),
    ...(opts.secure ? { SECURE_COOKIES: "true" } : {}),
    ...(opts.version ? { SESSION_CACHE_VERSION: opts.version } : {}),
  };
  if (opts.strategy === "jwks") {
    env.JWKS = await a.jwks();
    env.JWT_ISSUER = SESSION_BASE_URL;
    env.JWT_AUDIENCE = SESSION_BASE_URL;
  }
  return { ...a, env };
}

/**
 * The gate agrees with Better Auth on `cookie`: returns the gate's first verdict.
 * A refresh verdict is followed by the gate's decision on Better Auth's answer.
 */
async function agree(a, cookie, opts = {}) {
  const oracle = await a.verdict(cookie);
  const first = gate(a.env, cookie, opts);
  const final = first.verdict === "refresh" ? gate(a.env, cookie, { ...opts, refreshed: oracle }) : first;
  if (final.verdict === "session") {
    assert.ok(oracle, `gate allowed (${first.verdict}) what Better Auth refuses`);
    assert.equal(final.sub, oracle.user.id);
  } else {
    assert.equal(final.verdict, "refuse");
    if (!opts.path || opts.path === "/api/v1/me/profile") assert.equal(oracle, null, `gate refused ${final.code} what Better Auth accepts`);
  }
  return first;
}

for (const strategy of ["compact", "jwt", "jwe", "jwks"]) {
  test(`${strategy}: a fresh cache decides alone, for its user only`, async () => {
    const a = await app({ strategy });
    const { user, cookie } = await signUpWithSession(a.auth);
    assert.deepEqual(await agree(a, cookie), { verdict: "session", code: null, sub: user.id });
    assert.equal(gate(a.env, cookie, { path: `/api/v1/${user.id}/tasks` }).verdict, "session");
    assert.equal(gate(a.env, cookie, { path: "/api/v1/someone-else/tasks" }).code, "user_mismatch");
    // Pinned strategy: another strategy's gate does not read this cache.
    const other = strategy === "compact" ? "jwt" : "compact";
    const env = { ...a.env, SESSION_STRATEGY: other };
    if (other !== "jwks") assert.equal(gate(env, cookie).code, "session_cache_strategy");
  });
}

test("chunked caches (a large image), secure and custom prefixes", async () => {
  for (const opts of [{}, { secure: true }, { prefix: "my-app" }, { secure: true, prefix: "my-app", strategy: "jwe" }]) {
    const a = await app(opts);
    const { cookie } = await signUpWithSession(a.auth, { image: `https://img.example/${"x".repeat(6000)}` });
    assert.match(cookie, /session_data\.1=/, "the cache is chunked");
    assert.equal((await agree(a, cookie)).verdict, "session", JSON.stringify(opts));
    // Missing or reordered chunks: the cache does not decide; Better Auth's store does.
    const parts = cookie.split("; ");
    const dropped = parts.filter((p) => !/session_data\.1=/.test(p)).join("; ");
    assert.equal((await agree(a, dropped)).verdict, "refresh");
    const swapped = parts.map((p) => p.replace(/session_data\.0=/, "session_data.TMP=").replace(/session_data\.1=/, "session_data.0=").replace(/session_data\.TMP=/, "session_data.1=")).join("; ");
    assert.equal((await agree(a, swapped)).code, "session_cache_invalid");
  }
});

test("tampered, foreign and unsigned cookies", async () => {
  const a = await app();
  const me = await signUpWithSession(a.auth);
  const other = await signUpWithSession(a.auth);
  const token = (c) => c.split("; ").find((p) => p.includes("session_token="));
  const data = (c) => c.split("; ").find((p) => p.includes("session_data="));
  // Another user's cache beside my session cookie: never read as mine.
  const mixed = `${token(me.cookie)}; ${data(other.cookie)}`;
  assert.equal((await agree(a, mixed)).code, "session_cache_unbound");
  // A changed cache byte, a changed signature byte.
  const flip = (s, i) => s.slice(0, i) + (s[i] === "A" ? "B" : "A") + s.slice(i + 1);
  const d = data(me.cookie);
  assert.equal((await agree(a, `${token(me.cookie)}; ${flip(d, d.length - 60)}`)).verdict, "refresh");
  const t = token(me.cookie);
  const forged = `${flip(t, t.indexOf("=") + 3)}; ${d}`;
  assert.equal((await agree(a, forged)).code, "session_invalid");
  // A secret Better Auth does not sign with.
  const env = { ...a.env, BETTER_AUTH_SECRET: "Zq9Wx2Ec4Rv6Tb8Yn1Um3Ik5Ol7Pa0Sd-another-secret" };
  assert.equal(gate(env, me.cookie).code, "session_invalid");
});

test("expiry: an expired cache refreshes; a revoked session is refused after refresh", async () => {
  const a = await app({ maxAge: 60 });
  const { cookie, user } = await signUpWithSession(a.auth);
  // Ten minutes on, the 60 s cache has expired while the session lives.
  const later = Math.floor(Date.now() / 1000) + 600;
  const first = gate(a.env, cookie, { now: later });
  assert.deepEqual(first, { verdict: "refresh", code: "session_cache_expired", sub: null });
  const answer = await a.verdict(cookie);
  assert.equal(gate(a.env, cookie, { refreshed: answer }).sub, user.id);
  // Revoked: Better Auth's answer is null, and the gate refuses on it.
  await a.auth.api.revokeSessions({ headers: new Headers({ cookie }) });
  assert.equal(await a.verdict(`${cookie.split("; ")[0]}`), null);
  assert.equal(gate(a.env, cookie, { refreshed: null }).code, "session_invalid");
  // A session that has ended, with a cache that still looks fresh: never allowed.
  const week = Math.floor(Date.now() / 1000) + 8 * 24 * 3600;
  assert.notEqual(gate(a.env, cookie, { now: week }).verdict, "session");
});

test("a cache version and a secret rotation, as Better Auth does them", async () => {
  const v = await app({ version: "2" });
  const { cookie } = await signUpWithSession(v.auth);
  assert.equal((await agree(v, cookie)).verdict, "session");
  assert.equal(gate({ ...v.env, SESSION_CACHE_VERSION: "1" }, cookie).code, "session_cache_invalid");

  const OLD = "Ab3Cd5Ef7Gh9Ij1Kl2Mn4Op6Qr8St0Uv-old-secret";
  const NEW = "Wx2Yz4Ab6Cd8Ef0Gh1Ij3Kl5Mn7Op9Qr-new-secret";
  const before = await app({ secret: OLD, gateSecret: OLD });
  const old = await signUpWithSession(before.auth);
  // Better Auth rotated: the new secret signs and checks; the old cookie signs everyone out.
  const rotated = await app({ secret: { secrets: [{ version: 2, value: NEW }, { version: 1, value: OLD }] }, gateSecret: NEW });
  assert.equal(await rotated.verdict(old.cookie), null);
  assert.equal(gate(rotated.env, old.cookie).code, "session_invalid");
  const fresh = await signUpWithSession(rotated.auth);
  assert.equal((await agree(rotated, fresh.cookie)).verdict, "session");
});

test("CSRF and bearer together with cookies", async () => {
  const a = await app();
  const { cookie, user } = await signUpWithSession(a.auth);
  const p = `/api/v1/${user.id}/tasks`;
  assert.equal(gate(a.env, cookie, { path: p, method: "POST" }).code, "csrf_origin_missing");
  assert.equal(gate(a.env, cookie, { path: p, method: "POST", origin: "https://evil.example" }).code, "csrf_origin_untrusted");
  assert.equal(gate(a.env, cookie, { path: p, method: "POST", origin: "null" }).code, "csrf_origin_missing");
  assert.equal(gate(a.env, cookie, { path: p, method: "POST", origin: SESSION_BASE_URL }).verdict, "session");
});
