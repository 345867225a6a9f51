// Session mode's refresh through a service binding (`AUTH_SERVICE`): a Worker cannot fetch a
// Worker on its own zone by URL, so the app's Worker is bound. Two Workers in one real workerd
// (`wrangler dev -c gate.toml -c app.toml`): jwtgate (the built worker) and the app's Worker,
// which hands /api/auth/* to the real Better Auth server on loopback (its Node handler over
// SQLite; Better Auth itself does not run in workerd here) and marks what it handled.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { toNodeHandler } from "better-auth/node";
import { HOST, ROOT, freePort, startEchoOrigin, startWorker, request } from "./harness.mjs";
import { SESSION_SECRET, SESSION_BASE_URL, startSessionAuth, signUpWithSession } from "../../fixtures/better-auth/sessions.mjs";

let dir, echo, ba, server, worker;
const calls = [];

before(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "jwtgate-e2e-sessions-service-"));
  echo = await startEchoOrigin();
  ba = await startSessionAuth({ strategy: "compact" });
  const handler = toNodeHandler(ba.auth);
  server = http.createServer((req, res) => {
    if (req.url.startsWith("/api/auth/get-session")) calls.push(req.headers);
    handler(req, res);
  });
  const port = await freePort();
  await new Promise((ok) => server.listen(port, HOST, ok));
  writeFileSync(path.join(dir, "app.mjs"), `export default {
  async fetch(request) {
    const url = new URL(request.url);
    const headers = new Headers(request.headers);
    headers.set("x-via", "auth-service");
    return fetch("http://${HOST}:${port}" + url.pathname + url.search, { headers, redirect: "manual" });
  },
};
`);
  writeFileSync(path.join(dir, "app.toml"), `name = "auth-app"\nmain = "app.mjs"\ncompatibility_date = "2025-11-01"\n`);
  writeFileSync(path.join(dir, "gate.toml"), [
    `name = "jwtgate-sessions-service"`,
    `main = ${JSON.stringify(path.join(ROOT, "worker/build/index.js"))}`,
    `compatibility_date = "2025-11-01"`,
    `[[services]]`, `binding = "AUTH_SERVICE"`, `service = "auth-app"`, "",
  ].join("\n"));
  worker = await startWorker(
    // The URL names nothing that listens: only the binding can answer.
    { BETTER_AUTH_SECRET: SESSION_SECRET, ORIGIN_URL: echo.url, SESSION_STRATEGY: "compact", BETTER_AUTH_URL: SESSION_BASE_URL },
    { configs: [path.join(dir, "gate.toml"), path.join(dir, "app.toml")] },
  );
});

after(async () => {
  await worker?.stop();
  server?.closeAllConnections?.();
  await new Promise((r) => (server ? server.close(() => r()) : r()));
  await echo?.close();
  ba?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test("a missing cache is refreshed through the AUTH_SERVICE binding", async () => {
  const { user, cookie } = await signUpWithSession(ba.auth);
  const bare = cookie.split("; ").filter((c) => c.startsWith("better-auth.session_token=")).join("; ");
  const res = await request(worker.port, { path: `/api/v1/${user.id}/tasks`, headers: { cookie: bare } });
  assert.equal(res.status, 200, res.body + worker.output());
  assert.equal(res.json.headers["x-user-id"], user.id);
  assert.equal(calls.length, 1);
  assert.equal(calls[0]["x-via"], "auth-service");
  assert.equal(calls[0].cookie, bare);
  const other = await request(worker.port, { path: "/api/v1/someone-else/tasks", headers: { cookie: bare } });
  assert.equal(other.status, 403, other.body);
});
