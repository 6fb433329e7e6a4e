// SPDX-License-Identifier: MIT
/*
 * patch-write.c - a patch's manifest as text and as JSON (what patchinfo
 * prints; the formats are pinned in doc/patchinfo.1).
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "demangle.h"
#include "escape.h"
#include "patchfile.h"

static void put_machine(FILE *f, const struct patch *p)
{
	if (p->manifest->machine == p->obj->machine)
		fputs(obj_arch_name(p->obj->arch), f);
	else
		fprintf(f, "machine-%u", p->manifest->machine);
}

static const char *const header_flags[] = { "forced", "target" };

/* Header flags as words separated by sep; unknown bits as one hex word. */
static int put_flags(FILE *f, uint32_t flags, const char *sep, bool json)
{
	int n = 0;

	for (unsigned i = 0; i < 2; i++)
		if (flags & (1u << i))
			fprintf(f, json ? "%s\"%s\"" : "%s%s", n++ ? sep : "", header_flags[i]);
	if (flags & ~3u)
		fprintf(f, json ? "%s\"%#x\"" : "%s%#x", n++ ? sep : "", flags & ~3u);
	return n;
}

static const char *import_name(const struct manifest *m, uint32_t import)
{
	return import < m->nr_imports ? m->imports[import].name : NULL;
}

/* ---- text ------------------------------------------------------------------ */

/* A message: one line, controls and backslash as \xhh, blanks kept. */
static void text_put_message(FILE *f, const char *s)
{
	for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
		if (*c < 0x20 || *c == 0x7f || *c == '\\')
			fprintf(f, "\\x%02x", *c);
		else
			putc(*c, f);
	}
}

/* " NAME [FILE]", or " NAME [object FILE]" (ME_OBJECT_FILE) */
static void text_put_symbol(FILE *f, const char *name, const char *file, uint32_t flags)
{
	putc(' ', f);
	text_put_name(f, name);
	if (file) {
		fputs(flags & ME_OBJECT_FILE ? " [object " : " [", f);
		text_put_name(f, file);
		putc(']', f);
	}
}

static void text_put_object(FILE *f, const char *object)
{
	if (!object)
		return;
	fputs(" (", f);
	text_put_name(f, object);
	putc(')', f);
}

static void text_header(FILE *f, const struct patch *p)
{
	const struct manifest *m = p->manifest;

	text_put_name(f, p->name);
	fprintf(f, ": %s ", manifest_format_name(m->format));
	put_machine(f, p);
	fprintf(f, " patch version %u checksum 0x%016" PRIx64 "\nflags ", m->version,
		m->checksum);
	if (!put_flags(f, m->flags, ",", false))
		putc('-', f);
	putc('\n', f);
	if (!m->target && !m->build_id_len)
		return;
	fputs("target ", f);
	if (m->target)
		text_put_name(f, m->target);
	else
		putc('-', f);
	fputs(" build-id ", f);
	for (size_t i = 0; i < m->build_id_len; i++)
		fprintf(f, "%02x", m->build_id[i]);
	fputs(m->build_id_len ? "\n" : "-\n", f);
}

static void text_entries(FILE *f, const struct manifest *m, bool demangle)
{
	for (size_t i = 0; i < m->nr_funcs; i++) {
		const struct manifest_func *e = &m->funcs[i];

		fputs("replace func", f);
		text_put_symbol(f, e->name, e->file, e->flags);
		fprintf(f, " %" PRIu64 " -> %" PRIu64 " at 0x%" PRIx64 " old-hash 0x%016" PRIx64
			" new-hash 0x%016" PRIx64, e->old_size, e->new_size, e->new_addr,
			e->old_hash, e->new_hash);
		if (e->flags & ME_RESOLVED)
			fprintf(f, " target 0x%" PRIx64, e->target_addr);
		text_put_object(f, e->object);
		if (demangle)
			text_put_demangled(f, e->name);
		putc('\n', f);
	}
	for (size_t i = 0; i < m->nr_added; i++) {
		const struct manifest_added *e = &m->added[i];

		fprintf(f, "add %s", manifest_kind_name(e->kind));
		text_put_symbol(f, e->name, e->file, e->flags);
		fprintf(f, " %" PRIu64 " at 0x%" PRIx64 "%s", e->size, e->addr,
			e->flags & ME_READONLY ? " readonly" : "");
		if (e->kind == MK_FUNC || e->hash)
			fprintf(f, " hash 0x%016" PRIx64, e->hash);
		text_put_object(f, e->object);
		if (demangle)
			text_put_demangled(f, e->name);
		putc('\n', f);
	}
}

static void text_imports(FILE *f, const struct manifest *m, bool demangle)
{
	for (size_t i = 0; i < m->nr_imports; i++) {
		const struct manifest_import *e = &m->imports[i];

		fprintf(f, "import %s", manifest_kind_name(e->kind));
		text_put_symbol(f, e->name, e->file, e->flags);
		if (e->flags & ME_WEAK)
			fputs(" weak", f);
		if (e->flags & ME_RESOLVED)
			fprintf(f, " target 0x%" PRIx64, e->target_addr);
		text_put_object(f, e->object);
		if (demangle)
			text_put_demangled(f, e->name);
		putc('\n', f);
	}
}

static void text_warnings(FILE *f, const struct manifest *m)
{
	for (size_t i = 0; i < m->nr_warnings; i++) {
		const struct manifest_warning *w = &m->warnings[i];

		fprintf(f, "warning %s", manifest_warning_name(w->code));
		if (w->symbol) {
			putc(' ', f);
			text_put_name(f, w->symbol);
		}
		fputs(": ", f);
		text_put_message(f, w->message);
		putc('\n', f);
	}
}

/* "reloc 0xOFFSET TYPE TARGET+0xADDEND", TARGET an import or "(base)". */
static void text_relocs(FILE *f, const struct patch *p, bool each)
{
	const struct manifest *m = p->manifest;

	fprintf(f, "%zu relocation%s\n", m->nr_relocs, m->nr_relocs == 1 ? "" : "s");
	for (size_t i = 0; each && i < m->nr_relocs; i++) {
		const struct manifest_reloc *r = &m->relocs[i];
		const char *name = import_name(m, r->import);
		uint64_t a = (uint64_t)r->addend;

		fprintf(f, "reloc 0x%" PRIx64 " %s ", r->offset,
			obj_reloc_type_name(p->obj, r->type));
		if (r->import == MANIFEST_NONE)
			fputs("(base)", f);
		else if (!name)
			fprintf(f, "(import-%" PRIu32 ")", r->import);
		else
			text_put_name(f, name);
		if (r->addend < 0)
			fprintf(f, "-0x%" PRIx64 "\n", (uint64_t)0 - a);
		else
			fprintf(f, "+0x%" PRIx64 "\n", a);
	}
}

/* "mask NAME +0xOFFSET SIZE": the old bytes a replaced function's hash skips. */
static void text_masks(FILE *f, const struct manifest *m)
{
	for (size_t i = 0; i < m->nr_funcs; i++) {
		const struct manifest_func *e = &m->funcs[i];

		for (uint32_t k = 0; k < e->nr_masks; k++) {
			fputs("mask ", f);
			text_put_name(f, e->name);
			fprintf(f, " +0x%" PRIx32 " %" PRIu32 "\n", m->masks[e->mask_first + k].offset,
				m->masks[e->mask_first + k].size);
		}
	}
}

void patch_write_text(FILE *f, const struct patch *p, unsigned flags)
{
	bool demangle = flags & PATCH_TEXT_DEMANGLE, relocs = flags & PATCH_TEXT_RELOCS;

	text_header(f, p);
	text_entries(f, p->manifest, demangle);
	text_imports(f, p->manifest, demangle);
	text_warnings(f, p->manifest);
	text_relocs(f, p, relocs);
	if (relocs)
		text_masks(f, p->manifest);
}

/* ---- JSON -------------------------------------------------------------------- */

static void json_hex(FILE *f, const char *key, uint64_t v)
{
	fprintf(f, ",\"%s\":\"0x%016" PRIx64 "\"", key, v);
}

static void json_put_file(FILE *f, const char *file, uint32_t flags)
{
	fputs(",\"file\":", f);
	json_put_string(f, file);
	fprintf(f, ",\"file_is_object\":%s", flags & ME_OBJECT_FILE ? "true" : "false");
}

static void json_entry_start(FILE *f, size_t i, const char *name, const char *file,
			     uint32_t flags, const char *object)
{
	fputs(i ? ",{\"name\":" : "{\"name\":", f);
	json_put_string(f, name);
	json_put_file(f, file, flags);
	fputs(",\"object\":", f);
	json_put_string(f, object);
}

static void json_header(FILE *f, const struct patch *p)
{
	const struct manifest *m = p->manifest;

	fputs("{\"patchinfo\":1,\"file\":", f);
	json_put_string(f, p->name);
	fprintf(f, ",\"format\":\"%s\",\"machine\":\"", manifest_format_name(m->format));
	put_machine(f, p);
	fprintf(f, "\",\"version\":%u", m->version);
	json_hex(f, "checksum", m->checksum);
	fputs(",\"flags\":[", f);
	put_flags(f, m->flags, ",", true);
	fputs("],\"target\":", f);
	if (!m->target && !m->build_id_len) {
		fputs("null", f);
		return;
	}
	fputs("{\"path\":", f);
	json_put_string(f, m->target);
	fputs(",\"build_id\":", f);
	if (m->build_id_len) {
		putc('"', f);
		for (size_t i = 0; i < m->build_id_len; i++)
			fprintf(f, "%02x", m->build_id[i]);
		fputs("\"}", f);
	} else {
		fputs("null}", f);
	}
}

static void json_target_addr(FILE *f, uint32_t flags, uint64_t addr)
{
	if (flags & ME_RESOLVED)
		fprintf(f, ",\"target_addr\":%" PRIu64 "}", addr);
	else
		fputs(",\"target_addr\":null}", f);
}

/* ,"masks":[[OFFSET,SIZE],...] */
static void json_masks(FILE *f, const struct manifest *m, const struct manifest_func *e)
{
	const struct manifest_mask *k = m->masks + e->mask_first;

	fputs(",\"masks\":[", f);
	for (uint32_t i = 0; i < e->nr_masks; i++)
		fprintf(f, "%s[%" PRIu32 ",%" PRIu32 "]", i ? "," : "", k[i].offset, k[i].size);
	putc(']', f);
}

static void json_entries(FILE *f, const struct manifest *m)
{
	fputs(",\"replaced\":[", f);
	for (size_t i = 0; i < m->nr_funcs; i++) {
		const struct manifest_func *e = &m->funcs[i];

		json_entry_start(f, i, e->name, e->file, e->flags, e->object);
		fprintf(f, ",\"old_size\":%" PRIu64, e->old_size);
		json_hex(f, "old_hash", e->old_hash);
		json_hex(f, "new_hash", e->new_hash);
		fprintf(f, ",\"new_addr\":%" PRIu64 ",\"new_size\":%" PRIu64, e->new_addr,
			e->new_size);
		json_masks(f, m, e);
		json_target_addr(f, e->flags, e->target_addr);
	}
	fputs("],\"added\":[", f);
	for (size_t i = 0; i < m->nr_added; i++) {
		const struct manifest_added *e = &m->added[i];

		json_entry_start(f, i, e->name, e->file, e->flags, e->object);
		fprintf(f, ",\"kind\":\"%s\",\"readonly\":%s,\"addr\":%" PRIu64
			",\"size\":%" PRIu64, manifest_kind_name(e->kind),
			e->flags & ME_READONLY ? "true" : "false", e->addr, e->size);
		json_hex(f, "hash", e->hash);
		putc('}', f);
	}
	fputs("],\"imports\":[", f);
	for (size_t i = 0; i < m->nr_imports; i++) {
		const struct manifest_import *e = &m->imports[i];

		fputs(i ? ",{\"name\":" : "{\"name\":", f);
		json_put_string(f, e->name);
		fprintf(f, ",\"kind\":\"%s\"", manifest_kind_name(e->kind));
		json_put_file(f, e->file, e->flags);
		fputs(",\"object\":", f);
		json_put_string(f, e->object);
		fprintf(f, ",\"weak\":%s", e->flags & ME_WEAK ? "true" : "false");
		json_target_addr(f, e->flags, e->target_addr);
	}
	putc(']', f);
}

static void json_relocs_warnings(FILE *f, const struct patch *p)
{
	const struct manifest *m = p->manifest;

	fputs(",\"relocs\":[", f);
	for (size_t i = 0; i < m->nr_relocs; i++) {
		const struct manifest_reloc *r = &m->relocs[i];

		fprintf(f, "%s{\"offset\":%" PRIu64 ",\"type\":", i ? "," : "", r->offset);
		json_put_string(f, obj_reloc_type_name(p->obj, r->type));
		fputs(",\"import\":", f);
		json_put_string(f, import_name(m, r->import));
		fprintf(f, ",\"addend\":%" PRId64 "}", r->addend);
	}
	fputs("],\"warnings\":[", f);
	for (size_t i = 0; i < m->nr_warnings; i++) {
		const struct manifest_warning *w = &m->warnings[i];

		fprintf(f, "%s{\"code\":\"%s\",\"symbol\":", i ? "," : "",
			manifest_warning_name(w->code));
		json_put_string(f, w->symbol);
		fputs(",\"message\":", f);
		json_put_string(f, w->message);
		putc('}', f);
	}
	fputs("]}\n", f);
}

void patch_write_json(FILE *f, const struct patch *p)
{
	json_header(f, p);
	json_entries(f, p->manifest);
	json_relocs_warnings(f, p);
}
