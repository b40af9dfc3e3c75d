// SPDX-License-Identifier: GPL-2.0-only OR MIT
//! `kallsyms::image` on synthetic kernel images: a table built by the builder for
//! a generated symbol list, laid out in the array order of each generation (6.1 -
//! 6.3, 6.4 - 6.19, 7.0) with that generation's alignment, inside filler bytes,
//! as a raw image or wrapped in an ELF file; then found, decoded and compared with
//! the builder's symbols. Also: no panics on truncated, mutated or random input,
//! and the ELF copy writer read back with `object`.
#![cfg(feature = "cli")]

use kallsyms::build::{self as kb, KernelVersion, Options, SymbolList};
use kallsyms::image::{self, container, elf_out, Hints, Order};
use kallsyms::{AddressEncoding, Endian, Layout, SeqsFormat, SeqsKey, Table, KSYM_NAME_LEN};

/// xorshift64: deterministic filler and choices.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// A kernel-like symbol list at `base`: optional per-cpu symbols at 0, text with
/// `_text`/`_stext`/`startup_64`, init text, data, and LTO-style suffixes.
fn symbols(base: u64, percpu: bool, n: usize, rng: &mut Rng) -> SymbolList {
    let mut l = SymbolList::new();
    if percpu {
        l.push(0, b'D', b"__per_cpu_start");
        l.push(0, b'D', b"fixed_percpu_data");
        for i in 0..20u64 {
            l.push(0x1000 + i * 0x40, b'd', format!("pcpu_var_{i}").as_bytes());
        }
        l.push(0x2000, b'D', b"__per_cpu_end");
    }
    l.push(base, b'T', b"_text");
    l.push(base, b'T', b"startup_64");
    l.push(base + 0x1000, b'T', b"_stext");
    let mut a = base + 0x1000;
    let stems = [
        "do_work",
        "handle_irq",
        "vfs_read",
        "sched_tick",
        "alloc_page",
    ];
    for i in 0..n {
        a += 16 + rng.below(96);
        let stem = stems[i % stems.len()];
        let name = match rng.below(6) {
            0 => format!("{stem}.llvm.{}", rng.below(1 << 40)),
            1 => format!("{stem}_{i}.cold"),
            2 => format!("{stem}.isra.{}", i % 3),
            _ => format!("{stem}_{i}"),
        };
        let kind = if rng.below(3) == 0 { b'T' } else { b't' };
        l.push(a, kind, name.as_bytes());
    }
    a += 64;
    l.push(a, b'T', b"_etext");
    l.push(a + 0x100, b'T', b"_sinittext");
    l.push(a + 0x100, b'T', b"start_kernel");
    l.push(a + 0x400, b'T', b"_einittext");
    a += 0x1000;
    for i in 0..n / 4 {
        a += 8 + rng.below(64);
        let kind = [b'D', b'd', b'b', b'r'][i % 4];
        l.push(a, kind, format!("data_object_{i}").as_bytes());
    }
    l.push(a + 0x40, b'B', b"_end");
    l
}

/// One generation's image to build.
#[derive(Clone, Copy, Debug)]
struct Case {
    name: &'static str,
    order: Order,
    layout: Layout,
    base: u64,
    elf: bool,
    /// Pass the base as a hint (raw 7.0 images).
    hint_base: bool,
    /// Start the raw image with an arm64 `Image` header.
    arm64_header: bool,
}

const fn layout(
    addresses: AddressEncoding,
    seqs: SeqsFormat,
    seqs_key: SeqsKey,
    endian: Endian,
    ptr_bytes: u8,
) -> Layout {
    Layout {
        addresses,
        seqs,
        seqs_key,
        endian,
        ptr_bytes,
    }
}

const X86: u64 = 0xffff_ffff_8100_0000;
const ARM64: u64 = 0xffff_8000_8000_0000;
const I386: u64 = 0xc100_0000;

use AddressEncoding::*;
use Endian::{Big, Little};
use SeqsFormat::{Be24, U32};
use SeqsKey::*;

const CASES: &[Case] = &[
    Case {
        name: "6.1.0 x86-64, no seqs, raw",
        order: Order::V6_1,
        layout: layout(AbsolutePercpu, SeqsFormat::None, FullName, Little, 8),
        base: X86,
        elf: false,
        hint_base: false,
        arm64_header: false,
    },
    Case {
        name: "6.1.42 x86-64, u32 seqs, ELF",
        order: Order::V6_1,
        layout: layout(AbsolutePercpu, U32, FullName, Little, 8),
        base: X86,
        elf: true,
        hint_base: false,
        arm64_header: false,
    },
    Case {
        name: "6.1.60 Clang LTO, 3-byte seqs cut at .llvm., ELF",
        order: Order::V6_1,
        layout: layout(Relative, Be24, CutAtLlvm, Little, 8),
        base: ARM64,
        elf: true,
        hint_base: false,
        arm64_header: false,
    },
    Case {
        name: "6.2 arm64 Clang LTO, cut at first dot, raw",
        order: Order::V6_1,
        layout: layout(Relative, Be24, CutAtFirstDot, Little, 8),
        base: ARM64,
        elf: false,
        hint_base: false,
        arm64_header: true,
    },
    Case {
        name: "6.1 absolute addresses, ELF",
        order: Order::V6_1,
        layout: layout(Absolute, SeqsFormat::None, FullName, Little, 8),
        base: X86,
        elf: true,
        hint_base: false,
        arm64_header: false,
    },
    Case {
        name: "6.6 arm64 Clang LTO, raw",
        order: Order::V6_4,
        layout: layout(Relative, Be24, CutAtLlvm, Little, 8),
        base: ARM64,
        elf: false,
        hint_base: false,
        arm64_header: true,
    },
    Case {
        name: "6.8 absolute addresses, ELF",
        order: Order::V6_4,
        layout: layout(Absolute, Be24, FullName, Little, 8),
        base: X86,
        elf: true,
        hint_base: false,
        arm64_header: false,
    },
    Case {
        name: "6.12 x86-64 SMP, ELF",
        order: Order::V6_4,
        layout: Layout::V6_12_X86_64,
        base: X86,
        elf: true,
        hint_base: false,
        arm64_header: false,
    },
    Case {
        name: "6.15, raw",
        order: Order::V6_4,
        layout: Layout::V6_15,
        base: X86,
        elf: false,
        hint_base: false,
        arm64_header: false,
    },
    Case {
        name: "6.12 32-bit, ELF32",
        order: Order::V6_4,
        layout: layout(Relative, Be24, FullName, Little, 4),
        base: I386,
        elf: true,
        hint_base: false,
        arm64_header: false,
    },
    Case {
        name: "6.12 big-endian 64-bit, raw",
        order: Order::V6_4,
        layout: layout(Relative, Be24, FullName, Big, 8),
        base: X86,
        elf: false,
        hint_base: false,
        arm64_header: false,
    },
    Case {
        name: "7.0 x86-64, ELF",
        order: Order::V7_0,
        layout: Layout::V7_0,
        base: X86,
        elf: true,
        hint_base: false,
        arm64_header: false,
    },
    Case {
        name: "7.0 arm64 Image, default base",
        order: Order::V7_0,
        layout: Layout::V7_0,
        base: ARM64,
        elf: false,
        hint_base: false,
        arm64_header: true,
    },
    Case {
        name: "7.0 raw, x86-64 default base",
        order: Order::V7_0,
        layout: Layout::V7_0,
        base: X86,
        elf: false,
        hint_base: false,
        arm64_header: false,
    },
    Case {
        name: "7.0 raw, --base",
        order: Order::V7_0,
        layout: Layout::V7_0,
        base: 0xffff_ffc0_1000_0000,
        elf: false,
        hint_base: true,
        arm64_header: false,
    },
    Case {
        name: "7.0 32-bit not relocatable, ELF32",
        order: Order::V7_0,
        layout: layout(Raw32, Be24, FullName, Little, 4),
        base: I386,
        elf: true,
        hint_base: false,
        arm64_header: false,
    },
];

/// A built image: the bytes (raw or ELF), the expected symbols and the offset of
/// the raw image in the file.
struct Built {
    file: Vec<u8>,
    expected: Vec<(u64, u8, Vec<u8>)>,
    image_at: usize,
}

fn align(v: &mut Vec<u8>, a: usize) {
    while v.len() % a != 0 {
        v.push(0);
    }
}

fn build_case(c: &Case, seed: u64) -> Built {
    let mut rng = Rng(seed);
    let percpu = c.layout.addresses == AbsolutePercpu;
    let list = symbols(c.base, percpu, 2500, &mut rng);
    let kernel = if c.order == Order::V7_0 {
        KernelVersion::V7_0
    } else {
        KernelVersion::V6_12
    };
    let opts = Options {
        all_symbols: true,
        absolute_percpu: percpu,
        pc_relative: c.layout.addresses == PlaceRelative,
        kernel,
    };
    let built = kb::build(list, &opts).expect("build");
    let expected: Vec<_> = built
        .symbols()
        .map(|s| (s.addr, s.kind, s.name.to_vec()))
        .collect();
    let a = if c.order == Order::V7_0 || c.layout.ptr_bytes == 4 {
        4
    } else {
        8
    };
    let p = usize::from(c.layout.ptr_bytes);
    // The image: filler, then the arrays at about 3/4 of the symbol span.
    let span = (expected.iter().map(|s| s.0).max().unwrap() - c.base) as usize;
    let mut img = Vec::with_capacity(span + (1 << 20));
    let start = span * 3 / 4;
    while img.len() < start {
        img.extend_from_slice(&rng.next().to_le_bytes());
    }
    if c.arm64_header {
        img[0x38..0x3c].copy_from_slice(b"ARM\x64");
        img[8..16].copy_from_slice(&0u64.to_le_bytes());
    }
    img.truncate(start);
    align(&mut img, 8);
    // Two passes: the offsets' address depends on where they land.
    let sizes = built.owned_table_at(c.layout, c.base).expect("owned");
    let mut out = Vec::new();
    let mut offsets_at = 0;
    for pass in 0..2 {
        let owned = if pass == 0 {
            sizes.clone()
        } else {
            built
                .owned_table_at(c.layout, c.base + offsets_at as u64)
                .expect("owned at")
        };
        let raw = owned.raw();
        let e = c.layout.endian;
        let word = |v: u64, n: usize| -> Vec<u8> {
            match (e, n) {
                (Little, 8) => v.to_le_bytes().to_vec(),
                (Big, 8) => v.to_be_bytes().to_vec(),
                (Little, _) => (v as u32).to_le_bytes().to_vec(),
                (Big, _) => (v as u32).to_be_bytes().to_vec(),
            }
        };
        out = img.clone();
        let put = |out: &mut Vec<u8>, bytes: &[u8]| -> usize {
            align(out, a);
            let at = out.len();
            out.extend_from_slice(bytes);
            at
        };
        let has_rb = c.layout.has_relative_base();
        match c.order {
            Order::V6_1 => {
                offsets_at = put(&mut out, raw.offsets);
                if has_rb {
                    put(&mut out, &word(raw.relative_base, p));
                }
                put(&mut out, &word(u64::from(raw.num_syms), 4));
                put(&mut out, raw.names);
                put(&mut out, raw.markers);
                if !raw.seqs_of_names.is_empty() {
                    put(&mut out, raw.seqs_of_names);
                }
                put(&mut out, raw.token_table);
                put(&mut out, raw.token_index);
            }
            Order::V6_4 | Order::V7_0 => {
                put(&mut out, &word(u64::from(raw.num_syms), 4));
                put(&mut out, raw.names);
                put(&mut out, raw.markers);
                put(&mut out, raw.token_table);
                put(&mut out, raw.token_index);
                offsets_at = put(&mut out, raw.offsets);
                if has_rb {
                    put(&mut out, &word(raw.relative_base, p));
                }
                put(&mut out, raw.seqs_of_names);
            }
        }
        align(&mut out, 8);
    }
    // Filler after the arrays up to the end of the symbol span.
    while out.len() < span + 4096 {
        out.extend_from_slice(&rng.next().to_le_bytes());
    }
    if !c.elf {
        return Built {
            file: out,
            expected,
            image_at: 0,
        };
    }
    Built {
        file: wrap_elf(&out, c.base, c.layout.ptr_bytes == 8, c.layout.endian),
        expected,
        image_at: 0x1000,
    }
}

/// A minimal executable: one `PT_LOAD` of `img` at `base`, no section headers.
fn wrap_elf(img: &[u8], base: u64, wide: bool, e: Endian) -> Vec<u8> {
    let mut f = Vec::new();
    let w16 = |v: u16| match e {
        Little => v.to_le_bytes().to_vec(),
        Big => v.to_be_bytes().to_vec(),
    };
    let w32 = |v: u32| match e {
        Little => v.to_le_bytes().to_vec(),
        Big => v.to_be_bytes().to_vec(),
    };
    let ww = |v: u64| {
        if wide {
            match e {
                Little => v.to_le_bytes().to_vec(),
                Big => v.to_be_bytes().to_vec(),
            }
        } else {
            w32(v as u32)
        }
    };
    f.extend_from_slice(b"\x7fELF");
    f.push(if wide { 2 } else { 1 });
    f.push(if e == Little { 1 } else { 2 });
    f.push(1);
    f.resize(16, 0);
    f.extend(w16(2));
    f.extend(w16(if wide { 62 } else { 3 }));
    f.extend(w32(1));
    f.extend(ww(base));
    let (eh, ph) = if wide { (64u64, 56u16) } else { (52, 32) };
    f.extend(ww(eh));
    f.extend(ww(0));
    f.extend(w32(0));
    f.extend(w16(eh as u16));
    f.extend(w16(ph));
    f.extend(w16(1));
    f.extend(w16(if wide { 64 } else { 40 }));
    f.extend(w16(0));
    f.extend(w16(0));
    let len = img.len() as u64;
    f.extend(w32(1));
    if wide {
        f.extend(w32(5));
        f.extend(ww(0x1000));
        f.extend(ww(base));
        f.extend(ww(base));
        f.extend(ww(len));
        f.extend(ww(len));
        f.extend(ww(0x1000));
    } else {
        f.extend(w32(0x1000));
        f.extend(w32(base as u32));
        f.extend(w32(base as u32));
        f.extend(w32(len as u32));
        f.extend(w32(len as u32));
        f.extend(w32(5));
        f.extend(w32(0x1000));
    }
    f.resize(0x1000, 0);
    f.extend_from_slice(img);
    f
}

fn decoded(t: &Table<'_>) -> Vec<(u64, u8, Vec<u8>)> {
    let mut buf = [0u8; KSYM_NAME_LEN];
    t.iter()
        .map(|s| (s.address, s.type_letter, t.name(&s, &mut buf).to_vec()))
        .collect()
}

fn hints(c: &Case) -> Hints {
    Hints {
        base: c.hint_base.then_some(c.base),
        ..Hints::default()
    }
}

#[test]
fn every_generation_is_found_and_decoded() {
    for (k, c) in CASES.iter().enumerate() {
        let b = build_case(c, 0x9e37_79b9_7f4a_7c15 ^ k as u64);
        let l = image::locate(&b.file, &hints(c)).unwrap_or_else(|e| panic!("{}: {e}", c.name));
        if c.layout.addresses == Raw32 {
            // 32-bit absolute addresses of 6.4 - 6.10 are the same bytes in the
            // same place as 7.0's raw u32 entries: either reading is right.
            assert!(matches!(l.layout.addresses, Raw32 | Absolute), "{}", c.name);
        } else {
            assert_eq!(l.layout, c.layout, "{}", c.name);
            assert_eq!(l.provenance.order, c.order, "{}", c.name);
        }
        assert!(l.provenance.name_order_checked, "{}", c.name);
        let t = l.table().unwrap();
        assert_eq!(decoded(&t), b.expected, "{}", c.name);
        // Sections from the table's own _stext/_etext/...: the last symbol has a size.
        assert!(l.sections.is_some(), "{}", c.name);
        // Provenance points at the arrays.
        let p = l.provenance;
        assert!(
            p.names > p.num_syms && p.token_index > p.token_table,
            "{}",
            c.name
        );
        assert!(p.token_table >= b.image_at, "{}", c.name);
    }
}

#[test]
fn skipping_the_name_order_check_finds_the_same_arrays() {
    for (k, c) in CASES.iter().enumerate().step_by(3) {
        let b = build_case(c, 77 + k as u64);
        let mut h = hints(c);
        let full = image::locate(&b.file, &h).unwrap();
        h.skip_name_order = true;
        let quick = image::locate(&b.file, &h).unwrap();
        assert_eq!(full.provenance.token_index, quick.provenance.token_index);
        assert_eq!(full.layout.addresses, quick.layout.addresses);
        assert_eq!(decoded(&quick.table().unwrap()), b.expected, "{}", c.name);
    }
}

#[test]
fn tables_end_bounds_the_arrays() {
    for (k, c) in CASES.iter().enumerate() {
        let b = build_case(c, 1234 + k as u64);
        let end = image::tables_end(&b.file, 0).unwrap_or_else(|| panic!("{}", c.name));
        let cut = &b.file[..end.min(b.file.len())];
        let l = image::locate(cut, &hints(c)).unwrap_or_else(|e| panic!("{}: {e}", c.name));
        assert_eq!(decoded(&l.table().unwrap()), b.expected, "{}", c.name);
    }
}

#[test]
fn place_relative_raw_image_takes_its_base_from_the_hint() {
    let c = CASES.iter().find(|c| c.name == "7.0 raw, --base").unwrap();
    let b = build_case(c, 5);
    // Place-relative entries fix every address relative to the file, not the base:
    // without the hint the x86-64 link address is assumed and everything shifts.
    let l = image::locate(&b.file, &Hints::default()).unwrap();
    assert_eq!(l.provenance.address_source, image::AddressSource::Base(X86));
    let got = decoded(&l.table().unwrap());
    assert_eq!(got[0].0, X86);
    assert!(got
        .iter()
        .zip(&b.expected)
        .all(|(g, e)| g.0.wrapping_sub(X86) == e.0.wrapping_sub(c.base) && g.2 == e.2));
    let l = image::locate(&b.file, &hints(c)).unwrap();
    assert_eq!(
        l.provenance.address_source,
        image::AddressSource::Base(c.base)
    );
    assert_eq!(decoded(&l.table().unwrap()), b.expected);
}

#[test]
fn no_panics_on_truncated_mutated_or_random_input() {
    let c = &CASES[7];
    let b = build_case(c, 99);
    let mut rng = Rng(42);
    // Truncations: every 1/97th, plus cuts inside the arrays.
    let l = image::locate(&b.file, &Hints::default()).unwrap();
    let p = l.provenance;
    let mut cuts: Vec<usize> = (0..97).map(|i| b.file.len() * i / 97).collect();
    for _ in 0..40 {
        cuts.push(p.num_syms + rng.below((p.offsets + 4096 - p.num_syms) as u64) as usize);
    }
    for cut in cuts {
        let _ = image::locate(&b.file[..cut.min(b.file.len())], &Hints::default());
    }
    // Byte flips inside the arrays.
    for _ in 0..60 {
        let mut m = b.file.clone();
        for _ in 0..4 {
            let at = p.num_syms + rng.below((p.offsets + 4096 - p.num_syms) as u64) as usize;
            if let Some(x) = m.get_mut(at) {
                *x ^= 1 << rng.below(8);
            }
        }
        if let Ok(l) = image::locate(&m, &Hints::default()) {
            let t = l.table().unwrap();
            assert!(t.iter().count() == t.len() as usize);
        }
    }
    // Random bytes, zeros, a token-index-looking run, ELF headers cut short.
    let random: Vec<u8> = (0..(1 << 18)).map(|_| rng.next() as u8).collect();
    assert!(image::locate(&random, &Hints::default()).is_err());
    assert!(image::locate(&vec![0u8; 1 << 16], &Hints::default()).is_err());
    let mut idx = Vec::new();
    for i in 0..256u16 {
        idx.extend_from_slice(&(i * 2).to_le_bytes());
    }
    assert!(image::locate(&idx, &Hints::default()).is_err());
    for cut in 0..200 {
        let _ = image::locate(&b.file[..cut], &Hints::default());
        let _ = image::elf::Elf::parse(&b.file[..cut]);
    }
    let _ = image::banner(&random);
    let _ = image::build_id(&random);
}

#[test]
fn containers_and_payloads() {
    let gz = [0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0, 0, 3];
    assert_eq!(
        container::kind(&gz),
        container::Kind::Compressed(image::Compression::Gzip)
    );
    let mut bz = vec![0u8; 0x400];
    bz[0x202..0x206].copy_from_slice(b"HdrS");
    bz[0x206..0x208].copy_from_slice(&0x20fu16.to_le_bytes());
    bz[0x1f1] = 1; // setup: 2 sectors, protected mode at 0x400
    assert_eq!(container::kind(&bz), container::Kind::BzImage);
    bz.extend_from_slice(b"\xfd7zXZ\x00junk");
    bz[0x248..0x24c].copy_from_slice(&0u32.to_le_bytes());
    bz[0x24c..0x250].copy_from_slice(&10u32.to_le_bytes());
    let p = container::payloads(&bz);
    assert_eq!(p[0].compression, image::Compression::Xz);
    assert_eq!(p[0].offset, 0x400);
    assert_eq!(p[0].bytes(&bz).len(), 10);
    // Garbage behind every magic decompresses to an error, not a panic.
    let mut rng = Rng(7);
    for c in [
        image::Compression::Gzip,
        image::Compression::Xz,
        image::Compression::Lzma,
        image::Compression::Zstd,
        image::Compression::Lz4,
        image::Compression::Bzip2,
        image::Compression::Lzo,
    ] {
        let junk: Vec<u8> = (0..4096).map(|_| rng.next() as u8).collect();
        let _ = image::decompress(c, &junk, 1 << 20);
    }
}

#[test]
fn compressed_payload_round_trip() {
    use std::io::Write;
    let c = &CASES[7];
    let b = build_case(c, 3);
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(&b.file).unwrap();
    let gz = enc.finish().unwrap();
    let p = container::payloads(&gz);
    let out = image::decompress(p[0].compression, p[0].bytes(&gz), 1 << 30).unwrap();
    assert_eq!(out, b.file);
    let zs = zstd::bulk::compress(&b.file, 3).unwrap();
    let out = image::decompress(image::Compression::Zstd, &zs, 1 << 30).unwrap();
    assert_eq!(out, b.file);
    // LZ4 legacy: the magic, then blocks of (size, LZ4 block).
    let mut lz = 0x184c_2102u32.to_le_bytes().to_vec();
    for chunk in b.file.chunks(8 << 20) {
        let blk = lz4_flex::block::compress(chunk);
        lz.extend_from_slice(&(blk.len() as u32).to_le_bytes());
        lz.extend_from_slice(&blk);
    }
    lz.extend_from_slice(&(b.file.len() as u32).to_le_bytes());
    let out = image::decompress(image::Compression::Lz4, &lz, 1 << 30).unwrap();
    assert_eq!(out, b.file);
}

#[test]
fn elf_copy_carries_every_symbol() {
    use object::{Object, ObjectSection, ObjectSymbol};
    for c in [&CASES[7], &CASES[5]] {
        let b = build_case(c, 11);
        let l = image::locate(&b.file, &hints(c)).unwrap();
        let t = l.table().unwrap();
        let out = match image::Elf::parse(&b.file) {
            Some(e) => elf_out::from_elf(&e, &t).unwrap(),
            None => elf_out::from_raw(&b.file, c.base, 183, &t).unwrap(),
        };
        let f = object::File::parse(&*out).unwrap();
        let syms: Vec<_> = f.symbols().collect();
        assert_eq!(syms.len(), b.expected.len(), "{}", c.name);
        let text = f.symbols().find(|s| s.name() == Ok("_text")).unwrap();
        assert_eq!(text.address(), c.base);
        assert!(text.is_global());
        let etext = t.lookup_name(b"_etext").unwrap().address;
        let s = f
            .symbols()
            .find(|s| s.name().is_ok_and(|n| n.starts_with("do_work_")))
            .unwrap();
        assert_eq!(s.kind(), object::SymbolKind::Text);
        assert!(s.size() > 0 && s.address() < etext);
        let sec = f.section_by_index(s.section_index().unwrap()).unwrap();
        assert!(sec.address() <= s.address() && s.address() < sec.address() + sec.size());
        // The copy is still a kernel image: the tables are found again.
        let again = image::locate(&out, &Hints::default()).unwrap();
        assert_eq!(decoded(&again.table().unwrap()), b.expected);
    }
}
