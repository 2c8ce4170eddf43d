//! Where the reference backend keeps the little state a session needs beyond its signed token:
//! revocation records (so a logout holds on every replica), each session's Feishu grant (the
//! user token and the refresh token, encrypted, never sent to the browser), and short renewal
//! locks (so two replicas do not spend one single-use refresh token twice).
//!
//! [`Store`] is a small key/value trait with expiry: [`MemoryStore`] (the default, one process,
//! bounded and swept) and [`RedisStore`] (selected by `REDIS_URL`, shared by every replica).

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Why a store operation failed. The backend answers 503 and changes nothing it cannot record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreError {
    /// The in-memory store holds [`MemoryStore::max_entries`] live entries.
    Full,
    /// The shared store (Redis) could not be reached or refused the command.
    Unavailable(String),
}

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StoreError::Full => f.write_str("the session store is full"),
            StoreError::Unavailable(why) => write!(f, "the session store is unavailable: {why}"),
        }
    }
}

/// The longest TTL a store keeps (100 years): longer ones are clamped, so that no lifetime a
/// caller computes (`Duration::MAX` included) can overflow a clock or be refused by Redis.
pub const MAX_TTL: Duration = Duration::from_secs(100 * 365 * 24 * 3600);

fn clamp(ttl: Duration) -> Duration {
    ttl.clamp(Duration::from_millis(1), MAX_TTL)
}

/// What a store operation returns, boxed so that the trait can be used as `dyn Store`.
pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, StoreError>> + Send + 'a>>;

/// A key/value store whose entries expire. Keys are ASCII (`revoked:<sid>`, `grant:<sid>`,
/// `lock:<sid>`); values are opaque bytes. A `ttl` is clamped to 1 ms … [`MAX_TTL`].
pub trait Store: Send + Sync {
    /// The live value under `key`.
    fn get<'a>(&'a self, key: &'a str) -> StoreFuture<'a, Option<Vec<u8>>>;
    /// Stores `value` under `key` for `ttl`, replacing any value.
    fn set<'a>(&'a self, key: &'a str, value: Vec<u8>, ttl: Duration) -> StoreFuture<'a, ()>;
    /// Stores `value` for `ttl` only if `key` holds no live value; `true` when it was stored.
    fn set_if_absent<'a>(&'a self, key: &'a str, value: Vec<u8>, ttl: Duration) -> StoreFuture<'a, bool>;
    /// Removes `key` (no error when it is absent).
    fn delete<'a>(&'a self, key: &'a str) -> StoreFuture<'a, ()>;
    /// A short name for logs and the startup line (`memory`, `redis`).
    fn kind(&self) -> &'static str;
}

/// One process's store: a map bounded to `max_entries` live entries. Expired entries are swept
/// every 1,024 writes and whenever the map is full; a write to a map full of live entries fails
/// with [`StoreError::Full`] instead of growing the process (issue #13: no unbounded maps).
pub struct MemoryStore {
    entries: Mutex<MemoryEntries>,
    max_entries: usize,
}

#[derive(Default)]
struct MemoryEntries {
    map: HashMap<String, (Vec<u8>, Instant)>,
    writes: usize,
}

impl MemoryStore {
    /// The default bound: 100,000 entries (a few revocations and grants per signed-in user).
    pub const DEFAULT_MAX_ENTRIES: usize = 100_000;

    pub fn new(max_entries: usize) -> MemoryStore {
        MemoryStore { entries: Mutex::default(), max_entries }
    }

    /// How many entries are held, expired ones included until the next sweep.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.entries.lock().unwrap().map.len()
    }

    fn write(&self, key: &str, value: Vec<u8>, ttl: Duration, only_if_absent: bool) -> Result<bool, StoreError> {
        let now = Instant::now();
        let mut entries = self.entries.lock().unwrap();
        entries.writes += 1;
        let live = |until: &Instant| *until > now;
        if only_if_absent && entries.map.get(key).is_some_and(|(_, until)| live(until)) {
            return Ok(false);
        }
        if entries.map.len() >= self.max_entries || entries.writes.is_multiple_of(1024) {
            entries.map.retain(|_, (_, until)| live(until));
        }
        if entries.map.len() >= self.max_entries && !entries.map.contains_key(key) {
            return Err(StoreError::Full);
        }
        entries.map.insert(key.to_owned(), (value, now + clamp(ttl)));
        Ok(true)
    }
}

impl Default for MemoryStore {
    fn default() -> Self {
        MemoryStore::new(MemoryStore::DEFAULT_MAX_ENTRIES)
    }
}

impl Store for MemoryStore {
    fn get<'a>(&'a self, key: &'a str) -> StoreFuture<'a, Option<Vec<u8>>> {
        let now = Instant::now();
        let value = self.entries.lock().unwrap().map.get(key).filter(|(_, until)| *until > now).map(|(v, _)| v.clone());
        Box::pin(async move { Ok(value) })
    }

    fn set<'a>(&'a self, key: &'a str, value: Vec<u8>, ttl: Duration) -> StoreFuture<'a, ()> {
        let result = self.write(key, value, ttl, false).map(|_| ());
        Box::pin(async move { result })
    }

    fn set_if_absent<'a>(&'a self, key: &'a str, value: Vec<u8>, ttl: Duration) -> StoreFuture<'a, bool> {
        let result = self.write(key, value, ttl, true);
        Box::pin(async move { result })
    }

    fn delete<'a>(&'a self, key: &'a str) -> StoreFuture<'a, ()> {
        self.entries.lock().unwrap().map.remove(key);
        Box::pin(async { Ok(()) })
    }

    fn kind(&self) -> &'static str {
        "memory"
    }
}

/// A Redis server shared by every replica (`REDIS_URL`, e.g. `redis://127.0.0.1:6379/0`). Keys
/// carry a prefix (`feishu-login:`) and Redis's own expiry (`SET … PX`), so nothing outlives its
/// TTL; the connection manager reconnects after Redis restarts.
pub struct RedisStore {
    connection: redis::aio::ConnectionManager,
    prefix: String,
}

fn unavailable(error: redis::RedisError) -> StoreError {
    // The error text names the command or the connection problem, never a stored value.
    StoreError::Unavailable(error.to_string())
}

/// How long one Redis command may take before the store reports itself unavailable: a request
/// that needs the store fails (503) instead of hanging while Redis is down.
const REDIS_COMMAND_TIMEOUT: Duration = Duration::from_secs(2);

async fn bounded<T>(command: impl Future<Output = Result<T, redis::RedisError>>) -> Result<T, StoreError> {
    match tokio::time::timeout(REDIS_COMMAND_TIMEOUT, command).await {
        Ok(result) => result.map_err(unavailable),
        Err(_) => Err(StoreError::Unavailable("Redis did not answer in time".into())),
    }
}

fn millis(ttl: Duration) -> u64 {
    u64::try_from(clamp(ttl).as_millis()).unwrap_or(u64::MAX)
}

impl RedisStore {
    /// Connects to `url` (checked with a `PING`, so a wrong URL stops the server at startup).
    pub async fn connect(url: &str) -> Result<RedisStore, StoreError> {
        let client = redis::Client::open(url).map_err(unavailable)?;
        let config = redis::aio::ConnectionManagerConfig::new()
            .set_connection_timeout(Duration::from_secs(5))
            .set_response_timeout(Duration::from_secs(5))
            .set_number_of_retries(2);
        let mut connection = tokio::time::timeout(
            Duration::from_secs(10),
            redis::aio::ConnectionManager::new_with_config(client, config),
        )
        .await
        .map_err(|_| StoreError::Unavailable("connecting timed out".into()))?
        .map_err(unavailable)?;
        let _: String = redis::cmd("PING").query_async(&mut connection).await.map_err(unavailable)?;
        Ok(RedisStore { connection, prefix: "feishu-login:".into() })
    }

    fn key(&self, key: &str) -> String {
        self.prefix.clone() + key
    }
}

impl Store for RedisStore {
    fn get<'a>(&'a self, key: &'a str) -> StoreFuture<'a, Option<Vec<u8>>> {
        let mut connection = self.connection.clone();
        let key = self.key(key);
        Box::pin(async move { bounded(redis::cmd("GET").arg(key).query_async(&mut connection)).await })
    }

    fn set<'a>(&'a self, key: &'a str, value: Vec<u8>, ttl: Duration) -> StoreFuture<'a, ()> {
        let mut connection = self.connection.clone();
        let key = self.key(key);
        Box::pin(async move {
            bounded(redis::cmd("SET").arg(key).arg(value).arg("PX").arg(millis(ttl)).query_async::<()>(&mut connection))
                .await
        })
    }

    fn set_if_absent<'a>(&'a self, key: &'a str, value: Vec<u8>, ttl: Duration) -> StoreFuture<'a, bool> {
        let mut connection = self.connection.clone();
        let key = self.key(key);
        Box::pin(async move {
            // SET NX answers OK when it stored the value and nil when the key exists.
            let command = redis::cmd("SET").arg(key).arg(value).arg("NX").arg("PX").arg(millis(ttl)).clone();
            let stored: Option<String> = bounded(command.query_async(&mut connection)).await?;
            Ok(stored.is_some())
        })
    }

    fn delete<'a>(&'a self, key: &'a str) -> StoreFuture<'a, ()> {
        let mut connection = self.connection.clone();
        let key = self.key(key);
        Box::pin(
            async move { bounded(redis::cmd("DEL").arg(key).query_async::<i64>(&mut connection)).await.map(|_| ()) },
        )
    }

    fn kind(&self) -> &'static str {
        "redis"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn memory_entries_expire_and_set_if_absent_respects_live_entries() {
        let store = MemoryStore::default();
        store.set("a", b"1".to_vec(), Duration::from_millis(30)).await.unwrap();
        assert_eq!(store.get("a").await.unwrap(), Some(b"1".to_vec()));
        assert!(!store.set_if_absent("a", b"2".to_vec(), Duration::from_secs(1)).await.unwrap(), "held");
        tokio::time::sleep(Duration::from_millis(40)).await;
        assert_eq!(store.get("a").await.unwrap(), None, "expired");
        assert!(store.set_if_absent("a", b"3".to_vec(), Duration::from_secs(1)).await.unwrap(), "expired: free");
        store.delete("a").await.unwrap();
        assert_eq!(store.get("a").await.unwrap(), None);
        // No lifetime overflows the clock (SESSION_TTL_SECS is checked, a Feishu answer is not).
        store.set("forever", b"1".to_vec(), Duration::MAX).await.unwrap();
        assert_eq!(store.get("forever").await.unwrap(), Some(b"1".to_vec()));
    }

    #[tokio::test]
    async fn memory_store_is_bounded_and_swept() {
        let store = MemoryStore::new(100);
        for i in 0..100 {
            store.set(&format!("k{i}"), vec![], Duration::from_secs(60)).await.unwrap();
        }
        assert_eq!(store.set("one more", vec![], Duration::from_secs(60)).await, Err(StoreError::Full));
        store.set("k5", b"replaced".to_vec(), Duration::from_secs(60)).await.unwrap();
        assert_eq!(store.len(), 100, "replacing a key does not need room");

        let brief = MemoryStore::new(100);
        for i in 0..100 {
            brief.set(&format!("k{i}"), vec![], Duration::from_millis(5)).await.unwrap();
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
        brief.set("after", vec![], Duration::from_secs(60)).await.unwrap();
        assert_eq!(brief.len(), 1, "a full map of expired entries is swept");
    }
}
