// SPDX-License-Identifier: GPL-2.0-only OR MIT
//! Hostile tables, one corruption each, named.
//!
//! Each starts from a real table (built by the builder from a slice of a real
//! fixture map, or the real `scripts/kallsyms` output of `tests/data`, parsed from
//! its `.S`), corrupts one thing, and checks that validation returns the documented
//! [`FormatError`] (array, kind and index exactly), within a time bound (no
//! unbounded loop) and without a panic (every index in the reader is checked, so an
//! out-of-bounds read would be a panic). Tables that still validate (corruptions
//! that only a sort check could see, names with any byte) must answer every query,
//! also within a time bound.
#![cfg(feature = "std")]

mod sfile;

use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use kallsyms::build::{build, parse_map, Options, ParseMode, SymbolList};
use kallsyms::{
    AddressEncoding, Array, Checks, Endian, FormatError, FormatErrorKind, Layout, Match, RawTable,
    SeqsFormat, SeqsKey, Table, KSYM_NAME_LEN, MAX_SYMS,
};

use Array::*;
use FormatErrorKind::*;

/// Time any validation or sweep may take before it counts as a hang.
const BOUND: Duration = Duration::from_secs(30);

/// Owned arrays, so that a test can corrupt one and move the rest to a thread.
#[derive(Clone, Debug)]
struct Arrays {
    layout: Layout,
    num_syms: u32,
    names: Vec<u8>,
    markers: Vec<u8>,
    token_table: Vec<u8>,
    token_index: Vec<u8>,
    offsets: Vec<u8>,
    relative_base: u64,
    offsets_addr: u64,
    seqs: Vec<u8>,
}

impl Arrays {
    fn from_raw(raw: &RawTable<'_>, layout: Layout) -> Arrays {
        Arrays {
            layout,
            num_syms: raw.num_syms,
            names: raw.names.to_vec(),
            markers: raw.markers.to_vec(),
            token_table: raw.token_table.to_vec(),
            token_index: raw.token_index.to_vec(),
            offsets: raw.offsets.to_vec(),
            relative_base: raw.relative_base,
            offsets_addr: raw.offsets_addr,
            seqs: raw.seqs_of_names.to_vec(),
        }
    }

    fn raw(&self) -> RawTable<'_> {
        RawTable {
            num_syms: self.num_syms,
            names: &self.names,
            markers: &self.markers,
            token_table: &self.token_table,
            token_index: &self.token_index,
            offsets: &self.offsets,
            relative_base: self.relative_base,
            offsets_addr: self.offsets_addr,
            seqs_of_names: &self.seqs,
        }
    }

    /// Validates with `checks` on another thread, failing the test on a hang. A
    /// table that validates is swept (every query) within the same bound.
    fn validate(&self, checks: Checks) -> Result<(), FormatError> {
        let a = self.clone();
        within(move || {
            let t = Table::with_checks(a.raw(), a.layout, checks)?;
            sweep(&t);
            Ok(())
        })
    }

    /// The error of the full validation; fails the test if the table validates.
    fn error(&self) -> FormatError {
        self.validate(Checks::Full)
            .expect_err("a corrupted table validated")
    }

    fn endian(&self) -> Endian {
        self.layout.endian
    }

    fn u16_at(&self, bytes: &[u8], i: usize) -> u16 {
        let b = [bytes[2 * i], bytes[2 * i + 1]];
        match self.endian() {
            Endian::Little => u16::from_le_bytes(b),
            Endian::Big => u16::from_be_bytes(b),
        }
    }

    /// A copy with `u32` entry `i` of the array `which` set to `v`.
    fn with_u32(&self, which: fn(&mut Arrays) -> &mut Vec<u8>, i: usize, v: u32) -> Arrays {
        let e = self.endian();
        let mut a = self.clone();
        let b = match e {
            Endian::Little => v.to_le_bytes(),
            Endian::Big => v.to_be_bytes(),
        };
        which(&mut a)[4 * i..4 * i + 4].copy_from_slice(&b);
        a
    }

    fn u32_at(&self, bytes: &[u8], i: usize) -> u32 {
        let b: [u8; 4] = bytes[4 * i..4 * i + 4].try_into().unwrap();
        match self.endian() {
            Endian::Little => u32::from_le_bytes(b),
            Endian::Big => u32::from_be_bytes(b),
        }
    }

    /// Start and length (without NUL) of token `c`, read independently.
    fn token(&self, c: u8) -> (usize, usize) {
        let s = usize::from(self.u16_at(&self.token_index, usize::from(c)));
        let len = self.token_table[s..].iter().position(|&b| b == 0).unwrap();
        (s, len)
    }

    /// Every record: (offset, header bytes, code count), and the end offset.
    fn records(&self) -> (Vec<(usize, usize, usize)>, usize) {
        let mut v = Vec::new();
        let mut off = 0;
        for _ in 0..self.num_syms {
            let b0 = self.names[off];
            let (len, hdr) = if b0 & 0x80 == 0 {
                (usize::from(b0), 1)
            } else {
                (
                    usize::from(b0 & 0x7f) | (usize::from(self.names[off + 1]) << 7),
                    2,
                )
            };
            v.push((off, hdr, len));
            off += hdr + len;
        }
        (v, off)
    }

    fn codes(&self, rec: (usize, usize, usize)) -> &[u8] {
        &self.names[rec.0 + rec.1..rec.0 + rec.1 + rec.2]
    }

    /// Expanded length (type included) of a record.
    fn expanded_len(&self, rec: (usize, usize, usize)) -> usize {
        self.codes(rec).iter().map(|&c| self.token(c).1).sum()
    }
}

fn markers_of(a: &mut Arrays) -> &mut Vec<u8> {
    &mut a.markers
}

fn offsets_of(a: &mut Arrays) -> &mut Vec<u8> {
    &mut a.offsets
}

/// Runs `f` on another thread; panics (failing the test) when it takes longer than
/// [`BOUND`], and passes its panics on.
fn within<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    let h = thread::spawn(move || {
        let _ = tx.send(f());
    });
    match rx.recv_timeout(BOUND) {
        Ok(v) => {
            h.join().unwrap();
            v
        }
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            // The closure panicked: re-raise its panic here.
            std::panic::resume_unwind(h.join().unwrap_err())
        }
        Err(mpsc::RecvTimeoutError::Timeout) => panic!("no answer within {BOUND:?}: a hang"),
    }
}

/// Every query, on every symbol: must terminate (the caller bounds the time) and
/// must not panic. Answers are checked only where they cannot depend on a name
/// order that `Checks::SkipNameOrder` did not check.
fn sweep(t: &Table<'_>) {
    let mut buf = [0u8; KSYM_NAME_LEN];
    let mut names = Vec::new();
    for s in t.iter() {
        let name = t.name(&s, &mut buf).to_vec();
        assert!(name.len() < KSYM_NAME_LEN);
        assert_eq!(t.name_len(&s), name.len());
        names.push((s, name));
    }
    assert_eq!(names.len(), t.len() as usize);
    let step = (names.len() / 64).max(1);
    for (s, name) in names.iter().step_by(step) {
        if let Some(found) = t.lookup_name(name) {
            let mut b = [0u8; KSYM_NAME_LEN];
            assert_eq!(t.name(&found, &mut b), &name[..]);
        }
        for opts in [Match::EXACT, Match::ALL] {
            let count = t.count_matches(name, opts);
            let n = t.matches(name, opts).count() as u32;
            let _ = (count, n);
            for sympos in [0, 1, 2, n + 1] {
                let _ = t.resolve(name, opts, sympos);
            }
            let _ = t.sympos_of(s.index, opts);
        }
        let _ = t.lookup_names(name);
        let (sym, pos) = t.lookup_address(s.address).expect("own address");
        assert_eq!(sym.address, s.address);
        assert_eq!(pos.offset, 0);
        let mut text = [0u8; 600];
        t.sprint_symbol(s.address.wrapping_add(1), &mut text)
            .unwrap();
        let _ = t.size_of(s.index);
    }
    for j in 0..t.len() {
        assert!(t.name_index_entry(j).unwrap() < t.len());
    }
    for a in [0, 1, u64::MAX] {
        let _ = t.lookup_address(a);
    }
}

// ---- the real tables ------------------------------------------------------------------

/// A table built by the builder from `count` lines of the Debian map from line
/// `from` (more than two marker blocks), in `layout`.
fn built(layout: Layout, from: usize, count: usize) -> Arrays {
    let map = sfile::data("debian-6.1.176-amd64.System.map");
    let lines: Vec<&[u8]> = map.split(|&b| b == b'\n').skip(from).take(count).collect();
    let text: Vec<u8> = lines
        .iter()
        .flat_map(|l| l.iter().chain(b"\n"))
        .copied()
        .collect();
    let list = parse_map(&text, ParseMode::Kallsyms).unwrap();
    let built = build(
        list,
        &Options {
            all_symbols: true,
            ..Options::default()
        },
    )
    .unwrap();
    let owned = built.owned_table(layout).unwrap();
    owned.table().expect("the builder's table validates");
    Arrays::from_raw(&owned.raw(), layout)
}

/// 700 symbols of the Debian 6.1 map, 6.15 layout (base-relative, 3-byte seqs).
fn debian() -> Arrays {
    built(Layout::V6_15, 20_000, 700)
}

/// The real `scripts/kallsyms` output for the Rust v0 symbols (two-byte lengths).
fn rust_s() -> Arrays {
    let fx = &sfile::FIXTURES[2];
    let a = fx.arrays();
    Arrays::from_raw(&a.raw(), fx.layout())
}

#[test]
fn the_real_tables_validate() {
    for a in [debian(), rust_s()] {
        a.validate(Checks::Full).unwrap();
    }
}

// ---- truncated arrays -----------------------------------------------------------------

#[test]
fn truncated_names() {
    let a = debian();
    let (recs, end) = a.records();
    assert_eq!(end, a.names.len());
    // Cut inside record 300, then exactly at its start.
    let r = recs[300];
    let mut b = a.clone();
    b.names.truncate(r.0 + 2);
    assert_eq!(b.error(), FormatError::new(Names, 300, Truncated));
    b.names.truncate(r.0);
    assert_eq!(b.error(), FormatError::new(Names, 300, Truncated));
    // Cut at the start of record 512: its marker is still right.
    let mut b = a.clone();
    b.names.truncate(recs[512].0);
    assert_eq!(b.error(), FormatError::new(Names, 512, Truncated));
    // No names at all.
    let mut b = a.clone();
    b.names.clear();
    assert_eq!(b.error(), FormatError::new(Names, 0, Truncated));
}

#[test]
fn truncated_markers() {
    let a = debian();
    assert_eq!(a.markers.len(), 3 * 4);
    for keep in 0..3 {
        let mut b = a.clone();
        b.markers.truncate(4 * keep + 3);
        assert_eq!(b.error(), FormatError::new(Markers, keep as u32, Truncated));
    }
}

#[test]
fn truncated_token_index() {
    let a = debian();
    let mut b = a.clone();
    b.token_index.truncate(511);
    assert_eq!(b.error(), FormatError::new(TokenIndex, 255, Truncated));
    b.token_index.truncate(0);
    assert_eq!(b.error(), FormatError::new(TokenIndex, 0, Truncated));
}

#[test]
fn truncated_token_table() {
    let a = debian();
    let (s255, _) = a.token(255);
    // Tokens lie in code order: cutting at the start of token 255 leaves its index
    // entry pointing past the end.
    let mut b = a.clone();
    b.token_table.truncate(s255);
    assert_eq!(
        b.error(),
        FormatError::new(TokenIndex, 255, TokenOutOfRange)
    );
    // Cutting before its NUL leaves it unterminated.
    let mut b = a.clone();
    b.token_table.pop();
    let (_, len) = a.token(255);
    if len > 0 {
        assert_eq!(
            b.error(),
            FormatError::new(TokenTable, 255, TokenUnterminated)
        );
    }
    let mut b = a.clone();
    b.token_table.clear();
    assert_eq!(b.error(), FormatError::new(TokenIndex, 0, TokenOutOfRange));
}

#[test]
fn truncated_offsets() {
    let a = debian();
    for keep in [0usize, 1, 299, 699] {
        let mut b = a.clone();
        b.offsets.truncate(4 * keep + 2);
        assert_eq!(b.error(), FormatError::new(Offsets, keep as u32, Truncated));
    }
    // Absolute 64-bit entries: 8 bytes each.
    let a = built(
        Layout {
            addresses: AddressEncoding::Absolute,
            ..Layout::V6_15
        },
        20_000,
        700,
    );
    let mut b = a.clone();
    b.offsets.truncate(8 * 10 + 7);
    assert_eq!(b.error(), FormatError::new(Offsets, 10, Truncated));
}

#[test]
fn truncated_seqs_of_names() {
    for (seqs, width) in [(SeqsFormat::Be24, 3), (SeqsFormat::U32, 4)] {
        let a = built(
            Layout {
                seqs,
                ..Layout::V6_15
            },
            20_000,
            700,
        );
        assert_eq!(a.seqs.len(), 700 * width);
        let mut b = a.clone();
        b.seqs.truncate(width * 650 + 1);
        assert_eq!(b.error(), FormatError::new(SeqsOfNames, 650, Truncated));
        b.seqs.clear();
        assert_eq!(b.error(), FormatError::new(SeqsOfNames, 0, Truncated));
    }
    // Without a name index the array is not read at all.
    let mut a = built(
        Layout {
            seqs: SeqsFormat::None,
            ..Layout::V6_15
        },
        20_000,
        700,
    );
    a.seqs = vec![0xff; 5];
    a.validate(Checks::Full).unwrap();
}

// ---- num_syms -------------------------------------------------------------------------

#[test]
fn num_syms_larger_than_the_arrays() {
    let a = debian();
    let mut b = a.clone();
    b.num_syms = 701;
    assert_eq!(b.error(), FormatError::new(Names, 700, Truncated));
    // At a marker boundary the missing marker is found first.
    let a = built(Layout::V6_15, 20_000, 512);
    let mut b = a.clone();
    b.num_syms = 513;
    assert_eq!(b.error(), FormatError::new(Markers, 2, Truncated));
    // Counts no table can hold are refused before any array is read.
    for n in [MAX_SYMS + 1, u32::MAX] {
        let mut b = a.clone();
        b.num_syms = n;
        assert_eq!(b.error(), FormatError::new(NumSyms, 0, TooManySymbols));
    }
    // The largest legal count is walked only as far as the names go.
    let mut b = a.clone();
    b.num_syms = MAX_SYMS;
    assert_eq!(b.error(), FormatError::new(Markers, 2, Truncated));
    // Fewer symbols than the arrays hold: the names and addresses are a valid
    // shorter table, but the name index still holds the others' numbers.
    let mut b = a.clone();
    b.num_syms = 100;
    let j = (0..512)
        .find(|&j| b.seqs[3 * j..3 * j + 3] >= [0, 0, 100][..])
        .unwrap();
    assert_eq!(
        b.error(),
        FormatError::new(SeqsOfNames, j as u32, SeqOutOfRange)
    );
    b.layout.seqs = SeqsFormat::None;
    b.validate(Checks::Full).unwrap();
}

#[test]
fn a_length_byte_that_runs_past_the_end() {
    let a = debian();
    let (recs, end) = a.records();
    let last = recs[699];
    assert_eq!(last.1, 1);
    let mut b = a.clone();
    // The last record claims more codes than there are bytes left.
    b.names[last.0] = (end - last.0) as u8;
    assert_eq!(b.error(), FormatError::new(Names, 699, Truncated));
    // A two-byte length of 0x3fff codes, as the last record.
    let mut b = a.clone();
    b.names.truncate(last.0);
    b.names.extend_from_slice(&[0xff, 0x7f, 1, 2, 3]);
    assert_eq!(b.error(), FormatError::new(Names, 699, Truncated));
    // A two-byte length whose second byte is missing.
    b.names.truncate(last.0 + 1);
    assert_eq!(b.error(), FormatError::new(Names, 699, Truncated));
}

#[test]
fn a_zero_length_record() {
    let a = debian();
    let (recs, _) = a.records();
    let mut b = a.clone();
    b.names[recs[10].0] = 0;
    assert_eq!(b.error(), FormatError::new(Names, 10, ZeroLength));
}

#[test]
fn a_two_byte_length_with_bit_7_in_the_second_byte() {
    let a = rust_s();
    let (recs, _) = a.records();
    let (i, r) = recs
        .iter()
        .enumerate()
        .find(|(_, r)| r.1 == 2)
        .expect("the Rust table has two-byte lengths");
    assert!(i > 0);
    let mut b = a.clone();
    b.names[r.0 + 1] |= 0x80;
    assert_eq!(b.error(), FormatError::new(Names, i as u32, BadLength));
    // A one-byte length turned into a two-byte one whose second byte (the first
    // code) has bit 7 set.
    let (k, r) = recs
        .iter()
        .enumerate()
        .find(|(_, r)| r.1 == 1 && a.names[r.0 + 1] & 0x80 != 0)
        .expect("a record whose first code is above 0x7f");
    let mut b = a.clone();
    b.names[r.0] |= 0x80;
    assert_eq!(b.error(), FormatError::new(Names, k as u32, BadLength));
}

// ---- tokens ---------------------------------------------------------------------------

#[test]
fn a_token_index_past_the_token_table() {
    let a = debian();
    for (code, at) in [
        (0usize, a.token_table.len()),
        (77, a.token_table.len() + 1),
        (255, 0xffff),
    ] {
        let mut b = a.clone();
        let v = (at as u16).to_le_bytes();
        b.token_index[2 * code..2 * code + 2].copy_from_slice(&v);
        assert_eq!(
            b.error(),
            FormatError::new(TokenIndex, code as u32, TokenOutOfRange)
        );
    }
}

#[test]
fn a_token_without_its_nul() {
    let a = debian();
    // The last token's NUL is the table's last byte.
    assert_eq!(a.token_table.last(), Some(&0));
    let (s, len) = a.token(255);
    assert_eq!(s + len + 1, a.token_table.len());
    let mut b = a.clone();
    *b.token_table.last_mut().unwrap() = b'x';
    assert_eq!(
        b.error(),
        FormatError::new(TokenTable, 255, TokenUnterminated)
    );
    // A token whose NUL is gone runs into the next one: a longer token, which
    // nothing can tell from a real one; the table still validates (and answers),
    // unless a name grows too long.
    let (s0, len0) = a.token(0);
    let mut b = a.clone();
    b.token_table[s0 + len0] = b'y';
    match b.validate(Checks::Full) {
        Ok(()) => {}
        Err(e) => assert!(matches!(e.kind, NameTooLong | SeqNotSorted), "{e:?}"),
    }
}

#[test]
fn a_token_that_expands_to_nothing() {
    let a = debian();
    let (recs, _) = a.records();
    // A code used by some name, not in the first record: point it at a NUL.
    let (first_use, code) = recs
        .iter()
        .enumerate()
        .skip(5)
        .find_map(|(i, &r)| {
            let c = *a.codes(r).last().unwrap();
            let earlier = recs[..i].iter().any(|&p| a.codes(p).contains(&c));
            (!earlier).then_some((i, c))
        })
        .expect("a code first used after record 5");
    let (s, len) = a.token(code);
    let mut b = a.clone();
    let nul = (s + len) as u16;
    b.token_index[2 * usize::from(code)..2 * usize::from(code) + 2]
        .copy_from_slice(&nul.to_le_bytes());
    assert_eq!(
        b.error(),
        FormatError::new(Names, first_use as u32, EmptyToken)
    );
    // An empty token no name uses is fine.
    let unused = (0..=255u8).find(|&c| !recs.iter().any(|&r| a.codes(r).contains(&c)));
    if let Some(c) = unused {
        let mut b = a.clone();
        b.token_index[2 * usize::from(c)..2 * usize::from(c) + 2]
            .copy_from_slice(&nul.to_le_bytes());
        b.validate(Checks::Full).unwrap();
    }
}

// ---- markers --------------------------------------------------------------------------

#[test]
fn markers_off_record_starts_or_not_increasing() {
    let a = debian();
    let m1 = a.u32_at(&a.markers, 1);
    let m2 = a.u32_at(&a.markers, 2);
    let mk: fn(&mut Arrays) -> &mut Vec<u8> = markers_of;
    for (k, v) in [
        (0, 1),
        (1, m1 + 1),
        (1, m1 - 1),
        (2, m1),
        (2, m2 + 0x1000),
        (1, u32::MAX),
    ] {
        let b = a.with_u32(mk, k, v);
        assert_eq!(
            b.error(),
            FormatError::new(Markers, k as u32, BadMarker),
            "marker {k} = {v:#x}"
        );
    }
    // Markers past the ones needed are not read.
    let mut b = a.clone();
    b.markers.extend_from_slice(&[0xff; 12]);
    b.validate(Checks::Full).unwrap();
}

// ---- addresses ------------------------------------------------------------------------

#[test]
fn offsets_not_sorted() {
    let a = debian();
    let off: fn(&mut Arrays) -> &mut Vec<u8> = offsets_of;
    // Swap two entries with different addresses.
    let i = (100..699)
        .find(|&i| a.u32_at(&a.offsets, i) < a.u32_at(&a.offsets, i + 1))
        .unwrap();
    let (x, y) = (a.u32_at(&a.offsets, i), a.u32_at(&a.offsets, i + 1));
    let b = a.with_u32(off, i, y).with_u32(off, i + 1, x);
    assert_eq!(
        b.error(),
        FormatError::new(Offsets, i as u32 + 1, NotSorted)
    );
    // The first entry above all others.
    let last = a.u32_at(&a.offsets, 699);
    let b = a.with_u32(off, 0, last + 1);
    assert_eq!(b.error(), FormatError::new(Offsets, 1, NotSorted));
}

#[test]
fn address_overflow_in_every_encoding() {
    let off: fn(&mut Arrays) -> &mut Vec<u8> = offsets_of;
    let base = debian();
    let layout = |addresses, ptr_bytes| Layout {
        addresses,
        ptr_bytes,
        ..Layout::V6_15
    };

    // Base-relative: base + offset wraps.
    let mut a = base.clone();
    a.relative_base = u64::MAX - 0x10;
    let i = (0..700).find(|&i| a.u32_at(&a.offsets, i) > 0x10).unwrap();
    assert_eq!(
        a.error(),
        FormatError::new(Offsets, i as u32, AddressOverflow)
    );
    // ... or does not fit 32 bits.
    let mut a = base.clone();
    a.layout = layout(AddressEncoding::Relative, 4);
    a.relative_base = u64::from(u32::MAX) - 0x10;
    assert_eq!(
        a.error(),
        FormatError::new(Offsets, i as u32, AddressOverflow)
    );

    // Absolute per-cpu: base - 1 - offset wraps for negative entries.
    let mut a = built(Layout::V6_12_X86_64, 20_000, 700);
    let neg = (0..700)
        .find(|&i| (a.u32_at(&a.offsets, i) as i32) < -1)
        .unwrap();
    a.relative_base = u64::MAX;
    assert_eq!(
        a.error(),
        FormatError::new(Offsets, neg as u32, AddressOverflow)
    );
    // Non-negative entries are absolute and cannot overflow; with 32-bit
    // pointers a negative one can exceed 32 bits.
    let mut a = built(Layout::V6_12_X86_64, 20_000, 700);
    a.layout.ptr_bytes = 4;
    a.relative_base = u64::from(u32::MAX);
    assert_eq!(
        a.error(),
        FormatError::new(Offsets, neg as u32, AddressOverflow)
    );

    // Place-relative: the entry's own address plus its value.
    let mut a = built(Layout::V7_0, 20_000, 700);
    a.offsets_addr = u64::MAX - 3;
    let b = a.with_u32(off, 0, 0);
    assert_eq!(b.error(), FormatError::new(Offsets, 1, AddressOverflow));
    let mut b = a.with_u32(off, 0, (-1i32) as u32);
    b.offsets_addr = 0;
    assert_eq!(b.error(), FormatError::new(Offsets, 0, AddressOverflow));
    let mut b = a.clone();
    b.layout.ptr_bytes = 4;
    b.offsets_addr = u64::from(u32::MAX) - 8;
    let b = b.with_u32(off, 0, 0x100);
    assert_eq!(b.error(), FormatError::new(Offsets, 0, AddressOverflow));

    // Absolute and raw 32-bit entries hold the address itself: no arithmetic, no
    // overflow. The largest values are accepted.
    let mut a = built(layout(AddressEncoding::Absolute, 8), 20_000, 700);
    let n = a.offsets.len();
    a.offsets[n - 8..].copy_from_slice(&u64::MAX.to_le_bytes());
    a.validate(Checks::Full).unwrap();
    let mut a = base.clone();
    a.layout = layout(AddressEncoding::Raw32, 8);
    let a = a.with_u32(off, 699, u32::MAX);
    a.validate(Checks::Full).unwrap();
}

// ---- the name index -------------------------------------------------------------------

#[test]
fn seqs_of_names_out_of_range() {
    for seqs in [SeqsFormat::Be24, SeqsFormat::U32] {
        let a = built(
            Layout {
                seqs,
                ..Layout::V6_15
            },
            20_000,
            700,
        );
        for (j, v) in [(0usize, 700u32), (350, 0xff_ffff), (699, 700)] {
            let mut b = a.clone();
            match seqs {
                SeqsFormat::Be24 => b.seqs[3 * j..3 * j + 3].copy_from_slice(&v.to_be_bytes()[1..]),
                _ => b.seqs[4 * j..4 * j + 4].copy_from_slice(&v.to_le_bytes()),
            }
            for checks in [Checks::Full, Checks::SkipNameOrder] {
                assert_eq!(
                    b.validate(checks).unwrap_err(),
                    FormatError::new(SeqsOfNames, j as u32, SeqOutOfRange),
                    "{seqs:?} {checks:?}"
                );
            }
        }
    }
}

#[test]
fn seqs_of_names_repeated_or_not_sorted() {
    let a = debian();
    let entry = |a: &Arrays, j: usize| a.seqs[3 * j..3 * j + 3].to_vec();
    // A repeated entry (the one before it).
    let mut b = a.clone();
    let prev = entry(&a, 199);
    b.seqs[3 * 200..3 * 200 + 3].copy_from_slice(&prev);
    assert_eq!(b.error(), FormatError::new(SeqsOfNames, 200, SeqNotSorted));
    // Two neighbours swapped.
    let mut b = a.clone();
    let (x, y) = (entry(&a, 300), entry(&a, 301));
    b.seqs[3 * 300..3 * 300 + 3].copy_from_slice(&y);
    b.seqs[3 * 301..3 * 301 + 3].copy_from_slice(&x);
    assert_eq!(b.error(), FormatError::new(SeqsOfNames, 301, SeqNotSorted));
    // Address order instead of name order.
    let mut b = a.clone();
    for j in 0..700u32 {
        b.seqs[3 * j as usize..3 * j as usize + 3].copy_from_slice(&j.to_be_bytes()[1..]);
    }
    let e = b.error();
    assert_eq!((e.array, e.kind), (SeqsOfNames, SeqNotSorted));
    // Without the order check each of these still validates and answers every
    // query in bounded time (lookups may miss: the index is wrong).
    b.validate(Checks::SkipNameOrder).unwrap();
    let mut b = a.clone();
    b.seqs[3 * 200..3 * 200 + 3].copy_from_slice(&prev);
    b.validate(Checks::SkipNameOrder).unwrap();
    // All entries equal.
    let mut b = a.clone();
    for j in 0..700 {
        b.seqs[3 * j..3 * j + 3].copy_from_slice(&[0, 0, 7]);
    }
    assert_eq!(b.error(), FormatError::new(SeqsOfNames, 1, SeqNotSorted));
    b.validate(Checks::SkipNameOrder).unwrap();
    // Reversed.
    let mut b = a.clone();
    let rev: Vec<Vec<u8>> = (0..700).rev().map(|j| entry(&a, j)).collect();
    b.seqs = rev.concat();
    assert_eq!(b.error(), FormatError::new(SeqsOfNames, 1, SeqNotSorted));
    b.validate(Checks::SkipNameOrder).unwrap();
}

#[test]
fn seqs_sorted_under_another_key() {
    // A table whose index is sorted by the name cut at ".llvm." read as one sorted
    // by full name (or the other way round) is refused, not misread.
    let map = sfile::data("linux-6.12-clang19-thinlto-x86_64.System.map");
    let lines: Vec<&[u8]> = map
        .split(|&b| b == b'\n')
        .filter(|l| l.windows(6).any(|w| w == b".llvm."))
        .take(300)
        .collect();
    let mut list = SymbolList::new();
    for (k, l) in lines.iter().enumerate() {
        list.push(0x1000 + 16 * k as u64, b't', &l[19..]);
        // The same name without its suffix, elsewhere.
        let p = l.windows(6).position(|w| w == b".llvm.").unwrap();
        list.push(0x9000 + 16 * k as u64, b't', &l[19..p]);
    }
    let b = build(
        list,
        &Options {
            all_symbols: true,
            ..Options::default()
        },
    )
    .unwrap();
    let cut = Layout {
        seqs_key: SeqsKey::CutAtLlvm,
        ..Layout::V6_15
    };
    let owned = b.owned_table(cut).unwrap();
    let a = Arrays::from_raw(&owned.raw(), cut);
    a.validate(Checks::Full).unwrap();
    let mut full = a.clone();
    full.layout.seqs_key = SeqsKey::FullName;
    let e = full.error();
    assert_eq!((e.array, e.kind), (SeqsOfNames, SeqNotSorted));
    full.validate(Checks::SkipNameOrder).unwrap();
}

// ---- names ----------------------------------------------------------------------------

#[test]
fn a_name_longer_than_511_bytes() {
    let a = debian();
    let (recs, _) = a.records();
    // Lengthen one token so that exactly the longest names using it pass 512 bytes
    // (type letter included): the first record over is the error.
    let code = *a.codes(recs[40]).last().unwrap();
    let (_, len) = a.token(code);
    let uses = |r: (usize, usize, usize)| a.codes(r).iter().filter(|&&c| c == code).count();
    let longest = recs
        .iter()
        .filter(|&&r| uses(r) > 0)
        .map(|&r| a.expanded_len(r))
        .max()
        .unwrap();
    // Grow the token by `extra` bytes: names using it k times grow by k * extra.
    let extra = KSYM_NAME_LEN + 1 - longest;
    let first_over = recs
        .iter()
        .position(|&r| uses(r) > 0 && a.expanded_len(r) + uses(r) * extra > KSYM_NAME_LEN)
        .unwrap();
    let mut b = a.clone();
    let (s, _) = a.token(code);
    let mut text = a.token_table[s..s + len].to_vec();
    text.extend(std::iter::repeat(b'z').take(extra));
    text.push(0);
    let at = b.token_table.len() as u16;
    b.token_table.extend_from_slice(&text);
    b.token_index[2 * usize::from(code)..2 * usize::from(code) + 2]
        .copy_from_slice(&at.to_le_bytes());
    assert_eq!(
        b.error(),
        FormatError::new(Names, first_over as u32, NameTooLong)
    );
    // One byte less: the longest name is then exactly 511 bytes, and valid.
    let mut c = b.clone();
    let n = c.token_table.len();
    c.token_table.remove(n - 2);
    match c.validate(Checks::Full) {
        Ok(()) => {}
        // The longer token may reorder names; the order check may see that.
        Err(e) => assert_eq!(e.kind, SeqNotSorted),
    }
    // A token longer than any name is refused at its first use, by token.
    let mut d = a.clone();
    let at = d.token_table.len() as u16;
    d.token_table
        .extend(std::iter::repeat(b'z').take(KSYM_NAME_LEN + 1));
    d.token_table.push(0);
    d.token_index[2 * usize::from(code)..2 * usize::from(code) + 2]
        .copy_from_slice(&at.to_le_bytes());
    assert_eq!(
        d.error(),
        FormatError::new(TokenTable, u32::from(code), NameTooLong)
    );
}

#[test]
fn names_of_511_bytes_and_over() {
    // The builder keeps 511-byte names and drops longer ones; the reader reads
    // them back whole.
    let mut list = SymbolList::new();
    let long: Vec<u8> = (0..511).map(|i| b'a' + (i % 26) as u8).collect();
    list.push(0x1000, b'T', &long);
    list.push(0x1010, b'T', &[&long[..], b"x"].concat());
    list.push(0x1020, b'T', b"short");
    let b = build(
        list,
        &Options {
            all_symbols: true,
            ..Options::default()
        },
    )
    .unwrap();
    assert_eq!(b.len(), 2);
    let owned = b.owned_table(Layout::V6_15).unwrap();
    let t = owned.table().unwrap();
    let mut buf = [0u8; KSYM_NAME_LEN];
    let s = t.symbol(0).unwrap();
    assert_eq!(t.name(&s, &mut buf), &long[..]);
    assert_eq!(t.max_name_len(), 511);
    assert_eq!(t.lookup_name(&long).map(|s| s.index), Some(0));
    assert_eq!(t.lookup_name(&[&long[..], b"x"].concat()), None);
}

#[test]
fn names_with_bytes_0x80_to_0xff() {
    // Every byte but NUL may be in a name; the name index is sorted by unsigned
    // bytes (`strcmp()`), so names with high bytes sort after ASCII ones.
    let mut list = SymbolList::new();
    let mut names = Vec::new();
    for (k, hi) in (0x80..=0xffu8).enumerate() {
        let name = vec![b'f', hi, b'.', b'0' + (k % 10) as u8];
        list.push(
            0x1000 + 4 * k as u64,
            if k % 2 == 0 { b'T' } else { hi },
            &name,
        );
        names.push(name);
    }
    list.push(0x9000, b'T', b"f");
    list.push(0x9004, b'T', b"f\x7f");
    names.push(b"f".to_vec());
    names.push(b"f\x7f".to_vec());
    let b = build(
        list,
        &Options {
            all_symbols: true,
            ..Options::default()
        },
    )
    .unwrap();
    let owned = b.owned_table(Layout::V6_15).unwrap();
    let a = Arrays::from_raw(&owned.raw(), Layout::V6_15);
    a.validate(Checks::Full).unwrap();
    let t = owned.table().unwrap();
    for (i, name) in names.iter().enumerate() {
        let s = t.lookup_name(name).unwrap_or_else(|| panic!("{name:x?}"));
        assert_eq!(s.index, i as u32);
    }
    // Name order: "f", "f\x7f", then the high bytes in unsigned order.
    let order: Vec<u32> = (0..t.len())
        .map(|j| t.name_index_entry(j).unwrap())
        .collect();
    assert_eq!(order[0], 128);
    assert_eq!(order[1], 129);
    assert_eq!(&order[2..], &(0..128).collect::<Vec<u32>>()[..]);
    // Suffix matching across them: "f\xNN" has the numbered suffix ".<k>".
    let m: Vec<u32> = t
        .matches(b"f\x80", Match::NUMBERED)
        .map(|f| f.symbol.index)
        .collect();
    assert_eq!(m, [0]);
    // An index sorted as if bytes were signed (a tool comparing `char`s on a
    // signed-char machine) puts the high bytes before "f\x7f" (but after "f", a
    // prefix): refused where "f\x7f" follows them.
    let mut signed = a.clone();
    let mut o = order.clone();
    o.sort_by_key(|&i| {
        names[i as usize]
            .iter()
            .map(|&c| c as i8)
            .collect::<Vec<i8>>()
    });
    signed.seqs = o
        .iter()
        .flat_map(|&i| i.to_be_bytes()[1..].to_vec())
        .collect();
    let e = signed.error();
    assert_eq!((e.array, e.kind, e.index), (SeqsOfNames, SeqNotSorted, 129));
    signed.validate(Checks::SkipNameOrder).unwrap();
}

// ---- layouts --------------------------------------------------------------------------

#[test]
fn an_impossible_layout() {
    let a = debian();
    for ptr_bytes in [0, 1, 3, 16] {
        let mut b = a.clone();
        b.layout.ptr_bytes = ptr_bytes;
        assert_eq!(b.error(), FormatError::new(Array::Layout, 0, BadLayout));
    }
    // The same arrays read as big-endian: the first token offset that, swapped,
    // points past the table.
    let mut b = a.clone();
    b.layout.endian = Endian::Big;
    let k = (0..256)
        .find(|&k| usize::from(b.u16_at(&b.token_index, k)) >= b.token_table.len())
        .expect("a swapped offset past the table");
    assert_eq!(
        b.error(),
        FormatError::new(TokenIndex, k as u32, TokenOutOfRange)
    );
}

#[test]
fn empty_tables() {
    let a = debian();
    let mut b = a.clone();
    b.num_syms = 0;
    b.validate(Checks::Full).unwrap();
    // No arrays at all but the token arrays.
    let b = Arrays {
        num_syms: 0,
        names: Vec::new(),
        markers: Vec::new(),
        offsets: Vec::new(),
        seqs: Vec::new(),
        ..a.clone()
    };
    b.validate(Checks::Full).unwrap();
    let t_arrays = b.clone();
    let t = Table::new(t_arrays.raw(), t_arrays.layout).unwrap();
    assert!(t.is_empty());
    assert_eq!(t.lookup_name(b"x"), None);
    assert_eq!(t.lookup_address(0), None);
    assert_eq!(t.matches(b"x", Match::ALL).count(), 0);
}

// ---- accelerators ---------------------------------------------------------------------

#[test]
fn hostile_accelerators_are_refused() {
    use kallsyms::accel::{
        distinct_names, fill_block_offsets, fill_hash_index, fill_name_offsets, hash_index_len,
        AddressCache, ProbeCache, HASH_EMPTY, HASH_SLOT_WORDS,
    };
    let a = debian();
    let t = Table::new(a.raw(), a.layout).unwrap();
    let other = built(Layout::V6_15, 30_000, 700);
    let u = Table::new(other.raw(), other.layout).unwrap();

    // A probe cache of another table.
    let mut cache = Box::<ProbeCache>::default();
    cache.fill(&u);
    let e = t.clone().with_probe_cache(&cache).unwrap_err();
    assert_eq!(e, FormatError::new(Names, 0, BadMarker));
    cache.fill(&t);
    t.clone().with_probe_cache(&cache).unwrap();

    // An address cache of another table: refused at the first entry that differs,
    // named by its symbol (entry k is symbol k * 700 / 512).
    let mut addresses = Box::<AddressCache>::default();
    addresses.fill(&u);
    let e = t.clone().with_address_cache(&addresses).unwrap_err();
    let first = (0..512u32)
        .find(|&k| t.address(k * 700 / 512) != u.address(k * u.len() / 512))
        .unwrap();
    assert_eq!(e, FormatError::new(Offsets, first * 700 / 512, BadMarker));
    addresses.fill(&t);
    let with = t.clone().with_address_cache(&addresses).unwrap();
    for i in [0, 1, 349, 350, 699] {
        let a = t.address(i);
        assert_eq!(with.lookup_address(a), t.lookup_address(a));
        assert_eq!(with.lookup_address(a + 1), t.lookup_address(a + 1));
    }

    // Block offsets: short, or one entry off.
    let mut blocks = vec![0u16; 700];
    fill_block_offsets(&t, &mut blocks).unwrap();
    let e = t.clone().with_block_offsets(&blocks[..699]).unwrap_err();
    assert_eq!(e, FormatError::new(Names, 0, Truncated));
    let mut bad = blocks.clone();
    bad[300] += 1;
    let e = t.clone().with_block_offsets(&bad).unwrap_err();
    assert_eq!(e, FormatError::new(Names, 300, BadMarker));
    bad[300] = u16::MAX;
    assert!(t.clone().with_block_offsets(&bad).is_err());

    // Name offsets: short, or one entry off.
    let mut names = vec![0u16; 700];
    fill_name_offsets(&t, &mut names).unwrap();
    let e = t.clone().with_name_offsets(&names[..699]).unwrap_err();
    assert_eq!(e, FormatError::new(SeqsOfNames, 0, BadLayout));
    let mut bad = names.clone();
    bad[123] ^= 1;
    let e = t.clone().with_name_offsets(&bad).unwrap_err();
    assert_eq!(e, FormatError::new(Names, 123, BadMarker));
    let named = t.clone().with_name_offsets(&names).unwrap();

    // Hash index: a slot naming a symbol out of range, a slot moved, one missing,
    // one extra, one pointing at another record, all empty.
    let mut hash = vec![0u16; hash_index_len(distinct_names(&t))];
    fill_hash_index(&t, &mut hash).unwrap();
    let good = t.clone().with_hash_index(&hash).unwrap();
    let w = HASH_SLOT_WORDS;
    let slots = hash.len() / w;
    let full: Vec<usize> = (0..slots)
        .filter(|&s| hash[s * w + 2] != HASH_EMPTY)
        .collect();
    let empty = (0..slots).find(|&s| hash[s * w + 2] == HASH_EMPTY).unwrap();
    let mut h = hash.clone();
    h[full[0] * w + 1] = 0x7fff;
    let e = t.clone().with_hash_index(&h).unwrap_err();
    assert_eq!((e.array, e.kind), (SeqsOfNames, SeqNotSorted));
    assert!(e.index >= 0x7fff * 256);
    let mut h = hash.clone();
    h[full[1] * w + 2] = HASH_EMPTY;
    let e = t.clone().with_hash_index(&h).unwrap_err();
    assert_eq!((e.array, e.kind), (SeqsOfNames, SeqNotSorted));
    let mut h = hash.clone();
    h.copy_within(full[2] * w..full[2] * w + w, empty * w);
    let e = t.clone().with_hash_index(&h).unwrap_err();
    assert_eq!((e.array, e.kind), (SeqsOfNames, SeqNotSorted));
    let mut h = hash.clone();
    h[full[3] * w] = h[full[3] * w].wrapping_add(1);
    let e = t.clone().with_hash_index(&h).unwrap_err();
    assert_eq!((e.array, e.kind), (SeqsOfNames, SeqNotSorted));
    let h = vec![HASH_EMPTY; hash.len()];
    assert!(t.clone().with_hash_index(&h).is_err());
    assert!(t.clone().with_hash_index(&[]).is_err());
    assert!(t.clone().with_hash_index(&hash[..hash.len() - 1]).is_err());
    // Random slots never attach, and never hang or panic on the way.
    let mut x = 0x1234_5678u32;
    for _ in 0..50 {
        let h: Vec<u16> = (0..hash.len())
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                x as u16
            })
            .collect();
        assert!(t.clone().with_hash_index(&h).is_err());
    }
    // The real one answers like the bare table.
    let mut buf = [0u8; KSYM_NAME_LEN];
    for s in t.iter().step_by(7) {
        let name = t.name(&s, &mut buf).to_vec();
        assert_eq!(good.lookup_name(&name), t.lookup_name(&name));
        assert_eq!(named.lookup_name(&name), t.lookup_name(&name));
    }
}
