# The edge gate (worker/): built with worker-build, served by `npx wrangler dev` from the root.
# wrangler.toml's [build] command calls `make worker-build`; it rebuilds only when a source changed.
WORKER_DIR := worker
WORKER_OUT := $(WORKER_DIR)/build/index.js
# Every Rust source of the worker and of the core at any depth (rwildcard: the Makefile), the
# manifests and lockfiles of both workspaces, and the post-build step.
WORKER_SRCS := $(call rwildcard,$(WORKER_DIR)/src src,*.rs) $(WORKER_DIR)/Cargo.toml $(wildcard $(WORKER_DIR)/Cargo.lock) \
  Cargo.toml Cargo.lock $(WORKER_DIR)/strip-names.mjs

.PHONY: worker-build test-worker test-worker-sessions bench-worker lint-worker worker-size

worker-build: $(WORKER_OUT) ## Build the Cloudflare Worker (worker/build/) with worker-build

$(WORKER_OUT): $(WORKER_SRCS)
	@source scripts/wasm-env.sh; \
	 export CARGO_TARGET_DIR="$(CURDIR)/$(WORKER_DIR)/target"; \
	 export WASM_BINDGEN_BIN="$$(command -v wasm-bindgen)"; \
	 command -v worker-build >/dev/null || { echo "worker-build missing: run make setup" >&2; exit 1; }; \
	 if [ "$$JWTGATE_WASM_TOOLCHAIN" = debian-build-std ]; then \
	   libdir="$$(rustc --target $(WASM_TARGET) --print target-libdir)"; \
	   [ -d "$$libdir" ] || mkdir -p "$$libdir" 2>/dev/null || sudo mkdir -p "$$libdir"; \
	 fi; \
	 cd $(WORKER_DIR) && worker-build --release
	@node $(WORKER_DIR)/strip-names.mjs $(WORKER_DIR)/build/index_bg.wasm
	@touch $@

worker-size: worker-build ## Raw and gzipped size of the worker's .wasm
	@for f in $(WORKER_DIR)/build/*.wasm; do \
	  printf '%s: %s bytes raw, %s bytes gzip -9\n' "$$f" "$$(wc -c <"$$f")" "$$(gzip -9c "$$f" | wc -c)"; \
	done

test-worker: worker-build ## End-to-end: real wrangler dev (workerd) in front of real origins
	node --test --test-concurrency=1 tests/e2e/worker/

lint-worker: ## rustfmt + clippy for the worker crate, and its pure unit tests (host build, its own target dir)
	cd $(WORKER_DIR) && cargo fmt -- --check
	cd $(WORKER_DIR) && CARGO_TARGET_DIR="$(CURDIR)/$(WORKER_DIR)/target/host" cargo clippy --all-targets -- -D warnings
	cd $(WORKER_DIR) && CARGO_TARGET_DIR="$(CURDIR)/$(WORKER_DIR)/target/host" cargo test --locked -q

bench-worker: worker-build ## Load run: 10,000 mixed requests through the worker, zero wrong decisions
	node tests/e2e/worker/load.bench.mjs
	node tests/e2e/worker/jwks-load.bench.mjs

TEST_TARGETS += lint-worker test-worker
BENCH_TARGETS += bench-worker

test-worker-sessions: worker-build ## Session mode in workerd only (Better Auth's cookies, the refresh path)
	node --test --test-concurrency=1 tests/e2e/worker/sessions.test.mjs tests/e2e/worker/sessions-service.test.mjs
