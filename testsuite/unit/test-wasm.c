// SPDX-License-Identifier: MIT
/*
 * test-wasm.c - formats/wasm.c over objects built at test time with
 * "clang -target wasm32/wasm64 -c" (-O0/-O2, -ffunction-sections
 * -fdata-sections, -g, TLS), a module linked by wasm-ld, and truncated,
 * mutated and hand-made broken modules (errors, never crashes).
 */
#include <stdarg.h>

#include "unit.h"

/* ---- helpers ---- */

struct loaded {
	uint8_t *bytes;
	size_t size;
	struct obj *obj;
};

static void load_path(struct loaded *l, const char *path)
{
	struct ipbp_err err;

	l->bytes = unit_read_file(path, &l->size);
	ck_assert_msg(obj_load(&l->obj, path, l->bytes, l->size, &err) == 0,
		      "%s", err.msg);
	ck_assert_int_eq(l->obj->format, FORMAT_WASM);
}

static void load_source(struct loaded *l, const char *target,
			const char *flags, const char *src)
{
	load_path(l, unit_compile(target, flags, src));
}

static void unload(struct loaded *l)
{
	obj_free(l->obj);
	free(l->bytes);
}

static struct symbol *sym(const struct obj *obj, const char *name)
{
	struct symbol *s = obj_find_symbol(obj, name);

	ck_assert_msg(s != NULL, "no symbol %s", name);
	return s;
}

static struct section *sec(const struct obj *obj, const char *name)
{
	struct section *s = obj_find_section(obj, name);

	ck_assert_msg(s != NULL, "no section %s", name);
	return s;
}

/* The first relocation of native type name `type` against `target`. */
static struct reloc *reloc(const struct obj *obj, const char *type,
			   const char *target)
{
	struct reloc *r;

	for_each_reloc(obj, r)
		if (!strcmp(obj_reloc_type_name(obj, r->type), type) &&
		    r->sym && !strcmp(r->sym->name, target))
			return r;
	ck_abort_msg("no %s relocation against %s", type, target);
	return NULL;
}

/* Reads an unsigned LEB128 (for checking relocation fields). */
static uint64_t leb(const uint8_t *p, unsigned *len)
{
	uint64_t v = 0;
	unsigned i = 0;

	do
		v |= (uint64_t)(p[i] & 0x7f) << (7 * i);
	while (p[i++] & 0x80);
	*len = i;
	return v;
}

static const char main_src[] =
	"extern int ext(int);\n"
	"static int counter;\n"
	"const char msg[] = \"hi\";\n"
	"int buf[8];\n"
	"int (*fp)(int) = ext;\n"
	"__attribute__((weak)) int wk(int x) { return x + 1; }\n"
	"static __attribute__((noinline)) int helper(int x) { return x * counter; }\n"
	"int entry(int x)\n"
	"{\n"
	"	counter++;\n"
	"	return helper(x) + ext(x) + buf[x & 7] + msg[x & 1] + fp(x) + wk(x);\n"
	"}\n";

/* ---- objects ---- */

START_TEST(test_object_symbols)
{
	struct loaded l;
	struct section *code;
	struct symbol *s;
	uint64_t covered = 0;
	unsigned len;

	load_source(&l, "wasm32", "-O2 -ffunction-sections -fdata-sections", main_src);
	ck_assert_int_eq(l.obj->type, OBJ_RELOCATABLE);
	ck_assert_int_eq(l.obj->arch, ARCH_WASM32);
	ck_assert_int_eq(l.obj->bits, 32);
	code = sec(l.obj, "CODE");
	ck_assert_int_eq(code->kind, SEC_CODE);
	ck_assert_int_eq(sec(l.obj, "linking")->kind, SEC_META);
	ck_assert_int_eq(sec(l.obj, "producers")->kind, SEC_NOTE);

	s = sym(l.obj, "entry");
	ck_assert_int_eq(s->kind, SYMK_FUNC);
	ck_assert_int_eq(s->bind, BIND_GLOBAL);
	ck_assert(s->flags & SYMF_HIDDEN);
	ck_assert_ptr_eq(s->sec, code);
	ck_assert_int_eq(sym(l.obj, "helper")->bind, BIND_LOCAL);
	ck_assert_int_eq(sym(l.obj, "wk")->bind, BIND_WEAK);
	ck_assert(sym(l.obj, "ext")->flags & SYMF_UNDEF);
	ck_assert_int_eq(sym(l.obj, "ext")->kind, SYMK_FUNC);

	/* Function entries (size LEB + body) tile CODE after its count. */
	for_each_symbol(l.obj, s) {
		if (s->kind != SYMK_FUNC || !is_defined(s))
			continue;
		ck_assert(!(s->flags & SYMF_DERIVED));
		ck_assert_uint_eq(leb(code->data + s->offset, &len) + len, s->size);
		covered += s->size;
	}
	leb(code->data, &len);
	ck_assert_uint_eq(covered + len, code->size);

	/* Data symbols each in their own segment's section. */
	s = sym(l.obj, "counter");
	ck_assert_str_eq(s->sec->name, ".bss.counter");
	ck_assert_int_eq(s->sec->kind, SEC_BSS);
	ck_assert_int_eq(s->bind, BIND_LOCAL);
	ck_assert_uint_eq(s->size, 4);
	ck_assert_uint_eq(s->sec->align, 4);
	s = sym(l.obj, "msg");
	ck_assert_str_eq(s->sec->name, ".rodata.msg");
	ck_assert_int_eq(s->sec->kind, SEC_RODATA);
	ck_assert_uint_eq(s->size, 3);
	ck_assert(!memcmp(s->sec->data + s->offset, "hi", 3));
	s = sym(l.obj, "buf");
	ck_assert_int_eq(s->sec->kind, SEC_BSS);
	ck_assert_uint_eq(s->size, 32);
	ck_assert_uint_eq(s->value, s->sec->addr + s->offset);
	unload(&l);
}
END_TEST

START_TEST(test_object_relocs)
{
	struct loaded l;
	struct reloc *r;
	unsigned len;

	load_source(&l, "wasm32", "-O2 -ffunction-sections -fdata-sections", main_src);

	/* A call: a 5-byte padded LEB with the import's function index. */
	r = reloc(l.obj, "R_WASM_FUNCTION_INDEX_LEB", "ext");
	ck_assert_str_eq(r->sec->name, "CODE");
	ck_assert_int_eq(r->kind, RK_WASM_INDEX);
	ck_assert_int_eq(r->width, 5);
	ck_assert(r->flags & RELF_LEB);
	ck_assert_ptr_eq(r->target, r->sym);
	leb(r->sec->data + r->offset, &len);
	ck_assert_uint_eq(len, 5);
	ck_assert_int_eq(r->sec->data[r->offset - 1], 0x10);	/* call */

	r = reloc(l.obj, "R_WASM_MEMORY_ADDR_LEB", "counter");
	ck_assert_int_eq(r->kind, RK_WASM_ADDR);
	ck_assert_int_eq(r->width, 5);
	ck_assert_ptr_eq(r->target, sym(l.obj, "counter"));

	/* call_indirect: a type, given a synthetic symbol named by it. */
	r = reloc(l.obj, "R_WASM_TYPE_INDEX_LEB", "type:(i32)->i32");
	ck_assert_int_eq(r->kind, RK_WASM_INDEX);
	ck_assert(r->sym->flags & SYMF_ABS);
	ck_assert_ptr_eq(r->sym->sec, NULL);
	ck_assert_int_eq(r->sec->data[r->offset - 1], 0x11);	/* call_indirect */
	leb(r->sec->data + r->offset, &len);
	ck_assert_uint_eq(len, 5);

	/* A function pointer in data: a table index, in fp's segment. */
	r = reloc(l.obj, "R_WASM_TABLE_INDEX_I32", "ext");
	ck_assert_str_eq(r->sec->name, ".data.fp");
	ck_assert_uint_eq(r->offset, 0);
	ck_assert_int_eq(r->width, 4);
	ck_assert(!(r->flags & RELF_LEB));
	ck_assert_ptr_eq(obj_find_symbol_covering(r->sec, r->offset),
			 sym(l.obj, "fp"));

	ck_assert_str_eq(obj_reloc_type_name(l.obj, 26), "R_WASM_FUNCTION_INDEX_I32");
	ck_assert_str_eq(obj_reloc_type_name(l.obj, 21), "R_WASM_MEMORY_ADDR_TLS_SLEB");
	unload(&l);
}
END_TEST

/* Strings, and several symbols in one segment (section attribute, -O0). */
START_TEST(test_segments)
{
	static const char src[] =
		"__attribute__((section(\"mysec\"))) int first = 1;\n"
		"__attribute__((section(\"mysec\"))) int *second = &first;\n"
		"const char *str(int i) { return i ? \"yes\" : \"no\"; }\n";
	struct loaded l;
	struct symbol *s;
	struct reloc *r;

	load_source(&l, "wasm32", "-O0", src);
	s = sym(l.obj, "second");
	ck_assert_str_eq(s->sec->name, "mysec");
	ck_assert_uint_eq(s->offset, 4);
	ck_assert_uint_eq(sym(l.obj, "first")->offset, 0);
	ck_assert_uint_eq(s->value, s->sec->addr + 4);
	ck_assert_uint_eq(s->sec->size, 8);
	ck_assert_int_eq(s->sec->kind, SEC_DATA);
	ck_assert_uint_eq(s->sec->flags, SECF_ALLOC | SECF_WRITE);

	/* The DATA-relative field moved to the segment, offset inside it. */
	r = reloc(l.obj, "R_WASM_MEMORY_ADDR_I32", "first");
	ck_assert_ptr_eq(r->sec, s->sec);
	ck_assert_uint_eq(r->offset, 4);
	ck_assert_ptr_eq(obj_find_symbol_covering(r->sec, 4), s);

	s = sym(l.obj, ".L.str");
	ck_assert(s->flags & SYMF_TEMP);
	ck_assert_int_eq(s->sec->kind, SEC_STRINGS);
	ck_assert(s->sec->flags & SECF_STRINGS);
	ck_assert(s->sec->flags & SECF_MERGE);
	ck_assert_int_eq(sec(l.obj, "DATA")->kind, SEC_META);
	unload(&l);
}
END_TEST

START_TEST(test_debug)
{
	struct loaded l;
	struct section *info;
	struct symbol *f;
	struct reloc *r;
	unsigned len;

	load_source(&l, "wasm32", "-O2 -g", main_src);
	info = sec(l.obj, ".debug_info");
	ck_assert_int_eq(info->kind, SEC_DEBUG);
	ck_assert_int_eq(sec(l.obj, "reloc..debug_info")->kind, SEC_META);

	r = reloc(l.obj, "R_WASM_SECTION_OFFSET_I32", ".debug_abbrev");
	ck_assert_ptr_eq(r->sec, info);
	ck_assert_int_eq(r->kind, RK_WASM_OFFSET);
	ck_assert_int_eq(r->sym->kind, SYMK_SECTION);
	ck_assert_ptr_eq(r->sym->sec, sec(l.obj, ".debug_abbrev"));
	ck_assert_ptr_eq(sec(l.obj, ".debug_abbrev")->secsym, r->sym);

	/* Function offsets count from the body, past the size LEB. */
	r = reloc(l.obj, "R_WASM_FUNCTION_OFFSET_I32", "entry");
	f = sym(l.obj, "entry");
	leb(f->sec->data + f->offset, &len);
	ck_assert_int_eq(r->bias, len);
	ck_assert_ptr_eq(r->target, f);
	ck_assert_int_eq(r->target_offset, r->addend + len);
	unload(&l);
}
END_TEST

START_TEST(test_tls_and_wasm64)
{
	static const char src[] =
		"_Thread_local int tv = 3;\n"
		"int get(void) { return tv; }\n";
	struct loaded l;
	struct symbol *s;
	struct reloc *r;

	load_source(&l, "wasm32", "-O2 -matomics -mbulk-memory -ftls-model=local-exec", src);
	s = sym(l.obj, "tv");
	ck_assert_int_eq(s->kind, SYMK_TLS);
	ck_assert(s->sec->flags & SECF_TLS);
	ck_assert_int_eq(s->sec->kind, SEC_TLS_DATA);
	r = reloc(l.obj, "R_WASM_MEMORY_ADDR_TLS_SLEB", "tv");
	ck_assert_int_eq(r->kind, RK_TLS);
	ck_assert_int_eq(r->width, 5);
	unload(&l);

	load_source(&l, "wasm64", "-O2", main_src);
	ck_assert_int_eq(l.obj->bits, 64);
	r = reloc(l.obj, "R_WASM_MEMORY_ADDR_LEB64", "counter");
	ck_assert_int_eq(r->width, 10);
	ck_assert(r->flags & RELF_LEB);
	r = reloc(l.obj, "R_WASM_TABLE_INDEX_I64", "ext");
	ck_assert_int_eq(r->width, 8);
	unload(&l);
}
END_TEST

/* ---- a linked module ---- */

START_TEST(test_linked)
{
	static const char src[] =
		"static int counter;\n"
		"static __attribute__((noinline)) int helper(int x) { return x * ++counter; }\n"
		"int api(int x) { return helper(x) + 1; }\n"
		"int api2(int x) { return helper(x + 1); }\n";
	char cmd[512], out[64];
	struct loaded l;
	struct section *code;
	struct symbol *s;
	unsigned len, nfuncs = 0;
	const char *o = unit_compile("wasm32", "-O2", src);

	snprintf(out, sizeof(out), "/tmp/ipbp-unit-%d.wasm", (int)getpid());
	snprintf(cmd, sizeof(cmd), "wasm-ld --no-entry --export-all -o %s %s", out, o);
	ck_assert_msg(system(cmd) == 0, "failed: %s", cmd);
	load_path(&l, out);
	unlink(out);
	ck_assert_int_eq(l.obj->type, OBJ_EXECUTABLE);
	ck_assert_int_eq(l.obj->nr_relocs, 0);
	code = sec(l.obj, "CODE");
	s = sym(l.obj, "api");
	ck_assert_int_eq(s->kind, SYMK_FUNC);
	ck_assert_int_eq(s->bind, BIND_GLOBAL);
	ck_assert_ptr_eq(s->sec, code);
	s = sym(l.obj, "helper");
	ck_assert_int_eq(s->bind, BIND_LOCAL);	/* named, not exported */
	ck_assert_uint_eq(s->value, s->offset);
	/* Exact extents: each entry's size LEB plus its body. */
	for_each_symbol(l.obj, s) {
		if (s->kind != SYMK_FUNC || !is_defined(s))
			continue;
		ck_assert_uint_eq(leb(code->data + s->offset, &len) + len, s->size);
		ck_assert(in_bounds(code->size, s->offset, s->size));
		nfuncs++;
	}
	ck_assert_uint_ge(nfuncs, 3);
	/* Exported globals are index symbols. */
	s = sym(l.obj, "__data_end");
	ck_assert(s->flags & SYMF_ABS);
	ck_assert_int_eq(s->bind, BIND_GLOBAL);
	unload(&l);
}
END_TEST

/* ---- broken input ---- */

static int try_load(const uint8_t *data, size_t size, char *msg, size_t msz)
{
	struct ipbp_err err = { "" };
	struct obj *obj = NULL;
	uint8_t *copy = malloc(size ? size : 1);
	int ret;

	ck_assert(copy != NULL);
	memcpy(copy, data, size);	/* exactly `size` bytes: ASan sees overreads */
	ret = obj_load(&obj, "bad.wasm", copy, size, &err);
	if (ret == 0)
		obj_free(obj);
	else if (msg)
		snprintf(msg, msz, "%s", err.msg);
	free(copy);
	return ret;
}

static void expect_error(const uint8_t *data, size_t size, const char *what)
{
	char msg[512] = "";

	ck_assert_msg(try_load(data, size, msg, sizeof(msg)) < 0,
		      "no error for %s", what);
	ck_assert_msg(strstr(msg, what) != NULL, "\"%s\" is not about %s", msg, what);
}

START_TEST(test_handmade_errors)
{
	static const uint8_t version2[] = { 0, 'a', 's', 'm', 2, 0, 0, 0 };
	/* Section size LEB of 6 bytes. */
	static const uint8_t long_leb[] = { 0, 'a', 's', 'm', 1, 0, 0, 0,
		1, 0x80, 0x80, 0x80, 0x80, 0x80, 0 };
	/* Section size whose 5th byte overflows 32 bits. */
	static const uint8_t wide_leb[] = { 0, 'a', 's', 'm', 1, 0, 0, 0,
		1, 0x80, 0x80, 0x80, 0x80, 0x10 };
	/* A section longer than the file. */
	static const uint8_t past_end[] = { 0, 'a', 's', 'm', 1, 0, 0, 0,
		1, 0x10, 1, 0x60 };
	/* TYPE claims 1000 entries in 2 bytes. */
	static const uint8_t big_count[] = { 0, 'a', 's', 'm', 1, 0, 0, 0,
		1, 3, 0xe8, 0x07, 0x60 };
	/* FUNCTION declares a function of a type that does not exist. */
	static const uint8_t bad_type[] = { 0, 'a', 's', 'm', 1, 0, 0, 0,
		3, 2, 1, 5 };
	/* A function without a body. */
	static const uint8_t no_body[] = { 0, 'a', 's', 'm', 1, 0, 0, 0,
		1, 4, 1, 0x60, 0, 0, 3, 2, 1, 0 };
	/* linking version 1. */
	static const uint8_t old_linking[] = { 0, 'a', 's', 'm', 1, 0, 0, 0,
		0, 9, 7, 'l', 'i', 'n', 'k', 'i', 'n', 'g', 1 };
	/* Two TYPE sections. */
	static const uint8_t dup[] = { 0, 'a', 's', 'm', 1, 0, 0, 0,
		1, 1, 0, 1, 1, 0 };
	static const uint8_t empty[] = { 0, 'a', 's', 'm', 1, 0, 0, 0 };

	expect_error(version2, sizeof(version2), "version");
	expect_error(long_leb, sizeof(long_leb), "LEB128");
	expect_error(wide_leb, sizeof(wide_leb), "LEB128");
	expect_error(past_end, sizeof(past_end), "past end");
	expect_error(big_count, sizeof(big_count), "count");
	expect_error(bad_type, sizeof(bad_type), "type index");
	expect_error(no_body, sizeof(no_body), "code section");
	expect_error(old_linking, sizeof(old_linking), "linking version");
	expect_error(dup, sizeof(dup), "duplicate");
	expect_error(empty, 4, "wasm");
	ck_assert_int_eq(try_load(empty, sizeof(empty), NULL, 0), 0);
}
END_TEST

/* Every truncation and many byte changes: an error or a sane model. */
START_TEST(test_truncated_and_mutated)
{
	const char *path = unit_compile("wasm32", "-O2 -g -ffunction-sections -fdata-sections",
					main_src);
	uint8_t *bytes, *copy;
	size_t size, errors = 0;
	uint32_t seed = 12345;

	bytes = unit_read_file(path, &size);
	for (size_t n = 0; n < size; n++)
		errors += try_load(bytes, n, NULL, 0) < 0;
	/* A cut at a section boundary may leave a valid module. */
	ck_assert_uint_ge(errors, size * 9 / 10);

	copy = malloc(size);
	ck_assert(copy != NULL);
	for (int i = 0; i < 3000; i++) {
		memcpy(copy, bytes, size);
		for (int k = 0; k < 1 + i % 4; k++) {
			seed = seed * 1103515245u + 12345u;
			copy[8 + (seed >> 8) % (size - 8)] = (uint8_t)(seed >> 20);
		}
		try_load(copy, size, NULL, 0);
	}
	free(copy);
	free(bytes);
}
END_TEST

/* A hand-made object: the linking section's own errors. */
START_TEST(test_bad_symbols)
{
	/* TYPE ()->(), FUNCTION [0], CODE [empty body], linking with one
	 * FUNCTION symbol whose index is patched below. */
	uint8_t m[] = { 0, 'a', 's', 'm', 1, 0, 0, 0,
		1, 4, 1, 0x60, 0, 0,
		3, 2, 1, 0,
		10, 4, 1, 2, 0, 0x0b,
		0, 17, 7, 'l', 'i', 'n', 'k', 'i', 'n', 'g', 2,
		8, 6, 1, 0, 0, 0, 1, 'f' };
	struct loaded l = { 0 };
	struct ipbp_err err;

	ck_assert_msg(obj_load(&l.obj, "ok.wasm", m, sizeof(m), &err) == 0,
		      "%s", err.msg);
	ck_assert_uint_eq(sym(l.obj, "f")->offset, 1);
	ck_assert_uint_eq(sym(l.obj, "f")->size, 3);
	obj_free(l.obj);

	m[sizeof(m) - 3] = 7;		/* function index 7 */
	expect_error(m, sizeof(m), "index 7");
	m[sizeof(m) - 3] = 0;
	m[sizeof(m) - 5] = 9;		/* symbol kind 9 */
	expect_error(m, sizeof(m), "unknown kind");
}
END_TEST

static Suite *wasm_suite(void)
{
	Suite *s = suite_create("wasm");
	TCase *tc = tcase_create("wasm");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_object_symbols);
	tcase_add_test(tc, test_object_relocs);
	tcase_add_test(tc, test_segments);
	tcase_add_test(tc, test_debug);
	tcase_add_test(tc, test_tls_and_wasm64);
	tcase_add_test(tc, test_linked);
	tcase_add_test(tc, test_handmade_errors);
	tcase_add_test(tc, test_truncated_and_mutated);
	tcase_add_test(tc, test_bad_symbols);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(wasm_suite)
