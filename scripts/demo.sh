#!/usr/bin/env bash
# `make demo`: the example origin on 127.0.0.1:8000 behind the jwtgate worker on
# 127.0.0.1:8787 (real workerd via `npx wrangler dev`), a token minted with the CLI, and
# ready-to-paste curl lines. Ctrl-C stops both.
#
# DEMO_SMOKE=1: instead of waiting for Ctrl-C, run the four curls, check 200/200/401/403,
# that the origin saw X-User-Id = the token's sub and that the 401 came from the edge
# (WWW-Authenticate), stop both, exit non-zero on a mismatch.
#
# DEMO_WORKER=0: the origin alone (no worker build, curls sent straight to the origin; the
# identity header is then not checked) -- to debug the origin side.
#
# Env: BETTER_AUTH_SECRET (default: .dev.vars's, else a fresh random one written to .dev.vars),
# ORIGIN_PORT (8000), WORKER_PORT (8787), DEMO_SKIP_BOOTSTRAP=1, DEMO_TIMEOUT (seconds to
# wait for the worker, build included; default 900), DEMO_KEEP_LOGS=1.
set -euo pipefail
set -m # every background job in its own process group: cleanup kills whole groups
cd "$(dirname "$0")/.."
ROOT=$PWD

ORIGIN_PORT="${ORIGIN_PORT:-8000}"
WORKER_PORT="${WORKER_PORT:-8787}"
SMOKE="${DEMO_SMOKE:-0}"
WITH_WORKER="${DEMO_WORKER:-1}"
TIMEOUT="${DEMO_TIMEOUT:-900}"
HOST=127.0.0.1
ORIGIN="http://$HOST:$ORIGIN_PORT"
EDGE="http://$HOST:$WORKER_PORT"
[ "$WITH_WORKER" = 1 ] || EDGE=$ORIGIN
DEMO_USER=demo-user
OTHER_USER=someone-else
export WRANGLER_SEND_METRICS=false

if [ -t 2 ]; then
  log() { printf '\033[1m[demo]\033[0m %s\n' "$*" >&2; }
else
  log() { printf '[demo] %s\n' "$*" >&2; }
fi
die() { printf '[demo] error: %s\n' "$*" >&2; exit 1; }

RUN_DIR=$(mktemp -d "${TMPDIR:-/tmp}/jwtgate-demo.XXXXXX")
chmod 700 "$RUN_DIR"
ORIGIN_LOG="$RUN_DIR/origin.log"
WORKER_LOG="$RUN_DIR/worker.log"
origin_pgid=""
worker_pgid=""

stop_group() { # $1 = process group id, $2 = name
  local pgid=$1 name=$2 i
  [ -n "$pgid" ] || return 0
  kill -0 -- "-$pgid" 2>/dev/null || return 0
  kill -TERM -- "-$pgid" 2>/dev/null || true
  for i in $(seq 50); do
    kill -0 -- "-$pgid" 2>/dev/null || { log "stopped $name"; return 0; }
    sleep 0.1
  done
  kill -KILL -- "-$pgid" 2>/dev/null || true
  log "killed $name"
}

cleaned=0
interrupted=0
cleanup() {
  local status=$?
  [ "$cleaned" = 1 ] && return
  cleaned=1
  trap - INT TERM
  set +m # no "Terminated" job notices while stopping
  stop_group "$worker_pgid" "worker (wrangler dev)"
  stop_group "$origin_pgid" "origin (uvicorn)"
  if [ "$status" != 0 ] && [ "$interrupted" = 0 ] && [ "${DEMO_KEEP_LOGS:-0}" != 1 ]; then
    for f in "$ORIGIN_LOG" "$WORKER_LOG"; do
      [ -s "$f" ] || continue
      printf '\n--- last lines of %s ---\n' "$(basename "$f")" >&2
      tail -n 25 "$f" >&2
    done
  fi
  if [ "${DEMO_KEEP_LOGS:-0}" = 1 ]; then log "logs kept in $RUN_DIR"; else rm -rf "$RUN_DIR"; fi
}
trap cleanup EXIT
trap 'echo >&2; log "Ctrl-C: stopping"; interrupted=1; exit 0' INT
trap 'exit 143' TERM

# --- 1. what the demo needs ------------------------------------------------------------
if [ "${DEMO_SKIP_BOOTSTRAP:-0}" != 1 ]; then
  log "bootstrap (installs only what is missing)"
  scripts/bootstrap.sh
fi
command -v curl >/dev/null || die "curl is missing (scripts/bootstrap.sh installs it)"

port_busy() { curl -s -o /dev/null --max-time 1 "http://$HOST:$1/" ; }
port_busy "$ORIGIN_PORT" && die "something already listens on $HOST:$ORIGIN_PORT (set ORIGIN_PORT)"
[ "$WITH_WORKER" = 1 ] && port_busy "$WORKER_PORT" && die "something already listens on $HOST:$WORKER_PORT (set WORKER_PORT)"

# --- 2. the shared secret: origin, worker and CLI must agree ----------------------------
dev_vars_secret() { # BETTER_AUTH_SECRET's value in .dev.vars (dotenv; quotes stripped)
  [ -f .dev.vars ] || return 0
  sed -n 's/^[[:space:]]*\(export[[:space:]]\+\)\?BETTER_AUTH_SECRET[[:space:]]*=[[:space:]]*//p' .dev.vars \
    | tail -n 1 | sed -e 's/[[:space:]]*$//' -e 's/^"\(.*\)"$/\1/' -e "s/^'\(.*\)'$/\1/"
}
from_file=$(dev_vars_secret)
if [ -n "${BETTER_AUTH_SECRET:-}" ]; then
  log "BETTER_AUTH_SECRET: from the environment"
elif [ -n "$from_file" ]; then
  BETTER_AUTH_SECRET=$from_file
  log "BETTER_AUTH_SECRET: from .dev.vars"
else
  BETTER_AUTH_SECRET=$(python3 -c 'import secrets; print(secrets.token_urlsafe(32))')
  log "BETTER_AUTH_SECRET: generated a random one"
fi
export BETTER_AUTH_SECRET
if [ ! -f .dev.vars ]; then
  (umask 077; printf 'BETTER_AUTH_SECRET=%s\n' "$BETTER_AUTH_SECRET" > .dev.vars)
  log "wrote .dev.vars (git-ignored) for wrangler dev"
elif [ -z "$from_file" ]; then
  printf '\nBETTER_AUTH_SECRET=%s\n' "$BETTER_AUTH_SECRET" >> .dev.vars
  log "added BETTER_AUTH_SECRET to .dev.vars"
fi
wrangler_env=()
if [ "$(dev_vars_secret)" != "$BETTER_AUTH_SECRET" ]; then
  # The environment's secret wins for this run: .dev.vars, then an override file (0600).
  (umask 077; printf 'BETTER_AUTH_SECRET=%s\n' "$BETTER_AUTH_SECRET" > "$RUN_DIR/secret.env")
  wrangler_env=(--env-file .dev.vars --env-file "$RUN_DIR/secret.env")
  log "the environment's BETTER_AUTH_SECRET overrides .dev.vars for this run"
fi

# --- 3. builds: the CLI (host) and the worker (wasm) ------------------------------------
log "building the CLI (cargo build -p jwtgate-cli)"
cargo build -q -p jwtgate-cli
JWTGATE="${CARGO_TARGET_DIR:-$ROOT/target}/debug/jwtgate"
[ -x "$JWTGATE" ] || die "CLI not found at $JWTGATE"
# Fail early, with the CLI's message, if the secret is too weak for the gate.
"$JWTGATE" mint --sub "$DEMO_USER" --email demo@example.com >/dev/null

if [ "$WITH_WORKER" = 1 ]; then
  log "building the worker (make worker-build; the first build takes minutes)"
  make --no-print-directory worker-build
fi

# --- 4. start both ----------------------------------------------------------------------
log "starting the origin on $ORIGIN (log: $ORIGIN_LOG)"
TASKS_DB="$RUN_DIR/tasks.db" PORT="$ORIGIN_PORT" scripts/origin.sh --no-access-log \
  </dev/null >"$ORIGIN_LOG" 2>&1 &
origin_pgid=$!

if [ "$WITH_WORKER" = 1 ]; then
  log "starting the worker on $EDGE (npx wrangler dev; log: $WORKER_LOG)"
  # The example origin serves /me/tasks besides the spec's /me/profile: its gate lists both.
  npx --no-install wrangler dev --ip "$HOST" --port "$WORKER_PORT" \
    --var "ORIGIN_URL:$ORIGIN" "${wrangler_env[@]}" \
    --var "SELF_ROUTES:/api/v1/me/profile,GET /api/v1/me/tasks" \
    </dev/null >"$WORKER_LOG" 2>&1 &
  worker_pgid=$!
else
  log "DEMO_WORKER=0: no worker; the curls go straight to the origin"
fi

wait_ready() { # $1 url, $2 pgid, $3 name, $4 timeout seconds
  local url=$1 pgid=$2 name=$3 limit=$4 start=$SECONDS code
  while :; do
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$url" || true)
    [ "$code" != 000 ] && [ -n "$code" ] && { log "$name ready ($url -> $code)"; return 0; }
    kill -0 -- "-$pgid" 2>/dev/null || die "$name exited before it was ready"
    [ $((SECONDS - start)) -lt "$limit" ] || die "$name not ready after ${limit}s"
    sleep 0.5
  done
}
wait_ready "$ORIGIN/health" "$origin_pgid" origin 120
[ "$WITH_WORKER" = 1 ] && wait_ready "$EDGE/health" "$worker_pgid" worker "$TIMEOUT"

# --- 5. a token and the curl lines ------------------------------------------------------
TOKEN=$("$JWTGATE" mint --sub "$DEMO_USER" --email demo@example.com --name "Demo User" --ttl 1800)
LIST="$EDGE/api/v1/$DEMO_USER/tasks"
OTHER="$EDGE/api/v1/$OTHER_USER/tasks"

if [ "$WITH_WORKER" = 1 ]; then
  intro="jwtgate demo: the edge gate on $EDGE in front of the FastAPI origin on $ORIGIN."
else
  intro="jwtgate demo WITHOUT the worker (DEMO_WORKER=0): the FastAPI origin alone on $ORIGIN."
fi
cat <<EOF

$intro
A token for '$DEMO_USER' (valid 30 minutes; mint another with
  $JWTGATE mint --sub $DEMO_USER --email demo@example.com --name "Demo User"):

TOKEN=$TOKEN

# 200: list your tasks (the origin echoes the X-User-Id the edge set, as "identity_header")
curl -i -H "Authorization: Bearer $TOKEN" $LIST

# 200: create a task
curl -i -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' -d '{"title":"try jwtgate"}' $LIST

# 401 at the edge: no token (the origin never sees it)
curl -i $LIST

# 403 at the edge: another user's path
curl -i -H "Authorization: Bearer $TOKEN" $OTHER

# Why was it refused? The CLI asks the same core:
$JWTGATE check $TOKEN --path /api/v1/$OTHER_USER/tasks

EOF

# --- 6. smoke test, or wait for Ctrl-C --------------------------------------------------
if [ "$SMOKE" = 1 ]; then
  failures=0
  probe() { # $1 name, $2 expected status, $3 expected identity_header ("" = not checked), curl args...
    local name=$1 want=$2 want_id=$3 body status
    shift 3
    body="$RUN_DIR/body"
    status=$(curl -s -o "$body" -w '%{http_code}' --max-time 20 "$@" || true)
    if [ "$status" != "$want" ]; then
      printf 'FAIL %-34s got %s, want %s: %s\n' "$name" "$status" "$want" "$(head -c 300 "$body")"
      failures=$((failures + 1))
      return
    fi
    if [ -n "$want_id" ] && ! grep -q "\"identity_header\":\"$want_id\"" "$body"; then
      printf 'FAIL %-34s %s, but identity_header is not %s: %s\n' "$name" "$status" "$want_id" "$(head -c 300 "$body")"
      failures=$((failures + 1))
      return
    fi
    printf 'ok   %-34s %s\n' "$name" "$status"
  }
  want_id=$DEMO_USER
  [ "$WITH_WORKER" = 1 ] || want_id=""
  probe "allowed list" 200 "$want_id" -H "Authorization: Bearer $TOKEN" "$LIST"
  probe "allowed create" 200 "$want_id" -H "Authorization: Bearer $TOKEN" \
    -H 'Content-Type: application/json' -d '{"title":"try jwtgate"}' "$LIST"
  probe "401 without token" 401 "" "$LIST"
  probe "403 for another user's path" 403 "" -H "Authorization: Bearer $TOKEN" "$OTHER"
  checks=4
  if [ "$WITH_WORKER" = 1 ]; then
    # The edge, not the origin, refused it: only the worker sends the RFC 6750 challenge.
    checks=5
    if curl -s -o /dev/null -D - --max-time 20 "$LIST" | tr -d '\r' | grep -qi '^www-authenticate: Bearer'; then
      printf 'ok   %-34s %s\n' "401 answered by the edge" "WWW-Authenticate: Bearer"
    else
      printf 'FAIL %-34s no WWW-Authenticate: Bearer header\n' "401 answered by the edge"
      failures=$((failures + 1))
    fi
  fi
  passed=$((checks - failures))
  echo "demo smoke: $passed passed, $failures failed"
  [ "$failures" = 0 ] || exit 1
  exit 0
fi

log "running; press Ctrl-C to stop both"
set +e
wait -n $origin_pgid $worker_pgid
status=$?
set -e
die "a server exited unexpectedly (status $status)"
