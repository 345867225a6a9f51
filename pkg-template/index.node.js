// Node.js (>= 20): the Wasm bytes are read synchronously next to this file.
import { readFileSync } from "node:fs";
import { initSync } from "./jwtgate_wasm.js";

function wasmBytes() {
  // Plain Node, and Turbopack (Next.js's default bundler; it copies the asset into .next/):
  // a file: URL.
  const url = new URL("./jwtgate_wasm_bg.wasm", import.meta.url);
  if (url.protocol === "file:") return readFileSync(url);
  // webpack server builds (e.g. `next build --webpack`) turn that pattern into a public
  // asset path ("/_next/static/media/…"), which is no file: resolve the package at run
  // time with Node's own require, out of webpack's sight (webpack rewrites
  // `__non_webpack_require__` to the real `require`).
  // eslint-disable-next-line no-undef
  if (typeof __non_webpack_require__ === "function") return readFileSync(__non_webpack_require__.resolve("jwtgate/jwtgate_wasm_bg.wasm"));
  throw new Error(`jwtgate: cannot locate jwtgate_wasm_bg.wasm (bundler gave ${JSON.stringify(String(url))})`);
}

initSync({ module: wasmBytes() });

export { Gate, GateError, GateConfigError, errorTable, configErrorTable } from "./gate.js";
