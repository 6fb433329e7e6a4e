/* SPDX-License-Identifier: MIT */
/*
 * fuzz-elf.c - libFuzzer target over one reader, formats/elf.c, alone:
 * ELF relocatable objects, shared objects and executables, 32 and 64
 * bits, either byte order, through libelf.
 *
 * Every input elf_ops.probe() accepts goes to elf_ops.load(), without the
 * dispatch by magic number, the archives and the universal files of
 * objfile_from_memory(); then obj_finalize(), the instruction decoder
 * and the model walk of fuzz-objfile (model-walk.c).
 *
 *   make fuzz FUZZ_SECONDS=600     (build-fuzz/fuzz-elf, ASan+UBSan)
 *   build-fuzz/fuzz-elf CRASH      (replay one input)
 *
 * Seeds: corpus/elf/, links to the seeds of this format in corpus/objfile/.
 */
#include <stdint.h>

#include "model-walk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_one_reader(&elf_ops, data, size);
}
