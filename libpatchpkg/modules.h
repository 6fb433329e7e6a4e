/* SPDX-License-Identifier: MIT */
/*
 * modules.h - the ELF modules of a running process (the executable and the
 * shared libraries it loaded) and their symbols, as patchload resolves
 * names against them.
 *
 * A module is found from /proc/PID/maps; its file is opened only when a
 * name is looked up in it (through /proc/PID/map_files when allowed, so a
 * file replaced on disk since the process started is not misread).
 * Symbols come from .symtab, which keeps file-local symbols grouped by
 * source file (STT_FILE); a stripped module's local symbols come from a
 * separate debug file found by build-id under DEBUG_DIR/.build-id (gdb's
 * debug-file-directory, /usr/lib/debug by default), else only its dynamic
 * symbols are known.  A stripped library's debug file is read on the first
 * lookup of a file-local name: its dynamic symbols are all its globals.
 */
#ifndef IPBP_MODULES_H
#define IPBP_MODULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "manifest.h"
#include "obj.h"
#include "objfile.h"
#include "process.h"

struct module {
	const char *path;	/* as /proc/PID/maps names it */
	uint64_t start, end;	/* extent of its mappings */
	uint64_t base;		/* load bias: address = base + link-time value */
	bool is_main;		/* the executable (the mapping at AT_ENTRY) */

	/* Set by module_load(). */
	bool loaded;
	const struct obj *obj;	/* symbols */
	bool has_locals;	/* .symtab (or a debug file) was read */
	uint8_t build_id[MANIFEST_BUILD_ID_MAX];
	size_t build_id_len;
	bool has_tls;
	uint64_t tls_offset;	/* of its static TLS block below the thread
				 * pointer (the executable's: x86-64 variant II) */
	const uint8_t *versym;	/* .gnu.version, one u16 per dynamic symbol */
	size_t nr_versym;
	const struct symbol **versioned;	/* defined symbols of .symtab named
						 * "name@VERSION" (a copy-relocated
						 * "stdout@GLIBC_2.2.5") or, where the
						 * module defines versions, only
						 * "name@@VERSION" (its defaults) */
	size_t nr_versioned;

	/* Private. */
	uint64_t map_offset;	/* file offset of the lowest mapping */
	const char *debug_dir;	/* where a stripped library's debug file is
				 * to be looked for; NULL: nowhere, or done */
	struct objfile *file, *debug;
	char *open_error;	/* why the file could not be read */
};

#define DEFAULT_DEBUG_DIR "/usr/lib/debug"

struct module_set {
	struct module *mods;	/* the executable first, then in address order */
	size_t nr;
	const char *debug_dir;	/* holds .build-id/xx/yyyy.debug files */
};

/* Finds the modules in p's mappings (nothing is opened yet); debug_dir
 * may be NULL for the default. */
int modules_find(struct module_set *set, struct process *p, const char *debug_dir,
		 struct ipbp_err *err);
void modules_release(struct module_set *set);

/* Opens m's file and reads its symbols and segments (once). */
int module_load(struct module *m, const struct module_set *set, const struct process *p,
		struct ipbp_err *err);

/* The GNU build-id of a linked image (NT_GNU_BUILD_ID); -1 when none. */
int module_build_id(const struct obj *obj, uint8_t *id, size_t *len);

/*
 * Module m for the linked image obj (read from path, which names it in
 * messages), with no process: what mkpatch --target looks names up in,
 * the same way patchload will.  Release with module_release_image().
 */
int module_from_image(struct module *m, const char *path, const struct obj *obj,
		      struct ipbp_err *err);
void module_release_image(struct module *m);

/* How a module's file (and a program given to mkpatch --target) is
 * read: for its symbols and code, never for its debug information, which
 * stays compressed. */
extern const struct objfile_opts module_file_opts;

/* The module whose mappings contain addr, or NULL. */
struct module *modules_find_by_addr(struct module_set *set, uint64_t addr);

/*
 * The definition of name in m: a file-local one (ME_LOCAL in flags) only
 * within its source file (file, compared by base name), a global one
 * preferring the default version when a library has several.  With
 * ME_OBJECT_FILE, file is an object's name (manifest.h), and a module
 * without a file symbol of that name is searched by name alone.  NULL
 * when absent; *ambiguous when several definitions match equally.
 */
const struct symbol *module_find_symbol(struct module *m, const char *name,
					const char *file, uint32_t flags, bool *ambiguous);

#endif
