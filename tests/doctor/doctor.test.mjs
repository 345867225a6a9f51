// scripts/doctor.sh: the guard that every program the build calls comes from the machine image or a
// bootstrap step. Each test points it at something the bootstrap does not name and expects a loud,
// specific failure; the first proves the real toolchain passes.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const DOCTOR = path.join(ROOT, "scripts/doctor.sh");
const RECORDS = path.join(ROOT, "target/bootstrap/records.tsv");

function doctor({ programs, records = RECORDS, env = {} } = {}) {
  const args = ["--records", records];
  if (programs) {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), "doctor-")), "programs.tsv");
    writeFileSync(file, programs);
    args.push("--programs", file);
  }
  const r = spawnSync(DOCTOR, args, { cwd: ROOT, encoding: "utf8", env: { ...process.env, ...env } });
  return { status: r.status, out: r.stdout, err: r.stderr };
}

// The bootstrap's record without the lines matching `drop`.
function recordsWithout(drop) {
  const kept = readFileSync(RECORDS, "utf8").split("\n").filter((l) => l && !drop.test(l));
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), "doctor-")), "records.tsv");
  writeFileSync(file, kept.join("\n") + "\n");
  return file;
}

const wasmToolchain = () => /^toolchain\twasm32\t(\S+)/m.exec(readFileSync(RECORDS, "utf8"))?.[1];

test("every program the build calls comes from the image or the bootstrap", () => {
  const r = doctor();
  assert.equal(r.status, 0, r.err);
  assert.match(r.out, /== doctor: \d+ programs, each from the machine image or a bootstrap step/);
  assert.match(r.out, /chromedriver\s+apt\s+chromium-driver \(bootstrap: need_apt\)/);
});

test("a program installed by hand (no package, no cargo/npm/venv record) fails loudly", () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "doctor-bin-"));
  const tool = path.join(dir, "jwtgate-hand-made-tool");
  writeFileSync(tool, "#!/bin/sh\necho hi\n");
  chmodSync(tool, 0o755);
  const r = doctor({ programs: "jwtgate-hand-made-tool host always test\n", env: { PATH: `${dir}:${process.env.PATH}` } });
  assert.equal(r.status, 1);
  assert.match(r.err, /jwtgate-hand-made-tool \(.*\): from no Debian package, cargo install, npm lockfile or venv the bootstrap knows: installed by hand/);
});

test("a Debian package the bootstrap does not name fails, naming the package to add", () => {
  const r = doctor({ programs: "chromedriver host always test\n", records: recordsWithout(/^apt\tchromium-driver\t/) });
  assert.equal(r.status, 1);
  assert.match(r.err, /chromedriver .*from Debian package 'chromium-driver', which neither the machine image nor the bootstrap installs: add need_apt chromium-driver/);
});

test("the rust-lld case: the wasm linker from rust-web-llvm, absent from the bootstrap", { skip: wasmToolchain() !== "debian-build-std" && "rustup wasm32 target here: rust-lld is rustup's" }, () => {
  const r = doctor({ programs: "rust-lld wasm always test\n", records: recordsWithout(/^apt\trust-web-llvm\t/) });
  assert.equal(r.status, 1);
  assert.match(r.err, /rust-lld .*Debian package 'rust-web-llvm'.*add need_apt rust-web-llvm/);
});

test("a cargo install the bootstrap does not run fails, naming the crate", () => {
  const r = doctor({ programs: "geckodriver host always test\n", records: recordsWithout(/^cargo\tgeckodriver\t/) });
  assert.equal(r.status, 1);
  assert.match(r.err, /geckodriver .*installed by 'cargo install geckodriver', which the bootstrap does not run/);
});

test("an npm binary outside a tracked lockfile fails", () => {
  const dir = mkdtempSync(path.join(ROOT, "target", "doctor-npm-"));
  mkdirSync(path.join(dir, "node_modules/.bin"), { recursive: true });
  mkdirSync(path.join(dir, "node_modules/leftpad-cli"), { recursive: true });
  writeFileSync(path.join(dir, "node_modules/leftpad-cli/cli.js"), "#!/usr/bin/env node\n");
  chmodSync(path.join(dir, "node_modules/leftpad-cli/cli.js"), 0o755);
  symlinkSync("../leftpad-cli/cli.js", path.join(dir, "node_modules/.bin/leftpad"));
  writeFileSync(path.join(dir, "package-lock.json"), '{"packages":{"node_modules/leftpad-cli":{}}}');
  const r = doctor({ programs: `leftpad ${path.relative(ROOT, dir)} always test\n` });
  assert.equal(r.status, 1);
  assert.match(r.err, /npm package 'leftpad-cli' is not in a tracked package-lock.json/);
});

test("a required program that is missing fails", () => {
  const r = doctor({ programs: "jwtgate-no-such-program host always test\n" });
  assert.equal(r.status, 1);
  assert.match(r.err, /jwtgate-no-such-program \(host\): not found/);
});

// cargo-fuzz: only `make fuzz` installs it (scripts/bootstrap.d/50-cargo-fuzz.sh), so it is optional.
const FUZZ_STEP = path.join(ROOT, "scripts/bootstrap.d/50-cargo-fuzz.sh");
const cargoFuzz = "cargo-fuzz host if-present make fuzz\n";
const fuzzInstalled = () => spawnSync("cargo", ["fuzz", "--version"], { encoding: "utf8" }).stdout?.trim() ?? "";

test("cargo-fuzz never installed (make fuzz never ran): nothing to check", () => {
  const PATH = process.env.PATH.split(":").filter((d) => !existsSync(path.join(d, "cargo-fuzz"))).join(":");
  const r = doctor({ programs: cargoFuzz, records: recordsWithout(/^cargo\tcargo-fuzz\t/), env: { PATH } });
  assert.equal(r.status, 0, r.err);
});

test("cargo-fuzz installed by make fuzz stays owned by the bootstrap after it rewrites the record", { skip: !fuzzInstalled().includes(readFileSync(FUZZ_STEP, "utf8").match(/CARGO_FUZZ_VERSION=(\S+)/)[1]) && "the pinned cargo-fuzz is not installed here" }, () => {
  const records = recordsWithout(/^cargo\tcargo-fuzz\t/);
  const unowned = doctor({ programs: cargoFuzz, records });
  assert.equal(unowned.status, 1);
  assert.match(unowned.err, /cargo-fuzz .*installed by 'cargo install cargo-fuzz', which the bootstrap does not run/);
  // What bootstrap.sh runs (without JWTGATE_FUZZ_INSTALL): records the installed pinned version, installs nothing.
  const step = spawnSync("bash", [FUZZ_STEP], { cwd: ROOT, encoding: "utf8", env: { ...process.env, JWTGATE_BOOTSTRAP_RECORDS: records, JWTGATE_FUZZ_INSTALL: "0" } });
  assert.equal(step.status, 0, step.stderr);
  const owned = doctor({ programs: cargoFuzz, records });
  assert.equal(owned.status, 0, owned.err);
  assert.match(owned.out, /cargo-fuzz\s+cargo\s+cargo-fuzz \S+ \(bootstrap: need_cargo\)/);
});
