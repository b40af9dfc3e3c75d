// SPDX-License-Identifier: GPL-2.0-only OR MIT
//! Finding the kallsyms tables inside a kernel image (`vmlinux`, stripped or not, a
//! raw `Image` or memory dump, or the decompressed payload of a `vmlinuz`).
//!
//! [`locate`] is a pure function over bytes: it never panics and allocates little,
//! so it can be fuzzed. It returns the arrays as a [`RawTable`] with the [`Layout`]
//! they validate under, plus where each array was found ([`Provenance`]).
//!
//! - An ELF file that still has its symbol table names the arrays (`kallsyms_names`,
//!   ...): they are used directly.
//! - Otherwise `kallsyms_token_index` is searched for: 256 `u16` offsets, 0 first,
//!   strictly increasing, whose strings (the token table right in front of it) end
//!   in a NUL exactly where the next one starts. The markers, names and count are
//!   in front of the token table in every generation; the address array is in
//!   front of the count (6.1 - 6.3) or behind the token index (6.4 on). Each
//!   possible [`Layout`] is tried until [`Table::new`] validates one whose names
//!   include the kernel's start symbols (`_text`, `_stext`, `startup_64`, ...) at
//!   addresses inside the image.
//! - 7.0's place-relative offsets need the address at which `kallsyms_offsets` is
//!   loaded: from the ELF program headers, or for raw images from the kernel's link
//!   address ([`Hints::base`], else arm64's `0xffff800080000000` or x86-64's
//!   `0xffffffff81000000` for file offset 0), checked by decoding `_text`.
//!
//! [`container`] tells compressed images apart and finds their payload;
//! [`decompress()`] (feature `decompress`) inflates it. [`elf_out`] writes an ELF copy
//! of an image whose symbol table carries the decoded symbols.

pub mod container;
#[cfg(feature = "decompress")]
pub mod decompress;
pub mod elf;
pub mod elf_out;
mod scan;

use core::fmt;
use core::ops::ControlFlow;
use std::vec::Vec;

use crate::addrs::Sections;
use crate::error::{FormatError, FormatErrorKind};
use crate::layout::{AddressEncoding, Endian, Layout, SeqsFormat, SeqsKey};
use crate::table::{Checks, RawTable, Table};

pub use container::{Compression, Kind, Payload};
#[cfg(feature = "decompress")]
pub use decompress::decompress;
pub use elf::Elf;
use scan::{u32_at, u64_at, Names, Tokens};

/// What the caller knows about an image that the bytes may not say.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Hints {
    /// The virtual address of file offset 0 of a raw image (not used for ELF files,
    /// whose program headers say it).
    pub base: Option<u64>,
    /// Do not check that `kallsyms_seqs_of_names` is in name order (an O(n x name)
    /// pass that also tells which key a Clang LTO table of 6.2 - 6.10 was sorted by):
    /// for callers that only iterate. The key is then taken as the full name and
    /// [`Provenance::name_order_checked`] is `false`.
    pub skip_name_order: bool,
    /// Ignore an ELF symbol table and search (to test the search on an unstripped
    /// `vmlinux`).
    pub ignore_symbols: bool,
}

/// How the arrays were found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// From the `kallsyms_*` symbols of the ELF symbol table.
    Symbols,
    /// By the token-index search.
    Heuristic,
}

/// The order of the arrays, which tells the kernel generation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Order {
    /// 6.1 - 6.3: offsets, relative_base, num_syms, names, markers, (seqs),
    /// token_table, token_index.
    V6_1,
    /// 6.4 - 6.19: num_syms, names, markers, token_table, token_index, offsets,
    /// relative_base, seqs.
    V6_4,
    /// 7.0: as 6.4 without relative_base.
    V7_0,
}

impl Order {
    /// The kernel versions that write this order.
    pub const fn kernels(self) -> &'static str {
        match self {
            Order::V6_1 => "6.1-6.3",
            Order::V6_4 => "6.4-6.19",
            Order::V7_0 => "7.0+",
        }
    }
}

/// Where the virtual address of `kallsyms_offsets` came from (place-relative
/// tables only).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AddressSource {
    /// The layout does not need it.
    NotNeeded,
    /// The ELF program headers (or section headers).
    Elf,
    /// A base address for file offset 0 ([`Hints::base`] or a link-address
    /// convention), confirmed by `_text` decoding to it.
    Base(u64),
}

/// Where each array was found: file offsets into the bytes given to [`locate`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Provenance {
    /// How.
    pub method: Method,
    /// The array order found.
    pub order: Order,
    /// `kallsyms_num_syms`.
    pub num_syms: usize,
    /// `kallsyms_names`.
    pub names: usize,
    /// `kallsyms_markers`.
    pub markers: usize,
    /// `kallsyms_token_table`.
    pub token_table: usize,
    /// `kallsyms_token_index`.
    pub token_index: usize,
    /// `kallsyms_offsets` (or `kallsyms_addresses`).
    pub offsets: usize,
    /// `kallsyms_relative_base`, when the layout has one.
    pub relative_base: Option<usize>,
    /// `kallsyms_seqs_of_names`, when the layout has one.
    pub seqs_of_names: Option<usize>,
    /// Where the address of `kallsyms_offsets` came from.
    pub address_source: AddressSource,
    /// Whether `kallsyms_seqs_of_names` was checked to be in name order under the
    /// layout's key ([`Checks::Full`]); `false` when no key fits (name lookups may
    /// then miss, iteration is unaffected).
    pub name_order_checked: bool,
}

/// A kallsyms table found in an image.
#[derive(Clone, Copy, Debug)]
pub struct Located<'a> {
    /// The arrays.
    pub raw: RawTable<'a>,
    /// Their layout.
    pub layout: Layout,
    /// Where they were found.
    pub provenance: Provenance,
    /// The kernel's section bounds, from the ELF symbols or the table's own
    /// `_stext`, `_etext`, ... (when all are present), for symbol sizes.
    pub sections: Option<Sections>,
}

impl<'a> Located<'a> {
    /// The validated table (with [`Located::sections`] attached).
    ///
    /// # Errors
    ///
    /// None in practice: [`locate`] validated the same arrays.
    pub fn table(&self) -> Result<Table<'a>, FormatError> {
        let checks = if self.provenance.name_order_checked {
            Checks::Full
        } else {
            Checks::SkipNameOrder
        };
        let t = Table::with_checks(self.raw, self.layout, checks)?;
        Ok(match self.sections {
            Some(s) => t.with_sections(s),
            None => t,
        })
    }
}

/// Why no table was found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LocateError {
    /// No `kallsyms_token_index`/`kallsyms_token_table` pair anywhere.
    NoTokenTable,
    /// A token table was found but no markers, names and count in front of it.
    NoNames {
        /// File offset of the token table (the first candidate).
        token_table: usize,
    },
    /// The arrays were found but no layout validated with sane names.
    NoLayout {
        /// File offset of the token table.
        token_table: usize,
        /// The validation error of the most promising candidate, if any.
        error: Option<FormatError>,
    },
}

impl fmt::Display for LocateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LocateError::NoTokenTable => f.write_str(
                "no kallsyms_token_index found (256 increasing 16-bit offsets into a \
                 table of NUL-terminated tokens); is this a kernel built with CONFIG_KALLSYMS?",
            ),
            LocateError::NoNames { token_table } => write!(
                f,
                "found kallsyms_token_table at file offset {token_table:#x} but no \
                 kallsyms_markers/kallsyms_names/kallsyms_num_syms in front of it"
            ),
            LocateError::NoLayout { token_table, error } => {
                write!(
                    f,
                    "found kallsyms arrays (kallsyms_token_table at file offset \
                     {token_table:#x}) but no table layout of 6.1-7.0 decodes them to sane symbols"
                )?;
                if let Some(e) = error {
                    write!(f, " (best candidate: {e})")?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for LocateError {}

/// Which addresses can be decoded, and checked: an ELF's segments, or a base for
/// file offset 0.
#[derive(Clone, Copy, Debug)]
enum AddrMap<'e, 'a> {
    Elf(&'e Elf<'a>),
    Base(u64),
    Unknown,
}

impl AddrMap<'_, '_> {
    /// The virtual address of file offset `off`.
    fn addr_of(&self, off: usize) -> Option<u64> {
        match self {
            AddrMap::Elf(e) => e.addr_of(off as u64),
            AddrMap::Base(b) => b.checked_add(off as u64),
            AddrMap::Unknown => None,
        }
    }

    /// Whether `addr` is inside the loaded image (unknown maps accept everything).
    fn contains(&self, addr: u64, len: usize) -> bool {
        match self {
            AddrMap::Elf(e) => {
                let inside = |start: u64, size: u64| addr >= start && addr - start < size.max(1);
                let mut loads = e
                    .segments
                    .iter()
                    .filter(|s| s.kind == elf::PT_LOAD)
                    .peekable();
                if loads.peek().is_some() {
                    return loads.any(|s| inside(s.vaddr, s.memsz));
                }
                let mut alloc = e
                    .sections
                    .iter()
                    .filter(|s| s.flags & elf::SHF_ALLOC != 0)
                    .peekable();
                alloc.peek().is_none() || alloc.any(|s| inside(s.addr, s.size))
            }
            AddrMap::Base(b) => addr >= *b && addr - b < (len as u64).max(1),
            AddrMap::Unknown => true,
        }
    }
}

/// One way the address array may sit relative to the other arrays.
#[derive(Clone, Copy, Debug)]
struct AddrCandidate {
    order: Order,
    /// `kallsyms_offsets` / `kallsyms_addresses`.
    offsets: usize,
    /// Pointer width of the kernel.
    ptr_bytes: u8,
    /// `kallsyms_relative_base`, if the order has one here.
    relative_base: Option<usize>,
    /// Whether the entries are pointers (`kallsyms_addresses`) rather than `u32`.
    absolute: bool,
    /// `kallsyms_seqs_of_names` and its entry width.
    seqs: Option<(usize, usize)>,
}

/// The `(major, minor)` of a `Linux version X.Y...` banner.
fn banner_version(b: &[u8]) -> Option<(u32, u32)> {
    let rest = b.strip_prefix(b"Linux version ")?;
    let mut parts = rest.split(|&c| !c.is_ascii_digit());
    let major = std::str::from_utf8(parts.next()?).ok()?.parse().ok()?;
    let minor = std::str::from_utf8(parts.next()?).ok()?.parse().ok()?;
    Some((major, minor))
}

/// The kernel's version banner (`init/version-timestamp.c` `linux_banner`):
/// the first `Linux version <digit>...` string, without its newline.
pub fn banner(data: &[u8]) -> Option<&[u8]> {
    for at in memchr::memmem::find_iter(data, b"Linux version ") {
        let rest = data.get(at..)?;
        if !rest.get(14).is_some_and(u8::is_ascii_digit) {
            continue;
        }
        let end = rest
            .iter()
            .take(1024)
            .position(|&c| c == 0 || c == b'\n')
            .unwrap_or(rest.len().min(1024));
        let b = rest.get(..end)?;
        if b.iter().all(|&c| (0x20..0x7f).contains(&c)) {
            return Some(b);
        }
    }
    None
}

/// The GNU build-id: from the ELF notes when `data` is an ELF file, else the first
/// `NT_GNU_BUILD_ID` note found in the bytes (raw images keep their notes).
pub fn build_id(data: &[u8]) -> Option<&[u8]> {
    if let Some(e) = Elf::parse(data) {
        if let Some(id) = e.build_id() {
            return Some(id);
        }
    }
    for (endian, pat) in [
        (Endian::Little, b"\x04\0\0\0\x14\0\0\0\x03\0\0\0GNU\0"),
        (Endian::Big, b"\0\0\0\x04\0\0\0\x14\0\0\0\x03GNU\0"),
    ] {
        if let Some(at) = memchr::memmem::find(data, pat) {
            let note = data.get(at..at.checked_add(36)?)?;
            return elf::build_id_in_notes(note, endian);
        }
    }
    None
}

/// Finds and validates the kallsyms tables in `data`.
///
/// # Errors
///
/// [`LocateError`] says how far the search got.
///
/// # Examples
///
/// ```
/// use kallsyms::image::{locate, Hints, LocateError};
/// assert_eq!(locate(b"not a kernel", &Hints::default()).unwrap_err(), LocateError::NoTokenTable);
/// ```
pub fn locate<'a>(data: &'a [u8], hints: &Hints) -> Result<Located<'a>, LocateError> {
    let elf = Elf::parse(data);
    let version = banner(data).and_then(banner_version);
    let mut best: Option<LocateError> = None;
    if let Some(e) = elf.as_ref().filter(|_| !hints.ignore_symbols) {
        match from_symbols(data, e, hints.skip_name_order) {
            Some(Ok(l)) => return Ok(l),
            Some(Err(err)) => best = Some(err),
            None => {}
        }
    }
    let ptrs: &[u8] = match &elf {
        Some(e) if e.wide => &[8],
        Some(_) => &[4],
        None => &[8, 4],
    };
    let maps = maps_for(data, elf.as_ref(), hints);
    let mut err: Option<LocateError> = None;
    let mut attempt = |t: Tokens| -> ControlFlow<Located<'a>> {
        let mut any = false;
        for names in scan::names_for(data, &t) {
            any = true;
            let mut cands = Vec::new();
            for &p in ptrs {
                addr_candidates(&t, &names, p, version, &mut cands);
            }
            match try_candidates(
                data,
                &t,
                &names,
                &cands,
                &maps,
                Method::Heuristic,
                hints.skip_name_order,
            ) {
                Ok(l) => return ControlFlow::Break(l),
                Err(e) => {
                    err = Some(LocateError::NoLayout {
                        token_table: t.table,
                        error: e,
                    })
                }
            }
        }
        if !any && err.is_none() {
            err = Some(LocateError::NoNames {
                token_table: t.table,
            });
        }
        ControlFlow::Continue(())
    };
    // The tables are read-only data: in an ELF file, search the allocated,
    // non-executable sections first (a third of a kernel), then everything.
    if let Some(e) = &elf {
        for s in &e.sections {
            let plain = s.flags & elf::SHF_ALLOC != 0
                && s.flags & 4 == 0
                && s.kind != elf::SHT_NOBITS
                && s.size >= 512;
            let (Ok(from), Ok(len)) = (usize::try_from(s.offset), usize::try_from(s.size)) else {
                continue;
            };
            if plain {
                let to = from.saturating_add(len);
                if let Some(l) = scan::token_tables(data, from, to, &mut attempt) {
                    return Ok(l);
                }
            }
        }
    }
    if let Some(l) = scan::token_tables(data, 0, data.len(), &mut attempt) {
        return Ok(l);
    }
    Err(best.or(err).unwrap_or(LocateError::NoTokenTable))
}

/// For an image that is still being decompressed: scans `data[from..]` (and a
/// little before, for a table straddling `from`) for a token table with names and
/// markers in front of it, and returns how many bytes of the image the arrays need
/// at most (the address array and name index may follow the token index). `None`
/// while none is found. [`locate`] on the first that many bytes (or all of the
/// image, if shorter) then finds them.
pub fn tables_end(data: &[u8], from: usize) -> Option<usize> {
    let from = from.saturating_sub(1024);
    scan::token_tables(data, from, data.len(), |t| {
        let n = scan::names_for(data, &t)
            .iter()
            .map(|m| m.num_syms as usize)
            .max();
        match n {
            // Addresses (up to 8 bytes each), a relative base, 3-byte seqs, padding.
            Some(n) => ControlFlow::Break(t.index + 512 + 11 * n + 64),
            None => ControlFlow::Continue(()),
        }
    })
}

/// The address maps to try: the ELF's, else the caller's base, else the
/// conventional link addresses of arm64 and x86-64 for file offset 0.
fn maps_for<'e, 'a>(
    data: &'a [u8],
    elf: Option<&'e Elf<'a>>,
    hints: &Hints,
) -> Vec<AddrMap<'e, 'a>> {
    if let Some(e) = elf {
        return std::vec![AddrMap::Elf(e)];
    }
    if let Some(b) = hints.base {
        return std::vec![AddrMap::Base(b)];
    }
    let arm64 = 0xffff_8000_8000_0000u64;
    let x86 = 0xffff_ffff_8100_0000u64;
    if container::arm64_text_offset(data).is_some() {
        std::vec![AddrMap::Base(arm64), AddrMap::Base(x86)]
    } else {
        std::vec![AddrMap::Base(x86), AddrMap::Base(arm64)]
    }
}

/// Rounds `x` up to a multiple of `a` relative to `origin` (an aligned offset).
fn align_from(origin: usize, x: usize, a: usize) -> usize {
    let rel = x.wrapping_sub(origin) % a;
    if rel == 0 {
        x
    } else {
        x + (a - rel)
    }
}

/// The possible places of the address array (and relative base and seqs) for the
/// arrays found, most likely first given the banner's version.
fn addr_candidates(
    t: &Tokens,
    names: &Names,
    p: u8,
    version: Option<(u32, u32)>,
    out: &mut Vec<AddrCandidate>,
) {
    let n = names.num_syms as usize;
    let pw = usize::from(p);
    let mut old = Vec::new();
    let mut new = Vec::new();
    let mut v7 = Vec::new();
    // 6.1 - 6.3: [offsets][relative_base] num_syms ...
    if let Some(rb) = names.num_syms_at.checked_sub(pw) {
        if let Some(o) = rb.checked_sub(align_from(0, 4 * n, pw)) {
            old.push(AddrCandidate {
                order: Order::V6_1,
                offsets: o,
                ptr_bytes: p,
                relative_base: Some(rb),
                absolute: false,
                seqs: names.seqs_between,
            });
        }
    }
    if let Some(o) = names.num_syms_at.checked_sub(align_from(0, pw * n, pw)) {
        old.push(AddrCandidate {
            order: Order::V6_1,
            offsets: o,
            ptr_bytes: p,
            relative_base: None,
            absolute: true,
            seqs: names.seqs_between,
        });
    }
    if names.seqs_between.is_none() {
        // 6.4+: token_index, offsets, [relative_base], seqs.
        let o = align_from(t.index, t.index + 512, pw.min(4));
        let rb = align_from(t.index, o + 4 * n, pw);
        new.push(AddrCandidate {
            order: Order::V6_4,
            offsets: o,
            ptr_bytes: p,
            relative_base: Some(rb),
            absolute: false,
            seqs: Some((rb + pw, 3)),
        });
        new.push(AddrCandidate {
            order: Order::V6_4,
            offsets: o,
            ptr_bytes: p,
            relative_base: None,
            absolute: true,
            seqs: Some((o + align_from(0, pw * n, pw), 3)),
        });
        v7.push(AddrCandidate {
            order: Order::V7_0,
            offsets: o,
            ptr_bytes: p,
            relative_base: None,
            absolute: false,
            seqs: Some((o + 4 * n, 3)),
        });
    }
    match version {
        Some((maj, _)) if maj >= 7 => {
            out.extend(v7);
            out.extend(new);
            out.extend(old);
        }
        Some((6, min)) if min < 4 => {
            out.extend(old);
            out.extend(new);
            out.extend(v7);
        }
        _ => {
            out.extend(new);
            out.extend(old);
            out.extend(v7);
        }
    }
}

/// Anchors: one of these names must be in a kernel's table.
const ANCHORS: [&[u8]; 7] = [
    b"_text",
    b"_stext",
    b"stext",
    b"startup_64",
    b"_head",
    b"startup_32",
    b"start_kernel",
];

/// The address of the first anchor found, or `None` when the names hold none.
fn anchor(t: &Table<'_>) -> Option<u64> {
    ANCHORS
        .iter()
        .find_map(|a| t.lookup_name(a).map(|s| s.address))
}

/// The address of `_text` (else `_stext`, `stext`) in the table.
fn text_addr(t: &Table<'_>) -> Option<u64> {
    ANCHORS
        .iter()
        .take(3)
        .find_map(|a| t.lookup_name(a).map(|s| s.address))
}

/// Tries every candidate layout; the first that validates with sane names wins.
fn try_candidates<'a>(
    data: &'a [u8],
    t: &Tokens,
    names: &Names,
    cands: &[AddrCandidate],
    maps: &[AddrMap<'_, 'a>],
    method: Method,
    skip_name_order: bool,
) -> Result<Located<'a>, Option<FormatError>> {
    let e = t.endian;
    let n = names.num_syms;
    let nn = n as usize;
    let slice = |at: usize, len: usize| elf::range(data, at as u64, len as u64);
    let mut best: Option<FormatError> = None;
    let note = |err: FormatError, best: &mut Option<FormatError>| {
        // Keep the error that got furthest (the highest array, then index).
        let better = best.map_or(true, |b| {
            (err.array as u8, err.index) > (b.array as u8, b.index)
        });
        if better {
            *best = Some(err);
        }
    };
    for c in cands {
        let entry = if c.absolute {
            usize::from(c.ptr_bytes)
        } else {
            4
        };
        let offsets = slice(c.offsets, entry.saturating_mul(nn));
        if offsets.len() < entry.saturating_mul(nn) {
            continue;
        }
        let relative_base = match c.relative_base {
            Some(rb) if c.ptr_bytes == 8 => u64_at(data, rb, e),
            Some(rb) => u32_at(data, rb, e).map(u64::from),
            None => Some(0),
        };
        let Some(relative_base) = relative_base else {
            continue;
        };
        let (seqs_fmt, seqs) = match c.seqs {
            None => (SeqsFormat::None, &[][..]),
            Some((at, 3)) => (SeqsFormat::Be24, slice(at, 3 * nn)),
            Some((at, _)) => (SeqsFormat::U32, slice(at, 4 * nn)),
        };
        let encodings: &[AddressEncoding] = match (c.order, c.absolute) {
            (_, true) => &[AddressEncoding::Absolute],
            (Order::V7_0, _) => &[AddressEncoding::PlaceRelative, AddressEncoding::Raw32],
            _ => {
                // Negative entries mean absolute per-cpu (x86-64 SMP, 6.1 - 6.14).
                let negative = (0..nn.min(4096))
                    .any(|i| u32_at(offsets, 4 * i, e).is_some_and(|v| v & 0x8000_0000 != 0));
                if negative {
                    &[AddressEncoding::AbsolutePercpu, AddressEncoding::Relative]
                } else {
                    &[AddressEncoding::Relative, AddressEncoding::AbsolutePercpu]
                }
            }
        };
        for &enc in encodings {
            if enc == AddressEncoding::Raw32 && c.ptr_bytes != 4 {
                continue;
            }
            let layout = Layout {
                addresses: enc,
                seqs: seqs_fmt,
                seqs_key: SeqsKey::FullName,
                endian: e,
                ptr_bytes: c.ptr_bytes,
            };
            let place = enc == AddressEncoding::PlaceRelative;
            let map_list: Vec<AddrMap<'_, 'a>> = if place {
                maps.to_vec()
            } else {
                // Other encodings need no address; check against the ELF only.
                maps.iter()
                    .copied()
                    .filter(|m| matches!(m, AddrMap::Elf(_)))
                    .chain(core::iter::once(AddrMap::Unknown))
                    .take(1)
                    .collect()
            };
            for map in &map_list {
                let offsets_addr = if place {
                    match map.addr_of(c.offsets) {
                        Some(a) => a,
                        None => continue,
                    }
                } else {
                    0
                };
                let raw = RawTable {
                    num_syms: n,
                    names: data.get(names.names..names.markers).unwrap_or(&[]),
                    markers: data.get(names.markers..t.table).unwrap_or(&[]),
                    token_table: data.get(t.table..t.index).unwrap_or(&[]),
                    token_index: slice(t.index, 512),
                    offsets,
                    relative_base,
                    offsets_addr,
                    seqs_of_names: seqs,
                };
                let mut raw = raw;
                let mut table = match Table::with_checks(raw, layout, Checks::SkipNameOrder) {
                    Ok(t) => t,
                    Err(err) => {
                        note(err, &mut best);
                        continue;
                    }
                };
                if c.relative_base.is_some() && relative_base == 0 {
                    // A relocatable kernel whose relative base is filled in by a
                    // RELA relocation at boot (arm64): the file holds 0. Rebase on
                    // _text, whose address the ELF symbols or headers, or the base
                    // of a raw image, give.
                    let Some(rb) =
                        text_addr(&table).and_then(|off| link_text(*map, maps)?.checked_sub(off))
                    else {
                        continue;
                    };
                    raw.relative_base = rb;
                    table = match Table::with_checks(raw, layout, Checks::SkipNameOrder) {
                        Ok(t) => t,
                        Err(err) => {
                            note(err, &mut best);
                            continue;
                        }
                    };
                }
                // Sanity: a start symbol, inside the image.
                let Some(a) = anchor(&table) else {
                    continue;
                };
                if !map.contains(a, data.len()) {
                    continue;
                }
                if let (true, AddrMap::Base(b)) = (place, map) {
                    // Raw images start at _text.
                    if text_addr(&table) != Some(*b) {
                        continue;
                    }
                }
                // The name order decides the key (6.2 - 6.10 Clang LTO cut names).
                let mut layout = layout;
                let mut checked = seqs_fmt == SeqsFormat::None;
                if !checked && !skip_name_order {
                    for key in [
                        SeqsKey::FullName,
                        SeqsKey::CutAtLlvm,
                        SeqsKey::CutAtFirstDot,
                    ] {
                        let l = Layout {
                            seqs_key: key,
                            ..layout
                        };
                        match Table::new(raw, l) {
                            Ok(_) => {
                                layout = l;
                                checked = true;
                                break;
                            }
                            Err(err) if err.kind == FormatErrorKind::SeqNotSorted => {}
                            Err(err) => {
                                note(err, &mut best);
                                break;
                            }
                        }
                    }
                }
                let sections = sections_of(&table, *map);
                return Ok(Located {
                    raw,
                    layout,
                    provenance: Provenance {
                        method,
                        order: c.order,
                        num_syms: names.num_syms_at,
                        names: names.names,
                        markers: names.markers,
                        token_table: t.table,
                        token_index: t.index,
                        offsets: c.offsets,
                        relative_base: c.relative_base,
                        seqs_of_names: c.seqs.map(|s| s.0),
                        address_source: match (place, map) {
                            (false, _) => AddressSource::NotNeeded,
                            (true, AddrMap::Base(b)) => AddressSource::Base(*b),
                            (true, _) => AddressSource::Elf,
                        },
                        name_order_checked: checked,
                    },
                    sections,
                });
            }
        }
    }
    Err(best)
}

/// The link address of `_text`: the ELF symbol, else the lowest executable
/// `PT_LOAD`; for a raw image, the base of file offset 0 (the first base tried).
fn link_text(map: AddrMap<'_, '_>, maps: &[AddrMap<'_, '_>]) -> Option<u64> {
    let m = match map {
        AddrMap::Unknown => maps.first().copied()?,
        m => m,
    };
    match m {
        AddrMap::Elf(e) => {
            if let Some(st) = e.symtab() {
                if let Some(s) = st.iter().find(|s| s.name == b"_text") {
                    return Some(s.value);
                }
            }
            e.segments
                .iter()
                .filter(|s| s.kind == elf::PT_LOAD && s.flags & 1 != 0)
                .map(|s| s.vaddr)
                .min()
        }
        AddrMap::Base(b) => Some(b),
        AddrMap::Unknown => None,
    }
}

/// The section bounds: from the ELF symbols when there are, else from the table's
/// own `_stext`, `_etext`, `_sinittext`, `_einittext` (and `__init_begin`,
/// `__init_end`, `_end`, which a `CONFIG_KALLSYMS_ALL` table has).
fn sections_of(t: &Table<'_>, map: AddrMap<'_, '_>) -> Option<Sections> {
    let elf_syms = match map {
        AddrMap::Elf(e) => e.symtab(),
        _ => None,
    };
    let find = |name: &[u8]| -> Option<u64> {
        if let Some(st) = &elf_syms {
            if let Some(s) = st.iter().find(|s| s.name == name) {
                return Some(s.value);
            }
        }
        t.lookup_name(name).map(|s| s.address)
    };
    let kallsyms_all = t
        .iter()
        .any(|s| matches!(s.type_letter, b'd' | b'D' | b'b' | b'B' | b'r' | b'R'));
    let stext = find(b"_stext")?;
    let etext = find(b"_etext")?;
    let sinittext = find(b"_sinittext")?;
    let einittext = find(b"_einittext")?;
    Some(Sections {
        stext,
        etext,
        sinittext,
        einittext,
        init_begin: find(b"__init_begin").unwrap_or(sinittext),
        init_end: find(b"__init_end").unwrap_or(einittext),
        end: find(b"_end").unwrap_or(etext),
        kallsyms_all,
    })
}

/// The arrays named by the ELF symbol table, if it has `kallsyms_token_index`.
fn from_symbols<'a>(
    data: &'a [u8],
    e: &Elf<'a>,
    skip: bool,
) -> Option<Result<Located<'a>, LocateError>> {
    let st = e.symtab()?;
    let want: [&[u8]; 9] = [
        b"kallsyms_num_syms",
        b"kallsyms_names",
        b"kallsyms_markers",
        b"kallsyms_token_table",
        b"kallsyms_token_index",
        b"kallsyms_offsets",
        b"kallsyms_addresses",
        b"kallsyms_relative_base",
        b"kallsyms_seqs_of_names",
    ];
    // One pass over the symbols for all nine names.
    let mut found: [Option<u64>; 9] = [None; 9];
    for s in st.iter() {
        if let Some(i) = want.iter().position(|w| *w == s.name) {
            if let Some(slot) = found.get_mut(i) {
                slot.get_or_insert(s.value);
            }
        }
    }
    let [num, names, markers, table, index, offsets, addresses, rb, seqs] = found;
    let off = |a: Option<u64>| -> Option<usize> { usize::try_from(e.offset_of(a?, 1)?).ok() };
    let index_at = off(index)?;
    let table_at = off(table)?;
    let num_at = off(num)?;
    let names_at = off(names)?;
    let markers_at = off(markers)?;
    let endian = e.endian;
    let n = u32_at(data, num_at, endian)?;
    let t = Tokens {
        table: table_at,
        index: index_at,
        endian,
    };
    let seqs_at = off(seqs);
    let width = seqs_at.map(|s| {
        // Before the token table (6.1-6.3) the gap says 3 or 4 bytes; after it 3.
        if s < table_at && n > 0 && (table_at - s) / n as usize >= 4 {
            4
        } else {
            3
        }
    });
    let nm = Names {
        num_syms_at: num_at,
        num_syms: n,
        names: names_at,
        markers: markers_at,
        markers_end: table_at,
        seqs_between: match (seqs_at, width) {
            (Some(s), Some(w)) if s < table_at => Some((s, w)),
            _ => None,
        },
    };
    let p = if e.wide { 8u8 } else { 4 };
    let (o, absolute) = match (off(offsets), off(addresses)) {
        (Some(o), _) => (o, false),
        (None, Some(a)) => (a, true),
        _ => return None,
    };
    let rb_at = off(rb);
    let order = if o < num_at {
        Order::V6_1
    } else if rb_at.is_none() && !absolute {
        Order::V7_0
    } else {
        Order::V6_4
    };
    let cand = AddrCandidate {
        order,
        offsets: o,
        ptr_bytes: p,
        relative_base: rb_at,
        absolute,
        seqs: seqs_at.zip(width),
    };
    let maps = [AddrMap::Elf(e)];
    Some(
        try_candidates(data, &t, &nm, &[cand], &maps, Method::Symbols, skip).map_err(|error| {
            LocateError::NoLayout {
                token_table: table_at,
                error,
            }
        }),
    )
}
