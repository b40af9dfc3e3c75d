// SPDX-License-Identifier: GPL-2.0-only OR MIT
//! `Built::optimized` (`kallsyms build --optimize`) on every real symbol set: the
//! names stream is at least 5% smaller than the kernel tool's, and every name still
//! decodes, with the crate's reader and with the kernel's own
//! `kallsyms_expand_symbol()` (compiled by `tests/kernel-ref`), also after the `.S`
//! went through gcc.
#![cfg(feature = "std")]

mod sfile;

use std::time::Instant;

use kallsyms::build::optimize::DEFAULT_ROUNDS;
use kallsyms::build::{build, parse_map, Built, Options, ParseMode};
use kallsyms::KSYM_NAME_LEN;

/// Names (type character and name) of every symbol through the crate's reader.
fn reader_names(b: &Built, layout: kallsyms::Layout) -> Vec<Vec<u8>> {
    let owned = b.owned_table(layout).unwrap();
    let t = owned.table().unwrap();
    let mut buf = [0u8; KSYM_NAME_LEN];
    t.iter()
        .map(|s| {
            let mut v = vec![s.type_letter];
            v.extend_from_slice(t.name(&s, &mut buf));
            v
        })
        .collect()
}

#[test]
fn optimized_names_are_smaller_and_decode() {
    let reference = match kernel_ref::available() {
        Ok(()) => true,
        Err(why) => {
            assert!(
                std::env::var_os("CI").is_none(),
                "kernel reference missing: {why}"
            );
            eprintln!("kernel reference missing ({why}): C checks skipped");
            false
        }
    };
    for fx in &sfile::FIXTURES {
        let map = sfile::data(fx.map);
        let syms = parse_map(&map, ParseMode::Kallsyms).unwrap();
        let opts = Options {
            all_symbols: true,
            absolute_percpu: fx.absolute_percpu,
            ..Options::default()
        };
        let base = build(syms, &opts).unwrap();
        let t0 = Instant::now();
        let opt = base.optimized(DEFAULT_ROUNDS);
        let took = t0.elapsed();
        let (before, after) = (base.names_bytes(), opt.names_bytes());
        let pct = 100.0 * (before as f64 - after as f64) / before as f64;
        eprintln!(
            "{}: names {before} -> {after} bytes (-{pct:.2}%), token_table {} -> {}, {took:?}",
            fx.stem,
            base.token_table_bytes(),
            opt.token_table_bytes(),
        );
        assert!(after * 100 <= before * 95, "{}: only -{pct:.2}%", fx.stem);

        // The crate's reader.
        let layout = fx.layout();
        let want = reader_names(&base, layout);
        assert_eq!(want.len(), base.len());
        let got = reader_names(&opt, layout);
        assert!(got == want, "{}: reader names differ", fx.stem);

        // The .S through gcc gives the same arrays as the OwnedTable.
        let owned = opt.owned_table(layout).unwrap();
        let raw = owned.raw();
        let text = sfile::text_addr(&map);
        if !reference {
            continue;
        }
        let asm = kernel_ref::assemble_tables(&opt.asm(), text).unwrap();
        assert_eq!(asm.num_syms, raw.num_syms);
        assert!(asm.names == raw.names, "{}: names", fx.stem);
        assert!(asm.markers == raw.markers, "{}: markers", fx.stem);
        assert!(asm.token_table == raw.token_table, "{}: tokens", fx.stem);
        assert!(asm.token_index == raw.token_index, "{}: index", fx.stem);
        assert!(asm.offsets == raw.offsets, "{}: offsets", fx.stem);
        assert!(asm.seqs_of_names == raw.seqs_of_names, "{}: seqs", fx.stem);

        // The kernel's kallsyms_expand_symbol() over the assembled arrays.
        let kt = kernel_ref::KernelTables {
            absolute_percpu: fx.absolute_percpu,
            kallsyms_all: true,
            ..asm.tables()
        };
        let k = kernel_ref::session(&kt).unwrap();
        let names = k.on_each_symbol();
        assert_eq!(names.len(), want.len());
        let mut off = 0u32;
        for (i, ((name, _), w)) in names.iter().zip(&want).enumerate() {
            assert_eq!(&name[..], &w[1..], "{} symbol {i}", fx.stem);
            assert_eq!(k.get_symbol_type(off), w[0], "{} type {i}", fx.stem);
            let (e, next) = k.expand_symbol(off);
            assert_eq!(e, name[..], "{} expand {i}", fx.stem);
            off = next;
        }
        assert_eq!(off as usize, asm.names.len());
    }
}
