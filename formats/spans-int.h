/* SPDX-License-Identifier: MIT */
/*
 * spans-int.h - a set of byte ranges of a section, kept sorted and merged:
 * what obj_load_range() has loaded, what obj_decode_range() has decoded.
 * Not installed.
 */
#ifndef IPBP_SPANS_INT_H
#define IPBP_SPANS_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct span {
	uint64_t start, end;
};

struct spans {
	struct span *v;		/* sorted, disjoint, not touching */
	size_t nr, cap;
};

/* Adds [start, end), merging.  Returns 0, or -1 when out of memory (the
 * set as it was). */
int spans_add(struct spans *s, uint64_t start, uint64_t end);

/* Whether [start, end) lies within one span. */
bool spans_cover(const struct spans *s, uint64_t start, uint64_t end);

void spans_release(struct spans *s);

#endif
