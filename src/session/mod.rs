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
mod config;
pub(crate) mod cookies;
pub(crate) mod csrf;
#[cfg(feature = "session-jwe")]
mod jwe;
mod jws;
pub(crate) mod payload;
mod repeat;

use alloc::string::String;
use core::fmt::Write;

use sha2::{Digest, Sha256};

use crate::bridge::push_json_string;
use crate::error::Error;
use crate::gate::Gate;
use crate::host::{HostRequest, Verdict};
use crate::token::{Claims, VerifiedToken};

pub(crate) use config::SessionKeys;
pub use config::{CacheStrategy, SessionConfig, GET_SESSION_PATH};
pub use csrf::origin_of;
#[cfg(all(test, feature = "session-jwe"))]
pub(crate) use jwe::JweKey;
pub use jws::{CACHE_JWT_AUDIENCE, CACHE_JWT_TYPE};
pub(crate) use repeat::{SessionCache, SessionReading};

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
                #[cfg(feature = "session-jwe")]
                let claims = keys.jwe.as_ref()?.decrypt(value)?;
                // Not reached: a build without `session-jwe` refuses the strategy at startup.
                #[cfg(not(feature = "session-jwe"))]
                let claims: alloc::vec::Vec<u8> = None?;
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
