// In-process Better Auth for the plugin tests: the real `better-auth` package (the root's
// pinned devDependency), users and sessions in a real SQLite file (better-sqlite3), schema
// from Better Auth's own migrations, and the BUILT plugin (pkg/better-auth/, `make pkg`).
// Better Auth's own getTestInstance needs node:sqlite (Node >= 22.5); this is its small
// Node 20 equivalent.
import { mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import Database from "better-sqlite3";
import { betterAuth } from "better-auth";
import { getMigrations } from "better-auth/db/migration";
import { toNodeHandler } from "better-auth/node";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const built = (p) => import(pathToFileURL(path.join(ROOT, "pkg", p)).href);
export const { jwtgate, MAX_NAME_LENGTH } = await built("better-auth/server.js");
export const clientSide = await built("better-auth/client.js");
export const { Gate, GateError } = await built("index.node.js");

export const SECRET = "Vb7Qm2Xk9Lp4Rt6Wz1Nc8Hs3Jd5Gf0Ya-plugin-tests";
export const BASE_URL = "http://127.0.0.1:3000";

/** Silences Better Auth's logger, keeping what it said for assertions. */
export function quietLogger() {
  const lines = [];
  return { lines, logger: { disabled: false, level: "debug", log: (level, message) => lines.push(`${level}: ${message}`) } };
}

/**
 * A Better Auth instance with email + password and the jwtgate plugin, on a fresh SQLite
 * file, schema migrated. `options` go to betterAuth (secret defaults to SECRET; pass
 * `secret: undefined` explicitly to leave it unset); `plugin` to jwtgate().
 */
export async function startAuth({ plugin = {}, options = {}, migrate = true } = {}) {
  const dir = mkdtempSync(path.join(os.tmpdir(), "jwtgate-better-auth-"));
  const db = new Database(path.join(dir, "auth.sqlite"));
  const { lines, logger } = quietLogger();
  const auth = betterAuth({
    baseURL: BASE_URL,
    secret: SECRET,
    database: db,
    emailAndPassword: { enabled: true },
    logger,
    telemetry: { enabled: false },
    ...options,
    plugins: [jwtgate(plugin), ...(options.plugins ?? [])],
  });
  if (migrate) await (await getMigrations(auth.options)).runMigrations();
  return {
    auth,
    db,
    log: lines,
    close() {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** `name=value; …` from a response's Set-Cookie headers. */
export function cookieHeader(headers) {
  return headers.getSetCookie().map((c) => c.split(";")[0]).join("; ");
}

let users = 0;
/** Signs a new user up (that signs them in); returns { user, headers } with the session cookie. */
export async function signUp(auth, { name } = {}) {
  users++;
  const email = `user${users}-${process.pid}@example.com`;
  const res = await auth.api.signUpEmail({
    body: { email, password: "correct horse battery staple", name: name ?? `User ${users}` },
    returnHeaders: true,
  });
  const headers = new Headers({ cookie: cookieHeader(res.headers) });
  return { user: res.response.user, email, headers };
}

/** Decoded JOSE header and payload of a compact JWS (no verification). */
export function decode(token) {
  const [h, p] = token.split(".");
  return { header: JSON.parse(Buffer.from(h, "base64url")), payload: JSON.parse(Buffer.from(p, "base64url")) };
}

/** Serves `handler` (node:http) on 127.0.0.1:<free port>. */
export async function serve(handler) {
  const server = http.createServer(handler);
  server.keepAliveTimeout = 1_000;
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  const url = `http://127.0.0.1:${server.address().port}`;
  return { url, close: () => new Promise((r) => { server.closeAllConnections?.(); server.close(() => r()); }) };
}

/** Serves Better Auth itself (its Node handler) on a free port. */
export function serveAuth(auth) {
  return serve(toNodeHandler(auth));
}
