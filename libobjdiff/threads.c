// SPDX-License-Identifier: MIT
/*
 * threads.c - see threads-int.h.
 */
#include <pthread.h>
#include <stdbool.h>
#include <unistd.h>

#include "threads-int.h"

unsigned threads_available(void)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	if (cpus < 1)
		return 1;
	return cpus > THREADS_MAX ? THREADS_MAX : (unsigned)cpus;
}

void threads_run(void *parts, size_t size, unsigned n, void *(*run)(void *))
{
	pthread_t threads[THREADS_MAX];
	bool started[THREADS_MAX] = { false };
	char *part = parts;

	if (n > THREADS_MAX)
		n = THREADS_MAX;
	for (unsigned p = 1; p < n; p++)
		started[p] = !pthread_create(&threads[p], NULL, run, part + p * size);
	if (n)
		run(part);
	for (unsigned p = 1; p < n; p++) {
		if (started[p])
			pthread_join(threads[p], NULL);
		else
			run(part + p * size);
	}
}
