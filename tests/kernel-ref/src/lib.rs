// SPDX-License-Identifier: GPL-2.0-only OR MIT
//! The Linux kernel's own kallsyms code, compiled in user space, as a test
//! oracle and benchmark baseline for the `kallsyms` crate. Dev-only.
//!
//! What it wraps (all from Debian's `linux-source-6.12`, see `build.rs`):
//!
//! - [`scripts_kallsyms`]: the real `scripts/kallsyms` executable.
//! - [`Session`]: the lookup functions of `kernel/kallsyms.c` and the
//!   livepatch symbol resolution of `kernel/livepatch/core.c` (with the
//!   module walk of `kernel/module/kallsyms.c`), copied verbatim and run over
//!   tables given at run time ([`KernelTables`]).
//! - [`assemble_tables`]: assembles a `scripts/kallsyms` `.S` output with
//!   `gcc` and reads the arrays back, as the kernel would see them.
//!
//! Without the kernel sources at build time (no
//! `/usr/src/linux-source-6.12.tar.xz` and no `KERNEL_REF_SRC`) the crate
//! still builds: [`available`] says why, [`session`] fails and
//! [`scripts_kallsyms`] is `None`. Tests decide whether that is fatal (ours
//! fail when the environment variable `CI` is set).
//!
//! The C code has process-wide state, so one global mutex serialises all
//! sessions: a [`Session`] holds it until dropped. Opening a second session
//! on the same thread fails instead of deadlocking.
//!
//! What the C side stands in for (`csrc/prelude.h`): module address lookups,
//! `module_kallsyms_lookup_name`, BPF and ftrace lookups report "not found";
//! `in_gate_area_no_mm` is false; `pr_err` text is captured
//! ([`Session::klp_find_object_symbol`] returns it); `sprintf` follows
//! `lib/vsprintf.c` for the conversions in use (`%#lx` of 0 is `0x0`).

#![warn(missing_docs)]

use std::cell::Cell;
use std::ffi::{c_char, c_int, c_uint, c_void, CStr, CString};
use std::fmt;
use std::marker::PhantomData;
use std::path::Path;
use std::sync::{Mutex, MutexGuard, PoisonError};

mod assemble;
mod ffi;

pub use assemble::{assemble_file, assemble_tables, OwnedArrays};

/// `KSYM_NAME_LEN` of Linux 6.12: the size of the kernel's name buffers
/// (names of this length or more are truncated on expansion).
pub const KSYM_NAME_LEN: usize = 512;

/// `Ok` when the kernel C code was built into this crate, else why not.
pub fn available() -> Result<(), &'static str> {
    #[cfg(kernel_ref_missing)]
    return Err(env!("KERNEL_REF_MISSING"));
    #[cfg(not(kernel_ref_missing))]
    Ok(())
}

/// The `scripts/kallsyms` executable built from the 6.12 sources
/// (`gcc -O2 -I scripts/include scripts/kallsyms.c`), if it was built.
pub fn scripts_kallsyms() -> Option<&'static Path> {
    #[cfg(kernel_ref_missing)]
    return None;
    #[cfg(not(kernel_ref_missing))]
    Some(Path::new(env!("KERNEL_REF_SCRIPTS_KALLSYMS")))
}

/// The kernel tree the C code was copied from (extracted under `OUT_DIR`,
/// or `KERNEL_REF_SRC`), if any.
pub fn kernel_source() -> Option<&'static Path> {
    #[cfg(kernel_ref_missing)]
    return None;
    #[cfg(not(kernel_ref_missing))]
    Some(Path::new(env!("KERNEL_REF_SOURCE")))
}

/// The generated translation unit (`OUT_DIR/kernel_ref.c`: `csrc/prelude.h`, the
/// kernel code, `csrc/glue.c`), for C tests that compile it themselves next to
/// other code (they need the flags `build.rs` gives: `-std=gnu11
/// -funsigned-char -fno-strict-aliasing -fno-strict-overflow
/// -fno-delete-null-pointer-checks`), if it was built.
pub fn generated_c_source() -> Option<&'static Path> {
    #[cfg(kernel_ref_missing)]
    return None;
    #[cfg(not(kernel_ref_missing))]
    Some(Path::new(env!("KERNEL_REF_GENERATED_C")))
}

/// A kallsyms table as the kernel sees it: the arrays that
/// `scripts/kallsyms` emits (native-endian bytes, any alignment) and the
/// configuration and section bounds the lookups read.
///
/// `Default` is an empty table with everything zero, for
/// `KernelTables { names: .., ..Default::default() }`.
#[derive(Clone, Copy, Default)]
pub struct KernelTables<'a> {
    /// `kallsyms_num_syms`.
    pub num_syms: u32,
    /// `kallsyms_names`: length-prefixed, token-compressed names.
    pub names: &'a [u8],
    /// `kallsyms_markers`: `u32` offsets into `names` of every 256th name.
    pub markers: &'a [u8],
    /// `kallsyms_token_table`: 256 NUL-terminated tokens.
    pub token_table: &'a [u8],
    /// `kallsyms_token_index`: 256 `u16` offsets into `token_table`.
    pub token_index: &'a [u8],
    /// `kallsyms_offsets`: `i32` per symbol.
    pub offsets: &'a [u8],
    /// `kallsyms_relative_base` (already relocated).
    pub relative_base: u64,
    /// `kallsyms_seqs_of_names`: 3-byte big-endian symbol indexes in name order.
    pub seqs_of_names: &'a [u8],
    /// `CONFIG_KALLSYMS_ABSOLUTE_PERCPU` (`scripts/kallsyms --absolute-percpu`).
    pub absolute_percpu: bool,
    /// `CONFIG_KALLSYMS_ALL` (`scripts/kallsyms --all-symbols`).
    pub kallsyms_all: bool,
    /// `_stext`.
    pub stext: u64,
    /// `_etext`.
    pub etext: u64,
    /// `_sinittext`.
    pub sinittext: u64,
    /// `_einittext`.
    pub einittext: u64,
    /// `_end`.
    pub end: u64,
    /// `__init_begin` (read by `is_ksym_addr` with `kallsyms_all`).
    pub init_begin: u64,
    /// `__init_end`.
    pub init_end: u64,
}

impl fmt::Debug for KernelTables<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KernelTables")
            .field("num_syms", &self.num_syms)
            .field("names.len", &self.names.len())
            .field("markers.len", &self.markers.len())
            .field("token_table.len", &self.token_table.len())
            .field("token_index.len", &self.token_index.len())
            .field("offsets.len", &self.offsets.len())
            .field("relative_base", &format_args!("{:#x}", self.relative_base))
            .field("seqs_of_names.len", &self.seqs_of_names.len())
            .field("absolute_percpu", &self.absolute_percpu)
            .field("kallsyms_all", &self.kallsyms_all)
            .field("stext", &format_args!("{:#x}", self.stext))
            .field("etext", &format_args!("{:#x}", self.etext))
            .field("sinittext", &format_args!("{:#x}", self.sinittext))
            .field("einittext", &format_args!("{:#x}", self.einittext))
            .field("end", &format_args!("{:#x}", self.end))
            .field("init_begin", &format_args!("{:#x}", self.init_begin))
            .field("init_end", &format_args!("{:#x}", self.init_end))
            .finish()
    }
}

/// One module's symbol table for [`Session::set_module_symtab`].
struct ModuleData {
    name: CString,
    symtab: Vec<ffi::Elf64Sym>,
    strtab: Vec<u8>,
}

static LOCK: Mutex<()> = Mutex::new(());

thread_local! {
    static HELD: Cell<bool> = const { Cell::new(false) };
}

/// Tables installed into the kernel code's globals; holds the global lock.
///
/// The kernel code trusts its tables. [`session`] therefore checks every
/// invariant the C code relies on for memory safety (array sizes, markers,
/// sequence numbers, token offsets, name lengths), and the methods that take
/// raw offsets or indexes check them and panic instead of letting the C
/// code read out of bounds. Anything else (names that do not sort, offsets
/// that do not ascend) goes to the C code as it is.
pub struct Session<'a> {
    tables: KernelTables<'a>,
    // Aligned copies of the u16/u32 arrays (the input may be unaligned);
    // for an empty table, one zero entry so that the address lookups, which
    // the kernel never runs on an empty table, stay in bounds.
    _offsets: Vec<i32>,
    _markers: Vec<u32>,
    _token_index: Vec<u16>,
    symbol_len: usize,
    modules: Vec<ModuleData>,
    _guard: MutexGuard<'static, ()>,
    // The C code holds raw pointers: keep this type !Send and !Sync.
    _not_send: PhantomData<*const ()>,
}

/// For an empty table: one empty name (length byte 0).
static EMPTY_NAMES: [u8; 2] = [0, 0];

fn read_u16s(b: &[u8], n: usize) -> Vec<u16> {
    b.chunks_exact(2)
        .take(n)
        .map(|c| u16::from_ne_bytes([c[0], c[1]]))
        .collect()
}

fn read_u32s(b: &[u8], n: usize) -> Vec<u32> {
    b.chunks_exact(4)
        .take(n)
        .map(|c| u32::from_ne_bytes([c[0], c[1], c[2], c[3]]))
        .collect()
}

/// Header size and stored length of the name entry at `off`, if it fits.
fn name_entry(names: &[u8], off: usize) -> Option<(usize, usize)> {
    let first = *names.get(off)? as usize;
    let (hdr, len) = if first & 0x80 != 0 {
        (2, (first & 0x7f) | ((*names.get(off + 1)? as usize) << 7))
    } else {
        (1, first)
    };
    (off + hdr + len <= names.len()).then_some((hdr, len))
}

/// Checks what the C code needs to stay in bounds; see [`Session`].
fn validate(t: &KernelTables<'_>) -> Result<(), String> {
    let n = t.num_syms as usize;
    if t.num_syms > i32::MAX as u32 {
        return Err(format!("num_syms {} does not fit an int", t.num_syms));
    }
    let need = |what: &str, have: usize, need: usize| {
        if have < need {
            Err(format!("{what} has {have} bytes, needs {need}"))
        } else {
            Ok(())
        }
    };
    let markers = n.div_ceil(256);
    need("offsets", t.offsets.len(), 4 * n)?;
    need("markers", t.markers.len(), 4 * markers)?;
    need("token_index", t.token_index.len(), 512)?;
    need("seqs_of_names", t.seqs_of_names.len(), 3 * n)?;
    for (i, idx) in read_u16s(t.token_index, 256).into_iter().enumerate() {
        let tok = t.token_table.get(idx as usize..).unwrap_or_default();
        if !tok.contains(&0) {
            return Err(format!(
                "token {i} at {idx} has no NUL inside token_table ({} bytes)",
                t.token_table.len()
            ));
        }
    }
    let marks = read_u32s(t.markers, markers);
    let mut off = 0usize;
    for i in 0..n {
        if i % 256 == 0 && marks[i / 256] as usize != off {
            return Err(format!(
                "markers[{}] is {}, but name {i} starts at {off}",
                i / 256,
                marks[i / 256]
            ));
        }
        let (hdr, len) = name_entry(t.names, off).ok_or_else(|| {
            format!(
                "name {i} at {off} runs past names ({} bytes)",
                t.names.len()
            )
        })?;
        off += hdr + len;
    }
    for (i, s) in t.seqs_of_names.chunks_exact(3).take(n).enumerate() {
        let seq = (s[0] as usize) << 16 | (s[1] as usize) << 8 | s[2] as usize;
        if seq >= n {
            return Err(format!("seqs_of_names[{i}] is {seq}, num_syms is {n}"));
        }
    }
    Ok(())
}

/// Installs `t` into the kernel code, after [`validate`]-ing it; waits for
/// the global lock. Fails when the C code is not built ([`available`]), on a
/// table the C code could not read safely, or when this thread already has
/// a session open.
pub fn session<'a>(t: &KernelTables<'a>) -> Result<Session<'a>, String> {
    available().map_err(|why| format!("kernel-ref unavailable: {why}"))?;
    if HELD.with(Cell::get) {
        return Err("this thread already has a kernel_ref::Session open".to_owned());
    }
    validate(t)?;
    let guard = LOCK.lock().unwrap_or_else(PoisonError::into_inner);
    HELD.with(|h| h.set(true));

    let n = t.num_syms as usize;
    let mut offsets: Vec<i32> = read_u32s(t.offsets, n)
        .into_iter()
        .map(|v| v as i32)
        .collect();
    let mut markers = read_u32s(t.markers, n.div_ceil(256));
    if n == 0 {
        offsets.push(0);
        markers.push(0);
    }
    let token_index = read_u16s(t.token_index, 256);
    let names: *const u8 = if n == 0 {
        EMPTY_NAMES.as_ptr()
    } else {
        t.names.as_ptr()
    };
    let raw = ffi::KrefTables {
        offsets: offsets.as_ptr(),
        names,
        token_table: t.token_table.as_ptr().cast(),
        token_index: token_index.as_ptr(),
        markers: markers.as_ptr(),
        seqs_of_names: t.seqs_of_names.as_ptr(),
        relative_base: t.relative_base,
        stext: t.stext,
        etext: t.etext,
        sinittext: t.sinittext,
        einittext: t.einittext,
        end: t.end,
        init_begin: t.init_begin,
        init_end: t.init_end,
        num_syms: t.num_syms as c_uint,
        absolute_percpu: t.absolute_percpu.into(),
        kallsyms_all: t.kallsyms_all.into(),
    };
    // SAFETY: we hold LOCK, so no other thread uses the C globals. The
    // pointers refer to data that lives as long as the Session: `t`'s slices
    // (lifetime 'a) and the Vecs moved into the Session below (moving a Vec
    // does not move its heap buffer). `validate` checked their sizes.
    let (name_len, symbol_len) = unsafe {
        ffi::kref_install(&raw);
        ffi::kref_clear_modules();
        ffi::kref_log_clear();
        (ffi::kref_ksym_name_len(), ffi::kref_ksym_symbol_len())
    };
    let s = Session {
        tables: *t,
        _offsets: offsets,
        _markers: markers,
        _token_index: token_index,
        symbol_len: symbol_len as usize,
        modules: Vec::new(),
        _guard: guard,
        _not_send: PhantomData,
    };
    if name_len as usize != KSYM_NAME_LEN {
        return Err(format!(
            "the C code has KSYM_NAME_LEN {name_len}, expected {KSYM_NAME_LEN}"
        ));
    }
    Ok(s)
}

impl Drop for Session<'_> {
    fn drop(&mut self) {
        let empty = ffi::KrefTables {
            offsets: std::ptr::null(),
            names: std::ptr::null(),
            token_table: std::ptr::null(),
            token_index: std::ptr::null(),
            markers: std::ptr::null(),
            seqs_of_names: std::ptr::null(),
            relative_base: 0,
            stext: 0,
            etext: 0,
            sinittext: 0,
            einittext: 0,
            end: 0,
            init_begin: 0,
            init_end: 0,
            num_syms: 0,
            absolute_percpu: 0,
            kallsyms_all: 0,
        };
        // SAFETY: we still hold LOCK (the guard drops after this). Clearing
        // leaves no pointer into the data we are about to free.
        unsafe {
            ffi::kref_install(&empty);
            ffi::kref_clear_modules();
            ffi::kref_log_clear();
        }
        HELD.with(|h| h.set(false));
    }
}

impl fmt::Debug for Session<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session")
            .field("tables", &self.tables)
            .field("modules", &self.modules.len())
            .finish()
    }
}

/// `name` up to its first NUL (all the C code would see), NUL-terminated.
fn c_name(name: &[u8]) -> CString {
    let end = name.iter().position(|&b| b == 0).unwrap_or(name.len());
    CString::new(&name[..end]).expect("no NUL before `end`")
}

/// Bytes of a NUL-terminated buffer up to the NUL.
fn until_nul(buf: &[u8]) -> Vec<u8> {
    let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
    buf[..end].to_vec()
}

/// Collects (name, address) pairs; the callback of the `on_each_symbol`s.
extern "C" fn collect_symbol(data: *mut c_void, name: *const c_char, addr: u64) -> c_int {
    // SAFETY: `data` is the `&mut Vec` passed by the caller below, not
    // otherwise borrowed during the call; `name` is a NUL-terminated buffer
    // of the kernel code, valid for this call.
    let (out, name) = unsafe {
        (
            &mut *data.cast::<Vec<(Vec<u8>, u64)>>(),
            CStr::from_ptr(name),
        )
    };
    out.push((name.to_bytes().to_vec(), addr));
    0
}

struct MatchState {
    addrs: Vec<u64>,
    stop_after: Option<usize>,
}

/// Collects addresses; the callback of `on_each_match_symbol`.
extern "C" fn collect_match(data: *mut c_void, addr: u64) -> c_int {
    // SAFETY: `data` is the `&mut MatchState` passed by the caller below.
    let st = unsafe { &mut *data.cast::<MatchState>() };
    st.addrs.push(addr);
    c_int::from(st.stop_after == Some(st.addrs.len()))
}

impl<'a> Session<'a> {
    /// The tables this session runs on.
    pub fn tables(&self) -> &KernelTables<'a> {
        &self.tables
    }

    fn check_pos(&self, pos: u32, what: &str) {
        assert!(
            pos < self.tables.num_syms,
            "{what} {pos} out of range (num_syms {})",
            self.tables.num_syms
        );
    }

    /// `kallsyms_lookup_name(name)`: the address of the first symbol named
    /// `name` in name order (the lowest address), or 0. Modules are not
    /// searched (`module_kallsyms_lookup_name` is a stub returning 0).
    pub fn lookup_name(&self, name: &[u8]) -> u64 {
        let name = c_name(name);
        // SAFETY: lock held (self), validated tables installed; `name` is a
        // NUL-terminated string alive during the call.
        unsafe { ffi::kref_k_kallsyms_lookup_name(name.as_ptr()) }
    }

    /// `kallsyms_lookup_names(name, &start, &end)`: the range of positions
    /// in name order (indexes into `seqs_of_names`) holding `name`.
    pub fn lookup_names(&self, name: &[u8]) -> Option<(u32, u32)> {
        let name = c_name(name);
        let (mut start, mut end): (c_uint, c_uint) = (0, 0);
        // SAFETY: as in `lookup_name`; `start`/`end` are valid for writes.
        let ret = unsafe { ffi::kref_lookup_names(name.as_ptr(), &mut start, &mut end) };
        (ret == 0).then_some((start, end))
    }

    /// `kallsyms_on_each_match_symbol`: the addresses of the symbols named
    /// `name`, in name order; with `stop_after: Some(k)` the callback ends
    /// the walk after the k-th one (returns non-zero), as livepatch does.
    pub fn on_each_match_symbol(&self, name: &[u8], stop_after: Option<usize>) -> Vec<u64> {
        let name = c_name(name);
        let mut st = MatchState {
            addrs: Vec::new(),
            stop_after,
        };
        // SAFETY: as in `lookup_name`; `collect_match` gets `&mut st`, which
        // lives through the call and is not used meanwhile.
        unsafe {
            ffi::kref_k_kallsyms_on_each_match_symbol(
                collect_match,
                name.as_ptr(),
                (&mut st as *mut MatchState).cast(),
            );
        }
        st.addrs
    }

    /// `kallsyms_on_each_symbol`: every (name, address) in table order.
    pub fn on_each_symbol(&self) -> Vec<(Vec<u8>, u64)> {
        let mut out: Vec<(Vec<u8>, u64)> = Vec::with_capacity(self.tables.num_syms as usize);
        // SAFETY: lock held, validated tables; `collect_symbol` gets
        // `&mut out`, which lives through the call and is not used meanwhile.
        unsafe {
            ffi::kref_k_kallsyms_on_each_symbol(
                collect_symbol,
                (&mut out as *mut Vec<(Vec<u8>, u64)>).cast(),
            );
        }
        out
    }

    /// `kallsyms_expand_symbol(off, buf, KSYM_NAME_LEN)`: the name at byte
    /// offset `off` of `names` (without its type character, which the
    /// kernel skips), and the offset of the next name.
    ///
    /// # Panics
    /// If the entry at `off` does not lie inside `names`.
    pub fn expand_symbol(&self, off: u32) -> (Vec<u8>, u32) {
        self.expand_symbol_max(off, KSYM_NAME_LEN)
    }

    /// [`Session::expand_symbol`] with the kernel's `maxlen` argument: the
    /// expansion is cut to `maxlen - 1` bytes (0: nothing written).
    ///
    /// # Panics
    /// As [`Session::expand_symbol`].
    pub fn expand_symbol_max(&self, off: u32, maxlen: usize) -> (Vec<u8>, u32) {
        assert!(
            name_entry(self.tables.names, off as usize).is_some(),
            "no name entry at offset {off} of names ({} bytes)",
            self.tables.names.len()
        );
        let mut buf = vec![0u8; maxlen.max(1)];
        // SAFETY: lock held; the entry at `off` lies inside `names` (checked
        // above) and every token byte indexes a validated token; `buf` has
        // at least `maxlen` writable bytes.
        let next = unsafe { ffi::kref_expand_symbol(off, buf.as_mut_ptr().cast(), maxlen) };
        (
            if maxlen == 0 {
                Vec::new()
            } else {
                until_nul(&buf)
            },
            next,
        )
    }

    /// `get_symbol_offset(pos)`: byte offset in `names` of symbol `pos`.
    ///
    /// # Panics
    /// If `pos >= num_syms`.
    pub fn get_symbol_offset(&self, pos: u32) -> u32 {
        self.check_pos(pos, "position");
        // SAFETY: lock held; pos < num_syms, so the marker exists and the
        // walk stays inside the validated names.
        unsafe { ffi::kref_get_symbol_offset(pos as u64) }
    }

    /// `get_symbol_seq(index)`: the symbol index at name-order position
    /// `index`.
    ///
    /// # Panics
    /// If `index >= num_syms`.
    pub fn get_symbol_seq(&self, index: u32) -> u32 {
        self.check_pos(index, "index");
        // SAFETY: lock held; index < num_syms <= i32::MAX.
        unsafe { ffi::kref_get_symbol_seq(index as c_int) }
    }

    /// `kallsyms_get_symbol_type(off)`: the type character of the name at
    /// byte offset `off`.
    ///
    /// # Panics
    /// If the entry at `off` has no first token byte inside `names`.
    pub fn get_symbol_type(&self, off: u32) -> u8 {
        let names = self.tables.names;
        let off = off as usize;
        let at = off + 1 + usize::from(names.get(off).is_some_and(|b| b & 0x80 != 0));
        assert!(
            at < names.len(),
            "no name entry at offset {off} of names ({} bytes)",
            names.len()
        );
        // SAFETY: lock held; the C code reads names[off], maybe names[off+1],
        // and names[at] (checked above), then a validated token.
        unsafe { ffi::kref_get_symbol_type(off as c_uint) as u8 }
    }

    /// `kallsyms_sym_address(idx)`.
    ///
    /// # Panics
    /// If `idx >= num_syms`.
    pub fn sym_address(&self, idx: u32) -> u64 {
        self.check_pos(idx, "index");
        // SAFETY: lock held; idx < num_syms, the length of the offsets copy.
        unsafe { ffi::kref_k_kallsyms_sym_address(idx as c_int) }
    }

    /// `get_symbol_pos(addr, &size, &offset)`: (position, size, offset).
    pub fn get_symbol_pos(&self, addr: u64) -> (u32, u64, u64) {
        let (mut size, mut offset): (u64, u64) = (0, 0);
        // SAFETY: lock held; the search reads offsets[0..max(num_syms, 1)],
        // all present; the out-pointers are valid.
        let pos = unsafe { ffi::kref_get_symbol_pos(addr, &mut size, &mut offset) };
        (pos as u32, size, offset)
    }

    /// `kallsyms_lookup(addr, ...)`: (name, size, offset) of the symbol
    /// containing `addr`, or `None` (also for addresses outside the kernel
    /// sections: `is_ksym_addr` reads `stext`..`end`).
    pub fn lookup(&self, addr: u64) -> Option<(Vec<u8>, u64, u64)> {
        let mut buf = vec![0u8; KSYM_NAME_LEN];
        let (mut size, mut offset): (u64, u64) = (0, 0);
        let mut modname: *mut c_char = std::ptr::null_mut();
        // SAFETY: lock held, validated tables (padded when empty); `buf` has
        // KSYM_NAME_LEN bytes as the C code expects; out-pointers valid.
        let found = unsafe {
            ffi::kref_k_kallsyms_lookup(
                addr,
                &mut size,
                &mut offset,
                &mut modname,
                buf.as_mut_ptr().cast(),
            )
        };
        (!found.is_null()).then(|| (until_nul(&buf), size, offset))
    }

    /// `kallsyms_lookup_size_offset(addr, ...)`: (size, offset), or `None`.
    pub fn lookup_size_offset(&self, addr: u64) -> Option<(u64, u64)> {
        let (mut size, mut offset): (u64, u64) = (0, 0);
        // SAFETY: lock held, validated tables; out-pointers valid.
        let found =
            unsafe { ffi::kref_k_kallsyms_lookup_size_offset(addr, &mut size, &mut offset) };
        (found != 0).then_some((size, offset))
    }

    /// `lookup_symbol_name(addr, buf)`: the name, or the error code
    /// (`-ERANGE` outside the kernel sections: no modules are modelled).
    pub fn lookup_symbol_name(&self, addr: u64) -> Result<Vec<u8>, i32> {
        let mut buf = vec![0u8; KSYM_NAME_LEN];
        // SAFETY: lock held, validated tables; `buf` has KSYM_NAME_LEN bytes.
        let ret = unsafe { ffi::kref_k_lookup_symbol_name(addr, buf.as_mut_ptr().cast()) };
        if ret == 0 {
            Ok(until_nul(&buf))
        } else {
            Err(ret)
        }
    }

    /// `sprint_symbol(buf, addr)`: `name+0xoff/0xsize`, or `0xaddr` when
    /// nothing is found.
    pub fn sprint_symbol(&self, addr: u64) -> Vec<u8> {
        let mut buf = vec![0u8; self.symbol_len];
        // SAFETY: lock held, validated tables; `buf` has KSYM_SYMBOL_LEN
        // bytes, the size the kernel's callers provide.
        let len = unsafe { ffi::kref_k_sprint_symbol(buf.as_mut_ptr().cast(), addr) };
        buf.truncate(len.max(0) as usize);
        buf
    }

    /// `klp_find_object_symbol(objname, name, sympos, &addr)` of
    /// `kernel/livepatch/core.c`: (return value, address, `pr_err` text).
    /// `objname: None` is vmlinux (these tables); `Some` searches the module
    /// symbol tables given to [`Session::set_module_symtab`]. The text is
    /// what the kernel would log, with its `livepatch: ` prefix, or empty.
    pub fn klp_find_object_symbol(
        &self,
        objname: Option<&[u8]>,
        name: &[u8],
        sympos: u64,
    ) -> (i32, u64, Vec<u8>) {
        let objname = objname.map(c_name);
        let name = c_name(name);
        let mut addr: u64 = 0;
        let mut len = 0usize;
        // SAFETY: lock held, validated tables, module list built from Vecs
        // owned by self; the strings live through the call; `kref_log`
        // returns a buffer of `len` bytes that we copy before anything else
        // touches it.
        let (ret, log) = unsafe {
            ffi::kref_log_clear();
            let ret = ffi::kref_klp_find_object_symbol(
                objname.as_ref().map_or(std::ptr::null(), |o| o.as_ptr()),
                name.as_ptr(),
                sympos,
                &mut addr,
            );
            let log = ffi::kref_log(&mut len);
            (
                ret,
                std::slice::from_raw_parts(log.cast::<u8>(), len).to_vec(),
            )
        };
        (ret, addr, log)
    }

    /// Sets (or replaces) the symbol table of module `objname`, in ELF
    /// symtab order: (name, `st_value`, `st_shndx`). Include the null
    /// symbol 0 if you want it: like the kernel, the walk skips every
    /// `SHN_UNDEF` entry. Modules are walked in the order first set.
    pub fn set_module_symtab(
        &mut self,
        objname: &[u8],
        syms: &[(Vec<u8>, u64, u16)],
    ) -> Result<(), String> {
        if objname.contains(&0) || objname.len() >= 64 - std::mem::size_of::<u64>() {
            return Err(format!(
                "module name {:?} has a NUL or is too long for MODULE_NAME_LEN",
                String::from_utf8_lossy(objname)
            ));
        }
        let mut strtab = vec![0u8];
        let mut symtab = Vec::with_capacity(syms.len());
        for (name, value, shndx) in syms {
            let name = c_name(name);
            let st_name =
                u32::try_from(strtab.len()).map_err(|_| "strtab over 4 GiB".to_owned())?;
            strtab.extend_from_slice(name.as_bytes_with_nul());
            symtab.push(ffi::Elf64Sym {
                st_name,
                st_info: 0,
                st_other: 0,
                st_shndx: *shndx,
                st_value: *value,
                st_size: 0,
            });
        }
        let data = ModuleData {
            name: c_name(objname),
            symtab,
            strtab,
        };
        match self
            .modules
            .iter_mut()
            .find(|m| m.name.as_bytes() == objname)
        {
            Some(m) => *m = data,
            None => self.modules.push(data),
        }
        self.install_modules()
    }

    /// Forgets all module symbol tables.
    pub fn clear_modules(&mut self) {
        self.modules.clear();
        // SAFETY: lock held; afterwards the C list refers to nothing.
        unsafe { ffi::kref_clear_modules() };
    }

    fn install_modules(&mut self) -> Result<(), String> {
        let descs: Vec<ffi::KrefModule> = self
            .modules
            .iter()
            .map(|m| ffi::KrefModule {
                name: m.name.as_ptr(),
                symtab: m.symtab.as_ptr(),
                num_symtab: m.symtab.len() as c_uint,
                strtab: m.strtab.as_ptr().cast(),
            })
            .collect();
        // SAFETY: lock held; the C list keeps pointers into the symtab and
        // strtab Vecs of `self.modules`, which live until they are replaced
        // or cleared, each time followed by a rebuild of the C list (here,
        // `clear_modules`, or Drop). Every st_name is inside its strtab.
        let ret = unsafe { ffi::kref_set_modules(descs.as_ptr(), descs.len() as c_uint) };
        if ret == 0 {
            Ok(())
        } else {
            self.modules.clear();
            Err(format!("kref_set_modules failed: {ret}"))
        }
    }

    /// `module_kallsyms_on_each_symbol(modname, ...)` of
    /// `kernel/module/kallsyms.c`: (name, value) of the symbols of module
    /// `modname` (or of all modules for `None`), `SHN_UNDEF` ones skipped.
    pub fn module_on_each_symbol(&self, modname: Option<&[u8]>) -> Vec<(Vec<u8>, u64)> {
        let modname = modname.map(c_name);
        let mut out: Vec<(Vec<u8>, u64)> = Vec::new();
        // SAFETY: lock held, module list valid (see `install_modules`);
        // `collect_symbol` gets `&mut out`, not used meanwhile.
        unsafe {
            ffi::kref_k_module_kallsyms_on_each_symbol(
                modname.as_ref().map_or(std::ptr::null(), |m| m.as_ptr()),
                collect_symbol,
                (&mut out as *mut Vec<(Vec<u8>, u64)>).cast(),
            );
        }
        out
    }

    // ---- benchmarks: the C functions, without Rust allocation per call ----

    /// Calls `kallsyms_lookup_name` on each name; returns the wrapping sum
    /// of the results.
    pub fn bench_lookup_name(&self, names: &[&CStr]) -> u64 {
        names.iter().fold(0u64, |acc, n| {
            // SAFETY: lock held, validated tables; `n` is NUL-terminated.
            acc.wrapping_add(unsafe { ffi::kref_k_kallsyms_lookup_name(n.as_ptr()) })
        })
    }

    /// Calls `get_symbol_pos` on each address; returns a checksum of the
    /// positions, sizes and offsets.
    pub fn bench_get_symbol_pos(&self, addrs: &[u64]) -> u64 {
        let (mut size, mut offset): (u64, u64) = (0, 0);
        addrs.iter().fold(0u64, |acc, &a| {
            // SAFETY: as in `get_symbol_pos`.
            let pos = unsafe { ffi::kref_get_symbol_pos(a, &mut size, &mut offset) };
            acc.wrapping_mul(31).wrapping_add(pos ^ size ^ offset)
        })
    }

    /// Calls `kallsyms_lookup` on each address (one name buffer for all);
    /// returns a checksum of the name lengths, sizes and offsets.
    pub fn bench_lookup(&self, addrs: &[u64]) -> u64 {
        let mut buf = [0 as c_char; KSYM_NAME_LEN];
        let (mut size, mut offset): (u64, u64) = (0, 0);
        let mut modname: *mut c_char = std::ptr::null_mut();
        addrs.iter().fold(0u64, |acc, &a| {
            // SAFETY: as in `lookup`; `buf` has KSYM_NAME_LEN bytes, and the
            // C code NUL-terminates it before we call strlen on it.
            let hit = unsafe {
                let p = ffi::kref_k_kallsyms_lookup(
                    a,
                    &mut size,
                    &mut offset,
                    &mut modname,
                    buf.as_mut_ptr(),
                );
                if p.is_null() {
                    0
                } else {
                    CStr::from_ptr(p).to_bytes().len() as u64 ^ size ^ offset
                }
            };
            acc.wrapping_mul(31).wrapping_add(hit)
        })
    }

    /// Calls `sprint_symbol` on each address (one buffer for all); returns
    /// the sum of the lengths.
    pub fn bench_sprint_symbol(&self, addrs: &[u64]) -> u64 {
        let mut buf = vec![0 as c_char; self.symbol_len];
        addrs.iter().fold(0u64, |acc, &a| {
            // SAFETY: as in `sprint_symbol`.
            let len = unsafe { ffi::kref_k_sprint_symbol(buf.as_mut_ptr(), a) };
            acc.wrapping_add(len as u64)
        })
    }

    /// Runs `kallsyms_on_each_symbol` with a C callback that only folds
    /// each address and first name byte into a checksum.
    pub fn bench_on_each_symbol(&self) -> u64 {
        let mut acc: u64 = 0;
        // SAFETY: lock held, validated tables; the C callback writes only
        // `acc`, which lives through the call.
        unsafe {
            ffi::kref_k_kallsyms_on_each_symbol(
                ffi::kref_bench_symbol_cb,
                (&mut acc as *mut u64).cast(),
            );
        }
        acc
    }

    /// Runs `kallsyms_on_each_match_symbol` for each name with a C callback
    /// that folds the addresses into a checksum.
    pub fn bench_on_each_match_symbol(&self, names: &[&CStr]) -> u64 {
        let mut acc: u64 = 0;
        for n in names {
            // SAFETY: as in `bench_on_each_symbol`; `n` is NUL-terminated.
            unsafe {
                ffi::kref_k_kallsyms_on_each_match_symbol(
                    ffi::kref_bench_match_cb,
                    n.as_ptr(),
                    (&mut acc as *mut u64).cast(),
                );
            }
        }
        acc
    }

    /// Calls `klp_find_object_symbol(NULL, name, sympos, &addr)` for each
    /// name; returns a checksum of the return values and addresses (the
    /// `pr_err` texts are formatted as usual; the capture buffer keeps the
    /// first 16 KiB of them).
    pub fn bench_klp_find_object_symbol(&self, names: &[&CStr], sympos: u64) -> u64 {
        let mut addr: u64 = 0;
        names.iter().fold(0u64, |acc, n| {
            // SAFETY: lock held, validated tables; `n` NUL-terminated.
            let ret = unsafe {
                ffi::kref_klp_find_object_symbol(std::ptr::null(), n.as_ptr(), sympos, &mut addr)
            };
            acc.wrapping_mul(31).wrapping_add(addr ^ ret as u64)
        })
    }
}
