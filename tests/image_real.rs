// SPDX-License-Identifier: GPL-2.0-only OR MIT
//! `kallsyms extract` on real Debian kernels, side by side with the kernel's own
//! symbols and with `kallsyms-finder` (vmlinux-to-elf).
//!
//! The images come from `scripts/fetch-kernel-images` (a cache outside the repo:
//! `$KALLSYMS_IMAGES`, else `~/.cache/kallsyms-images`). Without them every test
//! here prints why and passes, unless `KALLSYMS_IMAGES_REQUIRED=1`.
//!
//! For each `<abi>/` directory:
//! - the table in `vmlinuz` (decompressed, searched) equals the one the unstripped
//!   `vmlinux` names with its `kallsyms_*` symbols, and the one the search finds in
//!   that `vmlinux` when its symbols are ignored;
//! - it equals `kallsyms-finder vmlinuz` line for line (`kallsyms-finder.txt`);
//! - it equals what `scripts/kallsyms` keeps of `nm -n vmlinux | sed -f
//!   scripts/mksysmap` (`vmlinux.map`), as reproduced by `kallsyms::build`;
//! - `extract --elf` writes a file in which `nm` sees every symbol and `gdb`
//!   resolves addresses to them.
#![cfg(feature = "cli")]

use std::path::{Path, PathBuf};
use std::process::Command;

use kallsyms::build::{self as kb, KernelVersion, Options, ParseMode};
use kallsyms::image::{self, container, Hints, Method};
use kallsyms::{Table, KSYM_NAME_LEN};

type Sym = (u64, u8, Vec<u8>);

/// The image directories, or `None` after saying why there are none.
fn images() -> Option<Vec<PathBuf>> {
    let root = std::env::var_os("KALLSYMS_IMAGES")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cache/kallsyms-images")));
    let mut dirs: Vec<PathBuf> = root
        .as_ref()
        .and_then(|r| std::fs::read_dir(r).ok())
        .map(|rd| {
            rd.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.join("vmlinuz").is_file())
                .collect()
        })
        .unwrap_or_default();
    dirs.sort();
    if dirs.is_empty() {
        let msg = format!(
            "no kernel images in {} (run scripts/fetch-kernel-images): skipped",
            root.map_or("$KALLSYMS_IMAGES".into(), |r| r.display().to_string())
        );
        if std::env::var("KALLSYMS_IMAGES_REQUIRED").as_deref() == Ok("1") {
            panic!("{msg}");
        }
        eprintln!("{msg}");
        return None;
    }
    Some(dirs)
}

fn symbols(t: &Table<'_>) -> Vec<Sym> {
    let mut buf = [0u8; KSYM_NAME_LEN];
    t.iter()
        .map(|s| (s.address, s.type_letter, t.name(&s, &mut buf).to_vec()))
        .collect()
}

/// The kernel inside a `vmlinuz`: the file itself (arm64 `Image`) or its payload.
fn kernel(vmlinuz: &[u8]) -> Vec<u8> {
    if image::locate(vmlinuz, &Hints::default()).is_ok() {
        return vmlinuz.to_vec();
    }
    let p = container::payloads(vmlinuz);
    let p = p.first().expect("a compressed payload");
    image::decompress(p.compression, p.bytes(vmlinuz), 1 << 30).expect("decompress")
}

fn text(syms: &[Sym]) -> Vec<u8> {
    let mut out = Vec::new();
    for (a, k, n) in syms {
        out.extend_from_slice(format!("{a:016x} {} ", *k as char).as_bytes());
        out.extend_from_slice(n);
        out.push(b'\n');
    }
    out
}

#[test]
fn vmlinuz_equals_vmlinux_and_kallsyms_finder() {
    let Some(dirs) = images() else { return };
    for d in dirs {
        let name = d.display().to_string();
        let z = std::fs::read(d.join("vmlinuz")).unwrap();
        let k = kernel(&z);
        let l = image::locate(&k, &Hints::default()).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(l.provenance.method, Method::Heuristic);
        assert!(l.provenance.name_order_checked, "{name}");
        let from_z = symbols(&l.table().unwrap());
        assert!(from_z.len() > 50_000, "{name}: {} symbols", from_z.len());
        eprintln!("{name}: {} symbols, {}", from_z.len(), l.layout);
        if let Ok(v) = std::fs::read(d.join("vmlinux")) {
            let ls = image::locate(&v, &Hints::default()).unwrap();
            assert_eq!(ls.provenance.method, Method::Symbols, "{name}");
            assert_eq!(
                symbols(&ls.table().unwrap()),
                from_z,
                "{name}: vmlinux symbols"
            );
            let lh = image::locate(
                &v,
                &Hints {
                    ignore_symbols: true,
                    ..Hints::default()
                },
            )
            .unwrap();
            assert_eq!(lh.provenance.method, Method::Heuristic);
            assert_eq!(
                symbols(&lh.table().unwrap()),
                from_z,
                "{name}: vmlinux search"
            );
        }
        match std::fs::read(d.join("kallsyms-finder.txt")) {
            Ok(kf) => assert!(kf == text(&from_z), "{name}: differs from kallsyms-finder"),
            Err(_) => eprintln!("{name}: no kallsyms-finder.txt: that comparison skipped"),
        }
    }
}

#[test]
fn vmlinuz_equals_the_kernels_filtered_symbols() {
    let Some(dirs) = images() else { return };
    for d in dirs {
        let name = d.display().to_string();
        let Ok(map) = std::fs::read(d.join("vmlinux.map")) else {
            eprintln!("{name}: no vmlinux.map: skipped");
            continue;
        };
        let z = std::fs::read(d.join("vmlinuz")).unwrap();
        let k = kernel(&z);
        let l = image::locate(&k, &Hints::default()).unwrap();
        let t = l.table().unwrap();
        let got = symbols(&t);
        let all_symbols = got
            .iter()
            .any(|s| matches!(s.1, b'd' | b'D' | b'b' | b'B' | b'r' | b'R'));
        let list = kb::parse_map(&map, ParseMode::Kallsyms).unwrap();
        let opts = Options {
            all_symbols,
            absolute_percpu: l.layout.addresses == kallsyms::AddressEncoding::AbsolutePercpu,
            pc_relative: false,
            kernel: KernelVersion::V6_12,
        };
        let built = kb::build(list, &opts).unwrap();
        let want: Vec<Sym> = built
            .symbols()
            .map(|s| (s.addr, s.kind, s.name.to_vec()))
            .collect();
        let (extra, missing) = diff(&got, &want);
        eprintln!(
            "{name}: {} in the image, {} kept by scripts/kallsyms (6.12 rules) from vmlinux.map; \
             {} only in the image, {} only in the map",
            got.len(),
            want.len(),
            extra.len(),
            missing.len()
        );
        for s in extra.iter().chain(&missing).take(10) {
            eprintln!(
                "  {:016x} {} {}",
                s.0,
                s.1 as char,
                String::from_utf8_lossy(&s.2)
            );
        }
        if name.contains("6.12") {
            assert_eq!(got, want, "{name}");
        } else {
            // 6.1's scripts/kallsyms also drops the kallsyms_* arrays themselves
            // (its ignored_symbols[] list, gone by 6.12): the only difference.
            assert!(extra.is_empty(), "{name}: symbols not in the map");
            let arrays: [&[u8]; 9] = [
                b"kallsyms_addresses",
                b"kallsyms_offsets",
                b"kallsyms_relative_base",
                b"kallsyms_num_syms",
                b"kallsyms_names",
                b"kallsyms_markers",
                b"kallsyms_token_table",
                b"kallsyms_token_index",
                b"kallsyms_seqs_of_names",
            ];
            assert!(
                missing.iter().all(|s| arrays.contains(&&s.2[..])),
                "{name}: differences beyond the kallsyms_* arrays"
            );
            let keep: Vec<Sym> = want
                .into_iter()
                .filter(|s| !arrays.contains(&&s.2[..]))
                .collect();
            assert!(
                got == keep,
                "{name}: differs from the map without the arrays"
            );
        }
    }
}

/// Symbols only in `a`, and only in `b` (as multisets).
fn diff(a: &[Sym], b: &[Sym]) -> (Vec<Sym>, Vec<Sym>) {
    use std::collections::HashMap;
    let mut count: HashMap<&Sym, i64> = HashMap::new();
    for s in a {
        *count.entry(s).or_default() += 1;
    }
    for s in b {
        *count.entry(s).or_default() -= 1;
    }
    let mut only_a = Vec::new();
    let mut only_b = Vec::new();
    for (s, c) in count {
        for _ in 0..c.max(0) {
            only_a.push(s.clone());
        }
        for _ in 0..(-c).max(0) {
            only_b.push(s.clone());
        }
    }
    only_a.sort();
    only_b.sort();
    (only_a, only_b)
}

#[test]
fn elf_copy_works_with_nm_and_gdb() {
    let Some(dirs) = images() else { return };
    let Some(d) = dirs.iter().find(|d| {
        d.display().to_string().contains("6.12") && d.display().to_string().contains("amd64")
    }) else {
        eprintln!("no 6.12 amd64 image: skipped");
        return;
    };
    let out = std::env::temp_dir().join(format!("kallsyms-image-real-{}.elf", std::process::id()));
    let st = Command::new(env!("CARGO_BIN_EXE_kallsyms"))
        .args(["extract", "--elf"])
        .arg(&out)
        .arg(d.join("vmlinuz"))
        .output()
        .unwrap();
    assert!(
        st.status.success(),
        "{}",
        String::from_utf8_lossy(&st.stderr)
    );
    let lines = st
        .stdout
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .count();
    let nm = Command::new("nm").arg("-n").arg(&out).output();
    let Ok(nm) = nm else {
        eprintln!("nm not installed: skipped");
        return;
    };
    let nm_text = String::from_utf8_lossy(&nm.stdout);
    assert_eq!(nm_text.lines().count(), lines);
    let start_kernel = nm_text
        .lines()
        .find(|l| l.ends_with(" T start_kernel"))
        .expect("start_kernel in nm");
    let addr = u64::from_str_radix(&start_kernel[..16], 16).unwrap();
    if let Ok(g) = Command::new("gdb")
        .args(["-batch", "-nx", "-ex"])
        .arg(format!("info symbol {:#x}", addr + 4))
        .arg(&out)
        .output()
    {
        let s = String::from_utf8_lossy(&g.stdout);
        assert!(s.contains("start_kernel + 4 in section"), "gdb said: {s}");
    }
    let _ = std::fs::remove_file(&out);
}
