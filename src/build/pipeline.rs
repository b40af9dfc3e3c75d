// SPDX-License-Identifier: GPL-2.0-only OR MIT
//! The pipeline of `main()` in `scripts/kallsyms.c` (6.12): `read_map()` (the
//! per-symbol part of `read_symbol()`), `shrink_table()`, `make_percpus_absolute()`,
//! `sort_symbols()`, `record_relative_base()`, `optimize_token_table()`, and the
//! checks and name sort of `write_src()`; the token table (the longest part) runs
//! beside the sorts, on the symbols in input order.

use core::sync::atomic::{AtomicBool, Ordering};
use std::vec;
use std::vec::Vec;

use super::{
    emit, filter, sort, token, BuildError, Built, KernelVersion, MapSymbol, Offsets, Options, Slot,
    SymbolList, Warning,
};
use crate::{SeqsKey, KSYM_NAME_LEN};

/// Below this many symbols the sorts, the offsets and the text stay on the calling
/// thread.
const HELPER_SYMBOLS: usize = 4096;

/// Builds the table; `keep_all` keeps the types `scripts/kallsyms` ignores (see
/// [`super::build_unfiltered`]).
pub(super) fn run(
    symbols: SymbolList,
    options: &Options,
    keep_all: bool,
    threads: usize,
) -> Result<Built, BuildError> {
    // `AUTO` (what `build()` uses): a helper thread for the sorts by address and by
    // name (which do not depend on the token table) and part of the text, when there
    // is a second core and enough symbols (below `HELPER_SYMBOLS` no helper would be
    // started, so the cores are not counted: that reads cgroup files, ~5% of a small
    // build).
    let helpers = threads == super::AUTO
        && symbols.len() >= HELPER_SYMBOLS
        && std::thread::available_parallelism().is_ok_and(|n| n.get() > 1);
    let threads = if threads == super::AUTO {
        1
    } else {
        super::threads(threads)
    };
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

    // The token table depends only on the symbols, not on their order (the profits
    // are sums over all symbols, and each symbol is compressed on its own): it is made
    // from the symbols in input order on this thread, while a second thread sorts
    // them by address and by name and renders the tail of the text. The compressed
    // names are put in address order afterwards.
    let read = &read;
    let mut names = pack(&symbols, read, &kind);
    let how = How {
        options,
        percpu,
        text,
    };
    let address_side = || by_address(&symbols, read, &kind, &is_abs, &how);
    // Whichever thread claims the address side first does it: a helper that has not
    // started by the time this thread is done with the token table costs no waiting
    // (this thread then does it, and the tail is rendered when written).
    let claimed = AtomicBool::new(false);
    let claim = || !claimed.swap(true, Ordering::AcqRel);
    let parallel = (threads > 1 || helpers) && read.len() >= HELPER_SYMBOLS;
    let render = parallel && read.len() >= emit::PARALLEL_SYMBOLS;
    let (slots, side, tail_text) = std::thread::scope(|scope| {
        let helper = || {
            if !claim() {
                return None;
            }
            let side = address_side();
            let tail = match &side {
                Ok(b) if render => Some(
                    emit::TailParts {
                        kernel: options.kernel,
                        text,
                        relative_base: b.relative_base,
                        offsets: &b.offsets,
                        seqs: &b.seqs,
                        input: &symbols,
                        order: &b.order,
                        kinds: &b.kinds,
                    }
                    .render(),
                ),
                _ => None,
            };
            Some((side, tail))
        };
        let worker = if parallel {
            std::thread::Builder::new().spawn_scoped(scope, helper).ok()
        } else {
            None
        };
        let slots = tokens(&mut names, threads);
        let (side, tail) = if claim() {
            (address_side(), None)
        } else {
            match worker.map(|w| w.join()) {
                Some(Ok(Some(v))) => v,
                Some(Err(e)) => std::panic::resume_unwind(e),
                // Not reached: the work was claimed by the helper.
                _ => (address_side(), None),
            }
        };
        (slots, side, tail)
    });
    // `write_src()` checks the compressed lengths before the offsets.
    let slots = slots?;
    let side = side?;
    Ok(Built {
        options: *options,
        threads,
        helpers,
        input: symbols,
        names: names.permuted(&side.by_addr),
        order: side.order,
        addrs: side.addrs,
        kinds: side.kinds,
        absolute: side.absolute,
        text,
        relative_base: side.relative_base,
        tokens: token::expand_all(&slots),
        slots,
        offsets: side.offsets,
        seqs: side.seqs,
        tail_text,
        warnings,
    })
}

/// The settings [`by_address`] works with.
#[derive(Clone, Copy)]
struct How<'a> {
    options: &'a Options,
    /// `--absolute-percpu` in effect (6.12).
    percpu: bool,
    /// The address of `_text`.
    text: u64,
}

/// A symbol's final type.
type KindOf<'k> = dyn Fn(&MapSymbol<'_>) -> u8 + Sync + 'k;

/// What [`by_address`] makes: everything but the names.
struct ByAddress {
    /// Positions in `read`, in address order.
    by_addr: Vec<u32>,
    /// Input index, address, final type and absoluteness, in address order.
    order: Vec<u32>,
    addrs: Vec<u64>,
    kinds: Vec<u8>,
    absolute: Vec<bool>,
    relative_base: u64,
    offsets: Offsets,
    /// `kallsyms_seqs_of_names`.
    seqs: Vec<u32>,
}

/// The symbols `read` (input indices after `shrink_table()`), in that order, for
/// [`tokens`].
fn pack(symbols: &SymbolList, read: &[u32], kind: &KindOf<'_>) -> token::Packed {
    let sym = |i: u32| symbols.get(i as usize);
    let bytes: usize = read
        .iter()
        .filter_map(|&i| sym(i))
        .map(|s| s.name.len() + 1)
        .sum();
    let mut names = token::Packed::with_capacity(read.len(), bytes);
    for s in read.iter().filter_map(|&i| sym(i)) {
        names.push(kind(&s), s.name);
    }
    names
}

/// `sort_symbols()` for the symbols `read`: positions in `read`, in address order.
fn address_order(symbols: &SymbolList, read: &[u32], kind: &KindOf<'_>) -> Vec<u32> {
    let sym = |i: u32| symbols.get(i as usize);
    // The tie key ends in the position in `read` (`seq`).
    let mut keys: Vec<(u64, u64)> = read
        .iter()
        .enumerate()
        .filter_map(|(k, &i)| sym(i).map(|s| (s.addr, sort::tie_key(kind(&s), s.name, k as u32))))
        .collect();
    sort::address_order(&mut keys)
}

/// The symbols `read` in address order ([`address_order`]),
/// `record_relative_base()`, the offsets with their range checks (`write_src()`),
/// and the name order; [`tokens`] compresses the names.
fn by_address(
    symbols: &SymbolList,
    read: &[u32],
    kind: &KindOf<'_>,
    is_abs: &(dyn Fn(u64) -> bool + Sync),
    how: &How<'_>,
) -> Result<ByAddress, BuildError> {
    let How {
        options,
        percpu,
        text,
    } = *how;
    let sym = |i: u32| symbols.get(i as usize);
    let by_addr = address_order(symbols, read, kind);
    let n = by_addr.len();
    let mut order = Vec::with_capacity(n);
    let mut addrs = Vec::with_capacity(n);
    let mut kinds = Vec::with_capacity(n);
    let mut absolute = Vec::with_capacity(n);
    // The address-order position (`rank`) of each element of `read`.
    let mut rank = vec![0u32; read.len()];
    for (j, &k) in by_addr.iter().enumerate() {
        if let Some(r) = rank.get_mut(k as usize) {
            *r = j as u32;
        }
        let Some(&i) = read.get(k as usize) else {
            continue;
        };
        let Some(s) = sym(i) else { continue };
        order.push(i);
        addrs.push(s.addr);
        kinds.push(kind(&s));
        absolute.push(is_abs(s.addr));
    }

    // record_relative_base(): the first non-absolute symbol (6.12).
    let relative_base = addrs
        .iter()
        .zip(&absolute)
        .find(|(_, &a)| !a)
        .map_or(0, |(&a, _)| a);
    let offsets = offsets(&addrs, &absolute, options, percpu, text, relative_base)?;

    // The name order needs only names and addresses.
    let name_of = |k: usize| {
        read.get(k)
            .and_then(|&i| sym(i))
            .map(|s| s.name)
            .unwrap_or_default()
    };
    let addr_of = |k: usize| read.get(k).and_then(|&i| sym(i)).map_or(0, |s| s.addr);
    let by_name = sort::name_order(read.len(), name_of, addr_of, SeqsKey::FullName);
    let seqs = sort::renumber(by_name, &rank, name_of, addr_of);

    Ok(ByAddress {
        by_addr,
        order,
        addrs,
        kinds,
        absolute,
        relative_base,
        offsets,
        seqs,
    })
}

/// `optimize_token_table()` on `names`, and the checks of `write_src()` on the
/// compressed lengths.
fn tokens(names: &mut token::Packed, threads: usize) -> Result<[Slot; 256], BuildError> {
    let slots = token::optimize_threads(names, threads);
    for &len in &names.len {
        if len == 0 {
            return Err(BuildError::ZeroLength);
        }
        if len > 0x3fff {
            return Err(BuildError::HugeLength);
        }
    }
    Ok(slots)
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
