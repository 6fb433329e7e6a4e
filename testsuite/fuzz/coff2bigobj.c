/* SPDX-License-Identifier: MIT */
/*
 * coff2bigobj.c - rewrite a small regular COFF object (as clang writes it)
 * as a bigobj COFF object with the same contents, for the fuzz seed corpus
 * and tests: LLVM writes bigobj only past 65279 sections, far too large a
 * fixture.
 *
 *   coff2bigobj IN.obj OUT.obj
 *
 * bigobj differs from a regular object in its 56-byte header
 * (ANON_OBJECT_HEADER_BIGOBJ) and in its 20-byte symbol records whose
 * section number is 32 bits (aux records are padded to 20 bytes too).
 * The input must have no optional header and its symbol and string tables
 * at the end, as LLVM writes them.  Build-time helper only.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HDR_SIZE	20
#define BIG_HDR_SIZE	56
#define SHDR_SIZE	40
#define SYM_SIZE	18
#define BIG_SYM_SIZE	20
#define SHIFT		(BIG_HDR_SIZE - HDR_SIZE)

static const uint8_t bigobj_class_id[16] = {
	0xc7, 0xa1, 0xba, 0xd1, 0xee, 0xba, 0xa9, 0x4b,
	0xaf, 0x20, 0xfa, 0xf6, 0x6a, 0xa4, 0xdc, 0xb8,
};

static uint32_t get16(const uint8_t *p) { return p[0] | p[1] << 8; }
static uint32_t get32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}
static void put16(uint8_t *p, uint32_t v) { p[0] = v; p[1] = v >> 8; }
static void put32(uint8_t *p, uint32_t v)
{
	p[0] = v; p[1] = v >> 8; p[2] = v >> 16; p[3] = v >> 24;
}

static int die(const char *msg)
{
	fprintf(stderr, "coff2bigobj: %s\n", msg);
	return 1;
}

/* A file offset from a section header, moved by the larger header. */
static void shift_ptr(uint8_t *p)
{
	if (get32(p))
		put32(p, get32(p) + SHIFT);
}

static void convert_symbols(uint8_t *out, const uint8_t *in, uint32_t nsyms)
{
	for (uint32_t i = 0; i < nsyms; i++) {
		const uint8_t *s = in + (size_t)i * SYM_SIZE;
		uint8_t *d = out + (size_t)i * BIG_SYM_SIZE;
		int16_t secnum = (int16_t)get16(s + 12);
		uint32_t naux = s[17];

		memcpy(d, s, 12);			/* name, value */
		put32(d + 12, (uint32_t)(int32_t)secnum);
		memcpy(d + 16, s + 14, 4);		/* type, class, naux */
		for (uint32_t a = 0; a < naux && i + 1 < nsyms; a++) {
			i++;
			memcpy(out + (size_t)i * BIG_SYM_SIZE,
			       in + (size_t)i * SYM_SIZE, SYM_SIZE);
		}
	}
}

int main(int argc, char **argv)
{
	static uint8_t in[1 << 20], out[(1 << 20) + (1 << 18)];
	FILE *f;
	size_t size, osize;
	uint32_t nsec, symoff, nsyms, tail;

	if (argc != 3)
		return die("usage: coff2bigobj IN OUT");
	if (!(f = fopen(argv[1], "rb")))
		return die("cannot open input");
	size = fread(in, 1, sizeof(in), f);
	fclose(f);
	if (size < HDR_SIZE || get16(in + 16) != 0)
		return die("not a small COFF object without optional header");
	nsec = get16(in + 2);
	symoff = get32(in + 8);
	nsyms = get32(in + 12);
	if ((uint64_t)symoff + (uint64_t)nsyms * SYM_SIZE > size ||
	    HDR_SIZE + (uint64_t)nsec * SHDR_SIZE > symoff)
		return die("unexpected layout");
	tail = size - symoff - nsyms * SYM_SIZE;	/* the string table */

	memset(out, 0, BIG_HDR_SIZE);
	put16(out + 2, 0xffff);
	put16(out + 4, 2);
	put16(out + 6, get16(in + 0));			/* machine */
	memcpy(out + 8, in + 4, 4);			/* time stamp */
	memcpy(out + 12, bigobj_class_id, 16);
	put32(out + 44, nsec);
	put32(out + 48, symoff + SHIFT);
	put32(out + 52, nsyms);
	/* Section headers and raw data move by SHIFT bytes. */
	memcpy(out + BIG_HDR_SIZE, in + HDR_SIZE, symoff - HDR_SIZE);
	for (uint32_t i = 0; i < nsec; i++) {
		uint8_t *sh = out + BIG_HDR_SIZE + (size_t)i * SHDR_SIZE;
		shift_ptr(sh + 20);	/* PointerToRawData */
		shift_ptr(sh + 24);	/* PointerToRelocations */
		shift_ptr(sh + 28);	/* PointerToLinenumbers */
	}
	memset(out + symoff + SHIFT, 0, (size_t)nsyms * BIG_SYM_SIZE);
	convert_symbols(out + symoff + SHIFT, in + symoff, nsyms);
	osize = symoff + SHIFT + (size_t)nsyms * BIG_SYM_SIZE;
	memcpy(out + osize, in + symoff + (size_t)nsyms * SYM_SIZE, tail);
	osize += tail;

	if (!(f = fopen(argv[2], "wb")) || fwrite(out, 1, osize, f) != osize ||
	    fclose(f) != 0)
		return die("cannot write output");
	return 0;
}
