# Sourced by scripts/demo.sh: logging, free ports, process groups and their cleanup.
# Every server runs in its own process group (set -m in demo.sh); cleanup stops the groups.

if [ -t 2 ]; then
  log() { printf '\033[1m[demo]\033[0m %s\n' "$*" >&2; }
else
  log() { printf '[demo] %s\n' "$*" >&2; }
fi
die() { printf '[demo] error: %s\n' "$*" >&2; exit 1; }

free_port() { # a TCP port nothing listens on now (the kernel picks it)
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}
port_busy() { curl -s -o /dev/null --max-time 1 "http://$HOST:$1/"; }

# name → process group id, and its log file, in start order.
SERVERS=()
declare -A SERVER_PGID=() SERVER_LOG=()

start_server() { # $1 name, $2 log file, then the command
  local name=$1 logfile=$2
  shift 2
  "$@" </dev/null >"$logfile" 2>&1 &
  SERVERS+=("$name")
  SERVER_PGID[$name]=$!
  SERVER_LOG[$name]=$logfile
}

stop_group() { # $1 process group id, $2 name
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

wait_ready() { # $1 url, $2 server name, $3 timeout seconds
  local url=$1 name=$2 limit=$3 start=$SECONDS code
  while :; do
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$url" || true)
    [ "$code" != 000 ] && [ -n "$code" ] && { log "$name ready ($url -> $code)"; return 0; }
    kill -0 -- "-${SERVER_PGID[$name]}" 2>/dev/null || die "$name exited before it was ready"
    [ $((SECONDS - start)) -lt "$limit" ] || die "$name not ready after ${limit}s"
    sleep 0.5
  done
}

cleaned=0
interrupted=0
cleanup() {
  local status=$? i name
  [ "$cleaned" = 1 ] && return
  cleaned=1
  trap - INT TERM
  set +m # no "Terminated" job notices while stopping
  for ((i = ${#SERVERS[@]} - 1; i >= 0; i--)); do # the reverse of start order
    name=${SERVERS[$i]}
    stop_group "${SERVER_PGID[$name]}" "$name"
  done
  if [ "$status" != 0 ] && [ "$interrupted" = 0 ] && [ "${DEMO_KEEP_LOGS:-0}" != 1 ]; then
    for name in "${SERVERS[@]}"; do
      [ -s "${SERVER_LOG[$name]}" ] || continue
      printf '\n--- last lines of %s ---\n' "$(basename "${SERVER_LOG[$name]}")" >&2
      tail -n 25 "${SERVER_LOG[$name]}" >&2
    done
  fi
  if [ "${DEMO_KEEP_LOGS:-0}" = 1 ]; then log "logs kept in $RUN_DIR"; else rm -rf "$RUN_DIR"; fi
}
