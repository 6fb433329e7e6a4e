/* SPDX-License-Identifier: MIT */
/*
 * manifest.h - the patch manifest (DESIGN.md §5, byte for byte in
 * doc/patchpkg.5): what makes a patch self-describing.  It lives in the
 * container's section ".ipbp.manifest" (not loaded).
 *
 * Encoding: little-endian, every record fixed-size and 8-byte aligned,
 * strings as u32 offsets into a string table of NUL-terminated strings
 * whose first byte is NUL (offset 0 is "none").  Offsets of tables and
 * of the string table count from the start of the manifest.
 *
 *   header, 160 bytes
 *     0  magic "IPBPMAN\0"        8  u16 version (1)   10 u16 header size (160)
 *    12  u32 flags (MANIFEST_F_*)
 *    16  u64 checksum: XXH3-64 of the whole patch file, these 8 bytes read as 0
 *    24  u16 format (MANIFEST_FMT_*)                    26 u16 machine (e_machine)
 *    28  u32 manifest size (header, tables and string table)
 *    32  u32 offset, u32 count of: funcs (32), added (40), imports (48),
 *        relocs (56), warnings (64)
 *    72  u32 string table offset    76 u32 string table size
 *    80  u32 target (string)        84 u32 build-id size (0..64)
 *    88  u8 build-id[64]
 *   152  u32 offset, u32 count of: masks
 *   func, 72 bytes: u32 name, file, object, flags; u64 old size, old hash,
 *        new hash, new addr, new size, target addr; u32 first mask,
 *        u32 mask count
 *   added, 48 bytes: u32 name, file, object, kind, flags, reserved 0;
 *        u64 addr, size, hash (MK_FUNC; 0 otherwise)
 *   import, 32 bytes: u32 name, file, object, kind, flags, reserved 0;
 *        u64 target addr
 *   reloc, 24 bytes: u64 offset; u32 type, import; i64 addend
 *   warning, 16 bytes: u32 code, symbol, message, reserved 0
 *   mask, 8 bytes: u32 offset (from the function's start), u32 size
 *
 * The tables follow the header in this order, then the string table;
 * doc/patchpkg.5 is the specification.
 *
 * Stacking: a func's new_hash and an added function's hash are the
 * identity of the patch's NEW code, taken exactly as old_hash is taken
 * from an old object (patch_code_masks() and patch_hash_masked() over
 * the new object's symbol).  A later patch built with this patch's new
 * object as its old one records the same value as old_hash, so a loader
 * that finds this patch running can verify that later patch without
 * hashing the live bytes (which the loader relocated).
 */
#ifndef IPBP_MANIFEST_H
#define IPBP_MANIFEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

#define MANIFEST_SECTION	".ipbp.manifest"
#define MANIFEST_MAGIC		"IPBPMAN"	/* 8 bytes with the NUL */
#define MANIFEST_VERSION	1
#define MANIFEST_CHECKSUM_OFFSET 16		/* within the manifest */
#define MANIFEST_BUILD_ID_MAX	64
#define MANIFEST_NONE		UINT32_MAX	/* no import: relocation
						 * against the patch's own
						 * load base */

/* header flags */
#define MANIFEST_F_FORCED	0x1u	/* built with --force over refusals */
#define MANIFEST_F_TARGET	0x2u	/* bound to a target (build-id, addresses) */

/* container formats */
enum manifest_format {
	MANIFEST_FMT_ELF = 1,
	MANIFEST_FMT_MACHO = 2,
	MANIFEST_FMT_COFF = 3,
	MANIFEST_FMT_WASM = 4,
};

/* symbol kinds of imports and added entries */
enum manifest_kind {
	MK_FUNC = 1,
	MK_DATA = 2,
	MK_TLS = 3,
	MK_NOTYPE = 4,		/* an undefined reference of unknown kind */
};

/* per-entry flags */
#define ME_LOCAL	0x1u	/* file-local: found by name within its source file */
#define ME_WEAK		0x2u	/* an import that may be absent (address 0) */
#define ME_RESOLVED	0x4u	/* target_addr was pre-resolved (--target) */
#define ME_READONLY	0x8u	/* added: read-only data (literals, tables) */
#define ME_OBJECT_FILE	0x10u	/* ME_LOCAL from an object without file
				 * symbols: file is the object's name, the
				 * one GNU ld gives its local symbols */

/* warning codes */
enum manifest_warning_code {
	MW_INITIALIZER = 1,	/* existing data's initializer changed: the
				 * running value is kept */
	MW_FORCED = 2,		/* a refusal overridden by --force */
	MW_NOTE = 3,		/* anything else worth knowing */
	MW_LAYOUT = 4,		/* a probable layout change, guessed from
				 * code without debug info */
};

/* A replaced function: old -> new. */
struct manifest_func {
	const char *name;	/* as the old object (and the target) names it */
	const char *file;	/* source file of a file-local function, or NULL */
	const char *object;	/* the old object, "lib.a(x.o)" or a path */
	uint32_t flags;		/* ME_LOCAL, ME_OBJECT_FILE, ME_RESOLVED */
	uint64_t old_size;
	uint64_t old_hash;	/* patch_hash_masked() of the old bytes */
	uint64_t new_hash;	/* the same of the new object's function: what
				 * a patch built on top of this one records
				 * as its old_hash */
	uint64_t new_addr;	/* of the new code, in the patch */
	uint64_t new_size;	/* of the new function; its .cold/.part pieces
				 * are listed as added */
	uint64_t target_addr;	/* ME_RESOLVED: its address in the target */
	uint32_t mask_first;	/* its masks: masks[mask_first ..] */
	uint32_t nr_masks;
};

/*
 * A byte range of an old function that the linker writes (a relocation
 * field, widened over relaxable instruction bytes: patch-arch.h mask()).
 * old_hash is taken with these bytes read as zero, so a loader hashes the
 * live code the same way.  Sorted by offset, not overlapping.
 */
struct manifest_mask {
	uint32_t offset;	/* from the function's start */
	uint32_t size;
};

/* An added function or data object: new storage in the patch. */
struct manifest_added {
	const char *name;
	const char *file;
	const char *object;	/* the new object */
	enum manifest_kind kind;
	uint32_t flags;		/* ME_LOCAL, ME_OBJECT_FILE, ME_READONLY */
	uint64_t addr;		/* in the patch */
	uint64_t size;
	uint64_t hash;		/* MK_FUNC: its code's masked hash in the new
				 * object, as a later patch's old_hash; else 0 */
};

/* A symbol the patch uses that lives in the process. */
struct manifest_import {
	const char *name;
	const char *file;	/* ME_LOCAL: its source file */
	const char *object;	/* the defining object when known, or NULL */
	enum manifest_kind kind;
	uint32_t flags;		/* ME_LOCAL, ME_OBJECT_FILE, ME_WEAK, ME_RESOLVED */
	uint64_t target_addr;	/* ME_RESOLVED: its address in the target */
};

/* A field in the patch the loader fills: ELF psABI semantics of type,
 * with S the import's address (or the patch's load base for
 * MANIFEST_NONE), A the addend and P the field's address. */
struct manifest_reloc {
	uint64_t offset;	/* of the field, from the patch's load base */
	uint32_t type;		/* native relocation type (R_X86_64_*, ...) */
	uint32_t import;	/* index in imports, or MANIFEST_NONE */
	int64_t addend;
};

struct manifest_warning {
	enum manifest_warning_code code;
	const char *symbol;	/* or NULL */
	const char *message;
};

struct manifest {
	unsigned version;
	uint32_t flags;		/* MANIFEST_F_* */
	uint64_t checksum;	/* as stored (manifest_decode) */
	enum manifest_format format;
	uint16_t machine;	/* ELF e_machine: 62 x86-64, 183 aarch64 */
	const char *target;	/* --target path, or NULL */
	uint8_t build_id[MANIFEST_BUILD_ID_MAX];
	size_t build_id_len;

	struct manifest_func *funcs;
	size_t nr_funcs;
	struct manifest_added *added;
	size_t nr_added;
	struct manifest_import *imports;
	size_t nr_imports;
	struct manifest_reloc *relocs;
	size_t nr_relocs;
	struct manifest_warning *warnings;
	size_t nr_warnings;
	struct manifest_mask *masks;
	size_t nr_masks;

	/* Private: strings and tables owned by a decoded manifest. */
	void *owned;
};

/* Encodes m (checksum written as 0) into a malloc'd buffer. */
int manifest_encode(const struct manifest *m, uint8_t **buf, size_t *len,
		    struct ipbp_err *err);

/*
 * Decodes untrusted bytes: every offset, count and string is checked; a
 * string must end inside the string table.  name is used in messages
 * ("NAME: manifest: ...").  *out is freed with manifest_free().
 */
int manifest_decode(struct manifest **out, const char *name, const uint8_t *data,
		    size_t size, struct ipbp_err *err);
void manifest_free(struct manifest *m);

/* Strings and tables the new code reads, copied into the patch: not new
 * program data (ME_READONLY and not a function). */
static inline bool manifest_added_is_copy(const struct manifest_added *a)
{
	return (a->flags & ME_READONLY) && a->kind != MK_FUNC;
}

/* Names for printing: "func", "elf", "initializer", ... */
const char *manifest_kind_name(enum manifest_kind k);
const char *manifest_format_name(enum manifest_format f);
const char *manifest_warning_name(enum manifest_warning_code c);

#endif
