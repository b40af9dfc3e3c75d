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
pub mod sort;
pub mod token;

mod emit;
mod error;
mod owned;
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

use crate::{SeqsKey, KSYM_NAME_LEN};

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
    warnings: Vec<Warning>,
}

/// Builds the table from `symbols` (in input order) as `scripts/kallsyms` does. The
/// list is kept inside the result (clone it to build it twice).
///
/// # Errors
///
/// An option the chosen kernel's tool does not know, or one of the tool's fatal
/// errors (address out of range, impossible name lengths), with the kernel's text;
/// [`BuildError::Format`] with [`NulInName`](crate::FormatErrorKind::NulInName) for
/// a symbol whose type byte is NUL (its index in `symbols`).
pub fn build(symbols: SymbolList, options: &Options) -> Result<Built, BuildError> {
    build_inner(symbols, options, false)
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
    build_inner(symbols, options, true)
}

fn build_inner(
    symbols: SymbolList,
    options: &Options,
    keep_all: bool,
) -> Result<Built, BuildError> {
    match options.kernel {
        KernelVersion::V6_12 if options.pc_relative => {
            return Err(BuildError::UnsupportedOption {
                option: "--pc-relative",
                kernel: options.kernel,
            })
        }
        KernelVersion::V7_0 if options.absolute_percpu => {
            return Err(BuildError::UnsupportedOption {
                option: "--absolute-percpu",
                kernel: options.kernel,
            })
        }
        _ => {}
    }
    let percpu = options.absolute_percpu && options.kernel == KernelVersion::V6_12;
    let mut warnings: Vec<Warning> = symbols.warnings().to_vec();

    // read_symbol(): the length check, `_text`, ignored symbols, range markers.
    let mut text = 0u64;
    let mut ranges = filter::Ranges::default();
    let mut read: Vec<u32> = Vec::with_capacity(symbols.len());
    for (i, s) in symbols.iter().enumerate() {
        if s.name.len() >= KSYM_NAME_LEN {
            warnings.push(Warning::NameTooLong {
                line: 0,
                name: s.name.to_vec(),
            });
            continue;
        }
        if s.kind == 0 {
            // A NUL type ends the expanded name's C string: no reader could read the
            // table back (the map parser never gives one; `SymbolList::push` can).
            return Err(BuildError::Format(crate::FormatError::new(
                crate::Array::Names,
                u32::try_from(i).unwrap_or(u32::MAX),
                crate::FormatErrorKind::NulInName,
            )));
        }
        if s.name == b"_text" {
            text = s.addr;
        }
        if !keep_all && filter::is_ignored(s.name, s.kind) {
            continue;
        }
        ranges.record(s.name, s.addr);
        read.push(i as u32);
    }
    let sym = |i: u32| symbols.get(i as usize);

    // shrink_table(), then make_percpus_absolute() (type 'A', flagged absolute).
    read.retain(|&i| {
        sym(i).is_some_and(|s| ranges.symbol_valid(s.name, s.addr, options.all_symbols))
    });
    let is_abs = |addr: u64| percpu && ranges.percpu.contains(addr);
    let kind = |s: &MapSymbol<'_>| if is_abs(s.addr) { b'A' } else { s.kind };

    // sort_symbols(): the tie key ends in the position in `read` (`seq`).
    let mut keys: Vec<(u64, u64)> = read
        .iter()
        .enumerate()
        .filter_map(|(k, &i)| sym(i).map(|s| (s.addr, sort::tie_key(kind(&s), s.name, k as u32))))
        .collect();
    let by_addr = sort::address_order(&mut keys);
    drop(keys);

    let n = by_addr.len();
    let mut order = Vec::with_capacity(n);
    let mut addrs = Vec::with_capacity(n);
    let mut kinds = Vec::with_capacity(n);
    let mut absolute = Vec::with_capacity(n);
    let bytes: usize = read
        .iter()
        .filter_map(|&i| sym(i))
        .map(|s| s.name.len() + 1)
        .sum();
    let mut names = token::Packed::with_capacity(n, bytes);
    for &k in &by_addr {
        let Some(&i) = read.get(k as usize) else {
            continue;
        };
        let Some(s) = sym(i) else { continue };
        let k = kind(&s);
        order.push(i);
        addrs.push(s.addr);
        kinds.push(k);
        absolute.push(is_abs(s.addr));
        names.push(k, s.name);
    }
    drop(read);
    drop(by_addr);

    // record_relative_base(): the first non-absolute symbol (6.12).
    let relative_base = addrs
        .iter()
        .zip(&absolute)
        .find(|(_, &a)| !a)
        .map_or(0, |(&a, _)| a);

    let offsets = offsets(&addrs, &absolute, options, percpu, text, relative_base)?;

    let name = |j: usize| {
        order
            .get(j)
            .and_then(|&i| symbols.get(i as usize))
            .map(|s| s.name)
            .unwrap_or_default()
    };
    let addr = |j: usize| addrs.get(j).copied().unwrap_or(0);
    // The name order does not depend on the token table: sort on a second thread.
    let (slots, seqs) = std::thread::scope(|scope| {
        let job = || sort::name_order(n, name, addr, SeqsKey::FullName);
        let worker = if n >= 4096 {
            std::thread::Builder::new().spawn_scoped(scope, job).ok()
        } else {
            None
        };
        let slots = token::optimize(&mut names);
        let seqs = match worker.map(|w| w.join()) {
            Some(Ok(seqs)) => seqs,
            Some(Err(e)) => std::panic::resume_unwind(e),
            None => job(),
        };
        (slots, seqs)
    });

    // write_src(): the checks on compressed lengths.
    for &len in &names.len {
        if len == 0 {
            return Err(BuildError::ZeroLength);
        }
        if len > 0x3fff {
            return Err(BuildError::HugeLength);
        }
    }

    let tokens = token::expand_all(&slots);
    Ok(Built {
        options: *options,
        input: symbols,
        order,
        addrs,
        kinds,
        absolute,
        text,
        relative_base,
        names,
        slots,
        tokens,
        offsets,
        seqs,
        warnings,
    })
}

/// The `kallsyms_offsets` loop of `write_src()`, with its range checks.
fn offsets(
    addrs: &[u64],
    absolute: &[bool],
    options: &Options,
    percpu: bool,
    text: u64,
    base: u64,
) -> Result<Offsets, BuildError> {
    match options.kernel {
        KernelVersion::V6_12 => {
            let mut v = Vec::with_capacity(addrs.len());
            for (&addr, &abs) in addrs.iter().zip(absolute) {
                // The C code computes in `long long` from unsigned operands.
                let (offset, overflow) = if !percpu {
                    let o = addr.wrapping_sub(base) as i64;
                    (o, o < 0 || o > i64::from(u32::MAX))
                } else if abs {
                    let o = addr as i64;
                    (o, o < 0 || o > i64::from(i32::MAX))
                } else {
                    let o = base.wrapping_sub(addr).wrapping_sub(1) as i64;
                    (o, o < i64::from(i32::MIN) || o >= 0)
                };
                if overflow {
                    return Err(BuildError::OutOfRange {
                        absolute: abs,
                        addr,
                    });
                }
                v.push(offset as u32);
            }
            Ok(Offsets::V612(v))
        }
        KernelVersion::V7_0 if options.pc_relative => {
            let mut v = Vec::with_capacity(addrs.len());
            for &addr in addrs {
                let o = addr.wrapping_sub(text) as i64;
                let o = i32::try_from(o).map_err(|_| BuildError::RelativeOutOfRange { addr })?;
                v.push(o);
            }
            Ok(Offsets::PcRelative(v))
        }
        KernelVersion::V7_0 => Ok(Offsets::Raw(addrs.iter().map(|&a| a as u32).collect())),
    }
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
