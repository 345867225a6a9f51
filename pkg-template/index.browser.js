// Browsers and bundlers: fetch + instantiate the Wasm once, before the first `new Gate`.
import init from "./jwtgate_wasm.js";

await init({ module_or_path: new URL("./jwtgate_wasm_bg.wasm", import.meta.url) });

export { Gate, GateError, GateConfigError } from "./gate.js";
