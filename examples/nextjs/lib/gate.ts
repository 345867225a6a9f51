// The gate proxy.ts (middleware.ts on Edge) puts in front of /api/v1/*, configured once per
// server from the environment. Every decision is made by jwtgate's Rust core; this module
// only reads the settings and says what to answer while the gate cannot decide.
//
//   BETTER_AUTH_SECRET  HS256 tokens in the spec's shape (jwtgate's plugin: /api/auth/jwtgate/token).
//   JWKS_URL            also Better Auth's own jwt() plugin tokens (EdDSA), keys from this URL,
//                       e.g. ${BETTER_AUTH_URL}/api/auth/jwks. `iss` and `aud` must then equal
//                       JWT_ISSUER / JWT_AUDIENCE (default BETTER_AUTH_URL, what the plugin sets).
//   ORIGIN_TOKEN=hs256  the bridge: the origin gets a spec-shaped HS256 token (same user, same
//                       iat/exp) instead of the client's, so a backend written from the spec
//                       serves EdDSA-token requests unchanged. Needs BETTER_AUTH_SECRET.
//                       The default in session mode (there is no client token to forward).
//   ORIGIN_URL          the backend.
//   NEXT_PUBLIC_JWTGATE_MODE  "session" (default): the page sends Better Auth's session
//                       cookies (plain fetch, no token in JS) and the gate verifies them
//                       (jwtgate's session mode, Better Auth's cookie cache, compact);
//                       Bearer tokens from API clients keep working. "bearer": the page
//                       sends a token (authClient.jwtgate.fetch), cookies are not a
//                       credential. Read at build time (the page's bundle too).
//   SESSION_STRATEGY    the cookie cache's strategy (Better Auth's session.cookieCache.strategy).
import { Gate, GateConfigError, configErrorTable, type GateOptions } from "jwtgate";
import { MODE } from "@/lib/mode";

export type GateState =
  | { ready: true; gate: Gate; origin: URL }
  | { ready: false; status: 500 | 503; detail: string };

const MISCONFIGURED: GateState = { ready: false, status: 500, detail: "Gate misconfigured" };
const KEYS_UNAVAILABLE: GateState = { ready: false, status: 503, detail: "Authentication keys unavailable" };

/** `iss`/`aud` the gate requires with a key set (and jwtgate's plugin then signs into its tokens). */
export function keySetClaims(): { issuer?: string; audience?: string } {
  if (!process.env.JWKS_URL) return {};
  const app = process.env.BETTER_AUTH_URL;
  return { issuer: process.env.JWT_ISSUER || app, audience: process.env.JWT_AUDIENCE || app };
}

/**
 * How the gate asks Better Auth about a session whose cookie cache cannot decide: in
 * process (proxy.ts, Node.js runtime: `auth.api.getSession`), or, without one, the
 * get-session URL under BETTER_AUTH_URL (middleware.ts, Edge runtime).
 */
export type SessionRefresh = Pick<GateOptions, "getSession">;

function options(refresh: SessionRefresh): GateOptions {
  const session: GateOptions = MODE === "session"
    ? {
        sessionStrategy: (process.env.SESSION_STRATEGY || "compact") as GateOptions["sessionStrategy"],
        baseUrl: process.env.BETTER_AUTH_URL,
        sessionMaxAge: SESSION_CACHE_MAX_AGE,
        ...refresh,
      }
    : {};
  return {
    secret: process.env.BETTER_AUTH_SECRET || undefined,
    ...keySetClaims(),
    // The Gate refuses anything but "forward" or "hs256" (GateConfigError origin_token_invalid).
    // Session mode: the browser sends no token, so the origin (written from the spec: it
    // checks an HS256 token itself) gets the bridge token for the session's user by default.
    originToken: (process.env.ORIGIN_TOKEN || (MODE === "session" ? "hs256" : "forward")) as "forward" | "hs256",
    ...session,
  };
}

/** Better Auth's session.cookieCache.maxAge (lib/auth.ts), seconds: how long the gate may remember a refreshed answer. */
export const SESSION_CACHE_MAX_AGE = 300;

/**
 * The key set at JWKS_URL could not be fetched, or what it served is unusable: retried per
 * request. From the core's table: every configuration error about the key set itself.
 */
const KEY_SET_PROBLEMS = new Set([
  "jwks_unavailable",
  ...configErrorTable().filter((e) => e.option === "jwks").map((e) => e.code),
]);

/** After a failed key-set fetch, requests answer 503 for this long without fetching (no refetch storm against a JWKS endpoint that is down). */
const KEY_SET_RETRY_MS = 5_000;

let state: Promise<GateState> | undefined;
let retryAt = 0;

/** The gate, or what to answer instead: 500 for a bad configuration (final), 503 while there is no usable key set (retried at most every KEY_SET_RETRY_MS). */
export function gateState(refresh: SessionRefresh = {}): Promise<GateState> {
  if (state === undefined && Date.now() < retryAt) return Promise.resolve(KEYS_UNAVAILABLE);
  state ??= (async (): Promise<GateState> => {
    try {
      const origin = new URL(process.env.ORIGIN_URL ?? "");
      const jwksUrl = process.env.JWKS_URL;
      // Throws GateConfigError for a missing, short or placeholder secret, a bad key set, … (never with the value).
      const gate = jwksUrl ? await Gate.fromJwksUrl(jwksUrl, options(refresh)) : new Gate(options(refresh));
      return { ready: true, gate, origin };
    } catch (e) {
      const code = e instanceof GateConfigError ? e.code : e instanceof Error ? e.name : "error";
      if (process.env.JWKS_URL && KEY_SET_PROBLEMS.has(code)) {
        state = undefined; // a request after KEY_SET_RETRY_MS tries again
        retryAt = Date.now() + KEY_SET_RETRY_MS;
        console.error(`[jwtgate] no usable key set at JWKS_URL (${code}): /api/v1 answers 503, retried in ${KEY_SET_RETRY_MS / 1000} s`);
        return KEYS_UNAVAILABLE;
      }
      const why = e instanceof Error ? `${code}: ${e.message}` : code;
      console.error(`[jwtgate] gate misconfigured (check BETTER_AUTH_SECRET, JWKS_URL, ORIGIN_TOKEN and ORIGIN_URL), every /api/v1 request answers 500. ${why}`);
      return MISCONFIGURED;
    }
  })();
  return state;
}
