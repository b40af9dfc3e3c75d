// SPDX-License-Identifier: GPL-2.0-only OR MIT
//! Synthetic symbol maps of any size built from real names: the names of a real map
//! recombined with subsystem-style prefixes and compiler suffixes, at ascending
//! addresses with realistic gaps, so the token table and name lengths look like a
//! kernel's.

const PREFIXES: [&str; 16] = [
    "", "drm_", "nvme_", "ext4_", "xfs_", "btrfs_", "tcp_", "udp_", "mlx5_", "amdgpu_", "snd_",
    "usb_", "bpf_", "kvm_", "sched_", "mm_",
];
const SUFFIXES: [&str; 8] = [
    "",
    "",
    "",
    "",
    ".isra.0",
    ".constprop.0",
    ".cold",
    ".llvm.1234567890123456789",
];

/// A `nm -n`-style map of `n` symbols whose names come from `seed` (a real map).
pub fn map(seed: &[u8], n: usize) -> Vec<u8> {
    let names: Vec<&[u8]> = seed
        .split(|&b| b == b'\n')
        .filter_map(|l| l.get(19..))
        .filter(|n| !n.is_empty())
        .collect();
    let mut out = Vec::with_capacity(n * 40);
    let mut addr: u64 = 0xffff_ffff_8100_0000;
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    out.extend_from_slice(format!("{addr:016x} T _text\n").as_bytes());
    for i in 0..n.saturating_sub(1) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let name = names[(x % names.len() as u64) as usize];
        let pre = PREFIXES[((x >> 20) % 16) as usize];
        let suf = SUFFIXES[((x >> 28) % 8) as usize];
        let ty = if (x >> 40) % 5 == 0 { 'T' } else { 't' };
        addr += 16 + (x >> 44) % 400;
        out.extend_from_slice(format!("{addr:016x} {ty} {pre}").as_bytes());
        out.extend_from_slice(name);
        // Every 7th name gets a number so most names stay distinct.
        if i % 7 == 0 {
            out.extend_from_slice(format!("_{}", i / 7).as_bytes());
        }
        out.extend_from_slice(suf.as_bytes());
        out.push(b'\n');
    }
    out
}
