// SPDX-License-Identifier: GPL-2.0-only OR MIT
//! Module symbol tables: livepatch resolution in a module (ELF symbol-table order,
//! undefined symbols skipped) against the kernel's own `klp_find_object_symbol()`
//! and `module_kallsyms_on_each_symbol()` (`kernel/livepatch/core.c`,
//! `kernel/module/kallsyms.c`, 6.12) over the same symbols; and the module address
//! lookup against a model of `find_kallsyms_symbol()`.

mod sfile;

use std::collections::HashMap;

use kallsyms::livepatch::{find_object_symbol, AddressZero, KlpObject, PR_PREFIX};
use kallsyms::module::{ElfClass, ModRegion, ModuleSymtab, SHN_UNDEF};
use kallsyms::{Endian, Match, MatchKind};

/// A module's symbols: the real Rust program's map in a scrambled order, with
/// undefined entries mixed in, as a module's unsorted ELF symbol table is.
fn module_symbols() -> Vec<(Vec<u8>, u64, u16)> {
    let map = sfile::data("rust-v0-symbols.map");
    let mut syms: Vec<(Vec<u8>, u64, u16)> = vec![(Vec::new(), 0, SHN_UNDEF)];
    let mut x = 0x2545_f491_4f6c_dd1d_u64;
    for (k, l) in map
        .split(|&b| b == b'\n')
        .filter(|l| l.len() > 19)
        .enumerate()
    {
        let addr = u64::from_str_radix(std::str::from_utf8(&l[..16]).unwrap(), 16).unwrap();
        let name = l[19..].to_vec();
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        // Every 11th symbol is also present as an undefined reference.
        if k % 11 == 0 {
            syms.push((name.clone(), 0, SHN_UNDEF));
        }
        syms.push((name, addr, 1 + (x % 5) as u16));
    }
    // Scramble deterministically, keeping the null symbol first.
    let tail = &mut syms[1..];
    for i in (1..tail.len()).rev() {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        tail.swap(i, (x % (i as u64 + 1)) as usize);
    }
    syms
}

/// The ELF bytes of a symbol list: `Elf64_Sym` entries and a string table.
fn elf64(syms: &[(Vec<u8>, u64, u16)]) -> (Vec<u8>, Vec<u8>) {
    let mut strtab = vec![0u8];
    let mut symtab = Vec::new();
    for (name, value, shndx) in syms {
        let st_name = if name.is_empty() {
            0
        } else {
            strtab.len() as u32
        };
        if !name.is_empty() {
            strtab.extend_from_slice(name);
            strtab.push(0);
        }
        symtab.extend_from_slice(&st_name.to_le_bytes());
        symtab.extend_from_slice(&[0x12, 0]);
        symtab.extend_from_slice(&shndx.to_le_bytes());
        symtab.extend_from_slice(&value.to_le_bytes());
        symtab.extend_from_slice(&16u64.to_le_bytes());
    }
    (symtab, strtab)
}

#[test]
fn module_livepatch_resolution_equals_the_kernel() {
    if let Err(why) = kernel_ref::available() {
        assert!(
            std::env::var_os("CI").is_none(),
            "kernel reference missing: {why}"
        );
        return;
    }
    let syms = module_symbols();
    let (symtab, strtab) = elf64(&syms);
    let m = ModuleSymtab::new(&symtab, &strtab, &[], ElfClass::Elf64, Endian::Little).unwrap();
    // An empty vmlinux table: only the module is searched.
    let (token_table, token_index) = ([0u8; 1], [0u8; 512]);
    let empty = kernel_ref::KernelTables {
        token_table: &token_table,
        token_index: &token_index,
        ..Default::default()
    };
    let mut k = kernel_ref::session(&empty).unwrap();
    k.set_module_symtab(b"rustmod", &syms).unwrap();

    // The module walk is the kernel's, in order.
    let walk: Vec<(Vec<u8>, u64)> = m.defined().map(|s| (s.name.to_vec(), s.value)).collect();
    assert_eq!(walk, k.module_on_each_symbol(Some(b"rustmod")));

    let mut count: HashMap<&[u8], u64> = HashMap::new();
    for s in m.defined() {
        *count.entry(s.name).or_default() += 1;
    }
    let mut dups = 0;
    for (name, n) in &count {
        dups += usize::from(*n > 1);
        for sympos in 0..=n + 1 {
            let (kret, kaddr, kmsg) = k.klp_find_object_symbol(Some(b"rustmod"), name, sympos);
            let obj = KlpObject::Module {
                name: b"rustmod",
                symtab: &m,
            };
            match find_object_symbol(obj, name, sympos, AddressZero::KernelCompatible) {
                Ok(a) => assert_eq!((kret, kaddr), (0, a)),
                Err(e) => {
                    assert_eq!((kret, kaddr), (e.to_errno(), 0));
                    let text =
                        format!("{PR_PREFIX}{}\n", e.message(name, Some(b"rustmod"), sympos));
                    assert_eq!(String::from_utf8_lossy(&kmsg), text);
                }
            }
            // Module sympos counts the exact matches in symbol-table order.
            if sympos >= 1 && sympos <= *n {
                let hit = m
                    .matches(name, Match::EXACT)
                    .find(|(_, _, p)| u64::from(*p) == sympos);
                assert_eq!(
                    hit.map(|(s, k, _)| (s.value, k)),
                    Some((kaddr, MatchKind::Exact))
                );
            }
        }
    }
    assert!(dups > 100, "{dups}");
}

#[test]
fn module_address_lookup_follows_find_kallsyms_symbol() {
    let syms = module_symbols();
    let (symtab, strtab) = elf64(&syms);
    let m = ModuleSymtab::new(&symtab, &strtab, &[], ElfClass::Elf64, Endian::Little).unwrap();
    let values: Vec<u64> = syms
        .iter()
        .filter(|s| s.2 != SHN_UNDEF && !s.0.is_empty())
        .map(|s| s.1)
        .collect();
    let base = *values.iter().min().unwrap();
    let end = *values.iter().max().unwrap() + 64;
    let region = ModRegion {
        base,
        size: end - base,
    };
    let mut sorted = values.clone();
    sorted.sort();
    sorted.dedup();
    for w in sorted.windows(2).step_by(3) {
        let addr = w[0] + (w[1] - w[0]) / 2;
        let (s, size, off) = m.lookup_address(addr, region).unwrap();
        assert_eq!(s.value, w[0]);
        assert_eq!(size, w[1] - w[0]);
        assert_eq!(off, addr - w[0]);
        // The first symbol in table order at that value wins.
        let first = syms
            .iter()
            .find(|x| x.1 == w[0] && x.2 != SHN_UNDEF && !x.0.is_empty() && !x.0.starts_with(b"$"))
            .unwrap();
        assert_eq!(s.name, &first.0[..]);
    }
    assert!(m.lookup_address(base.wrapping_sub(1), region).is_none());
    assert!(m.lookup_address(end, region).is_none());
}

#[test]
fn bad_module_tables_are_refused() {
    let syms = module_symbols();
    let (symtab, strtab) = elf64(&syms);
    let err = ModuleSymtab::new(
        &symtab[..symtab.len() - 1],
        &strtab,
        &[],
        ElfClass::Elf64,
        Endian::Little,
    );
    assert_eq!(err.unwrap_err(), kallsyms::module::ModuleError::SymtabSize);
    // A string table cut short leaves the last names without their NUL.
    let err = ModuleSymtab::new(
        &symtab,
        &strtab[..strtab.len() - 1],
        &[],
        ElfClass::Elf64,
        Endian::Little,
    );
    assert!(matches!(
        err.unwrap_err(),
        kallsyms::module::ModuleError::BadName { .. }
    ));
    let err = ModuleSymtab::new(
        &symtab,
        &strtab,
        &[b't'; 3],
        ElfClass::Elf64,
        Endian::Little,
    );
    assert_eq!(err.unwrap_err(), kallsyms::module::ModuleError::TypetabSize);
}
