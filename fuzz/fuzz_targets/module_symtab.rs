// SPDX-License-Identifier: GPL-2.0-only OR MIT
//! Module symbol tables (`struct mod_kallsyms`): arbitrary ELF symbol, string and
//! type tables are validated as a plain reference says, and every query on a valid
//! one equals the reference's brute force.
//!
//! Input: byte 0 flags (bit 0 `Elf32`, bit 1 a type table, bit 2 big-endian), `u32`
//! lengths of the symbol and string tables, the tables, the type table (one byte
//! per symbol), then queries: a length byte and a name, repeated.
#![no_main]

use kallsyms::livepatch::{find_object_symbol, AddressZero, KlpError, KlpObject};
use kallsyms::module::{ElfClass, ModRegion, ModuleError, ModuleSymtab, SHN_UNDEF};
use kallsyms::{classify_suffix, Endian, Match, MatchKind};
use libfuzzer_sys::fuzz_target;

#[derive(Clone, Debug, PartialEq)]
struct Sym {
    name: Vec<u8>,
    value: u64,
    size: u64,
    shndx: u16,
    kind: u8,
}

fn rd(b: &[u8], at: usize, n: usize, big: bool) -> u64 {
    let s = &b[at..at + n];
    let mut v = 0u64;
    if big {
        for &x in s {
            v = (v << 8) | u64::from(x);
        }
    } else {
        for &x in s.iter().rev() {
            v = (v << 8) | u64::from(x);
        }
    }
    v
}

fn take<'a>(d: &mut &'a [u8], n: usize) -> &'a [u8] {
    let n = n.min(d.len());
    let (a, b) = d.split_at(n);
    *d = b;
    a
}

fn reference(
    symtab: &[u8],
    strtab: &[u8],
    typetab: &[u8],
    elf32: bool,
    big: bool,
) -> Result<Vec<Sym>, ModuleError> {
    let size = if elf32 { 16 } else { 24 };
    if symtab.len() % size != 0 {
        return Err(ModuleError::SymtabSize);
    }
    let count = symtab.len() / size;
    if !typetab.is_empty() && typetab.len() < count {
        return Err(ModuleError::TypetabSize);
    }
    let mut v = Vec::new();
    for i in 0..count {
        let e = &symtab[i * size..(i + 1) * size];
        let st_name = rd(e, 0, 4, big) as usize;
        let (value, sz, shndx) = if elf32 {
            (rd(e, 4, 4, big), rd(e, 8, 4, big), rd(e, 14, 2, big) as u16)
        } else {
            (rd(e, 8, 8, big), rd(e, 16, 8, big), rd(e, 6, 2, big) as u16)
        };
        let name = strtab
            .get(st_name..)
            .and_then(|r| r.iter().position(|&b| b == 0).map(|n| r[..n].to_vec()))
            .ok_or(ModuleError::BadName { index: i as u32 })?;
        v.push(Sym {
            name,
            value,
            size: sz,
            shndx,
            kind: typetab.get(i).copied().unwrap_or(b'?'),
        });
    }
    Ok(v)
}

fn is_mapping(n: &[u8]) -> bool {
    n.starts_with(b".L") || n.starts_with(b"L0") || n.first() == Some(&b'$')
}

fuzz_target!(|data: &[u8]| {
    let Some((&f, mut d)) = data.split_first() else {
        return;
    };
    let (elf32, has_types, big) = (f & 1 != 0, f & 2 != 0, f & 4 != 0);
    let lens = take(&mut d, 8);
    if lens.len() < 8 {
        return;
    }
    let symtab = take(&mut d, rd(lens, 0, 4, false) as usize);
    let strtab = take(&mut d, rd(lens, 4, 4, false) as usize);
    let size = if elf32 { 16 } else { 24 };
    let typetab = if has_types {
        take(&mut d, symtab.len() / size)
    } else {
        &[][..]
    };
    let class = if elf32 {
        ElfClass::Elf32
    } else {
        ElfClass::Elf64
    };
    let endian = if big { Endian::Big } else { Endian::Little };
    let got = ModuleSymtab::new(symtab, strtab, typetab, class, endian);
    let want = reference(symtab, strtab, typetab, elf32, big);
    let (m, syms) = match (got, want) {
        (Ok(m), Ok(s)) => (m, s),
        (Err(a), Err(b)) => {
            assert_eq!(a, b);
            return;
        }
        (a, b) => panic!("{:?} vs {:?}", a.err(), b.err()),
    };
    assert_eq!(m.len() as usize, syms.len());
    for (i, s) in syms.iter().enumerate() {
        let g = m.symbol(i as u32).expect("in range");
        assert_eq!(
            (g.name, g.value, g.size, g.shndx, g.type_letter),
            (&s.name[..], s.value, s.size, s.shndx, s.kind)
        );
    }
    assert!(m.symbol(m.len()).is_none());
    let defined: Vec<(u32, &Sym)> = syms
        .iter()
        .enumerate()
        .filter(|(_, s)| s.shndx != SHN_UNDEF)
        .map(|(i, s)| (i as u32, s))
        .collect();
    assert_eq!(
        m.defined().map(|s| s.index).collect::<Vec<_>>(),
        defined.iter().map(|d| d.0).collect::<Vec<_>>()
    );

    // Name queries: the listed names, then each symbol's own.
    let mut queries: Vec<Vec<u8>> = Vec::new();
    while let Some((&l, rest)) = d.split_first() {
        d = rest;
        queries.push(take(&mut d, usize::from(l)).to_vec());
        if queries.len() > 16 {
            break;
        }
    }
    queries.extend(syms.iter().take(16).map(|s| s.name.clone()));
    for q in &queries {
        assert_eq!(
            m.lookup_name(q).map(|s| s.index),
            defined.iter().find(|d| d.1.name == *q).map(|d| d.0)
        );
        for opts in [Match::EXACT, Match::ALL, Match::LLVM | Match::COLD] {
            let got: Vec<(u32, MatchKind, u32)> = m
                .matches(q, opts)
                .map(|(s, k, p)| (s.index, k, p))
                .collect();
            let want: Vec<(u32, MatchKind, u32)> = defined
                .iter()
                .filter_map(|(i, s)| {
                    if q.is_empty() || !s.name.starts_with(q) {
                        return None;
                    }
                    let suffix = &s.name[q.len()..];
                    if suffix.is_empty() {
                        return Some((*i, MatchKind::Exact));
                    }
                    if opts.is_empty() || suffix[0] != b'.' {
                        return None;
                    }
                    classify_suffix(suffix, opts).map(|k| (*i, k))
                })
                .zip(1u32..)
                .map(|((i, k), p)| (i, k, p))
                .collect();
            assert_eq!(got, want);
        }
        let exact: Vec<u64> = defined
            .iter()
            .filter(|d| d.1.name == *q)
            .map(|d| d.1.value)
            .collect();
        for sympos in [0u64, 1, 2, 3] {
            for zero in [AddressZero::KernelCompatible, AddressZero::Exact] {
                let obj = KlpObject::Module {
                    name: b"m",
                    symtab: &m,
                };
                let got = find_object_symbol(obj, q, sympos, zero);
                let take = if sympos == 0 { 2 } else { sympos as usize };
                let visited = &exact[..exact.len().min(take)];
                let count = visited.len() as u64;
                let addr = visited.last().copied().unwrap_or(0);
                let missing = match zero {
                    AddressZero::KernelCompatible => addr == 0,
                    AddressZero::Exact => count == 0,
                };
                let want = if missing {
                    Err(KlpError::NotFound)
                } else if count > 1 && sympos == 0 {
                    Err(KlpError::Ambiguous)
                } else if sympos > 0 && sympos != count {
                    Err(KlpError::PositionNotFound { count })
                } else {
                    Ok(addr)
                };
                assert_eq!(got, want);
                if let Err(e) = got {
                    let _ = e.message(q, Some(b"m"), sympos).to_string();
                    let _ = e.message(q, None, sympos).to_string();
                }
            }
        }
    }

    // Address queries over a region spanning the values.
    let lo = syms.iter().map(|s| s.value).min().unwrap_or(0);
    let hi = syms.iter().map(|s| s.value).max().unwrap_or(0);
    let region = ModRegion {
        base: lo,
        size: hi.wrapping_sub(lo).saturating_add(0x10),
    };
    let mut addrs: Vec<u64> = syms
        .iter()
        .take(24)
        .flat_map(|s| [s.value, s.value.wrapping_add(1)])
        .collect();
    addrs.extend([0, u64::MAX, lo.wrapping_sub(1), hi.wrapping_add(0x20)]);
    for a in addrs {
        let got = m
            .lookup_address(a, region)
            .map(|(s, size, off)| (s.index, size, off));
        let want = region.base.checked_add(region.size).and_then(|end| {
            if a < region.base || a >= end {
                return None;
            }
            let mut best: Option<(u32, u64)> = None;
            let mut next = end;
            for (i, s) in syms.iter().enumerate().skip(1) {
                if s.shndx == SHN_UNDEF || s.name.is_empty() || is_mapping(&s.name) {
                    continue;
                }
                if s.value <= a && s.value >= region.base && best.map_or(true, |b| s.value > b.1) {
                    best = Some((i as u32, s.value));
                }
                if s.value > a && s.value < next {
                    next = s.value;
                }
            }
            best.map(|(i, v)| (i, next - v, a - v))
        });
        assert_eq!(got, want, "lookup_address({a:#x})");
    }
});
