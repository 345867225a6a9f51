// `wasm-pack build --target web` of bindings/wasm (make test-wasm): its output is the same
// engine pkg/ ships (jwtgate_wasm.js + jwtgate_wasm_bg.wasm, wasm-bindgen's `web` target), so
// the package's own gate.js and Node entry run on it unchanged. Proven here by loading them
// next to wasm-pack's files and checking real decisions.
//   WASM_PACK_OUT=<wasm-pack --out-dir> node --test tests/wasm-pack/build.test.mjs
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { copyFileSync, existsSync, mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const out = process.env.WASM_PACK_OUT;
const SECRET = "k3Jx9vQ2mW7pL4tZ8rB6nC1yH5sD0fGa";
const b64 = (s) => Buffer.from(s).toString("base64url");
function sign(payload) {
  const input = `${b64(JSON.stringify({ alg: "HS256", typ: "JWT" }))}.${b64(JSON.stringify(payload))}`;
  return `${input}.${createHmac("sha256", SECRET).update(input).digest("base64url")}`;
}

test("wasm-pack's output has the engine files pkg/ is built from", () => {
  assert.ok(out, "WASM_PACK_OUT is not set");
  for (const f of ["jwtgate_wasm.js", "jwtgate_wasm.d.ts", "jwtgate_wasm_bg.wasm", "jwtgate_wasm_bg.wasm.d.ts"]) {
    assert.ok(existsSync(join(out, f)), `${f} missing in ${out}`);
  }
});

test("the package's gate.js decides on wasm-pack's engine", async () => {
  const dir = mkdtempSync(join(tmpdir(), "jwtgate-wasm-pack-"));
  for (const f of readdirSync(out)) if (/^jwtgate_wasm/.test(f)) copyFileSync(join(out, f), join(dir, f));
  // Every hand-written module of the package (gate.js and the files it imports), and the Node entry.
  const template = new URL("../../pkg-template/", import.meta.url);
  for (const f of readdirSync(template).filter((f) => f.endsWith(".js"))) copyFileSync(new URL(f, template), join(dir, f));
  const { Gate, GateError } = await import(pathToFileURL(join(dir, "index.node.js")).href);
  const now = 1_700_000_000;
  const gate = new Gate({ secret: SECRET, now });
  const claims = { sub: "u1", email: "a@example.com", iat: now, exp: now + 900 };
  const token = sign(claims);
  assert.deepEqual(gate.verify(token), claims);
  assert.throws(() => gate.verify(sign({ ...claims, exp: now })), (e) => e instanceof GateError && e.code === "token_expired");
  const refused = gate.authorize({ method: "GET", url: "/api/v1/u2/tasks", headers: { authorization: `Bearer ${token}` } });
  assert.equal(refused.allowed, false);
  assert.equal(refused.status, 403);
  assert.equal(refused.code, "user_mismatch");
});
