// SPDX-License-Identifier: MIT
/*
 * patch-aarch64.c - AArch64 relocation semantics for building and loading
 * patches ("ELF for the Arm 64-bit Architecture", AAELF64).
 *
 * apply() computes X from S, A and P as the psABI does: S + A for absolute
 * types, S + A - P for pc-relative ones, Page(S + A) - Page(P) for adrp.
 * For the GOT and initial-exec types (ADR_GOT_PAGE, LD64_GOT_LO12_NC,
 * TLSIE_*) S is the address of the GOT entry, for the local-exec types
 * (TLSLE_*) the symbol's offset from the thread pointer.  Ranges and
 * alignments are checked as the psABI's table says (and lld does); the
 * immediate bits of the instruction are cleared before the value goes in,
 * since a field may hold a value the assembler resolved.
 */
#include <elf.h>
#include <inttypes.h>
#include <string.h>

#include "bytes.h"
#include "patch-arch.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#ifndef R_AARCH64_PLT32
#define R_AARCH64_PLT32 314	/* S + A - P to a PLT entry, 32-bit data */
#endif

/* How X is computed. */
enum a64_value {
	V_ABS,		/* S + A */
	V_PREL,		/* S + A - P */
	V_PAGE,		/* Page(S + A) - Page(P) */
};

/* Where X goes. */
enum a64_enc {
	E_NONE,		/* apply() refuses the type */
	E_NOP,		/* R_AARCH64_NONE */
	E_DATA,		/* little-endian word of the field's width */
	E_B26,		/* b, bl: imm26, X >> 2 */
	E_B19,		/* b.cond, cbz, ldr literal: imm19 at 5, X >> 2 */
	E_B14,		/* tbz: imm14 at 5, X >> 2 */
	E_ADR,		/* adr: immlo:immhi, X */
	E_ADRP,		/* adrp: immlo:immhi, X >> 12 */
	E_LO12,		/* add/ldr/str imm12 at 10: (X & 0xfff) >> scale */
	E_HI12,		/* add imm12 at 10: X >> 12 */
	E_MOVW,		/* movz/movk imm16 at 5: X >> shift */
	E_MOVW_S,	/* the same, switching movz/movn on the sign */
};

/* The range X must lie in. */
enum a64_check {
	C_NONE,
	C_SIGNED,	/* -2^(bits-1) <= X < 2^(bits-1) */
	C_UNSIGNED,	/* 0 <= X < 2^bits */
	C_EITHER,	/* -2^(bits-1) <= X < 2^bits */
};

struct a64_type {
	const char *name;
	uint8_t ref;		/* enum patch_ref */
	uint8_t value;		/* enum a64_value */
	uint8_t enc;		/* enum a64_enc */
	uint8_t shift;		/* E_LO12: scale; E_MOVW*: 0, 16, 32, 48 */
	uint8_t check;		/* enum a64_check */
	uint8_t bits;		/* of the check */
	uint8_t align;		/* X must be a multiple (0: none) */
	uint8_t width;		/* E_DATA: bytes */
	bool pi;		/* position independent */
	uint32_t slot;		/* slot_type() */
};

#define T(n) [R_AARCH64_##n] = { .name = "R_AARCH64_" #n
#define DIRECT .ref = PREF_DIRECT
#define U(n) T(n), .ref = PREF_UNSUPPORTED }

static const struct a64_type a64_types[] = {
	T(NONE), DIRECT, .enc = E_NOP },
	T(ABS64), DIRECT, .enc = E_DATA, .width = 8 },
	T(ABS32), DIRECT, .enc = E_DATA, .width = 4, .check = C_EITHER, .bits = 32 },
	T(ABS16), DIRECT, .enc = E_DATA, .width = 2, .check = C_EITHER, .bits = 16 },
	T(PREL64), DIRECT, .value = V_PREL, .enc = E_DATA, .width = 8, .pi = true },
	T(PREL32), DIRECT, .value = V_PREL, .enc = E_DATA, .width = 4, .check = C_EITHER,
		.bits = 32, .pi = true },
	T(PREL16), DIRECT, .value = V_PREL, .enc = E_DATA, .width = 2, .check = C_EITHER,
		.bits = 16, .pi = true },
	T(MOVW_UABS_G0), DIRECT, .enc = E_MOVW, .check = C_UNSIGNED, .bits = 16 },
	T(MOVW_UABS_G0_NC), DIRECT, .enc = E_MOVW },
	T(MOVW_UABS_G1), DIRECT, .enc = E_MOVW, .shift = 16, .check = C_UNSIGNED, .bits = 32 },
	T(MOVW_UABS_G1_NC), DIRECT, .enc = E_MOVW, .shift = 16 },
	T(MOVW_UABS_G2), DIRECT, .enc = E_MOVW, .shift = 32, .check = C_UNSIGNED, .bits = 48 },
	T(MOVW_UABS_G2_NC), DIRECT, .enc = E_MOVW, .shift = 32 },
	T(MOVW_UABS_G3), DIRECT, .enc = E_MOVW, .shift = 48 },
	T(MOVW_SABS_G0), DIRECT, .enc = E_MOVW_S, .check = C_SIGNED, .bits = 17 },
	T(MOVW_SABS_G1), DIRECT, .enc = E_MOVW_S, .shift = 16, .check = C_SIGNED, .bits = 33 },
	T(MOVW_SABS_G2), DIRECT, .enc = E_MOVW_S, .shift = 32, .check = C_SIGNED, .bits = 49 },
	T(LD_PREL_LO19), DIRECT, .value = V_PREL, .enc = E_B19, .check = C_SIGNED, .bits = 21,
		.align = 4, .pi = true },
	T(ADR_PREL_LO21), DIRECT, .value = V_PREL, .enc = E_ADR, .check = C_SIGNED, .bits = 21,
		.pi = true },
	T(ADR_PREL_PG_HI21), DIRECT, .value = V_PAGE, .enc = E_ADRP, .check = C_SIGNED,
		.bits = 33, .pi = true },
	T(ADR_PREL_PG_HI21_NC), DIRECT, .value = V_PAGE, .enc = E_ADRP, .pi = true },
	T(ADD_ABS_LO12_NC), DIRECT, .enc = E_LO12, .pi = true },
	T(LDST8_ABS_LO12_NC), DIRECT, .enc = E_LO12, .pi = true },
	T(LDST16_ABS_LO12_NC), DIRECT, .enc = E_LO12, .shift = 1, .align = 2, .pi = true },
	T(LDST32_ABS_LO12_NC), DIRECT, .enc = E_LO12, .shift = 2, .align = 4, .pi = true },
	T(LDST64_ABS_LO12_NC), DIRECT, .enc = E_LO12, .shift = 3, .align = 8, .pi = true },
	T(LDST128_ABS_LO12_NC), DIRECT, .enc = E_LO12, .shift = 4, .align = 16, .pi = true },
	T(TSTBR14), DIRECT, .value = V_PREL, .enc = E_B14, .check = C_SIGNED, .bits = 16,
		.align = 4, .pi = true },
	T(CONDBR19), DIRECT, .value = V_PREL, .enc = E_B19, .check = C_SIGNED, .bits = 21,
		.align = 4, .pi = true },
	T(JUMP26), .ref = PREF_BRANCH, .value = V_PREL, .enc = E_B26, .check = C_SIGNED,
		.bits = 28, .align = 4, .pi = true },
	T(CALL26), .ref = PREF_BRANCH, .value = V_PREL, .enc = E_B26, .check = C_SIGNED,
		.bits = 28, .align = 4, .pi = true },
	T(MOVW_PREL_G0), DIRECT, .value = V_PREL, .enc = E_MOVW_S, .check = C_SIGNED,
		.bits = 17, .pi = true },
	T(MOVW_PREL_G0_NC), DIRECT, .value = V_PREL, .enc = E_MOVW_S, .pi = true },
	T(MOVW_PREL_G1), DIRECT, .value = V_PREL, .enc = E_MOVW_S, .shift = 16,
		.check = C_SIGNED, .bits = 33, .pi = true },
	T(MOVW_PREL_G1_NC), DIRECT, .value = V_PREL, .enc = E_MOVW_S, .shift = 16, .pi = true },
	T(MOVW_PREL_G2), DIRECT, .value = V_PREL, .enc = E_MOVW_S, .shift = 32,
		.check = C_SIGNED, .bits = 49, .pi = true },
	T(MOVW_PREL_G2_NC), DIRECT, .value = V_PREL, .enc = E_MOVW_S, .shift = 32, .pi = true },
	T(MOVW_PREL_G3), DIRECT, .value = V_PREL, .enc = E_MOVW_S, .shift = 48, .pi = true },
	T(ADR_GOT_PAGE), .ref = PREF_GOT, .value = V_PAGE, .enc = E_ADRP, .check = C_SIGNED,
		.bits = 33, .pi = true, .slot = R_AARCH64_ADR_PREL_PG_HI21 },
	T(LD64_GOT_LO12_NC), .ref = PREF_GOT, .enc = E_LO12, .shift = 3, .align = 8,
		.pi = true, .slot = R_AARCH64_LDST64_ABS_LO12_NC },
	T(TLSIE_ADR_GOTTPREL_PAGE21), .ref = PREF_TLS_IE, .value = V_PAGE, .enc = E_ADRP,
		.check = C_SIGNED, .bits = 33, .pi = true, .slot = R_AARCH64_ADR_PREL_PG_HI21 },
	T(TLSIE_LD64_GOTTPREL_LO12_NC), .ref = PREF_TLS_IE, .enc = E_LO12, .shift = 3,
		.align = 8, .pi = true, .slot = R_AARCH64_LDST64_ABS_LO12_NC },
	T(TLSLE_MOVW_TPREL_G2), DIRECT, .enc = E_MOVW_S, .shift = 32, .check = C_SIGNED,
		.bits = 49 },
	T(TLSLE_MOVW_TPREL_G1), DIRECT, .enc = E_MOVW_S, .shift = 16, .check = C_SIGNED,
		.bits = 33 },
	T(TLSLE_MOVW_TPREL_G1_NC), DIRECT, .enc = E_MOVW, .shift = 16 },
	T(TLSLE_MOVW_TPREL_G0), DIRECT, .enc = E_MOVW_S, .check = C_SIGNED, .bits = 17 },
	T(TLSLE_MOVW_TPREL_G0_NC), DIRECT, .enc = E_MOVW },
	T(TLSLE_ADD_TPREL_HI12), DIRECT, .enc = E_HI12, .check = C_UNSIGNED, .bits = 24 },
	T(TLSLE_ADD_TPREL_LO12), DIRECT, .enc = E_LO12, .check = C_UNSIGNED, .bits = 12 },
	T(TLSLE_ADD_TPREL_LO12_NC), DIRECT, .enc = E_LO12 },
	T(TLSLE_LDST8_TPREL_LO12), DIRECT, .enc = E_LO12, .check = C_UNSIGNED, .bits = 12 },
	T(TLSLE_LDST8_TPREL_LO12_NC), DIRECT, .enc = E_LO12 },
	T(TLSLE_LDST16_TPREL_LO12), DIRECT, .enc = E_LO12, .shift = 1, .align = 2,
		.check = C_UNSIGNED, .bits = 12 },
	T(TLSLE_LDST16_TPREL_LO12_NC), DIRECT, .enc = E_LO12, .shift = 1, .align = 2 },
	T(TLSLE_LDST32_TPREL_LO12), DIRECT, .enc = E_LO12, .shift = 2, .align = 4,
		.check = C_UNSIGNED, .bits = 12 },
	T(TLSLE_LDST32_TPREL_LO12_NC), DIRECT, .enc = E_LO12, .shift = 2, .align = 4 },
	T(TLSLE_LDST64_TPREL_LO12), DIRECT, .enc = E_LO12, .shift = 3, .align = 8,
		.check = C_UNSIGNED, .bits = 12 },
	T(TLSLE_LDST64_TPREL_LO12_NC), DIRECT, .enc = E_LO12, .shift = 3, .align = 8 },
	T(TLSLE_LDST128_TPREL_LO12), DIRECT, .enc = E_LO12, .shift = 4, .align = 16,
		.check = C_UNSIGNED, .bits = 12 },
	T(TLSLE_LDST128_TPREL_LO12_NC), DIRECT, .enc = E_LO12, .shift = 4, .align = 16 },
	[R_AARCH64_TLS_TPREL] = { .name = "R_AARCH64_TLS_TPREL64", DIRECT, .enc = E_DATA,
				  .width = 8 },
	/* S is the offset in the module's TLS block (DWARF locations) */
	[R_AARCH64_TLS_DTPREL] = { .name = "R_AARCH64_TLS_DTPREL64", DIRECT, .enc = E_DATA,
				   .width = 8 },
	/* Known, refused: general/local-dynamic and descriptor TLS, -fpic and
	 * tiny-model GOT accesses, PLT-relative data. */
	U(TLSGD_ADR_PAGE21), U(TLSGD_ADD_LO12_NC), U(TLSLD_ADR_PAGE21), U(TLSLD_ADD_LO12_NC),
	U(TLSLD_ADD_DTPREL_HI12), U(TLSLD_ADD_DTPREL_LO12), U(TLSLD_ADD_DTPREL_LO12_NC),
	U(TLSDESC_ADR_PAGE21), U(TLSDESC_LD64_LO12), U(TLSDESC_ADD_LO12), U(TLSDESC_CALL),
	U(LD64_GOTPAGE_LO15), U(GOT_LD_PREL19), U(PLT32),
	[R_AARCH64_TLS_DTPMOD] = { .name = "R_AARCH64_TLS_DTPMOD64", .ref = PREF_UNSUPPORTED },
};

#undef T
#undef U
#undef DIRECT

/* The description of a type, or NULL when this file does not know it. */
static const struct a64_type *find_type(uint32_t type)
{
	if (type >= ARRAY_SIZE(a64_types) || !a64_types[type].name)
		return NULL;
	return &a64_types[type];
}

static enum patch_ref a64_classify(uint32_t type)
{
	const struct a64_type *t = find_type(type);

	return t ? (enum patch_ref)t->ref : PREF_UNSUPPORTED;
}

static uint32_t a64_slot_type(uint32_t type)
{
	const struct a64_type *t = find_type(type);

	return t ? t->slot : 0;
}

static bool a64_is_position_independent(uint32_t type)
{
	const struct a64_type *t = find_type(type);

	return t && t->pi;
}

/* v as a signed number, without implementation-defined conversions. */
static int64_t as_signed(uint64_t v)
{
	return v <= INT64_MAX ? (int64_t)v : -(int64_t)(~v) - 1;
}

static bool in_range(const struct a64_type *t, uint64_t x)
{
	int64_t sx = as_signed(x);
	int64_t half;

	if (t->check == C_NONE)
		return true;
	half = (int64_t)1 << (t->bits - 1);
	switch (t->check) {
	case C_SIGNED:
		return sx >= -half && sx < half;
	case C_UNSIGNED:
		return x < ((uint64_t)1 << t->bits);
	default:
		return sx >= -half && (sx < 0 || x < ((uint64_t)1 << t->bits));
	}
}

static uint64_t page(uint64_t a)
{
	return a & ~(uint64_t)0xfff;
}

/* insn with the bits of mask replaced by v (already shifted). */
static uint32_t insert(uint32_t insn, uint32_t mask, uint32_t v)
{
	return (insn & ~mask) | (v & mask);
}

/* movz/movn/movk with imm16; for movz/movn the sign (bit 16 of imm, as
 * lld reads it) picks movn and inverts the operand. */
static uint32_t encode_movw_signed(uint32_t insn, uint64_t imm)
{
	if (!(insn & (1u << 29))) {
		if (imm & 0x10000) {
			imm ^= 0xffff;
			insn &= ~(1u << 30);
		} else {
			insn |= 1u << 30;
		}
	}
	return insert(insn, 0x001fffe0u, (uint32_t)(imm & 0xffff) << 5);
}

static uint32_t encode(const struct a64_type *t, uint32_t insn, uint64_t x)
{
	switch (t->enc) {
	case E_B26:
		return insert(insn, 0x03ffffffu, (uint32_t)(x >> 2));
	case E_B19:
		return insert(insn, 0x00ffffe0u, (uint32_t)((x >> 2) & 0x7ffff) << 5);
	case E_B14:
		return insert(insn, 0x0007ffe0u, (uint32_t)((x >> 2) & 0x3fff) << 5);
	case E_ADRP:
		x >>= 12;
		/* fall through */
	case E_ADR:
		return insert(insn, 0x60ffffe0u,
			      (uint32_t)(x & 3) << 29 | (uint32_t)((x >> 2) & 0x7ffff) << 5);
	case E_LO12:
		return insert(insn, 0x003ffc00u, (uint32_t)((x & 0xfff) >> t->shift) << 10);
	case E_HI12:
		return insert(insn, 0x003ffc00u, (uint32_t)((x >> 12) & 0xfff) << 10);
	case E_MOVW:
		return insert(insn, 0x001fffe0u, (uint32_t)((x >> t->shift) & 0xffff) << 5);
	default:
		return encode_movw_signed(insn, x >> t->shift);
	}
}

static int a64_apply(uint32_t type, uint8_t *loc, uint64_t S, int64_t A, uint64_t P,
		     struct ipbp_err *err)
{
	const struct a64_type *t = find_type(type);
	uint64_t x = S + (uint64_t)A;

	if (!t)
		return ipbp_error(err, "relocation type %" PRIu32 " is not supported", type);
	if (t->enc == E_NONE)
		return ipbp_error(err, "%s is not supported", t->name);
	if (t->enc == E_NOP)
		return 0;
	if (t->value == V_PREL)
		x -= P;
	else if (t->value == V_PAGE)
		x = page(x) - page(P);
	if (!in_range(t, x)) {
		if (t->value == V_ABS)
			return ipbp_error(err, "%s out of range (0x%" PRIx64 ")", t->name, x);
		return ipbp_error(err, "%s out of range (0x%" PRIx64 " from 0x%" PRIx64 ")",
				  t->name, S + (uint64_t)A, P);
	}
	if (t->align && (x & (t->align - 1)))
		return ipbp_error(err, "%s misaligned (0x%" PRIx64 " is not a multiple of %u)",
				  t->name, x, t->align);
	if (t->enc == E_DATA)
		put_le(loc, x, t->width);
	else
		put_le(loc, encode(t, get_le32(loc), x), 4);
	return 0;
}

/* The type that carries a reference in this instruction word, or 0. */
static uint32_t type_of_insn(uint32_t insn)
{
	if ((insn & 0xfc000000u) == 0x94000000u)
		return R_AARCH64_CALL26;
	if ((insn & 0xfc000000u) == 0x14000000u)
		return R_AARCH64_JUMP26;
	if ((insn & 0xff000010u) == 0x54000000u || (insn & 0x7e000000u) == 0x34000000u)
		return R_AARCH64_CONDBR19;	/* b.cond, cbz, cbnz */
	if ((insn & 0x7e000000u) == 0x36000000u)
		return R_AARCH64_TSTBR14;	/* tbz, tbnz */
	if ((insn & 0x9f000000u) == 0x10000000u)
		return R_AARCH64_ADR_PREL_LO21;
	if ((insn & 0x9f000000u) == 0x90000000u)
		return R_AARCH64_ADR_PREL_PG_HI21;
	if ((insn & 0x3b000000u) == 0x18000000u)
		return R_AARCH64_LD_PREL_LO19;	/* ldr, ldrsw, prfm literal */
	return 0;
}

static int a64_decoded_type(const struct reloc *r, const uint8_t *field, int64_t target_off,
			    uint32_t *type, int64_t *addend, struct ipbp_err *err)
{
	uint32_t insn;

	if (r->width != 4)
		return ipbp_error(err, "decoded reference at 0x%" PRIx64 " has a %u-byte field",
				  r->offset, r->width);
	insn = get_le32(field);
	*type = type_of_insn(insn);
	if (!*type)
		return ipbp_error(err, "decoded reference at 0x%" PRIx64
				  ": instruction 0x%08" PRIx32 " has no pc-relative field",
				  r->offset, insn);
	*addend = target_off;
	return 0;
}

/* adrp x16, slot; ldr x16, [x16, :lo12:slot]; br x16; brk #0. */
static void a64_write_stub(uint8_t *stub, uint64_t stub_addr, uint64_t slot_addr)
{
	put_le(stub, 0x90000010u, 4);
	put_le(stub + 4, 0xf9400210u, 4);
	put_le(stub + 8, 0xd61f0200u, 4);
	put_le(stub + 12, 0xd4200000u, 4);
	/* The loader keeps slot and stub within 4 GiB and the slot aligned. */
	a64_apply(R_AARCH64_ADR_PREL_PG_HI21, stub, slot_addr, 0, stub_addr, NULL);
	a64_apply(R_AARCH64_LDST64_ABS_LO12_NC, stub + 4, slot_addr, 0, stub_addr + 4, NULL);
}

/* Every relocation owns its instruction (or data word); relaxations
 * rewrite only instructions that carry relocations. */
static void a64_mask(uint32_t type, unsigned width, int64_t *start, int64_t *end)
{
	*start = 0;
	*end = width;
}

static enum patch_tls_use a64_tls_use(uint32_t type)
{
	switch (type) {
	case R_AARCH64_TLS_TPREL:
	case R_AARCH64_TLSLE_ADD_TPREL_HI12:
	case R_AARCH64_TLSLE_ADD_TPREL_LO12:
	case R_AARCH64_TLSLE_ADD_TPREL_LO12_NC:
	case R_AARCH64_TLSLE_MOVW_TPREL_G0:
	case R_AARCH64_TLSLE_MOVW_TPREL_G0_NC:
	case R_AARCH64_TLSLE_MOVW_TPREL_G1:
	case R_AARCH64_TLSLE_MOVW_TPREL_G1_NC:
	case R_AARCH64_TLSLE_MOVW_TPREL_G2:
		return PTLS_TPOFF;
	default:
		return PTLS_NONE;
	}
}

/* b imm26: +-128 MiB */
static int a64_write_branch(uint8_t *buf, uint64_t from, uint64_t to, struct ipbp_err *err)
{
	put_le(buf, 0x14000000u, 4);
	return a64_apply(R_AARCH64_JUMP26, buf, to, 0, from, err);
}

/* nop and udf/brk traps, whole words */
static bool a64_is_padding(const uint8_t *b, size_t len, size_t need)
{
	for (size_t i = 0; i < need; i += 4) {
		uint32_t insn;

		if (i + 4 > len)
			return false;
		insn = get_le32(b + i);
		if (insn != 0xd503201fu && insn != 0 && (insn & 0xffe0001fu) != 0xd4200000u)
			return false;
	}
	return true;
}

const struct patch_arch patch_arch_aarch64 = {
	.arch = ARCH_AARCH64,
	.machine = EM_AARCH64,
	.page_size = 65536,	/* the largest page an AArch64 kernel may use */
	.code_fill = 0,
	.stub_size = 16,
	.abs64_type = R_AARCH64_ABS64,
	.tpoff64_type = R_AARCH64_TLS_TPREL,
	.dtpmod64_type = 0,
	.dtpoff64_type = 0,
	.classify = a64_classify,
	.slot_type = a64_slot_type,
	.is_position_independent = a64_is_position_independent,
	.decoded_type = a64_decoded_type,
	.apply = a64_apply,
	.write_stub = a64_write_stub,
	.mask = a64_mask,
	.tls_use = a64_tls_use,
	.branch_size = 4,
	.write_branch = a64_write_branch,
	.is_padding = a64_is_padding,
};
