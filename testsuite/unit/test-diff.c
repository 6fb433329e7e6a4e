// SPDX-License-Identifier: MIT
/*
 * test-diff.c - diff_objs(): the comparison rules of DESIGN.md §3, kpatch
 * style: for each rule a pair of small sources (original, patched),
 * compiled at test time, and the status and reasons expected for each
 * symbol.
 *
 * ELF x86-64 with clang, and with gcc for what only gcc makes (.cold
 * parts, .constprop/.isra clones, numbered static locals); one or more
 * cases each for Mach-O (x86-64 and arm64), COFF (x86-64, i386) and Wasm.
 * Every diff runs with opts.all, so that "unchanged" is checked as a
 * status of a symbol that was seen, not as an absence.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "decode.h"
#include "diff.h"
#include "unit.h"

#define CLANG_ELF	"clang -target x86_64-linux-gnu -O2"
#define GCC		"gcc -O2"

struct fixture {
	char dir[64];
	struct objfile *old, *new;
	struct diff_pair pair;
};

/* ---- building and diffing ------------------------------------------------- */

/*
 * Writes SUBDIR/x.c and builds SUBDIR/x.o from within SUBDIR: "CC -c x.c"
 * (relative names, like make) or, with absolute, "CC -c /tmp/.../x.c".
 */
static void build_in(struct fixture *fx, const char *subdir, const char *cc,
		     const char *source, bool absolute)
{
	char path[256], cmd[1024];

	snprintf(path, sizeof(path), "%s/%s", fx->dir, subdir);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/%s/x.c", fx->dir, subdir);
	unit_write_file(NULL, path, source, strlen(source));
	snprintf(cmd, sizeof(cmd), "cd %s/%s && %s -w -c %s -o x.o", fx->dir, subdir, cc,
		 absolute ? path : "x.c");
	ck_assert_msg(system(cmd) == 0, "failed: %s", cmd);
}

static void compile_in(struct fixture *fx, const char *subdir, const char *cc,
		       const char *source)
{
	build_in(fx, subdir, cc, source, false);
}

static struct objfile *open_decoded(struct fixture *fx, const char *subdir)
{
	char path[256];
	struct objfile *file;
	struct ipbp_err err;

	snprintf(path, sizeof(path), "%s/%s/x.o", fx->dir, subdir);
	file = unit_open(path, NULL);
	ck_assert_uint_eq(file->nr_objs, 1);
	ck_assert_msg(obj_decode_references(file->objs[0], &err) == 0, "%s", err.msg);
	return file;
}

static void fixture_diff(struct fixture *fx, const struct diff_opts *opts)
{
	struct ipbp_err err;

	fx->old = open_decoded(fx, "old");
	fx->new = open_decoded(fx, "new");
	ck_assert_msg(diff_objs(&fx->pair, fx->old->objs[0], fx->new->objs[0],
				opts, &err) == 0, "%s", err.msg);
}

static void fixture_init(struct fixture *fx)
{
	memset(fx, 0, sizeof(*fx));
	strcpy(fx->dir, "/tmp/ipbp-diff-XXXXXX");
	ck_assert(mkdtemp(fx->dir) != NULL);
}

/* Compiles old and new with cc (each in its own directory) and diffs them. */
static void diff_sources(struct fixture *fx, const char *cc, const char *old_src,
			 const char *new_src)
{
	static const struct diff_opts all = { .all = true };

	fixture_init(fx);
	compile_in(fx, "old", cc, old_src);
	compile_in(fx, "new", cc, new_src);
	fixture_diff(fx, &all);
}

static void fixture_release(struct fixture *fx)
{
	char cmd[128];

	diff_pair_release(&fx->pair);
	objfile_free(fx->old);
	objfile_free(fx->new);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", fx->dir);
	ck_assert(system(cmd) == 0);
}

/* ---- expectations ---------------------------------------------------------- */

static const struct diff_symbol *find_result(const struct fixture *fx, const char *name)
{
	for (size_t i = 0; i < fx->pair.nr_syms; i++)
		if (!strcmp(fx->pair.syms[i].name, name))
			return &fx->pair.syms[i];
	return NULL;
}

static void expect(const struct fixture *fx, const char *name,
		   enum diff_status status, unsigned reasons)
{
	const struct diff_symbol *ds = find_result(fx, name);

	ck_assert_msg(ds != NULL, "%s: not in the result", name);
	ck_assert_msg(ds->status == status, "%s: %s, expected %s", name,
		      diff_status_name(ds->status), diff_status_name(status));
	ck_assert_msg(ds->reasons == reasons, "%s: reasons %#x, expected %#x",
		      name, ds->reasons, reasons);
}

static void expect_absent(const struct fixture *fx, const char *name)
{
	ck_assert_msg(find_result(fx, name) == NULL, "%s: in the result", name);
}

/* Nothing but unchanged symbols, and at least one of them. */
static void expect_nothing(const struct fixture *fx)
{
	for (size_t i = 0; i < fx->pair.nr_syms; i++)
		ck_assert_msg(fx->pair.syms[i].status == DIFF_SAME, "%s: %s",
			      fx->pair.syms[i].name,
			      diff_status_name(fx->pair.syms[i].status));
	ck_assert(!diff_pair_differs(&fx->pair));
	ck_assert_uint_gt(fx->pair.nr_syms, 0);
}

static void expect_counts(const struct fixture *fx, size_t changed, size_t added,
			  size_t removed)
{
	ck_assert_uint_eq(fx->pair.nr_changed, changed);
	ck_assert_uint_eq(fx->pair.nr_added, added);
	ck_assert_uint_eq(fx->pair.nr_removed, removed);
}

/* ---- names ------------------------------------------------------------------- */

static const char *norm(const char *name)
{
	static char buf[128];

	return diff_normalized_name(name, buf, sizeof(buf));
}

START_TEST(test_normalized_names)
{
	ck_assert_str_eq(norm("x.1234"), "x");
	ck_assert_str_eq(norm("foo.constprop.0"), "foo.constprop");
	ck_assert_str_eq(norm("foo.isra.12"), "foo.isra");
	ck_assert_str_eq(norm("foo.part.0"), "foo.part");
	ck_assert_str_eq(norm("foo.cold"), "foo.cold");
	ck_assert_str_eq(norm("foo.cold.3"), "foo.cold");
	ck_assert_str_eq(norm("foo.part.0.isra.1.cold.2"), "foo.part.isra.cold");
	ck_assert_str_eq(norm(".LC5"), ".LC");
	ck_assert_str_eq(norm(".L.str.3"), ".L.str");
	ck_assert_str_eq(norm("l_.str.1"), "l_.str");
	ck_assert_str_eq(norm("$SG123"), "$SG");
	ck_assert_str_eq(norm("CSWTCH.12"), "CSWTCH");
	ck_assert_str_eq(norm("main.counter"), "main.counter");
	ck_assert_str_eq(norm("_main.counter"), "_main.counter");
	ck_assert_str_eq(norm("plain"), "plain");
	ck_assert_str_eq(norm("x1.2y"), "x1.2y");	/* not a number component */
	ck_assert_str_eq(norm(".1"), ".1");
	ck_assert_str_eq(norm(""), "");
}
END_TEST

START_TEST(test_normalized_name_truncates)
{
	char buf[4];

	ck_assert_str_eq(diff_normalized_name("abcdef.1", buf, sizeof(buf)), "abc");
	ck_assert_str_eq(diff_normalized_name(".LC12", buf, sizeof(buf)), ".LC");
}
END_TEST

START_TEST(test_reason_and_status_names)
{
	for (unsigned i = 0; i < DIFF_R_NR; i++) {
		const char *name = diff_reason_name(1u << i);

		ck_assert_ptr_nonnull(name);
		ck_assert_uint_eq(diff_reason_parse(name, strlen(name)), 1u << i);
	}
	ck_assert_str_eq(diff_reason_name(DIFF_R_RELOCS), "relocs");
	ck_assert_str_eq(diff_reason_name(DIFF_R_PART), "part");
	ck_assert_ptr_null(diff_reason_name(DIFF_R_CODE | DIFF_R_SIZE));
	ck_assert_uint_eq(diff_reason_parse("code,relocs", 4), DIFF_R_CODE);
	ck_assert_uint_eq(diff_reason_parse("cod", 3), 0);
	ck_assert_uint_eq(diff_reason_parse("bogus", 5), 0);
	ck_assert_str_eq(diff_status_name(DIFF_SAME), "unchanged");
	ck_assert_str_eq(diff_status_name(DIFF_CHANGED), "changed");
	ck_assert_str_eq(diff_status_name(DIFF_ADDED), "added");
	ck_assert_str_eq(diff_status_name(DIFF_REMOVED), "removed");
}
END_TEST

/* ---- functions ------------------------------------------------------------------ */

START_TEST(test_body_change)
{
	struct fixture fx;

	diff_sources(&fx, CLANG_ELF,
		     "int f(int x) { return x + 1; }\nint g(int x) { return x * 3; }\n",
		     "int f(int x) { return x + 2; }\nint g(int x) { return x * 3; }\n");
	expect(&fx, "f", DIFF_CHANGED, DIFF_R_CODE);
	expect(&fx, "g", DIFF_SAME, 0);
	expect_counts(&fx, 1, 0, 0);
	fixture_release(&fx);
}
END_TEST

/* A static function inlined into its callers: the callers change. */
START_TEST(test_inlined_static)
{
	static const char fmt[] =
		"static int helper(int x) { return x * %d + 7; }\n"
		"int a(int x) { return helper(x) + 1; }\n"
		"int b(int x) { return helper(x) - 1; }\n"
		"int c(int x) { return x; }\n";
	char old_src[256], new_src[256];
	struct fixture fx;

	snprintf(old_src, sizeof(old_src), fmt, 3);
	snprintf(new_src, sizeof(new_src), fmt, 5);
	diff_sources(&fx, CLANG_ELF, old_src, new_src);
	expect(&fx, "a", DIFF_CHANGED, DIFF_R_CODE);
	expect(&fx, "b", DIFF_CHANGED, DIFF_R_CODE);
	expect(&fx, "c", DIFF_SAME, 0);
	expect_absent(&fx, "helper");
	fixture_release(&fx);
}
END_TEST

/* The same bytes, another callee: eu-elfcmp misses this one. */
START_TEST(test_call_target)
{
	struct fixture fx;

	diff_sources(&fx, CLANG_ELF,
		     "int ext_a(int); int ext_b(int);\n"
		     "int f(int x) { return ext_a(x) + 1; }\n",
		     "int ext_a(int); int ext_b(int);\n"
		     "int f(int x) { return ext_b(x) + 1; }\n");
	expect(&fx, "f", DIFF_CHANGED, DIFF_R_RELOCS);
	fixture_release(&fx);
}
END_TEST

static const char comments_old[] =
	"int ext(int);\n"
	"static int counter;\n"
	"int f(int x) { return ext(x) + 1; }\n"
	"int g(int x) { counter += x; return counter; }\n";
static const char comments_new[] =
	"int ext(int);\n"
	"/* A comment\n"
	" * of three lines. */\n"
	"static int counter;\n"
	"\n"
	"/* f calls ext. */\n"
	"int f(int x) { return ext(x) + 1; }\n"
	"// g counts.\n"
	"int g(int x) { counter += x; return counter; }\n";

/* Only comments moved the line numbers: nothing changed, with -g too. */
START_TEST(test_comments_only)
{
	struct fixture fx;

	diff_sources(&fx, CLANG_ELF " -g", comments_old, comments_new);
	expect_nothing(&fx);
	expect(&fx, "f", DIFF_SAME, 0);
	fixture_release(&fx);
	diff_sources(&fx, GCC " -g", comments_old, comments_new);
	expect_nothing(&fx);
	fixture_release(&fx);
}
END_TEST

/* One source built with -g in two directories (and by absolute path). */
START_TEST(test_other_directory)
{
	static const struct diff_opts all = { .all = true };
	struct fixture fx;

	diff_sources(&fx, GCC " -g", comments_new, comments_new);
	expect_nothing(&fx);
	fixture_release(&fx);

	/* "cc -g /abs/old/x.c": DW_AT_name and STT_FILE differ too. */
	fixture_init(&fx);
	build_in(&fx, "old", CLANG_ELF " -g", comments_old, true);
	build_in(&fx, "new", CLANG_ELF " -g", comments_old, true);
	fixture_diff(&fx, &all);
	expect_nothing(&fx);
	expect(&fx, "counter", DIFF_SAME, 0);
	fixture_release(&fx);
}
END_TEST

static const char strings_old[] =
	"const char *s1(void) { return \"hello\"; }\n"
	"const char *s2(void) { return \"world\"; }\n"
	"const char *s3(int x) { return x ? \"yes\" : \"no\"; }\n";
static const char strings_new[] =
	"const char *s0(void) { return \"a new string first\"; }\n"
	"const char *s3(int x) { return x ? \"yes\" : \"no\"; }\n"
	"const char *s2(void) { return \"world\"; }\n"
	"const char *s1(void) { return \"hello\"; }\n";

/* Strings reordered or added elsewhere: compared by content. */
START_TEST(test_strings_reordered)
{
	const char *ccs[] = { CLANG_ELF, GCC, CLANG_ELF " -fdata-sections" };
	struct fixture fx;

	for (size_t i = 0; i < sizeof(ccs) / sizeof(ccs[0]); i++) {
		diff_sources(&fx, ccs[i], strings_old, strings_new);
		expect(&fx, "s0", DIFF_ADDED, 0);
		expect(&fx, "s1", DIFF_SAME, 0);
		expect(&fx, "s2", DIFF_SAME, 0);
		expect(&fx, "s3", DIFF_SAME, 0);
		expect_counts(&fx, 0, 1, 0);
		fixture_release(&fx);
	}
}
END_TEST

/* A string that changed changes the function that uses it. */
START_TEST(test_string_changed)
{
	struct fixture fx;

	diff_sources(&fx, GCC, strings_old,
		     "const char *s1(void) { return \"hellO\"; }\n"
		     "const char *s2(void) { return \"world\"; }\n"
		     "const char *s3(int x) { return x ? \"yes\" : \"no\"; }\n");
	expect(&fx, "s1", DIFF_CHANGED, DIFF_R_RELOCS);
	expect(&fx, "s2", DIFF_SAME, 0);
	expect(&fx, "s3", DIFF_SAME, 0);
	fixture_release(&fx);
}
END_TEST

/* ---- static locals ----------------------------------------------------------- */

static const char statics_old[] =
	"int f1(int x) { static int calls; calls += x; return calls; }\n"
	"int f2(int x) { static int calls; calls -= x; return calls; }\n";
static const char statics_new[] =
	"int f0(int x) { static int calls; calls = calls * 3 + x; return calls; }\n"
	"int f2(int x) { static int calls; calls -= x; return calls; }\n"
	"int f1(int x) { static int calls; calls += x; return calls; }\n";

/*
 * gcc numbers the two "calls" calls.0 and calls.1; a new function before
 * them renumbers them.  Each is found through the function using it.
 */
START_TEST(test_static_locals_gcc)
{
	struct fixture fx;

	diff_sources(&fx, GCC, statics_old, statics_new);
	expect(&fx, "f0", DIFF_ADDED, 0);
	expect(&fx, "f1", DIFF_SAME, 0);
	expect(&fx, "f2", DIFF_SAME, 0);
	/* One "calls.N" added (f0's), the others unchanged. */
	expect_counts(&fx, 0, 2, 0);
	fixture_release(&fx);

	/* The static of f1 changes size: f1's own, not f2's. */
	diff_sources(&fx, GCC, statics_old,
		     "int f1(int x) { static long calls; calls += x; return calls; }\n"
		     "int f2(int x) { static int calls; calls -= x; return calls; }\n");
	expect(&fx, "f2", DIFF_SAME, 0);
	ck_assert_uint_eq(fx.pair.nr_changed, 2);	/* f1 and its calls.N */
	expect_counts(&fx, 2, 0, 0);
	fixture_release(&fx);
}
END_TEST

/* clang names them "f1.calls": the form stays, no number to strip. */
START_TEST(test_static_locals_clang)
{
	struct fixture fx;

	diff_sources(&fx, CLANG_ELF, statics_old, statics_new);
	expect(&fx, "f0", DIFF_ADDED, 0);
	expect(&fx, "f0.calls", DIFF_ADDED, 0);
	expect(&fx, "f1.calls", DIFF_SAME, 0);
	expect(&fx, "f2.calls", DIFF_SAME, 0);
	expect(&fx, "f1", DIFF_SAME, 0);
	expect_counts(&fx, 0, 2, 0);
	fixture_release(&fx);
}
END_TEST

static char *read_source(const char *rel)
{
	const char *src = getenv("IPBP_SRC");
	char path[512];
	size_t size;
	char *text;

	snprintf(path, sizeof(path), "%s/%s", src ? src : ".", rel);
	text = (char *)unit_read_file(path, &size);
	text = realloc(text, size + 1);
	ck_assert(text != NULL);
	text[size] = '\0';
	return text;
}

/* text with its first "from" replaced by "to" and "prepend" before it. */
static char *patch_source(const char *text, const char *prepend, const char *from,
			  const char *to)
{
	const char *at = strstr(text, from);
	size_t size = strlen(prepend) + strlen(text) + strlen(to) + 1;
	char *out = malloc(size);

	ck_assert(at != NULL && out != NULL);
	snprintf(out, size, "%s%.*s%s%s", prepend, (int)(at - text), text, to,
		 at + strlen(from));
	return out;
}

/*
 * testsuite/oracle/src/statics.c: two static locals "calls" (bump and
 * bump_twice).  The patch changes bump_twice's and puts a third "calls"
 * in a new function before them, which renumbers gcc's calls.N.
 */
START_TEST(test_statics_oracle_source)
{
	static const char *const ccs[] = { GCC " -fno-inline", CLANG_ELF " -fno-inline" };
	char *src = read_source("testsuite/oracle/src/statics.c");
	char *patched = patch_source(src, "int zz(void) { static int calls; return ++calls; }\n",
				     "calls += 2", "calls += 3");
	struct fixture fx;

	for (size_t i = 0; i < sizeof(ccs) / sizeof(ccs[0]); i++) {
		diff_sources(&fx, ccs[i], src, src);
		expect_nothing(&fx);
		fixture_release(&fx);

		diff_sources(&fx, ccs[i], src, patched);
		expect(&fx, "zz", DIFF_ADDED, 0);
		expect(&fx, "bump_twice", DIFF_CHANGED, DIFF_R_CODE);
		expect(&fx, "bump", DIFF_SAME, 0);
		expect(&fx, "message", DIFF_SAME, 0);
		expect(&fx, "statics_entry", DIFF_SAME, 0);
		expect(&fx, "counter", DIFF_SAME, 0);
		expect(&fx, "table", DIFF_SAME, 0);
		/* zz and its calls */
		expect_counts(&fx, 1, 2, 0);
		fixture_release(&fx);
	}
	free(src);
	free(patched);
}
END_TEST

/* ---- gcc clones and parts ------------------------------------------------------ */

static const char clones_old[] =
	"int printf(const char *, ...);\n"
	"static int __attribute__((noinline)) scale(int x, int k)\n"
	"{ return printf(\"%d %d\\n\", x, k) * k; }\n"
	"int use1(int x) { return scale(x, 5) + scale(x + 3, 5) + 1; }\n"
	"int use2(int x) { return scale(x + 1, 5) + 2; }\n"
	"int use3(int x, int k) { return scale(x + 1, k) + 2; }\n"
	"static int __attribute__((noinline)) isr(int *p) { return *p * 7 + printf(\"x\"); }\n"
	"int useisr(int x) { return isr(&x); }\n";
static const char clones_new[] =
	"int printf(const char *, ...);\n"
	"static int __attribute__((noinline)) scale(int x, int k)\n"
	"{ return printf(\"%d %d\\n\", x, k) * k; }\n"
	"int use0(int x) { return scale(x, 9) + scale(x + 2, 9) + 3; }\n"
	"int use1(int x) { return scale(x, 5) + scale(x + 3, 5) + 1; }\n"
	"int use2(int x) { return scale(x + 1, 5) + 2; }\n"
	"int use3(int x, int k) { return scale(x + 1, k) + 2; }\n"
	"static int __attribute__((noinline)) isr0(int *p) { return *p * 9 + printf(\"y\"); }\n"
	"int useisr0(int x) { return isr0(&x); }\n"
	"static int __attribute__((noinline)) isr(int *p) { return *p * 7 + printf(\"x\"); }\n"
	"int useisr(int x) { return isr(&x); }\n";

/*
 * A second clone of scale (for k = 9) makes scale.constprop.0 and .1: the
 * old one is matched through its callers.  isr.isra.0 keeps its name while
 * another isra clone comes before it.
 */
START_TEST(test_constprop_isra)
{
	struct fixture fx;

	diff_sources(&fx, GCC " -fipa-cp-clone --param ipa-cp-eval-threshold=1",
		     clones_old, clones_new);
	ck_assert_msg(obj_find_symbol(fx.new->objs[0], "scale.constprop.1"),
		      "gcc made no second clone");
	expect(&fx, "use0", DIFF_ADDED, 0);
	expect(&fx, "use1", DIFF_SAME, 0);
	expect(&fx, "use2", DIFF_SAME, 0);
	expect(&fx, "use3", DIFF_SAME, 0);
	expect(&fx, "scale", DIFF_SAME, 0);
	expect(&fx, "useisr", DIFF_SAME, 0);
	expect(&fx, "useisr0", DIFF_ADDED, 0);
	expect(&fx, "isr.isra.0", DIFF_SAME, 0);
	expect(&fx, "isr0.isra.0", DIFF_ADDED, 0);
	/* use0, useisr0, isr0.isra.0 and one scale.constprop.N */
	expect_counts(&fx, 0, 4, 0);
	fixture_release(&fx);
}
END_TEST

static const char cold_src[] =
	"int printf(const char *, ...);\n"
	"void __attribute__((cold)) report(int);\n"
	"int coldy(int *p, int n)\n"
	"{\n"
	"	int s = 0;\n"
	"	for (int i = 0; i < n; i++) {\n"
	"		if (p[i] < 0) {\n"
	"			report(i);\n"
	"			printf(\"neg %%d at %%d\\n\", p[i], i);\n"
	"			s -= %d;\n"
	"			continue;\n"
	"		}\n"
	"		s += p[i] * 3;\n"
	"	}\n"
	"	return s;\n"
	"}\n"
	"int other(int x) { return x + 1; }\n";

/* A change only in coldy.cold: coldy is changed, by its part. */
START_TEST(test_cold_part)
{
	char old_src[1024], new_src[1024];
	const struct diff_symbol *ds;
	struct fixture fx;

	snprintf(old_src, sizeof(old_src), cold_src, 5);
	snprintf(new_src, sizeof(new_src), cold_src, 7);
	diff_sources(&fx, GCC, old_src, new_src);
	ck_assert_msg(obj_find_symbol(fx.old->objs[0], "coldy.cold"), "gcc made no coldy.cold");
	expect(&fx, "coldy", DIFF_CHANGED, DIFF_R_PART);
	expect(&fx, "other", DIFF_SAME, 0);
	expect_absent(&fx, "coldy.cold");
	ds = find_result(&fx, "coldy");
	ck_assert_uint_eq(ds->old_size, obj_find_symbol(fx.old->objs[0], "coldy")->size +
			  obj_find_symbol(fx.old->objs[0], "coldy.cold")->size);
	expect_counts(&fx, 1, 0, 0);
	fixture_release(&fx);

	/* The same source: the part is unchanged, and so is its parent. */
	diff_sources(&fx, GCC, old_src, old_src);
	expect_nothing(&fx);
	expect_absent(&fx, "coldy.cold");
	fixture_release(&fx);
}
END_TEST

/* ---- added, removed, data ---------------------------------------------------------- */

START_TEST(test_added_removed)
{
	struct fixture fx;

	diff_sources(&fx, CLANG_ELF,
		     "int keep(int x) { return x; }\nint gone(int x) { return x * 7; }\n"
		     "int old_table[3] = { 1, 2, 3 };\n",
		     "int fresh(int x) { return x * 9; }\nint keep(int x) { return x; }\n");
	expect(&fx, "keep", DIFF_SAME, 0);
	expect(&fx, "gone", DIFF_REMOVED, 0);
	expect(&fx, "old_table", DIFF_REMOVED, 0);
	expect(&fx, "fresh", DIFF_ADDED, 0);
	expect_counts(&fx, 0, 1, 2);
	/* New symbols in the new object's order, then removed ones. */
	ck_assert_str_eq(fx.pair.syms[fx.pair.nr_syms - 1].name, "old_table");
	ck_assert_uint_eq(find_result(&fx, "old_table")->old_size, 12);
	ck_assert_uint_eq(find_result(&fx, "fresh")->old_size, 0);
	fixture_release(&fx);
}
END_TEST

START_TEST(test_data)
{
	struct fixture fx;

	diff_sources(&fx, CLANG_ELF,
		     "int table[4] = { 1, 2, 3, 4 };\nint grows[4];\nint same = 5;\n"
		     "static int hidden = 1;\nint *get(void) { return &hidden; }\n"
		     "const int ro = 1;\nint tocommon = 3;\n"
		     "int f(void) { return table[1]; }\n",
		     "int table[4] = { 1, 2, 3, 5 };\nint grows[8];\nint same = 5;\n"
		     "int hidden = 1;\nint *get(void) { return &hidden; }\n"
		     "int ro = 1;\nint tocommon = 4;\n"
		     "int f(void) { return table[1]; }\n");
	expect(&fx, "table", DIFF_CHANGED, DIFF_R_DATA);
	expect(&fx, "grows", DIFF_CHANGED, DIFF_R_SIZE);
	expect(&fx, "same", DIFF_SAME, 0);
	expect(&fx, "hidden", DIFF_CHANGED, DIFF_R_BIND);
	expect(&fx, "ro", DIFF_CHANGED, DIFF_R_SECTION);
	expect(&fx, "tocommon", DIFF_CHANGED, DIFF_R_DATA);
	expect(&fx, "f", DIFF_SAME, 0);
	expect(&fx, "get", DIFF_SAME, 0);
	fixture_release(&fx);

	/* Common symbols have no section and no bytes: size only. */
	diff_sources(&fx, CLANG_ELF " -fcommon",
		     "int buf[4];\nint f(void) { return buf[1]; }\n",
		     "int buf[8];\nint f(void) { return buf[1]; }\n");
	expect(&fx, "buf", DIFF_CHANGED, DIFF_R_SIZE);
	expect(&fx, "f", DIFF_SAME, 0);
	fixture_release(&fx);
}
END_TEST

/* A function that becomes a variable of the same name. */
START_TEST(test_kind_change)
{
	struct fixture fx;

	diff_sources(&fx, CLANG_ELF, "int thing(void) { return 1; }\n",
		     "int thing = 1;\n");
	expect(&fx, "thing", DIFF_CHANGED, DIFF_R_KIND | DIFF_R_SECTION | DIFF_R_SIZE |
	       DIFF_R_DATA);
	fixture_release(&fx);
}
END_TEST

/* ---- layout ------------------------------------------------------------------------ */

/*
 * Without -ffunction-sections an earlier function grows: everything after
 * it moves, calls between them inside .text carry no relocation (decoded),
 * and its jump table moves in .rodata.  Only the first one changed.
 */
static const char layout_fmt[] =
	"int ext(int);\n"
	"static int __attribute__((noinline)) leaf(int x) { return x * 13 + ext(x); }\n"
	"int first(int x) { %s }\n"
	"int sw(int x) {\n"
	"	switch (x) {\n"
	"	case 0: return leaf(1); case 1: return ext(2); case 2: return 7;\n"
	"	case 3: return leaf(9); case 4: return ext(5); case 5: return 11;\n"
	"	default: return 0;\n"
	"	}\n"
	"}\n"
	"int caller(int x) { return leaf(x) + leaf(x + 1); }\n"
	"const char *str(void) { return \"later\"; }\n"
	"static int counter;\n"
	"int count(void) { return ++counter; }\n";

START_TEST(test_earlier_function_grows)
{
	static const char *const ccs[] = {
		CLANG_ELF, GCC, CLANG_ELF " -fno-pic -fno-pie", GCC " -fno-pic",
		"clang -target aarch64-linux-gnu -O2",
	};
	char old_src[1024], new_src[1024];
	struct fixture fx;

	snprintf(old_src, sizeof(old_src), layout_fmt, "return x + 1;");
	snprintf(new_src, sizeof(new_src), layout_fmt,
		 "int r = x + 1; if (x > 3) r += ext(x) * ext(r + 2) - ext(r * 3); return r;");
	for (size_t i = 0; i < sizeof(ccs) / sizeof(ccs[0]); i++) {
		diff_sources(&fx, ccs[i], old_src, new_src);
		expect(&fx, "first", DIFF_CHANGED, DIFF_R_CODE | DIFF_R_RELOCS);
		expect(&fx, "sw", DIFF_SAME, 0);
		expect(&fx, "caller", DIFF_SAME, 0);
		expect(&fx, "str", DIFF_SAME, 0);
		expect(&fx, "count", DIFF_SAME, 0);
		expect_counts(&fx, 1, 0, 0);
		fixture_release(&fx);
	}
}
END_TEST

/* A leaf that changes is seen by its callers through decoded calls. */
START_TEST(test_decoded_call_target)
{
	struct fixture fx;

	diff_sources(&fx, GCC,
		     "static int __attribute__((noinline)) l1(int x) { return x * 13; }\n"
		     "static int __attribute__((noinline)) l2(int x) { return x * 17; }\n"
		     "int caller(int x) { return l1(x) + 1; }\n",
		     "static int __attribute__((noinline)) l1(int x) { return x * 13; }\n"
		     "static int __attribute__((noinline)) l2(int x) { return x * 17; }\n"
		     "int caller(int x) { return l2(x) + 1; }\n");
	/* l1 and l2 stay (nothing else references l1 in new: it is dropped) */
	expect(&fx, "caller", DIFF_CHANGED, DIFF_R_RELOCS);
	fixture_release(&fx);
}
END_TEST

/* ---- options and errors --------------------------------------------------------------- */

START_TEST(test_options)
{
	static const struct diff_opts none, quick = { .quick = true };
	struct fixture fx;
	struct ipbp_err err;
	struct diff_pair pair;

	diff_sources(&fx, CLANG_ELF,
		     "int a(int x) { return x + 1; }\nint b(int x) { return x + 2; }\n"
		     "int c(int x) { return x + 3; }\n",
		     "int a(int x) { return x + 5; }\nint b(int x) { return x + 6; }\n"
		     "int c(int x) { return x + 3; }\n");
	expect_counts(&fx, 2, 0, 0);

	ck_assert_int_eq(diff_objs(&pair, fx.old->objs[0], fx.new->objs[0], &none, &err), 0);
	ck_assert_uint_eq(pair.nr_syms, 2);	/* c is not listed */
	ck_assert_str_eq(pair.syms[0].name, "a");
	ck_assert_str_eq(pair.old_name, fx.old->objs[0]->name);
	diff_pair_release(&pair);

	ck_assert_int_eq(diff_objs(&pair, fx.old->objs[0], fx.new->objs[0], &quick, &err), 0);
	ck_assert(diff_pair_differs(&pair));
	ck_assert_uint_eq(pair.nr_changed, 1);
	diff_pair_release(&pair);

	ck_assert_int_eq(diff_objs(&pair, fx.old->objs[0], fx.old->objs[0], NULL, &err), 0);
	ck_assert(!diff_pair_differs(&pair));
	ck_assert_uint_eq(pair.nr_syms, 0);
	diff_pair_release(&pair);

	ck_assert_int_eq(diff_one_sided(&pair, NULL, fx.new->objs[0], NULL, &err), 0);
	ck_assert_uint_eq(pair.nr_added, 3);
	ck_assert(pair.syms[0].old == NULL && pair.syms[0].new_size > 0);
	diff_pair_release(&pair);
	ck_assert_int_eq(diff_one_sided(&pair, fx.old->objs[0], NULL, NULL, &err), 0);
	ck_assert_uint_eq(pair.nr_removed, 3);
	diff_pair_release(&pair);
	fixture_release(&fx);
}
END_TEST

START_TEST(test_mixed_formats)
{
	struct fixture fx;
	struct objfile *macho;
	struct diff_pair pair;
	struct ipbp_err err;
	char path[256], cmd[512];

	diff_sources(&fx, CLANG_ELF, "int a(void) { return 1; }\n", "int a(void) { return 1; }\n");
	snprintf(path, sizeof(path), "%s/m.o", fx.dir);
	snprintf(cmd, sizeof(cmd), "clang -target x86_64-apple-macos11 -c %s/old/x.c -o %s",
		 fx.dir, path);
	ck_assert(system(cmd) == 0);
	macho = unit_open(path, NULL);
	ck_assert_int_eq(diff_objs(&pair, fx.old->objs[0], macho->objs[0], NULL, &err), -1);
	ck_assert_str_eq(err.msg, "cannot compare elf/x86-64 with macho/x86-64");
	ck_assert_ptr_null(pair.syms);
	objfile_free(macho);
	fixture_release(&fx);
}
END_TEST

/* ---- other formats ------------------------------------------------------------------- */

static const char formats_old[] =
	"int ext_a(int); int ext_b(int);\n"
	"static int __attribute__((noinline)) leaf(int x) { return x * 13 + ext_a(x); }\n"
	"int first(int x) { return x + 1; }\n"
	"int f(int x) { return ext_a(x) + leaf(x); }\n"
	"const char *str(void) { return \"later\"; }\n"
	"double dc(double x) { return x * 3.25; }\n"
	"int table[4] = { 1, 2, 3, 4 };\n"
	"int f1(int x) { static int calls; calls += x; return calls; }\n"
	"int f2(int x) { static int calls; calls -= x; return calls; }\n";
static const char formats_new[] =
	"int ext_a(int); int ext_b(int);\n"
	"static int __attribute__((noinline)) leaf(int x) { return x * 13 + ext_a(x); }\n"
	"int first(int x) { int r = x + 1; if (x > 3) r += ext_a(x) * ext_a(r + 2); return r; }\n"
	"int f(int x) { return ext_b(x) + leaf(x); }\n"
	"const char *str0(void) { return \"earlier\"; }\n"
	"const char *str(void) { return \"later\"; }\n"
	"double dc(double x) { return x * 3.25; }\n"
	"int table[4] = { 1, 2, 3, 5 };\n"
	"int f2(int x) { static int calls; calls -= x; return calls; }\n"
	"int f1(int x) { static int calls; calls += x; return calls; }\n";

/* The same story in every format; prefix is "_" where C names get one. */
static void check_formats_story(const char *cc, const char *prefix)
{
	struct fixture fx;
	char name[64];

#define EXPECT(sym, status, reasons) \
	(snprintf(name, sizeof(name), "%s%s", prefix, sym), expect(&fx, name, status, reasons))
	diff_sources(&fx, cc, formats_old, formats_new);
	EXPECT("first", DIFF_CHANGED, DIFF_R_CODE | DIFF_R_RELOCS);
	EXPECT("f", DIFF_CHANGED, DIFF_R_RELOCS);
	EXPECT("str0", DIFF_ADDED, 0);
	EXPECT("str", DIFF_SAME, 0);
	EXPECT("dc", DIFF_SAME, 0);
	EXPECT("table", DIFF_CHANGED, DIFF_R_DATA);
	EXPECT("f1", DIFF_SAME, 0);
	EXPECT("f2", DIFF_SAME, 0);
	EXPECT("f1.calls", DIFF_SAME, 0);
	EXPECT("leaf", DIFF_SAME, 0);
	expect_counts(&fx, 3, 1, 0);
#undef EXPECT
	fixture_release(&fx);
}

/* Mach-O: underscored names, sizes derived from the next symbol. */
START_TEST(test_macho)
{
	check_formats_story("clang -target x86_64-apple-macos11 -O2", "_");
	check_formats_story("clang -target arm64-apple-macos11 -O2", "_");
}
END_TEST

/* Mach-O SUBTRACTOR: a - b, compared by both symbols. */
START_TEST(test_macho_subtractor)
{
	static const char fmt[] =
		"int x1 = 1; int y1 = 2; int z1 = 3;\n"
		"__asm__(\".data\\n.globl _dd\\n.p2align 3\\n_dd: .quad _y1 - %s\\n\");\n";
	char old_src[256], new_src[256];
	struct fixture fx;

	snprintf(old_src, sizeof(old_src), fmt, "_x1");
	snprintf(new_src, sizeof(new_src), fmt, "_z1");
	diff_sources(&fx, "clang -target x86_64-apple-macos11 -O2", old_src, new_src);
	ck_assert_uint_eq(fx.old->objs[0]->relocs[0]->kind, RK_SUB);
	expect(&fx, "_dd", DIFF_CHANGED, DIFF_R_RELOCS);
	expect(&fx, "_x1", DIFF_SAME, 0);
	fixture_release(&fx);
	diff_sources(&fx, "clang -target x86_64-apple-macos11 -O2", old_src, old_src);
	expect_nothing(&fx);
	fixture_release(&fx);
}
END_TEST

/* COFF: COMDAT sections per function, content-named literals (??_C@). */
START_TEST(test_coff)
{
	check_formats_story("clang -target x86_64-pc-windows-msvc -O2", "");
	check_formats_story("clang -target x86_64-pc-windows-msvc -O2 -ffunction-sections", "");
	check_formats_story("clang -target i686-pc-windows-msvc -O2", "_");
}
END_TEST

/* Wasm: function bodies in CODE with LEB fields (function indexes shift). */
START_TEST(test_wasm)
{
	check_formats_story("clang -target wasm32-unknown-unknown -O2", "");
}
END_TEST

START_TEST(test_elf_story)
{
	check_formats_story(CLANG_ELF, "");
	check_formats_story(CLANG_ELF " -ffunction-sections -fdata-sections", "");
	check_formats_story("clang -target aarch64-linux-gnu -O2", "");
	check_formats_story("clang -target i686-linux-gnu -O2", "");
}
END_TEST

static Suite *diff_suite(void)
{
	Suite *s = suite_create("diff");
	TCase *names = tcase_create("names");
	TCase *rules = tcase_create("rules");
	TCase *formats = tcase_create("formats");

	tcase_add_test(names, test_normalized_names);
	tcase_add_test(names, test_normalized_name_truncates);
	tcase_add_test(names, test_reason_and_status_names);
	suite_add_tcase(s, names);

	tcase_set_timeout(rules, 60);
	tcase_add_test(rules, test_body_change);
	tcase_add_test(rules, test_inlined_static);
	tcase_add_test(rules, test_call_target);
	tcase_add_test(rules, test_comments_only);
	tcase_add_test(rules, test_other_directory);
	tcase_add_test(rules, test_strings_reordered);
	tcase_add_test(rules, test_string_changed);
	tcase_add_test(rules, test_static_locals_gcc);
	tcase_add_test(rules, test_static_locals_clang);
	tcase_add_test(rules, test_statics_oracle_source);
	tcase_add_test(rules, test_constprop_isra);
	tcase_add_test(rules, test_cold_part);
	tcase_add_test(rules, test_added_removed);
	tcase_add_test(rules, test_data);
	tcase_add_test(rules, test_kind_change);
	tcase_add_test(rules, test_earlier_function_grows);
	tcase_add_test(rules, test_decoded_call_target);
	tcase_add_test(rules, test_options);
	tcase_add_test(rules, test_mixed_formats);
	suite_add_tcase(s, rules);

	tcase_set_timeout(formats, 60);
	tcase_add_test(formats, test_elf_story);
	tcase_add_test(formats, test_macho);
	tcase_add_test(formats, test_macho_subtractor);
	tcase_add_test(formats, test_coff);
	tcase_add_test(formats, test_wasm);
	suite_add_tcase(s, formats);
	return s;
}

UNIT_MAIN(diff_suite)
