// The public JS API over the Wasm core. Every rule is decided in Rust; this file only
// adapts JS inputs (options, Request objects) and outputs (claims, Response).
import { GateCore, errorTable, wasmMemory as memoryOf } from "./jwtgate_wasm.js";

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
  "minLifetimeSeconds", "maxLifetimeSeconds", "apiPrefix", "now", "cacheSize",
]);

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
      throw new GateConfigError("invalid_option", "new Gate(options) needs an options object with a secret");
    }
    for (const key of Object.keys(options)) {
      if (!OPTION_NAMES.has(key)) throw new GateConfigError("unknown_option", `unknown option ${JSON.stringify(key)}`);
    }
    const secret = options.secret;
    if (typeof secret !== "string" || secret === "") {
      throw new GateConfigError("missing_secret", "secret is required (BETTER_AUTH_SECRET, at least 32 characters)");
    }
    // A string is a comma-separated list (BETTER_AUTH_PREVIOUS_SECRETS); the core splits it.
    const list = typeof options.previousSecrets === "string" ? options.previousSecrets : undefined;
    const previous = list === undefined ? options.previousSecrets ?? [] : [];
    if (!Array.isArray(previous) || previous.some((s) => typeof s !== "string")) {
      throw new GateConfigError("invalid_option", "previousSecrets must be an array of strings");
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
      );
      this.#inPtr = this.#core.inputPtr();
      this.#inCap = this.#core.inputCapacity();
      this.#outPtr = this.#core.outputPtr();
      this.#entryPtr = this.#core.entryPtr();
    } catch (e) {
      if (typeof e === "string") {
        const tab = e.indexOf("\t");
        throw new GateConfigError(e.slice(0, tab), e.slice(tab + 1));
      }
      throw e;
    }
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
   * A Response for a refusal: `{"detail": …}` JSON, the status, WWW-Authenticate on 401.
   */
  deny(decision, init = {}) {
    const info = errorByCode(decision?.code);
    const headers = new Headers(init.headers);
    headers.set("content-type", "application/json");
    headers.set("cache-control", "no-store");
    if (info.wwwAuthenticate) headers.set("www-authenticate", info.wwwAuthenticate);
    return new Response(info.body, { status: info.status, headers });
  }
}
