// SPDX-License-Identifier: MIT
/*
 * coff.c - the COFF reader: relocatable objects (plain and bigobj), short
 * import-library members and PE images, for x86-64, i386, arm64 and armnt.
 *
 * Written from the PE/COFF specification; no library.  Everything read
 * from the file goes through the rd*() byte helpers (no unaligned loads)
 * and in_bounds().
 *
 * What COFF lacks, and how the model gets it:
 *  - symbol sizes: defined function and data symbols carry SYMF_DERIVED
 *    and obj_finalize() derives extents from the next symbol or section end;
 *  - addends: they live in the relocated bytes (RELF_INLINE) and are
 *    extracted per type, arm64 instruction immediates included;
 *  - weak definitions: a WEAK_EXTERNAL whose default (the aux record's
 *    TagIndex) is a defined symbol becomes a weak symbol defined at the
 *    default's place; without a defined default it stays undefined weak;
 *  - import-library short members (IMPORT_OBJECT_HEADER) become a tiny
 *    object without sections whose symbols are what llvm-nm prints for
 *    them: __imp_NAME and, for code imports, NAME; both are global and
 *    absolute (SYMF_ABS, value 0), since the thunk only exists once linked;
 *  - PE images without a COFF symbol table get their export directory's
 *    named entries as global symbols (forwarders are skipped).  A section's
 *    size in an image is its VirtualSize, cut to SizeOfRawData when the file
 *    holds fewer bytes (the zero tail is not in the model); addr is
 *    ImageBase + VirtualAddress; symbol values stay section-relative;
 *  - relocation bias is 0 for every type: the COFF linker subtracts the end
 *    of the field (REL32) or of the instruction (REL32_1..5) itself, so
 *    sym + addend is the referenced address.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "bytes.h"
#include "obj.h"

/* Machines (IMAGE_FILE_MACHINE_*). */
#define MACHINE_I386	0x014cu
#define MACHINE_AMD64	0x8664u
#define MACHINE_ARM64	0xaa64u
#define MACHINE_ARM64EC	0xa641u
#define MACHINE_ARM	0x01c0u
#define MACHINE_THUMB	0x01c2u
#define MACHINE_ARMNT	0x01c4u

#define FILE_DLL	0x2000u		/* IMAGE_FILE_DLL */

/* Sizes of the on-disk structures. */
#define FILE_HEADER_SIZE	20
#define BIGOBJ_HEADER_SIZE	56
#define IMPORT_HEADER_SIZE	20
#define SECTION_HEADER_SIZE	40
#define SYMBOL_SIZE		18
#define BIGOBJ_SYMBOL_SIZE	20
#define RELOC_SIZE		10

/* Section characteristics (IMAGE_SCN_*). */
#define SCN_TYPE_NO_PAD		0x00000008u
#define SCN_CNT_CODE		0x00000020u
#define SCN_CNT_INIT_DATA	0x00000040u
#define SCN_CNT_UNINIT_DATA	0x00000080u
#define SCN_LNK_INFO		0x00000200u
#define SCN_LNK_REMOVE		0x00000800u
#define SCN_LNK_COMDAT		0x00001000u
#define SCN_ALIGN_MASK		0x00f00000u
#define SCN_ALIGN_SHIFT		20
#define SCN_LNK_NRELOC_OVFL	0x01000000u
#define SCN_MEM_DISCARDABLE	0x02000000u
#define SCN_MEM_EXECUTE		0x20000000u
#define SCN_MEM_WRITE		0x80000000u

/* Special section numbers (IMAGE_SYM_*). */
#define SYM_UNDEFINED	0
#define SYM_ABSOLUTE	(-1)
#define SYM_DEBUG	(-2)

/* Storage classes (IMAGE_SYM_CLASS_*). */
#define CLASS_EXTERNAL		2
#define CLASS_STATIC		3
#define CLASS_EXTERNAL_DEF	5
#define CLASS_LABEL		6
#define CLASS_FUNCTION		101	/* .bf, .ef, .lf */
#define CLASS_FILE		103
#define CLASS_SECTION		104
#define CLASS_WEAK_EXTERNAL	105

#define DTYPE_FUNCTION		2	/* complex type, Type >> 4 */

/* COMDAT selections (IMAGE_COMDAT_SELECT_*). */
#define COMDAT_ASSOCIATIVE	5

/* Import object types (IMPORT_OBJECT_*). */
#define IMPORT_CODE	0
#define IMPORT_DATA	1
#define IMPORT_CONST	2

/* PE optional header. */
#define PE32_MAGIC	0x10bu
#define PE32PLUS_MAGIC	0x20bu

static const uint8_t bigobj_class[16] = {
	0xc7, 0xa1, 0xba, 0xd1, 0xee, 0xba, 0xa9, 0x4b,
	0xaf, 0x20, 0xfa, 0xf6, 0x6a, 0xa4, 0xdc, 0xb8,
};

/* Relocation types. */
enum {
	AMD64_ABSOLUTE, AMD64_ADDR64, AMD64_ADDR32, AMD64_ADDR32NB, AMD64_REL32,
	AMD64_REL32_1, AMD64_REL32_2, AMD64_REL32_3, AMD64_REL32_4,
	AMD64_REL32_5, AMD64_SECTION, AMD64_SECREL, AMD64_SECREL7, AMD64_TOKEN,
	AMD64_SREL32, AMD64_PAIR, AMD64_SSPAN32,
};

enum {
	I386_ABSOLUTE = 0, I386_DIR16 = 1, I386_REL16 = 2, I386_DIR32 = 6,
	I386_DIR32NB = 7, I386_SEG12 = 9, I386_SECTION = 10, I386_SECREL = 11,
	I386_TOKEN = 12, I386_SECREL7 = 13, I386_REL32 = 20,
};

enum {
	ARM64_ABSOLUTE, ARM64_ADDR32, ARM64_ADDR32NB, ARM64_BRANCH26,
	ARM64_PAGEBASE_REL21, ARM64_REL21, ARM64_PAGEOFFSET_12A,
	ARM64_PAGEOFFSET_12L, ARM64_SECREL, ARM64_SECREL_LOW12A,
	ARM64_SECREL_HIGH12A, ARM64_SECREL_LOW12L, ARM64_TOKEN, ARM64_SECTION,
	ARM64_ADDR64, ARM64_BRANCH19, ARM64_BRANCH14, ARM64_REL32,
};

enum {
	ARM_ABSOLUTE = 0, ARM_ADDR32 = 1, ARM_ADDR32NB = 2, ARM_BRANCH24 = 3,
	ARM_BRANCH11 = 4, ARM_TOKEN = 5, ARM_BLX24 = 8, ARM_BLX11 = 9,
	ARM_REL32 = 10, ARM_SECTION = 14, ARM_SECREL = 15, ARM_MOV32A = 16,
	ARM_MOV32T = 17, ARM_BRANCH20T = 18, ARM_BRANCH24T = 20,
	ARM_BLX23T = 21, ARM_PAIR = 22,
};

/* How the addend is stored in the relocated bytes. */
enum addend_enc {
	ENC_NONE,	/* no addend in the bytes (or one the linker ignores) */
	ENC_DATA,	/* little-endian signed integer of the reloc's width */
	ENC_A64_ADR,	/* adr/adrp imm21, in bytes */
	ENC_A64_ADD,	/* add imm12 */
	ENC_A64_ADD_HI,	/* add imm12 holding bits 12..23 */
	ENC_A64_LDST,	/* ldr/str imm12, scaled by the access size */
	ENC_A64_B26,	/* b/bl imm26 * 4 */
	ENC_A64_B19,	/* b.cond/cbz imm19 * 4 */
	ENC_A64_B14,	/* tbz imm14 * 4 */
	ENC_ARM_MOV32A,	/* ARM movw/movt pair */
	ENC_ARM_MOV32T,	/* Thumb-2 movw/movt pair */
};

struct reloc_desc {
	const char *name;	/* as llvm-objdump -r prints it */
	enum reloc_kind kind;
	uint8_t width;
	uint8_t enc;		/* enum addend_enc */
};

#define R(n, k, w, e) { "IMAGE_REL_" n, k, w, e }

static const struct reloc_desc amd64_relocs[] = {
	[AMD64_ABSOLUTE] = R("AMD64_ABSOLUTE", RK_NONE, 0, ENC_NONE),
	[AMD64_ADDR64] = R("AMD64_ADDR64", RK_ABS, 8, ENC_DATA),
	[AMD64_ADDR32] = R("AMD64_ADDR32", RK_ABS, 4, ENC_DATA),
	[AMD64_ADDR32NB] = R("AMD64_ADDR32NB", RK_IMAGEREL, 4, ENC_DATA),
	[AMD64_REL32] = R("AMD64_REL32", RK_PCREL, 4, ENC_DATA),
	[AMD64_REL32_1] = R("AMD64_REL32_1", RK_PCREL, 4, ENC_DATA),
	[AMD64_REL32_2] = R("AMD64_REL32_2", RK_PCREL, 4, ENC_DATA),
	[AMD64_REL32_3] = R("AMD64_REL32_3", RK_PCREL, 4, ENC_DATA),
	[AMD64_REL32_4] = R("AMD64_REL32_4", RK_PCREL, 4, ENC_DATA),
	[AMD64_REL32_5] = R("AMD64_REL32_5", RK_PCREL, 4, ENC_DATA),
	[AMD64_SECTION] = R("AMD64_SECTION", RK_SECTION, 2, ENC_DATA),
	[AMD64_SECREL] = R("AMD64_SECREL", RK_SECREL, 4, ENC_DATA),
	[AMD64_SECREL7] = R("AMD64_SECREL7", RK_SECREL, 1, ENC_NONE),
	[AMD64_TOKEN] = R("AMD64_TOKEN", RK_OTHER, 4, ENC_DATA),
	[AMD64_SREL32] = R("AMD64_SREL32", RK_OTHER, 4, ENC_DATA),
	[AMD64_PAIR] = R("AMD64_PAIR", RK_OTHER, 0, ENC_NONE),
	[AMD64_SSPAN32] = R("AMD64_SSPAN32", RK_OTHER, 4, ENC_DATA),
};

static const struct reloc_desc i386_relocs[] = {
	[I386_ABSOLUTE] = R("I386_ABSOLUTE", RK_NONE, 0, ENC_NONE),
	[I386_DIR16] = R("I386_DIR16", RK_ABS, 2, ENC_DATA),
	[I386_REL16] = R("I386_REL16", RK_PCREL, 2, ENC_DATA),
	[I386_DIR32] = R("I386_DIR32", RK_ABS, 4, ENC_DATA),
	[I386_DIR32NB] = R("I386_DIR32NB", RK_IMAGEREL, 4, ENC_DATA),
	[I386_SEG12] = R("I386_SEG12", RK_OTHER, 2, ENC_NONE),
	[I386_SECTION] = R("I386_SECTION", RK_SECTION, 2, ENC_DATA),
	[I386_SECREL] = R("I386_SECREL", RK_SECREL, 4, ENC_DATA),
	[I386_TOKEN] = R("I386_TOKEN", RK_OTHER, 4, ENC_DATA),
	[I386_SECREL7] = R("I386_SECREL7", RK_SECREL, 1, ENC_NONE),
	[I386_REL32] = R("I386_REL32", RK_PCREL, 4, ENC_DATA),
};

static const struct reloc_desc arm64_relocs[] = {
	[ARM64_ABSOLUTE] = R("ARM64_ABSOLUTE", RK_NONE, 0, ENC_NONE),
	[ARM64_ADDR32] = R("ARM64_ADDR32", RK_ABS, 4, ENC_DATA),
	[ARM64_ADDR32NB] = R("ARM64_ADDR32NB", RK_IMAGEREL, 4, ENC_DATA),
	[ARM64_BRANCH26] = R("ARM64_BRANCH26", RK_BRANCH, 4, ENC_A64_B26),
	[ARM64_PAGEBASE_REL21] = R("ARM64_PAGEBASE_REL21", RK_PAGE, 4, ENC_A64_ADR),
	[ARM64_REL21] = R("ARM64_REL21", RK_PCREL, 4, ENC_A64_ADR),
	[ARM64_PAGEOFFSET_12A] = R("ARM64_PAGEOFFSET_12A", RK_PAGEOFF, 4, ENC_A64_ADD),
	[ARM64_PAGEOFFSET_12L] = R("ARM64_PAGEOFFSET_12L", RK_PAGEOFF, 4, ENC_A64_LDST),
	[ARM64_SECREL] = R("ARM64_SECREL", RK_SECREL, 4, ENC_DATA),
	[ARM64_SECREL_LOW12A] = R("ARM64_SECREL_LOW12A", RK_SECREL, 4, ENC_A64_ADD),
	[ARM64_SECREL_HIGH12A] = R("ARM64_SECREL_HIGH12A", RK_SECREL, 4, ENC_A64_ADD_HI),
	[ARM64_SECREL_LOW12L] = R("ARM64_SECREL_LOW12L", RK_SECREL, 4, ENC_A64_LDST),
	[ARM64_TOKEN] = R("ARM64_TOKEN", RK_OTHER, 4, ENC_DATA),
	[ARM64_SECTION] = R("ARM64_SECTION", RK_SECTION, 2, ENC_DATA),
	[ARM64_ADDR64] = R("ARM64_ADDR64", RK_ABS, 8, ENC_DATA),
	[ARM64_BRANCH19] = R("ARM64_BRANCH19", RK_BRANCH, 4, ENC_A64_B19),
	[ARM64_BRANCH14] = R("ARM64_BRANCH14", RK_BRANCH, 4, ENC_A64_B14),
	[ARM64_REL32] = R("ARM64_REL32", RK_PCREL, 4, ENC_DATA),
};

/* Thumb branches: the linker overwrites the immediate (lld ignores it). */
static const struct reloc_desc armnt_relocs[] = {
	[ARM_ABSOLUTE] = R("ARM_ABSOLUTE", RK_NONE, 0, ENC_NONE),
	[ARM_ADDR32] = R("ARM_ADDR32", RK_ABS, 4, ENC_DATA),
	[ARM_ADDR32NB] = R("ARM_ADDR32NB", RK_IMAGEREL, 4, ENC_DATA),
	[ARM_BRANCH24] = R("ARM_BRANCH24", RK_BRANCH, 4, ENC_NONE),
	[ARM_BRANCH11] = R("ARM_BRANCH11", RK_BRANCH, 2, ENC_NONE),
	[ARM_TOKEN] = R("ARM_TOKEN", RK_OTHER, 4, ENC_DATA),
	[ARM_BLX24] = R("ARM_BLX24", RK_BRANCH, 4, ENC_NONE),
	[ARM_BLX11] = R("ARM_BLX11", RK_BRANCH, 2, ENC_NONE),
	[ARM_REL32] = R("ARM_REL32", RK_PCREL, 4, ENC_DATA),
	[ARM_SECTION] = R("ARM_SECTION", RK_SECTION, 2, ENC_DATA),
	[ARM_SECREL] = R("ARM_SECREL", RK_SECREL, 4, ENC_DATA),
	[ARM_MOV32A] = R("ARM_MOV32A", RK_ABS, 8, ENC_ARM_MOV32A),
	[ARM_MOV32T] = R("ARM_MOV32T", RK_ABS, 8, ENC_ARM_MOV32T),
	[ARM_BRANCH20T] = R("ARM_BRANCH20T", RK_BRANCH, 4, ENC_NONE),
	[ARM_BRANCH24T] = R("ARM_BRANCH24T", RK_BRANCH, 4, ENC_NONE),
	[ARM_BLX23T] = R("ARM_BLX23T", RK_BRANCH, 4, ENC_NONE),
	[ARM_PAIR] = R("ARM_PAIR", RK_OTHER, 0, ENC_NONE),
};

#undef R

/* One native section while loading. */
struct coff_sec {
	struct section *sec;
	const uint8_t *hdr;
	uint32_t vaddr;		/* VirtualAddress (an RVA in images) */
	uint8_t selection;	/* COMDAT selection, from the section aux */
	uint32_t assoc;		/* associated section for ASSOCIATIVE */
	bool want_comdat;	/* next symbol in this section names the group */
};

struct coff_ctx {
	struct obj *obj;
	struct ipbp_err *err;
	const uint8_t *d;
	size_t size;
	bool bigobj;
	bool image;
	uint64_t image_base;
	uint32_t nr_secs;
	uint64_t sectab;	/* offset of the section table */
	uint64_t symtab;	/* offset of the symbol table, 0 if none */
	uint32_t nr_syms;	/* records, auxiliary ones included */
	unsigned symsz;		/* 18, or 20 in bigobj */
	const uint8_t *strtab;	/* includes its 4-byte size field */
	uint32_t strsize;
	const char *strcopy;	/* string table not ending in NUL: its one
				 * NUL-terminated copy, made on first use */
	uint64_t reloc_bytes;	/* of the relocation entries read so far */
	struct coff_sec *secs;	/* [0, nr_secs) for sections 1..nr_secs */
	struct symbol **symmap;	/* per record; NULL for aux records */
};

/* ---- bytes ----------------------------------------------------------- */

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (p[1] << 8));
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint64_t rd64(const uint8_t *p)
{
	return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

/* ---- probe ------------------------------------------------------------- */

static bool is_known_machine(uint16_t m)
{
	switch (m) {
	case MACHINE_I386: case MACHINE_AMD64: case MACHINE_ARM64:
	case MACHINE_ARM64EC: case MACHINE_ARM: case MACHINE_THUMB:
	case MACHINE_ARMNT:
		return true;
	}
	return false;
}

static bool is_anon_header(const uint8_t *d, size_t size)
{
	return size >= 4 && rd16(d) == 0 && rd16(d + 2) == 0xffff;
}

static bool is_pe_image(const uint8_t *d, size_t size)
{
	uint32_t pe;

	if (size < 0x40 || d[0] != 'M' || d[1] != 'Z')
		return false;
	pe = rd32(d + 0x3c);
	return in_bounds(size, pe, 4 + FILE_HEADER_SIZE) &&
	       !memcmp(d + pe, "PE\0\0", 4);
}

static bool coff_probe(const uint8_t *d, size_t size)
{
	if (is_pe_image(d, size) || is_anon_header(d, size))
		return true;
	return size >= FILE_HEADER_SIZE && is_known_machine(rd16(d));
}

/* ---- names ------------------------------------------------------------- */

/* A NUL-terminated string at s within max bytes: zero-copy, else copied. */
static const char *name_in(struct obj *obj, const uint8_t *s, size_t max)
{
	size_t len = strnlen((const char *)s, max);

	if (len < max)
		return (const char *)s;
	return obj_strndup(obj, (const char *)s, len);
}

/*
 * Names in the string table: in place, or in one NUL-terminated copy of
 * a table without a final NUL (a copy per name would cost the table's
 * size per symbol).
 */
static const char *strtab_name(struct coff_ctx *c, uint64_t off)
{
	if (off < 4 || off >= c->strsize)
		return NULL;
	if (memchr(c->strtab + off, 0, c->strsize - off))
		return (const char *)c->strtab + off;
	if (!c->strcopy)
		c->strcopy = obj_strndup(c->obj, (const char *)c->strtab, c->strsize);
	return c->strcopy ? c->strcopy + off : NULL;
}

/* "//BASE64": a string table offset too large for decimal digits. */
static bool decode_base64(const uint8_t *s, size_t n, uint64_t *out)
{
	uint64_t v = 0;

	for (size_t i = 0; i < n && s[i]; i++) {
		int d;

		if (s[i] >= 'A' && s[i] <= 'Z')
			d = s[i] - 'A';
		else if (s[i] >= 'a' && s[i] <= 'z')
			d = s[i] - 'a' + 26;
		else if (s[i] >= '0' && s[i] <= '9')
			d = s[i] - '0' + 52;
		else if (s[i] == '+')
			d = 62;
		else if (s[i] == '/')
			d = 63;
		else
			return false;
		v = v * 64 + (uint64_t)d;
	}
	*out = v;
	return true;
}

static bool decode_decimal(const uint8_t *s, size_t n, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < n && s[i]; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*out = v;
	return i > 0;
}

static int section_name(struct coff_ctx *c, uint32_t index, const uint8_t *hdr,
			const char **out)
{
	uint64_t off;
	bool ok;

	if (hdr[0] != '/') {
		*out = name_in(c->obj, hdr, 8);
		return 0;
	}
	if (hdr[1] == '/')
		ok = decode_base64(hdr + 2, 6, &off);
	else
		ok = decode_decimal(hdr + 1, 7, &off);
	if (!ok) {	/* a literal "/..." name, as LLVM reads it */
		*out = name_in(c->obj, hdr, 8);
		return 0;
	}
	*out = strtab_name(c, off);
	if (!*out)
		return obj_error(c->obj, c->err,
				 "section %u: name offset %llu outside the string table",
				 index, (unsigned long long)off);
	return 0;
}

static int symbol_name(struct coff_ctx *c, uint32_t index, const uint8_t *rec,
		       const char **out)
{
	if (rd32(rec) != 0) {
		*out = name_in(c->obj, rec, 8);
		return 0;
	}
	*out = strtab_name(c, rd32(rec + 4));
	if (!*out)
		return obj_error(c->obj, c->err,
				 "symbol %u: name offset %u outside the string table",
				 index, rd32(rec + 4));
	return 0;
}

/* ---- headers ----------------------------------------------------------- */

static int set_machine(struct coff_ctx *c, uint16_t machine)
{
	struct obj *obj = c->obj;

	obj->machine = machine;
	switch (machine) {
	case MACHINE_AMD64:
		obj->arch = ARCH_X86_64, obj->bits = 64;
		break;
	case MACHINE_I386:
		obj->arch = ARCH_I386, obj->bits = 32;
		break;
	case MACHINE_ARM64: case MACHINE_ARM64EC:
		obj->arch = ARCH_AARCH64, obj->bits = 64;
		break;
	case MACHINE_ARMNT: case MACHINE_ARM: case MACHINE_THUMB:
		obj->arch = ARCH_ARM, obj->bits = 32;
		break;
	default:
		return obj_error(obj, c->err, "unsupported COFF machine 0x%x",
				 machine);
	}
	return 0;
}

static int read_bigobj_header(struct coff_ctx *c)
{
	const uint8_t *h = c->d;

	if (c->size < BIGOBJ_HEADER_SIZE)
		return obj_error(c->obj, c->err, "bigobj header truncated");
	if (rd16(h + 4) < 2 || memcmp(h + 12, bigobj_class, 16) != 0)
		return obj_error(c->obj, c->err,
				 "unsupported anonymous object (version %u)",
				 rd16(h + 4));
	c->bigobj = true;
	c->symsz = BIGOBJ_SYMBOL_SIZE;
	c->nr_secs = rd32(h + 44);
	c->symtab = rd32(h + 48);
	c->nr_syms = rd32(h + 52);
	c->sectab = BIGOBJ_HEADER_SIZE;
	return set_machine(c, rd16(h + 6));
}

static void read_file_header(struct coff_ctx *c, uint64_t off)
{
	const uint8_t *h = c->d + off;

	c->symsz = SYMBOL_SIZE;
	c->nr_secs = rd16(h + 2);
	c->symtab = rd32(h + 8);
	c->nr_syms = rd32(h + 12);
	c->sectab = off + FILE_HEADER_SIZE + rd16(h + 16);
}

/* The optional header: image base, section alignment, the export table. */
static int read_optional_header(struct coff_ctx *c, uint64_t off, uint16_t len,
				uint64_t *exp_rva, uint64_t *exp_size)
{
	const uint8_t *o = c->d + off;
	uint32_t ndirs, dirs;

	if (len < 2 || !in_bounds(c->size, off, len))
		return obj_error(c->obj, c->err, "optional header truncated");
	if (rd16(o) == PE32_MAGIC && len >= 96) {
		c->image_base = rd32(o + 28);
		ndirs = rd32(o + 92), dirs = 96;
	} else if (rd16(o) == PE32PLUS_MAGIC && len >= 112) {
		c->image_base = rd64(o + 24);
		ndirs = rd32(o + 108), dirs = 112;
	} else {
		return obj_error(c->obj, c->err,
				 "optional header: bad magic 0x%x or size %u",
				 rd16(o), len);
	}
	*exp_rva = *exp_size = 0;
	if (ndirs >= 1 && dirs + 8u <= len) {
		*exp_rva = rd32(o + dirs);
		*exp_size = rd32(o + dirs + 4);
	}
	return 0;
}

static int read_pe_header(struct coff_ctx *c, uint64_t *exp_rva,
			  uint64_t *exp_size)
{
	uint64_t pe = rd32(c->d + 0x3c), fh = pe + 4;
	const uint8_t *h = c->d + fh;
	int ret;

	c->image = true;
	read_file_header(c, fh);
	if ((ret = set_machine(c, rd16(h))) < 0)
		return ret;
	c->obj->type = (rd16(h + 18) & FILE_DLL) ? OBJ_SHARED : OBJ_EXECUTABLE;
	return read_optional_header(c, fh + FILE_HEADER_SIZE, rd16(h + 16),
				    exp_rva, exp_size);
}

/* The symbol table and, right after it, the string table. */
static int check_symtab(struct coff_ctx *c)
{
	uint64_t end, len;

	if (c->symtab == 0)
		c->nr_syms = 0;
	if (c->nr_syms == 0) {
		c->symtab = 0;
		return 0;
	}
	len = (uint64_t)c->nr_syms * c->symsz;
	if (c->nr_syms > OBJ_MAX_SYMBOLS || !in_bounds(c->size, c->symtab, len))
		return obj_error(c->obj, c->err,
				 "symbol table (%u entries at 0x%llx) extends past end of file",
				 c->nr_syms, (unsigned long long)c->symtab);
	end = c->symtab + len;
	if (!in_bounds(c->size, end, 4))
		return 0;	/* no string table: every name is short */
	c->strtab = c->d + end;
	c->strsize = rd32(c->strtab);
	if (c->strsize < 4)
		c->strsize = 4;
	if (!in_bounds(c->size, end, c->strsize))
		return obj_error(c->obj, c->err,
				 "string table (%u bytes) extends past end of file",
				 c->strsize);
	return 0;
}

/* ---- sections ---------------------------------------------------------- */

static bool has_prefix(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

/* ".pdata", ".pdata$f", but not ".pdatax". */
static bool is_group(const char *name, const char *base)
{
	size_t n = strlen(base);

	return !strncmp(name, base, n) && (name[n] == 0 || name[n] == '$');
}

static enum section_kind section_kind(const char *name, uint32_t ch)
{
	if (has_prefix(name, ".debug"))
		return SEC_DEBUG;
	if (is_group(name, ".drectve") || is_group(name, ".llvm_addrsig") ||
	    has_prefix(name, ".llvm.") || is_group(name, ".reloc") ||
	    (ch & (SCN_LNK_INFO | SCN_LNK_REMOVE)))
		return SEC_META;
	if (is_group(name, ".pdata") || is_group(name, ".xdata"))
		return SEC_UNWIND;
	if (is_group(name, ".tls"))
		return SEC_TLS_DATA;
	if (ch & (SCN_CNT_CODE | SCN_MEM_EXECUTE))
		return SEC_CODE;
	if ((ch & SCN_CNT_UNINIT_DATA) && !(ch & SCN_CNT_INIT_DATA))
		return SEC_BSS;
	if (ch & SCN_MEM_WRITE)
		return SEC_DATA;
	if (ch & SCN_CNT_INIT_DATA)
		return SEC_RODATA;
	return SEC_OTHER;
}

static uint32_t section_flags(enum section_kind kind, uint32_t ch)
{
	uint32_t f = 0;

	if (kind != SEC_DEBUG && kind != SEC_META &&
	    !(ch & SCN_MEM_DISCARDABLE))
		f |= SECF_ALLOC;
	if (ch & SCN_MEM_WRITE)
		f |= SECF_WRITE;
	if (ch & SCN_MEM_EXECUTE)
		f |= SECF_EXEC;
	if (kind == SEC_TLS_DATA)
		f |= SECF_TLS;
	if (ch & SCN_LNK_COMDAT)
		f |= SECF_COMDAT;
	return f;
}

/* As LLVM reads it: NO_PAD means 1, no ALIGN_* bits the default of 16. */
static uint64_t section_align(uint32_t ch)
{
	unsigned shift = (ch & SCN_ALIGN_MASK) >> SCN_ALIGN_SHIFT;

	if (ch & SCN_TYPE_NO_PAD)
		return 1;
	if (shift == 0)
		return 16;
	if (shift > 14)
		return 0;
	return 1ull << (shift - 1);
}

static int read_section_data(struct coff_ctx *c, struct section *sec,
			     const uint8_t *h)
{
	uint32_t vsize = rd32(h + 8), raw = rd32(h + 16), ptr = rd32(h + 20);

	/* In images the memory size is VirtualSize; the raw data is padded
	 * to the file alignment (or short, the rest being zeroes, which the
	 * model cannot express: keep the bytes the file has). */
	sec->size = raw;
	if (c->image && vsize && (vsize < raw || raw == 0))
		sec->size = vsize;
	if (sec->kind == SEC_BSS || raw == 0 || ptr == 0) {
		if (sec->kind != SEC_BSS && sec->size) {
			sec->kind = (sec->kind == SEC_TLS_DATA) ? SEC_TLS_BSS : SEC_BSS;
		}
		return 0;
	}
	if (!in_bounds(c->size, ptr, raw))
		return obj_error(c->obj, c->err,
				 "section %u extends past end of file",
				 sec->native_index);
	sec->data = c->d + ptr;
	return 0;
}

static int read_section(struct coff_ctx *c, uint32_t i)
{
	const uint8_t *h = c->d + c->sectab + (uint64_t)i * SECTION_HEADER_SIZE;
	uint32_t ch = rd32(h + 36);
	struct section *sec;
	int ret;

	sec = obj_add_section(c->obj);
	if (!sec)
		return obj_error(c->obj, c->err, "out of memory");
	sec->native_index = i + 1;
	if ((ret = section_name(c, i + 1, h, &sec->name)) < 0)
		return ret;
	sec->kind = section_kind(sec->name, ch);
	sec->flags = section_flags(sec->kind, ch);
	sec->align = section_align(ch);
	c->secs[i].sec = sec;
	c->secs[i].hdr = h;
	c->secs[i].vaddr = rd32(h + 12);
	if (c->image)
		sec->addr = c->image_base + rd32(h + 12);
	return read_section_data(c, sec, h);
}

static int read_sections(struct coff_ctx *c)
{
	uint64_t len = (uint64_t)c->nr_secs * SECTION_HEADER_SIZE;
	int ret;

	if (c->nr_secs > OBJ_MAX_SECTIONS || !in_bounds(c->size, c->sectab, len))
		return obj_error(c->obj, c->err,
				 "section table (%u sections) extends past end of file",
				 c->nr_secs);
	c->secs = obj_alloc(c->obj, (c->nr_secs + 1) * sizeof(*c->secs));
	if (!c->secs)
		return obj_error(c->obj, c->err, "out of memory");
	for (uint32_t i = 0; i < c->nr_secs; i++)
		if ((ret = read_section(c, i)) < 0)
			return ret;
	return 0;
}

/* ---- symbols ----------------------------------------------------------- */

/* The fields of one symbol record, in either layout. */
struct coff_sym {
	const uint8_t *rec;
	uint32_t value;
	int32_t secnum;
	uint16_t type;
	uint8_t class;
	uint8_t naux;
	const uint8_t *aux;	/* first aux record, or NULL */
};

static void decode_symbol(struct coff_ctx *c, uint32_t i, struct coff_sym *s)
{
	const uint8_t *r = c->d + c->symtab + (uint64_t)i * c->symsz;
	unsigned o = c->bigobj ? 2 : 0;

	s->rec = r;
	s->value = rd32(r + 8);
	s->secnum = c->bigobj ? (int32_t)rd32(r + 12) : (int16_t)rd16(r + 12);
	s->type = rd16(r + 14 + o);
	s->class = r[16 + o];
	s->naux = r[17 + o];
	s->aux = s->naux ? r + c->symsz : NULL;
}

/*
 * A section's own symbol: STATIC, value 0, with a section-definition aux
 * record; dlltool writes them without the aux record, named as their
 * section (GNU libbfd reads those as section symbols too; llvm-nm does
 * not); so is a defined IMAGE_SYM_CLASS_SECTION symbol.  GCC's static
 * functions at offset 0 carry a function aux record that LLVM mistakes for
 * a section definition: the type tells them apart.
 */
static bool is_section_definition(const struct coff_sym *s, const char *name,
				  const struct section *sec)
{
	if (s->class == CLASS_SECTION && sec)
		return true;	/* llvm-dlltool's import descriptors */
	if (s->class != CLASS_STATIC || s->value != 0 || !sec ||
	    (s->type >> 4) == DTYPE_FUNCTION)
		return false;
	return s->naux || !strcmp(name, sec->name);
}

static enum symbol_bind symbol_bind(uint8_t class)
{
	switch (class) {
	case CLASS_EXTERNAL: case CLASS_EXTERNAL_DEF:
		return BIND_GLOBAL;
	case CLASS_WEAK_EXTERNAL:
		return BIND_WEAK;
	}
	return BIND_LOCAL;
}

static enum symbol_kind defined_kind(const struct coff_sym *s,
				     const struct section *sec)
{
	if (sec->flags & SECF_TLS)
		return SYMK_TLS;
	if ((s->type >> 4) == DTYPE_FUNCTION || is_code_section(sec))
		return SYMK_FUNC;
	return SYMK_DATA;
}

static bool is_temp_name(const char *name)
{
	return has_prefix(name, ".L") || name[0] == '$';
}

/* The section-definition aux record: COMDAT selection and association. */
static void read_section_aux(struct coff_ctx *c, struct coff_sym *s,
			     struct symbol *sym)
{
	struct coff_sec *cs = &c->secs[s->secnum - 1];
	const uint8_t *a = s->aux;

	sym->kind = SYMK_SECTION;
	sym->flags &= ~SYMF_DERIVED;
	if (!cs->sec->secsym)
		cs->sec->secsym = sym;
	if (!a || !(rd32(cs->hdr + 36) & SCN_LNK_COMDAT) || cs->selection)
		return;
	cs->selection = a[14];
	cs->assoc = rd16(a + 12) | (c->bigobj ? (uint32_t)rd16(a + 16) << 16 : 0);
	cs->want_comdat = cs->selection != COMDAT_ASSOCIATIVE;
}

static bool is_function_definition(const struct coff_sym *s)
{
	return (s->class == CLASS_EXTERNAL || s->class == CLASS_STATIC) &&
	       s->naux && s->secnum > 0 && (s->type >> 4) == DTYPE_FUNCTION;
}

/* The function-definition aux record: TotalSize, when the producer set it
 * (MSVC with old-style debug info; GCC writes zeroes). */
static void read_function_aux(struct coff_sym *s, struct symbol *sym)
{
	uint32_t total = rd32(s->aux + 4);

	if (total) {
		sym->size = total;
		sym->flags &= ~SYMF_DERIVED;
	}
}

/* A .file record's name spans all its aux records. */
static void read_file_aux(struct coff_ctx *c, struct coff_sym *s,
			  struct symbol *sym, const char **file)
{
	sym->name = name_in(c->obj, s->aux, (size_t)s->naux * c->symsz);
	sym->kind = SYMK_FILE;
	sym->flags = SYMF_ABS;
	*file = sym->name;
}

static int place_symbol(struct coff_ctx *c, uint32_t i, struct coff_sym *s,
			struct symbol *sym)
{
	struct coff_sec *cs;

	if (s->secnum == SYM_UNDEFINED) {
		if (s->class == CLASS_EXTERNAL && s->value) {
			sym->flags |= SYMF_COMMON;
			sym->size = s->value;
			sym->kind = SYMK_DATA;
		} else {
			sym->flags |= SYMF_UNDEF;
		}
		return 0;
	}
	if (s->secnum == SYM_ABSOLUTE || s->secnum == SYM_DEBUG) {
		sym->flags |= SYMF_ABS;
		sym->offset = s->value;
		if (s->secnum == SYM_DEBUG)
			sym->flags |= SYMF_DEBUG;
		return 0;
	}
	if (s->secnum < 0 || (uint32_t)s->secnum > c->nr_secs)
		return obj_error(c->obj, c->err,
				 "symbol %u: section number %d out of range",
				 i, s->secnum);
	cs = &c->secs[s->secnum - 1];
	sym->sec = cs->sec;
	sym->offset = s->value;
	sym->kind = defined_kind(s, cs->sec);
	sym->flags |= SYMF_DERIVED;
	if (cs->want_comdat) {
		cs->sec->comdat = sym->name;
		cs->want_comdat = false;
	}
	return 0;
}

static int read_symbol(struct coff_ctx *c, uint32_t i, struct coff_sym *s,
		       const char **file)
{
	struct symbol *sym;
	int ret;

	if (s->naux >= c->nr_syms - i)
		return obj_error(c->obj, c->err,
				 "symbol %u: %u auxiliary records run past the symbol table",
				 i, s->naux);
	sym = obj_add_symbol(c->obj);
	if (!sym)
		return obj_error(c->obj, c->err, "out of memory");
	c->symmap[i] = sym;
	sym->native_index = i;
	sym->value = s->value;
	sym->bind = symbol_bind(s->class);
	if ((s->type >> 4) == DTYPE_FUNCTION)
		sym->kind = SYMK_FUNC;
	if ((ret = symbol_name(c, i, s->rec, &sym->name)) < 0)
		return ret;
	if (s->class == CLASS_FILE && s->naux) {
		read_file_aux(c, s, sym, file);
		return 0;
	}
	if (is_temp_name(sym->name))
		sym->flags |= SYMF_TEMP;
	if (s->class == CLASS_FUNCTION)
		sym->flags |= SYMF_DEBUG;
	if ((ret = place_symbol(c, i, s, sym)) < 0)
		return ret;
	if (is_section_definition(s, sym->name, sym->sec))
		read_section_aux(c, s, sym);
	else if (is_function_definition(s))
		read_function_aux(s, sym);
	if (sym->bind == BIND_LOCAL)
		sym->file = *file;
	return 0;
}

/*
 * Locals belong to the .file record before them; LLVM writes its .file
 * records last, so locals with none before them get the first one.
 */
static void assign_leading_locals(struct coff_ctx *c)
{
	const char *first = NULL;
	struct symbol *sym;

	for_each_symbol(c->obj, sym)
		if (sym->kind == SYMK_FILE) {
			first = sym->name;
			break;
		}
	for_each_symbol(c->obj, sym) {
		if (sym->kind == SYMK_FILE)
			break;
		if (sym->bind == BIND_LOCAL)
			sym->file = first;
	}
}

static int read_symbols(struct coff_ctx *c)
{
	const char *file = NULL;
	struct coff_sym s;
	int ret;

	if (!c->nr_syms)
		return 0;
	c->symmap = obj_alloc(c->obj, (size_t)c->nr_syms * sizeof(*c->symmap));
	if (!c->symmap)
		return obj_error(c->obj, c->err, "out of memory");
	for (uint32_t i = 0; i < c->nr_syms; i += 1u + s.naux) {
		decode_symbol(c, i, &s);
		if ((ret = read_symbol(c, i, &s, &file)) < 0)
			return ret;
	}
	assign_leading_locals(c);
	return 0;
}

/*
 * A weak external names its default in the aux record (TagIndex).  When
 * the default is defined, the weak symbol is a weak definition there.
 */
static int resolve_weak_external(struct coff_ctx *c, uint32_t i,
				 const struct coff_sym *s)
{
	struct symbol *sym = c->symmap[i], *def;
	uint32_t tag = rd32(s->aux);

	if (tag >= c->nr_syms || !c->symmap[tag])
		return obj_error(c->obj, c->err,
				 "symbol %u: weak external default %u is not a symbol",
				 i, tag);
	def = c->symmap[tag];
	if (def == sym || !def->sec)
		return 0;
	sym->flags &= ~SYMF_UNDEF;
	sym->flags |= SYMF_DERIVED;
	sym->sec = def->sec;
	sym->offset = def->offset;
	sym->kind = def->kind;
	return 0;
}

static int resolve_weak_externals(struct coff_ctx *c)
{
	struct coff_sym s;
	int ret;

	for (uint32_t i = 0; i < c->nr_syms; i += 1u + s.naux) {
		decode_symbol(c, i, &s);
		if (s.class != CLASS_WEAK_EXTERNAL || !s.naux || s.secnum != 0)
			continue;
		if ((ret = resolve_weak_external(c, i, &s)) < 0)
			return ret;
	}
	return 0;
}

/* An ASSOCIATIVE section belongs to the group of the section it follows. */
static void resolve_associative(struct coff_ctx *c)
{
	for (uint32_t i = 0; i < c->nr_secs; i++) {
		struct coff_sec *cs = &c->secs[i];
		uint32_t a = cs->assoc;

		for (uint32_t hop = 0; cs->selection == COMDAT_ASSOCIATIVE &&
		     hop < 8 && a >= 1 && a <= c->nr_secs && a != i + 1; hop++) {
			struct coff_sec *to = &c->secs[a - 1];

			if (to->selection != COMDAT_ASSOCIATIVE) {
				cs->sec->comdat = to->sec->comdat;
				break;
			}
			a = to->assoc;
		}
	}
}

/* ---- relocations --------------------------------------------------------- */

static const struct reloc_desc *find_reloc_desc(uint32_t machine, uint32_t type)
{
	const struct reloc_desc *t;
	size_t n;

	switch (machine) {
	case MACHINE_AMD64:
		t = amd64_relocs, n = sizeof(amd64_relocs) / sizeof(*t);
		break;
	case MACHINE_I386:
		t = i386_relocs, n = sizeof(i386_relocs) / sizeof(*t);
		break;
	case MACHINE_ARM64: case MACHINE_ARM64EC:
		t = arm64_relocs, n = sizeof(arm64_relocs) / sizeof(*t);
		break;
	case MACHINE_ARMNT:
		t = armnt_relocs, n = sizeof(armnt_relocs) / sizeof(*t);
		break;
	default:
		return NULL;
	}
	if (type >= n || !t[type].name)
		return NULL;
	return &t[type];
}

static uint32_t thumb_mov_imm(const uint8_t *p)
{
	uint16_t hi = rd16(p), lo = rd16(p + 2);

	return (uint32_t)(hi & 0xf) << 12 | (uint32_t)((hi >> 10) & 1) << 11 |
	       (uint32_t)((lo >> 12) & 7) << 8 | (lo & 0xff);
}

static uint32_t arm_mov_imm(const uint8_t *p)
{
	uint32_t insn = rd32(p);

	return ((insn >> 16) & 0xf) << 12 | (insn & 0xfff);
}

/* ldr/str: the access size scales the immediate (SIMD 128-bit: 16). */
static unsigned a64_ldst_shift(uint32_t insn)
{
	unsigned size = insn >> 30;

	if ((insn & 0x04800000u) == 0x04800000u)
		size += 4;
	return size;
}

static int64_t extract_addend(enum addend_enc enc, const uint8_t *p,
			      unsigned width)
{
	uint32_t insn = width >= 4 ? rd32(p) : 0;

	switch (enc) {
	case ENC_NONE:
		return 0;
	case ENC_DATA:
		if (width == 8)
			return (int64_t)rd64(p);
		if (width == 4)
			return (int32_t)rd32(p);
		return width == 2 ? (int16_t)rd16(p) : (int8_t)p[0];
	case ENC_A64_ADR:
		return sign_extend(((insn >> 29) & 3) | ((insn >> 3) & 0x1ffffc), 21);
	case ENC_A64_ADD:
		return (insn >> 10) & 0xfff;
	case ENC_A64_ADD_HI:
		return (int64_t)((insn >> 10) & 0xfff) << 12;
	case ENC_A64_LDST:
		return (int64_t)((insn >> 10) & 0xfff) << a64_ldst_shift(insn);
	case ENC_A64_B26:
		return sign_extend((uint64_t)(insn & 0x3ffffff) << 2, 28);
	case ENC_A64_B19:
		return sign_extend((uint64_t)((insn >> 5) & 0x7ffff) << 2, 21);
	case ENC_A64_B14:
		return sign_extend((uint64_t)((insn >> 5) & 0x3fff) << 2, 16);
	case ENC_ARM_MOV32A:
		return (int32_t)(arm_mov_imm(p) | arm_mov_imm(p + 4) << 16);
	case ENC_ARM_MOV32T:
		return (int32_t)(thumb_mov_imm(p) | thumb_mov_imm(p + 4) << 16);
	}
	return 0;
}

static struct symbol *reloc_symbol(struct coff_ctx *c, struct section *sec,
				   uint32_t index)
{
	if (index >= c->nr_syms || !c->symmap[index]) {
		obj_error(c->obj, c->err,
			  "section %u: relocation refers to bad symbol index %u",
			  sec->native_index, index);
		return NULL;
	}
	return c->symmap[index];
}

static int read_reloc(struct coff_ctx *c, struct coff_sec *cs, const uint8_t *e)
{
	struct section *sec = cs->sec;
	uint32_t va = rd32(e), type = rd16(e + 8);
	const struct reloc_desc *d = find_reloc_desc(c->obj->machine, type);
	struct reloc *r;
	struct symbol *sym;

	if (!(sym = reloc_symbol(c, sec, rd32(e + 4))))
		return -1;
	if (va < cs->vaddr || !in_bounds(sec->size, va - cs->vaddr, d ? d->width : 0))
		return obj_error(c->obj, c->err,
				 "section %u: relocation at 0x%x outside the section",
				 sec->native_index, va);
	if (!(r = obj_add_reloc(c->obj)))
		return obj_error(c->obj, c->err, "out of memory");
	r->sec = sec;
	r->offset = va - cs->vaddr;
	r->type = type;
	r->sym = sym;
	r->kind = d ? d->kind : RK_OTHER;
	r->width = d ? d->width : 0;
	if (r->kind == RK_SECREL && sym->sec && (sym->sec->flags & SECF_TLS))
		r->kind = RK_TLS;
	/* COFF addends are relative to the target itself: the linker
	 * subtracts the end of the field (REL32) or of the instruction
	 * (REL32_N), so sym + addend is the referenced address: bias 0. */
	if (d && d->enc != ENC_NONE && sec->data) {
		r->addend = extract_addend(d->enc, sec->data + r->offset, d->width);
		r->flags |= RELF_INLINE;
	}
	return 0;
}

/* The relocation count, with IMAGE_SCN_LNK_NRELOC_OVFL's first entry. */
static int reloc_range(struct coff_ctx *c, struct coff_sec *cs,
		       uint64_t *off, uint64_t *count)
{
	const uint8_t *h = cs->hdr;

	*off = rd32(h + 24);
	*count = rd16(h + 32);
	if (*count && !in_bounds(c->size, *off, RELOC_SIZE))
		goto past_end;
	if ((rd32(h + 36) & SCN_LNK_NRELOC_OVFL) && *count == 0xffff) {
		*count = rd32(c->d + *off);
		if (*count == 0)
			return obj_error(c->obj, c->err,
					 "section %u: relocation overflow count is 0",
					 cs->sec->native_index);
		*count -= 1;
		*off += RELOC_SIZE;
	}
	if (*count > OBJ_MAX_RELOCS ||
	    !in_bounds(c->size, *off, *count * RELOC_SIZE))
		goto past_end;
	/* Each section's entries fit the file; all of them together do too,
	 * unless sections share them (N sections reading one table would
	 * multiply it). */
	c->reloc_bytes += *count * RELOC_SIZE;
	if (c->reloc_bytes > c->size)
		return obj_error(c->obj, c->err,
				 "relocation tables overlap (%llu bytes of entries in a "
				 "%zu-byte file)", (unsigned long long)c->reloc_bytes, c->size);
	return 0;
past_end:
	return obj_error(c->obj, c->err,
			 "section %u: relocations extend past end of file",
			 cs->sec->native_index);
}

static int read_relocs(struct coff_ctx *c)
{
	uint64_t off, count;
	int ret;

	for (uint32_t i = 0; i < c->nr_secs; i++) {
		struct coff_sec *cs = &c->secs[i];

		if ((ret = reloc_range(c, cs, &off, &count)) < 0)
			return ret;
		for (uint64_t k = 0; k < count; k++)
			if ((ret = read_reloc(c, cs, c->d + off + k * RELOC_SIZE)) < 0)
				return ret;
	}
	return 0;
}

/* ---- PE export directory ------------------------------------------------- */

static struct coff_sec *find_sec_by_rva(struct coff_ctx *c, uint64_t rva)
{
	for (uint32_t i = 0; i < c->nr_secs; i++) {
		struct coff_sec *cs = &c->secs[i];

		if (rva >= cs->vaddr && rva - cs->vaddr < cs->sec->size)
			return cs;
	}
	return NULL;
}

/* Bytes at an RVA, when len of them are in one section's file data. */
static const uint8_t *rva_data(struct coff_ctx *c, uint64_t rva, uint64_t len)
{
	struct coff_sec *cs = find_sec_by_rva(c, rva);

	if (!cs || !cs->sec->data || !in_bounds(cs->sec->size, rva - cs->vaddr, len))
		return NULL;
	return cs->sec->data + (rva - cs->vaddr);
}

static int add_export(struct coff_ctx *c, const char *name, uint32_t rva)
{
	struct coff_sec *cs = find_sec_by_rva(c, rva);
	struct symbol *sym;

	if (!cs)
		return 0;
	if (!(sym = obj_add_symbol(c->obj)))
		return obj_error(c->obj, c->err, "out of memory");
	sym->native_index = UINT32_MAX;
	sym->name = name;
	sym->bind = BIND_GLOBAL;
	sym->sec = cs->sec;
	sym->offset = rva - cs->vaddr;
	sym->value = c->image_base + rva;
	sym->kind = is_code_section(cs->sec) ? SYMK_FUNC : SYMK_DATA;
	sym->flags = SYMF_DERIVED;
	return 0;
}

static int read_exports(struct coff_ctx *c, uint64_t dir, uint64_t dir_size)
{
	const uint8_t *e = rva_data(c, dir, 40), *names, *ords, *funcs;
	uint32_t nfuncs, nnames;
	int ret;

	if (!dir || !e)
		return 0;
	nfuncs = rd32(e + 20), nnames = rd32(e + 24);
	funcs = rva_data(c, rd32(e + 28), (uint64_t)nfuncs * 4);
	names = rva_data(c, rd32(e + 32), (uint64_t)nnames * 4);
	ords = rva_data(c, rd32(e + 36), (uint64_t)nnames * 2);
	if (!funcs || !names || !ords)
		return obj_error(c->obj, c->err, "export directory is truncated");
	for (uint32_t i = 0; i < nnames; i++) {
		uint32_t ord = rd16(ords + 2 * i), rva, nrva = rd32(names + 4 * i);
		struct coff_sec *cs = find_sec_by_rva(c, nrva);
		const char *name;

		if (ord >= nfuncs || !cs || !cs->sec->data)
			continue;
		rva = rd32(funcs + 4 * ord);
		if (rva >= dir && rva - dir < dir_size)
			continue;	/* a forwarder "DLL.name" */
		name = (const char *)cs->sec->data + (nrva - cs->vaddr);
		/* In place only: copies of names running to the section's end
		 * would cost its size per export. */
		if (!memchr(name, 0, cs->sec->size - (nrva - cs->vaddr)))
			return obj_error(c->obj, c->err, "export %u: name is not terminated", i);
		if ((ret = add_export(c, name, rva)) < 0)
			return ret;
	}
	return 0;
}

/* ---- import-library short members -------------------------------------- */

static int add_import_symbol(struct coff_ctx *c, const char *name,
			     enum symbol_kind kind)
{
	struct symbol *sym = obj_add_symbol(c->obj);

	if (!sym || !name)
		return obj_error(c->obj, c->err, "out of memory");
	sym->name = name;
	sym->kind = kind;
	sym->bind = BIND_GLOBAL;
	sym->flags = SYMF_ABS;
	return 0;
}

static int read_import_object(struct coff_ctx *c)
{
	const uint8_t *h = c->d;
	uint32_t len = c->size >= IMPORT_HEADER_SIZE ? rd32(h + 12) : 0;
	unsigned type = c->size >= IMPORT_HEADER_SIZE ? rd16(h + 18) & 3 : 0;
	size_t n;
	const char *name;
	int ret;

	if (c->size < IMPORT_HEADER_SIZE ||
	    !in_bounds(c->size, IMPORT_HEADER_SIZE, len))
		return obj_error(c->obj, c->err, "import object header truncated");
	if ((ret = set_machine(c, rd16(h + 6))) < 0)
		return ret;
	n = strnlen((const char *)h + IMPORT_HEADER_SIZE, len);
	if (n == len)
		return obj_error(c->obj, c->err, "import object name is not terminated");
	name = (const char *)h + IMPORT_HEADER_SIZE;
	if ((ret = add_import_symbol(c, obj_sprintf(c->obj, "__imp_%s", name),
				     SYMK_DATA)) < 0)
		return ret;
	if (type == IMPORT_CODE)
		return add_import_symbol(c, name, SYMK_FUNC);
	return 0;
}

/* ---- driver -------------------------------------------------------------- */

static int read_header(struct coff_ctx *c, uint64_t *exp_rva, uint64_t *exp_size)
{
	*exp_rva = *exp_size = 0;
	if (is_pe_image(c->d, c->size))
		return read_pe_header(c, exp_rva, exp_size);
	if (is_anon_header(c->d, c->size))
		return read_bigobj_header(c);
	if (c->size < FILE_HEADER_SIZE)
		return obj_error(c->obj, c->err, "COFF header truncated");
	read_file_header(c, 0);
	return set_machine(c, rd16(c->d));
}

static int coff_load(struct obj *obj, struct ipbp_err *err)
{
	struct coff_ctx c = {
		.obj = obj, .err = err, .d = obj->data, .size = obj->size,
	};
	uint64_t exp_rva, exp_size;
	int ret;

	obj->format = FORMAT_COFF;
	obj->type = OBJ_RELOCATABLE;
	obj->big_endian = false;
	if (is_anon_header(c.d, c.size) && c.size >= 6 && rd16(c.d + 4) == 0)
		return read_import_object(&c);

	/* Headers, tables, then the model's sections, symbols, relocations. */
	if ((ret = read_header(&c, &exp_rva, &exp_size)) < 0 ||
	    (ret = check_symtab(&c)) < 0 ||
	    (ret = read_sections(&c)) < 0 ||
	    (ret = read_symbols(&c)) < 0 ||
	    (ret = resolve_weak_externals(&c)) < 0)
		return ret;
	resolve_associative(&c);
	if ((ret = read_relocs(&c)) < 0)
		return ret;
	if (c.image && !c.nr_syms)
		return read_exports(&c, exp_rva, exp_size);
	return 0;
}

static void coff_release(struct obj *obj)
{
	(void)obj;
}

static const char *coff_reloc_type_name(const struct obj *obj, uint32_t type)
{
	const struct reloc_desc *d = find_reloc_desc(obj->machine, type);

	return d ? d->name : "Unknown";
}

const struct obj_ops coff_ops = {
	.name = "coff",
	.format = FORMAT_COFF,
	.probe = coff_probe,
	.load = coff_load,
	.release = coff_release,
	.reloc_type_name = coff_reloc_type_name,
};
