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
#include <string.h>

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

/*
 * A zeroed array of n elements of elem bytes, like calloc(), but with
 * every page written now: for a table read before it is written (a hash
 * table's chains).  calloc()'s fresh pages are mapped to the shared page
 * of zeros on the first read and copied on the first write, and that
 * second fault flushes the TLB of every other CPU the process runs on.
 * explicit_bzero(), not memset(): the compiler turns malloc() + memset()
 * into calloc().
 */
static inline void *calloc_written(size_t n, size_t elem)
{
	size_t bytes = n * elem;
	void *p;

	if (elem && n > (size_t)-1 / elem)
		return NULL;
	if (!(p = malloc(bytes ? bytes : 1)))
		return NULL;
	explicit_bzero(p, bytes);
	return p;
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
