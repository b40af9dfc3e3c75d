/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * ksym.h - the C ABI of the `kallsyms` crate (feature "capi"): the kernel's
 * kallsyms table reader and lookups, for kernel/kallsyms.c and the livepatch
 * core.
 *
 * Hand-written; tests/capi.rs checks it against src/capi.rs (every prototype,
 * struct field and constant) and compiles it with gcc -std=gnu11 -Wall -Wextra
 * -Werror, and in a kernel-style translation unit (-ffreestanding -nostdinc,
 * __KERNEL__, <linux/types.h>) for 64-bit and 32-bit x86.
 *
 * Conventions (details at each function):
 *  - Setup: fill a struct ksym_desc from the kernel's arrays and call
 *    ksym_table_init() once at boot; it validates them and stores the table in
 *    a caller-allocated struct ksym_table (static storage: no heap, no global
 *    state in the library). Every query takes that table.
 *  - Returns keep the kernel function's convention: an address with 0 for
 *    none, a boolean, a length, or 0 / negative errno. A NULL or uninitialised
 *    table, and other bad arguments, give -EINVAL (or 0 / NULL where the kernel
 *    function returns an address, a boolean or a pointer).
 *  - Strings in: (const char *ptr, size_t len); ptr may be NULL only when len is
 *    0, else -EINVAL. The _str variants take a NUL-terminated string and read at
 *    most KSYM_NAME_LEN bytes looking for the NUL. A name of KSYM_NAME_LEN bytes
 *    or more (or without a NUL in the first KSYM_NAME_LEN bytes) is in no table:
 *    -EINVAL, or "not found" where the function returns an address.
 *  - Strings out: buffers come with their size; results are NUL-terminated; a
 *    buffer too small for the whole result gives -ERANGE and is not written. A
 *    huge size is harmless: only the result's bytes are written.
 *  - Outputs are written only on success, except the outputs that describe a
 *    failure (ksym_desc_check()'s error, ksym_find_object_symbol()'s reason).
 *  - Callbacks have the kernel's signatures; a non-zero return stops the walk
 *    and is returned. A callback's name is NUL-terminated, valid for the call.
 *  - No function can panic (tests/capi.rs checks the static library's code).
 *  - All functions may run concurrently on one initialised table; none
 *    sleeps or allocates. ksym_table_init() must not race with users of the
 *    table it fills.
 *
 * Behaviour reproduced is that of Linux 6.12 (kernel/kallsyms.c,
 * kernel/livepatch/core.c, include/linux/kallsyms.h); each function says where
 * it differs and why.
 *
 * Linking: the static library (cargo rustc --lib --release --features capi
 * --crate-type staticlib -- --cfg ksym_staticlib) also defines
 * rust_begin_unwind (its panic handler, unreachable from every ksym_
 * function) and rust_eh_personality (never called); a kernel with its own
 * Rust runtime (CONFIG_RUST) builds the crate as an rlib without that cfg.
 */
#ifndef KSYM_H
#define KSYM_H

#ifdef __KERNEL__
#include <linux/types.h>
#else
#include <stddef.h>
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ---- sizes ------------------------------------------------------------- */

/* include/linux/kallsyms.h (6.12): name buffers; names hold at most 511 bytes. */
#ifndef KSYM_NAME_LEN
#define KSYM_NAME_LEN 512
#endif
/* Bytes of struct ksym_table. */
#define KSYM_TABLE_SIZE 3072
/* Bytes of struct ksym_caches. */
#define KSYM_CACHES_SIZE 8192
/* The longest text of ksym_sprint_symbol(), NUL included. */
#define KSYM_SPRINT_LEN 550
/* The longest .klp.sym. name ksym_klp_sym_parse_str() reads, NUL included:
 * ".klp.sym." + 55-byte object + "." + 511-byte name + "," + 20 digits. */
#define KSYM_KLP_SYM_LEN 598

/* ---- layout bits (struct ksym_desc.layout): what the table does not say -- */

/* Address encoding (bits 0-3). */
#define KSYM_LAYOUT_ADDR_ABSOLUTE 0u        /* kallsyms_addresses[] (< 6.11) */
#define KSYM_LAYOUT_ADDR_RELATIVE 1u        /* relative_base + (u32)offsets[i] */
#define KSYM_LAYOUT_ADDR_ABSOLUTE_PERCPU 2u /* CONFIG_KALLSYMS_ABSOLUTE_PERCPU */
#define KSYM_LAYOUT_ADDR_PLACE_RELATIVE 3u  /* 7.0: offset_to_ptr(&offsets[i]) */
#define KSYM_LAYOUT_ADDR_RAW32 4u           /* 7.0, 32-bit, not relocatable */
/* kallsyms_seqs_of_names (bits 4-5). */
#define KSYM_LAYOUT_SEQS_NONE 0x00u /* 6.1.0 - 6.1.41 */
#define KSYM_LAYOUT_SEQS_U32 0x10u  /* 6.1.42 - 6.1.59 */
#define KSYM_LAYOUT_SEQS_BE24 0x20u /* 6.2+, 6.1.60+ */
/* The key the name index is sorted by (bits 6-7). */
#define KSYM_LAYOUT_KEY_FULL 0x00u     /* all builds without Clang LTO; 6.11+ */
#define KSYM_LAYOUT_KEY_CUT_DOT 0x40u  /* Clang LTO, 6.2 - 6.4 */
#define KSYM_LAYOUT_KEY_CUT_LLVM 0x80u /* Clang LTO, 6.5 - 6.10, 6.1.42+ */
/* Byte order and pointer width. */
#define KSYM_LAYOUT_BIG_ENDIAN 0x100u
#define KSYM_LAYOUT_PTR32 0x200u
/* Common layouts. */
#define KSYM_LAYOUT_6_12_X86_64 0x22u /* ABSOLUTE_PERCPU | SEQS_BE24 */
#define KSYM_LAYOUT_6_15 0x21u        /* RELATIVE | SEQS_BE24 */

/* struct ksym_desc.flags */
#define KSYM_DESC_KALLSYMS_ALL 1u    /* CONFIG_KALLSYMS_ALL */
#define KSYM_DESC_SKIP_NAME_ORDER 2u /* skip the O(n x name) name-order check */

/* ---- match options and kinds --------------------------------------------- */

/* Which compiler suffixes may follow a name (0: exact, the kernel's mode). */
#define KSYM_MATCH_EXACT 0u
#define KSYM_MATCH_LLVM 1u        /* .llvm.<digits> */
#define KSYM_MATCH_CLONE 2u       /* .isra.<n> .constprop.<n> .part.<n> */
#define KSYM_MATCH_COLD 4u        /* .cold .cold.<n> */
#define KSYM_MATCH_LTO_PRIV 8u    /* .lto_priv.<n> */
#define KSYM_MATCH_LOCALALIAS 16u /* .localalias */
#define KSYM_MATCH_NUMBERED 32u   /* .<n> */
#define KSYM_MATCH_LTO 25u        /* LLVM | LTO_PRIV | LOCALALIAS */
#define KSYM_MATCH_ALL 63u

/* How a symbol matches a name (struct ksym_sympos.kind). */
#define KSYM_KIND_EXACT 0u
#define KSYM_KIND_LLVM 1u
#define KSYM_KIND_CLONE 2u
#define KSYM_KIND_COLD 3u
#define KSYM_KIND_LTO_PRIV 4u
#define KSYM_KIND_LOCALALIAS 5u
#define KSYM_KIND_NUMBERED 6u

/* ---- livepatch ------------------------------------------------------------ */

/* Reasons of ksym_find_object_symbol(): the kernel's pr_err() cases. */
#define KSYM_KLP_OK 0
#define KSYM_KLP_NOT_FOUND 1 /* "symbol '%s' not found in symbol table" */
#define KSYM_KLP_AMBIGUOUS 2 /* "unresolvable ambiguity for symbol ..." */
#define KSYM_KLP_POSITION 3  /* "symbol position %lu for symbol ... not found" */
#define KSYM_KLP_INVALID 4   /* a bad argument */
/* Flag of ksym_find_object_symbol(): a match at address 0 counts as found. */
#define KSYM_KLP_ZERO_IS_FOUND 1u

/* struct ksym_module.elf_class */
#define KSYM_ELFCLASS_NATIVE 0u /* the kernel's Elf_Sym */
#define KSYM_ELFCLASS32 1u
#define KSYM_ELFCLASS64 2u

/* ---- validation errors (struct ksym_format_error) ------------------------- */

#define KSYM_ARRAY_NUM_SYMS 0u
#define KSYM_ARRAY_NAMES 1u
#define KSYM_ARRAY_MARKERS 2u
#define KSYM_ARRAY_TOKEN_TABLE 3u
#define KSYM_ARRAY_TOKEN_INDEX 4u
#define KSYM_ARRAY_OFFSETS 5u
#define KSYM_ARRAY_RELATIVE_BASE 6u
#define KSYM_ARRAY_SEQS_OF_NAMES 7u
#define KSYM_ARRAY_LAYOUT 8u

#define KSYM_FMT_TRUNCATED 0u
#define KSYM_FMT_ZERO_LENGTH 1u
#define KSYM_FMT_BAD_LENGTH 2u
#define KSYM_FMT_TOKEN_OUT_OF_RANGE 3u
#define KSYM_FMT_TOKEN_UNTERMINATED 4u
#define KSYM_FMT_EMPTY_TOKEN 5u
#define KSYM_FMT_NAME_TOO_LONG 6u
#define KSYM_FMT_BAD_MARKER 7u
#define KSYM_FMT_NOT_SORTED 8u
#define KSYM_FMT_ADDRESS_OVERFLOW 9u
#define KSYM_FMT_SEQ_OUT_OF_RANGE 10u
#define KSYM_FMT_SEQ_NOT_SORTED 11u
#define KSYM_FMT_BAD_LAYOUT 12u
#define KSYM_FMT_TOO_MANY_SYMBOLS 13u
#define KSYM_FMT_NUL_IN_NAME 14u

/* ---- types ---------------------------------------------------------------- */

/* Section bounds of include/asm-generic/sections.h that address lookups read
 * (is_ksym_addr() and the end of a section's last symbol). */
struct ksym_sections {
	unsigned long stext;      /* _stext */
	unsigned long etext;      /* _etext */
	unsigned long sinittext;  /* _sinittext */
	unsigned long einittext;  /* _einittext */
	unsigned long init_begin; /* __init_begin */
	unsigned long init_end;   /* __init_end */
	unsigned long end;        /* _end */
};

/*
 * The arrays of kernel/kallsyms_internal.h (6.12), with what they do not say.
 * The extern arrays have no sizes: names_len and token_table_len bound the two
 * that need it (scripts/kallsyms.c emits names, markers, token_table,
 * token_index, offsets, relative_base, seqs_of_names in that order, so each
 * can be bounded by the next one's address; padding is fine). The others
 * follow from num_syms: markers ceil(n / 256) * 4 bytes, token_index 512,
 * offsets n * 4 (n * sizeof(long) for kallsyms_addresses), seqs_of_names
 * n * 3 (n * 4 with KSYM_LAYOUT_SEQS_U32; NULL with KSYM_LAYOUT_SEQS_NONE).
 * The arrays must stay valid and unchanged while the table is used.
 */
struct ksym_desc {
	const unsigned char *names;       /* kallsyms_names */
	size_t names_len;                 /* readable bytes at names */
	const unsigned int *markers;      /* kallsyms_markers */
	const char *token_table;          /* kallsyms_token_table */
	size_t token_table_len;           /* readable bytes at token_table */
	const unsigned short *token_index; /* kallsyms_token_index */
	const int *offsets;               /* kallsyms_offsets */
	const unsigned char *seqs_of_names; /* kallsyms_seqs_of_names, or NULL */
	unsigned long relative_base;      /* kallsyms_relative_base */
	struct ksym_sections sections;
	unsigned int num_syms;            /* kallsyms_num_syms */
	unsigned int layout;              /* KSYM_LAYOUT_* */
	unsigned int flags;               /* KSYM_DESC_* */
	unsigned int reserved;            /* must be 0 */
};

/* Opaque storage of a validated table; all-zero means "not initialised". */
struct ksym_table {
	unsigned long long opaque[KSYM_TABLE_SIZE / 8];
};

/* Opaque storage of a table's two fixed caches (ksym_table_attach_caches()). */
struct ksym_caches {
	unsigned long long opaque[KSYM_CACHES_SIZE / 8];
};

/* Where a table fails validation (ksym_desc_check()). */
struct ksym_format_error {
	unsigned int array; /* KSYM_ARRAY_* */
	unsigned int kind;  /* KSYM_FMT_* */
	unsigned int index; /* first wrong element of the array */
};

/* A module's symbols, as struct mod_kallsyms (include/linux/module.h 6.12)
 * holds them, with the size of the string table. */
struct ksym_module {
	const void *symtab;       /* num_symtab Elf_Sym entries */
	unsigned int num_symtab;
	unsigned int elf_class;   /* KSYM_ELFCLASS_* */
	const char *strtab;
	size_t strtab_size;       /* readable bytes at strtab */
	const char *typetab;      /* num_symtab type letters, or NULL */
};

/* The (name, sympos) that selects a symbol (ksym_sympos_of_address()). */
struct ksym_sympos {
	unsigned long sympos;  /* for a livepatch: 0 if unique, else position */
	unsigned int position; /* among the matches, in address order, from 1 */
	unsigned int count;    /* symbols that match the name */
	unsigned int kind;     /* KSYM_KIND_* */
	unsigned int name_len; /* bytes of the name, without its NUL */
};

/* A parsed .klp.sym.<objname>.<name>,<sympos>; the strings point into the
 * parsed text and are not NUL-terminated. */
struct ksym_klp_sym {
	const char *objname;
	size_t objname_len;
	const char *name;
	size_t name_len;
	unsigned long sympos;
};

/* A parsed .klp.rela.<objname>.<section>. */
struct ksym_klp_rela {
	const char *objname;
	size_t objname_len;
	const char *section;
	size_t section_len;
};

/* The callbacks of kallsyms_on_each_symbol() and
 * kallsyms_on_each_match_symbol() (kernel/kallsyms.c 6.12). */
typedef int (*ksym_symbol_fn)(void *data, const char *name, unsigned long addr);
typedef int (*ksym_match_fn)(void *data, unsigned long addr);

/* The ABI is pinned: these hold on every target (src/capi.rs asserts the same). */
#ifndef __cplusplus
_Static_assert(sizeof(struct ksym_table) == KSYM_TABLE_SIZE, "ksym_table");
_Static_assert(_Alignof(struct ksym_table) == _Alignof(unsigned long long),
	       "ksym_table alignment");
_Static_assert(sizeof(struct ksym_format_error) == 12, "ksym_format_error");
_Static_assert(sizeof(unsigned long) == sizeof(void *), "LP64 or ILP32");
#if defined(__LP64__)
_Static_assert(sizeof(struct ksym_sections) == 56, "ksym_sections");
_Static_assert(sizeof(struct ksym_desc) == 144, "ksym_desc");
_Static_assert(__builtin_offsetof(struct ksym_desc, relative_base) == 64, "desc");
_Static_assert(__builtin_offsetof(struct ksym_desc, sections) == 72, "desc");
_Static_assert(__builtin_offsetof(struct ksym_desc, num_syms) == 128, "desc");
_Static_assert(__builtin_offsetof(struct ksym_desc, reserved) == 140, "desc");
_Static_assert(sizeof(struct ksym_module) == 40, "ksym_module");
_Static_assert(sizeof(struct ksym_sympos) == 24, "ksym_sympos");
_Static_assert(sizeof(struct ksym_klp_sym) == 40, "ksym_klp_sym");
_Static_assert(sizeof(struct ksym_klp_rela) == 32, "ksym_klp_rela");
#else
_Static_assert(sizeof(struct ksym_sections) == 28, "ksym_sections");
_Static_assert(sizeof(struct ksym_desc) == 80, "ksym_desc");
_Static_assert(__builtin_offsetof(struct ksym_desc, relative_base) == 32, "desc");
_Static_assert(__builtin_offsetof(struct ksym_desc, sections) == 36, "desc");
_Static_assert(__builtin_offsetof(struct ksym_desc, num_syms) == 64, "desc");
_Static_assert(__builtin_offsetof(struct ksym_desc, reserved) == 76, "desc");
_Static_assert(sizeof(struct ksym_module) == 24, "ksym_module");
_Static_assert(sizeof(struct ksym_sympos) == 20, "ksym_sympos");
_Static_assert(sizeof(struct ksym_klp_sym) == 20, "ksym_klp_sym");
_Static_assert(sizeof(struct ksym_klp_rela) == 16, "ksym_klp_rela");
#endif
#endif

/* ---- setup ---------------------------------------------------------------- */

/*
 * ksym_table_init - validate the arrays @desc describes and store the table
 * @table: storage, not in use by another thread during the call
 * @desc: the arrays; they must stay valid and unchanged while @table is used
 *
 * Called once at boot, before any other ksym_ function on @table.
 * Return: 0; -EINVAL (NULL argument, misaligned @table, unknown flags or
 * layout bits, reserved != 0, a layout whose addresses do not fit unsigned
 * long, a NULL array that must have bytes, a length over PTRDIFF_MAX); or
 * -EUCLEAN (the arrays fail validation: ksym_desc_check() says where). On
 * error *@table is not written.
 *
 * Safety: @table NULL or writable storage of struct ksym_table; @desc NULL or
 * readable, with arrays readable for the lengths it implies (see struct
 * ksym_desc) for as long as @table is used.
 */
int ksym_table_init(struct ksym_table *table, const struct ksym_desc *desc);

/*
 * ksym_desc_check - validate like ksym_table_init() without storing anything
 * @err: NULL, or where the arrays are wrong (written on failure: that is its
 *       purpose)
 *
 * Return: 0; -EINVAL as ksym_table_init() (@err written only for unknown
 * layout bits, KSYM_ARRAY_LAYOUT); or -EUCLEAN with *@err set.
 *
 * Safety: @desc as for ksym_table_init(), for the call only; @err NULL or
 * writable.
 */
int ksym_desc_check(const struct ksym_desc *desc, struct ksym_format_error *err);

/*
 * ksym_table_attach_caches - fill two fixed caches and make @table use them
 * @table: an initialised table, not in use by another thread during the call
 * @caches: storage for this table only; it must stay valid and unchanged while
 *          @table is used
 *
 * The caches hold the name offsets of the top ten levels of the name-order
 * binary search (tables with kallsyms_seqs_of_names only) and the addresses of
 * 512 evenly spaced symbols: 8 KiB in all, whatever the table's size, so they
 * fit static storage beside the struct ksym_table. Call it once at boot, after
 * ksym_table_init(). The answers do not change; name lookups get about 1.5x
 * faster, and address lookups start their search among 1/512 of the symbols
 * (the kernel's C has no such caches).
 * Return: 0; -EINVAL (NULL, misaligned or uninitialised @table, NULL or
 * misaligned @caches: neither is written). Calling it again fills the caches
 * again.
 *
 * Safety: @table NULL or a struct ksym_table (zeroed or initialised); @caches
 * NULL or writable storage of struct ksym_caches.
 */
int ksym_table_attach_caches(struct ksym_table *table, struct ksym_caches *caches);

/* ---- symbols by position ---------------------------------------------------
 * Safety, for @table here and below: NULL, or a struct ksym_table that is
 * zeroed or was filled by ksym_table_init() from arrays still valid.
 */

/* kallsyms_num_syms, or 0 for a NULL or uninitialised table. */
unsigned int ksym_num_syms(const struct ksym_table *table);

/*
 * ksym_sym_address - kallsyms_sym_address(): the address of symbol @idx in
 * address order; 0 for @idx >= num_syms or a bad table (the kernel does not
 * check @idx).
 */
unsigned long ksym_sym_address(const struct ksym_table *table, unsigned int idx);

/*
 * ksym_get_symbol_seq - get_symbol_seq(): the address-order position of
 * name-order position @index (the identity without kallsyms_seqs_of_names)
 * Return: 0 with *@seq set; -EINVAL (bad table, NULL @seq, @index >= num_syms).
 * Safety: @seq NULL or writable.
 */
int ksym_get_symbol_seq(const struct ksym_table *table, unsigned int index,
			unsigned int *seq);

/*
 * ksym_get_symbol_type - kallsyms_get_symbol_type(): the nm type letter of
 * symbol @pos (address order)
 * Return: the letter (> 0); -EINVAL (bad table, @pos >= num_syms).
 * Differs from the kernel, which takes the offset of the name record: a
 * position can be checked, an offset cannot without a walk. Reads the right
 * byte for names of more than 127 tokens (6.12 did not before f3f9f42232de).
 */
int ksym_get_symbol_type(const struct ksym_table *table, unsigned int pos);

/* ---- names to symbols ----------------------------------------------------- */

/*
 * ksym_lookup_name - kallsyms_lookup_name(): the address of the lowest-address
 * symbol named exactly @name, or 0 when there is none (also for an empty or
 * invalid name and a bad table). The kernel then asks the modules; this does
 * not.
 * Safety: @name NULL or readable for @len bytes (the _str variant: NULL, or
 * readable up to its NUL or for KSYM_NAME_LEN bytes; no NUL there: 0).
 */
unsigned long ksym_lookup_name(const struct ksym_table *table, const char *name,
			       size_t len);
unsigned long ksym_lookup_name_str(const struct ksym_table *table,
				   const char *name);

/*
 * ksym_lookup_names - kallsyms_lookup_names(): the first and last name-order
 * positions (for ksym_get_symbol_seq()) of the symbols named @name
 * Return: 0 with *@start and *@end (if @end is not NULL, as in the kernel) set;
 * -ESRCH when no symbol has the name (also an empty name, and tables without
 * kallsyms_seqs_of_names); -EINVAL (bad table, NULL @start, invalid name).
 * Safety: @name as ksym_lookup_name(); @start and @end NULL or writable.
 */
int ksym_lookup_names(const struct ksym_table *table, const char *name,
		      size_t len, unsigned int *start, unsigned int *end);
int ksym_lookup_names_str(const struct ksym_table *table, const char *name,
			  unsigned int *start, unsigned int *end);

/*
 * ksym_on_each_symbol - kallsyms_on_each_symbol(): call @fn for every symbol
 * in address order with its NUL-terminated name, until @fn returns non-zero
 * Return: 0 after the last symbol; the first non-zero value of @fn; -EINVAL
 * (bad table, NULL @fn) before any call.
 * Safety: @fn NULL or callable with @data; the name is valid during the call.
 */
int ksym_on_each_symbol(const struct ksym_table *table, ksym_symbol_fn fn,
			void *data);

/*
 * ksym_on_each_match_symbol - kallsyms_on_each_match_symbol(): call @fn with
 * the address of every symbol matching @name, in address order, until @fn
 * returns non-zero
 * @match: KSYM_MATCH_EXACT (the kernel's matching), or KSYM_MATCH_* suffix
 *         kinds that may follow the name (foo.llvm.123, foo.isra.0, ...)
 * Return: 0 (also when nothing matches, as the kernel); the first non-zero
 * value of @fn; -EINVAL (bad table, NULL @fn, invalid name, unknown @match
 * bits) before any call.
 * Safety: @fn NULL or callable with @data; @name as ksym_lookup_name().
 */
int ksym_on_each_match_symbol(const struct ksym_table *table, ksym_match_fn fn,
			      const char *name, size_t len, unsigned int match,
			      void *data);
int ksym_on_each_match_symbol_str(const struct ksym_table *table,
				  ksym_match_fn fn, const char *name,
				  unsigned int match, void *data);

/* ---- addresses to symbols -----------------------------------------------------
 * vmlinux only: where these fail, the kernel goes on to modules, BPF, ftrace.
 * The size of a symbol that lies past its section end is 0 (the kernel's
 * wraps around).
 */

/*
 * ksym_lookup - kallsyms_lookup(): the name of the symbol covering @addr
 * Return: @namebuf with the NUL-terminated name, *@symbolsize and *@offset set
 * (each may be NULL); or NULL: @addr not in the sections (is_ksym_addr()), an
 * empty name (as the kernel's strlen() test), @namebuf too small
 * (KSYM_NAME_LEN always suffices), or a bad argument. Differs from the kernel:
 * no modname (always NULL for vmlinux), a sized buffer, and nothing written
 * when NULL is returned (the kernel clears namebuf).
 * Safety: @symbolsize, @offset NULL or writable; @namebuf NULL or writable for
 * @size bytes.
 */
const char *ksym_lookup(const struct ksym_table *table, unsigned long addr,
			unsigned long *symbolsize, unsigned long *offset,
			char *namebuf, size_t size);

/*
 * ksym_lookup_size_offset - kallsyms_lookup_size_offset()
 * Return: 1 with *@symbolsize and *@offset set (each may be NULL); 0 when
 * @addr is not in the sections or the table is bad.
 */
int ksym_lookup_size_offset(const struct ksym_table *table, unsigned long addr,
			    unsigned long *symbolsize, unsigned long *offset);

/*
 * ksym_lookup_symbol_name - lookup_symbol_name(): the NUL-terminated name of
 * the symbol covering @addr
 * Return: 0; -ENOENT (@addr not in the sections; the kernel then asks the
 * modules, whose "not found" is -ERANGE); -ERANGE (@symname too small;
 * KSYM_NAME_LEN always suffices); -EINVAL (bad table, NULL @symname with a
 * size). @symname is written only on success (the kernel clears it first).
 * Safety: @symname NULL or writable for @size bytes.
 */
int ksym_lookup_symbol_name(const struct ksym_table *table, unsigned long addr,
			    char *symname, size_t size);

/*
 * ksym_sprint_symbol - sprint_symbol(): "name+0xoff/0xsize", or "0x<address>"
 * when no symbol covers @address, NUL-terminated (numbers as the kernel's
 * %#lx). Module names (" [mod]") are the kernel's to add.
 * Return: the length (without the NUL); -ERANGE (@buffer too small for the
 * whole text; KSYM_SPRINT_LEN always suffices); -EINVAL (bad table, NULL
 * @buffer with a size). @buffer is written only on success.
 * Safety: @buffer NULL or writable for @size bytes.
 */
int ksym_sprint_symbol(const struct ksym_table *table, char *buffer,
		       size_t size, unsigned long address);

/*
 * ksym_sympos_of_address - the (name, sympos) a livepatch gives to select the
 * symbol covering @addr (the one ksym_lookup() names); the reverse of
 * ksym_find_object_symbol(), no kernel counterpart
 * @match: KSYM_MATCH_EXACT: the name is the symbol's own; with suffix kinds it
 *         is the name without the suffixes they allow (foo for foo.isra.0
 *         under KSYM_MATCH_CLONE), and positions count every symbol matching
 *         it that way.
 * Return: 0 with the NUL-terminated name in @name and *@out set; -ENOENT (no
 * symbol covers @addr); -ERANGE (@name too small; KSYM_NAME_LEN suffices);
 * -EINVAL (bad table, unknown @match bits, NULL @out, NULL @name with a size).
 * Safety: @name NULL or writable for @size bytes; @out NULL or writable.
 */
int ksym_sympos_of_address(const struct ksym_table *table, unsigned long addr,
			   unsigned int match, char *name, size_t size,
			   struct ksym_sympos *out);

/* ---- livepatch ------------------------------------------------------------- */

/*
 * ksym_find_object_symbol - klp_find_object_symbol() (kernel/livepatch/core.c
 * 6.12): the address of the @sympos-th symbol named exactly @name (0: the name
 * must be unique), in vmlinux (@module NULL: in address order, as
 * kallsyms_on_each_match_symbol()) or in @module (its defined symbols in
 * symbol-table order, as module_kallsyms_on_each_symbol())
 * @flags: 0, or KSYM_KLP_ZERO_IS_FOUND
 * Return: 0 with *@addr set; or -EINVAL, the kernel's only error, for its
 * cases: not found (an address of 0 counts as not found, as in the kernel,
 * unless KSYM_KLP_ZERO_IS_FOUND), ambiguous (sympos 0, several matches),
 * position not found; and for bad arguments (NULL @addr, bad table or module,
 * invalid name, unknown flags). *@reason (if @reason is not NULL) gets
 * KSYM_KLP_OK or the failure's KSYM_KLP_* code; the kernel's pr_err() text is
 * the caller's to print. Differs from the kernel, which sets *addr = 0 on
 * failure: *@addr is written only on success.
 * Safety: @vmlinux as @table above (unused when @module is not NULL); @module
 * NULL or readable with arrays readable for their sizes; @name as
 * ksym_lookup_name(); @addr, @reason NULL or writable.
 */
int ksym_find_object_symbol(const struct ksym_table *vmlinux,
			    const struct ksym_module *module, const char *name,
			    size_t len, unsigned long sympos, unsigned int flags,
			    unsigned long *addr, int *reason);
int ksym_find_object_symbol_str(const struct ksym_table *vmlinux,
				const struct ksym_module *module,
				const char *name, unsigned long sympos,
				unsigned int flags, unsigned long *addr,
				int *reason);

/*
 * ksym_klp_sym_parse - parse ".klp.sym.<objname>.<name>,<sympos>" as
 * klp_resolve_symbols() does with sscanf(".klp.sym.%55[^.].%511[^,],%lu");
 * @out's strings point into @s
 * Return: 0 with *@out set; -EINVAL (the kernel's "incorrectly formatted
 * name", and NULL arguments). Stricter than sscanf, which reads a partial
 * result: an object name over 55 bytes or a symbol name over 511 is an error,
 * not cut; so are blanks or a sign before the sympos, bytes after it, and a
 * sympos too large for unsigned long.
 * Safety: @s NULL or readable for @len bytes (the _str variant: NULL, or
 * readable up to its NUL or for KSYM_KLP_SYM_LEN bytes; no NUL there:
 * -EINVAL); @out NULL or writable.
 */
int ksym_klp_sym_parse(const char *s, size_t len, struct ksym_klp_sym *out);
int ksym_klp_sym_parse_str(const char *s, struct ksym_klp_sym *out);

/*
 * ksym_klp_rela_parse - parse ".klp.rela.<objname>.<section>"
 * (klp_write_section_relocs() reads ".klp.rela.%55[^.]"); @out's strings
 * point into @s
 * Return: 0 with *@out set; -EINVAL (also an object name over 55 bytes, which
 * sscanf would cut, and a missing section part, which it would not check).
 * Safety: @s NULL or readable for @len bytes; @out NULL or writable.
 */
int ksym_klp_rela_parse(const char *s, size_t len, struct ksym_klp_rela *out);

#ifdef __cplusplus
}
#endif

#endif /* KSYM_H */
