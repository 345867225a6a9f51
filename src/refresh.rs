//! When to (re)fetch a remote key set: a pure policy, the clock comes in. Hosts do the
//! I/O (the npm package's `Gate.fromJwksUrl`, the worker's `jwks.rs`) and ask this
//! what to do; the same answers everywhere, tested here with an injected clock.
//!
//! Knobs and defaults are jose's (`createRemoteJWKSet`): a key set is fresh for
//! `max_age` (10 min, or the response's own `Cache-Control`), an unknown `kid` triggers
//! a refetch at most once per `cooldown` (30 s), a fetch times out after `timeout`
//! (5 s). Better than jose on two points: a failed refresh keeps the last good set
//! (stale-on-error, forever: keys leave a set by rotation, and an unknown `kid` still
//! refetches), and failures are also retried at most once per cooldown, so an origin
//! outage never becomes a fetch per request.

/// The knobs, in milliseconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RefreshPolicy {
    /// How long a fetched set is fresh when the response says nothing (default 10 min).
    pub max_age_ms: u64,
    /// Least time between two fetch attempts, whatever their reason (default 30 s).
    pub cooldown_ms: u64,
    /// How long one fetch may take (default 5 s); the host enforces it.
    pub timeout_ms: u64,
    /// Ceiling on a response's own `max-age` (default 1 day), so a far-future header
    /// cannot pin a revoked key.
    pub max_age_cap_ms: u64,
}

impl Default for RefreshPolicy {
    fn default() -> Self {
        RefreshPolicy {
            max_age_ms: 10 * 60 * 1000,
            cooldown_ms: 30 * 1000,
            timeout_ms: 5 * 1000,
            max_age_cap_ms: 24 * 60 * 60 * 1000,
        }
    }
}

/// Why a fetch should start now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RefreshReason {
    /// No key set yet (cold start, or every fetch so far failed).
    NoKeys,
    /// The set is older than its max-age.
    Stale,
    /// A token names a `kid` the set does not hold (a rotated-in key).
    UnknownKid,
}

/// The refresh state of one remote key set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KeySetRefresh {
    policy: RefreshPolicy,
    /// When the current set was fetched, and how long it stays fresh.
    fetched: Option<(u64, u64)>,
    /// When the last fetch started (success or not).
    last_attempt: Option<u64>,
}

impl KeySetRefresh {
    /// No key set yet.
    pub fn new(policy: RefreshPolicy) -> Self {
        KeySetRefresh {
            policy,
            fetched: None,
            last_attempt: None,
        }
    }

    /// A state seeded from a set fetched at `fetched_at_ms` (e.g. read back from the
    /// Workers Cache API by a cold isolate) that stays fresh for `max_age_ms`.
    pub fn seeded(policy: RefreshPolicy, fetched_at_ms: u64, max_age_ms: u64) -> Self {
        KeySetRefresh {
            policy,
            fetched: Some((fetched_at_ms, max_age_ms)),
            last_attempt: None,
        }
    }

    /// The knobs.
    pub fn policy(&self) -> &RefreshPolicy {
        &self.policy
    }

    /// Is there a key set at all?
    pub fn has_keys(&self) -> bool {
        self.fetched.is_some()
    }

    /// Is the set older than its max-age at `now_ms` (true without a set)?
    pub fn is_stale(&self, now_ms: u64) -> bool {
        match self.fetched {
            Some((at, max_age)) => now_ms >= at.saturating_add(max_age),
            None => true,
        }
    }

    /// When the current set was fetched and how long it stays fresh.
    pub fn fetched(&self) -> Option<(u64, u64)> {
        self.fetched
    }

    fn cooled_down(&self, now_ms: u64) -> bool {
        match self.last_attempt {
            // A clock that went backwards counts as still cooling down.
            Some(at) => now_ms >= at.saturating_add(self.policy.cooldown_ms),
            None => true,
        }
    }

    /// Before a request: should a fetch start (and why)? `None` → use what there is
    /// (a stale set is still used while a refresh is cooling down; no set → fail closed).
    pub fn due(&self, now_ms: u64) -> Option<RefreshReason> {
        if !self.cooled_down(now_ms) {
            return None;
        }
        if !self.has_keys() {
            Some(RefreshReason::NoKeys)
        } else if self.is_stale(now_ms) {
            Some(RefreshReason::Stale)
        } else {
            None
        }
    }

    /// A token named a `kid` the set lacks: refetch now? At most once per cooldown, so
    /// tokens with random `kid`s cost one fetch per cooldown, not one per request.
    pub fn on_unknown_kid(&self, now_ms: u64) -> Option<RefreshReason> {
        self.cooled_down(now_ms)
            .then_some(RefreshReason::UnknownKid)
    }

    /// A fetch starts at `now_ms` (call before awaiting it: concurrent requests then
    /// see the cooldown and do not start another). A fetch that fails (network,
    /// timeout, status, invalid set) needs no call: the last good set stays in use and
    /// the next attempt waits for the cooldown.
    pub fn started(&mut self, now_ms: u64) {
        self.last_attempt = Some(now_ms);
    }

    /// The fetch produced a valid set at `now_ms`; `max_age_s` is the response's own
    /// freshness ([`cache_control_max_age`]), `None` for the policy's default.
    pub fn succeeded(&mut self, now_ms: u64, max_age_s: Option<u64>) {
        let max_age = match max_age_s {
            Some(s) => s.saturating_mul(1000).min(self.policy.max_age_cap_ms),
            None => self.policy.max_age_ms,
        };
        self.fetched = Some((now_ms, max_age));
    }
}

/// Freshness a `Cache-Control` header grants a shared cache, in seconds: `s-maxage`,
/// else `max-age`; `no-store` / `no-cache` / `private` → 0 (always stale: refetched once
/// per cooldown). `None` when the header says nothing usable (the default applies).
pub fn cache_control_max_age(header: &str) -> Option<u64> {
    let mut max_age = None;
    let mut s_maxage = None;
    for directive in header.split(',') {
        let directive = directive.trim();
        let (name, value) = match directive.split_once('=') {
            Some((n, v)) => (n.trim(), Some(v.trim().trim_matches('"'))),
            None => (directive, None),
        };
        let seconds = || {
            value
                .filter(|v| !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()))
                .map(|v| v.parse::<u64>().unwrap_or(u64::MAX))
        };
        if name.eq_ignore_ascii_case("no-store")
            || name.eq_ignore_ascii_case("no-cache")
            || name.eq_ignore_ascii_case("private")
        {
            return Some(0);
        } else if name.eq_ignore_ascii_case("s-maxage") {
            s_maxage = seconds().or(s_maxage);
        } else if name.eq_ignore_ascii_case("max-age") {
            max_age = seconds().or(max_age);
        }
    }
    s_maxage.or(max_age)
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: u64 = 1_700_000_000_000;

    #[test]
    fn cold_start_fetches_once_then_serves_until_max_age() {
        let mut r = KeySetRefresh::new(RefreshPolicy::default());
        assert_eq!(r.due(T0), Some(RefreshReason::NoKeys));
        r.started(T0);
        // While the first fetch is in flight nobody starts another.
        assert_eq!(r.due(T0 + 1), None);
        r.succeeded(T0 + 50, None);
        assert_eq!(r.due(T0 + 60), None);
        assert!(!r.is_stale(T0 + 50 + 599_999));
        assert_eq!(r.due(T0 + 50 + 599_999), None);
        assert_eq!(r.due(T0 + 50 + 600_000), Some(RefreshReason::Stale));
    }

    #[test]
    fn unknown_kid_refetches_at_most_once_per_cooldown() {
        let mut r = KeySetRefresh::seeded(RefreshPolicy::default(), T0, 600_000);
        let mut fetches = 0;
        // 10,000 requests with rotating kids over 100 s: one fetch per 30 s.
        for i in 0..10_000u64 {
            let now = T0 + i * 10;
            if r.on_unknown_kid(now).is_some() {
                r.started(now);
                r.succeeded(now, None);
                fetches += 1;
            }
        }
        assert_eq!(fetches, 4); // at 0, 30, 60 and 90 s
    }

    #[test]
    fn failures_keep_the_last_set_and_wait_for_the_cooldown() {
        let mut r = KeySetRefresh::seeded(RefreshPolicy::default(), T0, 1000);
        let stale_at = T0 + 1000;
        assert_eq!(r.due(stale_at), Some(RefreshReason::Stale));
        r.started(stale_at);
        assert!(r.has_keys(), "last good set kept");
        assert_eq!(r.due(stale_at + 29_999), None);
        assert_eq!(r.on_unknown_kid(stale_at + 29_999), None);
        assert_eq!(r.due(stale_at + 30_000), Some(RefreshReason::Stale));
        // No set at all and the first fetch failed: fail closed until the cooldown ends.
        let mut cold = KeySetRefresh::new(RefreshPolicy::default());
        cold.started(T0);
        assert_eq!(cold.due(T0 + 29_999), None);
        assert!(!cold.has_keys());
        assert_eq!(cold.due(T0 + 30_000), Some(RefreshReason::NoKeys));
        // A clock that went backwards does not start a fetch storm.
        assert_eq!(cold.due(T0 - 5), None);
    }

    #[test]
    fn response_max_age_wins_and_is_capped() {
        let mut r = KeySetRefresh::new(RefreshPolicy::default());
        r.started(T0);
        r.succeeded(T0, Some(60));
        assert_eq!(r.fetched(), Some((T0, 60_000)));
        r.succeeded(T0, Some(u64::MAX));
        assert_eq!(r.fetched(), Some((T0, 86_400_000)));
        r.succeeded(T0, Some(0));
        assert!(r.is_stale(T0));
    }

    #[test]
    fn cache_control_parsing() {
        assert_eq!(cache_control_max_age("max-age=300"), Some(300));
        assert_eq!(
            cache_control_max_age("public, max-age=300, s-maxage=60"),
            Some(60)
        );
        assert_eq!(cache_control_max_age("Max-Age=\"12\""), Some(12));
        assert_eq!(cache_control_max_age("no-store"), Some(0));
        assert_eq!(cache_control_max_age("max-age=300, no-cache"), Some(0));
        assert_eq!(cache_control_max_age("private, max-age=300"), Some(0));
        assert_eq!(cache_control_max_age("public"), None);
        assert_eq!(cache_control_max_age("max-age=-1"), None);
        assert_eq!(cache_control_max_age("max-age=1e3"), None);
        assert_eq!(cache_control_max_age(""), None);
        assert_eq!(
            cache_control_max_age("max-age=99999999999999999999999"),
            Some(u64::MAX)
        );
    }
}
