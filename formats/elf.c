// SPDX-License-Identifier: MIT
/*
 * elf.c - the ELF reader, on elfutils libelf (gelf.h).
 *
 * Relocatable objects, shared objects and executables; ELFCLASS32 and 64,
 * either byte order.  libelf converts the header, section headers, symbols
 * and relocations to the host's GElf form; names and section bytes are
 * used in place (zero-copy).  libelf does not defend against every crafted
 * input, so the section header table is validated from the raw bytes
 * before libelf sees the file, and every index and offset it hands back
 * (sh_link, sh_info, st_shndx, r_offset, symbol indexes) is checked here.
 *
 * In linked images (ET_EXEC/ET_DYN) symbols come from .symtab, or from
 * .dynsym when the image is stripped; their offset is value - sec->addr,
 * except for TLS symbols, whose value is an offset in the TLS template
 * (the PT_TLS segment, which starts at the first SHF_TLS section).
 * Dynamic relocations (SHF_ALLOC relocation sections, or those that apply
 * to no section) describe the loader's work, not a section's fields, and
 * are not read; static ones kept with --emit-relocs are.
 *
 * Symbols keep the file's names (section symbols their empty one); an
 * STT_FILE symbol names the source of the local symbols after it
 * (symbol->file); the value of an ARM Thumb function has bit 0 set, its
 * offset is the even address where the code starts.  Sections of a COMDAT
 * group carry SECF_COMDAT and the group's signature.  Relocation types map
 * to kinds in elf-reloc.c; for x86 pc-relative types in code, bias is the
 * field width (the addend counts from the field, which ends the
 * instruction); in data (.eh_frame, jump tables) the addend is the whole
 * story and bias stays 0.
 *
 * A compressed section (SHF_COMPRESSED, e.g. debug info built with -gz)
 * is read inflated (zlib or zstd): its bytes and size in the model are the
 * uncompressed ones and its relocations are read like any other's.  One
 * that cannot be inflated (another compression, a corrupt stream, or a
 * claimed size over MAX_INFLATE_RATIO times the compressed one) keeps its
 * compressed bytes and size with SECF_COMPRESSED; its relocations address
 * the uncompressed contents, past those bytes, so they are checked
 * against the size in its Chdr and then left out of the model: every
 * relocation field in the model lies within its section's bytes.  Only
 * debug information is ever compressed, and nothing needs it to compare
 * code.  With OBJ_LOAD_KEEP_COMPRESSED, none is inflated.
 *
 * OBJ_LOAD_LAZY (relocatable objects of a known architecture): the
 * relocation tables of code sections are checked as a whole (entry size,
 * bounds) but read an offset range at a time (elf_load_range(), by binary
 * search; a table the assembler did not write in offset order gets an
 * order first).  The entries that start relative jump tables, and those
 * with bad symbol indexes, are read at once (is_loaded_early()), and so is
 * the first field outside its section (check_last_fields()): a lazy load
 * refuses what a full one does.  Types no table knows are named
 * ("unknown(250)") at load, loaded or not.
 */
#include <gelf.h>
#include <libelf.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

#include "bytes.h"
#include "elf-reloc.h"
#include "obj.h"
#include "util-int.h"

#ifndef SHT_RELR
#define SHT_RELR		19
#endif
#ifndef EF_ARM_BE8
#define EF_ARM_BE8		0x00800000
#endif
#ifndef SHN_X86_64_LCOMMON
#define SHN_X86_64_LCOMMON	0xff02
#endif
#define SHT_LLVM_FIRST		0x6fff4c00u	/* .llvm_addrsig, .deplibs, ... */
#define SHT_LLVM_LAST		0x6fff4cffu
#define SHT_PROC_UNWIND		0x70000001u	/* SHT_X86_64_UNWIND, SHT_ARM_EXIDX */
#define SHT_PROC_ATTRIBUTES	0x70000003u	/* SHT_ARM_ATTRIBUTES */

/* The raw layout of the section header table, checked before libelf. */
struct elf_layout {
	bool is64, big_endian;
	uint64_t shoff;
	size_t shentsize, shnum, shstrndx;
};

struct elf_scn {
	GElf_Shdr shdr;
	struct section *sec;	/* NULL for section 0 */
	uint64_t extent;	/* bytes its relocations may address */
	bool compressed;	/* SHF_COMPRESSED: a Chdr and compressed bytes */
	const char *strcopy;	/* string table not ending in NUL: its one
				 * NUL-terminated copy, made on first use */
};

/* obj->priv: names for the relocation types the tables do not know. */
struct elf_priv {
	uint32_t *types;	/* sorted */
	const char **names;
	size_t nr;
};

/* State of one load(). */
struct elf_reader {
	struct obj *obj;
	struct ipbp_err *err;
	Elf *elf;
	struct elf_layout l;
	bool linked;		/* ET_EXEC or ET_DYN: values are addresses */
	bool insn_le;		/* ARM BE8: instructions are little endian */
	uint64_t tls_base;	/* linked: address of the TLS template */
	struct elf_scn *scns;	/* l.shnum entries */
	size_t symtab;		/* section index of the symbol table, or 0 */
	struct symbol **syms;	/* by ELF symbol index; [0] is NULL */
	size_t nr_syms;
	uint64_t *section_syms;	/* lazy loads: bit i set when syms[i] is a
				 * section symbol */
	uint64_t reloc_bytes;	/* of the relocation entries read so far */
	/* note_unknown_type(): types of deferred entries no table knows */
	uint32_t *deferred_unknown;
	size_t nr_deferred_unknown, cap_deferred_unknown;
};

static bool starts_with(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

static bool elf_probe(const uint8_t *data, size_t size)
{
	return size >= SELFMAG && !memcmp(data, ELFMAG, SELFMAG);
}

/* ---- header and section header table ------------------------------------ */

static int check_ident(struct obj *obj, struct elf_layout *l, struct ipbp_err *err)
{
	const uint8_t *p = obj->data;

	if (obj->size < EI_NIDENT)
		return obj_error(obj, err, "truncated ELF header");
	if (p[EI_CLASS] != ELFCLASS32 && p[EI_CLASS] != ELFCLASS64)
		return obj_error(obj, err, "bad ELF class %u", p[EI_CLASS]);
	if (p[EI_DATA] != ELFDATA2LSB && p[EI_DATA] != ELFDATA2MSB)
		return obj_error(obj, err, "bad ELF data encoding %u", p[EI_DATA]);
	if (p[EI_VERSION] != EV_CURRENT)
		return obj_error(obj, err, "unsupported ELF version %u", p[EI_VERSION]);
	l->is64 = p[EI_CLASS] == ELFCLASS64;
	l->big_endian = p[EI_DATA] == ELFDATA2MSB;
	if (obj->size < (l->is64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr)))
		return obj_error(obj, err, "truncated ELF header");
	return 0;
}

/*
 * Reads e_shoff, e_shnum and e_shstrndx (with extended numbering through
 * section 0) and checks that the table lies within the file.
 */
static int check_layout(struct obj *obj, struct elf_layout *l, struct ipbp_err *err)
{
	const uint8_t *p = obj->data;
	bool be;
	size_t want;

	if (check_ident(obj, l, err) < 0)
		return -1;
	be = l->big_endian;
	want = l->is64 ? sizeof(Elf64_Shdr) : sizeof(Elf32_Shdr);
	l->shoff = get_uint(p + (l->is64 ? 40 : 32), l->is64 ? 8 : 4, be);
	l->shentsize = get_uint(p + (l->is64 ? 58 : 46), 2, be);
	l->shnum = get_uint(p + (l->is64 ? 60 : 48), 2, be);
	l->shstrndx = get_uint(p + (l->is64 ? 62 : 50), 2, be);
	if (l->shoff == 0) {
		if (l->shnum)
			return obj_error(obj, err, "%zu section headers at offset 0", l->shnum);
		l->shstrndx = 0;
		return 0;
	}
	if (l->shentsize != want)
		return obj_error(obj, err, "bad section header size %zu", l->shentsize);
	if (!in_bounds(obj->size, l->shoff, want))
		return obj_error(obj, err, "section header table extends past end of file");
	if (l->shnum == 0) {
		uint64_t n = get_uint(p + l->shoff + (l->is64 ? 32 : 20), l->is64 ? 8 : 4, be);

		if (n > obj->size / want)
			return obj_error(obj, err, "section header table extends past end of file");
		l->shnum = n;
	}
	if (l->shstrndx == SHN_XINDEX)
		l->shstrndx = get_uint(p + l->shoff + (l->is64 ? 40 : 24), 4, be);
	if (l->shnum > OBJ_MAX_SECTIONS)
		return obj_error(obj, err, "too many sections (%zu)", l->shnum);
	if (!in_bounds(obj->size, l->shoff, (uint64_t)l->shnum * want))
		return obj_error(obj, err, "section header table extends past end of file");
	if (l->shnum && l->shstrndx >= l->shnum)
		return obj_error(obj, err, "bad section name table index %zu", l->shstrndx);
	return 0;
}

static enum obj_arch elf_arch(unsigned machine)
{
	switch (machine) {
	case EM_X86_64:
		return ARCH_X86_64;
	case EM_386:
		return ARCH_I386;
	case EM_AARCH64:
		return ARCH_AARCH64;
	case EM_ARM:
		return ARCH_ARM;
	default:
		return ARCH_UNKNOWN;
	}
}

static int read_header(struct elf_reader *r)
{
	struct obj *obj = r->obj;
	GElf_Ehdr eh;
	size_t n;

	if (!gelf_getehdr(r->elf, &eh))
		return obj_error(obj, r->err, "bad ELF header: %s", elf_errmsg(-1));
	if (elf_getshdrnum(r->elf, &n) < 0 || n != r->l.shnum)
		return obj_error(obj, r->err, "bad section count");
	obj->machine = eh.e_machine;
	obj->arch = elf_arch(eh.e_machine);
	obj->bits = r->l.is64 ? 64 : 32;
	obj->big_endian = r->l.big_endian;
	r->insn_le = obj->arch == ARCH_ARM && (eh.e_flags & EF_ARM_BE8);
	switch (eh.e_type) {
	case ET_REL:
		obj->type = OBJ_RELOCATABLE;
		break;
	case ET_EXEC:
		obj->type = OBJ_EXECUTABLE;
		break;
	case ET_DYN:	/* a PIE is told from a library by .interp, later */
		obj->type = OBJ_SHARED;
		break;
	default:
		return obj_error(obj, r->err, "unsupported ELF file type %u", eh.e_type);
	}
	r->linked = eh.e_type != ET_REL;
	return 0;
}

/* ---- sections ---------------------------------------------------------- */

/*
 * The string at off in string table section strndx: in place when it is
 * NUL-terminated within the section, else in a NUL-terminated copy of the
 * whole table, made once (a copy per name would let a table of N bytes
 * without a final NUL cost N bytes per symbol).
 */
static int elf_string(struct elf_reader *r, size_t strndx, uint64_t off,
		      const char **out)
{
	const GElf_Shdr *sh;
	const char *s;
	size_t max;

	if (off == 0) {
		*out = "";
		return 0;
	}
	if (strndx == 0 || strndx >= r->l.shnum)
		return obj_error(r->obj, r->err, "bad string table index %zu", strndx);
	sh = &r->scns[strndx].shdr;
	if (sh->sh_type == SHT_NOBITS || sh->sh_type == SHT_NULL || off >= sh->sh_size)
		return obj_error(r->obj, r->err, "string offset %#llx past end of section %zu",
				 (unsigned long long)off, strndx);
	s = (const char *)r->obj->data + sh->sh_offset + off;
	max = sh->sh_size - off;
	/* a table ending in NUL ends every string in it */
	if (!s[max - 1] || memchr(s, 0, max)) {
		*out = s;
		return 0;
	}
	if (!r->scns[strndx].strcopy) {
		r->scns[strndx].strcopy = obj_strndup(r->obj, s - off, sh->sh_size);
		if (!r->scns[strndx].strcopy)
			return obj_error(r->obj, r->err, "out of memory");
	}
	*out = r->scns[strndx].strcopy + off;
	return 0;
}

static bool is_meta_type(uint32_t type)
{
	switch (type) {
	case SHT_SYMTAB: case SHT_STRTAB: case SHT_RELA: case SHT_REL:
	case SHT_HASH: case SHT_DYNAMIC: case SHT_DYNSYM: case SHT_GROUP:
	case SHT_SYMTAB_SHNDX: case SHT_RELR: case SHT_GNU_HASH:
	case SHT_GNU_versym: case SHT_GNU_verdef: case SHT_GNU_verneed:
	case SHT_GNU_LIBLIST:
		return true;
	default:
		return type >= SHT_LLVM_FIRST && type <= SHT_LLVM_LAST;
	}
}

static bool is_debug_name(const char *name)
{
	return starts_with(name, ".debug") || starts_with(name, ".zdebug") ||
	       starts_with(name, ".stab") || !strcmp(name, ".gdb_index") ||
	       !strcmp(name, ".gnu_debuglink") || !strcmp(name, ".gnu_debugaltlink");
}

static bool is_note(const struct obj *obj, const GElf_Shdr *sh, const char *name)
{
	if (sh->sh_type == SHT_NOTE || sh->sh_type == SHT_GNU_ATTRIBUTES)
		return true;
	if (obj->arch == ARCH_ARM && sh->sh_type == SHT_PROC_ATTRIBUTES)
		return true;
	return !strcmp(name, ".comment") || starts_with(name, ".note") ||
	       !strcmp(name, ".ident") || starts_with(name, ".gnu.build.attributes");
}

static bool is_unwind(const struct obj *obj, const GElf_Shdr *sh, const char *name)
{
	if (sh->sh_type == SHT_PROC_UNWIND &&
	    (obj->arch == ARCH_X86_64 || obj->arch == ARCH_ARM))
		return true;
	return !strcmp(name, ".eh_frame") || !strcmp(name, ".eh_frame_hdr") ||
	       starts_with(name, ".ARM.exidx") || starts_with(name, ".ARM.extab") ||
	       starts_with(name, ".gcc_except_table");
}

static enum section_kind classify_section(const struct obj *obj, const GElf_Shdr *sh,
					  const char *name)
{
	uint64_t f = sh->sh_flags;

	if (sh->sh_type == SHT_NULL)
		return SEC_OTHER;
	if (is_meta_type(sh->sh_type))
		return SEC_META;
	if (is_debug_name(name))
		return SEC_DEBUG;
	if (is_note(obj, sh, name))
		return SEC_NOTE;
	if (is_unwind(obj, sh, name))
		return SEC_UNWIND;
	if (sh->sh_type == SHT_NOBITS)
		return (f & SHF_TLS) ? SEC_TLS_BSS : SEC_BSS;
	if (f & SHF_TLS)
		return SEC_TLS_DATA;
	if (f & SHF_EXECINSTR)
		return SEC_CODE;
	if ((f & SHF_MERGE) && (f & SHF_STRINGS))
		return SEC_STRINGS;
	/* Relocated read-only data (tables of pointers in position-independent
	 * code): written by the loader only, constant to the program. */
	if ((f & SHF_ALLOC) && starts_with(name, ".data.rel.ro"))
		return SEC_RODATA;
	if (f & SHF_ALLOC)
		return (f & SHF_WRITE) ? SEC_DATA : SEC_RODATA;
	return SEC_OTHER;
}

static uint32_t section_flags(uint64_t f)
{
	return ((f & SHF_ALLOC) ? SECF_ALLOC : 0) |
	       ((f & SHF_WRITE) ? SECF_WRITE : 0) |
	       ((f & SHF_EXECINSTR) ? SECF_EXEC : 0) |
	       ((f & SHF_MERGE) ? SECF_MERGE : 0) |
	       ((f & SHF_STRINGS) ? SECF_STRINGS : 0) |
	       ((f & SHF_TLS) ? SECF_TLS : 0);
}

/* The uncompressed size from the Chdr at the start of a compressed section. */
static int compressed_size(struct elf_reader *r, size_t i, uint64_t *size)
{
	const GElf_Shdr *sh = &r->scns[i].shdr;
	const uint8_t *p;
	size_t chdr = r->l.is64 ? sizeof(Elf64_Chdr) : sizeof(Elf32_Chdr);

	/* Only sections with bytes had their offset checked. */
	if (sh->sh_type == SHT_NOBITS || sh->sh_type == SHT_NULL || sh->sh_size < chdr)
		return obj_error(r->obj, r->err, "compressed section %zu is too small", i);
	p = r->obj->data + sh->sh_offset;
	*size = r->l.is64 ? get_uint(p + 8, 8, r->l.big_endian)
			  : get_uint(p + 4, 4, r->l.big_endian);
	return 0;
}

/* Zlib stops near 1032:1; DWARF compresses 3 to 10 times.  More is a
 * bomb's claim, which would cost memory the input does not justify. */
#define MAX_INFLATE_RATIO 256

#ifndef ELFCOMPRESS_ZSTD
#define ELFCOMPRESS_ZSTD 2	/* gABI 2022; binutils 2.40, elfutils 0.189 */
#endif

/* Whether the size bytes at buf are what in bytes at p decompress to. */
static bool decompress(uint32_t type, uint8_t *buf, uint64_t size, const uint8_t *p,
		       uint64_t in)
{
	uLongf got = (uLongf)size;

	if (type == ELFCOMPRESS_ZSTD)
		return ZSTD_decompress(buf, size, p, in) == size;
	return got == size && in == (uLong)in &&
	       uncompress(buf, &got, p, (uLong)in) == Z_OK && got == size;
}

/* Section i's uncompressed bytes in place of its compressed ones, when
 * zlib or zstd can give them (see the top of the file); -1 only when out
 * of memory. */
static int inflate_section(struct elf_reader *r, size_t i, struct section *sec)
{
	struct elf_scn *scn = &r->scns[i];
	size_t chdr = r->l.is64 ? sizeof(Elf64_Chdr) : sizeof(Elf32_Chdr);
	const uint8_t *p = r->obj->data + scn->shdr.sh_offset;
	uint64_t in = scn->shdr.sh_size - chdr, size = scn->extent;
	uint32_t type = (uint32_t)get_uint(p, 4, r->l.big_endian);
	uint8_t *buf;

	if ((type != ELFCOMPRESS_ZLIB && type != ELFCOMPRESS_ZSTD) || size == 0 ||
	    size / MAX_INFLATE_RATIO > in || size != (size_t)size)
		return 0;
	if (!(buf = obj_alloc(r->obj, size)))
		return obj_error(r->obj, r->err, "out of memory");
	if (!decompress(type, buf, size, p + chdr, in))
		return 0;
	sec->data = buf;
	sec->size = size;
	sec->flags &= ~SECF_COMPRESSED;
	scn->compressed = false;
	return 0;
}

/* Reads and checks every section header (before any name is looked up). */
static int read_section_headers(struct elf_reader *r)
{
	struct obj *obj = r->obj;

	r->scns = calloc(r->l.shnum ? r->l.shnum : 1, sizeof(*r->scns));
	if (!r->scns)
		return obj_error(obj, r->err, "out of memory");
	for (size_t i = 1; i < r->l.shnum; i++) {
		GElf_Shdr *sh = &r->scns[i].shdr;
		Elf_Scn *scn = elf_getscn(r->elf, i);

		if (!scn || !gelf_getshdr(scn, sh))
			return obj_error(obj, r->err, "bad section header %zu: %s", i,
					 elf_errmsg(-1));
		if (sh->sh_type != SHT_NOBITS && sh->sh_type != SHT_NULL &&
		    !in_bounds(obj->size, sh->sh_offset, sh->sh_size))
			return obj_error(obj, r->err, "section %zu extends past end of file", i);
		if (sh->sh_addralign & (sh->sh_addralign - 1))
			return obj_error(obj, r->err, "section %zu has bad alignment %llu", i,
					 (unsigned long long)sh->sh_addralign);
		r->scns[i].extent = sh->sh_size;
		r->scns[i].compressed = sh->sh_flags & SHF_COMPRESSED;
		if (r->scns[i].compressed && compressed_size(r, i, &r->scns[i].extent) < 0)
			return -1;
	}
	return 0;
}

static int add_sections(struct elf_reader *r)
{
	struct obj *obj = r->obj;

	for (size_t i = 1; i < r->l.shnum; i++) {
		const GElf_Shdr *sh = &r->scns[i].shdr;
		struct section *sec = obj_add_section(obj);

		if (!sec)
			return obj_error(obj, r->err, "out of memory");
		r->scns[i].sec = sec;
		sec->native_index = i;
		if (elf_string(r, r->l.shstrndx, sh->sh_name, &sec->name) < 0)
			return -1;
		sec->kind = classify_section(obj, sh, sec->name);
		sec->flags = section_flags(sh->sh_flags);
		if (r->scns[i].compressed)
			sec->flags |= SECF_COMPRESSED;
		sec->addr = sh->sh_addr;
		sec->size = sh->sh_size;
		sec->align = sh->sh_addralign;
		sec->entsize = sh->sh_entsize;
		if (sh->sh_type != SHT_NOBITS && sh->sh_type != SHT_NULL)
			sec->data = obj->data + sh->sh_offset;
		if (r->scns[i].compressed && !(obj->load_flags & OBJ_LOAD_KEEP_COMPRESSED) &&
		    inflate_section(r, i, sec) < 0)
			return -1;
		if (obj->type == OBJ_SHARED && !strcmp(sec->name, ".interp"))
			obj->type = OBJ_EXECUTABLE;	/* a PIE */
		if ((sh->sh_flags & SHF_TLS) && (sh->sh_flags & SHF_ALLOC) &&
		    (!r->tls_base || sh->sh_addr < r->tls_base))
			r->tls_base = sh->sh_addr;
	}
	return 0;
}

/* ---- symbols ------------------------------------------------------------- */

/* .symtab; in a linked image without one, .dynsym. */
static size_t find_symtab(const struct elf_reader *r)
{
	size_t dynsym = 0;

	for (size_t i = 1; i < r->l.shnum; i++) {
		if (r->scns[i].shdr.sh_type == SHT_SYMTAB)
			return i;
		if (r->scns[i].shdr.sh_type == SHT_DYNSYM && !dynsym)
			dynsym = i;
	}
	return r->linked ? dynsym : 0;
}

static size_t find_symtab_shndx(const struct elf_reader *r)
{
	for (size_t i = 1; i < r->l.shnum; i++)
		if (r->scns[i].shdr.sh_type == SHT_SYMTAB_SHNDX &&
		    r->scns[i].shdr.sh_link == r->symtab)
			return i;
	return 0;
}

static enum symbol_kind symbol_kind(unsigned type)
{
	switch (type) {
	case STT_FUNC:
	case STT_GNU_IFUNC:
		return SYMK_FUNC;
	case STT_OBJECT:
	case STT_COMMON:
		return SYMK_DATA;
	case STT_TLS:
		return SYMK_TLS;
	case STT_SECTION:
		return SYMK_SECTION;
	case STT_FILE:
		return SYMK_FILE;
	default:
		return SYMK_NOTYPE;
	}
}

static enum symbol_bind symbol_bind(unsigned bind)
{
	switch (bind) {
	case STB_LOCAL:
		return BIND_LOCAL;
	case STB_WEAK:
		return BIND_WEAK;
	default:		/* STB_GLOBAL, STB_GNU_UNIQUE */
		return BIND_GLOBAL;
	}
}

/* The section index of symbol i, through SHT_SYMTAB_SHNDX when needed. */
static int symbol_shndx(struct elf_reader *r, size_t shndx_sec, size_t i,
			const GElf_Sym *st, size_t *out)
{
	const GElf_Shdr *sh;

	*out = st->st_shndx;
	if (st->st_shndx != SHN_XINDEX)
		return 0;
	if (!shndx_sec)
		return obj_error(r->obj, r->err, "symbol %zu needs an extended section index table", i);
	sh = &r->scns[shndx_sec].shdr;
	if (i >= sh->sh_size / 4)
		return obj_error(r->obj, r->err, "symbol %zu past end of the extended section index table", i);
	*out = get_uint(r->obj->data + sh->sh_offset + 4 * i, 4, r->l.big_endian);
	return 0;
}

/* Places sym per its section index: undefined, absolute, common or in a section. */
static int place_symbol(struct elf_reader *r, struct symbol *sym, const GElf_Sym *st,
			size_t shndx, bool extended)
{
	struct section *sec;
	uint64_t value = sym->value;

	if (!extended && shndx >= SHN_LORESERVE) {
		if (shndx == SHN_COMMON ||
		    (r->obj->arch == ARCH_X86_64 && shndx == SHN_X86_64_LCOMMON))
			sym->flags |= SYMF_COMMON;
		else
			sym->flags |= SYMF_ABS;	/* SHN_ABS and processor-specific */
		return 0;
	}
	if (shndx == SHN_UNDEF) {
		sym->flags |= SYMF_UNDEF;
		return 0;
	}
	if (shndx >= r->l.shnum)
		return obj_error(r->obj, r->err, "symbol %u has bad section index %zu",
				 sym->native_index, shndx);
	sec = r->scns[shndx].sec;
	sym->sec = sec;
	/* Thumb functions have bit 0 set in their value; the code starts at the even address. */
	if (r->obj->arch == ARCH_ARM && GELF_ST_TYPE(st->st_info) == STT_FUNC)
		value &= ~(uint64_t)1;
	if (!r->linked)
		sym->offset = value;
	else if (sym->kind == SYMK_TLS)
		sym->offset = value + r->tls_base - sec->addr;
	else
		sym->offset = value - sec->addr;
	if (sym->kind == SYMK_SECTION && !sec->secsym)
		sec->secsym = sym;
	return 0;
}

static bool is_temp_name(const char *name)
{
	return starts_with(name, ".L") || name[0] == '$';
}

static int add_symbol(struct elf_reader *r, size_t i, const GElf_Sym *st,
		      size_t shndx_sec, const char **file)
{
	size_t strndx = r->scns[r->symtab].shdr.sh_link;
	struct symbol *sym = obj_add_symbol(r->obj);
	size_t shndx;

	if (!sym)
		return obj_error(r->obj, r->err, "out of memory");
	r->syms[i] = sym;
	sym->native_index = i;
	if (elf_string(r, strndx, st->st_name, &sym->name) < 0)
		return -1;
	sym->kind = symbol_kind(GELF_ST_TYPE(st->st_info));
	if (sym->kind == SYMK_SECTION && r->section_syms)
		r->section_syms[i / 64] |= (uint64_t)1 << (i % 64);
	sym->bind = symbol_bind(GELF_ST_BIND(st->st_info));
	sym->value = st->st_value;
	sym->size = st->st_size;
	if (GELF_ST_VISIBILITY(st->st_other) == STV_HIDDEN ||
	    GELF_ST_VISIBILITY(st->st_other) == STV_INTERNAL)
		sym->flags |= SYMF_HIDDEN;
	if (is_temp_name(sym->name))
		sym->flags |= SYMF_TEMP;
	if (GELF_ST_TYPE(st->st_info) == STT_GNU_IFUNC)
		sym->flags |= SYMF_INDIRECT;
	/* GCC's mark of an object holding only its intermediate language:
	 * read as ELF, it would have no functions at all. */
	if (st->st_shndx == SHN_COMMON && !strcmp(sym->name, "__gnu_lto_slim"))
		return obj_error(r->obj, r->err, "GCC LTO bytecode without machine code is "
				 "not supported (built with -flto? add -ffat-lto-objects)");
	if (symbol_shndx(r, shndx_sec, i, st, &shndx) < 0 ||
	    place_symbol(r, sym, st, shndx, st->st_shndx == SHN_XINDEX) < 0)
		return -1;
	/* A file symbol names the source of the local symbols after it. */
	if (sym->kind == SYMK_FILE)
		*file = *sym->name ? sym->name : NULL;
	else if (sym->bind == BIND_LOCAL && sym->kind != SYMK_SECTION)
		sym->file = *file;
	return 0;
}

static int load_symbols(struct elf_reader *r)
{
	struct obj *obj = r->obj;
	const GElf_Shdr *sh;
	const char *file = NULL;
	size_t shndx_sec, entsize;
	Elf_Data *data;

	r->symtab = find_symtab(r);
	if (!r->symtab)
		return 0;
	sh = &r->scns[r->symtab].shdr;
	entsize = gelf_fsize(r->elf, ELF_T_SYM, 1, EV_CURRENT);
	if (sh->sh_entsize != entsize)
		return obj_error(obj, r->err, "symbol table has entry size %llu",
				 (unsigned long long)sh->sh_entsize);
	if (sh->sh_link == 0 || sh->sh_link >= r->l.shnum ||
	    r->scns[sh->sh_link].shdr.sh_type == SHT_NOBITS)
		return obj_error(obj, r->err, "symbol table has bad string table index %u",
				 sh->sh_link);
	r->nr_syms = sh->sh_size / entsize;
	if (r->nr_syms > OBJ_MAX_SYMBOLS)
		return obj_error(obj, r->err, "too many symbols (%zu)", r->nr_syms);
	data = elf_getdata(elf_getscn(r->elf, r->symtab), NULL);
	if (r->nr_syms && !data)
		return obj_error(obj, r->err, "bad symbol table: %s", elf_errmsg(-1));
	/* Lazy relocations need them after load(): in the arena. */
	if (obj->load_flags & OBJ_LOAD_LAZY) {
		r->syms = obj_alloc(obj, (r->nr_syms ? r->nr_syms : 1) * sizeof(*r->syms));
		r->section_syms = obj_alloc(obj, (r->nr_syms / 64 + 1) * sizeof(uint64_t));
		if (!r->section_syms)
			return obj_error(obj, r->err, "out of memory");
	} else {
		r->syms = calloc(r->nr_syms ? r->nr_syms : 1, sizeof(*r->syms));
	}
	if (!r->syms)
		return obj_error(obj, r->err, "out of memory");
	shndx_sec = find_symtab_shndx(r);
	for (size_t i = 1; i < r->nr_syms; i++) {
		GElf_Sym st;

		if (!gelf_getsym(data, (int)i, &st))
			return obj_error(obj, r->err, "bad symbol %zu: %s", i, elf_errmsg(-1));
		if (add_symbol(r, i, &st, shndx_sec, &file) < 0)
			return -1;
	}
	return 0;
}

/* ---- COMDAT groups ------------------------------------------------------- */

static int read_group(struct elf_reader *r, size_t idx)
{
	const GElf_Shdr *sh = &r->scns[idx].shdr;
	const uint8_t *p = r->obj->data + sh->sh_offset;
	const struct symbol *sig;
	const char *name;
	uint64_t flags;

	if (sh->sh_size < 4 || sh->sh_size % 4)
		return obj_error(r->obj, r->err, "group section %zu has bad size", idx);
	if (sh->sh_link != r->symtab || sh->sh_info == 0 || sh->sh_info >= r->nr_syms)
		return obj_error(r->obj, r->err, "group section %zu has bad signature symbol", idx);
	sig = r->syms[sh->sh_info];
	/* A section symbol as signature stands for its section's name. */
	name = sig->kind == SYMK_SECTION && sig->sec ? sig->sec->name : sig->name;
	flags = get_uint(p, 4, r->l.big_endian);
	for (uint64_t off = 4; off < sh->sh_size; off += 4) {
		uint64_t m = get_uint(p + off, 4, r->l.big_endian);
		struct section *sec;

		if (m == 0 || m >= r->l.shnum)
			return obj_error(r->obj, r->err, "group section %zu has bad member %llu",
					 idx, (unsigned long long)m);
		sec = r->scns[m].sec;
		if (flags & GRP_COMDAT) {
			sec->flags |= SECF_COMDAT;
			sec->comdat = name;
		}
	}
	return 0;
}

static int load_groups(struct elf_reader *r)
{
	for (size_t i = 1; i < r->l.shnum; i++)
		if (r->scns[i].shdr.sh_type == SHT_GROUP && read_group(r, i) < 0)
			return -1;
	return 0;
}

/* ---- relocations --------------------------------------------------------- */

/*
 * Whether relocation section idx describes fields of a section: always in
 * objects (where a bad link is an error); in linked images only the static
 * ones kept by --emit-relocs (not SHF_ALLOC, linked to our symbol table).
 */
static int is_section_relocs(struct elf_reader *r, size_t idx, bool *yes)
{
	const GElf_Shdr *sh = &r->scns[idx].shdr;

	*yes = false;
	if (sh->sh_type != SHT_REL && sh->sh_type != SHT_RELA)
		return 0;
	if (r->linked) {
		*yes = !(sh->sh_flags & SHF_ALLOC) && sh->sh_info && sh->sh_info < r->l.shnum &&
		       sh->sh_link && sh->sh_link == r->symtab;
		return 0;
	}
	if (sh->sh_info == 0 || sh->sh_info >= r->l.shnum)
		return obj_error(r->obj, r->err, "relocation section %zu applies to bad section %u",
				 idx, sh->sh_info);
	if (sh->sh_link == 0 || sh->sh_link != r->symtab)
		return obj_error(r->obj, r->err, "relocation section %zu has bad symbol table %u",
				 idx, sh->sh_link);
	*yes = true;
	return 0;
}

/* The x86 convention: a pc-relative addend counts from the field, which an
 * instruction ends, so the referenced address is sym + addend + width. */
static bool has_field_bias(const struct obj *obj, const struct elf_reloc_type *t,
			   const struct section *sec)
{
	return t && (t->flags & RT_PCREL) && sec->kind == SEC_CODE &&
	       (obj->arch == ARCH_X86_64 || obj->arch == ARCH_I386);
}

static void read_inline_addend(struct elf_reader *r, struct reloc *rel,
			       const struct elf_reloc_type *t)
{
	const struct section *sec = rel->sec;
	bool be = r->l.big_endian;

	if (!t || !sec->data)
		return;
	if ((t->flags & RT_INSN) && r->insn_le)
		be = false;
	if (elf_reloc_read_addend(t, sec->data + rel->offset, be, &rel->addend))
		rel->flags |= RELF_INLINE;
}

static bool fits_section(const struct elf_scn *scn, uint64_t offset,
			 const struct elf_reloc_type *t)
{
	return in_bounds(scn->extent, offset, t ? t->width : 0);
}

static int add_reloc(struct elf_reader *r, size_t idx, size_t i, const struct elf_scn *scn,
		     const GElf_Rela *ra, bool is_rela)
{
	struct section *sec = scn->sec;
	struct obj *obj = r->obj;
	uint64_t symidx = GELF_R_SYM(ra->r_info);
	uint32_t type = GELF_R_TYPE(ra->r_info);
	const struct elf_reloc_type *t = elf_reloc_type(obj->arch, type);
	uint64_t offset = r->linked ? ra->r_offset - sec->addr : ra->r_offset;
	struct reloc *rel;

	if (symidx >= (r->nr_syms ? r->nr_syms : 1))
		return obj_error(obj, r->err, "relocation %zu in section %zu has bad symbol index %llu",
				 i, idx, (unsigned long long)symidx);
	if (!fits_section(scn, offset, t))
		return obj_error(obj, r->err, "relocation %zu in section %zu: offset %#llx past end of %s",
				 i, idx, (unsigned long long)offset, sec->name);
	if (scn->compressed)
		return 0;
	rel = obj_add_reloc(obj);
	if (!rel)
		return obj_error(obj, r->err, "out of memory");
	rel->sec = sec;
	rel->offset = offset;
	rel->type = type;
	rel->kind = t ? t->kind : RK_OTHER;
	rel->width = t ? t->width : 0;
	rel->sym = r->syms[symidx];
	if (!rel->sym)		/* symbol 0: a marker without target (R_ARM_V4BX) */
		rel->kind = RK_NONE;
	if (has_field_bias(obj, t, sec))
		rel->bias = rel->width;
	if (is_rela)
		rel->addend = ra->r_addend;
	else if (!r->linked)	/* linked, the field holds the result */
		read_inline_addend(r, rel, t);
	return 0;
}

/* ---- relocations left in the file (OBJ_LOAD_LAZY) ------------------------ */

/* What load_range() needs of a deferred relocation section. */
struct elf_lazy {
	const uint8_t *table;	/* the raw entries */
	size_t n, idx;		/* entries; the section's index, for messages */
	uint8_t entsize;
	bool rela, is64, big_endian, insn_le;
	struct section *sec;
	uint64_t extent;
	struct symbol **syms;	/* the reader's, in the arena */
	size_t nr_syms;
	const uint64_t *section_syms;	/* the reader's, in the arena */
	uint32_t *order;	/* entries by offset, when the file's are not */
};

/* Relocations of code, of an architecture whose r_info is plain (not
 * MIPS64's), in an object that asked for it. */
static bool may_defer(const struct elf_reader *r, const struct elf_scn *scn)
{
	return (r->obj->load_flags & OBJ_LOAD_LAZY) && !r->linked && !scn->compressed &&
	       scn->sec && scn->sec->kind == SEC_CODE && r->obj->arch != ARCH_UNKNOWN;
}

/* The r_info of entry i, as GElf_Rela holds it. */
static uint64_t lazy_info(const struct elf_lazy *z, size_t i)
{
	unsigned w = z->is64 ? 8 : 4;
	uint64_t info = get_uint(z->table + i * z->entsize + w, w, z->big_endian);

	return z->is64 ? info : GELF_R_INFO(ELF32_R_SYM(info), ELF32_R_TYPE(info));
}

/* Entry i as gelf_getrela() gives it. */
static void read_lazy_entry(const struct elf_lazy *z, size_t i, GElf_Rela *ra)
{
	const uint8_t *p = z->table + i * z->entsize;
	unsigned w = z->is64 ? 8 : 4;

	ra->r_offset = get_uint(p, w, z->big_endian);
	ra->r_info = lazy_info(z, i);
	ra->r_addend = 0;
	if (z->rela)
		ra->r_addend = z->is64 ? (int64_t)get_uint(p + 16, 8, z->big_endian) :
					 (int32_t)get_uint(p + 8, 4, z->big_endian);
}

static uint64_t lazy_offset(const struct elf_lazy *z, size_t i)
{
	return get_uint(z->table + i * z->entsize, z->is64 ? 8 : 4, z->big_endian);
}

struct entry_order {
	uint64_t offset;
	uint32_t index;
};

static int cmp_entry_order(const void *a, const void *b)
{
	const struct entry_order *x = a, *y = b;

	if (x->offset != y->offset)
		return x->offset < y->offset ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

/* Assemblers write entries in offset order; a table that is not (as
 * defer_relocs() finds) gets one: z->order. */
static int order_entries(struct obj *obj, struct elf_lazy *z, struct ipbp_err *err)
{
	struct entry_order *v;
	size_t i;

	v = malloc(z->n * sizeof(*v));
	z->order = obj_alloc(obj, z->n * sizeof(*z->order));
	if (!v || !z->order) {
		free(v);
		return obj_error(obj, err, "out of memory");
	}
	for (i = 0; i < z->n; i++)
		v[i] = (struct entry_order){ lazy_offset(z, i), (uint32_t)i };
	qsort(v, z->n, sizeof(*v), cmp_entry_order);
	for (i = 0; i < z->n; i++)
		z->order[i] = v[i].index;
	free(v);
	return 0;
}

static size_t lazy_entry(const struct elf_lazy *z, size_t k)
{
	return z->order ? z->order[k] : k;
}

/* Entries loaded at once: where relative jump tables start, which
 * obj_finalize() needs whatever is loaded later; and bad symbol indexes,
 * which add_reloc() reports now. */
static bool is_loaded_early(const struct elf_lazy *z, uint64_t info,
			    const struct elf_reloc_type *t)
{
	uint64_t symidx = GELF_R_SYM(info);

	if (symidx >= z->nr_syms)
		return true;
	/* only a section symbol can be a table's start: the bitmap answers
	 * for the rest without reaching into symbols spread over the arena */
	return t && (z->section_syms[symidx / 64] >> (symidx % 64) & 1) &&
	       obj_is_table_reference(z->sec, t->kind, z->syms[symidx]);
}

/* A type of a deferred entry that no table knows, for name_unknown_types()
 * to name now, whenever the entry itself is loaded. */
static int note_unknown_type(struct elf_reader *r, uint32_t type)
{
	size_t n = r->nr_deferred_unknown;

	if (n && r->deferred_unknown[n - 1] == type)
		return 0;
	if (array_grow((void **)&r->deferred_unknown, &r->cap_deferred_unknown, n + 1,
		       sizeof(*r->deferred_unknown)) < 0)
		return obj_error(r->obj, r->err, "out of memory");
	r->deferred_unknown[r->nr_deferred_unknown++] = type;
	return 0;
}

static void lazy_reader(struct elf_reader *r, struct elf_scn *scn, struct obj *obj,
			const struct elf_lazy *z, struct ipbp_err *err)
{
	*r = (struct elf_reader){ .obj = obj, .err = err, .syms = z->syms,
				  .nr_syms = z->nr_syms, .insn_le = z->insn_le };
	r->l.big_endian = z->big_endian;
	*scn = (struct elf_scn){ .sec = z->sec, .extent = z->extent };
}

/*
 * A field outside the section fails the load now, as a load of every
 * entry would, whatever range is read later: add_reloc() reports the
 * entry.  Only the entries with the last offsets can be outside, so they
 * are looked at from the last down to where a field of any width fits.
 */
static int check_last_fields(struct elf_reader *r, const struct elf_scn *scn,
			     const struct elf_lazy *z)
{
	for (size_t k = z->n; k-- > 0;) {
		size_t i = lazy_entry(z, k);
		GElf_Rela ra;

		read_lazy_entry(z, i, &ra);
		if (ra.r_offset <= scn->extent && scn->extent - ra.r_offset >= UINT8_MAX)
			break;
		/* add_reloc() makes the same test, and fails */
		if (!fits_section(scn, ra.r_offset,
				  elf_reloc_type(r->obj->arch, GELF_R_TYPE(ra.r_info))))
			return add_reloc(r, z->idx, i, scn, &ra, z->rela);
	}
	return 0;
}

static int defer_relocs(struct elf_reader *r, size_t idx, size_t n, size_t entsize)
{
	const GElf_Shdr *sh = &r->scns[idx].shdr;
	const struct elf_scn *scn = &r->scns[sh->sh_info];
	struct elf_lazy *z = obj_alloc(r->obj, sizeof(*z));
	const struct elf_reloc_type *t = NULL;
	uint64_t last_offset = 0;
	uint32_t last_type = 0;
	bool in_order = true;

	if (!z)
		return obj_error(r->obj, r->err, "out of memory");
	*z = (struct elf_lazy){
		.table = r->obj->data + sh->sh_offset, .n = n, .idx = idx,
		.entsize = (uint8_t)entsize, .rela = sh->sh_type == SHT_RELA,
		.is64 = r->l.is64, .big_endian = r->l.big_endian, .insn_le = r->insn_le,
		.sec = scn->sec, .extent = scn->extent, .syms = r->syms, .nr_syms = r->nr_syms,
		.section_syms = r->section_syms,
	};
	if (obj_defer_relocs(r->obj, scn->sec, z) < 0)
		return obj_error(r->obj, r->err, "out of memory");
	for (size_t i = 0; i < n; i++) {
		uint64_t info = lazy_info(z, i), offset = lazy_offset(z, i);
		uint32_t type = (uint32_t)GELF_R_TYPE(info);
		GElf_Rela ra;

		in_order = in_order && offset >= last_offset;
		last_offset = offset;
		/* a table has few types, mostly in runs */
		if (i == 0 || type != last_type)
			t = elf_reloc_type(r->obj->arch, type);
		last_type = type;
		if (!is_loaded_early(z, info, t)) {
			if (!t && note_unknown_type(r, type) < 0)
				return -1;
			continue;
		}
		read_lazy_entry(z, i, &ra);
		if (add_reloc(r, idx, i, scn, &ra, z->rela) < 0)
			return -1;
	}
	if (!in_order && order_entries(r->obj, z, r->err) < 0)
		return -1;
	return check_last_fields(r, scn, z);
}

static int elf_load_range(struct obj *obj, struct section *sec, const void *state,
			  uint64_t start, uint64_t end, struct ipbp_err *err)
{
	const struct elf_lazy *z = state;
	size_t lo = 0, hi = z->n;
	struct elf_reader r;
	struct elf_scn scn;

	lazy_reader(&r, &scn, obj, z, err);
	while (lo < hi) {	/* the first entry at or after start */
		size_t mid = lo + (hi - lo) / 2;

		if (lazy_offset(z, lazy_entry(z, mid)) < start)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t k = lo; k < z->n; k++) {
		size_t i = lazy_entry(z, k);
		GElf_Rela ra;

		read_lazy_entry(z, i, &ra);
		if (ra.r_offset >= end)
			break;
		if (!is_loaded_early(z, ra.r_info, elf_reloc_type(obj->arch, GELF_R_TYPE(ra.r_info))) &&
		    add_reloc(&r, z->idx, i, &scn, &ra, z->rela) < 0)
			return -1;
	}
	return 0;
}

/* ---- relocations ------------------------------------------------------------ */

static int load_reloc_section(struct elf_reader *r, size_t idx)
{
	const GElf_Shdr *sh = &r->scns[idx].shdr;
	bool is_rela = sh->sh_type == SHT_RELA;
	const struct elf_scn *scn = &r->scns[sh->sh_info];
	size_t entsize = gelf_fsize(r->elf, is_rela ? ELF_T_RELA : ELF_T_REL, 1, EV_CURRENT);
	size_t n;
	Elf_Data *data;

	if (sh->sh_entsize != entsize)
		return obj_error(r->obj, r->err, "relocation section %zu has entry size %llu",
				 idx, (unsigned long long)sh->sh_entsize);
	n = sh->sh_size / entsize;
	if (n > OBJ_MAX_RELOCS - r->obj->nr_relocs)
		return obj_error(r->obj, r->err, "too many relocations");
	/* Each section's entries fit the file; all of them together do too,
	 * unless sections share their bytes (N sections reading one table
	 * would multiply it). */
	r->reloc_bytes += (uint64_t)n * entsize;
	if (r->reloc_bytes > r->obj->size)
		return obj_error(r->obj, r->err,
				 "relocation sections overlap (%llu bytes of entries in a "
				 "%zu-byte file)", (unsigned long long)r->reloc_bytes,
				 r->obj->size);
	if (n == 0)
		return 0;
	if (may_defer(r, scn))
		return defer_relocs(r, idx, n, entsize);
	data = elf_getdata(elf_getscn(r->elf, idx), NULL);
	if (!data)
		return obj_error(r->obj, r->err, "bad relocation section %zu: %s", idx, elf_errmsg(-1));
	for (size_t i = 0; i < n; i++) {
		GElf_Rela ra = { 0 };
		GElf_Rel rl;

		if (is_rela && !gelf_getrela(data, (int)i, &ra))
			return obj_error(r->obj, r->err, "bad relocation %zu in section %zu", i, idx);
		if (!is_rela) {
			if (!gelf_getrel(data, (int)i, &rl))
				return obj_error(r->obj, r->err, "bad relocation %zu in section %zu", i, idx);
			ra.r_offset = rl.r_offset;
			ra.r_info = rl.r_info;
		}
		if (add_reloc(r, idx, i, scn, &ra, is_rela) < 0)
			return -1;
	}
	return 0;
}

static int load_relocs(struct elf_reader *r)
{
	for (size_t i = 1; i < r->l.shnum; i++) {
		bool yes;

		if (is_section_relocs(r, i, &yes) < 0)
			return -1;
		if (yes && load_reloc_section(r, i) < 0)
			return -1;
	}
	return 0;
}

/* ---- names of unknown relocation types ---------------------------------- */

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* Numeric names ("unknown(42)") for the types the tables do not know. */
static int name_unknown_types(struct elf_reader *r)
{
	struct obj *obj = r->obj;
	struct elf_priv *priv;
	uint32_t *types;
	size_t n = 0, m = 0;
	struct reloc *rel;

	for_each_reloc(obj, rel)
		if (!elf_reloc_type(obj->arch, rel->type))
			n++;
	n += r->nr_deferred_unknown;
	if (n == 0)
		return 0;
	types = malloc(n * sizeof(*types));
	if (!types)
		return obj_error(obj, r->err, "out of memory");
	n = 0;
	for_each_reloc(obj, rel)
		if (!elf_reloc_type(obj->arch, rel->type))
			types[n++] = rel->type;
	for (size_t i = 0; i < r->nr_deferred_unknown; i++)
		types[n++] = r->deferred_unknown[i];
	qsort(types, n, sizeof(*types), cmp_u32);
	for (size_t i = 0; i < n; i++)
		if (m == 0 || types[m - 1] != types[i])
			types[m++] = types[i];
	priv = obj_alloc(obj, sizeof(*priv));
	if (priv) {
		priv->types = obj_alloc(obj, m * sizeof(*priv->types));
		priv->names = obj_alloc(obj, m * sizeof(*priv->names));
	}
	if (!priv || !priv->types || !priv->names) {
		free(types);
		return obj_error(obj, r->err, "out of memory");
	}
	for (size_t i = 0; i < m; i++) {
		priv->types[i] = types[i];
		priv->names[i] = obj_sprintf(obj, "unknown(%u)", types[i]);
	}
	priv->nr = m;
	obj->priv = priv;
	free(types);
	return 0;
}

static const char *elf_reloc_type_name(const struct obj *obj, uint32_t type)
{
	const struct elf_reloc_type *t = elf_reloc_type(obj->arch, type);
	const struct elf_priv *priv = obj->priv;
	const uint32_t *hit;

	if (t)
		return t->name;
	if (!priv)
		return NULL;
	hit = bsearch(&type, priv->types, priv->nr, sizeof(type), cmp_u32);
	return hit ? priv->names[hit - priv->types] : NULL;
}

/* ---- load ---------------------------------------------------------------- */

/* libelf's elf_version() sets a flag of the library's: once, so that
 * objects can load in several threads. */
static pthread_once_t elf_version_once = PTHREAD_ONCE_INIT;
static unsigned elf_version_set;

static void set_elf_version(void)
{
	elf_version_set = elf_version(EV_CURRENT);
}

static int elf_load(struct obj *obj, struct ipbp_err *err)
{
	struct elf_reader r = { .obj = obj, .err = err };
	int ret = -1;

	obj->format = FORMAT_ELF;
	if (check_layout(obj, &r.l, err) < 0)
		return -1;
	pthread_once(&elf_version_once, set_elf_version);
	if (elf_version_set == EV_NONE)
		return obj_error(obj, err, "libelf: %s", elf_errmsg(-1));
	/* libelf only reads the image (ELF_C_READ_MMAP_PRIVATE, no updates). */
	r.elf = elf_memory((char *)(uintptr_t)obj->data, obj->size);
	if (!r.elf || elf_kind(r.elf) != ELF_K_ELF) {
		obj_error(obj, err, "not a readable ELF file: %s", elf_errmsg(-1));
		goto out;
	}

	/* Header and section table, then what refers to sections. */
	if (read_header(&r) < 0 ||
	    read_section_headers(&r) < 0 ||
	    add_sections(&r) < 0 ||
	    load_symbols(&r) < 0 ||
	    load_groups(&r) < 0 ||
	    load_relocs(&r) < 0 ||
	    name_unknown_types(&r) < 0)
		goto out;
	ret = 0;
out:
	elf_end(r.elf);
	free(r.scns);
	free(r.deferred_unknown);
	if (!(obj->load_flags & OBJ_LOAD_LAZY))
		free(r.syms);
	return ret;
}

static void elf_release(struct obj *obj)
{
	obj->priv = NULL;	/* in the obj's arena */
}

const struct obj_ops elf_ops = {
	.name = "elf",
	.format = FORMAT_ELF,
	.probe = elf_probe,
	.load = elf_load,
	.release = elf_release,
	.reloc_type_name = elf_reloc_type_name,
	.load_range = elf_load_range,
};
