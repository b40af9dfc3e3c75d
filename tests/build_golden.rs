// SPDX-License-Identifier: GPL-2.0-only OR MIT
//! The builder against the real `scripts/kallsyms` (6.12): byte-identical assembly for
//! the three real symbol sets, the same warnings, and objects assembled from our text
//! that hold exactly the arrays of [`kallsyms::build::OwnedTable`]. The 7.0 forms are
//! checked for shape and, with gcc, assembled.

mod support;

use std::collections::HashMap;
use std::fs;
use std::path::Path;
use std::process::Command;

use kallsyms::build::{build, parse_map, Built, KernelVersion, Options, ParseMode};
use kallsyms::{AddressEncoding, Endian, Layout, SeqsFormat, SeqsKey};
use object::{Object, ObjectSection, ObjectSymbol, RelocationTarget};
use support::{Set, SETS};

fn built(set: Set, options: Options) -> Built {
    let map = support::fixture(set.map);
    let syms = parse_map(&map, ParseMode::Kallsyms).expect("map parses");
    build(syms, &options).expect("builds")
}

fn check_golden(set: Set) {
    let asm = built(set, set.options()).asm();
    let sha = support::sha256_hex(&asm);
    if sha != set.sha256 {
        let want = support::fixture(&set.golden());
        panic!(
            "{}: output differs from scripts/kallsyms (sha256 {sha}); {}",
            set.name,
            support::first_difference(&asm, &want)
        );
    }
}

#[test]
fn golden_debian_6_1() {
    check_golden(support::set("debian-6.1.176-amd64"));
}

#[test]
fn golden_clang_thinlto_6_12() {
    check_golden(support::set("linux-6.12-clang19-thinlto-x86_64"));
}

#[test]
fn golden_rust_v0() {
    check_golden(support::set("rust-v0-symbols"));
}

#[test]
fn rust_v0_warnings_match_stderr() {
    let set = support::set("rust-v0-symbols");
    let map = support::fixture(set.map);
    let syms = parse_map(&map, ParseMode::Kallsyms).expect("map parses");
    let b = build(syms, &set.options()).expect("builds");
    let text: Vec<u8> = b.warnings().iter().flat_map(|w| w.kernel_text()).collect();
    assert_eq!(
        String::from_utf8_lossy(&text),
        String::from_utf8_lossy(&support::data_file("rust-v0-symbols.kallsyms.stderr"))
    );
    assert_eq!(b.warnings().len(), 1);
}

/// Assembles `asm` with `gcc -c` (the 6.12 `#include` replaced by a definition, as
/// tests/data/README.md says) and returns the object file.
fn assemble(asm: &[u8], test: &str) -> Vec<u8> {
    let dir = support::scratch(test);
    let src = dir.join("kallsyms.S");
    let obj = dir.join("kallsyms.o");
    let text = match asm.strip_prefix(b"#include <asm/bitsperlong.h>\n".as_slice()) {
        Some(rest) => [b"#define BITS_PER_LONG 64\n".as_slice(), rest].concat(),
        None => asm.to_vec(),
    };
    fs::write(&src, text).expect("write .S");
    let out = Command::new("gcc")
        .arg("-c")
        .arg(&src)
        .arg("-o")
        .arg(&obj)
        .output()
        .expect("run gcc");
    assert!(
        out.status.success(),
        "gcc failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let bytes = fs::read(&obj).expect("read .o");
    let _ = fs::remove_dir_all(&dir);
    bytes
}

/// The `.rodata` bytes from each `kallsyms_*` label on, and the relocations of
/// `.rodata` as (offset, symbol name, addend), sorted by offset.
struct Rodata {
    from: HashMap<String, Vec<u8>>,
    relocs: Vec<(u64, String, i64)>,
}

fn rodata(obj: &[u8]) -> Rodata {
    let file = object::File::parse(obj).expect("ELF");
    let section = file.section_by_name(".rodata").expect(".rodata");
    let data = section.data().expect("data");
    let mut from = HashMap::new();
    for sym in file.symbols() {
        let Ok(name) = sym.name() else { continue };
        if name.starts_with("kallsyms_") {
            let at = sym.address() as usize;
            from.insert(name.to_string(), data[at..].to_vec());
        }
    }
    let mut relocs = Vec::new();
    for (off, r) in section.relocations() {
        let name = match r.target() {
            RelocationTarget::Symbol(i) => file
                .symbol_by_index(i)
                .ok()
                .and_then(|s| s.name().ok().map(str::to_string))
                .unwrap_or_default(),
            _ => String::new(),
        };
        relocs.push((off, name, r.addend()));
    }
    relocs.sort();
    Rodata { from, relocs }
}

fn assert_array(ro: &Rodata, label: &str, want: &[u8]) {
    let got = ro.from.get(label).unwrap_or_else(|| panic!("no {label}"));
    assert!(got.len() >= want.len(), "{label}: object too short");
    if let Some(i) = (0..want.len()).find(|&i| got[i] != want[i]) {
        panic!("{label}: byte {i} differs");
    }
}

/// The 6.12 text of `set`, assembled, holds the arrays of the matching `OwnedTable`.
fn check_object_6_12(set: Set) {
    if !support::have_gcc() {
        eprintln!("gcc not found: skipped");
        return;
    }
    let b = built(set, set.options());
    let ro = rodata(&assemble(&b.asm(), set.name));
    let layout = Layout {
        addresses: if set.absolute_percpu {
            AddressEncoding::AbsolutePercpu
        } else {
            AddressEncoding::Relative
        },
        seqs: SeqsFormat::Be24,
        seqs_key: SeqsKey::FullName,
        endian: Endian::Little,
        ptr_bytes: 8,
    };
    let owned = b.owned_table(layout).expect("owned table");
    let raw = owned.raw();
    assert_array(&ro, "kallsyms_num_syms", &raw.num_syms.to_le_bytes());
    assert_array(&ro, "kallsyms_names", raw.names);
    assert_array(&ro, "kallsyms_markers", raw.markers);
    assert_array(&ro, "kallsyms_token_table", raw.token_table);
    assert_array(&ro, "kallsyms_token_index", raw.token_index);
    assert_array(&ro, "kallsyms_offsets", raw.offsets);
    assert_array(&ro, "kallsyms_seqs_of_names", raw.seqs_of_names);
    // `PTR _text + off`: one relocation against _text whose addend is the base.
    assert_eq!(ro.relocs.len(), 1);
    let (_, sym, addend) = &ro.relocs[0];
    assert_eq!(sym, "_text");
    assert_eq!(
        raw.relative_base.wrapping_sub(b.text()) as i64,
        *addend,
        "relative base"
    );
}

#[test]
fn object_debian_matches_owned_table() {
    check_object_6_12(support::set("debian-6.1.176-amd64"));
}

#[test]
fn object_thinlto_matches_owned_table() {
    check_object_6_12(support::set("linux-6.12-clang19-thinlto-x86_64"));
}

#[test]
fn object_rust_matches_owned_table() {
    check_object_6_12(support::set("rust-v0-symbols"));
}

/// The shape of a 7.0 text: no prelude, every label `.balign 4`, no relative base.
fn check_shape_7_0(asm: &[u8], pc_relative: bool) {
    let text = String::from_utf8_lossy(asm);
    assert!(text.starts_with("\t.section .rodata, \"a\"\n"));
    assert!(!text.contains("\n#") && !text.contains("\tALGN\n") && !text.contains("\tPTR\t"));
    assert!(!text.contains(".globl kallsyms_relative_base\n"));
    let lines: Vec<&str> = text.lines().collect();
    let mut labels = 0;
    for (i, l) in lines.iter().enumerate() {
        if let Some(name) = l.strip_prefix(".globl ") {
            labels += 1;
            assert_eq!(lines[i + 1], "\t.balign 4");
            assert_eq!(lines[i + 2], format!("{name}:"));
        }
    }
    assert_eq!(labels, 7);
    let offsets = text.split("kallsyms_offsets:\n").nth(1).expect("offsets");
    let first = offsets.lines().next().expect("an entry");
    if pc_relative {
        assert!(first.starts_with("\t.long\t_text - . + ("), "{first}");
    } else {
        assert!(!first.contains("_text"), "{first}");
    }
}

fn check_7_0(set: Set, pc_relative: bool) {
    let options = Options {
        all_symbols: set.all_symbols,
        pc_relative,
        kernel: KernelVersion::V7_0,
        ..Options::default()
    };
    let b = built(set, options);
    let asm = b.asm();
    check_shape_7_0(&asm, pc_relative);
    // The same symbols as in 6.12, in the same name order.
    let old = built(set, set.options());
    let by_name = |x: &Built| -> Vec<Vec<u8>> {
        x.seqs_of_names()
            .iter()
            .map(|&i| x.symbol(i as usize).expect("symbol").name.to_vec())
            .collect()
    };
    assert_eq!(by_name(&b), by_name(&old));
    if !support::have_gcc() {
        eprintln!("gcc not found: assembly skipped");
        return;
    }
    let test = format!("{}-7.0-{pc_relative}", set.name);
    let ro = rodata(&assemble(&asm, &test));
    // Names, tokens and name index do not depend on the address encoding.
    let owned = b
        .owned_table(Layout {
            addresses: AddressEncoding::Absolute,
            ..Layout::V7_0
        })
        .expect("owned table");
    let raw = owned.raw();
    assert_array(&ro, "kallsyms_names", raw.names);
    assert_array(&ro, "kallsyms_token_table", raw.token_table);
    assert_array(&ro, "kallsyms_seqs_of_names", raw.seqs_of_names);
    let syms: Vec<_> = b.symbols().collect();
    if pc_relative {
        // One PC32 relocation per entry: `_text` plus `addr - _text`.
        assert_eq!(ro.relocs.len(), syms.len());
        for (s, (_, sym, addend)) in syms.iter().zip(&ro.relocs) {
            assert_eq!(sym, "_text");
            assert_eq!(*addend, s.addr.wrapping_sub(b.text()) as i64, "{:?}", s);
        }
    } else {
        assert!(ro.relocs.is_empty());
        let want: Vec<u8> = syms
            .iter()
            .flat_map(|s| (s.addr as u32).to_le_bytes())
            .collect();
        assert_array(&ro, "kallsyms_offsets", &want);
    }
}

#[test]
fn v7_0_pc_relative_rust() {
    check_7_0(support::set("rust-v0-symbols"), true);
}

#[test]
fn v7_0_raw_rust() {
    check_7_0(support::set("rust-v0-symbols"), false);
}

#[test]
fn v7_0_pc_relative_thinlto() {
    check_7_0(support::set("linux-6.12-clang19-thinlto-x86_64"), true);
}

#[test]
fn v7_0_raw_debian() {
    check_7_0(support::set("debian-6.1.176-amd64"), false);
}

#[test]
fn v7_0_rejects_absolute_percpu() {
    let map = support::fixture(SETS[2].map);
    let syms = parse_map(&map, ParseMode::Kallsyms).expect("map parses");
    let opts = Options {
        absolute_percpu: true,
        kernel: KernelVersion::V7_0,
        ..Options::default()
    };
    assert!(build(syms.clone(), &opts).is_err());
    let opts = Options {
        pc_relative: true,
        ..Options::default()
    };
    assert!(build(syms, &opts).is_err());
}

#[cfg(feature = "cli")]
mod cli {
    use super::*;

    fn kallsyms(args: &[&std::ffi::OsStr]) -> std::process::Output {
        Command::new(env!("CARGO_BIN_EXE_kallsyms"))
            .args(args)
            .output()
            .expect("run kallsyms")
    }

    fn map_path(set: Set) -> std::path::PathBuf {
        support::fixture(set.map);
        support::cache_dir().join(set.map)
    }

    #[test]
    fn kernel_usage_is_byte_identical() {
        let set = support::set("rust-v0-symbols");
        let map = map_path(set);
        let out = kallsyms(&["--all-symbols".as_ref(), map.as_os_str()]);
        assert!(out.status.success());
        assert_eq!(support::sha256_hex(&out.stdout), set.sha256);
        assert_eq!(
            out.stderr,
            support::data_file("rust-v0-symbols.kallsyms.stderr")
        );
    }

    #[test]
    fn build_subcommand_is_byte_identical() {
        let set = support::set("debian-6.1.176-amd64");
        let map = map_path(set);
        let out = kallsyms(&[
            "build".as_ref(),
            "--all-symbols".as_ref(),
            "--absolute-percpu".as_ref(),
            map.as_os_str(),
        ]);
        assert!(out.status.success());
        assert_eq!(support::sha256_hex(&out.stdout), set.sha256);
        assert!(out.stderr.is_empty());
    }

    #[test]
    fn errors_exit_1_with_kernel_text() {
        let dir = support::scratch("cli-errors");
        let bad = dir.join("bad.map");
        fs::write(&bad, "ffffffff81000000 T _text\nnot a line\n").expect("write");
        let out = kallsyms(&[bad.as_os_str()]);
        assert_eq!(out.status.code(), Some(1));
        assert_eq!(out.stderr, b"line format error\n");

        let missing = dir.join("missing.map");
        let out = kallsyms(&[missing.as_os_str()]);
        assert_eq!(out.status.code(), Some(1));
        assert_eq!(
            String::from_utf8_lossy(&out.stderr),
            format!("{}: No such file or directory\n", missing.display())
        );

        let good = dir.join("good.map");
        fs::write(&good, "ffffffff81000000 T _text\n").expect("write");
        let out = kallsyms(&[
            "build".as_ref(),
            "--kernel".as_ref(),
            "7.0".as_ref(),
            "--absolute-percpu".as_ref(),
            good.as_os_str(),
        ]);
        assert_eq!(out.status.code(), Some(1));
        assert_eq!(
            out.stderr,
            b"Usage: kallsyms [--all-symbols] in.map > out.S\n"
        );
        let _ = fs::remove_dir_all(Path::new(&dir));
    }
}
