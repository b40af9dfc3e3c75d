// SPDX-License-Identifier: GPL-2.0-only OR MIT
//! Code shared by the fuzz targets and the seed generator (`examples/seeds.rs`).
//!
//! # The table input format
//!
//! The `table` and `capi` targets read a fixed 48-byte header, then the arrays back
//! to back, then query bytes, so that mutations land in the arrays and not in some
//! framing (as regex-automata's `deserialize` targets prefix a DFA with a header):
//!
//! | bytes | field |
//! |---|---|
//! | 0-1 | layout bits, little-endian ([`layout_from_bits`]) |
//! | 2 | flags ([`flag`]) |
//! | 3 | reserved |
//! | 4-7 | `num_syms` |
//! | 8-31 | byte lengths of `names`, `markers`, `token_table`, `token_index`, `offsets`, `seqs_of_names` (`u32` each) |
//! | 32-39 | `relative_base` |
//! | 40-47 | `offsets_addr` |
//!
//! The arrays follow in that order; each takes what is left when the input is short.
//! With [`flag::SECTIONS`], seven `u64` section bounds come next. The rest drives the
//! queries ([`Queries`]).
//!
//! # The reference
//!
//! [`Model`] decodes a table that validated with its own code, straight from the
//! raw arrays (not through the crate's expansion), and answers every query by brute
//! force; [`sweep`] asks the table every query and compares.

use std::collections::HashMap;
use std::ops::ControlFlow;

use kallsyms::accel::{
    distinct_names, fill_block_offsets, fill_hash_index, fill_name_offsets, hash_index_len,
    ProbeCache,
};
use kallsyms::index::{Accelerators, NameIndex};
use kallsyms::livepatch::{find_object_symbol, AddressZero, KlpError, KlpObject};
use kallsyms::{
    base_name, classify_suffix, AddressEncoding, Checks, Endian, FormatError, FormatErrorKind,
    Layout, LookupError, Match, MatchKind, RawTable, Sections, SeqsFormat, SeqsKey, Table,
    KSYM_NAME_LEN,
};

/// Bytes of the header of the table input format.
pub const HEADER_LEN: usize = 48;

/// Bits of the flags byte.
pub mod flag {
    /// Seven `u64` section bounds follow the arrays.
    pub const SECTIONS: u8 = 1 << 0;
    /// The sections say `CONFIG_KALLSYMS_ALL`.
    pub const KALLSYMS_ALL: u8 = 1 << 1;
    /// Also check the table with a filled probe cache.
    pub const PROBE_CACHE: u8 = 1 << 2;
    /// Also check the table with filled block offsets.
    pub const BLOCK_OFFSETS: u8 = 1 << 3;
    /// Also check the table with a filled hash index.
    pub const HASH_INDEX: u8 = 1 << 4;
    /// Try to attach accelerators made of query bytes.
    pub const FUZZED_ACCEL: u8 = 1 << 5;
    /// Also check the table with a name index built in memory
    /// (`kallsyms::index::NameIndex`) and the owned accelerators on it.
    pub const NAME_INDEX: u8 = 1 << 6;
}

/// A layout from 16 bits: [`Layout::to_bits`] for every valid layout; out-of-range
/// fields wrap, and bit 15 makes bits 10-14 the raw pointer width (mostly invalid,
/// to reach [`FormatErrorKind::BadLayout`]).
pub fn layout_from_bits(bits: u16) -> Layout {
    let addresses = match (bits & 0xf) % 5 {
        0 => AddressEncoding::Absolute,
        1 => AddressEncoding::Relative,
        2 => AddressEncoding::AbsolutePercpu,
        3 => AddressEncoding::PlaceRelative,
        _ => AddressEncoding::Raw32,
    };
    let seqs = match ((bits >> 4) & 3) % 3 {
        0 => SeqsFormat::None,
        1 => SeqsFormat::U32,
        _ => SeqsFormat::Be24,
    };
    let seqs_key = match ((bits >> 6) & 3) % 3 {
        0 => SeqsKey::FullName,
        1 => SeqsKey::CutAtFirstDot,
        _ => SeqsKey::CutAtLlvm,
    };
    let endian = if bits & (1 << 8) != 0 {
        Endian::Big
    } else {
        Endian::Little
    };
    let ptr_bytes = if bits & 0x8000 != 0 {
        ((bits >> 10) & 0x1f) as u8
    } else if bits & (1 << 9) != 0 {
        4
    } else {
        8
    };
    Layout {
        addresses,
        seqs,
        seqs_key,
        endian,
        ptr_bytes,
    }
}

/// Every layout the reader knows: 5 encodings x 3 seqs formats x 3 keys x 2 byte
/// orders x 2 pointer widths.
pub fn all_layouts() -> Vec<Layout> {
    (0u32..0x400)
        .filter_map(|b| Layout::from_bits(b).ok())
        .collect()
}

/// A decoded table input.
#[derive(Clone, Debug)]
pub struct TableInput<'a> {
    /// The layout.
    pub layout: Layout,
    /// [`flag`] bits.
    pub flags: u8,
    /// The arrays.
    pub raw: RawTable<'a>,
    /// Section bounds, with [`flag::SECTIONS`].
    pub sections: Option<Sections>,
    /// Query bytes.
    pub rest: &'a [u8],
}

fn take<'a>(data: &mut &'a [u8], n: usize) -> &'a [u8] {
    let n = n.min(data.len());
    let (a, b) = data.split_at(n);
    *data = b;
    a
}

fn le32(b: &[u8], at: usize) -> u32 {
    let mut w = [0u8; 4];
    if let Some(s) = b.get(at..at + 4) {
        w.copy_from_slice(s);
    }
    u32::from_le_bytes(w)
}

fn le64(b: &[u8], at: usize) -> u64 {
    let mut w = [0u8; 8];
    if let Some(s) = b.get(at..at + 8) {
        w.copy_from_slice(s);
    }
    u64::from_le_bytes(w)
}

/// Decodes the table input format; `None` when the header is incomplete.
pub fn decode(data: &[u8]) -> Option<TableInput<'_>> {
    let h = data.get(..HEADER_LEN)?;
    let mut rest = &data[HEADER_LEN..];
    let layout = layout_from_bits(u16::from_le_bytes([h[0], h[1]]));
    let flags = h[2];
    let num_syms = le32(h, 4);
    let len = |k: usize| le32(h, 8 + 4 * k) as usize;
    let names = take(&mut rest, len(0));
    let markers = take(&mut rest, len(1));
    let token_table = take(&mut rest, len(2));
    let token_index = take(&mut rest, len(3));
    let offsets = take(&mut rest, len(4));
    let seqs_of_names = take(&mut rest, len(5));
    let sections = if flags & flag::SECTIONS != 0 {
        let s = take(&mut rest, 56);
        let v = |k: usize| le64(s, 8 * k);
        Some(Sections {
            stext: v(0),
            etext: v(1),
            sinittext: v(2),
            einittext: v(3),
            init_begin: v(4),
            init_end: v(5),
            end: v(6),
            kallsyms_all: flags & flag::KALLSYMS_ALL != 0,
        })
    } else {
        None
    };
    Some(TableInput {
        layout,
        flags,
        raw: RawTable {
            num_syms,
            names,
            markers,
            token_table,
            token_index,
            offsets,
            relative_base: le64(h, 32),
            offsets_addr: le64(h, 40),
            seqs_of_names,
        },
        sections,
        rest,
    })
}

/// Encodes a table input (the inverse of [`decode`] for valid layouts).
pub fn encode(
    layout: Layout,
    flags: u8,
    raw: &RawTable<'_>,
    sections: Option<&Sections>,
    rest: &[u8],
) -> Vec<u8> {
    let flags = if sections.is_some() {
        flags | flag::SECTIONS
    } else {
        flags & !flag::SECTIONS
    };
    let mut v = Vec::new();
    v.extend_from_slice(&(layout.to_bits() as u16).to_le_bytes());
    v.push(flags);
    v.push(0);
    v.extend_from_slice(&raw.num_syms.to_le_bytes());
    let arrays = [
        raw.names,
        raw.markers,
        raw.token_table,
        raw.token_index,
        raw.offsets,
        raw.seqs_of_names,
    ];
    for a in arrays {
        v.extend_from_slice(&(a.len() as u32).to_le_bytes());
    }
    v.extend_from_slice(&raw.relative_base.to_le_bytes());
    v.extend_from_slice(&raw.offsets_addr.to_le_bytes());
    for a in arrays {
        v.extend_from_slice(a);
    }
    if let Some(s) = sections {
        for x in [
            s.stext,
            s.etext,
            s.sinittext,
            s.einittext,
            s.init_begin,
            s.init_end,
            s.end,
        ] {
            v.extend_from_slice(&x.to_le_bytes());
        }
    }
    v.extend_from_slice(rest);
    v
}

// ---- the reference ------------------------------------------------------------------

/// One symbol as the reference decodes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RefSym {
    /// Address.
    pub addr: u64,
    /// Type letter.
    pub kind: u8,
    /// Name (type letter excluded).
    pub name: Vec<u8>,
    /// Offset of the record in `kallsyms_names`.
    pub off: u32,
}

/// The sort key of a name (`scripts/kallsyms.c` `cleanup_symbol_name()`), written
/// here again rather than taken from the crate.
pub fn key_of(name: &[u8], key: SeqsKey) -> &[u8] {
    let cut = match key {
        SeqsKey::FullName => None,
        SeqsKey::CutAtFirstDot => name.iter().position(|&b| b == b'.'),
        SeqsKey::CutAtLlvm => name.windows(6).position(|w| w == b".llvm."),
    };
    &name[..cut.unwrap_or(name.len())]
}

/// A brute-force model of a validated table.
#[derive(Clone, Debug)]
pub struct Model {
    /// Symbols in address order.
    pub syms: Vec<RefSym>,
    /// Address-order indexes of each exact name.
    pub by_name: HashMap<Vec<u8>, Vec<u32>>,
    /// The name order (key, address, index): what `seqs_of_names` must hold.
    pub order: Vec<u32>,
    /// Whether the table's name index is known to be in that order (validated
    /// with [`Checks::Full`]); name lookups are compared only then.
    pub ordered: bool,
    /// The layout.
    pub layout: Layout,
    /// Section bounds.
    pub sections: Option<Sections>,
    /// The keys of `order`, in order.
    keys: Vec<Vec<u8>>,
}

fn read_n(b: &[u8], i: usize, n: usize, e: Endian) -> Option<u64> {
    let s = b.get(i.checked_mul(n)?..i.checked_mul(n)?.checked_add(n)?)?;
    let mut v = 0u64;
    match e {
        Endian::Little => {
            for &x in s.iter().rev() {
                v = (v << 8) | u64::from(x);
            }
        }
        Endian::Big => {
            for &x in s {
                v = (v << 8) | u64::from(x);
            }
        }
    }
    Some(v)
}

impl Model {
    /// Decodes `raw` independently of the crate's reader. Only meaningful for a
    /// table that validated; returns `None` where the arrays do not hold what
    /// validation promised (which the caller reports as a bug).
    pub fn new(
        raw: &RawTable<'_>,
        layout: Layout,
        sections: Option<Sections>,
        ordered: bool,
    ) -> Option<Model> {
        let e = layout.endian;
        let mut tokens: Vec<&[u8]> = Vec::with_capacity(256);
        for i in 0..256 {
            let start = read_n(raw.token_index, i, 2, e)? as usize;
            let rest = raw.token_table.get(start..)?;
            let end = rest.iter().position(|&b| b == 0)?;
            tokens.push(&rest[..end]);
        }
        let mut syms = Vec::with_capacity(raw.num_syms as usize);
        let mut off = 0usize;
        for i in 0..raw.num_syms as usize {
            let b0 = *raw.names.get(off)?;
            let (len, hdr) = if b0 & 0x80 == 0 {
                (usize::from(b0), 1)
            } else {
                let b1 = *raw.names.get(off + 1)?;
                (usize::from(b0 & 0x7f) | (usize::from(b1) << 7), 2)
            };
            let codes = raw.names.get(off + hdr..off + hdr + len)?;
            let mut text = Vec::new();
            for &c in codes {
                text.extend_from_slice(tokens[usize::from(c)]);
            }
            let (&kind, name) = text.split_first()?;
            let addr = Self::address(raw, layout, i)?;
            syms.push(RefSym {
                addr,
                kind,
                name: name.to_vec(),
                off: off as u32,
            });
            off += hdr + len;
        }
        let mut by_name: HashMap<Vec<u8>, Vec<u32>> = HashMap::new();
        for (i, s) in syms.iter().enumerate() {
            by_name.entry(s.name.clone()).or_default().push(i as u32);
        }
        let mut order: Vec<u32> = (0..syms.len() as u32).collect();
        order.sort_by(|&a, &b| {
            let (sa, sb) = (&syms[a as usize], &syms[b as usize]);
            key_of(&sa.name, layout.seqs_key)
                .cmp(key_of(&sb.name, layout.seqs_key))
                .then(sa.addr.cmp(&sb.addr))
                .then(a.cmp(&b))
        });
        let keys = order
            .iter()
            .map(|&i| key_of(&syms[i as usize].name, layout.seqs_key).to_vec())
            .collect();
        Some(Model {
            syms,
            by_name,
            order,
            ordered,
            layout,
            sections,
            keys,
        })
    }

    /// The address of symbol `i`, decoded with wrapping arithmetic and checked
    /// against the pointer width.
    fn address(raw: &RawTable<'_>, layout: Layout, i: usize) -> Option<u64> {
        let e = layout.endian;
        let v32 = || read_n(raw.offsets, i, 4, e);
        let a = match layout.addresses {
            AddressEncoding::Absolute => read_n(raw.offsets, i, usize::from(layout.ptr_bytes), e)?,
            AddressEncoding::Relative => raw.relative_base.checked_add(v32()?)?,
            AddressEncoding::AbsolutePercpu => {
                let v = v32()? as u32 as i32;
                if v >= 0 {
                    v as u64
                } else {
                    raw.relative_base.checked_add((-1 - i64::from(v)) as u64)?
                }
            }
            AddressEncoding::PlaceRelative => {
                let v = v32()? as u32 as i32;
                let place = raw.offsets_addr.checked_add(4 * i as u64)?;
                place.checked_add_signed(i64::from(v))?
            }
            AddressEncoding::Raw32 => v32()?,
        };
        if layout.ptr_bytes == 4 && a > u64::from(u32::MAX) {
            return None;
        }
        Some(a)
    }

    /// Number of symbols.
    pub fn len(&self) -> u32 {
        self.syms.len() as u32
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.syms.is_empty()
    }

    /// Every symbol matching `q` under `opts`, in address order.
    pub fn brute(&self, q: &[u8], opts: Match) -> Vec<(u32, MatchKind)> {
        let mut v = Vec::new();
        if q.is_empty() || q.len() >= KSYM_NAME_LEN {
            return v;
        }
        for (i, s) in self.syms.iter().enumerate() {
            if s.name == q {
                v.push((i as u32, MatchKind::Exact));
            } else if !opts.is_empty()
                && s.name.len() > q.len()
                && s.name.starts_with(q)
                && s.name[q.len()] == b'.'
            {
                if let Some(k) = classify_suffix(&s.name[q.len()..], opts) {
                    v.push((i as u32, k));
                }
            }
        }
        v
    }

    /// `Table::position`.
    pub fn position(&self, addr: u64) -> Option<kallsyms::Position> {
        let n = self.syms.len();
        if n == 0 || addr < self.syms[0].addr {
            return None;
        }
        let high = self.syms.partition_point(|s| s.addr <= addr);
        let start = self.syms[high - 1].addr;
        let low = self.syms.partition_point(|s| s.addr < start);
        let end = if high < n {
            self.syms[high].addr
        } else {
            self.sections.map_or(start, |s| s.last_end(addr))
        };
        Some(kallsyms::Position {
            index: low as u32,
            start,
            size: end.saturating_sub(start),
            offset: addr - start,
        })
    }

    /// `Table::lookup_address`: the index and position.
    pub fn lookup_address(&self, addr: u64) -> Option<kallsyms::Position> {
        if let Some(s) = &self.sections {
            if !s.is_ksym_addr(addr) {
                return None;
            }
        }
        self.position(addr)
    }

    /// `Table::size_of`.
    pub fn size_of(&self, i: u32) -> u64 {
        self.syms
            .get(i as usize)
            .and_then(|s| self.position(s.addr))
            .map_or(0, |p| p.size)
    }

    /// `Table::sprint_symbol`'s text.
    pub fn sprint(&self, addr: u64) -> Vec<u8> {
        match self.lookup_address(addr) {
            Some(p) if !self.syms[p.index as usize].name.is_empty() => {
                let mut v = self.syms[p.index as usize].name.clone();
                v.extend_from_slice(format!("+{:#x}/{:#x}", p.offset, p.size).as_bytes());
                v
            }
            _ => format!("{addr:#x}").into_bytes(),
        }
    }

    /// `Table::lookup_names`.
    pub fn lookup_names(&self, q: &[u8]) -> Option<(u32, u32)> {
        if self.layout.seqs == SeqsFormat::None || q.is_empty() {
            return None;
        }
        let k = key_of(q, self.layout.seqs_key);
        let lo = self.keys.partition_point(|x| &x[..] < k);
        let hi = self.keys.partition_point(|x| &x[..] <= k);
        (lo < hi).then(|| (lo as u32, hi as u32 - 1))
    }
}

// ---- the sweep ----------------------------------------------------------------------

/// Query instructions read from the input's tail.
#[derive(Clone, Debug)]
pub struct Queries<'a> {
    data: &'a [u8],
}

/// One query.
#[derive(Clone, Debug)]
pub enum Query {
    /// A name given verbatim, with match options.
    Name(Vec<u8>, Match),
    /// An address.
    Addr(u64),
    /// The name of symbol `index` (modulo the count), changed by `variant`.
    SymName(u16, u8, Match),
    /// An address near symbol `index`.
    SymAddr(u16, i16),
}

impl<'a> Queries<'a> {
    /// Queries from `data`.
    pub fn new(data: &'a [u8]) -> Self {
        Queries { data }
    }

    fn byte(&mut self) -> Option<u8> {
        let (&b, rest) = self.data.split_first()?;
        self.data = rest;
        Some(b)
    }

    fn u16(&mut self) -> Option<u16> {
        Some(u16::from_le_bytes([self.byte()?, self.byte()?]))
    }

    /// The next query.
    pub fn next_query(&mut self) -> Option<Query> {
        let op = self.byte()?;
        Some(match op % 4 {
            0 => {
                let mut len = usize::from(self.byte()?);
                if len == 255 {
                    len += 2 * usize::from(self.byte()?);
                }
                let name = take(&mut self.data, len).to_vec();
                let opts = Match::from_bits_truncate(u32::from(op >> 2));
                Query::Name(name, opts)
            }
            1 => {
                let mut w = [0u8; 8];
                for b in &mut w {
                    *b = self.byte().unwrap_or(0);
                }
                Query::Addr(u64::from_le_bytes(w))
            }
            2 => Query::SymName(
                self.u16()?,
                self.byte()?,
                Match::from_bits_truncate(u32::from(op >> 2)),
            ),
            _ => Query::SymAddr(self.u16()?, self.u16()? as i16),
        })
    }
}

/// Variants of a stored name, to probe around it.
pub fn name_variant(name: &[u8], v: u8) -> Vec<u8> {
    let mut n = name.to_vec();
    const SUFFIXES: [&[u8]; 8] = [
        b".llvm.123",
        b".isra.0",
        b".cold",
        b".constprop.0.isra.1",
        b".",
        b".1",
        b"\x01",
        b".localalias",
    ];
    match v % 4 {
        0 => {}
        1 => n.extend_from_slice(SUFFIXES[usize::from(v >> 2) % SUFFIXES.len()]),
        2 => n.truncate(n.len().saturating_sub(usize::from(v >> 2))),
        _ => {
            // Cut at the k-th '.' from the end.
            let k = usize::from(v >> 2) % 4;
            if let Some(p) = n
                .iter()
                .enumerate()
                .filter(|(_, &b)| b == b'.')
                .map(|(p, _)| p)
                .rev()
                .nth(k)
            {
                n.truncate(p);
            }
        }
    }
    n
}

/// Validates `input` both ways, checks the two results agree, and sweeps whatever
/// validates (bare and with accelerators) against the reference.
pub fn check_input(input: &TableInput<'_>) {
    let full = Table::with_checks(input.raw, input.layout, Checks::Full);
    let skip = Table::with_checks(input.raw, input.layout, Checks::SkipNameOrder);
    check_validation_agree(&full, &skip);
    let (t, ordered) = match (full, skip) {
        (Ok(t), _) => (t, true),
        (Err(_), Ok(t)) => (t, false),
        (Err(_), Err(_)) => return,
    };
    let t = match input.sections {
        Some(s) => t.with_sections(s),
        None => t,
    };
    let model = Model::new(&input.raw, input.layout, input.sections, ordered)
        .expect("a table that validates decodes");
    sweep(&t, &model, input.rest);
    with_accelerators(&t, &model, input.flags, input.rest);
    if input.flags & flag::NAME_INDEX != 0 {
        with_name_index(&t, &input.raw, input.layout, input.sections, input.rest);
    }
}

/// Replaces the table's name index with one built in memory (full names, 3-byte
/// entries): it must validate in full, answer every query right, and take the owned
/// accelerators.
pub fn with_name_index(
    t: &Table<'_>,
    raw: &RawTable<'_>,
    layout: Layout,
    sections: Option<Sections>,
    rest: &[u8],
) {
    let index = NameIndex::build(t);
    let indexed = t
        .clone()
        .with_name_index(&index)
        .expect("an index built from the table validates");
    let layout = Layout {
        seqs: SeqsFormat::Be24,
        seqs_key: SeqsKey::FullName,
        ..layout
    };
    let raw = RawTable {
        seqs_of_names: index.as_bytes(),
        ..*raw
    };
    let model = Model::new(&raw, layout, sections, true).expect("decodes");
    sweep(&indexed, &model, rest);
    let acc = Accelerators::build(&indexed);
    let all = acc
        .attach(indexed.clone())
        .expect("accelerators built from the table attach");
    sweep(&all, &model, rest);
}

/// What `Checks::Full` and `Checks::SkipNameOrder` say must agree: the full check
/// adds only the name order.
pub fn check_validation_agree<'a>(
    full: &Result<Table<'a>, FormatError>,
    skip: &Result<Table<'a>, FormatError>,
) {
    match (full, skip) {
        (Ok(_), Ok(_)) | (Err(_), Err(_)) if full.as_ref().err() == skip.as_ref().err() => {}
        (Err(f), Ok(_)) => assert_eq!(f.kind, FormatErrorKind::SeqNotSorted, "{f:?}"),
        (Err(f), Err(s)) => {
            // The full check stops at the first misordered entry, which may come
            // before the first out-of-range one.
            assert_eq!(f.kind, FormatErrorKind::SeqNotSorted, "{f:?} vs {s:?}");
            assert!(f.index <= s.index, "{f:?} vs {s:?}");
        }
        (Ok(_), Err(s)) => panic!("the full check passed, the lighter one failed: {s:?}"),
        _ => unreachable!(),
    }
}

/// Attaches accelerators (filled, and made of fuzz bytes) and sweeps each table
/// that accepts them.
pub fn with_accelerators(t: &Table<'_>, model: &Model, flags: u8, rest: &[u8]) {
    let mut cache = Box::<ProbeCache>::default();
    let mut blocks = vec![
        0u16;
        if flags & flag::BLOCK_OFFSETS != 0 {
            t.len() as usize
        } else {
            0
        }
    ];
    let want_hash = flags & flag::HASH_INDEX != 0
        && t.has_name_index()
        && t.layout().seqs_key == SeqsKey::FullName;
    let mut names = vec![0u16; if blocks.is_empty() { 0 } else { t.len() as usize }];
    let mut hash = vec![
        0u16;
        if want_hash {
            hash_index_len(distinct_names(t))
        } else {
            0
        }
    ];
    let mut acc = t.clone();
    if flags & flag::PROBE_CACHE != 0 {
        cache.fill(t);
        acc = acc.with_probe_cache(&cache).expect("own cache attaches");
    }
    // Fails only for a block of names over 64 KiB.
    if !blocks.is_empty() && fill_block_offsets(t, &mut blocks).is_ok() {
        acc = acc.with_block_offsets(&blocks).expect("own blocks attach");
        if t.has_name_index() {
            fill_name_offsets(&acc, &mut names).expect("name offsets fill as blocks do");
            acc = acc
                .with_name_offsets(&names)
                .expect("own name offsets attach");
        }
    }
    if want_hash {
        let filled = fill_hash_index(t, &mut hash);
        if model.ordered {
            filled.expect("hash index fills");
            acc = acc.with_hash_index(&hash).expect("own hash index attaches");
        } else if filled.is_ok() {
            // With a misordered index the fill and the check may disagree.
            if let Ok(h) = acc.clone().with_hash_index(&hash) {
                acc = h;
            }
        }
    }
    if flags & (flag::PROBE_CACHE | flag::BLOCK_OFFSETS | flag::HASH_INDEX) != 0 {
        sweep(&acc, model, rest);
    }
    if flags & flag::FUZZED_ACCEL != 0 {
        // Block offsets and hash slots from the query bytes: attaching must either
        // fail or give a table that still answers right.
        let n = t.len() as usize;
        let fb: Vec<u16> = rest
            .chunks_exact(2)
            .take(n)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
            .collect();
        if let Ok(b) = t.clone().with_block_offsets(&fb) {
            sweep(&b, model, &[]);
        }
        if let Ok(b) = t.clone().with_name_offsets(&fb) {
            sweep(&b, model, &[]);
        }
        let fh: Vec<u16> = rest
            .chunks_exact(2)
            .take(3 * 4096)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
            .collect();
        if let Ok(h) = t.clone().with_hash_index(&fh) {
            sweep(&h, model, &[]);
        }
    }
}

/// Asks `t` every query and compares each answer with `model`.
pub fn sweep(t: &Table<'_>, model: &Model, rest: &[u8]) {
    let n = t.len();
    assert_eq!(n, model.len());
    let mut buf = [0u8; KSYM_NAME_LEN];

    // Iteration, names, types, addresses, sizes.
    let mut count = 0u32;
    for (sym, r) in t.iter().zip(&model.syms) {
        let i = sym.index;
        assert_eq!(i, count);
        count += 1;
        assert_eq!(sym.address, r.addr, "address of {i}");
        assert_eq!(sym.type_letter, r.kind, "type of {i}");
        assert_eq!(sym.name_offset, r.off, "record offset of {i}");
        assert_eq!(t.name(&sym, &mut buf), &r.name[..], "name of {i}");
        assert_eq!(t.name_len(&sym), r.name.len());
        assert_eq!(t.name_cmp(&sym, &r.name), std::cmp::Ordering::Equal);
        assert_eq!(t.symbol(i), Some(sym));
        assert_eq!(t.address(i), r.addr);
        // A short buffer gets a prefix.
        let mut small = [0u8; 7];
        let got = t.name(&sym, &mut small).to_vec();
        assert_eq!(&got[..], &r.name[..r.name.len().min(7)]);
    }
    assert_eq!(count, n);
    assert_eq!(t.iter().len(), n as usize);
    assert_eq!(t.symbol(n), None);
    assert_eq!(t.address(n), 0);
    let mut seen = Vec::new();
    let stop = rest.first().map_or(u32::MAX, |&b| u32::from(b));
    let broke = t.on_each_symbol(|name, addr| {
        seen.push((name.to_vec(), addr));
        if seen.len() as u64 > u64::from(stop) {
            ControlFlow::Break(seen.len())
        } else {
            ControlFlow::Continue(())
        }
    });
    if u64::from(n) > u64::from(stop) {
        assert_eq!(broke, Some(stop as usize + 1));
    } else {
        assert_eq!(broke, None);
    }
    assert_eq!(seen.len() as u64, u64::from(n).min(u64::from(stop) + 1));
    for ((name, addr), r) in seen.iter().zip(&model.syms) {
        assert_eq!((name, *addr), (&r.name, r.addr));
    }

    // The name index.
    for j in 0..n {
        let e = t.name_index_entry(j).expect("entry in range");
        assert!(e < n);
        if model.ordered {
            if t.has_name_index() {
                assert_eq!(e, model.order[j as usize], "seqs_of_names[{j}]");
            } else {
                assert_eq!(e, j);
            }
        }
    }
    assert_eq!(t.name_index_entry(n), None);

    // Symbols to query: all of a small table, else an even sample, plus the
    // fuzzer's choices.
    let mut sample = vec![0, n / 2, n.saturating_sub(1)];
    sample.dedup();
    for i in sample.into_iter().filter(|&i| i < n) {
        let name = model.syms[i as usize].name.clone();
        check_name(t, model, &name, Match::ALL);
        check_addr(t, model, model.syms[i as usize].addr);
        check_addr(t, model, model.syms[i as usize].addr.wrapping_sub(1));
        check_sympos_of(t, model, i, Match::ALL);
    }
    for a in [0, u64::MAX] {
        check_addr(t, model, a);
    }
    check_name(t, model, b"", Match::EXACT);
    check_name(t, model, &[b'a'; KSYM_NAME_LEN], Match::ALL);

    let mut q = Queries::new(rest);
    for _ in 0..16 {
        let Some(query) = q.next_query() else { break };
        match query {
            Query::Name(name, opts) => check_name(t, model, &name, opts),
            Query::Addr(a) => check_addr(t, model, a),
            Query::SymName(i, v, opts) if n > 0 => {
                let i = u32::from(i) % n;
                let name = name_variant(&model.syms[i as usize].name, v);
                check_name(t, model, &name, opts);
                check_sympos_of(t, model, i, opts);
            }
            Query::SymAddr(i, d) if n > 0 => {
                let i = u32::from(i) % n;
                check_addr(
                    t,
                    model,
                    model.syms[i as usize]
                        .addr
                        .wrapping_add_signed(i64::from(d)),
                );
            }
            _ => {}
        }
    }
}

/// Every name query for `q` under `opts` (and exactly).
pub fn check_name(t: &Table<'_>, model: &Model, q: &[u8], opts: Match) {
    let ordered = model.ordered;
    // lookup_name.
    let got = t.lookup_name(q);
    if ordered {
        let want = if q.is_empty() || q.len() >= KSYM_NAME_LEN {
            None
        } else {
            model.by_name.get(q).map(|v| v[0])
        };
        assert_eq!(got.map(|s| s.index), want, "lookup_name({:?})", Bytes(q));
    }
    if let Some(s) = got {
        // Never a false positive, even with a misordered index.
        assert_eq!(model.syms[s.index as usize].name, q);
        assert_eq!(t.symbol(s.index), Some(s));
    }

    // lookup_names.
    let got = t.lookup_names(q);
    if ordered {
        assert_eq!(got, model.lookup_names(q), "lookup_names({:?})", Bytes(q));
    }

    for opts in [Match::EXACT, opts] {
        let got: Vec<kallsyms::Found> = t.matches(q, opts).collect();
        for (k, f) in got.iter().enumerate() {
            assert_eq!(f.sympos, k as u32 + 1);
            assert!(f.symbol.index < t.len());
            assert_eq!(t.symbol(f.symbol.index), Some(f.symbol));
        }
        let count = t.count_matches(q, opts);
        if !ordered {
            // Bounded and panic-free is all a misordered index promises.
            let _ = t.resolve(q, opts, 0);
            let _ = t.resolve(q, opts, 1);
            let _ = t.resolve(q, opts, count.saturating_add(1));
            continue;
        }
        let want = model.brute(q, opts);
        let got_pairs: Vec<(u32, MatchKind)> =
            got.iter().map(|f| (f.symbol.index, f.kind)).collect();
        assert_eq!(got_pairs, want, "matches({:?}, {opts:?})", Bytes(q));
        for f in &got {
            assert_eq!(f.size, model.size_of(f.symbol.index));
        }
        assert_eq!(count as usize, want.len(), "count_matches({:?})", Bytes(q));
        // resolve with every sympos around the count.
        let len = want.len() as u32;
        for sympos in [0, 1, len, len + 1, u32::MAX] {
            let r = t.resolve(q, opts, sympos);
            let expect = if q.is_empty() {
                Err(LookupError::EmptyName)
            } else if sympos == 0 {
                match len {
                    0 => Err(LookupError::NotFound),
                    1 => Ok(want[0].0),
                    _ => Err(LookupError::Ambiguous { count: len }),
                }
            } else if sympos <= len {
                Ok(want[sympos as usize - 1].0)
            } else if len == 0 {
                Err(LookupError::NotFound)
            } else {
                Err(LookupError::PositionOutOfRange { sympos, count: len })
            };
            assert_eq!(
                r.map(|f| f.symbol.index),
                expect,
                "resolve({:?}, {opts:?}, {sympos})",
                Bytes(q)
            );
        }
    }

    // klp_find_object_symbol on vmlinux.
    let exact = if ordered {
        model.brute(q, Match::EXACT)
    } else {
        Vec::new()
    };
    for sympos in [0u64, 1, exact.len() as u64 + 1] {
        for zero in [AddressZero::KernelCompatible, AddressZero::Exact] {
            let got = find_object_symbol(KlpObject::Vmlinux(t), q, sympos, zero);
            if !ordered {
                continue;
            }
            let take = if sympos == 0 { 2 } else { sympos as usize };
            let visited = &exact[..exact.len().min(take)];
            let count = visited.len() as u64;
            let addr = visited
                .last()
                .map_or(0, |&(i, _)| model.syms[i as usize].addr);
            let missing = match zero {
                AddressZero::KernelCompatible => addr == 0,
                AddressZero::Exact => count == 0,
            };
            let want = if missing {
                Err(KlpError::NotFound)
            } else if count > 1 && sympos == 0 {
                Err(KlpError::Ambiguous)
            } else if sympos > 0 && sympos != count {
                Err(KlpError::PositionNotFound { count })
            } else {
                Ok(addr)
            };
            assert_eq!(got, want, "find_object_symbol({:?}, {sympos})", Bytes(q));
        }
    }
}

/// Reverse sympos of symbol `i`.
pub fn check_sympos_of(t: &Table<'_>, model: &Model, i: u32, opts: Match) {
    let got = t.sympos_of(i, opts);
    if !model.ordered {
        return;
    }
    let name = &model.syms[i as usize].name;
    let base = if opts.is_empty() {
        &name[..]
    } else {
        base_name(name, opts)
    };
    let list = model.brute(base, opts);
    let want = list
        .iter()
        .position(|&(j, _)| j == i)
        .map(|p| kallsyms::Sympos {
            name_len: base.len() as u32,
            position: p as u32 + 1,
            count: list.len() as u32,
            kind: list[p].1,
        });
    assert_eq!(got, want, "sympos_of({i}, {opts:?})");
    if let Some(s) = got {
        let r = t
            .resolve(base, opts, s.position)
            .expect("resolve of sympos_of");
        assert_eq!(r.symbol.index, i);
    }
}

/// Every address query for `a`.
pub fn check_addr(t: &Table<'_>, model: &Model, a: u64) {
    assert_eq!(t.position(a), model.position(a), "position({a:#x})");
    let got = t.lookup_address(a);
    let want = model.lookup_address(a);
    assert_eq!(got.map(|(_, p)| p), want, "lookup_address({a:#x})");
    if let Some((s, p)) = got {
        assert_eq!(s.index, p.index);
        assert_eq!(t.size_of(p.index), model.size_of(p.index));
    }
    let text = model.sprint(a);
    let mut big = [0u8; 600];
    let len = t.sprint_symbol(a, &mut big).expect("600 bytes suffice");
    assert_eq!(&big[..len], &text[..], "sprint_symbol({a:#x})");
    for size in [text.len() - 1, text.len()] {
        let mut b = vec![0u8; size];
        let r = t.sprint_symbol(a, &mut b);
        if size >= text.len() {
            assert_eq!(r, Ok(text.len()));
            assert_eq!(&b[..text.len()], &text[..]);
        } else {
            assert_eq!(r, Err(LookupError::BufferTooSmall));
        }
    }
}

/// Bytes shown as lossy text in assertion messages.
pub struct Bytes<'b>(pub &'b [u8]);

impl std::fmt::Debug for Bytes<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", String::from_utf8_lossy(self.0))
    }
}

// ---- the roundtrip input format -----------------------------------------------------

/// The builder options and layout of a round-trip input, and its symbols.
///
/// Format: byte 0 options (bit 0 `--all-symbols`, 1 `--absolute-percpu`, 2
/// `--pc-relative`, 3 the 7.0 tool), bytes 1-2 layout bits ([`layout_from_bits`]),
/// bytes 3-10 a base address; then records of: type byte, length byte (255: a
/// little-endian `u16` follows and adds to it), the name, and a little-endian `i32`
/// added to the previous address (the first to the base).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoundtripInput {
    /// Option bits.
    pub options: u8,
    /// Layout bits.
    pub layout: u16,
    /// The symbols: address, type, name.
    pub symbols: Vec<(u64, u8, Vec<u8>)>,
}

impl RoundtripInput {
    /// Decodes; a short record at the end is dropped.
    pub fn decode(data: &[u8]) -> Option<RoundtripInput> {
        let h = data.get(..11)?;
        let mut d = &data[11..];
        let mut addr = le64(h, 3);
        let mut symbols = Vec::new();
        while d.len() >= 2 {
            let kind = d[0];
            let mut len = usize::from(d[1]);
            d = &d[2..];
            if len == 255 {
                let x = take(&mut d, 2);
                if x.len() < 2 {
                    break;
                }
                len += usize::from(u16::from_le_bytes([x[0], x[1]]));
            }
            let name = take(&mut d, len).to_vec();
            let delta = take(&mut d, 4);
            if delta.len() < 4 {
                break;
            }
            let delta = i32::from_le_bytes([delta[0], delta[1], delta[2], delta[3]]);
            addr = addr.wrapping_add_signed(i64::from(delta));
            symbols.push((addr, kind, name));
        }
        Some(RoundtripInput {
            options: h[0],
            layout: u16::from_le_bytes([h[1], h[2]]),
            symbols,
        })
    }

    /// Encodes (addresses must be within `i32` of each other in order).
    pub fn encode(&self) -> Vec<u8> {
        let mut v = vec![self.options];
        v.extend_from_slice(&self.layout.to_le_bytes());
        let base = self.symbols.first().map_or(0, |s| s.0);
        v.extend_from_slice(&base.to_le_bytes());
        let mut prev = base;
        for (addr, kind, name) in &self.symbols {
            v.push(*kind);
            if name.len() >= 255 {
                v.push(255);
                v.extend_from_slice(&((name.len() - 255) as u16).to_le_bytes());
            } else {
                v.push(name.len() as u8);
            }
            v.extend_from_slice(name);
            v.extend_from_slice(&(addr.wrapping_sub(prev) as i64 as i32).to_le_bytes());
            prev = *addr;
        }
        v
    }
}
