//! The cases of the Wasm build's suites, shared by `tests/web.rs` (headless browsers) and
//! `tests/node.rs` (Node): each includes this module, so each runs every case. Same decisions
//! as the native build, through the JS-facing API. Keep every case here, not in the two
//! entry files: `make test-wasm` expects each run to pass exactly as many tests as this file
//! has `#[wasm_bindgen_test]` attributes.

use jwtgate::{base64url, Error, Gate, GateConfig, Hs256Key, UntrustedToken};
use jwtgate_wasm::{error_table, GateCore};
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::wasm_bindgen_test;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = JSON, js_name = parse)]
    fn json(text: &str) -> JsValue;
}

/// A gate from an options object given as JSON (what gate.js hands the binding).
fn gate_core(options: &str) -> Result<GateCore, JsValue> {
    GateCore::new(&json(options), None)
}

const SECRET: &str = "k3Jx9vQ2mW7pL4tZ8rB6nC1yH5sD0fGa";
const NOW: f64 = 1_700_000_000.0;

fn core() -> GateCore {
    core_with_cache(256.0)
}

/// The default configuration with `cache_entries` cache slots.
fn core_with_cache(cache_entries: f64) -> GateCore {
    gate_core(&format!(
        r#"{{"secret":"{SECRET}","cacheSize":{cache_entries}}}"#
    ))
    .unwrap()
}

fn token(payload: &str) -> String {
    Gate::new(GateConfig::new(SECRET)).unwrap().mint(payload)
}

fn claims(iat: i64, exp: i64) -> String {
    format!(r#"{{"sub":"u1","email":"a@example.com","iat":{iat},"exp":{exp}}}"#)
}

fn last(core: &GateCore) -> Error {
    Error::from_index(core.last_error()).unwrap()
}

#[wasm_bindgen_test]
fn verifies_and_returns_the_signed_payload() {
    let mut c = core();
    let payload = claims(1_700_000_000, 1_700_000_900);
    assert_eq!(c.verify(&token(&payload), NOW), Some(payload));
}

#[wasm_bindgen_test]
fn refusals_match_the_native_core() {
    let mut c = core();
    let t = |iat, exp| token(&claims(iat, exp));
    let cases = [
        (t(1_700_000_000 - 900, 1_700_000_000), Error::TokenExpired),
        (t(1_700_000_000, 1_700_000_899), Error::InvalidLifetime),
        (t(1_700_000_000, 1_700_001_801), Error::InvalidLifetime),
        (t(1_700_000_001, 1_700_000_901), Error::IssuedInFuture),
        ("a.b".to_owned(), Error::MalformedToken),
        (
            format!("{}=", t(1_700_000_000, 1_700_000_900)),
            Error::InvalidBase64,
        ),
    ];
    for (tok, want) in cases {
        assert_eq!(c.verify(&tok, NOW), None);
        assert_eq!(last(&c), want);
        // And the native-style call agrees.
        let gate = Gate::new(GateConfig::new(SECRET)).unwrap();
        assert_eq!(gate.verify(&tok, NOW as u64).unwrap_err(), want);
    }
    let none = format!(
        "{}.{}.",
        base64url(br#"{"alg":"none"}"#),
        base64url(claims(1, 901).as_bytes())
    );
    assert_eq!(c.verify(&none, NOW), None);
    assert_eq!(last(&c), Error::AlgNotAllowed);
}

#[wasm_bindgen_test]
fn authorize_applies_header_and_path_rules() {
    let mut c = core();
    let h = format!("Bearer {}", token(&claims(1_700_000_000, 1_700_000_900)));
    assert!(c
        .authorize("GET", "/api/v1/u1/tasks", Some(h.clone()), NOW)
        .is_some());
    assert!(c
        .authorize("GET", "/api/v1/me/profile", Some(h.clone()), NOW)
        .is_some());
    let refused = [
        ("/api/v1/u2/tasks", Some(h.clone()), Error::UserMismatch),
        ("/api/v1/u1/%2e%2e/u2", Some(h.clone()), Error::InvalidPath),
        ("/api/v1/u1/tasks", None, Error::MissingAuthorization),
        (
            "/api/v1/u1/tasks",
            Some(h.replace("Bearer", "bearer")),
            Error::MissingAuthorization,
        ),
    ];
    for (path, auth, want) in refused {
        assert_eq!(c.authorize("GET", path, auth, NOW), None);
        assert_eq!(last(&c), want, "{path}");
    }
    assert!(c.protects("/api/v1/x"));
    assert!(!c.protects("/health"));
}

#[wasm_bindgen_test]
fn broken_clocks_fail_closed() {
    let mut c = core();
    let tok = token(&claims(1_700_000_000, 1_700_000_900));
    assert_eq!(c.verify(&tok, f64::NAN), None);
    assert_eq!(last(&c), Error::TokenExpired);
    assert_eq!(c.verify(&tok, -1.0), None);
    assert_eq!(last(&c), Error::IssuedInFuture);
}

/// The config error code a construction gives (`"code\tmessage"` crosses as a string).
fn config_error(
    secret: &str,
    list: Option<&str>,
    leeway: f64,
    min: f64,
    max: f64,
) -> Option<String> {
    let list = list.map_or(String::new(), |l| format!(r#","previousSecrets":"{l}""#));
    gate_core(&format!(
        r#"{{"secret":"{secret}","leewaySeconds":{leeway},"minLifetimeSeconds":{min},"maxLifetimeSeconds":{max}{list}}}"#
    ))
    .err()
    .and_then(|e| e.as_string())
    .and_then(|e| e.split('\t').next().map(String::from))
}

#[wasm_bindgen_test]
fn bad_configs_are_refused_with_a_code() {
    let code = |secret, leeway, min, max| config_error(secret, None, leeway, min, max);
    assert_eq!(
        code("short", 0.0, 900.0, 1800.0).as_deref(),
        Some("secret_too_short")
    );
    assert_eq!(
        code(SECRET, -1.0, 900.0, 1800.0).as_deref(),
        Some("invalid_number")
    );
    assert_eq!(
        code(SECRET, 0.5, 900.0, 1800.0).as_deref(),
        Some("invalid_number")
    );
    assert_eq!(
        code(SECRET, 0.0, 1800.0, 900.0).as_deref(),
        Some("invalid_lifetime_window")
    );
    assert_eq!(
        code(
            "better-auth-secret-12345678901234567890",
            0.0,
            900.0,
            1800.0
        )
        .as_deref(),
        Some("known_default_secret")
    );
    assert_eq!(code(SECRET, 0.0, 900.0, 1800.0), None);
}

#[wasm_bindgen_test]
fn previous_secrets_list_is_split_by_the_core() {
    const OLD: &str = "Zq8Lw2Rt6Yp0Nv4Xs9Kd3Hf7Jb1Mc5Ge";
    let list = format!(" {OLD} , ");
    assert_eq!(config_error(SECRET, Some(&list), 0.0, 900.0, 1800.0), None);
    assert_eq!(
        config_error(SECRET, Some("short,"), 0.0, 900.0, 1800.0).as_deref(),
        Some("secret_too_short")
    );
    let mut c = gate_core(&format!(
        r#"{{"secret":"{SECRET}","previousSecrets":"{list}"}}"#
    ))
    .unwrap();
    let old = Gate::new(GateConfig::new(OLD))
        .unwrap()
        .mint(&claims(1_700_000_000, 1_700_000_900));
    assert!(c.verify(&old, NOW).is_some());
}

#[wasm_bindgen_test]
fn error_table_is_json_in_index_order() {
    let table = error_table();
    let first = Error::ALL[0];
    assert!(table.starts_with(&format!(
        r#"[{{"code":"{}","status":{}"#,
        first.code(),
        first.status()
    )));
    assert!(table.ends_with("}]"));
}

#[wasm_bindgen_test]
fn rfc7515_a1_signature_in_wasm() {
    const JWS: &str = "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    let key = [
        3u8, 35, 53, 75, 43, 15, 165, 188, 131, 126, 6, 101, 119, 123, 166, 143, 90, 179, 40, 230,
        240, 84, 201, 40, 169, 15, 132, 178, 210, 80, 46, 191, 211, 251, 90, 146, 210, 6, 71, 239,
        150, 138, 180, 195, 119, 98, 61, 34, 61, 46, 33, 114, 5, 46, 79, 8, 192, 205, 154, 245,
        103, 208, 128, 163,
    ];
    assert!(Hs256Key::new(&key).verify(&UntrustedToken::parse(JWS).unwrap()));
}

#[wasm_bindgen_test]
fn repeats_name_the_same_cache_entry_and_are_judged_again() {
    let mut c = core();
    let tok = token(&claims(1_700_000_000, 1_700_000_900));
    let n = tok.len();
    c.input_scratch()[..n].copy_from_slice(tok.as_bytes());
    assert!(c.verify_input(n, NOW) > 0);
    let (slot, generation) = c.entry();
    assert!(slot >= 0.0 && generation >= 1.0);
    assert!(c.verify_input(n, NOW + 60.0) > 0);
    assert_eq!(c.entry(), (slot, generation));
    // Expired on the next call: refused although stored, and the entry is gone.
    assert_eq!(
        c.verify_input(n, 1_700_000_900.0),
        -1 - i32::from(Error::TokenExpired.index())
    );
    assert_eq!(c.entry().0, -1.0);
    assert!(c.verify_input(n, NOW) > 0);
    assert!(
        c.entry().1 > generation,
        "a re-stored token gets a new generation"
    );

    let mut off = core_with_cache(0.0);
    off.input_scratch()[..n].copy_from_slice(tok.as_bytes());
    assert!(off.verify_input(n, NOW) > 0);
    assert_eq!(off.entry().0, -1.0);
}

#[wasm_bindgen_test]
fn self_routes_cross_the_boundary() {
    let make = |routes: Option<Vec<String>>| {
        let routes = routes.map_or(String::new(), |r| {
            let quoted: Vec<String> = r.iter().map(|p| format!("\"{p}\"")).collect();
            format!(r#","selfRoutes":[{}]"#, quoted.join(","))
        });
        gate_core(&format!(r#"{{"secret":"{SECRET}"{routes}}}"#))
    };
    let header = format!("Bearer {}", token(&claims(1_700_000_000, 1_700_000_900)));
    let decide = |c: &mut GateCore, path: &str| {
        c.authorize("GET", path, Some(header.clone()), NOW)
            .map(|_| ())
            .ok_or_else(|| last(c))
    };
    // Default: the spec's one self route.
    let mut c = make(None).unwrap();
    assert_eq!(decide(&mut c, "/api/v1/me/profile"), Ok(()));
    assert_eq!(decide(&mut c, "/api/v1/me/tasks"), Err(Error::UserMismatch));
    let mut c = make(Some(vec![
        "/api/v1/me/profile".into(),
        "/api/v1/me/tasks".into(),
    ]))
    .unwrap();
    assert_eq!(decide(&mut c, "/api/v1/me/tasks"), Ok(()));
    let mut c = make(Some(vec![])).unwrap();
    assert_eq!(
        decide(&mut c, "/api/v1/me/profile"),
        Err(Error::UserMismatch)
    );
    let err = make(Some(vec!["/other/me".into()]))
        .err()
        .and_then(|e| e.as_string());
    assert_eq!(
        err.as_deref().and_then(|e| e.split('\t').next()),
        Some("invalid_self_route")
    );
    // A raw `#` reaches the core and is refused there.
    let mut c = make(None).unwrap();
    assert_eq!(
        decide(&mut c, "/api/v1/me#u2/tasks"),
        Err(Error::InvalidPath)
    );
    assert!(c.protects("/static#/../api/v1/u2/tasks"));
}

/// EdDSA in the Wasm build: a key set through `GateCore::new`, a Better Auth-shaped token,
/// key swap by `setJwks`, and the refresh policy object.
#[wasm_bindgen_test]
fn eddsa_with_a_key_set_and_a_swap() {
    use ed25519_dalek::{Signer, SigningKey};
    const APP: &str = "http://localhost:3000";
    let key = |seed: u8| SigningKey::from_bytes(&[seed; 32]);
    let jwks = |seed: u8, kid: &str| {
        format!(
            r#"{{"keys":[{{"alg":"EdDSA","crv":"Ed25519","kty":"OKP","kid":"{kid}","x":"{}"}}]}}"#,
            base64url(key(seed).verifying_key().as_bytes())
        )
    };
    let sign = |seed: u8, kid: &str| {
        let payload = format!(
            r#"{{"sub":"u1","email":"a@example.com","iat":1700000000,"exp":1700000900,"iss":"{APP}","aud":"{APP}"}}"#
        );
        let input = format!(
            "{}.{}",
            base64url(format!(r#"{{"alg":"EdDSA","kid":"{kid}"}}"#).as_bytes()),
            base64url(payload.as_bytes())
        );
        let sig = key(seed).sign(input.as_bytes()).to_bytes();
        format!("{input}.{}", base64url(&sig))
    };
    let mut c = gate_core(&format!(
        r#"{{"issuer":"{APP}","audience":"{APP}","cacheSize":16,"jwks":{}}}"#,
        jwks(1, "a")
    ))
    .unwrap();
    let a = sign(1, "a");
    assert!(c.verify(&a, NOW).is_some());
    assert!(c.verify(&a, NOW).is_some()); // from the cache
    let b = sign(2, "b");
    assert_eq!(c.verify(&b, NOW), None);
    assert_eq!(last(&c), Error::UnknownKey);
    // Rotation: the set now holds only b; a's cached acceptance is gone.
    c.set_jwks(&jwks(2, "b")).unwrap();
    assert!(c.verify(&b, NOW).is_some());
    assert_eq!(c.verify(&a, NOW), None);
    assert_eq!(last(&c), Error::UnknownKey);
    // A bad set is refused and the current one stays.
    assert!(c.set_jwks(r#"{"keys":[]}"#).is_err());
    assert!(c.verify(&b, NOW).is_some());
    // HS256 against this JWKS-only gate.
    assert_eq!(
        c.verify(&token(&claims(1_700_000_000, 1_700_000_900)), NOW),
        None
    );
    assert_eq!(last(&c), Error::AlgNotAllowed);

    let mut r = jwtgate_wasm::JwksRefresh::new(&json("{}")).unwrap();
    assert_eq!(r.due(1_000.0), 1);
    r.started(1_000.0);
    r.succeeded(1_000.0, Some("max-age=60".into()));
    assert_eq!(r.due(60_999.0), 0);
    assert_eq!(r.due(61_000.0), 2);
    assert_eq!(r.on_unknown_kid(20_000.0), 0);
    assert_eq!(r.on_unknown_kid(31_000.0), 3);
}

#[wasm_bindgen_test]
fn mint_signs_with_the_current_secret_and_refuses_what_the_gate_refuses() {
    let c = core();
    let payload = claims(1_700_000_000, 1_700_000_900);
    let minted = c.mint(&payload, NOW).unwrap();
    // Byte for byte the native core's token, and accepted by a gate with the same secret.
    assert_eq!(minted, token(&payload));
    assert_eq!(core().verify(&minted, NOW), Some(payload));
    // A lifetime outside the window, an expired token, a missing email: not minted.
    let cases = [
        (claims(1_700_000_000, 1_700_001_801), Error::InvalidLifetime),
        (claims(1_699_999_000, 1_699_999_900), Error::TokenExpired),
        (
            r#"{"sub":"u1","iat":1700000000,"exp":1700000900}"#.to_owned(),
            Error::MissingClaims,
        ),
    ];
    for (payload, want) in cases {
        assert_eq!(c.mint(&payload, NOW), None);
        assert_eq!(last(&c), want);
    }
}
