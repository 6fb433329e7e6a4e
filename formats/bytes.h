/* SPDX-License-Identifier: MIT */
/*
 * bytes.h - little-endian fields read and written a byte at a time (no
 * unaligned loads, any host byte order), fields of either byte order read
 * whole, and sign extension: what the readers, the patch writers and the
 * relocation rules share.
 */
#ifndef IPBP_BYTES_H
#define IPBP_BYTES_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

static inline uint64_t get_le(const uint8_t *p, unsigned width)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < width; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static inline void put_le(uint8_t *p, uint64_t v, unsigned width)
{
	for (unsigned i = 0; i < width; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/*
 * The unsigned integer of width bytes at p, stored big_endian or not.
 * Widths 2, 4 and 8 are loaded whole (memcpy, then a byte swap when the
 * orders differ): the ELF reader calls this for every field of every
 * symbol and relocation.
 */
static inline uint64_t get_uint(const uint8_t *p, unsigned width, bool big_endian)
{
	bool swap = big_endian != (__BYTE_ORDER__ == __ORDER_BIG_ENDIAN__);
	uint64_t v = 0;

	switch (width) {
	case 2: {
		uint16_t x;

		memcpy(&x, p, 2);
		return swap ? __builtin_bswap16(x) : x;
	}
	case 4: {
		uint32_t x;

		memcpy(&x, p, 4);
		return swap ? __builtin_bswap32(x) : x;
	}
	case 8:
		memcpy(&v, p, 8);
		return swap ? __builtin_bswap64(v) : v;
	}
	for (unsigned i = 0; i < width; i++)
		v = v << 8 | p[big_endian ? i : width - 1 - i];
	return v;
}

/* The low bits bits of v as a two's-complement number (bits 1 to 64). */
static inline int64_t sign_extend(uint64_t v, unsigned bits)
{
	uint64_t m = 1ull << (bits - 1);
	int64_t r;

	if (bits < 64)
		v = ((v & ((1ull << bits) - 1)) ^ m) - m;
	memcpy(&r, &v, sizeof(r));
	return r;
}

static inline uint16_t get_le16(const uint8_t *p) { return (uint16_t)get_le(p, 2); }
static inline uint32_t get_le32(const uint8_t *p) { return (uint32_t)get_le(p, 4); }
static inline uint64_t get_le64(const uint8_t *p) { return get_le(p, 8); }
static inline void put_le16(uint8_t *p, uint16_t v) { put_le(p, v, 2); }
static inline void put_le32(uint8_t *p, uint32_t v) { put_le(p, v, 4); }
static inline void put_le64(uint8_t *p, uint64_t v) { put_le(p, v, 8); }

#endif
