/* SPDX-License-Identifier: MIT */
/*
 * elf-reloc.h - ELF relocation types, private to formats/elf*.c: the name
 * llvm-objdump prints, the normalized kind, the field width, and how a
 * REL-style addend is stored in the field.
 */
#ifndef IPBP_ELF_RELOC_H
#define IPBP_ELF_RELOC_H

#include <stdbool.h>
#include <stdint.h>

#include "obj.h"

/* How the field stores its value (and so a REL addend). */
enum elf_field_enc {
	ENC_NONE,	/* not extracted: the addend is taken as 0 */
	ENC_DATA,	/* a plain signed integer of the field's width */
	ENC_PREL31,	/* 31-bit signed value in a word (ARM EHABI) */
	ENC_ARM_B24,	/* ARM B/BL: imm24 << 2 */
	ENC_ARM_MOVW,	/* ARM MOVW/MOVT: imm4:imm12, signed 16 bits */
	ENC_THM_BL,	/* Thumb-2 BL/B.W: S:I1:I2:imm10:imm11 << 1 */
	ENC_THM_B19,	/* Thumb-2 B<c>.W: S:J2:J1:imm6:imm11 << 1 */
	ENC_THM_B11,	/* Thumb B: imm11 << 1 */
	ENC_THM_B8,	/* Thumb B<c>: imm8 << 1 */
	ENC_THM_MOVW,	/* Thumb-2 MOVW/MOVT: imm4:i:imm3:imm8, signed */
	ENC_THM_PC8,	/* Thumb LDR literal / ADR: imm8 << 2 */
};

#define RT_PCREL	0x01u	/* the value is relative to the field (- P) */
#define RT_INSN		0x02u	/* the field is an instruction */

struct elf_reloc_type {
	const char *name;	/* NULL: unknown type */
	uint8_t kind;		/* enum reloc_kind */
	uint8_t width;		/* bytes the linker writes */
	uint8_t enc;		/* enum elf_field_enc */
	uint8_t flags;		/* RT_* */
};

/* The description of a type for a machine, or NULL when unknown. */
const struct elf_reloc_type *elf_reloc_type(enum obj_arch arch, uint32_t type);

/*
 * Reads the addend stored in the field at p (width bytes, readable) as
 * encoded by t; big_endian is the byte order of the field.  Returns false
 * when the encoding is not supported.
 */
bool elf_reloc_read_addend(const struct elf_reloc_type *t, const uint8_t *p,
			   bool big_endian, int64_t *addend);

#endif
