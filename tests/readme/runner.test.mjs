// The runner fails on broken snippets: each block of fixtures/broken.md must be reported
// FAILED, and the closing line must count them (run.mjs over that file only).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const run = fileURLToPath(new URL("./run.mjs", import.meta.url));

test("every broken snippet is reported and the run fails", { timeout: 600_000 }, () => {
  const res = spawnSync(process.execPath, [run], {
    encoding: "utf8",
    env: { ...process.env, JWTGATE_README_FILES: "tests/readme/fixtures/broken.md" },
    maxBuffer: 64 << 20,
  });
  const out = res.stdout;
  assert.equal(res.status, 1, out + res.stderr);
  const failedLines = out.split("\n").filter((l) => l.startsWith("FAILED "));
  const at = (line) => failedLines.some((l) => l.includes(`broken.md:${line} `) || l.includes(`broken.md:${line}:`));
  // Fences (line numbers in fixtures/broken.md) that must fail, and why.
  const expected = { 6: "syntax", 12: "tsc", 20: "node", 27: "workerd", 37: "JSON", 43: "language", 50: "skip reason", 59: "rustdoc", 65: "venv" };
  for (const [line, why] of Object.entries(expected)) assert.ok(at(line), `block at line ${line} (${why}) not reported FAILED:\n${out}`);
  assert.ok(at(54), `the dangling marker (line 54) not reported:\n${out}`);
  assert.match(out, /broken\.md:15: tsc strict:false .*TS2322/, out);
  assert.match(out, /broken\.md:15: tsc strict:true: TS2322/, out);
  assert.match(out.trim().split("\n").at(-1), /^0 passed, 10 failed$/);
});

test("Python blocks run under pytest; a fragment is parsed; a failing one is reported", { timeout: 120_000 }, () => {
  const res = spawnSync(process.execPath, [run], {
    encoding: "utf8",
    env: { ...process.env, JWTGATE_README_FILES: "tests/readme/fixtures/python.md" },
  });
  const out = res.stdout;
  assert.equal(res.status, 1, out + res.stderr);
  assert.match(out, /^ok +tests\/readme\/fixtures\/python\.md:3 python — pytest/m);
  assert.match(out, /^ok +tests\/readme\/fixtures\/python\.md:8 python — pytest/m);
  assert.match(out, /^partial tests\/readme\/fixtures\/python\.md:19 python/m);
  assert.match(out, /^FAILED +tests\/readme\/fixtures\/python\.md:25 python/m);
  assert.match(out.trim().split("\n").at(-1), /^3 passed, 1 failed$/);
});
