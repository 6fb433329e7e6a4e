/* SPDX-License-Identifier: MIT */
/*
 * mklimits - writes the inputs of t9050-limits.sh: small files of every
 * format (under 4 KB) that claim huge counts and sizes, share their
 * tables between many headers, or nest containers too deeply, so that a
 * reader trusting them would allocate gigabytes (doc/ipbp-limits.7); and
 * valid files (named ok-*) that declare huge sizes without bytes or hold
 * many tiny objects (ok-ar-tiny-members.a, the one large file: 1.8 MB).
 *
 * Usage: mklimits [DIR]     (default: the current directory)
 *
 * Each file is named after what it claims; the test knows which ones must
 * be refused (and with which message).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FILE 4096

struct out {
	uint8_t b[MAX_FILE];
	size_t len;		/* bytes written: the highest offset touched */
};

static void touch(struct out *o, size_t off, size_t n)
{
	if (off + n > MAX_FILE) {
		fprintf(stderr, "mklimits: write at %zu past %d bytes\n", off + n, MAX_FILE);
		exit(1);
	}
	if (off + n > o->len)
		o->len = off + n;
}

static void put(struct out *o, size_t off, const void *p, size_t n)
{
	touch(o, off, n);
	memcpy(o->b + off, p, n);
}

static void le(struct out *o, size_t off, uint64_t v, unsigned n)
{
	touch(o, off, n);
	for (unsigned i = 0; i < n; i++)
		o->b[off + i] = (uint8_t)(v >> (8 * i));
}

static void be32(struct out *o, size_t off, uint32_t v)
{
	touch(o, off, 4);
	for (unsigned i = 0; i < 4; i++)
		o->b[off + i] = (uint8_t)(v >> (8 * (3 - i)));
}

static void save(const char *dir, const char *name, const struct out *o)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (!(f = fopen(path, "wb")) || fwrite(o->b, 1, o->len, f) != o->len ||
	    fclose(f) != 0) {
		perror(path);
		exit(1);
	}
}

/* ---- ELF: 64-bit little-endian x86-64 relocatable objects ---------------- */

#define SHT_PROGBITS	1
#define SHT_SYMTAB	2
#define SHT_STRTAB	3
#define SHT_RELA	4
#define SHT_NOBITS	8
#define SHF_WRITE	1
#define SHF_ALLOC	2
#define SHF_EXECINSTR	4
#define SHF_COMPRESSED	0x800

/* Section names, at these offsets of the name table (file offset 64). */
static const char elf_names[] =
	"\0.shstrtab\0.text\0.symtab\0.strtab\0.rela.text\0.bss\0.debug_info";
enum { N_SHSTRTAB = 1, N_TEXT = 11, N_SYMTAB = 17, N_STRTAB = 25, N_RELA = 33, N_BSS = 44,
       N_DEBUG_INFO = 49 };

#define ELF_SHOFF	1024	/* section headers start here */

static void elf_header(struct out *o, unsigned shnum)
{
	static const uint8_t ident[16] = { 0x7f, 'E', 'L', 'F', 2, 1, 1 };

	put(o, 0, ident, 16);
	le(o, 16, 1, 2);		/* ET_REL */
	le(o, 18, 62, 2);		/* EM_X86_64 */
	le(o, 20, 1, 4);
	le(o, 40, ELF_SHOFF, 8);	/* e_shoff */
	le(o, 52, 64, 2);		/* e_ehsize */
	le(o, 58, 64, 2);		/* e_shentsize */
	le(o, 60, shnum, 2);
	le(o, 62, 1, 2);		/* e_shstrndx */
	put(o, 64, elf_names, sizeof(elf_names));
}

static void elf_shdr(struct out *o, unsigned i, uint32_t name, uint32_t type, uint64_t flags,
		     uint64_t off, uint64_t size, uint32_t link, uint32_t info, uint64_t entsize)
{
	size_t h = ELF_SHOFF + 64 * (size_t)i;

	le(o, h, name, 4);
	le(o, h + 4, type, 4);
	le(o, h + 8, flags, 8);
	le(o, h + 24, off, 8);
	le(o, h + 32, size, 8);
	le(o, h + 40, link, 4);
	le(o, h + 44, info, 4);
	le(o, h + 48, 1, 8);		/* sh_addralign */
	le(o, h + 56, entsize, 8);
}

/* [1] .shstrtab, [2] .text (16 bytes at 128), [3] .symtab of nsyms
 * entries at 256, [4] .strtab of strsize bytes at 768. */
static void elf_base(struct out *o, unsigned shnum, uint64_t nsyms, uint64_t strsize)
{
	elf_header(o, shnum);
	elf_shdr(o, 1, N_SHSTRTAB, SHT_STRTAB, 0, 64, sizeof(elf_names), 0, 0, 0);
	elf_shdr(o, 2, N_TEXT, SHT_PROGBITS, SHF_ALLOC | SHF_EXECINSTR, 128, 16, 0, 0, 0);
	elf_shdr(o, 3, N_SYMTAB, SHT_SYMTAB, 0, 256, nsyms * 24, 4, 1, 24);
	elf_shdr(o, 4, N_STRTAB, SHT_STRTAB, 0, 768, strsize, 0, 0, 0);
	memset(o->b + 128, 0xc3, 16);	/* ret */
}

/* A symbol in .symtab: name offset, info, section, value, size. */
static void elf_sym(struct out *o, unsigned i, uint32_t name, uint8_t info, uint16_t shndx,
		    uint64_t value, uint64_t size)
{
	size_t s = 256 + 24 * (size_t)i;

	le(o, s, name, 4);
	o->b[s + 4] = info;
	le(o, s + 6, shndx, 2);
	le(o, s + 8, value, 8);
	le(o, s + 16, size, 8);
}

static void elf_cases(const char *dir)
{
	struct out o;

	/* 2^31 sections through extended numbering (section 0's sh_size). */
	memset(&o, 0, sizeof(o));
	elf_base(&o, 0, 1, 1);
	le(&o, ELF_SHOFF + 32, 1ull << 31, 8);
	save(dir, "elf-sections-2g.o", &o);

	/* A symbol table of 2^32 entries. */
	memset(&o, 0, sizeof(o));
	elf_base(&o, 5, 1ull << 32, 1);
	save(dir, "elf-symbols-4g.o", &o);

	/* A 4 GB .text. */
	memset(&o, 0, sizeof(o));
	elf_base(&o, 5, 1, 1);
	elf_shdr(&o, 2, N_TEXT, SHT_PROGBITS, SHF_ALLOC | SHF_EXECINSTR, 128, 1ull << 32, 0, 0, 0);
	save(dir, "elf-section-4g.o", &o);

	/* 30 relocation sections sharing one table of 30 entries (21 KB of
	 * entries; R_X86_64_NONE, valid as they are). */
	memset(&o, 0, sizeof(o));
	elf_base(&o, 35, 1, 1);
	for (unsigned i = 5; i < 35; i++)
		elf_shdr(&o, i, N_RELA, SHT_RELA, 0, 3264, 30 * 24, 3, 2, 24);
	le(&o, 3264 + 30 * 24 - 1, 0, 1);
	save(dir, "elf-relocs-shared.o", &o);

	/* 40 code sections over the same 1 KB of code. */
	memset(&o, 0, sizeof(o));
	elf_base(&o, 45, 1, 1);
	for (unsigned i = 5; i < 45; i++)
		elf_shdr(&o, i, N_TEXT, SHT_PROGBITS, SHF_ALLOC | SHF_EXECINSTR, 0, 1024, 0, 0, 0);
	save(dir, "elf-code-shared.o", &o);

	/* Valid: a 2^62-byte .bss holding a 2^62-byte object (no bytes, so
	 * nothing may be allocated for it). */
	memset(&o, 0, sizeof(o));
	elf_base(&o, 6, 2, 8);
	elf_shdr(&o, 5, N_BSS, SHT_NOBITS, SHF_ALLOC | SHF_WRITE, 0, 1ull << 62, 0, 0, 0);
	put(&o, 768, "\0big\0\0\0", 8);
	elf_sym(&o, 1, 1, 0x11, 5, 0, 1ull << 62);	/* GLOBAL OBJECT */
	save(dir, "ok-elf-bss-huge.o", &o);

	/* Valid: 20 symbols named into a string table without a final NUL
	 * (each name runs to the table's end: read from one copy). */
	memset(&o, 0, sizeof(o));
	elf_base(&o, 5, 21, 200);
	memset(o.b + 768, 'x', 200);
	o.b[768] = 0;
	for (unsigned i = 1; i <= 20; i++)
		elf_sym(&o, i, 1 + 9 * i, 0x12, 2, 0, 0);	/* GLOBAL FUNC */
	save(dir, "ok-elf-strtab-open.o", &o);

	/* Valid: a compressed .debug_info of 16 bytes whose Chdr claims 2^40
	 * (a zip bomb's claim: left compressed, nothing allocated for it). */
	memset(&o, 0, sizeof(o));
	elf_base(&o, 6, 1, 1);
	elf_shdr(&o, 5, N_DEBUG_INFO, SHT_PROGBITS, SHF_COMPRESSED, 2048, 24 + 16, 0, 0, 0);
	le(&o, 2048, 1, 4);		/* ch_type: ELFCOMPRESS_ZLIB */
	le(&o, 2048 + 8, 1ull << 40, 8);	/* ch_size */
	le(&o, 2048 + 16, 1, 8);	/* ch_addralign */
	put(&o, 2048 + 24, "\x78\x9c\x03\x00\x00\x00\x00\x01", 8);	/* zlib: "" */
	touch(&o, 2048 + 24, 16);
	save(dir, "ok-elf-gz-bomb.o", &o);
}

/* ---- Mach-O: 64-bit little-endian x86_64 MH_OBJECT ----------------------- */

#define MH_HDR		32
#define SEG_CMD		72
#define SECT		80

static void macho_header(struct out *o, uint32_t ncmds, uint32_t sizeofcmds)
{
	le(o, 0, 0xfeedfacf, 4);
	le(o, 4, 0x01000007, 4);	/* CPU_TYPE_X86_64 */
	le(o, 8, 3, 4);
	le(o, 12, 1, 4);		/* MH_OBJECT */
	le(o, 16, ncmds, 4);
	le(o, 20, sizeofcmds, 4);
}

/* One LC_SEGMENT_64 at 32 with nsects sections (headers only). */
static void macho_segment(struct out *o, uint32_t nsects, uint32_t nsects_claimed)
{
	le(o, MH_HDR, 0x19, 4);
	le(o, MH_HDR + 4, SEG_CMD + SECT * nsects, 4);
	le(o, MH_HDR + 64, nsects_claimed, 4);
}

/* Section i of the segment: __TEXT,__text, regular, code. */
static void macho_section(struct out *o, uint32_t i, uint64_t size, uint32_t offset,
			  uint32_t reloff, uint32_t nreloc)
{
	size_t s = MH_HDR + SEG_CMD + SECT * (size_t)i;

	put(o, s, "__text", 6);
	put(o, s + 16, "__TEXT", 6);
	le(o, s + 40, size, 8);
	le(o, s + 48, offset, 4);
	le(o, s + 56, reloff, 4);
	le(o, s + 60, nreloc, 4);
	le(o, s + 64, 0x80000400, 4);	/* pure and some instructions */
}

static void macho_cases(const char *dir)
{
	struct out o;

	/* 2^32 - 1 load commands in no bytes. */
	memset(&o, 0, sizeof(o));
	macho_header(&o, UINT32_MAX, 0);
	le(&o, 63, 0, 1);
	save(dir, "macho-commands-4g.o", &o);

	/* A segment claiming 2^31 sections. */
	memset(&o, 0, sizeof(o));
	macho_header(&o, 1, SEG_CMD + SECT);
	macho_segment(&o, 1, 1u << 31);
	macho_section(&o, 0, 16, 512, 0, 0);
	le(&o, 512 + 15, 0, 1);
	save(dir, "macho-sections-2g.o", &o);

	/* A symbol table of 2^32 - 1 entries. */
	memset(&o, 0, sizeof(o));
	macho_header(&o, 1, 24);
	le(&o, MH_HDR, 2, 4);		/* LC_SYMTAB */
	le(&o, MH_HDR + 4, 24, 4);
	le(&o, MH_HDR + 8, 64, 4);
	le(&o, MH_HDR + 12, UINT32_MAX, 4);
	le(&o, MH_HDR + 16, 64, 4);
	le(&o, MH_HDR + 20, 1, 4);
	le(&o, 127, 0, 1);
	save(dir, "macho-symbols-4g.o", &o);

	/* A 4 GB __text. */
	memset(&o, 0, sizeof(o));
	macho_header(&o, 1, SEG_CMD + SECT);
	macho_segment(&o, 1, 1);
	macho_section(&o, 0, 1ull << 32, 512, 0, 0);
	le(&o, 512 + 15, 0, 1);
	save(dir, "macho-section-4g.o", &o);

	/* 2^32 - 1 relocations. */
	memset(&o, 0, sizeof(o));
	macho_header(&o, 1, SEG_CMD + SECT);
	macho_segment(&o, 1, 1);
	macho_section(&o, 0, 16, 512, 528, UINT32_MAX);
	le(&o, 512 + 31, 0, 1);
	save(dir, "macho-relocs-4g.o", &o);

	/* 30 sections sharing one table of 120 relocations (28 KB), each a
	 * valid X86_64_RELOC_UNSIGNED of 8 bytes against section 1. */
	memset(&o, 0, sizeof(o));
	macho_header(&o, 1, SEG_CMD + 30 * SECT);
	macho_segment(&o, 30, 30);
	for (uint32_t i = 0; i < 30; i++)
		macho_section(&o, i, 16, 2560, 2576, 120);
	for (uint32_t i = 0; i < 120; i++)
		le(&o, 2576 + 8 * i + 4, 0x06000001, 4);
	save(dir, "macho-relocs-shared.o", &o);

	/* A universal file claiming 2^31 slices: not one (as file(1) says,
	 * Java class files start with the same magic number). */
	memset(&o, 0, sizeof(o));
	be32(&o, 0, 0xcafebabe);
	be32(&o, 4, 1u << 31);
	le(&o, 255, 0, 1);
	save(dir, "macho-fat-slices-2g.o", &o);

	/* A universal file of 30 slices in 256 bytes. */
	be32(&o, 4, 30);
	save(dir, "macho-fat-slices-30.o", &o);

	/* A universal file whose x86_64 slice is the file itself. */
	memset(&o, 0, sizeof(o));
	be32(&o, 0, 0xcafebabe);
	be32(&o, 4, 1);
	be32(&o, 8, 0x01000007);
	be32(&o, 12, 3);
	be32(&o, 16, 0);		/* offset */
	be32(&o, 20, 64);		/* size: all of it */
	be32(&o, 24, 0);
	le(&o, 63, 0, 1);
	save(dir, "macho-fat-nested.o", &o);
}

/* ---- COFF: x86-64 objects ------------------------------------------------ */

#define COFF_HDR	20
#define COFF_SEC	40

static void coff_header(struct out *o, uint16_t nsecs, uint32_t symtab, uint32_t nsyms)
{
	le(o, 0, 0x8664, 2);
	le(o, 2, nsecs, 2);
	le(o, 8, symtab, 4);
	le(o, 12, nsyms, 4);
}

/* Section i: .text, code, raw bytes at ptr, relocations at reloff. */
static void coff_section(struct out *o, unsigned i, uint32_t raw, uint32_t ptr,
			 uint32_t reloff, uint16_t nrelocs, uint32_t extra_flags)
{
	size_t s = COFF_HDR + COFF_SEC * (size_t)i;

	put(o, s, ".text", 5);
	le(o, s + 16, raw, 4);
	le(o, s + 20, ptr, 4);
	le(o, s + 24, reloff, 4);
	le(o, s + 32, nrelocs, 2);
	le(o, s + 36, 0x60500020 | extra_flags, 4);	/* code, execute, read */
}

/* A symbol record at off: an external defined at the start of section 1. */
static void coff_symbol(struct out *o, size_t off, const char *name)
{
	put(o, off, name, strlen(name));
	le(o, off + 12, 1, 2);
	o->b[off + 16] = 2;		/* IMAGE_SYM_CLASS_EXTERNAL */
	le(o, off + 17, 0, 1);
}

static const uint8_t bigobj_class[16] = {
	0xc7, 0xa1, 0xba, 0xd1, 0xee, 0xba, 0xa9, 0x4b,
	0xaf, 0x20, 0xfa, 0xf6, 0x6a, 0xa4, 0xdc, 0xb8,
};

static void coff_cases(const char *dir)
{
	struct out o;

	/* 65535 sections (the most a regular header holds). */
	memset(&o, 0, sizeof(o));
	coff_header(&o, 0xffff, 0, 0);
	coff_section(&o, 0, 16, 512, 0, 0, 0);
	le(&o, 527, 0, 1);
	save(dir, "coff-sections-64k.obj", &o);

	/* bigobj: 2^31 sections. */
	memset(&o, 0, sizeof(o));
	le(&o, 2, 0xffff, 2);
	le(&o, 4, 2, 2);
	le(&o, 6, 0x8664, 2);
	put(&o, 12, bigobj_class, 16);
	le(&o, 44, 1u << 31, 4);
	le(&o, 255, 0, 1);
	save(dir, "coff-bigobj-sections-2g.obj", &o);

	/* 2^32 - 1 symbols. */
	memset(&o, 0, sizeof(o));
	coff_header(&o, 1, 512, UINT32_MAX);
	coff_section(&o, 0, 16, 256, 0, 0, 0);
	le(&o, 600, 0, 1);
	save(dir, "coff-symbols-4g.obj", &o);

	/* A section of 4 GB - 1 bytes. */
	memset(&o, 0, sizeof(o));
	coff_header(&o, 1, 0, 0);
	coff_section(&o, 0, UINT32_MAX, 256, 0, 0, 0);
	le(&o, 300, 0, 1);
	save(dir, "coff-section-4g.obj", &o);

	/* IMAGE_SCN_LNK_NRELOC_OVFL: 2^32 - 2 relocations. */
	memset(&o, 0, sizeof(o));
	coff_header(&o, 1, 0, 0);
	coff_section(&o, 0, 16, 256, 272, 0xffff, 0x01000000);
	le(&o, 272, UINT32_MAX, 4);
	le(&o, 300, 0, 1);
	save(dir, "coff-relocs-4g.obj", &o);

	/* 30 sections sharing one table of 100 relocations (30 KB), each a
	 * valid IMAGE_REL_AMD64_ADDR64 against symbol 0. */
	memset(&o, 0, sizeof(o));
	coff_header(&o, 30, 2304, 1);
	for (unsigned i = 0; i < 30; i++)
		coff_section(&o, i, 16, 1280, 1296, 100, 0);
	for (unsigned i = 0; i < 100; i++)
		le(&o, 1296 + 10 * i + 8, 1, 2);
	coff_symbol(&o, 2304, "sym");
	le(&o, 2304 + 18, 4, 4);	/* an empty string table */
	save(dir, "coff-relocs-shared.obj", &o);

	/* A string table claiming 4 GB - 1 bytes. */
	memset(&o, 0, sizeof(o));
	coff_header(&o, 1, 256, 1);
	coff_section(&o, 0, 16, 128, 0, 0, 0);
	coff_symbol(&o, 256, "sym");
	le(&o, 256 + 18, UINT32_MAX, 4);
	le(&o, 300, 0, 1);
	save(dir, "coff-strtab-4g.obj", &o);
}

/* ---- Wasm ---------------------------------------------------------------- */

static size_t wasm_magic(struct out *o)
{
	put(o, 0, "\0asm\1\0\0\0", 8);
	return 8;
}

/* An unsigned LEB128 padded to 5 bytes. */
static size_t leb5(struct out *o, size_t off, uint32_t v)
{
	for (unsigned i = 0; i < 5; i++) {
		touch(o, off + i, 1);
		o->b[off + i] = (uint8_t)(((v >> (7 * i)) & 0x7f) | (i < 4 ? 0x80 : 0));
	}
	return off + 5;
}

static void wasm_cases(const char *dir)
{
	struct out o;
	size_t p;

	/* A type section of 4 GB - 1 bytes. */
	memset(&o, 0, sizeof(o));
	p = wasm_magic(&o);
	o.b[p++] = 1;
	p = leb5(&o, p, UINT32_MAX);
	le(&o, p + 64, 0, 1);
	save(dir, "wasm-section-4g.wasm", &o);

	/* 2^32 - 1 types in 64 bytes. */
	memset(&o, 0, sizeof(o));
	p = wasm_magic(&o);
	o.b[p++] = 1;
	p = leb5(&o, p, 64);
	leb5(&o, p, UINT32_MAX);
	le(&o, p + 63, 0, 1);
	save(dir, "wasm-types-4g.wasm", &o);

	/* 2^31 functions in 64 bytes. */
	memset(&o, 0, sizeof(o));
	p = wasm_magic(&o);
	o.b[p++] = 3;
	p = leb5(&o, p, 64);
	leb5(&o, p, 1u << 31);
	le(&o, p + 63, 0, 1);
	save(dir, "wasm-functions-2g.wasm", &o);
}

/* ---- ar archives --------------------------------------------------------- */

static size_t ar_member(struct out *o, size_t off, const char *name, const char *size_field,
			const void *data, size_t len)
{
	char hdr[80];

	snprintf(hdr, sizeof(hdr), "%-16s%-12s%-6s%-6s%-8s%-10s`\n", name, "0", "0", "0",
		 "644", size_field);
	put(o, off, hdr, 60);
	if (len)
		put(o, off + 60, data, len);
	off += 60 + len;
	return off + (off & 1);
}

static size_t ar_member_n(struct out *o, size_t off, const char *name, const void *data,
			  size_t len)
{
	char size[16];

	snprintf(size, sizeof(size), "%zu", len);
	return ar_member(o, off, name, size, data, len);
}

static void ar_cases(const char *dir)
{
	static uint8_t elf[64] = { 0x7f, 'E', 'L', 'F', 2, 1, 1, [16] = 1, [18] = 62, [20] = 1,
				   [52] = 64 };
	uint8_t inner[MAX_FILE], sysv_index[8] = { 0x80, 0, 0, 0 };
	struct out o, nest;
	char longname[1501];
	size_t p, n;

	/* A member of 4 GB. */
	memset(&o, 0, sizeof(o));
	put(&o, 0, "!<arch>\n", 8);
	ar_member(&o, 8, "big.o/", "4294967296", elf, sizeof(elf));
	save(dir, "ar-member-4g.a", &o);

	/* A symbol index claiming 2^31 symbols. */
	memset(&o, 0, sizeof(o));
	put(&o, 0, "!<arch>\n", 8);
	p = ar_member_n(&o, 8, "/", sysv_index, sizeof(sysv_index));
	ar_member_n(&o, p, "a.o/", elf, sizeof(elf));
	save(dir, "ar-index-2g.a", &o);

	/* Archives nested four deep around one object. */
	memcpy(inner, elf, sizeof(elf));
	n = sizeof(elf);
	for (int depth = 0; depth < 4; depth++) {
		memset(&nest, 0, sizeof(nest));
		put(&nest, 0, "!<arch>\n", 8);
		nest.len = ar_member_n(&nest, 8, depth ? "in.a/" : "a.o/", inner, n);
		memcpy(inner, nest.b, nest.len);
		n = nest.len;
	}
	save(dir, "ar-nested-4.a", &nest);

	/* 40 members sharing one 1500-byte long name (60 KB of names). */
	memset(&o, 0, sizeof(o));
	put(&o, 0, "!<arch>\n", 8);
	memset(longname, 'n', 1498);
	memcpy(longname + 1498, "/\n", 3);
	p = ar_member_n(&o, 8, "//", longname, 1500);
	for (int i = 0; i < 40; i++)
		p = ar_member_n(&o, p, "/0", NULL, 0);
	save(dir, "ar-longnames-shared.a", &o);
}

/*
 * Valid, and larger than the rest: an archive of 15000 members of 124
 * bytes (1.8 MB), each a minimal ELF object.  What an object costs beyond
 * its bytes must stay small: at 64 KB an object this was 1 GB.
 */
static void ar_tiny_members(const char *dir)
{
	static const uint8_t elf[64] = { 0x7f, 'E', 'L', 'F', 2, 1, 1, [16] = 1, [18] = 62,
					 [20] = 1, [52] = 64 };
	char path[4096], hdr[80];
	FILE *f;

	snprintf(path, sizeof(path), "%s/ok-ar-tiny-members.a", dir);
	if (!(f = fopen(path, "wb"))) {
		perror(path);
		exit(1);
	}
	fputs("!<arch>\n", f);
	for (int i = 0; i < 15000; i++) {
		char name[17];

		snprintf(name, sizeof(name), "m%d.o/", i);
		snprintf(hdr, sizeof(hdr), "%-16s%-12s%-6s%-6s%-8s%-10zu`\n", name, "0", "0",
			 "0", "644", sizeof(elf));
		fwrite(hdr, 1, 60, f);
		fwrite(elf, 1, sizeof(elf), f);
	}
	if (ferror(f) || fclose(f) != 0) {
		perror(path);
		exit(1);
	}
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : ".";

	elf_cases(dir);
	macho_cases(dir);
	coff_cases(dir);
	wasm_cases(dir);
	ar_cases(dir);
	ar_tiny_members(dir);
	return 0;
}
