#ifndef DEMO_H
#define DEMO_H
#include <stddef.h>

struct pool {
	char *mem;
	size_t used, cap;
	unsigned grows;
};

void *pool_alloc(size_t size);
char *pool_strdup(const char *s);
const struct pool *pool_stats(void);
const char *greeting(unsigned tick);

#endif
