// The shared request corpus (tests/corpus/cases.json, materialized by the Rust example
// `corpus` at one fixed `now`) through the installed npm package: the Wasm build must
// decide every request exactly as the corpus expects — the same file the native core,
// the worker and the Next.js apps are held to.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { Gate } from "jwtgate";

const lines = readFileSync(process.env.JWTGATE_CORPUS ?? "corpus.jsonl", "utf8").trim().split("\n");
const meta = JSON.parse(lines[0]);
const cases = lines.slice(1).map((line) => JSON.parse(line));

test(`corpus: ${cases.length} requests decided as expected by the Wasm package`, () => {
  assert.ok(cases.length >= 80, `corpus too small: ${cases.length}`);
  const gates = {};
  for (const [name, options] of Object.entries(meta.configs)) gates[name] = new Gate({ ...options, now: meta.now });
  let checked = 0;
  for (const c of cases) {
    if (c.tags.includes("native-only")) continue;
    // `url` may be an absolute URL in the JS API, so an absolute-form request target
    // (a raw-path case) has no JS spelling; origin-form raw paths are passed through as-is.
    if (!c.path.startsWith("/")) continue;
    const headers = {};
    for (const [name, value] of c.headers) {
      const key = name.toLowerCase();
      headers[key] = key in headers ? `${headers[key]}, ${value}` : value;
    }
    const decision = gates[c.config].authorize({ method: c.method, url: c.path, headers });
    const got = decision.allowed ? { allow: true, user: decision.userId } : { allow: false, status: decision.status, code: decision.code };
    const want = c.expect.allow ? { allow: true, user: c.expect.user } : { allow: false, status: c.expect.status, code: c.expect.code };
    assert.deepEqual(got, want, `case ${c.id}`);
    checked++;
  }
  assert.ok(checked >= cases.length - 5, `only ${checked} checked`);
});
