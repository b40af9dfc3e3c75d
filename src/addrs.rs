// SPDX-License-Identifier: GPL-2.0-only OR MIT
//! Addresses: decoding per `AddressEncoding` (see [`crate::layout`]), the kernel's
//! section bounds, and address-to-position search (`get_symbol_pos`).
#![cfg_attr(not(test), deny(clippy::arithmetic_side_effects))]

use crate::layout::AddressEncoding;
use crate::table::{read_u32, touch, Table, MARKER_STRIDE};

/// The kernel section bounds that address lookups need (`include/asm-generic/sections.h`
/// and `include/linux/kallsyms.h`, 6.12): which addresses belong to the table
/// (`is_ksym_addr()`) and where the last symbol of a section ends
/// (`get_symbol_pos()`).
///
/// The kernel also accepts the x86-64 vsyscall gate area (`in_gate_area_no_mm()`);
/// it has no symbols in the table, so this type leaves it out.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C)]
pub struct Sections {
    /// `_stext`.
    pub stext: u64,
    /// `_etext`.
    pub etext: u64,
    /// `_sinittext`.
    pub sinittext: u64,
    /// `_einittext`.
    pub einittext: u64,
    /// `__init_begin`.
    pub init_begin: u64,
    /// `__init_end`.
    pub init_end: u64,
    /// `_end`.
    pub end: u64,
    /// Whether the table holds every symbol (`CONFIG_KALLSYMS_ALL`): then data
    /// addresses are looked up too and the last symbol ends at `_end`.
    pub kallsyms_all: bool,
}

impl Sections {
    /// `is_kernel_inittext()`: `[_sinittext, _einittext)`.
    pub const fn is_inittext(&self, addr: u64) -> bool {
        addr >= self.sinittext && addr < self.einittext
    }

    /// `is_ksym_addr()` without the gate area: with `KALLSYMS_ALL`, `__is_kernel()`
    /// (`[_stext, _end)` or `[__init_begin, __init_end)`); otherwise
    /// `[_stext, _etext)` or `[_sinittext, _einittext)`.
    pub const fn is_ksym_addr(&self, addr: u64) -> bool {
        if self.kallsyms_all {
            (addr >= self.stext && addr < self.end)
                || (addr >= self.init_begin && addr < self.init_end)
        } else {
            (addr >= self.stext && addr < self.etext) || self.is_inittext(addr)
        }
    }

    /// Where the last symbol ends (`get_symbol_pos()` 6.12): `_einittext` for an
    /// init-text address, else `_end` with `KALLSYMS_ALL`, else `_etext`.
    pub const fn last_end(&self, addr: u64) -> u64 {
        if self.is_inittext(addr) {
            self.einittext
        } else if self.kallsyms_all {
            self.end
        } else {
            self.etext
        }
    }
}

/// Ways of each round of the address search (see [`Table::position`]).
const ADDR_WAYS: u32 = 16;

/// Symbols whose block offsets [`Table::position_and_offset`] loads ahead: 512 bytes.
const TOUCH_RANGE: u32 = 256;

/// Symbols whose name records [`Table::position_and_offset`] loads ahead.
const TOUCH_RECORDS: u32 = 16;

/// Where an address falls: the symbol that covers it, its extent and the offset.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Position {
    /// Address-order index of the symbol (the first alias at its address).
    pub index: u32,
    /// The symbol's address.
    pub start: u64,
    /// Size: the next higher symbol address (or the section end) minus `start`.
    pub size: u64,
    /// `addr - start`.
    pub offset: u64,
}

impl<'a> Table<'a> {
    /// The address of symbol `index` (address order). Indexes past the end give 0.
    #[inline]
    pub fn address(&self, index: u32) -> u64 {
        if index >= self.raw.num_syms {
            return 0;
        }
        let (off, e, i) = (self.raw.offsets, self.layout.endian, index as usize);
        // Validation decoded every address once with checked arithmetic
        // (invariant), so the wrapping forms of the two common encodings give the
        // same values; the others take the checked path.
        match self.layout.addresses {
            AddressEncoding::Relative => {
                let v = read_u32(off, i, e).unwrap_or(0);
                self.raw.relative_base.wrapping_add(u64::from(v))
            }
            AddressEncoding::AbsolutePercpu => {
                let v = read_u32(off, i, e).unwrap_or(0) as i32;
                if v >= 0 {
                    v as u64
                } else {
                    // relative_base - 1 - v
                    self.raw
                        .relative_base
                        .wrapping_sub(1)
                        .wrapping_sub(i64::from(v) as u64)
                }
            }
            _ => self.decode_address(index).unwrap_or(0),
        }
    }

    /// The last symbol at or below `addr`, stepped back to the first alias at its
    /// address, with size and offset (`kernel/kallsyms.c` 6.12 `get_symbol_pos()`).
    /// The end of the last symbol comes from [`Table::with_sections`] (size 0 without). This does not
    /// check [`Sections::is_ksym_addr`]; [`Table::lookup_address`] does.
    ///
    /// Differs from the kernel where the kernel relies on its callers: an address
    /// below the first symbol gives `None` (the kernel would report symbol 0 with a
    /// wrapped offset, but its callers first check `is_ksym_addr()`), and a size
    /// that would be negative (a section end below the symbol) is 0.
    pub fn position(&self, addr: u64) -> Option<Position> {
        self.position_and_offset(addr, false).map(|(p, _)| p)
    }

    /// [`Table::position`], and with `want_offset` also the name-record offset of
    /// the symbol found.
    ///
    /// Differs from the kernel's binary search in how, not what: each round
    /// compares [`ADDR_WAYS`]` - 1` pivots and moves by their count, without a
    /// branch on any comparison, so the pivots' cache misses overlap and no
    /// mispredicted branch flushes the work in flight (the kernel's loop takes a
    /// 50/50 branch per level). The walk from the block's marker to the record
    /// (`get_symbol_offset()`) starts as soon as the search is inside one
    /// 256-symbol block and advances with it (`low` only grows, so no step is
    /// wasted), overlapping the search instead of following it.
    ///
    /// With an [`AddressCache`](crate::accel::AddressCache) the search starts in
    /// the range between two of its entries. With block offsets, the lines holding
    /// them for the range are loaded once the range is within [`TOUCH_RANGE`]
    /// symbols, and the lines of the name records once it is within
    /// [`TOUCH_RECORDS`], each beside the search's remaining loads: the record's
    /// offset and its first bytes are then in the cache when the search ends,
    /// instead of two cache misses one after the other (the synthetic 1M-symbol
    /// table on the project's VM, block offsets attached: 540 ns a lookup without
    /// the cache and the loads ahead, 350-480 ns with them; the kernel's 800-1000).
    pub(crate) fn position_and_offset(
        &self,
        addr: u64,
        want_offset: bool,
    ) -> Option<(Position, u32)> {
        let n = self.raw.num_syms;
        if n == 0 || addr < self.address(0) {
            return None;
        }
        // The last index whose address is <= addr: a search without branches on
        // the comparisons (a conditional move per level), whose loop runs
        // ceil(log2 n) times whatever the data; unpredictable branches would
        // cost a pipeline flush at every other level.
        let (mut low, mut len) = match self.accel.addresses {
            Some(c) => c.range(addr, n),
            None => (0u32, n),
        };
        let walk = want_offset && self.accel.block_offsets.is_none();
        // With block offsets, their lines for the range are loaded once the range is
        // small, beside the search's own loads, instead of after it.
        let mut touch = want_offset && self.accel.block_offsets.is_some();
        // Then, once it is smaller still, the name records' lines.
        let mut records = false;
        // (index, record offset) of the walk from the block's marker, once the
        // search is inside one block: `low` only grows, so walking up to it as
        // the search narrows is never wasted, and the walk's loads overlap the
        // search's (`get_symbol_offset()` walks only afterwards).
        let mut at: Option<(u32, u32)> = None;
        // NO-OVERFLOW (in this function): low + len <= n; half < len; k <= n.
        while len > 1 {
            if len >= ADDR_WAYS {
                // ADDR_WAYS ways: the pivots' loads are independent, so their
                // cache misses overlap; the count of pivots at or below `addr`
                // picks the part.
                let q = len / ADDR_WAYS;
                let mut c = 0u32;
                let mut m = low;
                for _ in 1..ADDR_WAYS {
                    m = m.wrapping_add(q);
                    c = c.wrapping_add(u32::from(self.address(m) <= addr));
                }
                low = low.wrapping_add(c.wrapping_mul(q));
                len = if c == ADDR_WAYS.wrapping_sub(1) {
                    len.wrapping_sub(q.wrapping_mul(c))
                } else {
                    q
                };
            } else {
                let half = len / 2;
                let mid = low.wrapping_add(half);
                low = if self.address(mid) <= addr { mid } else { low };
                len = len.wrapping_sub(half);
            }
            if touch && len <= TOUCH_RANGE {
                touch = false;
                records = true;
                self.touch_block_offsets(low, len);
            }
            if records && len <= TOUCH_RECORDS {
                records = false;
                self.touch_records(low, len);
            }
            if walk && low / MARKER_STRIDE == low.wrapping_add(len).wrapping_sub(1) / MARKER_STRIDE
            {
                let (i, off) = at.unwrap_or_else(|| {
                    let base = low.wrapping_sub(low % MARKER_STRIDE);
                    (base, self.offset_of(base))
                });
                at = Some((low, self.skip_records(off, low.wrapping_sub(i))));
            }
        }
        let start = self.address(low);
        // The next index has the next strictly higher address: the kernel's
        // forward scan over aliases ends at the same entry.
        let next = low.wrapping_add(1);
        let end = if next < n {
            self.address(next)
        } else {
            // Without section bounds the end of the last symbol is unknown: size 0.
            self.sections.map_or(start, |s| s.last_end(addr))
        };
        // Step back to the first alias: the entry that sorts first under the
        // builder's tie-breakers (weak last, linker-provided last, fewer
        // underscores first).
        while low > 0 && self.address(low.wrapping_sub(1)) == start {
            low = low.wrapping_sub(1);
        }
        let off = match at {
            Some((i, off)) if i == low => off,
            _ if want_offset => self.offset_of(low),
            _ => 0,
        };
        Some((
            Position {
                index: low,
                start,
                size: end.saturating_sub(start),
                // NO-OVERFLOW: start is the address of a symbol at or below addr.
                offset: addr.wrapping_sub(start),
            },
            off,
        ))
    }

    /// Loads the cache lines of the block offsets of symbols `low..low + len`
    /// (one `u16` each, 32 to a line), so that reading the final one later hits.
    #[inline]
    fn touch_block_offsets(&self, low: u32, len: u32) {
        if let Some(b) = self.accel.block_offsets {
            touch(b.get(low as usize..).unwrap_or_default(), len as usize, 32);
        }
    }

    /// Loads the cache lines of the name records of symbols `low..low + len`
    /// (consecutive in `kallsyms_names`), at most 16 lines.
    #[inline]
    fn touch_records(&self, low: u32, len: u32) {
        let first = self.offset_of(low);
        let last = self.offset_of(low.saturating_add(len.saturating_sub(1)));
        let span = (last.saturating_sub(first) as usize).min(16 * 64);
        let names = self.raw.names.get(first as usize..).unwrap_or_default();
        touch(names, span.saturating_add(1), 64);
    }
}
