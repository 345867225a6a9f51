# The Python package (issues 15, 23): bindings/python (PyO3 + maturin, abi3 wheel), its own
# Cargo workspace. `make python` builds the manylinux2014 x86_64 wheel (zig, stripped,
# auditwheel-checked) and the sdist, installs each into a fresh venv (pip builds the sdist
# from source) and runs the pytest suite in both (the corpus in process and through
# uvicorn, the spec's test list, threads, remote key sets); `make test-python` is that plus
# rustfmt/clippy/ruff. `make python-dev` is the quick loop: the wheel in the reused venv.
PY_CRATE := bindings/python
PY_TARGET := $(CURDIR)/target/python

.PHONY: python python-wheel-aarch64 python-dev python-fresh-wheel python-fresh-sdist python-wheel python-sdist python-venv test-python lint-python bench-python

python-wheel: ## Build the jwtgate wheel (abi3, CPython >= 3.9) into target/python/wheels/
	@scripts/python.sh wheel

python-sdist: ## Build the source distribution (maturin sdist) into target/python/sdist/
	@scripts/python.sh sdist

python-venv: ## The wheel installed into target/python/venv (what test-readme's Python blocks import)
	@scripts/python.sh venv >/dev/null

python: python-fresh-wheel python-fresh-sdist python-wheel-aarch64 ## Wheels (x86_64 tested in a fresh venv, aarch64 tag-checked) and the sdist (tested in a fresh venv)

python-wheel-aarch64: ## The manylinux2014 aarch64 wheel (build-std, zig); auditwheel's tag check is its test
	@scripts/python.sh wheel-aarch64 >/dev/null

python-dev: ## The quick loop: the wheel in the reused venv (target/python/venv), its pytest suite there
	@py=$$(scripts/python.sh venv); \
	 cargo build -q --locked --example corpus; \
	 cd $(PY_CRATE) && "$$py" -m pytest -q

# The glibc wheel users get from pip, in a new venv: the whole suite against it.
python-fresh-wheel:
	@py=$$(scripts/python.sh fresh wheel); \
	 cargo build -q --locked --example corpus; \
	 echo "== pytest against the manylinux2014 wheel in a fresh venv"; \
	 cd $(PY_CRATE) && "$$py" -m pytest -q

# The sdist, built from source by pip in a new venv (cargo from crates.io, both lockfiles):
# the same suite against what it built.
python-fresh-sdist:
	@py=$$(scripts/python.sh fresh sdist); \
	 cargo build -q --locked --example corpus; \
	 echo "== pytest against the sdist built from source in a fresh venv"; \
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

bench-python: ## gate.verify vs python-jose and PyJWT jwt.decode; remote EdDSA gate vs PyJWKClient, cold start
	@py=$$(scripts/python.sh venv); mkdir -p $(BENCH_DIR); \
	 [ -n "$$(find $(BENCH_DIR)/tokens.json -mmin -5 2>/dev/null)" ] || node benches/node/tokens.mjs $(BENCH_DIR)/tokens.json; \
	 echo "== python (benches/python/verify.py)"; \
	 "$$py" benches/python/verify.py --tokens $(BENCH_DIR)/tokens.json --out $(BENCH_DIR)/python.json; \
	 echo "== python remote key sets (benches/python/remote.py)"; \
	 "$$py" benches/python/remote.py --out $(BENCH_DIR)/python-remote.json

TEST_TARGETS += test-python
BENCH_TARGETS += bench-python
