// The shared request corpus (tests/corpus/cases.json) through the real worker in workerd,
// in front of a real echo origin: every request is decided as the corpus expects, with
// the core's exact status, code-derived body, and identity header — or, where HTTP
// itself rewrites the request before the gate sees it, at least refused.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { ROOT, nowSecs, startEchoOrigin, startWorker, request } from "./harness.mjs";

/** Materializes the corpus at `now` with the core's own decisions (Rust example `corpus`). */
function materialize(now) {
  const out = execFileSync("cargo", ["run", "-q", "--locked", "--example", "corpus", "--", "--now", String(now), "--decide", "--jsonl"], {
    cwd: ROOT, encoding: "utf8", maxBuffer: 64 << 20,
  });
  const [meta, ...cases] = out.trim().split("\n").map((l) => JSON.parse(l));
  return { meta, cases };
}

// HTTP strips optional whitespace around field values and workerd resolves dot segments,
// so for these the gate sees a different request than the corpus describes: such cases
// must still be refused, but the exact code may differ.
const transportRewrites = (c) =>
  c.tags.includes("raw-path") || c.headers.some(([, v]) => v !== v.trim() || /^[ \t]|[ \t]$/.test(v));

const ALLOWED_ORIGIN = "http://localhost:3000"; // the worker's default ALLOWED_ORIGINS
let origin;
let worker;
let corpus;

before(async () => {
  corpus = materialize(nowSecs()); // also the first build of the example, before timing matters
  origin = await startEchoOrigin();
  worker = await startWorker({ BETTER_AUTH_SECRET: corpus.meta.configs.default.secret, ORIGIN_URL: origin.url });
});

after(async () => {
  await worker?.stop();
  await origin?.close();
});

async function decide(c) {
  const seenBefore = origin.seen.length;
  let res;
  try {
    const headers = {};
    for (const [name, value] of c.headers) {
      const key = name.toLowerCase();
      headers[key] = key in headers ? `${headers[key]}, ${value}` : value;
    }
    res = await request(worker.port, { method: c.method, path: c.path, headers });
  } catch (e) {
    if (e.code === "ERR_INVALID_CHAR" || e.code === "ERR_INVALID_HTTP_TOKEN" || e.code === "ERR_UNESCAPED_CHARACTERS") return { unsendable: true };
    throw e;
  }
  const reached = origin.seen.slice(seenBefore);
  return { res, reached };
}

test("every default-config corpus request is decided by the worker as by the core", { timeout: 240_000 }, async () => {
  let pending = corpus.cases.filter((c) => c.config === "default" && !c.tags.includes("native-only") && c.path.startsWith("/"));
  assert.ok(pending.length >= 150, `too few cases: ${pending.length}`);
  const total = pending.length;
  let unsendable = 0;
  let rewritten = 0;
  // Tokens are relative to `now`: a case that straddled a second boundary is re-minted and retried.
  for (let round = 0; round < 3 && pending.length > 0; round++) {
    const failures = [];
    if (round > 0) {
      const fresh = materialize(nowSecs());
      const byId = new Map(fresh.cases.map((c) => [c.id, c]));
      pending = pending.map((c) => byId.get(c.id));
    }
    for (const c of pending) {
      const mintedAt = corpus.meta.now;
      const started = nowSecs();
      const { res, reached, unsendable: skip } = await decide(c);
      if (skip) {
        unsendable++;
        continue;
      }
      const problems = [];
      const loose = transportRewrites(c);
      const header = (name) => c.headers.find(([n]) => n.toLowerCase() === name)?.[1];
      const forwardedUser = (url) => decodeURIComponent(url.split("?")[0].split("/")[3] ?? "");
      if (c.method === "OPTIONS" && header("origin") === ALLOWED_ORIGIN && header("access-control-request-method")) {
        // Worker-specific by design (issue 3): preflights from allowed origins are answered at the edge.
        if (res.status !== 204 || reached.length !== 0 || res.headers["access-control-allow-origin"] !== ALLOWED_ORIGIN) {
          problems.push(`preflight: ${res.status}`);
        }
      } else if (c.expect.allow && !/^\/api\/v1\//i.test(c.path)) {
        // Outside the prefix the worker proxies unchanged and unauthenticated: no identity.
        if (res.status !== 200 || reached.length !== 1 || reached[0].headers["x-user-id"] !== undefined) problems.push(`outside prefix: ${res.status}`);
      } else if (c.expect.allow && /[^\x20-\x7e]/.test(c.expect.user)) {
        // Header values cannot carry this identity exactly: the worker refuses rather than mangle it.
        if (res.status !== 400 || reached.length !== 0 || res.json?.detail !== "Identity cannot be forwarded") problems.push(`unforwardable identity: ${res.status}`);
      } else if (loose && reached.length === 1) {
        // workerd resolved the path before the gate saw it: what was forwarded must be the
        // token's own path, with the token's identity.
        // (Or it left the prefix altogether, and then it travels without identity.)
        const user = reached[0].headers["x-user-id"];
        const url = reached[0].url;
        const ok = /^\/api\/v1\//i.test(url)
          ? user && [user, "me"].includes(forwardedUser(url))
          : user === undefined;
        if (res.status !== 200 || !ok || /(^|\/)\.\.?(\/|$)/.test(url)) {
          problems.push(`rewritten path forwarded as ${reached[0].url} for ${user}`);
        }
        rewritten++;
      } else if (c.expect.allow) {
        if (res.status !== 200) problems.push(`status ${res.status} ${res.body}`);
        else if (reached.length !== 1 || reached[0].headers["x-user-id"] !== c.expect.user) problems.push(`identity ${reached[0]?.headers["x-user-id"]}`);
      } else if (reached.length !== 0) {
        problems.push(`refused case reached the origin (status ${res.status})`);
      } else if (loose) {
        rewritten++;
        if (res.status < 400 || res.status >= 500) problems.push(`not refused: ${res.status}`);
      } else if (res.status !== c.expect.status || res.json?.detail !== c.core.detail) {
        problems.push(`got ${res.status} ${res.body}, want ${c.expect.status} ${c.core.detail}`);
      } else if (res.status === 401 && !res.headers["www-authenticate"]?.startsWith("Bearer")) {
        problems.push("401 without WWW-Authenticate");
      }
      if (problems.length) failures.push({ c, problems, straddled: started !== nowSecs() || started !== mintedAt });
    }
    const real = failures.filter((f) => !f.straddled);
    assert.deepEqual(real.map((f) => `${f.c.id}: ${f.problems.join("; ")}`), []);
    pending = failures.map((f) => f.c);
    corpus = { ...corpus, meta: { ...corpus.meta, now: nowSecs() } };
  }
  assert.deepEqual(pending.map((c) => c.id), [], "cases still failing after re-minting");
  assert.ok(unsendable < 10, `${unsendable} of ${total} cases could not be sent over HTTP`);
  console.log(`worker corpus: ${total} cases, ${rewritten} rewritten by HTTP (refused), ${unsendable} unsendable`);
});
