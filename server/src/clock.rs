//! Time, as the server reads it: one [`Clock`] trait with a clock per use, so that tests move a
//! [`ManualClock`] by hand instead of sleeping.
//!
//! - [`SystemClock`]: monotonic, from the process's start (the memory store's expiries).
//! - [`UnixClock`]: wall-clock time since 1970 (the backend, whose tokens carry Unix expiries
//!   that every replica compares, and the emulator, whose answers carry Unix timestamps).
//! - [`ManualClock`]: moves only when told to; start it at [`UnixClock`]'s time where Unix time
//!   is expected.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// A source of time, read once per operation.
pub trait Clock: Send + Sync {
    /// Time since the clock's fixed origin (the Unix epoch for [`UnixClock`]).
    fn now(&self) -> Duration;
}

/// The process's monotonic clock (origin: when it was made).
pub struct SystemClock(Instant);

impl Default for SystemClock {
    fn default() -> Self {
        SystemClock(Instant::now())
    }
}

impl Clock for SystemClock {
    fn now(&self) -> Duration {
        self.0.elapsed()
    }
}

/// The wall clock: time since 1970-01-01 UTC.
#[derive(Default, Clone, Copy)]
pub struct UnixClock;

impl Clock for UnixClock {
    fn now(&self) -> Duration {
        SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default()
    }
}

/// A clock that moves only when told to (tests).
#[derive(Default)]
pub struct ManualClock(AtomicU64);

impl ManualClock {
    /// A clock at 0.
    pub fn new() -> Arc<ManualClock> {
        Arc::default()
    }

    /// A clock at `origin`, e.g. `UnixClock.now()` for code that reads Unix time.
    pub fn starting_at(origin: Duration) -> Arc<ManualClock> {
        let clock = ManualClock::new();
        clock.advance(origin);
        clock
    }

    /// Moves the clock forward by `by`.
    pub fn advance(&self, by: Duration) {
        self.0.fetch_add(u64::try_from(by.as_nanos()).unwrap_or(u64::MAX), Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Duration {
        Duration::from_nanos(self.0.load(Ordering::SeqCst))
    }
}
