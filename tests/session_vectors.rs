//! Session cookies the REAL better-auth package minted (tests/vectors/better_auth_sessions.json,
//! written by scripts/vectors/better-auth-sessions.mjs), decided natively at the clock they
//! were minted at: each allows its own user's path (uncached and through `CachedGate`, the
//! same verified session), another user's path is 403, the cache's end asks for a refresh, a
//! changed byte refuses or refreshes, and a second `Cookie` line joined with ", " reads the
//! same. tests/sessions/ holds the same rules to Better Auth's own getSession, live.

use jwtgate::{
    CacheStrategy, CachedGate, Error, Field, Gate, GateConfig, HostRequest, SessionConfig, Verdict,
    VerifiedToken,
};
use serde_json::Value;

mod common;
use common::load;

fn decide(gate: &Gate, path: &str, cookie: &str, now: u64) -> Verdict<VerifiedToken> {
    let request = HostRequest::new("GET", path, Field::Absent).with_cookies(
        Field::Value(cookie),
        Field::Absent,
        Field::Absent,
    );
    gate.decide(&request, now)
}

#[test]
fn better_auth_cookies_decide_natively() {
    let doc: Value = load("better_auth_sessions.json");
    let secret = doc["secret"].as_str().expect("secret");
    let base = doc["baseUrl"].as_str().expect("baseUrl");
    let vectors = doc["vectors"].as_array().expect("vectors");
    assert!(vectors.len() >= 2, "compact and jwt");
    for v in vectors {
        let strategy = v["strategy"].as_str().expect("strategy");
        let now = v["now"].as_u64().expect("now");
        let user = v["userId"].as_str().expect("userId");
        let cookie = v["cookie"].as_str().expect("cookie");
        let session =
            SessionConfig::new(CacheStrategy::parse(strategy).unwrap().unwrap()).base_url(base);
        let gate = Gate::new(GateConfig::new(secret).session(Some(session))).unwrap();
        let own = format!("/api/v1/{user}/tasks");

        let Verdict::Session(allowed) = decide(&gate, &own, cookie, now) else {
            panic!("{strategy}: the minted cookie is not allowed");
        };
        assert_eq!(allowed.user_id(), user);
        assert_eq!(allowed.claims().email, v["email"].as_str().unwrap());
        let payload: Value = serde_json::from_str(allowed.payload_json()).unwrap();
        assert_eq!(payload["user"]["id"], user);
        assert_eq!(payload["name"], v["name"]);
        assert_eq!(payload["exp"].as_u64(), Some(now + 900));

        // Through the verified cache, twice: the same session, byte for byte.
        let mut cached = CachedGate::new(gate.clone(), 16);
        for _ in 0..2 {
            let request = HostRequest::new("GET", &own, Field::Absent).with_cookies(
                Field::Value(cookie),
                Field::Absent,
                Field::Absent,
            );
            match cached.decide(&request, now) {
                Verdict::Session(v) => assert_eq!(v.payload_json(), allowed.payload_json()),
                other => panic!("{strategy}: cached {other:?}"),
            }
        }

        assert!(matches!(
            decide(&gate, "/api/v1/someone-else/tasks", cookie, now),
            Verdict::Refuse(Error::UserMismatch)
        ));
        // Better Auth's cookieCache.maxAge was 300 s: then the cache cannot decide.
        match decide(&gate, &own, cookie, now + 301) {
            Verdict::Refresh(r) => assert_eq!(r.reason, Error::SessionCacheExpired),
            other => panic!("{strategy}: after the cache's end {other:?}"),
        }
        // A second Cookie line joined with ", " (a Fetch Headers) reads as the same cookies.
        let joined = cookie.replacen("; ", ", ", 1);
        assert!(matches!(
            decide(&gate, &own, &format!("theme=dark, {joined}"), now),
            Verdict::Session(_)
        ));
        // One byte of the cache changed: never allowed.
        let at = cookie.find("session_data=").unwrap() + "session_data=".len() + 40;
        let mut bytes = cookie.as_bytes().to_vec();
        bytes[at] = if bytes[at] == b'A' { b'B' } else { b'A' };
        let tampered = String::from_utf8(bytes).unwrap();
        assert!(
            !matches!(decide(&gate, &own, &tampered, now), Verdict::Session(_)),
            "{strategy}: tampered"
        );
        // Another strategy's gate does not read it.
        let other = if strategy == "compact" {
            CacheStrategy::Jwt
        } else {
            CacheStrategy::Compact
        };
        let wrong = Gate::new(
            GateConfig::new(secret).session(Some(SessionConfig::new(other).base_url(base))),
        )
        .unwrap();
        match decide(&wrong, &own, cookie, now) {
            Verdict::Refresh(r) => assert_eq!(r.reason, Error::SessionCacheStrategy),
            other => panic!("{strategy}: another strategy's gate {other:?}"),
        }
    }
}
