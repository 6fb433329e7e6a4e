// SPDX-License-Identifier: MIT
/*
 * hash.c - the two hashes a patch carries: the identity of each replaced
 * function's old code, and the checksum of the whole file.
 */
#include <stdlib.h>
#include <string.h>
#define XXH_STATIC_LINKING_ONLY	/* XXH3_state_t on the stack */
#include <xxhash.h>

#include "patch-arch.h"

#define MASK_REACH 16	/* no mask reaches further before or after its field */

/* Adds [lo, hi) to the sorted list, merging with the last range when they
 * touch (fields come in offset order, masks may reach backwards). */
static int add_mask(struct manifest_mask **masks, size_t *nr, size_t *cap,
		    uint64_t lo, uint64_t hi)
{
	if (*nr) {
		struct manifest_mask *last = &(*masks)[*nr - 1];
		uint64_t end = (uint64_t)last->offset + last->size;

		if (lo <= end) {
			if (lo < last->offset) {
				end = end > hi ? end : hi;
				last->offset = (uint32_t)lo;
			}
			if (hi > end)
				end = hi;
			last->size = (uint32_t)(end - last->offset);
			return 0;
		}
	}
	if (*nr == *cap) {
		size_t ncap = *cap ? *cap * 2 : 16;
		void *p = realloc(*masks, ncap * sizeof(**masks));

		if (!p)
			return -1;
		*masks = p;
		*cap = ncap;
	}
	(*masks)[(*nr)++] = (struct manifest_mask){ (uint32_t)lo, (uint32_t)(hi - lo) };
	return 0;
}

int patch_code_masks(const struct patch_arch *arch, const struct section *sec,
		     uint64_t start, uint64_t size, struct manifest_mask **masks,
		     size_t *nr, struct ipbp_err *err)
{
	size_t cap = 0;
	size_t i = obj_first_reloc(sec, start > MASK_REACH ? start - MASK_REACH : 0);

	*masks = NULL;
	*nr = 0;
	for (; i < sec->nr_relocs && sec->relocs[i]->offset < start + size + MASK_REACH; i++) {
		const struct reloc *r = sec->relocs[i];
		int64_t lo, hi;
		int64_t from, to;

		if (r->flags & RELF_DECODED)
			continue;
		arch->mask(r->type, r->width, &lo, &hi);
		from = (int64_t)(r->offset - start) + lo;
		to = (int64_t)(r->offset - start) + hi;
		if (from < 0)
			from = 0;
		if (to > (int64_t)size)
			to = (int64_t)size;
		if (from >= to)
			continue;
		if (add_mask(masks, nr, &cap, (uint64_t)from, (uint64_t)to) < 0) {
			free(*masks);
			*masks = NULL;
			return ipbp_error(err, "out of memory");
		}
	}
	return 0;
}

uint64_t patch_hash_masked(const uint8_t *bytes, uint64_t size,
			   const struct manifest_mask *masks, size_t nr)
{
	static const uint8_t zero[64];
	XXH3_state_t st;
	uint64_t at = 0;

	XXH3_64bits_reset(&st);
	for (size_t i = 0; i < nr && at < size; i++) {
		uint64_t lo = masks[i].offset, hi = lo + masks[i].size;

		if (lo < at)
			lo = at;
		if (hi > size)
			hi = size;
		if (lo >= hi)
			continue;
		XXH3_64bits_update(&st, bytes + at, lo - at);
		for (uint64_t k = lo; k < hi; k += sizeof(zero))
			XXH3_64bits_update(&st, zero, hi - k < sizeof(zero) ? hi - k : sizeof(zero));
		at = hi;
	}
	if (at < size)
		XXH3_64bits_update(&st, bytes + at, size - at);
	return XXH3_64bits_digest(&st);
}

uint64_t patch_checksum(const uint8_t *file, size_t size, uint64_t checksum_at)
{
	static const uint8_t zero[8];
	XXH3_state_t st;

	if (checksum_at > size || size - checksum_at < 8)
		return XXH3_64bits(file, size);
	XXH3_64bits_reset(&st);
	XXH3_64bits_update(&st, file, checksum_at);
	XXH3_64bits_update(&st, zero, sizeof(zero));
	XXH3_64bits_update(&st, file + checksum_at + 8, size - checksum_at - 8);
	return XXH3_64bits_digest(&st);
}
