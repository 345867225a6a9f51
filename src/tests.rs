//! Unit tests of every rule and every error of the decision core.

use alloc::format;
use alloc::string::{String, ToString};

use crate::*;

pub(crate) const SECRET: &str = "k3Jx9vQ2mW7pL4tZ8rB6nC1yH5sD0fGa";
const OLD_SECRET: &str = "Zq8Lw2Rt6Yp0Nv4Xs9Kd3Hf7Jb1Mc5Ge";
pub(crate) const NOW: u64 = 1_700_000_000;

pub(crate) fn gate() -> Gate {
    Gate::new(GateConfig::new(SECRET)).unwrap()
}

pub(crate) fn sign_raw(secret: &str, header: &str, payload: &str) -> String {
    let input = format!(
        "{}.{}",
        base64url(header.as_bytes()),
        base64url(payload.as_bytes())
    );
    let tag = Hs256Key::new(secret.as_bytes()).tag(input.as_bytes());
    format!("{input}.{}", base64url(&tag))
}

pub(crate) fn token(payload: &str) -> String {
    sign_raw(SECRET, r#"{"alg":"HS256","typ":"JWT"}"#, payload)
}

pub(crate) fn claims(extra: &str) -> String {
    let iat = NOW as i64;
    let exp = iat + 900;
    format!(r#"{{"sub":"u1","email":"a@example.com","iat":{iat},"exp":{exp}{extra}}}"#)
}

pub(crate) fn verify(t: &str) -> Result<VerifiedToken, Error> {
    gate().verify(t, NOW)
}

#[test]
fn accepts_a_better_auth_token() {
    let v = verify(&token(&claims(
        r#","name":"Ada","user":{"id":"u1","roles":["a","b"]}"#,
    )))
    .unwrap();
    assert_eq!(v.user_id(), "u1");
    assert_eq!(v.claims().email, "a@example.com");
    assert_eq!(v.claims().exp - v.claims().iat, 900);
    assert!(v.payload_json().contains(r#""name":"Ada""#));
}

#[test]
fn size_cap() {
    let big = format!(r#","pad":"{}""#, "x".repeat(MAX_TOKEN_BYTES));
    assert_eq!(verify(&token(&claims(&big))), Err(Error::TokenTooLarge));
    // Just under the cap still verifies.
    let base = token(&claims(r#","pad":"""#)).len();
    let room = (MAX_TOKEN_BYTES - base) * 3 / 4 - 2;
    let fits = token(&claims(&format!(r#","pad":"{}""#, "x".repeat(room))));
    assert!(fits.len() <= MAX_TOKEN_BYTES);
    assert!(verify(&fits).is_ok());
}

#[test]
fn segment_count() {
    let t = token(&claims(""));
    for bad in [
        String::new(),
        "a".into(),
        "a.b".into(),
        format!("{t}."),
        format!("{t}.x"),
        format!(".{t}"),
    ] {
        assert_eq!(
            verify(&bad).map(|_| ()),
            Err(Error::MalformedToken),
            "{bad}"
        );
    }
}

#[test]
fn strict_base64url() {
    let t = token(&claims(""));
    let (input, sig) = t.rsplit_once('.').unwrap();
    // Padding, the standard alphabet, whitespace, and a non-canonical last character.
    assert_eq!(verify(&format!("{t}=")).unwrap_err(), Error::InvalidBase64);
    let std_sig = sig.replace('-', "+").replace('_', "/");
    if std_sig != sig {
        assert_eq!(
            verify(&format!("{input}.{std_sig}")).unwrap_err(),
            Error::InvalidBase64
        );
    }
    assert_eq!(
        verify(&format!("{input}.+{}", &sig[1..])).unwrap_err(),
        Error::InvalidBase64
    );
    assert_eq!(
        verify(&format!("{input}. {sig}")).unwrap_err(),
        Error::InvalidBase64
    );
    // 43 chars encode 32 bytes with 2 spare bits: flipping them must not be accepted.
    let last = sig.chars().last().unwrap();
    let alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let pos = alphabet.find(last).unwrap();
    let sibling = alphabet.chars().nth(pos ^ 1).unwrap();
    let tweaked = format!("{input}.{}{sibling}", &sig[..sig.len() - 1]);
    assert_eq!(verify(&tweaked).unwrap_err(), Error::InvalidBase64);
    assert_eq!(verify("e30.e30.!").unwrap_err(), Error::InvalidBase64);
}

#[test]
fn header_rules() {
    let p = claims("");
    let cases = [
        ("[]", Error::InvalidHeader),
        ("not json", Error::InvalidHeader),
        (r#"{"alg":"HS256","alg":"HS256"}"#, Error::InvalidHeader),
        (r#"{"alg":"HS256","x":{"y":1,"y":2}}"#, Error::InvalidHeader),
        (r#"{"typ":"JWT"}"#, Error::AlgNotAllowed),
        (r#"{"alg":"none"}"#, Error::AlgNotAllowed),
        (r#"{"alg":"None"}"#, Error::AlgNotAllowed),
        (r#"{"alg":"NONE"}"#, Error::AlgNotAllowed),
        (r#"{"alg":"hs256"}"#, Error::AlgNotAllowed),
        (r#"{"alg":"HS384"}"#, Error::AlgNotAllowed),
        (r#"{"alg":"HS512"}"#, Error::AlgNotAllowed),
        (r#"{"alg":"RS256"}"#, Error::AlgNotAllowed),
        (r#"{"alg":256}"#, Error::AlgNotAllowed),
        (r#"{"alg":["HS256"]}"#, Error::AlgNotAllowed),
        (r#"{"alg":null}"#, Error::AlgNotAllowed),
        (
            r#"{"alg":"HS256","crit":["exp"]}"#,
            Error::UnsupportedCriticalHeader,
        ),
        (
            r#"{"alg":"HS256","crit":[]}"#,
            Error::UnsupportedCriticalHeader,
        ),
        (
            r#"{"alg":"HS256","b64":false}"#,
            Error::UnsupportedCriticalHeader,
        ),
        (
            r#"{"alg":"HS256","b64":"true"}"#,
            Error::UnsupportedCriticalHeader,
        ),
    ];
    for (header, want) in cases {
        assert_eq!(
            verify(&sign_raw(SECRET, header, &p)).unwrap_err(),
            want,
            "{header}"
        );
    }
    for ok in [
        r#"{"alg":"HS256"}"#,
        r#"{"alg":"HS256","b64":true,"kid":"k1"}"#,
        r#" {"alg" : "H\u0053256"} "#,
    ] {
        assert!(verify(&sign_raw(SECRET, ok, &p)).is_ok(), "{ok}");
    }
    // alg=none with an empty signature: refused before any signature logic.
    let none = format!(
        "{}.{}.",
        base64url(br#"{"alg":"none"}"#),
        base64url(p.as_bytes())
    );
    assert_eq!(verify(&none).unwrap_err(), Error::AlgNotAllowed);
}

#[test]
fn signature_rules_and_rotation() {
    let p = claims("");
    let t = token(&p);
    let (input, sig) = t.rsplit_once('.').unwrap();
    assert_eq!(
        verify(&format!("{input}.")).unwrap_err(),
        Error::InvalidSignature
    );
    assert_eq!(
        verify(&format!("{input}.{}", &sig[..42])).unwrap_err(),
        Error::InvalidBase64
    );
    assert_eq!(
        verify(&format!("{input}.{}", &sig[..40])).unwrap_err(),
        Error::InvalidSignature
    );
    let other_key = sign_raw(OLD_SECRET, r#"{"alg":"HS256","typ":"JWT"}"#, &p);
    assert_eq!(verify(&other_key).unwrap_err(), Error::InvalidSignature);
    // Tampered payload: same signature over different claims.
    let evil = base64url(claims("").replace("u1", "u2").as_bytes());
    let header = input.split('.').next().unwrap();
    assert_eq!(
        verify(&format!("{header}.{evil}.{sig}")).unwrap_err(),
        Error::InvalidSignature
    );
    // Rotation: the previous secret is still accepted, unknown ones are not.
    let rotating = Gate::new(GateConfig::new(SECRET).previous_secret(OLD_SECRET)).unwrap();
    assert!(rotating.verify(&other_key, NOW).is_ok());
    assert!(rotating.verify(&t, NOW).is_ok());
}

#[test]
fn payload_must_be_a_duplicate_free_object() {
    for p in [
        "[]",
        "\"x\"",
        "null",
        "{",
        "{}{}",
        r#"{"sub":"u1","sub":"u2"}"#,
    ] {
        assert_eq!(verify(&token(p)).unwrap_err(), Error::InvalidPayload, "{p}");
    }
    let dup_nested = claims(r#","user":{"id":"a","id":"b"}"#);
    assert_eq!(
        verify(&token(&dup_nested)).unwrap_err(),
        Error::InvalidPayload
    );
    let escaped_dup = claims(r#","s\u0075b":"u2""#);
    assert_eq!(
        verify(&token(&escaped_dup)).unwrap_err(),
        Error::InvalidPayload
    );
    assert_eq!(
        verify(&token(&claims(r#","jti":7"#))).unwrap_err(),
        Error::InvalidPayload
    );
    assert!(verify(&token(&claims(r#","jti":"abc""#))).is_ok());
}

#[test]
fn user_claims_required() {
    let t = |p: &str| verify(&token(p)).unwrap_err();
    let times = format!(r#""iat":{},"exp":{}"#, NOW, NOW + 900);
    for p in [
        format!(r#"{{"email":"a@x",{times}}}"#),
        format!(r#"{{"sub":"u1",{times}}}"#),
        format!(r#"{{"sub":"","email":"a@x",{times}}}"#),
        format!(r#"{{"sub":"u1","email":"",{times}}}"#),
        format!(r#"{{"sub":1,"email":"a@x",{times}}}"#),
        format!(r#"{{"sub":"u1","email":true,{times}}}"#),
        format!(r#"{{"sub":null,"email":"a@x",{times}}}"#),
        format!(r#"{{"sub":["u1"],"email":"a@x",{times}}}"#),
    ] {
        assert_eq!(t(&p), Error::MissingClaims, "{p}");
    }
}

#[test]
fn time_claims_must_be_integers() {
    let base = r#"{"sub":"u1","email":"a@x""#;
    let t = |rest: &str| verify(&token(&format!("{base}{rest}}}"))).unwrap_err();
    let (iat, exp) = (NOW, NOW + 900);
    for rest in [
        format!(r#","iat":{iat}"#),
        format!(r#","exp":{exp}"#),
        format!(r#","iat":{iat},"exp":"{exp}""#),
        format!(r#","iat":"{iat}","exp":{exp}"#),
        format!(r#","iat":{iat},"exp":{exp}.0"#),
        format!(r#","iat":{iat},"exp":true"#),
        format!(r#","iat":{iat},"exp":null"#),
        format!(r#","iat":null,"exp":{exp}"#),
        format!(r#","iat":{iat},"exp":1e10"#),
        format!(r#","iat":{iat},"exp":99999999999999999999"#),
        format!(r#","iat":{iat},"exp":{exp},"nbf":"0""#),
    ] {
        assert_eq!(t(&rest), Error::InvalidTimeClaims, "{rest}");
    }
}

fn timed(iat: i64, exp: i64, extra: &str) -> String {
    token(&format!(
        r#"{{"sub":"u1","email":"a@x","iat":{iat},"exp":{exp}{extra}}}"#
    ))
}

#[test]
fn expiry_lifetime_and_future_boundaries() {
    let now = NOW as i64;
    let at = |t: &str| verify(t).map(|_| ());
    // exp == now is expired (the origin compares against fractional time).
    assert_eq!(at(&timed(now - 900, now, "")), Err(Error::TokenExpired));
    assert_eq!(at(&timed(now - 899, now + 1, "")), Ok(()));
    // Lifetime window is inclusive: 900 and 1800 pass, 899 and 1801 do not.
    assert_eq!(at(&timed(now, now + 899, "")), Err(Error::InvalidLifetime));
    assert_eq!(at(&timed(now, now + 900, "")), Ok(()));
    assert_eq!(at(&timed(now, now + 1800, "")), Ok(()));
    assert_eq!(at(&timed(now, now + 1801, "")), Err(Error::InvalidLifetime));
    assert_eq!(
        at(&timed(now + 10, now + 5, "")),
        Err(Error::InvalidLifetime)
    );
    // iat in the future.
    assert_eq!(
        at(&timed(now + 1, now + 901, "")),
        Err(Error::IssuedInFuture)
    );
    // nbf.
    assert_eq!(
        at(&timed(now, now + 900, &format!(r#","nbf":{}"#, now + 1))),
        Err(Error::NotYetValid)
    );
    assert_eq!(
        at(&timed(now, now + 900, &format!(r#","nbf":{now}"#))),
        Ok(())
    );
    // Extreme values neither overflow nor pass.
    assert_eq!(
        at(&timed(i64::MIN, i64::MAX, "")),
        Err(Error::InvalidLifetime)
    );
    assert_eq!(
        at(&timed(i64::MIN, i64::MIN + 900, "")),
        Err(Error::TokenExpired)
    );
    let g = gate();
    assert_eq!(
        g.verify(&timed(now, now + 900, ""), u64::MAX).map(|_| ()),
        Err(Error::TokenExpired)
    );
}

#[test]
fn leeway_applies_to_exp_iat_and_nbf() {
    let g = Gate::new(GateConfig::new(SECRET).leeway_seconds(30)).unwrap();
    let now = NOW as i64;
    let at = |t: &str| g.verify(t, NOW).map(|_| ());
    assert_eq!(at(&timed(now - 920, now - 20, "")), Ok(()));
    assert_eq!(
        at(&timed(now - 930, now - 30, "")),
        Err(Error::TokenExpired)
    );
    assert_eq!(at(&timed(now + 30, now + 930, "")), Ok(()));
    assert_eq!(
        at(&timed(now + 31, now + 931, "")),
        Err(Error::IssuedInFuture)
    );
    assert_eq!(
        at(&timed(now, now + 900, &format!(r#","nbf":{}"#, now + 31))),
        Err(Error::NotYetValid)
    );
}

#[test]
fn issuer_and_audience() {
    let plain = gate();
    let with = |extra: &str| token(&claims(extra));
    // No audience configured: a token that carries one is refused (as python-jose does).
    assert_eq!(
        plain.verify(&with(r#","aud":"api""#), NOW).unwrap_err(),
        Error::InvalidAudience
    );
    assert!(plain.verify(&with(r#","iss":"anything""#), NOW).is_ok());

    let strict = Gate::new(
        GateConfig::new(SECRET)
            .issuer("https://app")
            .audience("api"),
    )
    .unwrap();
    let v = |extra: &str| strict.verify(&with(extra), NOW).map(|_| ());
    assert_eq!(v(r#","iss":"https://app","aud":"api""#), Ok(()));
    assert_eq!(v(r#","iss":"https://app","aud":["x","api"]"#), Ok(()));
    assert_eq!(
        v(r#","iss":"https://app","aud":["x"]"#),
        Err(Error::InvalidAudience)
    );
    // Every member of an `aud` array must be a string (python-jose refuses the token).
    for aud in [
        r#"["api",1]"#,
        r#"["api",null]"#,
        r#"["api",{"x":1}]"#,
        r#"["api",["api"]]"#,
        r#"[true,"api"]"#,
        r#"[]"#,
        r#"1"#,
        r#"{"aud":"api"}"#,
    ] {
        assert_eq!(
            v(&format!(r#","iss":"https://app","aud":{aud}"#)),
            Err(Error::InvalidAudience),
            "{aud}"
        );
    }
    assert_eq!(
        v(r#","iss":"https://app","aud":"API""#),
        Err(Error::InvalidAudience)
    );
    assert_eq!(v(r#","iss":"https://app""#), Err(Error::InvalidAudience));
    assert_eq!(
        v(r#","iss":"https://evil","aud":"api""#),
        Err(Error::InvalidIssuer)
    );
    assert_eq!(v(r#","aud":"api""#), Err(Error::InvalidIssuer));
    assert_eq!(
        v(r#","iss":["https://app"],"aud":"api""#),
        Err(Error::InvalidIssuer)
    );
}

#[test]
fn authorization_header_rule() {
    let g = gate();
    let t = token(&claims(""));
    let auth = |h: Option<&str>| g.authorize("GET", "/api/v1/u1/tasks", h, NOW).map(|_| ());
    assert_eq!(auth(Some(&format!("Bearer {t}"))), Ok(()));
    for h in [
        String::new(),
        "Bearer".into(),
        "Bearer ".into(),
        format!("bearer {t}"),
        format!("BEARER {t}"),
        format!("Bearer\t{t}"),
        format!("Basic {t}"),
        format!("Token {t}"),
        t.clone(),
        format!("\r\nBearer {t}"),
        format!("\u{a0}Bearer {t}"),
        " \t ".into(),
        "Bearer \t".into(),
    ] {
        assert_eq!(auth(Some(&h)), Err(Error::MissingAuthorization), "{h:?}");
    }
    assert_eq!(auth(None), Err(Error::MissingAuthorization));
    // RFC 9110 §5.5: spaces and tabs around a field value are not part of it (HTTP
    // parsers, the origin's included, drop them; some hosts hand them over).
    for h in [
        format!(" Bearer {t}"),
        format!("Bearer {t} "),
        format!("Bearer {t}\t"),
        format!("\t \tBearer {t} \t "),
    ] {
        assert_eq!(auth(Some(&h)), Ok(()), "{h:?}");
    }
    // Inside the value nothing else is trimmed: the token is everything after "Bearer ".
    assert_eq!(
        auth(Some(&format!("Bearer  {t}"))),
        Err(Error::InvalidBase64)
    );
    assert_eq!(
        auth(Some(&format!("Bearer \t{t}"))),
        Err(Error::InvalidBase64)
    );
    assert_eq!(
        auth(Some(&format!("Bearer {t}\r\n"))),
        Err(Error::InvalidBase64)
    );
    assert_eq!(
        auth(Some(&format!("Bearer Bearer {t}"))),
        Err(Error::InvalidBase64)
    );
    let huge = format!("Bearer {}", "a".repeat(MAX_AUTHORIZATION_BYTES));
    assert_eq!(auth(Some(&huge)), Err(Error::TokenTooLarge));
    // Another scheme is "missing" whatever its size (same 401, the right challenge).
    let huge_basic = format!("Basic {}", "a".repeat(MAX_AUTHORIZATION_BYTES));
    assert_eq!(auth(Some(&huge_basic)), Err(Error::MissingAuthorization));
}

#[test]
fn path_rule() {
    let g = gate();
    let h = format!("Bearer {}", token(&claims("")));
    let at = |path: &str| {
        g.authorize("GET", path, Some(&h), NOW)
            .map(|v| v.user_id().to_string())
    };
    assert_eq!(at("/api/v1/u1/tasks"), Ok("u1".into()));
    assert_eq!(at("/api/v1/u%31/tasks?limit=5"), Ok("u1".into()));
    assert_eq!(at("/api/v1/me/profile"), Ok("u1".into()));
    assert_eq!(at("/api/v1/me/profile/"), Ok("u1".into()));
    // Only the configured self routes: every other `me` path names the user "me".
    assert_eq!(at("/api/v1/me/tasks"), Err(Error::UserMismatch));
    assert_eq!(at("/api/v1/me"), Err(Error::UserMismatch));
    assert_eq!(at("/api/v1/me/profile/x"), Err(Error::UserMismatch));
    // A raw `#` (and anything not visible ASCII) in the target is read two ways: refused.
    assert_eq!(at("/api/v1/me#u2/tasks"), Err(Error::InvalidPath));
    assert_eq!(at("/api/v1/u1#/../u2/tasks"), Err(Error::InvalidPath));
    assert_eq!(at("/api/v1/u1/tasks?x#y"), Err(Error::InvalidPath));
    assert_eq!(at("/api/v1/u1 /tasks"), Err(Error::InvalidPath));
    assert_eq!(at("/api/v1/\u{fc}ser/tasks"), Err(Error::InvalidPath));
    assert_eq!(at("/health#x"), Err(Error::InvalidPath));
    assert_eq!(at("/api/v1/u2/tasks"), Err(Error::UserMismatch));
    assert_eq!(at("/api/v1/U1/tasks"), Err(Error::UserMismatch));
    assert_eq!(at("/API/V1/u2/tasks"), Err(Error::UserMismatch));
    assert_eq!(at("/api/v1/u1/../u2/tasks"), Err(Error::InvalidPath));
    assert_eq!(at("/api/v1/u1/%2e%2e/u2/tasks"), Err(Error::InvalidPath));
    assert_eq!(at("/api/v1//u1/tasks"), Err(Error::InvalidPath));
    assert_eq!(at("/api/v1/u1%2Fx/tasks"), Err(Error::InvalidPath));
    assert_eq!(at("/api/v1/"), Err(Error::InvalidPath));
    // Outside the prefix the token still has to be valid, but no path rule applies.
    assert_eq!(at("/health"), Ok("u1".into()));
    // Authentication comes before the path: no token → 401 even on a bad path.
    assert_eq!(
        g.authorize("GET", "/api/v1/u2/../x", None, NOW)
            .unwrap_err()
            .status(),
        401
    );
    assert_eq!(
        g.authorize("GET", "/api/v1/u2/tasks", None, NOW)
            .unwrap_err(),
        Error::MissingAuthorization
    );
}

#[test]
fn protects_and_methods() {
    let g = gate();
    assert!(g.protects("/api/v1/u1/tasks"));
    assert!(g.protects("/Api/V1/x"));
    assert!(g.protects("/static/../api/v1/u2"));
    assert!(g.protects("/a//b"));
    assert!(g.protects("/static#/../api/v1/u2/tasks"));
    assert!(g.protects("/static\u{e9}"));
    assert!(g.protects("/static/\x00"));
    assert!(!g.protects("/"));
    assert!(!g.protects("/health?x=1"));
    let h = format!("Bearer {}", token(&claims("")));
    for m in ["GET", "POST", "PATCH", "DELETE", "OPTIONS", "M-SEARCH"] {
        assert!(
            g.authorize(m, "/api/v1/u1/tasks", Some(&h), NOW).is_ok(),
            "{m}"
        );
    }
    for m in ["", "G T", "GET\r\n", "ÄÖ"] {
        assert_eq!(
            g.authorize(m, "/api/v1/u1/tasks", Some(&h), NOW)
                .unwrap_err(),
            Error::InvalidMethod
        );
    }
}

#[test]
fn custom_prefix() {
    let g = Gate::new(GateConfig::new(SECRET).api_prefix("/v2")).unwrap();
    let h = format!("Bearer {}", token(&claims("")));
    assert_eq!(
        g.authorize("GET", "/v2/u2/x", Some(&h), NOW).unwrap_err(),
        Error::UserMismatch
    );
    assert!(g.authorize("GET", "/api/v1/u2/x", Some(&h), NOW).is_ok());
}

#[test]
fn errors_never_contain_token_or_secret() {
    let t = token(&claims(""));
    for e in Error::ALL {
        let text = format!("{e} {e:?} {} {}", e.detail(), e.body_json());
        assert!(!text.contains(&t[..20]) && !text.contains(SECRET));
    }
    assert!(!format!("{:?}", gate()).contains(SECRET));
}

#[test]
fn rfc7515_appendix_a1() {
    // RFC 7515 A.1: HS256 over {"iss":"joe","exp":1300819380,"http://example.com/is_root":true}.
    const JWS: &str = "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    let k =
        "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow";
    let key = base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, k).unwrap();
    let untrusted = UntrustedToken::parse(JWS).unwrap();
    assert!(Hs256Key::new(&key).verify(&untrusted));
    // Through the policy: the signature is valid, then the claim rules refuse it.
    let g = Gate::new(GateConfig::new(key)).unwrap();
    assert_eq!(g.verify(JWS, 1_300_819_379), Err(Error::MissingClaims));
}

#[test]
fn the_decision_does_not_depend_on_how_the_identity_travels() {
    // Issue 11 §10: an identity that is not plain ASCII is a legitimate user; the hosts
    // encode it when they forward it (`identity_header_value`), the decision is the same.
    let g = gate();
    let with = |sub: &str, email: &str| {
        let iat = NOW as i64;
        let payload = serde_json::json!({"sub": sub, "email": email, "iat": iat, "exp": iat + 900});
        format!("Bearer {}", token(&payload.to_string()))
    };
    let at = |path: &str, h: &str| {
        g.authorize("GET", path, Some(h), NOW)
            .map(|v| v.user_id().to_string())
    };
    for (sub, email) in [
        ("u1", "a@x.io\r\nX-Evil: 1"),
        ("u1", " a@x.io"),
        ("u1", "a@x.io "),
        ("u1", "a@exämple.io"),
        ("usér", "usér@exämple.io"),
        ("u\u{7f}1", "a@x.io"),
        ("u1\t", "100%@x.io"),
    ] {
        assert_eq!(
            at("/api/v1/me/profile", &with(sub, email)),
            Ok(sub.into()),
            "{sub:?} {email:?}"
        );
    }
    assert_eq!(
        at("/api/v1/us%C3%A9r/tasks", &with("usér", "a@x.io")),
        Ok("usér".into())
    );
    assert_eq!(
        at("/api/v1/u2/tasks", &with("usér", "a@x.io")),
        Err(Error::UserMismatch)
    );
    assert_eq!(identity_header_value("usér"), "us%C3%A9r");
}
