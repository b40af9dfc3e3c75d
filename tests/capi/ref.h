/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * The kernel's own 6.12 kallsyms and livepatch lookups (tests/kernel-ref's
 * generated kernel_ref.c, compiled into ref.c), under names that cannot clash
 * with the arrays capi_test.c links: ref_* stands for the kernel function of
 * the same name, over the tables given to ref_install().
 */
#ifndef CAPI_TEST_REF_H
#define CAPI_TEST_REF_H

#include <elf.h>
#include <stddef.h>

struct ref_tables {
	const int *offsets;
	const unsigned char *names;
	const char *token_table;
	const unsigned short *token_index;
	const unsigned int *markers;
	const unsigned char *seqs_of_names;
	unsigned long relative_base;
	unsigned long stext, etext, sinittext, einittext, end, init_begin,
		init_end;
	unsigned int num_syms;
	int absolute_percpu;
	int kallsyms_all;
};

/* Points the kernel code at the tables (and forgets modules and messages). */
void ref_install(const struct ref_tables *t);

/* kernel/kallsyms.c, 6.12 (static functions included). */
unsigned int ref_expand_symbol(unsigned int off, char *result, size_t maxlen);
char ref_get_symbol_type(unsigned int off);
unsigned int ref_get_symbol_offset(unsigned long pos);
unsigned long ref_sym_address(int idx);
unsigned int ref_get_symbol_seq(int index);
int ref_lookup_names(const char *name, unsigned int *start, unsigned int *end);
unsigned long ref_lookup_name(const char *name);
int ref_on_each_symbol(int (*fn)(void *, const char *, unsigned long),
		       void *data);
int ref_on_each_match_symbol(int (*fn)(void *, unsigned long), const char *name,
			     void *data);
int ref_lookup_size_offset(unsigned long addr, unsigned long *symbolsize,
			   unsigned long *offset);
const char *ref_lookup(unsigned long addr, unsigned long *symbolsize,
		       unsigned long *offset, char **modname, char *namebuf);
int ref_lookup_symbol_name(unsigned long addr, char *symname);
int ref_sprint_symbol(char *buffer, unsigned long address);
size_t ref_ksym_symbol_len(void);

/* kernel/livepatch/core.c, 6.12. The pr_err() text goes to ref_log(). */
int ref_klp_find_object_symbol(const char *objname, const char *name,
			       unsigned long sympos, unsigned long *addr);
const char *ref_log(void);
void ref_log_clear(void);

/* One loaded module for the livepatch lookups (replaces any earlier one);
 * the arrays stay the caller's. 0 or -ENOMEM. */
int ref_set_module(const char *name, const Elf64_Sym *symtab,
		   unsigned int num_symtab, const char *strtab);
void ref_clear_modules(void);

#endif /* CAPI_TEST_REF_H */
