/* SPDX-License-Identifier: MIT */
/*
 * load-int.h - what applying (load.c) and reverting (revert.c) share: the
 * timings, the wait for threads to leave bytes being rewritten, and the
 * test whether a thread may still run code in a patch's mapping.
 */
#ifndef IPBP_LOAD_INT_H
#define IPBP_LOAD_INT_H

#include "ledger.h"
#include "patchload.h"
#include "process.h"

#define DEFAULT_TRIES	200
#define RETRY_USEC	1000	/* the process runs this long between tries */
#define STACK_SCAN_MAX	(1u << 20)	/* bytes of each thread's stack examined */

struct load_ctx {
	const struct patchload_opts *opts;
	struct patchload_stats *stats;	/* never NULL inside */
	struct ipbp_err *err;
	uint64_t started, last;
	struct process *proc;
	struct ledger **recs;		/* every record in the process */
	size_t nr_recs;
};

void load_ctx_init(struct load_ctx *ctx, const struct patchload_opts *opts,
		   struct patchload_stats *stats, struct ipbp_err *err);
/* Opens pid and reads the records of applied patches. */
int load_ctx_open(struct load_ctx *ctx, pid_t pid);
void load_ctx_release(struct load_ctx *ctx);
/* Ends a step of the work: its time is recorded under name. */
void load_step(struct load_ctx *ctx, const char *name);

/* A span [lo, hi) no thread may be executing in, or return into. */
struct busy_span {
	uint64_t lo, hi;
};

/*
 * The spans of one question, sorted by lo and merged where they overlap,
 * and their bounds: a stack word costs two comparisons unless it points
 * between the lowest span and the highest, then a binary search.  A patch
 * of a few hundred functions and a deep stack would otherwise cost
 * milliseconds while the program is stopped.
 */
struct span_set {
	struct busy_span *spans;
	size_t nr;
	uint64_t lo, hi;
};

/* Sorts and merges spans[0..nr) in place, into set. */
void span_set_init(struct span_set *set, struct busy_span *spans, size_t nr);
/* Whether w lies in one of the spans given: inside it, or (inclusive)
 * also at its start. */
bool span_set_holds(const struct span_set *set, uint64_t w, bool inclusive);

/*
 * Stops the process at a moment when no thread's program counter lies
 * inside the bytes of the sites of recs (the branches to be written or
 * undone) and no word of a thread's stack (a return address) points into
 * them; lets it run briefly and tries again, opts->tries times.
 */
int load_stop_clear(struct load_ctx *ctx, struct ledger *const *recs, size_t nr);
/* True when a stopped thread runs, or will return into, [lo, hi). */
bool load_span_in_use(struct load_ctx *ctx, uint64_t lo, uint64_t hi);

/* System call nr made in the stopped process; *ret is its result, and a
 * failure of the call itself ("process 42: what: No such device") is an
 * error too. */
int load_syscall(struct load_ctx *ctx, const char *what, long nr, const uint64_t args[6],
		 int64_t *ret);
int load_munmap(struct load_ctx *ctx, uint64_t addr, uint64_t size);

/* The records that are applied (not reverted), oldest first. */
size_t load_applied(const struct load_ctx *ctx, struct ledger **out);

#endif
