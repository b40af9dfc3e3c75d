// SPDX-License-Identifier: GPL-2.0-only OR MIT
//! No panic path from the public functions of the no_std reader.
//!
//! `tests/nopanic` is a small `#![no_std]` static library (its own workspace,
//! `panic = "abort"`) with one `#[no_mangle]` wrapper `nopanic_<name>` per public
//! function of the library without features (tables, lookups, matching, livepatch,
//! module symbol tables, the accelerators, the error and `Display` impls), its
//! inputs taken from raw parts so nothing is constant-folded. This test builds it
//! in release into its own target directory (under `target/tmp`), disassembles the
//! archive and checks, as `tests/capi.rs` does for the `ksym_*` exports, that from
//! each `nopanic_*` function the calls and references, followed transitively
//! through every object of the archive, reach no `core::panicking` or `core::fmt`
//! symbol. The `nopanic_fmt_*` wrappers format through `core::fmt::write`, which is
//! their point: for them only `core::panicking` counts.
//!
//! It also checks that the wrappers name every public function and `Display` impl
//! of the no_std modules (a new one needs a wrapper), and that the check can see a
//! panic at all (core's slice index failure reaches one, and so does
//! `control_index`, a plain slice index in `tests/nopanic`).
//!
//! Without objdump, or on a target other than x86-64, the test skips with a
//! message, unless the environment variable `CI` is set: then it fails.

mod objgraph;

use std::collections::{BTreeSet, HashSet};
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use objgraph::{is_panic, is_panic_or_fmt, reach, reference_graph, run};
use std::time::Instant;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
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

fn skip(why: &str) {
    assert!(std::env::var_os("CI").is_none(), "nopanic test: {why}");
    eprintln!("skipped: {why}");
}

/// Builds `tests/nopanic` in release into its own target directory.
fn staticlib() -> PathBuf {
    let target = Path::new(env!("CARGO_TARGET_TMPDIR")).join("nopanic-target");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let t = Instant::now();
    run(Command::new(cargo)
        .current_dir(root())
        .args(["build", "--quiet", "--release", "--manifest-path"])
        .arg(root().join("tests/nopanic/Cargo.toml"))
        .arg("--target-dir")
        .arg(&target));
    eprintln!("tests/nopanic built in {:.1?}", t.elapsed());
    target.join("release/libkallsyms_nopanic.a")
}

// ---- what the wrappers must cover ------------------------------------------------------

/// The no_std modules whose public functions the wrappers cover.
const MODULES: &[&str] = &[
    "accel",
    "addrs",
    "error",
    "layout",
    "livepatch",
    "lookup",
    "matching",
    "module",
    "table",
];

/// Public functions (`Type::name`, or `name` for a free function) and `Display`
/// impls (`Display for Type`) of `src/<module>.rs`, from rustfmt's layout.
fn public_api(src: &str) -> BTreeSet<String> {
    let private_types: HashSet<String> = src
        .lines()
        .filter_map(|l| l.strip_prefix("pub(crate) struct "))
        .map(|r| ident(r).to_owned())
        .collect();
    let mut out = BTreeSet::new();
    let mut inherent: Option<String> = None;
    for line in src.lines() {
        if let Some(rest) = line.strip_prefix("impl") {
            inherent = None;
            let rest = skip_generics(rest.trim_start());
            if let Some((tr, ty)) = rest.split_once(" for ") {
                let ty = ident(ty).to_owned();
                if tr.ends_with("Display") && !private_types.contains(&ty) {
                    out.insert(format!("Display for {ty}"));
                }
            } else {
                inherent = Some(ident(rest).to_owned());
            }
            continue;
        }
        if line.starts_with('}') {
            inherent = None;
        }
        let indented = line.starts_with("    ") && !line.starts_with("     ");
        let l = line.trim_start();
        let Some(rest) = l
            .strip_prefix("pub fn ")
            .or_else(|| l.strip_prefix("pub const fn "))
        else {
            continue;
        };
        match (&inherent, indented) {
            (Some(ty), true) => out.insert(format!("{ty}::{}", ident(rest))),
            (None, false) => out.insert(ident(rest).to_owned()),
            _ => false,
        };
    }
    out
}

fn ident(s: &str) -> &str {
    let end = s
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(s.len());
    &s[..end]
}

/// `<'a> Table<'a> {` -> `Table<'a> {`.
fn skip_generics(s: &str) -> &str {
    if !s.starts_with('<') {
        return s;
    }
    let mut depth = 0;
    for (i, c) in s.char_indices() {
        match c {
            '<' => depth += 1,
            '>' => {
                depth -= 1;
                if depth == 0 {
                    return s[i + 1..].trim_start();
                }
            }
            _ => {}
        }
    }
    s
}

/// Whether `tests/nopanic/src/lib.rs` covers `item`: a method or impl is named in
/// a wrapper's documentation (`Type::name`, `Display for Type`), a free function is
/// called.
fn covered(lib: &str, item: &str) -> bool {
    if item.contains("::") || item.starts_with("Display for ") {
        lib.contains(&format!("`{item}`"))
    } else {
        lib.contains(&format!("::{item}(")) || lib.contains(&format!(" {item}("))
    }
}

#[test]
fn wrappers_cover_the_public_no_std_api() {
    let lib = fs::read_to_string(root().join("tests/nopanic/src/lib.rs")).unwrap();
    let mut all = BTreeSet::new();
    let mut missing = Vec::new();
    for m in MODULES {
        let src = fs::read_to_string(root().join(format!("src/{m}.rs"))).unwrap();
        for item in public_api(&src) {
            if !covered(&lib, &item) {
                missing.push(format!("{m}: {item}"));
            }
            all.insert(item);
        }
    }
    assert!(all.len() > 60, "parsed only {all:?}");
    assert!(
        missing.is_empty(),
        "tests/nopanic/src/lib.rs has no wrapper for:\n{}",
        missing.join("\n")
    );
    eprintln!("{} public functions and Display impls covered", all.len());
}

/// `nopanic_*` functions `tests/nopanic/src/lib.rs` defines.
fn wrapper_names(lib: &str) -> BTreeSet<String> {
    lib.match_indices("extern \"C\" fn nopanic_")
        .map(|(at, _)| ident(&lib[at + "extern \"C\" fn ".len()..]).to_owned())
        .collect()
}

#[test]
fn public_functions_cannot_reach_a_panic() {
    if !have("objdump") {
        skip("missing objdump");
        return;
    }
    if !cfg!(target_arch = "x86_64") {
        skip("the disassembly check reads x86-64 objdump output");
        return;
    }
    let t = Instant::now();
    let lib = staticlib();
    let g = reference_graph(&lib);
    let roots: BTreeSet<&str> = g
        .keys()
        .map(String::as_str)
        .filter(|k| k.starts_with("nopanic_"))
        .collect();
    let src = fs::read_to_string(root().join("tests/nopanic/src/lib.rs")).unwrap();
    assert_eq!(
        roots.iter().map(|s| s.to_string()).collect::<BTreeSet<_>>(),
        wrapper_names(&src),
        "every wrapper has code in the archive"
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

    // ... and so does an index in the library's own code.
    assert!(
        reach(&g, "control_index", is_panic).1.is_some(),
        "control_index reaches no panic?"
    );

    let mut bad = Vec::new();
    let mut report = String::new();
    for r in &roots {
        // Formatting is what the `Display` wrappers do: only a panic counts there.
        let pred = if r.starts_with("nopanic_fmt_") {
            is_panic
        } else {
            is_panic_or_fmt
        };
        let (n, path) = reach(&g, r, pred);
        if r.starts_with("nopanic_fmt_") {
            // The graph follows the call into the library's formatting code.
            assert!(
                reach(&g, r, |s| s.contains("kallsyms..") && s.contains("Display"))
                    .1
                    .is_some(),
                "{r} reaches no Display impl of kallsyms"
            );
        }
        let _ = writeln!(report, "  {r}: {n} reachable");
        if let Some(p) = path {
            bad.push(format!("{r}: {}", p.join(" -> ")));
        }
    }
    assert!(bad.is_empty(), "panic paths:\n{}", bad.join("\n"));
    eprintln!(
        "no public function reaches core::panicking or core::fmt \
         ({} wrappers, {} nodes in the archive's graph, {:.1?}):\n{report}",
        roots.len(),
        g.len(),
        t.elapsed()
    );
}
