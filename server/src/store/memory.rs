//! One process's store: a map bounded to a number of entries, expired entries pruned as time
//! passes, and the least recently used entry dropped to make room for a new one.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::{clamp, Clock, Store, StoreFuture, SystemClock};

/// One process's store (the default without `REDIS_URL`).
///
/// - Bounded to [`MemoryStore::capacity`] entries (one per session). At the bound, storing a
///   new entry drops the least recently used one: that session ends (its user logs in again).
///   Nothing is ever refused for want of room, and a delete (a logout) needs no room.
/// - Expired entries are pruned at every operation, oldest expiry first, so memory follows the
///   live sessions as time passes.
/// - Every entry costs about [`MemoryStore::BYTES_PER_ENTRY`] bytes (a session record with
///   Feishu's token sizes, its key, and the indexes), so 1 GiB holds about
///   `1 GiB / BYTES_PER_ENTRY` sessions.
pub struct MemoryStore {
    inner: Mutex<Lru>,
    capacity: usize,
    clock: Arc<dyn Clock>,
}

struct Entry {
    value: Vec<u8>,
    /// When it expires (the clock's time).
    expires: Duration,
    /// Stable for the entry's life: orders entries of equal expiry.
    id: u64,
    /// Its last use: the smallest is the least recently used.
    used: u64,
}

#[derive(Default)]
struct Lru {
    entries: HashMap<Arc<str>, Entry>,
    by_expiry: BTreeMap<(Duration, u64), Arc<str>>,
    by_use: BTreeMap<u64, Arc<str>>,
    ticks: u64,
    evicted: u64,
    /// When the last eviction was logged (the clock's time), to log at most every 10 s.
    logged: Option<Duration>,
}

impl Lru {
    fn tick(&mut self) -> u64 {
        self.ticks += 1;
        self.ticks
    }

    fn remove(&mut self, key: &str) -> Option<Entry> {
        let entry = self.entries.remove(key)?;
        self.by_expiry.remove(&(entry.expires, entry.id));
        self.by_use.remove(&entry.used);
        Some(entry)
    }

    fn prune(&mut self, now: Duration) {
        while let Some((&(expires, _), key)) = self.by_expiry.first_key_value() {
            if expires > now {
                break;
            }
            let key = key.clone();
            self.remove(&key);
        }
    }

    fn touch(&mut self, key: &str) {
        let tick = self.tick();
        if let Some(entry) = self.entries.get_mut(key) {
            let old = std::mem::replace(&mut entry.used, tick);
            let key = self.by_use.remove(&old).expect("every entry is in by_use");
            self.by_use.insert(tick, key);
        }
    }

    fn set(&mut self, key: &str, value: Vec<u8>, expires: Duration, capacity: usize, now: Duration) {
        let (id, used) = (self.tick(), self.tick());
        if self.remove(key).is_none() {
            while self.entries.len() >= capacity {
                let Some((_, oldest)) = self.by_use.pop_first() else { break };
                let entry = self.entries.remove(&oldest).expect("every key of by_use is an entry");
                self.by_expiry.remove(&(entry.expires, entry.id));
                self.evicted += 1;
                if self.logged.is_none_or(|at| now.saturating_sub(at) >= Duration::from_secs(10)) {
                    self.logged = Some(now);
                    eprintln!(
                        "[store] full ({capacity} sessions): the least recently used session was dropped; \
                         {} dropped so far (those users log in again)",
                        self.evicted
                    );
                }
            }
        }
        let key: Arc<str> = Arc::from(key);
        self.by_expiry.insert((expires, id), key.clone());
        self.by_use.insert(used, key.clone());
        self.entries.insert(key, Entry { value, expires, id, used });
    }
}

impl MemoryStore {
    /// The default bound: 100,000 sessions (at most 256 MB at [`Self::BYTES_PER_ENTRY`]).
    pub const DEFAULT_CAPACITY: usize = 100_000;

    /// What one session costs in memory at most: its sealed record with Feishu-sized tokens
    /// (about 1 KB each, 2.2 KB sealed), its key, the map and both indexes, allocator overhead
    /// included (2,510 B measured by `measure::bytes_per_entry`, rounded up). 1 GiB holds about
    /// 420,000 sessions; with short tokens (the emulator's) an entry is about 620 B.
    pub const BYTES_PER_ENTRY: usize = 2_560;

    /// A store of at most `capacity` entries (at least 1) on the process's clock.
    pub fn new(capacity: usize) -> MemoryStore {
        MemoryStore::with_clock(capacity, Arc::new(SystemClock::default()))
    }

    /// The same on `clock` (tests move a [`super::ManualClock`] instead of sleeping).
    pub fn with_clock(capacity: usize, clock: Arc<dyn Clock>) -> MemoryStore {
        MemoryStore { inner: Mutex::default(), capacity: capacity.max(1), clock }
    }

    /// The most entries it holds.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// How many entries are held (expired ones are pruned by every operation, this one too).
    pub fn len(&self) -> usize {
        let mut lru = self.inner.lock().unwrap();
        lru.prune(self.clock.now());
        lru.entries.len()
    }

    /// Whether it holds no live entry.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// How many entries were dropped to make room since the start.
    pub fn evicted(&self) -> u64 {
        self.inner.lock().unwrap().evicted
    }
}

impl Default for MemoryStore {
    fn default() -> Self {
        MemoryStore::new(MemoryStore::DEFAULT_CAPACITY)
    }
}

impl Store for MemoryStore {
    fn get<'a>(&'a self, key: &'a str) -> StoreFuture<'a, Option<Vec<u8>>> {
        let now = self.clock.now();
        let mut lru = self.inner.lock().unwrap();
        lru.prune(now);
        lru.touch(key);
        let value = lru.entries.get(key).map(|entry| entry.value.clone());
        Box::pin(async move { Ok(value) })
    }

    fn put<'a>(&'a self, key: &'a str, value: Vec<u8>, ttl: Duration) -> StoreFuture<'a, ()> {
        let now = self.clock.now();
        let mut lru = self.inner.lock().unwrap();
        lru.prune(now);
        lru.set(key, value, now + clamp(ttl), self.capacity, now);
        Box::pin(async { Ok(()) })
    }

    fn replace<'a>(&'a self, key: &'a str, expected: &'a [u8], value: Vec<u8>, ttl: Duration) -> StoreFuture<'a, bool> {
        let now = self.clock.now();
        let mut lru = self.inner.lock().unwrap();
        lru.prune(now);
        let same = lru.entries.get(key).is_some_and(|entry| entry.value == expected);
        if same {
            lru.set(key, value, now + clamp(ttl), self.capacity, now);
        }
        Box::pin(async move { Ok(same) })
    }

    fn delete<'a>(&'a self, key: &'a str) -> StoreFuture<'a, ()> {
        let mut lru = self.inner.lock().unwrap();
        lru.remove(key);
        Box::pin(async { Ok(()) })
    }

    fn kind(&self) -> &'static str {
        "memory"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::ManualClock;

    fn store(capacity: usize) -> (MemoryStore, Arc<ManualClock>) {
        let clock = ManualClock::new();
        (MemoryStore::with_clock(capacity, clock.clone()), clock)
    }

    #[tokio::test]
    async fn entries_expire_on_the_clock_and_replace_compares_the_value() {
        let (store, clock) = store(10);
        store.put("a", b"1".to_vec(), Duration::from_millis(30)).await.unwrap();
        assert_eq!(store.get("a").await.unwrap(), Some(b"1".to_vec()));
        assert!(!store.replace("a", b"other", b"2".to_vec(), Duration::from_secs(1)).await.unwrap(), "not 1");
        assert!(store.replace("a", b"1", b"2".to_vec(), Duration::from_millis(30)).await.unwrap());
        clock.advance(Duration::from_millis(29));
        assert_eq!(store.get("a").await.unwrap(), Some(b"2".to_vec()), "29 ms of 30");
        clock.advance(Duration::from_millis(1));
        assert_eq!(store.get("a").await.unwrap(), None, "expired at 30 ms");
        assert!(!store.replace("a", b"2", b"3".to_vec(), Duration::from_secs(1)).await.unwrap(), "gone");
        store.put("b", b"1".to_vec(), Duration::from_secs(1)).await.unwrap();
        store.delete("b").await.unwrap();
        assert_eq!(store.get("b").await.unwrap(), None);
        // No lifetime overflows the clock (SESSION_TTL_SECS is checked, a Feishu answer is not).
        store.put("forever", b"1".to_vec(), Duration::MAX).await.unwrap();
        assert_eq!(store.get("forever").await.unwrap(), Some(b"1".to_vec()));
    }

    #[tokio::test]
    async fn expired_entries_are_pruned_as_time_passes() {
        let (store, clock) = store(1000);
        for i in 0..100 {
            store.put(&format!("brief{i}"), vec![0; 100], Duration::from_secs(60)).await.unwrap();
        }
        store.put("lasting", vec![], Duration::from_secs(3600)).await.unwrap();
        assert_eq!(store.len(), 101);
        clock.advance(Duration::from_secs(61));
        assert_eq!(store.len(), 1, "the expired ones are gone from memory, not only hidden");
        let lru = store.inner.lock().unwrap();
        assert_eq!((lru.by_expiry.len(), lru.by_use.len()), (1, 1), "and from both indexes");
    }

    #[tokio::test]
    async fn a_full_store_drops_the_least_recently_used_entry_and_never_refuses() {
        let (store, _clock) = store(3);
        for key in ["a", "b", "c"] {
            store.put(key, key.as_bytes().to_vec(), Duration::from_secs(60)).await.unwrap();
        }
        store.get("a").await.unwrap(); // a used: b is now the least recently used
        store.put("d", b"d".to_vec(), Duration::from_secs(60)).await.unwrap();
        assert_eq!(store.get("b").await.unwrap(), None, "b paid for d");
        for key in ["a", "c", "d"] {
            assert!(store.get(key).await.unwrap().is_some(), "{key} stays");
        }
        store.put("c", b"c2".to_vec(), Duration::from_secs(60)).await.unwrap();
        assert_eq!((store.len(), store.evicted()), (3, 1), "replacing a key needs no room");
        for i in 0..1000 {
            store.put(&format!("k{i}"), vec![], Duration::from_secs(60)).await.unwrap();
        }
        assert_eq!((store.len(), store.evicted()), (3, 1001));
        store.delete("k999").await.unwrap();
        assert_eq!(store.len(), 2, "a delete always works, full or not");
    }
}

#[cfg(test)]
mod measure {
    use super::*;

    fn rss_kib() -> usize {
        let status = std::fs::read_to_string("/proc/self/status").unwrap();
        let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
        line.split_whitespace().nth(1).unwrap().parse().unwrap()
    }

    #[tokio::test]
    #[ignore = "a measurement: cargo test -p feishu-login-server --lib bytes_per_entry -- --ignored --nocapture"]
    async fn bytes_per_entry() {
        // Feishu's tokens run to about 1 KB each: a sealed record of access and refresh token is
        // about 2.2 KB.
        for value_len in [2_200] {
            let store = MemoryStore::new(200_000);
            let before = rss_kib();
            for i in 0..200_000u32 {
                let key = format!("session:{:022}", i);
                store.put(&key, vec![(i % 251) as u8; value_len], Duration::from_secs(3600)).await.unwrap();
            }
            let after = rss_kib();
            println!("value {value_len} B: {} B per entry", (after - before) * 1024 / 200_000);
            drop(store);
        }
    }
}
