//! Helpers shared by the integration tests that read vector files (tests/vectors/).
#![allow(dead_code)] // each test crate uses its own subset

use serde_json::Value;

/// A JSON file of tests/vectors/.
pub fn load(name: &str) -> Value {
    let path = format!("{}/tests/vectors/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&path).expect(&path)).expect(&path)
}

/// Bytes from lowercase or uppercase hex (test data only: panics on bad input).
pub fn hex(s: &str) -> Vec<u8> {
    assert!(s.len().is_multiple_of(2), "odd hex");
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex"))
        .collect()
}
