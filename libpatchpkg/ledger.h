/* SPDX-License-Identifier: MIT */
/*
 * ledger.h - what patchload applied to a process, kept in the process
 * itself so that any later patchload run (--list, --revert, the next patch)
 * finds it.
 *
 * Each applied patch is one mapping of a memfd named "ipbp:NAME" (so
 * /proc/PID/maps shows "/memfd:ipbp:NAME (deleted)"): first its record,
 * read-only, then the patch's image at a page boundary.  The record says
 * where every branch was written and holds the bytes it replaced, so a
 * revert puts them back exactly; it also holds a copy of the patch's
 * manifest, so a later patch can be resolved against this one's code.
 *
 * Record layout (little-endian; doc/patchload.1):
 *    0  magic "IPBPLOAD"        8  u16 version (1)   10 u16 header size (96)
 *   12  u32 state (1 applied, 2 reverted, still mapped)
 *   16  u64 address of the record (the mapping's start)
 *   24  u64 sequence number (1 for the first patch applied to the process)
 *   32  u64 size of the mapping   40 u64 image base
 *   48  u64 checksum of the patch file   56 u64 applied at (Unix time, ns)
 *   64  u32 site count   68 u32 sites offset   72 u32 name offset
 *   76  u32 name size    80 u32 manifest offset   84 u32 manifest size
 *   88  u32 record size  92 u32 reserved (0)
 *   site, 40 bytes: u64 address, u64 destination, u32 function (index in
 *        the manifest's funcs), u16 size, u16 flags, u8 saved[16]
 */
#ifndef IPBP_LEDGER_H
#define IPBP_LEDGER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "error.h"
#include "manifest.h"
#include "process.h"

#define LEDGER_MAGIC		"IPBPLOAD"
#define LEDGER_VERSION		1
#define LEDGER_HEADER_SIZE	96
#define LEDGER_SITE_SIZE	40
#define LEDGER_SAVED_MAX	16
#define LEDGER_MEMFD_PREFIX	"ipbp:"		/* memfd name */
#define LEDGER_MAPS_PREFIX	"/memfd:ipbp:"	/* as /proc/PID/maps shows it */

enum ledger_state {
	LEDGER_APPLIED = 1,
	LEDGER_REVERTED = 2,	/* branches removed; the mapping stayed because
				 * a thread was still running its code */
};

#define SITE_ENTRY	0x1u	/* at the function's own entry in its module
				 * (else at an earlier patch's copy of it) */

struct ledger_site {
	uint64_t addr;		/* where the branch is */
	uint64_t dest;		/* where it goes */
	uint32_t func;		/* index in the manifest's funcs */
	uint16_t size;		/* bytes replaced */
	uint16_t flags;		/* SITE_* */
	uint8_t saved[LEDGER_SAVED_MAX];	/* the bytes before */
};

struct ledger {
	uint64_t addr;		/* of the record: the mapping's start */
	enum ledger_state state;
	uint64_t seq;
	uint64_t map_size;
	uint64_t image_base;
	uint64_t checksum;
	uint64_t applied_ns;
	char *name;
	struct ledger_site *sites;
	size_t nr_sites;
	uint8_t *manifest_bytes;
	size_t manifest_size;
	struct manifest *manifest;	/* decoded by ledger_decode() */
};

/* The record's bytes, malloc'd; *len is not rounded to a page. */
int ledger_encode(const struct ledger *l, uint8_t **buf, size_t *len, struct ipbp_err *err);
int ledger_decode(struct ledger **out, const uint8_t *buf, size_t len, uint64_t addr,
		  struct ipbp_err *err);
void ledger_free(struct ledger *l);

/*
 * Every record in p (applied and reverted ones), sorted by sequence
 * number, from the mappings p->maps lists.  *list is freed with
 * ledger_free_list().
 */
int ledger_read_all(struct process *p, struct ledger ***list, size_t *nr,
		    struct ipbp_err *err);
void ledger_free_list(struct ledger **list, size_t nr);

/* buf holds the process's bytes at [addr, addr + size): puts back in it
 * the bytes l's branches replaced, where they overlap. */
void ledger_put_back(const struct ledger *l, uint64_t addr, uint8_t *buf, size_t size);

/*
 * l listed (ledger-write.c): as text, "#SEQ\tNAME\tSTATE\tWHEN\tBASE", then
 * for an applied patch a line per branch and per added function or data
 * (LEDGER_TEXT_DEMANGLE: those of C++ names ending in " # " and the name
 * demangled); as one JSON object (doc/patchload.1).
 */
#define LEDGER_TEXT_DEMANGLE	0x1u
void ledger_write_text(FILE *f, const struct ledger *l, unsigned flags);
void ledger_write_json(FILE *f, const struct ledger *l);

/* Offset of the state field, for marking a record reverted in place. */
#define LEDGER_STATE_OFFSET 12

#endif
