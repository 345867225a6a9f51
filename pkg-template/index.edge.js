// Vercel / Next.js Edge runtime: compiling Wasm from bytes is forbidden there, so the
// module arrives precompiled through the `?module` import.
import wasmModule from "./jwtgate_wasm_bg.wasm?module";
import { initSync } from "./jwtgate_wasm.js";

initSync({ module: wasmModule });

export { Gate, GateError, GateConfigError } from "./gate.js";
