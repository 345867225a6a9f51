#!/usr/bin/env bash
# `make demo`: the example app, for real. The Next.js app (examples/nextjs: Better Auth
# email + password on an SQLite file, jwtgate's plugin pair, proxy.ts) on 127.0.0.1:3000,
# calling the FastAPI origin (127.0.0.1:8000) through the jwtgate worker (127.0.0.1:8787,
# real workerd via `npx wrangler dev`). Prints the URL to open; Ctrl-C stops everything.
#
# DEMO_SMOKE=1: instead of waiting for Ctrl-C, run the app's flow over HTTP (scripts/demo/
# smoke.sh), stop everything, exit non-zero on a failure. DEMO_PORTS=free picks free ports.
# DEMO_WORKER=0: no worker; the app calls the origin directly (proxy.ts still gates).
#
# Env: BETTER_AUTH_SECRET (default: .dev.vars's, else a fresh random one written to .dev.vars),
# APP_PORT (3000), ORIGIN_PORT (8000), WORKER_PORT (8787), DEMO_SKIP_BOOTSTRAP=1,
# DEMO_SKIP_BUILD=1 (use examples/nextjs/.next as built), DEMO_TIMEOUT (seconds to wait for
# the worker, build included; default 900), DEMO_KEEP_LOGS=1.
set -euo pipefail
set -m # every background job in its own process group: cleanup stops whole groups
cd "$(dirname "$0")/.."
HOST=127.0.0.1
SMOKE="${DEMO_SMOKE:-0}"
WITH_WORKER="${DEMO_WORKER:-1}"
TIMEOUT="${DEMO_TIMEOUT:-900}"
APP_DIR=examples/nextjs
export WRANGLER_SEND_METRICS=false NEXT_TELEMETRY_DISABLED=1
source scripts/demo/common.sh

RUN_DIR=$(mktemp -d "${TMPDIR:-/tmp}/jwtgate-demo.XXXXXX")
chmod 700 "$RUN_DIR"
trap cleanup EXIT
trap 'echo >&2; log "Ctrl-C: stopping"; interrupted=1; exit 0' INT
trap 'exit 143' TERM

# --- 1. what the demo needs ------------------------------------------------------------
if [ "${DEMO_SKIP_BOOTSTRAP:-0}" != 1 ]; then
  log "bootstrap (installs only what is missing)"
  scripts/bootstrap.sh
fi
command -v curl >/dev/null || die "curl is missing (scripts/bootstrap.sh installs it)"
if [ "${DEMO_PORTS:-}" = free ]; then
  APP_PORT=$(free_port) ORIGIN_PORT=$(free_port) WORKER_PORT=$(free_port)
fi
APP_PORT="${APP_PORT:-3000}" ORIGIN_PORT="${ORIGIN_PORT:-8000}" WORKER_PORT="${WORKER_PORT:-8787}"
APP="http://$HOST:$APP_PORT" ORIGIN="http://$HOST:$ORIGIN_PORT" EDGE="http://$HOST:$WORKER_PORT"
[ "$WITH_WORKER" = 1 ] || EDGE=$ORIGIN
for port in "$APP_PORT" "$ORIGIN_PORT" $([ "$WITH_WORKER" = 1 ] && echo "$WORKER_PORT"); do
  port_busy "$port" && die "something already listens on $HOST:$port (set APP_PORT / ORIGIN_PORT / WORKER_PORT)"
done

# --- 2. the shared secret: app, gate, worker and origin must agree ----------------------
source scripts/demo/secret.sh

# --- 3. builds: the worker (wasm), the npm package, the app ------------------------------
if [ "$WITH_WORKER" = 1 ]; then
  log "building the worker (make worker-build; the first build takes minutes)"
  make --no-print-directory worker-build
fi
log "building the npm package and installing the app (make nextjs-install)"
make --no-print-directory nextjs-install NEXTJS_APPS="$APP_DIR"
if [ "${DEMO_SKIP_BUILD:-0}" != 1 ]; then
  log "building the app (next build)"
  (cd "$APP_DIR" && env -u BETTER_AUTH_SECRET node_modules/.bin/next build) >"$RUN_DIR/next-build.log" 2>&1 \
    || { tail -n 40 "$RUN_DIR/next-build.log" >&2; die "next build failed"; }
fi

# --- 4. start the origin, the worker, the app --------------------------------------------
log "starting the origin on $ORIGIN"
start_server origin "$RUN_DIR/origin.log" \
  env TASKS_DB="$RUN_DIR/tasks.db" PORT="$ORIGIN_PORT" scripts/origin.sh --no-access-log
if [ "$WITH_WORKER" = 1 ]; then
  log "starting the worker on $EDGE (npx wrangler dev)"
  # The example origin serves /me/tasks besides the spec's /me/profile: its gate lists both.
  start_server worker "$RUN_DIR/worker.log" \
    npx --no-install wrangler dev --ip "$HOST" --port "$WORKER_PORT" --var "ORIGIN_URL:$ORIGIN" "${WRANGLER_ENV[@]}" \
    --var "SELF_ROUTES:/api/v1/me/profile,GET /api/v1/me/tasks"
fi
log "starting the app on $APP (next start)"
start_server app "$RUN_DIR/app.log" \
  env -C "$APP_DIR" ORIGIN_URL="$EDGE" BETTER_AUTH_URL="$APP" AUTH_DATABASE="$RUN_DIR/auth.sqlite" \
  node_modules/.bin/next start -H "$HOST" -p "$APP_PORT"

wait_ready "$ORIGIN/health" origin 120
[ "$WITH_WORKER" = 1 ] && wait_ready "$EDGE/health" worker "$TIMEOUT"
wait_ready "$APP/" app 120

# --- 5. smoke test, or the URL and wait for Ctrl-C ----------------------------------------
if [ "$SMOKE" = 1 ]; then
  source scripts/demo/smoke.sh
  exit 0
fi

if [ "$WITH_WORKER" = 1 ]; then path="proxy.ts (jwtgate) → the jwtgate worker on $EDGE → the FastAPI origin on $ORIGIN"
else path="proxy.ts (jwtgate) → the FastAPI origin on $ORIGIN (DEMO_WORKER=0: no worker)"; fi
cat <<EOF

  jwtgate demo: open  $APP

  Create an account (Better Auth, email + password; users in an SQLite file), then add,
  complete and delete tasks. Each call goes /api/v1/{your id}/tasks → $path,
  with a token from /api/auth/jwtgate/token. Try another user's id on the page (403), sign
  out and call again (401). Two browsers (or a private window) make two users.

  Logs: $RUN_DIR (DEMO_KEEP_LOGS=1 keeps them). Ctrl-C stops everything.

EOF
set +e
pgids=()
for name in "${SERVERS[@]}"; do pgids+=("${SERVER_PGID[$name]}"); done
wait -n "${pgids[@]}"
status=$?
set -e
die "a server exited unexpectedly (status $status)"
