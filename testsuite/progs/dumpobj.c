// SPDX-License-Identifier: MIT
/*
 * dumpobj - print the object model, one tab-separated record per line, for
 * the oracle comparisons of the testsuite:
 *
 *   obj  NAME FORMAT ARCH TYPE BITS
 *   sec  INDEX NAME KIND SIZE ALIGN FLAGS
 *   sym  NAME KIND BIND SECTION|UND|ABS|COM OFFSET SIZE VALUE FLAGS
 *   rel  SECTION OFFSET TYPENAME KIND WIDTH SYMNAME[-SUB] ADDEND TARGET+OFF [decoded]
 *   idx  SYMBOL MEMBER            (--index: the archive's symbol index)
 *
 * Numbers are hex except ADDEND and TARGET+OFF (signed decimal).
 * Usage: dumpobj [--arch=ARCH] [--decode] [--index] FILE...
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "archive.h"
#include "decode.h"
#include "objfile.h"

static void flags_string(char *buf, uint32_t flags, const char *letters)
{
	char *p = buf;

	for (int i = 0; letters[i]; i++)
		if (flags & (1u << i))
			*p++ = letters[i];
	if (p == buf)
		*p++ = '-';
	*p = 0;
}

static const char *symbol_place(const struct symbol *sym)
{
	if (sym->flags & SYMF_COMMON)
		return "COM";
	if (sym->flags & SYMF_UNDEF)
		return "UND";
	if (!sym->sec)
		return "ABS";
	return sym->sec->name;
}

static const char *reloc_symbol_name(const struct symbol *sym)
{
	if (!sym)
		return "-";
	if (sym->kind == SYMK_SECTION && sym->sec)
		return sym->sec->name;
	return sym->name;
}

static void dump_obj(const struct obj *obj)
{
	struct section *sec;
	struct symbol *sym;
	struct reloc *r;
	char fl[16];

	printf("obj\t%s\t%s\t%s\t%s\t%u\n", obj->name, obj_format_name(obj->format),
	       obj_arch_name(obj->arch), obj_type_name(obj->type), obj->bits);
	for_each_section(obj, sec) {
		flags_string(fl, sec->flags, "awxmstc");
		printf("sec\t%u\t%s\t%s\t%" PRIx64 "\t%" PRIu64 "\t%s\n", sec->index,
		       sec->name, section_kind_name(sec->kind), sec->size, sec->align, fl);
	}
	for_each_symbol(obj, sym) {
		flags_string(fl, sym->flags, "uacdhtgs");
		printf("sym\t%s\t%s\t%s\t%s\t%" PRIx64 "\t%" PRIx64 "\t%" PRIx64 "\t%s\n",
		       sym->name, symbol_kind_name(sym->kind), symbol_bind_name(sym->bind),
		       symbol_place(sym), sym->offset, sym->size, sym->value, fl);
	}
	for_each_reloc(obj, r) {
		bool decoded = r->flags & RELF_DECODED;

		printf("rel\t%s\t%" PRIx64 "\t%s\t%s\t%u\t%s%s%s\t%" PRId64 "\t%s%+" PRId64 "%s\n",
		       r->sec->name, r->offset,
		       decoded ? "decoded" : obj_reloc_type_name(obj, r->type),
		       reloc_kind_name(r->kind), r->width, reloc_symbol_name(r->sym),
		       r->sub ? "-" : "", r->sub ? reloc_symbol_name(r->sub) : "",
		       r->addend, reloc_symbol_name(r->target), r->target_offset,
		       decoded ? "\tdecoded" : "");
	}
}

static void dump_index(const struct objfile *file)
{
	const struct archive *ar = file->archive;

	if (!ar)
		return;
	for (size_t i = 0; i < ar->nr_index; i++) {
		const struct archive_symbol *s = &ar->index[i];

		printf("idx\t%s\t%s\n", s->name,
		       s->member < ar->nr_members ? ar->members[s->member].name : "-");
	}
}

int main(int argc, char **argv)
{
	struct objfile_opts opts = { 0 };
	bool decode = false, index = false;
	struct ipbp_err err;
	int status = 0, i;

	for (i = 1; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		if (!strncmp(argv[i], "--arch=", 7))
			opts.arch = argv[i] + 7;
		else if (!strcmp(argv[i], "--decode"))
			decode = true;
		else if (!strcmp(argv[i], "--index"))
			index = true;
		else {
			fprintf(stderr, "usage: dumpobj [--arch=ARCH] [--decode] [--index] FILE...\n");
			return 2;
		}
	}
	for (; i < argc; i++) {
		struct objfile *file;
		struct obj *obj;

		if (objfile_open(&file, argv[i], &opts, &err) < 0) {
			fprintf(stderr, "dumpobj: %s\n", err.msg);
			status = 2;
			continue;
		}
		for_each_obj(file, obj) {
			if (decode && obj_decode_references(obj, &err) < 0) {
				fprintf(stderr, "dumpobj: %s\n", err.msg);
				status = 2;
			}
			dump_obj(obj);
		}
		if (index)
			dump_index(file);
		objfile_free(file);
	}
	return status;
}
