// SPDX-License-Identifier: GPL-2.0-only OR MIT
//! The reader on the real `scripts/kallsyms` output of every fixture, parsed from
//! its `.S` text (no assembler needed), and the kernel's own
//! `kernel/kallsyms_selftest.c` (6.12) checks ported to it.

mod sfile;

use std::collections::HashMap;

use kallsyms::{Match, MatchKind, Table, KSYM_NAME_LEN};

/// Every symbol of a table: (address, type, name), in address order.
fn decode_all(t: &Table<'_>) -> Vec<(u64, u8, Vec<u8>)> {
    let mut buf = [0u8; KSYM_NAME_LEN];
    t.iter()
        .map(|s| (s.address, s.type_letter, t.name(&s, &mut buf).to_vec()))
        .collect()
}

/// Address-ordered (index, address) lists per exact name: the brute-force reference.
fn by_name(all: &[(u64, u8, Vec<u8>)]) -> HashMap<&[u8], Vec<(u32, u64)>> {
    let mut m: HashMap<&[u8], Vec<(u32, u64)>> = HashMap::new();
    for (i, (a, _, n)) in all.iter().enumerate() {
        m.entry(n.as_slice()).or_default().push((i as u32, *a));
    }
    m
}

#[test]
fn names_and_types_equal_the_tools_comments() {
    for fx in &sfile::FIXTURES {
        let arrays = fx.arrays();
        let t = Table::new(arrays.raw(), fx.layout()).unwrap();
        assert_eq!(t.len() as usize, arrays.comments.len(), "{}", fx.stem);
        let all = decode_all(&t);
        for (i, ((_, ty, name), comment)) in all.iter().zip(&arrays.comments).enumerate() {
            assert_eq!(comment[0], *ty, "{} symbol {i}: type", fx.stem);
            assert_eq!(&comment[1..], &name[..], "{} symbol {i}: name", fx.stem);
        }
        // The tool's comments give type+name; the map gives addresses: every
        // decoded (address, name) pair must be a line of the map (types may differ
        // only for per-cpu symbols, which the tool forces to 'A').
        let map = sfile::data(fx.map);
        let mut lines: HashMap<(u64, &[u8]), u8> = HashMap::new();
        for l in map.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
            let a = u64::from_str_radix(
                std::str::from_utf8(&l[..l.iter().position(|&b| b == b' ').unwrap()]).unwrap(),
                16,
            )
            .unwrap();
            let sp = l.iter().position(|&b| b == b' ').unwrap();
            lines.insert((a, &l[sp + 3..]), l[sp + 1]);
        }
        for (i, (a, ty, name)) in all.iter().enumerate() {
            let mty = lines.get(&(*a, name.as_slice()));
            assert!(
                mty == Some(ty) || (*ty == b'A' && mty.is_some()),
                "{} symbol {i} {:?} at {a:#x} type {} not in the map",
                fx.stem,
                String::from_utf8_lossy(name),
                *ty as char
            );
        }
    }
}

/// `kernel/kallsyms_selftest.c` (6.12) `test_kallsyms_basic_function()`'s sweep:
/// for every symbol, the name of its address's first alias looks up to the lowest
/// address of that name, the match walk equals a full scan's matches in order and
/// count, and the symbol's own address is among them.
/// The accelerators' storage for one table.
struct Accels {
    cache: Box<kallsyms::accel::ProbeCache>,
    addresses: Box<kallsyms::accel::AddressCache>,
    blocks: Vec<u16>,
    names: Vec<u16>,
    hash: Vec<u16>,
}

impl Accels {
    fn build(t: &Table<'_>) -> Accels {
        let mut cache = Box::default();
        kallsyms::accel::ProbeCache::fill(&mut cache, t);
        let mut addresses = Box::default();
        kallsyms::accel::AddressCache::fill(&mut addresses, t);
        let mut blocks = vec![0u16; t.len() as usize];
        kallsyms::accel::fill_block_offsets(t, &mut blocks).unwrap();
        let mut names = vec![0u16; t.len() as usize];
        kallsyms::accel::fill_name_offsets(t, &mut names).unwrap();
        let mut hash =
            vec![0u16; kallsyms::accel::hash_index_len(kallsyms::accel::distinct_names(t))];
        kallsyms::accel::fill_hash_index(t, &mut hash).unwrap();
        Accels {
            cache,
            addresses,
            blocks,
            names,
            hash,
        }
    }

    /// The table bare, with the probe and address caches, with block offsets, with
    /// name offsets (and the probe cache), and with everything.
    fn variants<'a>(&'a self, t: &Table<'a>) -> Vec<(&'static str, Table<'a>)> {
        vec![
            ("bare", t.clone()),
            (
                "cache",
                t.clone()
                    .with_probe_cache(&self.cache)
                    .unwrap()
                    .with_address_cache(&self.addresses)
                    .unwrap(),
            ),
            (
                "blocks",
                t.clone().with_block_offsets(&self.blocks).unwrap(),
            ),
            (
                "names",
                t.clone()
                    .with_probe_cache(&self.cache)
                    .unwrap()
                    .with_name_offsets(&self.names)
                    .unwrap(),
            ),
            (
                "all",
                t.clone()
                    .with_probe_cache(&self.cache)
                    .unwrap()
                    .with_block_offsets(&self.blocks)
                    .unwrap()
                    .with_name_offsets(&self.names)
                    .unwrap()
                    .with_hash_index(&self.hash)
                    .unwrap()
                    .with_address_cache(&self.addresses)
                    .unwrap(),
            ),
        ]
    }
}

#[test]
fn kernel_selftest_sweep() {
    for fx in &sfile::FIXTURES {
        let arrays = fx.arrays();
        let bare = Table::new(arrays.raw(), fx.layout()).unwrap();
        let accels = Accels::build(&bare);
        for (variant, t) in accels.variants(&bare) {
            eprintln!("{} {variant}", fx.stem);
            let all = decode_all(&t);
            let names = by_name(&all);
            let mut buf = [0u8; KSYM_NAME_LEN];
            for (i, (addr, _, _)) in all.iter().enumerate() {
                // lookup_symbol_name(addr): the first alias at the address.
                let (sym, pos) = t.lookup_address(*addr).unwrap();
                assert_eq!(pos.offset, 0);
                assert!(sym.index as usize <= i);
                let name = t.name(&sym, &mut buf).to_vec();
                if name.is_empty() {
                    continue;
                }
                let expect = &names[name.as_slice()];
                let lookup = t.lookup_name(&name).unwrap();
                assert_eq!(
                    lookup.address,
                    expect[0].1,
                    "{}: {:?}",
                    fx.stem,
                    String::from_utf8_lossy(&name)
                );
                let walk: Vec<(u32, u64)> = t
                    .matches(&name, Match::EXACT)
                    .map(|f| (f.symbol.index, f.symbol.address))
                    .collect();
                assert_eq!(
                    &walk,
                    expect,
                    "{}: {:?}",
                    fx.stem,
                    String::from_utf8_lossy(&name)
                );
                assert!(walk.iter().any(|&(_, a)| a == *addr));
                assert_eq!(t.count_matches(&name, Match::EXACT) as usize, expect.len());
                let mut missing = name.clone();
                missing.push(b'\x01');
                assert!(t.lookup_name(&missing).is_none());
            }
        }
    }
}

/// Brute force: for every base name, the symbols matching it under `opts`, found by
/// trying every `.` of every name (independent of the name index).
fn brute(all: &[(u64, u8, Vec<u8>)], opts: Match) -> HashMap<&[u8], Vec<(u32, MatchKind)>> {
    let mut m: HashMap<&[u8], Vec<(u32, MatchKind)>> = HashMap::new();
    for (i, (_, _, n)) in all.iter().enumerate() {
        m.entry(n.as_slice())
            .or_default()
            .push((i as u32, MatchKind::Exact));
        for p in 1..n.len() {
            if n[p] == b'.' {
                if let Some(k) = kallsyms::classify_suffix(&n[p..], opts) {
                    m.entry(&n[..p]).or_default().push((i as u32, k));
                }
            }
        }
    }
    m
}

#[test]
fn suffix_aware_matches_equal_brute_force() {
    for (fx, opts, marker) in [
        (&sfile::FIXTURES[1], Match::LLVM, &b".llvm."[..]),
        (&sfile::FIXTURES[0], Match::CLONE | Match::COLD, &b"."[..]),
        (&sfile::FIXTURES[0], Match::ALL, &b"."[..]),
        (&sfile::FIXTURES[1], Match::ALL, &b"."[..]),
    ] {
        let arrays = fx.arrays();
        let bare = Table::new(arrays.raw(), fx.layout()).unwrap();
        let accels = Accels::build(&bare);
        let variants = accels.variants(&bare);
        let t = &variants[3].1;
        let all = decode_all(t);
        let mut bases: Vec<&[u8]> = all
            .iter()
            .filter(|(_, _, n)| n.windows(marker.len()).any(|w| w == marker))
            .map(|(_, _, n)| kallsyms::base_name(n, opts))
            .collect();
        bases.sort();
        bases.dedup();
        assert!(bases.len() > 300, "{}: {} bases", fx.stem, bases.len());
        let mut suffixed = 0;
        let reference = brute(&all, opts);
        for base in bases {
            let expect = reference[base].clone();
            let got: Vec<(u32, MatchKind)> = t
                .matches(base, opts)
                .map(|f| (f.symbol.index, f.kind))
                .collect();
            assert_eq!(
                got,
                expect,
                "{}: {:?}",
                fx.stem,
                String::from_utf8_lossy(base)
            );
            let sympos: Vec<u32> = t.matches(base, opts).map(|f| f.sympos).collect();
            assert_eq!(sympos, (1..=expect.len() as u32).collect::<Vec<_>>());
            // Each match carries the symbol itself (record offset, address, type)
            // and its size, however the pass that found it read it.
            for f in t.matches(base, opts) {
                assert_eq!(Some(f.symbol), t.symbol(f.symbol.index));
                assert_eq!(f.size, t.size_of(f.symbol.index));
            }
            assert_eq!(t.count_matches(base, opts) as usize, expect.len());
            suffixed += expect
                .iter()
                .filter(|(_, k)| *k != MatchKind::Exact)
                .count();
            // Every suffixed symbol is found by its full name exactly, too.
            for (i, _) in &expect {
                let n = &all[*i as usize].2;
                assert!(t.matches(n, Match::EXACT).any(|f| f.symbol.index == *i));
            }
        }
        assert!(suffixed > 300, "{}: {suffixed}", fx.stem);
    }
}

#[test]
fn resolve_and_reverse_sympos_agree() {
    let fx = &sfile::FIXTURES[1];
    let arrays = fx.arrays();
    let t = Table::new(arrays.raw(), fx.layout()).unwrap();
    let all = decode_all(&t);
    let names = by_name(&all);
    let mut dups = 0;
    for (name, list) in &names {
        if name.is_empty() {
            continue;
        }
        let count = list.len() as u32;
        for sympos in 0..=count + 1 {
            let r = t.resolve(name, Match::EXACT, sympos);
            match (sympos, count) {
                (0, 1) => assert_eq!(r.unwrap().symbol.index, list[0].0),
                (0, _) => assert_eq!(r.unwrap_err(), kallsyms::LookupError::Ambiguous { count }),
                (p, c) if p <= c => assert_eq!(r.unwrap().symbol.index, list[p as usize - 1].0),
                (p, c) => assert_eq!(
                    r.unwrap_err(),
                    kallsyms::LookupError::PositionOutOfRange {
                        sympos: p,
                        count: c
                    }
                ),
            }
        }
        if count > 1 {
            dups += 1;
        }
        for (k, (i, _)) in list.iter().enumerate() {
            let s = t.sympos_of(*i, Match::EXACT).unwrap();
            assert_eq!(s.count, count);
            assert_eq!(s.position, k as u32 + 1);
            assert_eq!(s.livepatch(), if count == 1 { 0 } else { k as u32 + 1 });
        }
    }
    assert!(dups > 1000, "{dups} duplicate names");
}

#[test]
fn address_lookup_sizes() {
    for fx in &sfile::FIXTURES {
        let arrays = fx.arrays();
        let t = Table::new(arrays.raw(), fx.layout()).unwrap();
        let all = decode_all(&t);
        for i in 0..all.len() {
            let a = all[i].0;
            let first = all.iter().position(|x| x.0 == a).unwrap();
            let next = all[i..].iter().find(|x| x.0 > a).map(|x| x.0);
            let p = t.position(a + 1).unwrap();
            if next == Some(a + 1) {
                continue;
            }
            assert_eq!(p.index as usize, first);
            assert_eq!(p.offset, 1);
            assert_eq!(p.size, next.map_or(0, |n| n - a));
            if i > 2000 {
                break;
            }
        }
    }
}

/// Tables without a name index (6.1.0 - 6.1.41) and with a cut-name index (Clang
/// LTO 6.2 - 6.10) answer like the full-name table: by scan, by cut-key ranges, and
/// with an index built in memory.
#[cfg(feature = "alloc")]
#[test]
fn other_index_layouts_answer_alike() {
    use kallsyms::SeqsFormat;
    let fx = &sfile::FIXTURES[1];
    let arrays = fx.arrays();
    let full = Table::new(arrays.raw(), fx.layout()).unwrap();
    let mut layout = fx.layout();
    layout.seqs = SeqsFormat::None;
    let mut raw = arrays.raw();
    raw.seqs_of_names = &[];
    let none = Table::new(raw, layout).unwrap();
    let built = kallsyms::index::NameIndex::build(&none);
    assert_eq!(built.as_bytes(), &arrays.seqs_of_names[..]);
    let rebuilt = none.clone().with_name_index(&built).unwrap();
    let all = decode_all(&full);
    let names = by_name(&all);
    let mut checked = 0;
    for (k, (name, list)) in names.iter().enumerate() {
        // The scan is O(n) per query: check every 40th name on it.
        let tables: Vec<&Table<'_>> = if k % 40 == 0 {
            vec![&none, &rebuilt]
        } else {
            vec![&rebuilt]
        };
        for t in tables {
            let walk: Vec<(u32, u64)> = t
                .matches(name, Match::EXACT)
                .map(|f| (f.symbol.index, f.symbol.address))
                .collect();
            assert_eq!(&walk, list);
            if !name.is_empty() {
                assert_eq!(t.lookup_name(name).unwrap().address, list[0].1);
            }
            checked += 1;
        }
    }
    assert!(checked > 100_000);
}

/// Every accelerator variant finds the same symbol, size and offset as the bare
/// table for the first and last byte of every symbol and the byte after it: the
/// address cache's ranges, and the block offsets and name records loaded ahead of
/// the search's end, change where the search starts and what it loads, never what
/// it finds.
#[test]
fn accelerated_address_lookups_agree() {
    for fx in &sfile::FIXTURES {
        let arrays = fx.arrays();
        let bare = Table::new(arrays.raw(), fx.layout()).unwrap();
        let accels = Accels::build(&bare);
        let n = bare.len();
        let mut probes = 0usize;
        for (variant, t) in accels.variants(&bare) {
            for i in 0..n {
                let a = bare.address(i);
                let next = if i + 1 < n {
                    bare.address(i + 1)
                } else {
                    a + 1
                };
                for probe in [a, a.wrapping_add(1), next.wrapping_sub(1), next] {
                    assert_eq!(
                        t.lookup_address(probe),
                        bare.lookup_address(probe),
                        "{} {variant}: {probe:#x}",
                        fx.stem
                    );
                    probes += 1;
                }
            }
        }
        assert!(probes >= 4 * 5 * n as usize);
    }
}
