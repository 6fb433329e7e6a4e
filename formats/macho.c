// SPDX-License-Identifier: MIT
/*
 * macho.c - the Mach-O reader: MH_OBJECT, MH_EXECUTE, MH_DYLIB and
 * MH_BUNDLE images for x86_64, arm64, i386 and arm, and universal ("fat")
 * files.  Written by hand: Debian's libbfd does not read Mach-O.
 *
 * Mach-O in the model:
 *   - sections are named "SEGNAME,sectname" ("__TEXT,__text"); their kind
 *     comes from the section type and attributes (classify_section());
 *   - symbols keep the leading underscore; Mach-O stores no sizes, so
 *     defined symbols are flagged SYMF_DERIVED and obj_finalize() sizes
 *     them from the next symbol or the section end;
 *   - Mach-O has no section symbols: one SYMK_SECTION symbol per section
 *     (named like the section) is added for section-relative
 *     ("non-extern") relocations;
 *   - relocation pairs become one reloc: SUBTRACTOR + UNSIGNED is RK_SUB
 *     (type SUBTRACTOR, sym the added symbol, sub the subtracted one),
 *     ARM64_RELOC_ADDEND is folded into the relocation that follows, and
 *     the i386/arm PAIR entries are folded into the relocation before;
 *   - addends stored in the bytes are extracted (RELF_INLINE), so that
 *     sym + addend (bias 0) is the address the field refers to (for x86_64
 *     SIGNED_1/2/4, the N bytes after the field are counted as the linker
 *     does).  For RK_SUB (field = A - B + C): with x86_64/arm64 pairs,
 *     sym + addend - sub is the field's value, which makes sym + addend =
 *     A + C when B is a symbol; i386/arm SECTDIFF give both addresses, and
 *     there sym + addend = A + C with sub standing for B's section.
 *
 * Structures are read field by field from the bytes (no system headers,
 * no casts of the mapped bytes); every offset and count is bounds-checked.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "macho.h"
#include "obj.h"

/* ---- constants (from <mach-o/loader.h>, <mach-o/nlist.h>, reloc.h) ---- */

#define MH_MAGIC		0xfeedfaceu
#define MH_CIGAM		0xcefaedfeu
#define MH_MAGIC_64		0xfeedfacfu
#define MH_CIGAM_64		0xcffaedfeu
#define FAT_MAGIC		0xcafebabeu
#define FAT_MAGIC_64		0xcafebabfu

#define MH_OBJECT		0x1
#define MH_EXECUTE		0x2
#define MH_DYLIB		0x6
#define MH_DYLINKER		0x7
#define MH_BUNDLE		0x8
#define MH_DYLIB_STUB		0x9
#define MH_KEXT_BUNDLE		0xb

#define CPU_ARCH_ABI64		0x01000000
#define CPU_TYPE_X86		7
#define CPU_TYPE_X86_64		(CPU_TYPE_X86 | CPU_ARCH_ABI64)
#define CPU_TYPE_ARM		12
#define CPU_TYPE_ARM64		(CPU_TYPE_ARM | CPU_ARCH_ABI64)
#define CPU_SUBTYPE_MASK	0xff000000u
#define CPU_SUBTYPE_X86_64_H	8
#define CPU_SUBTYPE_ARM64E	2

#define LC_SEGMENT		0x1
#define LC_SYMTAB		0x2
#define LC_SEGMENT_64		0x19

#define MACH_HEADER_SIZE	28
#define MACH_HEADER_64_SIZE	32
#define SEGMENT_SIZE		56
#define SEGMENT_64_SIZE		72
#define SECTION_SIZE		68
#define SECTION_64_SIZE		80
#define SYMTAB_SIZE		24
#define NLIST_SIZE		12
#define NLIST_64_SIZE		16
#define RELOC_SIZE		8
#define FAT_HEADER_SIZE		8
#define FAT_ARCH_SIZE		20
#define FAT_ARCH_64_SIZE	32

#define SECTION_TYPE			0x000000ffu
#define S_ZEROFILL			0x01
#define S_CSTRING_LITERALS		0x02
#define S_4BYTE_LITERALS		0x03
#define S_8BYTE_LITERALS		0x04
#define S_LITERAL_POINTERS		0x05
#define S_SYMBOL_STUBS			0x08
#define S_GB_ZEROFILL			0x0c
#define S_16BYTE_LITERALS		0x0e
#define S_THREAD_LOCAL_REGULAR		0x11
#define S_THREAD_LOCAL_ZEROFILL		0x12
#define S_THREAD_LOCAL_VARIABLES	0x13
#define S_ATTR_PURE_INSTRUCTIONS	0x80000000u
#define S_ATTR_DEBUG			0x02000000u
#define S_ATTR_SOME_INSTRUCTIONS	0x00000400u

#define N_STAB		0xe0
#define N_PEXT		0x10
#define N_TYPE		0x0e
#define N_EXT		0x01
#define N_UNDF		0x0
#define N_ABS		0x2
#define N_INDR		0xa
#define N_PBUD		0xc
#define N_SECT		0xe
#define N_WEAK_REF	0x0040
#define N_WEAK_DEF	0x0080

#define R_SCATTERED	0x80000000u
#define R_ABS		0

enum {
	X86_64_RELOC_UNSIGNED, X86_64_RELOC_SIGNED, X86_64_RELOC_BRANCH,
	X86_64_RELOC_GOT_LOAD, X86_64_RELOC_GOT, X86_64_RELOC_SUBTRACTOR,
	X86_64_RELOC_SIGNED_1, X86_64_RELOC_SIGNED_2, X86_64_RELOC_SIGNED_4,
	X86_64_RELOC_TLV,
};

enum {
	ARM64_RELOC_UNSIGNED, ARM64_RELOC_SUBTRACTOR, ARM64_RELOC_BRANCH26,
	ARM64_RELOC_PAGE21, ARM64_RELOC_PAGEOFF12,
	ARM64_RELOC_GOT_LOAD_PAGE21, ARM64_RELOC_GOT_LOAD_PAGEOFF12,
	ARM64_RELOC_POINTER_TO_GOT, ARM64_RELOC_TLVP_LOAD_PAGE21,
	ARM64_RELOC_TLVP_LOAD_PAGEOFF12, ARM64_RELOC_ADDEND,
};

enum {
	GENERIC_RELOC_VANILLA, GENERIC_RELOC_PAIR, GENERIC_RELOC_SECTDIFF,
	GENERIC_RELOC_PB_LA_PTR, GENERIC_RELOC_LOCAL_SECTDIFF,
	GENERIC_RELOC_TLV,
};

enum {
	ARM_RELOC_VANILLA, ARM_RELOC_PAIR, ARM_RELOC_SECTDIFF,
	ARM_RELOC_LOCAL_SECTDIFF, ARM_RELOC_PB_LA_PTR, ARM_RELOC_BR24,
	ARM_THUMB_RELOC_BR22, ARM_THUMB_32BIT_BRANCH, ARM_RELOC_HALF,
	ARM_RELOC_HALF_SECTDIFF,
};

/* The names llvm-objdump -r prints. */
static const char *const x86_64_reloc_names[] = {
	"X86_64_RELOC_UNSIGNED", "X86_64_RELOC_SIGNED", "X86_64_RELOC_BRANCH",
	"X86_64_RELOC_GOT_LOAD", "X86_64_RELOC_GOT", "X86_64_RELOC_SUBTRACTOR",
	"X86_64_RELOC_SIGNED_1", "X86_64_RELOC_SIGNED_2",
	"X86_64_RELOC_SIGNED_4", "X86_64_RELOC_TLV",
};
static const char *const arm64_reloc_names[] = {
	"ARM64_RELOC_UNSIGNED", "ARM64_RELOC_SUBTRACTOR",
	"ARM64_RELOC_BRANCH26", "ARM64_RELOC_PAGE21", "ARM64_RELOC_PAGEOFF12",
	"ARM64_RELOC_GOT_LOAD_PAGE21", "ARM64_RELOC_GOT_LOAD_PAGEOFF12",
	"ARM64_RELOC_POINTER_TO_GOT", "ARM64_RELOC_TLVP_LOAD_PAGE21",
	"ARM64_RELOC_TLVP_LOAD_PAGEOFF12", "ARM64_RELOC_ADDEND",
};
static const char *const generic_reloc_names[] = {
	"GENERIC_RELOC_VANILLA", "GENERIC_RELOC_PAIR",
	"GENERIC_RELOC_SECTDIFF", "GENERIC_RELOC_PB_LA_PTR",
	"GENERIC_RELOC_LOCAL_SECTDIFF", "GENERIC_RELOC_TLV",
};
static const char *const arm_reloc_names[] = {
	"ARM_RELOC_VANILLA", "ARM_RELOC_PAIR", "ARM_RELOC_SECTDIFF",
	"ARM_RELOC_LOCAL_SECTDIFF", "ARM_RELOC_PB_LA_PTR", "ARM_RELOC_BR24",
	"ARM_THUMB_RELOC_BR22", "ARM_THUMB_32BIT_BRANCH", "ARM_RELOC_HALF",
	"ARM_RELOC_HALF_SECTDIFF",
};

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* ---- bytes ---------------------------------------------------------- */

static uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static uint64_t get_be64(const uint8_t *p)
{
	return (uint64_t)get_be32(p) << 32 | get_be32(p + 4);
}

/* Two's complement reinterpretation without implementation-defined casts. */
static int64_t to_signed(uint64_t v)
{
	int64_t r;

	memcpy(&r, &v, sizeof(r));
	return r;
}

/* ---- the reader's state ------------------------------------------------- */

struct msect {
	struct section *sec;
	uint32_t flags;		/* type and attributes */
	uint32_t reloff, nreloc;
};

struct mreader {
	struct obj *obj;
	struct ipbp_err *err;
	bool is64, big;
	size_t hdrsize;
	struct msect *msects;	/* parallel to obj->sections */
	size_t nr_msects, cap_msects;
	bool have_symtab;
	uint32_t symoff, nsyms, stroff, strsize;
	const char *strcopy;	/* string table not ending in NUL: its one
				 * NUL-terminated copy, made on first use */
	struct symbol **syms;	/* nlist index -> symbol */
	uint64_t reloc_bytes;	/* of the relocation entries read so far */
};

struct mrel {			/* one decoded relocation_info entry */
	uint32_t address;
	uint32_t symbolnum;
	uint32_t value;		/* scattered: r_value */
	uint8_t type, length;
	bool pcrel, ext, scattered;
};

static uint32_t rd32(const struct mreader *m, uint64_t off)
{
	return (uint32_t)get_uint(m->obj->data + off, 4, m->big);
}

static uint64_t rdaddr(const struct mreader *m, uint64_t off)
{
	return get_uint(m->obj->data + off, m->is64 ? 8 : 4, m->big);
}

/* ---- probe and header ------------------------------------------------ */

static uint32_t header_magic(const uint8_t *data, size_t size)
{
	return size >= 4 ? get_be32(data) : 0;
}

static bool macho_probe(const uint8_t *data, size_t size)
{
	uint32_t magic = header_magic(data, size);

	return size >= MACH_HEADER_SIZE &&
	       (magic == MH_MAGIC || magic == MH_CIGAM ||
		magic == MH_MAGIC_64 || magic == MH_CIGAM_64);
}

static enum obj_arch arch_of_cputype(uint32_t cputype)
{
	switch (cputype) {
	case CPU_TYPE_X86_64:	return ARCH_X86_64;
	case CPU_TYPE_X86:	return ARCH_I386;
	case CPU_TYPE_ARM64:	return ARCH_AARCH64;
	case CPU_TYPE_ARM:	return ARCH_ARM;
	default:		return ARCH_UNKNOWN;
	}
}

static int type_of_filetype(uint32_t filetype, enum obj_type *type)
{
	switch (filetype) {
	case MH_OBJECT:
		*type = OBJ_RELOCATABLE;
		return 0;
	case MH_EXECUTE:
	case MH_DYLINKER:
		*type = OBJ_EXECUTABLE;
		return 0;
	case MH_DYLIB:
	case MH_BUNDLE:
	case MH_DYLIB_STUB:
	case MH_KEXT_BUNDLE:
		*type = OBJ_SHARED;
		return 0;
	default:
		return -1;
	}
}

static int read_header(struct mreader *m, uint32_t *ncmds, uint32_t *sizeofcmds)
{
	struct obj *obj = m->obj;
	uint32_t magic = header_magic(obj->data, obj->size);
	uint32_t filetype;

	m->is64 = magic == MH_MAGIC_64 || magic == MH_CIGAM_64;
	/* get_be32 reads the magic as big-endian: MH_MAGIC means big. */
	m->big = magic == MH_MAGIC || magic == MH_MAGIC_64;
	m->hdrsize = m->is64 ? MACH_HEADER_64_SIZE : MACH_HEADER_SIZE;
	if (obj->size < m->hdrsize)
		return obj_error(obj, m->err, "mach-o header is truncated");

	obj->format = FORMAT_MACHO;
	obj->bits = m->is64 ? 64 : 32;
	obj->big_endian = m->big;
	obj->machine = rd32(m, 4);
	obj->arch = arch_of_cputype(obj->machine);
	filetype = rd32(m, 12);
	if (type_of_filetype(filetype, &obj->type) < 0)
		return obj_error(obj, m->err, "unsupported mach-o file type %u",
				 filetype);
	*ncmds = rd32(m, 16);
	*sizeofcmds = rd32(m, 20);
	if (!in_bounds(obj->size, m->hdrsize, *sizeofcmds))
		return obj_error(obj, m->err,
				 "load commands (%u bytes) extend past end of file",
				 *sizeofcmds);
	if (*ncmds > *sizeofcmds / 8)
		return obj_error(obj, m->err,
				 "%u load commands do not fit in %u bytes",
				 *ncmds, *sizeofcmds);
	return 0;
}

/* ---- sections ------------------------------------------------------- */

static bool is_named(const char *seg, const char *sect, const char *want_seg,
		     const char *want_sect)
{
	return !strcmp(seg, want_seg) && !strcmp(sect, want_sect);
}

static enum section_kind classify_by_type(uint32_t flags, uint32_t *secf,
					  uint64_t *entsize)
{
	switch (flags & SECTION_TYPE) {
	case S_ZEROFILL:
	case S_GB_ZEROFILL:
		return SEC_BSS;
	case S_THREAD_LOCAL_REGULAR:
		*secf |= SECF_TLS;
		return SEC_TLS_DATA;
	case S_THREAD_LOCAL_ZEROFILL:
		*secf |= SECF_TLS;
		return SEC_TLS_BSS;
	case S_THREAD_LOCAL_VARIABLES:
		/* TLV descriptors: the thunk and key the linker fills in */
		*secf |= SECF_TLS;
		return SEC_OTHER;
	case S_CSTRING_LITERALS:
		*secf |= SECF_MERGE | SECF_STRINGS;
		*entsize = 1;
		return SEC_STRINGS;
	case S_4BYTE_LITERALS:
		*secf |= SECF_MERGE;
		*entsize = 4;
		return SEC_RODATA;
	case S_8BYTE_LITERALS:
		*secf |= SECF_MERGE;
		*entsize = 8;
		return SEC_RODATA;
	case S_16BYTE_LITERALS:
		*secf |= SECF_MERGE;
		*entsize = 16;
		return SEC_RODATA;
	default:
		return SEC_OTHER;	/* decided by attributes and names */
	}
}

static enum section_kind classify_section(const char *seg, const char *sect,
					  uint32_t flags, uint32_t *secf,
					  uint64_t *entsize)
{
	enum section_kind kind;

	*secf = 0;
	*entsize = 0;
	if (is_named(seg, sect, "__LD", "__compact_unwind"))
		return SEC_UNWIND;	/* flagged S_ATTR_DEBUG: test first */
	if (is_named(seg, sect, "__TEXT", "__eh_frame") ||
	    is_named(seg, sect, "__TEXT", "__unwind_info")) {
		*secf = SECF_ALLOC;
		return SEC_UNWIND;
	}
	if (!strcmp(sect, "__llvm_addrsig"))
		return SEC_META;
	if (!strcmp(seg, "__DWARF") || (flags & S_ATTR_DEBUG))
		return SEC_DEBUG;

	*secf = SECF_ALLOC;
	kind = classify_by_type(flags, secf, entsize);
	if (kind != SEC_OTHER || (flags & SECTION_TYPE) == S_THREAD_LOCAL_VARIABLES)
		goto out;
	if ((flags & SECTION_TYPE) == S_LITERAL_POINTERS)
		*secf |= SECF_MERGE;
	if (flags & (S_ATTR_PURE_INSTRUCTIONS | S_ATTR_SOME_INSTRUCTIONS)) {
		*secf |= SECF_EXEC;
		return SEC_CODE;
	}
	if (!strcmp(seg, "__TEXT") || !strcmp(seg, "__DATA_CONST") ||
	    !strcmp(sect, "__const"))
		return SEC_RODATA;
	kind = SEC_DATA;
out:
	if (kind != SEC_RODATA && kind != SEC_STRINGS)
		*secf |= SECF_WRITE;
	return kind;
}

static bool is_zerofill(uint32_t flags)
{
	uint32_t type = flags & SECTION_TYPE;

	return type == S_ZEROFILL || type == S_GB_ZEROFILL ||
	       type == S_THREAD_LOCAL_ZEROFILL;
}

/* Reads the section header at off (in a segment command). */
static int read_section(struct mreader *m, uint64_t off)
{
	struct obj *obj = m->obj;
	struct section *sec;
	struct msect *ms;
	uint32_t foff, align, flags;
	char sect[17] = { 0 }, seg[17] = { 0 };

	if (m->nr_msects >= m->cap_msects || m->nr_msects >= OBJ_MAX_SECTIONS)
		return obj_error(obj, m->err, "too many sections");
	memcpy(sect, obj->data + off, 16);
	memcpy(seg, obj->data + off + 16, 16);
	sec = obj_add_section(obj);
	if (!sec)
		return obj_error(obj, m->err, "out of memory");
	ms = &m->msects[m->nr_msects++];
	ms->sec = sec;
	sec->native_index = (uint32_t)m->nr_msects;	/* 1-based n_sect */
	sec->name = obj_sprintf(obj, "%s,%s", seg, sect);
	if (!sec->name)
		return obj_error(obj, m->err, "out of memory");
	off += 32;
	sec->addr = rdaddr(m, off);
	sec->size = rdaddr(m, off + (m->is64 ? 8 : 4));
	off += m->is64 ? 16 : 8;
	foff = rd32(m, off);
	align = rd32(m, off + 4);
	ms->reloff = rd32(m, off + 8);
	ms->nreloc = rd32(m, off + 12);
	ms->flags = flags = rd32(m, off + 16);
	if (align >= 64)
		return obj_error(obj, m->err, "section %s has invalid alignment 2**%u",
				 sec->name, align);
	sec->align = 1ull << align;
	sec->kind = classify_section(seg, sect, flags, &sec->flags, &sec->entsize);
	if ((flags & SECTION_TYPE) == S_SYMBOL_STUBS)
		sec->entsize = rd32(m, off + 24);	/* reserved2: stub size */
	if (is_zerofill(flags))
		return 0;
	if (!in_bounds(obj->size, foff, sec->size))
		return obj_error(obj, m->err, "section %s extends past end of file",
				 sec->name);
	sec->data = obj->data + foff;
	return 0;
}

static int read_segment(struct mreader *m, uint64_t off, uint32_t cmdsize,
			bool is64)
{
	uint64_t hsize = is64 ? SEGMENT_64_SIZE : SEGMENT_SIZE;
	uint64_t ssize = is64 ? SECTION_64_SIZE : SECTION_SIZE;
	uint32_t nsects;

	if (is64 != m->is64)
		return obj_error(m->obj, m->err, "%s in a %d-bit file",
				 is64 ? "LC_SEGMENT_64" : "LC_SEGMENT",
				 m->is64 ? 64 : 32);
	if (cmdsize < hsize)
		return obj_error(m->obj, m->err, "segment command is truncated");
	nsects = rd32(m, off + hsize - 8);
	if (nsects > (cmdsize - hsize) / ssize)
		return obj_error(m->obj, m->err,
				 "segment with %u sections does not fit its command",
				 nsects);
	for (uint32_t i = 0; i < nsects; i++)
		if (read_section(m, off + hsize + i * ssize) < 0)
			return -1;
	return 0;
}

static int read_symtab_command(struct mreader *m, uint64_t off, uint32_t cmdsize)
{
	struct obj *obj = m->obj;
	uint64_t entsize = m->is64 ? NLIST_64_SIZE : NLIST_SIZE;

	if (m->have_symtab)
		return obj_error(obj, m->err, "more than one LC_SYMTAB");
	if (cmdsize < SYMTAB_SIZE)
		return obj_error(obj, m->err, "LC_SYMTAB is truncated");
	m->have_symtab = true;
	m->symoff = rd32(m, off + 8);
	m->nsyms = rd32(m, off + 12);
	m->stroff = rd32(m, off + 16);
	m->strsize = rd32(m, off + 20);
	if (!in_bounds(obj->size, m->symoff, (uint64_t)m->nsyms * entsize))
		return obj_error(obj, m->err,
				 "symbol table (%u entries) extends past end of file",
				 m->nsyms);
	if (!in_bounds(obj->size, m->stroff, m->strsize))
		return obj_error(obj, m->err, "string table extends past end of file");
	if (m->nsyms > OBJ_MAX_SYMBOLS)
		return obj_error(obj, m->err, "too many symbols (%u)", m->nsyms);
	return 0;
}

static int read_load_commands(struct mreader *m, uint32_t ncmds,
			      uint32_t sizeofcmds)
{
	struct obj *obj = m->obj;
	uint64_t off = m->hdrsize, end = m->hdrsize + (uint64_t)sizeofcmds;
	uint64_t min_section = m->is64 ? SECTION_64_SIZE : SECTION_SIZE;

	/* Every section header takes min_section bytes of the commands. */
	m->cap_msects = sizeofcmds / min_section;
	m->msects = obj_alloc(obj, (m->cap_msects + 1) * sizeof(*m->msects));
	if (!m->msects)
		return obj_error(obj, m->err, "out of memory");

	for (uint32_t i = 0; i < ncmds; i++) {
		uint32_t cmd, cmdsize;
		int ret = 0;

		if (end - off < 8)
			return obj_error(obj, m->err,
					 "load command %u extends past the commands", i);
		cmd = rd32(m, off);
		cmdsize = rd32(m, off + 4);
		if (cmdsize < 8 || cmdsize % 4 || cmdsize > end - off)
			return obj_error(obj, m->err,
					 "load command %u has bad size %u", i, cmdsize);
		if (cmd == LC_SEGMENT || cmd == LC_SEGMENT_64)
			ret = read_segment(m, off, cmdsize, cmd == LC_SEGMENT_64);
		else if (cmd == LC_SYMTAB)
			ret = read_symtab_command(m, off, cmdsize);
		if (ret < 0)
			return ret;
		off += cmdsize;
	}
	return 0;
}

/* ---- symbols ---------------------------------------------------------- */

static bool is_temp_name(const char *name)
{
	return name[0] == 'L' || name[0] == 'l';
}

static int symbol_name(struct mreader *m, uint32_t strx, const char **name)
{
	const char *s, *nul;
	size_t avail;

	if (strx >= m->strsize) {
		if (strx == 0) {	/* no string table: unnamed */
			*name = "";
			return 0;
		}
		return obj_error(m->obj, m->err,
				 "symbol name offset %u is past the string table", strx);
	}
	s = (const char *)m->obj->data + m->stroff + strx;
	avail = m->strsize - strx;
	nul = memchr(s, 0, avail);
	if (nul) {
		*name = s;
		return 0;
	}
	/* One copy of the table, not one per name (see elf_string()). */
	if (!m->strcopy &&
	    !(m->strcopy = obj_strndup(m->obj, (const char *)m->obj->data + m->stroff,
				       m->strsize)))
		return obj_error(m->obj, m->err, "out of memory");
	*name = m->strcopy + strx;
	return 0;
}

static int place_defined(struct mreader *m, struct symbol *sym, unsigned nsect)
{
	struct section *sec;

	if (nsect == 0 || nsect > m->nr_msects)
		return obj_error(m->obj, m->err,
				 "symbol %s is in section %u of %zu", sym->name,
				 nsect, m->nr_msects);
	sec = m->msects[nsect - 1].sec;
	if (sym->value < sec->addr || sym->value - sec->addr > sec->size) {
		/*
		 * Linkers place markers outside their section (__mh_execute_header
		 * is "in" __TEXT,__text at the segment start): keep the address.
		 */
		sym->flags |= SYMF_ABS;
		sym->offset = sym->value;
		return 0;
	}
	sym->sec = sec;
	sym->offset = sym->value - sec->addr;
	sym->flags |= SYMF_DERIVED;
	if ((m->msects[nsect - 1].flags & SECTION_TYPE) == S_THREAD_LOCAL_VARIABLES)
		sym->kind = SYMK_TLS;
	else if (sec->kind == SEC_CODE)
		sym->kind = SYMK_FUNC;
	else
		sym->kind = SYMK_DATA;
	return 0;
}

static int fill_symbol(struct mreader *m, struct symbol *sym, uint8_t type,
		       uint8_t nsect, uint16_t desc)
{
	if (type & N_STAB) {
		sym->flags |= SYMF_DEBUG;
		return 0;
	}
	if (type & N_EXT)
		sym->bind = (desc & (N_WEAK_DEF | N_WEAK_REF)) ? BIND_WEAK : BIND_GLOBAL;
	if (type & N_PEXT)
		sym->flags |= SYMF_HIDDEN;
	if (is_temp_name(sym->name))
		sym->flags |= SYMF_TEMP;

	switch (type & N_TYPE) {
	case N_SECT:
		if (place_defined(m, sym, nsect) < 0)
			return -1;
		if (sym->flags & SYMF_TEMP)
			sym->kind = SYMK_NOTYPE;
		return 0;
	case N_ABS:
		sym->flags |= SYMF_ABS;
		sym->offset = sym->value;
		return 0;
	case N_UNDF:
		if ((type & N_EXT) && sym->value != 0) {
			sym->flags |= SYMF_COMMON;
			sym->kind = SYMK_DATA;
			sym->size = sym->value;
			return 0;
		}
		/* fall through */
	case N_PBUD:
	case N_INDR:	/* an alias of another (named by n_value) symbol */
	default:
		sym->flags |= SYMF_UNDEF;
		return 0;
	}
}

static int read_symbols(struct mreader *m)
{
	struct obj *obj = m->obj;
	uint64_t entsize = m->is64 ? NLIST_64_SIZE : NLIST_SIZE;

	m->syms = obj_alloc(obj, ((size_t)m->nsyms + 1) * sizeof(*m->syms));
	if (!m->syms)
		return obj_error(obj, m->err, "out of memory");
	for (uint32_t i = 0; i < m->nsyms; i++) {
		uint64_t off = m->symoff + i * entsize;
		const uint8_t *p = obj->data + off;
		struct symbol *sym = obj_add_symbol(obj);

		if (!sym)
			return obj_error(obj, m->err, "out of memory");
		m->syms[i] = sym;
		sym->native_index = i;
		if (symbol_name(m, rd32(m, off), &sym->name) < 0)
			return -1;
		sym->value = rdaddr(m, off + 8);
		if (fill_symbol(m, sym, p[4], p[5],
				(uint16_t)get_uint(p + 6, 2, m->big)) < 0)
			return -1;
	}
	return 0;
}

/* Mach-O has no section symbols: one per section, for non-extern relocs. */
static int add_section_symbols(struct mreader *m)
{
	for (size_t i = 0; i < m->nr_msects; i++)
		if (!obj_section_symbol(m->obj, m->msects[i].sec))
			return obj_error(m->obj, m->err, "out of memory");
	return 0;
}

/* ---- relocations ------------------------------------------------------ */

static bool has_scattered(const struct obj *obj)
{
	return obj->arch != ARCH_X86_64 && obj->arch != ARCH_AARCH64;
}

static void decode_reloc(const struct mreader *m, uint64_t off, struct mrel *r)
{
	uint32_t w0 = rd32(m, off), w1 = rd32(m, off + 4);

	memset(r, 0, sizeof(*r));
	if (has_scattered(m->obj) && (w0 & R_SCATTERED)) {
		r->scattered = true;
		r->address = w0 & 0xffffff;
		r->type = (w0 >> 24) & 0xf;
		r->length = (w0 >> 28) & 3;
		r->pcrel = (w0 >> 30) & 1;
		r->value = w1;
		return;
	}
	r->address = w0;
	if (m->big) {
		r->symbolnum = w1 >> 8;
		r->pcrel = (w1 >> 7) & 1;
		r->length = (w1 >> 5) & 3;
		r->ext = (w1 >> 4) & 1;
		r->type = w1 & 0xf;
	} else {
		r->symbolnum = w1 & 0xffffff;
		r->pcrel = (w1 >> 24) & 1;
		r->length = (w1 >> 25) & 3;
		r->ext = (w1 >> 27) & 1;
		r->type = w1 >> 28;
	}
}

/* The section whose range holds addr (scattered relocations). */
static struct section *find_section_by_addr(const struct mreader *m, uint64_t addr)
{
	for (size_t i = 0; i < m->nr_msects; i++) {
		struct section *sec = m->msects[i].sec;

		if (addr >= sec->addr && addr - sec->addr < sec->size)
			return sec;
	}
	for (size_t i = 0; i < m->nr_msects; i++)	/* one past the end */
		if (addr == m->msects[i].sec->addr + m->msects[i].sec->size)
			return m->msects[i].sec;
	return NULL;
}

/*
 * The symbol a relocation entry refers to, and what its address adds to
 * the stored value: 0 for extern symbols (the field holds the addend), the
 * section's address for section-relative entries (the field holds an
 * address).  R_ABS (section 0) yields no symbol.
 */
static int reloc_symbol(struct mreader *m, const struct msect *ms,
			const struct mrel *r, struct symbol **sym, uint64_t *base)
{
	*base = 0;
	*sym = NULL;
	if (r->scattered) {
		struct section *sec = find_section_by_addr(m, r->value);

		if (!sec)
			return obj_error(m->obj, m->err,
					 "%s: scattered relocation at %#x refers to "
					 "address %#x outside every section",
					 ms->sec->name, r->address, r->value);
		*sym = sec->secsym;
		*base = sec->addr;
		return 0;
	}
	if (r->ext) {
		if (r->symbolnum >= m->nsyms)
			return obj_error(m->obj, m->err,
					 "%s: relocation at %#x refers to symbol %u of %u",
					 ms->sec->name, r->address, r->symbolnum, m->nsyms);
		*sym = m->syms[r->symbolnum];
		return 0;
	}
	if (r->symbolnum == R_ABS)
		return 0;
	if (r->symbolnum > m->nr_msects)
		return obj_error(m->obj, m->err,
				 "%s: relocation at %#x refers to section %u of %zu",
				 ms->sec->name, r->address, r->symbolnum, m->nr_msects);
	*sym = m->msects[r->symbolnum - 1].sec->secsym;
	*base = (*sym)->sec->addr;
	return 0;
}

/* Checks that the field [address, address+width) lies in sec's bytes. */
static int check_field(struct mreader *m, const struct section *sec,
		       uint32_t address, unsigned width)
{
	if (!sec->data)
		return obj_error(m->obj, m->err,
				 "%s: relocations in a section without contents",
				 sec->name);
	if (!in_bounds(sec->size, address, width))
		return obj_error(m->obj, m->err,
				 "%s: relocation at %#x extends past the section",
				 sec->name, address);
	return 0;
}

static int64_t read_field(const struct mreader *m, const struct section *sec,
			  uint32_t address, unsigned width)
{
	return sign_extend(get_uint(sec->data + address, width, m->big), 8 * width);
}

static struct reloc *new_reloc(struct mreader *m, const struct msect *ms,
			       const struct mrel *r, enum reloc_kind kind,
			       unsigned width)
{
	struct reloc *rel = obj_add_reloc(m->obj);

	if (!rel) {
		obj_error(m->obj, m->err, "out of memory");
		return NULL;
	}
	rel->sec = ms->sec;
	rel->offset = r->address;
	rel->type = r->type;
	rel->kind = kind;
	rel->width = (uint8_t)width;
	rel->flags = RELF_INLINE;
	return rel;
}

/* Adds one relocation whose addend is stored value + extra - base. */
static int add_simple(struct mreader *m, const struct msect *ms,
		      const struct mrel *r, enum reloc_kind kind, unsigned width,
		      int64_t stored, uint64_t pcbase)
{
	struct symbol *sym;
	uint64_t base;
	struct reloc *rel;

	if (reloc_symbol(m, ms, r, &sym, &base) < 0)
		return -1;
	rel = new_reloc(m, ms, r, sym ? kind : RK_NONE, width);
	if (!rel)
		return -1;
	rel->sym = sym;
	rel->addend = to_signed((uint64_t)stored + pcbase - base);
	return 0;
}

/* A SUBTRACTOR or SECTDIFF pair: one RK_SUB relocation, add - sub. */
static int add_sub_pair(struct mreader *m, const struct msect *ms,
			const struct mrel *first, unsigned width,
			struct symbol *add, struct symbol *sub, int64_t addend)
{
	struct reloc *rel;

	if (!add || !sub)
		return obj_error(m->obj, m->err,
				 "%s: subtraction at %#x has an absolute operand",
				 ms->sec->name, first->address);
	rel = new_reloc(m, ms, first, RK_SUB, width);
	if (!rel)
		return -1;
	rel->sym = add;
	rel->sub = sub;
	rel->addend = addend;
	return 0;
}

static int pair_error(struct mreader *m, const struct msect *ms,
		      const struct mrel *r, const char *what)
{
	return obj_error(m->obj, m->err, "%s: relocation at %#x: %s",
			 ms->sec->name, r->address, what);
}

/* x86_64 and arm64 SUBTRACTOR followed by UNSIGNED at the same place. */
static int add_subtractor(struct mreader *m, const struct msect *ms,
			  const struct mrel *r, const struct mrel *next,
			  uint8_t unsigned_type)
{
	struct symbol *sub, *add;
	uint64_t sub_base, add_base;
	int64_t stored;

	if (!next || next->type != unsigned_type || next->address != r->address ||
	    next->length != r->length)
		return pair_error(m, ms, r, "SUBTRACTOR is not followed by UNSIGNED");
	if (r->length < 2)
		return pair_error(m, ms, r, "SUBTRACTOR of fewer than 4 bytes");
	if (check_field(m, ms->sec, r->address, 1u << r->length) < 0 ||
	    reloc_symbol(m, ms, r, &sub, &sub_base) < 0 ||
	    reloc_symbol(m, ms, next, &add, &add_base) < 0)
		return -1;
	/*
	 * The field holds A - B + C, less what extern symbols stand for: an
	 * extern operand contributes nothing, a section-relative one its
	 * address.  So sym + addend - sub is the field's value.
	 */
	stored = read_field(m, ms->sec, r->address, 1u << r->length);
	return add_sub_pair(m, ms, r, 1u << r->length, add, sub,
			    to_signed((uint64_t)stored - add_base + sub_base));
}

static int x86_64_reloc(struct mreader *m, const struct msect *ms,
			const struct mrel *r, const struct mrel *next, int *used)
{
	static const enum reloc_kind kinds[] = {
		[X86_64_RELOC_UNSIGNED] = RK_ABS, [X86_64_RELOC_SIGNED] = RK_PCREL,
		[X86_64_RELOC_BRANCH] = RK_BRANCH, [X86_64_RELOC_GOT_LOAD] = RK_GOT,
		[X86_64_RELOC_GOT] = RK_GOT, [X86_64_RELOC_SUBTRACTOR] = RK_SUB,
		[X86_64_RELOC_SIGNED_1] = RK_PCREL, [X86_64_RELOC_SIGNED_2] = RK_PCREL,
		[X86_64_RELOC_SIGNED_4] = RK_PCREL, [X86_64_RELOC_TLV] = RK_TLS,
	};
	unsigned width = 1u << r->length;
	uint64_t pcbase = 0;
	int64_t stored;

	*used = 1;
	if (r->type == X86_64_RELOC_SUBTRACTOR) {
		*used = 2;
		return add_subtractor(m, ms, r, next, X86_64_RELOC_UNSIGNED);
	}
	if (check_field(m, ms->sec, r->address, width) < 0)
		return -1;
	stored = read_field(m, ms->sec, r->address, width);
	/* SIGNED_N: N bytes of the instruction follow the field */
	if (r->type == X86_64_RELOC_SIGNED_1)
		pcbase = 1;
	else if (r->type == X86_64_RELOC_SIGNED_2)
		pcbase = 2;
	else if (r->type == X86_64_RELOC_SIGNED_4)
		pcbase = 4;
	/* section-relative pc-relative fields hold target - (P + 4 + N) */
	if (r->pcrel && !r->ext)
		pcbase += ms->sec->addr + r->address + width;
	return add_simple(m, ms, r,
			  r->type < ARRAY_SIZE(kinds) ? kinds[r->type] : RK_OTHER,
			  width, stored, pcbase);
}

/* The addend an arm64 instruction field holds, by relocation type. */
static int64_t arm64_insn_addend(uint8_t type, uint32_t insn)
{
	unsigned scale = 0;

	switch (type) {
	case ARM64_RELOC_BRANCH26:
		return sign_extend(insn & 0x3ffffff, 26) * 4;
	case ARM64_RELOC_PAGE21:
	case ARM64_RELOC_GOT_LOAD_PAGE21:
	case ARM64_RELOC_TLVP_LOAD_PAGE21:
		return sign_extend(((insn >> 5) & 0x7ffff) << 2 | ((insn >> 29) & 3),
				   21) * 4096;
	case ARM64_RELOC_PAGEOFF12:
	case ARM64_RELOC_GOT_LOAD_PAGEOFF12:
	case ARM64_RELOC_TLVP_LOAD_PAGEOFF12:
		if ((insn & 0x3b000000) == 0x39000000) {	/* ldr/str imm */
			scale = insn >> 30;
			if ((insn & 0x04800000) == 0x04800000)	/* 128-bit */
				scale = 4;
		}
		return (int64_t)(((insn >> 10) & 0xfff) << scale);
	default:
		return 0;
	}
}

static enum reloc_kind arm64_kind(uint8_t type)
{
	switch (type) {
	case ARM64_RELOC_UNSIGNED:		return RK_ABS;
	case ARM64_RELOC_BRANCH26:		return RK_BRANCH;
	case ARM64_RELOC_PAGE21:		return RK_PAGE;
	case ARM64_RELOC_PAGEOFF12:		return RK_PAGEOFF;
	case ARM64_RELOC_GOT_LOAD_PAGE21:
	case ARM64_RELOC_GOT_LOAD_PAGEOFF12:
	case ARM64_RELOC_POINTER_TO_GOT:	return RK_GOT;
	case ARM64_RELOC_TLVP_LOAD_PAGE21:
	case ARM64_RELOC_TLVP_LOAD_PAGEOFF12:	return RK_TLS;
	default:				return RK_OTHER;
	}
}

static bool is_arm64_insn_reloc(uint8_t type)
{
	return type == ARM64_RELOC_BRANCH26 ||
	       (type >= ARM64_RELOC_PAGE21 && type <= ARM64_RELOC_GOT_LOAD_PAGEOFF12) ||
	       type == ARM64_RELOC_TLVP_LOAD_PAGE21 ||
	       type == ARM64_RELOC_TLVP_LOAD_PAGEOFF12;
}

/* ARM64_RELOC_ADDEND carries the addend of the BRANCH26/PAGE* after it. */
static int arm64_addend_pair(struct mreader *m, const struct msect *ms,
			     const struct mrel *r, const struct mrel *next)
{
	struct reloc *rel;
	struct symbol *sym;
	uint64_t base;

	if (!next || next->address != r->address ||
	    (next->type != ARM64_RELOC_BRANCH26 && next->type != ARM64_RELOC_PAGE21 &&
	     next->type != ARM64_RELOC_PAGEOFF12))
		return pair_error(m, ms, r, "ADDEND is not followed by "
				  "BRANCH26, PAGE21 or PAGEOFF12");
	if (check_field(m, ms->sec, next->address, 4) < 0 ||
	    reloc_symbol(m, ms, next, &sym, &base) < 0)
		return -1;
	rel = new_reloc(m, ms, next, sym ? arm64_kind(next->type) : RK_NONE, 4);
	if (!rel)
		return -1;
	rel->flags = 0;		/* the addend is in the entry, not the bytes */
	rel->sym = sym;
	rel->addend = sign_extend(r->symbolnum, 24);
	return 0;
}

static int arm64_reloc(struct mreader *m, const struct msect *ms,
		       const struct mrel *r, const struct mrel *next, int *used)
{
	unsigned width = 1u << r->length;
	uint64_t pcbase = 0;
	int64_t stored;

	*used = 1;
	if (r->type == ARM64_RELOC_SUBTRACTOR) {
		*used = 2;
		return add_subtractor(m, ms, r, next, ARM64_RELOC_UNSIGNED);
	}
	if (r->type == ARM64_RELOC_ADDEND) {
		*used = 2;
		return arm64_addend_pair(m, ms, r, next);
	}
	if (is_arm64_insn_reloc(r->type))
		width = 4;
	if (check_field(m, ms->sec, r->address, width) < 0)
		return -1;
	stored = read_field(m, ms->sec, r->address, width);
	if (is_arm64_insn_reloc(r->type)) {
		uint64_t p = ms->sec->addr + r->address;

		stored = arm64_insn_addend(r->type, (uint32_t)stored);
		/* section-relative branches and pages count from the field */
		if (!r->ext && r->type == ARM64_RELOC_BRANCH26)
			pcbase = p;
		else if (!r->ext && r->type == ARM64_RELOC_PAGE21)
			pcbase = p & ~0xfffull;
	}
	return add_simple(m, ms, r, arm64_kind(r->type), width, stored, pcbase);
}

/* ---- i386 and arm (32-bit, with scattered entries and PAIRs) ---------- */

static bool is_sectdiff(const struct obj *obj, uint8_t type)
{
	if (obj->arch == ARCH_ARM)
		return type == ARM_RELOC_SECTDIFF || type == ARM_RELOC_LOCAL_SECTDIFF ||
		       type == ARM_RELOC_HALF_SECTDIFF;
	return type == GENERIC_RELOC_SECTDIFF || type == GENERIC_RELOC_LOCAL_SECTDIFF;
}


/* ARM movw/movt: the 16-bit immediate of the instruction at p. */
static uint32_t arm_half_imm(const uint8_t *p, bool thumb)
{
	uint32_t hi, lo;

	if (!thumb) {
		uint32_t insn = (uint32_t)get_uint(p, 4, false);

		return ((insn >> 4) & 0xf000) | (insn & 0xfff);
	}
	hi = (uint32_t)get_uint(p, 2, false);
	lo = (uint32_t)get_uint(p + 2, 2, false);
	return (hi & 0xf) << 12 | ((hi >> 10) & 1) << 11 |
	       ((lo >> 12) & 7) << 8 | (lo & 0xff);
}

/* ARM_RELOC_HALF(_SECTDIFF): this half from the instruction, the other
 * half from the PAIR's r_address; r_length bit 0 says which is which. */
static uint32_t arm_half_value(const struct msect *ms, const struct mrel *r,
			       const struct mrel *pair)
{
	uint32_t imm = arm_half_imm(ms->sec->data + r->address, r->length & 2);

	if (r->length & 1)	/* movt: the high half */
		return imm << 16 | (pair->address & 0xffff);
	return (pair->address & 0xffff) << 16 | imm;
}

/* SECTDIFF + PAIR: A (first r_value) - B (the PAIR's r_value) + C. */
static int sectdiff_reloc(struct mreader *m, const struct msect *ms,
			  const struct mrel *r, const struct mrel *next)
{
	bool half = m->obj->arch == ARCH_ARM && r->type == ARM_RELOC_HALF_SECTDIFF;
	unsigned width = half ? 4 : 1u << r->length;
	struct section *asec, *bsec;
	int64_t stored;

	if (!next || next->type != GENERIC_RELOC_PAIR || !r->scattered ||
	    !next->scattered)
		return pair_error(m, ms, r, "SECTDIFF is not a scattered pair");
	asec = find_section_by_addr(m, r->value);
	bsec = find_section_by_addr(m, next->value);
	if (!asec || !bsec)
		return pair_error(m, ms, r, "SECTDIFF refers outside every section");
	if (check_field(m, ms->sec, r->address, width) < 0)
		return -1;
	if (half)
		stored = sign_extend(arm_half_value(ms, r, next), 32);
	else
		stored = read_field(m, ms->sec, r->address, width);
	/*
	 * Both addresses are known, but B is rarely a symbol (a pic base
	 * label): sub is B's section symbol and sym + addend = A + C, so
	 * addend = stored + B - asec.
	 */
	return add_sub_pair(m, ms, r, width, asec->secsym, bsec->secsym,
			    to_signed((uint64_t)stored + next->value - asec->addr));
}

static int i386_reloc(struct mreader *m, const struct msect *ms,
		      const struct mrel *r, const struct mrel *next, int *used)
{
	unsigned width = 1u << r->length;
	enum reloc_kind kind = RK_ABS;
	uint64_t pcbase = 0;
	int64_t stored;

	*used = 1;
	if (is_sectdiff(m->obj, r->type)) {
		*used = 2;
		return sectdiff_reloc(m, ms, r, next);
	}
	if (r->type == GENERIC_RELOC_PAIR)
		return pair_error(m, ms, r, "PAIR without a relocation before it");
	if (r->type == GENERIC_RELOC_TLV)
		kind = RK_TLS;
	else if (r->type != GENERIC_RELOC_VANILLA && r->type != GENERIC_RELOC_PB_LA_PTR)
		kind = RK_OTHER;
	else if (r->pcrel)
		kind = RK_PCREL;
	if (check_field(m, ms->sec, r->address, width) < 0)
		return -1;
	stored = read_field(m, ms->sec, r->address, width);
	/* pc-relative fields hold target - (P + width), extern targets at 0 */
	if (r->pcrel)
		pcbase = ms->sec->addr + r->address + width;
	return add_simple(m, ms, r, kind, width, stored, pcbase);
}

/* ARM b/bl (imm24) and Thumb bl (two halfwords): displacement from P. */
static int64_t arm_branch_disp(const uint8_t *p, uint8_t type)
{
	uint32_t hi, lo, s, i1, i2;

	if (type == ARM_RELOC_BR24)
		return sign_extend(get_uint(p, 4, false) & 0xffffff, 24) * 4 + 8;
	hi = (uint32_t)get_uint(p, 2, false);
	lo = (uint32_t)get_uint(p + 2, 2, false);
	s = (hi >> 10) & 1;
	i1 = !(((lo >> 13) & 1) ^ s);
	i2 = !(((lo >> 11) & 1) ^ s);
	return sign_extend(s << 24 | i1 << 23 | i2 << 22 | (hi & 0x3ff) << 12 |
			   (lo & 0x7ff) << 1, 25) + 4;
}

static int arm_reloc(struct mreader *m, const struct msect *ms,
		     const struct mrel *r, const struct mrel *next, int *used)
{
	unsigned width = 1u << r->length;
	uint64_t p = ms->sec->addr + r->address;
	enum reloc_kind kind;
	int64_t stored;

	*used = 1;
	if (is_sectdiff(m->obj, r->type)) {
		*used = 2;
		return sectdiff_reloc(m, ms, r, next);
	}
	switch (r->type) {
	case ARM_RELOC_VANILLA:
	case ARM_RELOC_PB_LA_PTR:
		return i386_reloc(m, ms, r, next, used);
	case ARM_RELOC_BR24:
	case ARM_THUMB_RELOC_BR22:
	case ARM_THUMB_32BIT_BRANCH:
		if (check_field(m, ms->sec, r->address, 4) < 0)
			return -1;
		stored = arm_branch_disp(ms->sec->data + r->address,
					 r->type == ARM_RELOC_BR24 ? ARM_RELOC_BR24 :
					 ARM_THUMB_RELOC_BR22);
		return add_simple(m, ms, r, RK_BRANCH, 4, stored, p);
	case ARM_RELOC_HALF:
		*used = 2;
		if (!next || next->type != ARM_RELOC_PAIR)
			return pair_error(m, ms, r, "HALF is not followed by PAIR");
		if (check_field(m, ms->sec, r->address, 4) < 0)
			return -1;
		kind = (r->length & 1) ? RK_PAGE : RK_PAGEOFF;
		stored = sign_extend(arm_half_value(ms, r, next), 32);
		return add_simple(m, ms, r, kind, 4, stored, 0);
	case ARM_RELOC_PAIR:
		return pair_error(m, ms, r, "PAIR without a relocation before it");
	default:
		if (check_field(m, ms->sec, r->address, width) < 0)
			return -1;
		return add_simple(m, ms, r, RK_OTHER, width,
				  read_field(m, ms->sec, r->address, width), 0);
	}
}

typedef int reloc_fn(struct mreader *m, const struct msect *ms,
		     const struct mrel *r, const struct mrel *next, int *used);

static reloc_fn *reloc_reader(const struct obj *obj)
{
	switch (obj->arch) {
	case ARCH_X86_64:	return x86_64_reloc;
	case ARCH_AARCH64:	return arm64_reloc;
	case ARCH_I386:		return i386_reloc;
	case ARCH_ARM:		return arm_reloc;
	default:		return NULL;
	}
}

static int read_section_relocs(struct mreader *m, const struct msect *ms)
{
	reloc_fn *fn = reloc_reader(m->obj);
	struct mrel cur, next;

	if (!ms->nreloc)
		return 0;
	if (!in_bounds(m->obj->size, ms->reloff, (uint64_t)ms->nreloc * RELOC_SIZE))
		return obj_error(m->obj, m->err,
				 "%s: relocations extend past end of file",
				 ms->sec->name);
	/* Each section's entries fit the file; all of them together do too,
	 * unless sections share them (N sections reading one table would
	 * multiply it). */
	m->reloc_bytes += (uint64_t)ms->nreloc * RELOC_SIZE;
	if (m->reloc_bytes > m->obj->size)
		return obj_error(m->obj, m->err,
				 "relocation tables overlap (%llu bytes of entries in a "
				 "%zu-byte file)", (unsigned long long)m->reloc_bytes,
				 m->obj->size);
	if (!fn)
		return obj_error(m->obj, m->err,
				 "%s: relocations for cputype %#x are not supported",
				 ms->sec->name, m->obj->machine);
	for (uint32_t i = 0; i < ms->nreloc;) {
		bool has_next = i + 1 < ms->nreloc;
		int used = 1;

		decode_reloc(m, ms->reloff + (uint64_t)i * RELOC_SIZE, &cur);
		if (has_next)
			decode_reloc(m, ms->reloff + (uint64_t)(i + 1) * RELOC_SIZE, &next);
		if (fn(m, ms, &cur, has_next ? &next : NULL, &used) < 0)
			return -1;
		i += (uint32_t)used;
	}
	return 0;
}

static int read_relocs(struct mreader *m)
{
	uint64_t total = 0;

	for (size_t i = 0; i < m->nr_msects; i++)
		total += m->msects[i].nreloc;
	if (total > OBJ_MAX_RELOCS)
		return obj_error(m->obj, m->err, "too many relocations");
	for (size_t i = 0; i < m->nr_msects; i++)
		if (read_section_relocs(m, &m->msects[i]) < 0)
			return -1;
	return 0;
}

/* ---- the reader ------------------------------------------------------- */

static int macho_load(struct obj *obj, struct ipbp_err *err)
{
	struct mreader m = { .obj = obj, .err = err };
	uint32_t ncmds = 0, sizeofcmds = 0;

	if (!macho_probe(obj->data, obj->size))
		return obj_error(obj, err, "not a mach-o file");
	/* Header and load commands: sections and the symbol table. */
	if (read_header(&m, &ncmds, &sizeofcmds) < 0 ||
	    read_load_commands(&m, ncmds, sizeofcmds) < 0)
		return -1;
	/* Symbols, then one section symbol per section. */
	if (m.have_symtab && read_symbols(&m) < 0)
		return -1;
	if (add_section_symbols(&m) < 0)
		return -1;
	/* Relocations, with their pairs folded and addends extracted. */
	return read_relocs(&m);
}

static void macho_release(struct obj *obj)
{
	(void)obj;	/* everything lives in the obj's arena */
}

static const char *macho_reloc_type_name(const struct obj *obj, uint32_t type)
{
	const char *const *names;
	size_t n;

	switch (obj->arch) {
	case ARCH_X86_64:
		names = x86_64_reloc_names, n = ARRAY_SIZE(x86_64_reloc_names);
		break;
	case ARCH_AARCH64:
		names = arm64_reloc_names, n = ARRAY_SIZE(arm64_reloc_names);
		break;
	case ARCH_I386:
		names = generic_reloc_names, n = ARRAY_SIZE(generic_reloc_names);
		break;
	case ARCH_ARM:
		names = arm_reloc_names, n = ARRAY_SIZE(arm_reloc_names);
		break;
	default:
		return "Unknown";
	}
	return type < n ? names[type] : "Unknown";
}

const struct obj_ops macho_ops = {
	.name = "macho",
	.format = FORMAT_MACHO,
	.probe = macho_probe,
	.load = macho_load,
	.release = macho_release,
	.reloc_type_name = macho_reloc_type_name,
};

/* ---- universal files ---------------------------------------------------- */

struct fat_slice {
	uint32_t cputype, cpusubtype;
	uint64_t offset, size;
};

/* Java class files share FAT_MAGIC; their version makes nfat_arch >= 45. */
#define FAT_MAX_ARCHS	44

bool macho_fat_probe(const uint8_t *data, size_t size)
{
	uint32_t magic, n;

	if (size < FAT_HEADER_SIZE)
		return false;
	magic = get_be32(data);
	n = get_be32(data + 4);
	return (magic == FAT_MAGIC || magic == FAT_MAGIC_64) && n <= FAT_MAX_ARCHS;
}

static const char *slice_arch_name(uint32_t cputype, uint32_t cpusubtype,
				   char *buf, size_t len)
{
	uint32_t sub = cpusubtype & ~CPU_SUBTYPE_MASK;

	switch (cputype) {
	case CPU_TYPE_X86_64:
		return sub == CPU_SUBTYPE_X86_64_H ? "x86_64h" : "x86_64";
	case CPU_TYPE_ARM64:
		return sub == CPU_SUBTYPE_ARM64E ? "arm64e" : "arm64";
	case CPU_TYPE_X86:
		return "i386";
	case CPU_TYPE_ARM:
		return "arm";
	default:
		snprintf(buf, len, "cputype%u", cputype);
		return buf;
	}
}

static void read_fat_slice(const uint8_t *data, bool is64, uint32_t i,
			   struct fat_slice *s)
{
	const uint8_t *p = data + FAT_HEADER_SIZE +
			   (size_t)i * (is64 ? FAT_ARCH_64_SIZE : FAT_ARCH_SIZE);

	s->cputype = get_be32(p);
	s->cpusubtype = get_be32(p + 4);
	s->offset = is64 ? get_be64(p + 8) : get_be32(p + 8);
	s->size = is64 ? get_be64(p + 16) : get_be32(p + 12);
}

static const char *host_arch(void)
{
#if defined(__x86_64__)
	return "x86_64";
#elif defined(__aarch64__)
	return "arm64";
#elif defined(__i386__)
	return "i386";
#elif defined(__arm__)
	return "arm";
#else
	return "";
#endif
}

/* "x86_64, arm64" into buf. */
static void list_slices(const uint8_t *data, bool is64, uint32_t n,
			char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = 0;
	for (uint32_t i = 0; i < n && used < len; i++) {
		struct fat_slice s;
		char tmp[32];
		int k;

		read_fat_slice(data, is64, i, &s);
		k = snprintf(buf + used, len - used, "%s%s", i ? ", " : "",
			     slice_arch_name(s.cputype, s.cpusubtype, tmp, sizeof(tmp)));
		if (k < 0)
			break;
		used += (size_t)k;
	}
}

/* The index of the slice named want, or -1. */
static int find_slice_by_name(const uint8_t *data, bool is64, uint32_t n,
			      const char *want)
{
	for (uint32_t i = 0; i < n; i++) {
		struct fat_slice s;
		char tmp[32];

		read_fat_slice(data, is64, i, &s);
		if (!strcmp(slice_arch_name(s.cputype, s.cpusubtype, tmp,
					    sizeof(tmp)), want))
			return (int)i;
	}
	return -1;
}

int macho_fat_slice(const char *name, const uint8_t *data, size_t size,
		    const char *arch, size_t *offset, size_t *len,
		    struct ipbp_err *err)
{
	char slices[256];
	struct fat_slice s;
	uint32_t n;
	bool is64;
	int i;

	if (!macho_fat_probe(data, size))
		return ipbp_error(err, "%s: not a universal mach-o file", name);
	is64 = get_be32(data) == FAT_MAGIC_64;
	n = get_be32(data + 4);
	if (!in_bounds(size, FAT_HEADER_SIZE,
		       (uint64_t)n * (is64 ? FAT_ARCH_64_SIZE : FAT_ARCH_SIZE)))
		return ipbp_error(err, "%s: universal header extends past end of file",
				  name);
	if (n == 0)
		return ipbp_error(err, "%s: universal file has no slices", name);
	list_slices(data, is64, n, slices, sizeof(slices));
	i = find_slice_by_name(data, is64, n, arch ? arch : host_arch());
	if (i < 0 && !arch && n == 1)
		i = 0;
	if (i < 0 && arch)
		return ipbp_error(err, "%s: universal file has no %s slice (it has %s)",
				  name, arch, slices);
	if (i < 0)
		return ipbp_error(err, "%s: universal file has no %s slice: "
				  "choose one of %s", name, host_arch(), slices);
	read_fat_slice(data, is64, (uint32_t)i, &s);
	if (!in_bounds(size, s.offset, s.size)) {
		char tmp[32];

		return ipbp_error(err, "%s: %s slice extends past end of file", name,
				  slice_arch_name(s.cputype, s.cpusubtype, tmp,
						  sizeof(tmp)));
	}
	*offset = (size_t)s.offset;
	*len = (size_t)s.size;
	return 0;
}
