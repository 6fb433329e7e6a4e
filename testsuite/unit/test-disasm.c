// SPDX-License-Identifier: MIT
/*
 * test-disasm.c - objdiff -d: the instruction diff of one function
 * (libobjdiff/disasm.h), on pairs compiled at test time for x86-64, i386,
 * aarch64 and wasm32, and on hand-made and random bytes.
 *
 * The diff_symbol values are built by hand (symbols found by name in the
 * two objects), so these tests do not depend on the comparison passes.
 */
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "disasm.h"
#include "stream.h"
#include "unit.h"

static const char *const targets[] = {
	"x86_64-linux-gnu", "i686-linux-gnu", "aarch64-linux-gnu", "wasm32",
};
#define NR_TARGETS (sizeof(targets) / sizeof(targets[0]))

/* The call instruction each target's compiler emits, as the diff shows it. */
static const char *const call_line[] = {
	"    callq   %s", "    calll   %s", "    bl      %s", "    call %s",
};

struct side {
	struct objfile *file;
	struct obj *obj;
};

/* Compiles source for target into its own file and loads and decodes it. */
static void load(struct side *s, const char *target, const char *flags,
		 const char *source, const char *tag)
{
	char src[256], out[256], cmd[1024];
	struct ipbp_err err;
	FILE *f;

	snprintf(src, sizeof(src), "/tmp/ipbp-disasm-%d-%s.c", (int)getpid(), tag);
	snprintf(out, sizeof(out), "/tmp/ipbp-disasm-%d-%s.o", (int)getpid(), tag);
	f = fopen(src, "w");
	ck_assert(f != NULL);
	fputs(source, f);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "clang -target %s %s -c %s -o %s", target,
		 flags, src, out);
	ck_assert_msg(system(cmd) == 0, "failed: %s", cmd);
	s->file = unit_open(out, NULL);
	unlink(src);
	unlink(out);
	ck_assert_uint_eq(s->file->nr_objs, 1);
	s->obj = s->file->objs[0];
	ck_assert_msg(obj_decode_references(s->obj, &err) == 0, "%s", err.msg);
}

/* Every line of a -d listing is a detail line: it starts with a blank. */
static void assert_detail_lines(const char *out)
{
	for (const char *p = out; *p; p = strchr(p, '\n') + 1) {
		ck_assert_msg(p[0] == ' ' && p[1] == ' ', "not a detail line: %.40s", p);
		ck_assert_msg(strchr(p, '\n') != NULL, "unterminated line");
	}
}

/* diff_disasm_write() of name between old and new, as a string. */
static char *disasm(const struct side *old, const struct side *new,
		    const char *name, const struct disasm_opts *opts)
{
	struct disasm_opts defaults = DISASM_OPTS_INIT;
	struct diff_pair pair = { .old = old ? old->obj : NULL,
				  .new = new ? new->obj : NULL };
	struct diff_symbol ds = { .status = DIFF_CHANGED, .kind = SYMK_FUNC,
				  .name = name };
	struct ipbp_err err;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ck_assert(f != NULL);
	if (old)
		ck_assert_msg((ds.old = obj_find_symbol(old->obj, name)), "no old %s", name);
	if (new)
		ck_assert_msg((ds.new = obj_find_symbol(new->obj, name)), "no new %s", name);
	if (!old)
		ds.status = DIFF_ADDED;
	if (!new)
		ds.status = DIFF_REMOVED;
	ck_assert_msg(diff_disasm_write(f, &pair, &ds, opts ? opts : &defaults, &err) == 0,
		      "%s", err.msg);
	fclose(f);
	assert_detail_lines(buf);
	return buf;
}

static size_t count_marked(const char *out, char mark)
{
	size_t n = 0;

	for (const char *p = out; *p; p = strchr(p, '\n') + 1)
		if (p[2] == mark && p[3] == ' ')
			n++;
	return n;
}

static void release(struct side *s)
{
	objfile_free(s->file);
}

static const char caller_src[] =
	"extern void ext_a(int);\n"
	"extern void ext_b(int);\n"
	"int caller(int x) { ext_a(x); return x * 3 + 1000; }\n";

/* A changed call target is exactly one -/+ pair naming the targets. */
START_TEST(test_call_target)
{
	struct side a, b;
	char del[64], add[64], want[160], *out, *src = strdup(caller_src);

	strstr(src, "{ ext_a")[6] = 'b';
	load(&a, targets[_i], "-O2", caller_src, "a");
	load(&b, targets[_i], "-O2", src, "b");
	out = disasm(&a, &b, "caller", NULL);
	ck_assert_uint_eq(count_marked(out, '-'), 1);
	ck_assert_uint_eq(count_marked(out, '+'), 1);
	ck_assert_msg(strncmp(out, "  @@ -caller+0x", 15) == 0, "%s", out);
	snprintf(del, sizeof(del), call_line[_i], "ext_a");
	snprintf(add, sizeof(add), call_line[_i], "ext_b");
	snprintf(want, sizeof(want), "\n  - %s\n  + %s\n", del, add);
	ck_assert_msg(strstr(out, want), "%s\nwants%s", out, want);
	free(out);
	free(src);
	release(&a);
	release(&b);
}
END_TEST

/* A constant changed: one -/+ pair, the rest context. */
START_TEST(test_constant)
{
	struct side a, b;
	char *out, *src = strdup(caller_src);
	const char *want_old = _i == NR_TARGETS - 1 ? "i32.const 1000\n" : "0x3e8";
	const char *want_new = _i == NR_TARGETS - 1 ? "i32.const 1001\n" : "0x3e9";

	memcpy(strstr(src, "1000"), "1001", 4);
	load(&a, targets[_i], "-O2", caller_src, "a");
	load(&b, targets[_i], "-O2", src, "b");
	out = disasm(&a, &b, "caller", NULL);
	ck_assert_uint_eq(count_marked(out, '-'), 1);
	ck_assert_uint_eq(count_marked(out, '+'), 1);
	ck_assert_msg(strstr(strstr(out, "\n  - "), want_old) < strstr(out, "\n  + ") &&
		      strstr(strstr(out, "\n  + "), want_new), "%s", out);
	ck_assert_uint_ge(count_marked(out, ' '), 2);
	free(out);
	free(src);
	release(&a);
	release(&b);
}
END_TEST

/*
 * Without -ffunction-sections, an earlier function grows: f moves but its
 * code (a loop, a static call, a string, a static variable) is the same,
 * so its listings are equal and no hunk is printed.
 */
static const char shifted_src[] =
	"extern void ext_a(int);\n"
	"extern int printf(const char *, ...);\n"
	"static int counter;\n"
	"__attribute__((noinline)) static int leaf(int x) { return x * counter; }\n"
	"void pad(int x) { PAD }\n"
	"int f(int *p, int n) {\n"
	"	int s = 0;\n"
	"	for (int i = 0; i < n; i++)\n"
	"		s += leaf(p[i]);\n"
	"	if (s > 100)\n"
	"		printf(\"big %d\\n\", s);\n"
	"	counter++;\n"
	"	return s;\n"
	"}\n";

static char *with_pad(const char *pad)
{
	char *src = malloc(sizeof(shifted_src) + strlen(pad));
	const char *at = strstr(shifted_src, "PAD");

	sprintf(src, "%.*s%s%s", (int)(at - shifted_src), shifted_src, pad, at + 3);
	return src;
}

START_TEST(test_shifted)
{
	struct side a, b;
	char *old_src = with_pad(""), *new_src = with_pad(
		"ext_a(x); ext_a(x + 1); counter += x; printf(\"pad %d\\n\", x);");
	char *out;

	load(&a, targets[_i], "-O2", old_src, "a");
	load(&b, targets[_i], "-O2", new_src, "b");
	ck_assert_uint_ne(obj_find_symbol(a.obj, "f")->offset,
			  obj_find_symbol(b.obj, "f")->offset);
	out = disasm(&a, &b, "f", NULL);
	ck_assert_msg(*out == 0, "%s", out);
	free(out);
	/* The function that did change shows, with symbolic targets. */
	out = disasm(&a, &b, "pad", NULL);
	ck_assert_msg(strstr(out, "ext_a") && count_marked(out, '+') > 2, "%s", out);
	free(out);
	free(old_src);
	free(new_src);
	release(&a);
	release(&b);
}
END_TEST

/* An added function is listed whole, every line "+". */
START_TEST(test_added)
{
	struct side b;
	char *out;

	load(&b, targets[_i], "-O2", caller_src, "b");
	out = disasm(NULL, &b, "caller", NULL);
	ck_assert_msg(strncmp(out, "  @@ +caller+0x", 15) == 0, "%s", out);
	ck_assert_uint_eq(count_marked(out, '-'), 0);
	ck_assert_uint_eq(count_marked(out, ' '), 0);
	ck_assert_uint_ge(count_marked(out, '+'), 3);
	free(out);
	out = disasm(&b, NULL, "caller", NULL);
	ck_assert_msg(strncmp(out, "  @@ -caller+0x", 15) == 0, "%s", out);
	ck_assert_uint_eq(count_marked(out, '+'), 0);
	free(out);
	release(&b);
}
END_TEST

/* Context 0, and the fallback when alignment is given up. */
START_TEST(test_context_and_fallback)
{
	struct side a, b;
	struct disasm_opts opts = DISASM_OPTS_INIT;
	char *old_src = with_pad(""), *new_src = with_pad("ext_a(x); ext_a(x + 1);");
	char *out;

	load(&a, "x86_64-linux-gnu", "-O2", old_src, "a");
	load(&b, "x86_64-linux-gnu", "-O2", new_src, "b");
	opts.context = 0;
	out = disasm(&a, &b, "pad", &opts);
	ck_assert_uint_eq(count_marked(out, ' '), 0);
	ck_assert_uint_ge(count_marked(out, '+'), 2);
	free(out);
	opts.context = 3;
	opts.max_edits = 1;
	out = disasm(&a, &b, "pad", &opts);
	ck_assert_msg(strncmp(out, "  # too many differences to align: full listings\n"
			      "  @@ -pad+0x0 +pad+0x0 @@\n", 75) == 0, "%s", out);
	free(out);
	free(old_src);
	free(new_src);
	release(&a);
	release(&b);
}
END_TEST

START_TEST(test_intel)
{
	struct side a, b;
	struct disasm_opts opts = DISASM_OPTS_INIT;
	char *out, *src = strdup(caller_src);

	memcpy(strstr(src, "1000"), "1001", 4);
	load(&a, "x86_64-linux-gnu", "-O2", caller_src, "a");
	load(&b, "x86_64-linux-gnu", "-O2", src, "b");
	opts.intel = true;
	out = disasm(&a, &b, "caller", &opts);
	ck_assert_msg(strstr(out, "\n        call    ext_a\n") &&
		      strstr(out, "\n  -     add     eax, 0x3e8\n"), "%s", out);
	free(out);
	free(src);
	release(&a);
	release(&b);
}
END_TEST

/* Strings show as literals, and unchanged or data symbols print nothing. */
START_TEST(test_strings_and_quiet)
{
	struct side a, b;
	struct disasm_opts opts = DISASM_OPTS_INIT;
	struct diff_pair pair;
	struct diff_symbol ds = { .status = DIFF_SAME, .kind = SYMK_FUNC };
	struct ipbp_err err;
	char *out;

	load(&a, "x86_64-linux-gnu", "-O2",
	     "int puts(const char *);\nvoid hi(void) { puts(\"hi\\tthere\"); }\nint d = 1;\n", "a");
	load(&b, "x86_64-linux-gnu", "-O2",
	     "int puts(const char *);\nvoid hi(void) { puts(\"bye\"); }\nint d = 2;\n", "b");
	out = disasm(&a, &b, "hi", NULL);
	ck_assert_msg(strstr(out, "  -     leaq    \"hi\\tthere\"(%rip), %rdi\n") &&
		      strstr(out, "  +     leaq    \"bye\"(%rip), %rdi\n"), "%s", out);
	free(out);
	pair = (struct diff_pair){ .old = a.obj, .new = b.obj };
	ds.old = obj_find_symbol(a.obj, "hi");
	ds.new = obj_find_symbol(b.obj, "hi");
	ck_assert_int_eq(diff_disasm_write(stdout, &pair, &ds, &opts, &err), 0);
	ds.status = DIFF_CHANGED;
	ds.kind = SYMK_DATA;
	ds.old = obj_find_symbol(a.obj, "d");
	ds.new = obj_find_symbol(b.obj, "d");
	ck_assert_int_eq(diff_disasm_write(stdout, &pair, &ds, &opts, &err), 0);
	release(&a);
	release(&b);
}
END_TEST

/* The stream parser skips the detail lines of a -d stream. */
START_TEST(test_stream_parses)
{
	struct side a, b;
	struct diff_stream *stream = NULL;
	struct ipbp_err err;
	char *out, *text, *src = strdup(caller_src);

	strstr(src, "{ ext_a")[6] = 'b';
	load(&a, "x86_64-linux-gnu", "-O2", caller_src, "a");
	load(&b, "x86_64-linux-gnu", "-O2", src, "b");
	out = disasm(&a, &b, "caller", NULL);
	text = malloc(2 * strlen(out) + 128);
	sprintf(text, "# objdiff 1\n--- a.o\n+++ b.o\n~ func caller 20 20 relocs\n%s"
		"+ func fresh - 4\n%s", out, out);
	ck_assert_msg(stream_parse(&stream, "test", text, strlen(text), &err) == 0,
		      "%s\n%s", err.msg, text);
	ck_assert_uint_eq(stream->nr_pairs, 1);
	ck_assert_uint_eq(stream->pairs[0].nr_syms, 2);
	ck_assert_str_eq(stream->pairs[0].syms[0].name, "caller");
	ck_assert_str_eq(stream->pairs[0].syms[1].name, "fresh");
	stream_free(stream);
	free(text);
	free(out);
	free(src);
	release(&a);
	release(&b);
}
END_TEST

/* A fake object with one function over bytes. */
struct fake {
	struct obj obj;
	struct section sec;
	struct symbol sym;
};

static void fake_init(struct fake *fk, enum obj_arch arch, enum obj_format format,
		      const uint8_t *bytes, size_t size)
{
	memset(fk, 0, sizeof(*fk));
	fk->obj.name = "fake.o";
	fk->obj.arch = arch;
	fk->obj.format = format;
	fk->sec.name = ".text";
	fk->sec.kind = SEC_CODE;
	fk->sec.data = bytes;
	fk->sec.size = size;
	fk->sym.name = "fn";
	fk->sym.kind = SYMK_FUNC;
	fk->sym.sec = &fk->sec;
	fk->sym.size = size;
}

static char *list_fake(struct fake *fk)
{
	struct disasm_opts opts = DISASM_OPTS_INIT;
	struct disasm_listing l = { 0 };
	struct ipbp_err err;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ck_assert_msg(disasm_list_function(&l, &fk->obj, &fk->sym, &opts, &err) == 0,
		      "%s", err.msg);
	for (size_t i = 0; i < l.nr_lines; i++)
		fprintf(f, "%s\n", disasm_line_text(&l, i));
	disasm_listing_release(&l);
	fclose(f);
	return buf;
}

/* Wasm: immediates, blocks, and a graceful stop at an unknown opcode. */
START_TEST(test_wasm_opcodes)
{
	static const uint8_t body[] = {
		0x1b,				/* body size */
		0x01, 0x02, 0x7f,		/* locals i32*2 */
		0x02, 0x40,			/* block */
		0x20, 0x00,			/* local.get 0 */
		0x0d, 0x00,			/* br_if 0 */
		0x41, 0x7f,			/* i32.const -1 */
		0x28, 0x02, 0x08,		/* i32.load offset=8 align=4 */
		0x0e, 0x02, 0x00, 0x01, 0x00,	/* br_table 0 1 0 */
		0x0b,				/* end */
		0xfc, 0x0a, 0x00, 0x00,		/* memory.copy */
		0xfd, 0x0c, 0x00,		/* v128.const: unknown */
	};
	struct fake fk;
	char *out;

	fake_init(&fk, ARCH_WASM32, FORMAT_WASM, body, sizeof(body));
	out = list_fake(&fk);
	ck_assert_str_eq(out,
			 "    locals i32*2\n"
			 "    block\n"
			 "      local.get 0\n"
			 "      br_if 0\n"
			 "      i32.const -1\n"
			 "      i32.load offset=8 align=4\n"
			 "      br_table 0 1 0\n"
			 "    end\n"
			 "    memory.copy\n"
			 "    .byte 0xfd, 0x0c, 0x00\n"
			 "# listing stops at fn+0x19: unknown opcode\n");
	free(out);
}
END_TEST

/* Random and truncated bytes never crash any lister (run under SANITIZE=1). */
START_TEST(test_garbage)
{
	static const enum obj_arch arches[] = { ARCH_X86_64, ARCH_I386, ARCH_AARCH64, ARCH_WASM32 };
	uint8_t bytes[96];
	unsigned seed = 12345;
	struct fake fk;

	for (int round = 0; round < 400; round++) {
		size_t size = (size_t)(round % 96);

		for (size_t i = 0; i < size; i++) {
			seed = seed * 1103515245u + 12345u;
			bytes[i] = (uint8_t)(seed >> 16);
		}
		if (round % 4 == 3 && size)
			bytes[0] = (uint8_t)(size - 1);	/* a plausible Wasm body size */
		for (size_t a = 0; a < 4; a++) {
			fake_init(&fk, arches[a], arches[a] == ARCH_WASM32 ? FORMAT_WASM : FORMAT_ELF,
				  bytes, size);
			free(list_fake(&fk));
		}
	}
}
END_TEST

START_TEST(test_no_disassembler)
{
	static const uint8_t bytes[] = { 0x1e, 0xff, 0x2f, 0xe1 };
	struct disasm_opts opts = DISASM_OPTS_INIT;
	struct fake a, b;
	struct diff_pair pair = { .old = &a.obj, .new = &b.obj };
	struct diff_symbol ds = { .status = DIFF_CHANGED, .kind = SYMK_FUNC,
				  .name = "fn", .old = &a.sym, .new = &b.sym };
	struct ipbp_err err;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	fake_init(&a, ARCH_ARM, FORMAT_ELF, bytes, sizeof(bytes));
	fake_init(&b, ARCH_ARM, FORMAT_ELF, bytes, sizeof(bytes));
	ck_assert_int_eq(diff_disasm_write(f, &pair, &ds, &opts, &err), 0);
	fclose(f);
	ck_assert_str_eq(buf, "  # no disassembler for arm\n");
	free(buf);
}
END_TEST

static Suite *disasm_suite(void)
{
	Suite *s = suite_create("disasm");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, test_call_target, 0, NR_TARGETS);
	tcase_add_loop_test(tc, test_constant, 0, NR_TARGETS);
	tcase_add_loop_test(tc, test_shifted, 0, NR_TARGETS);
	tcase_add_loop_test(tc, test_added, 0, NR_TARGETS);
	tcase_add_test(tc, test_context_and_fallback);
	tcase_add_test(tc, test_intel);
	tcase_add_test(tc, test_stream_parses);
	tcase_add_test(tc, test_strings_and_quiet);
	tcase_add_test(tc, test_wasm_opcodes);
	tcase_add_test(tc, test_garbage);
	tcase_add_test(tc, test_no_disassembler);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(disasm_suite)
