/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * A stand-in for the kernel's <linux/types.h>, just the types, so that
 * include/ksym.h can be compiled as kernel/kallsyms.c would include it
 * (-ffreestanding -nostdinc -D__KERNEL__): see tests/capi/kernel_tu.c.
 */
#ifndef _LINUX_TYPES_H
#define _LINUX_TYPES_H

typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long long u64;
typedef signed int s32;
typedef __SIZE_TYPE__ size_t;
typedef __PTRDIFF_TYPE__ ptrdiff_t;
typedef _Bool bool;

#define NULL ((void *)0)
#define true 1
#define false 0

#endif /* _LINUX_TYPES_H */
