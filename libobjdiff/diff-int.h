/* SPDX-License-Identifier: MIT */
/*
 * diff-int.h - state shared by the passes of diff_objs() (diff.c,
 * correlate.c, compare.c, compare-insn.c).  Not installed.
 *
 * A "unit" is what the diff compares: a defined function, data or TLS
 * symbol (see is_unit() in correlate.c).  Each side keeps its units in
 * symbol order and a map from symbol index to unit; twins link the sides.
 */
#ifndef IPBP_DIFF_INT_H
#define IPBP_DIFF_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "diff.h"

struct diff_disasm;

struct unit {
	struct symbol *sym;
	const char *norm;		/* diff_normalized_name() */
	struct unit *twin;		/* the unit on the other side */
	struct unit *root;		/* .cold/.part piece: its parent */
	struct unit *group_next;	/* same group, same side, symbol order */
	uint32_t group;			/* index in ctx->groups */
	uint32_t tried;			/* statics pass: last function tried + 1 */
	uint8_t focus;			/* opts->focus: FOCUS_*, 0 left out */
	unsigned reasons;		/* DIFF_R_*, on both twins */
	enum symbol_kind kind;		/* effective: SYMK_FUNC, _DATA or _TLS */
	uint64_t parts_size;		/* sizes of the hidden parts */
};

/* A place referenced anonymously (section + offset, no symbol). */
struct anchor {
	uint32_t sec;
	uint64_t off;
};

struct diff_side {
	struct obj *obj;
	struct unit *units;
	size_t nr_units;
	struct unit **by_sym;		/* indexed by symbol->index */
	char *names;			/* normalized names that differ */
	struct anchor *anchors;		/* sorted; built on first use */
	size_t nr_anchors;
	bool anchored;
};

/* Units of one normalized name, per side (0 old, 1 new). */
struct group {
	const char *norm;
	struct unit *head[2];
	uint32_t n[2];
};

struct diff_ctx {
	struct diff_side side[2];	/* 0 old, 1 new */
	const struct diff_opts *opts;
	struct diff_pair *pair;
	struct ipbp_err *err;
	struct group *groups;
	size_t nr_groups;
	uint32_t *slots;		/* hash of groups by norm: index + 1 */
	size_t nr_slots;
	bool differs;			/* for opts->quick */
	bool failed;			/* out of memory in a pass */
	struct diff_disasm *disasm;	/* compare-insn.c, opened on first use */
};

/* What a relocation points at, independent of layout. */
enum ref_type { REF_NONE, REF_UNIT, REF_NAMED, REF_STRING, REF_ANON };

struct ref {
	enum ref_type type;
	struct unit *unit;		/* REF_UNIT */
	const struct symbol *sym;	/* REF_NAMED */
	const struct section *sec;	/* REF_STRING, REF_ANON */
	uint64_t loc;			/* REF_STRING, REF_ANON: in sec */
	int64_t off;			/* REF_UNIT, REF_NAMED: target offset */
};

/* correlate.c */
int diff_build_units(struct diff_side *side, struct ipbp_err *err);
int diff_correlate_symbols(struct diff_ctx *ctx);
int diff_correlate_statics(struct diff_ctx *ctx);
int diff_correlate_leftovers(struct diff_ctx *ctx);
void diff_find_parts(struct diff_side *side);
void diff_side_release(struct diff_side *side);
void diff_twin(struct unit *a, struct unit *b);
bool diff_is_literal(const struct symbol *sym);

/* focus.c */
int diff_focus_named(struct diff_ctx *ctx);
int diff_focus_needed(struct diff_ctx *ctx);
/* Whether u is compared and reported: always, without opts->focus. */
bool diff_in_focus(const struct diff_ctx *ctx, const struct unit *u);

/* compare.c */
int diff_compare_symbols(struct diff_ctx *ctx);
void diff_classify(struct diff_side *side, const struct symbol *sym,
		   int64_t off, struct ref *ref);
/* Target (and Mach-O subtracted symbol) identity of two relocations. */
bool diff_reloc_targets_equal(struct diff_ctx *ctx, const struct reloc *a,
			      const struct reloc *b);

/* compare-insn.c */
int diff_insns_equal(struct diff_ctx *ctx, const struct symbol *o,
		     const struct symbol *n);
void diff_disasm_close(struct diff_disasm *d);

/* The relocations of sec in [start, start + size). */
struct reloc **diff_relocs_in(const struct section *sec, uint64_t start,
			      uint64_t size, size_t *nr);

static inline bool is_part(const struct unit *u)
{
	return u->root != NULL;
}

#endif
