# jwtgate — one entry point for every task. `make help` lists them.
# Parts add their own targets in mk/*.mk and append to TEST_TARGETS / BENCH_TARGETS.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
export WRANGLER_SEND_METRICS := false
export NEXT_TELEMETRY_DISABLED := 1

WASM_TARGET := wasm32-unknown-unknown
# `lint` (every part's lint-* target, below and in mk/*.mk) is part of make test; one make run
# makes each target once, so a lint-* that a part also lists (lint-worker, test-python's
# lint-python) still runs once.
TEST_TARGETS := test-doctor lint test-core test-wasm test-pkg
BENCH_TARGETS :=

# Files under the folders $(1) whose names match $(2) (a `*` glob), at any depth, sorted:
# $(call rwildcard,src worker/src,*.rs). $(wildcard) alone sees one level, so a source moved
# into a subfolder would silently stop being a prerequisite.
rwildcard = $(sort $(foreach d,$(wildcard $(addsuffix /*,$(1))),$(call rwildcard,$(d),$(2)) $(filter $(subst *,%,$(2)),$(d))))

include $(sort $(wildcard mk/*.mk))

.PHONY: help setup doctor test-doctor test lint test-lint test-core pkg test-wasm test-pkg

help: ## List targets
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | sort | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

setup: ## Install what is missing (idempotent): wasm toolchain, wasm-bindgen-cli, browsers, npm deps; then doctor
	@scripts/bootstrap.sh

doctor: ## Where every program the build calls comes from: fails on anything the bootstrap does not install
	@scripts/doctor.sh

test-doctor: ## The doctor itself: pointed at tools the bootstrap does not name, it must fail loudly
	node --test tests/doctor/

test: setup ## Run every test (what CI runs)
	@$(MAKE) --no-print-directory $(TEST_TARGETS)
	@echo "== all tests passed: $(TEST_TARGETS)"

lint: test-lint lint-worker lint-python lint-fuzz ## rustfmt + clippy everywhere (root, worker, Python binding, fuzz crate) + ruff (also part of make test)

test-lint: ## rustfmt check + clippy -D warnings (the core denies unwrap/expect/panic/indexing outside tests); the core's docs link
	cargo fmt --all -- --check
	cargo clippy --locked --workspace --all-targets -- -D warnings
	RUSTDOCFLAGS="-D warnings" cargo doc --locked --no-deps -p jwtgate --document-private-items

test-core: ## Native tests of the core: unit, vectors, doctests; the lean build (no ES/RS, no jwe)
	cargo test --locked --workspace
	cargo test --locked -p jwtgate --no-default-features --test lean_build

pkg: ## Build the npm package into pkg/ (Wasm engine + pkg-template/)
	@scripts/build-pkg.sh

# wasm-bindgen-test through wasm-pack: the Wasm build of the core in headless Chromium, headless
# Firefox and Node (the README's lines), plus a `wasm-pack build` smoke (scripts/test-wasm.sh).
test-wasm: ## wasm-pack test --headless --chrome / --firefox, --node; wasm-pack build smoke
	@scripts/test-wasm.sh

test-pkg: pkg nextjs-install ## The built package: npm pack → install → node --test; declarations (tsc); browser page; workerd
	@scripts/test-pkg.sh
