// Cloudflare Workers (workerd): wrangler/esbuild import `.wasm` as a compiled WebAssembly.Module.
import wasmModule from "./jwtgate_wasm_bg.wasm";
import { initSync } from "./jwtgate_wasm.js";

initSync({ module: wasmModule });

export { Gate, GateError, GateConfigError, errorTable, configErrorTable } from "./gate.js";
