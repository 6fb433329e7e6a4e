/* SPDX-License-Identifier: MIT */
/*
 * patchfile.h - reading a patch container (patchinfo, patchload): the
 * native image read by formats/ (obj.h) and its manifest (manifest.h).
 * A patch is untrusted input until patch_verify() says otherwise.
 */
#ifndef IPBP_PATCHFILE_H
#define IPBP_PATCHFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "error.h"
#include "manifest.h"
#include "obj.h"

struct objfile;

struct patch {
	const char *name;		/* path, for messages */
	const uint8_t *data;		/* the whole file */
	size_t size;
	struct obj *obj;		/* the container as an object (ET_DYN) */
	struct manifest *manifest;
	uint64_t manifest_offset;	/* file offset of the manifest section */

	/* Private. */
	struct objfile *file;		/* when opened from a path */
};

/*
 * Opens a patch: reads the container, finds the manifest section, decodes
 * it.  Errors name the problem ("p.so: no .ipbp.manifest section: not an
 * ipbp patch").  The checksum and consistency are patch_verify()'s job.
 */
int patch_open(struct patch **out, const char *path, struct ipbp_err *err);
/* The same over bytes the caller keeps alive while the patch lives. */
int patch_open_buffer(struct patch **out, const char *name, const uint8_t *data,
		      size_t size, struct ipbp_err *err);
void patch_free(struct patch *p);

/*
 * Checks everything that can be checked without a process: the checksum,
 * the manifest against the container (format and machine agree; every
 * replaced and added entry lies inside a loaded section, every relocation
 * field inside a loaded section and of a type the architecture knows,
 * every import index valid, no two relocation fields overlapping) and the
 * manifest's own rules (strings, flags, build-id size).  Each problem is
 * reported through report(); returns the number of problems (0: valid),
 * or -1 when out of memory.
 */
int patch_verify(const struct patch *p,
		 void (*report)(void *arg, const char *problem), void *arg);

/*
 * The manifest of p listed (patch-write.c, doc/patchinfo.1): as text, one
 * entry per line (PATCH_TEXT_RELOCS: every relocation and mask too;
 * PATCH_TEXT_DEMANGLE: a C++ name's entry ends in " # " and the name
 * demangled); as one line of JSON.
 */
#define PATCH_TEXT_RELOCS	0x1u
#define PATCH_TEXT_DEMANGLE	0x2u
void patch_write_text(FILE *f, const struct patch *p, unsigned flags);
void patch_write_json(FILE *f, const struct patch *p);

#endif
