// SPDX-License-Identifier: GPL-2.0-only OR MIT
//! Shared helpers for the integration tests: the real fixtures of `tests/data`,
//! decompressed once (with `lzma-rs`) and cached under `target/fixtures/`.
#![allow(dead_code)]

#[path = "../sfile/mod.rs"]
mod sfile;

use std::fs;
use std::path::{Path, PathBuf};

use kallsyms::build::Options;
use sha2::{Digest, Sha256};

/// `tests/data`.
pub fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data")
}

/// The decompressed content of `tests/data/<name>.xz`, cached as
/// `target/fixtures/<name>` (one implementation for every test: `sfile::data`).
pub fn fixture(name: &str) -> Vec<u8> {
    sfile::data(name)
}

/// The path of the cached decompressed `tests/data/<name>.xz`.
pub fn fixture_path(name: &str) -> PathBuf {
    sfile::data_path(name)
}

/// A plain (uncompressed) file of `tests/data`.
pub fn data_file(name: &str) -> Vec<u8> {
    let p = data_dir().join(name);
    fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// Lower-case hex SHA-256.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// One real symbol set of `tests/data` and how `scripts/kallsyms` was run on it
/// (tests/data/README.md).
#[derive(Clone, Copy, Debug)]
pub struct Set {
    /// The set's name, the prefix of its files.
    pub name: &'static str,
    /// The map file (without `.xz`).
    pub map: &'static str,
    /// The flags the golden `.S` was made with.
    pub all_symbols: bool,
    /// `--absolute-percpu`.
    pub absolute_percpu: bool,
    /// SHA-256 of the golden `.S` (tests/data/README.md).
    pub sha256: &'static str,
}

impl Set {
    /// The 6.12 options of the golden output.
    pub fn options(&self) -> Options {
        Options {
            all_symbols: self.all_symbols,
            absolute_percpu: self.absolute_percpu,
            ..Options::default()
        }
    }

    /// The golden `.S` file name (without `.xz`).
    pub fn golden(&self) -> String {
        format!("{}.kallsyms.S", self.name)
    }
}

/// The three sets.
pub const SETS: [Set; 3] = [
    Set {
        name: "debian-6.1.176-amd64",
        map: "debian-6.1.176-amd64.System.map",
        all_symbols: true,
        absolute_percpu: true,
        sha256: "9216362ae6e40e0d76ba9ee706db29344351cb184c22fe5394fa33302a3b323a",
    },
    Set {
        name: "linux-6.12-clang19-thinlto-x86_64",
        map: "linux-6.12-clang19-thinlto-x86_64.System.map",
        all_symbols: true,
        absolute_percpu: true,
        sha256: "72018f281f5ed6e6eb2c2ffd01cefe002571a70cb8d8e51d0ca403256cb84215",
    },
    Set {
        name: "rust-v0-symbols",
        map: "rust-v0-symbols.map",
        all_symbols: true,
        absolute_percpu: false,
        sha256: "aaa1e3f08a7031fd9e189ff576517f2319f7bb8550574d49794f5cacfe6e98e5",
    },
];

/// The set called `name`.
pub fn set(name: &str) -> Set {
    *SETS
        .iter()
        .find(|s| s.name == name)
        .unwrap_or_else(|| panic!("no set {name}"))
}

/// The first line where `got` and `want` differ, as a readable message.
pub fn first_difference(got: &[u8], want: &[u8]) -> String {
    let mut g = got.split(|&b| b == b'\n');
    let mut w = want.split(|&b| b == b'\n');
    let mut line = 1usize;
    loop {
        match (g.next(), w.next()) {
            (None, None) => return "identical".into(),
            (a, b) if a == b => line += 1,
            (a, b) => {
                let show = |x: Option<&[u8]>| {
                    x.map_or("<end of file>".into(), |l| {
                        String::from_utf8_lossy(l).into_owned()
                    })
                };
                return format!(
                    "first difference at line {line}:\n  got:  {}\n  want: {}",
                    show(a),
                    show(b)
                );
            }
        }
    }
}

/// Whether `gcc` can be run.
pub fn have_gcc() -> bool {
    std::process::Command::new("gcc")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// A scratch directory for one test, under `target/tmp`.
pub fn scratch(test: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("{test}-{}", std::process::id()));
    fs::create_dir_all(&d).unwrap_or_else(|e| panic!("{}: {e}", d.display()));
    d
}
