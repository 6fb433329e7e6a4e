/* SPDX-License-Identifier: MIT */
/*
 * mkpatch.h - building a patch from compared object pairs (DESIGN.md §6).
 *
 * mkpatch_build() runs the passes in order over every selected pair:
 *
 *   mkpatch_select()        the stream's "~" and "+" symbols, found in the
 *                           pair (a name the object does not have is refused),
 *                           with their .cold/.part pieces
 *   mkpatch_check_data()    refusals and warnings about existing storage:
 *                           size changes, changed initializers, new TLS,
 *                           vanished references to static locals
 *   mkpatch_check_types()   types whose layout changed under the selected
 *                           code, used by code or data that stays (types.h);
 *                           without debug info, probable layout changes
 *                           guessed from the code (warnings)
 *   mkpatch_include()       the closure over references: read-only data and
 *                           strings copied, existing storage and unchanged
 *                           code imported, new data given storage, calls to
 *                           code in the process routed through stubs, GOT
 *                           loads through slots of the patch
 *   mkpatch_layout()        the image's sections and symbols, laid out by the
 *                           format's writer (formats/image.h)
 *   mkpatch_emit()          bytes copied, fields resolved, patch relocations
 *                           and the manifest written, the checksum sealed
 *
 * with --target, the old functions are also checked against the target's
 * code and imports are pre-resolved.
 */
#ifndef IPBP_MKPATCH_H
#define IPBP_MKPATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diff.h"
#include "error.h"
#include "stream.h"

struct mkpatch_opts {
	bool force;		/* build despite refusals (recorded) */
	const char *source;	/* where the selection came from, for messages:
				 * the stream's name or NEW; or NULL */
	const char *target;	/* --target EXE, or NULL */
	/* Pairs compared with the inputs that the patch leaves alone (a
	 * build tree's other objects): their code keeps running, so their
	 * uses of a type whose layout changed count (mkpatch_check_types). */
	const struct diff_pair *const *context;
	size_t nr_context;
};

/* One pair to patch and what to take from it. */
struct mkpatch_input {
	const struct diff_pair *pair;	/* compared with opts.all: every unit,
					 * unchanged ones too (twins) */
	const struct stream_pair *select;	/* the stream's lines for it,
						 * or NULL: every "~" and "+" */
};

/* What was found wrong: a refusal (unless forced) or a warning. */
struct mkpatch_problem {
	char *symbol;		/* or NULL */
	char *message;		/* "existing data object changed size (4 -> 8)" */
	bool refusal;
	bool note;		/* printed, not recorded in the manifest */
	unsigned code;		/* manifest warning code; 0: derived */
};

struct mkpatch_result {
	uint8_t *data;		/* the patch file; NULL when refused */
	size_t size;
	struct mkpatch_problem *problems;	/* in the order found */
	size_t nr_problems;
	size_t nr_refusals;
	size_t nr_replaced, nr_added, nr_imports, nr_relocs;
};

/*
 * Builds a patch from inputs.  Returns 0 with res->data set; -1 with err
 * set on trouble, or when refusals stopped it (each one listed in
 * res->problems; err says how many).  An empty selection is an error.
 */
/*
 * What to patch, opened (select.c): with old and new, those two inputs
 * (objects, archives, or build trees with recursive) are compared, and
 * stream, when given, selects from them: its pairs are matched by their
 * "---"/"+++" names, and lines whose names grep removed apply when there
 * is one pair only.  Without old and new, the stream's names are opened
 * ("lib.a(x.o)" opens lib.a); each must have its names.  Without a stream,
 * every "~" and "+" of every pair is selected.  With one, the pairs are
 * compared in focus (diff_opts.focus) on the names it selects: what those
 * symbols refer to is compared and reported too, the rest is left out, so
 * that a one-function patch of a large object reads little of it.
 */
struct diffset;

struct mkpatch_set {
	struct mkpatch_input *inputs;
	size_t nr_inputs;
	const struct diff_pair **context;	/* every other pair of OLD and
						 * NEW (mkpatch_opts.context) */
	size_t nr_context;

	/* Private to select.c. */
	struct diffset **sets;
	size_t nr_sets;
	char **paths;			/* [2 * i], [2 * i + 1]: of sets[i] */
	const char **focus;		/* the names the stream selects, sorted
					 * (diff_opts.focus); NULL: all */
	size_t nr_focus;
};

int mkpatch_set_open(struct mkpatch_set *set, const char *old, const char *new,
		     const struct diff_stream *stream, bool recursive, struct ipbp_err *err);
void mkpatch_set_release(struct mkpatch_set *set);

int mkpatch_build(struct mkpatch_result *res, const struct mkpatch_input *inputs,
		  size_t nr_inputs, const struct mkpatch_opts *opts, struct ipbp_err *err);
void mkpatch_result_release(struct mkpatch_result *res);

#endif
