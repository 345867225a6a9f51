//! Native runner of the request corpus: materializes `tests/corpus/cases.json` and checks
//! `Gate::authorize` against every case's expectation. The Node/Wasm, workerd and Next.js
//! runners consume the same materialization (`cargo run -q --example corpus`).

#[path = "corpus/materialize.rs"]
mod materialize;

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

const NOW: u64 = 1_767_225_600; // 2026-01-01T00:00:00Z; the corpus is relative to it.

fn corpus(now: u64) -> Value {
    materialize::materialize(materialize::CASES_JSON, now).expect("corpus materializes")
}

#[test]
fn every_case_matches_the_native_core() {
    let doc = corpus(NOW);
    let cases = doc["cases"].as_array().expect("cases");
    let mut failures = Vec::new();
    let mut per_group: BTreeMap<String, usize> = BTreeMap::new();
    for case in cases {
        let got = materialize::decide(&doc, case).expect("decision");
        if let Some(why) = materialize::mismatch(&case["expect"], &got) {
            failures.push(format!("{}: {why}", case["id"]));
        }
        *per_group
            .entry(case["group"].as_str().unwrap_or("?").into())
            .or_default() += 1;
    }
    println!("corpus: {} cases, groups {per_group:?}", cases.len());
    assert!(
        failures.is_empty(),
        "{} of {} cases disagree:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
    assert!(cases.len() >= 90, "corpus shrank to {} cases", cases.len());
}

#[test]
fn decisions_do_not_depend_on_the_clock() {
    // Tokens are minted relative to `now`: the same expectations hold at any time.
    for now in [1_000_000_000, 1_767_225_600, 4_102_444_800] {
        let doc = corpus(now);
        for case in doc["cases"].as_array().expect("cases") {
            let got = materialize::decide(&doc, case).expect("decision");
            assert!(
                materialize::mismatch(&case["expect"], &got).is_none(),
                "{} at {now}",
                case["id"]
            );
        }
    }
}

#[test]
fn corpus_is_well_formed_and_covers_issue_5() {
    let doc = corpus(NOW);
    let cases = doc["cases"].as_array().expect("cases");
    let ids: BTreeSet<&str> = cases.iter().filter_map(|c| c["id"].as_str()).collect();
    assert_eq!(ids.len(), cases.len(), "duplicate ids");
    for case in cases {
        let e = &case["expect"];
        let allow = e["allow"] == true;
        assert!(
            allow || (e["status"].is_u64() && e["code"].is_string()),
            "{}: bad expect",
            case["id"]
        );
        assert!(
            !allow || e["user"].is_string(),
            "{}: allow without user",
            case["id"]
        );
        // A documented origin status on an allowed case must not be an auth refusal.
        if allow && !case["origin"].is_null() {
            assert!(
                case["origin"] != 401 && case["origin"] != 403,
                "{}",
                case["id"]
            );
        }
        // A hardening case refuses something, and says why.
        if !case["hardening"].is_null() {
            assert!(!allow, "{}: hardening must be a refusal", case["id"]);
            assert!(
                case["hardening"].as_str().is_some_and(|r| r.len() > 10),
                "{}: reason",
                case["id"]
            );
        }
    }
    // Every error the request path can produce appears at least once (config-free ones).
    let codes: BTreeSet<&str> = cases
        .iter()
        .filter_map(|c| c["expect"]["code"].as_str())
        .collect();
    // `jwks_unavailable` is a host's state (a remote key set not fetched yet), not a request;
    // session mode's codes (and `bearer_session_token`, which only a session-aware client
    // sends) are held by the session tests (src/session_tests.rs, tests/sessions/,
    // tests/better-auth/); `alg_not_in_build` is a build's (a key set with keys of an
    // algorithm compiled out: tests/algorithms.rs and the npm entry tests cover it).
    for e in jwtgate::Error::ALL.into_iter().filter(|e| {
        *e != jwtgate::Error::KeysUnavailable
            && *e != jwtgate::Error::AlgNotInBuild
            && !e.code().starts_with("session_")
            && !e.code().starts_with("csrf_")
            && *e != jwtgate::Error::BearerSessionToken
    }) {
        assert!(codes.contains(e.code()), "no case for {}", e.code());
    }
    // Boundaries named by issue 5 §1.
    for id in [
        "lifetime-899",
        "lifetime-900",
        "lifetime-1800",
        "lifetime-1801",
        "exp-equals-now",
        "leeway-expired-20s-ago",
        "alg-none-empty-sig",
        "alg-RS256-secret-as-hmac-key",
        "pad-signature",
        "std-alphabet-signature",
        "noncanonical-last-char",
        "two-segments",
        "four-segments",
        "payload-dup-sub-last-wins",
        "header-dup-alg-none-then-hs256",
        "crit-exp",
        "b64-false",
        "token-10k-bytes",
        "auth-tab-separator",
        "path-dotdot-encoded",
        "path-encoded-slash",
        "path-double-slash-before-user",
        "path-prefix-uppercase-other-user",
        "path-me-tasks",
        "path-unicode-nfd-vs-nfc",
    ] {
        assert!(ids.contains(id), "missing case {id}");
    }
}

#[test]
fn mutations_really_mutate() {
    // Guards the materializer itself: the tampered tokens differ from a clean one in the
    // intended way, so a no-op mutation cannot make a case pass vacuously.
    let doc = corpus(NOW);
    let by_id = |id: &str| -> &Value {
        doc["cases"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == id)
            .unwrap()
    };
    let token = |id: &str| by_id(id)["token"].as_str().unwrap().to_string();
    let clean = token("lifetime-900");
    assert_eq!(clean.split('.').count(), 3);
    assert!(token("pad-signature").ends_with('='));
    assert!(token("std-alphabet-signature")
        .rsplit('.')
        .next()
        .unwrap()
        .contains(['+', '/']));
    let nc = token("noncanonical-last-char");
    assert_eq!(nc.len(), clean.len());
    assert_ne!(nc, clean);
    assert_eq!(token("two-segments").split('.').count(), 2);
    assert_eq!(token("four-segments").split('.').count(), 4);
    assert!(token("token-10k-bytes").len() > jwtgate::MAX_TOKEN_BYTES);
    assert!(token("token-7900-bytes").len() > 7_000);
    assert!(token("token-7900-bytes").len() <= jwtgate::MAX_TOKEN_BYTES);
    let swapped = token("swap-payload-other-user");
    // Same signature as the clean token (same claims signed), another payload.
    assert_eq!(swapped.rsplit('.').next(), clean.rsplit('.').next());
    assert_ne!(swapped.split('.').nth(1), clean.split('.').nth(1));
    assert!(by_id("auth-absent")["headers"]
        .as_array()
        .unwrap()
        .is_empty());
}
