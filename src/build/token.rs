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
//! The kernel rescans every symbol for every code: O(256 x all bytes). Here each pair
//! keeps the list of symbols that contain it, so a round visits only the symbols it
//! changes. A replacement of `ab` by `X` only creates pairs that contain `X`, and `X`
//! never occurred before, so each pair's list is filled once: either in the first count
//! (pairs of original bytes) or in the round that creates its newest code. A list entry
//! may be stale (an earlier round destroyed the pair in that symbol); the symbol is
//! then checked and skipped, exactly as `find_token()` skips it.
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

    /// Appends a symbol made of `kind` and `name`.
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

/// Posting lists of the first count, in one array: pair `p` is
/// `csr[off[p]..off[p + 1]]`.
struct Initial {
    off: Vec<u32>,
    csr: Vec<u32>,
}

impl Initial {
    /// Symbols that contained pair `p` at the start.
    fn list(&self, p: usize) -> &[u32] {
        let lo = self.off.get(p).copied().unwrap_or(0) as usize;
        let hi = self.off.get(p + 1).copied().unwrap_or(0) as usize;
        self.csr.get(lo..hi).unwrap_or_default()
    }
}

/// Posting lists of pairs created by replacements.
struct Later {
    lists: Vec<Vec<u32>>,
    /// Last symbol appended to each pair's list (deduplication).
    last: Vec<u32>,
}

impl Later {
    /// Notes that symbol `s` contains pair `p`, created in this round.
    fn note(&mut self, p: usize, s: u32) {
        if let (Some(l), Some(list)) = (self.last.get_mut(p), self.lists.get_mut(p)) {
            if *l != s {
                *l = s;
                list.push(s);
            }
        }
    }
}

/// Counts the profits of all pairs and builds the first posting lists.
fn count(syms: &Packed, profit: &mut [i32]) -> (Initial, Later) {
    let mut last = vec![u32::MAX; 0x10000];
    let mut count = vec![0u32; 0x10001];
    for s in 0..syms.count() {
        let sym = syms.get(s);
        for (&a, &b) in sym.iter().zip(sym.iter().skip(1)) {
            let p = pair(a, b);
            add(profit, p, 1);
            if let (Some(l), Some(c)) = (last.get_mut(p), count.get_mut(p + 1)) {
                if *l != s as u32 {
                    *l = s as u32;
                    *c += 1;
                }
            }
        }
    }
    // Prefix sums: count[p] becomes the start of pair p's list.
    let mut sum = 0u32;
    for c in count.iter_mut() {
        sum += *c;
        *c = sum;
    }
    let off = count.clone();
    let mut fill = count;
    let mut csr = vec![0u32; sum as usize];
    last.fill(u32::MAX);
    for s in 0..syms.count() {
        let sym = syms.get(s);
        for (&a, &b) in sym.iter().zip(sym.iter().skip(1)) {
            let p = pair(a, b);
            if let (Some(l), Some(f)) = (last.get_mut(p), fill.get_mut(p)) {
                if *l != s as u32 {
                    *l = s as u32;
                    if let Some(slot) = csr.get_mut(*f as usize) {
                        *slot = s as u32;
                    }
                    *f += 1;
                }
            }
        }
    }
    // `last` is shared with the later lists: it is still u32::MAX for every pair that
    // did not occur, and pairs that did occur never get later entries.
    (
        Initial { off, csr },
        Later {
            lists: vec![Vec::new(); 0x10000],
            last,
        },
    )
}

/// Replaces `ab` by `x` in `sym`, greedily from the left without overlap, into `out`.
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

/// Runs the kernel's token optimisation on `syms` in place and returns the table.
pub fn optimize(syms: &mut Packed) -> [Slot; 256] {
    let mut slots = [Slot::Unused; 256];
    for &b in &syms.arena {
        if let Some(s) = slots.get_mut(usize::from(b)) {
            *s = Slot::Byte;
        }
    }
    let mut profit = vec![0i32; 0x10000];
    let (initial, mut later) = count(syms, &mut profit);
    let mut scratch = Vec::with_capacity(crate::KSYM_NAME_LEN);

    for code in (0..=255u8).rev() {
        if slots.get(usize::from(code)) != Some(&Slot::Unused) {
            continue;
        }
        let (p, gain) = best(&profit);
        if gain <= 0 {
            break;
        }
        let (a, b) = ((p & 0xff) as u8, (p >> 8) as u8);
        if let Some(s) = slots.get_mut(usize::from(code)) {
            *s = Slot::Pair(a, b);
        }
        // The pair disappears everywhere, so its lists are never needed again.
        let added = later
            .lists
            .get_mut(p)
            .map(core::mem::take)
            .unwrap_or_default();
        for &s in initial.list(p).iter().chain(&added) {
            compress_one(syms, s, (a, b), code, &mut profit, &mut later, &mut scratch);
        }
    }
    slots
}

/// `compress_symbols()` for one symbol: forget its pairs, replace, learn the new ones.
fn compress_one(
    syms: &mut Packed,
    s: u32,
    (a, b): (u8, u8),
    x: u8,
    profit: &mut [i32],
    lists: &mut Later,
    scratch: &mut Vec<u8>,
) {
    let i = s as usize;
    let (Some(&start), Some(len)) = (syms.start.get(i), syms.len.get_mut(i)) else {
        return;
    };
    let start = start as usize;
    let Some(sym) = syms.arena.get_mut(start..start + *len as usize) else {
        return;
    };
    if !sym
        .iter()
        .zip(sym.iter().skip(1))
        .any(|(&c, &d)| c == a && d == b)
    {
        return;
    }
    for (&c, &d) in sym.iter().zip(sym.iter().skip(1)) {
        add(profit, pair(c, d), -1);
    }
    replace(sym, a, b, x, scratch);
    if let Some(dst) = sym.get_mut(..scratch.len()) {
        dst.copy_from_slice(scratch);
    }
    *len = scratch.len() as u32;
    for (&c, &d) in scratch.iter().zip(scratch.iter().skip(1)) {
        let p = pair(c, d);
        add(profit, p, 1);
        if c == x || d == x {
            lists.note(p, s);
        }
    }
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
    fn all_bytes_used() {
        let all: Vec<u8> = (1..=255u8).collect();
        check(&[&all, b"\x01\x02"]);
    }
}
