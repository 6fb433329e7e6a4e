// SPDX-License-Identifier: MIT
/*
 * arch-x86.c - PC-relative references of x86-64 and i386 instructions:
 * call/jmp/jcc/loop rel8 and rel32, and (x86-64) RIP-relative memory
 * operands.
 *
 * Capstone's encoding detail says where the displacement and immediate
 * fields are, but its sizes are not always right (4.0.2 reports a 2-byte
 * displacement for "cmpw $1, x(%rip)"), so every field is read back from
 * the bytes and must agree with the decoded operand before it is used.
 */
#include "arch.h"
#include "bytes.h"

/* The little-endian signed field of width 1 or 4 at off in insn. */
static bool read_field(const cs_insn *insn, unsigned off, unsigned width,
		       int64_t *val)
{
	if (off == 0 || off + width > insn->size || off + width > sizeof(insn->bytes) ||
	    (width != 1 && width != 4))
		return false;
	*val = sign_extend(get_le(insn->bytes + off, width), 8 * width);
	return true;
}

static bool in_group(const cs_insn *insn, uint8_t group)
{
	const cs_detail *d = insn->detail;

	for (unsigned i = 0; i < d->groups_count && i < sizeof(d->groups); i++)
		if (d->groups[i] == group)
			return true;
	return false;
}

static uint64_t insn_end(const cs_insn *insn)
{
	return insn->address + insn->size;
}

/* call/jmp/jcc/loop/jrcxz with an 8- or 32-bit displacement, which is
 * always the instruction's last field.  rel16 (0x66 prefix) is left out:
 * CPUs disagree on what it does in 64-bit mode and compilers never emit it. */
static bool find_branch(const cs_insn *insn, struct arch_ref *ref)
{
	const cs_x86 *x = &insn->detail->x86;
	unsigned off = x->encoding.imm_offset, width = x->encoding.imm_size;
	int64_t rel;

	if (!in_group(insn, CS_GRP_BRANCH_RELATIVE) || x->op_count != 1 ||
	    x->operands[0].type != X86_OP_IMM)
		return false;
	if (off + width != insn->size || !read_field(insn, off, width, &rel))
		return false;
	ref->field = off;
	ref->width = width;
	ref->kind = RK_BRANCH;
	ref->is_call = in_group(insn, CS_GRP_CALL);
	ref->target = insn_end(insn) + (uint64_t)rel;
	return true;
}

/* A memory operand addressed from the RIP: disp32 after the ModR/M byte. */
static bool find_rip_operand(const cs_insn *insn, struct arch_ref *ref)
{
	const cs_x86 *x = &insn->detail->x86;
	int64_t disp;

	for (unsigned i = 0; i < x->op_count && i < 8; i++) {
		const cs_x86_op *op = &x->operands[i];

		if (op->type != X86_OP_MEM || op->mem.base != X86_REG_RIP ||
		    op->mem.index != X86_REG_INVALID)
			continue;
		if (!read_field(insn, x->encoding.disp_offset, 4, &disp) ||
		    disp != op->mem.disp)
			return false;
		ref->field = x->encoding.disp_offset;
		ref->width = 4;
		ref->kind = RK_PCREL;
		ref->is_call = false;
		ref->target = insn_end(insn) + (uint64_t)disp;
		return true;
	}
	return false;
}

static bool x86_64_find_ref(const cs_insn *insn, struct arch_ref *ref)
{
	if (!insn->detail)
		return false;
	return find_branch(insn, ref) || find_rip_operand(insn, ref);
}

static bool i386_find_ref(const cs_insn *insn, struct arch_ref *ref)
{
	if (!insn->detail)
		return false;
	return find_branch(insn, ref);
}

static bool x86_disp_only(const cs_insn *a, const cs_insn *b, int64_t *da, int64_t *db)
{
	const cs_x86 *x = &a->detail->x86, *y = &b->detail->x86;
	bool differs = false;

	/* lea is arithmetic as often as an address; the stack holds locals */
	if (a->id != b->id || a->id == X86_INS_LEA || x->op_count != y->op_count ||
	    x->op_count > 8)
		return false;
	for (unsigned i = 0; i < x->op_count; i++) {
		const cs_x86_op *p = &x->operands[i], *q = &y->operands[i];

		if (p->type != q->type || p->size != q->size)
			return false;
		if (p->type == X86_OP_REG && p->reg != q->reg)
			return false;
		if (p->type == X86_OP_IMM && p->imm != q->imm)
			return false;
		if (p->type != X86_OP_MEM)
			continue;
		if (p->mem.segment != q->mem.segment || p->mem.base != q->mem.base ||
		    p->mem.index != q->mem.index || p->mem.scale != q->mem.scale ||
		    p->mem.base == X86_REG_RIP || p->mem.base == X86_REG_RSP ||
		    p->mem.base == X86_REG_RBP || p->mem.base == X86_REG_ESP ||
		    p->mem.base == X86_REG_EBP)
			return false;
		if (p->mem.disp != q->mem.disp) {
			*da = p->mem.disp;
			*db = q->mem.disp;
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
	.find_ref = x86_64_find_ref,
	.disp_only = x86_disp_only,
};

const struct arch_ops arch_i386_ops = {
	.arch = ARCH_I386,
	.name = "i386",
	.cs_arch = CS_ARCH_X86,
	.cs_mode = CS_MODE_32,
	.min_insn_size = 1,
	.disp_fields = true,
	.find_ref = i386_find_ref,
	.disp_only = x86_disp_only,
};
