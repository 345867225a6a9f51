# jwtgate — one entry point for every task. `make help` lists them.
# Parts add their own targets in mk/*.mk and append to TEST_TARGETS / BENCH_TARGETS.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
export WRANGLER_SEND_METRICS := false
export NEXT_TELEMETRY_DISABLED := 1

WASM_TARGET := wasm32-unknown-unknown
TEST_TARGETS := test-core
BENCH_TARGETS :=

include $(sort $(wildcard mk/*.mk))

.PHONY: help setup test lint test-core

help: ## List targets
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | sort | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

setup: ## Install what is missing (idempotent): wasm toolchain, wasm-bindgen-cli, browsers, npm deps
	@scripts/bootstrap.sh

test: setup ## Run every test (what CI runs)
	@$(MAKE) --no-print-directory $(TEST_TARGETS)
	@echo "== all tests passed: $(TEST_TARGETS)"

lint: ## rustfmt + clippy (panic-prone lints are denied in the core)
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings

test-core: ## Native tests of the core: unit, vectors, doctests
	cargo test --workspace
