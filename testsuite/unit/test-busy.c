// SPDX-License-Identifier: MIT
/*
 * test-busy.c - the span sets patchload asks about every word of every
 * thread's stack while the program is stopped (libpatchpkg/load-common.c):
 * sorting, merging and the binary search must answer exactly what asking
 * each span in turn answers, for spans that overlap, touch, repeat or nest,
 * for words at their starts and ends, with and without the start counted.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "load-int.h"
#include "unit.h"

/* What patchload asked before span sets: every span in turn. */
static bool each_span_holds(const struct busy_span *spans, size_t nr, uint64_t w,
			    bool inclusive)
{
	for (size_t i = 0; i < nr; i++)
		if ((inclusive ? w >= spans[i].lo : w > spans[i].lo) && w < spans[i].hi)
			return true;
	return false;
}

/* A pseudo-random generator of its own, so that every run tests the same. */
static uint64_t next(uint64_t *state)
{
	*state = *state * 6364136223846793005u + 1442695040888963407u;
	return *state >> 33;
}

static void check_against_each(const struct busy_span *spans, size_t nr, uint64_t max)
{
	struct busy_span *copy = malloc((nr + 1) * sizeof(*copy));
	struct span_set set;

	ck_assert(copy != NULL);
	memcpy(copy, spans, nr * sizeof(*spans));
	span_set_init(&set, copy, nr);
	for (size_t i = 1; i < set.nr; i++)
		ck_assert_msg(set.spans[i - 1].hi <= set.spans[i].lo, "spans %zu and %zu overlap",
			      i - 1, i);
	for (uint64_t w = 0; w <= max; w++)
		for (int inclusive = 0; inclusive < 2; inclusive++)
			ck_assert_msg(span_set_holds(&set, w, inclusive) ==
				      each_span_holds(spans, nr, w, inclusive),
				      "word %" PRIu64 " (%s), %zu spans", w,
				      inclusive ? "inclusive" : "exclusive", nr);
	free(copy);
}

START_TEST(test_hand_picked)
{
	/* overlapping (10-15, 12-17), touching (20-25, 25-30), the same
	 * start twice (40-45, 40-50), nested (60-70, 62-64), a single byte */
	static const struct busy_span spans[] = {
		{ 25, 30 }, { 12, 17 }, { 10, 15 }, { 20, 25 }, { 40, 50 },
		{ 40, 45 }, { 62, 64 }, { 60, 70 }, { 80, 81 },
	};

	check_against_each(spans, sizeof(spans) / sizeof(spans[0]), 100);
	check_against_each(spans, 1, 100);
	check_against_each(spans, 0, 100);
}
END_TEST

/* Branch sites: 5 to 16 bytes each, often overlapping when patches stack. */
START_TEST(test_random_sites)
{
	uint64_t state = 1;
	struct busy_span spans[64];

	for (int round = 0; round < 500; round++) {
		size_t nr = next(&state) % 64;

		for (size_t i = 0; i < nr; i++) {
			uint64_t lo = next(&state) % 400;

			spans[i] = (struct busy_span){ lo, lo + 1 + next(&state) % 16 };
		}
		check_against_each(spans, nr, 420);
	}
}
END_TEST

START_TEST(test_far_words)
{
	struct busy_span spans[] = { { 0x401000, 0x401005 }, { 0x7f0000001000, 0x7f0000001005 } };
	struct span_set set;

	span_set_init(&set, spans, 2);
	ck_assert(!span_set_holds(&set, 0, false));
	ck_assert(!span_set_holds(&set, UINT64_MAX, true));
	ck_assert(span_set_holds(&set, 0x7f0000001004, false));
	ck_assert(!span_set_holds(&set, 0x7f0000001005, true));
	ck_assert(!span_set_holds(&set, 0x500000, true));
}
END_TEST

static Suite *busy_suite(void)
{
	Suite *s = suite_create("busy");
	TCase *tc = tcase_create("span_set");

	tcase_add_test(tc, test_hand_picked);
	tcase_add_test(tc, test_random_sites);
	tcase_add_test(tc, test_far_words);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(busy_suite)
