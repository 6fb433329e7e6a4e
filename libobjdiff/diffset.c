// SPDX-License-Identifier: MIT
/*
 * diffset.c - from OLD and NEW (objects, archives, build trees) to the
 * compared object pairs.  See diffset.h for the pairing rules.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "decode.h"
#include "disasm.h"
#include "diffset.h"
#include "objfile.h"
#include "stream.h"
#include "threads-int.h"


/* ---- pairs --------------------------------------------------------------- */

static struct diff_pair *new_pair(struct diffset *set, struct ipbp_err *err)
{
	struct diff_pair *v;
	size_t cap;

	if (set->nr_pairs == set->cap_pairs) {
		cap = set->cap_pairs ? set->cap_pairs * 2 : 16;
		v = realloc(set->pairs, cap * sizeof(*v));
		if (!v) {
			ipbp_error(err, "out of memory");
			return NULL;
		}
		set->pairs = v;
		set->cap_pairs = cap;
	}
	v = &set->pairs[set->nr_pairs];
	memset(v, 0, sizeof(*v));
	return v;
}

/* Compares old with new, or one side alone when the other is NULL. */
static int add_pair(struct diffset *set, struct obj *old, struct obj *new,
		    const struct diffset_opts *opts, struct ipbp_err *err)
{
	struct diff_pair *pair = new_pair(set, err);
	int ret;

	if (!pair)
		return -1;
	if (old && new)
		ret = diff_objs(pair, old, new, &opts->diff, err);
	else
		ret = diff_one_sided(pair, old, new, &opts->diff, err);
	if (ret < 0) {
		diff_pair_release(pair);
		return -1;
	}
	pair->old = old;
	pair->new = new;
	if (!pair->old_name && old)
		pair->old_name = old->name;
	if (!pair->new_name && new)
		pair->new_name = new->name;
	set->nr_pairs++;
	if (opts->diff.quick && diff_pair_differs(pair))
		set->stopped = true;
	return 0;
}

/* ---- files --------------------------------------------------------------- */

static int load_input(const struct diffset_input *in, const struct diffset_opts *opts,
		      struct objfile **file, struct ipbp_err *err)
{
	/* A focused diff loads and decodes what it compares itself. */
	struct objfile_opts fo = { .arch = opts->arch,
				   .load_flags = opts->diff.focus ? OBJ_LOAD_LAZY : 0 };

	if (in->data)
		return objfile_from_memory(file, in->name, in->data, in->size, &fo, err);
	return objfile_open(file, in->name, &fo, err);
}

/* Gives file to set, which frees it with the rest. */
static int keep_file(struct diffset *set, struct objfile *file, struct ipbp_err *err)
{
	struct objfile **v = realloc(set->files, (set->nr_files + 1) * sizeof(*v));

	if (!v) {
		ipbp_error(err, "%s: out of memory", file->path);
		objfile_free(file);
		return -1;
	}
	set->files = v;
	set->files[set->nr_files++] = file;
	return 0;
}

static int open_input(struct diffset *set, const struct diffset_input *in,
		      const struct diffset_opts *opts, struct objfile **out,
		      struct ipbp_err *err)
{
	if (load_input(in, opts, out, err) < 0 || keep_file(set, *out, err) < 0) {
		*out = NULL;
		return -1;
	}
	return 0;
}

static int decode_file(struct objfile *file, struct decode_memo *memo, struct ipbp_err *err)
{
	struct obj *obj;

	if (file)
		for_each_obj(file, obj)
			if (obj_decode_references_memo(obj, memo, err) < 0)
				return -1;
	return 0;
}

struct apply_job {
	struct objfile *file;
	struct decode_memo *memo;
	struct ipbp_err err;
	int ret;
};

static void *apply_job_run(void *arg)
{
	struct apply_job *job = arg;

	job->ret = decode_file(job->file, job->memo, &job->err);
	return NULL;
}

/* Sweeps in as many threads as there are CPUs, then applies what was
 * found to old (in a second thread) and new. */
static int decode_large(struct objfile *old, struct objfile *new, struct decode_memo *memo,
			struct ipbp_err *err)
{
	unsigned threads = threads_available();
	struct apply_job job = { .file = old, .memo = memo };
	pthread_t thread;
	int ret;

	if (decode_memo_fill(memo, old->objs, old->nr_objs, threads, err) < 0 ||
	    decode_memo_fill(memo, new->objs, new->nr_objs, threads, err) < 0)
		return -1;
	decode_memo_freeze(memo, true);
	if (pthread_create(&thread, NULL, apply_job_run, &job))
		return decode_file(old, memo, err) < 0 ? -1 : decode_file(new, memo, err);
	ret = decode_file(new, memo, err);
	pthread_join(thread, NULL);
	if (job.ret < 0) {
		*err = job.err;
		return -1;
	}
	return ret;
}

#define SMALL_INPUTS (256u << 10)

/*
 * Decodes the objects of old and new (either may be NULL) with one memo:
 * new's unchanged functions reuse what old's sweep found.  Large inputs
 * are swept in threads (small ones decode faster than a thread starts).
 */
static int decode_files(struct objfile *old, struct objfile *new, struct ipbp_err *err)
{
	struct decode_memo *memo = decode_memo_new();
	int ret;

	if (!memo)
		return ipbp_error(err, "out of memory");
	if (old && new && old->size + new->size >= SMALL_INPUTS)
		ret = decode_large(old, new, memo, err);
	else
		ret = decode_file(old, memo, err) < 0 ? -1 : decode_file(new, memo, err);
	decode_memo_free(memo);
	return ret;
}

static uint64_t input_size(const struct diffset_input *in)
{
	struct stat st;

	if (in->data)
		return in->size;
	return stat(in->name, &st) == 0 && st.st_size > 0 ? (uint64_t)st.st_size : 0;
}

struct load_job {
	const struct diffset_input *in;
	const struct diffset_opts *opts;
	struct objfile *file;
	struct ipbp_err err;
	int ret;
};

static void *load_job_run(void *arg)
{
	struct load_job *job = arg;

	job->ret = load_input(job->in, job->opts, &job->file, &job->err);
	return NULL;
}

/* Loads old in a second thread and new, then keeps both; the error is
 * old's when both fail, as loading them in turn reports it. */
static int load_both(struct diffset *set, const struct diffset_input *old,
		     const struct diffset_input *new, const struct diffset_opts *opts,
		     struct objfile **of, struct objfile **nf, struct ipbp_err *err)
{
	struct load_job job = { .in = old, .opts = opts };
	struct ipbp_err new_err;
	pthread_t thread;
	int ret;

	if (pthread_create(&thread, NULL, load_job_run, &job))
		return open_input(set, old, opts, of, err) < 0 ? -1 :
		       open_input(set, new, opts, nf, err);
	ret = load_input(new, opts, nf, &new_err);
	pthread_join(thread, NULL);
	if (job.ret == 0 && (job.ret = keep_file(set, job.file, &job.err)) == 0)
		*of = job.file;
	if (ret == 0)
		ret = keep_file(set, *nf, &new_err);
	if (ret < 0)
		*nf = NULL;
	if (job.ret < 0 || ret < 0) {
		*err = job.ret < 0 ? job.err : new_err;
		return -1;
	}
	return 0;
}

/* Opens and decodes old and new (either may be NULL). */
static int open_inputs(struct diffset *set, const struct diffset_input *old,
		       const struct diffset_input *new, const struct diffset_opts *opts,
		       struct objfile **of, struct objfile **nf, struct ipbp_err *err)
{
	*of = *nf = NULL;
	if (old && new && input_size(old) + input_size(new) >= SMALL_INPUTS) {
		if (load_both(set, old, new, opts, of, nf, err) < 0)
			return -1;
	} else if ((old && open_input(set, old, opts, of, err) < 0) ||
		   (new && open_input(set, new, opts, nf, err) < 0)) {
		return -1;
	}
	return opts->diff.focus ? 0 : decode_files(*of, *nf, err);
}

/*
 * A container gives its objects names "path(member)": an archive (also
 * inside a universal file) is a container even when it holds one member
 * or none; a plain object, or the slice of a universal file, is not.
 */
static bool is_container(const struct objfile *file)
{
	return file->archive || file->nr_objs != 1 ||
	       strcmp(file->objs[0]->name, file->path);
}

static const char *file_format(const struct objfile *file)
{
	return is_container(file) ? "archive" : obj_format_name(file->objs[0]->format);
}

/* Refuses two files of different formats or architectures. */
static int check_compatible(const struct objfile *old, const struct objfile *new,
			    struct ipbp_err *err)
{
	const char *of = file_format(old), *nf = file_format(new);
	const struct obj *o, *n;

	if (strcmp(of, nf))
		goto formats;
	if (!old->nr_objs || !new->nr_objs)
		return 0;
	o = old->objs[0];
	n = new->objs[0];
	of = obj_format_name(o->format);
	nf = obj_format_name(n->format);
	if (o->format != n->format)
		goto formats;
	if (o->arch != n->arch)
		return ipbp_error(err, "%s and %s are different architectures (%s and %s)",
				  old->path, new->path, obj_arch_name(o->arch),
				  obj_arch_name(n->arch));
	return 0;
formats:
	return ipbp_error(err, "%s and %s are different formats (%s and %s)",
			  old->path, new->path, of, nf);
}

/* Every object of file, each against nothing. */
static int add_one_sided(struct diffset *set, const struct objfile *file, bool is_old,
			 const struct diffset_opts *opts, struct ipbp_err *err)
{
	for (size_t i = 0; i < file->nr_objs && !set->stopped; i++) {
		struct obj *obj = file->objs[i];

		if (add_pair(set, is_old ? obj : NULL, is_old ? NULL : obj, opts, err) < 0)
			return -1;
	}
	return 0;
}

/* ---- archive members ----------------------------------------------------- */

struct member {
	const char *name;	/* inside obj->name: "path(NAME)" */
	size_t len;
	size_t index;		/* in file->objs */
};

static struct member *list_members(const struct objfile *file, struct ipbp_err *err)
{
	struct member *m = calloc(file->nr_objs + 1, sizeof(*m));
	size_t plen = strlen(file->path);

	if (!m) {
		ipbp_error(err, "%s: out of memory", file->path);
		return NULL;
	}
	for (size_t i = 0; i < file->nr_objs; i++) {
		const char *name = file->objs[i]->name;
		size_t len = strlen(name);

		m[i].index = i;
		m[i].name = name;
		m[i].len = len;
		if (len >= plen + 2 && !strncmp(name, file->path, plen) &&
		    name[plen] == '(' && name[len - 1] == ')') {
			m[i].name = name + plen + 1;
			m[i].len = len - plen - 2;
		}
	}
	return m;
}

static int cmp_name(const struct member *a, const struct member *b)
{
	int c = memcmp(a->name, b->name, a->len < b->len ? a->len : b->len);

	if (c)
		return c;
	return a->len < b->len ? -1 : a->len > b->len;
}

/* By name, then by position: equal names pair in order of occurrence. */
static int cmp_member(const void *pa, const void *pb)
{
	const struct member *a = pa, *b = pb;
	int c = cmp_name(a, b);

	if (c)
		return c;
	return a->index < b->index ? -1 : a->index > b->index;
}

/* twin[i]: the index in new of old member i's partner, or SIZE_MAX. */
static void match_members(struct member *om, size_t nr_old, struct member *nm,
			  size_t nr_new, size_t *twin, bool *taken)
{
	size_t i = 0, j = 0;

	qsort(om, nr_old, sizeof(*om), cmp_member);
	qsort(nm, nr_new, sizeof(*nm), cmp_member);
	while (i < nr_old && j < nr_new) {
		int c = cmp_name(&om[i], &nm[j]);

		if (c < 0) {
			i++;
		} else if (c > 0) {
			j++;
		} else {
			twin[om[i].index] = nm[j].index;
			taken[nm[j].index] = true;
			i++;
			j++;
		}
	}
}

static int add_member_pairs(struct diffset *set, const struct objfile *old,
			    const struct objfile *new, const size_t *twin,
			    const bool *taken, const struct diffset_opts *opts,
			    struct ipbp_err *err)
{
	for (size_t i = 0; i < old->nr_objs && !set->stopped; i++) {
		struct obj *n = twin[i] == SIZE_MAX ? NULL : new->objs[twin[i]];

		if (add_pair(set, old->objs[i], n, opts, err) < 0)
			return -1;
	}
	for (size_t i = 0; i < new->nr_objs && !set->stopped; i++)
		if (!taken[i] && add_pair(set, NULL, new->objs[i], opts, err) < 0)
			return -1;
	return 0;
}

/* Two archives: old members in order with their partners, then new ones. */
static int pair_members(struct diffset *set, const struct objfile *old,
			const struct objfile *new, const struct diffset_opts *opts,
			struct ipbp_err *err)
{
	struct member *om = list_members(old, err), *nm = list_members(new, err);
	size_t *twin = malloc((old->nr_objs + 1) * sizeof(*twin));
	bool *taken = calloc(new->nr_objs + 1, sizeof(*taken));
	int ret = -1;

	if (!om || !nm || !twin || !taken) {
		ipbp_error(err, "%s: out of memory", old->path);
		goto out;
	}
	for (size_t i = 0; i < old->nr_objs; i++)
		twin[i] = SIZE_MAX;
	match_members(om, old->nr_objs, nm, new->nr_objs, twin, taken);
	ret = add_member_pairs(set, old, new, twin, taken, opts, err);
out:
	free(om);
	free(nm);
	free(twin);
	free(taken);
	return ret;
}

/* Two opened files: objects pair directly, archives by member. */
static int pair_files(struct diffset *set, const struct objfile *old,
		      const struct objfile *new, const struct diffset_opts *opts,
		      struct ipbp_err *err)
{
	if (check_compatible(old, new, err) < 0)
		return -1;
	if (is_container(old))
		return pair_members(set, old, new, opts, err);
	return add_pair(set, old->objs[0], new->objs[0], opts, err);
}

/* ---- directories --------------------------------------------------------- */

/* One relative path of the trees: both files, or the one side that has it. */
static int pair_tree_path(struct diffset *set, const char *old_root, const char *old_rel,
			  const char *new_root, const char *new_rel,
			  const struct diffset_opts *opts, struct ipbp_err *err)
{
	char *op = old_rel ? objfile_join_path(old_root, old_rel) : NULL;
	char *np = new_rel ? objfile_join_path(new_root, new_rel) : NULL;
	struct diffset_input oin = { .name = op }, nin = { .name = np };
	struct objfile *of = NULL, *nf = NULL;
	int ret = -1;

	if ((old_rel && !op) || (new_rel && !np)) {
		ipbp_error(err, "%s: out of memory", old_root);
		goto out;
	}
	if (open_inputs(set, op ? &oin : NULL, np ? &nin : NULL, opts, &of, &nf, err) < 0)
		goto out;
	if (of && nf)
		ret = pair_files(set, of, nf, opts, err);
	else
		ret = add_one_sided(set, of ? of : nf, of != NULL, opts, err);
out:
	free(op);
	free(np);
	return ret;
}

/* keep_going: the pairs one failed path added are dropped and its error
 * kept.  Returns -1 only when even that fails. */
static int note_trouble(struct diffset *set, size_t nr_pairs, const struct ipbp_err *err)
{
	char **v = realloc(set->troubles, (set->nr_troubles + 1) * sizeof(*v));

	while (set->nr_pairs > nr_pairs)
		diff_pair_release(&set->pairs[--set->nr_pairs]);
	if (!v)
		return -1;
	set->troubles = v;
	if (!(v[set->nr_troubles] = strdup(err->msg)))
		return -1;
	set->nr_troubles++;
	return 0;
}

/* Two build trees: files merged by relative path, in byte order. */
static int pair_trees(struct diffset *set, const char *old, const char *new,
		      const struct diffset_opts *opts, struct ipbp_err *err)
{
	struct objfile_tree ol = { 0 }, nl = { 0 };
	size_t i = 0, j = 0;
	int ret = -1;

	if (objfile_list_tree(&ol, old, err) < 0 || objfile_list_tree(&nl, new, err) < 0)
		goto out;
	ret = 0;
	while (ret == 0 && !set->stopped && (i < ol.nr || j < nl.nr)) {
		int c = i == ol.nr ? 1 : j == nl.nr ? -1 : strcmp(ol.paths[i], nl.paths[j]);
		const char *orel = c <= 0 ? ol.paths[i++] : NULL;
		const char *nrel = c >= 0 ? nl.paths[j++] : NULL;
		size_t nr_pairs = set->nr_pairs;

		ret = pair_tree_path(set, old, orel, new, nrel, opts, err);
		if (ret < 0 && opts->keep_going)
			ret = note_trouble(set, nr_pairs, err);
	}
out:
	objfile_tree_release(&ol);
	objfile_tree_release(&nl);
	return ret;
}

/* ---- the set -------------------------------------------------------------- */

static bool is_dir_input(const struct diffset_input *in)
{
	struct stat st;

	return !in->data && stat(in->name, &st) == 0 && S_ISDIR(st.st_mode);
}

static int pair_inputs(struct diffset *set, const struct diffset_input *old,
		       const struct diffset_input *new, const struct diffset_opts *opts,
		       struct ipbp_err *err)
{
	bool od = is_dir_input(old), nd = is_dir_input(new);
	struct objfile *of, *nf;

	if (od != nd)
		return ipbp_error(err, "%s is a directory and %s is not",
				  od ? old->name : new->name, od ? new->name : old->name);
	if (od && !opts->recursive)
		return ipbp_error(err, "%s: is a directory (compare directories with -r)",
				  old->name);
	if (od)
		return pair_trees(set, old->name, new->name, opts, err);
	if (open_inputs(set, old, new, opts, &of, &nf, err) < 0)
		return -1;
	return pair_files(set, of, nf, opts, err);
}

int diffset_open_inputs(struct diffset **out, const struct diffset_input *old,
			const struct diffset_input *new,
			const struct diffset_opts *opts, struct ipbp_err *err)
{
	static const struct diffset_opts no_opts;
	struct diffset *set = calloc(1, sizeof(*set));

	*out = NULL;
	if (!set)
		return ipbp_error(err, "out of memory");
	if (pair_inputs(set, old, new, opts ? opts : &no_opts, err) < 0) {
		diffset_free(set);
		return -1;
	}
	*out = set;
	return 0;
}

int diffset_open(struct diffset **out, const char *old, const char *new,
		 const struct diffset_opts *opts, struct ipbp_err *err)
{
	struct diffset_input o = { .name = old }, n = { .name = new };

	return diffset_open_inputs(out, &o, &n, opts, err);
}

void diffset_free(struct diffset *set)
{
	if (!set)
		return;
	for (size_t i = 0; i < set->nr_pairs; i++)
		diff_pair_release(&set->pairs[i]);
	free(set->pairs);
	for (size_t i = 0; i < set->nr_troubles; i++)
		free(set->troubles[i]);
	free(set->troubles);
	for (size_t i = 0; i < set->nr_files; i++)
		objfile_free(set->files[i]);
	free(set->files);
	free(set);
}

bool diffset_differs(const struct diffset *set)
{
	for (size_t i = 0; i < set->nr_pairs; i++)
		if (diff_pair_differs(&set->pairs[i]))
			return true;
	return false;
}

void diff_pair_stat(const struct diff_pair *pair, struct diff_stat *stat)
{
	memset(stat, 0, sizeof(*stat));
	for (size_t i = 0; i < pair->nr_syms; i++) {
		const struct diff_symbol *ds = &pair->syms[i];

		switch (ds->status) {
		case DIFF_CHANGED:
			stat->nr_changed++;
			if (ds->new_size > ds->old_size)
				stat->bytes_added += ds->new_size - ds->old_size;
			else
				stat->bytes_removed += ds->old_size - ds->new_size;
			break;
		case DIFF_ADDED:
			stat->nr_added++;
			stat->bytes_added += ds->new_size;
			break;
		case DIFF_REMOVED:
			stat->nr_removed++;
			stat->bytes_removed += ds->old_size;
			break;
		default:
			break;
		}
	}
}

static void add_stat(struct diff_stat *total, const struct diff_stat *s)
{
	total->nr_changed += s->nr_changed;
	total->nr_added += s->nr_added;
	total->nr_removed += s->nr_removed;
	total->bytes_added += s->bytes_added;
	total->bytes_removed += s->bytes_removed;
}

static void write_stat_counts(FILE *f, const struct diff_stat *s)
{
	fprintf(f, "%zu changed, %zu added, %zu removed, +%llu -%llu bytes\n",
		s->nr_changed, s->nr_added, s->nr_removed,
		(unsigned long long)s->bytes_added,
		(unsigned long long)s->bytes_removed);
}

int diffset_write_stat(FILE *f, const struct diffset *set, bool all,
		       struct ipbp_err *err)
{
	struct diff_stat total = { 0 }, s;
	size_t nr_differ = 0;

	for (size_t i = 0; i < set->nr_pairs; i++) {
		const struct diff_pair *pair = &set->pairs[i];
		bool differs = diff_pair_differs(pair);

		diff_pair_stat(pair, &s);
		add_stat(&total, &s);
		nr_differ += differs;
		if (!differs && !all)
			continue;
		fprintf(f, "%s -> %s: ", pair->old_name ? pair->old_name : "/dev/null",
			pair->new_name ? pair->new_name : "/dev/null");
		write_stat_counts(f, &s);
	}
	fprintf(f, "%zu of %zu objects differ: ", nr_differ, set->nr_pairs);
	write_stat_counts(f, &total);
	if (ferror(f))
		return ipbp_error(err, "write error");
	return 0;
}

/* ---- text with instruction diffs ------------------------------------------- */

/* The stream writer's detail hook: the instruction diff of a symbol. */
static int write_disasm(FILE *f, const struct diff_pair *pair,
			const struct diff_symbol *ds, void *arg, struct ipbp_err *err)
{
	return diff_disasm_write(f, pair, ds, arg, err);
}

int diffset_write_text(FILE *f, const struct diffset *set,
		       const struct stream_write_opts *wo,
		       const struct disasm_opts *dopts, struct ipbp_err *err)
{
	struct stream_write_opts o = wo ? *wo : (struct stream_write_opts){ 0 };

	if (dopts) {
		o.detail = write_disasm;
		o.detail_arg = (void *)dopts;
	}
	return stream_write_text(f, set->pairs, set->nr_pairs, &o, err);
}
