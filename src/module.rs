// SPDX-License-Identifier: GPL-2.0-only OR MIT
//! Module symbol tables: a view over a loaded module's ELF symbols, string table and
//! type table (`struct mod_kallsyms`, `include/linux/module.h` 6.12), with the
//! queries `kernel/module/kallsyms.c` (6.12) answers for it.
//!
//! Module symbols are not sorted: the kernel scans them linearly in ELF symbol-table
//! order, and livepatch counts `sympos` in that order
//! (`module_kallsyms_on_each_symbol()`), so this view does the same.
#![cfg_attr(not(test), deny(clippy::arithmetic_side_effects))]

use core::fmt;

use crate::layout::Endian;
use crate::matching::{classify_suffix, Match, MatchKind};
use crate::table::{read_u16, read_u32, read_u64};

/// `SHN_UNDEF` (`include/uapi/linux/elf.h`).
pub const SHN_UNDEF: u16 = 0;
/// `SHN_LIVEPATCH` (`include/uapi/linux/elf.h`): symbols a livepatch resolves.
pub const SHN_LIVEPATCH: u16 = 0xff20;

/// ELF class of the symbol table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ElfClass {
    /// `Elf32_Sym`, 16 bytes.
    Elf32,
    /// `Elf64_Sym`, 24 bytes.
    Elf64,
}

impl ElfClass {
    /// Size of one symbol entry.
    pub const fn sym_size(self) -> usize {
        match self {
            ElfClass::Elf32 => 16,
            ElfClass::Elf64 => 24,
        }
    }
}

/// A module symbol table that failed validation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ModuleError {
    /// The symbol table is not a whole number of entries.
    SymtabSize,
    /// Symbol `index` names an offset outside the string table, or its name has no
    /// NUL before the end of the string table.
    BadName {
        /// The symbol.
        index: u32,
    },
    /// The type table is shorter than the symbol table.
    TypetabSize,
    /// More symbols than fit a `u32`.
    TooMany,
}

impl ModuleError {
    /// `-EUCLEAN`: a corrupt table.
    pub const fn to_errno(self) -> i32 {
        -crate::error::errno::EUCLEAN
    }
}

impl fmt::Display for ModuleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ModuleError::SymtabSize => f.write_str("symtab: not a whole number of entries"),
            ModuleError::BadName { index } => write!(f, "symtab[{index}]: st_name outside strtab"),
            ModuleError::TypetabSize => f.write_str("typetab: shorter than symtab"),
            ModuleError::TooMany => f.write_str("symtab: too many symbols"),
        }
    }
}

/// One module symbol.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ModSymbol<'a> {
    /// Index in the ELF symbol table.
    pub index: u32,
    /// Name (without its NUL).
    pub name: &'a [u8],
    /// `st_value` (`kallsyms_symbol_value()`).
    pub value: u64,
    /// `st_size`.
    pub size: u64,
    /// `st_shndx`.
    pub shndx: u16,
    /// The nm type letter from the type table (`?` without one).
    pub type_letter: u8,
}

/// A validated view of `struct mod_kallsyms`.
///
/// # Invariants
///
/// `symtab.len()` is a multiple of the entry size and the count fits `u32`; every
/// entry's `st_name` is inside `strtab` and followed by a NUL inside it; `typetab`
/// is empty or at least as long as the symbol count.
#[derive(Clone, Copy, Debug)]
pub struct ModuleSymtab<'a> {
    symtab: &'a [u8],
    strtab: &'a [u8],
    typetab: &'a [u8],
    class: ElfClass,
    endian: Endian,
    count: u32,
}

/// The region of module memory an address falls in (`struct module_memory`): base
/// and size.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ModRegion {
    /// `mod_mem->base`.
    pub base: u64,
    /// `mod_mem->size`.
    pub size: u64,
}

/// `is_mapping_symbol()` (`include/linux/module_symbol.h` 6.12).
fn is_mapping_symbol(name: &[u8]) -> bool {
    name.starts_with(b".L") || name.starts_with(b"L0") || name.first() == Some(&b'$')
}

impl<'a> ModuleSymtab<'a> {
    /// Validates the three tables. `typetab` may be empty.
    pub fn new(
        symtab: &'a [u8],
        strtab: &'a [u8],
        typetab: &'a [u8],
        class: ElfClass,
        endian: Endian,
    ) -> Result<Self, ModuleError> {
        if symtab.len().checked_rem(class.sym_size()) != Some(0) {
            return Err(ModuleError::SymtabSize);
        }
        let count = u32::try_from(symtab.len().checked_div(class.sym_size()).unwrap_or(0))
            .map_err(|_| ModuleError::TooMany)?;
        if !typetab.is_empty() && typetab.len() < count as usize {
            return Err(ModuleError::TypetabSize);
        }
        let v = ModuleSymtab {
            symtab,
            strtab,
            typetab,
            class,
            endian,
            count,
        };
        for i in 0..count {
            let st_name = v.field_name(i).unwrap_or(u32::MAX) as usize;
            let ok = strtab
                .get(st_name..)
                .is_some_and(|r| memchr::memchr(0, r).is_some());
            if !ok {
                return Err(ModuleError::BadName { index: i });
            }
        }
        Ok(v)
    }

    /// Number of entries (including entry 0, the null symbol).
    pub fn len(&self) -> u32 {
        self.count
    }

    /// Whether the table has no entries.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    fn field_name(&self, i: u32) -> Option<u32> {
        let base = (i as usize).checked_mul(self.class.sym_size())?;
        read_u32(self.symtab.get(base..)?, 0, self.endian)
    }

    /// Symbol `i` of the table.
    pub fn symbol(&self, i: u32) -> Option<ModSymbol<'a>> {
        if i >= self.count {
            return None;
        }
        let e = self.endian;
        let ent = self
            .symtab
            .get((i as usize).checked_mul(self.class.sym_size())?..)?;
        let st_name = read_u32(ent, 0, e)? as usize;
        let (value, size, shndx) = match self.class {
            // Elf32_Sym: name, value, size (u32 each), info, other, shndx (u16).
            ElfClass::Elf32 => (
                u64::from(read_u32(ent, 1, e)?),
                u64::from(read_u32(ent, 2, e)?),
                read_u16(ent, 7, e)?,
            ),
            // Elf64_Sym: name (u32), info, other, shndx (u16), value, size (u64).
            ElfClass::Elf64 => (
                read_u64(ent, 1, e)?,
                read_u64(ent, 2, e)?,
                read_u16(ent, 3, e)?,
            ),
        };
        let rest = self.strtab.get(st_name..)?;
        let name = rest.get(..memchr::memchr(0, rest)?)?;
        Some(ModSymbol {
            index: i,
            name,
            value,
            size,
            shndx,
            type_letter: self.typetab.get(i as usize).copied().unwrap_or(b'?'),
        })
    }

    /// Every defined symbol (`st_shndx != SHN_UNDEF`) in symbol-table order, as
    /// `module_kallsyms_on_each_symbol()` visits them.
    pub fn defined(&self) -> impl Iterator<Item = ModSymbol<'a>> + '_ {
        (0..self.count)
            .filter_map(|i| self.symbol(i))
            .filter(|s| s.shndx != SHN_UNDEF)
    }

    /// `find_kallsyms_symbol_value()`: the value of the first defined symbol named
    /// exactly `name`.
    pub fn lookup_name(&self, name: &[u8]) -> Option<ModSymbol<'a>> {
        self.defined().find(|s| s.name == name)
    }

    /// Defined symbols matching `name` under `opts`, in symbol-table order, with
    /// their 1-based position among the matches (the module `sympos`).
    pub fn matches<'s>(
        &'s self,
        name: &'s [u8],
        opts: Match,
    ) -> impl Iterator<Item = (ModSymbol<'a>, MatchKind, u32)> + 's {
        self.defined()
            .filter_map(move |s| {
                let suffix = s.name.strip_prefix(name)?;
                if name.is_empty() || (!suffix.is_empty() && opts.is_empty()) {
                    return None;
                }
                classify_suffix(suffix, opts).map(|k| (s, k))
            })
            .zip(1u32..)
            .map(|((s, k), pos)| (s, k, pos))
    }

    /// `find_kallsyms_symbol()` (`kernel/module/kallsyms.c` 6.12): the named,
    /// defined, non-mapping symbol with the largest value at or below `addr` inside
    /// `region` (the first such in table order among equal values), with its size
    /// (next higher value, or the region end) and the offset.
    pub fn lookup_address(
        &self,
        addr: u64,
        region: ModRegion,
    ) -> Option<(ModSymbol<'a>, u64, u64)> {
        let end = region.base.checked_add(region.size)?;
        if addr < region.base || addr >= end {
            return None;
        }
        let mut best: Option<ModSymbol<'a>> = None;
        let mut next = end;
        // ELF starts real symbols at 1.
        for s in (1..self.count).filter_map(|i| self.symbol(i)) {
            if s.shndx == SHN_UNDEF || s.name.is_empty() || is_mapping_symbol(s.name) {
                continue;
            }
            if s.value <= addr && s.value >= region.base && best.map_or(true, |b| s.value > b.value)
            {
                best = Some(s);
            }
            if s.value > addr && s.value < next {
                next = s.value;
            }
        }
        let b = best?;
        // NO-OVERFLOW: b.value <= addr < next.
        Some((b, next.wrapping_sub(b.value), addr.wrapping_sub(b.value)))
    }
}
