// SPDX-License-Identifier: GPL-2.0-only OR MIT
//! Build script of `kernel-ref`.
//!
//! 1. Finds the Linux 6.12 sources: the tree named by `KERNEL_REF_SRC`, else
//!    the files it needs extracted from `KERNEL_REF_TARBALL` (default
//!    `/usr/src/linux-source-6.12.tar.xz`, Debian's `linux-source-6.12`)
//!    into `OUT_DIR/ksrc`. Without a tarball (or on a target other than
//!    64-bit Linux) it emits `cfg(kernel_ref_missing)` and the reason, and
//!    the crate's API reports it at run time instead of failing the build.
//! 2. Compiles `scripts/kallsyms.c` as the real executable
//!    `OUT_DIR/scripts-kallsyms` (`gcc -O2 -I scripts/include ...`).
//! 3. Copies the kallsyms lookup functions verbatim out of the kernel files
//!    (by name: from the line where the definition starts to its closing
//!    brace at column 0), puts `csrc/prelude.h` before and `csrc/glue.c`
//!    after them, and compiles that one translation unit into the static
//!    library `kernel_ref`.
//!
//! No kernel source is part of this crate; only this extraction logic.

use std::env;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Top directory inside Debian's tarball.
const TOP: &str = "linux-source-6.12";
const DEFAULT_TARBALL: &str = "/usr/src/linux-source-6.12.tar.xz";

/// Paths (relative to the tree) the build reads; a directory means all of it.
const NEEDED: &[&str] = &[
    "kernel/kallsyms.c",
    "kernel/livepatch/core.c",
    "kernel/module/kallsyms.c",
    "include/linux/kallsyms.h",
    "include/linux/module.h",
    "include/asm-generic/sections.h",
    "scripts/kallsyms.c",
    "scripts/include",
];

/// What to copy out of a file.
#[derive(Clone, Copy)]
enum Item {
    /// A function definition, by name.
    Func(&'static str),
    /// `struct NAME { ... };`
    Struct(&'static str),
    /// A (possibly multi-line) `#define NAME`; emitted after `#undef NAME`.
    Define(&'static str),
}
use Item::{Define, Func, Struct};

/// The copied code, in the order it is emitted (callees before callers).
const PIECES: &[(&str, &[Item])] = &[
    (
        "include/linux/kallsyms.h",
        &[Define("KSYM_NAME_LEN"), Define("KSYM_SYMBOL_LEN")],
    ),
    (
        "include/asm-generic/sections.h",
        &[
            Func("is_kernel_inittext"),
            Func("__is_kernel_text"),
            Func("__is_kernel"),
        ],
    ),
    (
        "include/linux/kallsyms.h",
        &[
            Func("is_kernel_text"),
            Func("is_kernel"),
            Func("is_ksym_addr"),
        ],
    ),
    ("include/linux/module.h", &[Func("kallsyms_symbol_value")]),
    (
        "kernel/module/kallsyms.c",
        &[
            Func("kallsyms_symbol_name"),
            Func("module_kallsyms_on_each_symbol"),
        ],
    ),
    (
        "kernel/kallsyms.c",
        &[
            Func("kallsyms_expand_symbol"),
            Func("kallsyms_get_symbol_type"),
            Func("get_symbol_offset"),
            Func("kallsyms_sym_address"),
            Func("get_symbol_seq"),
            Func("kallsyms_lookup_names"),
            Func("kallsyms_lookup_name"),
            Func("kallsyms_on_each_symbol"),
            Func("kallsyms_on_each_match_symbol"),
            Func("get_symbol_pos"),
            Func("kallsyms_lookup_size_offset"),
            Func("kallsyms_lookup_buildid"),
            Func("kallsyms_lookup"),
            Func("lookup_symbol_name"),
            Func("__sprint_symbol"),
            Func("sprint_symbol"),
        ],
    ),
    (
        "kernel/livepatch/core.c",
        &[
            Define("pr_fmt"),
            Struct("klp_find_arg"),
            Func("klp_match_callback"),
            Func("klp_find_callback"),
            Func("klp_find_object_symbol"),
        ],
    ),
];

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=csrc/prelude.h");
    println!("cargo:rerun-if-changed=csrc/glue.c");
    println!("cargo:rerun-if-env-changed=KERNEL_REF_SRC");
    println!("cargo:rerun-if-env-changed=KERNEL_REF_TARBALL");
    println!("cargo:rerun-if-env-changed=HOSTCC");

    let out = PathBuf::from(env::var_os("OUT_DIR").expect("OUT_DIR"));
    let manifest = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));

    match find_source(&out) {
        Ok(root) => build(&root, &out, &manifest),
        Err(why) => {
            println!("cargo:warning=kernel-ref: kernel C code not built: {why}");
            println!("cargo:rustc-cfg=kernel_ref_missing");
            println!("cargo:rustc-env=KERNEL_REF_MISSING={why}");
        }
    }
}

/// The root of a kernel tree holding [`NEEDED`], or why there is none.
fn find_source(out: &Path) -> Result<PathBuf, String> {
    let os = env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let width = env::var("CARGO_CFG_TARGET_POINTER_WIDTH").unwrap_or_default();
    if os != "linux" || width != "64" {
        return Err(format!(
            "target is {os} with {width}-bit pointers; the kernel code needs 64-bit Linux"
        ));
    }

    if let Some(dir) = env::var_os("KERNEL_REF_SRC") {
        // An explicit request: a wrong tree is an error, not a silent skip.
        let dir = PathBuf::from(dir);
        println!("cargo:rerun-if-changed={}", dir.display());
        let missing: Vec<_> = NEEDED.iter().filter(|p| !dir.join(p).exists()).collect();
        if !missing.is_empty() {
            panic!(
                "KERNEL_REF_SRC={} lacks {missing:?} (a Linux 6.12 tree is needed)",
                dir.display()
            );
        }
        return Ok(dir);
    }

    let tarball = env::var_os("KERNEL_REF_TARBALL")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(DEFAULT_TARBALL));
    if !tarball.is_file() {
        // Rebuild once the package gets installed.
        if let Some(parent) = tarball.parent().filter(|p| p.is_dir()) {
            println!("cargo:rerun-if-changed={}", parent.display());
        }
        return Err(format!(
            "{} not found (install it: apt-get install linux-source-6.12, \
             or set KERNEL_REF_SRC to an extracted tree)",
            tarball.display()
        ));
    }
    println!("cargo:rerun-if-changed={}", tarball.display());
    extract(&tarball, &out.join("ksrc"))
}

/// Extracts [`NEEDED`] from `tarball` into `dest` (skipped when a stamp
/// shows the same tarball was extracted already). Returns the tree's root.
fn extract(tarball: &Path, dest: &Path) -> Result<PathBuf, String> {
    let root = dest.join(TOP);
    let meta = fs::metadata(tarball).map_err(|e| format!("{}: {e}", tarball.display()))?;
    let stamp_text = format!(
        "{}\n{}\n{:?}\n{:?}\n",
        tarball.display(),
        meta.len(),
        meta.modified().ok(),
        NEEDED
    );
    let stamp = dest.join("stamp");
    if fs::read_to_string(&stamp).ok().as_deref() == Some(stamp_text.as_str())
        && NEEDED.iter().all(|p| root.join(p).exists())
    {
        return Ok(root);
    }

    let _ = fs::remove_dir_all(dest);
    fs::create_dir_all(dest).map_err(|e| format!("{}: {e}", dest.display()))?;
    let mut cmd = Command::new("tar");
    cmd.arg("-xJf").arg(tarball).arg("-C").arg(dest);
    for p in NEEDED {
        cmd.arg(format!("{TOP}/{p}"));
    }
    let res = cmd.output().map_err(|e| format!("cannot run tar: {e}"))?;
    if !res.status.success() {
        return Err(format!(
            "tar -xJf {} failed ({}): {}",
            tarball.display(),
            res.status,
            String::from_utf8_lossy(&res.stderr).trim()
        ));
    }
    fs::write(&stamp, stamp_text).map_err(|e| format!("{}: {e}", stamp.display()))?;
    Ok(root)
}

fn build(root: &Path, out: &Path, manifest: &Path) {
    // 1. scripts/kallsyms, the way tests/data was made.
    let exe = out.join("scripts-kallsyms");
    let hostcc = env::var("HOSTCC").unwrap_or_else(|_| "gcc".to_owned());
    let res = Command::new(&hostcc)
        .current_dir(root)
        .args(["-O2", "-I", "scripts/include", "scripts/kallsyms.c", "-o"])
        .arg(&exe)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {hostcc}: {e}"));
    assert!(
        res.status.success(),
        "{hostcc} -O2 -I scripts/include scripts/kallsyms.c failed:\n{}",
        String::from_utf8_lossy(&res.stderr)
    );
    println!(
        "cargo:rustc-env=KERNEL_REF_SCRIPTS_KALLSYMS={}",
        exe.display()
    );

    // 2. The extracted lookup code.
    let mut unit = String::new();
    unit.push_str(
        "/* Generated by kernel-ref's build.rs: csrc/prelude.h, then code copied\n \
         * verbatim from the Linux 6.12 sources (GPL-2.0), then csrc/glue.c. */\n",
    );
    let _ = writeln!(
        unit,
        "#include \"{}\"",
        manifest.join("csrc/prelude.h").display()
    );
    for (file, items) in PIECES {
        let path = root.join(file);
        let text = fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let lines: Vec<&str> = text.lines().collect();
        for item in *items {
            let (start, end) =
                find_item(&lines, *item).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            if let Define(name) = item {
                let _ = writeln!(unit, "#undef {name}");
            }
            let _ = writeln!(unit, "#line {} \"{}\"", start + 1, path.display());
            for line in &lines[start..=end] {
                unit.push_str(line);
                unit.push('\n');
            }
        }
    }
    let _ = writeln!(
        unit,
        "#include \"{}\"",
        manifest.join("csrc/glue.c").display()
    );
    let gen = out.join("kernel_ref.c");
    fs::write(&gen, unit).unwrap_or_else(|e| panic!("{}: {e}", gen.display()));
    println!("cargo:rustc-env=KERNEL_REF_GENERATED_C={}", gen.display());

    cc::Build::new()
        .file(&gen)
        .opt_level(2)
        .warnings(false)
        .flag("-std=gnu11")
        .flag("-Wall")
        // Code-generation flags of the kernel's own Makefile that change
        // what this code means.
        .flag("-funsigned-char")
        .flag("-fno-strict-aliasing")
        .flag("-fno-strict-overflow")
        .flag("-fno-delete-null-pointer-checks")
        .compile("kernel_ref");
    println!("cargo:rustc-env=KERNEL_REF_SOURCE={}", root.display());
}

/// Line range (inclusive) of `item` in `lines`; exactly one match allowed.
fn find_item(lines: &[&str], item: Item) -> Result<(usize, usize), String> {
    let mut found = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let range = match item {
            Func(name) => func_at(lines, i, name),
            Struct(name) => (line.trim_end() == format!("struct {name} {{"))
                .then(|| close_at_col0(lines, i, "};"))
                .flatten(),
            Define(name) => line
                .strip_prefix("#define ")
                .and_then(|r| r.trim_start().strip_prefix(name))
                .filter(|r| r.starts_with(['(', ' ', '\t']) || r.is_empty())
                .map(|_| {
                    let mut end = i;
                    while lines[end].trim_end().ends_with('\\') && end + 1 < lines.len() {
                        end += 1;
                    }
                    (i, end)
                }),
        };
        found.extend(range);
    }
    let what = match item {
        Func(n) => format!("function {n}"),
        Struct(n) => format!("struct {n}"),
        Define(n) => format!("#define {n}"),
    };
    match found[..] {
        [one] => Ok(one),
        [] => Err(format!("no definition of {what}")),
        _ => Err(format!("{} definitions of {what}", found.len())),
    }
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// If a definition of function `name` starts on line `i` (name followed by
/// `(` in a line at column 0, then a `{` line at column 0 before any `;`),
/// its line range, widened upwards over a return type on lines of its own.
fn func_at(lines: &[&str], i: usize, name: &str) -> Option<(usize, usize)> {
    let line = lines[i];
    if !line.starts_with(is_ident) {
        return None;
    }
    let named = line
        .match_indices(name)
        .any(|(at, _)| !line[..at].ends_with(is_ident) && line[at + name.len()..].starts_with('('));
    if !named {
        return None;
    }
    // The header runs until a line that is just "{".
    let mut j = i;
    loop {
        let l = lines.get(j)?.trim_end();
        if l == "{" {
            break;
        }
        if l.ends_with(';') || l.ends_with('}') || j > i + 8 {
            return None;
        }
        j += 1;
    }
    let mut start = i;
    while start > 0 {
        let prev = lines[start - 1].trim_end();
        if prev.is_empty()
            || !prev.starts_with(is_ident)
            || prev.ends_with(';')
            || prev.ends_with('}')
            || prev.ends_with("*/")
        {
            break;
        }
        start -= 1;
    }
    let (_, end) = close_at_col0(lines, j, "}")?;
    Some((start, end))
}

/// From the opening line `open`, the first later line that starts with
/// `close` at column 0; checks that braces balance in between.
fn close_at_col0(lines: &[&str], open: usize, close: &str) -> Option<(usize, usize)> {
    let end = (open + 1..lines.len()).find(|&k| lines[k].starts_with(close))?;
    let depth = brace_depth(&lines[open..=end]);
    assert!(
        depth == 0,
        "unbalanced braces in lines {}..={} of a copied definition",
        open + 1,
        end + 1
    );
    Some((open, end))
}

/// Net `{` minus `}` outside comments, strings and character literals.
fn brace_depth(lines: &[&str]) -> i64 {
    let mut depth = 0;
    let mut in_block_comment = false;
    for line in lines {
        let b = line.as_bytes();
        let mut k = 0;
        while k < b.len() {
            if in_block_comment {
                if b[k..].starts_with(b"*/") {
                    in_block_comment = false;
                    k += 1;
                }
            } else if b[k..].starts_with(b"/*") {
                in_block_comment = true;
                k += 1;
            } else if b[k..].starts_with(b"//") {
                break;
            } else if b[k] == b'"' || b[k] == b'\'' {
                let q = b[k];
                k += 1;
                while k < b.len() && b[k] != q {
                    k += if b[k] == b'\\' { 2 } else { 1 };
                }
            } else if b[k] == b'{' {
                depth += 1;
            } else if b[k] == b'}' {
                depth -= 1;
            }
            k += 1;
        }
    }
    depth
}
