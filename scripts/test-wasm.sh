#!/usr/bin/env bash
# make test-wasm: the Wasm crate's wasm-bindgen-test suites through wasm-pack, in headless
# Chromium, headless Firefox and Node, then a `wasm-pack build` smoke. The test lines are the
# README's, character for character (checked here: a README line that drifts fails the run).
#   --mode no-install   wasm-pack may not download anything (wasm-bindgen comes from PATH, at the
#                       Cargo.lock version; a mismatch is an error, not a download)
#   --chromedriver/--geckodriver   the drivers the bootstrap installed, never downloaded ones
# A wasm-pack run that skips its suite exits 0 ("only configured to run in a browser … skipping"):
# each run must report exactly as many passed tests as tests/common/mod.rs has cases.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/wasm-env.sh
command -v wasm-pack >/dev/null || { echo "test-wasm: wasm-pack missing: run make setup" >&2; exit 1; }

crate=bindings/wasm
expected=$(grep -c '^#\[wasm_bindgen_test\]' "$crate/tests/common/mod.rs")
lines=(
  'wasm-pack test --headless --chrome --chromedriver "$(command -v chromedriver)" --mode no-install bindings/wasm'
  'wasm-pack test --headless --firefox --geckodriver "$(command -v geckodriver)" --mode no-install bindings/wasm'
  'wasm-pack test --node --mode no-install bindings/wasm'
)
log=$(mktemp)
trap 'rm -f "$log"' EXIT
echo "== wasm-pack $(wasm-pack --version | awk '{print $2}'), wasm32 via $JWTGATE_WASM_TOOLCHAIN ($(rustc --version))"
for line in "${lines[@]}"; do
  grep -qxF -- "$line" README.md || { echo "test-wasm: README.md lacks the line: $line" >&2; exit 1; }
  echo "== $line"
  eval "$line" 2>&1 | tee "$log"
  passed=$(grep -oE 'test result: ok\. [0-9]+ passed' "$log" | awk '{n += $4} END {print n + 0}')
  if [ "$passed" != "$expected" ]; then
    echo "test-wasm: $passed tests passed, expected $expected (the suite was skipped or split): $line" >&2
    exit 1
  fi
done

# wasm-pack build: the engine as wasm-pack builds it, loaded by the package's own gate.js.
out="$CARGO_TARGET_DIR/wasm-pack-build"
echo "== wasm-pack build --target web --release --mode no-install --out-dir $out $crate"
wasm-pack build --target web --release --mode no-install --out-dir "$out" "$crate"
WASM_PACK_OUT="$out" node --test tests/wasm-pack/build.test.mjs
