// SPDX-License-Identifier: GPL-2.0-only OR MIT
//! Symbol map text: `nm -n` output filtered by `scripts/mksysmap`, `System.map`, and
//! `/proc/kallsyms`.
//!
//! The [`ParseMode::Kallsyms`] mode reads lines exactly as `read_symbol()` of
//! `scripts/kallsyms.c` (6.12): `getline()`, one trailing `\n` stripped, the address
//! by `strtoull(line, &p, 16)`, then exactly one space, one ASCII type character, one
//! space, and the name up to the end of the line or its first NUL byte (the tool uses
//! C string functions on it). Anything else is fatal: "line format error".
//!
//! Everything works on bytes; names need not be UTF-8.

use std::fmt;
use std::vec::Vec;

use crate::KSYM_NAME_LEN;

/// How [`MapLines`] and [`parse_map`] read a line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum ParseMode {
    /// Exactly the rules of `read_symbol()` in `scripts/kallsyms.c` (6.12). A tab in a
    /// name is part of the name.
    #[default]
    Kallsyms,
    /// `/proc/kallsyms`: as [`ParseMode::Kallsyms`], but a line whose name is followed
    /// by a `\t[module]` column is a module symbol and is skipped (a vmlinux table never
    /// holds module symbols; `kernel/kallsyms.c` `s_show()` prints that column only
    /// for them).
    ProcKallsyms,
}

/// One symbol line: address, type character and name (without the type).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct MapSymbol<'a> {
    /// The address as `strtoull(.., 16)` read it.
    pub addr: u64,
    /// The type character (`T`, `t`, `D`, ...); always ASCII.
    pub kind: u8,
    /// The name, up to the end of the line or its first NUL byte.
    pub name: &'a [u8],
}

/// What one line of a map holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MapItem<'a> {
    /// A symbol.
    Symbol(MapSymbol<'a>),
    /// A name of `KSYM_NAME_LEN` (512) bytes or more: `scripts/kallsyms.c` (6.12)
    /// drops it with a warning ([`Warning::NameTooLong`]).
    TooLong {
        /// The name.
        name: &'a [u8],
    },
    /// A `/proc/kallsyms` module symbol (only in [`ParseMode::ProcKallsyms`]).
    Module(MapSymbol<'a>),
}

/// A line that `scripts/kallsyms.c` (6.12) rejects with "line format error".
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ParseError {
    /// 1-based line number.
    pub line: usize,
}

impl fmt::Display for ParseError {
    /// The kernel's text, `line format error`, followed by the line number.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line format error (line {})", self.line)
    }
}

impl ParseError {
    /// The exact text `scripts/kallsyms.c` (6.12) prints on stderr, newline included.
    pub const KERNEL_TEXT: &'static str = "line format error\n";
}

impl std::error::Error for ParseError {}

/// A non-fatal diagnostic.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Warning {
    /// A name with `strlen >= KSYM_NAME_LEN`, dropped (`read_symbol()`,
    /// `scripts/kallsyms.c` 6.12).
    NameTooLong {
        /// 1-based line number (0 for a symbol not read from text).
        line: usize,
        /// The name.
        name: Vec<u8>,
    },
}

impl Warning {
    /// Writes the exact bytes `scripts/kallsyms.c` (6.12) prints on stderr:
    /// `Symbol %s too long for kallsyms (%zu >= %d).\nPlease increase KSYM_NAME_LEN
    /// both in kernel and kallsyms.c\n`.
    pub fn write_kernel_text<W: std::io::Write + ?Sized>(&self, w: &mut W) -> std::io::Result<()> {
        match self {
            Warning::NameTooLong { name, .. } => {
                w.write_all(b"Symbol ")?;
                w.write_all(name)?;
                write!(
                    w,
                    " too long for kallsyms ({} >= {}).\n\
                     Please increase KSYM_NAME_LEN both in kernel and kallsyms.c\n",
                    name.len(),
                    KSYM_NAME_LEN
                )
            }
        }
    }

    /// The kernel's text as bytes.
    pub fn kernel_text(&self) -> Vec<u8> {
        let mut v = Vec::new();
        // Writing to a Vec cannot fail.
        let _ = self.write_kernel_text(&mut v);
        v
    }
}

impl fmt::Display for Warning {
    /// The kernel's text with the name shown as lossy UTF-8, without the final newline.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = self.kernel_text();
        let s = std::string::String::from_utf8_lossy(&text);
        f.write_str(s.trim_end_matches('\n'))
    }
}

/// An iterator over the lines of a map; see [`lines`].
#[derive(Clone, Debug)]
pub struct MapLines<'a> {
    rest: &'a [u8],
    line: usize,
    mode: ParseMode,
    done: bool,
}

/// Iterates over the lines of `input`, yielding each line's meaning or the first error.
/// After an error the iterator ends, as the kernel tool exits there.
pub fn lines(input: &[u8], mode: ParseMode) -> MapLines<'_> {
    MapLines {
        rest: input,
        line: 0,
        mode,
        done: false,
    }
}

impl<'a> MapLines<'a> {
    /// The number of the line read last (1-based; 0 before the first).
    pub fn line(&self) -> usize {
        self.line
    }
}

impl<'a> Iterator for MapLines<'a> {
    type Item = Result<MapItem<'a>, ParseError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done || self.rest.is_empty() {
            return None;
        }
        // getline(): up to and including '\n'; then one '\n' is stripped.
        let (text, rest) = match memchr::memchr(b'\n', self.rest) {
            Some(i) => (
                self.rest.get(..i).unwrap_or_default(),
                self.rest.get(i + 1..).unwrap_or_default(),
            ),
            None => (self.rest, &[][..]),
        };
        self.rest = rest;
        self.line += 1;
        let item = parse_line(text, self.mode).ok_or(ParseError { line: self.line });
        if item.is_err() {
            self.done = true;
        }
        Some(item)
    }
}

/// Parses one line (without its `\n`) as `read_symbol()` of `scripts/kallsyms.c`
/// (6.12); `None` is "line format error".
///
/// One deliberate difference: a NUL type byte is rejected. The C tool accepts it when
/// a space follows, but then stores a name that its own `strcpy()` of the expanded
/// text truncates, so its later behaviour depends on leftover buffer bytes.
pub fn parse_line(text: &[u8], mode: ParseMode) -> Option<MapItem<'_>> {
    let (addr, used) = match sixteen_digits(text) {
        Some(addr) => (addr, 16),
        None => strtoull_hex(text)?,
    };
    let rest = text.get(used..)?;
    let (&sp1, rest) = rest.split_first()?;
    let (&kind, rest) = rest.split_first()?;
    let (&sp2, rest) = rest.split_first()?;
    if sp1 != b' ' || !kind.is_ascii() || kind == 0 || sp2 != b' ' {
        return None;
    }
    // strlen(): the name ends at the first NUL.
    let mut name = match memchr::memchr(0, rest) {
        Some(n) => rest.get(..n).unwrap_or_default(),
        None => rest,
    };
    if mode == ParseMode::ProcKallsyms {
        if let Some(tab) = memchr::memchr(b'\t', name) {
            let module = name.get(tab + 1..).unwrap_or_default();
            if module.first() == Some(&b'[') && module.last() == Some(&b']') {
                name = name.get(..tab).unwrap_or_default();
                return Some(MapItem::Module(MapSymbol { addr, kind, name }));
            }
        }
    }
    if name.len() >= KSYM_NAME_LEN {
        return Some(MapItem::TooLong { name });
    }
    Some(MapItem::Symbol(MapSymbol { addr, kind, name }))
}

/// The common case of [`strtoull_hex`]: exactly 16 hex digits, then a space.
#[inline]
fn sixteen_digits(text: &[u8]) -> Option<u64> {
    let head = text.get(..17)?;
    if head.last() != Some(&b' ') {
        return None;
    }
    let mut value = 0u64;
    let mut bad = 0u8;
    for &b in head.iter().take(16) {
        let d = hex_value(b).unwrap_or(0xff);
        bad |= d;
        value = value << 4 | u64::from(d & 15);
    }
    (bad < 16).then_some(value)
}

/// `isspace()` in the C locale.
fn c_isspace(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// glibc's `strtoull(s, &end, 16)`: leading white space, an optional sign, an optional
/// `0x`/`0X`, then hex digits up to the first other byte. Overflow saturates at
/// `u64::MAX` (sign ignored); a minus sign negates modulo 2^64. Returns the value and
/// the number of bytes used, or `None` when `end` would be `s` (no digits).
///
/// "0x" followed by a non-hex byte converts to 0 with `end` at the `x`; the caller
/// then finds an `x` where it wants a space, so this returns `None` for it as well.
pub fn strtoull_hex(s: &[u8]) -> Option<(u64, usize)> {
    let mut i = s.iter().take_while(|&&b| c_isspace(b)).count();
    let negative = match s.get(i) {
        Some(b'-') => {
            i += 1;
            true
        }
        Some(b'+') => {
            i += 1;
            false
        }
        _ => false,
    };
    if s.get(i) == Some(&b'0') && matches!(s.get(i + 1), Some(b'x' | b'X')) {
        i += 2;
    }
    let digits = s.get(i..)?;
    // One pass: the value (exact up to 16 significant digits), the digit count and
    // the significant digit count (more than 16 overflow).
    let (mut value, mut n, mut significant) = (0u64, 0usize, 0usize);
    for &b in digits {
        let Some(d) = hex_value(b) else { break };
        n += 1;
        significant += usize::from(significant > 0 || d != 0);
        value = value.wrapping_shl(4) | u64::from(d);
    }
    if n == 0 {
        return None;
    }
    let value = if significant > 16 {
        u64::MAX
    } else if negative {
        value.wrapping_neg()
    } else {
        value
    };
    Some((value, i + n))
}

/// The value of a hex digit, from a table.
#[inline]
fn hex_value(b: u8) -> Option<u8> {
    // Evaluated at compile time: an index out of bounds could not compile.
    #[allow(clippy::indexing_slicing)]
    const TABLE: [u8; 256] = {
        let mut t = [0xffu8; 256];
        let mut i = 0u8;
        while i < 10 {
            t[(b'0' + i) as usize] = i;
            i += 1;
        }
        let mut i = 0u8;
        while i < 6 {
            t[(b'a' + i) as usize] = 10 + i;
            t[(b'A' + i) as usize] = 10 + i;
            i += 1;
        }
        t
    };
    TABLE.get(usize::from(b)).copied().filter(|&v| v != 0xff)
}

/// Symbols in input order, their names in one byte arena.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SymbolList {
    entries: Vec<Entry>,
    arena: Vec<u8>,
    warnings: Vec<Warning>,
}

/// One entry of a [`SymbolList`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Entry {
    addr: u64,
    start: u32,
    len: u32,
    kind: u8,
}

impl SymbolList {
    /// An empty list.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty list with room for `n` symbols and `bytes` bytes of names.
    pub fn with_capacity(n: usize, bytes: usize) -> Self {
        SymbolList {
            entries: Vec::with_capacity(n),
            arena: Vec::with_capacity(bytes),
            warnings: Vec::new(),
        }
    }

    /// Appends a symbol. The name is taken up to its first NUL byte, as the kernel
    /// tool's C strings would. Names of 512 bytes or more are kept here and dropped
    /// with a warning by [`crate::build::build`].
    ///
    /// # Panics
    ///
    /// Never; a list larger than 4 GiB of names saturates (no kernel table holds one).
    pub fn push(&mut self, addr: u64, kind: u8, name: &[u8]) {
        let name = match memchr::memchr(0, name) {
            Some(n) => name.get(..n).unwrap_or_default(),
            None => name,
        };
        self.push_clean(addr, kind, name);
    }

    /// [`SymbolList::push`] of a name that holds no NUL byte.
    #[inline]
    fn push_clean(&mut self, addr: u64, kind: u8, name: &[u8]) {
        let start = u32::try_from(self.arena.len()).unwrap_or(u32::MAX);
        let len = u32::try_from(name.len()).unwrap_or(u32::MAX);
        self.arena.extend_from_slice(name);
        self.entries.push(Entry {
            addr,
            start,
            len,
            kind,
        });
    }

    /// Records a warning (used by the parser for dropped names).
    pub fn push_warning(&mut self, w: Warning) {
        self.warnings.push(w);
    }

    /// Number of symbols.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are no symbols.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Symbol `i`.
    #[inline]
    pub fn get(&self, i: usize) -> Option<MapSymbol<'_>> {
        let e = self.entries.get(i)?;
        Some(self.entry(e))
    }

    #[inline]
    fn entry(&self, e: &Entry) -> MapSymbol<'_> {
        let start = e.start as usize;
        let name = self
            .arena
            .get(start..start + e.len as usize)
            .unwrap_or_default();
        MapSymbol {
            addr: e.addr,
            kind: e.kind,
            name,
        }
    }

    /// The symbols in order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = MapSymbol<'_>> + '_ {
        self.entries.iter().map(move |e| self.entry(e))
    }

    /// Warnings gathered while reading.
    pub fn warnings(&self) -> &[Warning] {
        &self.warnings
    }

    /// Total bytes of names.
    pub fn name_bytes(&self) -> usize {
        self.arena.len()
    }
}

/// Parses a whole map. Names too long for kallsyms are dropped and recorded as
/// [`SymbolList::warnings`]; `/proc/kallsyms` module lines ([`ParseMode::ProcKallsyms`])
/// are dropped silently.
///
/// # Errors
///
/// The first line that `scripts/kallsyms.c` (6.12) rejects.
///
/// # Examples
///
/// ```
/// use kallsyms::build::{parse_map, ParseMode};
/// let map = parse_map(b"ffffffff81000000 T _text\n0 u undef\n", ParseMode::Kallsyms)?;
/// assert_eq!(map.len(), 2);
/// assert_eq!(map.get(0).map(|s| s.name), Some(&b"_text"[..]));
/// assert!(parse_map(b"zz T x\n", ParseMode::Kallsyms).is_err());
/// # Ok::<(), kallsyms::build::ParseError>(())
/// ```
pub fn parse_map(input: &[u8], mode: ParseMode) -> Result<SymbolList, ParseError> {
    // Room for every symbol and name of a map of 16-digit addresses (a line takes at
    // least 21 bytes), so that the list never grows (copies): room that is not
    // written to costs no memory.
    let mut list = SymbolList::with_capacity(input.len() / 21 + 1, input.len());
    let mut it = lines(input, mode);
    while let Some(item) = it.next() {
        match item? {
            // parse_line() has cut the name at its first NUL.
            MapItem::Symbol(s) => list.push_clean(s.addr, s.kind, s.name),
            MapItem::TooLong { name } => list.push_warning(Warning::NameTooLong {
                line: it.line(),
                name: name.to_vec(),
            }),
            MapItem::Module(_) => {}
        }
    }
    Ok(list)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::vec;

    fn one(line: &[u8]) -> Option<(u64, u8, Vec<u8>)> {
        match parse_line(line, ParseMode::Kallsyms)? {
            MapItem::Symbol(s) => Some((s.addr, s.kind, s.name.to_vec())),
            _ => None,
        }
    }

    #[test]
    fn strtoull_quirks() {
        assert_eq!(strtoull_hex(b"ff T"), Some((0xff, 2)));
        assert_eq!(strtoull_hex(b" \t\x0bff"), Some((0xff, 5)));
        assert_eq!(strtoull_hex(b"0x1F"), Some((0x1f, 4)));
        assert_eq!(strtoull_hex(b"0X1f"), Some((0x1f, 4)));
        assert_eq!(strtoull_hex(b"+10"), Some((0x10, 3)));
        assert_eq!(strtoull_hex(b"-1"), Some((u64::MAX, 2)));
        assert_eq!(strtoull_hex(b"-0x10"), Some((0x10u64.wrapping_neg(), 5)));
        // Overflow saturates, whatever the sign, and consumes every digit.
        assert_eq!(strtoull_hex(b"1ffffffffffffffff "), Some((u64::MAX, 17)));
        assert_eq!(strtoull_hex(b"-1ffffffffffffffff"), Some((u64::MAX, 18)));
        // No digits: `end == start`.
        for s in [
            &b""[..],
            b" ",
            b"+",
            b"-",
            b"x1",
            b"g",
            b"0x",
            b"0xg",
            b"- 1",
        ] {
            assert_eq!(strtoull_hex(s), None, "{:?}", s);
        }
        assert_eq!(strtoull_hex(b"0b1"), Some((0xb1, 3)));
    }

    #[test]
    fn line_format() {
        assert_eq!(
            one(b"ffffffff81000000 T _text"),
            Some((0xffffffff81000000, b'T', b"_text".to_vec()))
        );
        assert_eq!(one(b"  10 t x"), Some((0x10, b't', b"x".to_vec())));
        assert_eq!(one(b"0x10 t x"), Some((0x10, b't', b"x".to_vec())));
        assert_eq!(one(b"-1 t x"), Some((u64::MAX, b't', b"x".to_vec())));
        // Empty name, spaces and CR in names, name cut at NUL.
        assert_eq!(one(b"10 T "), Some((0x10, b'T', vec![])));
        assert_eq!(one(b"10 T a b\r"), Some((0x10, b'T', b"a b\r".to_vec())));
        assert_eq!(one(b"10 T ab\0cd"), Some((0x10, b'T', b"ab".to_vec())));
        assert_eq!(one(b"10 ? x\xff"), Some((0x10, b'?', b"x\xff".to_vec())));
        for bad in [
            &b""[..],
            b"10",
            b"10 ",
            b"10 T",
            b"10  T x",
            b"10 Tx",
            b"10\tT x",
            b"10 \x80 x",
            b"10 \0 x",
            b"0x T x",
            b"zz T x",
            b"10 T\tx",
        ] {
            assert!(parse_line(bad, ParseMode::Kallsyms).is_none(), "{:?}", bad);
        }
    }

    #[test]
    fn errors_carry_line_numbers_and_stop() {
        let e = parse_map(b"10 T a\n\n20 T b\n", ParseMode::Kallsyms).unwrap_err();
        assert_eq!(e, ParseError { line: 2 });
        assert_eq!(ParseError::KERNEL_TEXT, "line format error\n");
        let mut it = lines(b"10 T a\nbad\n20 T b\n", ParseMode::Kallsyms);
        assert!(matches!(it.next(), Some(Ok(MapItem::Symbol(_)))));
        assert_eq!(it.next(), Some(Err(ParseError { line: 2 })));
        assert_eq!(it.next(), None);
        // Only one trailing newline is stripped; no line after the last newline.
        assert_eq!(
            parse_map(b"10 T a\n", ParseMode::Kallsyms).map(|l| l.len()),
            Ok(1)
        );
        assert_eq!(
            parse_map(b"10 T a", ParseMode::Kallsyms).map(|l| l.len()),
            Ok(1)
        );
        assert_eq!(parse_map(b"", ParseMode::Kallsyms).map(|l| l.len()), Ok(0));
    }

    #[test]
    fn too_long_names() {
        let name = vec![b'n'; 511];
        let line = [&b"10 T "[..], &name].concat();
        assert!(matches!(
            parse_line(&line, ParseMode::Kallsyms),
            Some(MapItem::Symbol(_))
        ));
        let name = vec![b'n'; 512];
        let line = [&b"10 T "[..], &name].concat();
        let map = parse_map(&[&line[..], b"\n20 T ok\n"].concat(), ParseMode::Kallsyms).unwrap();
        assert_eq!(map.len(), 1);
        let w = &map.warnings()[0];
        let want = [
            &b"Symbol "[..],
            &name,
            b" too long for kallsyms (512 >= 512).\nPlease increase KSYM_NAME_LEN both in kernel and kallsyms.c\n",
        ]
        .concat();
        assert_eq!(w.kernel_text(), want);
        assert!(matches!(w, Warning::NameTooLong { line: 1, .. }));
    }

    #[test]
    fn proc_kallsyms_module_column() {
        let text = b"ffffffffc0a01000 t ext4_fill_super\t[ext4]\nffffffff81000000 T _text\n";
        let map = parse_map(text, ParseMode::ProcKallsyms).unwrap();
        assert_eq!(map.len(), 1);
        assert_eq!(map.get(0).map(|s| s.name), Some(&b"_text"[..]));
        let item = parse_line(b"10 t f\t[m]", ParseMode::ProcKallsyms);
        assert!(matches!(item, Some(MapItem::Module(s)) if s.name == b"f"));
        // In the scripts/kallsyms mode the column is part of the name.
        let map = parse_map(text, ParseMode::Kallsyms).unwrap();
        assert_eq!(
            map.get(0).map(|s| s.name),
            Some(&b"ext4_fill_super\t[ext4]"[..])
        );
        // A tab not followed by a [module] column stays in the name.
        let item = parse_line(b"10 t f\tx", ParseMode::ProcKallsyms);
        assert!(matches!(item, Some(MapItem::Symbol(s)) if s.name == b"f\tx"));
    }

    #[test]
    fn list_push_cuts_at_nul() {
        let mut l = SymbolList::new();
        l.push(1, b'T', b"ab\0c");
        assert_eq!(l.get(0).map(|s| s.name), Some(&b"ab"[..]));
        assert_eq!(l.name_bytes(), 2);
    }
}
