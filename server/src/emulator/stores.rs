//! The emulator's stores: entries that expire, bounded in number per group (an app), the oldest
//! of a full group dropped to make room, so that nobody can lock an app out by minting.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use crate::clock::Clock;

/// How many entries one group of a store keeps at most: codes and QR scans per app; user, app
/// and refresh tokens in one group each. Past it the oldest entry of the group is dropped: an
/// unredeemed code (or scan) loses, a new login never does; an old token stops working, as if
/// Feishu had revoked it.
pub const MAX_ENTRIES: usize = 10_000;

/// The group of a store whose entries are not per app.
pub(super) const ONE_GROUP: &str = "";

struct Slot<V> {
    value: V,
    /// When it expires (the store's clock).
    until: Duration,
    /// Insertion order: the smallest of a group is its oldest entry.
    seq: u64,
    group: Arc<str>,
}

/// A group's entry count, and its keys in insertion order (`(seq, key)`).
type Group = (usize, VecDeque<(u64, String)>);

/// Entries that expire: purged when they do (swept every 1,024 inserts and when a group is full),
/// and at most [`MAX_ENTRIES`] per group.
pub(super) struct Bounded<V> {
    entries: HashMap<String, Slot<V>>,
    /// Per group: how many entries it holds, and its keys in insertion order (with stale keys of
    /// removed entries, skipped when met and compacted when they pile up).
    groups: HashMap<Arc<str>, Group>,
    seq: u64,
    clock: Arc<dyn Clock>,
}

impl<V> Bounded<V> {
    /// An empty store on `clock`.
    pub(super) fn new(clock: Arc<dyn Clock>) -> Self {
        Bounded { entries: HashMap::new(), groups: HashMap::new(), seq: 0, clock }
    }

    /// Stores `value` until `ttl` from now in `group`; a full group first drops its oldest entry.
    pub(super) fn insert(&mut self, key: String, value: V, ttl: Duration, group: &str) {
        let now = self.clock.now();
        self.seq += 1;
        self.remove(&key);
        let full = self.groups.get(group).is_some_and(|(count, _)| *count >= MAX_ENTRIES);
        if full || self.seq.is_multiple_of(1024) {
            self.retain_live(now);
        }
        let group: Arc<str> = match self.groups.get_key_value(group) {
            Some((name, _)) => name.clone(),
            None => Arc::from(group),
        };
        let (count, order) = self.groups.entry(group.clone()).or_default();
        while *count >= MAX_ENTRIES {
            let Some((seq, oldest)) = order.pop_front() else { break };
            if self.entries.get(&oldest).is_some_and(|slot| slot.seq == seq) {
                self.entries.remove(&oldest);
                *count -= 1;
            }
        }
        // Stale keys (entries removed by redemption or expiry) are dropped once they outnumber the
        // live ones, so the order list stays within twice the group's bound.
        if order.len() > 2 * *count + 1024 {
            let entries = &self.entries;
            order.retain(|(seq, key)| entries.get(key).is_some_and(|slot| slot.seq == *seq));
        }
        order.push_back((self.seq, key.clone()));
        *count += 1;
        self.entries.insert(key, Slot { value, until: now + ttl, seq: self.seq, group });
    }

    fn retain_live(&mut self, now: Duration) {
        self.retain_where(|slot| slot.until > now);
    }

    fn retain_where(&mut self, mut keep: impl FnMut(&Slot<V>) -> bool) {
        let groups = &mut self.groups;
        self.entries.retain(|_, slot| {
            let kept = keep(slot);
            if !kept {
                if let Some((count, _)) = groups.get_mut(&slot.group) {
                    *count -= 1;
                }
            }
            kept
        });
    }

    /// The live entry under `key`.
    pub(super) fn get_mut(&mut self, key: &str) -> Option<&mut V> {
        let now = self.clock.now();
        self.entries.get_mut(key).filter(|slot| slot.until > now).map(|slot| &mut slot.value)
    }

    /// Makes the entry under `key` expire within `ttl` (never later than it would have).
    pub(super) fn cut(&mut self, key: &str, ttl: Duration) {
        if let Some(slot) = self.entries.get_mut(key) {
            slot.until = slot.until.min(self.clock.now() + ttl);
        }
    }

    /// Takes the entry under `key` out of the store, live or not (with its expiry, on the store's
    /// clock).
    pub(super) fn remove(&mut self, key: &str) -> Option<(V, Duration)> {
        let slot = self.entries.remove(key)?;
        if let Some((count, _)) = self.groups.get_mut(&slot.group) {
            *count -= 1;
        }
        Some((slot.value, slot.until))
    }

    /// Keeps only the entries whose value passes `keep`.
    pub(super) fn retain(&mut self, mut keep: impl FnMut(&V) -> bool) {
        self.retain_where(|slot| keep(&slot.value));
    }

    /// Every stored value, live or not.
    pub(super) fn values_mut(&mut self) -> impl Iterator<Item = &mut V> {
        self.entries.values_mut().map(|slot| &mut slot.value)
    }

    /// How many entries are stored (expired ones until the next sweep).
    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.entries.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_group_drops_its_oldest_entry_and_spares_the_other_groups() {
        let mut store = Bounded::new(Arc::new(crate::clock::UnixClock));
        store.insert("other-app".into(), 0, Duration::from_secs(60), "cli_b");
        for i in 0..MAX_ENTRIES {
            store.insert(format!("k{i}"), i, Duration::from_secs(60), "cli_a");
        }
        store.insert("newest".into(), 1, Duration::from_secs(60), "cli_a");
        assert!(store.get_mut("k0").is_none(), "the oldest of the full group went");
        assert!(store.get_mut("k1").is_some() && store.get_mut("newest").is_some());
        assert!(store.get_mut("other-app").is_some(), "another app's entries are untouched");
        assert_eq!(store.len(), MAX_ENTRIES + 1);
        // Removed entries leave room: no eviction until the group is full again.
        for i in 1..=10 {
            store.remove(&format!("k{i}"));
        }
        for i in 0..10 {
            store.insert(format!("again{i}"), i, Duration::from_secs(60), "cli_a");
        }
        assert!(store.get_mut("k11").is_some(), "nothing was dropped while there was room");
        store.insert("one more".into(), 0, Duration::from_secs(60), "cli_a");
        assert!(store.get_mut("k11").is_none(), "then the oldest again");
        // Many rounds of insert-and-remove keep the order lists bounded.
        for i in 0..100_000 {
            let key = format!("r{i}");
            store.insert(key.clone(), i, Duration::from_secs(60), "cli_a");
            store.remove(&key);
        }
        let longest = store.groups.values().map(|(_, order)| order.len()).max().unwrap();
        assert!(longest <= 2 * MAX_ENTRIES + 1025, "{longest}");
    }
}
