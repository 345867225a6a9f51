# Benchmarks (issue 6): `make bench` regenerates docs/BENCHMARKS.md and prints its table.
# Node: the BUILT package (pkg/) vs jose, fast-jwt, @tsndr, jsonwebtoken, createHmac floor.
# Native: the core and the jsonwebtoken crate (benches/native.rs). Same tokens for both.
BENCH_DIR := target/bench
.PHONY: bench bench-edge test-bench

bench: pkg ## Benchmarks: built package in Node vs peers, native core; writes docs/BENCHMARKS.md
	@mkdir -p $(BENCH_DIR)
	@node benches/node/tokens.mjs $(BENCH_DIR)/tokens.json
	@echo "== native (cargo bench --bench native)"
	@cargo bench --locked -q --bench native -- $(BENCH_DIR)/tokens.json $(BENCH_DIR)/native.json
	@echo "== node (benches/node/verify.mjs)"
	@node benches/node/verify.mjs --tokens $(BENCH_DIR)/tokens.json --out $(BENCH_DIR)/node.json
	@echo "== node, every jwt() plugin algorithm (benches/node/algorithms.mjs)"
	@node benches/node/algorithms.mjs --out $(BENCH_DIR)/algorithms.json
	@node benches/node/session.mjs --out $(BENCH_DIR)/session.json
	@rm -f $(BENCH_DIR)/edge.json
	@# An edge run that was not measurable on this machine still writes edge.json (why): the report
	@# says so and fails make bench after regenerating docs/BENCHMARKS.md; a crash fails here.
	@$(MAKE) --no-print-directory bench-edge || [ -s $(BENCH_DIR)/edge.json ]
	@$(if $(strip $(BENCH_TARGETS)),$(MAKE) --no-print-directory $(BENCH_TARGETS))
	@node benches/report.mjs $(BENCH_DIR) docs/BENCHMARKS.md

bench-edge: worker-build ## Edge load: capacity of the pass-through stack, then open loop at 50% of it (gated vs pass-through vs origin)
	@mkdir -p $(BENCH_DIR)
	@echo "== edge (benches/edge/latency.mjs)"
	@node benches/edge/latency.mjs $(BENCH_DIR)/edge.json

test-bench: ## The benchmark's judgement on recorded numbers: saturation, calibration, targets as data
	node --test tests/bench/

TEST_TARGETS += test-bench
