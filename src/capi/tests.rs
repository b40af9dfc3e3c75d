// SPDX-License-Identifier: GPL-2.0-only OR MIT
//! Unit tests of the C ABI shim, called from Rust over a small hand-made table.
//! (`tests/capi.rs` runs the C programs over the real fixtures.)

extern crate std;

use core::ffi::{c_char, c_int, c_uint, c_ulong, c_void};
use core::ptr;
use std::boxed::Box;
use std::vec::Vec;

use super::*;

/// (type, name, address) in address order.
const SYMS: &[(u8, &str, u64)] = &[
    (b'T', "_stext", 0x1000),
    (b't', "foo", 0x1010),
    (b't', "foo", 0x1020),
    (b'T', "bar", 0x1030),
    (b't', "foo.llvm.123", 0x1040),
    (b'T', "baz.isra.0", 0x1050),
    (b'T', "_etext", 0x1100),
];

/// The arrays of [`SYMS`] in the 6.15 layout, with one token per byte value.
struct Arrays {
    names: Vec<u8>,
    markers: Vec<u32>,
    token_table: Vec<u8>,
    token_index: Vec<u16>,
    offsets: Vec<i32>,
    seqs: Vec<u8>,
}

const BASE: u64 = 0x1000;

fn arrays() -> Arrays {
    let mut names = Vec::new();
    for (t, n, _) in SYMS {
        names.push(u8::try_from(n.len() + 1).unwrap());
        names.push(*t);
        names.extend_from_slice(n.as_bytes());
    }
    let mut token_table = Vec::new();
    let mut token_index = Vec::new();
    for c in 0..=255u8 {
        token_index.push(u16::try_from(token_table.len()).unwrap());
        token_table.push(if c == 0 { b'?' } else { c });
        token_table.push(0);
    }
    let offsets = SYMS.iter().map(|s| (s.2 - BASE) as i32).collect();
    let mut order: Vec<usize> = (0..SYMS.len()).collect();
    order.sort_by_key(|&i| (SYMS[i].1, SYMS[i].2, i));
    let seqs = order
        .iter()
        .flat_map(|&i| [0, 0, u8::try_from(i).unwrap()])
        .collect();
    Arrays {
        names,
        markers: std::vec![0],
        token_table,
        token_index,
        offsets,
        seqs,
    }
}

fn desc(a: &Arrays) -> KsymDesc {
    KsymDesc {
        names: a.names.as_ptr(),
        names_len: a.names.len(),
        markers: a.markers.as_ptr(),
        token_table: a.token_table.as_ptr().cast(),
        token_table_len: a.token_table.len(),
        token_index: a.token_index.as_ptr(),
        offsets: a.offsets.as_ptr(),
        seqs_of_names: a.seqs.as_ptr(),
        relative_base: BASE as c_ulong,
        sections: KsymSections {
            stext: 0x1000,
            etext: 0x1100,
            ..KsymSections::default()
        },
        num_syms: SYMS.len() as c_uint,
        layout: KSYM_LAYOUT_6_15,
        flags: 0,
        reserved: 0,
    }
}

fn zeroed_table() -> Box<KsymTable> {
    Box::new(KsymTable {
        opaque: [0; OPAQUE_WORDS],
    })
}

/// A table over `a` (which must outlive it).
fn table(a: &Arrays) -> Box<KsymTable> {
    let mut t = zeroed_table();
    // SAFETY: valid descriptor over arrays that outlive the table.
    assert_eq!(unsafe { ksym_table_init(&mut *t, &desc(a)) }, 0);
    t
}

fn s(b: &[u8]) -> *const c_char {
    b.as_ptr().cast()
}

#[test]
fn init_validates_and_leaves_storage_alone_on_error() {
    let a = arrays();
    let t = table(&a);
    // SAFETY: initialised table.
    assert_eq!(unsafe { ksym_num_syms(&*t) }, SYMS.len() as c_uint);

    let mut bad = desc(&a);
    bad.num_syms += 1; // one record too many: names runs out
    let mut store = zeroed_table();
    store.opaque = [0xa5a5_a5a5_a5a5_a5a5; OPAQUE_WORDS];
    let mut err = KsymFormatError::default();
    // SAFETY: the descriptor's arrays are readable for the implied lengths
    // (markers and offsets are read for one more symbol: see below).
    unsafe {
        let mut markers = a.markers.clone();
        markers.push(0);
        let mut offsets = a.offsets.clone();
        offsets.push(0x200);
        let mut seqs = a.seqs.clone();
        seqs.extend_from_slice(&[0, 0, 7]);
        bad.markers = markers.as_ptr();
        bad.offsets = offsets.as_ptr();
        bad.seqs_of_names = seqs.as_ptr();
        assert_eq!(ksym_table_init(&mut *store, &bad), -errno::EUCLEAN);
        assert_eq!(ksym_desc_check(&bad, &mut err), -errno::EUCLEAN);
    }
    assert!(store.opaque.iter().all(|&w| w == 0xa5a5_a5a5_a5a5_a5a5));
    assert_eq!(
        (err.array, err.kind, err.index),
        (KSYM_ARRAY_NAMES, KSYM_FMT_TRUNCATED, 7)
    );

    for (what, d) in [
        (
            "flags",
            KsymDesc {
                flags: 4,
                ..desc(&a)
            },
        ),
        (
            "reserved",
            KsymDesc {
                reserved: 1,
                ..desc(&a)
            },
        ),
        (
            "layout",
            KsymDesc {
                layout: 0x3f,
                ..desc(&a)
            },
        ),
        (
            "names",
            KsymDesc {
                names: ptr::null(),
                ..desc(&a)
            },
        ),
        (
            "seqs",
            KsymDesc {
                seqs_of_names: ptr::null(),
                ..desc(&a)
            },
        ),
        (
            "len",
            KsymDesc {
                names_len: usize::MAX,
                ..desc(&a)
            },
        ),
    ] {
        // SAFETY: the descriptor is readable; no array is read past its length.
        let ret = unsafe { ksym_table_init(&mut *store, &d) };
        assert_eq!(ret, EINVAL, "{what}");
    }
    // SAFETY: NULL and misaligned pointers are refused before any access.
    unsafe {
        assert_eq!(ksym_table_init(ptr::null_mut(), &desc(&a)), EINVAL);
        assert_eq!(ksym_table_init(&mut *store, ptr::null()), EINVAL);
        let misaligned = (&mut *store as *mut KsymTable).cast::<u8>().add(1);
        assert_eq!(ksym_table_init(misaligned.cast(), &desc(&a)), EINVAL);
        assert_eq!(ksym_num_syms(misaligned.cast()), 0);
    }
    assert!(store.opaque.iter().all(|&w| w == 0xa5a5_a5a5_a5a5_a5a5));
    // A table without a name index takes NULL seqs.
    let d = KsymDesc {
        seqs_of_names: ptr::null(),
        layout: KSYM_LAYOUT_ADDR_RELATIVE | KSYM_LAYOUT_SEQS_NONE,
        ..desc(&a)
    };
    // SAFETY: as above.
    unsafe {
        assert_eq!(ksym_table_init(&mut *store, &d), 0);
        assert_eq!(ksym_lookup_name(&*store, s(b"bar"), 3), 0x1030);
        let (mut lo, mut hi) = (0, 0);
        assert_eq!(
            ksym_lookup_names(&*store, s(b"bar"), 3, &mut lo, &mut hi),
            ESRCH
        );
    }
}

#[test]
fn uninitialised_tables_are_refused() {
    let t = zeroed_table();
    let mut buf = [0 as c_char; 64];
    // SAFETY: a zeroed table and valid buffers.
    unsafe {
        assert_eq!(ksym_num_syms(&*t), 0);
        assert_eq!(ksym_lookup_name(&*t, s(b"foo"), 3), 0);
        assert_eq!(ksym_get_symbol_type(&*t, 0), EINVAL);
        assert_eq!(
            ksym_lookup_symbol_name(&*t, 0x1010, buf.as_mut_ptr(), 64),
            EINVAL
        );
        assert!(ksym_lookup(
            &*t,
            0x1010,
            ptr::null_mut(),
            ptr::null_mut(),
            buf.as_mut_ptr(),
            64
        )
        .is_null());
        assert_eq!(
            ksym_lookup_size_offset(ptr::null(), 0x1010, ptr::null_mut(), ptr::null_mut()),
            0
        );
    }
}

#[test]
fn names_to_symbols() {
    let a = arrays();
    let t = table(&a);
    let t = &*t;
    let (mut lo, mut hi) = (0xdead, 0xdead);
    // SAFETY: initialised table; names readable for their lengths.
    unsafe {
        assert_eq!(ksym_lookup_name(t, s(b"foo"), 3), 0x1010);
        assert_eq!(ksym_lookup_name(t, s(b"foo\0"), 4), 0);
        assert_eq!(ksym_lookup_name_str(t, s(b"foo\0")), 0x1010);
        assert_eq!(ksym_lookup_name(t, ptr::null(), 3), 0);
        assert_eq!(ksym_lookup_name(t, s(b"foo"), KSYM_NAME_LEN), 0);
        assert_eq!(ksym_lookup_names(t, s(b"foo"), 3, &mut lo, &mut hi), 0);
        assert_eq!(hi - lo, 1);
        let mut seq = 0;
        assert_eq!(ksym_get_symbol_seq(t, lo, &mut seq), 0);
        assert_eq!(seq, 1);
        assert_eq!(
            ksym_lookup_names(t, s(b"fo"), 2, &mut lo, ptr::null_mut()),
            ESRCH
        );
        assert_eq!(
            ksym_lookup_names(t, s(b"foo"), 3, ptr::null_mut(), &mut hi),
            EINVAL
        );
        assert_eq!(ksym_get_symbol_type(t, 0), c_int::from(b'T'));
        assert_eq!(ksym_get_symbol_type(t, 1), c_int::from(b't'));
        assert_eq!(ksym_get_symbol_type(t, 7), EINVAL);
        assert_eq!(ksym_sym_address(t, 6), 0x1100);
        assert_eq!(ksym_sym_address(t, 7), 0);
    }
    // A 512-byte string without a NUL: refused, nothing read past it.
    let long = std::vec![b'x'; KSYM_NAME_LEN];
    // SAFETY: readable for KSYM_NAME_LEN bytes.
    unsafe {
        assert_eq!(ksym_lookup_name_str(t, s(&long)), 0);
        assert_eq!(ksym_lookup_names_str(t, s(&long), &mut lo, &mut hi), EINVAL);
    }
}

extern "C" fn collect_symbol(data: *mut c_void, name: *const c_char, addr: c_ulong) -> c_int {
    // SAFETY: `data` is the Vec below; `name` is NUL-terminated for the call.
    let (out, name) = unsafe {
        (
            &mut *data.cast::<Vec<(Vec<u8>, c_ulong)>>(),
            core::ffi::CStr::from_ptr(name),
        )
    };
    out.push((name.to_bytes().to_vec(), addr));
    if name.to_bytes() == b"bar" {
        -5
    } else {
        0
    }
}

extern "C" fn collect_match(data: *mut c_void, addr: c_ulong) -> c_int {
    // SAFETY: `data` is the Vec below.
    unsafe { (*data.cast::<Vec<c_ulong>>()).push(addr) };
    0
}

#[test]
fn callbacks() {
    let a = arrays();
    let t = table(&a);
    let t = &*t;
    let mut seen: Vec<(Vec<u8>, c_ulong)> = Vec::new();
    // SAFETY: the callbacks get the Vecs they expect.
    unsafe {
        let ret = ksym_on_each_symbol(t, Some(collect_symbol), (&mut seen as *mut Vec<_>).cast());
        assert_eq!(ret, -5, "the non-zero return stops the walk");
        assert_eq!(seen.len(), 4);
        assert_eq!(seen[1], (b"foo".to_vec(), 0x1010));
        assert_eq!(ksym_on_each_symbol(t, None, ptr::null_mut()), EINVAL);

        let mut addrs: Vec<c_ulong> = Vec::new();
        let data = (&mut addrs as *mut Vec<c_ulong>).cast();
        assert_eq!(
            ksym_on_each_match_symbol(t, Some(collect_match), s(b"foo"), 3, KSYM_MATCH_EXACT, data),
            0
        );
        assert_eq!(addrs, [0x1010, 0x1020]);
        addrs.clear();
        assert_eq!(
            ksym_on_each_match_symbol_str(
                t,
                Some(collect_match),
                s(b"foo\0"),
                KSYM_MATCH_LLVM,
                data
            ),
            0
        );
        assert_eq!(addrs, [0x1010, 0x1020, 0x1040]);
        addrs.clear();
        assert_eq!(
            ksym_on_each_match_symbol(t, Some(collect_match), s(b"baz"), 3, KSYM_MATCH_CLONE, data),
            0
        );
        assert_eq!(addrs, [0x1050]);
        assert_eq!(
            ksym_on_each_match_symbol(t, Some(collect_match), s(b"baz"), 3, 1 << 9, data),
            EINVAL
        );
        assert_eq!(
            ksym_on_each_match_symbol(t, None, s(b"baz"), 3, 0, data),
            EINVAL
        );
    }
}

#[test]
fn addresses_to_symbols() {
    let a = arrays();
    let t = table(&a);
    let t = &*t;
    let mut buf = [0x5a as c_char; 32];
    let (mut size, mut off) = (0, 0);
    // SAFETY: valid buffers of the sizes given.
    unsafe {
        let p = ksym_lookup(t, 0x1015, &mut size, &mut off, buf.as_mut_ptr(), 32);
        assert_eq!(p, buf.as_ptr());
        assert_eq!(core::ffi::CStr::from_ptr(p).to_bytes(), b"foo");
        assert_eq!((size, off), (0x10, 5));
        buf = [0x5a; 32];
        assert!(ksym_lookup(t, 0x1015, &mut size, &mut off, buf.as_mut_ptr(), 3).is_null());
        assert!(buf.iter().all(|&b| b == 0x5a));
        assert!(ksym_lookup(t, 0x2000, &mut size, &mut off, buf.as_mut_ptr(), 32).is_null());
        assert_eq!(
            ksym_lookup_size_offset(t, 0x10ff, &mut size, ptr::null_mut()),
            1
        );
        assert_eq!(size, 0xb0);
        assert_eq!(ksym_lookup_size_offset(t, 0x1100, &mut size, &mut off), 0);
        assert_eq!(ksym_lookup_symbol_name(t, 0x1031, buf.as_mut_ptr(), 4), 0);
        assert_eq!(
            ksym_lookup_symbol_name(t, 0x1031, buf.as_mut_ptr(), 3),
            ERANGE
        );
        assert_eq!(
            ksym_lookup_symbol_name(t, 0xfff, buf.as_mut_ptr(), 32),
            ENOENT
        );
        assert_eq!(
            ksym_lookup_symbol_name(t, 0x1031, ptr::null_mut(), 32),
            EINVAL
        );

        assert_eq!(ksym_sprint_symbol(t, buf.as_mut_ptr(), 32, 0x1015), 12);
        assert_eq!(
            core::ffi::CStr::from_ptr(buf.as_ptr()).to_bytes(),
            b"foo+0x5/0x10"
        );
        buf = [0x5a; 32];
        assert_eq!(ksym_sprint_symbol(t, buf.as_mut_ptr(), 12, 0x1015), ERANGE);
        assert!(buf.iter().all(|&b| b == 0x5a));
        assert_eq!(ksym_sprint_symbol(t, buf.as_mut_ptr(), 32, 0x2000), 6);
        assert_eq!(
            core::ffi::CStr::from_ptr(buf.as_ptr()).to_bytes(),
            b"0x2000"
        );

        let mut sp = KsymSympos::default();
        assert_eq!(
            ksym_sympos_of_address(t, 0x1025, KSYM_MATCH_EXACT, buf.as_mut_ptr(), 32, &mut sp),
            0
        );
        assert_eq!(core::ffi::CStr::from_ptr(buf.as_ptr()).to_bytes(), b"foo");
        assert_eq!(
            (sp.sympos, sp.position, sp.count, sp.kind, sp.name_len),
            (2, 2, 2, KSYM_KIND_EXACT, 3)
        );
        assert_eq!(
            ksym_sympos_of_address(t, 0x1041, KSYM_MATCH_LLVM, buf.as_mut_ptr(), 32, &mut sp),
            0
        );
        assert_eq!(core::ffi::CStr::from_ptr(buf.as_ptr()).to_bytes(), b"foo");
        assert_eq!(
            (sp.sympos, sp.position, sp.count, sp.kind),
            (3, 3, 3, KSYM_KIND_LLVM)
        );
        assert_eq!(
            ksym_sympos_of_address(t, 0x1031, 0, buf.as_mut_ptr(), 32, &mut sp),
            0
        );
        assert_eq!((sp.sympos, sp.position, sp.count), (0, 1, 1));
        assert_eq!(
            ksym_sympos_of_address(t, 0x1031, 0, buf.as_mut_ptr(), 3, &mut sp),
            ERANGE
        );
        assert_eq!(
            ksym_sympos_of_address(t, 0x2000, 0, buf.as_mut_ptr(), 32, &mut sp),
            ENOENT
        );
    }
}

#[test]
fn livepatch() {
    let a = arrays();
    let t = table(&a);
    let t = &*t;
    let (mut addr, mut reason) = (0x77, -1);
    let find = |name: &[u8], sympos: c_ulong, addr: &mut c_ulong, reason: &mut c_int| {
        // SAFETY: readable name, writable outputs.
        unsafe {
            ksym_find_object_symbol(t, ptr::null(), s(name), name.len(), sympos, 0, addr, reason)
        }
    };
    assert_eq!(find(b"foo", 0, &mut addr, &mut reason), EINVAL);
    assert_eq!((addr, reason), (0x77, KSYM_KLP_AMBIGUOUS));
    assert_eq!(find(b"foo", 2, &mut addr, &mut reason), 0);
    assert_eq!((addr, reason), (0x1020, KSYM_KLP_OK));
    assert_eq!(find(b"foo", 3, &mut addr, &mut reason), EINVAL);
    assert_eq!(reason, KSYM_KLP_POSITION);
    assert_eq!(find(b"nope", 0, &mut addr, &mut reason), EINVAL);
    assert_eq!(reason, KSYM_KLP_NOT_FOUND);
    assert_eq!(find(b"bar", 0, &mut addr, &mut reason), 0);
    assert_eq!(addr, 0x1030);

    // A module: Elf64_Sym entries (name, info, other, shndx, value, size).
    let strtab = b"\0foo\0bar\0zero\0";
    let mut symtab = Vec::new();
    for (name, shndx, value) in [
        (0u32, 0u16, 0u64),
        (1, 1, 0x10),
        (5, 0, 0x20),
        (1, 2, 0x30),
        (9, 1, 0),
    ] {
        symtab.extend_from_slice(&name.to_ne_bytes());
        symtab.extend_from_slice(&[0, 0]);
        symtab.extend_from_slice(&shndx.to_ne_bytes());
        symtab.extend_from_slice(&value.to_ne_bytes());
        symtab.extend_from_slice(&0u64.to_ne_bytes());
    }
    let mut m = KsymModule {
        symtab: symtab.as_ptr().cast(),
        num_symtab: 5,
        elf_class: KSYM_ELFCLASS64,
        strtab: s(strtab),
        strtab_size: strtab.len(),
        typetab: ptr::null(),
    };
    let find_mod = |m: &KsymModule, name: &[u8], sympos: c_ulong, flags: c_uint| {
        let (mut addr, mut reason) = (0, -1);
        // SAFETY: the module's arrays are readable for their sizes.
        let ret = unsafe {
            ksym_find_object_symbol(
                ptr::null(),
                m,
                s(name),
                name.len(),
                sympos,
                flags,
                &mut addr,
                &mut reason,
            )
        };
        (ret, addr, reason)
    };
    assert_eq!(find_mod(&m, b"foo", 0, 0), (EINVAL, 0, KSYM_KLP_AMBIGUOUS));
    assert_eq!(find_mod(&m, b"foo", 2, 0), (0, 0x30, KSYM_KLP_OK));
    assert_eq!(
        find_mod(&m, b"bar", 0, 0),
        (EINVAL, 0, KSYM_KLP_NOT_FOUND),
        "undefined"
    );
    assert_eq!(
        find_mod(&m, b"zero", 0, 0),
        (EINVAL, 0, KSYM_KLP_NOT_FOUND),
        "at 0"
    );
    assert_eq!(
        find_mod(&m, b"zero", 0, KSYM_KLP_ZERO_IS_FOUND),
        (0, 0, KSYM_KLP_OK)
    );
    m.strtab_size = 12; // "zero" loses its NUL
    assert_eq!(find_mod(&m, b"foo", 1, 0), (EINVAL, 0, KSYM_KLP_INVALID));
    m.strtab_size = strtab.len();
    m.elf_class = 3;
    assert_eq!(find_mod(&m, b"foo", 1, 0), (EINVAL, 0, KSYM_KLP_INVALID));
}

#[test]
fn klp_names() {
    let text = b".klp.sym.vmlinux.foo.llvm.7,2";
    let mut out = KsymKlpSym {
        objname: ptr::null(),
        objname_len: 0,
        name: ptr::null(),
        name_len: 0,
        sympos: 9,
    };
    // SAFETY: readable input, writable output.
    unsafe {
        assert_eq!(ksym_klp_sym_parse(s(text), text.len(), &mut out), 0);
        assert_eq!(out.objname, s(&text[9..]));
        assert_eq!((out.objname_len, out.name_len, out.sympos), (7, 10, 2));
        assert_eq!(out.name, s(&text[17..]));
        assert_eq!(ksym_klp_sym_parse(s(text), 20, &mut out), EINVAL);
        assert_eq!(ksym_klp_sym_parse(ptr::null(), 3, &mut out), EINVAL);
        assert_eq!(
            ksym_klp_sym_parse(s(text), text.len(), ptr::null_mut()),
            EINVAL
        );
        assert_eq!(ksym_klp_sym_parse_str(s(b".klp.sym.m.b,0\0"), &mut out), 0);
        assert_eq!(out.sympos, 0);
        let long = std::vec![b'x'; KSYM_KLP_SYM_LEN];
        assert_eq!(ksym_klp_sym_parse_str(s(&long), &mut out), EINVAL);
        let mut r = KsymKlpRela {
            objname: ptr::null(),
            objname_len: 0,
            section: ptr::null(),
            section_len: 0,
        };
        let rela = b".klp.rela.ext4..text.foo";
        assert_eq!(ksym_klp_rela_parse(s(rela), rela.len(), &mut r), 0);
        assert_eq!((r.objname_len, r.section_len), (4, 9));
        assert_eq!(r.section, s(&rela[15..]));
    }
}

#[test]
fn stored_table_fits() {
    assert!(size_of::<Stored>() <= KSYM_TABLE_SIZE);
    std::eprintln!(
        "struct ksym_table: {} of {KSYM_TABLE_SIZE} bytes used",
        size_of::<Stored>()
    );
}

#[test]
fn caches_attach_and_leave_the_answers_alone() {
    let a = arrays();
    let plain = table(&a);
    let mut t = table(&a);
    let mut caches = Box::new(KsymCaches {
        opaque: [0x5a5a_5a5a_5a5a_5a5a; KSYM_CACHES_SIZE / 8],
    });
    let mut zeroed = zeroed_table();
    let mut raw = Box::new([0u64; KSYM_CACHES_SIZE / 8 + 1]);
    let misaligned = raw
        .as_mut_ptr()
        .cast::<u8>()
        .wrapping_add(4)
        .cast::<KsymCaches>();
    // SAFETY: valid or NULL/misaligned/uninitialised pointers, as each case says.
    unsafe {
        assert_eq!(
            ksym_table_attach_caches(ptr::null_mut(), &mut *caches),
            EINVAL
        );
        assert_eq!(ksym_table_attach_caches(&mut *zeroed, &mut *caches), EINVAL);
        assert_eq!(ksym_table_attach_caches(&mut *t, ptr::null_mut()), EINVAL);
        assert_eq!(ksym_table_attach_caches(&mut *t, misaligned), EINVAL);
        assert!(caches.opaque.iter().all(|&w| w == 0x5a5a_5a5a_5a5a_5a5a));
        assert!(zeroed.opaque.iter().all(|&w| w == 0));
        assert_eq!(ksym_table_attach_caches(&mut *t, &mut *caches), 0);
    }
    // SAFETY: initialised above; the arrays and caches outlive the borrow.
    let stored = unsafe { table_ref(&*t) }.unwrap();
    let at = caches.opaque.as_ptr() as usize;
    assert_eq!(stored.accel.cache.map(|c| c as *const _ as usize), Some(at));
    assert_eq!(
        stored.accel.addresses.map(|c| c as *const _ as usize),
        Some(at + offset_of!(StoredCaches, addresses))
    );
    for (_, name, addr) in SYMS {
        let n = name.as_bytes();
        for probe in [*addr, addr + 1, addr + 0xf] {
            let (mut s1, mut o1, mut s2, mut o2) = (0, 0, 0, 0);
            let (mut b1, mut b2) = ([0u8; 64], [0u8; 64]);
            // SAFETY: initialised tables, buffers of the sizes given.
            unsafe {
                assert_eq!(
                    ksym_lookup_name(&*t, s(n), n.len()),
                    ksym_lookup_name(&*plain, s(n), n.len())
                );
                let r1 = ksym_lookup(
                    &*t,
                    probe as c_ulong,
                    &mut s1,
                    &mut o1,
                    b1.as_mut_ptr().cast(),
                    64,
                );
                let r2 = ksym_lookup(
                    &*plain,
                    probe as c_ulong,
                    &mut s2,
                    &mut o2,
                    b2.as_mut_ptr().cast(),
                    64,
                );
                assert_eq!((r1.is_null(), s1, o1, b1), (r2.is_null(), s2, o2, b2));
            }
        }
    }
}
