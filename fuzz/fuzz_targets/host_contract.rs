//! The host contract (src/host.rs, src/origin.rs) on arbitrary requests: never a panic; the
//! two forms of a repeated header (separate lines, joined value) always get the same
//! verdict, and two or more lines never pass; behind an ASGI mount an allowed request's
//! routed target is a tail of its raw target; the origin plan never lets a client-sent
//! identity, an auth cookie, or a CR/LF through, and in process it touches identity only.
#![no_main]

use jwtgate::{
    is_auth_cookie, Field, Gate, GateConfig, Hop, HostFacts, HostRequest, Mount, OriginInput,
    OriginToken, Verdict,
};
use libfuzzer_sys::fuzz_target;

const SECRET: &str = "k3Jx9vQ2mW7pL4tZ8rB6nC1yH5sD0fGa";
const NOW: u64 = 1_700_000_000;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // Fields separated by U+0001: target, root_path, path, cookie, connection, address, host,
    // then Authorization lines (`T` stands for a valid token of u1).
    let mut parts = text.split('\u{1}');
    let target = parts.next().unwrap_or("");
    let root_path = parts.next().unwrap_or("");
    let path = parts.next().unwrap_or("");
    let cookie = parts.next();
    let connection = parts.next();
    let address = parts.next();
    let host = parts.next();
    let gate = Gate::new(GateConfig::new(SECRET).origin_token(OriginToken::Hs256)).unwrap();
    let token = gate.mint(r#"{"sub":"u1","email":"a@x","iat":1700000000,"exp":1700000900}"#);
    let lines: Vec<String> = parts
        .map(|l| l.replace('T', &format!("Bearer {token}")))
        .collect();
    let line_refs: Vec<&str> = lines.iter().map(String::as_str).collect();
    let joined = lines.join(", ");

    for mount in [Mount::Whole, Mount::Asgi { root_path, path }] {
        let as_lines = HostRequest::new("GET", target, Field::Lines(&line_refs)).mounted(mount);
        let value = if lines.is_empty() {
            Field::Absent
        } else {
            Field::Value(&joined)
        };
        let as_value = HostRequest::new("GET", target, value).mounted(mount);
        let a = gate.decide(&as_lines, NOW);
        let b = gate.decide(&as_value, NOW);
        let user = |v: &Verdict<jwtgate::VerifiedToken>| match v {
            Verdict::Allow(t) => Some(t.user_id().to_owned()),
            _ => None,
        };
        assert_eq!(a.refusal(), b.refusal());
        assert_eq!(user(&a), user(&b));
        if lines.len() > 1 {
            assert!(!matches!(a, Verdict::Allow(_)));
        }
        if let Verdict::Allow(verified) = &a {
            assert_eq!(verified.user_id(), "u1");
            let routed = as_lines.routed_target().unwrap();
            assert!(
                routed == target || target.ends_with(routed.as_ref()) || routed.starts_with('/')
            );
            for hop in [Hop::Proxy, Hop::InProcess] {
                let input = OriginInput {
                    hop,
                    connection,
                    cookie,
                    forwarded_for: None,
                    facts: HostFacts {
                        client_address: address,
                        scheme: Some("https"),
                        host,
                    },
                };
                let plan = gate.origin_plan(&input, Some(verified));
                assert!(plan.remove.iter().any(|n| n == "x-user-id"));
                for name in &plan.remove {
                    assert_eq!(name.as_ref(), name.to_ascii_lowercase());
                }
                for (name, value) in &plan.set {
                    assert!(!value.contains(['\r', '\n', '\0']), "{name}");
                    if *name == "cookie" {
                        for pair in value.split("; ") {
                            let cookie_name = pair.split('=').next().unwrap_or("");
                            assert!(!is_auth_cookie(cookie_name.trim(), "better-auth", &[]));
                        }
                    }
                }
                if hop == Hop::InProcess {
                    assert_eq!(plan.remove.len(), 2);
                    assert!(plan
                        .set
                        .iter()
                        .all(|(n, _)| n.starts_with("x-user-") || *n == "authorization"));
                }
            }
        }
    }
});
