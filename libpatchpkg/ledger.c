// SPDX-License-Identifier: MIT
/*
 * ledger.c - the records of applied patches, in the patched process.
 * A record is read from the process's memory, which the program could
 * have scribbled on: it is decoded like any untrusted input.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "ledger.h"
#include "obj.h"

#define LEDGER_MAX_SIZE (64u << 20)	/* no record is larger */

static size_t align8(size_t n)
{
	return (n + 7) & ~(size_t)7;
}

int ledger_encode(const struct ledger *l, uint8_t **buf, size_t *len, struct ipbp_err *err)
{
	size_t name_size = strlen(l->name) + 1;
	size_t sites_off = LEDGER_HEADER_SIZE;
	size_t name_off = sites_off + l->nr_sites * LEDGER_SITE_SIZE;
	size_t man_off = align8(name_off + name_size);
	size_t size = align8(man_off + l->manifest_size);
	uint8_t *b;

	if (size > LEDGER_MAX_SIZE)
		return ipbp_error(err, "record of %zu bytes is too large", size);
	b = calloc(1, size);
	if (!b)
		return ipbp_error(err, "out of memory");
	memcpy(b, LEDGER_MAGIC, 8);
	put_le16(b + 8, LEDGER_VERSION);
	put_le16(b + 10, LEDGER_HEADER_SIZE);
	put_le32(b + 12, l->state);
	put_le64(b + 16, l->addr);
	put_le64(b + 24, l->seq);
	put_le64(b + 32, l->map_size);
	put_le64(b + 40, l->image_base);
	put_le64(b + 48, l->checksum);
	put_le64(b + 56, l->applied_ns);
	put_le32(b + 64, (uint32_t)l->nr_sites);
	put_le32(b + 68, (uint32_t)sites_off);
	put_le32(b + 72, (uint32_t)name_off);
	put_le32(b + 76, (uint32_t)name_size);
	put_le32(b + 80, (uint32_t)man_off);
	put_le32(b + 84, (uint32_t)l->manifest_size);
	put_le32(b + 88, (uint32_t)size);
	for (size_t i = 0; i < l->nr_sites; i++) {
		const struct ledger_site *s = &l->sites[i];
		uint8_t *p = b + sites_off + i * LEDGER_SITE_SIZE;

		put_le64(p, s->addr);
		put_le64(p + 8, s->dest);
		put_le32(p + 16, s->func);
		put_le16(p + 20, s->size);
		put_le16(p + 22, s->flags);
		memcpy(p + 24, s->saved, LEDGER_SAVED_MAX);
	}
	memcpy(b + name_off, l->name, name_size);
	memcpy(b + man_off, l->manifest_bytes, l->manifest_size);
	*buf = b;
	*len = size;
	return 0;
}

void ledger_free(struct ledger *l)
{
	if (!l)
		return;
	free(l->name);
	free(l->sites);
	free(l->manifest_bytes);
	manifest_free(l->manifest);
	free(l);
}

static int decode_sites(struct ledger *l, const uint8_t *b, size_t len, struct ipbp_err *err)
{
	uint32_t off = get_le32(b + 68);

	l->nr_sites = get_le32(b + 64);
	if (!in_bounds(len, off, (uint64_t)l->nr_sites * LEDGER_SITE_SIZE))
		return ipbp_error(err, "%zu sites outside the record", l->nr_sites);
	l->sites = calloc(l->nr_sites ? l->nr_sites : 1, sizeof(*l->sites));
	if (!l->sites)
		return ipbp_error(err, "out of memory");
	for (size_t i = 0; i < l->nr_sites; i++) {
		const uint8_t *p = b + off + i * LEDGER_SITE_SIZE;
		struct ledger_site *s = &l->sites[i];

		s->addr = get_le64(p);
		s->dest = get_le64(p + 8);
		s->func = get_le32(p + 16);
		s->size = get_le16(p + 20);
		s->flags = get_le16(p + 22);
		memcpy(s->saved, p + 24, LEDGER_SAVED_MAX);
		if (s->size == 0 || s->size > LEDGER_SAVED_MAX)
			return ipbp_error(err, "site %zu: size %u", i, s->size);
	}
	return 0;
}

static int decode_strings(struct ledger *l, const uint8_t *b, size_t len, struct ipbp_err *err)
{
	uint32_t name_off = get_le32(b + 72), name_size = get_le32(b + 76);
	uint32_t man_off = get_le32(b + 80);

	if (!name_size || !in_bounds(len, name_off, name_size) || b[name_off + name_size - 1])
		return ipbp_error(err, "name outside the record");
	l->name = strdup((const char *)b + name_off);
	l->manifest_size = get_le32(b + 84);
	if (!in_bounds(len, man_off, l->manifest_size))
		return ipbp_error(err, "manifest outside the record");
	l->manifest_bytes = malloc(l->manifest_size ? l->manifest_size : 1);
	if (!l->name || !l->manifest_bytes)
		return ipbp_error(err, "out of memory");
	memcpy(l->manifest_bytes, b + man_off, l->manifest_size);
	return manifest_decode(&l->manifest, l->name, l->manifest_bytes, l->manifest_size, err);
}

int ledger_decode(struct ledger **out, const uint8_t *b, size_t len, uint64_t addr,
		  struct ipbp_err *err)
{
	struct ledger *l;

	*out = NULL;
	if (len < LEDGER_HEADER_SIZE || memcmp(b, LEDGER_MAGIC, 8))
		return ipbp_error(err, "not a patch record");
	if (get_le16(b + 8) != LEDGER_VERSION || get_le16(b + 10) != LEDGER_HEADER_SIZE)
		return ipbp_error(err, "patch record version %u is not supported", get_le16(b + 8));
	l = calloc(1, sizeof(*l));
	if (!l)
		return ipbp_error(err, "out of memory");
	l->addr = get_le64(b + 16);
	l->state = (enum ledger_state)get_le32(b + 12);
	l->seq = get_le64(b + 24);
	l->map_size = get_le64(b + 32);
	l->image_base = get_le64(b + 40);
	l->checksum = get_le64(b + 48);
	l->applied_ns = get_le64(b + 56);
	if (l->addr != addr || (l->state != LEDGER_APPLIED && l->state != LEDGER_REVERTED) ||
	    l->image_base < addr || l->image_base - addr >= l->map_size) {
		ledger_free(l);
		return ipbp_error(err, "patch record at 0x%" PRIx64 " is inconsistent", addr);
	}
	if (decode_sites(l, b, len, err) < 0 || decode_strings(l, b, len, err) < 0) {
		ledger_free(l);
		return -1;
	}
	*out = l;
	return 0;
}

void ledger_put_back(const struct ledger *l, uint64_t addr, uint8_t *buf, size_t size)
{
	for (size_t i = 0; i < l->nr_sites; i++) {
		const struct ledger_site *site = &l->sites[i];
		uint64_t lo = site->addr > addr ? site->addr : addr;
		uint64_t hi = site->addr + site->size < addr + size ?
			      site->addr + site->size : addr + size;

		if (lo < hi)
			memcpy(buf + (lo - addr), site->saved + (lo - site->addr), hi - lo);
	}
}

void ledger_free_list(struct ledger **list, size_t nr)
{
	for (size_t i = 0; i < nr; i++)
		ledger_free(list[i]);
	free(list);
}

static int read_record(struct process *p, const struct mapping *m, struct ledger **out,
		       struct ipbp_err *err)
{
	uint8_t head[LEDGER_HEADER_SIZE], *buf;
	uint32_t size;
	int ret;

	if (process_read(p, m->start, head, sizeof(head), err) < 0)
		return -1;
	size = get_le32(head + 88);
	if (memcmp(head, LEDGER_MAGIC, 8) || size < LEDGER_HEADER_SIZE ||
	    size > LEDGER_MAX_SIZE || size > m->end - m->start)
		return ipbp_error(err, "mapping at 0x%" PRIx64 " holds no patch record", m->start);
	buf = malloc(size);
	if (!buf)
		return ipbp_error(err, "out of memory");
	ret = process_read(p, m->start, buf, size, err);
	if (ret == 0)
		ret = ledger_decode(out, buf, size, m->start, err);
	free(buf);
	return ret;
}

static int by_seq(const void *a, const void *b)
{
	const struct ledger *x = *(struct ledger *const *)a, *y = *(struct ledger *const *)b;

	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

int ledger_read_all(struct process *p, struct ledger ***list, size_t *nr,
		    struct ipbp_err *err)
{
	struct ledger **l = NULL;
	size_t n = 0;

	for (size_t i = 0; i < p->nr_maps; i++) {
		const struct mapping *m = &p->maps[i];
		struct ledger *rec;
		void *np;

		if (strncmp(m->path, LEDGER_MAPS_PREFIX, strlen(LEDGER_MAPS_PREFIX)) ||
		    m->offset != 0)
			continue;
		if (read_record(p, m, &rec, err) < 0) {
			ledger_free_list(l, n);
			return ipbp_error_prefix(err, m->path);
		}
		np = realloc(l, (n + 1) * sizeof(*l));
		if (!np) {
			ledger_free(rec);
			ledger_free_list(l, n);
			return ipbp_error(err, "out of memory");
		}
		l = np;
		l[n++] = rec;
	}
	if (n)
		qsort(l, n, sizeof(*l), by_seq);
	*list = l;
	*nr = n;
	return 0;
}
