/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * include/ksym.h in a kernel-style translation unit: what a patch to
 * kernel/kallsyms.c (6.12) and kernel/livepatch/core.c could look like, built
 * by tests/capi.rs with -ffreestanding -nostdinc -D__KERNEL__ and the
 * <linux/types.h> stand-in of kernel-include/, for 64-bit and 32-bit x86. Only
 * compiled, never linked: the kernel's own symbols are declared, not defined.
 */
#include <linux/types.h>

#include "ksym.h"

/* kernel/kallsyms_internal.h (6.12) */
extern const int kallsyms_offsets[];
extern const u8 kallsyms_names[];
extern const unsigned int kallsyms_num_syms;
extern const unsigned long kallsyms_relative_base;
extern const char kallsyms_token_table[];
extern const u16 kallsyms_token_index[];
extern const unsigned int kallsyms_markers[];
extern const u8 kallsyms_seqs_of_names[];

/* include/asm-generic/sections.h */
extern char _stext[], _etext[], _sinittext[], _einittext[], __init_begin[],
	__init_end[], _end[];

/* What the kernel keeps doing itself (modules, printk). */
unsigned long module_kallsyms_lookup_name(const char *name);
int lookup_module_symbol_name(unsigned long addr, char *symname);
int _printk(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int module_find_kallsyms(const char *objname, struct ksym_module *out);

#define EINVAL 22
#define ERANGE 34
#define ENOENT 2

#if __SIZEOF_LONG__ == 8
#define KSYM_LAYOUT (KSYM_LAYOUT_ADDR_ABSOLUTE_PERCPU | KSYM_LAYOUT_SEQS_BE24)
#else
#define KSYM_LAYOUT                                                           \
	(KSYM_LAYOUT_ADDR_RELATIVE | KSYM_LAYOUT_SEQS_BE24 | KSYM_LAYOUT_PTR32)
#endif

static struct ksym_table ksym_vmlinux;

int kallsyms_ksym_init(void);
int kallsyms_ksym_init(void)
{
	struct ksym_desc desc = {
		.names = kallsyms_names,
		/* scripts/kallsyms.c emits markers right after names, and
		 * token_index right after token_table. */
		.names_len = (unsigned long)kallsyms_markers -
			     (unsigned long)kallsyms_names,
		.markers = kallsyms_markers,
		.token_table = kallsyms_token_table,
		.token_table_len = (unsigned long)kallsyms_token_index -
				   (unsigned long)kallsyms_token_table,
		.token_index = kallsyms_token_index,
		.offsets = kallsyms_offsets,
		.seqs_of_names = kallsyms_seqs_of_names,
		.relative_base = kallsyms_relative_base,
		.sections = {
			.stext = (unsigned long)_stext,
			.etext = (unsigned long)_etext,
			.sinittext = (unsigned long)_sinittext,
			.einittext = (unsigned long)_einittext,
			.init_begin = (unsigned long)__init_begin,
			.init_end = (unsigned long)__init_end,
			.end = (unsigned long)_end,
		},
		.num_syms = kallsyms_num_syms,
		.layout = KSYM_LAYOUT,
		.flags = KSYM_DESC_KALLSYMS_ALL | KSYM_DESC_SKIP_NAME_ORDER,
	};
	struct ksym_format_error err = { 0, 0, 0 };
	int ret = ksym_table_init(&ksym_vmlinux, &desc);

	if (ret) {
		ksym_desc_check(&desc, &err);
		_printk("kallsyms: table rejected (%d): array %u, element %u, "
			"error %u\n",
			ret, err.array, err.index, err.kind);
	}
	return ret;
}

unsigned long kallsyms_lookup_name(const char *name);
unsigned long kallsyms_lookup_name(const char *name)
{
	unsigned long addr;

	if (!*name)
		return 0;
	addr = ksym_lookup_name_str(&ksym_vmlinux, name);
	return addr ? addr : module_kallsyms_lookup_name(name);
}

int kallsyms_on_each_symbol(int (*fn)(void *, const char *, unsigned long),
			    void *data);
int kallsyms_on_each_symbol(int (*fn)(void *, const char *, unsigned long),
			    void *data)
{
	return ksym_on_each_symbol(&ksym_vmlinux, fn, data);
}

int kallsyms_on_each_match_symbol(int (*fn)(void *, unsigned long),
				  const char *name, void *data);
int kallsyms_on_each_match_symbol(int (*fn)(void *, unsigned long),
				  const char *name, void *data)
{
	return ksym_on_each_match_symbol_str(&ksym_vmlinux, fn, name,
					     KSYM_MATCH_EXACT, data);
}

int lookup_symbol_name(unsigned long addr, char *symname);
int lookup_symbol_name(unsigned long addr, char *symname)
{
	int ret = ksym_lookup_symbol_name(&ksym_vmlinux, addr, symname,
					  KSYM_NAME_LEN);

	if (ret != -ENOENT)
		return ret;
	return lookup_module_symbol_name(addr, symname);
}

int sprint_symbol(char *buffer, unsigned long address);
int sprint_symbol(char *buffer, unsigned long address)
{
	/* KSYM_SYMBOL_LEN (include/linux/kallsyms.h) > KSYM_SPRINT_LEN */
	return ksym_sprint_symbol(&ksym_vmlinux, buffer, KSYM_SPRINT_LEN,
				  address);
}

/* kernel/livepatch/core.c's klp_find_object_symbol(), messages kept. */
int klp_find_object_symbol(const char *objname, const char *name,
			   unsigned long sympos, unsigned long *addr);
int klp_find_object_symbol(const char *objname, const char *name,
			   unsigned long sympos, unsigned long *addr)
{
	struct ksym_module mod;
	int reason = KSYM_KLP_INVALID, ret;

	if (objname && module_find_kallsyms(objname, &mod))
		return -EINVAL;
	ret = ksym_find_object_symbol_str(&ksym_vmlinux, objname ? &mod : NULL,
					  name, sympos, 0, addr, &reason);
	switch (reason) {
	case KSYM_KLP_OK:
		return 0;
	case KSYM_KLP_NOT_FOUND:
		_printk("livepatch: symbol '%s' not found in symbol table\n",
			name);
		break;
	case KSYM_KLP_AMBIGUOUS:
		_printk("livepatch: unresolvable ambiguity for symbol '%s' in "
			"object '%s'\n",
			name, objname);
		break;
	case KSYM_KLP_POSITION:
		_printk("livepatch: symbol position %lu for symbol '%s' in "
			"object '%s' not found\n",
			sympos, name, objname ? objname : "vmlinux");
		break;
	}
	*addr = 0;
	return ret;
}

/* klp_resolve_symbols()'s parse. */
int klp_parse_sym(const char *strtab_name, struct ksym_klp_sym *sym);
int klp_parse_sym(const char *strtab_name, struct ksym_klp_sym *sym)
{
	return ksym_klp_sym_parse_str(strtab_name, sym);
}
