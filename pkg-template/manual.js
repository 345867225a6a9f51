// For hosts with their own Wasm loading: call `initJwtgate(moduleOrBytes)` once, then use Gate.
import { initSync } from "./jwtgate_wasm.js";

export function initJwtgate(moduleOrBytes) {
  initSync({ module: moduleOrBytes });
}

export { Gate, GateError, GateConfigError, errorTable, configErrorTable } from "./gate.js";
