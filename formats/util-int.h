/* SPDX-License-Identifier: MIT */
/*
 * util-int.h - small helpers the libraries share: the hash of a name for
 * open-addressed tables, the growth of an array, the value of a hex digit.
 * Not installed.
 */
#ifndef IPBP_UTIL_INT_H
#define IPBP_UTIL_INT_H

#include <stddef.h>
#include <stdlib.h>

/* djb2: good enough for symbol and type names. */
static inline size_t str_hash(const char *s)
{
	size_t h = 5381;

	while (*s)
		h = h * 33 + (unsigned char)*s++;
	return h;
}

/*
 * Makes *v (of *cap elements of elem bytes) hold at least need elements,
 * doubling its capacity.  Returns 0, or -1 when out of memory (*v and *cap
 * as they were).
 */
static inline int array_grow(void **v, size_t *cap, size_t need, size_t elem)
{
	size_t ncap = *cap ? *cap : 16;
	void *p;

	if (need <= *cap)
		return 0;
	while (ncap < need) {
		if (ncap > (size_t)-1 / 2 / elem)
			return -1;
		ncap *= 2;
	}
	p = realloc(*v, ncap * elem);
	if (!p)
		return -1;
	*v = p;
	*cap = ncap;
	return 0;
}

/* The value of hex digit c (either case), or -1. */
static inline int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

#endif
