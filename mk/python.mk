# The Python package (issue 15): bindings/python (PyO3 + maturin, abi3 wheel), its own Cargo
# workspace. `make python` builds the wheel, installs it into target/python/venv and runs
# the pytest suite there (the corpus in process and through uvicorn, the spec's test list,
# threads); `make test-python` is that plus rustfmt/clippy of the binding crate.
PY_CRATE := bindings/python
PY_TARGET := $(CURDIR)/target/python

.PHONY: python python-wheel python-venv test-python lint-python bench-python

python-wheel: ## Build the jwtgate wheel (abi3, CPython >= 3.9) into target/python/wheels/
	@scripts/python.sh wheel

python-venv: ## The wheel installed into target/python/venv (what test-readme's Python blocks import)
	@scripts/python.sh venv >/dev/null

python: ## Build the wheel, install it into a venv, run its pytest suite there
	@py=$$(scripts/python.sh venv); \
	 cargo build -q --locked --example corpus; \
	 cd $(PY_CRATE) && "$$py" -m pytest -q

# ruff (pinned in bindings/python/requirements-test.txt, in the test venv the bootstrap makes):
# pyflakes + pycodestyle's error rules, chosen here (--isolated: no config file decides), on the
# package, its tests and the Python benchmark; the oldest Python the wheel supports.
PY_VENV = $(or $(JWTGATE_PY_VENV),$(PY_TARGET)/venv)
RUFF_CHECK := check --isolated --no-cache --output-format concise --target-version py39 --select E4,E7,E9,F

lint-python: ## rustfmt + clippy -D warnings for the binding crate (its own workspace); ruff check of its Python
	cd $(PY_CRATE) && cargo fmt -- --check
	cd $(PY_CRATE) && CARGO_TARGET_DIR="$(PY_TARGET)/cargo" cargo clippy --locked --all-targets -- -D warnings
	@scripts/python.sh setup
	cd $(PY_CRATE) && "$(PY_VENV)/bin/ruff" $(RUFF_CHECK) python tests "$(CURDIR)/benches/python"

test-python: lint-python python ## The Python package: lint + wheel tested as installed

bench-python: ## gate.verify vs python-jose and PyJWT jwt.decode, same tokens, one process
	@py=$$(scripts/python.sh venv); mkdir -p $(BENCH_DIR); \
	 [ -n "$$(find $(BENCH_DIR)/tokens.json -mmin -5 2>/dev/null)" ] || node benches/node/tokens.mjs $(BENCH_DIR)/tokens.json; \
	 echo "== python (benches/python/verify.py)"; \
	 "$$py" benches/python/verify.py --tokens $(BENCH_DIR)/tokens.json --out $(BENCH_DIR)/python.json

TEST_TARGETS += test-python
BENCH_TARGETS += bench-python
