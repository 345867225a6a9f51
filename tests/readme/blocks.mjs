// Reads the fenced code blocks of a Markdown file, with the marker that may precede each
// one, and classifies them by the fence's info string. Pure: no I/O besides the caller's.
//
// Markers are HTML comments on the last non-blank line before the fence (invisible on
// GitHub and npm):
//   <!-- snippet: partial -->           a deliberate fragment: checked as far as a fragment
//                                        can be (it parses; Rust: compiled, not run)
//   <!-- snippet: skip <reason> -->      not checked; the reason is printed with the count
// Anything else after `snippet:` is an error, and so is a marker that no fence follows.

/** Language → how the runner treats it. */
const LANGUAGES = new Map([
  ...["rust", "rs"].map((l) => [l, "rust"]),
  ...["ts", "typescript", "tsx", "mts"].map((l) => [l, "ts"]),
  ...["js", "javascript", "jsx", "mjs", "cjs"].map((l) => [l, "js"]),
  ...["python", "py", "python3"].map((l) => [l, "python"]),
  ...["json"].map((l) => [l, "json"]),
  // Listed, never executed: commands for a person to type, and formats with no checker here.
  ...["sh", "bash", "shell", "console", "zsh", "shell-session"].map((l) => [l, "shell"]),
  ...["toml", "yaml", "yml", "text", "txt", "plain", "http", "diff", "ini", "env", "dotenv", "html", "css"].map((l) => [l, "text"]),
]);

/** Words rustdoc reads as "this is a Rust block" even without `rust` in front. */
const RUSTDOC_ATTRIBUTES = new Set(["ignore", "should_panic", "no_run", "compile_fail", "standalone_crate", "test_harness"]);

const FENCE = /^(\s*)(`{3,}|~{3,})(.*)$/;
const MARKER = /^\s*<!--\s*snippet:\s*(.*?)\s*-->\s*$/;

/** The marker text (after `snippet:`) → { kind, reason } or { error }. */
export function parseMarker(text) {
  const m = /^(partial|skip)\b[\s:—-]*(.*)$/s.exec(text);
  if (!m) return { error: `unknown snippet marker "${text}" (expected "partial" or "skip <reason>")` };
  const [, kind, reason] = m;
  if (kind === "skip" && reason.trim() === "") return { error: "a skip marker needs a reason: <!-- snippet: skip <why> -->" };
  return { kind, reason: reason.trim() };
}

/**
 * Classifies an info string. Returns { language, kind, attributes } where kind is one of
 * rust, ts, js, python, json, shell, text — or { error } for a bare or unknown fence.
 */
export function classify(info) {
  const words = info.trim().split(/[\s,{}]+/).filter(Boolean);
  if (words.length === 0) {
    return { error: "a fence without a language (rustdoc would compile it as Rust): write ```sh, ```text, …" };
  }
  const language = words[0].toLowerCase();
  const attributes = words.slice(1).map((w) => w.toLowerCase());
  if (RUSTDOC_ATTRIBUTES.has(language) || /^edition\d+$/.test(language)) {
    return { language: "rust", kind: "rust", attributes: [language, ...attributes] };
  }
  const kind = LANGUAGES.get(language);
  if (!kind) return { error: `unknown fence language "${language}": add it to tests/readme/blocks.mjs or mark the block <!-- snippet: skip <why> -->`, language, attributes };
  return { language, kind, attributes };
}

/**
 * Every fenced block of `text` (a Markdown file's content) as
 * { file, line, info, language, kind, attributes, code, marker, errors[] }; `line` is the
 * fence's 1-based line. Also returns errors not tied to a block (a dangling marker).
 */
export function extractBlocks(text, file = "<markdown>") {
  const lines = text.split(/\r?\n/);
  const blocks = [];
  const errors = [];
  let pendingMarker = null; // { line, parsed }
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const marker = MARKER.exec(line);
    if (marker) {
      if (pendingMarker) errors.push(`${file}:${pendingMarker.line}: snippet marker not followed by a fence`);
      pendingMarker = { line: i + 1, parsed: parseMarker(marker[1]) };
      continue;
    }
    const fence = FENCE.exec(line);
    if (!fence) {
      if (line.trim() !== "" && pendingMarker) {
        errors.push(`${file}:${pendingMarker.line}: snippet marker not followed by a fence`);
        pendingMarker = null;
      }
      continue;
    }
    const [, indent, ticks, info] = fence;
    if (ticks[0] === "`" && info.includes("`")) continue; // inline code, not a fence (CommonMark)
    const close = new RegExp(`^\\s*${ticks[0] === "`" ? "`" : "~"}{${ticks.length},}\\s*$`);
    const body = [];
    let j = i + 1;
    while (j < lines.length && !close.test(lines[j])) {
      // Content keeps its indentation relative to the fence (blocks inside list items).
      body.push(lines[j].startsWith(indent) ? lines[j].slice(indent.length) : lines[j].trimStart());
      j++;
    }
    const block = { file, line: i + 1, info: info.trim(), code: body.join("\n") + "\n", marker: null, errors: [] };
    if (j >= lines.length) block.errors.push("fence never closed");
    Object.assign(block, classify(info));
    if (block.error) {
      block.errors.push(block.error);
      delete block.error;
    }
    if (pendingMarker) {
      if (pendingMarker.parsed.error) block.errors.push(pendingMarker.parsed.error);
      else block.marker = pendingMarker.parsed;
      pendingMarker = null;
    }
    if (block.kind === "rust") checkRustAttributes(block);
    // An unknown language is fine when the block says why it is not checked.
    if (block.marker?.kind === "skip") block.errors = block.errors.filter((e) => !e.startsWith("unknown fence language"));
    blocks.push(block);
    i = j;
  }
  if (pendingMarker) errors.push(`${file}:${pendingMarker.line}: snippet marker not followed by a fence`);
  return { blocks, errors };
}

/**
 * rustdoc reads the fence, not our markers: `no_run` (compiled only) must say `partial`,
 * `ignore` must say `skip <reason>`, and a marker must match the attribute, so that what
 * rustdoc does and what the count says are the same thing.
 */
function checkRustAttributes(block) {
  const noRun = block.attributes.includes("no_run") || block.attributes.includes("compile_fail");
  const ignore = block.attributes.includes("ignore");
  const marker = block.marker?.kind;
  if (ignore && marker !== "skip") block.errors.push("```rust,ignore needs <!-- snippet: skip <reason> --> before it");
  if (noRun && marker !== "partial") block.errors.push("```rust,no_run needs <!-- snippet: partial --> before it");
  if (marker === "skip" && !ignore) block.errors.push("a skipped Rust block must also be ```rust,ignore (rustdoc would run it)");
  if (marker === "partial" && !noRun) block.errors.push("a partial Rust block must also be ```rust,no_run (rustdoc would run it)");
}
