#!/usr/bin/env bash
# wasm-pack (issue 14): the Rust/Wasm developers' front end over cargo + wasm-bindgen, used by
# `make test-wasm` (wasm-pack test) and its `wasm-pack build` smoke. From crates.io, pinned and
# --locked. It never downloads anything here: wasm-bindgen comes from PATH (the exact version in
# Cargo.lock, installed by bootstrap.sh; wasm-pack uses a wasm-bindgen on PATH whose version
# matches), chromedriver/geckodriver are passed with --chromedriver/--geckodriver, `--mode
# no-install` turns any remaining download into an error, and wasm-opt is off in
# bindings/wasm/Cargo.toml. Idempotent: installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/lib/bootstrap-lib.sh

need_cargo wasm-pack 0.15.1 5

# wasm-pack's target check wants the wasm32 libdir to exist; with -Zbuild-std it may be empty
# (wasm-pack: src/build/wasm_target.rs, "target not found in sysroot" otherwise).
ensure_wasm32_libdir wasm-pack
