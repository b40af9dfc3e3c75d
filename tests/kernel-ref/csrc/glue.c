// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * Glue between Rust and the kernel code copied into the same translation
 * unit (see prelude.h): storage of the runtime "kernel" state, non-static
 * entry points for the kernel's static functions, the module list, the
 * captured printk buffer, a kernel-compatible sprintf and cheap callbacks
 * for benchmarks.
 *
 * Not thread-safe: the Rust side serialises every use with one mutex.
 */
#include <stdlib.h>

/* ---- state read by the kernel code ------------------------------------ */

const int *kref_offsets;
const u8 *kref_names;
unsigned int kref_num_syms;
unsigned long kref_relative_base;
const char *kref_token_table;
const u16 *kref_token_index;
const unsigned int *kref_markers;
const u8 *kref_seqs_of_names;

int kref_cfg_CONFIG_KALLSYMS_ABSOLUTE_PERCPU;
int kref_cfg_CONFIG_KALLSYMS_ALL;

unsigned long kref_stext, kref_etext, kref_sinittext, kref_einittext, kref_end,
	kref_init_begin, kref_init_end;

struct list_head kref_modules = { &kref_modules, &kref_modules };

/* Mirrors `KrefTables` in src/ffi.rs. */
struct kref_tables {
	const int *offsets;
	const u8 *names;
	const char *token_table;
	const u16 *token_index;
	const unsigned int *markers;
	const u8 *seqs_of_names;
	unsigned long relative_base;
	unsigned long stext, etext, sinittext, einittext, end, init_begin,
		init_end;
	unsigned int num_syms;
	int absolute_percpu;
	int kallsyms_all;
};

void kref_install(const struct kref_tables *t);
void kref_install(const struct kref_tables *t)
{
	kref_offsets = t->offsets;
	kref_names = t->names;
	kref_token_table = t->token_table;
	kref_token_index = t->token_index;
	kref_markers = t->markers;
	kref_seqs_of_names = t->seqs_of_names;
	kref_relative_base = t->relative_base;
	kref_num_syms = t->num_syms;
	kref_cfg_CONFIG_KALLSYMS_ABSOLUTE_PERCPU = t->absolute_percpu;
	kref_cfg_CONFIG_KALLSYMS_ALL = t->kallsyms_all;
	kref_stext = t->stext;
	kref_etext = t->etext;
	kref_sinittext = t->sinittext;
	kref_einittext = t->einittext;
	kref_end = t->end;
	kref_init_begin = t->init_begin;
	kref_init_end = t->init_end;
}

/* ---- modules ---------------------------------------------------------- */

/* Mirrors `KrefModule` in src/ffi.rs; the arrays stay owned by Rust. */
struct kref_module_desc {
	const char *name;
	const Elf_Sym *symtab;
	unsigned int num_symtab;
	const char *strtab;
};

struct kref_module_node {
	struct module mod;
	struct mod_kallsyms kallsyms;
};

void kref_clear_modules(void);
void kref_clear_modules(void)
{
	struct list_head *p = kref_modules.next;

	while (p != &kref_modules) {
		struct list_head *next = p->next;

		free(container_of(p, struct kref_module_node, mod.list));
		p = next;
	}
	kref_modules.next = kref_modules.prev = &kref_modules;
}

/*
 * Replace the module list with @n modules, in order (the kernel's list is
 * newest first; the order only matters when several modules share a name or
 * when modname is NULL). Returns 0, or -ENOMEM. Names longer than
 * MODULE_NAME_LEN - 1 are truncated, as the kernel's module name is.
 */
int kref_set_modules(const struct kref_module_desc *d, unsigned int n);
int kref_set_modules(const struct kref_module_desc *d, unsigned int n)
{
	unsigned int i;

	kref_clear_modules();
	for (i = 0; i < n; i++) {
		struct kref_module_node *node = calloc(1, sizeof(*node));

		if (!node) {
			kref_clear_modules();
			return -ENOMEM;
		}
		node->mod.state = MODULE_STATE_LIVE;
		strncpy(node->mod.name, d[i].name, sizeof(node->mod.name) - 1);
		/* The kernel's struct is not const; nothing writes through it. */
		node->kallsyms.symtab = (Elf_Sym *)d[i].symtab;
		node->kallsyms.num_symtab = d[i].num_symtab;
		node->kallsyms.strtab = (char *)d[i].strtab;
		node->mod.kallsyms = &node->kallsyms;
		/* list_add_tail */
		node->mod.list.prev = kref_modules.prev;
		node->mod.list.next = &kref_modules;
		kref_modules.prev->next = &node->mod.list;
		kref_modules.prev = &node->mod.list;
	}
	return 0;
}

/* ---- entry points for the kernel's static functions -------------------- */

unsigned int kref_expand_symbol(unsigned int off, char *result, size_t maxlen);
unsigned int kref_expand_symbol(unsigned int off, char *result, size_t maxlen)
{
	return kallsyms_expand_symbol(off, result, maxlen);
}

char kref_get_symbol_type(unsigned int off);
char kref_get_symbol_type(unsigned int off)
{
	return kallsyms_get_symbol_type(off);
}

unsigned int kref_get_symbol_offset(unsigned long pos);
unsigned int kref_get_symbol_offset(unsigned long pos)
{
	return get_symbol_offset(pos);
}

unsigned int kref_get_symbol_seq(int index);
unsigned int kref_get_symbol_seq(int index)
{
	return get_symbol_seq(index);
}

int kref_lookup_names(const char *name, unsigned int *start, unsigned int *end);
int kref_lookup_names(const char *name, unsigned int *start, unsigned int *end)
{
	return kallsyms_lookup_names(name, start, end);
}

unsigned long kref_get_symbol_pos(unsigned long addr, unsigned long *symbolsize,
				  unsigned long *offset);
unsigned long kref_get_symbol_pos(unsigned long addr, unsigned long *symbolsize,
				  unsigned long *offset)
{
	return get_symbol_pos(addr, symbolsize, offset);
}

int kref_klp_find_object_symbol(const char *objname, const char *name,
				unsigned long sympos, unsigned long *addr);
int kref_klp_find_object_symbol(const char *objname, const char *name,
				unsigned long sympos, unsigned long *addr)
{
	return klp_find_object_symbol(objname, name, sympos, addr);
}

unsigned long kref_ksym_name_len(void);
unsigned long kref_ksym_name_len(void)
{
	return KSYM_NAME_LEN;
}

unsigned long kref_ksym_symbol_len(void);
unsigned long kref_ksym_symbol_len(void)
{
	return KSYM_SYMBOL_LEN;
}

/* ---- cheap callbacks for benchmarks ------------------------------------ */

/* kallsyms_on_each_symbol: fold every (name, address) into *data. */
int kref_bench_symbol_cb(void *data, const char *name, unsigned long addr);
int kref_bench_symbol_cb(void *data, const char *name, unsigned long addr)
{
	unsigned long *acc = data;

	*acc = *acc * 31 + addr + (unsigned char)name[0];
	return 0;
}

/* kallsyms_on_each_match_symbol: fold every address into *data. */
int kref_bench_match_cb(void *data, unsigned long addr);
int kref_bench_match_cb(void *data, unsigned long addr)
{
	unsigned long *acc = data;

	*acc = *acc * 31 + addr;
	return 0;
}

/* ---- a kernel-compatible vsnprintf for the conversions in use ---------- */

struct kref_out {
	char *buf;
	size_t size; /* 0: unbounded (sprintf) */
	size_t len;
};

static void kref_putc(struct kref_out *o, char c)
{
	if (!o->size || o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void kref_pad(struct kref_out *o, char c, int n)
{
	while (n-- > 0)
		kref_putc(o, c);
}

/*
 * Flags - + space # 0, a field width and a precision (digits or *), the
 * length modifiers hh h l ll z t, and the conversions d i u x X o c s %.
 * Numbers follow lib/vsprintf.c number(): "%#x" always gets "0x" (also for
 * zero), "%#o" gets "0" unless zero. A NULL "%s" prints "(null)". Any other
 * conversion prints "<?>" and ends the output.
 */
static size_t kref_vformat(struct kref_out *o, const char *fmt, va_list ap)
{
	static const char digits[] = "0123456789abcdef";

	for (; *fmt; fmt++) {
		int left = 0, plus = 0, space = 0, special = 0, zero = 0;
		int width = -1, prec = -1, lng = 0, base = 10, sign = 0;
		int upper = 0, neg = 0, n, i;
		unsigned long long num;
		char tmp[24], pfx[3];
		int pfx_len = 0;

		if (*fmt != '%') {
			kref_putc(o, *fmt);
			continue;
		}
		for (fmt++;; fmt++) {
			if (*fmt == '-')
				left = 1;
			else if (*fmt == '+')
				plus = 1;
			else if (*fmt == ' ')
				space = 1;
			else if (*fmt == '#')
				special = 1;
			else if (*fmt == '0')
				zero = 1;
			else
				break;
		}
		if (*fmt == '*') {
			width = va_arg(ap, int);
			if (width < 0) {
				left = 1;
				width = -width;
			}
			fmt++;
		} else {
			for (; *fmt >= '0' && *fmt <= '9'; fmt++)
				width = (width < 0 ? 0 : width * 10) + (*fmt - '0');
		}
		if (*fmt == '.') {
			prec = 0;
			fmt++;
			if (*fmt == '*') {
				prec = va_arg(ap, int);
				fmt++;
			} else {
				for (; *fmt >= '0' && *fmt <= '9'; fmt++)
					prec = prec * 10 + (*fmt - '0');
			}
		}
		if (*fmt == 'h') {
			lng = -1;
			fmt++;
			if (*fmt == 'h') {
				lng = -2;
				fmt++;
			}
		} else if (*fmt == 'l') {
			lng = 1;
			fmt++;
			if (*fmt == 'l') {
				lng = 2;
				fmt++;
			}
		} else if (*fmt == 'z' || *fmt == 't') {
			lng = 1;
			fmt++;
		}
		if (left)
			zero = 0;

		switch (*fmt) {
		case '%':
			kref_putc(o, '%');
			continue;
		case 'c':
			if (!left)
				kref_pad(o, ' ', width - 1);
			kref_putc(o, (char)va_arg(ap, int));
			if (left)
				kref_pad(o, ' ', width - 1);
			continue;
		case 's': {
			const char *s = va_arg(ap, const char *);

			if (!s)
				s = "(null)";
			for (n = 0; s[n] && (prec < 0 || n < prec); n++)
				;
			if (!left)
				kref_pad(o, ' ', width - n);
			for (i = 0; i < n; i++)
				kref_putc(o, s[i]);
			if (left)
				kref_pad(o, ' ', width - n);
			continue;
		}
		case 'd':
		case 'i':
			sign = 1;
			break;
		case 'u':
			break;
		case 'X':
			upper = 1;
			/* fall through */
		case 'x':
			base = 16;
			break;
		case 'o':
			base = 8;
			break;
		default:
			kref_putc(o, '<');
			kref_putc(o, '?');
			kref_putc(o, '>');
			goto out;
		}

		if (sign) {
			long long v;

			if (lng == 2)
				v = va_arg(ap, long long);
			else if (lng == 1)
				v = va_arg(ap, long);
			else if (lng == -1)
				v = (short)va_arg(ap, int);
			else if (lng == -2)
				v = (signed char)va_arg(ap, int);
			else
				v = va_arg(ap, int);
			neg = v < 0;
			num = neg ? -(unsigned long long)v : (unsigned long long)v;
		} else {
			if (lng == 2)
				num = va_arg(ap, unsigned long long);
			else if (lng == 1)
				num = va_arg(ap, unsigned long);
			else if (lng == -1)
				num = (unsigned short)va_arg(ap, unsigned int);
			else if (lng == -2)
				num = (unsigned char)va_arg(ap, unsigned int);
			else
				num = va_arg(ap, unsigned int);
		}

		if (neg)
			pfx[pfx_len++] = '-';
		else if (sign && plus)
			pfx[pfx_len++] = '+';
		else if (sign && space)
			pfx[pfx_len++] = ' ';
		if (special && base == 16) {
			pfx[pfx_len++] = '0';
			pfx[pfx_len++] = upper ? 'X' : 'x';
		} else if (special && base == 8 && num) {
			pfx[pfx_len++] = '0';
		}

		n = 0;
		do {
			char c = digits[num % base];

			tmp[n++] = upper && c >= 'a' ? c - 'a' + 'A' : c;
			num /= base;
		} while (num);
		if (prec > n)
			i = prec;
		else
			i = n;
		/* i: digits incl. precision zeros; pad to width */
		if (!left && !zero)
			kref_pad(o, ' ', width - i - pfx_len);
		for (int k = 0; k < pfx_len; k++)
			kref_putc(o, pfx[k]);
		if (!left && zero)
			kref_pad(o, '0', width - i - pfx_len);
		kref_pad(o, '0', i - n);
		while (n)
			kref_putc(o, tmp[--n]);
		if (left)
			kref_pad(o, ' ', width - i - pfx_len);
	}
out:
	if (o->size)
		o->buf[o->len < o->size ? o->len : o->size - 1] = '\0';
	else
		o->buf[o->len] = '\0';
	return o->len;
}

int kref_sprintf(char *buf, const char *fmt, ...)
{
	struct kref_out o = { buf, 0, 0 };
	va_list ap;
	size_t len;

	va_start(ap, fmt);
	len = kref_vformat(&o, fmt, ap);
	va_end(ap);
	return (int)len;
}

/* ---- captured printk --------------------------------------------------- */

static char kref_log_buf[16384];
static size_t kref_log_len;

int kref_printk(int level, const char *fmt, ...)
{
	static char scratch[1024];
	struct kref_out o;
	va_list ap;
	size_t room = sizeof(kref_log_buf) - kref_log_len;
	size_t len;

	(void)level;
	/* When the buffer is full, format anyway (into scratch), so every
	 * call costs about the same. */
	if (room > 1) {
		o.buf = kref_log_buf + kref_log_len;
		o.size = room;
	} else {
		o.buf = scratch;
		o.size = sizeof(scratch);
	}
	o.len = 0;
	va_start(ap, fmt);
	len = kref_vformat(&o, fmt, ap);
	va_end(ap);
	if (room > 1)
		kref_log_len += len < room ? len : room - 1;
	return (int)len;
}

/* The text logged since the last kref_log_clear(), NUL-terminated. */
const char *kref_log(size_t *len);
const char *kref_log(size_t *len)
{
	*len = kref_log_len;
	return kref_log_buf;
}

void kref_log_clear(void);
void kref_log_clear(void)
{
	kref_log_len = 0;
	kref_log_buf[0] = '\0';
}
