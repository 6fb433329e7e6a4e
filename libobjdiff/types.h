/* SPDX-License-Identifier: MIT */
/*
 * types.h - type layouts compared between the old and new objects of
 * compared pairs, and who uses each changed type (DESIGN.md §6).
 *
 * New code that reads an object laid out by old code at new offsets
 * corrupts the running process.  types_check() reads the DWARF of both
 * objects of every pair with a patched symbol, and of the other pairs
 * once a type changed (libdwarf, over the sections of our own model, so
 * ELF, Mach-O, COFF and Wasm objects alike) and, in this order:
 *
 *   types_read()          every named struct, union, class, enum and
 *                         typedef (a typedef of an anonymous aggregate
 *                         carries its layout), and the types each
 *                         function and variable uses
 *   compare_types()       per type: kind, byte size, members (name, offset,
 *                         bit field, type by name), enumerators, the
 *                         typedef's target; anonymous members are
 *                         flattened into their parent
 *   find_users()          the functions and data that reach a changed type
 *                         from their parameters, locals, return type or own
 *                         type, by value or only through pointers
 *   judge()               unsafe when an unchanged function uses it by
 *                         value, or through a pointer where the type is
 *                         complete, or when existing data reaches it
 *
 * Only types reachable from a patched symbol are reported.  A pair without
 * DWARF is checked by a heuristic instead (types_guess()): a changed
 * function whose instructions differ only in memory displacements is a
 * probable layout change.
 */
#ifndef IPBP_TYPES_H
#define IPBP_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "diff.h"
#include "error.h"

enum type_user_role {
	TU_PATCHED,		/* a changed or added function (in the patch) */
	TU_UNCHANGED,		/* a function that stays as it runs */
	TU_DATA,		/* an existing variable (defined or extern) */
};

struct type_user {
	const char *name;	/* "session_open", "cache (static in f)" */
	const char *object;	/* the pair's new name */
	enum type_user_role role;
	bool pointer;		/* reached only through pointers */
	bool opaque;		/* the type is incomplete where it is used */
	bool blocks;		/* this use makes the change unsafe */
};

enum type_delta_kind {
	TD_TARGET,		/* a typedef's target (or the kind of the
				 * anonymous aggregate it names) */
	TD_SIZE,
	TD_ADDED,		/* member */
	TD_REMOVED,
	TD_MOVED,		/* member offset */
	TD_RETYPED,		/* member type, by name */
	TD_BITS,		/* bit field size or position */
	TD_ENUM_ADDED,
	TD_ENUM_REMOVED,
	TD_VALUE,		/* enumerator value */
};

struct type_delta {
	enum type_delta_kind kind;
	const char *member;	/* member or enumerator; NULL for the type */
	const char *old, *new;	/* "0x28", "int", "3@5" (bit size @ bit
				 * offset), "-1"; NULL when absent */
};

struct type_change {
	const char *kind;	/* "struct", "union", "class", "enum", "typedef" */
	const char *name;	/* "session" */
	const char *old_name, *new_name;	/* the pair it changed in */
	uint64_t old_size, new_size;
	struct type_delta *deltas;
	size_t nr_deltas;
	struct type_user *users;
	size_t nr_users;
	bool unsafe;
};

/* A changed function that, without debug info, looks like a layout
 * change: its instructions differ only in memory displacements. */
struct type_guess {
	const char *function;
	const char *old_name, *new_name;
	uint64_t offset;	/* of the first differing instruction */
	int64_t old_disp, new_disp;
	size_t nr_insns;	/* instructions that differ */
};

struct type_report {
	struct type_change *changes;
	size_t nr_changes, cap_changes;
	struct type_guess *guesses;
	size_t nr_guesses, cap_guesses;
	const char **no_debug;	/* pairs (new names) without DWARF */
	size_t nr_no_debug, cap_no_debug;
	size_t nr_unsafe;
	struct type_arena *arena;	/* strings of the report */
};

/*
 * One pair to check; patched[i] says whether pair->syms[i] is in the patch
 * (NULL: every changed and added symbol is).  The pair's objects must stay
 * alive while the report is used.
 */
struct types_input {
	const struct diff_pair *pair;
	const bool *patched;
};

int types_check(struct type_report *rep, const struct types_input *inputs, size_t nr,
		struct ipbp_err *err);
/* The same over pairs, every changed and added symbol patched. */
int types_check_pairs(struct type_report *rep, const struct diff_pair *pairs, size_t nr,
		      struct ipbp_err *err);
void type_report_release(struct type_report *rep);

/* "struct session changed layout (member state moved 0x28 -> 0x30); used
 * by session_state (patched) and 12 unchanged functions: ..." */
char *type_change_message(const struct type_change *c);
/* "member state moved 0x28 -> 0x30" into buf. */
const char *type_delta_text(const struct type_delta *d, char *buf, size_t size);
/* "moved", ... (JSON) */
const char *type_delta_name(enum type_delta_kind k);
const char *type_user_role_name(enum type_user_role r);	/* "patched", ... */

/* objdiff --types, text and JSON (objdiff(5), TYPE REPORT). */
int types_write_text(FILE *f, const struct type_report *rep, struct ipbp_err *err);
int types_write_json(FILE *f, const struct type_report *rep, struct ipbp_err *err);

#endif
