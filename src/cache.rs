//! [`CachedGate`]: a [`Gate`] that remembers the tokens it verified.
//!
//! A browser presents the same token on every request for its whole lifetime (15–30
//! minutes), so a gate sees each token many times. Everything about a token except the
//! time rules is a pure function of its bytes and of the gate's configuration: the
//! size, shape, header, signature and the parsed claims. A repeat of a token already
//! verified skips that work and goes straight to [`Gate::judge`], the same function a
//! fresh token ends with, so the answer is the one an uncached gate would give at that
//! `now` (the unit tests and a proptest hold the two to that).
//!
//! Safety of the lookup:
//! - Only tokens that passed every rule are stored; refusals never are.
//! - The slot comes from the token's last bytes (the signature's tail), and a hit needs
//!   the whole token to be equal, compared in constant time ([`constant_time_eq`]): timing never
//!   tells how much of a forged token matches a stored one.
//! - The cache belongs to one gate (one secret set, one policy); it cannot be shared
//!   with another configuration.
//! - Bounded: a fixed number of slots, fixed at construction; tokens longer than
//!   [`MAX_CACHED_TOKEN_BYTES`] are verified every time. A colliding token replaces the
//!   slot's entry (at worst, verification costs what it costs without a cache).

use alloc::boxed::Box;
use alloc::vec::Vec;

use crate::gate::Reading;
use crate::host::{Field, HostRequest, Verdict};
use crate::keys::hs256::constant_time_eq;
use crate::session::SessionCache;
use crate::{ConfigError, Error, Gate, KeySet, VerifiedToken};

/// Slots a [`CachedGate`] gets unless told otherwise.
pub const DEFAULT_CACHE_ENTRIES: usize = 256;
/// Most slots a [`CachedGate`] accepts (requests above are clamped to this).
pub const MAX_CACHE_ENTRIES: usize = 1 << 16;
/// Longest token stored (Better Auth tokens are about 300–600 bytes); bounds memory
/// to about `entries × 2 × MAX_CACHED_TOKEN_BYTES`.
pub const MAX_CACHED_TOKEN_BYTES: usize = 2048;
/// Entry numbers stay exact in a JS number (2^53); past that nothing more is stored.
pub(crate) const MAX_GENERATION: u64 = 1 << 53;

/// Which stored entry answered (see [`CachedGate::last_entry`]): a host that keeps its own
/// per-entry data (the npm package keeps the parsed claims object) keys it by this pair.
/// `generation` is unique over the gate's life: a slot reused by another token gets a new one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EntryId {
    /// Slot index, below the number of slots.
    pub slot: u32,
    /// Insertion number of the entry, starting at 1.
    pub generation: u64,
}

struct Entry {
    token: Box<str>,
    reading: Reading,
    generation: u64,
}

/// The slots and their bookkeeping; kept apart from the [`Gate`] so that `authorize`
/// can borrow the gate's rules and the cache at the same time.
struct TokenCache {
    slots: Vec<Option<Entry>>,
    /// Last insertion number given out.
    generation: u64,
    /// Where the last accepted token's verdict lives when it was not stored.
    uncached: Option<VerifiedToken>,
    last_entry: Option<EntryId>,
}

/// A [`Gate`] with a bounded cache of verified tokens; the same decisions, faster on repeats.
///
/// ```
/// use jwtgate::{CachedGate, Gate, GateConfig};
///
/// let gate = Gate::new(GateConfig::new("k3Jx9vQ2mW7pL4tZ8rB6nC1yH5sD0fGa")).unwrap();
/// let token = gate.mint(r#"{"sub":"u1","email":"a@example.com","iat":1700000000,"exp":1700000900}"#);
/// let mut cached = CachedGate::new(gate, 256);
/// assert_eq!(cached.verify(&token, 1_700_000_000).unwrap().user_id(), "u1"); // verified
/// assert_eq!(cached.verify(&token, 1_700_000_100).unwrap().user_id(), "u1"); // from the cache
/// // The time rules are applied on every call: an hour later the same token is expired.
/// assert_eq!(cached.verify(&token, 1_700_003_600).unwrap_err().code(), "token_expired");
/// ```
pub struct CachedGate {
    gate: Gate,
    cache: TokenCache,
    /// Verified session cookie caches (session mode), as many slots as for tokens.
    sessions: SessionCache,
}

impl core::fmt::Debug for CachedGate {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("CachedGate")
            .field("gate", &self.gate)
            .field("slots", &self.cache.slots.len())
            .finish_non_exhaustive()
    }
}

impl CachedGate {
    /// Wraps `gate` with `entries` slots (rounded up to a power of two, at most
    /// [`MAX_CACHE_ENTRIES`]); `0` turns caching off.
    pub fn new(gate: Gate, entries: usize) -> CachedGate {
        let slots = match entries {
            0 => 0,
            n => n.min(MAX_CACHE_ENTRIES).next_power_of_two(),
        };
        CachedGate {
            gate,
            cache: TokenCache {
                slots: core::iter::repeat_with(|| None).take(slots).collect(),
                generation: 0,
                uncached: None,
                last_entry: None,
            },
            sessions: SessionCache::new(slots),
        }
    }

    /// The gate whose rules this applies.
    pub fn gate(&self) -> &Gate {
        &self.gate
    }

    /// Swaps in a refreshed key set and forgets every stored token: a token verified
    /// with a key that has left the set must not be answered from the cache.
    /// On a bad key set nothing changes (the last good set stays).
    pub fn replace_key_set(&mut self, keys: KeySet) -> Result<(), ConfigError> {
        self.gate = self.gate.with_key_set(keys)?;
        self.cache.slots.iter_mut().for_each(|slot| *slot = None);
        self.sessions.clear();
        self.cache.uncached = None;
        self.cache.last_entry = None;
        Ok(())
    }

    /// [`Gate::verify`], answered from the cache when this exact token was verified before.
    pub fn verify(&mut self, token: &str, now: u64) -> Result<&VerifiedToken, Error> {
        self.cache.verify(&self.gate, token, now)
    }

    /// [`Gate::authorize`], with the token's verification going through the cache.
    pub fn authorize(
        &mut self,
        method: &str,
        path: &str,
        authorization: Option<&str>,
        now: u64,
    ) -> Result<&VerifiedToken, Error> {
        let CachedGate { gate, cache, .. } = self;
        gate.authorize_with(method, path, authorization, |token| {
            cache.verify(gate, token, now)
        })
    }

    /// [`Gate::decide`], with the token's verification going through the cache.
    pub fn decide(&mut self, request: &HostRequest<'_>, now: u64) -> Verdict<&VerifiedToken> {
        self.decide_cached(request, now, false)
    }

    /// [`Gate::decide_required`], through the cache.
    pub fn decide_required(
        &mut self,
        request: &HostRequest<'_>,
        now: u64,
    ) -> Verdict<&VerifiedToken> {
        self.decide_cached(request, now, true)
    }

    fn decide_cached(
        &mut self,
        request: &HostRequest<'_>,
        now: u64,
        required: bool,
    ) -> Verdict<&VerifiedToken> {
        let CachedGate {
            gate,
            cache,
            sessions,
        } = self;
        gate.decide_with(
            request,
            required,
            |gate, keys, route, cookie| {
                gate.decide_session_cached(keys, sessions, request, route, cookie, now)
            },
            |gate, method, target, authorization| {
                gate.authorize_with(method, target, authorization, |token| {
                    cache.verify(gate, token, now)
                })
            },
        )
    }

    /// [`Gate::authorize_request`], through the cache.
    pub fn authorize_request(
        &mut self,
        request: &HostRequest<'_>,
        now: u64,
    ) -> Result<&VerifiedToken, Error> {
        let target = request.routed_target()?;
        if let Field::Oversized(head) = request.authorization {
            return Err(self.gate.refuse_oversized(request.method, head));
        }
        let authorization = request.authorization.combined();
        self.authorize(request.method, &target, authorization.as_deref(), now)
    }

    /// The stored entry behind the last accepted token, `None` when it was not stored
    /// (caching off, token too long) or the last call was a refusal.
    pub fn last_entry(&self) -> Option<EntryId> {
        self.cache.last_entry
    }

    /// The stored session entry behind the last session the cookies allowed (session
    /// mode), `None` when it was not stored or the last decision was not one. Numbered
    /// apart from [`CachedGate::last_entry`]'s: a host keys its per-entry data by the pair.
    pub fn last_session_entry(&self) -> Option<EntryId> {
        self.sessions.last_entry()
    }

    /// Slots currently holding a token.
    pub fn len(&self) -> usize {
        self.cache.slots.iter().filter(|s| s.is_some()).count()
    }

    /// No token stored.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Number of slots (0: caching off).
    pub fn capacity(&self) -> usize {
        self.cache.slots.len()
    }
}

impl TokenCache {
    /// Slot for `token`: its last 8 bytes (the signature's tail, random for real tokens)
    /// and its length, mixed by a multiply so nearby values spread.
    fn slot_of(&self, token: &str) -> Option<usize> {
        let bytes = token.as_bytes();
        let tail: [u8; 8] = bytes.get(bytes.len().checked_sub(8)?..)?.try_into().ok()?;
        let mixed =
            (u64::from_le_bytes(tail) ^ bytes.len() as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        let mask = self.slots.len().checked_sub(1)?;
        Some((mixed >> 32) as usize & mask)
    }

    fn verify(&mut self, gate: &Gate, token: &str, now: u64) -> Result<&VerifiedToken, Error> {
        self.last_entry = None;
        let slot = self.slot_of(token);
        if let Some(index) = slot {
            // A hit needs the whole token, compared in constant time.
            let verdict = match self.slots.get(index) {
                Some(Some(entry)) if constant_time_eq(entry.token.as_bytes(), token.as_bytes()) => {
                    Some((gate.judge(&entry.reading, now), entry.generation))
                }
                _ => None,
            };
            match verdict {
                Some((Ok(()), generation)) => {
                    self.last_entry = Some(EntryId {
                        slot: index as u32,
                        generation,
                    });
                    // The entry just matched; the fallback cannot run (and would refuse).
                    return self
                        .slots
                        .get(index)
                        .and_then(Option::as_ref)
                        .map(|entry| &entry.reading.verified)
                        .ok_or(Error::InvalidSignature);
                }
                Some((Err(refusal), _)) => {
                    // Expired (or not yet valid): drop it; a later call re-verifies.
                    if let Some(cell) = self.slots.get_mut(index) {
                        *cell = None;
                    }
                    return Err(refusal);
                }
                None => {}
            }
        }

        // Not stored: the full check, as `Gate::verify` makes it.
        let reading = gate.read(token)?;
        gate.judge(&reading, now)?;

        let storable = token.len() <= MAX_CACHED_TOKEN_BYTES && self.generation < MAX_GENERATION;
        if let (true, Some(index)) = (storable, slot) {
            if let Some(cell) = self.slots.get_mut(index) {
                self.generation += 1;
                self.last_entry = Some(EntryId {
                    slot: index as u32,
                    generation: self.generation,
                });
                let entry = cell.insert(Entry {
                    token: token.into(),
                    reading,
                    generation: self.generation,
                });
                return Ok(&entry.reading.verified);
            }
        }
        Ok(self.uncached.insert(reading.verified))
    }
}

#[cfg(test)]
mod tests {
    use alloc::format;
    use alloc::string::String;

    use super::*;
    use crate::GateConfig;

    const SECRET: &str = "k3Jx9vQ2mW7pL4tZ8rB6nC1yH5sD0fGa";
    const NOW: u64 = 1_700_000_000;

    fn gate() -> Gate {
        Gate::new(GateConfig::new(SECRET)).unwrap()
    }

    fn token(sub: &str, iat: u64, lifetime: u64) -> String {
        gate().mint(&format!(
            r#"{{"sub":"{sub}","email":"a@example.com","iat":{iat},"exp":{}}}"#,
            iat + lifetime
        ))
    }

    #[test]
    fn repeat_is_served_from_the_slot_and_judged_again() {
        let mut cached = CachedGate::new(gate(), 8);
        let t = token("u1", NOW, 900);
        assert_eq!(cached.verify(&t, NOW).unwrap().user_id(), "u1");
        let first = cached.last_entry().unwrap();
        assert_eq!(cached.len(), 1);
        assert_eq!(cached.verify(&t, NOW + 10).unwrap().user_id(), "u1");
        assert_eq!(cached.last_entry(), Some(first));
        // At exp the cached token is refused, exactly like a fresh one, and dropped.
        assert_eq!(cached.verify(&t, NOW + 900), Err(Error::TokenExpired));
        assert_eq!(cached.last_entry(), None);
        assert!(cached.is_empty());
        // Clock earlier again: re-verified from scratch, a new generation.
        assert!(cached.verify(&t, NOW + 1).is_ok());
        assert_ne!(cached.last_entry().unwrap().generation, first.generation);
    }

    #[test]
    fn refusals_are_never_stored() {
        let mut cached = CachedGate::new(gate(), 8);
        let t = token("u1", NOW, 900);
        // Valid later (iat in the future now): refused, not stored; accepted at its time.
        assert_eq!(cached.verify(&t, NOW - 5), Err(Error::IssuedInFuture));
        assert!(cached.is_empty());
        let forged = format!("{}A", &t[..t.len() - 1]);
        for _ in 0..2 {
            assert!(cached.verify(&forged, NOW).is_err());
        }
        assert!(cached.is_empty());
        assert!(cached.verify(&t, NOW).is_ok());
        assert_eq!(cached.len(), 1);
    }

    #[test]
    fn a_stored_token_does_not_vouch_for_a_near_copy() {
        let mut cached = CachedGate::new(gate(), 1);
        let t = token("u1", NOW, 900);
        cached.verify(&t, NOW).unwrap();
        // Same slot (one slot), same tail, other bytes: must be verified and refused.
        let mut other = String::from(&t[..10]);
        other.push(if t.as_bytes()[10] == b'A' { 'B' } else { 'A' });
        other.push_str(&t[11..]);
        assert!(cached.verify(&other, NOW).is_err());
        // A prefix of the stored token, and the token with a suffix.
        assert!(cached.verify(&t[..t.len() - 1], NOW).is_err());
        assert!(cached.verify(&format!("{t}A"), NOW).is_err());
        assert!(cached.verify(&t, NOW).is_ok());
    }

    #[test]
    fn collisions_replace_and_bounds_hold() {
        let mut cached = CachedGate::new(gate(), 4);
        assert_eq!(cached.capacity(), 4);
        let tokens: alloc::vec::Vec<String> =
            (0..50).map(|i| token(&format!("u{i}"), NOW, 900)).collect();
        for round in 0..3 {
            for (i, t) in tokens.iter().enumerate() {
                let v = cached.verify(t, NOW + round).unwrap();
                assert_eq!(v.user_id(), format!("u{i}"));
            }
        }
        assert!(cached.len() <= 4);
        assert_eq!(CachedGate::new(gate(), 3).capacity(), 4);
        assert_eq!(
            CachedGate::new(gate(), usize::MAX).capacity(),
            MAX_CACHE_ENTRIES
        );
    }

    #[test]
    fn off_and_oversized_tokens_still_verify() {
        let mut off = CachedGate::new(gate(), 0);
        let t = token("u1", NOW, 900);
        assert_eq!(off.verify(&t, NOW).unwrap().user_id(), "u1");
        assert_eq!((off.last_entry(), off.capacity()), (None, 0));
        let mut on = CachedGate::new(gate(), 8);
        let pad = "x".repeat(MAX_CACHED_TOKEN_BYTES);
        let big = gate().mint(&format!(
            r#"{{"sub":"u1","email":"a@example.com","iat":{NOW},"exp":{},"pad":"{pad}"}}"#,
            NOW + 900
        ));
        assert_eq!(on.verify(&big, NOW).unwrap().user_id(), "u1");
        assert!(on.is_empty() && on.last_entry().is_none());
    }

    #[test]
    fn authorize_applies_the_request_rules_on_hits() {
        let mut cached = CachedGate::new(gate(), 8);
        let header = format!("Bearer {}", token("u1", NOW, 900));
        let h = Some(header.as_str());
        assert!(cached.authorize("GET", "/api/v1/u1/tasks", h, NOW).is_ok());
        assert_eq!(
            cached.authorize("GET", "/api/v1/u2/tasks", h, NOW),
            Err(Error::UserMismatch)
        );
        assert_eq!(
            cached.authorize("GET", "/api/v1/u1/../u2/tasks", h, NOW),
            Err(Error::InvalidPath)
        );
        assert_eq!(
            cached.authorize("G T", "/api/v1/u1/tasks", h, NOW),
            Err(Error::InvalidMethod)
        );
        assert_eq!(
            cached.authorize("GET", "/api/v1/u1/tasks", Some("bearer x"), NOW),
            Err(Error::MissingAuthorization)
        );
        assert_eq!(cached.len(), 1);
    }

    #[test]
    fn another_secret_never_hits() {
        // Entries live inside one CachedGate; a gate with another secret has its own.
        let t = token("u1", NOW, 900);
        let other = Gate::new(GateConfig::new("Zq8Lw2Rt6Yp0Nv4Xs9Kd3Hf7Jb1Mc5Ge")).unwrap();
        let mut cached = CachedGate::new(other, 8);
        assert_eq!(cached.verify(&t, NOW), Err(Error::InvalidSignature));
        assert!(cached.is_empty());
    }
}
