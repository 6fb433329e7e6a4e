/* SPDX-License-Identifier: MIT */
/*
 * mkcontainer - writes a small, hand-described patch container for the
 * patchinfo tests (t3000-patchinfo.sh) and fuzz seeds, through
 * formats/image.h and libpatchpkg's manifest codec, without mkpatch:
 *
 *   .text    foo (replaces foo of old.o), helper (added, file-local)
 *   .rodata  table (added, read-only)
 *   .data    two 8-byte slots filled by patch relocations
 *   .ipbp.manifest
 *
 * Usage: mkcontainer [OPTION]... OUT
 *   --arch=x86-64|aarch64   the machine (default x86-64)
 *   --forced                set the forced flag, with a "forced" warning
 *   --target=PATH           bind to PATH (--build-id=HEX too)
 *   --no-manifest           the image alone: not a patch
 *   --bad=WHAT              an inconsistency patch_verify() reports:
 *                           import-range, overlap, machine, func-addr,
 *                           data-hash, object-file
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image.h"
#include "manifest.h"
#include "patch-arch.h"

struct options {
	enum obj_arch arch;
	bool forced, no_manifest;
	const char *target, *build_id, *bad;
};

struct container {
	struct image img;
	struct manifest m;
	struct manifest_func funcs[1];
	struct manifest_mask masks[2];
	struct manifest_added added[2];
	struct manifest_import imports[3];
	struct manifest_reloc relocs[3];
	struct manifest_warning warnings[2];
	int text, rodata, data, manifest;
};

static void fail(const char *what, const struct ipbp_err *err)
{
	fprintf(stderr, "mkcontainer: %s%s%s\n", what, err ? ": " : "", err ? err->msg : "");
	exit(2);
}

static int add_section(struct container *c, const char *name, enum section_kind kind,
		       uint32_t flags, uint64_t size)
{
	struct ipbp_err err;
	int i = image_add_section(&c->img, name, kind, flags, size, 16, &err);

	if (i < 0)
		fail("section", &err);
	return i;
}

static void add_symbol(struct container *c, const char *name, enum symbol_kind kind,
		       enum symbol_bind bind, int sec, uint64_t off, uint64_t size)
{
	struct image_symbol s = { name, kind, bind, sec < 0 ? IMAGE_NO_SECTION : (uint32_t)sec,
				  off, size, bind != BIND_LOCAL };
	struct ipbp_err err;

	if (image_add_symbol(&c->img, &s, &err) < 0)
		fail("symbol", &err);
}

/* Relocation types of the machine: absolute 64, TP offset 64, pc-relative 32. */
static void reloc_types(enum obj_arch arch, uint32_t *abs64, uint32_t *tpoff, uint32_t *pc32)
{
	if (arch == ARCH_AARCH64) {
		*abs64 = 257, *tpoff = 1030, *pc32 = 261;	/* ABS64, TLS_TPREL64, PREL32 */
	} else {
		*abs64 = 1, *tpoff = 18, *pc32 = 2;		/* 64, TPOFF64, PC32 */
	}
}

static unsigned hex_value(char c)
{
	return c <= '9' ? (unsigned)(c - '0') : (unsigned)((c | 0x20) - 'a' + 10);
}

static void describe_header(struct container *c, const struct options *o)
{
	c->m = (struct manifest){
		.version = MANIFEST_VERSION, .format = MANIFEST_FMT_ELF,
		.machine = c->img.arch == ARCH_AARCH64 ? 183 : 62, .target = o->target,
	};
	if (o->forced)
		c->m.flags |= MANIFEST_F_FORCED;
	if (o->target)
		c->m.flags |= MANIFEST_F_TARGET;
	for (size_t i = 0; o->build_id && o->build_id[2 * i] && o->build_id[2 * i + 1] &&
	     i < MANIFEST_BUILD_ID_MAX; i++)
		c->m.build_id[c->m.build_id_len++] = hex_value(o->build_id[2 * i]) << 4 |
						     hex_value(o->build_id[2 * i + 1]);
}

/* The manifest; addresses are right once the image is laid out. */
static void describe(struct container *c, const struct options *o)
{
	const struct image_section *s = c->img.sections;
	uint64_t text = s[c->text].addr, ro = s[c->rodata].addr, data = s[c->data].addr;
	uint32_t abs64, tpoff, pc32;
	bool resolved = o->target != NULL;

	reloc_types(c->img.arch, &abs64, &tpoff, &pc32);
	describe_header(c, o);
	c->funcs[0] = (struct manifest_func){
		.name = "foo", .object = "old.o", .flags = resolved ? ME_RESOLVED : 0,
		.old_size = 12, .old_hash = 0x0123456789abcdefull,
		.new_hash = 0xfedcba9876543210ull, .new_addr = text, .new_size = 16,
		.target_addr = resolved ? 0x401120 : 0, .mask_first = 0, .nr_masks = 2 };
	c->masks[0] = (struct manifest_mask){ 1, 4 };
	c->masks[1] = (struct manifest_mask){ 7, 4 };
	c->added[0] = (struct manifest_added){ "helper", "new.c", "new.o", MK_FUNC, ME_LOCAL,
					       text + 16, 16, 0x00c0ffee00c0ffeeull };
	c->added[1] = (struct manifest_added){ "table", "new.c", "new.o", MK_DATA,
					       ME_LOCAL | ME_READONLY, ro, 16, 0 };
	c->imports[0] = (struct manifest_import){ "printf", NULL, NULL, MK_FUNC, 0, 0 };
	c->imports[1] = (struct manifest_import){ "counter", "main.c", "main.o", MK_DATA,
						  ME_LOCAL | (resolved ? ME_RESOLVED : 0),
						  resolved ? 0x404040 : 0 };
	c->imports[2] = (struct manifest_import){ "tls_var", NULL, NULL, MK_TLS, ME_WEAK, 0 };
	c->relocs[0] = (struct manifest_reloc){ data, abs64, 0, 0 };
	c->relocs[1] = (struct manifest_reloc){ data + 8, tpoff, 2, 0 };
	c->relocs[2] = (struct manifest_reloc){ text + 4, pc32, 1, -4 };
	c->warnings[0] = (struct manifest_warning){
		MW_INITIALIZER, "counter", "initializer changed: the running value is kept" };
	c->warnings[1] = (struct manifest_warning){
		MW_FORCED, "bar", "refusal overridden: data object changed size" };
	c->m.funcs = c->funcs, c->m.nr_funcs = 1;
	c->m.masks = c->masks, c->m.nr_masks = 2;
	c->m.added = c->added, c->m.nr_added = 2;
	c->m.imports = c->imports, c->m.nr_imports = 3;
	c->m.relocs = c->relocs, c->m.nr_relocs = 3;
	c->m.warnings = c->warnings, c->m.nr_warnings = o->forced ? 2 : 1;
}

/* The inconsistencies --bad makes (they keep the manifest's size). */
static void break_manifest(struct container *c, const char *bad)
{
	if (!strcmp(bad, "import-range"))
		c->relocs[0].import = 7;
	else if (!strcmp(bad, "overlap"))
		c->relocs[1].offset = c->relocs[0].offset + 4;
	else if (!strcmp(bad, "machine"))
		c->m.machine = c->m.machine == 62 ? 183 : 62;
	else if (!strcmp(bad, "func-addr"))
		c->funcs[0].new_addr += 2;
	else if (!strcmp(bad, "data-hash"))
		c->added[1].hash = 0x1234;
	else if (!strcmp(bad, "object-file"))
		c->imports[0].flags |= ME_OBJECT_FILE;
	else
		fail("unknown --bad", NULL);
}

static void put_le64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = v >> (8 * i);
}

static void build_image(struct container *c, const struct options *o)
{
	static const uint8_t ret_x86[] = { 0xc3 }, ret_a64[] = { 0xc0, 0x03, 0x5f, 0xd6 };
	const uint8_t *ret = o->arch == ARCH_AARCH64 ? ret_a64 : ret_x86;
	size_t n = o->arch == ARCH_AARCH64 ? 4 : 1;

	image_init(&c->img, FORMAT_ELF, o->arch);
	c->img.soname = "p.so";
	c->text = add_section(c, ".text", SEC_CODE, SECF_ALLOC | SECF_EXEC, 32);
	c->rodata = add_section(c, ".rodata", SEC_RODATA, SECF_ALLOC, 16);
	c->data = add_section(c, ".data", SEC_DATA, SECF_ALLOC | SECF_WRITE, 16);
	for (size_t i = 0; i + n <= 32; i += n)
		memcpy(c->img.sections[c->text].data + i, ret, n);
	memcpy(c->img.sections[c->rodata].data, "table of bytes", 15);
	add_symbol(c, "new.c", SYMK_FILE, BIND_LOCAL, -1, 0, 0);
	add_symbol(c, "helper", SYMK_FUNC, BIND_LOCAL, c->text, 16, 16);
	add_symbol(c, "table", SYMK_DATA, BIND_LOCAL, c->rodata, 0, 16);
	add_symbol(c, "foo", SYMK_FUNC, BIND_GLOBAL, c->text, 0, 16);
}

static uint8_t *build(const struct options *o, size_t *len)
{
	struct container c;
	struct ipbp_err err;
	uint8_t *man, *file;
	size_t man_len, n;

	build_image(&c, o);
	if (!o->no_manifest) {
		describe(&c, o);	/* for its size: addresses come later */
		if (manifest_encode(&c.m, &man, &man_len, &err) < 0)
			fail("manifest", &err);
		free(man);
		c.manifest = add_section(&c, MANIFEST_SECTION, SEC_META, 0, man_len);
	}
	if (image_layout(&c.img, &err) < 0)
		fail("layout", &err);
	if (!o->no_manifest) {
		describe(&c, o);
		if (o->bad)
			break_manifest(&c, o->bad);
		if (manifest_encode(&c.m, &man, &n, &err) < 0 || n != man_len)
			fail("manifest", &err);
		memcpy(c.img.sections[c.manifest].data, man, n);
		free(man);
	}
	if (image_write(&c.img, &file, len, &err) < 0)
		fail("write", &err);
	if (!o->no_manifest) {
		n = c.img.sections[c.manifest].file_offset + MANIFEST_CHECKSUM_OFFSET;
		put_le64(file + n, patch_checksum(file, *len, n));
	}
	image_release(&c.img);
	return file;
}

static void parse_options(int argc, char **argv, struct options *o)
{
	static const struct option opts[] = {
		{ "arch", required_argument, NULL, 'a' },
		{ "forced", no_argument, NULL, 'f' },
		{ "target", required_argument, NULL, 't' },
		{ "build-id", required_argument, NULL, 'b' },
		{ "no-manifest", no_argument, NULL, 'n' },
		{ "bad", required_argument, NULL, 'x' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'a': o->arch = strcmp(optarg, "aarch64") ? ARCH_X86_64 : ARCH_AARCH64; break;
		case 'f': o->forced = true; break;
		case 't': o->target = optarg; break;
		case 'b': o->build_id = optarg; break;
		case 'n': o->no_manifest = true; break;
		case 'x': o->bad = optarg; break;
		default: exit(2);
		}
	}
	if (optind + 1 != argc)
		fail("usage: mkcontainer [OPTION]... OUT", NULL);
}

int main(int argc, char **argv)
{
	struct options o = { .arch = ARCH_X86_64 };
	uint8_t *file;
	size_t len;
	FILE *f;

	parse_options(argc, argv, &o);
	file = build(&o, &len);
	f = fopen(argv[optind], "wb");
	if (!f || fwrite(file, 1, len, f) != len || fclose(f))
		fail(argv[optind], NULL);
	free(file);
	return 0;
}
