// SPDX-License-Identifier: MIT
/*
 * arch-x86.c - PC-relative references of x86-64 and i386 instructions:
 * call/jmp/jcc/loop rel8 and rel32, and (x86-64) RIP-relative memory
 * operands.
 *
 * Zydis decodes an instruction without its operands: its length and where
 * its displacement and immediate fields are, which is all a reference needs.
 * dec->zydis runs in Zydis's minimal mode, which also skips the semantic
 * attributes nothing here reads (12 % faster on the sweep of a large
 * object); prefix and ModR/M attributes and the raw fields are the same.
 * Only x86_disp_only() decodes operands, with dec->zydis_full.
 */
#include <Zydis/Zydis.h>

#include "arch.h"

static int open_zydis(struct arch_decoder *dec, ZydisMachineMode mode,
		      ZydisStackWidth width)
{
	return ZYAN_SUCCESS(ZydisDecoderInit(&dec->zydis, mode, width)) &&
	       ZYAN_SUCCESS(ZydisDecoderEnableMode(&dec->zydis, ZYDIS_DECODER_MODE_MINIMAL,
						   ZYAN_TRUE)) &&
	       ZYAN_SUCCESS(ZydisDecoderInit(&dec->zydis_full, mode, width)) ? 0 : -1;
}

static int open_64(struct arch_decoder *dec)
{
	return open_zydis(dec, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64);
}

static int open_32(struct arch_decoder *dec)
{
	return open_zydis(dec, ZYDIS_MACHINE_MODE_LEGACY_32, ZYDIS_STACK_WIDTH_32);
}

static void close_zydis(struct arch_decoder *dec)
{
	(void)dec;
}

/*
 * call/jmp/jcc/loop/jrcxz with an 8- or 32-bit displacement, which is
 * always the instruction's last field.  rel16 is left out, and so is an
 * operand-size prefix on rel32 that REX.W does not override: CPUs disagree
 * on what it does in 64-bit mode and compilers never emit it.
 */
static bool find_branch(const ZydisDecodedInstruction *zi, uint64_t end,
			struct arch_ref *ref)
{
	const struct ZydisDecodedInstructionRawImm_ *imm = &zi->raw.imm[0];
	unsigned width = imm->size / 8;

	if (!imm->is_relative || (width != 1 && width != 4) ||
	    imm->offset + width != zi->length)
		return false;
	if (width == 4 && (zi->attributes & ZYDIS_ATTRIB_HAS_OPERANDSIZE) &&
	    !(zi->encoding == ZYDIS_INSTRUCTION_ENCODING_LEGACY && zi->raw.rex.W))
		return false;
	ref->field = imm->offset;
	ref->width = (uint8_t)width;
	ref->kind = RK_BRANCH;
	ref->is_call = zi->mnemonic == ZYDIS_MNEMONIC_CALL;
	ref->target = end + (uint64_t)imm->value.s;
	return true;
}

/* A memory operand addressed from the RIP: ModR/M mod 0, r/m 5, no SIB,
 * disp32, 64-bit addresses (0x67 makes it EIP-relative: left out). */
static bool find_rip_operand(const ZydisDecodedInstruction *zi, uint64_t end,
			     struct arch_ref *ref)
{
	const ZydisDecodedInstructionRaw *raw = &zi->raw;

	if (!(zi->attributes & ZYDIS_ATTRIB_HAS_MODRM) || raw->modrm.mod != 0 ||
	    raw->modrm.rm != 5 || raw->disp.size != 32 || zi->address_width != 64)
		return false;
	ref->field = raw->disp.offset;
	ref->width = 4;
	ref->kind = RK_PCREL;
	ref->is_call = false;
	ref->target = end + (uint64_t)raw->disp.value;
	return true;
}

static unsigned decode(const struct arch_decoder *dec, const uint8_t *code, size_t left,
		       uint64_t addr, struct arch_insn *insn, bool rip_relative)
{
	ZydisDecodedInstruction zi;
	uint64_t end;

	insn->ref.kind = RK_NONE;
	if (!ZYAN_SUCCESS(ZydisDecoderDecodeInstruction(&dec->zydis, NULL, code, left, &zi)))
		return insn->size = 0;
	insn->size = zi.length;
	insn->id = zi.mnemonic;
	end = addr + zi.length;
	if (!find_branch(&zi, end, &insn->ref) && rip_relative)
		find_rip_operand(&zi, end, &insn->ref);
	return insn->size;
}

static unsigned x86_64_decode(const struct arch_decoder *dec, const uint8_t *code,
			      size_t left, uint64_t addr, struct arch_insn *insn)
{
	return decode(dec, code, left, addr, insn, true);
}

static unsigned i386_decode(const struct arch_decoder *dec, const uint8_t *code,
			    size_t left, uint64_t addr, struct arch_insn *insn)
{
	return decode(dec, code, left, addr, insn, false);
}

static bool is_frame_register(ZydisRegister reg)
{
	return reg == ZYDIS_REGISTER_RIP || reg == ZYDIS_REGISTER_EIP ||
	       reg == ZYDIS_REGISTER_RSP || reg == ZYDIS_REGISTER_RBP ||
	       reg == ZYDIS_REGISTER_ESP || reg == ZYDIS_REGISTER_EBP;
}

/* Prefixes that change what an instruction does, not how it is encoded. */
#define SEMANTIC_PREFIXES (ZYDIS_ATTRIB_HAS_LOCK | ZYDIS_ATTRIB_HAS_REP | \
			   ZYDIS_ATTRIB_HAS_REPE | ZYDIS_ATTRIB_HAS_REPNE | \
			   ZYDIS_ATTRIB_HAS_XACQUIRE | ZYDIS_ATTRIB_HAS_XRELEASE)

static bool x86_disp_only(const struct arch_decoder *dec, const uint8_t *pa, size_t na,
			  const uint8_t *pb, size_t nb, int64_t *da, int64_t *db)
{
	ZydisDecodedInstruction a, b;
	ZydisDecodedOperand x[ZYDIS_MAX_OPERAND_COUNT], y[ZYDIS_MAX_OPERAND_COUNT];
	bool differs = false;

	if (!ZYAN_SUCCESS(ZydisDecoderDecodeFull(&dec->zydis_full, pa, na, &a, x)) ||
	    !ZYAN_SUCCESS(ZydisDecoderDecodeFull(&dec->zydis_full, pb, nb, &b, y)))
		return false;
	/* lea is arithmetic as often as an address; the stack holds locals.
	 * Only the operands written in the instruction count: the hidden ones
	 * follow from the mnemonic (call *0x10(%rbx) also pushes on the
	 * stack, which is no local). */
	if (a.mnemonic != b.mnemonic || a.mnemonic == ZYDIS_MNEMONIC_LEA ||
	    a.operand_count_visible != b.operand_count_visible ||
	    (a.attributes & SEMANTIC_PREFIXES) != (b.attributes & SEMANTIC_PREFIXES))
		return false;
	for (unsigned i = 0; i < a.operand_count_visible; i++) {
		const ZydisDecodedOperand *p = &x[i], *q = &y[i];

		if (p->type != q->type || p->size != q->size)
			return false;
		if (p->type == ZYDIS_OPERAND_TYPE_REGISTER && p->reg.value != q->reg.value)
			return false;
		if (p->type == ZYDIS_OPERAND_TYPE_IMMEDIATE && p->imm.value.u != q->imm.value.u)
			return false;
		if (p->type == ZYDIS_OPERAND_TYPE_POINTER &&
		    (p->ptr.segment != q->ptr.segment || p->ptr.offset != q->ptr.offset))
			return false;
		if (p->type != ZYDIS_OPERAND_TYPE_MEMORY)
			continue;
		if (p->mem.type != q->mem.type || p->mem.segment != q->mem.segment ||
		    p->mem.base != q->mem.base || p->mem.index != q->mem.index ||
		    p->mem.scale != q->mem.scale || is_frame_register(p->mem.base))
			return false;
		if (p->mem.disp.value != q->mem.disp.value) {
			*da = p->mem.disp.value;
			*db = q->mem.disp.value;
			differs = true;
		}
	}
	return differs;
}

const struct arch_ops arch_x86_64_ops = {
	.arch = ARCH_X86_64,
	.name = "x86-64",
	.cs_arch = CS_ARCH_X86,
	.cs_mode = CS_MODE_64,
	.min_insn_size = 1,
	.disp_fields = true,
	.decoder_open = open_64,
	.decoder_close = close_zydis,
	.decode = x86_64_decode,
	.disp_only = x86_disp_only,
};

const struct arch_ops arch_i386_ops = {
	.arch = ARCH_I386,
	.name = "i386",
	.cs_arch = CS_ARCH_X86,
	.cs_mode = CS_MODE_32,
	.min_insn_size = 1,
	.disp_fields = true,
	.decoder_open = open_32,
	.decoder_close = close_zydis,
	.decode = i386_decode,
	.disp_only = x86_disp_only,
};
