#!/usr/bin/env bash
# cargo-fuzz for `make fuzz` (not part of `make test`), from crates.io, pinned and --locked.
# Installed only when `make fuzz` asks (JWTGATE_FUZZ_INSTALL=1): `make setup` does not spend
# minutes on a tool no test needs. A plain bootstrap run only re-records a pinned cargo-fuzz that
# `make fuzz` installed earlier, because bootstrap.sh rewrites the record and scripts/doctor.sh
# (programs.tsv: cargo-fuzz if-present) would otherwise call it a hand-made install.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/lib/bootstrap-lib.sh

CARGO_FUZZ_VERSION=0.13.2
if [ "${JWTGATE_FUZZ_INSTALL:-0}" = 1 ]; then
  need_cargo cargo-fuzz "$CARGO_FUZZ_VERSION" 3
elif cargo_has cargo-fuzz "$CARGO_FUZZ_VERSION"; then
  record cargo cargo-fuzz "$CARGO_FUZZ_VERSION"
fi
