/* SPDX-License-Identifier: MIT */
/*
 * image.h - a loadable image to be written in an object format: the patch
 * container's native half (DESIGN.md §5).  mkpatch describes what goes in
 * (sections with their bytes, symbols, extra non-loaded sections such as
 * the manifest); the format's writer lays it out and writes the file.
 *
 *   image_init(img, arch)                      empty image for an architecture
 *   image_add_section(), image_add_symbol()    describe the content
 *   image_layout(img, err)                     assigns every section an address
 *                                              (and so every symbol); bytes may
 *                                              now be fixed up for those addresses
 *   image_write(img, &buf, &len, err)          the whole file in memory; each
 *                                              section's file_offset is filled
 *   image_release(img)
 *
 * Addresses are relative to the image's load base (0 in the file).  The
 * writer is chosen by format; only ELF writes today (formats/elf-write.c):
 * an ET_DYN shared object that readelf, objdump and nm read cleanly, with
 * one PT_LOAD per permission (R, R+X, R+W) in that order, page-aligned for
 * the architecture, a .dynsym/.dynstr/.hash/.dynamic so nm -D lists the
 * exported symbols, and a full .symtab.  Non-loaded sections (no
 * SECF_ALLOC) follow the loaded content in the file, in the order added.
 */
#ifndef IPBP_IMAGE_H
#define IPBP_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "obj.h"

#define IMAGE_NO_SECTION UINT32_MAX

struct image_section {
	const char *name;	/* ".text", ".rodata", ".ipbp.manifest"; not owned */
	enum section_kind kind;	/* SEC_CODE, SEC_RODATA, SEC_DATA, SEC_BSS, SEC_META */
	uint32_t flags;		/* SECF_ALLOC, SECF_WRITE, SECF_EXEC */
	uint64_t size;
	uint64_t align;		/* power of two, >= 1 */
	uint8_t *data;		/* size bytes, owned by the image (malloc'd);
				 * NULL for SEC_BSS */
	uint64_t addr;		/* set by image_layout(); 0 when not loaded */
	uint64_t file_offset;	/* set by image_write() */
};

struct image_symbol {
	const char *name;	/* not owned */
	enum symbol_kind kind;	/* SYMK_FUNC, SYMK_DATA, SYMK_FILE (a source
				 * file: the local symbols after it belong to
				 * it, as in ELF STT_FILE) */
	enum symbol_bind bind;
	uint32_t section;	/* index in img->sections, IMAGE_NO_SECTION for files */
	uint64_t offset;	/* within the section */
	uint64_t size;
	bool exported;		/* also in the dynamic symbol table (nm -D) */
};

struct image {
	enum obj_format format;
	enum obj_arch arch;
	const char *soname;	/* DT_SONAME, or NULL */
	struct image_section *sections;
	size_t nr_sections;
	struct image_symbol *symbols;	/* in the order the symbol table lists
					 * them: each FILE before its locals */
	size_t nr_symbols;
	bool laid_out;

	/* Private to image.c. */
	size_t cap_sections, cap_symbols;
};

void image_init(struct image *img, enum obj_format format, enum obj_arch arch);
void image_release(struct image *img);

/* Adds a section of size bytes (zeroed, or no bytes for SEC_BSS); returns
 * its index, or -1 when out of memory.  Not after image_layout(). */
int image_add_section(struct image *img, const char *name, enum section_kind kind,
		      uint32_t flags, uint64_t size, uint64_t align, struct ipbp_err *err);
int image_add_symbol(struct image *img, const struct image_symbol *sym,
		     struct ipbp_err *err);

/* True when the format has a writer ("mkpatch: macho: not supported yet"). */
bool image_format_supported(enum obj_format format, enum obj_arch arch);

int image_layout(struct image *img, struct ipbp_err *err);
/* The whole file, malloc'd; *len its size. */
int image_write(struct image *img, uint8_t **buf, size_t *len, struct ipbp_err *err);

static inline uint64_t image_symbol_addr(const struct image *img,
					 const struct image_symbol *sym)
{
	return img->sections[sym->section].addr + sym->offset;
}

/* The writer of one format, behind image_layout()/image_write(). */
struct image_writer {
	enum obj_format format;
	bool (*supports)(enum obj_arch arch);
	int (*layout)(struct image *img, struct ipbp_err *err);
	int (*write)(struct image *img, uint8_t **buf, size_t *len, struct ipbp_err *err);
};

extern const struct image_writer elf_image_writer;

#endif
