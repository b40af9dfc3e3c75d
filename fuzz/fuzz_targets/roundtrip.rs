// SPDX-License-Identifier: GPL-2.0-only OR MIT
//! Builder round trip: an arbitrary symbol list is built as `scripts/kallsyms`
//! would, laid out in a layout, validated and read back. The read-back must be the
//! input after the tool's filtering (computed here independently), and every
//! query must agree with the brute-force reference. Build errors must be the
//! documented ones, for the documented reasons.
#![no_main]

use kallsyms::build::{build, build_unfiltered, BuildError, KernelVersion, Options, SymbolList};
use kallsyms::{AddressEncoding, Layout, KSYM_NAME_LEN};
use kallsyms_fuzz::{layout_from_bits, sweep, Model, RoundtripInput};
use libfuzzer_sys::fuzz_target;

/// `is_ignored_symbol()` of `scripts/kallsyms.c` (6.12).
fn ignored(name: &[u8], kind: u8) -> bool {
    kind == b'u'
        || kind == b'n'
        || (kind.eq_ignore_ascii_case(&b'A')
            && !matches!(
                name,
                b"__kernel_syscall_via_break"
                    | b"__kernel_syscall_via_epc"
                    | b"__kernel_sigtramp"
                    | b"__gp"
            ))
}

/// What the tool keeps, with final types, as a sorted multiset; `_text`; the per-cpu
/// flags of the kept symbols.
struct Expected {
    kept: Vec<(u64, u8, Vec<u8>)>,
    text: u64,
}

fn expected(symbols: &[(u64, u8, Vec<u8>)], o: &Options, keep_all: bool) -> Expected {
    let percpu = o.absolute_percpu && o.kernel == KernelVersion::V6_12;
    let mut text = 0;
    let (mut stext, mut etext, mut sinit, mut einit) = (0u64, 0u64, 0u64, 0u64);
    let (mut pstart, mut pend) = (u64::MAX, 0u64);
    let mut read = Vec::new();
    for (addr, kind, name) in symbols {
        let name = &name[..name.iter().position(|&b| b == 0).unwrap_or(name.len())];
        if name.len() >= KSYM_NAME_LEN {
            continue;
        }
        if name == b"_text" {
            text = *addr;
        }
        if !keep_all && ignored(name, *kind) {
            continue;
        }
        match name {
            b"_stext" => stext = *addr,
            b"_etext" => etext = *addr,
            b"_sinittext" => sinit = *addr,
            b"_einittext" => einit = *addr,
            _ => {}
        }
        match name {
            b"__per_cpu_start" => pstart = *addr,
            b"__per_cpu_end" => pend = *addr,
            _ => {}
        }
        read.push((*addr, *kind, name.to_vec()));
    }
    let valid = |a: u64, n: &[u8]| {
        if o.all_symbols || n.starts_with(b"__start_") || n.starts_with(b"__stop_") {
            return true;
        }
        let in_text = (a >= stext && a <= etext) || (a >= sinit && a <= einit);
        in_text && !(a == etext && n != b"_etext") && !(a == einit && n != b"_einittext")
    };
    let mut kept: Vec<(u64, u8, Vec<u8>)> = read
        .into_iter()
        .filter(|(a, _, n)| valid(*a, n))
        .map(|(a, k, n)| {
            let k = if percpu && a >= pstart && a <= pend {
                b'A'
            } else {
                k
            };
            (a, k, n)
        })
        .collect();
    kept.sort();
    Expected { kept, text }
}

/// The first symbol (address order) whose address the layout cannot store.
fn first_unfit(
    layout: Layout,
    syms: &[(u64, u8, Vec<u8>)],
    absolute: &[bool],
    relative_base: u64,
    offsets_addr: u64,
) -> Option<usize> {
    let mask = if layout.ptr_bytes == 8 {
        u64::MAX
    } else {
        u64::from(u32::MAX)
    };
    let fits_ptr = |a: u64| a & !mask == 0;
    let base = syms.first().map_or(0, |s| s.0);
    syms.iter().enumerate().position(|(i, (a, _, _))| {
        let a = *a;
        let ok = match layout.addresses {
            AddressEncoding::Absolute => fits_ptr(a),
            AddressEncoding::Relative => fits_ptr(a) && a.wrapping_sub(base) <= u64::from(u32::MAX),
            AddressEncoding::AbsolutePercpu => {
                fits_ptr(a)
                    && if absolute[i] {
                        a <= i32::MAX as u64
                    } else {
                        let d = relative_base.wrapping_sub(a).wrapping_sub(1) as i64;
                        (i64::from(i32::MIN)..0).contains(&d)
                    }
            }
            AddressEncoding::PlaceRelative => {
                // offset_to_ptr(): the entry's address plus its value, no wrap-around.
                let place = i128::from(offsets_addr) + 4 * i as i128;
                fits_ptr(a)
                    && place <= i128::from(mask)
                    && i32::try_from(i128::from(a) - place).is_ok()
            }
            AddressEncoding::Raw32 => a <= u64::from(u32::MAX),
        };
        !ok
    })
}

fuzz_target!(|data: &[u8]| {
    let Some(input) = RoundtripInput::decode(data) else {
        return;
    };
    if input.symbols.len() > 3000 {
        return;
    }
    let o = input.options;
    let options = Options {
        all_symbols: o & 1 != 0,
        absolute_percpu: o & 2 != 0,
        pc_relative: o & 4 != 0,
        kernel: if o & 8 != 0 {
            KernelVersion::V7_0
        } else {
            KernelVersion::V6_12
        },
    };
    let mut list = SymbolList::new();
    for (a, k, n) in &input.symbols {
        list.push(*a, *k, n);
    }
    let keep_all = o & 16 != 0;
    let want = expected(&input.symbols, &options, keep_all);
    let nul_type = input.symbols.iter().position(|s| {
        s.1 == 0 && s.2.iter().position(|&b| b == 0).unwrap_or(s.2.len()) < KSYM_NAME_LEN
    });
    let built = if keep_all {
        build_unfiltered(list, &options)
    } else {
        build(list, &options)
    };
    if let Some(i) = nul_type {
        if !matches!(built, Err(BuildError::UnsupportedOption { .. })) {
            let e = kallsyms::FormatError::new(
                kallsyms::Array::Names,
                i as u32,
                kallsyms::FormatErrorKind::NulInName,
            );
            assert_eq!(built.err(), Some(BuildError::Format(e)));
            return;
        }
    }
    let built = match built {
        Ok(b) => b,
        Err(BuildError::UnsupportedOption { .. }) => {
            assert!(
                (options.kernel == KernelVersion::V6_12 && options.pc_relative)
                    || (options.kernel == KernelVersion::V7_0 && options.absolute_percpu)
            );
            return;
        }
        Err(BuildError::OutOfRange { addr, .. }) => {
            assert_eq!(options.kernel, KernelVersion::V6_12);
            assert!(want.kept.iter().any(|s| s.0 == addr));
            // Without per-cpu symbols the span must exceed 32 bits.
            if !(options.absolute_percpu) {
                let lo = want.kept.first().map_or(0, |s| s.0);
                assert!(addr - lo > u64::from(u32::MAX), "{addr:#x} from {lo:#x}");
            }
            return;
        }
        Err(BuildError::RelativeOutOfRange { addr }) => {
            assert!(options.kernel == KernelVersion::V7_0 && options.pc_relative);
            assert!(i32::try_from(addr.wrapping_sub(want.text) as i64).is_err());
            return;
        }
        Err(e) => panic!("unexpected build error: {e}"),
    };

    // The kept symbols are the input after filtering, in address order.
    let got: Vec<(u64, u8, Vec<u8>)> = built
        .symbols()
        .map(|s| (s.addr, s.kind, s.name.to_vec()))
        .collect();
    assert!(
        got.windows(2).all(|w| w[0].0 <= w[1].0),
        "not in address order"
    );
    let mut sorted = got.clone();
    sorted.sort();
    assert_eq!(
        sorted, want.kept,
        "kept symbols differ from the filtered input"
    );
    if got.len() <= 64 {
        let _ = built.asm();
    }

    // Lay it out, validate, read back, sweep.
    let absolute: Vec<bool> = (0..built.len()).map(|i| built.is_absolute(i)).collect();
    let mut layout = layout_from_bits(input.layout);
    if Layout::from_bits(layout.to_bits()) != Ok(layout) {
        layout.ptr_bytes = 8;
    }
    let natural = match options.kernel {
        KernelVersion::V6_12 => Layout::linux(6, 12, 0, false, options.absolute_percpu),
        KernelVersion::V7_0 if options.pc_relative => Layout::V7_0,
        KernelVersion::V7_0 => Layout {
            addresses: AddressEncoding::Raw32,
            ..Layout::V7_0
        },
    };
    let lo = got.first().map_or(0, |s| s.0);
    let hi = got.last().map_or(lo, |s| s.0);
    let offsets_addr = lo + (hi - lo) / 2;
    for layout in [layout, natural] {
        let unfit = first_unfit(layout, &got, &absolute, built.relative_base(), offsets_addr);
        let owned = match built.owned_table_at(layout, offsets_addr) {
            Ok(t) => {
                assert_eq!(unfit, None, "{layout} took an address it cannot hold");
                t
            }
            Err(BuildError::AddressOverflow { index, .. }) => {
                assert_eq!(Some(index as usize), unfit, "{layout}");
                continue;
            }
            Err(e) => panic!("{layout}: {e}"),
        };
        let t = owned
            .table()
            .unwrap_or_else(|e| panic!("{layout}: builder output fails validation: {e}"));
        let model = Model::new(&owned.raw(), layout, None, true).expect("decodes");
        let back: Vec<(u64, u8, Vec<u8>)> = model
            .syms
            .iter()
            .map(|s| (s.addr, s.kind, s.name.clone()))
            .collect();
        assert_eq!(back, got, "{layout}: read-back differs");
        sweep(&t, &model, data.get(..64).unwrap_or(data));
    }
});
