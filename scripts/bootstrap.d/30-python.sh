#!/usr/bin/env bash
# The Python package (bindings/python): pinned maturin (build venv) and the wheel's test
# venv (pytest, FastAPI, uvicorn, python-jose, PyJWT), both under target/python/.
# python3 + venv come from 10-origin.sh; the Rust toolchain from rustup.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/lib/bootstrap-lib.sh
record venv target/python/build-venv bindings/python/requirements-build.txt
record venv target/python/venv bindings/python/requirements-test.txt
scripts/python.sh setup
