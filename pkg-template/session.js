// Session mode (sessionStrategy): Better Auth's session cookies as a credential. The core
// decides every request (cookies, cache, CSRF, expiry, the path rule) and says when its
// cookie cache cannot decide (a "refresh" verdict). This file does only the I/O around
// that: asking Better Auth (an in-process `getSession` function, or GET on the
// get-session URL with the request's cookies), remembering the answer per refresh key for
// at most the core's `rememberSeconds`, and sharing one pending question per key.
// Better Auth's answer is then judged by the core again (decideRefreshed), every time.
import { sessionSettings } from "./jwtgate_wasm.js";
import { SHARE_FLIGHTS, boundedBody } from "./remote.js";
import { headerOf } from "./request.js";

/** How long Better Auth may take to answer (headers and body), in milliseconds. */
export const GET_SESSION_TIMEOUT_MS = 5000;
/** The largest get-session answer read (a session with a large user `image` fits). */
export const MAX_SESSION_BYTES = 256 * 1024;
/** Most remembered answers; the oldest goes first. */
const MAX_REMEMBERED = 10000;

const UNAVAILABLE = { verdict: "refuse", code: "session_unavailable" };
/** No Set-Cookie lines (shared: never mutated). */
const NONE = Object.freeze([]);

const SESSION_HEADERS = ["authorization", "cookie", "origin", "referer"];

/**
 * `[parts, present]` of a request for the core's session decision: method, path, then
 * Authorization, Cookie, Origin, Referer, with bit i of `present` set when header i was sent.
 * Field lines (a plain object's arrays) are joined as the headers' own rules join them. A
 * plain object is read in one pass over its keys (not one per header).
 */
export function sessionParts(request, method, path) {
  const headers = request?.headers;
  const parts = [method, path, "", "", "", ""];
  let present = 0;
  if (headers && typeof headers.get !== "function" && typeof headers === "object") {
    let seen = 0;
    for (const key of Object.keys(headers)) {
      const i = SESSION_HEADERS.indexOf(key.toLowerCase());
      if (i < 0 || seen & (1 << i)) continue; // the first spelling only, as headerOf reads
      seen |= 1 << i;
      try {
        const value = headers[key];
        if (value === undefined || value === null) continue;
        parts[2 + i] = Array.isArray(value) ? value.map(String).join(i === 1 ? "; " : ", ") : String(value);
        present |= 1 << i;
      } catch {
        // A header that throws when read is not sent.
      }
    }
    return [parts, present];
  }
  for (let i = 0; i < 4; i++) {
    let value;
    try {
      value = headerOf(headers, SESSION_HEADERS[i]);
    } catch {
      value = undefined;
    }
    if (value === undefined) continue;
    parts[2 + i] = Array.isArray(value) ? value.join(i === 1 ? "; " : ", ") : value;
    present |= 1 << i;
  }
  return [parts, present];
}

/** The request's Cookie header as one value, "" without. */
function cookieOf(parts, present) {
  return present & 2 ? parts[3] : "";
}

/** Better Auth's answer in either shape of `auth.api.getSession`: with `returnHeaders`, or the session alone. */
function answerOf(result) {
  if (result !== null && typeof result === "object" && "response" in result && "headers" in result) {
    const headers = result.headers;
    const setCookies = typeof headers?.getSetCookie === "function" ? headers.getSetCookie() : [];
    return { body: JSON.stringify(result.response ?? null), setCookies };
  }
  return { body: JSON.stringify(result ?? null), setCookies: [] };
}

/**
 * The session side of one gate. `settings`: the core's reading of the options
 * (sessionSettings: strategy, getSessionUrl, maxAge); `getSession`: the host option.
 */
export class SessionHost {
  #getSession;
  #url;
  #fetch;
  #remembered = new Map(); // refresh key → { until (s), body, setCookies }
  #pending = new Map(); // refresh key → Promise<{ body, setCookies } | undefined>

  constructor(settings, getSession, fetchImpl) {
    this.#getSession = getSession;
    this.#url = settings.getSessionUrl ?? undefined;
    this.#fetch = fetchImpl;
  }

  /** The host's session settings from the options, or undefined without session mode. Throws the core's config error text. */
  static fromOptions(options, configError) {
    const settings = JSON.parse(sessionSettings(options));
    const getSession = options.getSession;
    if (getSession !== undefined && typeof getSession !== "function") {
      throw configError("invalid_option", "getSession must be a function (e.g. auth.api.getSession)", "getSession");
    }
    if (settings === null) {
      if (getSession !== undefined) throw configError("invalid_option", "getSession is a session mode option: set sessionStrategy too", "getSession");
      return undefined;
    }
    const fetchImpl = globalThis.fetch;
    return new SessionHost(settings, getSession, fetchImpl);
  }

  /** Can this host ask Better Auth at all? */
  get canAsk() {
    return this.#getSession !== undefined || (this.#url !== undefined && typeof this.#fetch === "function");
  }

  /** The remembered answer for a refresh verdict, if still within its time. */
  remembered(refresh, now) {
    const entry = this.#remembered.get(refresh.key);
    if (entry === undefined) return undefined;
    if (!(now < entry.until)) {
      this.#remembered.delete(refresh.key);
      return undefined;
    }
    return entry;
  }

  /**
   * Better Auth's answer for a refresh verdict: remembered, or asked once for every
   * concurrent request with the same key. Resolves undefined when Better Auth could not
   * be asked (unreachable, timeout, not 200, too large, getSession threw).
   */
  async answer(refresh, parts, present, now) {
    const known = this.remembered(refresh, now);
    if (known !== undefined) return known;
    const pending = this.#pending.get(refresh.key);
    if (pending !== undefined) return pending;
    const flight = this.#ask(cookieOf(parts, present)).then((answer) => {
      if (answer !== undefined && refresh.rememberSeconds > 0) {
        if (this.#remembered.size >= MAX_REMEMBERED) this.#remembered.delete(this.#remembered.keys().next().value);
        this.#remembered.set(refresh.key, { ...answer, until: now + refresh.rememberSeconds });
      }
      return answer;
    });
    if (SHARE_FLIGHTS) {
      this.#pending.set(refresh.key, flight);
      flight.finally(() => {
        if (this.#pending.get(refresh.key) === flight) this.#pending.delete(refresh.key);
      }).catch(() => {});
    }
    return flight;
  }

  async #ask(cookie) {
    try {
      if (this.#getSession !== undefined) {
        // The database, not the cookie cache the gate could not use.
        const result = await this.#getSession({ headers: new Headers({ cookie }), query: { disableCookieCache: true }, returnHeaders: true });
        return answerOf(result);
      }
      const url = new URL(this.#url);
      url.searchParams.set("disableCookieCache", "true");
      const response = await this.#fetch(url.href, {
        method: "GET",
        headers: { cookie, accept: "application/json" },
        redirect: "manual",
        signal: AbortSignal.timeout(GET_SESSION_TIMEOUT_MS),
      });
      if (response.status !== 200) {
        await response.body?.cancel().catch(() => {});
        return undefined;
      }
      const bytes = await boundedBody(response, MAX_SESSION_BYTES);
      const body = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
      const setCookies = typeof response.headers.getSetCookie === "function" ? response.headers.getSetCookie() : [];
      return { body: body.trim() === "" ? "null" : body, setCookies };
    } catch {
      // No URL, cookie or answer in any message: each may carry credentials.
      return undefined;
    }
  }

  /**
   * The decision of a request without Authorization from the core's first `verdict` on
   * it (gate.js), refreshed through Better Auth when the cache cannot decide and `ask` is
   * true (else only a remembered answer is used, and the verdict is the refresh's
   * refusal). Resolves `{ verdict, refreshed?, setCookies }`.
   */
  async decide(core, verdict, parts, present, now, ask) {
    if (verdict.verdict !== "refresh") return { verdict, setCookies: NONE };
    let answer = this.remembered(verdict, now);
    if (answer === undefined && ask && this.canAsk) {
      answer = await this.answer(verdict, parts, present, now);
      if (answer === undefined) return { verdict: UNAVAILABLE, setCookies: NONE };
    }
    if (answer === undefined) return { verdict: { verdict: "refuse", error: verdict.error }, setCookies: NONE };
    return {
      verdict: JSON.parse(core.decideRefreshed(parts, present, answer.body, now)),
      refreshed: answer.body,
      setCookies: answer.setCookies,
    };
  }

  /** `decide` without I/O (the sync `gate.authorize`): a remembered answer, else the refusal. */
  decideSync(core, verdict, parts, present, now) {
    if (verdict.verdict !== "refresh") return { verdict, setCookies: NONE };
    const answer = this.remembered(verdict, now);
    if (answer === undefined) return { verdict: { verdict: "refuse", error: verdict.error }, setCookies: NONE };
    return {
      verdict: JSON.parse(core.decideRefreshed(parts, present, answer.body, now)),
      refreshed: answer.body,
      setCookies: answer.setCookies,
    };
  }
}
