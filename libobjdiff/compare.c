// SPDX-License-Identifier: MIT
/*
 * compare.c - whether two correlated units are the same (DESIGN.md §3).
 *
 * Everything is relative to the symbol's start and names targets by
 * identity, never by index or address, so that a function that only moved
 * (an earlier one grew, sections were reordered) compares equal.
 *
 * A function or data pair is compared by:
 *   - kind (DIFF_R_KIND), binding (DIFF_R_BIND), and section class
 *     (DIFF_R_SECTION: code, writable data and bss, read-only data, TLS,
 *     other; .text <-> .text.unlikely or another function section of the
 *     same class is no change);
 *   - size: DIFF_R_SIZE for data; a function of another size has other
 *     bytes, reported as DIFF_R_CODE (as in DESIGN.md's example line);
 *   - bytes outside every relocation field of either side (DIFF_R_CODE
 *     for functions, DIFF_R_DATA for data; bss and common have no bytes
 *     and compare as zeros);
 *   - relocations in order (DIFF_R_RELOCS): same offset from the symbol
 *     start, kind, width and target identity (struct ref):
 *       REF_UNIT    a compared symbol: old target's twin is the new target,
 *                   and equal offsets into it;
 *       REF_NAMED   undefined, absolute or other named symbols: the name
 *                   and the offset;
 *       REF_STRING  a place in a mergeable string section: the string from
 *                   there to its NUL (also through a temporary label);
 *       REF_ANON    section + offset covered by no symbol (jump tables,
 *                   .LC constants, literal pools, COFF "??_C@" and
 *                   "__real@" literals): the region's bytes and
 *                   relocations, the region running from the target to
 *                   the next symbol or other anonymously referenced place
 *                   of that section, to its entry size in a mergeable
 *                   constant section, and to REGION_MAX bytes at most;
 *                   a string literal outside string sections ends at
 *                   its NUL, not at the padding after it.
 *     Mach-O SUBTRACTOR relocations compare their subtracted symbol the
 *     same way.  Decoded references (RELF_DECODED) are relocations like
 *     the others.  Native relocation types are not compared (GOTPCREL and
 *     GOTPCRELX say the same).
 *
 * Functions found different here get a second look instruction by
 * instruction (compare-insn.c), which forgives short/near branch forms and
 * padding that only layout changed.
 *
 * Large pairs are compared in threads, each over its own share of the
 * units.  The second looks come after, in unit order in one thread: they
 * draw on one budget, so which of them run must not depend on the split.
 */
#include <stdlib.h>
#include <string.h>

#include "diff-int.h"
#include "threads-int.h"

#define REGION_MAX	4096	/* bytes of an anonymous region compared */
#define REGION_DEPTH	2	/* anonymous regions referenced from regions */

/* A range of one section: a symbol's bytes or an anonymous region. */
struct extent {
	uint64_t start, size;
	const uint8_t *bytes;	/* NULL: zeros */
	uint64_t nr_bytes;	/* in the file; zeros after */
	struct reloc **relocs;
	size_t nr_relocs;
};

/* ---- relocations of a range ------------------------------------------------ */

struct reloc **diff_relocs_in(const struct section *sec, uint64_t start,
			      uint64_t size, size_t *nr)
{
	uint64_t end = size > UINT64_MAX - start ? UINT64_MAX : start + size;
	size_t lo = obj_first_reloc(sec, start), hi = obj_first_reloc(sec, end);

	*nr = hi - lo;
	return sec->relocs ? sec->relocs + lo : NULL;
}

static void make_extent_bytes(struct extent *e, const struct section *sec,
			      uint64_t start, uint64_t size)
{
	memset(e, 0, sizeof(*e));
	e->start = start;
	e->size = size;
	if (sec && sec->data && start < sec->size) {
		e->bytes = sec->data + start;
		e->nr_bytes = sec->size - start < size ? sec->size - start : size;
	}
}

static void make_extent(struct extent *e, const struct section *sec,
			uint64_t start, uint64_t size)
{
	make_extent_bytes(e, sec, start, size);
	if (sec)
		e->relocs = diff_relocs_in(sec, start, size, &e->nr_relocs);
}

/*
 * The relocation ranges of every unit of a side, found in one walk over
 * each section's symbols in offset order (binary searches per unit miss
 * the cache on every step).  A unit whose symbol is not indexed in its
 * section keeps known == false and is looked up by diff_relocs_in().
 */
struct span {
	size_t lo, nr;
	bool known;
};

static struct span *unit_spans(const struct diff_side *side)
{
	struct span *v = calloc(side->nr_units + 1, sizeof(*v));
	struct section *sec;

	if (!v || !side->by_sym)
		return v;
	for_each_section(side->obj, sec) {
		size_t start_hint = 0, end_hint = 0;

		for (size_t i = 0; i < sec->nr_syms; i++) {
			const struct symbol *sym = sec->syms[i];
			uint64_t start = sym->offset, end;
			struct unit *u;
			size_t lo;

			if (sym->index >= side->obj->nr_symbols ||
			    !(u = side->by_sym[sym->index]) || u->sym != sym)
				continue;
			end = sym->size > UINT64_MAX - start ? UINT64_MAX : start + sym->size;
			lo = obj_first_reloc_hint(sec, start, &start_hint);
			v[u - side->units] = (struct span){
				lo, obj_first_reloc_hint(sec, end, &end_hint) - lo, true
			};
		}
	}
	return v;
}

/* make_extent() of a unit's symbol, its relocations from spans if known. */
static void make_unit_extent(struct extent *e, const struct diff_side *side,
			     const struct span *spans, const struct unit *u)
{
	const struct symbol *sym = u->sym;
	const struct span *s = spans ? &spans[u - side->units] : NULL;

	if (!s || !s->known || !sym->sec) {
		make_extent(e, sym->sec, sym->offset, sym->size);
		return;
	}
	make_extent_bytes(e, sym->sec, sym->offset, sym->size);
	e->relocs = sym->sec->relocs ? sym->sec->relocs + s->lo : NULL;
	e->nr_relocs = s->nr;
}

/* ---- bytes outside relocation fields --------------------------------------- */

/* Whether e's file bytes in [from, end) are all zero (none past nr_bytes). */
static bool zero_tail(const struct extent *e, uint64_t from, uint64_t end)
{
	uint64_t to = end < e->nr_bytes ? end : e->nr_bytes;

	for (uint64_t i = from; i < to; i++)
		if (e->bytes[i])
			return false;
	return true;
}

/* Bytes past the file's (bss, common, a size beyond the section) are zeros. */
static bool range_equal(const struct extent *a, const struct extent *b,
			uint64_t pos, uint64_t len)
{
	uint64_t end = pos + len, both = end;

	if (both > a->nr_bytes)
		both = a->nr_bytes;
	if (both > b->nr_bytes)
		both = b->nr_bytes;
	if (pos < both && memcmp(a->bytes + pos, b->bytes + pos, both - pos))
		return false;
	if (both < pos)
		both = pos;
	return zero_tail(a, both, end) && zero_tail(b, both, end);
}

/*
 * The next relocation field of e not entirely before pos: [*start, *end)
 * relative to e, or UINT64_MAX when there is none.
 */
static void next_field(const struct extent *e, size_t *i, uint64_t pos,
		       uint64_t *start, uint64_t *end)
{
	for (; *i < e->nr_relocs; ++*i) {
		const struct reloc *r = e->relocs[*i];
		uint64_t s = r->offset - e->start;

		if (s + (r->width ? r->width : 1) > pos) {
			*start = s;
			*end = s + (r->width ? r->width : 1);
			return;
		}
	}
	*start = *end = UINT64_MAX;
}

static bool bytes_equal(const struct extent *a, const struct extent *b)
{
	uint64_t len = a->size < b->size ? a->size : b->size, pos = 0;
	size_t ia = 0, ib = 0;

	while (pos < len) {
		uint64_t sa, ea, sb, eb, end;

		next_field(a, &ia, pos, &sa, &ea);
		next_field(b, &ib, pos, &sb, &eb);
		if (sa <= pos || sb <= pos) {
			pos = sa <= pos ? ea : eb;
			continue;
		}
		end = sa < sb ? sa : sb;
		if (end > len)
			end = len;
		if (!range_equal(a, b, pos, end - pos))
			return false;
		pos = end;
	}
	return true;
}

/* ---- targets --------------------------------------------------------------- */

static bool is_string_section(const struct section *sec)
{
	return sec->kind == SEC_STRINGS || (sec->flags & SECF_STRINGS);
}

static struct unit *unit_of(struct diff_side *side, const struct symbol *sym)
{
	if (!side->by_sym || sym->index >= side->obj->nr_symbols ||
	    side->obj->symbols[sym->index] != sym)
		return NULL;
	return side->by_sym[sym->index];
}

static bool is_place_symbol(const struct symbol *sym)
{
	return sym->sec && is_defined(sym) &&
	       (sym->kind == SYMK_SECTION || (sym->flags & (SYMF_TEMP | SYMF_SYNTHETIC)) ||
		diff_is_literal(sym));
}

/* What sym + off stands for on a side (see the top comment). */
void diff_classify(struct diff_side *side, const struct symbol *sym,
		   int64_t off, struct ref *ref)
{
	const struct symbol *cover;
	uint64_t loc;

	memset(ref, 0, sizeof(*ref));
	ref->off = off;
	if ((ref->unit = unit_of(side, sym))) {
		ref->type = REF_UNIT;
		return;
	}
	loc = sym->offset + (uint64_t)off;
	if (!is_place_symbol(sym) || (off < 0 && 0 - (uint64_t)off > sym->offset)) {
		ref->type = REF_NAMED;
		ref->sym = sym;
		return;
	}
	ref->sec = sym->sec;
	ref->loc = loc;
	ref->type = is_string_section(sym->sec) ? REF_STRING : REF_ANON;
	if (ref->type == REF_STRING)
		return;
	cover = obj_find_symbol_covering(sym->sec, loc);
	if (cover && (ref->unit = unit_of(side, cover))) {
		ref->type = REF_UNIT;
		ref->off = (int64_t)(loc - cover->offset);
	}
}

static const char *ref_name(const struct symbol *sym)
{
	if (sym->kind == SYMK_SECTION && sym->sec && sym->sec->name)
		return sym->sec->name;
	return sym->name;
}

static const char *string_at(const struct section *sec, uint64_t loc, size_t *len)
{
	const char *s, *nul;

	if (!sec->data || loc >= sec->size)
		return NULL;
	s = (const char *)sec->data + loc;
	nul = memchr(s, 0, sec->size - loc);
	*len = nul ? (size_t)(nul - s) : sec->size - loc;
	return s;
}

static bool strings_equal(const struct ref *a, const struct ref *b)
{
	size_t la = 0, lb = 0;
	const char *sa = string_at(a->sec, a->loc, &la);
	const char *sb = string_at(b->sec, b->loc, &lb);

	if (!sa || !sb)
		return !sa && !sb;
	return la == lb && !memcmp(sa, sb, la);
}

/* ---- anonymous regions ----------------------------------------------------- */

static int cmp_anchor(const void *a, const void *b)
{
	const struct anchor *x = a, *y = b;

	if (x->sec != y->sec)
		return x->sec < y->sec ? -1 : 1;
	return x->off < y->off ? -1 : x->off > y->off;
}

/* Every place of the side's object referenced anonymously, sorted. */
static int build_anchors(struct diff_ctx *ctx, struct diff_side *side)
{
	struct obj *obj = side->obj;
	struct reloc *r;
	size_t n = 0;

	side->anchored = true;
	side->anchors = malloc((obj->nr_relocs + 1) * sizeof(*side->anchors));
	if (!side->anchors)
		return ipbp_error(ctx->err, "out of memory");
	for_each_reloc(obj, r) {
		struct ref ref;

		if (!r->target)
			continue;
		diff_classify(side, r->target, r->target_offset, &ref);
		if (ref.type == REF_ANON)
			side->anchors[n++] = (struct anchor){ ref.sec->index, ref.loc };
	}
	side->nr_anchors = n;
	if (n > 1)
		qsort(side->anchors, n, sizeof(*side->anchors), cmp_anchor);
	return 0;
}

static uint64_t next_anchor(const struct diff_side *side, const struct section *sec,
			    uint64_t loc)
{
	struct anchor key = { sec->index, loc };
	size_t lo = 0, hi = side->nr_anchors;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (cmp_anchor(&side->anchors[mid], &key) <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < side->nr_anchors && side->anchors[lo].sec == sec->index)
		return side->anchors[lo].off;
	return UINT64_MAX;
}

static uint64_t next_symbol_start(const struct section *sec, uint64_t loc)
{
	size_t i = obj_first_symbol_after(sec, loc);

	return i < sec->nr_syms ? sec->syms[i]->offset : UINT64_MAX;
}

static bool is_text_byte(uint8_t c)
{
	return c >= 0x20 ? c != 0x7f : (c >= '\a' && c <= '\r') || c == 0x1b;
}

/*
 * Where an unnamed string literal in read-only data that is not a string
 * section (gcc -O0 writes them to plain .rodata) ends: after its NUL when
 * the region [loc, end) is text, that NUL and zeros.  The zeros align the
 * literal that follows, so how many there are depends on the other
 * literals of the file, not on this one.  end when the region is no such
 * string.
 */
static uint64_t string_literal_end(const struct section *sec, uint64_t loc, uint64_t end)
{
	const uint8_t *p = sec->data;
	uint64_t nul = loc;

	if (sec->kind != SEC_RODATA || !p || end > sec->size ||
	    obj_first_reloc(sec, loc) != obj_first_reloc(sec, end))
		return end;
	while (nul < end && is_text_byte(p[nul]))
		nul++;
	if (nul == loc || nul == end || p[nul])
		return end;
	for (uint64_t i = nul + 1; i < end; i++)
		if (p[i])
			return end;
	return nul + 1;
}

/* The extent of the anonymous region at ref (see the top comment). */
static void region_extent(struct diff_side *side, const struct ref *ref,
			  struct extent *e)
{
	const struct section *sec = ref->sec;
	uint64_t end = sec->size, n;

	if (ref->loc >= sec->size) {
		memset(e, 0, sizeof(*e));
		return;
	}
	if (end - ref->loc > REGION_MAX)
		end = ref->loc + REGION_MAX;
	if ((sec->flags & SECF_MERGE) && sec->entsize && end - ref->loc > sec->entsize)
		end = ref->loc + sec->entsize;
	if ((n = next_symbol_start(sec, ref->loc)) < end)
		end = n;
	if ((n = next_anchor(side, sec, ref->loc)) < end)
		end = n;
	end = string_literal_end(sec, ref->loc, end);
	make_extent(e, sec, ref->loc, end - ref->loc);
}

static int section_class(const struct section *sec)
{
	if (!sec)
		return 1;	/* common */
	switch (sec->kind) {
	case SEC_CODE:
		return 0;
	case SEC_DATA:
	case SEC_BSS:
		return (sec->flags & SECF_TLS) ? 3 : 1;
	case SEC_RODATA:
	case SEC_STRINGS:
		return 2;
	case SEC_TLS_DATA:
	case SEC_TLS_BSS:
		return 3;
	default:
		return 4;
	}
}

static bool relocs_equal(struct diff_ctx *ctx, const struct extent *a,
			 const struct extent *b, int depth);

static bool regions_equal(struct diff_ctx *ctx, const struct ref *a,
			  const struct ref *b, int depth)
{
	struct extent ea, eb;

	if (section_class(a->sec) != section_class(b->sec))
		return false;
	if (depth >= REGION_DEPTH)
		return true;
	for (int s = 0; s < 2; s++)
		if (!ctx->side[s].anchored && build_anchors(ctx, &ctx->side[s]) < 0) {
			ctx->failed = true;
			return false;
		}
	region_extent(&ctx->side[0], a, &ea);
	region_extent(&ctx->side[1], b, &eb);
	return ea.size == eb.size && bytes_equal(&ea, &eb) &&
	       relocs_equal(ctx, &ea, &eb, depth + 1);
}

/* ---- relocations ------------------------------------------------------------ */

static bool refs_equal(struct diff_ctx *ctx, const struct ref *a,
		       const struct ref *b, int depth)
{
	if (a->type != b->type)
		return false;
	switch (a->type) {
	case REF_UNIT:
		return a->unit->twin == b->unit && a->off == b->off;
	case REF_NAMED:
		return a->off == b->off && !strcmp(ref_name(a->sym), ref_name(b->sym));
	case REF_STRING:
		return strings_equal(a, b);
	case REF_ANON:
		return regions_equal(ctx, a, b, depth);
	default:
		return true;
	}
}

static bool symbols_equal(struct diff_ctx *ctx, const struct symbol *a, int64_t oa,
			  const struct symbol *b, int64_t ob, int depth)
{
	struct ref ra, rb;

	if (!a || !b)
		return !a && !b;
	diff_classify(&ctx->side[0], a, oa, &ra);
	diff_classify(&ctx->side[1], b, ob, &rb);
	return refs_equal(ctx, &ra, &rb, depth);
}

static bool targets_equal(struct diff_ctx *ctx, const struct reloc *a,
			  const struct reloc *b, int depth)
{
	if (!a->target || !b->target)
		return !a->target && !b->target && a->addend == b->addend;
	if (!symbols_equal(ctx, a->sub, 0, b->sub, 0, depth))
		return false;
	return symbols_equal(ctx, a->target, a->target_offset,
			     b->target, b->target_offset, depth);
}

bool diff_reloc_targets_equal(struct diff_ctx *ctx, const struct reloc *a,
			      const struct reloc *b)
{
	return targets_equal(ctx, a, b, 0);
}

static bool reloc_equal(struct diff_ctx *ctx, const struct extent *ea,
			const struct reloc *a, const struct extent *eb,
			const struct reloc *b, int depth)
{
	if (a->offset - ea->start != b->offset - eb->start ||
	    a->kind != b->kind || a->width != b->width)
		return false;
	return targets_equal(ctx, a, b, depth);
}

static bool relocs_equal(struct diff_ctx *ctx, const struct extent *a,
			 const struct extent *b, int depth)
{
	if (a->nr_relocs != b->nr_relocs)
		return false;
	for (size_t i = 0; i < a->nr_relocs; i++)
		if (!reloc_equal(ctx, a, a->relocs[i], b, b->relocs[i], depth))
			return false;
	return true;
}

/* ---- units ------------------------------------------------------------------ */

static bool has_bytes(const struct symbol *sym)
{
	return sym->sec && sym->sec->data;
}

/* The reasons o and n differ, but for the second look: see second_look(). */
static unsigned compare_units(struct diff_ctx *ctx, const struct unit *o,
			      const struct unit *n, struct span *const spans[2])
{
	const struct symbol *so = o->sym, *sn = n->sym;
	bool func = o->kind == SYMK_FUNC && n->kind == SYMK_FUNC;
	struct extent eo, en;
	unsigned r = 0;
	bool same;

	if (o->kind != n->kind)
		r |= DIFF_R_KIND;
	if (so->bind != sn->bind)
		r |= DIFF_R_BIND;
	if (section_class(so->sec) != section_class(sn->sec))
		r |= DIFF_R_SECTION;
	make_unit_extent(&eo, &ctx->side[0], spans[0], o);
	make_unit_extent(&en, &ctx->side[1], spans[1], n);
	same = bytes_equal(&eo, &en);
	if (func && (so->size != sn->size || !same))
		r |= DIFF_R_CODE;
	if (!func && so->size != sn->size)
		r |= DIFF_R_SIZE;
	/* A grown or shrunk initializer changed its bytes too; bss and common
	 * symbols have none. */
	if (!func && (!same || (so->size != sn->size && has_bytes(so) && has_bytes(sn))))
		r |= DIFF_R_DATA;
	if (!relocs_equal(ctx, &eo, &en, 0))
		r |= DIFF_R_RELOCS;
	return r;
}

/* Functions whose code or relocations differ: layout may have changed
 * branch forms and padding only. */
static unsigned second_look(struct diff_ctx *ctx, const struct unit *o,
			    const struct unit *n, unsigned r)
{
	int insn_same;

	if (o->kind != SYMK_FUNC || n->kind != SYMK_FUNC ||
	    !(r & (DIFF_R_CODE | DIFF_R_RELOCS)))
		return r;
	insn_same = diff_insns_equal(ctx, o->sym, n->sym);
	if (insn_same < 0)
		ctx->failed = true;
	if (insn_same > 0)
		r &= ~(DIFF_R_CODE | DIFF_R_RELOCS);
	return r;
}

/* Units compared in threads above this many. */
#define THREAD_UNITS	4096

struct compare_part {
	struct diff_ctx ctx;	/* a copy: anchors, failed and err its own */
	struct ipbp_err err;
	struct span *const *spans;
	unsigned *reasons;	/* of new's units */
	size_t lo, hi;		/* new's units */
};

static void *compare_part_run(void *arg)
{
	struct compare_part *part = arg;
	struct diff_side *new = &part->ctx.side[1];

	for (size_t i = part->lo; i < part->hi; i++) {
		const struct unit *n = &new->units[i];

		if (n->twin)
			part->reasons[i] = compare_units(&part->ctx, n->twin, n, part->spans);
	}
	return NULL;
}

/* compare_units() of every pair into reasons, in parts of new's units. */
static void compare_in_threads(struct diff_ctx *ctx, struct span *const spans[2],
			       unsigned *reasons)
{
	struct compare_part parts[THREADS_MAX];
	size_t nr = ctx->side[1].nr_units;
	unsigned nr_parts = threads_available();

	for (unsigned p = 0; p < nr_parts; p++) {
		parts[p] = (struct compare_part){ .ctx = *ctx, .spans = spans,
						  .reasons = reasons,
						  .lo = nr * p / nr_parts,
						  .hi = nr * (p + 1) / nr_parts };
		parts[p].ctx.err = &parts[p].err;
		parts[p].ctx.failed = false;
	}
	threads_run(parts, sizeof(parts[0]), nr_parts, compare_part_run);
	for (unsigned p = 0; p < nr_parts; p++) {
		for (int s = 0; s < 2; s++)
			if (parts[p].ctx.side[s].anchors != ctx->side[s].anchors)
				free(parts[p].ctx.side[s].anchors);
		if (parts[p].ctx.failed && !ctx->failed) {
			*ctx->err = parts[p].err;
			ctx->failed = true;
		}
	}
}

int diff_compare_symbols(struct diff_ctx *ctx)
{
	struct diff_side *new = &ctx->side[1];
	/* Without them (no memory, or a focus: a few units, where a walk over
	 * every symbol would cost more), units are looked up one by one. */
	struct span *spans[2] = { NULL, NULL };
	unsigned *reasons = NULL;

	if (!ctx->opts->focus) {
		spans[0] = unit_spans(&ctx->side[0]);
		spans[1] = unit_spans(new);
	}

	if (!ctx->opts->quick && !ctx->opts->focus && new->nr_units > THREAD_UNITS &&
	    (reasons = calloc(new->nr_units, sizeof(*reasons))))
		compare_in_threads(ctx, spans, reasons);
	for (size_t i = 0; i < new->nr_units && !ctx->failed; i++) {
		struct unit *n = &new->units[i], *o = n->twin;
		unsigned r;

		if (!o || !diff_in_focus(ctx, n))
			continue;
		if (ctx->differs && ctx->opts->quick)
			break;
		r = reasons ? reasons[i] : compare_units(ctx, o, n, spans);
		r = second_look(ctx, o, n, r);
		o->reasons |= r;
		n->reasons |= r;
		if (r)
			ctx->differs = true;
	}
	free(reasons);
	free(spans[0]);
	free(spans[1]);
	return ctx->failed ? -1 : 0;
}
