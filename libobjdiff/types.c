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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "types-int.h"

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

/* A set of strings (not owned), open addressing. */
struct strset {
	const char **v;
	size_t size, nr;
};

static bool strset_has(const struct strset *set, const char *s)
{
	if (!set->size)
		return false;
	for (size_t i = str_hash(s) & (set->size - 1); set->v[i]; i = (i + 1) & (set->size - 1))
		if (!strcmp(set->v[i], s))
			return true;
	return false;
}

static int strset_add(struct strset *set, const char *s)
{
	if (strset_has(set, s))
		return 0;
	if ((set->nr + 1) * 2 > set->size) {
		struct strset big = { .size = set->size ? set->size * 2 : 64 };

		if (!(big.v = calloc(big.size, sizeof(*big.v))))
			return -1;
		for (size_t i = 0; i < set->size; i++)
			if (set->v[i])
				strset_add(&big, set->v[i]);
		free(set->v);
		*set = big;
	}
	size_t i = str_hash(s) & (set->size - 1);

	while (set->v[i])
		i = (i + 1) & (set->size - 1);
	set->v[i] = s;
	set->nr++;
	return 0;
}

/*
 * Who holds each type of a new table, the reverse of the references:
 * holders of type y are v[off[y] .. off[y + 1]), other types and users.
 */
struct holder {
	uint32_t from;		/* a type index, or a user index */
	bool user;
	enum tuse use;
};

struct pair_state {
	const struct types_input *in;
	struct type_table old, new;
	size_t nr_patched;
	bool checked;		/* both sides have DWARF */
	/* Over the new table, once checked (index_pair()). */
	int8_t *role;		/* per user: enum type_user_role, or -1 */
	size_t *off;
	struct holder *holders;
};

struct checker {
	struct type_report *rep;
	struct pair_state *ps;
	size_t nr;
	struct strset reported;	/* keys of the types reported */
	struct ipbp_err *err;
};

bool types_is_patched(const struct types_input *in, size_t i)
{
	const struct diff_symbol *ds = &in->pair->syms[i];

	if (in->patched)
		return in->patched[i];
	return ds->status == DIFF_CHANGED || ds->status == DIFF_ADDED;
}

static bool patches_pair(const struct types_input *in)
{
	for (size_t k = 0; in->pair->new && k < in->pair->nr_syms; k++)
		if (types_is_patched(in, k))
			return true;
	return false;
}

/* The DWARF spellings of the pair's patched functions into set. */
static int collect_patched(struct checker *c, struct pair_state *p, struct strset *set)
{
	const struct diff_pair *pair = p->in->pair;
	char buf[512];

	for (size_t i = 0; i < pair->nr_syms; i++) {
		const char *name;

		if (!types_is_patched(p->in, i) || pair->syms[i].kind != SYMK_FUNC)
			continue;
		name = tarena_strdup(&c->rep->arena,
				     dwarf_spelling(pair->new, pair->syms[i].name, buf, sizeof(buf)));
		if (!name || strset_add(set, name) < 0)
			return ipbp_error(c->err, "out of memory");
		p->nr_patched++;
	}
	return 0;
}

/*
 * The role of each user of the new table, or -1 when it does not count: a
 * function neither patched nor running (not in the old object), data the
 * patch adds.
 */
static int assign_roles(struct checker *c, struct pair_state *p, const struct strset *patched)
{
	struct strset old_funcs = { 0 }, old_data = { 0 };
	int ret = 0;

	for (size_t i = 0; i < p->old.nr_users && !ret; i++)
		ret = strset_add(p->old.users[i].is_func ? &old_funcs : &old_data,
				 p->old.users[i].name);
	p->role = calloc(p->new.nr_users + 1, sizeof(*p->role));
	if (ret < 0 || !p->role) {
		ret = ipbp_error(c->err, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < p->new.nr_users; i++) {
		const struct tuser *u = &p->new.users[i];

		if (u->is_func)
			p->role[i] = strset_has(patched, u->name) ? TU_PATCHED :
				     strset_has(&old_funcs, u->name) ? TU_UNCHANGED : -1;
		else
			p->role[i] = u->is_decl || strset_has(&old_data, u->name) ? TU_DATA : -1;
	}
out:
	free(old_funcs.v);
	free(old_data.v);
	return ret;
}

static const struct tref_list *refs_of(const struct type_table *t, size_t x)
{
	return x < t->nr_types ? &t->types[x].refs : &t->users[x - t->nr_types].refs;
}

/* The holders of every type of p's new table (the references reversed). */
static int index_holders(struct checker *c, struct pair_state *p)
{
	const struct type_table *t = &p->new;
	size_t n = t->nr_types + t->nr_users, total = 0, *fill;

	p->off = calloc(t->nr_types + 2, sizeof(*p->off));
	fill = calloc(t->nr_types + 1, sizeof(*fill));
	if (!p->off || !fill)
		goto oom;
	for (size_t x = 0; x < n; x++) {
		const struct tref_list *l = refs_of(t, x);

		for (size_t k = 0; k < l->nr; k++) {
			const struct ttype *y = types_find(t, l->v[k].key);

			if (y) {
				p->off[y - t->types + 1]++;
				total++;
			}
		}
	}
	for (size_t y = 0; y < t->nr_types; y++)
		p->off[y + 1] += p->off[y];
	p->holders = calloc(total + 1, sizeof(*p->holders));
	if (!p->holders)
		goto oom;
	for (size_t x = 0; x < n; x++) {
		const struct tref_list *l = refs_of(t, x);

		for (size_t k = 0; k < l->nr; k++) {
			const struct ttype *y = types_find(t, l->v[k].key);
			size_t yi;

			if (!y)
				continue;
			yi = (size_t)(y - t->types);
			p->holders[p->off[yi] + fill[yi]++] = (struct holder){
				.from = (uint32_t)(x < t->nr_types ? x : x - t->nr_types),
				.user = x >= t->nr_types, .use = l->v[k].use };
		}
	}
	free(fill);
	return 0;
oom:
	free(fill);
	return ipbp_error(c->err, "out of memory");
}

/* ---- comparison ------------------------------------------------------------- */

static int add_delta(struct checker *c, struct type_change *tc, size_t *cap,
		     enum type_delta_kind kind, const char *member, const char *old,
		     const char *new)
{
	struct type_arena **A = &c->rep->arena;

	if (array_grow((void **)&tc->deltas, cap, tc->nr_deltas + 1, sizeof(*tc->deltas)) < 0)
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

static enum tuse weaker(enum tuse a, enum tuse b)
{
	return a < b ? a : b;
}

/*
 * How each type and user of p's new table holds type ti: a walk back over
 * the holders from ti.  A type is queued at most twice (reached through a
 * pointer, then by value), so the walk is linear in the references.
 */
static int reach(struct checker *c, const struct pair_state *p, size_t ti,
		 enum tuse *mode, enum tuse *user_mode)
{
	const struct type_table *t = &p->new;
	uint32_t *queue = malloc((2 * t->nr_types + 1) * sizeof(*queue));
	size_t head = 0, tail = 0;

	if (!queue)
		return ipbp_error(c->err, "out of memory");
	mode[ti] = TUSE_VALUE;
	queue[tail++] = (uint32_t)ti;
	while (head < tail) {
		uint32_t y = queue[head++];

		for (size_t h = p->off[y]; h < p->off[y + 1]; h++) {
			const struct holder *x = &p->holders[h];
			enum tuse m = weaker(x->use, mode[y]);
			enum tuse *slot = x->user ? &user_mode[x->from] : &mode[x->from];

			if (m <= *slot)
				continue;
			*slot = m;
			if (!x->user && tail < 2 * t->nr_types + 1)
				queue[tail++] = x->from;
		}
	}
	free(queue);
	return 0;
}

static int add_user_entry(struct checker *c, struct type_change *tc, size_t *cap,
			  const struct type_user *u)
{
	if (array_grow((void **)&tc->users, cap, tc->nr_users + 1, sizeof(*u)) < 0)
		return ipbp_error(c->err, "out of memory");
	tc->users[tc->nr_users++] = *u;
	return 0;
}

/* The users in p of the type key, in the table's order, into tc. */
static int find_users_in(struct checker *c, const struct pair_state *p, struct type_change *tc,
			 size_t *cap, const char *key)
{
	const struct type_table *t = &p->new;
	const struct ttype *here = types_find(t, key);
	enum tuse *mode, *user_mode;
	int ret = 0;

	if (!here)
		return 0;	/* nothing here refers to it */
	mode = calloc(t->nr_types + 1, sizeof(*mode));
	user_mode = calloc(t->nr_users + 1, sizeof(*user_mode));
	if (!mode || !user_mode)
		ret = ipbp_error(c->err, "out of memory");
	else
		ret = reach(c, p, (size_t)(here - t->types), mode, user_mode);
	for (size_t i = 0; i < t->nr_users && !ret; i++) {
		struct type_user tu = { .object = p->in->pair->new_name };

		if (!user_mode[i] || p->role[i] < 0)
			continue;
		tu.name = tarena_strdup(&c->rep->arena, t->users[i].name);
		if (!tu.name) {
			ret = ipbp_error(c->err, "out of memory");
			break;
		}
		tu.role = (enum type_user_role)p->role[i];
		tu.pointer = user_mode[i] == TUSE_POINTER;
		tu.opaque = !here->complete;
		tu.blocks = tu.role == TU_DATA ||
			    (tu.role == TU_UNCHANGED && (!tu.pointer || !tu.opaque));
		tc->unsafe |= tu.blocks;
		ret = add_user_entry(c, tc, cap, &tu);
	}
	free(mode);
	free(user_mode);
	return ret;
}

/* The users of the type key in every pair with DWARF. */
static int find_users(struct checker *c, struct type_change *tc, const char *key)
{
	size_t cap = 0;

	for (size_t j = 0; j < c->nr; j++)
		if (c->ps[j].checked && find_users_in(c, &c->ps[j], tc, &cap, key) < 0)
			return -1;
	return 0;
}

static bool has_patched_user(const struct type_change *tc)
{
	for (size_t i = 0; i < tc->nr_users; i++)
		if (tc->users[i].role == TU_PATCHED)
			return true;
	return false;
}

static void change_release(struct type_change *tc)
{
	free(tc->deltas);
	free(tc->users);
}

/* Every type that a checked, patched pair changed, into rep->changes
 * (users not looked for yet), its key into (*keys)[same index]. */
static int collect_changes(struct checker *c, const char ***keys)
{
	struct type_report *rep = c->rep;
	size_t cap_keys = 0;

	for (size_t j = 0; j < c->nr; j++) {
		const struct pair_state *p = &c->ps[j];

		for (size_t i = 0; p->checked && p->nr_patched && i < p->new.nr_types; i++) {
			const struct ttype *n = &p->new.types[i], *o = types_find(&p->old, n->key);
			struct type_change tc = { .old_name = p->in->pair->old_name,
						  .new_name = p->in->pair->new_name };
			int r;

			if (!n->complete || !o || !o->complete)
				continue;
			r = compare_type(c, &tc, o, n);
			if (r < 0 || !tc.nr_deltas) {
				change_release(&tc);
				if (r < 0)
					return -1;
				continue;
			}
			if (array_grow((void **)&rep->changes, &rep->cap_changes,
				       rep->nr_changes + 1, sizeof(tc)) < 0 ||
			    array_grow((void **)keys, &cap_keys, rep->nr_changes + 1,
				       sizeof(**keys)) < 0) {
				change_release(&tc);
				return ipbp_error(c->err, "out of memory");
			}
			(*keys)[rep->nr_changes] = n->key;
			rep->changes[rep->nr_changes++] = tc;
		}
	}
	return 0;
}

/* The users of each change; kept are those the patch reaches, each type
 * once (the first pair that changed it). */
static int judge_changes(struct checker *c, const char **keys)
{
	struct type_report *rep = c->rep;
	size_t kept = 0;
	int ret = 0;

	for (size_t i = 0; i < rep->nr_changes; i++) {
		struct type_change tc = rep->changes[i];
		bool keep = false;

		if (ret == 0 && !strset_has(&c->reported, keys[i])) {
			ret = find_users(c, &tc, keys[i]);
			keep = ret == 0 && has_patched_user(&tc);
		}
		if (!keep) {
			change_release(&tc);
			continue;
		}
		rep->changes[kept++] = tc;
		rep->nr_unsafe += tc.unsafe;
		if (strset_add(&c->reported, keys[i]) < 0)
			ret = ipbp_error(c->err, "out of memory");
	}
	rep->nr_changes = kept;
	return ret;
}

/* ---- the driver ------------------------------------------------------------------ */

static int read_pair(struct checker *c, struct pair_state *p)
{
	const struct diff_pair *pair = p->in->pair;
	struct type_report *rep = c->rep;
	struct strset patched = { 0 };
	int ret;

	/* pairs that did not change are read too: their functions may be
	 * unchanged users of a type another pair changed */
	if (!pair->old || !pair->new)
		return 0;
	if (types_read(&p->old, pair->old, c->err) < 0 ||
	    types_read(&p->new, pair->new, c->err) < 0 || collect_patched(c, p, &patched) < 0)
		goto fail;
	p->checked = p->old.has_dwarf && p->new.has_dwarf;
	if (p->checked) {
		ret = assign_roles(c, p, &patched) < 0 || index_holders(c, p) < 0 ? -1 : 0;
		free(patched.v);
		return ret;
	}
	free(patched.v);
	if (!p->nr_patched)
		return 0;
	if (array_grow((void **)&rep->no_debug, &rep->cap_no_debug, rep->nr_no_debug + 1,
		       sizeof(*rep->no_debug)) < 0)
		return ipbp_error(c->err, "out of memory");
	rep->no_debug[rep->nr_no_debug++] = pair->new_name;
	return types_guess(rep, p->in, c->err);
fail:
	free(patched.v);
	return -1;
}

int types_check(struct type_report *rep, const struct types_input *inputs, size_t nr,
		struct ipbp_err *err)
{
	struct checker c = { .rep = rep, .nr = nr, .err = err };
	const char **keys = NULL;
	int ret = -1;

	memset(rep, 0, sizeof(*rep));
	c.ps = calloc(nr + 1, sizeof(*c.ps));
	if (!c.ps)
		return ipbp_error(err, "out of memory");
	/* The patched pairs first.  The others can only hold unchanged users
	 * of a changed type: their DWARF is read when there is one. */
	for (size_t i = 0; i < nr; i++) {
		c.ps[i].in = &inputs[i];
		if (patches_pair(&inputs[i]) && read_pair(&c, &c.ps[i]) < 0)
			goto out;
	}
	if (collect_changes(&c, &keys) < 0)
		goto out;
	for (size_t i = 0; rep->nr_changes && i < nr; i++)
		if (!patches_pair(&inputs[i]) && read_pair(&c, &c.ps[i]) < 0)
			goto out;
	if (judge_changes(&c, keys) < 0)
		goto out;
	ret = 0;
out:
	for (size_t i = 0; i < nr; i++) {
		type_table_release(&c.ps[i].old);
		type_table_release(&c.ps[i].new);
		free(c.ps[i].role);
		free(c.ps[i].off);
		free(c.ps[i].holders);
	}
	free(c.ps);
	free(keys);
	free(c.reported.v);
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
