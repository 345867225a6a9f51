// Refusals and configuration errors as the npm API gives them: the core's error tables
// (read once from the Wasm engine), `GateError` and `GateConfigError`, and the decision
// objects of a refusal. Every code, status and detail is the core's.
import { errorTable as coreErrorTable, configErrorTable as coreConfigErrorTable } from "./jwtgate_wasm.js";

const INTERNAL = {
  code: "internal_error", status: 500, detail: "Internal error", body: '{"detail":"Internal error"}', wwwAuthenticate: null,
  headers: [["content-type", "application/json"], ["cache-control", "no-store"]],
};
let errors; // [{code, status, detail, body, wwwAuthenticate}], read once from the core.
function errorTableOnce() {
  return (errors ??= deepFreeze(JSON.parse(coreErrorTable())));
}

/**
 * Every refusal the core can give: `{ code, status, detail, body, wwwAuthenticate, headers }`
 * (the runtime source of the codes `GateErrorCode` declares).
 */
export function errorTable() {
  return errorTableOnce();
}

let configErrors;
/** Every configuration error code the package can throw: `{ code, option }` (`option` null for the host's own). */
export function configErrorTable() {
  return (configErrors ??= deepFreeze(JSON.parse(coreConfigErrorTable())));
}
export function errorInfo(index) {
  return errorTableOnce()[index] ?? INTERNAL;
}
export function errorByCode(code) {
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
  constructor(code, message, option) {
    super(message);
    this.name = "GateConfigError";
    this.code = code;
    /** The option at fault (its npm name, from the core's options table), when one is. */
    this.option = option;
  }
}

/** A caller's mistake (not a refusal): a TypeError with a stable `code`. */
export function usageError(code, message) {
  const error = new TypeError(message);
  error.code = code;
  return error;
}

/** Claims are shared by every call that presents the same token: frozen, all the way down. */
export function deepFreeze(value) {
  if (value !== null && typeof value === "object") {
    for (const key of Object.keys(value)) deepFreeze(value[key]);
    Object.freeze(value);
  }
  return value;
}

export function configErrorOf(e) {
  if (typeof e === "string") {
    const [code, option, ...message] = e.split("\t");
    return new GateConfigError(code, message.join("\t"), option || undefined);
  }
  return e;
}

export function refusal(index) {
  const info = errorInfo(index);
  return { allowed: false, status: info.status, code: info.code, detail: info.detail };
}

export function infoRefusal(info) {
  return { allowed: false, status: info.status, code: info.code, detail: info.detail };
}
