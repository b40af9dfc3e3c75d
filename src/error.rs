// SPDX-License-Identifier: GPL-2.0-only OR MIT
//! Errors: small `Copy` values with a `Display` text and a negative errno.
#![cfg_attr(not(test), deny(clippy::arithmetic_side_effects))]

use core::fmt;

/// Linux errno values used by this crate (`include/uapi/asm-generic/errno-base.h`,
/// `include/uapi/asm-generic/errno.h`).
pub mod errno {
    /// No such file or directory: symbol not found.
    pub const ENOENT: i32 = 2;
    /// No such process: the kernel's "not in the name index" (`kallsyms_lookup_names`).
    pub const ESRCH: i32 = 3;
    /// Argument list too long: an output buffer is too small.
    pub const E2BIG: i32 = 7;
    /// Invalid argument.
    pub const EINVAL: i32 = 22;
    /// Result too large: an output buffer is too small for the text.
    pub const ERANGE: i32 = 34;
    /// Cannot assign requested address: a name that is not unique (kprobes, 6.6+).
    pub const EADDRNOTAVAIL: i32 = 99;
    /// Structure needs cleaning: a table that fails validation.
    pub const EUCLEAN: i32 = 117;
}

/// The kernel array (or scalar) that a [`FormatError`] is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Array {
    /// `kallsyms_num_syms`.
    NumSyms = 0,
    /// `kallsyms_names`.
    Names = 1,
    /// `kallsyms_markers`.
    Markers = 2,
    /// `kallsyms_token_table`.
    TokenTable = 3,
    /// `kallsyms_token_index`.
    TokenIndex = 4,
    /// `kallsyms_offsets` or `kallsyms_addresses`.
    Offsets = 5,
    /// `kallsyms_relative_base`.
    RelativeBase = 6,
    /// `kallsyms_seqs_of_names`.
    SeqsOfNames = 7,
    /// The layout value passed by the caller.
    Layout = 8,
}

impl Array {
    /// The kernel's name of the array.
    pub const fn name(self) -> &'static str {
        match self {
            Array::NumSyms => "kallsyms_num_syms",
            Array::Names => "kallsyms_names",
            Array::Markers => "kallsyms_markers",
            Array::TokenTable => "kallsyms_token_table",
            Array::TokenIndex => "kallsyms_token_index",
            Array::Offsets => "kallsyms_offsets",
            Array::RelativeBase => "kallsyms_relative_base",
            Array::SeqsOfNames => "kallsyms_seqs_of_names",
            Array::Layout => "layout",
        }
    }
}

/// What is wrong in a table that failed validation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum FormatErrorKind {
    /// The array ends before the data it must hold.
    Truncated = 0,
    /// A name record of length zero (`scripts/kallsyms.c`: "unexpected zero symbol
    /// length").
    ZeroLength = 1,
    /// The second byte of a two-byte ULEB128 length has bit 7 set (the kernel reads at
    /// most two bytes).
    BadLength = 2,
    /// A token index entry points outside the token table.
    TokenOutOfRange = 3,
    /// A token runs to the end of the token table without its NUL.
    TokenUnterminated = 4,
    /// A token used by a name expands to nothing.
    EmptyToken = 5,
    /// A name expands to more than `KSYM_NAME_LEN - 1` bytes (type letter included).
    NameTooLong = 6,
    /// A marker is not the offset of record `256 * index`.
    BadMarker = 7,
    /// Addresses are not in ascending order.
    NotSorted = 8,
    /// An address does not fit the pointer width.
    AddressOverflow = 9,
    /// A `seqs_of_names` entry is not below `num_syms`.
    SeqOutOfRange = 10,
    /// `seqs_of_names` is not strictly ordered by (key, address, index): an entry is
    /// repeated or out of order.
    SeqNotSorted = 11,
    /// The layout value is not one this crate knows.
    BadLayout = 12,
    /// More symbols than any kernel table can hold (`seqs_of_names` holds 24 bits).
    TooManySymbols = 13,
    /// A name contains a NUL byte (the kernel's names are C strings).
    NulInName = 14,
}

impl FormatErrorKind {
    /// A short description.
    pub const fn text(self) -> &'static str {
        match self {
            FormatErrorKind::Truncated => "array too short",
            FormatErrorKind::ZeroLength => "zero symbol length",
            FormatErrorKind::BadLength => "bad two-byte length",
            FormatErrorKind::TokenOutOfRange => "token offset past the token table",
            FormatErrorKind::TokenUnterminated => "token without its NUL",
            FormatErrorKind::EmptyToken => "empty token used by a name",
            FormatErrorKind::NameTooLong => "name longer than KSYM_NAME_LEN - 1",
            FormatErrorKind::BadMarker => "marker does not point at its record",
            FormatErrorKind::NotSorted => "addresses not in ascending order",
            FormatErrorKind::AddressOverflow => "address out of range",
            FormatErrorKind::SeqOutOfRange => "sequence number out of range",
            FormatErrorKind::SeqNotSorted => "name index not sorted or repeated",
            FormatErrorKind::BadLayout => "unknown layout",
            FormatErrorKind::TooManySymbols => "too many symbols",
            FormatErrorKind::NulInName => "NUL byte in a name",
        }
    }
}

/// A table that failed validation: which array, which element, and what is wrong.
///
/// `index` is the element index within `array` (a symbol index for `Names`,
/// `Offsets` and `SeqsOfNames`; a marker number for `Markers`; a token number for
/// the token arrays).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FormatError {
    /// The array at fault.
    pub array: Array,
    /// What is wrong.
    pub kind: FormatErrorKind,
    /// The first element of `array` that is wrong.
    pub index: u32,
}

impl FormatError {
    /// A new error.
    pub const fn new(array: Array, index: u32, kind: FormatErrorKind) -> Self {
        FormatError { array, kind, index }
    }

    /// The negative errno for this error: `-EUCLEAN` for a corrupt table,
    /// `-EINVAL` for a bad layout value.
    pub const fn to_errno(self) -> i32 {
        match self.kind {
            FormatErrorKind::BadLayout => -errno::EINVAL,
            _ => -errno::EUCLEAN,
        }
    }
}

impl fmt::Display for FormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}[{}]: {}",
            self.array.name(),
            self.index,
            self.kind.text()
        )
    }
}

/// Why a lookup gave no single answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LookupError {
    /// No symbol matches.
    NotFound,
    /// The name was empty (the kernel's `kallsyms_lookup_name("")` finds nothing).
    EmptyName,
    /// More than one symbol matches and no position was given (`sympos == 0`).
    Ambiguous {
        /// How many symbols match.
        count: u32,
    },
    /// `sympos` is larger than the number of matches.
    PositionOutOfRange {
        /// The position asked for.
        sympos: u32,
        /// How many symbols match.
        count: u32,
    },
    /// The address is not covered by the table.
    NoSymbol,
    /// An output buffer is too small for the answer.
    BufferTooSmall,
    /// An argument is malformed (a name longer than `KSYM_NAME_LEN - 1`, ...).
    Invalid,
}

impl LookupError {
    /// The negative errno the kernel would return: `-ENOENT` for not found,
    /// `-EADDRNOTAVAIL` for ambiguous (as `kernel/trace/trace_kprobe.c` since 6.6),
    /// `-EINVAL` for a bad position (as `klp_find_object_symbol`), `-ERANGE` for a
    /// small buffer.
    pub const fn to_errno(self) -> i32 {
        match self {
            LookupError::NotFound | LookupError::EmptyName | LookupError::NoSymbol => {
                -errno::ENOENT
            }
            LookupError::Ambiguous { .. } => -errno::EADDRNOTAVAIL,
            LookupError::PositionOutOfRange { .. } | LookupError::Invalid => -errno::EINVAL,
            LookupError::BufferTooSmall => -errno::ERANGE,
        }
    }
}

impl fmt::Display for LookupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            LookupError::NotFound => f.write_str("symbol not found"),
            LookupError::EmptyName => f.write_str("empty symbol name"),
            LookupError::Ambiguous { count } => {
                write!(f, "ambiguous: {count} symbols match; give a sympos")
            }
            LookupError::PositionOutOfRange { sympos, count } => {
                write!(f, "symbol position {sympos} out of range: {count} match")
            }
            LookupError::NoSymbol => f.write_str("no symbol at this address"),
            LookupError::BufferTooSmall => f.write_str("output buffer too small"),
            LookupError::Invalid => f.write_str("invalid argument"),
        }
    }
}
