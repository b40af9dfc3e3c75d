// SPDX-License-Identifier: GPL-2.0-only OR MIT
//! Differential tests against the kernel's own code: the real `scripts/kallsyms`
//! output of every fixture is assembled with gcc, its arrays are read back out of
//! the object file, and every answer of this crate is compared with the one the
//! functions of Debian's `linux-source-6.12` `kernel/kallsyms.c` and
//! `kernel/livepatch/core.c` (compiled in user space by `tests/kernel-ref`) give
//! over the very same bytes.

mod sfile;

use std::collections::HashMap;

use kallsyms::livepatch::{find_object_symbol, AddressZero, KlpObject, PR_PREFIX};
use kallsyms::{Match, Sections, Table, KSYM_NAME_LEN};

/// The kernel reference, or `None` (a failure under CI, where it must exist).
fn reference_available() -> bool {
    match kernel_ref::available() {
        Ok(()) => true,
        Err(why) => {
            assert!(
                std::env::var_os("CI").is_none(),
                "kernel reference missing: {why}"
            );
            eprintln!("skipped: kernel reference missing: {why}");
            false
        }
    }
}

/// Section bounds from a map.
fn sections(map: &[u8]) -> Sections {
    let mut want: HashMap<&[u8], u64> = HashMap::new();
    for l in map.split(|&b| b == b'\n').filter(|l| l.len() > 19) {
        let sp = l.iter().position(|&b| b == b' ').unwrap();
        let a = u64::from_str_radix(std::str::from_utf8(&l[..sp]).unwrap(), 16).unwrap();
        want.insert(&l[sp + 3..], a);
    }
    let g = |n: &str| want.get(n.as_bytes()).copied().unwrap_or(0);
    if g("_end") == 0 {
        // A user-space program's map: one section holding every symbol.
        let end = want.values().max().unwrap() + 0x1000;
        return Sections {
            etext: end,
            end,
            kallsyms_all: true,
            ..Sections::default()
        };
    }
    Sections {
        stext: g("_stext"),
        etext: g("_etext"),
        sinittext: g("_sinittext"),
        einittext: g("_einittext"),
        init_begin: g("__init_begin"),
        init_end: g("__init_end"),
        end: g("_end"),
        kallsyms_all: true,
    }
}

struct Case {
    stem: &'static str,
    arrays: kernel_ref::OwnedArrays,
    layout: kallsyms::Layout,
    sections: Sections,
}

fn cases() -> Vec<Case> {
    sfile::FIXTURES
        .iter()
        .map(|fx| {
            let map = sfile::data(fx.map);
            let asm = sfile::data(&format!("{}.kallsyms.S", fx.stem));
            let arrays = kernel_ref::assemble_tables(&asm, sfile::text_addr(&map)).unwrap();
            Case {
                stem: fx.stem,
                arrays,
                layout: fx.layout(),
                sections: sections(&map),
            }
        })
        .collect()
}

impl Case {
    fn table(&self) -> Table<'_> {
        let a = &self.arrays;
        let raw = kallsyms::RawTable {
            num_syms: a.num_syms,
            names: &a.names,
            markers: &a.markers,
            token_table: &a.token_table,
            token_index: &a.token_index,
            offsets: &a.offsets,
            relative_base: a.relative_base,
            offsets_addr: 0,
            seqs_of_names: &a.seqs_of_names,
        };
        Table::new(raw, self.layout)
            .unwrap()
            .with_sections(self.sections)
    }

    fn kernel_tables(&self) -> kernel_ref::KernelTables<'_> {
        let s = &self.sections;
        kernel_ref::KernelTables {
            absolute_percpu: self.layout.addresses == kallsyms::AddressEncoding::AbsolutePercpu,
            kallsyms_all: true,
            stext: s.stext,
            etext: s.etext,
            sinittext: s.sinittext,
            einittext: s.einittext,
            end: s.end,
            init_begin: s.init_begin,
            init_end: s.init_end,
            ..self.arrays.tables()
        }
    }
}

#[test]
fn every_symbol_and_name_lookup_equals_the_kernel() {
    if !reference_available() {
        return;
    }
    for case in cases() {
        let t = case.table();
        let kt = case.kernel_tables();
        let k = kernel_ref::session(&kt).unwrap();
        let kernel_syms = k.on_each_symbol();
        assert_eq!(kernel_syms.len(), t.len() as usize);
        let mut buf = [0u8; KSYM_NAME_LEN];
        let mut names: Vec<Vec<u8>> = Vec::new();
        for (sym, (kname, kaddr)) in t.iter().zip(&kernel_syms) {
            let off = k.get_symbol_offset(sym.index);
            assert_eq!(sym.name_offset, off, "{} {}", case.stem, sym.index);
            assert_eq!(
                t.name(&sym, &mut buf),
                &kname[..],
                "{} {}",
                case.stem,
                sym.index
            );
            assert_eq!(sym.address, *kaddr, "{} {}", case.stem, sym.index);
            // The kernel's type read is wrong for names over 127 tokens before
            // f3f9f42232de; compare only where both read the first token.
            if t.raw().names[off as usize] & 0x80 == 0 {
                assert_eq!(
                    sym.type_letter,
                    k.get_symbol_type(off),
                    "{} {}",
                    case.stem,
                    sym.index
                );
            }
            names.push(kname.clone());
        }
        names.sort();
        names.dedup();
        for name in &names {
            let ours = t.lookup_name(name).map_or(0, |s| s.address);
            assert_eq!(
                ours,
                k.lookup_name(name),
                "{} {:?}",
                case.stem,
                String::from_utf8_lossy(name)
            );
            let walk: Vec<u64> = t
                .matches(name, Match::EXACT)
                .map(|f| f.symbol.address)
                .collect();
            assert_eq!(walk, k.on_each_match_symbol(name, None));
            assert_eq!(t.lookup_names(name), k.lookup_names(name));
            // A name that is not in the table, just after this one in sort order.
            let mut missing = name.clone();
            missing.push(b'\x01');
            assert_eq!(
                t.lookup_name(&missing).map_or(0, |s| s.address),
                k.lookup_name(&missing)
            );
        }
    }
}

#[test]
fn address_lookups_equal_the_kernel() {
    if !reference_available() {
        return;
    }
    for case in cases() {
        let t = case.table();
        let kt = case.kernel_tables();
        let k = kernel_ref::session(&kt).unwrap();
        let mut buf = [0u8; 1024];
        let mut checked = 0;
        for i in 0..t.len() {
            let a = t.address(i);
            for addr in [a, a.wrapping_add(1), a.wrapping_sub(1)] {
                let kernel = k.lookup(addr);
                let ours = t.lookup_address(addr);
                match (&kernel, ours) {
                    (None, None) => {}
                    (Some((kname, ksize, koff)), Some((sym, pos))) => {
                        let mut nb = [0u8; KSYM_NAME_LEN];
                        assert_eq!(t.name(&sym, &mut nb), &kname[..], "{} {addr:#x}", case.stem);
                        assert_eq!(pos.offset, *koff);
                        // The kernel's size wraps when a symbol lies past the
                        // section end (Debian 6.1's `__init_scratch_*` lie past
                        // `_end`); ours is 0 there.
                        if ksize.checked_add(pos.start).is_some() {
                            assert_eq!(pos.size, *ksize, "{} {addr:#x}", case.stem);
                        } else {
                            assert_eq!(pos.size, 0);
                        }
                        checked += 1;
                        let n = t.sprint_symbol(addr, &mut buf).unwrap();
                        if ksize.checked_add(pos.start).is_some() {
                            assert_eq!(&buf[..n], &k.sprint_symbol(addr)[..]);
                        }
                    }
                    (kernel, ours) => {
                        panic!("{} {addr:#x}: kernel {kernel:?} ours {ours:?}", case.stem)
                    }
                }
                if kernel.is_none() {
                    let n = t.sprint_symbol(addr, &mut buf).unwrap();
                    assert_eq!(&buf[..n], &k.sprint_symbol(addr)[..]);
                }
            }
        }
        assert!(checked as u32 > t.len(), "{}: {checked}", case.stem);
    }
}

#[test]
fn livepatch_resolution_equals_the_kernel() {
    if !reference_available() {
        return;
    }
    for case in cases() {
        let t = case.table();
        let kt = case.kernel_tables();
        let k = kernel_ref::session(&kt).unwrap();
        let mut count: HashMap<Vec<u8>, u64> = HashMap::new();
        t.on_each_symbol(|name, _| {
            *count.entry(name.to_vec()).or_default() += 1;
            std::ops::ControlFlow::<()>::Continue(())
        });
        let mut dups = 0;
        for (name, n) in &count {
            // Every duplicate name and every sympos from 0 to count + 1; unique
            // names with sympos 0, 1 and 2.
            if *n > 1 {
                dups += 1;
            }
            for sympos in 0..=n + 1 {
                let (kret, kaddr, kmsg) = k.klp_find_object_symbol(None, name, sympos);
                let ours = find_object_symbol(
                    KlpObject::Vmlinux(&t),
                    name,
                    sympos,
                    AddressZero::KernelCompatible,
                );
                match ours {
                    Ok(a) => {
                        assert_eq!(
                            (kret, kaddr),
                            (0, a),
                            "{} {:?},{sympos}",
                            case.stem,
                            String::from_utf8_lossy(name)
                        );
                        assert!(kmsg.is_empty());
                    }
                    Err(e) => {
                        assert_eq!((kret, kaddr), (e.to_errno(), 0));
                        let text = format!("{PR_PREFIX}{}\n", e.message(name, None, sympos));
                        assert_eq!(String::from_utf8_lossy(&kmsg), text);
                    }
                }
            }
        }
        assert!(dups > 200, "{}: {dups}", case.stem);
    }
}
