// SPDX-License-Identifier: GPL-2.0-only OR MIT
//! Test support: reads the arrays out of the assembly text that `scripts/kallsyms`
//! (6.12 layout) writes, without an assembler. The directives it uses are few:
//! `.long`, `.short`, `.byte`, `.asciz` and `PTR _text +/- off`.
#![allow(dead_code)]

use std::collections::HashMap;

/// The arrays of one `.S` file, as bytes in little-endian order.
#[derive(Default, Debug)]
pub struct Arrays {
    pub num_syms: u32,
    pub names: Vec<u8>,
    pub markers: Vec<u8>,
    pub token_table: Vec<u8>,
    pub token_index: Vec<u8>,
    pub offsets: Vec<u8>,
    pub relative_base: u64,
    pub seqs_of_names: Vec<u8>,
    /// The `/* name */` comments of `kallsyms_names`, in order (type + name).
    pub comments: Vec<Vec<u8>>,
}

fn num(s: &str) -> i64 {
    let s = s.trim();
    let (neg, s) = match s.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, s),
    };
    let v = if let Some(h) = s.strip_prefix("0x") {
        i64::from_str_radix(h, 16).unwrap()
    } else {
        s.parse::<i64>().unwrap()
    };
    if neg {
        -v
    } else {
        v
    }
}

/// Parses the text; `text_addr` is the value of `_text`.
pub fn parse(asm: &[u8], text_addr: u64) -> Arrays {
    let mut a = Arrays::default();
    let mut label = String::new();
    let mut out: HashMap<String, Vec<u8>> = HashMap::new();
    for raw in asm.split(|&b| b == b'\n') {
        let (code, comment) = match raw.windows(2).position(|w| w == b"/*") {
            Some(p) => (&raw[..p], Some(&raw[p..])),
            None => (raw, None),
        };
        let line = String::from_utf8_lossy(code);
        let t = line.trim();
        if let Some(l) = t.strip_suffix(':') {
            label = l.to_string();
            continue;
        }
        let buf = out.entry(label.clone()).or_default();
        if let Some(rest) = t.strip_prefix(".byte") {
            for v in rest.split(',') {
                buf.push(num(v) as u8);
            }
            if label == "kallsyms_names" {
                let c = comment.unwrap();
                a.comments.push(c[3..c.len() - 3].to_vec());
            }
        } else if let Some(rest) = t.strip_prefix(".long") {
            let v = num(rest) as u32;
            buf.extend_from_slice(&v.to_le_bytes());
        } else if let Some(rest) = t.strip_prefix(".short") {
            let v = num(rest) as u16;
            buf.extend_from_slice(&v.to_le_bytes());
        } else if t.starts_with(".asciz") {
            // The token text is everything between the first and the last quote,
            // taken from the raw bytes (tokens are not escaped).
            let s = raw.iter().position(|&b| b == b'"').unwrap();
            let e = raw.iter().rposition(|&b| b == b'"').unwrap();
            buf.extend_from_slice(&raw[s + 1..e]);
            buf.push(0);
        } else if let Some(rest) = t.strip_prefix("PTR") {
            let rest = rest.trim().strip_prefix("_text").unwrap().trim();
            a.relative_base = if let Some(r) = rest.strip_prefix('+') {
                text_addr.wrapping_add(num(r) as u64)
            } else {
                text_addr.wrapping_sub(num(rest.strip_prefix('-').unwrap()) as u64)
            };
        }
    }
    let mut take = |k: &str| out.remove(k).unwrap_or_default();
    a.num_syms = u32::from_le_bytes(take("kallsyms_num_syms")[..4].try_into().unwrap());
    a.names = take("kallsyms_names");
    a.markers = take("kallsyms_markers");
    a.token_table = take("kallsyms_token_table");
    a.token_index = take("kallsyms_token_index");
    a.offsets = take("kallsyms_offsets");
    a.seqs_of_names = take("kallsyms_seqs_of_names");
    a
}

impl Arrays {
    /// The arrays as a [`kallsyms::RawTable`].
    pub fn raw(&self) -> kallsyms::RawTable<'_> {
        kallsyms::RawTable {
            num_syms: self.num_syms,
            names: &self.names,
            markers: &self.markers,
            token_table: &self.token_table,
            token_index: &self.token_index,
            offsets: &self.offsets,
            relative_base: self.relative_base,
            offsets_addr: 0,
            seqs_of_names: &self.seqs_of_names,
        }
    }
}

/// One real data set of `tests/data` (see its README).
pub struct Fixture {
    /// File name stem.
    pub stem: &'static str,
    /// Map file name.
    pub map: &'static str,
    /// Whether `scripts/kallsyms` ran with `--absolute-percpu`.
    pub absolute_percpu: bool,
}

/// The three real data sets.
pub const FIXTURES: [Fixture; 3] = [
    Fixture {
        stem: "debian-6.1.176-amd64",
        map: "debian-6.1.176-amd64.System.map",
        absolute_percpu: true,
    },
    Fixture {
        stem: "linux-6.12-clang19-thinlto-x86_64",
        map: "linux-6.12-clang19-thinlto-x86_64.System.map",
        absolute_percpu: true,
    },
    Fixture {
        stem: "rust-v0-symbols",
        map: "rust-v0-symbols.map",
        absolute_percpu: false,
    },
];

/// Decompresses `tests/data/<file>.xz`, caching the result as
/// `<target>/fixtures/<file>` (next to the `tmp` directory Cargo gives tests and
/// benches). Safe to call from concurrent threads and processes on a cold cache:
/// each writer uses its own temporary name and renames it into place, and a lost
/// rename race is harmless because the winner wrote the same bytes.
pub fn data(file: &str) -> Vec<u8> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static SEQ: AtomicUsize = AtomicUsize::new(0);
    let cache = cache_path(file);
    let cache_dir = cache.parent().unwrap_or(&cache).to_path_buf();
    if let Ok(b) = std::fs::read(&cache) {
        return b;
    }
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(format!("{file}.xz"));
    let xz = std::fs::read(&src).unwrap_or_else(|e| panic!("{}: {e}", src.display()));
    let mut out = Vec::new();
    lzma_rs::xz_decompress(&mut &xz[..], &mut out)
        .unwrap_or_else(|e| panic!("{}: {e:?}", src.display()));
    if std::fs::create_dir_all(&cache_dir).is_ok() {
        let seq = SEQ.fetch_add(1, Ordering::Relaxed);
        let tmp = cache_dir.join(format!(".{file}.{}.{seq}", std::process::id()));
        if std::fs::write(&tmp, &out).is_ok() && std::fs::rename(&tmp, &cache).is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
    }
    out
}

/// Where [`data`] caches `file`: `<target>/fixtures/<file>`.
pub fn cache_path(file: &str) -> std::path::PathBuf {
    let tmpdir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"));
    tmpdir
        .parent()
        .unwrap_or(tmpdir)
        .join("fixtures")
        .join(file)
}

/// The path of `file` decompressed (for tools that take a file name).
pub fn data_path(file: &str) -> std::path::PathBuf {
    data(file);
    cache_path(file)
}

/// The `_text` address of a map (0 when the map has none).
pub fn text_addr(map: &[u8]) -> u64 {
    for line in map.split(|&b| b == b'\n') {
        let mut f = line.split(|&b| b == b' ');
        let (a, _t, n) = (f.next(), f.next(), f.next());
        if n == Some(&b"_text"[..]) {
            return u64::from_str_radix(std::str::from_utf8(a.unwrap()).unwrap(), 16).unwrap();
        }
    }
    0
}

impl Fixture {
    /// The layout `scripts/kallsyms` 6.12 wrote this fixture in.
    pub fn layout(&self) -> kallsyms::Layout {
        kallsyms::Layout::linux(6, 12, 0, false, self.absolute_percpu)
    }

    /// The real tool's `.S`, parsed.
    pub fn arrays(&self) -> Arrays {
        let map = data(self.map);
        let asm = data(&format!("{}.kallsyms.S", self.stem));
        parse(&asm, text_addr(&map))
    }
}
