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

use alloc::borrow::Cow;
use alloc::string::String;
use core::fmt::Write;

use sha2::{Digest, Sha256};

use crate::bridge::push_json_string;
use crate::error::Error;
use crate::gate::Gate;
use crate::host::{HostRequest, Verdict};
use crate::path::{AmbiguousPath, Route};
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
    /// cookie (the token rules then answer it).
    pub(crate) fn decide_session(
        &self,
        keys: &SessionKeys,
        request: &HostRequest<'_>,
        route: &Result<Route<'_>, AmbiguousPath>,
        cookie: &str,
        now: u64,
    ) -> Option<Verdict<VerifiedToken>> {
        let (raw, data) = match session_cookies(keys, cookie)? {
            Ok(found) => found,
            Err(error) => return Some(Verdict::Refuse(error)),
        };
        let signed = cookies::decode(&raw);
        Some(
            match self.read_session(keys, request, &signed, data.as_deref(), now) {
                Ok(reading) => match self.judge_reading(keys, route, &reading, now) {
                    Ok(()) => Verdict::Session(session_verified(&reading, now)),
                    Err(denied) => widen(denied),
                },
                Err(denied) => widen(denied),
            },
        )
    }

    /// [`Gate::decide_session`] through [`crate::CachedGate`]'s verified caches: a repeat
    /// of the same two cookies skips every check that depends on neither the time nor the
    /// request (the same rules in the same order, so the same answers), and the verified
    /// session it answers with is built once per `now`.
    pub(crate) fn decide_session_cached<'c>(
        &self,
        keys: &SessionKeys,
        cache: &'c mut SessionCache,
        request: &HostRequest<'_>,
        route: &Result<Route<'_>, AmbiguousPath>,
        cookie: &str,
        now: u64,
    ) -> Option<Verdict<&'c VerifiedToken>> {
        cache.forget_last();
        // The same whole header as before: the same two cookies, already verified.
        let header_slot = cache.header_slot(cookie);
        let seen = header_slot.and_then(|slot| cache.header_hit(slot, cookie));
        if let Some((index, reading)) = seen.and_then(|i| Some((i, cache.reading(i)?))) {
            let judged = self
                .session_request_rules(keys, request)
                .map_err(Verdict::Refuse)
                .and_then(|()| self.judge_reading(keys, route, reading, now));
            return Some(match judged {
                Ok(()) => cache.verified(index, now, session_verified),
                Err(denied) => widen(denied),
            });
        }
        let (raw, data) = match session_cookies(keys, cookie)? {
            Ok(found) => found,
            Err(error) => return Some(Verdict::Refuse(error)),
        };
        let slot = data.as_deref().and_then(|data| cache.slot(data));
        if let Some(index) = slot {
            // Keyed by the raw session cookie: another spelling of it only misses.
            if let Some(reading) = cache.hit(index, &raw, data.as_deref()) {
                // The signed cookie verified when this entry was stored.
                let judged = self
                    .session_request_rules(keys, request)
                    .map_err(Verdict::Refuse)
                    .and_then(|()| self.judge_reading(keys, route, reading, now));
                if let Some(header_slot) = header_slot {
                    cache.remember_header(header_slot, cookie, index);
                }
                return Some(match judged {
                    Ok(()) => cache.verified(index, now, session_verified),
                    Err(denied) => widen(denied),
                });
            }
        }
        let signed = cookies::decode(&raw);
        let reading = match self.read_session(keys, request, &signed, data.as_deref(), now) {
            Ok(reading) => reading,
            Err(denied) => return Some(widen(denied)),
        };
        let judged = self.judge_reading(keys, route, &reading, now);
        Some(match (judged, slot.zip(data.as_deref())) {
            (Ok(()), Some((index, data))) => {
                cache.store(index, &raw, data, reading);
                if let Some(header_slot) = header_slot {
                    cache.remember_header(header_slot, cookie, index);
                }
                cache.verified(index, now, session_verified)
            }
            (Ok(()), None) => Verdict::Session(cache.keep(session_verified(&reading, now))),
            (Err(denied), Some((index, data))) => {
                cache.store(index, &raw, data, reading);
                if let Some(header_slot) = header_slot {
                    cache.remember_header(header_slot, cookie, index);
                }
                widen(denied)
            }
            (Err(denied), None) => widen(denied),
        })
    }

    /// The reading of a request's session cookies whose rules do not depend on the time:
    /// the signed cookie, the request rules (method, CSRF), then the cache beside it.
    fn read_session(
        &self,
        keys: &SessionKeys,
        request: &HostRequest<'_>,
        signed: &str,
        data: Option<&str>,
        now: u64,
    ) -> Result<SessionReading, Denied> {
        let token = cookies::verify_signed(signed, &keys.mac)
            .ok_or(Verdict::Refuse(Error::SessionInvalid))?;
        self.session_request_rules(keys, request)
            .map_err(Verdict::Refuse)?;
        self.read_cache(keys, data, token, now)
            .map_err(|reason| refresh(keys, token, reason))
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
        // At most 5 counted, each found by a word-at-a-time search (a compact value has none).
        let dots = value.match_indices('.').take(5).count();
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
        Ok(SessionReading::new(session, cache_expires_ms))
    }

    /// The time rules on a reading, then the identity through the path rule: `Ok` when
    /// the session allows the request.
    pub(crate) fn judge_reading(
        &self,
        keys: &SessionKeys,
        route: &Result<Route<'_>, AmbiguousPath>,
        reading: &SessionReading,
        now: u64,
    ) -> Result<(), Denied> {
        if ended(reading.cache_expires_ms, now) {
            return Err(refresh(keys, &reading.token, Error::SessionCacheExpired));
        }
        if ended(reading.expires_ms, now) {
            return Err(refresh(keys, &reading.token, Error::SessionExpired));
        }
        allow_session(route, reading).map_err(Verdict::Refuse)
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
    pub fn decide_refreshed(
        &self,
        request: &HostRequest<'_>,
        body: &str,
        now: u64,
    ) -> Verdict<VerifiedToken> {
        self.decide_refreshed_with(request, body, now, false)
    }

    /// [`Gate::decide_refreshed`] for a route dependency: as [`Gate::decide_required`],
    /// never [`Verdict::Pass`].
    pub fn decide_refreshed_required(
        &self,
        request: &HostRequest<'_>,
        body: &str,
        now: u64,
    ) -> Verdict<VerifiedToken> {
        self.decide_refreshed_with(request, body, now, true)
    }

    fn decide_refreshed_with(
        &self,
        request: &HostRequest<'_>,
        body: &str,
        now: u64,
        required: bool,
    ) -> Verdict<VerifiedToken> {
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
        let reading = SessionReading::new(session, i64::MAX);
        match allow_session(&self.route_of(request.method, &target), &reading) {
            Ok(()) => Verdict::Session(session_verified(&reading, now)),
            Err(error) => Verdict::Refuse(error),
        }
    }
}

/// The identity of a verified session, through the path rule.
fn allow_session(
    route: &Result<Route<'_>, AmbiguousPath>,
    session: &SessionReading,
) -> Result<(), Error> {
    if session.user_id.is_empty() || session.email.is_empty() {
        return Err(Error::MissingClaims);
    }
    crate::gate::route_rule(route, &session.user_id)
}

/// A verdict that does not allow (the type has no allowed value).
type Denied = Verdict<core::convert::Infallible>;

/// A [`Denied`] verdict as a verdict of any kind.
fn widen<V>(denied: Denied) -> Verdict<V> {
    match denied {
        Verdict::Pass => Verdict::Pass,
        Verdict::Allow(never) | Verdict::Session(never) => match never {},
        Verdict::Refresh(refresh) => Verdict::Refresh(refresh),
        Verdict::Refuse(error) => Verdict::Refuse(error),
    }
}

/// The session token and the cookie cache of a `Cookie` header: `None` without a session
/// token cookie; `Err` when it is sent twice with different values.
#[allow(clippy::type_complexity)]
fn session_cookies<'h>(
    keys: &SessionKeys,
    cookie: &'h str,
) -> Option<Result<(Cow<'h, str>, Option<Cow<'h, str>>), Error>> {
    let found = cookies::SessionCookies::read(cookie, &keys.token_cookie, &keys.data_cookie);
    match found.token {
        cookies::Found::Absent => None,
        cookies::Found::Conflict => Some(Err(Error::SessionInvalid)),
        cookies::Found::One(signed) => Some(Ok((signed, found.data))),
    }
}

/// The verified session a decision allows with: `sub`, `email`, `name`, `iat` = `now`,
/// `exp` = `now` + [`SESSION_TOKEN_LIFETIME`], then the session and user objects.
fn session_verified(session: &SessionReading, now: u64) -> VerifiedToken {
    let iat = i64::try_from(now).unwrap_or(i64::MAX);
    let exp = iat.saturating_add(SESSION_TOKEN_LIFETIME);
    let mut json = String::with_capacity(
        96 + session.user_id.len()
            + session.email.len()
            + session.name.len()
            + session.session_json.len()
            + session.user_json.len(),
    );
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
    VerifiedToken::from_session(
        Claims {
            sub: session.user_id.clone(),
            email: session.email.clone(),
            exp,
            iat,
            nbf: None,
        },
        json,
    )
}

/// The refresh verdict for `token`'s session.
fn refresh(keys: &SessionKeys, token: &str, reason: Error) -> Denied {
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
