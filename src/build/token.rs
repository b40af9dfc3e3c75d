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
//! One corner of `compress_symbols()` is not reproduced because it cannot happen: after
//! the first replacement in a symbol its search window includes the terminating NUL,
//! so a pair whose second byte is 0 could match there. A chosen pair has a non-zero
//! profit, so its bytes occur inside names at a position > 0; byte 0 occurs only as the
//! code of the very last token (after which nothing is searched), because the parser
//! rejects a NUL type character.

use std::vec;
use std::vec::Vec;

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
}

/// `token_profit[]` index of the pair `ab`.
#[inline]
fn pair(a: u8, b: u8) -> usize {
    usize::from(a) | (usize::from(b) << 8)
}

#[inline]
fn add(profit: &mut [i32], p: usize, d: i32) {
    if let Some(v) = profit.get_mut(p) {
        *v += d;
    }
}

/// The pair with the highest profit, the lowest index on ties, and its profit.
fn best(profit: &[i32]) -> (usize, i32) {
    let max = profit.iter().copied().max().unwrap_or(0);
    let at = profit.iter().position(|&v| v == max).unwrap_or(0);
    (at, max)
}

/// Two bitmaps over arena positions, interleaved so that one cache line holds both:
/// live nodes, and first nodes of symbols (plus the end of the arena).
struct Flags(Vec<[u64; 2]>);

const ALIVE: usize = 0;
const FIRST: usize = 1;

impl Flags {
    fn new(n: usize) -> Self {
        Flags(vec![[!0, 0]; n / 64 + 1])
    }

    #[inline]
    fn get(&self, which: usize, i: usize) -> bool {
        self.0
            .get(i / 64)
            .and_then(|w| w.get(which))
            .is_some_and(|w| w >> (i % 64) & 1 != 0)
    }

    #[inline]
    fn set(&mut self, which: usize, i: usize, on: bool) {
        if let Some(w) = self.0.get_mut(i / 64).and_then(|w| w.get_mut(which)) {
            if on {
                *w |= 1 << (i % 64);
            } else {
                *w &= !(1 << (i % 64));
            }
        }
    }

    /// The live node before `i`, which must not be the first of its symbol.
    #[inline]
    fn prev_alive(&self, i: usize) -> usize {
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

/// Lists are kept for pairs whose count is at least the best profit divided by this.
const KEEP_DIVISOR: i32 = 64;

/// The working state of [`optimize`].
struct State<'a> {
    /// The arena: the code of each live node (dead nodes keep stale values).
    val: &'a mut [u8],
    /// Live nodes and first nodes.
    flags: Flags,
    /// What each code stands for.
    slots: [Slot; 256],
    /// Expansion length of every code.
    explen: [u16; 256],
    /// `token_profit[]`.
    profit: Vec<i32>,
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

impl State<'_> {
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

    /// Counts all pairs (`build_initial_token_table()`) and lists the positions of
    /// those above the threshold, in one array. All nodes are live and one byte here,
    /// so the arena is read as one string; the pairs across symbol boundaries are
    /// taken out of the profits, and left in the lists, where [`State::replace_at`]
    /// rejects them.
    fn first_lists(&mut self, starts: &[u32]) {
        let arena = &*self.val;
        let pairs = || {
            arena
                .iter()
                .zip(arena.iter().skip(1))
                .map(|(&a, &b)| pair(a, b))
        };
        let mut count = vec![0u32; 0x10000];
        for p in pairs() {
            if let Some(c) = count.get_mut(p) {
                *c += 1;
            }
        }
        let mut profit = core::mem::take(&mut self.profit);
        for (pr, &c) in profit.iter_mut().zip(&count) {
            *pr = c as i32;
        }
        for &s in starts.iter().skip(1) {
            let s = s as usize;
            if let (Some(&a), Some(&b)) = (arena.get(s.wrapping_sub(1)), arena.get(s)) {
                add(&mut profit, pair(a, b), -1);
            }
        }
        self.keep = (best(&profit).1 / self.divisor).max(1);
        let mut sum = 0u32;
        for (p, (&pr, c)) in profit.iter().zip(count.iter_mut()).enumerate() {
            if pr >= self.keep {
                if let (Some(l), Some(f)) = (self.list.get_mut(p), self.listed.get_mut(p)) {
                    *l = (sum, *c);
                    *f = true;
                }
                let len = *c;
                *c = sum;
                sum += len;
            } else {
                *c = u32::MAX;
            }
        }
        // `count` now holds each listed pair's fill position, u32::MAX for others.
        let mut store = vec![0u32; sum as usize];
        for (i, p) in pairs().enumerate() {
            if let Some(f) = count.get_mut(p) {
                if *f != u32::MAX {
                    if let Some(slot) = store.get_mut(*f as usize) {
                        *slot = i as u32;
                    }
                    *f += 1;
                }
            }
        }
        self.profit = profit;
        self.store = store;
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
                    && self.profit.get(p).copied().unwrap_or(0) >= self.keep
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
        if self.is_byte(a) && self.is_byte(b) {
            if !self.listed.get(p).copied().unwrap_or(false) {
                self.rescan(self.profit.get(p).copied().unwrap_or(0));
            }
            // The list is used up here: `x` goes where the pair was replaced.
            let (start, count) = self.list.get(p).copied().unwrap_or((0, 0));
            let mut w = start as usize;
            for k in start as usize..(start + count) as usize {
                let i = self.at(k);
                if self.replace_at(i, (a, b), x) {
                    self.put(w, i);
                    w += 1;
                }
            }
            self.set_seg(x, start as usize, w);
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
        for k in start as usize..(start + count) as usize {
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
        let at = self.store.len();
        self.store.extend_from_slice(&made);
        self.set_seg(x, at, self.store.len());
    }

    fn set_seg(&mut self, code: u8, start: usize, end: usize) {
        if let Some(s) = self.seg.get_mut(usize::from(code)) {
            *s = (start as u32, (end - start) as u32);
        }
    }

    /// Replaces the pair `ab` at node `i` by `x` if it is there, updating the profits
    /// of the pairs around it (`forget_symbol()`/`learn_symbol()` in effect).
    fn replace_at(&mut self, i: usize, (a, b): (u8, u8), x: u8) -> bool {
        if !self.flags.get(ALIVE, i) || self.code(i) != a {
            return false;
        }
        let j = i + self.len(a);
        if self.flags.get(FIRST, j) || self.code(j) != b {
            return false;
        }
        let k = j + self.len(b);
        add(&mut self.profit, pair(a, b), -1);
        if !self.flags.get(FIRST, i) {
            let v = self.code(self.flags.prev_alive(i));
            add(&mut self.profit, pair(v, a), -1);
            add(&mut self.profit, pair(v, x), 1);
        }
        if !self.flags.get(FIRST, k) {
            let v = self.code(k);
            add(&mut self.profit, pair(b, v), -1);
            add(&mut self.profit, pair(x, v), 1);
        }
        if let Some(c) = self.val.get_mut(i) {
            *c = x;
        }
        self.flags.set(ALIVE, j, false);
        true
    }

    /// Moves the live nodes together (in place: the write position never passes the
    /// read position), records the new starts and lengths, and returns the arena's
    /// new length. A symbol's first node is always live, so its new start is the
    /// number of live nodes before its old start.
    fn compact(&mut self, starts: &mut [u32], lens: &mut [u32]) -> usize {
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

/// Runs the kernel's token optimisation on `syms` in place and returns the table.
pub fn optimize(syms: &mut Packed) -> [Slot; 256] {
    optimize_with(syms, KEEP_DIVISOR)
}

/// [`optimize`] with a given list threshold divisor (tests force rescans).
fn optimize_with(syms: &mut Packed, divisor: i32) -> [Slot; 256] {
    let mut slots = [Slot::Unused; 256];
    for &b in &syms.arena {
        if let Some(s) = slots.get_mut(usize::from(b)) {
            *s = Slot::Byte;
        }
    }
    let n = syms.arena.len();
    let mut flags = Flags::new(n);
    for &s in &syms.start {
        flags.set(FIRST, s as usize, true);
    }
    flags.set(FIRST, n, true);
    let mut st = State {
        val: &mut syms.arena,
        flags,
        slots,
        explen: [1; 256],
        profit: vec![0; 0x10000],
        store: Vec::new(),
        list: vec![(0, 0); 0x10000],
        listed: vec![false; 0x10000],
        seg: [(0, 0); 256],
        keep: 1,
        divisor,
    };
    st.first_lists(&syms.start);

    // optimize_result().
    for code in (0..=255u8).rev() {
        if st.slots.get(usize::from(code)) != Some(&Slot::Unused) {
            continue;
        }
        let (p, gain) = best(&st.profit);
        if gain <= 0 {
            break;
        }
        let (a, b) = ((p & 0xff) as u8, (p >> 8) as u8);
        if let Some(s) = st.slots.get_mut(usize::from(code)) {
            *s = Slot::Pair(a, b);
        }
        let len = st.len(a) + st.len(b);
        if let Some(e) = st.explen.get_mut(usize::from(code)) {
            *e = len as u16;
        }
        st.round((a, b), code);
    }
    let used = st.compact(&mut syms.start, &mut syms.len);
    let slots = st.slots;
    syms.arena.truncate(used);
    slots
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::format;

    /// Replaces `ab` by `x` greedily from the left without overlap (`compress_symbols()`).
    fn replace(sym: &[u8], a: u8, b: u8, x: u8, out: &mut Vec<u8>) {
        out.clear();
        let mut it = sym.iter().copied().peekable();
        while let Some(c) = it.next() {
            if c == a && it.peek() == Some(&b) {
                it.next();
                out.push(x);
            } else {
                out.push(c);
            }
        }
    }

    /// The kernel's algorithm, literally (O(256 x bytes)), as an oracle.
    fn reference(syms: &mut Vec<Vec<u8>>) -> [Slot; 256] {
        let mut slots = [Slot::Unused; 256];
        let mut profit = vec![0i32; 0x10000];
        for s in syms.iter() {
            for w in s.windows(2) {
                profit[pair(w[0], w[1])] += 1;
                slots[w[0] as usize] = Slot::Byte;
            }
            for &c in s {
                slots[c as usize] = Slot::Byte;
            }
        }
        for code in (0..=255u8).rev() {
            if slots[code as usize] != Slot::Unused {
                continue;
            }
            let mut bestp = 0;
            let mut bestv = -10000;
            for (i, &v) in profit.iter().enumerate() {
                if v > bestv {
                    bestv = v;
                    bestp = i;
                }
            }
            if profit[bestp] == 0 {
                break;
            }
            let (a, b) = ((bestp & 0xff) as u8, (bestp >> 8) as u8);
            slots[code as usize] = Slot::Pair(a, b);
            for s in syms.iter_mut() {
                if !s.windows(2).any(|w| w == [a, b]) {
                    continue;
                }
                for w in s.windows(2) {
                    profit[pair(w[0], w[1])] -= 1;
                }
                let mut out = Vec::new();
                replace(s, a, b, code, &mut out);
                *s = out;
                for w in s.windows(2) {
                    profit[pair(w[0], w[1])] += 1;
                }
            }
        }
        slots
    }

    fn check(names: &[&[u8]]) {
        let mut packed = Packed::default();
        let mut plain = Vec::new();
        for n in names {
            packed.push(b'T', n);
            let mut v = vec![b'T'];
            v.extend_from_slice(n);
            plain.push(v);
        }
        let want = reference(&mut plain.clone());
        for divisor in [1, 2, 64, i32::MAX] {
            let mut p = packed.clone();
            assert_eq!(optimize_with(&mut p, divisor), want, "divisor {divisor}");
        }
        let slots = optimize(&mut packed);
        let want = reference(&mut plain);
        assert_eq!(slots, want);
        for (i, p) in plain.iter().enumerate() {
            assert_eq!(packed.get(i), &p[..]);
        }
        let text = expand_all(&slots);
        for (i, n) in names.iter().enumerate() {
            let mut e = Vec::new();
            for &c in packed.get(i) {
                e.extend_from_slice(&text[c as usize]);
            }
            assert_eq!(e.first(), Some(&b'T'), "{:?} {:?}", packed.get(i), n);
            assert_eq!(&e[1..], *n);
        }
    }

    #[test]
    fn matches_reference() {
        check(&[b"aaaa", b"aaa", b"abab", b"ba"]);
        check(&[b"", b"x"]);
        check(&[]);
        check(&[
            b"do_sys_open",
            b"do_sys_openat2",
            b"__x64_sys_open",
            b"__ia32_sys_open",
            b"sys_close",
            b"vfs_open",
            b"vfs_read",
            b"vfs_write",
        ]);
        let many: Vec<Vec<u8>> = (0..300u32)
            .map(|i| format!("sym_{}_{}", i % 17, i * 7919 % 1000).into_bytes())
            .collect();
        let refs: Vec<&[u8]> = many.iter().map(|v| &v[..]).collect();
        check(&refs);
    }

    #[test]
    fn random_small_alphabets() {
        // xorshift: deterministic, no dependency.
        let mut x = 0x2545_f491_4f6c_dd1du64;
        let mut rnd = move |n: u64| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x % n
        };
        for round in 0..200 {
            let alphabet = 1 + rnd(6) as u8;
            let count = 1 + rnd(40) as usize;
            let names: Vec<Vec<u8>> = (0..count)
                .map(|_| {
                    let len = rnd(24) as usize;
                    (0..len)
                        .map(|_| b'a' + rnd(u64::from(alphabet)) as u8)
                        .collect()
                })
                .collect();
            let refs: Vec<&[u8]> = names.iter().map(|v| &v[..]).collect();
            let _ = round;
            check(&refs);
        }
    }

    #[test]
    fn all_bytes_used() {
        let all: Vec<u8> = (1..=255u8).collect();
        check(&[&all, b"\x01\x02"]);
    }
}
