// The key-set contract: what a README snippet that follows Better Auth's JWKS endpoint
// (`Gate.fromJwksUrl(`${BETTER_AUTH_URL}/api/auth/jwks`)`) must keep, against a REAL Better
// Auth app. The better-auth package (the repository's pinned dev dependency) runs in this
// process with its jwt() plugin and memory adapter at baseURL http://127.0.0.1:<port>; its
// own handler (better-auth/node) serves /api/auth/jwks on that port from a node:http server
// that counts requests, and tokens are minted at test time by signing users up (they live
// 15 minutes, so a stored fixture would expire). Not listening at first: the snippet must
// answer 503 while the key set is unreachable, then recover once it is served.
import { randomBytes } from "node:crypto";
import http from "node:http";
import { toNodeHandler } from "better-auth/node";
import { HOST, freePort, nowSecs, signJws } from "../e2e/common.mjs";
import { betterAuthApp, tokenFor } from "../fixtures/better-auth/app.mjs";

/**
 * Prepares the contract: the Better Auth app (not yet listening), its users' tokens, and
 * the environment the snippet runs with. Returns { env, check(base, origin), close() }.
 */
export async function keySetContract() {
  const port = await freePort();
  const baseURL = `http://${HOST}:${port}`;
  const auth = betterAuthApp(baseURL);
  const ada = await tokenFor(auth, "ada@example.com", "Ada");
  const grace = await tokenFor(auth, "grace@example.com", "Grace");
  // Another Better Auth app at the same URL: its own key, a kid this key set does not hold.
  const stranger = await tokenFor(betterAuthApp(baseURL), "eve@example.com", "Eve");
  const handler = toNodeHandler(auth);
  const jwks = { count: 0, server: null };
  const serveJwks = () => new Promise((resolve, reject) => {
    jwks.server = http.createServer((req, res) => { jwks.count += 1; handler(req, res); });
    jwks.server.once("error", reject);
    jwks.server.listen(port, HOST, resolve);
  });
  const close = () => new Promise((resolve) => {
    if (!jwks.server) return resolve();
    jwks.server.closeAllConnections?.();
    jwks.server.close(() => resolve());
  });
  return {
    env: { BETTER_AUTH_URL: baseURL },
    close,
    summary: "Better Auth key set: 503 while down, then 200/403/401, 1 JWKS fetch",
    check: (base, origin) => check(base, origin, { auth, ada, grace, stranger, jwks, serveJwks }),
  };
}

const b64json = (s) => JSON.parse(Buffer.from(s, "base64url").toString("utf8"));

/** The requests and what each must get; returns a list of problems (empty: kept). */
async function check(base, origin, { auth, ada, grace, stranger, jwks, serveJwks }) {
  const problems = [];
  const get = async (path, token, headers = {}) => {
    const res = await fetch(`${base}${path}`, { headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers }, signal: AbortSignal.timeout(20_000) });
    const text = await res.text();
    let json;
    try { json = JSON.parse(text); } catch {}
    return { status: res.status, text, json, wwwAuthenticate: res.headers.get("www-authenticate") };
  };
  const tasks = (user) => `/api/v1/${encodeURIComponent(user)}/tasks`;
  const expect = (what, res, status, detail) => {
    const ok = res.status === status && (detail === undefined || (typeof res.json?.detail === "string" && res.json.detail.includes(detail)));
    if (!ok) problems.push(`${what}: ${res.status} ${res.text.slice(0, 200)}, expected ${status}${detail ? ` {"detail": "${detail}…"}` : ""}`);
    if (ok && status === 401 && !/^Bearer\b/.test(res.wwwAuthenticate ?? "")) problems.push(`${what}: 401 without WWW-Authenticate: Bearer`);
    return ok;
  };
  const header = b64json(ada.token.split(".")[0]);
  const payload = b64json(ada.token.split(".")[1]);
  if (header.alg !== "EdDSA" || !header.kid || payload.iss !== auth.options.baseURL || payload.aud !== auth.options.baseURL || payload.sub !== ada.userId) {
    problems.push(`better-auth minted an unexpected token shape: header ${JSON.stringify(header)}, iss/aud ${payload.iss}/${payload.aud}`);
  }

  // 1. The key set is unreachable: fail closed with 503, twice (a failed start is not cached).
  const seenAtStart = origin.seen.length;
  for (const n of [1, 2]) {
    const down = await get(tasks(ada.userId), ada.token);
    if (down.status !== 503 || typeof down.json?.detail !== "string") problems.push(`key set down (request ${n}): ${down.status} ${down.text.slice(0, 200)}, expected 503 {"detail": …}`);
  }
  if (origin.seen.length !== seenAtStart) problems.push(`with the key set down a request reached the origin`);

  // 2. Served again: the next request fetches it and is allowed (the snippet's retry).
  await serveJwks();
  const own = await get(`${tasks(ada.userId)}?page=2`, ada.token, { "x-user-id": "someone-else" });
  const seen = origin.seen.at(-1);
  if (expect("Ada's Better Auth token on her path, key set back", own, 200)) {
    if (seen?.url !== `${tasks(ada.userId)}?page=2`) problems.push(`own path: the origin saw ${seen?.url ?? "nothing"}`);
    else if (seen.headers["x-user-id"] !== ada.userId) problems.push(`own path: the origin saw x-user-id ${JSON.stringify(seen.headers["x-user-id"])}, expected Ada's id`);
    else if (seen.headers["x-user-email"] !== ada.email) problems.push(`own path: the origin saw x-user-email ${JSON.stringify(seen.headers["x-user-email"])}`);
  }
  const graceOwn = await get(tasks(grace.userId), grace.token);
  if (expect("Grace's token on her path", graceOwn, 200) && origin.seen.at(-1)?.headers["x-user-id"] !== grace.userId) {
    problems.push(`Grace's path: the origin saw x-user-id ${JSON.stringify(origin.seen.at(-1)?.headers["x-user-id"])}`);
  }

  // 3. Refusals: none may reach the origin.
  const before = origin.seen.length;
  expect("Ada's token on Grace's path", await get(tasks(grace.userId), ada.token), 403, "User ID in path does not match authenticated user");
  const [h, p, s] = ada.token.split(".");
  const asGrace = Buffer.from(JSON.stringify({ ...payload, sub: grace.userId, id: grace.userId })).toString("base64url");
  expect("tampered payload (sub → Grace), Grace's path", await get(tasks(grace.userId), `${h}.${asGrace}.${s}`), 401, "Invalid token");
  const flipped = s.slice(0, 10) + (s[10] === "A" ? "B" : "A") + s.slice(11);
  expect("tampered signature", await get(tasks(ada.userId), `${h}.${p}.${flipped}`), 401, "Invalid token");
  const hsClaims = { ...payload, iat: nowSecs() - 10, exp: nowSecs() + 890 };
  expect("HS256 token, same claims, some secret", await get(tasks(ada.userId), signJws(hsClaims, randomBytes(32).toString("base64"))), 401, "Invalid token");
  const x = (await auth.api.getJwks()).keys.find((k) => k.kid === header.kid)?.x ?? "";
  const xKeyed = signJws(hsClaims, Buffer.from(x, "base64url"), { alg: "HS256", kid: header.kid });
  expect("HS256 token keyed with the JWK's x bytes", await get(tasks(ada.userId), xKeyed), 401, "Invalid token");
  const noneToken = `${Buffer.from(JSON.stringify({ alg: "none" })).toString("base64url")}.${p}.`;
  expect("alg none", await get(tasks(ada.userId), noneToken), 401, "Invalid token");
  expect("no token", await get(tasks(ada.userId)), 401, "Missing or invalid Authorization header");
  if (origin.seen.length !== before) problems.push("a refused request reached the origin");

  // 4. Many requests, some concurrent: the key set was fetched once.
  const burst = await Promise.all(Array.from({ length: 20 }, (_, i) => get(tasks(i % 2 ? grace.userId : ada.userId), i % 2 ? grace.token : ada.token)));
  const notAllowed = burst.filter((r) => r.status !== 200);
  if (notAllowed.length) problems.push(`burst: ${notAllowed.length} of 20 not allowed (${notAllowed[0].status} ${notAllowed[0].text.slice(0, 120)})`);
  if (jwks.count !== 1) problems.push(`the key set was fetched ${jwks.count} times for ${origin.seen.length} allowed requests, expected 1`);

  // 5. Another app's key (unknown kid): refused; refetches bounded by the 30 s cooldown.
  for (let i = 0; i < 5; i++) expect(`a token from another Better Auth app (unknown kid), try ${i + 1}`, await get(tasks(stranger.userId), stranger.token), 401, "Invalid token");
  if (jwks.count > 2) problems.push(`5 unknown-kid tokens caused ${jwks.count - 1} refetches, expected at most 1 (cooldown)`);
  return problems;
}
