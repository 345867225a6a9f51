// Session-mode benchmark (issue 22) of the BUILT package (pkg/): one request decided from
// Better Auth's session cookies (compact cache, a default user from the real better-auth
// package) vs the same user's bearer token in the shape Better Auth's JWT plugin gives it
// (the user object, then iat/iss/aud/exp/sub: issue 22's 541-byte comparison; HS256 so
// that both sides hash with the same secret; token cache off, so every call verifies), vs Better Auth's own getCookieCache (same cookies, signature and
// expiry only: no binding to the session cookie, no path rule) and auth.api.getSession
// with the cookie cache off (SQLite through better-sqlite3). Alternating rounds, median
// µs/op. Before timing, every contender must accept the request and refuse a tampered one.
//
//   node benches/node/session.mjs [--out target/bench/session.json]
// Env: BENCH_ROUNDS (default 11), BENCH_BATCH_MS (default 30).
import { writeFileSync } from "node:fs";
import { getCookieCache } from "better-auth/cookies";
import { SESSION_BASE_URL, SESSION_SECRET, signUpWithSession, startSessionAuth } from "../../tests/fixtures/better-auth/sessions.mjs";

const { Gate } = await import(new URL("../../pkg/index.node.js", import.meta.url));
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 11);
const BATCH_MS = Number(process.env.BENCH_BATCH_MS ?? 30);
const args = process.argv.slice(2);
const out = args.includes("--out") ? args[args.indexOf("--out") + 1] : undefined;

const fx = await startSessionAuth({ strategy: "compact" });
const me = await signUpWithSession(fx.auth);
const path = `/api/v1/${me.user.id}/tasks`;
const tampered = me.cookie.replace(/(session_data=[^;]{10})./, (m, head) => head + (m.at(-1) === "A" ? "B" : "A"));

const sessionGate = new Gate({ secret: SESSION_SECRET, sessionStrategy: "compact", baseUrl: SESSION_BASE_URL, cacheSize: 0 });
const issued = { issuer: SESSION_BASE_URL, audience: SESSION_BASE_URL };
const tokenGate = new Gate({ secret: SESSION_SECRET, ...issued, cacheSize: 0 });
// As users get them: the verified cache on (repeats of the same cookies, or the same token).
const sessionDefault = new Gate({ secret: SESSION_SECRET, sessionStrategy: "compact", baseUrl: SESSION_BASE_URL });
const tokenDefault = new Gate({ secret: SESSION_SECRET, ...issued });
const now = Math.floor(Date.now() / 1000);
// The JWT plugin's payload: the session's user object, then iat/iss/aud/exp/sub.
const token = tokenGate.mint({ ...me.user, iat: now, iss: SESSION_BASE_URL, aud: SESSION_BASE_URL, exp: now + 900, sub: me.user.id });
const sessionRequest = { method: "GET", url: path, headers: { cookie: me.cookie } };
const tokenRequest = { method: "GET", url: path, headers: { authorization: `Bearer ${token}` } };
const headers = new Headers({ cookie: me.cookie });

const contenders = {
  "jwtgate session cookie (compact)": { sync: true, run: () => sessionGate.authorize(sessionRequest).allowed, bad: () => sessionGate.authorize({ ...sessionRequest, headers: { cookie: tampered } }).allowed },
  "jwtgate bearer token (HS256, uncached)": { sync: true, run: () => tokenGate.authorize(tokenRequest).allowed, bad: () => tokenGate.authorize({ ...tokenRequest, headers: { authorization: `Bearer ${token.slice(0, -2)}AA` } }).allowed },
  "jwtgate session cookie (compact), cache on": { sync: true, run: () => sessionDefault.authorize(sessionRequest).allowed, bad: () => sessionDefault.authorize({ ...sessionRequest, headers: { cookie: tampered } }).allowed },
  "jwtgate bearer token (HS256), cache on": { sync: true, run: () => tokenDefault.authorize(tokenRequest).allowed, bad: () => tokenDefault.authorize({ ...tokenRequest, headers: { authorization: `Bearer ${token.slice(0, -2)}AA` } }).allowed },
  "better-auth getCookieCache": { run: async () => (await getCookieCache(headers, { secret: SESSION_SECRET, strategy: "compact" })) !== null, bad: async () => (await getCookieCache(new Headers({ cookie: tampered }), { secret: SESSION_SECRET, strategy: "compact" })) !== null },
  "better-auth getSession (cache off, SQLite)": { run: async () => (await fx.auth.api.getSession({ headers, query: { disableCookieCache: true } })) !== null, bad: async () => (await fx.auth.api.getSession({ headers: new Headers({ cookie: me.cookie.replace(/session_token=[^;]{4}/, "session_token=XXXX") }), query: { disableCookieCache: true } })) !== null },
};

for (const [name, c] of Object.entries(contenders)) {
  if ((await c.run()) !== true) throw new Error(`${name} does not accept the request`);
  if ((await c.bad()) !== false) throw new Error(`${name} accepts a tampered request`);
}

async function batch(c) {
  let ops = 0;
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < BATCH_MS) {
    for (let i = 0; i < 50; i++) c.sync ? c.run() : await c.run();
    ops += 50;
    t = performance.now();
  }
  return ((t - t0) * 1000) / ops;
}

const samples = Object.fromEntries(Object.keys(contenders).map((n) => [n, []]));
const names = Object.keys(contenders);
for (let r = 0; r < ROUNDS; r++) {
  for (let i = 0; i < names.length; i++) {
    const name = names[(i + r) % names.length];
    samples[name].push(await batch(contenders[name]));
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const result = Object.fromEntries(names.map((n) => [n, { usPerOp: Number(median(samples[n]).toFixed(2)) }]));
for (const [name, { usPerOp }] of Object.entries(result)) console.log(`${name.padEnd(44)} ${usPerOp.toFixed(2).padStart(9)} µs/op`);
const us = (name) => result[name].usPerOp;
const session = us("jwtgate session cookie (compact)");
const sessionCached = us("jwtgate session cookie (compact), cache on");
const ratio = (x) => Number(x.toFixed(2));
// Issue 22's targets, ratios in this run (benches/report.mjs reads `targets` and `markdown`).
// Against Better Auth: jwtgate as users get it (cache on), as the token targets compare.
const targets = [
  { label: "session cookie (compact) / same user's bearer token, uncached, npm", value: ratio(session / us("jwtgate bearer token (HS256, uncached)")), op: "≤", limit: 2, unit: "×" },
  { label: "session cookie repeat / bearer token repeat, cache on, npm", value: ratio(sessionCached / us("jwtgate bearer token (HS256), cache on")), op: "≤", limit: 1.5, unit: "×" },
  { label: "better-auth getCookieCache / jwtgate session cookie (cache on)", value: ratio(us("better-auth getCookieCache") / sessionCached), op: "≥", limit: 10, unit: "×" },
  { label: "better-auth getSession (cache off, SQLite) / jwtgate session cookie (cache on)", value: ratio(us("better-auth getSession (cache off, SQLite)") / sessionCached), op: "≥", limit: 100, unit: "×" },
];
const markdown = `### Session mode (issue 22, benches/node/session.mjs)

One request decided from a default user's Better Auth cookies (compact cache, ${me.cookie.length} bytes) beside the same user's token in the JWT plugin's shape (${token.length} bytes), in Node, median of ${ROUNDS} alternating rounds:

| contender | µs/op |
|---|---:|
${names.map((n) => `| ${n} | ${us(n)} |`).join("\n")}
`;
if (out) writeFileSync(out, JSON.stringify({ rounds: ROUNDS, batchMs: BATCH_MS, result, targets, markdown }, null, 2) + "\n");
fx.close();
