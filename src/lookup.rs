// SPDX-License-Identifier: GPL-2.0-only OR MIT
//! Lookups: symbols, iteration, name to symbols (exact and suffix-aware, with
//! sympos), resolution, reverse sympos, and address to symbol.
//!
//! Name lookups use `kallsyms_seqs_of_names`, the name index: positions sorted by
//! (key, address, index), where the key is the full name or, on Clang LTO tables of
//! 6.2 - 6.10, a cut name ([`SeqsKey`]). The exact matches of a name form one range of
//! it; so do all names that begin with `name.` (sorted by full name, `.` sorts every
//! such name between `name` and `name` followed by any byte above `.`). Both ranges
//! are found by binary search: O(log n) probes, then O(matches).
#![cfg_attr(not(test), deny(clippy::arithmetic_side_effects))]

use core::cmp::Ordering;
use core::ops::ControlFlow;

use crate::error::LookupError;
use crate::layout::{SeqsFormat, SeqsKey};
use crate::matching::{base_name, classify_suffix, Match, MatchKind};
use crate::table::{cut_key, midpoint, Table, KSYM_NAME_LEN};

/// One symbol of a table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Symbol {
    /// Index in address order (the kernel's `pos`).
    pub index: u32,
    /// Address.
    pub address: u64,
    /// The nm type letter (`T`, `t`, `D`, ...).
    pub type_letter: u8,
    /// Offset of the name record in `kallsyms_names`.
    pub name_offset: u32,
}

/// A symbol that matched a name query.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Found {
    /// The symbol.
    pub symbol: Symbol,
    /// How its name relates to the query.
    pub kind: MatchKind,
    /// Its position among all matches of the query in address order, from 1: the
    /// livepatch `sympos` that selects it (0 also selects it when it is the only
    /// match).
    pub sympos: u32,
    /// Its size (next higher symbol address minus its own; see [`Table::position`]).
    pub size: u64,
}

/// The (name, sympos) pair that selects a symbol, and how many share the name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Sympos {
    /// Length of the query name: a prefix of the symbol's own name (the whole name
    /// for exact matching, the name without its suffixes otherwise).
    pub name_len: u32,
    /// Position among the matches of that query, in address order, from 1.
    pub position: u32,
    /// How many symbols match the query.
    pub count: u32,
    /// How the symbol matches the query.
    pub kind: MatchKind,
}

impl Sympos {
    /// The value to write in a livepatch (`klp_func.old_sympos` or `.klp.sym.`
    /// names): 0 for a unique name, else the position
    /// (`Documentation/livepatch/module-elf-format.rst`: "The symbol position of a
    /// unique symbol is 0").
    pub const fn livepatch(&self) -> u32 {
        if self.count == 1 {
            0
        } else {
            self.position
        }
    }
}

/// The result of probing a stored key against a query as a prefix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Probe {
    /// The key sorts before the query and everything that starts with it.
    Less,
    /// The key equals the query.
    Equal,
    /// The key starts with the query and continues with this byte.
    Longer(u8),
    /// The key sorts after everything that starts with the query.
    Greater,
}

/// Where a search ended: the first position past its predicate, with the probe
/// of that position when the search made it (every search that moved its upper
/// end did), and the position's record offset when it was at hand.
#[derive(Clone, Copy, Debug)]
struct Bound {
    pos: u32,
    probe: Option<Probe>,
    off: Option<u32>,
}

/// Probes `key` against `q`.
fn probe_slice(key: &[u8], q: &[u8]) -> Probe {
    let n = key.len().min(q.len());
    match key.get(..n).cmp(&q.get(..n)) {
        Ordering::Less => Probe::Less,
        Ordering::Greater => Probe::Greater,
        Ordering::Equal => match key.get(q.len()) {
            Some(&b) => Probe::Longer(b),
            None if key.len() == q.len() => Probe::Equal,
            None => Probe::Less,
        },
    }
}

/// The ranges of the name index that can hold matches.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Ranges {
    /// Keys equal to the search key.
    exact: (u32, u32),
    /// Keys that start with the search key and `.`.
    dotted: (u32, u32),
    /// On tables cut at `.llvm.`, a query ending in `.llvm` has matches such as
    /// `q.1` whose `.llvm.` straddles the end of the query: their key is the query
    /// without `.llvm`. Empty otherwise.
    straddle: (u32, u32),
}

/// How many candidates one pass of [`Matches`] sorts at once.
const PASS: usize = 32;

/// [`Table::gallop`] gives way to a search of the whole index once its step
/// exceeds this.
const GALLOP_STEPS: u32 = 64;

/// While a pass scans its candidates, the sweep in address order takes one step
/// per this many candidates.
const SWEEP_EVERY: u32 = 8;

/// A record offset the pass buffer does not know (its match was known exact
/// without reading the name).
const NO_OFFSET: u32 = u32::MAX;

/// A match of a pass: its index and kind in one word (indexes are below
/// [`MAX_SYMS`](crate::MAX_SYMS), 2^24), and its record offset or [`NO_OFFSET`].
/// Eight bytes, so that the pass buffer adds nothing to the frames that hold a
/// [`Matches`] beside a name buffer (`scripts/stack-sizes`).
#[derive(Clone, Copy, Debug)]
struct Hit {
    word: u32,
    off: u32,
}

impl Hit {
    const NONE: Hit = Hit {
        word: 0,
        off: NO_OFFSET,
    };

    fn new(index: u32, kind: MatchKind, off: u32) -> Self {
        Hit {
            word: (index & 0x00ff_ffff) | (kind as u32) << 24,
            off,
        }
    }

    fn index(self) -> u32 {
        self.word & 0x00ff_ffff
    }

    fn kind(self) -> MatchKind {
        match self.word >> 24 {
            1 => MatchKind::Llvm,
            2 => MatchKind::Clone,
            3 => MatchKind::Cold,
            4 => MatchKind::LtoPriv,
            5 => MatchKind::LocalAlias,
            6 => MatchKind::Numbered,
            _ => MatchKind::Exact,
        }
    }
}

/// The strategy of a [`Matches`] iterator. The pass buffer makes one variant
/// large; it stays inline because the core has no heap.
#[derive(Clone, Debug)]
#[allow(clippy::large_enum_variant)]
enum Plan {
    /// Name positions from `j` on are exact matches in address order, up to the
    /// first that is not (checked one by one, as `kallsyms_lookup_names()` walks).
    Direct { j: u32 },
    /// Nothing matches.
    Empty,
    /// No name index: scan symbol indexes from `i` in address order.
    Scan { i: u32, off: u32 },
    /// Candidates in two ranges, filtered and put in address order in passes of
    /// [`PASS`].
    Passes {
        ranges: Ranges,
        /// The matches of the pass.
        buf: [Hit; PASS],
        len: usize,
        pos: usize,
        /// Symbols at or below this index were emitted already.
        last: Option<u32>,
        done: bool,
        /// How many matches the next pass collects: 1, 2, 4, ... up to [`PASS`], so
        /// that taking only the first match of a large family stays cheap.
        cap: usize,
        /// Where the address-order sweep of the last pass stopped: the next index
        /// and its record offset ([`NO_OFFSET`] before the first sweep).
        sweep: (u32, u32),
    },
}

/// Every symbol matching a name, in address order, with its sympos: see
/// [`Table::matches`].
#[derive(Clone, Debug)]
pub struct Matches<'t, 'a> {
    table: &'t Table<'a>,
    query: &'t [u8],
    opts: Match,
    plan: Plan,
    emitted: u32,
}

impl<'a> Table<'a> {
    /// Symbol `index` (address order).
    pub fn symbol(&self, index: u32) -> Option<Symbol> {
        if index >= self.raw.num_syms {
            return None;
        }
        Some(self.symbol_at(index, self.offset_of(index)))
    }

    /// Symbol `index` whose record is at `off`.
    fn symbol_at(&self, index: u32, off: u32) -> Symbol {
        Symbol {
            index,
            address: self.address(index),
            type_letter: self.type_at(off),
            name_offset: off,
        }
    }

    /// The name of `sym`, expanded into `buf` (cut to its length; a
    /// `KSYM_NAME_LEN` buffer always holds a whole name).
    pub fn name<'b>(&self, sym: &Symbol, buf: &'b mut [u8]) -> &'b [u8] {
        let n = self.expand(sym.name_offset, buf);
        buf.get(..n).unwrap_or(&[])
    }

    /// The length of the name of `sym`, without expanding it.
    pub fn name_len(&self, sym: &Symbol) -> usize {
        self.name_len_at(sym.name_offset)
    }

    /// Compares the name of `sym` with `name` without expanding it.
    pub fn name_cmp(&self, sym: &Symbol, name: &[u8]) -> Ordering {
        self.cmp_name(sym.name_offset, name)
    }

    /// Every symbol in address order, streaming through the names once.
    pub fn iter(&self) -> Iter<'_, 'a> {
        Iter {
            table: self,
            index: 0,
            off: 0,
        }
    }

    /// Calls `f(name, address)` for every symbol in address order until it breaks,
    /// and returns the break value (`kernel/kallsyms.c` 6.12
    /// `kallsyms_on_each_symbol()`, which stops on a non-zero return).
    pub fn on_each_symbol<R>(&self, mut f: impl FnMut(&[u8], u64) -> ControlFlow<R>) -> Option<R> {
        let mut buf = [0u8; KSYM_NAME_LEN];
        let mut off = 0u32;
        // One pass over the names: each record is parsed once, for its name and
        // for where the next begins.
        for i in 0..self.raw.num_syms {
            let rec = self.record(off);
            let n = self.expand_record(rec, &mut buf);
            if let ControlFlow::Break(r) = f(buf.get(..n).unwrap_or(&[]), self.address(i)) {
                return Some(r);
            }
            off = rec.next();
        }
        None
    }

    /// The size of symbol `index`: the next higher address minus its own, or the
    /// section end for the last one (see [`Table::position`]).
    ///
    /// Steps forward over the aliases at its address instead of searching: the
    /// addresses ascend (validated), so the first higher one is the end
    /// [`Table::position`] would find.
    pub fn size_of(&self, index: u32) -> u64 {
        let n = self.raw.num_syms;
        if index >= n {
            return 0;
        }
        let start = self.address(index);
        // NO-OVERFLOW: index < k <= n.
        let mut k = index.wrapping_add(1);
        while k < n && self.address(k) == start {
            k = k.wrapping_add(1);
        }
        let end = if k < n {
            self.address(k)
        } else {
            self.sections.map_or(start, |s| s.last_end(start))
        };
        end.saturating_sub(start)
    }

    /// Probes the search key of symbol `index` against `q`.
    fn probe(&self, index: u32, q: &[u8]) -> Probe {
        if self.layout.seqs_key == SeqsKey::FullName {
            return self.probe_stored(self.offset_of(index), q);
        }
        let mut buf = [0u8; KSYM_NAME_LEN];
        let name = self.name_by_index(index, &mut buf);
        probe_slice(cut_key(name, self.layout.seqs_key), q)
    }

    /// Probes the full stored name at `off` against `q`, token by token, stopping
    /// at the first difference. A token of up to 8 bytes is compared with the
    /// query in one 64-bit step while at least 8 bytes of both remain readable;
    /// the rest byte by byte.
    fn probe_stored(&self, off: u32, q: &[u8]) -> Probe {
        let rec = self.record(off);
        let table = self.raw.token_table;
        let mut qi = 0usize;
        let mut skip = 1usize;
        // NO-OVERFLOW (in this function): token starts are u16 and lengths at most
        // KSYM_NAME_LEN; qi <= q.len() (a token is consumed only when the query
        // holds it).
        for &c in self.codes(rec) {
            let t = self.tokens.get(usize::from(c)).copied().unwrap_or_default();
            let start = usize::from(t.start).wrapping_add(skip);
            let len = usize::from(t.len).saturating_sub(skip);
            skip = 0;
            if len <= 8 {
                let tw: Option<&[u8; 8]> = table
                    .get(start..start.wrapping_add(8))
                    .and_then(|w| w.try_into().ok());
                let qw: Option<&[u8; 8]> = q
                    .get(qi..qi.wrapping_add(8))
                    .and_then(|w| w.try_into().ok());
                if let (Some(tw), Some(qw)) = (tw, qw) {
                    let (tv, qv) = (u64::from_le_bytes(*tw), u64::from_le_bytes(*qw));
                    let mask = u64::MAX.checked_shr(8u32.wrapping_sub(len as u32).wrapping_mul(8));
                    let diff = (tv ^ qv) & mask.unwrap_or(0);
                    if diff != 0 {
                        // The lowest differing byte is the first in name order.
                        let k = diff.trailing_zeros() & !7;
                        let (tb, qb) = ((tv >> k) as u8, (qv >> k) as u8);
                        return if tb < qb { Probe::Less } else { Probe::Greater };
                    }
                    qi = qi.wrapping_add(len);
                    continue;
                }
            }
            let tok = table.get(start..start.wrapping_add(len)).unwrap_or(&[]);
            for &b in tok {
                match q.get(qi) {
                    None => return Probe::Longer(b),
                    Some(&x) if b == x => qi = qi.wrapping_add(1),
                    Some(&x) => return if b < x { Probe::Less } else { Probe::Greater },
                }
            }
        }
        if qi >= q.len() {
            Probe::Equal
        } else {
            Probe::Less
        }
    }

    /// Probes name position `j` against `key`.
    #[inline]
    fn probe_pos(&self, j: u32, key: &[u8]) -> Probe {
        if self.layout.seqs_key == SeqsKey::FullName {
            return self.probe_stored(self.name_offset_at(j), key);
        }
        self.probe(self.seq(j), key)
    }

    /// One round of [`Table::lower_bound_ahead`] over `[lo, hi)` with `W - 1` pivots
    /// (`W` a power of two, `hi - lo >= W`).
    #[inline]
    fn round<const W: u32>(
        &self,
        key: &[u8],
        past: &impl Fn(Probe) -> bool,
        lo: &mut u32,
        hi: &mut u32,
        at: &mut Option<(u32, Probe)>,
    ) {
        let names = self.raw.names;
        // NO-OVERFLOW (in this function): pivots lie in [lo, hi).
        let m = u64::from(hi.wrapping_sub(*lo));
        let mut pos = [0u32; 16];
        let mut offs = [0u32; 16];
        let ways = (W as usize).min(pos.len()).saturating_sub(1);
        let shift = W.trailing_zeros();
        for (k, (p, o)) in (1u64..).zip(pos.iter_mut().zip(offs.iter_mut())).take(ways) {
            // m * k / W < m, so the pivot stays below hi.
            *p = lo.wrapping_add((m.wrapping_mul(k) >> shift) as u32);
            *o = self.name_offset_at(*p);
        }
        core::hint::black_box(offs.map(|o| names.get(o as usize).copied()));
        // The first pivot whose probe is past: the answer lies after the one
        // before it and at or before it.
        let (mut a, mut b) = (0usize, ways);
        while a < b {
            let c = a.wrapping_add(b) / 2;
            let off = offs.get(c).copied().unwrap_or(0);
            let p = self.probe_stored(off, key);
            if past(p) {
                b = c;
                *at = Some((off, p));
            } else {
                a = c.wrapping_add(1);
            }
        }
        if let Some(&p) = a.checked_sub(1).and_then(|k| pos.get(k)) {
            *lo = p.wrapping_add(1);
        }
        if a < ways {
            if let Some(&p) = pos.get(a) {
                *hi = p;
            }
        }
    }

    /// The first name position in `[lo, hi)` whose probe satisfies `past` (a
    /// predicate monotone over the name index), or `hi`, whose probe (`at_hi`)
    /// the caller may know.
    fn partition(
        &self,
        mut lo: u32,
        mut hi: u32,
        q: &[u8],
        past: impl Fn(Probe) -> bool,
        at_hi: Option<Probe>,
    ) -> Bound {
        let mut probe = at_hi;
        while lo < hi {
            let mid = self.pick(lo, hi);
            let p = self.probe_pos(mid, q);
            if past(p) {
                hi = mid;
                probe = Some(p);
            } else {
                // NO-OVERFLOW: mid < hi.
                lo = mid.wrapping_add(1);
            }
        }
        Bound {
            pos: lo,
            probe,
            off: None,
        }
    }

    /// [`Table::partition`] over the whole index, taking the offsets of the first
    /// probes from the [`ProbeCache`](crate::accel::ProbeCache) when one is attached.
    fn lower_bound(&self, key: &[u8], past: impl Fn(Probe) -> bool) -> Bound {
        let full = self.layout.seqs_key == SeqsKey::FullName;
        let cache = self.accel.cache.filter(|_| full);
        if full && self.cheap_offsets() {
            return self.lower_bound_ahead(key, cache, past);
        }
        let (mut lo, mut hi) = (0u32, self.raw.num_syms);
        let (mut probe, mut at) = (None, None);
        let mut node = 1usize;
        while lo < hi {
            // Cached levels probe the plain midpoint, whose offset the cache holds;
            // below them, `pick` chooses a probe cheap to reach.
            let cached = cache.and_then(|c| c.get(node));
            let mid = match cached {
                Some(_) => midpoint(lo, hi),
                None => {
                    let mid = self.pick(lo, hi);
                    self.touch_next_picks(lo, mid, hi);
                    mid
                }
            };
            let (p, off) = match cached {
                Some(off) => (self.probe_stored(off, key), Some(off)),
                None if full => {
                    let off = self.name_offset_at(mid);
                    (self.probe_stored(off, key), Some(off))
                }
                None => (self.probe_pos(mid, key), None),
            };
            if past(p) {
                hi = mid;
                (probe, at) = (Some(p), off);
                node = node.saturating_mul(2);
            } else {
                // NO-OVERFLOW: mid < hi.
                lo = mid.wrapping_add(1);
                node = node.saturating_mul(2).saturating_add(1);
            }
        }
        Bound {
            pos: lo,
            probe,
            off: at,
        }
    }

    /// [`Table::lower_bound`] when record offsets come without a walk. Below the
    /// levels the [`ProbeCache`](crate::accel::ProbeCache) serves, each round
    /// splits the range in eight (then four): the record offsets of all seven
    /// pivots are computed and the first byte of each record is loaded before any
    /// is compared, so their cache misses overlap (seven loads in flight instead
    /// of one), and three comparisons then pick the eighth. Three binary levels
    /// cost one round trip to memory instead of three. (`black_box` keeps the
    /// loads where they are: the core has no `unsafe` for a prefetch
    /// instruction.)
    fn lower_bound_ahead(
        &self,
        key: &[u8],
        cache: Option<&crate::accel::ProbeCache>,
        past: impl Fn(Probe) -> bool,
    ) -> Bound {
        // Wide rounds while the range is large (its pivots lie far apart, each a
        // cache miss of its own), then narrow ones.
        const WIDE: u32 = 8;
        const WAYS: u32 = 4;
        let (mut lo, mut hi) = (0u32, self.raw.num_syms);
        let mut at = None;
        // NO-OVERFLOW (in this function): lo <= hi <= num_syms; pivots lie in
        // [lo, hi); nodes saturate.
        if let Some(c) = cache {
            let mut node = 1usize;
            while lo < hi {
                let Some(off) = c.get(node) else { break };
                let mid = midpoint(lo, hi);
                let p = self.probe_stored(off, key);
                if past(p) {
                    hi = mid;
                    at = Some((off, p));
                    node = node.saturating_mul(2);
                } else {
                    lo = mid.wrapping_add(1);
                    node = node.saturating_mul(2).saturating_add(1);
                }
            }
        }
        while hi.wrapping_sub(lo) >= WIDE {
            self.round::<WIDE>(key, &past, &mut lo, &mut hi, &mut at);
        }
        while hi.wrapping_sub(lo) >= WAYS {
            self.round::<WAYS>(key, &past, &mut lo, &mut hi, &mut at);
        }
        while lo < hi {
            let mid = midpoint(lo, hi);
            let off = self.name_offset_at(mid);
            let p = self.probe_stored(off, key);
            if past(p) {
                hi = mid;
                at = Some((off, p));
            } else {
                lo = mid.wrapping_add(1);
            }
        }
        Bound {
            pos: lo,
            probe: at.map(|(_, p)| p),
            off: at.map(|(o, _)| o),
        }
    }

    /// The first name position at or after `from` whose probe satisfies `past`,
    /// found by galloping: O(log d) probes for an answer `d` positions away.
    /// `at_from` is the probe of `from` when the caller made it already. Each
    /// probe past the first few is the position, among up to 8 just before the
    /// plain galloping step, whose symbol is fewest records past its marker (as
    /// [`Table::pick`] does for binary search).
    fn gallop(
        &self,
        from: u32,
        key: &[u8],
        past: impl Fn(Probe) -> bool,
        at_from: Option<Probe>,
    ) -> Bound {
        let n = self.raw.num_syms;
        let none = |pos| Bound {
            pos,
            probe: None,
            off: None,
        };
        if from >= n {
            return none(n);
        }
        let mut lo = from;
        let mut step = 1u32;
        if let Some(p) = at_from {
            if past(p) {
                return Bound {
                    pos: from,
                    probe: Some(p),
                    off: None,
                };
            }
            // NO-OVERFLOW: from < n.
            lo = from.wrapping_add(1);
            step = 2;
        }
        loop {
            if lo >= n {
                return none(n);
            }
            if step > GALLOP_STEPS {
                // Far away (a large family of suffixed names): a search of the
                // whole index costs log n probes, the top levels of which the
                // probe cache serves, where galloping on costs 2 log d uncached
                // ones. `past` is monotone over the index and false before `from`.
                let b = self.lower_bound(key, &past);
                if b.pos >= lo {
                    return b;
                }
            }
            // NO-OVERFLOW: step >= 1 and n > lo >= 0; at < n.
            let far = lo
                .saturating_add(step.wrapping_sub(1))
                .min(n.wrapping_sub(1));
            let at = self.pick_at_most(lo.saturating_add(step / 2).min(far), far);
            let p = self.probe_pos(at, key);
            if past(p) {
                return self.partition(lo, at, key, past, Some(p));
            }
            lo = at.wrapping_add(1);
            step = step.saturating_mul(2);
        }
    }

    /// The first name position whose key is at least `key` (the start of its equal
    /// range), by the hash index when one is attached and knows the answer.
    fn first_at_least(&self, key: &[u8]) -> u32 {
        self.lower_bound(key, |p| p != Probe::Less).pos
    }

    /// The name-index ranges for search key `key`: keys equal to it, and (when
    /// `dotted`) keys that start with `key.`.
    fn ranges(&self, key: &[u8], dotted: bool) -> Ranges {
        let n = self.raw.num_syms;
        if !dotted && self.hash_lookup(key) == Some(None) {
            return Ranges::default();
        }
        // Each search starts where the one before ended and reuses its last probe.
        let first = self.lower_bound(key, |p| p != Probe::Less);
        let lo = first.pos;
        let end = self.gallop(
            lo,
            key,
            |p| matches!(p, Probe::Longer(_) | Probe::Greater),
            first.probe,
        );
        let hi = end.pos;
        let dotted = if dotted && hi < n {
            let from = self.gallop(
                hi,
                key,
                |p| match p {
                    Probe::Longer(b) => b >= b'.',
                    p => p == Probe::Greater,
                },
                end.probe,
            );
            let to = self.gallop(
                from.pos,
                key,
                |p| match p {
                    Probe::Longer(b) => b > b'.',
                    p => p == Probe::Greater,
                },
                from.probe,
            );
            (from.pos, to.pos)
        } else {
            (hi, hi)
        };
        Ranges {
            exact: (lo, hi),
            dotted,
            straddle: (0, 0),
        }
    }

    /// How symbol `index` (whose record is at `off`) matches `q` under `opts`.
    /// Not inlined: its name buffer stays out of its callers' frames, some of which
    /// hold one already (`scripts/stack-sizes`).
    #[inline(never)]
    fn classify(&self, off: u32, q: &[u8], opts: Match) -> Option<MatchKind> {
        match self.probe_stored(off, q) {
            Probe::Equal => Some(MatchKind::Exact),
            Probe::Longer(b'.') if !opts.is_empty() => {
                let mut buf = [0u8; KSYM_NAME_LEN];
                let n = self.expand(off, &mut buf);
                let suffix = buf.get(q.len()..n)?;
                classify_suffix(suffix, opts)
            }
            _ => None,
        }
    }

    /// Every symbol that matches `name` under `opts`, in address order, each with
    /// its match kind, sympos and size. An empty name matches nothing.
    ///
    /// With exact matching on a table sorted by full name, this walks one range of
    /// the name index (`kernel/kallsyms.c` 6.12 `kallsyms_on_each_match_symbol()`);
    /// suffix-aware matching adds the range of names that begin with `name.`; a
    /// table without a name index (6.1.0 - 6.1.41) is scanned in address order.
    ///
    /// ```
    /// # use kallsyms::Match;
    /// # fn demo(table: &kallsyms::Table<'_>) {
    /// for found in table.matches(b"c_start", Match::LLVM) {
    ///     let _ = (found.symbol.address, found.kind, found.sympos);
    /// }
    /// # }
    /// ```
    pub fn matches<'t>(&'t self, name: &'t [u8], opts: Match) -> Matches<'t, 'a> {
        let plan = if name.is_empty() || name.len() >= KSYM_NAME_LEN {
            Plan::Empty
        } else if self.layout.seqs == SeqsFormat::None {
            Plan::Scan { i: 0, off: 0 }
        } else {
            let key = cut_key(name, self.layout.seqs_key);
            let full = self.layout.seqs_key == SeqsKey::FullName;
            if full && opts.is_empty() {
                match self.hash_lookup(key) {
                    Some(None) => Plan::Empty,
                    _ => Plan::Direct {
                        j: self.first_at_least(key),
                    },
                }
            } else {
                let mut r = self.ranges(key, !opts.is_empty());
                if !opts.is_empty() && self.layout.seqs_key == SeqsKey::CutAtLlvm && key == name {
                    if let Some(short) = name.strip_suffix(b".llvm") {
                        r.straddle = self.ranges(cut_key(short, SeqsKey::CutAtLlvm), false).exact;
                    }
                }
                Plan::Passes {
                    ranges: r,
                    buf: [Hit::NONE; PASS],
                    len: 0,
                    pos: 0,
                    last: None,
                    done: false,
                    cap: 1,
                    sweep: (0, NO_OFFSET),
                }
            }
        };
        Matches {
            table: self,
            query: name,
            opts,
            plan,
            emitted: 0,
        }
    }

    /// How many symbols match `name` under `opts`.
    pub fn count_matches(&self, name: &[u8], opts: Match) -> u32 {
        let mut m = self.matches(name, opts);
        match m.plan {
            Plan::Empty => 0,
            Plan::Passes { ranges, .. } => {
                let exact_known = self.layout.seqs_key == SeqsKey::FullName;
                let mut count = 0u32;
                for (range_no, (lo, hi)) in [ranges.exact, ranges.dotted, ranges.straddle]
                    .into_iter()
                    .enumerate()
                {
                    if range_no == 0 && exact_known {
                        // Every full name in the equal range is the name itself.
                        // NO-OVERFLOW: lo <= hi; at most num_syms in all.
                        count = count.wrapping_add(hi.saturating_sub(lo));
                        continue;
                    }
                    for j in lo..hi {
                        if self.classify(self.name_offset_at(j), name, opts).is_some() {
                            // NO-OVERFLOW: at most num_syms.
                            count = count.wrapping_add(1);
                        }
                    }
                }
                count
            }
            Plan::Direct { j } => {
                // The equal range of a full-name index: its end by galloping.
                let end = self.gallop(
                    j,
                    name,
                    |p| matches!(p, Probe::Longer(_) | Probe::Greater),
                    None,
                );
                end.pos.saturating_sub(j)
            }
            Plan::Scan { .. } => {
                let mut count = 0u32;
                while m.next().is_some() {
                    // NO-OVERFLOW: at most num_syms.
                    count = count.wrapping_add(1);
                }
                count
            }
        }
    }

    /// `kallsyms_lookup_name()` (`kernel/kallsyms.c` 6.12): the lowest-address
    /// symbol named exactly `name`; an empty name finds nothing.
    ///
    /// On Clang LTO tables of 6.2 - 6.10 the kernel compared names with their
    /// `.llvm.` (or any `.`) suffix removed; this matches exactly, as every kernel
    /// does since 6.11 (fb6a421fb615), because the cut comparison made a query
    /// spelled `foo.llvm.N` unmatchable and `foo` falsely ambiguous.
    pub fn lookup_name(&self, name: &[u8]) -> Option<Symbol> {
        if name.is_empty() || name.len() >= KSYM_NAME_LEN {
            return None;
        }
        if let Some(hit) = self.hash_lookup(name) {
            return hit.map(|(i, off)| self.symbol_at(i, off));
        }
        if self.layout.seqs != SeqsFormat::None && self.layout.seqs_key == SeqsKey::FullName {
            // The first entry of the equal range is the lowest address.
            let b = self.lower_bound(name, |p| p != Probe::Less);
            if b.pos >= self.raw.num_syms {
                return None;
            }
            // The search probed the name at `pos` unless it never moved `hi`.
            let (off, p) = match (b.off, b.probe) {
                (Some(off), Some(p)) => (off, p),
                _ => {
                    let off = self.name_offset_at(b.pos);
                    (off, self.probe_stored(off, name))
                }
            };
            return (p == Probe::Equal).then(|| self.symbol_at(self.seq(b.pos), off));
        }
        self.matches(name, Match::EXACT).next().map(|f| f.symbol)
    }

    /// `kallsyms_lookup_names()` (`kernel/kallsyms.c` 6.12): the first and last
    /// name-index positions whose key equals `name`, or `None` (the kernel's
    /// `-ESRCH`). On cut-key tables the key is the cut name. Tables without a name
    /// index have no positions.
    pub fn lookup_names(&self, name: &[u8]) -> Option<(u32, u32)> {
        if self.layout.seqs == SeqsFormat::None || name.is_empty() {
            return None;
        }
        let r = self.ranges(cut_key(name, self.layout.seqs_key), false);
        let (lo, hi) = r.exact;
        // NO-OVERFLOW: lo < hi.
        (lo < hi).then(|| (lo, hi.wrapping_sub(1)))
    }

    /// Address-order index of name-index position `j` (`get_symbol_seq()`); the
    /// identity when the table has no name index.
    pub fn name_index_entry(&self, j: u32) -> Option<u32> {
        (j < self.raw.num_syms).then(|| self.seq(j))
    }

    /// Resolves `(name, opts, sympos)` to one symbol, as livepatch does for vmlinux
    /// with exact matching (`kernel/livepatch/core.c` 6.12: sympos 0 requires a
    /// unique name, N selects the N-th match in address order).
    pub fn resolve(&self, name: &[u8], opts: Match, sympos: u32) -> Result<Found, LookupError> {
        if name.is_empty() {
            return Err(LookupError::EmptyName);
        }
        if sympos == 0 {
            let mut m = self.matches(name, opts);
            let first = m.next().ok_or(LookupError::NotFound)?;
            if m.next().is_none() {
                return Ok(first);
            }
            let count = self.count_matches(name, opts);
            return Err(LookupError::Ambiguous { count });
        }
        let mut seen = 0u32;
        for f in self.matches(name, opts) {
            seen = f.sympos;
            if f.sympos == sympos {
                return Ok(f);
            }
        }
        if seen == 0 {
            Err(LookupError::NotFound)
        } else {
            Err(LookupError::PositionOutOfRange {
                sympos,
                count: seen,
            })
        }
    }

    /// Reverse sympos: the query and position that select symbol `index` under
    /// `opts`. With exact matching the query is the symbol's own name; with suffix
    /// options it is the name without the suffixes those options allow
    /// ([`base_name`]).
    pub fn sympos_of(&self, index: u32, opts: Match) -> Option<Sympos> {
        let sym = self.symbol(index)?;
        let mut buf = [0u8; KSYM_NAME_LEN];
        let name = self.name(&sym, &mut buf);
        let base = if opts.is_empty() {
            name
        } else {
            base_name(name, opts)
        };
        let mut hit = None;
        let mut count = 0u32;
        let mut matches = self.matches(base, opts);
        // By reference: moving the iterator into the loop copied it, which with the
        // name buffer made a frame of over 2 * KSYM_NAME_LEN (scripts/stack-sizes).
        for f in matches.by_ref() {
            count = f.sympos;
            if f.symbol.index == index {
                hit = Some((f.sympos, f.kind));
            }
        }
        let (position, kind) = hit?;
        Some(Sympos {
            name_len: u32::try_from(base.len()).unwrap_or(0),
            position,
            count,
            kind,
        })
    }

    /// The symbol that covers `addr`, if `addr` belongs to the table
    /// ([`Sections::is_ksym_addr`](crate::Sections::is_ksym_addr) when sections are
    /// set), with its size and the offset (`kallsyms_lookup()` /
    /// `kallsyms_lookup_size_offset()`, `kernel/kallsyms.c` 6.12).
    pub fn lookup_address(&self, addr: u64) -> Option<(Symbol, crate::Position)> {
        if let Some(s) = &self.sections {
            if !s.is_ksym_addr(addr) {
                return None;
            }
        }
        let (p, off) = self.position_and_offset(addr, true)?;
        Some((
            Symbol {
                index: p.index,
                address: p.start,
                type_letter: self.type_at(off),
                name_offset: off,
            },
            p,
        ))
    }
}

/// Appends `v` as the kernel's `%#lx` prints it (`lib/vsprintf.c`: `0x` always,
/// so 0 is `0x0`), returning the new length or `None` when `buf` is full.
fn put_hex(buf: &mut [u8], mut at: usize, v: u64) -> Option<usize> {
    // NO-OVERFLOW (in this function): leading_zeros <= 64; 1 <= digits <= 16; k < digits.
    let digits = 64u32.wrapping_sub(v.leading_zeros()).div_ceil(4).max(1) as usize;
    let end = at.checked_add(digits.wrapping_add(2))?;
    let out = buf.get_mut(at..end)?;
    if let Some(p) = out.get_mut(..2) {
        p.copy_from_slice(b"0x");
    }
    for (k, slot) in out.iter_mut().skip(2).enumerate() {
        let shift = digits.wrapping_sub(1).wrapping_sub(k).wrapping_mul(4);
        *slot = b"0123456789abcdef"
            .get(((v >> shift) & 0xf) as usize)
            .copied()
            .unwrap_or(b'0');
    }
    at = end;
    Some(at)
}

/// Appends `bytes`, returning the new length or `None` when `buf` is full.
fn put(buf: &mut [u8], at: usize, bytes: &[u8]) -> Option<usize> {
    let end = at.checked_add(bytes.len())?;
    buf.get_mut(at..end)?.copy_from_slice(bytes);
    Some(end)
}

impl<'a> Table<'a> {
    /// `sprint_symbol()` (`kernel/kallsyms.c` 6.12) for vmlinux addresses: writes
    /// `name+0xoff/0xsize` into `buf` (no NUL) and returns its length, or `0x<addr>`
    /// when no symbol covers `addr` (also when the symbol's name is empty, as the
    /// kernel's `strlen()` test does). Numbers are printed as the kernel's `%#lx`
    /// (`0x0` for zero). Fails only when `buf` is too small; `buf` is then untouched
    /// past what fit, and nothing is promised about it.
    pub fn sprint_symbol(&self, addr: u64, buf: &mut [u8]) -> Result<usize, LookupError> {
        let small = LookupError::BufferTooSmall;
        match self.lookup_address(addr) {
            Some((sym, pos)) if self.name_len(&sym) > 0 => {
                let n = self.name_len(&sym);
                let room = buf.get_mut(..n).ok_or(small)?;
                self.expand(sym.name_offset, room);
                let at = put(buf, n, b"+").ok_or(small)?;
                let at = put_hex(buf, at, pos.offset).ok_or(small)?;
                let at = put(buf, at, b"/").ok_or(small)?;
                put_hex(buf, at, pos.size).ok_or(small)
            }
            _ => {
                // "0x%lx": the same digits as %#lx, but 0 prints as 0x0 here too.
                put_hex(buf, 0, addr).ok_or(small)
            }
        }
    }
}

/// Calls `f(j, i, known)` for each position `j` of the three ranges whose index `i`
/// lies at or above `floor` and below the bound `f` last returned (`known`: the
/// position is in the exact range of a full-name index, so it matches exactly).
/// Calls `every()` after each [`SWEEP_EVERY`] positions and stops when it returns
/// true; returns whether it stopped so.
fn scan_candidates(
    t: &Table<'_>,
    ranges: [(u32, u32); 3],
    exact_known: bool,
    floor: u32,
    mut f: impl FnMut(u32, u32, bool) -> u32,
    mut every: impl FnMut() -> bool,
) -> bool {
    let mut ceil = u32::MAX;
    let mut seen = 0u32;
    for (range_no, (lo, hi)) in ranges.into_iter().enumerate() {
        let known = range_no == 0 && exact_known;
        for (j, i) in t.seqs_in(lo, hi) {
            if i >= floor && i < ceil {
                ceil = f(j, i, known);
            }
            seen = seen.wrapping_add(1);
            if seen % SWEEP_EVERY == 0 && every() {
                return true;
            }
        }
    }
    false
}

/// The key of the worst of `cap` kept entries once `buf` holds `cap`, else
/// `u32::MAX`: candidates at or above it cannot enter.
fn worst_kept<T>(buf: &[T], len: usize, cap: usize, key: impl Fn(&T) -> u32) -> u32 {
    if len < cap {
        return u32::MAX;
    }
    buf.get(cap.wrapping_sub(1)).map_or(u32::MAX, key)
}

/// Inserts `item` into the first `*len` entries of `buf` (sorted by `key`),
/// keeping at most `cap` of the lowest.
fn insert_lowest<T: Copy>(
    buf: &mut [T],
    len: &mut usize,
    cap: usize,
    item: T,
    key: impl Fn(&T) -> u32,
) {
    let k = key(&item);
    let at = buf
        .get(..*len)
        .map_or(0, |b| b.partition_point(|x| key(x) < k));
    if at >= cap {
        return;
    }
    if *len < cap {
        // NO-OVERFLOW: len < cap <= buf.len().
        *len = len.wrapping_add(1);
    }
    // Shift the tail up by one, dropping the last entry when full (a plain loop:
    // `rotate_right` and `copy_within` keep a panic path the C ABI must not have,
    // tests/capi.rs).
    let mut k = len.saturating_sub(1);
    while k > at {
        // NO-OVERFLOW: k > at >= 0.
        let prev = k.wrapping_sub(1);
        if let Some(&x) = buf.get(prev) {
            if let Some(slot) = buf.get_mut(k) {
                *slot = x;
            }
        }
        k = prev;
    }
    if let Some(slot) = buf.get_mut(at) {
        *slot = item;
    }
}

impl Matches<'_, '_> {
    /// Fills the pass buffer with the next [`PASS`] matches after `last`.
    fn refill(&mut self) {
        let t = self.table;
        let (q, opts) = (self.query, self.opts);
        let Plan::Passes {
            ranges,
            buf,
            len,
            pos,
            last,
            done,
            cap,
            sweep,
        } = &mut self.plan
        else {
            return;
        };
        *len = 0;
        *pos = 0;
        let want = *cap;
        // NO-OVERFLOW: cap <= PASS.
        *cap = cap.wrapping_mul(2).min(PASS);
        let exact_known = t.layout.seqs_key == SeqsKey::FullName;
        let all = [ranges.exact, ranges.dotted, ranges.straddle];
        // NO-OVERFLOW: last < num_syms.
        let floor = last.map_or(0, |l| l.wrapping_add(1));
        // First the `want` lowest candidates by index alone (reading only
        // `seqs_of_names`), then their names: in a family of m suffixed copies a
        // pass classifies `want` names, not every new minimum it meets.
        let mut cand = [(0u32, 0u32, false); PASS];
        let mut nc = 0usize;
        if want == 1 {
            // The first pass of every walk (and all that `resolve(.., 0)` and a
            // first-match lookup need): the lowest index, by a tight minimum.
            for (range_no, (lo, hi)) in all.into_iter().enumerate() {
                if let Some((j, i)) = t.seqs_min_at_least(lo, hi, floor) {
                    let known = range_no == 0 && exact_known;
                    insert_lowest(&mut cand, &mut nc, 1, (i, j, known), |c| c.0);
                }
            }
        } else {
            // Beside the scan of every candidate (its cost grows with the family,
            // and a walk of all matches makes one scan per pass), a sweep of the
            // symbols in address order from `floor`, classifying each: it costs
            // the distance to the `want`-th match. One sweep step per
            // SWEEP_EVERY candidates; whichever finishes first gives the pass, so
            // a pass costs about the lesser of the two, and a walk of a family of
            // any size no more than one sweep of the table.
            let n = t.raw.num_syms;
            let (mut si, mut soff) = match *sweep {
                (i, off) if i == floor => (i, off),
                _ => (floor, NO_OFFSET),
            };
            let mut found = 0usize;
            let swept = scan_candidates(
                t,
                all,
                exact_known,
                floor,
                |j, i, known| {
                    insert_lowest(&mut cand, &mut nc, want, (i, j, known), |c| c.0);
                    worst_kept(&cand, nc, want, |c| c.0)
                },
                || {
                    if si >= n {
                        return true;
                    }
                    if soff == NO_OFFSET {
                        soff = t.offset_of(si);
                    }
                    if let (Some(kind), Some(slot)) =
                        (t.classify(soff, q, opts), buf.get_mut(found))
                    {
                        *slot = Hit::new(si, kind, soff);
                        // NO-OVERFLOW: found < want <= PASS.
                        found = found.wrapping_add(1);
                    }
                    soff = t.record(soff).next();
                    // NO-OVERFLOW: si < n.
                    si = si.wrapping_add(1);
                    found >= want || si >= n
                },
            );
            *sweep = (si, soff);
            if swept {
                // The sweep reached `want` matches, or the end of the table.
                *len = found;
                *done = found < want;
                *last = buf
                    .get(..*len)
                    .and_then(|b| b.last())
                    .map(|h| h.index())
                    .or(*last);
                return;
            }
        }
        // How position `j` matches, and its record offset when that was read:
        // exact without a look when its range says so.
        let kind_of = |j: u32, known: bool| {
            if known {
                (Some(MatchKind::Exact), NO_OFFSET)
            } else {
                let off = t.name_offset_at(j);
                (t.classify(off, q, opts), off)
            }
        };
        for &(i, j, known) in cand.get(..nc).unwrap_or(&[]) {
            let (kind, off) = kind_of(j, known);
            if let (Some(kind), Some(slot)) = (kind, buf.get_mut(*len)) {
                *slot = Hit::new(i, kind, off);
                // NO-OVERFLOW: len < nc <= PASS.
                *len = len.wrapping_add(1);
            }
        }
        if nc < want {
            // Every candidate above `floor` was seen.
            *done = true;
        } else if *len < want {
            // Some names did not match: finish the pass above the last candidate,
            // classifying as it goes.
            let floor = cand
                .get(nc.wrapping_sub(1))
                .map_or(u32::MAX, |c| c.0.saturating_add(1));
            scan_candidates(
                t,
                all,
                exact_known,
                floor,
                |j, i, known| {
                    if let (Some(kind), off) = kind_of(j, known) {
                        insert_lowest(buf, len, want, Hit::new(i, kind, off), |b| b.index());
                    }
                    worst_kept(buf, *len, want, |b| b.index())
                },
                || false,
            );
            if *len < want {
                *done = true;
            }
        }
        *last = buf
            .get(..*len)
            .and_then(|b| b.last())
            .map(|h| h.index())
            .or(*last);
    }
}

impl Iterator for Matches<'_, '_> {
    type Item = Found;

    fn next(&mut self) -> Option<Found> {
        let t = self.table;
        let (index, kind, off) = match &mut self.plan {
            Plan::Empty => return None,
            Plan::Direct { j } => {
                if *j >= t.raw.num_syms {
                    return None;
                }
                let (i, off) = (t.seq(*j), t.name_offset_at(*j));
                if t.cmp_name(off, self.query) != Ordering::Equal {
                    self.plan = Plan::Empty;
                    return None;
                }
                // NO-OVERFLOW: j < num_syms.
                *j = j.wrapping_add(1);
                (i, MatchKind::Exact, off)
            }
            Plan::Scan { i, off } => loop {
                if *i >= t.raw.num_syms {
                    return None;
                }
                let (idx, o) = (*i, *off);
                *off = t.record(o).next();
                // NO-OVERFLOW: i < num_syms.
                *i = i.wrapping_add(1);
                if let Some(k) = t.classify(o, self.query, self.opts) {
                    break (idx, k, o);
                }
            },
            Plan::Passes { .. } => loop {
                if let Plan::Passes {
                    buf,
                    len,
                    pos,
                    done,
                    ..
                } = &mut self.plan
                {
                    if *pos < *len {
                        let h = buf.get(*pos).copied().unwrap_or(Hit::NONE);
                        // NO-OVERFLOW: pos < len <= PASS.
                        *pos = pos.wrapping_add(1);
                        let (i, off) = (h.index(), h.off);
                        let off = if off == NO_OFFSET {
                            t.offset_of(i)
                        } else {
                            off
                        };
                        break (i, h.kind(), off);
                    }
                    if *done {
                        return None;
                    }
                }
                self.refill();
            },
        };
        // NO-OVERFLOW: each symbol is emitted once, at most num_syms.
        self.emitted = self.emitted.wrapping_add(1);
        let symbol = t.symbol_at(index, off);
        Some(Found {
            symbol,
            kind,
            sympos: self.emitted,
            size: t.size_of(index),
        })
    }
}

/// Every symbol in address order: see [`Table::iter`].
#[derive(Clone, Debug)]
pub struct Iter<'t, 'a> {
    table: &'t Table<'a>,
    index: u32,
    off: u32,
}

impl Iterator for Iter<'_, '_> {
    type Item = Symbol;

    fn next(&mut self) -> Option<Symbol> {
        if self.index >= self.table.raw.num_syms {
            return None;
        }
        let sym = self.table.symbol_at(self.index, self.off);
        self.off = self.table.record(self.off).next();
        // NO-OVERFLOW: index < num_syms.
        self.index = self.index.wrapping_add(1);
        Some(sym)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        // NO-OVERFLOW: index <= num_syms.
        let n = self.table.raw.num_syms.wrapping_sub(self.index) as usize;
        (n, Some(n))
    }
}

impl ExactSizeIterator for Iter<'_, '_> {}

#[cfg(test)]
mod tests {
    use super::{Hit, MatchKind, NO_OFFSET};

    #[test]
    fn a_hit_keeps_index_kind_and_offset() {
        let kinds = [
            MatchKind::Exact,
            MatchKind::Llvm,
            MatchKind::Clone,
            MatchKind::Cold,
            MatchKind::LtoPriv,
            MatchKind::LocalAlias,
            MatchKind::Numbered,
        ];
        for (n, kind) in kinds.into_iter().enumerate() {
            for index in [0, 1, 255, 256, (1 << 24) - 1] {
                let off = if n % 2 == 0 {
                    NO_OFFSET
                } else {
                    index ^ 0x5a5a
                };
                let h = Hit::new(index, kind, off);
                assert_eq!((h.index(), h.kind(), h.off), (index, kind, off));
            }
        }
    }
}
