// SPDX-License-Identifier: GPL-2.0-only OR MIT
//! `kallsyms extract`: find and decode the kallsyms tables inside a kernel image
//! (see `kallsyms::image`), print them as `/proc/kallsyms` or JSON, and optionally
//! write an ELF copy of the image with every symbol in its symbol table.

use std::cell::OnceCell;
use std::fmt::Write as _;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use kallsyms::image::{self, container, elf, elf_out, AddressSource, Hints, Kind, Located};
use kallsyms::{Table, KSYM_NAME_LEN};

/// Decompressed kernels larger than this are cut (a decompression bomb guard).
const MAX_DECOMPRESSED: usize = 1 << 30;

/// At most this many payloads are decompressed (more than `container::payloads`
/// returns).
const STORE: usize = 80;

/// Arguments of `kallsyms extract`.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
The image may be an ELF vmlinux (stripped or not), a raw Image or memory dump, or a
compressed vmlinuz/bzImage/EFI zboot image (gzip, xz, lzma, zstd, lz4, bzip2).
Kernels 6.1 to 7.0 are understood, x86-64, arm64 and other 64- or 32-bit machines.

Examples:
  kallsyms extract /boot/vmlinuz-$(uname -r) | head -3
  kallsyms extract --json vmlinux > symbols.json
  kallsyms extract --build-id Image.gz
  kallsyms extract --elf vmlinux.elf /boot/vmlinuz-$(uname -r) > /dev/null
  gdb -batch -ex 'info symbol 0xffffffff81000000' vmlinux.elf")]
pub struct Args {
    /// Print JSON (image facts, layout, array offsets and symbols) instead of
    /// /proc/kallsyms lines.
    #[arg(long)]
    json: bool,
    /// Also write an ELF copy of the (decompressed) image whose symbol table holds
    /// every decoded symbol with its size and type, for nm, objdump, gdb.
    #[arg(long, value_name = "OUT")]
    elf: Option<PathBuf>,
    /// Print the GNU build-id and the kernel version banner instead of the symbols.
    #[arg(long)]
    build_id: bool,
    /// Describe the image, the layout and where each array was found, on stderr.
    #[arg(short, long)]
    verbose: bool,
    /// Virtual address of file offset 0 of a raw image, in hex (7.0 place-relative
    /// tables; defaults to the arm64 or x86-64 link address).
    #[arg(long, value_name = "ADDR", value_parser = parse_hex)]
    base: Option<u64>,
    /// Ignore the ELF symbol table of an unstripped vmlinux and search for the
    /// tables as in a stripped one.
    #[arg(long)]
    no_symbols: bool,
    /// The kernel image.
    image: PathBuf,
}

fn parse_hex(s: &str) -> Result<u64, String> {
    let t = s.trim_start_matches("0x").trim_start_matches("0X");
    u64::from_str_radix(t, 16).map_err(|e| format!("{s}: not a hexadecimal address ({e})"))
}

/// The bytes in which the tables were found and how they were obtained.
struct Found<'d> {
    bytes: &'d [u8],
    /// "bzImage, zstd payload at 0x52cc" and the like.
    how: String,
    located: Located<'d>,
}

/// Tries the file itself, then each compressed payload in it.
fn find<'d>(
    data: &'d [u8],
    hints: &Hints,
    store: &'d [OnceCell<Vec<u8>>],
    partial: bool,
) -> Result<Found<'d>, String> {
    let kind = container::kind(data);
    let mut notes: Vec<String> = Vec::new();
    let direct = matches!(kind, Kind::Elf | Kind::Arm64Image | Kind::Raw);
    if direct {
        match image::locate(data, hints) {
            Ok(l) => {
                return Ok(Found {
                    bytes: data,
                    how: kind.name().to_string(),
                    located: l,
                })
            }
            Err(e) => notes.push(format!("{}: {e}", kind.name())),
        }
    }
    // ELF files and raw images are searched for payloads only after the tables were
    // not found in them, and only the first few.
    let payloads = container::payloads(data);
    let take = if direct { 8 } else { payloads.len() };
    for (p, slot) in payloads.into_iter().take(take).zip(store) {
        let what = format!(
            "{}, {} payload at file offset {:#x}",
            kind.name(),
            p.compression.name(),
            p.offset
        );
        let mut out = match inflate(&p, data, partial) {
            Ok(out) => out,
            Err(e) => {
                notes.push(format!("{what}: {e}"));
                continue;
            }
        };
        if partial && image::locate(&out, hints).is_err() {
            // The early stop was misled: the whole kernel, then.
            out = image::decompress(p.compression, p.bytes(data), MAX_DECOMPRESSED).unwrap_or(out);
        }
        let len = out.len();
        let bytes: &'d [u8] = slot.get_or_init(|| out);
        match image::locate(bytes, hints) {
            Ok(located) => {
                return Ok(Found {
                    bytes,
                    how: format!("{what} ({len} bytes decompressed)"),
                    located,
                });
            }
            Err(e) => notes.push(format!("{what} ({len} bytes decompressed): {e}")),
        }
    }
    if notes.is_empty() {
        notes.push(format!("{}: no compressed payload found", kind.name()));
    }
    Err(format!(
        "no kallsyms tables found; tried {}",
        notes.join("; ")
    ))
}

/// Decompresses a payload; with `partial`, only as far as the kallsyms tables
/// need (they sit at about 40% of an x86-64 kernel), checking every 4 MiB.
fn inflate(p: &container::Payload, data: &[u8], partial: bool) -> std::io::Result<Vec<u8>> {
    let input = p.bytes(data);
    if !partial {
        return image::decompress(p.compression, input, MAX_DECOMPRESSED);
    }
    let mut r = image::decompress::reader(p.compression, input)?;
    // Reserved, not touched: pages never written cost no memory.
    let mut out = Vec::with_capacity(image::decompress::size_hint(input).min(MAX_DECOMPRESSED));
    let mut scanned = 0;
    loop {
        let step = (out.len() + (4 << 20)).min(MAX_DECOMPRESSED);
        let ended = image::decompress::read_upto(&mut *r, &mut out, step)?;
        if let Some(end) = image::tables_end(&out, scanned) {
            image::decompress::read_upto(&mut *r, &mut out, end.min(MAX_DECOMPRESSED))?;
            return Ok(out);
        }
        scanned = out.len();
        if ended || out.len() >= MAX_DECOMPRESSED {
            return Ok(out);
        }
    }
}

/// `e_machine` for an ELF copy of a raw image.
fn machine(data: &[u8], table: &Table<'_>) -> u16 {
    if container::kind(data) == Kind::Arm64Image || table.lookup_name(b"primary_entry").is_some() {
        elf::EM_AARCH64
    } else if table.lookup_name(b"startup_64").is_some() {
        elf::EM_X86_64
    } else if table.lookup_name(b"startup_32").is_some() {
        elf::EM_386
    } else {
        0
    }
}

/// Lower-case hex of `b`.
fn hex(b: &[u8]) -> String {
    let mut s = String::with_capacity(b.len() * 2);
    for x in b {
        let _ = write!(s, "{x:02x}");
    }
    s
}

/// `s` as a JSON string literal.
fn json_str(out: &mut Vec<u8>, s: &[u8]) {
    out.push(b'"');
    for ch in String::from_utf8_lossy(s).chars() {
        match ch {
            '"' => out.extend_from_slice(b"\\\""),
            '\\' => out.extend_from_slice(b"\\\\"),
            c if (c as u32) < 0x20 => {
                let _ = write!(Wrap(out), "\\u{:04x}", c as u32);
            }
            c => {
                let mut b = [0u8; 4];
                out.extend_from_slice(c.encode_utf8(&mut b).as_bytes());
            }
        }
    }
    out.push(b'"');
}

/// `fmt::Write` into a byte vector.
struct Wrap<'a>(&'a mut Vec<u8>);

impl std::fmt::Write for Wrap<'_> {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.0.extend_from_slice(s.as_bytes());
        Ok(())
    }
}

/// Appends `v` as 16 lower-case hex digits.
fn hex16(out: &mut Vec<u8>, v: u64) {
    const D: &[u8; 16] = b"0123456789abcdef";
    for i in (0..16).rev() {
        out.push(D[((v >> (4 * i)) & 0xf) as usize]);
    }
}

/// The array offsets as (name, file offset) pairs.
fn arrays(l: &Located<'_>) -> Vec<(&'static str, usize)> {
    let p = &l.provenance;
    let off_name = if l.layout.addresses == kallsyms::AddressEncoding::Absolute {
        "kallsyms_addresses"
    } else {
        "kallsyms_offsets"
    };
    let mut v = vec![
        ("kallsyms_num_syms", p.num_syms),
        ("kallsyms_names", p.names),
        ("kallsyms_markers", p.markers),
        ("kallsyms_token_table", p.token_table),
        ("kallsyms_token_index", p.token_index),
        (off_name, p.offsets),
    ];
    v.extend(p.relative_base.map(|o| ("kallsyms_relative_base", o)));
    v.extend(p.seqs_of_names.map(|o| ("kallsyms_seqs_of_names", o)));
    v.sort_by_key(|x| x.1);
    v
}

fn describe(
    path: &Path,
    f: &Found<'_>,
    version: Option<&[u8]>,
    build_id: Option<&[u8]>,
    skipped: bool,
) -> String {
    let l = &f.located;
    let p = &l.provenance;
    let mut s = String::new();
    let _ = writeln!(s, "{}: {}", path.display(), f.how);
    if let Some(v) = version {
        let _ = writeln!(s, "version: {}", String::from_utf8_lossy(v));
    }
    if let Some(b) = build_id {
        let _ = writeln!(s, "build-id: {}", hex(b));
    }
    let _ = writeln!(
        s,
        "layout: {} (array order of {}, found by {})",
        l.layout,
        p.order.kernels(),
        match p.method {
            image::Method::Symbols => "the ELF symbols",
            image::Method::Heuristic => "the token-index search",
        }
    );
    let _ = writeln!(s, "symbols: {}", l.raw.num_syms);
    for (name, off) in arrays(l) {
        let _ = writeln!(s, "  {name:<24} file offset {off:#x}");
    }
    if l.layout.has_relative_base() {
        let _ = writeln!(s, "relative_base: {:#x}", l.raw.relative_base);
    }
    match p.address_source {
        AddressSource::NotNeeded => {}
        AddressSource::Elf => {
            let _ = writeln!(
                s,
                "kallsyms_offsets at {:#x} (ELF program headers)",
                l.raw.offsets_addr
            );
        }
        AddressSource::Base(b) => {
            let _ = writeln!(
                s,
                "kallsyms_offsets at {:#x} (file offset 0 at {b:#x}; --base to change)",
                l.raw.offsets_addr
            );
        }
    }
    if !p.name_order_checked && !skipped {
        let _ = writeln!(
            s,
            "warning: kallsyms_seqs_of_names is not in name order under any known key"
        );
    }
    s
}

/// Runs `kallsyms extract`.
pub fn run(a: &Args) -> ExitCode {
    let path = &a.image;
    let data = match std::fs::read(path) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("kallsyms extract: {}: {e}", path.display());
            return ExitCode::from(2);
        }
    };
    let hints = Hints {
        base: a.base,
        // Printing needs no name lookups; JSON and the ELF copy are for tools.
        skip_name_order: a.elf.is_none() && !a.json,
        ignore_symbols: a.no_symbols,
    };
    let store: Vec<OnceCell<Vec<u8>>> = (0..STORE).map(|_| OnceCell::new()).collect();
    // The symbols alone need only the part of a compressed kernel up to its tables;
    // the ELF copy, the build-id and JSON need all of it.
    let partial = a.elf.is_none() && !a.build_id && !a.json;
    let found = match find(&data, &hints, &store, partial) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("kallsyms extract: {}: {e}", path.display());
            return ExitCode::from(2);
        }
    };
    let table = match found.located.table() {
        Ok(t) => t,
        Err(e) => {
            eprintln!("kallsyms extract: {}: {e}", path.display());
            return ExitCode::from(2);
        }
    };
    let version = image::banner(found.bytes).or_else(|| image::banner(&data));
    let build_id = image::build_id(found.bytes).or_else(|| image::build_id(&data));
    if a.verbose {
        eprint!(
            "{}",
            describe(path, &found, version, build_id, hints.skip_name_order)
        );
    }
    if let Some(out) = &a.elf {
        let bytes = match elf::Elf::parse(found.bytes) {
            Some(e) => elf_out::from_elf(&e, &table),
            None => {
                let base = match found.located.provenance.address_source {
                    AddressSource::Base(b) => b,
                    _ => a
                        .base
                        .or_else(|| table.lookup_name(b"_text").map(|s| s.address))
                        .unwrap_or(0),
                };
                elf_out::from_raw(found.bytes, base, machine(found.bytes, &table), &table)
            }
        };
        let written = bytes
            .map_err(|e| e.to_string())
            .and_then(|b| std::fs::write(out, b).map_err(|e| e.to_string()));
        if let Err(e) = written {
            eprintln!("kallsyms extract: {}: {e}", out.display());
            return ExitCode::from(1);
        }
        if a.verbose {
            eprintln!("wrote {} ({} symbols)", out.display(), table.len());
        }
    }
    let stdout = io::stdout();
    let mut w = BufWriter::with_capacity(1 << 16, stdout.lock());
    let r = if a.build_id {
        print_ids(&mut w, version, build_id)
    } else if a.json {
        print_json(&mut w, path, &found, &table, version, build_id)
    } else {
        print_text(&mut w, &table)
    };
    match r.and_then(|()| w.flush()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("kallsyms extract: write error: {e}");
            ExitCode::from(1)
        }
    }
}

fn print_ids(
    w: &mut impl Write,
    version: Option<&[u8]>,
    build_id: Option<&[u8]>,
) -> io::Result<()> {
    match build_id {
        Some(b) => writeln!(w, "build-id: {}", hex(b))?,
        None => writeln!(w, "build-id: (none found)")?,
    }
    match version {
        Some(v) => writeln!(w, "version: {}", String::from_utf8_lossy(v)),
        None => writeln!(w, "version: (no Linux version banner found)"),
    }
}

/// `/proc/kallsyms` lines: `<16 hex digits> <type> <name>`, in table order.
fn print_text(w: &mut impl Write, table: &Table<'_>) -> io::Result<()> {
    let mut buf = [0u8; KSYM_NAME_LEN];
    let mut line: Vec<u8> = Vec::with_capacity(1 << 16);
    for sym in table.iter() {
        hex16(&mut line, sym.address);
        line.push(b' ');
        line.push(sym.type_letter);
        line.push(b' ');
        line.extend_from_slice(table.name(&sym, &mut buf));
        line.push(b'\n');
        if line.len() > (1 << 16) - 1024 {
            w.write_all(&line)?;
            line.clear();
        }
    }
    w.write_all(&line)
}

fn print_json(
    w: &mut impl Write,
    path: &Path,
    f: &Found<'_>,
    table: &Table<'_>,
    version: Option<&[u8]>,
    build_id: Option<&[u8]>,
) -> io::Result<()> {
    let l = &f.located;
    let mut o: Vec<u8> = Vec::with_capacity(1 << 16);
    o.extend_from_slice(b"{\"file\":");
    json_str(&mut o, path.display().to_string().as_bytes());
    o.extend_from_slice(b",\"container\":");
    json_str(&mut o, f.how.as_bytes());
    o.extend_from_slice(b",\"version\":");
    match version {
        Some(v) => json_str(&mut o, v),
        None => o.extend_from_slice(b"null"),
    }
    o.extend_from_slice(b",\"build_id\":");
    match build_id {
        Some(b) => json_str(&mut o, hex(b).as_bytes()),
        None => o.extend_from_slice(b"null"),
    }
    o.extend_from_slice(b",\"layout\":");
    json_str(&mut o, l.layout.to_string().as_bytes());
    o.extend_from_slice(b",\"order\":");
    json_str(&mut o, l.provenance.order.kernels().as_bytes());
    let _ = write!(
        Wrap(&mut o),
        ",\"method\":\"{}\",\"num_syms\":{}",
        match l.provenance.method {
            image::Method::Symbols => "symbols",
            image::Method::Heuristic => "heuristic",
        },
        l.raw.num_syms
    );
    if l.layout.has_relative_base() {
        let _ = write!(
            Wrap(&mut o),
            ",\"relative_base\":\"{:016x}\"",
            l.raw.relative_base
        );
    }
    o.extend_from_slice(b",\"arrays\":{");
    for (i, (name, off)) in arrays(l).into_iter().enumerate() {
        let _ = write!(
            Wrap(&mut o),
            "{}\"{name}\":{off}",
            if i > 0 { "," } else { "" }
        );
    }
    o.extend_from_slice(b"},\"symbols\":[");
    let mut buf = [0u8; KSYM_NAME_LEN];
    for sym in table.iter() {
        if sym.index > 0 {
            o.push(b',');
        }
        o.extend_from_slice(b"\n{\"address\":\"");
        hex16(&mut o, sym.address);
        o.extend_from_slice(b"\",\"type\":\"");
        o.push(sym.type_letter);
        let _ = write!(
            Wrap(&mut o),
            "\",\"size\":{},\"name\":",
            table.size_of(sym.index)
        );
        json_str(&mut o, table.name(&sym, &mut buf));
        o.push(b'}');
        if o.len() > (1 << 16) - 1024 {
            w.write_all(&o)?;
            o.clear();
        }
    }
    o.extend_from_slice(b"\n]}\n");
    w.write_all(&o)
}
