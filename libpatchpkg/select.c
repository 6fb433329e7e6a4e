// SPDX-License-Identifier: MIT
/*
 * select.c - mkpatch_set_open(): from command-line inputs and a diff
 * stream to the object pairs to patch (mkpatch.h).
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "diffset.h"
#include "mkpatch.h"

static bool names_equal(const char *a, const char *b)
{
	return a && b && !strcmp(a, b);
}

/* A stream pair with at least one "~" or "+" line. */
static bool selects_something(const struct stream_pair *sp)
{
	for (size_t i = 0; i < sp->nr_syms; i++)
		if (sp->syms[i].status == DIFF_CHANGED || sp->syms[i].status == DIFF_ADDED)
			return true;
	return false;
}

static int add_input(struct mkpatch_set *set, const struct diff_pair *pair,
		     const struct stream_pair *select, struct ipbp_err *err)
{
	struct mkpatch_input *v = realloc(set->inputs, (set->nr_inputs + 1) * sizeof(*v));

	if (!v)
		return ipbp_error(err, "out of memory");
	set->inputs = v;
	v[set->nr_inputs++] = (struct mkpatch_input){ pair, select };
	return 0;
}

static int open_set(struct mkpatch_set *set, const char *old, const char *new, bool recursive,
		    struct diffset **out, struct ipbp_err *err)
{
	struct diffset_opts opts = { .diff = { .all = true, .focus = set->focus,
					       .nr_focus = set->nr_focus },
				     .recursive = recursive };
	struct diffset **v = realloc(set->sets, (set->nr_sets + 1) * sizeof(*v));
	char **p = realloc(set->paths, (set->nr_sets + 1) * 2 * sizeof(*p));

	if (v)
		set->sets = v;
	if (p)
		set->paths = p;
	if (!v || !p)
		return ipbp_error(err, "out of memory");
	if (diffset_open(out, old, new, &opts, err) < 0)
		return -1;
	set->paths[2 * set->nr_sets] = strdup(old);
	set->paths[2 * set->nr_sets + 1] = strdup(new);
	set->sets[set->nr_sets++] = *out;
	if (!set->paths[2 * set->nr_sets - 2] || !set->paths[2 * set->nr_sets - 1])
		return ipbp_error(err, "out of memory");
	return 0;
}

static const struct diff_pair *find_pair(const struct diffset *ds, const struct stream_pair *sp)
{
	for (size_t i = 0; i < ds->nr_pairs; i++)
		if (names_equal(ds->pairs[i].old_name, sp->old_name) &&
		    names_equal(ds->pairs[i].new_name, sp->new_name))
			return &ds->pairs[i];
	return NULL;
}

/* OLD and NEW given: the stream (if any) selects from their pairs. */
static int select_from(struct mkpatch_set *set, const struct diffset *ds,
		       const struct diff_stream *stream, struct ipbp_err *err)
{
	if (!stream) {
		for (size_t i = 0; i < ds->nr_pairs; i++)
			if (diff_pair_differs(&ds->pairs[i]) &&
			    add_input(set, &ds->pairs[i], NULL, err) < 0)
				return -1;
		return 0;
	}
	for (size_t i = 0; i < stream->nr_pairs; i++) {
		const struct stream_pair *sp = &stream->pairs[i];
		const struct diff_pair *pair;

		if (!selects_something(sp))
			continue;
		if (!sp->old_name || !sp->new_name) {
			if (ds->nr_pairs != 1)
				return ipbp_error(err, "%s: the stream's lines have no "
						  "\"---\"/\"+++\" names (filtered out?) and there "
						  "are %zu object pairs to choose from",
						  stream->name, ds->nr_pairs);
			pair = &ds->pairs[0];
		} else if (!(pair = find_pair(ds, sp))) {
			return ipbp_error(err, "%s:%u: the stream names %s and %s, which the "
					  "inputs do not pair", stream->name, sp->line,
					  sp->old_name, sp->new_name);
		}
		if (add_input(set, pair, sp, err) < 0)
			return -1;
	}
	return 0;
}

/* "dir/lib.a(x.o)" -> "dir/lib.a" when that is a file; else the name. */
static char *file_of(const char *name)
{
	size_t n = strlen(name);
	const char *open = strrchr(name, '(');
	struct stat st;
	char *path;

	if (!n || name[n - 1] != ')' || !open || open == name)
		return strdup(name);
	path = strndup(name, (size_t)(open - name));
	if (path && stat(path, &st) == 0 && S_ISREG(st.st_mode))
		return path;
	free(path);
	return strdup(name);
}

/* The set already opened over these two files, or a new one. */
static int set_for(struct mkpatch_set *set, const char *old, const char *new,
		   struct diffset **out, struct ipbp_err *err)
{
	for (size_t i = 0; i < set->nr_sets; i++)
		if (!strcmp(set->paths[2 * i], old) && !strcmp(set->paths[2 * i + 1], new)) {
			*out = set->sets[i];
			return 0;
		}
	return open_set(set, old, new, false, out, err);
}

/* No OLD and NEW: the stream's own names are opened. */
static int open_named(struct mkpatch_set *set, const struct diff_stream *stream,
		      const struct stream_pair *sp, struct ipbp_err *err)
{
	char *old, *new;
	struct diffset *ds;
	const struct diff_pair *pair;
	int ret = -1;

	if (!sp->old_name || !sp->new_name)
		return ipbp_error(err, "%s:%u: the stream's \"---\"/\"+++\" names were "
				  "filtered out: give OLD and NEW as operands", stream->name,
				  sp->line);
	if (!strcmp(sp->old_name, "/dev/null") || !strcmp(sp->new_name, "/dev/null"))
		return ipbp_error(err, "%s: an object only one side has: adding or removing "
				  "whole objects is not supported",
				  strcmp(sp->old_name, "/dev/null") ? sp->old_name : sp->new_name);
	old = file_of(sp->old_name);
	new = file_of(sp->new_name);
	if (!old || !new) {
		ipbp_error(err, "out of memory");
		goto out;
	}
	if (set_for(set, old, new, &ds, err) < 0)
		goto out;
	pair = find_pair(ds, sp);
	if (!pair) {
		ipbp_error(err, "%s:%u: %s and %s do not pair as the stream says",
			   stream->name, sp->line, sp->old_name, sp->new_name);
		goto out;
	}
	ret = add_input(set, pair, sp, err);
out:
	free(old);
	free(new);
	return ret;
}

static bool is_input(const struct mkpatch_set *set, const struct diff_pair *pair)
{
	for (size_t i = 0; i < set->nr_inputs; i++)
		if (set->inputs[i].pair == pair)
			return true;
	return false;
}

/* The pairs opened that the patch does not touch. */
static int collect_context(struct mkpatch_set *set, struct ipbp_err *err)
{
	for (size_t k = 0; k < set->nr_sets; k++)
		for (size_t i = 0; i < set->sets[k]->nr_pairs; i++) {
			const struct diff_pair *pair = &set->sets[k]->pairs[i];
			const struct diff_pair **v;

			if (!pair->old || !pair->new || is_input(set, pair))
				continue;
			v = realloc(set->context, (set->nr_context + 1) * sizeof(*v));
			if (!v)
				return ipbp_error(err, "out of memory");
			set->context = v;
			v[set->nr_context++] = pair;
		}
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The names of the stream's "~" and "+" lines, sorted, once each. */
static int collect_focus(struct mkpatch_set *set, const struct diff_stream *stream,
			 struct ipbp_err *err)
{
	size_t n = 0;

	for (size_t i = 0; i < stream->nr_pairs; i++)
		n += stream->pairs[i].nr_syms;
	set->focus = calloc(n + 1, sizeof(*set->focus));
	if (!set->focus)
		return ipbp_error(err, "out of memory");
	n = 0;
	for (size_t i = 0; i < stream->nr_pairs; i++)
		for (size_t k = 0; k < stream->pairs[i].nr_syms; k++) {
			const struct stream_symbol *ss = &stream->pairs[i].syms[k];

			if (ss->status == DIFF_CHANGED || ss->status == DIFF_ADDED)
				set->focus[n++] = ss->name;
		}
	qsort(set->focus, n, sizeof(*set->focus), cmp_str);
	for (size_t i = 0; i < n; i++)
		if (!set->nr_focus || strcmp(set->focus[set->nr_focus - 1], set->focus[i]))
			set->focus[set->nr_focus++] = set->focus[i];
	return 0;
}

int mkpatch_set_open(struct mkpatch_set *set, const char *old, const char *new,
		     const struct diff_stream *stream, bool recursive, struct ipbp_err *err)
{
	struct diffset *ds;
	int ret = 0;

	memset(set, 0, sizeof(*set));
	if (stream && collect_focus(set, stream, err) < 0) {
		ret = -1;
	} else if (old && new) {
		if (open_set(set, old, new, recursive, &ds, err) < 0 ||
		    select_from(set, ds, stream, err) < 0)
			ret = -1;
	} else if (stream) {
		for (size_t i = 0; i < stream->nr_pairs && !ret; i++)
			if (selects_something(&stream->pairs[i]))
				ret = open_named(set, stream, &stream->pairs[i], err);
	}
	if (!ret && !set->nr_inputs)
		ret = stream ? ipbp_error(err, "%s: nothing to patch: the stream has no "
					  "\"~\" or \"+\" line", stream->name)
			     : ipbp_error(err, "%s: nothing to patch: it does not differ from %s",
					  new ? new : "-", old ? old : "-");
	if (!ret)
		ret = collect_context(set, err);
	if (ret < 0)
		mkpatch_set_release(set);
	return ret;
}

void mkpatch_set_release(struct mkpatch_set *set)
{
	for (size_t i = 0; i < set->nr_sets; i++) {
		diffset_free(set->sets[i]);
		free(set->paths[2 * i]);
		free(set->paths[2 * i + 1]);
	}
	free(set->sets);
	free(set->paths);
	free(set->inputs);
	free(set->context);
	free(set->focus);
	memset(set, 0, sizeof(*set));
}
