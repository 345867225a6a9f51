//! The Wasm build of the core in Node: `wasm-pack test --node` (`make test-wasm`).
//! No `wasm_bindgen_test_configure!`: without it the suite runs in Node (wasm-pack's browser
//! runs skip it; `web.rs` is their copy). The cases are in `common/mod.rs`.
#![cfg(target_family = "wasm")]

mod common;
