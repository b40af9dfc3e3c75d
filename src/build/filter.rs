// SPDX-License-Identifier: GPL-2.0-only OR MIT
//! Which symbols enter the table: ignored types, the text-range filter and the
//! per-cpu range (`is_ignored_symbol()`, `check_symbol_range()`, `symbol_valid()`,
//! `make_percpus_absolute()` of `scripts/kallsyms.c`, 6.12).

/// `is_ignored_symbol()` (`scripts/kallsyms.c`, 6.12): types `u` and `n` (lower case
/// only), and `A`/`a` except four absolute symbols worth keeping.
pub fn is_ignored(name: &[u8], kind: u8) -> bool {
    if kind == b'u' || kind == b'n' {
        return true;
    }
    if kind.eq_ignore_ascii_case(&b'A') {
        return !matches!(
            name,
            b"__kernel_syscall_via_break"
                | b"__kernel_syscall_via_epc"
                | b"__kernel_sigtramp"
                | b"__gp"
        );
    }
    false
}

/// An inclusive address range bounded by two marker symbols (`struct addr_range`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AddrRange {
    /// Name of the symbol giving the start.
    pub start_sym: &'static [u8],
    /// Name of the symbol giving the end.
    pub end_sym: &'static [u8],
    /// Start address (the last value seen for `start_sym`).
    pub start: u64,
    /// End address, inclusive.
    pub end: u64,
}

impl AddrRange {
    /// Whether `addr` is in `[start, end]` (`symbol_in_range()`).
    pub fn contains(&self, addr: u64) -> bool {
        addr >= self.start && addr <= self.end
    }
}

/// The ranges the 6.12 tool tracks while reading: `text_ranges[]` (`_stext`/`_etext`,
/// `_sinittext`/`_einittext`, zero-initialised) and `percpu_range`
/// (`__per_cpu_start`/`__per_cpu_end`, initialised to the empty `[-1, 0]`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ranges {
    /// `text_ranges[0]` and `text_ranges[1]`.
    pub text: [AddrRange; 2],
    /// `percpu_range`.
    pub percpu: AddrRange,
}

impl Default for Ranges {
    fn default() -> Self {
        Ranges {
            text: [
                AddrRange {
                    start_sym: b"_stext",
                    end_sym: b"_etext",
                    start: 0,
                    end: 0,
                },
                AddrRange {
                    start_sym: b"_sinittext",
                    end_sym: b"_einittext",
                    start: 0,
                    end: 0,
                },
            ],
            percpu: AddrRange {
                start_sym: b"__per_cpu_start",
                end_sym: b"__per_cpu_end",
                start: u64::MAX,
                end: 0,
            },
        }
    }
}

/// `check_symbol_range()` over one group of ranges: the first range whose start or end
/// name matches takes the address, and the search stops there.
fn check(name: &[u8], addr: u64, ranges: &mut [AddrRange]) {
    for r in ranges {
        if name == r.start_sym {
            r.start = addr;
            return;
        } else if name == r.end_sym {
            r.end = addr;
            return;
        }
    }
}

impl Ranges {
    /// Records `name` at `addr` if it bounds a range; called for every symbol that is
    /// not ignored, in input order, as `read_symbol()` does (so the last occurrence
    /// wins). The per-cpu range is checked as well; only `--absolute-percpu` uses it.
    pub fn record(&mut self, name: &[u8], addr: u64) {
        check(name, addr, &mut self.text);
        check(name, addr, core::slice::from_mut(&mut self.percpu));
    }

    /// `symbol_valid()` of `scripts/kallsyms.c` (6.12).
    ///
    /// With `all_symbols` (`--all-symbols`, `CONFIG_KALLSYMS_ALL`) every symbol is
    /// valid. Otherwise names starting with `__start_` or `__stop_` are always kept;
    /// other symbols must lie in one of the text ranges, and, the "corner case", a
    /// symbol at the address of `_etext` or `_einittext` that is not that symbol itself
    /// is dropped (such symbols can move between link passes).
    pub fn symbol_valid(&self, name: &[u8], addr: u64, all_symbols: bool) -> bool {
        if all_symbols {
            return true;
        }
        if name.starts_with(b"__start_") || name.starts_with(b"__stop_") {
            return true;
        }
        if !self.text.iter().any(|r| r.contains(addr)) {
            return false;
        }
        let [text, inittext] = &self.text;
        !((addr == text.end && name != text.end_sym)
            || (addr == inittext.end && name != inittext.end_sym))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ignored() {
        assert!(is_ignored(b"x", b'u'));
        assert!(is_ignored(b"x", b'n'));
        assert!(!is_ignored(b"x", b'U'));
        assert!(!is_ignored(b"x", b'N'));
        assert!(is_ignored(b"x", b'A'));
        assert!(is_ignored(b"x", b'a'));
        for keep in [
            &b"__kernel_syscall_via_break"[..],
            b"__kernel_syscall_via_epc",
            b"__kernel_sigtramp",
            b"__gp",
        ] {
            assert!(!is_ignored(keep, b'A'));
            assert!(!is_ignored(keep, b'a'));
        }
        assert!(is_ignored(b"__gp2", b'A'));
        assert!(!is_ignored(b"x", b'T'));
    }

    #[test]
    fn ranges() {
        let mut r = Ranges::default();
        assert!(!r.percpu.contains(0));
        r.record(b"_stext", 0x100);
        r.record(b"_etext", 0x200);
        r.record(b"__per_cpu_start", 0);
        r.record(b"__per_cpu_end", 0x50);
        assert!(r.symbol_valid(b"f", 0x100, false));
        assert!(r.symbol_valid(b"_etext", 0x200, false));
        assert!(!r.symbol_valid(b"g", 0x200, false));
        assert!(!r.symbol_valid(b"g", 0x201, false));
        assert!(r.symbol_valid(b"g", 0x201, true));
        assert!(r.symbol_valid(b"__start_x", 0x999, false));
        assert!(r.symbol_valid(b"__stop_x", 0x999, false));
        assert!(!r.symbol_valid(b"__end_x", 0x999, false));
        assert!(r.percpu.contains(0x50));
        // Unset init range is [0, 0]: address 0 is "in range", but also at its end.
        assert!(!r.symbol_valid(b"z", 0, false));
        assert!(r.symbol_valid(b"_einittext", 0, false));
    }
}
