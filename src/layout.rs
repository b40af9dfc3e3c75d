// SPDX-License-Identifier: GPL-2.0-only OR MIT
//! Which kernel generation wrote a table: how addresses are encoded, whether and how
//! `kallsyms_seqs_of_names` is stored, and which key it is sorted by.
//!
//! The kernel does not describe its own table: `kernel/kallsyms.c` is compiled for one
//! format. A reader that serves every kernel from 6.1 to 7.0 therefore takes the
//! format as a [`Layout`] value from its caller. [`Layout::to_bits`] and
//! [`Layout::from_bits`] carry it across the C ABI as one `u32`.
//!
//! | kernel | addresses | seqs_of_names | seqs key |
//! |---|---|---|---|
//! | 6.1.0 - 6.1.41 | base-relative (absolute per-cpu on x86-64 SMP) or absolute | none | - |
//! | 6.1.42 - 6.1.59 | same | 4 bytes (`.long`) | full, or cut at `.llvm.` with Clang LTO |
//! | 6.1.60+ | same | 3 bytes big-endian | same |
//! | 6.2 - 6.4 | same | 3 bytes | full, or cut at the first `.` with Clang LTO |
//! | 6.5 - 6.10 | same | 3 bytes | full, or cut at `.llvm.` with Clang LTO |
//! | 6.11 - 6.14 | base-relative, absolute per-cpu on x86-64 SMP | 3 bytes | full |
//! | 6.15 - 6.19 | base-relative only | 3 bytes | full |
//! | 7.0 | place-relative (64-bit or relocatable) or raw `u32` | 3 bytes | full |
//!
//! Sources: `scripts/kallsyms.c` and `kernel/kallsyms.c` of each version; commits
//! 60443c88f3a8 and 19bd8981dc2e (seqs), 010a0aad and 8cc32a9bbf29 (LTO keys),
//! 020925ce9299 and fb6a421fb615 (6.11, full-name key), 64e166099b69 (6.11, absolute
//! `kallsyms_addresses[]` removed), 01157ddc58dc (6.15, absolute per-cpu removed),
//! a081b5789255 (7.0, relative base removed).
#![cfg_attr(not(test), deny(clippy::arithmetic_side_effects))]

use core::fmt;

use crate::error::FormatError;

/// How `kallsyms_offsets[]` (or `kallsyms_addresses[]`) encodes a symbol's address.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum AddressEncoding {
    /// `kallsyms_addresses[i]`: one native-width pointer per symbol
    /// (`!CONFIG_KALLSYMS_BASE_RELATIVE`, removed in 6.11 by 64e166099b69).
    /// The pointer width is [`Layout::ptr_bytes`].
    Absolute = 0,
    /// `kallsyms_relative_base + (u32)kallsyms_offsets[i]`
    /// (`kernel/kallsyms.c` `kallsyms_sym_address()`, 6.1 - 6.19 without
    /// `CONFIG_KALLSYMS_ABSOLUTE_PERCPU`).
    Relative = 1,
    /// 6.1 - 6.14 with `CONFIG_KALLSYMS_ABSOLUTE_PERCPU` (x86-64 SMP):
    /// `offsets[i] >= 0` is the absolute address itself, otherwise the address is
    /// `kallsyms_relative_base - 1 - offsets[i]`.
    AbsolutePercpu = 2,
    /// 7.0 (a081b5789255): `offset_to_ptr(&kallsyms_offsets[i])`, that is the address
    /// of the entry itself plus its signed value. The caller gives the address at
    /// which `kallsyms_offsets` lives ([`crate::RawTable::offsets_addr`]).
    PlaceRelative = 3,
    /// 7.0 on 32-bit kernels that are not relocatable: `(u32)kallsyms_offsets[i]`.
    Raw32 = 4,
}

/// How `kallsyms_seqs_of_names[]` is stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum SeqsFormat {
    /// No name index (6.1.0 - 6.1.41): name lookups scan the table in address order.
    None = 0,
    /// One native-endian `u32` per entry (60443c88f3a8; shipped in 6.1.42 - 6.1.59).
    U32 = 1,
    /// Three bytes, big-endian, per entry (19bd8981dc2e; 6.2+, 6.1.60+).
    Be24 = 2,
}

/// The key by which `kallsyms_seqs_of_names[]` was sorted (`scripts/kallsyms.c`
/// `compare_names()`, then address, then address-order index).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum SeqsKey {
    /// The whole name (every build without Clang LTO, and all builds since 6.11,
    /// 020925ce9299).
    FullName = 0,
    /// The name cut at its first `.` (Clang LTO, 6.2 - 6.4, 010a0aad).
    CutAtFirstDot = 1,
    /// The name cut at `.llvm.` (Clang LTO, 6.5 - 6.10 and 6.1.42+, 8cc32a9bbf29).
    CutAtLlvm = 2,
}

/// Byte order of the multi-byte arrays (`markers`, `token_index`, `offsets`, and the
/// `u32` form of `seqs_of_names`). The kernel reads them natively; a user-space tool
/// reading another machine's image may need the other order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Endian {
    /// Little-endian (x86, arm64, riscv, ...).
    Little = 0,
    /// Big-endian (s390, big-endian powerpc, ...).
    Big = 1,
}

impl Endian {
    /// The byte order of the machine this code runs on.
    pub const NATIVE: Endian = if cfg!(target_endian = "big") {
        Endian::Big
    } else {
        Endian::Little
    };
}

/// Everything the reader must know about a table that the table does not say itself.
///
/// # Examples
///
/// ```
/// use kallsyms::{AddressEncoding, Layout, SeqsFormat};
/// let l = Layout::linux(6, 12, 0, false, true);
/// assert_eq!(l.addresses, AddressEncoding::AbsolutePercpu);
/// assert_eq!(l.seqs, SeqsFormat::Be24);
/// assert_eq!(Layout::from_bits(l.to_bits()), Ok(l));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Layout {
    /// Address encoding of `kallsyms_offsets` / `kallsyms_addresses`.
    pub addresses: AddressEncoding,
    /// Storage of `kallsyms_seqs_of_names`.
    pub seqs: SeqsFormat,
    /// The key `kallsyms_seqs_of_names` is sorted by.
    pub seqs_key: SeqsKey,
    /// Byte order of the multi-byte arrays.
    pub endian: Endian,
    /// Width of a pointer in bytes (4 or 8): the entry size of
    /// `kallsyms_addresses[]` and the width of addresses in general.
    pub ptr_bytes: u8,
}

impl Layout {
    /// The layout of 6.12 on x86-64 SMP (`--absolute-percpu`, 3-byte seqs, full key).
    pub const V6_12_X86_64: Layout = Layout {
        addresses: AddressEncoding::AbsolutePercpu,
        seqs: SeqsFormat::Be24,
        seqs_key: SeqsKey::FullName,
        endian: Endian::Little,
        ptr_bytes: 8,
    };

    /// The layout of 6.15 - 6.19 on a 64-bit little-endian machine.
    pub const V6_15: Layout = Layout {
        addresses: AddressEncoding::Relative,
        seqs: SeqsFormat::Be24,
        seqs_key: SeqsKey::FullName,
        endian: Endian::Little,
        ptr_bytes: 8,
    };

    /// The layout of 7.0 on a 64-bit little-endian machine (`--pc-relative`).
    pub const V7_0: Layout = Layout {
        addresses: AddressEncoding::PlaceRelative,
        seqs: SeqsFormat::Be24,
        seqs_key: SeqsKey::FullName,
        endian: Endian::Little,
        ptr_bytes: 8,
    };

    /// The layout a kernel of version `major.minor.patch` writes on a 64-bit
    /// little-endian machine, given whether it was built with Clang LTO
    /// (`CONFIG_LTO_CLANG`) and whether `CONFIG_KALLSYMS_ABSOLUTE_PERCPU` was set
    /// (x86-64 SMP, up to 6.14). Versions outside 6.1 - 7.x get the nearest
    /// generation. The 6.1 stable boundaries (6.1.42, 6.1.60) are those of the
    /// backports named in the module docs.
    pub const fn linux(
        major: u32,
        minor: u32,
        patch: u32,
        lto_clang: bool,
        percpu: bool,
    ) -> Layout {
        // Saturating: absurd versions are the newest generation, not a panic.
        let v = major
            .saturating_mul(1_000_000)
            .saturating_add(minor.saturating_mul(1000))
            .saturating_add(patch);
        let addresses = if v >= 7_000_000 {
            AddressEncoding::PlaceRelative
        } else if v < 6_015_000 && percpu {
            AddressEncoding::AbsolutePercpu
        } else {
            AddressEncoding::Relative
        };
        let seqs = if v < 6_001_042 {
            SeqsFormat::None
        } else if v < 6_001_060 {
            SeqsFormat::U32
        } else {
            SeqsFormat::Be24
        };
        let seqs_key = if !lto_clang || v >= 6_011_000 {
            SeqsKey::FullName
        } else if v >= 6_002_000 && v < 6_005_000 {
            SeqsKey::CutAtFirstDot
        } else {
            SeqsKey::CutAtLlvm
        };
        Layout {
            addresses,
            seqs,
            seqs_key,
            endian: Endian::Little,
            ptr_bytes: 8,
        }
    }

    /// Packs the layout into one `u32` for the C ABI:
    /// bits 0-3 address encoding, 4-5 seqs format, 6-7 seqs key, 8 big-endian,
    /// 9 32-bit pointers. All other bits are zero.
    pub const fn to_bits(self) -> u32 {
        (self.addresses as u32)
            | ((self.seqs as u32) << 4)
            | ((self.seqs_key as u32) << 6)
            | ((self.endian as u32) << 8)
            | (if self.ptr_bytes == 4 { 1 << 9 } else { 0 })
    }

    /// Unpacks [`Layout::to_bits`]; unknown values and set reserved bits are an error.
    pub const fn from_bits(bits: u32) -> Result<Layout, FormatError> {
        let bad = Err(FormatError::new(
            crate::error::Array::Layout,
            0,
            crate::error::FormatErrorKind::BadLayout,
        ));
        if bits & !0x3ff != 0 {
            return bad;
        }
        let addresses = match bits & 0xf {
            0 => AddressEncoding::Absolute,
            1 => AddressEncoding::Relative,
            2 => AddressEncoding::AbsolutePercpu,
            3 => AddressEncoding::PlaceRelative,
            4 => AddressEncoding::Raw32,
            _ => return bad,
        };
        let seqs = match (bits >> 4) & 3 {
            0 => SeqsFormat::None,
            1 => SeqsFormat::U32,
            2 => SeqsFormat::Be24,
            _ => return bad,
        };
        let seqs_key = match (bits >> 6) & 3 {
            0 => SeqsKey::FullName,
            1 => SeqsKey::CutAtFirstDot,
            2 => SeqsKey::CutAtLlvm,
            _ => return bad,
        };
        let endian = if bits & (1 << 8) != 0 {
            Endian::Big
        } else {
            Endian::Little
        };
        let ptr_bytes = if bits & (1 << 9) != 0 { 4 } else { 8 };
        Ok(Layout {
            addresses,
            seqs,
            seqs_key,
            endian,
            ptr_bytes,
        })
    }

    /// Bytes per entry of the address array.
    pub const fn address_entry_bytes(self) -> usize {
        match self.addresses {
            AddressEncoding::Absolute => self.ptr_bytes as usize,
            _ => 4,
        }
    }

    /// Bytes per entry of `kallsyms_seqs_of_names` (0 when absent).
    pub const fn seqs_entry_bytes(self) -> usize {
        match self.seqs {
            SeqsFormat::None => 0,
            SeqsFormat::U32 => 4,
            SeqsFormat::Be24 => 3,
        }
    }

    /// Whether `kallsyms_relative_base` exists in this layout.
    pub const fn has_relative_base(self) -> bool {
        matches!(
            self.addresses,
            AddressEncoding::Relative | AddressEncoding::AbsolutePercpu
        )
    }
}

impl fmt::Display for Layout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let a = match self.addresses {
            AddressEncoding::Absolute => "absolute",
            AddressEncoding::Relative => "base-relative",
            AddressEncoding::AbsolutePercpu => "base-relative+absolute-percpu",
            AddressEncoding::PlaceRelative => "place-relative",
            AddressEncoding::Raw32 => "raw-u32",
        };
        let s = match self.seqs {
            SeqsFormat::None => "no-seqs",
            SeqsFormat::U32 => "seqs-u32",
            SeqsFormat::Be24 => "seqs-be24",
        };
        let k = match self.seqs_key {
            SeqsKey::FullName => "full-name",
            SeqsKey::CutAtFirstDot => "cut-at-dot",
            SeqsKey::CutAtLlvm => "cut-at-llvm",
        };
        let e = match self.endian {
            Endian::Little => "le",
            Endian::Big => "be",
        };
        write!(f, "{a},{s},{k},{e},{}-bit", u32::from(self.ptr_bytes) * 8)
    }
}
