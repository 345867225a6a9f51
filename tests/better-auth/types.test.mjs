// The plugin pair's TypeScript surface (types.ts): `auth.api.getJwtgateToken` and
// `authClient.jwtgate.*` are inferred from the built declarations; bad options are type errors.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import path from "node:path";
import { ROOT } from "./harness.mjs";

test("tsc --noEmit tests/better-auth/types.ts: inference and option errors as declared", { timeout: 120_000 }, () => {
  const tsc = path.join(ROOT, "node_modules/.bin/tsc");
  const run = spawnSync(tsc, ["-p", path.join(ROOT, "tests/better-auth/tsconfig.json")], { encoding: "utf8" });
  assert.equal(run.status, 0, `${run.stdout}${run.stderr}`);
});
