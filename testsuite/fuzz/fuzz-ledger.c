/* SPDX-License-Identifier: MIT */
/*
 * fuzz-ledger.c - libFuzzer target for the record of an applied patch
 * (libpatchpkg/ledger.c), which patchload reads back from the memory of
 * a process the program may have scribbled on.
 *
 * ledger_decode() is given the address the record claims (bytes 16..23)
 * so that inputs get past the self-address check.  Whatever decodes must
 * encode again to the very same bytes up to its manifest, and its sites
 * and manifest must be within what was decoded.  Its --list text, names
 * demangled, must be one line per entry whatever the names hold.
 *
 * Seeds: corpus/ledger/, records read out of processes that patchload
 * patched (made by ./make-corpus-ledger).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledger.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define bug(...) do { \
	fprintf(stderr, "fuzz-ledger: " __VA_ARGS__); \
	fputc('\n', stderr); \
	abort(); \
} while (0)

static uint64_t claimed_addr(const uint8_t *data, size_t size)
{
	uint64_t v = 0;

	for (unsigned i = 0; size >= 24 && i < 8; i++)
		v |= (uint64_t)data[16 + i] << (8 * i);
	return v;
}

static void check_roundtrip(const struct ledger *l)
{
	struct ipbp_err err = { "" };
	struct ledger *l2;
	uint8_t *a, *b;
	size_t alen, blen;

	if (ledger_encode(l, &a, &alen, &err) < 0)
		return;		/* too large to encode is a fair answer */
	if (ledger_decode(&l2, a, alen, l->addr, &err) < 0)
		bug("an encoded record does not decode: %s", err.msg);
	if (l2->nr_sites != l->nr_sites || l2->seq != l->seq || strcmp(l2->name, l->name) ||
	    l2->manifest_size != l->manifest_size ||
	    memcmp(l2->sites, l->sites, l->nr_sites * sizeof(*l->sites)))
		bug("the record changed through encode and decode");
	if (ledger_encode(l2, &b, &blen, &err) < 0 || alen != blen || memcmp(a, b, alen))
		bug("two encodings of one record differ");
	ledger_free(l2);
	free(a);
	free(b);
}

/* --list text: one line for the record, one per site and added entry
 * when applied, whatever the names hold (they come from the target). */
static void check_listing(const struct ledger *l)
{
	const struct manifest *m = l->manifest;
	size_t want = 1, lines = 0, len = 0;
	char *buf = NULL;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		bug("open_memstream failed");
	ledger_write_text(f, l, LEDGER_TEXT_DEMANGLE);
	ledger_write_json(f, l);
	fclose(f);
	if (l->state == LEDGER_APPLIED) {
		want += l->nr_sites;
		for (size_t i = 0; i < m->nr_added; i++)
			want += !manifest_added_is_copy(&m->added[i]);
	}
	for (size_t i = 0; i < len; i++)
		lines += buf[i] == '\n';
	if (lines != want)	/* the JSON object has no newline */
		bug("--list wrote %zu lines, not %zu", lines, want);
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ipbp_err err = { "" };
	struct ledger *l;

	if (ledger_decode(&l, data, size, claimed_addr(data, size), &err) < 0) {
		if (!err.msg[0])
			bug("ledger_decode failed without a message");
		return 0;
	}
	for (size_t i = 0; i < l->nr_sites; i++)
		if (!l->sites[i].size || l->sites[i].size > LEDGER_SAVED_MAX)
			bug("site %zu of size %u", i, l->sites[i].size);
	if (!l->manifest || strlen(l->name) > size)
		bug("a decoded record without its manifest or name");
	check_roundtrip(l);
	check_listing(l);
	ledger_free(l);
	return 0;
}
