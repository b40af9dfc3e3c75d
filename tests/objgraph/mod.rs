// SPDX-License-Identifier: GPL-2.0-only OR MIT
//! The call and reference graph of a static library, read from `objdump`, and the
//! search for a path from an exported function to a panic: shared by
//! `tests/capi.rs` (the C ABI's exports) and `tests/nopanic.rs` (the public no_std
//! API).
#![allow(dead_code)]

use std::collections::{HashMap, HashSet, VecDeque};
use std::path::Path;
use std::process::{Command, Output};

/// Runs `cmd`; panics with its output when it fails.
pub fn run(cmd: &mut Command) -> Output {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed ({}):\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Whether a (mangled, legacy or v0) symbol belongs to `core::panicking`, or is the
/// panic handler.
pub fn is_panic(sym: &str) -> bool {
    sym.contains("4core9panicking")
        || sym.contains("core..panicking..")
        || sym == "rust_begin_unwind"
        || sym == "rust_panic"
}

/// Whether a symbol belongs to `core::panicking` or `core::fmt`, or is the panic
/// handler.
pub fn is_panic_or_fmt(sym: &str) -> bool {
    is_panic(sym) || sym.contains("4core3fmt") || sym.contains("core..fmt..")
}

/// The reference graph of an archive: code and data sections (a function is its
/// own `.text.<symbol>` section) to the symbols and sections their relocations
/// name, plus direct calls that need no relocation.
pub fn reference_graph(lib: &Path) -> HashMap<String, HashSet<String>> {
    fn node(name: &str) -> String {
        let name = name.strip_prefix(".text.").unwrap_or(name);
        // `sym-0x4`, `.rodata.x+0x10`
        let end = name
            .rfind(['+', '-'])
            .filter(|&p| name[p + 1..].starts_with("0x") && name[p + 1..].len() > 2);
        end.map_or(name, |p| &name[..p]).to_owned()
    }
    let mut g: HashMap<String, HashSet<String>> = HashMap::new();
    // Code: `objdump -dr` (relocations and direct calls).
    let dis = run(Command::new("objdump")
        .args(["-dr", "--no-show-raw-insn", "-w"])
        .arg(lib));
    let text = String::from_utf8_lossy(&dis.stdout);
    let mut cur: Option<String> = None;
    for line in text.lines() {
        if line.starts_with("In archive") || line.ends_with("file format elf64-x86-64") {
            cur = None;
            continue;
        }
        if let Some(f) = line.strip_suffix(">:").and_then(|l| l.split_once(" <")) {
            if f.0.chars().all(|c| c.is_ascii_hexdigit()) {
                cur = Some(f.1.to_owned());
                g.entry(f.1.to_owned()).or_default();
                continue;
            }
        }
        let Some(c) = &cur else { continue };
        let t = line.trim_start();
        if let Some(r) = t.split_once(": R_") {
            if let Some(target) = r.1.split_whitespace().nth(1) {
                g.get_mut(c).unwrap().insert(node(target));
            }
        } else if let Some(open) = t.find(" <") {
            // `call 1a <foo+0x10>`, `jmp ...`: a direct branch to a symbol.
            let target = &t[open + 2..t.len() - usize::from(t.ends_with('>'))];
            let target = node(target);
            if &target != c && (t.contains("call") || t.contains("j")) {
                g.get_mut(c).unwrap().insert(target);
            }
        }
    }
    // Data: `objdump -r` of the other sections (vtables, function pointer tables).
    let rel = run(Command::new("objdump").args(["-r", "-w"]).arg(lib));
    let text = String::from_utf8_lossy(&rel.stdout);
    let mut sec: Option<String> = None;
    for line in text.lines() {
        if let Some(s) = line
            .strip_prefix("RELOCATION RECORDS FOR [")
            .and_then(|r| r.strip_suffix("]:"))
        {
            sec = (!s.starts_with(".text")).then(|| node(s));
            continue;
        }
        let Some(s) = &sec else { continue };
        let mut f = line.split_whitespace();
        if let (Some(off), Some(kind), Some(target)) = (f.next(), f.next(), f.next()) {
            if off.chars().all(|c| c.is_ascii_hexdigit()) && kind.starts_with("R_") {
                g.entry(s.clone()).or_default().insert(node(target));
            }
        }
    }
    g
}

/// Reachable nodes from `from`, and a path to the first `bad` one, if any.
pub fn reach(
    g: &HashMap<String, HashSet<String>>,
    from: &str,
    bad: fn(&str) -> bool,
) -> (usize, Option<Vec<String>>) {
    let mut parent: HashMap<&str, Option<&str>> = HashMap::from([(from, None)]);
    let mut queue = VecDeque::from([from]);
    while let Some(x) = queue.pop_front() {
        if bad(x) {
            let mut path = vec![x.to_owned()];
            let mut at = x;
            while let Some(Some(p)) = parent.get(at) {
                path.push((*p).to_owned());
                at = p;
            }
            path.reverse();
            return (parent.len(), Some(path));
        }
        for y in g.get(x).into_iter().flatten() {
            if !parent.contains_key(y.as_str()) {
                parent.insert(y, Some(x));
                queue.push_back(y);
            }
        }
    }
    (parent.len(), None)
}
