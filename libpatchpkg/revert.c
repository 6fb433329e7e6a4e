// SPDX-License-Identifier: MIT
/*
 * revert.c - patchload_revert() and patchload_list().
 *
 * A revert puts back the bytes each branch replaced, newest patch first,
 * after checking that every branch is still the one written.  The patch's
 * mapping is then unmapped, unless a thread may still be running its code
 * (it was inside a new function when the branches went): then it stays,
 * marked reverted, and a later revert unmaps it once nobody uses it.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "load-int.h"
#include "patch-arch.h"

struct revert_ctx {
	struct load_ctx lc;
	struct ledger *todo[256];	/* to revert, newest first */
	size_t nr_todo;
};

static const struct patch_arch *rec_arch(const struct ledger *rec)
{
	return patch_arch_find_machine(rec->manifest->machine);
}

/* Any later applied patch whose branches sit in rec's code or on the
 * same entries depends on rec. */
static const struct ledger *dependent(const struct load_ctx *lc, const struct ledger *rec)
{
	for (size_t i = 0; i < lc->nr_recs; i++) {
		const struct ledger *later = lc->recs[i];

		if (later->seq <= rec->seq || later->state != LEDGER_APPLIED)
			continue;
		for (size_t s = 0; s < later->nr_sites; s++) {
			const struct ledger_site *site = &later->sites[s];

			if (site->addr >= rec->addr && site->addr < rec->addr + rec->map_size)
				return later;
			for (size_t t = 0; t < rec->nr_sites; t++)
				if (rec->sites[t].addr == site->addr)
					return later;
		}
	}
	return NULL;
}

static int choose(struct revert_ctx *ctx, enum patchload_revert what, uint64_t seq)
{
	struct load_ctx *lc = &ctx->lc;
	struct ledger *applied[256];
	size_t n;

	if (lc->nr_recs > 256)
		return ipbp_error(lc->err, "process %d: too many patches applied", (int)lc->proc->pid);
	n = load_applied(lc, applied);
	if (!n)
		return ipbp_error(lc->err, "process %d: no patch is applied", (int)lc->proc->pid);
	if (what == REVERT_NEWEST) {
		ctx->todo[ctx->nr_todo++] = applied[n - 1];
		return 0;
	}
	for (size_t i = n; i-- > 0;) {
		const struct ledger *dep;

		if (what == REVERT_ALL) {
			ctx->todo[ctx->nr_todo++] = applied[i];
			continue;
		}
		if (applied[i]->seq != seq)
			continue;
		if ((dep = dependent(lc, applied[i])))
			return ipbp_error(lc->err, "patch #%" PRIu64 " (%s) builds on #%" PRIu64
					  " (%s): revert it first", dep->seq, dep->name, seq,
					  applied[i]->name);
		ctx->todo[ctx->nr_todo++] = applied[i];
		return 0;
	}
	if (what == REVERT_ALL)
		return 0;
	return ipbp_error(lc->err, "process %d: no patch #%" PRIu64 " is applied",
			  (int)lc->proc->pid, seq);
}

/*
 * The bytes at [addr, addr + size) once the patches before todo[upto]
 * (the newer ones) are reverted: what is there now, with what those
 * patches will put back.
 */
static int bytes_after_newer(struct revert_ctx *ctx, size_t upto, uint64_t addr, uint8_t *buf,
			     size_t size)
{
	if (process_read(ctx->lc.proc, addr, buf, size, ctx->lc.err) < 0)
		return -1;
	for (size_t i = 0; i < upto; i++)	/* newest first, as reverted */
		ledger_put_back(ctx->todo[i], addr, buf, size);
	return 0;
}

/* Every branch of todo[i] still as written (once the newer patches being
 * reverted with it are): nothing else rewrote those bytes. */
static int check_branches(struct revert_ctx *ctx, size_t i)
{
	const struct ledger *rec = ctx->todo[i];
	const struct patch_arch *arch = rec_arch(rec);

	if (!arch)
		return ipbp_error(ctx->lc.err, "%s: unknown architecture", rec->name);
	for (size_t k = 0; k < rec->nr_sites; k++) {
		const struct ledger_site *s = &rec->sites[k];
		uint8_t want[LEDGER_SAVED_MAX], now[LEDGER_SAVED_MAX];

		memcpy(want, s->saved, LEDGER_SAVED_MAX);
		if (s->size != arch->branch_size ||
		    arch->write_branch(want, s->addr, s->dest, ctx->lc.err) < 0 ||
		    bytes_after_newer(ctx, i, s->addr, now, s->size) < 0)
			return -1;
		if (memcmp(want, now, s->size))
			return ipbp_error(ctx->lc.err, "%s: the branch at 0x%" PRIx64 " was changed "
					  "by someone else; not reverting", rec->name, s->addr);
	}
	return 0;
}

static int restore(struct revert_ctx *ctx, const struct ledger *rec)
{
	for (size_t i = rec->nr_sites; i-- > 0;) {
		const struct ledger_site *s = &rec->sites[i];

		if (process_write(ctx->lc.proc, s->addr, s->saved, s->size, ctx->lc.err) < 0)
			return -1;
	}
	return 0;
}

static int revert_stopped(struct revert_ctx *ctx)
{
	if (load_stop_clear(&ctx->lc, ctx->todo, ctx->nr_todo) < 0)
		return -1;
	load_step(&ctx->lc, "wait");
	for (size_t i = 0; i < ctx->nr_todo; i++)
		if (check_branches(ctx, i) < 0)
			return -1;
	for (size_t i = 0; i < ctx->nr_todo; i++)
		if (restore(ctx, ctx->todo[i]) < 0)
			return -1;	/* a write to checked memory failed: nothing
					 * sensible is left to do but say so */
	load_step(&ctx->lc, "restore");
	return 0;
}

static bool is_todo(const struct revert_ctx *ctx, const struct ledger *rec)
{
	for (size_t i = 0; i < ctx->nr_todo; i++)
		if (ctx->todo[i] == rec)
			return true;
	return false;
}

/* The mappings of the patches just reverted, and of those reverted earlier
 * and still mapped: unmapped when no thread runs their code or will return
 * into it, else (just reverted) left marked reverted. */
static int release_mappings(struct revert_ctx *ctx)
{
	uint32_t state = LEDGER_REVERTED;

	for (size_t i = 0; i < ctx->lc.nr_recs; i++) {
		struct ledger *rec = ctx->lc.recs[i];
		bool now = is_todo(ctx, rec);

		if (!now && rec->state != LEDGER_REVERTED)
			continue;
		if (!load_span_in_use(&ctx->lc, rec->addr, rec->addr + rec->map_size)) {
			if (load_munmap(&ctx->lc, rec->addr, rec->map_size) < 0)
				return -1;
		} else if (now) {
			rec->state = LEDGER_REVERTED;
			if (process_write(ctx->lc.proc, rec->addr + LEDGER_STATE_OFFSET, &state,
					  sizeof(state), ctx->lc.err) < 0)
				return -1;
		}
	}
	load_step(&ctx->lc, "unmap");
	return 0;
}

int patchload_revert(pid_t pid, enum patchload_revert what, uint64_t seq,
		     const struct patchload_opts *opts, struct ledger ***reverted,
		     size_t *nr, struct patchload_stats *stats, struct ipbp_err *err)
{
	struct patchload_stats local_stats;
	struct revert_ctx ctx = { 0 };
	int ret = -1;

	*reverted = NULL;
	*nr = 0;
	load_ctx_init(&ctx.lc, opts, stats ? stats : &local_stats, err);
	if (load_ctx_open(&ctx.lc, pid) < 0 || choose(&ctx, what, seq) < 0)
		goto out;
	load_step(&ctx.lc, "inspect");
	if (!opts->dry_run && (revert_stopped(&ctx) < 0 || release_mappings(&ctx) < 0))
		goto out;
	if (process_resume(ctx.lc.proc, err) < 0)
		goto out;
	load_step(&ctx.lc, "resume");
	/* hand the reverted records to the caller, out of the context's list */
	*reverted = calloc(ctx.nr_todo, sizeof(**reverted));
	if (!*reverted) {
		ipbp_error(err, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < ctx.nr_todo; i++)
		for (size_t j = 0; j < ctx.lc.nr_recs; j++)
			if (ctx.lc.recs[j] == ctx.todo[i]) {
				(*reverted)[(*nr)++] = ctx.todo[i];
				ctx.lc.recs[j] = ctx.lc.recs[--ctx.lc.nr_recs];
				break;
			}
	ret = 0;
out:
	load_ctx_release(&ctx.lc);
	return ret;
}

int patchload_list(pid_t pid, struct ledger ***list, size_t *nr, struct ipbp_err *err)
{
	struct process *p;
	int ret;

	if (process_open(&p, pid, err) < 0)
		return -1;
	ret = ledger_read_all(p, list, nr, err);
	process_close(p);
	return ret;
}
