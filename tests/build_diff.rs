// SPDX-License-Identifier: GPL-2.0-only OR MIT
//! Differential test of the builder against the real `scripts/kallsyms` (Debian
//! `linux-source-6.12`, built with gcc by `tests/kernel-ref`): generated maps, the
//! same flags, byte-identical stdout, stderr and exit status.
//!
//! Each run draws `KALLSYMS_DIFF_CASES` (default 240) maps from a seed that changes
//! every run (printed, and settable with `KALLSYMS_DIFF_SEED` to replay a failure):
//! names of 1 to 520 bytes (so some need the two-byte length and some are dropped as
//! too long), repeated names, aliases at one address, weak and absolute symbols,
//! linker-provided names, per-cpu ranges, the text-range boundaries and the symbols
//! that sit exactly on them, and the occasional malformed line.
#![cfg(feature = "cli")]

use std::path::Path;
use std::process::Command;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

const WORDS: [&str; 24] = [
    "init", "exit", "read", "write", "show", "store", "probe", "remove", "open", "release",
    "ioctl", "poll", "mmap", "alloc", "free", "lock", "unlock", "get", "put", "ops", "drv", "dev",
    "sock", "page",
];
const SUFFIXES: [&str; 8] = [
    ".isra.0",
    ".constprop.0",
    ".part.0",
    ".cold",
    ".llvm.123456789",
    ".0",
    ".1",
    "",
];
const TYPES: &[u8] = b"TtDdBbRrWwVvAaUuNn?";

fn name(r: &mut Rng) -> Vec<u8> {
    let mut n = Vec::new();
    match r.below(10) {
        // Long names: some over 127 tokens, some over 511 bytes.
        0 => {
            let len = 100 + r.below(421) as usize;
            while n.len() < len {
                n.extend_from_slice(WORDS[r.below(24) as usize].as_bytes());
                n.push(b"_$.@-x9"[r.below(7) as usize]);
            }
            n.truncate(len);
        }
        // Linker-provided style names.
        1 => {
            let w = WORDS[r.below(24) as usize];
            let pre = ["__start_", "__stop_", "__end_", "__", "___", "_"][r.below(6) as usize];
            let post = ["", "_start", "_end"][r.below(3) as usize];
            n.extend_from_slice(format!("{pre}{w}{post}").as_bytes());
        }
        _ => {
            let parts = 1 + r.below(4);
            for k in 0..parts {
                if k > 0 {
                    n.push(b'_');
                }
                n.extend_from_slice(WORDS[r.below(24) as usize].as_bytes());
            }
            n.extend_from_slice(SUFFIXES[r.below(8) as usize].as_bytes());
        }
    }
    if n.is_empty() {
        n.push(b'x');
    }
    n
}

/// One generated map and the flags to run it with.
fn case(r: &mut Rng) -> (Vec<u8>, Vec<&'static str>) {
    let mut flags = Vec::new();
    if r.chance(60) {
        flags.push("--all-symbols");
    }
    let percpu = r.chance(40);
    if percpu {
        flags.push("--absolute-percpu");
    }
    // Most maps are well-formed kernels; a few hold an address no encoding can
    // reach, to compare the failure paths too.
    let wild = r.chance(4);
    let mut lines: Vec<Vec<u8>> = Vec::new();
    let big = r.chance(10);
    let count = 1 + r.below(if big { 3000 } else { 400 });
    let base: u64 = if r.chance(70) {
        0xffff_ffff_8100_0000
    } else {
        r.below(1 << 40)
    };
    let mut addr = base;
    let mut names: Vec<Vec<u8>> = Vec::new();
    let stext = base + 0x1000;
    let etext = stext + count * 0x40;
    let sinit = etext + 0x10000;
    let einit = sinit + 0x8000;
    let specials: [(u64, &str, u8); 6] = [
        (base, "_text", b'T'),
        (stext, "_stext", b'T'),
        (etext, "_etext", b'T'),
        (sinit, "_sinittext", b'T'),
        (einit, "_einittext", b'T'),
        (0, "__per_cpu_start", b'D'),
    ];
    for (a, n, t) in specials {
        if n == "__per_cpu_start" && !percpu {
            continue;
        }
        if r.chance(85) {
            lines.push(format!("{a:016x} {} {n}", t as char).into_bytes());
        }
    }
    if percpu && r.chance(85) {
        lines.push(format!("{:016x} D __per_cpu_end", 0x2_0000 + r.below(0x1000)).into_bytes());
    }
    for _ in 0..count {
        let roll = r.below(100);
        if roll < 10 && !names.is_empty() {
            // A repeated name.
            let n = names[r.below(names.len() as u64) as usize].clone();
            names.push(n);
        } else {
            names.push(name(r));
        }
        // Aliases: keep the same address now and then; per-cpu addresses too.
        if roll >= 20 {
            addr += r.below(0x80);
        }
        let a = match r.below(20) {
            0 if percpu => r.below(0x2_0000),
            0 if wild => r.below(1 << 30),
            1 => etext,
            2 => einit,
            3 => stext,
            4 => sinit + r.below(0x8000),
            _ => addr,
        };
        let t = TYPES[r.below(TYPES.len() as u64) as usize];
        let mut line = format!("{a:016x} {} ", t as char).into_bytes();
        line.extend_from_slice(names.last().unwrap());
        lines.push(line);
    }
    // nm -n order: by address (ties keep their order).
    lines.sort_by_key(|l| u64::from_str_radix(std::str::from_utf8(&l[..16]).unwrap(), 16).unwrap());
    if r.chance(3) {
        let at = r.below(lines.len() as u64) as usize;
        lines.insert(at, b"ffffffff81000000 T".to_vec());
    }
    let mut map = lines.join(&b'\n');
    if r.chance(80) {
        map.push(b'\n');
    }
    (map, flags)
}

#[test]
fn builder_equals_scripts_kallsyms_on_generated_maps() {
    let Some(c_tool) = kernel_ref::scripts_kallsyms() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "scripts/kallsyms not built: install linux-source-6.12"
        );
        eprintln!("skipped: scripts/kallsyms not built");
        return;
    };
    let seed: u64 = std::env::var("KALLSYMS_DIFF_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
                | 1
        });
    let cases: usize = std::env::var("KALLSYMS_DIFF_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(240);
    eprintln!("KALLSYMS_DIFF_SEED={seed}");
    let ours = Path::new(env!("CARGO_BIN_EXE_kallsyms"));
    let dir = std::env::temp_dir().join(format!("kallsyms-diff-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut r = Rng(seed);
    let mut failures = 0;
    let (mut two_byte, mut dropped, mut errors) = (0, 0, 0);
    for k in 0..cases {
        let (map, flags) = case(&mut r);
        let path = dir.join(format!("case{k}.map"));
        std::fs::write(&path, &map).unwrap();
        let c = Command::new(c_tool)
            .args(&flags)
            .arg(&path)
            .output()
            .unwrap();
        let o = Command::new(ours)
            .arg("build")
            .args(&flags)
            .arg(&path)
            .output()
            .unwrap();
        two_byte += usize::from(c.stdout.split(|&b| b == b'\n').any(|l| {
            l.starts_with(b"\t.byte 0x")
                && l.len() > 10
                && b"89abcdef".contains(&l[9])
                && l.contains(&b',')
        }));
        dropped += usize::from(!c.stderr.is_empty() && c.status.success());
        errors += usize::from(!c.status.success());
        // On a fatal error the C tool has already streamed part of the `.S` to stdout;
        // ours writes nothing (a deliberate difference: link-vmlinux.sh stops on the
        // error, so the partial file is never assembled). Stdout is compared on
        // success; stderr and the exit status always.
        let stdout_differs = c.status.success() && c.stdout != o.stdout;
        if stdout_differs || c.stderr != o.stderr || c.status.code() != o.status.code() {
            failures += 1;
            let keep = dir.join(format!("FAILED-case{k}.map"));
            std::fs::write(&keep, &map).unwrap();
            eprintln!(
                "case {k} ({flags:?}) differs: exit {:?} vs {:?}, stdout {} vs {} bytes, stderr {:?} vs {:?}; map kept at {}",
                c.status.code(),
                o.status.code(),
                c.stdout.len(),
                o.stdout.len(),
                String::from_utf8_lossy(&c.stderr).chars().take(200).collect::<String>(),
                String::from_utf8_lossy(&o.stderr).chars().take(200).collect::<String>(),
                keep.display()
            );
        }
    }
    eprintln!("{cases} cases: {two_byte} with two-byte lengths, {dropped} with dropped long names, {errors} fatal");
    assert_eq!(
        failures, 0,
        "seed {seed}: {failures} of {cases} cases differ"
    );
    assert!(
        two_byte > 0 && dropped > 0,
        "the generator no longer reaches the long-name paths"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
