//! The emulator's stores: entries that expire, bounded in number.

use std::collections::HashMap;
use std::time::{Duration, Instant};

/// How many codes, user tokens and app tokens the emulator keeps at most (each): a client that
/// mints without end gets Feishu's rate-limit answer instead of growing the process.
pub const MAX_ENTRIES: usize = 10_000;

/// Entries that expire: purged when they do (at the next insert), and bounded in number.
pub(super) struct Bounded<V> {
    pub(super) entries: HashMap<String, (V, Instant)>,
    inserts: usize,
}

impl<V> Default for Bounded<V> {
    fn default() -> Self {
        Bounded { entries: HashMap::new(), inserts: 0 }
    }
}

/// What a full [`Bounded`] store does with one more entry.
#[derive(Clone, Copy, PartialEq, Debug)]
pub(super) enum WhenFull {
    /// Refuse it (Feishu's rate-limit answer): outstanding codes, which anyone can mint.
    Refuse,
    /// Make room by dropping the entry that expires first: tokens, which are only issued for a
    /// code (or a secret) that was just checked, so every login keeps working under sustained
    /// load and the oldest token is invalidated early, as if Feishu had revoked it.
    EvictOldest,
}

impl<V> Bounded<V> {
    /// Stores `value` until `ttl` from now; `false` when the store is full of live entries and
    /// `when_full` refuses. Expired entries go when the store is full and every 1,024 inserts (a
    /// sweep is O(n)).
    pub(super) fn insert(&mut self, key: String, value: V, ttl: Duration, when_full: WhenFull) -> bool {
        let now = Instant::now();
        self.inserts += 1;
        if self.entries.len() >= MAX_ENTRIES || self.inserts.is_multiple_of(1024) {
            self.entries.retain(|_, (_, until)| *until > now);
        }
        if self.entries.len() >= MAX_ENTRIES {
            if when_full == WhenFull::Refuse {
                return false;
            }
            let oldest = self.entries.iter().min_by_key(|(_, (_, until))| *until).map(|(k, _)| k.clone());
            if let Some(oldest) = oldest {
                self.entries.remove(&oldest);
            }
        }
        self.entries.insert(key, (value, now + ttl));
        true
    }

    /// The live entry under `key`.
    pub(super) fn get_mut(&mut self, key: &str) -> Option<&mut V> {
        let now = Instant::now();
        self.entries.get_mut(key).filter(|(_, until)| *until > now).map(|(value, _)| value)
    }

    /// Makes the entry under `key` expire within `ttl` (never later than it would have).
    pub(super) fn cut(&mut self, key: &str, ttl: Duration) {
        if let Some((_, until)) = self.entries.get_mut(key) {
            *until = (*until).min(Instant::now() + ttl);
        }
    }

    /// Takes the entry under `key` out of the store, live or not (with its expiry).
    pub(super) fn remove(&mut self, key: &str) -> Option<(V, Instant)> {
        self.entries.remove(key)
    }
}
