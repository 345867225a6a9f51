#!/usr/bin/env bash
# Builds the npm package into pkg/: the Wasm engine (bindings/wasm) through
# wasm-bindgen's `web` target, plus the hand-written files of pkg-template/.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/wasm-env.sh

# Size (measured, docs/decisions/performance.md): when std is rebuilt anyway (build-std),
# panics abort immediately (no panic message formatting linked; the core never panics
# by policy). Its own target dir: these flags must not churn the test-wasm build.
# Reference types and multivalue off (Wasm MVP + bulk memory etc.): V8 compiled the module in
# 2.2-2.6 ms with them and 0.9-1.2 ms without (wasm-bindgen then needs no externref table);
# no change on the hot path (measured, docs/decisions/performance.md). Only here, where std
# is rebuilt with the same features; a rustup std keeps its own and the build still works.
if [ "$JWTGATE_WASM_TOOLCHAIN" = debian-build-std ]; then
  export RUSTFLAGS="${RUSTFLAGS:-} -Zunstable-options -Cpanic=immediate-abort -Ctarget-feature=-reference-types,-multivalue"
  export CARGO_TARGET_DIR="${CARGO_TARGET_DIR}-pkg"
fi
wasm="$CARGO_TARGET_DIR/wasm32-unknown-unknown/release/jwtgate_wasm.wasm"

rm -rf pkg
mkdir -p pkg/full
# Two engines (docs/decisions/algorithms.md): the default entry `jwtgate` verifies HS256 and
# EdDSA (Better Auth's default), `jwtgate/full` (pkg/full/) adds ES256, ES512, RS256 and PS256.
# Each: cargo, then wasm-bindgen into its directory (no name/producers sections: 16 KB raw of
# function names nobody ships).
engine() { # <out dir> <cargo feature args...>
  local out=$1; shift
  cargo build --release --locked -p jwtgate-wasm --target wasm32-unknown-unknown "$@"
  wasm-bindgen --target web --remove-name-section --remove-producers-section \
    --out-dir "$out" --out-name jwtgate_wasm "$wasm"
  # wasm-opt is opt-in (JWTGATE_WASM_OPT=1): measured with Debian's binaryen v108, -O3 saves
  # ~4 KB raw but makes `new Gate` + the first verify slower (bigger functions for V8 to compile
  # lazily) and the hot path no faster (docs/decisions/performance.md).
  if command -v wasm-opt >/dev/null && [ "${JWTGATE_WASM_OPT:-0}" = 1 ]; then
    wasm-opt -O3 --enable-bulk-memory --enable-mutable-globals --enable-sign-ext --enable-nontrapping-float-to-int \
      "$out/jwtgate_wasm_bg.wasm" -o "$out/jwtgate_wasm_bg.opt.wasm"
    mv "$out/jwtgate_wasm_bg.opt.wasm" "$out/jwtgate_wasm_bg.wasm"
  fi
}
engine pkg --no-default-features
engine pkg/full

cp pkg-template/*.js pkg-template/*.d.ts pkg-template/package.json pkg-template/README.md pkg/
# The full entry: the same hand-written files beside its own engine (relative imports), minus
# the subpaths that live once at the root (manual, the Better Auth plugin pair).
cp pkg-template/gate.js pkg-template/errors.js pkg-template/remote.js pkg-template/request.js pkg-template/session.js pkg-template/index.*.js pkg/full/
sed -i 's|"jwtgate/jwtgate_wasm_bg.wasm"|"jwtgate/full/jwtgate_wasm_bg.wasm"|' pkg/full/index.node.js
# Node only: node:crypto does the arithmetic of ES256/ES512/RS256/PS256 signatures (measured
# faster than the pure-Wasm verifier; docs/decisions/algorithms.md), installed after initSync.
cp pkg-template/host-node-crypto.js pkg/full/
printf '\nimport { installNodeCrypto } from "./host-node-crypto.js";\ninstallNodeCrypto();\n' >> pkg/full/index.node.js

# The Better Auth plugin pair (jwtgate/better-auth, jwtgate/better-auth/client): TypeScript
# compiled to .js + .d.ts (client type inference rides on the declarations).
tsc=node_modules/.bin/tsc
[ -x "$tsc" ] || { echo "build-pkg: typescript missing: run 'make setup' (or 'npm ci')" >&2; exit 1; }
"$tsc" -p pkg-template/better-auth/tsconfig.json

# Node's entry as one module (glue + gate.js inlined): each extra ES module costs a Node
# process about 0.4 ms at startup, a third of the cold-start budget (docs/decisions/performance.md).
# Not minified: what users debug is what we wrote. Other entries stay as written (bundlers and
# runtimes that load them resolve the imports once, at build time).
esbuild=node_modules/.bin/esbuild
if [ -x "$esbuild" ]; then
  for dir in pkg pkg/full; do
    "$esbuild" $dir/index.node.js --bundle --format=esm --platform=node --target=node20 \
      --legal-comments=none --log-level=warning --outfile=$dir/index.node.bundled.js
    mv $dir/index.node.bundled.js $dir/index.node.js
  done
else
  echo "build-pkg: esbuild missing (run 'make setup' or 'npm ci'): pkg/index.node.js left unbundled" >&2
fi
version=$(awk -F'"' '/^version = /{print $2; exit}' Cargo.toml)
node -e 'const f="pkg/package.json";const p=JSON.parse(require("fs").readFileSync(f));p.version=process.argv[1];require("fs").writeFileSync(f,JSON.stringify(p,null,2)+"\n")' "$version"

for dir in pkg pkg/full; do
  raw=$(stat -c %s $dir/jwtgate_wasm_bg.wasm)
  gz=$(gzip -9 -c $dir/jwtgate_wasm_bg.wasm | wc -c)
  echo "$dir/ built ($JWTGATE_WASM_TOOLCHAIN): jwtgate_wasm_bg.wasm ${raw} bytes raw, ${gz} bytes gzip -9"
done
