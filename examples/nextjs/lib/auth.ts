// Better Auth on the server: email + password, users and sessions in an SQLite file
// (better-sqlite3), and jwtgate's plugin, which adds GET /api/auth/jwtgate/token: the
// short-lived HS256 token the backend (and proxy.ts) accept, minted for the session's user.
// BETTER_AUTH_SECRET is read by Better Auth; the plugin refuses a weak one.
// Better Auth's own jwt() plugin is on as well (GET /api/auth/token: EdDSA tokens, keys at
// /api/auth/jwks): proxy.ts accepts those when JWKS_URL is set (lib/gate.ts), and jwtgate's
// tokens then carry the same iss/aud.
import Database from "better-sqlite3";
import { betterAuth } from "better-auth";
import { getMigrations } from "better-auth/db/migration";
import { nextCookies } from "better-auth/next-js";
import { jwt } from "better-auth/plugins";
import { jwtgate } from "jwtgate/better-auth";
import { SESSION_CACHE_MAX_AGE, keySetClaims } from "@/lib/gate";

export const auth = betterAuth({
  database: new Database(process.env.AUTH_DATABASE ?? "auth.sqlite"),
  emailAndPassword: { enabled: true },
  // The cookie cache (session_data beside session_token): what jwtgate's session mode verifies
  // without a database (lib/gate.ts; strategy as SESSION_STRATEGY, compact by default).
  session: {
    cookieCache: {
      enabled: true,
      maxAge: SESSION_CACHE_MAX_AGE,
      strategy: (process.env.SESSION_STRATEGY || "compact") as "compact" | "jwt" | "jwe",
    },
  },
  plugins: [jwtgate(keySetClaims()), jwt(), nextCookies()],
});

/** Creates or updates Better Auth's tables (user, session, account, verification); idempotent. */
export async function migrate() {
  const { runMigrations } = await getMigrations(auth.options);
  await runMigrations();
}
