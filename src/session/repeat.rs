//! What [`crate::CachedGate`] keeps of a verified session cookie cache, so that a repeat
//! of the same two cookies skips every check that depends on neither the time nor the
//! request.

use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;

use super::payload;
use crate::cache::{EntryId, MAX_GENERATION};
use crate::keys::hs256::constant_time_eq;
use crate::{Error, Verdict, VerifiedToken};

/// A verified session, owned (what [`crate::CachedGate`] keeps for repeats): the checks
/// that do not depend on the time have passed.
#[derive(Clone, Debug)]
pub(crate) struct SessionReading {
    pub(super) token: String,
    pub(super) expires_ms: i64,
    pub(super) user_id: String,
    pub(super) email: String,
    pub(super) name: String,
    pub(super) session_json: String,
    pub(super) user_json: String,
    /// The cache's own expiry (`i64::MAX` for a get-session answer).
    pub(super) cache_expires_ms: i64,
}

impl SessionReading {
    pub(super) fn new(session: payload::SessionData<'_>, cache_expires_ms: i64) -> Self {
        SessionReading {
            token: session.token,
            expires_ms: session.expires_ms,
            user_id: session.user_id,
            email: session.email,
            name: session.name,
            session_json: String::from(session.session_json),
            user_json: String::from(session.user_json),
            cache_expires_ms,
        }
    }
}

/// Verified session caches, for repeats ([`crate::CachedGate`]): bounded slots keyed by
/// the cache cookie's tail; a hit needs both cookies equal, compared in constant time.
/// Only readings that passed every time-independent check are stored. Each entry keeps
/// the verified session it last answered with, for the `now` it was built at (`iat`).
pub(crate) struct SessionCache {
    slots: Vec<Option<SessionEntry>>,
    /// Whole `Cookie` headers that led to a stored entry: a repeat of the same header
    /// finds its entry without reading the header's cookies (most of a repeat's cost was
    /// that reading, measured). Equal headers read as the same two cookies, so a hit
    /// stands for the same reading; the header is compared in constant time.
    headers: Vec<Option<HeaderEntry>>,
    /// Last insertion number given out.
    generation: u64,
    /// Where the last allowed session lives when it was not stored.
    uncached: Option<VerifiedToken>,
    last_entry: Option<EntryId>,
}

struct HeaderEntry {
    header: Box<str>,
    /// The entry it read as, valid while that slot holds this generation.
    index: usize,
    generation: u64,
}

struct SessionEntry {
    signed: Box<str>,
    data: Box<str>,
    reading: SessionReading,
    generation: u64,
    verified: Option<(u64, VerifiedToken)>,
}

/// Longest cache value stored (a default user's compact cache is about 800 bytes).
const MAX_CACHED_SESSION_BYTES: usize = 8 * 1024;
/// Longest `Cookie` header remembered whole (a stored cache value and other cookies).
const MAX_CACHED_HEADER_BYTES: usize = 12 * 1024;

impl SessionCache {
    /// `slots` slots (a power of two, or 0: off).
    pub(crate) fn new(slots: usize) -> Self {
        SessionCache {
            slots: core::iter::repeat_with(|| None).take(slots).collect(),
            headers: core::iter::repeat_with(|| None).take(slots).collect(),
            generation: 0,
            uncached: None,
            last_entry: None,
        }
    }

    /// Forgets every entry (a key set changed).
    pub(crate) fn clear(&mut self) {
        self.slots.iter_mut().for_each(|slot| *slot = None);
        self.headers.iter_mut().for_each(|slot| *slot = None);
        self.uncached = None;
        self.last_entry = None;
    }

    /// The stored entry behind the last allowed session (see [`crate::CachedGate::last_session_entry`]).
    pub(crate) fn last_entry(&self) -> Option<EntryId> {
        self.last_entry
    }

    pub(super) fn forget_last(&mut self) {
        self.last_entry = None;
    }

    pub(super) fn slot(&self, data: &str) -> Option<usize> {
        let bytes = data.as_bytes();
        if bytes.len() > MAX_CACHED_SESSION_BYTES {
            return None;
        }
        let tail: [u8; 8] = bytes.get(bytes.len().checked_sub(8)?..)?.try_into().ok()?;
        let mixed =
            (u64::from_le_bytes(tail) ^ bytes.len() as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        Some((mixed >> 32) as usize & self.slots.len().checked_sub(1)?)
    }

    /// The slot of a whole `Cookie` header: its length and three of its words (its
    /// middle and end lie in the cache value, different for every session).
    pub(super) fn header_slot(&self, header: &str) -> Option<usize> {
        let bytes = header.as_bytes();
        if bytes.len() > MAX_CACHED_HEADER_BYTES {
            return None;
        }
        let word = |at: usize| -> Option<u64> {
            Some(u64::from_le_bytes(
                bytes.get(at..at.checked_add(8)?)?.try_into().ok()?,
            ))
        };
        let len = bytes.len();
        let end = word(len.checked_sub(8)?)?;
        let middle = word(len / 2).unwrap_or(0);
        let third = word(len / 3).unwrap_or(0);
        let mixed = (end ^ middle.rotate_left(21) ^ third.rotate_left(42) ^ len as u64)
            .wrapping_mul(0x9e37_79b9_7f4a_7c15);
        Some((mixed >> 32) as usize & self.headers.len().checked_sub(1)?)
    }

    /// The stored entry a whole header read as, when this exact header was seen with it.
    pub(super) fn header_hit(&self, slot: usize, header: &str) -> Option<usize> {
        let seen = self.headers.get(slot)?.as_ref()?;
        if !constant_time_eq(seen.header.as_bytes(), header.as_bytes()) {
            return None;
        }
        let entry = self.slots.get(seen.index)?.as_ref()?;
        (entry.generation == seen.generation).then_some(seen.index)
    }

    /// Remembers that `header` read as the stored entry at `index`.
    pub(super) fn remember_header(&mut self, slot: usize, header: &str, index: usize) {
        let Some(Some(entry)) = self.slots.get(index) else {
            return;
        };
        let generation = entry.generation;
        // Replaced whatever the slot held (no comparison: it may be another session's).
        if let Some(cell) = self.headers.get_mut(slot) {
            *cell = Some(HeaderEntry {
                header: header.into(),
                index,
                generation,
            });
        }
    }

    /// The reading stored at `index`.
    pub(super) fn reading(&self, index: usize) -> Option<&SessionReading> {
        Some(&self.slots.get(index)?.as_ref()?.reading)
    }

    pub(super) fn hit(
        &self,
        index: usize,
        signed: &str,
        data: Option<&str>,
    ) -> Option<&SessionReading> {
        let entry = self.slots.get(index)?.as_ref()?;
        let same = constant_time_eq(entry.signed.as_bytes(), signed.as_bytes())
            & constant_time_eq(entry.data.as_bytes(), data?.as_bytes());
        same.then_some(&entry.reading)
    }

    /// Stores a reading (replacing the slot's entry) under a new generation; nothing is
    /// stored once generations would leave a JS number's exact range.
    pub(super) fn store(
        &mut self,
        index: usize,
        signed: &str,
        data: &str,
        reading: SessionReading,
    ) {
        if self.generation >= MAX_GENERATION {
            return;
        }
        if let Some(cell) = self.slots.get_mut(index) {
            self.generation += 1;
            *cell = Some(SessionEntry {
                signed: signed.into(),
                data: data.into(),
                reading,
                generation: self.generation,
                verified: None,
            });
        }
    }

    /// The verdict of the stored entry at `index` that the rules allowed at `now`: its
    /// verified session, built by `build` unless it was built at this `now` already.
    pub(super) fn verified(
        &mut self,
        index: usize,
        now: u64,
        build: fn(&SessionReading, u64) -> VerifiedToken,
    ) -> Verdict<&VerifiedToken> {
        let Some(Some(entry)) = self.slots.get_mut(index) else {
            // Not reached: the caller just found or stored this entry; fail closed.
            return Verdict::Refuse(Error::SessionInvalid);
        };
        self.last_entry = Some(EntryId {
            slot: index as u32,
            generation: entry.generation,
        });
        let SessionEntry {
            reading, verified, ..
        } = entry;
        if !matches!(verified, Some((at, _)) if *at == now) {
            *verified = Some((now, build(reading, now)));
        }
        match verified {
            Some((_, verified)) => Verdict::Session(verified),
            None => Verdict::Refuse(Error::SessionInvalid),
        }
    }

    /// Keeps an allowed session that was not stored, for the verdict to borrow.
    pub(super) fn keep(&mut self, verified: VerifiedToken) -> &VerifiedToken {
        self.uncached.insert(verified)
    }
}
