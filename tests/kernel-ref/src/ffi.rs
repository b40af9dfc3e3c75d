// SPDX-License-Identifier: GPL-2.0-only OR MIT
//! Declarations of the C side (`csrc/glue.c` and the renamed kernel
//! functions). Without the C code (`cfg(kernel_ref_missing)`) the same names
//! are Rust functions that are never reached: no [`crate::Session`] can be
//! made then.

use std::ffi::{c_char, c_int, c_uint, c_void};

// The C `unsigned long` is declared as `u64` throughout: build.rs builds the
// C code only for 64-bit Linux (LP64).
#[cfg(not(kernel_ref_missing))]
const _: () = assert!(std::mem::size_of::<std::ffi::c_ulong>() == 8);

/// Mirrors `struct kref_tables` in `csrc/glue.c`.
#[repr(C)]
pub(crate) struct KrefTables {
    pub offsets: *const i32,
    pub names: *const u8,
    pub token_table: *const c_char,
    pub token_index: *const u16,
    pub markers: *const c_uint,
    pub seqs_of_names: *const u8,
    pub relative_base: u64,
    pub stext: u64,
    pub etext: u64,
    pub sinittext: u64,
    pub einittext: u64,
    pub end: u64,
    pub init_begin: u64,
    pub init_end: u64,
    pub num_syms: c_uint,
    pub absolute_percpu: c_int,
    pub kallsyms_all: c_int,
}

/// `Elf64_Sym` of `<elf.h>`.
#[repr(C)]
#[derive(Clone, Copy)]
pub(crate) struct Elf64Sym {
    pub st_name: u32,
    pub st_info: u8,
    pub st_other: u8,
    pub st_shndx: u16,
    pub st_value: u64,
    pub st_size: u64,
}

/// Mirrors `struct kref_module_desc` in `csrc/glue.c`.
#[repr(C)]
pub(crate) struct KrefModule {
    pub name: *const c_char,
    pub symtab: *const Elf64Sym,
    pub num_symtab: c_uint,
    pub strtab: *const c_char,
}

pub(crate) type SymbolCb = unsafe extern "C" fn(*mut c_void, *const c_char, u64) -> c_int;
pub(crate) type MatchCb = unsafe extern "C" fn(*mut c_void, u64) -> c_int;

macro_rules! c_functions {
    ($(fn $name:ident($($arg:ident: $ty:ty),* $(,)?) $(-> $ret:ty)?;)*) => {
        #[cfg(not(kernel_ref_missing))]
        extern "C" {
            $(pub(crate) fn $name($($arg: $ty),*) $(-> $ret)?;)*
        }
        $(
            #[cfg(kernel_ref_missing)]
            pub(crate) unsafe extern "C" fn $name($(_: $ty),*) $(-> $ret)? {
                unreachable!("kernel-ref: the kernel C code was not built")
            }
        )*
    };
}

c_functions! {
    fn kref_install(t: *const KrefTables);
    fn kref_set_modules(d: *const KrefModule, n: c_uint) -> c_int;
    fn kref_clear_modules();
    fn kref_log(len: *mut usize) -> *const c_char;
    fn kref_log_clear();
    fn kref_ksym_name_len() -> u64;
    fn kref_ksym_symbol_len() -> u64;

    fn kref_expand_symbol(off: c_uint, result: *mut c_char, maxlen: usize) -> c_uint;
    fn kref_get_symbol_type(off: c_uint) -> c_char;
    fn kref_get_symbol_offset(pos: u64) -> c_uint;
    fn kref_get_symbol_seq(index: c_int) -> c_uint;
    fn kref_lookup_names(name: *const c_char, start: *mut c_uint, end: *mut c_uint) -> c_int;
    fn kref_get_symbol_pos(addr: u64, size: *mut u64, offset: *mut u64) -> u64;
    fn kref_klp_find_object_symbol(
        objname: *const c_char,
        name: *const c_char,
        sympos: u64,
        addr: *mut u64,
    ) -> c_int;

    fn kref_k_kallsyms_sym_address(idx: c_int) -> u64;
    fn kref_k_kallsyms_lookup_name(name: *const c_char) -> u64;
    fn kref_k_kallsyms_on_each_symbol(f: SymbolCb, data: *mut c_void) -> c_int;
    fn kref_k_kallsyms_on_each_match_symbol(f: MatchCb, name: *const c_char, data: *mut c_void) -> c_int;
    fn kref_k_kallsyms_lookup_size_offset(addr: u64, size: *mut u64, offset: *mut u64) -> c_int;
    fn kref_k_kallsyms_lookup(
        addr: u64,
        size: *mut u64,
        offset: *mut u64,
        modname: *mut *mut c_char,
        namebuf: *mut c_char,
    ) -> *const c_char;
    fn kref_k_lookup_symbol_name(addr: u64, symname: *mut c_char) -> c_int;
    fn kref_k_sprint_symbol(buffer: *mut c_char, addr: u64) -> c_int;
    fn kref_k_module_kallsyms_on_each_symbol(modname: *const c_char, f: SymbolCb, data: *mut c_void) -> c_int;

    fn kref_bench_symbol_cb(data: *mut c_void, name: *const c_char, addr: u64) -> c_int;
    fn kref_bench_match_cb(data: *mut c_void, addr: u64) -> c_int;
}
