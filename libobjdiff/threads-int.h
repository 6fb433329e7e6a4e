/* SPDX-License-Identifier: MIT */
/*
 * threads-int.h - one job split into parts, a thread per part: decode.c
 * sweeps ranges that way, compare.c compares units.
 */
#ifndef IPBP_THREADS_INT_H
#define IPBP_THREADS_INT_H

#include <stddef.h>

#define THREADS_MAX 16

/* The CPUs online, from 1 to THREADS_MAX: how many parts are worth making. */
unsigned threads_available(void);

/*
 * Runs run(part) for each of the n parts at parts, size bytes apart: part
 * 0 in this thread, each other in a thread of its own.  A part whose
 * thread cannot be started runs in this thread after part 0.  Returns when
 * every part has run.
 */
void threads_run(void *parts, size_t size, unsigned n, void *(*run)(void *));

#endif
