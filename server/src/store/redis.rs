//! A Redis server shared by every replica (`REDIS_URL`).
//!
//! # How it heals
//! One [`ConnectionManager`] (a multiplexed connection that reconnects by itself) carries every
//! command. Every wait is bounded *inside* redis-rs, where it ends in an error the manager sees:
//! each connection attempt by [`CONNECT_TIMEOUT`], each command by [`RESPONSE_TIMEOUT`], and a
//! reconnect is a few attempts with a short backoff ([`RECONNECT_TRIES`], from
//! [`RECONNECT_MIN_DELAY`] doubling to [`RECONNECT_MAX_DELAY`]). The reconnect runs in a task of
//! its own, so no caller can cancel it half-way.
//!
//! There is no timeout around the commands out here. redis 0.27 needed one (its manager handed
//! backon `factor = 100` as the *growth factor* over backon's 1 s minimum delay, so the second
//! reconnect attempt slept 60–120 s), and that outer timeout made it worse: a command dropped by
//! it never returned the error that tells the manager to reconnect, while every later command
//! waited on the sleeping reconnect and was dropped by the same timeout. The replica answered
//! 503 for minutes after Redis was back.
//!
//! During an outage a command fails after one reconnect cycle (a refused connection: tens of
//! milliseconds; an unreachable host: [`CONNECT_TIMEOUT`] per attempt) and the backend answers
//! 503 with `Retry-After`. A command that finds the last reconnect failed starts the next one;
//! it is tried once more when its connection was refused (it was never sent), so the first
//! request after Redis is back succeeds.
//!
//! `rediss://` URLs use TLS (rustls, the system's root certificates, or the PEM file of
//! [`RedisOptions::ca_pem`] for a private CA).

use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{Cmd, FromRedisValue, RedisError};

use super::{clamp, Store, StoreError, StoreFuture};

/// How long one connection attempt (TCP, TLS, `HELLO`/`AUTH`/`SELECT`) may take.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(1);
/// How long one command may wait for its answer.
pub const RESPONSE_TIMEOUT: Duration = Duration::from_secs(1);
/// Attempts after the first in one reconnect cycle.
pub const RECONNECT_TRIES: usize = 2;
/// The first delay between reconnect attempts (then doubled, with jitter).
pub const RECONNECT_MIN_DELAY: Duration = Duration::from_millis(50);
/// The longest delay between reconnect attempts.
pub const RECONNECT_MAX_DELAY: Duration = Duration::from_millis(500);

/// Where Redis is and how to trust it.
#[derive(Clone, Default)]
pub struct RedisOptions {
    /// `redis://[user:password@]host:port/db` or `rediss://…` (TLS).
    pub url: String,
    /// PEM root certificate(s) to trust for `rediss://` instead of the system's (`REDIS_CA_FILE`).
    pub ca_pem: Option<Vec<u8>>,
}

/// Redis, with keys under a prefix (`feishu-login:`) and Redis's own expiry (`SET … PX`).
pub struct RedisStore {
    connection: ConnectionManager,
    prefix: String,
}

fn unavailable(error: RedisError) -> StoreError {
    // The error text names the command or the connection problem, never a stored value.
    StoreError(error.to_string())
}

fn millis(ttl: Duration) -> u64 {
    u64::try_from(clamp(ttl).as_millis()).unwrap_or(u64::MAX)
}

/// Compare and swap: `SET key value PX ttl` only when the key holds `expected`.
const REPLACE: &str =
    "if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3]) return 1 end return 0";

impl RedisStore {
    /// The manager for `options` (not connected yet: see [`RedisStore::connect`]).
    pub fn new(options: &RedisOptions) -> Result<RedisStore, StoreError> {
        let client = match &options.ca_pem {
            Some(pem) => redis::Client::build_with_tls(
                options.url.as_str(),
                redis::TlsCertificates { client_tls: None, root_cert: Some(pem.clone()) },
            ),
            None => redis::Client::open(options.url.as_str()),
        }
        .map_err(unavailable)?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(CONNECT_TIMEOUT))
            .set_response_timeout(Some(RESPONSE_TIMEOUT))
            .set_number_of_retries(RECONNECT_TRIES)
            .set_min_delay(RECONNECT_MIN_DELAY)
            .set_exponent_base(2.0)
            .set_max_delay(RECONNECT_MAX_DELAY);
        let connection = ConnectionManager::new_lazy_with_config(client, config).map_err(unavailable)?;
        Ok(RedisStore { connection, prefix: "feishu-login:".into() })
    }

    /// Connects to `options.url` and checks it with a `PING`, so that a wrong URL, password or
    /// certificate stops the server at startup.
    pub async fn connect(options: &RedisOptions) -> Result<RedisStore, StoreError> {
        let store = RedisStore::new(options)?;
        let pong: String = store.query(redis::cmd("PING"), true).await?;
        debug_assert_eq!(pong, "PONG");
        Ok(store)
    }

    fn key(&self, key: &str) -> String {
        self.prefix.clone() + key
    }

    /// Runs `command`. One more try when the connection was refused (the command was never
    /// sent; that failure started a new reconnect, which the second try waits for) or, for an
    /// idempotent command, when the connection dropped.
    async fn query<T: FromRedisValue>(&self, command: Cmd, idempotent: bool) -> Result<T, StoreError> {
        let mut connection = self.connection.clone();
        match command.query_async(&mut connection).await {
            Err(error) if error.is_connection_refusal() || (idempotent && error.is_connection_dropped()) => {
                command.query_async(&mut connection).await.map_err(unavailable)
            }
            result => result.map_err(unavailable),
        }
    }
}

impl Store for RedisStore {
    fn get<'a>(&'a self, key: &'a str) -> StoreFuture<'a, Option<Vec<u8>>> {
        let mut command = redis::cmd("GET");
        command.arg(self.key(key));
        Box::pin(self.query(command, true))
    }

    fn put<'a>(&'a self, key: &'a str, value: Vec<u8>, ttl: Duration) -> StoreFuture<'a, ()> {
        let mut command = redis::cmd("SET");
        command.arg(self.key(key)).arg(value).arg("PX").arg(millis(ttl));
        Box::pin(self.query(command, true))
    }

    fn replace<'a>(&'a self, key: &'a str, expected: &'a [u8], value: Vec<u8>, ttl: Duration) -> StoreFuture<'a, bool> {
        let mut command = redis::cmd("EVAL");
        command.arg(REPLACE).arg(1).arg(self.key(key)).arg(expected).arg(value).arg(millis(ttl));
        // Not idempotent: a swap that happened but whose answer was lost would read as refused.
        Box::pin(async move { Ok(self.query::<i64>(command, false).await? == 1) })
    }

    fn delete<'a>(&'a self, key: &'a str) -> StoreFuture<'a, ()> {
        let mut command = redis::cmd("DEL");
        command.arg(self.key(key));
        Box::pin(async move { self.query::<i64>(command, true).await.map(|_| ()) })
    }

    fn kind(&self) -> &'static str {
        "redis"
    }
}
