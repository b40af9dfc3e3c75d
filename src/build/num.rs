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
pub(super) const SEP_BYTE: [[u8; 6]; 256] = {
    let mut t = [[0u8; 6]; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = [b',', b' ', b'0', b'x', HEX[i >> 4], HEX[i & 15]];
        i += 1;
    }
    t
};

/// Where text goes: a growing buffer, or a slice of known length.
pub(super) trait Sink {
    /// Appends `s`.
    fn put(&mut self, s: &[u8]);

    /// Appends `b`.
    #[inline]
    fn push(&mut self, b: u8) {
        self.put(&[b]);
    }

    /// `, 0x%02x` for each byte of `bytes` (the body of a `.byte` line).
    #[inline]
    fn sep_bytes(&mut self, bytes: &[u8]) {
        for &b in bytes {
            if let Some(t) = SEP_BYTE.get(usize::from(b)) {
                self.put(t);
            }
        }
    }
}

impl Sink for Vec<u8> {
    #[inline]
    fn put(&mut self, s: &[u8]) {
        self.extend_from_slice(s);
    }

    #[inline]
    fn push(&mut self, b: u8) {
        Vec::push(self, b);
    }

    #[inline]
    fn sep_bytes(&mut self, bytes: &[u8]) {
        let start = self.len();
        self.resize(start + 6 * bytes.len(), 0);
        if let Some(dst) = self.get_mut(start..) {
            fill_sep(dst, bytes);
        }
    }
}

/// Writes `, 0x%02x` for each byte of `bytes` into `dst` (6 bytes each).
#[inline]
pub(super) fn fill_sep(dst: &mut [u8], bytes: &[u8]) {
    for (d, &b) in dst.chunks_exact_mut(6).zip(bytes) {
        if let Some(t) = SEP_BYTE.get(usize::from(b)) {
            d.copy_from_slice(t);
        }
    }
}

/// `0x%02x`.
#[inline]
pub(super) fn byte<S: Sink + ?Sized>(out: &mut S, b: u8) {
    out.put(&[b'0', b'x', digit(u64::from(b >> 4)), digit(u64::from(b))]);
}

/// `, 0x%02x` for each byte of `bytes` (the body of a `.byte` line).
#[inline]
pub(super) fn sep_bytes<S: Sink + ?Sized>(out: &mut S, bytes: &[u8]) {
    out.sep_bytes(bytes);
}

/// `%#x` / `%#llx`: `0` for zero, else `0x` and the digits without leading zeros.
pub(super) fn alt_hex<S: Sink + ?Sized>(out: &mut S, v: u64) {
    if v == 0 {
        out.push(b'0');
        return;
    }
    let mut buf = [0u8; 18];
    let n = 16 - (v.leading_zeros() as usize / 4);
    if let Some(d) = buf.get_mut(..2) {
        d.copy_from_slice(b"0x");
    }
    for (k, d) in buf.iter_mut().skip(2).take(n).enumerate() {
        *d = digit(v >> (4 * (n - 1 - k)));
    }
    out.put(buf.get(..n + 2).unwrap_or_default());
}

/// The length of [`alt_hex`] of `v`.
pub(super) fn alt_hex_len(v: u64) -> usize {
    if v == 0 {
        1
    } else {
        2 + 16 - (v.leading_zeros() as usize / 4)
    }
}

/// `%u` / `%llu`.
pub(super) fn dec<S: Sink + ?Sized>(out: &mut S, mut v: u64) {
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
    out.put(buf.get(i..).unwrap_or_default());
}

/// The length of [`dec`] of `v`.
pub(super) fn dec_len(mut v: u64) -> usize {
    let mut n = 1;
    while v >= 10 {
        v /= 10;
        n += 1;
    }
    n
}

/// `%d` / `%lld`.
pub(super) fn signed<S: Sink + ?Sized>(out: &mut S, v: i64) {
    if v < 0 {
        out.push(b'-');
    }
    dec(out, v.unsigned_abs());
}

/// The length of [`signed`] of `v`.
pub(super) fn signed_len(v: i64) -> usize {
    usize::from(v < 0) + dec_len(v.unsigned_abs())
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
            assert_eq!(alt_hex_len(v), o.len());
            let mut o = Vec::new();
            dec(&mut o, v);
            assert_eq!(o, format!("{v}").as_bytes());
            assert_eq!(dec_len(v), o.len());
        }
        for v in [0i64, -1, i64::MIN, i64::MAX, 2130706432, -5] {
            let mut o = Vec::new();
            signed(&mut o, v);
            assert_eq!(o, format!("{v}").as_bytes());
            assert_eq!(signed_len(v), o.len());
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
