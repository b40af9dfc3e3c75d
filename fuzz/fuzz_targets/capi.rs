// SPDX-License-Identifier: GPL-2.0-only OR MIT
//! The C ABI entry points, driven through their Rust signatures: a descriptor made
//! of fuzz bytes (each array in its own heap block of exactly the size the
//! descriptor implies, so AddressSanitizer sees any read past it), then every
//! query with names and output buffers of fuzzed lengths, each in a heap block of
//! exactly that length. Answers must equal the safe API's.
#![no_main]

use std::ffi::{c_char, c_int, c_uint, c_ulong, c_void};
use std::ops::ControlFlow;
use std::ptr;

use kallsyms::capi::*;
use kallsyms::livepatch::{find_object_symbol, AddressZero, KlpObject, KlpRela, KlpSym};
use kallsyms::{Checks, Layout, Match, RawTable, Sections, SeqsFormat, Table, KSYM_NAME_LEN};
use kallsyms_fuzz::{decode, Queries, Query};
use libfuzzer_sys::fuzz_target;

/// A heap block of exactly `bytes` (a `Vec` with no spare capacity).
fn exact(bytes: &[u8]) -> Box<[u8]> {
    bytes.to_vec().into_boxed_slice()
}

/// `bytes` padded with zeros (or cut) to exactly `len`.
fn sized(bytes: &[u8], len: usize) -> Box<[u8]> {
    let mut v = bytes[..bytes.len().min(len)].to_vec();
    v.resize(len, 0);
    v.into_boxed_slice()
}

fn ptr_or_null(b: &[u8], null_if_empty: bool) -> *const u8 {
    if b.is_empty() && null_if_empty {
        ptr::null()
    } else {
        b.as_ptr()
    }
}

/// A NUL-terminated copy for the `_str` functions: up to the first NUL, then a NUL;
/// or, when that is `KSYM_NAME_LEN` bytes or more, exactly `bound` bytes with no
/// NUL, so that a read past `bound` is caught.
fn c_str(q: &[u8], bound: usize) -> Box<[u8]> {
    let s = &q[..q.iter().position(|&b| b == 0).unwrap_or(q.len())];
    if s.len() < bound {
        let mut v = s.to_vec();
        v.push(0);
        v.into_boxed_slice()
    } else {
        let mut v = s[..bound].to_vec();
        v.truncate(bound);
        v.into_boxed_slice()
    }
}

/// What `c_str` gives the function to look at: `None` without a NUL in `bound`.
fn c_str_name(q: &[u8], bound: usize) -> Option<&[u8]> {
    let s = &q[..q.iter().position(|&b| b == 0).unwrap_or(q.len())];
    (s.len() < bound).then_some(s)
}

struct Calls {
    seen: Vec<(Vec<u8>, c_ulong)>,
    stop_after: usize,
}

unsafe extern "C" fn on_symbol(data: *mut c_void, name: *const c_char, addr: c_ulong) -> c_int {
    // SAFETY: `data` is the `Calls` passed below; `name` is NUL-terminated.
    let calls = unsafe { &mut *data.cast::<Calls>() };
    let name = unsafe { std::ffi::CStr::from_ptr(name) }
        .to_bytes()
        .to_vec();
    calls.seen.push((name, addr));
    if calls.seen.len() >= calls.stop_after {
        7
    } else {
        0
    }
}

unsafe extern "C" fn on_match(data: *mut c_void, addr: c_ulong) -> c_int {
    // SAFETY: `data` is the `Calls` passed below.
    let calls = unsafe { &mut *data.cast::<Calls>() };
    calls.seen.push((Vec::new(), addr));
    if calls.seen.len() >= calls.stop_after {
        -5
    } else {
        0
    }
}

fn zeroed_table() -> Box<KsymTable> {
    // SAFETY: KsymTable is plain words; all-zero is its "not initialised" state.
    unsafe { Box::new(std::mem::zeroed()) }
}

fuzz_target!(|data: &[u8]| {
    let Some(input) = decode(data) else { return };
    let r = input.raw;
    let n = r.num_syms;
    if n > 100_000 && n <= kallsyms::MAX_SYMS {
        // The implied arrays would be large allocations; the validation paths are
        // those of the `table` target.
        return;
    }
    let bits = u32::from(u16::from_le_bytes([data[0], data[1]])) & 0x7fff;
    let layout = Layout::from_bits(bits).ok();
    let nn = if n > kallsyms::MAX_SYMS {
        0
    } else {
        n as usize
    };
    let addr_bytes = layout.map_or(4, |l| l.address_entry_bytes());
    let seqs_bytes = layout.map_or(0, |l| l.seqs_entry_bytes());
    let names = exact(r.names);
    let markers = sized(r.markers, nn.div_ceil(256) * 4);
    let token_table = exact(r.token_table);
    let token_index = sized(r.token_index, 512);
    let offsets = sized(r.offsets, nn * addr_bytes);
    let seqs = sized(r.seqs_of_names, nn * seqs_bytes);
    let null_empty = data[3] & 1 != 0;
    let s = input.sections.unwrap_or_default();
    let desc = KsymDesc {
        names: ptr_or_null(&names, null_empty),
        names_len: names.len(),
        markers: ptr_or_null(&markers, null_empty).cast(),
        token_table: ptr_or_null(&token_table, null_empty).cast(),
        token_table_len: token_table.len(),
        token_index: token_index.as_ptr().cast(),
        offsets: ptr_or_null(&offsets, null_empty).cast(),
        seqs_of_names: ptr_or_null(&seqs, true),
        relative_base: r.relative_base as c_ulong,
        sections: KsymSections {
            stext: s.stext as c_ulong,
            etext: s.etext as c_ulong,
            sinittext: s.sinittext as c_ulong,
            einittext: s.einittext as c_ulong,
            init_begin: s.init_begin as c_ulong,
            init_end: s.init_end as c_ulong,
            end: s.end as c_ulong,
        },
        num_syms: n,
        layout: bits,
        flags: c_uint::from(data[2] >> 6),
        reserved: c_uint::from(data[3] >> 7),
    };

    // The safe API on the same bytes.
    let raw = RawTable {
        num_syms: n,
        names: &names,
        markers: &markers,
        token_table: &token_table,
        token_index: &token_index,
        offsets: &offsets,
        relative_base: r.relative_base,
        offsets_addr: offsets.as_ptr() as u64,
        seqs_of_names: if layout.is_some_and(|l| l.seqs != SeqsFormat::None) {
            &seqs
        } else {
            &[]
        },
    };
    let checks = if desc.flags & KSYM_DESC_SKIP_NAME_ORDER != 0 {
        Checks::SkipNameOrder
    } else {
        Checks::Full
    };
    let sections = Sections {
        kallsyms_all: desc.flags & KSYM_DESC_KALLSYMS_ALL != 0,
        ..s
    };
    let safe =
        layout.map(|l| Table::with_checks(raw, l, checks).map(|t| t.with_sections(sections)));
    let desc_ok = desc.flags & !3 == 0 && desc.reserved == 0;

    let mut err = KsymFormatError::default();
    // SAFETY: `desc` describes live arrays of the implied sizes; `err` is writable.
    let rc = unsafe { ksym_desc_check(&desc, &mut err) };
    let mut storage = zeroed_table();
    // SAFETY: as above; `storage` is zeroed, aligned and exclusive.
    let rc_init = unsafe { ksym_table_init(&mut *storage, &desc) };
    assert_eq!(rc, rc_init);
    match (&safe, desc_ok) {
        (_, false) => assert_eq!(rc, -22, "bad flags or reserved"),
        (None, true) => {
            assert_eq!(rc, -22, "bad layout bits");
            assert_eq!(err.array, KSYM_ARRAY_LAYOUT);
        }
        (Some(Err(e)), true) => {
            assert_eq!(rc, e.to_errno(), "{e:?}");
            assert_eq!(
                (err.array, err.kind, err.index),
                (e.array as c_uint, e.kind as c_uint, e.index)
            );
        }
        (Some(Ok(_)), true) => {
            // A 64-bit ABI takes every layout; a NULL empty array is fine.
            assert_eq!(rc, 0, "safe API accepts, C ABI says {rc}");
        }
    }

    // Bad tables answer "nothing" everywhere.
    let zero = zeroed_table();
    for tp in [ptr::null(), &*zero as *const KsymTable] {
        // SAFETY: NULL or a zeroed table.
        unsafe {
            assert_eq!(ksym_num_syms(tp), 0);
            assert_eq!(ksym_sym_address(tp, 0), 0);
            assert_eq!(ksym_lookup_name(tp, b"x".as_ptr().cast(), 1), 0);
            assert_eq!(ksym_sprint_symbol(tp, ptr::null_mut(), 0, 0), -22);
        }
    }

    let Some(Ok(t)) = &safe else { return };
    if rc != 0 {
        return;
    }
    let tp: *const KsymTable = &*storage;

    // SAFETY (every call below): `tp` is initialised from arrays that outlive it;
    // names and buffers are live heap blocks of exactly the lengths passed.
    unsafe {
        assert_eq!(ksym_num_syms(tp), t.len());
        for i in [
            0,
            1,
            t.len() / 2,
            t.len().saturating_sub(1),
            t.len(),
            u32::MAX,
        ] {
            assert_eq!(ksym_sym_address(tp, i), t.address(i) as c_ulong);
            let mut seq = 0xdead;
            let rc = ksym_get_symbol_seq(tp, i, &mut seq);
            match t.name_index_entry(i) {
                Some(s) => assert_eq!((rc, seq), (0, s)),
                None => assert_eq!((rc, seq), (-22, 0xdead)),
            }
            let ty = ksym_get_symbol_type(tp, i);
            assert_eq!(ty, t.symbol(i).map_or(-22, |s| c_int::from(s.type_letter)));
        }
        assert_eq!(ksym_get_symbol_seq(tp, 0, ptr::null_mut()), -22);

        // Every symbol, stopping early when the fuzzer says.
        let stop = input
            .rest
            .first()
            .map_or(usize::MAX, |&b| usize::from(b) + 1);
        let mut calls = Calls {
            seen: Vec::new(),
            stop_after: stop,
        };
        let rc = ksym_on_each_symbol(tp, Some(on_symbol), (&mut calls as *mut Calls).cast());
        let mut want = Vec::new();
        t.on_each_symbol(|name, addr| {
            want.push((name.to_vec(), addr as c_ulong));
            if want.len() >= stop {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        });
        assert_eq!(calls.seen, want);
        assert_eq!(rc, if want.len() >= stop { 7 } else { 0 });
        assert_eq!(ksym_on_each_symbol(tp, None, ptr::null_mut()), -22);

        check_module(input.rest);

        let mut q = Queries::new(input.rest);
        for _ in 0..24 {
            let Some(query) = q.next_query() else { break };
            let (name, opts_bits, addr) = match query {
                Query::Name(name, opts) => {
                    (name, opts.bits() | u32::from(data[3] & 0x80) << 1, None)
                }
                Query::SymName(i, v, opts) if !t.is_empty() => {
                    let sym = t.symbol(u32::from(i) % t.len()).expect("in range");
                    let mut buf = [0u8; KSYM_NAME_LEN];
                    let name = kallsyms_fuzz::name_variant(t.name(&sym, &mut buf), v);
                    (name, opts.bits(), Some(sym.address))
                }
                Query::Addr(a) => (Vec::new(), u32::from(data[4]), Some(a)),
                Query::SymAddr(i, d) if !t.is_empty() => {
                    let a = t.address(u32::from(i) % t.len());
                    (Vec::new(), 0, Some(a.wrapping_add_signed(i64::from(d))))
                }
                _ => continue,
            };
            check_name(t, tp, &name, opts_bits);
            if let Some(a) = addr {
                check_addr(t, tp, a, opts_bits, name.len());
            }
        }
    }
});

/// Name queries through the C ABI against the safe API.
// `c_ulong` is `u64` here but `u32` on 32-bit targets.
#[allow(clippy::useless_conversion)]
unsafe fn check_name(t: &Table<'_>, tp: *const KsymTable, q: &[u8], opts_bits: u32) {
    let qb = exact(q);
    let (qp, ql) = (qb.as_ptr().cast::<c_char>(), qb.len());
    let valid = q.len() < KSYM_NAME_LEN;
    let cs = c_str(q, KSYM_NAME_LEN);
    let cq = c_str_name(q, KSYM_NAME_LEN);
    unsafe {
        // kallsyms_lookup_name.
        let want = t.lookup_name(q).map_or(0, |s| s.address as c_ulong);
        assert_eq!(ksym_lookup_name(tp, qp, ql), want);
        let want_str = cq
            .and_then(|c| t.lookup_name(c))
            .map_or(0, |s| s.address as c_ulong);
        assert_eq!(ksym_lookup_name_str(tp, cs.as_ptr().cast()), want_str);
        assert_eq!(ksym_lookup_name(tp, ptr::null(), ql), 0);

        // kallsyms_lookup_names.
        let (mut lo, mut hi) = (u32::MAX, u32::MAX);
        let rc = ksym_lookup_names(tp, qp, ql, &mut lo, &mut hi);
        match (valid, t.lookup_names(q)) {
            (false, _) => assert_eq!(rc, -22),
            (true, Some((a, b))) => assert_eq!((rc, lo, hi), (0, a, b)),
            (true, None) => assert_eq!((rc, lo, hi), (-3, u32::MAX, u32::MAX)),
        }
        let rc = ksym_lookup_names_str(tp, cs.as_ptr().cast(), &mut lo, ptr::null_mut());
        match cq.map(|c| t.lookup_names(c)) {
            None => assert_eq!(rc, -22),
            Some(Some((a, _))) => assert_eq!((rc, lo), (0, a)),
            Some(None) => assert_eq!(rc, -3),
        }
        assert_eq!(
            ksym_lookup_names(tp, qp, ql, ptr::null_mut(), ptr::null_mut()),
            -22
        );

        // kallsyms_on_each_match_symbol, with every stop.
        let opts = Match::from_bits(opts_bits);
        let want: Vec<c_ulong> = match (opts, valid) {
            (Some(o), true) => t
                .matches(q, o)
                .map(|f| f.symbol.address as c_ulong)
                .collect(),
            _ => Vec::new(),
        };
        for stop in [1, 2, usize::MAX] {
            let mut calls = Calls {
                seen: Vec::new(),
                stop_after: stop,
            };
            let rc = ksym_on_each_match_symbol(
                tp,
                Some(on_match),
                qp,
                ql,
                opts_bits,
                (&mut calls as *mut Calls).cast(),
            );
            if opts.is_none() || !valid {
                assert_eq!((rc, calls.seen.len()), (-22, 0));
                continue;
            }
            let got: Vec<c_ulong> = calls.seen.iter().map(|c| c.1).collect();
            assert_eq!(&got[..], &want[..want.len().min(stop)]);
            assert_eq!(rc, if want.len() >= stop { -5 } else { 0 });
        }
        let mut calls = Calls {
            seen: Vec::new(),
            stop_after: usize::MAX,
        };
        let rc = ksym_on_each_match_symbol_str(
            tp,
            Some(on_match),
            cs.as_ptr().cast(),
            opts_bits,
            (&mut calls as *mut Calls).cast(),
        );
        match (cq, opts) {
            (Some(c), Some(o)) => {
                assert_eq!(rc, 0);
                let want: Vec<c_ulong> = t
                    .matches(c, o)
                    .map(|f| f.symbol.address as c_ulong)
                    .collect();
                let got: Vec<c_ulong> = calls.seen.iter().map(|c| c.1).collect();
                assert_eq!(got, want);
            }
            _ => assert_eq!(rc, -22),
        }

        // klp_find_object_symbol on vmlinux.
        for sympos in [0 as c_ulong, 1, 2, 3] {
            for flags in [0, KSYM_KLP_ZERO_IS_FOUND, 2] {
                let mut addr: c_ulong = 0x5a5a;
                let mut reason: c_int = 99;
                let rc = ksym_find_object_symbol(
                    tp,
                    ptr::null(),
                    qp,
                    ql,
                    sympos,
                    flags,
                    &mut addr,
                    &mut reason,
                );
                let zero = match flags {
                    0 => Some(AddressZero::KernelCompatible),
                    KSYM_KLP_ZERO_IS_FOUND => Some(AddressZero::Exact),
                    _ => None,
                };
                match (zero, valid) {
                    (Some(z), true) => {
                        match find_object_symbol(KlpObject::Vmlinux(t), q, u64::from(sympos), z) {
                            Ok(a) => assert_eq!((rc, addr, reason), (0, a as c_ulong, KSYM_KLP_OK)),
                            Err(e) => assert_eq!((rc, addr, reason), (-22, 0x5a5a, e.code())),
                        }
                    }
                    _ => assert_eq!((rc, addr, reason), (-22, 0x5a5a, KSYM_KLP_INVALID)),
                }
            }
        }

        // The livepatch name parsers on the same bytes.
        let mut out = KsymKlpSym {
            objname: ptr::null(),
            objname_len: 0,
            name: ptr::null(),
            name_len: 0,
            sympos: 0,
        };
        let rc = ksym_klp_sym_parse(qp, ql, &mut out);
        match KlpSym::parse(q) {
            Ok(s) => {
                assert_eq!(rc, 0);
                let base = qb.as_ptr() as usize;
                assert_eq!(
                    out.objname as usize - base,
                    s.objname.as_ptr() as usize - q.as_ptr() as usize
                );
                assert_eq!(
                    (out.objname_len, out.name_len, out.sympos),
                    (s.objname.len(), s.name.len(), s.sympos as c_ulong)
                );
                assert!(out.name as usize + out.name_len <= base + ql);
            }
            Err(_) => assert_eq!(rc, -22),
        }
        let ks = c_str(q, KSYM_KLP_SYM_LEN);
        let rc = ksym_klp_sym_parse_str(ks.as_ptr().cast(), &mut out);
        let want = c_str_name(q, KSYM_KLP_SYM_LEN).map(KlpSym::parse);
        assert_eq!(rc == 0, matches!(want, Some(Ok(_))));
        let mut rela = KsymKlpRela {
            objname: ptr::null(),
            objname_len: 0,
            section: ptr::null(),
            section_len: 0,
        };
        let rc = ksym_klp_rela_parse(qp, ql, &mut rela);
        match KlpRela::parse(q) {
            Ok(r) => {
                assert_eq!(rc, 0);
                assert_eq!(
                    (rela.objname_len, rela.section_len),
                    (r.objname.len(), r.section.len())
                );
                assert!(rela.section as usize + rela.section_len <= qb.as_ptr() as usize + ql);
            }
            Err(_) => assert_eq!(rc, -22),
        }
    }
}

/// Address queries through the C ABI against the safe API; `size` picks buffer sizes.
unsafe fn check_addr(t: &Table<'_>, tp: *const KsymTable, a: u64, opts_bits: u32, size: usize) {
    let ca = a as c_ulong;
    let found = t.lookup_address(a);
    let mut full = [0u8; KSYM_NAME_LEN];
    let name: Option<Vec<u8>> = found.map(|(s, _)| t.name(&s, &mut full).to_vec());
    for bufsize in [
        0,
        size % 40,
        name.as_ref().map_or(1, |n| n.len()),
        name.as_ref().map_or(2, |n| n.len() + 1),
        KSYM_NAME_LEN,
    ] {
        let mut buf = vec![0xaau8; bufsize].into_boxed_slice();
        let bp = if bufsize == 0 {
            ptr::null_mut()
        } else {
            buf.as_mut_ptr().cast::<c_char>()
        };
        unsafe {
            // kallsyms_lookup.
            let (mut sz, mut off): (c_ulong, c_ulong) = (1, 1);
            let r = ksym_lookup(tp, ca, &mut sz, &mut off, bp, bufsize);
            match (&found, &name) {
                (Some((_, p)), Some(n)) if !n.is_empty() && n.len() < bufsize => {
                    assert_eq!(r, bp.cast_const());
                    assert_eq!((sz, off), (p.size as c_ulong, p.offset as c_ulong));
                    assert_eq!(&buf[..=n.len()], &[&n[..], &[0]].concat()[..]);
                }
                _ => {
                    assert!(r.is_null());
                    assert_eq!((sz, off), (1, 1));
                    assert!(buf.iter().all(|&b| b == 0xaa));
                }
            }
            // kallsyms_lookup_size_offset.
            let r = ksym_lookup_size_offset(tp, ca, ptr::null_mut(), &mut off);
            assert_eq!(r, c_int::from(found.is_some()));
            // lookup_symbol_name.
            let r = ksym_lookup_symbol_name(tp, ca, bp, bufsize);
            match &name {
                None => assert_eq!(r, -2),
                Some(n) if n.len() < bufsize => assert_eq!(r, 0),
                Some(_) => assert_eq!(r, -34),
            }
            // sprint_symbol.
            let mut text = [0u8; 600];
            let len = t.sprint_symbol(a, &mut text).expect("600 suffice");
            let mut sb = vec![0u8; bufsize].into_boxed_slice();
            let sp = if bufsize == 0 {
                ptr::null_mut()
            } else {
                sb.as_mut_ptr().cast::<c_char>()
            };
            let r = ksym_sprint_symbol(tp, sp, bufsize, ca);
            if len < bufsize {
                assert_eq!(r, len as c_int);
                assert_eq!(&sb[..len], &text[..len]);
                assert_eq!(sb[len], 0);
            } else {
                assert_eq!(r, -34);
            }
            // Reverse sympos.
            let mut out = KsymSympos::default();
            let r = ksym_sympos_of_address(tp, ca, opts_bits, bp, bufsize, &mut out);
            let opts = Match::from_bits(opts_bits);
            match (opts, found) {
                (None, _) => assert_eq!(r, -22),
                (Some(_), None) => assert_eq!(r, -2),
                (Some(o), Some((s, _))) => match t.sympos_of(s.index, o) {
                    None => assert_eq!(r, -2),
                    Some(sp) if (sp.name_len as usize) < bufsize => {
                        assert_eq!(r, 0);
                        assert_eq!(
                            (out.position, out.count, out.name_len, out.kind),
                            (sp.position, sp.count, sp.name_len, sp.kind as c_uint)
                        );
                        assert_eq!(out.sympos, c_ulong::from(sp.livepatch()));
                    }
                    Some(_) => assert_eq!(r, -34),
                },
            }
        }
    }
    unsafe {
        assert_eq!(
            ksym_sympos_of_address(tp, ca, 0, ptr::null_mut(), 0, ptr::null_mut()),
            -22
        );
    }
}

/// `ksym_find_object_symbol` on a module whose tables are made of the query bytes
/// (byte 0: class and whether there is a type table; byte 1: symbol count), each
/// in a heap block of exactly its size, against the safe API.
// `c_ulong` is `u64` here but `u32` on 32-bit targets.
#[allow(clippy::useless_conversion)]
unsafe fn check_module(rest: &[u8]) {
    use kallsyms::module::{ElfClass, ModuleSymtab};
    let (Some(&f), Some(&count)) = (rest.first(), rest.get(1)) else {
        return;
    };
    let class = match f % 3 {
        0 => KSYM_ELFCLASS_NATIVE,
        1 => KSYM_ELFCLASS32,
        _ => KSYM_ELFCLASS64,
    };
    let elf = if class == KSYM_ELFCLASS32 {
        ElfClass::Elf32
    } else {
        ElfClass::Elf64
    };
    let count = usize::from(count % 16);
    let body = &rest[2..];
    let symtab = sized(body, count * elf.sym_size());
    let strtab = exact(body.get(count * elf.sym_size()..).unwrap_or(&[]));
    let typetab = sized(body, count);
    let with_types = f & 4 != 0;
    let m = KsymModule {
        symtab: symtab.as_ptr().cast(),
        num_symtab: count as c_uint,
        elf_class: class | if f & 8 != 0 { 4 } else { 0 },
        strtab: strtab.as_ptr().cast(),
        strtab_size: strtab.len(),
        typetab: if with_types {
            typetab.as_ptr().cast()
        } else {
            ptr::null()
        },
    };
    let safe = ModuleSymtab::new(
        &symtab,
        &strtab,
        if with_types { &typetab[..] } else { &[] },
        elf,
        kallsyms::Endian::NATIVE,
    )
    .ok()
    .filter(|_| f & 8 == 0);
    // Names to look for: every symbol's, then one from the string table's start.
    let mut names: Vec<Vec<u8>> = safe
        .iter()
        .flat_map(|s| s.defined().map(|d| d.name.to_vec()).collect::<Vec<_>>())
        .take(6)
        .collect();
    names.push(strtab.iter().take_while(|&&b| b != 0).copied().collect());
    for name in names {
        let nb = exact(&name);
        for sympos in [0 as c_ulong, 1, 2] {
            let mut addr: c_ulong = 0x5a5a;
            let mut reason: c_int = 99;
            // SAFETY: every pointer is a live block of the size the descriptor says.
            let rc = unsafe {
                ksym_find_object_symbol(
                    ptr::null(),
                    &m,
                    nb.as_ptr().cast(),
                    nb.len(),
                    sympos,
                    KSYM_KLP_ZERO_IS_FOUND,
                    &mut addr,
                    &mut reason,
                )
            };
            match &safe {
                None => assert_eq!((rc, reason), (-22, KSYM_KLP_INVALID)),
                Some(st) if name.len() < KSYM_NAME_LEN => {
                    let obj = KlpObject::Module {
                        name: b"m",
                        symtab: st,
                    };
                    match find_object_symbol(obj, &name, u64::from(sympos), AddressZero::Exact) {
                        Ok(a) => assert_eq!((rc, addr, reason), (0, a as c_ulong, KSYM_KLP_OK)),
                        Err(e) => assert_eq!((rc, addr, reason), (-22, 0x5a5a, e.code())),
                    }
                }
                Some(_) => assert_eq!(rc, -22),
            }
        }
    }
}
