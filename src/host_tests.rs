//! The host contract (src/host.rs, src/origin.rs) through the public API: one reading of
//! the request around the token, and one origin plan, for every host.

use alloc::borrow::Cow;
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use crate::tests::{claims, token, NOW, SECRET};
use crate::*;

fn gate() -> Gate {
    Gate::new(GateConfig::new(SECRET)).unwrap()
}

fn bearer() -> String {
    format!("Bearer {}", token(&claims("")))
}

fn decide(g: &Gate, target: &str, mount: Mount<'_>, auth: Field<'_>) -> Verdict<String> {
    match g.decide(&HostRequest::new("GET", target, auth).mounted(mount), NOW) {
        Verdict::Allow(v) => Verdict::Allow(String::from(v.user_id())),
        Verdict::Pass => Verdict::Pass,
        Verdict::Refuse(e) => Verdict::Refuse(e),
        other => panic!("no session mode here: {other:?}"),
    }
}

#[test]
fn the_router_path_is_judged_behind_a_root_path() {
    let g = gate();
    let h = bearer();
    let auth = Field::Value(&h);
    let asgi = |root, path| Mount::Asgi {
        root_path: root,
        path,
    };
    // uvicorn --root-path /backend, or app.mount("/backend", sub): the raw target carries
    // the prefix; the app routes /api/v1/u2/tasks, and that is what is judged.
    let mounted = asgi("/backend", "/backend/api/v1/u2/tasks");
    assert_eq!(
        decide(&g, "/backend/api/v1/u2/tasks", mounted, auth),
        Verdict::Refuse(Error::UserMismatch)
    );
    assert_eq!(
        decide(&g, "/backend/api/v1/u2/tasks", mounted, Field::Absent),
        Verdict::Refuse(Error::MissingAuthorization)
    );
    assert_eq!(
        decide(
            &g,
            "/backend/api/v1/u1/tasks?x=1",
            asgi("/backend", "/backend/api/v1/u1/tasks"),
            auth
        ),
        Verdict::Allow(String::from("u1"))
    );
    // FastAPI(root_path=...): root_path set, path not prefixed: routed as it is.
    assert_eq!(
        decide(
            &g,
            "/api/v1/u2/tasks",
            asgi("/backend", "/api/v1/u2/tasks"),
            auth
        ),
        Verdict::Refuse(Error::UserMismatch)
    );
    // Routed into the mount by its decoded path, while the raw bytes differ: refused.
    assert_eq!(
        decide(
            &g,
            "/back%65nd/api/v1/u2/tasks",
            asgi("/backend", "/backend/api/v1/u2/tasks"),
            Field::Absent
        ),
        Verdict::Refuse(Error::InvalidPath)
    );
    // Outside the prefix after the mount: passes; a root that is not a segment prefix
    // (/back vs /backend) routes the whole path, as Starlette does.
    assert_eq!(
        decide(
            &g,
            "/backend/health",
            asgi("/backend", "/backend/health"),
            Field::Absent
        ),
        Verdict::Pass
    );
    assert_eq!(
        decide(
            &g,
            "/backend/api/v1/u2/tasks",
            asgi("/back", "/backend/api/v1/u2/tasks"),
            Field::Absent
        ),
        Verdict::Pass
    );
    // The mount root itself routes "" (nothing under the prefix).
    assert_eq!(
        decide(&g, "/backend", asgi("/backend/", "/backend"), Field::Absent),
        Verdict::Pass
    );
}

#[test]
fn repeated_authorization_is_one_rule_in_both_forms() {
    let g = gate();
    let h = bearer();
    let target = "/api/v1/u1/tasks";
    for lines in [
        alloc::vec![h.as_str(), h.as_str()],
        alloc::vec!["", h.as_str()],
        alloc::vec![h.as_str(), ""],
        alloc::vec!["Basic x", h.as_str()],
    ] {
        let joined = lines.join(", ");
        let as_lines = decide(&g, target, Mount::Whole, Field::Lines(&lines));
        let as_joined = decide(&g, target, Mount::Whole, Field::Value(&joined));
        assert_eq!(as_lines, as_joined, "{lines:?}");
        assert!(!as_lines.forwards(), "{lines:?}");
    }
    let one = [h.as_str()];
    assert_eq!(
        decide(&g, target, Mount::Whole, Field::Lines(&one)),
        Verdict::Allow(String::from("u1"))
    );
    assert_eq!(
        decide(&g, target, Mount::Whole, Field::Lines(&[])),
        Verdict::Refuse(Error::MissingAuthorization)
    );
}

#[test]
fn an_oversized_authorization_is_judged_by_its_head() {
    let g = gate();
    let huge = format!("Bearer {}", "a".repeat(1 << 20));
    let target = "/api/v1/u1/tasks";
    assert_eq!(
        decide(&g, target, Mount::Whole, Field::Value(&huge)),
        Verdict::Refuse(Error::TokenTooLarge)
    );
    // What a host that never copies the value gets from the head alone: the same.
    assert_eq!(
        oversized_authorization(huge.as_bytes().get(..10).unwrap()),
        Error::TokenTooLarge
    );
    let basic = format!("Basic {}", "a".repeat(1 << 20));
    assert_eq!(
        decide(&g, target, Mount::Whole, Field::Value(&basic)),
        Verdict::Refuse(Error::MissingAuthorization)
    );
    let spaced = format!("  \tBearer {}", "a".repeat(MAX_AUTHORIZATION_BYTES));
    assert_eq!(
        oversized_authorization(spaced.as_bytes()),
        Error::TokenTooLarge
    );
    // The host that hands over only the head gets the same answers, the method rule first.
    fn head(v: &str) -> Field<'_> {
        Field::Oversized(&v.as_bytes()[..AUTHORIZATION_HEAD_BYTES])
    }
    assert_eq!(
        decide(&g, target, Mount::Whole, head(&huge)),
        Verdict::Refuse(Error::TokenTooLarge)
    );
    assert_eq!(
        decide(&g, target, Mount::Whole, head(&basic)),
        Verdict::Refuse(Error::MissingAuthorization)
    );
    assert_eq!(
        decide(&g, "/health", Mount::Whole, head(&huge)),
        Verdict::Pass
    );
    let bad_method = HostRequest::new("G T", target, head(&huge));
    assert_eq!(
        g.authorize_request(&bad_method, NOW).unwrap_err(),
        Error::InvalidMethod
    );
    // At the limit, the value is read in full as before.
    let at_limit = format!("Bearer {}", "a".repeat(MAX_TOKEN_BYTES));
    assert_eq!(
        bearer_token(Some(&at_limit)).map(str::len),
        Ok(MAX_TOKEN_BYTES)
    );
}

#[test]
fn the_cached_gate_decides_the_same() {
    let mut cached = CachedGate::new(gate(), 16);
    let h = bearer();
    let lines = [h.as_str(), h.as_str()];
    for (target, auth) in [
        ("/api/v1/u1/tasks", Field::Value(&h)),
        ("/api/v1/u1/tasks", Field::Value(&h)),
        ("/api/v1/u2/tasks", Field::Value(&h)),
        ("/health", Field::Absent),
        ("/api/v1/u1/tasks", Field::Lines(&lines)),
    ] {
        let request = HostRequest::new("GET", target, auth);
        let plain = gate().decide(&request, NOW).refusal();
        let via_cache = cached.decide(&request, NOW).refusal();
        assert_eq!(plain, via_cache, "{target}");
    }
}

fn plan_of(
    g: &Gate,
    input: &OriginInput<'_>,
    allowed: bool,
) -> (Vec<String>, Vec<(String, String)>) {
    let verified = g.verify(&token(&claims("")), NOW).unwrap();
    let plan = g.origin_plan(input, allowed.then_some(&verified));
    (
        plan.remove
            .iter()
            .map(|n| String::from(n.as_ref()))
            .collect(),
        plan.set
            .iter()
            .map(|(n, v)| (String::from(*n), v.clone()))
            .collect(),
    )
}

#[test]
fn the_origin_plan_sets_identity_and_facts_and_drops_the_rest() {
    let g = gate();
    let input = OriginInput {
        hop: Hop::Proxy,
        connection: Some("close, X-Secret-Hop , bad name"),
        cookie: Some("theme=dark; better-auth.session_token=abc.def; __Secure-better-auth.session_data.0=x; better-auth-admin_session=y; a=b"),
        forwarded_for: Some("6.6.6.6"),
        facts: HostFacts {
            client_address: Some("203.0.113.7"),
            scheme: Some("https:"),
            host: Some("app.example.com"),
        },
    };
    let (remove, set) = plan_of(&g, &input, true);
    for name in [
        "x-user-id",
        "x-user-email",
        "connection",
        "host",
        "x-secret-hop",
        "forwarded",
        "x-forwarded-for",
        "x-real-ip",
        "cookie",
    ] {
        assert!(remove.iter().any(|n| n == name), "{name} not removed");
    }
    assert!(!remove.iter().any(|n| n == "bad name"));
    let get = |name: &str| set.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str());
    assert_eq!(get("x-user-id"), Some("u1"));
    assert_eq!(get("x-user-email"), Some("a@example.com"));
    assert_eq!(get("x-forwarded-for"), Some("203.0.113.7"));
    assert_eq!(get("x-forwarded-proto"), Some("https"));
    assert_eq!(get("x-forwarded-host"), Some("app.example.com"));
    assert_eq!(
        get("forwarded"),
        Some("for=203.0.113.7;host=\"app.example.com\";proto=https")
    );
    assert_eq!(get("cookie"), Some("theme=dark; a=b"));
    assert_eq!(
        get("authorization"),
        None,
        "forward mode keeps the client's token"
    );

    // Outside the prefix: identity removed, never set.
    let (remove, set) = plan_of(&g, &input, false);
    assert!(remove.iter().any(|n| n == "x-user-id"));
    assert!(!set.iter().any(|(n, _)| n.starts_with("x-user")));

    // In process: identity only.
    let in_process = OriginInput {
        hop: Hop::InProcess,
        ..input
    };
    let (remove, set) = plan_of(&g, &in_process, true);
    assert_eq!(remove, ["x-user-id", "x-user-email"]);
    assert_eq!(set.len(), 2);

    // A second `Cookie` line joined with ", " (a Fetch `Headers`) cannot carry one through.
    let joined = OriginInput {
        cookie: Some("theme=dark, better-auth.session_token=abc.def, a=b"),
        ..input
    };
    let (_, set) = plan_of(&g, &joined, true);
    let get = |name: &str| set.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str());
    assert_eq!(get("cookie"), Some("theme=dark; a=b"));
}

#[test]
fn the_origin_plan_options() {
    let input = OriginInput {
        hop: Hop::Proxy,
        cookie: Some("better-auth.session_token=abc; my_sid=1; my_sid.3=2; app=1"),
        forwarded_for: Some("198.51.100.1"),
        facts: HostFacts {
            client_address: Some("2001:db8::1"),
            scheme: Some("javascript"),
            host: Some("evil\"host"),
        },
        ..OriginInput::default()
    };
    // Trusted proxies: their statements stand, this hop appends the address it saw.
    let trusting = Gate::new(GateConfig::new(SECRET).trusted_proxies(1)).unwrap();
    let (remove, set) = plan_of(&trusting, &input, true);
    assert!(!remove.iter().any(|n| n == "x-forwarded-proto"));
    assert!(set.contains(&(
        String::from("x-forwarded-for"),
        String::from("198.51.100.1, 2001:db8::1")
    )));
    // Untrusted: malformed facts are left out, IPv6 bracketed in Forwarded.
    let (_, set) = plan_of(&gate(), &input, true);
    let get = |name: &str| set.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone());
    assert_eq!(get("forwarded").as_deref(), Some("for=\"[2001:db8::1]\""));
    assert_eq!(get("x-forwarded-proto"), None);
    assert_eq!(get("x-forwarded-host"), None);
    // Extra cookie names, with their chunks; forwarding them all on request.
    let extra = Gate::new(GateConfig::new(SECRET).strip_cookies(["my_sid"])).unwrap();
    let (_, set) = plan_of(&extra, &input, true);
    assert!(set.contains(&(String::from("cookie"), String::from("app=1"))));
    let keep = Gate::new(GateConfig::new(SECRET).forward_auth_cookies(true)).unwrap();
    let (remove, _) = plan_of(&keep, &input, true);
    assert!(!remove.iter().any(|n| n == "cookie"));
    // Another prefix.
    let custom = Gate::new(GateConfig::new(SECRET).cookie_prefix("myapp")).unwrap();
    let (remove, _) = plan_of(&custom, &input, true);
    assert!(
        !remove.iter().any(|n| n == "cookie"),
        "better-auth.* is not myapp's"
    );
    // A pair no field value can carry is not passed on (the plan never writes a CTL).
    let ctl = OriginInput {
        cookie: Some("a=1; \0b=2; c=3"),
        ..input
    };
    let (_, set) = plan_of(&gate(), &ctl, true);
    assert!(set.contains(&(String::from("cookie"), String::from("a=1; c=3"))));
    // No auth cookie at all: the header is left alone.
    let plain = OriginInput {
        cookie: Some("a=1; b=2"),
        ..input
    };
    let (remove, _) = plan_of(&gate(), &plain, true);
    assert!(!remove.iter().any(|n| n == "cookie"));
    // Bad names are configuration errors.
    assert_eq!(
        Gate::new(GateConfig::new(SECRET).cookie_prefix(""))
            .unwrap_err()
            .code(),
        "invalid_cookie_name"
    );
    assert_eq!(
        Gate::new(GateConfig::new(SECRET).strip_cookies(["a b"]))
            .unwrap_err()
            .code(),
        "invalid_cookie_name"
    );
}

#[test]
fn the_bridge_is_part_of_the_plan() {
    let g = Gate::new(GateConfig::new(SECRET).origin_token(OriginToken::Hs256)).unwrap();
    let (_, set) = plan_of(&g, &OriginInput::default(), true);
    let auth = set
        .iter()
        .find(|(n, _)| n == "authorization")
        .map(|(_, v)| v.clone())
        .unwrap();
    let bridged = auth.strip_prefix("Bearer ").unwrap();
    assert_eq!(g.verify(bridged, NOW).unwrap().user_id(), "u1");
    let json = g.origin_plan(&OriginInput::default(), None).to_json();
    assert!(json.starts_with("{\"remove\":[\"x-user-id\""), "{json}");
    let _: Cow<'_, str> = Cow::Borrowed("");
}

#[test]
fn refusals_carry_every_response_header() {
    let headers: Vec<_> = Error::MissingAuthorization.response_headers().collect();
    assert_eq!(
        headers,
        [
            ("content-type", "application/json"),
            ("cache-control", "no-store"),
            ("www-authenticate", "Bearer")
        ]
    );
    assert_eq!(Error::UserMismatch.response_headers().count(), 2);
    assert_eq!(Error::KeysUnavailable.status(), 503);
    assert_eq!(
        Error::from_code("jwks_unavailable"),
        Some(Error::KeysUnavailable)
    );
    assert_eq!(Error::from_code("nope"), None);
}

#[test]
fn the_clock_fails_closed() {
    assert_eq!(clock_seconds(f64::NAN), u64::MAX);
    assert_eq!(clock_seconds(f64::INFINITY), u64::MAX);
    assert_eq!(clock_seconds(-5.0), 0);
    assert_eq!(clock_seconds(1.9), 1);
}

#[test]
fn config_errors_name_the_field_in_each_hosts_naming() {
    let e = Gate::new(GateConfig::new(SECRET).previous_secret("short")).unwrap_err();
    assert_eq!(e.option(), Some("previousSecrets"));
    assert!(e.to_string().starts_with("previousSecrets[0] "), "{e}");
    assert!(e
        .message(Naming::Python)
        .starts_with("previous_secrets[0] "));
    assert!(e
        .message(Naming::Env)
        .starts_with("BETTER_AUTH_PREVIOUS_SECRETS[0] "));
    let e = Gate::new(GateConfig::new(SECRET).lifetime_seconds(10, 5)).unwrap_err();
    assert_eq!(
        e.message(Naming::Python),
        "min_lifetime_seconds must not exceed max_lifetime_seconds"
    );
    // Every option has a name in every naming, and no two options share one.
    for naming in [Naming::Js, Naming::Python, Naming::Env] {
        let names: Vec<_> = OPTIONS.iter().map(|o| o.name(naming)).collect();
        for (i, n) in names.iter().enumerate() {
            assert!(!n.is_empty());
            assert!(!names[i + 1..].contains(n), "{n} twice");
        }
    }
}

#[test]
fn a_host_awaiting_its_key_set_gets_the_same_pass_and_plan() {
    let g = gate();
    let config = g.config();
    let pass = HostRequest::new("GET", "/health?x=1", Field::Absent);
    assert_eq!(config.decide_awaiting_key_set::<()>(&pass), Verdict::Pass);
    for target in ["/api/v1/u1/tasks", "/api/v1/u1/../u2", "/api/v1/"] {
        let req = HostRequest::new("GET", target, Field::Value("Bearer x"));
        assert_eq!(
            config.decide_awaiting_key_set::<()>(&req),
            Verdict::Refuse(Error::KeysUnavailable),
            "{target}"
        );
    }
    let input = OriginInput {
        hop: Hop::Proxy,
        connection: Some("x-hop"),
        cookie: Some("better-auth.session_token=a; a=b"),
        forwarded_for: None,
        facts: HostFacts {
            client_address: Some("203.0.113.7"),
            scheme: Some("https:"),
            host: Some("app.example.com"),
        },
    };
    assert_eq!(
        config.origin_plan_without_identity(&input),
        g.origin_plan(&input, None)
    );
}
