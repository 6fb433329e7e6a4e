// SPDX-License-Identifier: MIT
/*
 * types-table.c - the type table of one object (types-int.h): its arena of
 * strings, the types by key, the references between them.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
	if (array_grow((void **)&l->v, &l->cap, l->nr + 1, sizeof(*l->v)) < 0)
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

struct ttype *types_find(const struct type_table *t, const char *key)
{
	if (!t->hash_size)
		return NULL;
	for (size_t i = str_hash(key) & (t->hash_size - 1); t->hash[i];
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
		size_t i = str_hash(t->types[k].key) & (size - 1);

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
	if (array_grow((void **)&t->types, &t->cap_types, t->nr_types + 1,
		       sizeof(*t->types)) < 0)
		return NULL;
	if ((t->nr_types + 1) * 2 > t->hash_size && rehash(t) < 0)
		return NULL;
	found = &t->types[t->nr_types++];
	memset(found, 0, sizeof(*found));
	found->key = key;
	found->kind = kind;
	found->name = name;
	for (i = str_hash(key) & (t->hash_size - 1); t->hash[i]; i = (i + 1) & (t->hash_size - 1))
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
