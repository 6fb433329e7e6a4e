// SPDX-License-Identifier: MIT
/* Unit tests of the object model itself: built by hand, no reader. */
#include <string.h>

#include "spans-int.h"
#include "unit.h"

static struct obj *new_obj(void)
{
	struct obj *obj = calloc(1, sizeof(*obj));

	ck_assert(obj);
	obj->name = "test.o";
	return obj;
}

static struct section *add_text(struct obj *obj, uint64_t size)
{
	struct section *sec = obj_add_section(obj);

	sec->name = ".text";
	sec->kind = SEC_CODE;
	sec->size = size;
	return sec;
}

static struct symbol *add_func(struct obj *obj, struct section *sec, const char *name,
			       uint64_t off, uint64_t size, uint32_t flags)
{
	struct symbol *sym = obj_add_symbol(obj);

	sym->name = name;
	sym->kind = SYMK_FUNC;
	sym->bind = BIND_GLOBAL;
	sym->sec = sec;
	sym->offset = off;
	sym->size = size;
	sym->flags = flags;
	return sym;
}

static struct reloc *add_reloc(struct obj *obj, struct section *sec, uint64_t offset,
			       struct symbol *sym, enum reloc_kind kind, uint8_t width)
{
	struct reloc *r = obj_add_reloc(obj);

	r->sec = sec;
	r->offset = offset;
	r->sym = sym;
	r->kind = kind;
	r->width = width;
	return r;
}

START_TEST(derived_sizes_stop_at_next_symbol_or_section_end)
{
	struct obj *obj = new_obj();
	struct section *text = add_text(obj, 0x40);
	struct symbol *a = add_func(obj, text, "a", 0, 0, SYMF_DERIVED);
	struct symbol *label = add_func(obj, text, "Ltmp", 0x8, 0, SYMF_DERIVED | SYMF_TEMP);
	struct symbol *b = add_func(obj, text, "b", 0x10, 0, SYMF_DERIVED);
	struct symbol *alias = add_func(obj, text, "b_alias", 0x10, 0, SYMF_DERIVED);

	ck_assert_int_eq(obj_finalize(obj, NULL), 0);
	ck_assert_uint_eq(a->size, 0x10);	/* a temporary label does not end it */
	ck_assert_uint_eq(label->size, 0x8);
	ck_assert_uint_eq(b->size, 0x30);
	ck_assert_uint_eq(alias->size, 0x30);
	obj_free(obj);
}
END_TEST

START_TEST(covering_symbol_prefers_named_global_and_respects_extent)
{
	struct obj *obj = new_obj();
	struct section *text = add_text(obj, 0x100);
	struct symbol *f = add_func(obj, text, "f", 0, 0x20, 0);
	struct symbol *loc = add_func(obj, text, "f_local", 0, 0x20, 0);
	struct symbol *g = add_func(obj, text, "g", 0x40, 0x10, 0);

	loc->bind = BIND_LOCAL;
	ck_assert_int_eq(obj_finalize(obj, NULL), 0);
	ck_assert_ptr_eq(obj_find_symbol_covering(text, 0), f);
	ck_assert_ptr_eq(obj_find_symbol_covering(text, 0x1f), f);
	ck_assert_ptr_null(obj_find_symbol_covering(text, 0x20));	/* gap */
	ck_assert_ptr_eq(obj_find_symbol_covering(text, 0x48), g);
	ck_assert_ptr_null(obj_find_symbol_covering(text, 0x50));
	obj_free(obj);
}
END_TEST

START_TEST(section_relative_targets_resolve_to_covering_symbol)
{
	struct obj *obj = new_obj();
	struct section *text = add_text(obj, 0x100);
	struct symbol *secsym = obj_section_symbol(obj, text);
	struct symbol *callee = add_func(obj, text, "callee", 0x30, 0x10, 0);
	struct reloc *r;

	add_func(obj, text, "caller", 0, 0x30, 0);
	r = add_reloc(obj, text, 0x5, secsym, RK_PCREL, 4);
	r->addend = 0x34 - 4;	/* .text+0x30 as x86 PC32 writes it */
	r->bias = 4;
	ck_assert_int_eq(obj_finalize(obj, NULL), 0);
	ck_assert_ptr_eq(r->target, callee);
	ck_assert_int_eq(r->target_offset, 4);
	ck_assert_ptr_eq(obj_find_reloc(text, 0x5), r);
	ck_assert_ptr_eq(obj_find_reloc(text, 0x8), r);
	ck_assert_ptr_null(obj_find_reloc(text, 0x9));
	ck_assert_ptr_null(obj_find_reloc(text, 0x4));
	ck_assert(secsym->flags & SYMF_SYNTHETIC);
	obj_free(obj);
}
END_TEST

START_TEST(relocations_sorted_per_section_and_refinalize_is_idempotent)
{
	struct obj *obj = new_obj();
	struct section *text = add_text(obj, 0x100);
	struct symbol *f = add_func(obj, text, "f", 0, 0x100, 0);
	uint64_t offs[] = { 0x40, 0x10, 0x30, 0x10 };

	for (int i = 0; i < 4; i++)
		add_reloc(obj, text, offs[i], f, RK_ABS, 4);
	ck_assert_int_eq(obj_finalize(obj, NULL), 0);
	ck_assert_int_eq(obj_finalize(obj, NULL), 0);
	ck_assert_uint_eq(text->nr_relocs, 4);
	ck_assert_uint_eq(text->relocs[0]->offset, 0x10);
	ck_assert_ptr_eq(text->relocs[0], obj->relocs[1]);	/* file order kept */
	ck_assert_ptr_eq(text->relocs[1], obj->relocs[3]);
	ck_assert_uint_eq(text->relocs[3]->offset, 0x40);
	obj_free(obj);
}
END_TEST

/* The first relocation at or after each offset, in a section whose
 * relocations share offsets and start at 0: a plain search, a sweep with a
 * hint up and one down, against counting. */
START_TEST(first_relocation_at_or_after_every_offset)
{
	static const uint64_t offs[] = { 0, 0, 3, 4, 4, 4, 9, 30, 31, 200 };
	struct obj *obj = new_obj();
	struct section *text = add_text(obj, 0x100);
	struct symbol *f = add_func(obj, text, "f", 0, 0x100, 0);
	size_t up = 0, down = 0;

	for (size_t i = 0; i < sizeof(offs) / sizeof(offs[0]); i++)
		add_reloc(obj, text, offs[i], f, RK_ABS, 1);
	ck_assert_int_eq(obj_finalize(obj, NULL), 0);
	for (uint64_t at = 0; at <= 0x100; at++) {
		size_t want = 0;

		while (want < text->nr_relocs && text->relocs[want]->offset < at)
			want++;
		ck_assert_uint_eq(obj_first_reloc(text, at), want);
		ck_assert_uint_eq(obj_first_reloc_hint(text, at, &up), want);
		ck_assert_uint_eq(obj_first_reloc_hint(text, 0x100 - at, &down),
				  obj_first_reloc(text, 0x100 - at));
	}
	ck_assert_uint_eq(obj_first_reloc(text, UINT64_MAX), text->nr_relocs);
	obj_free(obj);
}
END_TEST

/* Checks that text's symbols are in order, by offset and then by index. */
static void check_symbol_order(const struct section *text)
{
	for (size_t i = 1; i < text->nr_syms; i++) {
		const struct symbol *a = text->syms[i - 1], *b = text->syms[i];

		ck_assert(a->offset < b->offset ||
			  (a->offset == b->offset && a->index < b->index));
	}
}

/* One sorted run, two (the merge), and many (keys through the radix
 * sort): the same order, by offset and then by symbol index. */
START_TEST(symbols_sorted_by_offset_then_index_however_listed)
{
	static const uint64_t orders[][6] = {
		{ 0, 8, 8, 16, 24, 32 },
		{ 16, 24, 32, 0, 8, 8 },
		{ 32, 8, 24, 0, 16, 8 },
	};

	for (size_t o = 0; o < sizeof(orders) / sizeof(orders[0]); o++) {
		struct obj *obj = new_obj();
		struct section *text = add_text(obj, 0x40);

		for (size_t i = 0; i < 6; i++)
			add_func(obj, text, "f", orders[o][i], 8, 0);
		ck_assert_int_eq(obj_finalize(obj, NULL), 0);
		ck_assert_uint_eq(text->nr_syms, 6);
		check_symbol_order(text);
		obj_free(obj);
	}
}
END_TEST

/* Offsets that differ in every byte, with ties, in no order: the radix
 * sort's passes over several bytes; then the same with the indexes
 * shuffled too, which takes qsort(). */
START_TEST(symbols_in_no_order_sort_over_every_offset_byte)
{
	enum { N = 3000 };
	uint64_t x = 0x9e3779b97f4a7c15;

	for (int shuffled = 0; shuffled < 2; shuffled++) {
		struct obj *obj = new_obj();
		struct section *text = add_text(obj, UINT64_MAX);
		struct symbol *sym;

		for (size_t i = 0; i < N; i++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			/* some offsets differ in the low byte alone, some twice */
			add_func(obj, text, "f", i % 10 ? x >> 1 : x % 0x100, 1, 0);
			if (i % 10 == 1)
				add_func(obj, text, "g", x >> 1, 1, 0);
		}
		if (shuffled)
			for_each_symbol(obj, sym)
				sym->index = (sym->index * 7919) % (obj->nr_symbols + 1);
		ck_assert_int_eq(obj_finalize(obj, NULL), 0);
		ck_assert_uint_eq(text->nr_syms, obj->nr_symbols);
		check_symbol_order(text);
		obj_free(obj);
	}
}
END_TEST

/*
 * Lookups by offset in a section of many symbols go through the table of
 * where each stretch of the section begins in sec->syms.  Without the
 * table they search the whole of sec->syms: both must give every answer
 * alike, over symbols at one offset, empty ones, gaps, and a last symbol
 * far away (which makes the stretches long).
 */
START_TEST(offset_table_changes_no_lookup)
{
	enum { N = 500 };
	struct obj *obj = new_obj();
	struct section *dense = add_text(obj, 0x4000), *sparse = add_text(obj, 0x4000);
	uint64_t x = 0x2545f4914f6cdd1d, off = 0;

	for (size_t i = 0; i < N; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		off += x % 7 == 0 ? 0 : x % 11 == 0 ? 200 + x % 300 : x % 40;
		add_func(obj, dense, "d", off, x % 5 == 0 ? 0 : x % 60, 0);
		add_func(obj, sparse, "s", off, x % 3 == 0 ? 0 : x % 90, 0)->bind =
			x % 2 ? BIND_LOCAL : BIND_GLOBAL;
	}
	add_func(obj, sparse, "far", 1ull << 40, 16, 0);
	ck_assert_int_eq(obj_finalize(obj, NULL), 0);

	struct section *secs[] = { dense, sparse };

	for (size_t s = 0; s < 2; s++) {
		struct section *sec = secs[s];
		uint32_t *table = sec->sym_starts;
		size_t hint = 0;

		ck_assert_ptr_nonnull(table);
		for (uint64_t at = 0; at < off + 200; at++) {
			size_t after, plain_hint = 0;
			struct symbol *cover = obj_find_symbol_covering(sec, at);
			struct symbol *swept = obj_find_symbol_covering_hint(sec, at, &hint);

			after = obj_first_symbol_after(sec, at);
			sec->sym_starts = NULL;
			ck_assert_ptr_eq(cover, obj_find_symbol_covering(sec, at));
			ck_assert_ptr_eq(swept, obj_find_symbol_covering_hint(sec, at, &plain_hint));
			ck_assert_uint_eq(after, obj_first_symbol_after(sec, at));
			sec->sym_starts = table;
		}
		ck_assert_uint_eq(obj_first_symbol_after(sec, UINT64_MAX), sec->nr_syms);
	}
	ck_assert_ptr_eq(obj_find_symbol_covering(sparse, (1ull << 40) + 15),
			 sparse->syms[sparse->nr_syms - 1]);
	ck_assert_ptr_null(obj_find_symbol_covering(sparse, (1ull << 40) + 16));
	obj_free(obj);
}
END_TEST

/*
 * A span set against a bitmap of the same bytes: after each of many
 * random additions (touching, overlapping, swallowing, apart), the spans
 * are sorted, disjoint and not touching, hold exactly the bytes added,
 * and cover a range exactly when every byte of it was added.
 */
START_TEST(spans_hold_exactly_the_bytes_added)
{
	enum { N = 512 };
	bool added[N] = { false };
	struct spans s = { 0 };
	uint64_t seed = 0x9e3779b97f4a7c15ull;

	for (int round = 0; round < 400; round++) {
		uint64_t start, len;

		seed = seed * 6364136223846793005ull + 1442695040888963407ull;
		start = (seed >> 33) % N;
		len = 1 + (seed >> 20) % (round % 7 ? 6 : 60);
		if (start + len > N)
			len = N - start;
		ck_assert_int_eq(spans_add(&s, start, start + len), 0);
		for (uint64_t i = start; i < start + len; i++)
			added[i] = true;

		for (size_t k = 0; k < s.nr; k++) {
			ck_assert_uint_lt(s.v[k].start, s.v[k].end);
			if (k)
				ck_assert_uint_gt(s.v[k].start, s.v[k - 1].end);
		}
		for (uint64_t i = 0, k = 0; i < N; i++) {
			while (k < s.nr && s.v[k].end <= i)
				k++;
			ck_assert_int_eq(added[i], k < s.nr && s.v[k].start <= i);
		}
		for (uint64_t a = 0; a < N; a += 7)
			for (uint64_t b = a + 1; b <= N && b <= a + 40; b += 3) {
				bool all = true;

				for (uint64_t i = a; i < b; i++)
					all = all && added[i];
				ck_assert_int_eq(spans_cover(&s, a, b), all);
			}
	}
	spans_release(&s);
	ck_assert_ptr_null(s.v);
}
END_TEST

START_TEST(name_lookup_prefers_global_definition)
{
	struct obj *obj = new_obj();
	struct section *text = add_text(obj, 0x100);
	struct symbol *undef = obj_add_symbol(obj), *def;

	undef->name = "x";
	undef->flags = SYMF_UNDEF;
	add_func(obj, text, "x", 0, 4, 0)->bind = BIND_LOCAL;
	def = add_func(obj, text, "x", 8, 4, 0);
	ck_assert_int_eq(obj_finalize(obj, NULL), 0);
	ck_assert_ptr_eq(obj_find_symbol(obj, "x"), def);
	ck_assert_ptr_null(obj_find_symbol(obj, "y"));
	ck_assert_ptr_eq(obj_find_section(obj, ".text"), text);
	obj_free(obj);
}
END_TEST

START_TEST(unknown_and_empty_inputs_are_errors_with_messages)
{
	static const uint8_t text[] = "#!/bin/sh\necho hi\n";
	static const uint8_t bitcode[] = { 'B', 'C', 0xc0, 0xde, 0, 0 };
	struct objfile *file;
	struct ipbp_err err;

	ck_assert_int_lt(objfile_from_memory(&file, "x.sh", text, sizeof(text) - 1, NULL, &err), 0);
	ck_assert_str_eq(err.msg, "x.sh: unknown file format (starts with 23 21 2f 62 69 6e 2f 73)");
	ck_assert_int_lt(objfile_from_memory(&file, "x.bc", bitcode, sizeof(bitcode), NULL, &err), 0);
	ck_assert_ptr_nonnull(strstr(err.msg, "LLVM bitcode"));
	ck_assert_int_lt(objfile_from_memory(&file, "e.o", text, 0, NULL, &err), 0);
	ck_assert_str_eq(err.msg, "e.o: empty file");
	ck_assert_int_lt(objfile_open(&file, "/", NULL, &err), 0);
	ck_assert_str_eq(err.msg, "/: is a directory");
	ck_assert_int_lt(objfile_open(&file, "/nonexistent/x.o", NULL, &err), 0);
	ck_assert_str_eq(err.msg, "/nonexistent/x.o: No such file or directory");
}
END_TEST

static Suite *obj_suite(void)
{
	Suite *s = suite_create("obj");
	TCase *tc = tcase_create("model");

	tcase_add_test(tc, derived_sizes_stop_at_next_symbol_or_section_end);
	tcase_add_test(tc, covering_symbol_prefers_named_global_and_respects_extent);
	tcase_add_test(tc, section_relative_targets_resolve_to_covering_symbol);
	tcase_add_test(tc, relocations_sorted_per_section_and_refinalize_is_idempotent);
	tcase_add_test(tc, first_relocation_at_or_after_every_offset);
	tcase_add_test(tc, symbols_sorted_by_offset_then_index_however_listed);
	tcase_add_test(tc, symbols_in_no_order_sort_over_every_offset_byte);
	tcase_add_test(tc, offset_table_changes_no_lookup);
	tcase_add_test(tc, spans_hold_exactly_the_bytes_added);
	tcase_add_test(tc, name_lookup_prefers_global_definition);
	tcase_add_test(tc, unknown_and_empty_inputs_are_errors_with_messages);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(obj_suite)
