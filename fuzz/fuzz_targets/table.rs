// SPDX-License-Identifier: GPL-2.0-only OR MIT
//! Table validation, then every query on whatever validates, compared with a
//! brute-force reference (see `kallsyms_fuzz` for the input format).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Some(input) = kallsyms_fuzz::decode(data) {
        kallsyms_fuzz::check_input(&input);
    }
});
