// SPDX-License-Identifier: GPL-2.0-only OR MIT
//! Map text parsers (`nm`/System.map and `/proc/kallsyms`): arbitrary bytes,
//! including invalid UTF-8, NUL bytes and huge lines. The whole-map parser must
//! agree with the line iterator and the line parser, every symbol must be well
//! formed, re-printing what was read must read back the same, and the address
//! parser must agree with glibc's `strtoull(.., 16)`.
#![no_main]

use std::ffi::{c_char, c_int, CString};

use kallsyms::build::map::{parse_line, strtoull_hex};
use kallsyms::build::{lines, parse_map, MapItem, ParseMode};
use kallsyms::KSYM_NAME_LEN;
use libfuzzer_sys::fuzz_target;

extern "C" {
    fn strtoull(s: *const c_char, end: *mut *mut c_char, base: c_int) -> u64;
}

/// glibc's answer: the value and the bytes used (0: no conversion).
fn c_strtoull(s: &[u8]) -> (u64, usize) {
    let s = &s[..s.iter().position(|&b| b == 0).unwrap_or(s.len())];
    let c = CString::new(s).expect("no NUL");
    let mut end: *mut c_char = std::ptr::null_mut();
    // SAFETY: `c` is a valid C string; `end` is a valid out pointer.
    let v = unsafe { strtoull(c.as_ptr(), &mut end, 16) };
    let used = end as usize - c.as_ptr() as usize;
    (v, used)
}

fn check_strtoull(s: &[u8]) {
    let ours = strtoull_hex(s);
    let (v, used) = c_strtoull(s);
    match ours {
        Some((x, n)) => assert_eq!(
            (x, n),
            (v, used),
            "strtoull({:?})",
            String::from_utf8_lossy(s)
        ),
        None => {
            // No digits; or "0x" followed by a non-hex byte, where glibc reads the
            // "0" and stops at the "x" (documented: the line is rejected either way).
            let at_x = used > 0 && v == 0 && matches!(s.get(used), Some(b'x' | b'X'));
            assert!(
                used == 0 || at_x,
                "strtoull({:?})",
                String::from_utf8_lossy(s)
            );
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&m, text)) = data.split_first() else {
        return;
    };
    let mode = if m & 1 == 0 {
        ParseMode::Kallsyms
    } else {
        ParseMode::ProcKallsyms
    };

    // Line by line, by hand: the reference for the iterator and the whole-map parse.
    let mut segs: Vec<&[u8]> = text.split(|&b| b == b'\n').collect();
    if text.is_empty() || text.ends_with(b"\n") {
        segs.pop();
    }
    let mut by_line = Vec::new();
    let mut first_err = None;
    for (k, seg) in segs.iter().enumerate() {
        match parse_line(seg, mode) {
            Some(item) => by_line.push(item),
            None => {
                first_err = Some(k + 1);
                break;
            }
        }
        if k < 8 {
            check_strtoull(&seg[..seg.len().min(80)]);
        }
    }

    let mut from_iter = Vec::new();
    let mut iter_err = None;
    for item in lines(text, mode) {
        match item {
            Ok(i) => from_iter.push(i),
            Err(e) => {
                iter_err = Some(e.line);
                break;
            }
        }
    }
    assert_eq!(from_iter, by_line);
    assert_eq!(iter_err, first_err);

    let parsed = parse_map(text, mode);
    match (&parsed, first_err) {
        (Err(e), Some(l)) => {
            assert_eq!(e.line, l);
            return;
        }
        (Ok(_), None) => {}
        _ => panic!(
            "parse_map {:?} vs line {:?}",
            parsed.as_ref().err(),
            first_err
        ),
    }
    let list = parsed.expect("checked");

    let mut symbols = 0;
    let mut too_long = 0;
    for item in &by_line {
        match item {
            MapItem::Symbol(s) => {
                let got = list.get(symbols).expect("symbol in list");
                assert_eq!(got, *s);
                symbols += 1;
                assert!(s.name.len() < KSYM_NAME_LEN);
                assert!(!s.name.contains(&0) && !s.name.contains(&b'\n'));
                assert!(s.kind.is_ascii() && s.kind != 0);
            }
            MapItem::TooLong { name } => {
                too_long += 1;
                assert!(name.len() >= KSYM_NAME_LEN && !name.contains(&0));
            }
            MapItem::Module(s) => {
                assert_eq!(mode, ParseMode::ProcKallsyms);
                assert!(!s.name.contains(&0));
            }
        }
    }
    assert_eq!(symbols, list.len());
    assert_eq!(too_long, list.warnings().len());

    // Print what was read as the tool's input and read it again.
    let mut again = Vec::new();
    for s in list.iter() {
        again.extend_from_slice(format!("{:x} ", s.addr).as_bytes());
        again.push(s.kind);
        again.push(b' ');
        again.extend_from_slice(s.name);
        again.push(b'\n');
    }
    let reread = parse_map(&again, mode).expect("re-printed map parses");
    assert_eq!(reread.len(), list.len());
    for (a, b) in reread.iter().zip(list.iter()) {
        assert_eq!(a, b);
    }
});
