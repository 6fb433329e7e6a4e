/* SPDX-License-Identifier: MIT */
/*
 * wasm.c - the WebAssembly reader: binary modules (magic "\0asm",
 * version 1), relocatable objects (with a "linking" section, version 2)
 * and linked modules.  Written by hand; the specs are the WebAssembly core
 * binary format and LLVM's tool-conventions/Linking.md.
 *
 * The model:
 *
 * - One struct section per Wasm section, in file order, named the way
 *   llvm-objdump -h names them ("TYPE", "IMPORT", "CODE", "DATA", ... or
 *   the custom section's own name).  Custom sections hold the bytes after
 *   their name.  CODE is SEC_CODE with data = the whole code section
 *   payload, so offsets inside it are payload-relative, the way
 *   llvm-objdump -r and wasm-objdump -r print relocation offsets.
 *
 * - Data segments: each segment is a struct section of its own, appended
 *   right after the "DATA" section, named as WASM_SEGMENT_INFO names it
 *   (".rodata.str1.1", ".data.x", ".bss.y"; in linked modules from the name
 *   section's data segment names, else "DATA.N").  "section + offset" thus
 *   means "segment + offset", as with ELF -fdata-sections.  The "DATA"
 *   section itself is kept as SEC_META (segment headers and bytes; no
 *   symbol or relocation lives in it).  A segment's kind follows its name
 *   (.rodata -> SEC_RODATA, .bss -> SEC_BSS, .tdata/.tbss -> SEC_TLS_*,
 *   else SEC_DATA) and its flags (WASM_SEG_FLAG_STRINGS -> SEC_STRINGS with
 *   SECF_MERGE|SECF_STRINGS, WASM_SEG_FLAG_TLS -> SECF_TLS).  Its addr is
 *   the address its i32/i64.const init expression gives (0 for passive
 *   segments or other expressions), also in objects: Wasm objects assign
 *   provisional addresses and llvm-objdump -t prints data symbol values
 *   from them.  BSS segments still have their zero bytes in the file, but
 *   data is NULL for them as obj.h asks.
 *
 * - Relocations in reloc.DATA are mapped to the segment holding the field,
 *   with the offset relative to the segment's data.  To compare with the
 *   oracles' DATA-relative offsets, add the offset of the segment's data
 *   within the DATA payload (t0400 computes it from wasm-objdump's segment
 *   headers).  Other relocations keep the section-payload-relative offset.
 *
 * - Symbols of objects come from WASM_SYMBOL_TABLE:
 *   FUNCTION: defined ones are SYMK_FUNC in CODE, offset = value = start of
 *   the function's body entry (its size LEB, where llvm-objdump puts it),
 *   size = the entry's size (size LEB + body), so consecutive functions
 *   tile the section.  Relocations of kind FUNCTION_OFFSET count from the
 *   body after the size LEB: their bias is the size LEB's length.
 *   DATA: SYMK_DATA (SYMK_TLS with WASM_SYM_TLS or in a TLS segment) in the
 *   segment's section, offset = the symbol's offset in the segment, value
 *   = segment address + offset (llvm-objdump -t's value).
 *   GLOBAL (SYMK_DATA, or SYMK_TLS), TABLE and TAG (SYMK_NOTYPE): they live
 *   in index spaces, not in bytes: defined ones have no section, SYMF_ABS
 *   and value = their index.
 *   SECTION: SYMK_SECTION on the custom section, named like it.
 *   Binding LOCAL/WEAK, else GLOBAL; VISIBILITY_HIDDEN -> SYMF_HIDDEN;
 *   local ".L*" names -> SYMF_TEMP.  Undefined symbols without an explicit
 *   name take the import's field name (as llvm-nm does).
 *
 * - TYPE_INDEX_LEB relocations refer to a type, not a symbol: each is
 *   given a synthetic symbol (not in the file's table: native_index
 *   UINT32_MAX), SYMK_NOTYPE, BIND_LOCAL, SYMF_ABS, value = the type index,
 *   named by the signature ("type:(i32,i32)->i32"), so that the same
 *   signature compares equal across objects whatever its number.
 *
 * - Linked modules (no "linking" section): defined functions named by the
 *   name section become SYMK_FUNC with exact extents in CODE (global when
 *   exported under that name, else local); exports add global symbols
 *   (functions at their extents, globals/memories/tables/tags as SYMF_ABS
 *   index symbols); imports are undefined symbols named by their field
 *   (functions and globals by the name section when it names them).
 *
 * WASM_COMDAT_INFO marks data segments and custom sections SECF_COMDAT with
 * the group's name; functions share the one CODE section, so their COMDAT
 * membership is not recorded.  WASM_INIT_FUNCS is validated only.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "obj.h"

/* ---- constants (WebAssembly core spec, LLVM BinaryFormat/Wasm.h) ---- */

enum {
	WSEC_CUSTOM, WSEC_TYPE, WSEC_IMPORT, WSEC_FUNCTION, WSEC_TABLE,
	WSEC_MEMORY, WSEC_GLOBAL, WSEC_EXPORT, WSEC_START, WSEC_ELEM,
	WSEC_CODE, WSEC_DATA, WSEC_DATACOUNT, WSEC_TAG, NR_WSEC_IDS
};

/* Import/export kinds, which are also our index spaces. */
enum { SP_FUNC, SP_TABLE, SP_MEMORY, SP_GLOBAL, SP_TAG, NR_SPACES };

enum {
	LINK_SEGMENT_INFO = 5, LINK_INIT_FUNCS = 6, LINK_COMDAT_INFO = 7,
	LINK_SYMBOL_TABLE = 8,
};

enum {
	SYMTYPE_FUNCTION, SYMTYPE_DATA, SYMTYPE_GLOBAL, SYMTYPE_SECTION,
	SYMTYPE_TAG, SYMTYPE_TABLE,
};

#define WSYM_BINDING_WEAK	0x01u
#define WSYM_BINDING_LOCAL	0x02u
#define WSYM_VISIBILITY_HIDDEN	0x04u
#define WSYM_UNDEFINED		0x10u
#define WSYM_EXPORTED		0x20u
#define WSYM_EXPLICIT_NAME	0x40u
#define WSYM_NO_STRIP		0x80u
#define WSYM_TLS		0x100u
#define WSYM_ABSOLUTE		0x200u

#define WSEG_FLAG_STRINGS	0x1u
#define WSEG_FLAG_TLS		0x2u

#define WDATA_PASSIVE		0x1u
#define WDATA_HAS_MEMINDEX	0x2u

#define WLIMITS_HAS_MAX		0x1u
#define WLIMITS_IS_64		0x4u

enum { COMDAT_DATA = 0, COMDAT_FUNCTION = 1, COMDAT_SECTION = 5 };

enum { NAMES_FUNCTION = 1, NAMES_GLOBAL = 7, NAMES_DATA_SEGMENT = 9 };

/* Relocation types (LLVM BinaryFormat/WasmRelocs.def). */
enum {
	R_FUNCTION_INDEX_LEB, R_TABLE_INDEX_SLEB, R_TABLE_INDEX_I32,
	R_MEMORY_ADDR_LEB, R_MEMORY_ADDR_SLEB, R_MEMORY_ADDR_I32,
	R_TYPE_INDEX_LEB, R_GLOBAL_INDEX_LEB, R_FUNCTION_OFFSET_I32,
	R_SECTION_OFFSET_I32, R_TAG_INDEX_LEB, R_MEMORY_ADDR_REL_SLEB,
	R_TABLE_INDEX_REL_SLEB, R_GLOBAL_INDEX_I32, R_MEMORY_ADDR_LEB64,
	R_MEMORY_ADDR_SLEB64, R_MEMORY_ADDR_I64, R_MEMORY_ADDR_REL_SLEB64,
	R_TABLE_INDEX_SLEB64, R_TABLE_INDEX_I64, R_TABLE_NUMBER_LEB,
	R_MEMORY_ADDR_TLS_SLEB, R_FUNCTION_OFFSET_I64,
	R_MEMORY_ADDR_LOCREL_I32, R_TABLE_INDEX_REL_SLEB64,
	R_MEMORY_ADDR_TLS_SLEB64, R_FUNCTION_INDEX_I32, NR_RELOC_TYPES
};

struct wreloc_howto {
	const char *name;
	enum reloc_kind kind;
	uint8_t width;		/* bytes of the field */
	bool leb;		/* padded (S)LEB128 field */
	bool addend;		/* the entry has an addend */
	bool addend64;		/* ... read as a 64-bit SLEB */
	bool type_index;	/* index is a type, not a symbol */
};

#define HOWTO(t, k, w, l, a, a64) \
	[R_##t] = { "R_WASM_" #t, k, w, l, a, a64, false }

static const struct wreloc_howto howtos[NR_RELOC_TYPES] = {
	HOWTO(FUNCTION_INDEX_LEB, RK_WASM_INDEX, 5, true, false, false),
	HOWTO(TABLE_INDEX_SLEB, RK_WASM_INDEX, 5, true, false, false),
	HOWTO(TABLE_INDEX_I32, RK_WASM_INDEX, 4, false, false, false),
	HOWTO(MEMORY_ADDR_LEB, RK_WASM_ADDR, 5, true, true, false),
	HOWTO(MEMORY_ADDR_SLEB, RK_WASM_ADDR, 5, true, true, false),
	HOWTO(MEMORY_ADDR_I32, RK_WASM_ADDR, 4, false, true, false),
	[R_TYPE_INDEX_LEB] = { "R_WASM_TYPE_INDEX_LEB", RK_WASM_INDEX, 5,
			       true, false, false, true },
	HOWTO(GLOBAL_INDEX_LEB, RK_WASM_INDEX, 5, true, false, false),
	HOWTO(FUNCTION_OFFSET_I32, RK_WASM_OFFSET, 4, false, true, false),
	HOWTO(SECTION_OFFSET_I32, RK_WASM_OFFSET, 4, false, true, false),
	HOWTO(TAG_INDEX_LEB, RK_WASM_INDEX, 5, true, false, false),
	HOWTO(MEMORY_ADDR_REL_SLEB, RK_WASM_ADDR, 5, true, true, false),
	HOWTO(TABLE_INDEX_REL_SLEB, RK_WASM_INDEX, 5, true, false, false),
	HOWTO(GLOBAL_INDEX_I32, RK_WASM_INDEX, 4, false, false, false),
	HOWTO(MEMORY_ADDR_LEB64, RK_WASM_ADDR, 10, true, true, true),
	HOWTO(MEMORY_ADDR_SLEB64, RK_WASM_ADDR, 10, true, true, true),
	HOWTO(MEMORY_ADDR_I64, RK_WASM_ADDR, 8, false, true, true),
	HOWTO(MEMORY_ADDR_REL_SLEB64, RK_WASM_ADDR, 10, true, true, true),
	HOWTO(TABLE_INDEX_SLEB64, RK_WASM_INDEX, 10, true, false, false),
	HOWTO(TABLE_INDEX_I64, RK_WASM_INDEX, 8, false, false, false),
	HOWTO(TABLE_NUMBER_LEB, RK_WASM_INDEX, 5, true, false, false),
	HOWTO(MEMORY_ADDR_TLS_SLEB, RK_TLS, 5, true, true, false),
	HOWTO(FUNCTION_OFFSET_I64, RK_WASM_OFFSET, 8, false, true, true),
	HOWTO(MEMORY_ADDR_LOCREL_I32, RK_PCREL, 4, false, true, false),
	HOWTO(TABLE_INDEX_REL_SLEB64, RK_WASM_INDEX, 10, true, false, false),
	HOWTO(MEMORY_ADDR_TLS_SLEB64, RK_TLS, 10, true, true, true),
	HOWTO(FUNCTION_INDEX_I32, RK_WASM_INDEX, 4, false, false, false),
};

/* ---- reader state ---- */

struct wsec {
	uint8_t id;
	uint32_t index;		/* position in the file */
	const char *name;
	const uint8_t *data;	/* payload (custom: after the name) */
	size_t size;
	struct section *sec;
	const char *comdat;	/* custom sections: WASM_COMDAT_SECTION */
};

/* An entry of an index space: function, table, memory, global or tag. */
struct wentity {
	const char *name;	/* import field, or the name section's name */
	uint32_t type;		/* functions and tags */
	bool exported;
	/* Defined functions: the body entry in CODE. */
	uint64_t entry;
	uint64_t entry_size;
	uint8_t hdr;		/* length of the entry's size LEB */
};

struct wspace {
	struct wentity *v;
	uint32_t n, nr_imports;
};

struct wtype {
	const uint8_t *params, *results;
	uint32_t nr_params, nr_results;
	struct symbol *sym;	/* synthetic, for TYPE_INDEX relocations */
};

struct wseg {
	uint64_t addr;		/* from the init expression */
	uint64_t data_off;	/* of its bytes in the DATA payload */
	uint64_t size;
	const char *name;
	uint32_t p2align;
	uint32_t flags;		/* WASM_SEG_FLAG_* */
	const char *comdat;
	struct section *sec;
};

struct wimport {
	const char *field;
	uint8_t kind;
	uint32_t type;
};

struct wasm {
	struct obj *obj;
	struct ipbp_err *err;
	struct wsec *secs;
	uint32_t nr_secs;
	struct wsec *by_id[NR_WSEC_IDS];	/* the known sections */
	struct wsec *linking, *names;
	struct wtype *types;
	uint32_t nr_types;
	struct wimport *imports;
	uint32_t nr_imports;
	uint32_t nr_defined[NR_SPACES];
	struct wspace space[NR_SPACES];
	struct wseg *segs;
	uint32_t nr_segs;
	struct symbol **syms;	/* by symbol table index */
	uint8_t *sym_hdr;	/* defined functions: their entry's size LEB */
	uint32_t nr_syms;
	bool has_symtab;
	bool mem64;
};

/* A bounded read position inside one structure of the file. */
struct wcur {
	struct wasm *w;
	const uint8_t *p, *end;
	const char *what;	/* for messages: "section 3 (IMPORT)" */
};

static const char *const std_names[NR_WSEC_IDS] = {
	[WSEC_TYPE] = "TYPE", [WSEC_IMPORT] = "IMPORT",
	[WSEC_FUNCTION] = "FUNCTION", [WSEC_TABLE] = "TABLE",
	[WSEC_MEMORY] = "MEMORY", [WSEC_GLOBAL] = "GLOBAL",
	[WSEC_EXPORT] = "EXPORT", [WSEC_START] = "START",
	[WSEC_ELEM] = "ELEM", [WSEC_CODE] = "CODE", [WSEC_DATA] = "DATA",
	[WSEC_DATACOUNT] = "DATACOUNT", [WSEC_TAG] = "TAG",
};

/* ---- errors and cursors ---- */

static int cur_error(struct wcur *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int cur_error(struct wcur *c, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	obj_error(c->w->obj, c->w->err, "%s: %s at file offset 0x%zx",
		  c->what, msg, (size_t)(c->p - c->w->obj->data));
	return -1;
}

static struct wcur cur_make(struct wasm *w, const uint8_t *p, size_t size,
			    const char *what)
{
	struct wcur c = { w, p, p + size, what };
	return c;
}

static size_t cur_left(const struct wcur *c)
{
	return (size_t)(c->end - c->p);
}

static int cur_u8(struct wcur *c, uint8_t *v)
{
	*v = 0;
	if (c->p >= c->end)
		return cur_error(c, "unexpected end of data");
	*v = *c->p++;
	return 0;
}

static int cur_skip(struct wcur *c, uint64_t n)
{
	if (n > cur_left(c))
		return cur_error(c, "%llu bytes extend past the end",
				 (unsigned long long)n);
	c->p += n;
	return 0;
}

/*
 * Unsigned LEB128 of at most `bits` bits: at most ceil(bits/7) bytes, and
 * the unused high bits of the last byte must be zero.
 */
static int cur_uleb(struct wcur *c, unsigned bits, uint64_t *out)
{
	unsigned max = (bits + 6) / 7, shift = 0;
	uint64_t v = 0;

	for (unsigned i = 0;; i++, shift += 7) {
		uint8_t b;

		if (i >= max)
			return cur_error(c, "LEB128 longer than %u bytes", max);
		if (cur_u8(c, &b) < 0)
			return -1;
		if (shift + 7 > bits && ((b & 0x7f) >> (bits - shift)))
			return cur_error(c, "LEB128 overflows %u bits", bits);
		v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			break;
	}
	*out = v;
	return 0;
}

/* Signed LEB128: the last byte's unused bits must repeat the sign bit. */
static int cur_sleb(struct wcur *c, unsigned bits, int64_t *out)
{
	unsigned max = (bits + 6) / 7, shift = 0;
	uint64_t v = 0;
	uint8_t b;

	for (unsigned i = 0;; i++) {
		if (i >= max)
			return cur_error(c, "LEB128 longer than %u bytes", max);
		if (cur_u8(c, &b) < 0)
			return -1;
		if (shift + 7 > bits) {
			unsigned nb = bits - shift;	/* 1..7 value bits */
			unsigned sign = (b >> (nb - 1)) & 1;
			unsigned high = (b & 0x7f) >> nb;

			if (high != (sign ? (0x7fu >> nb) : 0))
				return cur_error(c, "LEB128 overflows %u bits", bits);
		}
		v |= (uint64_t)(b & 0x7f) << shift;
		shift += 7;
		if (!(b & 0x80))
			break;
	}
	if (shift < 64 && (b & 0x40))
		v |= ~(uint64_t)0 << shift;
	*out = (int64_t)v;
	return 0;
}

static int cur_u32(struct wcur *c, uint32_t *v)
{
	uint64_t x;

	if (cur_uleb(c, 32, &x) < 0)
		return -1;
	*v = (uint32_t)x;
	return 0;
}

/*
 * A vector count: each element takes at least min_size bytes, so a count
 * the remaining bytes cannot hold is an error before anything is allocated.
 */
static int cur_count(struct wcur *c, size_t min_size, uint32_t *n)
{
	if (cur_u32(c, n) < 0)
		return -1;
	if (min_size && *n > cur_left(c) / min_size)
		return cur_error(c, "count %u exceeds the remaining %zu bytes",
				 *n, cur_left(c));
	return 0;
}

/* A length-prefixed name, copied (Wasm names are not NUL-terminated). */
static int cur_name(struct wcur *c, const char **name)
{
	uint32_t len;
	const uint8_t *s;

	if (cur_u32(c, &len) < 0)
		return -1;
	s = c->p;
	if (cur_skip(c, len) < 0)
		return -1;
	*name = obj_strndup(c->w->obj, (const char *)s, len);
	if (!*name)
		return cur_error(c, "out of memory");
	return 0;
}

static int cur_end(struct wcur *c)
{
	if (c->p != c->end)
		return cur_error(c, "%zu unexpected bytes at the end", cur_left(c));
	return 0;
}

static void *w_alloc(struct wasm *w, size_t n, size_t size)
{
	void *p = obj_alloc(w->obj, n ? n * size : 1);

	if (!p)
		obj_error(w->obj, w->err, "out of memory");
	return p;
}

/* ---- the section list ---- */

static const char *wsec_what(struct wasm *w, const struct wsec *s)
{
	const char *what = obj_sprintf(w->obj, "section %u (%s)", s->index,
				       s->name);
	return what ? what : "section";
}

static struct wcur wsec_cur(struct wasm *w, const struct wsec *s)
{
	return cur_make(w, s->data, s->size, wsec_what(w, s));
}

static int note_known_section(struct wasm *w, struct wcur *c, struct wsec *s)
{
	if (s->id >= NR_WSEC_IDS)
		return cur_error(c, "unknown section id %u", s->id);
	if (w->by_id[s->id])
		return cur_error(c, "duplicate %s section", std_names[s->id]);
	w->by_id[s->id] = s;
	s->name = std_names[s->id];
	return 0;
}

static int note_custom_section(struct wasm *w, struct wcur *c, struct wsec *s)
{
	struct wcur nc = cur_make(w, s->data, s->size, "custom section");

	if (cur_name(&nc, &s->name) < 0)
		return -1;
	s->size -= (size_t)(nc.p - s->data);
	s->data = nc.p;
	if (!strcmp(s->name, "linking")) {
		if (w->linking)
			return cur_error(c, "duplicate linking section");
		w->linking = s;
	} else if (!strcmp(s->name, "name") && !w->names) {
		w->names = s;
	}
	return 0;
}

/* Splits the module into sections (every one at least 2 bytes). */
static int scan_sections(struct wasm *w)
{
	struct obj *obj = w->obj;
	struct wcur c = cur_make(w, obj->data + 8, obj->size - 8, "module");
	uint32_t max = (uint32_t)(cur_left(&c) / 2);

	w->secs = w_alloc(w, max, sizeof(*w->secs));
	if (!w->secs)
		return -1;
	while (cur_left(&c)) {
		struct wsec *s = &w->secs[w->nr_secs];
		uint32_t size;

		s->index = w->nr_secs++;
		if (cur_u8(&c, &s->id) < 0 || cur_u32(&c, &size) < 0)
			return -1;
		if (size > cur_left(&c))
			return cur_error(&c, "section %u extends past end of file",
					 s->index);
		s->data = c.p;
		s->size = size;
		c.p += size;
		if (s->id == WSEC_CUSTOM ? note_custom_section(w, &c, s) < 0 :
		    note_known_section(w, &c, s) < 0)
			return -1;
	}
	return 0;
}

/* ---- TYPE, IMPORT and the sections that declare entities ---- */

static int parse_types(struct wasm *w)
{
	struct wsec *s = w->by_id[WSEC_TYPE];
	struct wcur c;

	if (!s)
		return 0;
	c = wsec_cur(w, s);
	if (cur_count(&c, 3, &w->nr_types) < 0)
		return -1;
	w->types = w_alloc(w, w->nr_types, sizeof(*w->types));
	if (!w->types)
		return -1;
	for (uint32_t i = 0; i < w->nr_types; i++) {
		struct wtype *t = &w->types[i];
		uint8_t form;

		if (cur_u8(&c, &form) < 0)
			return -1;
		if (form != 0x60)
			return cur_error(&c, "type %u: unsupported type form 0x%02x",
					 i, form);
		if (cur_count(&c, 1, &t->nr_params) < 0)
			return -1;
		t->params = c.p;
		if (cur_skip(&c, t->nr_params) < 0 ||
		    cur_count(&c, 1, &t->nr_results) < 0)
			return -1;
		t->results = c.p;
		if (cur_skip(&c, t->nr_results) < 0)
			return -1;
	}
	return cur_end(&c);
}

static int skip_limits(struct wcur *c, bool *is64)
{
	uint64_t flags, v;
	unsigned bits;

	if (cur_uleb(c, 32, &flags) < 0)
		return -1;
	bits = (flags & WLIMITS_IS_64) ? 64 : 32;
	if (is64)
		*is64 = bits == 64;
	if (cur_uleb(c, bits, &v) < 0)
		return -1;
	if ((flags & WLIMITS_HAS_MAX) && cur_uleb(c, bits, &v) < 0)
		return -1;
	return 0;
}

static int check_type_index(struct wasm *w, struct wcur *c, uint32_t type)
{
	if (type >= w->nr_types)
		return cur_error(c, "type index %u out of range (%u types)",
				 type, w->nr_types);
	return 0;
}

static int parse_import_desc(struct wasm *w, struct wcur *c,
			     struct wimport *im)
{
	uint8_t b;
	bool is64;

	switch (im->kind) {
	case SP_FUNC:
		if (cur_u32(c, &im->type) < 0)
			return -1;
		return check_type_index(w, c, im->type);
	case SP_TABLE:
		return cur_u8(c, &b) < 0 ? -1 : skip_limits(c, NULL);
	case SP_MEMORY:
		if (skip_limits(c, &is64) < 0)
			return -1;
		w->mem64 |= is64;
		return 0;
	case SP_GLOBAL:
		return cur_u8(c, &b) < 0 || cur_u8(c, &b) < 0 ? -1 : 0;
	case SP_TAG:
		if (cur_u8(c, &b) < 0 || cur_u32(c, &im->type) < 0)
			return -1;
		return check_type_index(w, c, im->type);
	default:
		return cur_error(c, "unknown import kind %u", im->kind);
	}
}

static int parse_imports(struct wasm *w)
{
	struct wsec *s = w->by_id[WSEC_IMPORT];
	struct wcur c;

	if (!s)
		return 0;
	c = wsec_cur(w, s);
	if (cur_count(&c, 4, &w->nr_imports) < 0)
		return -1;
	w->imports = w_alloc(w, w->nr_imports, sizeof(*w->imports));
	if (!w->imports)
		return -1;
	for (uint32_t i = 0; i < w->nr_imports; i++) {
		struct wimport *im = &w->imports[i];
		const char *module;

		if (cur_name(&c, &module) < 0 || cur_name(&c, &im->field) < 0 ||
		    cur_u8(&c, &im->kind) < 0 || parse_import_desc(w, &c, im) < 0)
			return -1;
	}
	return cur_end(&c);
}

/* Skips a constant expression up to its "end"; *addr gets an i32/i64.const. */
static int skip_const_expr(struct wcur *c, uint64_t *addr)
{
	*addr = 0;
	for (;;) {
		uint8_t op;
		uint64_t u;
		int64_t v;

		if (cur_u8(c, &op) < 0)
			return -1;
		switch (op) {
		case 0x0b:	/* end */
			return 0;
		case 0x41:	/* i32.const */
			if (cur_sleb(c, 32, &v) < 0)
				return -1;
			*addr = (uint32_t)v;
			break;
		case 0x42:	/* i64.const */
			if (cur_sleb(c, 64, &v) < 0)
				return -1;
			*addr = (uint64_t)v;
			break;
		case 0x43:	/* f32.const */
			if (cur_skip(c, 4) < 0)
				return -1;
			break;
		case 0x44:	/* f64.const */
			if (cur_skip(c, 8) < 0)
				return -1;
			break;
		case 0x23:	/* global.get */
		case 0xd2:	/* ref.func */
			if (cur_uleb(c, 32, &u) < 0)
				return -1;
			break;
		case 0xd0:	/* ref.null t */
			if (cur_skip(c, 1) < 0)
				return -1;
			break;
		case 0x6a: case 0x6b: case 0x6c:	/* extended-const */
		case 0x7c: case 0x7d: case 0x7e:
			break;
		default:
			return cur_error(c, "unsupported opcode 0x%02x in a constant expression",
					 op);
		}
	}
}

/* FUNCTION and TAG: a type index per entry; the others: a count. */
static int parse_declarations(struct wasm *w, uint8_t id, unsigned space,
			      uint32_t **types)
{
	struct wsec *s = w->by_id[id];
	uint32_t n;
	struct wcur c;

	if (!s)
		return 0;
	c = wsec_cur(w, s);
	if (cur_count(&c, 1, &n) < 0)
		return -1;
	w->nr_defined[space] = n;
	if (!types)
		return 0;
	*types = w_alloc(w, n, sizeof(**types));
	if (!*types)
		return -1;
	for (uint32_t i = 0; i < n; i++) {
		uint8_t attr;

		if (space == SP_TAG && cur_u8(&c, &attr) < 0)
			return -1;
		if (cur_u32(&c, &(*types)[i]) < 0 ||
		    check_type_index(w, &c, (*types)[i]) < 0)
			return -1;
	}
	return cur_end(&c);
}

static int parse_memories(struct wasm *w)
{
	struct wsec *s = w->by_id[WSEC_MEMORY];
	struct wcur c;
	bool is64;

	if (!s)
		return 0;
	c = wsec_cur(w, s);
	if (cur_count(&c, 2, &w->nr_defined[SP_MEMORY]) < 0)
		return -1;
	for (uint32_t i = 0; i < w->nr_defined[SP_MEMORY]; i++) {
		if (skip_limits(&c, &is64) < 0)
			return -1;
		w->mem64 |= is64;
	}
	return cur_end(&c);
}

/* The index spaces: imports first, then the module's own entities. */
static int build_spaces(struct wasm *w, uint32_t *func_types,
			uint32_t *tag_types)
{
	for (unsigned k = 0; k < NR_SPACES; k++) {
		struct wspace *sp = &w->space[k];

		for (uint32_t i = 0; i < w->nr_imports; i++)
			sp->nr_imports += w->imports[i].kind == k;
		sp->n = sp->nr_imports + w->nr_defined[k];
		sp->v = w_alloc(w, sp->n, sizeof(*sp->v));
		if (!sp->v)
			return -1;
		sp->n = 0;
		for (uint32_t i = 0; i < w->nr_imports; i++) {
			if (w->imports[i].kind != k)
				continue;
			sp->v[sp->n].name = w->imports[i].field;
			sp->v[sp->n++].type = w->imports[i].type;
		}
		for (uint32_t i = 0; i < w->nr_defined[k]; i++) {
			if (k == SP_FUNC)
				sp->v[sp->n].type = func_types[i];
			else if (k == SP_TAG)
				sp->v[sp->n].type = tag_types[i];
			sp->n++;
		}
	}
	return 0;
}

static int parse_entities(struct wasm *w)
{
	uint32_t *func_types = NULL, *tag_types = NULL;
	struct wsec *s;

	if (parse_types(w) < 0 || parse_imports(w) < 0 ||
	    parse_declarations(w, WSEC_FUNCTION, SP_FUNC, &func_types) < 0 ||
	    parse_declarations(w, WSEC_TABLE, SP_TABLE, NULL) < 0 ||
	    parse_memories(w) < 0 ||
	    parse_declarations(w, WSEC_GLOBAL, SP_GLOBAL, NULL) < 0 ||
	    parse_declarations(w, WSEC_TAG, SP_TAG, &tag_types) < 0)
		return -1;
	/* Globals: each is a value type, a mutability byte and an init
	 * expression (checked here; nothing of it is modelled). */
	if ((s = w->by_id[WSEC_GLOBAL])) {
		struct wcur c = wsec_cur(w, s);
		uint32_t n;
		uint64_t v;

		if (cur_count(&c, 3, &n) < 0)
			return -1;
		for (uint32_t i = 0; i < n; i++)
			if (cur_skip(&c, 2) < 0 || skip_const_expr(&c, &v) < 0)
				return -1;
		if (cur_end(&c) < 0)
			return -1;
	}
	return build_spaces(w, func_types, tag_types);
}

static int parse_exports(struct wasm *w)
{
	struct wsec *s = w->by_id[WSEC_EXPORT];
	struct wcur c;
	uint32_t n;

	if (!s)
		return 0;
	c = wsec_cur(w, s);
	if (cur_count(&c, 3, &n) < 0)
		return -1;
	for (uint32_t i = 0; i < n; i++) {
		const char *name;
		uint8_t kind;
		uint32_t index;

		if (cur_name(&c, &name) < 0 || cur_u8(&c, &kind) < 0 ||
		    cur_u32(&c, &index) < 0)
			return -1;
		if (kind >= NR_SPACES)
			return cur_error(&c, "export %s: unknown kind %u", name, kind);
		if (index >= w->space[kind].n)
			return cur_error(&c, "export %s: index %u out of range",
					 name, index);
		w->space[kind].v[index].exported = true;
	}
	return cur_end(&c);
}

/* ---- CODE and DATA ---- */

static int parse_code(struct wasm *w)
{
	struct wsec *s = w->by_id[WSEC_CODE];
	struct wspace *sp = &w->space[SP_FUNC];
	struct wcur c;
	uint32_t n;

	if (!s)
		return w->nr_defined[SP_FUNC] ? obj_error(w->obj, w->err,
			"%u functions have no code section",
			w->nr_defined[SP_FUNC]) : 0;
	c = wsec_cur(w, s);
	if (cur_count(&c, 1, &n) < 0)
		return -1;
	if (n != w->nr_defined[SP_FUNC])
		return cur_error(&c, "%u function bodies for %u functions",
				 n, w->nr_defined[SP_FUNC]);
	for (uint32_t i = 0; i < n; i++) {
		struct wentity *f = &sp->v[sp->nr_imports + i];
		const uint8_t *start = c.p;
		uint32_t size;

		if (cur_u32(&c, &size) < 0)
			return -1;
		f->entry = (uint64_t)(start - s->data);
		f->hdr = (uint8_t)(c.p - start);
		if (cur_skip(&c, size) < 0)
			return -1;
		f->entry_size = (uint64_t)(c.p - start);
	}
	return cur_end(&c);
}

static int parse_segment(struct wasm *w, struct wcur *c, const uint8_t *base,
			 struct wseg *seg)
{
	uint32_t flags, memidx;
	uint64_t size;

	if (cur_u32(c, &flags) < 0)
		return -1;
	if (flags > 2)
		return cur_error(c, "unsupported data segment flags 0x%x", flags);
	if ((flags & WDATA_HAS_MEMINDEX) && cur_u32(c, &memidx) < 0)
		return -1;
	if (!(flags & WDATA_PASSIVE) && skip_const_expr(c, &seg->addr) < 0)
		return -1;
	if (cur_uleb(c, 32, &size) < 0)
		return -1;
	seg->data_off = (uint64_t)(c->p - base);
	seg->size = size;
	return cur_skip(c, size);
}

static int parse_data(struct wasm *w)
{
	struct wsec *s = w->by_id[WSEC_DATA];
	struct wcur c;

	if (!s)
		return 0;
	c = wsec_cur(w, s);
	if (cur_count(&c, 2, &w->nr_segs) < 0)
		return -1;
	w->segs = w_alloc(w, w->nr_segs, sizeof(*w->segs));
	if (!w->segs)
		return -1;
	for (uint32_t i = 0; i < w->nr_segs; i++)
		if (parse_segment(w, &c, s->data, &w->segs[i]) < 0)
			return -1;
	return cur_end(&c);
}

/* ---- the "linking" section: segment info and COMDATs ---- */

/* The subsection `type` of the linking section, or an empty cursor. */
static int find_subsection(struct wasm *w, uint8_t type, struct wcur *out)
{
	struct wcur c = wsec_cur(w, w->linking);
	uint32_t version;

	*out = cur_make(w, c.p, 0, c.what);
	if (cur_u32(&c, &version) < 0)
		return -1;
	if (version != 2)
		return cur_error(&c, "unsupported linking version %u", version);
	while (cur_left(&c)) {
		uint8_t t;
		uint32_t size;

		if (cur_u8(&c, &t) < 0 || cur_u32(&c, &size) < 0)
			return -1;
		if (size > cur_left(&c))
			return cur_error(&c, "subsection %u extends past the section", t);
		if (t == type) {
			*out = cur_make(w, c.p, size, c.what);
			return 1;
		}
		c.p += size;
	}
	return 0;
}

static int parse_segment_info(struct wasm *w)
{
	struct wcur c;
	uint32_t n;
	int ret = find_subsection(w, LINK_SEGMENT_INFO, &c);

	if (ret <= 0)
		return ret;
	if (cur_count(&c, 3, &n) < 0)
		return -1;
	if (n > w->nr_segs)
		return cur_error(&c, "segment info for %u of %u segments",
				 n, w->nr_segs);
	for (uint32_t i = 0; i < n; i++) {
		struct wseg *seg = &w->segs[i];

		if (cur_name(&c, &seg->name) < 0 ||
		    cur_u32(&c, &seg->p2align) < 0 || cur_u32(&c, &seg->flags) < 0)
			return -1;
		if (seg->p2align > 31)
			return cur_error(&c, "segment %s: alignment 2^%u", seg->name,
					 seg->p2align);
	}
	return cur_end(&c);
}

static int note_comdat_member(struct wasm *w, struct wcur *c,
			      const char *name, uint8_t kind, uint32_t index)
{
	switch (kind) {
	case COMDAT_DATA:
		if (index >= w->nr_segs)
			return cur_error(c, "comdat %s: segment %u out of range",
					 name, index);
		w->segs[index].comdat = name;
		return 0;
	case COMDAT_FUNCTION:
		if (index < w->space[SP_FUNC].nr_imports ||
		    index >= w->space[SP_FUNC].n)
			return cur_error(c, "comdat %s: function %u out of range",
					 name, index);
		return 0;	/* functions share CODE: not recorded */
	case COMDAT_SECTION:
		if (index >= w->nr_secs || w->secs[index].id != WSEC_CUSTOM)
			return cur_error(c, "comdat %s: section %u is not custom",
					 name, index);
		w->secs[index].comdat = name;
		return 0;
	default:
		return cur_error(c, "comdat %s: unknown kind %u", name, kind);
	}
}

static int parse_comdats(struct wasm *w)
{
	struct wcur c;
	uint32_t n;
	int ret = find_subsection(w, LINK_COMDAT_INFO, &c);

	if (ret <= 0)
		return ret;
	if (cur_count(&c, 3, &n) < 0)
		return -1;
	for (uint32_t i = 0; i < n; i++) {
		const char *name;
		uint32_t flags, m;

		if (cur_name(&c, &name) < 0 || cur_u32(&c, &flags) < 0 ||
		    cur_count(&c, 2, &m) < 0)
			return -1;
		for (uint32_t j = 0; j < m; j++) {
			uint8_t kind;
			uint32_t index;

			if (cur_u8(&c, &kind) < 0 || cur_u32(&c, &index) < 0 ||
			    note_comdat_member(w, &c, name, kind, index) < 0)
				return -1;
		}
	}
	return cur_end(&c);
}

/* ---- the "name" section (linked modules) ---- */

static int parse_name_map(struct wasm *w, struct wcur *c, unsigned space)
{
	uint32_t n, prev = 0;

	if (cur_count(c, 2, &n) < 0)
		return -1;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t index;
		const char *name;

		if (cur_u32(c, &index) < 0 || cur_name(c, &name) < 0)
			return -1;
		if (i && index <= prev)
			return cur_error(c, "name map indices out of order");
		prev = index;
		if (space == NR_SPACES) {
			if (index >= w->nr_segs)
				return cur_error(c, "name of segment %u out of range", index);
			w->segs[index].name = name;
		} else {
			if (index >= w->space[space].n)
				return cur_error(c, "name of index %u out of range", index);
			w->space[space].v[index].name = name;
		}
	}
	return cur_end(c);
}

static int parse_names(struct wasm *w)
{
	struct wcur c;

	if (!w->names || w->linking)
		return 0;
	c = wsec_cur(w, w->names);
	while (cur_left(&c)) {
		uint8_t type;
		uint32_t size;
		struct wcur sub;
		int ret = 0;

		if (cur_u8(&c, &type) < 0 || cur_u32(&c, &size) < 0)
			return -1;
		if (size > cur_left(&c))
			return cur_error(&c, "name subsection %u extends past the section",
					 type);
		sub = cur_make(w, c.p, size, c.what);
		c.p += size;
		if (type == NAMES_FUNCTION)
			ret = parse_name_map(w, &sub, SP_FUNC);
		else if (type == NAMES_GLOBAL)
			ret = parse_name_map(w, &sub, SP_GLOBAL);
		else if (type == NAMES_DATA_SEGMENT)
			ret = parse_name_map(w, &sub, NR_SPACES);
		if (ret < 0)
			return -1;
	}
	return 0;
}

/* ---- building the model: sections ---- */

static bool has_prefix(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

static void classify_custom(struct section *sec)
{
	const char *n = sec->name;

	if (has_prefix(n, ".debug_"))
		sec->kind = SEC_DEBUG;
	else if (!strcmp(n, "name") || !strcmp(n, "producers") ||
		 !strcmp(n, "target_features") || !strcmp(n, "build_id"))
		sec->kind = SEC_NOTE;
	else if (!strcmp(n, "linking") || has_prefix(n, "reloc.") ||
		 has_prefix(n, "dylink"))
		sec->kind = SEC_META;
	else
		sec->kind = SEC_OTHER;
}

static void classify_segment(struct section *sec, const struct wseg *seg)
{
	const char *n = sec->name;

	sec->flags = SECF_ALLOC | SECF_WRITE;
	if (has_prefix(n, ".rodata")) {
		sec->kind = SEC_RODATA;
		sec->flags = SECF_ALLOC;
	} else if (has_prefix(n, ".bss")) {
		sec->kind = SEC_BSS;
	} else if (has_prefix(n, ".tbss")) {
		sec->kind = SEC_TLS_BSS;
	} else if (has_prefix(n, ".tdata")) {
		sec->kind = SEC_TLS_DATA;
	} else {
		sec->kind = SEC_DATA;
	}
	if (seg->flags & WSEG_FLAG_TLS) {
		sec->flags |= SECF_TLS;
		if (sec->kind != SEC_TLS_BSS)
			sec->kind = SEC_TLS_DATA;
	}
	if (seg->flags & WSEG_FLAG_STRINGS) {
		sec->kind = SEC_STRINGS;
		sec->flags |= SECF_MERGE | SECF_STRINGS;
		sec->entsize = 1;
	}
	if (sec->kind == SEC_BSS || sec->kind == SEC_TLS_BSS)
		sec->data = NULL;
}

static int add_segment_sections(struct wasm *w, const struct wsec *data)
{
	for (uint32_t i = 0; i < w->nr_segs; i++) {
		struct wseg *seg = &w->segs[i];
		struct section *sec = obj_add_section(w->obj);

		if (!sec)
			return obj_error(w->obj, w->err, "out of memory");
		seg->sec = sec;
		sec->native_index = i;
		sec->name = seg->name ? seg->name : obj_sprintf(w->obj, "DATA.%u", i);
		if (!sec->name)
			return obj_error(w->obj, w->err, "out of memory");
		sec->addr = seg->addr;
		sec->size = seg->size;
		sec->align = (uint64_t)1 << seg->p2align;
		sec->data = data->data + seg->data_off;
		classify_segment(sec, seg);
		if (seg->comdat) {
			sec->comdat = seg->comdat;
			sec->flags |= SECF_COMDAT;
		}
	}
	return 0;
}

static int add_sections(struct wasm *w)
{
	for (uint32_t i = 0; i < w->nr_secs; i++) {
		struct wsec *s = &w->secs[i];
		struct section *sec = obj_add_section(w->obj);

		if (!sec)
			return obj_error(w->obj, w->err, "out of memory");
		s->sec = sec;
		sec->native_index = s->index;
		sec->name = s->name;
		sec->size = s->size;
		sec->data = s->data;
		sec->align = 1;
		sec->kind = SEC_META;
		if (s->id == WSEC_CODE) {
			sec->kind = SEC_CODE;
			sec->flags = SECF_ALLOC | SECF_EXEC;
		} else if (s->id == WSEC_CUSTOM) {
			classify_custom(sec);
			if (s->comdat) {
				sec->comdat = s->comdat;
				sec->flags |= SECF_COMDAT;
			}
		}
		if (s->id == WSEC_DATA && add_segment_sections(w, s) < 0)
			return -1;
	}
	return 0;
}

/* ---- symbols of objects (WASM_SYMBOL_TABLE) ---- */

static struct symbol *new_symbol(struct wasm *w, const char *name,
				 enum symbol_kind kind, uint32_t wflags)
{
	struct symbol *sym = obj_add_symbol(w->obj);

	if (!sym) {
		obj_error(w->obj, w->err, "out of memory");
		return NULL;
	}
	sym->name = name;
	sym->kind = kind;
	if (wflags & WSYM_BINDING_LOCAL)
		sym->bind = BIND_LOCAL;
	else if (wflags & WSYM_BINDING_WEAK)
		sym->bind = BIND_WEAK;
	else
		sym->bind = BIND_GLOBAL;
	if (wflags & WSYM_VISIBILITY_HIDDEN)
		sym->flags |= SYMF_HIDDEN;
	if (wflags & WSYM_UNDEFINED)
		sym->flags |= SYMF_UNDEF;
	if (sym->bind == BIND_LOCAL && has_prefix(name, ".L"))
		sym->flags |= SYMF_TEMP;
	return sym;
}

static void place_function(struct symbol *sym, const struct wsec *code,
			   const struct wentity *f)
{
	sym->sec = code->sec;
	sym->offset = f->entry;
	sym->value = f->entry;
	sym->size = f->entry_size;
}

/* FUNCTION, GLOBAL, TAG, TABLE: an index, then a name when needed. */
static int read_index_symbol(struct wasm *w, struct wcur *c, uint8_t type,
			     uint32_t flags, struct symbol **out, uint8_t *hdr)
{
	static const unsigned space_of[] = {
		[SYMTYPE_FUNCTION] = SP_FUNC, [SYMTYPE_GLOBAL] = SP_GLOBAL,
		[SYMTYPE_TAG] = SP_TAG, [SYMTYPE_TABLE] = SP_TABLE,
	};
	struct wspace *sp = &w->space[space_of[type]];
	bool undef = flags & WSYM_UNDEFINED;
	const char *name;
	enum symbol_kind kind = SYMK_NOTYPE;
	struct symbol *sym;
	uint32_t index;

	if (cur_u32(c, &index) < 0)
		return -1;
	if (index >= sp->n || undef != (index < sp->nr_imports))
		return cur_error(c, "symbol refers to %s index %u (%u imported of %u)",
				 undef ? "undefined" : "defined", index,
				 sp->nr_imports, sp->n);
	if (!undef || (flags & WSYM_EXPLICIT_NAME)) {
		if (cur_name(c, &name) < 0)
			return -1;
	} else {
		name = sp->v[index].name;
	}
	if (type == SYMTYPE_FUNCTION)
		kind = SYMK_FUNC;
	else if (type == SYMTYPE_GLOBAL)
		kind = (flags & WSYM_TLS) ? SYMK_TLS : SYMK_DATA;
	if (!(sym = new_symbol(w, name, kind, flags)))
		return -1;
	if (type == SYMTYPE_FUNCTION && !undef) {
		place_function(sym, w->by_id[WSEC_CODE], &sp->v[index]);
		*hdr = sp->v[index].hdr;
	} else if (!undef) {
		sym->flags |= SYMF_ABS;
		sym->value = sym->offset = index;
	}
	*out = sym;
	return 0;
}

static int read_data_symbol(struct wasm *w, struct wcur *c, uint32_t flags,
			    struct symbol **out)
{
	bool tls = flags & WSYM_TLS;
	uint64_t offset, size;
	struct symbol *sym;
	const char *name;
	uint32_t segno;
	struct wseg *seg;

	if (cur_name(c, &name) < 0)
		return -1;
	if (flags & WSYM_UNDEFINED)
		return (*out = new_symbol(w, name, tls ? SYMK_TLS : SYMK_DATA,
					  flags)) ? 0 : -1;
	if (cur_u32(c, &segno) < 0 || cur_uleb(c, 64, &offset) < 0 ||
	    cur_uleb(c, 64, &size) < 0)
		return -1;
	if (flags & WSYM_ABSOLUTE) {
		if (!(sym = new_symbol(w, name, SYMK_DATA, flags)))
			return -1;
		sym->flags |= SYMF_ABS;
		sym->value = sym->offset = offset;
		sym->size = size;
		return (*out = sym), 0;
	}
	if (segno >= w->nr_segs)
		return cur_error(c, "data symbol %s: segment %u out of range",
				 name, segno);
	seg = &w->segs[segno];
	if (!in_bounds(seg->size, offset, size))
		return cur_error(c, "data symbol %s extends past its segment", name);
	tls |= (seg->flags & WSEG_FLAG_TLS) != 0;
	if (!(sym = new_symbol(w, name, tls ? SYMK_TLS : SYMK_DATA, flags)))
		return -1;
	sym->sec = seg->sec;
	sym->offset = offset;
	sym->value = seg->addr + offset;
	sym->size = size;
	*out = sym;
	return 0;
}

static int read_section_symbol(struct wasm *w, struct wcur *c, uint32_t flags,
			       struct symbol **out)
{
	struct symbol *sym;
	uint32_t index;
	struct wsec *s;

	if (cur_u32(c, &index) < 0)
		return -1;
	if (index >= w->nr_secs || w->secs[index].id != WSEC_CUSTOM)
		return cur_error(c, "section symbol refers to section %u", index);
	s = &w->secs[index];
	if (!(sym = new_symbol(w, s->name, SYMK_SECTION, flags)))
		return -1;
	sym->sec = s->sec;
	if (!s->sec->secsym)
		s->sec->secsym = sym;
	*out = sym;
	return 0;
}

static int read_symbol(struct wasm *w, struct wcur *c, uint32_t index)
{
	struct symbol *sym = NULL;
	uint32_t flags;
	uint8_t type;
	int ret;

	if (cur_u8(c, &type) < 0 || cur_u32(c, &flags) < 0)
		return -1;
	switch (type) {
	case SYMTYPE_FUNCTION:
	case SYMTYPE_GLOBAL:
	case SYMTYPE_TAG:
	case SYMTYPE_TABLE:
		ret = read_index_symbol(w, c, type, flags, &sym,
					&w->sym_hdr[index]);
		break;
	case SYMTYPE_DATA:
		ret = read_data_symbol(w, c, flags, &sym);
		break;
	case SYMTYPE_SECTION:
		ret = read_section_symbol(w, c, flags, &sym);
		break;
	default:
		return cur_error(c, "symbol %u: unknown kind %u", index, type);
	}
	if (ret < 0)
		return -1;
	sym->native_index = index;
	w->syms[index] = sym;
	return 0;
}

static int read_symbol_table(struct wasm *w)
{
	struct wcur c;
	int ret = find_subsection(w, LINK_SYMBOL_TABLE, &c);

	if (ret <= 0)
		return ret;
	if (cur_count(&c, 3, &w->nr_syms) < 0)
		return -1;
	if (w->nr_syms > OBJ_MAX_SYMBOLS)
		return cur_error(&c, "%u symbols", w->nr_syms);
	w->syms = w_alloc(w, w->nr_syms, sizeof(*w->syms));
	w->sym_hdr = w_alloc(w, w->nr_syms, sizeof(*w->sym_hdr));
	if (!w->syms || !w->sym_hdr)
		return -1;
	w->has_symtab = true;
	for (uint32_t i = 0; i < w->nr_syms; i++)
		if (read_symbol(w, &c, i) < 0)
			return -1;
	return cur_end(&c);
}

static int check_init_funcs(struct wasm *w)
{
	struct wcur c;
	uint32_t n;
	int ret = find_subsection(w, LINK_INIT_FUNCS, &c);

	if (ret <= 0)
		return ret;
	if (cur_count(&c, 2, &n) < 0)
		return -1;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t prio, index;

		if (cur_u32(&c, &prio) < 0 || cur_u32(&c, &index) < 0)
			return -1;
		if (index >= w->nr_syms || w->syms[index]->kind != SYMK_FUNC)
			return cur_error(&c, "init function %u is not a function symbol",
					 index);
	}
	return cur_end(&c);
}

/* ---- symbols of linked modules ---- */

static struct symbol *add_named(struct wasm *w, const char *name,
				enum symbol_kind kind, enum symbol_bind bind,
				uint32_t index)
{
	struct symbol *sym = new_symbol(w, name, kind, 0);

	if (sym) {
		sym->bind = bind;
		sym->native_index = index;
	}
	return sym;
}

static int add_linked_imports(struct wasm *w)
{
	uint32_t seen[NR_SPACES] = { 0 };

	for (uint32_t i = 0; i < w->nr_imports; i++) {
		const struct wimport *im = &w->imports[i];
		uint32_t index = seen[im->kind]++;
		const struct wentity *e = &w->space[im->kind].v[index];
		enum symbol_kind kind = im->kind == SP_FUNC ? SYMK_FUNC :
			im->kind == SP_GLOBAL ? SYMK_DATA : SYMK_NOTYPE;
		struct symbol *sym = add_named(w, e->name, kind, BIND_GLOBAL, i);

		if (!sym)
			return -1;
		sym->flags |= SYMF_UNDEF;
	}
	return 0;
}

static int add_linked_exports(struct wasm *w)
{
	const struct wsec *s = w->by_id[WSEC_EXPORT];
	struct wcur c;
	uint32_t n;

	if (!s)
		return 0;
	c = wsec_cur(w, s);
	if (cur_count(&c, 3, &n) < 0)
		return -1;
	for (uint32_t i = 0; i < n; i++) {
		const char *name;
		uint8_t kind;
		uint32_t index;
		struct wspace *sp;
		struct symbol *sym;

		if (cur_name(&c, &name) < 0 || cur_u8(&c, &kind) < 0 ||
		    cur_u32(&c, &index) < 0)
			return -1;
		sp = &w->space[kind];	/* checked by parse_exports() */
		if (index < sp->nr_imports)
			continue;	/* a re-exported import */
		if (kind == SP_FUNC && sp->v[index].name &&
		    !strcmp(sp->v[index].name, name))
			continue;	/* the function's own symbol, made global */
		sym = add_named(w, name, kind == SP_FUNC ? SYMK_FUNC :
				kind == SP_GLOBAL ? SYMK_DATA : SYMK_NOTYPE,
				BIND_GLOBAL, index);
		if (!sym)
			return -1;
		if (kind == SP_FUNC) {
			place_function(sym, w->by_id[WSEC_CODE], &sp->v[index]);
		} else {
			sym->flags |= SYMF_ABS;
			sym->value = sym->offset = index;
		}
	}
	return 0;
}

static int add_linked_symbols(struct wasm *w)
{
	struct wspace *fs = &w->space[SP_FUNC], *gs = &w->space[SP_GLOBAL];

	if (add_linked_imports(w) < 0)
		return -1;
	for (uint32_t i = fs->nr_imports; i < fs->n; i++) {
		const struct wentity *f = &fs->v[i];
		struct symbol *sym;

		if (!f->name)
			continue;
		sym = add_named(w, f->name, SYMK_FUNC,
				f->exported ? BIND_GLOBAL : BIND_LOCAL, i);
		if (!sym)
			return -1;
		place_function(sym, w->by_id[WSEC_CODE], f);
	}
	for (uint32_t i = gs->nr_imports; i < gs->n; i++) {
		struct symbol *sym;

		if (!gs->v[i].name)
			continue;
		if (!(sym = add_named(w, gs->v[i].name, SYMK_DATA, BIND_LOCAL, i)))
			return -1;
		sym->flags |= SYMF_ABS;
		sym->value = sym->offset = i;
	}
	return add_linked_exports(w);
}

/* ---- relocations ---- */

/* Appends to a fixed buffer, truncating (names of huge types only). */
static void buf_add(char *buf, size_t size, const char *s)
{
	size_t len = strlen(buf);

	if (len + 1 < size)
		snprintf(buf + len, size - len, "%s", s);
}

static const char *valtype_name(uint8_t t)
{
	switch (t) {
	case 0x7f: return "i32";
	case 0x7e: return "i64";
	case 0x7d: return "f32";
	case 0x7c: return "f64";
	case 0x7b: return "v128";
	case 0x70: return "funcref";
	case 0x6f: return "externref";
	default: return "?";
	}
}

static void add_valtypes(char *buf, size_t size, const uint8_t *v, uint32_t n)
{
	for (uint32_t i = 0; i < n && strlen(buf) + 1 < size; i++) {
		if (i)
			buf_add(buf, size, ",");
		buf_add(buf, size, valtype_name(v[i]));
	}
}

/* The synthetic symbol standing for type `index` (see the top comment). */
static struct symbol *type_symbol(struct wasm *w, uint32_t index)
{
	struct wtype *t = &w->types[index];
	char buf[256] = "type:(";
	const char *name;

	if (t->sym)
		return t->sym;
	add_valtypes(buf, sizeof(buf), t->params, t->nr_params);
	buf_add(buf, sizeof(buf), t->nr_results == 1 ? ")->" : ")->(");
	add_valtypes(buf, sizeof(buf), t->results, t->nr_results);
	if (t->nr_results != 1)
		buf_add(buf, sizeof(buf), ")");
	if (!(name = obj_strndup(w->obj, buf, strlen(buf)))) {
		obj_error(w->obj, w->err, "out of memory");
		return NULL;
	}
	t->sym = add_named(w, name, SYMK_NOTYPE, BIND_LOCAL, UINT32_MAX);
	if (t->sym) {
		t->sym->flags |= SYMF_ABS;
		t->sym->value = t->sym->offset = index;
	}
	return t->sym;
}

/*
 * Where a field at `offset` of Wasm section `s` lives in the model: DATA
 * fields move to their segment.  Returns -1 if no segment holds the field.
 */
static int locate_field(struct wasm *w, const struct wsec *s, uint64_t offset,
			unsigned width, struct section **sec, uint64_t *off)
{
	if (s->id != WSEC_DATA) {
		*sec = s->sec;
		*off = offset;
		return in_bounds(s->size, offset, width) ? 0 : -1;
	}
	for (uint32_t i = 0; i < w->nr_segs; i++) {
		const struct wseg *seg = &w->segs[i];

		if (offset >= seg->data_off &&
		    in_bounds(seg->size, offset - seg->data_off, width)) {
			*sec = seg->sec;
			*off = offset - seg->data_off;
			return 0;
		}
	}
	return -1;
}

static int read_reloc(struct wasm *w, struct wcur *c, const struct wsec *target)
{
	const struct wreloc_howto *h;
	uint32_t type, offset, index;
	int64_t addend = 0;
	struct reloc *r;
	struct section *sec;
	uint64_t off;

	if (cur_u32(c, &type) < 0 || cur_u32(c, &offset) < 0 ||
	    cur_u32(c, &index) < 0)
		return -1;
	if (type >= NR_RELOC_TYPES)
		return cur_error(c, "unknown relocation type %u", type);
	h = &howtos[type];
	if (h->addend && cur_sleb(c, h->addend64 ? 64 : 32, &addend) < 0)
		return -1;
	if (locate_field(w, target, offset, h->width, &sec, &off) < 0)
		return cur_error(c, "%s at %s+0x%x is outside the section's data",
				 h->name, target->name, offset);
	if (h->type_index ? index >= w->nr_types : index >= w->nr_syms)
		return cur_error(c, "%s refers to %s %u out of range", h->name,
				 h->type_index ? "type" : "symbol", index);
	if (!(r = obj_add_reloc(w->obj)))
		return obj_error(w->obj, w->err, "out of memory");
	r->sec = sec;
	r->offset = off;
	r->type = type;
	r->kind = h->kind;
	r->width = h->width;
	r->flags = h->leb ? RELF_LEB : 0;
	r->addend = addend;
	r->sym = h->type_index ? type_symbol(w, index) : w->syms[index];
	if (!r->sym)
		return -1;
	/* Function offsets count from the body, after its size LEB. */
	if (type == R_FUNCTION_OFFSET_I32 || type == R_FUNCTION_OFFSET_I64)
		r->bias = w->sym_hdr[index];
	return 0;
}

static int read_reloc_section(struct wasm *w, const struct wsec *s)
{
	struct wcur c = wsec_cur(w, s);
	uint32_t target, n;
	const struct wsec *t;

	if (cur_u32(&c, &target) < 0 || cur_count(&c, 3, &n) < 0)
		return -1;
	if (target >= w->nr_secs)
		return cur_error(&c, "relocations for section %u out of range",
				 target);
	t = &w->secs[target];
	if (t->id != WSEC_CODE && t->id != WSEC_DATA && t->id != WSEC_CUSTOM)
		return cur_error(&c, "relocations for section %s", t->name);
	if (n && !w->has_symtab)
		return cur_error(&c, "relocations without a symbol table");
	for (uint32_t i = 0; i < n; i++)
		if (read_reloc(w, &c, t) < 0)
			return -1;
	return cur_end(&c);
}

static int read_relocs(struct wasm *w)
{
	for (uint32_t i = 0; i < w->nr_secs; i++) {
		const struct wsec *s = &w->secs[i];

		if (s->id == WSEC_CUSTOM && has_prefix(s->name, "reloc.") &&
		    read_reloc_section(w, s) < 0)
			return -1;
	}
	return 0;
}

/* ---- the reader's operations ---- */

static bool wasm_probe(const uint8_t *data, size_t size)
{
	return size >= 4 && !memcmp(data, "\0asm", 4);
}

static void set_obj_header(struct wasm *w)
{
	struct obj *obj = w->obj;

	obj->format = FORMAT_WASM;
	obj->arch = ARCH_WASM32;
	obj->bits = w->mem64 ? 64 : 32;
	obj->big_endian = false;
	obj->machine = 0;
	obj->type = OBJ_EXECUTABLE;
	if (w->linking) {
		obj->type = OBJ_RELOCATABLE;
	} else {
		for (uint32_t i = 0; i < w->nr_secs; i++)
			if (w->secs[i].id == WSEC_CUSTOM &&
			    has_prefix(w->secs[i].name, "dylink"))
				obj->type = OBJ_SHARED;
	}
}

static int wasm_load(struct obj *obj, struct ipbp_err *err)
{
	struct wasm w = { .obj = obj, .err = err };
	uint32_t version;

	if (obj->size < 8 || !wasm_probe(obj->data, obj->size))
		return obj_error(obj, err, "not a wasm module");
	version = (uint32_t)obj->data[4] | (uint32_t)obj->data[5] << 8 |
		  (uint32_t)obj->data[6] << 16 | (uint32_t)obj->data[7] << 24;
	if (version != 1)
		return obj_error(obj, err, "unsupported wasm version %u", version);

	/* The structure: sections, index spaces, function bodies, segments. */
	if (scan_sections(&w) < 0 || parse_entities(&w) < 0 ||
	    parse_exports(&w) < 0 || parse_code(&w) < 0 || parse_data(&w) < 0)
		return -1;

	/* What names sections and segments: linking metadata, name section. */
	if (w.linking && (parse_segment_info(&w) < 0 || parse_comdats(&w) < 0))
		return -1;
	if (parse_names(&w) < 0)
		return -1;
	set_obj_header(&w);

	/* The model. */
	if (add_sections(&w) < 0)
		return -1;
	if (w.linking) {
		if (read_symbol_table(&w) < 0 || check_init_funcs(&w) < 0)
			return -1;
	} else if (add_linked_symbols(&w) < 0) {
		return -1;
	}
	return read_relocs(&w);
}

static void wasm_release(struct obj *obj)
{
	(void)obj;	/* everything lives in the obj's arena */
}

static const char *wasm_reloc_type_name(const struct obj *obj, uint32_t type)
{
	(void)obj;
	return type < NR_RELOC_TYPES ? howtos[type].name : NULL;
}

const struct obj_ops wasm_ops = {
	.name = "wasm",
	.format = FORMAT_WASM,
	.probe = wasm_probe,
	.load = wasm_load,
	.release = wasm_release,
	.reloc_type_name = wasm_reloc_type_name,
};
