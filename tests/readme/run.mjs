#!/usr/bin/env node
// README snippets are tests: every fenced block of the READMEs is checked the way a user
// would use it, against the built package (`make test-readme`; docs/decisions/readme-tests.md).
//
//   rust          rustdoc runs it (src/lib.rs includes the file as a cfg(doctest) item)
//   ts/tsx        tsc --noEmit with Next.js's own tsconfig (strict: false) and with strict: true,
//                 in a scratch project where the packed tarball is installed; a Next.js
//                 proxy/middleware snippet is also built in a fresh Next 16 app (both settings)
//                 and served by `next start` in front of a local origin
//   js            a Worker (`export default { fetch }`) runs in workerd via wrangler, a Next.js
//                 snippet as above, anything else in Node (the module must evaluate, exit 0)
//   python        pytest, with the example origin's venv or the Python package's
//   json          parsed
//   sh, text, …   listed (commands for a person), never executed
// `<!-- snippet: partial -->` before a fence: a fragment, checked only for syntax (Rust:
// ```rust,no_run, compiled); `<!-- snippet: skip <reason> -->`: not checked, reason printed.
// Closing line: "N passed, N failed". Exit 1 on any failure.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import { spawnSync } from "node:child_process";
import path from "node:path";
import { extractBlocks } from "./blocks.mjs";
import { ROOT, createProject, syntaxErrors, typeCheck } from "./project.mjs";
import { SECRET, nextWrittenTsconfig, runNextApp, runNode, runWorker } from "./hosts.mjs";
import { doctestIncludes, runDoctests, pythonFor, runPython } from "./native.mjs";

/**
 * The Markdown files whose blocks are tests (relative to the repository root);
 * JWTGATE_README_FILES=a.md,b.md checks those instead (the runner's own tests use it).
 */
function markdownFiles() {
  if (process.env.JWTGATE_README_FILES) return process.env.JWTGATE_README_FILES.split(",").filter(Boolean);
  const files = ["README.md", "pkg-template/README.md"];
  for (const parent of ["examples", "bindings"]) {
    const dir = path.join(ROOT, parent);
    if (!existsSync(dir)) continue;
    for (const d of readdirSync(dir).sort()) if (existsSync(path.join(dir, d, "README.md"))) files.push(`${parent}/${d}/README.md`);
  }
  return files;
}

const isNextSnippet = (code) =>
  /from\s+["']next\/server["']/.test(code) && /export\s+(?:async\s+)?(?:function|const|let)\s+(proxy|middleware)\b/.test(code);
const nextFunction = (code) => /export\s+(?:async\s+)?(?:function|const|let)\s+(proxy|middleware)\b/.exec(code)[1];
// A snippet that follows Better Auth's key set at ${BETTER_AUTH_URL}/api/auth/jwks is served
// against a real Better Auth app instead (better-auth.mjs), with tokens it mints.
const followsBetterAuthKeys = (code) => /\bGate\.fromJwksUrl\(/.test(code) && /process\.env\.BETTER_AUTH_URL\b/.test(code);
const isWorkerSnippet = (code) => /export\s+default\s*\{/.test(code) && /\bfetch\s*\(/.test(code);

const entries = []; // { block, status, notes: [], problems: [] }
const globalProblems = [];
const where = (b, line = 0) => `${b.file}:${b.line + line}`;
const slug = (b) => `${b.file.replace(/README\.md$/, "readme").replace(/[^A-Za-z0-9]+/g, "_")}_L${b.line}`;

for (const file of markdownFiles()) {
  const { blocks, errors } = extractBlocks(readFileSync(path.join(ROOT, file), "utf8"), file);
  globalProblems.push(...errors);
  for (const block of blocks) {
    const entry = { block, status: "pending-check", notes: [], problems: [...block.errors] };
    entries.push(entry);
    if (entry.problems.length) entry.status = "failed";
    else if (block.marker?.kind === "skip" && block.kind !== "rust") entry.status = "skipped";
    else if (block.kind === "shell" || block.kind === "text") entry.status = "listed";
  }
}

const todo = (kind, pred = () => true) => entries.filter((e) => e.status === "pending-check" && e.block.kind === kind && pred(e));
const partial = (e) => e.block.marker?.kind === "partial";
const fail = (e, problem) => e.problems.push(problem);

// JSON: parsed (a partial one is listed: it is a fragment by definition).
for (const e of todo("json")) {
  if (partial(e)) { e.status = "partial"; e.notes.push("fragment, not parsed"); continue; }
  try { JSON.parse(e.block.code); e.notes.push("valid JSON"); } catch (err) { fail(e, `invalid JSON: ${err.message}`); }
}

// JS/TS fragments: valid syntax.
for (const e of [...todo("ts", partial), ...todo("js", partial)]) {
  e.status = "partial";
  const errs = syntaxErrors(e.block.code, { tsx: e.block.language === "tsx", js: e.block.kind === "js" });
  for (const err of errs) fail(e, `${where(e.block, err.line)}: syntax: ${err.message}`);
  e.notes.push("fragment: syntax checked");
}

// Whole JS/TS blocks: against the installed package.
const tsBlocks = todo("ts");
const jsBlocks = todo("js");
let project;
if (tsBlocks.length + jsBlocks.length > 0) {
  try {
    project = createProject();
    console.log(`# scratch project ${project.dir}: ${project.tarball} installed with npm; next, react, typescript from examples/nextjs`);
  } catch (err) {
    for (const e of [...tsBlocks, ...jsBlocks]) fail(e, `scratch project: ${err.message}`);
  }
}
if (project) {
  // Type-check every TS block under Next's own tsconfig (strict: false) and strict: true.
  let nextOptions;
  if (tsBlocks.length) {
    try {
      nextOptions = (await nextWrittenTsconfig(project.app)).compilerOptions;
    } catch (err) {
      tsBlocks.forEach((e) => fail(e, `Next's tsconfig: ${err.message}`));
    }
  }
  const files = Object.fromEntries(tsBlocks.map((e) => [`${slug(e.block)}.${e.block.language === "tsx" ? "tsx" : "ts"}`, e.block.code + "\nexport {};\n"]));
  const byFile = new Map(tsBlocks.map((e, i) => [Object.keys(files)[i], e]));
  if (nextOptions) {
    for (const [label, options] of [["strict:false (Next's tsconfig)", nextOptions], ["strict:true", { ...nextOptions, strict: true }]]) {
      const dir = project.sibling(`types-${label.startsWith("strict:true") ? "strict" : "next"}`);
      for (const err of typeCheck(dir, files, options)) {
        const e = byFile.get(err.file);
        if (e) fail(e, `${where(e.block, err.line)}: tsc ${label}: ${err.message}`);
        else globalProblems.push(`tsc ${label}: ${err.file || "(config)"}:${err.line} ${err.message}`);
      }
      for (const e of tsBlocks) e.notes.push(`tsc ${label.split(" ")[0]}`);
    }
  }
  for (const e of [...tsBlocks, ...jsBlocks]) {
    try {
      await runInHost(e);
    } catch (err) {
      fail(e, `${err.stack ?? err}`);
    }
  }
  rmSync(project.dir, { recursive: true, force: true });
}

/** Runs a whole JS/TS block in the host it is written for (TS outside Next: type-checked only). */
async function runInHost(e) {
  const { block } = e;
  const label = `${where(block)} (${block.language})`;
  if (isNextSnippet(block.code)) {
    console.log(`# ${label}: Next.js app — next build ×2, next start`);
    const name = `${nextFunction(block.code)}.${block.kind === "ts" ? "ts" : "js"}`;
    // Imported here: only this contract needs the better-auth package.
    const contract = followsBetterAuthKeys(block.code) ? { contract: (await import("./better-auth.mjs")).keySetContract } : {};
    const { problems, notes } = await runNextApp(project.app, name, block.code, contract);
    problems.forEach((p) => fail(e, p));
    e.notes.push(`${name} in a Next app: ${notes.join(", ")}`);
  } else if (block.kind === "js" && isWorkerSnippet(block.code)) {
    console.log(`# ${label}: Worker — wrangler dev (workerd)`);
    const problems = await runWorker(project.sibling(`worker-${slug(block)}`), block.code);
    problems.forEach((p) => fail(e, p));
    e.notes.push("workerd (wrangler dev) + gate contract 200/403/401");
  } else if (block.kind === "js") {
    console.log(`# ${label}: Node`);
    const ext = /^\s*(import|export)\b|\bawait\b/m.test(block.code) || !/\brequire\(/.test(block.code) ? "mjs" : "cjs";
    const problems = await runNode(project.sibling("node"), `${slug(block)}.${ext}`, block.code);
    problems.forEach((p) => fail(e, p));
    e.notes.push("Node: module evaluated, exit 0");
  }
}

// Rust: rustdoc runs the blocks of every file src/lib.rs includes as a cfg(doctest) item.
const rustBlocks = todo("rust");
if (rustBlocks.length) {
  const includes = doctestIncludes();
  const files = [...new Set(rustBlocks.map((e) => e.block.file))];
  for (const f of files.filter((f) => !includes.has(f))) {
    for (const e of rustBlocks.filter((e) => e.block.file === f)) fail(e, `rustdoc does not see ${f}: add #[cfg(doctest)] #[doc = include_str!("../${f}")] struct …; to src/lib.rs`);
  }
  const items = files.filter((f) => includes.has(f)).map((f) => includes.get(f));
  if (items.length) {
    console.log(`# cargo test --doc (${items.join(", ")})`);
    const { results, log } = runDoctests(items);
    for (const f of files.filter((f) => includes.has(f))) {
      const ran = results.get(includes.get(f)).sort((a, b) => a.line - b.line);
      const mine = rustBlocks.filter((e) => e.block.file === f);
      if (ran.length !== mine.length) {
        mine.forEach((e) => fail(e, `rustdoc ran ${ran.length} doctests from ${f}, the extractor found ${mine.length} Rust blocks (an indented code block?):\n${log.slice(-3000)}`));
        continue;
      }
      mine.forEach((e, i) => {
        const { outcome } = ran[i];
        const expected = e.block.marker?.kind === "skip" ? "ignored" : partial(e) ? "compile ok" : "ok";
        if (outcome !== expected) fail(e, `rustdoc: ${outcome} (expected ${expected})\n${log.slice(-4000)}`);
        e.status = e.block.marker?.kind === "skip" ? "skipped" : partial(e) ? "partial" : e.status;
        e.notes.push(partial(e) ? "rustdoc: compiled (no_run)" : e.block.marker?.kind === "skip" ? "rustdoc: ignored" : "rustdoc: compiled and ran");
      });
    }
  }
}

// Python: pytest with the origin's venv (spec stack only) or the Python package's venv.
const pyBlocks = todo("python");
if (pyBlocks.length) {
  const byPython = new Map();
  for (const e of pyBlocks) {
    if (partial(e)) {
      e.status = "partial";
      const res = spawnSync("python3", ["-c", "import ast, sys; ast.parse(sys.stdin.read())"], { input: e.block.code, encoding: "utf8" });
      if (res.status !== 0) fail(e, `syntax: ${res.stderr.trim().split("\n").pop()}`);
      e.notes.push("fragment: syntax checked");
      continue;
    }
    const choice = pythonFor(e.block.code);
    if (choice.pending) { e.status = "pending"; e.notes.push(`pending: ${choice.pending}`); continue; }
    if (choice.error) { fail(e, choice.error); continue; }
    const list = byPython.get(choice.python) ?? [];
    list.push({ id: slug(e.block), code: e.block.code, where: where(e.block, 1), entry: e, python: choice.python });
    byPython.set(choice.python, list);
  }
  if (byPython.size) {
    const dir = createScratchDir();
    const outcome = runPython(dir, byPython, { BETTER_AUTH_SECRET: SECRET });
    for (const list of byPython.values()) for (const b of list) {
      const problem = outcome.get(b.id);
      if (problem) fail(b.entry, problem);
      b.entry.notes.push(`pytest (${path.relative(ROOT, b.python)})`);
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

function createScratchDir() {
  return mkdtempSync(path.join(os.tmpdir(), "jwtgate-readme-py-"));
}

// Report: one line per block, then the counts and the closing line.
const counts = { checked: 0, partial: 0, skipped: 0, pending: 0, listed: 0, failed: 0 };
for (const e of entries) {
  if (e.problems.length) e.status = "failed";
  else if (e.status === "pending-check") e.status = "checked";
  counts[e.status]++;
  const b = e.block;
  const what = e.status === "skipped" ? `skipped: ${b.marker.reason}` : e.notes.join("; ");
  const tag = { checked: "ok     ", partial: "partial", skipped: "skip   ", pending: "pending", listed: "listed ", failed: "FAILED " }[e.status];
  console.log(`${tag} ${where(b)} ${b.info || "(no language)"}${what ? ` — ${what}` : ""}`);
  for (const p of e.problems) console.log(`    ${p.replace(/\n/g, "\n    ")}`);
}
for (const p of globalProblems) console.log(`FAILED ${p}`);
const failed = counts.failed + globalProblems.length;
const passed = counts.checked + counts.partial;
console.log(`# readme snippets: ${counts.checked} checked, ${counts.partial} partial (syntax/compile only), ${counts.skipped} skipped with a reason, ${counts.pending} pending, ${counts.listed} listed (not executed), ${failed} failed`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
