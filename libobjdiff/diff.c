// SPDX-License-Identifier: MIT
/*
 * diff.c - per-symbol comparison of two objects: the driver (a flat list
 * of passes, see diff.h), split parts, the result list and the names of
 * statuses and reasons.
 *
 * The passes live in correlate.c (units, twins, parts) and compare.c
 * (bytes and relocations).  The result never depends on symbol indexes,
 * section numbers or layout.
 *
 * Not done: DIFF_R_DEBUG.  Debug sections never make a symbol changed,
 * and opts->debug does not report debug-only changes yet (objdiff has no
 * --debug option until it does).
 */
#include <stdlib.h>
#include <string.h>

#include "diff-int.h"
#include "threads-int.h"

static const struct diff_opts default_opts;

/* ---- names ------------------------------------------------------------------ */

static const char *const reason_names[DIFF_R_NR] = {
	"size", "code", "relocs", "data", "section", "kind", "bind", "part", "debug",
};

const char *diff_reason_name(unsigned reason_bit)
{
	for (unsigned i = 0; i < DIFF_R_NR; i++)
		if (reason_bit == 1u << i)
			return reason_names[i];
	return NULL;
}

unsigned diff_reason_parse(const char *name, size_t len)
{
	for (unsigned i = 0; i < DIFF_R_NR; i++)
		if (strlen(reason_names[i]) == len && !memcmp(reason_names[i], name, len))
			return 1u << i;
	return 0;
}

const char *diff_status_name(enum diff_status status)
{
	switch (status) {
	case DIFF_SAME:
		return "unchanged";
	case DIFF_CHANGED:
		return "changed";
	case DIFF_ADDED:
		return "added";
	case DIFF_REMOVED:
		return "removed";
	}
	return "unknown";
}

/* ---- split parts -------------------------------------------------------------- */

/* A part not listed on its own: every side of it is a part. */
static bool is_hidden(const struct unit *u)
{
	return is_part(u) && (!u->twin || is_part(u->twin));
}

static enum diff_status unit_status(const struct unit *u, int side)
{
	if (!u->twin)
		return side ? DIFF_ADDED : DIFF_REMOVED;
	return u->reasons ? DIFF_CHANGED : DIFF_SAME;
}

/* a + b, at most DIFF_SIZE_MAX (a is): sizes come from the file and may
 * be anything. */
static uint64_t size_add(uint64_t a, uint64_t b)
{
	return b > DIFF_SIZE_MAX - a ? DIFF_SIZE_MAX : a + b;
}

/* Hidden parts: their sizes go to their root, their changes mark it. */
static int diff_fold_parts(struct diff_ctx *ctx)
{
	for (int s = 0; s < 2; s++) {
		struct diff_side *side = &ctx->side[s];

		for (size_t i = 0; i < side->nr_units; i++) {
			struct unit *u = &side->units[i], *root = u->root;

			if (!is_hidden(u) || !diff_in_focus(ctx, u))
				continue;
			root->parts_size = size_add(root->parts_size, u->sym->size);
			if (unit_status(u, s) == DIFF_SAME)
				continue;
			root->reasons |= DIFF_R_PART;
			if (root->twin)
				root->twin->reasons |= DIFF_R_PART;
			ctx->differs = true;
		}
	}
	return 0;
}

/* ---- the result ----------------------------------------------------------------- */

static void add_result(struct diff_ctx *ctx, struct unit *o, struct unit *n,
		       enum diff_status status)
{
	struct diff_pair *pair = ctx->pair;
	struct diff_symbol *ds = &pair->syms[pair->nr_syms++];
	struct unit *u = n ? n : o;

	ds->status = status;
	ds->reasons = status == DIFF_CHANGED ? u->reasons : 0;
	ds->kind = u->kind;
	ds->name = u->sym->name;
	ds->old = o ? o->sym : NULL;
	ds->new = n ? n->sym : NULL;
	ds->old_size = o ? size_add(o->parts_size, o->sym->size) : 0;
	ds->new_size = n ? size_add(n->parts_size, n->sym->size) : 0;
	pair->nr_changed += status == DIFF_CHANGED;
	pair->nr_added += status == DIFF_ADDED;
	pair->nr_removed += status == DIFF_REMOVED;
}

/* New symbols in the new object's order, then removed ones in the old's. */
static int diff_collect(struct diff_ctx *ctx)
{
	struct diff_side *old = &ctx->side[0], *new = &ctx->side[1];
	bool all = ctx->opts->all;

	ctx->pair->syms = calloc(old->nr_units + new->nr_units + 1,
				 sizeof(*ctx->pair->syms));
	if (!ctx->pair->syms)
		return ipbp_error(ctx->err, "out of memory");
	for (size_t i = 0; i < new->nr_units; i++) {
		struct unit *n = &new->units[i];
		enum diff_status st = unit_status(n, 1);

		if (!is_hidden(n) && diff_in_focus(ctx, n) && (st != DIFF_SAME || all))
			add_result(ctx, n->twin, n, st);
	}
	for (size_t i = 0; i < old->nr_units; i++) {
		struct unit *o = &old->units[i];

		if (!o->twin && !is_hidden(o) && diff_in_focus(ctx, o))
			add_result(ctx, o, NULL, DIFF_REMOVED);
	}
	return 0;
}

/* ---- the driver -------------------------------------------------------------------- */

static int check_comparable(const struct obj *old, const struct obj *new,
			    struct ipbp_err *err)
{
	if (!old || !new)
		return ipbp_error(err, "internal error: diff_objs needs two objects");
	if (old->format == new->format && old->arch == new->arch)
		return 0;
	return ipbp_error(err, "cannot compare %s/%s with %s/%s",
			  obj_format_name(old->format), obj_arch_name(old->arch),
			  obj_format_name(new->format), obj_arch_name(new->arch));
}

static void ctx_init(struct diff_ctx *ctx, struct diff_pair *pair, struct obj *old,
		     struct obj *new, const struct diff_opts *opts, struct ipbp_err *err)
{
	memset(ctx, 0, sizeof(*ctx));
	memset(pair, 0, sizeof(*pair));
	pair->old = old;
	pair->new = new;
	pair->old_name = old ? old->name : NULL;
	pair->new_name = new ? new->name : NULL;
	ctx->side[0].obj = old;
	ctx->side[1].obj = new;
	ctx->opts = opts ? opts : &default_opts;
	ctx->pair = pair;
	ctx->err = err;
}

static void ctx_release(struct diff_ctx *ctx)
{
	diff_side_release(&ctx->side[0]);
	diff_side_release(&ctx->side[1]);
	free(ctx->groups);
	free(ctx->slots);
	diff_disasm_close(ctx->disasm);
}

/* Objects with more symbols than this together have their sides built in
 * two threads. */
#define THREAD_SYMBOLS	8192

struct side_job {
	struct diff_side *side;
	struct ipbp_err err;
	int ret;
};

static void *build_units_run(void *arg)
{
	struct side_job *job = arg;

	job->ret = diff_build_units(job->side, &job->err);
	return NULL;
}

static void *find_parts_run(void *arg)
{
	struct side_job *job = arg;

	diff_find_parts(job->side);
	return NULL;
}

/* run() over each side; the error is old's when both fail. */
static int for_both_sides(struct diff_ctx *ctx, void *(*run)(void *))
{
	struct side_job jobs[2] = { { .side = &ctx->side[0] }, { .side = &ctx->side[1] } };
	size_t nr_symbols = 0;

	for (int s = 0; s < 2; s++)
		nr_symbols += ctx->side[s].obj ? ctx->side[s].obj->nr_symbols : 0;
	if (nr_symbols > THREAD_SYMBOLS) {
		threads_run(jobs, sizeof(jobs[0]), 2, run);
	} else {
		run(&jobs[0]);
		run(&jobs[1]);
	}
	for (int s = 0; s < 2; s++)
		if (jobs[s].ret < 0) {
			if (ctx->err)
				*ctx->err = jobs[s].err;
			return -1;
		}
	return 0;
}

/* Whether a unit has no twin: enough for opts->quick to stop early. */
static bool has_unmatched(const struct diff_ctx *ctx)
{
	for (int s = 0; s < 2; s++)
		for (size_t i = 0; i < ctx->side[s].nr_units; i++)
			if (!ctx->side[s].units[i].twin)
				return true;
	return false;
}

int diff_objs(struct diff_pair *pair, struct obj *old, struct obj *new,
	      const struct diff_opts *opts, struct ipbp_err *err)
{
	struct diff_ctx ctx;
	int ret;

	ctx_init(&ctx, pair, old, new, opts, err);
	if ((ret = check_comparable(old, new, err)) < 0)
		goto out;

	/* What is compared, under which name. */
	if ((ret = for_both_sides(&ctx, build_units_run)) < 0)
		goto out;

	/* Twins: by name, static locals by reference, then the rest. */
	if ((ret = diff_correlate_symbols(&ctx)) < 0 ||
	    (ctx.opts->focus && (ret = diff_focus_named(&ctx)) < 0) ||
	    (ret = diff_correlate_statics(&ctx)) < 0 ||
	    (ret = diff_correlate_leftovers(&ctx)) < 0)
		goto out;
	for_both_sides(&ctx, find_parts_run);
	if (ctx.opts->focus && (ret = diff_focus_needed(&ctx)) < 0)
		goto out;
	ctx.differs = has_unmatched(&ctx);

	/* Bytes and relocations of each pair of twins. */
	if ((ret = diff_compare_symbols(&ctx)) < 0)
		goto out;

	/* Parts into their parents, and the result list. */
	if ((ret = diff_fold_parts(&ctx)) < 0 ||
	    (ret = diff_collect(&ctx)) < 0)
		goto out;
out:
	ctx_release(&ctx);
	if (ret < 0)
		diff_pair_release(pair);
	return ret;
}

int diff_one_sided(struct diff_pair *pair, struct obj *old, struct obj *new,
		   const struct diff_opts *opts, struct ipbp_err *err)
{
	struct diff_ctx ctx;
	int ret;

	ctx_init(&ctx, pair, old, new, opts, err);
	if (!old == !new) {
		ret = ipbp_error(err, "internal error: diff_one_sided needs one object");
		goto out;
	}
	if ((ret = diff_build_units(&ctx.side[old ? 0 : 1], err)) < 0 ||
	    (ctx.opts->focus && (ret = diff_focus_named(&ctx)) < 0))
		goto out;
	diff_find_parts(&ctx.side[old ? 0 : 1]);
	if ((ctx.opts->focus && (ret = diff_focus_needed(&ctx)) < 0) ||
	    (ret = diff_fold_parts(&ctx)) < 0 ||
	    (ret = diff_collect(&ctx)) < 0)
		goto out;
out:
	ctx_release(&ctx);
	if (ret < 0)
		diff_pair_release(pair);
	return ret;
}

void diff_pair_release(struct diff_pair *pair)
{
	free(pair->syms);
	pair->syms = NULL;
	pair->nr_syms = 0;
	pair->nr_changed = pair->nr_added = pair->nr_removed = 0;
}
