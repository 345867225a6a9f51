//! Better Auth's own session cookies as a credential: the signed `session_token` and
//! the cookie cache (`session_data`) beside it, verified where the request arrives, with
//! no database. The decision is the token decision's: the same path rule and self
//! routes, `sub` = the user's id; what is new has codes of its own (a cache that is
//! missing, expired, of another strategy, or not bound to the session cookie; the CSRF
//! rule). See docs/decisions/sessions.md.
//!
//! The cache lives minutes, the session days: when the cache cannot decide, the verdict
//! is [`crate::Verdict::Refresh`], and a host that can ask Better Auth (`getSession`, or
//! `GET /api/auth/get-session` with the request's cookies) hands the answer to
//! [`Gate::decide_refreshed`]; a host that cannot refuses with the reason's code.

pub(crate) mod compact;
pub(crate) mod cookies;
pub(crate) mod csrf;
mod jwe;
mod jws;
pub(crate) mod payload;

use alloc::string::String;
use core::fmt::Write;

use sha2::{Digest, Sha256};

use crate::bridge::push_json_string;
use crate::error::{ConfigError, Error};
use crate::gate::Gate;
use crate::host::{HostRequest, Verdict};
use crate::keys::hs256::Hs256Key;
use crate::token::{Claims, VerifiedToken};

pub use csrf::origin_of;
pub(crate) use jwe::JweKey;
pub use jws::{CACHE_JWT_AUDIENCE, CACHE_JWT_TYPE};

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
    const fn dots(self) -> usize {
        match self {
            CacheStrategy::Compact => 0,
            CacheStrategy::Jwt | CacheStrategy::Jwks => 2,
            CacheStrategy::Jwe => 4,
        }
    }
}

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

    /// Checks the settings ([`crate::GateConfig::validate`] calls this).
    pub(crate) fn validate(&self, has_secret: bool, key_set: bool) -> Result<(), ConfigError> {
        match self.strategy {
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

/// What a [`Gate`] precomputes for session mode.
#[derive(Clone, Debug)]
pub(crate) struct SessionKeys {
    config: SessionConfig,
    token_cookie: String,
    data_cookie: String,
    trusted: alloc::vec::Vec<String>,
    /// The current secret's MAC (Better Auth signs and checks cookies with it alone).
    mac: Hs256Key,
    jwe: Option<JweKey>,
}

impl SessionKeys {
    pub(crate) fn new(config: &SessionConfig, cookie_prefix: &str, secret: &[u8]) -> Self {
        let secure = if config.secure() { "__Secure-" } else { "" };
        let trusted = config
            .base_url
            .iter()
            .filter_map(|u| origin_of(u))
            .chain(config.trusted_origins.iter().cloned())
            .collect();
        SessionKeys {
            token_cookie: alloc::format!("{secure}{cookie_prefix}.session_token"),
            data_cookie: alloc::format!("{secure}{cookie_prefix}.session_data"),
            trusted,
            mac: Hs256Key::new(secret),
            jwe: (config.strategy == CacheStrategy::Jwe).then(|| JweKey::derive(secret)),
            config: config.clone(),
        }
    }

    /// The session cookie's name (`[__Secure-]{prefix}.session_token`).
    pub(crate) fn token_cookie(&self) -> &str {
        &self.token_cookie
    }
}

/// A verdict the cookie cache could not give: the host asks Better Auth, or refuses
/// with [`SessionRefresh::reason`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionRefresh {
    /// Why the cache could not decide (the refusal of a host that cannot refresh):
    /// [`Error::SessionCacheMissing`], [`Error::SessionCacheExpired`],
    /// [`Error::SessionCacheInvalid`], [`Error::SessionCacheStrategy`],
    /// [`Error::SessionCacheUnbound`] or [`Error::SessionExpired`].
    pub reason: Error,
    /// Hex SHA-256 of the session token: the key a host remembers the refreshed verdict
    /// under (and shares one pending refresh by), never the token itself.
    pub key: String,
    /// How long the host may remember Better Auth's answer, in seconds.
    pub remember_seconds: u64,
}

/// How long a session decision's bridge token lives: the spec's origin refuses
/// lifetimes under 900 s (docs/decisions/sessions.md: it may outlive a session ending sooner).
pub const SESSION_TOKEN_LIFETIME: i64 = 900;

/// Milliseconds at which a cache or session counts as ended: one second early, since
/// the clock arrives in whole seconds (never later than Better Auth would end it).
fn ended(expires_ms: i64, now: u64) -> bool {
    i128::from(expires_ms) < (i128::from(now) + 1) * 1000
}

impl Gate {
    /// The cookie path of [`Gate::decide`]: `None` when the request carries no session
    /// cookie (the token rules then answer it). With `cache` ([`crate::CachedGate`]), a
    /// repeat of the same two cookies skips every check that does not depend on the time
    /// or on the request (the same order of rules, so the same answers).
    pub(crate) fn decide_session<V>(
        &self,
        keys: &SessionKeys,
        cache: Option<&mut SessionCache>,
        request: &HostRequest<'_>,
        target: &str,
        cookie: &str,
        now: u64,
    ) -> Option<Verdict<V>> {
        let signed = match cookies::find(cookie, &keys.token_cookie) {
            cookies::Found::Absent => return None,
            cookies::Found::Conflict => return Some(Verdict::Refuse(Error::SessionInvalid)),
            cookies::Found::One(signed) => signed,
        };
        let data = cookies::chunked(cookie, &keys.data_cookie);
        let slot = cache.and_then(|c| c.slot(data.as_deref()?).map(|i| (c, i)));
        if let Some((cache, index)) = &slot {
            if let Some(reading) = cache.hit(*index, &signed, data.as_deref()) {
                // The signed cookie verified when this entry was stored.
                return Some(match self.session_request_rules(keys, request) {
                    Ok(()) => self.judge_reading(keys, request, target, reading, now),
                    Err(error) => Verdict::Refuse(error),
                });
            }
        }
        let Some(token) = cookies::verify_signed(&signed, &keys.mac) else {
            return Some(Verdict::Refuse(Error::SessionInvalid));
        };
        if let Err(error) = self.session_request_rules(keys, request) {
            return Some(Verdict::Refuse(error));
        }
        Some(match self.read_cache(keys, data.as_deref(), token, now) {
            Ok(reading) => {
                let verdict = self.judge_reading(keys, request, target, &reading, now);
                if let (Some((cache, index)), Some(data)) = (slot, data) {
                    cache.store(index, &signed, &data, reading);
                }
                verdict
            }
            Err(reason) => refresh(keys, token, reason),
        })
    }

    /// The signed session token: `None` without the cookie, an error when it is not one
    /// Better Auth signed (or two different ones are sent).
    fn session_token(&self, keys: &SessionKeys, cookie: &str) -> Option<Result<String, Error>> {
        match cookies::find(cookie, &keys.token_cookie) {
            cookies::Found::Absent => None,
            cookies::Found::Conflict => Some(Err(Error::SessionInvalid)),
            cookies::Found::One(signed) => Some(
                cookies::verify_signed(&signed, &keys.mac)
                    .map(String::from)
                    .ok_or(Error::SessionInvalid),
            ),
        }
    }

    /// Everything about a cookie cache that does not depend on the time: its strategy,
    /// signature or encryption, shape, binding to the session cookie's `token`, version.
    /// `Err` is the reason the cache cannot decide.
    pub(crate) fn read_cache(
        &self,
        keys: &SessionKeys,
        value: Option<&str>,
        token: &str,
        now: u64,
    ) -> Result<SessionReading, Error> {
        let value = value.ok_or(Error::SessionCacheMissing)?;
        let dots = value.bytes().filter(|b| *b == b'.').count();
        if dots != keys.config.strategy.dots() && matches!(dots, 0 | 2 | 4) {
            return Err(Error::SessionCacheStrategy);
        }
        let (data, cache_expires_ms, sub_sid) = self
            .open_cache(keys, value, now)
            .ok_or(Error::SessionCacheInvalid)?;
        let session = payload::read(&data, true).ok_or(Error::SessionCacheInvalid)?;
        if let Some((sub, sid)) = sub_sid {
            if sub != session.user_id || sid != session.token {
                return Err(Error::SessionCacheInvalid);
            }
        }
        // Bound to the session cookie beside it (Better Auth's server checks this; its
        // `getCookieCache` does not).
        if session.token != token {
            return Err(Error::SessionCacheUnbound);
        }
        if session.version != keys.config.version {
            return Err(Error::SessionCacheInvalid);
        }
        Ok(SessionReading::new(&session, cache_expires_ms))
    }

    /// The time rules on a reading, then the identity through the path rule.
    pub(crate) fn judge_reading<V>(
        &self,
        keys: &SessionKeys,
        request: &HostRequest<'_>,
        target: &str,
        reading: &SessionReading,
        now: u64,
    ) -> Verdict<V> {
        if ended(reading.cache_expires_ms, now) {
            return refresh(keys, &reading.token, Error::SessionCacheExpired);
        }
        if ended(reading.expires_ms, now) {
            return refresh(keys, &reading.token, Error::SessionExpired);
        }
        self.allow_session(request, target, reading, now)
    }

    /// The rules a cookie-authenticated request meets before its session is read: a
    /// method token, and the CSRF rule for unsafe methods.
    pub(crate) fn session_request_rules(
        &self,
        keys: &SessionKeys,
        request: &HostRequest<'_>,
    ) -> Result<(), Error> {
        if !crate::gate::is_method_token(request.method) {
            return Err(Error::InvalidMethod);
        }
        if csrf::is_safe_method(request.method) {
            return Ok(());
        }
        let origin = request.origin.combined();
        let referer = request.referer.combined();
        csrf::check(&keys.trusted, origin.as_deref(), referer.as_deref())
    }

    /// The verified cache's session data and the cache's own expiry (ms), by strategy.
    fn open_cache(&self, keys: &SessionKeys, value: &str, now: u64) -> Option<OpenCache> {
        match keys.config.strategy {
            CacheStrategy::Compact => {
                let c = compact::verify(value, &keys.mac)?;
                Some((c.data, c.expires_ms, None))
            }
            CacheStrategy::Jwt => {
                let c = jws::verify_hs256(value, &keys.mac, now)?;
                Some((c.claims, c.exp.saturating_mul(1000), None))
            }
            CacheStrategy::Jwe => {
                let claims = keys.jwe.as_ref()?.decrypt(value)?;
                let exp = exp_claim(&claims)?;
                Some((claims, exp.saturating_mul(1000), None))
            }
            CacheStrategy::Jwks => {
                let issuer = keys.config.base_url.as_deref();
                let c = jws::verify_key_set(value, self, issuer, now)?;
                Some((c.claims, c.exp.saturating_mul(1000), c.sub_sid))
            }
        }
    }

    /// [`Gate::decide`] for a request whose verdict was [`Verdict::Refresh`], with Better
    /// Auth's answer: `body` is the JSON of `getSession` / `GET /api/auth/get-session`
    /// for the request's cookies (`null` when it knows no such session). The answer must
    /// be about the session the signed cookie names, and that session must not have
    /// ended; then the same rules as for a cache decide.
    pub fn decide_refreshed<V>(
        &self,
        request: &HostRequest<'_>,
        body: &str,
        now: u64,
    ) -> Verdict<V> {
        self.decide_refreshed_with(request, body, now, false)
    }

    /// [`Gate::decide_refreshed`] for a route dependency: as [`Gate::decide_required`],
    /// never [`Verdict::Pass`].
    pub fn decide_refreshed_required<V>(
        &self,
        request: &HostRequest<'_>,
        body: &str,
        now: u64,
    ) -> Verdict<V> {
        self.decide_refreshed_with(request, body, now, true)
    }

    fn decide_refreshed_with<V>(
        &self,
        request: &HostRequest<'_>,
        body: &str,
        now: u64,
        required: bool,
    ) -> Verdict<V> {
        let Some(keys) = self.session_keys() else {
            return Verdict::Refuse(Error::SessionInvalid);
        };
        let api_prefix = &self.config().api_prefix;
        let target = match crate::host::target_to_judge(api_prefix, request, required) {
            Ok(Some(target)) => target,
            Ok(None) => return Verdict::Pass,
            Err(error) => return Verdict::Refuse(error),
        };
        let cookie = crate::host::cookie_header(request.cookie);
        let token = match cookie.as_deref().and_then(|c| self.session_token(keys, c)) {
            Some(Ok(token)) => token,
            Some(Err(error)) => return Verdict::Refuse(error),
            None => return Verdict::Refuse(Error::MissingAuthorization),
        };
        if let Err(error) = self.session_request_rules(keys, request) {
            return Verdict::Refuse(error);
        }
        let Some(session) = payload::read(body.trim().as_bytes(), false) else {
            return Verdict::Refuse(Error::SessionInvalid);
        };
        if session.token != token {
            return Verdict::Refuse(Error::SessionInvalid);
        }
        if ended(session.expires_ms, now) {
            return Verdict::Refuse(Error::SessionExpired);
        }
        self.allow_session(
            request,
            &target,
            &SessionReading::new(&session, i64::MAX),
            now,
        )
    }

    /// The identity of a verified session, through the path rule.
    fn allow_session<V>(
        &self,
        request: &HostRequest<'_>,
        target: &str,
        session: &SessionReading,
        now: u64,
    ) -> Verdict<V> {
        if session.user_id.is_empty() || session.email.is_empty() {
            return Verdict::Refuse(Error::MissingClaims);
        }
        if let Err(error) = self.path_rule(request.method, target, &session.user_id) {
            return Verdict::Refuse(error);
        }
        let iat = i64::try_from(now).unwrap_or(i64::MAX);
        let exp = iat.saturating_add(SESSION_TOKEN_LIFETIME);
        let mut json =
            String::with_capacity(96 + session.session_json.len() + session.user_json.len());
        json.push_str("{\"sub\":");
        push_json_string(&mut json, &session.user_id);
        json.push_str(",\"email\":");
        push_json_string(&mut json, &session.email);
        json.push_str(",\"name\":");
        push_json_string(&mut json, &session.name);
        let _ = write!(json, ",\"iat\":{iat},\"exp\":{exp},\"session\":");
        json.push_str(&session.session_json);
        json.push_str(",\"user\":");
        json.push_str(&session.user_json);
        json.push('}');
        Verdict::Session(VerifiedToken::from_session(
            Claims {
                sub: session.user_id.clone(),
                email: session.email.clone(),
                exp,
                iat,
                nbf: None,
            },
            json,
        ))
    }
}

/// A verified session, owned (what [`crate::CachedGate`] keeps for repeats): the checks
/// that do not depend on the time have passed.
#[derive(Clone, Debug)]
pub(crate) struct SessionReading {
    token: String,
    expires_ms: i64,
    user_id: String,
    email: String,
    name: String,
    session_json: String,
    user_json: String,
    /// The cache's own expiry (`i64::MAX` for a get-session answer).
    cache_expires_ms: i64,
}

impl SessionReading {
    fn new(session: &payload::SessionData<'_>, cache_expires_ms: i64) -> Self {
        SessionReading {
            token: session.token.clone(),
            expires_ms: session.expires_ms,
            user_id: session.user_id.clone(),
            email: session.email.clone(),
            name: session.name.clone(),
            session_json: String::from(session.session_json),
            user_json: String::from(session.user_json),
            cache_expires_ms,
        }
    }
}

/// Verified session caches, for repeats ([`crate::CachedGate`]): bounded slots keyed by
/// the cache cookie's tail; a hit needs both cookies equal, compared in constant time.
/// Only readings that passed every time-independent check are stored.
pub(crate) struct SessionCache {
    slots: alloc::vec::Vec<Option<SessionEntry>>,
}

struct SessionEntry {
    signed: alloc::boxed::Box<str>,
    data: alloc::boxed::Box<str>,
    reading: SessionReading,
}

/// Longest cache value stored (a default user's compact cache is about 800 bytes).
const MAX_CACHED_SESSION_BYTES: usize = 8 * 1024;

impl SessionCache {
    /// `slots` slots (a power of two, or 0: off).
    pub(crate) fn new(slots: usize) -> Self {
        SessionCache {
            slots: core::iter::repeat_with(|| None).take(slots).collect(),
        }
    }

    /// Forgets every entry (a key set changed).
    pub(crate) fn clear(&mut self) {
        self.slots.iter_mut().for_each(|slot| *slot = None);
    }

    fn slot(&self, data: &str) -> Option<usize> {
        let bytes = data.as_bytes();
        if bytes.len() > MAX_CACHED_SESSION_BYTES {
            return None;
        }
        let tail: [u8; 8] = bytes.get(bytes.len().checked_sub(8)?..)?.try_into().ok()?;
        let mixed =
            (u64::from_le_bytes(tail) ^ bytes.len() as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        Some((mixed >> 32) as usize & self.slots.len().checked_sub(1)?)
    }

    fn hit(&self, index: usize, signed: &str, data: Option<&str>) -> Option<&SessionReading> {
        let entry = self.slots.get(index)?.as_ref()?;
        let same = crate::keys::hs256::constant_time_eq(entry.signed.as_bytes(), signed.as_bytes())
            & crate::keys::hs256::constant_time_eq(entry.data.as_bytes(), data?.as_bytes());
        same.then_some(&entry.reading)
    }

    fn store(&mut self, index: usize, signed: &str, data: &str, reading: SessionReading) {
        if let Some(cell) = self.slots.get_mut(index) {
            *cell = Some(SessionEntry {
                signed: signed.into(),
                data: data.into(),
                reading,
            });
        }
    }
}

/// The refresh verdict for `token`'s session.
fn refresh<V>(keys: &SessionKeys, token: &str, reason: Error) -> Verdict<V> {
    Verdict::Refresh(SessionRefresh {
        reason,
        key: session_key(token),
        remember_seconds: keys.config.max_age_seconds,
    })
}

/// `exp` of a decrypted claim set.
fn exp_claim(claims: &[u8]) -> Option<i64> {
    let mut exp = None;
    crate::json::read_object(claims, |n| n == "exp", |_, v| exp = v.as_int()).ok()?;
    exp
}

/// A cache that verified: its session data, its own expiry (ms), and a `jwks` cache's
/// `sub`/`sid`.
type OpenCache = (alloc::vec::Vec<u8>, i64, Option<(String, String)>);

/// Hex SHA-256 of a session token.
fn session_key(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    let mut out = String::with_capacity(64);
    for byte in digest {
        let _ = write!(out, "{byte:02x}");
    }
    out
}
