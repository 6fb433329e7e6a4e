// SPDX-License-Identifier: MIT
/*
 * load-common.c - timings, stopping at a safe moment, and asking whether a
 * thread may still be using some code.
 *
 * Whether a thread will return into a span is judged conservatively from
 * its stack: any aligned word of the stack in use (from the stack pointer
 * to the end of its mapping, at most STACK_SCAN_MAX bytes) that points
 * into the span counts, whether or not it is a return address.  A false
 * "in use" costs a retry or a mapping kept; a missed one would crash the
 * program, so the scan does not try to be clever.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>

#include "load-int.h"

void load_ctx_init(struct load_ctx *ctx, const struct patchload_opts *opts,
		   struct patchload_stats *stats, struct ipbp_err *err)
{
	memset(ctx, 0, sizeof(*ctx));
	memset(stats, 0, sizeof(*stats));
	ctx->opts = opts;
	ctx->stats = stats;
	ctx->err = err;
	ctx->started = ctx->last = process_now_ns();
}

int load_ctx_open(struct load_ctx *ctx, pid_t pid)
{
	if (process_open(&ctx->proc, pid, ctx->err) < 0)
		return -1;
	return ledger_read_all(ctx->proc, &ctx->recs, &ctx->nr_recs, ctx->err);
}

void load_ctx_release(struct load_ctx *ctx)
{
	struct patchload_stats *st = ctx->stats;

	if (ctx->proc) {
		process_resume(ctx->proc, NULL);
		st->stopped_ns = ctx->proc->all_stopped_ns;
		st->stopping_ns = ctx->proc->stop_ns;
	}
	st->total_ns = process_now_ns() - ctx->started;
	process_close(ctx->proc);
	ledger_free_list(ctx->recs, ctx->nr_recs);
	ctx->proc = NULL;
	ctx->recs = NULL;
	ctx->nr_recs = 0;
}

void load_step(struct load_ctx *ctx, const char *name)
{
	struct patchload_stats *st = ctx->stats;
	uint64_t now = process_now_ns();

	if (st->nr_steps < PATCHLOAD_MAX_STEPS) {
		st->steps[st->nr_steps].name = name;
		st->steps[st->nr_steps].ns = now - ctx->last;
		st->nr_steps++;
	}
	ctx->last = now;
}

size_t load_applied(const struct load_ctx *ctx, struct ledger **out)
{
	size_t n = 0;

	for (size_t i = 0; i < ctx->nr_recs; i++)
		if (ctx->recs[i]->state == LEDGER_APPLIED)
			out[n++] = ctx->recs[i];
	return n;
}

/* ---- threads in the way ------------------------------------------------ */

static int by_lo(const void *a, const void *b)
{
	const struct busy_span *x = a, *y = b;

	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

/* Merging only spans that overlap keeps the answer exact: a word at the
 * start of a span is not in it (unless inclusive), but one at the start of
 * a span overlapping an earlier one is inside the earlier one. */
void span_set_init(struct span_set *set, struct busy_span *spans, size_t nr)
{
	size_t n = 0;

	qsort(spans, nr, sizeof(*spans), by_lo);
	for (size_t i = 0; i < nr; i++) {
		if (n && spans[i].lo < spans[n - 1].hi) {
			if (spans[i].hi > spans[n - 1].hi)
				spans[n - 1].hi = spans[i].hi;
			continue;
		}
		spans[n++] = spans[i];
	}
	*set = (struct span_set){ spans, n, n ? spans[0].lo : 0, n ? spans[n - 1].hi : 0 };
}

bool span_set_holds(const struct span_set *set, uint64_t w, bool inclusive)
{
	size_t lo = 0, hi = set->nr;

	if (w < set->lo || w >= set->hi)
		return false;
	while (lo < hi) {	/* the first span starting past w */
		size_t mid = lo + (hi - lo) / 2;

		if (inclusive ? set->spans[mid].lo <= w : set->spans[mid].lo < w)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo > 0 && w < set->spans[lo - 1].hi;
}

static bool stack_points_into(struct load_ctx *ctx, const struct thread *t,
			      const struct span_set *set, bool inclusive)
{
	const struct mapping *m = process_find_mapping(ctx->proc, t->sp);
	uint64_t lo = t->sp & ~(uint64_t)7, hi;
	uint64_t buf[4096];

	if (!m)
		return false;
	hi = m->end - lo > STACK_SCAN_MAX ? lo + STACK_SCAN_MAX : m->end;
	while (lo < hi) {
		size_t n = hi - lo > sizeof(buf) ? sizeof(buf) : (size_t)(hi - lo);

		if (process_read(ctx->proc, lo, buf, n, NULL) < 0)
			return true;	/* cannot tell: assume the worst */
		for (size_t i = 0; i < n / 8; i++)
			if (span_set_holds(set, buf[i], inclusive))
				return true;
		lo += n;
	}
	return false;
}

/* A thread at the very start of a span is fine when it is about to
 * execute what will be written there whole; inside it is not. */
static bool thread_in_way(struct load_ctx *ctx, const struct thread *t,
			  const struct span_set *set)
{
	return span_set_holds(set, t->pc, false) || stack_points_into(ctx, t, set, false);
}

static int stop_clear_of(struct load_ctx *ctx, const struct span_set *set)
{
	struct process *p = ctx->proc;
	unsigned tries = ctx->opts->tries ? ctx->opts->tries : DEFAULT_TRIES;

	for (unsigned n = 0; n < tries; n++) {
		bool busy = false;

		if ((n == 0 ? process_stop(p, ctx->err)
			    : process_run_briefly(p, RETRY_USEC, ctx->err)) < 0)
			return -1;
		ctx->stats->stops++;
		ctx->stats->threads = p->nr_threads;
		for (size_t i = 0; i < p->nr_threads && !busy; i++)
			busy = thread_in_way(ctx, &p->threads[i], set);
		if (!busy)
			return 0;
	}
	process_resume(p, NULL);
	return ipbp_error(ctx->err, "process %d: a thread kept running the code to be "
			  "rewritten (%u tries); nothing was changed", (int)p->pid, tries);
}

int load_stop_clear(struct load_ctx *ctx, struct ledger *const *recs, size_t nr)
{
	struct busy_span *spans;
	struct span_set set;
	size_t n = 0;
	int ret;

	for (size_t i = 0; i < nr; i++)
		n += recs[i]->nr_sites;
	spans = calloc(n + 1, sizeof(*spans));
	if (!spans)
		return ipbp_error(ctx->err, "out of memory");
	n = 0;
	for (size_t i = 0; i < nr; i++)
		for (size_t s = 0; s < recs[i]->nr_sites; s++) {
			const struct ledger_site *site = &recs[i]->sites[s];

			spans[n++] = (struct busy_span){ site->addr, site->addr + site->size };
		}
	span_set_init(&set, spans, n);
	ret = stop_clear_of(ctx, &set);
	free(spans);
	return ret;
}

bool load_span_in_use(struct load_ctx *ctx, uint64_t lo, uint64_t hi)
{
	struct process *p = ctx->proc;
	struct busy_span span = { lo, hi };
	struct span_set set;

	span_set_init(&set, &span, 1);
	for (size_t i = 0; i < p->nr_threads; i++) {
		const struct thread *t = &p->threads[i];

		if (span_set_holds(&set, t->pc, true) || stack_points_into(ctx, t, &set, true))
			return true;
	}
	return false;
}

int load_syscall(struct load_ctx *ctx, const char *what, long nr, const uint64_t args[6],
		 int64_t *ret)
{
	if (process_syscall(ctx->proc, nr, args, ret, ctx->err) < 0)
		return -1;
	if (*ret < 0 && *ret > -4096)
		return ipbp_error(ctx->err, "process %d: %s: %s", (int)ctx->proc->pid, what,
				  strerror((int)-*ret));
	return 0;
}

int load_munmap(struct load_ctx *ctx, uint64_t addr, uint64_t size)
{
	char what[64];
	int64_t ret;

	snprintf(what, sizeof(what), "munmap 0x%" PRIx64, addr);
	return load_syscall(ctx, what, SYS_munmap, (uint64_t[6]){ addr, size }, &ret);
}
