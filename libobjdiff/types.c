// SPDX-License-Identifier: MIT
/*
 * types.c - types_check(): the type tables of every pair compared, and the
 * users of each changed type judged (types.h).
 *
 * The rule for users (doc/objdiff.5, TYPE REPORT):
 *
 *   - a patched function may use a changed type in any way: it is built
 *     against the new layout;
 *   - an unchanged function that holds the type by value (a parameter, a
 *     local, a return value, or inside another type held by value) keeps
 *     running with the old layout: unsafe;
 *   - an unchanged function that reaches the type only through pointers is
 *     unsafe where the type is complete in its unit, since nothing in an
 *     object says whether the code dereferences the pointer; where the
 *     type is only declared (an opaque handle) the compiler cannot have
 *     used the layout, so the use is allowed;
 *   - existing data (a variable the old object has, an extern declaration,
 *     a function-scope static) that reaches the type, by value or through
 *     a pointer, holds objects laid out the old way: unsafe.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "types-int.h"

/* ---- arena ------------------------------------------------------------------ */

struct type_arena {
	struct type_arena *next;
	size_t used, size;
	max_align_t data[];
};

void *tarena_alloc(struct type_arena **a, size_t size)
{
	struct type_arena *c = *a;
	size_t need = (size + 15) & ~(size_t)15;

	if (!c || c->size - c->used < need) {
		size_t chunk = need > 16384 ? need : 16384;

		c = malloc(sizeof(*c) + chunk);
		if (!c)
			return NULL;
		c->next = *a;
		c->used = 0;
		c->size = chunk;
		*a = c;
	}
	c->used += need;
	return (char *)c->data + c->used - need;
}

const char *tarena_strdup(struct type_arena **a, const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = tarena_alloc(a, n);

	return p ? memcpy(p, s, n) : NULL;
}

const char *tarena_printf(struct type_arena **a, const char *fmt, ...)
{
	va_list ap;
	char buf[256], *p;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		return NULL;
	p = tarena_alloc(a, (size_t)n + 1);
	if (!p)
		return NULL;
	if ((size_t)n < sizeof(buf)) {
		memcpy(p, buf, (size_t)n + 1);
	} else {
		va_start(ap, fmt);
		vsnprintf(p, (size_t)n + 1, fmt, ap);
		va_end(ap);
	}
	return p;
}

void tarena_free(struct type_arena *a)
{
	while (a) {
		struct type_arena *next = a->next;

		free(a);
		a = next;
	}
}

int types_grow(void **v, size_t *cap, size_t need, size_t elem)
{
	size_t ncap;
	void *p;

	if (need <= *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 8;
	while (ncap < need)
		ncap *= 2;
	p = realloc(*v, ncap * elem);
	if (!p)
		return -1;
	*v = p;
	*cap = ncap;
	return 0;
}

/* ---- the table ----------------------------------------------------------------- */

int tref_add(struct tref_list *l, const char *key, enum tuse use)
{
	if (!key)
		return -1;
	for (size_t i = 0; i < l->nr; i++)
		if (!strcmp(l->v[i].key, key)) {
			if (use > l->v[i].use)
				l->v[i].use = use;
			return 0;
		}
	if (types_grow((void **)&l->v, &l->cap, l->nr + 1, sizeof(*l->v)) < 0)
		return -1;
	l->v[l->nr].key = key;
	l->v[l->nr++].use = use;
	return 0;
}

/* Adds from's references, each held at most as strongly as cap. */
int tref_add_all(struct tref_list *l, const struct tref_list *from, enum tuse cap)
{
	for (size_t i = 0; i < from->nr; i++)
		if (tref_add(l, from->v[i].key, from->v[i].use < cap ? from->v[i].use : cap) < 0)
			return -1;
	return 0;
}

static size_t hash_str(const char *s)
{
	size_t h = 5381;

	while (*s)
		h = h * 33 + (unsigned char)*s++;
	return h;
}

struct ttype *types_find(const struct type_table *t, const char *key)
{
	if (!t->hash_size)
		return NULL;
	for (size_t i = hash_str(key) & (t->hash_size - 1); t->hash[i];
	     i = (i + 1) & (t->hash_size - 1))
		if (!strcmp(t->types[t->hash[i] - 1].key, key))
			return &t->types[t->hash[i] - 1];
	return NULL;
}

static int rehash(struct type_table *t)
{
	size_t size = t->hash_size ? t->hash_size * 2 : 64;
	size_t *hash = calloc(size, sizeof(*hash));

	if (!hash)
		return -1;
	for (size_t k = 0; k < t->nr_types; k++) {
		size_t i = hash_str(t->types[k].key) & (size - 1);

		while (hash[i])
			i = (i + 1) & (size - 1);
		hash[i] = k + 1;
	}
	free(t->hash);
	t->hash = hash;
	t->hash_size = size;
	return 0;
}

struct ttype *types_intern(struct type_table *t, const char *kind, const char *name)
{
	const char *key = tarena_printf(&t->arena, "%s %s", kind, name);
	struct ttype *found;
	size_t i;

	if (!key)
		return NULL;
	if ((found = types_find(t, key)))
		return found;
	if (types_grow((void **)&t->types, &t->cap_types, t->nr_types + 1,
		       sizeof(*t->types)) < 0)
		return NULL;
	if ((t->nr_types + 1) * 2 > t->hash_size && rehash(t) < 0)
		return NULL;
	found = &t->types[t->nr_types++];
	memset(found, 0, sizeof(*found));
	found->key = key;
	found->kind = kind;
	found->name = name;
	for (i = hash_str(key) & (t->hash_size - 1); t->hash[i]; i = (i + 1) & (t->hash_size - 1))
		;
	t->hash[i] = t->nr_types;
	return found;
}

void type_table_release(struct type_table *t)
{
	for (size_t i = 0; i < t->nr_types; i++) {
		free(t->types[i].members);
		free(t->types[i].enums);
		free(t->types[i].refs.v);
	}
	for (size_t i = 0; i < t->nr_users; i++)
		free(t->users[i].refs.v);
	free(t->types);
	free(t->hash);
	free(t->users);
	tarena_free(t->arena);
	memset(t, 0, sizeof(*t));
}

/* ---- names: symbols of the patch against DWARF names ---------------------- */

/* A symbol's name as DWARF spells it: the "_" prefix of Mach-O and i386
 * COFF dropped, compiler suffixes (".constprop.0", ".cold") cut. */
static const char *dwarf_spelling(const struct obj *obj, const char *name, char *buf,
				  size_t size)
{
	const char *dot;
	size_t n;

	if (obj && (obj->format == FORMAT_MACHO ||
		    (obj->format == FORMAT_COFF && obj->arch == ARCH_I386)) && name[0] == '_')
		name++;
	dot = strchr(name, '.');
	n = dot && dot != name ? (size_t)(dot - name) : strlen(name);
	if (n >= size)
		n = size - 1;
	memcpy(buf, name, n);
	buf[n] = '\0';
	return buf;
}

struct pair_state {
	const struct types_input *in;
	struct type_table old, new;
	const char **patched;	/* DWARF spellings of patched functions */
	size_t nr_patched;
	bool checked;		/* both sides have DWARF */
};

struct checker {
	struct type_report *rep;
	struct pair_state *ps;
	size_t nr;
	struct ipbp_err *err;
};

static bool is_patched_symbol(const struct types_input *in, size_t i)
{
	const struct diff_symbol *ds = &in->pair->syms[i];

	if (in->patched)
		return in->patched[i];
	return ds->status == DIFF_CHANGED || ds->status == DIFF_ADDED;
}

static int collect_patched(struct checker *c, struct pair_state *p)
{
	const struct diff_pair *pair = p->in->pair;
	char buf[512];

	p->patched = calloc(pair->nr_syms + 1, sizeof(*p->patched));
	if (!p->patched)
		return ipbp_error(c->err, "out of memory");
	for (size_t i = 0; i < pair->nr_syms; i++) {
		if (!is_patched_symbol(p->in, i) || pair->syms[i].kind != SYMK_FUNC)
			continue;
		p->patched[p->nr_patched] = tarena_strdup(&c->rep->arena,
			dwarf_spelling(pair->new, pair->syms[i].name, buf, sizeof(buf)));
		if (!p->patched[p->nr_patched++])
			return ipbp_error(c->err, "out of memory");
	}
	return 0;
}

static bool in_list(const char *const *v, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i], name))
			return true;
	return false;
}

static bool has_user(const struct type_table *t, const char *name, bool is_func)
{
	for (size_t i = 0; i < t->nr_users; i++)
		if (t->users[i].is_func == is_func && !strcmp(t->users[i].name, name))
			return true;
	return false;
}

/* ---- comparison ------------------------------------------------------------- */

static int add_delta(struct checker *c, struct type_change *tc, size_t *cap,
		     enum type_delta_kind kind, const char *member, const char *old,
		     const char *new)
{
	struct type_arena **A = &c->rep->arena;

	if (types_grow((void **)&tc->deltas, cap, tc->nr_deltas + 1, sizeof(*tc->deltas)) < 0)
		return ipbp_error(c->err, "out of memory");
	/* the report outlives the tables the names come from */
	member = member ? tarena_strdup(A, member) : NULL;
	old = old ? tarena_strdup(A, old) : NULL;
	new = new ? tarena_strdup(A, new) : NULL;
	tc->deltas[tc->nr_deltas++] = (struct type_delta){ kind, member, old, new };
	return 0;
}

static const struct tmember *find_member(const struct ttype *t, const char *name)
{
	for (size_t i = 0; i < t->nr_members; i++)
		if (!strcmp(t->members[i].name, name))
			return &t->members[i];
	return NULL;
}

static const struct tenumerator *find_enumerator(const struct ttype *t, const char *name)
{
	for (size_t i = 0; i < t->nr_enums; i++)
		if (!strcmp(t->enums[i].name, name))
			return &t->enums[i];
	return NULL;
}

#define HEX(v) tarena_printf(A, "%#llx", (unsigned long long)(v))
#define DEC(v) tarena_printf(A, "%lld", (long long)(v))

static int compare_members(struct checker *c, struct type_change *tc, size_t *cap,
			   const struct ttype *o, const struct ttype *n)
{
	struct type_arena **A = &c->rep->arena;
	int ret = 0;

	for (size_t i = 0; i < n->nr_members && !ret; i++) {
		const struct tmember *m = &n->members[i], *was = find_member(o, m->name);

		if (!was) {
			ret = add_delta(c, tc, cap, TD_ADDED, m->name, NULL, HEX(m->offset));
			continue;
		}
		if (was->offset != m->offset)
			ret = add_delta(c, tc, cap, TD_MOVED, m->name, HEX(was->offset),
					HEX(m->offset));
		if (!ret && strcmp(was->type, m->type))
			ret = add_delta(c, tc, cap, TD_RETYPED, m->name, was->type, m->type);
		if (!ret && (was->bit_size != m->bit_size || was->bit_offset != m->bit_offset))
			ret = add_delta(c, tc, cap, TD_BITS, m->name,
					tarena_printf(A, "%llu@%llu",
						      (unsigned long long)was->bit_size,
						      (unsigned long long)was->bit_offset),
					tarena_printf(A, "%llu@%llu",
						      (unsigned long long)m->bit_size,
						      (unsigned long long)m->bit_offset));
	}
	for (size_t i = 0; i < o->nr_members && !ret; i++)
		if (!find_member(n, o->members[i].name))
			ret = add_delta(c, tc, cap, TD_REMOVED, o->members[i].name,
					HEX(o->members[i].offset), NULL);
	return ret;
}

static int compare_enums(struct checker *c, struct type_change *tc, size_t *cap,
			 const struct ttype *o, const struct ttype *n)
{
	struct type_arena **A = &c->rep->arena;
	int ret = 0;

	for (size_t i = 0; i < n->nr_enums && !ret; i++) {
		const struct tenumerator *e = &n->enums[i], *was = find_enumerator(o, e->name);

		if (!was)
			ret = add_delta(c, tc, cap, TD_ENUM_ADDED, e->name, NULL, DEC(e->value));
		else if (was->value != e->value)
			ret = add_delta(c, tc, cap, TD_VALUE, e->name, DEC(was->value),
					DEC(e->value));
	}
	for (size_t i = 0; i < o->nr_enums && !ret; i++)
		if (!find_enumerator(n, o->enums[i].name))
			ret = add_delta(c, tc, cap, TD_ENUM_REMOVED, o->enums[i].name,
					DEC(o->enums[i].value), NULL);
	return ret;
}

/* Fills tc with how o became n; tc->nr_deltas 0 when it did not change. */
static int compare_type(struct checker *c, struct type_change *tc, const struct ttype *o,
			const struct ttype *n)
{
	struct type_arena **A = &c->rep->arena;
	size_t cap = 0;
	bool same_layout = (!o->layout && !n->layout) ||
			   (o->layout && n->layout && !strcmp(o->layout, n->layout));

	tc->kind = n->kind;
	tc->name = tarena_strdup(A, n->name);
	tc->old_size = o->size;
	tc->new_size = n->size;
	if (!same_layout && add_delta(c, tc, &cap, TD_TARGET, NULL,
				      o->layout ? o->layout : "?", n->layout ? n->layout : "?") < 0)
		return -1;
	if (o->size != n->size && add_delta(c, tc, &cap, TD_SIZE, NULL, DEC(o->size),
					    DEC(n->size)) < 0)
		return -1;
	if (compare_members(c, tc, &cap, o, n) < 0)
		return -1;
	return compare_enums(c, tc, &cap, o, n);
}

/* ---- users ------------------------------------------------------------------ */

/* mode[i]: how types[i] holds the type key (TUSE_*), by repeated passes
 * over every reference until nothing changes. */
static enum tuse *reach(const struct type_table *t, const char *key)
{
	enum tuse *mode = calloc(t->nr_types + 1, sizeof(*mode));
	bool changed = true;

	if (!mode)
		return NULL;
	for (size_t pass = 0; changed && pass <= 2 * t->nr_types + 1; pass++) {
		changed = false;
		for (size_t i = 0; i < t->nr_types; i++) {
			const struct ttype *x = &t->types[i];

			if (!strcmp(x->key, key)) {
				changed |= mode[i] != TUSE_VALUE;
				mode[i] = TUSE_VALUE;
				continue;
			}
			for (size_t k = 0; k < x->refs.nr; k++) {
				const struct ttype *y = types_find(t, x->refs.v[k].key);
				enum tuse m = y ? mode[y - t->types] : TUSE_NONE;

				if (m > x->refs.v[k].use)
					m = x->refs.v[k].use;
				if (m > mode[i]) {
					mode[i] = m;
					changed = true;
				}
			}
		}
	}
	return mode;
}

static enum tuse user_reaches(const struct type_table *t, const enum tuse *mode,
			      const struct tuser *u, const char *key)
{
	enum tuse best = TUSE_NONE;

	for (size_t k = 0; k < u->refs.nr; k++) {
		const struct ttype *y = types_find(t, u->refs.v[k].key);
		enum tuse m = !strcmp(u->refs.v[k].key, key) ? TUSE_VALUE :
			      y ? mode[y - t->types] : TUSE_NONE;

		if (m > u->refs.v[k].use)
			m = u->refs.v[k].use;
		if (m > best)
			best = m;
	}
	return best;
}

static int add_user_entry(struct checker *c, struct type_change *tc, size_t *cap,
			  const struct type_user *u)
{
	if (types_grow((void **)&tc->users, cap, tc->nr_users + 1, sizeof(*u)) < 0)
		return ipbp_error(c->err, "out of memory");
	tc->users[tc->nr_users++] = *u;
	return 0;
}

/* The role of a user of the new table of p, or -1 when it does not count:
 * a function neither patched nor running, data the patch adds. */
static int user_role(const struct pair_state *p, const struct tuser *u)
{
	if (u->is_func) {
		if (in_list(p->patched, p->nr_patched, u->name))
			return TU_PATCHED;
		return has_user(&p->old, u->name, true) ? TU_UNCHANGED : -1;
	}
	return u->is_decl || has_user(&p->old, u->name, false) ? TU_DATA : -1;
}

static int find_users(struct checker *c, struct type_change *tc, const char *key)
{
	size_t cap = 0;

	for (size_t j = 0; j < c->nr; j++) {
		const struct pair_state *p = &c->ps[j];
		const struct ttype *here = types_find(&p->new, key);
		enum tuse *mode;

		if (!p->checked)
			continue;
		if (!(mode = reach(&p->new, key)))
			return ipbp_error(c->err, "out of memory");
		for (size_t i = 0; i < p->new.nr_users; i++) {
			const struct tuser *u = &p->new.users[i];
			enum tuse m = user_reaches(&p->new, mode, u, key);
			int role = m ? user_role(p, u) : -1;
			struct type_user tu = { .object = p->in->pair->new_name };

			if (role < 0)
				continue;
			if (!(tu.name = tarena_strdup(&c->rep->arena, u->name))) {
				free(mode);
				return ipbp_error(c->err, "out of memory");
			}
			tu.role = (enum type_user_role)role;
			tu.pointer = m == TUSE_POINTER;
			tu.opaque = !here || !here->complete;
			tu.blocks = role == TU_DATA ||
				    (role == TU_UNCHANGED && (!tu.pointer || !tu.opaque));
			if (add_user_entry(c, tc, &cap, &tu) < 0) {
				free(mode);
				return -1;
			}
			tc->unsafe |= tu.blocks;
		}
		free(mode);
	}
	return 0;
}

static bool has_patched_user(const struct type_change *tc)
{
	for (size_t i = 0; i < tc->nr_users; i++)
		if (tc->users[i].role == TU_PATCHED)
			return true;
	return false;
}

static bool reported(const struct type_report *rep, const struct ttype *t)
{
	for (size_t i = 0; i < rep->nr_changes; i++)
		if (!strcmp(rep->changes[i].kind, t->kind) && !strcmp(rep->changes[i].name, t->name))
			return true;
	return false;
}

static void change_release(struct type_change *tc)
{
	free(tc->deltas);
	free(tc->users);
}

/* Every type that changed in pair p and that the patch reaches. */
static int check_pair_types(struct checker *c, struct pair_state *p)
{
	struct type_report *rep = c->rep;

	for (size_t i = 0; i < p->new.nr_types; i++) {
		const struct ttype *n = &p->new.types[i], *o = types_find(&p->old, n->key);
		struct type_change tc = { .old_name = p->in->pair->old_name,
					  .new_name = p->in->pair->new_name };

		if (!n->complete || !o || !o->complete || reported(rep, n))
			continue;
		if (compare_type(c, &tc, o, n) < 0 ||
		    (tc.nr_deltas && find_users(c, &tc, n->key) < 0)) {
			change_release(&tc);
			return -1;
		}
		if (!tc.nr_deltas || !has_patched_user(&tc)) {
			change_release(&tc);
			continue;
		}
		if (types_grow((void **)&rep->changes, &rep->cap_changes, rep->nr_changes + 1,
			       sizeof(tc)) < 0) {
			change_release(&tc);
			return ipbp_error(c->err, "out of memory");
		}
		rep->changes[rep->nr_changes++] = tc;
		rep->nr_unsafe += tc.unsafe;
	}
	return 0;
}

/* ---- the driver ------------------------------------------------------------------ */

static int read_pair(struct checker *c, struct pair_state *p)
{
	const struct diff_pair *pair = p->in->pair;
	struct type_report *rep = c->rep;

	/* pairs that did not change are read too: their functions may be
	 * unchanged users of a type another pair changed */
	if (!pair->old || !pair->new)
		return 0;
	if (types_read(&p->old, pair->old, c->err) < 0 ||
	    types_read(&p->new, pair->new, c->err) < 0 || collect_patched(c, p) < 0)
		return -1;
	p->checked = p->old.has_dwarf && p->new.has_dwarf;
	if (p->checked || !p->nr_patched)
		return 0;
	if (types_grow((void **)&rep->no_debug, &rep->cap_no_debug, rep->nr_no_debug + 1,
		       sizeof(*rep->no_debug)) < 0)
		return ipbp_error(c->err, "out of memory");
	rep->no_debug[rep->nr_no_debug++] = pair->new_name;
	for (size_t i = 0; i < pair->nr_syms; i++)
		if (is_patched_symbol(p->in, i) && types_guess(rep, pair, &pair->syms[i], c->err) < 0)
			return -1;
	return 0;
}

int types_check(struct type_report *rep, const struct types_input *inputs, size_t nr,
		struct ipbp_err *err)
{
	struct checker c = { .rep = rep, .nr = nr, .err = err };
	int ret = -1;

	memset(rep, 0, sizeof(*rep));
	c.ps = calloc(nr + 1, sizeof(*c.ps));
	if (!c.ps)
		return ipbp_error(err, "out of memory");
	for (size_t i = 0; i < nr; i++) {
		c.ps[i].in = &inputs[i];
		if (read_pair(&c, &c.ps[i]) < 0)
			goto out;
	}
	for (size_t i = 0; i < nr; i++)
		if (c.ps[i].checked && c.ps[i].nr_patched && check_pair_types(&c, &c.ps[i]) < 0)
			goto out;
	ret = 0;
out:
	for (size_t i = 0; i < nr; i++) {
		type_table_release(&c.ps[i].old);
		type_table_release(&c.ps[i].new);
		free(c.ps[i].patched);
	}
	free(c.ps);
	if (ret < 0)
		type_report_release(rep);
	return ret;
}

int types_check_pairs(struct type_report *rep, const struct diff_pair *pairs, size_t nr,
		      struct ipbp_err *err)
{
	struct types_input *in = calloc(nr + 1, sizeof(*in));
	int ret;

	if (!in)
		return ipbp_error(err, "out of memory");
	for (size_t i = 0; i < nr; i++)
		in[i].pair = &pairs[i];
	ret = types_check(rep, in, nr, err);
	free(in);
	return ret;
}

void type_report_release(struct type_report *rep)
{
	for (size_t i = 0; i < rep->nr_changes; i++)
		change_release(&rep->changes[i]);
	free(rep->changes);
	free(rep->guesses);
	free(rep->no_debug);
	tarena_free(rep->arena);
	memset(rep, 0, sizeof(*rep));
}
