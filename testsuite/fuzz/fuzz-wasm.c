/* SPDX-License-Identifier: MIT */
/*
 * fuzz-wasm.c - libFuzzer target over one reader, formats/wasm.c, alone:
 * Wasm objects (with linking and reloc.* sections) and linked modules.
 *
 * Every input wasm_ops.probe() accepts goes to wasm_ops.load(), without the
 * dispatch by magic number, the archives and the universal files of
 * objfile_from_memory(); then obj_finalize(), the instruction decoder
 * and the model walk of fuzz-objfile (model-walk.c).
 *
 *   make fuzz FUZZ_SECONDS=600     (build-fuzz/fuzz-wasm, ASan+UBSan)
 *   build-fuzz/fuzz-wasm CRASH     (replay one input)
 *
 * Seeds: corpus/wasm/, links to the seeds of this format in corpus/objfile/.
 */
#include <stdint.h>

#include "model-walk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_one_reader(&wasm_ops, data, size);
}
