/* SPDX-License-Identifier: MIT */
/*
 * diff.h - per-symbol comparison of two objects (DESIGN.md §3).
 *
 * diff_objs() runs the passes in order over one old/new pair:
 *
 *   diff_correlate_symbols()     twins by normalized name (compiler numbering
 *                                stripped), per kind, locals by source file
 *   diff_focus_named()           with opts->focus: the named units' code
 *                                loaded and decoded
 *   diff_correlate_statics()     static locals through their referencing
 *                                function, as kpatch does
 *   diff_focus_needed()          with opts->focus: what the named units
 *                                refer to, loaded and decoded too
 *   diff_compare_symbols()       bytes outside relocation fields, relocations
 *                                in order by target identity, data by size,
 *                                bytes and relocations
 *   diff_fold_parts()            .cold/.part.N pieces into their parent
 *   diff_collect()               the result list, in a stable order
 *
 * The result names each function, data and TLS symbol once with a status
 * and, for a changed symbol, the reasons (DIFF_R_*).  It never depends on
 * symbol indexes, section numbers or layout.
 */
#ifndef IPBP_DIFF_H
#define IPBP_DIFF_H

#include <stdbool.h>
#include <stdint.h>

#include "obj.h"

enum diff_status {
	DIFF_SAME,
	DIFF_CHANGED,
	DIFF_ADDED,
	DIFF_REMOVED,
};

/* Reasons a symbol changed: a fixed vocabulary (names in diff_reason_name). */
#define DIFF_R_SIZE	0x001u	/* a data object's size differs */
#define DIFF_R_CODE	0x002u	/* function bytes outside relocation fields
				 * (a function of another size included) */
#define DIFF_R_RELOCS	0x004u	/* references: count, kind, target or addend */
#define DIFF_R_DATA	0x008u	/* data bytes (an initializer) */
#define DIFF_R_SECTION	0x010u	/* moved to an unrelated section */
#define DIFF_R_KIND	0x020u	/* func/data/tls changed */
#define DIFF_R_BIND	0x040u	/* local/global/weak changed */
#define DIFF_R_PART	0x080u	/* a .cold/.part piece of it changed */
#define DIFF_R_DEBUG	0x100u	/* only debug information (--debug) */
#define DIFF_R_NR	9

/* The largest size a result shows: the stream keeps UINT64_MAX for "no
 * size", so larger sizes (a symbol's own is whatever the file says) and
 * sums with parts saturate here. */
#define DIFF_SIZE_MAX (UINT64_MAX - 1)

struct diff_symbol {
	enum diff_status status;
	unsigned reasons;		/* DIFF_R_* when CHANGED */
	enum symbol_kind kind;		/* of the new symbol, else the old */
	const char *name;		/* as the file spells it (new, else old) */
	struct symbol *old, *new;	/* NULL when added / removed */
	uint64_t old_size, new_size;	/* parts included, at most
					 * DIFF_SIZE_MAX */
};

struct diff_opts {
	bool all;		/* keep SAME symbols in the result */
	bool quick;		/* stop at the first difference (-q) */
	bool debug;		/* report debug-only changes (DIFF_R_DEBUG) */
	/* Non-NULL: compare only the symbols of these names (sorted by
	 * strcmp) and what they refer to, and report only those (focus.c).
	 * The objects need not be decoded, and may be loaded with
	 * OBJ_LOAD_LAZY: what is compared is loaded and decoded. */
	const char *const *focus;
	size_t nr_focus;
};

/* The comparison of one object pair. */
struct diff_pair {
	const char *old_name, *new_name;	/* "lib.a(x.o)" or paths */
	struct obj *old, *new;			/* not owned; NULL for a
						 * member only one side has */
	struct diff_symbol *syms;
	size_t nr_syms;
	size_t nr_changed, nr_added, nr_removed;
};

/*
 * Compares old and new (both already finalized and decoded with
 * obj_decode_references()); fills pair.  Objects of different formats or
 * architectures are an error.  Returns 0, or -1 with err set.
 */
int diff_objs(struct diff_pair *pair, struct obj *old, struct obj *new,
	      const struct diff_opts *opts, struct ipbp_err *err);

/* A member only one side has: every symbol added (old NULL) or removed. */
int diff_one_sided(struct diff_pair *pair, struct obj *old, struct obj *new,
		   const struct diff_opts *opts, struct ipbp_err *err);

void diff_pair_release(struct diff_pair *pair);

static inline bool diff_pair_differs(const struct diff_pair *pair)
{
	return pair->nr_changed || pair->nr_added || pair->nr_removed;
}

/* "size", "code", ... */
const char *diff_reason_name(unsigned reason_bit);
/* Parses one reason name; 0 when unknown. */
unsigned diff_reason_parse(const char *name, size_t len);
const char *diff_status_name(enum diff_status status);	/* "changed", ... */

/*
 * The name a symbol is correlated by: compiler numbering stripped
 * (x.1234 -> x, foo.constprop.0 -> foo.constprop, .LC5 -> .LC,
 * foo.cold.3 -> foo.cold).  Writes at most size bytes into buf.
 */
const char *diff_normalized_name(const char *name, char *buf, size_t size);

#endif
