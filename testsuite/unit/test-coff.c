/* SPDX-License-Identifier: MIT */
/*
 * test-coff.c - the COFF reader on objects built at test time with
 * clang -target {x86_64,i686,aarch64}-pc-windows-msvc, bigobj (converted
 * by objcopy -O pe-bigobj-x86-64), import-library short members (built
 * byte by byte), PE images linked with lld, and broken inputs.
 */
#include "unit.h"

#include <stdint.h>

#define OBJ_SRC								\
	"int x[4]; extern int y[4];\n"					\
	"static int s = 3;\n"						\
	"void set_s(int v) { s = v; }\n"				\
	"int *f(void) { return &x[2]; }\n"				\
	"int g(void) { return y[3] + s; }\n"				\
	"extern int ext(int);\n"					\
	"int k(int a) { return ext(a) + 1; }\n"

struct loaded {
	struct objfile *file;
	struct obj *obj;
	uint8_t *bytes;
	size_t size;
};

static struct obj *load_path(struct loaded *l, const char *path)
{
	struct ipbp_err err;

	memset(l, 0, sizeof(*l));
	l->bytes = unit_read_file(path, &l->size);
	ck_assert_msg(objfile_from_memory(&l->file, path, l->bytes, l->size,
					  NULL, &err) == 0, "%s", err.msg);
	ck_assert_uint_eq(l->file->nr_objs, 1);
	l->obj = l->file->objs[0];
	return l->obj;
}

static void unload(struct loaded *l)
{
	objfile_free(l->file);
	free(l->bytes);
}

static struct obj *compile_load(struct loaded *l, const char *target,
				const char *flags, const char *src)
{
	return load_path(l, unit_compile(target, flags, src));
}

/* Loads bytes that must be refused with a message. */
static void expect_refused(const uint8_t *d, size_t n, const char *what)
{
	struct objfile *file = NULL;
	struct ipbp_err err = { "" };

	ck_assert_msg(objfile_from_memory(&file, "bad", d, n, NULL, &err) < 0,
		      "%s: accepted", what);
	ck_assert_msg(err.msg[0] != 0, "%s: refused without a message", what);
}

static struct symbol *sym(const struct obj *obj, const char *name)
{
	struct symbol *s = obj_find_symbol(obj, name);

	ck_assert_msg(s != NULL, "no symbol %s", name);
	return s;
}

static struct reloc *reloc_at(const struct obj *obj, const char *secname,
			      uint64_t off)
{
	struct reloc *r;

	for_each_reloc(obj, r)
		if (r->offset == off && !strcmp(r->sec->name, secname))
			return r;
	ck_abort_msg("no relocation at %s+%#llx", secname,
		     (unsigned long long)off);
	return NULL;
}

static struct reloc *reloc_to(const struct obj *obj, const char *symname,
			      const char *type)
{
	struct reloc *r;

	for_each_reloc(obj, r)
		if (!strcmp(r->sym->name, symname) &&
		    !strcmp(obj_reloc_type_name(obj, r->type), type))
			return r;
	ck_abort_msg("no %s relocation to %s", type, symname);
	return NULL;
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static int run(const char *cmd)
{
	int rc = system(cmd);

	ck_assert_msg(rc == 0, "failed: %s", cmd);
	return rc;
}

/* ---- objects ------------------------------------------------------------ */

START_TEST(test_x86_64_object)
{
	struct loaded l;
	struct obj *obj = compile_load(&l, "x86_64-pc-windows-msvc", "-O2", OBJ_SRC);
	struct section *text = obj_find_section(obj, ".text");
	struct symbol *f = sym(obj, "f"), *x = sym(obj, "x"), *s = sym(obj, "s");
	struct reloc *r;

	ck_assert_int_eq(obj->format, FORMAT_COFF);
	ck_assert_int_eq(obj->arch, ARCH_X86_64);
	ck_assert_int_eq(obj->type, OBJ_RELOCATABLE);
	ck_assert_int_eq(obj->bits, 64);
	ck_assert_int_eq(text->kind, SEC_CODE);
	ck_assert_uint_eq(text->align, 16);
	ck_assert(text->flags & SECF_EXEC);
	ck_assert(text->secsym && text->secsym->kind == SYMK_SECTION);
	ck_assert_int_eq(obj_find_section(obj, ".bss")->kind, SEC_BSS);
	ck_assert_int_eq(obj_find_section(obj, ".data")->kind, SEC_DATA);
	ck_assert_int_eq(obj_find_section(obj, ".llvm_addrsig")->kind, SEC_META);
	ck_assert_int_eq(obj_find_section(obj, ".pdata")->kind, SEC_UNWIND);
	ck_assert_int_eq(obj_find_section(obj, ".xdata")->kind, SEC_UNWIND);

	ck_assert_int_eq(f->kind, SYMK_FUNC);
	ck_assert_int_eq(f->bind, BIND_GLOBAL);
	ck_assert(f->flags & SYMF_DERIVED);
	ck_assert_ptr_eq(f->sec, text);
	ck_assert_uint_eq(f->offset + f->size, sym(obj, "g")->offset);	/* derived */
	ck_assert_int_eq(x->kind, SYMK_DATA);
	ck_assert_int_eq(x->sec->kind, SEC_BSS);
	ck_assert_int_eq(s->bind, BIND_LOCAL);
	ck_assert_ptr_nonnull(s->file);		/* the .file record llvm writes last */
	ck_assert(strstr(s->file, "ipbp-unit-") != NULL);
	ck_assert(sym(obj, "y")->flags & SYMF_UNDEF);
	ck_assert(sym(obj, "@feat.00")->flags & SYMF_ABS);

	/* lea x+8(%rip): the addend lives in the bytes, bias 0 in COFF. */
	r = reloc_to(obj, "x", "IMAGE_REL_AMD64_REL32");
	ck_assert_int_eq(r->kind, RK_PCREL);
	ck_assert_int_eq(r->width, 4);
	ck_assert_int_eq(r->addend, 8);
	ck_assert_int_eq(r->bias, 0);
	ck_assert(r->flags & RELF_INLINE);
	r = reloc_to(obj, "y", "IMAGE_REL_AMD64_REL32");
	ck_assert_int_eq(r->addend, 12);
	r = reloc_to(obj, "ext", "IMAGE_REL_AMD64_REL32");
	ck_assert_int_eq(r->addend, 0);
	r = reloc_at(obj, ".pdata", 0);
	ck_assert_str_eq(obj_reloc_type_name(obj, r->type), "IMAGE_REL_AMD64_ADDR32NB");
	ck_assert_int_eq(r->kind, RK_IMAGEREL);
	ck_assert_str_eq(obj_reloc_type_name(obj, 0xff), "Unknown");
	unload(&l);
}
END_TEST

START_TEST(test_i386_object)
{
	struct loaded l;
	struct obj *obj = compile_load(&l, "i686-pc-windows-msvc", "-O2", OBJ_SRC);
	struct reloc *r;

	ck_assert_int_eq(obj->arch, ARCH_I386);
	ck_assert_int_eq(obj->bits, 32);
	ck_assert_int_eq(sym(obj, "_f")->kind, SYMK_FUNC);	/* underscore kept */
	ck_assert_ptr_null(obj_find_symbol(obj, "f"));
	r = reloc_to(obj, "_x", "IMAGE_REL_I386_DIR32");
	ck_assert_int_eq(r->kind, RK_ABS);
	ck_assert_int_eq(r->addend, 8);
	r = reloc_to(obj, "_y", "IMAGE_REL_I386_DIR32");
	ck_assert_int_eq(r->addend, 12);
	r = reloc_to(obj, "_ext", "IMAGE_REL_I386_REL32");
	ck_assert_int_eq(r->kind, RK_PCREL);
	ck_assert_int_eq(r->addend, 0);
	unload(&l);
}
END_TEST

START_TEST(test_arm64_object)
{
	struct loaded l;
	struct obj *obj = compile_load(&l, "aarch64-pc-windows-msvc", "-O2", OBJ_SRC
		"long long big[4];\n"
		"long long getbig(void) { return big[3]; }\n"
		"void *const ptrs[] = { &x[1], f };\n");
	struct reloc *r;

	ck_assert_int_eq(obj->arch, ARCH_AARCH64);
	r = reloc_to(obj, "x", "IMAGE_REL_ARM64_PAGEBASE_REL21");
	ck_assert_int_eq(r->kind, RK_PAGE);
	ck_assert_int_eq(r->addend, 8);
	r = reloc_to(obj, "x", "IMAGE_REL_ARM64_PAGEOFFSET_12A");
	ck_assert_int_eq(r->kind, RK_PAGEOFF);
	ck_assert_int_eq(r->addend, 8);
	r = reloc_to(obj, "y", "IMAGE_REL_ARM64_PAGEOFFSET_12L");	/* ldr w, #12 */
	ck_assert_int_eq(r->addend, 12);
	r = reloc_to(obj, "big", "IMAGE_REL_ARM64_PAGEOFFSET_12L");	/* ldr x, #24 */
	ck_assert_int_eq(r->addend, 24);
	r = reloc_to(obj, "ext", "IMAGE_REL_ARM64_BRANCH26");
	ck_assert_int_eq(r->kind, RK_BRANCH);
	ck_assert_int_eq(r->addend, 0);
	r = reloc_to(obj, "x", "IMAGE_REL_ARM64_ADDR64");
	ck_assert_int_eq(r->width, 8);
	ck_assert_int_eq(r->addend, 4);
	unload(&l);
}
END_TEST

START_TEST(test_armnt_object)
{
	struct loaded l;
	struct obj *obj = compile_load(&l, "thumbv7-pc-windows-msvc", "-O2", OBJ_SRC);
	struct reloc *r;

	ck_assert_int_eq(obj->arch, ARCH_ARM);
	ck_assert_int_eq(obj->bits, 32);
	r = reloc_to(obj, "x", "IMAGE_REL_ARM_MOV32T");	/* movw/movt pair */
	ck_assert_int_eq(r->kind, RK_ABS);
	ck_assert_int_eq(r->width, 8);
	ck_assert(r->flags & RELF_INLINE);
	r = reloc_to(obj, "ext", "IMAGE_REL_ARM_BRANCH24T");
	ck_assert_int_eq(r->kind, RK_BRANCH);
	ck_assert_int_eq(sym(obj, "f")->kind, SYMK_FUNC);
	unload(&l);
}
END_TEST

START_TEST(test_comdat_sections)
{
	struct loaded l;
	struct obj *obj = compile_load(&l, "x86_64-pc-windows-msvc",
		"-O2 -ffunction-sections -fdata-sections", OBJ_SRC);
	struct symbol *f = sym(obj, "f"), *x = sym(obj, "x");
	struct section *sec;
	int pdata = 0;

	ck_assert(f->sec->flags & SECF_COMDAT);
	ck_assert_str_eq(f->sec->comdat, "f");
	ck_assert_str_eq(f->sec->name, ".text");
	ck_assert_str_eq(sym(obj, "g")->sec->comdat, "g");
	ck_assert_str_eq(x->sec->comdat, "x");
	ck_assert_int_eq(x->sec->kind, SEC_BSS);
	/* .pdata/.xdata of k are ASSOCIATIVE to k's section. */
	for_each_section(obj, sec)
		if (!strcmp(sec->name, ".pdata")) {
			ck_assert(sec->flags & SECF_COMDAT);
			ck_assert_str_eq(sec->comdat, "k");
			pdata++;
		}
	ck_assert_int_eq(pdata, 1);
	unload(&l);
}
END_TEST

START_TEST(test_weak_and_common)
{
	struct loaded l;
	struct obj *obj = compile_load(&l, "x86_64-pc-windows-msvc", "-O2 -fcommon",
		"__attribute__((weak)) int weak_value = 7;\n"
		"__attribute__((weak)) int weak_fn(int x) { return x + weak_value; }\n"
		"extern int maybe(int) __attribute__((weak));\n"
		"int common_counter;\n"
		"int use(int x) { common_counter++; return maybe ? maybe(x) : weak_fn(x); }\n");
	struct symbol *s;

	s = sym(obj, "weak_fn");
	ck_assert_int_eq(s->bind, BIND_WEAK);
	ck_assert(is_defined(s));
	ck_assert_int_eq(s->kind, SYMK_FUNC);
	ck_assert_str_eq(s->sec->name, ".text");
	s = sym(obj, "weak_value");
	ck_assert_int_eq(s->bind, BIND_WEAK);
	ck_assert_int_eq(s->kind, SYMK_DATA);
	ck_assert_str_eq(s->sec->name, ".data");
	ck_assert_uint_eq(s->size, 4);
	s = sym(obj, "maybe");
	ck_assert_int_eq(s->bind, BIND_WEAK);
	ck_assert(s->flags & SYMF_UNDEF);
	s = sym(obj, "common_counter");
	ck_assert(s->flags & SYMF_COMMON);
	ck_assert_uint_eq(s->size, 4);
	ck_assert_ptr_null(s->sec);
	unload(&l);
}
END_TEST

START_TEST(test_long_names_and_tls)
{
	struct loaded l;
	struct obj *obj = compile_load(&l, "x86_64-w64-windows-gnu", "-O2 -g",
		"__attribute__((section(\".a_long_section_name\"))) int z = 1;\n"
		"_Thread_local int tv = 3;\n"
		"int get(void) { return tv + z; }\n");
	struct section *sec = obj_find_section(obj, ".a_long_section_name");
	struct reloc *r;

	ck_assert_ptr_nonnull(sec);
	ck_assert_int_eq(sec->kind, SEC_DATA);
	ck_assert_ptr_eq(sym(obj, "z")->sec, sec);
	ck_assert_int_eq(obj_find_section(obj, ".debug_info")->kind, SEC_DEBUG);
	sec = obj_find_section(obj, ".tls$");
	ck_assert_ptr_nonnull(sec);
	ck_assert_int_eq(sec->kind, SEC_TLS_DATA);
	ck_assert(sec->flags & SECF_TLS);
	ck_assert_int_eq(sym(obj, "tv")->kind, SYMK_TLS);
	r = reloc_to(obj, "tv", "IMAGE_REL_AMD64_SECREL");
	ck_assert_int_eq(r->kind, RK_TLS);
	unload(&l);
}
END_TEST

START_TEST(test_codeview_debug)
{
	struct loaded l;
	struct obj *obj = compile_load(&l, "x86_64-pc-windows-msvc", "-O2 -g -gcodeview",
				       OBJ_SRC);

	ck_assert_int_eq(obj_find_section(obj, ".debug$S")->kind, SEC_DEBUG);
	reloc_to(obj, "f", "IMAGE_REL_AMD64_SECREL");
	reloc_to(obj, "f", "IMAGE_REL_AMD64_SECTION");
	unload(&l);
}
END_TEST

/* bigobj: 32-bit section numbers and 20-byte symbol records. */
START_TEST(test_bigobj)
{
	struct loaded a, b;
	char cmd[600], big[300];
	const char *o = unit_compile("x86_64-pc-windows-msvc", "-O2 -ffunction-sections",
				     OBJ_SRC);
	struct obj *obj, *bobj;
	struct symbol *s;

	snprintf(big, sizeof(big), "%s.big.o", o);
	snprintf(cmd, sizeof(cmd), "objcopy -O pe-bigobj-x86-64 %s %s", o, big);
	run(cmd);
	obj = load_path(&a, o);
	bobj = load_path(&b, big);
	ck_assert_uint_eq(le32(b.bytes) , 0xffff0000u);
	ck_assert_int_eq(bobj->arch, ARCH_X86_64);
	ck_assert_uint_eq(bobj->nr_sections, obj->nr_sections);
	for_each_symbol(obj, s) {
		struct symbol *t;

		if (s->kind == SYMK_SECTION || s->kind == SYMK_FILE)
			continue;
		t = sym(bobj, s->name);
		ck_assert_int_eq(t->kind, s->kind);
		ck_assert_int_eq(t->bind, s->bind);
		ck_assert_uint_eq(t->offset, s->offset);
		ck_assert_msg(!s->sec == !t->sec, "%s", s->name);
		if (s->sec) {
			ck_assert_str_eq(t->sec->name, s->sec->name);
			ck_assert_uint_eq(t->sec->native_index, s->sec->native_index);
		}
	}
	/* objcopy drops IMAGE_SCN_LNK_COMDAT from the section headers (it
	 * keeps the aux Selection): by the specification these are no longer
	 * COMDAT, so no group name here; see test_bigobj_llvm for that. */
	ck_assert_int_eq(reloc_to(bobj, "x", "IMAGE_REL_AMD64_REL32")->addend, 8);
	ck_assert_uint_eq(bobj->nr_relocs, obj->nr_relocs);
	unload(&a);
	unload(&b);
	unlink(big);
}
END_TEST

/*
 * LLVM writes bigobj only past 65279 sections: 66000 COMDAT sections give
 * section numbers above 65535 (the aux NumberHighPart, 32-bit SectionNumber).
 */
START_TEST(test_bigobj_llvm)
{
	char src[256], out[256], cmd[700];
	struct loaded l;
	struct obj *obj;
	struct symbol *s;
	FILE *f;

	snprintf(src, sizeof(src), "/tmp/ipbp-unit-big-%d.s", (int)getpid());
	snprintf(out, sizeof(out), "/tmp/ipbp-unit-big-%d.o", (int)getpid());
	f = fopen(src, "w");
	ck_assert(f != NULL);
	for (int i = 0; i < 66000; i++)
		fprintf(f, ".section .data$v%d,\"dw\",discard,v%d\n"
			".globl v%d\nv%d:\n.quad v%d+%d\n",
			i, i, i, i, (i + 1) % 66000, i & 7);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "clang -target x86_64-pc-windows-msvc -c %s -o %s",
		 src, out);
	run(cmd);
	obj = load_path(&l, out);
	ck_assert_uint_eq(le32(l.bytes), 0xffff0000u);
	ck_assert_uint_ge(obj->nr_sections, 66000);
	s = sym(obj, "v65999");
	ck_assert_uint_gt(s->sec->native_index, 65535);
	ck_assert_str_eq(s->sec->name, ".data$v65999");
	ck_assert_str_eq(s->sec->comdat, "v65999");
	ck_assert(s->sec->flags & SECF_COMDAT);
	ck_assert_ptr_eq(s->sec->secsym->sec, s->sec);
	ck_assert_int_eq(s->kind, SYMK_DATA);
	ck_assert_uint_eq(s->size, 8);
	ck_assert_uint_eq(s->sec->nr_relocs, 1);
	ck_assert_ptr_eq(s->sec->relocs[0]->sym, sym(obj, "v0"));
	ck_assert_int_eq(s->sec->relocs[0]->addend, 65999 & 7);
	unload(&l);
	unlink(src);
	unlink(out);
}
END_TEST

/* More than 65535 relocations: IMAGE_SCN_LNK_NRELOC_OVFL. */
START_TEST(test_reloc_overflow)
{
	struct loaded l;
	struct obj *obj = compile_load(&l, "x86_64-pc-windows-msvc", "-O0",
		"extern char foo;\n"
		"char *p[70000] = { [0 ... 69999] = &foo };\n");
	struct section *data = sym(obj, "p")->sec;

	ck_assert_uint_eq(obj->nr_relocs, 70000);
	ck_assert_uint_eq(data->nr_relocs, 70000);
	ck_assert_uint_eq(data->relocs[69999]->offset, 69999 * 8);
	unload(&l);
}
END_TEST

/* ---- import-library short members ----------------------------------------- */

static size_t make_import(uint8_t *buf, uint16_t machine, unsigned type,
			  const char *name, const char *dll)
{
	size_t n = strlen(name) + 1, m = strlen(dll) + 1;

	memset(buf, 0, 20);
	buf[2] = buf[3] = 0xff;			/* Sig2 */
	buf[6] = machine & 0xff, buf[7] = machine >> 8;
	put32(buf + 12, (uint32_t)(n + m));	/* SizeOfData */
	buf[18] = (uint8_t)(type | 1 << 2);	/* Type, NameType NAME */
	memcpy(buf + 20, name, n);
	memcpy(buf + 20 + n, dll, m);
	return 20 + n + m;
}

START_TEST(test_import_member)
{
	uint8_t buf[128];
	size_t n = make_import(buf, 0x8664, 0, "CreateFileA", "KERNEL32.dll");
	struct objfile *file;
	struct ipbp_err err;
	struct obj *obj;
	struct symbol *s;

	ck_assert_msg(objfile_from_memory(&file, "imp", buf, n, NULL, &err) == 0,
		      "%s", err.msg);
	obj = file->objs[0];
	ck_assert_int_eq(obj->arch, ARCH_X86_64);
	ck_assert_uint_eq(obj->nr_symbols, 2);
	ck_assert_uint_eq(obj->nr_sections, 0);
	s = sym(obj, "__imp_CreateFileA");
	ck_assert(s->flags & SYMF_ABS);
	ck_assert_int_eq(s->bind, BIND_GLOBAL);
	ck_assert_int_eq(sym(obj, "CreateFileA")->kind, SYMK_FUNC);
	objfile_free(file);

	n = make_import(buf, 0x14c, 1, "_data1", "foo.dll");	/* DATA */
	ck_assert(objfile_from_memory(&file, "imp", buf, n, NULL, &err) == 0);
	obj = file->objs[0];
	ck_assert_int_eq(obj->arch, ARCH_I386);
	ck_assert_uint_eq(obj->nr_symbols, 1);
	sym(obj, "__imp__data1");
	objfile_free(file);

	n = make_import(buf, 0x8664, 0, "f", "x.dll");
	expect_refused(buf, 21, "import name cut off");
	put32(buf + 12, 1000);
	expect_refused(buf, n, "import SizeOfData past end");
}
END_TEST

/* ---- PE images -------------------------------------------------------------- */

#define PE_SRC								\
	"int counter = 3;\n"						\
	"__declspec(dllexport) int exported(int x) { return x + counter; }\n" \
	"__declspec(dllexport) int exported_data = 5;\n"		\
	"int start(void) { return exported(1); }\n"

static const char *link_pe_path(void)
{
	static char out[256];

	snprintf(out, sizeof(out), "/tmp/ipbp-unit-pe-%d.bin", (int)getpid());
	return out;
}

static const char *link_pe(const char *target, const char *flags)
{
	const char *out = link_pe_path();
	char src[256], cmd[1024];
	FILE *f;

	snprintf(src, sizeof(src), "/tmp/ipbp-unit-pe-%d.c", (int)getpid());
	f = fopen(src, "w");
	ck_assert(f != NULL);
	fputs(PE_SRC, f);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "clang -target %s -fuse-ld=lld -nostdlib %s %s -o %s",
		 target, flags, src, out);
	run(cmd);
	unlink(src);
	return out;
}

/* The linked image and the import library lld-link writes for a DLL. */
static void unlink_pe(const char *path)
{
	char lib[300];

	snprintf(lib, sizeof(lib), "%.*s.lib", (int)(strlen(path) - 4), path);
	unlink(path);
	unlink(lib);
}

START_TEST(test_pe_without_symtab)
{
	struct loaded l;
	struct obj *obj = load_path(&l, link_pe("x86_64-pc-windows-msvc",
						"-Wl,/entry:start,/subsystem:console"));
	struct section *text = obj_find_section(obj, ".text");
	struct symbol *s;

	ck_assert_int_eq(obj->type, OBJ_EXECUTABLE);
	ck_assert_int_eq(obj->arch, ARCH_X86_64);
	ck_assert_uint_eq(text->addr, 0x140001000ull);
	ck_assert_ptr_nonnull(text->data);
	/* No symbol table: the exports are the symbols. */
	s = sym(obj, "exported");
	ck_assert_ptr_eq(s->sec, text);
	ck_assert_int_eq(s->kind, SYMK_FUNC);
	ck_assert_int_eq(sym(obj, "exported_data")->kind, SYMK_DATA);
	ck_assert_ptr_null(obj_find_symbol(obj, "counter"));
	unload(&l);

	obj = load_path(&l, link_pe("x86_64-pc-windows-msvc", "-shared -Wl,/noentry"));
	ck_assert_int_eq(obj->type, OBJ_SHARED);
	ck_assert_uint_eq(obj_find_section(obj, ".text")->addr, 0x180001000ull);
	sym(obj, "exported");
	unload(&l);
	unlink_pe(link_pe_path());
}
END_TEST

START_TEST(test_pe_with_symtab)
{
	struct loaded l;
	struct obj *obj = load_path(&l, link_pe("x86_64-w64-windows-gnu",
						"-Wl,-e,start"));
	struct symbol *s = sym(obj, "start");

	ck_assert_int_eq(obj->type, OBJ_EXECUTABLE);
	ck_assert_str_eq(s->sec->name, ".text");
	ck_assert_uint_eq(s->sec->addr + s->offset, 0x140001020ull);
	ck_assert_str_eq(sym(obj, "counter")->sec->name, ".data");
	unload(&l);

	obj = load_path(&l, link_pe("i686-w64-windows-gnu", "-Wl,-e,_start"));
	ck_assert_int_eq(obj->arch, ARCH_I386);
	ck_assert_str_eq(sym(obj, "_counter")->sec->name, ".data");
	ck_assert_uint_eq(obj_find_section(obj, ".text")->addr, 0x401000);
	unload(&l);
	unlink_pe(link_pe_path());
}
END_TEST

/* ---- broken input -------------------------------------------------------- */

/* Every truncation either loads or is refused with a message. */
START_TEST(test_truncated)
{
	struct loaded l;
	struct obj *obj = compile_load(&l, "x86_64-pc-windows-msvc", "-O2", OBJ_SRC);
	uint32_t symtab = le32(l.bytes + 8);

	(void)obj;
	for (size_t n = 0; n < l.size; n++) {
		uint8_t *copy = malloc(n ? n : 1);
		struct objfile *file = NULL;
		struct ipbp_err err = { "" };

		memcpy(copy, l.bytes, n);
		if (objfile_from_memory(&file, "cut", copy, n, NULL, &err) == 0)
			objfile_free(file);
		else
			ck_assert_msg(err.msg[0], "cut at %zu: no message", n);
		if (n >= 20 && n < symtab + 18)
			ck_assert_msg(file == NULL || n >= l.size, "cut at %zu accepted", n);
		free(copy);
	}
	unload(&l);
}
END_TEST

START_TEST(test_corrupted)
{
	struct loaded l;
	struct obj *obj = compile_load(&l, "x86_64-pc-windows-msvc", "-O2", OBJ_SRC);
	uint8_t *b = malloc(l.size);
	uint32_t symtab = le32(l.bytes + 8), nsyms = le32(l.bytes + 12);
	uint32_t strtab = symtab + nsyms * 18;
	const uint8_t *last = l.bytes + symtab + (nsyms - 1) * 18;
	uint32_t last_index = nsyms - 1;
	struct section *text = obj_find_section(obj, ".text");
	uint32_t text_hdr = 20, text_relocs = le32(l.bytes + text_hdr + 24);

	/* The last primary record (llvm puts .file last: find the last one
	 * whose aux records end the table). */
	for (uint32_t i = 0; i < nsyms; i += 1 + l.bytes[symtab + i * 18 + 17]) {
		last = l.bytes + symtab + i * 18;
		last_index = i;
	}
	(void)last_index;
	ck_assert_ptr_nonnull(text->data);

#define MUTATE(what, stmt) do {						\
		memcpy(b, l.bytes, l.size);				\
		stmt;							\
		expect_refused(b, l.size, what);			\
	} while (0)

	MUTATE("aux count past table", b[last - l.bytes + 17] = 200);
	MUTATE("symbol table count", put32(b + 12, 0x10000000));
	MUTATE("symbol table offset", put32(b + 8, (uint32_t)l.size - 10));
	MUTATE("section count", b[2] = 0xff);
	MUTATE("string table size", put32(b + strtab, 0x7fffffff));
	MUTATE("section raw data", put32(b + text_hdr + 20, (uint32_t)l.size));
	MUTATE("section raw size", put32(b + text_hdr + 16, 0x7fffffff));
	MUTATE("relocation offset", put32(b + text_relocs, 0xfffff0));
	MUTATE("relocation symbol", put32(b + text_relocs + 4, nsyms + 5));
	MUTATE("relocation count", b[text_hdr + 32] = 0xff; b[text_hdr + 33] = 0xff);
	MUTATE("section number", b[symtab + 18 * 0 + 12] = 0x7f);
	MUTATE("long symbol name", put32(b + symtab, 0); put32(b + symtab + 4, 0x7ffffff));
	MUTATE("long section name", memcpy(b + text_hdr, "/9999999", 8));
	MUTATE("bigobj class", memset(b, 0, 4); b[2] = b[3] = 0xff; b[4] = 2);
#undef MUTATE
	free(b);
	unload(&l);
}
END_TEST

static Suite *coff_suite(void)
{
	Suite *s = suite_create("coff");
	TCase *tc = tcase_create("coff");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_x86_64_object);
	tcase_add_test(tc, test_i386_object);
	tcase_add_test(tc, test_arm64_object);
	tcase_add_test(tc, test_armnt_object);
	tcase_add_test(tc, test_comdat_sections);
	tcase_add_test(tc, test_weak_and_common);
	tcase_add_test(tc, test_long_names_and_tls);
	tcase_add_test(tc, test_codeview_debug);
	tcase_add_test(tc, test_bigobj);
	tcase_add_test(tc, test_bigobj_llvm);
	tcase_add_test(tc, test_reloc_overflow);
	tcase_add_test(tc, test_import_member);
	tcase_add_test(tc, test_pe_without_symtab);
	tcase_add_test(tc, test_pe_with_symtab);
	tcase_add_test(tc, test_truncated);
	tcase_add_test(tc, test_corrupted);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(coff_suite)
