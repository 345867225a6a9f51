# The demo (scripts/demo.sh + scripts/demo/): the Next.js example app (Better Auth + jwtgate)
# calling the example origin through the worker. Its smoke mode and the example origin's own
# tests are part of `make test`.
# Session mode is the app's default (issue 22): the page sends only Better Auth's session
# cookies (no token in JS), proxy.ts verifies them (cookie cache; auth.api.getSession when the
# cache cannot decide) and hands the worker and the origin the bridge token (ORIGIN_TOKEN=hs256
# by default in session mode). `make demo-bearer`: the token flow of before (the page fetches
# a token from /api/auth/jwtgate/token); the mode is read at build time, so it rebuilds the app.
.PHONY: demo demo-bearer test-demo test-origin

demo: ## The example app on :3000 → worker on :8787 → FastAPI origin on :8000; prints the URL (Ctrl-C stops)
	@scripts/demo.sh

demo-bearer: ## The demo with the page sending Bearer tokens instead of session cookies (rebuilds the app)
	@NEXT_PUBLIC_JWTGATE_MODE=bearer DEMO_SKIP_BUILD=0 scripts/demo.sh

# Free ports, so a running demo (or another test) does not break the test.
test-demo: ## Demo smoke: start app + worker + origin, sign up, tasks through the gate, 403/401, sign-out
	@DEMO_SMOKE=1 DEMO_PORTS=free scripts/demo.sh

test-origin: ## The example origin's own tests (pytest, FastAPI TestClient)
	@scripts/origin.sh --setup --test
	@cd examples/fastapi-origin && "$${ORIGIN_VENV:-.venv}/bin/python" -m pytest -q

TEST_TARGETS += test-origin test-demo
