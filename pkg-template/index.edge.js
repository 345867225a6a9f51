// Vercel / Next.js Edge runtime: compiling Wasm from bytes is forbidden there, so the
// module arrives precompiled through the `?module` import (webpack and Turbopack both
// turn it into the WebAssembly.Module the runtime injects).
import wasmModule from "./jwtgate_wasm_bg.wasm?module";
import { initSync } from "./jwtgate_wasm.js";

// `next start` runs Edge code in a vm context but compiles the Wasm outside it, so the
// Module belongs to another realm: `instanceof WebAssembly.Module` is false there and
// initSync would try `new WebAssembly.Module(module)` (throws). Give that object this
// realm's prototype: WebAssembly.Instance checks the internal slot, not the prototype.
// (Synchronous on purpose: a top-level await here makes webpack warn in every user's build.)
if (!(wasmModule instanceof WebAssembly.Module) && Object.prototype.toString.call(wasmModule) === "[object WebAssembly.Module]") {
  Object.setPrototypeOf(wasmModule, WebAssembly.Module.prototype);
}
initSync({ module: wasmModule });

export { Gate, GateError, GateConfigError, errorTable, configErrorTable } from "./gate.js";
