/* SPDX-License-Identifier: MIT */
/*
 * arch.h - what the instruction decoder needs to know about one
 * architecture, behind a table of operations (like objtool's arch_*()):
 * decode.c and the tools never switch on the architecture.
 *
 * Decoding (the sweep of decode.c over every instruction of every input,
 * compare-insn.c, types-guess.c) goes through a struct arch_decoder.  On
 * x86 that is Zydis (libzydis-dev): it decodes an instruction's length and
 * fields without its operands about 4x faster than Capstone with detail
 * (52 against 227 ns per instruction on the generated 50000-function
 * object), needs no tables built at first use (about 0.1 ms per process
 * with Capstone), and reads the AVX-512 and VAES encodings that Capstone 4
 * misdecodes.  On arm64 it is Capstone.  Listings (disasm.c) are
 * Capstone's text on every architecture (arch_disasm_open()).
 *
 * Every address is an offset from the start of the section being decoded,
 * so every address in struct arch_ref is section-relative too.
 */
#ifndef IPBP_ARCH_H
#define IPBP_ARCH_H

#include <stdbool.h>
#include <stdint.h>

#include <capstone/capstone.h>
#include <Zydis/Decoder.h>

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

/* One decoded instruction. */
struct arch_insn {
	unsigned size;
	unsigned id;		/* the decoder's mnemonic: a branch's short and
				 * near forms share it */
	struct arch_ref ref;	/* ref.kind is RK_NONE when it refers to none */
};

/* What one thread needs to decode (arch_decoder_open()). */
struct arch_decoder {
	const struct arch_ops *ops;
	ZydisDecoder zydis;		/* x86, minimal mode: no operands */
	ZydisDecoder zydis_full;	/* x86, operands too (disp_only()) */
	csh cs;				/* Capstone, with detail: arm64 */
	cs_insn *insn[2];
};

struct arch_ops {
	enum obj_arch arch;
	const char *name;
	cs_arch cs_arch;
	cs_mode cs_mode;		/* little-endian mode */
	unsigned min_insn_size;		/* skip over an undecodable byte */
	/* Every field decode() reports is a little-endian signed
	 * displacement from the end of the instruction (target = end + field)
	 * whose value never changes how the instruction or the ones after it
	 * decode: bytes that differ only inside such fields decode alike,
	 * with the targets the new values give (x86; not arm64, whose fields
	 * are whole instruction words). */
	bool disp_fields;
	/* Sets dec up: 0, or -1 when its decoder cannot be opened. */
	int (*decoder_open)(struct arch_decoder *dec);
	void (*decoder_close)(struct arch_decoder *dec);
	/* Decodes the instruction at code (left bytes, at address addr) into
	 * *insn and returns its size, or 0 when the bytes begin no
	 * instruction.  insn->ref is the PC-relative reference it makes. */
	unsigned (*decode)(const struct arch_decoder *dec, const uint8_t *code,
			   size_t left, uint64_t addr, struct arch_insn *insn);
	/* True when the instructions at a (na bytes) and b (nb bytes) are the
	 * same but for the displacement of a memory operand, stored into *da
	 * and *db: what a changed struct layout does to code. */
	bool (*disp_only)(const struct arch_decoder *dec, const uint8_t *a, size_t na,
			  const uint8_t *b, size_t nb, int64_t *da, int64_t *db);
};

extern const struct arch_ops arch_x86_64_ops, arch_i386_ops, arch_aarch64_ops;

/* The decoder for arch, or NULL when there is none (arm, wasm32). */
const struct arch_ops *find_arch_ops(enum obj_arch arch);

/*
 * Opens a Capstone handle for listing obj's instructions, with
 * instruction detail on; *ops (if not NULL) receives the arch's table.
 * Returns 0, or -1 with err set when the architecture has no decoder.
 * Close the handle with cs_close().
 */
int arch_disasm_open(const struct obj *obj, csh *handle,
		     const struct arch_ops **ops, struct ipbp_err *err);

/*
 * Sets dec up for obj's architecture.  Returns 0, or -1 with err set when
 * the architecture has no decoder.  Close it with arch_decoder_close().
 */
int arch_decoder_open(const struct obj *obj, struct arch_decoder *dec,
		      struct ipbp_err *err);
void arch_decoder_close(struct arch_decoder *dec);

/*
 * The reference insn (from Capstone) makes, found the way the sweep finds
 * it, so that what is shown and compared agrees with what was decoded:
 * true with *ref filled, or false.
 */
bool arch_insn_ref(const struct arch_decoder *dec, const cs_insn *insn,
		   struct arch_ref *ref);

/* Capstone, for the decoder_open and decoder_close of an arch_ops. */
int arch_capstone_open(struct arch_decoder *dec);
void arch_capstone_close(struct arch_decoder *dec);

#endif
