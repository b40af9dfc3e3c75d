// SPDX-License-Identifier: GPL-2.0-only OR MIT
//! `kallsyms build`: the kernel's `scripts/kallsyms`, byte for byte.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use kallsyms::build::{
    self as kb, KernelVersion, MapItem, Options, ParseError, ParseMode, SymbolList, Warning,
};

/// Arguments of `kallsyms build`: those of `scripts/kallsyms`, plus the kernel version.
#[derive(Debug, clap::Args)]
#[command(infer_long_args = true)]
pub struct Args {
    /// Keep symbols outside the text sections (CONFIG_KALLSYMS_ALL).
    #[arg(long)]
    all_symbols: bool,
    /// Store per-cpu symbols as absolute values (6.12 only; x86-64 SMP).
    #[arg(long)]
    absolute_percpu: bool,
    /// Store offsets as place-relative references to _text (7.0 only).
    #[arg(long)]
    pc_relative: bool,
    /// Which kernel's scripts/kallsyms to imitate: 6.12 or 7.0.
    #[arg(long, default_value = "6.12", value_parser = parse_kernel)]
    kernel: KernelVersion,
    /// Read /proc/kallsyms text: skip module symbols (lines with a `\t[module]` column).
    #[arg(long)]
    proc_kallsyms: bool,
    /// Choose a smaller token table (names about 5-10% smaller; no longer the kernel
    /// tool's output byte for byte, but the kernel decodes it unchanged).
    #[arg(long)]
    optimize: bool,
    /// Search steps of --optimize at most.
    #[arg(long, default_value_t = kb::optimize::DEFAULT_ROUNDS, requires = "optimize")]
    optimize_rounds: usize,
    /// Threads to use. By default, as `kallsyms::build::build()`: the token table on
    /// this thread, and for large maps a helper thread for the name sort and part of
    /// the text, claimed by whichever thread gets to it first (a helper a busy
    /// machine never runs costs no waiting). 1 (or 0): this thread only; 2: the
    /// token rounds split between two threads as well (slower than the default on a
    /// 2-core VM; see `kallsyms::build::build_threads`). The output is the same.
    #[arg(long)]
    threads: Option<usize>,
    /// The symbol map (`nm -n vmlinux | scripts/mksysmap`, System.map).
    map: PathBuf,
}

fn parse_kernel(s: &str) -> Result<KernelVersion, String> {
    s.parse().map_err(|e: kb::BuildError| e.to_string())
}

/// The kernel tool's usage text for `kernel`.
fn usage(kernel: KernelVersion) -> &'static str {
    match kernel {
        KernelVersion::V6_12 => {
            "Usage: kallsyms [--all-symbols] [--absolute-percpu] in.map > out.S\n"
        }
        // 01157ddc58dc (6.15) dropped --absolute-percpu from the text; a081b5789255
        // (7.0) added --pc-relative without touching it.
        KernelVersion::V7_0 => "Usage: kallsyms [--all-symbols] in.map > out.S\n",
    }
}

/// `perror(path)`: the path, a colon, and the system's text without Rust's
/// "(os error N)".
fn perror(path: &std::path::Path, e: &std::io::Error) -> String {
    let text = e.to_string();
    let text = match text.find(" (os error ") {
        Some(i) => text.get(..i).unwrap_or(&text).to_string(),
        None => text,
    };
    format!("{}: {}", path.display(), text)
}

/// `read_map()`: reads the map in 1 MiB pieces (whole lines each), printing the
/// warnings for long names as they come. `Ok(None)` is a line format error.
fn read_map(
    path: &std::path::Path,
    mode: ParseMode,
    err: &mut impl Write,
) -> std::io::Result<Option<SymbolList>> {
    const PIECE: usize = 1 << 20;
    let mut file = std::fs::File::open(path)?;
    let size = file.metadata().map_or(0, |m| m.len() as usize);
    // Real maps average about 45 bytes a line, of which about 30 are the name.
    let mut syms = SymbolList::with_capacity(size / 40 + 1, size * 3 / 4 + 1);
    let mut buf: Vec<u8> = Vec::with_capacity(PIECE + 4096);
    let mut line0 = 0usize;
    let mut eof = false;
    while !eof {
        let have = buf.len();
        buf.resize(have + PIECE, 0);
        let n = loop {
            match std::io::Read::read(&mut file, buf.get_mut(have..).unwrap_or_default()) {
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                r => break r?,
            }
        };
        buf.truncate(have + n);
        eof = n == 0;
        // Whole lines only, unless the file ends here.
        let end = if eof {
            buf.len()
        } else {
            match buf.iter().rposition(|&b| b == b'\n') {
                Some(i) => i + 1,
                None => continue,
            }
        };
        let mut it = kb::lines(buf.get(..end).unwrap_or_default(), mode);
        while let Some(item) = it.next() {
            match item {
                Ok(MapItem::Symbol(s)) => syms.push(s.addr, s.kind, s.name),
                Ok(MapItem::TooLong { name }) => {
                    let w = Warning::NameTooLong {
                        line: line0 + it.line(),
                        name: name.to_vec(),
                    };
                    let _ = w.write_kernel_text(err);
                }
                Ok(MapItem::Module(_)) => {}
                Err(ParseError { .. }) => return Ok(None),
            }
        }
        line0 += it.line();
        buf.drain(..end);
    }
    Ok(Some(syms))
}

/// Runs the build; exit status 1 with the kernel's message on errors.
pub fn run(a: &Args) -> ExitCode {
    let opts = Options {
        all_symbols: a.all_symbols,
        absolute_percpu: a.absolute_percpu,
        pc_relative: a.pc_relative,
        kernel: a.kernel,
    };
    let mut err = std::io::stderr();
    if (opts.kernel == KernelVersion::V6_12 && opts.pc_relative)
        || (opts.kernel == KernelVersion::V7_0 && opts.absolute_percpu)
    {
        let _ = err.write_all(usage(opts.kernel).as_bytes());
        return ExitCode::FAILURE;
    }
    let mode = if a.proc_kallsyms {
        ParseMode::ProcKallsyms
    } else {
        ParseMode::Kallsyms
    };
    let syms = match read_map(&a.map, mode, &mut err) {
        Ok(Some(syms)) => syms,
        Ok(None) => {
            let _ = err.write_all(ParseError::KERNEL_TEXT.as_bytes());
            return ExitCode::FAILURE;
        }
        Err(e) => {
            let _ = writeln!(err, "{}", perror(&a.map, &e));
            return ExitCode::FAILURE;
        }
    };
    let built = match a.threads {
        None => kb::build(syms, &opts),
        Some(n) => kb::build_threads(syms, &opts, n),
    };
    let built = match built {
        Ok(b) => b,
        Err(e) => {
            let _ = writeln!(err, "{e}");
            return ExitCode::FAILURE;
        }
    };
    let built = if a.optimize {
        built.optimized(a.optimize_rounds)
    } else {
        built
    };
    for w in built.warnings() {
        let _ = w.write_kernel_text(&mut err);
    }
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let r = built.write_asm(&mut out).and_then(|()| out.flush());
    match r {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let _ = writeln!(err, "kallsyms: write error: {e}");
            ExitCode::FAILURE
        }
    }
}
