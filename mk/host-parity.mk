# The host-parity suite (issue 21): tests/host-parity/cases.json through the npm package in
# Node, the worker in workerd, and the FastAPI dependency and ASGI middleware (plain,
# --root-path, mounted), each in front of an echo; every host must decide alike and the
# app/origin receive the same identity, cookie and forwarding headers.
.PHONY: test-host-parity

test-host-parity: pkg nextjs-install worker-build python-venv ## One request list through every host; same decisions, same origin headers
	node --test --test-concurrency=1 tests/host-parity/

TEST_TARGETS += test-host-parity
