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

/// `unsafe` only in the C ABI: the crate forbids it without `capi`; every module
/// `src/lib.rs` declares, but `capi`, carries `#[forbid(unsafe_code)]`; the
/// command-line tool forbids it; and no source file outside `src/capi*` contains
/// the keyword (comments aside).
#[test]
fn unsafe_code_only_in_the_c_abi() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let lib = std::fs::read_to_string(root.join("src/lib.rs")).unwrap();
    assert!(lib.contains("#![cfg_attr(not(feature = \"capi\"), forbid(unsafe_code))]"));
    let mut attrs: Vec<&str> = Vec::new();
    let mut modules = 0;
    for line in lib.lines().map(str::trim) {
        if line.starts_with("#[") {
            attrs.push(line);
            continue;
        }
        if let Some(rest) = line.strip_prefix("pub mod ").or(line.strip_prefix("mod ")) {
            let name = rest.trim_end_matches(';');
            let forbids = attrs.contains(&"#[forbid(unsafe_code)]");
            assert_eq!(forbids, name != "capi", "module {name}");
            modules += 1;
        }
        if !line.starts_with("//") {
            attrs.clear();
        }
    }
    assert!(modules >= 10, "{modules} modules");
    let main = std::fs::read_to_string(root.join("src/bin/kallsyms/main.rs")).unwrap();
    assert!(main.contains("#![forbid(unsafe_code)]"));

    fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    let mut files = Vec::new();
    walk(&root.join("src"), &mut files);
    let mut checked = 0;
    for f in files {
        let rel = f.strip_prefix(root).unwrap().to_string_lossy().into_owned();
        if rel == "src/capi.rs" || rel.starts_with("src/capi/") {
            continue;
        }
        checked += 1;
        let text = std::fs::read_to_string(&f).unwrap();
        for (n, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            let b = code.as_bytes();
            let mut from = 0;
            while let Some(p) = code[from..].find("unsafe") {
                let at = from + p;
                let before = at.checked_sub(1).map(|i| b[i]);
                let after = b.get(at + 6).copied();
                let word =
                    |c: Option<u8>| c.is_some_and(|c| c.is_ascii_alphanumeric() || c == b'_');
                assert!(
                    word(before) || word(after),
                    "{rel}:{}: `unsafe` outside the C ABI",
                    n + 1
                );
                from = at + 6;
            }
        }
    }
    assert!(checked > 20, "{checked} files");
}

/// Clippy's `arithmetic_side_effects` audit: `Layout::linux(major, minor, patch, ..)`
/// computed `major * 1_000_000 + minor * 1000 + patch` in `u32`, which overflowed
/// (a panic in debug builds, a wrong generation in release) for majors over 4294.
/// Absurd versions now saturate to the newest generation.
#[test]
fn layout_linux_saturates_absurd_versions() {
    use kallsyms::{AddressEncoding, Layout};
    for (major, minor, patch) in [
        (4295, 0, 0),
        (u32::MAX, u32::MAX, u32::MAX),
        (7, u32::MAX, 0),
    ] {
        let l = Layout::linux(major, minor, patch, false, true);
        assert_eq!(
            l.addresses,
            AddressEncoding::PlaceRelative,
            "{major}.{minor}.{patch}"
        );
    }
    assert_eq!(Layout::linux(6, 12, 0, false, true), Layout::V6_12_X86_64);
}

/// `hash_slots` of any count is a valid length (no overflow on 32-bit targets).
#[test]
fn hash_slots_saturates() {
    assert!(kallsyms::accel::hash_slots(u32::MAX) >= u32::MAX as usize);
    assert_eq!(kallsyms::accel::hash_slots(2), 3);
    assert_eq!(kallsyms::accel::hash_slots(300), 400);
    assert!(kallsyms::accel::hash_index_len(u32::MAX) >= u32::MAX as usize);
}
