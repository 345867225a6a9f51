// The scratch project the JS/TS snippets are checked in, as a user has it: the packed
// tarball of pkg/ installed with npm, beside the Next.js/React/TypeScript packages of
// examples/nextjs (hard-linked, not downloaded: same versions the example app tests).
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync, symlinkSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
/** Where the Next.js, React and TypeScript packages come from (make nextjs-install). */
export const NEXT_MODULES = path.join(ROOT, "examples/nextjs/node_modules");

const quiet = ["--no-audit", "--no-fund", "--loglevel=error"];

/**
 * Creates the scratch project: `<dir>/app` holds node_modules (jwtgate from the tarball,
 * the rest hard-linked from examples/nextjs) and a package-lock.json (so Next takes the app
 * as its root). Returns { dir, app, modules, link(into) }.
 */
export function createProject() {
  if (!existsSync(path.join(NEXT_MODULES, "next/package.json"))) {
    throw new Error("examples/nextjs/node_modules is missing: run `make nextjs-install` (make test-readme does)");
  }
  if (!existsSync(path.join(ROOT, "pkg/package.json"))) throw new Error("pkg/ is missing: run `make pkg`");
  const dir = mkdtempSync(path.join(os.tmpdir(), "jwtgate-readme-"));
  const app = path.join(dir, "app");
  mkdirSync(app);
  const tarball = execFileSync("npm", ["pack", "--silent", "--pack-destination", dir], { cwd: path.join(ROOT, "pkg"), encoding: "utf8" }).trim().split("\n").pop();
  writeFileSync(path.join(app, "package.json"), JSON.stringify({ name: "readme-snippets", private: true }, null, 2) + "\n");
  execFileSync("npm", ["install", ...quiet, path.join(dir, tarball)], { cwd: app, stdio: ["ignore", "ignore", "inherit"] });
  const modules = path.join(app, "node_modules");
  // Fallback for other imports (e.g. better-auth): the repository's dev dependencies, one
  // level up, so resolution tries the app's node_modules first. Never jwtgate (not there).
  if (existsSync(path.join(ROOT, "node_modules"))) symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"));
  for (const name of readdirSync(NEXT_MODULES)) {
    if (name === "jwtgate" || name.startsWith(".")) continue;
    // Hard links: real files inside the app (Turbopack refuses files outside its root), no copy.
    execFileSync("cp", ["-al", path.join(NEXT_MODULES, name), path.join(modules, name)]);
  }
  return {
    dir,
    app,
    modules,
    tarball,
    /** A sibling directory that resolves packages from the app's node_modules. */
    sibling(name) {
      const into = path.join(dir, name);
      mkdirSync(into, { recursive: true });
      if (!existsSync(path.join(into, "node_modules"))) symlinkSync(modules, path.join(into, "node_modules"));
      return into;
    },
  };
}

/** The TypeScript compiler the example app (and so `next build`) uses. */
export function typescript() {
  return createRequire(path.join(NEXT_MODULES, "noop.js"))("typescript");
}
export const TSC = path.join(NEXT_MODULES, "typescript/bin/tsc");

/** Parse errors of a fragment (a partial JS/TS block): it must at least be valid syntax. */
export function syntaxErrors(code, { tsx = false, js = false } = {}) {
  const ts = typescript();
  const kind = tsx ? ts.ScriptKind.TSX : js ? ts.ScriptKind.JS : ts.ScriptKind.TS;
  const source = ts.createSourceFile(`fragment.${tsx ? "tsx" : js ? "js" : "ts"}`, code, ts.ScriptTarget.Latest, true, kind);
  return source.parseDiagnostics.map((d) => {
    const { line } = source.getLineAndCharacterOfPosition(d.start ?? 0);
    return { line: line + 1, message: ts.flattenDiagnosticMessageText(d.messageText, "\n") };
  });
}

/**
 * Type-checks files (name → code) in `dir` with the given compilerOptions, under one
 * `tsc --noEmit -p`. Returns [{ file, line, message }] (file relative to dir; "" = global).
 */
export function typeCheck(dir, files, compilerOptions, { nextEnv = true } = {}) {
  mkdirSync(dir, { recursive: true });
  for (const [name, code] of Object.entries(files)) writeFileSync(path.join(dir, name), code);
  const include = Object.keys(files);
  if (nextEnv) {
    // What Next writes beside tsconfig.json: the `next` ambient types (e.g. *.module.css).
    writeFileSync(path.join(dir, "next-env.d.ts"), '/// <reference types="next" />\n/// <reference types="next/image-types/global" />\n');
    include.unshift("next-env.d.ts");
  }
  const options = { ...compilerOptions, incremental: false };
  delete options.plugins; // editor-only (the Next language service plugin)
  writeFileSync(path.join(dir, "tsconfig.json"), JSON.stringify({ compilerOptions: options, include }, null, 2));
  try {
    execFileSync(process.execPath, [TSC, "-p", dir, "--pretty", "false"], { cwd: dir, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    return [];
  } catch (e) {
    const out = `${e.stdout ?? ""}${e.stderr ?? ""}`;
    const errors = [];
    for (const line of out.split("\n")) {
      const m = /^(.+?)\((\d+),\d+\): error (TS\d+: .*)$/.exec(line);
      if (m) errors.push({ file: path.relative(dir, path.resolve(dir, m[1])), line: Number(m[2]), message: m[3] });
      else if (/error TS\d+/.test(line)) errors.push({ file: "", line: 0, message: line.trim() });
    }
    if (errors.length === 0) errors.push({ file: "", line: 0, message: `tsc failed: ${out.trim() || e.message}` });
    return errors;
  }
}
