#!/usr/bin/env bash
# The Python package (bindings/python): build the wheel, install it into a venv as users do.
#
#   scripts/python.sh setup   # build venv (pinned maturin) + test venv (pinned test deps)
#   scripts/python.sh wheel   # build the abi3 wheel if a source changed; print its path
#   scripts/python.sh venv    # setup + wheel + install it into the test venv; print its python
#
# Venvs live under target/python/ (build-venv: maturin; venv: the wheel + pytest, FastAPI,
# uvicorn, python-jose, PyJWT). pip runs again only when a requirements file changed; the
# wheel is rebuilt only when the core, the binding or the package changed.
set -euo pipefail
shopt -s inherit_errexit
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PKG="$ROOT/bindings/python"
OUT="$ROOT/target/python"
BUILD_VENV="$OUT/build-venv"
TEST_VENV="${JWTGATE_PY_VENV:-$OUT/venv}"
PYTHON="${PYTHON:-python3}"

log() { printf '[python] %s\n' "$*" >&2; }

# venv_with DIR REQUIREMENTS: create DIR once, pip install -r again only when the
# requirement files (or the interpreter) changed.
venv_with() {
  local dir=$1 reqs=$2 stamp want
  if ! "$dir/bin/python" -c 'import sys' >/dev/null 2>&1; then
    log "creating $dir"
    rm -rf "$dir"
    "$PYTHON" -m venv "$dir"
  fi
  stamp="$dir/.jwtgate-requirements"
  want=$(cat "$reqs" "$ROOT"/examples/fastapi-origin/requirements*.txt <("$dir/bin/python" -VV) | sha256sum | cut -d' ' -f1)
  [ "$(cat "$stamp" 2>/dev/null)" = "$want" ] && return 0
  log "pip install -r ${reqs#"$ROOT/"} into ${dir#"$ROOT/"}"
  "$dir/bin/python" -m pip install --disable-pip-version-check --no-input -q -r "$reqs"
  printf '%s\n' "$want" > "$stamp"
}

setup() {
  mkdir -p "$OUT"
  venv_with "$BUILD_VENV" "$PKG/requirements-build.txt"
  venv_with "$TEST_VENV" "$PKG/requirements-test.txt"
}

wheel() {
  venv_with "$BUILD_VENV" "$PKG/requirements-build.txt"
  local sources hash stamp="$OUT/wheels/.jwtgate-sources" found
  # Rust sources at any depth (find, not a one-level glob: a module moved into a folder must
  # still rebuild the wheel).
  sources=$(cd "$ROOT" && ls Cargo.toml bindings/python/{Cargo.toml,Cargo.lock,pyproject.toml,README.md} \
    && find src bindings/python/src -type f -name '*.rs' | sort \
    && find bindings/python/python -type f -not -name '*.pyc' | sort)
  hash=$(cd "$ROOT" && cat $sources | sha256sum | cut -d' ' -f1)
  found=$(ls "$OUT"/wheels/jwtgate-*.whl 2>/dev/null | head -n1 || true)
  if [ -n "$found" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$hash" ]; then
    echo "$found"
    return 0
  fi
  rm -f "$OUT"/wheels/jwtgate-*.whl
  log "maturin build --release (abi3 wheel)"
  # Its own target dir under /target: the binding is its own Cargo workspace.
  CARGO_TARGET_DIR="$OUT/cargo" "$BUILD_VENV/bin/maturin" build --release --locked \
    --manifest-path "$PKG/Cargo.toml" --interpreter "$BUILD_VENV/bin/python" \
    --out "$OUT/wheels" >&2
  mkdir -p "$OUT/wheels"; printf '%s\n' "$hash" > "$stamp"
  ls "$OUT"/wheels/jwtgate-*.whl | head -n1
}

venv() {
  setup
  local whl stamp="$TEST_VENV/.jwtgate-wheel"
  whl=$(wheel)
  if [ "$(cat "$stamp" 2>/dev/null)" != "$(sha256sum "$whl")" ]; then
    log "pip install ${whl#"$ROOT/"} into ${TEST_VENV#"$ROOT/"}"
    "$TEST_VENV/bin/python" -m pip install --disable-pip-version-check --no-input -q \
      --force-reinstall --no-deps "$whl"
    sha256sum "$whl" > "$stamp"
  fi
  echo "$TEST_VENV/bin/python"
}

case "${1:-}" in
  setup) setup ;;
  wheel) wheel ;;
  venv) venv ;;
  *) echo "usage: scripts/python.sh setup|wheel|venv" >&2; exit 2 ;;
esac
