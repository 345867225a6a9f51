#!/usr/bin/env bash
# The example origin (examples/fastapi-origin) needs Python 3 with venv + pip, then its
# pinned requirements in its own venv. Idempotent: installs only what is missing, and
# scripts/origin.sh reruns pip only when the requirement files changed.
set -euo pipefail
cd "$(dirname "$0")/../.."
log() { printf '[bootstrap:origin] %s\n' "$*" >&2; }

if ! command -v python3 >/dev/null || ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then
  # Debian splits venv/ensurepip out of python3 (python3-venv); pip comes with it.
  log "apt-get install python3 python3-venv python3-pip"
  SUDO=""
  if [ "$(id -u)" != 0 ] && command -v sudo >/dev/null; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends python3 python3-venv python3-pip >/dev/null
fi
# curl is what the demo prints and its smoke mode runs.
if ! command -v curl >/dev/null; then
  log "apt-get install curl"
  SUDO=""
  if [ "$(id -u)" != 0 ] && command -v sudo >/dev/null; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends curl ca-certificates >/dev/null
fi

# Runtime + test requirements (the tests use FastAPI's TestClient).
scripts/origin.sh --setup --test
