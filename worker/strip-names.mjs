// Drops the `name` custom section (debug symbol names, ~40% of the raw .wasm) from a
// worker-build output, in place. Code, data and every other section are copied byte for
// byte. Used because wasm-opt is not available offline (and Debian's v108 cannot parse
// this module); `strip = "symbols"` would also drop `target_features`, which wasm-bindgen reads.
import { readFileSync, writeFileSync } from "node:fs";

const file = process.argv[2];
const wasm = readFileSync(file);
if (wasm.readUInt32BE(0) !== 0x0061736d) throw new Error(`${file}: not a wasm module`);

function leb(buf, at) {
  let value = 0, shift = 0, byte;
  do {
    byte = buf[at++];
    value += (byte & 0x7f) * 2 ** shift;
    shift += 7;
  } while (byte & 0x80);
  return [value, at];
}

const keep = [wasm.subarray(0, 8)];
let at = 8, dropped = 0;
while (at < wasm.length) {
  const start = at;
  const id = wasm[at++];
  const [size, body] = leb(wasm, at);
  const end = body + size;
  if (end > wasm.length) throw new Error(`${file}: truncated section at ${start}`);
  let name = null;
  if (id === 0) {
    const [len, text] = leb(wasm, body);
    name = wasm.subarray(text, text + len).toString("utf8");
  }
  if (name === "name") dropped += end - start;
  else keep.push(wasm.subarray(start, end));
  at = end;
}
if (dropped > 0) writeFileSync(file, Buffer.concat(keep));
console.log(`strip-names: ${file}: removed ${dropped} bytes`);
