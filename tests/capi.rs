// SPDX-License-Identifier: GPL-2.0-only OR MIT
//! The C ABI (`src/capi.rs`, `include/ksym.h`) from C.
//!
//! - The header compiles with `gcc -std=gnu11 -Wall -Wextra -Werror` (64- and
//!   32-bit), and in a kernel-style unit (`-ffreestanding -nostdinc -D__KERNEL__`,
//!   `tests/capi/kernel_tu.c`).
//! - The header matches the Rust source: prototypes generated from `src/capi.rs`
//!   by a small parser are compiled after the header's (a conflicting type is a
//!   compile error), with every struct's size, field offsets and field types, the
//!   callback typedefs and every constant; the static library exports exactly the
//!   header's functions.
//! - The release static library (built with `cargo rustc --crate-type staticlib`
//!   into its own target directory, `panic = "abort"`) has no panic path: from
//!   each exported `ksym_*` function, the calls and references in its
//!   disassembly, followed transitively through every object of the archive,
//!   reach no `core::panicking` or `core::fmt` symbol.
//! - `tests/capi/capi_test.c`, linked with a fixture's real `scripts/kallsyms`
//!   output (assembled, so the arrays are extern symbols as in a kernel), the
//!   kernel's own 6.12 lookups (`tests/capi/ref.c` over `tests/kernel-ref`'s
//!   generated code) and the static library, compares every answer with the
//!   kernel's symbol by symbol and feeds bad input to every function; it runs
//!   natively over every symbol, and under valgrind (zero errors, no leaks) over
//!   a sample.
//! - The ABI's 32-bit layout assertions hold (`cargo check --target
//!   i686-unknown-linux-gnu`).
//!
//! Without gcc, objdump, nm, valgrind, xz or the kernel source (or the i686 Rust
//! target), tests skip with a message, unless the environment variable `CI` is set:
//! then they fail.
#![cfg(feature = "capi")]

mod objgraph;
mod sfile;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::Instant;

use kallsyms::capi::{self, KsymDesc, KsymFormatError, KsymKlpRela, KsymKlpSym};
use kallsyms::capi::{KsymCaches, KsymModule, KsymSections, KsymSympos, KsymTable};
use kallsyms::Sections;
use objgraph::{is_panic_or_fmt, reach, reference_graph, run};

// ---- environment ------------------------------------------------------------------

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Scratch space of these tests (under `target/tmp`).
fn work() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("capi");
    fs::create_dir_all(&dir).unwrap();
    dir
}

/// Whether `tool --version` runs.
fn have(tool: &str) -> bool {
    Command::new(tool)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// `Ok` when every tool is there; otherwise skips (prints why and returns false),
/// or fails under CI.
fn require(tools: &[&str]) -> bool {
    let missing: Vec<_> = tools.iter().filter(|t| !have(t)).collect();
    if missing.is_empty() {
        return true;
    }
    skip(&format!("missing {missing:?}"))
}

fn skip(why: &str) -> bool {
    assert!(std::env::var_os("CI").is_none(), "capi tests: {why}");
    eprintln!("skipped: {why}");
    false
}

fn gcc() -> Command {
    Command::new(std::env::var("CC").unwrap_or_else(|_| "gcc".to_owned()))
}

/// The warnings every C file here is built with.
const WARN: &[&str] = &["-std=gnu11", "-Wall", "-Wextra", "-Werror"];

// ---- the static library --------------------------------------------------------------

/// Builds the release static library once (`--cfg ksym_staticlib` gives it its panic
/// handler; the release profile has `panic = "abort"`).
fn staticlib() -> &'static Path {
    static LIB: OnceLock<PathBuf> = OnceLock::new();
    LIB.get_or_init(|| {
        let target = work().join("staticlib-target");
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
        let t = Instant::now();
        run(Command::new(cargo)
            .current_dir(root())
            .args([
                "rustc",
                "--quiet",
                "--lib",
                "--release",
                "--features",
                "capi",
            ])
            .args(["--crate-type", "staticlib", "--target-dir"])
            .arg(&target)
            .args(["--", "--cfg", "ksym_staticlib"]));
        eprintln!("static library built in {:.1?}", t.elapsed());
        target.join("release/libkallsyms.a")
    })
}

// ---- the header ------------------------------------------------------------------------

#[test]
fn header_compiles_with_gcc_warnings_as_errors() {
    if !require(&["gcc"]) {
        return;
    }
    let dir = work();
    let tu = dir.join("header_only.c");
    fs::write(
        &tu,
        "/* SPDX-License-Identifier: GPL-2.0-only OR MIT */\n#include \"ksym.h\"\n\
         #include \"ksym.h\"\nint main(void) { return KSYM_NAME_LEN == 512 ? 0 : 1; }\n",
    )
    .unwrap();
    for m in ["-m64", "-m32"] {
        run(gcc()
            .args(WARN)
            .args(["-pedantic", "-Wstrict-prototypes", "-Wmissing-prototypes"])
            .arg(m)
            .arg("-I")
            .arg(root().join("include"))
            .arg("-fsyntax-only")
            .arg(&tu));
    }
}

#[test]
fn header_compiles_in_a_kernel_style_unit() {
    if !require(&["gcc"]) {
        return;
    }
    let out = work();
    for m in ["-m64", "-m32"] {
        run(gcc()
            .args(WARN)
            .args(["-ffreestanding", "-nostdinc", "-D__KERNEL__"])
            .args(["-Wmissing-prototypes", "-Wstrict-prototypes", "-O2"])
            .arg(m)
            .arg("-I")
            .arg(root().join("tests/capi/kernel-include"))
            .arg("-I")
            .arg(root().join("include"))
            .arg("-c")
            .arg(root().join("tests/capi/kernel_tu.c"))
            .arg("-o")
            .arg(out.join(format!("kernel_tu{m}.o"))));
    }
}

/// The C type of a Rust type of `src/capi.rs`, as a declarator with `%` where the
/// name goes.
fn c_type(rust: &str, aliases: &HashMap<String, String>) -> Result<String, String> {
    let t = rust.trim();
    if let Some(inner) = t.strip_prefix("*const ") {
        let c = c_type(inner, aliases)?;
        return Ok(format!("const {}", c.replace('%', "*%")));
    }
    if let Some(inner) = t.strip_prefix("*mut ") {
        let c = c_type(inner, aliases)?;
        return Ok(c.replace('%', "*%"));
    }
    if let Some(inner) = t.strip_prefix("Option<").and_then(|r| r.strip_suffix('>')) {
        // Only function pointers are nullable this way.
        let f = aliases
            .get(inner.trim())
            .ok_or(format!("Option<{inner}>"))?;
        return c_type(f, aliases);
    }
    if let Some(rest) = t.strip_prefix("unsafe extern \"C\" fn(") {
        let close = matching_paren(rest).ok_or(format!("fn type {t}"))?;
        let params = split_top(&rest[..close])
            .iter()
            .map(|p| c_type(p, aliases).map(|c| c.replace('%', "").trim().to_owned()))
            .collect::<Result<Vec<_>, _>>()?;
        let ret = rest[close + 1..]
            .trim()
            .strip_prefix("->")
            .map_or(Ok("void %".to_owned()), |r| c_type(r, aliases))?;
        return Ok(ret.replace('%', &format!("(*%)({})", params.join(", "))));
    }
    let base = match t {
        "c_int" => "int".to_owned(),
        "c_uint" => "unsigned int".to_owned(),
        "c_ulong" => "unsigned long".to_owned(),
        "c_char" => "char".to_owned(),
        "c_void" => "void".to_owned(),
        "usize" => "size_t".to_owned(),
        "u8" => "unsigned char".to_owned(),
        "u16" => "unsigned short".to_owned(),
        s if s.starts_with("Ksym") && s.chars().all(|c| c.is_ascii_alphanumeric()) => {
            format!("struct {}", snake(s))
        }
        _ => return Err(format!("no C type for `{t}`: extend c_type()")),
    };
    Ok(format!("{base} %"))
}

/// `KsymDesc` -> `ksym_desc`.
fn snake(camel: &str) -> String {
    let mut s = String::new();
    for (i, c) in camel.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            s.push('_');
        }
        s.push(c.to_ascii_lowercase());
    }
    s
}

/// Index of the `)` that closes an already opened `(`.
fn matching_paren(s: &str) -> Option<usize> {
    let mut depth = 1;
    for (i, c) in s.char_indices() {
        match c {
            '(' | '<' => depth += 1,
            ')' | '>' if !s[..i].ends_with('-') => {
                depth -= 1;
                if depth == 0 {
                    return (c == ')').then_some(i);
                }
            }
            _ => {}
        }
    }
    None
}

/// Splits at commas outside parentheses and angle brackets; drops empty parts.
fn split_top(s: &str) -> Vec<String> {
    let (mut out, mut cur, mut depth) = (Vec::new(), String::new(), 0);
    let b = s.as_bytes();
    for (i, c) in s.char_indices() {
        match c {
            '(' | '<' | '[' => depth += 1,
            ')' | ']' => depth -= 1,
            '>' if i == 0 || b[i - 1] != b'-' => depth -= 1,
            ',' if depth == 0 => {
                out.push(std::mem::take(&mut cur));
                continue;
            }
            _ => {}
        }
        cur.push(c);
    }
    out.push(cur);
    out.into_iter()
        .map(|p| p.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|p| !p.is_empty())
        .collect()
}

/// A parameter or field: (name, Rust type).
type Named = (String, String);

/// What `src/capi.rs` declares for C.
#[derive(Default)]
struct RustAbi {
    /// Function name -> (parameters, return type).
    functions: BTreeMap<String, (Vec<Named>, Option<String>)>,
    /// `#[repr(C)]` struct -> fields.
    structs: BTreeMap<String, Vec<Named>>,
    /// Type aliases.
    aliases: HashMap<String, String>,
    /// `pub const KSYM_*` names.
    consts: BTreeSet<String>,
}

/// A small parser for the shapes `src/capi.rs` uses (rustfmt's layout).
fn parse_rust_abi(src: &str) -> RustAbi {
    let mut abi = RustAbi::default();
    for (at, _) in src.match_indices("pub unsafe extern \"C\" fn ") {
        let rest = &src[at + "pub unsafe extern \"C\" fn ".len()..];
        let open = rest.find('(').unwrap();
        let name = rest[..open].to_owned();
        assert!(
            src[..at].trim_end().ends_with("#[no_mangle]"),
            "{name}: not #[no_mangle]"
        );
        let close = open + 1 + matching_paren(&rest[open + 1..]).unwrap();
        let params = split_top(&rest[open + 1..close])
            .into_iter()
            .map(|p| {
                let (n, t) = p.split_once(':').unwrap();
                (n.trim().to_owned(), t.trim().to_owned())
            })
            .collect();
        let tail = &rest[close + 1..rest[close..].find('{').unwrap() + close];
        let ret = tail.trim().strip_prefix("->").map(|r| r.trim().to_owned());
        abi.functions.insert(name, (params, ret));
    }
    for (at, _) in src.match_indices("#[repr(C)]") {
        let rest = &src[at..];
        let Some(s) = rest.find("struct ") else {
            continue;
        };
        if !rest[..s].ends_with("pub ") {
            continue; // private (the stored table)
        }
        let rest = &rest[s + "struct ".len()..];
        let name: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        let body = &rest[rest.find('{').unwrap() + 1..rest.find("\n}").unwrap()];
        let fields = body
            .lines()
            .map(str::trim)
            .filter(|l| !l.starts_with("//") && !l.is_empty())
            .map(|l| {
                let l = l.strip_prefix("pub ").unwrap_or(l);
                let (n, t) = l.split_once(':').unwrap();
                (
                    n.trim().to_owned(),
                    t.trim().trim_end_matches(',').to_owned(),
                )
            })
            .collect();
        abi.structs.insert(name, fields);
    }
    for line in src.lines() {
        if let Some(rest) = line.strip_prefix("pub type ") {
            let (n, t) = rest.split_once('=').unwrap();
            abi.aliases.insert(
                n.trim().to_owned(),
                t.trim().trim_end_matches(';').to_owned(),
            );
        }
        if let Some(rest) = line.strip_prefix("pub const KSYM_") {
            let name: String = rest.chars().take_while(|&c| c != ':').collect();
            abi.consts.insert(format!("KSYM_{name}"));
        }
    }
    abi
}

/// (struct, field, offset) of every field of the `#[repr(C)]` structs, from the
/// compiler.
fn rust_offsets() -> Vec<(&'static str, &'static str, usize)> {
    macro_rules! offsets {
        ($($s:ident { $($f:ident),* })*) => {
            vec![$($((stringify!($s), stringify!($f), std::mem::offset_of!($s, $f)),)*)*]
        };
    }
    offsets! {
        KsymSections { stext, etext, sinittext, einittext, init_begin, init_end, end }
        KsymDesc { names, names_len, markers, token_table, token_table_len, token_index,
            offsets, seqs_of_names, relative_base, sections, num_syms, layout, flags,
            reserved }
        KsymFormatError { array, kind, index }
        KsymModule { symtab, num_symtab, elf_class, strtab, strtab_size, typetab }
        KsymSympos { sympos, position, count, kind, name_len }
        KsymKlpSym { objname, objname_len, name, name_len, sympos }
        KsymKlpRela { objname, objname_len, section, section_len }
    }
}

fn rust_sizes() -> BTreeMap<&'static str, usize> {
    use std::mem::size_of;
    BTreeMap::from([
        ("KsymSections", size_of::<KsymSections>()),
        ("KsymDesc", size_of::<KsymDesc>()),
        ("KsymTable", size_of::<KsymTable>()),
        ("KsymCaches", size_of::<KsymCaches>()),
        ("KsymFormatError", size_of::<KsymFormatError>()),
        ("KsymModule", size_of::<KsymModule>()),
        ("KsymSympos", size_of::<KsymSympos>()),
        ("KsymKlpSym", size_of::<KsymKlpSym>()),
        ("KsymKlpRela", size_of::<KsymKlpRela>()),
    ])
}

/// `ksym_*` function names the header declares.
fn header_functions(header: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for (at, _) in header.match_indices("ksym_") {
        let rest = &header[at..];
        let name: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        let line_start = header[..at].rfind('\n').map_or(0, |p| p + 1);
        let line = header[line_start..at].trim_start();
        if line.starts_with('*') || line.starts_with("/*") {
            continue; // a comment
        }
        let before = header[..at].trim_end();
        let is_decl = rest[name.len()..].starts_with('(')
            && (before.ends_with("int")
                || before.ends_with("long")
                || before.ends_with('*')
                || before.ends_with("void"));
        if is_decl && !before.ends_with("(*") {
            out.insert(name);
        }
    }
    out
}

#[test]
fn header_matches_the_rust_source() {
    let src = fs::read_to_string(root().join("src/capi.rs")).unwrap();
    let header = fs::read_to_string(root().join("include/ksym.h")).unwrap();
    let abi = parse_rust_abi(&src);
    assert!(
        abi.functions.len() >= 20,
        "parsed {:?}",
        abi.functions.keys()
    );

    // Names: the header declares exactly the Rust functions.
    let declared = header_functions(&header);
    let defined: BTreeSet<String> = abi.functions.keys().cloned().collect();
    assert_eq!(declared, defined, "header vs src/capi.rs functions");

    // Constants: the header defines exactly HEADER_CONSTANTS, which lists exactly
    // the `pub const KSYM_*` items (plus KSYM_NAME_LEN, `KSYM_C_NAME_LEN` in Rust).
    let mut defines: BTreeSet<String> = header
        .lines()
        .filter_map(|l| l.trim().strip_prefix("#define "))
        .map(|r| r.split_whitespace().next().unwrap().to_owned())
        .filter(|n| n.starts_with("KSYM_") && n != "KSYM_H")
        .collect();
    let listed: BTreeSet<String> = capi::HEADER_CONSTANTS
        .iter()
        .map(|(n, _)| (*n).to_owned())
        .collect();
    assert_eq!(defines, listed, "header #defines vs HEADER_CONSTANTS");
    defines.remove("KSYM_NAME_LEN");
    let mut consts = abi.consts.clone();
    assert!(consts.remove("KSYM_C_NAME_LEN"));
    assert_eq!(defines, consts, "HEADER_CONSTANTS vs pub const KSYM_*");

    // The generated unit: the header, then declarations from the Rust source.
    let mut tu = String::from(
        "/* SPDX-License-Identifier: GPL-2.0-only OR MIT */\n\
         /* Generated by tests/capi.rs from src/capi.rs. */\n#include \"ksym.h\"\n",
    );
    for (name, (params, ret)) in &abi.functions {
        let ps: Vec<String> = params
            .iter()
            .map(|(n, t)| {
                let c = c_type(t, &abi.aliases).unwrap_or_else(|e| panic!("{name}: {e}"));
                // `fn` is a C identifier too; keep the Rust names readable.
                c.replace('%', &format!("rs_{n}"))
            })
            .collect();
        let r = ret
            .as_deref()
            .map_or(Ok("void %".to_owned()), |r| c_type(r, &abi.aliases));
        let r = r.unwrap_or_else(|e| panic!("{name}: {e}"));
        let _ = writeln!(
            tu,
            "{};",
            r.replace('%', &format!("{name}({})", ps.join(", ")))
        );
    }
    for (alias, f) in &abi.aliases {
        let c = c_type(f, &abi.aliases).unwrap().replace('%', "");
        let _ = writeln!(
            tu,
            "_Static_assert(__builtin_types_compatible_p({}, {c}), \"{alias}\");",
            snake(alias)
        );
    }
    let sizes = rust_sizes();
    assert_eq!(
        sizes.keys().copied().collect::<BTreeSet<_>>(),
        abi.structs
            .keys()
            .map(String::as_str)
            .collect::<BTreeSet<_>>(),
        "rust_sizes() must list every #[repr(C)] struct"
    );
    for (s, size) in &sizes {
        let _ = writeln!(
            tu,
            "_Static_assert(sizeof(struct {0}) == {size}, \"{0} size\");",
            snake(s)
        );
    }
    let offsets = rust_offsets();
    for (s, fields) in &abi.structs {
        if *s == "KsymTable" || *s == "KsymCaches" {
            continue; // opaque
        }
        let listed: Vec<&str> = offsets
            .iter()
            .filter(|(st, _, _)| st == s)
            .map(|(_, f, _)| *f)
            .collect();
        let parsed: Vec<&str> = fields.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(listed, parsed, "rust_offsets() vs the fields of {s}");
        for ((f, t), (_, _, off)) in fields
            .iter()
            .zip(offsets.iter().filter(|(st, _, _)| st == s))
        {
            let c = c_type(t, &abi.aliases).unwrap().replace('%', "");
            let cs = snake(s);
            let _ = writeln!(
                tu,
                "_Static_assert(__builtin_offsetof(struct {cs}, {f}) == {off}, \"{cs}.{f}\");\n\
                 _Static_assert(__builtin_types_compatible_p(\
                 __typeof__(((struct {cs} *)0)->{f}), {c}), \"{cs}.{f} type\");"
            );
        }
    }
    for (n, v) in capi::HEADER_CONSTANTS {
        let _ = writeln!(tu, "_Static_assert(({n}) == {v}LL, \"{n}\");");
    }
    let _ = writeln!(
        tu,
        "_Static_assert(_Alignof(struct ksym_table) == {}, \"ksym_table align\");",
        std::mem::align_of::<KsymTable>()
    );
    let _ = writeln!(
        tu,
        "_Static_assert(_Alignof(struct ksym_caches) == {}, \"ksym_caches align\");",
        std::mem::align_of::<KsymCaches>()
    );
    let gen = work().join("header_drift.c");
    fs::write(&gen, &tu).unwrap();

    if !require(&["gcc"]) {
        return;
    }
    let out = gcc()
        .args(WARN)
        .arg("-I")
        .arg(root().join("include"))
        .arg("-fsyntax-only")
        .arg(&gen)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "include/ksym.h disagrees with src/capi.rs ({}):\n{}",
        gen.display(),
        String::from_utf8_lossy(&out.stderr)
    );

    // The library exports exactly these functions, and the C test calls each.
    if !require(&["nm"]) {
        return;
    }
    let nm = run(Command::new("nm")
        .args(["-g", "--defined-only"])
        .arg(staticlib()));
    let exported: BTreeSet<String> = String::from_utf8_lossy(&nm.stdout)
        .lines()
        .filter_map(|l| {
            let mut f = l.split_whitespace();
            let (_, kind, name) = (f.next()?, f.next()?, f.next()?);
            (kind == "T" && name.starts_with("ksym_")).then(|| name.to_owned())
        })
        .collect();
    assert_eq!(
        exported, defined,
        "exported by the static library vs declared"
    );
    let test_c = fs::read_to_string(root().join("tests/capi/capi_test.c")).unwrap();
    for f in &defined {
        assert!(
            test_c.contains(&format!("{f}(")),
            "tests/capi/capi_test.c never calls {f}"
        );
    }
}

// ---- no panic paths ------------------------------------------------------------------------

#[test]
fn exported_functions_cannot_reach_a_panic() {
    if !require(&["objdump", "nm"]) {
        return;
    }
    if !cfg!(target_arch = "x86_64") {
        skip("the disassembly check reads x86-64 objdump output");
        return;
    }
    let lib = staticlib();
    let g = reference_graph(lib);
    let roots: Vec<&String> = g.keys().filter(|k| k.starts_with("ksym_")).collect();
    let header = fs::read_to_string(root().join("include/ksym.h")).unwrap();
    assert_eq!(
        roots.iter().map(|s| s.to_string()).collect::<BTreeSet<_>>(),
        header_functions(&header),
        "every exported function has code in the archive"
    );
    // The check can see a panic: core's slice index failure reaches one.
    let control = g
        .keys()
        .find(|k| k.contains("slice_index_fail") || k.contains("slice_end_index_len_fail"))
        .expect("core's slice index failure in the archive");
    assert!(
        reach(&g, control, is_panic_or_fmt).1.is_some(),
        "{control} reaches no panic?"
    );

    let mut bad = Vec::new();
    let mut report = String::new();
    for r in roots.iter().copied().collect::<BTreeSet<_>>() {
        let (n, path) = reach(&g, r, is_panic_or_fmt);
        let _ = writeln!(report, "  {r}: {n} reachable, no panic");
        if let Some(p) = path {
            bad.push(format!("{r}: {}", p.join(" -> ")));
        }
    }
    assert!(bad.is_empty(), "panic paths:\n{}", bad.join("\n"));
    eprintln!(
        "no exported function reaches core::panicking or core::fmt \
         ({} nodes in the archive's graph):\n{report}",
        g.len()
    );
}

// ---- the C programs ------------------------------------------------------------------------------

/// One linked `capi_test` and its arguments.
struct Program {
    stem: &'static str,
    exe: PathBuf,
    num_syms: u64,
    args: Vec<String>,
}

/// Section bounds from a `System.map` (see tests/kernel_diff.rs).
fn sections(map: &[u8]) -> Sections {
    let mut want: HashMap<&[u8], u64> = HashMap::new();
    for l in map.split(|&b| b == b'\n').filter(|l| l.len() > 19) {
        let sp = l.iter().position(|&b| b == b' ').unwrap();
        let a = u64::from_str_radix(std::str::from_utf8(&l[..sp]).unwrap(), 16).unwrap();
        want.insert(&l[sp + 3..], a);
    }
    let g = |n: &str| want.get(n.as_bytes()).copied().unwrap_or(0);
    if g("_end") == 0 {
        // A user-space program's map: one section holding every symbol.
        let end = want.values().max().unwrap() + 0x1000;
        return Sections {
            etext: end,
            end,
            kallsyms_all: true,
            ..Sections::default()
        };
    }
    Sections {
        stext: g("_stext"),
        etext: g("_etext"),
        sinittext: g("_sinittext"),
        einittext: g("_einittext"),
        init_begin: g("__init_begin"),
        init_end: g("__init_end"),
        end: g("_end"),
        kallsyms_all: true,
    }
}

/// Builds the C test program for every fixture (once), or `None` when a tool or
/// the kernel reference is missing (a failure under CI).
fn programs() -> Option<&'static [Program]> {
    static PROGRAMS: OnceLock<Option<Vec<Program>>> = OnceLock::new();
    PROGRAMS
        .get_or_init(|| {
            if !require(&["gcc"]) {
                return None;
            }
            if let Err(why) = kernel_ref::available() {
                skip(&format!("kernel reference missing: {why}"));
                return None;
            }
            let kref_c = kernel_ref::generated_c_source()?;
            Some(build_programs(kref_c))
        })
        .as_deref()
}

fn build_programs(kref_c: &Path) -> Vec<Program> {
    let t = Instant::now();
    let dir = work();
    let capi_dir = root().join("tests/capi");
    let include = root().join("include");
    let compile = |src: &str, extra: &[String]| -> PathBuf {
        let obj = dir.join(src.replace(".c", ".o"));
        run(gcc()
            .args(WARN)
            .args(["-O2", "-g"])
            .args(extra)
            .arg("-I")
            .arg(&include)
            .arg("-I")
            .arg(&capi_dir)
            .arg("-c")
            .arg(capi_dir.join(src))
            .arg("-o")
            .arg(&obj));
        obj
    };
    let (test_o, ref_o, lib) = std::thread::scope(|s| {
        let a = s.spawn(|| compile("capi_test.c", &[]));
        let b = s.spawn(|| {
            let mut flags: Vec<String> = [
                "-funsigned-char",
                "-fno-strict-aliasing",
                "-fno-strict-overflow",
                "-fno-delete-null-pointer-checks",
            ]
            .map(String::from)
            .to_vec();
            flags.push(format!("-DKREF_C=\"{}\"", kref_c.display()));
            compile("ref.c", &flags)
        });
        let lib = staticlib().to_owned();
        (a.join().unwrap(), b.join().unwrap(), lib)
    });
    let programs = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for fx in &sfile::FIXTURES {
            let (test_o, ref_o, lib, dir, programs) = (&test_o, &ref_o, &lib, &dir, &programs);
            s.spawn(move || {
                let map = sfile::data(fx.map);
                let text = sfile::text_addr(&map);
                let asm = sfile::data(&format!("{}.kallsyms.S", fx.stem));
                // As outside a kernel tree (tests/data/README.md): no
                // <asm/bitsperlong.h>, and `_text` defined.
                let mut src = format!(
                    "/* {} for tests/capi.rs */\n#define BITS_PER_LONG 64\n\t.set _text, {text:#x}\n",
                    fx.stem
                )
                .into_bytes();
                for line in asm.split_inclusive(|&b| b == b'\n') {
                    if !line.starts_with(b"#include <asm/bitsperlong.h>") {
                        src.extend_from_slice(line);
                    }
                }
                let s_file = dir.join(format!("{}.S", fx.stem));
                let o_file = dir.join(format!("{}.o", fx.stem));
                let exe = dir.join(format!("capi_test-{}", fx.stem));
                fs::write(&s_file, &src).unwrap();
                run(gcc()
                    .args(["-c", "-x", "assembler-with-cpp", "-Wa,--noexecstack"])
                    .arg(&s_file)
                    .arg("-o")
                    .arg(&o_file));
                let _ = fs::remove_file(&s_file);
                run(gcc()
                    .arg("-o")
                    .arg(&exe)
                    .arg(test_o)
                    .arg(ref_o)
                    .arg(&o_file)
                    .arg(lib));
                let sec = sections(&map);
                let num_syms = asm
                    .split(|&b| b == b'\n')
                    .skip_while(|l| !l.starts_with(b"kallsyms_num_syms:"))
                    .nth(1)
                    .and_then(|l| std::str::from_utf8(l).ok())
                    .and_then(|l| l.trim().strip_prefix(".long"))
                    .and_then(|n| n.trim().parse().ok())
                    .unwrap();
                let args = [
                    fx.layout().to_bits().into(),
                    u64::from(fx.absolute_percpu),
                    sec.stext,
                    sec.etext,
                    sec.sinittext,
                    sec.einittext,
                    sec.init_begin,
                    sec.init_end,
                    sec.end,
                ]
                .iter()
                .map(|v: &u64| format!("{v:#x}"))
                .collect();
                programs.lock().unwrap().push(Program {
                    stem: fx.stem,
                    exe,
                    num_syms,
                    args,
                });
            });
        }
    });
    let mut programs = programs.into_inner().unwrap();
    programs.sort_by_key(|p| p.stem);
    eprintln!("C test programs built in {:.1?}", t.elapsed());
    programs
}

/// Runs `prefix... exe stride full args...`; panics unless it succeeds.
fn run_program(p: &Program, prefix: &[&str], stride: u64, full: bool) -> String {
    let t = Instant::now();
    let mut cmd = Command::new(prefix.first().copied().unwrap_or(p.exe.to_str().unwrap()));
    if !prefix.is_empty() {
        cmd.args(&prefix[1..]).arg(&p.exe);
    }
    cmd.arg(stride.to_string())
        .arg(u8::from(full).to_string())
        .args(&p.args);
    let out = run(&mut cmd);
    let text = format!(
        "{} ({:.1?}): {}",
        p.stem,
        t.elapsed(),
        String::from_utf8_lossy(&out.stdout).trim()
    );
    eprintln!("{text}");
    text
}

#[test]
fn c_program_agrees_with_the_kernel_on_every_symbol() {
    let Some(programs) = programs() else { return };
    std::thread::scope(|s| {
        for p in programs {
            s.spawn(move || {
                let out = run_program(p, &[], 1, true);
                assert!(out.contains(&format!("{} symbols", p.num_syms)), "{out}");
                assert!(out.ends_with(", 0 failed"), "{out}");
            });
        }
    });
}

#[test]
fn c_program_under_valgrind_has_no_errors() {
    if !require(&["valgrind"]) {
        return;
    }
    let Some(programs) = programs() else { return };
    std::thread::scope(|s| {
        for p in programs {
            s.spawn(move || {
                // A sample of about 600 symbols per table and every bad-input
                // check; the name-order validation (slow under valgrind) on the
                // small table only.
                let stride = (p.num_syms / 600).max(1);
                let full = p.num_syms < 20_000;
                let out = run_program(
                    p,
                    &[
                        "valgrind",
                        "-q",
                        "--error-exitcode=1",
                        "--leak-check=full",
                        "--errors-for-leak-kinds=all",
                        "--show-leak-kinds=all",
                    ],
                    stride,
                    full,
                );
                assert!(out.ends_with(", 0 failed"), "{out}");
            });
        }
    });
}

// ---- 32-bit ---------------------------------------------------------------------------------------

#[test]
fn abi_layout_assertions_hold_on_32_bit() {
    const TARGET: &str = "i686-unknown-linux-gnu";
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".to_owned());
    let sysroot = Command::new(rustc)
        .args(["--print", "sysroot"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default();
    if !Path::new(&sysroot)
        .join("lib/rustlib")
        .join(TARGET)
        .exists()
    {
        skip(&format!(
            "Rust target {TARGET} not installed (rustup target add {TARGET})"
        ));
        return;
    }
    // The pinned 32-bit sizes and offsets are `const_assert`s: checking is enough.
    run(Command::new(cargo)
        .current_dir(root())
        .args([
            "check",
            "--quiet",
            "--lib",
            "--features",
            "capi",
            "--target",
            TARGET,
        ])
        .arg("--target-dir")
        .arg(work().join("i686-target")));
}
