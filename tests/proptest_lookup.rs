// SPDX-License-Identifier: GPL-2.0-only OR MIT
//! Property tests of every lookup against a brute-force model computed from the
//! symbol list alone.
//!
//! Random symbol lists (names from a small alphabet and the compiler suffixes, so
//! that suffix matches, duplicates and near-misses are common; addresses from a
//! small range, so that aliases are common) are built by the builder into a table
//! of a random layout (every address encoding, name-index format and sort key, both
//! byte orders, both pointer widths), with or without each accelerator and with or
//! without section bounds. Every query is compared with the model: iteration and
//! names, `lookup_name`, `lookup_names`, `matches` and `count_matches` under every
//! match option, `resolve` with every sympos, `sympos_of`, `position`,
//! `lookup_address`, `size_of` and `sprint_symbol`.
//!
//! `PROPTEST_CASES` overrides the number of cases (default 64 per property).
#![cfg(feature = "std")]

use std::collections::HashMap;

use kallsyms::accel::{
    distinct_names, fill_block_offsets, fill_hash_index, fill_name_offsets, hash_index_len,
    AddressCache, ProbeCache,
};
use kallsyms::build::{build, Options, SymbolList};
use kallsyms::{
    base_name, classify_suffix, AddressEncoding, Layout, LookupError, Match, MatchKind, Position,
    Sections, SeqsFormat, SeqsKey, Sympos, Table, KSYM_NAME_LEN,
};
use proptest::prelude::*;

/// Every match option the lookups take: each kind alone, the groups, and none.
const OPTIONS: [Match; 9] = [
    Match::EXACT,
    Match::LLVM,
    Match::CLONE,
    Match::COLD,
    Match::LTO_PRIV,
    Match::LOCALALIAS,
    Match::NUMBERED,
    Match::LTO,
    Match::ALL,
];

const BASES: [&str; 8] = ["a", "b", "ab", "foo", "f", "_a", "__a", "a-"];
const SUFFIXES: [&str; 18] = [
    ".llvm.1",
    ".llvm.22",
    ".isra.0",
    ".cold",
    ".cold.1",
    ".constprop.0",
    ".part.1",
    ".lto_priv.0",
    ".localalias",
    ".1",
    ".2",
    ".",
    ".str",
    ".llvm.",
    "0",
    "-",
    ".__already_done",
    ".llvm.x",
];
const KINDS: [u8; 10] = *b"TtDdbBrRwW";

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(64)
}

fn name() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        3 => (
            prop::sample::select(&BASES[..]),
            prop::collection::vec(prop::sample::select(&SUFFIXES[..]), 0..3)
        )
            .prop_map(|(b, s)| [b.as_bytes(), s.concat().as_bytes()].concat()),
        1 => prop::collection::vec(prop::sample::select(&b"ab.01lv_\x80\xff"[..]), 1..8),
    ]
}

/// (slot, type, name): the address is `base + 4 * slot`.
fn symbols() -> impl Strategy<Value = Vec<(u64, u8, Vec<u8>)>> {
    prop::collection::vec((0u64..40, prop::sample::select(&KINDS[..]), name()), 1..48)
}

fn layout() -> impl Strategy<Value = Layout> {
    (0u32..0x400).prop_filter_map("valid layout bits", |b| Layout::from_bits(b).ok())
}

// ---- the model ------------------------------------------------------------------------

/// `may_be_linker_script_provide_symbol()` (`scripts/kallsyms.c` 6.12).
fn linker_provided(n: &[u8]) -> bool {
    n.len() >= 8
        && n.starts_with(b"__")
        && (n[2..].starts_with(b"start_")
            || n[2..].starts_with(b"stop_")
            || n[2..].starts_with(b"end_")
            || n.ends_with(b"_start")
            || n.ends_with(b"_end"))
}

fn key_of(name: &[u8], key: SeqsKey) -> &[u8] {
    let cut = match key {
        SeqsKey::FullName => None,
        SeqsKey::CutAtFirstDot => name.iter().position(|&b| b == b'.'),
        SeqsKey::CutAtLlvm => name.windows(6).position(|w| w == b".llvm."),
    };
    &name[..cut.unwrap_or(name.len())]
}

struct Model {
    /// (address, type, name) in address order.
    syms: Vec<(u64, u8, Vec<u8>)>,
    by_name: HashMap<Vec<u8>, Vec<u32>>,
    /// Name order.
    order: Vec<u32>,
    keys: Vec<Vec<u8>>,
    layout: Layout,
    sections: Option<Sections>,
}

impl Model {
    /// The table the builder must make of `input` (every symbol is kept: all types
    /// are kept ones and `--all-symbols` is on), ordered as `compare_symbols()`.
    fn new(input: &[(u64, u8, Vec<u8>)], layout: Layout, sections: Option<Sections>) -> Model {
        let mut idx: Vec<usize> = (0..input.len()).collect();
        idx.sort_by_key(|&i| {
            let (a, k, n) = &input[i];
            (
                *a,
                matches!(k, b'w' | b'W'),
                linker_provided(n),
                n.iter().take_while(|&&b| b == b'_').count(),
                i,
            )
        });
        let syms: Vec<(u64, u8, Vec<u8>)> = idx.iter().map(|&i| input[i].clone()).collect();
        let mut by_name: HashMap<Vec<u8>, Vec<u32>> = HashMap::new();
        for (i, s) in syms.iter().enumerate() {
            by_name.entry(s.2.clone()).or_default().push(i as u32);
        }
        let mut order: Vec<u32> = (0..syms.len() as u32).collect();
        order.sort_by(|&a, &b| {
            let (sa, sb) = (&syms[a as usize], &syms[b as usize]);
            key_of(&sa.2, layout.seqs_key)
                .cmp(key_of(&sb.2, layout.seqs_key))
                .then(sa.0.cmp(&sb.0))
                .then(a.cmp(&b))
        });
        let keys = order
            .iter()
            .map(|&i| key_of(&syms[i as usize].2, layout.seqs_key).to_vec())
            .collect();
        Model {
            syms,
            by_name,
            order,
            keys,
            layout,
            sections,
        }
    }

    fn brute(&self, q: &[u8], opts: Match) -> Vec<(u32, MatchKind)> {
        if q.is_empty() || q.len() >= KSYM_NAME_LEN {
            return Vec::new();
        }
        let mut v = Vec::new();
        for (i, (_, _, n)) in self.syms.iter().enumerate() {
            if n == q {
                v.push((i as u32, MatchKind::Exact));
            } else if !opts.is_empty()
                && n.len() > q.len()
                && n.starts_with(q)
                && n[q.len()] == b'.'
            {
                if let Some(k) = classify_suffix(&n[q.len()..], opts) {
                    v.push((i as u32, k));
                }
            }
        }
        v
    }

    fn position(&self, addr: u64) -> Option<Position> {
        let n = self.syms.len();
        if n == 0 || addr < self.syms[0].0 {
            return None;
        }
        let high = self.syms.partition_point(|s| s.0 <= addr);
        let start = self.syms[high - 1].0;
        let low = self.syms.partition_point(|s| s.0 < start);
        let end = if high < n {
            self.syms[high].0
        } else {
            self.sections.map_or(start, |s| s.last_end(addr))
        };
        Some(Position {
            index: low as u32,
            start,
            size: end.saturating_sub(start),
            offset: addr - start,
        })
    }

    fn lookup_address(&self, addr: u64) -> Option<Position> {
        match &self.sections {
            Some(s) if !s.is_ksym_addr(addr) => None,
            _ => self.position(addr),
        }
    }

    fn size_of(&self, i: u32) -> u64 {
        self.position(self.syms[i as usize].0).map_or(0, |p| p.size)
    }

    fn lookup_names(&self, q: &[u8]) -> Option<(u32, u32)> {
        if self.layout.seqs == SeqsFormat::None || q.is_empty() {
            return None;
        }
        let k = key_of(q, self.layout.seqs_key);
        let lo = self.keys.partition_point(|x| &x[..] < k);
        let hi = self.keys.partition_point(|x| &x[..] <= k);
        (lo < hi).then(|| (lo as u32, hi as u32 - 1))
    }

    fn sympos_of(&self, i: u32, opts: Match) -> Option<Sympos> {
        let name = &self.syms[i as usize].2;
        let base = if opts.is_empty() {
            &name[..]
        } else {
            base_name(name, opts)
        };
        let list = self.brute(base, opts);
        let p = list.iter().position(|&(j, _)| j == i)?;
        Some(Sympos {
            name_len: base.len() as u32,
            position: p as u32 + 1,
            count: list.len() as u32,
            kind: list[p].1,
        })
    }
}

// ---- the comparison -------------------------------------------------------------------

fn check(t: &Table<'_>, m: &Model, extra: &[Vec<u8>]) -> Result<(), TestCaseError> {
    let n = m.syms.len() as u32;
    prop_assert_eq!(t.len(), n);
    // Iteration and names.
    let mut buf = [0u8; KSYM_NAME_LEN];
    let got: Vec<(u64, u8, Vec<u8>)> = t
        .iter()
        .map(|s| (s.address, s.type_letter, t.name(&s, &mut buf).to_vec()))
        .collect();
    prop_assert_eq!(&got, &m.syms);
    for j in 0..n {
        let want = if t.has_name_index() {
            m.order[j as usize]
        } else {
            j
        };
        prop_assert_eq!(t.name_index_entry(j), Some(want));
    }

    // Name queries: every stored name, every base of it, and the extras.
    let mut queries: Vec<Vec<u8>> = m.by_name.keys().cloned().collect();
    for (_, _, name) in &m.syms {
        for opts in OPTIONS {
            queries.push(base_name(name, opts).to_vec());
        }
    }
    queries.extend(extra.iter().cloned());
    queries.sort();
    queries.dedup();
    for q in &queries {
        let want = if q.is_empty() {
            None
        } else {
            m.by_name.get(q).map(|v| v[0])
        };
        prop_assert_eq!(
            t.lookup_name(q).map(|s| s.index),
            want,
            "lookup_name {:?}",
            q
        );
        prop_assert_eq!(t.lookup_names(q), m.lookup_names(q), "lookup_names {:?}", q);
        for opts in OPTIONS {
            let want = m.brute(q, opts);
            let got: Vec<(u32, MatchKind, u32, u64)> = t
                .matches(q, opts)
                .map(|f| (f.symbol.index, f.kind, f.sympos, f.size))
                .collect();
            let want_full: Vec<(u32, MatchKind, u32, u64)> = want
                .iter()
                .enumerate()
                .map(|(k, &(i, kind))| (i, kind, k as u32 + 1, m.size_of(i)))
                .collect();
            prop_assert_eq!(&got, &want_full, "matches {:?} {:?}", q, opts);
            let count = want.len() as u32;
            prop_assert_eq!(t.count_matches(q, opts), count);
            for sympos in 0..=count + 1 {
                let r = t.resolve(q, opts, sympos).map(|f| f.symbol.index);
                let expect = if q.is_empty() {
                    Err(LookupError::EmptyName)
                } else if sympos == 0 {
                    match count {
                        0 => Err(LookupError::NotFound),
                        1 => Ok(want[0].0),
                        _ => Err(LookupError::Ambiguous { count }),
                    }
                } else if sympos <= count {
                    Ok(want[sympos as usize - 1].0)
                } else if count == 0 {
                    Err(LookupError::NotFound)
                } else {
                    Err(LookupError::PositionOutOfRange { sympos, count })
                };
                prop_assert_eq!(r, expect, "resolve {:?} {:?} {}", q, opts, sympos);
            }
        }
    }
    // Reverse sympos.
    for i in 0..n {
        for opts in OPTIONS {
            prop_assert_eq!(
                t.sympos_of(i, opts),
                m.sympos_of(i, opts),
                "sympos_of {}",
                i
            );
        }
    }
    prop_assert_eq!(t.sympos_of(n, Match::EXACT), None);
    // Addresses.
    let mut addrs: Vec<u64> = m
        .syms
        .iter()
        .flat_map(|s| {
            [
                s.0,
                s.0.wrapping_add(1),
                s.0.wrapping_sub(1),
                s.0.wrapping_add(3),
            ]
        })
        .collect();
    addrs.extend([0, u64::MAX]);
    for a in addrs {
        prop_assert_eq!(t.position(a), m.position(a), "position {:#x}", a);
        let want = m.lookup_address(a);
        prop_assert_eq!(t.lookup_address(a).map(|(_, p)| p), want);
        let text = match want {
            Some(p) if !m.syms[p.index as usize].2.is_empty() => {
                let mut v = m.syms[p.index as usize].2.clone();
                v.extend_from_slice(format!("+{:#x}/{:#x}", p.offset, p.size).as_bytes());
                v
            }
            _ => format!("{a:#x}").into_bytes(),
        };
        let mut out = [0u8; 600];
        let len = t.sprint_symbol(a, &mut out).unwrap();
        prop_assert_eq!(&out[..len], &text[..]);
    }
    for i in 0..n {
        prop_assert_eq!(t.size_of(i), m.size_of(i));
    }
    Ok(())
}

/// Builds `input` into `layout`, attaches the accelerators asked for, and checks
/// every query against the model.
fn run(
    input: &[(u64, u8, Vec<u8>)],
    layout: Layout,
    accel: (bool, bool, bool),
    sections: Option<Sections>,
    extra: &[Vec<u8>],
) -> Result<(), TestCaseError> {
    let mut list = SymbolList::new();
    for (a, k, n) in input {
        list.push(*a, *k, n);
    }
    let built = build(
        list,
        &Options {
            all_symbols: true,
            ..Options::default()
        },
    )
    .expect("builds");
    let owned = built.owned_table(layout).expect("addresses fit the layout");
    let mut t = owned.table().expect("the builder's table validates");
    if let Some(s) = sections {
        t = t.with_sections(s);
    }
    let m = Model::new(input, layout, sections);
    check(&t, &m, extra)?;

    let mut cache = Box::<ProbeCache>::default();
    let mut addresses = Box::<AddressCache>::default();
    let mut blocks = vec![0u16; t.len() as usize];
    let hash_ok = t.has_name_index() && layout.seqs_key == SeqsKey::FullName;
    let mut names = vec![0u16; t.len() as usize];
    let mut hash = vec![
        0u16;
        if hash_ok {
            hash_index_len(distinct_names(&t))
        } else {
            0
        }
    ];
    let mut a = t.clone();
    if accel.0 {
        cache.fill(&t);
        addresses.fill(&t);
        a = a
            .with_probe_cache(&cache)
            .unwrap()
            .with_address_cache(&addresses)
            .unwrap();
    }
    if accel.1 {
        fill_block_offsets(&t, &mut blocks).unwrap();
        a = a.with_block_offsets(&blocks).unwrap();
        if t.has_name_index() {
            fill_name_offsets(&t, &mut names).unwrap();
            a = a.with_name_offsets(&names).unwrap();
        }
    }
    if accel.2 && hash_ok {
        fill_hash_index(&t, &mut hash).unwrap();
        a = a.with_hash_index(&hash).unwrap();
    }
    if accel != (false, false, false) {
        check(&a, &m, extra)?;
    }
    Ok(())
}

/// The symbols at `base + 4 * slot`, with a base the layout can hold.
fn place(syms: &[(u64, u8, Vec<u8>)], layout: Layout, high: bool) -> Vec<(u64, u8, Vec<u8>)> {
    let narrow = layout.ptr_bytes == 4 || layout.addresses == AddressEncoding::Raw32;
    let base = if high && !narrow {
        0xffff_ffff_8100_0000
    } else {
        0x0100_0000
    };
    syms.iter()
        .map(|(slot, k, n)| (base + 4 * slot, *k, n.clone()))
        .collect()
}

fn sections_for(syms: &[(u64, u8, Vec<u8>)], which: u8) -> Option<Sections> {
    let lo = syms.iter().map(|s| s.0).min()?;
    let hi = syms.iter().map(|s| s.0).max()?;
    match which % 3 {
        0 => None,
        // Text up to the middle, init text after it; the last symbol ends at _end.
        k => Some(Sections {
            stext: lo,
            etext: lo + (hi - lo) / 2,
            sinittext: lo + (hi - lo) / 2 + 8,
            einittext: hi + 2,
            init_begin: lo + (hi - lo) / 2 + 8,
            init_end: hi + 16,
            end: hi + 32,
            kallsyms_all: k == 2,
        }),
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: cases(),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// Random lists in random layouts, with and without accelerators and sections.
    #[test]
    fn lookups_equal_brute_force(
        syms in symbols(),
        layout in layout(),
        high in any::<bool>(),
        accel in (any::<bool>(), any::<bool>(), any::<bool>()),
        which_sections in any::<u8>(),
        extra in prop::collection::vec(name(), 0..4),
    ) {
        let input = place(&syms, layout, high);
        let sections = sections_for(&input, which_sections);
        run(&input, layout, accel, sections, &extra)?;
    }

    /// Few distinct names, many aliases and duplicates: every name is a family.
    #[test]
    fn duplicate_heavy_lists(
        slots in prop::collection::vec((0u64..6, prop::sample::select(&KINDS[..]), 0usize..6), 1..40),
        layout in layout(),
    ) {
        const NAMES: [&str; 6] = ["a", "a.llvm.1", "a.isra.0", "a.cold", "a.1", "a.isra.0.cold"];
        let syms: Vec<(u64, u8, Vec<u8>)> = slots
            .iter()
            .map(|&(s, k, n)| (s, k, NAMES[n].as_bytes().to_vec()))
            .collect();
        let input = place(&syms, layout, false);
        run(&input, layout, (true, true, true), None, &[b"a.".to_vec(), b"a.isra".to_vec()])?;
    }
}

/// One list in every layout, with every accelerator: the layouts no random case
/// happened to draw are covered too.
#[test]
fn one_list_in_every_layout() {
    let names: [&[u8]; 12] = [
        b"c_start",
        b"c_start.llvm.8011538628216713357",
        b"c_start.llvm.2",
        b"show_map",
        b"show_map.isra.0",
        b"show_map.isra.0.cold",
        b"__func__.1",
        b"__func__.2",
        b"c_stop",
        b"c",
        b"c_start",
        b"zzz\xe9",
    ];
    let syms: Vec<(u64, u8, Vec<u8>)> = names
        .iter()
        .enumerate()
        .map(|(i, n)| ((i as u64 * 7) % 10, b"tTdDbBrRwWtT"[i], n.to_vec()))
        .collect();
    let mut layouts = 0;
    for bits in 0..0x400 {
        let Ok(layout) = Layout::from_bits(bits) else {
            continue;
        };
        layouts += 1;
        for high in [false, true] {
            let input = place(&syms, layout, high);
            let sections = sections_for(&input, 2);
            run(
                &input,
                layout,
                (true, true, true),
                sections,
                &[b"c_".to_vec()],
            )
            .unwrap();
        }
    }
    assert_eq!(layouts, 5 * 3 * 3 * 2 * 2);
}
