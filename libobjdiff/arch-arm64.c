// SPDX-License-Identifier: MIT
/*
 * arch-arm64.c - PC-relative references of AArch64 instructions: b, bl,
 * b.cond, cbz/cbnz, tbz/tbnz (branches), adr and the literal forms of
 * ldr/ldrsw/prfm (data), adrp (a page).
 *
 * Every instruction is one little-endian 32-bit word (also in big-endian
 * objects: AArch64 fetches instructions little-endian), so the field is the
 * whole instruction.  Capstone gives the target as the last immediate
 * operand, already computed from the instruction's address.
 *
 * adrp is the one approximation: its target is a 4 KB page, so the page it
 * names from section offsets is only the linked page when the section
 * starts on a page boundary.  Assemblers always leave a relocation on adrp,
 * so it is decoded only in hand-written or already-linked code.  The
 * add/ldr :lo12: that completes the address is not decoded.
 */
#include "arch.h"

/* The last operand, when it is an immediate. */
static bool last_imm(const cs_insn *insn, uint64_t *imm)
{
	const cs_arm64 *a = &insn->detail->arm64;
	const cs_arm64_op *op;

	if (a->op_count == 0 || a->op_count > 8)
		return false;
	op = &a->operands[a->op_count - 1];
	if (op->type != ARM64_OP_IMM)
		return false;
	*imm = (uint64_t)op->imm;
	return true;
}

static bool set_ref(struct arch_ref *ref, enum reloc_kind kind, bool is_call,
		    uint64_t target)
{
	ref->field = 0;
	ref->width = 4;
	ref->kind = kind;
	ref->is_call = is_call;
	ref->target = target;
	return true;
}

static bool find_ref(const cs_insn *insn, struct arch_ref *ref)
{
	uint64_t target;

	if (!insn->detail || insn->size != 4 || !last_imm(insn, &target))
		return false;
	switch (insn->id) {
	case ARM64_INS_B:
	case ARM64_INS_CBZ:
	case ARM64_INS_CBNZ:
	case ARM64_INS_TBZ:
	case ARM64_INS_TBNZ:
		return set_ref(ref, RK_BRANCH, false, target);
	case ARM64_INS_BL:
		return set_ref(ref, RK_BRANCH, true, target);
	case ARM64_INS_ADR:
		return set_ref(ref, RK_PCREL, false, target);
	case ARM64_INS_ADRP:
		return set_ref(ref, RK_PAGE, false, target);
	case ARM64_INS_LDR:	/* literal forms: "ldr x0, #addr" */
	case ARM64_INS_LDRSW:
	case ARM64_INS_PRFM:
		return insn->detail->arm64.op_count == 2 &&
		       set_ref(ref, RK_PCREL, false, target);
	default:
		return false;
	}
}

static unsigned arm64_decode(const struct arch_decoder *dec, const uint8_t *code,
			     size_t left, uint64_t addr, struct arch_insn *insn)
{
	cs_insn *ci = dec->insn[0];

	insn->ref.kind = RK_NONE;
	if (!cs_disasm_iter(dec->cs, &code, &left, &addr, ci))
		return insn->size = 0;
	insn->size = ci->size;
	insn->id = ci->id;
	find_ref(ci, &insn->ref);
	return insn->size;
}

static bool arm64_disp_only(const struct arch_decoder *dec, const uint8_t *pa, size_t na,
			    const uint8_t *pb, size_t nb, int64_t *da, int64_t *db)
{
	cs_insn *a = dec->insn[0], *b = dec->insn[1];
	uint64_t addr_a = 0, addr_b = 0;
	const cs_arm64 *x, *y;
	bool differs = false;

	if (!cs_disasm_iter(dec->cs, &pa, &na, &addr_a, a) ||
	    !cs_disasm_iter(dec->cs, &pb, &nb, &addr_b, b))
		return false;
	x = &a->detail->arm64;
	y = &b->detail->arm64;
	if (a->id != b->id || x->op_count != y->op_count || x->op_count > 8)
		return false;
	for (unsigned i = 0; i < x->op_count; i++) {
		const cs_arm64_op *p = &x->operands[i], *q = &y->operands[i];

		if (p->type != q->type)
			return false;
		if (p->type == ARM64_OP_REG && p->reg != q->reg)
			return false;
		if (p->type == ARM64_OP_IMM && p->imm != q->imm)
			return false;
		if (p->type != ARM64_OP_MEM)
			continue;
		if (p->mem.base != q->mem.base || p->mem.index != q->mem.index ||
		    p->mem.base == ARM64_REG_SP || p->mem.base == ARM64_REG_X29)
			return false;	/* the stack holds locals */
		if (p->mem.disp != q->mem.disp) {
			*da = p->mem.disp;
			*db = q->mem.disp;
			differs = true;
		}
	}
	return differs;
}

const struct arch_ops arch_aarch64_ops = {
	.arch = ARCH_AARCH64,
	.name = "aarch64",
	.cs_arch = CS_ARCH_ARM64,
	.cs_mode = CS_MODE_ARM,
	.min_insn_size = 4,
	.decoder_open = arch_capstone_open,
	.decoder_close = arch_capstone_close,
	.decode = arm64_decode,
	.disp_only = arm64_disp_only,
};
