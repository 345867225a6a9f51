#!/usr/bin/env bash
# The example origin (examples/fastapi-origin) needs Python 3 with venv + pip, then its
# pinned requirements in its own venv. Idempotent: installs only what is missing, and
# scripts/origin.sh reruns pip only when the requirement files changed.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/lib/bootstrap-lib.sh

# Debian splits venv/ensurepip out of python3 (python3-venv); pip comes with it. The machine
# image's python3 (pyenv) has both; a Debian python3 needs the packages.
if ! command -v python3 >/dev/null || ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then
  need_apt python3 python3-venv python3-pip
fi
# curl is what the demo prints and its smoke mode runs.
need_apt curl ca-certificates
apt_flush

# Runtime + test requirements (the tests use FastAPI's TestClient).
record venv examples/fastapi-origin/.venv "examples/fastapi-origin/requirements*.txt"
scripts/origin.sh --setup --test
