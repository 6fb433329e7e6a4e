/* SPDX-License-Identifier: MIT */
/*
 * fuzz-manifest.c - libFuzzer target for reading patches: the manifest
 * codec (libpatchpkg/manifest.c) and patch files (patchfile.c).
 *
 * An input that starts like an ELF file is a whole patch:
 * patch_open_buffer(), then patch_verify(), whose every report must be a
 * non-empty line and whose count must match the reports.  Any other
 * input is a bare manifest: manifest_decode().  Whatever decodes must
 * encode again, decode again to the same content, and encode a second
 * time to the very same bytes (the encoding of a manifest is a function
 * of its content).  Every name is touched, so ASan sees a string the
 * decoder let point outside its table.
 *
 * Seeds: corpus/manifest/, made by ./make-corpus-manifest (encoded
 * manifests and small containers from testsuite/progs/mkcontainer).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "manifest.h"
#include "patchfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define bug(...) do { \
	fprintf(stderr, "fuzz-manifest: " __VA_ARGS__); \
	fputc('\n', stderr); \
	abort(); \
} while (0)

static size_t touch(const char *s)
{
	return s ? strlen(s) : 0;
}

/* Every string and the mask ranges, which decoding promised are valid. */
static size_t walk(const struct manifest *m)
{
	size_t n = touch(m->target);

	for (size_t i = 0; i < m->nr_funcs; i++) {
		const struct manifest_func *f = &m->funcs[i];

		if (!f->name || (uint64_t)f->mask_first + f->nr_masks > m->nr_masks)
			bug("func %zu: no name or masks outside the table", i);
		n += touch(f->name) + touch(f->file) + touch(f->object);
		for (uint32_t k = 0; k < f->nr_masks; k++)
			n += m->masks[f->mask_first + k].size;
	}
	for (size_t i = 0; i < m->nr_added; i++)
		n += touch(m->added[i].name) + touch(m->added[i].file) + touch(m->added[i].object);
	for (size_t i = 0; i < m->nr_imports; i++)
		n += touch(m->imports[i].name) + touch(m->imports[i].file) +
		     touch(m->imports[i].object);
	for (size_t i = 0; i < m->nr_warnings; i++)
		n += touch(m->warnings[i].symbol) + touch(m->warnings[i].message);
	for (size_t i = 0; i < m->nr_relocs; i++)
		n += m->relocs[i].type;
	return n;
}

/* encode(m) decodes back to an m2 whose encoding is the same bytes. */
static void check_roundtrip(const struct manifest *m)
{
	struct ipbp_err err = { "" };
	struct manifest *m2;
	uint8_t *a, *b;
	size_t alen, blen;

	if (manifest_encode(m, &a, &alen, &err) < 0)
		bug("a decoded manifest does not encode: %s", err.msg);
	if (manifest_decode(&m2, "again", a, alen, &err) < 0)
		bug("an encoded manifest does not decode: %s", err.msg);
	if (m2->nr_funcs != m->nr_funcs || m2->nr_relocs != m->nr_relocs ||
	    m2->nr_imports != m->nr_imports || m2->nr_masks != m->nr_masks ||
	    m2->flags != m->flags || m2->build_id_len != m->build_id_len)
		bug("the manifest changed through encode and decode");
	if (manifest_encode(m2, &b, &blen, &err) < 0)
		bug("a decoded manifest does not encode: %s", err.msg);
	if (alen != blen || memcmp(a, b, alen))
		bug("two encodings of one manifest differ");
	manifest_free(m2);
	free(a);
	free(b);
}

struct reports {
	int n;
};

static void report(void *arg, const char *problem)
{
	struct reports *r = arg;

	if (!problem[0] || strchr(problem, '\n'))
		bug("a problem report is empty or spans lines: \"%s\"", problem);
	r->n++;
}

static void fuzz_patch(const uint8_t *data, size_t size)
{
	struct ipbp_err err = { "" };
	struct reports r = { 0 };
	struct patch *p;
	int n;

	if (patch_open_buffer(&p, "fuzz.so", data, size, &err) < 0) {
		if (!err.msg[0])
			bug("patch_open_buffer failed without a message");
		return;
	}
	if (p->manifest_offset > size)
		bug("manifest offset %llu past the file", (unsigned long long)p->manifest_offset);
	n = patch_verify(p, report, &r);
	if (n >= 0 && n != r.n)
		bug("patch_verify says %d problems, reported %d", n, r.n);
	walk(p->manifest);
	check_roundtrip(p->manifest);
	patch_free(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ipbp_err err = { "" };
	struct manifest *m;
	volatile size_t sink;

	if (size >= 4 && !memcmp(data, "\177ELF", 4)) {
		fuzz_patch(data, size);
		return 0;
	}
	if (manifest_decode(&m, "fuzz", data, size, &err) < 0) {
		if (!err.msg[0])
			bug("manifest_decode failed without a message");
		return 0;
	}
	sink = walk(m);
	(void)sink;
	check_roundtrip(m);
	manifest_free(m);
	return 0;
}
