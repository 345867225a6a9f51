//! `CachedGate` answers exactly as `Gate` does: random sequences of calls over a small
//! pool of tokens (valid, expiring, not yet valid, tampered, other secret, wrong
//! audience…) at random times, with few slots so entries collide and are replaced.
//! Every `verify` and `authorize` result must be identical, refusals included.
//!
//! Bounded and deterministic: 300 sequences of up to 60 calls from a fixed seed.

use jwtgate::{CachedGate, Gate, GateConfig};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed};

const SECRET: &str = "k3Jx9vQ2mW7pL4tZ8rB6nC1yH5sD0fGa";
const OTHER: &str = "Zq8Lw2Rt6Yp0Nv4Xs9Kd3Hf7Jb1Mc5Ge";
const T0: u64 = 1_700_000_000;

fn pool() -> Vec<String> {
    let mint = |secret: &str, sub: &str, iat: u64, exp: u64, extra: &str| {
        Gate::new(GateConfig::new(secret)).unwrap().mint(&format!(
            r#"{{"sub":"{sub}","email":"{sub}@example.com","iat":{iat},"exp":{exp}{extra}}}"#
        ))
    };
    let mut tokens = vec![
        mint(
            SECRET,
            "u1",
            T0,
            T0 + 900,
            r#","aud":"app","iss":"https://a.example""#,
        ),
        mint(
            SECRET,
            "u2",
            T0 + 100,
            T0 + 1000,
            r#","aud":"app","iss":"https://a.example""#,
        ),
        mint(
            SECRET,
            "u3",
            T0,
            T0 + 1800,
            r#","aud":["x","app"],"iss":"https://a.example""#,
        ),
        mint(
            SECRET,
            "u4",
            T0,
            T0 + 900,
            r#","aud":"other","iss":"https://a.example""#,
        ),
        mint(
            SECRET,
            "u5",
            T0,
            T0 + 900,
            r#","nbf":1700000300,"aud":"app","iss":"https://a.example""#,
        ),
        mint(
            SECRET,
            "u6",
            T0,
            T0 + 600,
            r#","aud":"app","iss":"https://a.example""#,
        ),
        mint(
            SECRET,
            "u 7",
            T0,
            T0 + 900,
            r#","aud":"app","iss":"https://a.example""#,
        ),
        mint(
            OTHER,
            "u1",
            T0,
            T0 + 900,
            r#","aud":"app","iss":"https://a.example""#,
        ),
        mint(SECRET, "u8", T0, T0 + 900, r#","aud":"app""#),
    ];
    // A forgery of the first token (last signature character changed).
    let mut forged = tokens[0].clone();
    let last = forged.pop().unwrap();
    forged.push(if last == 'A' { 'Q' } else { 'A' });
    tokens.push(forged);
    tokens
}

fn config() -> GateConfig {
    GateConfig::new(SECRET)
        .issuer("https://a.example")
        .audience("app")
        .leeway_seconds(5)
}

#[derive(Debug, Clone)]
enum Call {
    Verify { token: usize, at: u64 },
    Authorize { token: usize, user: usize, at: u64 },
}

fn call() -> impl Strategy<Value = Call> {
    // Times around every boundary of the pool: before iat, nbf, exp of each lifetime.
    let at = prop_oneof![0u64..2000, Just(900), Just(905), Just(1000), Just(1800)]
        .prop_map(|d| T0 - 10 + d);
    prop_oneof![
        (0usize..10, at.clone()).prop_map(|(token, at)| Call::Verify { token, at }),
        (0usize..10, 0usize..4, at).prop_map(|(token, user, at)| Call::Authorize {
            token,
            user,
            at
        }),
    ]
}

proptest! {
    #![proptest_config(Config {
        cases: 300,
        failure_persistence: None,
        rng_seed: RngSeed::Fixed(0x6a77_7467),
        ..Config::default()
    })]

    #[test]
    fn cached_answers_like_uncached(calls in prop::collection::vec(call(), 1..60), slots in 0usize..5) {
        let tokens = pool();
        let plain = Gate::new(config()).unwrap();
        let mut cached = CachedGate::new(Gate::new(config()).unwrap(), slots);
        for c in &calls {
            match *c {
                Call::Verify { token, at } => {
                    let want = plain.verify(&tokens[token], at);
                    let got = cached.verify(&tokens[token], at).cloned();
                    prop_assert_eq!(got, want, "{:?}", c);
                }
                Call::Authorize { token, user, at } => {
                    let header = format!("Bearer {}", tokens[token]);
                    let path = format!("/api/v1/u{user}/tasks");
                    let want = plain.authorize("GET", &path, Some(&header), at);
                    let got = cached.authorize("GET", &path, Some(&header), at).cloned();
                    prop_assert_eq!(got, want, "{:?}", c);
                }
            }
        }
        prop_assert!(cached.len() <= cached.capacity());
    }
}
