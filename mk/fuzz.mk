# Fuzzing (issue 5 §5): cargo-fuzz targets in fuzz/ (outside the workspace), on the rustup
# nightly. Not part of `make test`. Seeds are committed in fuzz/seeds/<target>/; the growing
# working corpus and any crash artifacts stay under fuzz/target/ and fuzz/artifacts/.
FUZZ_SECONDS ?= 120
FUZZ_TARGETS ?= verify_token authorization path_rule config wasm_bindings jwks eddsa_token

.PHONY: fuzz

fuzz: ## Fuzz each target for FUZZ_SECONDS (default 120) on nightly; a crash fails the run
	@rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal
	@JWTGATE_FUZZ_INSTALL=1 bash scripts/bootstrap.d/50-cargo-fuzz.sh
	@for t in $(FUZZ_TARGETS); do \
	  mkdir -p fuzz/target/corpus/$$t; \
	  echo "== fuzz $$t for $(FUZZ_SECONDS)s"; \
	  cargo +nightly fuzz run --fuzz-dir fuzz $$t fuzz/target/corpus/$$t fuzz/seeds/$$t -- \
	    -max_total_time=$(FUZZ_SECONDS) -max_len=10000 -timeout=10 -print_final_stats=1 || exit 1; \
	done
	@echo "== fuzz: $(FUZZ_TARGETS) ran $(FUZZ_SECONDS)s each, no crash"
