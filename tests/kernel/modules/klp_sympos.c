// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * klp_sympos - patch one of two vmlinux functions that share a name, chosen by
 * old_sympos, resolved by klp_find_object_symbol() (the kallsyms crate with
 * CONFIG_KALLSYMS_RUST).
 *
 * An x86-64 kernel has two static c_stop(), the seq_file stop of
 *  - /proc/cpuinfo (arch/x86/kernel/cpu/proc.c: does nothing), and
 *  - /proc/consoles (fs/proc/consoles.c: console_list_unlock()),
 * in that address order (link order: arch/ before fs/), so sympos 1 and 2.
 * The module patches copy @sympos (default 2) with a function that does the
 * same and counts its calls in /sys/module/klp_sympos/parameters/calls: then
 * reading /proc/consoles (sympos 2) or /proc/cpuinfo (sympos 1) counts, and
 * reading the other file does not. sympos=0 (ambiguous) and sympos=3 (no such
 * copy) must fail to load.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/console.h>
#include <linux/kernel.h>
#include <linux/livepatch.h>
#include <linux/module.h>
#include <linux/seq_file.h>

static ulong sympos = 2;
module_param(sympos, ulong, 0444);
MODULE_PARM_DESC(sympos, "which c_stop to patch: 1 /proc/cpuinfo's, 2 /proc/consoles'");

static atomic_t calls = ATOMIC_INIT(0);
static int get_calls(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%d\n", atomic_read(&calls));
}
static const struct kernel_param_ops calls_ops = { .get = get_calls };
module_param_cb(calls, &calls_ops, NULL, 0444);

/* fs/proc/consoles.c's c_stop(), counted. */
static void klp_consoles_c_stop(struct seq_file *m, void *v)
{
	atomic_inc(&calls);
	console_list_unlock();
}

/* arch/x86/kernel/cpu/proc.c's c_stop(), counted. */
static void klp_cpuinfo_c_stop(struct seq_file *m, void *v)
{
	atomic_inc(&calls);
}

static struct klp_func funcs[] = {
	{ .old_name = "c_stop" },
	{}
};

static struct klp_object objs[] = {
	{ /* name NULL: vmlinux */ .funcs = funcs },
	{}
};

static struct klp_patch patch = {
	.mod = THIS_MODULE,
	.objs = objs,
};

static int klp_sympos_init(void)
{
	funcs[0].old_sympos = sympos;
	funcs[0].new_func = sympos == 1 ? klp_cpuinfo_c_stop : klp_consoles_c_stop;
	pr_info("patching c_stop,%lu\n", sympos);
	return klp_enable_patch(&patch);
}

static void klp_sympos_exit(void)
{
}

module_init(klp_sympos_init);
module_exit(klp_sympos_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Livepatch test: one of two c_stop(), chosen by old_sympos");
MODULE_INFO(livepatch, "Y");
