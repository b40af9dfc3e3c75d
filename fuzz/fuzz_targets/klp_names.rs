// SPDX-License-Identifier: GPL-2.0-only OR MIT
//! `.klp.sym.` / `.klp.rela.` name parsers: arbitrary bytes give the error a plain
//! reference parser gives, a parsed name re-encodes to one that parses the same,
//! and `Display` round-trips whenever it prints the bytes as they are.
#![no_main]

use kallsyms::livepatch::{KlpNameError, KlpRela, KlpSym, KLP_OBJNAME_MAX};
use kallsyms::KSYM_NAME_LEN;
use libfuzzer_sys::fuzz_target;

/// The reference: `(objname, rest)` after `prefix`, with the errors in the order
/// the documentation gives them.
fn split_obj<'a>(s: &'a [u8], prefix: &[u8]) -> Result<(&'a [u8], &'a [u8]), KlpNameError> {
    if s.contains(&0) {
        return Err(KlpNameError::Nul);
    }
    if !s.starts_with(prefix) {
        return Err(KlpNameError::Prefix);
    }
    let rest = &s[prefix.len()..];
    let dot = rest.iter().position(|&b| b == b'.');
    let obj = &rest[..dot.unwrap_or(rest.len())];
    if obj.is_empty() {
        return Err(KlpNameError::EmptyObject);
    }
    if obj.len() > KLP_OBJNAME_MAX {
        return Err(KlpNameError::ObjectTooLong);
    }
    let dot = dot.ok_or(KlpNameError::MissingDot)?;
    Ok((obj, &rest[dot + 1..]))
}

fn ref_sym(s: &[u8]) -> Result<(&[u8], &[u8], u64), KlpNameError> {
    let (obj, rest) = split_obj(s, b".klp.sym.")?;
    let comma = rest.iter().position(|&b| b == b',');
    let name = &rest[..comma.unwrap_or(rest.len())];
    if name.is_empty() {
        return Err(KlpNameError::EmptyName);
    }
    if name.len() > KSYM_NAME_LEN - 1 {
        return Err(KlpNameError::NameTooLong);
    }
    let comma = comma.ok_or(KlpNameError::MissingComma)?;
    let digits = &rest[comma + 1..];
    if digits.is_empty() || digits.iter().any(|b| !b.is_ascii_digit()) {
        return Err(KlpNameError::BadSympos);
    }
    let v: u128 = digits
        .iter()
        .try_fold(0u128, |v, &d| {
            v.checked_mul(10)?
                .checked_add(u128::from(d - b'0'))
                .filter(|&v| v <= u128::from(u64::MAX))
        })
        .ok_or(KlpNameError::SymposOverflow)?;
    Ok((obj, name, v as u64))
}

fn ref_rela(s: &[u8]) -> Result<(&[u8], &[u8]), KlpNameError> {
    let (obj, section) = split_obj(s, b".klp.rela.")?;
    if section.is_empty() {
        return Err(KlpNameError::EmptyName);
    }
    Ok((obj, section))
}

fn printable(b: &[u8]) -> bool {
    b.iter().all(|&c| c.is_ascii_graphic() || c == b' ')
}

fuzz_target!(|data: &[u8]| {
    // Both parsers on the bytes as they are.
    let sym = KlpSym::parse(data);
    assert_eq!(
        sym.map(|s| (s.objname, s.name, s.sympos)),
        ref_sym(data),
        "{:?}",
        String::from_utf8_lossy(data)
    );
    if let Ok(s) = sym {
        let canon = [
            b".klp.sym.",
            s.objname,
            b".",
            s.name,
            b",",
            s.sympos.to_string().as_bytes(),
        ]
        .concat();
        assert_eq!(KlpSym::parse(&canon), Ok(s));
        let text = s.to_string();
        if printable(s.objname) && printable(s.name) {
            assert_eq!(text.as_bytes(), &canon[..]);
        } else {
            // Escaped as \xNN: readable, and still a name of the same shape.
            assert!(text.is_ascii());
        }
        assert!(s.is_vmlinux() == (s.objname == b"vmlinux"));
    }
    let rela = KlpRela::parse(data);
    assert_eq!(rela.map(|r| (r.objname, r.section)), ref_rela(data));
    if let Ok(r) = rela {
        let canon = [b".klp.rela.", r.objname, b".", r.section].concat();
        assert_eq!(&canon[..], data);
        let text = r.to_string();
        if printable(r.objname) && printable(r.section) {
            assert_eq!(text.as_bytes(), data);
        }
    }

    // The bytes as the parts of a name: building the name from them and parsing it
    // gives them back, or the reference's error.
    if let Some((&cut, rest)) = data.split_first() {
        let cut = usize::from(cut).min(rest.len());
        let (obj, name) = rest.split_at(cut);
        let sympos = u64::from(cut as u32) * 0x0101_0101_0101;
        let built = [
            b".klp.sym.",
            obj,
            b".",
            name,
            b",",
            sympos.to_string().as_bytes(),
        ]
        .concat();
        let got = KlpSym::parse(&built);
        assert_eq!(got.map(|s| (s.objname, s.name, s.sympos)), ref_sym(&built));
        if let Ok(s) = got {
            if !obj.contains(&b'.') && !name.contains(&b',') {
                assert_eq!((s.objname, s.name, s.sympos), (obj, name, sympos));
            }
        }
    }
});
