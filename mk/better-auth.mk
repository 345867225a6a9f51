# The Better Auth plugin pair (issue 12): `jwtgate/better-auth` (server) and
# `jwtgate/better-auth/client`, built into pkg/better-auth/ by `make pkg`. Tested in process
# with the real better-auth package (root devDependency, pinned) on a real SQLite file,
# the example FastAPI origin under uvicorn, a local server for the client, and tsc for types.
TEST_TARGETS += test-better-auth

.PHONY: test-better-auth

test-better-auth: pkg ## Better Auth plugin pair: real better-auth + SQLite, real uvicorn origin, client (fake clock), types
	@scripts/origin.sh --setup
	@node --test --test-concurrency=1 tests/better-auth/
