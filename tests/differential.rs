//! Differential testing (issue 5 §3): random secrets, claims and mutations of valid tokens,
//! decided by jwtgate (`Gate::verify`) and by the `jsonwebtoken` crate (rust_crypto backend)
//! configured as closely as it can be: HS256 only, `exp` and `sub` required, `exp` and `nbf`
//! validated, leeway 0, no audience (so a token carrying a string `aud` is refused, as
//! jwtgate does), no issuer.
//!
//! The property, checked on every generated case:
//!   * never the reverse: whatever jwtgate accepts, jsonwebtoken accepts;
//!   * signature decisions agree: jwtgate says `invalid_signature` exactly when jsonwebtoken
//!     says `InvalidSignature`;
//!   * expiry decisions agree: jwtgate says `token_expired` exactly when jsonwebtoken says
//!     `ExpiredSignature`, except on the documented `exp == now` boundary (class E below),
//!     and except where jwtgate refused earlier for a reason jsonwebtoken does not check;
//!   * every other disagreement (jsonwebtoken accepts, jwtgate refuses) belongs to one of
//!     the classes below, and the generated case really has that class's feature — the
//!     explanation is asserted, not assumed.
//!
//! Disagreement classes (jsonwebtoken accepts, jwtgate refuses — deliberately stricter):
//!   A. `missing_claims`: `email` missing/non-string/empty, or `sub` empty — jsonwebtoken
//!      does not know `email`, and its required `sub` may be an empty string.
//!   B. `invalid_time_claims`: `iat` missing or not an integer, or `exp`/`nbf` a float —
//!      jsonwebtoken never requires `iat` and rounds float NumericDates.
//!   C. `invalid_lifetime`: `exp - iat` outside 900..=1800 — jsonwebtoken has no window.
//!   D. `issued_in_future`: `iat` after now — jsonwebtoken ignores `iat`.
//!   E. `token_expired` at `exp == now`: jsonwebtoken expires only when `exp < now`;
//!      jwtgate treats `exp` as the first instant the token is invalid (RFC 7519 §4.1.4
//!      "on or after"), which is also what the spec's origin does with fractional time.
//!   F. `invalid_payload`: duplicate member names other than the ones jsonwebtoken
//!      validates itself (its serde-derived claim struct refuses a repeated `sub`/`exp`/
//!      `nbf`/`iss`/`aud`; serde_json keeps the last of any other), or a non-string `jti`
//!      (python-jose, the origin, refuses it).
//!   G. `unsupported_critical_header`: `crit` present or `b64` not `true` — jsonwebtoken
//!      ignores both.
//!   H. `invalid_audience`: an `aud` that is not a string or array of strings —
//!      jsonwebtoken cannot parse it and then skips the audience check.
//!   I. `token_too_large`: over jwtgate's 8 KiB cap; jsonwebtoken has none.
//!
//! Bounded and deterministic: 2,000 cases from a fixed seed, no failure persistence files.

use std::time::{SystemTime, UNIX_EPOCH};

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use jwtgate::{base64url, Error, Gate, GateConfig, Hs256Key, MAX_TOKEN_BYTES};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed};

const CASES: u32 = 2_000;

/// How a claim is written.
#[derive(Debug, Clone)]
enum Val {
    Missing,
    Str(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    Null,
    Array,
}

impl Val {
    fn json(&self) -> Option<String> {
        Some(match self {
            Val::Missing => return None,
            Val::Str(s) => serde_json::to_string(s).unwrap(),
            Val::Int(i) => i.to_string(),
            Val::Float(f) => format!("{f:.1}"),
            Val::Bool(b) => b.to_string(),
            Val::Null => "null".into(),
            Val::Array => "[1]".into(),
        })
    }
}

/// A time claim relative to now: integer (the normal case) or some type confusion.
#[derive(Debug, Clone)]
enum Time {
    Missing,
    Int(i64),
    Float(i64),
    Str(i64),
    Null,
}

impl Time {
    fn at(&self, now: i64) -> Val {
        match self {
            Time::Missing => Val::Missing,
            Time::Int(d) => Val::Int(now + d),
            Time::Float(d) => Val::Float((now + d) as f64),
            Time::Str(d) => Val::Str((now + d).to_string()),
            Time::Null => Val::Null,
        }
    }
}

#[derive(Debug, Clone)]
enum Mutation {
    None,
    WrongSecret,
    FlipSignatureBit(u8),
    TruncateSignature(u8),
    PadSignature,
    StdAlphabet,
    /// Replace the character at (position % len) with this base64url-alphabet character.
    ReplaceChar(usize, u8),
    AlgHeader(&'static str),
    AppendToSignature(u8),
}

#[derive(Debug, Clone)]
struct Case {
    secret: String,
    sub: Val,
    email: Val,
    iat: Time,
    lifetime: i64,
    exp_override: Option<Time>,
    nbf: Option<Time>,
    aud: Option<Val>,
    jti: Option<Val>,
    crit: bool,
    duplicate: Option<&'static str>,
    pad: usize,
    mutation: Mutation,
}

const B64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

fn secret() -> impl Strategy<Value = String> {
    "[A-Za-z0-9+/_-]{32,64}".prop_filter("a valid gate secret", |s| {
        GateConfig::new(s.as_str()).validate().is_ok()
    })
}

fn user_claim() -> impl Strategy<Value = Val> {
    prop_oneof![
        8 => "[a-z0-9@.-]{1,24}".prop_map(Val::Str),
        1 => Just(Val::Str(String::new())),
        1 => Just(Val::Missing),
        1 => any::<i32>().prop_map(|i| Val::Int(i.into())),
        1 => Just(Val::Null),
        1 => any::<bool>().prop_map(Val::Bool),
        1 => Just(Val::Array),
    ]
}

fn offset() -> impl Strategy<Value = i64> {
    prop_oneof![
        3 => -3i64..=3,
        3 => -2_000i64..=200,
        1 => -100_000i64..=100_000,
    ]
}

fn time() -> impl Strategy<Value = Time> {
    prop_oneof![
        12 => offset().prop_map(Time::Int),
        1 => offset().prop_map(Time::Float),
        1 => offset().prop_map(Time::Str),
        1 => Just(Time::Null),
        1 => Just(Time::Missing),
    ]
}

fn lifetime() -> impl Strategy<Value = i64> {
    prop_oneof![
        4 => prop::sample::select(vec![899i64, 900, 901, 1799, 1800, 1801]),
        4 => 850i64..=1850,
        1 => -5_000i64..=50_000,
    ]
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        10 => Just(Mutation::None),
        2 => Just(Mutation::WrongSecret),
        2 => any::<u8>().prop_map(Mutation::FlipSignatureBit),
        1 => (1u8..12).prop_map(Mutation::TruncateSignature),
        1 => Just(Mutation::PadSignature),
        1 => Just(Mutation::StdAlphabet),
        4 => (any::<usize>(), 0u8..64).prop_map(|(p, c)| Mutation::ReplaceChar(p, B64[c as usize])),
        1 => prop::sample::select(vec!["none", "HS384", "HS512", "RS256", "hs256"]).prop_map(Mutation::AlgHeader),
        1 => (0u8..64).prop_map(|c| Mutation::AppendToSignature(B64[c as usize])),
    ]
}

fn case() -> impl Strategy<Value = Case> {
    let claims = (
        secret(),
        user_claim(),
        user_claim(),
        prop_oneof![8 => offset().prop_map(Time::Int), 1 => time()],
        lifetime(),
        prop::option::weighted(0.1, time()),
        prop::option::weighted(0.15, time()),
    );
    let extras = (
        prop::option::weighted(
            0.08,
            prop_oneof![
                Just(Val::Str("api".into())),
                Just(Val::Int(7)),
                Just(Val::Bool(true)),
                Just(Val::Array)
            ],
        ),
        prop::option::weighted(
            0.05,
            prop_oneof![Just(Val::Str("j1".into())), Just(Val::Int(1))],
        ),
        prop::bool::weighted(0.05),
        prop::option::weighted(
            0.05,
            prop::sample::select(vec!["sub", "exp", "email", "nested"]),
        ),
        prop_oneof![20 => Just(0usize), 1 => 5_000usize..7_000],
        mutation(),
    );
    (claims, extras).prop_map(
        |(
            (secret, sub, email, iat, lifetime, exp_override, nbf),
            (aud, jti, crit, duplicate, pad, mutation),
        )| Case {
            secret,
            sub,
            email,
            iat,
            lifetime,
            exp_override,
            nbf,
            aud,
            jti,
            crit,
            duplicate,
            pad,
            mutation,
        },
    )
}

/// The claims as JSON text, at time `now`; also the concrete iat/exp it used.
fn payload(c: &Case, now: i64) -> (String, Val, Val) {
    let iat = c.iat.at(now);
    let exp = match (&c.exp_override, &c.iat) {
        (Some(t), _) => t.at(now),
        (None, Time::Int(d)) => Val::Int(now + d + c.lifetime),
        (None, _) => Val::Int(now + c.lifetime),
    };
    let mut members: Vec<(String, String)> = Vec::new();
    let mut push = |k: &str, v: &Val| {
        if let Some(j) = v.json() {
            members.push((k.to_string(), j));
        }
    };
    push("sub", &c.sub);
    push("email", &c.email);
    push("iat", &iat);
    push("exp", &exp);
    if let Some(n) = &c.nbf {
        push("nbf", &n.at(now));
    }
    if let Some(a) = &c.aud {
        push("aud", a);
    }
    if let Some(j) = &c.jti {
        push("jti", j);
    }
    if c.pad > 0 {
        push("pad", &Val::Str("p".repeat(c.pad)));
    }
    match c.duplicate {
        Some("nested") => members.push(("user".into(), r#"{"id":"a","id":"b"}"#.into())),
        Some(k) => members.push((k.to_string(), r#""dup""#.into())),
        None => {}
    }
    let body: Vec<String> = members
        .iter()
        .map(|(k, v)| format!("\"{k}\":{v}"))
        .collect();
    (format!("{{{}}}", body.join(",")), iat, exp)
}

fn token(c: &Case, now: i64) -> (String, Val, Val) {
    let alg = match c.mutation {
        Mutation::AlgHeader(a) => a,
        _ => "HS256",
    };
    let header = if c.crit {
        format!(r#"{{"alg":"{alg}","typ":"JWT","crit":["exp"]}}"#)
    } else {
        format!(r#"{{"alg":"{alg}","typ":"JWT"}}"#)
    };
    let (claims, iat, exp) = payload(c, now);
    let input = format!(
        "{}.{}",
        base64url(header.as_bytes()),
        base64url(claims.as_bytes())
    );
    let signer = match c.mutation {
        Mutation::WrongSecret => format!("{}x", c.secret),
        _ => c.secret.clone(),
    };
    let mut tag = Hs256Key::new(signer.as_bytes())
        .tag(input.as_bytes())
        .to_vec();
    if let Mutation::FlipSignatureBit(b) = c.mutation {
        tag[usize::from(b / 8)] ^= 1 << (b % 8);
    }
    let mut sig = base64url(&tag);
    match c.mutation {
        Mutation::TruncateSignature(n) => sig.truncate(sig.len() - usize::from(n)),
        Mutation::PadSignature => sig.push('='),
        Mutation::StdAlphabet => sig = sig.replace('-', "+").replace('_', "/"),
        Mutation::AppendToSignature(ch) => sig.push(ch as char),
        _ => {}
    }
    let mut t = format!("{input}.{sig}");
    if let Mutation::ReplaceChar(p, ch) = c.mutation {
        let mut bytes = t.into_bytes();
        let i = p % bytes.len();
        if bytes[i] != b'.' {
            bytes[i] = ch;
        }
        t = String::from_utf8(bytes).unwrap();
    }
    (t, iat, exp)
}

fn reference(c: &Case, token: &str) -> Result<(), ErrorKind> {
    let mut v = Validation::new(Algorithm::HS256);
    v.leeway = 0;
    v.validate_exp = true;
    v.validate_nbf = true;
    v.validate_aud = true; // no audience set: a token carrying one is refused
    v.set_required_spec_claims(&["exp", "sub"]);
    jsonwebtoken::decode::<serde_json::Value>(
        token,
        &DecodingKey::from_secret(c.secret.as_bytes()),
        &v,
    )
    .map(|_| ())
    .map_err(|e| e.into_kind())
}

fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn is_nonempty_str(v: &Val) -> bool {
    matches!(v, Val::Str(s) if !s.is_empty())
}

/// Checks one case; returns the disagreement class (or "agree") for the tally.
fn check(c: &Case) -> Result<&'static str, TestCaseError> {
    // jsonwebtoken reads the system clock itself: retry if the second ticks meanwhile.
    let (now, tok, iat, exp, ours, theirs) = loop {
        let now = unix_now();
        let (tok, iat, exp) = token(c, now);
        let gate = Gate::new(GateConfig::new(c.secret.as_str())).unwrap();
        let ours = gate.verify(&tok, now as u64).map(|_| ());
        let theirs = reference(c, &tok);
        if unix_now() == now {
            break (now, tok, iat, exp, ours, theirs);
        }
    };
    let shown: String = tok.chars().take(300).collect();
    let ctx = || format!("case {c:?}\ntoken {shown}…\njwtgate {ours:?}, jsonwebtoken {theirs:?}");

    // Signature decisions agree, both ways, wherever jwtgate reached its signature check
    // (it refuses size, shape, encoding and header problems first; jsonwebtoken verifies the
    // MAC before it decodes the payload, so it may say InvalidSignature for those).
    let before_signature = matches!(
        ours,
        Err(Error::TokenTooLarge
            | Error::MalformedToken
            | Error::InvalidBase64
            | Error::InvalidHeader
            | Error::AlgNotAllowed
            | Error::UnsupportedCriticalHeader)
    );
    if ours == Err(Error::InvalidSignature) {
        prop_assert_eq!(
            &theirs,
            &Err(ErrorKind::InvalidSignature),
            "signature decisions differ: {}",
            ctx()
        );
    }
    if theirs == Err(ErrorKind::InvalidSignature) {
        prop_assert!(
            ours == Err(Error::InvalidSignature) || before_signature,
            "signature decisions differ: {}",
            ctx()
        );
    }
    // Expiry: jwtgate's token_expired ⇒ jsonwebtoken's ExpiredSignature (or class E).
    let exp_is_now = matches!(exp, Val::Int(e) if e == now);
    if ours == Err(Error::TokenExpired) && theirs != Err(ErrorKind::ExpiredSignature) {
        prop_assert!(exp_is_now, "jwtgate expired, jsonwebtoken not: {}", ctx());
    }
    // jsonwebtoken's ExpiredSignature ⇒ jwtgate expired, or refused by a rule it checks first.
    if theirs == Err(ErrorKind::ExpiredSignature) {
        prop_assert!(
            matches!(
                ours,
                Err(Error::TokenExpired
                    | Error::MissingClaims
                    | Error::InvalidTimeClaims
                    | Error::InvalidPayload
                    | Error::UnsupportedCriticalHeader
                    | Error::TokenTooLarge)
            ),
            "jsonwebtoken expired, jwtgate said otherwise: {}",
            ctx()
        );
    }
    Ok(match (&ours, &theirs) {
        (Ok(()), Ok(())) => "agree: accepted",
        (Ok(()), Err(_)) => {
            return Err(TestCaseError::fail(format!(
                "jwtgate accepts what jsonwebtoken refuses: {}",
                ctx()
            )))
        }
        (Err(_), Err(_)) => "agree: refused",
        (Err(e), Ok(())) => {
            let feature = match e {
                Error::MissingClaims => (!is_nonempty_str(&c.email)
                    || matches!(c.sub, Val::Str(ref s) if s.is_empty()))
                .then_some("A missing_claims"),
                Error::InvalidTimeClaims => (!matches!(iat, Val::Int(_))
                    || matches!(exp, Val::Float(_))
                    || matches!(c.nbf.as_ref().map(|n| n.at(now)), Some(Val::Float(_))))
                .then_some("B invalid_time_claims"),
                Error::InvalidLifetime => match (&iat, &exp) {
                    (Val::Int(i), Val::Int(e)) => {
                        (!(900..=1800).contains(&(e - i))).then_some("C invalid_lifetime")
                    }
                    _ => None,
                },
                Error::IssuedInFuture => {
                    matches!(iat, Val::Int(i) if i > now).then_some("D issued_in_future")
                }
                Error::TokenExpired => exp_is_now.then_some("E exp == now"),
                Error::InvalidPayload => (c.duplicate.is_some()
                    || matches!(c.jti, Some(Val::Int(_))))
                .then_some("F invalid_payload"),
                Error::UnsupportedCriticalHeader => c.crit.then_some("G crit"),
                Error::InvalidAudience => {
                    matches!(c.aud, Some(Val::Int(_) | Val::Bool(_) | Val::Array))
                        .then_some("H aud type")
                }
                Error::TokenTooLarge => (tok.len() > MAX_TOKEN_BYTES).then_some("I size cap"),
                _ => None,
            };
            match feature {
                Some(class) => class,
                None => {
                    return Err(TestCaseError::fail(format!(
                        "unexplained disagreement: {}",
                        ctx()
                    )))
                }
            }
        }
    })
}

#[test]
fn jwtgate_agrees_with_jsonwebtoken() {
    let config = Config {
        cases: CASES,
        rng_seed: RngSeed::Fixed(0x006a_7774_6761_7465),
        failure_persistence: None,
        ..Config::default()
    };
    let tally = std::sync::Mutex::new(std::collections::BTreeMap::<&'static str, u32>::new());
    let mut runner = proptest::test_runner::TestRunner::new(config);
    let result = runner.run(&case(), |c| {
        let class = check(&c)?;
        *tally.lock().unwrap().entry(class).or_default() += 1;
        Ok(())
    });
    let tally = tally.into_inner().unwrap();
    println!("differential: {tally:?}");
    if let Err(e) = result {
        panic!("{e}");
    }
    let total: u32 = tally.values().sum();
    assert!(total >= CASES, "only {total} cases ran");
    // The generator must keep reaching both verdicts and the interesting classes.
    for class in [
        "agree: accepted",
        "agree: refused",
        "A missing_claims",
        "C invalid_lifetime",
        "D issued_in_future",
    ] {
        assert!(
            tally.get(class).copied().unwrap_or(0) > 0,
            "class {class} never generated"
        );
    }
}

#[test]
fn the_classes_are_real() {
    // Each explained class, pinned on one concrete token, so the comment above stays true.
    let s = "k3Jx9vQ2mW7pL4tZ8rB6nC1yH5sD0fGa";
    let base = Case {
        secret: s.into(),
        sub: Val::Str("u1".into()),
        email: Val::Str("a@x".into()),
        iat: Time::Int(0),
        lifetime: 900,
        exp_override: None,
        nbf: None,
        aud: None,
        jti: None,
        crit: false,
        duplicate: None,
        pad: 0,
        mutation: Mutation::None,
    };
    let run = |c: Case| check(&c).unwrap();
    assert_eq!(run(base.clone()), "agree: accepted");
    assert_eq!(
        run(Case {
            email: Val::Missing,
            ..base.clone()
        }),
        "A missing_claims"
    );
    assert_eq!(
        run(Case {
            iat: Time::Missing,
            ..base.clone()
        }),
        "B invalid_time_claims"
    );
    assert_eq!(
        run(Case {
            lifetime: 3600,
            ..base.clone()
        }),
        "C invalid_lifetime"
    );
    assert_eq!(
        run(Case {
            iat: Time::Int(5),
            ..base.clone()
        }),
        "D issued_in_future"
    );
    assert_eq!(
        run(Case {
            iat: Time::Int(-900),
            ..base.clone()
        }),
        "E exp == now"
    );
    assert_eq!(
        run(Case {
            duplicate: Some("email"),
            ..base.clone()
        }),
        "F invalid_payload"
    );
    assert_eq!(
        run(Case {
            duplicate: Some("nested"),
            ..base.clone()
        }),
        "F invalid_payload"
    );
    // jsonwebtoken refuses duplicates of the members it validates itself (serde derive).
    assert_eq!(
        run(Case {
            duplicate: Some("sub"),
            ..base.clone()
        }),
        "agree: refused"
    );
    assert_eq!(
        run(Case {
            crit: true,
            ..base.clone()
        }),
        "G crit"
    );
    assert_eq!(
        run(Case {
            aud: Some(Val::Int(7)),
            ..base.clone()
        }),
        "H aud type"
    );
    assert_eq!(
        run(Case {
            pad: 8_000,
            ..base.clone()
        }),
        "I size cap"
    );
    assert_eq!(
        run(Case {
            mutation: Mutation::WrongSecret,
            ..base.clone()
        }),
        "agree: refused"
    );
    assert_eq!(
        run(Case {
            mutation: Mutation::PadSignature,
            ..base
        }),
        "agree: refused"
    );
}
