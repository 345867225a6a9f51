// Types shared by the server plugin (`jwtgate/better-auth`) and the client half
// (`jwtgate/better-auth/client`). Kept free of runtime imports so the client bundle
// never pulls server code.

/** What `GET /api/auth/jwtgate/token` answers (and `auth.api.getJwtgateToken` returns). */
export interface JwtgateToken {
  /** A compact HS256 JWT signed with the Better Auth secret. */
  token: string;
  /** The token's `exp` (unix seconds). */
  expiresAt: number;
}

/** The Better Auth user and session the token is minted for. */
export interface JwtgateUser {
  id: string;
  email: string;
  name?: string | null;
  [field: string]: unknown;
}
export interface JwtgateSession {
  id: string;
  userId: string;
  expiresAt: Date;
  [field: string]: unknown;
}

/**
 * Claims that identify the token; a `claims` hook can never set them. `sid` is the id of the
 * Better Auth session the token was minted for (the client plugin ties its memory to it).
 */
export type ReservedClaim = "sub" | "email" | "iat" | "exp" | "iss" | "aud" | "sid";

export interface JwtgateOptions {
  /**
   * `exp - iat` in seconds. Default 900 (15 minutes). Must lie in the window the gate and
   * the spec's backend accept: 900–1800 inclusive; checked when the plugin is created.
   */
  lifetimeSeconds?: number;
  /** Sets `iss`; configure the gate (and backend) with the same `issuer`. */
  issuer?: string;
  /** Sets `aud`; configure the gate (and backend) with the same `audience`. */
  audience?: string;
  /**
   * Extra claims for a user's token (e.g. `role`). Runs for every token. Whatever it returns
   * for `sub`, `email`, `iat`, `exp`, `iss`, `aud` or `sid` is ignored (with one warning in
   * the log). A `name` it returns is cut like the user's own (at most 256 code points, a
   * lone surrogate replaced by U+FFFD).
   */
  claims?: (
    user: JwtgateUser,
    session: JwtgateSession,
  ) => Record<string, unknown> | Promise<Record<string, unknown>>;
}

export interface GetTokenOptions {
  /** Fetch a new token even when the one in memory is still fresh (e.g. after a 401). */
  forceRefresh?: boolean;
}

/** Anything that hands out tokens: the client plugin's `authClient.jwtgate`, or `createTokenCache`. */
export interface TokenSource {
  getToken(options?: GetTokenOptions): Promise<string>;
}
