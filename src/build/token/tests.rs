// SPDX-License-Identifier: GPL-2.0-only OR MIT
//! The token optimisation against a literal transcription of the kernel's loops.

use super::drive::optimize_with;
use super::*;
use std::format;

/// Replaces `ab` by `x` greedily from the left without overlap (`compress_symbols()`).
fn replace(sym: &[u8], a: u8, b: u8, x: u8, out: &mut Vec<u8>) {
    out.clear();
    let mut it = sym.iter().copied().peekable();
    while let Some(c) = it.next() {
        if c == a && it.peek() == Some(&b) {
            it.next();
            out.push(x);
        } else {
            out.push(c);
        }
    }
}

/// The kernel's algorithm, literally (O(256 x bytes)), as an oracle.
fn reference(syms: &mut [Vec<u8>]) -> [Slot; 256] {
    let mut slots = [Slot::Unused; 256];
    let mut profit = vec![0i32; 0x10000];
    for s in syms.iter() {
        for w in s.windows(2) {
            profit[pair(w[0], w[1])] += 1;
            slots[w[0] as usize] = Slot::Byte;
        }
        for &c in s {
            slots[c as usize] = Slot::Byte;
        }
    }
    for code in (0..=255u8).rev() {
        if slots[code as usize] != Slot::Unused {
            continue;
        }
        let mut bestp = 0;
        let mut bestv = -10000;
        for (i, &v) in profit.iter().enumerate() {
            if v > bestv {
                bestv = v;
                bestp = i;
            }
        }
        if profit[bestp] == 0 {
            break;
        }
        let (a, b) = ((bestp & 0xff) as u8, (bestp >> 8) as u8);
        slots[code as usize] = Slot::Pair(a, b);
        for s in syms.iter_mut() {
            if !s.windows(2).any(|w| w == [a, b]) {
                continue;
            }
            for w in s.windows(2) {
                profit[pair(w[0], w[1])] -= 1;
            }
            let mut out = Vec::new();
            replace(s, a, b, code, &mut out);
            *s = out;
            for w in s.windows(2) {
                profit[pair(w[0], w[1])] += 1;
            }
        }
    }
    slots
}

fn check(names: &[&[u8]], two_threads: bool) {
    let mut packed = Packed::default();
    let mut plain = Vec::new();
    for n in names {
        packed.push(b'T', n);
        let mut v = vec![b'T'];
        v.extend_from_slice(n);
        plain.push(v);
    }
    let original = packed.clone();
    let want = reference(&mut plain);
    // Thresholds that force rescans (1, 2), the default, and lists for everything; the
    // two-thread driver with the default and with rescans.
    let configs: &[(i32, usize)] = if two_threads {
        &[(1, 1), (2, 1), (64, 1), (i32::MAX, 1), (2, 2), (64, 2)]
    } else {
        &[(1, 1), (2, 1), (64, 1), (i32::MAX, 1)]
    };
    for &(divisor, threads) in configs {
        let mut p = original.clone();
        assert_eq!(
            optimize_with(&mut p, divisor, threads),
            want,
            "divisor {divisor}, {threads} threads"
        );
        for (i, q) in plain.iter().enumerate() {
            assert_eq!(p.get(i), &q[..], "divisor {divisor}, {threads} threads");
        }
    }
    let slots = optimize(&mut packed);
    assert_eq!(slots, want);
    for (i, p) in plain.iter().enumerate() {
        assert_eq!(packed.get(i), &p[..]);
    }
    let text = expand_all(&slots);
    for (i, n) in names.iter().enumerate() {
        let mut e = Vec::new();
        for &c in packed.get(i) {
            e.extend_from_slice(&text[c as usize]);
        }
        assert_eq!(e.first(), Some(&b'T'), "{:?} {:?}", packed.get(i), n);
        assert_eq!(&e[1..], *n);
    }
}

fn check_both(names: &[&[u8]]) {
    check(names, true);
}

#[test]
fn matches_reference() {
    check_both(&[b"aaaa", b"aaa", b"abab", b"ba"]);
    check_both(&[b"", b"x"]);
    check_both(&[]);
    check_both(&[
        b"do_sys_open",
        b"do_sys_openat2",
        b"__x64_sys_open",
        b"__ia32_sys_open",
        b"sys_close",
        b"vfs_open",
        b"vfs_read",
        b"vfs_write",
    ]);
    let many: Vec<Vec<u8>> = (0..300u32)
        .map(|i| format!("sym_{}_{}", i % 17, i * 7919 % 1000).into_bytes())
        .collect();
    let refs: Vec<&[u8]> = many.iter().map(|v| &v[..]).collect();
    check_both(&refs);
}

#[test]
fn random_small_alphabets() {
    let mut rnd = crate::build::tests::xorshift(0x2545_f491_4f6c_dd1d);
    for round in 0..40 {
        let alphabet = 1 + rnd(6) as u8;
        let count = 1 + rnd(40) as usize;
        let names: Vec<Vec<u8>> = (0..count)
            .map(|_| {
                let len = rnd(24) as usize;
                (0..len)
                    .map(|_| b'a' + rnd(u64::from(alphabet)) as u8)
                    .collect()
            })
            .collect();
        let refs: Vec<&[u8]> = names.iter().map(|v| &v[..]).collect();
        check(&refs, round % 5 == 0);
    }
}

#[test]
fn all_bytes_used() {
    let all: Vec<u8> = (1..=255u8).collect();
    check_both(&[&all, b"\x01\x02"]);
}

#[test]
fn random_wide_alphabets() {
    // Few byte values spread over 1..=255: the pairs fall in different blocks and
    // groups of `Profit` (a pair's group is its second byte / 16), and equal counts
    // are common, so the lowest pair index must win across groups and blocks.
    let mut rnd = crate::build::tests::xorshift(0x9e37_79b9_7f4a_7c15);
    for round in 0..60 {
        let alphabet: Vec<u8> = (0..2 + rnd(5)).map(|_| 1 + rnd(255) as u8).collect();
        let count = 1 + rnd(30) as usize;
        let names: Vec<Vec<u8>> = (0..count)
            .map(|_| {
                let len = rnd(12) as usize;
                (0..len)
                    .map(|_| alphabet[rnd(alphabet.len() as u64) as usize])
                    .collect()
            })
            .collect();
        let refs: Vec<&[u8]> = names.iter().map(|v| &v[..]).collect();
        check(&refs, round % 4 == 0);
    }
}

#[test]
fn order_of_the_symbols_does_not_matter() {
    // The builder makes the token table from the symbols in input order and puts the
    // compressed names in address order afterwards (`pipeline`, `Packed::permuted`).
    let mut rnd = crate::build::tests::xorshift(0x51_7cc1_b727_220a);
    for round in 0..20 {
        let count = 2 + rnd(200) as usize;
        let names: Vec<Vec<u8>> = (0..count)
            .map(|_| {
                let len = 1 + rnd(20) as usize;
                (0..len).map(|_| b'a' + rnd(5) as u8).collect()
            })
            .collect();
        // A permutation: reversed, then rotated.
        let k = rnd(count as u64) as usize;
        let order: Vec<u32> = (0..count as u32)
            .rev()
            .cycle()
            .skip(k)
            .take(count)
            .collect();
        let mut a = Packed::default();
        let mut b = Packed::default();
        for n in &names {
            a.push(b'T', n);
        }
        for &i in &order {
            b.push(b'T', &names[i as usize]);
        }
        let threads = 1 + round % 2;
        let (sa, sb) = (
            optimize_threads(&mut a, threads),
            optimize_threads(&mut b, threads),
        );
        assert_eq!(sa, sb, "round {round}");
        let back = a.permuted(&order);
        assert_eq!(back.count(), count);
        for j in 0..count {
            assert_eq!(back.get(j), b.get(j), "round {round}, symbol {j}");
        }
    }
}
