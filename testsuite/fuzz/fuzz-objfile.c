/* SPDX-License-Identifier: MIT */
/*
 * fuzz-objfile.c - libFuzzer target over the reader entry point.
 *
 * objfile_from_memory() reads any input: ELF, Mach-O (thin and universal),
 * COFF (regular and bigobj, PE images), Wasm (objects and linked modules)
 * and ar archives of them.  For every object read, the target runs the
 * instruction decoder (obj_decode_references()) and then walks the whole
 * model, touching every name, every section's bytes and every pointer
 * between elements, so that ASan sees a pointer the readers got wrong
 * even where nothing else would read it.  Broken invariants of the model
 * (a relocation pointing at another object's symbol, section bytes
 * outside the object's own bytes) abort() with a message: libFuzzer
 * records them like crashes.
 *
 * The last input byte chooses the --arch option (no arch, x86_64, arm64,
 * i386) so that universal files are read through every path; the last
 * byte rather than a prefix keeps the corpus made of plain object files
 * that other tests (t9000-bad-input.sh) use too.
 *
 *   make fuzz FUZZ_SECONDS=600     (build-fuzz/fuzz-objfile, ASan+UBSan)
 *   build-fuzz/fuzz-objfile CRASH  (replay one input)
 *
 * Seeds: testsuite/fuzz/corpus/objfile/, made by testsuite/fuzz/make-corpus.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "archive.h"
#include "objfile.h"
#if __has_include("decode.h")
#include "decode.h"
#define HAVE_DECODE 1
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The bytes the model may point into: the fuzz input. */
struct span {
	const uint8_t *start;
	size_t size;
};

#define bug(...) do { \
	fprintf(stderr, "fuzz-objfile: invariant broken: " __VA_ARGS__); \
	fputc('\n', stderr); \
	abort(); \
} while (0)

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
		bug("%s: %s: %llu bytes at input offset %td lie outside the object "
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
		bug("%s: symbol %zu has index %u", obj->name, i, sym->index);
	if (sym->sec && !is_own_section(obj, sym->sec))
		bug("%s: symbol %s: section pointer is not the object's", obj->name, sym->name);
	n += touch_str(symbol_kind_name(sym->kind)) + touch_str(symbol_bind_name(sym->bind));
	/* The name hash must find a symbol of this name (and terminate). */
	if (sym->name && sym->name[0] && !obj_find_symbol(obj, sym->name))
		bug("%s: obj_find_symbol(\"%s\") found nothing", obj->name, sym->name);
	return n;
}

static size_t walk_reloc(const struct obj *obj, const struct reloc *r)
{
	size_t n = touch_str(obj_reloc_type_name(obj, r->type)) +
		   touch_str(reloc_kind_name(r->kind));

	if (!r->sec || !is_own_section(obj, r->sec))
		bug("%s: relocation without a section of the object", obj->name);
	if (r->sym && !is_own_symbol(obj, r->sym))
		bug("%s: relocation in %s+%#llx: symbol is not the object's", obj->name,
		    r->sec->name, (unsigned long long)r->offset);
	if (r->sub && !is_own_symbol(obj, r->sub))
		bug("%s: relocation in %s: subtrahend is not the object's", obj->name,
		    r->sec->name);
	if (r->target && !is_own_symbol(obj, r->target))
		bug("%s: relocation in %s: target is not the object's", obj->name,
		    r->sec->name);
	n += touch_str(r->sym ? r->sym->name : NULL) + touch_str(r->target ? r->target->name : NULL);
	/* In objects a field lies inside its section's bytes: every user of
	 * the model (masking, decoding, patching) reads it there. */
	if (obj->type == OBJ_RELOCATABLE && r->sec->data &&
	    !in_bounds(r->sec->size, r->offset, r->width))
		bug("%s: relocation at %s+%#llx (width %u) outside the section (%#llx bytes)",
		    obj->name, r->sec->name, (unsigned long long)r->offset, r->width,
		    (unsigned long long)r->sec->size);
	return n;
}

static size_t walk_section(const struct span *input, const struct obj *obj,
			   const struct section *sec, size_t i)
{
	struct reloc *r;
	size_t n = touch_str(sec->name) + touch_str(sec->comdat) +
		   touch_str(section_kind_name(sec->kind));

	if (sec->index != i)
		bug("%s: section %zu has index %u", obj->name, i, sec->index);
	check_bytes(input, obj, sec->data, sec->size, sec->name);
	n += touch_bytes(sec->data, sec->size);
	if (sec->secsym && !is_own_symbol(obj, sec->secsym))
		bug("%s: section %s: its symbol is not the object's", obj->name, sec->name);
	for_each_section_reloc(sec, r) {
		if (r->sec != sec)
			bug("%s: section %s lists a relocation of another section",
			    obj->name, sec->name);
		n += walk_reloc(obj, r);
		n += (size_t)(uintptr_t)obj_find_reloc(sec, r->offset);
	}
	for (size_t k = 0; k < sec->nr_syms; k++) {
		const struct symbol *sym = sec->syms[k];

		if (!is_own_symbol(obj, sym) || sym->sec != sec)
			bug("%s: section %s lists a symbol of another section",
			    obj->name, sec->name);
		n += (size_t)(uintptr_t)obj_find_symbol_covering(sec, sym->offset);
	}
	return n;
}

static size_t walk_obj(const struct span *input, const struct obj *obj)
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

static size_t walk_archive(const struct span *input, const struct archive *ar)
{
	size_t n = 0;

	for (size_t i = 0; i < ar->nr_members; i++) {
		const struct archive_member *m = &ar->members[i];

		n += touch_str(m->name) + touch_bytes(m->data, m->size);
		if (m->data && !(is_within(input, m->data) &&
				 m->size <= (size_t)(input->start + input->size - m->data)))
			bug("archive member %s lies outside the input", m->name);
	}
	for (size_t i = 0; i < ar->nr_index; i++) {
		n += touch_str(ar->index[i].name);
		if (ar->index[i].member != SIZE_MAX && ar->index[i].member >= ar->nr_members)
			bug("archive index entry %s names member %zu of %zu",
			    ar->index[i].name, ar->index[i].member, ar->nr_members);
	}
	return n;
}

static const char *pick_arch(const uint8_t *data, size_t size)
{
	static const char *const arches[] = { NULL, "x86_64", "arm64", "i386" };

	return size ? arches[data[size - 1] & 3] : NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct objfile_opts opts = { .arch = pick_arch(data, size) };
	struct span input = { data, size };
	struct ipbp_err err = { "" };
	struct objfile *file;
	struct obj *obj;
	volatile size_t sink = 0;

	if (objfile_from_memory(&file, "fuzz.o", data, size, &opts, &err) < 0) {
		if (!err.msg[0])
			bug("objfile_from_memory failed without a message");
		return 0;
	}
	if (file->archive)
		sink += walk_archive(&input, file->archive);
	for_each_obj(file, obj) {
#ifdef HAVE_DECODE
		err.msg[0] = 0;
		if (obj_decode_references(obj, &err) < 0 && !err.msg[0])
			bug("%s: obj_decode_references failed without a message", obj->name);
#endif
		sink += walk_obj(&input, obj);
	}
	objfile_free(file);
	(void)sink;
	return 0;
}
