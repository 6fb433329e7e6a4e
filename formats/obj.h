/* SPDX-License-Identifier: MIT */
/*
 * obj.h - the in-memory model of one object file, for every format.
 *
 * A struct obj owns its sections, symbols and relocations.  It is built
 * zero-copy over bytes the caller keeps alive (usually a read-only mmap,
 * see objfile.h); names point into those bytes where the format stores
 * them NUL-terminated and into the obj's arena otherwise.
 *
 * Readers (formats/elf.c, macho.c, coff.c, wasm.c) fill the model through
 * obj_add_section(), obj_add_symbol() and obj_add_reloc(), then call
 * obj_finalize(), which sorts, indexes, derives missing symbol sizes and
 * resolves section-relative relocation targets to "symbol + offset".
 */
#ifndef IPBP_OBJ_H
#define IPBP_OBJ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

enum obj_format {
	FORMAT_ELF,
	FORMAT_MACHO,
	FORMAT_COFF,
	FORMAT_WASM,
};

enum obj_arch {
	ARCH_UNKNOWN,
	ARCH_X86_64,
	ARCH_I386,
	ARCH_AARCH64,
	ARCH_ARM,
	ARCH_WASM32,
};

enum obj_type {
	OBJ_RELOCATABLE,	/* .o, .obj, Wasm object with a linking section */
	OBJ_SHARED,		/* .so, .dylib, DLL */
	OBJ_EXECUTABLE,		/* ET_EXEC/PIE, MH_EXECUTE, EXE, linked Wasm */
};

enum section_kind {
	SEC_CODE,
	SEC_DATA,		/* writable, initialized */
	SEC_RODATA,
	SEC_BSS,		/* no bytes in the file */
	SEC_TLS_DATA,
	SEC_TLS_BSS,
	SEC_STRINGS,		/* mergeable C strings: compared by content */
	SEC_DEBUG,		/* DWARF, CodeView, Wasm name/producers... */
	SEC_NOTE,		/* notes, .comment, build ids, idents */
	SEC_UNWIND,		/* .eh_frame, __compact_unwind, .pdata/.xdata */
	SEC_META,		/* symbol/string/relocation tables, groups, linking */
	SEC_OTHER,
};

#define SECF_ALLOC	0x01u	/* occupies memory at run time */
#define SECF_WRITE	0x02u
#define SECF_EXEC	0x04u
#define SECF_MERGE	0x08u	/* the linker may merge equal entries */
#define SECF_STRINGS	0x10u	/* entries are NUL-terminated strings */
#define SECF_TLS	0x20u
#define SECF_COMDAT	0x40u	/* member of a COMDAT group (see comdat) */
#define SECF_COMPRESSED	0x80u	/* data holds compressed bytes (ELF
				 * SHF_COMPRESSED that the reader could not
				 * or was asked not to inflate), without
				 * relocations */

enum symbol_kind {
	SYMK_NOTYPE,
	SYMK_FUNC,
	SYMK_DATA,
	SYMK_TLS,
	SYMK_SECTION,
	SYMK_FILE,
};

enum symbol_bind {
	BIND_LOCAL,
	BIND_GLOBAL,
	BIND_WEAK,
};

#define SYMF_UNDEF	0x01u	/* defined elsewhere */
#define SYMF_ABS	0x02u	/* absolute value, no section */
#define SYMF_COMMON	0x04u	/* tentative definition; size is its size */
#define SYMF_DERIVED	0x08u	/* size derived by obj_finalize(), not stored */
#define SYMF_HIDDEN	0x10u	/* visibility hidden/internal/private extern */
#define SYMF_TEMP	0x20u	/* assembler temporary (.L*, ltmp*, $...) */
#define SYMF_DEBUG	0x40u	/* a debugger-only entry (Mach-O stab) */
#define SYMF_SYNTHETIC	0x80u	/* made by the model, not in the file */
#define SYMF_INDIRECT	0x100u	/* its value is a resolver that returns the
				 * function's address (ELF STT_GNU_IFUNC) */

/*
 * Normalized relocation kinds: what the field means, independent of the
 * format.  The native type is kept too (reloc->type, obj_reloc_type_name()).
 */
enum reloc_kind {
	RK_NONE,
	RK_ABS,		/* S + A, absolute, width 1/2/4/8 */
	RK_PCREL,	/* S + A - P (data or instruction field) */
	RK_BRANCH,	/* call/jump displacement (x86 rel32 to PLT, arm64 b/bl) */
	RK_GOT,		/* GOT entry or GOT-relative reference */
	RK_PAGE,	/* page-relative high part: arm64 adrp, arm movw/movt hi */
	RK_PAGEOFF,	/* low part: arm64 :lo12:, add/ldr immediates */
	RK_TLS,		/* any TLS model: tpoff, dtpoff, tlsgd, tlvp, secrel */
	RK_SECREL,	/* COFF: offset within the target's section */
	RK_SECTION,	/* COFF: section index of the target */
	RK_IMAGEREL,	/* image-relative (COFF ADDR32NB, RVA) */
	RK_SUB,		/* Mach-O SUBTRACTOR: S2 - S1 + A (see reloc->sub) */
	RK_WASM_INDEX,	/* Wasm function/type/global/table/tag index */
	RK_WASM_ADDR,	/* Wasm memory address (LEB, SLEB or I32/I64) */
	RK_WASM_OFFSET,	/* Wasm function/section offset */
	RK_OTHER,
};

#define RELF_DECODED	0x01u	/* found by instruction decoding, not in the file */
#define RELF_INLINE	0x02u	/* addend was stored in the bytes (REL style) */
#define RELF_LEB	0x04u	/* field is a padded (S)LEB128 (Wasm) */

struct obj;
struct section;
struct symbol;
struct lazy_relocs;
struct spans;

struct reloc {
	struct section *sec;	/* where the field is */
	uint64_t offset;	/* of the field, from the start of sec */
	uint32_t type;		/* native type number */
	enum reloc_kind kind;
	uint8_t width;		/* bytes of the field that the linker writes */
	uint8_t flags;		/* RELF_* */
	struct symbol *sym;	/* target; NULL only for RK_NONE and Wasm
				 * type indexes (RK_WASM_INDEX) */
	struct symbol *sub;	/* RK_SUB: the subtracted symbol */
	int64_t addend;		/* effective addend, wherever it was stored */
	int64_t bias;		/* sym + addend + bias is the address the
				 * instruction refers to (x86 ELF pc-relative:
				 * 4, as the addend counts from the field) */

	/* Filled by obj_finalize(): the target with section-relative
	 * references resolved to the covering symbol.  target_offset is the
	 * referenced address minus the target's start. */
	struct symbol *target;
	int64_t target_offset;
};

struct section {
	unsigned index;		/* position in obj->sections */
	uint32_t native_index;	/* the format's own number, for messages */
	const char *name;	/* "__TEXT,__text" for Mach-O */
	enum section_kind kind;
	uint32_t flags;		/* SECF_* */
	uint64_t addr;		/* address in linked images, 0 in objects */
	uint64_t size;
	uint64_t align;		/* in bytes, 0 or a power of two */
	uint64_t entsize;
	const uint8_t *data;	/* NULL for SEC_BSS, SEC_TLS_BSS */
	const char *comdat;	/* COMDAT group signature, or NULL */
	struct symbol *secsym;	/* the section's own symbol, if any */

	/* Filled by obj_finalize(). */
	struct reloc **relocs;	/* sorted by offset */
	size_t nr_relocs;
	struct symbol **syms;	/* defined symbols here, sorted by offset */
	size_t nr_syms;
	/* Private to obj.c: where in syms each stretch of 1 << sym_shift
	 * bytes begins (see index_symbol_offsets()), or NULL. */
	uint32_t *sym_starts;
	unsigned sym_shift;

	/* Loaded with OBJ_LOAD_LAZY: the relocations not loaded yet, which
	 * obj_load_range() reads; NULL once all of them are in relocs. */
	struct lazy_relocs *lazy;
	/* Private to obj_decode_range() (decode.h): the code it has decoded,
	 * or NULL; released with the object. */
	struct spans *decoded;
};

struct symbol {
	unsigned index;		/* position in obj->symbols */
	uint32_t native_index;	/* the format's own number */
	const char *name;	/* exactly as the file spells it */
	enum symbol_kind kind;
	enum symbol_bind bind;
	uint32_t flags;		/* SYMF_* */
	struct section *sec;	/* NULL when undefined, absolute or common */
	uint64_t offset;	/* from the start of sec (value - sec->addr) */
	uint64_t value;		/* the raw value the file stores */
	uint64_t size;
	const char *file;	/* source file of a local symbol, or NULL */
	struct symbol *hash_next;	/* obj_find_symbol() chain */
};

struct obj_ops;

struct obj {
	const char *name;	/* "path" or "lib.a(member.o)" */
	enum obj_format format;
	enum obj_arch arch;
	enum obj_type type;
	uint8_t bits;		/* 32 or 64 */
	bool big_endian;
	uint32_t machine;	/* native machine/cputype number */
	const uint8_t *data;	/* not owned */
	size_t size;
	const struct obj_ops *ops;	/* the reader that built it */
	void *priv;		/* the reader's own state, released with ops */
	unsigned load_flags;	/* OBJ_LOAD_* */

	struct section **sections;
	size_t nr_sections;
	struct symbol **symbols;
	size_t nr_symbols;
	struct reloc **relocs;	/* all of them, in file order */
	size_t nr_relocs;

	/* Private to obj.c. */
	struct symbol **sym_hash;
	size_t sym_hash_size;
	size_t finalized_symbols;	/* nr_symbols at the last obj_finalize() */
	size_t cap_sections, cap_symbols, cap_relocs;
	struct arena_chunk *arena;
};

/*
 * The operations each format provides (formats/elf.c fills elf_ops, ...).
 * probe() looks at the first bytes only; load() builds the model from
 * obj->data/size and returns 0 or a negative value with err set.
 */
struct obj_ops {
	const char *name;	/* "elf", "macho", "coff", "wasm" */
	enum obj_format format;
	bool (*probe)(const uint8_t *data, size_t size);
	int (*load)(struct obj *obj, struct ipbp_err *err);
	void (*release)(struct obj *obj);
	const char *(*reloc_type_name)(const struct obj *obj, uint32_t type);
	/* OBJ_LOAD_LAZY: adds (obj_add_reloc()) the relocations of sec whose
	 * field starts in [start, end); state is what the reader gave
	 * obj_defer_relocs().  Returns 0, or a negative value with err set. */
	int (*load_range)(struct obj *obj, struct section *sec, const void *state,
			  uint64_t start, uint64_t end, struct ipbp_err *err);
};

extern const struct obj_ops elf_ops, macho_ops, coff_ops, wasm_ops;

/* Lifecycle. obj_load() picks the reader by magic number. */
int obj_load(struct obj **out, const char *name, const uint8_t *data,
	     size_t size, struct ipbp_err *err);
void obj_free(struct obj *obj);

/*
 * OBJ_LOAD_LAZY: the relocations of code sections stay in the file until
 * obj_load_range() asks for a range of them, so that a tool that looks at
 * a few functions of a large object (mkpatch with a diff stream) reads
 * those functions' relocations only.  Readers that cannot defer load all
 * of them as usual (ELF defers, for the architectures instructions are
 * decoded for; Mach-O, COFF and Wasm do not).  Until every range is
 * loaded, sec->relocs holds the loaded ranges' only.  A reader that defers
 * still refuses at load what a full load refuses (ELF: bad symbol indexes,
 * fields outside their section).
 */
#define OBJ_LOAD_LAZY	0x1u
/*
 * OBJ_LOAD_KEEP_COMPRESSED: compressed sections keep their compressed
 * bytes (SECF_COMPRESSED, relocations checked, then left out), for a
 * reader of symbols and code: only debug information is ever compressed,
 * and the debug file of a library (found by build-id) has megabytes of it
 * that would take tens of milliseconds to inflate.
 */
#define OBJ_LOAD_KEEP_COMPRESSED	0x2u

int obj_load_flags(struct obj **out, const char *name, const uint8_t *data,
		   size_t size, unsigned flags, struct ipbp_err *err);
/*
 * Loads and indexes (obj_finalize_added()) the relocations of sec whose
 * field starts in [start, end) and were not loaded yet.  A section that
 * is not lazy has them all already: 0.  Returns 0, or -1 with err set.
 */
int obj_load_range(struct obj *obj, struct section *sec, uint64_t start, uint64_t end,
		   struct ipbp_err *err);

/* Builders, for readers.  Returned elements are zeroed and stay valid. */
struct section *obj_add_section(struct obj *obj);
struct symbol *obj_add_symbol(struct obj *obj);
struct reloc *obj_add_reloc(struct obj *obj);
void *obj_alloc(struct obj *obj, size_t size);		/* zeroed, arena */
/* For readers, during load(): sec's relocations stay in the file; the
 * reader's load_range() gets state back.  Returns 0, or -1 (out of memory). */
int obj_defer_relocs(struct obj *obj, struct section *sec, const void *state);
/* The section's symbol; one is made (SYMF_SYNTHETIC) for formats without. */
struct symbol *obj_section_symbol(struct obj *obj, struct section *sec);
const char *obj_strndup(struct obj *obj, const char *s, size_t len);
const char *obj_sprintf(struct obj *obj, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Indexes the model; may be called again after more relocations were
 * added (instruction decoding does). */
int obj_finalize(struct obj *obj, struct ipbp_err *err);
/*
 * What obj_finalize() would do after it ran once and then relocations were
 * only added (obj->relocs from first on) and the biases of the nr_rebiased
 * relocations of rebiased changed: indexes the added ones and names the
 * targets of both, without redoing the rest.  It does redo everything when
 * symbols were added since, or when one of those relocations takes part in
 * a relative jump table.
 */
int obj_finalize_added(struct obj *obj, size_t first, struct reloc *const *rebiased,
		       size_t nr_rebiased, struct ipbp_err *err);

/* Readers report errors about the object through this: "NAME: msg". */
int obj_error(const struct obj *obj, struct ipbp_err *err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * Overflow-safe bounds check: true when [off, off+len) lies within
 * [0, size).  Every reader checks every offset and count with it.
 */
static inline bool in_bounds(uint64_t size, uint64_t off, uint64_t len)
{
	return off <= size && len <= size - off;
}

/* Lookups. */
struct symbol *obj_find_symbol(const struct obj *obj, const char *name);
struct section *obj_find_section(const struct obj *obj, const char *name);
/* The defined, non-section symbol covering sec+offset (largest start <= offset
 * whose extent covers it); NULL when none does. */
struct symbol *obj_find_symbol_covering(const struct section *sec, uint64_t offset);
/* The index in sec->relocs of the first relocation at or after offset
 * (sec->nr_relocs when none is). */
size_t obj_first_reloc(const struct section *sec, uint64_t offset);
/* The index in sec->syms of the first symbol after offset (sec->nr_syms
 * when none is). */
size_t obj_first_symbol_after(const struct section *sec, uint64_t offset);
/* The relocation whose field contains sec+offset, or NULL. */
struct reloc *obj_find_reloc(const struct section *sec, uint64_t offset);
/* The same two, fast for offsets that mostly increase (a linear sweep):
 * *hint, 0 at first, keeps where the last lookup ended.  Any order of
 * offsets gives the same answers. */
struct symbol *obj_find_symbol_covering_hint(const struct section *sec, uint64_t offset,
					     size_t *hint);
struct reloc *obj_find_reloc_hint(const struct section *sec, uint64_t offset, size_t *hint);
/* obj_first_reloc(), fast for offsets that mostly increase in the same way. */
size_t obj_first_reloc_hint(const struct section *sec, uint64_t offset, size_t *hint);

const char *obj_reloc_type_name(const struct obj *obj, uint32_t type);

/* Names for printing and JSON. */
const char *obj_format_name(enum obj_format f);
const char *obj_arch_name(enum obj_arch a);
const char *obj_type_name(enum obj_type t);
const char *section_kind_name(enum section_kind k);
const char *symbol_kind_name(enum symbol_kind k);
const char *symbol_bind_name(enum symbol_bind b);
const char *reloc_kind_name(enum reloc_kind k);

static inline bool is_defined(const struct symbol *s)
{
	return !(s->flags & (SYMF_UNDEF | SYMF_COMMON));
}

static inline bool is_code_section(const struct section *sec)
{
	return sec->kind == SEC_CODE;
}

static inline bool is_table_data(const struct section *sec)
{
	return sec->kind == SEC_RODATA || sec->kind == SEC_DATA;
}

/* Whether a relocation of kind in from, against sym, is a code reference
 * to an anonymous place in table data: where a relative jump table starts,
 * which obj_finalize() anchors the table's entries to.  A reader that
 * defers relocations loads these at once (inline: it asks for every entry
 * of every table it defers). */
static inline bool obj_is_table_reference(const struct section *from, enum reloc_kind kind,
					  const struct symbol *sym)
{
	return is_code_section(from) && kind == RK_PCREL && sym && sym->kind == SYMK_SECTION &&
	       sym->sec && is_table_data(sym->sec);
}

#define for_each_section(obj, s) \
	for (size_t _i_##s = 0; _i_##s < (obj)->nr_sections && ((s) = (obj)->sections[_i_##s], 1); _i_##s++)
#define for_each_symbol(obj, s) \
	for (size_t _i_##s = 0; _i_##s < (obj)->nr_symbols && ((s) = (obj)->symbols[_i_##s], 1); _i_##s++)
#define for_each_reloc(obj, r) \
	for (size_t _i_##r = 0; _i_##r < (obj)->nr_relocs && ((r) = (obj)->relocs[_i_##r], 1); _i_##r++)
#define for_each_section_reloc(sec, r) \
	for (size_t _i_##r = 0; _i_##r < (sec)->nr_relocs && ((r) = (sec)->relocs[_i_##r], 1); _i_##r++)

/*
 * Resource limits (against a tiny input that claims millions of entries):
 * counts read from a file must also fit the file, which readers check with
 * in_bounds(); these caps bound what no byte count limits.
 */
#define OBJ_MAX_SECTIONS	(1u << 22)
#define OBJ_MAX_SYMBOLS		(1u << 26)
#define OBJ_MAX_RELOCS		(1u << 28)

#endif
