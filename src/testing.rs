//! Helpers shared by the unit tests.

use crate::prelude::*;

/// A xorshift64 generator (Marsaglia 2003): reproducible pseudo-random test inputs, so that a
/// failing oracle comparison can be replayed. Never for secrets.
pub(crate) struct XorShift(pub u64);

impl XorShift {
    /// The next 64 pseudo-random bits.
    pub(crate) fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    /// A number in `0..n`.
    pub(crate) fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// `len` pseudo-random bytes.
    pub(crate) fn bytes(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| self.next() as u8).collect()
    }

    /// One of `items`.
    pub(crate) fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

pub(crate) use crate::whatwg::Whatwg;
