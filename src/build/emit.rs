// SPDX-License-Identifier: GPL-2.0-only OR MIT
//! The assembly text of `write_src()` (`scripts/kallsyms.c` 6.12, and 7.0 as changed by
//! a081b5789255), byte for byte.

use core::sync::atomic::{AtomicBool, Ordering};
use std::io;
use std::vec;
use std::vec::Vec;

use super::num::{self, Sink};
use super::{Built, KernelVersion, Offsets};

/// Tables with at least this many symbols render their tail on a second thread.
pub(super) const PARALLEL_SYMBOLS: usize = 16384;

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

/// The line that opens the section.
const SECTION: &[u8] = b"\t.section .rodata, \"a\"\n";

/// A byte buffer, handed to `write` whenever it grows past [`CHUNK`] (streaming),
/// or kept whole (no writer).
struct Out<'f> {
    buf: Vec<u8>,
    write: Option<&'f mut Writer<'f>>,
}

/// Where [`Out`] hands full buffers.
type Writer<'f> = dyn FnMut(&[u8]) -> io::Result<()> + 'f;

/// A text target of the renderers: a [`Sink`] that may be flushed between lines.
trait Text: Sink {
    /// Hands full buffers on (streaming only).
    fn maybe_flush(&mut self) -> io::Result<()>;
}

/// [`Sink`] for a type whose text goes to its `buf: Vec<u8>`.
macro_rules! buffer_sink {
    ($t:ty) => {
        impl Sink for $t {
            #[inline]
            fn put(&mut self, s: &[u8]) {
                self.buf.extend_from_slice(s);
            }

            #[inline]
            fn push(&mut self, b: u8) {
                self.buf.push(b);
            }

            #[inline]
            fn sep_bytes(&mut self, bytes: &[u8]) {
                Sink::sep_bytes(&mut self.buf, bytes);
            }
        }
    };
}

buffer_sink!(Out<'_>);
buffer_sink!(Chunks);

impl Text for Out<'_> {
    fn maybe_flush(&mut self) -> io::Result<()> {
        if self.buf.len() >= CHUNK {
            if let Some(w) = self.write.as_mut() {
                w(&self.buf)?;
                self.buf.clear();
            }
        }
        Ok(())
    }
}

/// A slice of known length, filled from its start (one part of [`Built::asm`]
/// rendered on each thread). Text that does not fit is dropped and recorded.
struct Fill<'a> {
    buf: &'a mut [u8],
    at: usize,
    overflow: bool,
}

impl<'a> Fill<'a> {
    fn new(buf: &'a mut [u8]) -> Self {
        Fill {
            buf,
            at: 0,
            overflow: false,
        }
    }

    /// Whether the text filled the slice exactly.
    fn exact(&self) -> bool {
        !self.overflow && self.at == self.buf.len()
    }
}

impl Sink for Fill<'_> {
    #[inline]
    fn put(&mut self, s: &[u8]) {
        match self.buf.get_mut(self.at..self.at + s.len()) {
            Some(d) => {
                d.copy_from_slice(s);
                self.at += s.len();
            }
            None => self.overflow = true,
        }
    }

    #[inline]
    fn sep_bytes(&mut self, bytes: &[u8]) {
        let n = 6 * bytes.len();
        match self.buf.get_mut(self.at..self.at + n) {
            Some(d) => {
                num::fill_sep(d, bytes);
                self.at += n;
            }
            None => self.overflow = true,
        }
    }
}

impl Text for Fill<'_> {
    fn maybe_flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The renderer's side of [`Built::emit_head_pipelined`]: a buffer handed to the
/// writer whenever it grows past [`CHUNK`], and the buffers it gives back.
struct Chunks {
    buf: Vec<u8>,
    full: std::sync::mpsc::SyncSender<Vec<u8>>,
    empty: std::sync::mpsc::Receiver<Vec<u8>>,
}

impl Text for Chunks {
    fn maybe_flush(&mut self) -> io::Result<()> {
        if self.buf.len() >= CHUNK {
            let next = match self.empty.try_recv() {
                Ok(mut b) => {
                    b.clear();
                    b
                }
                Err(_) => Vec::with_capacity(CHUNK + 4096),
            };
            let full = core::mem::replace(&mut self.buf, next);
            self.full
                .send(full)
                .map_err(|_| io::Error::from(io::ErrorKind::BrokenPipe))?;
        }
        Ok(())
    }
}

impl Out<'_> {
    /// Appends text rendered elsewhere: passed straight on when streaming.
    fn text(&mut self, v: &[u8]) -> io::Result<()> {
        match self.write.as_mut() {
            Some(w) => {
                w(&self.buf)?;
                self.buf.clear();
                w(v)
            }
            None => {
                self.buf.extend_from_slice(v);
                Ok(())
            }
        }
    }

    /// Hands the rest on (streaming).
    fn finish(&mut self) -> io::Result<()> {
        if let Some(w) = self.write.as_mut() {
            w(&self.buf)?;
            self.buf.clear();
        }
        Ok(())
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
        let mut write = |b: &[u8]| w.write_all(b);
        let mut out = Out {
            buf: Vec::with_capacity(CHUNK + 4096),
            write: Some(&mut write),
        };
        self.emit_split(&mut out)?;
        out.finish()
    }

    /// The assembly text as bytes (see [`Built::write_asm`]).
    pub fn asm(&self) -> Vec<u8> {
        if self.tail_text.is_none()
            && (self.threads > 1 || self.helpers)
            && self.len() >= PARALLEL_SYMBOLS
        {
            if let Some(v) = self.asm_split() {
                return v;
            }
        }
        let mut out = Out {
            buf: Vec::with_capacity(self.text_bound()),
            write: None,
        };
        // Writing into memory cannot fail.
        let _ = self.emit_split(&mut out);
        out.buf
    }

    /// [`Built::asm`] with the head and the tail rendered at once, on two threads,
    /// each into its own part of one buffer (their lengths are computed first; no
    /// copy, and both parts fault their pages in at the same time). Whichever thread
    /// claims the tail first renders it. `None` if a part came out of another
    /// length than computed (not expected: the caller then renders on one thread).
    pub(super) fn asm_split(&self) -> Option<Vec<u8>> {
        let names = self.comment_bytes();
        let head = self.head_len(names);
        let mut buf = vec![0u8; head + self.tail_len(names)];
        let (h, t) = buf.split_at_mut(head);
        let tail = std::sync::Mutex::new(Some(t));
        let run_tail = || {
            let t = tail
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .take()?;
            let mut f = Fill::new(t);
            let _ = self.emit_tail(&mut f);
            Some(f.exact())
        };
        let exact = std::thread::scope(|scope| {
            let worker = std::thread::Builder::new()
                .spawn_scoped(scope, run_tail)
                .ok();
            let mut f = Fill::new(h);
            let _ = self.emit_head(&mut f);
            let head_ok = f.exact();
            let tail_ok = match run_tail() {
                Some(ok) => ok,
                None => match worker.map(|w| w.join()) {
                    Some(Ok(Some(ok))) => ok,
                    Some(Err(e)) => std::panic::resume_unwind(e),
                    _ => false,
                },
            };
            head_ok && tail_ok
        });
        exact.then_some(buf)
    }

    /// Bytes of all `\t/* <type><name> */\n` comments, one per symbol.
    fn comment_bytes(&self) -> usize {
        (0..self.len()).map(|i| self.comment_len(i)).sum()
    }

    fn comment_len(&self, i: usize) -> usize {
        8 + self.symbol(i).map_or(0, |s| 1 + s.name.len())
    }

    fn label_len(&self, name: &[u8]) -> usize {
        let algn = match self.options.kernel {
            KernelVersion::V6_12 => 7,
            KernelVersion::V7_0 => 12,
        };
        7 + 2 * name.len() + algn + 2
    }

    /// The length of [`Built::emit_head`]'s text; `comments` is
    /// [`Built::comment_bytes`].
    fn head_len(&self, comments: usize) -> usize {
        let mut n = 0;
        if self.options.kernel == KernelVersion::V6_12 {
            n += PRELUDE_6_12.len();
        }
        n += SECTION.len();
        n += self.label_len(b"kallsyms_num_syms") + 7;
        n += num::dec_len(self.len() as u64 & 0xffff_ffff) + 2;
        n += self.label_len(b"kallsyms_names") + comments + 1;
        for i in 0..self.len() {
            let len = self.compressed(i).len();
            n += 7 + if len <= 0x7f { 4 } else { 10 } + 6 * len;
        }
        n += self.label_len(b"kallsyms_markers") + 1;
        for m in self.markers() {
            n += 7 + num::dec_len(m & 0xffff_ffff) + 1;
        }
        n += self.label_len(b"kallsyms_token_table") + 1;
        for code in 0..=255u8 {
            n += 9 + self.token(code).len() + 2;
        }
        n += self.label_len(b"kallsyms_token_index") + 1;
        for off in self.token_offsets() {
            n += 8 + num::signed_len(i64::from(off as u32 as i32)) + 1;
        }
        n
    }

    /// The length of [`Built::emit_tail`]'s text; `comments` is
    /// [`Built::comment_bytes`] (both sections comment every symbol once).
    fn tail_len(&self, comments: usize) -> usize {
        let mut n = self.label_len(b"kallsyms_offsets") + comments + 1;
        n += match &self.offsets {
            Offsets::V612(v) | Offsets::Raw(v) => v
                .iter()
                .map(|&o| 7 + num::alt_hex_len(u64::from(o)))
                .sum::<usize>(),
            Offsets::PcRelative(v) => v
                .iter()
                .map(|&o| 21 + num::signed_len(i64::from(o)))
                .sum::<usize>(),
        };
        if self.options.kernel == KernelVersion::V6_12 {
            let d = self.text.abs_diff(self.relative_base);
            n += self.label_len(b"kallsyms_relative_base") + 13 + num::alt_hex_len(d) + 2;
        }
        n += self.label_len(b"kallsyms_seqs_of_names") + 23 * self.seqs.len() + comments + 1;
        n
    }

    /// The tail rendered into memory.
    fn tail(&self) -> Vec<u8> {
        self.tail_parts().render()
    }

    /// Head then tail. For large tables a second thread renders the tail while this
    /// one renders (and writes) the head; whichever thread claims the tail first
    /// renders it, so a second thread that never gets to run costs nothing.
    fn emit_split(&self, out: &mut Out<'_>) -> io::Result<()> {
        if let Some(tail) = &self.tail_text {
            // Rendered while the token table was made (see `pipeline`).
            self.emit_head_pipelined(out)?;
            return out.text(tail);
        }
        if !(self.threads > 1 || self.helpers) || self.len() < PARALLEL_SYMBOLS {
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
                Some(Ok(Some(tail))) => out.text(&tail),
                Some(Err(e)) => std::panic::resume_unwind(e),
                // Not reached: the tail was claimed by the worker.
                _ => self.emit_tail(out),
            }
        })
    }

    fn label<O: Text>(&self, out: &mut O, name: &[u8]) {
        label(out, self.options.kernel, name);
    }

    /// [`Built::emit_head`] when streaming: a second thread renders the text in
    /// [`CHUNK`]-sized buffers while this one writes them, so the writes (the
    /// kernel's copy into the file, about twice the rendering's time) overlap the
    /// rendering. The buffers come back to be filled again (fresh ones would be
    /// page faults). Without a writer, or without a thread to be had, this thread
    /// renders and writes in turn.
    fn emit_head_pipelined(&self, out: &mut Out<'_>) -> io::Result<()> {
        use std::sync::mpsc;
        let Some(write) = out.write.as_mut() else {
            return self.emit_head(out);
        };
        // Whatever `out` holds comes first.
        write(&out.buf)?;
        out.buf.clear();
        let (full_tx, full_rx) = mpsc::sync_channel::<Vec<u8>>(2);
        let (empty_tx, empty_rx) = mpsc::channel::<Vec<u8>>();
        let done = std::thread::scope(|scope| {
            let render = move || {
                let mut chunks = Chunks {
                    buf: Vec::with_capacity(CHUNK + 4096),
                    full: full_tx,
                    empty: empty_rx,
                };
                // An error here is a closed channel: the writer stopped.
                if self.emit_head(&mut chunks).is_ok() {
                    let _ = chunks.full.send(chunks.buf);
                }
            };
            let helper = std::thread::Builder::new()
                .spawn_scoped(scope, render)
                .ok()?;
            let mut result = Ok(());
            for buf in full_rx.iter() {
                result = write(&buf);
                if result.is_err() {
                    break;
                }
                let _ = empty_tx.send(buf);
            }
            // Closes the channel: a renderer still at work stops at its next chunk.
            drop(full_rx);
            if let Err(e) = helper.join() {
                std::panic::resume_unwind(e);
            }
            Some(result)
        });
        match done {
            Some(result) => result,
            None => self.emit_head(out),
        }
    }

    /// `\t/* <type><name> */\n`.
    fn comment<O: Text>(&self, out: &mut O, i: usize) {
        self.tail_parts().comment(out, i);
    }

    /// What [`TailParts`] needs of this table.
    fn tail_parts(&self) -> TailParts<'_> {
        TailParts {
            kernel: self.options.kernel,
            text: self.text,
            relative_base: self.relative_base,
            offsets: &self.offsets,
            seqs: &self.seqs,
            input: &self.input,
            order: &self.order,
            kinds: &self.kinds,
        }
    }

    /// Everything up to `kallsyms_token_index`.
    fn emit_head<O: Text>(&self, out: &mut O) -> io::Result<()> {
        if self.options.kernel == KernelVersion::V6_12 {
            out.put(PRELUDE_6_12);
        }
        out.put(SECTION);

        self.label(out, b"kallsyms_num_syms");
        out.put(b"\t.long\t");
        num::dec(out, self.len() as u64 & 0xffff_ffff);
        out.put(b"\n\n");

        self.label(out, b"kallsyms_names");
        for i in 0..self.len() {
            let code = self.compressed(i);
            let len = code.len();
            out.put(b"\t.byte ");
            if len <= 0x7f {
                num::byte(out, len as u8);
            } else {
                num::byte(out, (len & 0x7f) as u8 | 0x80);
                out.put(b", ");
                num::byte(out, ((len >> 7) & 0x7f) as u8);
            }
            num::sep_bytes(out, code);
            self.comment(out, i);
            out.maybe_flush()?;
        }
        out.put(b"\n");

        self.label(out, b"kallsyms_markers");
        for m in self.markers() {
            out.put(b"\t.long\t");
            // `unsigned int off` in the C code.
            num::dec(out, m & 0xffff_ffff);
            out.put(b"\n");
        }
        out.put(b"\n");

        self.label(out, b"kallsyms_token_table");
        for code in 0..=255u8 {
            out.put(b"\t.asciz\t\"");
            out.put(self.token(code));
            out.put(b"\"\n");
        }
        out.put(b"\n");

        self.label(out, b"kallsyms_token_index");
        for off in self.token_offsets() {
            out.put(b"\t.short\t");
            // `%d` of an `unsigned int`.
            num::signed(out, i64::from(off as u32 as i32));
            out.put(b"\n");
        }
        out.put(b"\n");
        out.maybe_flush()?;

        Ok(())
    }

    /// `kallsyms_offsets`, `kallsyms_relative_base` (6.12) and
    /// `kallsyms_seqs_of_names`: the text that does not depend on the token table.
    fn emit_tail<O: Text>(&self, out: &mut O) -> io::Result<()> {
        self.tail_parts().emit(out)
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

/// `.globl NAME`, its alignment and its label.
fn label<O: Text>(out: &mut O, kernel: KernelVersion, name: &[u8]) {
    out.put(b".globl ");
    out.put(name);
    out.put(match kernel {
        KernelVersion::V6_12 => b"\n\tALGN\n",
        KernelVersion::V7_0 => b"\n\t.balign 4\n",
    });
    out.put(name);
    out.put(b":\n");
}

/// What the tail of the text (`kallsyms_offsets`, `kallsyms_relative_base`,
/// `kallsyms_seqs_of_names`) is made of. None of it depends on the token table,
/// so the pipeline renders it on its helper thread while the token rounds run.
pub(super) struct TailParts<'b> {
    pub(super) kernel: KernelVersion,
    /// The address of `_text`.
    pub(super) text: u64,
    pub(super) relative_base: u64,
    pub(super) offsets: &'b Offsets,
    pub(super) seqs: &'b [u32],
    pub(super) input: &'b super::SymbolList,
    /// Input index and final type of each symbol, in address order.
    pub(super) order: &'b [u32],
    pub(super) kinds: &'b [u8],
}

impl TailParts<'_> {
    /// Type and name of symbol `i` (address order).
    #[inline]
    fn symbol(&self, i: usize) -> Option<(u8, &[u8])> {
        let s = self.input.get(*self.order.get(i)? as usize)?;
        Some((self.kinds.get(i).copied().unwrap_or(s.kind), s.name))
    }

    /// `\t/* <type><name> */\n`.
    fn comment<O: Text>(&self, out: &mut O, i: usize) {
        out.put(b"\t/* ");
        if let Some((kind, name)) = self.symbol(i) {
            out.push(kind);
            out.put(name);
        }
        out.put(b" */\n");
    }

    /// The tail rendered into memory.
    pub(super) fn render(&self) -> Vec<u8> {
        let mut out = Out {
            buf: Vec::with_capacity(self.order.len() * 128 + 4096),
            write: None,
        };
        let _ = self.emit(&mut out);
        out.buf
    }

    /// `kallsyms_offsets`, `kallsyms_relative_base` (6.12) and
    /// `kallsyms_seqs_of_names`: the text that does not depend on the token table.
    fn emit<O: Text>(&self, out: &mut O) -> io::Result<()> {
        label(out, self.kernel, b"kallsyms_offsets");
        for i in 0..self.order.len() {
            match self.offsets {
                Offsets::V612(v) | Offsets::Raw(v) => {
                    out.put(b"\t.long\t");
                    num::alt_hex(out, u64::from(v.get(i).copied().unwrap_or(0)));
                }
                Offsets::PcRelative(v) => {
                    out.put(b"\t.long\t_text - . + (");
                    num::signed(out, i64::from(v.get(i).copied().unwrap_or(0)));
                    out.put(b")");
                }
            }
            self.comment(out, i);
            out.maybe_flush()?;
        }
        out.put(b"\n");

        if self.kernel == KernelVersion::V6_12 {
            label(out, self.kernel, b"kallsyms_relative_base");
            let (sign, d) = if self.text <= self.relative_base {
                (b"+", self.relative_base - self.text)
            } else {
                (b"-", self.text - self.relative_base)
            };
            out.put(b"\tPTR\t_text ");
            out.put(sign);
            out.put(b" ");
            num::alt_hex(out, d);
            out.put(b"\n\n");
        }

        label(out, self.kernel, b"kallsyms_seqs_of_names");
        // Name order visits the symbols at random: the names of a batch are looked up
        // (and their first bytes loaded) together, so that the cache misses overlap.
        let mut names = [None; SEQS_BATCH];
        for batch in self.seqs.chunks(SEQS_BATCH) {
            let mut sum = 0u8;
            for (slot, &seq) in names.iter_mut().zip(batch) {
                *slot = self.symbol(seq as usize);
                if let Some((_, name)) = slot {
                    sum ^= name.first().copied().unwrap_or(0);
                }
            }
            core::hint::black_box(sum);
            for (s, &seq) in names.iter().zip(batch) {
                out.put(b"\t.byte ");
                num::byte(out, (seq >> 16) as u8);
                out.put(b", ");
                num::byte(out, (seq >> 8) as u8);
                out.put(b", ");
                num::byte(out, seq as u8);
                out.put(b"\t/* ");
                if let Some((kind, name)) = s {
                    out.push(*kind);
                    out.put(name);
                }
                out.put(b" */\n");
            }
            out.maybe_flush()?;
        }
        out.put(b"\n");
        Ok(())
    }
}
