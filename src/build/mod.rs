// SPDX-License-Identifier: GPL-2.0-only OR MIT
//! A drop-in for the kernel's `scripts/kallsyms`: reads a symbol map, writes the
//! kallsyms assembly byte for byte as the kernel tool does, and builds the arrays in
//! memory ([`OwnedTable`]) in any [`Layout`](crate::Layout) for tests and tools.
//!
//! The pipeline is that of `main()` in `scripts/kallsyms.c` (6.12):
//! `read_map()` ([`parse_map`]), `shrink_table()` and, with `--absolute-percpu`,
//! `make_percpus_absolute()` ([`filter`]), `sort_symbols()` and
//! `record_relative_base()` ([`sort`]), `optimize_token_table()` ([`token`]), and
//! `write_src()` ([`Built::write_asm`]). [`KernelVersion::V7_0`] gives the output of
//! Linux 7.0, where commit a081b5789255 ("kallsyms: Get rid of kallsyms relative
//! base") and, before it, 01157ddc58dc (6.15, "kallsyms: Remove
//! KALLSYMS_ABSOLUTE_PERCPU") changed the address array.
//!
//! # Sources
//!
//! 6.12 is Debian's `linux-source-6.12` (6.12.117), `scripts/kallsyms.c` blob
//! 03852da3d249. The 7.0 text follows that file with 01157ddc58dc (its result is blob
//! 4b0234e4b12f, the pre-image named by the next patch) and a081b5789255 as posted in
//! v2 on linux-kbuild (2026-01-16; result blob 37d5c095ad22) applied; that v2 is what
//! 7.0 carries is inferred from the facts at hand, not checked against a tag.
//!
//! # Differences from the C tool
//!
//! - On a fatal error (an address out of range) the C tool has already printed the
//!   tables before the failing one; this builder reports the error before writing
//!   anything. The kernel build discards the output either way.
//! - A NUL type character is a line format error here. The C tool accepts it when a
//!   space follows, and its later behaviour then depends on leftover buffer bytes.
//! - The C tool expands names into a 512-byte buffer, one byte short for a 511-byte
//!   name with its type character and NUL; this builder has no such limit.
//! - Speed: the token table is computed with position lists (see [`token`]); the
//!   name index, and one of the two halves of the `.S` text, on a second thread
//!   where one is available ([`build_threads`] with 2 also splits the token rounds).
//!
//! ```
//! use kallsyms::build::{build, parse_map, Options, ParseMode};
//! let map = b"ffffffff81000000 T _text\nffffffff81000000 T _stext\n\
//!             ffffffff81000010 T do_one\nffffffff81000020 T _etext\n";
//! let syms = parse_map(map, ParseMode::Kallsyms)?;
//! let built = build(syms, &Options::default())?;
//! assert_eq!(built.len(), 4);
//! let asm = built.asm();
//! assert!(asm.starts_with(b"#include <asm/bitsperlong.h>\n"));
//! let owned = built.owned_table(kallsyms::Layout::V6_15)?;
//! assert_eq!(owned.raw().num_syms, 4);
//! # Ok::<(), std::boxed::Box<dyn std::error::Error>>(())
//! ```

pub mod filter;
pub mod map;
mod num;
pub mod optimize;
pub mod sort;
pub mod token;

mod emit;
mod error;
mod owned;
mod pipeline;
#[cfg(test)]
mod tests;

use std::vec::Vec;

use core::fmt;

pub use error::BuildError;
pub use map::{
    lines, parse_map, MapItem, MapLines, MapSymbol, ParseError, ParseMode, SymbolList, Warning,
};
pub use owned::OwnedTable;
pub use token::Slot;

use crate::SeqsKey;

/// Which kernel's `scripts/kallsyms` to imitate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum KernelVersion {
    /// Linux 6.12 (the layout since 6.4 and 6.11: `kallsyms_num_syms`, `names`,
    /// `markers`, `token_table`, `token_index`, `offsets`, `relative_base`,
    /// `seqs_of_names`; `--absolute-percpu` exists).
    #[default]
    V6_12,
    /// Linux 7.0: no `#include` prelude, `.balign 4` everywhere, no
    /// `kallsyms_relative_base`, `--pc-relative` instead of `--absolute-percpu`.
    V7_0,
}

impl fmt::Display for KernelVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            KernelVersion::V6_12 => "6.12",
            KernelVersion::V7_0 => "7.0",
        })
    }
}

impl core::str::FromStr for KernelVersion {
    type Err = BuildError;

    /// Accepts `6.12` and `7.0` (also `7`).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "6.12" => Ok(KernelVersion::V6_12),
            "7.0" | "7" => Ok(KernelVersion::V7_0),
            _ => Err(BuildError::UnknownKernel),
        }
    }
}

/// The kernel tool's command-line flags.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Options {
    /// `--all-symbols` (`CONFIG_KALLSYMS_ALL`): keep symbols outside the text ranges.
    pub all_symbols: bool,
    /// `--absolute-percpu` (6.12 only; x86-64 SMP): per-cpu symbols become type `A`
    /// and are stored as absolute values.
    pub absolute_percpu: bool,
    /// `--pc-relative` (7.0 only; 64-bit or relocatable kernels): offsets are
    /// place-relative references to `_text`.
    pub pc_relative: bool,
    /// Which kernel's tool to imitate.
    pub kernel: KernelVersion,
}

/// The address array as the tool writes it.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Offsets {
    /// 6.12: the value printed with `%#x` after the `(int)` cast.
    V612(Vec<u32>),
    /// 7.0 `--pc-relative`: `addr - _text`.
    PcRelative(Vec<i32>),
    /// 7.0 without it: `(unsigned int)addr`.
    Raw(Vec<u32>),
}

/// The result of a build: the kept symbols in address order, the compressed names,
/// the token table and the name index, ready to be written as assembly or laid out as
/// arrays.
#[derive(Clone, Debug)]
pub struct Built {
    options: Options,
    /// Threads the build used, and the text rendering may use.
    threads: usize,
    /// Whether [`Built::asm`] and [`Built::write_asm`] may render half of the text
    /// on a helper thread ([`build`] on a machine with a second core).
    helpers: bool,
    /// The input symbols (their names are used in place).
    input: SymbolList,
    /// Address order: input index, address and final type of each kept symbol.
    order: Vec<u32>,
    addrs: Vec<u64>,
    kinds: Vec<u8>,
    absolute: Vec<bool>,
    text: u64,
    relative_base: u64,
    names: token::Packed,
    slots: [Slot; 256],
    tokens: Vec<Vec<u8>>,
    offsets: Offsets,
    seqs: Vec<u32>,
    /// The tail of the `.S` text, when the pipeline rendered it while the token
    /// table was made.
    tail_text: Option<Vec<u8>>,
    warnings: Vec<Warning>,
}

/// Builds the table from `symbols` (in input order) as `scripts/kallsyms` does. The
/// list is kept inside the result (clone it to build it twice).
///
/// The token rounds run on the calling thread; on a machine with a second core, a
/// helper thread meanwhile sorts the names and renders the part of the `.S` text
/// that does not depend on the token table (the offsets and the name order), so
/// that [`Built::write_asm`] and [`Built::asm`] then render only the rest (see
/// [`build_threads`] for a fixed thread count).
///
/// # Errors
///
/// An option the chosen kernel's tool does not know, or one of the tool's fatal
/// errors (address out of range, impossible name lengths), with the kernel's text;
/// [`BuildError::Format`] with [`NulInName`](crate::FormatErrorKind::NulInName) for
/// a symbol whose type byte is NUL (its index in `symbols`).
pub fn build(symbols: SymbolList, options: &Options) -> Result<Built, BuildError> {
    pipeline::run(symbols, options, false, AUTO)
}

/// As [`build`], on at most `threads` threads. 0 and 1 keep everything on the
/// calling thread; 2 adds a helper thread for large tables (the
/// token rounds split by halves of the symbols, the sorts by address and by name,
/// and the tail of the `.S` text). The output does not depend on it. Measured on a 2-core VM (at
/// 4fef606, the ThinLTO map), 2 is slower than [`build`]'s default even with the
/// second core idle: each half's token rounds cost about 70% of the whole table's
/// on one thread, and the main thread waits for the helper at every round; it is
/// kept for machines where the rounds' memory latency, not their instructions,
/// sets the pace.
///
/// # Errors
///
/// As [`build`].
pub fn build_threads(
    symbols: SymbolList,
    options: &Options,
    threads: usize,
) -> Result<Built, BuildError> {
    pipeline::run(symbols, options, false, threads)
}

/// The thread request of [`build`]: the token rounds on the calling thread and, when
/// the machine has a second core, a helper thread for the sorts by address and by
/// name, the offsets and the tail of the text (the token table does not depend on
/// the order of the symbols; claimed by whichever thread gets to it first, so a helper that never
/// runs costs no waiting).
const AUTO: usize = usize::MAX;

/// The number of threads to use for a request of `threads` (0: one).
fn threads(threads: usize) -> usize {
    threads.clamp(1, 2)
}

/// As [`build`], but keeps every symbol it is given, of any type (the kernel tool
/// drops types `u`, `n` and most `A`): for tables rebuilt from a listing that is
/// already a kernel's table, such as `/proc/kallsyms`, whose per-cpu symbols show as
/// type `A`. Names of `KSYM_NAME_LEN` bytes or more are still dropped.
///
/// # Errors
///
/// As [`build`].
pub fn build_unfiltered(symbols: SymbolList, options: &Options) -> Result<Built, BuildError> {
    pipeline::run(symbols, options, true, AUTO)
}

impl Built {
    /// The options the table was built with.
    pub fn options(&self) -> &Options {
        &self.options
    }

    /// Number of symbols in the table (`kallsyms_num_syms`).
    pub fn len(&self) -> usize {
        self.order.len()
    }

    /// Whether the table is empty.
    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    /// Symbol `i` of the table (address order), with its final type (`A` for per-cpu
    /// symbols under `--absolute-percpu`).
    pub fn symbol(&self, i: usize) -> Option<MapSymbol<'_>> {
        let s = self.input.get(*self.order.get(i)? as usize)?;
        Some(MapSymbol {
            addr: s.addr,
            kind: self.kinds.get(i).copied().unwrap_or(s.kind),
            name: s.name,
        })
    }

    /// The kept symbols in address order (see [`Built::symbol`]).
    pub fn symbols(&self) -> impl ExactSizeIterator<Item = MapSymbol<'_>> + '_ {
        (0..self.len()).map(move |i| {
            self.symbol(i).unwrap_or(MapSymbol {
                addr: 0,
                kind: 0,
                name: &[],
            })
        })
    }

    /// The input list the table was built from.
    pub fn input(&self) -> &SymbolList {
        &self.input
    }

    /// Whether symbol `i` (address order) was made absolute by `--absolute-percpu`.
    pub fn is_absolute(&self, i: usize) -> bool {
        self.absolute.get(i).copied().unwrap_or(false)
    }

    /// The address of `_text` (0 when the map has none).
    pub fn text(&self) -> u64 {
        self.text
    }

    /// `relative_base` as 6.12 computes it: the address of the first symbol that is
    /// not absolute (0 if none).
    pub fn relative_base(&self) -> u64 {
        self.relative_base
    }

    /// The compressed form of symbol `i` (token codes, type included).
    pub fn compressed(&self, i: usize) -> &[u8] {
        self.names.get(i)
    }

    /// What each of the 256 codes stands for.
    pub fn slots(&self) -> &[Slot; 256] {
        &self.slots
    }

    /// The text of token `code`, fully expanded (empty for unused codes).
    pub fn token(&self, code: u8) -> &[u8] {
        self.tokens
            .get(usize::from(code))
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    /// `kallsyms_seqs_of_names`: address-order indices sorted by full name, then
    /// address, then index.
    pub fn seqs_of_names(&self) -> &[u32] {
        &self.seqs
    }

    /// Warnings (names too long for kallsyms), in input order.
    pub fn warnings(&self) -> &[Warning] {
        &self.warnings
    }

    /// The symbols in name order under `key` (see [`SeqsKey`]).
    pub fn name_order(&self, key: SeqsKey) -> Vec<u32> {
        if key == SeqsKey::FullName {
            return self.seqs.clone();
        }
        sort::name_order(
            self.len(),
            |i| self.symbol(i).map(|x| x.name).unwrap_or_default(),
            |i| self.addrs.get(i).copied().unwrap_or(0),
            key,
        )
    }
}
