//! Session mode (src/session/) through the public API, with caches written as Better
//! Auth writes them (tests/better-auth/sessions.test.mjs holds the gate to the real
//! package's cookies and its `getSession`).

use alloc::format;
use alloc::string::String;

use base64::Engine;

use crate::session::compact::tests::make as compact;
#[cfg(feature = "session-jwe")]
use crate::session::JweKey;
use crate::tests::{NOW, SECRET};
use crate::*;

const TOKEN: &str = "Nq3fN6m0TqD2dAXYhA7t1sR4vzcp9LbE";
const ORIGIN: &str = "https://app.example";

fn session_json(token: &str, user: &str, expires: &str) -> String {
    format!(
        r#"{{"session":{{"id":"s1","token":"{token}","userId":"{user}","expiresAt":"{expires}","createdAt":"2023-11-14T22:00:00.000Z","updatedAt":"2023-11-14T22:00:00.000Z","ipAddress":"","userAgent":""}},"user":{{"id":"{user}","email":"{user}@example.com","name":"Ada","emailVerified":true,"image":null,"createdAt":"2023-11-14T22:00:00.000Z","updatedAt":"2023-11-14T22:00:00.000Z","role":"admin"}},"updatedAt":1700000000000,"version":"1"}}"#
    )
}
/// A week after NOW.
const LATER: &str = "2023-11-21T22:13:20.000Z";
/// Before NOW.
const EARLIER: &str = "2023-11-14T22:13:19.000Z";

fn key() -> Hs256Key {
    Hs256Key::new(SECRET.as_bytes())
}

fn signed(token: &str) -> String {
    let tag = base64::engine::general_purpose::STANDARD.encode(key().tag(token.as_bytes()));
    percent_encoding::utf8_percent_encode(
        &format!("{token}.{tag}"),
        percent_encoding::NON_ALPHANUMERIC,
    )
    .collect()
}

fn gate_with(strategy: CacheStrategy) -> Gate {
    Gate::new(GateConfig::new(SECRET).session(Some(
        SessionConfig::new(strategy).base_url("https://app.example"),
    )))
    .unwrap()
}

fn cookies(data: &str) -> String {
    format!(
        "theme=dark; __Secure-better-auth.session_token={}; __Secure-better-auth.session_data={data}",
        signed(TOKEN)
    )
}

#[derive(Debug, PartialEq)]
enum Out {
    Pass,
    Allow(String),
    Session(String),
    Refresh(Error),
    Refuse(Error),
}

fn run(g: &Gate, method: &str, target: &str, cookie: &str, origin: Option<&str>) -> Out {
    let origin = origin.map_or(Field::Absent, Field::Value);
    let request = HostRequest::new(method, target, Field::Absent).with_cookies(
        Field::Value(cookie),
        origin,
        Field::Absent,
    );
    out(g.decide(&request, NOW))
}

fn out(v: Verdict<VerifiedToken>) -> Out {
    match v {
        Verdict::Pass => Out::Pass,
        Verdict::Allow(t) => Out::Allow(String::from(t.user_id())),
        Verdict::Session(t) => {
            assert!(t.is_session());
            Out::Session(String::from(t.user_id()))
        }
        Verdict::Refresh(r) => {
            assert_eq!(r.key.len(), 64);
            assert!(!r.key.contains(TOKEN));
            Out::Refresh(r.reason)
        }
        Verdict::Refuse(e) => Out::Refuse(e),
    }
}

fn compact_cache(token: &str, user: &str, expires: &str, cache_ms: i64) -> String {
    compact(&key(), &session_json(token, user, expires), cache_ms)
}

const CACHE_LIVE: i64 = (NOW as i64 + 300) * 1000;

#[test]
fn a_compact_cache_bound_to_its_session_cookie_allows_its_user_only() {
    let g = gate_with(CacheStrategy::Compact);
    let c = cookies(&compact_cache(TOKEN, "u1", LATER, CACHE_LIVE));
    assert_eq!(
        run(&g, "GET", "/api/v1/u1/tasks", &c, None),
        Out::Session("u1".into())
    );
    assert_eq!(
        run(&g, "GET", "/api/v1/u2/tasks", &c, None),
        Out::Refuse(Error::UserMismatch)
    );
    assert_eq!(
        run(&g, "GET", "/api/v1/me/profile", &c, None),
        Out::Session("u1".into())
    );
    assert_eq!(run(&g, "GET", "/", &c, None), Out::Pass);
    // The verified session's payload carries the user and session objects, and the
    // claims of a bridge token (iat = now, exp = now + 900).
    let request = HostRequest::new("GET", "/api/v1/u1/tasks", Field::Absent).with_cookies(
        Field::Value(&c),
        Field::Absent,
        Field::Absent,
    );
    let Verdict::Session(t) = g.decide(&request, NOW) else {
        panic!()
    };
    assert!(t.payload_json().contains(r#""role":"admin""#));
    assert_eq!(
        (t.claims().iat, t.claims().exp),
        (NOW as i64, NOW as i64 + 900)
    );
    assert_eq!(t.claims().email, "u1@example.com");
}

#[test]
fn what_the_cache_cannot_decide_goes_to_refresh_with_its_reason() {
    let g = gate_with(CacheStrategy::Compact);
    let t = "/api/v1/u1/tasks";
    let no_cache = format!("__Secure-better-auth.session_token={}", signed(TOKEN));
    assert_eq!(
        run(&g, "GET", t, &no_cache, None),
        Out::Refresh(Error::SessionCacheMissing)
    );
    // Another session's cache beside my session cookie.
    let other = cookies(&compact_cache(
        "OtherSessionToken0000000000000000",
        "u2",
        LATER,
        CACHE_LIVE,
    ));
    assert_eq!(
        run(&g, "GET", "/api/v1/u2/tasks", &other, None),
        Out::Refresh(Error::SessionCacheUnbound)
    );
    let expired = cookies(&compact_cache(TOKEN, "u1", LATER, NOW as i64 * 1000));
    assert_eq!(
        run(&g, "GET", t, &expired, None),
        Out::Refresh(Error::SessionCacheExpired)
    );
    let ended = cookies(&compact_cache(TOKEN, "u1", EARLIER, CACHE_LIVE));
    assert_eq!(
        run(&g, "GET", t, &ended, None),
        Out::Refresh(Error::SessionExpired)
    );
    // Tampered: a byte of the value changed.
    let value = compact_cache(TOKEN, "u1", LATER, CACHE_LIVE);
    let mut bytes = value.into_bytes();
    bytes[40] = if bytes[40] == b'A' { b'B' } else { b'A' };
    let tampered = cookies(&String::from_utf8(bytes).unwrap());
    assert_eq!(
        run(&g, "GET", t, &tampered, None),
        Out::Refresh(Error::SessionCacheInvalid)
    );
    // A JWT cache at a compact gate: another strategy.
    assert_eq!(
        run(&g, "GET", t, &cookies("a.b.c"), None),
        Out::Refresh(Error::SessionCacheStrategy)
    );
    // Another version.
    let g2 = Gate::new(GateConfig::new(SECRET).session(Some(SessionConfig {
        version: "2".into(),
        ..SessionConfig::new(CacheStrategy::Compact).base_url(ORIGIN)
    })))
    .unwrap();
    let c = cookies(&compact_cache(TOKEN, "u1", LATER, CACHE_LIVE));
    assert_eq!(
        run(&g2, "GET", t, &c, None),
        Out::Refresh(Error::SessionCacheInvalid)
    );
}

#[test]
fn the_session_cookie_must_verify_and_be_one() {
    let g = gate_with(CacheStrategy::Compact);
    let cache = compact_cache(TOKEN, "u1", LATER, CACHE_LIVE);
    let t = "/api/v1/u1/tasks";
    let forged = format!(
        "__Secure-better-auth.session_token={TOKEN}.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA%3D; __Secure-better-auth.session_data={cache}"
    );
    assert_eq!(
        run(&g, "GET", t, &forged, None),
        Out::Refuse(Error::SessionInvalid)
    );
    let two = format!(
        "{}; __Secure-better-auth.session_token={}",
        cookies(&cache),
        signed("x")
    );
    assert_eq!(
        run(&g, "GET", t, &two, None),
        Out::Refuse(Error::SessionInvalid)
    );
    // Without the __Secure- prefix on an https app: not Better Auth's cookie, so no credential.
    let plain = format!(
        "better-auth.session_token={}; better-auth.session_data={cache}",
        signed(TOKEN)
    );
    assert_eq!(
        run(&g, "GET", t, &plain, None),
        Out::Refuse(Error::MissingAuthorization)
    );
}

#[test]
fn chunked_caches_are_joined_and_a_missing_chunk_is_not_read() {
    let g = gate_with(CacheStrategy::Compact);
    let value = compact_cache(TOKEN, "u1", LATER, CACHE_LIVE);
    let (a, b) = value.split_at(100);
    let base = format!("__Secure-better-auth.session_token={}", signed(TOKEN));
    let name = "__Secure-better-auth.session_data";
    let both = format!("{base}; {name}.1={b}; {name}.0={a}");
    assert_eq!(
        run(&g, "GET", "/api/v1/u1/tasks", &both, None),
        Out::Session("u1".into())
    );
    let one = format!("{base}; {name}.1={b}");
    assert_eq!(
        run(&g, "GET", "/api/v1/u1/tasks", &one, None),
        Out::Refresh(Error::SessionCacheMissing)
    );
    let swapped = format!("{base}; {name}.0={b}; {name}.1={a}");
    assert_eq!(
        run(&g, "GET", "/api/v1/u1/tasks", &swapped, None),
        Out::Refresh(Error::SessionCacheInvalid)
    );
}

#[test]
fn unsafe_cookie_requests_need_a_trusted_origin() {
    let g = gate_with(CacheStrategy::Compact);
    let c = cookies(&compact_cache(TOKEN, "u1", LATER, CACHE_LIVE));
    let t = "/api/v1/u1/tasks";
    assert_eq!(
        run(&g, "POST", t, &c, Some(ORIGIN)),
        Out::Session("u1".into())
    );
    assert_eq!(
        run(&g, "POST", t, &c, None),
        Out::Refuse(Error::CsrfOriginMissing)
    );
    assert_eq!(
        run(&g, "DELETE", t, &c, Some("null")),
        Out::Refuse(Error::CsrfOriginMissing)
    );
    assert_eq!(
        run(&g, "PUT", t, &c, Some("https://evil.example")),
        Out::Refuse(Error::CsrfOriginUntrusted)
    );
    assert_eq!(run(&g, "HEAD", t, &c, None), Out::Session("u1".into()));
    // A bearer request is not subject to it, and is judged by its token alone.
    // (u2's token at u1's path beside u1's cookies: refused; a POST without Origin: no CSRF rule.)
    let u2 = crate::tests::claims("").replace("\"u1\"", "\"u2\"");
    let bearer = format!("Bearer {}", crate::tests::token(&u2));
    let request = HostRequest::new("POST", t, Field::Value(&bearer)).with_cookies(
        Field::Value(&c),
        Field::Absent,
        Field::Absent,
    );
    assert_eq!(
        out(g.decide(&request, NOW)),
        Out::Refuse(Error::UserMismatch)
    );
    let request = HostRequest::new("POST", "/api/v1/u2/tasks", Field::Value(&bearer));
    assert_eq!(out(g.decide(&request, NOW)), Out::Allow("u2".into()));
    let bad = String::from("Bearer x.y.z");
    let request = HostRequest::new("GET", t, Field::Value(&bad)).with_cookies(
        Field::Value(&c),
        Field::Absent,
        Field::Absent,
    );
    assert_eq!(
        out(g.decide(&request, NOW)),
        Out::Refuse(Error::InvalidBase64)
    );
}

#[test]
fn better_auths_bearer_credential_has_its_own_code() {
    let g = gate_with(CacheStrategy::Compact);
    for token in [
        signed(TOKEN),
        percent_encoding::percent_decode_str(&signed(TOKEN))
            .decode_utf8()
            .unwrap()
            .into_owned(),
    ] {
        let header = format!("Bearer {token}");
        let request = HostRequest::new("GET", "/api/v1/u1/tasks", Field::Value(&header));
        assert_eq!(
            out(g.decide(&request, NOW)),
            Out::Refuse(Error::BearerSessionToken)
        );
    }
}

#[test]
#[cfg(feature = "session-jwe")]
fn jwt_and_jwe_caches() {
    let data = session_json(TOKEN, "u1", LATER);
    let claims = format!(
        r#"{},"iat":{NOW},"exp":{}}}"#,
        &data[..data.len() - 1],
        NOW + 300
    );
    // jwt: HS256 under the secret, header {"alg":"HS256"}.
    let header = base64url(br#"{"alg":"HS256"}"#);
    let input = format!("{header}.{}", base64url(claims.as_bytes()));
    let jwt = format!("{input}.{}", base64url(&key().tag(input.as_bytes())));
    let g = gate_with(CacheStrategy::Jwt);
    assert_eq!(
        run(&g, "GET", "/api/v1/u1/tasks", &cookies(&jwt), None),
        Out::Session("u1".into())
    );
    assert_eq!(
        run(
            &gate_with(CacheStrategy::Compact),
            "GET",
            "/api/v1/u1/tasks",
            &cookies(&jwt),
            None
        ),
        Out::Refresh(Error::SessionCacheStrategy)
    );
    let late = run(&g, "GET", "/api/v1/u1/tasks", &cookies(&jwt), None);
    assert_eq!(late, Out::Session("u1".into()));
    // jwe: dir + A256CBC-HS512 under the HKDF key.
    let jwe = JweKey::derive(SECRET.as_bytes()).encrypt(claims.as_bytes(), [3; 16]);
    let g = gate_with(CacheStrategy::Jwe);
    assert_eq!(
        run(&g, "GET", "/api/v1/u1/tasks", &cookies(&jwe), None),
        Out::Session("u1".into())
    );
    let other =
        JweKey::derive(b"Zk3Jx9vQ2mW7pL4tZ8rB6nC1yH5sD0fG").encrypt(claims.as_bytes(), [3; 16]);
    assert_eq!(
        run(&g, "GET", "/api/v1/u1/tasks", &cookies(&other), None),
        Out::Refresh(Error::SessionCacheInvalid)
    );
}

#[test]
fn a_refreshed_verdict_is_about_the_cookies_session() {
    let g = gate_with(CacheStrategy::Compact);
    let c = format!("__Secure-better-auth.session_token={}", signed(TOKEN));
    let request = HostRequest::new("GET", "/api/v1/u1/tasks", Field::Absent).with_cookies(
        Field::Value(&c),
        Field::Absent,
        Field::Absent,
    );
    let data = session_json(TOKEN, "u1", LATER);
    assert_eq!(
        out(g.decide_refreshed(&request, &data, NOW)),
        Out::Session("u1".into())
    );
    assert_eq!(
        out(g.decide_refreshed(&request, "null", NOW)),
        Out::Refuse(Error::SessionInvalid)
    );
    let other = session_json("OtherSessionToken0000000000000000", "u1", LATER);
    assert_eq!(
        out(g.decide_refreshed(&request, &other, NOW)),
        Out::Refuse(Error::SessionInvalid)
    );
    let ended = session_json(TOKEN, "u1", EARLIER);
    assert_eq!(
        out(g.decide_refreshed(&request, &ended, NOW)),
        Out::Refuse(Error::SessionExpired)
    );
    let wrong_user = HostRequest::new("GET", "/api/v1/u2/tasks", Field::Absent).with_cookies(
        Field::Value(&c),
        Field::Absent,
        Field::Absent,
    );
    assert_eq!(
        out(g.decide_refreshed(&wrong_user, &data, NOW)),
        Out::Refuse(Error::UserMismatch)
    );
}

#[test]
fn session_configuration_is_checked() {
    let base = || GateConfig::new(SECRET);
    let err = |c: GateConfig| Gate::new(c).unwrap_err();
    assert_eq!(
        err(base().session(Some(SessionConfig::new(CacheStrategy::Compact)))),
        ConfigError::SessionNeedsBaseUrl
    );
    assert_eq!(
        err(base().session(Some(
            SessionConfig::new(CacheStrategy::Compact).base_url("app.example")
        ))),
        ConfigError::InvalidTrustedOrigin { index: None }
    );
    assert_eq!(
        err(base().session(Some(
            SessionConfig::new(CacheStrategy::Compact).trusted_origins(["https://a.example/"])
        ))),
        ConfigError::InvalidTrustedOrigin { index: Some(0) }
    );
    assert_eq!(
        err(base().session(Some(
            SessionConfig::new(CacheStrategy::Jwks).base_url(ORIGIN)
        ))),
        ConfigError::SessionNeedsKeySet
    );
    assert_eq!(
        CacheStrategy::parse("compact"),
        Ok(Some(CacheStrategy::Compact))
    );
    assert_eq!(CacheStrategy::parse("off"), Ok(None));
    assert_eq!(
        CacheStrategy::parse("JWT"),
        Err(ConfigError::InvalidSessionStrategy)
    );
    // The configuration names the cookie as the gate reads it (a host without a gate yet).
    for (url, prefix) in [
        ("https://app.example", "better-auth"),
        ("http://x", "myapp"),
    ] {
        let config = base()
            .cookie_prefix(prefix)
            .session(Some(SessionConfig::new(CacheStrategy::Jwt).base_url(url)));
        let named = config.session_cookie_name();
        assert_eq!(
            Gate::new(config).unwrap().session_cookie_name(),
            named.as_deref()
        );
    }
    assert_eq!(base().session_cookie_name(), None);
    let secure = SessionConfig::new(CacheStrategy::Compact).base_url("http://localhost:3000");
    assert!(!secure.secure());
    assert_eq!(
        Gate::new(base().session(Some(secure)))
            .unwrap()
            .session_cookie_name(),
        Some("better-auth.session_token")
    );
}

#[test]
fn the_cached_gate_decides_sessions_as_the_gate_does_on_repeats_too() {
    let g = gate_with(CacheStrategy::Compact);
    let mut cached = CachedGate::new(g.clone(), 16);
    let live = cookies(&compact_cache(TOKEN, "u1", LATER, CACHE_LIVE));
    let other = cookies(&compact_cache(
        "OtherSessionToken0000000000000000",
        "u2",
        LATER,
        CACHE_LIVE,
    ));
    let forged = live.replacen(&signed(TOKEN)[..10], "AAAAAAAAAA", 1);
    // Another whole header with the same two cookies; the same header with one byte of
    // the cache changed in its middle (the header-level lookup's words are its middle
    // and end).
    let extra = format!("{live}; analytics=1");
    let mut middle = live.clone().into_bytes();
    let at = middle.len() / 2;
    middle[at] = if middle[at] == b'A' { b'B' } else { b'A' };
    let middle = String::from_utf8(middle).unwrap();
    for round in 0..3 {
        for cookie in [&live, &other, &forged, &extra, &middle, &live] {
            for (method, origin) in [
                ("GET", None),
                ("POST", None),
                ("POST", Some(ORIGIN)),
                ("PUT", Some("https://evil.example")),
            ] {
                for path in ["/api/v1/u1/tasks", "/api/v1/u2/tasks", "/"] {
                    // The cache's expiry passes on the last round.
                    let now = if round == 2 { NOW + 301 } else { NOW + round };
                    let origin_field = origin.map_or(Field::Absent, Field::Value);
                    let request = HostRequest::new(method, path, Field::Absent).with_cookies(
                        Field::Value(cookie),
                        origin_field,
                        Field::Absent,
                    );
                    let plain = g.decide(&request, now);
                    let plain_payload = match &plain {
                        Verdict::Session(t) => Some(String::from(t.payload_json())),
                        _ => None,
                    };
                    let from_cache = cached.decide(&request, now);
                    let cached_payload = match &from_cache {
                        Verdict::Session(t) => Some(String::from(t.payload_json())),
                        _ => None,
                    };
                    let from_cache = out(match from_cache {
                        Verdict::Allow(t) => Verdict::Allow(t.clone()),
                        Verdict::Session(t) => Verdict::Session(t.clone()),
                        Verdict::Refresh(r) => Verdict::Refresh(r),
                        Verdict::Refuse(e) => Verdict::Refuse(e),
                        Verdict::Pass => Verdict::Pass,
                    });
                    assert_eq!(out(plain), from_cache, "{round} {method} {origin:?} {path}");
                    // The same verified session, built once per `now` or not.
                    assert_eq!(plain_payload, cached_payload, "{round} {method} {path}");
                }
            }
        }
    }
    assert_eq!(
        run(&g, "GET", "/api/v1/u1/tasks", &live, None),
        Out::Session("u1".into())
    );
}
