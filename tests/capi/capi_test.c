/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * The C ABI (include/ksym.h) from C, over a real table linked the way the
 * kernel links it: tests/capi.rs assembles a fixture's scripts/kallsyms
 * output, so kallsyms_names & co. below are real extern arrays, and links this
 * program with them, ref.o (the kernel's own 6.12 lookups) and the release
 * static library. Every exported function is called the way kernel/kallsyms.c,
 * kernel/kallsyms_selftest.c and kernel/livepatch/core.c call their
 * counterparts, and the answers are compared with the kernel's, symbol by
 * symbol; then every function gets bad input (NULL pointers, zero and huge
 * lengths, strings without a NUL, buffers too small, corrupted arrays) and
 * must return its documented error without writing its outputs.
 *
 * Usage: capi_test STRIDE FULL LAYOUT ABSOLUTE_PERCPU STEXT ETEXT SINITTEXT
 *                  EINITTEXT INIT_BEGIN INIT_END END
 * STRIDE: check every STRIDE-th symbol in the per-symbol sweeps (1: all).
 * FULL: 1 to validate with the name-order check (KSYM_DESC_SKIP_NAME_ORDER
 * off) wherever the check does not depend on it; an O(n x name) pass per
 * validation that valgrind makes slow on big tables. Either way one table is
 * validated each way.
 * Exit status 0 when every check passed.
 */
#include <elf.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ksym.h"
#include "ref.h"

/* kernel/kallsyms_internal.h (6.12) */
extern const int kallsyms_offsets[];
extern const unsigned char kallsyms_names[];
extern const unsigned int kallsyms_num_syms;
extern const unsigned long kallsyms_relative_base;
extern const char kallsyms_token_table[];
extern const unsigned short kallsyms_token_index[];
extern const unsigned int kallsyms_markers[];
extern const unsigned char kallsyms_seqs_of_names[];

/* ---- checks --------------------------------------------------------------- */

static unsigned long checks, failures;

#define CHECK(cond, ...)                                                      \
	do {                                                                  \
		checks++;                                                     \
		if (!(cond)) {                                                \
			if (failures++ < 40) {                                \
				fprintf(stderr, "%s:%d: %s: ", __FILE__,      \
					__LINE__, #cond);                     \
				fprintf(stderr, __VA_ARGS__);                 \
				fputc('\n', stderr);                          \
			}                                                     \
		}                                                             \
	} while (0)

#define CHECK_EQ(a, b, fmt, ...)                                              \
	CHECK((a) == (b), fmt " (%ld, expected %ld)", ##__VA_ARGS__, (long)(a), \
	      (long)(b))

static void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p) {
		perror("malloc");
		exit(2);
	}
	return p;
}

static void *dup_bytes(const void *src, size_t n)
{
	void *p = xmalloc(n);

	memcpy(p, src, n);
	return p;
}

/* Whether the n bytes at p all equal c. */
static int all_bytes(const void *p, int c, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i] != (unsigned char)c)
			return 0;
	return 1;
}

/* ---- the table, as the kernel would describe it ---------------------------- */

struct config {
	unsigned long stride;
	int full;
	unsigned int layout;
	int absolute_percpu;
	struct ksym_sections sections;
};

static struct config cfg;
static unsigned int nsyms;

/* The descriptor kernel/kallsyms.c would fill: each unsized array bounded by
 * the next one's address (scripts/kallsyms.c's order). */
static void fill_desc(struct ksym_desc *d)
{
	memset(d, 0, sizeof(*d));
	d->names = kallsyms_names;
	d->names_len = (uintptr_t)kallsyms_markers - (uintptr_t)kallsyms_names;
	d->markers = kallsyms_markers;
	d->token_table = kallsyms_token_table;
	d->token_table_len =
		(uintptr_t)kallsyms_token_index - (uintptr_t)kallsyms_token_table;
	d->token_index = kallsyms_token_index;
	d->offsets = kallsyms_offsets;
	d->seqs_of_names = kallsyms_seqs_of_names;
	d->relative_base = kallsyms_relative_base;
	d->sections = cfg.sections;
	d->num_syms = kallsyms_num_syms;
	d->layout = cfg.layout;
	d->flags = KSYM_DESC_KALLSYMS_ALL;
	if (!cfg.full)
		d->flags |= KSYM_DESC_SKIP_NAME_ORDER;
}

/* Static storage, as the kernel would have it. */
static struct ksym_table vmlinux_table;
static struct ksym_table zero_table;

/* ---- the kernel's view: every name and address, from its own walk ---------- */

static char *name_blob;
static size_t *name_at;
static unsigned long *addr_of;
static size_t blob_len, blob_cap;
static unsigned int walked;

#define NAME(i) (name_blob + name_at[i])

static int collect(void *data, const char *name, unsigned long addr)
{
	size_t n = strlen(name) + 1;

	(void)data;
	if (walked >= nsyms)
		return -1;
	if (blob_len + n > blob_cap) {
		blob_cap = (blob_cap + n) * 2;
		name_blob = realloc(name_blob, blob_cap);
		if (!name_blob) {
			perror("realloc");
			exit(2);
		}
	}
	memcpy(name_blob + blob_len, name, n);
	name_at[walked] = blob_len;
	addr_of[walked] = addr;
	blob_len += n;
	walked++;
	return 0;
}

/* ---- callbacks ---------------------------------------------------------------- */

struct walk_cmp {
	unsigned int n;
	unsigned int bad;
};

/* Compares our walk with the kernel's, name by name. */
static int compare_walk(void *data, const char *name, unsigned long addr)
{
	struct walk_cmp *w = data;

	if (w->n >= nsyms || strcmp(name, NAME(w->n)) || addr != addr_of[w->n]) {
		if (w->bad++ < 5)
			fprintf(stderr, "walk %u: %s %#lx\n", w->n, name, addr);
	}
	w->n++;
	return 0;
}

/* kernel/kallsyms_selftest.c's match_symbol(): records addresses, stops at
 * max (0: never). */
#define MAX_RECORDS 64
struct match_stat {
	unsigned long addrs[MAX_RECORDS];
	unsigned int real_cnt, save_cnt, max;
	unsigned long addr;
};

static int match_symbol(void *data, unsigned long addr)
{
	struct match_stat *s = data;

	s->real_cnt++;
	s->addr = addr;
	if (s->save_cnt < MAX_RECORDS)
		s->addrs[s->save_cnt++] = addr;
	return s->max && s->real_cnt == s->max;
}

static int same_matches(const struct match_stat *a, const struct match_stat *b)
{
	return a->real_cnt == b->real_cnt && a->save_cnt == b->save_cnt &&
	       !memcmp(a->addrs, b->addrs, a->save_cnt * sizeof(a->addrs[0]));
}

/* kernel/livepatch/core.c's klp_find_arg and klp_match_callback(). */
struct klp_find_arg {
	unsigned long addr, count, pos;
};

static int klp_match_callback(void *data, unsigned long addr)
{
	struct klp_find_arg *args = data;

	args->addr = addr;
	args->count++;
	if ((args->pos && args->count == args->pos) ||
	    (!args->pos && args->count > 1))
		return 1;
	return 0;
}

struct stopper {
	unsigned int calls, stop_at;
	int ret;
};

static int stop_symbol(void *data, const char *name, unsigned long addr)
{
	struct stopper *s = data;

	(void)name, (void)addr;
	return ++s->calls == s->stop_at ? s->ret : 0;
}

static int stop_match(void *data, unsigned long addr)
{
	struct stopper *s = data;

	(void)addr;
	return ++s->calls == s->stop_at ? s->ret : 0;
}

/* The reason code a kernel pr_err() text stands for. */
static int reason_of_log(const char *log)
{
	if (strstr(log, "not found in symbol table"))
		return KSYM_KLP_NOT_FOUND;
	if (strstr(log, "unresolvable ambiguity"))
		return KSYM_KLP_AMBIGUOUS;
	if (strstr(log, "symbol position"))
		return KSYM_KLP_POSITION;
	return -1;
}

/* ---- name side ------------------------------------------------------------ */

/* klp_find_object_symbol(NULL, name, sympos) against ours. */
static void check_klp_vmlinux(const struct ksym_table *t, const char *name,
			      unsigned long sympos, int all)
{
	unsigned long kaddr = 0, oaddr = 0x5a5a, oaddr2 = 0x5a5a;
	int reason = -1, reason2 = -1, kret, oret, oret2;

	ref_log_clear();
	kret = ref_klp_find_object_symbol(NULL, name, sympos, &kaddr);
	oret = ksym_find_object_symbol(t, NULL, name, strlen(name), sympos, 0,
				       &oaddr, &reason);
	CHECK_EQ(oret, kret, "klp %s,%lu", name, sympos);
	if (kret == 0) {
		CHECK(oaddr == kaddr, "klp %s,%lu: %#lx %#lx", name, sympos,
		      oaddr, kaddr);
		CHECK_EQ(reason, KSYM_KLP_OK, "klp %s", name);
	} else {
		CHECK_EQ(reason, reason_of_log(ref_log()), "klp %s,%lu: %s",
			 name, sympos, ref_log());
		CHECK(oaddr == 0x5a5a, "klp %s: *addr written on failure", name);
	}
	if (!all)
		return;
	oret2 = ksym_find_object_symbol_str(t, NULL, name, sympos, 0, &oaddr2,
					    &reason2);
	CHECK(oret2 == oret && reason2 == reason && (oret || oaddr2 == oaddr),
	      "klp_str %s,%lu", name, sympos);
	/* klp_find_object_symbol()'s own walk, over ours. */
	{
		struct klp_find_arg args = { 0, 0, sympos };
		int ret;

		ksym_on_each_match_symbol_str(t, klp_match_callback, name,
					      KSYM_MATCH_EXACT, &args);
		if (args.addr == 0 || (args.count > 1 && sympos == 0) ||
		    (sympos != args.count && sympos > 0))
			ret = -EINVAL;
		else
			ret = 0;
		CHECK_EQ(ret, kret, "klp walk %s,%lu", name, sympos);
		if (!ret)
			CHECK(args.addr == kaddr, "klp walk %s", name);
	}
}

/* .klp.sym.vmlinux.<name>,<sympos>: ours against the kernel's sscanf(). */
static void check_klp_parse(const char *name, unsigned long sympos)
{
	char text[KSYM_KLP_SYM_LEN + 64], obj[56], sym[512];
	unsigned long sp = 0;
	struct ksym_klp_sym out, out2;
	int n, cnt;

	if (strchr(name, ',') || !*name)
		return;
	n = snprintf(text, sizeof(text), ".klp.sym.vmlinux.%s,%lu", name,
		     sympos);
	cnt = sscanf(text, ".klp.sym.%55[^.].%511[^,],%lu", obj, sym, &sp);
	CHECK_EQ(cnt, 3, "sscanf %s", text);
	CHECK_EQ(ksym_klp_sym_parse(text, (size_t)n, &out), 0, "%s", text);
	CHECK_EQ(ksym_klp_sym_parse_str(text, &out2), 0, "%s", text);
	CHECK(out.objname_len == strlen(obj) &&
		      !memcmp(out.objname, obj, out.objname_len) &&
		      out.name_len == strlen(sym) &&
		      !memcmp(out.name, sym, out.name_len) && out.sympos == sp,
	      "parse %s", text);
	CHECK(out.name == text + 17 && out2.name == out.name &&
		      out2.name_len == out.name_len,
	      "parse %s: pointers", text);
}

struct sweep_stats {
	unsigned long symbols, names, addresses, klp, dup_names;
};

/* How many symbols share each symbol's name (from the kernel's walk). */
static unsigned int *name_count;

static int cmp_by_name(const void *a, const void *b)
{
	unsigned int x = *(const unsigned int *)a, y = *(const unsigned int *)b;
	int c = strcmp(NAME(x), NAME(y));

	return c ? c : (x > y) - (x < y);
}

static void count_names(void)
{
	unsigned int *order = xmalloc(nsyms * sizeof(*order));

	name_count = xmalloc(nsyms * sizeof(*name_count));
	for (unsigned int i = 0; i < nsyms; i++)
		order[i] = i;
	qsort(order, nsyms, sizeof(*order), cmp_by_name);
	for (unsigned int i = 0, j; i < nsyms; i = j) {
		for (j = i + 1; j < nsyms && !strcmp(NAME(order[i]), NAME(order[j]));
		     j++)
			;
		for (unsigned int k = i; k < j; k++)
			name_count[order[k]] = j - i;
	}
	free(order);
}

/*
 * One symbol: everything by position, and kallsyms_lookup_name(), against
 * the kernel; with @heavy (every 4th symbol, every repeated name), also
 * kallsyms_lookup_names(), kallsyms_on_each_match_symbol() (as
 * kallsyms_selftest.c runs it), klp_find_object_symbol() and the .klp.sym.
 * parser, and with @all (every 16th) the _str variants too.
 */
static void check_symbol(const struct ksym_table *t, unsigned int i,
			 struct sweep_stats *st, int heavy, int all)
{
	const char *name = NAME(i);
	size_t len = strlen(name);
	unsigned long addr = ksym_sym_address(t, i), a1, ka;
	unsigned int s = 0, ks, ke, os = 0xdead, oe = 0xdead, off;
	struct match_stat kst, ost, ost2;
	int kret, oret, type;

	st->symbols++;
	/* kallsyms_sym_address(), get_symbol_seq(), kallsyms_get_symbol_type() */
	CHECK(addr == ref_sym_address((int)i) && addr == addr_of[i],
	      "address %u: %#lx", i, addr);
	CHECK_EQ(ksym_get_symbol_seq(t, i, &s), 0, "seq %u", i);
	CHECK_EQ(s, ref_get_symbol_seq((int)i), "seq %u", i);
	off = ref_get_symbol_offset(i);
	type = ksym_get_symbol_type(t, i);
	/* 6.12 reads the wrong byte for names over 127 tokens. */
	if (!(kallsyms_names[off] & 0x80))
		CHECK_EQ(type, ref_get_symbol_type(off), "type %u", i);
	else
		CHECK(type > 0, "type %u", i);

	/* kallsyms_lookup_name() */
	ka = ref_lookup_name(name);
	a1 = ksym_lookup_name(t, name, len);
	CHECK(a1 == ka, "lookup_name %s: %#lx %#lx", name, a1, ka);
	if (all)
		CHECK(ksym_lookup_name_str(t, name) == ka, "lookup_name_str %s",
		      name);
	if (!heavy)
		return;
	st->names++;

	/* kallsyms_lookup_names() */
	kret = ref_lookup_names(name, &ks, &ke);
	oret = ksym_lookup_names(t, name, len, &os, &oe);
	CHECK_EQ(oret, kret, "lookup_names %s", name);
	if (!kret)
		CHECK(os == ks && oe == ke, "lookup_names %s: %u-%u %u-%u",
		      name, os, oe, ks, ke);
	if (all)
		CHECK_EQ(ksym_lookup_names_str(t, name, &os, NULL), kret, "%s",
			 name);

	/* kallsyms_on_each_match_symbol(), as kallsyms_selftest.c */
	memset(&kst, 0, sizeof(kst));
	memset(&ost, 0, sizeof(ost));
	CHECK_EQ(ref_on_each_match_symbol(match_symbol, name, &kst), 0, "%s",
		 name);
	CHECK_EQ(ksym_on_each_match_symbol(t, match_symbol, name, len,
					   KSYM_MATCH_EXACT, &ost),
		 0, "%s", name);
	CHECK(same_matches(&ost, &kst), "match %s: %u %u", name, ost.real_cnt,
	      kst.real_cnt);
	if (all) {
		memset(&ost2, 0, sizeof(ost2));
		CHECK_EQ(ksym_on_each_match_symbol_str(t, match_symbol, name,
						       KSYM_MATCH_EXACT, &ost2),
			 0, "%s", name);
		CHECK(same_matches(&ost2, &kst), "match_str %s", name);
	}
	if (!*name)
		return;
	/* The selftest's checks: found, the first is lookup_name()'s. */
	CHECK(ost.real_cnt == name_count[i] && ost.addrs[0] == a1,
	      "selftest %s: %u of %u", name, ost.real_cnt, name_count[i]);

	/* klp_find_object_symbol(): sympos 0; for a repeated name this
	 * symbol's position, and one past the last for the first of them. */
	{
		unsigned long pos = 0;

		for (unsigned int k = 0; k < ost.save_cnt; k++)
			if (ost.addrs[k] == addr && !pos)
				pos = k + 1;
		check_klp_vmlinux(t, name, 0, all);
		if (pos && (ost.real_cnt > 1 || all))
			check_klp_vmlinux(t, name, pos, all);
		if (ost.real_cnt > 1 && ost.addrs[0] == addr) {
			check_klp_vmlinux(t, name, ost.real_cnt + 1, all);
			st->dup_names++;
		}
		check_klp_parse(name, pos);
		st->klp++;
	}
}

/* kallsyms_lookup() & co. at one address: ours against the kernel's.
 * @level 0: kallsyms_lookup() and kallsyms_lookup_size_offset(); 1: also
 * lookup_symbol_name() and sprint_symbol(); 2: also the reverse sympos. */
static void check_address(const struct ksym_table *t, unsigned long a,
			  char *kbuf, int level)
{
	char kname[KSYM_NAME_LEN], oname[KSYM_NAME_LEN], sname[KSYM_NAME_LEN];
	char obuf[KSYM_SPRINT_LEN];
	unsigned long ks = 0, ko = 0, os = 0, oo = 0, zs = 0, zo = 0;
	char *modname = (char *)1;
	const char *kr, *orr;
	int kret, oret, kl, ol, wraps = 0;
	struct ksym_sympos sp;

	kr = ref_lookup(a, &ks, &ko, &modname, kname);
	orr = ksym_lookup(t, a, &os, &oo, oname, sizeof(oname));
	CHECK(!kr == !orr, "lookup %#lx: %s %s", a, kr ? kr : "-",
	      orr ? orr : "-");
	if (kr && orr) {
		/* The kernel's size wraps for a symbol past its section end
		 * (Debian 6.1's __init_scratch_*); ours is 0 there. */
		wraps = a - ko + ks < a - ko;
		CHECK(orr == oname && !strcmp(kname, oname) && oo == ko &&
			      (wraps ? os == 0 : os == ks),
		      "lookup %#lx: %s+%#lx/%#lx %s+%#lx/%#lx", a, oname, oo,
		      os, kname, ko, ks);
	}
	kret = ref_lookup_size_offset(a, &ks, &ko);
	oret = ksym_lookup_size_offset(t, a, &zs, &zo);
	CHECK_EQ(oret, kret, "size_offset %#lx", a);
	if (kret)
		CHECK(zo == ko && (wraps ? zs == 0 : zs == ks),
		      "size_offset %#lx", a);
	CHECK_EQ(ksym_lookup_size_offset(t, a, NULL, NULL), kret, "%#lx", a);
	if (level < 1)
		return;

	kret = ref_lookup_symbol_name(a, kname);
	oret = ksym_lookup_symbol_name(t, a, sname, sizeof(sname));
	if (kret == 0)
		CHECK(oret == 0 && !strcmp(kname, sname),
		      "symbol_name %#lx: %d %s %s", a, oret, sname, kname);
	else
		CHECK(kret == -ERANGE && oret == -ENOENT,
		      "symbol_name %#lx: %d %d", a, oret, kret);

	kl = ref_sprint_symbol(kbuf, a);
	ol = ksym_sprint_symbol(t, obuf, sizeof(obuf), a);
	if (!wraps)
		CHECK(ol == kl && !strcmp(obuf, kbuf), "sprint %#lx: %s %s", a,
		      obuf, kbuf);
	if (level < 2)
		return;

	/* Reverse sympos round trip: the (name, sympos) it gives finds the
	 * symbol back. */
	oret = ksym_sympos_of_address(t, a, KSYM_MATCH_EXACT, sname,
				      sizeof(sname), &sp);
	CHECK_EQ(oret, orr ? 0 : -ENOENT, "sympos_of %#lx", a);
	if (oret == 0 && orr) {
		unsigned long back = 0;
		int reason;

		CHECK(!strcmp(sname, oname) && sp.name_len == strlen(oname) &&
			      sp.position >= 1 && sp.position <= sp.count &&
			      sp.sympos == (sp.count == 1 ? 0 : sp.position),
		      "sympos_of %#lx: %s", a, sname);
		CHECK_EQ(ksym_find_object_symbol(t, NULL, sname, sp.name_len,
						 sp.sympos,
						 KSYM_KLP_ZERO_IS_FOUND, &back,
						 &reason),
			 0, "round trip %s,%lu", sname, sp.sympos);
		CHECK(back == a - oo, "round trip %s: %#lx %#lx", sname, back,
		      a - oo);
	}
}

/* ---- suffix-aware matching (no kernel counterpart since 6.11) ---------------- */

static void check_suffixes(const struct ksym_table *t, unsigned int i)
{
	const char *name = NAME(i), *llvm = strstr(name, ".llvm.");
	struct match_stat st;
	unsigned long addr = addr_of[i];
	int found = 0;

	if (!llvm || llvm == name)
		return;
	memset(&st, 0, sizeof(st));
	CHECK_EQ(ksym_on_each_match_symbol(t, match_symbol, name,
					   (size_t)(llvm - name),
					   KSYM_MATCH_LLVM, &st),
		 0, "%s", name);
	for (unsigned int k = 0; k < st.save_cnt; k++)
		found |= st.addrs[k] == addr;
	CHECK(found || st.real_cnt > MAX_RECORDS, "llvm match %s", name);
}

/* ---- modules ---------------------------------------------------------------- */

/* A module built from vmlinux names: duplicates, undefined copies and a symbol
 * at 0; livepatch resolution in it against the kernel's. */
static void check_module(unsigned int first, unsigned int count)
{
	unsigned int cap = 2 * count + 8, n = 0;
	Elf64_Sym *syms = xmalloc(cap * sizeof(*syms));
	size_t strsz = 1;
	char *strtab, *typetab;
	struct ksym_module mod;
	unsigned long kaddr, oaddr;
	int kret, oret, reason;

	for (unsigned int k = 0; k < count; k++)
		strsz += 2 * (strlen(NAME(first + k)) + 1);
	strsz += sizeof("zero_sym");
	strtab = xmalloc(strsz);
	strtab[0] = 0;
	strsz = 1;
	memset(&syms[n++], 0, sizeof(*syms)); /* the null symbol */
#define ADD(nm, val, shndx)                                                  \
	do {                                                                 \
		syms[n].st_name = (Elf64_Word)strsz;                          \
		syms[n].st_info = 0;                                          \
		syms[n].st_other = 0;                                         \
		syms[n].st_shndx = (shndx);                                   \
		syms[n].st_value = (val);                                     \
		syms[n].st_size = 0;                                          \
		n++;                                                          \
		memcpy(strtab + strsz, (nm), strlen(nm) + 1);                 \
		strsz += strlen(nm) + 1;                                      \
	} while (0)
	for (unsigned int k = 0; k < count; k++) {
		const char *nm = NAME(first + k);

		ADD(nm, 0x1000 + 16 * (unsigned long)k, 1);
		if (k % 7 == 3)
			ADD(nm, 0x9000 + 16 * (unsigned long)k, 2);
		else if (k % 11 == 5)
			ADD(nm, 0, SHN_UNDEF);
	}
	ADD("zero_sym", 0, 1);
#undef ADD
	typetab = xmalloc(n);
	memset(typetab, 't', n);
	CHECK_EQ(ref_set_module("testmod", syms, n, strtab), 0, "set_module");
	mod.symtab = syms;
	mod.num_symtab = n;
	mod.elf_class = KSYM_ELFCLASS64;
	mod.strtab = strtab;
	mod.strtab_size = strsz;
	mod.typetab = typetab;
	for (unsigned int k = 0; k <= count; k++) {
		const char *nm = k < count ? NAME(first + k) : "zero_sym";

		for (unsigned long sympos = 0; sympos < 4; sympos++) {
			kaddr = 0;
			oaddr = 0;
			reason = -1;
			ref_log_clear();
			kret = ref_klp_find_object_symbol("testmod", nm, sympos,
							  &kaddr);
			oret = ksym_find_object_symbol(NULL, &mod, nm,
						       strlen(nm), sympos, 0,
						       &oaddr, &reason);
			CHECK_EQ(oret, kret, "module %s,%lu", nm, sympos);
			if (!kret)
				CHECK(oaddr == kaddr, "module %s", nm);
			else
				CHECK_EQ(reason, reason_of_log(ref_log()),
					 "module %s,%lu: %s", nm, sympos,
					 ref_log());
		}
	}
	/* The symbol at 0: not found, as in the kernel, unless asked. */
	CHECK_EQ(ksym_find_object_symbol_str(NULL, &mod, "zero_sym", 0,
					     KSYM_KLP_ZERO_IS_FOUND, &oaddr,
					     &reason),
		 0, "zero_sym");
	/* Bad module descriptors. */
	mod.elf_class = 7;
	CHECK_EQ(ksym_find_object_symbol_str(NULL, &mod, "zero_sym", 0, 0,
					     &oaddr, &reason),
		 -EINVAL, "elf_class");
	CHECK_EQ(reason, KSYM_KLP_INVALID, "elf_class");
	mod.elf_class = KSYM_ELFCLASS_NATIVE;
	mod.strtab_size = strsz - 3; /* the last name runs off the end */
	CHECK_EQ(ksym_find_object_symbol_str(NULL, &mod, "zero_sym", 0, 0,
					     &oaddr, &reason),
		 -EINVAL, "strtab_size");
	CHECK_EQ(reason, KSYM_KLP_INVALID, "strtab_size");
	mod.strtab_size = strsz;
	mod.strtab = NULL;
	CHECK_EQ(ksym_find_object_symbol_str(NULL, &mod, "zero_sym", 0, 0,
					     &oaddr, &reason),
		 -EINVAL, "NULL strtab");
	ref_clear_modules();
	free(syms);
	free(strtab);
	free(typetab);
}

/* ---- bad input ---------------------------------------------------------------- */

/* Owned, exact-size copies of the arrays (valgrind sees any read past them). */
struct copy {
	struct ksym_desc d;
	unsigned char *names, *seqs;
	unsigned int *markers;
	char *token_table;
	unsigned short *token_index;
	int *offsets;
};

static void copy_make(struct copy *c)
{
	size_t n = nsyms;

	fill_desc(&c->d);
	c->names = dup_bytes(kallsyms_names, c->d.names_len);
	c->markers = dup_bytes(kallsyms_markers, (n + 255) / 256 * 4);
	c->token_table = dup_bytes(kallsyms_token_table, c->d.token_table_len);
	c->token_index = dup_bytes(kallsyms_token_index, 512);
	c->offsets = dup_bytes(kallsyms_offsets, n * 4);
	c->seqs = dup_bytes(kallsyms_seqs_of_names, n * 3);
	c->d.names = c->names;
	c->d.markers = c->markers;
	c->d.token_table = c->token_table;
	c->d.token_index = c->token_index;
	c->d.offsets = c->offsets;
	c->d.seqs_of_names = c->seqs;
}

static void copy_free(struct copy *c)
{
	free(c->names);
	free(c->markers);
	free(c->token_table);
	free(c->token_index);
	free(c->offsets);
	free(c->seqs);
}

/* Initialising from @d fails with @err; storage and outputs are untouched;
 * ksym_desc_check() says where (when @array is not -1). */
static void expect_init_error(const struct ksym_desc *d, int err, int array,
			      int kind, long index, const char *what)
{
	static struct ksym_table t;
	struct ksym_format_error fe;

	memset(&t, 0xa5, sizeof(t));
	CHECK_EQ(ksym_table_init(&t, d), err, "init: %s", what);
	CHECK(all_bytes(&t, 0xa5, sizeof(t)), "init: %s: storage written",
	      what);
	memset(&fe, 0x5a, sizeof(fe));
	CHECK_EQ(ksym_desc_check(d, &fe), err, "check: %s", what);
	if (array < 0) {
		CHECK(all_bytes(&fe, 0x5a, sizeof(fe)), "check: %s: written",
		      what);
		return;
	}
	CHECK(fe.array == (unsigned int)array && fe.kind == (unsigned int)kind &&
		      (index < 0 || fe.index == (unsigned int)index),
	      "check %s: array %u kind %u index %u", what, fe.array, fe.kind,
	      fe.index);
}

static void check_bad_descriptors(void)
{
	struct copy c;
	struct ksym_desc d;
	static struct ksym_table t;
	static _Alignas(16) unsigned char raw[sizeof(struct ksym_table) + 16];
	unsigned int n = nsyms;

	/* The unmodified copy is fine; the table works. */
	copy_make(&c);
	CHECK_EQ(ksym_table_init(&t, &c.d), 0, "copy");
	CHECK_EQ(ksym_desc_check(&c.d, NULL), 0, "copy");
	CHECK(ksym_lookup_name_str(&t, NAME(n / 2)) ==
		      ref_lookup_name(NAME(n / 2)),
	      "copy lookup");
	CHECK_EQ(ksym_table_init((struct ksym_table *)(raw + 1), &c.d), -EINVAL,
		 "misaligned");
	CHECK_EQ(ksym_table_init(NULL, &c.d), -EINVAL, "NULL table");
	CHECK_EQ(ksym_table_init(&t, NULL), -EINVAL, "NULL desc");
	CHECK_EQ(ksym_desc_check(NULL, NULL), -EINVAL, "NULL desc");

	/* Argument errors. */
	d = c.d;
	d.flags |= 0x80;
	expect_init_error(&d, -EINVAL, -1, 0, 0, "flags");
	d = c.d;
	d.reserved = 1;
	expect_init_error(&d, -EINVAL, -1, 0, 0, "reserved");
	d = c.d;
	d.layout = 0xf;
	expect_init_error(&d, -EINVAL, KSYM_ARRAY_LAYOUT, KSYM_FMT_BAD_LAYOUT,
			  0, "layout");
	d = c.d;
	d.layout |= 0x400;
	expect_init_error(&d, -EINVAL, KSYM_ARRAY_LAYOUT, KSYM_FMT_BAD_LAYOUT,
			  0, "layout bit 10");
	d = c.d;
	d.names = NULL;
	expect_init_error(&d, -EINVAL, -1, 0, 0, "NULL names");
	d = c.d;
	d.markers = NULL;
	expect_init_error(&d, -EINVAL, -1, 0, 0, "NULL markers");
	d = c.d;
	d.token_index = NULL;
	expect_init_error(&d, -EINVAL, -1, 0, 0, "NULL token_index");
	d = c.d;
	d.offsets = NULL;
	expect_init_error(&d, -EINVAL, -1, 0, 0, "NULL offsets");
	d = c.d;
	d.seqs_of_names = NULL;
	expect_init_error(&d, -EINVAL, -1, 0, 0, "NULL seqs");
	d = c.d;
	d.names_len = (size_t)PTRDIFF_MAX + 1;
	expect_init_error(&d, -EINVAL, -1, 0, 0, "huge names_len");
	d = c.d;
	d.token_table_len = SIZE_MAX;
	expect_init_error(&d, -EINVAL, -1, 0, 0, "huge token_table_len");

	/* Corrupted arrays. */
	d = c.d;
	d.num_syms = (1u << 24) + 1;
	expect_init_error(&d, -EUCLEAN, KSYM_ARRAY_NUM_SYMS,
			  KSYM_FMT_TOO_MANY_SYMBOLS, 0, "num_syms");
	d = c.d;
	d.names_len /= 2;
	expect_init_error(&d, -EUCLEAN, KSYM_ARRAY_NAMES, KSYM_FMT_TRUNCATED,
			  -1, "names_len");
	d = c.d;
	d.token_table_len = 0;
	expect_init_error(&d, -EUCLEAN, KSYM_ARRAY_TOKEN_INDEX,
			  KSYM_FMT_TOKEN_OUT_OF_RANGE, 0, "token_table_len");
	c.token_index[5] = (unsigned short)c.d.token_table_len;
	expect_init_error(&c.d, -EUCLEAN, KSYM_ARRAY_TOKEN_INDEX,
			  KSYM_FMT_TOKEN_OUT_OF_RANGE, 5, "token_index[5]");
	c.token_index[5] = kallsyms_token_index[5];
	c.names[0] = 0;
	expect_init_error(&c.d, -EUCLEAN, KSYM_ARRAY_NAMES,
			  KSYM_FMT_ZERO_LENGTH, 0, "names[0]");
	c.names[0] = kallsyms_names[0];
	if (n > 256) {
		c.markers[1]++;
		expect_init_error(&c.d, -EUCLEAN, KSYM_ARRAY_MARKERS,
				  KSYM_FMT_BAD_MARKER, 1, "markers[1]");
		c.markers[1]--;
	}
	for (unsigned int i = n / 2; i + 1 < n; i++) {
		if (addr_of[i] == addr_of[i + 1])
			continue;
		c.offsets[i] = kallsyms_offsets[i + 1];
		c.offsets[i + 1] = kallsyms_offsets[i];
		expect_init_error(&c.d, -EUCLEAN, KSYM_ARRAY_OFFSETS,
				  KSYM_FMT_NOT_SORTED, i + 1, "offsets swap");
		c.offsets[i] = kallsyms_offsets[i];
		c.offsets[i + 1] = kallsyms_offsets[i + 1];
		break;
	}
	if (addr_of[n - 1] > 0xffffffffUL) {
		d = c.d;
		d.layout |= KSYM_LAYOUT_PTR32;
		expect_init_error(&d, -EUCLEAN, KSYM_ARRAY_OFFSETS,
				  KSYM_FMT_ADDRESS_OVERFLOW, -1, "ptr32");
	}
	memset(c.seqs, 0xff, 3);
	expect_init_error(&c.d, -EUCLEAN, KSYM_ARRAY_SEQS_OF_NAMES,
			  KSYM_FMT_SEQ_OUT_OF_RANGE, 0, "seqs[0]");
	memcpy(c.seqs, kallsyms_seqs_of_names, 3);
	for (unsigned int j = 1; j + 1 < n; j++) {
		unsigned char tmp[3];
		unsigned int a, b;

		a = ref_get_symbol_seq((int)j);
		b = ref_get_symbol_seq((int)j + 1);
		if (!strcmp(NAME(a), NAME(b)))
			continue;
		memcpy(tmp, c.seqs + 3 * j, 3);
		memcpy(c.seqs + 3 * j, c.seqs + 3 * j + 3, 3);
		memcpy(c.seqs + 3 * j + 3, tmp, 3);
		/* Found by the name-order check (a cheap error: near the
		 * start), which the boot-time option leaves out. */
		d = c.d;
		d.flags &= ~KSYM_DESC_SKIP_NAME_ORDER;
		expect_init_error(&d, -EUCLEAN, KSYM_ARRAY_SEQS_OF_NAMES,
				  KSYM_FMT_SEQ_NOT_SORTED, j + 1, "seqs swap");
		d.flags |= KSYM_DESC_SKIP_NAME_ORDER;
		CHECK_EQ(ksym_table_init(&t, &d), 0, "skip name order");
		memcpy(c.seqs, kallsyms_seqs_of_names, 3 * (size_t)n);
		break;
	}
	copy_free(&c);
}

/* Queries on a zeroed (never initialised) or NULL table. */
static void check_bad_tables(void)
{
	const struct ksym_table *bad[2] = { &zero_table, NULL };
	char buf[64];
	unsigned long a = 0x77, s = 0x77;
	unsigned int st = 7;
	int reason = 9;
	struct ksym_sympos sp;

	for (int k = 0; k < 2; k++) {
		const struct ksym_table *t = bad[k];
		struct stopper stop = { 0, 0, 0 };

		CHECK_EQ(ksym_num_syms(t), 0, "num_syms");
		CHECK_EQ(ksym_sym_address(t, 0), 0, "sym_address");
		CHECK_EQ(ksym_get_symbol_seq(t, 0, &st), -EINVAL, "seq");
		CHECK_EQ(ksym_get_symbol_type(t, 0), -EINVAL, "type");
		CHECK_EQ(ksym_lookup_name(t, "x", 1), 0, "lookup_name");
		CHECK_EQ(ksym_lookup_name_str(t, "x"), 0, "lookup_name_str");
		CHECK_EQ(ksym_lookup_names(t, "x", 1, &st, &st), -EINVAL, "");
		CHECK_EQ(ksym_lookup_names_str(t, "x", &st, NULL), -EINVAL, "");
		CHECK_EQ(ksym_on_each_symbol(t, stop_symbol, &stop), -EINVAL,
			 "");
		CHECK_EQ(ksym_on_each_match_symbol(t, stop_match, "x", 1, 0,
						   &stop),
			 -EINVAL, "");
		CHECK_EQ(ksym_on_each_match_symbol_str(t, stop_match, "x", 0,
						       &stop),
			 -EINVAL, "");
		CHECK_EQ(stop.calls, 0, "callbacks on a bad table");
		CHECK(ksym_lookup(t, cfg.sections.stext, &s, &a, buf,
				  sizeof(buf)) == NULL,
		      "lookup");
		CHECK_EQ(ksym_lookup_size_offset(t, cfg.sections.stext, &s, &a),
			 0, "size_offset");
		CHECK_EQ(ksym_lookup_symbol_name(t, cfg.sections.stext, buf,
						 sizeof(buf)),
			 -EINVAL, "symbol_name");
		CHECK_EQ(ksym_sprint_symbol(t, buf, sizeof(buf),
					    cfg.sections.stext),
			 -EINVAL, "sprint");
		CHECK_EQ(ksym_sympos_of_address(t, cfg.sections.stext, 0, buf,
						sizeof(buf), &sp),
			 -EINVAL, "sympos_of");
		CHECK_EQ(ksym_find_object_symbol(t, NULL, "x", 1, 0, 0, &a,
						 &reason),
			 -EINVAL, "klp");
		CHECK_EQ(reason, KSYM_KLP_INVALID, "klp");
		CHECK(a == 0x77 && s == 0x77 && st == 7, "outputs written");
	}
}

/* Bad arguments on a good table: each gets its documented error. */
static void check_bad_arguments(const struct ksym_table *t)
{
	unsigned int i = nsyms / 2, st = 0x11, en = 0x22;
	const char *name;
	char buf[KSYM_NAME_LEN + 8], *nonul, *exact;
	unsigned long a, size, off, sa = 0x33, so = 0x44;
	size_t len;
	int reason, n;
	struct stopper stop;
	struct ksym_sympos sp;
	struct ksym_klp_sym ks;
	struct ksym_klp_rela kr;

	/* A symbol with a name, in the sections. */
	while (i < nsyms && (!*NAME(i) || !ksym_lookup_size_offset(t, addr_of[i],
								   NULL, NULL)))
		i++;
	if (i == nsyms)
		i = 0;
	name = NAME(i);
	len = strlen(name);
	a = addr_of[i];

	/* Names: NULL with a length, zero length, huge lengths. */
	CHECK_EQ(ksym_lookup_name(t, NULL, 3), 0, "NULL name");
	CHECK_EQ(ksym_lookup_name(t, NULL, 0), 0, "empty name");
	CHECK_EQ(ksym_lookup_name(t, name, SIZE_MAX), 0, "huge len");
	CHECK_EQ(ksym_lookup_name(t, name, KSYM_NAME_LEN), 0, "len 512");
	CHECK_EQ(ksym_lookup_name_str(t, NULL), 0, "NULL name");
	CHECK_EQ(ksym_lookup_name_str(t, ""), 0, "empty name");
	CHECK_EQ(ksym_lookup_names(t, NULL, 3, &st, &en), -EINVAL, "NULL");
	CHECK_EQ(ksym_lookup_names(t, NULL, 0, &st, &en), -ESRCH, "empty");
	CHECK_EQ(ksym_lookup_names(t, name, SIZE_MAX, &st, &en), -EINVAL, "");
	CHECK_EQ(ksym_lookup_names(t, name, len, NULL, &en), -EINVAL, "NULL");
	CHECK_EQ(ksym_lookup_names_str(t, NULL, &st, &en), -EINVAL, "NULL");
	CHECK(st == 0x11 && en == 0x22, "lookup_names wrote on failure");
	CHECK_EQ(ksym_lookup_names(t, name, len, &st, NULL), 0, "end NULL");
	memset(&stop, 0, sizeof(stop));
	CHECK_EQ(ksym_on_each_match_symbol(t, stop_match, NULL, 3, 0, &stop),
		 -EINVAL, "NULL name");
	CHECK_EQ(ksym_on_each_match_symbol(t, stop_match, NULL, 0, 0, &stop), 0,
		 "empty name");
	CHECK_EQ(ksym_on_each_match_symbol(t, stop_match, name, SIZE_MAX, 0,
					   &stop),
		 -EINVAL, "huge len");
	CHECK_EQ(ksym_on_each_match_symbol(t, stop_match, name, len, 0x80,
					   &stop),
		 -EINVAL, "match bits");
	CHECK_EQ(ksym_on_each_match_symbol(t, NULL, name, len, 0, &stop),
		 -EINVAL, "NULL fn");
	CHECK_EQ(ksym_on_each_match_symbol_str(t, stop_match, NULL, 0, &stop),
		 -EINVAL, "NULL name");
	CHECK_EQ(stop.calls, 0, "callbacks on bad arguments");
	a = 0x55;
	reason = -1;
	CHECK_EQ(ksym_find_object_symbol(t, NULL, NULL, 3, 0, 0, &a, &reason),
		 -EINVAL, "NULL name");
	CHECK_EQ(reason, KSYM_KLP_INVALID, "NULL name");
	CHECK_EQ(ksym_find_object_symbol(t, NULL, NULL, 0, 0, 0, &a, &reason),
		 -EINVAL, "empty name");
	CHECK_EQ(reason, KSYM_KLP_NOT_FOUND, "empty name");
	CHECK_EQ(ksym_find_object_symbol(t, NULL, name, SIZE_MAX, 0, 0, &a,
					 &reason),
		 -EINVAL, "huge len");
	CHECK_EQ(reason, KSYM_KLP_INVALID, "huge len");
	CHECK_EQ(ksym_find_object_symbol(t, NULL, name, len, 0, 2, &a, &reason),
		 -EINVAL, "flags");
	CHECK_EQ(reason, KSYM_KLP_INVALID, "flags");
	CHECK_EQ(ksym_find_object_symbol(t, NULL, name, len, 0, 0, NULL,
					 &reason),
		 -EINVAL, "NULL addr");
	CHECK_EQ(ksym_find_object_symbol_str(t, NULL, NULL, 0, 0, &a, NULL),
		 -EINVAL, "NULL name, NULL reason");
	CHECK(a == 0x55, "find_object_symbol wrote *addr on failure");
	a = addr_of[i];

	/* Strings without a NUL: exactly KSYM_NAME_LEN bytes, none read past. */
	nonul = xmalloc(KSYM_KLP_SYM_LEN);
	memset(nonul, 'x', KSYM_KLP_SYM_LEN);
	CHECK_EQ(ksym_lookup_name_str(t, nonul), 0, "no NUL");
	CHECK_EQ(ksym_lookup_names_str(t, nonul, &st, &en), -EINVAL, "no NUL");
	CHECK_EQ(ksym_on_each_match_symbol_str(t, stop_match, nonul, 0, &stop),
		 -EINVAL, "no NUL");
	CHECK_EQ(ksym_find_object_symbol_str(t, NULL, nonul, 0, 0, &a, &reason),
		 -EINVAL, "no NUL");
	CHECK_EQ(reason, KSYM_KLP_INVALID, "no NUL");
	CHECK_EQ(ksym_klp_sym_parse_str(nonul, &ks), -EINVAL, "no NUL");
	/* 511 bytes and a NUL in exactly 512: read to the NUL, not found. */
	nonul[KSYM_NAME_LEN - 1] = 0;
	CHECK_EQ(ksym_lookup_name_str(t, nonul), 0, "511 bytes");
	CHECK_EQ(ksym_lookup_names_str(t, nonul, &st, &en), -ESRCH, "511");
	CHECK_EQ(ksym_find_object_symbol_str(t, NULL, nonul, 0, 0, &a, &reason),
		 -EINVAL, "511 bytes");
	CHECK_EQ(reason, KSYM_KLP_NOT_FOUND, "511 bytes");
	free(nonul);
	/* A name in a buffer of exactly its size: the (ptr, len) forms read
	 * nothing more. */
	exact = dup_bytes(name, len ? len : 1);
	CHECK_EQ(ksym_lookup_name(t, exact, len), ksym_lookup_name_str(t, name),
		 "exact buffer");
	CHECK_EQ(ksym_find_object_symbol(t, NULL, exact, len, 1,
					 KSYM_KLP_ZERO_IS_FOUND, &a, &reason),
		 len ? 0 : -EINVAL, "exact buffer");
	free(exact);
	a = addr_of[i];

	/* Callbacks: NULL, and a non-zero return stops the walk. */
	CHECK_EQ(ksym_on_each_symbol(t, NULL, NULL), -EINVAL, "NULL fn");
	stop = (struct stopper){ 0, 10, 42 };
	CHECK_EQ(ksym_on_each_symbol(t, stop_symbol, &stop), 42, "stop");
	CHECK_EQ(stop.calls, 10, "stop");
	stop = (struct stopper){ 0, 1, -7 };
	CHECK_EQ(ksym_on_each_symbol(t, stop_symbol, &stop), -7, "stop");
	CHECK_EQ(stop.calls, 1, "stop");
	stop = (struct stopper){ 0, 1, 1 };
	CHECK_EQ(ksym_on_each_match_symbol(t, stop_match, name, len, 0, &stop),
		 len ? 1 : 0, "stop");

	/* Output buffers too small: -ERANGE, nothing written. */
	memset(buf, 0x5a, sizeof(buf));
	CHECK_EQ(ksym_lookup_symbol_name(t, a, buf, len), -ERANGE, "small");
	CHECK_EQ(ksym_lookup_symbol_name(t, a, NULL, 0), -ERANGE, "NULL, 0");
	CHECK_EQ(ksym_lookup_symbol_name(t, a, NULL, 1), -EINVAL, "NULL, 1");
	CHECK(ksym_lookup(t, a, &sa, &so, buf, len) == NULL, "small");
	CHECK(ksym_lookup(t, a, &sa, &so, NULL, 1) == NULL, "NULL, 1");
	CHECK(sa == 0x33 && so == 0x44, "lookup wrote on failure");
	CHECK(all_bytes(buf, 0x5a, sizeof(buf)), "small buffers written");
	CHECK_EQ(ksym_lookup_symbol_name(t, a, buf, len + 1), 0, "fits");
	CHECK(!strcmp(buf, name) || !*name, "fits");
	CHECK(ksym_lookup(t, a, &size, &off, buf, SIZE_MAX) == buf || !*name,
	      "huge size");
	n = ksym_sprint_symbol(t, buf, sizeof(buf), a);
	CHECK(n > 0, "sprint");
	memset(buf, 0x5a, sizeof(buf));
	CHECK_EQ(ksym_sprint_symbol(t, buf, (size_t)n, a), -ERANGE, "small");
	CHECK_EQ(ksym_sprint_symbol(t, NULL, 0, a), -ERANGE, "NULL, 0");
	CHECK_EQ(ksym_sprint_symbol(t, NULL, 1, a), -EINVAL, "NULL, 1");
	CHECK(all_bytes(buf, 0x5a, sizeof(buf)), "small sprint written");
	CHECK_EQ(ksym_sprint_symbol(t, buf, (size_t)n + 1, a), n, "fits");
	memset(&sp, 0x5a, sizeof(sp));
	CHECK_EQ(ksym_sympos_of_address(t, a, 0, buf, 0, &sp), -ERANGE, "");
	CHECK_EQ(ksym_sympos_of_address(t, a, 0, NULL, 1, &sp), -EINVAL, "");
	CHECK_EQ(ksym_sympos_of_address(t, a, 0x80, buf, sizeof(buf), &sp),
		 -EINVAL, "match bits");
	CHECK_EQ(ksym_sympos_of_address(t, a, 0, buf, sizeof(buf), NULL),
		 -EINVAL, "NULL out");
	CHECK(all_bytes(&sp, 0x5a, sizeof(sp)), "sympos_of wrote on failure");

	/* Positions out of range. */
	CHECK_EQ(ksym_sym_address(t, nsyms), 0, "idx");
	CHECK_EQ(ksym_get_symbol_seq(t, nsyms, &st), -EINVAL, "index");
	CHECK_EQ(ksym_get_symbol_seq(t, 0, NULL), -EINVAL, "NULL seq");
	CHECK_EQ(ksym_get_symbol_type(t, nsyms), -EINVAL, "pos");

	/* Addresses outside the sections. */
	CHECK_EQ(ksym_lookup_size_offset(t, ULONG_MAX, NULL, NULL), 0, "max");
	CHECK_EQ(ksym_sympos_of_address(t, ULONG_MAX, 0, buf, sizeof(buf), &sp),
		 -ENOENT, "max");

	/* The .klp.sym. and .klp.rela. parsers. */
	{
		static const struct {
			const char *s;
			int ret;
			unsigned long sympos;
		} cases[] = {
			{ ".klp.sym.vmlinux.foo,0", 0, 0 },
			{ ".klp.sym.btrfs.foo.llvm.123,2", 0, 2 },
			{ ".klp.sym.vmlinux.foo,18446744073709551615", 0,
			  ULONG_MAX },
			{ ".klp.sym.vmlinux.foo,18446744073709551616", -EINVAL,
			  0 },
			{ ".klp.sym.vmlinux.foo", -EINVAL, 0 },
			{ ".klp.sym.vmlinux.foo,", -EINVAL, 0 },
			{ ".klp.sym.vmlinux.foo,1x", -EINVAL, 0 },
			{ ".klp.sym.vmlinux.foo, 1", -EINVAL, 0 },
			{ ".klp.sym.vmlinux.,1", -EINVAL, 0 },
			{ ".klp.sym..foo,1", -EINVAL, 0 },
			{ ".klp.sym.vmlinux", -EINVAL, 0 },
			{ ".klp.rela.vmlinux.foo,1", -EINVAL, 0 },
			/* Object names of 56 and 55 bytes. */
			{ ".klp.sym.o234567890123456789012345678901234567890"
			  "123456789012345x.foo,1",
			  -EINVAL, 0 },
			{ ".klp.sym.o234567890123456789012345678901234567890"
			  "123456789012345.foo,1",
			  0, 1 },
			{ "", -EINVAL, 0 },
		};

		for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
			const char *s = cases[k].s;

			memset(&ks, 0x5a, sizeof(ks));
			CHECK_EQ(ksym_klp_sym_parse(s, strlen(s), &ks),
				 cases[k].ret, "%s", s);
			if (!cases[k].ret)
				CHECK(ks.sympos == cases[k].sympos &&
					      ks.objname == s + 9,
				      "%s", s);
			else
				CHECK(all_bytes(&ks, 0x5a, sizeof(ks)),
				      "%s: written", s);
			CHECK_EQ(ksym_klp_sym_parse_str(s, &ks), cases[k].ret,
				 "%s", s);
		}
		CHECK_EQ(ksym_klp_sym_parse(NULL, 5, &ks), -EINVAL, "NULL");
		CHECK_EQ(ksym_klp_sym_parse(NULL, 0, &ks), -EINVAL, "empty");
		CHECK_EQ(ksym_klp_sym_parse(".klp.sym.a.b,1", SIZE_MAX, &ks),
			 -EINVAL, "huge");
		CHECK_EQ(ksym_klp_sym_parse_str(".klp.sym.a.b,1", NULL), -EINVAL,
			 "NULL out");
		CHECK_EQ(ksym_klp_sym_parse_str(NULL, &ks), -EINVAL, "NULL");
		/* Only the first len bytes count. */
		CHECK_EQ(ksym_klp_sym_parse(".klp.sym.a.b,12", 14, &ks), 0,
			 "len");
		CHECK_EQ(ks.sympos, 1, "len");
		CHECK_EQ(ksym_klp_rela_parse(".klp.rela.vmlinux..text.foo", 27,
					     &kr),
			 0, "rela");
		CHECK(kr.objname_len == 7 && kr.section_len == 9 &&
			      !memcmp(kr.section, ".text.foo", 9),
		      "rela");
		CHECK_EQ(ksym_klp_rela_parse(".klp.rela.vmlinux", 17, &kr),
			 -EINVAL, "rela");
		CHECK_EQ(ksym_klp_rela_parse(NULL, 3, &kr), -EINVAL, "rela");
		CHECK_EQ(ksym_klp_rela_parse(".klp.rela.a.b", 13, NULL),
			 -EINVAL, "rela");
	}
}

/* ---- main ---------------------------------------------------------------------- */

static unsigned long arg(char **argv, int i)
{
	char *end;
	unsigned long v = strtoul(argv[i], &end, 0);

	if (*end) {
		fprintf(stderr, "bad argument %d: %s\n", i, argv[i]);
		exit(2);
	}
	return v;
}

/*
 * ksym_table_attach_caches(): bad arguments write nothing; the caches are
 * filled, and filled again on a second call (after being scribbled over).
 */
static void check_attach_caches(struct ksym_table *t, struct ksym_caches *c)
{
	static struct ksym_table zeroed;
	static _Alignas(16) unsigned char raw[sizeof(struct ksym_caches) + 16];
	struct ksym_caches *odd = (struct ksym_caches *)(raw + 4);
	int zero = 1;

	memset(c, 0x5a, sizeof(*c));
	CHECK_EQ(ksym_table_attach_caches(NULL, c), -EINVAL, "caches: NULL table");
	CHECK_EQ(ksym_table_attach_caches(&zeroed, c), -EINVAL,
		 "caches: uninitialised table");
	CHECK_EQ(ksym_table_attach_caches(t, NULL), -EINVAL, "caches: NULL");
	CHECK_EQ(ksym_table_attach_caches(t, odd), -EINVAL, "caches: misaligned");
	CHECK(((unsigned char *)c)[0] == 0x5a, "caches: written on error");
	for (size_t k = 0; k < sizeof(zeroed); k++)
		zero &= ((unsigned char *)&zeroed)[k] == 0;
	CHECK(zero, "caches: uninitialised table written");
	CHECK_EQ(ksym_table_attach_caches(t, c), 0, "caches");
	CHECK(((unsigned char *)c)[0] != 0x5a || ((unsigned char *)c)[4] != 0x5a,
	      "caches: not filled");
	memset(c, 0x5a, sizeof(*c));
	CHECK_EQ(ksym_table_attach_caches(t, c), 0, "caches again");
	CHECK(((unsigned char *)c)[0] != 0x5a || ((unsigned char *)c)[4] != 0x5a,
	      "caches: not filled again");
}

int main(int argc, char **argv)
{
	struct ksym_desc desc;
	struct ref_tables rt;
	struct walk_cmp w = { 0, 0 };
	struct sweep_stats st = { 0, 0, 0, 0, 0 };
	static struct ksym_table skip_table, cached_table;
	static struct ksym_caches caches;
	char *kbuf;
	unsigned long stride;

	if (argc != 12) {
		fprintf(stderr, "usage: %s STRIDE FULL LAYOUT ABSOLUTE_PERCPU "
				"STEXT ETEXT SINITTEXT EINITTEXT INIT_BEGIN "
				"INIT_END END\n",
			argv[0]);
		return 2;
	}
	cfg.stride = arg(argv, 1) ? arg(argv, 1) : 1;
	cfg.full = (int)arg(argv, 2);
	cfg.layout = (unsigned int)arg(argv, 3);
	cfg.absolute_percpu = (int)arg(argv, 4);
	cfg.sections.stext = arg(argv, 5);
	cfg.sections.etext = arg(argv, 6);
	cfg.sections.sinittext = arg(argv, 7);
	cfg.sections.einittext = arg(argv, 8);
	cfg.sections.init_begin = arg(argv, 9);
	cfg.sections.init_end = arg(argv, 10);
	cfg.sections.end = arg(argv, 11);
	stride = cfg.stride;
	nsyms = kallsyms_num_syms;

	/* The kernel's code over the same arrays. */
	rt = (struct ref_tables){
		.offsets = kallsyms_offsets,
		.names = kallsyms_names,
		.token_table = kallsyms_token_table,
		.token_index = kallsyms_token_index,
		.markers = kallsyms_markers,
		.seqs_of_names = kallsyms_seqs_of_names,
		.relative_base = kallsyms_relative_base,
		.stext = cfg.sections.stext,
		.etext = cfg.sections.etext,
		.sinittext = cfg.sections.sinittext,
		.einittext = cfg.sections.einittext,
		.end = cfg.sections.end,
		.init_begin = cfg.sections.init_begin,
		.init_end = cfg.sections.init_end,
		.num_syms = nsyms,
		.absolute_percpu = cfg.absolute_percpu,
		.kallsyms_all = 1,
	};
	ref_install(&rt);
	name_at = xmalloc(nsyms * sizeof(*name_at));
	addr_of = xmalloc(nsyms * sizeof(*addr_of));
	CHECK_EQ(ref_on_each_symbol(collect, NULL), 0, "kernel walk");
	CHECK_EQ(walked, nsyms, "kernel walk");
	count_names();
	kbuf = xmalloc(ref_ksym_symbol_len());

	/* Boot: describe the arrays, validate them once (both ways). */
	fill_desc(&desc);
	desc.flags &= ~KSYM_DESC_SKIP_NAME_ORDER;
	CHECK_EQ(ksym_table_init(&vmlinux_table, &desc), 0, "init");
	desc.flags |= KSYM_DESC_SKIP_NAME_ORDER;
	CHECK_EQ(ksym_table_init(&skip_table, &desc), 0, "init (skip)");
	CHECK_EQ(ksym_num_syms(&vmlinux_table), nsyms, "num_syms");
	CHECK_EQ(ksym_num_syms(&skip_table), nsyms, "num_syms");
	/* A third table with its fixed caches, as a kernel would keep them. */
	desc.flags &= ~KSYM_DESC_SKIP_NAME_ORDER;
	CHECK_EQ(ksym_table_init(&cached_table, &desc), 0, "init (cached)");
	check_attach_caches(&cached_table, &caches);
	if (failures) {
		fprintf(stderr, "init failed\n");
		return 1;
	}

	/* kallsyms_on_each_symbol(): the whole walk, name by name. */
	CHECK_EQ(ksym_on_each_symbol(&vmlinux_table, compare_walk, &w), 0,
		 "walk");
	CHECK(w.n == nsyms && w.bad == 0, "walk: %u of %u, %u differ", w.n,
	      nsyms, w.bad);

	/* Symbol by symbol (every stride-th): names, livepatch, addresses. */
	for (unsigned long i = 0; i < nsyms; i += stride) {
		const struct ksym_table *t =
			i % 2 ? &skip_table :
			i % 4 ? &cached_table : &vmlinux_table;

		/* Every function at the symbol's address, the cheap ones
		 * around it; the name side as check_symbol() says. */
		int all = stride > 1 || i % 16 == 0;
		int heavy = all || i % 4 == 0 || name_count[i] > 1;

		check_symbol(t, (unsigned int)i, &st, heavy, all);
		if (heavy)
			check_suffixes(t, (unsigned int)i);
		check_address(t, addr_of[i], kbuf, all ? 2 : 1);
		check_address(t, addr_of[i] + 1, kbuf, all ? 2 : 0);
		check_address(t, addr_of[i] - 1, kbuf, all ? 2 : 0);
		st.addresses += 3;
	}
	{
		const unsigned long edges[] = {
			0, 1, ULONG_MAX, cfg.sections.stext - 1,
			cfg.sections.stext, cfg.sections.etext,
			cfg.sections.etext - 1, cfg.sections.sinittext,
			cfg.sections.einittext - 1, cfg.sections.einittext,
			cfg.sections.end - 1, cfg.sections.end,
			cfg.sections.init_end,
		};

		for (size_t k = 0; k < sizeof(edges) / sizeof(edges[0]); k++) {
			check_address(&vmlinux_table, edges[k], kbuf, 2);
			check_address(&cached_table, edges[k], kbuf, 2);
		}
		st.addresses += 2 * sizeof(edges) / sizeof(edges[0]);
	}

	/* Livepatch in a module. */
	{
		unsigned int count = (unsigned int)(3000 / stride + 20);

		if (count > nsyms / 2)
			count = nsyms / 2;
		check_module(nsyms / 2, count);
	}

	/* Bad input. */
	check_bad_descriptors();
	check_bad_tables();
	check_bad_arguments(&vmlinux_table);

	printf("%u symbols: %lu checked (%lu names, %lu with duplicates, %lu "
	       "livepatch, %lu addresses); %lu checks, %lu failed\n",
	       nsyms, st.symbols, st.names, st.dup_names, st.klp, st.addresses,
	       checks, failures);
	free(kbuf);
	free(name_at);
	free(addr_of);
	free(name_blob);
	free(name_count);
	return failures ? 1 : 0;
}
