/* SPDX-License-Identifier: MIT */
/*
 * escape.h - names in text and JSON output, written the same way by every
 * writer (the diff stream, symgraph).
 */
#ifndef IPBP_ESCAPE_H
#define IPBP_ESCAPE_H

#include <stdio.h>

/* A name as one whitespace-separated field: blanks, controls, DEL and
 * backslash as \xhh; the empty name as \x00. */
void text_put_name(FILE *f, const char *s);

/* A JSON string (NULL as null): valid UTF-8 as is; quote and backslash
 * escaped; controls, DEL and bytes that are not UTF-8 as \u00hh. */
void json_put_string(FILE *f, const char *s);

/* Length of the valid UTF-8 sequence at s (2..4), or 0 (also for ASCII). */
int utf8_seq_len(const unsigned char *s);

#endif
