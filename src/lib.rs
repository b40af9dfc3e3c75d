// SPDX-License-Identifier: GPL-2.0-only OR MIT
//! The Linux kernel's compressed symbol table (kallsyms).
//!
//! See README.md for the design and the format notes.
#![no_std]
#![cfg_attr(not(feature = "capi"), forbid(unsafe_code))]
#![cfg_attr(
    not(test),
    deny(
        clippy::indexing_slicing,
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic
    )
)]
#![warn(missing_docs)]

#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

// With `capi`, `unsafe` is allowed in `capi` alone: every other module forbids it.
#[forbid(unsafe_code)]
pub mod accel;
#[forbid(unsafe_code)]
pub mod addrs;
#[cfg(feature = "capi")]
pub mod capi;
#[forbid(unsafe_code)]
pub mod error;
#[cfg(feature = "std")]
#[forbid(unsafe_code)]
pub mod image;
#[cfg(feature = "alloc")]
#[forbid(unsafe_code)]
pub mod index;
#[forbid(unsafe_code)]
pub mod layout;
#[forbid(unsafe_code)]
pub mod livepatch;
#[forbid(unsafe_code)]
pub mod lookup;
#[forbid(unsafe_code)]
pub mod matching;
#[forbid(unsafe_code)]
pub mod module;
#[forbid(unsafe_code)]
mod names;
#[forbid(unsafe_code)]
pub mod table;

#[cfg(feature = "std")]
#[forbid(unsafe_code)]
pub mod build;

pub use addrs::{Position, Sections};
pub use error::{Array, FormatError, FormatErrorKind, LookupError};
pub use layout::{AddressEncoding, Endian, Layout, SeqsFormat, SeqsKey};
pub use lookup::{Found, Iter, Matches, Symbol, Sympos};
pub use matching::{base_name, classify_suffix, Match, MatchKind};
pub use table::{Checks, RawTable, Table, KSYM_NAME_LEN, MAX_SYMS};
