// `jwtgate/better-auth/client`: the client half. `authClient.jwtgate.getToken()` keeps the
// token in memory and fetches a new one shortly before it expires (one request at a time);
// `authClient.jwtgate.fetch` calls the backend with it (one refresh + retry on a 401).
// The token in memory is tied to the Better Auth session it was minted for (its `sub` and
// `sid` claims), not to a list of routes: every Better Auth response this client gets
// (get-session, useSession's refetches, sign-in, impersonation, account switch, …) tells it
// which session is current, and a token of another session is dropped at once and never
// handed out (checked again before each use).
import type { BetterAuthClientOptions, BetterAuthClientPlugin, ClientStore } from "better-auth/client";
import { JWTGATE_ERROR_CODES, JwtgateTokenError } from "./error-codes.js";
import { createJwtgateFetch, type JwtgateFetch } from "./fetch.js";
import type { jwtgate } from "./server.js";
import { createTokenCache, tokenPayload } from "./token-cache.js";
import type { GetTokenOptions, JwtgateToken } from "./types.js";

export type { GetTokenOptions, JwtgateToken, TokenSource } from "./types.js";
export { JWTGATE_ERROR_CODES, JwtgateTokenError } from "./error-codes.js";
export { createJwtgateFetch, type JwtgateFetch, type JwtgateFetchOptions } from "./fetch.js";
export { createTokenCache, type TokenCache, type TokenCacheOptions } from "./token-cache.js";

type BetterFetch = Parameters<NonNullable<BetterAuthClientPlugin["getActions"]>>[0];
type FetchPlugin = NonNullable<BetterAuthClientPlugin["fetchPlugins"]>[number];

/** The Better Auth session a token was minted for, or one the client saw. */
interface Owner {
  userId: string;
  /** Undefined for a token from a server that does not set `sid`. */
  sessionId?: string;
}

/** What a token says it belongs to (`sub`, `sid`), or undefined when unreadable. */
function ownerOfToken(token: string): Owner | undefined {
  const claims = tokenPayload(token);
  if (claims === undefined || typeof claims.sub !== "string") return undefined;
  return { userId: claims.sub, sessionId: typeof claims.sid === "string" ? claims.sid : undefined };
}

function sameSession(a: Owner, b: Owner): boolean {
  return a.userId === b.userId && (a.sessionId === undefined || b.sessionId === undefined || a.sessionId === b.sessionId);
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object";

/**
 * What a successful Better Auth response says about the session of now:
 * - an Owner: it carries `session: { id, userId }` (get-session, admin impersonate-user and
 *   stop-impersonating, multi-session set-active, …), whatever the route;
 * - null: get-session answered null (signed out);
 * - "changed": a state-changing call (any non-GET) that does not say which session it left
 *   the client in (sign-in, sign-out, update-user, organization set-active, a plugin's route
 *   nobody listed…), or a GET that answers a `user` (verify-email): the token in memory may
 *   be another session's, or carry stale claims;
 * - undefined: nothing (a read that tells nothing about the session; the token endpoint itself).
 */
function sessionSeenIn(context: { data: unknown; response: Response; request: { url: URL | string; method?: string } }): Owner | null | "changed" | undefined {
  let path: string;
  try {
    path = new URL(context.response.url || String(context.request.url), "http://localhost").pathname;
  } catch {
    return "changed"; // unknown: dropping the token costs one request, keeping a wrong one more
  }
  if (path.endsWith("/jwtgate/token")) return undefined;
  const { data } = context;
  if (isObject(data) && isObject(data.session) && typeof data.session.id === "string" && typeof data.session.userId === "string") {
    return { userId: data.session.userId, sessionId: data.session.id };
  }
  const method = (context.request.method ?? "GET").toUpperCase();
  if (method === "GET" || method === "HEAD") {
    if (path.endsWith("/get-session") && (data === null || (isObject(data) && data.session === null))) return null;
    return isObject(data) && isObject(data.user) ? "changed" : undefined;
  }
  return "changed";
}

export interface JwtgateClientOptions {
  /** Fetch a new token this many seconds before the current one expires. Default 60. */
  refreshSkewSeconds?: number;
  /** The fetch `authClient.jwtgate.fetch` calls the backend with. Default: the global fetch. */
  fetch?: typeof fetch;
  /** Prefix for relative backend URLs (server code). */
  baseURL?: string;
  /** Clock in milliseconds (tests). Default `Date.now`. */
  now?: () => number;
}

export interface JwtgateActions {
  jwtgate: {
    /** A token that stays valid for at least `refreshSkewSeconds`; throws JwtgateTokenError. */
    getToken(options?: GetTokenOptions): Promise<string>;
    /** Forgets the token in memory. */
    clearToken(): void;
    /** fetch with `Authorization: Bearer <token>`; one refresh + retry on a 401. */
    fetch: JwtgateFetch;
  };
}

export const jwtgateClient = (options: JwtgateClientOptions = {}) => {
  // The token memory of the client this plugin is installed in (set by getActions).
  const caches = new Set<{ clear(): void }>();
  // The session this client last saw: an Owner, null (signed out), undefined (not known).
  let seen: Owner | null | undefined;
  const dropAll = () => {
    for (const cache of caches) cache.clear();
  };
  /** A response told us about the session: drop the token unless it is the same one. */
  const observe = (next: Owner | null | "changed") => {
    if (next === "changed") {
      seen = undefined;
      dropAll();
      return;
    }
    const same = seen !== undefined && (seen === null || next === null ? seen === next : sameSession(seen, next));
    if (!same) dropAll();
    if (!same || (next !== null && next.sessionId !== undefined)) seen = next;
  };
  /** Before use: a token whose session is not the one seen last is not handed out. */
  const isCurrent = (token: string) => {
    if (seen === undefined) return true; // nothing seen since: the token endpoint read the live session
    const owner = ownerOfToken(token);
    return seen !== null && owner !== undefined && sameSession(seen, owner);
  };
  /** A token the cache keeps was minted from the live session: that session is the current one. */
  const onKeep = (token: string) => {
    seen = ownerOfToken(token);
  };
  // Runs for every Better Auth response, before the caller's `await` returns (Better Auth's
  // $sessionSignal toggles only 10 ms later, and only for the routes its plugins declare).
  const dropOnSessionChange: FetchPlugin = {
    id: "jwtgate-session-change",
    name: "jwtgate: drop the token when the session changes",
    hooks: {
      onSuccess(context) {
        const next = sessionSeenIn(context);
        if (next !== undefined) observe(next);
      },
    },
  };
  return {
    id: "jwtgate",
    $InferServerPlugin: {} as ReturnType<typeof jwtgate>,
    pathMethods: { "/jwtgate/token": "GET" },
    fetchPlugins: [dropOnSessionChange],
    getActions: ($fetch: BetterFetch, _$store: ClientStore, _options: BetterAuthClientOptions | undefined): JwtgateActions => {
      const cache = createTokenCache({
        refreshSkewSeconds: options.refreshSkewSeconds,
        now: options.now,
        isCurrent,
        onKeep,
        async fetchToken() {
          const { data, error } = await $fetch<JwtgateToken>("/jwtgate/token", { method: "GET" });
          if (error) {
            const code = error.status === 401 ? "NO_SESSION" : "TOKEN_REQUEST_FAILED";
            throw new JwtgateTokenError(code, error.status);
          }
          return data;
        },
      });
      caches.add(cache);
      return {
        jwtgate: {
          getToken: (o?: GetTokenOptions) => cache.getToken(o),
          clearToken: () => cache.clear(),
          fetch: createJwtgateFetch(cache, { fetch: options.fetch, baseURL: options.baseURL }),
        },
      };
    },
    $ERROR_CODES: JWTGATE_ERROR_CODES,
  } satisfies BetterAuthClientPlugin;
};
