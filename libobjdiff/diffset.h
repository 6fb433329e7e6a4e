/* SPDX-License-Identifier: MIT */
/*
 * diffset.h - what objdiff compares: an OLD and a NEW input opened and
 * paired into object pairs, each compared with diff_objs() (diff.h).
 *
 *   two objects          one pair
 *   two archives         one pair per member, paired by member name; a name
 *                        several members share pairs by occurrence (the
 *                        first "x.o" with the first "x.o", ...); a member
 *                        only one side has is a one-sided pair
 *                        (diff_one_sided()); old members first, in archive
 *                        order, then members only NEW has, in its order
 *   two directories      (recursive only) every file named *.o, *.obj,
 *                        *.a, *.lib or *.wasm, paired by path relative to
 *                        OLD and NEW, in byte order of that path; archives
 *                        expand into member pairs "dir/lib.a(member.o)";
 *                        a file only one side has gives one-sided pairs;
 *                        other files are skipped and symbolic links to
 *                        directories are not followed
 *   universal Mach-O     the slice opts->arch names (objfile.h)
 *
 * Anything else is an error: an archive against an object, objects of
 * different formats ("a.o and b.o are different formats (elf and macho)")
 * or architectures, a directory against a file, a directory without
 * opts->recursive; with opts->keep_going, such an error inside two trees
 * (or an unreadable file there) leaves out that one path.  Every object is
 * decoded (obj_decode_references()) before it is compared; with
 * opts->diff.focus, objects are loaded with OBJ_LOAD_LAZY instead, and the
 * diff loads and decodes what it compares.  The objects stay mapped while the diffset lives:
 * pairs point into them.
 */
#ifndef IPBP_DIFFSET_H
#define IPBP_DIFFSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "diff.h"
#include "error.h"

struct diffset_opts {
	struct diff_opts diff;	/* all, quick (stop at the first differing
				 * pair), debug */
	bool recursive;		/* compare directories */
	bool keep_going;	/* recursive: as diff -r, a path of the trees
				 * that cannot be read or paired goes to
				 * troubles and the others are compared;
				 * otherwise the first error ends it all */
	const char *arch;	/* universal Mach-O slice, or NULL */
};

/* One side: a path, or bytes the caller keeps alive (e.g. standard input). */
struct diffset_input {
	const char *name;	/* the path, or the name of data in messages */
	const uint8_t *data;	/* NULL: open and map the file at name */
	size_t size;
};

struct diffset {
	struct diff_pair *pairs;
	size_t nr_pairs;
	bool stopped;		/* quick: stopped at the first difference */
	char **troubles;	/* keep_going: "PATH: what is wrong", one per
				 * path left out, in path order */
	size_t nr_troubles;

	/* Private to diffset.c. */
	struct objfile **files;
	size_t nr_files;
	size_t cap_pairs;
};

/* Opens OLD and NEW and compares every pair.  Returns 0 with *out set
 * (free with diffset_free()), or -1 with err set and *out NULL. */
int diffset_open(struct diffset **out, const char *old, const char *new,
		 const struct diffset_opts *opts, struct ipbp_err *err);
int diffset_open_inputs(struct diffset **out, const struct diffset_input *old,
			const struct diffset_input *new,
			const struct diffset_opts *opts, struct ipbp_err *err);
void diffset_free(struct diffset *set);

/* True when any pair differs. */
bool diffset_differs(const struct diffset *set);

/*
 * Totals for --stat: symbols changed, added and removed, and the bytes
 * gained and lost (new size over old size of changed symbols, the size of
 * added ones; the reverse for lost).
 */
struct diff_stat {
	size_t nr_changed, nr_added, nr_removed;
	uint64_t bytes_added, bytes_removed;
};

void diff_pair_stat(const struct diff_pair *pair, struct diff_stat *stat);

/*
 * objdiff --stat: one line per differing pair (every pair with all), then
 * a total line (doc/objdiff.1):
 *
 *   OLD -> NEW: N changed, N added, N removed, +B -B bytes
 *   N of N objects differ: N changed, N added, N removed, +B -B bytes
 *
 * A side a pair does not have is named /dev/null.
 */
/*
 * The text stream of all pairs (stream_write_text()); with dopts, each
 * function's symbol line is followed by its instruction diff
 * (diff_disasm_write(), objdiff -d).
 */
struct stream_write_opts;
struct disasm_opts;
int diffset_write_text(FILE *f, const struct diffset *set,
		       const struct stream_write_opts *wo,
		       const struct disasm_opts *dopts, struct ipbp_err *err);

int diffset_write_stat(FILE *f, const struct diffset *set, bool all,
		       struct ipbp_err *err);

#endif
