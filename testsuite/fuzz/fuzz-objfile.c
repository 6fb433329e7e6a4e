/* SPDX-License-Identifier: MIT */
/*
 * fuzz-objfile.c - libFuzzer target over the reader entry point.
 *
 * objfile_from_memory() reads any input: ELF, Mach-O (thin and universal),
 * COFF (regular and bigobj, PE images), Wasm (objects and linked modules)
 * and ar archives of them.  For every object read, the target runs the
 * instruction decoder (obj_decode_references()) and then walks the whole
 * model (model-walk.c, shared with the per-reader targets fuzz-elf,
 * fuzz-macho, fuzz-coff, fuzz-wasm and fuzz-ar, which feed one reader
 * each), touching every name, every section's bytes and every pointer
 * between elements, so that ASan sees a pointer the readers got wrong
 * even where nothing else would read it.  Broken invariants of the model
 * abort() with a message: libFuzzer records them like crashes.
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
#include <stdlib.h>

#include "model-walk.h"
#include "objfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct objfile_opts opts = { .arch = fuzz_pick_arch(data, size) };
	struct span input = { data, size };
	struct ipbp_err err = { "" };
	struct objfile *file;
	struct obj *obj;
	volatile size_t sink = 0;

	if (objfile_from_memory(&file, "fuzz.o", data, size, &opts, &err) < 0) {
		if (!err.msg[0])
			fuzz_bug("objfile_from_memory failed without a message");
		return 0;
	}
	if (file->archive)
		sink += fuzz_walk_archive(&input, file->archive);
	for_each_obj(file, obj)
		sink += fuzz_check_obj(&input, obj);
	objfile_free(file);
	(void)sink;
	return 0;
}
