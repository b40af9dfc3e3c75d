// SPDX-License-Identifier: GPL-2.0-only OR MIT
//! Decompression of a kernel payload (feature `decompress`): gzip (flate2), xz and
//! legacy lzma (xz2, liblzma), zstd, bzip2, and the LZ4 legacy frames `lz4 -l`
//! writes (lz4_flex blocks).
//!
//! Kernel payloads carry trailing bytes (the 4-byte size `size_append` adds, the
//! rest of the image after a scanned stream), so each decoder stops at the end of
//! its first stream, and output already produced is kept when a stream is cut or
//! corrupt: a truncated kernel may still hold its tables.

use std::boxed::Box;
use std::io::{self, Read};
use std::string::ToString;
use std::vec::Vec;

use super::container::Compression;

/// LZ4 legacy blocks decompress to at most 8 MiB (`lz4 -l`, `lib/decompress_unlz4.c`).
const LZ4_LEGACY_BLOCK: usize = 8 << 20;

/// Decompresses the stream at the start of `input`, producing at most `limit` bytes.
///
/// # Errors
///
/// The decoder's error when it produced nothing; LZO is not supported.
pub fn decompress(c: Compression, input: &[u8], limit: usize) -> io::Result<Vec<u8>> {
    let hint = size_hint(input).min(limit);
    match c {
        Compression::Gzip => drain(flate2::bufread::GzDecoder::new(input), limit, hint),
        Compression::Xz => {
            let s = xz2::stream::Stream::new_stream_decoder(u64::MAX, 0)?;
            drain(xz2::bufread::XzDecoder::new_stream(input, s), limit, hint)
        }
        Compression::Lzma => {
            let s = xz2::stream::Stream::new_lzma_decoder(u64::MAX)?;
            drain(xz2::bufread::XzDecoder::new_stream(input, s), limit, hint)
        }
        Compression::Zstd => {
            // One frame into a flat buffer of the announced size: no window buffer
            // beside the output (a kernel's window is as large as the kernel).
            let frame = zstd::zstd_safe::find_frame_compressed_size(input)
                .ok()
                .and_then(|n| input.get(..n))
                .unwrap_or(input);
            let size = match zstd::zstd_safe::get_frame_content_size(frame) {
                Ok(Some(n)) => usize::try_from(n).unwrap_or(usize::MAX),
                _ => size_hint(input),
            };
            if size <= limit {
                if let Ok(out) = zstd::bulk::decompress(frame, size) {
                    if !out.is_empty() {
                        return Ok(out);
                    }
                }
            }
            let mut d = zstd::stream::read::Decoder::with_buffer(input)?.single_frame();
            d.window_log_max(31)?;
            drain(d, limit, hint)
        }
        Compression::Bzip2 => drain(bzip2::bufread::BzDecoder::new(input), limit, hint),
        Compression::Lz4 => lz4_legacy(input, limit),
        Compression::Lzo => Err(io::Error::new(
            io::ErrorKind::Unsupported,
            "LZO-compressed kernels are not supported",
        )),
    }
}

/// A streaming decoder for the stream at the start of `input` (LZ4 legacy frames
/// are decoded whole first).
///
/// # Errors
///
/// As [`decompress`].
pub fn reader<'a>(c: Compression, input: &'a [u8]) -> io::Result<Box<dyn Read + 'a>> {
    Ok(match c {
        Compression::Gzip => Box::new(flate2::bufread::GzDecoder::new(input)),
        Compression::Xz => Box::new(xz2::bufread::XzDecoder::new_stream(
            input,
            xz2::stream::Stream::new_stream_decoder(u64::MAX, 0)?,
        )),
        Compression::Lzma => Box::new(xz2::bufread::XzDecoder::new_stream(
            input,
            xz2::stream::Stream::new_lzma_decoder(u64::MAX)?,
        )),
        Compression::Zstd => {
            let mut d = zstd::stream::read::Decoder::with_buffer(input)?.single_frame();
            d.window_log_max(31)?;
            Box::new(d)
        }
        Compression::Bzip2 => Box::new(bzip2::bufread::BzDecoder::new(input)),
        Compression::Lz4 => Box::new(io::Cursor::new(lz4_legacy(input, usize::MAX)?)),
        Compression::Lzo => {
            return Err(io::Error::new(
                io::ErrorKind::Unsupported,
                "LZO-compressed kernels are not supported",
            ))
        }
    })
}

/// Appends output of `r` to `out` until it holds `upto` bytes or the stream ends;
/// returns whether it ended. An error after some output counts as the end.
///
/// # Errors
///
/// The decoder's error when `out` is still empty.
pub fn read_upto(r: &mut dyn Read, out: &mut Vec<u8>, upto: usize) -> io::Result<bool> {
    let want = upto.saturating_sub(out.len());
    if want == 0 {
        return Ok(false);
    }
    let before = out.len();
    // `read_to_end` reads straight into the vector's spare capacity.
    match r.take(want as u64).read_to_end(out) {
        Ok(k) => Ok(k < want),
        Err(_) if before > 0 || !out.is_empty() => Ok(true),
        Err(e) => Err(e),
    }
}

/// The output size to reserve: the kernel appends the decompressed size as a
/// little-endian `u32` to every payload (`size_append` in `scripts/Makefile.lib`;
/// gzip's own trailer says the same), so a plausible last word is taken as the size;
/// otherwise four times the input.
pub fn size_hint(input: &[u8]) -> usize {
    let n = input.len();
    let last = n
        .checked_sub(4)
        .and_then(|at| input.get(at..))
        .and_then(|b| <[u8; 4]>::try_from(b).ok())
        .map_or(0, |b| u32::from_le_bytes(b) as usize);
    if last >= n && last <= n.saturating_mul(32) {
        last
    } else {
        n.saturating_mul(4)
    }
}

/// Reads `r` to its end or to `limit` bytes; an error after some output ends the
/// output instead.
fn drain<R: Read>(mut r: R, limit: usize, hint: usize) -> io::Result<Vec<u8>> {
    let mut out = Vec::with_capacity(hint);
    let mut buf = std::vec![0u8; 1 << 16];
    loop {
        match r.read(&mut buf) {
            Ok(0) => return Ok(out),
            Ok(k) => {
                let room = limit.saturating_sub(out.len());
                out.extend_from_slice(buf.get(..k.min(room)).unwrap_or(&[]));
                if out.len() >= limit {
                    return Ok(out);
                }
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) if out.is_empty() => return Err(e),
            Err(_) => return Ok(out),
        }
    }
}

/// The LZ4 legacy format: the magic `0x184c2102`, then blocks of a little-endian
/// `u32` compressed size and that many bytes of LZ4 block data; a repeated magic
/// starts a new stream; anything else (the kernel's appended size) ends it.
fn lz4_legacy(input: &[u8], limit: usize) -> io::Result<Vec<u8>> {
    const MAGIC: u32 = 0x184c_2102;
    let word = |at: usize| -> Option<u32> {
        let b: [u8; 4] = input.get(at..at.checked_add(4)?)?.try_into().ok()?;
        Some(u32::from_le_bytes(b))
    };
    if word(0) != Some(MAGIC) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "no LZ4 legacy magic",
        ));
    }
    let mut out: Vec<u8> = Vec::new();
    let mut at = 4usize;
    while let Some(len) = word(at) {
        if len == MAGIC {
            at += 4;
            continue;
        }
        let len = len as usize;
        let Some(block) = at
            .checked_add(4)
            .and_then(|s| input.get(s..s.checked_add(len)?))
        else {
            break;
        };
        if len == 0 || out.len() >= limit {
            break;
        }
        let start = out.len();
        out.resize(start + LZ4_LEGACY_BLOCK, 0);
        let got = lz4_flex::block::decompress_into(block, out.get_mut(start..).unwrap_or(&mut []));
        match got {
            Ok(k) => out.truncate(start + k),
            Err(e) => {
                out.truncate(start);
                if out.is_empty() {
                    return Err(io::Error::new(io::ErrorKind::InvalidData, e.to_string()));
                }
                break;
            }
        }
        at += 4 + len;
    }
    out.truncate(limit);
    Ok(out)
}
