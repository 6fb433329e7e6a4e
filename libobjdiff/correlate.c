// SPDX-License-Identifier: MIT
/*
 * correlate.c - which symbols the diff compares, and which old symbol is
 * the twin of which new one (DESIGN.md §3).
 *
 * Units.  A unit is a defined function, data or TLS symbol: SYMK_FUNC,
 * SYMK_DATA, SYMK_TLS, or SYMK_NOTYPE in a code or data section (Mach-O
 * and COFF give no type for some), and common symbols.  Section and file
 * symbols, assembler temporaries, stabs, synthetic and absolute symbols,
 * and symbols in debug, note, metadata and unwind sections are not.
 *
 * Correlation, kpatch style, in passes over groups of units that share a
 * normalized name (compiler numbering stripped, diff_normalized_name()):
 *
 *   1. a name with exactly one unit on each side: twins, whatever their
 *      kind (so that a kind, binding or section change is reported);
 *   2. global symbols of the same spelling (names are unique for them);
 *   3. static locals through their referencing function: for each old
 *      reference from a correlated unit F to an uncorrelated unit x of an
 *      ambiguous name, the new unit of that name referenced by twin(F)
 *      (several rounds, so that statics found give more);
 *   4. what is left of a name: same spelling and source file (STT_FILE),
 *      then same source file, then in symbol order, each within one kind
 *      class (code, data, TLS).
 *
 * Split parts: a unit whose name has a ".cold" or ".part" component (gcc:
 * foo.cold, foo.cold.1, foo.part.0, foo.part.0.cold) belongs to the unit
 * named by what precedes it (foo), when that one exists on the same side.
 */
#include <stdlib.h>
#include <string.h>

#include "diff-int.h"
#include "util-int.h"

/* ---- normalized names ---------------------------------------------------- */

/* Names whose number follows a fixed prefix without a dot (numbered_prefix()
 * looks at names starting with their first characters only). */
static const char *const numbered_prefixes[] = {
	".LC", "$SG", "__unnamed_", ".L__unnamed_", "L__unnamed_",
	"l___unnamed_", ".Lswitch.table.", "__const.",
};

static size_t nr_digits(const char *s)
{
	size_t n = 0;

	while (s[n] >= '0' && s[n] <= '9')
		n++;
	return n;
}

/* Length of the numbered prefix name starts with (digits follow), or 0. */
static size_t numbered_prefix(const char *name)
{
	/* Most names start with none of the prefixes' first characters. */
	if (*name != '.' && *name != '$' && *name != '_' && *name != 'L' && *name != 'l')
		return 0;
	for (size_t i = 0; i < sizeof(numbered_prefixes) / sizeof(numbered_prefixes[0]); i++) {
		size_t len = strlen(numbered_prefixes[i]);

		if (!strncmp(name, numbered_prefixes[i], len) && nr_digits(name + len))
			return len;
	}
	return 0;
}

/*
 * Drops every ".DIGITS" component after the first character (x.1234 -> x,
 * foo.constprop.0 -> foo.constprop, .L.str.3 -> .L.str, foo.cold.1 ->
 * foo.cold) and the number after a numbered prefix (.LC5 -> .LC, $SG123 ->
 * $SG).  Other names, like clang's statics "func.var", stay as they are.
 */
const char *diff_normalized_name(const char *name, char *buf, size_t size)
{
	size_t in = 0, out = 0, pre;

	if (!size)
		return buf;
	pre = numbered_prefix(name);
	for (; in < pre && out + 1 < size; in++)
		buf[out++] = name[in];
	in = pre + (pre ? nr_digits(name + pre) : 0);
	while (name[in] && out + 1 < size) {
		size_t d;

		if (name[in] == '.' && in > 0 && (d = nr_digits(name + in + 1)) &&
		    (name[in + 1 + d] == '.' || !name[in + 1 + d])) {
			in += 1 + d;
			continue;
		}
		buf[out++] = name[in++];
	}
	buf[out] = '\0';
	return buf;
}

/* Whether diff_normalized_name() may change name (cheap, may say yes). */
static bool may_normalize(const char *name)
{
	const char *dot;

	if (numbered_prefix(name))
		return true;
	for (dot = strchr(name + (*name != 0), '.'); dot; dot = strchr(dot + 1, '.'))
		if (dot[1] >= '0' && dot[1] <= '9')
			return true;
	return false;
}

/* ---- units --------------------------------------------------------------- */

/*
 * Literals the compiler names by their content (MSVC and clang-cl string
 * literals "??_C@...", floating-point and vector constants "__real@...",
 * "__xmm@..."): the ELF .LC / .L.str of COFF.  They are no units; a
 * reference to one compares the bytes there (compare.c).
 */
bool diff_is_literal(const struct symbol *sym)
{
	const char *n = sym->name;

	if (!n || (*n != '?' && *n != '_'))
		return false;
	return sym->sec && (!strncmp(n, "??_C@", 5) || !strncmp(n, "__real@", 7) ||
				 !strncmp(n, "__xmm@", 6) || !strncmp(n, "__ymm@", 6) ||
				 !strncmp(n, "__zmm@", 6));
}

static bool is_unit_section(const struct section *sec)
{
	switch (sec->kind) {
	case SEC_DEBUG:
	case SEC_NOTE:
	case SEC_META:
	case SEC_UNWIND:
		return false;
	default:
		return true;
	}
}

static bool is_unit(const struct symbol *sym)
{
	if (diff_is_literal(sym))
		return false;
	if (sym->kind == SYMK_SECTION || sym->kind == SYMK_FILE)
		return false;
	if (sym->flags & (SYMF_UNDEF | SYMF_ABS | SYMF_TEMP | SYMF_DEBUG | SYMF_SYNTHETIC))
		return false;
	if (!sym->name || !*sym->name || !strncmp(sym->name, "type:", 5))
		return false;
	if (sym->flags & SYMF_COMMON)
		return true;
	return sym->sec && is_unit_section(sym->sec);
}

static bool is_tls_section(const struct section *sec)
{
	return sec->kind == SEC_TLS_DATA || sec->kind == SEC_TLS_BSS ||
	       (sec->flags & SECF_TLS);
}

/* FUNC, DATA or TLS: what the stream calls it. */
static enum symbol_kind unit_kind(const struct symbol *sym)
{
	if (sym->kind == SYMK_FUNC || sym->kind == SYMK_DATA || sym->kind == SYMK_TLS)
		return sym->kind;
	if (!sym->sec)
		return SYMK_DATA;
	if (sym->sec->kind == SEC_CODE)
		return SYMK_FUNC;
	return is_tls_section(sym->sec) ? SYMK_TLS : SYMK_DATA;
}

static int fill_names(struct diff_side *side, struct ipbp_err *err)
{
	size_t total = 0, pos = 0;

	/* norm stays NULL where diff_normalized_name() may change the name */
	for (size_t i = 0; i < side->nr_units; i++) {
		struct unit *u = &side->units[i];

		if (may_normalize(u->sym->name))
			total += strlen(u->sym->name) + 1;
		else
			u->norm = u->sym->name;
	}
	if (total && !(side->names = malloc(total)))
		return ipbp_error(err, "out of memory");
	for (size_t i = 0; i < side->nr_units; i++) {
		struct unit *u = &side->units[i];

		if (u->norm)
			continue;
		u->norm = diff_normalized_name(u->sym->name, side->names + pos, total - pos);
		pos += strlen(u->norm) + 1;
	}
	return 0;
}

/* The units of one side (side->obj may be NULL: no units). */
int diff_build_units(struct diff_side *side, struct ipbp_err *err)
{
	struct obj *obj = side->obj;
	struct symbol *sym;

	if (!obj)
		return 0;
	/* room for every symbol: the pages of what is left over are never
	 * touched */
	side->by_sym = calloc(obj->nr_symbols + 1, sizeof(*side->by_sym));
	side->units = calloc(obj->nr_symbols + 1, sizeof(*side->units));
	if (!side->by_sym || !side->units)
		return ipbp_error(err, "out of memory");
	for_each_symbol(obj, sym) {
		struct unit *u;

		if (!is_unit(sym) || sym->index >= obj->nr_symbols)
			continue;
		u = &side->units[side->nr_units++];
		u->sym = sym;
		u->kind = unit_kind(sym);
		side->by_sym[sym->index] = u;
	}
	return fill_names(side, err);
}

void diff_side_release(struct diff_side *side)
{
	free(side->units);
	free(side->by_sym);
	free(side->names);
	free(side->anchors);
}

void diff_twin(struct unit *a, struct unit *b)
{
	a->twin = b;
	b->twin = a;
}

/* ---- groups of one normalized name --------------------------------------- */

static struct group *find_group(struct diff_ctx *ctx, const char *norm)
{
	size_t mask = ctx->nr_slots - 1, i = str_hash(norm) & mask;

	for (;; i = (i + 1) & mask) {
		uint32_t g = ctx->slots[i];

		if (!g) {
			struct group *grp = &ctx->groups[ctx->nr_groups++];

			grp->norm = norm;
			ctx->slots[i] = (uint32_t)ctx->nr_groups;
			return grp;
		}
		if (!strcmp(ctx->groups[g - 1].norm, norm))
			return &ctx->groups[g - 1];
	}
}

static int build_groups(struct diff_ctx *ctx)
{
	size_t nr = ctx->side[0].nr_units + ctx->side[1].nr_units;

	ctx->nr_slots = 64;
	while (ctx->nr_slots < nr * 2)
		ctx->nr_slots *= 2;
	if (nr >= UINT32_MAX / 2)
		return ipbp_error(ctx->err, "too many symbols");
	ctx->slots = calloc(ctx->nr_slots, sizeof(*ctx->slots));
	ctx->groups = calloc(nr + 1, sizeof(*ctx->groups));
	if (!ctx->slots || !ctx->groups)
		return ipbp_error(ctx->err, "out of memory");
	for (int s = 0; s < 2; s++) {
		/* Backwards, so that each list keeps symbol order. */
		for (size_t i = ctx->side[s].nr_units; i-- > 0;) {
			struct unit *u = &ctx->side[s].units[i];
			struct group *g = find_group(ctx, u->norm);

			u->group = (uint32_t)(g - ctx->groups);
			u->group_next = g->head[s];
			g->head[s] = u;
			g->n[s]++;
		}
	}
	return 0;
}

static bool is_ambiguous(const struct diff_ctx *ctx, const struct unit *u)
{
	const struct group *g = &ctx->groups[u->group];

	return g->n[0] != 1 || g->n[1] != 1;
}

static int kind_class(const struct unit *u)
{
	return u->kind == SYMK_FUNC ? 0 : u->kind == SYMK_TLS ? 2 : 1;
}

/* Passes 1 and 2. */
int diff_correlate_symbols(struct diff_ctx *ctx)
{
	struct diff_side *old = &ctx->side[0], *new = &ctx->side[1];

	if (build_groups(ctx) < 0)
		return -1;
	for (size_t i = 0; i < ctx->nr_groups; i++) {
		struct group *g = &ctx->groups[i];

		if (g->n[0] == 1 && g->n[1] == 1)
			diff_twin(g->head[0], g->head[1]);
	}
	for (size_t i = 0; i < new->nr_units; i++) {
		struct unit *n = &new->units[i], *o;
		struct symbol *sym;

		if (n->twin || n->sym->bind == BIND_LOCAL)
			continue;
		sym = obj_find_symbol(old->obj, n->sym->name);
		o = sym && sym->index < old->obj->nr_symbols ? old->by_sym[sym->index] : NULL;
		if (o && !o->twin && o->sym->bind != BIND_LOCAL && o->group == n->group)
			diff_twin(o, n);
	}
	return 0;
}

/* ---- pass 3: static locals through their referencing function ------------ */

/* The unit a relocation of side s points at, or NULL. */
static struct unit *target_unit(struct diff_ctx *ctx, int s, const struct reloc *r)
{
	struct ref ref;

	if (!r->target)
		return NULL;
	diff_classify(&ctx->side[s], r->target, r->target_offset, &ref);
	return ref.type == REF_UNIT ? ref.unit : NULL;
}

/* An uncorrelated new unit of x's group and class that n refers to. */
static struct unit *find_referenced_twin(struct diff_ctx *ctx, const struct unit *n,
					 const struct unit *x)
{
	struct reloc **relocs;
	size_t nr;

	if (!n->sym->sec)
		return NULL;
	relocs = diff_relocs_in(n->sym->sec, n->sym->offset, n->sym->size, &nr);
	for (size_t i = 0; i < nr; i++) {
		struct unit *y = target_unit(ctx, 1, relocs[i]);

		if (y && !y->twin && y->group == x->group && kind_class(y) == kind_class(x))
			return y;
	}
	return NULL;
}

/* One round over the correlated units; returns how many twins it made. */
static size_t correlate_statics_round(struct diff_ctx *ctx)
{
	struct diff_side *new = &ctx->side[1];
	size_t made = 0;

	for (size_t i = 0; i < new->nr_units; i++) {
		struct unit *n = &new->units[i], *o = n->twin, *y;
		struct reloc **relocs;
		size_t nr;

		if (!o || !o->sym->sec)
			continue;
		relocs = diff_relocs_in(o->sym->sec, o->sym->offset, o->sym->size, &nr);
		for (size_t j = 0; j < nr; j++) {
			struct unit *x = target_unit(ctx, 0, relocs[j]);

			if (!x || x->twin || !is_ambiguous(ctx, x) || x->tried == i + 1)
				continue;
			x->tried = (uint32_t)(i + 1);
			if ((y = find_referenced_twin(ctx, n, x))) {
				diff_twin(x, y);
				made++;
			}
		}
	}
	return made;
}

/*
 * Whether some group has an uncorrelated unit on each side: a round only
 * pairs two such units, so without one it would read every relocation of
 * every function for nothing.  Returns 1, 0, or -1 out of memory.
 */
static int has_open_group(struct diff_ctx *ctx)
{
	uint8_t *open = calloc(ctx->nr_groups + 1, 1);
	int ret = 0;

	if (!open)
		return ipbp_error(ctx->err, "out of memory");
	for (int s = 0; s < 2; s++)
		for (size_t i = 0; i < ctx->side[s].nr_units; i++) {
			const struct unit *u = &ctx->side[s].units[i];

			if (!u->twin && u->group < ctx->nr_groups)
				open[u->group] |= 1u << s;
		}
	for (size_t i = 0; i < ctx->nr_groups && !ret; i++)
		ret = open[i] == 3;
	free(open);
	return ret;
}

int diff_correlate_statics(struct diff_ctx *ctx)
{
	for (int round = 0; round < 4; round++) {
		int open = has_open_group(ctx);

		if (open < 0)
			return -1;
		if (!open || !correlate_statics_round(ctx))
			break;
	}
	return 0;
}

/* ---- pass 4: the rest of each name ---------------------------------------- */

#define MATCH_SCAN 64	/* candidates looked at per unit, against n*n */

static bool same_file(const struct unit *a, const struct unit *b)
{
	const char *fa = a->sym->file, *fb = b->sym->file;

	return fa == fb || (fa && fb && !strcmp(fa, fb));
}

static bool match_spelling(const struct unit *o, const struct unit *n)
{
	return same_file(o, n) && !strcmp(o->sym->name, n->sym->name);
}

static bool match_file(const struct unit *o, const struct unit *n)
{
	return o->sym->file && same_file(o, n);
}

static void match_group(struct group *g, bool (*match)(const struct unit *, const struct unit *))
{
	for (struct unit *n = g->head[1]; n; n = n->group_next) {
		size_t scanned = 0;

		if (n->twin)
			continue;
		for (struct unit *o = g->head[0]; o && scanned < MATCH_SCAN; o = o->group_next) {
			if (o->twin)
				continue;
			scanned++;
			if (kind_class(o) == kind_class(n) && match(o, n)) {
				diff_twin(o, n);
				break;
			}
		}
	}
}

/* In symbol order within each kind class: linear, one cursor per class. */
static void match_group_in_order(struct group *g)
{
	struct unit *cursor[3] = { g->head[0], g->head[0], g->head[0] };

	for (struct unit *n = g->head[1]; n; n = n->group_next) {
		int c = kind_class(n);
		struct unit *o = cursor[c];

		if (n->twin)
			continue;
		while (o && (o->twin || kind_class(o) != c))
			o = o->group_next;
		if (!o) {
			cursor[c] = NULL;
			continue;
		}
		diff_twin(o, n);
		cursor[c] = o->group_next;
	}
}

int diff_correlate_leftovers(struct diff_ctx *ctx)
{
	for (size_t i = 0; i < ctx->nr_groups; i++) {
		struct group *g = &ctx->groups[i];

		if (!g->head[0] || !g->head[1] || (g->n[0] == 1 && g->n[1] == 1))
			continue;
		match_group(g, match_spelling);
		match_group(g, match_file);
		match_group_in_order(g);
	}
	return 0;
}

/* ---- split parts ----------------------------------------------------------- */

/* Where the last ".cold" / ".part" component of name starts, or NULL. */
static const char *part_suffix(const char *name)
{
	const char *found = NULL;

	for (const char *p = strchr(name, '.'); p; p = strchr(p + 1, '.')) {
		if (p == name)
			continue;
		if ((!strncmp(p, ".cold", 5) && (p[5] == '.' || !p[5])) ||
		    (!strncmp(p, ".part", 5) && (p[5] == '.' || !p[5])))
			found = p;
	}
	return found;
}

static struct unit *find_parent(struct diff_side *side, const struct unit *u)
{
	const char *name = u->sym->name, *suffix = part_suffix(name);
	struct symbol *sym;
	char buf[512];
	size_t len;

	if (!suffix || u->kind != SYMK_FUNC)
		return NULL;
	len = (size_t)(suffix - name);
	if (len >= sizeof(buf))
		return NULL;
	memcpy(buf, name, len);
	buf[len] = '\0';
	sym = obj_find_symbol(side->obj, buf);
	if (!sym || sym->index >= side->obj->nr_symbols)
		return NULL;
	return side->by_sym[sym->index];
}

/* Links each part of a side to its root (the parent that is no part). */
void diff_find_parts(struct diff_side *side)
{
	for (size_t i = 0; i < side->nr_units; i++) {
		struct unit *u = &side->units[i], *p = find_parent(side, u);

		if (p && p != u && p->kind == SYMK_FUNC)
			u->root = p;
	}
	for (size_t i = 0; i < side->nr_units; i++) {
		struct unit *u = &side->units[i], *r = u->root;

		for (int depth = 0; r && r->root && depth < 8; depth++)
			r = r->root;
		if (r && r->root)	/* a cycle: no parent */
			r = NULL;
		u->root = r == u ? NULL : r;
	}
}
