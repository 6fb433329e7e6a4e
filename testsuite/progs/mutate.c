/* SPDX-License-Identifier: MIT */
/*
 * mutate.c - deterministic bad inputs for the bad-input tests (t90*).
 *
 *   mutate -o DIR [--seal] [-s SEED] [-t N] [-f N] FILE...
 *	writes, per FILE, N truncated copies (DIR/NAME.tOFFSET; every
 *	offset when the file is no larger than N bytes, else N offsets
 *	spread over the file) and N copies with one byte changed
 *	(DIR/NAME.fK), to be run through the tools.  With --seal, a copy
 *	that still opens as an ipbp patch gets the checksum of its bytes
 *	written into its manifest, so that the change reaches the checks
 *	behind the checksum (patchinfo --verify, patchload).
 *   mutate --load [-s SEED] [-t N] [-f N] FILE...
 *	reads the same kind of inputs in this process through
 *	objfile_from_memory() and obj_decode_references(), every truncation
 *	offset up to N (default 65536) and N flips, each input in a buffer
 *	of exactly its size.  Prints one line per FILE: inputs read, refused.
 *	Exits 1 when a read fails without a message; a crash or hang (60 s
 *	alarm per FILE) shows as a signal.
 *
 * Mutations come from a xorshift generator seeded by SEED (default 1) and
 * the file's base name, so every run makes the same inputs.  Half of the
 * byte changes fall in the first 256 bytes, where the headers are.
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bytes.h"
#include "decode.h"
#include "objfile.h"
#include "patch-arch.h"
#include "patchfile.h"

struct opts {
	const char *outdir;	/* NULL: --load */
	bool seal;
	uint64_t seed;
	size_t truncs, flips;
};

struct input {
	const char *path, *base;
	uint8_t *data;
	size_t size;
};

struct counts {
	size_t read, refused;
};

static uint64_t next_rand(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static uint64_t seed_for(const struct opts *o, const char *base)
{
	uint64_t h = 1469598103934665603ull ^ o->seed;

	for (const char *p = base; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ull;
	return h ? h : 1;
}

static int read_input(struct input *in, const char *path)
{
	FILE *f = fopen(path, "rb");
	long n;

	in->path = path;
	in->base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	if (!f || fseek(f, 0, SEEK_END) < 0 || (n = ftell(f)) < 0) {
		fprintf(stderr, "mutate: %s: %s\n", path, strerror(errno));
		if (f)
			fclose(f);
		return -1;
	}
	rewind(f);
	in->size = (size_t)n;
	in->data = malloc(in->size ? in->size : 1);
	if (!in->data || fread(in->data, 1, in->size, f) != in->size) {
		fprintf(stderr, "mutate: %s: cannot read\n", path);
		fclose(f);
		return -1;
	}
	fclose(f);
	return 0;
}

/* The k-th of n truncation lengths: every length when n covers the file. */
static size_t trunc_len(size_t size, size_t k, size_t n)
{
	if (size <= n)
		return k;
	return (size_t)((unsigned __int128)size * k / n);
}

static size_t nr_truncs(size_t size, size_t n)
{
	return size <= n ? size : n;
}

/* Changes one byte of buf; the position and value depend on *rng. */
static void flip_byte(uint8_t *buf, size_t size, uint64_t *rng)
{
	static const uint8_t special[] = { 0x00, 0xff, 0x7f, 0x80, 0x01, 0x10, 0x40 };
	uint64_t r = next_rand(rng);
	size_t window = size < 256 ? size : 256;
	size_t pos = (r & 1) ? (r >> 8) % window : (r >> 8) % size;
	uint8_t v;

	switch ((r >> 1) & 3) {
	case 0:
		v = special[(r >> 3) % sizeof(special)];
		break;
	case 1:
		v = buf[pos] ^ (uint8_t)(1u << ((r >> 3) & 7));
		break;
	default:
		v = (uint8_t)(r >> 40);
		break;
	}
	if (v == buf[pos])
		v = ~v;
	buf[pos] = v;
}

/* Writes the checksum of a patch into its manifest, when it opens as one. */
static void seal_patch(uint8_t *data, size_t size)
{
	struct ipbp_err err = { "" };
	struct patch *p;
	uint64_t at;

	if (patch_open_buffer(&p, "mutant", data, size, &err) < 0)
		return;
	at = p->manifest_offset + MANIFEST_CHECKSUM_OFFSET;
	if (at <= size && size - at >= 8)
		put_le64(data + at, patch_checksum(data, size, at));
	patch_free(p);
}

static int write_file(const struct opts *o, const char *base, char tag, size_t n,
		      uint8_t *data, size_t size)
{
	char path[4096];
	FILE *f;

	if (o->seal)
		seal_patch(data, size);
	snprintf(path, sizeof(path), "%s/%s.%c%zu", o->outdir, base, tag, n);
	f = fopen(path, "wb");
	if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0) {
		fprintf(stderr, "mutate: %s: cannot write\n", path);
		return -1;
	}
	return 0;
}

/* Reads one mutated input from a buffer of exactly its size. */
static int load_one(const uint8_t *data, size_t size, const char *name,
		    struct counts *c)
{
	uint8_t *copy = malloc(size ? size : 1);
	struct ipbp_err err = { "" };
	struct objfile *file;
	struct obj *obj;
	int ret = 0;

	if (!copy)
		return -1;
	memcpy(copy, data, size);
	if (objfile_from_memory(&file, name, copy, size, NULL, &err) < 0) {
		c->refused++;
		if (!err.msg[0]) {
			fprintf(stderr, "mutate: %s: refused without a message\n", name);
			ret = -1;
		}
	} else {
		for_each_obj(file, obj)
			if (obj_decode_references(obj, &err) < 0 && !err.msg[0]) {
				fprintf(stderr, "mutate: %s: decoding failed without a message\n",
					name);
				ret = -1;
			}
		c->read++;
		objfile_free(file);
	}
	free(copy);
	return ret;
}

static int run_file(const struct opts *o, const struct input *in)
{
	uint64_t rng = seed_for(o, in->base);
	uint8_t *buf = malloc(in->size ? in->size : 1);
	struct counts c = { 0, 0 };
	size_t n = nr_truncs(in->size, o->truncs);
	char name[512];
	int ret = 0;

	if (!buf)
		return -1;
	alarm(60);
	for (size_t k = 0; k < n && ret == 0; k++) {
		size_t len = trunc_len(in->size, k, o->truncs);

		snprintf(name, sizeof(name), "%s.t%zu", in->base, len);
		memcpy(buf, in->data, len);
		ret = o->outdir ? write_file(o, in->base, 't', len, buf, len)
				: load_one(buf, len, name, &c);
	}
	for (size_t k = 0; k < o->flips && in->size && ret == 0; k++) {
		memcpy(buf, in->data, in->size);
		flip_byte(buf, in->size, &rng);
		snprintf(name, sizeof(name), "%s.f%zu", in->base, k);
		ret = o->outdir ? write_file(o, in->base, 'f', k, buf, in->size)
				: load_one(buf, in->size, name, &c);
	}
	alarm(0);
	if (!o->outdir)
		printf("%s: %zu inputs, %zu read, %zu refused\n", in->base,
		       c.read + c.refused, c.read, c.refused);
	free(buf);
	return ret;
}

static int usage(void)
{
	fprintf(stderr, "usage: mutate (-o DIR [--seal] | --load) [-s SEED] [-t N] [-f N] FILE...\n");
	return 2;
}

int main(int argc, char **argv)
{
	struct opts o = { NULL, false, 1, 0, 64 };
	bool load = false;
	int i, ret = 0;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--load"))
			load = true;
		else if (!strcmp(a, "--seal"))
			o.seal = true;
		else if (i + 1 < argc && !strcmp(a, "-o"))
			o.outdir = argv[++i];
		else if (i + 1 < argc && !strcmp(a, "-s"))
			o.seed = strtoull(argv[++i], NULL, 0);
		else if (i + 1 < argc && !strcmp(a, "-t"))
			o.truncs = strtoull(argv[++i], NULL, 0);
		else if (i + 1 < argc && !strcmp(a, "-f"))
			o.flips = strtoull(argv[++i], NULL, 0);
		else
			return usage();
	}
	if (i == argc || load == (o.outdir != NULL) || (load && o.seal))
		return usage();
	if (!o.truncs)
		o.truncs = load ? 65536 : 64;
	for (; i < argc && ret == 0; i++) {
		struct input in;

		if (read_input(&in, argv[i]) < 0)
			return 2;
		if (run_file(&o, &in) < 0)
			ret = 1;
		free(in.data);
	}
	return ret;
}
