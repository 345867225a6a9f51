//! [`Gate`]: a validated configuration and the decision pipeline (parse → signature →
//! claims → request rules), written once; [`crate::CachedGate`] runs the same pipeline
//! with its cache in the signature-and-claims step.

use alloc::string::String;
use alloc::vec::Vec;

use crate::config::{self, GateConfig};
use crate::config_error::ConfigError;
use crate::error::Error;
use crate::json::{read_object, Loose};
use crate::keys::hs256::Hs256Key;
use crate::keys::key_set::KeySet;
use crate::path::{route, route_with_self_routes, AmbiguousPath, Route};
use crate::session::SessionKeys;
use crate::token::{
    base64url, AcceptedAlgs, Alg, Claims, UntrustedToken, VerifiedToken, MAX_TOKEN_BYTES,
};

/// Longest `Authorization` header that can pass: `Bearer ` plus the largest token.
pub const MAX_AUTHORIZATION_BYTES: usize = 7 + MAX_TOKEN_BYTES;

/// How much of an oversized `Authorization` value is read (to tell `Bearer` from another
/// scheme): hosts hand the core at most this many bytes of such a value, never all of it.
pub const AUTHORIZATION_HEAD_BYTES: usize = 64;

/// A verified token with the time-independent facts `judge` needs besides its claims.
#[derive(Clone, Debug)]
pub(crate) struct Reading {
    pub(crate) verified: VerifiedToken,
    pub(crate) issuer_ok: bool,
    pub(crate) audience_ok: bool,
}

/// A validated configuration with its HMAC key states precomputed.
#[derive(Clone)]
pub struct Gate {
    /// Keyed MAC states, current secret first; cloned per token (no re-keying).
    keys: Vec<Hs256Key>,
    /// The configured self routes (method, path after the prefix), as the path rule reads them.
    self_routes: Vec<config::SelfRoute>,
    /// Session mode's cookie names, trusted origins and keys.
    session: Option<SessionKeys>,
    config: GateConfig,
}

impl core::fmt::Debug for Gate {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Gate")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl Gate {
    /// Validates `config` (see [`GateConfig::validate`]) and precomputes the key states.
    pub fn new(config: GateConfig) -> Result<Gate, ConfigError> {
        config.validate()?;
        let keys = core::iter::once(&config.secret)
            .filter(|_| config.has_secret())
            .chain(config.previous_secrets.iter())
            .map(|secret| Hs256Key::new(secret))
            .collect();
        let self_routes = config.self_route_suffixes();
        let session = config
            .session
            .as_ref()
            .map(|s| SessionKeys::new(s, &config.cookie_prefix, &config.secret));
        Ok(Gate {
            keys,
            self_routes,
            session,
            config,
        })
    }

    /// Session mode's precomputed state, when it is on.
    pub(crate) fn session_keys(&self) -> Option<&SessionKeys> {
        self.session.as_ref()
    }

    /// The name of the session cookie this gate reads (`None` outside session mode):
    /// `[__Secure-]{cookiePrefix}.session_token` ([`GateConfig::session_cookie_name`]).
    pub fn session_cookie_name(&self) -> Option<&str> {
        self.session.as_ref().map(SessionKeys::token_cookie)
    }

    /// The same gate with another key set (a refreshed JWKS); the rest of the
    /// configuration is kept. For [`crate::CachedGate`] use [`crate::CachedGate::replace_key_set`].
    pub fn with_key_set(&self, keys: KeySet) -> Result<Gate, ConfigError> {
        Gate::new(self.config.clone().key_set(keys))
    }

    /// The algorithms a token may name here: `HS256` with a secret; with a key set, every
    /// key-set algorithm (`EdDSA`/`Ed25519`, `ES256`, `ES512`, `RS256`, `PS256`): the key the
    /// token's `kid` names then decides ([`KeySet::select`]): its own algorithm or
    /// `alg_not_allowed`, and a `kid` the set lacks is `unknown_key`, on which a host
    /// following a remote set refetches it (a key of a new algorithm, minted lazily by
    /// `keyPairConfigs` or added by a rotation, is found that way). Never `none`.
    pub fn accepted_algs(&self) -> AcceptedAlgs {
        let key_set = self.config.jwks.is_some();
        AcceptedAlgs {
            hs256: !self.keys.is_empty(),
            ed25519: key_set,
            es256: key_set,
            es512: key_set,
            rs256: key_set,
            ps256: key_set,
        }
    }

    /// Shape, encoding and header of `token`, with the algorithms this gate accepts.
    pub(crate) fn parse<'t>(&self, token: &'t str) -> Result<UntrustedToken<'t>, Error> {
        UntrustedToken::parse_for(token, self.accepted_algs())
    }

    /// The configuration this gate enforces (secrets included: do not log it raw).
    pub fn config(&self) -> &GateConfig {
        &self.config
    }

    /// Verifies a compact JWS token and its claims at time `now` (seconds since the epoch).
    pub fn verify(&self, token: &str, now: u64) -> Result<VerifiedToken, Error> {
        let reading = self.read(token)?;
        self.judge(&reading, now)?;
        Ok(reading.verified)
    }

    /// The pipeline up to the time rules, in the documented order: shape, encoding and
    /// header → signature → claims. Written once: [`Gate::verify`] and
    /// [`crate::CachedGate`] (which keeps the reading) both end with [`Gate::judge`].
    pub(crate) fn read(&self, token: &str) -> Result<Reading, Error> {
        let untrusted = self.parse(token)?;
        self.check_signature(&untrusted)?;
        // The decoded payload moves into the verified token: no copy on the hot path.
        self.read_claims(untrusted.into_payload())
    }

    /// Signature, then claims: payload JSON is parsed only once it is authenticated.
    pub fn verify_untrusted(
        &self,
        token: &UntrustedToken<'_>,
        now: u64,
    ) -> Result<VerifiedToken, Error> {
        self.check_signature(token)?;
        self.check_claims(token.payload().to_vec(), now)
    }

    pub(crate) fn check_signature(&self, token: &UntrustedToken<'_>) -> Result<(), Error> {
        // The algorithm picks the kind of key: a secret for HS256, a JWK for every other.
        // A JWK is never used as an HMAC key, the secret never as a public key, and a JWK
        // only for the one algorithm it is pinned to (`KeySet::select`).
        let valid = match (token.alg(), &self.config.jwks) {
            // Any configured secret may match (rotation); each check is constant-time.
            (Alg::Hs256, _) => self.keys.iter().any(|key| key.verify(token)),
            (alg, Some(jwks)) => jwks
                .select(token.kid(), alg)?
                .verify_with(token, jwks.signature_host()),
            // Not reachable: parsing refused an algorithm without keys. Fail closed.
            (_, None) => return Err(Error::AlgNotAllowed),
        };
        if valid {
            Ok(())
        } else {
            Err(Error::InvalidSignature)
        }
    }

    fn check_claims(&self, payload: Vec<u8>, now: u64) -> Result<VerifiedToken, Error> {
        let reading = self.read_claims(payload)?;
        self.judge(&reading, now)?;
        Ok(reading.verified)
    }

    /// Everything the payload says that does not depend on the time: parsed once, and
    /// (by [`crate::CachedGate`]) kept with the token so a repeat only needs [`Gate::judge`].
    pub(crate) fn read_claims(&self, payload: Vec<u8>) -> Result<Reading, Error> {
        let mut sub = None;
        let mut email = None;
        let mut exp = None;
        let mut iat = None;
        let mut nbf = None;
        let mut iss = None;
        let mut aud = None;
        let mut jti = None;
        read_object(
            &payload,
            |name| {
                matches!(
                    name,
                    "sub" | "email" | "exp" | "iat" | "nbf" | "iss" | "aud" | "jti"
                )
            },
            |name, value| {
                let slot = match name {
                    "sub" => &mut sub,
                    "email" => &mut email,
                    "exp" => &mut exp,
                    "iat" => &mut iat,
                    "nbf" => &mut nbf,
                    "iss" => &mut iss,
                    "aud" => &mut aud,
                    _ => &mut jti,
                };
                *slot = Some(value);
            },
        )
        .map_err(|_| Error::InvalidPayload)?;

        // The origin (python-jose) refuses a non-string `jti`; never be more lenient.
        if jti.as_ref().is_some_and(|j| j.as_str().is_none()) {
            return Err(Error::InvalidPayload);
        }
        let non_empty = |v: &Option<Loose<'_>>| {
            v.as_ref()
                .and_then(Loose::as_str)
                .filter(|s| !s.is_empty())
                .map(String::from)
        };
        let (Some(sub), Some(email)) = (non_empty(&sub), non_empty(&email)) else {
            return Err(Error::MissingClaims);
        };
        let (Some(exp), Some(iat)) = (
            exp.as_ref().and_then(Loose::as_int),
            iat.as_ref().and_then(Loose::as_int),
        ) else {
            return Err(Error::InvalidTimeClaims);
        };
        let nbf = match nbf {
            None => None,
            Some(v) => Some(v.as_int().ok_or(Error::InvalidTimeClaims)?),
        };
        let issuer_ok = match &self.config.issuer {
            Some(want) => iss.as_ref().and_then(Loose::as_str) == Some(want.as_str()),
            None => true,
        };
        let audience_ok = match (&self.config.audience, &aud) {
            (None, None) => true,
            (Some(want), Some(Loose::Str(got))) => got == want,
            // Every member a string, as python-jose (the spec's origin) requires.
            (Some(want), Some(Loose::Array(items))) => {
                items.iter().all(|i| i.as_str().is_some())
                    && items.iter().any(|i| i.as_str() == Some(want.as_str()))
            }
            _ => false,
        };
        // The borrowed reading ends here; the payload moves into the verified token.
        drop((iss, aud, jti));

        // The JSON reader accepted the bytes as JSON text, so they are UTF-8.
        let payload_json = String::from_utf8(payload).map_err(|_| Error::InvalidPayload)?;
        Ok(Reading {
            verified: VerifiedToken::new(
                Claims {
                    sub,
                    email,
                    exp,
                    iat,
                    nbf,
                },
                payload_json,
            ),
            issuer_ok,
            audience_ok,
        })
    }

    /// The claim rules, in the documented order, on a reading at time `now`. The only
    /// place they are written: a fresh token and a cached one are judged by this.
    pub(crate) fn judge(&self, reading: &Reading, now: u64) -> Result<(), Error> {
        let claims = reading.verified.claims();
        // i128: no overflow for any i64 claim, u64 clock or leeway.
        let now = i128::from(now);
        let leeway = i128::from(self.config.leeway_seconds);
        let (exp, iat) = (i128::from(claims.exp), i128::from(claims.iat));
        if now >= exp + leeway {
            return Err(Error::TokenExpired);
        }
        let lifetime = exp - iat;
        if lifetime < i128::from(self.config.min_lifetime_seconds)
            || lifetime > i128::from(self.config.max_lifetime_seconds)
        {
            return Err(Error::InvalidLifetime);
        }
        if iat > now + leeway {
            return Err(Error::IssuedInFuture);
        }
        if claims.nbf.is_some_and(|nbf| i128::from(nbf) > now + leeway) {
            return Err(Error::NotYetValid);
        }
        if !reading.issuer_ok {
            return Err(Error::InvalidIssuer);
        }
        if !reading.audience_ok {
            return Err(Error::InvalidAudience);
        }
        Ok(())
    }

    /// Does this path need a token? True under the prefix, and for any ambiguous path
    /// (which [`Gate::authorize`] then refuses): a host may pass the rest through unchecked.
    pub fn protects(&self, path: &str) -> bool {
        !matches!(route(&self.config.api_prefix, path), Ok(Route::Unprotected))
    }

    /// The whole request decision, as the origin would take it, hardened:
    /// method token → `Authorization: Bearer <token>` → token and claims → path rule.
    /// How a host forwards the identity is not part of the decision: see
    /// [`crate::identity_header_value`].
    ///
    /// `authorization` is the raw header value (`None` when absent). A path outside the
    /// prefix still needs a valid token here; use [`Gate::protects`] to decide what to skip.
    pub fn authorize(
        &self,
        method: &str,
        path: &str,
        authorization: Option<&str>,
        now: u64,
    ) -> Result<VerifiedToken, Error> {
        self.authorize_with(method, path, authorization, |token| self.verify(token, now))
    }

    /// The request rules around a token check supplied by the caller (plain
    /// [`Gate::verify`], or [`crate::CachedGate`]'s): written once for both.
    pub(crate) fn authorize_with<'t, V: core::borrow::Borrow<VerifiedToken>>(
        &self,
        method: &str,
        path: &str,
        authorization: Option<&'t str>,
        verify: impl FnOnce(&'t str) -> Result<V, Error>,
    ) -> Result<V, Error> {
        if !is_method_token(method) {
            return Err(Error::InvalidMethod);
        }
        let token = bearer_token(authorization)?;
        let verified = verify(token).map_err(|error| match error {
            Error::MalformedToken if looks_like_session_token(token) => Error::BearerSessionToken,
            other => other,
        })?;
        self.path_rule(method, path, verified.borrow().user_id())?;
        Ok(verified)
    }

    /// The path rule for an authenticated `user_id`: `{prefix}{user_id}/…` must name it;
    /// a self route needs no user id; the bare prefix and ambiguous paths are refused.
    pub(crate) fn path_rule(&self, method: &str, path: &str, user_id: &str) -> Result<(), Error> {
        route_rule(&self.route_of(method, path), user_id)
    }

    /// How the path rule reads `path` for `method` (with the self routes it allows).
    pub(crate) fn route_of<'p>(
        &self,
        method: &str,
        path: &'p str,
    ) -> Result<Route<'p>, AmbiguousPath> {
        let own = self
            .self_routes
            .iter()
            .filter(|r| r.allows(method))
            .map(|r| r.suffix.as_str());
        route_with_self_routes(&self.config.api_prefix, own, path)
    }

    /// Signs `payload_json` with the current secret as `{"alg":"HS256","typ":"JWT"}`
    /// (without a secret the signature is empty, and verifies nowhere).
    /// For tests, demos and the CLI's `mint`; production tokens come from the frontend.
    pub fn mint(&self, payload_json: &str) -> String {
        let header = base64url(br#"{"alg":"HS256","typ":"JWT"}"#);
        let mut token = alloc::format!("{header}.{}", base64url(payload_json.as_bytes()));
        let tag = self
            .keys
            .first()
            .map(|key| key.tag(token.as_bytes()))
            .unwrap_or_default();
        token.push('.');
        token.push_str(&base64url(&tag));
        token
    }
}

/// Better Auth's bearer-plugin credential: its signed session token
/// (`token.base64(HMAC)`, possibly URL-encoded) rather than a JWT.
/// The path rule on a route read by [`Gate::route_of`]: the user's own paths, self routes
/// and paths outside the prefix pass; another user's is refused, and so is a path that
/// names no user or cannot be read one way.
pub(crate) fn route_rule(
    route: &Result<Route<'_>, AmbiguousPath>,
    user_id: &str,
) -> Result<(), Error> {
    match route {
        Ok(Route::Unprotected | Route::SelfRoute) => Ok(()),
        Ok(Route::User(user)) if user == user_id => Ok(()),
        Ok(Route::User(_)) => Err(Error::UserMismatch),
        Ok(Route::PrefixRoot) | Err(AmbiguousPath) => Err(Error::InvalidPath),
    }
}

fn looks_like_session_token(token: &str) -> bool {
    let decoded = percent_encoding::percent_decode_str(token).decode_utf8_lossy();
    decoded.rsplit_once('.').is_some_and(|(value, tag)| {
        !value.is_empty()
            && !value.contains('.')
            && tag.len() == 44
            && tag.ends_with('=')
            && tag
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='))
    })
}

/// The origin's header rule: the value, read as RFC 9110 reads a field value (optional
/// whitespace — spaces and tabs — at both ends is not part of it), starts with `Bearer `
/// (capital B, one space) and the token is the rest. Absent, another scheme, or an empty
/// token → 401. Whitespace inside (`Bearer  <token>`) stays part of the token.
///
/// A value longer than [`MAX_AUTHORIZATION_BYTES`] is judged by its first
/// [`AUTHORIZATION_HEAD_BYTES`] alone ([`oversized_authorization`]), so a host can refuse
/// a huge header without copying it and still give the answer every other host gives.
pub fn bearer_token(authorization: Option<&str>) -> Result<&str, Error> {
    let Some(value) = authorization else {
        return Err(Error::MissingAuthorization);
    };
    if value.len() > MAX_AUTHORIZATION_BYTES {
        return Err(oversized_authorization(value.as_bytes()));
    }
    // The scheme is judged first (any other scheme is "missing", whatever its size);
    // the token's size cap is the first check of `verify`.
    match trim_ows(value).strip_prefix("Bearer ") {
        Some(token) if !token.is_empty() => Ok(token),
        _ => Err(Error::MissingAuthorization),
    }
}

/// The refusal for an `Authorization` value longer than [`MAX_AUTHORIZATION_BYTES`], from
/// its first bytes (`head`; only the first [`AUTHORIZATION_HEAD_BYTES`] are read):
/// `token_too_large` for the `Bearer` scheme, `missing_authorization` for anything else.
pub fn oversized_authorization(head: &[u8]) -> Error {
    let head = head.get(..AUTHORIZATION_HEAD_BYTES).unwrap_or(head);
    let start = head
        .iter()
        .position(|b| *b != b' ' && *b != b'\t')
        .unwrap_or(head.len());
    match head.get(start..) {
        Some(rest) if rest.starts_with(b"Bearer ") => Error::TokenTooLarge,
        _ => Error::MissingAuthorization,
    }
}

/// The value without optional whitespace (SP / HTAB, RFC 9110 §5.6.3) at either end.
fn trim_ows(value: &str) -> &str {
    let is_ows = |b: &u8| *b == b' ' || *b == b'\t';
    let bytes = value.as_bytes();
    let start = bytes.iter().position(|b| !is_ows(b)).unwrap_or(bytes.len());
    let end = bytes
        .iter()
        .rposition(|b| !is_ows(b))
        .map_or(start, |i| i + 1);
    // Both ends sit next to ASCII bytes: char boundaries.
    value.get(start..end).unwrap_or_default()
}

/// RFC 9110 method token: 1*tchar (bounded, so a host cannot feed megabytes here).
pub(crate) fn is_method_token(method: &str) -> bool {
    is_token(method, 32)
}

/// An RFC 9110 token (1*tchar) of at most `max` bytes: methods, header names, cookie names.
pub(crate) fn is_token(text: &str, max: usize) -> bool {
    !text.is_empty()
        && text.len() <= max
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}
