/* SPDX-License-Identifier: MIT */
/*
 * tool.h - what every ipbp tool shares: messages in the binutils style
 * ("symgraph: FILE: message" on stderr), --help and --version, usage
 * errors, NO_COLOR, reading standard input, and output files written
 * atomically (a temporary file renamed into place, never a partial file).
 *
 * Only tools use this: libraries return errors as values (error.h).
 */
#ifndef IPBP_TOOL_H
#define IPBP_TOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdnoreturn.h>

#include "exit.h"

/* The program name messages start with; call first in main(). */
void tool_init(const char *name);
const char *tool_name(void);

/* "NAME: message" on stderr; die() exits EXIT_TROUBLE, error() returns -1. */
noreturn void die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "NAME: warning: message" on stderr. */
void warning(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* "NAME: message" and a hint to --help on stderr; exits EXIT_TROUBLE. */
noreturn void usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* --format=FMT of a tool that writes text or JSON; anything else is a
 * usage error ("unknown format 'xml' (text or json)"). */
enum tool_format { FMT_TEXT, FMT_JSON };
enum tool_format tool_parse_format(const char *s);

/* The usage text on stdout, exit 0 (EXIT_TROUBLE if stdout fails). */
noreturn void tool_help(const char *usage);
/* "NAME (ipbp) VERSION" on stdout, exit 0. */
noreturn void tool_version(void);

/* Colors only on a terminal, and never when NO_COLOR is set (no-color.org)
 * or TERM is "dumb". */
bool tool_use_color(FILE *f);

/* Reads all of f into a malloc'd buffer (freed by the caller). */
int tool_read_all(FILE *f, const char *name, void **data, size_t *size);

/*
 * Output to a file or standard output ("-" or NULL).  A file is written
 * to a temporary "FILE.XXXXXX" beside it and renamed over FILE by
 * tool_output_commit(); tool_output_abort() removes the temporary.  Both
 * print their errors and return -1.
 */
struct tool_output {
	FILE *f;
	char *path;		/* NULL for standard output */
	char *tmp;
};

int tool_output_open(struct tool_output *out, const char *path);
int tool_output_commit(struct tool_output *out);
void tool_output_abort(struct tool_output *out);

#endif
