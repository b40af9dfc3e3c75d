// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * klp_sym - a livepatch that reaches a vmlinux static function through a
 * .klp.sym.vmlinux.c_stop,2 relocation, as livepatches built by klp-build or
 * kpatch-build do: the module loader resolves it with klp_resolve_symbols(),
 * hence klp_find_object_symbol(NULL, "c_stop", 2) (the kallsyms crate with
 * CONFIG_KALLSYMS_RUST).
 *
 * The compiler sees a weak undefined symbol of that name (modpost ignores weak
 * undefined symbols) referenced from the pointer in .data.klp_sym;
 * scripts/klp-relocs.py then makes it what the livepatch ABI wants (a
 * SHN_LIVEPATCH symbol, a .klp.rela.vmlinux..data.klp_sym section with
 * SHF_RELA_LIVEPATCH). The patched cmdline_proc_show() prints where the
 * pointer points: run.sh checks it against the second c_stop of
 * /proc/kallsyms.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/livepatch.h>
#include <linux/module.h>
#include <linux/seq_file.h>

extern char klp_c_stop_2[] __asm__("\".klp.sym.vmlinux.c_stop,2\"") __weak;
static void *c_stop_2 __section(".data.klp_sym") __used = klp_c_stop_2;

static int klp_sym_cmdline_proc_show(struct seq_file *m, void *v)
{
	seq_printf(m, "klp_sym: c_stop,2 at %lx\n", (unsigned long)c_stop_2);
	return 0;
}

static struct klp_func funcs[] = {
	{ .old_name = "cmdline_proc_show", .new_func = klp_sym_cmdline_proc_show },
	{}
};

static struct klp_object objs[] = {
	{ .funcs = funcs },
	{}
};

static struct klp_patch patch = {
	.mod = THIS_MODULE,
	.objs = objs,
};

static int klp_sym_init(void)
{
	pr_info("c_stop,2 resolved to %lx\n", (unsigned long)c_stop_2);
	return klp_enable_patch(&patch);
}

static void klp_sym_exit(void)
{
}

module_init(klp_sym_init);
module_exit(klp_sym_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Livepatch test: a .klp.sym.vmlinux.c_stop,2 relocation");
MODULE_INFO(livepatch, "Y");
