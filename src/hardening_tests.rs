//! Issue 11 (core half), through the public API: the JOSE header cap and self routes as
//! configuration. (Path, bearer and audience cases sit with their rules in src/tests.rs,
//! whose token helpers these use.)

use alloc::format;

use crate::tests::{claims, gate, sign_raw, token, verify, NOW, SECRET};
use crate::*;

#[test]
fn header_size_is_capped_before_parsing() {
    let p = claims("");
    let with_kid = |len: usize| {
        let shell = r#"{"alg":"HS256","kid":""}"#.len();
        format!(r#"{{"alg":"HS256","kid":"{}"}}"#, "k".repeat(len - shell))
    };
    let at_cap = with_kid(MAX_HEADER_BYTES);
    assert_eq!(at_cap.len(), MAX_HEADER_BYTES);
    assert!(verify(&sign_raw(SECRET, &at_cap, &p)).is_ok());
    let over = with_kid(MAX_HEADER_BYTES + 1);
    assert_eq!(
        verify(&sign_raw(SECRET, &over, &p)).unwrap_err(),
        Error::InvalidHeader
    );
    // Refused whatever the bytes are: no JSON is read past the cap (here, not even JSON).
    let junk = "[".repeat(MAX_HEADER_BYTES + 1);
    assert_eq!(
        verify(&sign_raw(SECRET, &junk, &p)).unwrap_err(),
        Error::InvalidHeader
    );
    // Base64 is still judged first (rule order): a bad segment elsewhere wins.
    let bad_b64 = format!(
        "{}.{}.x=",
        base64url(over.as_bytes()),
        base64url(p.as_bytes())
    );
    assert_eq!(verify(&bad_b64).unwrap_err(), Error::InvalidBase64);
}

#[test]
fn self_routes_are_a_configured_list() {
    let h = format!("Bearer {}", token(&claims("")));
    let me = format!(
        "Bearer {}",
        token(&format!(
            r#"{{"sub":"me","email":"m@example.com","iat":{NOW},"exp":{}}}"#,
            NOW + 900
        ))
    );
    let listed = Gate::new(
        GateConfig::new(SECRET).self_routes(["/api/v1/me/profile", "GET /api/v1/me/tasks"]),
    )
    .unwrap();
    let at = |g: &Gate, path: &str, h: &str| g.authorize("GET", path, Some(h), NOW).map(|_| ());
    assert_eq!(at(&listed, "/api/v1/me/tasks", &h), Ok(()));
    assert_eq!(at(&listed, "/api/v1/m%65/tasks/", &h), Ok(()));
    assert_eq!(
        at(&listed, "/api/v1/me/settings", &h),
        Err(Error::UserMismatch)
    );
    // A method-bound entry covers that method (and HEAD for GET) only: the example origin
    // routes POST /me/tasks to /{user_id}/tasks, so the gate must too.
    let with = |method: &str| listed.authorize(method, "/api/v1/me/tasks", Some(&h), NOW);
    assert!(with("HEAD").is_ok());
    assert_eq!(with("POST").unwrap_err(), Error::UserMismatch);
    assert!(listed
        .authorize("POST", "/api/v1/me/profile", Some(&h), NOW)
        .is_ok());
    // The user called "me" owns every `/me/…` path by the `{user_id}` rule.
    assert_eq!(at(&gate(), "/api/v1/me/tasks", &me), Ok(()));
    let none = Gate::new(GateConfig::new(SECRET).self_routes_list("")).unwrap();
    assert_eq!(
        at(&none, "/api/v1/me/profile", &h),
        Err(Error::UserMismatch)
    );
    let v2 = Gate::new(GateConfig::new(SECRET).api_prefix("/v2/")).unwrap();
    assert_eq!(at(&v2, "/v2/me/profile", &h), Ok(()));
    assert_eq!(at(&v2, "/api/v1/me/profile", &h), Ok(()));
    assert_eq!(
        Gate::new(GateConfig::new(SECRET).self_routes(["/v2/me"])).unwrap_err(),
        ConfigError::InvalidSelfRoute { index: 0 }
    );
}
