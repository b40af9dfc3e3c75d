// SPDX-License-Identifier: GPL-2.0-only OR MIT
//! The few `printf` conversions the `.S` text uses, written straight into a byte
//! buffer (the output holds tens of millions of numbers).

use std::vec::Vec;

const HEX: &[u8; 16] = b"0123456789abcdef";

/// Lower-case hex digit of `v & 15`.
#[inline]
fn digit(v: u64) -> u8 {
    HEX.get((v & 15) as usize).copied().unwrap_or(b'0')
}

/// `, 0x%02x` for every byte value.
// Evaluated at compile time: an index out of bounds could not compile.
#[allow(clippy::indexing_slicing)]
const SEP_BYTE: [[u8; 6]; 256] = {
    let mut t = [[0u8; 6]; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = [b',', b' ', b'0', b'x', HEX[i >> 4], HEX[i & 15]];
        i += 1;
    }
    t
};

/// `0x%02x`.
#[inline]
pub fn byte(out: &mut Vec<u8>, b: u8) {
    out.extend_from_slice(&[b'0', b'x', digit(u64::from(b >> 4)), digit(u64::from(b))]);
}

/// `, 0x%02x` for each byte of `bytes` (the body of a `.byte` line).
#[inline]
pub fn sep_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    let start = out.len();
    out.resize(start + 6 * bytes.len(), 0);
    if let Some(dst) = out.get_mut(start..) {
        for (d, &b) in dst.chunks_exact_mut(6).zip(bytes) {
            if let Some(t) = SEP_BYTE.get(usize::from(b)) {
                d.copy_from_slice(t);
            }
        }
    }
}

/// `%#x` / `%#llx`: `0` for zero, else `0x` and the digits without leading zeros.
pub fn alt_hex(out: &mut Vec<u8>, v: u64) {
    if v == 0 {
        out.push(b'0');
        return;
    }
    out.extend_from_slice(b"0x");
    let n = 16 - (v.leading_zeros() as usize / 4);
    for i in (0..n).rev() {
        out.push(digit(v >> (4 * i)));
    }
}

/// `%u` / `%llu`.
pub fn dec(out: &mut Vec<u8>, mut v: u64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        if let Some(d) = buf.get_mut(i) {
            *d = b'0' + (v % 10) as u8;
        }
        v /= 10;
        if v == 0 {
            break;
        }
    }
    out.extend_from_slice(buf.get(i..).unwrap_or_default());
}

/// `%d` / `%lld`.
pub fn signed(out: &mut Vec<u8>, v: i64) {
    if v < 0 {
        out.push(b'-');
    }
    dec(out, v.unsigned_abs());
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::format;

    #[test]
    fn conversions() {
        for v in [
            0u64,
            1,
            9,
            10,
            0xff,
            0x1000,
            u64::MAX,
            0xffff_ffff_8100_0000,
        ] {
            let mut o = Vec::new();
            alt_hex(&mut o, v);
            let want = if v == 0 {
                "0".into()
            } else {
                format!("{v:#x}")
            };
            assert_eq!(o, want.as_bytes());
            let mut o = Vec::new();
            dec(&mut o, v);
            assert_eq!(o, format!("{v}").as_bytes());
        }
        for v in [0i64, -1, i64::MIN, i64::MAX, 2130706432, -5] {
            let mut o = Vec::new();
            signed(&mut o, v);
            assert_eq!(o, format!("{v}").as_bytes());
        }
        for b in 0..=255u8 {
            let mut o = Vec::new();
            byte(&mut o, b);
            assert_eq!(o, format!("0x{b:02x}").as_bytes());
            let mut o = Vec::new();
            sep_bytes(&mut o, &[b, 7]);
            assert_eq!(o, format!(", 0x{b:02x}, 0x07").as_bytes());
        }
    }
}
