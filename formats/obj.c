// SPDX-License-Identifier: MIT
/*
 * obj.c - the object model: storage, indexing and lookups shared by every
 * reader.  Readers fill an obj; obj_finalize() turns the raw lists into
 * something the diff and the graph can query quickly.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "obj.h"
#include "spans-int.h"
#include "util-int.h"

/*
 * The arena: elements and synthesized strings, freed all at once.  Chunks
 * grow geometrically so that a large object needs few allocations.
 */
struct arena_chunk {
	struct arena_chunk *next;
	size_t used, size;
	_Alignas(16) unsigned char mem[];
};

#define ARENA_MIN_CHUNK	(64u * 1024)
/* The first chunk of a small object (an archive of many tiny members must
 * not cost 64 KB a member). */
#define ARENA_SMALL_CHUNK	(4u * 1024)

void *obj_alloc(struct obj *obj, size_t size)
{
	struct arena_chunk *c = obj->arena;
	void *p;

	size = (size + 15) & ~(size_t)15;
	if (!c || c->size - c->used < size) {
		size_t want = c ? c->size * 2 :
			      obj->size < ARENA_MIN_CHUNK ? ARENA_SMALL_CHUNK : ARENA_MIN_CHUNK;

		if (want > 64u * 1024 * 1024)
			want = 64u * 1024 * 1024;
		if (want < size)
			want = size;
		c = malloc(sizeof(*c) + want);
		if (!c)
			return NULL;
		c->used = 0;
		c->size = want;
		/* A chunk made to fit one big block (an inflated section) goes
		 * behind the current one, whose free space stays in use. */
		if (want == size && obj->arena) {
			c->next = obj->arena->next;
			obj->arena->next = c;
		} else {
			c->next = obj->arena;
			obj->arena = c;
		}
	}
	p = c->mem + c->used;
	c->used += size;
	memset(p, 0, size);
	return p;
}

const char *obj_strndup(struct obj *obj, const char *s, size_t len)
{
	char *p = obj_alloc(obj, len + 1);

	if (p)
		memcpy(p, s, len);
	return p;
}

const char *obj_sprintf(struct obj *obj, const char *fmt, ...)
{
	va_list ap;
	char *p;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !(p = obj_alloc(obj, (size_t)n + 1)))
		return NULL;
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}

int obj_error(const struct obj *obj, struct ipbp_err *err, const char *fmt, ...)
{
	char msg[sizeof(err->msg)];
	va_list ap;

	if (!err)
		return -1;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return ipbp_error(err, "%s: %.*s", obj->name, (int)sizeof(msg) - 1, msg);
}

/* Appends a zeroed element of size to a growing pointer vector. */
static void *vec_push(struct obj *obj, void ***vec, size_t *nr, size_t *cap,
		      size_t size, size_t limit)
{
	void *elem;

	if (*nr >= limit)
		return NULL;
	if (*nr == *cap) {
		size_t ncap = *cap ? *cap * 2 : 16;
		void **nv = realloc(*vec, ncap * sizeof(**vec));

		if (!nv)
			return NULL;
		*vec = nv;
		*cap = ncap;
	}
	elem = obj_alloc(obj, size);
	if (elem)
		(*vec)[(*nr)++] = elem;
	return elem;
}

struct section *obj_add_section(struct obj *obj)
{
	struct section *sec = vec_push(obj, (void ***)&obj->sections, &obj->nr_sections,
				       &obj->cap_sections, sizeof(*sec), OBJ_MAX_SECTIONS);

	if (sec)
		sec->index = obj->nr_sections - 1;
	return sec;
}

struct symbol *obj_add_symbol(struct obj *obj)
{
	struct symbol *sym = vec_push(obj, (void ***)&obj->symbols, &obj->nr_symbols,
				      &obj->cap_symbols, sizeof(*sym), OBJ_MAX_SYMBOLS);

	if (sym)
		sym->index = obj->nr_symbols - 1;
	return sym;
}

struct reloc *obj_add_reloc(struct obj *obj)
{
	return vec_push(obj, (void ***)&obj->relocs, &obj->nr_relocs,
			&obj->cap_relocs, sizeof(struct reloc), OBJ_MAX_RELOCS);
}

struct symbol *obj_section_symbol(struct obj *obj, struct section *sec)
{
	struct symbol *sym;

	if (sec->secsym)
		return sec->secsym;
	sym = obj_add_symbol(obj);
	if (!sym)
		return NULL;
	sym->name = sec->name;
	sym->kind = SYMK_SECTION;
	sym->bind = BIND_LOCAL;
	sym->sec = sec;
	sym->value = sec->addr;
	sym->size = sec->size;
	sym->flags = SYMF_SYNTHETIC;
	sec->secsym = sym;
	return sym;
}

/* ---- indexing ------------------------------------------------------------ */

/*
 * What a section's relocations and symbols are sorted by: offset, then a
 * tie-break that makes the order strict (no two elements equal), so the
 * result is the same whichever way it is reached.
 */
struct sort_key {
	uint64_t offset, tie;
	void *elem;
};

/* Relocations at one offset keep the order they were made in (pairs,
 * decoded last): the arena's. */
static struct sort_key reloc_key(void *elem)
{
	const struct reloc *r = elem;

	return (struct sort_key){ r->offset, (uintptr_t)r, elem };
}

static struct sort_key symbol_key(void *elem)
{
	const struct symbol *sym = elem;

	return (struct sort_key){ sym->offset, sym->index, elem };
}

static bool key_before(struct sort_key a, struct sort_key b)
{
	return a.offset != b.offset ? a.offset < b.offset : a.tie < b.tie;
}

static int cmp_key(const void *a, const void *b)
{
	const struct sort_key *x = a, *y = b;

	return key_before(*x, *y) ? -1 : key_before(*y, *x);
}

/* Symbols that may stand for a place in a section: not section, file or
 * debugger entries. */
static bool is_placed_symbol(const struct symbol *sym)
{
	return sym->sec && is_defined(sym) &&
	       sym->kind != SYMK_SECTION && sym->kind != SYMK_FILE &&
	       !(sym->flags & (SYMF_DEBUG | SYMF_ABS));
}

/* The length of the sorted run at the start of v. */
static size_t sorted_run(void *const *v, size_t n, struct sort_key (*key)(void *))
{
	size_t i = 1;

	while (i < n && !key_before(key(v[i]), key(v[i - 1])))
		i++;
	return n ? i : 0;
}

/* Joins v's sorted runs [0, run) and [run, n), from the back, with a copy
 * of the (usually short) second one. */
static int merge_runs(void **v, size_t run, size_t n, struct sort_key (*key)(void *))
{
	void **tail = malloc((n - run) * sizeof(*v));
	size_t i = run, j = n - run, k = n;

	if (!tail)
		return -1;
	memcpy(tail, v + run, (n - run) * sizeof(*v));
	while (j > 0) {
		if (i > 0 && key_before(key(tail[j - 1]), key(v[i - 1])))
			v[--k] = v[--i];
		else
			v[--k] = tail[--j];
	}
	free(tail);
	return 0;
}

/* Whether the tie-breaks rise from one key to the next: then a sort by
 * offset that keeps equal offsets in place (stable) sorts by key. */
static bool ties_rise(const struct sort_key *keys, size_t n)
{
	for (size_t i = 1; i < n; i++)
		if (keys[i].tie <= keys[i - 1].tie)
			return false;
	return true;
}

/*
 * Sorts keys by offset, keeping keys of equal offset in their order: a
 * least-significant-digit radix sort, one pass per byte in which the
 * offsets differ.  Returns the sorted keys (keys or tmp).
 */
static struct sort_key *radix_sort_keys(struct sort_key *keys, struct sort_key *tmp, size_t n)
{
	uint64_t differ = 0;

	for (size_t i = 1; i < n; i++)
		differ |= keys[i].offset ^ keys[0].offset;
	for (unsigned shift = 0; shift < 64; shift += 8) {
		size_t start[257] = { 0 };
		struct sort_key *swap;

		if (!((differ >> shift) & 0xff))
			continue;
		for (size_t i = 0; i < n; i++)
			start[((keys[i].offset >> shift) & 0xff) + 1]++;
		for (unsigned d = 1; d <= 256; d++)
			start[d] += start[d - 1];
		for (size_t i = 0; i < n; i++)
			tmp[start[(keys[i].offset >> shift) & 0xff]++] = keys[i];
		swap = keys;
		keys = tmp;
		tmp = swap;
	}
	return keys;
}

/*
 * Sorts v by key.  Objects usually list relocations and symbols by offset,
 * and decoding appends a second sorted run: one pass finds that, a merge
 * joins two runs.  Anything else (clang lists a file's local symbols in no
 * order) is sorted as keys side by side, without reaching into elements
 * spread over the arena: by radix on the offset when the tie-breaks rise
 * already, as they do when v is in the order elements were made, else by
 * qsort().  Returns -1 when out of memory (v as it was).
 */
static int sort_vector(void **v, size_t n, struct sort_key (*key)(void *))
{
	size_t run = sorted_run(v, n, key);
	struct sort_key *keys, *sorted;

	if (run == n)
		return 0;
	if (run + sorted_run(v + run, n - run, key) == n)
		return merge_runs(v, run, n, key);
	keys = malloc(2 * n * sizeof(*keys));
	if (!keys)
		return -1;
	for (size_t i = 0; i < n; i++)
		keys[i] = key(v[i]);
	if (ties_rise(keys, n)) {
		sorted = radix_sort_keys(keys, keys + n, n);
	} else {
		qsort(keys, n, sizeof(*keys), cmp_key);
		sorted = keys;
	}
	for (size_t i = 0; i < n; i++)
		v[i] = sorted[i].elem;
	free(keys);
	return 0;
}

/* v[0, old) is sorted already (a section's relocations before
 * obj_finalize_added()): sorts the rest and merges it in, moving only what
 * comes after the first element added. */
static int sort_appended(void **v, size_t old, size_t n, struct sort_key (*key)(void *))
{
	if (sort_vector(v + old, n - old, key) < 0)
		return -1;
	if (old == 0 || old == n || key_before(key(v[old - 1]), key(v[old])))
		return 0;
	return merge_runs(v, old, n, key);
}

static int index_section_relocs(struct obj *obj, struct ipbp_err *err)
{
	struct section *sec;
	struct reloc *r;
	size_t *fill;

	for_each_section(obj, sec) {
		free(sec->relocs);
		sec->relocs = NULL;
		sec->nr_relocs = 0;
	}
	for_each_reloc(obj, r)
		r->sec->nr_relocs++;
	fill = calloc(obj->nr_sections + 1, sizeof(*fill));
	if (!fill)
		return obj_error(obj, err, "out of memory");
	for_each_section(obj, sec) {
		if (sec->nr_relocs &&
		    !(sec->relocs = malloc(sec->nr_relocs * sizeof(*sec->relocs)))) {
			free(fill);
			return obj_error(obj, err, "out of memory");
		}
	}
	for_each_reloc(obj, r)
		r->sec->relocs[fill[r->sec->index]++] = r;
	free(fill);
	for_each_section(obj, sec)
		if (sort_vector((void **)sec->relocs, sec->nr_relocs, reloc_key) < 0)
			return obj_error(obj, err, "out of memory");
	return 0;
}

/* Sections with fewer symbols are searched whole. */
#define SYM_STARTS_MIN	64

/*
 * A lookup by offset among the symbols of a large .text bisects tens of
 * thousands of them, and each step misses the cache.  So sec->syms (sorted)
 * gets a table: sym_starts[b] is the index of the first symbol at or after
 * offset b << sym_shift, for b up to the last symbol's offset, plus
 * nr_syms after it.  A lookup then bisects one stretch, a symbol or two.
 * The shift makes at most two entries a symbol.
 */
static int index_symbol_offsets(struct section *sec)
{
	uint64_t last;
	size_t nr, b = 0;
	unsigned shift = 0;

	if (sec->nr_syms < SYM_STARTS_MIN)
		return 0;
	last = sec->syms[sec->nr_syms - 1]->offset;
	while ((last >> shift) >= 2 * (uint64_t)sec->nr_syms)
		shift++;
	nr = (size_t)(last >> shift) + 2;
	sec->sym_starts = malloc(nr * sizeof(*sec->sym_starts));
	if (!sec->sym_starts)
		return -1;
	sec->sym_shift = shift;
	for (size_t i = 0; i < sec->nr_syms; i++)
		for (uint64_t stretch = sec->syms[i]->offset >> shift; b <= stretch; b++)
			sec->sym_starts[b] = (uint32_t)i;
	for (; b < nr; b++)
		sec->sym_starts[b] = (uint32_t)sec->nr_syms;
	return 0;
}

/* Sorts each section's placed symbols into sec->syms; *derived says
 * whether any of them needs derive_symbol_sizes(). */
static int index_section_symbols(struct obj *obj, bool *derived, struct ipbp_err *err)
{
	struct section *sec;
	struct symbol *sym;
	size_t *fill;

	for_each_section(obj, sec) {
		free(sec->syms);
		free(sec->sym_starts);
		sec->syms = NULL;
		sec->sym_starts = NULL;
		sec->nr_syms = 0;
	}
	*derived = false;
	for_each_symbol(obj, sym)
		if (is_placed_symbol(sym)) {
			sym->sec->nr_syms++;
			*derived = *derived || (sym->flags & SYMF_DERIVED);
		}
	fill = calloc(obj->nr_sections + 1, sizeof(*fill));
	if (!fill)
		return obj_error(obj, err, "out of memory");
	for_each_section(obj, sec) {
		if (sec->nr_syms &&
		    !(sec->syms = malloc(sec->nr_syms * sizeof(*sec->syms)))) {
			free(fill);
			return obj_error(obj, err, "out of memory");
		}
	}
	for_each_symbol(obj, sym)
		if (is_placed_symbol(sym))
			sym->sec->syms[fill[sym->sec->index]++] = sym;
	free(fill);
	for_each_section(obj, sec)
		if (sort_vector((void **)sec->syms, sec->nr_syms, symbol_key) < 0 ||
		    index_symbol_offsets(sec) < 0)
			return obj_error(obj, err, "out of memory");
	return 0;
}

/*
 * Formats without symbol sizes (Mach-O, COFF): a symbol extends to the next
 * symbol that starts later, or to the end of its section.  Assembler
 * temporaries do not end a real symbol (a local label inside a function).
 */
static void derive_symbol_sizes(struct obj *obj)
{
	struct section *sec;

	for_each_section(obj, sec) {
		for (size_t i = 0; i < sec->nr_syms; i++) {
			struct symbol *sym = sec->syms[i];
			uint64_t end = sec->size;

			if (!(sym->flags & SYMF_DERIVED))
				continue;
			for (size_t j = i + 1; j < sec->nr_syms; j++) {
				const struct symbol *next = sec->syms[j];

				if (next->offset <= sym->offset)
					continue;
				if ((next->flags & SYMF_TEMP) && !(sym->flags & SYMF_TEMP))
					continue;
				end = next->offset;
				break;
			}
			sym->size = end > sym->offset ? end - sym->offset : 0;
		}
	}
}

static int index_symbol_names(struct obj *obj, struct ipbp_err *err)
{
	struct symbol *sym;
	size_t size = 64;

	while (size < obj->nr_symbols * 2)
		size *= 2;
	free(obj->sym_hash);
	obj->sym_hash = calloc_written(size, sizeof(*obj->sym_hash));
	if (!obj->sym_hash)
		return obj_error(obj, err, "out of memory");
	obj->sym_hash_size = size;
	/* Insert backwards so that each chain keeps file order. */
	for (size_t i = obj->nr_symbols; i-- > 0;) {
		size_t h;

		sym = obj->symbols[i];
		if (!sym->name || !*sym->name)
			continue;
		h = str_hash(sym->name) & (size - 1);
		sym->hash_next = obj->sym_hash[h];
		obj->sym_hash[h] = sym;
	}
	return 0;
}

/*
 * Relative jump tables (".long .LBB0_3 - .LJTI0_0", GCC and clang PIC code
 * on ELF) are PC-relative relocations in data whose addend counts from the
 * table's start, not from the entry: entry i says "target + 4*i".  A
 * table starts where code refers into data without a symbol
 * (lea .LJTI0_0(%rip)); anchoring each entry at the nearest such start
 * before it gives back its real target.
 */
struct table_start {
	unsigned sec;
	uint64_t offset;
};

static int cmp_table_start(const void *a, const void *b)
{
	const struct table_start *x = a, *y = b;

	if (x->sec != y->sec)
		return x->sec < y->sec ? -1 : 1;
	return x->offset < y->offset ? -1 : x->offset > y->offset;
}

static bool is_table_reference(const struct reloc *r)
{
	return obj_is_table_reference(r->sec, r->kind, r->sym);
}

/* A relative entry in table data pointing at a place in code. */
static bool is_table_entry(const struct reloc *r)
{
	return is_table_data(r->sec) && r->kind == RK_PCREL && r->sym &&
	       r->sym->kind == SYMK_SECTION && r->sym->sec && is_code_section(r->sym->sec);
}

static const struct table_start *find_table_start(const struct table_start *v, size_t n,
						  unsigned sec, uint64_t offset)
{
	const struct table_start key = { sec, offset };
	size_t lo = 0, hi = n;

	while (lo < hi) {	/* first start after (sec, offset) */
		size_t mid = lo + (hi - lo) / 2;

		if (cmp_table_start(&v[mid], &key) <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo && v[lo - 1].sec == sec ? &v[lo - 1] : NULL;
}

static int anchor_relative_tables(struct obj *obj, struct ipbp_err *err)
{
	struct table_start *starts;
	size_t n = 0, nr_entries = 0;
	struct reloc *r;

	for_each_reloc(obj, r) {
		n += is_table_reference(r);
		nr_entries += is_table_entry(r);
	}
	if (!n || !nr_entries)
		return 0;
	if (!(starts = malloc(n * sizeof(*starts))))
		return obj_error(obj, err, "out of memory");
	n = 0;
	for_each_reloc(obj, r) {
		uint64_t off = (uint64_t)r->addend + (uint64_t)r->bias;

		if (is_table_reference(r) && off < r->sym->sec->size)
			starts[n++] = (struct table_start){ r->sym->sec->index, off };
	}
	qsort(starts, n, sizeof(*starts), cmp_table_start);
	for_each_reloc(obj, r) {
		const struct table_start *t;

		if (is_table_entry(r) &&
		    (t = find_table_start(starts, n, r->sec->index, r->offset)))
			r->bias = (int64_t)t->offset - (int64_t)r->offset;
	}
	free(starts);
	return 0;
}

/*
 * A relocation against a section (ELF section symbols, Mach-O non-extern,
 * COFF section symbols, Wasm section symbols) means "section + offset":
 * name the symbol covering that place, so that comparisons and edges speak
 * of symbols, never of layout.
 */
static void resolve_reloc_target(struct reloc *r)
{
	struct symbol *sym = r->sym, *cover;
	int64_t off;

	if (!sym) {
		r->target = NULL;
		r->target_offset = 0;
		return;
	}
	off = (int64_t)((uint64_t)r->addend + (uint64_t)r->bias);
	r->target = sym;
	r->target_offset = off;
	if (sym->kind != SYMK_SECTION || !sym->sec)
		return;
	off = (int64_t)((uint64_t)off + (uint64_t)sym->offset);
	if (off < 0)
		return;
	cover = obj_find_symbol_covering(sym->sec, (uint64_t)off);
	if (cover) {
		r->target = cover;
		r->target_offset = off - (int64_t)cover->offset;
	}
}

static void resolve_reloc_targets(struct obj *obj)
{
	struct reloc *r;

	for_each_reloc(obj, r)
		resolve_reloc_target(r);
}

static int check_model(struct obj *obj, struct ipbp_err *err)
{
	struct symbol *sym;
	struct reloc *r;

	for_each_symbol(obj, sym)
		if (!sym->name)
			return obj_error(obj, err, "internal error: symbol %u has no name",
					 sym->index);
	for_each_reloc(obj, r) {
		if (!r->sec)
			return obj_error(obj, err, "internal error: relocation without section");
		if (!r->sym && r->kind != RK_NONE && r->kind != RK_WASM_INDEX)
			return obj_error(obj, err, "internal error: relocation in %s+%#llx has no target",
					 r->sec->name, (unsigned long long)r->offset);
	}
	return 0;
}

int obj_finalize(struct obj *obj, struct ipbp_err *err)
{
	bool derived;

	if (check_model(obj, err) < 0 ||
	    index_section_symbols(obj, &derived, err) < 0 ||
	    index_section_relocs(obj, err) < 0 ||
	    index_symbol_names(obj, err) < 0 ||
	    anchor_relative_tables(obj, err) < 0)
		return -1;
	if (derived)
		derive_symbol_sizes(obj);
	resolve_reloc_targets(obj);
	obj->finalized_symbols = obj->nr_symbols;
	return 0;
}

/* Adds obj->relocs from first on to their sections' sorted indexes. */
static int index_added_relocs(struct obj *obj, size_t first, struct ipbp_err *err)
{
	size_t *added = calloc(obj->nr_sections + 1, sizeof(*added));
	struct section *sec;

	if (!added)
		return obj_error(obj, err, "out of memory");
	for (size_t i = first; i < obj->nr_relocs; i++)
		added[obj->relocs[i]->sec->index]++;
	for_each_section(obj, sec) {
		struct reloc **v;

		if (!added[sec->index])
			continue;
		v = realloc(sec->relocs, (sec->nr_relocs + added[sec->index]) * sizeof(*v));
		if (!v) {
			free(added);
			return obj_error(obj, err, "out of memory");
		}
		sec->relocs = v;
	}
	for (size_t i = first; i < obj->nr_relocs; i++) {
		struct reloc *r = obj->relocs[i];

		r->sec->relocs[r->sec->nr_relocs++] = r;
	}
	for_each_section(obj, sec) {
		size_t n = added[sec->index];

		if (n && sort_appended((void **)sec->relocs, sec->nr_relocs - n, sec->nr_relocs,
				       reloc_key) < 0) {
			free(added);
			return obj_error(obj, err, "out of memory");
		}
	}
	free(added);
	return 0;
}

int obj_finalize_added(struct obj *obj, size_t first, struct reloc *const *rebiased,
		       size_t nr_rebiased, struct ipbp_err *err)
{
	bool redo = obj->nr_symbols != obj->finalized_symbols || !obj->sym_hash;

	for (size_t i = first; i < obj->nr_relocs && !redo; i++)
		redo = !obj->relocs[i]->sec || !obj->relocs[i]->sym ||
		       is_table_reference(obj->relocs[i]) || is_table_entry(obj->relocs[i]);
	for (size_t i = 0; i < nr_rebiased && !redo; i++)
		redo = is_table_reference(rebiased[i]) || is_table_entry(rebiased[i]);
	if (redo)
		return obj_finalize(obj, err);
	if (index_added_relocs(obj, first, err) < 0)
		return -1;
	for (size_t i = first; i < obj->nr_relocs; i++)
		resolve_reloc_target(obj->relocs[i]);
	for (size_t i = 0; i < nr_rebiased; i++)
		resolve_reloc_target(rebiased[i]);
	return 0;
}

/* ---- relocations loaded on demand (OBJ_LOAD_LAZY) ------------------------ */

struct lazy_relocs {
	const void *state;	/* the reader's */
	struct spans loaded;
};

int obj_defer_relocs(struct obj *obj, struct section *sec, const void *state)
{
	sec->lazy = obj_alloc(obj, sizeof(*sec->lazy));
	if (!sec->lazy)
		return -1;
	sec->lazy->state = state;
	return 0;
}

int obj_load_range(struct obj *obj, struct section *sec, uint64_t start, uint64_t end,
		   struct ipbp_err *err)
{
	struct lazy_relocs *lazy = sec->lazy;
	const struct spans *loaded = lazy ? &lazy->loaded : NULL;
	size_t first = obj->nr_relocs;
	uint64_t at = start;

	if (!lazy || start >= end)
		return 0;
	/* The gaps of [start, end) between the spans loaded already. */
	for (size_t i = 0; i <= loaded->nr && at < end; i++) {
		uint64_t gap_end = i < loaded->nr ? loaded->v[i].start : end;

		if (gap_end > end)
			gap_end = end;
		if (at < gap_end && obj->ops->load_range(obj, sec, lazy->state, at, gap_end,
							  err) < 0)
			return -1;
		if (i < loaded->nr && loaded->v[i].end > at)
			at = loaded->v[i].end;
	}
	if (spans_add(&lazy->loaded, start, end) < 0)
		return obj_error(obj, err, "out of memory");
	if (spans_cover(loaded, 0, sec->size)) {
		spans_release(&lazy->loaded);
		sec->lazy = NULL;	/* all loaded (the struct is the arena's) */
	}
	return obj->nr_relocs > first ? obj_finalize_added(obj, first, NULL, 0, err) : 0;
}

/* ---- lookups ----------------------------------------------------------- */

struct symbol *obj_find_symbol(const struct obj *obj, const char *name)
{
	struct symbol *sym, *best = NULL;

	if (!obj->sym_hash)
		return NULL;
	for (sym = obj->sym_hash[str_hash(name) & (obj->sym_hash_size - 1)];
	     sym; sym = sym->hash_next) {
		if (strcmp(sym->name, name))
			continue;
		if (is_defined(sym) && sym->bind != BIND_LOCAL)
			return sym;
		if (!best || (!is_defined(best) && is_defined(sym)))
			best = sym;
	}
	return best;
}

struct section *obj_find_section(const struct obj *obj, const char *name)
{
	struct section *sec;

	for_each_section(obj, sec)
		if (sec->name && !strcmp(sec->name, name))
			return sec;
	return NULL;
}

static bool covers(const struct symbol *sym, uint64_t offset)
{
	if (sym->size == 0)
		return sym->offset == offset;
	return offset - sym->offset < sym->size;
}

/* Among symbols at one place, the one a person would name it by. */
static int symbol_rank(const struct symbol *sym)
{
	int rank = 0;

	if (!(sym->flags & SYMF_TEMP))
		rank += 8;
	if (sym->kind == SYMK_FUNC || sym->kind == SYMK_DATA || sym->kind == SYMK_TLS)
		rank += 4;
	if (sym->bind != BIND_LOCAL)
		rank += 2;
	if (sym->size)
		rank += 1;
	return rank;
}

/*
 * The first element of v (sorted by offset) whose offset is above key,
 * searched from *hint, where the previous search ended, by galloping
 * (forward or back) and then bisecting: offsets that increase, or stay
 * near the last one, cost O(1) each.  Any order gives the same answer.
 */
#define UPPER_BOUND(v, n, key, hint) do {				\
	size_t lo_ = 0, hi_ = (n), h_ = *(hint) < hi_ ? *(hint) : hi_, step_ = 1; \
									\
	if (h_ == 0 || (v)[h_ - 1]->offset <= (key)) {		\
		lo_ = h_;	/* the answer is >= h_ */		\
		while (lo_ + step_ < hi_ && (v)[lo_ + step_ - 1]->offset <= (key)) { \
			lo_ += step_;					\
			step_ *= 2;					\
		}							\
		if (lo_ + step_ < hi_)					\
			hi_ = lo_ + step_;				\
	} else {							\
		hi_ = h_ - 1;	/* v[hi_] starts after key */	\
		while (hi_ >= step_ && (v)[hi_ - step_]->offset > (key)) { \
			hi_ -= step_;					\
			step_ *= 2;					\
		}							\
		lo_ = hi_ >= step_ ? hi_ - step_ + 1 : 0;		\
	}								\
	while (lo_ < hi_) {						\
		size_t mid_ = lo_ + (hi_ - lo_) / 2;			\
									\
		if ((v)[mid_]->offset <= (key))			\
			lo_ = mid_ + 1;					\
		else							\
			hi_ = mid_;					\
	}								\
	*(hint) = lo_;							\
} while (0)

/* The index in sec->syms of the first symbol that starts after offset,
 * into *hint too: bisecting one stretch of sym_starts when there is the
 * table, else galloping from *hint. */
static size_t symbol_upper_bound(const struct section *sec, uint64_t offset, size_t *hint)
{
	size_t lo, in = 0;

	if (!sec->sym_starts) {
		UPPER_BOUND(sec->syms, sec->nr_syms, offset, hint);
		return *hint;
	}
	if (offset >= sec->syms[sec->nr_syms - 1]->offset)
		return *hint = sec->nr_syms;
	lo = sec->sym_starts[offset >> sec->sym_shift];
	UPPER_BOUND(sec->syms + lo, sec->sym_starts[(offset >> sec->sym_shift) + 1] - lo,
		    offset, &in);
	return *hint = lo + in;
}

struct symbol *obj_find_symbol_covering_hint(const struct section *sec, uint64_t offset,
					     size_t *hint)
{
	struct symbol *best = NULL;
	size_t lo = symbol_upper_bound(sec, offset, hint);

	/* Walk back: the covering symbol with the greatest start wins. */
	for (size_t i = lo, steps = 0; i-- > 0 && steps < 256; steps++) {
		struct symbol *sym = sec->syms[i];

		if (best && sym->offset < best->offset)
			break;
		if (covers(sym, offset) && (!best || symbol_rank(sym) > symbol_rank(best)))
			best = sym;
	}
	return best;
}

struct symbol *obj_find_symbol_covering(const struct section *sec, uint64_t offset)
{
	size_t hint = 0;

	return obj_find_symbol_covering_hint(sec, offset, &hint);
}

size_t obj_first_symbol_after(const struct section *sec, uint64_t offset)
{
	size_t first = 0;

	return symbol_upper_bound(sec, offset, &first);
}

/* Fields lie at whole offsets: the first at or after offset is the first
 * after offset - 1. */
size_t obj_first_reloc_hint(const struct section *sec, uint64_t offset, size_t *hint)
{
	if (offset == 0)
		return *hint = 0;
	UPPER_BOUND(sec->relocs, sec->nr_relocs, offset - 1, hint);
	return *hint;
}

size_t obj_first_reloc(const struct section *sec, uint64_t offset)
{
	size_t hint = 0;

	return obj_first_reloc_hint(sec, offset, &hint);
}

struct reloc *obj_find_reloc_hint(const struct section *sec, uint64_t offset, size_t *hint)
{
	size_t lo;

	UPPER_BOUND(sec->relocs, sec->nr_relocs, offset, hint);
	lo = *hint;
	/* Fields are at most 16 bytes wide: look back over a few. */
	for (size_t i = lo, steps = 0; i-- > 0 && steps < 8; steps++) {
		struct reloc *r = sec->relocs[i];
		uint64_t width = r->width ? r->width : 1;

		if (offset - r->offset < width)
			return r;
		if (offset - r->offset >= 16)
			break;
	}
	return NULL;
}

struct reloc *obj_find_reloc(const struct section *sec, uint64_t offset)
{
	size_t hint = 0;

	return obj_find_reloc_hint(sec, offset, &hint);
}

const char *obj_reloc_type_name(const struct obj *obj, uint32_t type)
{
	const char *name = NULL;

	if (obj->ops && obj->ops->reloc_type_name)
		name = obj->ops->reloc_type_name(obj, type);
	return name ? name : "unknown";
}

/* ---- lifecycle ----------------------------------------------------------- */

static const struct obj_ops *const readers[] = {
	&elf_ops, &macho_ops, &coff_ops, &wasm_ops,
};

static int unknown_format(struct obj *obj, struct ipbp_err *err)
{
	const uint8_t *p = obj->data;
	char hex[3 * 8 + 1] = "";
	size_t n = obj->size < 8 ? obj->size : 8;

	if (obj->size == 0)
		return obj_error(obj, err, "empty file");
	if (obj->size >= 4 && !memcmp(p, "BC\xc0\xde", 4))
		return obj_error(obj, err, "LLVM bitcode is not supported (built with -flto?)");
	for (size_t i = 0; i < n; i++)
		snprintf(hex + (i ? 3 * i - 1 : 0), 4, "%s%02x", i ? " " : "", p[i]);
	return obj_error(obj, err, "unknown file format (starts with %s)", hex);
}

int obj_load(struct obj **out, const char *name, const uint8_t *data,
	     size_t size, struct ipbp_err *err)
{
	return obj_load_flags(out, name, data, size, 0, err);
}

int obj_load_flags(struct obj **out, const char *name, const uint8_t *data,
		   size_t size, unsigned flags, struct ipbp_err *err)
{
	struct obj *obj = calloc(1, sizeof(*obj));
	const struct obj_ops *ops = NULL;

	*out = NULL;
	if (!obj)
		return ipbp_error(err, "%s: out of memory", name);
	obj->data = data;
	obj->size = size;
	obj->load_flags = flags;
	obj->name = obj_strndup(obj, name, strlen(name));
	if (!obj->name) {
		obj_free(obj);
		return ipbp_error(err, "%s: out of memory", name);
	}
	for (size_t i = 0; i < sizeof(readers) / sizeof(readers[0]); i++) {
		if (readers[i]->probe(data, size)) {
			ops = readers[i];
			break;
		}
	}
	if (!ops) {
		unknown_format(obj, err);
		obj_free(obj);
		return -1;
	}
	obj->ops = ops;
	obj->format = ops->format;
	if (ops->load(obj, err) < 0 || obj_finalize(obj, err) < 0) {
		obj_free(obj);
		return -1;
	}
	*out = obj;
	return 0;
}

void obj_free(struct obj *obj)
{
	struct arena_chunk *c, *next;
	struct section *sec;

	if (!obj)
		return;
	if (obj->ops && obj->ops->release)
		obj->ops->release(obj);
	for_each_section(obj, sec) {
		free(sec->relocs);
		free(sec->syms);
		free(sec->sym_starts);
		if (sec->lazy)
			spans_release(&sec->lazy->loaded);
		if (sec->decoded)
			spans_release(sec->decoded);
	}
	free(obj->sections);
	free(obj->symbols);
	free(obj->relocs);
	free(obj->sym_hash);
	for (c = obj->arena; c; c = next) {
		next = c->next;
		free(c);
	}
	free(obj);
}

/* ---- names --------------------------------------------------------------- */

#define NAME_OF(table, i) \
	((size_t)(i) < sizeof(table) / sizeof(table[0]) && table[i] ? table[i] : "unknown")

const char *obj_format_name(enum obj_format f)
{
	static const char *const t[] = {
		[FORMAT_ELF] = "elf", [FORMAT_MACHO] = "macho",
		[FORMAT_COFF] = "coff", [FORMAT_WASM] = "wasm",
	};
	return NAME_OF(t, f);
}

const char *obj_arch_name(enum obj_arch a)
{
	static const char *const t[] = {
		[ARCH_UNKNOWN] = "unknown", [ARCH_X86_64] = "x86-64",
		[ARCH_I386] = "i386", [ARCH_AARCH64] = "aarch64",
		[ARCH_ARM] = "arm", [ARCH_WASM32] = "wasm32",
	};
	return NAME_OF(t, a);
}

const char *obj_type_name(enum obj_type t)
{
	static const char *const n[] = {
		[OBJ_RELOCATABLE] = "relocatable", [OBJ_SHARED] = "shared",
		[OBJ_EXECUTABLE] = "executable",
	};
	return NAME_OF(n, t);
}

const char *section_kind_name(enum section_kind k)
{
	static const char *const t[] = {
		[SEC_CODE] = "code", [SEC_DATA] = "data", [SEC_RODATA] = "rodata",
		[SEC_BSS] = "bss", [SEC_TLS_DATA] = "tdata", [SEC_TLS_BSS] = "tbss",
		[SEC_STRINGS] = "strings", [SEC_DEBUG] = "debug", [SEC_NOTE] = "note",
		[SEC_UNWIND] = "unwind", [SEC_META] = "meta", [SEC_OTHER] = "other",
	};
	return NAME_OF(t, k);
}

const char *symbol_kind_name(enum symbol_kind k)
{
	static const char *const t[] = {
		[SYMK_NOTYPE] = "notype", [SYMK_FUNC] = "func", [SYMK_DATA] = "data",
		[SYMK_TLS] = "tls", [SYMK_SECTION] = "section", [SYMK_FILE] = "file",
	};
	return NAME_OF(t, k);
}

const char *symbol_bind_name(enum symbol_bind b)
{
	static const char *const t[] = {
		[BIND_LOCAL] = "local", [BIND_GLOBAL] = "global", [BIND_WEAK] = "weak",
	};
	return NAME_OF(t, b);
}

const char *reloc_kind_name(enum reloc_kind k)
{
	static const char *const t[] = {
		[RK_NONE] = "none", [RK_ABS] = "abs", [RK_PCREL] = "pcrel",
		[RK_BRANCH] = "branch", [RK_GOT] = "got", [RK_PAGE] = "page",
		[RK_PAGEOFF] = "pageoff", [RK_TLS] = "tls", [RK_SECREL] = "secrel",
		[RK_SECTION] = "section", [RK_IMAGEREL] = "imagerel", [RK_SUB] = "sub",
		[RK_WASM_INDEX] = "wasm-index", [RK_WASM_ADDR] = "wasm-addr",
		[RK_WASM_OFFSET] = "wasm-offset", [RK_OTHER] = "other",
	};
	return NAME_OF(t, k);
}
