// The spec's "API client with token attachment": fetch with `Authorization: Bearer <token>`;
// on a 401 it gets a new token once and retries once; every other answer passes through.
// Browser and server code alike (server code passes a TokenSource built on
// `auth.api.getJwtgateToken({ headers })`, and a baseURL).
import { JwtgateTokenError } from "./error-codes.js";
import type { TokenSource } from "./types.js";

export interface JwtgateFetchOptions {
  /** The fetch to call. Default: the global fetch at call time. */
  fetch?: typeof fetch;
  /** Prefix for relative URLs (server code; browsers resolve them against the page). */
  baseURL?: string;
}

export type JwtgateFetch = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/** The token, or null when there is no session (the API then answers its own 401). */
async function tokenOrNone(source: TokenSource, forceRefresh: boolean): Promise<string | null> {
  try {
    return await source.getToken({ forceRefresh });
  } catch (e) {
    if (e instanceof JwtgateTokenError && e.status === 401) return null;
    throw e;
  }
}

export function createJwtgateFetch(source: TokenSource, options: JwtgateFetchOptions = {}): JwtgateFetch {
  const resolve = (input: string | URL | Request) =>
    typeof input === "string" && options.baseURL !== undefined && !/^[a-z][a-z0-9+.-]*:/i.test(input)
      ? new URL(input, options.baseURL).toString()
      : input;

  return async function jwtgateFetch(input, init) {
    const doFetch = options.fetch ?? globalThis.fetch;
    const target = resolve(input);
    // A streamed body can be sent only once: no retry for it.
    const retryable = !(init?.body instanceof ReadableStream) && !(target instanceof Request && target.bodyUsed);
    const spare = target instanceof Request && retryable ? target.clone() : target;
    const send = (token: string | null, what: string | URL | Request) => {
      const headers = new Headers(init?.headers ?? (what instanceof Request ? what.headers : undefined));
      if (token === null) headers.delete("authorization");
      else headers.set("authorization", `Bearer ${token}`);
      return doFetch(what, { ...init, headers });
    };

    const token = await tokenOrNone(source, false);
    const first = await send(token, target);
    if (first.status !== 401 || !retryable) return first;
    const fresh = await tokenOrNone(source, true);
    // No session, or the same token again: retrying cannot change the answer.
    if (fresh === null || fresh === token) return first;
    await first.body?.cancel().catch(() => {});
    return send(fresh, spare);
  };
}
