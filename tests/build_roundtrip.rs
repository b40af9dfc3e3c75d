// SPDX-License-Identifier: GPL-2.0-only OR MIT
//! Every layout the reader knows, built from every real symbol set: the arrays of an
//! [`OwnedTable`] decode (with a small decoder written here from the kernel's
//! `kernel/kallsyms.c`, independent of the crate's reader) to exactly the builder's
//! kept symbols, `kallsyms_seqs_of_names` is ordered by the layout's key, and the
//! crate's reader accepts the table.
#![cfg(feature = "std")]

mod support;

use std::collections::HashMap;

use kallsyms::build::{build, parse_map, BuildError, Built, OwnedTable, ParseMode, SymbolList};
use kallsyms::{AddressEncoding, Checks, Endian, Layout, RawTable, SeqsFormat, SeqsKey, Table};
use support::Set;

/// Every combination of the layout's fields.
fn all_layouts() -> Vec<Layout> {
    let mut v = Vec::new();
    for addresses in [
        AddressEncoding::Absolute,
        AddressEncoding::Relative,
        AddressEncoding::AbsolutePercpu,
        AddressEncoding::PlaceRelative,
        AddressEncoding::Raw32,
    ] {
        for seqs in [SeqsFormat::None, SeqsFormat::U32, SeqsFormat::Be24] {
            for seqs_key in [
                SeqsKey::FullName,
                SeqsKey::CutAtFirstDot,
                SeqsKey::CutAtLlvm,
            ] {
                for endian in [Endian::Little, Endian::Big] {
                    for ptr_bytes in [8, 4] {
                        v.push(Layout {
                            addresses,
                            seqs,
                            seqs_key,
                            endian,
                            ptr_bytes,
                        });
                    }
                }
            }
        }
    }
    v
}

fn read(bytes: &[u8], at: usize, n: usize, endian: Endian) -> u64 {
    let b = &bytes[at..at + n];
    match endian {
        Endian::Little => b.iter().rev().fold(0, |v, &x| v << 8 | u64::from(x)),
        Endian::Big => b.iter().fold(0, |v, &x| v << 8 | u64::from(x)),
    }
}

/// `kallsyms_expand_symbol()` for every symbol, with the markers checked on the way:
/// type character and name of each symbol.
fn decode_names(raw: &RawTable<'_>, endian: Endian) -> Vec<Vec<u8>> {
    let token = |code: u8| -> &[u8] {
        let at = read(raw.token_index, 2 * code as usize, 2, endian) as usize;
        let t = &raw.token_table[at..];
        &t[..t.iter().position(|&b| b == 0).expect("token NUL")]
    };
    let mut off = 0usize;
    let mut out = Vec::with_capacity(raw.num_syms as usize);
    for i in 0..raw.num_syms as usize {
        if i % 256 == 0 {
            assert_eq!(
                read(raw.markers, 4 * (i / 256), 4, endian),
                off as u64,
                "marker {i}"
            );
        }
        let mut len = raw.names[off] as usize;
        off += 1;
        if len & 0x80 != 0 {
            len = (len & 0x7f) | (raw.names[off] as usize) << 7;
            off += 1;
        }
        let mut name = Vec::new();
        for &c in &raw.names[off..off + len] {
            name.extend_from_slice(token(c));
        }
        off += len;
        out.push(name);
    }
    assert_eq!(off, raw.names.len(), "names array has trailing bytes");
    out
}

/// `kallsyms_sym_address(i)` for each encoding.
fn decode_address(raw: &RawTable<'_>, layout: Layout, i: usize) -> u64 {
    let e = layout.endian;
    let mask = if layout.ptr_bytes == 4 {
        u64::from(u32::MAX)
    } else {
        u64::MAX
    };
    match layout.addresses {
        AddressEncoding::Absolute => {
            let n = layout.ptr_bytes as usize;
            read(raw.offsets, n * i, n, e)
        }
        AddressEncoding::Relative => raw.relative_base + read(raw.offsets, 4 * i, 4, e),
        AddressEncoding::AbsolutePercpu => {
            let v = read(raw.offsets, 4 * i, 4, e) as u32 as i32;
            if v >= 0 {
                v as u64
            } else {
                raw.relative_base
                    .wrapping_sub(1)
                    .wrapping_sub(v as i64 as u64)
                    & mask
            }
        }
        AddressEncoding::PlaceRelative => {
            let v = read(raw.offsets, 4 * i, 4, e) as u32 as i32;
            (raw.offsets_addr + 4 * i as u64).wrapping_add(v as i64 as u64) & mask
        }
        AddressEncoding::Raw32 => read(raw.offsets, 4 * i, 4, e),
    }
}

/// The name key of `SeqsKey` (type character excluded).
fn key(name: &[u8], k: SeqsKey) -> &[u8] {
    let cut = match k {
        SeqsKey::FullName => None,
        SeqsKey::CutAtFirstDot => name.iter().position(|&b| b == b'.'),
        SeqsKey::CutAtLlvm => name.windows(6).position(|w| w == b".llvm."),
    };
    &name[..cut.unwrap_or(name.len())]
}

/// The builds of one set: as is, and with addresses cut to 32 bits (for layouts
/// that cannot hold 64-bit kernel addresses; the order of the real sets survives).
struct Builds {
    full: Built,
    narrow: Option<Built>,
    set: Set,
    list: SymbolList,
}

impl Builds {
    fn new(set: Set) -> Self {
        let map = support::fixture(set.map);
        let list = parse_map(&map, ParseMode::Kallsyms).expect("map parses");
        let full = build(list.clone(), &set.options()).expect("builds");
        Builds {
            full,
            narrow: None,
            set,
            list,
        }
    }

    fn narrow(&mut self) -> &Built {
        let (list, set) = (&self.list, self.set);
        self.narrow.get_or_insert_with(|| {
            let mut l = SymbolList::new();
            for s in list.iter() {
                l.push(s.addr & 0xffff_ffff, s.kind, s.name);
            }
            build(l, &set.options()).expect("narrow build")
        })
    }
}

fn check_set(set: Set) {
    let mut builds = Builds::new(set);
    // Decoded names and the arrays they came from, per build and byte order.
    type Arrays = (Vec<Vec<u8>>, [Vec<u8>; 4]);
    let mut names_seen: HashMap<(bool, Endian), Arrays> = HashMap::new();
    // Name indexes already checked, per build, format, key and byte order.
    let mut seqs_seen: HashMap<(bool, SeqsFormat, SeqsKey, Endian), Vec<u8>> = HashMap::new();
    let mut narrow_layouts = 0;
    for layout in all_layouts() {
        let (narrow, owned): (bool, OwnedTable) = match builds.full.owned_table(layout) {
            Ok(t) => (false, t),
            Err(BuildError::AddressOverflow { .. }) => {
                narrow_layouts += 1;
                let t = builds.narrow().owned_table(layout).unwrap_or_else(|e| {
                    panic!("{}: {layout}: {e}", set.name);
                });
                (true, t)
            }
            Err(e) => panic!("{}: {layout}: {e}", set.name),
        };
        let b = if narrow {
            builds.narrow()
        } else {
            &builds.full
        };
        let raw = owned.raw();
        let n = b.len();
        assert_eq!(raw.num_syms as usize, n);
        // The reader's own validation; its O(n x name) check of the name order once
        // per distinct name index, little-endian only (the same index either way;
        // this test checks the order of every index itself below).
        let seqs_key = (narrow, layout.seqs, layout.seqs_key, layout.endian);
        let fresh_seqs = !seqs_seen.contains_key(&seqs_key);
        let checks = if fresh_seqs && layout.endian == Endian::Little {
            Checks::Full
        } else {
            Checks::SkipNameOrder
        };
        if let Err(e) = Table::with_checks(raw, layout, checks) {
            panic!("{}: {layout}: the reader rejects the table: {e}", set.name);
        }

        // Names: decoded once per build and byte order; the arrays of every other
        // layout must be the same bytes.
        let arrays = [raw.names, raw.markers, raw.token_table, raw.token_index].map(<[u8]>::to_vec);
        let (names, first) = names_seen
            .entry((narrow, layout.endian))
            .or_insert_with(|| {
                let d = decode_names(&raw, layout.endian);
                for (i, (got, s)) in d.iter().zip(b.symbols()).enumerate() {
                    assert_eq!(got[0], s.kind, "{layout}: type of {i}");
                    assert_eq!(&got[1..], s.name, "{layout}: name of {i}");
                }
                (d, arrays.clone())
            });
        assert!(
            *first == arrays,
            "{layout}: name arrays differ between layouts"
        );
        assert_eq!(names.len(), n);

        // Addresses.
        for (i, s) in b.symbols().enumerate() {
            assert_eq!(
                decode_address(&raw, layout, i),
                s.addr,
                "{}: {layout}: address of {i} ({})",
                set.name,
                String::from_utf8_lossy(s.name)
            );
        }

        // The name index.
        let width = layout.seqs_entry_bytes();
        assert_eq!(raw.seqs_of_names.len(), n * width);
        if let Some(first) = seqs_seen.get(&seqs_key) {
            assert!(first == raw.seqs_of_names, "{layout}: name index differs");
            continue;
        }
        seqs_seen.insert(seqs_key, raw.seqs_of_names.to_vec());
        if width == 0 {
            continue;
        }
        let seqs: Vec<usize> = (0..n)
            .map(|j| match layout.seqs {
                SeqsFormat::Be24 => read(raw.seqs_of_names, 3 * j, 3, Endian::Big) as usize,
                _ => read(raw.seqs_of_names, 4 * j, 4, layout.endian) as usize,
            })
            .collect();
        let mut seen = vec![false; n];
        for &s in &seqs {
            assert!(
                !std::mem::replace(&mut seen[s], true),
                "{layout}: {s} twice"
            );
        }
        let addrs: Vec<u64> = b.symbols().map(|s| s.addr).collect();
        for w in seqs.windows(2) {
            let (x, y) = (w[0], w[1]);
            let kx = key(&names[x][1..], layout.seqs_key);
            let ky = key(&names[y][1..], layout.seqs_key);
            assert!(
                (kx, addrs[x], x) < (ky, addrs[y], y),
                "{layout}: seqs out of order at {x}, {y}"
            );
        }
    }
    // The real kernel sets need the narrow build for 32-bit layouts; user space
    // addresses (the Rust set) fit everywhere.
    if set.absolute_percpu {
        assert!(narrow_layouts > 0);
    }
}

#[test]
fn roundtrip_debian() {
    check_set(support::set("debian-6.1.176-amd64"));
}

#[test]
fn roundtrip_thinlto() {
    check_set(support::set("linux-6.12-clang19-thinlto-x86_64"));
}

#[test]
fn roundtrip_rust() {
    check_set(support::set("rust-v0-symbols"));
}

#[test]
fn place_relative_at_any_address() {
    let set = support::set("rust-v0-symbols");
    let b = Builds::new(set).full;
    for base in [0u64, 0x1000, 0xffff_ffff_8200_0000] {
        let layout = Layout {
            addresses: AddressEncoding::PlaceRelative,
            ..Layout::V7_0
        };
        let Ok(t) = b.owned_table_at(layout, base) else {
            continue;
        };
        let raw = t.raw();
        assert_eq!(raw.offsets_addr, base);
        for (i, s) in b.symbols().enumerate() {
            assert_eq!(decode_address(&raw, layout, i), s.addr);
        }
    }
}
