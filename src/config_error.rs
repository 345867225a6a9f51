//! Every way a configuration is refused ([`ConfigError`]): a stable machine code, the
//! option at fault in each host's spelling, and a message that never holds a secret.

use core::fmt;

use crate::options::{option_name, Naming};

/// Why a [`crate::GateConfig`] was refused. Messages never include the secret.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConfigError {
    /// The secret (or previous secret number `index`, 1-based) is shorter than 32 characters/bytes.
    SecretTooShort {
        /// Which secret.
        which: SecretSlot,
    },
    /// The secret is a published default or an obvious placeholder.
    KnownDefaultSecret {
        /// Which secret.
        which: SecretSlot,
    },
    /// The secret has too little variety to be random (fewer than 8 distinct bytes).
    LowEntropySecret {
        /// Which secret.
        which: SecretSlot,
    },
    /// `min_lifetime > max_lifetime`.
    InvalidLifetimeWindow,
    /// The API prefix must start and end with `/`, and hold no `.`/empty segments, `%`, `?` or `#`.
    InvalidApiPrefix,
    /// Issuer or audience configured as an empty string.
    EmptyIssuerOrAudience,
    /// Too many previous secrets (more than [`crate::MAX_PREVIOUS_SECRETS`]).
    TooManyPreviousSecrets,
    /// Self route number `index` (0-based) is not a plain path under the API prefix, or
    /// there are more than [`crate::MAX_SELF_ROUTES`] (`index` is then that limit).
    InvalidSelfRoute {
        /// Which entry.
        index: usize,
    },
    /// A key set is configured without both an issuer and an audience.
    JwksNeedsIssuerAndAudience,
    /// The key set's JSON is longer than [`crate::MAX_JWKS_BYTES`].
    JwksTooLarge,
    /// The key set lists more than [`crate::MAX_JWKS_KEYS`] keys.
    JwksTooManyKeys,
    /// The key set is not a JSON object (duplicate-free) with a `keys` array of objects.
    InvalidJwks,
    /// A member of key number `index` is missing, of the wrong type or malformed.
    InvalidJwk {
        /// Position in `keys`, 0-based.
        index: usize,
        /// The member at fault (`kty`, `crv`, `x`, `y`, `n`, `e`, `kid`, `alg`, `use`, `key_ops`).
        member: &'static str,
    },
    /// Key number `index` is an Ed25519 point that must not verify anything: not on the
    /// curve, of small order, or not canonically encoded.
    WeakJwk {
        /// Position in `keys`, 0-based.
        index: usize,
    },
    /// Key number `index` carries private material (`d`, `p`, `q`, `k`, …).
    JwkPrivateKey {
        /// Position in `keys`, 0-based.
        index: usize,
    },
    /// Key number `index` repeats the `kid` of an earlier key.
    DuplicateKid {
        /// Position in `keys`, 0-based.
        index: usize,
    },
    /// The key set holds no signing key this gate can use (Ed25519, P-256, P-521, RSA for
    /// RS256/PS256), not even one of an algorithm this build leaves out.
    JwksNoUsableKey,
    /// The origin token mode is neither `forward` nor `hs256`.
    InvalidOriginToken,
    /// The bridge (`hs256`) signs with the secret: it needs one.
    OriginTokenNeedsSecret,
    /// Neither a secret nor a key set: the gate could verify nothing.
    MissingSecret,
    /// `cookiePrefix` (`index` `None`) or `stripCookies[index]` is not a cookie name.
    InvalidCookieName {
        /// Position in `stripCookies`; `None` for `cookiePrefix`.
        index: Option<usize>,
    },
    /// The session strategy is not `compact`, `jwt`, `jwe`, `jwks` or `off`.
    InvalidSessionStrategy,
    /// Session mode with a secret-keyed cache (compact, jwt, jwe) and no secret.
    SessionNeedsSecret,
    /// Session mode `jwks` without a key set.
    SessionNeedsKeySet,
    /// `baseUrl` (`index` `None`) or `trustedOrigins[index]` is not an http(s) origin
    /// (`trustedOrigins` entries exactly as `new URL(u).origin` writes them).
    InvalidTrustedOrigin {
        /// Position in `trustedOrigins`; `None` for `baseUrl`.
        index: Option<usize>,
    },
    /// Session mode with neither a base URL nor trusted origins: the CSRF rule would
    /// refuse every unsafe request.
    SessionNeedsBaseUrl,
    /// The `jwe` session strategy in a build without it (the npm package's default entry:
    /// `jwtgate/full` has it; Rust: the `session-jwe` feature).
    SessionStrategyNotInBuild,
    /// Key number `index` is an EC key whose `x`/`y` are not a point of its curve (or are
    /// the identity).
    InvalidEcPoint {
        /// Position in `keys`, 0-based.
        index: usize,
    },
    /// Key number `index` is an RSA key with a modulus outside 2048–4096 bits (or even, or
    /// not minimally encoded) or an exponent that is not odd, 3 to 2^32 − 1.
    WeakRsaKey {
        /// Position in `keys`, 0-based.
        index: usize,
    },
    /// Key number `index` is an RSA key without `alg`: RS256 and PS256 both fit it, and the
    /// gate never lets a token choose.
    AmbiguousJwkAlg {
        /// Position in `keys`, 0-based.
        index: usize,
    },
}

/// Which configured secret a [`ConfigError`] is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SecretSlot {
    /// `secret`
    Current,
    /// `previous_secrets[n]`, 0-based.
    Previous(usize),
}

impl SecretSlot {
    /// `secret` or `previousSecrets[n]`, in a host's naming.
    pub fn name(self, naming: Naming) -> alloc::string::String {
        match self {
            SecretSlot::Current => alloc::string::String::from(option_name("secret", naming)),
            SecretSlot::Previous(n) => {
                alloc::format!("{}[{n}]", option_name("previousSecrets", naming))
            }
        }
    }
}

impl fmt::Display for SecretSlot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name(Naming::Js))
    }
}

impl ConfigError {
    /// Every code [`ConfigError::code`] returns, in declaration order (hosts compare the
    /// codes they declare, e.g. the npm package's TypeScript union, with it).
    pub const CODES: [&'static str; 30] = [
        "secret_too_short",
        "known_default_secret",
        "low_entropy_secret",
        "invalid_lifetime_window",
        "invalid_api_prefix",
        "empty_issuer_or_audience",
        "too_many_previous_secrets",
        "invalid_self_route",
        "jwks_needs_issuer_and_audience",
        "jwks_too_large",
        "jwks_too_many_keys",
        "invalid_jwks",
        "invalid_jwk",
        "weak_jwk",
        "jwk_private_key",
        "duplicate_kid",
        "jwks_no_usable_key",
        "origin_token_invalid",
        "origin_token_needs_secret",
        "invalid_cookie_name",
        "missing_secret",
        "invalid_session_strategy",
        "session_needs_secret",
        "session_needs_key_set",
        "invalid_trusted_origin",
        "session_needs_base_url",
        "session_strategy_not_in_build",
        "invalid_ec_point",
        "weak_rsa_key",
        "ambiguous_jwk_alg",
    ];

    /// One value of every variant, and of every option a variant can name (both secret
    /// slots, both cookie options): what a host lists its configuration codes and their
    /// options from (the npm package's `configErrorTable()`). A test holds it to
    /// [`ConfigError::CODES`] and to every variant.
    pub const SAMPLES: &'static [ConfigError] = &[
        ConfigError::SecretTooShort {
            which: SecretSlot::Current,
        },
        ConfigError::SecretTooShort {
            which: SecretSlot::Previous(0),
        },
        ConfigError::KnownDefaultSecret {
            which: SecretSlot::Current,
        },
        ConfigError::KnownDefaultSecret {
            which: SecretSlot::Previous(0),
        },
        ConfigError::LowEntropySecret {
            which: SecretSlot::Current,
        },
        ConfigError::LowEntropySecret {
            which: SecretSlot::Previous(0),
        },
        ConfigError::InvalidLifetimeWindow,
        ConfigError::InvalidApiPrefix,
        ConfigError::EmptyIssuerOrAudience,
        ConfigError::TooManyPreviousSecrets,
        ConfigError::InvalidSelfRoute { index: 0 },
        ConfigError::JwksNeedsIssuerAndAudience,
        ConfigError::JwksTooLarge,
        ConfigError::JwksTooManyKeys,
        ConfigError::InvalidJwks,
        ConfigError::InvalidJwk {
            index: 0,
            member: "x",
        },
        ConfigError::WeakJwk { index: 0 },
        ConfigError::JwkPrivateKey { index: 0 },
        ConfigError::DuplicateKid { index: 0 },
        ConfigError::JwksNoUsableKey,
        ConfigError::InvalidOriginToken,
        ConfigError::OriginTokenNeedsSecret,
        ConfigError::InvalidCookieName { index: None },
        ConfigError::InvalidCookieName { index: Some(0) },
        ConfigError::MissingSecret,
        ConfigError::InvalidSessionStrategy,
        ConfigError::SessionNeedsSecret,
        ConfigError::SessionNeedsKeySet,
        ConfigError::InvalidTrustedOrigin { index: None },
        ConfigError::InvalidTrustedOrigin { index: Some(0) },
        ConfigError::SessionNeedsBaseUrl,
        ConfigError::SessionStrategyNotInBuild,
        ConfigError::InvalidEcPoint { index: 0 },
        ConfigError::WeakRsaKey { index: 0 },
        ConfigError::AmbiguousJwkAlg { index: 0 },
    ];

    /// Stable machine code.
    pub const fn code(&self) -> &'static str {
        match self {
            ConfigError::SecretTooShort { .. } => "secret_too_short",
            ConfigError::KnownDefaultSecret { .. } => "known_default_secret",
            ConfigError::LowEntropySecret { .. } => "low_entropy_secret",
            ConfigError::InvalidLifetimeWindow => "invalid_lifetime_window",
            ConfigError::InvalidApiPrefix => "invalid_api_prefix",
            ConfigError::EmptyIssuerOrAudience => "empty_issuer_or_audience",
            ConfigError::TooManyPreviousSecrets => "too_many_previous_secrets",
            ConfigError::InvalidSelfRoute { .. } => "invalid_self_route",
            ConfigError::JwksNeedsIssuerAndAudience => "jwks_needs_issuer_and_audience",
            ConfigError::JwksTooLarge => "jwks_too_large",
            ConfigError::JwksTooManyKeys => "jwks_too_many_keys",
            ConfigError::InvalidJwks => "invalid_jwks",
            ConfigError::InvalidJwk { .. } => "invalid_jwk",
            ConfigError::WeakJwk { .. } => "weak_jwk",
            ConfigError::JwkPrivateKey { .. } => "jwk_private_key",
            ConfigError::DuplicateKid { .. } => "duplicate_kid",
            ConfigError::JwksNoUsableKey => "jwks_no_usable_key",
            ConfigError::InvalidOriginToken => "origin_token_invalid",
            ConfigError::OriginTokenNeedsSecret => "origin_token_needs_secret",
            ConfigError::InvalidCookieName { .. } => "invalid_cookie_name",
            ConfigError::MissingSecret => "missing_secret",
            ConfigError::InvalidSessionStrategy => "invalid_session_strategy",
            ConfigError::SessionNeedsSecret => "session_needs_secret",
            ConfigError::SessionNeedsKeySet => "session_needs_key_set",
            ConfigError::InvalidTrustedOrigin { .. } => "invalid_trusted_origin",
            ConfigError::SessionNeedsBaseUrl => "session_needs_base_url",
            ConfigError::SessionStrategyNotInBuild => "session_strategy_not_in_build",
            ConfigError::InvalidEcPoint { .. } => "invalid_ec_point",
            ConfigError::WeakRsaKey { .. } => "weak_rsa_key",
            ConfigError::AmbiguousJwkAlg { .. } => "ambiguous_jwk_alg",
        }
    }
}

impl ConfigError {
    fn render(&self, f: &mut fmt::Formatter<'_>, naming: Naming) -> fmt::Result {
        let n = |js: &'static str| option_name(js, naming);
        match self {
            ConfigError::SecretTooShort { which } => {
                write!(f, "{} must be at least 32 characters (BETTER_AUTH_SECRET)", which.name(naming))
            }
            ConfigError::KnownDefaultSecret { which } => write!(
                f,
                "{} is a published default or a placeholder; generate one with `openssl rand -base64 32`",
                which.name(naming)
            ),
            ConfigError::LowEntropySecret { which } => write!(
                f,
                "{} has fewer than 8 distinct characters; generate one with `openssl rand -base64 32`",
                which.name(naming)
            ),
            ConfigError::InvalidLifetimeWindow => {
                write!(f, "{} must not exceed {}", n("minLifetimeSeconds"), n("maxLifetimeSeconds"))
            }
            ConfigError::InvalidApiPrefix => write!(
                f,
                "{} must start and end with '/' and contain no empty or dot segments, '%', '?' or '#'",
                n("apiPrefix")
            ),
            ConfigError::EmptyIssuerOrAudience => {
                f.write_str("issuer and audience, when given, must not be empty")
            }
            ConfigError::TooManyPreviousSecrets => write!(f, "at most 4 {} are accepted", n("previousSecrets")),
            ConfigError::InvalidSelfRoute { index } => write!(
                f,
                "{}[{index}] must be a full path under {}, optionally after a method \
                 and a space (e.g. /api/v1/me/profile, GET /api/v1/me/tasks): visible ASCII, no '%', '?', '#', '\\', empty, '.' or '..' segments, no trailing '/'; \
                 at most 64 entries",
                n("selfRoutes"),
                n("apiPrefix")
            ),
            ConfigError::JwksNeedsIssuerAndAudience => f.write_str(
                "a key set (jwks) needs both issuer and audience (Better Auth sets iss and aud to the app's base URL)",
            ),
            ConfigError::JwksTooLarge => write!(
                f,
                "jwks is larger than {} bytes",
                crate::MAX_JWKS_BYTES
            ),
            ConfigError::JwksTooManyKeys => {
                write!(f, "jwks holds more than {} keys", crate::MAX_JWKS_KEYS)
            }
            ConfigError::InvalidJwks => f.write_str(
                "jwks must be a JSON object without duplicate members and with a `keys` array of objects",
            ),
            ConfigError::InvalidJwk { index, member } => {
                write!(f, "jwks.keys[{index}].{member} is missing or malformed")
            }
            ConfigError::WeakJwk { index } => write!(
                f,
                "jwks.keys[{index}].x is not a usable Ed25519 public key (off the curve, small order or non-canonical)"
            ),
            ConfigError::JwkPrivateKey { index } => write!(
                f,
                "jwks.keys[{index}] contains private key material: publish public keys only"
            ),
            ConfigError::DuplicateKid { index } => {
                write!(f, "jwks.keys[{index}].kid repeats an earlier key's kid")
            }
            ConfigError::JwksNoUsableKey => f.write_str(
                "jwks holds no signing key this gate verifies with (OKP Ed25519, EC P-256 or P-521, RSA with alg RS256 or PS256)",
            ),
            ConfigError::InvalidOriginToken => {
                f.write_str("the origin token must be \"forward\" or \"hs256\"")
            }
            ConfigError::OriginTokenNeedsSecret => f.write_str(
                "the origin token \"hs256\" (the bridge) needs the secret (BETTER_AUTH_SECRET): the origin's token is signed with it",
            ),
            ConfigError::MissingSecret => write!(
                f,
                "{} is required (BETTER_AUTH_SECRET, at least 32 characters), or a key set ({} / {})",
                n("secret"),
                n("jwks"),
                n("jwksUrl")
            ),
            ConfigError::InvalidCookieName { index: None } => write!(
                f,
                "{} must be a cookie name (letters, digits and !#$%&'*+-.^_`|~, at most 128)",
                n("cookiePrefix")
            ),
            ConfigError::InvalidCookieName { index: Some(i) } => write!(
                f,
                "{}[{i}] must be a cookie name (letters, digits and !#$%&'*+-.^_`|~, at most 128)",
                n("stripCookies")
            ),
            ConfigError::InvalidSessionStrategy => write!(
                f,
                "{} must be compact, jwt, jwe, jwks or off (Better Auth's session.cookieCache.strategy; jwks for jwt({{ sessionCookieCache: true }}))",
                n("sessionStrategy")
            ),
            ConfigError::SessionNeedsSecret => write!(
                f,
                "{} compact, jwt and jwe need {} (BETTER_AUTH_SECRET, the secret Better Auth signs its cookies with)",
                n("sessionStrategy"),
                n("secret")
            ),
            ConfigError::SessionNeedsKeySet => write!(
                f,
                "{} jwks needs a key set ({} / {}): the JWT plugin's keys sign the cache",
                n("sessionStrategy"),
                n("jwks"),
                n("jwksUrl")
            ),
            ConfigError::InvalidTrustedOrigin { index: None } => write!(
                f,
                "{} must be an http(s) URL (BETTER_AUTH_URL)",
                n("baseUrl")
            ),
            ConfigError::InvalidTrustedOrigin { index: Some(i) } => write!(
                f,
                "{}[{i}] must be an origin as browsers send it: scheme://host[:port], lowercase, no path, no default port",
                n("trustedOrigins")
            ),
            ConfigError::SessionNeedsBaseUrl => write!(
                f,
                "session mode needs {} (BETTER_AUTH_URL) or {}: the CSRF rule trusts only those origins",
                n("baseUrl"),
                n("trustedOrigins")
            ),
            ConfigError::SessionStrategyNotInBuild => write!(
                f,
                "{} jwe is not in this build: npm: import from `jwtgate/full`; Rust: the `session-jwe` feature",
                n("sessionStrategy")
            ),
            ConfigError::InvalidEcPoint { index } => write!(
                f,
                "jwks.keys[{index}].x/y are not a point of the key's curve (or are the identity)"
            ),
            ConfigError::WeakRsaKey { index } => write!(
                f,
                "jwks.keys[{index}] is not a usable RSA key: n must be an odd 2048 to 4096-bit modulus and e an odd exponent from 3 to 2^32-1, both minimally encoded"
            ),
            ConfigError::AmbiguousJwkAlg { index } => write!(
                f,
                "jwks.keys[{index}] is an RSA key without alg: give alg \"RS256\" or \"PS256\" (the key decides the algorithm, never the token)"
            ),
        }
    }

    /// The message in a host's naming (`previous_secrets[1]` in Python, …).
    pub fn message(&self, naming: Naming) -> alloc::string::String {
        struct In<'e>(&'e ConfigError, Naming);
        impl fmt::Display for In<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.render(f, self.1)
            }
        }
        alloc::format!("{}", In(self, naming))
    }

    /// The npm name of the option at fault ([`crate::options::OPTIONS`]), when one is.
    pub fn option(&self) -> Option<&'static str> {
        Some(match self {
            ConfigError::SecretTooShort { which }
            | ConfigError::KnownDefaultSecret { which }
            | ConfigError::LowEntropySecret { which } => match which {
                SecretSlot::Current => "secret",
                SecretSlot::Previous(_) => "previousSecrets",
            },
            ConfigError::InvalidLifetimeWindow => "minLifetimeSeconds",
            ConfigError::InvalidApiPrefix => "apiPrefix",
            ConfigError::EmptyIssuerOrAudience => "issuer",
            ConfigError::TooManyPreviousSecrets => "previousSecrets",
            ConfigError::InvalidSelfRoute { .. } => "selfRoutes",
            ConfigError::JwksNeedsIssuerAndAudience => "issuer",
            ConfigError::JwksTooLarge
            | ConfigError::JwksTooManyKeys
            | ConfigError::InvalidJwks
            | ConfigError::InvalidJwk { .. }
            | ConfigError::WeakJwk { .. }
            | ConfigError::JwkPrivateKey { .. }
            | ConfigError::DuplicateKid { .. }
            | ConfigError::JwksNoUsableKey => "jwks",
            ConfigError::InvalidOriginToken | ConfigError::OriginTokenNeedsSecret => "originToken",
            ConfigError::MissingSecret => "secret",
            ConfigError::InvalidCookieName { index: None } => "cookiePrefix",
            ConfigError::InvalidCookieName { index: Some(_) } => "stripCookies",
            ConfigError::InvalidSessionStrategy
            | ConfigError::SessionNeedsSecret
            | ConfigError::SessionNeedsKeySet
            | ConfigError::SessionStrategyNotInBuild => "sessionStrategy",
            ConfigError::InvalidTrustedOrigin { index: None }
            | ConfigError::SessionNeedsBaseUrl => "baseUrl",
            ConfigError::InvalidTrustedOrigin { index: Some(_) } => "trustedOrigins",
            ConfigError::InvalidEcPoint { .. }
            | ConfigError::WeakRsaKey { .. }
            | ConfigError::AmbiguousJwkAlg { .. } => "jwks",
        })
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.render(f, Naming::Js)
    }
}

impl core::error::Error for ConfigError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_codes_lists_every_variant_once() {
        let every = ConfigError::SAMPLES;
        for e in every {
            // Exhaustive: a new variant fails to compile here until it is listed above.
            match e {
                ConfigError::SecretTooShort { .. }
                | ConfigError::KnownDefaultSecret { .. }
                | ConfigError::LowEntropySecret { .. }
                | ConfigError::InvalidLifetimeWindow
                | ConfigError::InvalidApiPrefix
                | ConfigError::EmptyIssuerOrAudience
                | ConfigError::TooManyPreviousSecrets
                | ConfigError::InvalidSelfRoute { .. }
                | ConfigError::JwksNeedsIssuerAndAudience
                | ConfigError::JwksTooLarge
                | ConfigError::JwksTooManyKeys
                | ConfigError::InvalidJwks
                | ConfigError::InvalidJwk { .. }
                | ConfigError::WeakJwk { .. }
                | ConfigError::JwkPrivateKey { .. }
                | ConfigError::DuplicateKid { .. }
                | ConfigError::JwksNoUsableKey
                | ConfigError::InvalidOriginToken
                | ConfigError::OriginTokenNeedsSecret
                | ConfigError::InvalidCookieName { .. }
                | ConfigError::MissingSecret
                | ConfigError::InvalidSessionStrategy
                | ConfigError::SessionNeedsSecret
                | ConfigError::SessionNeedsKeySet
                | ConfigError::InvalidTrustedOrigin { .. }
                | ConfigError::SessionNeedsBaseUrl
                | ConfigError::SessionStrategyNotInBuild => {}
                ConfigError::InvalidEcPoint { .. }
                | ConfigError::WeakRsaKey { .. }
                | ConfigError::AmbiguousJwkAlg { .. } => {}
            }
        }
        let mut codes: alloc::vec::Vec<&str> = every.iter().map(ConfigError::code).collect();
        codes.dedup();
        assert_eq!(codes, ConfigError::CODES);
    }
}
