/* SPDX-License-Identifier: MIT */
/*
 * fuzz-diff.c - libFuzzer target over the comparison: what `objdiff OLD NEW`
 * does with two fuzzed inputs.
 *
 * Input layout: the first 4 bytes (little-endian) choose the split point,
 * modulo the length of the rest + 1; the rest is OLD (before the split)
 * and NEW (after it).  Each half is copied into a buffer of its own (so
 * that ASan sees a read past the end of either), read with
 * objfile_from_memory() (objects, archives, universal files of every
 * format), decoded with obj_decode_references(), and then every object of
 * OLD is compared with every object of NEW (the first MAX_OBJS of each):
 * objects of different formats or architectures go through the error
 * path, which must fail with a message.  Checked on every result:
 *
 *   - each listed symbol belongs to its side's object, appears once, has
 *     the old/new pointers its status implies, reasons only when changed
 *     and only from the vocabulary; the counts match the list;
 *   - opts.all lists the same changes as without it, plus "=" lines;
 *   - opts.quick finds a difference exactly when the full run does;
 *   - an object compared with itself has no differences;
 *   - the text stream of the result parses back (stream_parse) to the
 *     same symbols (status, kind, name, reasons), whatever bytes the names
 *     hold; the JSON writer runs too;
 *   - diff_one_sided() on each object, diff_normalized_name() on every
 *     name with small buffers;
 *   - a diff in focus (diff_opts.focus, as mkpatch with a stream runs it)
 *     of the objects loaded again with OBJ_LOAD_LAZY, on the names the
 *     whole diff found changed: it loads relocations from the fuzzed
 *     tables range by range; its result passes the same checks and lists
 *     nothing with a focus on no name.
 *
 * Broken invariants abort() with a message: libFuzzer records them.
 *
 *   make fuzz FUZZ_SECONDS=600     (build-fuzz/fuzz-diff, ASan+UBSan)
 *   build-fuzz/fuzz-diff CRASH     (replay one input)
 *
 * Seeds: testsuite/fuzz/corpus/diff/, made by testsuite/fuzz/make-corpus-diff.
 */
#define _GNU_SOURCE		/* open_memstream */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "diff.h"
#include "objfile.h"
#include "stream.h"

#define MAX_OBJS 6		/* objects per side compared pairwise */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define bug(...) do { \
	fprintf(stderr, "fuzz-diff: invariant broken: " __VA_ARGS__); \
	fputc('\n', stderr); \
	abort(); \
} while (0)

static const char *name_of(const struct obj *obj)
{
	return obj && obj->name ? obj->name : "(none)";
}

static bool is_own_symbol(const struct obj *obj, const struct symbol *sym)
{
	return sym->index < obj->nr_symbols && obj->symbols[sym->index] == sym;
}

/* sym must be a symbol of obj seen for the first time (seen: a bitmap). */
static void check_member(const struct obj *obj, const struct symbol *sym,
			 uint8_t *seen, const char *side)
{
	if (!obj || !is_own_symbol(obj, sym))
		bug("%s: an %s symbol that is not the %s object's", name_of(obj), side, side);
	if (seen[sym->index / 8] & (1u << (sym->index % 8)))
		bug("%s: %s symbol %s listed twice", name_of(obj), side, sym->name);
	seen[sym->index / 8] |= 1u << (sym->index % 8);
}

static void check_symbol(const struct diff_pair *pair, const struct diff_symbol *ds,
			 uint8_t *seen_old, uint8_t *seen_new, size_t counts[4])
{
	const bool has_old = ds->status != DIFF_ADDED, has_new = ds->status != DIFF_REMOVED;

	if ((unsigned)ds->status > DIFF_REMOVED)
		bug("status %d", (int)ds->status);
	counts[ds->status]++;
	if (!ds->name)
		bug("%s: a symbol without a name", name_of(pair->new));
	(void)strlen(ds->name);
	if (!ds->old != !has_old || !ds->new != !has_new)
		bug("%s: %s %s: old %p new %p", name_of(pair->new),
		    diff_status_name(ds->status), ds->name, (void *)ds->old, (void *)ds->new);
	if (ds->old)
		check_member(pair->old, ds->old, seen_old, "old");
	if (ds->new)
		check_member(pair->new, ds->new, seen_new, "new");
	if ((ds->status == DIFF_CHANGED) != (ds->reasons != 0))
		bug("%s: %s %s with reasons %#x", name_of(pair->new),
		    diff_status_name(ds->status), ds->name, ds->reasons);
	if (ds->reasons >> DIFF_R_NR)
		bug("%s: %s: unknown reason bits %#x", name_of(pair->new), ds->name, ds->reasons);
	for (unsigned i = 0; i < DIFF_R_NR; i++)
		if ((ds->reasons & (1u << i)) && !diff_reason_name(1u << i))
			bug("reason bit %u has no name", i);
}

/* The result's own consistency; returns the number of "=" symbols. */
static size_t check_pair(const struct diff_pair *pair)
{
	size_t counts[4] = { 0 };
	size_t n_old = pair->old ? pair->old->nr_symbols : 0;
	size_t n_new = pair->new ? pair->new->nr_symbols : 0;
	uint8_t *seen_old = calloc(n_old / 8 + 1, 1), *seen_new = calloc(n_new / 8 + 1, 1);

	if (!seen_old || !seen_new)
		abort();
	if (pair->nr_syms && !pair->syms)
		bug("%zu symbols, no list", pair->nr_syms);
	for (size_t i = 0; i < pair->nr_syms; i++)
		check_symbol(pair, &pair->syms[i], seen_old, seen_new, counts);
	if (counts[DIFF_CHANGED] != pair->nr_changed || counts[DIFF_ADDED] != pair->nr_added ||
	    counts[DIFF_REMOVED] != pair->nr_removed)
		bug("%s: counts %zu/%zu/%zu, list %zu/%zu/%zu", name_of(pair->new),
		    pair->nr_changed, pair->nr_added, pair->nr_removed,
		    counts[DIFF_CHANGED], counts[DIFF_ADDED], counts[DIFF_REMOVED]);
	free(seen_old);
	free(seen_new);
	return counts[DIFF_SAME];
}

/* The text stream of pair parses back to the same symbols. */
static void check_stream(const struct diff_pair *pair)
{
	struct stream_write_opts wopts = { .all = true };
	struct ipbp_err err = { "" };
	struct diff_stream *stream = NULL;
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		abort();
	if (stream_write_text(f, pair, 1, &wopts, &err) < 0)
		bug("stream_write_text failed: %s", err.msg);
	if (fclose(f))
		abort();
	if (stream_parse(&stream, "fuzz", text, len, &err) < 0)
		bug("the stream objdiff wrote does not parse: %s\n%.2000s", err.msg, text);
	if (stream->nr_pairs != 1 || stream->pairs[0].nr_syms != pair->nr_syms)
		bug("stream: %zu pairs, %zu symbols; wrote 1 pair, %zu symbols", stream->nr_pairs,
		    stream->nr_pairs ? stream->pairs[0].nr_syms : 0, pair->nr_syms);
	for (size_t i = 0; i < pair->nr_syms; i++) {
		const struct stream_symbol *ss = &stream->pairs[0].syms[i];
		const struct diff_symbol *ds = &pair->syms[i];

		if (ss->status != ds->status || ss->kind != ds->kind || strcmp(ss->name, ds->name) ||
		    (ds->status == DIFF_CHANGED && ss->reasons != ds->reasons))
			bug("stream symbol %zu: \"%s\" %d %s %#x parsed as \"%s\" %d %s %#x", i,
			    ds->name, (int)ds->status, symbol_kind_name(ds->kind), ds->reasons,
			    ss->name, (int)ss->status, symbol_kind_name(ss->kind), ss->reasons);
	}
	stream_free(stream);
	free(text);

	text = NULL;
	f = open_memstream(&text, &len);
	if (!f)
		abort();
	if (stream_write_json(f, pair, 1, &wopts, &err) < 0)
		bug("stream_write_json failed: %s", err.msg);
	fclose(f);
	free(text);
}

static bool is_comparable(const struct obj *a, const struct obj *b)
{
	return a->format == b->format && a->arch == b->arch;
}

static void diff_two(struct obj *old, struct obj *new)
{
	struct diff_opts all = { .all = true }, some = { 0 }, quick = { .quick = true };
	struct diff_pair pa, ps, pq;
	struct ipbp_err err = { "" };
	int ret = diff_objs(&pa, old, new, &all, &err);

	if (!is_comparable(old, new)) {
		if (ret == 0)
			bug("%s and %s: formats or architectures differ, diff_objs succeeded",
			    name_of(old), name_of(new));
		if (!err.msg[0])
			bug("diff_objs failed without a message");
		return;
	}
	if (ret < 0) {
		/* Only running out of memory may fail here. */
		if (!err.msg[0])
			bug("diff_objs failed without a message");
		return;
	}
	size_t same = check_pair(&pa);

	if (old == new && diff_pair_differs(&pa))
		bug("%s compared with itself: %zu changed, %zu added, %zu removed",
		    name_of(old), pa.nr_changed, pa.nr_added, pa.nr_removed);
	check_stream(&pa);

	if (diff_objs(&ps, old, new, &some, &err) < 0)
		bug("diff_objs failed without opts.all, not with it: %s", err.msg);
	check_pair(&ps);
	if (ps.nr_changed != pa.nr_changed || ps.nr_added != pa.nr_added ||
	    ps.nr_removed != pa.nr_removed || ps.nr_syms + same != pa.nr_syms)
		bug("%s: opts.all changes the result (%zu+%zu symbols, %zu)", name_of(new),
		    ps.nr_syms, same, pa.nr_syms);

	if (diff_objs(&pq, old, new, &quick, &err) < 0)
		bug("diff_objs failed with opts.quick only: %s", err.msg);
	check_pair(&pq);
	if (diff_pair_differs(&pq) != diff_pair_differs(&pa))
		bug("%s: opts.quick says %s, the full comparison %s", name_of(new),
		    diff_pair_differs(&pq) ? "different" : "same",
		    diff_pair_differs(&pa) ? "different" : "same");

	diff_pair_release(&pa);
	diff_pair_release(&ps);
	diff_pair_release(&pq);
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The names pair lists as changed or added, sorted (diff_opts.focus). */
static size_t changed_names(const struct diff_pair *pair, const char **names)
{
	size_t n = 0;

	for (size_t i = 0; i < pair->nr_syms; i++)
		if (pair->syms[i].status == DIFF_CHANGED || pair->syms[i].status == DIFF_ADDED)
			names[n++] = pair->syms[i].name;
	qsort(names, n, sizeof(*names), cmp_names);
	return n;
}

static void diff_focused(struct obj *old, struct obj *new, struct obj *lazy_old,
			 struct obj *lazy_new)
{
	struct diff_opts all = { .all = true };
	struct diff_pair whole, pair;
	struct ipbp_err err = { "" };
	const char **names;

	if (!is_comparable(old, new) || diff_objs(&whole, old, new, &all, &err) < 0)
		return;
	names = calloc(whole.nr_syms + 1, sizeof(*names));
	if (!names)
		abort();
	all.focus = names;
	all.nr_focus = 0;
	if (diff_objs(&pair, lazy_old, lazy_new, &all, &err) == 0) {
		if (pair.nr_syms)
			bug("%s: a focus on no name lists %zu symbols", name_of(new), pair.nr_syms);
		diff_pair_release(&pair);
	}
	all.nr_focus = changed_names(&whole, names);
	if (diff_objs(&pair, lazy_old, lazy_new, &all, &err) == 0) {
		check_pair(&pair);
		diff_pair_release(&pair);
	} else if (!err.msg[0]) {
		bug("diff_objs in focus failed without a message");
	}
	free(names);
	diff_pair_release(&whole);
}

static void one_sided(struct obj *obj, bool as_old)
{
	struct diff_opts all = { .all = true };
	struct diff_pair pair;
	struct ipbp_err err = { "" };

	if (diff_one_sided(&pair, as_old ? obj : NULL, as_old ? NULL : obj, &all, &err) < 0) {
		if (!err.msg[0])
			bug("diff_one_sided failed without a message");
		return;
	}
	check_pair(&pair);
	if (pair.nr_changed || (as_old ? pair.nr_added : pair.nr_removed))
		bug("%s: one-sided pair with changed or %s symbols", name_of(obj),
		    as_old ? "added" : "removed");
	diff_pair_release(&pair);
}

static void normalize_names(const struct obj *obj)
{
	static const size_t sizes[] = { 1, 2, 8, 256 };
	char buf[256];
	struct symbol *sym;

	for_each_symbol(obj, sym) {
		if (!sym->name)
			continue;
		for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
			memset(buf, 'x', sizeof(buf));
			const char *s = diff_normalized_name(sym->name, buf, sizes[i]);

			if (!s)
				bug("diff_normalized_name(\"%s\", %zu) returned NULL", sym->name,
				    sizes[i]);
			if (s == buf && !memchr(buf, 0, sizes[i]))
				bug("diff_normalized_name(\"%s\", %zu): no NUL within the buffer",
				    sym->name, sizes[i]);
			(void)strlen(s);
		}
	}
}

/* Reads one half into a buffer of its own; NULL when it is not an object.
 * Lazy: loaded with OBJ_LOAD_LAZY and not decoded (a diff in focus). */
static struct objfile *read_half(const uint8_t *data, size_t size, const char *name,
				 uint8_t **copy, bool lazy)
{
	struct objfile_opts opts = { .load_flags = lazy ? OBJ_LOAD_LAZY : 0 };
	struct ipbp_err err = { "" };
	struct objfile *file;
	struct obj *obj;

	*copy = malloc(size ? size : 1);
	if (!*copy)
		abort();
	memcpy(*copy, data, size);
	if (objfile_from_memory(&file, name, *copy, size, &opts, &err) < 0) {
		if (!err.msg[0])
			bug("objfile_from_memory failed without a message");
		return NULL;
	}
	for_each_obj(file, obj) {
		if (lazy)
			break;
		err.msg[0] = 0;
		if (obj_decode_references(obj, &err) < 0 && !err.msg[0])
			bug("%s: obj_decode_references failed without a message", obj->name);
	}
	return file;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct objfile *old, *new, *lazy_old, *lazy_new;
	uint8_t *old_bytes, *new_bytes, *lazy_old_bytes, *lazy_new_bytes;
	size_t split;

	if (size < 4)
		return 0;
	split = ((size_t)data[0] | (size_t)data[1] << 8 | (size_t)data[2] << 16 |
		 (size_t)data[3] << 24) % (size - 4 + 1);
	data += 4;
	size -= 4;
	old = read_half(data, split, "old.o", &old_bytes, false);
	new = read_half(data + split, size - split, "new.o", &new_bytes, false);
	lazy_old = read_half(data, split, "old.o", &lazy_old_bytes, true);
	lazy_new = read_half(data + split, size - split, "new.o", &lazy_new_bytes, true);

	for (size_t i = 0; old && i < old->nr_objs && i < MAX_OBJS; i++) {
		normalize_names(old->objs[i]);
		one_sided(old->objs[i], true);
		diff_two(old->objs[i], old->objs[i]);
		for (size_t j = 0; new && j < new->nr_objs && j < MAX_OBJS; j++)
			diff_two(old->objs[i], new->objs[j]);
	}
	for (size_t j = 0; new && j < new->nr_objs && j < MAX_OBJS; j++)
		one_sided(new->objs[j], false);
	/* Both loads of a half read the same bytes: the same objects. */
	for (size_t i = 0; old && lazy_old && i < old->nr_objs && i < lazy_old->nr_objs &&
			   i < MAX_OBJS; i++)
		for (size_t j = 0; new && lazy_new && j < new->nr_objs && j < lazy_new->nr_objs &&
				   j < MAX_OBJS; j++)
			diff_focused(old->objs[i], new->objs[j], lazy_old->objs[i],
				     lazy_new->objs[j]);

	if (old)
		objfile_free(old);
	if (new)
		objfile_free(new);
	if (lazy_old)
		objfile_free(lazy_old);
	if (lazy_new)
		objfile_free(lazy_new);
	free(old_bytes);
	free(new_bytes);
	free(lazy_old_bytes);
	free(lazy_new_bytes);
	return 0;
}
