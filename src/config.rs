//! Gate configuration: checked once, at construction, so a bad deployment fails
//! loudly at startup instead of letting traffic through.

use alloc::string::String;
use alloc::vec::Vec;

use crate::bridge::OriginToken;
use crate::config_error::{ConfigError, SecretSlot};
use crate::keys::key_set::KeySet;
use crate::session::SessionConfig;

/// Minimum secret length (characters for UTF-8 secrets, bytes otherwise), as the spec requires.
pub const MIN_SECRET_LEN: usize = 32;
/// Rotation keeps the current secret plus at most this many previous ones.
pub const MAX_PREVIOUS_SECRETS: usize = 4;

/// Secrets that are public and must never sign production tokens.
const KNOWN_DEFAULT_SECRETS: &[&str] = &[
    // Better Auth's built-in development default.
    "better-auth-secret-12345678901234567890",
    // The test secret printed in the FastAPI integration guide.
    "test-secret-key-min-32-characters-long",
];

/// Fragments that only placeholders contain (compared case-insensitively).
const PLACEHOLDER_FRAGMENTS: &[&str] = &[
    "changeme",
    "change-me",
    "change_me",
    "replace-me",
    "replaceme",
    "your-secret",
    "your_secret",
    "yoursecret",
    "same-secret-as-frontend",
    "<",
    "${",
];

/// Everything a [`crate::Gate`] needs; build it, then hand it to [`crate::Gate::new`].
#[derive(Clone)]
pub struct GateConfig {
    /// `BETTER_AUTH_SECRET`, for HS256 tokens. Empty means "no secret": allowed only
    /// with a key set ([`GateConfig::with_key_set`]); HS256 tokens are then refused.
    pub secret: Vec<u8>,
    /// Secrets still accepted during a rotation (newest first).
    pub previous_secrets: Vec<Vec<u8>>,
    /// When set, `iss` must equal it.
    pub issuer: Option<String>,
    /// When set, `aud` must be (or contain) it; when unset, a token carrying `aud` is refused.
    pub audience: Option<String>,
    /// Clock skew tolerated on `exp`, `iat` and `nbf`, in seconds.
    pub leeway_seconds: u64,
    /// Smallest accepted `exp - iat` (inclusive).
    pub min_lifetime_seconds: u64,
    /// Largest accepted `exp - iat` (inclusive).
    pub max_lifetime_seconds: u64,
    /// The protected prefix, with leading and trailing `/`.
    pub api_prefix: String,
    /// Paths under the prefix that need only a valid token (the caller's own resources,
    /// named by no user id), as full paths, each optionally for one method only:
    /// `/api/v1/me/profile`, `GET /api/v1/me/tasks`. `None`: the spec's one self route,
    /// `{api_prefix}me/profile`. Every other path under the prefix names a user.
    pub self_routes: Option<Vec<String>>,
    /// Ed25519 keys for EdDSA tokens (Better Auth's JWT plugin); needs issuer and audience.
    pub jwks: Option<KeySet>,
    /// What the origin receives in `Authorization` for an allowed request: the client's
    /// token, or the bridge token ([`crate::Gate::origin_token`]; needs the secret).
    pub origin_token: OriginToken,
    /// How many proxies in front of this host the operator trusts to state the client's
    /// address, scheme and host (`X-Forwarded-*`, `Forwarded`, `X-Real-IP`). 0 (the
    /// default): whatever the client sent is dropped and the host's own facts are set.
    pub trusted_proxies: u8,
    /// Better Auth's cookie prefix (`advanced.cookiePrefix`; default `better-auth`): every
    /// `[__Secure-]{prefix}.*` / `{prefix}-*` cookie is removed before the origin.
    pub cookie_prefix: String,
    /// More cookie names removed before the origin (chunks `name.0`, … included).
    pub strip_cookies: Vec<String>,
    /// Forward the auth cookies after all (for an origin that reads the session itself).
    pub forward_auth_cookies: bool,
    /// Session mode: Better Auth's session cookies are a credential too.
    pub session: Option<SessionConfig>,
}

// Debug must never print a secret.
impl core::fmt::Debug for GateConfig {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("GateConfig")
            .field("secret", &"<redacted>")
            .field("previous_secrets", &self.previous_secrets.len())
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .field("leeway_seconds", &self.leeway_seconds)
            .field("min_lifetime_seconds", &self.min_lifetime_seconds)
            .field("max_lifetime_seconds", &self.max_lifetime_seconds)
            .field("api_prefix", &self.api_prefix)
            .field("self_routes", &self.self_routes)
            .field("jwks", &self.jwks.as_ref().map(|k| k.keys().len()))
            .field("origin_token", &self.origin_token)
            .field("trusted_proxies", &self.trusted_proxies)
            .field("cookie_prefix", &self.cookie_prefix)
            .field("strip_cookies", &self.strip_cookies)
            .field("forward_auth_cookies", &self.forward_auth_cookies)
            .field("session", &self.session)
            .finish()
    }
}

impl GateConfig {
    /// The defaults of the spec: 900–1800 s lifetime (inclusive), no leeway, prefix `/api/v1/`.
    pub fn new(secret: impl Into<Vec<u8>>) -> Self {
        GateConfig {
            secret: secret.into(),
            previous_secrets: Vec::new(),
            issuer: None,
            audience: None,
            leeway_seconds: 0,
            min_lifetime_seconds: 900,
            max_lifetime_seconds: 1800,
            api_prefix: String::from("/api/v1/"),
            self_routes: None,
            jwks: None,
            origin_token: OriginToken::Forward,
            trusted_proxies: 0,
            cookie_prefix: String::from(crate::origin::DEFAULT_COOKIE_PREFIX),
            strip_cookies: Vec::new(),
            forward_auth_cookies: false,
            session: None,
        }
    }

    /// How many proxies in front are trusted to state client facts ([`GateConfig::trusted_proxies`]).
    pub fn trusted_proxies(mut self, hops: u8) -> Self {
        self.trusted_proxies = hops;
        self
    }

    /// Better Auth's cookie prefix, if the app configures another one.
    pub fn cookie_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.cookie_prefix = prefix.into();
        self
    }

    /// More cookies the origin must not receive.
    pub fn strip_cookies<I, S>(mut self, names: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.strip_cookies = names.into_iter().map(Into::into).collect();
        self
    }

    /// Turns session mode on (or off with `None`).
    pub fn session(mut self, session: Option<SessionConfig>) -> Self {
        self.session = session;
        self
    }

    /// The name of the session cookie a gate of this configuration reads (`None` outside
    /// session mode): for a host that has no gate yet (a key set not fetched).
    pub fn session_cookie_name(&self) -> Option<String> {
        let session = self.session.as_ref()?;
        Some(session.cookie_name(&self.cookie_prefix, "session_token"))
    }

    /// Keep the auth cookies in what the origin receives.
    pub fn forward_auth_cookies(mut self, keep: bool) -> Self {
        self.forward_auth_cookies = keep;
        self
    }

    /// What the origin receives in `Authorization` ([`OriginToken`]). `Hs256` needs the secret.
    pub fn origin_token(mut self, mode: OriginToken) -> Self {
        self.origin_token = mode;
        self
    }

    /// A gate for EdDSA tokens only (no secret): the spec's defaults plus `keys`.
    /// Add [`GateConfig::issuer`] and [`GateConfig::audience`] (required with a key set).
    pub fn with_key_set(keys: KeySet) -> Self {
        GateConfig::new(Vec::new()).key_set(keys)
    }

    /// Adds (or replaces) the key set for EdDSA tokens; a secret, if any, stays.
    pub fn key_set(mut self, keys: KeySet) -> Self {
        self.jwks = Some(keys);
        self
    }

    /// Does this configuration hold a secret (HS256)?
    pub fn has_secret(&self) -> bool {
        !self.secret.is_empty()
    }

    /// Adds a secret still accepted during rotation.
    pub fn previous_secret(mut self, secret: impl Into<Vec<u8>>) -> Self {
        self.previous_secrets.push(secret.into());
        self
    }

    /// Adds every secret of a comma-separated list (as `BETTER_AUTH_PREVIOUS_SECRETS` holds
    /// them); blanks around and between entries are ignored.
    pub fn previous_secrets_list(mut self, list: &str) -> Self {
        for secret in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            self.previous_secrets.push(secret.as_bytes().to_vec());
        }
        self
    }

    /// Requires `iss` to equal `issuer`.
    pub fn issuer(mut self, issuer: impl Into<String>) -> Self {
        self.issuer = Some(issuer.into());
        self
    }

    /// Requires `aud` to be or contain `audience`.
    pub fn audience(mut self, audience: impl Into<String>) -> Self {
        self.audience = Some(audience.into());
        self
    }

    /// Clock skew tolerated, in seconds.
    pub fn leeway_seconds(mut self, leeway: u64) -> Self {
        self.leeway_seconds = leeway;
        self
    }

    /// Inclusive `exp - iat` window.
    pub fn lifetime_seconds(mut self, min: u64, max: u64) -> Self {
        self.min_lifetime_seconds = min;
        self.max_lifetime_seconds = max;
        self
    }

    /// Protected prefix; a missing trailing `/` is added.
    pub fn api_prefix(mut self, prefix: impl Into<String>) -> Self {
        let mut prefix = prefix.into();
        if !prefix.ends_with('/') {
            prefix.push('/');
        }
        self.api_prefix = prefix;
        self
    }

    /// Replaces the self routes (default: `{api_prefix}me/profile`, the spec's
    /// `/api/v1/me/profile`) with `routes`: full paths under the prefix, compared with
    /// the request's percent-decoded segments exactly (one trailing `/` tolerated),
    /// each optionally preceded by a method and a space (`GET /api/v1/me/tasks`: that
    /// method only; `GET` also covers `HEAD`). An empty list leaves no self route.
    pub fn self_routes<I, S>(mut self, routes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.self_routes = Some(routes.into_iter().map(Into::into).collect());
        self
    }

    /// [`GateConfig::self_routes`] from a comma-separated list (as `SELF_ROUTES` holds
    /// it); blanks around entries are ignored, so `""` means no self route.
    pub fn self_routes_list(self, list: &str) -> Self {
        self.self_routes(list.split(',').map(str::trim).filter(|s| !s.is_empty()))
    }

    /// The self routes in force, as full paths.
    pub fn effective_self_routes(&self) -> Vec<String> {
        match &self.self_routes {
            Some(routes) => routes.clone(),
            None => {
                let mut route = self.api_prefix.clone();
                route.push_str(DEFAULT_SELF_ROUTE);
                alloc::vec![route]
            }
        }
    }

    /// The self routes as the path rule reads them: the method (if any) and the part
    /// after the prefix. Call after [`GateConfig::validate`] (invalid entries are skipped).
    pub(crate) fn self_route_suffixes(&self) -> Vec<SelfRoute> {
        self.effective_self_routes()
            .iter()
            .filter_map(|r| {
                let (method, path) = split_method(r);
                let suffix = path.strip_prefix(self.api_prefix.as_str())?;
                Some(SelfRoute {
                    method: method.map(String::from),
                    suffix: String::from(suffix),
                })
            })
            .collect()
    }

    /// Checks every rule; [`crate::Gate::new`] calls it.
    pub fn validate(&self) -> Result<(), ConfigError> {
        self.validate_with_key_set(self.jwks.is_some())
    }

    /// [`GateConfig::validate`] for a configuration whose key set arrives later (a host
    /// following a remote JWKS): every rule, as if the key set were already in it.
    pub fn validate_awaiting_key_set(&self) -> Result<(), ConfigError> {
        self.validate_with_key_set(true)
    }

    fn validate_with_key_set(&self, key_set: bool) -> Result<(), ConfigError> {
        // With a key set the secret is optional (empty = none); previous secrets still
        // need a current one.
        // The "secret or key set" rule, here once: a gate needs one of them.
        if !self.has_secret() && !key_set {
            return Err(ConfigError::MissingSecret);
        }
        if self.has_secret() || !key_set || !self.previous_secrets.is_empty() {
            check_secret(&self.secret, SecretSlot::Current)?;
        }
        if self.previous_secrets.len() > MAX_PREVIOUS_SECRETS {
            return Err(ConfigError::TooManyPreviousSecrets);
        }
        for (i, s) in self.previous_secrets.iter().enumerate() {
            check_secret(s, SecretSlot::Previous(i))?;
        }
        if self.min_lifetime_seconds > self.max_lifetime_seconds {
            return Err(ConfigError::InvalidLifetimeWindow);
        }
        if self.issuer.as_deref() == Some("") || self.audience.as_deref() == Some("") {
            return Err(ConfigError::EmptyIssuerOrAudience);
        }
        if !valid_prefix(&self.api_prefix) {
            return Err(ConfigError::InvalidApiPrefix);
        }
        if let Some(routes) = &self.self_routes {
            if routes.len() > MAX_SELF_ROUTES {
                return Err(ConfigError::InvalidSelfRoute {
                    index: MAX_SELF_ROUTES,
                });
            }
            for (index, r) in routes.iter().enumerate() {
                if !valid_self_route(&self.api_prefix, r) {
                    return Err(ConfigError::InvalidSelfRoute { index });
                }
            }
        }
        // Better Auth always sets both; a key set that any issuer's tokens could use is
        // a foot-gun (keys are public, audiences tell apps apart).
        if key_set && (self.issuer.is_none() || self.audience.is_none()) {
            return Err(ConfigError::JwksNeedsIssuerAndAudience);
        }
        if self.origin_token == OriginToken::Hs256 && !self.has_secret() {
            return Err(ConfigError::OriginTokenNeedsSecret);
        }
        // Cookie names are RFC 6265 tokens; an empty prefix would match every `.x` name.
        if !is_cookie_name(&self.cookie_prefix) {
            return Err(ConfigError::InvalidCookieName { index: None });
        }
        if let Some(index) = self.strip_cookies.iter().position(|n| !is_cookie_name(n)) {
            return Err(ConfigError::InvalidCookieName { index: Some(index) });
        }
        if let Some(session) = &self.session {
            session.validate(self.has_secret(), key_set)?;
        }
        Ok(())
    }
}

/// The spec's only self route, after the prefix: `/api/v1/me/profile`.
const DEFAULT_SELF_ROUTE: &str = "me/profile";
/// Most self routes a configuration may list (each costs a comparison per request).
pub const MAX_SELF_ROUTES: usize = 64;

/// A configured self route, as the gate matches it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct SelfRoute {
    /// Only this method (`GET` also covers `HEAD`); `None`: every method.
    pub(crate) method: Option<String>,
    /// The path after the prefix, e.g. `me/profile`.
    pub(crate) suffix: String,
}

impl SelfRoute {
    pub(crate) fn allows(&self, method: &str) -> bool {
        match self.method.as_deref() {
            None => true,
            Some(m) => m == method || (m == "GET" && method == "HEAD"),
        }
    }
}

/// `"GET /api/v1/me"` → `(Some("GET"), "/api/v1/me")`; `"/api/v1/me"` → `(None, …)`.
fn split_method(entry: &str) -> (Option<&str>, &str) {
    match entry.bytes().position(|b| b == b' ') {
        Some(at) => (entry.get(..at), entry.get(at + 1..).unwrap_or_default()),
        None => (None, entry),
    }
}

/// A self route is an optional method token and one space, then a full path: the prefix
/// exactly as configured, then one or more non-empty segments of visible ASCII, written
/// decoded — no `%`, `?`, `#`, `\`, no `.` or `..` segment, no trailing `/` (a request's
/// one trailing `/` is tolerated anyway).
fn valid_self_route(prefix: &str, route: &str) -> bool {
    let (method, route) = split_method(route);
    if method.is_some_and(|m| !crate::gate::is_method_token(m)) {
        return false;
    }
    let Some(rest) = route.strip_prefix(prefix) else {
        return false;
    };
    !rest.is_empty()
        && rest
            .bytes()
            .all(|b| (0x21..=0x7e).contains(&b) && !b"%?#\\".contains(&b))
        && rest
            .split('/')
            .all(|seg| !seg.is_empty() && seg != "." && seg != "..")
}

fn check_secret(secret: &[u8], which: SecretSlot) -> Result<(), ConfigError> {
    // The spec counts characters; for UTF-8 secrets count both (chars ≤ bytes).
    let len = match core::str::from_utf8(secret) {
        Ok(s) => s.chars().count(),
        Err(_) => secret.len(),
    };
    if len < MIN_SECRET_LEN {
        return Err(ConfigError::SecretTooShort { which });
    }
    let lower: Vec<u8> = secret.iter().map(u8::to_ascii_lowercase).collect();
    let known = KNOWN_DEFAULT_SECRETS
        .iter()
        .any(|k| k.as_bytes() == lower.as_slice());
    let placeholder = PLACEHOLDER_FRAGMENTS
        .iter()
        .any(|p| lower.windows(p.len()).any(|w| w == p.as_bytes()));
    if known || placeholder {
        return Err(ConfigError::KnownDefaultSecret { which });
    }
    let mut seen = [false; 256];
    for b in secret {
        if let Some(slot) = seen.get_mut(usize::from(*b)) {
            *slot = true;
        }
    }
    if seen.iter().filter(|s| **s).count() < 8 {
        return Err(ConfigError::LowEntropySecret { which });
    }
    Ok(())
}

fn valid_prefix(prefix: &str) -> bool {
    let Some(inner) = prefix.strip_prefix('/').and_then(|p| p.strip_suffix('/')) else {
        return false;
    };
    !inner.is_empty()
        && !inner.contains(['%', '?', '#', '\\'])
        && inner
            .split('/')
            .all(|seg| !seg.is_empty() && seg != "." && seg != "..")
}

/// An RFC 6265 cookie name (an RFC 9110 token), at most 128 bytes.
fn is_cookie_name(name: &str) -> bool {
    crate::gate::is_token(name, 128)
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "k3Jx9vQ2mW7pL4tZ8rB6nC1yH5sD0fGa";

    #[test]
    fn accepts_a_random_secret_and_defaults() {
        let c = GateConfig::new(GOOD);
        assert_eq!(c.validate(), Ok(()));
        assert_eq!(
            (c.min_lifetime_seconds, c.max_lifetime_seconds),
            (900, 1800)
        );
        assert_eq!(c.api_prefix, "/api/v1/");
    }

    #[test]
    fn refuses_short_default_placeholder_and_low_entropy_secrets() {
        let short = GateConfig::new(&GOOD[..31]);
        assert_eq!(
            short.validate(),
            Err(ConfigError::SecretTooShort {
                which: SecretSlot::Current
            })
        );
        // 31 characters that are 62 bytes still count as 31 characters.
        assert!(GateConfig::new("é".repeat(31)).validate().is_err());
        for bad in [
            "better-auth-secret-12345678901234567890",
            "BETTER-AUTH-SECRET-12345678901234567890",
            "test-secret-key-min-32-characters-long",
            "<same-secret-as-frontend>-padding-padding",
            "please-changeme-0123456789abcdefghijkl",
        ] {
            assert!(matches!(
                GateConfig::new(bad).validate(),
                Err(ConfigError::KnownDefaultSecret { .. })
            ));
        }
        assert!(matches!(
            GateConfig::new("ab".repeat(20)).validate(),
            Err(ConfigError::LowEntropySecret { .. })
        ));
        let listed = GateConfig::new(GOOD).previous_secrets_list(" a1 ,, b2 ,");
        assert_eq!(listed.previous_secrets, [b"a1".to_vec(), b"b2".to_vec()]);
        let rotated = GateConfig::new(GOOD).previous_secret("short");
        assert_eq!(
            rotated.validate(),
            Err(ConfigError::SecretTooShort {
                which: SecretSlot::Previous(0)
            })
        );
    }

    #[test]
    fn refuses_bad_windows_prefixes_and_empty_iss_aud() {
        assert_eq!(
            GateConfig::new(GOOD).lifetime_seconds(10, 5).validate(),
            Err(ConfigError::InvalidLifetimeWindow)
        );
        for p in [
            "api",
            "/",
            "//",
            "/api/../v1/",
            "/api//v1/",
            "/a%2f/",
            "/api/./",
        ] {
            let c = GateConfig {
                api_prefix: p.into(),
                ..GateConfig::new(GOOD)
            };
            assert_eq!(c.validate(), Err(ConfigError::InvalidApiPrefix), "{p}");
        }
        assert_eq!(
            GateConfig::new(GOOD).api_prefix("/api/v2").api_prefix,
            "/api/v2/"
        );
        assert_eq!(
            GateConfig::new(GOOD).issuer("").validate(),
            Err(ConfigError::EmptyIssuerOrAudience)
        );
    }

    #[test]
    fn self_routes_default_to_the_spec_and_are_validated() {
        let c = GateConfig::new(GOOD);
        assert_eq!(c.effective_self_routes(), ["/api/v1/me/profile"]);
        let any = |suffix: &str| SelfRoute {
            method: None,
            suffix: suffix.into(),
        };
        assert_eq!(c.self_route_suffixes(), [any("me/profile")]);
        let v2 = GateConfig::new(GOOD).api_prefix("/v2");
        assert_eq!(v2.effective_self_routes(), ["/v2/me/profile"]);
        let listed =
            GateConfig::new(GOOD).self_routes_list(" /api/v1/me/profile , GET /api/v1/me/tasks,");
        assert_eq!(listed.validate(), Ok(()));
        let get_tasks = SelfRoute {
            method: Some("GET".into()),
            suffix: "me/tasks".into(),
        };
        assert_eq!(
            listed.self_route_suffixes(),
            [any("me/profile"), get_tasks.clone()]
        );
        assert!(get_tasks.allows("GET") && get_tasks.allows("HEAD"));
        assert!(!get_tasks.allows("POST") && !get_tasks.allows("get"));
        let none = GateConfig::new(GOOD).self_routes_list("");
        assert_eq!(none.validate(), Ok(()));
        assert!(none.effective_self_routes().is_empty());
        for (bad, index) in [
            (alloc::vec!["/api/v1/me/profile", "/api/v2/me"], 1),
            (alloc::vec!["/api/v1/"], 0),
            (alloc::vec!["/api/v1"], 0),
            (alloc::vec!["me/profile"], 0),
            (alloc::vec!["/API/V1/me/profile"], 0),
            (alloc::vec!["/api/v1/me/"], 0),
            (alloc::vec!["/api/v1/me//x"], 0),
            (alloc::vec!["/api/v1/me/../x"], 0),
            (alloc::vec!["/api/v1/./me"], 0),
            (alloc::vec!["/api/v1/m%65"], 0),
            (alloc::vec!["/api/v1/me?x"], 0),
            (alloc::vec!["/api/v1/me#x"], 0),
            (alloc::vec!["/api/v1/me x"], 0),
            (alloc::vec!["/api/v1/\u{e9}"], 0),
            (alloc::vec!["G(T /api/v1/me"], 0),
            (alloc::vec!["GET  /api/v1/me"], 0),
            (alloc::vec!["GET"], 0),
        ] {
            assert_eq!(
                GateConfig::new(GOOD).self_routes(bad.clone()).validate(),
                Err(ConfigError::InvalidSelfRoute { index }),
                "{bad:?}"
            );
        }
        let many = (0..=MAX_SELF_ROUTES).map(|i| alloc::format!("/api/v1/me/r{i}"));
        assert!(matches!(
            GateConfig::new(GOOD).self_routes(many).validate(),
            Err(ConfigError::InvalidSelfRoute { .. })
        ));
        let e = ConfigError::InvalidSelfRoute { index: 1 };
        assert_eq!(e.code(), "invalid_self_route");
        assert!(alloc::format!("{e}").contains("selfRoutes[1]"));
    }

    #[test]
    fn debug_and_errors_never_show_the_secret() {
        let c = GateConfig::new(GOOD);
        assert!(!alloc::format!("{c:?}").contains(GOOD));
        let e = GateConfig::new(&GOOD[..20]).validate().unwrap_err();
        assert!(!alloc::format!("{e} {e:?}").contains(&GOOD[..20]));
    }
}
