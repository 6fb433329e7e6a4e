/* pool.c - a tiny arena, the demo's "library" object. */
#include <stdlib.h>
#include <string.h>

#include "demo.h"

static struct pool pool;		/* state the process keeps */

static int pool_grow(size_t need)
{
	size_t cap = pool.cap ? pool.cap * 2 : 256;
	char *mem;

	while (cap < pool.used + need)
		cap *= 2;
	mem = realloc(pool.mem, cap);
	if (!mem)
		return -1;
	pool.mem = mem;
	pool.cap = cap;
	pool.grows++;
	return 0;
}

void *pool_alloc(size_t size)
{
	void *p;

	if (pool.used + size > pool.cap && pool_grow(size) < 0)
		return NULL;
	p = pool.mem + pool.used;
	pool.used += size;
	return p;
}

char *pool_strdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = pool_alloc(n);

	return p ? memcpy(p, s, n) : NULL;
}

const struct pool *pool_stats(void)
{
	return &pool;
}
