#!/usr/bin/env bash
# Runs jwtgate's example origin (examples/fastapi-origin) with uvicorn.
#
#   BETTER_AUTH_SECRET=... scripts/origin.sh [extra uvicorn args]   # serve on 127.0.0.1:${PORT:-8000}
#   scripts/origin.sh --setup [--test]                              # only prepare the venv
#
# The venv (examples/fastapi-origin/.venv, or $ORIGIN_VENV) is created once; pip runs
# again only when requirements*.txt changed. Env: BETTER_AUTH_SECRET (required; the app
# refuses to start with fewer than 32 characters, as the spec does), PORT (8000),
# TASKS_DB (default: $VENV/tasks.db), FRONTEND_URL (an extra CORS origin, as in the spec),
# ORIGIN_AUTH (spec: the spec's python-jose code, the default; jwtgate: the same routes
# guarded by the jwtgate wheel, built by scripts/python.sh and installed into the venv).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
APP="$ROOT/examples/fastapi-origin"
VENV="${ORIGIN_VENV:-$APP/.venv}"
PYTHON="${PYTHON:-python3}"

log() { printf '[origin] %s\n' "$*" >&2; }

setup_venv() {
  local reqs=("$APP/requirements.txt")
  [ "${1:-}" = test ] && reqs=("$APP/requirements-test.txt")
  if ! "$VENV/bin/python" -c 'import sys' >/dev/null 2>&1; then
    log "creating $VENV"
    rm -rf "$VENV"
    "$PYTHON" -m venv "$VENV"
  fi
  # The stamp covers the requirement files and the interpreter: any change reinstalls.
  local want stamp="$VENV/.jwtgate-requirements"
  want=$(cat "$APP"/requirements*.txt <("$VENV/bin/python" -VV) | sha256sum | cut -d' ' -f1)
  want="$want ${1:-runtime}"
  if [ "$(cat "$stamp" 2>/dev/null)" = "$want" ] \
     || { [ "${1:-}" != test ] && [ "$(cat "$stamp" 2>/dev/null)" = "${want% *} test" ]; }; then
    return 0
  fi
  log "pip install -r ${reqs[*]#"$ROOT/"}"
  "$VENV/bin/python" -m pip install --disable-pip-version-check --no-input -q -r "${reqs[0]}"
  printf '%s\n' "$want" > "$stamp"
}

if [ "${1:-}" = --setup ]; then
  if [ "${2:-}" = --test ]; then setup_venv test; else setup_venv; fi
  exit 0
fi

if [ -z "${BETTER_AUTH_SECRET:-}" ]; then
  log "BETTER_AUTH_SECRET is not set (>= 32 characters; e.g. export BETTER_AUTH_SECRET=\$(openssl rand -base64 32))"
  exit 2
fi
setup_venv
if [ "${ORIGIN_AUTH:-spec}" = jwtgate ]; then
  whl=$("$ROOT/scripts/python.sh" wheel)
  if [ "$(cat "$VENV/.jwtgate-wheel" 2>/dev/null)" != "$(sha256sum "$whl")" ]; then
    log "pip install ${whl#"$ROOT/"}"
    "$VENV/bin/python" -m pip install --disable-pip-version-check --no-input -q --force-reinstall --no-deps "$whl"
    sha256sum "$whl" > "$VENV/.jwtgate-wheel"
  fi
fi
export BETTER_AUTH_SECRET ORIGIN_AUTH="${ORIGIN_AUTH:-spec}"
export TASKS_DB="${TASKS_DB:-$VENV/tasks.db}"
log "serving on http://127.0.0.1:${PORT:-8000} (auth: $ORIGIN_AUTH, db: $TASKS_DB)"
exec "$VENV/bin/python" -m uvicorn main:app --app-dir "$APP" \
  --host 127.0.0.1 --port "${PORT:-8000}" "$@"
