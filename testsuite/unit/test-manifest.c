/* SPDX-License-Identifier: MIT */
/*
 * test-manifest.c - the manifest codec (libpatchpkg/manifest.c) and patch
 * files (patchfile.c):
 *
 *   - manifests round-trip: empty tables, many entries, every field
 *     (the new-code hashes too, at the offsets doc/patchpkg.5 gives),
 *     strings with odd bytes, shared strings stored once;
 *   - decoding refuses every kind of corruption with a message and never
 *     crashes: truncation at every length, bad magic, version and header
 *     size, tables out of order, out of range or overlapping the header,
 *     strings outside the table or without their NUL, reserved fields;
 *   - patch_open_buffer() and patch_verify() on containers built here
 *     through formats/image.h: a valid one passes; each inconsistency
 *     patch_verify() knows is reported.
 */
#define _GNU_SOURCE	/* memmem */
#include <stdint.h>
#include <string.h>

#include "image.h"
#include "manifest.h"
#include "patch-arch.h"
#include "patchfile.h"
#include "unit.h"

/* ---- codec ----------------------------------------------------------------- */

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static void wr32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = v >> (8 * i);
}

static void wr16(uint8_t *p, uint16_t v)
{
	p[0] = v;
	p[1] = v >> 8;
}

static struct manifest_func sample_funcs[] = {
	{ "gmatch", NULL, "libfoo.a(match.o)", 0, 201, 0x0123456789abcdefull,
	  0x8899aabbccddeeffull, 0x1000, 217, 0, 0, 2 },
	{ "helper", "util.c", "util.o", ME_LOCAL | ME_RESOLVED, 12, 0xfeedull, 0xbeefull,
	  0x1100, 16, 0x401234, 2, 1 },
};
static struct manifest_added sample_added[] = {
	{ "new_helper", NULL, "match.o", MK_FUNC, 0, 0x1200, 45, 0xfedcba9876543210ull },
	{ ".str.1", "match.c", "match.o", MK_DATA, ME_LOCAL | ME_READONLY, 0x2000, 7, 0 },
};
static struct manifest_import sample_imports[] = {
	{ "printf", NULL, NULL, MK_FUNC, 0, 0 },
	{ "counter", "main.c", "main.o", MK_DATA, ME_LOCAL | ME_RESOLVED, 0x404040 },
	{ "tls_var", NULL, NULL, MK_TLS, ME_WEAK, 0 },
	{ "odd \t\n\\\"\x01\xff name", NULL, NULL, MK_NOTYPE, 0, 0 },
};
static struct manifest_reloc sample_relocs[] = {
	{ 0x3000, 1, 0, 0 },			/* R_X86_64_64 printf */
	{ 0x3008, 18, 2, 0 },			/* R_X86_64_TPOFF64 tls_var */
	{ 0x1004, 2, 1, -4 },			/* R_X86_64_PC32 counter-4 */
	{ 0x3010, 1, MANIFEST_NONE, INT64_MIN },
};
static struct manifest_mask sample_masks[] = {
	{ 3, 4 }, { 10, 4 }, { 7, 5 },
};
static struct manifest_warning sample_warnings[] = {
	{ MW_INITIALIZER, "counter", "initializer changed: the running value is kept" },
	{ MW_NOTE, NULL, "" },
};

static struct manifest sample_manifest(void)
{
	struct manifest m = {
		.version = MANIFEST_VERSION, .flags = MANIFEST_F_FORCED | MANIFEST_F_TARGET,
		.format = MANIFEST_FMT_ELF, .machine = 62, .target = "./app",
		.build_id = { 0x12, 0x34, 0xab, 0xcd }, .build_id_len = 4,
		.funcs = sample_funcs, .nr_funcs = 2,
		.added = sample_added, .nr_added = 2,
		.imports = sample_imports, .nr_imports = 4,
		.relocs = sample_relocs, .nr_relocs = 4,
		.warnings = sample_warnings, .nr_warnings = 2,
		.masks = sample_masks, .nr_masks = 3,
	};
	return m;
}

static void encode_ok(const struct manifest *m, uint8_t **buf, size_t *len)
{
	struct ipbp_err err;

	ck_assert_msg(manifest_encode(m, buf, len, &err) == 0, "%s", err.msg);
}

static struct manifest *decode_ok(const uint8_t *buf, size_t len)
{
	struct manifest *m = NULL;
	struct ipbp_err err;

	ck_assert_msg(manifest_decode(&m, "t", buf, len, &err) == 0, "%s", err.msg);
	return m;
}

/* Decoding fails with a message containing want. */
static void decode_fails(const uint8_t *buf, size_t len, const char *want)
{
	struct manifest *m = (struct manifest *)1;
	struct ipbp_err err = { "" };

	ck_assert_msg(manifest_decode(&m, "t", buf, len, &err) == -1, "decoded; expected %s",
		      want);
	ck_assert_ptr_null(m);
	ck_assert_msg(!strncmp(err.msg, "t: manifest: ", 13), "message: %s", err.msg);
	ck_assert_msg(strstr(err.msg, want), "expected \"%s\" in \"%s\"", want, err.msg);
}

static void ck_str(const char *a, const char *b)
{
	if (!a || !b)
		ck_assert_ptr_eq(a, b);
	else
		ck_assert_str_eq(a, b);
}

static void ck_same(const struct manifest *a, const struct manifest *b)
{
	ck_assert_uint_eq(b->version, MANIFEST_VERSION);
	ck_assert_uint_eq(a->flags, b->flags);
	ck_assert_int_eq(a->format, b->format);
	ck_assert_uint_eq(a->machine, b->machine);
	ck_str(a->target, b->target);
	ck_assert_uint_eq(a->build_id_len, b->build_id_len);
	ck_assert(!memcmp(a->build_id, b->build_id, a->build_id_len));
	ck_assert_uint_eq(a->nr_funcs, b->nr_funcs);
	for (size_t i = 0; i < a->nr_funcs; i++) {
		const struct manifest_func *x = &a->funcs[i], *y = &b->funcs[i];

		ck_str(x->name, y->name), ck_str(x->file, y->file), ck_str(x->object, y->object);
		ck_assert(x->mask_first == y->mask_first && x->nr_masks == y->nr_masks);
		ck_assert(x->flags == y->flags && x->old_size == y->old_size &&
			  x->old_hash == y->old_hash && x->new_hash == y->new_hash &&
			  x->new_addr == y->new_addr &&
			  x->new_size == y->new_size && x->target_addr == y->target_addr);
	}
	ck_assert_uint_eq(a->nr_added, b->nr_added);
	for (size_t i = 0; i < a->nr_added; i++) {
		const struct manifest_added *x = &a->added[i], *y = &b->added[i];

		ck_str(x->name, y->name), ck_str(x->file, y->file), ck_str(x->object, y->object);
		ck_assert(x->kind == y->kind && x->flags == y->flags && x->addr == y->addr &&
			  x->size == y->size && x->hash == y->hash);
	}
	ck_assert_uint_eq(a->nr_imports, b->nr_imports);
	for (size_t i = 0; i < a->nr_imports; i++) {
		const struct manifest_import *x = &a->imports[i], *y = &b->imports[i];

		ck_str(x->name, y->name), ck_str(x->file, y->file), ck_str(x->object, y->object);
		ck_assert(x->kind == y->kind && x->flags == y->flags &&
			  x->target_addr == y->target_addr);
	}
	ck_assert_uint_eq(a->nr_relocs, b->nr_relocs);
	for (size_t i = 0; i < a->nr_relocs; i++)
		ck_assert(!memcmp(&a->relocs[i], &b->relocs[i], sizeof(a->relocs[i])));
	ck_assert_uint_eq(a->nr_masks, b->nr_masks);
	for (size_t i = 0; i < a->nr_masks; i++)
		ck_assert(a->masks[i].offset == b->masks[i].offset &&
			  a->masks[i].size == b->masks[i].size);
	ck_assert_uint_eq(a->nr_warnings, b->nr_warnings);
	for (size_t i = 0; i < a->nr_warnings; i++) {
		ck_assert_int_eq(a->warnings[i].code, b->warnings[i].code);
		ck_str(a->warnings[i].symbol, b->warnings[i].symbol);
		ck_str(a->warnings[i].message, b->warnings[i].message);
	}
}

static uint64_t rd64(const uint8_t *p)
{
	return rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

/* The fields of the sample's second func and first added record where
 * doc/patchpkg.5 puts them. */
static void check_record_fields(const uint8_t *buf)
{
	const uint8_t *f = buf + rd32(buf + 32) + 72, *a = buf + rd32(buf + 40);

	ck_assert_uint_eq(rd32(f + 12), ME_LOCAL | ME_RESOLVED);
	ck_assert_uint_eq(rd64(f + 16), 12);			/* old size */
	ck_assert_uint_eq(rd64(f + 24), 0xfeed);		/* old hash */
	ck_assert_uint_eq(rd64(f + 32), 0xbeef);		/* new hash */
	ck_assert_uint_eq(rd64(f + 40), 0x1100);		/* new addr */
	ck_assert_uint_eq(rd64(f + 48), 16);			/* new size */
	ck_assert_uint_eq(rd64(f + 56), 0x401234);		/* target addr */
	ck_assert_uint_eq(rd32(f + 64), 2);			/* first mask */
	ck_assert_uint_eq(rd32(f + 68), 1);			/* mask count */
	ck_assert_uint_eq(rd32(a + 12), MK_FUNC);
	ck_assert_uint_eq(rd32(a + 20), 0);			/* reserved */
	ck_assert_uint_eq(rd64(a + 24), 0x1200);		/* addr */
	ck_assert_uint_eq(rd64(a + 32), 45);			/* size */
	ck_assert(rd64(a + 40) == 0xfedcba9876543210ull);	/* hash */
	ck_assert_uint_eq(rd64(a + 48 + 40), 0);		/* data: no hash */
}

START_TEST(roundtrip_sample)
{
	struct manifest m = sample_manifest(), *d;
	uint8_t *buf;
	size_t len;

	encode_ok(&m, &buf, &len);
	ck_assert(!memcmp(buf, "IPBPMAN\0", 8));
	ck_assert_uint_eq(rd32(buf + 28), len);		/* manifest size */
	/* 160 + 2*72 + 2*48 + 4*32 + 4*24 + 2*16 + 3*8: the string table follows */
	ck_assert_uint_eq(rd32(buf + 32), 160);			/* funcs */
	ck_assert_uint_eq(rd32(buf + 40), 160 + 144);		/* added */
	ck_assert_uint_eq(rd32(buf + 48), 160 + 144 + 96);	/* imports */
	ck_assert_uint_eq(rd32(buf + 72), 160 + 144 + 96 + 128 + 96 + 32 + 24);
	ck_assert_uint_eq(rd32(buf + 152), 160 + 144 + 96 + 128 + 96 + 32);
	ck_assert_uint_eq(rd32(buf + 156), 3);
	check_record_fields(buf);
	d = decode_ok(buf, len);
	ck_same(&m, d);
	ck_assert_uint_eq(d->checksum, 0);
	/* The strings belong to the manifest: the buffer may go. */
	memset(buf, 0xaa, len);
	free(buf);
	ck_assert_str_eq(d->imports[1].file, "main.c");
	manifest_free(d);
}
END_TEST

START_TEST(roundtrip_empty)
{
	struct manifest m = { .format = MANIFEST_FMT_ELF, .machine = 183 }, *d;
	uint8_t *buf;
	size_t len;

	encode_ok(&m, &buf, &len);
	ck_assert_uint_eq(len, 161);	/* the header, and the string table's NUL */
	d = decode_ok(buf, len);
	ck_same(&m, d);
	ck_assert_ptr_null(d->target);
	manifest_free(d);
	/* Bytes after the manifest size (section padding) are ignored. */
	buf = realloc(buf, len + 7);
	memset(buf + len, 0xee, 7);
	d = decode_ok(buf, len + 7);
	manifest_free(d);
	free(buf);
	manifest_free(NULL);
}
END_TEST

START_TEST(roundtrip_many)
{
	enum { N = 3000 };
	struct manifest m = { .format = MANIFEST_FMT_ELF, .machine = 62 }, *d;
	static struct manifest_func funcs[N];
	static struct manifest_import imports[N];
	static struct manifest_reloc relocs[N];
	static char names[N][16];
	uint8_t *buf;
	size_t len, strtab;

	for (size_t i = 0; i < N; i++) {
		snprintf(names[i], sizeof(names[i]), "f%zu", i);
		funcs[i] = (struct manifest_func){ .name = names[i], .object = "same.o",
						   .file = i % 2 ? "same.c" : NULL,
						   .old_size = i, .old_hash = ~i,
						   .new_hash = i * 0x9e3779b97f4a7c15ull,
						   .new_addr = 16 * i, .new_size = i + 1 };
		imports[i] = (struct manifest_import){ .name = names[i], .kind = MK_DATA };
		relocs[i] = (struct manifest_reloc){ 8 * i, 1, (uint32_t)i, -(int64_t)i };
	}
	m.funcs = funcs, m.nr_funcs = N;
	m.imports = imports, m.nr_imports = N;
	m.relocs = relocs, m.nr_relocs = N;
	encode_ok(&m, &buf, &len);
	/* Shared strings are stored once: the names, "same.o", "same.c". */
	strtab = 1 + strlen("same.o") + 1 + strlen("same.c") + 1;
	for (size_t i = 0; i < N; i++)
		strtab += strlen(names[i]) + 1;
	ck_assert_uint_eq(rd32(buf + 76), strtab);
	d = decode_ok(buf, len);
	ck_same(&m, d);
	manifest_free(d);
	free(buf);
}
END_TEST

START_TEST(encode_refuses)
{
	struct manifest m = { .build_id_len = 65 };
	struct ipbp_err err;
	uint8_t *buf = (uint8_t *)1;
	size_t len = 1;

	ck_assert_int_eq(manifest_encode(&m, &buf, &len, &err), -1);
	ck_assert_ptr_null(buf);
	ck_assert_uint_eq(len, 0);
	ck_assert_str_eq(err.msg, "manifest: build-id of 65 bytes exceeds 64");
}
END_TEST

START_TEST(names)
{
	ck_assert_str_eq(manifest_kind_name(MK_TLS), "tls");
	ck_assert_str_eq(manifest_kind_name(0), "unknown");
	ck_assert_str_eq(manifest_format_name(MANIFEST_FMT_ELF), "elf");
	ck_assert_str_eq(manifest_format_name(9), "unknown");
	ck_assert_str_eq(manifest_warning_name(MW_INITIALIZER), "initializer");
	ck_assert_str_eq(manifest_warning_name(MW_FORCED), "forced");
	ck_assert_str_eq(manifest_warning_name(77), "unknown");
}
END_TEST

/* Every prefix fails cleanly (ASan/valgrind see any overread); the
 * manifest size field makes every prefix shorter than it "too short". */
START_TEST(truncated_everywhere)
{
	struct manifest m = sample_manifest();
	uint8_t *buf;
	size_t len;

	encode_ok(&m, &buf, &len);
	for (size_t n = 0; n < len; n++) {
		uint8_t *copy = malloc(n ? n : 1);

		memcpy(copy, buf, n);
		decode_fails(copy, n, n < 160 ? "truncated header" : "manifest size");
		free(copy);
	}
	free(buf);
}
END_TEST

/* Decodes a mutated copy of the sample; returns err text check. */
static void mutate_fails(void (*mutate)(uint8_t *buf, size_t len), const char *want)
{
	struct manifest m = sample_manifest();
	uint8_t *buf;
	size_t len;

	encode_ok(&m, &buf, &len);
	mutate(buf, len);
	decode_fails(buf, len, want);
	free(buf);
}

static void bad_magic(uint8_t *b, size_t n) { b[3] = 'X'; }
static void bad_version(uint8_t *b, size_t n) { wr16(b + 8, 2); }
static void bad_header_size(uint8_t *b, size_t n) { wr16(b + 10, 168); }
static void small_size(uint8_t *b, size_t n) { wr32(b + 28, 100); }
static void big_size(uint8_t *b, size_t n) { wr32(b + 28, n + 1); }
static void funcs_in_header(uint8_t *b, size_t n) { wr32(b + 32, 152); }
static void funcs_unaligned(uint8_t *b, size_t n) { wr32(b + 32, 164); }
static void added_before_funcs(uint8_t *b, size_t n) { wr32(b + 40, 160); }
static void huge_count(uint8_t *b, size_t n) { wr32(b + 52, 0xffffffffu); }
static void huge_offset(uint8_t *b, size_t n) { wr32(b + 64, 0xfffffff8u); }
static void strtab_overlaps(uint8_t *b, size_t n) { wr32(b + 72, rd32(b + 64)); }
static void strtab_too_big(uint8_t *b, size_t n) { wr32(b + 76, rd32(b + 76) + 1); }
static void strtab_no_nul(uint8_t *b, size_t n) { b[rd32(b + 72)] = 'x'; }
static void strtab_empty(uint8_t *b, size_t n) { wr32(b + 76, 0); }
static void build_id_big(uint8_t *b, size_t n) { wr32(b + 84, 65); }
static void masks_count(uint8_t *b, size_t n) { wr32(b + 156, 1000); }
static void masks_before(uint8_t *b, size_t n) { wr32(b + 152, rd32(b + 64)); }
static void func_masks_outside(uint8_t *b, size_t n) { wr32(b + rd32(b + 32) + 72 + 68, 2); }
static void func_masks_wrap(uint8_t *b, size_t n) { wr32(b + rd32(b + 32) + 64, 0xffffffffu); }
static void reserved_added(uint8_t *b, size_t n) { b[rd32(b + 40) + 20] = 1; }
static void reserved_import(uint8_t *b, size_t n) { b[rd32(b + 48) + 32 + 22] = 1; }
static void reserved_warning(uint8_t *b, size_t n) { b[rd32(b + 64) + 12] = 1; }
static void func_no_name(uint8_t *b, size_t n) { wr32(b + rd32(b + 32) + 72, 0); }
static void name_outside(uint8_t *b, size_t n) { wr32(b + rd32(b + 32), rd32(b + 76)); }
static void target_outside(uint8_t *b, size_t n) { wr32(b + 80, 0x7fffffff); }
static void warning_no_message(uint8_t *b, size_t n) { wr32(b + rd32(b + 64) + 8, 0); }

/* The last string runs to the end of the table without its NUL. */
static void string_unterminated(uint8_t *b, size_t n)
{
	uint32_t off = rd32(b + 72), size = rd32(b + 76);

	b[off + size - 1] = 'z';
}

START_TEST(corruptions)
{
	static const struct {
		void (*mutate)(uint8_t *, size_t);
		const char *want;
	} cases[] = {
		{ bad_magic, "bad magic" },
		{ bad_version, "unsupported version 2" },
		{ bad_header_size, "bad header size 168" },
		{ small_size, "manifest size 100 outside" },
		{ big_size, "manifest size" },
		{ funcs_in_header, "func table at 152 overlaps" },
		{ funcs_unaligned, "not 8-byte aligned" },
		{ added_before_funcs, "added table at 160 overlaps" },
		{ huge_count, "import table (4294967295 records" },
		{ huge_offset, "warning table" },
		{ strtab_overlaps, "string table at" },
		{ strtab_too_big, "string table (" },
		{ strtab_no_nul, "does not start with a NUL" },
		{ strtab_empty, "does not start with a NUL" },
		{ build_id_big, "build-id size 65 exceeds 64" },
		{ masks_count, "mask table (1000 records" },
		{ masks_before, "mask table at" },
		{ func_masks_outside, "func 1: masks 2..4 outside the mask table (3)" },
		{ func_masks_wrap, "func 0: masks 4294967295.." },
		{ reserved_added, "added 0: reserved field" },
		{ reserved_import, "import 1: reserved field" },
		{ reserved_warning, "warning 0: reserved field" },
		{ func_no_name, "func 1: no name" },
		{ name_outside, "func 0: string offset" },
		{ target_outside, "target: string offset 2147483647" },
		{ warning_no_message, "warning 0: no message" },
		{ string_unterminated, "not NUL-terminated" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		mutate_fails(cases[i].mutate, cases[i].want);
}
END_TEST

/* Random byte flips never crash; what decodes has sane counts. */
START_TEST(random_flips)
{
	struct manifest m = sample_manifest(), *d;
	struct ipbp_err err;
	uint8_t *buf;
	size_t len;
	uint32_t seed = 12345;

	encode_ok(&m, &buf, &len);
	for (int round = 0; round < 20000; round++) {
		uint8_t *copy = malloc(len);

		memcpy(copy, buf, len);
		for (int k = 0; k < 3; k++) {
			seed = seed * 1103515245u + 12345u;
			copy[(seed >> 8) % len] ^= (uint8_t)(1u << (seed >> 28 & 7));
		}
		if (manifest_decode(&d, "t", copy, len, &err) == 0) {
			ck_assert(d->nr_funcs * 72 + d->nr_added * 48 + d->nr_relocs * 24 <= len);
			for (size_t i = 0; i < d->nr_funcs; i++)
				ck_assert(d->funcs[i].mask_first + (uint64_t)d->funcs[i].nr_masks <=
					  d->nr_masks);
			manifest_free(d);
		} else {
			ck_assert(err.msg[0]);
		}
		free(copy);
	}
	free(buf);
}
END_TEST

/* ---- containers ------------------------------------------------------------ */

struct container {
	struct image img;
	struct manifest m;
	struct manifest_func funcs[1];
	struct manifest_added added[2];
	struct manifest_import imports[3];
	struct manifest_reloc relocs[3];
	struct manifest_warning warnings[1];
	struct manifest_mask masks[2];
	int text, rodata, data, manifest;
};

static void add_section(struct container *c, int *idx, const char *name,
			enum section_kind kind, uint32_t flags, uint64_t size)
{
	struct ipbp_err err;

	*idx = image_add_section(&c->img, name, kind, flags, size, 16, &err);
	ck_assert_msg(*idx >= 0, "%s", err.msg);
}

static void add_symbol(struct container *c, const char *name, enum symbol_kind kind,
		       enum symbol_bind bind, int sec, uint64_t off, uint64_t size)
{
	struct image_symbol s = { name, kind, bind, sec < 0 ? IMAGE_NO_SECTION : (uint32_t)sec,
				  off, size, bind != BIND_LOCAL };
	struct ipbp_err err;

	ck_assert_msg(image_add_symbol(&c->img, &s, &err) >= 0, "%s", err.msg);
}

/* The manifest of the container; addresses valid after layout. */
static void describe(struct container *c)
{
	const struct image_section *s = c->img.sections;
	uint64_t text = s[c->text].addr, ro = s[c->rodata].addr, data = s[c->data].addr;

	c->funcs[0] = (struct manifest_func){ "foo", NULL, "old.o", 0, 12, 0x1234, 0x5678,
					      text, 16, 0, 0, 2 };
	c->masks[0] = (struct manifest_mask){ 1, 4 };
	c->masks[1] = (struct manifest_mask){ 6, 4 };
	c->added[0] = (struct manifest_added){ "helper", "new.c", "new.o", MK_FUNC, ME_LOCAL,
					       text + 16, 16, 0x9abc };
	c->added[1] = (struct manifest_added){ "table", "new.c", "new.o", MK_DATA,
					       ME_LOCAL | ME_READONLY, ro, 16, 0 };
	c->imports[0] = (struct manifest_import){ "printf", NULL, NULL, MK_FUNC, 0, 0 };
	c->imports[1] = (struct manifest_import){ "counter", "main.c", "main.o", MK_DATA,
						  ME_LOCAL, 0 };
	c->imports[2] = (struct manifest_import){ "tls_var", NULL, NULL, MK_TLS, ME_WEAK, 0 };
	c->relocs[0] = (struct manifest_reloc){ data, 1, 0, 0 };		/* R_X86_64_64 */
	c->relocs[1] = (struct manifest_reloc){ data + 8, 18, 2, 0 };	/* TPOFF64 */
	c->relocs[2] = (struct manifest_reloc){ text + 4, 2, 1, -4 };	/* PC32 */
	c->warnings[0] = (struct manifest_warning){ MW_INITIALIZER, "counter",
						    "initializer changed" };
	c->m = (struct manifest){
		.version = 1, .format = MANIFEST_FMT_ELF, .machine = 62,
		.funcs = c->funcs, .nr_funcs = 1, .added = c->added, .nr_added = 2,
		.imports = c->imports, .nr_imports = 3, .relocs = c->relocs, .nr_relocs = 3,
		.warnings = c->warnings, .nr_warnings = 1, .masks = c->masks, .nr_masks = 2,
	};
}

static void put_le64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = v >> (8 * i);
}

/*
 * A container: .text (foo, helper), .rodata (table), .data (two slots)
 * and the manifest, mutated by mutate() (which must keep the manifest's
 * size) before the checksum is sealed.
 */
static uint8_t *build_container(void (*mutate)(struct container *), size_t *len)
{
	struct container c;
	struct ipbp_err err;
	uint8_t *man, *file;
	size_t man_len, n;

	image_init(&c.img, FORMAT_ELF, ARCH_X86_64);
	add_section(&c, &c.text, ".text", SEC_CODE, SECF_ALLOC | SECF_EXEC, 32);
	add_section(&c, &c.rodata, ".rodata", SEC_RODATA, SECF_ALLOC, 16);
	add_section(&c, &c.data, ".data", SEC_DATA, SECF_ALLOC | SECF_WRITE, 16);
	memset(c.img.sections[c.text].data, 0xc3, 32);
	add_symbol(&c, "new.c", SYMK_FILE, BIND_LOCAL, -1, 0, 0);
	add_symbol(&c, "helper", SYMK_FUNC, BIND_LOCAL, c.text, 16, 16);
	add_symbol(&c, "table", SYMK_DATA, BIND_LOCAL, c.rodata, 0, 16);
	add_symbol(&c, "foo", SYMK_FUNC, BIND_GLOBAL, c.text, 0, 16);
	describe(&c);
	encode_ok(&c.m, &man, &man_len);
	free(man);
	add_section(&c, &c.manifest, MANIFEST_SECTION, SEC_META, 0, man_len);
	ck_assert_msg(image_layout(&c.img, &err) == 0, "%s", err.msg);
	describe(&c);
	if (mutate)
		mutate(&c);
	encode_ok(&c.m, &man, &n);
	ck_assert_uint_eq(n, man_len);
	memcpy(c.img.sections[c.manifest].data, man, n);
	free(man);
	ck_assert_msg(image_write(&c.img, &file, len, &err) == 0, "%s", err.msg);
	n = c.img.sections[c.manifest].file_offset + MANIFEST_CHECKSUM_OFFSET;
	put_le64(file + n, patch_checksum(file, *len, n));
	image_release(&c.img);
	return file;
}

struct problems {
	char text[4096];
	int n;
};

static void collect(void *arg, const char *problem)
{
	struct problems *p = arg;
	size_t used = strlen(p->text);

	snprintf(p->text + used, sizeof(p->text) - used, "%s\n", problem);
	p->n++;
}

static struct patch *open_ok(const uint8_t *file, size_t len)
{
	struct patch *p = NULL;
	struct ipbp_err err;

	ck_assert_msg(patch_open_buffer(&p, "p.so", file, len, &err) == 0, "%s", err.msg);
	return p;
}

/* Verifies the container mutated by mutate: want is NULL (valid) or a
 * text that one problem contains. */
static void verify_case(void (*mutate)(struct container *), void (*corrupt)(uint8_t *, size_t),
			const char *want)
{
	struct problems probs = { "", 0 };
	struct patch *p;
	size_t len;
	uint8_t *file = build_container(mutate, &len);
	int n;

	if (corrupt)
		corrupt(file, len);
	p = open_ok(file, len);
	n = patch_verify(p, collect, &probs);
	ck_assert_int_eq(n, probs.n);
	if (!want)
		ck_assert_msg(n == 0, "unexpected problems:\n%s", probs.text);
	else
		ck_assert_msg(n > 0 && strstr(probs.text, want), "expected \"%s\" in:\n%s",
			      want, probs.text);
	patch_free(p);
	free(file);
}

START_TEST(container_valid)
{
	struct patch *p;
	size_t len;
	uint8_t *file = build_container(NULL, &len);

	p = open_ok(file, len);
	ck_assert_uint_eq(p->manifest->nr_funcs, 1);
	ck_assert_str_eq(p->manifest->funcs[0].name, "foo");
	ck_assert(!memcmp(file + p->manifest_offset, "IPBPMAN", 8));
	ck_assert_str_eq(obj_reloc_type_name(p->obj, p->manifest->relocs[1].type),
			 "R_X86_64_TPOFF64");
	patch_free(p);
	free(file);
	verify_case(NULL, NULL, NULL);
}
END_TEST

static void flip_text(uint8_t *file, size_t len)
{
	/* The first 0xc3 of .text (after the ELF headers) becomes 0xc2. */
	uint8_t *p = memchr(file + 64, 0xc3, len - 64);

	ck_assert_ptr_nonnull(p);
	*p ^= 1;
}

static void m_machine(struct container *c) { c->m.machine = 183; }
static void m_format(struct container *c) { c->m.format = MANIFEST_FMT_MACHO; }
static void m_format_unknown(struct container *c) { c->m.format = 42; }
static void m_flags(struct container *c) { c->m.flags |= 0x80; }
static void m_func_flags(struct container *c) { c->funcs[0].flags |= 0x100; }
static void m_func_outside(struct container *c) { c->funcs[0].new_addr = 0x7fff0000; }
static void m_func_not_start(struct container *c) { c->funcs[0].new_addr += 4; c->funcs[0].new_size = 4; }
static void m_func_in_data(struct container *c) { c->funcs[0].new_addr = c->relocs[0].offset; c->funcs[0].new_size = 8; }
static void m_added_too_big(struct container *c) { c->added[1].size = 4096 * 16; }
static void m_added_kind(struct container *c) { c->added[0].kind = 9; }
static void m_added_data_hash(struct container *c) { c->added[1].hash = 0x77; }
static void m_import_kind(struct container *c) { c->imports[1].kind = 0; }
static void m_resolved(struct container *c) { c->imports[0].flags |= ME_RESOLVED; }
static void m_import_range(struct container *c) { c->relocs[0].import = 3; }
static void m_reloc_type(struct container *c) { c->relocs[0].type = 5; }	/* COPY */
static void m_reloc_type_unknown(struct container *c) { c->relocs[0].type = 9999; }
static void m_reloc_outside(struct container *c) { c->relocs[1].offset = 0x7fff0000; }
static void m_reloc_straddles(struct container *c) { c->relocs[1].offset += 4; } /* .data ends at +16 */
static void m_reloc_overlap(struct container *c) { c->relocs[1].offset = c->relocs[0].offset + 4; }
static void m_warning_code(struct container *c) { c->warnings[0].code = 0; }
static void m_mask_order(struct container *c) { c->masks[1].offset = 2; }
static void m_mask_past(struct container *c) { c->masks[1].size = 7; }

START_TEST(container_problems)
{
	static const struct {
		void (*mutate)(struct container *);
		const char *want;
	} cases[] = {
		{ m_machine, "manifest machine 183 does not match the container's (62)" },
		{ m_format, "manifest format macho does not match the container's (elf)" },
		{ m_format_unknown, "unknown container format 42" },
		{ m_flags, "unknown header flags 0x80" },
		{ m_func_flags, "replaced function foo: unknown flags 0x100" },
		{ m_func_outside, "replaced function foo: 16 bytes at 0x7fff0000 lie outside" },
		{ m_func_not_start, "replaced function foo: no function of the patch starts at" },
		{ m_func_in_data, "which is not executable" },
		{ m_added_too_big, "added table: 65536 bytes at" },
		{ m_added_kind, "added helper: unknown kind 9" },
		{ m_added_data_hash, "added table: a data entry has a code hash (0x77)" },
		{ m_import_kind, "import counter: unknown kind 0" },
		{ m_resolved, "import printf: pre-resolved, but the patch is bound to no target" },
		{ m_import_range, "relocation 0: import 3 out of range (3 imports)" },
		{ m_reloc_type, "relocation 0: type 5 (R_X86_64_COPY) is not a relocation" },
		{ m_reloc_type_unknown, "relocation 0: type 9999 (unknown" },
		{ m_reloc_outside, "relocation 1: field of 8 bytes at 0x7fff0000 lies outside" },
		{ m_reloc_straddles, "relocation 1: field of 8 bytes at" },
		{ m_reloc_overlap, "relocations 0 and 1 overlap at" },
		{ m_warning_code, "warning 0: unknown code 0" },
		{ m_mask_order, "replaced function foo: mask 1 at +0x2 overlaps or precedes" },
		{ m_mask_past, "replaced function foo: mask 1 (7 bytes at +0x6) extends past its "
			       "old size (12)" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		verify_case(cases[i].mutate, NULL, cases[i].want);
	verify_case(NULL, flip_text, "checksum mismatch: the manifest says 0x");
}
END_TEST

START_TEST(open_errors)
{
	static const uint8_t junk[] = "this is not an object file";
	struct patch *p = (struct patch *)1;
	struct ipbp_err err;
	const char *obj;
	uint8_t *file;
	size_t len;

	ck_assert_int_eq(patch_open_buffer(&p, "junk", junk, sizeof(junk), &err), -1);
	ck_assert_ptr_null(p);
	ck_assert_msg(strstr(err.msg, "junk: unknown file format"), "%s", err.msg);

	obj = unit_compile("x86_64-linux-gnu", "-O1", "int f(void) { return 1; }\n");
	file = unit_read_file(obj, &len);
	ck_assert_int_eq(patch_open_buffer(&p, "f.o", file, len, &err), -1);
	ck_assert_str_eq(err.msg, "f.o: no .ipbp.manifest section: not an ipbp patch");
	free(file);

	ck_assert_int_eq(patch_open(&p, "/nonexistent/p.so", &err), -1);
	ck_assert_ptr_null(p);
	ck_assert_msg(strstr(err.msg, "/nonexistent/p.so: "), "%s", err.msg);
	patch_free(NULL);
}
END_TEST

/* A manifest section that does not decode: the decoder's message. */
static void bad_manifest_magic(uint8_t *file, size_t len)
{
	uint8_t *p = memmem(file, len, "IPBPMAN", 8);

	ck_assert_ptr_nonnull(p);
	p[0] = 'X';
}

START_TEST(open_bad_manifest)
{
	struct patch *p;
	struct ipbp_err err;
	size_t len;
	uint8_t *file = build_container(NULL, &len);

	bad_manifest_magic(file, len);
	ck_assert_int_eq(patch_open_buffer(&p, "p.so", file, len, &err), -1);
	ck_assert_str_eq(err.msg, "p.so: manifest: bad magic (not an ipbp manifest)");
	free(file);
}
END_TEST

/* Truncating a container anywhere never crashes patch_open_buffer(). */
START_TEST(container_truncated)
{
	struct ipbp_err err;
	struct patch *p;
	size_t len;
	uint8_t *file = build_container(NULL, &len);

	for (size_t n = 0; n < len; n += n < 512 ? 1 : 61) {
		uint8_t *copy = malloc(n ? n : 1);

		memcpy(copy, file, n);
		if (patch_open_buffer(&p, "p.so", copy, n, &err) == 0) {
			struct problems probs = { "", 0 };

			ck_assert_int_ge(patch_verify(p, collect, &probs), 0);
			patch_free(p);
		}
		free(copy);
	}
	free(file);
}
END_TEST

static Suite *manifest_suite(void)
{
	Suite *s = suite_create("manifest");
	TCase *codec = tcase_create("codec"), *container = tcase_create("container");

	tcase_add_test(codec, roundtrip_sample);
	tcase_add_test(codec, roundtrip_empty);
	tcase_add_test(codec, roundtrip_many);
	tcase_add_test(codec, encode_refuses);
	tcase_add_test(codec, names);
	tcase_add_test(codec, truncated_everywhere);
	tcase_add_test(codec, corruptions);
	tcase_add_test(codec, random_flips);
	tcase_set_timeout(codec, 60);
	tcase_add_test(container, container_valid);
	tcase_add_test(container, container_problems);
	tcase_add_test(container, open_errors);
	tcase_add_test(container, open_bad_manifest);
	tcase_add_test(container, container_truncated);
	tcase_set_timeout(container, 60);
	suite_add_tcase(s, codec);
	suite_add_tcase(s, container);
	return s;
}

UNIT_MAIN(manifest_suite)
