// The shared request corpus (tests/corpus/cases.json) through both Next.js apps (proxy.ts on
// the Node.js runtime, middleware.ts on the Edge runtime) after `next build` + `next start`,
// in front of a real echo origin: decided exactly as the core decides, except where Next
// itself answers or rewrites a request before the proxy runs (then: never forwarded other
// than as the token's own request).
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { BUNDLERS, startNextStack, send } from "./harness.mjs";
import { materialize, runCorpus, headerObject, whitespaceRewritten, exactProblems, onDefaultSelfRoute } from "../../corpus/runner.mjs";

const forwardedUser = (url) => decodeURIComponent(url.split("?")[0].split("/")[3] ?? "");
const bundler = BUNDLERS[0] ?? "turbopack";

for (const runtime of ["node", "edge"]) {
  describe(`corpus through Next.js (${runtime} runtime, ${bundler})`, { timeout: 600_000 }, () => {
    let stack;
    let exact = 0; // cases held to the core's exact answer
    before(async () => {
      const { meta } = materialize();
      stack = await startNextStack({ runtime, bundler, origin: "echo", secret: meta.configs.default.secret });
    }, { timeout: 420_000 });
    after(async () => stack?.close());

    async function check(c) {
      const seenBefore = stack.origin.seen.length;
      const res = await send(stack.appUrl, { method: c.method, path: c.path, headers: headerObject(c.headers) });
      const reached = stack.origin.seen.slice(seenBefore);
      const problems = [];
      // Next's router sees the request first: it redirects trailing/double slashes (308),
      // resolves dot segments, and only runs the proxy for the matcher /api/v1/:path*
      // (case-sensitive). Those cases must be refused or forwarded as the token's own request.
      const nextFirst = c.tags.includes("raw-path") || whitespaceRewritten(c) || !c.path.startsWith("/api/v1/") || /\/\/|\/$/.test(c.path.split("?")[0]);
      if (nextFirst) {
        for (const r of reached) {
          const user = r.headers["x-user-id"];
          if (!user || !(forwardedUser(r.url) === user || onDefaultSelfRoute(r.url)) || /(^|\/)\.\.?(\/|$)/.test(r.url)) problems.push(`forwarded ${r.url} for ${user}`);
        }
        if (reached.length === 0 && res.status < 300) problems.push(`answered ${res.status} without the origin`);
      } else {
        exact++;
        problems.push(...exactProblems(c, {
          status: res.status, detail: res.json?.detail, wwwAuthenticate: res.headers.get("www-authenticate") ?? undefined,
          forwarded: reached.map((r) => r.headers["x-user-id"]),
        }));
      }
      return problems;
    }

    test("every default-config corpus request", { timeout: 240_000 }, async () => {
      const { total, failures } = await runCorpus({
        select: (c) => c.config === "default" && !c.tags.includes("native-only") && c.path.startsWith("/"),
        check,
      });
      assert.ok(total >= 150, `too few cases: ${total}`);
      assert.deepEqual(failures, []);
      assert.ok(exact >= 150, `only ${exact} cases held to the exact answer`);
      console.log(`next.js ${runtime} corpus: ${total} cases, ${exact} checks held to the core's exact answer`);
    });
  });
}
