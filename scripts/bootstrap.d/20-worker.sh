#!/usr/bin/env bash
# The edge gate (worker/): worker-build pinned to the `worker` crate version, and, on the
# Debian build-std path, the empty wasm32 libdir worker-build's target check looks for.
# Idempotent: installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/../.."
SUDO=""
if [ "$(id -u)" != 0 ] && command -v sudo >/dev/null; then SUDO="sudo"; fi

want=0.8.7
have=$(worker-build --version 2>/dev/null | grep -oE '[0-9]+\.[0-9]+\.[0-9]+' | head -1 || true)
if [ "$have" != "$want" ]; then
  echo "[bootstrap] cargo install worker-build $want" >&2
  # --locked first (reproducible); a registry mirror missing a locked version falls back to resolving.
  cargo install -q worker-build --version "=$want" --locked || cargo install -q worker-build --version "=$want"
fi

# worker-build checks that the wasm32 target's libdir exists; with -Zbuild-std
# (no rustup target) nothing needs to be in it.
if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  libdir=$(PATH="/usr/bin:$PATH" rustc --target wasm32-unknown-unknown --print target-libdir)
  if [ ! -d "$libdir" ]; then
    echo "[bootstrap] mkdir $libdir (worker-build target check)" >&2
    $SUDO mkdir -p "$libdir"
  fi
fi
