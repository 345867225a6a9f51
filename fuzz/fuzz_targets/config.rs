//! Arbitrary configurations: never a panic; an accepted config's secrets are >= 32
//! characters and its window is ordered; the gate it builds answers without panicking.
#![no_main]

use jwtgate::{Gate, GateConfig, MIN_SECRET_LEN};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // Fields separated by 0xFF bytes: secret, previous, issuer, audience, prefix, numbers.
    let mut parts = data.split(|b| *b == 0xff);
    let secret = parts.next().unwrap_or_default().to_vec();
    let previous = parts.next().unwrap_or_default().to_vec();
    let text = |p: Option<&[u8]>| p.map(|b| String::from_utf8_lossy(b).into_owned());
    let issuer = text(parts.next());
    let audience = text(parts.next());
    let prefix = text(parts.next());
    let nums: Vec<u64> = parts
        .next()
        .unwrap_or_default()
        .chunks(2)
        .map(|c| c.iter().fold(0u64, |a, b| a * 256 + u64::from(*b)))
        .collect();
    let mut c = GateConfig::new(secret.clone());
    if !previous.is_empty() {
        c = c.previous_secret(previous.clone());
    }
    if let Some(i) = issuer.filter(|s| !s.is_empty() || data.len().is_multiple_of(2)) {
        c = c.issuer(i);
    }
    if let Some(a) = audience.filter(|s| !s.is_empty() || data.len().is_multiple_of(3)) {
        c = c.audience(a);
    }
    if let Some(p) = prefix {
        c = c.api_prefix(p);
    }
    let n = |i: usize| nums.get(i).copied().unwrap_or(0);
    c = c
        .leeway_seconds(n(0))
        .lifetime_seconds(n(1) * 10, n(2) * 10);
    if let Ok(gate) = Gate::new(c) {
        let cfg = gate.config();
        assert!(cfg.secret.len() >= MIN_SECRET_LEN);
        assert!(cfg.min_lifetime_seconds <= cfg.max_lifetime_seconds);
        assert!(cfg.api_prefix.starts_with('/') && cfg.api_prefix.ends_with('/'));
        let token = gate.mint(r#"{"sub":"u1","email":"a@x","iat":1700000000,"exp":1700000900}"#);
        let _ = gate.authorize(
            "GET",
            &format!("{}u1/x", cfg.api_prefix),
            Some(&format!("Bearer {token}")),
            1_700_000_000,
        );
        let _ = gate.protects("/x");
    }
});
