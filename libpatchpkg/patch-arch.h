/* SPDX-License-Identifier: MIT */
/*
 * patch-arch.h - what building and loading a patch needs to know about an
 * architecture's relocations (ELF psABI types), behind one table per
 * architecture: patch-x86_64.c, patch-aarch64.c.  Core code never
 * switches on the architecture.
 *
 * mkpatch sorts every relocation of the code it copies into one of the
 * patch_ref classes, then either resolves the field itself (both ends in
 * the patch) or records a patch relocation for the loader (the target lives
 * in the process).  Both use apply(), so a field is written one way.
 */
#ifndef IPBP_PATCH_ARCH_H
#define IPBP_PATCH_ARCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "manifest.h"
#include "obj.h"

/* Which value of a TLS import a relocation type wants as S (the loader). */
enum patch_tls_use {
	PTLS_NONE,		/* the address, as for any symbol */
	PTLS_TPOFF,		/* its offset from the thread pointer */
	PTLS_DTPMOD,		/* its module's id */
	PTLS_DTPOFF,		/* its offset in its module's TLS block */
};

/* What a relocation asks of the patch builder. */
enum patch_ref {
	PREF_DIRECT,		/* the field holds (a function of) S + A: apply
				 * it as it is (pc-relative, page, absolute) */
	PREF_BRANCH,		/* a call or jump: to code in the process it
				 * goes through an import stub (a PLT entry) */
	PREF_GOT,		/* loads the address from a GOT slot: the slot
				 * (absolute, 64-bit) holds S; the field is
				 * rewritten as got_type against the slot */
	PREF_TLS_IE,		/* initial-exec TLS: a GOT slot holding the
				 * TP offset (tpoff_type) of S */
	PREF_TLS_GD,		/* general/local-dynamic TLS: two GOT slots
				 * (module, offset: dtpmod_type, dtpoff_type) */
	PREF_UNSUPPORTED,	/* mkpatch refuses the object */
};

struct patch_arch {
	enum obj_arch arch;
	uint16_t machine;		/* ELF e_machine */
	uint32_t page_size;		/* the loader maps the patch at a multiple */
	unsigned stub_size;		/* bytes of one import stub, aligned */
	uint8_t code_fill;		/* fills code between functions: a trap
					 * (x86 int3; AArch64 0, udf #0) */
	uint32_t abs64_type;		/* R_*_64 / R_AARCH64_ABS64 */
	uint32_t tpoff64_type;		/* R_X86_64_TPOFF64 / R_AARCH64_TLS_TPREL64 */
	uint32_t dtpmod64_type, dtpoff64_type;	/* 0 when unsupported */
	uint32_t tls_ld_type;		/* the PREF_TLS_GD type of local dynamic
					 * (module only): R_X86_64_TLSLD; or 0 */

	/* The class of a native relocation type. */
	enum patch_ref (*classify)(uint32_t type);

	/*
	 * For PREF_GOT, _TLS_IE and _TLS_GD: the type the field is rewritten
	 * to once it refers to the patch's own slot instead of the GOT
	 * (R_X86_64_REX_GOTPCRELX -> R_X86_64_PC32, R_AARCH64_ADR_GOT_PAGE
	 * -> R_AARCH64_ADR_PREL_PG_HI21, ...).  0 when there is none.
	 */
	uint32_t (*slot_type)(uint32_t type);

	/*
	 * True when the field's value stays right if S and P move together by
	 * a multiple of page_size (pc-relative and page-relative fields): such
	 * fields between two places of the patch are resolved by mkpatch.
	 */
	bool (*is_position_independent)(uint32_t type);

	/*
	 * A reference the assembler resolved (RELF_DECODED, type 0) as the
	 * native type that would have carried it, with the addend that makes
	 * S + A the same target when S is the referenced symbol's address:
	 * field holds the object's bytes at r->offset, target_off is the
	 * referenced address minus the target symbol's start.  -1 with err
	 * set when the instruction cannot be expressed.
	 */
	int (*decoded_type)(const struct reloc *r, const uint8_t *field, int64_t target_off,
			    uint32_t *type, int64_t *addend, struct ipbp_err *err);

	/*
	 * Writes the value of a relocation of type into the field at loc
	 * (loc points at the relocation's offset; the bytes it owns are
	 * replaced, the rest of an instruction kept).  S, A, P as in the
	 * psABI.  -1 with err set when the value does not fit ("R_X86_64_PC32
	 * out of range") or the type is not supported.
	 */
	int (*apply)(uint32_t type, uint8_t *loc, uint64_t S, int64_t A, uint64_t P,
		     struct ipbp_err *err);

	/* Writes an import stub at stub_addr that jumps to the address held in
	 * the 8-byte slot at slot_addr (both patch addresses). */
	void (*write_stub)(uint8_t *stub, uint64_t stub_addr, uint64_t slot_addr);

	/*
	 * The bytes a linker may rewrite for relocation r of type type: the
	 * field itself, and for relaxable sequences the instruction bytes
	 * around it (x86-64 GOTPCRELX mov -> lea, TLS GD -> IE -> LE).  Old
	 * code is hashed with these bytes zeroed, so the hash of an object's
	 * function equals the hash of the same function in the linked target.
	 * [*start, *end) is relative to r's offset, start <= 0.
	 */
	void (*mask)(uint32_t type, unsigned width, int64_t *start, int64_t *end);

	/* The loader's redirection: a branch of branch_size bytes at from
	 * that goes to to.  -1 with err set when to is out of its reach. */
	enum patch_tls_use (*tls_use)(uint32_t type);

	unsigned branch_size;
	int (*write_branch)(uint8_t *buf, uint64_t from, uint64_t to, struct ipbp_err *err);
	/* True when the first need of len bytes are covered by padding
	 * between functions (nops, traps, whole instructions from bytes[0]):
	 * a branch may extend over them past a function's end. */
	bool (*is_padding)(const uint8_t *bytes, size_t len, size_t need);
};

/* The table for an architecture, or NULL ("not supported yet"). */
const struct patch_arch *patch_arch_find(enum obj_arch arch);
const struct patch_arch *patch_arch_find_machine(uint16_t machine);

extern const struct patch_arch patch_arch_x86_64, patch_arch_aarch64;

/*
 * The identity of old code (hash.c).  patch_code_masks() lists the byte
 * ranges of [start, start + size) of sec that relocation fields (as
 * widened by mask()) cover, relative to start, sorted and merged; a
 * malloc'd array.  References the assembler resolved (RELF_DECODED) are
 * bytes like any other: the linker does not touch them.
 * patch_hash_masked() is XXH3-64 of bytes with the masked ranges read as
 * zero: mkpatch hashes the old object's code, patchload the live code.
 */
int patch_code_masks(const struct patch_arch *arch, const struct section *sec,
		     uint64_t start, uint64_t size, struct manifest_mask **masks,
		     size_t *nr, struct ipbp_err *err);
uint64_t patch_hash_masked(const uint8_t *bytes, uint64_t size,
			   const struct manifest_mask *masks, size_t nr);

/* XXH3-64 of a patch file with the 8 checksum bytes at checksum_at read as 0. */
uint64_t patch_checksum(const uint8_t *file, size_t size, uint64_t checksum_at);

#endif
