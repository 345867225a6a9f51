// Rust blocks (rustdoc, through the crate docs) and Python blocks (pytest).
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { ROOT } from "./project.mjs";

/**
 * Which Markdown files rustdoc tests: `#[doc = include_str!("../X.md")]` on a
 * `#[cfg(doctest)]` item of src/lib.rs. Returns Map(file → item name).
 */
export function doctestIncludes() {
  const lib = readFileSync(path.join(ROOT, "src/lib.rs"), "utf8");
  const found = new Map();
  const re = /#\[doc\s*=\s*include_str!\("\.\.\/([^"]+)"\)\]\s*(?:pub(?:\([^)]*\))?\s+)?(?:struct|mod|enum)\s+(\w+)/g;
  for (const m of lib.matchAll(re)) found.set(m[1], m[2]);
  return found;
}

/**
 * Runs the crate's doctests for the included Markdown files. Returns Map(item → [{ line,
 * outcome }]) with outcome "ok" | "compile ok" | "ignored" | "FAILED", plus the log.
 */
export function runDoctests(items) {
  const res = spawnSync("cargo", ["test", "--locked", "-p", "jwtgate", "--doc", "--", "--test-threads=2"], { cwd: ROOT, encoding: "utf8", maxBuffer: 64 << 20 });
  const log = `${res.stdout}\n${res.stderr}`;
  const results = new Map([...items].map((i) => [i, []]));
  for (const m of log.matchAll(/^test src\/lib\.rs - (\w+) \(line (\d+)\)( - compile)? \.\.\. (\w+)/gm)) {
    if (!results.has(m[1])) continue;
    results.get(m[1]).push({ line: Number(m[2]), outcome: m[3] ? `compile ${m[4]}` : m[4] });
  }
  return { results, log, status: res.status };
}

/** Top-level modules a Python block imports. */
function pythonImports(code) {
  const mods = new Set();
  for (const m of code.matchAll(/^\s*(?:from\s+([\w.]+)\s+import|import\s+([\w., ]+))/gm)) {
    for (const name of (m[1] ?? m[2]).split(",")) mods.add(name.trim().split(/[.\s]/)[0]);
  }
  mods.delete("");
  return mods;
}

/** What the example origin's venv (examples/fastapi-origin) has: the spec's stack. */
const ORIGIN_MODULES = new Set(["fastapi", "jose", "starlette", "pydantic", "uvicorn", "httpx", "pytest"]);
const ORIGIN_PYTHON = path.join(ROOT, "examples/fastapi-origin/.venv/bin/python");

/**
 * Interpreters that might have the jwtgate Python package: JWTGATE_PYTHON, JWTGATE_PY_VENV,
 * then every venv (a directory with pyvenv.cfg) within three levels of the repository
 * (`make python` puts one in target/python/venv); the example origin's last.
 */
function packageInterpreters() {
  const found = [];
  if (process.env.JWTGATE_PYTHON) found.push(process.env.JWTGATE_PYTHON);
  if (process.env.JWTGATE_PY_VENV) found.push(path.join(process.env.JWTGATE_PY_VENV, "bin/python"));
  const walk = (dir, depth) => {
    let names;
    try { names = readdirSync(dir, { withFileTypes: true }); } catch { return; }
    if (names.some((d) => d.name === "pyvenv.cfg") && existsSync(path.join(dir, "bin/python"))) {
      found.push(path.join(dir, "bin/python"));
      return;
    }
    if (depth === 0) return;
    for (const d of names) {
      if (d.isDirectory() && !["node_modules", ".git", "pkg", "deps", "incremental", ".fingerprint", "build"].includes(d.name)) walk(path.join(dir, d.name), depth - 1);
    }
  };
  walk(ROOT, 3);
  return found.sort((a, b) => (a === ORIGIN_PYTHON) - (b === ORIGIN_PYTHON));
}

/** Is there a Python package in the repository (a pyproject.toml under bindings/)? */
function pythonPackageExists() {
  const bindings = path.join(ROOT, "bindings");
  return existsSync(bindings) && readdirSync(bindings).some((d) => existsSync(path.join(bindings, d, "pyproject.toml")));
}

const imports = (py, module) => spawnSync(py, ["-c", `import ${module}`], { encoding: "utf8" }).status === 0;
const stdlib = (py, module) =>
  spawnSync(py, ["-c", `import sys; sys.exit(0 if ${JSON.stringify(module)} in sys.stdlib_module_names else 1)`]).status === 0;

/**
 * Chooses the interpreter for a Python block: the origin's venv when the block needs only
 * the standard library and the spec's stack; else one that imports `jwtgate`. Returns
 * { python } or { pending } (no Python package in the repository yet) or { error }.
 */
export function pythonFor(code) {
  const needs = [...pythonImports(code)];
  const system = "python3";
  const onlySpecStack = needs.every((m) => ORIGIN_MODULES.has(m) || stdlib(system, m));
  if (onlySpecStack) {
    if (existsSync(ORIGIN_PYTHON)) return { python: ORIGIN_PYTHON };
    return { error: "examples/fastapi-origin/.venv is missing: run `scripts/origin.sh --setup --test` (make setup does)" };
  }
  const missing = needs.filter((m) => !ORIGIN_MODULES.has(m) && !stdlib(system, m));
  for (const py of packageInterpreters()) {
    if (missing.every((m) => imports(py, m))) return { python: py };
  }
  if (!missing.includes("jwtgate") || pythonPackageExists()) {
    return { error: `no venv imports ${missing.join(", ")}: build the Python package's venv (make python) or set JWTGATE_PYTHON` };
  }
  return { pending: "no python package" };
}

/**
 * Runs Python blocks under pytest, one test per block (its module code executed with the
 * README position as the file name). `byPython`: Map(python → [{ id, code, where }]).
 * Returns Map(id → problem | null).
 */
export function runPython(dir, byPython, env) {
  const outcome = new Map();
  let n = 0;
  for (const [python, blocks] of byPython) {
    if (!imports(python, "pytest")) {
      for (const b of blocks) outcome.set(b.id, `${python} has no pytest`);
      continue;
    }
    const file = path.join(dir, `test_readme_snippets_${n++}.py`);
    const tests = blocks.map((b) => `def test_${b.id}():\n    code = ${JSON.stringify(b.code)}\n    exec(compile(code, ${JSON.stringify(b.where)}, "exec"), {"__name__": "readme_snippet"})\n`);
    writeFileSync(file, tests.join("\n"));
    const res = spawnSync(python, ["-m", "pytest", "-q", "-p", "no:cacheprovider", "-rA", file], { cwd: dir, encoding: "utf8", env: { ...process.env, ...env } });
    const log = `${res.stdout}\n${res.stderr}`;
    for (const b of blocks) {
      const passed = new RegExp(`^PASSED .*::test_${b.id}\\b`, "m").test(log);
      outcome.set(b.id, passed ? null : `pytest:\n${log.split("\n").slice(-30).join("\n")}`);
    }
  }
  return outcome;
}
