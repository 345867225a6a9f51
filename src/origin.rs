//! The host contract, origin side: which request headers the origin receives. The host
//! describes what it holds ([`OriginInput`]), the core returns an [`OriginPlan`] — names
//! to remove, then headers to set — and the host applies it to its own header object
//! without deciding any part of it.
//!
//! The rules, once for every host:
//! - **Identity** (`X-User-Id`, `X-User-Email`, in any spelling): removed from what the
//!   client sent on every request; set from the verified claims on an allowed one,
//!   through [`crate::identity_header_value`].
//! - **Bridge** (`originToken` / `ORIGIN_TOKEN = "hs256"`): `Authorization` replaced by
//!   [`Gate::origin_token`].
//! - **Hop-by-hop** (proxies only): RFC 9110 §7.6.1's list, every name `Connection`
//!   lists, and `Host` (the new hop has its own).
//! - **Forwarding** (proxies only): the client's `Forwarded`, `X-Forwarded-*` and
//!   `X-Real-IP` never reach the origin as sent; the host's own facts ([`HostFacts`]) are
//!   set instead. Behind proxies the operator trusts ([`crate::GateConfig::trusted_proxies`]),
//!   the incoming values are kept and the client address is appended.
//! - **Auth cookies** (proxies only): Better Auth's cookies (`[__Secure-]{prefix}.*`,
//!   `[__Secure-]{prefix}-*`, chunks included) and any configured names are removed from
//!   `Cookie`: the origin gets a 15-minute token, never the 7-day session.
//!
//! In-process hosts (an ASGI middleware, a FastAPI dependency) have no second hop: they
//! ask for [`Hop::InProcess`] and get the identity part only; the server's own settings
//! govern cookies and forwarding there.

use alloc::borrow::Cow;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt::Write;

use crate::bridge::push_json_string;
use crate::config::GateConfig;
use crate::gate::Gate;
use crate::identity::identity_header_value;
use crate::token::VerifiedToken;
use crate::OriginToken;

/// Identity headers: only the gate sets them, from verified claims.
pub const IDENTITY_HEADERS: [&str; 2] = ["x-user-id", "x-user-email"];

/// Connection-scoped headers (RFC 9110 §7.6.1), never carried to a new hop.
pub const HOP_BY_HOP_HEADERS: [&str; 9] = [
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
];

/// Headers in which a proxy states facts about the client (uvicorn, Starlette and most
/// frameworks believe them from a trusted address).
pub const FORWARDING_HEADERS: [&str; 7] = [
    "forwarded",
    "x-forwarded-for",
    "x-forwarded-host",
    "x-forwarded-proto",
    "x-forwarded-port",
    "x-forwarded-prefix",
    "x-real-ip",
];

/// Better Auth's cookie prefix unless configured otherwise (`advanced.cookiePrefix`).
pub const DEFAULT_COOKIE_PREFIX: &str = "better-auth";

/// Longest client address accepted as a fact (an IPv6 literal with a zone fits).
const MAX_ADDRESS_BYTES: usize = 64;

/// Is the plan for a proxy (a new hop to the origin) or for an app in the same process?
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Hop {
    /// A new request to the origin: the whole plan.
    #[default]
    Proxy,
    /// The app behind runs in this process: identity headers only.
    InProcess,
}

/// What only the host knows about the connection. Each fact is used only when it is
/// well-formed (an address of hex digits, `.` and `:`; an `http`/`https` scheme; a host
/// of visible ASCII without `"`), else left out.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HostFacts<'a> {
    /// The client's address (the platform's, e.g. `CF-Connecting-IP`), if the host has one.
    pub client_address: Option<&'a str>,
    /// The scheme the client used.
    pub scheme: Option<&'a str>,
    /// The host (and port) the client addressed.
    pub host: Option<&'a str>,
}

/// The incoming headers the plan depends on, each as its combined value.
#[derive(Clone, Copy, Debug, Default)]
pub struct OriginInput<'a> {
    /// Proxy or in-process.
    pub hop: Hop,
    /// `Connection` (names more hop-by-hop headers).
    pub connection: Option<&'a str>,
    /// `Cookie` (lines joined with `"; "`).
    pub cookie: Option<&'a str>,
    /// `X-Forwarded-For` as received (only read behind trusted proxies).
    pub forwarded_for: Option<&'a str>,
    /// The connection's facts.
    pub facts: HostFacts<'a>,
}

/// What to do to the client's headers before the origin gets them: delete every name in
/// `remove` (ASCII lowercase; compare case-insensitively), then set each of `set`
/// (replacing any value of that name).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OriginPlan {
    /// Header names to delete.
    pub remove: Vec<Cow<'static, str>>,
    /// Headers to set, in order, after the removals.
    pub set: Vec<(&'static str, String)>,
}

impl OriginPlan {
    fn remove(&mut self, name: &'static str) {
        self.remove.push(Cow::Borrowed(name));
    }

    fn set(&mut self, name: &'static str, value: String) {
        self.set.push((name, value));
    }

    /// The plan as one JSON object `{"remove":[…],"set":[[name,value],…]}` (what the Wasm
    /// and Python bindings hand their host code).
    pub fn to_json(&self) -> String {
        let mut out = String::from("{\"remove\":[");
        for (i, name) in self.remove.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            push_json_string(&mut out, name);
        }
        out.push_str("],\"set\":[");
        for (i, (name, value)) in self.set.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push('[');
            push_json_string(&mut out, name);
            out.push(',');
            push_json_string(&mut out, value);
            out.push(']');
        }
        out.push_str("]}");
        out
    }
}

impl Gate {
    /// The origin plan for a request the gate forwards (see the module docs).
    /// `identity` is the verified token of an allowed request, `None` on a path outside
    /// the prefix ([`crate::Verdict::Pass`]).
    pub fn origin_plan(
        &self,
        input: &OriginInput<'_>,
        identity: Option<&VerifiedToken>,
    ) -> OriginPlan {
        let config = self.config();
        let mut plan = config.origin_plan_without_identity(input);
        if let Some(verified) = identity {
            plan.set(
                IDENTITY_HEADERS[0],
                identity_header_value(verified.user_id()).into_owned(),
            );
            plan.set(
                IDENTITY_HEADERS[1],
                identity_header_value(&verified.claims().email).into_owned(),
            );
            if config.origin_token == OriginToken::Hs256 {
                if let Some(token) = self.origin_token(verified) {
                    plan.set("authorization", alloc::format!("Bearer {token}"));
                }
            }
        }
        plan
    }
}

impl GateConfig {
    /// The part of [`Gate::origin_plan`] that needs no verified identity (what a
    /// [`crate::Verdict::Pass`] gets), for a host that has no gate yet (a remote key set
    /// not fetched; see [`GateConfig::decide_awaiting_key_set`]): the same plan.
    pub fn origin_plan_without_identity(&self, input: &OriginInput<'_>) -> OriginPlan {
        let mut plan = OriginPlan::default();
        for name in IDENTITY_HEADERS {
            plan.remove(name);
        }
        if input.hop == Hop::Proxy {
            for name in HOP_BY_HOP_HEADERS {
                plan.remove(name);
            }
            plan.remove("host");
            for listed in input.connection.unwrap_or("").split(',') {
                let listed = listed.trim();
                if is_token(listed) {
                    plan.remove.push(Cow::Owned(listed.to_ascii_lowercase()));
                }
            }
            self.plan_forwarding(&mut plan, input);
            if !self.forward_auth_cookies {
                plan_cookies(&mut plan, input.cookie, self);
            }
        }
        plan
    }

    fn plan_forwarding(&self, plan: &mut OriginPlan, input: &OriginInput<'_>) {
        let facts = &input.facts;
        let address = facts.client_address.filter(|a| is_address(a));
        if self.trusted_proxies > 0 {
            // A trusted proxy's statements stand; this hop adds the address it saw.
            if let Some(address) = address {
                let chain = match input.forwarded_for.map(str::trim) {
                    Some(before) if !before.is_empty() && is_field_value(before) => {
                        alloc::format!("{before}, {address}")
                    }
                    _ => String::from(address),
                };
                plan.set("x-forwarded-for", chain);
            }
            return;
        }
        for name in FORWARDING_HEADERS {
            plan.remove(name);
        }
        let scheme = facts.scheme.map(|s| s.trim_end_matches(':'));
        let scheme = scheme.filter(|s| matches!(*s, "http" | "https"));
        let host = facts.host.filter(|h| is_host(h));
        let mut forwarded = String::new();
        if let Some(address) = address {
            plan.set("x-forwarded-for", String::from(address));
            plan.set("x-real-ip", String::from(address));
            // RFC 7239 §6: an IPv6 address is bracketed and quoted.
            let _ = if address.contains(':') {
                write!(forwarded, "for=\"[{address}]\"")
            } else {
                write!(forwarded, "for={address}")
            };
        }
        if let Some(host) = host {
            plan.set("x-forwarded-host", String::from(host));
            push_pair(&mut forwarded, "host", &alloc::format!("\"{host}\""));
        }
        if let Some(scheme) = scheme {
            plan.set("x-forwarded-proto", String::from(scheme));
            push_pair(&mut forwarded, "proto", scheme);
        }
        if !forwarded.is_empty() {
            plan.set("forwarded", forwarded);
        }
    }
}

fn push_pair(out: &mut String, name: &str, value: &str) {
    if !out.is_empty() {
        out.push(';');
    }
    let _ = write!(out, "{name}={value}");
}

/// The `Cookie` the origin gets: the auth cookies taken out (see the module docs). Nothing
/// changes when none is there; the header goes when nothing else is left.
fn plan_cookies(plan: &mut OriginPlan, cookie: Option<&str>, config: &crate::GateConfig) {
    let Some(cookie) = cookie else { return };
    let mut kept = String::new();
    let mut dropped = false;
    // The pieces the session rules read (a second `Cookie` line joined with ", " too).
    for (pair, _) in crate::session::cookies::pieces(cookie) {
        let pair = pair.trim_matches([' ', '\t']);
        if pair.is_empty() {
            continue;
        }
        let name = pair
            .split('=')
            .next()
            .unwrap_or("")
            .trim_matches([' ', '\t']);
        // A pair no field value can hold (a control character) is not passed on either.
        if is_auth_cookie(name, &config.cookie_prefix, &config.strip_cookies)
            || !is_field_value(pair)
        {
            dropped = true;
            continue;
        }
        if !kept.is_empty() {
            kept.push_str("; ");
        }
        kept.push_str(pair);
    }
    if !dropped {
        return;
    }
    plan.remove("cookie");
    if !kept.is_empty() {
        plan.set("cookie", kept);
    }
}

/// Is `name` one of the cookies the origin must not receive? Better Auth names its
/// cookies `{prefix}.{name}` (`session_token`, `session_data` and its chunks `.0`, `.1`, …,
/// `dont_remember`, `two_factor`, …) or `{prefix}-{name}`, with `__Secure-` in front on
/// HTTPS; `extra` names are matched exactly, with or without that prefix and a chunk suffix.
pub fn is_auth_cookie(name: &str, prefix: &str, extra: &[String]) -> bool {
    let bare = name
        .strip_prefix("__Secure-")
        .or_else(|| name.strip_prefix("__Host-"))
        .unwrap_or(name);
    if !prefix.is_empty() {
        if let Some(rest) = bare.strip_prefix(prefix) {
            if rest.starts_with(['.', '-']) {
                return true;
            }
        }
    }
    extra.iter().any(|want| {
        bare == want.as_str()
            || bare
                .strip_prefix(want.as_str())
                .and_then(|rest| rest.strip_prefix('.'))
                .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
    })
}

/// Text an HTTP field value can carry (RFC 9110 §5.5): no control character but HTAB.
fn is_field_value(text: &str) -> bool {
    text.bytes().all(|b| b == b'\t' || (b >= 0x20 && b != 0x7f))
}

/// A header name `Connection` may list (an RFC 9110 token).
fn is_token(name: &str) -> bool {
    crate::gate::is_token(name, 64)
}

/// An IPv4 or IPv6 literal as platforms write it (no brackets, no port).
fn is_address(value: &str) -> bool {
    !value.is_empty()
        && value.len() <= MAX_ADDRESS_BYTES
        && value
            .bytes()
            .all(|b| b.is_ascii_hexdigit() || b == b'.' || b == b':')
}

/// A host (and port) that can be written into a header and a quoted `Forwarded` value.
fn is_host(value: &str) -> bool {
    !value.is_empty()
        && value.len() <= 255
        && value
            .bytes()
            .all(|b| b.is_ascii_graphic() && b != b'"' && b != b'\\' && b != b',' && b != b';')
}
