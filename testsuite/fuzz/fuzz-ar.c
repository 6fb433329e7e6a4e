/* SPDX-License-Identifier: MIT */
/*
 * fuzz-ar.c - libFuzzer target over one reader, formats/ar.c, alone:
 * ar archives, GNU/SysV (long-name table, 32- and 64-bit symbol index),
 * BSD and Darwin ("#1/len" names, __.SYMDEF), Windows libraries (two
 * linker members, import objects) and thin archives (refused).
 *
 * archive_read() on any input archive_probe() accepts; the archive's
 * members and symbol index are walked (every member inside the input,
 * every index entry naming a member), and each member is read as
 * obj_load() reads it (any format), decoded and walked (model-walk.c).
 * Members that are archives themselves are read by archive_read() once
 * more, not deeper: objfile.c caps nesting and fuzz-objfile covers it.
 *
 *   make fuzz FUZZ_SECONDS=600     (build-fuzz/fuzz-ar, ASan+UBSan)
 *   build-fuzz/fuzz-ar CRASH       (replay one input)
 *
 * Seeds: corpus/ar/, links to the archive seeds of corpus/objfile/.
 */
#include <stdint.h>

#include "model-walk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t read_archive(const struct span *input, const uint8_t *data, size_t size,
			   int depth)
{
	struct ipbp_err err = { "" };
	struct archive *ar;
	size_t n;

	if (archive_read(&ar, "fuzz.a", data, size, &err) < 0) {
		if (!err.msg[0])
			fuzz_bug("archive_read failed without a message");
		return 0;
	}
	n = fuzz_walk_archive(input, ar);
	for (size_t i = 0; i < ar->nr_members; i++) {
		const struct archive_member *m = &ar->members[i];
		struct obj *obj;

		if (archive_probe(m->data, m->size)) {
			if (depth == 0)
				n += read_archive(input, m->data, m->size, depth + 1);
			continue;
		}
		err.msg[0] = 0;
		if (obj_load(&obj, m->name, m->data, m->size, &err) < 0) {
			if (!err.msg[0])
				fuzz_bug("obj_load of member %s failed without a message", m->name);
			continue;
		}
		n += fuzz_check_obj(input, obj);
		obj_free(obj);
	}
	archive_free(ar);
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct span input = { data, size };
	volatile size_t sink = 0;

	if (archive_probe(data, size))
		sink += read_archive(&input, data, size, 0);
	(void)sink;
	return 0;
}
