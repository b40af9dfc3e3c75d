// SPDX-License-Identifier: GPL-2.0-only OR MIT
//! Crashes found by fuzzing (`fuzz/`), each reduced to the smallest input that
//! showed it and kept here so that it stays fixed. Each test names the fuzz target
//! and what was wrong.

#![cfg(feature = "std")]

use kallsyms::build::{build, build_unfiltered, BuildError, Options, SymbolList};
use kallsyms::{Array, FormatError, FormatErrorKind};

/// `roundtrip`: a symbol whose type byte is NUL (possible through
/// `SymbolList::push`, never through the map parser) was built into a token table
/// where that token read as empty, so the reader refused the builder's own output
/// ("kallsyms_names[22]: empty token used by a name"). The builder now refuses the
/// symbol.
#[test]
fn builder_refuses_a_nul_type() {
    for unfiltered in [false, true] {
        let mut list = SymbolList::new();
        list.push(0x1000, b'T', b"_stext");
        list.push(0x1010, b'T', b"f");
        list.push(0x1020, 0, b"");
        list.push(0x1030, b'T', b"_etext");
        let opts = Options {
            all_symbols: true,
            ..Options::default()
        };
        let r = if unfiltered {
            build_unfiltered(list, &opts)
        } else {
            build(list, &opts)
        };
        assert_eq!(
            r.err(),
            Some(BuildError::Format(FormatError::new(
                Array::Names,
                2,
                FormatErrorKind::NulInName
            )))
        );
    }
    // Every other type byte builds and reads back.
    let mut list = SymbolList::new();
    for k in 1..=255u8 {
        list.push(0x1000 + u64::from(k), k, &[b'a', k]);
    }
    let opts = Options {
        all_symbols: true,
        ..Options::default()
    };
    let built = build_unfiltered(list, &opts).unwrap();
    let owned = built.owned_table(kallsyms::Layout::V6_15).unwrap();
    let t = owned.table().unwrap();
    let mut buf = [0u8; kallsyms::KSYM_NAME_LEN];
    for (k, s) in (1..=255u8).zip(t.iter()) {
        assert_eq!(s.type_letter, k);
        assert_eq!(t.name(&s, &mut buf), &[b'a', k]);
    }
}
