// SPDX-License-Identifier: GPL-2.0-only OR MIT
//! Livepatch: `klp_find_object_symbol()` semantics and its messages, and the
//! `.klp.sym.` / `.klp.rela.` names of livepatch modules
//! (`kernel/livepatch/core.c` and `Documentation/livepatch/module-elf-format.rst`,
//! 6.12).
#![cfg_attr(not(test), deny(clippy::arithmetic_side_effects))]

use core::fmt;

use crate::error::errno;
use crate::matching::Match;
use crate::module::ModuleSymtab;
use crate::table::{Table, KSYM_NAME_LEN};

/// The `pr_fmt` prefix of `kernel/livepatch/core.c` messages.
pub const PR_PREFIX: &str = "livepatch: ";

/// The longest object (module) name in `.klp.sym.`/`.klp.rela.` names: the `%55[^.]`
/// of `klp_resolve_symbols()` (`MODULE_NAME_LEN - 1` on 64-bit).
pub const KLP_OBJNAME_MAX: usize = 55;

/// Where `klp_find_object_symbol()` looks.
#[derive(Clone, Copy, Debug)]
pub enum KlpObject<'t, 'a> {
    /// vmlinux (`objname == NULL`): exact matches in address order
    /// (`kallsyms_on_each_match_symbol()`).
    Vmlinux(&'t Table<'a>),
    /// A module: its defined symbols in ELF symbol-table order
    /// (`module_kallsyms_on_each_symbol()` with `klp_find_callback()`).
    Module {
        /// The module's name, as printed in messages.
        name: &'t [u8],
        /// Its symbol table.
        symtab: &'t ModuleSymtab<'a>,
    },
}

/// How to treat a match at address 0.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AddressZero {
    /// As the kernel does (6.12): an address of 0 means "not found", even when the
    /// symbol exists there (x86-64 per-cpu symbols such as `fixed_percpu_data` sit
    /// at 0 in tables with absolute per-cpu addresses).
    KernelCompatible,
    /// A symbol at address 0 is found like any other. The kernel's test of
    /// `args.addr == 0` stands in for "no match"; counting matches is what it means.
    Exact,
}

/// Why `klp_find_object_symbol()` failed; the kernel returns `-EINVAL` for each.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KlpError {
    /// "symbol '%s' not found in symbol table".
    NotFound,
    /// "unresolvable ambiguity for symbol '%s' in object '%s'": sympos 0 and more
    /// than one match.
    Ambiguous,
    /// "symbol position %lu for symbol '%s' in object '%s' not found": fewer than
    /// `sympos` matches (`count` of them).
    PositionNotFound {
        /// How many symbols match.
        count: u64,
    },
}

impl KlpError {
    /// `-EINVAL`, as `klp_find_object_symbol()` returns for every failure.
    pub const fn to_errno(self) -> i32 {
        -errno::EINVAL
    }

    /// A reason code for the C ABI: 1 not found, 2 ambiguous, 3 position not found.
    pub const fn code(self) -> i32 {
        match self {
            KlpError::NotFound => 1,
            KlpError::Ambiguous => 2,
            KlpError::PositionNotFound { .. } => 3,
        }
    }

    /// The kernel's `pr_err()` text for this error (without [`PR_PREFIX`] and the
    /// newline). `objname` is `None` for vmlinux: the ambiguity message then prints
    /// `(null)`, as the kernel's `%s` does for a NULL pointer, and the position
    /// message prints `vmlinux`.
    pub fn message<'m>(
        self,
        name: &'m [u8],
        objname: Option<&'m [u8]>,
        sympos: u64,
    ) -> KlpMessage<'m> {
        KlpMessage {
            err: self,
            name,
            objname,
            sympos,
        }
    }
}

impl fmt::Display for KlpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KlpError::NotFound => f.write_str("symbol not found in symbol table"),
            KlpError::Ambiguous => f.write_str("unresolvable ambiguity: give a sympos"),
            KlpError::PositionNotFound { count } => {
                write!(f, "symbol position not found ({count} match)")
            }
        }
    }
}

/// Writes bytes as text, escaping what is not printable ASCII as `\xNN`.
pub(crate) struct Bytes<'b>(pub(crate) &'b [u8]);

impl fmt::Display for Bytes<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for &b in self.0 {
            if b.is_ascii_graphic() || b == b' ' {
                fmt::Write::write_char(f, char::from(b))?;
            } else {
                write!(f, "\\x{b:02x}")?;
            }
        }
        Ok(())
    }
}

/// The kernel's message for a [`KlpError`]: see [`KlpError::message`].
#[derive(Clone, Copy, Debug)]
pub struct KlpMessage<'m> {
    err: KlpError,
    name: &'m [u8],
    objname: Option<&'m [u8]>,
    sympos: u64,
}

impl fmt::Display for KlpMessage<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = Bytes(self.name);
        match self.err {
            KlpError::NotFound => write!(f, "symbol '{name}' not found in symbol table"),
            KlpError::Ambiguous => {
                let obj = Bytes(self.objname.unwrap_or(b"(null)"));
                write!(
                    f,
                    "unresolvable ambiguity for symbol '{name}' in object '{obj}'"
                )
            }
            KlpError::PositionNotFound { .. } => {
                let obj = Bytes(self.objname.unwrap_or(b"vmlinux"));
                write!(
                    f,
                    "symbol position {} for symbol '{name}' in object '{obj}' not found",
                    self.sympos
                )
            }
        }
    }
}

/// `klp_find_object_symbol()` (`kernel/livepatch/core.c` 6.12): the address of the
/// `sympos`-th symbol named exactly `name` in `obj` (0: the name must be unique).
///
/// The walk stops as the kernel's `klp_match_callback()` does: at the `sympos`-th
/// match, or at the second match when `sympos` is 0.
pub fn find_object_symbol(
    obj: KlpObject<'_, '_>,
    name: &[u8],
    sympos: u64,
    zero: AddressZero,
) -> Result<u64, KlpError> {
    let mut count: u64 = 0;
    let mut addr: u64 = 0;
    let mut step = |a: u64| {
        addr = a;
        // NO-OVERFLOW: at most the number of symbols.
        count = count.wrapping_add(1);
        (sympos != 0 && count == sympos) || (sympos == 0 && count > 1)
    };
    match obj {
        KlpObject::Vmlinux(t) => {
            for f in t.matches(name, Match::EXACT) {
                if step(f.symbol.address) {
                    break;
                }
            }
        }
        KlpObject::Module { symtab, .. } => {
            for s in symtab.defined().filter(|s| s.name == name) {
                if step(s.value) {
                    break;
                }
            }
        }
    }
    let missing = match zero {
        AddressZero::KernelCompatible => addr == 0,
        AddressZero::Exact => count == 0,
    };
    if missing {
        Err(KlpError::NotFound)
    } else if count > 1 && sympos == 0 {
        Err(KlpError::Ambiguous)
    } else if sympos > 0 && sympos != count {
        Err(KlpError::PositionNotFound { count })
    } else {
        Ok(addr)
    }
}

/// A malformed `.klp.sym.` or `.klp.rela.` name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KlpNameError {
    /// The name does not start with `.klp.sym.` (or `.klp.rela.`).
    Prefix,
    /// The object name is empty.
    EmptyObject,
    /// The object name is longer than [`KLP_OBJNAME_MAX`] bytes.
    ObjectTooLong,
    /// No `.` after the object name.
    MissingDot,
    /// The symbol (or section) name is empty.
    EmptyName,
    /// The symbol name is longer than `KSYM_NAME_LEN - 1` bytes.
    NameTooLong,
    /// No `,` after the symbol name.
    MissingComma,
    /// The sympos is not one or more decimal digits to the end of the name.
    BadSympos,
    /// The sympos does not fit 64 bits.
    SymposOverflow,
    /// A NUL byte inside the name.
    Nul,
}

impl KlpNameError {
    /// `-EINVAL`, as the kernel returns for "incorrectly formatted name".
    pub const fn to_errno(self) -> i32 {
        -errno::EINVAL
    }
}

impl fmt::Display for KlpNameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            KlpNameError::Prefix => "missing .klp.sym. or .klp.rela. prefix",
            KlpNameError::EmptyObject => "empty object name",
            KlpNameError::ObjectTooLong => "object name longer than 55 bytes",
            KlpNameError::MissingDot => "no '.' after the object name",
            KlpNameError::EmptyName => "empty symbol or section name",
            KlpNameError::NameTooLong => "symbol name longer than 511 bytes",
            KlpNameError::MissingComma => "no ',' after the symbol name",
            KlpNameError::BadSympos => "sympos is not a decimal number",
            KlpNameError::SymposOverflow => "sympos does not fit 64 bits",
            KlpNameError::Nul => "NUL byte in the name",
        })
    }
}

/// A parsed `.klp.sym.<objname>.<name>,<sympos>` symbol name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KlpSym<'a> {
    /// The object: `vmlinux` or a module name.
    pub objname: &'a [u8],
    /// The symbol name (may contain `.`, as in `foo.llvm.123`).
    pub name: &'a [u8],
    /// The position (0: unique).
    pub sympos: u64,
}

/// Splits `<objname>.` off the front of `s`.
fn objname(s: &[u8]) -> Result<(&[u8], &[u8]), KlpNameError> {
    let dot = memchr::memchr(b'.', s);
    let end = dot.unwrap_or(s.len());
    if end == 0 {
        return Err(KlpNameError::EmptyObject);
    }
    if end > KLP_OBJNAME_MAX {
        return Err(KlpNameError::ObjectTooLong);
    }
    let dot = dot.ok_or(KlpNameError::MissingDot)?;
    // NO-OVERFLOW: dot < s.len().
    Ok((
        s.get(..dot).unwrap_or(&[]),
        s.get(dot.wrapping_add(1)..).unwrap_or(&[]),
    ))
}

impl<'a> KlpSym<'a> {
    /// Parses a `.klp.sym.` name as `klp_resolve_symbols()` (6.12) does with
    /// `sscanf(".klp.sym.%55[^.].%511[^,],%lu")`, but strictly: where `sscanf` would
    /// read a partial result (an object name cut at 55 bytes, a symbol name cut at
    /// 511, leading blanks before the sympos, trailing bytes after it, or a sympos
    /// that wraps), this returns an error naming what is wrong, because such a name
    /// can only come from a broken tool.
    ///
    /// ```
    /// use kallsyms::livepatch::{KlpNameError, KlpSym};
    /// let s = KlpSym::parse(b".klp.sym.vmlinux.c_start.llvm.8011538628216713357,2").unwrap();
    /// assert_eq!(s.objname, b"vmlinux");
    /// assert_eq!(s.name, b"c_start.llvm.8011538628216713357");
    /// assert_eq!(s.sympos, 2);
    /// assert_eq!(KlpSym::parse(b".klp.sym.vmlinux.foo,1x"), Err(KlpNameError::BadSympos));
    /// ```
    pub fn parse(s: &'a [u8]) -> Result<Self, KlpNameError> {
        if memchr::memchr(0, s).is_some() {
            return Err(KlpNameError::Nul);
        }
        let rest = s.strip_prefix(b".klp.sym.").ok_or(KlpNameError::Prefix)?;
        let (obj, rest) = objname(rest)?;
        let comma = memchr::memchr(b',', rest);
        let name = rest.get(..comma.unwrap_or(rest.len())).unwrap_or(&[]);
        if name.is_empty() {
            return Err(KlpNameError::EmptyName);
        }
        if name.len() >= KSYM_NAME_LEN {
            return Err(KlpNameError::NameTooLong);
        }
        let comma = comma.ok_or(KlpNameError::MissingComma)?;
        // NO-OVERFLOW: comma < rest.len().
        let digits = rest.get(comma.wrapping_add(1)..).unwrap_or(&[]);
        if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
            return Err(KlpNameError::BadSympos);
        }
        let mut sympos: u64 = 0;
        for &d in digits {
            sympos = sympos
                .checked_mul(10)
                .and_then(|v| v.checked_add(u64::from(d.wrapping_sub(b'0'))))
                .ok_or(KlpNameError::SymposOverflow)?;
        }
        Ok(KlpSym {
            objname: obj,
            name,
            sympos,
        })
    }

    /// Whether the object is vmlinux.
    pub fn is_vmlinux(&self) -> bool {
        self.objname == b"vmlinux"
    }
}

impl fmt::Display for KlpSym<'_> {
    /// Formats the name as a livepatch module's symbol table carries it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            ".klp.sym.{}.{},{}",
            Bytes(self.objname),
            Bytes(self.name),
            self.sympos
        )
    }
}

/// A parsed `.klp.rela.<objname>.<section>` section name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KlpRela<'a> {
    /// The object the relocations apply to.
    pub objname: &'a [u8],
    /// The section they patch (`.text.foo`, ...), without the separating `.`.
    pub section: &'a [u8],
}

impl<'a> KlpRela<'a> {
    /// Parses a `.klp.rela.` section name (`klp_write_section_relocs()` 6.12 reads
    /// only `%55[^.]`; this also requires the `.<section>` part, and rejects an
    /// object name the kernel would silently cut at 55 bytes).
    ///
    /// ```
    /// use kallsyms::livepatch::KlpRela;
    /// let r = KlpRela::parse(b".klp.rela.vmlinux..text.cmdline_proc_show").unwrap();
    /// assert_eq!((r.objname, r.section), (&b"vmlinux"[..], &b".text.cmdline_proc_show"[..]));
    /// ```
    pub fn parse(s: &'a [u8]) -> Result<Self, KlpNameError> {
        if memchr::memchr(0, s).is_some() {
            return Err(KlpNameError::Nul);
        }
        let rest = s.strip_prefix(b".klp.rela.").ok_or(KlpNameError::Prefix)?;
        let (objname, section) = objname(rest)?;
        if section.is_empty() {
            return Err(KlpNameError::EmptyName);
        }
        Ok(KlpRela { objname, section })
    }
}

impl fmt::Display for KlpRela<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            ".klp.rela.{}.{}",
            Bytes(self.objname),
            Bytes(self.section)
        )
    }
}
