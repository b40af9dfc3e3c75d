// SPDX-License-Identifier: GPL-2.0-only OR MIT
//! A minimal, panic-free ELF reader: the header, program and section headers,
//! symbol lookup by name, address-to-file-offset mapping and the GNU build-id note.
//! ELF32 and ELF64, either byte order (the System V gABI, `include/uapi/linux/elf.h`).
//!
//! Every read is bounds-checked: a truncated or hostile header gives `None` or fewer
//! entries, never a panic.

use std::vec::Vec;

use crate::layout::Endian;

/// `SHT_SYMTAB`.
pub const SHT_SYMTAB: u32 = 2;
/// `SHT_NOBITS`.
pub const SHT_NOBITS: u32 = 8;
/// `PT_LOAD`.
pub const PT_LOAD: u32 = 1;
/// `PT_NOTE`.
pub const PT_NOTE: u32 = 4;
/// `SHT_NOTE`.
pub const SHT_NOTE: u32 = 7;
/// `SHF_ALLOC`.
pub const SHF_ALLOC: u64 = 2;
/// `EM_X86_64`.
pub const EM_X86_64: u16 = 62;
/// `EM_AARCH64`.
pub const EM_AARCH64: u16 = 183;
/// `EM_386`.
pub const EM_386: u16 = 3;
/// `EM_ARM`.
pub const EM_ARM: u16 = 40;
/// `EM_RISCV`.
pub const EM_RISCV: u16 = 243;

/// Reads `N` bytes at `at`.
fn bytes<const N: usize>(d: &[u8], at: u64) -> Option<[u8; N]> {
    let at = usize::try_from(at).ok()?;
    d.get(at..at.checked_add(N)?)?.try_into().ok()
}

/// Little/big-endian integer reads over a byte slice.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Reader<'a> {
    pub(crate) data: &'a [u8],
    pub(crate) endian: Endian,
}

impl<'a> Reader<'a> {
    pub(crate) fn u16(&self, at: u64) -> Option<u16> {
        let b = bytes::<2>(self.data, at)?;
        Some(match self.endian {
            Endian::Little => u16::from_le_bytes(b),
            Endian::Big => u16::from_be_bytes(b),
        })
    }
    pub(crate) fn u32(&self, at: u64) -> Option<u32> {
        let b = bytes::<4>(self.data, at)?;
        Some(match self.endian {
            Endian::Little => u32::from_le_bytes(b),
            Endian::Big => u32::from_be_bytes(b),
        })
    }
    pub(crate) fn u64(&self, at: u64) -> Option<u64> {
        let b = bytes::<8>(self.data, at)?;
        Some(match self.endian {
            Endian::Little => u64::from_le_bytes(b),
            Endian::Big => u64::from_be_bytes(b),
        })
    }
    /// A pointer-sized word (`wide`: 8 bytes, else 4).
    pub(crate) fn word(&self, at: u64, wide: bool) -> Option<u64> {
        if wide {
            self.u64(at)
        } else {
            self.u32(at).map(u64::from)
        }
    }
}

/// One program header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Segment {
    /// `p_type`.
    pub kind: u32,
    /// `p_offset`.
    pub offset: u64,
    /// `p_vaddr`.
    pub vaddr: u64,
    /// `p_paddr`.
    pub paddr: u64,
    /// `p_filesz`.
    pub filesz: u64,
    /// `p_memsz`.
    pub memsz: u64,
    /// `p_flags`.
    pub flags: u32,
    /// `p_align`.
    pub align: u64,
}

/// One section header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Section {
    /// `sh_name` (offset in the section name table).
    pub name: u32,
    /// `sh_type`.
    pub kind: u32,
    /// `sh_flags`.
    pub flags: u64,
    /// `sh_addr`.
    pub addr: u64,
    /// `sh_offset`.
    pub offset: u64,
    /// `sh_size`.
    pub size: u64,
    /// `sh_link`.
    pub link: u32,
    /// `sh_info`.
    pub info: u32,
    /// `sh_addralign`.
    pub addralign: u64,
    /// `sh_entsize`.
    pub entsize: u64,
}

/// A parsed ELF file: headers only, the data stays borrowed.
#[derive(Clone, Debug)]
pub struct Elf<'a> {
    /// The whole file.
    pub data: &'a [u8],
    /// `ELFCLASS64`.
    pub wide: bool,
    /// `EI_DATA`.
    pub endian: Endian,
    /// `e_machine`.
    pub machine: u16,
    /// `e_type`.
    pub kind: u16,
    /// `e_entry`.
    pub entry: u64,
    /// `e_shstrndx`.
    pub shstrndx: u32,
    /// Program headers (those that fit in the file).
    pub segments: Vec<Segment>,
    /// Section headers (those that fit in the file).
    pub sections: Vec<Section>,
}

/// At most this many headers of each kind are read (the kernel has a few dozen;
/// `e_shnum` is 16 bits, but a hostile file's count must not make us allocate).
const MAX_HEADERS: u64 = 1 << 16;

impl<'a> Elf<'a> {
    /// Parses the headers of `data`, or `None` if it does not start with an ELF
    /// identification of a known class and byte order.
    pub fn parse(data: &'a [u8]) -> Option<Elf<'a>> {
        let ident = data.get(..16)?;
        if ident.get(..4)? != b"\x7fELF" {
            return None;
        }
        let wide = match ident.get(4)? {
            1 => false,
            2 => true,
            _ => return None,
        };
        let endian = match ident.get(5)? {
            1 => Endian::Little,
            2 => Endian::Big,
            _ => return None,
        };
        let r = Reader { data, endian };
        let kind = r.u16(16)?;
        let machine = r.u16(18)?;
        let (entry, phoff, shoff, rest) = if wide {
            (r.u64(24)?, r.u64(32)?, r.u64(40)?, 52u64)
        } else {
            (
                u64::from(r.u32(24)?),
                u64::from(r.u32(28)?),
                u64::from(r.u32(32)?),
                40u64,
            )
        };
        // e_flags (4), e_ehsize (2), then the counts.
        let phentsize = u64::from(r.u16(rest + 2)?);
        let phnum = u64::from(r.u16(rest + 4)?);
        let shentsize = u64::from(r.u16(rest + 6)?);
        let mut shnum = u64::from(r.u16(rest + 8)?);
        let mut shstrndx = u32::from(r.u16(rest + 10)?);
        let mut elf = Elf {
            data,
            wide,
            endian,
            machine,
            kind,
            entry,
            shstrndx: 0,
            segments: Vec::new(),
            sections: Vec::new(),
        };
        let (ph_need, sh_need) = if wide { (56, 64) } else { (32, 40) };
        if phoff != 0 && phentsize >= ph_need {
            for i in 0..phnum.min(MAX_HEADERS) {
                let Some(at) = i.checked_mul(phentsize).and_then(|o| o.checked_add(phoff)) else {
                    break;
                };
                match elf.segment_at(at) {
                    Some(s) => elf.segments.push(s),
                    None => break,
                }
            }
        }
        if shoff != 0 && shentsize >= sh_need {
            // Extended numbering: the real counts live in section 0.
            if let Some(s0) = elf.section_at(shoff) {
                if shnum == 0 {
                    shnum = s0.size;
                }
                if shstrndx == 0xffff {
                    shstrndx = s0.link;
                }
            }
            for i in 0..shnum.min(MAX_HEADERS) {
                let Some(at) = i.checked_mul(shentsize).and_then(|o| o.checked_add(shoff)) else {
                    break;
                };
                match elf.section_at(at) {
                    Some(s) => elf.sections.push(s),
                    None => break,
                }
            }
        }
        elf.shstrndx = shstrndx;
        Some(elf)
    }

    fn reader(&self) -> Reader<'a> {
        Reader {
            data: self.data,
            endian: self.endian,
        }
    }

    fn segment_at(&self, at: u64) -> Option<Segment> {
        // A header offset near the top of u64 (from `e_phoff`) must not wrap below.
        at.checked_add(64)?;
        let r = self.reader();
        if self.wide {
            Some(Segment {
                kind: r.u32(at)?,
                flags: r.u32(at + 4)?,
                offset: r.u64(at + 8)?,
                vaddr: r.u64(at + 16)?,
                paddr: r.u64(at + 24)?,
                filesz: r.u64(at + 32)?,
                memsz: r.u64(at + 40)?,
                align: r.u64(at + 48)?,
            })
        } else {
            Some(Segment {
                kind: r.u32(at)?,
                offset: u64::from(r.u32(at + 4)?),
                vaddr: u64::from(r.u32(at + 8)?),
                paddr: u64::from(r.u32(at + 12)?),
                filesz: u64::from(r.u32(at + 16)?),
                memsz: u64::from(r.u32(at + 20)?),
                flags: r.u32(at + 24)?,
                align: u64::from(r.u32(at + 28)?),
            })
        }
    }

    fn section_at(&self, at: u64) -> Option<Section> {
        // A header offset near the top of u64 (from `e_shoff`) must not wrap below.
        at.checked_add(64)?;
        let r = self.reader();
        let w = self.wide;
        let (o, step) = if w { (8u64, 8u64) } else { (8u64, 4u64) };
        // sh_name, sh_type, then flags, addr, offset, size (words), link, info
        // (u32), addralign, entsize (words).
        let flags = r.word(at + o, w)?;
        let addr = r.word(at + o + step, w)?;
        let offset = r.word(at + o + 2 * step, w)?;
        let size = r.word(at + o + 3 * step, w)?;
        let l = at + o + 4 * step;
        Some(Section {
            name: r.u32(at)?,
            kind: r.u32(at + 4)?,
            flags,
            addr,
            offset,
            size,
            link: r.u32(l)?,
            info: r.u32(l + 4)?,
            addralign: r.word(l + 8, w)?,
            entsize: r.word(l + 8 + step, w)?,
        })
    }

    /// The file bytes of a section (empty for `SHT_NOBITS` or one past the end).
    pub fn section_data(&self, s: &Section) -> &'a [u8] {
        if s.kind == SHT_NOBITS {
            return &[];
        }
        range(self.data, s.offset, s.size)
    }

    /// The name of a section.
    pub fn section_name(&self, s: &Section) -> &'a [u8] {
        self.sections
            .get(self.shstrndx as usize)
            .map(|t| cstr(self.section_data(t), u64::from(s.name)))
            .unwrap_or(&[])
    }

    /// The first section called `name`.
    pub fn section_by_name(&self, name: &[u8]) -> Option<&Section> {
        self.sections.iter().find(|s| self.section_name(s) == name)
    }

    /// The file offset of virtual address `addr` with at least `len` bytes of file
    /// data behind it in the same segment (or, without program headers, section).
    pub fn offset_of(&self, addr: u64, len: u64) -> Option<u64> {
        let inside = |start: u64, size: u64| {
            addr >= start
                && addr
                    .checked_add(len)
                    .zip(start.checked_add(size))
                    .is_some_and(|(end, lim)| end <= lim)
        };
        for s in &self.segments {
            if s.kind == PT_LOAD && inside(s.vaddr, s.filesz) {
                return s.offset.checked_add(addr - s.vaddr);
            }
        }
        for s in &self.sections {
            if s.flags & SHF_ALLOC != 0 && s.kind != SHT_NOBITS && inside(s.addr, s.size) {
                return s.offset.checked_add(addr - s.addr);
            }
        }
        None
    }

    /// The virtual address at which file offset `off` is loaded.
    pub fn addr_of(&self, off: u64) -> Option<u64> {
        for s in &self.segments {
            if s.kind == PT_LOAD && off >= s.offset && off - s.offset < s.filesz {
                return s.vaddr.checked_add(off - s.offset);
            }
        }
        for s in &self.sections {
            if s.flags & SHF_ALLOC != 0
                && s.kind != SHT_NOBITS
                && off >= s.offset
                && off - s.offset < s.size
            {
                return s.addr.checked_add(off - s.offset);
            }
        }
        None
    }

    /// The symbol table section and its string table, if there is one.
    pub fn symtab(&self) -> Option<Symtab<'a>> {
        let s = self.sections.iter().find(|s| s.kind == SHT_SYMTAB)?;
        let strtab = self.sections.get(s.link as usize)?;
        let entsize = if self.wide { 24 } else { 16 };
        Some(Symtab {
            reader: self.reader(),
            wide: self.wide,
            syms: self.section_data(s),
            strtab: self.section_data(strtab),
            entsize,
        })
    }

    /// The GNU build-id: from a `.note.gnu.build-id` section, else from any note
    /// section or `PT_NOTE` segment.
    pub fn build_id(&self) -> Option<&'a [u8]> {
        let mut notes: Vec<&'a [u8]> = Vec::new();
        if let Some(s) = self.section_by_name(b".note.gnu.build-id") {
            notes.push(self.section_data(s));
        }
        for s in &self.sections {
            if s.kind == SHT_NOTE {
                notes.push(self.section_data(s));
            }
        }
        for p in &self.segments {
            if p.kind == PT_NOTE {
                notes.push(range(self.data, p.offset, p.filesz));
            }
        }
        notes
            .into_iter()
            .find_map(|n| build_id_in_notes(n, self.endian))
    }
}

/// A symbol table with its string table.
#[derive(Clone, Copy, Debug)]
pub struct Symtab<'a> {
    reader: Reader<'a>,
    wide: bool,
    syms: &'a [u8],
    strtab: &'a [u8],
    entsize: u64,
}

/// One ELF symbol.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ElfSymbol<'a> {
    /// The name.
    pub name: &'a [u8],
    /// `st_value`.
    pub value: u64,
    /// `st_size`.
    pub size: u64,
    /// `st_info`.
    pub info: u8,
    /// `st_shndx`.
    pub shndx: u16,
}

impl<'a> Symtab<'a> {
    /// Number of entries.
    pub fn len(&self) -> u64 {
        self.syms.len() as u64 / self.entsize
    }

    /// Whether there are no entries.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Entry `i`.
    pub fn get(&self, i: u64) -> Option<ElfSymbol<'a>> {
        let r = Reader {
            data: self.syms,
            endian: self.reader.endian,
        };
        let at = i.checked_mul(self.entsize)?;
        let name = u64::from(r.u32(at)?);
        let (value, size, info, shndx) = if self.wide {
            (
                r.u64(at + 8)?,
                r.u64(at + 16)?,
                *self.syms.get(usize::try_from(at + 4).ok()?)?,
                r.u16(at + 6)?,
            )
        } else {
            (
                u64::from(r.u32(at + 4)?),
                u64::from(r.u32(at + 8)?),
                *self.syms.get(usize::try_from(at + 12).ok()?)?,
                r.u16(at + 14)?,
            )
        };
        Some(ElfSymbol {
            name: cstr(self.strtab, name),
            value,
            size,
            info,
            shndx,
        })
    }

    /// Every entry.
    pub fn iter(&self) -> impl Iterator<Item = ElfSymbol<'a>> + '_ {
        (0..self.len()).filter_map(move |i| self.get(i))
    }
}

/// `data[off..off + len]`, clamped to nothing when out of range.
pub(crate) fn range(data: &[u8], off: u64, len: u64) -> &[u8] {
    let (Ok(o), Ok(l)) = (usize::try_from(off), usize::try_from(len)) else {
        return &[];
    };
    o.checked_add(l)
        .and_then(|end| data.get(o..end))
        .unwrap_or(&[])
}

/// The NUL-terminated string at `off` (to the end of `data` without a NUL).
pub(crate) fn cstr(data: &[u8], off: u64) -> &[u8] {
    let Some(rest) = usize::try_from(off).ok().and_then(|o| data.get(o..)) else {
        return &[];
    };
    let end = memchr::memchr(0, rest).unwrap_or(rest.len());
    rest.get(..end).unwrap_or(&[])
}

/// The descriptor of the first `NT_GNU_BUILD_ID` note in a note area.
pub(crate) fn build_id_in_notes(notes: &[u8], endian: Endian) -> Option<&[u8]> {
    let r = Reader {
        data: notes,
        endian,
    };
    let mut at = 0u64;
    let len = notes.len() as u64;
    while at + 12 <= len {
        let namesz = u64::from(r.u32(at)?);
        let descsz = u64::from(r.u32(at + 4)?);
        let kind = r.u32(at + 8)?;
        let name_at = at + 12;
        let desc_at = name_at.checked_add(namesz.checked_add(3)? & !3)?;
        let next = desc_at.checked_add(descsz.checked_add(3)? & !3)?;
        if kind == 3 && namesz == 4 && range(notes, name_at, 4) == b"GNU\0" {
            let d = range(notes, desc_at, descsz);
            return (!d.is_empty()).then_some(d);
        }
        if next <= at {
            return None;
        }
        at = next;
    }
    None
}
