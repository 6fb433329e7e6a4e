// SPDX-License-Identifier: MIT
/*
 * test-archive.c - formats/ar.c over archives made at test time by GNU ar,
 * llvm-ar (gnu, bsd, darwin, and with SYM64_THRESHOLD=1 the 64-bit
 * "/SYM64/" and "__.SYMDEF_64" indexes) and llvm-lib, plus a Windows
 * archive with both linker members crafted here (LLVM 14 writes only the
 * first).  Every archive is also truncated and mutated at every offset:
 * the reader must return an error or a result whose pointers are sane.
 */
#include <errno.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <stdint.h>

#include "archive.h"
#include "unit.h"

static char dir[64];

#define run(...)		unit_run_in(dir, __VA_ARGS__)
#define write_file(name, text)	unit_write_file(dir, name, text, strlen(text))
#define slurp(name, size)	unit_read_file_in(dir, name, size)

static const char a_src[] = "int foo(void) { return 1; }\nint bar;\n";
static const char long_src[] = "int a_very_long_function_name(void) { return 2; }\nint odd;\n";
static const char b_src[] = "static int hidden;\nint *get(void) { return &hidden; }\n";

#define LONG_O "verylongmembername_abc.o"

static void setup(void)
{
	unit_scratch_make(dir, sizeof(dir), "archive");
	write_file("a.c", a_src);
	write_file("long.c", long_src);
	write_file("b.c", b_src);
	write_file("odd.txt", "abc");		/* odd sizes: padded */
	write_file("odd5.txt", "hello");
	run("clang -target x86_64-linux-gnu -c a.c -o a.o && "
	    "clang -target x86_64-linux-gnu -c long.c -o " LONG_O " && "
	    "clang -target x86_64-linux-gnu -c b.c -o b.o && "
	    "clang -target x86_64-pc-windows-msvc -c a.c -o a.obj && "
	    "clang -target x86_64-pc-windows-msvc -c long.c -o verylongmembername_abc.obj");
}

static void teardown(void)
{
	unit_scratch_remove(dir);
}

/* ---- checking a result ---------------------------------------------------- */

struct loaded {
	uint8_t *buf;
	size_t size;
	struct archive *ar;
};

static struct loaded load(const char *name)
{
	struct loaded l = { 0 };
	struct ipbp_err err;

	l.buf = slurp(name, &l.size);
	ck_assert_msg(archive_read(&l.ar, name, l.buf, l.size, &err) == 0, "%s", err.msg);
	return l;
}

static void unload(struct loaded *l)
{
	archive_free(l->ar);
	free(l->buf);
}

static size_t find_member(const struct archive *ar, const char *name)
{
	for (size_t i = 0; i < ar->nr_members; i++)
		if (!strcmp(ar->members[i].name, name))
			return i;
	ck_abort_msg("no member %s", name);
	return SIZE_MAX;
}

/* The member holds the file's bytes; darwin pads data with '\n' to 8. */
static void check_member(const struct archive *ar, const char *name, bool padded)
{
	const struct archive_member *m = &ar->members[find_member(ar, name)];
	size_t size;
	uint8_t *want = slurp(name, &size);

	ck_assert_uint_eq(m->offset % 2, 0);
	if (padded) {
		ck_assert_uint_ge(m->size, size);
		ck_assert_uint_lt(m->size, size + 8);
		for (size_t i = size; i < m->size; i++)
			ck_assert_uint_eq(m->data[i], '\n');
	} else {
		ck_assert_uint_eq(m->size, size);
	}
	ck_assert_msg(!memcmp(m->data, want, size), "%s: data differs", name);
	free(want);
}

static void check_names(const struct archive *ar, const char *const *names, size_t n)
{
	ck_assert_uint_eq(ar->nr_members, n);
	for (size_t i = 0; i < n; i++)
		ck_assert_str_eq(ar->members[i].name, names[i]);
}

static void check_symbol(const struct archive *ar, const char *sym, const char *member)
{
	for (size_t i = 0; i < ar->nr_index; i++) {
		if (strcmp(ar->index[i].name, sym))
			continue;
		ck_assert_msg(ar->index[i].member < ar->nr_members, "%s: no member", sym);
		ck_assert_str_eq(ar->members[ar->index[i].member].name, member);
		return;
	}
	ck_abort_msg("symbol %s not in the index", sym);
}

/* The four-member archive every tool below builds. */
static void check_standard(const char *file, bool padded)
{
	static const char *const names[] = { "a.o", LONG_O, "odd.txt", "b.o" };
	struct loaded l = load(file);

	check_names(l.ar, names, 4);
	for (size_t i = 0; i < 4; i++)
		check_member(l.ar, names[i], padded && i == 2);
	ck_assert_uint_eq(l.ar->nr_index, 5);
	check_symbol(l.ar, "foo", "a.o");
	check_symbol(l.ar, "bar", "a.o");
	check_symbol(l.ar, "a_very_long_function_name", LONG_O);
	check_symbol(l.ar, "odd", LONG_O);
	check_symbol(l.ar, "get", "b.o");
	unload(&l);
}

static bool file_has(const char *file, const char *s, size_t at)
{
	size_t size;
	uint8_t *buf = slurp(file, &size);
	bool ok = size >= at + strlen(s) && !memcmp(buf + at, s, strlen(s));

	free(buf);
	return ok;
}

#define MEMBERS "a.o " LONG_O " odd.txt b.o"

START_TEST(gnu_ar)
{
	run("ar rcs gnu.a " MEMBERS);
	ck_assert(file_has("gnu.a", "/               ", 8));
	check_standard("gnu.a", false);
}
END_TEST

START_TEST(llvm_ar_gnu)
{
	run("llvm-ar --format=gnu rcs lgnu.a " MEMBERS);
	check_standard("lgnu.a", false);
}
END_TEST

START_TEST(llvm_ar_bsd)
{
	run("llvm-ar --format=bsd rcs bsd.a " MEMBERS);
	ck_assert(file_has("bsd.a", "#1/12", 8) && file_has("bsd.a", "__.SYMDEF", 68));
	check_standard("bsd.a", false);
}
END_TEST

START_TEST(llvm_ar_darwin)
{
	run("llvm-ar --format=darwin rcs darwin.a " MEMBERS);
	ck_assert(file_has("darwin.a", "#1/", 8));
	check_standard("darwin.a", true);
}
END_TEST

START_TEST(sym64_index)
{
	run("SYM64_THRESHOLD=1 llvm-ar --format=gnu rcs g64.a " MEMBERS);
	ck_assert(file_has("g64.a", "/SYM64/", 8));
	check_standard("g64.a", false);
}
END_TEST

START_TEST(symdef64_index)
{
	run("SYM64_THRESHOLD=1 llvm-ar --format=darwin rcs d64.a " MEMBERS);
	ck_assert(file_has("d64.a", "__.SYMDEF_64", 68));
	check_standard("d64.a", true);
}
END_TEST

START_TEST(llvm_lib)
{
	static const char *const names[] = { "a.obj", "verylongmembername_abc.obj" };
	struct loaded l;

	run("llvm-lib /out:c.lib a.obj verylongmembername_abc.obj");
	l = load("c.lib");
	check_names(l.ar, names, 2);
	check_member(l.ar, "a.obj", false);
	check_member(l.ar, "verylongmembername_abc.obj", false);
	check_symbol(l.ar, "foo", "a.obj");
	check_symbol(l.ar, "odd", "verylongmembername_abc.obj");
	unload(&l);
}
END_TEST

START_TEST(thin_refused)
{
	struct archive *ar;
	struct ipbp_err err;
	uint8_t *buf;
	size_t size;

	run("llvm-ar rcsT thin.a a.o");
	buf = slurp("thin.a", &size);
	ck_assert(archive_probe(buf, size));
	ck_assert_int_eq(archive_read(&ar, "thin.a", buf, size, &err), -1);
	ck_assert_ptr_null(ar);
	ck_assert_str_eq(err.msg, "thin.a: thin archives are not supported "
			 "(their members live in other files)");
	free(buf);
}
END_TEST

START_TEST(empty_archive)
{
	struct archive *ar;
	struct ipbp_err err;

	ck_assert(archive_probe((const uint8_t *)"!<arch>\n", 8));
	ck_assert(!archive_probe((const uint8_t *)"!<arch>", 7));
	ck_assert_int_eq(archive_read(&ar, "e.a", (const uint8_t *)"!<arch>\n", 8, &err), 0);
	ck_assert_uint_eq(ar->nr_members, 0);
	ck_assert_uint_eq(ar->nr_index, 0);
	archive_free(ar);
	ck_assert_int_eq(archive_read(&ar, "x.o", (const uint8_t *)"\177ELF", 4, &err), -1);
	ck_assert_str_eq(err.msg, "x.o: not an archive");
}
END_TEST

/* ---- a Windows archive with both linker members, made by hand ------------- */

struct buf {
	uint8_t p[4096];
	size_t n;
};

static void put(struct buf *b, const void *data, size_t n)
{
	ck_assert_uint_le(b->n + n, sizeof(b->p));
	memcpy(b->p + b->n, data, n);
	b->n += n;
}

static void put_int(struct buf *b, uint32_t v, unsigned width, bool big)
{
	for (unsigned i = 0; i < width; i++) {
		unsigned shift = big ? 8 * (width - 1 - i) : 8 * i;
		uint8_t c = (uint8_t)(v >> shift);

		put(b, &c, 1);
	}
}

static void put_member(struct buf *b, const char *name, const struct buf *data)
{
	char hdr[61];

	snprintf(hdr, sizeof(hdr), "%-16s%-12s%-6s%-6s%-8s%-10zu`\n",
		 name, "0", "", "", "0", data->n);
	put(b, hdr, 60);
	put(b, data->p, data->n);
	if (data->n & 1)
		put(b, "\n", 1);
}

static void put_strings(struct buf *b, const char *const *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		put(b, s[i], strlen(s[i]) + 1);
}

static size_t member_size(const struct buf *data)
{
	return 60 + data->n + (data->n & 1);
}

/* The linker members for members at m[0..2]. */
static void make_linker_members(struct buf *first, struct buf *second, const uint32_t *m)
{
	static const char *const syms[] = { "alpha", "beta", "delta", "gamma" };
	static const uint16_t sym_member[] = { 1, 2, 2, 3 };

	first->n = second->n = 0;
	put_int(first, 1, 4, true);
	put_int(first, m[0], 4, true);
	put(first, "alpha", 6);
	put_int(second, 3, 4, false);
	for (int i = 0; i < 3; i++)
		put_int(second, m[i], 4, false);
	put_int(second, 4, 4, false);
	for (int i = 0; i < 4; i++)
		put_int(second, sym_member[i], 2, false);
	put_strings(second, syms, 4);
}

/*
 * Members "/0", "/25" (long names ending in NUL, as lib.exe writes them)
 * and "s.obj/" at m[0..2].  The first linker member lists "alpha" only,
 * the second all four symbols: the reader must use the second.
 */
static struct buf *make_coff_archive(uint32_t *m)
{
	struct buf *ar = calloc(1, sizeof(*ar)), first = { 0 }, second = { 0 };
	struct buf longnames = { 0 }, data = { 0 };

	put(&longnames, "long_member_name_one.obj\0long_member_name_two.obj\0", 50);
	make_linker_members(&first, &second, (uint32_t[3]){ 0 });
	m[0] = 8 + member_size(&first) + member_size(&second) + member_size(&longnames);
	m[1] = m[0] + 60 + 3 + 1;
	m[2] = m[1] + 60 + 4;
	make_linker_members(&first, &second, m);
	put(ar, "!<arch>\n", 8);
	put_member(ar, "/", &first);
	put_member(ar, "/", &second);
	put_member(ar, "//", &longnames);
	put(&data, "one", 3);
	put_member(ar, "/0", &data);
	data.n = 0;
	put(&data, "two!", 4);
	put_member(ar, "/25", &data);
	put_member(ar, "s.obj/", &data);
	ck_assert_uint_eq(ar->n, m[2] + 60 + 4);
	return ar;
}

START_TEST(coff_linker_members)
{
	static const char *const names[] = {
		"long_member_name_one.obj", "long_member_name_two.obj", "s.obj",
	};
	uint32_t m[3];
	struct buf *b = make_coff_archive(m);
	struct archive *ar;
	struct ipbp_err err;

	ck_assert_msg(archive_read(&ar, "w.lib", b->p, b->n, &err) == 0, "%s", err.msg);
	check_names(ar, names, 3);
	ck_assert_uint_eq(ar->members[0].size, 3);
	ck_assert(!memcmp(ar->members[0].data, "one", 3));
	ck_assert(!memcmp(ar->members[2].data, "two!", 4));
	ck_assert_uint_eq(ar->nr_index, 4);
	check_symbol(ar, "alpha", names[0]);
	check_symbol(ar, "beta", names[1]);
	check_symbol(ar, "delta", names[1]);
	check_symbol(ar, "gamma", names[2]);
	archive_free(ar);
	free(b);
}
END_TEST

/* ---- errors ---------------------------------------------------------------- */

static const char *read_error(const uint8_t *data, size_t size)
{
	static struct ipbp_err err;
	struct archive *ar;

	if (archive_read(&ar, "t.a", data, size, &err) == 0) {
		archive_free(ar);
		return "(no error)";
	}
	ck_assert_ptr_null(ar);
	return err.msg;
}

/* Expects the message "t.a: member at offset OFF: what". */
static void check_member_error(const uint8_t *data, size_t size, uint32_t off,
			       const char *what)
{
	char want[256];

	snprintf(want, sizeof(want), "t.a: member at offset %u: %s", (unsigned)off, what);
	ck_assert_str_eq(read_error(data, size), want);
}

START_TEST(error_messages)
{
	uint32_t m[3];
	struct buf *b = make_coff_archive(m);
	size_t size = b->n, second = 8 + 60 + 14;

	ck_assert_str_eq(read_error(b->p, size), "(no error)");
	/* cut short: the data of the last member, of the first long-named
	 * one, the header of the last */
	ck_assert_str_eq(read_error(b->p, size - 1), "t.a: member s.obj extends past end of file");
	ck_assert_str_eq(read_error(b->p, m[0] + 62),
			 "t.a: member long_member_name_one.obj extends past end of file");
	check_member_error(b->p, size - 5, m[2], "truncated header");
	b->p[m[0] + 48] = 'x';
	check_member_error(b->p, size, m[0], "bad size field");
	b->p[m[0] + 48] = '3';
	b->p[m[0] + 58] = '\'';
	check_member_error(b->p, size, m[0], "bad header terminator");
	b->p[m[0] + 58] = '`';
	memcpy(b->p + m[0], "/50", 3);
	check_member_error(b->p, size, m[0], "long name outside the long name table");
	memcpy(b->p + m[0], "/0 ", 3);
	ck_assert_str_eq(read_error(b->p, size), "(no error)");
	b->p[second + 60] = 200;	/* second linker member: 200 members */
	ck_assert_str_eq(read_error(b->p, size), "t.a: symbol index: member count exceeds its size");
	b->p[second + 60] = 3;
	b->p[second + 60 + 16 + 4] = 0;	/* alpha's member: 1-based */
	ck_assert_str_eq(read_error(b->p, size), "t.a: symbol index: member number out of range");
	b->p[second + 60 + 16 + 4] = 4;
	ck_assert_str_eq(read_error(b->p, size), "t.a: symbol index: member number out of range");
	b->p[second + 60 + 16 + 4] = 1;
	b->p[8 + 60 + 3] = 200;		/* the first is not read when a second exists */
	ck_assert_str_eq(read_error(b->p, size), "(no error)");
	free(b);
}
END_TEST

/* ---- truncation and mutation at every offset ------------------------------- */

static void check_sane(const struct archive *ar, const uint8_t *data, size_t size)
{
	for (size_t i = 0; i < ar->nr_members; i++) {
		const struct archive_member *m = &ar->members[i];

		ck_assert(m->data >= data && m->size <= size - (size_t)(m->data - data));
		ck_assert(m->offset + 60 <= size);
		ck_assert_uint_le(strlen(m->name), size);
	}
	for (size_t i = 0; i < ar->nr_index; i++) {
		ck_assert(ar->index[i].member < ar->nr_members || ar->index[i].member == SIZE_MAX);
		ck_assert_uint_le(strlen(ar->index[i].name), size);
	}
}

/* Reads a private copy of exactly size bytes, so overreads are caught. */
static void read_any(const uint8_t *data, size_t size)
{
	uint8_t *copy = malloc(size ? size : 1);
	struct archive *ar;
	struct ipbp_err err;

	memcpy(copy, data, size);
	if (archive_read(&ar, "f.a", copy, size, &err) == 0) {
		check_sane(ar, copy, size);
		archive_free(ar);
	} else {
		ck_assert(err.msg[0] != '\0');
	}
	free(copy);
}

static void torture(const uint8_t *data, size_t size)
{
	static const uint8_t values[] = { 0, 0xff, ' ', '/', '0', '9', '\n', 0x7f, '#', 1 };
	uint8_t *copy = malloc(size);

	for (size_t n = 0; n <= size; n++)
		read_any(data, n);
	memcpy(copy, data, size);
	for (size_t i = 0; i < size; i++) {
		for (size_t v = 0; v < sizeof(values); v++) {
			copy[i] = values[v];
			read_any(copy, size);
		}
		copy[i] = data[i];
	}
	free(copy);
}

static void torture_file(const char *file)
{
	size_t size;
	uint8_t *buf = slurp(file, &size);

	torture(buf, size);
	free(buf);
}

#define LONG_TXT "a_long_enough_member_name.txt"

START_TEST(torture_small)
{
	uint32_t m[3];
	struct buf *b = make_coff_archive(m);

	torture(b->p, b->n);
	free(b);
	write_file("x.txt", "x");
	write_file(LONG_TXT, "long");
	/* each with an object, so that the symbol index has entries */
	run("ar rcs t1.a odd.txt x.txt " LONG_TXT " a.o && "
	    "llvm-ar --format=darwin rcs t2.a odd.txt " LONG_TXT " a.o && "
	    "llvm-ar --format=bsd rcs t3.a odd.txt x.txt " LONG_TXT " a.o && "
	    "SYM64_THRESHOLD=1 llvm-ar --format=gnu rcs t4.a odd.txt " LONG_TXT " a.o && "
	    "SYM64_THRESHOLD=1 llvm-ar --format=darwin rcs t5.a odd.txt a.o && "
	    "llvm-ar --format=gnu rcs t6.a b.o odd5.txt");
	for (int i = 1; i <= 6; i++) {
		char name[16];

		snprintf(name, sizeof(name), "t%d.a", i);
		torture_file(name);
	}
}
END_TEST

static Suite *archive_suite(void)
{
	Suite *s = suite_create("archive");
	TCase *tc = tcase_create("ar");

	tcase_add_unchecked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, gnu_ar);
	tcase_add_test(tc, llvm_ar_gnu);
	tcase_add_test(tc, llvm_ar_bsd);
	tcase_add_test(tc, llvm_ar_darwin);
	tcase_add_test(tc, sym64_index);
	tcase_add_test(tc, symdef64_index);
	tcase_add_test(tc, llvm_lib);
	tcase_add_test(tc, thin_refused);
	tcase_add_test(tc, empty_archive);
	tcase_add_test(tc, coff_linker_members);
	tcase_add_test(tc, error_messages);
	tcase_add_test(tc, torture_small);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(archive_suite)
