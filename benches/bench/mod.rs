// SPDX-License-Identifier: GPL-2.0-only OR MIT
//! The benchmark driver: tables, operations, timing, report.

mod plot;
mod synth;

use std::ffi::{CStr, CString};
use std::fmt::Write as _;
use std::hint::black_box;
use std::time::{Duration, Instant};

use kallsyms::accel::{self, AddressCache, ProbeCache};
use kallsyms::build::{self, KernelVersion, Options, ParseMode};
use kallsyms::livepatch::{find_object_symbol, AddressZero, KlpObject};
use kallsyms::{Layout, Match, Sections, Table, KSYM_NAME_LEN};

/// One table to measure on: its map and its built form.
pub struct Subject {
    pub name: String,
    pub map: Vec<u8>,
    pub options: Options,
    pub owned: build::OwnedTable,
    pub sections: Sections,
}

/// One result line.
pub struct Row {
    pub op: &'static str,
    pub table: String,
    pub symbols: u32,
    pub ours_ns: f64,
    pub kernel_ns: f64,
    pub bytes: usize,
}

/// Repetitions of `f` that take about one round (`KALLSYMS_BENCH_MS`, default
/// 30 ms; longer for a profile dominated by the timed loops).
fn reps_for(f: &mut impl FnMut() -> u64) -> usize {
    let t = Instant::now();
    black_box(f());
    let once = t.elapsed().max(Duration::from_micros(1));
    let round_ms = std::env::var("KALLSYMS_BENCH_MS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(30);
    ((Duration::from_millis(round_ms).as_nanos() / once.as_nanos()) as usize).clamp(1, 100_000)
}

/// Rounds per measurement (`KALLSYMS_BENCH_ROUNDS`, default 9).
fn rounds() -> usize {
    std::env::var("KALLSYMS_BENCH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(9)
}

/// ns per operation of one round of `reps` calls of `f`, each running `per`
/// operations.
fn round_ns(per: usize, reps: usize, f: &mut impl FnMut() -> u64) -> f64 {
    let t = Instant::now();
    for _ in 0..reps {
        black_box(f());
    }
    t.elapsed().as_nanos() as f64 / (reps * per.max(1)) as f64
}

/// Times ours (`f`, `per` operations a call) and the kernel's (`g`, `kper`) in
/// alternating rounds and returns the ns per operation of each: the best round of
/// each (the one least disturbed by other work on the machine). Alternating puts
/// both sides in the same stretch of time, so a noisy stretch of a shared VM
/// disturbs both alike instead of one ratio.
fn time_vs(
    per: usize,
    mut f: impl FnMut() -> u64,
    kper: usize,
    mut g: impl FnMut() -> u64,
) -> (f64, f64) {
    let (rf, rg) = (reps_for(&mut f), reps_for(&mut g));
    let (mut best_f, mut best_g) = (f64::MAX, f64::MAX);
    for _ in 0..rounds() {
        best_f = best_f.min(round_ns(per, rf, &mut f));
        best_g = best_g.min(round_ns(kper, rg, &mut g));
    }
    (best_f, best_g)
}

/// Whether any of `ops` is selected by `KALLSYMS_BENCH_OPS` (a comma-separated list
/// of operation names; all when unset).
fn wanted(ops: &[&str]) -> bool {
    match std::env::var("KALLSYMS_BENCH_OPS") {
        Ok(list) => list.split(',').any(|o| ops.contains(&o.trim())),
        Err(_) => true,
    }
}

/// Packs NUL-terminated copies of `list` into one buffer; returns it and where
/// each starts.
fn pack(list: &[Vec<u8>]) -> (Vec<u8>, Vec<(usize, usize)>) {
    let mut buf = Vec::with_capacity(list.iter().map(|n| n.len() + 1).sum());
    let mut at = Vec::with_capacity(list.len());
    for n in list {
        at.push((buf.len(), n.len()));
        buf.extend_from_slice(n);
        buf.push(0);
    }
    (buf, at)
}

/// The names of a [`pack`]ed buffer, as byte slices and as C strings.
fn unpack<'b>(buf: &'b [u8], at: &[(usize, usize)]) -> (Vec<&'b [u8]>, Vec<&'b CStr>) {
    at.iter()
        .map(|&(a, l)| {
            (
                &buf[a..a + l],
                CStr::from_bytes_with_nul(&buf[a..=a + l]).unwrap(),
            )
        })
        .unzip()
}

/// A deterministic shuffle (xorshift), so runs are comparable.
fn shuffle<T>(v: &mut [T], mut seed: u64) {
    for i in (1..v.len()).rev() {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        v.swap(i, (seed % (i as u64 + 1)) as usize);
    }
}

fn sections_of(syms: &build::SymbolList) -> Sections {
    let mut s = Sections {
        kallsyms_all: true,
        ..Sections::default()
    };
    let mut max = 0;
    for m in syms.iter() {
        max = max.max(m.addr);
        match m.name {
            b"_stext" => s.stext = m.addr,
            b"_etext" => s.etext = m.addr,
            b"_sinittext" => s.sinittext = m.addr,
            b"_einittext" => s.einittext = m.addr,
            b"__init_begin" => s.init_begin = m.addr,
            b"__init_end" => s.init_end = m.addr,
            b"_end" => s.end = m.addr,
            _ => {}
        }
    }
    if s.end == 0 {
        s.etext = max + 0x1000;
        s.end = max + 0x1000;
    }
    s
}

impl Subject {
    pub fn new(name: &str, map: Vec<u8>, absolute_percpu: bool) -> Subject {
        let options = Options {
            all_symbols: true,
            absolute_percpu,
            pc_relative: false,
            kernel: KernelVersion::V6_12,
        };
        let syms = build::parse_map(&map, ParseMode::Kallsyms).expect("map parses");
        let sections = sections_of(&syms);
        let built = build::build(syms, &options).expect("map builds");
        let layout = Layout::linux(6, 12, 0, false, absolute_percpu);
        let owned = built.owned_table(layout).expect("owned table");
        Subject {
            name: name.to_string(),
            map,
            options,
            owned,
            sections,
        }
    }

    fn table(&self) -> Table<'_> {
        self.owned
            .table()
            .expect("valid table")
            .with_sections(self.sections)
    }

    fn kernel_tables(&self) -> kernel_ref::KernelTables<'_> {
        let raw = self.owned.raw();
        let s = &self.sections;
        kernel_ref::KernelTables {
            num_syms: raw.num_syms,
            names: raw.names,
            markers: raw.markers,
            token_table: raw.token_table,
            token_index: raw.token_index,
            offsets: raw.offsets,
            relative_base: raw.relative_base,
            seqs_of_names: raw.seqs_of_names,
            absolute_percpu: self.options.absolute_percpu,
            kallsyms_all: true,
            stext: s.stext,
            etext: s.etext,
            sinittext: s.sinittext,
            einittext: s.einittext,
            end: s.end,
            init_begin: s.init_begin,
            init_end: s.init_end,
        }
    }
}

/// Runs every operation on one subject.
fn run(subject: &Subject, rows: &mut Vec<Row>, limit: usize) {
    let bare = subject.table();
    let n = bare.len();
    let mut cache = Box::<ProbeCache>::default();
    cache.fill(&bare);
    let mut blocks = vec![0u16; n as usize];
    accel::fill_block_offsets(&bare, &mut blocks).expect("block offsets fit");
    let blocked = bare.clone().with_block_offsets(&blocks).unwrap();
    let mut hash = vec![0u16; accel::hash_index_len(accel::distinct_names(&blocked))];
    accel::fill_hash_index(&blocked, &mut hash).expect("hash index");
    let mut addr_cache = Box::<AddressCache>::default();
    addr_cache.fill(&bare);
    let cached = bare
        .clone()
        .with_probe_cache(&cache)
        .unwrap()
        .with_address_cache(&addr_cache)
        .unwrap();
    let idx2 = cached.clone().with_block_offsets(&blocks).unwrap();
    let mut name_offs = vec![0u16; n as usize];
    accel::fill_name_offsets(&blocked, &mut name_offs).expect("name offsets fit");
    // Name lookups with the name-order offsets only; address lookups with the
    // address-order block offsets only: each is a 2-byte-per-symbol index.
    let names2 = cached.clone().with_name_offsets(&name_offs).unwrap();
    // Name lookups with the hash index only (it answers every one, found or not).
    let idx8 = cached.clone().with_hash_index(&hash).unwrap();
    let idx2_bytes = blocks.len() * 2;
    let idx8_bytes = hash.len() * 2;

    let kt = subject.kernel_tables();
    let k = kernel_ref::session(&kt).expect("kernel reference session");

    // Queries: every symbol's name (shuffled, capped at `limit`), names that are
    // not in the table, base names of suffixed symbols, addresses inside symbols,
    // duplicated names.
    let mut buf = [0u8; KSYM_NAME_LEN];
    let mut names: Vec<Vec<u8>> = bare
        .iter()
        .map(|s| bare.name(&s, &mut buf).to_vec())
        .collect();
    let all_names = names.clone();
    names.retain(|n| !n.is_empty());
    shuffle(&mut names, 0x5eed);
    names.truncate(limit);
    let missing: Vec<Vec<u8>> = names
        .iter()
        .map(|n| {
            let mut m = n.clone();
            m.push(b'~');
            m
        })
        .collect();
    // The queries lie one after another in one buffer, in query order, as a
    // caller's array of names would (BPF multi-attach, a kprobe list): both sides
    // read the same bytes, and neither pays a cache miss per query string.
    let (names_buf, names_at) = pack(&names);
    let (missing_buf, missing_at) = pack(&missing);
    let (names, crefs) = unpack(&names_buf, &names_at);
    let (missing, cmissing_refs) = unpack(&missing_buf, &missing_at);
    let mut addrs: Vec<u64> = Vec::with_capacity(names.len());
    let mut seed = 0x1234_5678_u64;
    for i in 0..names.len().min(n as usize) {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let idx = (seed >> 33) % u64::from(n);
        let p = bare.position(bare.address(idx as u32)).unwrap();
        let a = p.start + if p.size > 1 { (seed >> 7) % p.size } else { 0 };
        if subject.sections.is_ksym_addr(a) {
            addrs.push(a);
        }
        let _ = i;
    }
    let mut dup_names: Vec<Vec<u8>> = {
        let mut sorted = all_names.clone();
        sorted.sort();
        let mut d: Vec<Vec<u8>> = sorted
            .windows(2)
            .filter(|w| w[0] == w[1] && !w[0].is_empty())
            .map(|w| w[0].clone())
            .collect();
        d.dedup();
        d
    };
    dup_names.truncate(limit);
    let cdups: Vec<CString> = dup_names
        .iter()
        .map(|n| CString::new(n.clone()).unwrap())
        .collect();
    let cdup_refs: Vec<&std::ffi::CStr> = cdups.iter().map(|c| c.as_c_str()).collect();

    // Correctness first: every answer equals the kernel's.
    for (name, c) in names.iter().zip(&crefs) {
        let want = k.lookup_name(c.to_bytes());
        for t in [&bare, &cached, &idx2, &names2, &idx8] {
            assert_eq!(t.lookup_name(name).map_or(0, |s| s.address), want);
        }
    }
    for m in &missing {
        assert_eq!(
            idx8.lookup_name(m).map_or(0, |s| s.address),
            k.lookup_name(m)
        );
        assert!(cached.lookup_name(m).is_none() || k.lookup_name(m) != 0);
    }
    for &a in &addrs {
        let (kname, ksize, koff) = k.lookup(a).expect("kernel finds the address");
        for t in [&cached, &idx2] {
            let (sym, pos) = t.lookup_address(a).unwrap();
            assert_eq!(
                (t.name(&sym, &mut buf), pos.size, pos.offset),
                (&kname[..], ksize, koff)
            );
        }
    }
    for d in &dup_names {
        let ours: Vec<u64> = idx2
            .matches(d, Match::EXACT)
            .map(|f| f.symbol.address)
            .collect();
        assert_eq!(ours, k.on_each_match_symbol(d, None));
        let (kret, kaddr, _) = k.klp_find_object_symbol(None, d, 1);
        let r = find_object_symbol(
            KlpObject::Vmlinux(&idx2),
            d,
            1,
            AddressZero::KernelCompatible,
        );
        assert_eq!(
            (kret, kaddr),
            r.map_or_else(|e| (e.to_errno(), 0), |a| (0, a))
        );
    }

    let table = subject.name.clone();
    let mut push = |op: &'static str, ours_ns: f64, kernel_ns: f64, bytes| {
        if !wanted(&[op]) {
            return;
        }
        rows.push(Row {
            op,
            table: table.clone(),
            symbols: n,
            ours_ns,
            kernel_ns,
            bytes,
        })
    };

    let kernel_lookup = || k.bench_lookup_name(&crefs);
    let lookup = |op, t: &Table<'_>| {
        if !wanted(&[op]) {
            return (0.0, 0.0);
        }
        time_vs(
            names.len(),
            || {
                names.iter().fold(0u64, |acc, n| {
                    acc.wrapping_add(t.lookup_name(n).map_or(0, |s| s.address))
                })
            },
            crefs.len(),
            kernel_lookup,
        )
    };
    let (o, kn) = lookup("lookup_name", &cached);
    push("lookup_name", o, kn, 4092);
    let (o, kn) = lookup("lookup_name_nocache", &bare);
    push("lookup_name_nocache", o, kn, 0);
    let (o, kn) = lookup("lookup_name_idx2", &names2);
    push("lookup_name_idx2", o, kn, idx2_bytes + 4092);
    let (o, kn) = lookup("lookup_name_idx8", &idx8);
    push("lookup_name_idx8", o, kn, idx8_bytes + 4092);

    if wanted(&["lookup_missing"]) {
        let (ours_missing, kernel_missing) = time_vs(
            missing.len(),
            || {
                missing.iter().fold(0u64, |acc, n| {
                    acc.wrapping_add(cached.lookup_name(n).map_or(0, |s| s.address))
                })
            },
            cmissing_refs.len(),
            || k.bench_lookup_name(&cmissing_refs),
        );
        push("lookup_missing", ours_missing, kernel_missing, 4092);
    }

    // Suffix-aware: the first match of every name's base under Match::ALL. The
    // kernel has no such lookup (a full scan would be its only way): the baseline is
    // its exact lookup of the same names.
    if wanted(&["lookup_suffix"]) {
        let bases: Vec<&[u8]> = names
            .iter()
            .map(|n| kallsyms::base_name(n, Match::ALL))
            .collect();
        let (ours_suffix, kernel_exact) = time_vs(
            bases.len(),
            || {
                bases.iter().fold(0u64, |acc, b| {
                    acc.wrapping_add(
                        cached
                            .matches(b, Match::ALL)
                            .next()
                            .map_or(0, |f| f.symbol.address),
                    )
                })
            },
            crefs.len(),
            kernel_lookup,
        );
        push("lookup_suffix", ours_suffix, kernel_exact, 4092);
    }

    if wanted(&["lookup_addr", "lookup_addr_idx2"]) {
        let addr = |t: &Table<'_>| {
            time_vs(
                addrs.len(),
                || {
                    let mut nb = [0u8; KSYM_NAME_LEN];
                    addrs
                        .iter()
                        .fold(0u64, |acc, &a| match t.lookup_address(a) {
                            Some((sym, p)) => acc
                                .wrapping_add(t.name(&sym, &mut nb).len() as u64)
                                .wrapping_add(p.size ^ p.offset),
                            None => acc,
                        })
                },
                addrs.len(),
                || k.bench_lookup(&addrs),
            )
        };
        let (o, kn) = addr(&cached);
        push("lookup_addr", o, kn, 0);
        let (o, kn) = addr(&idx2);
        push("lookup_addr_idx2", o, kn, idx2_bytes);
    }

    if wanted(&["iterate"]) {
        let (ours_iter, kernel_iter) = time_vs(
            n as usize,
            || {
                let mut acc = 0u64;
                cached.on_each_symbol(|name, a| {
                    acc = acc.wrapping_add(a ^ u64::from(name.first().copied().unwrap_or(0)));
                    std::ops::ControlFlow::<()>::Continue(())
                });
                acc
            },
            n as usize,
            || k.bench_on_each_symbol(),
        );
        push("iterate", ours_iter, kernel_iter, 0);
    }

    if !dup_names.is_empty() && wanted(&["match_walk", "klp_resolve"]) {
        let (ours_walk, kernel_walk) = time_vs(
            dup_names.len(),
            || {
                dup_names.iter().fold(0u64, |acc, d| {
                    cached
                        .matches(d, Match::EXACT)
                        .fold(acc, |a, f| a.wrapping_add(f.symbol.address))
                })
            },
            cdup_refs.len(),
            || k.bench_on_each_match_symbol(&cdup_refs),
        );
        push("match_walk", ours_walk, kernel_walk, 4092);
        let (ours_klp, kernel_klp) = time_vs(
            dup_names.len(),
            || {
                dup_names.iter().fold(0u64, |acc, d| {
                    let r = find_object_symbol(
                        KlpObject::Vmlinux(&cached),
                        d,
                        1,
                        AddressZero::KernelCompatible,
                    );
                    acc.wrapping_add(r.unwrap_or(0))
                })
            },
            cdup_refs.len(),
            || k.bench_klp_find_object_symbol(&cdup_refs, 1),
        );
        push("klp_resolve", ours_klp, kernel_klp, 4092);
    }
    drop(k);

    // The builder, whole process on both sides: `scripts/kallsyms` and our
    // `kallsyms build` (this package's binary, with its default threads), each
    // reading the map and writing its .S to a file, as the kernel build does
    // (`scripts/kallsyms ... > .tmp_vmlinux.kallsyms.S`).
    if let Some(c_tool) = kernel_ref::scripts_kallsyms().filter(|_| wanted(&["build"])) {
        let dir = std::env::temp_dir().join(format!("kallsyms-bench-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let map_path = dir.join("in.map");
        std::fs::write(&map_path, &subject.map).unwrap();
        let mut args = vec!["--all-symbols".to_string()];
        if subject.options.absolute_percpu {
            args.push("--absolute-percpu".to_string());
        }
        let ours_tool = env!("CARGO_BIN_EXE_kallsyms");
        let run = |tool: &str, subcommand: &[&str], out: &str| {
            let mut cmd = std::process::Command::new(tool);
            cmd.args(subcommand);
            // The output file is created (emptied) before the clock starts: freeing
            // the previous run's pages of text is no part of either build.
            let file = std::fs::File::create(dir.join(out)).unwrap();
            let t = Instant::now();
            let status = cmd
                .args(&args)
                .arg(&map_path)
                .stdout(file)
                .status()
                .unwrap();
            let ns = t.elapsed().as_nanos() as f64;
            assert!(status.success(), "{tool} failed on {}", subject.name);
            ns
        };
        run(c_tool.to_str().unwrap(), &[], "c.S");
        run(ours_tool, &["build"], "out.S");
        assert!(
            std::fs::read(dir.join("out.S")).unwrap() == std::fs::read(dir.join("c.S")).unwrap(),
            "{}: builder output differs from scripts/kallsyms",
            subject.name
        );
        let rounds = if n > 500_000 { 3 } else { 7 };
        let mut c_best = f64::MAX;
        let mut ours_best = f64::MAX;
        for _ in 0..rounds {
            c_best = c_best.min(run(c_tool.to_str().unwrap(), &[], "c.S"));
            ours_best = ours_best.min(run(ours_tool, &["build"], "out.S"));
        }
        push("build", ours_best, c_best, 0);
        let _ = std::fs::remove_dir_all(&dir);
    }
}

pub fn main() {
    if let Err(why) = kernel_ref::available() {
        eprintln!("the kernel reference is not built ({why}): install linux-source-6.12");
        std::process::exit(1);
    }
    let mut subjects: Vec<Subject> = Vec::new();
    let only = std::env::var("KALLSYMS_BENCH_TABLES").ok();
    for fx in &crate::sfile::FIXTURES {
        if only
            .as_ref()
            .is_some_and(|o| !o.split(',').any(|t| fx.stem.contains(t.trim())))
        {
            continue;
        }
        subjects.push(Subject::new(
            fx.stem,
            crate::sfile::data(fx.map),
            fx.absolute_percpu,
        ));
    }
    if let Ok(path) = std::env::var("KALLSYMS_BENCH_MAP") {
        let map = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        subjects.push(Subject::new(&path, map, false));
    }
    let sizes: Vec<usize> = std::env::var("KALLSYMS_BENCH_SYNTH")
        .unwrap_or_else(|_| "10000,100000,1000000,4000000".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    let seed_map = crate::sfile::data(crate::sfile::FIXTURES[1].map);
    let mut rows = Vec::new();
    for s in &subjects {
        eprintln!("== {} ({} symbols)", s.name, s.owned.raw().num_syms);
        run(s, &mut rows, 200_000);
        report(&rows[rows.iter().position(|r| r.table == s.name).unwrap()..]);
    }
    drop(subjects);
    for size in sizes {
        let name = format!("synthetic-{size}");
        eprintln!("== {name}");
        let s = Subject::new(&name, synth::map(&seed_map, size), false);
        let from = rows.len();
        run(&s, &mut rows, 200_000);
        report(&rows[from..]);
    }
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench");
    std::fs::create_dir_all(&dir).unwrap();
    let mut csv = String::from("op,table,symbols,ours_ns,kernel_ns,ratio,extra_bytes\n");
    for r in &rows {
        let _ = writeln!(
            csv,
            "{},{},{},{:.1},{:.1},{:.2},{}",
            r.op,
            r.table,
            r.symbols,
            r.ours_ns,
            r.kernel_ns,
            r.kernel_ns / r.ours_ns,
            r.bytes
        );
    }
    std::fs::write(dir.join("kallsyms.csv"), csv).unwrap();
    std::fs::write(dir.join("kallsyms.svg"), plot::svg(&rows)).unwrap();
    eprintln!("wrote {}", dir.join("kallsyms.csv").display());
}

fn report(rows: &[Row]) {
    for r in rows {
        println!(
            "op={} symbols={} ours_ns={:.1} kernel_ns={:.1} ratio={:.2}",
            r.op,
            r.symbols,
            r.ours_ns,
            r.kernel_ns,
            r.kernel_ns / r.ours_ns
        );
    }
}
