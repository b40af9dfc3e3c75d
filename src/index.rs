// SPDX-License-Identifier: GPL-2.0-only OR MIT
//! Heap-backed indexes (feature `alloc`): a name index for tables that have none
//! (6.1.0 - 6.1.41) or whose index was sorted by a cut name (Clang LTO, 6.2 - 6.10),
//! and an owned bundle of the [`accel`](mod@crate::accel) accelerators.

use alloc::boxed::Box;
use alloc::vec;
use alloc::vec::Vec;

use crate::accel::{self, AddressCache, ProbeCache};
use crate::error::FormatError;
use crate::layout::{SeqsFormat, SeqsKey};
use crate::table::{Checks, Table, KSYM_NAME_LEN};

/// A `kallsyms_seqs_of_names` built in memory: 3-byte big-endian entries sorted by
/// (full name, address, index), as `scripts/kallsyms.c` 6.12 `sort_symbols_by_name()`
/// writes it.
#[derive(Clone, Debug)]
pub struct NameIndex {
    bytes: Vec<u8>,
}

impl NameIndex {
    /// Sorts the symbols of `table` by full name. O(n log n) comparisons of
    /// expanded names; the names are expanded once.
    pub fn build(table: &Table<'_>) -> NameIndex {
        let mut arena: Vec<u8> = Vec::new();
        let mut spans: Vec<(u32, u32)> = Vec::with_capacity(table.len() as usize);
        let mut buf = [0u8; KSYM_NAME_LEN];
        for sym in table.iter() {
            let name = table.name(&sym, &mut buf);
            let start = arena.len() as u32;
            arena.extend_from_slice(name);
            spans.push((start, name.len() as u32));
        }
        let name = |i: u32| -> &[u8] {
            let (s, l) = spans.get(i as usize).copied().unwrap_or((0, 0));
            arena.get(s as usize..(s + l) as usize).unwrap_or(&[])
        };
        let mut order: Vec<u32> = (0..table.len()).collect();
        // Address order is index order, so (name, index) is (name, address, index).
        order.sort_unstable_by(|&a, &b| name(a).cmp(name(b)).then(a.cmp(&b)));
        let mut bytes = vec![0u8; order.len() * 3];
        for (chunk, i) in bytes.chunks_exact_mut(3).zip(order) {
            if let Some(low) = i.to_be_bytes().get(1..) {
                chunk.copy_from_slice(low);
            }
        }
        NameIndex { bytes }
    }

    /// The index as `kallsyms_seqs_of_names` bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }
}

impl<'a> Table<'a> {
    /// Replaces the table's name index (or lack of one) with `index`, validated in
    /// full, so that name lookups use binary search on full names.
    pub fn with_name_index<'c>(self, index: &'c NameIndex) -> Result<Table<'c>, FormatError>
    where
        'a: 'c,
    {
        let mut raw = *self.raw();
        raw.seqs_of_names = index.as_bytes();
        let mut layout = self.layout();
        layout.seqs = SeqsFormat::Be24;
        layout.seqs_key = SeqsKey::FullName;
        let mut t = Table::with_checks(raw, layout, Checks::Full)?;
        t.sections = self.sections;
        Ok(t)
    }
}

/// The accelerators of [`crate::accel`], owned.
#[derive(Clone, Debug)]
pub struct Accelerators {
    cache: Box<ProbeCache>,
    addresses: Box<AddressCache>,
    blocks: Option<Vec<u16>>,
    names: Option<Vec<u16>>,
    hash: Option<Vec<u16>>,
}

impl Accelerators {
    /// Builds the probe cache and the address cache, and the block offsets, name
    /// offsets and hash index where the table allows them (the offsets need every
    /// 256-symbol block under 64 KiB of names; name offsets need a name index, the
    /// hash index a full-name index).
    pub fn build(table: &Table<'_>) -> Accelerators {
        let mut cache = Box::<ProbeCache>::default();
        cache.fill(table);
        let mut addresses = Box::<AddressCache>::default();
        addresses.fill(table);
        let mut blocks = vec![0u16; table.len() as usize];
        let blocks = accel::fill_block_offsets(table, &mut blocks)
            .ok()
            .map(|()| blocks);
        // With the block offsets attached, the other two fill without walks.
        let fast = blocks
            .as_ref()
            .and_then(|b| table.clone().with_block_offsets(b).ok());
        let t = fast.as_ref().unwrap_or(table);
        let mut names = vec![0u16; table.len() as usize];
        let names = accel::fill_name_offsets(t, &mut names).ok().map(|()| names);
        let mut hash = vec![0u16; accel::hash_index_len(accel::distinct_names(t))];
        let hash = accel::fill_hash_index(t, &mut hash).ok().map(|()| hash);
        Accelerators {
            cache,
            addresses,
            blocks,
            names,
            hash,
        }
    }

    /// Bytes of memory the accelerators use.
    pub fn bytes(&self) -> usize {
        core::mem::size_of::<ProbeCache>()
            + core::mem::size_of::<AddressCache>()
            + self.blocks.as_ref().map_or(0, |b| b.len() * 2)
            + self.names.as_ref().map_or(0, |n| n.len() * 2)
            + self.hash.as_ref().map_or(0, |h| h.len() * 2)
    }

    /// Attaches every accelerator that was built to `table` (which must be the
    /// table they were built from: each is checked).
    pub fn attach<'c, 'a: 'c>(&'c self, table: Table<'a>) -> Result<Table<'c>, FormatError> {
        let mut t = table
            .with_probe_cache(&self.cache)?
            .with_address_cache(&self.addresses)?;
        if let Some(b) = &self.blocks {
            t = t.with_block_offsets(b)?;
        }
        if let Some(n) = &self.names {
            t = t.with_name_offsets(n)?;
        }
        if let Some(h) = &self.hash {
            t = t.with_hash_index(h)?;
        }
        Ok(t)
    }
}
