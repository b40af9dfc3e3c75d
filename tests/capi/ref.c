/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * The kernel's own code as the reference of capi_test.c: includes the
 * translation unit tests/kernel-ref's build.rs generates from Debian's
 * linux-source-6.12 (prelude, code copied verbatim from kernel/kallsyms.c,
 * kernel/livepatch/core.c and kernel/module/kallsyms.c, glue), whose path
 * tests/capi.rs passes as KREF_C, and wraps it in ref.h.
 *
 * Built with -Wall -Wextra -Werror and kernel-ref's code-generation flags
 * (-funsigned-char -fno-strict-aliasing -fno-strict-overflow
 * -fno-delete-null-pointer-checks). Two -Wextra warnings that the kernel's
 * own default build turns off (scripts/Makefile.extrawarn, 6.12:
 * -Wno-sign-compare, -Wno-unused-parameter) are off for the copied kernel
 * code only.
 */
#ifndef KREF_C
#error "KREF_C must name tests/kernel-ref's generated kernel_ref.c"
#endif
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include KREF_C
#pragma GCC diagnostic pop

#include "ref.h"

void ref_install(const struct ref_tables *t)
{
	struct kref_tables k = {
		.offsets = t->offsets,
		.names = t->names,
		.token_table = t->token_table,
		.token_index = t->token_index,
		.markers = t->markers,
		.seqs_of_names = t->seqs_of_names,
		.relative_base = t->relative_base,
		.stext = t->stext,
		.etext = t->etext,
		.sinittext = t->sinittext,
		.einittext = t->einittext,
		.end = t->end,
		.init_begin = t->init_begin,
		.init_end = t->init_end,
		.num_syms = t->num_syms,
		.absolute_percpu = t->absolute_percpu,
		.kallsyms_all = t->kallsyms_all,
	};

	kref_install(&k);
	kref_clear_modules();
	kref_log_clear();
}

unsigned int ref_expand_symbol(unsigned int off, char *result, size_t maxlen)
{
	return kallsyms_expand_symbol(off, result, maxlen);
}

char ref_get_symbol_type(unsigned int off)
{
	return kallsyms_get_symbol_type(off);
}

unsigned int ref_get_symbol_offset(unsigned long pos)
{
	return get_symbol_offset(pos);
}

unsigned long ref_sym_address(int idx)
{
	return kallsyms_sym_address(idx);
}

unsigned int ref_get_symbol_seq(int index)
{
	return get_symbol_seq(index);
}

int ref_lookup_names(const char *name, unsigned int *start, unsigned int *end)
{
	return kallsyms_lookup_names(name, start, end);
}

unsigned long ref_lookup_name(const char *name)
{
	return kallsyms_lookup_name(name);
}

int ref_on_each_symbol(int (*fn)(void *, const char *, unsigned long),
		       void *data)
{
	return kallsyms_on_each_symbol(fn, data);
}

int ref_on_each_match_symbol(int (*fn)(void *, unsigned long), const char *name,
			     void *data)
{
	return kallsyms_on_each_match_symbol(fn, name, data);
}

int ref_lookup_size_offset(unsigned long addr, unsigned long *symbolsize,
			   unsigned long *offset)
{
	return kallsyms_lookup_size_offset(addr, symbolsize, offset);
}

const char *ref_lookup(unsigned long addr, unsigned long *symbolsize,
		       unsigned long *offset, char **modname, char *namebuf)
{
	return kallsyms_lookup(addr, symbolsize, offset, modname, namebuf);
}

int ref_lookup_symbol_name(unsigned long addr, char *symname)
{
	return lookup_symbol_name(addr, symname);
}

int ref_sprint_symbol(char *buffer, unsigned long address)
{
	return sprint_symbol(buffer, address);
}

size_t ref_ksym_symbol_len(void)
{
	return KSYM_SYMBOL_LEN;
}

int ref_klp_find_object_symbol(const char *objname, const char *name,
			       unsigned long sympos, unsigned long *addr)
{
	return klp_find_object_symbol(objname, name, sympos, addr);
}

const char *ref_log(void)
{
	size_t len;

	return kref_log(&len);
}

void ref_log_clear(void)
{
	kref_log_clear();
}

int ref_set_module(const char *name, const Elf64_Sym *symtab,
		   unsigned int num_symtab, const char *strtab)
{
	struct kref_module_desc d = {
		.name = name,
		.symtab = symtab,
		.num_symtab = num_symtab,
		.strtab = strtab,
	};

	return kref_set_modules(&d, 1);
}

void ref_clear_modules(void)
{
	kref_clear_modules();
}
