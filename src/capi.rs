// SPDX-License-Identifier: GPL-2.0-only OR MIT
//! The C ABI that `kernel/kallsyms.c` and the livepatch core call (feature `capi`).
//!
//! `include/ksym.h` declares everything here; it repeats each function's contract.
//! Every exported function starts with `ksym_` (the kernel's own functions start with
//! `kallsyms_`, and no 6.12 symbol starts with `ksym_` except the BPF iterator's
//! `ksym_prog_seq_show`, `ksym_iter_reg_info` and `ksym_iter_seq_info`, which no name
//! here takes). This is the only module of the crate with `unsafe` code.
//!
//! # Conventions
//!
//! - **Setup.** The kernel fills a [`KsymDesc`] from its extern arrays and calls
//!   [`ksym_table_init`] once at boot, which validates them (`Table::with_checks`) and
//!   stores the validated table in a caller-allocated [`KsymTable`] (3 KiB, static
//!   storage). No heap, no global state in Rust. Every query takes that table.
//! - **Returns.** Each function keeps the return convention of the kernel function it
//!   stands for (an address with 0 for "none", a boolean, a length, or 0 / negative
//!   errno); where the kernel function cannot fail but an argument can be wrong, the
//!   errno is `-EINVAL`.
//! - **Strings in.** `(const char *ptr, size_t len)`; `ptr` may be NULL only when
//!   `len` is 0, else `-EINVAL`. Where the kernel passes a C string there is also a
//!   `_str` variant that takes a NUL-terminated string and reads at most
//!   `KSYM_NAME_LEN` bytes looking for the NUL, so a missing NUL cannot run away.
//!   A symbol name of `KSYM_NAME_LEN` bytes or more cannot be in a table (the kernel
//!   stores at most `KSYM_NAME_LEN - 1`): it is `-EINVAL` (or "not found" where the
//!   function returns an address), and such a length never becomes a slice.
//! - **Strings out.** Output buffers always come with their size; results are
//!   NUL-terminated; a buffer too small for the whole result is `-ERANGE` and is not
//!   written. More generally, outputs are written only on success; the exceptions are
//!   the diagnostic outputs whose purpose is to describe a failure (the error of
//!   [`ksym_desc_check`], the reason of [`ksym_find_object_symbol`]).
//! - **Callbacks** have the kernel's signatures; a non-zero return stops the walk and
//!   is returned. The name given to a callback is NUL-terminated, in a
//!   `KSYM_NAME_LEN` stack buffer valid for the call only.
//! - **No panics.** Nothing here uses `core::fmt`, indexing or unwrapping; a test
//!   (`tests/capi.rs`) disassembles the release static library and checks that no
//!   exported function can reach `core::panicking` or `core::fmt`.
//!
//! Where this differs from the 6.12 kernel functions, the function says so.
//!
//! # Linking
//!
//! A C-only kernel links the static library: `cargo rustc --lib --release
//! --features capi --crate-type staticlib -- --cfg ksym_staticlib` (as
//! `tests/capi.rs` builds it). A `no_std` static library must bring a panic handler,
//! so with that cfg it also defines `rust_begin_unwind` (the panic handler, which no
//! exported function can reach) and `rust_eh_personality` (named by the unwind
//! tables of the precompiled `core`, never called: `panic = "abort"`). A kernel with
//! its own Rust runtime (`CONFIG_RUST`, whose `kernel` crate has the panic handler)
//! builds this crate as an rlib instead, without the cfg, and gets only the `ksym_`
//! symbols.
#![deny(unsafe_op_in_unsafe_fn)]
#![deny(clippy::undocumented_unsafe_blocks)]

use core::ffi::{c_char, c_int, c_uint, c_ulong, c_void};
use core::mem::{align_of, offset_of, size_of};
use core::ptr;

use static_assertions::{const_assert, const_assert_eq};

use crate::accel::{Accel, AddressCache, ProbeCache};
use crate::addrs::Sections;
use crate::error::{errno, Array, FormatError, FormatErrorKind};
use crate::layout::{AddressEncoding, Endian, Layout, SeqsFormat, SeqsKey};
use crate::livepatch::{
    find_object_symbol, AddressZero, KlpError, KlpObject, KlpRela, KlpSym, KLP_OBJNAME_MAX,
};
use crate::matching::{Match, MatchKind};
use crate::module::{ElfClass, ModuleSymtab};
use crate::table::{Checks, RawTable, Table, KSYM_NAME_LEN, MAX_SYMS};

#[cfg(test)]
mod tests;

// ---- errno values ---------------------------------------------------------------

const EINVAL: c_int = -errno::EINVAL;
const ENOENT: c_int = -errno::ENOENT;
const ESRCH: c_int = -errno::ESRCH;
const ERANGE: c_int = -errno::ERANGE;

// ---- sizes ----------------------------------------------------------------------

/// `KSYM_NAME_LEN` of `include/linux/kallsyms.h` (6.12): the size of a name buffer.
pub const KSYM_C_NAME_LEN: usize = KSYM_NAME_LEN;

/// Bytes of the opaque `struct ksym_table`.
pub const KSYM_TABLE_SIZE: usize = 3072;

/// Bytes of the opaque `struct ksym_caches`.
pub const KSYM_CACHES_SIZE: usize = 8192;

/// The longest text [`ksym_sprint_symbol`] writes, NUL included:
/// `name+0x<offset>/0x<size>` with a 511-byte name and two 64-bit numbers.
pub const KSYM_SPRINT_LEN: usize = (KSYM_NAME_LEN - 1) + 2 * (1 + 2 + 16) + 1;

/// The longest well-formed `.klp.sym.` name [`ksym_klp_sym_parse_str`] reads, NUL
/// included: `.klp.sym.` + 55-byte object + `.` + 511-byte name + `,` + 20 digits.
pub const KSYM_KLP_SYM_LEN: usize = 9 + KLP_OBJNAME_MAX + 1 + (KSYM_NAME_LEN - 1) + 1 + 20 + 1;

/// Bytes reserved for the `Table` in [`KsymTable`] after the magic word.
const OPAQUE_WORDS: usize = KSYM_TABLE_SIZE / size_of::<u64>();

// ---- constants of the header ----------------------------------------------------

/// A layout with every field at its zero value but `addresses`.
const fn addr_bits(addresses: AddressEncoding) -> c_uint {
    Layout {
        addresses,
        seqs: SeqsFormat::None,
        seqs_key: SeqsKey::FullName,
        endian: Endian::Little,
        ptr_bytes: 8,
    }
    .to_bits()
}

/// The bits `Layout::to_bits` sets for `seqs` alone.
const fn seqs_bits(seqs: SeqsFormat) -> c_uint {
    Layout {
        addresses: AddressEncoding::Absolute,
        seqs,
        seqs_key: SeqsKey::FullName,
        endian: Endian::Little,
        ptr_bytes: 8,
    }
    .to_bits()
}

/// The bits `Layout::to_bits` sets for `seqs_key` alone.
const fn key_bits(seqs_key: SeqsKey) -> c_uint {
    Layout {
        addresses: AddressEncoding::Absolute,
        seqs: SeqsFormat::None,
        seqs_key,
        endian: Endian::Little,
        ptr_bytes: 8,
    }
    .to_bits()
}

/// `KSYM_LAYOUT_ADDR_ABSOLUTE`: `kallsyms_addresses[]` (before 6.11).
pub const KSYM_LAYOUT_ADDR_ABSOLUTE: c_uint = addr_bits(AddressEncoding::Absolute);
/// `KSYM_LAYOUT_ADDR_RELATIVE`: `kallsyms_relative_base + (u32)kallsyms_offsets[i]`.
pub const KSYM_LAYOUT_ADDR_RELATIVE: c_uint = addr_bits(AddressEncoding::Relative);
/// `KSYM_LAYOUT_ADDR_ABSOLUTE_PERCPU`: `CONFIG_KALLSYMS_ABSOLUTE_PERCPU` (up to 6.14).
pub const KSYM_LAYOUT_ADDR_ABSOLUTE_PERCPU: c_uint = addr_bits(AddressEncoding::AbsolutePercpu);
/// `KSYM_LAYOUT_ADDR_PLACE_RELATIVE`: 7.0's `offset_to_ptr(&kallsyms_offsets[i])`.
pub const KSYM_LAYOUT_ADDR_PLACE_RELATIVE: c_uint = addr_bits(AddressEncoding::PlaceRelative);
/// `KSYM_LAYOUT_ADDR_RAW32`: 7.0 on 32-bit kernels that are not relocatable.
pub const KSYM_LAYOUT_ADDR_RAW32: c_uint = addr_bits(AddressEncoding::Raw32);
/// `KSYM_LAYOUT_SEQS_NONE`: no `kallsyms_seqs_of_names` (6.1.0 - 6.1.41).
pub const KSYM_LAYOUT_SEQS_NONE: c_uint = seqs_bits(SeqsFormat::None);
/// `KSYM_LAYOUT_SEQS_U32`: 4-byte native entries (6.1.42 - 6.1.59).
pub const KSYM_LAYOUT_SEQS_U32: c_uint = seqs_bits(SeqsFormat::U32);
/// `KSYM_LAYOUT_SEQS_BE24`: 3-byte big-endian entries (6.2+, 6.1.60+).
pub const KSYM_LAYOUT_SEQS_BE24: c_uint = seqs_bits(SeqsFormat::Be24);
/// `KSYM_LAYOUT_KEY_FULL`: the name index is sorted by full name.
pub const KSYM_LAYOUT_KEY_FULL: c_uint = key_bits(SeqsKey::FullName);
/// `KSYM_LAYOUT_KEY_CUT_DOT`: sorted by the name cut at its first `.` (Clang LTO,
/// 6.2 - 6.4).
pub const KSYM_LAYOUT_KEY_CUT_DOT: c_uint = key_bits(SeqsKey::CutAtFirstDot);
/// `KSYM_LAYOUT_KEY_CUT_LLVM`: sorted by the name cut at `.llvm.` (Clang LTO,
/// 6.5 - 6.10).
pub const KSYM_LAYOUT_KEY_CUT_LLVM: c_uint = key_bits(SeqsKey::CutAtLlvm);
/// `KSYM_LAYOUT_BIG_ENDIAN`: the multi-byte arrays are big-endian.
pub const KSYM_LAYOUT_BIG_ENDIAN: c_uint = Layout {
    addresses: AddressEncoding::Absolute,
    seqs: SeqsFormat::None,
    seqs_key: SeqsKey::FullName,
    endian: Endian::Big,
    ptr_bytes: 8,
}
.to_bits();
/// `KSYM_LAYOUT_PTR32`: 32-bit pointers.
pub const KSYM_LAYOUT_PTR32: c_uint = Layout {
    addresses: AddressEncoding::Absolute,
    seqs: SeqsFormat::None,
    seqs_key: SeqsKey::FullName,
    endian: Endian::Little,
    ptr_bytes: 4,
}
.to_bits();
/// `KSYM_LAYOUT_6_12_X86_64`: what 6.12 writes on x86-64 SMP.
pub const KSYM_LAYOUT_6_12_X86_64: c_uint = Layout::V6_12_X86_64.to_bits();
/// `KSYM_LAYOUT_6_15`: what 6.15 - 6.19 write on 64-bit little-endian machines.
pub const KSYM_LAYOUT_6_15: c_uint = Layout::V6_15.to_bits();

/// `KSYM_DESC_KALLSYMS_ALL`: `CONFIG_KALLSYMS_ALL` (data symbols are looked up, the
/// last symbol ends at `_end`).
pub const KSYM_DESC_KALLSYMS_ALL: c_uint = 1 << 0;
/// `KSYM_DESC_SKIP_NAME_ORDER`: validate with `Checks::SkipNameOrder` (everything but
/// the name order of `kallsyms_seqs_of_names`, an O(n x name) pass).
pub const KSYM_DESC_SKIP_NAME_ORDER: c_uint = 1 << 1;
/// Every flag [`KsymDesc::flags`] may hold.
const DESC_FLAGS: c_uint = KSYM_DESC_KALLSYMS_ALL | KSYM_DESC_SKIP_NAME_ORDER;

/// `KSYM_MATCH_EXACT`: exact names only (the kernel's only mode since 6.11).
pub const KSYM_MATCH_EXACT: c_uint = Match::EXACT.bits();
/// `KSYM_MATCH_LLVM`: also `name.llvm.<digits>`.
pub const KSYM_MATCH_LLVM: c_uint = Match::LLVM.bits();
/// `KSYM_MATCH_CLONE`: also `.isra.<n>`, `.constprop.<n>`, `.part.<n>`.
pub const KSYM_MATCH_CLONE: c_uint = Match::CLONE.bits();
/// `KSYM_MATCH_COLD`: also `.cold`, `.cold.<n>`.
pub const KSYM_MATCH_COLD: c_uint = Match::COLD.bits();
/// `KSYM_MATCH_LTO_PRIV`: also `.lto_priv.<n>`.
pub const KSYM_MATCH_LTO_PRIV: c_uint = Match::LTO_PRIV.bits();
/// `KSYM_MATCH_LOCALALIAS`: also `.localalias`.
pub const KSYM_MATCH_LOCALALIAS: c_uint = Match::LOCALALIAS.bits();
/// `KSYM_MATCH_NUMBERED`: also `name.<n>`.
pub const KSYM_MATCH_NUMBERED: c_uint = Match::NUMBERED.bits();
/// `KSYM_MATCH_LTO`: the renames of one function (`LLVM | LTO_PRIV | LOCALALIAS`).
pub const KSYM_MATCH_LTO: c_uint = Match::LTO.bits();
/// `KSYM_MATCH_ALL`: every suffix kind.
pub const KSYM_MATCH_ALL: c_uint = Match::ALL.bits();

/// `KSYM_KIND_EXACT`: the name itself.
pub const KSYM_KIND_EXACT: c_uint = MatchKind::Exact as c_uint;
/// `KSYM_KIND_LLVM`: `.llvm.<digits>`.
pub const KSYM_KIND_LLVM: c_uint = MatchKind::Llvm as c_uint;
/// `KSYM_KIND_CLONE`: a GCC clone.
pub const KSYM_KIND_CLONE: c_uint = MatchKind::Clone as c_uint;
/// `KSYM_KIND_COLD`: a cold fragment.
pub const KSYM_KIND_COLD: c_uint = MatchKind::Cold as c_uint;
/// `KSYM_KIND_LTO_PRIV`: `.lto_priv.<n>`.
pub const KSYM_KIND_LTO_PRIV: c_uint = MatchKind::LtoPriv as c_uint;
/// `KSYM_KIND_LOCALALIAS`: `.localalias`.
pub const KSYM_KIND_LOCALALIAS: c_uint = MatchKind::LocalAlias as c_uint;
/// `KSYM_KIND_NUMBERED`: a numbered static.
pub const KSYM_KIND_NUMBERED: c_uint = MatchKind::Numbered as c_uint;

/// `KSYM_KLP_OK`: the symbol was found.
pub const KSYM_KLP_OK: c_int = 0;
/// `KSYM_KLP_NOT_FOUND`: "symbol '%s' not found in symbol table".
pub const KSYM_KLP_NOT_FOUND: c_int = KlpError::NotFound.code();
/// `KSYM_KLP_AMBIGUOUS`: "unresolvable ambiguity for symbol '%s' in object '%s'".
pub const KSYM_KLP_AMBIGUOUS: c_int = KlpError::Ambiguous.code();
/// `KSYM_KLP_POSITION`: "symbol position %lu for symbol '%s' in object '%s' not found".
pub const KSYM_KLP_POSITION: c_int = KlpError::PositionNotFound { count: 0 }.code();
/// `KSYM_KLP_INVALID`: a bad argument (no kernel message; the kernel cannot get one).
pub const KSYM_KLP_INVALID: c_int = 4;
/// `KSYM_KLP_ZERO_IS_FOUND`: flag of [`ksym_find_object_symbol`]: a match at address
/// 0 counts as found (`AddressZero::Exact`); without it, as in the kernel, it does not.
pub const KSYM_KLP_ZERO_IS_FOUND: c_uint = 1;

/// `KSYM_ELFCLASS_NATIVE`: the kernel's own `Elf_Sym` (`Elf64_Sym` on 64-bit).
pub const KSYM_ELFCLASS_NATIVE: c_uint = 0;
/// `KSYM_ELFCLASS32`: `Elf32_Sym` (`ELFCLASS32`).
pub const KSYM_ELFCLASS32: c_uint = 1;
/// `KSYM_ELFCLASS64`: `Elf64_Sym` (`ELFCLASS64`).
pub const KSYM_ELFCLASS64: c_uint = 2;

/// `KSYM_ARRAY_NUM_SYMS` .. `KSYM_ARRAY_LAYOUT`: [`KsymFormatError::array`] values.
pub const KSYM_ARRAY_NUM_SYMS: c_uint = Array::NumSyms as c_uint;
/// `kallsyms_names`.
pub const KSYM_ARRAY_NAMES: c_uint = Array::Names as c_uint;
/// `kallsyms_markers`.
pub const KSYM_ARRAY_MARKERS: c_uint = Array::Markers as c_uint;
/// `kallsyms_token_table`.
pub const KSYM_ARRAY_TOKEN_TABLE: c_uint = Array::TokenTable as c_uint;
/// `kallsyms_token_index`.
pub const KSYM_ARRAY_TOKEN_INDEX: c_uint = Array::TokenIndex as c_uint;
/// `kallsyms_offsets`.
pub const KSYM_ARRAY_OFFSETS: c_uint = Array::Offsets as c_uint;
/// `kallsyms_relative_base`.
pub const KSYM_ARRAY_RELATIVE_BASE: c_uint = Array::RelativeBase as c_uint;
/// `kallsyms_seqs_of_names`.
pub const KSYM_ARRAY_SEQS_OF_NAMES: c_uint = Array::SeqsOfNames as c_uint;
/// The layout value.
pub const KSYM_ARRAY_LAYOUT: c_uint = Array::Layout as c_uint;

/// [`KsymFormatError::kind`]: an array ends before the data it must hold.
pub const KSYM_FMT_TRUNCATED: c_uint = FormatErrorKind::Truncated as c_uint;
/// A name record of length zero.
pub const KSYM_FMT_ZERO_LENGTH: c_uint = FormatErrorKind::ZeroLength as c_uint;
/// A bad two-byte name length.
pub const KSYM_FMT_BAD_LENGTH: c_uint = FormatErrorKind::BadLength as c_uint;
/// A token offset past the token table.
pub const KSYM_FMT_TOKEN_OUT_OF_RANGE: c_uint = FormatErrorKind::TokenOutOfRange as c_uint;
/// A token without its NUL.
pub const KSYM_FMT_TOKEN_UNTERMINATED: c_uint = FormatErrorKind::TokenUnterminated as c_uint;
/// An empty token used by a name.
pub const KSYM_FMT_EMPTY_TOKEN: c_uint = FormatErrorKind::EmptyToken as c_uint;
/// A name longer than `KSYM_NAME_LEN - 1`.
pub const KSYM_FMT_NAME_TOO_LONG: c_uint = FormatErrorKind::NameTooLong as c_uint;
/// A marker that does not point at its record.
pub const KSYM_FMT_BAD_MARKER: c_uint = FormatErrorKind::BadMarker as c_uint;
/// Addresses not in ascending order.
pub const KSYM_FMT_NOT_SORTED: c_uint = FormatErrorKind::NotSorted as c_uint;
/// An address out of range.
pub const KSYM_FMT_ADDRESS_OVERFLOW: c_uint = FormatErrorKind::AddressOverflow as c_uint;
/// A sequence number out of range.
pub const KSYM_FMT_SEQ_OUT_OF_RANGE: c_uint = FormatErrorKind::SeqOutOfRange as c_uint;
/// A name index not sorted, or with a repeated entry.
pub const KSYM_FMT_SEQ_NOT_SORTED: c_uint = FormatErrorKind::SeqNotSorted as c_uint;
/// An unknown layout.
pub const KSYM_FMT_BAD_LAYOUT: c_uint = FormatErrorKind::BadLayout as c_uint;
/// Too many symbols.
pub const KSYM_FMT_TOO_MANY_SYMBOLS: c_uint = FormatErrorKind::TooManySymbols as c_uint;
/// A NUL byte in a name.
pub const KSYM_FMT_NUL_IN_NAME: c_uint = FormatErrorKind::NulInName as c_uint;

/// Every constant `include/ksym.h` defines, with its value: the header drift test
/// (`tests/capi.rs`) checks the header against this list and this list against the
/// `pub const KSYM_*` items of this file.
#[doc(hidden)]
pub const HEADER_CONSTANTS: &[(&str, i64)] = &[
    ("KSYM_NAME_LEN", KSYM_C_NAME_LEN as i64),
    ("KSYM_TABLE_SIZE", KSYM_TABLE_SIZE as i64),
    ("KSYM_CACHES_SIZE", KSYM_CACHES_SIZE as i64),
    ("KSYM_SPRINT_LEN", KSYM_SPRINT_LEN as i64),
    ("KSYM_KLP_SYM_LEN", KSYM_KLP_SYM_LEN as i64),
    (
        "KSYM_LAYOUT_ADDR_ABSOLUTE",
        KSYM_LAYOUT_ADDR_ABSOLUTE as i64,
    ),
    (
        "KSYM_LAYOUT_ADDR_RELATIVE",
        KSYM_LAYOUT_ADDR_RELATIVE as i64,
    ),
    (
        "KSYM_LAYOUT_ADDR_ABSOLUTE_PERCPU",
        KSYM_LAYOUT_ADDR_ABSOLUTE_PERCPU as i64,
    ),
    (
        "KSYM_LAYOUT_ADDR_PLACE_RELATIVE",
        KSYM_LAYOUT_ADDR_PLACE_RELATIVE as i64,
    ),
    ("KSYM_LAYOUT_ADDR_RAW32", KSYM_LAYOUT_ADDR_RAW32 as i64),
    ("KSYM_LAYOUT_SEQS_NONE", KSYM_LAYOUT_SEQS_NONE as i64),
    ("KSYM_LAYOUT_SEQS_U32", KSYM_LAYOUT_SEQS_U32 as i64),
    ("KSYM_LAYOUT_SEQS_BE24", KSYM_LAYOUT_SEQS_BE24 as i64),
    ("KSYM_LAYOUT_KEY_FULL", KSYM_LAYOUT_KEY_FULL as i64),
    ("KSYM_LAYOUT_KEY_CUT_DOT", KSYM_LAYOUT_KEY_CUT_DOT as i64),
    ("KSYM_LAYOUT_KEY_CUT_LLVM", KSYM_LAYOUT_KEY_CUT_LLVM as i64),
    ("KSYM_LAYOUT_BIG_ENDIAN", KSYM_LAYOUT_BIG_ENDIAN as i64),
    ("KSYM_LAYOUT_PTR32", KSYM_LAYOUT_PTR32 as i64),
    ("KSYM_LAYOUT_6_12_X86_64", KSYM_LAYOUT_6_12_X86_64 as i64),
    ("KSYM_LAYOUT_6_15", KSYM_LAYOUT_6_15 as i64),
    ("KSYM_DESC_KALLSYMS_ALL", KSYM_DESC_KALLSYMS_ALL as i64),
    (
        "KSYM_DESC_SKIP_NAME_ORDER",
        KSYM_DESC_SKIP_NAME_ORDER as i64,
    ),
    ("KSYM_MATCH_EXACT", KSYM_MATCH_EXACT as i64),
    ("KSYM_MATCH_LLVM", KSYM_MATCH_LLVM as i64),
    ("KSYM_MATCH_CLONE", KSYM_MATCH_CLONE as i64),
    ("KSYM_MATCH_COLD", KSYM_MATCH_COLD as i64),
    ("KSYM_MATCH_LTO_PRIV", KSYM_MATCH_LTO_PRIV as i64),
    ("KSYM_MATCH_LOCALALIAS", KSYM_MATCH_LOCALALIAS as i64),
    ("KSYM_MATCH_NUMBERED", KSYM_MATCH_NUMBERED as i64),
    ("KSYM_MATCH_LTO", KSYM_MATCH_LTO as i64),
    ("KSYM_MATCH_ALL", KSYM_MATCH_ALL as i64),
    ("KSYM_KIND_EXACT", KSYM_KIND_EXACT as i64),
    ("KSYM_KIND_LLVM", KSYM_KIND_LLVM as i64),
    ("KSYM_KIND_CLONE", KSYM_KIND_CLONE as i64),
    ("KSYM_KIND_COLD", KSYM_KIND_COLD as i64),
    ("KSYM_KIND_LTO_PRIV", KSYM_KIND_LTO_PRIV as i64),
    ("KSYM_KIND_LOCALALIAS", KSYM_KIND_LOCALALIAS as i64),
    ("KSYM_KIND_NUMBERED", KSYM_KIND_NUMBERED as i64),
    ("KSYM_KLP_OK", KSYM_KLP_OK as i64),
    ("KSYM_KLP_NOT_FOUND", KSYM_KLP_NOT_FOUND as i64),
    ("KSYM_KLP_AMBIGUOUS", KSYM_KLP_AMBIGUOUS as i64),
    ("KSYM_KLP_POSITION", KSYM_KLP_POSITION as i64),
    ("KSYM_KLP_INVALID", KSYM_KLP_INVALID as i64),
    ("KSYM_KLP_ZERO_IS_FOUND", KSYM_KLP_ZERO_IS_FOUND as i64),
    ("KSYM_ELFCLASS_NATIVE", KSYM_ELFCLASS_NATIVE as i64),
    ("KSYM_ELFCLASS32", KSYM_ELFCLASS32 as i64),
    ("KSYM_ELFCLASS64", KSYM_ELFCLASS64 as i64),
    ("KSYM_ARRAY_NUM_SYMS", KSYM_ARRAY_NUM_SYMS as i64),
    ("KSYM_ARRAY_NAMES", KSYM_ARRAY_NAMES as i64),
    ("KSYM_ARRAY_MARKERS", KSYM_ARRAY_MARKERS as i64),
    ("KSYM_ARRAY_TOKEN_TABLE", KSYM_ARRAY_TOKEN_TABLE as i64),
    ("KSYM_ARRAY_TOKEN_INDEX", KSYM_ARRAY_TOKEN_INDEX as i64),
    ("KSYM_ARRAY_OFFSETS", KSYM_ARRAY_OFFSETS as i64),
    ("KSYM_ARRAY_RELATIVE_BASE", KSYM_ARRAY_RELATIVE_BASE as i64),
    ("KSYM_ARRAY_SEQS_OF_NAMES", KSYM_ARRAY_SEQS_OF_NAMES as i64),
    ("KSYM_ARRAY_LAYOUT", KSYM_ARRAY_LAYOUT as i64),
    ("KSYM_FMT_TRUNCATED", KSYM_FMT_TRUNCATED as i64),
    ("KSYM_FMT_ZERO_LENGTH", KSYM_FMT_ZERO_LENGTH as i64),
    ("KSYM_FMT_BAD_LENGTH", KSYM_FMT_BAD_LENGTH as i64),
    (
        "KSYM_FMT_TOKEN_OUT_OF_RANGE",
        KSYM_FMT_TOKEN_OUT_OF_RANGE as i64,
    ),
    (
        "KSYM_FMT_TOKEN_UNTERMINATED",
        KSYM_FMT_TOKEN_UNTERMINATED as i64,
    ),
    ("KSYM_FMT_EMPTY_TOKEN", KSYM_FMT_EMPTY_TOKEN as i64),
    ("KSYM_FMT_NAME_TOO_LONG", KSYM_FMT_NAME_TOO_LONG as i64),
    ("KSYM_FMT_BAD_MARKER", KSYM_FMT_BAD_MARKER as i64),
    ("KSYM_FMT_NOT_SORTED", KSYM_FMT_NOT_SORTED as i64),
    (
        "KSYM_FMT_ADDRESS_OVERFLOW",
        KSYM_FMT_ADDRESS_OVERFLOW as i64,
    ),
    (
        "KSYM_FMT_SEQ_OUT_OF_RANGE",
        KSYM_FMT_SEQ_OUT_OF_RANGE as i64,
    ),
    ("KSYM_FMT_SEQ_NOT_SORTED", KSYM_FMT_SEQ_NOT_SORTED as i64),
    ("KSYM_FMT_BAD_LAYOUT", KSYM_FMT_BAD_LAYOUT as i64),
    (
        "KSYM_FMT_TOO_MANY_SYMBOLS",
        KSYM_FMT_TOO_MANY_SYMBOLS as i64,
    ),
    ("KSYM_FMT_NUL_IN_NAME", KSYM_FMT_NUL_IN_NAME as i64),
];

// ---- types of the header ---------------------------------------------------------

/// `struct ksym_sections`: the section bounds of `include/asm-generic/sections.h`
/// (6.12) that the address lookups read: `is_ksym_addr()` and the end of a
/// section's last symbol in `get_symbol_pos()`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct KsymSections {
    /// `_stext`.
    pub stext: c_ulong,
    /// `_etext`.
    pub etext: c_ulong,
    /// `_sinittext`.
    pub sinittext: c_ulong,
    /// `_einittext`.
    pub einittext: c_ulong,
    /// `__init_begin`.
    pub init_begin: c_ulong,
    /// `__init_end`.
    pub init_end: c_ulong,
    /// `_end`.
    pub end: c_ulong,
}

/// `struct ksym_desc`: the kernel's kallsyms arrays as `kernel/kallsyms_internal.h`
/// (6.12) declares them, with what the arrays themselves do not say.
///
/// The kernel's extern arrays have no sizes. Two are given in bytes (`names_len`,
/// `token_table_len`): `scripts/kallsyms.c` (6.12 `write_src()`) emits `names`,
/// `markers`, `token_table`, `token_index`, `offsets`, `relative_base`,
/// `seqs_of_names` in that order in one section, so each can be bounded by the next
/// one's address (alignment padding included is fine: bytes past the last record
/// or token are ignored). The others follow from `num_syms`: `markers`
/// `ceil(n / 256) * 4` bytes, `token_index` 512, `offsets` `n * 4` (or `n *
/// sizeof(long)` for `kallsyms_addresses`), `seqs_of_names` `n * 3` (or `n * 4`).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct KsymDesc {
    /// `kallsyms_names`.
    pub names: *const u8,
    /// Readable bytes at `names`.
    pub names_len: usize,
    /// `kallsyms_markers`.
    pub markers: *const c_uint,
    /// `kallsyms_token_table`.
    pub token_table: *const c_char,
    /// Readable bytes at `token_table`.
    pub token_table_len: usize,
    /// `kallsyms_token_index`.
    pub token_index: *const u16,
    /// `kallsyms_offsets` (or `kallsyms_addresses`, cast, with
    /// `KSYM_LAYOUT_ADDR_ABSOLUTE`).
    pub offsets: *const c_int,
    /// `kallsyms_seqs_of_names`; NULL when the layout has none.
    pub seqs_of_names: *const u8,
    /// `kallsyms_relative_base` (ignored by layouts without one).
    pub relative_base: c_ulong,
    /// The section bounds.
    pub sections: KsymSections,
    /// `kallsyms_num_syms`.
    pub num_syms: c_uint,
    /// `Layout::to_bits` (`KSYM_LAYOUT_*`).
    pub layout: c_uint,
    /// `KSYM_DESC_*` flags.
    pub flags: c_uint,
    /// Must be 0.
    pub reserved: c_uint,
}

/// `struct ksym_table`: caller-allocated, opaque storage for a validated table
/// (`KSYM_TABLE_SIZE` bytes, aligned as `unsigned long long`). Zero-initialised
/// storage (any static) is "not initialised"; [`ksym_table_init`] fills it.
#[repr(C)]
pub struct KsymTable {
    opaque: [u64; OPAQUE_WORDS],
}

/// `struct ksym_caches`: caller-allocated, opaque storage for the two fixed caches
/// [`ksym_table_attach_caches`] fills (`KSYM_CACHES_SIZE` bytes, aligned as
/// `unsigned long long`): a [`ProbeCache`] and an [`AddressCache`].
#[repr(C)]
pub struct KsymCaches {
    opaque: [u64; KSYM_CACHES_SIZE / size_of::<u64>()],
}

/// `struct ksym_format_error`: where a table fails validation.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct KsymFormatError {
    /// `KSYM_ARRAY_*`: the array at fault.
    pub array: c_uint,
    /// `KSYM_FMT_*`: what is wrong.
    pub kind: c_uint,
    /// The first element of the array that is wrong.
    pub index: c_uint,
}

/// `struct ksym_module`: a module's symbol table, as `struct mod_kallsyms`
/// (`include/linux/module.h` 6.12) holds it, with the size of the string table.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct KsymModule {
    /// `mod_kallsyms.symtab`: `num_symtab` `Elf_Sym` entries.
    pub symtab: *const c_void,
    /// `mod_kallsyms.num_symtab`.
    pub num_symtab: c_uint,
    /// `KSYM_ELFCLASS_*`.
    pub elf_class: c_uint,
    /// `mod_kallsyms.strtab`.
    pub strtab: *const c_char,
    /// Readable bytes at `strtab`.
    pub strtab_size: usize,
    /// `mod_kallsyms.typetab` (`num_symtab` bytes), or NULL.
    pub typetab: *const c_char,
}

/// `struct ksym_sympos`: the (name, sympos) that selects a symbol.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct KsymSympos {
    /// The value for a livepatch (`klp_func.old_sympos`, `.klp.sym.` names): 0 when
    /// the name is unique, else `position`.
    pub sympos: c_ulong,
    /// Position among the matches of the name, in address order, from 1.
    pub position: c_uint,
    /// How many symbols match the name.
    pub count: c_uint,
    /// `KSYM_KIND_*`: how the symbol matches the name.
    pub kind: c_uint,
    /// Bytes of the name (without its NUL).
    pub name_len: c_uint,
}

/// `struct ksym_klp_sym`: a parsed `.klp.sym.<objname>.<name>,<sympos>`. The
/// strings point into the parsed text and are not NUL-terminated.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct KsymKlpSym {
    /// The object: `vmlinux` or a module name.
    pub objname: *const c_char,
    /// Bytes of `objname`.
    pub objname_len: usize,
    /// The symbol name.
    pub name: *const c_char,
    /// Bytes of `name`.
    pub name_len: usize,
    /// The position (0: unique).
    pub sympos: c_ulong,
}

/// `struct ksym_klp_rela`: a parsed `.klp.rela.<objname>.<section>`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct KsymKlpRela {
    /// The object the relocations apply to.
    pub objname: *const c_char,
    /// Bytes of `objname`.
    pub objname_len: usize,
    /// The section they patch.
    pub section: *const c_char,
    /// Bytes of `section`.
    pub section_len: usize,
}

/// `int (*fn)(void *data, const char *name, unsigned long addr)`, the callback of
/// `kallsyms_on_each_symbol()`.
pub type KsymSymbolFn = unsafe extern "C" fn(*mut c_void, *const c_char, c_ulong) -> c_int;

/// `int (*fn)(void *data, unsigned long addr)`, the callback of
/// `kallsyms_on_each_match_symbol()`.
pub type KsymMatchFn = unsafe extern "C" fn(*mut c_void, c_ulong) -> c_int;

// ---- pinned layouts ------------------------------------------------------------------

#[cfg(target_pointer_width = "64")]
mod pinned {
    use super::*;
    const_assert_eq!(size_of::<KsymSections>(), 56);
    const_assert_eq!(align_of::<KsymSections>(), 8);
    const_assert_eq!(size_of::<KsymDesc>(), 144);
    const_assert_eq!(align_of::<KsymDesc>(), 8);
    const_assert_eq!(offset_of!(KsymDesc, names), 0);
    const_assert_eq!(offset_of!(KsymDesc, names_len), 8);
    const_assert_eq!(offset_of!(KsymDesc, markers), 16);
    const_assert_eq!(offset_of!(KsymDesc, token_table), 24);
    const_assert_eq!(offset_of!(KsymDesc, token_table_len), 32);
    const_assert_eq!(offset_of!(KsymDesc, token_index), 40);
    const_assert_eq!(offset_of!(KsymDesc, offsets), 48);
    const_assert_eq!(offset_of!(KsymDesc, seqs_of_names), 56);
    const_assert_eq!(offset_of!(KsymDesc, relative_base), 64);
    const_assert_eq!(offset_of!(KsymDesc, sections), 72);
    const_assert_eq!(offset_of!(KsymDesc, num_syms), 128);
    const_assert_eq!(offset_of!(KsymDesc, layout), 132);
    const_assert_eq!(offset_of!(KsymDesc, flags), 136);
    const_assert_eq!(offset_of!(KsymDesc, reserved), 140);
    const_assert_eq!(size_of::<KsymModule>(), 40);
    const_assert_eq!(offset_of!(KsymModule, strtab), 16);
    const_assert_eq!(offset_of!(KsymModule, typetab), 32);
    const_assert_eq!(size_of::<KsymSympos>(), 24);
    const_assert_eq!(size_of::<KsymKlpSym>(), 40);
    const_assert_eq!(size_of::<KsymKlpRela>(), 32);
}

#[cfg(target_pointer_width = "32")]
mod pinned {
    use super::*;
    const_assert_eq!(size_of::<KsymSections>(), 28);
    const_assert_eq!(align_of::<KsymSections>(), 4);
    const_assert_eq!(size_of::<KsymDesc>(), 80);
    const_assert_eq!(align_of::<KsymDesc>(), 4);
    const_assert_eq!(offset_of!(KsymDesc, names), 0);
    const_assert_eq!(offset_of!(KsymDesc, names_len), 4);
    const_assert_eq!(offset_of!(KsymDesc, markers), 8);
    const_assert_eq!(offset_of!(KsymDesc, token_table), 12);
    const_assert_eq!(offset_of!(KsymDesc, token_table_len), 16);
    const_assert_eq!(offset_of!(KsymDesc, token_index), 20);
    const_assert_eq!(offset_of!(KsymDesc, offsets), 24);
    const_assert_eq!(offset_of!(KsymDesc, seqs_of_names), 28);
    const_assert_eq!(offset_of!(KsymDesc, relative_base), 32);
    const_assert_eq!(offset_of!(KsymDesc, sections), 36);
    const_assert_eq!(offset_of!(KsymDesc, num_syms), 64);
    const_assert_eq!(offset_of!(KsymDesc, layout), 68);
    const_assert_eq!(offset_of!(KsymDesc, flags), 72);
    const_assert_eq!(offset_of!(KsymDesc, reserved), 76);
    const_assert_eq!(size_of::<KsymModule>(), 24);
    const_assert_eq!(offset_of!(KsymModule, strtab), 12);
    const_assert_eq!(offset_of!(KsymModule, typetab), 20);
    const_assert_eq!(size_of::<KsymSympos>(), 20);
    const_assert_eq!(size_of::<KsymKlpSym>(), 20);
    const_assert_eq!(size_of::<KsymKlpRela>(), 16);
}

// Same on every target.
// Queries share one table across CPUs: it must stay `Sync` (no interior mutability).
static_assertions::assert_impl_all!(Table<'static>: Sync);
const_assert_eq!(size_of::<KsymTable>(), KSYM_TABLE_SIZE);
const_assert_eq!(align_of::<KsymTable>(), align_of::<u64>());
const_assert_eq!(size_of::<KsymFormatError>(), 12);
const_assert_eq!(size_of::<c_ulong>(), size_of::<usize>());
const_assert!(size_of::<Stored>() <= KSYM_TABLE_SIZE);
const_assert!(align_of::<Stored>() <= align_of::<KsymTable>());
const_assert!(KSYM_SPRINT_LEN == 550);
const_assert!(size_of::<StoredCaches>() <= KSYM_CACHES_SIZE);
const_assert!(align_of::<StoredCaches>() <= align_of::<KsymCaches>());

// ---- the stored table ------------------------------------------------------------

/// "ksymtab1": marks a `struct ksym_table` that [`ksym_table_init`] filled.
const MAGIC: u64 = u64::from_be_bytes(*b"ksymtab1");

/// What [`KsymTable`] holds once initialised.
#[repr(C)]
struct Stored {
    magic: u64,
    table: Table<'static>,
}

/// What [`KsymCaches`] holds once filled. Zero bytes are a valid value (arrays of
/// integers).
#[repr(C)]
struct StoredCaches {
    probe: ProbeCache,
    addresses: AddressCache,
}

/// The table in `t`, or `None` for NULL, a misaligned pointer or storage that
/// [`ksym_table_init`] did not fill.
///
/// # Safety
///
/// `t` is NULL or points to a readable `struct ksym_table` that is zeroed or was
/// filled by [`ksym_table_init`] from arrays that are still valid and unchanged.
unsafe fn table_ref<'t>(t: *const KsymTable) -> Option<&'t Table<'static>> {
    if t.is_null() || (t as usize) % align_of::<KsymTable>() != 0 {
        return None;
    }
    let stored = t.cast::<Stored>();
    // SAFETY: `t` is non-null, aligned for `Stored` (const_assert above) and points
    // to KSYM_TABLE_SIZE readable bytes (contract), which hold `Stored` (size
    // const_assert above); the magic is a plain u64 at offset 0.
    let magic = unsafe { ptr::addr_of!((*stored).magic).read() };
    if magic != MAGIC {
        return None;
    }
    // SAFETY: the magic shows that `ksym_table_init` wrote a whole `Stored` here, and
    // the arrays it borrows are still valid (contract).
    Some(unsafe { &(*stored).table })
}

// ---- argument helpers --------------------------------------------------------------

/// A symbol name given as `(ptr, len)`: `None` when invalid (NULL with `len > 0`, or
/// `len >= KSYM_NAME_LEN`, a name no table holds). No slice is made of such a length.
///
/// # Safety
///
/// `ptr` is NULL or readable for `len` bytes.
unsafe fn name_arg<'a>(ptr: *const c_char, len: usize) -> Option<&'a [u8]> {
    if len == 0 {
        return Some(&[]);
    }
    if ptr.is_null() || len >= KSYM_NAME_LEN {
        return None;
    }
    // SAFETY: non-null and readable for `len < KSYM_NAME_LEN` bytes (contract).
    Some(unsafe { core::slice::from_raw_parts(ptr.cast::<u8>(), len) })
}

/// A NUL-terminated string of fewer than `bound` bytes: `None` for NULL or when no
/// NUL is among the first `bound` bytes. Reads nothing past the NUL.
///
/// # Safety
///
/// `ptr` is NULL, or readable up to its first NUL or for `bound` bytes, whichever
/// comes first.
unsafe fn cstr_arg<'a>(ptr: *const c_char, bound: usize) -> Option<&'a [u8]> {
    if ptr.is_null() {
        return None;
    }
    let p = ptr.cast::<u8>();
    let mut n = 0;
    while n < bound {
        // SAFETY: bytes 0..n are not NUL, so byte n is readable (contract).
        if unsafe { p.add(n).read() } == 0 {
            // SAFETY: the n bytes before the NUL were read just now.
            return Some(unsafe { core::slice::from_raw_parts(p, n) });
        }
        n += 1;
    }
    None
}

/// A byte array of the descriptor: empty for length 0, `None` for NULL with a length
/// or a length over `isize::MAX`.
///
/// # Safety
///
/// `ptr` is NULL or readable for `len` bytes for as long as the table is used.
unsafe fn array_arg(ptr: *const u8, len: usize) -> Option<&'static [u8]> {
    if len == 0 {
        return Some(&[]);
    }
    if ptr.is_null() || len > isize::MAX as usize {
        return None;
    }
    // SAFETY: non-null, readable for `len <= isize::MAX` bytes and unchanged while
    // the table is in use (contract).
    Some(unsafe { core::slice::from_raw_parts(ptr, len) })
}

/// Checks an output buffer: `Err(-EINVAL)` for NULL with a size.
fn out_buf(ptr: *mut c_char, size: usize) -> Result<(), c_int> {
    if ptr.is_null() && size > 0 {
        Err(EINVAL)
    } else {
        Ok(())
    }
}

/// Copies `src` and a NUL to `dst` if `size` holds them both: `Err(-ERANGE)` (and
/// nothing written) otherwise.
///
/// # Safety
///
/// `dst` is NULL with `size == 0`, or writable for `size` bytes and not overlapping
/// `src`.
unsafe fn put_cstr(dst: *mut c_char, size: usize, src: &[u8]) -> Result<(), c_int> {
    if dst.is_null() || src.len() >= size {
        return Err(ERANGE);
    }
    let d = dst.cast::<u8>();
    // SAFETY: `dst` is writable for `size > src.len()` bytes (contract) and does not
    // overlap `src`, which is in this crate's own buffers or the tables.
    unsafe {
        ptr::copy_nonoverlapping(src.as_ptr(), d, src.len());
        d.add(src.len()).write(0);
    }
    Ok(())
}

/// Writes `v` to `p` unless `p` is NULL.
///
/// # Safety
///
/// `p` is NULL or valid for a write of `T`.
unsafe fn put<T>(p: *mut T, v: T) {
    if !p.is_null() {
        // SAFETY: non-null and writable (contract).
        unsafe { p.write(v) };
    }
}

/// An address as the kernel's `unsigned long`. [`ksym_table_init`] refuses layouts
/// whose addresses do not fit, so this does not truncate.
#[inline]
fn ulong(v: u64) -> c_ulong {
    v as c_ulong
}

/// An `unsigned long` from C as an address (a no-op on 64-bit, widening on 32-bit).
#[inline]
#[allow(clippy::useless_conversion)]
fn wide(v: c_ulong) -> u64 {
    u64::from(v)
}

/// `v` as `unsigned long` if it fits.
#[cfg(target_pointer_width = "64")]
#[inline]
fn ulong_checked(v: u64) -> Option<c_ulong> {
    Some(v)
}

/// `v` as `unsigned long` if it fits.
#[cfg(not(target_pointer_width = "64"))]
#[inline]
fn ulong_checked(v: u64) -> Option<c_ulong> {
    c_ulong::try_from(v).ok()
}

/// The match options, or `None` for unknown bits.
fn match_arg(opts: c_uint) -> Option<Match> {
    Match::from_bits(opts)
}

/// A name of at most `KSYM_NAME_LEN - 1` bytes, NUL-terminated, in a stack buffer.
struct NameBuf {
    buf: [u8; KSYM_NAME_LEN],
    len: usize,
}

impl NameBuf {
    /// An empty buffer, to [`NameBuf::fill`] in place: a filled buffer returned by
    /// value was copied, putting two `KSYM_NAME_LEN` buffers in the caller's frame
    /// (`scripts/stack-sizes`).
    const fn new() -> NameBuf {
        NameBuf {
            buf: [0; KSYM_NAME_LEN],
            len: 0,
        }
    }

    /// Writes the name of `sym` and its NUL.
    fn fill(&mut self, table: &Table<'_>, sym: &crate::Symbol) {
        self.len = match self.buf.get_mut(..KSYM_NAME_LEN - 1) {
            Some(room) => table.name(sym, room).len(),
            None => 0,
        };
        if let Some(nul) = self.buf.get_mut(self.len) {
            *nul = 0;
        }
    }

    /// The name without its NUL.
    fn bytes(&self) -> &[u8] {
        self.buf.get(..self.len).unwrap_or(&[])
    }
}

// ---- setup -----------------------------------------------------------------------------

/// Checks the descriptor and validates the arrays; on success, stores the table at
/// `dst` unless it is NULL (written in place: the table is 2 KiB, and the kernel's
/// boot stack should not hold copies of it). On failure: the errno (and,
/// for `-EUCLEAN`, what is wrong).
///
/// # Safety
///
/// `desc` as for [`ksym_table_init`]; `dst` NULL, or aligned and writable for a
/// `Stored` that no other thread uses during the call.
unsafe fn build(
    desc: *const KsymDesc,
    dst: *mut Stored,
) -> Result<(), (c_int, Option<FormatError>)> {
    let inval = (EINVAL, None);
    if desc.is_null() {
        return Err(inval);
    }
    // SAFETY: non-null and readable (contract); `KsymDesc` is plain data for which
    // every bit pattern is valid.
    let d = unsafe { desc.read_unaligned() };
    if d.flags & !DESC_FLAGS != 0 || d.reserved != 0 {
        return Err(inval);
    }
    let layout = match Layout::from_bits(d.layout) {
        Ok(l) => l,
        Err(e) => return Err((e.to_errno(), Some(e))),
    };
    if usize::from(layout.ptr_bytes) > size_of::<c_ulong>() {
        // Addresses would not fit the kernel's `unsigned long`.
        return Err(inval);
    }
    if d.num_syms > MAX_SYMS {
        let e = FormatError::new(Array::NumSyms, 0, FormatErrorKind::TooManySymbols);
        return Err((e.to_errno(), Some(e)));
    }
    let n = d.num_syms as usize;
    // NO-OVERFLOW: n <= 2^24 and every factor is at most 8.
    let markers_len = n.div_ceil(256) * 4;
    let offsets_len = n * layout.address_entry_bytes();
    let seqs_len = n * layout.seqs_entry_bytes();
    let seqs_ptr = if layout.seqs == SeqsFormat::None {
        ptr::null()
    } else {
        d.seqs_of_names
    };
    // SAFETY: each pointer is readable for its length while the table is used
    // (contract of `ksym_table_init`).
    let arrays = unsafe {
        (
            array_arg(d.names, d.names_len),
            array_arg(d.markers.cast::<u8>(), markers_len),
            array_arg(d.token_table.cast::<u8>(), d.token_table_len),
            array_arg(d.token_index.cast::<u8>(), 512),
            array_arg(d.offsets.cast::<u8>(), offsets_len),
            array_arg(seqs_ptr, seqs_len),
        )
    };
    let (
        Some(names),
        Some(markers),
        Some(token_table),
        Some(token_index),
        Some(offsets),
        Some(seqs_of_names),
    ) = arrays
    else {
        return Err(inval);
    };
    let raw = RawTable {
        num_syms: d.num_syms,
        names,
        markers,
        token_table,
        token_index,
        offsets,
        relative_base: wide(d.relative_base),
        offsets_addr: d.offsets as usize as u64,
        seqs_of_names,
    };
    let checks = if d.flags & KSYM_DESC_SKIP_NAME_ORDER != 0 {
        Checks::SkipNameOrder
    } else {
        Checks::Full
    };
    let s = d.sections;
    let sections = Sections {
        stext: wide(s.stext),
        etext: wide(s.etext),
        sinittext: wide(s.sinittext),
        einittext: wide(s.einittext),
        init_begin: wide(s.init_begin),
        init_end: wide(s.init_end),
        end: wide(s.end),
        kallsyms_all: d.flags & KSYM_DESC_KALLSYMS_ALL != 0,
    };
    match Table::with_checks(raw, layout, checks) {
        Ok(t) => {
            if !dst.is_null() {
                // SAFETY: `dst` is aligned and writable for a `Stored` (contract).
                unsafe {
                    dst.write(Stored {
                        magic: MAGIC,
                        table: t.with_sections(sections),
                    })
                };
            }
            Ok(())
        }
        Err(e) => Err((e.to_errno(), Some(e))),
    }
}

/// `int ksym_table_init(struct ksym_table *table, const struct ksym_desc *desc)`:
/// validates the arrays `desc` describes and stores the validated table in `table`.
/// The kernel calls it once at boot, before any other `ksym_` function.
///
/// Returns 0, `-EINVAL` (NULL argument, misaligned `table`, unknown flags or layout
/// bits, non-zero `reserved`, a layout whose addresses do not fit `unsigned long`, a
/// NULL array that must have bytes, a length over `PTRDIFF_MAX`), or `-EUCLEAN` (the
/// arrays fail validation; [`ksym_desc_check`] says where). On error `*table` is not
/// written.
///
/// # Safety
///
/// `table` is NULL or points to writable storage of `struct ksym_table`, not in use
/// by any other thread during the call. `desc` is NULL or points to a readable
/// `struct ksym_desc` whose arrays are readable for the lengths it implies (see
/// [`KsymDesc`]) and stay valid and unchanged for as long as `table` is used.
#[no_mangle]
pub unsafe extern "C" fn ksym_table_init(table: *mut KsymTable, desc: *const KsymDesc) -> c_int {
    if table.is_null() || (table as usize) % align_of::<KsymTable>() != 0 {
        return EINVAL;
    }
    // SAFETY: `desc` as `build` needs it (contract); `table` is non-null, aligned
    // and writable for KSYM_TABLE_SIZE bytes (contract), which hold a `Stored`
    // (const_asserts above). `build` writes it only on success.
    match unsafe { build(desc, table.cast::<Stored>()) } {
        Ok(()) => 0,
        Err((errno, _)) => errno,
    }
}

/// `int ksym_desc_check(const struct ksym_desc *desc, struct ksym_format_error *err)`:
/// validates like [`ksym_table_init`] without storing anything, and says where a
/// table that fails validation is wrong.
///
/// Returns 0, `-EINVAL` (as [`ksym_table_init`]; `*err` not written unless the layout
/// bits are unknown, `KSYM_ARRAY_LAYOUT`), or `-EUCLEAN` with `*err` set (when
/// `err` is not NULL). The error is the only output, so it is written on failure.
///
/// # Safety
///
/// `desc` as for [`ksym_table_init`], for the duration of the call only. `err` is
/// NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn ksym_desc_check(
    desc: *const KsymDesc,
    err: *mut KsymFormatError,
) -> c_int {
    // SAFETY: forwarded contract; no destination, so the table is dropped.
    match unsafe { build(desc, ptr::null_mut()) } {
        Ok(()) => 0,
        Err((errno, detail)) => {
            if let Some(e) = detail {
                let out = KsymFormatError {
                    array: e.array as c_uint,
                    kind: e.kind as c_uint,
                    index: e.index,
                };
                // SAFETY: NULL or writable (contract).
                unsafe { put(err, out) };
            }
            errno
        }
    }
}

/// `int ksym_table_attach_caches(struct ksym_table *table, struct ksym_caches
/// *caches)`: fills `caches` from the initialised `table` and makes `table`'s
/// lookups use them: the name offsets of the top ten levels of the name-order
/// binary search ([`ProbeCache`], 4092 bytes; tables with `kallsyms_seqs_of_names`
/// only) and the addresses of 512 evenly spaced symbols ([`AddressCache`], 4096
/// bytes). The answers do not change; name lookups take about 1.5x less time
/// (README, `lookup_name` against `lookup_name_nocache`), and address lookups start
/// their search among 1/512 of the symbols (a few cache misses less on large
/// tables). The kernel has no such caches (`kernel/kallsyms.c`
/// 6.12 searches `kallsyms_seqs_of_names` and `kallsyms_offsets` from the whole
/// range every time); they are fixed-size, so a kernel can keep them in static
/// storage next to its `struct ksym_table` and fill them once at boot, after
/// [`ksym_table_init`].
///
/// Returns 0, or `-EINVAL` (NULL, misaligned or uninitialised `table`; NULL or
/// misaligned `caches`: neither is written). (`-EUCLEAN` would mean that the
/// caches just filled fail their own check against the table, which the tests
/// rule out; `table` is then not written.) Calling it again on the same table, with
/// the same or other caches, fills them again.
///
/// # Safety
///
/// `table` is NULL or an initialised (or zeroed) `struct ksym_table`, not in use by
/// any other thread during the call (as for [`ksym_table_init`]). `caches` is NULL
/// or writable storage of `struct ksym_caches`, used by no other table, that stays
/// valid and unchanged for as long as `table` is used.
#[no_mangle]
pub unsafe extern "C" fn ksym_table_attach_caches(
    table: *mut KsymTable,
    caches: *mut KsymCaches,
) -> c_int {
    if caches.is_null() || (caches as usize) % align_of::<KsymCaches>() != 0 {
        return EINVAL;
    }
    // SAFETY: `table` as `table_ref` needs it (contract).
    let Some(stored) = (unsafe { table_ref(table) }) else {
        return EINVAL;
    };
    // The table without caches: the caches it may already use are about to be
    // overwritten, and must not be read while they are filled.
    let mut bare: Table<'static> = stored.clone();
    bare.accel = Accel::default();
    let c = caches.cast::<StoredCaches>();
    // SAFETY: `caches` is non-null, aligned for `StoredCaches` (const_asserts above)
    // and writable for KSYM_CACHES_SIZE bytes, which hold a `StoredCaches`, and no
    // one else uses it (contract); zero bytes are a valid `StoredCaches`.
    unsafe { ptr::write_bytes(c, 0, 1) };
    // SAFETY: initialised just above and not aliased (contract): written here, then
    // only read, through `table`, for as long as the caller keeps it valid.
    let c: &'static mut StoredCaches = unsafe { &mut *c };
    c.probe.fill(&bare);
    c.addresses.fill(&bare);
    let c: &'static StoredCaches = c;
    let with_addresses = match bare.with_address_cache(&c.addresses) {
        Ok(t) => t,
        // Not reached: the cache was just filled from this table.
        Err(e) => return e.to_errno(),
    };
    let cached = if with_addresses.has_name_index() {
        match with_addresses.with_probe_cache(&c.probe) {
            Ok(t) => t,
            // Not reached, as above.
            Err(e) => return e.to_errno(),
        }
    } else {
        with_addresses
    };
    // SAFETY: `table_ref` showed that `table` holds a `Stored` (aligned, and
    // writable: contract); only its `table` field is replaced, with no one else
    // using it during the call (contract).
    unsafe { ptr::addr_of_mut!((*table.cast::<Stored>()).table).write(cached) };
    0
}

// ---- symbols by position -----------------------------------------------------------

/// `unsigned int ksym_num_syms(const struct ksym_table *table)`: `kallsyms_num_syms`,
/// or 0 for a NULL or uninitialised table.
///
/// # Safety
///
/// `table` is NULL or a `struct ksym_table` that is zeroed or initialised (see
/// [`ksym_table_init`]); the same holds for every `table` argument below.
#[no_mangle]
pub unsafe extern "C" fn ksym_num_syms(table: *const KsymTable) -> c_uint {
    // SAFETY: forwarded contract.
    unsafe { table_ref(table) }.map_or(0, |t| t.len())
}

/// `unsigned long ksym_sym_address(const struct ksym_table *table, unsigned int idx)`:
/// `kallsyms_sym_address()` (`kernel/kallsyms.c` 6.12), the address of symbol `idx`
/// in address order; 0 for `idx >= num_syms` or a bad table (the kernel does not
/// check `idx`).
///
/// # Safety
///
/// As [`ksym_num_syms`].
#[no_mangle]
pub unsafe extern "C" fn ksym_sym_address(table: *const KsymTable, idx: c_uint) -> c_ulong {
    // SAFETY: forwarded contract.
    unsafe { table_ref(table) }.map_or(0, |t| ulong(t.address(idx)))
}

/// `int ksym_get_symbol_seq(const struct ksym_table *table, unsigned int index,
/// unsigned int *seq)`: `get_symbol_seq()` (`kernel/kallsyms.c` 6.12), the
/// address-order position of name-order position `index` (the identity for tables
/// without `kallsyms_seqs_of_names`).
///
/// Returns 0 with `*seq` set, or `-EINVAL` (bad table, NULL `seq`,
/// `index >= num_syms`).
///
/// # Safety
///
/// `table` as [`ksym_num_syms`]; `seq` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn ksym_get_symbol_seq(
    table: *const KsymTable,
    index: c_uint,
    seq: *mut c_uint,
) -> c_int {
    // SAFETY: forwarded contract.
    let Some(t) = (unsafe { table_ref(table) }) else {
        return EINVAL;
    };
    if seq.is_null() {
        return EINVAL;
    }
    match t.name_index_entry(index) {
        Some(s) => {
            // SAFETY: non-null and writable (contract).
            unsafe { seq.write(s) };
            0
        }
        None => EINVAL,
    }
}

/// `int ksym_get_symbol_type(const struct ksym_table *table, unsigned int pos)`:
/// `kallsyms_get_symbol_type()` (`kernel/kallsyms.c` 6.12), the nm type letter of
/// symbol `pos` (address order).
///
/// Returns the letter (a positive `char` value), or `-EINVAL` (bad table,
/// `pos >= num_syms`). Differs from the kernel, which takes the offset of the name
/// record in `kallsyms_names`: a position can be checked, an offset cannot without a
/// walk. Also reads the right byte for names of more than 127 tokens, which 6.12
/// did not until f3f9f42232de (6.19, backported to 6.12.y).
///
/// # Safety
///
/// As [`ksym_num_syms`].
#[no_mangle]
pub unsafe extern "C" fn ksym_get_symbol_type(table: *const KsymTable, pos: c_uint) -> c_int {
    // SAFETY: forwarded contract.
    let Some(t) = (unsafe { table_ref(table) }) else {
        return EINVAL;
    };
    t.symbol(pos).map_or(EINVAL, |s| c_int::from(s.type_letter))
}

// ---- names to symbols ----------------------------------------------------------------

/// `lookup_name` over a decoded name.
fn lookup_name(t: &Table<'_>, name: Option<&[u8]>) -> c_ulong {
    name.and_then(|n| t.lookup_name(n))
        .map_or(0, |s| ulong(s.address))
}

/// `unsigned long ksym_lookup_name(const struct ksym_table *table, const char *name,
/// size_t len)`: `kallsyms_lookup_name()` (`kernel/kallsyms.c` 6.12), the address
/// of the lowest-address symbol named exactly `name`, or 0 when there is none (also
/// for an empty or invalid name, or a bad table: the kernel's "not found").
///
/// The kernel then asks the modules (`module_kallsyms_lookup_name()`); this does
/// not. On Clang LTO tables of 6.2 - 6.10 the match is exact, as since 6.11.
///
/// # Safety
///
/// `table` as [`ksym_num_syms`]; `name` NULL or readable for `len` bytes.
#[no_mangle]
pub unsafe extern "C" fn ksym_lookup_name(
    table: *const KsymTable,
    name: *const c_char,
    len: usize,
) -> c_ulong {
    // SAFETY: forwarded contract.
    let (t, name) = unsafe { (table_ref(table), name_arg(name, len)) };
    t.map_or(0, |t| lookup_name(t, name))
}

/// `unsigned long ksym_lookup_name_str(const struct ksym_table *table, const char
/// *name)`: [`ksym_lookup_name`] of a NUL-terminated name (at most `KSYM_NAME_LEN`
/// bytes are read looking for the NUL; without one, 0).
///
/// # Safety
///
/// `table` as [`ksym_num_syms`]; `name` NULL, or readable up to its NUL or for
/// `KSYM_NAME_LEN` bytes.
#[no_mangle]
pub unsafe extern "C" fn ksym_lookup_name_str(
    table: *const KsymTable,
    name: *const c_char,
) -> c_ulong {
    // SAFETY: forwarded contract.
    let (t, name) = unsafe { (table_ref(table), cstr_arg(name, KSYM_NAME_LEN)) };
    t.map_or(0, |t| lookup_name(t, name))
}

/// `lookup_names` over a decoded name.
///
/// # Safety
///
/// `start` and `end` are NULL or writable.
unsafe fn lookup_names(
    t: Option<&Table<'_>>,
    name: Option<&[u8]>,
    start: *mut c_uint,
    end: *mut c_uint,
) -> c_int {
    let (Some(t), Some(name)) = (t, name) else {
        return EINVAL;
    };
    if start.is_null() {
        return EINVAL;
    }
    match t.lookup_names(name) {
        Some((lo, hi)) => {
            // SAFETY: `start` non-null and writable, `end` NULL or writable (contract).
            unsafe {
                start.write(lo);
                put(end, hi);
            }
            0
        }
        None => ESRCH,
    }
}

/// `int ksym_lookup_names(const struct ksym_table *table, const char *name, size_t
/// len, unsigned int *start, unsigned int *end)`: `kallsyms_lookup_names()`
/// (`kernel/kallsyms.c` 6.12), the first and last name-order positions (for
/// [`ksym_get_symbol_seq`]) of the symbols named `name`.
///
/// Returns 0 with `*start` and `*end` (when `end` is not NULL, as in the kernel)
/// set, `-ESRCH` when no symbol has the name (also for an empty name and for tables
/// without `kallsyms_seqs_of_names`), or `-EINVAL` (bad table, NULL `start`, invalid
/// name). On Clang LTO tables of 6.2 - 6.10 positions are those of the cut key.
///
/// # Safety
///
/// `table` as [`ksym_num_syms`]; `name` NULL or readable for `len` bytes; `start`
/// and `end` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn ksym_lookup_names(
    table: *const KsymTable,
    name: *const c_char,
    len: usize,
    start: *mut c_uint,
    end: *mut c_uint,
) -> c_int {
    // SAFETY: forwarded contract.
    unsafe { lookup_names(table_ref(table), name_arg(name, len), start, end) }
}

/// `int ksym_lookup_names_str(const struct ksym_table *table, const char *name,
/// unsigned int *start, unsigned int *end)`: [`ksym_lookup_names`] of a
/// NUL-terminated name (no NUL in the first `KSYM_NAME_LEN` bytes: `-EINVAL`).
///
/// # Safety
///
/// As [`ksym_lookup_names`], with `name` NULL, or readable up to its NUL or for
/// `KSYM_NAME_LEN` bytes.
#[no_mangle]
pub unsafe extern "C" fn ksym_lookup_names_str(
    table: *const KsymTable,
    name: *const c_char,
    start: *mut c_uint,
    end: *mut c_uint,
) -> c_int {
    // SAFETY: forwarded contract.
    unsafe { lookup_names(table_ref(table), cstr_arg(name, KSYM_NAME_LEN), start, end) }
}

/// `int ksym_on_each_symbol(const struct ksym_table *table, int (*fn)(void *data,
/// const char *name, unsigned long addr), void *data)`: `kallsyms_on_each_symbol()`
/// (`kernel/kallsyms.c` 6.12): calls `fn` for every symbol in address order with its
/// NUL-terminated name, until `fn` returns non-zero.
///
/// Returns 0 after the last symbol, the first non-zero value `fn` returned, or
/// `-EINVAL` (bad table, NULL `fn`) before any call.
///
/// # Safety
///
/// `table` as [`ksym_num_syms`]; `fn` NULL or a function that may be called with
/// `data`; the name it gets is valid for the call only.
#[no_mangle]
pub unsafe extern "C" fn ksym_on_each_symbol(
    table: *const KsymTable,
    f: Option<KsymSymbolFn>,
    data: *mut c_void,
) -> c_int {
    // SAFETY: forwarded contract.
    let Some(t) = (unsafe { table_ref(table) }) else {
        return EINVAL;
    };
    let Some(f) = f else {
        return EINVAL;
    };
    for sym in t.iter() {
        let mut name = NameBuf::new();
        name.fill(t, &sym);
        // SAFETY: `f` may be called with `data` (contract); the name is
        // NUL-terminated and lives through the call.
        let ret = unsafe { f(data, name.buf.as_ptr().cast::<c_char>(), ulong(sym.address)) };
        if ret != 0 {
            return ret;
        }
    }
    0
}

/// `on_each_match_symbol` over decoded arguments.
///
/// # Safety
///
/// `f` may be called with `data`.
unsafe fn on_each_match(
    t: Option<&Table<'_>>,
    f: Option<KsymMatchFn>,
    name: Option<&[u8]>,
    opts: c_uint,
    data: *mut c_void,
) -> c_int {
    let (Some(t), Some(f), Some(name), Some(opts)) = (t, f, name, match_arg(opts)) else {
        return EINVAL;
    };
    for found in t.matches(name, opts) {
        // SAFETY: `f` may be called with `data` (contract).
        let ret = unsafe { f(data, ulong(found.symbol.address)) };
        if ret != 0 {
            return ret;
        }
    }
    0
}

/// `int ksym_on_each_match_symbol(const struct ksym_table *table, int (*fn)(void
/// *data, unsigned long addr), const char *name, size_t len, unsigned int match,
/// void *data)`: `kallsyms_on_each_match_symbol()` (`kernel/kallsyms.c` 6.12):
/// calls `fn` with the address of every symbol that matches `name`, in address
/// order, until `fn` returns non-zero.
///
/// `match` is `KSYM_MATCH_EXACT` (0) for the kernel's exact matching, or a set of
/// `KSYM_MATCH_*` suffix kinds that may follow the name (`foo.llvm.123`,
/// `foo.isra.0`, ...). Returns 0 (also when nothing matches, as the kernel), the
/// first non-zero value `fn` returned, or `-EINVAL` (bad table, NULL `fn`, invalid
/// name, unknown `match` bits) before any call.
///
/// # Safety
///
/// `table` as [`ksym_num_syms`]; `fn` NULL or a function that may be called with
/// `data`; `name` NULL or readable for `len` bytes.
#[no_mangle]
pub unsafe extern "C" fn ksym_on_each_match_symbol(
    table: *const KsymTable,
    f: Option<KsymMatchFn>,
    name: *const c_char,
    len: usize,
    opts: c_uint,
    data: *mut c_void,
) -> c_int {
    // SAFETY: forwarded contract.
    unsafe { on_each_match(table_ref(table), f, name_arg(name, len), opts, data) }
}

/// `int ksym_on_each_match_symbol_str(const struct ksym_table *table, int (*fn)(void
/// *data, unsigned long addr), const char *name, unsigned int match, void *data)`:
/// [`ksym_on_each_match_symbol`] of a NUL-terminated name (no NUL in the first
/// `KSYM_NAME_LEN` bytes: `-EINVAL`).
///
/// # Safety
///
/// As [`ksym_on_each_match_symbol`], with `name` NULL, or readable up to its NUL or
/// for `KSYM_NAME_LEN` bytes.
#[no_mangle]
pub unsafe extern "C" fn ksym_on_each_match_symbol_str(
    table: *const KsymTable,
    f: Option<KsymMatchFn>,
    name: *const c_char,
    opts: c_uint,
    data: *mut c_void,
) -> c_int {
    // SAFETY: forwarded contract.
    unsafe {
        on_each_match(
            table_ref(table),
            f,
            cstr_arg(name, KSYM_NAME_LEN),
            opts,
            data,
        )
    }
}

// ---- addresses to symbols ----------------------------------------------------------------

/// `const char *ksym_lookup(const struct ksym_table *table, unsigned long addr,
/// unsigned long *symbolsize, unsigned long *offset, char *namebuf, size_t size)`:
/// `kallsyms_lookup()` (`kernel/kallsyms.c` 6.12) for vmlinux: the name of the
/// symbol that covers `addr`, with its size and the offset of `addr` in it.
///
/// Returns `namebuf`, with the name NUL-terminated and `*symbolsize` and `*offset`
/// set (each may be NULL, as in the kernel), or NULL: `addr` is not in the table's
/// sections (`is_ksym_addr()`), the name is empty (as the kernel's `strlen()`
/// test), `namebuf` is too small (`KSYM_NAME_LEN` always suffices), or a bad
/// argument. Differs from the kernel: no `modname` (always NULL for vmlinux), the
/// buffer has a size, and nothing is written when NULL is returned (the kernel
/// clears `namebuf`). The size of a symbol past its section end is 0 where the
/// kernel's wraps.
///
/// # Safety
///
/// `table` as [`ksym_num_syms`]; `symbolsize` and `offset` NULL or writable;
/// `namebuf` NULL or writable for `size` bytes.
#[no_mangle]
pub unsafe extern "C" fn ksym_lookup(
    table: *const KsymTable,
    addr: c_ulong,
    symbolsize: *mut c_ulong,
    offset: *mut c_ulong,
    namebuf: *mut c_char,
    size: usize,
) -> *const c_char {
    // SAFETY: forwarded contract.
    let Some(t) = (unsafe { table_ref(table) }) else {
        return ptr::null();
    };
    if out_buf(namebuf, size).is_err() {
        return ptr::null();
    }
    let Some((sym, pos)) = t.lookup_address(wide(addr)) else {
        return ptr::null();
    };
    let mut name = NameBuf::new();
    name.fill(t, &sym);
    if name.len == 0 {
        return ptr::null();
    }
    // SAFETY: `namebuf` writable for `size` bytes (contract).
    if unsafe { put_cstr(namebuf, size, name.bytes()) }.is_err() {
        return ptr::null();
    }
    // SAFETY: NULL or writable (contract).
    unsafe {
        put(symbolsize, ulong(pos.size));
        put(offset, ulong(pos.offset));
    }
    namebuf
}

/// `int ksym_lookup_size_offset(const struct ksym_table *table, unsigned long addr,
/// unsigned long *symbolsize, unsigned long *offset)`:
/// `kallsyms_lookup_size_offset()` (`kernel/kallsyms.c` 6.12) for vmlinux.
///
/// Returns 1 with `*symbolsize` and `*offset` set (each may be NULL), or 0 when
/// `addr` is not in the table's sections or the table is bad (the kernel then asks
/// modules and BPF).
///
/// # Safety
///
/// `table` as [`ksym_num_syms`]; `symbolsize` and `offset` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn ksym_lookup_size_offset(
    table: *const KsymTable,
    addr: c_ulong,
    symbolsize: *mut c_ulong,
    offset: *mut c_ulong,
) -> c_int {
    // SAFETY: forwarded contract.
    let Some(t) = (unsafe { table_ref(table) }) else {
        return 0;
    };
    match t.lookup_address(wide(addr)) {
        Some((_, pos)) => {
            // SAFETY: NULL or writable (contract).
            unsafe {
                put(symbolsize, ulong(pos.size));
                put(offset, ulong(pos.offset));
            }
            1
        }
        None => 0,
    }
}

/// `int ksym_lookup_symbol_name(const struct ksym_table *table, unsigned long addr,
/// char *symname, size_t size)`: `lookup_symbol_name()` (`kernel/kallsyms.c` 6.12)
/// for vmlinux: the NUL-terminated name of the symbol that covers `addr`.
///
/// Returns 0, `-ENOENT` (`addr` not in the table's sections: the kernel then asks
/// the modules, whose "not found" is `-ERANGE`), `-ERANGE` (`symname` too small;
/// `KSYM_NAME_LEN` always suffices), or `-EINVAL` (bad table, NULL `symname` with a
/// size). `symname` is written only on success (the kernel clears it first).
///
/// # Safety
///
/// `table` as [`ksym_num_syms`]; `symname` NULL or writable for `size` bytes.
#[no_mangle]
pub unsafe extern "C" fn ksym_lookup_symbol_name(
    table: *const KsymTable,
    addr: c_ulong,
    symname: *mut c_char,
    size: usize,
) -> c_int {
    // SAFETY: forwarded contract.
    let Some(t) = (unsafe { table_ref(table) }) else {
        return EINVAL;
    };
    if let Err(e) = out_buf(symname, size) {
        return e;
    }
    let Some((sym, _)) = t.lookup_address(wide(addr)) else {
        return ENOENT;
    };
    let mut name = NameBuf::new();
    name.fill(t, &sym);
    // SAFETY: writable for `size` bytes (contract).
    match unsafe { put_cstr(symname, size, name.bytes()) } {
        Ok(()) => 0,
        Err(e) => e,
    }
}

/// `int ksym_sprint_symbol(const struct ksym_table *table, char *buffer, size_t size,
/// unsigned long address)`: `sprint_symbol()` (`kernel/kallsyms.c` 6.12) for
/// vmlinux: `name+0xoff/0xsize`, or `0x<address>` when no symbol covers it,
/// NUL-terminated.
///
/// Returns the length written (without the NUL), `-ERANGE` (`buffer` too small for
/// the whole text; `KSYM_SPRINT_LEN` always suffices) or `-EINVAL` (bad table, NULL
/// `buffer` with a size). `buffer` is written only on success. Module symbols
/// (` [module]`) are the kernel's to add.
///
/// # Safety
///
/// `table` as [`ksym_num_syms`]; `buffer` NULL or writable for `size` bytes.
#[no_mangle]
pub unsafe extern "C" fn ksym_sprint_symbol(
    table: *const KsymTable,
    buffer: *mut c_char,
    size: usize,
    address: c_ulong,
) -> c_int {
    // SAFETY: forwarded contract.
    let Some(t) = (unsafe { table_ref(table) }) else {
        return EINVAL;
    };
    if let Err(e) = out_buf(buffer, size) {
        return e;
    }
    let mut text = [0u8; KSYM_SPRINT_LEN];
    let Ok(n) = t.sprint_symbol(wide(address), &mut text) else {
        return ERANGE;
    };
    let Some(text) = text.get(..n) else {
        return ERANGE;
    };
    // SAFETY: writable for `size` bytes (contract).
    match unsafe { put_cstr(buffer, size, text) } {
        // NO-OVERFLOW: n < KSYM_SPRINT_LEN.
        Ok(()) => n as c_int,
        Err(e) => e,
    }
}

/// `int ksym_sympos_of_address(const struct ksym_table *table, unsigned long addr,
/// unsigned int match, char *name, size_t size, struct ksym_sympos *out)`: the
/// (name, sympos) pair a livepatch gives to select the symbol that covers `addr`
/// (the reverse of [`ksym_find_object_symbol`]; no kernel counterpart).
///
/// The symbol is the one [`ksym_lookup`] names. With `KSYM_MATCH_EXACT` the name is
/// the symbol's own; with suffix kinds it is the name without the suffixes they
/// allow (`foo` for `foo.isra.0` under `KSYM_MATCH_CLONE`), and the position counts
/// every symbol that matches it that way. Returns 0 with the NUL-terminated name in
/// `name` and `*out` set, `-ENOENT` (no symbol covers `addr`), `-ERANGE` (`name` too
/// small; `KSYM_NAME_LEN` suffices) or `-EINVAL` (bad table, unknown `match` bits,
/// NULL `out`, NULL `name` with a size).
///
/// # Safety
///
/// `table` as [`ksym_num_syms`]; `name` NULL or writable for `size` bytes; `out`
/// NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn ksym_sympos_of_address(
    table: *const KsymTable,
    addr: c_ulong,
    opts: c_uint,
    name: *mut c_char,
    size: usize,
    out: *mut KsymSympos,
) -> c_int {
    // SAFETY: forwarded contract.
    let Some(t) = (unsafe { table_ref(table) }) else {
        return EINVAL;
    };
    let Some(opts) = match_arg(opts) else {
        return EINVAL;
    };
    if out.is_null() {
        return EINVAL;
    }
    if let Err(e) = out_buf(name, size) {
        return e;
    }
    let Some((sym, _)) = t.lookup_address(wide(addr)) else {
        return ENOENT;
    };
    let Some(sp) = t.sympos_of(sym.index, opts) else {
        return ENOENT;
    };
    let mut full = NameBuf::new();
    full.fill(t, &sym);
    let Some(base) = full.bytes().get(..sp.name_len as usize) else {
        return ENOENT;
    };
    // SAFETY: writable for `size` bytes (contract).
    if let Err(e) = unsafe { put_cstr(name, size, base) } {
        return e;
    }
    let v = KsymSympos {
        sympos: c_ulong::from(sp.livepatch()),
        position: sp.position,
        count: sp.count,
        kind: sp.kind as c_uint,
        name_len: sp.name_len,
    };
    // SAFETY: non-null and writable (contract).
    unsafe { out.write(v) };
    0
}

// ---- livepatch ---------------------------------------------------------------------

/// A module symbol table from its descriptor.
///
/// # Safety
///
/// `m` is a `struct ksym_module` whose arrays are readable for their sizes during
/// the call.
unsafe fn module_arg(m: &KsymModule) -> Option<ModuleSymtab<'static>> {
    let class = match m.elf_class {
        KSYM_ELFCLASS_NATIVE if size_of::<usize>() == 8 => ElfClass::Elf64,
        KSYM_ELFCLASS_NATIVE => ElfClass::Elf32,
        KSYM_ELFCLASS32 => ElfClass::Elf32,
        KSYM_ELFCLASS64 => ElfClass::Elf64,
        _ => return None,
    };
    let symtab_len = (m.num_symtab as usize).checked_mul(class.sym_size())?;
    let typetab_len = if m.typetab.is_null() {
        0
    } else {
        m.num_symtab as usize
    };
    // SAFETY: each pointer is readable for its length during the call (contract);
    // the 'static slices do not outlive the call (the caller drops them).
    let (symtab, strtab, typetab) = unsafe {
        (
            array_arg(m.symtab.cast::<u8>(), symtab_len)?,
            array_arg(m.strtab.cast::<u8>(), m.strtab_size)?,
            array_arg(m.typetab.cast::<u8>(), typetab_len)?,
        )
    };
    ModuleSymtab::new(symtab, strtab, typetab, class, Endian::NATIVE).ok()
}

/// `find_object_symbol` over decoded arguments; the result and the reason code.
///
/// # Safety
///
/// `vmlinux` as [`ksym_num_syms`]; `module` NULL or as [`module_arg`].
unsafe fn find_symbol(
    vmlinux: *const KsymTable,
    module: *const KsymModule,
    name: Option<&[u8]>,
    sympos: c_ulong,
    flags: c_uint,
) -> Result<c_ulong, c_int> {
    let name = name.ok_or(KSYM_KLP_INVALID)?;
    let zero = match flags {
        0 => AddressZero::KernelCompatible,
        KSYM_KLP_ZERO_IS_FOUND => AddressZero::Exact,
        _ => return Err(KSYM_KLP_INVALID),
    };
    let sympos = wide(sympos);
    let found = if module.is_null() {
        // SAFETY: forwarded contract.
        let t = unsafe { table_ref(vmlinux) }.ok_or(KSYM_KLP_INVALID)?;
        find_object_symbol(KlpObject::Vmlinux(t), name, sympos, zero)
    } else {
        // SAFETY: non-null and readable (contract); plain data.
        let m = unsafe { module.read_unaligned() };
        // SAFETY: forwarded contract; `symtab` is dropped before returning.
        let symtab = unsafe { module_arg(&m) }.ok_or(KSYM_KLP_INVALID)?;
        let obj = KlpObject::Module {
            name: &[],
            symtab: &symtab,
        };
        find_object_symbol(obj, name, sympos, zero)
    };
    found.map(ulong).map_err(KlpError::code)
}

/// Writes the outputs of `ksym_find_object_symbol`.
///
/// # Safety
///
/// `addr` and `reason` NULL or writable.
unsafe fn find_result(
    res: Result<c_ulong, c_int>,
    addr: *mut c_ulong,
    reason: *mut c_int,
) -> c_int {
    match res {
        Ok(a) => {
            // SAFETY: NULL or writable (contract).
            unsafe {
                put(addr, a);
                put(reason, KSYM_KLP_OK);
            }
            0
        }
        Err(code) => {
            // SAFETY: NULL or writable (contract).
            unsafe { put(reason, code) };
            EINVAL
        }
    }
}

/// `int ksym_find_object_symbol(const struct ksym_table *vmlinux, const struct
/// ksym_module *module, const char *name, size_t len, unsigned long sympos,
/// unsigned int flags, unsigned long *addr, int *reason)`: `klp_find_object_symbol()`
/// (`kernel/livepatch/core.c` 6.12): the address of the `sympos`-th symbol named
/// exactly `name` (0: the name must be unique) in vmlinux (`module` NULL: `vmlinux`
/// in address order, as `kallsyms_on_each_match_symbol()`) or in `module` (its
/// defined symbols in symbol-table order, as `module_kallsyms_on_each_symbol()`).
///
/// Returns 0 with `*addr` set, or `-EINVAL`, the kernel's only error, in the
/// kernel's cases: not found (an address of 0 counts as not found, as in the kernel,
/// unless `flags` has `KSYM_KLP_ZERO_IS_FOUND`), ambiguous (sympos 0 and several
/// matches), position not found; and for bad arguments (NULL `addr`, bad table or
/// module, invalid name, unknown flags). `*reason` (when `reason` is not NULL) gets
/// `KSYM_KLP_OK` or the `KSYM_KLP_*` code of the failure: the kernel's `pr_err()`
/// messages are the caller's to print. Differs from the kernel, which sets `*addr`
/// to 0 on failure: `*addr` is written only on success.
///
/// # Safety
///
/// `vmlinux` as [`ksym_num_syms`] (unused when `module` is not NULL); `module` NULL
/// or a readable `struct ksym_module` whose arrays are readable for their sizes;
/// `name` NULL or readable for `len` bytes; `addr` and `reason` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn ksym_find_object_symbol(
    vmlinux: *const KsymTable,
    module: *const KsymModule,
    name: *const c_char,
    len: usize,
    sympos: c_ulong,
    flags: c_uint,
    addr: *mut c_ulong,
    reason: *mut c_int,
) -> c_int {
    let res = if addr.is_null() {
        Err(KSYM_KLP_INVALID)
    } else {
        // SAFETY: forwarded contract.
        unsafe { find_symbol(vmlinux, module, name_arg(name, len), sympos, flags) }
    };
    // SAFETY: forwarded contract.
    unsafe { find_result(res, addr, reason) }
}

/// `int ksym_find_object_symbol_str(const struct ksym_table *vmlinux, const struct
/// ksym_module *module, const char *name, unsigned long sympos, unsigned int flags,
/// unsigned long *addr, int *reason)`: [`ksym_find_object_symbol`] of a
/// NUL-terminated name (no NUL in the first `KSYM_NAME_LEN` bytes: `-EINVAL` with
/// `KSYM_KLP_INVALID`).
///
/// # Safety
///
/// As [`ksym_find_object_symbol`], with `name` NULL, or readable up to its NUL or
/// for `KSYM_NAME_LEN` bytes.
#[no_mangle]
pub unsafe extern "C" fn ksym_find_object_symbol_str(
    vmlinux: *const KsymTable,
    module: *const KsymModule,
    name: *const c_char,
    sympos: c_ulong,
    flags: c_uint,
    addr: *mut c_ulong,
    reason: *mut c_int,
) -> c_int {
    let res = if addr.is_null() {
        Err(KSYM_KLP_INVALID)
    } else {
        // SAFETY: forwarded contract.
        unsafe {
            find_symbol(
                vmlinux,
                module,
                cstr_arg(name, KSYM_NAME_LEN),
                sympos,
                flags,
            )
        }
    };
    // SAFETY: forwarded contract.
    unsafe { find_result(res, addr, reason) }
}

/// Parses a `.klp.sym.` name into `out`.
///
/// # Safety
///
/// `out` NULL or writable.
unsafe fn klp_sym(s: Option<&[u8]>, out: *mut KsymKlpSym) -> c_int {
    let Some(s) = s else {
        return EINVAL;
    };
    if out.is_null() {
        return EINVAL;
    }
    let Ok(sym) = KlpSym::parse(s) else {
        return EINVAL;
    };
    let Some(sympos) = ulong_checked(sym.sympos) else {
        // Wider than the `%lu` of a 32-bit kernel.
        return EINVAL;
    };
    let v = KsymKlpSym {
        objname: sym.objname.as_ptr().cast::<c_char>(),
        objname_len: sym.objname.len(),
        name: sym.name.as_ptr().cast::<c_char>(),
        name_len: sym.name.len(),
        sympos,
    };
    // SAFETY: non-null and writable (contract).
    unsafe { out.write(v) };
    0
}

/// `int ksym_klp_sym_parse(const char *s, size_t len, struct ksym_klp_sym *out)`:
/// parses a livepatch symbol name `.klp.sym.<objname>.<name>,<sympos>`
/// (`klp_resolve_symbols()`, `kernel/livepatch/core.c` 6.12:
/// `sscanf(".klp.sym.%55[^.].%511[^,],%lu")`). `out`'s strings point into `s`.
///
/// Returns 0 with `*out` set, or `-EINVAL` (the kernel's "incorrectly formatted
/// name", and NULL arguments). Stricter than `sscanf`, which reads a partial result:
/// an object name over 55 bytes or a symbol name over 511 bytes is an error, not
/// cut; so are blanks or a sign before the sympos, bytes after it, and a sympos that
/// does not fit `unsigned long`.
///
/// # Safety
///
/// `s` NULL or readable for `len` bytes; `out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn ksym_klp_sym_parse(
    s: *const c_char,
    len: usize,
    out: *mut KsymKlpSym,
) -> c_int {
    // SAFETY: readable for `len` bytes (contract).
    let s = unsafe { array_arg(s.cast::<u8>(), len) };
    // SAFETY: forwarded contract.
    unsafe { klp_sym(s, out) }
}

/// `int ksym_klp_sym_parse_str(const char *s, struct ksym_klp_sym *out)`:
/// [`ksym_klp_sym_parse`] of a NUL-terminated name, as the kernel reads it from a
/// module's string table (`strtab + sym->st_name`). At most `KSYM_KLP_SYM_LEN` bytes
/// are read looking for the NUL (no well-formed name is longer); without one,
/// `-EINVAL`.
///
/// # Safety
///
/// `s` NULL, or readable up to its NUL or for `KSYM_KLP_SYM_LEN` bytes; `out` NULL
/// or writable.
#[no_mangle]
pub unsafe extern "C" fn ksym_klp_sym_parse_str(s: *const c_char, out: *mut KsymKlpSym) -> c_int {
    // SAFETY: forwarded contract.
    unsafe { klp_sym(cstr_arg(s, KSYM_KLP_SYM_LEN), out) }
}

/// `int ksym_klp_rela_parse(const char *s, size_t len, struct ksym_klp_rela *out)`:
/// parses a livepatch relocation section name `.klp.rela.<objname>.<section>`
/// (`klp_write_section_relocs()`, `kernel/livepatch/core.c` 6.12, which reads
/// `.klp.rela.%55[^.]`). `out`'s strings point into `s`.
///
/// Returns 0 with `*out` set, or `-EINVAL` (also for an object name over 55 bytes,
/// which `sscanf` would cut, and a missing section part, which it would not check).
///
/// # Safety
///
/// `s` NULL or readable for `len` bytes; `out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn ksym_klp_rela_parse(
    s: *const c_char,
    len: usize,
    out: *mut KsymKlpRela,
) -> c_int {
    // SAFETY: readable for `len` bytes (contract).
    let Some(s) = (unsafe { array_arg(s.cast::<u8>(), len) }) else {
        return EINVAL;
    };
    if out.is_null() {
        return EINVAL;
    }
    let Ok(r) = KlpRela::parse(s) else {
        return EINVAL;
    };
    let v = KsymKlpRela {
        objname: r.objname.as_ptr().cast::<c_char>(),
        objname_len: r.objname.len(),
        section: r.section.as_ptr().cast::<c_char>(),
        section_len: r.section.len(),
    };
    // SAFETY: non-null and writable (contract).
    unsafe { out.write(v) };
    0
}

// ---- the static library's panic handler ----------------------------------------------

/// The panic handler of the static library (built with `--cfg ksym_staticlib`, see
/// `tests/capi.rs`): a `no_std` static library must have one. No exported function
/// can reach it (the test proves it on the disassembly), so it only spins.
#[cfg(all(ksym_staticlib, not(test), not(feature = "std")))]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    loop {
        core::hint::spin_loop();
    }
}

/// The unwinding personality routine that the precompiled `core` objects of the
/// static library name in their unwind tables (`core` is built with
/// `panic = "unwind"`); nothing unwinds here (`panic = "abort"`), so it is never
/// called, but without it a link without `--gc-sections` fails. Only in the static
/// library (`--cfg ksym_staticlib`).
#[cfg(all(ksym_staticlib, not(test), not(feature = "std")))]
#[no_mangle]
pub extern "C" fn rust_eh_personality() {}
