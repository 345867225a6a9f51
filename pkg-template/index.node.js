// Node.js (>= 20): the Wasm bytes are read synchronously next to this file.
import { readFileSync } from "node:fs";
import { initSync } from "./jwtgate_wasm.js";

initSync({ module: readFileSync(new URL("./jwtgate_wasm_bg.wasm", import.meta.url)) });

export { Gate, GateError, GateConfigError } from "./gate.js";
