# Conformance (issue 5): the request corpus, parity with the spec's origin, fuzzing (mk/fuzz.mk).
# The vectors, corpus and differential tests are Rust integration tests: `cargo test --workspace`
# (test-core) runs them. Parity needs the example origin (scripts/origin.sh) and python3.
TEST_TARGETS += test-parity

.PHONY: test-parity corpus

test-parity: ## Parity: every corpus request against the spec's FastAPI origin (scripts/origin.sh)
	python3 tests/parity/run.py --keep-going

corpus: ## Print the materialized request corpus with the core's decisions (NOW=<secs> pins the clock)
	@cargo run -q --example corpus -- $(if $(NOW),--now $(NOW)) --decide
