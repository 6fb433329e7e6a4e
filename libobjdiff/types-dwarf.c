// SPDX-License-Identifier: MIT
/*
 * types-dwarf.c - the type table of one object, read from its DWARF with
 * libdwarf.
 *
 * Debian's libdwarf opens ELF files by path, not Mach-O, COFF or Wasm
 * objects and not bytes in memory, so the debug sections come from our own
 * model through libdwarf's object-access interface (dwarf_object_init_b),
 * with the relocations of a relocatable object applied first: in an ELF
 * RELA object every string offset in .debug_info is 0 plus an addend, and
 * COFF's SECREL fields are relative to a symbol.  Mach-O's __DWARF segment
 * becomes ".debug_*" names.
 *
 * One walk over every compilation unit records each named type (and the
 * layout of each typedef of an anonymous aggregate) and each function and
 * variable with the named types it uses.  A type expression ("const struct
 * s *[4]") is described once per DIE offset and remembered.
 */
#include <stdlib.h>
#include <string.h>

#include <libdwarf/dwarf.h>
#include <libdwarf/libdwarf.h>

#include "types-int.h"

#define MAX_DEPTH	64	/* DIE nesting and type-expression chains */

/* A type expression: its text and the named types it holds. */
struct tdesc {
	uint64_t off;
	const char *text;
	struct tref_list refs;
	bool anon;		/* an anonymous aggregate (flattened) */
	bool busy;		/* being described: a cycle */
};

struct dsection {
	const char *name;
	uint64_t size;
	uint8_t *data;		/* relocated copy */
};

struct reader {
	const struct obj *obj;
	struct type_table *table;
	struct ipbp_err *err;
	Dwarf_Debug dbg;
	struct dsection *secs;	/* [0] is the null section */
	size_t nr_secs;
	struct tdesc *descs;	/* open-addressed by DIE offset */
	size_t descs_size, nr_descs;
	size_t work;		/* DIEs visited, against a pathological file */
	size_t max_work;
};

static int oom(struct reader *r)
{
	return ipbp_error(r->err, "%s: out of memory", r->obj->name);
}

static int dwarf_fail(struct reader *r, Dwarf_Error e, const char *what)
{
	const char *msg = e ? dwarf_errmsg(e) : "malformed";

	ipbp_error(r->err, "%s: DWARF: %s: %s", r->obj->name, what, msg ? msg : "malformed");
	if (e)
		dwarf_dealloc_error(r->dbg, e);
	return -1;
}

/* ---- sections through the object-access interface ----------------------- */

/*
 * The sections type layouts need: entries, their abbreviations and the
 * strings they name (DWARF 5 reaches those through offsets tables).  No
 * others (but .debug_addr, which DWARF 5 units need to open) are given
 * to libdwarf: less of a corrupt file is parsed (Debian's
 * libdwarf 20210528 frees twice on a bad .debug_rnglists).
 */
static const char *const wanted_sections[] = {
	"info", "abbrev", "str", "str_offsets", "line_str", "addr",
};

/* ".debug_info" for ".debug_info", "__DWARF,__debug_info", "__debug_info";
 * NULL for a section not wanted. */
static const char *dwarf_section_name(const struct section *sec, struct reader *r)
{
	const char *n = sec->name, *comma = strchr(n, ',');

	if (comma)
		n = comma + 1;
	if (!strncmp(n, "__debug_", 8))
		n += 8;
	else if (!strncmp(n, ".debug_", 7))
		n += 7;
	else
		return NULL;
	for (size_t i = 0; i < sizeof(wanted_sections) / sizeof(wanted_sections[0]); i++)
		if (!strcmp(n, wanted_sections[i]))
			return tarena_printf(&r->table->arena, ".debug_%s", n);
	return NULL;
}

static void put_field(uint8_t *p, unsigned width, uint64_t v, bool big_endian)
{
	for (unsigned i = 0; i < width; i++)
		p[big_endian ? width - 1 - i : i] = (uint8_t)(v >> (8 * i));
}

/* The section's bytes with the fields that refer to other debug sections
 * (or code addresses) set to the target's offset plus the addend. */
static uint8_t *relocated_copy(const struct section *sec, bool big_endian)
{
	uint8_t *copy = malloc(sec->size ? sec->size : 1);
	struct reloc *rel;

	if (!copy)
		return NULL;
	memcpy(copy, sec->data, sec->size);
	for_each_section_reloc(sec, rel) {
		if (!rel->sym || (rel->width != 4 && rel->width != 8) ||
		    !in_bounds(sec->size, rel->offset, rel->width))
			continue;
		if (rel->kind != RK_ABS && rel->kind != RK_SECREL && rel->kind != RK_WASM_OFFSET)
			continue;
		put_field(copy + rel->offset, rel->width,
			  rel->sym->offset + (uint64_t)rel->addend, big_endian);
	}
	return copy;
}

static int collect_sections(struct reader *r)
{
	const struct obj *obj = r->obj;
	struct section *sec;

	r->secs = calloc(obj->nr_sections + 1, sizeof(*r->secs));
	if (!r->secs)
		return oom(r);
	r->secs[0].name = "";
	r->nr_secs = 1;
	for_each_section(obj, sec) {
		const char *name = dwarf_section_name(sec, r);
		struct dsection *d;

		if (!name || !sec->data || (sec->flags & SECF_COMPRESSED))
			continue;	/* not inflated: as if there were no DWARF */
		if (!strcmp(name, ".debug_info"))
			r->table->has_dwarf = true;
		d = &r->secs[r->nr_secs++];
		d->name = name;
		d->size = sec->size;
		d->data = relocated_copy(sec, obj->big_endian);
		if (!d->data)
			return oom(r);
	}
	return 0;
}

static int get_section_info(void *p, Dwarf_Half i, Dwarf_Obj_Access_Section *s, int *e)
{
	struct reader *r = p;

	if (i >= r->nr_secs)
		return DW_DLV_NO_ENTRY;
	memset(s, 0, sizeof(*s));
	s->name = r->secs[i].name;
	s->size = r->secs[i].size;
	s->type = i ? 1 : 0;	/* SHT_PROGBITS, SHT_NULL */
	return DW_DLV_OK;
}

static Dwarf_Endianness get_byte_order(void *p)
{
	return ((struct reader *)p)->obj->big_endian ? DW_OBJECT_MSB : DW_OBJECT_LSB;
}

static Dwarf_Small get_length_size(void *p)
{
	return 4;
}

static Dwarf_Small get_pointer_size(void *p)
{
	return ((struct reader *)p)->obj->bits == 64 ? 8 : 4;
}

static Dwarf_Unsigned get_section_count(void *p)
{
	return ((struct reader *)p)->nr_secs;
}

static int load_section(void *p, Dwarf_Half i, Dwarf_Small **data, int *e)
{
	struct reader *r = p;

	if (i >= r->nr_secs || !r->secs[i].data)
		return DW_DLV_NO_ENTRY;
	*data = r->secs[i].data;
	return DW_DLV_OK;
}

static const Dwarf_Obj_Access_Methods access_methods = {
	.get_section_info = get_section_info,
	.get_byte_order = get_byte_order,
	.get_length_size = get_length_size,
	.get_pointer_size = get_pointer_size,
	.get_section_count = get_section_count,
	.load_section = load_section,
};

/* ---- attributes ------------------------------------------------------------ */

static void drop_error(Dwarf_Debug dbg, Dwarf_Error *e)
{
	if (*e)
		dwarf_dealloc_error(dbg, *e);
	*e = NULL;
}

static bool has_attr(Dwarf_Debug dbg, Dwarf_Die die, Dwarf_Half at)
{
	Dwarf_Bool yes = 0;
	Dwarf_Error e = NULL;

	if (dwarf_hasattr(die, at, &yes, &e) != DW_DLV_OK)
		yes = 0;
	drop_error(dbg, &e);
	return yes;
}

static Dwarf_Attribute get_attr(Dwarf_Debug dbg, Dwarf_Die die, Dwarf_Half at)
{
	Dwarf_Attribute a = NULL;
	Dwarf_Error e = NULL;

	if (dwarf_attr(die, at, &a, &e) != DW_DLV_OK)
		a = NULL;
	drop_error(dbg, &e);
	return a;
}

static bool attr_flag(Dwarf_Debug dbg, Dwarf_Die die, Dwarf_Half at)
{
	Dwarf_Attribute a = get_attr(dbg, die, at);
	Dwarf_Bool v = 0;
	Dwarf_Error e = NULL;

	if (!a)
		return false;
	if (dwarf_formflag(a, &v, &e) != DW_DLV_OK)
		v = 0;
	drop_error(dbg, &e);
	dwarf_dealloc_attribute(a);
	return v;
}

static const char *attr_string(Dwarf_Debug dbg, Dwarf_Die die, Dwarf_Half at)
{
	Dwarf_Attribute a = get_attr(dbg, die, at);
	Dwarf_Error e = NULL;
	char *s = NULL;

	if (!a)
		return NULL;
	if (dwarf_formstring(a, &s, &e) != DW_DLV_OK)
		s = NULL;
	drop_error(dbg, &e);
	dwarf_dealloc_attribute(a);
	return s;
}

/* The bytes of an expression (DW_FORM_exprloc, or a block in DWARF 2-3). */
static bool attr_expr(Dwarf_Debug dbg, Dwarf_Attribute a, Dwarf_Half form,
		      uint8_t *buf, size_t size, size_t *len)
{
	Dwarf_Unsigned n = 0;
	Dwarf_Ptr ptr = NULL;
	Dwarf_Block *blk = NULL;
	Dwarf_Error e = NULL;
	bool ok = false;

	if (form == DW_FORM_exprloc && dwarf_formexprloc(a, &n, &ptr, &e) == DW_DLV_OK) {
		ok = true;
	} else if (form != DW_FORM_exprloc && dwarf_formblock(a, &blk, &e) == DW_DLV_OK) {
		ptr = blk->bl_data;
		n = blk->bl_len;
		ok = true;
	}
	if (ok) {
		*len = n < size ? n : size;
		memcpy(buf, ptr, *len);
	}
	if (blk)
		dwarf_dealloc(dbg, blk, DW_DLA_BLOCK);
	drop_error(dbg, &e);
	return ok;
}

static bool is_block_form(Dwarf_Half form)
{
	return form == DW_FORM_exprloc || form == DW_FORM_block || form == DW_FORM_block1 ||
	       form == DW_FORM_block2 || form == DW_FORM_block4;
}

/* An unsigned constant, or the operand of a DW_OP_plus_uconst / DW_OP_constu
 * expression (member locations of DWARF 2).  False when absent or other. */
static bool attr_udata(Dwarf_Debug dbg, Dwarf_Die die, Dwarf_Half at, uint64_t *out)
{
	Dwarf_Attribute a = get_attr(dbg, die, at);
	Dwarf_Half form = 0;
	Dwarf_Unsigned u;
	Dwarf_Signed s;
	Dwarf_Error e = NULL;
	uint8_t expr[16];
	size_t len = 0;
	bool ok = false;

	if (!a)
		return false;
	if (dwarf_whatform(a, &form, &e) != DW_DLV_OK) {
		form = 0;
	} else if (is_block_form(form)) {
		if (attr_expr(dbg, a, form, expr, sizeof(expr), &len) && len >= 2 &&
		    (expr[0] == DW_OP_plus_uconst || expr[0] == DW_OP_constu)) {
			uint64_t v = 0;

			for (size_t i = 1; i < len && i < 10; i++) {
				v |= (uint64_t)(expr[i] & 0x7f) << (7 * (i - 1));
				if (!(expr[i] & 0x80))
					break;
			}
			*out = v;
			ok = true;
		}
	} else if (form == DW_FORM_sdata || form == DW_FORM_implicit_const) {
		if ((ok = dwarf_formsdata(a, &s, &e) == DW_DLV_OK))
			*out = (uint64_t)s;
	} else if ((ok = dwarf_formudata(a, &u, &e) == DW_DLV_OK)) {
		*out = u;
	}
	drop_error(dbg, &e);
	dwarf_dealloc_attribute(a);
	return ok;
}

/* An enumerator's value: signed unless its form says unsigned. */
static bool attr_sdata(Dwarf_Debug dbg, Dwarf_Die die, Dwarf_Half at, int64_t *out)
{
	Dwarf_Attribute a = get_attr(dbg, die, at);
	Dwarf_Half form = 0;
	Dwarf_Signed s;
	Dwarf_Unsigned u;
	Dwarf_Error e = NULL;
	bool ok;

	if (!a)
		return false;
	if (dwarf_whatform(a, &form, &e) != DW_DLV_OK)
		form = 0;
	drop_error(dbg, &e);
	if (form == DW_FORM_udata) {
		if ((ok = dwarf_formudata(a, &u, &e) == DW_DLV_OK))
			*out = (int64_t)u;
	} else if ((ok = dwarf_formsdata(a, &s, &e) == DW_DLV_OK)) {
		*out = s;
	}
	drop_error(dbg, &e);
	dwarf_dealloc_attribute(a);
	return ok;
}

/* The DIE an attribute refers to (DW_AT_type, DW_AT_abstract_origin...). */
static Dwarf_Die attr_die(Dwarf_Debug dbg, Dwarf_Die die, Dwarf_Half at, uint64_t *off)
{
	Dwarf_Attribute a = get_attr(dbg, die, at);
	Dwarf_Off o;
	Dwarf_Die target = NULL;
	Dwarf_Error e = NULL;

	if (!a)
		return NULL;
	if (dwarf_global_formref(a, &o, &e) == DW_DLV_OK &&
	    dwarf_offdie_b(dbg, o, true, &target, &e) == DW_DLV_OK && off)
		*off = o;
	drop_error(dbg, &e);
	dwarf_dealloc_attribute(a);
	return target;
}

static const char *die_name(Dwarf_Debug dbg, Dwarf_Die die)
{
	char *name = NULL;
	Dwarf_Error e = NULL;

	if (dwarf_diename(die, &name, &e) != DW_DLV_OK)
		name = NULL;
	drop_error(dbg, &e);
	return name;
}

static Dwarf_Half die_tag(Dwarf_Debug dbg, Dwarf_Die die)
{
	Dwarf_Half tag = 0;
	Dwarf_Error e = NULL;

	if (dwarf_tag(die, &tag, &e) != DW_DLV_OK)
		tag = 0;
	drop_error(dbg, &e);
	return tag;
}

/* The name of a function or variable, through its specification or
 * abstract origin: the linkage name when there is one. */
static const char *entity_name(Dwarf_Debug dbg, Dwarf_Die die, int depth)
{
	static const Dwarf_Half via[] = { DW_AT_specification, DW_AT_abstract_origin };
	const char *s = attr_string(dbg, die, DW_AT_linkage_name);

	if (!s)
		s = attr_string(dbg, die, DW_AT_MIPS_linkage_name);
	if (!s)
		s = die_name(dbg, die);
	for (size_t i = 0; !s && depth < 4 && i < 2; i++) {
		Dwarf_Die origin = attr_die(dbg, die, via[i], NULL);

		if (origin) {
			s = entity_name(dbg, origin, depth + 1);
			dwarf_dealloc_die(origin);
		}
	}
	return s;
}

/* ---- type expressions ------------------------------------------------------ */

static struct tdesc *desc_slot(struct reader *r, uint64_t off)
{
	size_t mask = r->descs_size - 1, i = (size_t)(off * 0x9e3779b97f4a7c15ull) & mask;

	while (r->descs[i].text || r->descs[i].busy) {
		if (r->descs[i].off == off)
			return &r->descs[i];
		i = (i + 1) & mask;
	}
	return &r->descs[i];
}

static int desc_grow(struct reader *r)
{
	struct tdesc *old = r->descs;
	size_t old_size = r->descs_size;

	if ((r->nr_descs + 1) * 2 <= r->descs_size)
		return 0;
	r->descs_size = old_size ? old_size * 2 : 256;
	r->descs = calloc(r->descs_size, sizeof(*r->descs));
	if (!r->descs) {
		r->descs = old;
		r->descs_size = old_size;
		return oom(r);
	}
	for (size_t i = 0; i < old_size; i++)
		if (old[i].text || old[i].busy)
			*desc_slot(r, old[i].off) = old[i];
	free(old);
	return 0;
}

static const char *tag_kind(Dwarf_Half tag)
{
	switch (tag) {
	case DW_TAG_structure_type: return "struct";
	case DW_TAG_union_type: return "union";
	case DW_TAG_class_type: return "class";
	case DW_TAG_enumeration_type: return "enum";
	case DW_TAG_typedef: return "typedef";
	default: return NULL;
	}
}

static const char *qualifier(Dwarf_Half tag)
{
	switch (tag) {
	case DW_TAG_const_type: return "const";
	case DW_TAG_volatile_type: return "volatile";
	case DW_TAG_restrict_type: return "restrict";
	case DW_TAG_atomic_type: return "_Atomic";
	default: return NULL;
	}
}

static int describe(struct reader *r, uint64_t off, int depth, const struct tdesc **out);

/* The description of die's DW_AT_type ("void" when it has none). */
static int describe_type_of(struct reader *r, Dwarf_Die die, int depth, const struct tdesc **out)
{
	static const struct tdesc void_desc = { .text = "void" };
	uint64_t off = 0;
	Dwarf_Die t = attr_die(r->dbg, die, DW_AT_type, &off);

	if (!t) {
		*out = &void_desc;
		return 0;
	}
	dwarf_dealloc_die(t);
	return describe(r, off, depth + 1, out);
}

/* "[4][2]" of an array type's subranges. */
static const char *array_dims(struct reader *r, Dwarf_Die die)
{
	const char *dims = "";
	Dwarf_Die c = NULL, next;
	Dwarf_Error e = NULL;

	if (dwarf_child(die, &c, &e) != DW_DLV_OK)
		c = NULL;
	for (int n = 0; c && n < MAX_DEPTH; n++) {
		uint64_t count, upper;

		if (attr_udata(r->dbg, c, DW_AT_count, &count))
			dims = tarena_printf(&r->table->arena, "%s[%llu]", dims,
					     (unsigned long long)count);
		else if (attr_udata(r->dbg, c, DW_AT_upper_bound, &upper))
			dims = tarena_printf(&r->table->arena, "%s[%llu]", dims,
					     (unsigned long long)upper + 1);
		else
			dims = tarena_printf(&r->table->arena, "%s[]", dims);
		if (dwarf_siblingof_b(r->dbg, c, true, &next, &e) != DW_DLV_OK)
			next = NULL;
		dwarf_dealloc_die(c);
		c = next;
	}
	if (c)
		dwarf_dealloc_die(c);
	drop_error(r->dbg, &e);
	return dims ? dims : "[]";
}

static int record_members(struct reader *r, struct ttype *t, Dwarf_Die die,
			  uint64_t base, const char *prefix, int depth);

/* Describes the type at die (whose offset is d->off) into d. */
static int describe_die(struct reader *r, Dwarf_Die die, struct tdesc *d, int depth)
{
	struct type_arena **A = &r->table->arena;
	Dwarf_Half tag = die_tag(r->dbg, die);
	const char *kind = tag_kind(tag), *name = die_name(r->dbg, die), *q;
	const struct tdesc *inner;

	if (kind && name) {
		d->text = tag == DW_TAG_typedef ? tarena_strdup(A, name)
						: tarena_printf(A, "%s %s", kind, name);
		return tref_add(&d->refs, tarena_printf(A, "%s %s", kind, name), TUSE_VALUE);
	}
	if (kind) {	/* anonymous aggregate: its members' types, inline */
		struct ttype anon = { .kind = kind };

		d->anon = true;
		d->text = tarena_printf(A, "%s {...}", kind);
		int ret = record_members(r, &anon, die, 0, "", depth);

		free(anon.members);
		free(anon.enums);
		d->refs = anon.refs;	/* freed with d, also on failure */
		return ret;
	}
	switch (tag) {
	case DW_TAG_base_type:
	case DW_TAG_unspecified_type:
		d->text = name ? tarena_strdup(A, name) : "void";
		return 0;
	case DW_TAG_pointer_type:
	case DW_TAG_reference_type:
	case DW_TAG_rvalue_reference_type:
	case DW_TAG_ptr_to_member_type:
		if (describe_type_of(r, die, depth, &inner) < 0)
			return -1;
		d->text = tarena_printf(A, "%s %s", inner->text,
					tag == DW_TAG_pointer_type ? "*" : "&");
		return tref_add_all(&d->refs, &inner->refs, TUSE_POINTER);
	case DW_TAG_array_type:
		if (describe_type_of(r, die, depth, &inner) < 0)
			return -1;
		d->text = tarena_printf(A, "%s%s", inner->text, array_dims(r, die));
		return tref_add_all(&d->refs, &inner->refs, TUSE_VALUE);
	case DW_TAG_subroutine_type:
		if (describe_type_of(r, die, depth, &inner) < 0)
			return -1;
		d->text = tarena_printf(A, "%s ()", inner->text);
		return 0;
	default:
		if ((q = qualifier(tag))) {
			if (describe_type_of(r, die, depth, &inner) < 0)
				return -1;
			d->text = tarena_printf(A, "%s %s", q, inner->text);
			d->anon = inner->anon;
			return tref_add_all(&d->refs, &inner->refs, TUSE_VALUE);
		}
		d->text = tarena_printf(A, "?%#x", tag);
		return 0;
	}
}

static int describe(struct reader *r, uint64_t off, int depth, const struct tdesc **out)
{
	static const struct tdesc deep = { .text = "..." };
	Dwarf_Die die = NULL;
	Dwarf_Error e = NULL;
	struct tdesc *d, tmp;
	int ret;

	if (desc_grow(r) < 0)
		return -1;
	d = desc_slot(r, off);
	if (d->text || d->busy || depth > MAX_DEPTH) {
		*out = d->text ? d : &deep;	/* a cycle or too deep */
		return 0;
	}
	if (dwarf_offdie_b(r->dbg, off, true, &die, &e) != DW_DLV_OK)
		return dwarf_fail(r, e, "type reference");
	d->off = off;
	d->busy = true;
	r->nr_descs++;
	memset(&tmp, 0, sizeof(tmp));
	tmp.off = off;
	ret = describe_die(r, die, &tmp, depth);
	dwarf_dealloc_die(die);
	/* the table may have moved while describing */
	d = desc_slot(r, off);
	tmp.busy = false;
	*d = tmp;
	if (ret < 0)
		return -1;
	if (!d->text)
		d->text = "?";
	*out = d;
	return 0;
}

/* ---- named types -------------------------------------------------------------- */

static int add_member(struct reader *r, struct ttype *t, const char *name, uint64_t offset,
		      uint64_t bit_size, uint64_t bit_offset, const char *type)
{
	struct tmember *m;

	if (array_grow((void **)&t->members, &t->cap_members, t->nr_members + 1,
		       sizeof(*m)) < 0)
		return oom(r);
	m = &t->members[t->nr_members++];
	m->name = name;
	m->offset = offset;
	m->bit_size = bit_size;
	m->bit_offset = bit_offset;
	m->type = type;
	return 0;
}

static int add_enumerator(struct reader *r, struct ttype *t, Dwarf_Die c)
{
	const char *name = die_name(r->dbg, c);
	int64_t v = 0;

	if (!name)
		return 0;
	attr_sdata(r->dbg, c, DW_AT_const_value, &v);
	if (array_grow((void **)&t->enums, &t->cap_enums, t->nr_enums + 1,
		       sizeof(*t->enums)) < 0)
		return oom(r);
	t->enums[t->nr_enums].name = tarena_strdup(&r->table->arena, name);
	t->enums[t->nr_enums++].value = v;
	return 0;
}

/*
 * A bit field's first bit, counted from the start of its aggregate: DWARF 4
 * says so directly (DW_AT_data_bit_offset, gcc), DWARF 2 counts from the
 * most significant bit of a storage unit at the member location
 * (DW_AT_bit_offset, which clang 14 still writes), so that little-endian
 * positions come out the same from both compilers.
 */
static bool bit_position(struct reader *r, Dwarf_Die c, uint64_t loc, uint64_t bits,
			 uint64_t *out)
{
	uint64_t msb_off, unit = 0;

	if (attr_udata(r->dbg, c, DW_AT_data_bit_offset, out))
		return true;
	if (!attr_udata(r->dbg, c, DW_AT_bit_offset, &msb_off))
		return false;
	attr_udata(r->dbg, c, DW_AT_byte_size, &unit);
	if (r->obj->big_endian || unit * 8 < msb_off + bits || unit > 16) {
		*out = loc * 8 + msb_off;
		return true;
	}
	*out = loc * 8 + unit * 8 - msb_off - bits;
	return true;
}

/* One DW_TAG_member or DW_TAG_inheritance of an aggregate at base. */
static int add_member_die(struct reader *r, struct ttype *t, Dwarf_Die c, uint64_t base,
			  const char *prefix, int depth)
{
	struct type_arena **A = &r->table->arena;
	const char *name = die_name(r->dbg, c);
	uint64_t off = 0, bits = 0, bit_off = 0;
	const struct tdesc *type;

	if (die_tag(r->dbg, c) == DW_TAG_member && (attr_flag(r->dbg, c, DW_AT_external) ||
					   attr_flag(r->dbg, c, DW_AT_declaration)))
		return 0;	/* a C++ static member: no storage here */
	attr_udata(r->dbg, c, DW_AT_data_member_location, &off);
	if (attr_udata(r->dbg, c, DW_AT_bit_size, &bits) && bits &&
	    bit_position(r, c, off, bits, &bit_off)) {
		off = bit_off / 8;
		bit_off += base * 8;	/* from the start of the outermost type */
	}
	if (describe_type_of(r, c, depth, &type) < 0)
		return -1;
	if (tref_add_all(&t->refs, &type->refs, TUSE_VALUE) < 0)
		return oom(r);
	if (!name && type->anon && depth < MAX_DEPTH) {
		Dwarf_Die inner = attr_die(r->dbg, c, DW_AT_type, NULL);
		int ret;

		if (!inner)
			return 0;
		ret = record_members(r, t, inner, base + off, prefix, depth + 1);
		dwarf_dealloc_die(inner);
		return ret;
	}
	if (die_tag(r->dbg, c) == DW_TAG_inheritance)
		name = tarena_printf(A, "<base %s>", type->text);
	if (!name)
		return 0;	/* an unnamed bit field: padding */
	return add_member(r, t, tarena_printf(A, "%s%s", prefix, name), base + off, bits,
			  bit_off, type->text);
}

/* The members (or enumerators) of the aggregate at die into t, at base. */
static int record_members(struct reader *r, struct ttype *t, Dwarf_Die die,
			  uint64_t base, const char *prefix, int depth)
{
	Dwarf_Die c = NULL, next;
	Dwarf_Error e = NULL;
	int ret = 0, n = 0;

	if (dwarf_child(die, &c, &e) == DW_DLV_ERROR)
		return dwarf_fail(r, e, "members");
	for (; c && ret == 0; c = next, n++) {
		Dwarf_Half tag = die_tag(r->dbg, c);

		if (++r->work > r->max_work) {
			dwarf_dealloc_die(c);
			return ipbp_error(r->err, "%s: DWARF: too many entries", r->obj->name);
		}
		if (tag == DW_TAG_member || tag == DW_TAG_inheritance)
			ret = add_member_die(r, t, c, base, prefix, depth);
		else if (tag == DW_TAG_enumerator)
			ret = add_enumerator(r, t, c);
		next = NULL;
		if (dwarf_siblingof_b(r->dbg, c, true, &next, &e) == DW_DLV_ERROR) {
			dwarf_dealloc_die(c);
			return dwarf_fail(r, e, "members");
		}
		dwarf_dealloc_die(c);
	}
	if (ret < 0 && c)
		dwarf_dealloc_die(c);
	return ret;
}

/* A named struct, union, class or enum. */
static int record_aggregate(struct reader *r, Dwarf_Die die, const char *kind, const char *name)
{
	struct ttype *t;
	uint64_t size = 0;

	if (attr_flag(r->dbg, die, DW_AT_declaration)) {
		if (!types_intern(r->table, kind, name))
			return oom(r);
		return 0;
	}
	t = types_intern(r->table, kind, name);
	if (!t)
		return oom(r);
	if (t->complete)
		return 0;	/* the first definition wins */
	attr_udata(r->dbg, die, DW_AT_byte_size, &size);
	t->complete = true;
	t->size = size;
	return record_members(r, t, die, 0, "", 0);
}

/* A typedef: its target, or the layout of the anonymous aggregate it names. */
static int record_typedef(struct reader *r, Dwarf_Die die, const char *name)
{
	const struct tdesc *target;
	struct ttype *t = types_intern(r->table, "typedef", name);
	Dwarf_Die inner;
	uint64_t size = 0;
	int ret = 0;

	if (!t)
		return oom(r);
	if (t->complete)
		return 0;
	if (describe_type_of(r, die, 0, &target) < 0)
		return -1;
	t->complete = true;	/* describing adds no types: t stays put */
	if (!target->anon) {
		t->layout = target->text;
		return tref_add_all(&t->refs, &target->refs, TUSE_VALUE) < 0 ? oom(r) : 0;
	}
	inner = attr_die(r->dbg, die, DW_AT_type, NULL);
	while (inner && qualifier(die_tag(r->dbg, inner))) {
		Dwarf_Die next = attr_die(r->dbg, inner, DW_AT_type, NULL);

		dwarf_dealloc_die(inner);
		inner = next;
	}
	if (!inner)
		return 0;
	t->layout = tag_kind(die_tag(r->dbg, inner));
	attr_udata(r->dbg, inner, DW_AT_byte_size, &size);
	t->size = size;
	ret = record_members(r, t, inner, 0, "", 1);
	dwarf_dealloc_die(inner);
	return ret;
}

/* ---- functions and variables -------------------------------------------------- */

static struct tuser *add_user(struct reader *r, const char *name, bool is_func, bool is_decl)
{
	struct type_table *tt = r->table;
	struct tuser *u;

	if (array_grow((void **)&tt->users, &tt->cap_users, tt->nr_users + 1, sizeof(*u)) < 0)
		return NULL;
	u = &tt->users[tt->nr_users++];
	memset(u, 0, sizeof(*u));
	u->name = tarena_strdup(&tt->arena, name);
	u->is_func = is_func;
	u->is_decl = is_decl;
	return u->name ? u : NULL;
}

/* The type of a variable or parameter, through its abstract origin. */
static int describe_entity_type(struct reader *r, Dwarf_Die die, const struct tdesc **out)
{
	Dwarf_Die origin;
	int ret;

	if (has_attr(r->dbg, die, DW_AT_type) || !has_attr(r->dbg, die, DW_AT_abstract_origin))
		return describe_type_of(r, die, 0, out);
	origin = attr_die(r->dbg, die, DW_AT_abstract_origin, NULL);
	if (!origin)
		return describe_type_of(r, die, 0, out);
	ret = describe_type_of(r, origin, 0, out);
	dwarf_dealloc_die(origin);
	return ret;
}

/* A variable with a static address (DW_OP_addr): a global or a
 * function-scope static. */
static bool has_static_location(Dwarf_Debug dbg, Dwarf_Die die)
{
	Dwarf_Attribute a = get_attr(dbg, die, DW_AT_location);
	Dwarf_Half form = 0;
	Dwarf_Error e = NULL;
	uint8_t op = 0;
	size_t len = 0;

	if (!a)
		return false;
	if (dwarf_whatform(a, &form, &e) == DW_DLV_OK && is_block_form(form))
		attr_expr(dbg, a, form, &op, 1, &len);
	drop_error(dbg, &e);
	dwarf_dealloc_attribute(a);
	return len && (op == DW_OP_addr || op == DW_OP_addrx || op == DW_OP_GNU_addr_index);
}

static int walk(struct reader *r, Dwarf_Die die, struct tuser *fn, const char *fn_name,
		int depth);

static int visit_variable(struct reader *r, Dwarf_Die die, struct tuser *fn,
			  const char *fn_name)
{
	const char *name = entity_name(r->dbg, die, 0);
	const struct tdesc *type;
	struct tuser *u;
	size_t fn_index = fn ? (size_t)(fn - r->table->users) : 0;

	if (describe_entity_type(r, die, &type) < 0)
		return -1;
	if (fn) {
		fn = &r->table->users[fn_index];
		if (tref_add_all(&fn->refs, &type->refs, TUSE_VALUE) < 0)
			return oom(r);
		if (!has_static_location(r->dbg, die) || !name || die_tag(r->dbg, die) != DW_TAG_variable)
			return 0;
		name = tarena_printf(&r->table->arena, "%s (static in %s)", name, fn_name);
	}
	if (!name)
		return 0;
	u = add_user(r, name, false, attr_flag(r->dbg, die, DW_AT_declaration));
	if (!u || tref_add_all(&u->refs, &type->refs, TUSE_VALUE) < 0)
		return oom(r);
	return 0;
}

/* A function with code here (not only an inline abstract instance). */
static int visit_subprogram(struct reader *r, Dwarf_Die die, int depth)
{
	const char *name;
	const struct tdesc *ret_type;
	struct tuser *u;

	if (!has_attr(r->dbg, die, DW_AT_low_pc) && !has_attr(r->dbg, die, DW_AT_ranges))
		return walk(r, die, NULL, NULL, depth + 1);	/* nested types */
	name = entity_name(r->dbg, die, 0);
	if (!name)
		return 0;
	u = add_user(r, name, true, false);
	if (!u)
		return oom(r);
	if (describe_entity_type(r, die, &ret_type) < 0)
		return -1;
	u = &r->table->users[r->table->nr_users - 1];
	if (tref_add_all(&u->refs, &ret_type->refs, TUSE_VALUE) < 0)
		return oom(r);
	return walk(r, die, u, u->name, depth + 1);
}

static int visit(struct reader *r, Dwarf_Die c, struct tuser *fn, const char *fn_name,
		 int depth)
{
	Dwarf_Half tag = die_tag(r->dbg, c);
	const char *kind = tag_kind(tag), *name;
	size_t fn_index = fn ? (size_t)(fn - r->table->users) : 0;
	int ret;

	if (kind && (name = die_name(r->dbg, c))) {
		name = tarena_strdup(&r->table->arena, name);
		ret = tag == DW_TAG_typedef ? record_typedef(r, c, name)
					    : record_aggregate(r, c, kind, name);
		if (ret < 0 || tag == DW_TAG_typedef)
			return ret;
		return walk(r, c, NULL, NULL, depth + 1);	/* nested types */
	}
	switch (tag) {
	case DW_TAG_subprogram:
		return fn ? 0 : visit_subprogram(r, c, depth);
	case DW_TAG_variable:
	case DW_TAG_formal_parameter:
		if (!fn && tag == DW_TAG_formal_parameter)
			return 0;
		return visit_variable(r, c, fn, fn_name);
	case DW_TAG_lexical_block:
	case DW_TAG_inlined_subroutine:
	case DW_TAG_try_block:
	case DW_TAG_catch_block:
	case DW_TAG_namespace:
		fn = fn ? &r->table->users[fn_index] : NULL;
		return walk(r, c, fn, fn_name, depth + 1);
	default:
		return 0;
	}
}

/* Visits every child of die; fn is the function being walked, if any. */
static int walk(struct reader *r, Dwarf_Die die, struct tuser *fn, const char *fn_name,
		int depth)
{
	size_t fn_index = fn ? (size_t)(fn - r->table->users) : 0;
	Dwarf_Die c = NULL, next;
	Dwarf_Error e = NULL;
	int ret = 0;

	if (depth > MAX_DEPTH)
		return ipbp_error(r->err, "%s: DWARF: entries nested too deeply", r->obj->name);
	if (dwarf_child(die, &c, &e) == DW_DLV_ERROR)
		return dwarf_fail(r, e, "children");
	while (c) {
		if (++r->work > r->max_work)
			ret = ipbp_error(r->err, "%s: DWARF: too many entries", r->obj->name);
		else
			ret = visit(r, c, fn ? &r->table->users[fn_index] : NULL, fn_name, depth);
		if (ret < 0) {
			dwarf_dealloc_die(c);
			return -1;
		}
		next = NULL;
		if (dwarf_siblingof_b(r->dbg, c, true, &next, &e) == DW_DLV_ERROR) {
			dwarf_dealloc_die(c);
			return dwarf_fail(r, e, "siblings");
		}
		dwarf_dealloc_die(c);
		c = next;
	}
	return 0;
}

static int walk_units(struct reader *r)
{
	Dwarf_Unsigned len, abbrev_off, next_off, typeoff;
	Dwarf_Half version, addr_size, off_size, ext_size, unit_type;
	Dwarf_Sig8 sig;
	Dwarf_Error e = NULL;
	Dwarf_Die cu;
	int ret;

	/* each header read moves libdwarf on to the next unit */

	for (;;) {
		ret = dwarf_next_cu_header_d(r->dbg, true, &len, &version, &abbrev_off,
					     &addr_size, &off_size, &ext_size, &sig, &typeoff,
					     &next_off, &unit_type, &e);
		if (ret == DW_DLV_NO_ENTRY)
			return 0;
		if (ret == DW_DLV_ERROR)
			return dwarf_fail(r, e, "unit header");
		cu = NULL;
		ret = dwarf_siblingof_b(r->dbg, NULL, true, &cu, &e);
		if (ret == DW_DLV_ERROR)
			return dwarf_fail(r, e, "unit");
		if (ret == DW_DLV_NO_ENTRY)
			continue;	/* a unit without entries */
		ret = walk(r, cu, NULL, NULL, 0);
		dwarf_dealloc_die(cu);
		if (ret < 0)
			return -1;
	}
}

static void reader_release(struct reader *r)
{
	Dwarf_Error e = NULL;

	if (r->dbg && dwarf_object_finish(r->dbg, &e) == DW_DLV_ERROR)
		dwarf_dealloc_error(NULL, e);	/* dbg is gone */
	for (size_t i = 0; i < r->nr_secs; i++)
		free(r->secs[i].data);
	free(r->secs);
	for (size_t i = 0; i < r->descs_size; i++)
		free(r->descs[i].refs.v);
	free(r->descs);
}

int types_read(struct type_table *table, const struct obj *obj, struct ipbp_err *err)
{
	Dwarf_Obj_Access_Interface iface = { .methods = &access_methods };
	struct reader r = { .obj = obj, .table = table, .err = err };
	Dwarf_Error e = NULL;
	int ret = -1;

	memset(table, 0, sizeof(*table));
	if (collect_sections(&r) < 0)
		goto out;
	if (!table->has_dwarf) {
		ret = 0;
		goto out;
	}
	/* a DIE takes at least two bytes: more visits mean a loop */
	for (size_t i = 0; i < r.nr_secs; i++)
		if (!strcmp(r.secs[i].name, ".debug_info"))
			r.max_work = 4 * r.secs[i].size + 1024;
	iface.object = &r;
	ret = dwarf_object_init_b(&iface, NULL, NULL, DW_GROUPNUMBER_ANY, &r.dbg, &e);
	if (ret == DW_DLV_NO_ENTRY) {
		table->has_dwarf = false;
		ret = 0;
		goto out;
	}
	if (ret != DW_DLV_OK) {
		r.dbg = NULL;
		ret = dwarf_fail(&r, e, "cannot read");
		goto out;
	}
	ret = walk_units(&r);
out:
	reader_release(&r);
	if (ret < 0)
		type_table_release(table);
	return ret;
}
