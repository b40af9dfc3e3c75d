#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only OR MIT
"""Turn the GOT calls of a non-PIC x86-64 object into direct calls.

rustc's precompiled `core` carries the module flag RtLibUseGOT, so after fat LTO
LLVM calls the libcalls it emits (memcpy, memset, memmove, memcmp, bcmp) as
`call *sym@GOTPCREL(%rip)` even with -C relocation-model=static. The kernel has
no GOT (x86's vmlinux.lds.S asserts .got is empty), so do what the linker's GOT
relaxation does: `ff 15 <disp32>` (call *disp(%rip)) becomes `67 e8 <rel32>`
(addr32 call rel32) and R_X86_64_GOTPCREL becomes R_X86_64_PLT32, same addend;
`mov sym@GOTPCREL(%rip), %reg` (8b /r, RIP-relative) becomes `lea sym(%rip), %reg`
(8d /r) with R_X86_64_PC32. Any other GOT relocation is an error. Usage: nogot.py OBJECT (edited in place).
"""
import struct
import sys

R_X86_64_PC32, R_X86_64_PLT32, R_X86_64_GOTPCREL = 2, 4, 9
GOT_TYPES = {3, 9, 26, 27, 28, 29, 30, 41, 42}  # GOT32, GOTPCREL, GOTOFF64, GOTPC32, ...

def main(path):
    data = bytearray(open(path, "rb").read())
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1 or struct.unpack_from("<H", data, 18)[0] != 62:
        sys.exit(f"{path}: not an ELF64 little-endian x86-64 object")
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum = struct.unpack_from("<HH", data, 0x3A)
    sections = [struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * shentsize) for i in range(shnum)]
    fixed = 0
    for (_name, sh_type, _fl, _addr, off, size, _link, info, _al, entsize) in sections:
        if sh_type != 4:  # SHT_RELA
            continue
        target_off = sections[info][4]
        for r in range(off, off + size, entsize):
            r_offset, r_info, r_addend = struct.unpack_from("<QQq", data, r)
            rtype = r_info & 0xFFFFFFFF
            if rtype not in GOT_TYPES:
                continue
            at = target_off + r_offset
            op, modrm = data[at - 2], data[at - 1]
            if rtype == R_X86_64_GOTPCREL and r_addend == -4 and (op, modrm) == (0xFF, 0x15):
                data[at - 2:at], new = b"\x67\xe8", R_X86_64_PLT32
            elif rtype == R_X86_64_GOTPCREL and r_addend == -4 and op == 0x8B and modrm & 0xC7 == 0x05:
                data[at - 2], new = 0x8D, R_X86_64_PC32
            else:
                sys.exit(f"{path}: GOT relocation type {rtype} at {r_offset:#x} "
                         f"({bytes(data[at - 2:at]).hex()}) is neither a GOT call nor a GOT load")
            struct.pack_into("<Q", data, r + 8, (r_info & ~0xFFFFFFFF) | new)
            fixed += 1
    open(path, "wb").write(data)
    print(f"nogot: {fixed} GOT references made direct in {path}")

if __name__ == "__main__":
    main(sys.argv[1])
