// Shared by every host's corpus runner (workerd, Next.js): materializes the corpus with the
// core's decisions (Rust example `corpus`), and runs it against a live host at the real
// clock, re-minting the cases that straddled a second boundary (tokens are relative to now).
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { nowSecs } from "../e2e/common.mjs";

export { nowSecs };
const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** `{ meta, cases }` at `now`; `meta.configs` has each named configuration (JS option names). */
export function materialize(now = nowSecs()) {
  const out = execFileSync("cargo", ["run", "-q", "--locked", "--example", "corpus", "--", "--now", String(now), "--decide", "--jsonl"], {
    cwd: ROOT, encoding: "utf8", maxBuffer: 64 << 20,
  });
  const [meta, ...cases] = out.trim().split("\n").map((line) => JSON.parse(line));
  return { meta, cases };
}

/** Header pairs → a plain object (repeated names joined with ", ", as HTTP folds them). */
export function headerObject(pairs) {
  const headers = {};
  for (const [name, value] of pairs) {
    const key = name.toLowerCase();
    headers[key] = key in headers ? `${headers[key]}, ${value}` : value;
  }
  return headers;
}

/** A forwarded URL on the default configuration's one self route (prefix matched ASCII case-insensitively). */
export const onDefaultSelfRoute = (url) => /^\/[aA][pP][iI]\/[vV]1\/me\/profile\/?(\?|$)/.test(url);

/** HTTP strips whitespace around field values: such cases reach a host rewritten. */
export const whitespaceRewritten = (c) => c.headers.some(([, v]) => v !== v.trim());

/**
 * Runs `select`ed cases through `check(c) → string[] problems` (empty: as expected).
 * Returns { total, failures } after up to 3 rounds; a failure is only final when the
 * clock did not tick between minting and answering.
 */
export async function runCorpus({ select, check }) {
  let corpus = materialize();
  let pending = corpus.cases.filter(select);
  const total = pending.length;
  const final = [];
  for (let round = 0; round < 3 && pending.length > 0; round++) {
    if (round > 0) {
      // Mint for a second just ahead and start it fresh: the few boundary cases left then
      // get (nearly) a whole second, even when materializing is slow on a loaded machine.
      const at = nowSecs() + 2;
      corpus = materialize(at);
      const wait = at * 1000 - Date.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      const byId = new Map(corpus.cases.map((c) => [c.id, c]));
      pending = pending.map((c) => byId.get(c.id));
    }
    const retry = [];
    for (const c of pending) {
      const problems = await check(c);
      if (problems.length === 0) continue;
      if (nowSecs() !== corpus.meta.now) retry.push(c);
      else final.push(`${c.id}: ${problems.join("; ")}`);
    }
    pending = retry;
  }
  final.push(...pending.map((c) => `${c.id}: still failing after re-minting`));
  return { total, failures: final, meta: corpus.meta };
}

/** An identity header as the origin decodes it (percent-encoded UTF-8; README "Identity headers"). */
export function decodeIdentity(value) {
  if (typeof value !== "string") return value;
  try {
    return decodeURIComponent(value);
  } catch {
    return `undecodable: ${value}`;
  }
}

/**
 * The exact answer the core gives for case `c`, checked on what a host did:
 * `answer` = { status, detail (from a JSON body), wwwAuthenticate, forwarded: [x-user-id per
 * request that reached the origin, as sent] }.
 */
export function exactProblems(c, answer) {
  const { status, detail, wwwAuthenticate, forwarded } = answer;
  if (c.expect.allow) {
    if (status !== 200) return [`status ${status} ${detail ?? ""}`];
    if (forwarded.length !== 1 || decodeIdentity(forwarded[0]) !== c.expect.user) return [`identity ${forwarded[0]}`];
    return [];
  }
  if (forwarded.length) return [`refused case reached the origin (status ${status})`];
  if (status !== c.expect.status || detail !== c.core.detail) return [`got ${status} ${detail}, want ${c.expect.status} ${c.core.detail}`];
  if (status === 401 && !wwwAuthenticate?.startsWith("Bearer")) return ["401 without WWW-Authenticate"];
  return [];
}
