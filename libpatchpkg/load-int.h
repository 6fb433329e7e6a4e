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
