/* SPDX-License-Identifier: MIT */
/*
 * unit.h - shared helpers for the check-based unit tests.
 *
 * Each testsuite/unit/test-NAME.c defines its suite with
 * UNIT_MAIN(suite_fn) at the end; fixtures are built at test time by the
 * test itself (see unit_compile()) or read from testsuite/fixtures/.
 */
#ifndef IPBP_UNIT_H
#define IPBP_UNIT_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>

#include "objfile.h"

#include <string.h>
#include <unistd.h>

/* Reads a whole file into memory (caller frees), or fails the test. */
static inline uint8_t *unit_read_file(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long n;

	ck_assert_msg(f != NULL, "cannot open %s", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc(n ? n : 1);
	ck_assert(buf && fread(buf, 1, n, f) == (size_t)n);
	fclose(f);
	*size = n;
	return buf;
}

/*
 * Compiles C source text with "clang -target TARGET FLAGS -c" into a
 * scratch file and returns its path (static storage, overwritten by the
 * next call), or fails the test.
 */
static inline const char *unit_compile(const char *target, const char *flags,
				       const char *source)
{
	static char out[256];
	char src[256], cmd[1024];
	FILE *f;

	snprintf(src, sizeof(src), "/tmp/ipbp-unit-%d.c", (int)getpid());
	snprintf(out, sizeof(out), "/tmp/ipbp-unit-%d.o", (int)getpid());
	f = fopen(src, "w");
	ck_assert(f != NULL);
	fputs(source, f);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "clang -target %s %s -c %s -o %s",
		 target, flags, src, out);
	ck_assert_msg(system(cmd) == 0, "failed: %s", cmd);
	unlink(src);
	return out;
}

/* Opens path as an objfile, or fails the test with the error message. */
static inline struct objfile *unit_open(const char *path, const char *arch)
{
	struct objfile_opts opts = { .arch = arch };
	struct objfile *file = NULL;
	struct ipbp_err err;

	ck_assert_msg(objfile_open(&file, path, &opts, &err) == 0,
		      "%s", err.msg);
	return file;
}

#define UNIT_MAIN(suite_fn)						\
	int main(void)							\
	{								\
		SRunner *sr = srunner_create(suite_fn());		\
		int nf;							\
		srunner_run_all(sr, CK_NORMAL);				\
		nf = srunner_ntests_failed(sr);				\
		srunner_free(sr);					\
		return nf == 0 ? EXIT_SUCCESS : EXIT_FAILURE;		\
	}

#endif
