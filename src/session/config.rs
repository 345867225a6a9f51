//! Session mode's settings ([`SessionConfig`], [`CacheStrategy`]) and what a gate
//! precomputes from them ([`SessionKeys`]: cookie names, trusted origins, keys).

use alloc::string::String;

use super::csrf::origin_of;
#[cfg(feature = "session-jwe")]
use super::jwe::JweKey;
use crate::config_error::ConfigError;
use crate::keys::hs256::Hs256Key;

/// How Better Auth writes its cookie cache (`session.cookieCache.strategy`). Pinned by
/// configuration, as an algorithm is pinned by its key: a `compact` gate never reads a
/// `jwt` cache.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CacheStrategy {
    /// `compact` (Better Auth's default): base64url JSON with an HMAC-SHA256 signature.
    Compact,
    /// `jwt`: an HS256 JWT under the secret.
    Jwt,
    /// `jwe`: `dir` + `A256CBC-HS512` under a key derived from the secret.
    Jwe,
    /// `jwt` with the JWT plugin's `sessionCookieCache: true`: signed with its key set.
    Jwks,
}

impl CacheStrategy {
    /// `compact`, `jwt`, `jwe` or `jwks`; `""` or `off`: no session mode (`None`).
    pub fn parse(text: &str) -> Result<Option<CacheStrategy>, ConfigError> {
        match text.trim() {
            "" | "off" => Ok(None),
            "compact" => Ok(Some(CacheStrategy::Compact)),
            "jwt" => Ok(Some(CacheStrategy::Jwt)),
            "jwe" => Ok(Some(CacheStrategy::Jwe)),
            "jwks" => Ok(Some(CacheStrategy::Jwks)),
            _ => Err(ConfigError::InvalidSessionStrategy),
        }
    }

    /// The option's word for this strategy.
    pub const fn name(self) -> &'static str {
        match self {
            CacheStrategy::Compact => "compact",
            CacheStrategy::Jwt => "jwt",
            CacheStrategy::Jwe => "jwe",
            CacheStrategy::Jwks => "jwks",
        }
    }

    /// Dots in a value of this strategy (0: compact, 2: JWS, 4: JWE): how a cache of
    /// another strategy is told apart from a damaged one.
    pub(super) const fn dots(self) -> usize {
        match self {
            CacheStrategy::Compact => 0,
            CacheStrategy::Jwt | CacheStrategy::Jwks => 2,
            CacheStrategy::Jwe => 4,
        }
    }
}

/// Better Auth's get-session endpoint under its base URL (the `getSessionUrl` default).
pub const GET_SESSION_PATH: &str = "/api/auth/get-session";

/// Session mode's settings ([`crate::GateConfig::session`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionConfig {
    /// How the cookie cache is written.
    pub strategy: CacheStrategy,
    /// Better Auth's base URL (`BETTER_AUTH_URL`): its origin is trusted, its scheme picks
    /// the `__Secure-` cookie names, and it is the `iss` of a `jwks` cache.
    pub base_url: Option<String>,
    /// More trusted origins (`trustedOrigins`), exact: `https://app.example.com`.
    pub trusted_origins: alloc::vec::Vec<String>,
    /// `__Secure-` cookie names; `None`: as the base URL's scheme says (https → yes).
    pub secure_cookies: Option<bool>,
    /// `session.cookieCache.version` (a string version; Better Auth's default `"1"`).
    pub version: String,
    /// `session.cookieCache.maxAge`, seconds: the longest a host remembers a refreshed
    /// verdict (never longer than Better Auth's own cache would live).
    pub max_age_seconds: u64,
}

impl SessionConfig {
    /// Session mode with `strategy` and Better Auth's defaults.
    pub fn new(strategy: CacheStrategy) -> Self {
        SessionConfig {
            strategy,
            base_url: None,
            trusted_origins: alloc::vec::Vec::new(),
            secure_cookies: None,
            version: String::from("1"),
            max_age_seconds: 300,
        }
    }

    /// Sets the base URL.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into()).filter(|u: &String| !u.is_empty());
        self
    }

    /// Sets the trusted origins.
    pub fn trusted_origins<I, S>(mut self, origins: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.trusted_origins = origins.into_iter().map(Into::into).collect();
        self
    }

    /// Where a host without Better Auth in process asks about a session: `configured`
    /// (the `getSessionUrl` option) when given, else Better Auth's get-session endpoint
    /// under the base URL; `None` without either.
    pub fn get_session_url(&self, configured: Option<&str>) -> Option<String> {
        match configured.map(str::trim).filter(|u| !u.is_empty()) {
            Some(url) => Some(String::from(url)),
            None => self
                .base_url
                .as_deref()
                .map(|base| alloc::format!("{}{GET_SESSION_PATH}", base.trim_end_matches('/'))),
        }
    }

    /// Are the cookies `__Secure-` prefixed?
    pub fn secure(&self) -> bool {
        self.secure_cookies.unwrap_or_else(|| {
            self.base_url.as_deref().is_some_and(|u| {
                u.len() > 8
                    && u.get(..8)
                        .is_some_and(|s| s.eq_ignore_ascii_case("https://"))
            })
        })
    }

    /// The name Better Auth gives one of its session cookies: `[__Secure-]{cookie_prefix}.{name}`
    /// (`name`: `session_token`, `session_data`).
    pub fn cookie_name(&self, cookie_prefix: &str, name: &str) -> String {
        let secure = if self.secure() { "__Secure-" } else { "" };
        alloc::format!("{secure}{cookie_prefix}.{name}")
    }

    /// Checks the settings ([`crate::GateConfig::validate`] calls this).
    pub(crate) fn validate(&self, has_secret: bool, key_set: bool) -> Result<(), ConfigError> {
        match self.strategy {
            CacheStrategy::Jwe if !cfg!(feature = "session-jwe") => {
                return Err(ConfigError::SessionStrategyNotInBuild)
            }
            CacheStrategy::Jwks if !key_set => return Err(ConfigError::SessionNeedsKeySet),
            _ if !has_secret => return Err(ConfigError::SessionNeedsSecret),
            _ => {}
        }
        if self
            .base_url
            .as_deref()
            .is_some_and(|u| origin_of(u).is_none())
        {
            return Err(ConfigError::InvalidTrustedOrigin { index: None });
        }
        if let Some(index) = self
            .trusted_origins
            .iter()
            .position(|o| origin_of(o).as_deref() != Some(o.as_str()))
        {
            return Err(ConfigError::InvalidTrustedOrigin { index: Some(index) });
        }
        if self.base_url.is_none() && self.trusted_origins.is_empty() {
            return Err(ConfigError::SessionNeedsBaseUrl);
        }
        Ok(())
    }
}

/// What a [`crate::Gate`] precomputes for session mode.
#[derive(Clone, Debug)]
pub(crate) struct SessionKeys {
    pub(super) config: SessionConfig,
    pub(super) token_cookie: String,
    pub(super) data_cookie: String,
    pub(super) trusted: alloc::vec::Vec<String>,
    /// The current secret's MAC (Better Auth signs and checks cookies with it alone).
    pub(super) mac: Hs256Key,
    #[cfg(feature = "session-jwe")]
    pub(super) jwe: Option<JweKey>,
}

impl SessionKeys {
    pub(crate) fn new(config: &SessionConfig, cookie_prefix: &str, secret: &[u8]) -> Self {
        #[cfg(not(feature = "session-jwe"))]
        let _ = secret.len();
        let trusted = config
            .base_url
            .iter()
            .filter_map(|u| origin_of(u))
            .chain(config.trusted_origins.iter().cloned())
            .collect();
        SessionKeys {
            token_cookie: config.cookie_name(cookie_prefix, "session_token"),
            data_cookie: config.cookie_name(cookie_prefix, "session_data"),
            trusted,
            mac: Hs256Key::new(secret),
            #[cfg(feature = "session-jwe")]
            jwe: (config.strategy == CacheStrategy::Jwe).then(|| JweKey::derive(secret)),
            config: config.clone(),
        }
    }

    /// The session cookie's name (`[__Secure-]{prefix}.session_token`).
    pub(crate) fn token_cookie(&self) -> &str {
        &self.token_cookie
    }
}
