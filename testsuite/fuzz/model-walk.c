// SPDX-License-Identifier: MIT
/*
 * model-walk.c - the model walk shared by the reader fuzz targets (see
 * model-walk.h): fuzz-objfile (every format through objfile_from_memory())
 * and one target per reader (fuzz-elf, fuzz-macho, fuzz-coff, fuzz-wasm,
 * fuzz-ar).  The fuzz build links it into every target.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "model-walk.h"

void fuzz_bug(const char *fmt, ...)
{
	va_list ap;

	fputs("fuzz: invariant broken: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

static size_t touch_str(const char *s)
{
	return s ? strlen(s) : 0;
}

static size_t touch_bytes(const uint8_t *p, uint64_t size)
{
	if (!p || !size)
		return 0;
	return (size_t)p[0] + p[size - 1] + p[size / 2];
}

static bool is_within(const struct span *s, const uint8_t *p)
{
	return p >= s->start && p <= s->start + s->size;
}

/*
 * Bytes that point into the input must stay inside the object's own
 * bytes (an archive member must not read its neighbour: ASan cannot see
 * that, the input buffer is larger than the member).  Bytes elsewhere
 * (the obj arena) are the reader's own and ASan checks them.
 */
static void check_bytes(const struct span *input, const struct obj *obj,
			const uint8_t *p, uint64_t size, const char *what)
{
	if (!p || !is_within(input, p))
		return;
	if (p < obj->data || p > obj->data + obj->size ||
	    size > (uint64_t)(obj->data + obj->size - p))
		fuzz_bug("%s: %s: %llu bytes at input offset %td lie outside the object "
			 "(offset %td, %zu bytes)", obj->name, what,
			 (unsigned long long)size, p - input->start,
			 obj->data - input->start, obj->size);
}

static bool is_own_section(const struct obj *obj, const struct section *sec)
{
	return sec->index < obj->nr_sections && obj->sections[sec->index] == sec;
}

static bool is_own_symbol(const struct obj *obj, const struct symbol *sym)
{
	return sym->index < obj->nr_symbols && obj->symbols[sym->index] == sym;
}

static size_t walk_symbol(const struct obj *obj, const struct symbol *sym, size_t i)
{
	size_t n = touch_str(sym->name) + touch_str(sym->file);

	if (sym->index != i || !is_own_symbol(obj, sym))
		fuzz_bug("%s: symbol %zu has index %u", obj->name, i, sym->index);
	if (sym->sec && !is_own_section(obj, sym->sec))
		fuzz_bug("%s: symbol %s: section pointer is not the object's", obj->name,
			 sym->name);
	n += touch_str(symbol_kind_name(sym->kind)) + touch_str(symbol_bind_name(sym->bind));
	/* The name hash must find a symbol of this name (and terminate). */
	if (sym->name && sym->name[0] && !obj_find_symbol(obj, sym->name))
		fuzz_bug("%s: obj_find_symbol(\"%s\") found nothing", obj->name, sym->name);
	return n;
}

static size_t walk_reloc(const struct obj *obj, const struct reloc *r)
{
	size_t n = touch_str(obj_reloc_type_name(obj, r->type)) +
		   touch_str(reloc_kind_name(r->kind));

	if (!r->sec || !is_own_section(obj, r->sec))
		fuzz_bug("%s: relocation without a section of the object", obj->name);
	if (r->sym && !is_own_symbol(obj, r->sym))
		fuzz_bug("%s: relocation in %s+%#llx: symbol is not the object's", obj->name,
			 r->sec->name, (unsigned long long)r->offset);
	if (r->sub && !is_own_symbol(obj, r->sub))
		fuzz_bug("%s: relocation in %s: subtrahend is not the object's", obj->name,
			 r->sec->name);
	if (r->target && !is_own_symbol(obj, r->target))
		fuzz_bug("%s: relocation in %s: target is not the object's", obj->name,
			 r->sec->name);
	n += touch_str(r->sym ? r->sym->name : NULL) + touch_str(r->target ? r->target->name : NULL);
	/* In objects a field lies inside its section's bytes: every user of
	 * the model (masking, decoding, patching) reads it there. */
	if (obj->type == OBJ_RELOCATABLE && r->sec->data &&
	    !in_bounds(r->sec->size, r->offset, r->width))
		fuzz_bug("%s: relocation at %s+%#llx (width %u) outside the section "
			 "(%#llx bytes)", obj->name, r->sec->name, (unsigned long long)r->offset,
			 r->width, (unsigned long long)r->sec->size);
	return n;
}

static size_t walk_section(const struct span *input, const struct obj *obj,
			   const struct section *sec, size_t i)
{
	struct reloc *r;
	size_t n = touch_str(sec->name) + touch_str(sec->comdat) +
		   touch_str(section_kind_name(sec->kind));

	if (sec->index != i)
		fuzz_bug("%s: section %zu has index %u", obj->name, i, sec->index);
	check_bytes(input, obj, sec->data, sec->size, sec->name);
	n += touch_bytes(sec->data, sec->size);
	if (sec->secsym && !is_own_symbol(obj, sec->secsym))
		fuzz_bug("%s: section %s: its symbol is not the object's", obj->name, sec->name);
	for_each_section_reloc(sec, r) {
		if (r->sec != sec)
			fuzz_bug("%s: section %s lists a relocation of another section",
				 obj->name, sec->name);
		n += walk_reloc(obj, r);
		n += (size_t)(uintptr_t)obj_find_reloc(sec, r->offset);
	}
	for (size_t k = 0; k < sec->nr_syms; k++) {
		const struct symbol *sym = sec->syms[k];

		if (!is_own_symbol(obj, sym) || sym->sec != sec)
			fuzz_bug("%s: section %s lists a symbol of another section",
				 obj->name, sec->name);
		n += (size_t)(uintptr_t)obj_find_symbol_covering(sec, sym->offset);
	}
	return n;
}

size_t fuzz_walk_obj(const struct span *input, const struct obj *obj)
{
	struct section *sec;
	struct symbol *sym;
	struct reloc *r;
	size_t n = touch_str(obj->name) + touch_str(obj_format_name(obj->format)) +
		   touch_str(obj_arch_name(obj->arch)) + touch_str(obj_type_name(obj->type));

	check_bytes(input, obj, obj->data, obj->size, "object");
	for_each_section(obj, sec)
		n += walk_section(input, obj, sec, _i_sec);
	for_each_symbol(obj, sym)
		n += walk_symbol(obj, sym, _i_sym);
	for_each_reloc(obj, r)
		n += walk_reloc(obj, r);
	return n;
}

size_t fuzz_walk_archive(const struct span *input, const struct archive *ar)
{
	size_t n = 0;

	for (size_t i = 0; i < ar->nr_members; i++) {
		const struct archive_member *m = &ar->members[i];

		n += touch_str(m->name) + touch_bytes(m->data, m->size);
		if (m->data && !(is_within(input, m->data) &&
				 m->size <= (size_t)(input->start + input->size - m->data)))
			fuzz_bug("archive member %s lies outside the input", m->name);
	}
	for (size_t i = 0; i < ar->nr_index; i++) {
		n += touch_str(ar->index[i].name);
		if (ar->index[i].member != SIZE_MAX && ar->index[i].member >= ar->nr_members)
			fuzz_bug("archive index entry %s names member %zu of %zu",
				 ar->index[i].name, ar->index[i].member, ar->nr_members);
	}
	return n;
}

size_t fuzz_check_obj(const struct span *input, struct obj *obj)
{
	struct ipbp_err err = { "" };

	if (obj_decode_references(obj, &err) < 0 && !err.msg[0])
		fuzz_bug("%s: obj_decode_references failed without a message", obj->name);
	return fuzz_walk_obj(input, obj);
}

int fuzz_one_reader(const struct obj_ops *ops, const uint8_t *data, size_t size)
{
	struct span input = { data, size };
	struct ipbp_err err = { "" };
	struct obj *obj;
	volatile size_t sink = 0;

	if (!ops->probe(data, size) || !(obj = calloc(1, sizeof(*obj))))
		return 0;
	obj->data = data;
	obj->size = size;
	obj->ops = ops;
	obj->format = ops->format;
	obj->name = obj_strndup(obj, "fuzz.o", strlen("fuzz.o"));
	if (obj->name && ops->load(obj, &err) == 0 && obj_finalize(obj, &err) == 0)
		sink += fuzz_check_obj(&input, obj);
	else if (obj->name && !err.msg[0])
		fuzz_bug("%s reader failed without a message", ops->name);
	obj_free(obj);
	(void)sink;
	return 0;
}

const char *fuzz_pick_arch(const uint8_t *data, size_t size)
{
	static const char *const arches[] = { NULL, "x86_64", "arm64", "i386" };

	return size ? arches[data[size - 1] & 3] : NULL;
}
