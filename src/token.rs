//! Token structure: an [`UntrustedToken`] is what arrived (shape, encoding and
//! header checked, nothing trusted); [`crate::Gate::verify_untrusted`] turns it
//! into a [`VerifiedToken`] after the signature and every claim rule pass.

use alloc::string::String;
use alloc::vec::Vec;

use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use base64::Engine;

use crate::error::Error;
use crate::json::{read_object, Loose};

/// Largest token accepted, in bytes. Better Auth tokens are a few hundred bytes;
/// 8 KiB leaves room for fat claim sets while bounding work per request.
pub const MAX_TOKEN_BYTES: usize = 8 * 1024;

/// Largest decoded JOSE header accepted, in bytes. A Better Auth header is under 100
/// bytes (`{"alg":"HS256","typ":"JWT"}` is 27; with a `kid`, ~80). The header is read
/// before the signature is checked, so its size bounds what an unauthenticated client
/// can make the gate parse: the rest of the token is only hashed until the MAC matches.
pub const MAX_HEADER_BYTES: usize = 512;

/// Unpadded base64url that also refuses non-zero trailing bits, so every token has
/// exactly one accepted spelling (RFC 7515 §2, RFC 4648 §3.5).
const B64URL: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::URL_SAFE,
    GeneralPurposeConfig::new()
        .with_encode_padding(false)
        .with_decode_padding_mode(DecodePaddingMode::RequireNone)
        .with_decode_allow_trailing_bits(false),
);

/// Encodes bytes as unpadded base64url (used when minting test and demo tokens).
pub fn base64url(bytes: &[u8]) -> String {
    B64URL.encode(bytes)
}

/// Strict unpadded base64url decoding (the token rule, also used for JWK members).
pub(crate) fn decode_base64url(text: &str) -> Result<Vec<u8>, base64::DecodeError> {
    B64URL.decode(text)
}

/// The JWS algorithms the gate knows; each is pinned to one kind of key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Alg {
    /// `HS256`: HMAC-SHA256 with a configured secret, never with a JWK.
    Hs256,
    /// `EdDSA` (RFC 8037, with an Ed25519 key) or `Ed25519` (RFC 9864): only with a
    /// key of the configured key set, never with the secret.
    Ed25519,
    /// `ES256`: ECDSA on P-256 with SHA-256, only with a P-256 key of the key set.
    Es256,
    /// `ES512`: ECDSA on P-521 with SHA-512, only with a P-521 key of the key set.
    Es512,
    /// `RS256`: RSASSA-PKCS1-v1_5 with SHA-256, only with an RSA key whose JWK says `RS256`.
    Rs256,
    /// `PS256`: RSASSA-PSS with SHA-256 and a 32-byte salt, only with an RSA key whose JWK
    /// says `PS256`.
    Ps256,
}

impl Alg {
    /// The JWS name (`EdDSA` for Ed25519).
    pub const fn name(self) -> &'static str {
        match self {
            Alg::Hs256 => "HS256",
            Alg::Ed25519 => "EdDSA",
            Alg::Es256 => "ES256",
            Alg::Es512 => "ES512",
            Alg::Rs256 => "RS256",
            Alg::Ps256 => "PS256",
        }
    }

    /// The algorithm a JWS header (or a JWK's `alg`) names; `none` and everything else
    /// is `None`. Case-sensitive. `Ed25519` (RFC 9864) is EdDSA with Ed25519.
    pub fn from_name(name: &str) -> Option<Alg> {
        Some(match name {
            "HS256" => Alg::Hs256,
            "EdDSA" | "Ed25519" => Alg::Ed25519,
            "ES256" => Alg::Es256,
            "ES512" => Alg::Es512,
            "RS256" => Alg::Rs256,
            "PS256" => Alg::Ps256,
            _ => return None,
        })
    }
}

/// Which algorithms a gate holds keys for (a token with another `alg` is refused
/// as `alg_not_allowed` before its signature is looked at).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AcceptedAlgs {
    /// A secret is configured.
    pub hs256: bool,
    /// The key set holds an Ed25519 key.
    pub ed25519: bool,
    /// The key set holds a P-256 key (ES256).
    pub es256: bool,
    /// The key set holds a P-521 key (ES512).
    pub es512: bool,
    /// The key set holds an RSA key for RS256.
    pub rs256: bool,
    /// The key set holds an RSA key for PS256.
    pub ps256: bool,
}

impl AcceptedAlgs {
    /// Every algorithm the gate knows (for the JWS-level vector harnesses).
    pub const ALL: AcceptedAlgs = AcceptedAlgs {
        hs256: true,
        ed25519: true,
        es256: true,
        es512: true,
        rs256: true,
        ps256: true,
    };
    /// No algorithm at all.
    pub const NONE: AcceptedAlgs = AcceptedAlgs {
        hs256: false,
        ed25519: false,
        es256: false,
        es512: false,
        rs256: false,
        ps256: false,
    };

    /// Is `alg` one of them?
    pub fn contains(self, alg: Alg) -> bool {
        match alg {
            Alg::Hs256 => self.hs256,
            Alg::Ed25519 => self.ed25519,
            Alg::Es256 => self.es256,
            Alg::Es512 => self.es512,
            Alg::Rs256 => self.rs256,
            Alg::Ps256 => self.ps256,
        }
    }

    /// The same set with `alg` added.
    pub fn with(mut self, alg: Alg) -> AcceptedAlgs {
        *match alg {
            Alg::Hs256 => &mut self.hs256,
            Alg::Ed25519 => &mut self.ed25519,
            Alg::Es256 => &mut self.es256,
            Alg::Es512 => &mut self.es512,
            Alg::Rs256 => &mut self.rs256,
            Alg::Ps256 => &mut self.ps256,
        } = true;
        self
    }
}

/// A token whose shape, encoding and JOSE header passed; signature and claims not yet checked.
#[derive(Debug)]
pub struct UntrustedToken<'a> {
    signing_input: &'a str,
    payload: Vec<u8>,
    signature: Vec<u8>,
    alg: Alg,
    kid: Option<String>,
}

impl<'a> UntrustedToken<'a> {
    /// Checks, in order: size cap, three segments, strict base64url in each,
    /// header at most [`MAX_HEADER_BYTES`] and a duplicate-free JSON object, `alg`
    /// exactly `HS256`, `EdDSA`, `Ed25519`, `ES256`, `ES512`, `RS256` or `PS256`, no `crit`,
    /// no `b64` other than `true`; for a key-set algorithm a `kid`, if present, is a string.
    pub fn parse(token: &'a str) -> Result<Self, Error> {
        Self::parse_for(token, AcceptedAlgs::ALL)
    }

    /// [`UntrustedToken::parse`] for a gate that accepts only `accepted` (an `alg` it
    /// holds no key for is refused at the algorithm rule, in the documented order).
    pub fn parse_for(token: &'a str, accepted: AcceptedAlgs) -> Result<Self, Error> {
        if token.len() > MAX_TOKEN_BYTES {
            return Err(Error::TokenTooLarge);
        }
        let mut parts = token.split('.');
        let (Some(header_b64), Some(payload_b64), Some(signature_b64), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(Error::MalformedToken);
        };
        let header = B64URL
            .decode(header_b64)
            .map_err(|_| Error::InvalidBase64)?;
        let payload = B64URL
            .decode(payload_b64)
            .map_err(|_| Error::InvalidBase64)?;
        let signature = B64URL
            .decode(signature_b64)
            .map_err(|_| Error::InvalidBase64)?;
        let (alg, kid) = check_header(&header, accepted)?;
        // header + '.' + payload is a prefix of `token`; the length is in bounds.
        let signing_input = token
            .get(..header_b64.len() + 1 + payload_b64.len())
            .ok_or(Error::MalformedToken)?;
        Ok(UntrustedToken {
            signing_input,
            payload,
            signature,
            alg,
            kid,
        })
    }

    /// The header's algorithm.
    pub fn alg(&self) -> Alg {
        self.alg
    }

    /// The header's `kid` (read for key-set algorithms only; HS256 ignores it).
    pub fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }

    /// `base64url(header) || '.' || base64url(payload)`: the bytes the MAC covers.
    pub fn signing_input(&self) -> &'a str {
        self.signing_input
    }

    /// The decoded signature segment (32 bytes for a well-formed HS256 token).
    pub fn signature(&self) -> &[u8] {
        &self.signature
    }

    /// The decoded payload; not yet authenticated.
    pub(crate) fn payload(&self) -> &[u8] {
        &self.payload
    }

    /// The decoded payload, by value (for `Gate::verify`, which owns the token).
    pub(crate) fn into_payload(self) -> Vec<u8> {
        self.payload
    }
}

fn check_header(header: &[u8], accepted: AcceptedAlgs) -> Result<(Alg, Option<String>), Error> {
    let mut alg = None;
    let mut kid = None;
    let mut kid_ok = true;
    // Bounded before any JSON work: this is the only part parsed before the signature check.
    if header.len() > MAX_HEADER_BYTES {
        return Err(Error::InvalidHeader);
    }
    let mut critical = false;
    read_object(
        header,
        |name| matches!(name, "alg" | "crit" | "b64" | "kid"),
        |name, value| match name {
            "alg" => {
                alg = value
                    .as_str()
                    .and_then(Alg::from_name)
                    .filter(|alg| accepted.contains(*alg))
            }
            "kid" => match value {
                Loose::Str(s) => kid = Some(String::from(s)),
                _ => kid_ok = false,
            },
            "crit" => critical = true,
            // RFC 7797: b64=false changes what is signed; only the default is understood.
            _ => critical |= value != Loose::Bool(true),
        },
    )
    .map_err(|_| Error::InvalidHeader)?;
    let Some(alg) = alg else {
        return Err(Error::AlgNotAllowed);
    };
    if critical {
        return Err(Error::UnsupportedCriticalHeader);
    }
    match alg {
        // A single shared secret: `kid` selects nothing (and was never a rule for HS256).
        Alg::Hs256 => Ok((alg, None)),
        // Every key-set algorithm: `kid` selects the key.
        _ if !kid_ok => Err(Error::InvalidHeader),
        _ => Ok((alg, kid)),
    }
}

/// The claims the policy read from a verified token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Claims {
    /// `sub`: the user id, non-empty.
    pub sub: String,
    /// `email`, non-empty.
    pub email: String,
    /// `exp`, seconds since the epoch.
    pub exp: i64,
    /// `iat`, seconds since the epoch.
    pub iat: i64,
    /// `nbf`, when present.
    pub nbf: Option<i64>,
}

/// A token that passed every check; it carries the claims the policy read and the
/// whole payload (for hosts that hand every claim to their callers).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedToken {
    claims: Claims,
    payload_json: String,
    session: bool,
}

impl VerifiedToken {
    pub(crate) fn new(claims: Claims, payload_json: String) -> Self {
        VerifiedToken {
            claims,
            payload_json,
            session: false,
        }
    }
    /// A verified Better Auth session as a credential (see [`crate::Verdict::Session`]).
    pub(crate) fn from_session(claims: Claims, payload_json: String) -> Self {
        VerifiedToken {
            claims,
            payload_json,
            session: true,
        }
    }
    /// Did this identity come from Better Auth's session cookies (not a bearer token)?
    pub fn is_session(&self) -> bool {
        self.session
    }
    /// The user id (`sub`).
    pub fn user_id(&self) -> &str {
        &self.claims.sub
    }
    /// The claims the policy checked.
    pub fn claims(&self) -> &Claims {
        &self.claims
    }
    /// The full claim set as the JSON text that was signed (duplicate-free, UTF-8).
    pub fn payload_json(&self) -> &str {
        &self.payload_json
    }
    /// Splits into claims and payload JSON.
    pub fn into_parts(self) -> (Claims, String) {
        (self.claims, self.payload_json)
    }
}
