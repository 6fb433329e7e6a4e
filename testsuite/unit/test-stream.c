/* SPDX-License-Identifier: MIT */
/*
 * test-stream.c - the diff stream of doc/objdiff.5: exact text and JSON
 * from hand-built pairs, write/parse round trips (escaped names too),
 * streams filtered by grep, and every parser error with its line number.
 */
#include <string.h>
#include <sys/stat.h>

#include "decode.h"
#include "demangle.h"
#include "stream.h"
#include "unit.h"

/* ---- helpers ----------------------------------------------------------------- */

#define NO STREAM_NO_SIZE

static struct diff_symbol sym(enum diff_status st, enum symbol_kind kind,
			      const char *name, uint64_t old_size,
			      uint64_t new_size, unsigned reasons)
{
	struct diff_symbol ds = {
		.status = st, .kind = kind, .name = name, .reasons = reasons,
		.old_size = old_size, .new_size = new_size,
	};
	return ds;
}

/* The design's example: one pair with each mark. */
static struct diff_symbol example_syms[4];
static struct diff_pair example_pair;

static void make_example(void)
{
	example_syms[0] = sym(DIFF_CHANGED, SYMK_FUNC, "gmatch_aux", 201, 217,
			      DIFF_R_CODE | DIFF_R_RELOCS);
	example_syms[1] = sym(DIFF_ADDED, SYMK_FUNC, "new_helper", 0, 45, 0);
	example_syms[2] = sym(DIFF_REMOVED, SYMK_DATA, "old_table", 64, 0, 0);
	example_syms[3] = sym(DIFF_SAME, SYMK_FUNC, "unchanged", 12, 12, 0);
	example_pair = (struct diff_pair){
		.old_name = "old.o", .new_name = "new.o",
		.syms = example_syms, .nr_syms = 4,
	};
}

enum writer { TEXT, JSON };

/* Writes pairs with the chosen writer into a new string (caller frees). */
static char *write_pairs(enum writer w, const struct diff_pair *pairs, size_t n,
			 bool all)
{
	struct stream_write_opts opts = { .all = all };
	struct ipbp_err err = { "" };
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);
	int ret;

	ck_assert(f != NULL);
	ret = w == TEXT ? stream_write_text(f, pairs, n, &opts, &err)
			: stream_write_json(f, pairs, n, &opts, &err);
	ck_assert_msg(ret == 0, "%s", err.msg);
	fclose(f);
	return buf;
}

static struct diff_stream *parse_ok(const char *text, size_t len)
{
	struct diff_stream *s = NULL;
	struct ipbp_err err = { "" };

	ck_assert_msg(stream_parse(&s, "in", text, len, &err) == 0, "%s", err.msg);
	ck_assert(s != NULL);
	return s;
}

static struct diff_stream *parse_str(const char *text)
{
	return parse_ok(text, strlen(text));
}

static void expect_error(const char *text, size_t len, const char *msg)
{
	struct diff_stream *s = (struct diff_stream *)1;
	struct ipbp_err err = { "" };

	ck_assert_msg(stream_parse(&s, "in", text, len, &err) == -1,
		      "accepted: %s", text);
	ck_assert(s == NULL);
	ck_assert_str_eq(err.msg, msg);
}

static void check_sym(const struct stream_symbol *ss, const struct diff_symbol *ds)
{
	ck_assert_int_eq(ss->status, ds->status);
	ck_assert_int_eq(ss->kind, ds->kind);
	ck_assert_str_eq(ss->name, ds->name);
	ck_assert_uint_eq(ss->old_size, ds->status == DIFF_ADDED ? NO : ds->old_size);
	ck_assert_uint_eq(ss->new_size, ds->status == DIFF_REMOVED ? NO : ds->new_size);
	ck_assert_uint_eq(ss->reasons, ds->status == DIFF_CHANGED ? ds->reasons : 0);
}

/* Runs python3 -m json.tool over text: the JSON must be valid. */
static void check_json_valid(const char *text)
{
	FILE *p = popen("python3 -m json.tool >/dev/null", "w");

	ck_assert(p != NULL);
	fputs(text, p);
	ck_assert_msg(pclose(p) == 0, "invalid JSON:\n%s", text);
}

/* A crafted name may demangle to anything: the comment stays one line. */
START_TEST(demangled_comment_escaped)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	ck_assert(f != NULL);
	text_put_demangled(f, "_Z4ab\n\\v");	/* "ab", a newline, a backslash */
	text_put_demangled(f, "__Z3fooi");		/* Mach-O's extra '_' */
	text_put_demangled(f, "main");			/* C: nothing */
	text_put_demangled(f, "_Znotmangled");		/* not Itanium: nothing */
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_str_eq(text, " # ab\\x0a\\x5c() # foo(int)");
	free(text);
}
END_TEST

/* ---- writers ------------------------------------------------------------------ */

START_TEST(text_exact)
{
	char *text;

	make_example();
	text = write_pairs(TEXT, &example_pair, 1, false);
	ck_assert_str_eq(text,
		"# objdiff 1\n"
		"--- old.o\n"
		"+++ new.o\n"
		"~ func gmatch_aux 201 217 code,relocs\n"
		"+ func new_helper - 45\n"
		"- data old_table 64 -\n");
	free(text);
	text = write_pairs(TEXT, &example_pair, 1, true);
	ck_assert_str_eq(text,
		"# objdiff 1\n"
		"--- old.o\n"
		"+++ new.o\n"
		"~ func gmatch_aux 201 217 code,relocs\n"
		"+ func new_helper - 45\n"
		"- data old_table 64 -\n"
		"= func unchanged 12 12\n");
	free(text);
}
END_TEST

START_TEST(text_all_reasons_and_pairs)
{
	struct diff_symbol a[] = {
		sym(DIFF_CHANGED, SYMK_TLS, "t", 8, 16, 0x1ff),
		sym(DIFF_CHANGED, SYMK_DATA, "nothing_known", 4, 4, 0),
	};
	struct diff_symbol same[] = { sym(DIFF_SAME, SYMK_FUNC, "f", 1, 1, 0) };
	struct diff_pair pairs[] = {
		{ .old_name = "lib.a(same.o)", .new_name = "lib.a(same.o)",
		  .syms = same, .nr_syms = 1 },
		{ .old_name = "lib.a(x.o)", .new_name = "lib.a(x.o)", .syms = a, .nr_syms = 2 },
		{ .old_name = "lib.a(empty.o)", .new_name = "lib.a(empty.o)" },
	};
	char *text = write_pairs(TEXT, pairs, 3, false);

	/* A pair with nothing to show is left out, as diff -r does. */
	ck_assert_str_eq(text,
		"# objdiff 1\n"
		"--- lib.a(x.o)\n"
		"+++ lib.a(x.o)\n"
		"~ tls t 8 16 size,code,relocs,data,section,kind,bind,part,debug\n"
		"~ data nothing_known 4 4\n");
	free(text);
	text = write_pairs(TEXT, pairs, 3, true);
	ck_assert_str_eq(text,
		"# objdiff 1\n"
		"--- lib.a(same.o)\n"
		"+++ lib.a(same.o)\n"
		"= func f 1 1\n"
		"--- lib.a(x.o)\n"
		"+++ lib.a(x.o)\n"
		"~ tls t 8 16 size,code,relocs,data,section,kind,bind,part,debug\n"
		"~ data nothing_known 4 4\n"
		"--- lib.a(empty.o)\n"
		"+++ lib.a(empty.o)\n");
	free(text);
	text = write_pairs(TEXT, NULL, 0, false);
	ck_assert_str_eq(text, "# objdiff 1\n");
	free(text);
}
END_TEST

START_TEST(text_one_sided_pairs)
{
	struct diff_symbol added = sym(DIFF_ADDED, SYMK_FUNC, "n", 0, 5, 0);
	struct diff_symbol removed = sym(DIFF_REMOVED, SYMK_DATA, "o", 6, 0, 0);
	struct diff_pair pairs[] = {
		{ .old_name = "old/lib.a(gone.o)", .syms = &removed, .nr_syms = 1 },
		{ .new_name = "new/lib.a(new.o)", .syms = &added, .nr_syms = 1 },
	};
	struct diff_stream *s;
	char *text = write_pairs(TEXT, pairs, 2, false);

	/* The side a member is missing from is /dev/null, as in diff -N. */
	ck_assert_str_eq(text,
		"# objdiff 1\n"
		"--- old/lib.a(gone.o)\n"
		"+++ /dev/null\n"
		"- data o 6 -\n"
		"--- /dev/null\n"
		"+++ new/lib.a(new.o)\n"
		"+ func n - 5\n");
	s = parse_str(text);
	ck_assert_uint_eq(s->nr_pairs, 2);
	ck_assert_str_eq(s->pairs[0].new_name, "/dev/null");
	ck_assert_str_eq(s->pairs[1].old_name, "/dev/null");
	ck_assert_str_eq(s->pairs[1].new_name, "new/lib.a(new.o)");
	stream_free(s);
	free(text);
	text = write_pairs(JSON, pairs, 2, false);
	ck_assert_msg(strstr(text, "{\"old\":\"old/lib.a(gone.o)\",\"new\":null,") != NULL, "%s", text);
	ck_assert_msg(strstr(text, "{\"old\":null,\"new\":\"new/lib.a(new.o)\",") != NULL, "%s", text);
	check_json_valid(text);
	free(text);
}
END_TEST

START_TEST(symbol_line)
{
	struct diff_symbol ds = sym(DIFF_CHANGED, SYMK_FUNC, "a b", 3, 4, DIFF_R_SIZE);
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);

	stream_write_symbol_line(f, &ds);
	fclose(f);
	ck_assert_str_eq(buf, "~ func a\\x20b 3 4 size");
	free(buf);
}
END_TEST

START_TEST(writer_refuses_other_kinds)
{
	struct diff_symbol ds = sym(DIFF_ADDED, SYMK_SECTION, ".text", 0, 4, 0);
	struct diff_pair pair = { .old_name = "a", .new_name = "b", .syms = &ds, .nr_syms = 1 };
	struct ipbp_err err = { "" };
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);

	ck_assert_int_eq(stream_write_text(f, &pair, 1, NULL, &err), -1);
	ck_assert_str_eq(err.msg, "stream: symbol .text has kind section, not func, data or tls");
	ck_assert_int_eq(stream_write_json(f, &pair, 1, NULL, &err), -1);
	fclose(f);
	ck_assert_str_eq(buf, "");	/* nothing written before the check */
	free(buf);
}
END_TEST

START_TEST(json_exact)
{
	char *text;

	make_example();
	text = write_pairs(JSON, &example_pair, 1, true);
	ck_assert_str_eq(text,
		"{\"objdiff\":1,\"pairs\":[\n"
		" {\"old\":\"old.o\",\"new\":\"new.o\",\"symbols\":[\n"
		"  {\"status\":\"changed\",\"kind\":\"func\",\"name\":\"gmatch_aux\","
		"\"old_size\":201,\"new_size\":217,\"reasons\":[\"code\",\"relocs\"]},\n"
		"  {\"status\":\"added\",\"kind\":\"func\",\"name\":\"new_helper\","
		"\"old_size\":null,\"new_size\":45,\"reasons\":[]},\n"
		"  {\"status\":\"removed\",\"kind\":\"data\",\"name\":\"old_table\","
		"\"old_size\":64,\"new_size\":null,\"reasons\":[]},\n"
		"  {\"status\":\"unchanged\",\"kind\":\"func\",\"name\":\"unchanged\","
		"\"old_size\":12,\"new_size\":12,\"reasons\":[]}\n"
		" ]}\n"
		"]}\n");
	check_json_valid(text);
	free(text);
	text = write_pairs(JSON, NULL, 0, false);
	ck_assert_str_eq(text, "{\"objdiff\":1,\"pairs\":[]}\n");
	check_json_valid(text);
	free(text);
}
END_TEST

START_TEST(json_escaping)
{
	struct diff_symbol syms[] = {
		sym(DIFF_ADDED, SYMK_DATA, "q\"b\\s/\n\t\x01\x7f", 0, 1, 0),
		sym(DIFF_ADDED, SYMK_DATA, "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 0, 2, 0),
		sym(DIFF_ADDED, SYMK_DATA, "bad\xff\xc3(\xed\xa0\x80", 0, 3, 0),
	};
	struct diff_pair pair = { .old_name = NULL, .new_name = "x y.o", .syms = syms,
				  .nr_syms = 3 };
	char *text = write_pairs(JSON, &pair, 1, false);

	ck_assert_str_eq(text,
		"{\"objdiff\":1,\"pairs\":[\n"
		" {\"old\":null,\"new\":\"x y.o\",\"symbols\":[\n"
		"  {\"status\":\"added\",\"kind\":\"data\",\"name\":"
		"\"q\\\"b\\\\s/\\u000a\\u0009\\u0001\\u007f\","
		"\"old_size\":null,\"new_size\":1,\"reasons\":[]},\n"
		"  {\"status\":\"added\",\"kind\":\"data\",\"name\":"
		"\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\","
		"\"old_size\":null,\"new_size\":2,\"reasons\":[]},\n"
		"  {\"status\":\"added\",\"kind\":\"data\",\"name\":"
		"\"bad\\u00ff\\u00c3(\\u00ed\\u00a0\\u0080\","
		"\"old_size\":null,\"new_size\":3,\"reasons\":[]}\n"
		" ]}\n"
		"]}\n");
	check_json_valid(text);
	free(text);
}
END_TEST

/* ---- round trips ----------------------------------------------------------- */

START_TEST(round_trip)
{
	struct diff_stream *s;
	char *text;

	make_example();
	text = write_pairs(TEXT, &example_pair, 1, true);
	s = parse_str(text);
	ck_assert_uint_eq(s->version, 1);
	ck_assert_uint_eq(s->nr_pairs, 1);
	ck_assert_str_eq(s->pairs[0].old_name, "old.o");
	ck_assert_str_eq(s->pairs[0].new_name, "new.o");
	ck_assert_uint_eq(s->pairs[0].nr_syms, 4);
	for (size_t i = 0; i < 4; i++) {
		check_sym(&s->pairs[0].syms[i], &example_syms[i]);
		ck_assert_uint_eq(s->pairs[0].syms[i].line, 4 + i);
	}
	stream_free(s);
	free(text);
}
END_TEST

START_TEST(round_trip_escaped_names)
{
	static const char *const names[] = {
		"a b", "tab\there", "nl\nx", "cr\r", "back\\slash", "\\x41", "del\x7f",
		"", " ", "#hash", "-", "~", "+++", "---", "caf\xc3\xa9", "\xff\xfe",
		"_ZN3foo3barEv", "foo.constprop.0", "x,y", "trailing ",
	};
	enum { N = sizeof(names) / sizeof(names[0]) };
	struct diff_symbol syms[N];
	struct diff_pair pairs[2] = {
		{ .old_name = "my dir/lib.a(a b.o)", .new_name = "new\\dir/x\ty.o",
		  .syms = syms, .nr_syms = N },
		{ .old_name = "", .new_name = "\x01", .syms = syms, .nr_syms = 1 },
	};
	struct diff_stream *s;
	char *text;

	for (size_t i = 0; i < N; i++)
		syms[i] = sym(DIFF_CHANGED, SYMK_FUNC, names[i], i, i + 1, DIFF_R_CODE);
	text = write_pairs(TEXT, pairs, 2, false);
	ck_assert_msg(strstr(text, "--- my\\x20dir/lib.a(a\\x20b.o)\n"
			     "+++ new\\x5cdir/x\\x09y.o\n") != NULL, "%s", text);
	ck_assert_msg(strstr(text, "~ func \\x00 7 8 code\n") != NULL, "%s", text);
	ck_assert_msg(strstr(text, "--- \\x00\n+++ \\x01\n") != NULL, "%s", text);
	s = parse_str(text);
	ck_assert_uint_eq(s->nr_pairs, 2);
	ck_assert_str_eq(s->pairs[0].old_name, pairs[0].old_name);
	ck_assert_str_eq(s->pairs[0].new_name, pairs[0].new_name);
	ck_assert_str_eq(s->pairs[1].old_name, "");
	ck_assert_str_eq(s->pairs[1].new_name, "\x01");
	ck_assert_uint_eq(s->pairs[0].nr_syms, N);
	for (size_t i = 0; i < N; i++)
		check_sym(&s->pairs[0].syms[i], &syms[i]);
	stream_free(s);
	free(text);

	/* Upper-case hex digits and needless escapes are read too. */
	s = parse_str("+ func \\x41\\x2C\\x2c - 1\n");
	ck_assert_str_eq(s->pairs[0].syms[0].name, "A,,");
	stream_free(s);
}
END_TEST

/* ---- parser: tolerance ------------------------------------------------------- */

START_TEST(parse_grep_filtered)
{
	/* objdiff a.o b.o | grep -w fix_me: no version, no headers. */
	struct diff_stream *s = parse_str("~ func fix_me 10 12 code,size\n");

	ck_assert_uint_eq(s->version, 0);
	ck_assert_uint_eq(s->nr_pairs, 1);
	ck_assert_ptr_null(s->pairs[0].old_name);
	ck_assert_ptr_null(s->pairs[0].new_name);
	ck_assert_uint_eq(s->pairs[0].nr_syms, 1);
	ck_assert_uint_eq(s->pairs[0].syms[0].reasons, DIFF_R_CODE | DIFF_R_SIZE);
	ck_assert_uint_eq(s->pairs[0].syms[0].line, 1);
	stream_free(s);

	/* grep -v '^---': "+++" alone starts a pair with no old name. */
	s = parse_str("# objdiff 1\n+++ a.o\n+ func f - 1\n+++ b.o\n- data d 2 -\n");
	ck_assert_uint_eq(s->version, 1);
	ck_assert_uint_eq(s->nr_pairs, 2);
	ck_assert_ptr_null(s->pairs[0].old_name);
	ck_assert_str_eq(s->pairs[0].new_name, "a.o");
	ck_assert_ptr_null(s->pairs[1].old_name);
	ck_assert_str_eq(s->pairs[1].new_name, "b.o");
	ck_assert_uint_eq(s->pairs[1].nr_syms, 1);
	ck_assert_uint_eq(s->pairs[1].syms[0].line, 5);
	stream_free(s);

	/* grep -v '^+++': "---" alone, each one its own pair. */
	s = parse_str("--- a.o\n--- b.o\n~ func f 1 2 size\n");
	ck_assert_uint_eq(s->nr_pairs, 2);
	ck_assert_str_eq(s->pairs[0].old_name, "a.o");
	ck_assert_ptr_null(s->pairs[0].new_name);
	ck_assert_uint_eq(s->pairs[0].nr_syms, 0);
	ck_assert_str_eq(s->pairs[1].old_name, "b.o");
	ck_assert_ptr_null(s->pairs[1].new_name);
	ck_assert_uint_eq(s->pairs[1].nr_syms, 1);
	stream_free(s);

	/* Symbols before the first header are a pair of their own. */
	s = parse_str("+ func f - 1\n--- a.o\n+++ b.o\n+ func g - 2\n");
	ck_assert_uint_eq(s->nr_pairs, 2);
	ck_assert_ptr_null(s->pairs[0].old_name);
	ck_assert_str_eq(s->pairs[1].new_name, "b.o");
	ck_assert_str_eq(s->pairs[1].syms[0].name, "g");
	stream_free(s);

	/* A "+++" after symbol lines does not join the pair above it. */
	s = parse_str("--- a.o\n+ func f - 1\n+++ b.o\n");
	ck_assert_uint_eq(s->nr_pairs, 2);
	ck_assert_ptr_null(s->pairs[0].new_name);
	ck_assert_ptr_null(s->pairs[1].old_name);
	ck_assert_str_eq(s->pairs[1].new_name, "b.o");
	stream_free(s);
}
END_TEST

START_TEST(parse_skips_details_comments_crlf)
{
	static const char text[] =
		"# objdiff 1\r\n"
		"# a comment\r\n"
		"#objdiff 1\n"
		"#not a version line: objdiff 2\n"
		"--- old.o\r\n"
		"+++ new.o\r\n"
		"~ func f 1 2 code\r\n"
		"    0:  55              push %rbp\n"
		"\t- 1: c3 ret\n"
		"\n"
		"\r\n"
		"~\tfunc  g\t 3  4   relocs  \r\n"
		"~ data h 5 5\n"
		"= tls i 6 6 size\n"
		"+ data last - 7";		/* no final newline */
	struct diff_stream *s = parse_ok(text, sizeof(text) - 1);
	const struct stream_pair *p;

	ck_assert_uint_eq(s->nr_pairs, 1);
	p = &s->pairs[0];
	ck_assert_uint_eq(p->nr_syms, 5);
	ck_assert_str_eq(p->syms[1].name, "g");
	ck_assert_uint_eq(p->syms[1].old_size, 3);
	ck_assert_uint_eq(p->syms[1].reasons, DIFF_R_RELOCS);
	ck_assert_uint_eq(p->syms[1].line, 12);
	ck_assert_uint_eq(p->syms[2].reasons, 0);	/* "~" without reasons */
	ck_assert_uint_eq(p->syms[3].reasons, DIFF_R_SIZE); /* taken on any line */
	ck_assert_int_eq(p->syms[3].kind, SYMK_TLS);
	ck_assert_str_eq(p->syms[4].name, "last");
	ck_assert_uint_eq(p->syms[4].line, 15);
	stream_free(s);

	s = parse_ok("", 0);
	ck_assert_uint_eq(s->version, 0);
	ck_assert_uint_eq(s->nr_pairs, 0);
	stream_free(s);

	/* Concatenated streams: a second version line is fine. */
	s = parse_str("# objdiff 1\n+ func a - 1\n# objdiff 1\n--- x\n+++ y\n");
	ck_assert_uint_eq(s->nr_pairs, 2);
	stream_free(s);

	/* Large sizes, leading zeros. */
	s = parse_str("~ data big 18446744073709551614 007\n");
	ck_assert_uint_eq(s->pairs[0].syms[0].old_size, UINT64_MAX - 1);
	ck_assert_uint_eq(s->pairs[0].syms[0].new_size, 7);
	stream_free(s);
}
END_TEST

START_TEST(parse_long_lines_many_symbols)
{
	size_t n = 20000, namelen = 100000, cap = n * 32 + namelen + 64, len = 0;
	char *text = malloc(cap);
	struct diff_stream *s;

	ck_assert(text != NULL);
	for (size_t i = 0; i < n; i++)
		len += (size_t)snprintf(text + len, cap - len, "+ func f%zu - %zu\n", i, i);
	len += (size_t)snprintf(text + len, cap - len, "- data ");
	memset(text + len, 'x', namelen);
	len += namelen;
	len += (size_t)snprintf(text + len, cap - len, " 1 -\n");
	s = parse_ok(text, len);
	ck_assert_uint_eq(s->nr_pairs, 1);
	ck_assert_uint_eq(s->pairs[0].nr_syms, n + 1);
	ck_assert_str_eq(s->pairs[0].syms[n - 1].name, "f19999");
	ck_assert_uint_eq(strlen(s->pairs[0].syms[n].name), namelen);
	ck_assert_uint_eq(s->pairs[0].syms[n].line, n + 1);
	stream_free(s);
	free(text);
}
END_TEST

/* ---- parser: errors ------------------------------------------------------------ */

struct bad {
	const char *text, *msg;
};

static const struct bad bad_lines[] = {
	{ "# objdiff 2\n", "in:1: unsupported stream version 2 (this parser reads version 1)" },
	{ "# objdiff 0\n", "in:1: unsupported stream version 0 (this parser reads version 1)" },
	{ "# objdiff one\n", "in:1: bad version number 'one'" },
	{ "# objdiff -\n", "in:1: bad version number '-'" },
	{ "# objdiff\n", "in:1: missing version number" },
	{ "# objdiff 1 2\n", "in:1: extra field '2'" },
	{ "# objdiff is a tool\n", "in:1: bad version number 'is'" },
	{ "#objdiff 1.0\n", "in:1: bad version number '1.0'" },
	{ "+ func \\X41 - 1\n", "in:1: bad escape in name '\\x5cX41'" },
	{ "# objdiff 1\n* func f 1 2\n", "in:2: unknown mark '*'" },
	{ "~~ func f 1 2\n", "in:1: unknown mark '~~'" },
	{ "@@ -1,2 +1,2 @@\n", "in:1: unknown mark '@@'" },
	{ "-- a.o\n", "in:1: unknown mark '--'" },
	{ "~\n", "in:1: missing kind" },
	{ "~ func\n", "in:1: missing name" },
	{ "~ func f\n", "in:1: missing old size" },
	{ "~ func f 1\n", "in:1: missing new size" },
	{ "~ fn f 1 2\n", "in:1: unknown kind 'fn'" },
	{ "~ section f 1 2\n", "in:1: unknown kind 'section'" },
	{ "~ func f 1x 2\n", "in:1: bad old size '1x'" },
	{ "~ func f 1 -2\n", "in:1: bad new size '-2'" },
	{ "~ func f 0x10 2\n", "in:1: bad old size '0x10'" },
	{ "~ func f 18446744073709551615 2\n", "in:1: bad old size '18446744073709551615'" },
	{ "~ func f 1 99999999999999999999\n", "in:1: bad new size '99999999999999999999'" },
	{ "~ func f 1 2 code,reloc\n", "in:1: unknown reason 'reloc'" },
	{ "~ func f 1 2 code,\n", "in:1: empty reason in 'code,'" },
	{ "~ func f 1 2 ,code\n", "in:1: empty reason in ',code'" },
	{ "~ func f 1 2 Code\n", "in:1: unknown reason 'Code'" },
	{ "~ func f 1 2 code extra\n", "in:1: extra field 'extra'" },
	{ "~ func f - 2 code\n", "in:1: '~' line needs an old size, not '-'" },
	{ "= func f 2 -\n", "in:1: '=' line needs a new size, not '-'" },
	{ "+ func f 1 2\n", "in:1: '+' line needs '-' as old size, not '1'" },
	{ "- func f 1 2\n", "in:1: '-' line needs '-' as new size, not '2'" },
	{ "+ func f - -\n", "in:1: '+' line needs a new size, not '-'" },
	{ "~ func a\\x2 1 2\n", "in:1: bad escape in name 'a\\x5cx2'" },
	{ "~ func a\\y41 1 2\n", "in:1: bad escape in name 'a\\x5cy41'" },
	{ "~ func a\\ 1 2\n", "in:1: bad escape in name 'a\\x5c'" },
	{ "~ func a\\xg1 1 2\n", "in:1: bad escape in name 'a\\x5cxg1'" },
	{ "~ func a\\x00b 1 2\n", "in:1: \\x00 inside a name 'a\\x5cx00b'" },
	{ "~ func a\x01 1 2\n", "in:1: raw control character in name 'a\\x01'" },
	{ "~ func a\rb 1 2\n", "in:1: raw control character in name 'a\\x0db'" },
	{ "---\n", "in:1: missing file name after '---'" },
	{ "+++ \n", "in:1: missing file name after '+++'" },
	{ "--- a b\n", "in:1: extra field 'b'" },
	{ "--- a\\q\n", "in:1: bad escape in name 'a\\x5cq'" },
	{ "~ func f 1 2\n~ func g 1 2 code\n+ func h 1 2\n", "in:3: '+' line needs '-' as old size, not '1'" },
};

START_TEST(parse_errors)
{
	const struct bad *b = &bad_lines[_i];

	expect_error(b->text, strlen(b->text), b->msg);
}
END_TEST

START_TEST(parse_error_details)
{
	static const char nul[] = "# objdiff 1\n~ func f\0 1 2\n";
	char long_name[200];

	expect_error(nul, sizeof(nul) - 1, "in:2: NUL byte in line");
	expect_error("~ func f 1 2\n\0\n", 15, "in:2: NUL byte in line");
	/* CRLF line numbers count lines, not CRs. */
	expect_error("\r\n\r\n~ fnc f 1 2\r\n", 17, "in:3: unknown kind 'fnc'");
	/* Quoted fields are cut short. */
	memset(long_name, 'k', sizeof(long_name));
	memcpy(long_name, "~ ", 2);
	memcpy(long_name + sizeof(long_name) - 8, " f 1 2\n", 8);
	expect_error(long_name, strlen(long_name),
		     "in:1: unknown kind 'kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk...'");
	/* The name given is used; NULL is "-". */
	{
		struct diff_stream *s;
		struct ipbp_err err;

		ck_assert_int_eq(stream_parse(&s, NULL, "!\n", 2, &err), -1);
		ck_assert_str_eq(err.msg, "-:1: unknown mark '!'");
		ck_assert_int_eq(stream_parse(&s, "p.diff", "\n\n?\n", 5, &err), -1);
		ck_assert_str_eq(err.msg, "p.diff:3: unknown mark '?'");
	}
}
END_TEST

/* ---- a real diff ---------------------------------------------------------------- */

static struct objfile *compile_open(const char *dir, const char *which,
				    const char *source)
{
	char src[256], obj[256], cmd[1024];
	struct objfile *file;
	struct ipbp_err err;
	FILE *f;

	snprintf(src, sizeof(src), "%s/%s.c", dir, which);
	snprintf(obj, sizeof(obj), "%s/%s.o", dir, which);
	f = fopen(src, "w");
	ck_assert(f != NULL);
	fputs(source, f);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "clang -target x86_64-linux-gnu -O2 -w -c %s -o %s",
		 src, obj);
	ck_assert_msg(system(cmd) == 0, "failed: %s", cmd);
	file = unit_open(obj, NULL);
	ck_assert_uint_eq(file->nr_objs, 1);
	ck_assert_msg(obj_decode_references(file->objs[0], &err) == 0, "%s", err.msg);
	return file;
}

static const struct stream_symbol *find_parsed(const struct stream_pair *p,
					       const char *name)
{
	for (size_t i = 0; i < p->nr_syms; i++)
		if (strcmp(p->syms[i].name, name) == 0)
			return &p->syms[i];
	ck_abort_msg("%s not in the stream", name);
	return NULL;
}

START_TEST(real_diff)
{
	static const char old_src[] =
		"int f(int x) { return x + 1; }\n"
		"int g(int x) { return x * 2; }\n"
		"int removed_fn(int x) { return x - 3; }\n"
		"int table[4] = { 1, 2, 3, 4 };\n";
	static const char new_src[] =
		"int f(int x) { return x + 2; }\n"
		"int g(int x) { return x * 2; }\n"
		"int added_fn(int x) { return x ^ 5; }\n"
		"int table[4] = { 1, 2, 3, 5 };\n";
	char dir[] = "/tmp/ipbp-test-stream-XXXXXX", cmd[128];
	struct diff_opts opts = { .all = true };
	struct objfile *old, *new;
	struct diff_pair pair;
	struct ipbp_err err;
	struct diff_stream *s;
	const struct stream_symbol *ss;
	char *text;

	ck_assert(mkdtemp(dir) != NULL);
	old = compile_open(dir, "old", old_src);
	new = compile_open(dir, "new", new_src);
	ck_assert_msg(diff_objs(&pair, old->objs[0], new->objs[0], &opts, &err) == 0,
		      "%s", err.msg);
	pair.old_name = "old.o";
	pair.new_name = "new.o";

	text = write_pairs(TEXT, &pair, 1, false);
	ck_assert_msg(strstr(text, "# objdiff 1\n--- old.o\n+++ new.o\n") == text, "%s", text);
	ck_assert_msg(strstr(text, "\n- func removed_fn ") != NULL, "%s", text);
	ck_assert_msg(strstr(text, "\n+ func added_fn - ") != NULL, "%s", text);
	ck_assert_msg(strstr(text, "\n~ data table 16 16 data\n") != NULL, "%s", text);
	ck_assert_msg(strstr(text, " g ") == NULL, "%s", text);
	free(text);

	text = write_pairs(TEXT, &pair, 1, true);
	s = parse_str(text);
	ck_assert_uint_eq(s->nr_pairs, 1);
	ck_assert_uint_eq(s->pairs[0].nr_syms, pair.nr_syms);
	for (size_t i = 0; i < pair.nr_syms; i++)
		check_sym(&s->pairs[0].syms[i], &pair.syms[i]);
	ss = find_parsed(&s->pairs[0], "f");
	ck_assert_int_eq(ss->status, DIFF_CHANGED);
	ck_assert_uint_ne(ss->reasons & DIFF_R_CODE, 0);
	ss = find_parsed(&s->pairs[0], "g");
	ck_assert_int_eq(ss->status, DIFF_SAME);
	ck_assert_uint_eq(ss->old_size, ss->new_size);
	stream_free(s);
	free(text);

	text = write_pairs(JSON, &pair, 1, true);
	check_json_valid(text);
	ck_assert_msg(strstr(text, "{\"status\":\"unchanged\",\"kind\":\"func\",\"name\":\"g\",")
		      != NULL, "%s", text);
	free(text);

	diff_pair_release(&pair);
	objfile_free(old);
	objfile_free(new);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert(system(cmd) == 0);
}
END_TEST

static Suite *stream_suite(void)
{
	Suite *s = suite_create("stream");
	TCase *tc = tcase_create("stream");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, text_exact);
	tcase_add_test(tc, demangled_comment_escaped);
	tcase_add_test(tc, text_all_reasons_and_pairs);
	tcase_add_test(tc, text_one_sided_pairs);
	tcase_add_test(tc, symbol_line);
	tcase_add_test(tc, writer_refuses_other_kinds);
	tcase_add_test(tc, json_exact);
	tcase_add_test(tc, json_escaping);
	tcase_add_test(tc, round_trip);
	tcase_add_test(tc, round_trip_escaped_names);
	tcase_add_test(tc, parse_grep_filtered);
	tcase_add_test(tc, parse_skips_details_comments_crlf);
	tcase_add_test(tc, parse_long_lines_many_symbols);
	tcase_add_loop_test(tc, parse_errors, 0, sizeof(bad_lines) / sizeof(bad_lines[0]));
	tcase_add_test(tc, parse_error_details);
	tcase_add_test(tc, real_diff);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(stream_suite)
