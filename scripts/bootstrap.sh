#!/usr/bin/env bash
# Idempotent bootstrap: installs only what is missing. Safe to run on every `make` call.
#   - wasm32: a rustup target when one is installed (users' laptops); otherwise the
#     Debian path (rustc-web + rust-web-src + rust-web-llvm for rust-lld, used with
#     -Zbuild-std), because `rustup target add` cannot download on these machines
#     (see docs/DECISIONS.md).
#   - wasm-bindgen-cli pinned to the wasm-bindgen version in Cargo.lock.
#   - headless browsers + drivers for wasm-bindgen-test.
#   - npm dependencies (npm ci) for the JS tests.
# Extra steps for other parts live in scripts/bootstrap.d/*.sh (run in name order).
# Every step records what it is responsible for (scripts/lib/bootstrap-lib.sh); at the end
# scripts/doctor.sh checks that each program the build calls comes from one of them.
# Cold on 2 cores: ~15 min (mostly three `cargo install`s); warm: ~2 s.
set -euo pipefail
cd "$(dirname "$0")/.."
# A fresh record each run: it lists exactly what this bootstrap is responsible for.
export JWTGATE_BOOTSTRAP_RECORDS="$PWD/target/bootstrap/records.tsv"
mkdir -p target/bootstrap && : >"$JWTGATE_BOOTSTRAP_RECORDS"
source scripts/lib/bootstrap-lib.sh

if rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  log "wasm32: using the rustup target"
  record toolchain wasm32 rustup
else
  log "wasm32: no rustup target; using Debian rustc-web + build-std"
  record toolchain wasm32 debian-build-std
  # rust-web-llvm provides /usr/bin/rust-lld, the wasm32 linker: rustc-web only *recommends*
  # it, so --no-install-recommends would leave every wasm32 link failing.
  need_apt rustc-web cargo-web rust-web-src rust-web-llvm lld-22
fi
need_apt chromium chromium-driver firefox-esr
# better-sqlite3 (Better Auth's SQLite driver in tests/better-auth and the Next.js examples)
# compiles from source when its prebuilt download is unreachable: node-gyp needs a C++
# compiler, make and python3; the Node headers (/usr/include/node) come with `nodejs`.
need_apt g++ make python3
# shellcheck disable=SC2086
[ -z "${JWTGATE_EXTRA_APT:-}" ] || need_apt ${JWTGATE_EXTRA_APT}
apt_flush

# wasm-bindgen-cli must match the library version exactly (schema check).
wb_version=$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/"/,"",$3); print $3; exit}' Cargo.lock)
need_cargo wasm-bindgen-cli "$wb_version" 4
need_cargo geckodriver 0.37.1 3

record npm package-lock.json "$PWD"
if [ -f package-lock.json ] && { [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; }; then
  log "npm ci (root: wrangler/workerd, peers, playwright-core)"
  npm ci --no-audit --no-fund --loglevel=error
fi

for step in scripts/bootstrap.d/*.sh; do
  [ -e "$step" ] || continue
  log "step $step"
  bash "$step"
done
log "installed; checking where every tool comes from (scripts/doctor.sh)"
scripts/doctor.sh
log "ready"
