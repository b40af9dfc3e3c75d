// SPDX-License-Identifier: GPL-2.0-only OR MIT
//! [`Table`]: a validated, zero-copy view of the kernel's kallsyms arrays.
//!
//! The arrays are the ones `scripts/kallsyms.c` emits and `kernel/kallsyms_internal.h`
//! declares (6.12): `kallsyms_num_syms`, `kallsyms_names`, `kallsyms_markers`,
//! `kallsyms_token_table`, `kallsyms_token_index`, `kallsyms_offsets` (or
//! `kallsyms_addresses` before 6.11), `kallsyms_relative_base` (until 7.0) and
//! `kallsyms_seqs_of_names` (since 6.2 and 6.1.42).
//!
//! [`Table::new`] walks every array once and checks every fact the queries rely on;
//! after that no accessor can index out of bounds, loop without bound or overflow.
//! The kernel trusts its arrays instead, because the build wrote them; a reader that
//! also serves kernel images, dumps and fuzzers cannot.
#![cfg_attr(not(test), deny(clippy::arithmetic_side_effects))]

use crate::accel::Accel;
use crate::addrs::Sections;
use crate::error::{Array, FormatError, FormatErrorKind};
use crate::layout::{AddressEncoding, Endian, Layout, SeqsFormat, SeqsKey};

/// `KSYM_NAME_LEN` (`include/linux/kallsyms.h`): 512 since 6.1 (b8a94bfb3395). Names
/// hold at most `KSYM_NAME_LEN - 1` bytes.
pub const KSYM_NAME_LEN: usize = 512;

/// Tables with at least this many symbols load the name-index entries of the next
/// level ahead in a search without record offsets ([`Table::touch_next_picks`]): at
/// ~30 bytes of names a symbol, theirs outgrow a 16 MiB cache.
const TOUCH_NEXT_PICKS: u32 = 1 << 19;

/// Reads every `step`-th of the first `len` items of `items` (one per cache line),
/// as a prefetch: the loads are independent, so their misses overlap whatever the
/// caller does next, and the value is kept only so that they are not removed.
#[inline]
pub(crate) fn touch<T: Copy + Into<u64>>(items: &[T], len: usize, step: usize) {
    let sum = items
        .iter()
        .take(len)
        .step_by(step.max(1))
        .fold(0u64, |a, &x| a ^ x.into());
    core::hint::black_box(sum);
}

/// The midpoint of `lo..hi` (`lo <= hi`), rounded down.
#[inline]
pub(crate) const fn midpoint(lo: u32, hi: u32) -> u32 {
    // NO-OVERFLOW: lo <= hi, so hi - lo does not wrap and lo + (hi - lo) / 2 <= hi.
    lo.wrapping_add(hi.wrapping_sub(lo) / 2)
}

/// Symbols per entry of `kallsyms_markers` (`scripts/kallsyms.c` `write_src()`).
pub(crate) const MARKER_STRIDE: u32 = 256;

/// The largest symbol count a table can hold: `kallsyms_seqs_of_names` stores 24-bit
/// indexes (`scripts/kallsyms.c` 6.12 `write_src()`).
pub const MAX_SYMS: u32 = 1 << 24;

/// The kernel's arrays as they sit in memory, not yet validated.
///
/// Byte slices, so that a table can be read from anywhere: the kernel's own
/// `.rodata` (through the C ABI), an ELF file, a raw image or a dump. Multi-byte
/// entries are read in [`Layout::endian`] order.
#[derive(Clone, Copy, Debug, Default)]
pub struct RawTable<'a> {
    /// `kallsyms_num_syms`.
    pub num_syms: u32,
    /// `kallsyms_names`: may extend past the last record (the rest is ignored).
    pub names: &'a [u8],
    /// `kallsyms_markers`: `u32` entries.
    pub markers: &'a [u8],
    /// `kallsyms_token_table`: 256 NUL-terminated tokens.
    pub token_table: &'a [u8],
    /// `kallsyms_token_index`: 256 `u16` offsets into the token table.
    pub token_index: &'a [u8],
    /// `kallsyms_offsets` (`u32` entries), or `kallsyms_addresses` (pointer-sized
    /// entries) for [`AddressEncoding::Absolute`].
    pub offsets: &'a [u8],
    /// `kallsyms_relative_base` (ignored by layouts without one).
    pub relative_base: u64,
    /// The address at which `kallsyms_offsets` lives (only for
    /// [`AddressEncoding::PlaceRelative`]).
    pub offsets_addr: u64,
    /// `kallsyms_seqs_of_names` (empty when the layout has none).
    pub seqs_of_names: &'a [u8],
}

/// One token's place in `kallsyms_token_table`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Token {
    /// Offset of the first byte (`kallsyms_token_index` entries are `u16`).
    pub(crate) start: u16,
    /// Length without the NUL; `u16::MAX` marks a token longer than
    /// `KSYM_NAME_LEN`, which no valid name can use.
    pub(crate) len: u16,
}

/// How thoroughly [`Table::with_checks`] validates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Checks {
    /// Bounds and encoding of every array, ascending addresses, and that
    /// `kallsyms_seqs_of_names` is a permutation strictly ordered by its key. This is
    /// what [`Table::new`] does: O(total name bytes + n x 128).
    Full,
    /// Everything [`Checks::Full`] does except the name order of
    /// `kallsyms_seqs_of_names`: entries are still checked to be in range, so no
    /// query can read out of bounds, but a misordered index makes name lookups miss.
    /// For a table the caller built itself (the kernel's own `.rodata`), this saves
    /// the O(n x name) pass at boot.
    SkipNameOrder,
}

/// A validated kallsyms table.
///
/// # Invariants
///
/// Established by [`Table::with_checks`] and never changed afterwards:
/// - `names` holds `num_syms` records back to back from offset 0, ending at
///   `names_len <= names.len()`; each is a ULEB128 length of one byte, or two when
///   bit 7 of the first is set and clear in the second, then that many token codes;
///   the length is not zero.
/// - every token code used by a record refers to a token (`tokens[code]`) that lies
///   inside `token_table`, is non-empty and has no NUL; every record expands to at
///   most `KSYM_NAME_LEN` bytes, the type letter included.
/// - `markers` holds at least `ceil(num_syms / 256)` entries and entry `k` is the
///   offset of record `256 * k`.
/// - `offsets` holds at least `num_syms` entries; every entry decodes without
///   overflow to an address that fits `ptr_bytes`, and addresses are ascending.
/// - if the layout has `seqs_of_names`, it holds at least `num_syms` entries, each
///   below `num_syms` (and, with [`Checks::Full`], strictly ordered by key, address
///   and index, so they form a permutation).
/// - `num_syms <= MAX_SYMS`.
#[derive(Clone, Debug)]
pub struct Table<'a> {
    pub(crate) raw: RawTable<'a>,
    pub(crate) layout: Layout,
    pub(crate) tokens: [Token; 256],
    pub(crate) names_len: u32,
    pub(crate) max_name_len: u32,
    pub(crate) sections: Option<Sections>,
    pub(crate) accel: Accel<'a>,
}

/// Reads a `u16` at entry `i` of `bytes`.
#[inline]
pub(crate) fn read_u16(bytes: &[u8], i: usize, e: Endian) -> Option<u16> {
    let at = i.checked_mul(2)?;
    let b = bytes.get(at..at.checked_add(2)?)?;
    let a = [*b.first()?, *b.get(1)?];
    Some(match e {
        Endian::Little => u16::from_le_bytes(a),
        Endian::Big => u16::from_be_bytes(a),
    })
}

/// Reads a `u32` at entry `i` of `bytes`.
#[inline]
pub(crate) fn read_u32(bytes: &[u8], i: usize, e: Endian) -> Option<u32> {
    let at = i.checked_mul(4)?;
    let b: [u8; 4] = bytes.get(at..at.checked_add(4)?)?.try_into().ok()?;
    Some(match e {
        Endian::Little => u32::from_le_bytes(b),
        Endian::Big => u32::from_be_bytes(b),
    })
}

/// Reads a `u64` at entry `i` of `bytes`.
#[inline]
pub(crate) fn read_u64(bytes: &[u8], i: usize, e: Endian) -> Option<u64> {
    let at = i.checked_mul(8)?;
    let b: [u8; 8] = bytes.get(at..at.checked_add(8)?)?.try_into().ok()?;
    Some(match e {
        Endian::Little => u64::from_le_bytes(b),
        Endian::Big => u64::from_be_bytes(b),
    })
}

/// The header of one name record: where its codes start and how many there are.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Record {
    /// Offset of the first token code.
    pub(crate) codes: u32,
    /// Number of token codes.
    pub(crate) len: u32,
}

impl Record {
    /// Offset of the next record.
    #[inline]
    pub(crate) fn next(self) -> u32 {
        // NO-OVERFLOW: validation showed codes + len <= names_len <= u32::MAX.
        self.codes.wrapping_add(self.len)
    }
}

/// Decodes the ULEB128 length at `off` (`kernel/kallsyms.c` 6.12
/// `kallsyms_expand_symbol()`: one byte, or two when bit 7 is set).
#[inline]
pub(crate) fn record_at(names: &[u8], off: u32) -> Option<Record> {
    let o = off as usize;
    let b0 = *names.get(o)?;
    if b0 & 0x80 == 0 {
        Some(Record {
            codes: off.checked_add(1)?,
            len: u32::from(b0),
        })
    } else {
        let b1 = *names.get(o.checked_add(1)?)?;
        Some(Record {
            codes: off.checked_add(2)?,
            len: u32::from(b0 & 0x7f) | (u32::from(b1) << 7),
        })
    }
}

impl<'a> Table<'a> {
    /// Validates the arrays fully ([`Checks::Full`]) and wraps them.
    ///
    /// # Examples
    ///
    /// ```
    /// use kallsyms::{Array, FormatErrorKind, Layout, RawTable, Table};
    /// // 256 empty tokens, and a table that claims one symbol but has no names: it is
    /// // rejected, naming the array, the element and what is wrong.
    /// let (token_table, token_index) = ([0u8; 1], [0u8; 512]);
    /// let raw = RawTable {
    ///     num_syms: 1,
    ///     markers: &[0; 4],
    ///     token_table: &token_table,
    ///     token_index: &token_index,
    ///     ..RawTable::default()
    /// };
    /// let err = Table::new(raw, Layout::V6_12_X86_64).unwrap_err();
    /// assert_eq!((err.array, err.index, err.kind), (Array::Names, 0, FormatErrorKind::Truncated));
    /// ```
    pub fn new(raw: RawTable<'a>, layout: Layout) -> Result<Self, FormatError> {
        Self::with_checks(raw, layout, Checks::Full)
    }

    /// Validates the arrays with the given thoroughness and wraps them.
    pub fn with_checks(
        raw: RawTable<'a>,
        layout: Layout,
        checks: Checks,
    ) -> Result<Self, FormatError> {
        // Round-trip the layout through its bits so an impossible combination
        // (say a pointer width of 3) cannot slip in through the public fields.
        let layout = match Layout::from_bits(layout.to_bits()) {
            Ok(l) if l == layout => l,
            _ => {
                return Err(FormatError::new(
                    Array::Layout,
                    0,
                    FormatErrorKind::BadLayout,
                ))
            }
        };
        if raw.num_syms > MAX_SYMS {
            return Err(FormatError::new(
                Array::NumSyms,
                0,
                FormatErrorKind::TooManySymbols,
            ));
        }
        let tokens = Self::check_tokens(&raw, layout.endian)?;
        let mut t = Table {
            raw,
            layout,
            tokens,
            names_len: 0,
            max_name_len: 0,
            sections: None,
            accel: Accel::default(),
        };
        t.check_names()?;
        t.check_addresses()?;
        t.check_seqs(checks)?;
        Ok(t)
    }

    /// Reads the 256 token offsets and finds each token's NUL.
    fn check_tokens(raw: &RawTable<'a>, e: Endian) -> Result<[Token; 256], FormatError> {
        let mut tokens = [Token::default(); 256];
        for (i, slot) in tokens.iter_mut().enumerate() {
            // NO-OVERFLOW: i < 256.
            let idx = i as u32;
            let start = read_u16(raw.token_index, i, e).ok_or(FormatError::new(
                Array::TokenIndex,
                idx,
                FormatErrorKind::Truncated,
            ))?;
            let rest = raw
                .token_table
                .get(usize::from(start)..)
                .filter(|r| !r.is_empty())
                .ok_or(FormatError::new(
                    Array::TokenIndex,
                    idx,
                    FormatErrorKind::TokenOutOfRange,
                ))?;
            let len = memchr::memchr(0, rest).ok_or(FormatError::new(
                Array::TokenTable,
                idx,
                FormatErrorKind::TokenUnterminated,
            ))?;
            // A token longer than a name cannot be part of a valid name; marking it
            // here keeps every usable token length at most KSYM_NAME_LEN.
            let len = u16::try_from(len)
                .ok()
                .filter(|&l| usize::from(l) <= KSYM_NAME_LEN)
                .unwrap_or(u16::MAX);
            *slot = Token { start, len };
        }
        Ok(tokens)
    }

    /// Walks every name record, checks markers on the way.
    fn check_names(&mut self) -> Result<(), FormatError> {
        let names = self.raw.names;
        let limit = u32::try_from(names.len()).unwrap_or(u32::MAX);
        let e = self.layout.endian;
        let mut off: u32 = 0;
        let mut max_len: u32 = 0;
        for i in 0..self.raw.num_syms {
            let err = |kind| FormatError::new(Array::Names, i, kind);
            if i % MARKER_STRIDE == 0 {
                let k = i / MARKER_STRIDE;
                let m = read_u32(self.raw.markers, k as usize, e).ok_or(FormatError::new(
                    Array::Markers,
                    k,
                    FormatErrorKind::Truncated,
                ))?;
                if m != off {
                    return Err(FormatError::new(
                        Array::Markers,
                        k,
                        FormatErrorKind::BadMarker,
                    ));
                }
            }
            let rec = record_at(names, off).ok_or(err(FormatErrorKind::Truncated))?;
            if rec.len == 0 {
                return Err(err(FormatErrorKind::ZeroLength));
            }
            if rec.codes.wrapping_sub(off) == 2 {
                let b1 = names
                    .get((off as usize).wrapping_add(1))
                    .copied()
                    .unwrap_or(0);
                if b1 & 0x80 != 0 {
                    return Err(err(FormatErrorKind::BadLength));
                }
            }
            let end = rec
                .codes
                .checked_add(rec.len)
                .filter(|&end| end <= limit)
                .ok_or(err(FormatErrorKind::Truncated))?;
            let codes = names
                .get(rec.codes as usize..end as usize)
                .ok_or(err(FormatErrorKind::Truncated))?;
            let mut expanded: u32 = 0;
            for &c in codes {
                let tok = self.tokens.get(usize::from(c)).copied().unwrap_or_default();
                if tok.len == u16::MAX {
                    return Err(FormatError::new(
                        Array::TokenTable,
                        u32::from(c),
                        FormatErrorKind::NameTooLong,
                    ));
                }
                if tok.len == 0 {
                    return Err(err(FormatErrorKind::EmptyToken));
                }
                // NO-OVERFLOW: tok.len <= KSYM_NAME_LEN and expanded stays below
                // 2 * KSYM_NAME_LEN because of the check right after.
                expanded = expanded.wrapping_add(u32::from(tok.len));
                if expanded as usize > KSYM_NAME_LEN {
                    return Err(err(FormatErrorKind::NameTooLong));
                }
            }
            max_len = max_len.max(expanded);
            off = end;
        }
        self.names_len = off;
        // The type letter is not part of the name.
        self.max_name_len = max_len.saturating_sub(1);
        Ok(())
    }

    /// Decodes every address once: in range, no overflow, ascending.
    fn check_addresses(&self) -> Result<(), FormatError> {
        let mut prev: u64 = 0;
        for i in 0..self.raw.num_syms {
            let a = self.decode_address(i).ok_or_else(|| {
                // `checked_div`: no division-by-zero panic path for the C ABI.
                let short = self
                    .raw
                    .offsets
                    .len()
                    .checked_div(self.layout.address_entry_bytes())
                    .map_or(true, |have| have <= i as usize);
                FormatError::new(
                    Array::Offsets,
                    i,
                    if short {
                        FormatErrorKind::Truncated
                    } else {
                        FormatErrorKind::AddressOverflow
                    },
                )
            })?;
            if a < prev {
                return Err(FormatError::new(
                    Array::Offsets,
                    i,
                    FormatErrorKind::NotSorted,
                ));
            }
            prev = a;
        }
        Ok(())
    }

    /// Checks `kallsyms_seqs_of_names`: length, range and (with [`Checks::Full`])
    /// strict order under (key, address, index).
    fn check_seqs(&self, checks: Checks) -> Result<(), FormatError> {
        if self.layout.seqs == SeqsFormat::None {
            return Ok(());
        }
        let n = self.raw.num_syms;
        let need = (n as usize).saturating_mul(self.layout.seqs_entry_bytes());
        if self.raw.seqs_of_names.len() < need {
            let have = self
                .raw
                .seqs_of_names
                .len()
                .checked_div(self.layout.seqs_entry_bytes())
                .unwrap_or(0);
            return Err(FormatError::new(
                Array::SeqsOfNames,
                u32::try_from(have).unwrap_or(u32::MAX),
                FormatErrorKind::Truncated,
            ));
        }
        let mut prev: Option<u32> = None;
        for j in 0..n {
            let s = self.read_seq(j).unwrap_or(u32::MAX);
            if s >= n {
                return Err(FormatError::new(
                    Array::SeqsOfNames,
                    j,
                    FormatErrorKind::SeqOutOfRange,
                ));
            }
            if checks == Checks::Full {
                if let Some(p) = prev {
                    if self.seq_order(p, s) != core::cmp::Ordering::Less {
                        return Err(FormatError::new(
                            Array::SeqsOfNames,
                            j,
                            FormatErrorKind::SeqNotSorted,
                        ));
                    }
                }
            }
            prev = Some(s);
        }
        Ok(())
    }

    /// The order of two symbols (by address-order index) in `kallsyms_seqs_of_names`:
    /// key, then address, then index (`scripts/kallsyms.c` 6.12 `compare_names()`).
    fn seq_order(&self, a: u32, b: u32) -> core::cmp::Ordering {
        let mut ba = [0u8; KSYM_NAME_LEN];
        let na = self.name_by_index(a, &mut ba);
        let ka = cut_key(na, self.layout.seqs_key);
        self.compare_key_index(b, ka)
            .reverse()
            .then_with(|| {
                let aa = self.address(a);
                let ab = self.address(b);
                aa.cmp(&ab)
            })
            .then(a.cmp(&b))
    }

    /// Reads entry `j` of `kallsyms_seqs_of_names` without range checks against
    /// `num_syms` (`kernel/kallsyms.c` 6.12 `get_symbol_seq()`).
    #[inline]
    pub(crate) fn read_seq(&self, j: u32) -> Option<u32> {
        let s = self.raw.seqs_of_names;
        match self.layout.seqs {
            SeqsFormat::None => None,
            SeqsFormat::U32 => read_u32(s, j as usize, self.layout.endian),
            SeqsFormat::Be24 => {
                let at = (j as usize).checked_mul(3)?;
                let b = s.get(at..at.checked_add(3)?)?;
                Some(
                    (u32::from(*b.first()?) << 16)
                        | (u32::from(*b.get(1)?) << 8)
                        | u32::from(*b.get(2)?),
                )
            }
        }
    }

    /// Decodes the address of symbol `i` with checked arithmetic (`kernel/kallsyms.c`
    /// `kallsyms_sym_address()` of 6.1 - 6.19; `offset_to_ptr()` in 7.0).
    pub(crate) fn decode_address(&self, i: u32) -> Option<u64> {
        let e = self.layout.endian;
        let off = self.raw.offsets;
        let i = i as usize;
        let a = match self.layout.addresses {
            AddressEncoding::Absolute => {
                if self.layout.ptr_bytes == 4 {
                    u64::from(read_u32(off, i, e)?)
                } else {
                    read_u64(off, i, e)?
                }
            }
            AddressEncoding::Relative => self
                .raw
                .relative_base
                .checked_add(u64::from(read_u32(off, i, e)?))?,
            AddressEncoding::AbsolutePercpu => {
                let v = read_u32(off, i, e)? as i32;
                if v >= 0 {
                    // NO-OVERFLOW: v >= 0.
                    v as u64
                } else {
                    // relative_base - 1 - v, with v < 0: relative_base + (-1 - v).
                    // NO-OVERFLOW: v < 0, so -1 - v is in 0..=i32::MAX.
                    let neg = (-1i64).wrapping_sub(i64::from(v)) as u64;
                    self.raw.relative_base.checked_add(neg)?
                }
            }
            AddressEncoding::PlaceRelative => {
                let v = read_u32(off, i, e)? as i32;
                let place = self
                    .raw
                    .offsets_addr
                    .checked_add((i as u64).checked_mul(4)?)?;
                place.checked_add_signed(i64::from(v))?
            }
            AddressEncoding::Raw32 => u64::from(read_u32(off, i, e)?),
        };
        if self.layout.ptr_bytes == 4 && a > u64::from(u32::MAX) {
            return None;
        }
        Some(a)
    }

    /// Sets the kernel section bounds used by address lookups (`is_ksym_addr()` and
    /// the end of the last symbol of a section). Without this, every address at or
    /// above the first symbol belongs to the table and the last symbol has size 0.
    pub fn with_sections(mut self, sections: Sections) -> Self {
        self.sections = Some(sections);
        self
    }

    /// The section bounds used by address lookups, if the caller gave them.
    pub fn sections(&self) -> Option<&Sections> {
        self.sections.as_ref()
    }

    /// The arrays this table was built from.
    pub fn raw(&self) -> &RawTable<'a> {
        &self.raw
    }

    /// The layout.
    pub fn layout(&self) -> Layout {
        self.layout
    }

    /// `kallsyms_num_syms`.
    #[inline]
    pub fn len(&self) -> u32 {
        self.raw.num_syms
    }

    /// Whether the table has no symbols.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.raw.num_syms == 0
    }

    /// Bytes of `kallsyms_names` used by the records.
    pub fn names_len(&self) -> u32 {
        self.names_len
    }

    /// The longest name in the table, in bytes (type letter excluded).
    pub fn max_name_len(&self) -> u32 {
        self.max_name_len
    }

    /// Whether the table has a name index (`kallsyms_seqs_of_names`).
    #[inline]
    pub fn has_name_index(&self) -> bool {
        self.layout.seqs != SeqsFormat::None
    }

    /// The record at `off`: callers pass only offsets of records (invariant).
    #[inline]
    pub(crate) fn record(&self, off: u32) -> Record {
        record_at(self.raw.names, off).unwrap_or(Record { codes: off, len: 0 })
    }

    /// The token codes of the record at `off`.
    #[inline]
    pub(crate) fn codes(&self, rec: Record) -> &'a [u8] {
        self.raw
            .names
            .get(rec.codes as usize..rec.next() as usize)
            .unwrap_or(&[])
    }

    /// The bytes of token `code`.
    #[inline]
    pub(crate) fn token(&self, code: u8) -> &'a [u8] {
        let t = self
            .tokens
            .get(usize::from(code))
            .copied()
            .unwrap_or_default();
        self.raw
            .token_table
            .get(usize::from(t.start)..usize::from(t.start).wrapping_add(usize::from(t.len)))
            .unwrap_or(&[])
    }

    /// Offset in `kallsyms_names` of symbol `index` (`kernel/kallsyms.c` 6.12
    /// `get_symbol_offset()`: the nearest marker, then up to 255 records skipped).
    pub(crate) fn offset_of(&self, index: u32) -> u32 {
        let e = self.layout.endian;
        let off = read_u32(self.raw.markers, (index / MARKER_STRIDE) as usize, e).unwrap_or(0);
        if let Some(rel) = self.accel.block_offsets {
            // Checked against a walk when attached (`with_block_offsets`).
            return off.wrapping_add(u32::from(rel.get(index as usize).copied().unwrap_or(0)));
        }
        self.skip_records(off, index % MARKER_STRIDE)
    }

    /// The offset `k` records after the record at `off` (`get_symbol_offset()`'s
    /// walk): a chain of dependent one-byte loads, the cost the accelerators and
    /// [`Table::pick`] avoid.
    #[inline]
    pub(crate) fn skip_records(&self, off: u32, k: u32) -> u32 {
        let names = self.raw.names;
        let mut o = off as usize;
        for _ in 0..k {
            let Some(&b0) = names.get(o) else { break };
            if b0 & 0x80 == 0 {
                // NO-OVERFLOW: record ends are bounded by names_len <= u32::MAX.
                o = o.wrapping_add(1).wrapping_add(usize::from(b0));
            } else {
                let b1 = names.get(o.wrapping_add(1)).copied().unwrap_or(0);
                let len = usize::from(b0 & 0x7f) | (usize::from(b1) << 7);
                o = o.wrapping_add(2).wrapping_add(len);
            }
        }
        // NO-OVERFLOW: validation bounds every record end by names_len <= u32::MAX.
        o as u32
    }

    /// The name position a binary search over `[lo, hi)` probes: near the middle,
    /// the one whose symbol is fewest records past its marker. Up to 8 positions
    /// either side of the midpoint are considered (a quarter of the range at most,
    /// so every probe still removes a quarter), and their `seqs_of_names` entries
    /// share a cache line or two. The expected walk drops from 128 records to about
    /// 14. With block offsets attached there is no walk, and this is the midpoint.
    #[inline]
    pub(crate) fn pick(&self, lo: u32, hi: u32) -> u32 {
        let mid = midpoint(lo, hi);
        // NO-OVERFLOW: lo <= hi; mid - w and mid + w stay in [lo, hi].
        let w = (hi.wrapping_sub(lo) / 4).min(8);
        if w == 0 || self.layout.seqs == SeqsFormat::None || self.cheap_offsets() {
            return mid;
        }
        self.fewest_past_marker(mid, mid.wrapping_sub(w)..=mid.wrapping_add(w))
    }

    /// Loads the name-index entries [`Table::pick`] reads for the two ranges a
    /// probe at `mid` can leave, `[lo, mid)` and `(mid, hi)`, while the probe at
    /// `mid` walks to its record: on tables larger than the caches each is a DRAM
    /// miss the next level would otherwise wait for. (`black_box` keeps the loads:
    /// the core has no `unsafe` for a prefetch instruction.) Only from
    /// [`TOUCH_NEXT_PICKS`] symbols: in alternating bench runs `lookup_name_nocache`
    /// gained 3-12% at 1M and 4M symbols in five pairs of five and `lookup_name` in
    /// three of four (mixed: the VM's noise is as large), while on the real
    /// fixtures, whose tables stay in the caches, the loads cost 1-4%.
    #[inline]
    pub(crate) fn touch_next_picks(&self, lo: u32, mid: u32, hi: u32) {
        if self.layout.seqs == SeqsFormat::None || self.raw.num_syms < TOUCH_NEXT_PICKS {
            return;
        }
        // NO-OVERFLOW: lo <= mid < hi.
        for m in [midpoint(lo, mid), midpoint(mid.wrapping_add(1), hi)] {
            // `pick`'s window, m - 8 ..= m + 8: its first and last bytes are on the
            // one or two cache lines it spans.
            let (b, _) = self.seqs_bytes(m.saturating_sub(8), m.saturating_add(9));
            touch(b, b.len(), b.len().saturating_sub(1));
        }
    }

    /// Of `first` and the positions `others`, in that order, the first whose symbol
    /// is fewest records past its marker (the shortest walk to its record).
    fn fewest_past_marker(&self, first: u32, others: impl Iterator<Item = u32>) -> u32 {
        let mut best = first;
        let mut best_cost = self.seq(first) % MARKER_STRIDE;
        for j in others {
            let cost = self.seq(j) % MARKER_STRIDE;
            if cost < best_cost {
                best = j;
                best_cost = cost;
            }
        }
        best
    }

    /// The bytes of the name-index entries `[lo, hi)` (empty when out of range or
    /// without an index) and the width of one.
    fn seqs_bytes(&self, lo: u32, hi: u32) -> (&'a [u8], usize) {
        let width = match self.layout.seqs {
            SeqsFormat::None => 0,
            SeqsFormat::Be24 => 3,
            SeqsFormat::U32 => 4,
        };
        let hi = hi.min(self.raw.num_syms);
        // Validation sized the array for num_syms entries.
        let bytes = (lo as usize)
            .checked_mul(width)
            .zip((hi as usize).checked_mul(width))
            .and_then(|(a, b)| self.raw.seqs_of_names.get(a..b))
            .unwrap_or(&[]);
        (bytes, width)
    }

    /// Of the name positions `j` in `[lo, hi)`, the one whose index `seq(j)` is the
    /// lowest at or above `floor`, with that index: one tight pass over the entries'
    /// bytes (the first match of a large family of suffixed names is the lowest of
    /// its indexes, and there is no memory to keep them sorted).
    pub(crate) fn seqs_min_at_least(&self, lo: u32, hi: u32, floor: u32) -> Option<(u32, u32)> {
        if self.layout.seqs == SeqsFormat::None {
            // The identity: the lowest is the first position at or above `floor`.
            let j = lo.max(floor);
            return (j < hi.min(self.raw.num_syms)).then_some((j, j));
        }
        let (bytes, width) = self.seqs_bytes(lo, hi);
        let little = self.layout.endian == Endian::Little;
        // The minimum of `i - floor` (wrapping: indexes below `floor` become huge),
        // with the offset of its entry.
        let (mut best, mut at) = (u32::MAX, usize::MAX);
        let mut see = |k: usize, i: u32| {
            let d = i.wrapping_sub(floor);
            if d < best {
                (best, at) = (d, k);
            }
        };
        if width == 3 {
            for (k, e) in bytes.chunks_exact(3).enumerate() {
                if let [a, b, c] = *e {
                    see(k, u32::from_be_bytes([0, a, b, c]));
                }
            }
        } else {
            for (k, e) in bytes.chunks_exact(4).enumerate() {
                if let [a, b, c, d] = *e {
                    let w = [a, b, c, d];
                    see(
                        k,
                        if little {
                            u32::from_le_bytes(w)
                        } else {
                            u32::from_be_bytes(w)
                        },
                    );
                }
            }
        }
        // NO-OVERFLOW: `at` < hi - lo when set; best + floor is the index read.
        (at != usize::MAX).then(|| (lo.wrapping_add(at as u32), best.wrapping_add(floor)))
    }

    /// `(j, seq(j))` for the name positions `j` in `[lo, hi)`, decoding the entries
    /// in one pass over their bytes.
    pub(crate) fn seqs_in(&self, lo: u32, hi: u32) -> SeqsIn<'a> {
        let (bytes, width) = self.seqs_bytes(lo, hi);
        let hi = hi.min(self.raw.num_syms);
        SeqsIn {
            bytes,
            width,
            little: self.layout.endian == Endian::Little,
            j: lo,
            hi,
        }
    }

    /// The position in `[lo, hi]` whose symbol is fewest records past its marker,
    /// looking at up to 8 positions down from `hi` (ties to the highest); `hi`
    /// itself when offsets come without a walk.
    #[inline]
    pub(crate) fn pick_at_most(&self, lo: u32, hi: u32) -> u32 {
        if self.layout.seqs == SeqsFormat::None || self.cheap_offsets() {
            return hi;
        }
        // NO-OVERFLOW: lo <= hi, so hi - (hi - lo).min(8) >= lo.
        let low = hi.wrapping_sub(hi.saturating_sub(lo).min(8));
        self.fewest_past_marker(hi, (low..hi).rev())
    }

    /// The address-order index of name-order position `j`; the identity when the
    /// table has no name index.
    #[inline]
    pub(crate) fn seq(&self, j: u32) -> u32 {
        match self.layout.seqs {
            SeqsFormat::None => j,
            _ => self.read_seq(j).unwrap_or(0),
        }
    }
}

/// See [`Table::seqs_in`].
pub(crate) struct SeqsIn<'a> {
    bytes: &'a [u8],
    width: usize,
    little: bool,
    j: u32,
    hi: u32,
}

impl Iterator for SeqsIn<'_> {
    type Item = (u32, u32);

    #[inline]
    fn next(&mut self) -> Option<(u32, u32)> {
        if self.j >= self.hi {
            return None;
        }
        let j = self.j;
        // NO-OVERFLOW: j < hi.
        self.j = j.wrapping_add(1);
        let i = match (self.width, self.bytes) {
            (0, _) => j,
            (3, [a, b, c, rest @ ..]) => {
                self.bytes = rest;
                (u32::from(*a) << 16) | (u32::from(*b) << 8) | u32::from(*c)
            }
            (_, [a, b, c, d, rest @ ..]) => {
                self.bytes = rest;
                let w = [*a, *b, *c, *d];
                if self.little {
                    u32::from_le_bytes(w)
                } else {
                    u32::from_be_bytes(w)
                }
            }
            _ => return None,
        };
        Some((j, i))
    }
}

/// The sort key of a name under `key` (`scripts/kallsyms.c` `cleanup_symbol_name()`
/// of 6.2 - 6.10 with `--lto-clang`).
pub(crate) fn cut_key(name: &[u8], key: SeqsKey) -> &[u8] {
    let cut = match key {
        SeqsKey::FullName => None,
        SeqsKey::CutAtFirstDot => memchr::memchr(b'.', name),
        // Not `memchr::memmem`: its searcher has slice indexing the optimiser keeps,
        // a panic path the C ABI must not have (tests/capi.rs); names are short.
        SeqsKey::CutAtLlvm => name.windows(6).position(|w| w == b".llvm."),
    };
    match cut {
        Some(c) => name.get(..c).unwrap_or(name),
        None => name,
    }
}
