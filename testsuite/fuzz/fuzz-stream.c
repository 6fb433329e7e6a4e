/* SPDX-License-Identifier: MIT */
/*
 * fuzz-stream.c - libFuzzer target for the diff stream parser
 * (libobjdiff/stream.c, grammar in doc/objdiff.5).
 *
 * Any input goes through stream_parse().  What parses is written back as
 * text (with --all, so no line is dropped) and as JSON, and the text is
 * parsed again: it must parse, give the same pairs and symbols in the
 * same order (a missing pair name comes back as /dev/null; reasons
 * count on "~" lines only), and write the very same text a second time.
 *
 * Seeds: corpus/stream/.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what, const char *detail)
{
	fprintf(stderr, "fuzz-stream: %s%s%s\n", what, detail ? ": " : "",
		detail ? detail : "");
	abort();
}

/* The parsed stream as writer input; symbols point into the stream. */
static struct diff_pair *to_pairs(const struct diff_stream *s)
{
	struct diff_pair *pairs = calloc(s->nr_pairs + 1, sizeof(*pairs));

	if (!pairs)
		fail("out of memory", NULL);
	for (size_t i = 0; i < s->nr_pairs; i++) {
		const struct stream_pair *sp = &s->pairs[i];
		struct diff_pair *dp = &pairs[i];

		dp->old_name = sp->old_name;
		dp->new_name = sp->new_name;
		dp->nr_syms = sp->nr_syms;
		dp->syms = calloc(sp->nr_syms + 1, sizeof(*dp->syms));
		if (!dp->syms)
			fail("out of memory", NULL);
		for (size_t j = 0; j < sp->nr_syms; j++) {
			const struct stream_symbol *ss = &sp->syms[j];

			dp->syms[j] = (struct diff_symbol){
				.status = ss->status, .kind = ss->kind,
				.name = ss->name, .reasons = ss->reasons,
				.old_size = ss->old_size, .new_size = ss->new_size,
			};
		}
	}
	return pairs;
}

static void free_pairs(struct diff_pair *pairs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(pairs[i].syms);
	free(pairs);
}

/* Writes s as text (json false) or JSON into a new string. */
static char *write_stream(const struct diff_stream *s, bool json, size_t *len)
{
	/* demangled comments too: a crafted C++ name must not break a line */
	struct stream_write_opts opts = { .all = true, .demangle = true };
	struct diff_pair *pairs = to_pairs(s);
	struct ipbp_err err = { "" };
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);
	int ret;

	if (!f)
		fail("open_memstream failed", NULL);
	ret = json ? stream_write_json(f, pairs, s->nr_pairs, &opts, &err)
		   : stream_write_text(f, pairs, s->nr_pairs, &opts, &err);
	if (ret < 0)
		fail("writing a parsed stream failed", err.msg);
	fclose(f);
	free_pairs(pairs, s->nr_pairs);
	return buf;
}

static bool same_symbol(const struct stream_symbol *a, const struct stream_symbol *b)
{
	return a->status == b->status && a->kind == b->kind &&
	       strcmp(a->name, b->name) == 0 &&
	       a->old_size == b->old_size && a->new_size == b->new_size &&
	       /* the writer writes reasons on "~" lines only */
	       (a->status != DIFF_CHANGED || a->reasons == b->reasons);
}

static bool same_name(const char *a, const char *b)
{
	return strcmp(a ? a : "/dev/null", b ? b : "/dev/null") == 0;
}

/* Both streams hold the same pairs and symbols in the same order; a name
 * that was missing (NULL) is written as /dev/null. */
static void compare_streams(const struct diff_stream *a, const struct diff_stream *b)
{
	if (a->nr_pairs != b->nr_pairs)
		fail("pair count differs after a round trip", NULL);
	for (size_t i = 0; i < a->nr_pairs; i++) {
		const struct stream_pair *pa = &a->pairs[i], *pb = &b->pairs[i];

		if (!same_name(pa->old_name, pb->old_name) ||
		    !same_name(pa->new_name, pb->new_name))
			fail("pair names differ after a round trip", NULL);
		if (pa->nr_syms != pb->nr_syms)
			fail("symbol count differs after a round trip", NULL);
		for (size_t j = 0; j < pa->nr_syms; j++)
			if (!same_symbol(&pa->syms[j], &pb->syms[j]))
				fail("symbol differs after a round trip", pa->syms[j].name);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct diff_stream *s1 = NULL, *s2 = NULL, *s3 = NULL;
	struct ipbp_err err = { "" };
	char *text1, *text2, *json;
	size_t len1, len2, json_len;

	if (stream_parse(&s1, "fuzz", (const char *)data, size, &err) < 0) {
		if (s1 || !err.msg[0])
			fail("failed parse left a stream or no message", NULL);
		return 0;
	}
	json = write_stream(s1, true, &json_len);
	text1 = write_stream(s1, false, &len1);
	if (stream_parse(&s2, "text1", text1, len1, &err) < 0)
		fail("written stream does not parse", err.msg);
	if (s2->version != STREAM_VERSION)
		fail("written stream has no version line", NULL);
	compare_streams(s1, s2);
	text2 = write_stream(s2, false, &len2);
	if (len1 != len2 || memcmp(text1, text2, len1) != 0)
		fail("second write differs from the first", NULL);
	if (stream_parse(&s3, "text2", text2, len2, &err) < 0)
		fail("second written stream does not parse", err.msg);
	compare_streams(s2, s3);
	stream_free(s3);
	stream_free(s2);
	stream_free(s1);
	free(text2);
	free(text1);
	free(json);
	return 0;
}
