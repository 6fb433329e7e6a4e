/* SPDX-License-Identifier: MIT */
/*
 * fuzz-coff.c - libFuzzer target over one reader, formats/coff.c, alone:
 * COFF objects (regular and bigobj), PE images and the short import
 * objects of import libraries.
 *
 * Every input coff_ops.probe() accepts goes to coff_ops.load(), without the
 * dispatch by magic number, the archives and the universal files of
 * objfile_from_memory(); then obj_finalize(), the instruction decoder
 * and the model walk of fuzz-objfile (model-walk.c).
 *
 *   make fuzz FUZZ_SECONDS=600     (build-fuzz/fuzz-coff, ASan+UBSan)
 *   build-fuzz/fuzz-coff CRASH     (replay one input)
 *
 * Seeds: corpus/coff/, links to the seeds of this format in corpus/objfile/.
 */
#include <stdint.h>

#include "model-walk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_one_reader(&coff_ops, data, size);
}
