// Runs JS/TS snippets in the hosts they are written for, against the installed package:
// Node (the module evaluates and exits 0), workerd (`wrangler dev` from the repository's
// node_modules) and a real Next.js 16 app (`next build` with Next's own tsconfig, then
// `next start`). A snippet that serves requests must keep the gate's contract in front of
// a real local origin: 200 with the verified X-User-Id, 403 for another user, 401 without a token.
import { spawn } from "node:child_process";
import { readFileSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import path from "node:path";
import { freePort, signJws, nowSecs, HOST } from "../e2e/common.mjs";
import { startEchoOrigin } from "../e2e/worker/harness.mjs";
import { ROOT } from "./project.mjs";

export const SECRET = "k3Jx9vQ2mW7pL4tZ8rB6nC1yH5sD0fGa-readme";
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A process in its own group, output kept; stop() ends the group. */
function start(cmd, args, { cwd, env }) {
  const child = spawn(cmd, args, { cwd, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  const keep = (d) => { log = (log + d).slice(-100_000); };
  child.stdout.on("data", keep);
  child.stderr.on("data", keep);
  const exit = new Promise((r) => child.once("exit", (code, signal) => r(code ?? signal)));
  return {
    log: () => log,
    exit,
    exited: () => child.exitCode !== null || child.signalCode !== null,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      try { process.kill(-child.pid, "SIGTERM"); } catch {}
      const t = setTimeout(() => { try { process.kill(-child.pid, "SIGKILL"); } catch {} }, 5_000);
      await exit;
      clearTimeout(t);
    },
  };
}

/** Runs to completion within `timeoutMs`; resolves { code, log }. */
async function run(cmd, args, { cwd, env, timeoutMs }) {
  const proc = start(cmd, args, { cwd, env });
  const timer = sleep(timeoutMs).then(() => "timeout");
  const code = await Promise.race([proc.exit, timer]);
  if (code === "timeout") await proc.stop();
  return { code, log: proc.log() };
}

function cleanEnv(extra = {}) {
  const env = { ...process.env, NEXT_TELEMETRY_DISABLED: "1", WRANGLER_SEND_METRICS: "false", NO_COLOR: "1", CI: "1" };
  for (const k of ["PORT", "NODE_OPTIONS", "BETTER_AUTH_SECRET", "BETTER_AUTH_URL", "ORIGIN_URL"]) delete env[k];
  return { ...env, ...extra };
}

async function waitForAnswer(url, proc, what, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.exited()) throw new Error(`${what} exited before it answered:\n${proc.log()}`);
    const res = await fetch(url, { signal: AbortSignal.timeout(5_000) }).catch(() => null);
    if (res) {
      await res.arrayBuffer().catch(() => {});
      return;
    }
    await sleep(300);
  }
  throw new Error(`${what} did not answer within ${timeoutMs} ms:\n${proc.log()}`);
}

/**
 * The gate's contract, as a user of any README snippet expects it. Returns a list of
 * problems (empty: kept). `origin` is the echo origin (it records what it received).
 */
export async function gateContract(base, origin) {
  const problems = [];
  const iat = nowSecs() - 60;
  const token = signJws({ sub: "u1", email: "u1@example.com", iat, exp: iat + 900 }, SECRET);
  const auth = { authorization: `Bearer ${token}` };
  const own = await fetch(`${base}/api/v1/u1/tasks?page=2`, { headers: { ...auth, "x-user-id": "someone-else" } });
  const seen = origin.seen.at(-1);
  if (own.status !== 200) problems.push(`own path: status ${own.status}, expected 200 from the origin (${(await own.text()).slice(0, 200)})`);
  else if (!seen || seen.url !== "/api/v1/u1/tasks?page=2") problems.push(`own path: the origin saw ${seen?.url ?? "nothing"}`);
  else if (seen.headers["x-user-id"] !== "u1") problems.push(`own path: the origin saw x-user-id ${JSON.stringify(seen.headers["x-user-id"])}, expected "u1"`);
  const before = origin.seen.length;
  const other = await fetch(`${base}/api/v1/u2/tasks`, { headers: auth });
  const otherBody = await other.text();
  if (other.status !== 403 || !otherBody.includes("User ID in path does not match authenticated user")) {
    problems.push(`another user's path: ${other.status} ${otherBody.slice(0, 200)}, expected 403 user_mismatch`);
  }
  const none = await fetch(`${base}/api/v1/u1/tasks`);
  const noneBody = await none.text();
  if (none.status !== 401 || none.headers.get("www-authenticate") !== "Bearer" || !noneBody.includes("Missing or invalid Authorization header")) {
    problems.push(`no token: ${none.status} ${none.headers.get("www-authenticate")} ${noneBody.slice(0, 200)}, expected 401 + WWW-Authenticate: Bearer`);
  }
  if (origin.seen.length !== before) problems.push("a refused request reached the origin");
  return problems;
}

/** A Node snippet: the module evaluates in the scratch project and exits 0 (30 s bound). */
export async function runNode(dir, name, code) {
  const file = path.join(dir, name);
  writeFileSync(file, code);
  const origin = await startEchoOrigin();
  try {
    const { code: exit, log } = await run(process.execPath, [file], { cwd: dir, env: cleanEnv({ BETTER_AUTH_SECRET: SECRET, ORIGIN_URL: origin.url }), timeoutMs: 30_000 });
    if (exit !== 0) return [`node ${name} exited ${exit}:\n${log.trim()}`];
    return [];
  } finally {
    await origin.close();
  }
}

/** A Worker snippet (`export default { fetch }`) served by workerd via the repository's wrangler. */
export async function runWorker(dir, code) {
  writeFileSync(path.join(dir, "index.js"), code);
  const date = /compatibility_date\s*=\s*"([^"]+)"/.exec(readFileSync(path.join(ROOT, "wrangler.toml"), "utf8"))?.[1] ?? "2025-01-01";
  writeFileSync(path.join(dir, "wrangler.toml"), `name = "jwtgate-readme-snippet"\nmain = "index.js"\ncompatibility_date = "${date}"\n`);
  const origin = await startEchoOrigin();
  const [port, inspector] = [await freePort(), await freePort()];
  const wrangler = start(path.join(ROOT, "node_modules/.bin/wrangler"), [
    "dev", "--config", path.join(dir, "wrangler.toml"), "--ip", HOST, "--port", String(port), "--inspector-port", String(inspector),
    "--var", `BETTER_AUTH_SECRET:${SECRET}`, "--var", `ORIGIN_URL:${origin.url}`, "--log-level", "warn", "--show-interactive-dev-session=false",
  ], { cwd: dir, env: cleanEnv() });
  try {
    await waitForAnswer(`http://${HOST}:${port}/`, wrangler, "wrangler dev");
    const problems = await gateContract(`http://${HOST}:${port}`, origin);
    return problems.map((p) => `workerd: ${p}`);
  } catch (e) {
    return [`workerd: ${e.message}`];
  } finally {
    await wrangler.stop();
    await origin.close();
  }
}

const LAYOUT = `import type { ReactNode } from "react";
export default function RootLayout({ children }: { children: ReactNode }) {
  return <html lang="en"><body>{children}</body></html>;
}
`;
const PAGE = `export default function Page() {
  return <main>readme snippet app</main>;
}
`;

/** A fresh Next 16 app in `app` (its node_modules stay): two pages, no tsconfig, no next.config. */
function freshNextApp(app) {
  for (const f of ["proxy.ts", "proxy.js", "middleware.ts", "middleware.js", "tsconfig.json", "next-env.d.ts", ".next"]) {
    rmSync(path.join(app, f), { recursive: true, force: true });
  }
  mkdirSync(path.join(app, "app"), { recursive: true });
  writeFileSync(path.join(app, "app/layout.tsx"), LAYOUT);
  writeFileSync(path.join(app, "app/page.tsx"), PAGE);
}
const nextBin = (app) => path.join(app, "node_modules/next/dist/bin/next");

/**
 * The tsconfig.json Next.js writes into an app that has none (`next typegen` writes it the
 * way `next build` does): the "Next.js default" the TS snippets are checked under.
 */
export async function nextWrittenTsconfig(app) {
  freshNextApp(app);
  const { code, log } = await run(process.execPath, [nextBin(app), "typegen"], { cwd: app, env: cleanEnv(), timeoutMs: 120_000 });
  if (code !== 0) throw new Error(`next typegen failed (${code}):\n${log}`);
  const tsconfig = JSON.parse(readFileSync(path.join(app, "tsconfig.json"), "utf8"));
  if (tsconfig.compilerOptions?.strict !== false) throw new Error(`Next now writes strict: ${tsconfig.compilerOptions?.strict}; the strict:false check needs a new premise`);
  return tsconfig;
}

/**
 * A Next.js proxy/middleware snippet in a fresh Next 16 app (no next.config, no tsconfig):
 * `next build` writes Next's own tsconfig (strict: false) and type-checks; then `next build`
 * again with strict: true, and `next start` in front of an echo origin. `contract` says what
 * the served app must keep: by default the secret gate's (`gateContract`, BETTER_AUTH_SECRET
 * set); `keySetContract` (better-auth.mjs) for a snippet that follows Better Auth's JWKS.
 * Returns { problems, notes }.
 */
export async function runNextApp(app, fileName, code, { contract = secretContract } = {}) {
  const problems = [];
  const notes = [];
  const next = nextBin(app);
  freshNextApp(app);
  writeFileSync(path.join(app, fileName), code);
  // An ESM proxy.js needs "type": "module"; a .ts file does not (Next compiles it).
  const pkgFile = path.join(app, "package.json");
  const pkg = JSON.parse(readFileSync(pkgFile, "utf8"));
  if (fileName.endsWith(".js")) pkg.type = "module";
  else delete pkg.type;
  writeFileSync(pkgFile, JSON.stringify(pkg, null, 2) + "\n");
  const build = async (label) => {
    const started = Date.now();
    const { code: exit, log } = await run(process.execPath, [next, "build"], { cwd: app, env: cleanEnv(), timeoutMs: 420_000 });
    if (exit !== 0) {
      problems.push(`next build (${label}) failed (${exit}):\n${log.split("\n").filter((l) => l.trim()).slice(-25).join("\n")}`);
      return false;
    }
    notes.push(`next build ${label} ${((Date.now() - started) / 1000).toFixed(0)} s`);
    return true;
  };
  if (!(await build("strict:false"))) return { problems, notes };
  const written = JSON.parse(readFileSync(path.join(app, "tsconfig.json"), "utf8"));
  if (written.compilerOptions?.strict !== false) problems.push(`the tsconfig next build wrote has strict: ${written.compilerOptions?.strict}, expected false`);
  writeFileSync(path.join(app, "tsconfig.json"), JSON.stringify({ ...written, compilerOptions: { ...written.compilerOptions, strict: true } }, null, 2));
  rmSync(path.join(app, ".next"), { recursive: true, force: true });
  if (!(await build("strict:true"))) return { problems, notes };
  const origin = await startEchoOrigin();
  let terms;
  try {
    terms = await contract();
  } catch (e) {
    await origin.close();
    problems.push(`preparing the contract: ${e.stack ?? e}`);
    return { problems, notes };
  }
  const port = await freePort();
  const server = start(process.execPath, [next, "start", "-H", HOST, "-p", String(port)], { cwd: app, env: cleanEnv({ ...terms.env, ORIGIN_URL: origin.url }) });
  try {
    await waitForAnswer(`http://${HOST}:${port}/`, server, "next start", 60_000);
    for (const p of await terms.check(`http://${HOST}:${port}`, origin)) problems.push(`next start: ${p}`);
    notes.push(`next start ${terms.summary}`);
  } catch (e) {
    problems.push(`next start: ${e.stack ?? e.message}`);
  } finally {
    await server.stop();
    await origin.close();
    await terms.close();
  }
  return { problems, notes };
}

/** The default contract of a served snippet: an HS256 gate keyed with BETTER_AUTH_SECRET. */
async function secretContract() {
  return { env: { BETTER_AUTH_SECRET: SECRET }, check: gateContract, close: async () => {}, summary: "200/403/401" };
}
