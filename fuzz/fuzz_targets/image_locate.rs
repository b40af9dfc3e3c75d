// SPDX-License-Identifier: GPL-2.0-only OR MIT
//! The kernel-image table locator (`kallsyms::image`) on arbitrary bytes: the
//! container sniffers, the ELF parser, `locate` and `tables_end` must not panic or
//! hang; a table `locate` returns must lie inside the input, validate, and answer
//! every query as the brute-force reference says; the ELF copy writer must accept
//! it and write a file the ELF parser reads back.
//!
//! Input: byte 0 is the hints (bit 0: base `0xffffffff81000000`, bit 3: base
//! `0xc1000000`, bit 1: skip the name-order check, bit 2: ignore ELF symbols), the
//! rest is the image.
#![no_main]

use kallsyms::image::{self, container, elf_out, Elf, Hints};
use kallsyms_fuzz::{sweep, Model};
use libfuzzer_sys::fuzz_target;

fn inside(data: &[u8], part: &[u8]) -> bool {
    let (d, p) = (data.as_ptr() as usize, part.as_ptr() as usize);
    part.is_empty() || (p >= d && p + part.len() <= d + data.len())
}

fuzz_target!(|input: &[u8]| {
    let Some((&h, data)) = input.split_first() else {
        return;
    };
    let hints = Hints {
        base: if h & 8 != 0 {
            Some(0xc100_0000)
        } else if h & 1 != 0 {
            Some(0xffff_ffff_8100_0000)
        } else {
            None
        },
        skip_name_order: h & 2 != 0,
        ignore_symbols: h & 4 != 0,
    };

    // The sniffers.
    let _ = container::kind(data);
    for p in container::payloads(data) {
        assert!(inside(data, p.bytes(data)));
    }
    let _ = container::arm64_text_offset(data);
    if let Some(b) = image::banner(data) {
        assert!(inside(data, b));
    }
    if let Some(b) = image::build_id(data) {
        assert!(inside(data, b));
    }
    let elf = Elf::parse(data);
    if let Some(e) = &elf {
        for s in &e.sections {
            assert!(inside(data, e.section_data(s)));
            let _ = e.section_name(s);
            let _ = e.offset_of(s.addr, s.size);
            let _ = e.addr_of(s.offset);
        }
        if let Some(st) = e.symtab() {
            for s in st.iter().take(4096) {
                let _ = s;
            }
        }
        let _ = e.build_id();
    }
    let _ = image::tables_end(data, 0);
    let _ = image::tables_end(data, data.len() / 2);

    // The locator.
    let Ok(loc) = image::locate(data, &hints) else {
        return;
    };
    let r = loc.raw;
    for part in [
        r.names,
        r.markers,
        r.token_table,
        r.token_index,
        r.offsets,
        r.seqs_of_names,
    ] {
        assert!(inside(data, part), "an array outside the input");
    }
    let p = loc.provenance;
    for off in [
        p.num_syms,
        p.names,
        p.markers,
        p.token_table,
        p.token_index,
        p.offsets,
    ] {
        assert!(off < data.len());
    }
    let t = loc.table().expect("a located table validates");
    let ordered = p.name_order_checked;
    let model = Model::new(&r, loc.layout, loc.sections, ordered).expect("decodes");
    sweep(&t, &model, &[]);

    // The ELF copy writer.
    let out = match &elf {
        Some(e) => elf_out::from_elf(e, &t),
        None => elf_out::from_raw(data, hints.base.unwrap_or(0), 62, &t),
    };
    if let Ok(bytes) = out {
        let back = Elf::parse(&bytes).expect("the copy is an ELF file");
        let st = back.symtab().expect("the copy has a symbol table");
        assert!(st.len() >= u64::from(t.len()));
    }
});
