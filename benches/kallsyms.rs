// SPDX-License-Identifier: GPL-2.0-only OR MIT
//! Side-by-side benchmark: this crate against the kernel's own `kernel/kallsyms.c`
//! (Debian `linux-source-6.12`, compiled in user space with gcc -O2 by
//! `tests/kernel-ref`) over the very same table bytes, in one process.
//!
//! `cargo bench --bench kallsyms` prints one line per operation and table:
//! `op=<name> symbols=<n> ours_ns=<x> kernel_ns=<y> ratio=<y/x>`
//! and writes `target/bench/kallsyms.csv` and `target/bench/kallsyms.svg`.
//! Every benchmarked answer is checked against the kernel's once before timing.
//! The builder (`op=build`) is timed whole process on both sides: `kallsyms build`
//! against `scripts/kallsyms`, each writing its `.S` to a file.
//!
//! Tables: the fixtures in `tests/data`, any map in `KALLSYMS_BENCH_MAP`, and
//! synthetic tables (`KALLSYMS_BENCH_SYNTH=10000,100000,1000000,4000000`).
//! `KALLSYMS_BENCH_TABLES=thinlto,debian` keeps the fixtures whose name contains one
//! of the words; `KALLSYMS_BENCH_OPS=lookup_name_idx2,build` times only those
//! operations (the correctness checks always run).

#[path = "../tests/sfile/mod.rs"]
mod sfile;

#[path = "bench/mod.rs"]
mod bench;

fn main() {
    bench::main();
}
