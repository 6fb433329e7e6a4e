/* SPDX-License-Identifier: MIT */
/*
 * objfile.h - an input file: one object, an archive of objects, or a
 * Mach-O universal file, mapped read-only and read into struct obj models.
 */
#ifndef IPBP_OBJFILE_H
#define IPBP_OBJFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "obj.h"

struct archive;

struct objfile_opts {
	const char *arch;	/* universal Mach-O: the slice to read
				 * ("x86_64", "arm64"); NULL: the host's
				 * architecture if present, else an error
				 * listing the slices */
	unsigned load_flags;	/* OBJ_LOAD_* for every object (obj.h) */
};

struct objfile {
	const char *path;
	const uint8_t *data;
	size_t size;
	bool mapped;		/* data is our mmap, unmapped by objfile_free */
	struct archive *archive;	/* non-NULL when the file is an archive */
	struct obj **objs;	/* the object, or one per archive member */
	size_t nr_objs;
};

int objfile_open(struct objfile **out, const char *path,
		 const struct objfile_opts *opts, struct ipbp_err *err);

/* The same over bytes the caller keeps alive (the fuzz entry point). */
int objfile_from_memory(struct objfile **out, const char *name,
			const uint8_t *data, size_t size,
			const struct objfile_opts *opts, struct ipbp_err *err);

void objfile_free(struct objfile *file);

/*
 * The object files of a build tree: regular files (or symbolic links to
 * them) named *.o, *.obj, *.a, *.lib or *.wasm, in subdirectories not
 * reached through symbolic links, as paths relative to root, sorted
 * bytewise.
 */
struct objfile_tree {
	char **paths;
	size_t nr, cap;
};

int objfile_list_tree(struct objfile_tree *tree, const char *root,
		      struct ipbp_err *err);
void objfile_tree_release(struct objfile_tree *tree);
bool is_object_file_name(const char *name);
/* "dir/name", or "name" when dir is empty; NULL when out of memory. */
char *objfile_join_path(const char *dir, const char *name);

#define for_each_obj(file, o) \
	for (size_t _i_##o = 0; _i_##o < (file)->nr_objs && ((o) = (file)->objs[_i_##o], 1); _i_##o++)

#endif
