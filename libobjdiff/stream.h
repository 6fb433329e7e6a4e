/* SPDX-License-Identifier: MIT */
/*
 * stream.h - the diff stream: the contract between objdiff and mkpatch
 * (DESIGN.md §3, pinned in doc/objdiff.5).
 *
 *   # objdiff 1
 *   --- old.o
 *   +++ new.o
 *   ~ func gmatch_aux 201 217 code,relocs
 *   + func new_helper - 45
 *   - data old_table 64 -
 *   = func unchanged 12 12
 *
 * One symbol per line: mark, kind, name, old size, new size (decimal, "-"
 * when that side has none) and, on "~" lines, the reasons (comma-separated
 * from a fixed vocabulary), then optionally a comment: " # " and the
 * demangled C++ name (objdiff -C).  The parser takes a reasons column on
 * any line.
 * Lines starting with a blank carry details (objdiff -d) and are skipped
 * by the parser; lines starting with "#" are comments.  A stream filtered
 * by grep may have lost its "---"/"+++" lines: symbol lines before any
 * pair header belong to a pair with no names.
 */
#ifndef IPBP_STREAM_H
#define IPBP_STREAM_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "diff.h"

#define STREAM_VERSION 1
#define STREAM_NO_SIZE UINT64_MAX	/* "-" in a size column */

struct stream_symbol {
	enum diff_status status;
	enum symbol_kind kind;		/* SYMK_FUNC, SYMK_DATA or SYMK_TLS */
	char *name;
	uint64_t old_size, new_size;	/* STREAM_NO_SIZE for "-" */
	unsigned reasons;		/* DIFF_R_* */
	unsigned line;			/* 1-based, for messages */
};

struct stream_pair {
	char *old_name, *new_name;	/* NULL when the headers were filtered out */
	unsigned line;			/* of its first line, for messages */
	struct stream_symbol *syms;
	size_t nr_syms;
};

struct diff_stream {
	char *name;			/* as given to stream_parse(), for
					 * messages ("NAME:LINE: ...") */
	unsigned version;		/* 0 when there was no version line */
	struct stream_pair *pairs;
	size_t nr_pairs;
};

struct stream_write_opts {
	bool all;			/* write "=" lines for unchanged symbols */
	bool demangle;			/* C++ names demangled too: a comment
					 * after the line, "demangled" in JSON */
	/* Text only: called after each symbol line to write its detail
	 * lines (each starting with a blank), e.g. objdiff -d. */
	int (*detail)(FILE *f, const struct diff_pair *pair,
		      const struct diff_symbol *ds, void *arg, struct ipbp_err *err);
	void *detail_arg;
};

/* Text and JSON writers for the pairs objdiff compared. */
int stream_write_text(FILE *f, const struct diff_pair *pairs, size_t nr_pairs,
		      const struct stream_write_opts *opts, struct ipbp_err *err);
int stream_write_json(FILE *f, const struct diff_pair *pairs, size_t nr_pairs,
		      const struct stream_write_opts *opts, struct ipbp_err *err);
/* One symbol line (no newline): what -d prints its details under. */
void stream_write_symbol_line(FILE *f, const struct diff_symbol *ds);

/*
 * Parses a text stream.  name is used in messages ("NAME:LINE: ...").
 * Malformed lines are errors naming the line; an unknown version too.
 */
int stream_parse(struct diff_stream **out, const char *name, const char *text,
		 size_t len, struct ipbp_err *err);
void stream_free(struct diff_stream *stream);

#endif
