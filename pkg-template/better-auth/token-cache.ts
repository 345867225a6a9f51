// The client's token memory: one token, refreshed shortly before it expires, one request
// in flight at a time (concurrent callers share it), and a generation counter so a request
// started before `clear()` (sign-in, sign-out, another user) can never store or return its
// token: its callers get one for the session of now. `isCurrent` is asked before a token in
// memory is handed out (the client plugin: is it still the session's it was minted for?).
import { JwtgateTokenError } from "./error-codes.js";
import type { GetTokenOptions, JwtgateToken, TokenSource } from "./types.js";

export interface TokenCacheOptions {
  /** Fetches a new token (the client plugin: `GET /api/auth/jwtgate/token`). */
  fetchToken: () => Promise<JwtgateToken>;
  /** Fetch a new token this many seconds before the current one expires. Default 60. */
  refreshSkewSeconds?: number;
  /** Clock in milliseconds (tests pass a fake one). Default `Date.now`. */
  now?: () => number;
  /**
   * Asked before a token in memory is handed out: false drops it and fetches a new one.
   * The client plugin answers whether the token's session (`sub`, `sid`) is still the one it sees.
   */
  isCurrent?: (token: string) => boolean;
  /** Told each token the cache keeps (a fresh answer for the session of now). */
  onKeep?: (token: string) => void;
}

export interface TokenCache extends TokenSource {
  /** Forgets the token; a request in flight can no longer store or return its token. */
  clear(): void;
}

interface Held {
  token: string;
  /** Local clock (ms) at which to fetch a new one. */
  refreshAt: number;
  /** Local clock (ms) at which the token expires: never returned from then on. */
  expiresAt: number;
}

/** The payload of a compact JWS, or undefined (readable; the signature is not checked here). */
export function tokenPayload(token: string): Record<string, unknown> | undefined {
  const payload = token.split(".")[1];
  if (payload === undefined) return undefined;
  try {
    const binary = atob(payload.replace(/-/g, "+").replace(/_/g, "/"));
    const json = new TextDecoder().decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)));
    const claims: unknown = JSON.parse(json);
    return claims !== null && typeof claims === "object" && !Array.isArray(claims) ? (claims as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** `iat` of a compact JWS, or undefined. */
function issuedAt(token: string): number | undefined {
  const iat = tokenPayload(token)?.iat;
  return typeof iat === "number" && Number.isFinite(iat) ? iat : undefined;
}

export function createTokenCache(options: TokenCacheOptions): TokenCache {
  const now = options.now ?? Date.now;
  const skewMs = (options.refreshSkewSeconds ?? 60) * 1000;
  if (!Number.isFinite(skewMs) || skewMs < 0) throw new TypeError("refreshSkewSeconds must be a non-negative number");
  let held: Held | undefined;
  let pending: Promise<{ token: string } | { stale: true }> | undefined;
  let generation = 0;

  function drop() {
    generation++;
    held = undefined;
    pending = undefined;
  }

  function hold(answer: JwtgateToken, startedAt: number): Held {
    if (answer === null || typeof answer !== "object" || typeof answer.token !== "string" || !Number.isFinite(answer.expiresAt)) {
      throw new JwtgateTokenError("INVALID_TOKEN_RESPONSE", 200);
    }
    // The lifetime (exp - iat) counted on the local clock from when the request started, so
    // a client clock that is off does not matter; without a readable iat, trust expiresAt.
    const iat = issuedAt(answer.token);
    const expiresAt = iat === undefined ? answer.expiresAt * 1000 : startedAt + (answer.expiresAt - iat) * 1000;
    return { token: answer.token, expiresAt, refreshAt: expiresAt - skewMs };
  }

  /** One request; resolves to its token, or to `stale` when the session changed meanwhile. */
  function refresh(): Promise<{ token: string } | { stale: true }> {
    const mine = ++generation;
    const startedAt = now();
    const request = (async () => {
      let answer: JwtgateToken;
      try {
        answer = await options.fetchToken();
      } catch (e) {
        if (mine !== generation) return { stale: true as const }; // an error of the old session
        throw e;
      }
      if (mine !== generation) return { stale: true as const };
      const next = hold(answer, startedAt);
      held = next;
      options.onKeep?.(next.token);
      return { token: next.token };
    })();
    pending = request;
    // Only this request's own settlement may clear the slot (a newer one may hold it by then).
    const release = () => {
      if (pending === request) pending = undefined;
    };
    request.then(release, release);
    return request;
  }

  return {
    async getToken({ forceRefresh = false }: GetTokenOptions = {}) {
      // A request started before the session changed (sign-in, sign-out) answers for the old
      // session: its callers ask again, for the current one (bounded).
      for (let round = 0; round < 3; round++) {
        const t = now();
        if (held !== undefined && options.isCurrent !== undefined && !options.isCurrent(held.token)) {
          drop(); // another session's token: gone, and so is any request started for it
        }
        if (!forceRefresh && held !== undefined && t < held.refreshAt && t < held.expiresAt) return held.token;
        const result = await (pending ?? refresh());
        if ("token" in result) return result.token;
        forceRefresh = false;
      }
      throw new JwtgateTokenError("SESSION_CHANGED", 0);
    },
    clear: drop,
  };
}
