// SPDX-License-Identifier: GPL-2.0-only OR MIT
//! The assembly text of `write_src()` (`scripts/kallsyms.c` 6.12, and 7.0 as changed by
//! a081b5789255), byte for byte.

use core::sync::atomic::{AtomicBool, Ordering};
use std::io;
use std::vec::Vec;

use super::num;
use super::{Built, KernelVersion, Offsets};

/// Tables with at least this many symbols render their tail on a second thread.
const PARALLEL_SYMBOLS: usize = 16384;

/// Symbols whose names are looked up together in name order.
const SEQS_BATCH: usize = 16;

/// Flush to the writer once this much text is buffered.
const CHUNK: usize = 1 << 20;

/// The 6.12 prelude: `write_src()` prints it before anything else.
const PRELUDE_6_12: &[u8] = b"#include <asm/bitsperlong.h>\n\
#if BITS_PER_LONG == 64\n\
#define PTR .quad\n\
#define ALGN .balign 8\n\
#else\n\
#define PTR .long\n\
#define ALGN .balign 4\n\
#endif\n";

/// A byte buffer handed to `flush` whenever it grows past [`CHUNK`].
struct Out<'f> {
    buf: Vec<u8>,
    flush: &'f mut dyn FnMut(&mut Vec<u8>) -> io::Result<()>,
    /// Whether `flush` hands the text on (a writer) rather than keeping it in `buf`.
    streaming: bool,
}

impl Out<'_> {
    fn maybe_flush(&mut self) -> io::Result<()> {
        if self.buf.len() >= CHUNK {
            (self.flush)(&mut self.buf)?;
        }
        Ok(())
    }

    fn s(&mut self, s: &[u8]) {
        self.buf.extend_from_slice(s);
    }

    /// Appends text rendered elsewhere: passed straight on when streaming.
    fn text(&mut self, mut v: Vec<u8>) -> io::Result<()> {
        if self.streaming {
            (self.flush)(&mut self.buf)?;
            (self.flush)(&mut v)
        } else {
            self.buf.extend_from_slice(&v);
            Ok(())
        }
    }
}

impl Built {
    /// Writes the assembly `scripts/kallsyms` of [`Options::kernel`](super::Options)
    /// would print, byte for byte.
    ///
    /// # Errors
    ///
    /// Only those of `w`.
    pub fn write_asm<W: io::Write + ?Sized>(&self, w: &mut W) -> io::Result<()> {
        let mut flush = |b: &mut Vec<u8>| {
            w.write_all(b)?;
            b.clear();
            Ok(())
        };
        let mut out = Out {
            buf: Vec::with_capacity(CHUNK + 4096),
            flush: &mut flush,
            streaming: true,
        };
        self.emit_split(&mut out)?;
        let mut rest = core::mem::take(&mut out.buf);
        (out.flush)(&mut rest)
    }

    /// The assembly text as bytes (see [`Built::write_asm`]).
    pub fn asm(&self) -> Vec<u8> {
        let mut keep = |_: &mut Vec<u8>| Ok(());
        let mut out = Out {
            buf: Vec::with_capacity(self.text_bound()),
            flush: &mut keep,
            streaming: false,
        };
        // Writing into memory cannot fail.
        let _ = self.emit_split(&mut out);
        out.buf
    }

    /// The tail rendered into memory.
    fn tail(&self) -> Vec<u8> {
        let mut keep = |_: &mut Vec<u8>| Ok(());
        let mut out = Out {
            buf: Vec::with_capacity(self.len() * 128 + 4096),
            flush: &mut keep,
            streaming: false,
        };
        let _ = self.emit_tail(&mut out);
        out.buf
    }

    /// Head then tail. For large tables a second thread renders the tail while this
    /// one renders (and writes) the head; whichever thread claims the tail first
    /// renders it, so a second thread that never gets to run costs nothing.
    fn emit_split(&self, out: &mut Out<'_>) -> io::Result<()> {
        if self.threads < 2 || self.len() < PARALLEL_SYMBOLS {
            self.emit_head(out)?;
            return self.emit_tail(out);
        }
        let claimed = AtomicBool::new(false);
        let claim = || !claimed.swap(true, Ordering::AcqRel);
        std::thread::scope(|scope| {
            let worker = std::thread::Builder::new()
                .spawn_scoped(scope, || claim().then(|| self.tail()))
                .ok();
            self.emit_head(out)?;
            if claim() {
                return self.emit_tail(out);
            }
            match worker.map(|w| w.join()) {
                Some(Ok(Some(tail))) => out.text(tail),
                Some(Err(e)) => std::panic::resume_unwind(e),
                // Not reached: the tail was claimed by the worker.
                _ => self.emit_tail(out),
            }
        })
    }

    fn label(&self, out: &mut Out<'_>, name: &[u8]) {
        out.s(b".globl ");
        out.s(name);
        out.s(match self.options.kernel {
            KernelVersion::V6_12 => b"\n\tALGN\n",
            KernelVersion::V7_0 => b"\n\t.balign 4\n",
        });
        out.s(name);
        out.s(b":\n");
    }

    /// `\t/* <type><name> */\n`.
    fn comment(&self, out: &mut Out<'_>, i: usize) {
        out.s(b"\t/* ");
        if let Some(s) = self.symbol(i) {
            out.buf.push(s.kind);
            out.s(s.name);
        }
        out.s(b" */\n");
    }

    /// Everything up to `kallsyms_token_index`.
    fn emit_head(&self, out: &mut Out<'_>) -> io::Result<()> {
        if self.options.kernel == KernelVersion::V6_12 {
            out.s(PRELUDE_6_12);
        }
        out.s(b"\t.section .rodata, \"a\"\n");

        self.label(out, b"kallsyms_num_syms");
        out.s(b"\t.long\t");
        num::dec(&mut out.buf, self.len() as u64 & 0xffff_ffff);
        out.s(b"\n\n");

        self.label(out, b"kallsyms_names");
        for i in 0..self.len() {
            let code = self.compressed(i);
            let len = code.len();
            out.s(b"\t.byte ");
            if len <= 0x7f {
                num::byte(&mut out.buf, len as u8);
            } else {
                num::byte(&mut out.buf, (len & 0x7f) as u8 | 0x80);
                out.s(b", ");
                num::byte(&mut out.buf, ((len >> 7) & 0x7f) as u8);
            }
            num::sep_bytes(&mut out.buf, code);
            self.comment(out, i);
            out.maybe_flush()?;
        }
        out.s(b"\n");

        self.label(out, b"kallsyms_markers");
        for m in self.markers() {
            out.s(b"\t.long\t");
            // `unsigned int off` in the C code.
            num::dec(&mut out.buf, m & 0xffff_ffff);
            out.s(b"\n");
        }
        out.s(b"\n");

        self.label(out, b"kallsyms_token_table");
        for code in 0..=255u8 {
            out.s(b"\t.asciz\t\"");
            out.s(self.token(code));
            out.s(b"\"\n");
        }
        out.s(b"\n");

        self.label(out, b"kallsyms_token_index");
        for off in self.token_offsets() {
            out.s(b"\t.short\t");
            // `%d` of an `unsigned int`.
            num::signed(&mut out.buf, i64::from(off as u32 as i32));
            out.s(b"\n");
        }
        out.s(b"\n");
        out.maybe_flush()?;

        Ok(())
    }

    /// `kallsyms_offsets`, `kallsyms_relative_base` (6.12) and
    /// `kallsyms_seqs_of_names`: the text that does not depend on the token table.
    fn emit_tail(&self, out: &mut Out<'_>) -> io::Result<()> {
        self.label(out, b"kallsyms_offsets");
        for i in 0..self.len() {
            match &self.offsets {
                Offsets::V612(v) | Offsets::Raw(v) => {
                    out.s(b"\t.long\t");
                    num::alt_hex(&mut out.buf, u64::from(v.get(i).copied().unwrap_or(0)));
                }
                Offsets::PcRelative(v) => {
                    out.s(b"\t.long\t_text - . + (");
                    num::signed(&mut out.buf, i64::from(v.get(i).copied().unwrap_or(0)));
                    out.s(b")");
                }
            }
            self.comment(out, i);
            out.maybe_flush()?;
        }
        out.s(b"\n");

        if self.options.kernel == KernelVersion::V6_12 {
            self.label(out, b"kallsyms_relative_base");
            let (sign, d) = if self.text <= self.relative_base {
                (b"+", self.relative_base - self.text)
            } else {
                (b"-", self.text - self.relative_base)
            };
            out.s(b"\tPTR\t_text ");
            out.s(sign);
            out.s(b" ");
            num::alt_hex(&mut out.buf, d);
            out.s(b"\n\n");
        }

        self.label(out, b"kallsyms_seqs_of_names");
        // Name order visits the symbols at random: the names of a batch are looked up
        // (and their first bytes loaded) together, so that the cache misses overlap.
        let mut names = [None; SEQS_BATCH];
        for batch in self.seqs.chunks(SEQS_BATCH) {
            let mut sum = 0u8;
            for (slot, &seq) in names.iter_mut().zip(batch) {
                *slot = self.symbol(seq as usize);
                if let Some(s) = slot {
                    sum ^= s.name.first().copied().unwrap_or(0);
                }
            }
            core::hint::black_box(sum);
            for (s, &seq) in names.iter().zip(batch) {
                out.s(b"\t.byte ");
                num::byte(&mut out.buf, (seq >> 16) as u8);
                out.s(b", ");
                num::byte(&mut out.buf, (seq >> 8) as u8);
                out.s(b", ");
                num::byte(&mut out.buf, seq as u8);
                out.s(b"\t/* ");
                if let Some(s) = s {
                    out.buf.push(s.kind);
                    out.s(s.name);
                }
                out.s(b" */\n");
            }
            out.maybe_flush()?;
        }
        out.s(b"\n");
        Ok(())
    }

    /// At least the length of the assembly text, so that [`Built::asm`] never grows
    /// (copies) its buffer; reserved pages that are not written cost nothing.
    fn text_bound(&self) -> usize {
        let names: usize = self.symbols().map(|s| s.name.len()).sum();
        let tokens: usize = self.tokens.iter().map(Vec::len).sum();
        // Per symbol: its name in three comments, its compressed bytes as
        // `, 0x..`, and the fixed text of three lines (under 150 bytes). Per 256
        // symbols a marker; per token its text and two lines.
        3 * names
            + 6 * self.names.arena.len()
            + 150 * self.len()
            + 32 * self.len().div_ceil(256)
            + 2 * tokens
            + 256 * 64
            + 4096
    }

    /// `kallsyms_markers`: the offset in `kallsyms_names` of every 256th symbol.
    pub(super) fn markers(&self) -> Vec<u64> {
        let mut v = Vec::with_capacity(self.len().div_ceil(256));
        let mut off = 0u64;
        for i in 0..self.len() {
            if i & 0xff == 0 {
                v.push(off);
            }
            let len = self.compressed(i).len() as u64;
            off += len + if len <= 0x7f { 1 } else { 2 };
        }
        v
    }

    /// `kallsyms_token_index`: the offset of each token in `kallsyms_token_table`.
    pub(super) fn token_offsets(&self) -> Vec<u64> {
        let mut off = 0u64;
        (0..=255u8)
            .map(|c| {
                let o = off;
                off += self.token(c).len() as u64 + 1;
                o
            })
            .collect()
    }
}
