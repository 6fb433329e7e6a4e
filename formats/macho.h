/* SPDX-License-Identifier: MIT */
#ifndef IPBP_MACHO_H
#define IPBP_MACHO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

/* Universal ("fat") Mach-O files: FAT_MAGIC and FAT_MAGIC_64. */
bool macho_fat_probe(const uint8_t *data, size_t size);

/*
 * Finds the slice for arch ("x86_64", "arm64", "i386", "arm64e"...; NULL
 * picks the host's, or the only slice).  On error the message lists the
 * slices the file has.
 */
int macho_fat_slice(const char *name, const uint8_t *data, size_t size,
		    const char *arch, size_t *offset, size_t *len,
		    struct ipbp_err *err);

#endif
