//! What [`crate::CachedGate`] keeps of a verified session cookie cache, so that a repeat
//! of the same two cookies skips every check that depends on neither the time nor the
//! request.

use alloc::string::String;

use super::payload;

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
    pub(super) fn new(session: &payload::SessionData<'_>, cache_expires_ms: i64) -> Self {
        SessionReading {
            token: session.token.clone(),
            expires_ms: session.expires_ms,
            user_id: session.user_id.clone(),
            email: session.email.clone(),
            name: session.name.clone(),
            session_json: String::from(session.session_json),
            user_json: String::from(session.user_json),
            cache_expires_ms,
        }
    }
}

/// Verified session caches, for repeats ([`crate::CachedGate`]): bounded slots keyed by
/// the cache cookie's tail; a hit needs both cookies equal, compared in constant time.
/// Only readings that passed every time-independent check are stored.
pub(crate) struct SessionCache {
    slots: alloc::vec::Vec<Option<SessionEntry>>,
}

struct SessionEntry {
    signed: alloc::boxed::Box<str>,
    data: alloc::boxed::Box<str>,
    reading: SessionReading,
}

/// Longest cache value stored (a default user's compact cache is about 800 bytes).
const MAX_CACHED_SESSION_BYTES: usize = 8 * 1024;

impl SessionCache {
    /// `slots` slots (a power of two, or 0: off).
    pub(crate) fn new(slots: usize) -> Self {
        SessionCache {
            slots: core::iter::repeat_with(|| None).take(slots).collect(),
        }
    }

    /// Forgets every entry (a key set changed).
    pub(crate) fn clear(&mut self) {
        self.slots.iter_mut().for_each(|slot| *slot = None);
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

    pub(super) fn hit(
        &self,
        index: usize,
        signed: &str,
        data: Option<&str>,
    ) -> Option<&SessionReading> {
        let entry = self.slots.get(index)?.as_ref()?;
        let same = crate::keys::hs256::constant_time_eq(entry.signed.as_bytes(), signed.as_bytes())
            & crate::keys::hs256::constant_time_eq(entry.data.as_bytes(), data?.as_bytes());
        same.then_some(&entry.reading)
    }

    pub(super) fn store(
        &mut self,
        index: usize,
        signed: &str,
        data: &str,
        reading: SessionReading,
    ) {
        if let Some(cell) = self.slots.get_mut(index) {
            *cell = Some(SessionEntry {
                signed: signed.into(),
                data: data.into(),
                reading,
            });
        }
    }
}
