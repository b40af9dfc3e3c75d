// SPDX-License-Identifier: GPL-2.0-only OR MIT
//! What kind of file a kernel image is, and where a compressed kernel's payload
//! starts: pure functions over the bytes.
//!
//! - x86 `bzImage`: the setup header (`Documentation/arch/x86/boot.rst`) gives the
//!   payload exactly (`payload_offset` and `payload_length`, boot protocol 2.08+);
//!   the rest of the file is scanned for compressor magic numbers as a fallback.
//! - arm64/riscv/loongarch EFI zboot (`drivers/firmware/efi/libstub/zboot-header.S`):
//!   `MZ`, `zimg`, then the payload offset and size.
//! - A bare compressed stream (the arm64 Debian `vmlinuz` is a gzip'ed `Image`).
//! - Anything else: every compressor magic in the file, in file order.

use std::vec::Vec;

/// A compression format the kernel's boot wrappers use (`scripts/Makefile.lib`
/// `cmd_gzip` ... `cmd_zstd22`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Compression {
    /// gzip (`1f 8b 08`).
    Gzip,
    /// xz (`fd 37 7a 58 5a 00`).
    Xz,
    /// Legacy `.lzma` (`5d 00 00`, unknown size).
    Lzma,
    /// zstd (`28 b5 2f fd`).
    Zstd,
    /// LZ4 legacy frames (`lz4 -l`: `02 21 4c 18`).
    Lz4,
    /// bzip2 (`BZh[1-9]` and the block magic `31 41 59 26 53 59`).
    Bzip2,
    /// LZO (`lzop`: `89 4c 5a 4f 00 0d 0a 1a 0a`); recognised, not decompressed.
    Lzo,
}

impl Compression {
    /// The format's usual name.
    pub const fn name(self) -> &'static str {
        match self {
            Compression::Gzip => "gzip",
            Compression::Xz => "xz",
            Compression::Lzma => "lzma",
            Compression::Zstd => "zstd",
            Compression::Lz4 => "lz4",
            Compression::Bzip2 => "bzip2",
            Compression::Lzo => "lzo",
        }
    }

    /// The format whose stream starts at `data[0]`, if any.
    pub fn sniff(data: &[u8]) -> Option<Compression> {
        let starts = |m: &[u8]| data.starts_with(m);
        if starts(b"\x1f\x8b\x08") {
            Some(Compression::Gzip)
        } else if starts(b"\xfd7zXZ\x00") {
            Some(Compression::Xz)
        } else if starts(b"\x28\xb5\x2f\xfd") {
            Some(Compression::Zstd)
        } else if starts(b"\x02\x21\x4c\x18") {
            Some(Compression::Lz4)
        } else if starts(b"\x89LZO\x00\x0d\x0a\x1a\x0a") {
            Some(Compression::Lzo)
        } else if data.len() >= 10
            && starts(b"BZh")
            && data.get(3).is_some_and(|d| (b'1'..=b'9').contains(d))
            && data.get(4..10) == Some(b"\x31\x41\x59\x26\x53\x59")
        {
            Some(Compression::Bzip2)
        } else if is_lzma(data) {
            Some(Compression::Lzma)
        } else {
            None
        }
    }
}

/// The `.lzma` header the kernel's `lzma -9` writes: properties `0x5d`, a power-of-two
/// dictionary of 64 KiB to 1 GiB, and an unknown (all ones) or plausible size.
fn is_lzma(data: &[u8]) -> bool {
    let Some(h) = data.get(..13) else {
        return false;
    };
    if h.first() != Some(&0x5d) {
        return false;
    }
    let dict = u32::from_le_bytes([
        h.get(1).copied().unwrap_or(0),
        h.get(2).copied().unwrap_or(0),
        h.get(3).copied().unwrap_or(0),
        h.get(4).copied().unwrap_or(0),
    ]);
    if !dict.is_power_of_two() || !(1 << 16..=1 << 30).contains(&dict) {
        return false;
    }
    let size = h
        .get(5..13)
        .and_then(|b| <[u8; 8]>::try_from(b).ok())
        .map_or(0, u64::from_le_bytes);
    size == u64::MAX || (size > 0 && size < 1 << 32)
}

/// How a kernel image is packaged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// An ELF file (`vmlinux`, or the stripped ELF inside a `bzImage`).
    Elf,
    /// An x86 `bzImage`.
    BzImage,
    /// An EFI zboot image (arm64, riscv, loongarch `vmlinuz.efi`).
    Zboot,
    /// An arm64 `Image` (the `ARM\x64` magic at 0x38).
    Arm64Image,
    /// A bare compressed stream.
    Compressed(Compression),
    /// Raw bytes: a binary image or a memory dump.
    Raw,
}

impl Kind {
    /// A short description for messages.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Elf => "ELF",
            Kind::BzImage => "bzImage",
            Kind::Zboot => "EFI zboot image",
            Kind::Arm64Image => "arm64 Image",
            Kind::Compressed(c) => c.name(),
            Kind::Raw => "raw image",
        }
    }
}

/// A compressed stream inside an image.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Payload {
    /// The format.
    pub compression: Compression,
    /// Offset of the stream's first byte.
    pub offset: usize,
    /// Its length when the container says (`bzImage`, zboot), else to the end of
    /// the file.
    pub len: Option<usize>,
}

impl Payload {
    /// The bytes of the stream (to the end of `data` without a known length).
    pub fn bytes<'a>(&self, data: &'a [u8]) -> &'a [u8] {
        let end = self
            .len
            .and_then(|l| self.offset.checked_add(l))
            .unwrap_or(data.len())
            .min(data.len());
        data.get(self.offset..end).unwrap_or(&[])
    }
}

fn le32(data: &[u8], at: usize) -> Option<u32> {
    let b: [u8; 4] = data.get(at..at.checked_add(4)?)?.try_into().ok()?;
    Some(u32::from_le_bytes(b))
}

/// The kind of image `data` is.
pub fn kind(data: &[u8]) -> Kind {
    if data.starts_with(b"\x7fELF") {
        Kind::Elf
    } else if data.get(0x202..0x206) == Some(b"HdrS") {
        Kind::BzImage
    } else if data.starts_with(b"MZ") && data.get(4..8) == Some(b"zimg") {
        Kind::Zboot
    } else if data.get(0x38..0x3c) == Some(b"ARM\x64") {
        Kind::Arm64Image
    } else if let Some(c) = Compression::sniff(data) {
        Kind::Compressed(c)
    } else {
        Kind::Raw
    }
}

/// The x86 `bzImage` payload named by the setup header.
fn bzimage_payload(data: &[u8]) -> Option<Payload> {
    let setup_sects = match *data.get(0x1f1)? {
        0 => 4,
        n => usize::from(n),
    };
    let version = u16::from_le_bytes([*data.get(0x206)?, *data.get(0x207)?]);
    if version < 0x208 {
        return None;
    }
    let pm_start = (setup_sects + 1) * 512;
    let off = pm_start.checked_add(usize::try_from(le32(data, 0x248)?).ok()?)?;
    let len = usize::try_from(le32(data, 0x24c)?).ok()?;
    let compression = Compression::sniff(data.get(off..)?)?;
    Some(Payload {
        compression,
        offset: off,
        len: Some(len),
    })
}

/// The EFI zboot payload (`zboot-header.S`: offset at 8, size at 12).
fn zboot_payload(data: &[u8]) -> Option<Payload> {
    let off = usize::try_from(le32(data, 8)?).ok()?;
    let len = usize::try_from(le32(data, 12)?).ok()?;
    let compression = Compression::sniff(data.get(off..)?)?;
    Some(Payload {
        compression,
        offset: off,
        len: Some(len),
    })
}

/// The first bytes of each format's magic, for the scan.
const MAGICS: [(&[u8], Compression); 7] = [
    (b"\x1f\x8b\x08", Compression::Gzip),
    (b"\xfd7zXZ\x00", Compression::Xz),
    (b"\x28\xb5\x2f\xfd", Compression::Zstd),
    (b"\x02\x21\x4c\x18", Compression::Lz4),
    (b"BZh", Compression::Bzip2),
    (b"\x89LZO\x00", Compression::Lzo),
    (b"\x5d\x00\x00", Compression::Lzma),
];

/// At most this many candidates come from the magic scan (each costs a failed
/// decompression at worst).
const MAX_SCANNED: usize = 64;

/// The compressed payloads to try, best first: the one the container names, then
/// every magic number found from `from` on, in file order (at most 64).
pub fn payloads(data: &[u8]) -> Vec<Payload> {
    let mut out = Vec::new();
    let k = kind(data);
    let named = match k {
        Kind::BzImage => bzimage_payload(data),
        Kind::Zboot => zboot_payload(data),
        Kind::Compressed(c) => Some(Payload {
            compression: c,
            offset: 0,
            len: None,
        }),
        _ => None,
    };
    out.extend(named);
    // Scan after the setup header of a bzImage, after the zboot header, else from 0.
    let from = match k {
        Kind::BzImage => 0x260,
        Kind::Zboot => 0x40,
        _ => 0,
    };
    let mut found: Vec<Payload> = Vec::new();
    for (magic, compression) in MAGICS {
        let Some(hay) = data.get(from..) else { break };
        for at in memchr::memmem::find_iter(hay, magic) {
            let offset = from + at;
            let ok = data
                .get(offset..)
                .and_then(Compression::sniff)
                .is_some_and(|c| c == compression);
            if ok && !out.iter().any(|p| p.offset == offset) {
                found.push(Payload {
                    compression,
                    offset,
                    len: None,
                });
                if found.len() >= MAX_SCANNED * 4 {
                    break;
                }
            }
        }
    }
    found.sort_by_key(|p| p.offset);
    found.truncate(MAX_SCANNED);
    out.extend(found);
    out
}

/// The arm64 `Image` header's `text_offset` (`Documentation/arch/arm64/booting.rst`).
pub fn arm64_text_offset(data: &[u8]) -> Option<u64> {
    if data.get(0x38..0x3c) != Some(b"ARM\x64") {
        return None;
    }
    let b: [u8; 8] = data.get(8..16)?.try_into().ok()?;
    Some(u64::from_le_bytes(b))
}
