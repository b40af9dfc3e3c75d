// SPDX-License-Identifier: GPL-2.0-only OR MIT
//! The pipeline on small maps (the real tools' output is checked in
//! `tests/build_golden.rs`).

use super::*;
use std::string::ToString;
use std::vec;

fn built(map: &str, options: Options) -> Result<Built, BuildError> {
    build(
        parse_map(map.as_bytes(), ParseMode::Kallsyms).map_err(|_| BuildError::TooLarge)?,
        &options,
    )
}

fn names(b: &Built) -> Vec<(u8, &[u8])> {
    b.symbols().map(|s| (s.kind, s.name)).collect()
}

fn asm_text(b: &Built) -> std::string::String {
    std::string::String::from_utf8_lossy(&b.asm()).into_owned()
}

#[test]
fn text_is_recorded_before_ignoring_and_ranges_after() {
    // `_text` as an absolute symbol: ignored, but its address is taken; `_stext` as an
    // absolute symbol: ignored, so the text range stays [0, 0].
    let map = "ffffffff81000000 a _text\nffffffff81000000 A _stext\nffffffff81000010 T f\n\
               ffffffff82000000 A _etext\n";
    let b = built(map, Options::default()).unwrap();
    assert_eq!(b.text(), 0xffffffff81000000);
    assert!(b.is_empty());
    let b = built(
        map,
        Options {
            all_symbols: true,
            ..Options::default()
        },
    )
    .unwrap();
    assert_eq!(names(&b), [(b'T', &b"f"[..])]);
    assert_eq!(b.relative_base(), 0xffffffff81000010);
    assert!(asm_text(&b).contains("\tPTR\t_text + 0x10\n"));
    // A recorded `_etext` alone makes the range [0, _etext].
    let map = "ffffffff81000010 T f\nffffffff82000000 T _etext\nffffffff82000000 T g\n";
    let b = built(map, Options::default()).unwrap();
    assert_eq!(names(&b), [(b'T', &b"f"[..]), (b'T', b"_etext")]);
}

#[test]
fn relative_base_below_text() {
    let map = "1000 T _text\n0800 T early\n";
    let b = built(
        map,
        Options {
            all_symbols: true,
            ..Options::default()
        },
    )
    .unwrap();
    assert!(asm_text(&b).contains("\tPTR\t_text - 0x800\n"));
    let b = built(
        "1000 T _text\n",
        Options {
            all_symbols: true,
            ..Options::default()
        },
    )
    .unwrap();
    assert!(asm_text(&b).contains("\tPTR\t_text + 0\n"));
}

#[test]
fn percpu_symbols_become_absolute() {
    let map = "0 D __per_cpu_start\n0 W weak_pcpu\n40 D pcpu_var\n80 D __per_cpu_end\n\
               ffffffff81000000 T _text\n";
    let opts = Options {
        all_symbols: true,
        absolute_percpu: true,
        ..Options::default()
    };
    let b = built(map, opts).unwrap();
    let kinds: Vec<u8> = b.symbols().map(|s| s.kind).collect();
    assert_eq!(kinds, b"AAAAT");
    assert!((0..4).all(|i| b.is_absolute(i)) && !b.is_absolute(4));
    // The weak symbol lost its `W` before the sort: `__per_cpu_start` has more
    // leading underscores and now sorts after it.
    assert_eq!(b.symbol(0).map(|s| s.name), Some(&b"weak_pcpu"[..]));
    assert_eq!(b.relative_base(), 0xffffffff81000000);
    let text = asm_text(&b);
    assert!(text.contains("\t.long\t0x40\t/* Apcpu_var */\n"));
    assert!(text.contains("\t.long\t0xffffffff\t/* T_text */\n"));
    // Without the flag the same map cannot be stored relative to one base.
    let e = built(
        map,
        Options {
            all_symbols: true,
            ..Options::default()
        },
    )
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "kallsyms failure: relative symbol value 0xffffffff81000000 out of range in relative mode"
    );
}

#[test]
fn fatal_texts_of_7_0() {
    let map = "ffffffff81000000 T _text\n100000000 T low\n";
    let opts = Options {
        all_symbols: true,
        pc_relative: true,
        kernel: KernelVersion::V7_0,
        ..Options::default()
    };
    let e = built(map, opts).unwrap_err();
    assert_eq!(
        e.to_string(),
        "kallsyms failure: relative symbol value 0x100000000 out of range"
    );
    assert_eq!(
        e,
        BuildError::RelativeOutOfRange {
            addr: 0x1_0000_0000
        }
    );
    // Per-cpu style addresses below a -2 GiB kernel still fit (x86-64).
    let map = "ffffffff81000000 T _text\n0 T low\n";
    assert!(built(map, opts).is_ok());
    // Without --pc-relative the value is stored as `(unsigned int)addr`.
    let opts = Options {
        pc_relative: false,
        ..opts
    };
    let text = asm_text(&built(map, opts).unwrap());
    assert!(text.contains("\t.long\t0x81000000\t/* T_text */\n"));
    assert!(text.contains("\t.long\t0\t/* Tlow */\n"));
    assert!(!text.contains("kallsyms_relative_base"));
}

#[test]
fn pushed_names_too_long_are_dropped_with_a_warning() {
    let mut l = SymbolList::new();
    l.push(0x10, b'T', &vec![b'x'; 600]);
    l.push(0x20, b'T', b"ok");
    let b = build(
        l,
        &Options {
            all_symbols: true,
            ..Options::default()
        },
    )
    .unwrap();
    assert_eq!(b.len(), 1);
    assert_eq!(b.warnings().len(), 1);
}

#[test]
fn kernel_versions_parse() {
    assert_eq!("6.12".parse::<KernelVersion>(), Ok(KernelVersion::V6_12));
    assert_eq!("7.0".parse::<KernelVersion>(), Ok(KernelVersion::V7_0));
    assert!("6.1".parse::<KernelVersion>().is_err());
    assert_eq!(KernelVersion::V7_0.to_string(), "7.0");
}

#[test]
fn empty_map() {
    let b = built("", Options::default()).unwrap();
    let text = asm_text(&b);
    assert!(text.contains("kallsyms_num_syms:\n\t.long\t0\n"));
    assert!(text.ends_with("kallsyms_seqs_of_names:\n\n"));
    let t = b.owned_table(crate::Layout::V6_15).unwrap();
    assert_eq!(t.raw().num_syms, 0);
}

/// The two halves of the text rendered into one buffer on two threads (what `asm()`
/// does for large tables under `build()`) give the text of one thread, for every
/// kernel and option, with long names (two-byte lengths) and per-cpu symbols.
#[test]
fn split_text_is_the_serial_text() {
    let mut map = std::string::String::new();
    map.push_str("ffffffff81000000 T _text\nffffffff81000000 T _stext\n");
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    for i in 0..3000u64 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let len = if i % 97 == 0 {
            200 + (x % 300) as usize
        } else {
            1 + (x % 40) as usize
        };
        let name: std::string::String = (0..len)
            .map(|k| char::from(b"_abcdefgh.xyz0123"[((x >> (k % 50)) as usize + k) % 17]))
            .collect();
        let kind = if x % 3 == 0 { 't' } else { 'T' };
        map.push_str(&std::format!(
            "{:016x} {kind} {name}_{i}\n",
            0xffff_ffff_8100_0010 + (x % 7) * 16 + i * 64
        ));
    }
    map.push_str("ffffffff82000000 T _etext\n");
    let opts = [
        Options {
            all_symbols: true,
            ..Options::default()
        },
        Options {
            all_symbols: true,
            absolute_percpu: true,
            ..Options::default()
        },
        Options {
            all_symbols: true,
            kernel: KernelVersion::V7_0,
            ..Options::default()
        },
        Options {
            all_symbols: true,
            pc_relative: true,
            kernel: KernelVersion::V7_0,
            ..Options::default()
        },
    ];
    let percpu = std::format!(
        "0000000000000000 D __per_cpu_start\n0000000000000010 d pcpu_a\n\
         0000000000000100 D __per_cpu_end\n{map}"
    );
    for o in opts {
        let b = built(if o.absolute_percpu { &percpu } else { &map }, o).unwrap();
        assert!(b.len() > 3000);
        assert_eq!(b.asm_split(), Some(b.asm()), "{o:?}");
    }
}

/// A deterministic xorshift generator for the builder's randomised tests (no
/// dependency): `rnd(n)` is in `0..n`.
pub(super) fn xorshift(seed: u64) -> impl FnMut(u64) -> u64 {
    let mut x = seed;
    move |n| {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x % n
    }
}

/// A writer that takes `left` bytes, in pieces of any size, then fails.
struct Failing {
    out: Vec<u8>,
    left: usize,
}

impl std::io::Write for Failing {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        if self.left == 0 {
            return Err(std::io::ErrorKind::BrokenPipe.into());
        }
        let n = b.len().min(self.left).min(100_000);
        self.out.extend_from_slice(b.get(..n).unwrap_or_default());
        self.left -= n;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn streamed_text_is_the_text_and_stops_at_a_write_error() {
    // Enough symbols for the tail rendered beside the token table and the head
    // rendered on a second thread while this one writes (`emit_head_pipelined`).
    let mut rnd = xorshift(0x0123_4567_89ab_cdef);
    let mut l = SymbolList::new();
    l.push(0xffff_ffff_8100_0000, b'T', b"_text");
    for i in 0..20_000u64 {
        let len = 1 + rnd(30) as usize;
        let mut name: Vec<u8> = (0..len)
            .map(|_| b"_abcdefgh.0123"[rnd(14) as usize])
            .collect();
        name.extend_from_slice(std::format!("_{i}").as_bytes());
        l.push(0xffff_ffff_8100_0010 + i * 32, b'T', &name);
    }
    let opts = Options {
        all_symbols: true,
        ..Options::default()
    };
    let b = build_threads(l, &opts, 2).unwrap();
    assert!(
        b.tail_text.is_some(),
        "the tail is rendered beside the tokens"
    );
    let whole = b.asm();
    assert!(
        whole.len() > 4 * (1 << 20),
        "several chunks: {}",
        whole.len()
    );
    let mut all = Failing {
        out: Vec::new(),
        left: usize::MAX,
    };
    b.write_asm(&mut all).unwrap();
    assert!(all.out == whole, "streamed text differs");
    for left in [0, 1, 1 << 20, (1 << 20) + 7, 3 << 20, whole.len() - 1] {
        let mut w = Failing {
            out: Vec::new(),
            left,
        };
        let e = b.write_asm(&mut w).unwrap_err();
        assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe);
        assert!(whole.starts_with(&w.out) && w.out.len() == left, "{left}");
    }
}
