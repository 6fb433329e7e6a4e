/* SPDX-License-Identifier: MIT */
/*
 * patchload.h - applying a patch to a running process, and undoing it
 * (DESIGN.md §7, doc/patchload.1).
 *
 * patchload_apply() works in two halves.  While the process runs:
 *
 *   open_patch()        the container read and verified (patchinfo --verify)
 *   inspect_process()   mappings, modules, the records of applied patches
 *   check_target()      the build-id, when the patch was built with --target
 *   resolve_funcs()     each replaced function found (in its module, or as an
 *                       earlier patch's copy) and its code proved to be the
 *                       patch's old code (masked hash); where each branch goes
 *   resolve_imports()   every import bound to the live storage or code
 *   place_patch()       an address within reach of every site and import, the
 *                       image relocated for it, the record written
 *
 * then, with every thread stopped (the only time the program waits):
 *
 *   wait_for_threads()  no thread about to execute bytes being replaced
 *   map_patch()         a memfd mapped with each segment's permissions
 *   redirect()          the branches written; any failure puts back what
 *                       was written and unmaps: all or nothing
 *
 * A dry run stops after place_patch().
 */
#ifndef IPBP_PATCHLOAD_H
#define IPBP_PATCHLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"
#include "ledger.h"

struct patchload_opts {
	bool dry_run;		/* resolve and verify, change nothing */
	unsigned tries;		/* stops tried while a thread is in the way
				 * (0: the default, 200) */
	const char *debug_dir;	/* separate debug files by build-id under
				 * DIR/.build-id; NULL: /usr/lib/debug */
};

#define PATCHLOAD_MAX_STEPS 12

struct patchload_stats {
	struct {
		const char *name;	/* "resolve", "stopped", ... */
		uint64_t ns;
	} steps[PATCHLOAD_MAX_STEPS];
	unsigned nr_steps;
	uint64_t total_ns;
	uint64_t stopped_ns;	/* every thread was stopped at once this long:
				 * the program could make no progress */
	uint64_t stopping_ns;	/* from the first thread interrupted to the
				 * last one resumed (longer when threads wait
				 * for a CPU to reach their stop) */
	size_t threads;		/* threads stopped */
	unsigned stops;		/* times stopped (more than 1: a thread was
				 * in the way and the process ran on) */
};

/* Which applied patches patchload_revert() undoes. */
enum patchload_revert {
	REVERT_NEWEST,
	REVERT_ALL,
	REVERT_SEQ,		/* the one numbered seq, if no later patch
				 * builds on it */
};

/*
 * Applies the patch at path to process pid.  *applied (freed with
 * ledger_free) describes what was done, or would be with dry_run; stats may
 * be NULL.
 */
int patchload_apply(pid_t pid, const char *path, const struct patchload_opts *opts,
		    struct ledger **applied, struct patchload_stats *stats,
		    struct ipbp_err *err);

/* Undoes applied patches, newest first, restoring the bytes they replaced;
 * *reverted lists them (ledger_free_list). */
int patchload_revert(pid_t pid, enum patchload_revert what, uint64_t seq,
		     const struct patchload_opts *opts, struct ledger ***reverted,
		     size_t *nr, struct patchload_stats *stats, struct ipbp_err *err);

/* The patches applied to pid, oldest first (reverted ones still mapped
 * included, with their state). */
int patchload_list(pid_t pid, struct ledger ***list, size_t *nr, struct ipbp_err *err);

#endif
