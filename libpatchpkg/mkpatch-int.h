/* SPDX-License-Identifier: MIT */
/*
 * mkpatch-int.h - state shared by the passes of mkpatch_build() (build.c,
 * include.c, emit.c, target.c).  Not installed.
 *
 * A "chunk" is a byte range of a NEW object copied into the patch: a
 * selected function, one of its parts, a data object, or a whole section
 * of anonymous read-only data.  A "fixup" is a field of the patch to be
 * resolved: against a place in the patch, or against an import that the
 * loader binds.  Slots (a GOT of the patch) and stubs (its PLT) are made
 * on demand, one per import and use.
 */
#ifndef IPBP_MKPATCH_INT_H
#define IPBP_MKPATCH_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "image.h"
#include "manifest.h"
#include "mkpatch.h"
#include "modules.h"
#include "patch-arch.h"

#define NONE32 UINT32_MAX

/* The patch's sections, in image order. */
enum psec { PS_TEXT, PS_PLT, PS_RODATA, PS_DATA, PS_GOT, PS_BSS, PS_NR };

enum chunk_role {
	ROLE_REPLACED,		/* a "~" function: replaces its old twin */
	ROLE_ADDED,		/* a "+" symbol or new data it needs */
	ROLE_PART,		/* a .cold/.part piece of an included function */
	ROLE_COPY,		/* read-only data copied (a symbol or a section) */
};

struct chunk {
	uint32_t input;			/* index in ctx->inputs */
	const struct section *sec;	/* source, in the new object */
	uint64_t start, size;		/* range of sec */
	const struct symbol *sym;	/* NULL for a whole section */
	const struct diff_symbol *ds;	/* ROLE_REPLACED, ROLE_ADDED */
	enum chunk_role role;
	enum psec psec;
	uint64_t off;			/* in the patch section */
	uint64_t target_addr;		/* --target: the old function's address */
	/* ROLE_REPLACED, by mk_old_code(): the old code's identity. */
	struct manifest_mask *masks;
	size_t nr_masks;
	uint64_t old_hash;
	bool hashed;
};

struct place {
	enum psec psec;
	uint64_t off;
};

enum fixup_to { FX_PLACE, FX_IMPORT };

struct fixup {
	struct place site;
	uint32_t type;			/* native relocation type */
	int64_t addend;
	enum fixup_to to;
	struct place dest;		/* FX_PLACE */
	uint32_t import;		/* FX_IMPORT */
};

struct import {
	const char *name;
	const char *file;		/* file-local: source file */
	const char *object;
	enum manifest_kind kind;
	uint32_t flags;			/* ME_* */
	uint32_t stub;			/* offset in PS_PLT + 1, or 0 */
	uint32_t got, tp_got, gd_got;	/* offsets in PS_GOT + 1, or 0 */
	uint64_t target_addr;
};

/* Per input: maps from symbol index to its diff entry and its chunk. */
struct pinput {
	const struct diff_pair *pair;
	const struct stream_pair *select;
	struct obj *old, *new;
	const struct diff_symbol **by_new;	/* new symbol index -> entry */
	uint32_t *sym_chunk;			/* new symbol index -> chunk + 1 */
	uint32_t *sec_chunk;			/* new section index -> chunk + 1 */
	char *old_seen;				/* old symbol index: warned */
	/* Objects without file symbols: the names GNU ld files their
	 * local symbols under (mk_object_file()); NULL for the others. */
	const char *old_file, *new_file;
};

struct mk_ctx {
	const struct patch_arch *arch;
	const struct mkpatch_opts *opts;
	struct mkpatch_result *res;
	struct ipbp_err *err;
	enum obj_format format;

	struct pinput *inputs;
	size_t nr_inputs;

	struct chunk *chunks;
	size_t nr_chunks, cap_chunks;
	size_t next_chunk;		/* the closure's worklist position */
	struct fixup *fixups;
	size_t nr_fixups, cap_fixups;
	struct import *imports;
	size_t nr_imports, cap_imports;
	uint32_t *import_hash;		/* index + 1, open addressing */
	size_t import_hash_size;
	struct place *stubs;		/* per stub: its slot */
	size_t nr_stubs, cap_stubs;

	uint64_t size[PS_NR];
	uint64_t align[PS_NR];

	char **kept;			/* strings freed with the context */
	size_t nr_kept;

	/* --target: the program, open from setup to release (target.c). */
	struct objfile *target_file;
	struct module target;

	struct manifest man;		/* filled by emit.c, target.c */
	struct image img;
	int isec[PS_NR];		/* image section index, -1 when empty */
	int man_isec;
};

/* build.c */
int mk_problem(struct mk_ctx *ctx, bool refusal, const char *symbol,
	       const char *fmt, ...) __attribute__((format(printf, 4, 5)));
int mk_oom(struct mk_ctx *ctx);
void *mk_grow(void *p, size_t *cap, size_t need, size_t elem);
/* Keeps a malloc'd string until the build ends (frees it on failure). */
int mk_keep(struct mk_ctx *ctx, char *s);
bool is_static_local(const struct symbol *sym);
bool is_writable_storage(const struct symbol *sym);

/* include.c */
int mk_add_chunk(struct mk_ctx *ctx, uint32_t input, const struct section *sec,
		 uint64_t start, uint64_t size, const struct symbol *sym,
		 const struct diff_symbol *ds, enum chunk_role role, uint32_t *index);
int mkpatch_include(struct mk_ctx *ctx);

/* emit.c */
int mkpatch_layout(struct mk_ctx *ctx);
int mkpatch_emit(struct mk_ctx *ctx);
int mk_object_file(struct mk_ctx *ctx, struct obj *obj, const char **file);
const char *mk_symbol_file(const struct pinput *in, const struct symbol *sym, uint32_t *flags);
/* The masks and hash of a replaced function's old code, computed once. */
int mk_old_code(struct mk_ctx *ctx, struct chunk *c);

/* target.c */
int mkpatch_open_target(struct mk_ctx *ctx);
void mkpatch_close_target(struct mk_ctx *ctx);
bool mkpatch_target_links(const struct mk_ctx *ctx, const struct obj *old);
int mkpatch_check_target(struct mk_ctx *ctx);

#endif
