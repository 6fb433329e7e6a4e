/* app.c - the demo program: a long-running loop with state worth keeping.
 * Edit greeting(), recompile this one object, and (once patchload exists)
 * the running process prints the new text without losing its tick count. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "demo.h"

static unsigned ticks;

const char *greeting(unsigned tick)
{
	return tick % 2 ? "hello" : "hello again";
}

static void report(void)
{
	const struct pool *p = pool_stats();

	printf("tick %u: %s (pool %zu/%zu bytes, grown %u times)\n",
	       ticks, pool_strdup(greeting(ticks)), p->used, p->cap, p->grows);
	fflush(stdout);
}

int main(int argc, char **argv)
{
	unsigned limit = argc > 1 ? (unsigned)atoi(argv[1]) : 0;

	for (;;) {
		report();
		if (limit && ++ticks >= limit)
			return 0;
		if (!limit)
			ticks++;
		usleep(200 * 1000);
	}
}
