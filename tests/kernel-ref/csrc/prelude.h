// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * User-space stand-ins for the kernel environment of the code that build.rs
 * copies verbatim out of the Linux 6.12 sources (kernel/kallsyms.c,
 * kernel/livepatch/core.c, kernel/module/kallsyms.c and a few inline helpers
 * of include/linux/kallsyms.h, include/linux/module.h and
 * include/asm-generic/sections.h).
 *
 * The generated translation unit is: this prelude, then the copied kernel
 * code, then glue.c. Nothing of the kernel is defined here; only the
 * environment it runs in:
 *
 *  - the kallsyms_* arrays are RUNTIME POINTERS (kref_*) installed from Rust,
 *    so one process can run the C code over many tables;
 *  - IS_ENABLED(CONFIG_x) reads the runtime variable kref_cfg_CONFIG_x (in a
 *    preprocessor #if it evaluates to 0, i.e. the option is off);
 *  - the section bounds (_stext, _etext, ...) are runtime variables;
 *  - modules are a list of struct module built by glue.c from Rust data;
 *  - module address lookups, BPF and ftrace lookups report "not found";
 *  - pr_err/pr_warn append to a buffer that Rust reads back;
 *  - sprintf is a small formatter with the kernel's vsnprintf semantics for
 *    the conversions the copied code uses ("%#lx" of 0 is "0x0", as in
 *    lib/vsprintf.c; a NULL "%s" is "(null)").
 *
 * Every non-static kernel function is renamed with a kref_k_ prefix so the
 * static library cannot clash with (or interpose on) a Rust or C symbol of
 * the same name, e.g. the kallsyms crate's own C ABI.
 */
#ifndef KERNEL_REF_PRELUDE_H
#define KERNEL_REF_PRELUDE_H

#include <elf.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

_Static_assert(sizeof(long) == 8, "kernel-ref needs an LP64 target");

/* <linux/types.h> */
typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int32_t s32;

/* <asm/bitsperlong.h>, <linux/module.h>, <linux/buildid.h> */
#define BITS_PER_LONG 64
#define MODULE_NAME_LEN (64 - sizeof(unsigned long))
#define BUILD_ID_SIZE_MAX 20

/* <linux/array_size.h>, <linux/container_of.h> */
#define ARRAY_SIZE(arr) (sizeof(arr) / sizeof((arr)[0]))
#define container_of(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))

/* <linux/kconfig.h>: configuration options are runtime variables. */
#define IS_ENABLED(option) (kref_cfg_##option)
extern int kref_cfg_CONFIG_KALLSYMS_ABSOLUTE_PERCPU;
extern int kref_cfg_CONFIG_KALLSYMS_ALL;

/* Annotations and scheduling/locking that mean nothing here. */
#define __rcu
#define cond_resched() do { } while (0)
#define preempt_disable() do { } while (0)
#define preempt_enable() do { } while (0)
#define mutex_lock(lock) do { } while (0)
#define mutex_unlock(lock) do { } while (0)
#define rcu_dereference_sched(p) (p)

/* kernel/kallsyms_internal.h: the tables, as runtime pointers. */
#define kallsyms_offsets kref_offsets
#define kallsyms_names kref_names
#define kallsyms_num_syms kref_num_syms
#define kallsyms_relative_base kref_relative_base
#define kallsyms_token_table kref_token_table
#define kallsyms_token_index kref_token_index
#define kallsyms_markers kref_markers
#define kallsyms_seqs_of_names kref_seqs_of_names
extern const int *kref_offsets;
extern const u8 *kref_names;
extern unsigned int kref_num_syms;
extern unsigned long kref_relative_base;
extern const char *kref_token_table;
extern const u16 *kref_token_index;
extern const unsigned int *kref_markers;
extern const u8 *kref_seqs_of_names;

/* <asm-generic/sections.h>: the section bounds, as runtime variables. */
#define _stext ((char *)kref_stext)
#define _etext ((char *)kref_etext)
#define _sinittext ((char *)kref_sinittext)
#define _einittext ((char *)kref_einittext)
#define _end ((char *)kref_end)
#define __init_begin ((char *)kref_init_begin)
#define __init_end ((char *)kref_init_end)
extern unsigned long kref_stext, kref_etext, kref_sinittext, kref_einittext,
	kref_end, kref_init_begin, kref_init_end;

/* <linux/mm.h>: no gate area (x86-64's vsyscall page is not modelled). */
static inline int in_gate_area_no_mm(unsigned long addr)
{
	(void)addr;
	return 0;
}

/* Renamed kernel entry points (see the top of this file). */
#define kallsyms_sym_address kref_k_kallsyms_sym_address
#define kallsyms_lookup_name kref_k_kallsyms_lookup_name
#define kallsyms_on_each_symbol kref_k_kallsyms_on_each_symbol
#define kallsyms_on_each_match_symbol kref_k_kallsyms_on_each_match_symbol
#define kallsyms_lookup_size_offset kref_k_kallsyms_lookup_size_offset
#define kallsyms_lookup kref_k_kallsyms_lookup
#define lookup_symbol_name kref_k_lookup_symbol_name
#define sprint_symbol kref_k_sprint_symbol
#define module_kallsyms_on_each_symbol kref_k_module_kallsyms_on_each_symbol

/*
 * Prototypes that include/linux/kallsyms.h would give the non-static
 * kernel functions (so -Wmissing-prototypes stays quiet, too).
 */
unsigned long kallsyms_sym_address(int idx);
unsigned long kallsyms_lookup_name(const char *name);
int kallsyms_on_each_symbol(int (*fn)(void *, const char *, unsigned long),
			    void *data);
int kallsyms_on_each_match_symbol(int (*fn)(void *, unsigned long),
				  const char *name, void *data);
int kallsyms_lookup_size_offset(unsigned long addr, unsigned long *symbolsize,
				unsigned long *offset);
const char *kallsyms_lookup(unsigned long addr, unsigned long *symbolsize,
			    unsigned long *offset, char **modname,
			    char *namebuf);
int lookup_symbol_name(unsigned long addr, char *symname);
int sprint_symbol(char *buffer, unsigned long address);

/* <linux/list.h>, just what list_for_each_entry needs. */
struct list_head {
	struct list_head *next, *prev;
};
#define list_for_each_entry(pos, head, member)                              \
	for (pos = container_of((head)->next, typeof(*pos), member);        \
	     &pos->member != (head);                                         \
	     pos = container_of(pos->member.next, typeof(*pos), member))

/* <linux/module.h>: the members the copied module code reads. */
typedef Elf64_Sym Elf_Sym;
enum module_state {
	MODULE_STATE_LIVE,
	MODULE_STATE_COMING,
	MODULE_STATE_GOING,
	MODULE_STATE_UNFORMED,
};
struct mod_kallsyms {
	Elf_Sym *symtab;
	unsigned int num_symtab;
	char *strtab;
	char *typetab;
};
struct module {
	enum module_state state;
	struct list_head list;
	char name[MODULE_NAME_LEN];
	struct mod_kallsyms __rcu *kallsyms;
};
#define modules kref_modules
extern struct list_head kref_modules;
int module_kallsyms_on_each_symbol(const char *modname,
				   int (*fn)(void *, const char *, unsigned long),
				   void *data);

/*
 * Lookups outside vmlinux: modules' address lookups, BPF JIT images and
 * ftrace trampolines are not modelled and always report "not found" (the
 * values the kernel returns when nothing matches).
 */
static inline unsigned long module_kallsyms_lookup_name(const char *name)
{
	(void)name;
	return 0;
}
static inline int module_address_lookup(unsigned long addr,
					unsigned long *symbolsize,
					unsigned long *offset, char **modname,
					const unsigned char **modbuildid,
					char *namebuf)
{
	(void)addr, (void)symbolsize, (void)offset, (void)modname;
	(void)modbuildid, (void)namebuf;
	return 0;
}
static inline int lookup_module_symbol_name(unsigned long addr, char *symname)
{
	(void)addr, (void)symname;
	return -ERANGE;
}
static inline int __bpf_address_lookup(unsigned long addr,
				       unsigned long *size, unsigned long *off,
				       char *sym)
{
	(void)addr, (void)size, (void)off, (void)sym;
	return 0;
}
static inline int bpf_address_lookup(unsigned long addr, unsigned long *size,
				     unsigned long *off, char **modname,
				     char *sym)
{
	(void)addr, (void)size, (void)off, (void)modname, (void)sym;
	return 0;
}
static inline int ftrace_mod_address_lookup(unsigned long addr,
					    unsigned long *size,
					    unsigned long *off, char **modname,
					    const unsigned char **modbuildid,
					    char *sym)
{
	(void)addr, (void)size, (void)off, (void)modname, (void)modbuildid;
	(void)sym;
	return 0;
}

/* <linux/printk.h>: messages are captured for Rust (see glue.c). */
#define KBUILD_MODNAME "livepatch"
#define pr_fmt(fmt) fmt
#define pr_err(fmt, ...) kref_printk(3, pr_fmt(fmt), ##__VA_ARGS__)
#define pr_warn(fmt, ...) kref_printk(4, pr_fmt(fmt), ##__VA_ARGS__)
int kref_printk(int level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* lib/vsprintf.c semantics for the conversions used (see glue.c). */
#define sprintf kref_sprintf
int kref_sprintf(char *buf, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif /* KERNEL_REF_PRELUDE_H */
