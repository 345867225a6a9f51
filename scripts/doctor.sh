#!/usr/bin/env bash
# make doctor: proves by provenance that every program the build calls comes from the machine
# image or from a step of the bootstrap, so "it passes here" cannot hide a hand-made install
# (it once did: rust-lld came from a package the bootstrap never named).
#
# For each line of scripts/toolchain/programs.tsv it finds the program, then where it came from:
#   a Debian package   (dpkg -S on its path)        -> in scripts/toolchain/image-apt.txt, or
#                                                      recorded by the bootstrap (need_apt), or a
#                                                      dependency of a recorded package
#   a cargo install    (~/.cargo/.crates2.json)     -> recorded by the bootstrap (need_cargo)
#   rustup / pyenv     (the machine image's toolchains)
#   npm                (DIR/node_modules/.bin)      -> DIR/package-lock.json is tracked and
#                                                      lists the package (installed by npm ci)
#   a venv             (DIR/bin, pyvenv.cfg)        -> recorded by the bootstrap (record venv)
# and fails, naming the program, its origin and what to add, for anything else.
#
#   scripts/doctor.sh [--records FILE] [--programs FILE] [--image FILE] [-q]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
RECORDS="${JWTGATE_BOOTSTRAP_RECORDS:-$ROOT/target/bootstrap/records.tsv}"
PROGRAMS="$ROOT/scripts/toolchain/programs.tsv"
IMAGE="$ROOT/scripts/toolchain/image-apt.txt"
QUIET=0
while [ $# -gt 0 ]; do
  case "$1" in
    --records) RECORDS=$2; shift 2 ;;
    --programs) PROGRAMS=$2; shift 2 ;;
    --image) IMAGE=$2; shift 2 ;;
    -q) QUIET=1; shift ;;
    *) echo "doctor: unknown argument $1" >&2; exit 2 ;;
  esac
done
[ -f "$RECORDS" ] || { echo "doctor: no bootstrap record at $RECORDS: run make setup first" >&2; exit 2; }
CARGO_BIN="${CARGO_HOME:-$HOME/.cargo}/bin"
CRATES2="${CARGO_HOME:-$HOME/.cargo}/.crates2.json"

wasm_toolchain=$(awk -F'\t' '$1=="toolchain" && $2=="wasm32"{print $3}' "$RECORDS")
recorded() { awk -F'\t' -v k="$1" -v n="$2" '$1==k && $2==n{f=1} END{exit !f}' "$RECORDS"; }
in_image() { grep -qxF "$1" "$IMAGE"; }

# Installed packages reachable from the recorded ones through Depends/Pre-Depends (computed once).
APT_CLOSURE=""
apt_closure() {
  [ -n "$APT_CLOSURE" ] && return 0
  APT_CLOSURE=$(
    { awk -F'\t' '$1=="apt"{print "ROOT\t" $2}' "$RECORDS"
      dpkg-query -W -f='${db:Status-Status}\t${Package}\t${Depends}, ${Pre-Depends}\n' | awk -F'\t' '$1=="installed"{print "DEP\t" $2 "\t" $3}'
    } | awk -F'\t' '
      $1=="ROOT"{queue[++n]=$2; seen[$2]=1; next}
      {installed[$2]=1; deps[$2]=$3}
      END{
        for (i=1; i<=n; i++) {
          p=queue[i]; m=split(deps[p], groups, /, */)
          for (j=1; j<=m; j++) {
            k=split(groups[j], alts, / *\| */)
            for (a=1; a<=k; a++) { d=alts[a]; sub(/[ :(].*/, "", d); if (d in installed) { if (!(d in seen)) {seen[d]=1; queue[++n]=d} break } }
          }
        }
        for (p in seen) print p
      }')
}
in_closure() { apt_closure; grep -qxF "$1" <<<"$APT_CLOSURE"; }

# The Debian package that owns PATH (as given, its /usr-merged twin, then its symlink target).
dpkg_owner() {
  local p=$1 c
  for c in "$p" "${p/#\/usr\/bin\//\/bin\/}" "${p/#\/bin\//\/usr\/bin\/}" "$(readlink -f "$p")"; do
    dpkg -S "$c" 2>/dev/null | awk -F': ' -v c="$c" '$2==c{split($1, a, /[:,]/); print a[1]; exit}' | grep . && return 0
  done
  return 1
}

# The cargo-installed crate whose bins include NAME, as "crate version".
cargo_owner() {
  [ -f "$CRATES2" ] || return 1
  tr '{' '\n' <"$CRATES2" | awk -v b="\"$1\"" '
    # A line holds one crate'"'"'s fields and then the next crate'"'"'s key: bins first.
    match($0, /"bins":\[[^]]*\]/) && index(substr($0, RSTART, RLENGTH), b) {print key; exit}
    match($0, /"[^"]+ [0-9][^ "]* \(registry/) {key=substr($0, RSTART+1, RLENGTH-11)}' | grep .
}

failures=0
checked=0
report() { [ "$QUIET" = 1 ] || printf '  %-26s %-12s %s\n' "$1" "$2" "$3"; }
fail() {
  failures=$((failures + 1))
  printf 'doctor: %s (%s): %s\n' "$1" "$2" "$3" >&2
}

# check NAME FOUND_PATH: is where FOUND_PATH came from something the image or the bootstrap provides?
check() {
  local name=$1 path=$2 owner crate dir lock pkg target
  checked=$((checked + 1))
  case "$path" in
    "$CARGO_BIN"/*)
      if [ -x "$CARGO_BIN/rustup" ] && [ "$path" -ef "$CARGO_BIN/rustup" ]; then
        report "$name" rustup "rustup proxy (machine image)"; return
      fi
      if crate=$(cargo_owner "$(basename "$path")"); then
        if recorded cargo "${crate% *}"; then report "$name" cargo "$crate (bootstrap: need_cargo)"; return; fi
        fail "$name" "$path" "installed by 'cargo install ${crate% *}', which the bootstrap does not run: add need_cargo ${crate% *} <version> to scripts/bootstrap.sh or a scripts/bootstrap.d step"
        return
      fi
      fail "$name" "$path" "in $CARGO_BIN but neither a rustup proxy nor recorded by cargo install: installed by hand"
      return ;;
    */node_modules/.bin/*)
      dir=${path%/node_modules/.bin/*}
      lock="$dir/package-lock.json"
      target=$(readlink "$path" || true)
      pkg=${target#../}; pkg=${pkg%%/*}
      [[ "$pkg" == @* ]] && { pkg=${target#../}; pkg=${pkg%/*}; pkg=${pkg%%/bin*}; pkg=$(cut -d/ -f1-2 <<<"$pkg"); }
      if git ls-files --error-unmatch "${lock#"$ROOT"/}" >/dev/null 2>&1 && grep -q "\"node_modules/$pkg\"" "$lock"; then
        report "$name" npm "$pkg from ${lock#"$ROOT"/} (npm ci)"; return
      fi
      fail "$name" "$path" "npm package '$pkg' is not in a tracked package-lock.json: add it to ${lock#"$ROOT"/} (npm install --save-dev)"
      return ;;
    "$HOME"/.pyenv/*)
      report "$name" image "pyenv (machine image)"; return ;;
  esac
  dir=$(dirname "$(dirname "$path")")
  if [ -f "$dir/pyvenv.cfg" ]; then
    if recorded venv "${dir#"$ROOT"/}"; then report "$name" venv "${dir#"$ROOT"/} (bootstrap: record venv)"; return; fi
    fail "$name" "$path" "a venv the bootstrap does not create: add its setup to a scripts/bootstrap.d step"
    return
  fi
  if owner=$(dpkg_owner "$path"); then
    if recorded apt "$owner"; then report "$name" apt "$owner (bootstrap: need_apt)"; return; fi
    if in_image "$owner"; then report "$name" apt "$owner (machine image)"; return; fi
    if in_closure "$owner"; then report "$name" apt "$owner (a dependency of a bootstrap package)"; return; fi
    fail "$name" "$path" "from Debian package '$owner', which neither the machine image nor the bootstrap installs: add need_apt $owner to scripts/bootstrap.sh"
    return
  fi
  fail "$name" "$path" "from no Debian package, cargo install, npm lockfile or venv the bootstrap knows: installed by hand"
}

find_program() {
  local name=$1 where=$2
  case "$where" in
    host) command -v "$name" ;;
    wasm) (source scripts/wasm-env.sh && command -v "$name") ;;
    *) local dir=$ROOT; [ "$where" = . ] || dir="$ROOT/$where"
       if [ -x "$dir/node_modules/.bin/$name" ]; then echo "$dir/node_modules/.bin/$name"
       elif [ -x "$dir/bin/$name" ]; then echo "$dir/bin/$name"
       else return 1; fi ;;
  esac
}

[ "$QUIET" = 1 ] || echo "== doctor: where every program the build calls comes from (wasm32: ${wasm_toolchain:-unknown})"
while read -r name where when _; do
  case "$name" in ''|'#'*) continue ;; esac
  [ "$when" = debian-wasm ] && [ "$wasm_toolchain" != debian-build-std ] && continue
  if ! path=$(find_program "$name" "$where"); then
    [ "$when" = if-present ] && continue
    fail "$name" "$where" "not found: the bootstrap should have installed it (run make setup)"
    continue
  fi
  check "$name" "$path"
done <"$PROGRAMS"

if [ "$failures" -gt 0 ]; then
  echo "doctor: $failures of $checked programs do not come from the machine image or the bootstrap (see above)" >&2
  exit 1
fi
[ "$QUIET" = 1 ] || echo "== doctor: $checked programs, each from the machine image or a bootstrap step"
