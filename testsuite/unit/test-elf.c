// SPDX-License-Identifier: MIT
/*
 * Unit tests of the ELF reader (formats/elf.c): objects for x86-64, i386,
 * AArch64 and ARM (both byte orders) built at test time with clang, a
 * shared object and an executable linked with lld, extended section
 * numbering, and truncated or corrupted input.
 */
#include <stdint.h>
#include <string.h>

#include "unit.h"

/* ---- helpers ------------------------------------------------------------ */

/* Writes source to a scratch file, runs "clang -target TARGET FLAGS src -o
 * out" and returns out (static storage), or fails the test. */
static const char *build(const char *target, const char *flags, const char *source)
{
	static char out[256];
	char src[256], cmd[1024];
	FILE *f;

	snprintf(src, sizeof(src), "/tmp/ipbp-elf-%d.src", (int)getpid());
	snprintf(out, sizeof(out), "/tmp/ipbp-elf-%d.out", (int)getpid());
	f = fopen(src, "w");
	ck_assert(f != NULL);
	fputs(source, f);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "clang -target %s %s %s -o %s 2>&1", target, flags, src, out);
	ck_assert_msg(system(cmd) == 0, "failed: %s", cmd);
	unlink(src);
	return out;
}

/* The bytes of a file and the obj read from them (load() keeps both). */
struct loaded {
	uint8_t *buf;
	size_t size;
	struct obj *obj;
};

static struct loaded load(const char *path)
{
	struct loaded l;
	struct ipbp_err err;

	l.buf = unit_read_file(path, &l.size);
	unlink(path);
	ck_assert_msg(obj_load(&l.obj, "test.o", l.buf, l.size, &err) == 0, "%s", err.msg);
	ck_assert_ptr_eq(l.obj->ops, &elf_ops);
	return l;
}

static void unload(struct loaded *l)
{
	obj_free(l->obj);
	free(l->buf);
}

/* Loads bytes that must be refused; returns the message. */
static const char *load_bad_flags(const uint8_t *buf, size_t size, unsigned flags)
{
	static struct ipbp_err err;
	struct obj *obj = NULL;

	err.msg[0] = 0;
	ck_assert_int_lt(obj_load_flags(&obj, "bad.o", buf, size, flags, &err), 0);
	ck_assert_ptr_null(obj);
	ck_assert_msg(strncmp(err.msg, "bad.o: ", 7) == 0 && err.msg[7], "message: '%s'", err.msg);
	return err.msg;
}

static const char *load_bad(const uint8_t *buf, size_t size)
{
	return load_bad_flags(buf, size, 0);
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

/* The nth relocation (from 0) whose target symbol is named name. */
static struct reloc *reloc_to(const struct obj *obj, const char *name, int nth)
{
	struct reloc *r;

	for_each_reloc(obj, r)
		if (r->sym && !strcmp(r->sym->name, name) && nth-- == 0)
			return r;
	ck_abort_msg("no relocation against %s", name);
	return NULL;
}

/* The first relocation of the named type. */
static struct reloc *reloc_of_type(const struct obj *obj, const char *type)
{
	struct reloc *r;

	for_each_reloc(obj, r)
		if (!strcmp(obj_reloc_type_name(obj, r->type), type))
			return r;
	ck_abort_msg("no %s relocation", type);
	return NULL;
}

static void check_reloc(const struct obj *obj, const struct reloc *r, const char *type,
			enum reloc_kind kind, unsigned width, int64_t addend)
{
	ck_assert_str_eq(obj_reloc_type_name(obj, r->type), type);
	ck_assert_int_eq(r->kind, kind);
	ck_assert_uint_eq(r->width, width);
	ck_assert_int_eq(r->addend, addend);
}

static uint64_t rd(const uint8_t *p, unsigned n)	/* little endian */
{
	uint64_t v = 0;

	while (n--)
		v = (v << 8) | p[n];
	return v;
}

static void wr(uint8_t *p, unsigned n, uint64_t v)
{
	for (unsigned i = 0; i < n; i++, v >>= 8)
		p[i] = (uint8_t)v;
}

/* Offset of the section header of the first section of type sh_type (ELF64 LE). */
static size_t shdr64(const struct loaded *l, uint32_t sh_type)
{
	uint64_t shoff = rd(l->buf + 40, 8);
	unsigned shnum = rd(l->buf + 60, 2);

	for (unsigned i = 1; i < shnum; i++) {
		size_t h = shoff + 64 * i;

		if (rd(l->buf + h + 4, 4) == sh_type)
			return h;
	}
	ck_abort_msg("no section of type %u", sh_type);
	return 0;
}

/* ---- objects ------------------------------------------------------------- */

static const char x86_source[] =
	"__attribute__((weak)) int weak_value = 7;\n"
	"extern int maybe(int) __attribute__((weak));\n"
	"int common_counter;\n"
	"static int counter;\n"
	"__attribute__((visibility(\"hidden\"))) int hidden_value = 3;\n"
	"_Thread_local int tls_counter = 5;\n"
	"_Thread_local char tls_buffer[64];\n"
	"const int table[4] = { 1, 2, 3, 4 };\n"
	"extern int ext(const char *);\n"
	"static __attribute__((noinline)) int helper(int x) { return x + counter++; }\n"
	"int entry(int x)\n"
	"{\n"
	"	common_counter++;\n"
	"	tls_buffer[x & 63] = 1;\n"
	"	if (maybe)\n"
	"		return maybe(x) + tls_counter;\n"
	"	return ext(\"hello\") + helper(x) + weak_value + table[x & 3] + hidden_value;\n"
	"}\n";

START_TEST(x86_64_symbols_sections_and_kinds)
{
	struct loaded l = load(unit_compile("x86_64-linux-gnu", "-O2 -g -fcommon -fno-pic", x86_source));
	struct obj *obj = l.obj;
	struct symbol *s;

	ck_assert_int_eq(obj->format, FORMAT_ELF);
	ck_assert_int_eq(obj->arch, ARCH_X86_64);
	ck_assert_int_eq(obj->type, OBJ_RELOCATABLE);
	ck_assert_uint_eq(obj->bits, 64);
	ck_assert(!obj->big_endian);

	ck_assert_int_eq(sec(obj, ".text")->kind, SEC_CODE);
	ck_assert_uint_eq(sec(obj, ".text")->flags, SECF_ALLOC | SECF_EXEC);
	ck_assert_int_eq(sec(obj, ".data")->kind, SEC_DATA);
	ck_assert_int_eq(sec(obj, ".bss")->kind, SEC_BSS);
	ck_assert_ptr_null(sec(obj, ".bss")->data);
	ck_assert_int_eq(sec(obj, ".rodata")->kind, SEC_RODATA);
	ck_assert_int_eq(sec(obj, ".rodata.str1.1")->kind, SEC_STRINGS);
	ck_assert_int_eq(sec(obj, ".tdata")->kind, SEC_TLS_DATA);
	ck_assert_int_eq(sec(obj, ".tbss")->kind, SEC_TLS_BSS);
	ck_assert_int_eq(sec(obj, ".comment")->kind, SEC_NOTE);
	ck_assert_int_eq(sec(obj, ".note.GNU-stack")->kind, SEC_NOTE);
	ck_assert_int_eq(sec(obj, ".eh_frame")->kind, SEC_UNWIND);
	ck_assert_int_eq(sec(obj, ".debug_info")->kind, SEC_DEBUG);
	ck_assert_int_eq(sec(obj, ".debug_str")->kind, SEC_DEBUG);
	ck_assert_int_eq(sec(obj, ".symtab")->kind, SEC_META);
	ck_assert_int_eq(sec(obj, ".rela.text")->kind, SEC_META);
	ck_assert_int_eq(sec(obj, ".llvm_addrsig")->kind, SEC_META);
	ck_assert_ptr_eq(sec(obj, ".text")->data,
			 l.buf + (sec(obj, ".text")->data - l.buf));	/* in place */
	ck_assert(sec(obj, ".text")->data > l.buf &&
		  sec(obj, ".text")->data < l.buf + l.size);

	s = sym(obj, "entry");
	ck_assert_int_eq(s->kind, SYMK_FUNC);
	ck_assert_int_eq(s->bind, BIND_GLOBAL);
	ck_assert_str_eq(s->sec->name, ".text");
	ck_assert_uint_gt(s->size, 0);
	ck_assert_ptr_null(s->file);
	s = sym(obj, "helper");
	ck_assert_int_eq(s->bind, BIND_LOCAL);
	ck_assert_ptr_nonnull(s->file);
	ck_assert(strstr(s->file, "ipbp-unit-") != NULL);
	s = sym(obj, "counter");
	ck_assert_int_eq(s->kind, SYMK_DATA);
	ck_assert_str_eq(s->sec->name, ".bss");
	s = sym(obj, "weak_value");
	ck_assert_int_eq(s->bind, BIND_WEAK);
	ck_assert(is_defined(s));
	s = sym(obj, "maybe");
	ck_assert_int_eq(s->bind, BIND_WEAK);
	ck_assert_uint_eq(s->flags & SYMF_UNDEF, SYMF_UNDEF);
	ck_assert_ptr_null(s->sec);
	s = sym(obj, "common_counter");
	ck_assert_uint_eq(s->flags & SYMF_COMMON, SYMF_COMMON);
	ck_assert_uint_eq(s->size, 4);
	ck_assert_uint_eq(s->value, 4);		/* the alignment */
	ck_assert_ptr_null(s->sec);
	ck_assert_uint_eq(sym(obj, "hidden_value")->flags & SYMF_HIDDEN, SYMF_HIDDEN);
	s = sym(obj, "tls_counter");
	ck_assert_int_eq(s->kind, SYMK_TLS);
	ck_assert_str_eq(s->sec->name, ".tdata");
	ck_assert_str_eq(sym(obj, "tls_buffer")->sec->name, ".tbss");
	ck_assert_int_eq(sym(obj, "table")->sec->kind, SEC_RODATA);
	unload(&l);
}
END_TEST

START_TEST(x86_64_file_symbol_and_section_symbols)
{
	struct loaded l = load(unit_compile("x86_64-linux-gnu", "-O2", x86_source));
	struct obj *obj = l.obj;
	struct symbol *s, *file = NULL;
	size_t nsecsyms = 0;

	for_each_symbol(obj, s) {
		if (s->kind == SYMK_FILE) {
			file = s;
			ck_assert_uint_eq(s->flags & SYMF_ABS, SYMF_ABS);
		}
		if (s->kind == SYMK_SECTION) {
			nsecsyms++;
			ck_assert_ptr_eq(s->sec->secsym, s);
		}
	}
	ck_assert_ptr_nonnull(file);
	ck_assert_str_eq(sym(obj, "helper")->file, file->name);
	ck_assert_uint_gt(nsecsyms, 0);
	unload(&l);
}
END_TEST

START_TEST(x86_64_relocations_kinds_and_bias)
{
	struct loaded l = load(unit_compile("x86_64-linux-gnu", "-O2 -fcommon -fPIC", x86_source));
	struct obj *obj = l.obj;
	struct reloc *r;

	r = reloc_to(obj, "ext", 0);
	check_reloc(obj, r, "R_X86_64_PLT32", RK_BRANCH, 4, -4);
	ck_assert_int_eq(r->bias, 4);
	ck_assert_ptr_eq(r->target, sym(obj, "ext"));
	ck_assert_int_eq(r->target_offset, 0);
	ck_assert_str_eq(r->sec->name, ".text");
	r = reloc_to(obj, "maybe", 0);	/* cmpq $0, maybe@GOTPCREL(%rip): imm8 after */
	check_reloc(obj, r, "R_X86_64_GOTPCREL", RK_GOT, 4, -5);
	ck_assert_int_eq(r->bias, 4);
	r = reloc_to(obj, "tls_counter", 0);
	check_reloc(obj, r, "R_X86_64_TLSGD", RK_TLS, 4, -4);
	r = reloc_to(obj, "hidden_value", 0);
	check_reloc(obj, r, "R_X86_64_PC32", RK_PCREL, 4, -4);
	ck_assert_ptr_eq(r->target, sym(obj, "hidden_value"));
	/* .eh_frame is data: pc-relative there has no instruction bias */
	for_each_reloc(obj, r)
		if (!strcmp(r->sec->name, ".eh_frame")) {
			ck_assert_int_eq(r->bias, 0);
			ck_assert_int_eq(r->target->kind, SYMK_FUNC);
			ck_assert_int_eq(r->target_offset, 0);
			break;
		}
	unload(&l);

	l = load(unit_compile("x86_64-linux-gnu", "-O2 -fcommon -fno-pic", x86_source));
	obj = l.obj;
	check_reloc(obj, reloc_to(obj, "tls_counter", 0), "R_X86_64_TPOFF32", RK_TLS, 4, 0);
	check_reloc(obj, reloc_to(obj, "maybe", 0), "R_X86_64_32", RK_ABS, 4, 0);
	unload(&l);

	l = load(unit_compile("x86_64-linux-gnu", "-O2 -fPIC -ftls-model=initial-exec", x86_source));
	check_reloc(l.obj, reloc_to(l.obj, "tls_counter", 0), "R_X86_64_GOTTPOFF", RK_TLS, 4, -4);
	unload(&l);
	l = load(unit_compile("x86_64-linux-gnu", "-O2 -fPIC -ftls-model=local-dynamic",
			      "static _Thread_local int t; int *f(void) { return &t; }"));
	check_reloc(l.obj, reloc_of_type(l.obj, "R_X86_64_TLSLD"), "R_X86_64_TLSLD", RK_TLS, 4, -4);
	check_reloc(l.obj, reloc_of_type(l.obj, "R_X86_64_DTPOFF32"), "R_X86_64_DTPOFF32",
		    RK_TLS, 4, 0);
	unload(&l);
}
END_TEST

START_TEST(cxx_inline_function_is_comdat)
{
	struct loaded l = load(unit_compile("x86_64-linux-gnu", "-x c++ -O0",
					    "inline int f() { return 1; }\n"
					    "int g() { return f(); }\n"));
	struct obj *obj = l.obj;
	struct section *s = sec(obj, ".text._Z1fv");

	ck_assert_uint_eq(s->flags & SECF_COMDAT, SECF_COMDAT);
	ck_assert_str_eq(s->comdat, "_Z1fv");
	ck_assert_uint_eq(sec(obj, ".text")->flags & SECF_COMDAT, 0);
	ck_assert_ptr_null(sec(obj, ".text")->comdat);
	ck_assert_int_eq(sec(obj, ".group")->kind, SEC_META);
	ck_assert_int_eq(sym(obj, "_Z1fv")->bind, BIND_WEAK);
	ck_assert_ptr_eq(sym(obj, "_Z1fv")->sec, s);
	unload(&l);
}
END_TEST

START_TEST(i386_rel_addends_are_read_from_the_field)
{
	struct loaded l = load(unit_compile("i686-linux-gnu", "-O2 -fno-pic",
					    "extern int arr[]; extern int g(int);\n"
					    "int f(void) { return arr[3] + g(1); }\n"
					    "int *p = &arr[7];\n"));
	struct obj *obj = l.obj;
	struct reloc *r;

	ck_assert_int_eq(obj->arch, ARCH_I386);
	ck_assert_uint_eq(obj->bits, 32);
	ck_assert_int_eq(sec(obj, ".rel.text")->kind, SEC_META);
	r = reloc_to(obj, "arr", 0);
	check_reloc(obj, r, "R_386_32", RK_ABS, 4, 12);
	ck_assert_uint_eq(r->flags & RELF_INLINE, RELF_INLINE);
	ck_assert_int_eq(r->bias, 0);
	r = reloc_to(obj, "g", 0);
	check_reloc(obj, r, "R_386_PC32", RK_PCREL, 4, -4);
	ck_assert_int_eq(r->bias, 4);
	ck_assert_int_eq(r->target_offset, 0);
	r = reloc_to(obj, "arr", 1);
	check_reloc(obj, r, "R_386_32", RK_ABS, 4, 28);
	ck_assert_str_eq(r->sec->name, ".data");
	unload(&l);

	l = load(unit_compile("i686-linux-gnu", "-O2 -fPIC",
			      "extern int x; int f(void) { return x; }"));
	check_reloc(l.obj, reloc_to(l.obj, "x", 0), "R_386_GOT32X", RK_GOT, 4, 0);
	check_reloc(l.obj, reloc_to(l.obj, "_GLOBAL_OFFSET_TABLE_", 0), "R_386_GOTPC",
		    RK_GOT, 4, 3);
	unload(&l);
}
END_TEST

/* ARM and Thumb-2 encodings, in both byte orders. */
static const char arm_asm[] =
	"	.syntax unified\n"
	"	.arm\n"
	"	.globl f\n"
	"	.type f,%function\n"
	"f:	movw r0, #:lower16:arr+20\n"
	"	movt r0, #:upper16:arr+20\n"
	"	bl g\n"
	"	b h\n"
	"	.thumb\n"
	"	.globl t\n"
	"	.type t,%function\n"
	"	.thumb_func\n"
	"t:	movw r0, #:lower16:arr-8\n"
	"	movt r0, #:upper16:arr-8\n"
	"	bl g\n"
	"	b.w h\n"
	"	beq.w h\n"
	"	.data\n"
	"	.word arr+32\n"
	"	.word arr-.\n"
	"	.word arr(tlsgd)\n"
	"	.section .text.x,\"ax\",%progbits\n"
	"	bx lr\n";

static void check_arm_object(const char *target)
{
	struct loaded l = load(unit_compile(target, "-x assembler", arm_asm));
	struct obj *obj = l.obj;
	struct symbol *t;

	ck_assert_int_eq(obj->arch, ARCH_ARM);
	ck_assert_int_eq(obj->big_endian, strncmp(target, "armeb", 5) == 0);
	check_reloc(obj, reloc_to(obj, "arr", 0), "R_ARM_MOVW_ABS_NC", RK_PAGEOFF, 4, 20);
	check_reloc(obj, reloc_to(obj, "arr", 1), "R_ARM_MOVT_ABS", RK_PAGE, 4, 20);
	check_reloc(obj, reloc_to(obj, "g", 0), "R_ARM_CALL", RK_BRANCH, 4, -8);
	check_reloc(obj, reloc_to(obj, "h", 0), "R_ARM_JUMP24", RK_BRANCH, 4, -8);
	check_reloc(obj, reloc_to(obj, "arr", 2), "R_ARM_THM_MOVW_ABS_NC", RK_PAGEOFF, 4, -8);
	check_reloc(obj, reloc_to(obj, "arr", 3), "R_ARM_THM_MOVT_ABS", RK_PAGE, 4, -8);
	check_reloc(obj, reloc_to(obj, "g", 1), "R_ARM_THM_CALL", RK_BRANCH, 4, -4);
	check_reloc(obj, reloc_to(obj, "h", 1), "R_ARM_THM_JUMP24", RK_BRANCH, 4, -4);
	check_reloc(obj, reloc_to(obj, "h", 2), "R_ARM_THM_JUMP19", RK_BRANCH, 4, -4);
	check_reloc(obj, reloc_to(obj, "arr", 4), "R_ARM_ABS32", RK_ABS, 4, 32);
	check_reloc(obj, reloc_to(obj, "arr", 5), "R_ARM_REL32", RK_PCREL, 4, 0);
	check_reloc(obj, reloc_to(obj, "arr", 6), "R_ARM_TLS_GD32", RK_TLS, 4, 0);
	ck_assert_uint_eq(reloc_to(obj, "arr", 0)->flags & RELF_INLINE, RELF_INLINE);
	ck_assert_int_eq(reloc_to(obj, "g", 0)->bias, 0);
	/* Thumb: the value has bit 0 set, the code starts at the even offset */
	t = sym(obj, "t");
	ck_assert_uint_eq(t->value, 0x11);
	ck_assert_uint_eq(t->offset, 0x10);
	ck_assert_uint_eq(sym(obj, "$t.1")->flags & SYMF_TEMP, SYMF_TEMP);
	unload(&l);
}

START_TEST(arm_rel_addends_in_both_byte_orders)
{
	check_arm_object("armv7-linux-gnueabihf");
	check_arm_object("armebv7-linux-gnueabi");
}
END_TEST

START_TEST(arm_compiled_code_has_exidx)
{
	struct loaded l = load(unit_compile("armv7-linux-gnueabihf", "-O2 -fno-pic",
					    "extern int g(int); int f(int x) { return g(x) + 1; }"));
	struct obj *obj = l.obj;
	struct reloc *r;

	ck_assert_int_eq(sec(obj, ".ARM.exidx")->kind, SEC_UNWIND);
	ck_assert_int_eq(sec(obj, ".ARM.attributes")->kind, SEC_NOTE);
	for_each_reloc(obj, r)
		if (!strcmp(r->sec->name, ".ARM.exidx")) {
			check_reloc(obj, r, "R_ARM_PREL31", RK_PCREL, 4, 0);
			ck_assert_ptr_eq(r->target, sym(obj, "f"));
			break;
		}
	unload(&l);
}
END_TEST

static void check_aarch64_object(const char *target)
{
	struct loaded l = load(unit_compile(target, "-O2 -fno-pic",
					    "extern int arr[]; extern int g(int);\n"
					    "extern _Thread_local int tv;\n"
					    "static _Thread_local int lv;\n"
					    "int f(void) { return arr[3] + g(1) + tv + lv; }\n"
					    "int tail(void) { return g(2); }\n"
					    "int *p = &arr[2];\n"));
	struct obj *obj = l.obj;
	struct reloc *r;

	ck_assert_int_eq(obj->arch, ARCH_AARCH64);
	ck_assert_int_eq(obj->big_endian, strncmp(target, "aarch64_be", 10) == 0);
	check_reloc(obj, reloc_to(obj, "arr", 0), "R_AARCH64_ADR_PREL_PG_HI21", RK_PAGE, 4, 0);
	r = reloc_to(obj, "arr", 1);
	ck_assert_int_eq(r->kind, RK_PAGEOFF);
	ck_assert(strstr(obj_reloc_type_name(obj, r->type), "ABS_LO12_NC") != NULL);
	check_reloc(obj, reloc_to(obj, "g", 0), "R_AARCH64_CALL26", RK_BRANCH, 4, 0);
	check_reloc(obj, reloc_to(obj, "g", 1), "R_AARCH64_JUMP26", RK_BRANCH, 4, 0);
	check_reloc(obj, reloc_to(obj, "arr", 2), "R_AARCH64_ABS64", RK_ABS, 8, 8);
	check_reloc(obj, reloc_to(obj, "tv", 0), "R_AARCH64_TLSIE_ADR_GOTTPREL_PAGE21",
		    RK_TLS, 4, 0);
	check_reloc(obj, reloc_to(obj, "tv", 1), "R_AARCH64_TLSIE_LD64_GOTTPREL_LO12_NC",
		    RK_TLS, 4, 0);
	ck_assert_int_eq(reloc_to(obj, "g", 0)->bias, 0);
	unload(&l);

	l = load(unit_compile(target, "-O2 -fPIC", "extern int x; int f(void) { return x; }"));
	check_reloc(l.obj, reloc_to(l.obj, "x", 0), "R_AARCH64_ADR_GOT_PAGE", RK_GOT, 4, 0);
	check_reloc(l.obj, reloc_to(l.obj, "x", 1), "R_AARCH64_LD64_GOT_LO12_NC", RK_GOT, 4, 0);
	unload(&l);
}

START_TEST(aarch64_relocations_in_both_byte_orders)
{
	check_aarch64_object("aarch64-linux-gnu");
	check_aarch64_object("aarch64_be-linux-gnu");
}
END_TEST

START_TEST(other_machines_load_generically)
{
	struct loaded l = load(unit_compile("riscv64-linux-gnu", "-O2 -fno-pic",
					    "extern int g(int); int f(int x) { return g(x); }"));
	struct obj *obj = l.obj;
	struct reloc *r = reloc_to(obj, "g", 0);

	ck_assert_int_eq(obj->arch, ARCH_UNKNOWN);
	ck_assert_uint_eq(obj->machine, 243);	/* EM_RISCV */
	ck_assert_int_eq(r->kind, RK_OTHER);
	ck_assert(strncmp(obj_reloc_type_name(obj, r->type), "unknown(", 8) == 0);
	ck_assert_int_eq(sym(obj, "f")->kind, SYMK_FUNC);
	unload(&l);

	l = load(unit_compile("powerpc-linux-gnu", "-O2", "int v = 1; int f(void) { return v; }"));
	ck_assert(l.obj->big_endian);
	ck_assert_uint_eq(l.obj->bits, 32);
	ck_assert_str_eq(sym(l.obj, "v")->sec->name, ".data");
	unload(&l);
}
END_TEST

START_TEST(compressed_debug_sections_are_inflated)
{
	struct loaded plain = load(unit_compile("x86_64-linux-gnu", "-O2 -g", x86_source));
	struct loaded gz = load(unit_compile("x86_64-linux-gnu", "-O2 -g -gz=zlib", x86_source));
	struct section *info = sec(gz.obj, ".debug_info");
	struct section *plain_info = sec(plain.obj, ".debug_info");
	struct reloc *r;
	size_t n = 0, n_debug = 0;

	ck_assert_int_eq(info->kind, SEC_DEBUG);
	ck_assert(!(info->flags & SECF_COMPRESSED));
	ck_assert_uint_eq(info->size, plain_info->size);
	ck_assert(memcmp(info->data, plain_info->data, info->size) == 0);
	/* The inflated bytes are outside the file: the section was compressed. */
	ck_assert(info->data < gz.obj->data || info->data >= gz.obj->data + gz.obj->size);
	/* Every relocation is there, those of the debug sections included. */
	for_each_reloc(gz.obj, r) {
		n++;
		n_debug += r->sec->kind == SEC_DEBUG;
	}
	ck_assert_uint_gt(n_debug, 0);
	ck_assert_uint_eq(n, plain.obj->nr_relocs);
	unload(&plain);
	unload(&gz);
}
END_TEST

START_TEST(compressed_sections_can_stay_compressed)
{
	struct loaded gz = load(unit_compile("x86_64-linux-gnu", "-O2 -g -gz=zlib", x86_source));
	struct obj *kept;
	struct section *info, *text;
	struct reloc *r;
	size_t n = 0, n_full = 0;

	ck_assert_int_eq(obj_load_flags(&kept, "test.o", gz.buf, gz.size,
					OBJ_LOAD_KEEP_COMPRESSED, NULL), 0);
	info = sec(kept, ".debug_info");
	text = sec(kept, ".text");
	/* The bytes in the file, behind their Chdr, and no relocations. */
	ck_assert(info->flags & SECF_COMPRESSED);
	ck_assert(info->data >= gz.buf && info->data + info->size <= gz.buf + gz.size);
	ck_assert_uint_lt(info->size, sec(gz.obj, ".debug_info")->size);
	for_each_reloc(kept, r) {
		ck_assert_int_ne(r->sec->kind, SEC_DEBUG);
		n++;
	}
	/* Code, symbols and the other relocations as in a full load. */
	for_each_reloc(gz.obj, r)
		n_full += r->sec->kind != SEC_DEBUG;
	ck_assert_uint_gt(n, 0);
	ck_assert_uint_eq(n, n_full);
	ck_assert_uint_eq(text->nr_relocs, sec(gz.obj, ".text")->nr_relocs);
	ck_assert_uint_eq(kept->nr_symbols, gz.obj->nr_symbols);
	ck_assert(!(text->flags & SECF_COMPRESSED));
	obj_free(kept);
	unload(&gz);
}
END_TEST

/* ---- linked images ------------------------------------------------------- */

static const char lib_source[] =
	"int counter = 1;\n"
	"static __attribute__((noinline)) int hidden_helper(int x) { return x * 3; }\n"
	"__attribute__((noinline)) int api(int x) { return hidden_helper(x) + counter; }\n"
	"void _start(void) { counter = api(1); for (;;); }\n";

START_TEST(shared_object_symbols_are_section_relative)
{
	struct loaded l = load(build("x86_64-linux-gnu",
				     "-x c -shared -fPIC -O1 -fuse-ld=lld -nostdlib", lib_source));
	struct obj *obj = l.obj;
	struct symbol *s = sym(obj, "api");
	struct section *text = sec(obj, ".text");

	ck_assert_int_eq(obj->type, OBJ_SHARED);
	ck_assert_uint_ne(text->addr, 0);
	ck_assert_ptr_eq(s->sec, text);
	ck_assert_uint_eq(s->offset, s->value - text->addr);
	ck_assert_uint_lt(s->offset, text->size);
	ck_assert_ptr_nonnull(sym(obj, "hidden_helper"));	/* from .symtab */
	ck_assert_int_eq(sec(obj, ".dynsym")->kind, SEC_META);
	ck_assert_int_eq(sec(obj, ".dynamic")->kind, SEC_META);
	ck_assert_uint_eq(obj->nr_relocs, 0);	/* dynamic relocations are not read */
	unload(&l);

	/* Stripped: .dynsym stands in for .symtab. */
	l = load(build("x86_64-linux-gnu",
		       "-x c -shared -fPIC -O1 -fuse-ld=lld -nostdlib -Wl,--strip-all", lib_source));
	obj = l.obj;
	ck_assert_ptr_null(obj_find_section(obj, ".symtab"));
	s = sym(obj, "api");
	ck_assert_int_eq(s->kind, SYMK_FUNC);
	ck_assert_uint_eq(s->offset, s->value - s->sec->addr);
	ck_assert_ptr_null(obj_find_symbol(obj, "hidden_helper"));
	unload(&l);
}
END_TEST

START_TEST(executable_with_emitted_relocations)
{
	struct loaded l = load(build("x86_64-linux-gnu",
				     "-x c -static -O1 -fno-pic -fuse-ld=lld -nostdlib -Wl,--emit-relocs",
				     lib_source));
	struct obj *obj = l.obj;
	struct symbol *api = sym(obj, "api"), *start = sym(obj, "_start");
	struct reloc *r;

	ck_assert_int_eq(obj->type, OBJ_EXECUTABLE);
	ck_assert_uint_eq(api->offset, api->value - sec(obj, ".text")->addr);
	r = reloc_to(obj, "api", 0);
	ck_assert_ptr_eq(r->sec, start->sec);
	ck_assert_uint_ge(r->offset, start->offset);
	ck_assert_uint_lt(r->offset, start->offset + start->size);
	ck_assert_ptr_eq(r->target, api);
	unload(&l);

	/* REL in a linked image: the field holds the result, not the addend. */
	l = load(build("i686-linux-gnu",
		       "-x c -static -O1 -fno-pic -fuse-ld=lld -nostdlib -Wl,--emit-relocs",
		       lib_source));
	r = reloc_to(l.obj, "api", 0);
	ck_assert_str_eq(obj_reloc_type_name(l.obj, r->type), "R_386_PC32");
	ck_assert_uint_eq(r->flags & RELF_INLINE, 0);
	ck_assert_int_eq(r->addend, 0);
	unload(&l);

	l = load(build("aarch64-linux-gnu", "-x c -pie -fPIC -O1 -fuse-ld=lld -nostdlib", lib_source));
	ck_assert_int_eq(l.obj->type, OBJ_EXECUTABLE);	/* a PIE, told by .interp */
	ck_assert_int_eq(l.obj->arch, ARCH_AARCH64);
	unload(&l);
}
END_TEST

/* ---- extended section numbering ----------------------------------------- */

START_TEST(extended_section_numbering)
{
	size_t n = 66000, len = 0, cap = n * 64;
	char *src = malloc(cap);
	struct loaded l;
	struct symbol *s;

	ck_assert(src);
	for (size_t i = 0; i < n; i++)
		len += snprintf(src + len, cap - len,
				"\t.section .d%zu,\"aw\"\n\t.globl v%zu\nv%zu:\t.byte 1\n", i, i, i);
	l = load(build("x86_64-linux-gnu", "-c -x assembler", src));
	free(src);
	ck_assert_uint_gt(l.obj->nr_sections, n);
	s = sym(l.obj, "v65999");
	ck_assert_str_eq(s->sec->name, ".d65999");
	ck_assert_uint_gt(s->sec->native_index, 0xff00);
	ck_assert_str_eq(sym(l.obj, "v3")->sec->name, ".d3");
	unload(&l);
}
END_TEST

/* ---- bad input ----------------------------------------------------------- */

START_TEST(truncated_input_is_an_error_with_a_message)
{
	const char *path = unit_compile("x86_64-linux-gnu", "-O2", x86_source);
	size_t size;
	uint8_t *buf = unit_read_file(path, &size);

	unlink(path);
	ck_assert(strstr(load_bad(buf, 10), "truncated ELF header"));
	ck_assert(strstr(load_bad(buf, 63), "truncated ELF header"));
	ck_assert(strstr(load_bad(buf, size - 1), "section header table extends past end of file"));
	/* Every prefix: an error with a message, never a crash. */
	for (size_t n = 4; n < size; n += (n < 256 ? 1 : 61)) {
		uint8_t *copy = malloc(n);	/* exact size: ASan sees overreads */

		memcpy(copy, buf, n);
		load_bad(copy, n);
		free(copy);
	}
	free(buf);
}
END_TEST

START_TEST(corrupted_fields_are_errors_with_messages)
{
	struct loaded l = load(unit_compile("x86_64-linux-gnu", "-O2", x86_source));
	uint8_t *b = l.buf;
	size_t symtab = shdr64(&l, 2 /* SHT_SYMTAB */), rela = shdr64(&l, 4 /* SHT_RELA */);
	uint64_t sym1 = rd(b + symtab + 24, 8) + 24;	/* symbol 1 */
	uint64_t rela0 = rd(b + rela + 24, 8);		/* first relocation */
	uint8_t save[8];

	obj_free(l.obj);
	ck_assert(strstr(load_bad((uint8_t *)"\177ELF\3\1\1", 7), "truncated ELF header"));

	memcpy(save, b + 40, 8);
	wr(b + 40, 8, UINT64_MAX - 10);			/* e_shoff */
	ck_assert(strstr(load_bad(b, l.size), "section header table"));
	memcpy(b + 40, save, 8);

	b[4] = 9;					/* EI_CLASS */
	ck_assert(strstr(load_bad(b, l.size), "bad ELF class"));
	b[4] = 2;

	memcpy(save, b + 62, 2);
	wr(b + 62, 2, 0xfff0);				/* e_shstrndx */
	ck_assert(strstr(load_bad(b, l.size), "bad section name table index"));
	memcpy(b + 62, save, 2);

	memcpy(save, b + symtab + 40, 4);
	wr(b + symtab + 40, 4, 0x7777);			/* symtab sh_link */
	ck_assert(strstr(load_bad(b, l.size), "string table"));
	memcpy(b + symtab + 40, save, 4);

	memcpy(save, b + sym1 + 6, 2);
	wr(b + sym1 + 6, 2, 0x7777);			/* st_shndx */
	ck_assert(strstr(load_bad(b, l.size), "bad section index"));
	memcpy(b + sym1 + 6, save, 2);

	memcpy(save, b + sym1, 4);
	wr(b + sym1, 4, 0x7fffffff);			/* st_name */
	ck_assert(strstr(load_bad(b, l.size), "past end of section"));
	memcpy(b + sym1, save, 4);

	memcpy(save, b + rela0 + 12, 4);
	wr(b + rela0 + 12, 4, 0x123456);		/* r_info symbol */
	ck_assert(strstr(load_bad(b, l.size), "bad symbol index"));
	/* loaded lazily, whatever range is read later, the same error now */
	ck_assert(strstr(load_bad_flags(b, l.size, OBJ_LOAD_LAZY), "bad symbol index"));
	memcpy(b + rela0 + 12, save, 4);

	memcpy(save, b + rela0, 8);
	wr(b + rela0, 8, 0x10000000);			/* r_offset */
	ck_assert(strstr(load_bad(b, l.size), "past end of .text"));
	ck_assert(strstr(load_bad_flags(b, l.size, OBJ_LOAD_LAZY), "past end of .text"));
	memcpy(b + rela0, save, 8);

	memcpy(save, b + rela + 44, 4);
	wr(b + rela + 44, 4, 0x7777);			/* rela sh_info */
	ck_assert(strstr(load_bad(b, l.size), "applies to bad section"));
	memcpy(b + rela + 44, save, 4);

	/* Symbol 0: a relocation without target (R_ARM_V4BX style). */
	memcpy(save, b + rela0 + 12, 4);
	wr(b + rela0 + 12, 4, 0);
	ck_assert_int_eq(obj_load(&l.obj, "t.o", b, l.size, NULL), 0);
	ck_assert_ptr_null(l.obj->relocs[0]->sym);
	ck_assert_int_eq(l.obj->relocs[0]->kind, RK_NONE);
	obj_free(l.obj);
	memcpy(b + rela0 + 12, save, 4);

	/* An unknown type loads, with a numeric name. */
	memcpy(save, b + rela0 + 8, 4);
	wr(b + rela0 + 8, 4, 250);
	ck_assert_int_eq(obj_load(&l.obj, "t.o", b, l.size, NULL), 0);
	ck_assert_str_eq(obj_reloc_type_name(l.obj, 250), "unknown(250)");
	ck_assert_str_eq(obj_reloc_type_name(l.obj, 4), "R_X86_64_PLT32");
	obj_free(l.obj);
	/* Loaded lazily, the entry stays in the file: named all the same. */
	ck_assert_int_eq(obj_load_flags(&l.obj, "t.o", b, l.size, OBJ_LOAD_LAZY, NULL), 0);
	ck_assert_ptr_nonnull(obj_find_section(l.obj, ".text")->lazy);
	ck_assert_str_eq(obj_reloc_type_name(l.obj, 250), "unknown(250)");
	obj_free(l.obj);
	memcpy(b + rela0 + 8, save, 4);

	ck_assert_int_eq(obj_load(&l.obj, "t.o", b, l.size, NULL), 0);	/* restored */
	unload(&l);
}
END_TEST

/* The relocations of sec, one line each, in the model's (offset) order,
 * as read and as obj_finalize() resolved them. */
static char *relocs_of(const struct section *sec)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	ck_assert(f);
	for (size_t i = 0; i < sec->nr_relocs; i++) {
		const struct reloc *r = sec->relocs[i];

		fprintf(f, "%llx %u %s %lld: %s%+lld bias %lld\n", (unsigned long long)r->offset,
			r->type, r->sym ? r->sym->name : "-", (long long)r->addend,
			r->target ? r->target->name : "-", (long long)r->target_offset,
			(long long)r->bias);
	}
	fclose(f);
	return text;
}

/*
 * An assembler writes a table in offset order; a lazy load reads one in
 * any other order through an order of its own.  The table reversed, every
 * range loaded, one symbol at a time and then the rest: what a whole load
 * of the same bytes gives.
 */
START_TEST(relocations_out_of_order_load_lazily_as_whole)
{
	struct loaded l = load(unit_compile("x86_64-linux-gnu", "-O2", x86_source));
	size_t rela = shdr64(&l, 4 /* SHT_RELA */);
	uint64_t at = rd(l.buf + rela + 24, 8), n = rd(l.buf + rela + 32, 8) / 24;
	struct section *text;
	struct symbol *sym;
	struct obj *lazy;
	char *whole, *got;

	obj_free(l.obj);
	ck_assert_uint_ge(n, 3);
	for (uint64_t i = 0; i < n / 2; i++) {
		uint8_t tmp[24];

		memcpy(tmp, l.buf + at + 24 * i, 24);
		memcpy(l.buf + at + 24 * i, l.buf + at + 24 * (n - 1 - i), 24);
		memcpy(l.buf + at + 24 * (n - 1 - i), tmp, 24);
	}
	ck_assert_int_eq(obj_load(&l.obj, "test.o", l.buf, l.size, NULL), 0);
	text = obj_find_section(l.obj, ".text");
	ck_assert_uint_eq(text->nr_relocs, n);
	whole = relocs_of(text);

	ck_assert_int_eq(obj_load_flags(&lazy, "test.o", l.buf, l.size, OBJ_LOAD_LAZY, NULL), 0);
	text = obj_find_section(lazy, ".text");
	ck_assert_ptr_nonnull(text->lazy);
	for_each_symbol(lazy, sym)
		if (sym->sec == text && sym->kind == SYMK_FUNC)
			ck_assert_int_eq(obj_load_range(lazy, text, sym->offset,
							sym->offset + sym->size, NULL), 0);
	ck_assert_int_eq(obj_load_range(lazy, text, 0, text->size, NULL), 0);
	ck_assert_ptr_null(text->lazy);
	got = relocs_of(text);
	ck_assert_str_eq(got, whole);
	free(got);
	free(whole);
	obj_free(lazy);
	unload(&l);
}
END_TEST

static const char switch_source[] =
	"int f0(int), f1(int), f2(int), f3(int), f4(int), f5(int);\n"
	"int pick(int k, int x)\n"
	"{\n"
	"\tswitch (k) {\n"
	"\tcase 0: return f0(x) + 1;\n"
	"\tcase 1: return f1(x) * 3;\n"
	"\tcase 2: return f2(x) - 7;\n"
	"\tcase 3: return f3(x) ^ 5;\n"
	"\tcase 4: return f4(x) << 2;\n"
	"\tcase 5: return f5(x) / 9;\n"
	"\t}\n"
	"\treturn 0;\n"
	"}\n";

/*
 * A relative jump table's entries count from the table's start, which
 * only the code's reference to it tells: a lazy load must read that
 * reference at once, or the entries of the (not lazy) table data point
 * into the wrong places.
 */
START_TEST(lazy_load_anchors_relative_jump_tables)
{
	struct loaded l = load(unit_compile("x86_64-linux-gnu", "-O2 -fPIC", switch_source));
	const struct section *table;
	struct obj *lazy;
	char *whole, *got;
	size_t anchored = 0;

	table = obj_find_section(l.obj, ".rodata");
	ck_assert_ptr_nonnull(table);
	for (size_t i = 0; i < table->nr_relocs; i++)
		anchored += table->relocs[i]->bias != 0;
	ck_assert_uint_ge(anchored, 5);	/* the entries after the first */
	whole = relocs_of(table);

	ck_assert_int_eq(obj_load_flags(&lazy, "test.o", l.buf, l.size, OBJ_LOAD_LAZY, NULL), 0);
	ck_assert_ptr_nonnull(obj_find_section(lazy, ".text")->lazy);
	got = relocs_of(obj_find_section(lazy, ".rodata"));
	ck_assert_str_eq(got, whole);
	free(got);
	free(whole);
	obj_free(lazy);
	unload(&l);
}
END_TEST

/* Random byte mutations: every result is a model or an error with a message. */
START_TEST(random_mutations_never_crash)
{
	const char *path = unit_compile("i686-linux-gnu", "-O2 -g -fcommon", x86_source);
	size_t size;
	uint8_t *orig = unit_read_file(path, &size), *buf = malloc(size);
	uint64_t seed = 88172645463325252ull;

	unlink(path);
	ck_assert(buf);
	for (int iter = 0; iter < 3000; iter++) {
		struct ipbp_err err;
		struct obj *obj;

		memcpy(buf, orig, size);
		for (int k = 0; k < 1 + iter % 8; k++) {
			seed ^= seed << 13, seed ^= seed >> 7, seed ^= seed << 17;
			buf[(seed >> 8) % size] = (uint8_t)seed;
		}
		err.msg[0] = 0;
		if (obj_load(&obj, "m.o", buf, size, &err) == 0)
			obj_free(obj);
		else
			ck_assert_msg(err.msg[0] != 0, "error without a message");
	}
	free(buf);
	free(orig);
}
END_TEST

static Suite *elf_suite(void)
{
	Suite *s = suite_create("elf");
	TCase *tc = tcase_create("elf");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, x86_64_symbols_sections_and_kinds);
	tcase_add_test(tc, x86_64_file_symbol_and_section_symbols);
	tcase_add_test(tc, x86_64_relocations_kinds_and_bias);
	tcase_add_test(tc, cxx_inline_function_is_comdat);
	tcase_add_test(tc, i386_rel_addends_are_read_from_the_field);
	tcase_add_test(tc, relocations_out_of_order_load_lazily_as_whole);
	tcase_add_test(tc, lazy_load_anchors_relative_jump_tables);
	tcase_add_test(tc, arm_rel_addends_in_both_byte_orders);
	tcase_add_test(tc, arm_compiled_code_has_exidx);
	tcase_add_test(tc, aarch64_relocations_in_both_byte_orders);
	tcase_add_test(tc, other_machines_load_generically);
	tcase_add_test(tc, compressed_debug_sections_are_inflated);
	tcase_add_test(tc, compressed_sections_can_stay_compressed);
	tcase_add_test(tc, shared_object_symbols_are_section_relative);
	tcase_add_test(tc, executable_with_emitted_relocations);
	tcase_add_test(tc, extended_section_numbering);
	tcase_add_test(tc, truncated_input_is_an_error_with_a_message);
	tcase_add_test(tc, corrupted_fields_are_errors_with_messages);
	tcase_add_test(tc, random_mutations_never_crash);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(elf_suite)
