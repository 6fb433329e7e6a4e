// SPDX-License-Identifier: MIT
/*
 * focus.c - a diff of a few named units (diff_opts.focus), for mkpatch
 * with a diff stream: one changed function of a 50000-function object
 * must not cost a comparison of the other 49999.
 *
 * The objects may come loaded with OBJ_LOAD_LAZY and not decoded: the code
 * of the units compared is loaded and decoded here (obj_decode_range()),
 * and no other.  What is compared, and reported:
 *
 *   named      the units of each focus name (either side) and their twins,
 *              .cold/.part pieces and parents
 *   readers    the new object's functions that refer to named data (a
 *              patch that copies changed read-only data replaces them, so
 *              that they read the copy): this loads all of its code
 *   needed     every unit a compared unit refers to, and the twins, pieces
 *              and parents of those
 *
 * The references of named units and of data are followed (a table of
 * pointers leads on), those of a needed function are not: its status is
 * all a patch asks of it.  Every reported unit is compared in full, so
 * its status and reasons are what a whole diff says, with one exception:
 * static locals are correlated through the functions loaded when that
 * pass runs, the named ones (a whole diff may pair an ambiguous name
 * through another function first).
 */
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "diff-int.h"
#include "util-int.h"

enum {
	FOCUS_COMPARED = 1,	/* compared and reported */
	FOCUS_FOLLOWED = 2,	/* ... and its references are too */
	FOCUS_NAMED = 3,	/* ... and, for data, the functions reading it */
};

struct focus_walk {
	struct diff_ctx *ctx;
	struct unit **todo;	/* units whose level rose, to visit */
	size_t nr, cap;
};

static int cmp_name(const void *key, const void *elem)
{
	return strcmp(key, *(const char *const *)elem);
}

static bool is_focus_name(const struct diff_opts *opts, const char *name)
{
	return bsearch(name, opts->focus, opts->nr_focus, sizeof(*opts->focus), cmp_name);
}

/* Loads and decodes u's code (its relocations, if any, are loaded with
 * everything else of data). */
static int load_unit(struct diff_ctx *ctx, int s, const struct unit *u)
{
	const struct symbol *sym = u->sym;
	uint64_t size = sym->size ? sym->size : 1;

	if (!sym->sec || u->focus)
		return 0;
	return obj_decode_range(ctx->side[s].obj, sym->sec, sym->offset,
				size > UINT64_MAX - sym->offset ? UINT64_MAX : sym->offset + size,
				ctx->err);
}

static int side_of(const struct diff_ctx *ctx, const struct unit *u)
{
	const struct diff_side *old = &ctx->side[0];

	return u >= old->units && u < old->units + old->nr_units ? 0 : 1;
}

/* Adds u to the units to visit. */
static int push(struct focus_walk *w, struct unit *u)
{
	if (array_grow((void **)&w->todo, &w->cap, w->nr + 1, sizeof(*w->todo)) < 0)
		return ipbp_error(w->ctx->err, "out of memory");
	w->todo[w->nr++] = u;
	return 0;
}

/* Raises u to level, loading it the first time. */
static int raise_unit(struct focus_walk *w, struct unit *u, uint8_t level)
{
	if (!u || u->focus >= level)
		return 0;
	if (load_unit(w->ctx, side_of(w->ctx, u), u) < 0)
		return -1;
	u->focus = level;
	return push(w, u);
}

/* What a reference leads to: a unit, or code without one (a local label
 * a region comparison reads). */
static int follow_target(struct focus_walk *w, int s, const struct symbol *t, int64_t off)
{
	struct diff_side *side = &w->ctx->side[s];
	struct ref ref;

	diff_classify(side, t, off, &ref);
	if (ref.type == REF_UNIT)
		return raise_unit(w, ref.unit, ref.unit->kind == SYMK_FUNC ? FOCUS_COMPARED :
					  FOCUS_FOLLOWED);
	if (ref.type == REF_ANON && is_code_section(ref.sec))
		return obj_decode_range(side->obj, (struct section *)ref.sec, ref.loc,
					ref.loc + 1, w->ctx->err);
	return 0;
}

static int follow_references(struct focus_walk *w, const struct unit *u)
{
	const struct symbol *sym = u->sym;
	int s = side_of(w->ctx, u);
	size_t nr = 1;

	if (!sym->sec)
		return 0;
	/* Loading what a relocation leads to reallocates the section's list
	 * (u's own relocations stay as they are): looked up again each time. */
	for (size_t i = 0; i < nr; i++) {
		struct reloc **relocs = diff_relocs_in(sym->sec, sym->offset, sym->size, &nr);
		const struct reloc *r;

		if (i >= nr)
			break;
		r = relocs[i];

		if ((r->target && follow_target(w, s, r->target, r->target_offset) < 0) ||
		    (r->sub && follow_target(w, s, r->sub, 0) < 0))
			return -1;
	}
	return 0;
}

/* Visits the units raised until none is left. */
static int walk(struct focus_walk *w, bool references)
{
	while (w->nr) {
		struct unit *u = w->todo[--w->nr];

		if (raise_unit(w, u->twin, u->focus) < 0 ||
		    raise_unit(w, u->root, u->focus) < 0)
			return -1;
		if (references && u->focus >= FOCUS_FOLLOWED && follow_references(w, u) < 0)
			return -1;
	}
	return 0;
}

/* Pieces of raised parents, until none is left (pieces of pieces). */
static int raise_pieces(struct focus_walk *w, bool *raised)
{
	*raised = false;
	for (int s = 0; s < 2; s++)
		for (size_t i = 0; i < w->ctx->side[s].nr_units; i++) {
			struct unit *u = &w->ctx->side[s].units[i];

			if (u->root && u->root->focus > u->focus) {
				if (raise_unit(w, u, u->root->focus) < 0)
					return -1;
				*raised = true;
			}
		}
	return 0;
}

int diff_focus_named(struct diff_ctx *ctx)
{
	struct focus_walk w = { .ctx = ctx };
	int ret = 0;

	for (int s = 0; s < 2 && !ret; s++)
		for (size_t i = 0; i < ctx->side[s].nr_units && !ret; i++) {
			struct unit *u = &ctx->side[s].units[i];

			if (is_focus_name(ctx->opts, u->sym->name))
				ret = raise_unit(&w, u, FOCUS_NAMED);
		}
	if (!ret)
		ret = walk(&w, false);
	free(w.todo);
	return ret;
}

static bool is_named_data(const struct unit *u)
{
	return u && u->focus == FOCUS_NAMED && u->kind != SYMK_FUNC;
}

/* The function holding relocation r of side s, if it refers to named data. */
static struct unit *reader_of(struct diff_ctx *ctx, int s, const struct reloc *r)
{
	struct diff_side *side = &ctx->side[s];
	const struct symbol *fn;
	struct ref ref;

	if (!r->target)
		return NULL;
	diff_classify(side, r->target, r->target_offset, &ref);
	if (ref.type != REF_UNIT || !is_named_data(ref.unit) ||
	    !(fn = obj_find_symbol_covering(r->sec, r->offset)) || fn->index >= side->obj->nr_symbols)
		return NULL;
	return side->by_sym[fn->index];
}

/* The new object's functions that refer to named data, loading all its
 * code first when there is any. */
static int add_readers(struct focus_walk *w)
{
	struct diff_side *new = &w->ctx->side[1];
	struct unit **readers = NULL;
	size_t nr = 0, cap = 0;
	struct section *sec;
	struct reloc *r;
	int ret = 0;
	bool any = false;

	for (size_t i = 0; i < new->nr_units && !any; i++)
		any = is_named_data(&new->units[i]);
	if (!any || !new->obj)
		return 0;
	for_each_section(new->obj, sec)
		if (is_code_section(sec) &&
		    obj_decode_range(new->obj, sec, 0, sec->size, w->ctx->err) < 0)
			return -1;
	/* Collected first: raising them loads the old side's code. */
	for_each_reloc(new->obj, r) {
		struct unit *u = is_code_section(r->sec) ? reader_of(w->ctx, 1, r) : NULL;

		if (!u || u->focus >= FOCUS_FOLLOWED)
			continue;
		if (array_grow((void **)&readers, &cap, nr + 1, sizeof(*readers)) < 0) {
			free(readers);
			return ipbp_error(w->ctx->err, "out of memory");
		}
		readers[nr++] = u;
	}
	for (size_t i = 0; i < nr && !ret; i++)
		ret = raise_unit(w, readers[i], FOCUS_FOLLOWED);
	free(readers);
	return ret;
}

int diff_focus_needed(struct diff_ctx *ctx)
{
	struct focus_walk w = { .ctx = ctx };
	bool raised = true;
	int ret = 0;

	/* Every unit raised so far, again, now with its references. */
	for (int s = 0; s < 2 && !ret; s++)
		for (size_t i = 0; i < ctx->side[s].nr_units && !ret; i++) {
			struct unit *u = &ctx->side[s].units[i];

			if (u->focus)
				ret = push(&w, u);
		}
	if (!ret)
		ret = add_readers(&w);
	while (!ret && raised)
		if ((ret = walk(&w, true)) == 0)
			ret = raise_pieces(&w, &raised);
	free(w.todo);
	return ret;
}

bool diff_in_focus(const struct diff_ctx *ctx, const struct unit *u)
{
	return !ctx->opts->focus || u->focus;
}
