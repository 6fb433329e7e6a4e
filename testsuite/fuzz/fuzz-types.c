/* SPDX-License-Identifier: MIT */
/*
 * fuzz-types.c - libFuzzer target over the DWARF type reader
 * (libobjdiff/types-dwarf.c): any input read by objfile_from_memory(),
 * then each object's debug sections relocated and handed to libdwarf, the
 * named types and their users recorded, and the table walked.
 *
 * libdwarf itself is Debian's build, without sanitizers: a bad read inside
 * it shows only as a crash; ours are checked by ASan and UBSan.
 *
 *   make fuzz FUZZ_SECONDS=600     (build-fuzz/fuzz-types, ASan+UBSan)
 *   build-fuzz/fuzz-types CRASH    (replay one input)
 *
 * Seeds: corpus/types/, made by ./make-corpus-types from the type cases of
 * testsuite/types/ (ELF x86-64 with DWARF 2 and 5, aarch64, Mach-O, COFF,
 * Wasm).
 */
#include <stdint.h>
#include <string.h>

#include "objfile.h"
#include "types-int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t walk(const struct type_table *t)
{
	size_t n = 0;

	for (size_t i = 0; i < t->nr_types; i++) {
		const struct ttype *ty = &t->types[i];

		n += strlen(ty->key) + (ty->layout ? strlen(ty->layout) : 0);
		for (size_t k = 0; k < ty->nr_members; k++)
			n += strlen(ty->members[k].name) + strlen(ty->members[k].type);
		for (size_t k = 0; k < ty->nr_enums; k++)
			n += strlen(ty->enums[k].name);
		for (size_t k = 0; k < ty->refs.nr; k++)
			n += strlen(ty->refs.v[k].key);
	}
	for (size_t i = 0; i < t->nr_users; i++) {
		n += strlen(t->users[i].name);
		for (size_t k = 0; k < t->users[i].refs.nr; k++)
			n += strlen(t->users[i].refs.v[k].key);
	}
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct objfile *file;
	struct ipbp_err err;
	struct obj *o;

	if (objfile_from_memory(&file, "fuzz", data, size, NULL, &err) < 0)
		return 0;
	for_each_obj(file, o) {
		struct type_table t;

		if (types_read(&t, o, &err) < 0)
			continue;
		if (walk(&t) == (size_t)-1)
			__builtin_trap();
		type_table_release(&t);
	}
	objfile_free(file);
	return 0;
}
