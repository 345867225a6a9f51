# Fuzzing (issue 5 §5): cargo-fuzz targets in fuzz/ (outside the workspace), on the rustup
# nightly. Not part of `make test`. Seeds are committed in fuzz/seeds/<target>/; the growing
# working corpus and any crash artifacts stay under fuzz/target/ and fuzz/artifacts/.
# `make lint-fuzz` (part of make lint and make test) checks the crate on the stable toolchain.
FUZZ_SECONDS ?= 120
# Every fuzz/fuzz_targets/*.rs (each is a [[bin]] of fuzz/Cargo.toml named after its file).
FUZZ_TARGETS ?= $(basename $(notdir $(sort $(wildcard fuzz/fuzz_targets/*.rs))))

.PHONY: fuzz lint-fuzz

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

# The fuzz crate is its own workspace (fuzz/Cargo.lock). Its targets build on stable: only
# `cargo fuzz run` needs nightly (sanitizer flags), and the bootstrap installs no nightly, so
# clippy runs on the stable toolchain over every target (a check build: nothing is linked, no
# sanitizer); libfuzzer-sys's build script still compiles libFuzzer with the C++ compiler once.
lint-fuzz: ## rustfmt check + clippy -D warnings of the fuzz crate (stable toolchain, all fuzz targets)
	cargo fmt --manifest-path fuzz/Cargo.toml -- --check
	CARGO_TARGET_DIR="$(CURDIR)/fuzz/target/host" cargo clippy --locked --manifest-path fuzz/Cargo.toml --all-targets -- -D warnings
