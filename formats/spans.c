// SPDX-License-Identifier: MIT
/*
 * spans.c - a set of byte ranges (spans-int.h).
 */
#include <stdlib.h>
#include <string.h>

#include "spans-int.h"
#include "util-int.h"

/* The first span ending at or after offset. */
static size_t first_reaching(const struct spans *s, uint64_t offset)
{
	size_t lo = 0, hi = s->nr;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->v[mid].end < offset)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int spans_add(struct spans *s, uint64_t start, uint64_t end)
{
	size_t i = first_reaching(s, start), j = i;

	if (start >= end)
		return 0;
	/* [i, j): the spans [start, end) touches, merged into one */
	while (j < s->nr && s->v[j].start <= end)
		j++;
	if (i < j) {
		if (s->v[i].start < start)
			start = s->v[i].start;
		if (s->v[j - 1].end > end)
			end = s->v[j - 1].end;
		s->v[i] = (struct span){ start, end };
		memmove(&s->v[i + 1], &s->v[j], (s->nr - j) * sizeof(*s->v));
		s->nr -= j - i - 1;
		return 0;
	}
	if (array_grow((void **)&s->v, &s->cap, s->nr + 1, sizeof(*s->v)) < 0)
		return -1;
	memmove(&s->v[i + 1], &s->v[i], (s->nr - i) * sizeof(*s->v));
	s->v[i] = (struct span){ start, end };
	s->nr++;
	return 0;
}

bool spans_cover(const struct spans *s, uint64_t start, uint64_t end)
{
	size_t i = first_reaching(s, end);

	return i < s->nr && s->v[i].start <= start && s->v[i].end >= end;
}

void spans_release(struct spans *s)
{
	free(s->v);
	memset(s, 0, sizeof(*s));
}
