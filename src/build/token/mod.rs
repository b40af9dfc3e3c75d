// SPDX-License-Identifier: GPL-2.0-only OR MIT
//! The byte-pair token table: `optimize_token_table()` of `scripts/kallsyms.c` (6.12,
//! unchanged from 6.1 to 7.0), computed with posting lists instead of full scans.
//!
//! The kernel's algorithm, which this reproduces exactly:
//! - every symbol is its type character followed by its name, without NUL;
//! - `token_profit[a + (b << 8)]` counts every adjacent pair `ab` over all symbols,
//!   overlapping pairs included (`learn_symbol()`);
//! - every byte value that occurs is a one-byte token of its own
//!   (`insert_real_symbols_in_table()`);
//! - for code 255 down to 0, where the code is not such a byte: take the pair with the
//!   highest profit, the lowest pair index winning ties (`find_best_token()` scans
//!   upwards with a strict `>` from -10000); stop when that profit is 0; otherwise make
//!   the code stand for the pair and replace the pair in every symbol greedily from the
//!   left, without overlap (`compress_symbols()`), updating the profits.
//!
//! The kernel rescans every symbol for every code: O(256 x all bytes). Here, as in
//! Re-Pair (Larsson and Moffat), pairs keep lists of the positions where they occur,
//! so a replacement costs O(1): the profits of the pairs around it change, and the node
//! of the second byte is marked dead. Symbols stay in one arena; a live node at `i`
//! with code `c` covers the original bytes `i .. i + len(c)`, so the next node is found
//! from the expansion length of the code, and the previous one from a bitmap of live
//! nodes.
//!
//! Which positions to visit in a round: a replacement of `ab` by `X` only creates
//! pairs that contain `X`, and every `X` node stays where it was created. So a pair of
//! two original bytes occurs only where it occurred at the start, and any other pair
//! occurs only next to nodes of its newest code, which are the positions where that
//! code was created. The first count lists the positions of the original pairs; each
//! round records where it put its new code (and prunes that list of the newest code it
//! scans). All lists are in ascending position order, so processing one in order is
//! the kernel's left-to-right greedy replacement (`"aaa"` becomes `"Xa"`); a position
//! whose pair is no longer there (an earlier replacement consumed or changed a node) is
//! skipped.
//!
//! The best profit never grows from one round to the next: every profit is at most
//! the chosen one, old pairs only lose occurrences, and a new pair occurs at most as
//! often as its new code. So the first lists are kept only for pairs whose count
//! reaches a threshold (1/64 of the best profit); should the best pair ever be an
//! unlisted original pair, the threshold is lowered and one scan of the arena lists the
//! original pairs now above it. That keeps memory (and page faults) down.
//!
//! Cost: each round touches the positions in its list, in ascending order; on large
//! tables those are cache misses (and TLB misses) spread over the whole arena, so
//! the positions are taken in batches whose nodes are loaded together first, letting
//! the misses overlap. (Measured, 1M symbols: ~25 ns a position once the arena no
//! longer fits the last-level cache, against ~10 ns below it.)
//!
//! Large tables are split between two threads at a symbol boundary: each owns half
//! of the symbols, with its own lists and profits. Per round both threads pick the
//! same best pair from the sum of the two profit arrays, then replace it in their
//! half (see `drive`).
//!
//! One corner of `compress_symbols()` is not reproduced because it cannot happen: after
//! the first replacement in a symbol its search window includes the terminating NUL,
//! so a pair whose second byte is 0 could match there. A chosen pair has a non-zero
//! profit, so its bytes occur inside names at a position > 0; byte 0 occurs only as the
//! code of the very last token (after which nothing is searched), because the parser
//! rejects a NUL type character.

mod drive;
mod flags;
mod state;
#[cfg(test)]
mod tests;

use std::vec;
use std::vec::Vec;

pub use drive::{optimize, optimize_threads};

/// What a code of the token table stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Slot {
    /// Not used: the token is the empty string (`best_table_len[i] == 0`).
    #[default]
    Unused,
    /// A byte that occurs in some symbol stands for itself.
    Byte,
    /// The pair of codes `(first, second)`.
    Pair(u8, u8),
}

/// Symbols in one arena, compressed in place.
#[derive(Clone, Debug, Default)]
pub struct Packed {
    /// The bytes; symbol `i` is `arena[start[i] .. start[i] + len[i]]`.
    pub arena: Vec<u8>,
    /// Start of each symbol in `arena`.
    pub start: Vec<u32>,
    /// Current length of each symbol.
    pub len: Vec<u32>,
}

impl Packed {
    /// An empty arena for `n` symbols of `bytes` bytes in all.
    pub fn with_capacity(n: usize, bytes: usize) -> Self {
        Packed {
            arena: Vec::with_capacity(bytes),
            start: Vec::with_capacity(n),
            len: Vec::with_capacity(n),
        }
    }

    /// Appends a symbol made of `kind` and `name`. [`optimize`] needs symbols shorter
    /// than 65,535 bytes (kernel symbols are below `KSYM_NAME_LEN`, 512).
    pub fn push(&mut self, kind: u8, name: &[u8]) {
        let start = self.arena.len();
        self.arena.push(kind);
        self.arena.extend_from_slice(name);
        self.start.push(start as u32);
        self.len.push((name.len() + 1) as u32);
    }

    /// Symbol `i`.
    pub fn get(&self, i: usize) -> &[u8] {
        let (Some(&s), Some(&l)) = (self.start.get(i), self.len.get(i)) else {
            return &[];
        };
        self.arena
            .get(s as usize..s as usize + l as usize)
            .unwrap_or_default()
    }

    /// Number of symbols.
    pub fn count(&self) -> usize {
        self.start.len()
    }

    /// The symbols in the order `order` (indices of `self`'s symbols).
    pub fn permuted(&self, order: &[u32]) -> Packed {
        let bytes = order
            .iter()
            .map(|&k| self.len.get(k as usize).map_or(0, |&l| l as usize))
            .sum();
        let mut out = Packed::with_capacity(order.len(), bytes);
        for &k in order {
            let s = self.get(k as usize);
            out.start.push(out.arena.len() as u32);
            out.len.push(s.len() as u32);
            out.arena.extend_from_slice(s);
        }
        out
    }
}

/// `token_profit[]` index of the pair `ab`.
#[inline]
fn pair(a: u8, b: u8) -> usize {
    usize::from(a) | (usize::from(b) << 8)
}

/// The full text of every code: a byte stands for itself, a pair for the text of its
/// two codes, an unused code for nothing (`expand_symbol()`).
pub fn expand_all(slots: &[Slot; 256]) -> Vec<Vec<u8>> {
    let mut out: Vec<Vec<u8>> = (0..=255u8)
        .zip(slots)
        .map(|(code, s)| match s {
            Slot::Byte => vec![code],
            _ => Vec::new(),
        })
        .collect();
    // Codes are assigned from 255 down, and a pair only uses bytes and codes made
    // before it, that is higher codes.
    for (code, slot) in slots.iter().enumerate().rev() {
        if let Slot::Pair(a, b) = *slot {
            let mut t = out.get(usize::from(a)).cloned().unwrap_or_default();
            t.extend_from_slice(
                out.get(usize::from(b))
                    .map(Vec::as_slice)
                    .unwrap_or_default(),
            );
            if let Some(o) = out.get_mut(code) {
                *o = t;
            }
        }
    }
    out
}
