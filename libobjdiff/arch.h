/* SPDX-License-Identifier: MIT */
/*
 * arch.h - what the instruction decoder needs to know about one
 * architecture, behind a table of operations (like objtool's arch_*()):
 * decode.c and the tools never switch on the architecture.
 *
 * Decoding uses Capstone (libcapstone-dev).  Addresses handed to Capstone
 * are offsets from the start of the section being decoded, so every
 * address in struct arch_ref is section-relative too.
 */
#ifndef IPBP_ARCH_H
#define IPBP_ARCH_H

#include <stdbool.h>
#include <stdint.h>

#include <capstone/capstone.h>

#include "error.h"
#include "obj.h"

/* One PC-relative reference that an instruction makes. */
struct arch_ref {
	uint8_t field;		/* offset of the field in the instruction */
	uint8_t width;		/* bytes of the field */
	enum reloc_kind kind;	/* RK_BRANCH, RK_PCREL or RK_PAGE */
	bool is_call;		/* a call (x86 call, arm64 bl) */
	uint64_t target;	/* the address referred to (RK_PAGE: the page) */
};

struct arch_ops {
	enum obj_arch arch;
	const char *name;
	cs_arch cs_arch;
	cs_mode cs_mode;		/* little-endian mode */
	unsigned min_insn_size;		/* skip over an undecodable byte */
	/* Every field find_ref() reports is a little-endian signed
	 * displacement from the end of the instruction (target = end + field)
	 * whose value never changes how the instruction or the ones after it
	 * decode: bytes that differ only inside such fields decode alike,
	 * with the targets the new values give (x86; not arm64, whose fields
	 * are whole instruction words). */
	bool disp_fields;
	/* Fills ref and returns true when insn (decoded with detail) refers
	 * PC-relatively to an address; false for anything else, including
	 * encodings whose detail does not match the bytes. */
	bool (*find_ref)(const cs_insn *insn, struct arch_ref *ref);
	/* True when a and b (decoded with detail) are the same instruction
	 * but for the displacement of a memory operand, stored into *da and
	 * *db: what a changed struct layout does to code. */
	bool (*disp_only)(const cs_insn *a, const cs_insn *b, int64_t *da, int64_t *db);
};

extern const struct arch_ops arch_x86_64_ops, arch_i386_ops, arch_aarch64_ops;

/* The decoder for arch, or NULL when there is none (arm, wasm32). */
const struct arch_ops *find_arch_ops(enum obj_arch arch);

/*
 * Opens a Capstone handle for obj's architecture and byte order, with
 * instruction detail on; *ops (if not NULL) receives the arch's table.
 * Returns 0, or -1 with err set when the architecture has no decoder.
 * Close the handle with cs_close().
 */
int arch_disasm_open(const struct obj *obj, csh *handle,
		     const struct arch_ops **ops, struct ipbp_err *err);

#endif
