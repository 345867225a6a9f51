# Sourced by scripts/bootstrap.sh and scripts/bootstrap.d/*.sh.
#
# Every install step goes through need_apt / need_cargo / record, which do two things:
#   1. install what is missing (idempotent), with visible progress and timings;
#   2. write down what the bootstrap is responsible for, installed now or long ago, in
#      $JWTGATE_BOOTSTRAP_RECORDS (one "kind<TAB>name<TAB>detail" line each).
# scripts/doctor.sh reads that record to prove that every program the build calls comes
# from the machine image or from a step written here, never from a hand-made install.

: "${JWTGATE_BOOTSTRAP_RECORDS:=$PWD/target/bootstrap/records.tsv}"
export JWTGATE_BOOTSTRAP_RECORDS
mkdir -p "$(dirname "$JWTGATE_BOOTSTRAP_RECORDS")"

SUDO=""
if [ "$(id -u)" != 0 ] && command -v sudo >/dev/null; then SUDO="sudo"; fi

: "${JWTGATE_BOOTSTRAP_T0:=$(date +%s)}"
export JWTGATE_BOOTSTRAP_T0
log() { printf '[bootstrap +%ss] %s\n' "$(($(date +%s) - JWTGATE_BOOTSTRAP_T0))" "$*" >&2; }

# record KIND NAME [DETAIL]: the bootstrap owns this (apt package, cargo crate, npm lockfile, venv).
record() {
  local line
  line=$(printf '%s\t%s\t%s' "$1" "$2" "${3:-}")
  grep -qxF "$line" "$JWTGATE_BOOTSTRAP_RECORDS" 2>/dev/null || printf '%s\n' "$line" >>"$JWTGATE_BOOTSTRAP_RECORDS"
}

# Installed means "install ok installed": a removed package keeps its config files and
# `dpkg -s` still succeeds for it.
apt_installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

APT_MISSING=()
# need_apt PKG...: record each, queue the missing ones for apt_flush.
need_apt() {
  local p
  for p in "$@"; do
    record apt "$p"
    apt_installed "$p" || APT_MISSING+=("$p")
  done
}

# apt_flush: one `apt-get install` for everything queued (progress: one line per package).
apt_flush() {
  [ ${#APT_MISSING[@]} -gt 0 ] || return 0
  log "apt-get install ${APT_MISSING[*]} (cold: about a minute)"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y --no-install-recommends -o Dpkg::Use-Pty=0 "${APT_MISSING[@]}" \
    | grep --line-buffered -E '^(Get|Setting up)' | sed -u 's/^/[bootstrap]   /' >&2 || true
  local p
  for p in "${APT_MISSING[@]}"; do
    apt_installed "$p" || { log "apt-get did not install $p"; return 1; }
  done
  APT_MISSING=()
  log "apt done"
}

# cargo_has CRATE VERSION: cargo's own install record says CRATE VERSION is installed.
cargo_has() {
  local crates2="${CARGO_HOME:-$HOME/.cargo}/.crates2.json"
  [ -f "$crates2" ] && grep -q "\"$1 $2 (registry+" "$crates2"
}

# need_cargo CRATE VERSION [MINUTES]: `cargo install` from the crate registry, pinned; --locked
# first (reproducible), then resolving (a registry mirror may miss a locked version).
# Cargo's own "Compiling …" lines are the progress of these multi-minute steps.
need_cargo() {
  local crate=$1 version=$2 minutes=${3:-a few}
  record cargo "$crate" "$version"
  cargo_has "$crate" "$version" && return 0
  log "cargo install $crate $version (cold: ~$minutes min on 2 cores; cargo's progress follows)"
  local t=$(date +%s)
  cargo install "$crate" --version "=$version" --locked --color never 2>&1 | progress_lines \
    || cargo install "$crate" --version "=$version" --color never 2>&1 | progress_lines
  cargo_has "$crate" "$version" || { log "cargo install $crate $version failed"; return 1; }
  log "cargo install $crate done in $(($(date +%s) - t)) s"
}

# Cargo prints one line per crate: keep a heartbeat of them (every 10th) instead of hundreds.
progress_lines() {
  awk '/^ *Compiling/{n++; if (n % 10 == 1) {printf "[bootstrap]   %s (%d crates so far)\n", $0, n; fflush()} next}
       /^error/ || /Installed|Replaced|could not/ {print "[bootstrap]   " $0; fflush()}' >&2
}

# ensure_wasm32_libdir WHO: on the Debian build-std path (no rustup wasm32 target), create the
# empty wasm32 libdir that worker-build's and wasm-pack's target checks look for
# (`rustc --target wasm32-unknown-unknown --print target-libdir`); build-std needs nothing in it.
ensure_wasm32_libdir() {
  rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown && return 0
  local libdir
  libdir=$(PATH="/usr/bin:$PATH" rustc --target wasm32-unknown-unknown --print target-libdir)
  [ -d "$libdir" ] && return 0
  log "mkdir $libdir ($1's target check)"
  $SUDO mkdir -p "$libdir"
}
