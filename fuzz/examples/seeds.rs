// SPDX-License-Identifier: GPL-2.0-only OR MIT
//! Writes the seed corpora of every fuzz target from the real fixtures in
//! `tests/data`: small tables built by the builder from slices of the real maps, in
//! many layouts; slices of the maps as text; livepatch names made of real symbol
//! names; module symbol tables.
//!
//! `cargo run --release --example seeds -- DIR` writes `DIR/<target>/<seed>`
//! (`scripts/fuzz` does this into `fuzz/corpus` when a corpus is empty).

use std::path::{Path, PathBuf};

use kallsyms::build::{build, parse_map, Options, ParseMode};
use kallsyms::{Layout, Sections};
use kallsyms_fuzz::{encode, flag, RoundtripInput};

fn fixture(file: &str) -> Vec<u8> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let cache = root.join("target/fixtures").join(file);
    if let Ok(b) = std::fs::read(cache) {
        return b;
    }
    let xz = std::fs::read(root.join("tests/data").join(format!("{file}.xz")))
        .unwrap_or_else(|e| panic!("{file}.xz: {e}"));
    let mut out = Vec::new();
    lzma_rs::xz_decompress(&mut &xz[..], &mut out).expect("xz");
    out
}

/// The lines of `map` from the first one containing `needle` (after `skip` such
/// lines), `count` of them.
fn window<'a>(lines: &[&'a [u8]], needle: &[u8], skip: usize, count: usize) -> Vec<&'a [u8]> {
    let start = lines
        .iter()
        .enumerate()
        .filter(|(_, l)| needle.is_empty() || l.windows(needle.len()).any(|w| w == needle))
        .map(|(i, _)| i)
        .nth(skip)
        .unwrap_or(0);
    let from = start.saturating_sub(count / 3);
    lines[from..(from + count).min(lines.len())].to_vec()
}

/// Parses map lines; addresses rebased to `0x1000` when `low` (for 32-bit layouts).
fn symbols(lines: &[&[u8]], low: bool) -> Vec<(u64, u8, Vec<u8>)> {
    let text: Vec<u8> = lines
        .iter()
        .flat_map(|l| l.iter().chain(b"\n"))
        .copied()
        .collect();
    let list = parse_map(&text, ParseMode::Kallsyms).expect("fixture map parses");
    let base = list.get(0).map_or(0, |s| s.addr);
    list.iter()
        .map(|s| {
            let a = if low { s.addr - base + 0x1000 } else { s.addr };
            (a, s.kind, s.name.to_vec())
        })
        .collect()
}

fn write(dir: &Path, target: &str, name: &str, bytes: &[u8]) {
    let d = dir.join(target);
    std::fs::create_dir_all(&d).expect("mkdir");
    std::fs::write(d.join(name), bytes).expect("write seed");
}

/// Query bytes for the table targets (see `kallsyms_fuzz::Queries`).
fn queries(names: &[Vec<u8>]) -> Vec<u8> {
    let mut q = Vec::new();
    for (k, name) in names.iter().take(6).enumerate() {
        // A name verbatim under all options.
        q.push(((kallsyms::Match::ALL.bits() as u8) << 2) & 0xfc);
        q.push(name.len().min(254) as u8);
        q.extend_from_slice(&name[..name.len().min(254)]);
        // Symbol names, changed.
        q.push(2 | (1 << 2));
        q.extend_from_slice(&(k as u16 * 7).to_le_bytes());
        q.push((k as u8) << 2 | (k as u8 % 4));
        // An address near a symbol.
        q.push(3);
        q.extend_from_slice(&(k as u16 * 5).to_le_bytes());
        q.extend_from_slice(&(k as i16 * 3 - 4).to_le_bytes());
    }
    q
}

fn main() {
    let out = PathBuf::from(std::env::args().nth(1).expect("usage: seeds DIR"));
    let maps = [
        fixture("debian-6.1.176-amd64.System.map"),
        fixture("linux-6.12-clang19-thinlto-x86_64.System.map"),
        fixture("rust-v0-symbols.map"),
    ];
    let lines: Vec<Vec<&[u8]>> = maps
        .iter()
        .map(|m| m.split(|&b| b == b'\n').filter(|l| !l.is_empty()).collect())
        .collect();
    // (map, needle, skip, count): where the interesting names are.
    let picks: [(usize, &[u8], usize, usize); 12] = [
        (0, b"", 0, 40),
        (0, b".isra.", 3, 60),
        (0, b".cold", 10, 50),
        (0, b".constprop.", 20, 80),
        (0, b"__func__.", 0, 30),
        (1, b".llvm.", 0, 50),
        (1, b".llvm.", 40, 100),
        (1, b"_sinittext", 0, 30),
        (1, b"__per_cpu_start", 0, 30),
        (2, b"", 0, 30),
        (2, b"_RNv", 300, 80),
        (2, b"regex_automata", 5, 100),
    ];
    let layouts = kallsyms_fuzz::all_layouts();
    let mut n_table = 0;
    for (p, &(m, needle, skip, count)) in picks.iter().enumerate() {
        let w = window(&lines[m], needle, skip, count);
        for variant in 0..3usize {
            let layout = layouts[(p * 37 + variant * 61) % layouts.len()];
            let low = layout.ptr_bytes == 4
                || layout.addresses == kallsyms::AddressEncoding::Raw32
                || variant == 2;
            let syms = symbols(&w, low);
            let mut list = kallsyms::build::SymbolList::new();
            for (a, k, n) in &syms {
                list.push(*a, *k, n);
            }
            let built = build(
                list,
                &Options {
                    all_symbols: true,
                    ..Options::default()
                },
            )
            .expect("slice builds");
            let owned = match built.owned_table(layout) {
                Ok(o) => o,
                Err(_) => built.owned_table(Layout::V6_15).expect("6.15 layout"),
            };
            let raw = owned.raw();
            let first = syms.iter().map(|s| s.0).min().unwrap_or(0);
            let last = syms.iter().map(|s| s.0).max().unwrap_or(0);
            let sections = Sections {
                stext: first,
                etext: last + 0x40,
                sinittext: last + 0x1000,
                einittext: last + 0x2000,
                init_begin: last + 0x1000,
                init_end: last + 0x3000,
                end: last + 0x4000,
                kallsyms_all: variant == 1,
            };
            let flags = match variant {
                0 => flag::NAME_INDEX,
                1 => flag::PROBE_CACHE | flag::HASH_INDEX | flag::KALLSYMS_ALL,
                _ => flag::BLOCK_OFFSETS | flag::FUZZED_ACCEL,
            };
            let names: Vec<Vec<u8>> = syms.iter().step_by(7).map(|s| s.2.clone()).collect();
            let seed = encode(
                owned.layout(),
                flags,
                &raw,
                (variant != 0).then_some(&sections),
                &queries(&names),
            );
            let name = format!("real-{p:02}-{variant}");
            write(&out, "table", &name, &seed);
            write(&out, "capi", &name, &seed);
            n_table += 1;

            // The builder round trip from the same slice.
            let rt = RoundtripInput {
                options: match variant {
                    0 => 1,
                    1 => 0,
                    _ => 1 | 8,
                },
                layout: layout.to_bits() as u16,
                symbols: syms.clone(),
            };
            write(&out, "roundtrip", &name, &rt.encode());

            // Module symbol tables (Elf64, little-endian).
            if variant == 0 {
                write(&out, "module_symtab", &name, &module_seed(&syms));
            }
        }
        // The map text itself, in both modes.
        let text: Vec<u8> = w
            .iter()
            .flat_map(|l| l.iter().chain(b"\n"))
            .copied()
            .collect();
        write(
            &out,
            "map_parse",
            &format!("map-{p:02}"),
            &[&[0u8][..], &text].concat(),
        );
        let mut proc = vec![1u8];
        for (k, l) in w.iter().enumerate() {
            proc.extend_from_slice(l);
            if k % 5 == 4 {
                proc.extend_from_slice(b"\t[ext4]");
            }
            proc.push(b'\n');
        }
        write(&out, "map_parse", &format!("proc-{p:02}"), &proc);
        // Livepatch names from the real names.
        for (k, l) in w.iter().step_by(count / 2).enumerate() {
            let name = &l[19..];
            let sym = [b".klp.sym.vmlinux.", name, b",", k.to_string().as_bytes()].concat();
            write(&out, "klp_names", &format!("sym-{p:02}-{k}"), &sym);
            let rela = [b".klp.rela.ext4..text.", name].concat();
            write(&out, "klp_names", &format!("rela-{p:02}-{k}"), &rela);
        }
    }
    // Hand-made map lines: edge cases of the line format.
    let odd: [&[u8]; 8] = [
        b"\0ffffffff81000000 T _text\n0 u undef\n  0x10 t\tx\n",
        b"\0-1 T neg\n+ff t plus\nffffffffffffffffff T huge\n",
        b"\0ff T name\0with nul\n10 \xff \xc3\x28bad-utf8\n",
        b"\x01ff t mod_fn\t[mod]\nff t tab\tname\n100 T x\t[\n",
        b"\0zz T bad\n",
        b"\x000x T x\n",
        b"\0\n\n",
        b"\x0110 T ok\r\n",
    ];
    for (k, o) in odd.iter().enumerate() {
        write(&out, "map_parse", &format!("odd-{k}"), o);
    }
    let mut long = b"\0ffffffff81000000 T ".to_vec();
    long.extend(std::iter::repeat(b'x').take(600));
    long.push(b'\n');
    write(&out, "map_parse", "long-name", &long);
    let klp: [&[u8]; 6] = [
        b".klp.sym.vmlinux.c_start.llvm.8011538628216713357,2",
        b".klp.sym.ext4.ext4_iget,0",
        b".klp.sym.vmlinux.foo,18446744073709551615",
        b".klp.rela.vmlinux..text.cmdline_proc_show",
        b".klp.sym.vmlinux.foo,1x",
        b".klp.sym..foo,1",
    ];
    for (k, s) in klp.iter().enumerate() {
        write(&out, "klp_names", &format!("hand-{k}"), s);
    }
    image_seeds(&out);
    eprintln!(
        "wrote {n_table} table seeds and the others to {}",
        out.display()
    );
}

/// Kernel-like symbols at `base` (the locator wants `_text`, `_stext`,
/// `startup_64` inside the image), `n` functions with real-looking suffixes.
fn image_symbols(base: u64, percpu: bool, n: u64) -> kallsyms::build::SymbolList {
    let mut l = kallsyms::build::SymbolList::new();
    if percpu {
        l.push(0, b'D', b"__per_cpu_start");
        l.push(0x40, b'd', b"pcpu_var");
        l.push(0x80, b'D', b"__per_cpu_end");
    }
    l.push(base, b'T', b"_text");
    l.push(base, b'T', b"startup_64");
    l.push(base + 0x100, b'T', b"_stext");
    let mut a = base + 0x100;
    for i in 0..n {
        a += 16 + (i * 37) % 48;
        let name = match i % 5 {
            0 => format!("do_work_{i}.llvm.{}", i * 7919),
            1 => format!("vfs_read_{i}.cold"),
            2 => format!("sched_{i}.isra.0"),
            _ => format!("handler_{i}"),
        };
        l.push(a, if i % 3 == 0 { b'T' } else { b't' }, name.as_bytes());
    }
    l.push(a + 0x40, b'T', b"_etext");
    l.push(a + 0x80, b'T', b"_sinittext");
    l.push(a + 0xc0, b'T', b"_einittext");
    l.push(a + 0x100, b'B', b"_end");
    l
}

/// Raw images (and one ELF file) holding a small table in each generation's array
/// order, for the `image_locate` target: byte 0 is the hints (see the target).
fn image_seeds(out: &Path) {
    use kallsyms::build::KernelVersion;
    use kallsyms::{AddressEncoding, Endian, SeqsFormat, SeqsKey};
    const X86: u64 = 0xffff_ffff_8100_0000;
    let v6_15 = Layout::V6_15;
    // (name, order 0 = 6.1-6.3 / 1 = 6.4+ / 2 = 7.0, layout, hint byte)
    let cases = [
        (
            "v6_1-percpu",
            0,
            Layout {
                addresses: AddressEncoding::AbsolutePercpu,
                seqs: SeqsFormat::None,
                ..v6_15
            },
            0u8,
        ),
        (
            "v6_1-u32",
            0,
            Layout {
                seqs: SeqsFormat::U32,
                ..v6_15
            },
            0,
        ),
        ("v6_4", 1, v6_15, 0),
        (
            "v6_4-cut",
            1,
            Layout {
                seqs_key: SeqsKey::CutAtLlvm,
                ..v6_15
            },
            2,
        ),
        (
            "v6_4-be32",
            1,
            Layout {
                endian: Endian::Big,
                ptr_bytes: 4,
                ..v6_15
            },
            0,
        ),
        ("v7_0", 2, Layout::V7_0, 1),
    ];
    for (name, order, layout, hint) in cases {
        let narrow = layout.ptr_bytes == 4;
        let base = if narrow { 0xc100_0000 } else { X86 };
        let percpu = layout.addresses == AddressEncoding::AbsolutePercpu;
        let opts = Options {
            all_symbols: true,
            absolute_percpu: percpu,
            pc_relative: layout.addresses == AddressEncoding::PlaceRelative,
            kernel: if order == 2 {
                KernelVersion::V7_0
            } else {
                KernelVersion::V6_12
            },
        };
        let built = build(image_symbols(base, percpu, 48), &opts).expect("image symbols build");
        let span = (built.symbols().map(|s| s.addr).max().unwrap_or(base) - base) as usize;
        let a = if order == 2 || narrow { 4 } else { 8 };
        let p = usize::from(layout.ptr_bytes);
        let word = |v: u64, n: usize| -> Vec<u8> {
            match (layout.endian, n) {
                (Endian::Little, 8) => v.to_le_bytes().to_vec(),
                (Endian::Big, 8) => v.to_be_bytes().to_vec(),
                (Endian::Little, _) => (v as u32).to_le_bytes().to_vec(),
                (Endian::Big, _) => (v as u32).to_be_bytes().to_vec(),
            }
        };
        let filler: Vec<u8> = (0..span * 3 / 4).map(|i| (i * 131 % 251) as u8).collect();
        let mut img = Vec::new();
        let mut offsets_at = 0usize;
        // Twice: the place-relative offsets depend on where they land.
        for _ in 0..2 {
            let owned = built
                .owned_table_at(layout, base + offsets_at as u64)
                .expect("layout holds the image symbols");
            let raw = owned.raw();
            img = filler.clone();
            let put = |img: &mut Vec<u8>, bytes: &[u8]| -> usize {
                while img.len() % a != 0 {
                    img.push(0);
                }
                img.extend_from_slice(bytes);
                img.len() - bytes.len()
            };
            let rb = layout.has_relative_base();
            if order == 0 {
                offsets_at = put(&mut img, raw.offsets);
                if rb {
                    put(&mut img, &word(raw.relative_base, p));
                }
                put(&mut img, &word(u64::from(raw.num_syms), 4));
                put(&mut img, raw.names);
                put(&mut img, raw.markers);
                put(&mut img, raw.seqs_of_names);
                put(&mut img, raw.token_table);
                put(&mut img, raw.token_index);
            } else {
                put(&mut img, &word(u64::from(raw.num_syms), 4));
                put(&mut img, raw.names);
                put(&mut img, raw.markers);
                put(&mut img, raw.token_table);
                put(&mut img, raw.token_index);
                offsets_at = put(&mut img, raw.offsets);
                if rb {
                    put(&mut img, &word(raw.relative_base, p));
                }
                put(&mut img, raw.seqs_of_names);
            }
        }
        while img.len() < span + 256 {
            img.push(0xcc);
        }
        let mut seed = vec![hint];
        seed.extend_from_slice(&img);
        write(out, "image_locate", name, &seed);
        if name == "v6_4" {
            let mut elf = vec![4u8];
            elf.extend_from_slice(&wrap_elf(&img, base));
            write(out, "image_locate", "v6_4-elf", &elf);
        }
    }
}

/// A minimal little-endian ELF64 executable: one `PT_LOAD` of `img` at `base`.
fn wrap_elf(img: &[u8], base: u64) -> Vec<u8> {
    let mut f = b"\x7fELF\x02\x01\x01".to_vec();
    f.resize(16, 0);
    f.extend_from_slice(&2u16.to_le_bytes()); // ET_EXEC
    f.extend_from_slice(&62u16.to_le_bytes()); // x86-64
    f.extend_from_slice(&1u32.to_le_bytes());
    f.extend_from_slice(&base.to_le_bytes()); // entry
    f.extend_from_slice(&64u64.to_le_bytes()); // phoff
    f.extend_from_slice(&0u64.to_le_bytes()); // shoff
    f.extend_from_slice(&0u32.to_le_bytes()); // flags
    for v in [64u16, 56, 1, 64, 0, 0] {
        f.extend_from_slice(&v.to_le_bytes());
    }
    f.extend_from_slice(&1u32.to_le_bytes()); // PT_LOAD
    f.extend_from_slice(&5u32.to_le_bytes()); // R+X
    for v in [
        0x1000u64,
        base,
        base,
        img.len() as u64,
        img.len() as u64,
        0x1000,
    ] {
        f.extend_from_slice(&v.to_le_bytes());
    }
    f.resize(0x1000, 0);
    f.extend_from_slice(img);
    f
}

/// An Elf64 little-endian symbol table of the symbols (entry 0 null), its string
/// table and type table, framed for the `module_symtab` target: byte 0 flags, then
/// `u32` lengths of symtab and strtab, the three tables, then query bytes.
fn module_seed(syms: &[(u64, u8, Vec<u8>)]) -> Vec<u8> {
    let mut symtab = vec![0u8; 24];
    let mut strtab = vec![0u8];
    let mut typetab = vec![b'?'];
    for (k, (addr, kind, name)) in syms.iter().enumerate() {
        let st_name = strtab.len() as u32;
        strtab.extend_from_slice(name);
        strtab.push(0);
        symtab.extend_from_slice(&st_name.to_le_bytes());
        symtab.push(0x12); // info
        symtab.push(0); // other
        let shndx: u16 = if k % 9 == 8 { 0 } else { 1 };
        symtab.extend_from_slice(&shndx.to_le_bytes());
        symtab.extend_from_slice(&(addr & 0xffff_ffff).to_le_bytes());
        symtab.extend_from_slice(&16u64.to_le_bytes());
        typetab.push(*kind);
    }
    let mut v = vec![2u8];
    v.extend_from_slice(&(symtab.len() as u32).to_le_bytes());
    v.extend_from_slice(&(strtab.len() as u32).to_le_bytes());
    v.extend_from_slice(&symtab);
    v.extend_from_slice(&strtab);
    v.extend_from_slice(&typetab);
    for (_, _, n) in syms.iter().step_by(5) {
        v.push(n.len().min(255) as u8);
        v.extend_from_slice(&n[..n.len().min(255)]);
    }
    v
}
