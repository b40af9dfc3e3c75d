// SPDX-License-Identifier: GPL-2.0-only OR MIT
//! Test-only static library for `tests/nopanic.rs`: one `#[no_mangle]` wrapper,
//! `nopanic_<name>`, per public function of the no_std reader (`kallsyms` without
//! features), so that the test can check in the release disassembly that none of
//! them can reach `core::panicking`.
//!
//! Every input comes from the caller as raw parts (a pointer and a length, an
//! integer, or an opaque pointer to a value an earlier wrapper made), so nothing is
//! constant-folded; every answer is returned or written through an out pointer.
//! Generic and closure-taking functions are instantiated with plain closures.
//!
//! `nopanic_fmt_*` wrappers format a value with `core::fmt::write` into a caller's
//! buffer: they exercise the `Display` impls (their check allows `core::fmt`).
//!
//! Nothing here is ever called: the library exists to be disassembled.
#![no_std]
#![deny(unsafe_op_in_unsafe_fn)]
#![allow(clippy::missing_safety_doc)]

use core::ffi::c_void;
use core::fmt::{self, Display};
use core::ops::ControlFlow;

use kallsyms::accel::{self, AddressCache, ProbeCache};
use kallsyms::livepatch::{self, AddressZero, KlpObject, KlpRela, KlpSym};
use kallsyms::module::{ElfClass, ModRegion, ModuleSymtab};
use kallsyms::{
    base_name, classify_suffix, Checks, Endian, Layout, Match, RawTable, Sections, Symbol, Table,
};

#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    loop {
        core::hint::spin_loop();
    }
}

// ---- raw parts --------------------------------------------------------------------

/// The arrays of a table, as a C caller would pass them.
#[repr(C)]
pub struct RawParts {
    /// `kallsyms_names`.
    pub names: *const u8,
    /// Its length.
    pub names_len: usize,
    /// `kallsyms_markers`.
    pub markers: *const u8,
    /// Its length.
    pub markers_len: usize,
    /// `kallsyms_token_table`.
    pub token_table: *const u8,
    /// Its length.
    pub token_table_len: usize,
    /// `kallsyms_token_index`.
    pub token_index: *const u8,
    /// Its length.
    pub token_index_len: usize,
    /// `kallsyms_offsets`.
    pub offsets: *const u8,
    /// Its length.
    pub offsets_len: usize,
    /// `kallsyms_seqs_of_names`.
    pub seqs: *const u8,
    /// Its length.
    pub seqs_len: usize,
    /// `kallsyms_num_syms`.
    pub num_syms: u32,
    /// `Layout::to_bits()`.
    pub layout: u32,
    /// `kallsyms_relative_base`.
    pub relative_base: u64,
    /// Where `kallsyms_offsets` lives.
    pub offsets_addr: u64,
}

/// The bytes at `p` (empty when `p` is null).
///
/// # Safety
///
/// `p` is null or points to `len` readable bytes that outlive `'a`.
unsafe fn bytes<'a>(p: *const u8, len: usize) -> &'a [u8] {
    if p.is_null() {
        return &[];
    }
    // SAFETY: the caller's contract: `len` readable bytes at `p` for `'a`.
    unsafe { core::slice::from_raw_parts(p, len) }
}

/// The `T`s at `p` (empty when `p` is null).
///
/// # Safety
///
/// `p` is null or points to `len` writable, aligned `T`s, unaliased for `'a`.
unsafe fn slice_mut<'a, T>(p: *mut T, len: usize) -> &'a mut [T] {
    if p.is_null() {
        return &mut [];
    }
    // SAFETY: the caller's contract: `len` writable, unaliased `T`s at `p` for `'a`.
    unsafe { core::slice::from_raw_parts_mut(p, len) }
}

/// The `u16`s at `p` (empty when `p` is null).
///
/// # Safety
///
/// `p` is null or points to `len` readable, aligned `u16`s that outlive `'a`.
unsafe fn words<'a>(p: *const u16, len: usize) -> &'a [u16] {
    if p.is_null() {
        return &[];
    }
    // SAFETY: the caller's contract: `len` readable `u16`s at `p` for `'a`.
    unsafe { core::slice::from_raw_parts(p, len) }
}

/// The [`RawTable`] of `p`.
///
/// # Safety
///
/// `p` points to a `RawParts` whose arrays satisfy [`bytes`] for `'a`.
unsafe fn raw_table<'a>(p: *const RawParts) -> RawTable<'a> {
    // SAFETY: the caller's contract.
    unsafe {
        let p = &*p;
        RawTable {
            num_syms: p.num_syms,
            names: bytes(p.names, p.names_len),
            markers: bytes(p.markers, p.markers_len),
            token_table: bytes(p.token_table, p.token_table_len),
            token_index: bytes(p.token_index, p.token_index_len),
            offsets: bytes(p.offsets, p.offsets_len),
            relative_base: p.relative_base,
            offsets_addr: p.offsets_addr,
            seqs_of_names: bytes(p.seqs, p.seqs_len),
        }
    }
}

/// The table an earlier `nopanic_table_new` wrote at `t`.
///
/// # Safety
///
/// `t` points to a valid `Table` whose arrays outlive `'a`.
unsafe fn table<'a>(t: *const c_void) -> &'a Table<'a> {
    // SAFETY: the caller's contract.
    unsafe { &*t.cast::<Table<'a>>() }
}

/// The module symbol table an earlier `nopanic_module_new` wrote at `m`.
///
/// # Safety
///
/// `m` points to a valid `ModuleSymtab` whose tables outlive `'a`.
unsafe fn module<'a>(m: *const c_void) -> &'a ModuleSymtab<'a> {
    // SAFETY: the caller's contract.
    unsafe { &*m.cast::<ModuleSymtab<'a>>() }
}

/// Writes `v` at `out` (unaligned), unless `out` is null.
///
/// # Safety
///
/// `out` is null or points to `size_of::<T>()` writable bytes.
unsafe fn put<T>(out: *mut c_void, v: T) {
    if !out.is_null() {
        // SAFETY: the caller's contract.
        unsafe { out.cast::<T>().write_unaligned(v) }
    }
}

/// The section bounds at `s`.
///
/// # Safety
///
/// `s` points to valid `Sections`.
unsafe fn sections(s: *const c_void) -> Sections {
    // SAFETY: the caller's contract.
    unsafe { s.cast::<Sections>().read_unaligned() }
}

fn opts(bits: u32) -> Match {
    Match::from_bits_truncate(bits)
}

fn checks(c: u32) -> Checks {
    if c == 0 {
        Checks::Full
    } else {
        Checks::SkipNameOrder
    }
}

fn class(c: u32) -> ElfClass {
    if c == 0 {
        ElfClass::Elf32
    } else {
        ElfClass::Elf64
    }
}

fn endian(e: u32) -> Endian {
    if e == 0 {
        Endian::Little
    } else {
        Endian::Big
    }
}

fn zero(z: u32) -> AddressZero {
    if z == 0 {
        AddressZero::KernelCompatible
    } else {
        AddressZero::Exact
    }
}

fn sym_digest(s: Option<Symbol>) -> u64 {
    s.map_or(u64::MAX, |s| {
        s.address ^ u64::from(s.index) ^ u64::from(s.type_letter) ^ (u64::from(s.name_offset) << 32)
    })
}

/// A `fmt::Write` into a fixed buffer that never panics.
struct Sink<'b> {
    buf: &'b mut [u8],
    len: usize,
}

impl fmt::Write for Sink<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let end = self.len.checked_add(s.len()).ok_or(fmt::Error)?;
        let dst = self.buf.get_mut(self.len..end).ok_or(fmt::Error)?;
        for (d, b) in dst.iter_mut().zip(s.bytes()) {
            *d = b;
        }
        self.len = end;
        Ok(())
    }
}

/// Formats `v` into `buf`: its length, or -1.
///
/// # Safety
///
/// As [`slice_mut`] for `buf`, `len`.
unsafe fn show(buf: *mut u8, len: usize, v: &dyn Display) -> isize {
    // SAFETY: the caller's contract.
    let buf = unsafe { slice_mut(buf, len) };
    let mut sink = Sink { buf, len: 0 };
    match fmt::write(&mut sink, format_args!("{v}")) {
        Ok(()) => isize::try_from(sink.len).unwrap_or(-1),
        Err(_) => -1,
    }
}

// ---- table.rs -----------------------------------------------------------------------

/// `Table::new`: writes the table at `out` (room for a `Table`), 0; or the errno.
#[no_mangle]
pub unsafe extern "C" fn nopanic_table_new(parts: *const RawParts, out: *mut c_void) -> i32 {
    // SAFETY: the caller passes valid parts and room for a table.
    unsafe {
        let layout = match Layout::from_bits((*parts).layout) {
            Ok(l) => l,
            Err(e) => return e.to_errno(),
        };
        match Table::new(raw_table(parts), layout) {
            Ok(t) => {
                put(out, t);
                0
            }
            Err(e) => e.to_errno(),
        }
    }
}

/// `Table::with_checks`.
#[no_mangle]
pub unsafe extern "C" fn nopanic_table_with_checks(
    parts: *const RawParts,
    check: u32,
    out: *mut c_void,
) -> i32 {
    // SAFETY: the caller passes valid parts and room for a table.
    unsafe {
        let layout = match Layout::from_bits((*parts).layout) {
            Ok(l) => l,
            Err(e) => return e.to_errno(),
        };
        match Table::with_checks(raw_table(parts), layout, checks(check)) {
            Ok(t) => {
                put(out, t);
                0
            }
            Err(e) => e.to_errno(),
        }
    }
}

/// `Table::with_sections` and `Table::sections`.
#[no_mangle]
pub unsafe extern "C" fn nopanic_table_with_sections(
    t: *const c_void,
    s: *const c_void,
    out: *mut c_void,
) -> u64 {
    // SAFETY: the caller passes a table, sections and room for a table.
    unsafe {
        let t = table(t).clone().with_sections(sections(s));
        let end = t.sections().map_or(0, |s| s.end);
        put(out, t);
        end
    }
}

/// The plain accessors: `Table::raw`, `Table::layout`, `Table::len`,
/// `Table::is_empty`, `Table::names_len`, `Table::max_name_len`,
/// `Table::has_name_index`.
#[no_mangle]
pub unsafe extern "C" fn nopanic_table_accessors(t: *const c_void, out: *mut u64) {
    // SAFETY: the caller passes a table and room for 8 `u64`s.
    unsafe {
        let t = table(t);
        let out = slice_mut(out, 8);
        let v = [
            t.raw().names.len() as u64,
            u64::from(t.layout().to_bits()),
            u64::from(t.len()),
            u64::from(t.is_empty()),
            u64::from(t.names_len()),
            u64::from(t.max_name_len()),
            u64::from(t.has_name_index()),
            t.raw().relative_base,
        ];
        for (o, v) in out.iter_mut().zip(v) {
            *o = v;
        }
    }
}

// ---- addrs.rs -----------------------------------------------------------------------

/// `Sections::is_inittext`, `Sections::is_ksym_addr`, `Sections::last_end`.
#[no_mangle]
pub unsafe extern "C" fn nopanic_sections(s: *const c_void, addr: u64) -> u64 {
    // SAFETY: the caller passes sections.
    let s = unsafe { sections(s) };
    s.last_end(addr) ^ u64::from(s.is_inittext(addr)) ^ (u64::from(s.is_ksym_addr(addr)) << 1)
}

/// `Table::address`.
#[no_mangle]
pub unsafe extern "C" fn nopanic_address(t: *const c_void, index: u32) -> u64 {
    // SAFETY: the caller passes a table.
    unsafe { table(t).address(index) }
}

/// `Table::position`.
#[no_mangle]
pub unsafe extern "C" fn nopanic_position(t: *const c_void, addr: u64, out: *mut c_void) -> i32 {
    // SAFETY: the caller passes a table and room for a `Position`.
    unsafe {
        match table(t).position(addr) {
            Some(p) => {
                put(out, p);
                0
            }
            None => -1,
        }
    }
}

// ---- error.rs -----------------------------------------------------------------------

/// `FormatError::new`, `FormatError::to_errno`, `Array::name`,
/// `FormatErrorKind::text`, on the error of `Table::new`.
#[no_mangle]
pub unsafe extern "C" fn nopanic_format_error(parts: *const RawParts, index: u32) -> usize {
    // SAFETY: the caller passes valid parts.
    let raw = unsafe { raw_table(parts) };
    // SAFETY: as above.
    let bits = unsafe { (*parts).layout };
    let e = match Layout::from_bits(bits).and_then(|l| Table::new(raw, l)) {
        Ok(_) => return 0,
        Err(e) => e,
    };
    let again = kallsyms::FormatError::new(e.array, index, e.kind);
    (again.to_errno() as usize) ^ e.array.name().len() ^ e.kind.text().len()
}

/// `LookupError::to_errno`, on the error of `Table::resolve`.
#[no_mangle]
pub unsafe extern "C" fn nopanic_lookup_error(
    t: *const c_void,
    name: *const u8,
    len: usize,
    o: u32,
    sympos: u32,
) -> i32 {
    // SAFETY: the caller passes a table and a name.
    unsafe {
        match table(t).resolve(bytes(name, len), opts(o), sympos) {
            Ok(_) => 0,
            Err(e) => e.to_errno(),
        }
    }
}

/// `Display for FormatError`.
#[no_mangle]
pub unsafe extern "C" fn nopanic_fmt_format_error(
    parts: *const RawParts,
    buf: *mut u8,
    len: usize,
) -> isize {
    // SAFETY: the caller passes valid parts and a buffer.
    unsafe {
        let l = match Layout::from_bits((*parts).layout) {
            Ok(l) => l,
            Err(e) => return show(buf, len, &e),
        };
        match Table::new(raw_table(parts), l) {
            Ok(_) => 0,
            Err(e) => show(buf, len, &e),
        }
    }
}

/// `Display for LookupError`.
#[no_mangle]
pub unsafe extern "C" fn nopanic_fmt_lookup_error(
    t: *const c_void,
    name: *const u8,
    name_len: usize,
    o: u32,
    sympos: u32,
    buf: *mut u8,
    len: usize,
) -> isize {
    // SAFETY: the caller passes a table, a name and a buffer.
    unsafe {
        match table(t).resolve(bytes(name, name_len), opts(o), sympos) {
            Ok(_) => 0,
            Err(e) => show(buf, len, &e),
        }
    }
}

// ---- layout.rs ----------------------------------------------------------------------

/// `Layout::linux`, `Layout::to_bits`, `Layout::address_entry_bytes`,
/// `Layout::seqs_entry_bytes`, `Layout::has_relative_base`.
#[no_mangle]
pub extern "C" fn nopanic_layout_linux(
    major: u32,
    minor: u32,
    patch: u32,
    lto_clang: bool,
    percpu: bool,
) -> u64 {
    let l = Layout::linux(major, minor, patch, lto_clang, percpu);
    u64::from(l.to_bits())
        ^ ((l.address_entry_bytes() as u64) << 32)
        ^ ((l.seqs_entry_bytes() as u64) << 40)
        ^ (u64::from(l.has_relative_base()) << 48)
        ^ (u64::from(l.ptr_bytes) << 56)
}

/// `Layout::from_bits`.
#[no_mangle]
pub extern "C" fn nopanic_layout_from_bits(bits: u32) -> i64 {
    match Layout::from_bits(bits) {
        Ok(l) => i64::from(l.to_bits()) ^ i64::from(l.endian == Endian::NATIVE),
        Err(e) => i64::from(e.to_errno()),
    }
}

/// `Display for Layout`.
#[no_mangle]
pub unsafe extern "C" fn nopanic_fmt_layout(bits: u32, buf: *mut u8, len: usize) -> isize {
    match Layout::from_bits(bits) {
        // SAFETY: the caller passes a buffer.
        Ok(l) => unsafe { show(buf, len, &l) },
        Err(_) => -2,
    }
}

// ---- lookup.rs ----------------------------------------------------------------------

/// `Table::symbol`.
#[no_mangle]
pub unsafe extern "C" fn nopanic_symbol(t: *const c_void, index: u32) -> u64 {
    // SAFETY: the caller passes a table.
    sym_digest(unsafe { table(t) }.symbol(index))
}

/// `Table::name`.
#[no_mangle]
pub unsafe extern "C" fn nopanic_name(
    t: *const c_void,
    index: u32,
    buf: *mut u8,
    len: usize,
) -> usize {
    // SAFETY: the caller passes a table and a buffer.
    unsafe {
        let t = table(t);
        match t.symbol(index) {
            Some(s) => t.name(&s, slice_mut(buf, len)).len(),
            None => usize::MAX,
        }
    }
}

/// `Table::name_len`.
#[no_mangle]
pub unsafe extern "C" fn nopanic_name_len(t: *const c_void, index: u32) -> usize {
    // SAFETY: the caller passes a table.
    let t = unsafe { table(t) };
    t.symbol(index).map_or(usize::MAX, |s| t.name_len(&s))
}

/// `Table::name_cmp`.
#[no_mangle]
pub unsafe extern "C" fn nopanic_name_cmp(
    t: *const c_void,
    index: u32,
    name: *const u8,
    len: usize,
) -> i32 {
    // SAFETY: the caller passes a table and a name.
    unsafe {
        let t = table(t);
        t.symbol(index)
            .map_or(2, |s| t.name_cmp(&s, bytes(name, len)) as i32)
    }
}

/// `Table::iter`, with `Iterator::next`, `Iterator::size_hint` and
/// `ExactSizeIterator::len`.
#[no_mangle]
pub unsafe extern "C" fn nopanic_iter(t: *const c_void, stop: u64) -> u64 {
    // SAFETY: the caller passes a table.
    let mut it = unsafe { table(t) }.iter();
    let mut acc = it.len() as u64 ^ it.size_hint().0 as u64;
    for s in it.by_ref() {
        acc = acc.wrapping_add(sym_digest(Some(s)));
        if s.address == stop {
            break;
        }
    }
    acc ^ it.len() as u64
}

/// `Table::on_each_symbol` with a closure that may stop the walk.
#[no_mangle]
pub unsafe extern "C" fn nopanic_on_each_symbol(
    t: *const c_void,
    name: *const u8,
    len: usize,
) -> u64 {
    // SAFETY: the caller passes a table and a name.
    let (t, want) = unsafe { (table(t), bytes(name, len)) };
    let mut seen = 0u64;
    let r = t.on_each_symbol(|n, addr| {
        seen = seen.wrapping_add(1);
        if n == want {
            ControlFlow::Break(addr)
        } else {
            ControlFlow::Continue(())
        }
    });
    r.unwrap_or(u64::MAX) ^ seen
}

/// `Table::size_of`.
#[no_mangle]
pub unsafe extern "C" fn nopanic_size_of(t: *const c_void, index: u32) -> u64 {
    // SAFETY: the caller passes a table.
    unsafe { table(t) }.size_of(index)
}

/// `Table::matches`, iterated to the end or to `stop` matches.
#[no_mangle]
pub unsafe extern "C" fn nopanic_matches(
    t: *const c_void,
    name: *const u8,
    len: usize,
    o: u32,
    stop: u32,
) -> u64 {
    // SAFETY: the caller passes a table and a name.
    let (t, name) = unsafe { (table(t), bytes(name, len)) };
    let mut acc = 0u64;
    for (n, f) in t.matches(name, opts(o)).enumerate() {
        acc = acc
            .wrapping_add(sym_digest(Some(f.symbol)))
            .wrapping_add(u64::from(f.sympos))
            .wrapping_add(f.size)
            .wrapping_add(f.kind as u64);
        if n as u64 == u64::from(stop) {
            break;
        }
    }
    acc
}

/// `Table::count_matches`.
#[no_mangle]
pub unsafe extern "C" fn nopanic_count_matches(
    t: *const c_void,
    name: *const u8,
    len: usize,
    o: u32,
) -> u32 {
    // SAFETY: the caller passes a table and a name.
    unsafe { table(t).count_matches(bytes(name, len), opts(o)) }
}

/// `Table::lookup_name`.
#[no_mangle]
pub unsafe extern "C" fn nopanic_lookup_name(t: *const c_void, name: *const u8, len: usize) -> u64 {
    // SAFETY: the caller passes a table and a name.
    sym_digest(unsafe { table(t).lookup_name(bytes(name, len)) })
}

/// `Table::lookup_names`.
#[no_mangle]
pub unsafe extern "C" fn nopanic_lookup_names(
    t: *const c_void,
    name: *const u8,
    len: usize,
) -> u64 {
    // SAFETY: the caller passes a table and a name.
    unsafe { table(t).lookup_names(bytes(name, len)) }
        .map_or(u64::MAX, |(a, b)| (u64::from(a) << 32) | u64::from(b))
}

/// `Table::name_index_entry`.
#[no_mangle]
pub unsafe extern "C" fn nopanic_name_index_entry(t: *const c_void, j: u32) -> i64 {
    // SAFETY: the caller passes a table.
    unsafe { table(t) }
        .name_index_entry(j)
        .map_or(-1, i64::from)
}

/// `Table::resolve`.
#[no_mangle]
pub unsafe extern "C" fn nopanic_resolve(
    t: *const c_void,
    name: *const u8,
    len: usize,
    o: u32,
    sympos: u32,
    out: *mut c_void,
) -> i32 {
    // SAFETY: the caller passes a table, a name and room for a `Found`.
    unsafe {
        match table(t).resolve(bytes(name, len), opts(o), sympos) {
            Ok(f) => {
                put(out, f);
                0
            }
            Err(e) => e.to_errno(),
        }
    }
}

/// `Table::sympos_of` and `Sympos::livepatch`.
#[no_mangle]
pub unsafe extern "C" fn nopanic_sympos_of(
    t: *const c_void,
    index: u32,
    o: u32,
    out: *mut c_void,
) -> i64 {
    // SAFETY: the caller passes a table and room for a `Sympos`.
    unsafe {
        match table(t).sympos_of(index, opts(o)) {
            Some(s) => {
                let lp = s.livepatch();
                put(out, s);
                i64::from(lp)
            }
            None => -1,
        }
    }
}

/// `Table::lookup_address`.
#[no_mangle]
pub unsafe extern "C" fn nopanic_lookup_address(
    t: *const c_void,
    addr: u64,
    out: *mut c_void,
) -> u64 {
    // SAFETY: the caller passes a table and room for a `Position`.
    unsafe {
        match table(t).lookup_address(addr) {
            Some((s, p)) => {
                put(out, p);
                sym_digest(Some(s))
            }
            None => u64::MAX,
        }
    }
}

/// `Table::sprint_symbol`.
#[no_mangle]
pub unsafe extern "C" fn nopanic_sprint_symbol(
    t: *const c_void,
    addr: u64,
    buf: *mut u8,
    len: usize,
) -> isize {
    // SAFETY: the caller passes a table and a buffer.
    unsafe {
        match table(t).sprint_symbol(addr, slice_mut(buf, len)) {
            Ok(n) => isize::try_from(n).unwrap_or(-1),
            Err(e) => e.to_errno() as isize,
        }
    }
}

// ---- matching.rs --------------------------------------------------------------------

/// `classify_suffix`, with `MatchKind::as_str`, `MatchKind::is_same_function` and
/// `MatchKind::flag`.
#[no_mangle]
pub unsafe extern "C" fn nopanic_classify_suffix(suffix: *const u8, len: usize, o: u32) -> u64 {
    // SAFETY: the caller passes a suffix.
    match classify_suffix(unsafe { bytes(suffix, len) }, opts(o)) {
        Some(k) => {
            (k.as_str().len() as u64)
                ^ (u64::from(k.is_same_function()) << 8)
                ^ (u64::from(k.flag().bits()) << 16)
        }
        None => u64::MAX,
    }
}

/// `Display for MatchKind`.
#[no_mangle]
pub unsafe extern "C" fn nopanic_fmt_match_kind(
    suffix: *const u8,
    suffix_len: usize,
    o: u32,
    buf: *mut u8,
    len: usize,
) -> isize {
    // SAFETY: the caller passes a suffix and a buffer.
    unsafe {
        match classify_suffix(bytes(suffix, suffix_len), opts(o)) {
            Some(k) => show(buf, len, &k),
            None => -2,
        }
    }
}

/// `base_name`.
#[no_mangle]
pub unsafe extern "C" fn nopanic_base_name(name: *const u8, len: usize, o: u32) -> usize {
    // SAFETY: the caller passes a name.
    base_name(unsafe { bytes(name, len) }, opts(o)).len()
}

// ---- accel.rs -----------------------------------------------------------------------

/// `ProbeCache::default` and `ProbeCache::fill` (the cache at `cache`).
#[no_mangle]
pub unsafe extern "C" fn nopanic_probe_cache_fill(t: *const c_void, cache: *mut c_void) {
    // SAFETY: the caller passes a table and an unaliased, aligned `ProbeCache`.
    unsafe {
        let cache = &mut *cache.cast::<ProbeCache>();
        *cache = ProbeCache::default();
        cache.fill(table(t));
    }
}

/// `AddressCache::default` and `AddressCache::fill` (the cache at `cache`).
#[no_mangle]
pub unsafe extern "C" fn nopanic_address_cache_fill(t: *const c_void, cache: *mut c_void) {
    // SAFETY: the caller passes a table and an unaliased, aligned `AddressCache`.
    unsafe {
        let cache = &mut *cache.cast::<AddressCache>();
        *cache = AddressCache::default();
        cache.fill(table(t));
    }
}

/// `Table::with_address_cache`, then an address lookup through the cache.
#[no_mangle]
pub unsafe extern "C" fn nopanic_with_address_cache(
    t: *const c_void,
    cache: *const c_void,
    addr: u64,
) -> u64 {
    // SAFETY: the caller passes a table and an `AddressCache`.
    unsafe {
        match table(t)
            .clone()
            .with_address_cache(&*cache.cast::<AddressCache>())
        {
            Ok(t) => t
                .lookup_address(addr)
                .map_or(0, |(s, p)| sym_digest(Some(s)) ^ p.size ^ p.offset),
            Err(e) => e.to_errno() as u64,
        }
    }
}

/// `Table::with_probe_cache`, then a lookup through the cache.
#[no_mangle]
pub unsafe extern "C" fn nopanic_with_probe_cache(
    t: *const c_void,
    cache: *const c_void,
    name: *const u8,
    len: usize,
) -> u64 {
    // SAFETY: the caller passes a table, a `ProbeCache` and a name.
    unsafe {
        match table(t)
            .clone()
            .with_probe_cache(&*cache.cast::<ProbeCache>())
        {
            Ok(t) => sym_digest(t.lookup_name(bytes(name, len))),
            Err(e) => e.to_errno() as u64,
        }
    }
}

/// `fill_block_offsets`.
#[no_mangle]
pub unsafe extern "C" fn nopanic_fill_block_offsets(
    t: *const c_void,
    out: *mut u16,
    len: usize,
) -> i32 {
    // SAFETY: the caller passes a table and a buffer of `u16`s.
    unsafe { accel::fill_block_offsets(table(t), slice_mut(out, len)) }
        .map_or_else(|e| e.to_errno(), |()| 0)
}

/// `Table::with_block_offsets`, then an address lookup through them.
#[no_mangle]
pub unsafe extern "C" fn nopanic_with_block_offsets(
    t: *const c_void,
    offs: *const u16,
    len: usize,
    addr: u64,
) -> u64 {
    // SAFETY: the caller passes a table and its block offsets.
    unsafe {
        match table(t).clone().with_block_offsets(words(offs, len)) {
            Ok(t) => t.lookup_address(addr).map_or(u64::MAX, |(s, _)| s.address),
            Err(e) => e.to_errno() as u64,
        }
    }
}

/// `fill_name_offsets`.
#[no_mangle]
pub unsafe extern "C" fn nopanic_fill_name_offsets(
    t: *const c_void,
    out: *mut u16,
    len: usize,
) -> i32 {
    // SAFETY: the caller passes a table and a buffer of `u16`s.
    unsafe { accel::fill_name_offsets(table(t), slice_mut(out, len)) }
        .map_or_else(|e| e.to_errno(), |()| 0)
}

/// `Table::with_name_offsets`, then a name lookup through them.
#[no_mangle]
pub unsafe extern "C" fn nopanic_with_name_offsets(
    t: *const c_void,
    offs: *const u16,
    len: usize,
    name: *const u8,
    name_len: usize,
) -> u64 {
    // SAFETY: the caller passes a table, its name offsets and a name.
    unsafe {
        match table(t).clone().with_name_offsets(words(offs, len)) {
            Ok(t) => sym_digest(t.lookup_name(bytes(name, name_len))),
            Err(e) => e.to_errno() as u64,
        }
    }
}

/// `name_hash`.
#[no_mangle]
pub unsafe extern "C" fn nopanic_name_hash(name: *const u8, len: usize) -> u64 {
    // SAFETY: the caller passes a name.
    accel::name_hash(unsafe { bytes(name, len) })
}

/// `hash_slots` and `hash_index_len`.
#[no_mangle]
pub extern "C" fn nopanic_hash_sizes(distinct: u32) -> u64 {
    (accel::hash_slots(distinct) as u64) ^ ((accel::hash_index_len(distinct) as u64) << 32)
}

/// `distinct_names`.
#[no_mangle]
pub unsafe extern "C" fn nopanic_distinct_names(t: *const c_void) -> u32 {
    // SAFETY: the caller passes a table.
    accel::distinct_names(unsafe { table(t) })
}

/// `fill_hash_index`.
#[no_mangle]
pub unsafe extern "C" fn nopanic_fill_hash_index(
    t: *const c_void,
    out: *mut u16,
    len: usize,
) -> i32 {
    // SAFETY: the caller passes a table and a buffer of `u16`s.
    unsafe { accel::fill_hash_index(table(t), slice_mut(out, len)) }
        .map_or_else(|e| e.to_errno(), |()| 0)
}

/// `Table::with_hash_index`, then a name lookup through it.
#[no_mangle]
pub unsafe extern "C" fn nopanic_with_hash_index(
    t: *const c_void,
    words_ptr: *const u16,
    len: usize,
    name: *const u8,
    name_len: usize,
) -> u64 {
    // SAFETY: the caller passes a table, its hash index and a name.
    unsafe {
        match table(t).clone().with_hash_index(words(words_ptr, len)) {
            Ok(t) => sym_digest(t.lookup_name(bytes(name, name_len))),
            Err(e) => e.to_errno() as u64,
        }
    }
}

// ---- livepatch.rs -------------------------------------------------------------------

/// `KlpSym::parse`, `KlpSym::is_vmlinux` and `KlpNameError::to_errno`.
#[no_mangle]
pub unsafe extern "C" fn nopanic_klp_sym_parse(s: *const u8, len: usize, out: *mut u64) -> i32 {
    // SAFETY: the caller passes a name and room for 3 `u64`s.
    unsafe {
        match KlpSym::parse(bytes(s, len)) {
            Ok(k) => {
                let v = [k.objname.len() as u64, k.name.len() as u64, k.sympos];
                for (o, v) in slice_mut(out, 3).iter_mut().zip(v) {
                    *o = v;
                }
                i32::from(k.is_vmlinux())
            }
            Err(e) => e.to_errno(),
        }
    }
}

/// `KlpRela::parse`.
#[no_mangle]
pub unsafe extern "C" fn nopanic_klp_rela_parse(s: *const u8, len: usize) -> u64 {
    // SAFETY: the caller passes a name.
    match KlpRela::parse(unsafe { bytes(s, len) }) {
        Ok(r) => (r.objname.len() as u64) ^ ((r.section.len() as u64) << 32),
        Err(e) => e.to_errno() as u64,
    }
}

/// `Display for KlpSym`, or `Display for KlpNameError`.
#[no_mangle]
pub unsafe extern "C" fn nopanic_fmt_klp_sym(
    s: *const u8,
    s_len: usize,
    buf: *mut u8,
    len: usize,
) -> isize {
    // SAFETY: the caller passes a name and a buffer.
    unsafe {
        match KlpSym::parse(bytes(s, s_len)) {
            Ok(k) => show(buf, len, &k),
            Err(e) => show(buf, len, &e),
        }
    }
}

/// `Display for KlpRela`, or `Display for KlpNameError`.
#[no_mangle]
pub unsafe extern "C" fn nopanic_fmt_klp_rela(
    s: *const u8,
    s_len: usize,
    buf: *mut u8,
    len: usize,
) -> isize {
    // SAFETY: the caller passes a name and a buffer.
    unsafe {
        match KlpRela::parse(bytes(s, s_len)) {
            Ok(r) => show(buf, len, &r),
            Err(e) => show(buf, len, &e),
        }
    }
}

/// `find_object_symbol` in vmlinux, with `KlpError::to_errno` and `KlpError::code`.
#[no_mangle]
pub unsafe extern "C" fn nopanic_find_object_symbol(
    t: *const c_void,
    name: *const u8,
    len: usize,
    sympos: u64,
    z: u32,
) -> i64 {
    // SAFETY: the caller passes a table and a name.
    let (t, name) = unsafe { (table(t), bytes(name, len)) };
    match livepatch::find_object_symbol(KlpObject::Vmlinux(t), name, sympos, zero(z)) {
        Ok(a) => a as i64,
        Err(e) => i64::from(e.to_errno()) ^ (i64::from(e.code()) << 32),
    }
}

/// `find_object_symbol` in a module.
#[no_mangle]
pub unsafe extern "C" fn nopanic_find_object_symbol_module(
    m: *const c_void,
    objname: *const u8,
    objname_len: usize,
    name: *const u8,
    len: usize,
    sympos: u64,
    z: u32,
) -> i64 {
    // SAFETY: the caller passes a module symbol table and two names.
    let (symtab, objname, name) =
        unsafe { (module(m), bytes(objname, objname_len), bytes(name, len)) };
    let obj = KlpObject::Module {
        name: objname,
        symtab,
    };
    match livepatch::find_object_symbol(obj, name, sympos, zero(z)) {
        Ok(a) => a as i64,
        Err(e) => i64::from(e.to_errno()) ^ (i64::from(e.code()) << 32),
    }
}

/// `Display for KlpError` and, with `KlpError::message`, `Display for KlpMessage`.
#[no_mangle]
pub unsafe extern "C" fn nopanic_fmt_klp_error(
    t: *const c_void,
    name: *const u8,
    name_len: usize,
    objname: *const u8,
    objname_len: usize,
    sympos: u64,
    message: bool,
    buf: *mut u8,
    len: usize,
) -> isize {
    // SAFETY: the caller passes a table, two names (`objname` may be null) and a
    // buffer.
    unsafe {
        let name = bytes(name, name_len);
        let obj = (!objname.is_null()).then(|| bytes(objname, objname_len));
        match livepatch::find_object_symbol(
            KlpObject::Vmlinux(table(t)),
            name,
            sympos,
            AddressZero::Exact,
        ) {
            Ok(_) => 0,
            Err(e) if message => show(buf, len, &e.message(name, obj, sympos)),
            Err(e) => show(buf, len, &e),
        }
    }
}

// ---- module.rs ----------------------------------------------------------------------

/// The tables of a module, as a C caller would pass them.
#[repr(C)]
pub struct ModuleParts {
    /// The ELF symbol table.
    pub symtab: *const u8,
    /// Its length in bytes.
    pub symtab_len: usize,
    /// The string table.
    pub strtab: *const u8,
    /// Its length.
    pub strtab_len: usize,
    /// The type letters (may be null).
    pub typetab: *const u8,
    /// Its length.
    pub typetab_len: usize,
    /// 0: `Elf32_Sym`, else `Elf64_Sym`.
    pub class: u32,
    /// 0: little-endian, else big-endian.
    pub endian: u32,
}

/// `ModuleSymtab::new`, `ElfClass::sym_size` and `ModuleError::to_errno`: writes
/// the table at `out`, 0; or the errno.
#[no_mangle]
pub unsafe extern "C" fn nopanic_module_new(p: *const ModuleParts, out: *mut c_void) -> i64 {
    // SAFETY: the caller passes valid parts and room for a `ModuleSymtab`.
    unsafe {
        let p = &*p;
        let c = class(p.class);
        match ModuleSymtab::new(
            bytes(p.symtab, p.symtab_len),
            bytes(p.strtab, p.strtab_len),
            bytes(p.typetab, p.typetab_len),
            c,
            endian(p.endian),
        ) {
            Ok(m) => {
                put(out, m);
                c.sym_size() as i64
            }
            Err(e) => i64::from(e.to_errno()),
        }
    }
}

/// `Display for ModuleError`.
#[no_mangle]
pub unsafe extern "C" fn nopanic_fmt_module_error(
    p: *const ModuleParts,
    buf: *mut u8,
    len: usize,
) -> isize {
    // SAFETY: the caller passes valid parts and a buffer.
    unsafe {
        let p = &*p;
        match ModuleSymtab::new(
            bytes(p.symtab, p.symtab_len),
            bytes(p.strtab, p.strtab_len),
            bytes(p.typetab, p.typetab_len),
            class(p.class),
            endian(p.endian),
        ) {
            Ok(_) => 0,
            Err(e) => show(buf, len, &e),
        }
    }
}

/// `ModuleSymtab::len`, `ModuleSymtab::is_empty` and `ModuleSymtab::symbol`.
#[no_mangle]
pub unsafe extern "C" fn nopanic_module_symbol(m: *const c_void, i: u32) -> u64 {
    // SAFETY: the caller passes a module symbol table.
    let m = unsafe { module(m) };
    let head = u64::from(m.len()) ^ u64::from(m.is_empty());
    match m.symbol(i) {
        Some(s) => {
            head ^ s.value
                ^ s.size
                ^ u64::from(s.shndx)
                ^ u64::from(s.type_letter)
                ^ s.name.len() as u64
                ^ u64::from(s.index)
        }
        None => u64::MAX,
    }
}

/// `ModuleSymtab::defined`, iterated.
#[no_mangle]
pub unsafe extern "C" fn nopanic_module_defined(m: *const c_void, stop: u64) -> u64 {
    // SAFETY: the caller passes a module symbol table.
    let m = unsafe { module(m) };
    let mut acc = 0u64;
    for s in m.defined() {
        acc = acc.wrapping_add(s.value);
        if s.value == stop {
            break;
        }
    }
    acc
}

/// `ModuleSymtab::lookup_name`.
#[no_mangle]
pub unsafe extern "C" fn nopanic_module_lookup_name(
    m: *const c_void,
    name: *const u8,
    len: usize,
) -> u64 {
    // SAFETY: the caller passes a module symbol table and a name.
    unsafe { module(m).lookup_name(bytes(name, len)) }.map_or(u64::MAX, |s| s.value)
}

/// `ModuleSymtab::matches`, iterated.
#[no_mangle]
pub unsafe extern "C" fn nopanic_module_matches(
    m: *const c_void,
    name: *const u8,
    len: usize,
    o: u32,
    stop: u32,
) -> u64 {
    // SAFETY: the caller passes a module symbol table and a name.
    let (m, name) = unsafe { (module(m), bytes(name, len)) };
    let mut acc = 0u64;
    for (s, kind, pos) in m.matches(name, opts(o)) {
        acc = acc
            .wrapping_add(s.value)
            .wrapping_add(kind as u64)
            .wrapping_add(u64::from(pos));
        if pos == stop {
            break;
        }
    }
    acc
}

/// `ModuleSymtab::lookup_address`.
#[no_mangle]
pub unsafe extern "C" fn nopanic_module_lookup_address(
    m: *const c_void,
    addr: u64,
    base: u64,
    size: u64,
    out: *mut u64,
) -> i32 {
    // SAFETY: the caller passes a module symbol table and room for 3 `u64`s.
    unsafe {
        match module(m).lookup_address(addr, ModRegion { base, size }) {
            Some((s, size, off)) => {
                for (o, v) in slice_mut(out, 3).iter_mut().zip([s.value, size, off]) {
                    *o = v;
                }
                0
            }
            None => -1,
        }
    }
}

// ---- control ------------------------------------------------------------------------

/// Not a wrapper: an index that can fail, which the test must see reach a panic.
#[no_mangle]
pub unsafe extern "C" fn control_index(p: *const u8, len: usize, i: usize) -> u8 {
    // SAFETY: the caller passes `len` readable bytes.
    let b = unsafe { bytes(p, len) };
    b[i]
}
