# README snippets are tests (tests/readme/; docs/decisions/readme-tests.md): every fenced block
# of README.md, pkg-template/README.md, examples/*/README.md and bindings/*/README.md is
# compiled / type-checked / run against the built package, or carries a marker saying why not.
# Needs pkg/ (the tarball is installed in a scratch project) and the Next.js example's
# node_modules (next, react, typescript: the versions the example app is tested with).
.PHONY: test-readme

# Every tests/readme/*.test.mjs, found by glob (a new test file needs no line here).
README_TESTS = $(or $(sort $(wildcard tests/readme/*.test.mjs)),$(error no tests/readme/*.test.mjs))

test-readme: pkg nextjs-install python-venv ## README snippets: Rust doctests, TS (strict on/off, next build), JS in Node/workerd, Python
	@node --test --test-concurrency=1 $(README_TESTS)
	@node tests/readme/run.mjs

TEST_TARGETS += test-readme
