//! Arbitrary Authorization header values (and methods) through `bearer_token` and
//! `Gate::authorize`: never a panic; an allowed request always had "Bearer " + a token,
//! after the optional whitespace (SP/HTAB) RFC 9110 allows around a field value.
#![no_main]

use jwtgate::{bearer_token, Gate, GateConfig};
use libfuzzer_sys::fuzz_target;

const SECRET: &str = "k3Jx9vQ2mW7pL4tZ8rB6nC1yH5sD0fGa";

fn trim_ows(value: &str) -> &str {
    value.trim_matches(|c| c == ' ' || c == '\t')
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // Split: first line is the method, the rest the header value.
    let (method, header) = text.split_once('\n').unwrap_or(("GET", text));
    let gate = Gate::new(GateConfig::new(SECRET)).unwrap();
    if let Ok(token) = bearer_token(Some(header)) {
        let value = trim_ows(header);
        assert!(value.starts_with("Bearer ") && !token.is_empty());
        assert_eq!(&value[7..], token);
    }
    let now = 1_700_000_000;
    if gate
        .authorize(method, "/api/v1/me/x", Some(header), now)
        .is_ok()
    {
        assert!(trim_ows(header).starts_with("Bearer "));
    }
    // A well-formed token behind the fuzzed prefix/suffix.
    let token = gate.mint(r#"{"sub":"u1","email":"a@x","iat":1700000000,"exp":1700000900}"#);
    let wrapped = format!("{header}{token}");
    if let Ok(v) = gate.authorize("GET", "/api/v1/u1/t", Some(&wrapped), now) {
        assert_eq!(v.user_id(), "u1");
        assert!(trim_ows(&wrapped).starts_with("Bearer "));
    }
});
