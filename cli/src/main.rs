//! `jwtgate`: mint test tokens and ask the core what it decides about a token and a request.
//!
//! Every decision is the core's (`Gate::verify` / `Gate::authorize`); this binary only reads
//! the configuration from the environment, formats the answer and picks the exit code:
//! 0 allowed, 1 refused, 2 usage or configuration error. It never prints a secret.

use std::env;
use std::io::{self, Read, Write};
use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use clap::{Parser, Subcommand};
use jwtgate::options::option;
use jwtgate::{
    CacheStrategy, Error, Field, Gate, GateConfig, HostRequest, KeySet, Naming, SessionConfig,
    Verdict, VerifiedToken,
};

const EXIT_REFUSED: u8 = 1;
const EXIT_USAGE: u8 = 2;

/// Mint and check Better Auth-style HS256 JWTs with the jwtgate core.
///
/// Configuration comes from the environment, by the names the worker and the examples
/// read (the core's options table): BETTER_AUTH_SECRET (required unless JWKS is set),
/// JWKS (a key set's JSON text, e.g. Better Auth's /api/auth/jwks: EdDSA, ES256, ES512,
/// RS256 and PS256 tokens),
/// BETTER_AUTH_PREVIOUS_SECRETS (comma-separated, accepted during a rotation),
/// JWT_ISSUER, JWT_AUDIENCE, LEEWAY_SECONDS, MIN_LIFETIME_SECONDS, MAX_LIFETIME_SECONDS,
/// API_PREFIX (default /api/v1/), SELF_ROUTES (comma-separated full paths that need only a
/// valid token; default /api/v1/me/profile; set but empty: none). The older names
/// (the table's `env_aliases`: JWTGATE_ISSUER, JWTGATE_LEEWAY, ISSUER, …) still work, with a
/// note naming the new one.
#[derive(Parser, Debug)]
#[command(name = "jwtgate", version, about, long_about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Print a token signed with BETTER_AUTH_SECRET (for tests and demos).
    Mint(MintArgs),
    /// Print the core's decision on a token (and optionally a request path); exit 1 when refused.
    Check(CheckArgs),
    /// Print the core's decision on Better Auth session cookies (session mode): which rule
    /// allows or refuses them, or why their cookie cache cannot decide; exit 1 unless allowed.
    ///
    /// Session settings come from SESSION_STRATEGY (compact, jwt, jwe, jwks; default
    /// compact), BETTER_AUTH_URL, BETTER_AUTH_TRUSTED_ORIGINS, SECURE_COOKIES,
    /// SESSION_CACHE_VERSION, SESSION_CACHE_MAX_AGE, COOKIE_PREFIX and, for jwks, JWKS
    /// with JWT_ISSUER / JWT_AUDIENCE. Cookie values are never printed.
    CheckSession(CheckSessionArgs),
}

#[derive(clap::Args, Debug)]
struct CheckSessionArgs {
    /// The request's `Cookie` header, or `-` to read it from standard input.
    cookie: String,
    /// The request path.
    #[arg(long, default_value = "/api/v1/me/profile")]
    path: String,
    /// HTTP method (anything but GET, HEAD, OPTIONS meets the CSRF rule).
    #[arg(long, default_value = "GET")]
    method: String,
    /// The request's `Origin`.
    #[arg(long)]
    origin: Option<String>,
    /// The request's `Referer`.
    #[arg(long)]
    referer: Option<String>,
    /// Better Auth's get-session answer (JSON, or a file with `@path`): decide as a host
    /// does after a refresh.
    #[arg(long)]
    refreshed: Option<String>,
    /// The clock, in seconds since the epoch (default: now).
    #[arg(long)]
    now: Option<u64>,
    /// One JSON line (`verdict`, `code`, `sub`) instead of text.
    #[arg(long)]
    json: bool,
}

#[derive(clap::Args, Debug)]
struct MintArgs {
    /// The user id (`sub` claim).
    #[arg(long)]
    sub: String,
    /// The `email` claim.
    #[arg(long)]
    email: String,
    /// The `name` claim (optional).
    #[arg(long)]
    name: Option<String>,
    /// Lifetime in seconds: `exp = iat + ttl` (the default policy accepts 900..=1800).
    #[arg(long, default_value_t = 900)]
    ttl: i64,
    /// `iat`, seconds since the epoch (default: now).
    #[arg(long, allow_negative_numbers = true)]
    iat: Option<i64>,
    /// `iss` claim (default: JWT_ISSUER when set).
    #[arg(long)]
    iss: Option<String>,
    /// `aud` claim (default: JWT_AUDIENCE when set).
    #[arg(long)]
    aud: Option<String>,
}

#[derive(clap::Args, Debug)]
struct CheckArgs {
    /// The token (without `Bearer `), or `-` to read it from standard input.
    token: String,
    /// Decide a whole request to this path (e.g. /api/v1/USER/tasks): bearer, token, claims
    /// and the path rule. Without it only the token and its claims are checked.
    #[arg(long)]
    path: Option<String>,
    /// HTTP method of the request (with --path).
    #[arg(long, default_value = "GET", requires = "path")]
    method: String,
    /// The clock, in seconds since the epoch (default: now).
    #[arg(long)]
    now: Option<u64>,
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // --help / --version print and exit 0; real usage errors exit 2.
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(EXIT_USAGE)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    let result = match cli.command {
        Command::Mint(args) => mint(args),
        Command::Check(args) => check(args),
        Command::CheckSession(args) => check_session(args),
    };
    match result {
        Ok(code) => code,
        Err(message) => {
            eprintln!("jwtgate: {message}");
            ExitCode::from(EXIT_USAGE)
        }
    }
}

/// The environment variable of the core option `js` (npm name): its table name, else the
/// first older name that is set, with a note on stderr naming the new one. `Ok(None)`
/// when none is set; unset and empty are the same unless `keep_empty`.
fn option_var(js: &str, keep_empty: bool) -> Result<Option<(String, &'static str)>, String> {
    let Some(entry) = option(js) else {
        return Ok(None);
    };
    let mut names = core::iter::once(entry.env).chain(entry.env_aliases.iter().copied());
    names.try_fold(None, |found, name| {
        if found.is_some() {
            return Ok(found);
        }
        match env::var(name) {
            Ok(v) if v.is_empty() && !keep_empty => Ok(None),
            Ok(v) => {
                if name != entry.env {
                    eprintln!("jwtgate: note: {name} is read as {}: rename it", entry.env);
                }
                Ok(Some((v, name)))
            }
            Err(env::VarError::NotPresent) => Ok(None),
            Err(env::VarError::NotUnicode(_)) => Err(format!("{name} is not valid UTF-8")),
        }
    })
}

/// A whole number of seconds from the option `js`.
fn seconds_var(js: &str) -> Result<Option<u64>, String> {
    let Some((value, name)) = option_var(js, false)? else {
        return Ok(None);
    };
    value
        .trim()
        .parse::<u64>()
        .map(Some)
        .map_err(|_| format!("{name} must be a number of seconds, got {value:?}"))
}

/// The gate as configured by the environment (the same variables the worker and the origin read).
fn gate_from_env() -> Result<Gate, String> {
    gate_with(Ok)
}

/// [`gate_from_env`] with session mode on (SESSION_STRATEGY, default compact).
fn session_gate_from_env() -> Result<Gate, String> {
    gate_with(|config| {
        let strategy = option_var("sessionStrategy", false)?
            .map_or(Ok(Some(CacheStrategy::Compact)), |(v, _)| {
                CacheStrategy::parse(&v).map_err(|e| e.message(Naming::Env))
            })?;
        let Some(strategy) = strategy else {
            return Err("SESSION_STRATEGY is off: check-session needs a strategy".into());
        };
        let mut session = SessionConfig::new(strategy);
        if let Some((url, _)) = option_var("baseUrl", false)? {
            session = session.base_url(url);
        }
        if let Some((list, _)) = option_var("trustedOrigins", false)? {
            session =
                session.trusted_origins(list.split(',').map(str::trim).filter(|o| !o.is_empty()));
        }
        if let Some((flag, name)) = option_var("secureCookies", false)? {
            session.secure_cookies = Some(match flag.trim() {
                "true" | "1" => true,
                "false" | "0" => false,
                _ => return Err(format!("{name} must be true or false")),
            });
        }
        if let Some((version, _)) = option_var("cacheVersion", false)? {
            session.version = version;
        }
        if let Some(max_age) = seconds_var("sessionMaxAge")? {
            session.max_age_seconds = max_age;
        }
        let mut config = config.session(Some(session));
        if let Some((prefix, _)) = option_var("cookiePrefix", false)? {
            config = config.cookie_prefix(prefix);
        }
        Ok(config)
    })
}

/// The gate from the environment, with `more` settings on top.
fn gate_with(more: impl FnOnce(GateConfig) -> Result<GateConfig, String>) -> Result<Gate, String> {
    // A key set (JWKS: the JSON text of Better Auth's /api/auth/jwks) checks its tokens:
    // EdDSA, ES256, ES512, RS256, PS256; the secret is then optional.
    let jwks = option_var("jwks", false)?;
    let secret = match env::var("BETTER_AUTH_SECRET") {
        Ok(s) if !s.is_empty() => s,
        Ok(_) | Err(env::VarError::NotPresent) if jwks.is_some() => String::new(),
        Ok(_) | Err(env::VarError::NotPresent) => {
            return Err(
                "BETTER_AUTH_SECRET is not set (export the secret shared with the \
                        frontend; `openssl rand -base64 32` makes one for local use)"
                    .into(),
            )
        }
        Err(env::VarError::NotUnicode(_)) => {
            return Err("BETTER_AUTH_SECRET is not valid UTF-8".into())
        }
    };
    let mut config = GateConfig::new(secret);
    if let Some((previous, _)) = option_var("previousSecrets", false)? {
        config = config.previous_secrets_list(&previous);
    }
    if let Some((issuer, _)) = option_var("issuer", false)? {
        config = config.issuer(issuer);
    }
    if let Some((audience, _)) = option_var("audience", false)? {
        config = config.audience(audience);
    }
    if let Some(leeway) = seconds_var("leewaySeconds")? {
        config = config.leeway_seconds(leeway);
    }
    let min = seconds_var("minLifetimeSeconds")?.unwrap_or(config.min_lifetime_seconds);
    let max = seconds_var("maxLifetimeSeconds")?.unwrap_or(config.max_lifetime_seconds);
    config = config.lifetime_seconds(min, max);
    if let Some((prefix, _)) = option_var("apiPrefix", false)? {
        config = config.api_prefix(prefix);
    }
    // Set (even empty: no self route) replaces the default `{prefix}me/profile`.
    if let Some((list, _)) = option_var("selfRoutes", true)? {
        config = config.self_routes_list(&list);
    }
    if let Some((text, _)) = jwks {
        match KeySet::parse(text.as_bytes()) {
            Ok(keys) => config = config.key_set(keys),
            Err(e) => return Err(config_message(&e)),
        }
    }
    let config = more(config)?;
    Gate::new(config).map_err(|e| config_message(&e))
}

/// The core's message names the variable at fault; it never includes a secret or a key.
fn config_message(e: &jwtgate::ConfigError) -> String {
    let option = e.option().and_then(option).map(|o| o.env);
    match option {
        Some(name) => format!(
            "invalid configuration ({}, {name}): {}",
            e.code(),
            e.message(Naming::Env)
        ),
        None => format!(
            "invalid configuration ({}): {}",
            e.code(),
            e.message(Naming::Env)
        ),
    }
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

fn mint(args: MintArgs) -> Result<ExitCode, String> {
    let gate = gate_from_env()?;
    // Default `iss`/`aud`: the configured issuer and audience, so mint → check round-trips.
    let iss = args.iss.or_else(|| gate.config().issuer.clone());
    let aud = args.aud.or_else(|| gate.config().audience.clone());
    let iat = match args.iat {
        Some(iat) => iat,
        None => i64::try_from(now_secs()).map_err(|_| "clock out of range".to_string())?,
    };
    let exp = iat
        .checked_add(args.ttl)
        .ok_or_else(|| "--iat + --ttl overflows".to_string())?;
    let mut claims = serde_json::Map::new();
    claims.insert("sub".into(), args.sub.into());
    claims.insert("email".into(), args.email.into());
    if let Some(name) = args.name {
        claims.insert("name".into(), name.into());
    }
    claims.insert("iat".into(), iat.into());
    claims.insert("exp".into(), exp.into());
    if let Some(iss) = iss.filter(|s| !s.is_empty()) {
        claims.insert("iss".into(), iss.into());
    }
    if let Some(aud) = aud.filter(|s| !s.is_empty()) {
        claims.insert("aud".into(), aud.into());
    }
    let payload = serde_json::Value::Object(claims).to_string();
    println!("{}", gate.mint(&payload));
    Ok(ExitCode::SUCCESS)
}

fn check(args: CheckArgs) -> Result<ExitCode, String> {
    let gate = gate_from_env()?;
    let token = if args.token == "-" {
        let mut buf = String::new();
        io::stdin()
            .read_to_string(&mut buf)
            .map_err(|e| format!("reading the token from stdin: {e}"))?;
        buf.trim().to_string()
    } else {
        args.token
    };
    let now = args.now.unwrap_or_else(now_secs);
    let decision = match &args.path {
        Some(path) => {
            let header = format!("Bearer {token}");
            gate.authorize(&args.method, path, Some(&header), now)
        }
        None => gate.verify(&token, now),
    };
    let allowed = decision.is_ok();
    let mut out = io::stdout().lock();
    let written = match decision {
        Ok(verified) => print_allowed(&mut out, &verified, args.path.as_deref(), now),
        Err(error) => print_refused(&mut out, error, &token, now),
    };
    written.map_err(|e| format!("writing the result: {e}"))?;
    Ok(if allowed {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_REFUSED)
    })
}

fn check_session(args: CheckSessionArgs) -> Result<ExitCode, String> {
    let gate = session_gate_from_env()?;
    let cookie = if args.cookie == "-" {
        let mut buf = String::new();
        io::stdin()
            .read_to_string(&mut buf)
            .map_err(|e| format!("reading the cookie header from stdin: {e}"))?;
        buf.trim().to_string()
    } else {
        args.cookie
    };
    let origin = args.origin.as_deref().map_or(Field::Absent, Field::Value);
    let referer = args.referer.as_deref().map_or(Field::Absent, Field::Value);
    let request = HostRequest::new(&args.method, &args.path, Field::Absent).with_cookies(
        Field::Value(&cookie),
        origin,
        referer,
    );
    let now = args.now.unwrap_or_else(now_secs);
    let verdict = match &args.refreshed {
        Some(body) => {
            let body = match body.strip_prefix('@') {
                Some(path) => {
                    std::fs::read_to_string(path).map_err(|e| format!("reading {path}: {e}"))?
                }
                None => body.clone(),
            };
            gate.decide_refreshed(&request, &body, now)
        }
        None => gate.decide(&request, now),
    };
    let mut out = io::stdout().lock();
    let allowed = matches!(verdict, Verdict::Session(_) | Verdict::Allow(_));
    let written = if args.json {
        let (kind, code, sub) = match &verdict {
            Verdict::Pass => ("pass", None, None),
            Verdict::Allow(v) | Verdict::Session(v) => ("session", None, Some(v.user_id())),
            Verdict::Refresh(r) => ("refresh", Some(r.reason.code()), None),
            Verdict::Refuse(e) => ("refuse", Some(e.code()), None),
        };
        let line = serde_json::json!({ "verdict": kind, "code": code, "sub": sub });
        writeln!(out, "{line}")
    } else {
        match &verdict {
            Verdict::Pass => writeln!(out, "passed: {} is outside the protected prefix", args.path),
            Verdict::Allow(v) | Verdict::Session(v) => {
                print_allowed(&mut out, v, Some(&args.path), now)
            }
            Verdict::Refresh(r) => writeln!(
                out,
                "needs refresh: {} ({} without a way to ask Better Auth)\n  rule: {}\n  a host with getSession or GET_SESSION_URL asks Better Auth now",
                r.reason.code(),
                r.reason.status(),
                r.reason.rule()
            ),
            Verdict::Refuse(e) => writeln!(
                out,
                "refused: {} ({})\n  detail: {}\n  rule: {}",
                e.code(),
                e.status(),
                e.detail(),
                e.rule()
            ),
        }
    };
    written.map_err(|e| format!("writing the result: {e}"))?;
    Ok(if allowed {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_REFUSED)
    })
}

fn print_allowed(
    out: &mut impl Write,
    verified: &VerifiedToken,
    path: Option<&str>,
    now: u64,
) -> io::Result<()> {
    let claims = verified.claims();
    match path {
        Some(path) => writeln!(out, "allowed: {path}")?,
        None => writeln!(out, "allowed (token only; pass --path to check a request)")?,
    }
    writeln!(out, "  user id: {}", claims.sub)?;
    writeln!(out, "  email:   {}", claims.email)?;
    let left = i128::from(claims.exp) - i128::from(now);
    writeln!(
        out,
        "  exp:     {} ({}, {} s left)",
        claims.exp,
        utc(claims.exp),
        left
    )?;
    writeln!(out, "  iat:     {} ({})", claims.iat, utc(claims.iat))
}

fn print_refused(out: &mut impl Write, error: Error, token: &str, now: u64) -> io::Result<()> {
    writeln!(out, "refused: {} {}", error.status(), error.code())?;
    writeln!(out, "  detail: {}", error.detail())?;
    writeln!(out, "  rule:   {}", error.rule())?;
    if let Some(times) = unverified_times(token) {
        writeln!(
            out,
            "  token (unverified): {times}; now={now} ({})",
            utc_u(now)
        )?;
    }
    Ok(())
}

/// `iat=… exp=… (lifetime … s)` read from the payload WITHOUT verifying it — display only.
fn unverified_times(token: &str) -> Option<String> {
    let payload = token.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .ok()?;
    let value: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    let iat = value.get("iat").and_then(serde_json::Value::as_i64);
    let exp = value.get("exp").and_then(serde_json::Value::as_i64);
    let mut parts = Vec::new();
    if let Some(iat) = iat {
        parts.push(format!("iat={iat} ({})", utc(iat)));
    }
    if let Some(exp) = exp {
        parts.push(format!("exp={exp} ({})", utc(exp)));
    }
    if let (Some(iat), Some(exp)) = (iat, exp) {
        parts.push(format!("lifetime={} s", i128::from(exp) - i128::from(iat)));
    }
    (!parts.is_empty()).then(|| parts.join(" "))
}

fn utc_u(secs: u64) -> String {
    i64::try_from(secs).map_or_else(|_| "out of range".into(), utc)
}

/// RFC 3339 UTC rendering of a Unix time (days-to-civil, proleptic Gregorian).
fn utc(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::utc;

    #[test]
    fn utc_rendering() {
        assert_eq!(utc(0), "1970-01-01T00:00:00Z");
        assert_eq!(utc(1_700_000_000), "2023-11-14T22:13:20Z");
        assert_eq!(utc(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(utc(-1), "1969-12-31T23:59:59Z");
    }
}
