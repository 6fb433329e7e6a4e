// SPDX-License-Identifier: MIT
/*
 * test-decode.c - obj_decode_references(): references the assembler
 * resolved inside one section, found again by decoding instructions.
 *
 * Two kinds of input: small models built by hand around known bytes (every
 * decoded field, kind and target checked exactly; garbage bytes), and
 * objects compiled at test time from testsuite/oracle/src/calls.c and
 * small inline sources for x86_64, i686 and aarch64 Linux.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch.h"
#include "decode.h"
#include "unit.h"

/* ---- hand-built models --------------------------------------------------- */

static struct obj *new_obj(enum obj_arch arch)
{
	struct obj *obj = calloc(1, sizeof(*obj));

	ck_assert(obj != NULL);
	obj->name = "hand.o";
	obj->arch = arch;
	obj->bits = arch == ARCH_I386 ? 32 : 64;
	return obj;
}

static struct section *add_section(struct obj *obj, const char *name,
				   enum section_kind kind, const uint8_t *data,
				   size_t size)
{
	struct section *sec = obj_add_section(obj);
	struct symbol *sym = obj_add_symbol(obj);

	ck_assert(sec && sym);
	sec->name = name;
	sec->kind = kind;
	sec->data = data;
	sec->size = size;
	sym->name = "";
	sym->kind = SYMK_SECTION;
	sym->sec = sec;
	sec->secsym = sym;
	return sec;
}

static struct symbol *add_symbol(struct obj *obj, struct section *sec,
				 const char *name, uint64_t offset, uint64_t size)
{
	struct symbol *sym = obj_add_symbol(obj);

	ck_assert(sym != NULL);
	sym->name = name;
	sym->kind = sec->kind == SEC_CODE ? SYMK_FUNC : SYMK_DATA;
	sym->bind = BIND_GLOBAL;
	sym->sec = sec;
	sym->offset = sym->value = offset;
	sym->size = size;
	return sym;
}

static void decode(struct obj *obj)
{
	struct ipbp_err err = { "" };

	ck_assert_msg(obj_decode_references(obj, &err) == 0, "%s", err.msg);
}

/*
 * The decoded references of obj as text, one per line in offset order:
 * "SECTION+OFF KIND WIDTH TARGET+OFF" (offsets in hex).
 */
static char *decoded_text(const struct obj *obj)
{
	static char buf[8192];
	const struct section *sec;
	const struct reloc *r;
	size_t n = 0;

	buf[0] = 0;
	for_each_section(obj, sec) {
		for_each_section_reloc(sec, r) {
			if (!(r->flags & RELF_DECODED))
				continue;
			ck_assert(r->target != NULL);
			n += snprintf(buf + n, sizeof(buf) - n, "%s+%llx %s %u %s+%llx\n",
				      sec->name, (unsigned long long)r->offset,
				      reloc_kind_name(r->kind), r->width, r->target->name,
				      (unsigned long long)r->target_offset);
			ck_assert(n < sizeof(buf));
		}
	}
	return buf;
}

/*
 * x86-64: f calls g, tail-jumps to g and takes g's address; a short jump
 * inside f, a call out of the section and the get-PC call to the next
 * instruction are not references to decode.  g calls f back and loops to
 * its own start (not a call: internal).
 */
static const uint8_t x86_code[] = {
	0xe8, 0x1b, 0x00, 0x00, 0x00,		/* 00 call g */
	0xeb, 0x00,				/* 05 jmp 07 */
	0xe9, 0x14, 0x00, 0x00, 0x00,		/* 07 jmp g */
	0x48, 0x8d, 0x05, 0x0d, 0x00, 0x00, 0x00, /* 0c lea g(%rip), %rax */
	0xe8, 0x00, 0x00, 0x00, 0x10,		/* 13 call .text+0x10000018 */
	0xe8, 0x00, 0x00, 0x00, 0x00,		/* 18 call 1d */
	0xc3, 0x90, 0x90,			/* 1d ret; nop; nop */
	0xe8, 0xdb, 0xff, 0xff, 0xff,		/* 20 g: call f */
	0x7e, 0xf9,				/* 25 jle g */
	0xc3,					/* 27 ret */
};

START_TEST(test_x86_64_hand)
{
	struct obj *obj = new_obj(ARCH_X86_64);
	struct section *text = add_section(obj, ".text", SEC_CODE, x86_code, sizeof(x86_code));
	struct ipbp_err err;

	add_symbol(obj, text, "f", 0, 0x20);
	add_symbol(obj, text, "g", 0x20, 8);
	ck_assert_int_eq(obj_finalize(obj, &err), 0);
	decode(obj);
	ck_assert_str_eq(decoded_text(obj),
			 ".text+1 branch 4 g+0\n"
			 ".text+8 branch 4 g+0\n"
			 ".text+f pcrel 4 g+0\n"
			 ".text+21 branch 4 f+0\n");
	/* A second pass finds every field covered. */
	ck_assert_uint_eq(obj->nr_relocs, 4);
	decode(obj);
	ck_assert_uint_eq(obj->nr_relocs, 4);
	obj_free(obj);
}
END_TEST

/* A field that already carries a relocation (on any of its bytes) is left
 * to it. */
START_TEST(test_relocated_field_is_skipped)
{
	struct obj *obj = new_obj(ARCH_X86_64);
	struct section *text = add_section(obj, ".text", SEC_CODE, x86_code, sizeof(x86_code));
	struct symbol *ext = obj_add_symbol(obj);
	struct reloc *r = obj_add_reloc(obj);
	struct ipbp_err err;

	add_symbol(obj, text, "f", 0, 0x20);
	add_symbol(obj, text, "g", 0x20, 8);
	ext->name = "ext";
	ext->flags = SYMF_UNDEF;
	r->sec = text;
	r->offset = 9;		/* inside the jmp's rel32 at 8 */
	r->kind = RK_PCREL;
	r->width = 2;
	r->sym = ext;
	ck_assert_int_eq(obj_finalize(obj, &err), 0);
	decode(obj);
	ck_assert_str_eq(decoded_text(obj),
			 ".text+1 branch 4 g+0\n"
			 ".text+f pcrel 4 g+0\n"
			 ".text+21 branch 4 f+0\n");
	obj_free(obj);
}
END_TEST

/*
 * aarch64: f: bl g; b.ne (internal); cbz g; adr lit; ldr lit; tbz g;
 * g: bl f; lit: 8 bytes of data (undecodable, skipped).
 */
static const uint8_t arm64_code[] = {
	0x08, 0x00, 0x00, 0x94,		/* 00 bl g */
	0x41, 0x00, 0x00, 0x54,		/* 04 b.ne 0c */
	0xc0, 0x00, 0x00, 0xb4,		/* 08 cbz x0, g */
	0xe0, 0x00, 0x00, 0x10,		/* 0c adr x0, lit */
	0xc1, 0x00, 0x00, 0x58,		/* 10 ldr x1, lit */
	0x62, 0x00, 0x18, 0x36,		/* 14 tbz w2, #3, g */
	0xc0, 0x03, 0x5f, 0xd6,		/* 18 ret */
	0x1f, 0x20, 0x03, 0xd5,		/* 1c nop */
	0xf8, 0xff, 0xff, 0x97,		/* 20 g: bl f */
	0xc0, 0x03, 0x5f, 0xd6,		/* 24 ret */
	0, 0, 0, 0, 0, 0, 0, 0,		/* 28 lit */
	0x00, 0x00,			/* 30 a partial word */
};

START_TEST(test_aarch64_hand)
{
	struct obj *obj = new_obj(ARCH_AARCH64);
	struct section *text = add_section(obj, ".text", SEC_CODE, arm64_code, sizeof(arm64_code));
	struct symbol *lit;
	struct ipbp_err err;

	add_symbol(obj, text, "f", 0, 0x20);
	add_symbol(obj, text, "g", 0x20, 8);
	lit = add_symbol(obj, text, "lit", 0x28, 8);
	lit->kind = SYMK_DATA;
	ck_assert_int_eq(obj_finalize(obj, &err), 0);
	decode(obj);
	ck_assert_str_eq(decoded_text(obj),
			 ".text+0 branch 4 g+0\n"
			 ".text+8 branch 4 g+0\n"
			 ".text+c pcrel 4 lit+0\n"
			 ".text+10 pcrel 4 lit+0\n"
			 ".text+14 branch 4 g+0\n"
			 ".text+20 branch 4 f+0\n");
	obj_free(obj);
}
END_TEST

/*
 * The sweep restarts at every symbol: g's call at 2 is found although a
 * sweep from f's start reads "movabs $imm64, %rax" over it (f is a
 * two-byte stub that a continuous sweep would run past).
 */
static const uint8_t restart_code[] = {
	0x48, 0xb8,				/* 00 f: (a cut movabs) */
	0xe8, 0x05, 0x00, 0x00, 0x00,		/* 02 g: call h */
	0x90, 0x90, 0x90, 0x90, 0x90,		/* 07 nops */
	0xc3,					/* 0c h: ret */
};

START_TEST(test_sweep_restarts_at_symbols)
{
	struct obj *obj = new_obj(ARCH_X86_64);
	struct section *text = add_section(obj, ".text", SEC_CODE, restart_code,
					   sizeof(restart_code));
	struct ipbp_err err;

	add_symbol(obj, text, "f", 0, 2);
	add_symbol(obj, text, "g", 2, 10);
	add_symbol(obj, text, "h", 0xc, 1);
	ck_assert_int_eq(obj_finalize(obj, &err), 0);
	decode(obj);
	ck_assert_str_eq(decoded_text(obj), ".text+3 branch 4 h+0\n");
	obj_free(obj);
}
END_TEST

/*
 * An arm64 adrp names a 4 KB page, so the same bytes 16 bytes further on
 * do not name a page 16 bytes further on: the memo must not hand the first
 * object's answer to the second.  f is the same 0xff0 bytes in both (adrp
 * x0, the page after this one; ret; zeros), at 0 and at 0x10; "page" is at
 * 0x1000 in both.
 */
START_TEST(test_memo_keeps_adrp_pages)
{
	static uint8_t a_code[0x1100], b_code[0x1100];
	static const uint8_t f[] = { 0x00, 0x00, 0x00, 0xb0, 0xc0, 0x03, 0x5f, 0xd6 };
	static const uint8_t nop[] = { 0x1f, 0x20, 0x03, 0xd5 };
	struct obj *a = new_obj(ARCH_AARCH64), *b = new_obj(ARCH_AARCH64);
	struct section *at, *bt;
	struct decode_memo *memo = decode_memo_new();
	struct ipbp_err err = { "" };
	char *plain;

	memcpy(a_code, f, sizeof(f));
	for (size_t i = 0; i < 0x10; i += 4)
		memcpy(b_code + i, nop, 4);
	memcpy(b_code + 0x10, f, sizeof(f));
	at = add_section(a, ".text", SEC_CODE, a_code, sizeof(a_code));
	bt = add_section(b, ".text", SEC_CODE, b_code, sizeof(b_code));
	add_symbol(a, at, "f", 0, 8);
	add_symbol(a, at, "tail", 0xff0, 0x10);
	add_symbol(b, bt, "pad", 0, 0x10);
	add_symbol(b, bt, "f", 0x10, 8);
	add_symbol(a, at, "page", 0x1000, 0x100)->kind = SYMK_DATA;
	add_symbol(b, bt, "page", 0x1000, 0x100)->kind = SYMK_DATA;
	ck_assert_int_eq(obj_finalize(a, &err), 0);
	ck_assert_int_eq(obj_finalize(b, &err), 0);
	ck_assert(memo != NULL);
	ck_assert_int_eq(obj_decode_references_memo(a, memo, &err), 0);
	ck_assert_str_eq(decoded_text(a), ".text+0 page 4 page+0\n");
	ck_assert_int_eq(obj_decode_references_memo(b, memo, &err), 0);
	plain = strdup(decoded_text(b));
	ck_assert_str_eq(plain, ".text+10 page 4 page+0\n");
	free(plain);
	decode_memo_free(memo);
	obj_free(a);
	obj_free(b);
}
END_TEST

/*
 * Bias refinement by hand: "movl $1, counter(%rip)" with its ELF-style
 * relocation .bss + 4 - 8, bias 4.  Read literally that is .bss+0, the
 * variable a; the CPU counts from the end of the instruction, 8 bytes
 * after the field: counter.
 */
START_TEST(test_bias_refinement_hand)
{
	static const uint8_t code[] = {
		0xc7, 0x05, 0xf8, 0xff, 0xff, 0xff, 0x01, 0x00, 0x00, 0x00,
		0xc3,
	};
	struct obj *obj = new_obj(ARCH_X86_64);
	struct section *text = add_section(obj, ".text", SEC_CODE, code, sizeof(code));
	struct section *bss = add_section(obj, ".bss", SEC_BSS, NULL, 8);
	struct reloc *r = obj_add_reloc(obj);
	struct ipbp_err err;

	add_symbol(obj, text, "f", 0, sizeof(code));
	add_symbol(obj, bss, "a", 0, 4);
	add_symbol(obj, bss, "counter", 4, 4);
	r->sec = text;
	r->offset = 2;
	r->kind = RK_PCREL;
	r->width = 4;
	r->sym = bss->secsym;
	r->addend = 4 - 8;
	r->bias = 4;
	ck_assert_int_eq(obj_finalize(obj, &err), 0);
	ck_assert_str_eq(r->target->name, "a");
	decode(obj);
	ck_assert_int_eq(r->bias, 8);
	ck_assert_str_eq(r->target->name, "counter");
	ck_assert_int_eq(r->target_offset, 0);
	ck_assert_uint_eq(obj->nr_relocs, 1);
	obj_free(obj);
}
END_TEST

/* Deterministic pseudo-random bytes (a 64-bit LCG's high bits). */
static void fill_garbage(uint8_t *buf, size_t size, uint64_t seed)
{
	for (size_t i = 0; i < size; i++) {
		seed = seed * 6364136223846793005ull + 1442695040888963407ull;
		buf[i] = (uint8_t)(seed >> 56);
	}
}

static void check_garbage(enum obj_arch arch, size_t size, uint64_t seed)
{
	uint8_t *buf = malloc(size + 1);
	struct obj *obj = new_obj(arch);
	struct section *text;
	struct ipbp_err err;
	struct reloc *r;
	size_t n;

	ck_assert(buf != NULL);
	fill_garbage(buf, size, seed);
	text = add_section(obj, ".text", SEC_CODE, buf, size);
	add_section(obj, ".text.empty", SEC_CODE, buf, 0);
	add_section(obj, ".text.nodata", SEC_CODE, NULL, 64);
	for (uint64_t off = 0; off + 64 <= size; off += 64)
		add_symbol(obj, text, "fn", off, 64);
	ck_assert_int_eq(obj_finalize(obj, &err), 0);
	decode(obj);
	n = obj->nr_relocs;
	for_each_reloc(obj, r) {
		ck_assert(r->flags & RELF_DECODED);
		ck_assert(r->sec == text);
		ck_assert(in_bounds(size, r->offset, r->width));
		ck_assert(r->addend >= 0 && (uint64_t)r->addend < size);
		ck_assert(r->target != NULL);
	}
	decode(obj);
	ck_assert_uint_eq(obj->nr_relocs, n);
	obj_free(obj);
	free(buf);
}

START_TEST(test_garbage_never_crashes)
{
	static const enum obj_arch arches[] = { ARCH_X86_64, ARCH_I386, ARCH_AARCH64 };
	static const size_t sizes[] = { 1, 3, 15, 17, 255, 4093, 65536 };

	for (size_t a = 0; a < 3; a++)
		for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++)
			check_garbage(arches[a], sizes[s], a * 100 + s + 1);
}
END_TEST

START_TEST(test_no_decoder)
{
	static const uint8_t code[] = { 0x00, 0x00, 0xa0, 0xe1 };
	struct obj *obj = new_obj(ARCH_ARM);
	struct ipbp_err err = { "" };
	csh cs;

	add_section(obj, ".text", SEC_CODE, code, sizeof(code));
	ck_assert_int_eq(obj_finalize(obj, &err), 0);
	decode(obj);
	ck_assert_uint_eq(obj->nr_relocs, 0);
	ck_assert_int_eq(arch_disasm_open(obj, &cs, NULL, &err), -1);
	ck_assert_str_eq(err.msg, "hand.o: no instruction decoder for arm");
	ck_assert_ptr_null(find_arch_ops(ARCH_WASM32));
	obj_free(obj);
}
END_TEST

/* ---- compiled objects ------------------------------------------------------ */

static const char *const targets[] = {
	"x86_64-linux-gnu", "i686-linux-gnu", "aarch64-linux-gnu",
};

static char *read_calls_source(void)
{
	const char *src = getenv("IPBP_SRC");
	char path[512];
	size_t size;
	uint8_t *text;

	snprintf(path, sizeof(path), "%s/testsuite/oracle/src/calls.c", src ? src : ".");
	text = unit_read_file(path, &size);
	text = realloc(text, size + 1);
	ck_assert(text != NULL);
	text[size] = 0;
	return (char *)text;
}

/* "caller->target+off" for a relocation in a code section. */
static const char *edge_of(const struct reloc *r)
{
	static char buf[256];
	const struct symbol *from = obj_find_symbol_covering(r->sec, r->offset);

	snprintf(buf, sizeof(buf), "%s->%s%+lld", from ? from->name : "?",
		 r->target ? r->target->name : "-", (long long)r->target_offset);
	return buf;
}

/*
 * Whether obj has a branch relocation (decoded if decoded_only) for edge.
 * A relocated call may be RK_PCREL: i386 calls carry R_386_PC32, which a
 * reader cannot tell from a data reference.
 */
static bool has_edge(const struct obj *obj, const char *edge, bool decoded_only)
{
	const struct reloc *r;

	for_each_reloc(obj, r) {
		if (decoded_only ? !(r->flags & RELF_DECODED) || r->kind != RK_BRANCH
				 : r->kind != RK_BRANCH && r->kind != RK_PCREL)
			continue;
		if (!strcmp(edge_of(r), edge))
			return true;
	}
	return false;
}

static size_t count_decoded(const struct obj *obj)
{
	const struct reloc *r;
	size_t n = 0;

	for_each_reloc(obj, r)
		n += !!(r->flags & RELF_DECODED);
	return n;
}

/*
 * calls.c at -O2 in one .text: the calls to the static leaf() were resolved
 * by the assembler and come back decoded; the calls to the global middle()
 * and recurse() keep their relocations (preemptible in ELF) and resolve to
 * the same kind of edge.  top() is inlined into recurse() at -O2, so
 * recurse calls leaf and middle directly.
 */
START_TEST(test_calls_one_section)
{
	static const char *const decoded[] = {
		"middle->leaf+0", "top->leaf+0", "recurse->leaf+0",
	};
	static const char *const relocated[] = {
		"top->middle+0", "recurse->recurse+0", "recurse->middle+0",
	};
	char *src = read_calls_source();
	struct objfile *file;
	struct obj *obj;

	file = unit_open(unit_compile(targets[_i], "-O2", src), NULL);
	obj = file->objs[0];
	ck_assert_uint_eq(count_decoded(obj), 0);
	decode(obj);
	for (size_t i = 0; i < 3; i++) {
		ck_assert_msg(has_edge(obj, decoded[i], true), "%s: no decoded %s",
			      targets[_i], decoded[i]);
		ck_assert_msg(has_edge(obj, relocated[i], false), "%s: no %s",
			      targets[_i], relocated[i]);
	}
	ck_assert_uint_eq(count_decoded(obj), 3);
	objfile_free(file);
	free(src);
}
END_TEST

/* With -ffunction-sections every cross-function reference already has a
 * relocation: nothing is decoded, and the leaf() calls still resolve. */
START_TEST(test_calls_function_sections)
{
	char *src = read_calls_source();
	struct objfile *file;
	struct obj *obj;

	file = unit_open(unit_compile(targets[_i], "-O2 -ffunction-sections", src), NULL);
	obj = file->objs[0];
	decode(obj);
	ck_assert_uint_eq(count_decoded(obj), 0);
	ck_assert_msg(has_edge(obj, "middle->leaf+0", false), "%s", targets[_i]);
	objfile_free(file);
	free(src);
}
END_TEST

static struct reloc *find_reloc_to(const struct obj *obj, const char *target)
{
	struct reloc *r;

	for_each_reloc(obj, r)
		if (r->target && !strcmp(r->target->name, target))
			return r;
	return NULL;
}

/*
 * Bias refinement on compiled code: a store of a constant to a static
 * (movl $7, counter(%rip): imm32 after the field) and an add of a small
 * constant (addl $5, counter(%rip): imm8 after the field), next to another
 * static that a wrong bias would name instead.
 */
START_TEST(test_bias_refinement_compiled)
{
	static const struct {
		const char *flags, *body;
		int bias;
	} cases[] = {
		{ "-fPIC -O0", "counter = 7;", 8 },
		{ "-fPIC -O2", "counter += 5;", 5 },
	};
	char src[512];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct objfile *file;
		struct reloc *r;

		snprintf(src, sizeof(src),
			 "static int before, counter, after;\n"
			 "void bump(void) { %s }\n"
			 "int *addrs(int i) { return i ? &before : &after; }\n",
			 cases[i].body);
		file = unit_open(unit_compile("x86_64-linux-gnu", cases[i].flags, src), NULL);
		decode(file->objs[0]);
		r = find_reloc_to(file->objs[0], "counter");
		ck_assert_msg(r != NULL, "%s: no reference to counter", cases[i].flags);
		ck_assert_int_eq(r->bias, cases[i].bias);
		ck_assert_int_eq(r->target_offset, 0);
		ck_assert(!(r->flags & RELF_DECODED));
		objfile_free(file);
	}
}
END_TEST

/*
 * A memo changes what is swept, never what is found.  grow() grows in the
 * new object and every function after it moves.  again(), whose callees
 * all moved with it, is taken from the memo as it is.  top() and mid()
 * also call leaf(), which lies before grow() (first() uses it first), so
 * on x86 they differ from their old copies only in those calls'
 * displacements: near matches, derived rather than swept.  On arm64 (a
 * bl's field is its whole instruction word) they are swept again.
 * Decoded with a memo, old first, and with a memo filled in threads, the
 * new object must come out exactly as decoded alone.
 */
static const char memo_src[] =
	"static int __attribute__((noinline)) leaf(int x) { return x * 3; }\n"
	"int first(int x) { return leaf(x) * 7; }\n"
	"#ifdef GROW\n"
	"int grow(int x) { return leaf(x) + leaf(x + 1) * leaf(x + 2); }\n"
	"#else\n"
	"int grow(int x) { return leaf(x); }\n"
	"#endif\n"
	"static int __attribute__((noinline)) mid(int x) { return leaf(x) + 1; }\n"
	"int top(int x) { return mid(x) + leaf(x); }\n"
	"int again(int x) { return mid(x) * top(x); }\n";

static char *decoded_with(const char *target, struct decode_memo *memo, unsigned threads)
{
	struct objfile *old = unit_open(unit_compile(target, "-O2", memo_src), NULL);
	struct objfile *new = unit_open(unit_compile(target, "-O2 -DGROW", memo_src), NULL);
	struct ipbp_err err = { "" };
	char *text;

	if (memo && threads) {
		ck_assert_int_eq(decode_memo_fill(memo, old->objs, old->nr_objs, threads, &err), 0);
		ck_assert_int_eq(decode_memo_fill(memo, new->objs, new->nr_objs, threads, &err), 0);
		decode_memo_freeze(memo, true);
	}
	if (memo)
		ck_assert_msg(obj_decode_references_memo(old->objs[0], memo, &err) == 0, "%s", err.msg);
	ck_assert_msg(obj_decode_references_memo(new->objs[0], memo, &err) == 0, "%s", err.msg);
	if (memo) {
		struct decode_memo_stats stats;
		bool x86 = strncmp(target, "aarch64", 7) != 0;

		decode_memo_get_stats(memo, &stats);
		ck_assert_msg(x86 ? stats.near >= 2 : stats.near == 0, "%s: %zu near matches",
			      target, stats.near);
		ck_assert_msg(stats.swept > 0, "%s: nothing swept", target);
	}
	text = strdup(decoded_text(new->objs[0]));
	objfile_free(old);
	objfile_free(new);
	return text;
}

START_TEST(test_memo_finds_what_a_sweep_finds)
{
	char *plain = decoded_with(targets[_i], NULL, 0);

	ck_assert_msg(strstr(plain, "leaf+0") && strstr(plain, "mid+0"), "%s: %s", targets[_i], plain);
	for (unsigned threads = 0; threads <= 3; threads += 3) {
		struct decode_memo *memo = decode_memo_new();
		char *text;

		ck_assert(memo != NULL);
		text = decoded_with(targets[_i], memo, threads);
		ck_assert_msg(!strcmp(text, plain), "%s, %u threads:\n%s\nalone:\n%s",
			      targets[_i], threads, text, plain);
		free(text);
		decode_memo_free(memo);
	}
	free(plain);
}
END_TEST

/*
 * Decoding indexes what it adds with obj_finalize_added(), not a whole
 * obj_finalize().  Both must leave the same model: with decoded calls, a
 * refined bias (counter = 7) and, with -fPIC, a relative jump table, the
 * relocations of every section, their order, targets and biases do not
 * change when obj_finalize() runs again.
 */
static const char added_src[] =
	"static int before, counter, after;\n"
	"static int __attribute__((noinline)) leaf(int x) { return x * 3; }\n"
	"void bump(void) { counter = 7; }\n"
	"int pick(int x) {\n"
	"	switch (x) {\n"
	"	case 0: return leaf(1); case 1: return leaf(5) + 2; case 2: return 9;\n"
	"	case 3: return leaf(x) * 4; case 4: return 11; case 5: return leaf(7);\n"
	"	default: return 0;\n"
	"	}\n"
	"}\n"
	"int *addrs(int i) { return i ? &before : &after; }\n";

static char *relocs_text(const struct obj *obj)
{
	const struct section *sec;
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	ck_assert(f != NULL);
	for_each_section(obj, sec)
		for (size_t i = 0; i < sec->nr_relocs; i++) {
			const struct reloc *r = sec->relocs[i];

			fprintf(f, "%s+%llx %s %u %s%+lld bias %lld%s\n", sec->name,
				(unsigned long long)r->offset, reloc_kind_name(r->kind), r->width,
				r->target ? r->target->name : "-", (long long)r->target_offset,
				(long long)r->bias, r->flags & RELF_DECODED ? " decoded" : "");
		}
	fclose(f);
	return text;
}

START_TEST(test_added_relocs_as_full_finalize)
{
	struct objfile *file = unit_open(unit_compile(targets[_i], "-fPIC -O2", added_src), NULL);
	struct obj *obj = file->objs[0];
	struct ipbp_err err = { "" };
	char *added, *full;

	decode(obj);
	ck_assert_msg(count_decoded(obj) > 0, "%s: nothing decoded", targets[_i]);
	added = relocs_text(obj);
	ck_assert_msg(obj_finalize(obj, &err) == 0, "%s", err.msg);
	full = relocs_text(obj);
	ck_assert_str_eq(added, full);
	free(added);
	free(full);
	objfile_free(file);
}
END_TEST

/*
 * OBJ_LOAD_LAZY: relocations loaded a function at a time (in reverse
 * order, with overlaps) and decoded range by range must give the model a
 * whole load and sweep give; one function alone loads only its own.
 */
static size_t code_relocs(const struct obj *obj)
{
	const struct section *sec;
	size_t n = 0;

	for_each_section(obj, sec)
		if (is_code_section(sec))
			n += sec->nr_relocs;
	return n;
}

static bool any_lazy(const struct obj *obj)
{
	const struct section *sec;

	for_each_section(obj, sec)
		if (sec->lazy)
			return true;
	return false;
}

START_TEST(test_lazy_ranges_as_whole_decode)
{
	const char *path = unit_compile(targets[_i], "-fPIC -O2", added_src);
	struct objfile_opts lazy_opts = { .load_flags = OBJ_LOAD_LAZY };
	struct objfile *whole = unit_open(path, NULL), *lazy = NULL;
	struct ipbp_err err = { "" };
	struct obj *obj;
	struct symbol *sym;
	struct section *sec;
	size_t nr_whole, pick_relocs;
	char *expect, *got;

	decode(whole->objs[0]);
	expect = relocs_text(whole->objs[0]);
	nr_whole = code_relocs(whole->objs[0]);
	ck_assert_msg(objfile_open(&lazy, path, &lazy_opts, &err) == 0, "%s", err.msg);
	obj = lazy->objs[0];
	ck_assert_msg(any_lazy(obj), "%s: nothing deferred", targets[_i]);

	sym = obj_find_symbol(obj, "pick");
	ck_assert(sym && sym->sec);
	ck_assert_msg(obj_decode_range(obj, sym->sec, sym->offset, sym->offset + sym->size,
				       &err) == 0, "%s", err.msg);
	pick_relocs = code_relocs(obj);
	ck_assert_msg(pick_relocs > 0 && pick_relocs < nr_whole, "%s: %zu of %zu relocations",
		      targets[_i], pick_relocs, nr_whole);

	for (size_t i = obj->nr_symbols; i-- > 0;) {
		sym = obj->symbols[i];
		if (sym->kind == SYMK_FUNC && sym->sec && is_defined(sym))
			ck_assert_msg(obj_decode_range(obj, sym->sec, sym->offset,
						       sym->offset + sym->size, &err) == 0,
				      "%s", err.msg);
	}
	for_each_section(obj, sec)
		if (is_code_section(sec))
			ck_assert_msg(obj_decode_range(obj, sec, 0, sec->size, &err) == 0,
				      "%s", err.msg);
	ck_assert_msg(!any_lazy(obj), "%s: still deferred", targets[_i]);
	got = relocs_text(obj);
	ck_assert_str_eq(got, expect);
	free(got);
	free(expect);
	objfile_free(lazy);
	objfile_free(whole);
}
END_TEST

static Suite *decode_suite(void)
{
	Suite *s = suite_create("decode");
	TCase *hand = tcase_create("hand");
	TCase *compiled = tcase_create("compiled");

	tcase_add_test(hand, test_x86_64_hand);
	tcase_add_test(hand, test_relocated_field_is_skipped);
	tcase_add_test(hand, test_aarch64_hand);
	tcase_add_test(hand, test_sweep_restarts_at_symbols);
	tcase_add_test(hand, test_memo_keeps_adrp_pages);
	tcase_add_test(hand, test_bias_refinement_hand);
	tcase_add_test(hand, test_garbage_never_crashes);
	tcase_add_test(hand, test_no_decoder);
	suite_add_tcase(s, hand);

	tcase_set_timeout(compiled, 60);
	tcase_add_loop_test(compiled, test_calls_one_section, 0, 3);
	tcase_add_loop_test(compiled, test_calls_function_sections, 0, 3);
	tcase_add_test(compiled, test_bias_refinement_compiled);
	tcase_add_loop_test(compiled, test_memo_finds_what_a_sweep_finds, 0, 3);
	tcase_add_loop_test(compiled, test_added_relocs_as_full_finalize, 0, 3);
	tcase_add_loop_test(compiled, test_lazy_ranges_as_whole_decode, 0, 3);
	suite_add_tcase(s, compiled);
	return s;
}

UNIT_MAIN(decode_suite)
