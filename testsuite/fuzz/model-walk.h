/* SPDX-License-Identifier: MIT */
/*
 * model-walk.h - what every reader fuzz target does with what it read
 * (testsuite/fuzz/model-walk.c, linked into every build-fuzz/fuzz-*).
 *
 * The walk touches every name, every section's bytes and every pointer
 * between the elements of a model, so that ASan sees a pointer a reader
 * got wrong even where nothing else would read it.  Broken invariants of
 * the model (a relocation pointing at another object's symbol, section
 * bytes outside the object's own bytes) abort() with a message: libFuzzer
 * records them like crashes.
 */
#ifndef IPBP_FUZZ_MODEL_WALK_H
#define IPBP_FUZZ_MODEL_WALK_H

#include <stddef.h>
#include <stdint.h>

#include "archive.h"
#include "obj.h"

/* The bytes a model may point into: the fuzz input. */
struct span {
	const uint8_t *start;
	size_t size;
};

/* Prints "fuzz: invariant broken: ..." and aborts. */
void fuzz_bug(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));

/* A value derived from every byte and name read (keep it in a volatile). */
size_t fuzz_walk_obj(const struct span *input, const struct obj *obj);
size_t fuzz_walk_archive(const struct span *input, const struct archive *ar);

/*
 * The instruction decoder over obj (when libobjdiff has one), then
 * fuzz_walk_obj().  A failure must leave a message.
 */
size_t fuzz_check_obj(const struct span *input, struct obj *obj);

/*
 * One reader, as obj_load() runs it but without choosing by magic number:
 * inputs that ops->probe() refuses are skipped; the rest are loaded by
 * ops->load(), finalized, decoded and walked.  A failure must leave a
 * message.  The per-reader targets (fuzz-elf.c, ...) are this call.
 */
int fuzz_one_reader(const struct obj_ops *ops, const uint8_t *data, size_t size);

/* The --arch option chosen by the input's last byte: NULL, "x86_64",
 * "arm64" or "i386" (universal files are read through every path while
 * the corpus stays made of plain object files). */
const char *fuzz_pick_arch(const uint8_t *data, size_t size);

#endif
