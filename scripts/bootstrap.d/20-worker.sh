#!/usr/bin/env bash
# The edge gate (worker/): worker-build pinned to the `worker` crate version, and, on the
# Debian build-std path, the empty wasm32 libdir worker-build's target check looks for.
# Idempotent: installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/lib/bootstrap-lib.sh

need_cargo worker-build 0.8.7 6

# worker-build checks that the wasm32 target's libdir exists; with -Zbuild-std
# (no rustup target) nothing needs to be in it.
if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  libdir=$(PATH="/usr/bin:$PATH" rustc --target wasm32-unknown-unknown --print target-libdir)
  if [ ! -d "$libdir" ]; then
    log "mkdir $libdir (worker-build target check)"
    $SUDO mkdir -p "$libdir"
  fi
fi
