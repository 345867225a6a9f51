// examples/nextjs-edge is examples/nextjs with middleware.ts (Edge runtime) instead of
// proxy.ts: each is a complete app a user can copy, so the app files are copies. This keeps
// the copies identical (no build needed).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { APPS } from "./harness.mjs";

const SHARED = [
  "app/layout.tsx", "app/page.tsx", "app/globals.css", "app/ui/api-result.tsx", "app/ui/auth-form.tsx",
  "app/ui/tasks.tsx", "app/api/auth/[...all]/route.ts", "lib/auth.ts", "lib/auth-client.ts",
  "lib/tasks-api.ts", "lib/gate.ts", "lib/mode.ts", "instrumentation.ts", "tsconfig.json", "next.config.mjs", ".gitignore",
];

test("the Edge example's app files are the Node example's", () => {
  for (const file of SHARED) {
    const node = readFileSync(path.join(APPS.node, file), "utf8");
    const edge = readFileSync(path.join(APPS.edge, file), "utf8");
    assert.equal(edge, node, `examples/nextjs-edge/${file} differs from examples/nextjs/${file}`);
  }
});
