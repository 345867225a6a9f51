// The key-set contract (better-auth.mjs) can fail: the README snippet's logic, served from
// node:http with the built package, keeps it; the two ways to get that snippet wrong that
// a reader would plausibly write (a failed first fetch cached for good, a gate per request)
// are each reported. The real snippet itself runs in a Next app in run.mjs.
import { test } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { keySetContract } from "./better-auth.mjs";
import { startEchoOrigin } from "../e2e/worker/harness.mjs";
import { HOST } from "../e2e/common.mjs";

const { Gate } = await import("../../pkg/index.node.js");

/** The README's proxy.ts, as a plain Request → Response function; `variant` breaks it. */
function proxyFor(app, originUrl, variant) {
  let remote;
  return async (request) => {
    const start = () => Gate.fromJwksUrl(`${app}/api/auth/jwks`, { issuer: app, audience: app });
    if (variant === "gate-per-request") remote = start().catch((e) => { remote = undefined; throw e; });
    else if (variant === "failure-cached") remote ??= start();
    else remote ??= start().catch((e) => { remote = undefined; throw e; });
    let gate;
    try { gate = await remote; } catch {
      return Response.json({ detail: "Authentication keys unavailable" }, { status: 503 });
    }
    const decision = await gate.authorizeAsync(request);
    if (!decision.allowed) return gate.deny(decision);
    const url = new URL(request.url);
    return fetch(new URL(url.pathname + url.search, originUrl), { headers: gate.originHeaders(request, decision) });
  };
}

async function runContract(variant) {
  const terms = await keySetContract();
  const origin = await startEchoOrigin();
  const proxy = proxyFor(terms.env.BETTER_AUTH_URL, origin.url, variant);
  const server = http.createServer(async (req, res) => {
    const answer = await proxy(new Request(`http://${HOST}${req.url}`, { headers: req.headers }));
    res.writeHead(answer.status, Object.fromEntries(answer.headers));
    res.end(Buffer.from(await answer.arrayBuffer()));
  });
  await new Promise((resolve) => server.listen(0, HOST, resolve));
  try {
    return await terms.check(`http://${HOST}:${server.address().port}`, origin);
  } finally {
    server.closeAllConnections?.();
    await new Promise((resolve) => server.close(resolve));
    await origin.close();
    await terms.close();
  }
}

test("the README snippet's logic keeps the key-set contract", { timeout: 60_000 }, async () => {
  assert.deepEqual(await runContract("as-written"), []);
});

test("a failed first fetch cached for good is reported", { timeout: 60_000 }, async () => {
  const problems = await runContract("failure-cached");
  assert.ok(problems.some((p) => p.startsWith("Ada's Better Auth token on her path, key set back: 503")), problems.join("\n"));
});

test("a gate per request (a key-set fetch per request) is reported", { timeout: 60_000 }, async () => {
  const problems = await runContract("gate-per-request");
  assert.ok(problems.some((p) => /^the key set was fetched \d+ times/.test(p)), problems.join("\n"));
});
