// SPDX-License-Identifier: GPL-2.0-only OR MIT
//! An optional, smaller token table: [`Built::optimized`] (`kallsyms build
//! --optimize`).
//!
//! The kernel decoder, `kallsyms_expand_symbol()` in `kernel/kallsyms.c`, only
//! concatenates token strings: it does not care how the 256 tokens were made. So any
//! 256 strings work, as long as they contain no NUL, every byte value that occurs in
//! some symbol (type characters included) is a one-byte token, and each name is a
//! sequence of token codes. The markers, offsets and `kallsyms_seqs_of_names` do not
//! change; only `kallsyms_names`, `kallsyms_token_table` and `kallsyms_token_index`
//! (and the markers' values, which follow the names) do.
//!
//! # Approach
//!
//! - Start from the kernel's table (each code's full text, see
//!   [`Built::token`]) and parse every symbol optimally: a shortest-path dynamic
//!   program over the positions of the symbol, walking a trie of the tokens, minimises
//!   the number of codes (which minimises the record's bytes, the length prefix being
//!   monotone in it). That alone saves about 2%.
//! - Then a local search swaps tokens. The one-byte tokens of occurring bytes are
//!   fixed; any other code may be replaced. A candidate new token is the text of a
//!   run of 2 to 5 adjacent codes of the current parses (counts kept up to date as
//!   symbols are re-parsed: a flat table for pairs, a hash map for longer runs);
//!   merging the occurrences of a run of `n` codes saves about `(n - 1)` codes each.
//!   The cost of dropping a code is at most its number of uses times (the length of
//!   the best parse of its text without it, minus one). Each step takes the
//!   candidates with the largest estimated saving, and for each the cheapest code to
//!   drop (not one of the run's own), while the saving exceeds half that cost; it
//!   swaps them, re-parses only the symbols that used the dropped code or contain
//!   the new text, and keeps the swap only if the total size of `kallsyms_names`
//!   went down (otherwise the candidate text is remembered as rejected). The search
//!   stops when no candidate is worth a try, or after a given number of steps.
//!
//! Everything is deterministic (candidates are ordered by saving, then by their
//! codes; the longest token wins ties in the parse).
//!
//! # Results
//!
//! On the fixtures of `tests/data` (`kallsyms_names` bytes, the kernel tool's
//! against this; the time of [`Built::optimized`] alone, opt-level 2, on a shared 2-core
//! machine):
//!
//! | set | kernel tool | optimized | saved | `token_table` | time |
//! |---|---|---|---|---|---|
//! | `debian-6.1.176-amd64` | 1,221,392 | 1,103,801 | 9.63% | 914 -> 1,147 | 2.0 s |
//! | `linux-6.12-clang19-thinlto-x86_64` | 2,671,219 | 2,399,808 | 10.16% | 907 -> 1,122 | 3.5 s |
//! | `rust-v0-symbols` | 189,867 | 115,151 | 39.35% | 1,524 -> 2,673 | 0.8 s |
//!
//! (Re-parsing alone, with the kernel's own tokens, saves 1.8% on the Debian set.)

use core::hash::{BuildHasherDefault, Hasher};
use std::collections::{HashMap, HashSet};
use std::vec;
use std::vec::Vec;

use super::token::Packed;
use super::{Built, Slot};

/// Default number of search steps of [`Built::optimized`] (the search usually stops
/// long before).
pub const DEFAULT_ROUNDS: usize = 5000;

/// Longest token the search makes (256 of them must fit the `u16` offsets of
/// `kallsyms_token_index`).
const MAX_TOKEN: usize = 200;

/// Candidates tried per search step, at most.
const TOP: usize = 256;

/// A swap is tried (and checked exactly) when the candidate's estimated saving
/// exceeds this percentage of the estimated (upper bound) cost of the drop.
const RELAX: i64 = 50;

/// Longest run of codes whose text is a candidate token.
const MAX_GRAM: usize = 5;

/// A multiplicative hash for the `u64` keys of the n-gram counts (the default
/// SipHash is several times slower here; iteration order never matters, the
/// candidates are sorted).
#[derive(Default)]
struct Fx(u64);

impl Hasher for Fx {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }

    fn write_u64(&mut self, v: u64) {
        self.0 = (self.0.rotate_left(5) ^ v).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

/// A byte-indexed trie of the tokens; node 0 is the root.
struct Trie {
    /// Children of each node (0: none).
    next: Vec<[u16; 256]>,
    /// The code whose token ends at each node (-1: none).
    term: Vec<i16>,
}

impl Trie {
    fn new(tokens: &[Vec<u8>]) -> Self {
        let mut t = Trie {
            next: vec![[0; 256]],
            term: vec![-1],
        };
        for (code, tok) in tokens.iter().enumerate() {
            t.insert(tok, code as i16);
        }
        t
    }

    /// Node of `s`, created when `create`.
    fn node(&mut self, s: &[u8], create: bool) -> Option<usize> {
        let mut n = 0usize;
        for &b in s {
            let c = self
                .next
                .get(n)
                .and_then(|x| x.get(usize::from(b)))
                .copied()
                .unwrap_or(0);
            n = if c != 0 {
                usize::from(c)
            } else if create {
                let id = self.next.len();
                if let Some(x) = self.next.get_mut(n).and_then(|x| x.get_mut(usize::from(b))) {
                    *x = id as u16;
                }
                self.next.push([0; 256]);
                self.term.push(-1);
                id
            } else {
                return None;
            };
        }
        Some(n)
    }

    fn insert(&mut self, s: &[u8], code: i16) {
        if s.is_empty() {
            return;
        }
        if let Some(n) = self.node(s, true) {
            if let Some(t) = self.term.get_mut(n) {
                *t = code;
            }
        }
    }

    fn remove(&mut self, s: &[u8]) {
        if s.is_empty() {
            return;
        }
        if let Some(n) = self.node(s, false) {
            if let Some(t) = self.term.get_mut(n) {
                *t = -1;
            }
        }
    }

    /// Optimal parse of `s` into `out` (cleared first), never using code `skip`;
    /// returns the number of codes, or `None` when `s` cannot be parsed. `cost` and
    /// `pick` are scratch space.
    fn parse(
        &self,
        s: &[u8],
        skip: i16,
        cost: &mut Vec<u32>,
        pick: &mut Vec<(u8, u16)>,
        out: &mut Vec<u8>,
    ) -> Option<usize> {
        const INF: u32 = u32::MAX / 2;
        let n = s.len();
        cost.clear();
        cost.resize(n + 1, INF);
        pick.clear();
        pick.resize(n, (0, 0));
        if let Some(c) = cost.get_mut(n) {
            *c = 0;
        }
        for i in (0..n).rev() {
            let mut best = INF;
            let mut choice = (0u8, 0u16);
            let mut node = 0usize;
            for (d, &b) in s.get(i..).unwrap_or_default().iter().enumerate() {
                let c = self
                    .next
                    .get(node)
                    .and_then(|x| x.get(usize::from(b)))
                    .copied()
                    .unwrap_or(0);
                if c == 0 {
                    break;
                }
                node = usize::from(c);
                let code = self.term.get(node).copied().unwrap_or(-1);
                if code >= 0 && code != skip {
                    let v = cost.get(i + d + 1).copied().unwrap_or(INF) + 1;
                    // `<=`: the longest token wins ties.
                    if v <= best {
                        best = v;
                        choice = (code as u8, (d + 1) as u16);
                    }
                }
            }
            if let Some(c) = cost.get_mut(i) {
                *c = best;
            }
            if let Some(p) = pick.get_mut(i) {
                *p = choice;
            }
        }
        if cost.first().copied().unwrap_or(INF) >= INF {
            return None;
        }
        out.clear();
        let mut i = 0;
        while i < n {
            let (code, len) = pick.get(i).copied().unwrap_or((0, 1));
            out.push(code);
            i += usize::from(len.max(1));
        }
        Some(out.len())
    }
}

/// Bytes of one `kallsyms_names` record of `codes` codes.
fn record_bytes(codes: usize) -> u64 {
    codes as u64 + if codes <= 0x7f { 1 } else { 2 }
}

/// Adds (`add`) or removes the non-overlapping adjacent pairs of `codes` to `pairs`
/// (in a run `aaa` only the first `aa` counts).
fn count_pairs(pairs: &mut [i64], codes: &[u8], add: bool) {
    let mut last: Option<usize> = None;
    for (i, (&a, &b)) in codes.iter().zip(codes.iter().skip(1)).enumerate() {
        if a == b && last.is_some_and(|l| l + 1 == i) {
            // Overlaps the pair counted at i - 1 (`aaa`).
            last = None;
            continue;
        }
        let k = usize::from(a) << 8 | usize::from(b);
        if let Some(p) = pairs.get_mut(k) {
            *p += if add { 1 } else { -1 };
        }
        last = (a == b).then_some(i);
    }
}

/// The search state: the symbols' text and their current parses.
struct Search {
    text: Vec<u8>,
    start: Vec<u32>,
    len: Vec<u32>,
    /// Codes of symbol `i` at `parse[start[i] ..][.. plen[i]]`.
    parse: Vec<u8>,
    plen: Vec<u32>,
    tokens: Vec<Vec<u8>>,
    fixed: [bool; 256],
    trie: Trie,
    uses: [i64; 256],
    pairs: Vec<i64>,
    /// Runs of 3 to [`MAX_GRAM`] adjacent codes (their number, then the codes, a
    /// byte each, in a `u64`), overlaps included.
    grams: HashMap<u64, i64, BuildHasherDefault<Fx>>,
    /// Longest run counted in `grams`.
    max_gram: usize,
    total: u64,
    cost: Vec<u32>,
    pick: Vec<(u8, u16)>,
    tmp: Vec<u8>,
}

impl Search {
    fn codes(&self, i: usize) -> &[u8] {
        let s = self.start.get(i).copied().unwrap_or(0) as usize;
        let l = self.plen.get(i).copied().unwrap_or(0) as usize;
        self.parse.get(s..s + l).unwrap_or_default()
    }

    /// Parses symbol `i` with the current tokens into `self.tmp`.
    fn parse_into_tmp(&mut self, i: usize) -> Option<usize> {
        let s = self.start.get(i).copied().unwrap_or(0) as usize;
        let l = self.len.get(i).copied().unwrap_or(0) as usize;
        let name = self.text.get(s..s + l).unwrap_or_default();
        self.trie
            .parse(name, -1, &mut self.cost, &mut self.pick, &mut self.tmp)
    }

    /// Stores `self.tmp` as the parse of symbol `i`.
    fn store_tmp(&mut self, i: usize) {
        let s = self.start.get(i).copied().unwrap_or(0) as usize;
        let n = self.tmp.len();
        if let Some(d) = self.parse.get_mut(s..s + n) {
            d.copy_from_slice(&self.tmp);
        }
        if let Some(p) = self.plen.get_mut(i) {
            *p = n as u32;
        }
    }

    /// Adds or removes symbol `i`'s parse to the statistics.
    fn account(&mut self, i: usize, add: bool) {
        let s = self.start.get(i).copied().unwrap_or(0) as usize;
        let l = self.plen.get(i).copied().unwrap_or(0) as usize;
        let codes = self.parse.get(s..s + l).unwrap_or_default();
        for &c in codes {
            if let Some(u) = self.uses.get_mut(usize::from(c)) {
                *u += if add { 1 } else { -1 };
            }
        }
        count_pairs(&mut self.pairs, codes, add);
        for n in 3..=self.max_gram {
            for w in codes.windows(n) {
                let k = w.iter().fold(0, |k, &c| k << 8 | u64::from(c)) | (n as u64) << 56;
                let e = self.grams.entry(k).or_insert(0);
                *e += if add { 1 } else { -1 };
                if *e == 0 {
                    self.grams.remove(&k);
                }
            }
        }
        let b = record_bytes(l);
        if add {
            self.total += b;
        } else {
            self.total -= b;
        }
    }

    /// What dropping each code costs at most: its uses times (the codes of the best
    /// parse of its text without it, minus one). `None` for fixed codes.
    fn drop_costs(&mut self) -> Vec<Option<i64>> {
        let mut out = vec![None; 256];
        for (code, o) in out.iter_mut().enumerate() {
            if self.fixed.get(code).copied().unwrap_or(true) {
                continue;
            }
            let tok = self.tokens.get(code).cloned().unwrap_or_default();
            if tok.is_empty() {
                *o = Some(0);
                continue;
            }
            let mut scratch = Vec::new();
            if let Some(k) = self.trie.parse(
                &tok,
                code as i16,
                &mut self.cost,
                &mut self.pick,
                &mut scratch,
            ) {
                *o = Some(self.uses.get(code).copied().unwrap_or(0) * (k as i64 - 1));
            }
        }
        out
    }

    /// Symbols that use `code` or contain `text`, ascending.
    fn affected(&self, code: u8, text: &[u8]) -> Vec<usize> {
        let mut v: Vec<usize> = (0..self.start.len())
            .filter(|&i| memchr::memchr(code, self.codes(i)).is_some())
            .collect();
        let finder = memchr::memmem::Finder::new(text);
        let mut last = usize::MAX;
        for pos in finder.find_iter(&self.text) {
            // The symbol holding `pos`: the last start <= pos.
            let i = self
                .start
                .partition_point(|&s| s as usize <= pos)
                .saturating_sub(1);
            if i == last {
                continue;
            }
            let s = self.start.get(i).copied().unwrap_or(0) as usize;
            let l = self.len.get(i).copied().unwrap_or(0) as usize;
            if pos + text.len() <= s + l {
                v.push(i);
                last = i;
            }
        }
        v.sort_unstable();
        v.dedup();
        v
    }

    /// Replaces the token of `code` with `text` if that makes `kallsyms_names`
    /// smaller; returns whether it did.
    fn try_swap(&mut self, code: u8, text: Vec<u8>) -> bool {
        let affected = self.affected(code, &text);
        let Some(slot) = self.tokens.get_mut(usize::from(code)) else {
            return false;
        };
        let old_tok = core::mem::replace(slot, text.clone());
        self.trie.remove(&old_tok);
        self.trie.insert(&text, i16::from(code));

        let mut old_bytes = 0u64;
        let mut new_bytes = 0u64;
        let mut new_parses: Vec<u8> = Vec::new();
        let mut new_lens: Vec<usize> = Vec::with_capacity(affected.len());
        let mut ok = true;
        for &i in &affected {
            old_bytes += record_bytes(self.codes(i).len());
            match self.parse_into_tmp(i) {
                Some(n) => {
                    new_bytes += record_bytes(n);
                    new_parses.extend_from_slice(&self.tmp);
                    new_lens.push(n);
                }
                None => {
                    ok = false;
                    break;
                }
            }
        }
        if !ok || new_bytes >= old_bytes {
            self.trie.remove(&text);
            self.trie.insert(&old_tok, i16::from(code));
            if let Some(slot) = self.tokens.get_mut(usize::from(code)) {
                *slot = old_tok;
            }
            return false;
        }
        let mut at = 0;
        for (&i, &n) in affected.iter().zip(&new_lens) {
            let new = new_parses.get(at..at + n).unwrap_or_default();
            at += n;
            if self.codes(i) == new {
                // Same codes, same statistics.
                continue;
            }
            self.account(i, false);
            self.tmp.clear();
            self.tmp.extend_from_slice(new);
            self.store_tmp(i);
            self.account(i, true);
        }
        true
    }
}

impl Built {
    /// Total bytes of `kallsyms_names` (length prefixes and codes).
    pub fn names_bytes(&self) -> u64 {
        (0..self.len())
            .map(|i| record_bytes(self.compressed(i).len()))
            .sum()
    }

    /// Total bytes of `kallsyms_token_table` (256 NUL-terminated tokens).
    pub fn token_table_bytes(&self) -> u64 {
        (0..=255u8).map(|c| self.token(c).len() as u64 + 1).sum()
    }

    /// The same table with a token table chosen for size rather than by the kernel's
    /// algorithm (see the [module documentation](self)): every name still decodes
    /// with the kernel's unmodified `kallsyms_expand_symbol()`, and
    /// [`Built::write_asm`], [`Built::asm`] and [`Built::owned_table`] write the new
    /// tables. At most `rounds` search steps are taken ([`DEFAULT_ROUNDS`]; 0 only
    /// re-parses the names optimally with the kernel's tokens).
    ///
    /// In the result, [`Built::slots`] marks the one-byte tokens as
    /// [`Slot::Byte`] and every other code as [`Slot::Unused`]: its tokens are not
    /// pairs; read them with [`Built::token`].
    pub fn optimized(&self, rounds: usize) -> Built {
        let n = self.len();
        let mut text = Vec::new();
        let mut start = Vec::with_capacity(n);
        let mut len = Vec::with_capacity(n);
        for s in self.symbols() {
            start.push(text.len() as u32);
            text.push(s.kind);
            text.extend_from_slice(s.name);
            len.push(s.name.len() as u32 + 1);
        }
        let mut occurs = [false; 256];
        for &b in &text {
            if let Some(o) = occurs.get_mut(usize::from(b)) {
                *o = true;
            }
        }
        let tokens: Vec<Vec<u8>> = (0..=255u8).map(|c| self.token(c).to_vec()).collect();
        let mut fixed = [false; 256];
        let mut have = [false; 256];
        for (t, f) in tokens.iter().zip(fixed.iter_mut()) {
            if let [b] = t[..] {
                let b = usize::from(b);
                if let (Some(&true), Some(h)) = (occurs.get(b), have.get_mut(b)) {
                    *f = !*h;
                    *h = true;
                }
            }
        }
        if occurs.iter().zip(&have).any(|(&o, &h)| o && !h) {
            // Not a table of this crate's builder: leave it as it is.
            return self.clone();
        }
        let trie = Trie::new(&tokens);
        let mut st = Search {
            parse: vec![0; text.len()],
            plen: vec![0; n],
            text,
            start,
            len,
            tokens,
            fixed,
            trie,
            uses: [0; 256],
            pairs: vec![0; 1 << 16],
            grams: HashMap::default(),
            max_gram: MAX_GRAM,
            total: 0,
            cost: Vec::new(),
            pick: Vec::new(),
            tmp: Vec::new(),
        };
        for i in 0..n {
            if st.parse_into_tmp(i).is_none() {
                return self.clone();
            }
            st.store_tmp(i);
            st.account(i, true);
        }

        let mut rejected: HashSet<Vec<u8>> = HashSet::new();
        let mut step = 0;
        'search: while step < rounds {
            let drops = st.drop_costs();
            // No candidate saving this little is tried (see below).
            let Some(floor) = drops.iter().flatten().min().map(|&l| l * RELAX / 100) else {
                break;
            };
            // Candidate runs, best first.
            let mut cands: Vec<(i64, u8, [u8; 7])> = st
                .pairs
                .iter()
                .enumerate()
                .filter(|&(_, &c)| c > floor)
                .map(|(k, &c)| (c, 2, [(k >> 8) as u8, k as u8, 0, 0, 0, 0, 0]))
                .collect();
            cands.extend(st.grams.iter().filter_map(|(&k, &c)| {
                let n = (k >> 56) as usize;
                let gain = (n as i64 - 1) * c;
                if gain <= floor {
                    return None;
                }
                let mut codes = [0u8; 7];
                for (j, x) in codes.iter_mut().take(n).enumerate() {
                    *x = (k >> (8 * (n - 1 - j))) as u8;
                }
                Some((gain, n as u8, codes))
            }));
            let order = |x: &(i64, u8, [u8; 7]), y: &(i64, u8, [u8; 7])| {
                y.0.cmp(&x.0).then(x.1.cmp(&y.1)).then(x.2.cmp(&y.2))
            };
            if cands.len() > TOP {
                cands.select_nth_unstable_by(TOP, order);
                cands.truncate(TOP);
            }
            cands.sort_unstable_by(order);
            for &(gain, len, codes) in &cands {
                let parts = codes.get(..usize::from(len)).unwrap_or_default();
                let mut t = Vec::new();
                for &c in parts {
                    t.extend_from_slice(st.tokens.get(usize::from(c)).map_or(&[][..], |x| x));
                }
                if t.len() > MAX_TOKEN
                    || t.contains(&0)
                    || rejected.contains(&t)
                    || st.tokens.contains(&t)
                {
                    continue;
                }
                // The cheapest code to drop, other than the pair's own.
                let victim = drops
                    .iter()
                    .enumerate()
                    .filter(|&(c, d)| d.is_some() && !parts.contains(&(c as u8)))
                    .min_by_key(|&(c, d)| (d.unwrap_or(i64::MAX), c))
                    .map(|(c, d)| (c as u8, d.unwrap_or(i64::MAX)));
                let Some((victim, loss)) = victim else {
                    break 'search;
                };
                if gain * 100 <= loss * RELAX {
                    // Sorted: no later candidate saves more.
                    break 'search;
                }
                step += 1;
                if st.try_swap(victim, t.clone()) {
                    continue 'search;
                }
                rejected.insert(t);
            }
            break;
        }

        // The result: same symbols, new names and tokens.
        let mut names = Packed::with_capacity(n, st.text.len());
        for i in 0..n {
            let c = st.codes(i);
            names.start.push(names.arena.len() as u32);
            names.len.push(c.len() as u32);
            names.arena.extend_from_slice(c);
        }
        let mut slots = [Slot::Unused; 256];
        for (s, &f) in slots.iter_mut().zip(&st.fixed) {
            if f {
                *s = Slot::Byte;
            }
        }
        let mut out = self.clone();
        out.names = names;
        out.tokens = st.tokens;
        out.slots = slots;
        out
    }
}

#[cfg(test)]
mod tests {
    use super::super::{build, parse_map, Options, ParseMode};
    use super::*;
    use std::format;
    use std::string::String;

    /// The names of `b`, decoded by concatenating token texts as the kernel does.
    fn decode(b: &Built) -> Vec<Vec<u8>> {
        (0..b.len())
            .map(|i| {
                b.compressed(i)
                    .iter()
                    .flat_map(|&c| b.token(c).to_vec())
                    .collect()
            })
            .collect()
    }

    #[test]
    fn smaller_and_decodes() {
        let mut map = String::from("ffffffff81000000 T _text\n");
        for i in 0..400u32 {
            map += &format!(
                "ffffffff81{:06x} t __pfx_driver_probe_device_{}_{}\n",
                i * 16 + 16,
                i % 7,
                i % 13
            );
        }
        let syms = parse_map(map.as_bytes(), ParseMode::Kallsyms).unwrap();
        let options = Options {
            all_symbols: true,
            ..Options::default()
        };
        let base = build(syms, &options).unwrap();
        assert_eq!(base.len(), 401);
        let want: Vec<Vec<u8>> = base
            .symbols()
            .map(|s| [&[s.kind][..], s.name].concat())
            .collect();
        assert_eq!(decode(&base), want);
        for rounds in [0, 3, DEFAULT_ROUNDS] {
            let opt = base.optimized(rounds);
            assert_eq!(decode(&opt), want, "rounds {rounds}");
            assert!(opt.names_bytes() <= base.names_bytes());
            for c in 0..=255u8 {
                assert!(!opt.token(c).contains(&0));
            }
        }
        // The same result every time.
        assert_eq!(
            base.optimized(DEFAULT_ROUNDS).asm(),
            base.optimized(DEFAULT_ROUNDS).asm()
        );
    }

    #[test]
    fn empty_table() {
        let syms = parse_map(b"", ParseMode::Kallsyms).unwrap();
        let base = build(syms, &Options::default()).unwrap();
        let opt = base.optimized(DEFAULT_ROUNDS);
        assert!(opt.is_empty());
        assert_eq!(opt.names_bytes(), 0);
    }
}
