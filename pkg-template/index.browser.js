// Browsers and bundlers: fetch + instantiate the Wasm once, before the first `new Gate`.
import init from "./jwtgate_wasm.js";

await init({ module_or_path: new URL("./jwtgate_wasm_bg.wasm", import.meta.url) });

import { GateConfigError, guardOptions } from "./gate.js";

export { Gate, GateError, GateConfigError, errorTable, configErrorTable } from "./gate.js";

/**
 * The browser's Gate refuses a `secret` unless the caller opts in by name: HS256 in a page
 * hands `BETTER_AUTH_SECRET` to every visitor, who can then mint a token for any user.
 * What this entry is for: tests, and public-key verification (`jwks`, `Gate.fromJwksUrl`).
 * The rule is installed in gate.js itself, so it holds on every way to build a gate
 * (`new Gate`, `Gate.fromJwksUrl`, a subclass, the base class reached by prototype).
 */
guardOptions((options) => {
  if (options.secret !== undefined && options.dangerouslyAllowSecretInBrowser !== true) {
    throw new GateConfigError("secret_in_browser",
      "a secret in browser code is readable by every visitor, who can then mint tokens for any user: " +
      "verify on a server (Next.js proxy.ts, a Worker); for tests only, pass dangerouslyAllowSecretInBrowser: true",
      "secret");
  }
});
