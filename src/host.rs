//! The host contract, request side: what a host hands the core about an incoming request,
//! and the verdict it gets back. Sans-I/O: the host reads its own request object
//! (a Fetch `Request`, an ASGI scope, workers-rs' `Request`) into a [`HostRequest`],
//! calls [`Gate::decide`] (or [`crate::CachedGate::decide`]), and answers a
//! [`Verdict::Refuse`] with the error's status, [`Error::body_json`] and
//! [`Error::response_headers`]. What the origin then receives is the other half of the
//! contract: [`crate::OriginPlan`].
//!
//! Every rule about the request around the token lives here, once: which path is judged
//! (the one the host's router routes, [`Mount`]), which paths need a token at all, how
//! repeated `Authorization` field lines are read ([`Field`]), how an oversized one is
//! refused without reading it ([`crate::oversized_authorization`]).

use alloc::borrow::Cow;
use alloc::string::String;

use crate::config::GateConfig;
use crate::error::Error;
use crate::gate::Gate;
use crate::path::{route, AmbiguousPath, Route};
use crate::session::{SessionKeys, SessionRefresh};
use crate::token::VerifiedToken;

/// A request header as the host holds it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Field<'a> {
    /// Not sent.
    #[default]
    Absent,
    /// One value: a single field line, or every line already joined with `", "` (what a
    /// Fetch `Headers` object hands out).
    Value(&'a str),
    /// Every field line, in the order received (ASGI, h11, hyper keep them apart).
    Lines(&'a [&'a str]),
    /// A value (lines combined) longer than [`crate::MAX_AUTHORIZATION_BYTES`], of which the
    /// host hands over only the first bytes (at least [`crate::AUTHORIZATION_HEAD_BYTES`],
    /// or all there are): size checks come before copies. Judged as the whole value would
    /// be ([`crate::oversized_authorization`]).
    Oversized(&'a [u8]),
}

impl<'a> Field<'a> {
    /// The field value as RFC 9110 §5.3 combines repeated lines: joined with `", "`. Both
    /// forms a host may hold therefore get the same decision. For `Authorization` a
    /// combination of two or more lines is never a valid credential (`,` and the space
    /// are not token characters), so a repeated header is refused in every host, whatever
    /// line a server behind would read.
    /// ([`Field::Oversized`] has no value to combine: `None`; the decision reads its head.)
    pub fn combined(self) -> Option<Cow<'a, str>> {
        match self {
            Field::Absent | Field::Oversized(_) => None,
            Field::Value(value) => Some(Cow::Borrowed(value)),
            Field::Lines([]) => None,
            Field::Lines([one]) => Some(Cow::Borrowed(one)),
            Field::Lines(lines) => {
                let mut joined = String::new();
                for (i, line) in lines.iter().enumerate() {
                    if i > 0 {
                        joined.push_str(", ");
                    }
                    joined.push_str(line);
                }
                Some(Cow::Owned(joined))
            }
        }
    }
}

/// The part of the request target the host's router has already consumed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Mount<'a> {
    /// The router sees the whole target (a proxy, Next.js' `proxy.ts`, the worker).
    #[default]
    Whole,
    /// ASGI: the scope's percent-decoded `root_path` and `path` (uvicorn `--root-path`,
    /// `app.mount(...)`, `FastAPI(root_path=...)`). The app routes Starlette's
    /// `get_route_path(scope)`: `path` minus `root_path` when `path` starts with it at a
    /// segment boundary, else `path` as it is.
    Asgi {
        /// `scope["root_path"]`.
        root_path: &'a str,
        /// `scope["path"]`.
        path: &'a str,
    },
}

/// What the core needs to know about an incoming request (see the module docs).
#[derive(Clone, Copy, Debug, Default)]
pub struct HostRequest<'a> {
    /// The method as received.
    pub method: &'a str,
    /// The raw request target: path and query as sent, percent-escapes intact (ASGI
    /// `raw_path` + `?` + `query_string`; the URL's `pathname + search` in Fetch hosts).
    pub target: &'a str,
    /// What the router has consumed of `target`.
    pub mount: Mount<'a>,
    /// `Authorization`.
    pub authorization: Field<'a>,
    /// `Cookie` (session mode reads Better Auth's cookies from it; HTTP/2 may split it
    /// into several field lines, which are joined with `"; "`).
    pub cookie: Field<'a>,
    /// `Origin` (the CSRF rule of cookie-authenticated requests).
    pub origin: Field<'a>,
    /// `Referer` (the CSRF rule's fallback when there is no `Origin`).
    pub referer: Field<'a>,
}

impl<'a> HostRequest<'a> {
    /// A request whose router sees the whole target.
    pub fn new(method: &'a str, target: &'a str, authorization: Field<'a>) -> Self {
        HostRequest {
            method,
            target,
            mount: Mount::Whole,
            authorization,
            cookie: Field::Absent,
            origin: Field::Absent,
            referer: Field::Absent,
        }
    }

    /// The same request with its `Cookie`, `Origin` and `Referer` (session mode).
    pub fn with_cookies(
        mut self,
        cookie: Field<'a>,
        origin: Field<'a>,
        referer: Field<'a>,
    ) -> Self {
        self.cookie = cookie;
        self.origin = origin;
        self.referer = referer;
        self
    }

    /// The same request, mounted as `mount` says.
    pub fn mounted(mut self, mount: Mount<'a>) -> Self {
        self.mount = mount;
        self
    }

    /// The raw form of the path the app routes (query kept): for [`Mount::Asgi`], the
    /// target without the raw `root_path`. When the raw target and the decoded `path`
    /// disagree about where the prefix ends (`/back%65nd/api/...` routed into a
    /// `/backend` mount), the request is refused rather than guessed about.
    pub fn routed_target(&self) -> Result<Cow<'a, str>, Error> {
        let Mount::Asgi { root_path, path } = self.mount else {
            return Ok(Cow::Borrowed(self.target));
        };
        let root = root_path.trim_end_matches('/');
        // Starlette's get_route_path: no root, or a path outside it, routes as it is.
        let Some(rest) = path.strip_prefix(root).filter(|_| !root.is_empty()) else {
            return Ok(Cow::Borrowed(self.target));
        };
        if !(rest.is_empty() || rest.starts_with('/')) {
            return Ok(Cow::Borrowed(self.target));
        }
        // The router strips `root` from the decoded path: the raw target must carry the
        // same bytes, ending at a segment boundary, else the two readings differ.
        match self.target.strip_prefix(root) {
            Some(raw) if raw.starts_with('/') => Ok(Cow::Borrowed(raw)),
            // The mount's root itself: the app routes "/" (Starlette's "" reads as it).
            Some(raw) if raw.is_empty() || raw.starts_with('?') => {
                Ok(Cow::Owned(alloc::format!("/{raw}")))
            }
            _ => Err(Error::InvalidPath),
        }
    }
}

/// The core's answer to a [`HostRequest`].
#[derive(Debug, PartialEq)]
pub enum Verdict<V> {
    /// Outside the protected prefix: forward it without identity (the origin plan still
    /// applies: client-sent identity headers never pass).
    Pass,
    /// Allowed: the verified token the identity comes from.
    Allow(V),
    /// Allowed by Better Auth's session cookies (session mode): the verified session as
    /// a credential with `sub`, `email`, `name`, `iat` = now, `exp` = now + 900 and the
    /// session's `session` and `user` objects in its payload
    /// ([`VerifiedToken::is_session`]). Like [`Verdict::Allow`], owned from a [`Gate`] and
    /// borrowed from a [`crate::CachedGate`].
    Session(V),
    /// The session cookie is valid but its cache cannot decide (missing, expired, …): a
    /// host that can ask Better Auth does, and calls [`Gate::decide_refreshed`]; one that
    /// cannot refuses with [`SessionRefresh::reason`]. Nothing is forwarded yet.
    Refresh(SessionRefresh),
    /// Refused: answer with the error's status, body and headers; forward nothing.
    Refuse(Error),
}

impl<V> Verdict<V> {
    /// Is the request to be forwarded (allowed, or outside the prefix)?
    pub fn forwards(&self) -> bool {
        !matches!(self, Verdict::Refuse(_) | Verdict::Refresh(_))
    }

    /// The refusal, if any: for [`Verdict::Refresh`], the refusal of a host that cannot
    /// ask Better Auth.
    pub fn refusal(&self) -> Option<Error> {
        match self {
            Verdict::Refuse(error) => Some(*error),
            Verdict::Refresh(refresh) => Some(refresh.reason),
            _ => None,
        }
    }
}

impl Gate {
    /// The whole host decision for a middleware or proxy (see the module docs): the
    /// routed path outside the prefix passes (without identity); under it (or when the
    /// path cannot be read) the request needs what [`Gate::authorize`] requires.
    pub fn decide(&self, request: &HostRequest<'_>, now: u64) -> Verdict<VerifiedToken> {
        self.decide_with(
            request,
            false,
            |gate, keys, route, cookie| gate.decide_session(keys, request, route, cookie, now),
            |gate, method, target, authorization| {
                gate.authorize(method, target, authorization, now)
            },
        )
    }

    /// [`Gate::decide`] for a route dependency (`Depends(BetterAuthSession())`): a
    /// credential is needed whatever the path, a token or (session mode) the session
    /// cookies — never [`Verdict::Pass`]. For a token alone this is
    /// [`Gate::authorize_request`].
    pub fn decide_required(&self, request: &HostRequest<'_>, now: u64) -> Verdict<VerifiedToken> {
        self.decide_with(
            request,
            true,
            |gate, keys, route, cookie| gate.decide_session(keys, request, route, cookie, now),
            |gate, method, target, authorization| {
                gate.authorize(method, target, authorization, now)
            },
        )
    }

    /// [`Gate::authorize`] on a [`HostRequest`]: a token is needed whatever the path
    /// (what a route dependency such as `Depends(BetterAuth())` asks).
    pub fn authorize_request(
        &self,
        request: &HostRequest<'_>,
        now: u64,
    ) -> Result<VerifiedToken, Error> {
        let target = request.routed_target()?;
        if let Field::Oversized(head) = request.authorization {
            return Err(self.refuse_oversized(request.method, head));
        }
        let authorization = request.authorization.combined();
        self.authorize(request.method, &target, authorization.as_deref(), now)
    }

    /// The refusal of a request whose `Authorization` is [`Field::Oversized`]: the method
    /// rule first (as for any request), then the value's head.
    pub fn refuse_oversized(&self, method: &str, head: &[u8]) -> Error {
        if crate::gate::is_method_token(method) {
            crate::gate::oversized_authorization(head)
        } else {
            Error::InvalidMethod
        }
    }

    /// The request rules of [`Gate::decide`] around the token check `authorize`, shared with
    /// [`crate::CachedGate::decide`].
    pub(crate) fn decide_with<V>(
        &self,
        request: &HostRequest<'_>,
        required: bool,
        session: impl FnOnce(
            &Self,
            &SessionKeys,
            &Result<Route<'_>, AmbiguousPath>,
            &str,
        ) -> Option<Verdict<V>>,
        authorize: impl FnOnce(&Self, &str, &str, Option<&str>) -> Result<V, Error>,
    ) -> Verdict<V> {
        let target = match target_to_judge(&self.config().api_prefix, request, required) {
            Ok(Some(target)) => target,
            Ok(None) => return Verdict::Pass,
            Err(error) => return Verdict::Refuse(error),
        };
        // A bearer token is judged alone; session cookies never override or rescue it.
        if let (Field::Absent, Some(keys)) = (request.authorization, self.session_keys()) {
            if let Some(cookie) = cookie_header(request.cookie) {
                let route = self.route_of(request.method, &target);
                if let Some(verdict) = session(self, keys, &route, &cookie) {
                    return verdict;
                }
            }
        }
        if let Field::Oversized(head) = request.authorization {
            return Verdict::Refuse(self.refuse_oversized(request.method, head));
        }
        let authorization = request.authorization.combined();
        match authorize(self, request.method, &target, authorization.as_deref()) {
            Ok(verified) => Verdict::Allow(verified),
            Err(error) => Verdict::Refuse(error),
        }
    }
}

impl GateConfig {
    /// [`Gate::decide`] for a host that has no gate yet because its key set has not arrived
    /// (a remote JWKS not fetched): a path outside the prefix passes as it always would;
    /// every other request is refused with [`Error::KeysUnavailable`] (503), never passed.
    pub fn decide_awaiting_key_set<V>(&self, request: &HostRequest<'_>) -> Verdict<V> {
        match needs_token(&self.api_prefix, request) {
            Ok(None) => Verdict::Pass,
            Ok(Some(_)) => Verdict::Refuse(Error::KeysUnavailable),
            Err(error) => Verdict::Refuse(error),
        }
    }
}

/// The `Cookie` header as one value: field lines joined with `"; "` (RFC 9113 §8.2.3).
pub(crate) fn cookie_header<'a>(field: Field<'a>) -> Option<Cow<'a, str>> {
    match field {
        Field::Absent | Field::Oversized(_) | Field::Lines([]) => None,
        Field::Value(value) => Some(Cow::Borrowed(value)),
        Field::Lines([one]) => Some(Cow::Borrowed(one)),
        Field::Lines(lines) => Some(Cow::Owned(lines.join("; "))),
    }
}

/// The routed target to judge: that of a request that needs a credential; `None` outside
/// the prefix unless one is `required` whatever the path (a route dependency).
pub(crate) fn target_to_judge<'a>(
    api_prefix: &str,
    request: &HostRequest<'a>,
    required: bool,
) -> Result<Option<Cow<'a, str>>, Error> {
    if required {
        request.routed_target().map(Some)
    } else {
        needs_token(api_prefix, request)
    }
}

/// The routed target of a request that needs a token; `None` outside the prefix.
pub(crate) fn needs_token<'a>(
    api_prefix: &str,
    request: &HostRequest<'a>,
) -> Result<Option<Cow<'a, str>>, Error> {
    let target = request.routed_target()?;
    Ok((!matches!(route(api_prefix, &target), Ok(Route::Unprotected))).then_some(target))
}

/// The clock as hosts receive it, in seconds (JS numbers, Python floats): floored; a
/// broken clock fails closed — NaN and +∞ mean "far future" (every token expired), a
/// negative time means 0.
pub fn clock_seconds(now: f64) -> u64 {
    if now.is_nan() {
        u64::MAX
    } else if now <= 0.0 {
        0
    } else {
        now as u64 // truncation is the floor for positive values; `as` saturates
    }
}
