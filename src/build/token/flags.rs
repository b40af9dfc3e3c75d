// SPDX-License-Identifier: GPL-2.0-only OR MIT
//! Per-position flags of the token arena.

use std::vec;
use std::vec::Vec;

/// Two bitmaps over arena positions, interleaved so that one cache line holds both:
/// live nodes, and first nodes of symbols (plus the end of the arena).
pub(super) struct Flags(pub(super) Vec<[u64; 2]>);

pub(super) const ALIVE: usize = 0;
pub(super) const FIRST: usize = 1;

impl Flags {
    pub(super) fn new(n: usize) -> Self {
        Flags(vec![[!0, 0]; n / 64 + 1])
    }

    #[inline]
    pub(super) fn get(&self, which: usize, i: usize) -> bool {
        self.0
            .get(i / 64)
            .and_then(|w| w.get(which))
            .is_some_and(|w| w >> (i % 64) & 1 != 0)
    }

    #[inline]
    pub(super) fn set(&mut self, which: usize, i: usize, on: bool) {
        if let Some(w) = self.0.get_mut(i / 64).and_then(|w| w.get_mut(which)) {
            if on {
                *w |= 1 << (i % 64);
            } else {
                *w &= !(1 << (i % 64));
            }
        }
    }

    /// The ALIVE and FIRST words of the 64 positions around `i`.
    #[inline]
    pub(super) fn block(&self, i: usize) -> [u64; 2] {
        self.0.get(i / 64).copied().unwrap_or([0, 0])
    }

    /// The ALIVE word holding position `i` (to load its cache line).
    #[inline]
    pub(super) fn word(&self, i: usize) -> u64 {
        self.0.get(i / 64).map_or(0, |w| w[0])
    }

    /// The live node before `i`, which must not be the first of its symbol.
    #[inline]
    pub(super) fn prev_alive(&self, i: usize) -> usize {
        let mut w = i / 64;
        let word = |w: usize| self.0.get(w).map_or(0, |x| x[0]);
        let mut bits = word(w) & ((1u64 << (i % 64)) - 1);
        while bits == 0 {
            let Some(p) = w.checked_sub(1) else {
                return 0;
            };
            w = p;
            bits = word(w);
        }
        w * 64 + 63 - bits.leading_zeros() as usize
    }
}
