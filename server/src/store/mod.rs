//! Where the reference backend keeps what a session needs beyond its signed token: one record
//! per session (`session:<sid>`), holding the Feishu grant (user access token and refresh token,
//! sealed, never sent to the browser) and the session's token generation (renewal rotates it).
//!
//! A session is valid only while its record exists and names the presented token's generation:
//! logout deletes the record, and a store that must drop a record to make room (the memory
//! store's bound, Redis's `maxmemory` eviction) can only end a session, never bring one back.
//! There are no revocation records that an eviction could lose.
//!
//! [`Store`] is a small key/value trait with expiry: [`MemoryStore`] (the default, one process,
//! bounded, least recently used evicted) and [`RedisStore`] (`REDIS_URL`, shared by replicas).

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

mod memory;
mod redis;

pub use self::memory::MemoryStore;
pub use self::redis::{RedisOptions, RedisStore};

/// Why a store operation failed: the store could not be reached or refused the command. The
/// backend answers 503 with `Retry-After` and decides nothing it could not read or record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreError(pub String);

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the session store is unavailable: {}", self.0)
    }
}

impl std::error::Error for StoreError {}

/// The longest TTL a store keeps (100 years): longer ones are clamped, so that no lifetime a
/// caller computes (`Duration::MAX` included) can overflow a clock or be refused by Redis.
pub const MAX_TTL: Duration = Duration::from_secs(100 * 365 * 24 * 3600);

fn clamp(ttl: Duration) -> Duration {
    ttl.clamp(Duration::from_millis(1), MAX_TTL)
}

/// What a store operation returns, boxed so that the trait can be used as `dyn Store`.
pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, StoreError>> + Send + 'a>>;

/// A key/value store whose entries expire. Keys are ASCII (`session:<sid>`); values are opaque
/// bytes. A `ttl` is clamped to 1 ms … [`MAX_TTL`].
pub trait Store: Send + Sync {
    /// The live value under `key` (a use: the memory store keeps recently used entries longest).
    fn get<'a>(&'a self, key: &'a str) -> StoreFuture<'a, Option<Vec<u8>>>;
    /// Stores `value` under `key` for `ttl`, replacing any value. A full store makes room by
    /// dropping other entries (ending their sessions), never by refusing.
    fn put<'a>(&'a self, key: &'a str, value: Vec<u8>, ttl: Duration) -> StoreFuture<'a, ()>;
    /// Stores `value` for `ttl` only if `key` holds exactly `expected` (compare and swap);
    /// `true` when it was stored, `false` when the value changed or is gone.
    fn replace<'a>(&'a self, key: &'a str, expected: &'a [u8], value: Vec<u8>, ttl: Duration) -> StoreFuture<'a, bool>;
    /// Removes `key` (no error when it is absent). Needs no room: it always succeeds on a store
    /// that answers.
    fn delete<'a>(&'a self, key: &'a str) -> StoreFuture<'a, ()>;
    /// A short name for logs and the startup line (`memory`, `redis`).
    fn kind(&self) -> &'static str;
}

/// The store's sense of time: monotonic, read once per operation ([`SystemClock`] in a server,
/// [`ManualClock`] in tests that move time by hand instead of sleeping).
pub use crate::clock::{Clock, ManualClock, SystemClock};
