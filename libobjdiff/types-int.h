/* SPDX-License-Identifier: MIT */
/*
 * types-int.h - the type table of one object, shared by the DWARF reader
 * (types-dwarf.c), the comparison (types.c) and the report writers.  Not
 * installed.
 *
 * Types are keyed by "KIND NAME" ("struct session", "typedef sess_t").  A
 * reference from a member, variable or function to a named type is a
 * struct tref: the key and whether it holds the type by value or only
 * through pointers.
 */
#ifndef IPBP_TYPES_INT_H
#define IPBP_TYPES_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "obj.h"
#include "types.h"
#include "util-int.h"

/* Strings and arrays that live as long as the table or report. */
struct type_arena;
void *tarena_alloc(struct type_arena **a, size_t size);
const char *tarena_strdup(struct type_arena **a, const char *s);
const char *tarena_printf(struct type_arena **a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void tarena_free(struct type_arena *a);

enum tuse { TUSE_NONE, TUSE_POINTER, TUSE_VALUE };	/* ordered: VALUE wins */

struct tref {
	const char *key;
	enum tuse use;
};

struct tref_list {
	struct tref *v;
	size_t nr, cap;
};

struct tmember {
	const char *name;	/* anonymous members' members are flattened */
	uint64_t offset;	/* bytes */
	uint64_t bit_size, bit_offset;	/* 0, 0 unless a bit field; then
					 * its first bit from the start of
					 * the type, and offset = that / 8 */
	const char *type;	/* "long", "struct inner", "char *[8]" */
};

struct tenumerator {
	const char *name;
	int64_t value;
};

struct ttype {
	const char *key;	/* "struct session" */
	const char *kind;	/* "struct", "union", "class", "enum", "typedef" */
	const char *name;
	bool complete;		/* a definition, not a declaration */
	const char *layout;	/* typedef: its target ("long", "struct s");
				 * for a typedef of an anonymous aggregate
				 * "struct", "union" or "enum", with members */
	uint64_t size;
	struct tmember *members;
	size_t nr_members, cap_members;
	struct tenumerator *enums;
	size_t nr_enums, cap_enums;
	struct tref_list refs;	/* named types it holds */
};

struct tuser {
	const char *name;	/* "f", "count (static in f)" */
	bool is_func;
	bool is_decl;		/* an extern declaration: storage elsewhere */
	struct tref_list refs;
};

struct type_table {
	bool has_dwarf;
	struct ttype *types;
	size_t nr_types, cap_types;
	size_t *hash;		/* index + 1 by key; 0 empty */
	size_t hash_size;
	struct tuser *users;
	size_t nr_users, cap_users;
	struct type_arena *arena;
};

/* Reads obj's DWARF into table (has_dwarf false when there is none). */
int types_read(struct type_table *table, const struct obj *obj, struct ipbp_err *err);
void type_table_release(struct type_table *table);

struct ttype *types_find(const struct type_table *table, const char *key);
/* The type of key, added (zeroed but for key, kind, name) if new. */
struct ttype *types_intern(struct type_table *table, const char *kind, const char *name);
int tref_add(struct tref_list *l, const char *key, enum tuse use);
int tref_add_all(struct tref_list *l, const struct tref_list *from, enum tuse cap);

/* True when in's symbol i is to be patched (types.c). */
bool types_is_patched(const struct types_input *in, size_t i);

/* The heuristic without debug info (types-guess.c). */
int types_guess(struct type_report *rep, const struct types_input *in, struct ipbp_err *err);


#endif
