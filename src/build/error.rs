// SPDX-License-Identifier: GPL-2.0-only OR MIT
//! Fatal build errors, with the kernel tool's texts.

use core::fmt;

use super::KernelVersion;
use crate::FormatError;

/// Why a table could not be built.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum BuildError {
    /// A flag that the chosen kernel's tool does not have (`--pc-relative` before 7.0,
    /// `--absolute-percpu` in 7.0); the tool prints its usage and exits.
    UnsupportedOption {
        /// The flag.
        option: &'static str,
        /// The kernel.
        kernel: KernelVersion,
    },
    /// A kernel version other than 6.12 or 7.0 was asked for.
    UnknownKernel,
    /// `kallsyms failure: unexpected zero symbol length` (`write_src()`).
    ZeroLength,
    /// `kallsyms failure: unexpected huge symbol length` (`write_src()`): a
    /// compressed name longer than 0x3FFF codes.
    HugeLength,
    /// 6.12: `kallsyms failure: %s symbol value %#llx out of range in relative mode`.
    OutOfRange {
        /// Whether the symbol was absolute (`--absolute-percpu`).
        absolute: bool,
        /// Its address.
        addr: u64,
    },
    /// 7.0 (and 6.15): `kallsyms failure: relative symbol value %#llx out of range`.
    RelativeOutOfRange {
        /// The address.
        addr: u64,
    },
    /// [`OwnedTable`](super::OwnedTable): the address of symbol `index` cannot be
    /// stored in the requested layout.
    AddressOverflow {
        /// Address-order index.
        index: u32,
        /// The address.
        addr: u64,
    },
    /// [`OwnedTable`](super::OwnedTable): an array is too large for its index type
    /// (token table over 64 KiB, names over 4 GiB, more than 2^24 symbols for 3-byte
    /// sequence numbers).
    TooLarge,
    /// [`OwnedTable::table`](super::OwnedTable::table) was refused by the reader.
    Format(FormatError),
}

/// `%#llx`: `0`, or `0x` and lower-case digits.
struct AltHex(u64);

impl fmt::Display for AltHex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0 == 0 {
            f.write_str("0")
        } else {
            write!(f, "{:#x}", self.0)
        }
    }
}

impl fmt::Display for BuildError {
    /// The kernel tool's message (without its newline) where it has one.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            BuildError::UnsupportedOption { option, kernel } => write!(
                f,
                "option {option} does not exist in scripts/kallsyms of Linux {kernel}"
            ),
            BuildError::UnknownKernel => f.write_str("unknown kernel version (use 6.12 or 7.0)"),
            BuildError::ZeroLength => {
                f.write_str("kallsyms failure: unexpected zero symbol length")
            }
            BuildError::HugeLength => {
                f.write_str("kallsyms failure: unexpected huge symbol length")
            }
            BuildError::OutOfRange { absolute, addr } => write!(
                f,
                "kallsyms failure: {} symbol value {} out of range in relative mode",
                if absolute { "absolute" } else { "relative" },
                AltHex(addr)
            ),
            BuildError::RelativeOutOfRange { addr } => write!(
                f,
                "kallsyms failure: relative symbol value {} out of range",
                AltHex(addr)
            ),
            BuildError::AddressOverflow { index, addr } => write!(
                f,
                "symbol {index} at {addr:#x} cannot be stored in this layout"
            ),
            BuildError::TooLarge => f.write_str("table too large for this layout"),
            BuildError::Format(e) => write!(f, "built table rejected: {e}"),
        }
    }
}

impl std::error::Error for BuildError {}

impl From<FormatError> for BuildError {
    fn from(e: FormatError) -> Self {
        BuildError::Format(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::string::ToString;

    #[test]
    fn texts() {
        let e = BuildError::OutOfRange {
            absolute: false,
            addr: 0xffffffff81000000,
        };
        assert_eq!(
            e.to_string(),
            "kallsyms failure: relative symbol value 0xffffffff81000000 out of range in relative mode"
        );
        let e = BuildError::RelativeOutOfRange { addr: 0 };
        assert_eq!(
            e.to_string(),
            "kallsyms failure: relative symbol value 0 out of range"
        );
    }
}
