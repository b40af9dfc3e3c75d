// SPDX-License-Identifier: GPL-2.0-only OR MIT
//! The `kallsyms` command-line tool.
//!
//! `kallsyms build` is a drop-in for the kernel's `scripts/kallsyms`; the kernel
//! tool's own usage (`kallsyms [--all-symbols] [--absolute-percpu] in.map > out.S`,
//! without a subcommand) is accepted too.
#![forbid(unsafe_code)]

use std::ffi::OsString;
use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand};

mod build;
mod extract;
mod query;
mod source;

/// The Linux kernel's compressed symbol table (kallsyms).
#[derive(Debug, Parser)]
#[command(name = "kallsyms", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// The subcommands; each lives in its own module.
#[derive(Debug, Subcommand)]
enum Command {
    /// Write the kallsyms assembly for a symbol map, as the kernel's scripts/kallsyms.
    Build(build::Args),
    /// Every symbol matching a name, exactly or with compiler suffixes.
    Lookup(query::LookupArgs),
    /// The symbol that covers an address (name+offset/size), with its sympos.
    Addr(query::AddrArgs),
    /// Resolve (name, sympos) as livepatch's klp_find_object_symbol() does.
    Klp(query::KlpArgs),
    /// Every name shared by more than one symbol, with each copy.
    Dups(query::DupsArgs),
    /// Everything needed to target one function: matches, sympos, .klp.sym, kprobes.
    Explain(query::ExplainArgs),
    /// Symbol count, array sizes, compression, duplicates, layout.
    Stats(query::StatsArgs),
    /// Find and decode the kallsyms tables in a kernel image (vmlinux, Image, vmlinuz).
    Extract(extract::Args),
}

/// Whether `arg` names a subcommand (or asks for help or the version).
fn is_command(arg: &OsString) -> bool {
    let Some(a) = arg.to_str() else {
        return false;
    };
    if matches!(a, "-h" | "--help" | "-V" | "--version" | "help") {
        return true;
    }
    Cli::command()
        .get_subcommands()
        .any(|c| c.get_name() == a || c.get_all_aliases().any(|x| x == a))
}

/// The arguments, with `build` inserted when the kernel tool's usage is given.
fn args() -> Vec<OsString> {
    let mut args: Vec<OsString> = std::env::args_os().collect();
    if let Some(first) = args.get(1) {
        if !is_command(first) {
            args.insert(1, OsString::from("build"));
        }
    }
    args
}

fn main() -> ExitCode {
    let cli = Cli::parse_from(args());
    match cli.command {
        Command::Build(a) => build::run(&a),
        Command::Lookup(a) => query::lookup(&a),
        Command::Addr(a) => query::addr(&a),
        Command::Klp(a) => query::klp(&a),
        Command::Dups(a) => query::dups(&a),
        Command::Explain(a) => query::explain(&a),
        Command::Stats(a) => query::stats(&a),
        Command::Extract(a) => extract::run(&a),
    }
}
