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
# Every tests/pkg/*.test.mjs runs against the installed tarball, found by glob (a new test file
# needs no line here), except hosts*.test.mjs: they drive the browser and workerd from the
# repository (JWTGATE_SCRATCH, last step below).
pkg_tests=()
for f in "$repo"/tests/pkg/*.test.mjs; do
  case "$(basename "$f")" in hosts*.test.mjs) continue ;; esac
  if [ -e "$f" ]; then pkg_tests+=("$(basename "$f")"); fi
done
[ "${#pkg_tests[@]}" -gt 0 ] || { echo "test-pkg: no tests/pkg/*.test.mjs found" >&2; exit 1; }
cp "${pkg_tests[@]/#/$repo/tests/pkg/}" "$scratch/"
# Fresh tokens from the real better-auth package (a root devDependency), minted in process.
node "$repo/tests/fixtures/better-auth/mint.mjs" "$scratch/better-auth.json"
node "$repo/tests/fixtures/better-auth/mint-algorithms.mjs" "$scratch/algorithms.json"
(cd "$repo" && cargo run -q --locked --example corpus -- --decide --jsonl) > "$scratch/corpus.jsonl"
(cd "$scratch" && node --test "${pkg_tests[@]}")
# The Better Auth plugin pair ships compiled, with declarations (tested in tests/better-auth).
listing=$(tar -tzf "$scratch/$tarball")
for f in server.js server.d.ts client.js client.d.ts; do
  grep -qx "package/better-auth/$f" <<<"$listing" || { echo "the tarball lacks better-auth/$f" >&2; exit 1; }
done
(cd "$scratch" && node -e 'import("jwtgate/better-auth/client").then((m) => { if (typeof m.jwtgateClient !== "function" || typeof m.createJwtgateFetch !== "function") process.exit(1); console.log("jwtgate/better-auth/client without better-auth installed: ok") })')


# Declaration tests (tests/pkg/types): the README idiom compiles with strict on, strict off
# (the tsconfig Next.js writes) and nodenext, and the union still catches misuse under
# strict. TypeScript: the example app's (make nextjs-install), the version Next builds with.
tsc="$repo/examples/nextjs/node_modules/typescript/bin/tsc"
[ -f "$tsc" ] || { echo "test-pkg: $tsc is missing: run make nextjs-install" >&2; exit 1; }
cp "$repo"/tests/pkg/types/*.ts "$repo"/tests/pkg/types/tsconfig.*.json "$scratch/"
passed=0 failed=0
for config in "$scratch"/tsconfig.*.json; do
  if (cd "$scratch" && node "$tsc" -p "$config" --pretty false); then passed=$((passed + 1)); echo "ok $(basename "$config")"
  else failed=$((failed + 1)); echo "FAILED $(basename "$config")"; fi
done
echo "declarations (tsc $(node "$tsc" -v | cut -d' ' -f2)): $passed passed, $failed failed"
[ "$failed" = 0 ]

folder=$(mktemp -d "${TMPDIR:-/tmp}/jwtgate-folder.XXXXXX")
printf '{"name":"scratch-folder","private":true,"type":"module"}\n' > "$folder/package.json"
(cd "$folder" && npm_q install "$repo/pkg" && node -e 'import("jwtgate").then(({ Gate }) => { new Gate({ secret: "k3Jx9vQ2mW7pL4tZ8rB6nC1yH5sD0fGa" }); console.log("folder install: ok") })')
rm -rf "$folder"

JWTGATE_SCRATCH="$scratch" node --test "$repo/tests/pkg/hosts.test.mjs" "$repo/tests/pkg/hosts-full.test.mjs"
