// SPDX-License-Identifier: GPL-2.0-only OR MIT
//! The heuristic search: `kallsyms_token_index` first, then every other array from
//! the orders `scripts/kallsyms.c` writes them in (facts 1.8):
//!
//! | kernel | order |
//! |---|---|
//! | 6.1 - 6.3 | offsets, relative_base, num_syms, names, markers, [seqs], token_table, token_index |
//! | 6.4 - 6.19 | num_syms, names, markers, token_table, token_index, offsets, relative_base, seqs |
//! | 7.0 | num_syms, names, markers, token_table, token_index, offsets, seqs |
//!
//! Every label is `.balign 8` on 64-bit kernels (`.balign 4` on 32-bit and in 7.0),
//! so arrays are separated by at most 7 bytes of zero padding. The search works on
//! file offsets and assumes the image keeps the kernel's alignment modulo 4, which
//! ELF files, `Image` files and page-aligned dumps do.
//!
//! Every step is a bounded scan with cheap filters; the candidates that survive are
//! validated by [`Table::new`](crate::Table::new), which is the real check.

use core::ops::ControlFlow;
use std::vec::Vec;

use crate::layout::Endian;
use crate::table::KSYM_NAME_LEN;

/// One kallsyms candidate: file offsets of the arrays found so far.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Tokens {
    /// `kallsyms_token_table`.
    pub(crate) table: usize,
    /// `kallsyms_token_index`.
    pub(crate) index: usize,
    /// Byte order of the `u16` entries.
    pub(crate) endian: Endian,
}

/// The names, markers and count in front of a token table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Names {
    /// `kallsyms_num_syms` (file offset).
    pub(crate) num_syms_at: usize,
    /// Its value.
    pub(crate) num_syms: u32,
    /// `kallsyms_names`.
    pub(crate) names: usize,
    /// `kallsyms_markers`.
    pub(crate) markers: usize,
    /// Where the markers end.
    pub(crate) markers_end: usize,
    /// `kallsyms_seqs_of_names` between the markers and the token table (6.1.42+,
    /// 6.2, 6.3), with its entry width.
    pub(crate) seqs_between: Option<(usize, usize)>,
}

fn u16_at(d: &[u8], at: usize, e: Endian) -> Option<u16> {
    let b = [*d.get(at)?, *d.get(at.checked_add(1)?)?];
    Some(match e {
        Endian::Little => u16::from_le_bytes(b),
        Endian::Big => u16::from_be_bytes(b),
    })
}

pub(crate) fn u32_at(d: &[u8], at: usize, e: Endian) -> Option<u32> {
    let b: [u8; 4] = d.get(at..at.checked_add(4)?)?.try_into().ok()?;
    Some(match e {
        Endian::Little => u32::from_le_bytes(b),
        Endian::Big => u32::from_be_bytes(b),
    })
}

pub(crate) fn u64_at(d: &[u8], at: usize, e: Endian) -> Option<u64> {
    let b: [u8; 8] = d.get(at..at.checked_add(8)?)?.try_into().ok()?;
    Some(match e {
        Endian::Little => u64::from_le_bytes(b),
        Endian::Big => u64::from_be_bytes(b),
    })
}

/// Whether `d[from..to]` exists and is all zero.
fn zeros(d: &[u8], from: usize, to: usize) -> bool {
    from <= to && d.get(from..to).is_some_and(|z| z.iter().all(|&b| b == 0))
}

/// A byte that can appear in a token: what symbol names and type letters are made of.
fn token_byte(b: u8) -> bool {
    (0x21..0x7f).contains(&b)
}

/// Reads the 256 entries of a `kallsyms_token_index` candidate at `at`: 0 first,
/// strictly increasing. The cheap tests come first: almost every position fails
/// on the first two entries.
fn read_index(d: &[u8], at: usize, e: Endian) -> Option<[u16; 256]> {
    if u16_at(d, at, e)? != 0 {
        return None;
    }
    let first = u16_at(d, at + 2, e)?;
    if !(1..=KSYM_NAME_LEN as u16 + 1).contains(&first) {
        return None;
    }
    let mut idx = [0u16; 256];
    let mut prev = 0u16;
    for (i, slot) in idx.iter_mut().enumerate().skip(1) {
        let v = u16_at(d, at + 2 * i, e)?;
        if v <= prev || usize::from(v - prev) > KSYM_NAME_LEN + 1 {
            return None;
        }
        *slot = v;
        prev = v;
    }
    Some(idx)
}

/// The start of the token table that ends right before `index_at` (at most 7 bytes
/// of padding), or `None` if the strings do not end exactly where the index says.
fn token_table_before(d: &[u8], index_at: usize, idx: &[u16; 256]) -> Option<usize> {
    let last = usize::from(idx[255]);
    for pad in 0..8usize {
        let Some(e) = index_at.checked_sub(pad) else {
            break;
        };
        if !zeros(d, e, index_at) || e < 2 || d.get(e - 1) != Some(&0) {
            continue;
        }
        // Token 255 is the run of non-zero bytes right before its NUL at e - 1.
        let mut l = 0usize;
        while l <= KSYM_NAME_LEN {
            match e.checked_sub(2 + l).and_then(|i| d.get(i)) {
                Some(&b) if b != 0 => l += 1,
                _ => break,
            }
        }
        let Some(start) = e.checked_sub(1 + l + last) else {
            continue;
        };
        if tokens_ok(d, start, idx, e) {
            return Some(start);
        }
    }
    None
}

/// Whether the 256 tokens at `start` are NUL-terminated exactly at the offsets the
/// index gives, hold only name bytes, and end at `end`; at least 8 are non-empty.
fn tokens_ok(d: &[u8], start: usize, idx: &[u16; 256], end: usize) -> bool {
    let Some(table) = d.get(start..end) else {
        return false;
    };
    let mut nonempty = 0;
    for i in 0..256usize {
        let a = usize::from(idx.get(i).copied().unwrap_or(0));
        let b = match idx.get(i + 1) {
            Some(&n) => usize::from(n),
            None => table.len(),
        };
        let Some(tok) = table.get(a..b) else {
            return false;
        };
        let Some((&nul, body)) = tok.split_last() else {
            return false;
        };
        if nul != 0 || !body.iter().all(|&c| token_byte(c)) {
            return false;
        }
        if !body.is_empty() {
            nonempty += 1;
        }
    }
    nonempty >= 8
}

/// Calls `f` with every `(token_table, token_index)` pair whose index lies in
/// `d[from..to]`, in file order, either byte order, until `f` breaks.
pub(crate) fn token_tables<B>(
    d: &[u8],
    from: usize,
    to: usize,
    mut f: impl FnMut(Tokens) -> ControlFlow<B>,
) -> Option<B> {
    // Entries are 2 bytes; labels are at least 4-aligned in every generation.
    // Checked: `from` may come from an ELF section header, near the top of usize.
    let from = from.checked_next_multiple_of(4)?;
    let to = to.min(d.len());
    let hay = d.get(from..to)?;
    for (k, w) in hay.chunks_exact(4).enumerate() {
        // Both byte orders start with a zero entry and a small second one.
        let [0, 0, a, b] = *w else { continue };
        let at = from + 4 * k;
        for (e, second) in [
            (Endian::Little, u16::from_le_bytes([a, b])),
            (Endian::Big, u16::from_be_bytes([a, b])),
        ] {
            if second == 0 || usize::from(second) > KSYM_NAME_LEN + 1 {
                continue;
            }
            if let Some(idx) = read_index(d, at, e) {
                if let Some(table) = token_table_before(d, at, &idx) {
                    let t = Tokens {
                        table,
                        index: at,
                        endian: e,
                    };
                    if let ControlFlow::Break(b) = f(t) {
                        return Some(b);
                    }
                }
            }
        }
    }
    None
}

/// The markers that end at `end` (exclusive): walking back, strictly decreasing
/// `u32` values 512 to `256 * (2 + KSYM_NAME_LEN)` apart (a block is 256 records
/// of at least 2 bytes), down to the 0 of the first. Returns (start, count).
fn markers_ending_at(d: &[u8], end: usize, e: Endian) -> Option<(usize, usize)> {
    const MAX_BLOCK: u32 = 256 * (2 + KSYM_NAME_LEN as u32);
    let mut k = 1usize;
    let mut next: Option<u32> = None;
    loop {
        let at = end.checked_sub(4 * k)?;
        let v = u32_at(d, at, e)?;
        if let Some(n) = next {
            if v >= n || n - v < 512 || n - v > MAX_BLOCK {
                return None;
            }
        }
        if v == 0 {
            return Some((at, k));
        }
        next = Some(v);
        k += 1;
        if k > (crate::table::MAX_SYMS as usize) / 256 {
            return None;
        }
    }
}

/// Walks `count` name records from `off`; the offset after them.
fn skip_records(d: &[u8], mut off: usize, count: usize) -> Option<usize> {
    for _ in 0..count {
        let b0 = *d.get(off)?;
        let len = if b0 & 0x80 == 0 {
            off += 1;
            usize::from(b0)
        } else {
            let b1 = *d.get(off + 1)?;
            off += 2;
            usize::from(b0 & 0x7f) | (usize::from(b1) << 7)
        };
        if len == 0 {
            return None;
        }
        off = off.checked_add(len)?;
    }
    Some(off)
}

/// Finds `kallsyms_num_syms` and `kallsyms_names` in front of markers that start
/// at `markers` with `m` entries: `num_syms` is 4 or 8 bytes before the names, its
/// value needs `m` markers (and is `want` when given), and the last block of
/// records ends within 7 bytes of the markers.
fn names_before(
    d: &[u8],
    markers: usize,
    m: usize,
    want: Option<u32>,
    e: Endian,
) -> Option<(usize, u32, usize)> {
    let last = usize::try_from(u32_at(d, markers + 4 * (m - 1), e)?).ok()?;
    let lo_n = 256 * (m - 1) + 1;
    let hi_n = 256 * m;
    // The last block holds 1 to 256 records of 2 to 2 + KSYM_NAME_LEN bytes.
    let top = markers.checked_sub(last)?.checked_sub(2)?;
    let bottom = top.saturating_sub(256 * (2 + KSYM_NAME_LEN));
    // Names are aligned like the markers.
    let mut c = top - (top.wrapping_sub(markers) % 4);
    while c >= bottom && c >= 4 {
        for gap in [4usize, 8] {
            let Some(at) = c.checked_sub(gap) else {
                continue;
            };
            let Some(n) = u32_at(d, at, e) else { continue };
            let nn = n as usize;
            if nn < lo_n || nn > hi_n || want.is_some_and(|w| w != n) {
                continue;
            }
            if !zeros(d, at + 4, c) {
                continue;
            }
            let Some(end) = skip_records(d, c + last, nn - 256 * (m - 1)) else {
                continue;
            };
            if end <= markers && markers - end < 8 && zeros(d, end, markers) {
                return Some((at, n, c));
            }
        }
        if c < 4 {
            break;
        }
        c -= 4;
    }
    None
}

/// How far back from a token table the markers may end when
/// `kallsyms_seqs_of_names` sits between them: 4 bytes for each of 4 Mi symbols.
const MAX_SEQS_SPAN: usize = 16 << 20;

/// The names, markers and count that go with a token table: the markers either end
/// right before it (6.1.0 - 6.1.41 and 6.4+), or `kallsyms_seqs_of_names` (3 or 4
/// bytes per symbol) lies between (6.1.42+, 6.2, 6.3).
pub(crate) fn names_for(d: &[u8], t: &Tokens) -> Vec<Names> {
    let mut out = Vec::new();
    let e = t.endian;
    // Adjacent: markers end 0 to 7 bytes before the token table.
    for pad in 0..8usize {
        let Some(end) = t.table.checked_sub(pad) else {
            break;
        };
        if (t.table - end) % 4 != 0 || !zeros(d, end, t.table) {
            continue;
        }
        if let Some((m0, m)) = markers_ending_at(d, end, e) {
            if let Some((at, n, names)) = names_before(d, m0, m, None, e) {
                out.push(Names {
                    num_syms_at: at,
                    num_syms: n,
                    names,
                    markers: m0,
                    markers_end: end,
                    seqs_between: None,
                });
            }
        }
    }
    if !out.is_empty() {
        return out;
    }
    // Seqs between: scan back for the end of the markers.
    let floor = t.table.saturating_sub(MAX_SEQS_SPAN);
    let mut end = t.table.saturating_sub(8);
    end -= end.wrapping_sub(t.table) % 4;
    while end > floor && end >= 4 {
        if let Some((m0, m)) = markers_ending_at(d, end, e) {
            for (w, align) in [(3usize, 8usize), (3, 4), (4, 8), (4, 4)] {
                // Seqs start at the next aligned offset (relative to the token
                // table, which is aligned) and end within `align` of the table.
                let start = end + (t.table - end) % align;
                let span = t.table - start;
                let lo = span.saturating_sub(align - 1).div_ceil(w);
                let hi = span / w;
                for n in lo..=hi {
                    if n == 0 || n.div_ceil(256) != m || !zeros(d, start + n * w, t.table) {
                        continue;
                    }
                    let Ok(n32) = u32::try_from(n) else { continue };
                    if let Some((at, _, names)) = names_before(d, m0, m, Some(n32), e) {
                        out.push(Names {
                            num_syms_at: at,
                            num_syms: n32,
                            names,
                            markers: m0,
                            markers_end: end,
                            seqs_between: Some((start, w)),
                        });
                    }
                }
            }
            if !out.is_empty() {
                return out;
            }
        }
        end -= 4;
    }
    out
}
