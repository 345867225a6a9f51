# Sourced by scripts/demo.sh in smoke mode (DEMO_SMOKE=1): the app's flow over HTTP with
# curl, as the browser does it. Sign up (Better Auth). Session mode (the default,
# NEXT_PUBLIC_JWTGATE_MODE unset): /api/v1/{id}/tasks with Better Auth's session cookies
# only, as the page calls it — list, create with the page's Origin; CSRF: no Origin or a
# cross-site one 403. Both modes: a token from /api/auth/jwtgate/token (what API clients
# use) → create, list, complete, delete through proxy.ts (and the worker) to the origin;
# another user's path 403; nothing 401; sign out → no token (401), the session cookie cleared.
# Prints one line per check and "demo smoke: N passed, M failed"; non-zero on a failure.

failures=0
passed=0
JAR="$RUN_DIR/cookies"
BODY="$RUN_DIR/body"

json() { # $1 python expression over `d` (the last body's JSON); prints the value
  python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$BODY" "$1" 2>/dev/null
}
check() { # $1 name, $2 expected status, then curl args; the body lands in $BODY
  local name=$1 want=$2 status
  shift 2
  status=$(curl -s -o "$BODY" -w '%{http_code}' --max-time 30 "$@" || true)
  if [ "$status" = "$want" ]; then
    printf 'ok   %-46s %s\n' "$name" "$status"
    passed=$((passed + 1))
    return 0
  fi
  printf 'FAIL %-46s got %s, want %s: %s\n' "$name" "$status" "$want" "$(head -c 300 "$BODY")"
  failures=$((failures + 1))
  return 1
}
holds() { # $1 name, then a command that succeeds when the check holds
  local name=$1
  shift
  if "$@"; then
    printf 'ok   %-46s\n' "$name"
    passed=$((passed + 1))
  else
    printf 'FAIL %-46s\n' "$name"
    failures=$((failures + 1))
  fi
}
expect() { # $1 name, $2 python condition over `d`
  if [ "$(json "$2")" = True ]; then
    printf 'ok   %-46s\n' "$1"
    passed=$((passed + 1))
  else
    printf 'FAIL %-46s %s\n' "$1" "$(head -c 300 "$BODY")"
    failures=$((failures + 1))
  fi
}

email="demo-$RANDOM$RANDOM@example.com"
check "sign up (Better Auth, SQLite)" 200 -c "$JAR" -H "origin: $APP" -H 'content-type: application/json' \
  -d "{\"email\":\"$email\",\"password\":\"correct horse battery staple\",\"name\":\"Demo User\"}" \
  "$APP/api/auth/sign-up/email"
user_id=$(json 'd["user"]["id"]')
tasks="$APP/api/v1/$user_id/tasks"
session_mode=0
[ "${NEXT_PUBLIC_JWTGATE_MODE:-session}" = bearer ] || session_mode=1
if [ "$session_mode" = 1 ]; then
  # The page's own calls: cookies, no Authorization (the browser holds no token).
  check "session cookies only: list (no token)" 200 -b "$JAR" "$tasks"
  check "session cookies: create with the page's Origin" 200 -b "$JAR" -H "origin: $APP" \
    -H 'content-type: application/json' -d '{"title":"from the session"}' "$tasks"
  expect "…the origin saw X-User-Id = the session's user" "d['identity_header'] == '$user_id'"
  session_task=$(json 'd["task"]["id"]')
  check "session cookies, POST without Origin: 403" 403 -b "$JAR" -H 'content-type: application/json' \
    -d '{"title":"csrf"}' "$tasks"
  expect "…the CSRF rule's detail" "d['detail'] == 'Missing or null Origin'"
  check "session cookies, cross-site Origin: 403" 403 -b "$JAR" -H 'origin: https://evil.example' \
    -H 'content-type: application/json' -d '{"title":"csrf"}' "$tasks"
  check "session cookies: delete it" 200 -b "$JAR" -H "origin: $APP" -X DELETE "$tasks/$session_task"
fi
check "token from /api/auth/jwtgate/token" 200 -b "$JAR" "$APP/api/auth/jwtgate/token"
token=$(json 'd["token"]')
auth=(-H "authorization: Bearer $token")
check "create a task (through the gate)" 200 "${auth[@]}" -H 'content-type: application/json' -d '{"title":"try jwtgate"}' "$tasks"
expect "the origin saw X-User-Id = the session's user" "d['identity_header'] == '$user_id'"
task_id=$(json 'd["task"]["id"]')
check "list: the task is there" 200 "${auth[@]}" "$tasks"
expect "…and only this user's tasks" "[t['title'] for t in d['tasks']] == ['try jwtgate']"
check "complete it (PATCH)" 200 "${auth[@]}" -X PATCH -H 'content-type: application/json' -d '{"completed":true}' "$tasks/$task_id"
expect "…completed" "d['task']['completed'] is True"
check "another user's path: 403" 403 "${auth[@]}" "$APP/api/v1/someone-else/tasks"
expect "…with the spec's detail" "d['detail'] == 'User ID in path does not match authenticated user'"
check "no token: 401" 401 "$tasks"
check "delete it (DELETE)" 200 "${auth[@]}" -X DELETE "$tasks/$task_id"
if [ "$WITH_WORKER" = 1 ]; then
  # The worker is on the path too: it answers a tokenless request itself, and it logged
  # the app's requests that it forwarded.
  check "the worker in front of the origin: 401" 401 "$EDGE/api/v1/$user_id/tasks"
  holds "the app's requests went through the worker" grep -q "/api/v1/$user_id/tasks" "${SERVER_LOG[worker]}"
fi
check "sign out" 200 -b "$JAR" -c "$JAR" -D "$RUN_DIR/signout-headers" -H "origin: $APP" -X POST \
  -H 'content-type: application/json' -d '{}' "$APP/api/auth/sign-out"
check "after sign-out: no token (401)" 401 -b "$JAR" "$APP/api/auth/jwtgate/token"
if [ "$session_mode" = 1 ]; then
  # The browser drops its session cookies on sign-out (curl's jar keeps them). A copy kept
  # elsewhere still passes until its cookie cache ends (≤ sessionMaxAge), as with Better
  # Auth's own getSession (docs/decisions/sessions-npm.md).
  holds "sign-out clears the session cookie" \
    grep -qi '^set-cookie: better-auth\.session_token=;.*max-age=0' "$RUN_DIR/signout-headers"
fi

echo "demo smoke: $passed passed, $failures failed"
[ "$failures" = 0 ]
