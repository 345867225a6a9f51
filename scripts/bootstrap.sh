#!/usr/bin/env bash
# Idempotent bootstrap: installs only what is missing. Safe to run on every `make` call.
#   - wasm32: a rustup target when one is installed (users' laptops); otherwise the
#     Debian path (rustc-web + rust-web-src + lld-22, used with -Zbuild-std), because
#     `rustup target add` cannot download on these machines (see docs/DECISIONS.md).
#   - wasm-bindgen-cli pinned to the wasm-bindgen version in Cargo.lock.
#   - headless browsers + drivers for wasm-bindgen-test.
#   - npm dependencies (npm ci) for the JS tests.
# Extra steps for other parts live in scripts/bootstrap.d/*.sh (run in name order).
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '[bootstrap] %s\n' "$*" >&2; }
SUDO=""
if [ "$(id -u)" != 0 ] && command -v sudo >/dev/null; then SUDO="sudo"; fi

apt_missing=()
# Installed means "install ok installed": a removed package keeps its config files and
# `dpkg -s` still succeeds for it.
need_pkg() {
  dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed' || apt_missing+=("$1")
}

if rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  log "wasm32: using the rustup target"
else
  log "wasm32: no rustup target; using Debian rustc-web + build-std"
  for p in rustc-web cargo-web rust-web-src rust-web-llvm lld-22; do need_pkg "$p"; done
fi
for p in chromium chromium-driver firefox-esr; do need_pkg "$p"; done
# better-sqlite3 (Better Auth's SQLite driver in tests/better-auth and the Next.js examples)
# compiles from source when its prebuilt download is unreachable: node-gyp needs a C++
# compiler, make and python3; the Node headers (/usr/include/node) come with `nodejs`.
for p in g++ make python3; do need_pkg "$p"; done
for p in ${JWTGATE_EXTRA_APT:-}; do need_pkg "$p"; done

if [ ${#apt_missing[@]} -gt 0 ]; then
  log "apt-get install ${apt_missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${apt_missing[@]}" >/dev/null
fi

# wasm-bindgen-cli must match the library version exactly (schema check).
wb_version=$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/"/,"",$3); print $3; exit}' Cargo.lock)
if [ -n "$wb_version" ] && [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$wb_version" ]; then
  log "cargo install wasm-bindgen-cli $wb_version"
  cargo install -q wasm-bindgen-cli --version "=$wb_version"
fi
if ! command -v geckodriver >/dev/null; then
  log "cargo install geckodriver"
  cargo install -q geckodriver --version "=0.37.1"
fi

if [ -f package-lock.json ] && { [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; }; then
  log "npm ci"
  npm ci --no-audit --no-fund --loglevel=error
fi

for step in scripts/bootstrap.d/*.sh; do
  [ -e "$step" ] || continue
  log "step $step"
  bash "$step"
done
log "ready"
