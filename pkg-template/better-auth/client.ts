// `jwtgate/better-auth/client`: the client half. `authClient.jwtgate.getToken()` keeps the
// token in memory and fetches a new one shortly before it expires (one request at a time);
// `authClient.jwtgate.fetch` calls the backend with it (one refresh + retry on a 401).
// A sign-in, sign-out or user change made through this client drops the token at once.
import type { BetterAuthClientOptions, BetterAuthClientPlugin, ClientStore } from "better-auth/client";
import { JWTGATE_ERROR_CODES, JwtgateTokenError } from "./error-codes.js";
import { createJwtgateFetch, type JwtgateFetch } from "./fetch.js";
import type { jwtgate } from "./server.js";
import { createTokenCache } from "./token-cache.js";
import type { GetTokenOptions, JwtgateToken } from "./types.js";

export type { GetTokenOptions, JwtgateToken, TokenSource } from "./types.js";
export { JWTGATE_ERROR_CODES, JwtgateTokenError } from "./error-codes.js";
export { createJwtgateFetch, type JwtgateFetch, type JwtgateFetchOptions } from "./fetch.js";
export { createTokenCache, type TokenCache, type TokenCacheOptions } from "./token-cache.js";

type BetterFetch = Parameters<NonNullable<BetterAuthClientPlugin["getActions"]>>[0];
type FetchPlugin = NonNullable<BetterAuthClientPlugin["fetchPlugins"]>[number];

/**
 * Auth routes after whose success the session (or its user) is another: the token in memory
 * is no longer theirs. Better Auth's own `$sessionSignal` list, plus every sign-in/sign-up route.
 */
const SESSION_CHANGING = /\/(sign-out|update-user|update-session|delete-user|verify-email|revoke-sessions|revoke-session|revoke-other-sessions|change-email|change-password|sign-in\/[^/]+|sign-up\/[^/]+)$/;
function changesSession(context: { response: Response; request: { url: URL | string } }): boolean {
  try {
    const url = context.response.url || String(context.request.url);
    return SESSION_CHANGING.test(new URL(url, "http://localhost").pathname);
  } catch {
    return true; // unknown: dropping the token costs one request, keeping a wrong one more
  }
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
  // Cleared synchronously when the sign-in/sign-out response succeeds, before the caller's
  // `await` returns: Better Auth's $sessionSignal toggles only 10 ms later.
  const dropOnSessionChange: FetchPlugin = {
    id: "jwtgate-session-change",
    name: "jwtgate: drop the token when the session changes",
    hooks: {
      onSuccess(context) {
        if (changesSession(context)) for (const cache of caches) cache.clear();
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
