/* SPDX-License-Identifier: MIT */
/*
 * archive.h - ar(1) archives: GNU/SysV ("/", "//", "/SYM64/"), BSD
 * ("#1/len", "__.SYMDEF") and Windows (two linker members, "//") variants.
 * Members are addressed as "lib.a(member.o)".
 */
#ifndef IPBP_ARCHIVE_H
#define IPBP_ARCHIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

struct archive_member {
	const char *name;	/* member name, long names resolved */
	uint64_t offset;	/* of its header in the archive */
	const uint8_t *data;	/* its bytes (after a BSD long name) */
	size_t size;
};

struct archive_symbol {
	const char *name;	/* from the archive's symbol index */
	size_t member;		/* index into members, or SIZE_MAX when the
				 * index points at no member header */
};

struct archive {
	struct archive_member *members;
	size_t nr_members;
	struct archive_symbol *index;
	size_t nr_index;
	char *strings;		/* owned storage for names */
};

bool archive_probe(const uint8_t *data, size_t size);
int archive_read(struct archive **out, const char *name, const uint8_t *data,
		 size_t size, struct ipbp_err *err);
void archive_free(struct archive *ar);

#endif
