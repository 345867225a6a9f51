//! Arbitrary request paths through `route` and `Gate::authorize`: never a panic; a path
//! routed to a user names it exactly (the default self route `me/profile` is nobody's); no allowed path contains a dot segment or "//"
//! under the prefix, or an encoded separator anywhere.
#![no_main]

use jwtgate::{route, route_with_self_routes, Gate, GateConfig, Route};
use libfuzzer_sys::fuzz_target;

const SECRET: &str = "k3Jx9vQ2mW7pL4tZ8rB6nC1yH5sD0fGa";

fuzz_target!(|data: &[u8]| {
    let Ok(path) = std::str::from_utf8(data) else {
        return;
    };
    for prefix in ["/api/v1/", "/v2/"] {
        if let Ok(r) = route(prefix, path) {
            let clean = path.split(['?', '#']).next().unwrap_or("");
            let lower = clean.to_ascii_lowercase();
            assert!(!lower.contains("%2f") && !lower.contains("%5c") && !clean.contains('\\'));
            assert!(!clean
                .split('/')
                .skip(1)
                .any(|s| s == "." || s == ".." || s.eq_ignore_ascii_case("%2e%2e")));
            if let Route::User(user) = r {
                assert!(!user.is_empty() && !user.contains('/'));
            }
        }
    }
    let gate = Gate::new(GateConfig::new(SECRET)).unwrap();
    let token = gate.mint(r#"{"sub":"u1","email":"a@x","iat":1700000000,"exp":1700000900}"#);
    let header = format!("Bearer {token}");
    if let Ok(v) = gate.authorize("GET", path, Some(&header), 1_700_000_000) {
        assert_eq!(v.user_id(), "u1");
        // The gate's default self route (issue 11) is allowed for any valid token.
        if let Ok(Route::User(user)) = route_with_self_routes("/api/v1/", ["me/profile"], path) {
            assert_eq!(user, "u1");
        }
    }
});
