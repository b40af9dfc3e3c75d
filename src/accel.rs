// SPDX-License-Identifier: GPL-2.0-only OR MIT
//! Optional accelerators for name and address lookups, each in memory the caller
//! owns (a static array, `vmalloc()` memory, a `Vec`, or an array the builder emits
//! beside the kernel's), attached to a [`Table`] after a check that it fits:
//!
//! | accelerator | memory | what it saves |
//! |---|---|---|
//! | [`ProbeCache`] | 4 KiB, fixed | the name offsets of the top 10 levels of the name-index binary search |
//! | [`AddressCache`] | 4 KiB, fixed | the first 9 levels of the address search, and their cache and TLB misses |
//! | block offsets | 2 bytes per symbol | the walk from the nearest marker (`get_symbol_offset()`), for any symbol |
//! | [name offsets](Table::with_name_offsets) | 2 bytes per symbol | the walk, and one dependent load, for name-index probes |
//! | [`hash index`](Table::with_hash_index) | 8 bytes per distinct name | the binary search itself, and the walk |
//!
//! Where the kernel's `kallsyms_lookup_name()` (6.12) spends its time: each of its
//! ~17 binary-search probes first walks up to 255 length bytes from the nearest
//! `kallsyms_markers` entry, then expands the whole name into a buffer before its
//! `strcmp()`. The probe cache and block offsets remove the walk; the streaming
//! comparison of [`Table`] removes the expansion; the hash index removes the probes.
#![cfg_attr(not(test), deny(clippy::arithmetic_side_effects))]

use crate::error::{Array, FormatError, FormatErrorKind};
use crate::layout::SeqsKey;
use crate::table::{midpoint, read_u32, Table, KSYM_NAME_LEN, MARKER_STRIDE};

/// Nodes in a [`ProbeCache`]: the top 10 levels of the binary search tree.
pub const PROBE_CACHE_NODES: usize = 1023;

/// The name-record offsets of the first 10 levels of the name-index binary search
/// (4 KiB): every lookup's first 10 probes need no walk from a marker.
///
/// Node `k` (from 1) is the plain midpoint the search visits after the left/right
/// turns spelled by the bits of `k` below its top bit, as [`Table::lookup_name`]
/// runs it.
#[derive(Clone, Debug)]
pub struct ProbeCache {
    pub(crate) offs: [u32; PROBE_CACHE_NODES],
}

impl Default for ProbeCache {
    fn default() -> Self {
        ProbeCache {
            offs: [0; PROBE_CACHE_NODES],
        }
    }
}

impl ProbeCache {
    /// Fills the cache for `table` (in place, so the 4 KiB never sit on a stack).
    pub fn fill(&mut self, table: &Table<'_>) {
        self.offs = [0; PROBE_CACHE_NODES];
        if table.has_name_index() {
            self.fill_node(table, 0, table.len(), 1);
        }
    }

    fn fill_node(&mut self, t: &Table<'_>, lo: u32, hi: u32, node: usize) {
        if lo >= hi || node > PROBE_CACHE_NODES {
            return;
        }
        let mid = midpoint(lo, hi);
        // NO-OVERFLOW: 1 <= node <= PROBE_CACHE_NODES, mid < hi.
        if let Some(slot) = self.offs.get_mut(node.wrapping_sub(1)) {
            *slot = t.offset_of(t.seq(mid));
        }
        self.fill_node(t, lo, mid, node.wrapping_mul(2));
        self.fill_node(
            t,
            mid.wrapping_add(1),
            hi,
            node.wrapping_mul(2).wrapping_add(1),
        );
    }

    /// The cached offset of node `node`, if cached.
    #[inline]
    pub(crate) fn get(&self, node: usize) -> Option<u32> {
        self.offs.get(node.wrapping_sub(1)).copied()
    }
}

/// Entries in an [`AddressCache`] (a power of two).
pub const ADDRESS_CACHE_ENTRIES: usize = 512;
const _: () = assert!(ADDRESS_CACHE_ENTRIES.is_power_of_two());

/// The addresses of 512 evenly spaced symbols (4 KiB): an address lookup first
/// finds the two entries its address falls between in this array, which stays in
/// the CPU's cache, then searches only the `n / 512` symbols between them.
///
/// Entry `k` is the address of symbol `k * n / 512` (address order). The kernel's
/// `get_symbol_pos()` (`kernel/kallsyms.c`, 6.12) bisects all of
/// `kallsyms_offsets`: in a large table each of its last dozen probes misses the
/// caches and, the table's pages being too many for the TLB, pays a page walk as
/// well. The cache takes the first nine levels of that search out of the table
/// and leaves the rest within a few pages.
#[derive(Clone, Debug)]
pub struct AddressCache {
    pub(crate) addrs: [u64; ADDRESS_CACHE_ENTRIES],
}

impl Default for AddressCache {
    fn default() -> Self {
        AddressCache {
            addrs: [0; ADDRESS_CACHE_ENTRIES],
        }
    }
}

impl AddressCache {
    /// Fills the cache for `table` (in place, so the 4 KiB never sit on a stack).
    pub fn fill(&mut self, table: &Table<'_>) {
        let n = table.len();
        for (k, a) in self.addrs.iter_mut().enumerate() {
            *a = table.address(sample(k, n));
        }
    }

    /// The range `(low, len)` of symbols holding the last one at or below `addr`,
    /// in a table of `n` symbols whose first address is at or below `addr`: `low`
    /// is at or below `addr` as well, and `len` is at least 1.
    #[inline]
    pub(crate) fn range(&self, addr: u64, n: u32) -> (u32, u32) {
        // The last entry at or below `addr` (entry 0 is), by halving steps of a
        // conditional move each: the array is in the caches, so the steps cost no
        // misses, and no branch on the comparisons.
        let mut k = 0usize;
        let mut step = ADDRESS_CACHE_ENTRIES / 2;
        while step > 0 {
            // NO-OVERFLOW: k + step < ADDRESS_CACHE_ENTRIES.
            let m = k.wrapping_add(step);
            if self.addrs.get(m).is_some_and(|&a| a <= addr) {
                k = m;
            }
            step /= 2;
        }
        let low = sample(k, n);
        // Entry k + 1 is above `addr`, so it is another symbol than entry k's.
        let high = if k.wrapping_add(1) < ADDRESS_CACHE_ENTRIES {
            sample(k.wrapping_add(1), n)
        } else {
            n
        };
        (low, high.saturating_sub(low).max(1))
    }
}

/// The symbol of [`AddressCache`] entry `k` in a table of `n` symbols.
#[inline]
fn sample(k: usize, n: u32) -> u32 {
    // NO-OVERFLOW: k < 2^10 and n < 2^32, so the product is below 2^42; the
    // quotient is below n.
    ((k as u64).wrapping_mul(u64::from(n)) >> ADDRESS_CACHE_ENTRIES.trailing_zeros()) as u32
}

/// What [`ProbeCache::fill`] writes at node `node` (from 1) for `t`: the record
/// offset of the midpoint the search reaches by the turns spelled by the bits of
/// `node` below its top bit (0 left, 1 right), or 0 when it reaches no range.
fn node_offset(t: &Table<'_>, node: usize) -> u32 {
    if !t.has_name_index() || node == 0 {
        return 0;
    }
    let (mut lo, mut hi) = (0u32, t.len());
    // NO-OVERFLOW (in this function): node >= 1; mid < hi.
    let turns = (usize::BITS - 1).wrapping_sub(node.leading_zeros());
    for k in (0..turns).rev() {
        if lo >= hi {
            return 0;
        }
        let mid = midpoint(lo, hi);
        if (node >> k) & 1 == 0 {
            hi = mid;
        } else {
            lo = mid.wrapping_add(1);
        }
    }
    if lo >= hi {
        return 0;
    }
    t.offset_of(t.seq(midpoint(lo, hi)))
}

/// Fills `out` (one `u16` per symbol) with each record's offset from its block's
/// marker. Fails when a 256-symbol block spans more than 64 KiB of names (possible
/// only with many names near `KSYM_NAME_LEN`).
pub fn fill_block_offsets(table: &Table<'_>, out: &mut [u16]) -> Result<(), FormatError> {
    let too_big = |i| FormatError::new(Array::Names, i, FormatErrorKind::Truncated);
    if out.len() < table.len() as usize {
        return Err(too_big(0));
    }
    let mut block_start = 0u32;
    for (sym, slot) in table.iter().zip(out.iter_mut()) {
        if sym.index % MARKER_STRIDE == 0 {
            block_start = sym.name_offset;
        }
        // Record offsets ascend; a wrap (impossible) fails the conversion below.
        let rel = sym.name_offset.wrapping_sub(block_start);
        *slot = u16::try_from(rel).map_err(|_| too_big(sym.index))?;
    }
    Ok(())
}

/// Fills `out` (one `u16` per symbol, in name-index order) with the offset of the
/// record of name position `j` from its block's marker: what
/// [`fill_block_offsets`] holds, permuted by `kallsyms_seqs_of_names`. A
/// name-index probe then reads its `seqs_of_names` entry and its offset side by side
/// (one cache line apart at most for neighbouring positions) instead of one after
/// the other. Fast when `table` has block offsets attached; otherwise each entry
/// walks from its marker. Fails like [`fill_block_offsets`], or when the table has
/// no name index.
pub fn fill_name_offsets(table: &Table<'_>, out: &mut [u16]) -> Result<(), FormatError> {
    if !table.has_name_index() || out.len() < table.len() as usize {
        return Err(FormatError::new(
            Array::SeqsOfNames,
            0,
            FormatErrorKind::BadLayout,
        ));
    }
    for (j, slot) in (0..table.len()).zip(out.iter_mut()) {
        *slot = table.block_relative(table.seq(j)).ok_or(FormatError::new(
            Array::Names,
            j,
            FormatErrorKind::Truncated,
        ))?;
    }
    Ok(())
}

/// Hash of a name for the hash index: 8 bytes at a time, multiply and rotate,
/// then a final avalanche. Fixed (little-endian reads) so that an index the builder
/// writes on one machine is valid on every other.
pub fn name_hash(name: &[u8]) -> u64 {
    const K: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut h: u64 = (name.len() as u64).wrapping_mul(K);
    let mut chunks = name.chunks_exact(8);
    for c in &mut chunks {
        let mut w = [0u8; 8];
        w.copy_from_slice(c);
        h = (h ^ u64::from_le_bytes(w)).wrapping_mul(K).rotate_left(29);
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let mut w = [0u8; 8];
        if let Some(dst) = w.get_mut(..rest.len()) {
            dst.copy_from_slice(rest);
        }
        h = (h ^ u64::from_le_bytes(w)).wrapping_mul(K).rotate_left(29);
    }
    h ^= h >> 32;
    h = h.wrapping_mul(0xd6e8_feb8_6659_fd93);
    h ^ (h >> 32)
}

/// The third word of an empty hash-index slot (a full slot's tag byte is never
/// `0xff`).
pub const HASH_EMPTY: u16 = u16::MAX;

/// Words (`u16`) per hash-index slot: the record's offset from its block's marker,
/// the block number, and the index within the block (high byte) with an 8-bit tag
/// of the hash (low byte). A slot gives the record offset and the symbol index
/// without another memory access (the marker array is small and stays cached),
/// so a lookup costs two cache misses: the slot and the name it compares.
pub const HASH_SLOT_WORDS: usize = 3;

/// Slot count of the hash index for `distinct` distinct names: load factor 3/4,
/// and at least one empty slot.
pub const fn hash_slots(distinct: u32) -> usize {
    let d = distinct as usize;
    let quarter_more = d.saturating_add(d / 3);
    if quarter_more > d {
        quarter_more
    } else {
        d.saturating_add(1)
    }
}

/// Length in `u16` words of the hash index for `distinct` distinct names:
/// 6 bytes a slot, 8 bytes per distinct name (for 3 names or more).
pub const fn hash_index_len(distinct: u32) -> usize {
    hash_slots(distinct).saturating_mul(HASH_SLOT_WORDS)
}

/// The slot a hash starts probing at.
#[inline]
fn home(h: u64, slots: usize) -> usize {
    // Wrapping only for more than 2^32 slots, and then still below 2^32 <= slots.
    ((h >> 32).wrapping_mul(slots as u64) >> 32) as usize
}

/// The tag kept in a slot: 8 bits of the hash, never `0xff` (so a full slot's
/// third word never equals [`HASH_EMPTY`]).
#[inline]
fn tag(h: u64) -> u16 {
    ((h & 0xff) % 255) as u16
}

/// The symbol index a slot names: block number and index within the block.
#[inline]
fn slot_index(block: u16, kt: u16) -> u32 {
    // NO-OVERFLOW: block < 2^16 and the index in the block < 2^8: below 2^24.
    (u32::from(block) << 8) | u32::from(kt >> 8)
}

/// Counts the distinct names of a table with a full-name index.
pub fn distinct_names(table: &Table<'_>) -> u32 {
    let mut count = 0u32;
    let mut prev: Option<u32> = None;
    for j in 0..table.len() {
        let off = table.name_offset_at(j);
        let same = prev.is_some_and(|p| table.same_name(p, off));
        if !same {
            // NO-OVERFLOW: at most num_syms.
            count = count.wrapping_add(1);
        }
        prev = Some(off);
    }
    count
}

/// Fills `out` ([`hash_index_len`]`(distinct_names(table))` words) with the hash
/// index: for each distinct name, where its lowest-address symbol (the answer of
/// `kallsyms_lookup_name()`) is: its index and its record (see
/// [`HASH_SLOT_WORDS`]). Needs a name index sorted by full name, and every record
/// within 64 KiB of its block's marker.
pub fn fill_hash_index(table: &Table<'_>, out: &mut [u16]) -> Result<(), FormatError> {
    let bad = FormatError::new(Array::SeqsOfNames, 0, FormatErrorKind::BadLayout);
    if !table.has_name_index() || table.layout().seqs_key != SeqsKey::FullName || out.is_empty() {
        return Err(bad);
    }
    out.fill(HASH_EMPTY);
    let slots = out.len() / HASH_SLOT_WORDS;
    let mut prev: Option<u32> = None;
    let mut buf = [0u8; KSYM_NAME_LEN];
    let mut placed = 0usize;
    for j in 0..table.len() {
        let off = table.name_offset_at(j);
        if prev.is_some_and(|p| table.same_name(p, off)) {
            continue;
        }
        prev = Some(off);
        let n = table.expand(off, &mut buf);
        let h = name_hash(buf.get(..n).unwrap_or(&[]));
        let i = table.seq(j);
        let too_far = FormatError::new(Array::Names, i, FormatErrorKind::Truncated);
        let rel = table.block_relative(i).ok_or(too_far)?;
        let block = u16::try_from(i / MARKER_STRIDE).map_err(|_| too_far)?;
        // NO-OVERFLOW: at most num_syms.
        placed = placed.wrapping_add(1);
        if placed >= slots {
            return Err(FormatError::new(
                Array::SeqsOfNames,
                j,
                FormatErrorKind::Truncated,
            ));
        }
        let mut s = home(h, slots);
        loop {
            // NO-OVERFLOW: s < slots, so the slot's words lie in `out`.
            let at = s.wrapping_mul(HASH_SLOT_WORDS);
            let slot = out
                .get_mut(at..at.wrapping_add(HASH_SLOT_WORDS))
                .ok_or(bad)?;
            if let [r, b, kt] = slot {
                if *kt == HASH_EMPTY {
                    (*r, *b, *kt) = (rel, block, ((i % MARKER_STRIDE) as u16) << 8 | tag(h));
                    break;
                }
            }
            // NO-OVERFLOW: s < slots.
            s = if s.wrapping_add(1) == slots {
                0
            } else {
                s.wrapping_add(1)
            };
        }
    }
    Ok(())
}

impl<'a> Table<'a> {
    /// Whether the names at record offsets `a` and `b` are equal.
    pub(crate) fn same_name(&self, a: u32, b: u32) -> bool {
        let mut buf = [0u8; KSYM_NAME_LEN];
        let n = self.expand(a, &mut buf);
        self.cmp_name(b, buf.get(..n).unwrap_or(&[])) == core::cmp::Ordering::Equal
    }

    /// Attaches a filled [`AddressCache`], after checking every entry.
    pub fn with_address_cache<'c>(self, cache: &'c AddressCache) -> Result<Table<'c>, FormatError>
    where
        'a: 'c,
    {
        let n = self.len();
        let bad = (0..ADDRESS_CACHE_ENTRIES)
            .find(|&k| cache.addrs.get(k).copied() != Some(self.address(sample(k, n))));
        if let Some(k) = bad {
            return Err(FormatError::new(
                Array::Offsets,
                sample(k, n),
                FormatErrorKind::BadMarker,
            ));
        }
        let mut t: Table<'c> = self;
        t.accel.addresses = Some(cache);
        Ok(t)
    }

    /// Attaches a filled [`ProbeCache`], after checking every entry.
    pub fn with_probe_cache<'c>(self, cache: &'c ProbeCache) -> Result<Table<'c>, FormatError>
    where
        'a: 'c,
    {
        // Node by node: a second cache to compare with would put 4 KiB on the stack.
        let same =
            (1..=PROBE_CACHE_NODES).all(|node| cache.get(node) == Some(node_offset(&self, node)));
        if !same {
            return Err(FormatError::new(
                Array::Names,
                0,
                FormatErrorKind::BadMarker,
            ));
        }
        let mut t: Table<'c> = self;
        t.accel.cache = Some(cache);
        Ok(t)
    }

    /// Attaches block offsets filled by [`fill_block_offsets`], after checking every
    /// entry against a walk of the names.
    pub fn with_block_offsets<'c>(self, offsets: &'c [u16]) -> Result<Table<'c>, FormatError>
    where
        'a: 'c,
    {
        if offsets.len() < self.len() as usize {
            return Err(FormatError::new(
                Array::Names,
                0,
                FormatErrorKind::Truncated,
            ));
        }
        let mut block_start = 0u32;
        for (sym, &rel) in self.iter().zip(offsets) {
            if sym.index % MARKER_STRIDE == 0 {
                block_start = sym.name_offset;
            }
            if block_start.checked_add(u32::from(rel)) != Some(sym.name_offset) {
                return Err(FormatError::new(
                    Array::Names,
                    sym.index,
                    FormatErrorKind::BadMarker,
                ));
            }
        }
        let mut t: Table<'c> = self;
        t.accel.block_offsets = Some(offsets);
        Ok(t)
    }

    /// The offset of symbol `index`'s record from its block's marker, if it fits.
    fn block_relative(&self, index: u32) -> Option<u16> {
        let e = self.layout.endian;
        let marker = read_u32(self.raw.markers, (index / MARKER_STRIDE) as usize, e)?;
        u16::try_from(self.offset_of(index).checked_sub(marker)?).ok()
    }

    /// Attaches name offsets filled by [`fill_name_offsets`], after checking every
    /// entry: against the block offsets when those are attached (linear), else
    /// against a walk from each entry's marker (about 128 records per symbol: tens
    /// of milliseconds for 200,000 symbols).
    pub fn with_name_offsets<'c>(self, offsets: &'c [u16]) -> Result<Table<'c>, FormatError>
    where
        'a: 'c,
    {
        if !self.has_name_index() || offsets.len() < self.len() as usize {
            return Err(FormatError::new(
                Array::SeqsOfNames,
                0,
                FormatErrorKind::BadLayout,
            ));
        }
        for (j, &rel) in (0..self.len()).zip(offsets) {
            if self.block_relative(self.seq(j)) != Some(rel) {
                return Err(FormatError::new(
                    Array::Names,
                    j,
                    FormatErrorKind::BadMarker,
                ));
            }
        }
        let mut t: Table<'c> = self;
        t.accel.name_offsets = Some(offsets);
        Ok(t)
    }

    /// The record offset of name position `j`: by the name offsets when attached.
    #[inline]
    pub(crate) fn name_offset_at(&self, j: u32) -> u32 {
        let i = self.seq(j);
        match self.accel.name_offsets {
            Some(rel) => {
                let e = self.layout.endian;
                let marker =
                    read_u32(self.raw.markers, (i / MARKER_STRIDE) as usize, e).unwrap_or(0);
                // Checked entry by entry when attached (`with_name_offsets`).
                marker.wrapping_add(u32::from(rel.get(j as usize).copied().unwrap_or(0)))
            }
            None => self.offset_of(i),
        }
    }

    /// Whether record offsets of name positions come without a walk.
    #[inline]
    pub(crate) fn cheap_offsets(&self) -> bool {
        self.accel.name_offsets.is_some() || self.accel.block_offsets.is_some()
    }

    /// Attaches a hash index filled by [`fill_hash_index`], after checking that it
    /// finds the first entry of every distinct name, at its record, and nothing else.
    pub fn with_hash_index<'c>(self, words: &'c [u16]) -> Result<Table<'c>, FormatError>
    where
        'a: 'c,
    {
        let bad = |j| FormatError::new(Array::SeqsOfNames, j, FormatErrorKind::SeqNotSorted);
        if !self.has_name_index()
            || self.layout.seqs_key != SeqsKey::FullName
            || words.len() < HASH_SLOT_WORDS
            || words.len() % HASH_SLOT_WORDS != 0
        {
            return Err(bad(0));
        }
        let mut t: Table<'c> = self;
        t.accel.hash = Some(words);
        // Every slot must hold a first entry, and every first entry must be found.
        let mut full = 0usize;
        for slot in words.chunks_exact(HASH_SLOT_WORDS) {
            if let [_, b, kt] = slot {
                if *kt != HASH_EMPTY {
                    // NO-OVERFLOW: at most words.len() / 3.
                    full = full.wrapping_add(1);
                    let i = slot_index(*b, *kt);
                    if i >= t.len() {
                        return Err(bad(i));
                    }
                }
            }
        }
        let mut buf = [0u8; KSYM_NAME_LEN];
        let mut prev: Option<u32> = None;
        let mut distinct = 0usize;
        for j in 0..t.len() {
            let off = t.name_offset_at(j);
            if prev.is_some_and(|p| t.same_name(p, off)) {
                continue;
            }
            prev = Some(off);
            // NO-OVERFLOW: at most num_syms.
            distinct = distinct.wrapping_add(1);
            let n = t.expand(off, &mut buf);
            if t.hash_find(buf.get(..n).unwrap_or(&[])) != Some((t.seq(j), off)) {
                return Err(bad(j));
            }
        }
        if distinct != full {
            return Err(bad(0));
        }
        Ok(t)
    }

    /// With a hash index: `Some(Some((index, record offset)))` of the
    /// lowest-address symbol named `name`, or `Some(None)` when it is not in the
    /// table. `None` without a hash index.
    #[inline]
    pub(crate) fn hash_lookup(&self, name: &[u8]) -> Option<Option<(u32, u32)>> {
        self.accel.hash?;
        Some(self.hash_find(name))
    }

    fn hash_find(&self, name: &[u8]) -> Option<(u32, u32)> {
        let words = self.accel.hash?;
        let h = name_hash(name);
        let want = tag(h);
        let n = words.len() / HASH_SLOT_WORDS;
        let e = self.layout.endian;
        let mut s = home(h, n);
        for _ in 0..n {
            // NO-OVERFLOW: s < n, so the slot's words lie in `words`.
            let at = s.wrapping_mul(HASH_SLOT_WORDS);
            let Some(&[rel, block, kt]) = words.get(at..at.wrapping_add(HASH_SLOT_WORDS)) else {
                return None;
            };
            if kt == HASH_EMPTY {
                return None;
            }
            if kt & 0xff == want {
                let marker = read_u32(self.raw.markers, usize::from(block), e).unwrap_or(0);
                let off = marker.wrapping_add(u32::from(rel));
                let i = slot_index(block, kt);
                // Load the symbol's address entry now (the caller reads it next), so
                // that its cache miss overlaps the name's instead of following it.
                // (`black_box` keeps the load; the core has no `unsafe` for a
                // prefetch instruction.)
                // NO-OVERFLOW: i < 2^24.
                core::hint::black_box(self.raw.offsets.get((i as usize).wrapping_mul(4)).copied());
                if self.cmp_name(off, name) == core::cmp::Ordering::Equal {
                    return Some((i, off));
                }
            }
            // NO-OVERFLOW: s < n.
            s = if s.wrapping_add(1) == n {
                0
            } else {
                s.wrapping_add(1)
            };
        }
        None
    }
}

/// The accelerators attached to a table.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Accel<'a> {
    pub(crate) cache: Option<&'a ProbeCache>,
    pub(crate) addresses: Option<&'a AddressCache>,
    pub(crate) block_offsets: Option<&'a [u16]>,
    pub(crate) name_offsets: Option<&'a [u16]>,
    pub(crate) hash: Option<&'a [u16]>,
}
