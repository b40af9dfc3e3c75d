// SPDX-License-Identifier: GPL-2.0-only OR MIT
//! The two orders of a table: by address (`compare_symbols()`) and by name
//! (`compare_names()`), both of `scripts/kallsyms.c` (6.12).
//!
//! Both comparators end in a unique index, so they are total orders and any sort
//! algorithm gives the one result `qsort()` gives.

use std::vec;
use std::vec::Vec;

use crate::SeqsKey;

/// `may_be_linker_script_provide_symbol()` (`scripts/kallsyms.c`, 6.12): names of at
/// least 8 bytes that start with `__` and then `start_`, `stop_` or `end_`, or end
/// with `_start` or `_end`. (`len` there is `se->len - 1`, which at sort time is
/// `strlen(name)`.)
pub fn may_be_linker_provided(name: &[u8]) -> bool {
    if name.len() < 8 {
        return false;
    }
    let Some(rest) = name.strip_prefix(b"__") else {
        return false;
    };
    rest.starts_with(b"start_")
        || rest.starts_with(b"stop_")
        || rest.starts_with(b"end_")
        || name.ends_with(b"_start")
        || name.ends_with(b"_end")
}

/// The tie-break part of the address order key: weak (`w`/`W`) after non-weak, then
/// linker-provided after not, then fewer leading underscores (`strspn(name, "_")`)
/// first, then the input index `seq`. Packed so that plain integer order is
/// `compare_symbols()` order for equal addresses.
pub fn tie_key(kind: u8, name: &[u8], seq: u32) -> u64 {
    let weak = u64::from(kind == b'w' || kind == b'W');
    let provided = u64::from(may_be_linker_provided(name));
    // Names are shorter than KSYM_NAME_LEN, so the count fits in 30 bits.
    let underscores = name.iter().take_while(|&&b| b == b'_').count() as u64 & 0x3fff_ffff;
    (weak << 63) | (provided << 62) | (underscores << 32) | u64::from(seq)
}

/// Sorts `keys` (address, [`tie_key`]) as `sort_symbols()` does and returns the
/// input positions in address order. (The keys are distinct, so any sort gives the
/// result of `qsort()`.) Maps come sorted by address already, but for the few
/// symbols whose tie order differs from the map's (or a per-cpu section listed out
/// of place): the stable sort merges the sorted runs it finds, about twice as fast
/// there as the unstable one.
pub fn address_order(keys: &mut [(u64, u64)]) -> Vec<u32> {
    if !keys.windows(2).all(|w| w.first() < w.get(1)) {
        keys.sort();
    }
    keys.iter().map(|&(_, t)| t as u32).collect()
}

/// The name key of a seqs order: the whole name, or the name cut as the 6.2 - 6.10
/// `--lto-clang` `cleanup_symbol_name()` cut it (see [`SeqsKey`]).
#[inline]
pub fn seqs_key(name: &[u8], key: SeqsKey) -> &[u8] {
    let cut = match key {
        SeqsKey::FullName => None,
        SeqsKey::CutAtFirstDot => memchr::memchr(b'.', name),
        SeqsKey::CutAtLlvm => memchr::memmem::find(name, b".llvm."),
    };
    match cut {
        Some(n) => name.get(..n).unwrap_or_default(),
        None => name,
    }
}

/// Bytes `8 * depth ..` of `name` as a big-endian integer, zero-padded. Names hold no
/// NUL, so integer order is `strcmp()` order, and a chunk whose last byte is 0 is the
/// last chunk of its name.
#[inline]
fn chunk(name: &[u8], depth: usize) -> u64 {
    let rest = name.get(depth * 8..).unwrap_or_default();
    if let Some(Ok(b)) = rest.get(..8).map(<[u8; 8]>::try_from) {
        return u64::from_be_bytes(b);
    }
    let mut p = [0u8; 8];
    for (d, s) in p.iter_mut().zip(rest) {
        *d = *s;
    }
    u64::from_be_bytes(p)
}

/// `sort_symbols_by_name()` / `compare_names()`: the address-order indices `0..n`
/// sorted by `strcmp()` of the name key, then address, then index. `name(i)` and
/// `addr(i)` describe symbol `i` in address order.
///
/// Sorted 8 bytes at a time (most significant first): integer sorts on the first
/// chunk, then on the next chunk within each run of equal chunks, until the names of
/// a run are known to be equal; such a run is sorted by address and index.
pub fn name_order<'a>(
    n: usize,
    name: impl Fn(usize) -> &'a [u8],
    addr: impl Fn(usize) -> u64,
    key: SeqsKey,
) -> Vec<u32> {
    let name = |i: u32| seqs_key(name(i as usize), key);
    let mut v: Vec<(u64, u32)> = Vec::with_capacity(n);
    let mut rest_len: Vec<u32> = Vec::with_capacity(n);
    for i in 0..n as u32 {
        let s = name(i);
        v.push((chunk(s, 0), i));
        rest_len.push(s.len().saturating_sub(8) as u32);
    }
    sort_pairs(&mut v);
    // The rest of each name that is needed (in a run of equal first chunks that do
    // not end the names), copied in this order: the runs refined below then read
    // neighbouring text instead of looking each name up again at every depth. The
    // names are read in index order (their order in memory, usually) and written
    // where they belong.
    let mut at: Vec<u32> = Vec::with_capacity(n + 1);
    let mut to: Vec<u32> = vec![u32::MAX; n];
    let mut total = 0u32;
    for run in v.chunk_by(|x, y| x.0 == y.0) {
        let needed = run.len() > 1 && run.first().is_some_and(|e| e.0 & 0xff != 0);
        for e in run {
            at.push(total);
            if needed {
                if let Some(t) = to.get_mut(e.1 as usize) {
                    *t = total;
                }
                total += rest_len.get(e.1 as usize).copied().unwrap_or(0);
            }
        }
    }
    at.push(total);
    drop(rest_len);
    let mut text: Vec<u8> = vec![0; total as usize];
    for (i, &t) in to.iter().enumerate() {
        if t != u32::MAX {
            let s = name(i as u32).get(8..).unwrap_or_default();
            if let Some(d) = text.get_mut(t as usize..t as usize + s.len()) {
                d.copy_from_slice(s);
            }
        }
    }
    drop(to);
    let mut perm: Vec<u32> = Vec::with_capacity(n);
    for (j, e) in v.iter_mut().enumerate() {
        perm.push(e.1);
        e.1 = j as u32;
    }
    let index = |j: u32| perm.get(j as usize).copied().unwrap_or(0);
    let rest = |j: u32| {
        let (Some(&s), Some(&e)) = (at.get(j as usize), at.get(j as usize + 1)) else {
            return &[][..];
        };
        text.get(s as usize..e as usize).unwrap_or_default()
    };
    let key = |j: u32| {
        let i = index(j);
        (addr(i as usize), i)
    };
    refine(&mut v, 0, &rest, &key);
    v.into_iter().map(|(_, j)| index(j)).collect()
}

/// Turns a name order computed over positions `k` of the filtered input (with `k`
/// as the last tie-break) into the name order over address-order indices:
/// `rank[k]` is the address-order index of `k`, and runs of equal name and address
/// are re-sorted by it (`compare_names()` breaks that tie by `seq`).
pub fn renumber<'a>(
    by_name: Vec<u32>,
    rank: &[u32],
    name: impl Fn(usize) -> &'a [u8],
    addr: impl Fn(usize) -> u64,
) -> Vec<u32> {
    let mut v: Vec<(u32, u32)> = by_name
        .into_iter()
        .map(|k| (k, rank.get(k as usize).copied().unwrap_or(0)))
        .collect();
    let same = |x: &(u32, u32), y: &(u32, u32)| {
        let (a, b) = (x.0 as usize, y.0 as usize);
        addr(a) == addr(b) && name(a) == name(b)
    };
    for run in v.chunk_by_mut(same) {
        if run.len() > 1 {
            run.sort_unstable_by_key(|&(_, r)| r);
        }
    }
    v.into_iter().map(|(_, r)| r).collect()
}

/// A sort key and the index it belongs to.
type Keyed = (u64, u32);

/// Sorts (key, index) pairs: a least-significant-digit radix sort on the key (16 bits
/// a pass, skipping passes where every key has the same digit) for long slices,
/// whose stability keeps the index order of equal keys, as a plain sort would.
fn sort_pairs(v: &mut [(u64, u32)]) {
    if v.len() < 2048
        || !v
            .windows(2)
            .all(|w| w.first().map(|x| x.1) < w.get(1).map(|y| y.1))
    {
        v.sort_unstable();
        return;
    }
    let mut tmp = vec![(0u64, 0u32); v.len()];
    let mut count = vec![0u32; 0x10000];
    let mut in_v = true;
    for shift in [0u32, 16, 32, 48] {
        let (src, dst): (&mut [Keyed], &mut [Keyed]) =
            if in_v { (v, &mut tmp) } else { (&mut tmp, v) };
        count.fill(0);
        for &(k, _) in src.iter() {
            if let Some(c) = count.get_mut(usize::from((k >> shift) as u16)) {
                *c += 1;
            }
        }
        if count.iter().any(|&c| c as usize == src.len()) {
            continue;
        }
        let mut sum = 0u32;
        for c in count.iter_mut() {
            let here = *c;
            *c = sum;
            sum += here;
        }
        for &e in src.iter() {
            if let Some(c) = count.get_mut(usize::from((e.0 >> shift) as u16)) {
                if let Some(d) = dst.get_mut(*c as usize) {
                    *d = e;
                }
                *c += 1;
            }
        }
        in_v = !in_v;
    }
    if !in_v {
        v.copy_from_slice(&tmp);
    }
}

/// Orders each run of equal chunks at `depth` of `v` (already sorted by that chunk):
/// `rest(j)` is the name of element `j` past its first chunk, `key(j)` its tie-break
/// (address and index) for equal names.
fn refine<'a>(
    v: &mut [(u64, u32)],
    depth: usize,
    rest: &impl Fn(u32) -> &'a [u8],
    key: &impl Fn(u32) -> (u64, u32),
) {
    for run in v.chunk_by_mut(|x, y| x.0 == y.0) {
        let Some(&(c, _)) = run.first() else { continue };
        if run.len() < 2 {
            continue;
        }
        if c & 0xff == 0 {
            // The names end in this chunk: they are equal.
            run.sort_unstable_by_key(|&(_, j)| key(j));
        } else {
            for e in run.iter_mut() {
                e.0 = chunk(rest(e.1), depth);
            }
            sort_pairs(run);
            refine(run, depth + 1, rest, key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn provided() {
        assert!(may_be_linker_provided(b"__start_foo"));
        assert!(may_be_linker_provided(b"__stop_foo"));
        assert!(may_be_linker_provided(b"__end_foo"));
        assert!(may_be_linker_provided(b"__bss_start"));
        assert!(may_be_linker_provided(b"__bss_end"));
        assert!(may_be_linker_provided(b"__start_"));
        assert!(may_be_linker_provided(b"__start_x"));
        assert!(!may_be_linker_provided(b"_bss_start"));
        assert!(!may_be_linker_provided(b"__x_end"));
        assert!(may_be_linker_provided(b"__xx_end"));
    }

    #[test]
    fn ties() {
        assert!(tie_key(b'T', b"a", 5) < tie_key(b'W', b"a", 0));
        assert!(tie_key(b'T', b"a", 5) < tie_key(b'T', b"__bss_end", 0));
        assert!(tie_key(b'T', b"_a", 5) < tie_key(b'T', b"__a", 0));
        assert!(tie_key(b'T', b"a", 1) < tie_key(b'T', b"b", 2));
    }

    #[test]
    fn keys() {
        let n = b"foo.llvm.123.cold";
        assert_eq!(seqs_key(n, SeqsKey::FullName), n);
        assert_eq!(seqs_key(n, SeqsKey::CutAtFirstDot), b"foo");
        assert_eq!(seqs_key(b"a.b.llvm.1", SeqsKey::CutAtLlvm), b"a.b");
    }

    #[test]
    fn names() {
        let names: [&[u8]; 5] = [b"b", b"a", b"abcdefghij2", b"abcdefghij1", b"a"];
        let addrs = [1u64, 9, 0, 0, 3];
        let o = name_order(5, |i| names[i], |i| addrs[i], SeqsKey::FullName);
        assert_eq!(o, [4, 1, 3, 2, 0]);
    }

    #[test]
    fn names_against_comparator() {
        let mut rnd = crate::build::tests::xorshift(0x9e37_79b9_7f4a_7c15);
        for round in 0..52 {
            // Two long rounds take the radix path.
            let n = if round >= 50 { 5000 } else { rnd(300) as usize };
            let names: Vec<Vec<u8>> = (0..n)
                .map(|_| {
                    let len = rnd(30) as usize;
                    (0..len)
                        .map(|_| [b'_', b'a', b'.', b'b'][rnd(4) as usize])
                        .collect()
                })
                .collect();
            let addrs: Vec<u64> = (0..n).map(|_| rnd(5)).collect();
            for key in [
                SeqsKey::FullName,
                SeqsKey::CutAtFirstDot,
                SeqsKey::CutAtLlvm,
            ] {
                let got = name_order(n, |i| &names[i][..], |i| addrs[i], key);
                let mut want: Vec<u32> = (0..n as u32).collect();
                want.sort_by(|&a, &b| {
                    let (a, b) = (a as usize, b as usize);
                    seqs_key(&names[a], key)
                        .cmp(seqs_key(&names[b], key))
                        .then(addrs[a].cmp(&addrs[b]))
                        .then(a.cmp(&b))
                });
                assert_eq!(got, want);
            }
        }
    }
}
