// SPDX-License-Identifier: GPL-2.0-only OR MIT
//! Writes an ELF copy of a kernel image whose symbol table carries every symbol of
//! a kallsyms table, with its size and type, so that `nm`, `objdump -d`, `gdb` and
//! disassemblers show names (what `vmlinux-to-elf` is used for).
//!
//! - An ELF input (a stripped `vmlinux`, or the ELF inside a `bzImage`) is copied
//!   byte for byte; a `.symtab` and `.strtab`, a new section name table and a new
//!   section header table are appended. An existing `.symtab` is replaced in its
//!   slot (relocation sections that pointed at it become `SHT_PROGBITS`, their
//!   symbol indexes no longer meaning anything).
//! - A raw image becomes an `ET_EXEC` file with one `PT_LOAD` at `base` and the
//!   sections `.text` (up to `_etext`), `.data` (the rest of the file) and `.bss`
//!   (up to `_end`, when the table has it).
//!
//! Symbol types follow `nm`'s letters: `T`/`t`/`W` functions, `D`/`d`/`B`/`b`/
//! `R`/`r`/`V`/`v` objects, `A`/`a` absolute; upper case global, lower case local,
//! `W`/`w`/`V`/`v` weak. Sizes are [`Table::size_of`].

use std::vec::Vec;

use super::elf::{Elf, PT_LOAD, SHF_ALLOC, SHT_NOBITS, SHT_SYMTAB};
use crate::layout::Endian;
use crate::table::{Table, KSYM_NAME_LEN};

const SHT_PROGBITS: u32 = 1;
const SHT_STRTAB: u32 = 3;
const SHT_RELA: u32 = 4;
const SHT_REL: u32 = 9;
const SHN_ABS: u16 = 0xfff1;
const SHF_WRITE: u64 = 1;
const SHF_EXECINSTR: u64 = 4;
const STB_LOCAL: u8 = 0;
const STB_GLOBAL: u8 = 1;
const STB_WEAK: u8 = 2;
const STT_NOTYPE: u8 = 0;
const STT_OBJECT: u8 = 1;
const STT_FUNC: u8 = 2;

/// Why the ELF copy could not be written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ElfOutError {
    /// The output would have too many sections for a 16-bit section count.
    TooManySections,
    /// An offset or size does not fit the ELF class (32-bit output over 4 GiB).
    TooLarge,
}

impl core::fmt::Display for ElfOutError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            ElfOutError::TooManySections => "too many sections for an ELF section table",
            ElfOutError::TooLarge => "the image is too large for a 32-bit ELF file",
        })
    }
}

impl std::error::Error for ElfOutError {}

/// An ELF section header being written.
#[derive(Clone, Copy, Debug, Default)]
struct Shdr {
    name: u32,
    kind: u32,
    flags: u64,
    addr: u64,
    offset: u64,
    size: u64,
    link: u32,
    info: u32,
    addralign: u64,
    entsize: u64,
}

/// Byte writer for one ELF class and byte order.
struct W {
    out: Vec<u8>,
    wide: bool,
    endian: Endian,
}

impl W {
    fn u8(&mut self, v: u8) {
        self.out.push(v);
    }
    fn u16(&mut self, v: u16) {
        match self.endian {
            Endian::Little => self.out.extend_from_slice(&v.to_le_bytes()),
            Endian::Big => self.out.extend_from_slice(&v.to_be_bytes()),
        }
    }
    fn u32(&mut self, v: u32) {
        match self.endian {
            Endian::Little => self.out.extend_from_slice(&v.to_le_bytes()),
            Endian::Big => self.out.extend_from_slice(&v.to_be_bytes()),
        }
    }
    fn u64(&mut self, v: u64) {
        match self.endian {
            Endian::Little => self.out.extend_from_slice(&v.to_le_bytes()),
            Endian::Big => self.out.extend_from_slice(&v.to_be_bytes()),
        }
    }
    /// A word of the class: truncated to 32 bits for ELF32 (callers check ranges).
    fn word(&mut self, v: u64) {
        if self.wide {
            self.u64(v);
        } else {
            self.u32(v as u32);
        }
    }
    fn align(&mut self, a: usize) {
        while self.out.len() % a != 0 {
            self.out.push(0);
        }
    }
    fn shdr(&mut self, s: &Shdr) {
        self.u32(s.name);
        self.u32(s.kind);
        self.word(s.flags);
        self.word(s.addr);
        self.word(s.offset);
        self.word(s.size);
        self.u32(s.link);
        self.u32(s.info);
        self.word(s.addralign);
        self.word(s.entsize);
    }
    /// Overwrites `bytes` at `at` (inside the output).
    fn patch(&mut self, at: usize, bytes: &[u8]) {
        if let Some(dst) = at
            .checked_add(bytes.len())
            .and_then(|end| self.out.get_mut(at..end))
        {
            dst.copy_from_slice(bytes);
        }
    }
    fn bytes16(&self, v: u16) -> [u8; 2] {
        match self.endian {
            Endian::Little => v.to_le_bytes(),
            Endian::Big => v.to_be_bytes(),
        }
    }
    fn bytes_word(&self, v: u64) -> Vec<u8> {
        match (self.wide, self.endian) {
            (true, Endian::Little) => v.to_le_bytes().to_vec(),
            (true, Endian::Big) => v.to_be_bytes().to_vec(),
            (false, Endian::Little) => (v as u32).to_le_bytes().to_vec(),
            (false, Endian::Big) => (v as u32).to_be_bytes().to_vec(),
        }
    }
}

/// A string table under construction.
#[derive(Default)]
struct Strtab(Vec<u8>);

impl Strtab {
    fn new() -> Self {
        Strtab(std::vec![0])
    }
    fn add(&mut self, s: &[u8]) -> u32 {
        let at = self.0.len() as u32;
        self.0.extend_from_slice(s);
        self.0.push(0);
        at
    }
}

/// ELF binding and type for an `nm` type letter.
fn bind_type(letter: u8) -> (u8, u8) {
    let bind = match letter {
        b'W' | b'w' | b'V' | b'v' => STB_WEAK,
        b'A'..=b'Z' => STB_GLOBAL,
        _ => STB_LOCAL,
    };
    let kind = match letter.to_ascii_lowercase() {
        b't' | b'w' => STT_FUNC,
        b'd' | b'b' | b'r' | b'g' | b's' | b'v' => STT_OBJECT,
        _ => STT_NOTYPE,
    };
    (bind, kind)
}

/// The allocated sections by address, for finding a symbol's section index.
struct SectionMap(Vec<(u64, u64, u16)>);

impl SectionMap {
    fn new(sections: &[(u64, u64, u16)]) -> Self {
        let mut v: Vec<_> = sections.iter().copied().filter(|s| s.1 > 0).collect();
        v.sort_unstable();
        SectionMap(v)
    }
    /// The index of the section holding `addr`, else `SHN_ABS`.
    fn index(&self, addr: u64, letter: u8) -> u16 {
        if matches!(letter, b'A' | b'a') {
            return SHN_ABS;
        }
        let i = self.0.partition_point(|s| s.0 <= addr);
        // Sections may nest or touch: look back a few for one that covers addr.
        for k in (i.saturating_sub(4)..i).rev() {
            if let Some(&(start, size, idx)) = self.0.get(k) {
                if addr - start < size {
                    return idx;
                }
            }
        }
        SHN_ABS
    }
}

/// Builds `.symtab` (locals first, as ELF requires) and `.strtab` for `table`;
/// returns (symtab bytes, strtab bytes, index of the first global).
fn symbols(
    table: &Table<'_>,
    map: &SectionMap,
    wide: bool,
    endian: Endian,
) -> (Vec<u8>, Vec<u8>, u32) {
    let mut strtab = Strtab::new();
    let mut w = W {
        out: Vec::new(),
        wide,
        endian,
    };
    let entsize = if wide { 24 } else { 16 };
    w.out.resize(entsize, 0); // the null symbol
    let mut buf = [0u8; KSYM_NAME_LEN];
    let mut first_global = 1u32;
    for pass in [true, false] {
        for sym in table.iter() {
            let (bind, kind) = bind_type(sym.type_letter);
            if (bind == STB_LOCAL) != pass {
                continue;
            }
            let name = strtab.add(table.name(&sym, &mut buf));
            let size = table.size_of(sym.index);
            let shndx = map.index(sym.address, sym.type_letter);
            let info = (bind << 4) | kind;
            w.u32(name);
            if wide {
                w.u8(info);
                w.u8(0);
                w.u16(shndx);
                w.u64(sym.address);
                w.u64(size);
            } else {
                w.u32(sym.address as u32);
                w.u32(size as u32);
                w.u8(info);
                w.u8(0);
                w.u16(shndx);
            }
            if pass {
                first_global += 1;
            }
        }
    }
    (w.out, strtab.0, first_global)
}

/// An ELF copy of `elf` whose symbol table is `table`'s symbols.
///
/// # Errors
///
/// [`ElfOutError::TooManySections`] for a section count over 0xff00.
pub fn from_elf(elf: &Elf<'_>, table: &Table<'_>) -> Result<Vec<u8>, ElfOutError> {
    let wide = elf.wide;
    let mut w = W {
        out: elf.data.to_vec(),
        wide,
        endian: elf.endian,
    };
    let old_symtab = elf.sections.iter().position(|s| s.kind == SHT_SYMTAB);
    let mut shdrs: Vec<Shdr> = Vec::with_capacity(elf.sections.len() + 4);
    let mut names = Strtab::new();
    for s in &elf.sections {
        let name = names.add(elf.section_name(s));
        shdrs.push(Shdr {
            name,
            kind: s.kind,
            flags: s.flags,
            addr: s.addr,
            offset: s.offset,
            size: s.size,
            link: s.link,
            info: s.info,
            addralign: s.addralign,
            entsize: s.entsize,
        });
    }
    if shdrs.is_empty() {
        shdrs.push(Shdr::default());
    }
    // Relocations against the replaced symbol table lose their meaning.
    if let Some(k) = old_symtab {
        for s in &mut shdrs {
            if (s.kind == SHT_RELA || s.kind == SHT_REL) && s.link as usize == k {
                s.kind = SHT_PROGBITS;
            }
        }
    }
    // Without allocated sections (a file of program headers only), one section per
    // loaded segment, so that tools can place the symbols.
    if !elf.sections.iter().any(|s| s.flags & SHF_ALLOC != 0) {
        for (k, p) in elf
            .segments
            .iter()
            .filter(|p| p.kind == PT_LOAD)
            .enumerate()
        {
            let exec = p.flags & 1 != 0;
            let name = std::format!("{}.{k}", if exec { ".text" } else { ".data" });
            shdrs.push(Shdr {
                name: names.add(name.as_bytes()),
                kind: SHT_PROGBITS,
                flags: SHF_ALLOC | if exec { SHF_EXECINSTR } else { SHF_WRITE },
                addr: p.vaddr,
                offset: p.offset,
                size: p.filesz,
                addralign: 1,
                ..Shdr::default()
            });
        }
    }
    let secs: Vec<(u64, u64, u16)> = shdrs
        .iter()
        .enumerate()
        .filter(|(_, s)| s.flags & SHF_ALLOC != 0)
        .map(|(i, s)| (s.addr, s.size, u16::try_from(i).unwrap_or(SHN_ABS)))
        .collect();
    let map = SectionMap::new(&secs);
    let (symtab, strtab, first_global) = symbols(table, &map, wide, elf.endian);

    w.align(8);
    let strtab_off = w.out.len() as u64;
    w.out.extend_from_slice(&strtab);
    w.align(8);
    let symtab_off = w.out.len() as u64;
    w.out.extend_from_slice(&symtab);
    let strtab_idx = shdrs.len();
    shdrs.push(Shdr {
        name: names.add(b".strtab"),
        kind: SHT_STRTAB,
        offset: strtab_off,
        size: strtab.len() as u64,
        addralign: 1,
        ..Shdr::default()
    });
    let sym = Shdr {
        name: 0,
        kind: SHT_SYMTAB,
        offset: symtab_off,
        size: symtab.len() as u64,
        link: strtab_idx as u32,
        info: first_global,
        addralign: 8,
        entsize: if wide { 24 } else { 16 },
        ..Shdr::default()
    };
    match old_symtab.and_then(|k| shdrs.get_mut(k)) {
        Some(slot) => {
            *slot = Shdr {
                name: slot.name,
                ..sym
            }
        }
        None => shdrs.push(Shdr {
            name: names.add(b".symtab"),
            ..sym
        }),
    }
    let shstr_idx = shdrs.len();
    let shstr_name = names.add(b".shstrtab");
    let shstr_off = w.out.len() as u64;
    w.out.extend_from_slice(&names.0);
    shdrs.push(Shdr {
        name: shstr_name,
        kind: SHT_STRTAB,
        offset: shstr_off,
        size: names.0.len() as u64,
        addralign: 1,
        ..Shdr::default()
    });
    if shdrs.len() >= 0xff00 {
        return Err(ElfOutError::TooManySections);
    }
    w.align(8);
    let shoff = w.out.len() as u64;
    if !wide && shoff > u64::from(u32::MAX) {
        return Err(ElfOutError::TooLarge);
    }
    for s in &shdrs {
        w.shdr(s);
    }
    // e_shoff, e_shentsize, e_shnum, e_shstrndx.
    let (shoff_at, counts_at) = if wide { (40, 58) } else { (32, 46) };
    let shoff_bytes = w.bytes_word(shoff);
    w.patch(shoff_at, &shoff_bytes);
    let shentsize = w.bytes16(if wide { 64 } else { 40 });
    let shnum = w.bytes16(shdrs.len() as u16);
    let shstrndx = w.bytes16(shstr_idx as u16);
    w.patch(counts_at, &shentsize);
    w.patch(counts_at + 2, &shnum);
    w.patch(counts_at + 4, &shstrndx);
    Ok(w.out)
}

/// A new ELF file for a raw image loaded at `base`, for machine `machine`
/// (`e_machine`), whose symbol table is `table`'s symbols.
///
/// # Errors
///
/// [`ElfOutError::TooLarge`] when a 32-bit table's image does not fit ELF32.
pub fn from_raw(
    image: &[u8],
    base: u64,
    machine: u16,
    table: &Table<'_>,
) -> Result<Vec<u8>, ElfOutError> {
    let wide = table.layout().ptr_bytes == 8;
    let endian = table.layout().endian;
    let len = image.len() as u64;
    let find = |n: &[u8]| table.lookup_name(n).map(|s| s.address);
    let end_img = base.saturating_add(len);
    // Text up to _etext (within the image), data after, bss to _end.
    let etext = find(b"_etext")
        .filter(|&a| a > base && a <= end_img)
        .unwrap_or(end_img);
    let bss_end = find(b"_end").filter(|&a| a > end_img);
    let (ehsize, phsize) = if wide { (64u64, 56u64) } else { (52, 32) };
    let data_off = 0x1000 + (base % 0x1000);
    if !wide
        && (data_off + len > u64::from(u32::MAX)
            || base
                .checked_add(len)
                .map_or(true, |e| e > u64::from(u32::MAX)))
    {
        return Err(ElfOutError::TooLarge);
    }
    let mut names = Strtab::new();
    let mut shdrs = std::vec![Shdr::default()];
    shdrs.push(Shdr {
        name: names.add(b".text"),
        kind: SHT_PROGBITS,
        flags: SHF_ALLOC | SHF_EXECINSTR,
        addr: base,
        offset: data_off,
        size: etext - base,
        addralign: 16,
        ..Shdr::default()
    });
    if etext < end_img {
        shdrs.push(Shdr {
            name: names.add(b".data"),
            kind: SHT_PROGBITS,
            flags: SHF_ALLOC | SHF_WRITE,
            addr: etext,
            offset: data_off + (etext - base),
            size: end_img - etext,
            addralign: 1,
            ..Shdr::default()
        });
    }
    if let Some(e) = bss_end {
        shdrs.push(Shdr {
            name: names.add(b".bss"),
            kind: SHT_NOBITS,
            flags: SHF_ALLOC | SHF_WRITE,
            addr: end_img,
            offset: data_off + len,
            size: e - end_img,
            addralign: 1,
            ..Shdr::default()
        });
    }
    let secs: Vec<(u64, u64, u16)> = shdrs
        .iter()
        .enumerate()
        .skip(1)
        .map(|(i, s)| (s.addr, s.size, i as u16))
        .collect();
    let map = SectionMap::new(&secs);
    let (symtab, strtab, first_global) = symbols(table, &map, wide, endian);
    let memsz = bss_end.map_or(len, |e| e - base);

    let mut w = W {
        out: Vec::with_capacity(image.len() + symtab.len() + strtab.len() + 0x2000),
        wide,
        endian,
    };
    // ELF header.
    w.out.extend_from_slice(b"\x7fELF");
    w.u8(if wide { 2 } else { 1 });
    w.u8(if endian == Endian::Little { 1 } else { 2 });
    w.u8(1);
    w.out.resize(16, 0);
    w.u16(2); // ET_EXEC
    w.u16(machine);
    w.u32(1);
    w.word(base); // e_entry
    w.word(ehsize); // e_phoff
    let shoff_at = w.out.len();
    w.word(0); // e_shoff, patched
    w.u32(0); // e_flags
    w.u16(ehsize as u16);
    w.u16(phsize as u16);
    w.u16(1);
    w.u16(if wide { 64 } else { 40 });
    let counts_at = w.out.len();
    w.u16(0);
    w.u16(0);
    // One PT_LOAD, read/write/execute.
    w.u32(1);
    if wide {
        w.u32(7);
        w.u64(data_off);
        w.u64(base);
        w.u64(base);
        w.u64(len);
        w.u64(memsz);
        w.u64(0x1000);
    } else {
        w.u32(data_off as u32);
        w.u32(base as u32);
        w.u32(base as u32);
        w.u32(len as u32);
        w.u32(memsz as u32);
        w.u32(7);
        w.u32(0x1000);
    }
    w.out.resize(data_off as usize, 0);
    w.out.extend_from_slice(image);
    w.align(8);
    let symtab_off = w.out.len() as u64;
    w.out.extend_from_slice(&symtab);
    let strtab_off = w.out.len() as u64;
    w.out.extend_from_slice(&strtab);
    let symtab_idx = shdrs.len();
    shdrs.push(Shdr {
        name: names.add(b".symtab"),
        kind: SHT_SYMTAB,
        offset: symtab_off,
        size: symtab.len() as u64,
        link: symtab_idx as u32 + 1,
        info: first_global,
        addralign: 8,
        entsize: if wide { 24 } else { 16 },
        ..Shdr::default()
    });
    shdrs.push(Shdr {
        name: names.add(b".strtab"),
        kind: SHT_STRTAB,
        offset: strtab_off,
        size: strtab.len() as u64,
        addralign: 1,
        ..Shdr::default()
    });
    let shstr_idx = shdrs.len();
    let shstr_name = names.add(b".shstrtab");
    let shstr_off = w.out.len() as u64;
    w.out.extend_from_slice(&names.0);
    shdrs.push(Shdr {
        name: shstr_name,
        kind: SHT_STRTAB,
        offset: shstr_off,
        size: names.0.len() as u64,
        addralign: 1,
        ..Shdr::default()
    });
    w.align(8);
    let shoff = w.out.len() as u64;
    if !wide && shoff > u64::from(u32::MAX) {
        return Err(ElfOutError::TooLarge);
    }
    for s in &shdrs {
        w.shdr(s);
    }
    let shoff_bytes = w.bytes_word(shoff);
    w.patch(shoff_at, &shoff_bytes);
    let shnum = w.bytes16(shdrs.len() as u16);
    let shstrndx = w.bytes16(shstr_idx as u16);
    w.patch(counts_at, &shnum);
    w.patch(counts_at + 2, &shstrndx);
    Ok(w.out)
}
