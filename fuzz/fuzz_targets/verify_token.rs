//! Arbitrary bytes as a token: never a panic; and whatever verifies really is a
//! three-segment HS256 token under the size cap whose signature checks with the key.
#![no_main]

use jwtgate::{Gate, GateConfig, Hs256Key, UntrustedToken, MAX_TOKEN_BYTES};
use libfuzzer_sys::fuzz_target;

const SECRET: &str = "k3Jx9vQ2mW7pL4tZ8rB6nC1yH5sD0fGa";

fuzz_target!(|data: &[u8]| {
    let Ok(token) = std::str::from_utf8(data) else {
        return;
    };
    // The clock too comes from the input, so time rules are explored, not just parsing.
    let now = 1_700_000_000u64.wrapping_add(u64::from(data.first().copied().unwrap_or(0)) * 7);
    let gate = Gate::new(GateConfig::new(SECRET)).unwrap();
    if let Ok(verified) = gate.verify(token, now) {
        assert!(token.len() <= MAX_TOKEN_BYTES);
        assert_eq!(token.split('.').count(), 3);
        let parsed = UntrustedToken::parse(token).unwrap();
        assert!(Hs256Key::new(SECRET.as_bytes()).verify(&parsed));
        assert!(!verified.user_id().is_empty());
        assert!(verified.claims().exp > now as i64);
    }
    // Also sign the input as a payload: exercises the claim parser behind a valid MAC.
    let minted = gate.mint(token);
    let _ = gate.verify(&minted, now);
});
