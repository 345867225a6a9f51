# Session mode (issue 22): the core's decision on Better Auth's own session cookies, held
# to the real better-auth package's getSession (tests/sessions/, through `jwtgate
# check-session`). Each host's session tests live with that host's tests.
TEST_TARGETS += test-sessions

.PHONY: test-sessions

test-sessions: ## Session cookies from the real better-auth (every strategy) vs the core, via the CLI
	cargo build -q --locked -p jwtgate-cli
	@node --test --test-concurrency=1 tests/sessions/
