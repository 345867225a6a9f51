//! The Wasm build of the core in headless browsers:
//! `wasm-pack test --headless --chrome` / `--firefox` (`make test-wasm`).
//! The cases are in `common/mod.rs`, shared with `node.rs`.
#![cfg(target_family = "wasm")]

wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

mod common;
