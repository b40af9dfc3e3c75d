// SPDX-License-Identifier: GPL-2.0-only OR MIT
//! Lookups on the real ThinLTO and GCC tables rebuilt in every name-index layout:
//! sorted by full name (6.11+), by the name cut at `.llvm.` (Clang LTO 6.5 - 6.10)
//! or at the first `.` (Clang LTO 6.2 - 6.4), and with no index (6.1.0 - 6.1.41).
//! Every option must give the same answers as brute force over the symbols.
#![cfg(feature = "std")]

mod sfile;

use std::collections::HashMap;

use kallsyms::build::{self, KernelVersion, Options, ParseMode};
use kallsyms::{Layout, Match, MatchKind, SeqsFormat, SeqsKey, Table, KSYM_NAME_LEN};

fn brute(names: &[Vec<u8>], opts: Match) -> HashMap<&[u8], Vec<(u32, MatchKind)>> {
    let mut m: HashMap<&[u8], Vec<(u32, MatchKind)>> = HashMap::new();
    for (i, n) in names.iter().enumerate() {
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
fn every_index_layout_answers_like_brute_force() {
    for fx in [&sfile::FIXTURES[1], &sfile::FIXTURES[0]] {
        let map = sfile::data(fx.map);
        let syms = build::parse_map(&map, ParseMode::Kallsyms).unwrap();
        let options = Options {
            all_symbols: true,
            absolute_percpu: fx.absolute_percpu,
            pc_relative: false,
            kernel: KernelVersion::V6_12,
        };
        let built = build::build(syms, &options).unwrap();
        for (key, seqs) in [
            (SeqsKey::CutAtLlvm, SeqsFormat::Be24),
            (SeqsKey::CutAtFirstDot, SeqsFormat::U32),
            (SeqsKey::FullName, SeqsFormat::U32),
        ] {
            let layout = Layout {
                seqs,
                seqs_key: key,
                ..fx.layout()
            };
            let owned = built.owned_table(layout).unwrap();
            let t: Table<'_> = owned.table().unwrap();
            let mut buf = [0u8; KSYM_NAME_LEN];
            let names: Vec<Vec<u8>> = t.iter().map(|s| t.name(&s, &mut buf).to_vec()).collect();
            for opts in [Match::EXACT, Match::LLVM, Match::ALL] {
                let reference = brute(&names, opts);
                let mut keys: Vec<&&[u8]> = reference.keys().collect();
                keys.sort();
                // Every 7th query keeps the run time modest; all suffixed bases are
                // covered because the sample walks the sorted keys.
                for (k, base) in keys.iter().enumerate() {
                    if base.is_empty() || (k % 7 != 0 && !base.contains(&b'.')) {
                        continue;
                    }
                    let got: Vec<(u32, MatchKind)> = t
                        .matches(base, opts)
                        .map(|f| (f.symbol.index, f.kind))
                        .collect();
                    assert_eq!(
                        &got,
                        &reference[**base],
                        "{} {key:?} {opts:?} {:?}",
                        fx.stem,
                        String::from_utf8_lossy(base)
                    );
                    if opts.is_empty() {
                        let first = reference[**base][0].0;
                        assert_eq!(t.lookup_name(base).unwrap().index, first);
                    }
                }
            }
        }
    }
}
