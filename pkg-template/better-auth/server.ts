// `jwtgate/better-auth`: a Better Auth server plugin that mints the spec's backend token
// (`GET /api/auth/jwtgate/token`, `auth.api.getJwtgateToken({ headers })`) from the signed-in
// session, signed with the Better Auth secret by the same Rust core that verifies it
// (`Gate#mint` checks every token against the gate's own rules before handing it out).
// The session is read from its store (database / secondary storage), never from the
// `session.cookieCache` cookie: a revoked session gets no token, even while its cached copy
// lives on in the browser.
import { BetterAuthError, type BetterAuthPlugin } from "better-auth";
import { APIError, createAuthEndpoint, sensitiveSessionMiddleware } from "better-auth/api";
import { Gate, GateConfigError, GateError } from "jwtgate";
import { JWTGATE_ERROR_CODES } from "./error-codes.js";
import type { JwtgateOptions, JwtgateSession, JwtgateToken, JwtgateUser, ReservedClaim } from "./types.js";

export type { JwtgateOptions, JwtgateToken, JwtgateUser, JwtgateSession, ReservedClaim } from "./types.js";
export { JWTGATE_ERROR_CODES } from "./error-codes.js";

/** The lifetime window of the spec's backend (and the gate's default), inclusive. */
export const MIN_LIFETIME_SECONDS = 900;
export const MAX_LIFETIME_SECONDS = 1800;
/** The `name` claim's longest form, in code points (longer names are cut; see nameClaim). */
export const MAX_NAME_LENGTH = 256;
const RESERVED: readonly ReservedClaim[] = ["sub", "email", "iat", "exp", "iss", "aud", "sid"];
const OPTION_NAMES = new Set(["lifetimeSeconds", "issuer", "audience", "claims"]);

const nowSeconds = () => Math.floor(Date.now() / 1000);

/**
 * The `name` claim for any string a user may have as their name: a lone surrogate (which
 * no UTF-8 token can hold) becomes U+FFFD, and the name is cut after MAX_NAME_LENGTH code
 * points (never inside one), so a name can neither fail the token nor outgrow it.
 */
export function nameClaim(name: string): string {
  let out = "";
  let count = 0;
  for (const ch of name) {
    if (count++ === MAX_NAME_LENGTH) break;
    const c = ch.charCodeAt(0);
    // Iterating by code point, a surrogate is left alone only when it has no partner.
    out += ch.length === 1 && c >= 0xd800 && c <= 0xdfff ? "\uFFFD" : ch;
  }
  return out;
}

/** Bad options fail at `jwtgate(…)`, naming the option (never a secret: none is an option). */
function checkOptions(options: JwtgateOptions): number {
  if (options === null || typeof options !== "object") {
    throw new BetterAuthError("jwtgate(options): options must be an object");
  }
  for (const key of Object.keys(options)) {
    if (!OPTION_NAMES.has(key)) throw new BetterAuthError(`jwtgate(options): unknown option ${JSON.stringify(key)}`);
  }
  const lifetime = options.lifetimeSeconds ?? MIN_LIFETIME_SECONDS;
  if (!Number.isInteger(lifetime) || lifetime < MIN_LIFETIME_SECONDS || lifetime > MAX_LIFETIME_SECONDS) {
    throw new BetterAuthError(
      `jwtgate(options): lifetimeSeconds must be an integer from ${MIN_LIFETIME_SECONDS} to ${MAX_LIFETIME_SECONDS} (the window the gate and the backend accept)`,
    );
  }
  for (const name of ["issuer", "audience"] as const) {
    const value = options[name];
    if (value !== undefined && (typeof value !== "string" || value === "")) {
      throw new BetterAuthError(`jwtgate(options): ${name} must be a non-empty string`);
    }
  }
  if (options.claims !== undefined && typeof options.claims !== "function") {
    throw new BetterAuthError("jwtgate(options): claims must be a function (user, session) => object");
  }
  return lifetime;
}

/**
 * A Gate with the secret Better Auth signs with (with `secrets` / BETTER_AUTH_SECRETS: the
 * current one). The core refuses a short, default, placeholder or low-entropy secret; its
 * message names the rule, never the secret.
 */
function gateFor(secret: string, options: JwtgateOptions): Gate {
  try {
    return new Gate({ secret, issuer: options.issuer, audience: options.audience, now: nowSeconds, cacheSize: 0 });
  } catch (e) {
    if (e instanceof GateConfigError) {
      throw new BetterAuthError(
        `jwtgate: the Better Auth secret cannot sign tokens the gate accepts (${e.code}: ${e.message}). ` +
          "Set BETTER_AUTH_SECRET to a random value of at least 32 characters, e.g. `openssl rand -base64 32`.",
      );
    }
    throw e;
  }
}

export const jwtgate = (options: JwtgateOptions = {}) => {
  const lifetimeSeconds = checkOptions(options);
  // One gate per secret in use (a rotation swaps the context's secret).
  let signer: { secret: string; gate: Gate } | undefined;
  const gate = (secret: string) => {
    if (signer?.secret !== secret) signer = { secret, gate: gateFor(secret, options) };
    return signer.gate;
  };
  let warnedReserved = false;

  return {
    id: "jwtgate",
    init(ctx) {
      // Refuse to start with a secret the gate would refuse (ctx.secret is the current one).
      gate(ctx.secret);
    },
    endpoints: {
      getJwtgateToken: createAuthEndpoint(
        "/jwtgate/token",
        {
          method: "GET",
          requireHeaders: true,
          // The authoritative session: with `session.cookieCache` on, Better Auth's plain
          // sessionMiddleware trusts the signed cookie copy for up to its maxAge, so a session
          // deleted (signed out elsewhere, revoked, banned) would still get a 15-minute token.
          // This one re-reads the session store (the cookie stays the record only for a
          // deployment without one); a query cannot switch that back on.
          use: [sensitiveSessionMiddleware],
          metadata: {
            openapi: {
              operationId: "getJwtgateToken",
              description: "A short-lived HS256 JWT for the backend, signed with the Better Auth secret",
              responses: {
                200: {
                  description: "The token and its expiry",
                  content: {
                    "application/json": {
                      schema: {
                        type: "object",
                        properties: { token: { type: "string" }, expiresAt: { type: "number", description: "The token's exp (unix seconds)" } },
                        required: ["token", "expiresAt"],
                      },
                    },
                  },
                },
              },
            },
          },
        },
        async (ctx) => {
          const { user, session } = ctx.context.session;
          let extra: Record<string, unknown> = {};
          if (options.claims) {
            const added = await options.claims(user as unknown as JwtgateUser, session as unknown as JwtgateSession);
            if (added === null || typeof added !== "object" || Array.isArray(added)) {
              throw APIError.from("INTERNAL_SERVER_ERROR", JWTGATE_ERROR_CODES.INVALID_CLAIMS_HOOK_RESULT);
            }
            extra = { ...added };
            const tried = RESERVED.filter((claim) => Object.hasOwn(extra, claim));
            for (const claim of tried) delete extra[claim];
            if (tried.length > 0 && !warnedReserved) {
              warnedReserved = true;
              ctx.context.logger.warn(`[jwtgate] the claims hook returned ${tried.join(", ")}: ignored (the plugin sets them)`);
            }
          }
          const iat = nowSeconds();
          const exp = iat + lifetimeSeconds;
          const claims: Record<string, unknown> = { sub: user.id, email: user.email };
          if (typeof user.name === "string" && user.name !== "") claims.name = user.name;
          // `sid`: the session the token is minted for; the client plugin drops a token whose
          // session is no longer the one it sees (impersonation, account switch, sign-out).
          Object.assign(claims, extra, { sub: user.id, email: user.email, iat, exp, sid: session.id });
          // The spec's /me/profile reads `name`: keep it, in a form every token can carry.
          if (typeof claims.name === "string") claims.name = nameClaim(claims.name);
          if (options.issuer !== undefined) claims.iss = options.issuer;
          if (options.audience !== undefined) claims.aud = options.audience;
          let token: string;
          try {
            token = gate(ctx.context.secret).mint(claims as Parameters<Gate["mint"]>[0]);
          } catch (e) {
            if (e instanceof GateError) {
              // Which rule, never the claims' values.
              ctx.context.logger.error(`[jwtgate] token not issued: the gate would refuse it (${e.code})`);
              throw APIError.from("INTERNAL_SERVER_ERROR", JWTGATE_ERROR_CODES.TOKEN_NOT_ISSUED);
            }
            throw e;
          }
          ctx.setHeader("cache-control", "no-store");
          return ctx.json<JwtgateToken>({ token, expiresAt: exp });
        },
      ),
    },
    $ERROR_CODES: JWTGATE_ERROR_CODES,
  } satisfies BetterAuthPlugin;
};
