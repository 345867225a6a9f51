# The demo (scripts/demo.sh): the example origin behind the worker, a minted token, curl lines.
# Its smoke mode and the example origin's own tests are part of `make test`.
.PHONY: demo test-demo test-origin

demo: ## Origin on :8000 behind the worker on :8787, a token, ready-to-paste curls (Ctrl-C stops)
	@scripts/demo.sh

# Other ports than `make demo`, so a running demo does not break the test.
test-demo: ## Demo smoke: start origin + worker, run the four curls, expect 200/200/401/403
	@DEMO_SMOKE=1 ORIGIN_PORT=$${DEMO_TEST_ORIGIN_PORT:-18000} WORKER_PORT=$${DEMO_TEST_WORKER_PORT:-18787} \
	  scripts/demo.sh

test-origin: ## The example origin's own tests (pytest, FastAPI TestClient)
	@scripts/origin.sh --setup --test
	@cd examples/fastapi-origin && "$${ORIGIN_VENV:-.venv}/bin/python" -m pytest -q

TEST_TARGETS += test-origin test-demo
