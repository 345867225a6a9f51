// The public JS API over the Wasm core. Every rule is decided in Rust; this file only
// adapts JS inputs (options, Request objects) and outputs (claims, Response).
import { GateCore, JwksRefresh, errorTable, identityHeaderValue, maxJwksBytes, wasmMemory as memoryOf } from "./jwtgate_wasm.js";

// Strings cross into Wasm by `encodeInto` straight into the core's fixed input buffer,
// and the payload JSON comes back from its fixed output buffer: no malloc/free calls.
const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { ignoreBOM: true });
let wasmMemory;

const INTERNAL = { code: "internal_error", status: 500, detail: "Internal error", body: '{"detail":"Internal error"}', wwwAuthenticate: null };
let errors; // [{code, status, detail, body, wwwAuthenticate}], read once from the core.
function errorTableOnce() {
  return (errors ??= JSON.parse(errorTable()));
}
function errorInfo(index) {
  return errorTableOnce()[index] ?? INTERNAL;
}
function errorByCode(code) {
  return errorTableOnce().find((e) => e.code === code) ?? INTERNAL;
}

/** A refused token or request: `.status`, `.code` (stable), `.detail` (human text). */
export class GateError extends Error {
  constructor(info) {
    super(info.detail);
    this.name = "GateError";
    this.status = info.status;
    this.code = info.code;
    this.detail = info.detail;
  }
}

/** A configuration the gate will not run with (the message says which option and why). */
export class GateConfigError extends Error {
  constructor(code, message) {
    super(message);
    this.name = "GateConfigError";
    this.code = code;
  }
}

const OPTION_NAMES = new Set([
  "secret", "previousSecrets", "issuer", "audience", "leewaySeconds",
  "minLifetimeSeconds", "maxLifetimeSeconds", "apiPrefix", "now", "cacheSize", "selfRoutes", "jwks",
  "originToken",
  // Read by the browser entry (index.browser.js); accepted everywhere so one options
  // object works in every host.
  "dangerouslyAllowSecretInBrowser",
]);

/** Connection-scoped headers (RFC 9110 §7.6.1): a new hop (`originRequest`) does not carry them. */
const HOP_BY_HOP = [
  "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "proxy-connection",
  "te", "trailer", "transfer-encoding", "upgrade",
];

/** A caller's mistake (not a refusal): a TypeError with a stable `code`. */
function usageError(code, message) {
  const error = new TypeError(message);
  error.code = code;
  return error;
}

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

/** A mutable copy of a request's headers (Headers, a Map, or a plain object with string or array values). */
function copyHeaders(source) {
  if (source === undefined || source === null) return new Headers();
  if (typeof Headers !== "undefined" && source instanceof Headers) return new Headers(source);
  const headers = new Headers();
  if (typeof source.forEach === "function" && typeof source.get === "function") {
    source.forEach((value, name) => headers.append(name, String(value)));
    return headers;
  }
  for (const name of Object.keys(source)) {
    const value = source[name];
    if (value === undefined || value === null) continue;
    for (const one of Array.isArray(value) ? value : [value]) headers.append(name, String(one));
  }
  return headers;
}

/** Knobs of `Gate.fromJwksUrl` besides the Gate options (jose's names and defaults, ms). */
const REMOTE_OPTION_NAMES = new Set(["cacheMaxAge", "cooldownDuration", "timeoutDuration", "fetch"]);

/** Slots of the verified-token cache unless `cacheSize` says otherwise (0: off). */
const DEFAULT_CACHE_SIZE = 256;

/** Claims are shared by every call that presents the same token: frozen, all the way down. */
function deepFreeze(value) {
  if (value !== null && typeof value === "object") {
    for (const key of Object.keys(value)) deepFreeze(value[key]);
    Object.freeze(value);
  }
  return value;
}

function optionalString(options, name) {
  const value = options[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw new GateConfigError("invalid_option", `${name} must be a string`);
  return value;
}

function optionalNumber(options, name, fallback) {
  const value = options[name];
  if (value === undefined || value === null) return fallback;
  if (typeof value !== "number") throw new GateConfigError("invalid_number", `${name} must be a non-negative integer`);
  return value;
}

function systemClock() {
  return Math.floor(Date.now() / 1000);
}

/** A key set given as an object or as JSON text → the JSON text the core parses. */
function jwksText(jwks) {
  if (jwks === undefined || jwks === null) return undefined;
  if (typeof jwks === "string") return jwks;
  if (typeof jwks === "object") return JSON.stringify(jwks);
  throw new GateConfigError("invalid_option", "jwks must be a JWKS object or its JSON text");
}

function configErrorOf(e) {
  if (typeof e === "string") {
    const tab = e.indexOf("\t");
    return new GateConfigError(e.slice(0, tab), e.slice(tab + 1));
  }
  return e;
}

// workerd cannot await a promise created by another request ("Cannot perform I/O on behalf
// of a different request"): there, concurrent requests never share a key-set fetch.
const SHARE_FLIGHTS = !(typeof navigator === "object" && navigator?.userAgent === "Cloudflare-Workers");

/**
 * One GET of a key set: manual redirects (a 3xx is a failure), 200 only, at most the core's
 * byte cap, within `timeoutMs` (headers and body). Resolves `{ text, cacheControl }`.
 */
async function fetchJwks(fetchImpl, url, timeoutMs) {
  const signal = AbortSignal.timeout(timeoutMs);
  const response = await fetchImpl(url, { redirect: "manual", signal, headers: { accept: "application/json" } });
  if (response.status !== 200) {
    await response.body?.cancel().catch(() => {});
    throw new Error(`key set fetch answered ${response.status}`);
  }
  const cap = maxJwksBytes();
  const declared = Number(response.headers.get("content-length"));
  if (declared > cap) {
    await response.body?.cancel().catch(() => {});
    throw new Error("key set larger than the cap");
  }
  const chunks = [];
  let size = 0;
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > cap) {
      await reader.cancel().catch(() => {});
      throw new Error("key set larger than the cap");
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    bytes.set(c, at);
    at += c.byteLength;
  }
  return { text: new TextDecoder("utf-8", { fatal: true }).decode(bytes), cacheControl: response.headers.get("cache-control") ?? undefined };
}

/** Path of a request URL, as sent: no normalisation (the core refuses ambiguous paths). */
function pathOf(url) {
  if (typeof url !== "string") return "";
  if (url.startsWith("/")) return url;
  const match = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^/?#]*/.exec(url);
  if (!match) return url;
  const rest = url.slice(match[0].length);
  return rest === "" || rest[0] === "?" || rest[0] === "#" ? "/" + rest : rest;
}

function headerOf(headers, name) {
  if (!headers) return undefined;
  if (typeof headers.get === "function") {
    const value = headers.get(name);
    return value === null || value === undefined ? undefined : String(value);
  }
  if (typeof headers === "object") {
    for (const key of Object.keys(headers)) {
      if (key.toLowerCase() === name) {
        const value = headers[key];
        if (value === undefined || value === null) return undefined;
        return Array.isArray(value) ? value.join(", ") : String(value);
      }
    }
  }
  return undefined;
}

function refusal(index) {
  const info = errorInfo(index);
  return { allowed: false, status: info.status, code: info.code, detail: info.detail };
}

export class Gate {
  #core;
  #now;
  #inPtr;
  #inCap;
  #outPtr;
  #entryPtr;
  #input; // Uint8Array over the input buffer (recreated when memory grows)
  #entry; // Float64Array [slot, generation] of the cache entry that answered
  #memo = []; // per cache slot: { generation, claims } — the parsed, frozen claims
  #remote; // Gate.fromJwksUrl: { url, fetch, refresh: JwksRefresh, inflight }
  #bridge = false; // originToken "hs256": originHeaders replaces Authorization with the core's bridge token

  #views() {
    if (this.#input === undefined || this.#input.byteLength === 0) {
      const buffer = (wasmMemory ??= memoryOf()).buffer;
      this.#input = new Uint8Array(buffer, this.#inPtr, this.#inCap);
    }
  }

  /** Claims of an acceptance whose payload JSON (`length` bytes) is in the output buffer. */
  #claims(length) {
    // The call may have grown the memory (detaching old views): view the current buffer.
    if (this.#entry === undefined || this.#entry.length === 0) {
      this.#entry = new Float64Array(wasmMemory.buffer, this.#entryPtr, 2);
    }
    const slot = this.#entry[0];
    const generation = this.#entry[1];
    // The core said which stored entry answered (it compared the whole token, in constant
    // time): its claims were parsed before. Generations are never reused.
    const known = slot >= 0 ? this.#memo[slot] : undefined;
    if (known !== undefined && known.generation === generation) return known.claims;
    const claims = deepFreeze(JSON.parse(decoder.decode(new Uint8Array(wasmMemory.buffer, this.#outPtr, length))));
    if (slot >= 0) this.#memo[slot] = { generation, claims };
    return claims;
  }

  /**
   * @param {import("./index.d.ts").GateOptions} options
   */
  constructor(options) {
    if (options === null || typeof options !== "object") {
      throw new GateConfigError("invalid_option", "new Gate(options) needs an options object with a secret or a jwks");
    }
    for (const key of Object.keys(options)) {
      if (!OPTION_NAMES.has(key)) throw new GateConfigError("unknown_option", `unknown option ${JSON.stringify(key)}`);
    }
    const optIn = options.dangerouslyAllowSecretInBrowser;
    if (optIn !== undefined && typeof optIn !== "boolean") {
      throw new GateConfigError("invalid_option", "dangerouslyAllowSecretInBrowser must be a boolean");
    }
    const jwks = jwksText(options.jwks);
    // With a key set (EdDSA tokens) the secret (HS256 tokens) is optional.
    const secret = jwks !== undefined && (options.secret === undefined || options.secret === null) ? "" : options.secret;
    if (typeof secret !== "string" || (secret === "" && jwks === undefined)) {
      throw new GateConfigError("missing_secret", "secret is required (BETTER_AUTH_SECRET, at least 32 characters), or a jwks");
    }
    // A string is a comma-separated list (BETTER_AUTH_PREVIOUS_SECRETS); the core splits it.
    const list = typeof options.previousSecrets === "string" ? options.previousSecrets : undefined;
    const previous = list === undefined ? options.previousSecrets ?? [] : [];
    if (!Array.isArray(previous) || previous.some((s) => typeof s !== "string")) {
      throw new GateConfigError("invalid_option", "previousSecrets must be an array of strings");
    }
    // undefined: the core's default self route ({apiPrefix}me/profile); the core validates entries.
    const selfRoutes = options.selfRoutes ?? undefined;
    if (selfRoutes !== undefined && (!Array.isArray(selfRoutes) || selfRoutes.some((r) => typeof r !== "string"))) {
      throw new GateConfigError("invalid_option", "selfRoutes must be an array of paths (strings)");
    }
    const now = options.now ?? systemClock;
    if (typeof now === "number") this.#now = () => now;
    else if (typeof now === "function") this.#now = now;
    else throw new GateConfigError("invalid_option", "now must be a function returning seconds, or a number");
    try {
      this.#core = new GateCore(
        secret,
        previous,
        list,
        optionalString(options, "issuer"),
        optionalString(options, "audience"),
        optionalNumber(options, "leewaySeconds", 0),
        optionalNumber(options, "minLifetimeSeconds", 900),
        optionalNumber(options, "maxLifetimeSeconds", 1800),
        optionalString(options, "apiPrefix"),
        optionalNumber(options, "cacheSize", DEFAULT_CACHE_SIZE),
        selfRoutes,
        jwks,
        optionalString(options, "originToken"), // parsed by the core ("forward" | "hs256")
      );
      this.#inPtr = this.#core.inputPtr();
      this.#inCap = this.#core.inputCapacity();
      this.#outPtr = this.#core.outputPtr();
      this.#entryPtr = this.#core.entryPtr();
    } catch (e) {
      throw configErrorOf(e);
    }
    this.#bridge = this.#core.bridges();
  }

  /**
   * A gate whose key set follows `url` (e.g. Better Auth's `https://app/api/auth/jwks`).
   * Resolves once the first fetch gave a valid key set; rejects (GateConfigError
   * `jwks_unavailable` or the key set's own code) otherwise. Use `authorizeAsync` /
   * `verifyAsync` to let requests refresh the set (max-age, unknown `kid` with cooldown).
   */
  static async fromJwksUrl(url, options = {}) {
    if (options === null || typeof options !== "object") throw new GateConfigError("invalid_option", "options must be an object");
    const href = url instanceof URL ? url.href : url;
    if (typeof href !== "string" || !/^https?:\/\//i.test(href)) {
      throw new GateConfigError("invalid_option", "the key set URL must be an http(s) URL");
    }
    const gateOptions = {};
    for (const [key, value] of Object.entries(options)) {
      if (!REMOTE_OPTION_NAMES.has(key)) gateOptions[key] = value;
    }
    if (gateOptions.jwks !== undefined) throw new GateConfigError("invalid_option", "give either jwks or a key set URL, not both");
    const fetchImpl = options.fetch ?? globalThis.fetch;
    if (typeof fetchImpl !== "function") throw new GateConfigError("invalid_option", "fetch must be a function");
    let refresh;
    try {
      refresh = new JwksRefresh(
        optionalNumber(options, "cacheMaxAge", 600_000),
        optionalNumber(options, "cooldownDuration", 30_000),
        optionalNumber(options, "timeoutDuration", 5_000),
      );
    } catch (e) {
      throw configErrorOf(e);
    }
    const now = gateOptions.now ?? systemClock;
    const nowMs = () => 1000 * Number(typeof now === "function" ? now() : now);
    refresh.started(nowMs());
    let fetched;
    try {
      fetched = await fetchJwks(fetchImpl, href, refresh.timeoutMs());
    } catch {
      // No URL or response text in the message: either may carry credentials.
      throw new GateConfigError("jwks_unavailable", "the key set could not be fetched (network, timeout, status other than 200, or too large)");
    }
    const gate = new Gate({ ...gateOptions, jwks: fetched.text });
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

  /** `verify` after the key set's refresh rules: stale → refetch; unknown `kid` → refetch once (cooldown). */
  async verifyAsync(token) {
    await this.refresh("due");
    try {
      return this.verify(token);
    } catch (e) {
      if (e?.code === "unknown_key" && (await this.refresh("unknown_kid"))) return this.verify(token);
      throw e;
    }
  }

  /** `authorize` after the key set's refresh rules (see `verifyAsync`). Never rejects. */
  async authorizeAsync(request) {
    await this.refresh("due");
    const decision = this.authorize(request);
    if (!decision.allowed && decision.code === "unknown_key" && (await this.refresh("unknown_kid"))) {
      return this.authorize(request);
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
    let method = "GET", path = "", authorization;
    try {
      method = typeof request?.method === "string" ? request.method : "GET";
      path = pathOf(request?.url);
      authorization = headerOf(request?.headers, "authorization");
    } catch {
      path = "";
    }
    const now = this.#clock();
    this.#views();
    const input = this.#input;
    const m = encoder.encodeInto(method, input);
    const p = m.read === method.length ? encoder.encodeInto(path, input.subarray(m.written)) : undefined;
    const a = p !== undefined && p.read === path.length && authorization !== undefined
      ? encoder.encodeInto(authorization, input.subarray(m.written + p.written))
      : undefined;
    let claims;
    if (p === undefined || p.read !== path.length || (authorization !== undefined && a.read !== authorization.length)) {
      // Larger than the buffer: the string path.
      const payload = this.#core.authorize(method, path, authorization, now);
      claims = payload === undefined ? undefined : deepFreeze(JSON.parse(payload));
      if (claims === undefined) return refusal(this.#core.lastError());
    } else {
      const result = this.#core.authorizeInput(m.written, p.written, a === undefined ? -1 : a.written, now);
      if (result < 0) return refusal(-1 - result);
      claims = this.#claims(result);
    }
    return { allowed: true, userId: claims.sub, claims };
  }

  /** Does this path need a token (under the API prefix, or ambiguous)? */
  protects(path) {
    return this.#core.protects(pathOf(path));
  }

  /**
   * The headers to send to the origin for an allowed request: a copy of the request's
   * headers where every identity header the gate sets (`x-user-id`, `x-user-email`, in any
   * spelling, repeated or not) carries the verified claim, never a client-sent value.
   * Values are written through the core's identity encoding (ordinary ids and emails
   * unchanged; anything else percent-encoded UTF-8: README, "Identity headers").
   * With `originToken: "hs256"`, `Authorization` is replaced by the bridge token.
   * Throws a TypeError with `code` "decision_not_allowed" for a refusal; a GateError when
   * the bridge's re-verification refuses (e.g. the token expired in between).
   */
  originHeaders(request, decision) {
    const [userId, email] = verifiedIdentity(decision, "originHeaders");
    const headers = copyHeaders(request?.headers);
    // `set` replaces every value of the name, whatever its case.
    headers.set("x-user-id", identityHeaderValue(userId));
    headers.set("x-user-email", identityHeaderValue(email));
    if (this.#bridge) {
      // The bridge: the origin gets the core's spec-shaped HS256 token for the same user,
      // with the same iat/exp (the request's token re-verified: a cache hit).
      const bridged = this.#core.originAuthorization(headerOf(request?.headers, "authorization"), userId, this.#clock());
      if (bridged === undefined) throw new GateError(errorInfo(this.#core.lastError()));
      headers.set("authorization", bridged);
    }
    return headers;
  }

  /**
   * A Request for `originBaseUrl` + the request's path and query, with `originHeaders`
   * (minus `host` and hop-by-hop headers: this is a new hop), the same method and body,
   * and `redirect: "manual"` (the origin's redirects go back to the client, not followed).
   * Throws a TypeError with a `code` for a refusal or an unusable base URL.
   */
  originRequest(request, decision, originBaseUrl) {
    const headers = this.originHeaders(request, decision);
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
    for (const name of (headers.get("connection") ?? "").split(",")) {
      const listed = name.trim();
      if (listed !== "") {
        try {
          headers.delete(listed);
        } catch {}
      }
    }
    for (const name of HOP_BY_HOP) headers.delete(name);
    headers.delete("host");
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
    headers.set("content-type", "application/json");
    headers.set("cache-control", "no-store");
    if (info.wwwAuthenticate) headers.set("www-authenticate", info.wwwAuthenticate);
    return new Response(info.body, { status: info.status, headers });
  }
}
