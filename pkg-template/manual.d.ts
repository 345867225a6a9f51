// `jwtgate/manual`: no entry-specific rule (the browser entry's `secret_in_browser` guard is not installed here).
export * from "./index.js";
/** Instantiate the engine from a compiled `WebAssembly.Module` or the `.wasm` bytes. Call once. */
export declare function initJwtgate(moduleOrBytes: WebAssembly.Module | BufferSource): void;
