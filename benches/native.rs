//! Native benchmark of the core on the same tokens as the Node benchmark
//! (`target/bench/tokens.json`, written by `benches/node/tokens.mjs`), next to the
//! `jsonwebtoken` crate and a bare HMAC floor. Same method as the Node run: every
//! contender timed in alternating rounds (order rotating), median µs/op.
//!
//!   cargo bench --bench native -- target/bench/tokens.json target/bench/native.json
//!
//! A small harness instead of criterion: the numbers must be comparable with the Node
//! harness (same rounds, same batch sizing, same median), and it builds in seconds.
use std::hint::black_box;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use std::cell::RefCell;

use jwtgate::{
    CacheStrategy, CachedGate, Field, Gate, GateConfig, HostRequest, Hs256Key, SessionConfig,
    UntrustedToken, Verdict, DEFAULT_CACHE_ENTRIES,
};
use serde::Deserialize;

#[derive(Deserialize)]
struct Fixture {
    secret: String,
    tokens: std::collections::BTreeMap<String, Shape>,
    refusals: std::collections::BTreeMap<String, Refusal>,
}

/// A token every verifier refuses (wrong signature, or a header over the cap), and why.
#[derive(Deserialize)]
struct Refusal {
    token: String,
    code: String,
    label: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Shape {
    token: String,
    sub: String,
    path: String,
    issuer: Option<String>,
    audience: Option<String>,
    payload_bytes: usize,
}

/// The claims the `jsonwebtoken` crate is asked to deserialize (borrowing where it can).
#[derive(Deserialize)]
#[allow(dead_code)]
struct JwtClaims {
    sub: String,
    email: String,
    exp: i64,
    iat: i64,
    #[serde(flatten)]
    rest: serde_json::Map<String, serde_json::Value>,
}

type Run<'a> = Box<dyn Fn() -> bool + 'a>;

fn median(xs: &mut [f64]) -> f64 {
    xs.sort_by(f64::total_cmp);
    let m = xs.len() / 2;
    if xs.len() % 2 == 1 {
        xs[m]
    } else {
        (xs[m - 1] + xs[m]) / 2.0
    }
}

fn time(run: &Run<'_>, n: u64) -> f64 {
    let t0 = Instant::now();
    for _ in 0..n {
        black_box(run());
    }
    t0.elapsed().as_secs_f64() * 1e6 / n as f64
}

fn main() {
    // `cargo bench` passes `--bench`; take the first two other arguments as paths.
    let paths: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let tokens_path = paths
        .first()
        .cloned()
        .unwrap_or_else(|| "target/bench/tokens.json".into());
    let out_path = paths.get(1).cloned();
    let rounds: usize = env_num("BENCH_ROUNDS", 15);
    let batch_ms: f64 = env_num("BENCH_BATCH_MS", 30) as f64;

    let fixture: Fixture = serde_json::from_str(
        &std::fs::read_to_string(&tokens_path)
            .expect("tokens fixture (run benches/node/tokens.mjs)"),
    )
    .expect("tokens fixture JSON");
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock")
        .as_secs();

    let mut out = serde_json::Map::new();
    for (shape_name, shape) in &fixture.tokens {
        let mut config = GateConfig::new(fixture.secret.as_str());
        if let (Some(iss), Some(aud)) = (&shape.issuer, &shape.audience) {
            config = config.issuer(iss.as_str()).audience(aud.as_str());
        }
        let gate = Gate::new(config).expect("bench config");
        let cached = RefCell::new(CachedGate::new(gate.clone(), DEFAULT_CACHE_ENTRIES));
        let header = format!("Bearer {}", shape.token);
        let key = Hs256Key::new(fixture.secret.as_bytes());
        let (signing_input, sig_b64) = shape.token.rsplit_once('.').expect("three segments");
        let sig = base64_decode(sig_b64);

        let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::HS256);
        validation.leeway = 0;
        validation.set_required_spec_claims(&["exp", "sub", "iat"]);
        match (&shape.issuer, &shape.audience) {
            (Some(iss), Some(aud)) => {
                validation.set_issuer(&[iss]);
                validation.set_audience(&[aud]);
            }
            _ => validation.validate_aud = false,
        }
        let dkey = jsonwebtoken::DecodingKey::from_secret(fixture.secret.as_bytes());

        let token = shape.token.as_str();
        let contenders: Vec<(&str, Run<'_>)> = vec![
            (
                "jwtgate verify, no cache",
                Box::new(|| {
                    gate.verify(black_box(token), now)
                        .is_ok_and(|v| v.user_id() == shape.sub)
                }),
            ),
            (
                "jwtgate verify, cached",
                Box::new(|| {
                    cached
                        .borrow_mut()
                        .verify(black_box(token), now)
                        .is_ok_and(|v| v.user_id() == shape.sub)
                }),
            ),
            (
                "jwtgate authorize, no cache",
                Box::new(|| {
                    gate.authorize("GET", &shape.path, Some(black_box(header.as_str())), now)
                        .is_ok()
                }),
            ),
            (
                "jwtgate authorize, cached",
                Box::new(|| {
                    cached
                        .borrow_mut()
                        .authorize("GET", &shape.path, Some(black_box(header.as_str())), now)
                        .is_ok()
                }),
            ),
            (
                "jwtgate parse only",
                Box::new(|| UntrustedToken::parse(black_box(token)).is_ok()),
            ),
            (
                "HMAC-SHA256 floor",
                Box::new(|| key.verify_tag(black_box(signing_input.as_bytes()), &sig)),
            ),
            (
                "jsonwebtoken crate",
                Box::new(|| {
                    jsonwebtoken::decode::<JwtClaims>(black_box(token), &dkey, &validation)
                        .is_ok_and(|d| !d.claims.email.is_empty() && d.claims.sub == shape.sub)
                }),
            ),
        ];

        // Sanity: everyone accepts the token; the two verifiers refuse a tampered one.
        for (name, run) in &contenders {
            assert!(run(), "{name} refused the {shape_name} token");
        }
        let bad = tamper(token);
        assert!(
            gate.verify(&bad, now).is_err() && cached.borrow_mut().verify(&bad, now).is_err(),
            "jwtgate accepted a tampered token"
        );
        assert!(
            jsonwebtoken::decode::<JwtClaims>(&bad, &dkey, &validation).is_err(),
            "jsonwebtoken accepted a tampered token"
        );

        let (rows, line) = measure(&contenders, rounds, batch_ms, shape_name);
        eprintln!("{}", line.trim_end_matches(','));
        out.insert(
            shape_name.clone(),
            serde_json::json!({
                "tokenBytes": token.len(), "payloadBytes": shape.payload_bytes, "contenders": rows,
            }),
        );
    }

    // Refusals (issue 11 §6): the cost of saying no to an unauthenticated client, ordinary
    // and worst case, in alternating rounds like the rest (ratios in one run).
    let gate = Gate::new(GateConfig::new(fixture.secret.as_str())).expect("bench config");
    let contenders: Vec<(&str, Run<'_>)> = fixture
        .refusals
        .iter()
        .map(|(name, r)| {
            let refused = gate.verify(&r.token, now).err().map(|e| e.code());
            assert_eq!(
                refused,
                Some(r.code.as_str()),
                "refusal {name}: {}",
                r.label
            );
            let token = r.token.as_str();
            let code = r.code.as_str();
            let gate = &gate;
            let run: Run<'_> = Box::new(move || {
                gate.verify(black_box(token), now)
                    .is_err_and(|e| e.code() == code)
            });
            (name.as_str(), run)
        })
        .collect();
    let (rows, line) = measure(&contenders, rounds, batch_ms, "refusals");
    eprintln!("{}", line.trim_end_matches(','));
    let refusals: serde_json::Map<String, serde_json::Value> = rows
        .into_iter()
        .map(|row| {
            let name = row["name"].as_str().unwrap_or_default().to_string();
            let r = &fixture.refusals[&name];
            let mut row = row;
            row["label"] = r.label.clone().into();
            row["code"] = r.code.clone().into();
            row["tokenBytes"] = r.token.len().into();
            (name, row)
        })
        .collect();

    let sessions = sessions(rounds, batch_ms);
    let result = serde_json::json!({
        "rounds": rounds, "batchMs": batch_ms, "shapes": out, "refusals": refusals, "sessions": sessions,
    });
    let text = serde_json::to_string_pretty(&result).expect("json") + "\n";
    match out_path {
        Some(p) => std::fs::write(p, text).expect("write result"),
        None => print!("{text}"),
    }
}

/// Cookies the real better-auth package minted (tests/vectors/better_auth_sessions.json).
#[derive(Deserialize)]
struct SessionVectors {
    secret: String,
    #[serde(rename = "baseUrl")]
    base_url: String,
    vectors: Vec<SessionVector>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SessionVector {
    strategy: String,
    now: u64,
    user_id: String,
    email: String,
    name: String,
    cookie: String,
}

/// Issue 22's native rows: a request decided from a default user's Better Auth cookies
/// (per strategy) beside the same user's bearer token in the JWT plugin's shape, each
/// uncached and repeated.
fn sessions(rounds: usize, batch_ms: f64) -> serde_json::Value {
    let doc: SessionVectors =
        serde_json::from_str(include_str!("../tests/vectors/better_auth_sessions.json"))
            .expect("session vectors");
    let mut out = serde_json::Map::new();
    for v in &doc.vectors {
        let strategy = CacheStrategy::parse(&v.strategy)
            .expect("strategy")
            .expect("a cache strategy");
        let session = SessionConfig::new(strategy).base_url(doc.base_url.as_str());
        let base = doc.base_url.as_str();
        // Issuer and audience for the token in the JWT plugin's shape (session mode ignores them).
        let config = GateConfig::new(doc.secret.as_str())
            .issuer(base)
            .audience(base)
            .session(Some(session));
        let gate = Gate::new(config).expect("session config");
        let cached = RefCell::new(CachedGate::new(gate.clone(), DEFAULT_CACHE_ENTRIES));
        let now = v.now;
        // The same user's token in the JWT plugin's payload shape (issue 22's comparison):
        // the session's user object, then iat/iss/aud/exp/sub.
        let token = gate.mint(&format!(
            r#"{{"name":"{}","email":"{}","emailVerified":false,"image":null,"createdAt":"2026-12-02T00:30:57.333Z","updatedAt":"2026-12-02T00:30:57.333Z","id":"{}","iat":{now},"iss":"{base}","aud":"{base}","exp":{},"sub":"{}"}}"#,
            v.name,
            v.email,
            v.user_id,
            now + 900,
            v.user_id
        ));
        let bearer = format!("Bearer {token}");
        let path = format!("/api/v1/{}/tasks", v.user_id);
        let cookie_request = HostRequest::new("GET", &path, Field::Absent).with_cookies(
            Field::Value(&v.cookie),
            Field::Absent,
            Field::Absent,
        );
        let token_request = HostRequest::new("GET", &path, Field::Value(&bearer));
        let user = v.user_id.as_str();
        let contenders: Vec<(&str, Run<'_>)> = vec![
            (
                "session cookie, no cache",
                Box::new(
                    || matches!(gate.decide(black_box(&cookie_request), now), Verdict::Session(s) if s.user_id() == user),
                ),
            ),
            (
                "session cookie, cached",
                Box::new(
                    || matches!(cached.borrow_mut().decide(black_box(&cookie_request), now), Verdict::Session(s) if s.user_id() == user),
                ),
            ),
            (
                "bearer token, no cache",
                Box::new(
                    || matches!(gate.decide(black_box(&token_request), now), Verdict::Allow(t) if t.user_id() == user),
                ),
            ),
            (
                "bearer token, cached",
                Box::new(
                    || matches!(cached.borrow_mut().decide(black_box(&token_request), now), Verdict::Allow(t) if t.user_id() == user),
                ),
            ),
        ];
        for (name, run) in &contenders {
            assert!(run(), "{name} refused the {} vector", v.strategy);
        }
        let only = std::env::var("BENCH_SESSION_ONLY").ok();
        let contenders: Vec<_> = contenders
            .into_iter()
            .filter(|(name, _)| only.as_deref().is_none_or(|o| *name == o))
            .collect();
        let (rows, line) = measure(&contenders, rounds, batch_ms, &v.strategy);
        eprintln!("session {}", line.trim_end_matches(','));
        out.insert(
            v.strategy.clone(),
            serde_json::json!({ "cookieBytes": v.cookie.len(), "tokenBytes": token.len(), "contenders": rows }),
        );
    }
    serde_json::Value::Object(out)
}

/// Batch sizing (also the warm-up), then `rounds` alternating rounds (the order rotating);
/// one JSON row per contender with its median µs/op, and a log line.
fn measure(
    contenders: &[(&str, Run<'_>)],
    rounds: usize,
    batch_ms: f64,
    label: &str,
) -> (Vec<serde_json::Value>, String) {
    let mut sized: Vec<(&str, &Run<'_>, u64, Vec<f64>)> = Vec::new();
    for (name, run) in contenders {
        let mut n = 64u64;
        let n = loop {
            let us = time(run, n);
            if us * n as f64 >= batch_ms * 1000.0 * 0.5 || n > 10_000_000 {
                break ((batch_ms * 1000.0 / us).round() as u64).max(16);
            }
            n *= 4;
        };
        sized.push((name, run, n, Vec::new()));
    }
    for r in 0..rounds {
        for k in 0..sized.len() {
            let i = (k + r) % sized.len();
            let us = time(sized[i].1, sized[i].2);
            sized[i].3.push(us);
        }
    }
    let mut rows = Vec::new();
    let mut line = format!("{label}:");
    for (name, _, n, mut samples) in sized {
        let us = median(&mut samples);
        line.push_str(&format!(" {name} {us:.3}µs,"));
        rows.push(serde_json::json!({
            "name": name, "usPerOp": us, "opsPerBatch": n,
            "min": samples.first(), "max": samples.last(),
        }));
    }
    (rows, line)
}

fn env_num(name: &str, default: u64) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default) as usize
}

fn tamper(token: &str) -> String {
    let i = token.len() - 5;
    let mut t = token.to_owned();
    let c = if &t[i..=i] == "A" { "B" } else { "A" };
    t.replace_range(i..=i, c);
    t
}

fn base64_decode(s: &str) -> Vec<u8> {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut bits = 0u32;
    let mut n = 0;
    let mut out = Vec::new();
    for c in s.bytes() {
        let v = A.iter().position(|&a| a == c).expect("base64url") as u32;
        bits = (bits << 6) | v;
        n += 6;
        if n >= 8 {
            n -= 8;
            out.push((bits >> n) as u8);
        }
    }
    out
}
