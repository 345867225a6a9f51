#!/usr/bin/env bash
# The Python package (bindings/python): build the wheel, install it into a venv as users do.
#
#   scripts/python.sh setup   # build venv (pinned maturin) + test venv (pinned test deps)
#   scripts/python.sh wheel   # build the abi3 wheel if a source changed; print its path
#   scripts/python.sh venv    # setup + wheel + install it into the test venv; print its python
#   scripts/python.sh sdist   # the source distribution (maturin sdist); print its path
#   scripts/python.sh fresh wheel|sdist  # a new venv with the wheel / the sdist built from
#                             # source by pip; print its python
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

sources_hash() {
  # Rust sources at any depth (find, not a one-level glob: a module moved into a folder must
  # still rebuild the wheel).
  local sources
  sources=$(cd "$ROOT" && ls Cargo.toml Cargo.lock bindings/python/{Cargo.toml,Cargo.lock,pyproject.toml,README.md} \
    && find src bindings/python/src -type f -name '*.rs' | sort \
    && find bindings/python/python -type f -not -name '*.pyc' | sort)
  (cd "$ROOT" && cat $sources | sha256sum | cut -d' ' -f1)
}

# The wheel users get on x86_64 Linux: manylinux2014 (glibc >= 2.17), linked by zig (the
# ziglang wheel of maturin's `zig` extra), extension stripped. auditwheel must report the
# tag the file name claims.
wheel() {
  venv_with "$BUILD_VENV" "$PKG/requirements-build.txt"
  local hash stamp="$OUT/wheels/.jwtgate-sources" found
  hash=$(sources_hash)
  found=$(ls "$OUT"/wheels/jwtgate-*.whl 2>/dev/null | head -n1 || true)
  if [ -n "$found" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$hash" ]; then
    echo "$found"
    return 0
  fi
  rm -f "$OUT"/wheels/jwtgate-*.whl
  log "maturin build --release --zig --compatibility manylinux2014 --strip (abi3 wheel)"
  # Its own target dir under /target: the binding is its own Cargo workspace. maturin finds
  # zig as `python -m ziglang` of the first python on PATH: the build venv's.
  PATH="$BUILD_VENV/bin:$PATH" CARGO_TARGET_DIR="$OUT/cargo" "$BUILD_VENV/bin/maturin" build \
    --release --locked --zig --compatibility manylinux2014 --strip \
    --manifest-path "$PKG/Cargo.toml" --interpreter "$BUILD_VENV/bin/python" \
    --out "$OUT/wheels" >&2
  found=$(ls "$OUT"/wheels/jwtgate-*.whl | head -n1)
  check_tag "$found" manylinux_2_17_x86_64
  mkdir -p "$OUT/wheels"; printf '%s\n' "$hash" > "$stamp"
  echo "$found"
}

# The aarch64 Linux wheel (manylinux2014: glibc >= 2.17, AWS Graviton, arm64 images): no
# rustup target here, so Debian's rustc-web and its std source (rust-web-src, installed by the
# bootstrap for the wasm32 build) build std for aarch64-unknown-linux-gnu (build-std), zig
# links. It cannot run on this x86_64 machine: auditwheel's tag check is its test.
wheel_aarch64() {
  venv_with "$BUILD_VENV" "$PKG/requirements-build.txt"
  local hash stamp="$OUT/wheels-aarch64/.jwtgate-sources" found
  hash=$(sources_hash)
  found=$(ls "$OUT"/wheels-aarch64/jwtgate-*.whl 2>/dev/null | head -n1 || true)
  if [ -n "$found" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$hash" ]; then
    echo "$found"
    return 0
  fi
  rm -f "$OUT"/wheels-aarch64/jwtgate-*.whl
  log "maturin build --zig --target aarch64-unknown-linux-gnu --compatibility manylinux2014 (build-std with Debian's rustc-web)"
  # The build venv first (zig), then Debian's cargo/rustc (its std source for build-std).
  PATH="$BUILD_VENV/bin:/usr/bin:$PATH" RUSTC_BOOTSTRAP=1 CARGO_UNSTABLE_BUILD_STD=std,panic_unwind \
    CARGO_TARGET_DIR="$OUT/cargo-aarch64" "$BUILD_VENV/bin/maturin" build \
    --release --locked --zig --target aarch64-unknown-linux-gnu --compatibility manylinux2014 --strip \
    --manifest-path "$PKG/Cargo.toml" --interpreter "$BUILD_VENV/bin/python" \
    --out "$OUT/wheels-aarch64" >&2
  found=$(ls "$OUT"/wheels-aarch64/jwtgate-*.whl | head -n1)
  check_tag "$found" manylinux_2_17_aarch64
  printf '%s\n' "$hash" > "$stamp"
  echo "$found"
}

# check_tag WHEEL TAG: auditwheel (pinned, build venv) reports TAG for WHEEL, and the file
# name carries it.
check_tag() {
  local whl=$1 tag=$2 report
  report=$("$BUILD_VENV/bin/auditwheel" show "$whl" 2>&1) || { printf '%s\n' "$report" >&2; return 1; }
  if ! grep -q "consistent with the following platform tag: \"$tag\"" <<<"$(tr '\n' ' ' <<<"$report" | tr -s ' ')"; then
    printf '%s\n' "$report" >&2
    log "FAIL: auditwheel does not report $tag for ${whl##*/}"
    return 1
  fi
  case "${whl##*/}" in
    *"$tag"*) log "auditwheel: ${whl##*/} is $tag" ;;
    *) log "FAIL: ${whl##*/} does not carry $tag"; return 1 ;;
  esac
}

# The source distribution (maturin sdist: the core and the binding with both lockfiles).
sdist() {
  venv_with "$BUILD_VENV" "$PKG/requirements-build.txt"
  local hash stamp="$OUT/sdist/.jwtgate-sources" found
  hash=$(sources_hash)
  found=$(ls "$OUT"/sdist/jwtgate-*.tar.gz 2>/dev/null | head -n1 || true)
  if [ -n "$found" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$hash" ]; then
    echo "$found"
    return 0
  fi
  rm -f "$OUT"/sdist/jwtgate-*.tar.gz
  log "maturin sdist"
  "$BUILD_VENV/bin/maturin" sdist --manifest-path "$PKG/Cargo.toml" --out "$OUT/sdist" >&2
  printf '%s\n' "$hash" > "$stamp"
  ls "$OUT"/sdist/jwtgate-*.tar.gz | head -n1
}

# fresh KIND: a new venv (target/python/fresh-KIND) with the test requirements and, for
# `wheel`, the built wheel; for `sdist`, the source distribution, which pip builds from
# source (cargo from crates.io, --locked through pyproject's `locked`; the release profile
# of the binding crate) — the test requirements come first so only jwtgate is built.
# Prints the venv's python.
fresh() {
  local kind=$1 dir="$OUT/fresh-$1" artefact
  case "$kind" in
    wheel) artefact=$(wheel) ;;
    sdist) artefact=$(sdist) ;;
    *) echo "fresh wheel|sdist" >&2; return 2 ;;
  esac
  rm -rf "$dir"
  "$PYTHON" -m venv "$dir"
  log "fresh venv ${dir#"$ROOT/"}: test requirements, then ${artefact#"$ROOT/"}"
  "$dir/bin/python" -m pip install --disable-pip-version-check --no-input -q -r "$PKG/requirements-test.txt" >&2
  # pip's build isolation fetches maturin (the build backend) from PyPI like any user's pip;
  # the cargo build inside it gets its own target dir, reused between runs.
  PIP_CONSTRAINT="$PKG/constraints-sdist.txt" CARGO_TARGET_DIR="$OUT/cargo-sdist" \
    "$dir/bin/python" -m pip install --disable-pip-version-check \
    --no-input -q --no-deps "$artefact" >&2
  echo "$dir/bin/python"
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
  wheel-aarch64) wheel_aarch64 ;;
  sdist) sdist ;;
  venv) venv ;;
  fresh) fresh "${2:-}" ;;
  *) echo "usage: scripts/python.sh setup|wheel|wheel-aarch64|sdist|venv|fresh wheel|fresh sdist" >&2; exit 2 ;;
esac
