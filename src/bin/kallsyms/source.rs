// SPDX-License-Identifier: GPL-2.0-only OR MIT
//! Where the query commands get their symbols: `/proc/kallsyms` (the default), a
//! `System.map` or `nm -n` listing. The vmlinux symbols are built into a compressed
//! table in memory, so every answer goes through the same no_std lookup code the
//! kernel would run; module symbols (the `\t[module]` column of `/proc/kallsyms`)
//! become per-module ELF symbol tables, as the kernel keeps them.

use std::path::{Path, PathBuf};

use kallsyms::build::{self as kb, KernelVersion, Options, ParseMode, SymbolList};
use kallsyms::index::Accelerators;
use kallsyms::module::{ElfClass, ModuleSymtab};
use kallsyms::{AddressEncoding, Endian, Layout, SeqsFormat, SeqsKey, Table};

/// The default symbol source.
pub const PROC_KALLSYMS: &str = "/proc/kallsyms";

/// A failure to read or understand the input: exit status 2.
#[derive(Debug)]
pub struct InputError(pub String);

impl std::fmt::Display for InputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// One module's symbols as the kernel keeps them: an ELF symbol table, a string
/// table and a type table, in the order `/proc/kallsyms` lists them.
pub struct Module {
    /// The module's name.
    pub name: String,
    symtab: Vec<u8>,
    strtab: Vec<u8>,
    typetab: Vec<u8>,
}

impl Module {
    fn new(name: String) -> Module {
        // Entry 0 is the null symbol, as in every ELF symbol table.
        Module {
            name,
            symtab: vec![0; 24],
            strtab: vec![0],
            typetab: vec![b'?'],
        }
    }

    fn push(&mut self, addr: u64, kind: u8, name: &[u8]) {
        let st_name = self.strtab.len() as u32;
        self.strtab.extend_from_slice(name);
        self.strtab.push(0);
        self.symtab.extend_from_slice(&st_name.to_le_bytes());
        self.symtab.extend_from_slice(&[0, 0]);
        // Any defined section: the kernel only tests for SHN_UNDEF.
        self.symtab.extend_from_slice(&1u16.to_le_bytes());
        self.symtab.extend_from_slice(&addr.to_le_bytes());
        self.symtab.extend_from_slice(&0u64.to_le_bytes());
        self.typetab.push(kind);
    }

    /// The validated view.
    pub fn symtab(&self) -> Option<ModuleSymtab<'_>> {
        ModuleSymtab::new(
            &self.symtab,
            &self.strtab,
            &self.typetab,
            ElfClass::Elf64,
            Endian::Little,
        )
        .ok()
    }
}

/// The loaded symbols.
pub struct Source {
    /// Where they came from.
    pub path: PathBuf,
    owned: kb::OwnedTable,
    /// Module symbol tables, in the order their first symbol appeared.
    pub modules: Vec<Module>,
    accel: Option<Accelerators>,
}

/// The layout of in-memory tables: 64-bit absolute addresses, so that any map
/// (per-cpu symbols at 0 beside kernel text at the top of the address space, or a
/// user-space program) fits, and a full-name index.
const LAYOUT: Layout = Layout {
    addresses: AddressEncoding::Absolute,
    seqs: SeqsFormat::Be24,
    seqs_key: SeqsKey::FullName,
    endian: Endian::NATIVE,
    ptr_bytes: 8,
};

impl Source {
    /// Reads `map` (or `/proc/kallsyms`).
    pub fn load(map: Option<&Path>) -> Result<Source, InputError> {
        let path = map.map_or_else(|| PathBuf::from(PROC_KALLSYMS), Path::to_path_buf);
        let input =
            std::fs::read(&path).map_err(|e| InputError(format!("{}: {e}", path.display())))?;
        let mut syms = SymbolList::with_capacity(input.len() / 40 + 1, input.len() / 2);
        let mut modules: Vec<Module> = Vec::new();
        for (n, line) in input.split(|&b| b == b'\n').enumerate() {
            if line.is_empty() {
                continue;
            }
            let bad = || {
                InputError(format!(
                    "{}:{}: not a symbol line (want `<hex address> <type> <name>`): {:?}",
                    path.display(),
                    n + 1,
                    String::from_utf8_lossy(&line[..line.len().min(80)])
                ))
            };
            // `/proc/kallsyms` module lines end in `\t[module]`.
            let (text, module) = match line.iter().position(|&b| b == b'\t') {
                Some(t) if line.ends_with(b"]") && line.get(t + 1) == Some(&b'[') => {
                    (&line[..t], Some(&line[t + 2..line.len() - 1]))
                }
                _ => (line, None),
            };
            let item = kb::map::parse_line(text, ParseMode::Kallsyms).ok_or_else(bad)?;
            let s = match item {
                kb::MapItem::Symbol(s) => s,
                // Names of 512 bytes or more cannot be in a kernel table.
                _ => continue,
            };
            match module {
                Some(m) => {
                    let m = String::from_utf8_lossy(m).into_owned();
                    let at = match modules.iter().position(|x| x.name == m) {
                        Some(i) => i,
                        None => {
                            modules.push(Module::new(m));
                            modules.len() - 1
                        }
                    };
                    modules[at].push(s.addr, s.kind, s.name);
                }
                None => syms.push(s.addr, s.kind, s.name),
            }
        }
        if syms.is_empty() && modules.is_empty() {
            return Err(InputError(format!("{}: no symbols", path.display())));
        }
        if syms.iter().all(|s| s.addr == 0) && !syms.is_empty() {
            return Err(InputError(format!(
                "{}: every address is zero: the kernel hides them from this user \
                 (kernel.kptr_restrict); run as root, or set \
                 /proc/sys/kernel/kptr_restrict to 0",
                path.display()
            )));
        }
        // Only the in-memory table is wanted, never the `.S`: the 7.0 tool's raw
        // offsets cannot overflow, whatever the span of the addresses.
        let options = Options {
            all_symbols: true,
            absolute_percpu: false,
            pc_relative: false,
            kernel: KernelVersion::V7_0,
        };
        let built = kb::build_unfiltered(syms, &options)
            .map_err(|e| InputError(format!("{}: {e}", path.display())))?;
        let owned = built
            .owned_table(LAYOUT)
            .map_err(|e| InputError(format!("{}: {e}", path.display())))?;
        let mut source = Source {
            path,
            owned,
            modules,
            accel: None,
        };
        let table = source.bare_table()?;
        source.accel = Some(Accelerators::build(&table));
        Ok(source)
    }

    fn bare_table(&self) -> Result<Table<'_>, InputError> {
        self.owned
            .table()
            .map_err(|e| InputError(format!("{}: {e}", self.path.display())))
    }

    /// The vmlinux table, with its accelerators.
    pub fn table(&self) -> Result<Table<'_>, InputError> {
        let t = self.bare_table()?;
        match &self.accel {
            Some(a) => a
                .attach(t)
                .map_err(|e| InputError(format!("{}: {e}", self.path.display()))),
            None => Ok(t),
        }
    }

    /// The array sizes of the in-memory table.
    pub fn raw_sizes(&self) -> [(&'static str, usize); 6] {
        let r = self.owned.raw();
        [
            ("kallsyms_names", r.names.len()),
            ("kallsyms_markers", r.markers.len()),
            ("kallsyms_token_table", r.token_table.len()),
            ("kallsyms_token_index", r.token_index.len()),
            ("kallsyms_offsets", r.offsets.len()),
            ("kallsyms_seqs_of_names", r.seqs_of_names.len()),
        ]
    }
}
