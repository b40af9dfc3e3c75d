// SPDX-License-Identifier: GPL-2.0-only OR MIT
//! Assembling a `scripts/kallsyms` output (`.S`) the way a kernel build
//! does, and reading the arrays back out of the object file.

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};

use object::{Object, ObjectSection, ObjectSymbol};

use crate::KernelTables;

/// The kallsyms arrays of an assembled table, as owned native-endian bytes
/// of their exact lengths (no alignment padding).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OwnedArrays {
    /// `kallsyms_num_syms`.
    pub num_syms: u32,
    /// `kallsyms_names`.
    pub names: Vec<u8>,
    /// `kallsyms_markers`.
    pub markers: Vec<u8>,
    /// `kallsyms_token_table` (up to the NUL of its last token).
    pub token_table: Vec<u8>,
    /// `kallsyms_token_index`.
    pub token_index: Vec<u8>,
    /// `kallsyms_offsets`.
    pub offsets: Vec<u8>,
    /// `kallsyms_relative_base`, relocated (`_text` = the `text_addr` given).
    pub relative_base: u64,
    /// `kallsyms_seqs_of_names`.
    pub seqs_of_names: Vec<u8>,
}

impl OwnedArrays {
    /// The arrays as [`KernelTables`], with every other field zero/false:
    /// set the flags and section bounds with struct update syntax, e.g.
    /// `KernelTables { kallsyms_all: true, stext, etext, end, ..a.tables() }`.
    pub fn tables(&self) -> KernelTables<'_> {
        KernelTables {
            num_syms: self.num_syms,
            names: &self.names,
            markers: &self.markers,
            token_table: &self.token_table,
            token_index: &self.token_index,
            offsets: &self.offsets,
            relative_base: self.relative_base,
            seqs_of_names: &self.seqs_of_names,
            ..KernelTables::default()
        }
    }

    /// The `kallsyms_offsets` entries as `i32`.
    pub fn offsets_i32(&self) -> Vec<i32> {
        self.offsets
            .chunks_exact(4)
            .map(|c| i32::from_ne_bytes([c[0], c[1], c[2], c[3]]))
            .collect()
    }
}

/// Symbols of the `.S`, in the order of `OwnedArrays`' fields.
const SYMBOLS: [&str; 8] = [
    "kallsyms_num_syms",
    "kallsyms_names",
    "kallsyms_markers",
    "kallsyms_token_table",
    "kallsyms_token_index",
    "kallsyms_offsets",
    "kallsyms_relative_base",
    "kallsyms_seqs_of_names",
];

/// A directory under the system temp dir, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> Result<Self, String> {
        static COUNT: AtomicU32 = AtomicU32::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let dir = std::env::temp_dir().join(format!(
            "kernel-ref-{}-{}-{nanos}",
            std::process::id(),
            COUNT.fetch_add(1, Ordering::Relaxed)
        ));
        fs::create_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        Ok(TempDir(dir))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// Assembles `asm`, the output of `scripts/kallsyms`, and reads the arrays
/// back.
///
/// As outside a kernel tree: the `#include <asm/bitsperlong.h>` line is
/// replaced by `#define BITS_PER_LONG 64`, and `_text` is defined as the
/// absolute symbol `text_addr` (`.set _text, text_addr`), so the assembler
/// resolves `kallsyms_relative_base` (`PTR _text + 0x...`) itself, as the
/// final link of a kernel would. Runs `$CC` (default `gcc`)
/// `-c -x assembler-with-cpp`, then reads `.rodata` with the `object` crate:
/// each array starts at its symbol and has its exact length, computed from
/// `num_syms` and the data (and checked against the next symbol).
pub fn assemble_tables(asm: &[u8], text_addr: u64) -> Result<OwnedArrays, String> {
    let mut src = format!("#define BITS_PER_LONG 64\n\t.set _text, {text_addr:#x}\n").into_bytes();
    for line in asm.split_inclusive(|&b| b == b'\n') {
        let text = line
            .iter()
            .position(|b| !b.is_ascii_whitespace())
            .map_or(&[][..], |k| &line[k..]);
        if !text.starts_with(b"#include <asm/bitsperlong.h>") {
            src.extend_from_slice(line);
        }
    }
    let dir = TempDir::new()?;
    let input = dir.0.join("kallsyms.S");
    let output = dir.0.join("kallsyms.o");
    fs::write(&input, &src).map_err(|e| format!("{}: {e}", input.display()))?;
    let cc = std::env::var("CC").unwrap_or_else(|_| "gcc".to_owned());
    let res = Command::new(&cc)
        .args(["-c", "-x", "assembler-with-cpp"])
        .arg(&input)
        .arg("-o")
        .arg(&output)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run {cc}: {e}"))?;
    if !res.status.success() {
        return Err(format!(
            "{cc} -c -x assembler-with-cpp failed ({}): {}",
            res.status,
            String::from_utf8_lossy(&res.stderr).trim()
        ));
    }
    let obj = fs::read(&output).map_err(|e| format!("{}: {e}", output.display()))?;
    read_object(&obj)
}

/// [`assemble_tables`] of a file; `*.xz` files are read through `xz -dc`.
pub fn assemble_file(path: &Path, text_addr: u64) -> Result<OwnedArrays, String> {
    let asm = if path.extension().is_some_and(|e| e == "xz") {
        let res = Command::new("xz")
            .arg("-dc")
            .arg(path)
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("cannot run xz: {e}"))?;
        if !res.status.success() {
            return Err(format!(
                "xz -dc {} failed: {}",
                path.display(),
                String::from_utf8_lossy(&res.stderr).trim()
            ));
        }
        res.stdout
    } else {
        fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?
    };
    assemble_tables(&asm, text_addr)
}

/// Reads the arrays out of the object file of an assembled table.
fn read_object(obj: &[u8]) -> Result<OwnedArrays, String> {
    let file = object::File::parse(obj).map_err(|e| format!("object file: {e}"))?;
    if file.is_little_endian() != cfg!(target_endian = "little") || !file.is_64() {
        return Err("the object file is not 64-bit with this machine's byte order".to_owned());
    }
    let rodata = file
        .section_by_name(".rodata")
        .ok_or("no .rodata in the object file")?;
    if rodata.relocations().next().is_some() {
        return Err(".rodata has relocations; expected none once _text is absolute".to_owned());
    }
    let data = rodata.data().map_err(|e| format!(".rodata: {e}"))?;
    let base = rodata.address();

    // Offsets of the symbols in .rodata, and every symbol start there.
    let mut starts = vec![data.len()];
    let mut at = HashMap::new();
    for sym in file.symbols() {
        if sym.section_index() != Some(rodata.index()) {
            continue;
        }
        let off = usize::try_from(sym.address() - base).map_err(|e| e.to_string())?;
        starts.push(off);
        if let Ok(name) = sym.name() {
            if SYMBOLS.contains(&name) {
                at.insert(name, off);
            }
        }
    }
    starts.sort_unstable();
    let array = |name: &str, len: usize| -> Result<Vec<u8>, String> {
        let start = *at
            .get(name)
            .ok_or_else(|| format!("no symbol {name} in .rodata"))?;
        let next = starts
            .iter()
            .copied()
            .find(|&s| s > start)
            .unwrap_or(data.len());
        if start + len > next {
            return Err(format!(
                "{name}: {len} bytes from {start} overrun the next symbol at {next}"
            ));
        }
        Ok(data[start..start + len].to_vec())
    };

    let num = array(SYMBOLS[0], 4)?;
    let num_syms = u32::from_ne_bytes([num[0], num[1], num[2], num[3]]);
    let n = num_syms as usize;

    // kallsyms_names: walk the length-prefixed entries.
    let names_at = *at.get(SYMBOLS[1]).ok_or("no symbol kallsyms_names")?;
    let mut len = 0usize;
    for i in 0..n {
        let byte = |k: usize| {
            data.get(names_at + k)
                .copied()
                .ok_or_else(|| format!("kallsyms_names: entry {i} runs past .rodata"))
        };
        let first = byte(len)? as usize;
        len += if first & 0x80 != 0 {
            ((first & 0x7f) | ((byte(len + 1)? as usize) << 7)) + 2
        } else {
            first + 1
        };
    }
    let names = array(SYMBOLS[1], len)?;
    let markers = array(SYMBOLS[2], 4 * n.div_ceil(256))?;
    let token_index = array(SYMBOLS[4], 512)?;

    // kallsyms_token_table: up to the NUL of the token that starts last.
    let table_at = *at.get(SYMBOLS[3]).ok_or("no symbol kallsyms_token_table")?;
    let last = token_index
        .chunks_exact(2)
        .map(|c| u16::from_ne_bytes([c[0], c[1]]) as usize)
        .max()
        .unwrap_or(0);
    let nul = data
        .get(table_at + last..)
        .and_then(|t| t.iter().position(|&b| b == 0))
        .ok_or("kallsyms_token_table: last token has no NUL")?;
    let token_table = array(SYMBOLS[3], last + nul + 1)?;

    let offsets = array(SYMBOLS[5], 4 * n)?;
    let rb = array(SYMBOLS[6], 8)?;
    let relative_base = u64::from_ne_bytes(rb.try_into().expect("8 bytes"));
    let seqs_of_names = array(SYMBOLS[7], 3 * n)?;
    Ok(OwnedArrays {
        num_syms,
        names,
        markers,
        token_table,
        token_index,
        offsets,
        relative_base,
        seqs_of_names,
    })
}
