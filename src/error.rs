//! Every way a request or a token is refused, with its stable machine code,
//! its HTTP status and the human `detail` the spec's FastAPI origin would send.

use core::fmt;

/// Why a token or a request was refused.
///
/// `code()` is a stable machine name (part of the public contract: it crosses into
/// JS and logs); `detail()` is the human text, the seed origin's wording where the
/// spec gives one. Neither ever contains the token, a claim value or a secret.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Error {
    /// No `Authorization` header, or one not starting with `Bearer ` (capital B, one space).
    MissingAuthorization,
    /// The token is longer than [`crate::MAX_TOKEN_BYTES`].
    TokenTooLarge,
    /// The token does not have exactly three dot-separated segments.
    MalformedToken,
    /// A segment is not strict unpadded base64url with canonical trailing bits.
    InvalidBase64,
    /// The JOSE header is longer than [`crate::MAX_HEADER_BYTES`], or not a JSON object
    /// (or has duplicate members).
    InvalidHeader,
    /// `alg` is missing, `none`, or not an algorithm the gate holds a key for (`HS256` with a
    /// secret; with a key set `EdDSA`/`Ed25519`, `ES256`, `ES512`, `RS256`, `PS256`), or it is
    /// not the algorithm of the key the token's `kid` names.
    AlgNotAllowed,
    /// The header carries `crit` or a `b64` other than `true`: extensions this verifier does not implement.
    UnsupportedCriticalHeader,
    /// The HMAC-SHA256 signature matches none of the configured secrets.
    InvalidSignature,
    /// The payload is not a JSON object, or it repeats a member name at any depth.
    InvalidPayload,
    /// `sub` or `email` is missing, not a string, or empty.
    MissingClaims,
    /// `exp` or `iat` is missing or not an integer; or `nbf` is present and not an integer.
    InvalidTimeClaims,
    /// `exp` is not after now (minus leeway).
    TokenExpired,
    /// `exp - iat` lies outside the configured lifetime window.
    InvalidLifetime,
    /// `iat` lies in the future (beyond leeway).
    IssuedInFuture,
    /// `nbf` lies in the future (beyond leeway).
    NotYetValid,
    /// An issuer is configured and `iss` does not equal it.
    InvalidIssuer,
    /// `aud` does not contain the configured audience, or `aud` is present while none is configured.
    InvalidAudience,
    /// The path cannot be read unambiguously (dot segments, empty segments, encoded
    /// separators, bad percent-encoding, a raw `#`, a byte that is not visible ASCII).
    InvalidPath,
    /// The HTTP method is not a valid method token.
    InvalidMethod,
    /// The `{user_id}` path segment does not equal the token's `sub`.
    UserMismatch,
    /// A key-set token names a `kid` the key set does not hold (or names none while the set
    /// holds more than one key). Hosts following a remote key set refetch it on this.
    UnknownKey,
    /// A gate that follows a remote key set has none it can use yet (never fetched, or
    /// every fetch failed): 503, and the request is not forwarded.
    KeysUnavailable,
    /// `Authorization: Bearer` carries Better Auth's signed session token (its bearer plugin's credential), not a JWT.
    BearerSessionToken,
    /// Session mode: the `session_token` cookie is not one Better Auth signed with the current secret (or two differ), or Better Auth knows no such session.
    SessionInvalid,
    /// Session mode: no cookie cache beside the session cookie, and the host cannot ask Better Auth.
    SessionCacheMissing,
    /// Session mode: the cookie cache has expired, and the host cannot ask Better Auth.
    SessionCacheExpired,
    /// Session mode: the cookie cache does not verify (signature, encryption, shape or version), and the host cannot ask Better Auth.
    SessionCacheInvalid,
    /// Session mode: the cookie cache is of another strategy than the configured one, and the host cannot ask Better Auth.
    SessionCacheStrategy,
    /// Session mode: the cookie cache belongs to another session than the session cookie beside it.
    SessionCacheUnbound,
    /// Session mode: the session has ended (`expiresAt` has passed).
    SessionExpired,
    /// Session mode, CSRF rule: an unsafe method with cookies and no Origin or Referer (or `Origin: null`).
    CsrfOriginMissing,
    /// Session mode, CSRF rule: an unsafe method with cookies from an origin that is not trusted.
    CsrfOriginUntrusted,
    /// Session mode: Better Auth could not be asked about the session (unreachable, timed out, or not 200).
    SessionUnavailable,
    /// The token names (by `kid`) a key of an algorithm this build does not compile (the
    /// npm package's default entry without RSA, say): the host logged which build has it.
    AlgNotInBuild,
}

impl Error {
    /// Every variant, in declaration order (its index is its stable number across FFI).
    pub const ALL: [Error; 34] = [
        Error::MissingAuthorization,
        Error::TokenTooLarge,
        Error::MalformedToken,
        Error::InvalidBase64,
        Error::InvalidHeader,
        Error::AlgNotAllowed,
        Error::UnsupportedCriticalHeader,
        Error::InvalidSignature,
        Error::InvalidPayload,
        Error::MissingClaims,
        Error::InvalidTimeClaims,
        Error::TokenExpired,
        Error::InvalidLifetime,
        Error::IssuedInFuture,
        Error::NotYetValid,
        Error::InvalidIssuer,
        Error::InvalidAudience,
        Error::InvalidPath,
        Error::InvalidMethod,
        Error::UserMismatch,
        Error::UnknownKey,
        Error::KeysUnavailable,
        Error::BearerSessionToken,
        Error::SessionInvalid,
        Error::SessionCacheMissing,
        Error::SessionCacheExpired,
        Error::SessionCacheInvalid,
        Error::SessionCacheStrategy,
        Error::SessionCacheUnbound,
        Error::SessionExpired,
        Error::CsrfOriginMissing,
        Error::CsrfOriginUntrusted,
        Error::SessionUnavailable,
        Error::AlgNotInBuild,
    ];

    /// Stable machine code.
    pub const fn code(self) -> &'static str {
        match self {
            Error::MissingAuthorization => "missing_authorization",
            Error::TokenTooLarge => "token_too_large",
            Error::MalformedToken => "malformed_token",
            Error::InvalidBase64 => "invalid_base64",
            Error::InvalidHeader => "invalid_header",
            Error::AlgNotAllowed => "alg_not_allowed",
            Error::UnsupportedCriticalHeader => "unsupported_critical_header",
            Error::InvalidSignature => "invalid_signature",
            Error::InvalidPayload => "invalid_payload",
            Error::MissingClaims => "missing_claims",
            Error::InvalidTimeClaims => "invalid_time_claims",
            Error::TokenExpired => "token_expired",
            Error::InvalidLifetime => "invalid_lifetime",
            Error::IssuedInFuture => "issued_in_future",
            Error::NotYetValid => "not_yet_valid",
            Error::InvalidIssuer => "invalid_issuer",
            Error::InvalidAudience => "invalid_audience",
            Error::InvalidPath => "invalid_path",
            Error::InvalidMethod => "invalid_method",
            Error::UserMismatch => "user_mismatch",
            Error::UnknownKey => "unknown_key",
            Error::KeysUnavailable => "jwks_unavailable",
            Error::BearerSessionToken => "bearer_session_token",
            Error::SessionInvalid => "session_invalid",
            Error::SessionCacheMissing => "session_cache_missing",
            Error::SessionCacheExpired => "session_cache_expired",
            Error::SessionCacheInvalid => "session_cache_invalid",
            Error::SessionCacheStrategy => "session_cache_strategy",
            Error::SessionCacheUnbound => "session_cache_unbound",
            Error::SessionExpired => "session_expired",
            Error::CsrfOriginMissing => "csrf_origin_missing",
            Error::CsrfOriginUntrusted => "csrf_origin_untrusted",
            Error::SessionUnavailable => "session_unavailable",
            Error::AlgNotInBuild => "alg_not_in_build",
        }
    }

    /// Human text for the `{"detail": …}` body. The origin's exact wording where the
    /// spec has one; otherwise `Invalid token: …` as the origin phrases JWT errors.
    pub const fn detail(self) -> &'static str {
        match self {
            Error::MissingAuthorization => "Missing or invalid Authorization header",
            Error::TokenTooLarge => "Invalid token: token too large",
            Error::MalformedToken => "Invalid token: not three segments",
            Error::InvalidBase64 => "Invalid token: bad base64url encoding",
            Error::InvalidHeader => "Invalid token: bad header",
            Error::AlgNotAllowed => "Invalid token: algorithm not allowed",
            Error::UnsupportedCriticalHeader => "Invalid token: unsupported critical header",
            Error::InvalidSignature => "Invalid token: signature verification failed",
            Error::InvalidPayload => "Invalid token: bad payload",
            Error::MissingClaims => "Invalid token: missing user claims",
            Error::InvalidTimeClaims => "Invalid token: exp and iat must be integer timestamps",
            Error::TokenExpired => "Token expired",
            Error::InvalidLifetime => "Invalid token lifetime",
            Error::IssuedInFuture => "Invalid token: issued in the future",
            Error::NotYetValid => "Invalid token: not yet valid",
            Error::InvalidIssuer => "Invalid token: invalid issuer",
            Error::InvalidAudience => "Invalid token: invalid audience",
            Error::InvalidPath => "Invalid request path",
            Error::InvalidMethod => "Invalid request method",
            Error::UserMismatch => "User ID in path does not match authenticated user",
            Error::UnknownKey => "Invalid token: unknown signing key",
            Error::KeysUnavailable => "Authentication keys unavailable",
            Error::BearerSessionToken => "Invalid token: a Better Auth session token is not a JWT",
            Error::SessionInvalid => "Invalid session",
            Error::SessionCacheMissing => "Session needs refresh",
            Error::SessionCacheExpired => "Session needs refresh",
            Error::SessionCacheInvalid => "Session needs refresh",
            Error::SessionCacheStrategy => "Session needs refresh",
            Error::SessionCacheUnbound => "Session needs refresh",
            Error::SessionExpired => "Session expired",
            Error::CsrfOriginMissing => "Missing or null Origin",
            Error::CsrfOriginUntrusted => "Invalid origin",
            Error::SessionUnavailable => "Session service unavailable",
            Error::AlgNotInBuild => "Invalid token: algorithm not available in this build",
        }
    }

    /// The rule that refused, in one line (for debugging tools and logs; never shown to clients).
    pub const fn rule(self) -> &'static str {
        match self {
            Error::MissingAuthorization => {
                "bearer rule: the Authorization header must be `Bearer <token>` (capital B, one space, non-empty token; spaces and tabs around the value are ignored)"
            }
            Error::TokenTooLarge => "size limit: tokens longer than 8 KiB are refused before any parsing",
            Error::MalformedToken => "token format: a JWS compact token has exactly three dot-separated segments",
            Error::InvalidBase64 => {
                "token format: every segment must be unpadded base64url with canonical trailing bits"
            }
            Error::InvalidHeader => "header rule: the JOSE header must be at most 512 bytes and a JSON object without duplicate members",
            Error::AlgNotAllowed => {
                "algorithm rule: `HS256` with a configured secret; `EdDSA`, `ES256`, `ES512`, `RS256`, `PS256` only with a key of the key set pinned to that algorithm (the `kid`'s key decides); never none"
            }
            Error::UnsupportedCriticalHeader => {
                "header rule: `crit` or `b64: false` asks for extensions this verifier does not implement"
            }
            Error::InvalidSignature => {
                "signature rule: the HMAC-SHA256 tag matches no configured secret, or the signature (Ed25519 strict; ECDSA fixed-size r||s; RSA PKCS#1 v1.5 or PSS with a 32-byte salt) fails verification with the token's key"
            }
            Error::InvalidPayload => {
                "payload rule: the claims must be one JSON object, no duplicate names, `jti` a string"
            }
            Error::MissingClaims => "claims rule: `sub` and `email` must be present, strings, non-empty",
            Error::InvalidTimeClaims => {
                "claims rule: `exp` and `iat` must be integer timestamps (and `nbf`, if present)"
            }
            Error::TokenExpired => "expiry rule: now must be before `exp` (plus the leeway)",
            Error::InvalidLifetime => {
                "lifetime rule: `exp - iat` must lie within the configured window (default 900..=1800 s)"
            }
            Error::IssuedInFuture => "clock rule: `iat` must not be in the future (beyond the leeway)",
            Error::NotYetValid => "clock rule: `nbf` must not be in the future (beyond the leeway)",
            Error::InvalidIssuer => "issuer rule: `iss` must equal the configured issuer",
            Error::InvalidAudience => {
                "audience rule: `aud` must contain the configured audience, and be absent when none is configured"
            }
            Error::InvalidPath => {
                "path rule: the path cannot be read unambiguously (dot or empty segments, encoded / or \\, bad escapes, the bare prefix, a raw #, a byte that is not visible ASCII)"
            }
            Error::InvalidMethod => "request rule: the method is not a valid HTTP method token",
            Error::UserMismatch => {
                "path rule: {prefix}{user_id}/... must name the token's `sub` (another user's data); only the configured self routes need no user id"
            }
            Error::UnknownKey => {
                "key rule: a key-set token's `kid` must name a key of the key set (no `kid`: the set must hold exactly one)"
            }
            Error::KeysUnavailable => {
                "key set rule: a gate following a remote key set answers 503 until one fetch gave a usable set"
            }
            Error::BearerSessionToken => {
                "bearer rule: `Authorization: Bearer` carries a JWT; Better Auth's signed session token (its bearer plugin's credential) is refused there: send it as the session cookie, or a JWT"
            }
            Error::SessionInvalid => {
                "session rule: the `session_token` cookie must carry Better Auth's HMAC-SHA256 signature under the current secret (one value only), and Better Auth must know the session"
            }
            Error::SessionCacheMissing => {
                "session cache rule: no `session_data` cookie (whole or in chunks 0..n) beside the session cookie, and this host cannot ask Better Auth"
            }
            Error::SessionCacheExpired => {
                "session cache rule: the cookie cache's own expiry has passed (it lives `session.cookieCache.maxAge`), and this host cannot ask Better Auth"
            }
            Error::SessionCacheInvalid => {
                "session cache rule: the cookie cache does not verify under the configured strategy (signature, encryption, shape, `version`), and this host cannot ask Better Auth"
            }
            Error::SessionCacheStrategy => {
                "session cache rule: the cookie cache is written in another strategy than the configured one (compact, jwt, jwe, jwks), and this host cannot ask Better Auth"
            }
            Error::SessionCacheUnbound => {
                "session cache rule: the cookie cache's `session.token` must equal the signed session cookie's token (another session's cache is never read)"
            }
            Error::SessionExpired => {
                "session rule: the session's `expiresAt` has passed"
            }
            Error::CsrfOriginMissing => {
                "CSRF rule: a cookie-authenticated request with a method other than GET, HEAD or OPTIONS must carry an Origin (or a Referer), not `null`"
            }
            Error::CsrfOriginUntrusted => {
                "CSRF rule: the Origin (or Referer) of a cookie-authenticated unsafe request must be a trusted origin (the base URL's, or `trustedOrigins`)"
            }
            Error::SessionUnavailable => {
                "session rule: the host asked Better Auth about the session and got no usable answer (unreachable, timeout, not 200): 503, nothing forwarded"
            }
            Error::AlgNotInBuild => {
                "build rule: the token's key is of an algorithm this build leaves out (npm: import `jwtgate/full`; Rust: cargo features `es256`, `es512`, `rsa`)"
            }
        }
    }

    /// HTTP status: 401 authentication, 403 authorisation, 400 a request we refuse to interpret.
    pub const fn status(self) -> u16 {
        match self {
            Error::InvalidPath | Error::InvalidMethod => 400,
            Error::UserMismatch | Error::CsrfOriginMissing | Error::CsrfOriginUntrusted => 403,
            Error::KeysUnavailable | Error::SessionUnavailable => 503,
            _ => 401,
        }
    }

    /// `WWW-Authenticate` value for 401 answers (RFC 6750 §3), `None` otherwise.
    /// No credentials → bare challenge; bad credentials → `error="invalid_token"`.
    pub const fn www_authenticate(self) -> Option<&'static str> {
        match self {
            Error::MissingAuthorization => Some("Bearer"),
            _ if self.status() == 401 => Some("Bearer error=\"invalid_token\""),
            _ => None,
        }
    }

    /// The `{"detail": "…"}` JSON body every host sends for this refusal.
    pub fn body_json(self) -> alloc::string::String {
        // detail() texts are fixed ASCII without quotes or backslashes: no escaping needed,
        // and a unit test checks that against serde_json.
        alloc::format!("{{\"detail\":\"{}\"}}", self.detail())
    }

    /// Every response header a host sends with this refusal, in order: `Content-Type:
    /// application/json`, `Cache-Control: no-store` (a refusal is about one request and
    /// one credential: never cached), and `WWW-Authenticate` on 401s.
    pub fn response_headers(self) -> impl Iterator<Item = (&'static str, &'static str)> {
        [
            ("content-type", "application/json"),
            ("cache-control", "no-store"),
        ]
        .into_iter()
        .chain(self.www_authenticate().map(|v| ("www-authenticate", v)))
    }

    /// The refusal with this stable code (hosts that answer with the core's words for a
    /// condition they detect, e.g. a route parameter, or a key set that is unavailable).
    pub fn from_code(code: &str) -> Option<Error> {
        Error::ALL.iter().copied().find(|e| e.code() == code)
    }

    /// Stable index of this variant in [`Error::ALL`] (used across the Wasm boundary).
    pub fn index(self) -> u8 {
        // Every variant is in ALL: the position always exists, the fallback is unreachable.
        Error::ALL
            .iter()
            .position(|e| *e == self)
            .map_or(u8::MAX, |i| i as u8)
    }

    /// Inverse of [`Error::index`].
    pub fn from_index(index: u8) -> Option<Error> {
        Error::ALL.get(usize::from(index)).copied()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.detail())
    }
}

impl core::error::Error for Error {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_indices_round_trip() {
        for (i, e) in Error::ALL.iter().enumerate() {
            assert_eq!(usize::from(e.index()), i);
            assert_eq!(Error::from_index(e.index()), Some(*e));
            for other in &Error::ALL[i + 1..] {
                assert_ne!(e.code(), other.code());
            }
        }
        assert_eq!(Error::from_index(Error::ALL.len() as u8), None);
    }

    #[test]
    fn bodies_are_valid_json_with_the_detail() {
        for e in Error::ALL {
            let v: serde_json::Value = serde_json::from_str(&e.body_json()).unwrap();
            assert_eq!(v["detail"], e.detail());
        }
    }

    #[test]
    fn statuses_and_challenges() {
        assert_eq!(Error::UserMismatch.status(), 403);
        assert_eq!(Error::UserMismatch.www_authenticate(), None);
        assert_eq!(Error::InvalidPath.status(), 400);
        assert_eq!(
            Error::MissingAuthorization.www_authenticate(),
            Some("Bearer")
        );
        assert_eq!(
            Error::TokenExpired.www_authenticate(),
            Some("Bearer error=\"invalid_token\"")
        );
        assert_eq!(Error::TokenExpired.detail(), "Token expired");
        assert_eq!(Error::InvalidLifetime.detail(), "Invalid token lifetime");
        assert_eq!(
            Error::MissingClaims.detail(),
            "Invalid token: missing user claims"
        );
    }
}
