// SPDX-License-Identifier: GPL-2.0-only OR MIT
//! One thread's share of the token optimisation: the arena of whole symbols, the
//! position lists and the profits (see the module docs of [`super`]).

use std::boxed::Box;
use std::vec;
use std::vec::Vec;

use super::flags::{Flags, ALIVE, FIRST};
use super::{pair, Slot};

/// The working state of one thread of [`optimize`](super::optimize): a run of whole
/// symbols.
pub(super) struct State<'a> {
    /// The arena: the code of each live node (dead nodes keep stale values).
    val: &'a mut [u8],
    /// Live nodes and first nodes.
    flags: Flags,
    /// What each code stands for.
    pub(super) slots: [Slot; 256],
    /// Expansion length of every code.
    explen: [u16; 256],
    /// `token_profit[]` for these symbols (fixed size: pair indices need no checks).
    pub(super) profit: Profit,
    /// All position lists.
    store: Vec<u32>,
    /// Original pair `p` occurred at `store[list[p].0 ..][.. list[p].1]`.
    list: Vec<(u32, u32)>,
    /// Whether original pair `p` has a list.
    listed: Vec<bool>,
    /// Code `c` was created at `store[seg[c].0 ..][.. seg[c].1]`.
    seg: [(u32, u32); 256],
    /// Lists are made only for pairs with at least this count.
    keep: i32,
    /// `keep` is the best profit divided by this.
    divisor: i32,
}

/// Positions handled per batch of cache loads (see [`State::touch`]).
const BATCH: usize = 16;

/// One counter per byte pair.
pub(super) type Profits = [i32; 0x10000];

/// Pairs per block of [`Profit`]'s summary.
const BLOCK: usize = 64;

/// `token_profit[]` with the maximum of every block of 64 pairs and of every group
/// of 64 blocks, brought up to date lazily: [`Profit::add`] marks the block stale
/// ([`Profit::add_unmarked`] leaves that to one [`Profit::mark_second`] per round)
/// and [`Profit::best`] recomputes only the stale blocks and their groups, then
/// scans the 16 group maxima, the group's 64 block maxima and the block. The
/// kernel's `find_best_token()` (`scripts/kallsyms.c`, 6.12) scans all 65,536
/// counters every round; when the table is small a round changes the counters of
/// a few pairs only, so small tables (and the fuzzer's round trips) no longer pay
/// 256 full scans per build. Same answer: the first group holding the maximum, the
/// first block in it, then the first position in that, is the lowest pair index
/// among the maxima.
pub(super) struct Profit {
    v: Box<Profits>,
    block_max: Box<[i32; 0x10000 / BLOCK]>,
    /// The maximum of each group of 64 blocks (one word of `stale`).
    group_max: [i32; 0x10000 / BLOCK / 64],
    /// One bit per block whose maximum is stale.
    stale: [u64; 0x10000 / BLOCK / 64],
}

impl Profit {
    /// The counters `v`, with the blocks whose bits are set in `stale` stale: every
    /// other block must hold only zeros (its maximum starts at 0).
    fn new(v: Box<Profits>, stale: [u64; 0x10000 / BLOCK / 64]) -> Self {
        Profit {
            v,
            block_max: Box::new([0; 0x10000 / BLOCK]),
            group_max: [0; 0x10000 / BLOCK / 64],
            stale,
        }
    }

    /// Adds `d` to the counter of pair `p`.
    #[inline(always)]
    fn add(&mut self, p: usize, d: i32) {
        if let Some(v) = self.v.get_mut(p) {
            *v += d;
        }
        if let Some(w) = self.stale.get_mut(p / (BLOCK * 64)) {
            *w |= 1 << ((p / BLOCK) % 64);
        }
    }

    /// Adds `d` to the counter of pair `p` without marking its block stale: the
    /// caller marks it (see [`Profit::mark_second`]).
    #[inline(always)]
    fn add_unmarked(&mut self, p: usize, d: i32) {
        if let Some(v) = self.v.get_mut(p) {
            *v += d;
        }
    }

    /// Marks stale the 4 blocks of the pairs whose second code is `b` (`v, b` for
    /// every `v`).
    #[inline]
    fn mark_second(&mut self, b: u8) {
        let b = usize::from(b);
        // Pairs b << 8 .. (b << 8) + 255: blocks 4b .. 4b + 3, in stale word b / 16.
        const _: () = assert!(BLOCK == 64);
        if let Some(w) = self.stale.get_mut(b / 16) {
            *w |= 0xf << ((b % 16) * 4);
        }
    }

    /// The counter of pair `p`.
    #[inline]
    fn get(&self, p: usize) -> i32 {
        self.v.get(p).copied().unwrap_or(0)
    }

    /// The pair with the highest profit, the lowest index on ties, and that profit
    /// (`find_best_token()`).
    pub(super) fn best(&mut self) -> (usize, i32) {
        for (w, word) in self.stale.iter_mut().enumerate() {
            let mut bits = core::mem::take(word);
            if bits == 0 {
                continue;
            }
            while bits != 0 {
                let b = w * 64 + bits.trailing_zeros() as usize;
                bits &= bits - 1;
                let m = self
                    .v
                    .get(b * BLOCK..(b + 1) * BLOCK)
                    .map_or(0, |c| c.iter().copied().fold(i32::MIN, i32::max));
                if let Some(x) = self.block_max.get_mut(b) {
                    *x = m;
                }
            }
            let m = self
                .block_max
                .get(w * 64..(w + 1) * 64)
                .map_or(0, |c| c.iter().copied().fold(i32::MIN, i32::max));
            if let Some(x) = self.group_max.get_mut(w) {
                *x = m;
            }
        }
        let (g, max) = first_max(&self.group_max);
        let b = g * 64 + first_max(self.block_max.get(g * 64..(g + 1) * 64).unwrap_or_default()).0;
        let at = self
            .v
            .get(b * BLOCK..(b + 1) * BLOCK)
            .and_then(|c| c.iter().position(|&v| v == max));
        (at.map_or(0, |i| b * BLOCK + i), max)
    }
}

/// The index and value of the first maximum of `m` (`(0, 0)` when empty), in one
/// pass.
#[inline]
fn first_max(m: &[i32]) -> (usize, i32) {
    let mut best = (0, m.first().copied().unwrap_or(0));
    for (i, &v) in m.iter().enumerate() {
        if v > best.1 {
            best = (i, v);
        }
    }
    best
}

/// A zeroed counter array, straight from the allocator (no copy through the stack).
fn zeroed_profits() -> Box<Profits> {
    vec![0i32; 0x10000]
        .into_boxed_slice()
        .try_into()
        .unwrap_or_else(|_| Box::new([0; 0x10000]))
}

/// The maxima of the summed profits of two halves, one per block of [`BLOCK`]
/// pairs, kept as [`Profit`] keeps its own.
pub(super) type BlockMax = [i32; 0x10000 / BLOCK];

/// The pair with the highest summed profit of the two halves, the lowest index on
/// ties (`find_best_token()`), and that profit: the blocks either half changed are
/// summed again, then the block maxima in `sum` are scanned.
pub(super) fn best_of(a: &mut Profit, b: &mut Profit, sum: &mut BlockMax) -> (usize, i32) {
    for (w, (x, y)) in a.stale.iter_mut().zip(b.stale.iter_mut()).enumerate() {
        let mut bits = core::mem::take(x) | core::mem::take(y);
        while bits != 0 {
            let k = w * 64 + bits.trailing_zeros() as usize;
            bits &= bits - 1;
            let range = k * BLOCK..(k + 1) * BLOCK;
            let m = match (a.v.get(range.clone()), b.v.get(range)) {
                (Some(p), Some(q)) => p.iter().zip(q).map(|(x, y)| x + y).fold(i32::MIN, i32::max),
                _ => 0,
            };
            if let Some(s) = sum.get_mut(k) {
                *s = m;
            }
        }
    }
    let (k, max) = first_max(&sum[..]);
    let range = k * BLOCK..(k + 1) * BLOCK;
    let at = match (a.v.get(range.clone()), b.v.get(range)) {
        (Some(p), Some(q)) => p.iter().zip(q).position(|(x, y)| x + y == max),
        _ => None,
    };
    (at.map_or(0, |i| k * BLOCK + i), max)
}

impl<'a> State<'a> {
    /// The state for the symbols at `starts` in `val` (positions relative to `val`),
    /// with the byte codes in use: counts the pairs and makes the first lists.
    pub(super) fn new(val: &'a mut [u8], starts: &[u32], slots: [Slot; 256], divisor: i32) -> Self {
        let n = val.len();
        let mut flags = Flags::new(n);
        for &s in starts {
            flags.set(FIRST, s as usize, true);
        }
        flags.set(FIRST, n, true);
        let mut list = vec![(0, 0); 0x10000];
        let mut listed = vec![false; 0x10000];
        let (profit, store, keep) = first_lists(val, starts, divisor, &mut list, &mut listed);
        State {
            val,
            flags,
            slots,
            explen: [1; 256],
            profit,
            store,
            list,
            listed,
            seg: [(0, 0); 256],
            keep,
            divisor,
        }
    }

    /// Makes `code` stand for `pair` and replaces it (one round of
    /// `optimize_result()`).
    pub(super) fn assign(&mut self, code: u8, p: usize) {
        let (a, b) = ((p & 0xff) as u8, (p >> 8) as u8);
        if let Some(s) = self.slots.get_mut(usize::from(code)) {
            *s = Slot::Pair(a, b);
        }
        let len = self.len(a) + self.len(b);
        if let Some(e) = self.explen.get_mut(usize::from(code)) {
            *e = len as u16;
        }
        self.round((a, b), code);
    }

    #[inline]
    fn code(&self, i: usize) -> u8 {
        self.val.get(i).copied().unwrap_or(0)
    }

    #[inline]
    fn len(&self, c: u8) -> usize {
        usize::from(self.explen.get(usize::from(c)).copied().unwrap_or(1))
    }

    #[inline]
    fn is_byte(&self, c: u8) -> bool {
        self.slots.get(usize::from(c)) == Some(&Slot::Byte)
    }

    #[inline]
    fn at(&self, k: usize) -> usize {
        self.store.get(k).copied().unwrap_or(0) as usize
    }

    #[inline]
    fn put(&mut self, k: usize, i: usize) {
        if let Some(x) = self.store.get_mut(k) {
            *x = i as u32;
        }
    }

    /// Lowers the threshold for a best profit of `best` and lists every original
    /// pair above it that has no list yet.
    fn rescan(&mut self, best: i32) {
        self.keep = (best / self.divisor).max(1);
        let mut found: Vec<(u32, u32)> = Vec::new();
        let n = self.val.len();
        let mut i = 0;
        while i < n {
            let (a, j) = (self.code(i), i + self.len(self.code(i)));
            if !self.flags.get(FIRST, j) {
                let (b, p) = (self.code(j), pair(a, self.code(j)));
                if self.is_byte(a)
                    && self.is_byte(b)
                    && !self.listed.get(p).copied().unwrap_or(true)
                    && self.profit.get(p) >= self.keep
                {
                    found.push((p as u32, i as u32));
                }
            }
            i = j;
        }
        // Positions are distinct per pair: this is a stable sort by pair.
        found.sort_unstable();
        for group in found.chunk_by(|x, y| x.0 == y.0) {
            let Some(&(p, _)) = group.first() else {
                continue;
            };
            let start = self.store.len() as u32;
            self.store.extend(group.iter().map(|&(_, at)| at));
            if let (Some(l), Some(f)) = (
                self.list.get_mut(p as usize),
                self.listed.get_mut(p as usize),
            ) {
                *l = (start, group.len() as u32);
                *f = true;
            }
        }
    }

    /// One round: replaces every occurrence of `ab` by the new code `x`
    /// (`compress_symbols()`), and records where `x` now is.
    fn round(&mut self, (a, b): (u8, u8), x: u8) {
        let p = pair(a, b);
        if self.profit.get(p) <= 0 {
            // Not in these symbols (the other thread has them).
            self.set_seg(x, 0, 0);
            return;
        }
        self.profit.mark_second(a);
        self.profit.mark_second(x);
        if self.is_byte(a) && self.is_byte(b) {
            if !self.listed.get(p).copied().unwrap_or(false) {
                self.rescan(self.profit.get(p));
            }
            // The list is used up here: `x` goes where the pair was replaced.
            let (start, count) = self.list.get(p).copied().unwrap_or((0, 0));
            let mut w = start as usize;
            let end = (start + count) as usize;
            let mut from = start as usize;
            while from < end {
                let to = end.min(from + BATCH);
                self.touch(from, to);
                for k in from..to {
                    let i = self.at(k);
                    if self.replace_bytes_at(i, (a, b), x) {
                        self.put(w, i);
                        w += 1;
                    }
                }
                from = to;
            }
            self.set_seg(x, start as usize, w);
            self.profit.add(p, -((w - start as usize) as i32));
            return;
        }
        // The newest code of the pair (codes are made from 255 down).
        let z = match (self.is_byte(a), self.is_byte(b)) {
            (true, _) => b,
            (_, true) => a,
            _ => a.min(b),
        };
        let (start, count) = self.seg.get(usize::from(z)).copied().unwrap_or((0, 0));
        let mut made = Vec::new();
        let mut w = start as usize;
        let end = (start + count) as usize;
        for k in start as usize..end {
            if k % BATCH == 0 {
                self.touch(k, end.min(k + BATCH));
            }
            let i = self.at(k);
            if !self.flags.get(ALIVE, i) || self.code(i) != z {
                continue; // no longer a `z` node
            }
            if z == a {
                if self.replace_at(i, (a, b), x) {
                    made.push(i as u32);
                    continue;
                }
            } else if !self.flags.get(FIRST, i) {
                let h = self.flags.prev_alive(i);
                if self.replace_at(h, (a, b), x) {
                    made.push(h as u32);
                    continue;
                }
            }
            self.put(w, i);
            w += 1;
        }
        self.set_seg(z, start as usize, w);
        self.profit.add(pair(a, b), -(made.len() as i32));
        let at = self.store.len();
        self.store.extend_from_slice(&made);
        self.set_seg(x, at, self.store.len());
    }

    /// Loads the nodes at `store[from..to]` (and their flags) into the cache, all at
    /// once: the loads are independent, so their cache misses overlap, where the
    /// replacement loop would wait for one after the other.
    #[inline(always)]
    fn touch(&self, from: usize, to: usize) {
        let mut sum = 0u64;
        for &i in self.store.get(from..to).unwrap_or_default() {
            let i = i as usize;
            sum = sum.wrapping_add(u64::from(self.code(i)) ^ self.flags.word(i));
        }
        core::hint::black_box(sum);
    }

    fn set_seg(&mut self, code: u8, start: usize, end: usize) {
        if let Some(s) = self.seg.get_mut(usize::from(code)) {
            *s = (start as u32, (end - start) as u32);
        }
    }

    /// Replaces the pair `ab` at node `i` by `x` if it is there, updating the profits
    /// of the pairs around it (`forget_symbol()`/`learn_symbol()` in effect), but not
    /// that of `ab` itself: the round takes all its replacements off at once (no
    /// profit is read during a round). The pairs on the left, `va` and `vx`, are
    /// not marked stale here: the round marks all pairs ending in `a` or `x` once
    /// ([`Profit::mark_second`]).
    #[inline(always)]
    fn replace_at(&mut self, i: usize, (a, b): (u8, u8), x: u8) -> bool {
        if !self.flags.get(ALIVE, i) || self.code(i) != a {
            return false;
        }
        let j = i + self.len(a);
        if self.flags.get(FIRST, j) || self.code(j) != b {
            return false;
        }
        let k = j + self.len(b);
        if !self.flags.get(FIRST, i) {
            self.move_left(self.flags.prev_alive(i), a, x);
        }
        if !self.flags.get(FIRST, k) {
            self.move_right(k, b, x);
        }
        self.write(i, j, x);
        true
    }

    /// The pair of the live node `h` with the replaced pair's `a` becomes its pair
    /// with `x` (marked stale by the round: [`Profit::mark_second`]).
    #[inline(always)]
    fn move_left(&mut self, h: usize, a: u8, x: u8) {
        let v = self.code(h);
        self.profit.add_unmarked(pair(v, a), -1);
        self.profit.add_unmarked(pair(v, x), 1);
    }

    /// The pair of the replaced pair's `b` with node `k` becomes that of `x`.
    #[inline(always)]
    fn move_right(&mut self, k: usize, b: u8, x: u8) {
        let v = self.code(k);
        self.profit.add(pair(b, v), -1);
        self.profit.add(pair(x, v), 1);
    }

    /// Node `i` becomes `x`; node `j` (the pair's second) dies.
    #[inline(always)]
    fn write(&mut self, i: usize, j: usize, x: u8) {
        if let Some(c) = self.val.get_mut(i) {
            *c = x;
        }
        self.flags.set(ALIVE, j, false);
    }

    /// [`State::replace_at`] for a pair of two bytes: each is one node long, so the
    /// pair's second node and the node after it are the next two positions, and
    /// when all three share a word of flags (62 positions in 64) that word is read
    /// once.
    #[inline(always)]
    fn replace_bytes_at(&mut self, i: usize, (a, b): (u8, u8), x: u8) -> bool {
        let s = i % 64;
        if s > 61 {
            return self.replace_at(i, (a, b), x);
        }
        let [alive, first] = self.flags.block(i);
        if alive >> s & 1 == 0 || self.code(i) != a {
            return false;
        }
        // The node after a live byte is the next position, and live.
        if first >> (s + 1) & 1 != 0 || self.code(i + 1) != b {
            return false;
        }
        if first >> s & 1 == 0 {
            let below = alive & ((1u64 << s) - 1);
            let h = if below != 0 {
                i - s + 63 - below.leading_zeros() as usize
            } else {
                self.flags.prev_alive(i)
            };
            self.move_left(h, a, x);
        }
        if first >> (s + 2) & 1 == 0 {
            self.move_right(i + 2, b, x);
        }
        self.write(i, i + 1, x);
        true
    }

    /// Moves the live nodes together (in place: the write position never passes the
    /// read position), records the new starts and lengths, and returns the arena's
    /// new length. A symbol's first node is always live, so its new start is the
    /// number of live nodes before its old start.
    pub(super) fn compact(&mut self, starts: &mut [u32], lens: &mut [u32]) -> usize {
        let mut w = 0usize;
        let mut next_start = starts.iter_mut().peekable();
        for (k, word) in self.flags.0.iter().enumerate() {
            let base = k * 64;
            while let Some(s) = next_start.peek_mut() {
                let at = **s as usize;
                if at >= base + 64 {
                    break;
                }
                let below = if at > base {
                    word[ALIVE] & ((1u64 << (at - base)) - 1)
                } else {
                    0
                };
                **s = (w + below.count_ones() as usize) as u32;
                next_start.next();
            }
            let mut bits = word[ALIVE];
            while bits != 0 {
                let i = base + bits.trailing_zeros() as usize;
                bits &= bits - 1;
                let Some(&c) = self.val.get(i) else { break };
                if let Some(d) = self.val.get_mut(w) {
                    *d = c;
                }
                w += 1;
            }
        }
        for (k, len) in lens.iter_mut().enumerate() {
            let start = starts.get(k).copied().unwrap_or(0);
            let end = starts.get(k + 1).map_or(w as u32, |&s| s);
            *len = end - start;
        }
        w
    }
}

/// Counts all pairs of `arena` (`build_initial_token_table()`) and lists, in
/// `list`/`listed`, the positions of those above the threshold, in one array; returns
/// the profits, that array and the threshold. All nodes are live and one byte here,
/// so the arena is read as one string; the pairs across symbol boundaries are taken
/// out of the profits, and left in the lists, where [`State::replace_at`] rejects
/// them.
///
/// Only the pairs that occur are visited (a bitmap of them, in pair order), not all
/// 65,536: a small table (a module's, or a fuzzer's round trip) costs in proportion
/// to its size. The counts are kept in `list` until they become list lengths.
fn first_lists(
    arena: &[u8],
    starts: &[u32],
    divisor: i32,
    list: &mut [(u32, u32)],
    listed: &mut [bool],
) -> (Profit, Vec<u32>, i32) {
    let pairs = || {
        arena
            .iter()
            .zip(arena.iter().skip(1))
            .map(|(&a, &b)| pair(a, b))
    };
    // One bit per pair that occurs; word `w` covers the pairs of block `w` of
    // `Profit`, which the stale bits below rely on.
    const _: () = assert!(BLOCK == 64);
    let mut seen = [0u64; 0x10000 / BLOCK];
    for p in pairs() {
        if let Some(c) = list.get_mut(p) {
            c.1 += 1;
        }
        if let Some(w) = seen.get_mut(p / 64) {
            *w |= 1 << (p % 64);
        }
    }
    let occurring = || {
        seen.iter().enumerate().flat_map(|(w, &bits)| {
            let mut bits = bits;
            core::iter::from_fn(move || {
                (bits != 0).then(|| {
                    let p = w * 64 + bits.trailing_zeros() as usize;
                    bits &= bits - 1;
                    p
                })
            })
        })
    };
    let mut profit = zeroed_profits();
    for p in occurring() {
        if let (Some(pr), Some(c)) = (profit.get_mut(p), list.get(p)) {
            *pr = c.1 as i32;
        }
    }
    for &s in starts.iter().skip(1) {
        let s = s as usize;
        if let (Some(&a), Some(&b)) = (arena.get(s.wrapping_sub(1)), arena.get(s)) {
            if let Some(pr) = profit.get_mut(pair(a, b)) {
                *pr -= 1;
            }
        }
    }
    let top = occurring()
        .map(|p| profit.get(p).copied().unwrap_or(0))
        .max()
        .unwrap_or(0);
    let keep = (top / divisor).max(1);
    // Each listed pair's list is laid out in pair order; `list[p].1` counts back up
    // from 0 as it is filled. Unlisted pairs go back to (0, 0).
    let mut sum = 0u32;
    for p in occurring() {
        let pr = profit.get(p).copied().unwrap_or(0);
        if let (Some(l), Some(f)) = (list.get_mut(p), listed.get_mut(p)) {
            let count = l.1;
            if pr >= keep {
                *l = (sum, 0);
                *f = true;
                sum += count;
            } else {
                *l = (0, 0);
            }
        }
    }
    // Room for the positions of the codes made later (one per replacement of a pair
    // with a code in it: 10-20% of the bytes in real and synthetic tables): growing
    // the list would copy it. Fresh memory is zeroed on demand; memory reused from
    // the heap is cleared, so the room stays small.
    let mut store = vec![0u32; sum as usize + arena.len() / 4];
    store.truncate(sum as usize);
    for (i, p) in pairs().enumerate() {
        if listed.get(p).copied().unwrap_or(false) {
            if let Some(l) = list.get_mut(p) {
                if let Some(slot) = store.get_mut((l.0 + l.1) as usize) {
                    *slot = i as u32;
                }
                l.1 += 1;
            }
        }
    }
    let mut stale = [0u64; 0x10000 / BLOCK / 64];
    for (w, &bits) in seen.iter().enumerate() {
        if bits != 0 {
            if let Some(x) = stale.get_mut(w / 64) {
                *x |= 1 << (w % 64);
            }
        }
    }
    (Profit::new(profit, stale), store, keep)
}
