#!/usr/bin/env bash
# The edge gate (worker/): worker-build pinned to the `worker` crate version, and, on the
# Debian build-std path, the empty wasm32 libdir worker-build's target check looks for.
# Idempotent: installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/lib/bootstrap-lib.sh

need_cargo worker-build 0.8.7 6

# worker-build's target check wants the wasm32 libdir to exist; with -Zbuild-std it may be empty.
ensure_wasm32_libdir worker-build
