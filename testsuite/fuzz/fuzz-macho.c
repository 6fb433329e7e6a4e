/* SPDX-License-Identifier: MIT */
/*
 * fuzz-macho.c - libFuzzer target over one reader, formats/macho.c,
 * alone: thin Mach-O files (MH_OBJECT, MH_EXECUTE, MH_DYLIB, MH_BUNDLE;
 * 32 and 64 bits) and universal ("fat") files.
 *
 * A universal input goes through macho_fat_slice(), with the --arch
 * option chosen by the last input byte as fuzz-objfile does, and the
 * slice it finds to the thin reader; any other input that
 * macho_ops.probe() accepts goes to macho_ops.load() directly.  Then
 * obj_finalize(), the instruction decoder and the model walk of
 * fuzz-objfile (model-walk.c).
 *
 *   make fuzz FUZZ_SECONDS=600     (build-fuzz/fuzz-macho, ASan+UBSan)
 *   build-fuzz/fuzz-macho CRASH    (replay one input)
 *
 * Seeds: corpus/macho/, links to the seeds of this format in corpus/objfile/.
 */
#include <stdint.h>

#include "macho.h"
#include "model-walk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ipbp_err err = { "" };
	size_t off, len;

	if (!macho_fat_probe(data, size))
		return fuzz_one_reader(&macho_ops, data, size);
	if (macho_fat_slice("fuzz.o", data, size, fuzz_pick_arch(data, size),
			    &off, &len, &err) < 0) {
		if (!err.msg[0])
			fuzz_bug("macho_fat_slice failed without a message");
		return 0;
	}
	if (off > size || len > size - off)
		fuzz_bug("slice of %zu bytes at %zu outside the %zu-byte input", len, off, size);
	return fuzz_one_reader(&macho_ops, data + off, len);
}
