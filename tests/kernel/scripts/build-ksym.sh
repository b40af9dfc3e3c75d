#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR MIT
# Build the crate's C ABI (feature capi) into one relocatable x86-64 object for
# the kernel, and check it: only ksym_* global, no undefined symbol but the
# kernel's string functions, no floating-point or SIMD register, no GOT.
# Usage: build-ksym.sh CRATE_DIR OUT_DIR CARGO_TARGET_DIR
set -euo pipefail
crate=$(realpath "$1"); out=$(realpath -m "$2"); target=$(realpath -m "$3")
here=$(dirname "$(realpath "$0")")
mkdir -p "$out"

# Flags of x86-64 kernel code: no red zone, kernel code model, no PIC, no
# SSE/MMX/x87 (soft-float), no unwind tables, no jump tables (an indirect jmp
# needs an ENDBR under X86_KERNEL_IBT; the kernel builds with -fno-jump-tables
# there); one codegen unit and fat LTO so that core, memchr, bitflags and the
# crate become one object.
export CARGO_TARGET_DIR="$target"
export CARGO_PROFILE_RELEASE_LTO=fat CARGO_PROFILE_RELEASE_CODEGEN_UNITS=1
export CARGO_PROFILE_RELEASE_OPT_LEVEL=2 CARGO_PROFILE_RELEASE_DEBUG=0
export CARGO_PROFILE_RELEASE_PANIC=abort CARGO_PROFILE_RELEASE_INCREMENTAL=false
export RUSTFLAGS="-C code-model=kernel -C relocation-model=static -C no-redzone=yes \
-C target-feature=-sse,-sse2,-sse3,-ssse3,-sse4.1,-sse4.2,-avx,-avx2,-mmx,+soft-float \
-C force-unwind-tables=no -C relro-level=off -C jump-tables=no --cap-lints=allow"
raw="$out/ksym.raw.o"
rm -f "$raw"
# --emit=obj=PATH is only written when rustc runs: make cargo run it.
(cd "$crate" && cargo clean --quiet --release --target x86_64-unknown-linux-gnu -p kallsyms)
(cd "$crate" && cargo rustc --quiet --locked --release --target x86_64-unknown-linux-gnu \
  --features capi --lib --crate-type staticlib -- --cfg ksym_staticlib --emit=obj="$raw" \
  2> >(grep -vE "^\s*(=|\||$)|target feature|unknown and unstable feature|previously accepted|phased out|issue #116344|generated [0-9]+ warning|consider filing" >&2))
[ -s "$raw" ] || { echo "build-ksym: rustc made no object" >&2; exit 1; }

python3 "$here/nogot.py" "$raw"
# One .text, .rodata, .data and .bss, as the kernel's linker scripts place them
# (rustc's per-function sections would be orphans, outside _stext.._etext);
# drop the unwind tables the precompiled core asks for (the kernel has no use
# for them) and what ld -r cannot carry (LLVM's address-significance table).
objcopy --remove-section=.eh_frame --remove-section=.rela.eh_frame \
  --remove-section=.llvm_addrsig --remove-section=.comment \
  --remove-section=.note.GNU-stack "$raw" "$out/ksym.stripped.o"
cat > "$out/ksym.lds" <<'LDS'
SECTIONS {
	.text 0 : { *(.text .text.*) }
	.rodata 0 : { *(.rodata .rodata.*) }
	.data 0 : { *(.data .data.*) }
	.bss 0 : { *(.bss .bss.* COMMON) }
}
LDS
ld -r -T "$out/ksym.lds" "$out/ksym.stripped.o" -o "$out/ksym.merged.o"
# Keep only the C ABI global (LTO already hides the rest; this makes sure).
nm --defined-only --extern-only "$out/ksym.merged.o" | awk '{print $3}' | grep '^ksym_' > "$out/ksym.globals"
objcopy --keep-global-symbols="$out/ksym.globals" "$out/ksym.merged.o" "$out/ksym.o"
cp "$crate/include/ksym.h" "$out/ksym.h"

fail=0
globals=$(nm --defined-only --extern-only "$out/ksym.o" | awk '{print $3}')
bad=$(grep -v '^ksym_' <<<"$globals" || true)
[ -z "$bad" ] || { echo "build-ksym: FAIL: globals other than ksym_*: $bad" >&2; fail=1; }
for fn in $(grep -o '\bksym_[a-z0-9_]*(' "$out/ksym.h" | tr -d '(' | sort -u); do
  grep -qx "$fn" <<<"$globals" || { echo "build-ksym: FAIL: $fn of ksym.h not defined" >&2; fail=1; }
done
undef=$(nm -u "$out/ksym.o" | awk '{print $2}' | grep -vxE 'memcpy|memmove|memset|memcmp|bcmp' || true)
[ -z "$undef" ] || { echo "build-ksym: FAIL: undefined symbols: $undef" >&2; fail=1; }
fp=$(objdump -d --no-show-raw-insn "$out/ksym.o" | grep -E '%[xyz]mm[0-9]|%st\b|%st\(|%mm[0-9]|\bf(ld|st|stp|add|mul|div|sub|ild|istp|nstcw|ldcw|xsave|xrstor|nsave|rstor)[a-z]*\s|\b(ld|st)mxcsr|\bemms\b' || true)
[ -z "$fp" ] || { echo "build-ksym: FAIL: FP/SIMD instructions:" >&2; head -5 <<<"$fp" >&2; fail=1; }
got=$(readelf -rW "$out/ksym.o" | grep -E 'R_X86_64_(GOT|PLTOFF|TPOFF|DTPOFF|TLS)' || true)
[ -z "$got" ] || { echo "build-ksym: FAIL: GOT/TLS relocations:" >&2; head -5 <<<"$got" >&2; fail=1; }
ijmp=$(objdump -d --no-show-raw-insn "$out/ksym.o" | grep -E '\sjmp\s+\*' || true)
[ -z "$ijmp" ] || { echo "build-ksym: FAIL: indirect jumps (jump tables):" >&2; head -5 <<<"$ijmp" >&2; fail=1; }
secs=$(readelf -SW "$out/ksym.o" | sed -n 's/^ *\[ *[0-9]*\] \([^ ]*\).*/\1/p' |
  grep -vxE '\.(rela\.)?(text|rodata|data)|\.bss|\.symtab|\.strtab|\.shstrtab' || true)
[ -z "$secs" ] || { echo "build-ksym: FAIL: sections other than .text .rodata .data .bss:" $secs >&2; fail=1; }
[ "$fail" = 0 ] || exit 1
echo "build-ksym: ok: $(wc -l <<<"$globals") ksym_* functions, $(size "$out/ksym.o" | awk 'NR==2{print $1" bytes text, "$2" data, "$3" bss"}'), undefined: $(nm -u "$out/ksym.o" | awk '{print $2}' | tr '\n' ' ')"
