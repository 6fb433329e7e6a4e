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

#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
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

/*
 * A scratch directory for one test program: /tmp/ipbp-WHAT-PID, made by
 * unit_scratch_make() and removed with everything in it by
 * unit_scratch_remove().
 */
static inline void unit_scratch_make(char *dir, size_t size, const char *what)
{
	snprintf(dir, size, "/tmp/ipbp-%s-%d", what, (int)getpid());
	ck_assert_msg(mkdir(dir, 0700) == 0 || errno == EEXIST, "cannot make %s", dir);
}

static inline void unit_scratch_remove(const char *dir)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
}

/* Runs a shell command (printf-style) inside dir, or fails the test. */
static inline void unit_run_in(const char *dir, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static inline void unit_run_in(const char *dir, const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;
	int n;

	n = snprintf(cmd, sizeof(cmd), "cd %s && ", dir);
	va_start(ap, fmt);
	vsnprintf(cmd + n, sizeof(cmd) - n, fmt, ap);
	va_end(ap);
	ck_assert_msg(system(cmd) == 0, "failed: %s", cmd);
}

/* Writes len bytes to dir/name (dir NULL: name is the path), or fails. */
static inline void unit_write_file(const char *dir, const char *name,
				   const void *data, size_t len)
{
	char path[256];
	FILE *f;

	if (dir)
		snprintf(path, sizeof(path), "%s/%s", dir, name);
	else
		snprintf(path, sizeof(path), "%s", name);
	f = fopen(path, "wb");
	ck_assert_msg(f != NULL, "cannot write %s", path);
	ck_assert(fwrite(data, 1, len, f) == len);
	fclose(f);
}

/* unit_read_file() of dir/name. */
static inline uint8_t *unit_read_file_in(const char *dir, const char *name, size_t *size)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return unit_read_file(path, size);
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
