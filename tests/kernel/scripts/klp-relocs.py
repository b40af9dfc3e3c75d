#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only OR MIT
"""Give a livepatch module built by plain Kbuild its .klp.sym. relocations.

Linux 6.12 has no klp-convert: a module that wants a vmlinux symbol resolved by
the livepatch core declares it as a weak undefined symbol named
.klp.sym.<obj>.<name>,<sympos> and references it only from the sections listed
below. This script, on the final .ko, for each such relocation section
.rela<sec> (here .rela.data.klp_sym):
 - renames it .klp.rela.vmlinux.<sec> and adds SHF_RELA_LIVEPATCH;
 - gives every .klp.sym.* symbol st_shndx = SHN_LIVEPATCH.
The new section names go into a copy of .shstrtab appended to the file.
Idempotent. Usage: klp-relocs.py MODULE.ko [SECTION ...] (default .data.klp_sym)
"""
import struct
import sys

SHF_RELA_LIVEPATCH = 0x00100000
SHN_LIVEPATCH = 0xFF20
SHT_SYMTAB, SHT_RELA = 2, 4

def cstr(data, off):
    return bytes(data[off:data.index(b"\0", off)]).decode()

def main(path, secs):
    data = bytearray(open(path, "rb").read())
    assert data[:4] == b"\x7fELF" and data[4] == 2 and data[5] == 1, "ELF64 LE only"
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 0x3A)
    fmt = "<IIQQQQIIQQ"
    hdrs = [list(struct.unpack_from(fmt, data, shoff + i * shentsize)) for i in range(shnum)]
    shstr_off, shstr_size = hdrs[shstrndx][4], hdrs[shstrndx][5]
    shstr = bytearray(data[shstr_off:shstr_off + shstr_size])
    names = [cstr(shstr, h[0]) for h in hdrs]
    changed = 0
    for i, h in enumerate(hdrs):
        if h[1] == SHT_RELA and names[i] in [".rela" + s for s in secs]:
            new = ".klp.rela.vmlinux." + names[i][len(".rela"):]
            h[0] = len(shstr)
            shstr += new.encode() + b"\0"
            h[2] |= SHF_RELA_LIVEPATCH
            print(f"klp-relocs: {names[i]} -> {new}")
            changed += 1
        elif h[1] == SHT_RELA and names[i].startswith(".klp.rela."):
            print(f"klp-relocs: {names[i]} already converted")
    for h in hdrs:
        if h[1] != SHT_SYMTAB:
            continue
        strtab = hdrs[h[6]]
        for off in range(h[4], h[4] + h[5], h[9]):
            st_name, = struct.unpack_from("<I", data, off)
            name = cstr(data, strtab[4] + st_name)
            if name.startswith(".klp.sym."):
                struct.pack_into("<H", data, off + 6, SHN_LIVEPATCH)
                print(f"klp-relocs: symbol {name} -> SHN_LIVEPATCH")
    if changed:
        # The longer .shstrtab goes at the end of the file.
        while len(data) % 8:
            data.append(0)
        hdrs[shstrndx][4], hdrs[shstrndx][5] = len(data), len(shstr)
        data += shstr
    for i, h in enumerate(hdrs):
        struct.pack_into(fmt, data, shoff + i * shentsize, *h)
    open(path, "wb").write(data)

if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:] or [".data.klp_sym"])
