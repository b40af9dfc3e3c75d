// SPDX-License-Identifier: GPL-2.0-only OR MIT
//! The `kallsyms` command-line tool on the real maps: answers, JSON, exit codes
//! (0 found, 1 not found or ambiguous, 2 bad usage or unreadable input), messages.
#![cfg(feature = "cli")]

mod sfile;

use std::path::PathBuf;
use std::process::{Command, Output};

fn map(name: &str) -> PathBuf {
    sfile::data_path(name)
}

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kallsyms"))
        .args(args)
        .output()
        .unwrap()
}

fn out(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

const THINLTO: &str = "linux-6.12-clang19-thinlto-x86_64.System.map";
const DEBIAN: &str = "debian-6.1.176-amd64.System.map";

#[test]
fn lookup_finds_lto_renames_with_kinds_and_sympos() {
    let m = map(THINLTO);
    let o = run(&[
        "lookup",
        "--map",
        m.to_str().unwrap(),
        "--match",
        "lto",
        "--json",
        "c_start",
    ]);
    assert_eq!(o.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let rows = v.as_array().unwrap();
    assert_eq!(rows.len(), 3);
    let kinds: Vec<&str> = rows.iter().map(|r| r["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["llvm", "exact", "llvm"]);
    let sympos: Vec<u64> = rows.iter().map(|r| r["sympos"].as_u64().unwrap()).collect();
    assert_eq!(sympos, [1, 2, 3]);
    assert_eq!(rows[1]["name"], "c_start");
    assert_eq!(rows[1]["addr"], "0xffffffff813c14c0");
    assert_eq!(rows[1]["size"], 0x80);
    // Exactly: one.
    let o = run(&["lookup", "--map", m.to_str().unwrap(), "c_start"]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(out(&o).lines().count(), 2);
}

#[test]
fn not_found_and_bad_input_exit_codes() {
    let m = map(THINLTO);
    let o = run(&[
        "lookup",
        "--map",
        m.to_str().unwrap(),
        "no_such_symbol_at_all",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("not found"));
    let o = run(&["lookup", "--map", "/nonexistent/map", "x"]);
    assert_eq!(o.status.code(), Some(2));
    let o = run(&["lookup", "--match", "bogus", "x"]);
    assert_eq!(o.status.code(), Some(2));
    // A malformed line names the file and line.
    let dir = std::env::temp_dir().join(format!("kallsyms-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bad.map");
    std::fs::write(&bad, "ffffffff81000000 T _text\nnot a line\n").unwrap();
    let o = run(&["stats", "--map", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(e.contains("bad.map:2:"), "{e}");
    // kptr_restrict: every address zero.
    let zero = dir.join("zero.map");
    std::fs::write(&zero, "0000000000000000 T _text\n0000000000000000 t foo\n").unwrap();
    let o = run(&["lookup", "--map", zero.to_str().unwrap(), "foo"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("kptr_restrict"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn klp_prints_the_address_or_the_kernels_message() {
    let m = map(DEBIAN);
    let ms = m.to_str().unwrap();
    // A name with several copies in the Debian 6.1 kernel.
    let o = run(&["lookup", "--map", ms, "--json", "__func__.1"]);
    let copies = serde_json::from_slice::<serde_json::Value>(&o.stdout).unwrap();
    let copies = copies.as_array().unwrap();
    assert!(copies.len() > 2);
    let o = run(&["klp", "--map", ms, "__func__.1"]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&o.stderr),
        "livepatch: unresolvable ambiguity for symbol '__func__.1' in object '(null)'\n"
    );
    let o = run(&["klp", "--map", ms, "__func__.1", "2"]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(out(&o).trim(), copies[1]["addr"].as_str().unwrap());
    let n = copies.len() + 1;
    let o = run(&["klp", "--map", ms, "__func__.1", &n.to_string()]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&o.stderr),
        format!("livepatch: symbol position {n} for symbol '__func__.1' in object 'vmlinux' not found\n")
    );
}

#[test]
fn addr_prints_name_offset_size() {
    let m = map(THINLTO);
    let o = run(&["addr", "--map", m.to_str().unwrap(), "ffffffff813c14c1"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(out(&o).starts_with("c_start+0x1/0x80\n"), "{}", out(&o));
    let o = run(&[
        "addr",
        "--map",
        m.to_str().unwrap(),
        "--json",
        "0xffffffff813c14c0",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["klp_sym"], ".klp.sym.vmlinux.c_start,0");
    let o = run(&["addr", "--map", m.to_str().unwrap(), "zz"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn dups_and_stats_count_like_brute_force() {
    let m = map(THINLTO);
    let text = sfile::data(THINLTO);
    let o = run(&["stats", "--map", m.to_str().unwrap(), "--json"]);
    assert_eq!(o.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let lines = text
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .count();
    assert_eq!(v["symbols"].as_u64().unwrap() as usize, lines);
    // Brute force: names with more than one line.
    let mut count = std::collections::HashMap::new();
    for l in text.split(|&b| b == b'\n').filter(|l| l.len() > 19) {
        *count.entry(&l[19..]).or_insert(0u32) += 1;
    }
    let dup_names = count.values().filter(|&&c| c > 1).count();
    assert_eq!(v["duplicate_names"].as_u64().unwrap() as usize, dup_names);
    let o = run(&["dups", "--map", m.to_str().unwrap()]);
    let last = out(&o).lines().last().unwrap().to_string();
    assert!(
        last.starts_with(&format!("{dup_names} names with more than one symbol")),
        "{last}"
    );
}

#[test]
fn explain_and_help() {
    let m = map(THINLTO);
    let o = run(&["explain", "--map", m.to_str().unwrap(), "c_start"]);
    assert_eq!(o.status.code(), Some(0));
    let s = out(&o);
    assert!(
        s.contains(".klp.sym.vmlinux.c_start.llvm.13582926943174392875,0"),
        "{s}"
    );
    assert!(s.contains("kprobe on `c_start`: yes"));
    for cmd in ["build", "lookup", "addr", "klp", "dups", "explain", "stats"] {
        let o = run(&[cmd, "--help"]);
        assert_eq!(o.status.code(), Some(0), "{cmd}");
        if cmd != "build" {
            assert!(out(&o).contains("Example"), "{cmd} --help has no example");
        }
    }
}
