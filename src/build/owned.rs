// SPDX-License-Identifier: GPL-2.0-only OR MIT
//! [`OwnedTable`]: the kallsyms arrays in memory, in any [`Layout`], for readers and
//! tests that have no kernel image at hand.

use std::vec::Vec;

use super::{BuildError, Built};
use crate::{AddressEncoding, Endian, FormatError, Layout, RawTable, SeqsFormat, Table};

/// The arrays of a built table, owned, laid out as some kernel generation stores
/// them.
///
/// The content is that of [`Built`] (the same compressed names and tokens, which are
/// identical in every kernel from 6.1 to 7.0); the address array and the name index
/// follow the [`Layout`]:
///
/// | [`AddressEncoding`] | entry `i` |
/// |---|---|
/// | `Absolute` | the address, `ptr_bytes` wide |
/// | `Relative` | `addr - relative_base` (`relative_base` = lowest address) |
/// | `AbsolutePercpu` | per-cpu symbols: `addr` (0..=`i32::MAX`); others `relative_base - 1 - addr` |
/// | `PlaceRelative` | `addr - (offsets_addr + 4 * i)` as `i32` (no wrap-around) |
/// | `Raw32` | `addr` as `u32` |
///
/// `kallsyms_seqs_of_names` is sorted by the layout's [`SeqsKey`](crate::SeqsKey),
/// then address, then index, and stored as [`SeqsFormat`] says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OwnedTable {
    layout: Layout,
    num_syms: u32,
    names: Vec<u8>,
    markers: Vec<u8>,
    token_table: Vec<u8>,
    token_index: Vec<u8>,
    offsets: Vec<u8>,
    relative_base: u64,
    offsets_addr: u64,
    seqs_of_names: Vec<u8>,
}

impl OwnedTable {
    /// The layout.
    pub fn layout(&self) -> Layout {
        self.layout
    }

    /// The arrays, borrowed.
    pub fn raw(&self) -> RawTable<'_> {
        RawTable {
            num_syms: self.num_syms,
            names: &self.names,
            markers: &self.markers,
            token_table: &self.token_table,
            token_index: &self.token_index,
            offsets: &self.offsets,
            relative_base: self.relative_base,
            offsets_addr: self.offsets_addr,
            seqs_of_names: &self.seqs_of_names,
        }
    }

    /// The validated table (`Table::new(self.raw(), self.layout())`).
    ///
    /// # Errors
    ///
    /// Whatever the reader's validation finds (a builder bug, or a layout that cannot
    /// describe this content).
    pub fn table(&self) -> Result<Table<'_>, FormatError> {
        Table::new(self.raw(), self.layout)
    }
}

/// Appends `v` in `endian` order, `n` bytes wide (2, 3, 4 or 8; 3 is always big-endian).
fn put(out: &mut Vec<u8>, v: u64, n: usize, endian: Endian) {
    let le = v.to_le_bytes();
    let bytes = le.get(..n).unwrap_or_default();
    if endian == Endian::Little && n != 3 {
        out.extend_from_slice(bytes);
    } else {
        out.extend(bytes.iter().rev());
    }
}

impl Built {
    /// Lays the table out in `layout`. For [`AddressEncoding::PlaceRelative`],
    /// `kallsyms_offsets` is assumed to live half way between the lowest and the
    /// highest address (where the kernel's `.rodata` would be, and where the most
    /// tables fit the ±2 GiB of an `i32`); see [`Built::owned_table_at`].
    ///
    /// # Errors
    ///
    /// [`BuildError::AddressOverflow`] when an address does not fit the layout (for
    /// example 64-bit addresses with `ptr_bytes == 4`, or a span over 4 GiB with
    /// `Relative`); [`BuildError::TooLarge`] when an array outgrows its index type.
    pub fn owned_table(&self, layout: Layout) -> Result<OwnedTable, BuildError> {
        let lo = self.symbol(0).map_or(0, |s| s.addr);
        let hi = self
            .len()
            .checked_sub(1)
            .and_then(|i| self.symbol(i))
            .map_or(lo, |s| s.addr);
        self.owned_table_at(layout, lo + (hi - lo) / 2)
    }

    /// As [`Built::owned_table`], with `kallsyms_offsets` at `offsets_addr`.
    ///
    /// # Errors
    ///
    /// As [`Built::owned_table`].
    pub fn owned_table_at(
        &self,
        layout: Layout,
        offsets_addr: u64,
    ) -> Result<OwnedTable, BuildError> {
        let n = self.len();
        let e = layout.endian;
        let num_syms = u32::try_from(n).map_err(|_| BuildError::TooLarge)?;
        let wide = layout.ptr_bytes == 8;
        let ptr_mask = if wide { u64::MAX } else { u64::from(u32::MAX) };

        let mut names = Vec::new();
        for i in 0..n {
            let code = self.compressed(i);
            let len = code.len();
            if len <= 0x7f {
                names.push(len as u8);
            } else {
                names.push((len & 0x7f) as u8 | 0x80);
                names.push(((len >> 7) & 0x7f) as u8);
            }
            names.extend_from_slice(code);
        }
        let mut markers = Vec::new();
        for m in self.markers() {
            put(
                &mut markers,
                u64::from(u32::try_from(m).map_err(|_| BuildError::TooLarge)?),
                4,
                e,
            );
        }
        let mut token_table = Vec::new();
        let mut token_index = Vec::new();
        for (code, off) in (0..=255u8).zip(self.token_offsets()) {
            token_table.extend_from_slice(self.token(code));
            token_table.push(0);
            put(
                &mut token_index,
                u64::from(u16::try_from(off).map_err(|_| BuildError::TooLarge)?),
                2,
                e,
            );
        }

        let overflow = |i: usize, addr: u64| BuildError::AddressOverflow {
            index: i as u32,
            addr,
        };
        let mut relative_base = 0;
        let mut offsets = Vec::with_capacity(n * layout.address_entry_bytes());
        match layout.addresses {
            AddressEncoding::Absolute => {
                for (i, s) in self.symbols().enumerate() {
                    if s.addr & !ptr_mask != 0 {
                        return Err(overflow(i, s.addr));
                    }
                    put(&mut offsets, s.addr, usize::from(layout.ptr_bytes), e);
                }
            }
            AddressEncoding::Relative => {
                relative_base = self.symbol(0).map_or(0, |s| s.addr);
                for (i, s) in self.symbols().enumerate() {
                    let o = s.addr.wrapping_sub(relative_base);
                    if o > u64::from(u32::MAX) || s.addr & !ptr_mask != 0 {
                        return Err(overflow(i, s.addr));
                    }
                    put(&mut offsets, o, 4, e);
                }
            }
            AddressEncoding::AbsolutePercpu => {
                relative_base = self.relative_base;
                for (i, s) in self.symbols().enumerate() {
                    let o = if self.is_absolute(i) {
                        i32::try_from(s.addr).ok()
                    } else {
                        let d = relative_base.wrapping_sub(s.addr).wrapping_sub(1) as i64;
                        i32::try_from(d).ok().filter(|&d| d < 0)
                    };
                    match o {
                        Some(o) if s.addr & !ptr_mask == 0 => {
                            put(&mut offsets, o as u32 as u64, 4, e)
                        }
                        _ => return Err(overflow(i, s.addr)),
                    }
                }
            }
            AddressEncoding::PlaceRelative => {
                // `offset_to_ptr()`: the entry's own address plus its value. Kept free
                // of wrap-around, as the reader's checked arithmetic wants it.
                for (i, s) in self.symbols().enumerate() {
                    let place = i128::from(offsets_addr) + 4 * i as i128;
                    let d = i32::try_from(i128::from(s.addr) - place)
                        .ok()
                        .filter(|_| s.addr & !ptr_mask == 0 && place <= i128::from(ptr_mask));
                    let d = d.ok_or_else(|| overflow(i, s.addr))?;
                    put(&mut offsets, u64::from(d as u32), 4, e);
                }
            }
            AddressEncoding::Raw32 => {
                for (i, s) in self.symbols().enumerate() {
                    let a = u32::try_from(s.addr).map_err(|_| overflow(i, s.addr))?;
                    put(&mut offsets, u64::from(a), 4, e);
                }
            }
        }

        let mut seqs_of_names = Vec::new();
        if layout.seqs != SeqsFormat::None {
            let width = layout.seqs_entry_bytes();
            if width == 3 && n > 1 << 24 {
                return Err(BuildError::TooLarge);
            }
            seqs_of_names.reserve(n * width);
            for seq in self.name_order(layout.seqs_key) {
                put(&mut seqs_of_names, u64::from(seq), width, e);
            }
        }

        Ok(OwnedTable {
            layout,
            num_syms,
            names,
            markers,
            token_table,
            token_index,
            offsets,
            relative_base,
            offsets_addr,
            seqs_of_names,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn put_orders() {
        let mut v = Vec::new();
        put(&mut v, 0x0102_0304, 4, Endian::Little);
        put(&mut v, 0x0102_0304, 4, Endian::Big);
        put(&mut v, 0x0a0b0c, 3, Endian::Little);
        put(&mut v, 0x0102, 2, Endian::Big);
        assert_eq!(v, [4, 3, 2, 1, 1, 2, 3, 4, 0xa, 0xb, 0xc, 1, 2]);
    }
}
