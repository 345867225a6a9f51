#!/usr/bin/env bash
# Tests the built package as users get it: `npm pack` → install the tarball into a
# scratch project outside the repository → node --test there (`import … from "jwtgate"`),
# an install from the folder (`npm install ./pkg`), then the browser and workerd hosts.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
scratch=$(mktemp -d "${TMPDIR:-/tmp}/jwtgate-pkg.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
npm_q() { npm --no-audit --no-fund --loglevel=error "$@"; }

tarball=$(cd "$repo/pkg" && npm pack --silent --pack-destination "$scratch" | tail -n1)
echo "packed $tarball: $(tar -tzf "$scratch/$tarball" | sed 's|^package/||' | tr '\n' ' ')"
printf '{"name":"scratch","private":true,"type":"module"}\n' > "$scratch/package.json"
(cd "$scratch" && npm_q install "./$tarball")
cp "$repo"/tests/pkg/gate.test.mjs "$repo"/tests/pkg/corpus.test.mjs "$scratch/"
(cd "$repo" && cargo run -q --locked --example corpus -- --decide --jsonl) > "$scratch/corpus.jsonl"
(cd "$scratch" && node --test gate.test.mjs corpus.test.mjs)
# The Better Auth plugin pair ships compiled, with declarations (tested in tests/better-auth).
listing=$(tar -tzf "$scratch/$tarball")
for f in server.js server.d.ts client.js client.d.ts; do
  grep -qx "package/better-auth/$f" <<<"$listing" || { echo "the tarball lacks better-auth/$f" >&2; exit 1; }
done
(cd "$scratch" && node -e 'import("jwtgate/better-auth/client").then((m) => { if (typeof m.jwtgateClient !== "function" || typeof m.createJwtgateFetch !== "function") process.exit(1); console.log("jwtgate/better-auth/client without better-auth installed: ok") })')

folder=$(mktemp -d "${TMPDIR:-/tmp}/jwtgate-folder.XXXXXX")
printf '{"name":"scratch-folder","private":true,"type":"module"}\n' > "$folder/package.json"
(cd "$folder" && npm_q install "$repo/pkg" && node -e 'import("jwtgate").then(({ Gate }) => { new Gate({ secret: "k3Jx9vQ2mW7pL4tZ8rB6nC1yH5sD0fGa" }); console.log("folder install: ok") })')
rm -rf "$folder"

JWTGATE_SCRATCH="$scratch" node --test "$repo/tests/pkg/hosts.test.mjs"
