//! One options table: every setting a host can give the core, once, with its name in each
//! host's convention, its kind and its default. Hosts read their options by these names
//! (the npm package's camelCase, Python's snake_case, the worker's and the CLI's
//! environment variables); configuration errors name the field through it
//! ([`crate::ConfigError::option`], [`crate::ConfigError::message`]); tests in every host
//! compare their own option list with this one.

/// How a host spells option names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Naming {
    /// The npm package (`previousSecrets`).
    Js,
    /// The Python package (`previous_secrets`).
    Python,
    /// The worker's vars and the CLI's environment (`BETTER_AUTH_PREVIOUS_SECRETS`).
    Env,
}

/// What an option holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OptionKind {
    /// A secret (never logged).
    Secret,
    /// A list of secrets, or one comma-separated string.
    SecretList,
    /// Text.
    Text,
    /// A whole number of seconds (or milliseconds where the name says so), 0 or more.
    Number,
    /// A list of strings, or one comma-separated string.
    List,
    /// A JWKS (JSON text or object).
    KeySet,
    /// A URL.
    Url,
    /// One of the words the doc names.
    Choice,
    /// true / false.
    Flag,
}

/// One setting.
#[derive(Clone, Copy, Debug)]
pub struct GateOption {
    /// The npm name.
    pub js: &'static str,
    /// The Python name.
    pub python: &'static str,
    /// The environment name (worker, CLI, examples).
    pub env: &'static str,
    /// Older environment names still read (each with a log line naming `env`).
    pub env_aliases: &'static [&'static str],
    /// What it holds.
    pub kind: OptionKind,
    /// The default, as documented ("" = none).
    pub default: &'static str,
    /// One line on what it does.
    pub doc: &'static str,
}

impl GateOption {
    /// The name in `naming`.
    pub fn name(&self, naming: Naming) -> &'static str {
        match naming {
            Naming::Js => self.js,
            Naming::Python => self.python,
            Naming::Env => self.env,
        }
    }
}

macro_rules! option {
    ($js:literal, $py:literal, $env:literal, [$($alias:literal),*], $kind:ident, $default:literal, $doc:literal) => {
        GateOption {
            js: $js,
            python: $py,
            env: $env,
            env_aliases: &[$($alias),*],
            kind: OptionKind::$kind,
            default: $default,
            doc: $doc,
        }
    };
}

/// Every option, in the order the README's table lists them.
pub const OPTIONS: &[GateOption] =
    &[
        option!(
            "secret",
            "secret",
            "BETTER_AUTH_SECRET",
            [],
            Secret,
            "",
            "HS256 secret (at least 32 characters); optional with a key set"
        ),
        option!(
            "previousSecrets",
            "previous_secrets",
            "BETTER_AUTH_PREVIOUS_SECRETS",
            [],
            SecretList,
            "",
            "secrets still accepted during a rotation (at most 4)"
        ),
        option!(
            "issuer",
            "issuer",
            "JWT_ISSUER",
            ["ISSUER", "JWTGATE_ISSUER"],
            Text,
            "",
            "required `iss`"
        ),
        option!(
            "audience",
            "audience",
            "JWT_AUDIENCE",
            ["AUDIENCE", "JWTGATE_AUDIENCE"],
            Text,
            "",
            "required `aud` (a token with `aud` is refused when unset)"
        ),
        option!(
            "leewaySeconds",
            "leeway_seconds",
            "LEEWAY_SECONDS",
            ["JWTGATE_LEEWAY"],
            Number,
            "0",
            "clock skew tolerated on exp/iat/nbf"
        ),
        option!(
            "minLifetimeSeconds",
            "min_lifetime_seconds",
            "MIN_LIFETIME_SECONDS",
            [],
            Number,
            "900",
            "smallest exp - iat"
        ),
        option!(
            "maxLifetimeSeconds",
            "max_lifetime_seconds",
            "MAX_LIFETIME_SECONDS",
            [],
            Number,
            "1800",
            "largest exp - iat"
        ),
        option!(
            "apiPrefix",
            "api_prefix",
            "API_PREFIX",
            ["JWTGATE_API_PREFIX"],
            Text,
            "/api/v1/",
            "the protected prefix; /{prefix}{user_id}/... must name the token's sub"
        ),
        option!(
            "selfRoutes",
            "self_routes",
            "SELF_ROUTES",
            ["JWTGATE_SELF_ROUTES"],
            List,
            "{apiPrefix}me/profile",
            "paths that need a valid token but name no user (optionally `GET /path`)"
        ),
        option!(
            "jwks",
            "jwks",
            "JWKS",
            [],
            KeySet,
            "",
            "a fixed key set for EdDSA, ES256, ES512, RS256 and PS256 tokens (needs issuer and audience)"
        ),
        option!(
            "jwksUrl",
            "jwks_url",
            "JWKS_URL",
            [],
            Url,
            "",
            "a key set followed by URL (Better Auth's /api/auth/jwks)"
        ),
        option!("originToken", "origin_token", "ORIGIN_TOKEN", [], Choice, "forward",
        "what the origin gets in Authorization: `forward` the client's, `hs256` the bridge token"),
        option!(
            "trustedProxies",
            "trusted_proxies",
            "TRUSTED_PROXIES",
            [],
            Number,
            "0",
            "proxies in front trusted to state client address, scheme and host"
        ),
        option!(
            "cookiePrefix",
            "cookie_prefix",
            "COOKIE_PREFIX",
            [],
            Text,
            "better-auth",
            "Better Auth's cookie prefix: its cookies never reach the origin"
        ),
        option!(
            "stripCookies",
            "strip_cookies",
            "STRIP_COOKIES",
            [],
            List,
            "",
            "more cookie names removed before the origin"
        ),
        option!(
            "forwardAuthCookies",
            "forward_auth_cookies",
            "FORWARD_AUTH_COOKIES",
            [],
            Flag,
            "false",
            "keep the auth cookies for an origin that reads the session itself"
        ),
        option!(
            "sessionStrategy",
            "session_strategy",
            "SESSION_STRATEGY",
            [],
            Choice,
            "off",
            "session mode: verify Better Auth's session cookies; its cookieCache strategy `compact`, `jwt`, `jwe` or `jwks`"
        ),
        option!(
            "baseUrl",
            "base_url",
            "BETTER_AUTH_URL",
            [],
            Url,
            "",
            "Better Auth's base URL: a trusted origin, `__Secure-` cookies when https, the `iss` of a `jwks` cache"
        ),
        option!(
            "trustedOrigins",
            "trusted_origins",
            "BETTER_AUTH_TRUSTED_ORIGINS",
            [],
            List,
            "",
            "more origins the CSRF rule trusts for cookie-authenticated unsafe requests"
        ),
        option!(
            "secureCookies",
            "secure_cookies",
            "SECURE_COOKIES",
            [],
            Flag,
            "{baseUrl} is https",
            "read the `__Secure-` cookie names (Better Auth's advanced.useSecureCookies)"
        ),
        option!(
            "cacheVersion",
            "cache_version",
            "SESSION_CACHE_VERSION",
            [],
            Text,
            "1",
            "Better Auth's session.cookieCache.version (a string)"
        ),
        option!(
            "sessionMaxAge",
            "session_max_age",
            "SESSION_CACHE_MAX_AGE",
            [],
            Number,
            "300",
            "Better Auth's session.cookieCache.maxAge (s): the longest a refreshed verdict is remembered"
        ),
        option!(
            "getSessionUrl",
            "get_session_url",
            "GET_SESSION_URL",
            [],
            Url,
            "{baseUrl}/api/auth/get-session",
            "where a host without Better Auth in process asks about a session whose cache cannot decide"
        ),
        option!(
            "cacheSize",
            "cache_size",
            "TOKEN_CACHE_SIZE",
            [],
            Number,
            "256",
            "verified-token cache slots (0: off)"
        ),
        option!(
            "cacheMaxAge",
            "cache_max_age",
            "JWKS_CACHE_MAX_AGE_MS",
            [],
            Number,
            "600000",
            "a fetched key set is fresh this long (ms) unless its Cache-Control says otherwise"
        ),
        option!(
            "cooldownDuration",
            "cooldown",
            "JWKS_COOLDOWN_MS",
            [],
            Number,
            "30000",
            "least time between two key-set fetches (ms)"
        ),
        option!(
            "timeoutDuration",
            "timeout",
            "JWKS_TIMEOUT_MS",
            [],
            Number,
            "5000",
            "one key-set fetch's limit (ms)"
        ),
    ];

/// The option whose npm name is `js`.
pub fn option(js: &str) -> Option<&'static GateOption> {
    OPTIONS.iter().find(|o| o.js == js)
}

/// `js`'s name in `naming` (`js` itself when it is not an option).
pub fn option_name(js: &str, naming: Naming) -> &str {
    option(js).map_or(js, |o| o.name(naming))
}
