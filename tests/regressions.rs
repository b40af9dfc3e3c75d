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

/// `image_locate`: an ELF section whose file offset is within 3 bytes of the top of
/// the address space overflowed `next_multiple_of(4)` in the token-index search
/// (`attempt to add with overflow`; `locate` promises never to panic).
#[test]
fn image_locate_survives_a_section_offset_near_the_top() {
    use kallsyms::image::{locate, Hints};
    let mut f = b"\x7fELF\x02\x01\x01".to_vec();
    f.resize(16, 0);
    f.extend_from_slice(&2u16.to_le_bytes()); // ET_EXEC
    f.extend_from_slice(&62u16.to_le_bytes()); // x86-64
    f.extend_from_slice(&1u32.to_le_bytes());
    f.extend_from_slice(&0u64.to_le_bytes()); // entry
    f.extend_from_slice(&0u64.to_le_bytes()); // phoff
    f.extend_from_slice(&64u64.to_le_bytes()); // shoff
    f.extend_from_slice(&0u32.to_le_bytes()); // flags
    for v in [64u16, 56, 0, 64, 1, 0] {
        f.extend_from_slice(&v.to_le_bytes());
    }
    // One allocated, writable-data section at offset 2^64 - 2.
    f.extend_from_slice(&0u32.to_le_bytes()); // sh_name
    f.extend_from_slice(&1u32.to_le_bytes()); // SHT_PROGBITS
    for v in [2u64, 0, u64::MAX - 1, 0x1000, 0, 8, 0] {
        f.extend_from_slice(&v.to_le_bytes());
    }
    f.truncate(64 + 64);
    f.resize(4096, 0);
    assert!(kallsyms::image::Elf::parse(&f).is_some_and(|e| e.sections.len() == 1));
    assert!(locate(&f, &Hints::default()).is_err());
}

/// `image_locate`: `e_shoff` (or `e_phoff`) near 2^64 made the header field
/// offsets `at + 8`, ... overflow in the ELF parser.
#[test]
fn elf_headers_near_the_top_of_the_address_space() {
    use kallsyms::image::Elf;
    for (phoff, shoff) in [(0, u64::MAX - 8), (u64::MAX - 4, 0), (u64::MAX, u64::MAX)] {
        let mut f = b"\x7fELF\x02\x01\x01".to_vec();
        f.resize(16, 0);
        f.extend_from_slice(&2u16.to_le_bytes());
        f.extend_from_slice(&62u16.to_le_bytes());
        f.extend_from_slice(&1u32.to_le_bytes());
        f.extend_from_slice(&0u64.to_le_bytes());
        f.extend_from_slice(&phoff.to_le_bytes());
        f.extend_from_slice(&shoff.to_le_bytes());
        f.extend_from_slice(&0u32.to_le_bytes());
        for v in [64u16, 56, 1, 64, 1, 0] {
            f.extend_from_slice(&v.to_le_bytes());
        }
        f.resize(256, 0);
        let e = Elf::parse(&f).expect("the identification is valid");
        assert!(e.sections.is_empty() && e.segments.is_empty());
        assert!(kallsyms::image::locate(&f, &Default::default()).is_err());
    }
}
