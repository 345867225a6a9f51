// Better Auth on the server: email + password, users and sessions in an SQLite file
// (better-sqlite3), and jwtgate's plugin, which adds GET /api/auth/jwtgate/token: the
// short-lived HS256 token the backend (and proxy.ts) accept, minted for the session's user.
// BETTER_AUTH_SECRET is read by Better Auth; the plugin refuses a weak one.
import Database from "better-sqlite3";
import { betterAuth } from "better-auth";
import { getMigrations } from "better-auth/db/migration";
import { nextCookies } from "better-auth/next-js";
import { jwtgate } from "jwtgate/better-auth";

export const auth = betterAuth({
  database: new Database(process.env.AUTH_DATABASE ?? "auth.sqlite"),
  emailAndPassword: { enabled: true },
  plugins: [jwtgate(), nextCookies()],
});

/** Creates or updates Better Auth's tables (user, session, account, verification); idempotent. */
export async function migrate() {
  const { runMigrations } = await getMigrations(auth.options);
  await runMigrations();
}
