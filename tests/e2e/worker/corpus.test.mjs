// The shared request corpus (tests/corpus/cases.json) through the real worker in workerd,
// in front of a real echo origin: every request is decided as the corpus expects, with
// the core's exact status, body and identity header — or, where HTTP itself rewrites the
// request before the gate sees it, refused or forwarded only as the token's own request.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startEchoOrigin, startWorker, request } from "./harness.mjs";
import { materialize, runCorpus, headerObject, whitespaceRewritten, exactProblems, onDefaultSelfRoute } from "../../corpus/runner.mjs";

const ALLOWED_ORIGIN = "http://localhost:3000"; // the worker's default ALLOWED_ORIGINS
let origin;
let worker;

before(async () => {
  const { meta } = materialize(); // also builds the example before any timing matters
  origin = await startEchoOrigin();
  worker = await startWorker({ BETTER_AUTH_SECRET: meta.configs.default.secret, ORIGIN_URL: origin.url });
});

after(async () => {
  await worker?.stop();
  await origin?.close();
});

const forwardedUser = (url) => decodeURIComponent(url.split("?")[0].split("/")[3] ?? "");
const underPrefix = (path) => /^\/api\/v1\//i.test(path);

async function check(c) {
  const seenBefore = origin.seen.length;
  const res = await request(worker.port, { method: c.method, path: c.path, headers: headerObject(c.headers) });
  const reached = origin.seen.slice(seenBefore);
  const header = (name) => c.headers.find(([n]) => n.toLowerCase() === name)?.[1];
  const problems = [];
  if (c.method === "OPTIONS" && header("origin") === ALLOWED_ORIGIN && header("access-control-request-method")) {
    // By design (issue 3): preflights from allowed origins are answered at the edge.
    if (res.status !== 204 || reached.length || res.headers["access-control-allow-origin"] !== ALLOWED_ORIGIN) problems.push(`preflight ${res.status}`);
  } else if (c.expect.allow && !underPrefix(c.path)) {
    // Outside the prefix the worker proxies unchanged and unauthenticated: no identity.
    if (res.status !== 200 || reached.length !== 1 || reached[0].headers["x-user-id"] !== undefined) problems.push(`outside prefix ${res.status}`);
  } else if ((c.tags.includes("raw-path") || whitespaceRewritten(c)) && reached.length === 1) {
    // workerd resolved the path first: what was forwarded must be the token's own request
    // (or one outside the prefix, which then travels without identity).
    const user = reached[0].headers["x-user-id"];
    const url = reached[0].url;
    const ok = underPrefix(url) ? user && (forwardedUser(url) === user || onDefaultSelfRoute(url)) : user === undefined;
    if (res.status !== 200 || !ok || /(^|\/)\.\.?(\/|$)/.test(url)) problems.push(`rewritten path forwarded as ${url} for ${user}`);
  } else if (!c.expect.allow && reached.length === 0 && (c.tags.includes("raw-path") || whitespaceRewritten(c))) {
    if (res.status < 400 || res.status >= 500) problems.push(`rewritten request not refused: ${res.status}`);
  } else {
    problems.push(...exactProblems(c, {
      status: res.status, detail: res.json?.detail, wwwAuthenticate: res.headers["www-authenticate"],
      forwarded: reached.map((r) => r.headers["x-user-id"]),
    }));
  }
  return problems;
}

test("every default-config corpus request is decided by the worker as by the core", { timeout: 240_000 }, async () => {
  const { total, failures } = await runCorpus({
    select: (c) => c.config === "default" && !c.tags.includes("native-only") && c.path.startsWith("/"),
    check,
  });
  assert.ok(total >= 150, `too few cases: ${total}`);
  assert.deepEqual(failures, []);
  console.log(`worker corpus: ${total} cases decided as the core decides`);
});
