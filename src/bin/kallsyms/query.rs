// SPDX-License-Identifier: GPL-2.0-only OR MIT
//! The query commands: `lookup`, `addr`, `klp`, `dups`, `explain`, `stats`.
//!
//! Exit status: 0 found, 1 not found or ambiguous (with the reason on stderr), 2 bad
//! usage or unreadable input.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use kallsyms::livepatch::{find_object_symbol, AddressZero, KlpObject, KlpSym, PR_PREFIX};
use kallsyms::{base_name, Found, Match, MatchKind, Table, KSYM_NAME_LEN};
use serde_json::{json, Value};

use crate::source::{InputError, Source};

/// Where the symbols come from (every query command takes it).
#[derive(Debug, clap::Args)]
pub struct MapArg {
    /// Symbol source: /proc/kallsyms (default), a System.map or `nm -n` listing.
    #[arg(long, value_name = "FILE")]
    map: Option<PathBuf>,
    /// Print JSON instead of aligned text.
    #[arg(long)]
    json: bool,
}

/// Parses `--match`: `exact`, `llvm`, `clone`, `cold`, `lto_priv`, `localalias`,
/// `numbered`, `lto` (llvm + lto_priv + localalias) or `all`, comma-separated.
pub fn parse_match(s: &str) -> Result<Match, String> {
    let mut m = Match::EXACT;
    for part in s.split(',') {
        m |= match part.trim() {
            "exact" => Match::EXACT,
            "llvm" => Match::LLVM,
            "clone" => Match::CLONE,
            "cold" => Match::COLD,
            "lto_priv" => Match::LTO_PRIV,
            "localalias" => Match::LOCALALIAS,
            "numbered" => Match::NUMBERED,
            "lto" => Match::LTO,
            "all" => Match::ALL,
            other => {
                return Err(format!(
                    "unknown match kind {other:?}: use exact, llvm, clone, cold, lto_priv, \
                     localalias, numbered, lto or all"
                ))
            }
        };
    }
    Ok(m)
}

/// Text of a name that may not be UTF-8.
fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn load(map: &MapArg) -> Result<Source, ExitCode> {
    Source::load(map.map.as_deref()).map_err(|InputError(e)| {
        eprintln!("kallsyms: {e}");
        ExitCode::from(2)
    })
}

/// Loads the map, opens its table and runs `f` on both; input errors exit with 2.
fn run_with(map: &MapArg, f: impl FnOnce(&Source, &Table<'_>) -> ExitCode) -> ExitCode {
    let src = match load(map) {
        Ok(s) => s,
        Err(c) => return c,
    };
    let t = match table(&src) {
        Ok(t) => t,
        Err(c) => return c,
    };
    f(&src, &t)
}

fn table(src: &Source) -> Result<Table<'_>, ExitCode> {
    src.table().map_err(|InputError(e)| {
        eprintln!("kallsyms: {e}");
        ExitCode::from(2)
    })
}

/// One row of output: a match in vmlinux or a module.
struct Row {
    module: Option<String>,
    name: Vec<u8>,
    addr: u64,
    kind_letter: u8,
    size: Option<u64>,
    sympos: u32,
    kind: MatchKind,
}

impl Row {
    fn vmlinux(t: &Table<'_>, f: &Found) -> Row {
        let mut buf = [0u8; KSYM_NAME_LEN];
        Row {
            module: None,
            name: t.name(&f.symbol, &mut buf).to_vec(),
            addr: f.symbol.address,
            kind_letter: f.symbol.type_letter,
            size: Some(f.size),
            sympos: f.sympos,
            kind: f.kind,
        }
    }

    fn json(&self) -> Value {
        json!({
            "name": text(&self.name),
            "addr": format!("{:#018x}", self.addr),
            "type": (self.kind_letter as char).to_string(),
            "size": self.size,
            "sympos": self.sympos,
            "kind": self.kind.as_str(),
            "module": self.module,
        })
    }
}

fn print_rows(rows: &[Row], json: bool) {
    if json {
        let v: Vec<Value> = rows.iter().map(Row::json).collect();
        println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
        return;
    }
    let w = rows
        .iter()
        .map(|r| r.kind.as_str().len())
        .max()
        .unwrap_or(4)
        .max(4);
    println!(
        "{:<18} T {:>8} {:>6} {:<w$} NAME",
        "ADDRESS", "SIZE", "SYMPOS", "KIND"
    );
    for r in rows {
        let size = r
            .size
            .map_or_else(|| "-".to_string(), |s| format!("{s:#x}"));
        let module = r
            .module
            .as_ref()
            .map_or_else(String::new, |m| format!("  [{m}]"));
        println!(
            "{:#018x} {} {:>8} {:>6} {:<w$} {}{module}",
            r.addr,
            r.kind_letter as char,
            size,
            r.sympos,
            r.kind.as_str(),
            text(&r.name)
        );
    }
}

/// Every match of `name` in vmlinux, then in each module.
fn all_matches(src: &Source, t: &Table<'_>, name: &[u8], opts: Match) -> Vec<Row> {
    let mut rows: Vec<Row> = t.matches(name, opts).map(|f| Row::vmlinux(t, &f)).collect();
    for m in &src.modules {
        let Some(st) = m.symtab() else { continue };
        for (s, kind, sympos) in st.matches(name, opts) {
            rows.push(Row {
                module: Some(m.name.clone()),
                name: s.name.to_vec(),
                addr: s.value,
                kind_letter: s.type_letter,
                size: None,
                sympos,
                kind,
            });
        }
    }
    rows
}

/// `kallsyms lookup`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Example:\n  kallsyms lookup --match lto c_start\n  kallsyms lookup --map System.map --json vfs_read"
)]
pub struct LookupArgs {
    #[command(flatten)]
    map: MapArg,
    /// Which compiler suffixes may follow the name (comma-separated): exact, llvm,
    /// clone, cold, lto_priv, localalias, numbered, lto, all.
    #[arg(long = "match", value_name = "KINDS", default_value = "exact", value_parser = parse_match)]
    opts: Match,
    /// The symbol name.
    name: String,
}

/// Prints every symbol matching the name, with address, type, size, sympos and kind.
pub fn lookup(a: &LookupArgs) -> ExitCode {
    run_with(&a.map, |src, t| {
        let rows = all_matches(src, t, a.name.as_bytes(), a.opts);
        if rows.is_empty() {
            eprintln!("kallsyms: {}: not found in {}", a.name, src.path.display());
            return ExitCode::from(1);
        }
        print_rows(&rows, a.map.json);
        ExitCode::SUCCESS
    })
}

/// Parses an address: hex with or without `0x`.
fn parse_addr(s: &str) -> Result<u64, String> {
    let h = s
        .strip_prefix("0x")
        .or_else(|| s.strip_prefix("0X"))
        .unwrap_or(s);
    u64::from_str_radix(h, 16).map_err(|_| format!("{s:?} is not a hexadecimal address"))
}

/// `kallsyms addr`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Example:\n  kallsyms addr ffffffff81234567\n  kallsyms addr --json 0xffffffff81234567"
)]
pub struct AddrArgs {
    #[command(flatten)]
    map: MapArg,
    /// The address, in hexadecimal.
    #[arg(value_parser = parse_addr)]
    addr: u64,
}

/// Prints the symbol that covers an address as `%pS` would, with its sympos.
pub fn addr(a: &AddrArgs) -> ExitCode {
    run_with(&a.map, |src, t| {
        if let Some((sym, pos)) = t.lookup_address(a.addr) {
            let mut buf = [0u8; KSYM_NAME_LEN];
            let name = t.name(&sym, &mut buf).to_vec();
            let sp = t.sympos_of(sym.index, Match::EXACT);
            let sympos = sp.map_or(0, |s| s.livepatch());
            let klp = format!(".klp.sym.vmlinux.{},{sympos}", text(&name));
            if a.map.json {
                let v = json!({
                    "name": text(&name), "addr": format!("{:#018x}", pos.start),
                    "type": (sym.type_letter as char).to_string(), "size": pos.size,
                    "offset": pos.offset, "sympos": sympos, "klp_sym": klp,
                    "count": sp.map_or(0, |s| s.count),
                });
                println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
            } else {
                let mut sb = vec![0u8; KSYM_NAME_LEN + 64];
                let n = t.sprint_symbol(a.addr, &mut sb).unwrap_or(0);
                println!("{}", text(&sb[..n]));
                println!(
                    "  {:#018x} {} size {:#x}, {} of {} named {}; livepatch: {klp}",
                    pos.start,
                    sym.type_letter as char,
                    pos.size,
                    sp.map_or(0, |s| s.position),
                    sp.map_or(0, |s| s.count),
                    text(&name)
                );
            }
            return ExitCode::SUCCESS;
        }
        // Module symbols: the nearest at or below, within the module's span.
        for m in &src.modules {
            let Some(st) = m.symtab() else { continue };
            let values = st.defined().map(|s| s.value);
            let (lo, hi) = values.fold((u64::MAX, 0), |(l, h), v| (l.min(v), h.max(v)));
            let region = kallsyms::module::ModRegion {
                base: lo,
                size: hi.saturating_sub(lo).saturating_add(0x1000),
            };
            if let Some((s, size, off)) = st.lookup_address(a.addr, region) {
                if a.map.json {
                    let v = json!({"name": text(s.name), "addr": format!("{:#018x}", s.value),
                    "type": (s.type_letter as char).to_string(), "size": size, "offset": off,
                    "module": m.name});
                    println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
                } else {
                    println!("{}+{off:#x}/{size:#x} [{}]", text(s.name), m.name);
                }
                return ExitCode::SUCCESS;
            }
        }
        eprintln!("kallsyms: {:#x}: no symbol covers this address", a.addr);
        ExitCode::from(1)
    })
}

/// `kallsyms klp`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Example:\n  kallsyms klp c_start 2\n  kallsyms klp --module btrfs btrfs_file_read_iter"
)]
pub struct KlpArgs {
    #[command(flatten)]
    map: MapArg,
    /// Resolve in this module (its ELF symbol-table order) instead of vmlinux.
    #[arg(long)]
    module: Option<String>,
    /// Count a match at address 0 as found (the kernel does not).
    #[arg(long)]
    zero_is_found: bool,
    /// The symbol name, exactly.
    name: String,
    /// The position: 0 (default) requires a unique name, N picks the N-th match.
    #[arg(default_value_t = 0)]
    sympos: u64,
}

/// Resolves (name, sympos) as `klp_find_object_symbol()`: prints the address, or the
/// kernel's error message with exit status 1.
pub fn klp(a: &KlpArgs) -> ExitCode {
    run_with(&a.map, |src, t| {
        let zero = if a.zero_is_found {
            AddressZero::Exact
        } else {
            AddressZero::KernelCompatible
        };
        let module = a
            .module
            .as_ref()
            .map(|m| (m, src.modules.iter().find(|x| &x.name == m)));
        let symtab;
        let obj = match module {
            None => KlpObject::Vmlinux(t),
            Some((m, Some(x))) => {
                symtab = x.symtab();
                match &symtab {
                    Some(st) => KlpObject::Module {
                        name: m.as_bytes(),
                        symtab: st,
                    },
                    None => {
                        eprintln!("kallsyms: module {m}: bad symbol table");
                        return ExitCode::from(2);
                    }
                }
            }
            Some((m, None)) => {
                eprintln!("kallsyms: module {m} is not in {}", src.path.display());
                return ExitCode::from(1);
            }
        };
        let objname = a.module.as_deref().map(str::as_bytes);
        match find_object_symbol(obj, a.name.as_bytes(), a.sympos, zero) {
            Ok(addr) => {
                if a.map.json {
                    println!(
                        "{}",
                        json!({"name": a.name, "sympos": a.sympos, "addr": format!("{addr:#018x}")})
                    );
                } else {
                    println!("{addr:#018x}");
                }
                ExitCode::SUCCESS
            }
            Err(e) => {
                let msg = e.message(a.name.as_bytes(), objname, a.sympos);
                if a.map.json {
                    println!(
                        "{}",
                        json!({"name": a.name, "sympos": a.sympos, "error": msg.to_string(), "errno": e.to_errno()})
                    );
                }
                eprintln!("{PR_PREFIX}{msg}");
                ExitCode::from(1)
            }
        }
    })
}

/// `kallsyms dups`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Example:\n  kallsyms dups\n  kallsyms dups --match lto --json")]
pub struct DupsArgs {
    #[command(flatten)]
    map: MapArg,
    /// Group names by their original name under these suffix kinds (default exact).
    #[arg(long = "match", value_name = "KINDS", default_value = "exact", value_parser = parse_match)]
    opts: Match,
}

/// Every name with more than one symbol, with each copy, and a summary line.
pub fn dups(a: &DupsArgs) -> ExitCode {
    run_with(&a.map, |_src, t| {
        let mut buf = [0u8; KSYM_NAME_LEN];
        let mut groups: HashMap<Vec<u8>, u32> = HashMap::new();
        for s in t.iter() {
            let name = t.name(&s, &mut buf);
            let base = base_name(name, a.opts);
            *groups.entry(base.to_vec()).or_default() += 1;
        }
        let mut names: Vec<Vec<u8>> = groups
            .into_iter()
            .filter(|(_, n)| *n > 1)
            .map(|(k, _)| k)
            .collect();
        names.sort();
        let mut out: Vec<Value> = Vec::new();
        let (mut copies, mut llvm, mut clones, mut cold) = (0usize, 0usize, 0usize, 0usize);
        let mut listed = 0usize;
        let mut text_out = String::new();
        for n in &names {
            let rows: Vec<Row> = t.matches(n, a.opts).map(|f| Row::vmlinux(t, &f)).collect();
            if rows.len() < 2 {
                continue;
            }
            listed += 1;
            copies += rows.len();
            for r in &rows {
                // Count what each copy is by its own name's suffix.
                let own = base_name(&r.name, Match::ALL).len();
                let kind = kallsyms::classify_suffix(&r.name[own..], Match::ALL).unwrap_or(r.kind);
                match kind {
                    MatchKind::Llvm | MatchKind::LtoPriv => llvm += 1,
                    MatchKind::Clone => clones += 1,
                    MatchKind::Cold => cold += 1,
                    _ => {}
                }
            }
            if a.map.json {
                out.push(
                json!({"name": text(n), "copies": rows.iter().map(Row::json).collect::<Vec<_>>()}),
            );
            } else {
                let _ = writeln!(text_out, "{} ({} copies)", text(n), rows.len());
                for r in &rows {
                    let _ = writeln!(
                        text_out,
                        "  {:#018x} {} size {:>8} sympos {:>3} {:<10} {}",
                        r.addr,
                        r.kind_letter as char,
                        format!("{:#x}", r.size.unwrap_or(0)),
                        r.sympos,
                        r.kind.as_str(),
                        text(&r.name)
                    );
                }
            }
        }
        let summary = format!(
        "{listed} names with more than one symbol, {copies} symbols: {llvm} LTO renames, {clones} clones, {cold} cold fragments"
    );
        if a.map.json {
            println!(
                "{}",
                serde_json::to_string_pretty(&json!({"names": out, "summary": summary}))
                    .unwrap_or_default()
            );
        } else {
            print!("{text_out}");
            println!("{summary}");
        }
        ExitCode::SUCCESS
    })
}

/// `kallsyms explain`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Example:\n  kallsyms explain c_start\n  kallsyms explain --map System.map show_interrupts"
)]
pub struct ExplainArgs {
    #[command(flatten)]
    map: MapArg,
    /// The function's name (with or without a compiler suffix).
    name: String,
}

/// Everything needed to target one function: matches, what livepatch's sympos picks
/// for each value, the `.klp.sym.` name, and whether kprobes take the plain name.
pub fn explain(a: &ExplainArgs) -> ExitCode {
    run_with(&a.map, |src, t| {
        let name = a.name.as_bytes();
        let base = base_name(name, Match::ALL);
        let exact = all_matches(src, t, name, Match::EXACT);
        let related = all_matches(src, t, base, Match::ALL);
        let mut report = json!({"name": a.name});
        let mut s = String::new();
        let _ = writeln!(
            s,
            "{}: {} exact match(es) in vmlinux and modules",
            a.name,
            exact.len()
        );
        // Livepatch: what each sympos selects (vmlinux).
        let count = t.count_matches(name, Match::EXACT);
        let mut klp = Vec::new();
        for sympos in 0..=u64::from(count) {
            let r = find_object_symbol(
                KlpObject::Vmlinux(t),
                name,
                sympos,
                AddressZero::KernelCompatible,
            );
            let line = match r {
                Ok(addr) => {
                    let spec = KlpSym {
                        objname: b"vmlinux",
                        name,
                        sympos,
                    };
                    format!("sympos {sympos}: {addr:#018x}  (.klp.sym name: {spec})")
                }
                Err(e) => format!(
                    "sympos {sympos}: {PR_PREFIX}{}",
                    e.message(name, None, sympos)
                ),
            };
            klp.push(line);
        }
        let _ = writeln!(s, "\nlivepatch (vmlinux, exact name):");
        for l in &klp {
            let _ = writeln!(s, "  {l}");
        }
        // kprobes: trace_kprobe.c counts vmlinux and module matches (6.6+, b022f0c7e404).
        let kprobe = match exact.len() {
            0 => "no: not found (ENOENT)".to_string(),
            1 => "yes: the name is unique".to_string(),
            n => format!(
            "no: {n} symbols share the name, the kernel refuses it with EADDRNOTAVAIL since 6.6 \
             (b022f0c7e404); probe one copy by address or by a unique suffixed name"
        ),
        };
        let _ = writeln!(s, "\nkprobe on `{}`: {kprobe}", a.name);
        let _ = writeln!(
            s,
            "\nrelated symbols (any compiler suffix of `{}`):",
            text(base)
        );
        report["livepatch"] = json!(klp);
        report["kprobe"] = json!(kprobe);
        report["exact"] = json!(exact.iter().map(Row::json).collect::<Vec<_>>());
        report["related"] = json!(related.iter().map(Row::json).collect::<Vec<_>>());
        if a.map.json {
            println!(
                "{}",
                serde_json::to_string_pretty(&report).unwrap_or_default()
            );
        } else {
            print!("{s}");
            print_rows(&related, false);
            println!("\nto target each copy (vmlinux):");
            for f in t.matches(base, Match::ALL) {
                let mut nb = [0u8; KSYM_NAME_LEN];
                let full = t.name(&f.symbol, &mut nb).to_vec();
                if let Some(sp) = t.sympos_of(f.symbol.index, Match::EXACT) {
                    let spec = KlpSym {
                        objname: b"vmlinux",
                        name: &full,
                        sympos: u64::from(sp.livepatch()),
                    };
                    let probe = if sp.count == 1 {
                        "kprobe by name: yes"
                    } else {
                        "kprobe by name: no (not unique)"
                    };
                    println!(
                        "  {:#018x} {:<10} {spec}  {probe}",
                        f.symbol.address,
                        f.kind.as_str()
                    );
                }
            }
            let same: Vec<&Row> = related
                .iter()
                .filter(|r| r.kind.is_same_function())
                .collect();
            if same.len() == 1 && same[0].name != name {
                println!(
                    "\n`{}` is an LTO rename of `{}`: use the full name, which is unique.",
                    text(&same[0].name),
                    text(base)
                );
            }
        }
        if exact.is_empty() && related.is_empty() {
            return ExitCode::from(1);
        }
        ExitCode::SUCCESS
    })
}

/// `kallsyms stats`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Example:\n  kallsyms stats\n  kallsyms stats --map System.map --json")]
pub struct StatsArgs {
    #[command(flatten)]
    map: MapArg,
}

/// Symbol count, bytes per array, compression ratio, duplicates, layout.
pub fn stats(a: &StatsArgs) -> ExitCode {
    run_with(&a.map, |src, t| {
        let mut buf = [0u8; KSYM_NAME_LEN];
        let mut plain = 0usize;
        let mut names: HashMap<Vec<u8>, u32> = HashMap::new();
        let mut kinds: HashMap<&'static str, usize> = HashMap::new();
        for s in t.iter() {
            let n = t.name(&s, &mut buf);
            plain += n.len() + 1;
            *names.entry(n.to_vec()).or_default() += 1;
            let b = base_name(n, Match::ALL);
            if b.len() != n.len() {
                if let Some(k) = kallsyms::classify_suffix(&n[b.len()..], Match::ALL) {
                    *kinds.entry(k.as_str()).or_default() += 1;
                }
            }
        }
        let dup_names = names.values().filter(|&&c| c > 1).count();
        let dup_syms: u32 = names.values().filter(|&&c| c > 1).sum();
        let sizes = src.raw_sizes();
        let compressed = sizes[0].1 + sizes[2].1 + sizes[3].1;
        let module_syms: u32 = src
            .modules
            .iter()
            .filter_map(|m| m.symtab())
            .map(|s| s.len().saturating_sub(1))
            .sum();
        let v = json!({
            "source": src.path.display().to_string(),
            "symbols": t.len(),
            "modules": src.modules.len(),
            "module_symbols": module_syms,
            "arrays": sizes.iter().map(|(n, b)| json!({"array": n, "bytes": b})).collect::<Vec<_>>(),
            "name_bytes": plain,
            "compressed_bytes": compressed,
            "compression_percent": if plain == 0 { 0.0 } else { 100.0 * compressed as f64 / plain as f64 },
            "duplicate_names": dup_names,
            "duplicate_symbols": dup_syms,
            "suffixes": kinds,
            "layout": t.layout().to_string(),
        });
        if a.map.json {
            println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
            return ExitCode::SUCCESS;
        }
        println!("source            {}", src.path.display());
        println!(
            "symbols           {} in vmlinux, {} in {} modules",
            t.len(),
            module_syms,
            src.modules.len()
        );
        for (n, b) in sizes {
            println!("{n:<24}  {b:>10} bytes");
        }
        println!(
        "names             {plain} bytes plain, {compressed} compressed (names + tokens): {:.1}%",
        if plain == 0 {
            0.0
        } else {
            100.0 * compressed as f64 / plain as f64
        }
    );
        println!("duplicates        {dup_names} names shared by {dup_syms} symbols");
        let mut k: Vec<_> = kinds.into_iter().collect();
        k.sort();
        let list: Vec<String> = k.iter().map(|(n, c)| format!("{n} {c}")).collect();
        println!("suffixes          {}", list.join(", "));
        println!(
            "layout            {} (in-memory table built from the map)",
            t.layout()
        );
        ExitCode::SUCCESS
    })
}
