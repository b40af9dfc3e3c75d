// SPDX-License-Identifier: GPL-2.0-only OR MIT
//! `.klp.sym.` and `.klp.rela.` names: the kernel's limits (`kernel/livepatch/core.c`
//! 6.12: `%55[^.]`, `%511[^,]`, `%lu`), every malformed form with its named error,
//! and formatting that parses back to the same value.

use kallsyms::livepatch::{KlpNameError as E, KlpRela, KlpSym};

#[test]
fn well_formed_names_parse() {
    let s = KlpSym::parse(b".klp.sym.vmlinux.kallsyms_test_func_static,0").unwrap();
    assert_eq!(
        (s.objname, s.name, s.sympos),
        (&b"vmlinux"[..], &b"kallsyms_test_func_static"[..], 0)
    );
    assert!(s.is_vmlinux());
    let s =
        KlpSym::parse(b".klp.sym.btrfs.btrfs_file_read_iter.llvm.3433979326929198294,2").unwrap();
    assert_eq!(s.objname, b"btrfs");
    assert_eq!(s.name, b"btrfs_file_read_iter.llvm.3433979326929198294");
    assert_eq!(s.sympos, 2);
    assert!(!s.is_vmlinux());
    let obj55 = vec![b'm'; 55];
    let name511 = vec![b'n'; 511];
    let text = [
        &b".klp.sym."[..],
        &obj55,
        b".",
        &name511,
        b",18446744073709551615",
    ]
    .concat();
    let s = KlpSym::parse(&text).unwrap();
    assert_eq!(
        (s.objname.len(), s.name.len(), s.sympos),
        (55, 511, u64::MAX)
    );
}

#[test]
fn every_malformed_form_has_its_error() {
    let obj56 = [&b".klp.sym."[..], &[b'm'; 56], b".foo,1"].concat();
    let name512 = [&b".klp.sym.vmlinux."[..], &[b'n'; 512], b",1"].concat();
    let cases: [(&[u8], E); 14] = [
        (b".klp.sim.vmlinux.foo,1", E::Prefix),
        (b"klp.sym.vmlinux.foo,1", E::Prefix),
        (b".klp.sym..foo,1", E::EmptyObject),
        (&obj56, E::ObjectTooLong),
        (b".klp.sym.vmlinux", E::MissingDot),
        (b".klp.sym.vmlinux.,1", E::EmptyName),
        (&name512, E::NameTooLong),
        (b".klp.sym.vmlinux.foo", E::MissingComma),
        (b".klp.sym.vmlinux.foo,", E::BadSympos),
        (b".klp.sym.vmlinux.foo, 1", E::BadSympos),
        (b".klp.sym.vmlinux.foo,-1", E::BadSympos),
        (b".klp.sym.vmlinux.foo,1x", E::BadSympos),
        (
            b".klp.sym.vmlinux.foo,18446744073709551616",
            E::SymposOverflow,
        ),
        (b".klp.sym.vmlinux.fo\0o,1", E::Nul),
    ];
    for (text, want) in cases {
        assert_eq!(
            KlpSym::parse(text),
            Err(want),
            "{:?}",
            String::from_utf8_lossy(text)
        );
        // Every error maps to the kernel's -EINVAL.
        assert_eq!(want.to_errno(), -22);
    }
}

#[test]
fn rela_sections() {
    let r = KlpRela::parse(b".klp.rela.vmlinux..text.cmdline_proc_show").unwrap();
    assert_eq!(r.objname, b"vmlinux");
    assert_eq!(r.section, b".text.cmdline_proc_show");
    assert_eq!(r.to_string(), ".klp.rela.vmlinux..text.cmdline_proc_show");
    assert_eq!(KlpRela::parse(b".klp.rela.vmlinux"), Err(E::MissingDot));
    assert_eq!(KlpRela::parse(b".klp.rela.vmlinux."), Err(E::EmptyName));
    assert_eq!(KlpRela::parse(b".klp.rela..text"), Err(E::EmptyObject));
    assert_eq!(KlpRela::parse(b".rela.text"), Err(E::Prefix));
}

#[test]
fn formatting_round_trips() {
    for text in [
        &b".klp.sym.vmlinux.c_start.llvm.8011538628216713357,3"[..],
        b".klp.sym.ext4.ext4_sync_file,0",
        b".klp.sym.vmlinux.__func__.1,12",
    ] {
        let s = KlpSym::parse(text).unwrap();
        assert_eq!(s.to_string().as_bytes(), text);
        assert_eq!(KlpSym::parse(s.to_string().as_bytes()), Ok(s));
    }
}
