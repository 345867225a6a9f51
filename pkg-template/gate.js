// The public JS API over the Wasm core. Every rule is decided in Rust (options, requests,
// what the origin receives, when to refetch a key set); this file only adapts JS inputs
// (options, Request objects) and outputs (claims, Headers, Response). Reading requests and
// applying the origin plan: request.js; fetching a remote key set: remote.js; session
// mode's I/O: session.js; refusals and configuration errors: errors.js.
import { GateCore, JwksRefresh, authorizationLimits, entryLayout, wasmMemory as memoryOf } from "./jwtgate_wasm.js";
import { GateConfigError, GateError, configErrorOf, deepFreeze, errorByCode, errorInfo, infoRefusal, refusal, usageError } from "./errors.js";
import { fetchJwks, SHARE_FLIGHTS } from "./remote.js";
import { applyPlan, copyHeaders, factsOf, headerOf, joined, pathOf } from "./request.js";
import { SessionHost, sessionParts } from "./session.js";

export { GateError, GateConfigError, errorTable, configErrorTable } from "./errors.js";

// Strings cross into Wasm by `encodeInto` straight into the core's fixed input buffer,
// and the payload JSON comes back from its fixed output buffer: no malloc/free calls.
const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { ignoreBOM: true });
let wasmMemory;

/**
 * The browser entry's rule for options (index.browser.js: no `secret` without the opt-in),
 * applied on every way to build a gate in this module instance (`new Gate`,
 * `Gate.fromJwksUrl`). The server entries and `jwtgate/manual` install none.
 */
let optionsGuard;
export function guardOptions(guard) {
  optionsGuard = guard;
}

/** `Authorization` is refused from its head past this many bytes (the core's limits). */
let authLimits;
/** The core's record of what answered a decision (field indices and kinds), read once. */
let layout;
/** Scratch for the byte lengths of a session request's parts (one call at a time). */
const SESSION_LENGTHS = new Int32Array(5);
/** The input buffer's order of a session request's parts, as indices into sessionParts'. */
const SESSION_ORDER = [3, 0, 1, 4, 5];
/** No Set-Cookie lines (internal: a decision gets an array of its own). */
const NO_COOKIES = Object.freeze([]);

/** `[userId, email]` of an allowed decision; anything else is a programming error. */
function verifiedIdentity(decision, method) {
  if (decision === null || typeof decision !== "object" || decision.allowed !== true) {
    throw usageError("decision_not_allowed",
      `gate.${method}(request, decision) needs an allowed decision; answer a refusal with gate.deny(decision)`);
  }
  const userId = decision.userId;
  const email = decision.claims?.email;
  if (typeof userId !== "string" || userId === "" || typeof email !== "string" || email === "") {
    throw usageError("invalid_decision", `gate.${method}: pass the decision gate.authorize(request) returned`);
  }
  return [userId, email];
}

function systemClock() {
  return Math.floor(Date.now() / 1000);
}

/** The options only the npm host reads: the clock and the browser entry's opt-in. */
function hostClock(options) {
  if (options === null || typeof options !== "object" || Array.isArray(options)) {
    throw new GateConfigError("invalid_option", "new Gate(options) needs an options object with a secret or a jwks");
  }
  optionsGuard?.(options);
  const optIn = options.dangerouslyAllowSecretInBrowser;
  if (optIn !== undefined && typeof optIn !== "boolean") {
    throw new GateConfigError("invalid_option", "dangerouslyAllowSecretInBrowser must be a boolean", "dangerouslyAllowSecretInBrowser");
  }
  const now = options.now ?? systemClock;
  if (typeof now === "number") return () => now;
  if (typeof now === "function") return now;
  throw new GateConfigError("invalid_option", "now must be a function returning seconds, or a number", "now");
}

/** A request's method, path and Authorization (a string, or the field lines of a plain object). */
function requestParts(request) {
  try {
    const method = typeof request?.method === "string" ? request.method : "GET";
    return [method, pathOf(request?.url), headerOf(request?.headers, "authorization")];
  } catch {
    return ["GET", "", undefined];
  }
}

// A key set fetched by Gate.fromJwksUrl, handed to the constructor it calls next (synchronously).
let fetchedKeySet;

/** The head of field lines whose combined value (joined with ", ") exceeds the cap; else undefined. */
function headOf(lines) {
  let size = 2 * (lines.length - 1);
  for (const line of lines) size += line.length;
  if (size <= authLimits[0]) return undefined;
  let head = "";
  for (let i = 0; i < lines.length && head.length < authLimits[1]; i++) head += (i > 0 ? ", " : "") + lines[i].slice(0, authLimits[1]);
  return head.slice(0, authLimits[1]);
}

// Session decisions allowed by Better Auth's get-session answer → that answer (originHeaders
// decides them again from it; the others from the cookies).
const refreshedDecisions = new WeakMap();

/**
 * The decision of a session verdict (session.js), or undefined for "pass" (the token path
 * answers it). A session decision carries Better Auth's `user` and `session` objects and
 * the Set-Cookie lines Better Auth answered (for the browser), `via: "session"`.
 */
function sessionDecision({ verdict, refreshed, setCookies }) {
  if (verdict.verdict === "pass") return undefined;
  if (verdict.verdict === "session" || verdict.verdict === "allow") {
    const claims = verdict.claims ?? deepFreeze(verdict.payload);
    if (verdict.verdict === "allow") return { allowed: true, userId: claims.sub, claims };
    const decision = { allowed: true, userId: claims.sub, claims, user: claims.user, session: claims.session, via: "session", setCookies: setCookies.length > 0 ? setCookies : [] };
    if (refreshed !== undefined) refreshedDecisions.set(decision, refreshed);
    return decision;
  }
  const decision = verdict.code !== undefined ? infoRefusal(errorByCode(verdict.code)) : refusal(verdict.error);
  // Better Auth's answer may clear the browser's cookies (a revoked session): pass it on.
  if (setCookies.length > 0) decision.setCookies = setCookies;
  return decision;
}

export class Gate {
  #core;
  #now;
  #inPtr;
  #inCap;
  #outPtr;
  #entryPtr;
  #input; // Uint8Array over the input buffer (recreated when memory grows)
  #entry; // Float64Array: the core's record of what answered (see `layout`)
  #memo = []; // per token cache slot: { generation, claims } — the parsed, frozen claims
  #sessionMemo = []; // per session cache slot: { generation, builtAt, claims }
  #remote; // Gate.fromJwksUrl: { url, fetch, refresh: JwksRefresh, inflight }
  #session; // session mode (sessionStrategy): a SessionHost

  #views() {
    if (this.#input === undefined || this.#input.byteLength === 0) {
      const buffer = (wasmMemory ??= memoryOf()).buffer;
      this.#input = new Uint8Array(buffer, this.#inPtr, this.#inCap);
    }
  }

  /** The core's record of the last decision, viewed over the current memory. */
  #record() {
    // The call may have grown the memory (detaching old views): view the current buffer.
    if (this.#entry === undefined || this.#entry.length === 0) {
      this.#entry = new Float64Array(wasmMemory.buffer, this.#entryPtr, layout.length);
    }
    return this.#entry;
  }

  /** Claims of an acceptance whose payload JSON (`length` bytes) is in the output buffer. */
  #claims(length) {
    const record = this.#record();
    const slot = record[layout.slot];
    const generation = record[layout.generation];
    // The core said which stored entry answered (it compared the whole token, in constant
    // time): its claims were parsed before. Generations are never reused.
    const known = slot >= 0 ? this.#memo[slot] : undefined;
    if (known !== undefined && known.generation === generation) return known.claims;
    const claims = deepFreeze(JSON.parse(decoder.decode(new Uint8Array(wasmMemory.buffer, this.#outPtr, length))));
    if (slot >= 0) this.#memo[slot] = { generation, claims };
    return claims;
  }

  /**
   * @param {import("./index.d.ts").GateOptions} options read by the core, by the names of
   * its options table (unknown names and wrong types are GateConfigErrors naming the field).
   */
  constructor(options) {
    this.#now = hostClock(options);
    const fetched = fetchedKeySet;
    fetchedKeySet = undefined;
    try {
      this.#core = new GateCore(options, fetched);
      this.#inPtr = this.#core.inputPtr();
      this.#inCap = this.#core.inputCapacity();
      this.#outPtr = this.#core.outputPtr();
      this.#entryPtr = this.#core.entryPtr();
      this.#session = SessionHost.fromOptions(options, (code, message, option) => new GateConfigError(code, message, option));
    } catch (e) {
      throw configErrorOf(e);
    }
    authLimits ??= authorizationLimits();
    layout ??= JSON.parse(entryLayout());
  }

  /**
   * A gate whose key set follows `url` (e.g. Better Auth's `https://app/api/auth/jwks`).
   * Resolves once the first fetch gave a valid key set; rejects (GateConfigError
   * `jwks_unavailable` or the key set's own code) otherwise. Every method follows the
   * refresh policy: `authorizeAsync` / `verifyAsync` wait for a refresh only when they need
   * it; the sync methods start a due refresh in the background and decide with the set in use.
   */
  static async fromJwksUrl(url, options = {}) {
    const now = hostClock(options);
    const href = url instanceof URL ? url.href : url;
    if (typeof href !== "string" || !/^https?:\/\//i.test(href)) {
      throw new GateConfigError("invalid_option", "the key set URL must be an http(s) URL");
    }
    const fetchImpl = options.fetch ?? globalThis.fetch;
    if (typeof fetchImpl !== "function") throw new GateConfigError("invalid_option", "fetch must be a function", "fetch");
    let refresh;
    try {
      // Every option checked before the first fetch, as if the key set were there.
      GateCore.checkRemoteOptions(options);
      refresh = new JwksRefresh(options);
    } catch (e) {
      throw configErrorOf(e);
    }
    const nowMs = () => 1000 * Number(now());
    refresh.started(nowMs());
    let fetched;
    try {
      fetched = await fetchJwks(fetchImpl, href, refresh.timeoutMs());
    } catch {
      // No URL or response text in the message: either may carry credentials.
      throw new GateConfigError("jwks_unavailable", "the key set could not be fetched (network, timeout, status other than 200, or too large)");
    }
    fetchedKeySet = fetched.text;
    const gate = new this(options);
    refresh.succeeded(nowMs(), fetched.cacheControl);
    gate.#remote = { url: href, fetch: fetchImpl, refresh, nowMs, inflight: undefined };
    return gate;
  }

  /**
   * Refetches the key set now if the refresh policy allows it (`reason`: "due" for a
   * missing or stale set, "unknown_kid" after an unknown key). Resolves `true` when a new
   * set is in use; a failure keeps the last good set. Single flight (not on workerd).
   */
  async refresh(reason = "due") {
    const remote = this.#remote;
    if (remote === undefined) return false;
    if (remote.inflight !== undefined) return remote.inflight;
    const now = remote.nowMs();
    const go = reason === "unknown_kid" ? remote.refresh.onUnknownKid(now) : remote.refresh.due(now);
    if (go === 0) return false;
    remote.refresh.started(now);
    const flight = (async () => {
      try {
        const { text, cacheControl } = await fetchJwks(remote.fetch, remote.url, remote.refresh.timeoutMs());
        this.#core.setJwks(text); // throws on a bad set: the current one stays
        this.#memo = [];
        this.#sessionMemo = [];
        remote.refresh.succeeded(remote.nowMs(), cacheControl);
        return true;
      } catch {
        return false;
      }
    })();
    if (SHARE_FLIGHTS) {
      remote.inflight = flight;
      flight.finally(() => {
        if (remote.inflight === flight) remote.inflight = undefined;
      });
    }
    return flight;
  }

  /**
   * Before a decision that needs a key: the refresh policy's wait. With a usable set (stale
   * or not) only the request that starts a due refresh waits for it; the others decide with
   * the set in use (stale-while-revalidate). Without any set, every request waits.
   */
  async #keysFor(remote) {
    if (remote.inflight !== undefined) {
      if (!remote.refresh.hasKeys()) await remote.inflight;
      return;
    }
    if (remote.refresh.due(remote.nowMs()) !== 0) await this.refresh("due");
  }

  /** Sync methods of a remote gate: a due refresh starts in the background; the set in use decides. */
  #kick(reason) {
    const remote = this.#remote;
    if (remote === undefined || remote.inflight !== undefined) return;
    const now = remote.nowMs();
    if ((reason === "unknown_kid" ? remote.refresh.onUnknownKid(now) : remote.refresh.due(now)) !== 0) {
      this.refresh(reason).catch(() => {});
    }
  }

  /** `verify` after the key set's refresh rules: stale → refetch; unknown `kid` → refetch once (cooldown). */
  async verifyAsync(token) {
    if (this.#remote !== undefined) await this.#keysFor(this.#remote);
    try {
      return this.#verify(token);
    } catch (e) {
      if (e?.code === "unknown_key" && (await this.refresh("unknown_kid"))) return this.#verify(token);
      throw e;
    }
  }

  /**
   * `authorize` after the key set's refresh rules (see `verifyAsync`). Never rejects. A
   * request outside the protected prefix never waits for a refresh.
   */
  async authorizeAsync(request) {
    const remote = this.#remote;
    if (remote !== undefined && this.#core.protects(requestParts(request)[1])) await this.#keysFor(remote);
    const session = this.#sessionRequest(request);
    if (session !== undefined) {
      const now = this.#clock();
      const verdict = this.#sessionVerdict(session[0], session[1], now);
      const decision = sessionDecision(await this.#session.decide(this.#core, verdict, ...session, now, true));
      if (decision !== undefined) return decision;
    }
    // The cookies were decided above ("pass"): the token rules answer, once.
    const decision = this.#authorize(request, session !== undefined);
    if (!decision.allowed && decision.code === "unknown_key" && (await this.refresh("unknown_kid"))) {
      return this.#authorize(request, session !== undefined);
    }
    return decision;
  }

  /** The injected clock; a clock that throws fails closed (NaN: the core treats it as "far future"). */
  #clock() {
    try {
      return Number(this.#now());
    } catch {
      return NaN;
    }
  }

  /**
   * Verifies a token; returns its claims. Throws GateError when refused.
   * @param {string} token
   */
  verify(token) {
    if (this.#remote === undefined) return this.#verify(token);
    this.#kick("due");
    try {
      return this.#verify(token);
    } catch (e) {
      if (e?.code === "unknown_key") this.#kick("unknown_kid");
      throw e;
    }
  }

  #verify(token) {
    if (typeof token !== "string") throw new GateError(errorByCode("malformed_token"));
    const now = this.#clock();
    this.#views();
    const { read, written } = encoder.encodeInto(token, this.#input);
    if (read !== token.length) {
      // Longer than the buffer (and so than any acceptable token): the string path.
      const payload = this.#core.verify(token, now);
      if (payload === undefined) throw new GateError(errorInfo(this.#core.lastError()));
      return deepFreeze(JSON.parse(payload));
    }
    const result = this.#core.verifyInput(written, now);
    if (result < 0) throw new GateError(errorInfo(-1 - result));
    return this.#claims(result);
  }

  /**
   * Signs `claims` with the current secret, then checks the token with this gate's rules at
   * its clock (in the core): a token the gate would refuse is never returned. Throws GateError.
   */
  mint(claims) {
    const payload = JSON.stringify(claims);
    const token = typeof payload === "string" ? this.#core.mint(payload, this.#clock()) : undefined;
    if (token === undefined) throw new GateError(typeof payload === "string" ? errorInfo(this.#core.lastError()) : errorByCode("malformed_token"));
    return token;
  }

  /**
   * Decides a request (a Fetch Request or any { method, url, headers }). Never throws.
   */
  authorize(request) {
    if (this.#remote === undefined) return this.#authorize(request);
    this.#kick("due");
    const decision = this.#authorize(request);
    if (decision.code === "unknown_key") this.#kick("unknown_kid");
    return decision;
  }

  /** Session mode and no Authorization: `[parts, present]` for the core's cookie decision. */
  #sessionRequest(request) {
    if (this.#session === undefined) return undefined;
    let method = "GET", path = "";
    try {
      method = typeof request?.method === "string" ? request.method : "GET";
      path = pathOf(request?.url);
    } catch {
      path = "";
    }
    const [parts, present] = sessionParts(request, method, path);
    return present & 1 ? undefined : [parts, present];
  }

  /**
   * The core's first verdict on a request's session cookies (session.js's shape:
   * `{verdict: "session", claims}`, `{verdict: "refresh", error, key, rememberSeconds}`,
   * `{verdict: "refuse", error}`, `{verdict: "pass"}`). The parts cross through the input
   * buffer and the payload comes back in the output buffer; claims are parsed once per
   * session cache entry and `iat` (the core says when it built them). Parts too large
   * for the buffers take the string path.
   */
  #sessionVerdict(parts, present, now) {
    this.#views();
    // Cookie, method, path, Origin, Referer (-1: not sent), back to back: the long one
    // first, straight into the buffer; when every character took one byte, each part's
    // byte length is its own.
    const lengths = SESSION_LENGTHS;
    const input = this.#input;
    const cookie = present & 2 ? parts[3] : "";
    const rest = parts[0] + parts[1] + (present & 4 ? parts[4] : "") + (present & 8 ? parts[5] : "");
    const c = encoder.encodeInto(cookie, input);
    let fits = c.read === cookie.length;
    const r = fits ? encoder.encodeInto(rest, input.subarray(c.written)) : undefined;
    fits = fits && r.read === rest.length;
    if (fits && c.written === cookie.length && r.written === rest.length) {
      lengths[0] = present & 2 ? cookie.length : -1;
      lengths[1] = parts[0].length;
      lengths[2] = parts[1].length;
      lengths[3] = present & 4 ? parts[4].length : -1;
      lengths[4] = present & 8 ? parts[5].length : -1;
    } else if (fits) {
      // Not all ASCII: each part's byte length, encoding them one by one.
      let at = 0;
      for (let i = 0; i < 5; i++) {
        const index = SESSION_ORDER[i];
        if (index >= 3 && (present & (1 << (index - 2))) === 0) {
          lengths[i] = -1;
          continue;
        }
        const { written } = encoder.encodeInto(parts[index], input.subarray(at));
        lengths[i] = written;
        at += written;
      }
    }
    const result = !fits ? layout.tooLarge : this.#core.decideSessionInput(lengths[0], lengths[1], lengths[2], lengths[3], lengths[4], now);
    if (result === layout.tooLarge) return JSON.parse(this.#core.decideRequest(parts, present, now));
    if (result < 0) return { verdict: "refuse", error: -1 - result };
    const record = this.#record();
    const kind = record[layout.kind];
    if (kind === layout.session) return this.#sessionAllowed(record, result);
    if (kind === layout.refresh) {
      const refresh = JSON.parse(decoder.decode(new Uint8Array(wasmMemory.buffer, this.#outPtr, result)));
      refresh.verdict = "refresh";
      return refresh;
    }
    return { verdict: "pass" };
  }

  /**
   * The verdict `{verdict: "session", claims}` of a session whose payload JSON (`length`
   * bytes) is in the output buffer: parsed once per session cache entry and `iat` (the
   * core says when it built them), then shared, frozen.
   */
  #sessionAllowed(record, length) {
    const slot = record[layout.slot];
    const generation = record[layout.generation];
    const builtAt = record[layout.builtAt];
    const known = slot >= 0 ? this.#sessionMemo[slot] : undefined;
    if (known !== undefined && known.generation === generation && known.builtAt === builtAt) return known.verdict;
    const claims = deepFreeze(JSON.parse(decoder.decode(new Uint8Array(wasmMemory.buffer, this.#outPtr, length))));
    const verdict = Object.freeze({ verdict: "session", claims });
    if (slot >= 0) this.#sessionMemo[slot] = { generation, builtAt, verdict };
    return verdict;
  }

  /** The decision; `cookiesDecided`: the session path already said "pass". */
  #authorize(request, cookiesDecided = false) {
    const session = cookiesDecided ? undefined : this.#sessionRequest(request);
    if (session !== undefined) {
      const now = this.#clock();
      const verdict = this.#sessionVerdict(session[0], session[1], now);
      const decision = verdict.verdict === "session"
        ? sessionDecision({ verdict, refreshed: undefined, setCookies: NO_COOKIES })
        : sessionDecision(this.#session.decideSync(this.#core, verdict, ...session, now));
      if (decision !== undefined) return decision;
    }
    // Inline (not requestParts): the hot path allocates nothing.
    let method = "GET", path = "", authorization;
    try {
      method = typeof request?.method === "string" ? request.method : "GET";
      path = pathOf(request?.url);
      authorization = headerOf(request?.headers, "authorization");
    } catch {
      path = "";
    }
    const now = this.#clock();
    if (Array.isArray(authorization)) {
      // Field lines (a plain object's array): the core combines them.
      const head = headOf(authorization);
      if (head !== undefined) return refusal(this.#core.refuseOversized(method, head));
      return this.#decided(this.#core.authorizeLines(method, path, authorization, now));
    }
    // UTF-16 units bound UTF-8 bytes from below: more units than the cap, more bytes too.
    // Such a header is judged by its head alone, never copied into Wasm.
    if (authorization !== undefined && authorization.length > authLimits[0]) {
      return refusal(this.#core.refuseOversized(method, authorization.slice(0, authLimits[1])));
    }
    this.#views();
    const input = this.#input;
    const m = encoder.encodeInto(method, input);
    const p = m.read === method.length ? encoder.encodeInto(path, input.subarray(m.written)) : undefined;
    const a = p !== undefined && p.read === path.length && authorization !== undefined
      ? encoder.encodeInto(authorization, input.subarray(m.written + p.written))
      : undefined;
    if (p === undefined || p.read !== path.length || (authorization !== undefined && a.read !== authorization.length)) {
      // Larger than the buffer: the string path.
      return this.#decided(this.#core.authorize(method, path, authorization, now));
    }
    const result = this.#core.authorizeInput(m.written, p.written, a === undefined ? -1 : a.written, now);
    if (result < 0) return refusal(-1 - result);
    const claims = this.#claims(result);
    return { allowed: true, userId: claims.sub, claims };
  }

  /** The decision of a string-path call (payload JSON, or undefined with the refusal in lastError). */
  #decided(payload) {
    if (payload === undefined) return refusal(this.#core.lastError());
    const claims = deepFreeze(JSON.parse(payload));
    return { allowed: true, userId: claims.sub, claims };
  }

  /** Does this path need a token (under the API prefix, or ambiguous)? */
  protects(path) {
    return this.#core.protects(pathOf(path));
  }

  /**
   * The headers to send to the origin for an allowed request: a copy of the request's with
   * the core's origin plan applied (README, "What the origin receives"): identity headers
   * (`x-user-id`, `x-user-email`, any spelling) from the verified claims, never a client's;
   * the bridge token in `Authorization` with `originToken: "hs256"`; no hop-by-hop headers,
   * no `host`; the client's forwarding headers replaced by `facts` (default: the scheme and
   * host of the request URL); Better Auth's session cookies removed. The request's token is
   * verified again (a cache hit) and held to the decision's user.
   * Throws a TypeError with `code` "decision_not_allowed" for a refusal; a GateError when
   * the re-verification refuses (e.g. the token expired in between).
   */
  originHeaders(request, decision, facts) {
    const [userId] = verifiedIdentity(decision, "originHeaders");
    if (facts !== undefined && (facts === null || typeof facts !== "object")) {
      throw usageError("invalid_facts", "gate.originHeaders: facts must be { clientAddress?, scheme?, host? }");
    }
    const headers = copyHeaders(request?.headers);
    const hop = [headers.get("connection") ?? "", headers.get("cookie") ?? "", headers.get("x-forwarded-for") ?? "", ...factsOf(request, facts)];
    // Allowed by its session cookies: decided again by the core (from the cache, or the
    // get-session answer that allowed it) and held to the decision's user.
    const session = decision.via === "session" ? this.#sessionRequest(request) : undefined;
    const plan = session !== undefined
      ? this.#core.sessionOriginPlan(...session, refreshedDecisions.get(decision), userId, hop, this.#clock())
      : this.#core.originPlan(joined(headerOf(request?.headers, "authorization")), userId, hop, this.#clock());
    if (plan === undefined) throw new GateError(errorInfo(this.#core.lastError()));
    return applyPlan(headers, JSON.parse(plan));
  }

  /**
   * A Request for `originBaseUrl` + the request's path and query, with `originHeaders`
   * (`facts` as there), the same method and body, and `redirect: "manual"` (the origin's
   * redirects go back to the client, not followed).
   * Throws a TypeError with a `code` for a refusal or an unusable base URL.
   */
  originRequest(request, decision, originBaseUrl, facts) {
    verifiedIdentity(decision, "originRequest");
    let base = typeof originBaseUrl === "string" ? originBaseUrl : originBaseUrl instanceof URL ? originBaseUrl.href : undefined;
    let parsed;
    try {
      parsed = base === undefined ? undefined : new URL(base);
    } catch {
      parsed = undefined;
    }
    if (!parsed || !/^https?:$/.test(parsed.protocol) || parsed.search !== "" || parsed.hash !== "" || /[?#]/.test(base)) {
      throw usageError("invalid_origin_url", "gate.originRequest: originBaseUrl must be an absolute http(s) URL without query or fragment");
    }
    base = base.replace(/\/+$/, "");
    // The path as the gate judged it (not re-normalised), without a fragment.
    const path = pathOf(request?.url).split("#")[0];
    if (!path.startsWith("/")) throw usageError("invalid_request", "gate.originRequest: the request has no URL path");
    const headers = this.originHeaders(request, decision, facts);
    const method = typeof request?.method === "string" ? request.method : "GET";
    const init = { method, headers, redirect: "manual" };
    const body = request?.body;
    if (body !== undefined && body !== null && method !== "GET" && method !== "HEAD") {
      init.body = body;
      init.duplex = "half"; // a stream body (Node/undici needs it said)
    }
    return new Request(base + path, init);
  }

  /**
   * A Response for a refusal: `{"detail": …}` JSON, the status, WWW-Authenticate on 401.
   */
  deny(decision, init = {}) {
    // Typed to accept any Decision (TypeScript without strictNullChecks cannot narrow one):
    // an allowed decision here is a bug in the caller, never a response to send.
    if (decision?.allowed === true) {
      throw usageError("decision_not_denied", "gate.deny() was given an allowed decision: call it only when decision.allowed is false");
    }
    const info = errorByCode(decision?.code);
    const headers = new Headers(init.headers);
    // The core's response headers for this refusal (content-type, no-store, WWW-Authenticate on 401).
    for (const [name, value] of info.headers) headers.set(name, value);
    return new Response(info.body, { status: info.status, headers });
  }
}
