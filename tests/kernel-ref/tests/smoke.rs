// SPDX-License-Identifier: GPL-2.0-only OR MIT
//! The kernel's own code against the real tables of `tests/data`: the
//! built `scripts/kallsyms` reproduces the stored `.S` files byte for byte,
//! and the kernel lookups over the assembled tables give back the symbol
//! maps they were made from.
//!
//! Without the kernel sources these tests pass with a note, unless the
//! environment variable `CI` is set: then they fail.

use std::collections::HashMap;
use std::ffi::CString;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use kernel_ref::{assemble_file, session, KernelTables, OwnedArrays};

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../data")
        .join(name)
}

/// False (skip) when the C code is not built, unless on CI.
fn kernel_code() -> bool {
    match kernel_ref::available() {
        Ok(()) => true,
        Err(why) if std::env::var_os("CI").is_some() => {
            panic!("kernel-ref unavailable on CI: {why}")
        }
        Err(why) => {
            eprintln!("skipped: kernel-ref unavailable: {why}");
            false
        }
    }
}

fn xz(path: &Path) -> Vec<u8> {
    let out = Command::new("xz")
        .arg("-dc")
        .arg(path)
        .output()
        .expect("run xz");
    assert!(out.status.success(), "xz -dc {}", path.display());
    out.stdout
}

/// (address, type, name) lines of an `nm -n` style map.
fn read_map(text: &[u8]) -> Vec<(u64, u8, Vec<u8>)> {
    text.split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .map(|l| {
            let mut f = l.splitn(3, |&b| b == b' ');
            let addr = std::str::from_utf8(f.next().unwrap()).unwrap();
            let ty = f.next().unwrap()[0];
            let name = f.next().unwrap().to_vec();
            (u64::from_str_radix(addr, 16).unwrap(), ty, name)
        })
        .collect()
}

/// The `/* name */` comments of `kallsyms_names` in a `.S`: type char first.
fn names_in_asm(asm: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut inside = false;
    for line in asm.split(|&b| b == b'\n') {
        if line.ends_with(b":") {
            inside = line == b"kallsyms_names:";
            continue;
        }
        if inside && line.starts_with(b"\t.byte ") {
            let start = line.windows(3).position(|w| w == b"/* ").unwrap() + 3;
            let end = line.len() - 3;
            assert_eq!(&line[end..], b" */");
            out.push(line[start..end].to_vec());
        }
    }
    out
}

struct Set {
    name: &'static str,
    map: &'static str,
    flags: &'static [&'static str],
}

const RUST_V0: Set = Set {
    name: "rust-v0-symbols",
    map: "rust-v0-symbols.map.xz",
    flags: &["--all-symbols"],
};
const DEBIAN: Set = Set {
    name: "debian-6.1.176-amd64",
    map: "debian-6.1.176-amd64.System.map.xz",
    flags: &["--all-symbols", "--absolute-percpu"],
};
const CLANG: Set = Set {
    name: "linux-6.12-clang19-thinlto-x86_64",
    map: "linux-6.12-clang19-thinlto-x86_64.System.map.xz",
    flags: &["--all-symbols", "--absolute-percpu"],
};

/// The built scripts/kallsyms turns the map into the stored `.S` exactly.
fn reproduce(set: &Set) {
    if !kernel_code() {
        return;
    }
    let exe = kernel_ref::scripts_kallsyms().expect("scripts/kallsyms built");
    let dir = std::env::temp_dir().join(format!(
        "kernel-ref-smoke-{}-{}",
        std::process::id(),
        set.name
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let map = dir.join("map");
    std::fs::write(&map, xz(&data(set.map))).unwrap();
    let out = Command::new(exe)
        .args(set.flags)
        .arg(&map)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let want = xz(&data(&format!("{}.kallsyms.S.xz", set.name)));
    assert!(
        out.stdout == want,
        "{}: scripts/kallsyms output differs from the stored .S",
        set.name
    );
    if let Ok(stderr) = std::fs::read(data(&format!("{}.kallsyms.stderr", set.name))) {
        assert_eq!(
            String::from_utf8_lossy(&out.stderr),
            String::from_utf8_lossy(&stderr)
        );
    }
}

#[test]
fn scripts_kallsyms_reproduces_rust_v0() {
    reproduce(&RUST_V0);
}

#[test]
fn scripts_kallsyms_reproduces_debian() {
    reproduce(&DEBIAN);
}

#[test]
fn scripts_kallsyms_reproduces_clang_thinlto() {
    reproduce(&CLANG);
}

/// Section bounds from the map (user-space maps have none: then the
/// symbols' own range, with `_end` one page past the last).
fn bounds(map: &[(u64, u8, Vec<u8>)]) -> (u64, HashMap<&[u8], u64>) {
    let named: HashMap<&[u8], u64> = map.iter().map(|(a, _, n)| (&n[..], *a)).collect();
    (named.get(&b"_text"[..]).copied().unwrap_or(0), named)
}

/// Assemble the stored `.S`, run the kernel lookups over it, and compare
/// with the map the `.S` was made from.
fn lookups(set: &Set, tweak: fn(&mut KernelTables<'_>)) {
    if !kernel_code() {
        return;
    }
    let asm = xz(&data(&format!("{}.kallsyms.S.xz", set.name)));
    let map = read_map(&xz(&data(set.map)));
    let (text, named) = bounds(&map);
    let arrays: OwnedArrays =
        assemble_file(&data(&format!("{}.kallsyms.S.xz", set.name)), text).unwrap();
    let asm_names = names_in_asm(&asm);
    assert_eq!(asm_names.len(), arrays.num_syms as usize);

    let max = map.iter().map(|m| m.0).max().unwrap();
    let get = |s: &str, d: u64| named.get(s.as_bytes()).copied().unwrap_or(d);
    let mut t = KernelTables {
        absolute_percpu: set.flags.contains(&"--absolute-percpu"),
        kallsyms_all: set.flags.contains(&"--all-symbols"),
        stext: get("_stext", 0),
        etext: get("_etext", max + 0x1000),
        sinittext: get("_sinittext", 0),
        einittext: get("_einittext", 0),
        end: get("_end", max + 0x1000),
        init_begin: get("__init_begin", 0),
        init_end: get("__init_end", 0),
        ..arrays.tables()
    };
    tweak(&mut t);
    let s = session(&t).unwrap();

    // Every symbol, in order: the names of the .S comments, and (name,
    // address) pairs of the map.
    let all = s.on_each_symbol();
    assert_eq!(all.len(), asm_names.len());
    let in_map: std::collections::HashSet<(&[u8], u64)> =
        map.iter().map(|(a, _, n)| (&n[..], *a)).collect();
    let mut off = 0;
    for (i, ((name, addr), commented)) in all.iter().zip(&asm_names).enumerate() {
        assert_eq!(name[..], commented[1..], "name {i}");
        assert!(
            in_map.contains(&(&name[..], *addr)),
            "{} at {addr:#x} not in the map",
            String::from_utf8_lossy(name)
        );
        assert_eq!(s.sym_address(i as u32), *addr);
        assert_eq!(s.get_symbol_offset(i as u32), off);
        assert_eq!(s.get_symbol_type(off), commented[0]);
        let (full, next) = s.expand_symbol(off);
        assert_eq!(full, commented[1..]);
        off = next;
    }
    assert_eq!(off as usize, arrays.names.len());

    // Name lookups: the lowest address of a name, all of them in order.
    let mut by_name: HashMap<&[u8], Vec<u64>> = HashMap::new();
    for (name, addr) in &all {
        by_name.entry(name).or_default().push(*addr);
    }
    for (name, addrs) in &by_name {
        let mut sorted = addrs.clone();
        sorted.sort_unstable();
        assert_eq!(s.lookup_name(name), sorted[0]);
        assert_eq!(s.on_each_match_symbol(name, None), sorted);
        let (a, b) = s.lookup_names(name).unwrap();
        assert_eq!((b - a + 1) as usize, sorted.len());
        let last = sorted.len() as u64;
        for sympos in [0, 1, last, last + 1] {
            let (ret, addr, log) = s.klp_find_object_symbol(None, name, sympos);
            let got = (ret, addr, String::from_utf8_lossy(&log).into_owned());
            assert_eq!(got, klp_model(&sorted, name, sympos), "sympos {sympos}");
        }
    }
    assert_eq!(s.lookup_name(b"no such symbol"), 0);
    let (ret, addr, log) = s.klp_find_object_symbol(None, b"no such symbol", 0);
    assert_eq!((ret, addr), (-22, 0));
    assert_eq!(
        log,
        b"livepatch: symbol 'no such symbol' not found in symbol table\n"
    );

    // Address lookups: the first name at each address, with its size.
    // is_ksym_addr()
    let in_kernel = |a: u64| {
        if t.kallsyms_all {
            (t.stext..t.end).contains(&a) || (t.init_begin..t.init_end).contains(&a)
        } else {
            (t.stext..t.etext).contains(&a) || (t.sinittext..t.einittext).contains(&a)
        }
    };
    let mut i = 0;
    while i < all.len() {
        let (ref name, addr) = all[i];
        let mut j = i;
        while j < all.len() && all[j].1 == addr {
            j += 1;
        }
        let size = match all.get(j) {
            Some(&(_, next)) => next - addr,
            None if (t.sinittext..t.einittext).contains(&addr) => t.einittext.wrapping_sub(addr),
            // unsigned long arithmetic, as in the kernel (a symbol may lie past _end)
            None if t.kallsyms_all => t.end.wrapping_sub(addr),
            None => t.etext.wrapping_sub(addr),
        };
        assert_eq!(s.get_symbol_pos(addr), (i as u32, size, 0));
        if in_kernel(addr) {
            assert_eq!(s.lookup(addr), Some((name.clone(), size, 0)));
            assert_eq!(s.lookup_size_offset(addr), Some((size, 0)));
            assert_eq!(s.lookup_symbol_name(addr), Ok(name.clone()));
            let mut want = name.clone();
            want.extend_from_slice(format!("+0x0/{size:#x}").as_bytes());
            assert_eq!(s.sprint_symbol(addr), want);
            if size > 1 && in_kernel(addr + 1) {
                let mut want = name.clone();
                want.extend_from_slice(format!("+0x1/{size:#x}").as_bytes());
                assert_eq!(s.sprint_symbol(addr + 1), want);
            }
        } else {
            assert_eq!(s.lookup(addr), None);
            assert_eq!(s.lookup_symbol_name(addr), Err(-34)); // -ERANGE
            assert_eq!(s.sprint_symbol(addr), format!("{addr:#x}").into_bytes());
        }
        i = j;
    }

    // The benchmark entry points run and agree with the plain ones.
    let names: Vec<CString> = all
        .iter()
        .take(1000)
        .map(|(n, _)| CString::new(n.clone()).unwrap())
        .collect();
    let refs: Vec<&std::ffi::CStr> = names.iter().map(|n| n.as_c_str()).collect();
    let want = refs
        .iter()
        .fold(0u64, |a, n| a.wrapping_add(s.lookup_name(n.to_bytes())));
    assert_eq!(s.bench_lookup_name(&refs), want);
    let addrs: Vec<u64> = all.iter().map(|a| a.1).collect();
    s.bench_get_symbol_pos(&addrs);
    s.bench_lookup(&addrs);
    s.bench_sprint_symbol(&addrs[..100]);
    s.bench_on_each_match_symbol(&refs);
    s.bench_klp_find_object_symbol(&refs, 0);
    assert_ne!(s.bench_on_each_symbol(), 0);
}

/// What `klp_find_object_symbol(NULL, name, sympos)` does over the
/// addresses of `name` in name order (an address of 0 counts as not found).
fn klp_model(addrs: &[u64], name: &[u8], sympos: u64) -> (i32, u64, String) {
    let (mut addr, mut count) = (0, 0);
    for &a in addrs {
        addr = a;
        count += 1;
        if (sympos != 0 && count == sympos) || (sympos == 0 && count > 1) {
            break;
        }
    }
    let name = String::from_utf8_lossy(name);
    let err = |msg: String| (-22, 0, format!("livepatch: {msg}\n"));
    if addr == 0 {
        err(format!("symbol '{name}' not found in symbol table"))
    } else if count > 1 && sympos == 0 {
        err(format!(
            "unresolvable ambiguity for symbol '{name}' in object '(null)'"
        ))
    } else if sympos != count && sympos > 0 {
        err(format!(
            "symbol position {sympos} for symbol '{name}' in object 'vmlinux' not found"
        ))
    } else {
        (0, addr, String::new())
    }
}

#[test]
fn lookups_rust_v0() {
    lookups(&RUST_V0, |_| ());
}

/// Without `kallsyms_all`, only .text and .init.text addresses resolve,
/// and the last symbol ends at `_einittext` or `_etext`.
#[test]
fn lookups_rust_v0_text_only() {
    lookups(&RUST_V0, |t| {
        t.kallsyms_all = false;
        t.etext = t.end / 2;
        t.sinittext = t.end / 4 * 3;
        t.einittext = t.end;
    });
}

#[test]
fn lookups_debian() {
    lookups(&DEBIAN, |_| ());
}

#[test]
fn lookups_clang_thinlto() {
    lookups(&CLANG, |_| ());
}

/// A tiny table: the rust-v0 arrays, shifted to odd addresses in memory.
fn small() -> OwnedArrays {
    assemble_file(&data("rust-v0-symbols.kallsyms.S.xz"), 0x1000).unwrap()
}

#[test]
fn unaligned_tables_and_truncation() {
    if !kernel_code() {
        return;
    }
    let a = small();
    let shifted = |v: &[u8]| {
        let mut b = vec![0u8];
        b.extend_from_slice(v);
        b
    };
    let (o, m, ti) = (
        shifted(&a.offsets),
        shifted(&a.markers),
        shifted(&a.token_index),
    );
    let t = KernelTables {
        offsets: &o[1..],
        markers: &m[1..],
        token_index: &ti[1..],
        stext: 0x1000,
        etext: 0x10_0000_0000,
        end: 0x10_0000_0000,
        ..a.tables()
    };
    let s = session(&t).unwrap();
    let (full, next) = s.expand_symbol(0);
    assert_eq!(
        full,
        b"_RNvNtNtNtNtCsjrHSEGnQ3l9_3std3sys12thread_local11destructors4list5DTORS"
    );
    assert_eq!(s.expand_symbol_max(0, 4), (b"_RN".to_vec(), next));
    assert_eq!(s.expand_symbol_max(0, 0), (Vec::new(), next));
    assert_eq!(s.sym_address(0), 0x1000);
    assert_eq!(s.lookup(0x1000).unwrap().0, full);
    // A second session on this thread would deadlock: refused.
    assert!(session(&t).is_err());
    drop(s);
    assert!(session(&t).is_ok());
}

#[test]
fn modules() {
    if !kernel_code() {
        return;
    }
    let a = small();
    let mut s = session(&a.tables()).unwrap();
    let syms = |v: &[(&str, u64, u16)]| -> Vec<(Vec<u8>, u64, u16)> {
        v.iter()
            .map(|&(n, a, x)| (n.as_bytes().to_vec(), a, x))
            .collect()
    };
    s.set_module_symtab(
        b"mymod",
        &syms(&[
            ("", 0, 0),
            ("foo", 0x10, 1),
            ("bar", 0x20, 0),
            ("foo", 0x30, 2),
            ("baz", 0x40, 0xfff1),
        ]),
    )
    .unwrap();
    s.set_module_symtab(b"other", &syms(&[("", 0, 0), ("bar", 0x50, 1)]))
        .unwrap();
    assert_eq!(
        s.module_on_each_symbol(Some(b"mymod")),
        vec![
            (b"foo".to_vec(), 0x10),
            (b"foo".to_vec(), 0x30),
            (b"baz".to_vec(), 0x40)
        ]
    );
    assert_eq!(s.module_on_each_symbol(None).len(), 4);
    assert_eq!(
        s.klp_find_object_symbol(Some(b"mymod"), b"baz", 0),
        (0, 0x40, Vec::new())
    );
    assert_eq!(
        s.klp_find_object_symbol(Some(b"mymod"), b"foo", 2),
        (0, 0x30, Vec::new())
    );
    let (ret, addr, log) = s.klp_find_object_symbol(Some(b"mymod"), b"foo", 0);
    assert_eq!((ret, addr), (-22, 0));
    assert_eq!(
        log,
        b"livepatch: unresolvable ambiguity for symbol 'foo' in object 'mymod'\n"
    );
    // SHN_UNDEF entries are skipped: bar is undefined in mymod.
    let (ret, _, log) = s.klp_find_object_symbol(Some(b"mymod"), b"bar", 0);
    assert_eq!(ret, -22);
    assert_eq!(log, b"livepatch: symbol 'bar' not found in symbol table\n");
    assert_eq!(
        s.klp_find_object_symbol(Some(b"other"), b"bar", 0),
        (0, 0x50, Vec::new())
    );
    let (ret, _, log) = s.klp_find_object_symbol(Some(b"mymod"), b"foo", 3);
    assert_eq!(ret, -22);
    assert_eq!(
        log,
        b"livepatch: symbol position 3 for symbol 'foo' in object 'mymod' not found\n"
    );
    // Replacing a module's table.
    s.set_module_symtab(b"mymod", &syms(&[("foo", 0x99, 1)]))
        .unwrap();
    assert_eq!(
        s.klp_find_object_symbol(Some(b"mymod"), b"foo", 0),
        (0, 0x99, Vec::new())
    );
    assert!(s.set_module_symtab(&[b'm'; 56], &[]).is_err());
    s.clear_modules();
    assert!(s.module_on_each_symbol(None).is_empty());
}

#[test]
fn rejects_tables_the_c_code_cannot_read_safely() {
    if !kernel_code() {
        return;
    }
    let a = small();
    let mut bad_markers = a.markers.clone();
    bad_markers[4] ^= 1;
    let mut bad_seqs = a.seqs_of_names.clone();
    bad_seqs[0] = 0xff;
    let mut bad_index = a.token_index.clone();
    bad_index[0..2].copy_from_slice(&u16::MAX.to_ne_bytes());
    let cases = [
        KernelTables {
            markers: &bad_markers,
            ..a.tables()
        },
        KernelTables {
            seqs_of_names: &bad_seqs,
            ..a.tables()
        },
        KernelTables {
            token_index: &bad_index,
            ..a.tables()
        },
        KernelTables {
            names: &a.names[..a.names.len() - 1],
            ..a.tables()
        },
        KernelTables {
            offsets: &a.offsets[4..],
            ..a.tables()
        },
    ];
    for t in &cases {
        assert!(session(t).is_err(), "{t:?}");
    }
}

#[test]
fn empty_table() {
    if !kernel_code() {
        return;
    }
    let index = [0u8; 512];
    let t = KernelTables {
        token_index: &index,
        token_table: b"\0",
        stext: 0x1000,
        etext: 0x2000,
        end: 0x2000,
        ..KernelTables::default()
    };
    let s = session(&t).unwrap();
    assert!(s.on_each_symbol().is_empty());
    assert_eq!(s.lookup_name(b"x"), 0);
    assert_eq!(s.lookup_names(b"x"), None);
    assert_eq!(s.lookup(0x1800), None);
    assert_eq!(s.sprint_symbol(0x1800), b"0x1800");
}

#[test]
fn assemble_errors() {
    assert!(kernel_ref::assemble_tables(b"this is not assembly\n", 0).is_err());
    assert!(kernel_ref::assemble_tables(b"\t.section .rodata, \"a\"\n\t.long 1\n", 0).is_err());
}
