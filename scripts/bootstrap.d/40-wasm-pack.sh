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

# `wasm-pack build` (every mode but --mode force) checks that the wasm32 target's libdir exists
# (`rustc --target wasm32-unknown-unknown --print target-libdir`, src/build/wasm_target.rs) and,
# when it is missing under a non-rustup sysroot, stops with "target not found in sysroot". With
# -Zbuild-std nothing needs to be in it: an empty directory satisfies the check.
if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  libdir=$(PATH="/usr/bin:$PATH" rustc --target wasm32-unknown-unknown --print target-libdir)
  if [ ! -d "$libdir" ]; then
    log "mkdir $libdir (wasm-pack's target check)"
    $SUDO mkdir -p "$libdir"
  fi
fi
