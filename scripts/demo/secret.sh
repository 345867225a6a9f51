# Sourced by scripts/demo.sh: the shared BETTER_AUTH_SECRET. Better Auth (the app), the
# gate (proxy.ts), the worker and the origin must all use the same one. Sets
# BETTER_AUTH_SECRET (exported) and WRANGLER_ENV (extra `wrangler dev` arguments).

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
WRANGLER_ENV=()
if [ "$(dev_vars_secret)" != "$BETTER_AUTH_SECRET" ]; then
  # The environment's secret wins for this run: .dev.vars, then an override file (0600).
  (umask 077; printf 'BETTER_AUTH_SECRET=%s\n' "$BETTER_AUTH_SECRET" > "$RUN_DIR/secret.env")
  WRANGLER_ENV=(--env-file .dev.vars --env-file "$RUN_DIR/secret.env")
  log "the environment's BETTER_AUTH_SECRET overrides .dev.vars for this run"
fi
