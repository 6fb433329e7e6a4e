// SPDX-License-Identifier: MIT
/*
 * test-macho.c - formats/macho.c over objects built at test time with
 * clang -target x86_64-apple-macos11 / arm64-apple-macos11, a dylib and an
 * executable linked by ld64.lld, universal files assembled here (FAT_MAGIC
 * and FAT_MAGIC_64 headers written by hand, so no lipo is needed), and
 * truncated or mutated copies that must give errors, never crashes.
 */
#define _GNU_SOURCE	/* memmem */
#include <errno.h>
#include <stdarg.h>
#include <sys/stat.h>

#include "macho.h"
#include "unit.h"

#define X86 "x86_64-apple-macos11"
#define ARM "arm64-apple-macos11"

static char dir[64];

#define run(...)			unit_run_in(dir, __VA_ARGS__)
#define write_file(name, data, len)	unit_write_file(dir, name, data, len)
#define slurp(name, size)		unit_read_file_in(dir, name, size)

/* Sections of every kind, symbols of every binding, strings. */
static const char kinds_src[] =
	"const char *msg(int i) { return i ? \"one\" : \"zero\"; }\n"
	"int first(int x) { return x + 1; }\n"
	"int second(int x) { return x * 3 + first(x); }\n"
	"__attribute__((visibility(\"hidden\"))) int hidden_fn(void) { return 4; }\n"
	"__attribute__((weak)) int weak_def = 3;\n"
	"extern int weak_ref __attribute__((weak));\n"
	"int *get_weak(void) { return &weak_ref; }\n"
	"int common_var;\n"
	"static int zeroed[32];\n"
	"int *get_zeroed(void) { return zeroed; }\n"
	"_Thread_local int tls_init = 5;\n"
	"_Thread_local int tls_zero;\n"
	"int tls_sum(void) { return tls_init + tls_zero; }\n";

/* SUBTRACTOR pairs, a section-relative reference, and (arm64) ADDENDs. */
static const char sub_src[] =
	"int a = 1, b = 2;\n"
	"__asm__(\".data\\n.globl _d\\n_d: .quad _a - _b + 8\\n"
	".globl _e\\n_e: .long _a - _b\\n\");\n";
static const char addend_src[] =
	"__asm__(\".text\\n.globl _h\\n_h:\\n"
	" adrp x0, _arr@PAGE+4000000\\n"
	" add x0, x0, _arr@PAGEOFF+4000000\\n"
	" ldr x1, [x0, _arr@PAGEOFF+16]\\n"
	" bl _f+8\\n ret\\n\");\n";

static void setup(void)
{
	unit_scratch_make(dir, sizeof(dir), "macho");
	write_file("kinds.c", kinds_src, strlen(kinds_src));
	write_file("sub.c", sub_src, strlen(sub_src));
	write_file("addend.c", addend_src, strlen(addend_src));
	run("clang -target " X86 " -O2 -fcommon -c kinds.c -o kinds-x86.o && "
	    "clang -target " ARM " -O2 -fcommon -c kinds.c -o kinds-arm.o && "
	    "clang -target " X86 " -c sub.c -o sub-x86.o && "
	    "clang -target " ARM " -c sub.c -o sub-arm.o && "
	    "clang -target " ARM " -c addend.c -o addend.o");
}

static void teardown(void)
{
	unit_scratch_remove(dir);
}

static struct objfile *open_in_dir(const char *name, const char *arch)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return unit_open(path, arch);
}

static struct section *section(struct obj *obj, const char *name)
{
	struct section *sec = obj_find_section(obj, name);

	ck_assert_msg(sec != NULL, "no section %s", name);
	return sec;
}

static struct symbol *symbol(struct obj *obj, const char *name)
{
	struct symbol *sym = obj_find_symbol(obj, name);

	ck_assert_msg(sym != NULL, "no symbol %s", name);
	return sym;
}

/* The only relocation at sec+offset. */
static struct reloc *reloc_at(struct obj *obj, const char *secname, uint64_t offset)
{
	struct section *sec = section(obj, secname);
	struct reloc *r, *found = NULL;

	for_each_section_reloc(sec, r) {
		if (r->offset != offset)
			continue;
		ck_assert_msg(!found, "two relocations at %s+%#llx", secname,
			      (unsigned long long)offset);
		found = r;
	}
	ck_assert_msg(found, "no relocation at %s+%#llx", secname,
		      (unsigned long long)offset);
	return found;
}

static void check_kinds(const char *file, enum obj_arch arch)
{
	struct objfile *f = open_in_dir(file, NULL);
	struct obj *obj = f->objs[0];
	struct symbol *first, *second, *sym;
	struct section *sec;

	ck_assert_int_eq(obj->format, FORMAT_MACHO);
	ck_assert_int_eq(obj->arch, arch);
	ck_assert_int_eq(obj->type, OBJ_RELOCATABLE);
	ck_assert_int_eq(obj->bits, 64);

	/* sections: "SEG,sect" with kinds from type and attributes */
	ck_assert_int_eq(section(obj, "__TEXT,__text")->kind, SEC_CODE);
	ck_assert(section(obj, "__TEXT,__text")->flags & SECF_EXEC);
	sec = section(obj, "__TEXT,__cstring");
	ck_assert_int_eq(sec->kind, SEC_STRINGS);
	ck_assert_uint_eq(sec->flags & (SECF_MERGE | SECF_STRINGS), SECF_MERGE | SECF_STRINGS);
	ck_assert_int_eq(section(obj, "__DATA,__data")->kind, SEC_DATA);
	ck_assert_int_eq(section(obj, "__DATA,__bss")->kind, SEC_BSS);
	ck_assert(section(obj, "__DATA,__bss")->data == NULL);
	ck_assert_int_eq(section(obj, "__DATA,__thread_data")->kind, SEC_TLS_DATA);
	ck_assert_int_eq(section(obj, "__DATA,__thread_bss")->kind, SEC_TLS_BSS);
	ck_assert_int_eq(section(obj, "__DATA,__thread_vars")->kind, SEC_OTHER);
	ck_assert_int_eq(section(obj, "__LD,__compact_unwind")->kind, SEC_UNWIND);
	ck_assert(section(obj, "__TEXT,__text")->secsym->kind == SYMK_SECTION);

	/* symbols keep the underscore; sizes are derived */
	first = symbol(obj, "_first");
	second = symbol(obj, "_second");
	ck_assert(obj_find_symbol(obj, "first") == NULL);
	ck_assert_int_eq(first->kind, SYMK_FUNC);
	ck_assert_int_eq(first->bind, BIND_GLOBAL);
	ck_assert(first->flags & SYMF_DERIVED);
	ck_assert(first->sec == second->sec);
	ck_assert_uint_eq(first->offset + first->size, second->offset);
	ck_assert_uint_eq(first->value, first->sec->addr + first->offset);
	ck_assert(symbol(obj, "_hidden_fn")->flags & SYMF_HIDDEN);
	ck_assert_int_eq(symbol(obj, "_weak_def")->bind, BIND_WEAK);
	ck_assert_int_eq(symbol(obj, "_weak_def")->kind, SYMK_DATA);
	sym = symbol(obj, "_weak_ref");
	ck_assert_int_eq(sym->bind, BIND_WEAK);
	ck_assert(sym->flags & SYMF_UNDEF);
	sym = symbol(obj, "_common_var");
	ck_assert(sym->flags & SYMF_COMMON);
	ck_assert_uint_eq(sym->size, 4);
	sym = symbol(obj, "_zeroed");
	ck_assert_int_eq(sym->bind, BIND_LOCAL);
	ck_assert_uint_eq(sym->size, 128);
	ck_assert_int_eq(symbol(obj, "_tls_init")->kind, SYMK_TLS);
	ck_assert_int_eq(symbol(obj, "_tls_init$tlv$init")->kind, SYMK_DATA);
	ck_assert(symbol(obj, "__tlv_bootstrap")->flags & SYMF_UNDEF);
	objfile_free(f);
}

START_TEST(test_kinds_x86_64)
{
	check_kinds("kinds-x86.o", ARCH_X86_64);
}
END_TEST

START_TEST(test_kinds_arm64)
{
	struct objfile *f;
	struct symbol *sym;

	check_kinds("kinds-arm.o", ARCH_AARCH64);
	/* arm64 objects carry ltmpN section markers: temporaries */
	f = open_in_dir("kinds-arm.o", NULL);
	sym = symbol(f->objs[0], "ltmp0");
	ck_assert(sym->flags & SYMF_TEMP);
	ck_assert_uint_eq(sym->offset, 0);
	objfile_free(f);
}
END_TEST

/* x86_64: "zero"/"one" are L-labels: section-relative SIGNED relocations. */
START_TEST(test_non_extern_x86_64)
{
	struct objfile *f = open_in_dir("kinds-x86.o", NULL);
	struct obj *obj = f->objs[0];
	struct section *text = section(obj, "__TEXT,__text");
	struct section *cstr = section(obj, "__TEXT,__cstring");
	const uint8_t *one = memmem(cstr->data, cstr->size, "one", 4);
	struct reloc *r;
	int found = 0;

	ck_assert(one != NULL);
	for_each_section_reloc(text, r) {
		if (r->sym != cstr->secsym)
			continue;
		ck_assert_int_eq(r->kind, RK_PCREL);
		ck_assert(r->flags & RELF_INLINE);
		if (r->addend == one - cstr->data)
			found++;
	}
	ck_assert_int_eq(found, 1);
	/* compact unwind entries point at functions through __text */
	r = reloc_at(obj, "__LD,__compact_unwind", 0);
	ck_assert(r->sym == text->secsym);
	ck_assert_int_eq(r->target->kind, SYMK_FUNC);
	ck_assert_int_eq(r->target_offset, 0);
	objfile_free(f);
}
END_TEST

static void check_subtractor(const char *file)
{
	struct objfile *f = open_in_dir(file, NULL);
	struct obj *obj = f->objs[0];
	struct symbol *d = symbol(obj, "_d"), *e = symbol(obj, "_e");
	struct reloc *r;

	r = reloc_at(obj, "__DATA,__data", d->offset);
	ck_assert_int_eq(r->kind, RK_SUB);
	ck_assert_str_eq(obj_reloc_type_name(obj, r->type),
			 obj->arch == ARCH_X86_64 ? "X86_64_RELOC_SUBTRACTOR" :
			 "ARM64_RELOC_SUBTRACTOR");
	ck_assert_str_eq(r->sym->name, "_a");
	ck_assert_str_eq(r->sub->name, "_b");
	ck_assert_int_eq(r->width, 8);
	ck_assert_int_eq(r->addend, 8);
	r = reloc_at(obj, "__DATA,__data", e->offset);
	ck_assert_int_eq(r->kind, RK_SUB);
	ck_assert_int_eq(r->width, 4);
	ck_assert_int_eq(r->addend, 0);
	objfile_free(f);
}

START_TEST(test_subtractor)
{
	check_subtractor("sub-x86.o");
	check_subtractor("sub-arm.o");
}
END_TEST

START_TEST(test_arm64_addend)
{
	struct objfile *f = open_in_dir("addend.o", NULL);
	struct obj *obj = f->objs[0];
	struct reloc *r;

	/* four ADDEND entries folded: five relocations remain four */
	ck_assert_uint_eq(obj->nr_relocs, 4);
	r = reloc_at(obj, "__TEXT,__text", 0);
	ck_assert_str_eq(obj_reloc_type_name(obj, r->type), "ARM64_RELOC_PAGE21");
	ck_assert_int_eq(r->kind, RK_PAGE);
	ck_assert_str_eq(r->sym->name, "_arr");
	ck_assert_int_eq(r->addend, 4000000);
	ck_assert(!(r->flags & RELF_INLINE));
	r = reloc_at(obj, "__TEXT,__text", 4);
	ck_assert_int_eq(r->kind, RK_PAGEOFF);
	ck_assert_int_eq(r->addend, 4000000);
	r = reloc_at(obj, "__TEXT,__text", 8);
	ck_assert_int_eq(r->addend, 16);
	r = reloc_at(obj, "__TEXT,__text", 12);
	ck_assert_str_eq(obj_reloc_type_name(obj, r->type), "ARM64_RELOC_BRANCH26");
	ck_assert_int_eq(r->kind, RK_BRANCH);
	ck_assert_str_eq(r->sym->name, "_f");
	ck_assert_int_eq(r->addend, 8);
	objfile_free(f);
}
END_TEST

/* ---- universal files ---------------------------------------------------- */

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24, p[1] = v >> 16, p[2] = v >> 8, p[3] = v;
}

static void put_be64(uint8_t *p, uint64_t v)
{
	put_be32(p, v >> 32);
	put_be32(p + 4, (uint32_t)v);
}

struct slice {
	const char *file;
	uint32_t cputype, cpusubtype;
};

/* Writes name: a universal file of the slices, 4 KiB aligned. */
static void make_fat(const char *name, bool is64, const struct slice *s, int n)
{
	size_t total = 4096, sizes[4];
	uint8_t *bufs[4], *out;
	size_t off = 4096;

	for (int i = 0; i < n; i++) {
		bufs[i] = slurp(s[i].file, &sizes[i]);
		total += (sizes[i] + 4095) & ~(size_t)4095;
	}
	out = calloc(1, total);
	ck_assert(out != NULL);
	put_be32(out, is64 ? 0xcafebabf : 0xcafebabe);
	put_be32(out + 4, (uint32_t)n);
	for (int i = 0; i < n; i++) {
		uint8_t *a = out + 8 + i * (is64 ? 32 : 20);

		put_be32(a, s[i].cputype);
		put_be32(a + 4, s[i].cpusubtype);
		if (is64) {
			put_be64(a + 8, off);
			put_be64(a + 16, sizes[i]);
			put_be32(a + 24, 12);
		} else {
			put_be32(a + 8, (uint32_t)off);
			put_be32(a + 12, (uint32_t)sizes[i]);
			put_be32(a + 16, 12);
		}
		memcpy(out + off, bufs[i], sizes[i]);
		off += (sizes[i] + 4095) & ~(size_t)4095;
		free(bufs[i]);
	}
	write_file(name, out, total);
	free(out);
}

#define CPU_X86_64	0x01000007
#define CPU_ARM64	0x0100000c

static void check_fat(bool is64)
{
	struct slice both[] = {
		{ "kinds-x86.o", CPU_X86_64, 3 }, { "kinds-arm.o", CPU_ARM64, 0 },
	};
	struct slice arms[] = {
		{ "kinds-arm.o", CPU_ARM64, 0 }, { "kinds-arm.o", CPU_ARM64, 2 },
	};
	struct objfile_opts opts = { .arch = "i386" };
	struct objfile *f = NULL;
	struct ipbp_err err;
	char path[128];

	make_fat("fat.o", is64, both, 2);
	make_fat("arm-only.o", is64, arms, 1);
	make_fat("arms.o", is64, arms, 2);

	f = open_in_dir("fat.o", NULL);		/* the host's slice */
	ck_assert_int_eq(f->objs[0]->arch, ARCH_X86_64);
	objfile_free(f);
	f = open_in_dir("fat.o", "arm64");
	ck_assert_int_eq(f->objs[0]->arch, ARCH_AARCH64);
	ck_assert(obj_find_symbol(f->objs[0], "ltmp0") != NULL);
	objfile_free(f);
	f = open_in_dir("arm-only.o", NULL);	/* the only slice */
	ck_assert_int_eq(f->objs[0]->arch, ARCH_AARCH64);
	objfile_free(f);
	f = open_in_dir("arms.o", "arm64e");
	ck_assert_int_eq(f->objs[0]->arch, ARCH_AARCH64);
	objfile_free(f);

	snprintf(path, sizeof(path), "%s/fat.o", dir);
	ck_assert_int_lt(objfile_open(&f, path, &opts, &err), 0);
	ck_assert_msg(strstr(err.msg, "no i386 slice") && strstr(err.msg, "x86_64, arm64"),
		      "%s", err.msg);
	snprintf(path, sizeof(path), "%s/arms.o", dir);
	ck_assert_int_lt(objfile_open(&f, path, NULL, &err), 0);
	ck_assert_msg(strstr(err.msg, "arm64, arm64e"), "%s", err.msg);
}

START_TEST(test_fat)
{
	check_fat(false);
	check_fat(true);
}
END_TEST

START_TEST(test_fat_truncated)
{
	size_t size, off, len;
	struct ipbp_err err;
	uint8_t *data;

	struct slice both[] = {
		{ "kinds-x86.o", CPU_X86_64, 3 }, { "kinds-arm.o", CPU_ARM64, 0 },
	};
	make_fat("fat.o", false, both, 2);
	data = slurp("fat.o", &size);
	ck_assert(macho_fat_probe(data, size));
	ck_assert_int_eq(macho_fat_slice("fat.o", data, size, "arm64", &off, &len, &err), 0);
	ck_assert_uint_eq(off % 4096, 0);
	/* the arm64 slice is the last one: any truncation cuts it */
	ck_assert_int_lt(macho_fat_slice("fat.o", data, off + len - 1, "arm64",
					 &off, &len, &err), 0);
	ck_assert_msg(strstr(err.msg, "past end of file"), "%s", err.msg);
	ck_assert_int_lt(macho_fat_slice("fat.o", data, 20, NULL, &off, &len, &err), 0);
	free(data);
}
END_TEST

/* ---- linked images -------------------------------------------------------- */

START_TEST(test_dylib_and_executable)
{
	struct objfile *f;
	struct obj *obj;
	struct symbol *sym;

	run("clang -target " ARM " -fuse-ld=lld -nostdlib -shared -Wl,-undefined,dynamic_lookup kinds.c -o libk.dylib && "
	    "printf 'int first(int);\\nint main(void) { return first(1); }\\n' >m.c && "
	    "clang -target " X86 " -fuse-ld=lld -nostdlib -Wl,-e,_main -Wl,-undefined,dynamic_lookup m.c kinds.c -o exe");
	f = open_in_dir("libk.dylib", NULL);
	obj = f->objs[0];
	ck_assert_int_eq(obj->type, OBJ_SHARED);
	sym = symbol(obj, "_first");
	ck_assert_uint_ne(sym->value, 0);
	ck_assert_uint_eq(sym->value, sym->sec->addr + sym->offset);
	ck_assert_int_eq(sym->kind, SYMK_FUNC);
	objfile_free(f);

	f = open_in_dir("exe", NULL);
	obj = f->objs[0];
	ck_assert_int_eq(obj->type, OBJ_EXECUTABLE);
	ck_assert_int_eq(obj->arch, ARCH_X86_64);
	ck_assert_uint_ge(symbol(obj, "_main")->value, 0x100000000ull);
	/* the header marker lies before __text: kept as an address */
	ck_assert(symbol(obj, "__mh_execute_header")->flags & SYMF_ABS);
	objfile_free(f);
}
END_TEST

/* ---- bad input -------------------------------------------------------------- */

static int load(const uint8_t *data, size_t size, struct ipbp_err *err)
{
	struct objfile *f = NULL;
	int ret = objfile_from_memory(&f, "bad.o", data, size, NULL, err);

	if (ret == 0) {		/* whatever loaded must be walkable */
		struct obj *obj = f->objs[0];
		struct reloc *r;

		for_each_reloc(obj, r)
			ck_assert(r->offset + r->width <= r->sec->size);
		objfile_free(f);
	}
	return ret;
}

static void put_le32(uint8_t *p, uint32_t v)
{
	p[0] = v, p[1] = v >> 8, p[2] = v >> 16, p[3] = v >> 24;
}

START_TEST(test_bad_input)
{
	static const char *files[] = { "kinds-x86.o", "kinds-arm.o", "sub-x86.o", "addend.o" };
	struct ipbp_err err;

	for (size_t k = 0; k < sizeof(files) / sizeof(files[0]); k++) {
		size_t size;
		uint8_t *data = slurp(files[k], &size), *copy = malloc(size);

		ck_assert_int_eq(load(data, size, &err), 0);
		/* every truncation fails cleanly or loads a sane prefix */
		for (size_t n = 0; n < size; n++) {
			uint8_t *t = malloc(n ? n : 1);

			memcpy(t, data, n);
			load(t, n, &err);
			free(t);
		}
		/* every byte of the headers and tables, mutated */
		for (size_t i = 0; i < size; i++) {
			static const uint8_t vals[] = { 0x00, 0xff, 0x7f, 0x80 };

			for (size_t v = 0; v < sizeof(vals); v++) {
				memcpy(copy, data, size);
				copy[i] = vals[v];
				load(copy, size, &err);
			}
		}
		free(copy);
		free(data);
	}
}
END_TEST

START_TEST(test_bad_messages)
{
	struct ipbp_err err;
	size_t size;
	uint8_t *data = slurp("kinds-x86.o", &size), *copy = malloc(size);

	/* load command 0 with cmdsize 0 */
	memcpy(copy, data, size);
	put_le32(copy + 32 + 4, 0);
	ck_assert_int_lt(load(copy, size, &err), 0);
	ck_assert_msg(strstr(err.msg, "bad.o: load command 0 has bad size 0"), "%s", err.msg);
	/* sizeofcmds past the end */
	memcpy(copy, data, size);
	put_le32(copy + 20, 0x7fffffff);
	ck_assert_int_lt(load(copy, size, &err), 0);
	ck_assert_msg(strstr(err.msg, "past end of file"), "%s", err.msg);
	/* truncated header */
	ck_assert_int_lt(load(data, 30, &err), 0);
	ck_assert_msg(strstr(err.msg, "truncated"), "%s", err.msg);
	free(copy);
	free(data);
}
END_TEST

static Suite *macho_suite(void)
{
	Suite *s = suite_create("macho");
	TCase *tc = tcase_create("macho");

	tcase_add_unchecked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, test_kinds_x86_64);
	tcase_add_test(tc, test_kinds_arm64);
	tcase_add_test(tc, test_non_extern_x86_64);
	tcase_add_test(tc, test_subtractor);
	tcase_add_test(tc, test_arm64_addend);
	tcase_add_test(tc, test_fat);
	tcase_add_test(tc, test_fat_truncated);
	tcase_add_test(tc, test_dylib_and_executable);
	tcase_add_test(tc, test_bad_input);
	tcase_add_test(tc, test_bad_messages);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(macho_suite)
