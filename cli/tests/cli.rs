//! Runs the built `jwtgate` binary: exit codes and output are its contract.

use std::io::Write;
use std::process::{Command, Output, Stdio};

const SECRET: &str = "k3Jx9vQ2mW7pL4tZ8rB6nC1yH5sD0fGa";
const OTHER_SECRET: &str = "Zq8Lw3Np6Rt1Vx9Bc4Hm7Jd2Kf5Gs0Ya";
const NOW: u64 = 1_700_000_000;

/// The binary with a clean, known environment (no configuration leaks in from the caller).
fn jwtgate(secret: Option<&str>) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_jwtgate"));
    for var in [
        "BETTER_AUTH_SECRET",
        "BETTER_AUTH_PREVIOUS_SECRETS",
        "JWTGATE_ISSUER",
        "JWTGATE_AUDIENCE",
        "JWTGATE_LEEWAY",
        "JWTGATE_API_PREFIX",
        "JWTGATE_SELF_ROUTES",
        "JWT_ISSUER",
        "JWT_AUDIENCE",
        "ISSUER",
        "AUDIENCE",
        "JWTGATE_ISSUER",
        "LEEWAY_SECONDS",
        "MIN_LIFETIME_SECONDS",
        "MAX_LIFETIME_SECONDS",
        "API_PREFIX",
        "SELF_ROUTES",
        "JWKS",
    ] {
        cmd.env_remove(var);
    }
    if let Some(secret) = secret {
        cmd.env("BETTER_AUTH_SECRET", secret);
    }
    cmd
}

fn run(cmd: &mut Command) -> (i32, String, String) {
    let Output {
        status,
        stdout,
        stderr,
    } = cmd.output().expect("run jwtgate");
    (
        status.code().expect("exit code"),
        String::from_utf8(stdout).expect("utf-8 stdout"),
        String::from_utf8(stderr).expect("utf-8 stderr"),
    )
}

fn mint(secret: &str, sub: &str, iat: u64, ttl: u64) -> String {
    let (code, out, err) = run(jwtgate(Some(secret)).args([
        "mint",
        "--sub",
        sub,
        "--email",
        "ann@example.com",
        "--name",
        "Ann",
        "--iat",
        &iat.to_string(),
        "--ttl",
        &ttl.to_string(),
    ]));
    assert_eq!(code, 0, "mint failed: {err}");
    let token = out.trim().to_string();
    assert_eq!(token.split('.').count(), 3, "not a JWS: {token}");
    token
}

fn check(secret: &str, token: &str, extra: &[&str]) -> (i32, String, String) {
    run(jwtgate(Some(secret))
        .args(["check", token, "--now", &NOW.to_string()])
        .args(extra))
}

#[test]
fn mint_then_check_is_allowed() {
    let token = mint(SECRET, "user-1", NOW, 900);
    let (code, out, _) = check(SECRET, &token, &["--path", "/api/v1/user-1/tasks"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.starts_with("allowed"), "{out}");
    assert!(out.contains("user id: user-1"), "{out}");
    assert!(out.contains("email:   ann@example.com"), "{out}");
    assert!(out.contains(&format!("exp:     {}", NOW + 900)), "{out}");

    // Token only, /me/ paths and POST are allowed too.
    assert_eq!(check(SECRET, &token, &[]).0, 0);
    let (code, out, _) = check(
        SECRET,
        &token,
        &["--path", "/api/v1/me/profile", "--method", "POST"],
    );
    assert_eq!(code, 0, "{out}");
}

#[test]
fn self_routes_come_from_the_environment() {
    let token = mint(SECRET, "user-1", NOW, 900);
    let at = |routes: Option<&str>, path: &str| {
        let mut cmd = jwtgate(Some(SECRET));
        if let Some(routes) = routes {
            cmd.env("SELF_ROUTES", routes);
        }
        run(cmd.args(["check", &token, "--now", &NOW.to_string(), "--path", path]))
    };
    // Default: only the spec's /api/v1/me/profile; /me/tasks names the user "me".
    assert_eq!(at(None, "/api/v1/me/profile").0, 0);
    let (code, out, _) = at(None, "/api/v1/me/tasks");
    assert_eq!(code, 1, "{out}");
    assert!(out.starts_with("refused: 403 user_mismatch"), "{out}");
    let listed = Some("/api/v1/me/profile, GET /api/v1/me/tasks");
    assert_eq!(at(listed, "/api/v1/me/tasks").0, 0);
    assert_eq!(at(Some(""), "/api/v1/me/profile").0, 1);
    let (code, _, err) = at(Some("/elsewhere/me"), "/api/v1/me/profile");
    assert_eq!(code, 2);
    assert!(err.contains("invalid_self_route"), "{err}");
}

#[test]
fn another_users_path_is_403() {
    let token = mint(SECRET, "user-1", NOW, 900);
    let (code, out, _) = check(SECRET, &token, &["--path", "/api/v1/user-2/tasks"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.starts_with("refused: 403 user_mismatch"), "{out}");
    assert!(
        out.contains("User ID in path does not match authenticated user"),
        "{out}"
    );
    assert!(out.contains("rule:   path rule"), "{out}");
}

#[test]
fn expired_at_a_later_now_is_401() {
    let token = mint(SECRET, "user-1", NOW - 1000, 900);
    let (code, out, _) = check(SECRET, &token, &["--path", "/api/v1/user-1/tasks"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.starts_with("refused: 401 token_expired"), "{out}");
    assert!(out.contains("detail: Token expired"), "{out}");
    assert!(out.contains("expiry rule"), "{out}");
    // The same token, checked at its issue time, is fine.
    let (code, _, _) =
        run(jwtgate(Some(SECRET)).args(["check", &token, "--now", &(NOW - 1000).to_string()]));
    assert_eq!(code, 0);
}

#[test]
fn lifetime_signature_and_format_refusals() {
    let short = mint(SECRET, "user-1", NOW, 60);
    let (code, out, _) = check(SECRET, &short, &[]);
    assert_eq!(code, 1);
    assert!(out.starts_with("refused: 401 invalid_lifetime"), "{out}");
    assert!(out.contains("lifetime=60 s"), "{out}");

    let foreign = mint(OTHER_SECRET, "user-1", NOW, 900);
    let (code, out, _) = check(SECRET, &foreign, &[]);
    assert_eq!(code, 1);
    assert!(out.starts_with("refused: 401 invalid_signature"), "{out}");

    // ...unless the other secret is a previous one still accepted during a rotation.
    let (code, out, _) = run(jwtgate(Some(SECRET))
        .env("BETTER_AUTH_PREVIOUS_SECRETS", format!(" {OTHER_SECRET} ,"))
        .args(["check", &foreign, "--now", &NOW.to_string()]));
    assert_eq!(code, 0, "{out}");

    let (code, out, _) = check(SECRET, "not-a-token", &[]);
    assert_eq!(code, 1);
    assert!(out.starts_with("refused: 401 malformed_token"), "{out}");
}

#[test]
fn token_from_stdin() {
    let token = mint(SECRET, "user-1", NOW, 1800);
    let mut child = jwtgate(Some(SECRET))
        .args(["check", "-", "--path", "/api/v1/user-1/tasks", "--now"])
        .arg(NOW.to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn");
    writeln!(child.stdin.take().expect("stdin"), "{token}").expect("write");
    let out = child.wait_with_output().expect("wait");
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn missing_or_weak_secret_is_a_usage_error() {
    let (code, out, err) = run(jwtgate(None).args(["mint", "--sub", "u", "--email", "e@x"]));
    assert_eq!(code, 2);
    assert!(out.is_empty());
    assert!(err.contains("BETTER_AUTH_SECRET is not set"), "{err}");

    let (code, _, err) = run(jwtgate(None).args(["check", "a.b.c"]));
    assert_eq!(code, 2);
    assert!(err.contains("BETTER_AUTH_SECRET is not set"), "{err}");

    let weak = "too-short-secret";
    let (code, out, err) = run(jwtgate(Some(weak)).args(["check", "a.b.c"]));
    assert_eq!(code, 2);
    assert!(err.contains("secret_too_short"), "{err}");
    assert!(!out.contains(weak) && !err.contains(weak), "secret printed");
}

#[test]
fn the_secret_is_never_printed() {
    let token = mint(SECRET, "user-1", NOW, 900);
    for args in [
        vec!["check", token.as_str(), "--path", "/api/v1/user-2/tasks"],
        vec!["check", token.as_str()],
        vec!["--help"],
        vec!["mint", "--help"],
    ] {
        let (_, out, err) = run(jwtgate(Some(SECRET)).args(&args));
        assert!(!out.contains(SECRET) && !err.contains(SECRET), "{args:?}");
    }
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(run(jwtgate(Some(SECRET)).arg("frobnicate")).0, 2);
    assert_eq!(run(jwtgate(Some(SECRET)).args(["mint", "--sub", "u"])).0, 2);
    assert_eq!(run(jwtgate(Some(SECRET)).args(["check"])).0, 2);
    assert_eq!(run(jwtgate(Some(SECRET)).arg("--help")).0, 0);
}

#[test]
fn options_use_the_tables_env_names_and_older_names_still_work() {
    let token = |iss: &str| {
        let mut cmd = jwtgate(Some(SECRET));
        let (code, out, err) = run(cmd.args([
            "mint",
            "--sub",
            "u1",
            "--email",
            "u1@example.com",
            "--iat",
            &NOW.to_string(),
            "--iss",
            iss,
        ]));
        assert_eq!(code, 0, "{err}");
        out.trim().to_string()
    };
    let check_with = |var: &str, token: &str| {
        let mut cmd = jwtgate(Some(SECRET));
        cmd.env(var, "https://app.example");
        run(cmd.args(["check", token, "--now", &(NOW + 60).to_string()]))
    };
    let good = token("https://app.example");
    let bad = token("https://evil.example");
    for var in ["JWT_ISSUER", "ISSUER", "JWTGATE_ISSUER"] {
        let (code, out, err) = check_with(var, &good);
        assert_eq!(code, 0, "{var}: {out}{err}");
        let (code, out, err) = check_with(var, &bad);
        assert_eq!(code, 1, "{var}: {out}");
        assert!(
            out.starts_with("refused: 401 invalid_issuer"),
            "{var}: {out}"
        );
        if var == "JWT_ISSUER" {
            assert!(err.is_empty(), "{err}");
        } else {
            assert!(
                err.contains(&format!("{var} is read as JWT_ISSUER")),
                "{var}: {err}"
            );
        }
    }
    // A configuration error names the variable at fault.
    let mut cmd = jwtgate(Some(SECRET));
    cmd.env("API_PREFIX", "api");
    let (code, _, err) = run(cmd.args(["check", &good]));
    assert_eq!(code, 2);
    assert!(err.contains("invalid_api_prefix, API_PREFIX"), "{err}");
    assert!(err.contains("API_PREFIX must start"), "{err}");
}

/// Issue 24: a key set in `JWKS` (the JSON text of Better Auth's /api/auth/jwks) checks the
/// jwt() plugin's tokens of every algorithm; real Better Auth tokens
/// (tests/fixtures/better-auth/algorithms.json, from mint-algorithms.mjs).
#[test]
fn check_with_a_key_set_of_every_algorithm() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/fixtures/better-auth/algorithms.json"
    );
    let f: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let base = f["baseURL"].as_str().unwrap();
    let jwks = f["multi"]["jwks"].to_string();
    for (alg, t) in f["multi"]["tokens"].as_object().unwrap() {
        let token = t["token"].as_str().unwrap();
        let user = t["userId"].as_str().unwrap();
        let payload = token.split('.').nth(1).unwrap();
        let claims: serde_json::Value =
            serde_json::from_slice(&base64_url_decode(payload)).unwrap();
        let now = claims["iat"].as_u64().unwrap().to_string();
        let mut cmd = jwtgate(None);
        cmd.env("JWKS", &jwks)
            .env("JWT_ISSUER", base)
            .env("JWT_AUDIENCE", base);
        let own = format!("/api/v1/{user}/tasks");
        let (code, out, err) = run(cmd.args(["check", token, "--now", &now, "--path", &own]));
        assert_eq!(code, 0, "{alg}: {out}{err}");
        let mut cmd = jwtgate(None);
        cmd.env("JWKS", &jwks)
            .env("JWT_ISSUER", base)
            .env("JWT_AUDIENCE", base);
        let (code, out, _) =
            run(cmd.args(["check", token, "--now", &now, "--path", "/api/v1/x/tasks"]));
        assert_eq!(code, 1, "{alg}");
        assert!(out.contains("user_mismatch"), "{alg}: {out}");
    }
    // A weak RSA key is a configuration error naming the variable.
    let weak = serde_json::json!({ "keys": [f["attacks"]["keys"]["rsa1024"]] }).to_string();
    let mut cmd = jwtgate(None);
    cmd.env("JWKS", &weak)
        .env("JWT_ISSUER", base)
        .env("JWT_AUDIENCE", base);
    let (code, _, err) = run(cmd.args(["check", "x.y.z"]));
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("weak_rsa_key") && err.contains("JWKS"),
        "{err}"
    );
}

fn base64_url_decode(s: &str) -> Vec<u8> {
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut bits = 0u32;
    let mut n = 0;
    let mut out = Vec::new();
    for c in s.bytes() {
        let v = alphabet.iter().position(|a| *a == c).unwrap() as u32;
        bits = (bits << 6) | v;
        n += 6;
        if n >= 8 {
            n -= 8;
            out.push((bits >> n) as u8);
        }
    }
    out
}
