// SPDX-License-Identifier: MIT
/*
 * patch-x86_64.c - x86-64 relocation semantics for building and loading
 * patches (System V psABI, "x86-64 Architecture Processor Supplement").
 *
 * apply() computes the psABI value with S, A and P as given: for the GOT
 * and TLS types whose field points at a GOT entry (GOTPCREL*, GOTTPOFF,
 * TLSGD, TLSLD) S is the address of that entry (the psABI's G + GOT), for
 * TPOFF32/TPOFF64 it is the symbol's offset from the thread pointer, for
 * DTPOFF32/DTPOFF64 its offset in its module's TLS block and for DTPMOD64
 * the module id.  Range checks follow the psABI and lld: pc-relative and
 * sign-extended 32-bit fields are signed, R_X86_64_32 zero-extends, the
 * 8- and 16-bit absolute fields accept either reading.
 */
#include <elf.h>
#include <inttypes.h>
#include <string.h>

#include "bytes.h"
#include "patch-arch.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

enum x86_check {
	CK_NONE,
	CK_SIGNED,	/* the value sign-extends from the field */
	CK_UNSIGNED,	/* the value zero-extends from the field */
	CK_EITHER,	/* either of the two */
};

#define TF_PCREL	0x01u	/* the value is S + A - P */
#define TF_PI		0x02u	/* position independent (patch-arch.h) */
#define TF_APPLY	0x04u	/* apply() writes it */

struct x86_type {
	const char *name;
	uint8_t ref;		/* enum patch_ref */
	uint8_t width;		/* bytes of the field */
	uint8_t check;		/* enum x86_check */
	uint8_t flags;		/* TF_* */
	uint32_t slot;		/* slot_type(), 0 for none */
	int8_t before, after;	/* mask(): relaxable bytes around the field */
};

#define PC	(TF_PCREL | TF_PI | TF_APPLY)
#define AP	TF_APPLY

static const struct x86_type x86_types[] = {
	[R_X86_64_NONE] = { "R_X86_64_NONE", PREF_DIRECT, 0, CK_NONE, AP, 0, 0, 0 },
	[R_X86_64_64] = { "R_X86_64_64", PREF_DIRECT, 8, CK_NONE, AP, 0, 0, 0 },
	[R_X86_64_PC32] = { "R_X86_64_PC32", PREF_DIRECT, 4, CK_SIGNED, PC, 0, 0, 0 },
	[R_X86_64_PLT32] = { "R_X86_64_PLT32", PREF_BRANCH, 4, CK_SIGNED, PC, 0, 0, 0 },
	[R_X86_64_GOTPCREL] = { "R_X86_64_GOTPCREL", PREF_GOT, 4, CK_SIGNED, PC,
				R_X86_64_PC32, 0, 0 },
	[R_X86_64_32] = { "R_X86_64_32", PREF_DIRECT, 4, CK_UNSIGNED, AP, 0, 0, 0 },
	[R_X86_64_32S] = { "R_X86_64_32S", PREF_DIRECT, 4, CK_SIGNED, AP, 0, 0, 0 },
	[R_X86_64_16] = { "R_X86_64_16", PREF_DIRECT, 2, CK_EITHER, AP, 0, 0, 0 },
	[R_X86_64_PC16] = { "R_X86_64_PC16", PREF_DIRECT, 2, CK_SIGNED, PC, 0, 0, 0 },
	[R_X86_64_8] = { "R_X86_64_8", PREF_DIRECT, 1, CK_EITHER, AP, 0, 0, 0 },
	[R_X86_64_PC8] = { "R_X86_64_PC8", PREF_DIRECT, 1, CK_SIGNED, PC, 0, 0, 0 },
	[R_X86_64_DTPMOD64] = { "R_X86_64_DTPMOD64", PREF_UNSUPPORTED, 8, CK_NONE, AP, 0, 0, 0 },
	[R_X86_64_DTPOFF64] = { "R_X86_64_DTPOFF64", PREF_DIRECT, 8, CK_NONE, AP, 0, 0, 0 },
	[R_X86_64_TPOFF64] = { "R_X86_64_TPOFF64", PREF_DIRECT, 8, CK_NONE, AP, 0, 0, 0 },
	/* data16 lea x@tlsgd(%rip),%rdi; data16 data16 rex64 call
	 * __tls_get_addr: 16 bytes, the field at 4 (GD -> IE/LE rewrites all) */
	[R_X86_64_TLSGD] = { "R_X86_64_TLSGD", PREF_TLS_GD, 4, CK_SIGNED, PC,
			     R_X86_64_PC32, 4, 12 },
	/* lea x@tlsld(%rip),%rdi; call __tls_get_addr (e8 rel32, or ff 15
	 * rel32 with -fno-plt: one byte more) */
	[R_X86_64_TLSLD] = { "R_X86_64_TLSLD", PREF_TLS_GD, 4, CK_SIGNED, PC,
			     R_X86_64_PC32, 3, 10 },
	[R_X86_64_DTPOFF32] = { "R_X86_64_DTPOFF32", PREF_DIRECT, 4, CK_SIGNED, AP, 0, 0, 0 },
	/* mov x@gottpoff(%rip),%reg: IE -> LE rewrites REX, opcode, ModRM */
	[R_X86_64_GOTTPOFF] = { "R_X86_64_GOTTPOFF", PREF_TLS_IE, 4, CK_SIGNED, PC,
				R_X86_64_PC32, 3, 4 },
	[R_X86_64_TPOFF32] = { "R_X86_64_TPOFF32", PREF_DIRECT, 4, CK_SIGNED, AP, 0, 0, 0 },
	[R_X86_64_PC64] = { "R_X86_64_PC64", PREF_DIRECT, 8, CK_NONE, PC, 0, 0, 0 },
	[R_X86_64_GOT32] = { "R_X86_64_GOT32", PREF_UNSUPPORTED, 4, CK_NONE, 0, 0, 0, 0 },
	[R_X86_64_GOT64] = { "R_X86_64_GOT64", PREF_UNSUPPORTED, 8, CK_NONE, 0, 0, 0, 0 },
	[R_X86_64_GOTPCREL64] = { "R_X86_64_GOTPCREL64", PREF_UNSUPPORTED, 8, CK_NONE, 0, 0, 0, 0 },
	[R_X86_64_GOTPLT64] = { "R_X86_64_GOTPLT64", PREF_UNSUPPORTED, 8, CK_NONE, 0, 0, 0, 0 },
	[R_X86_64_PLTOFF64] = { "R_X86_64_PLTOFF64", PREF_UNSUPPORTED, 8, CK_NONE, 0, 0, 0, 0 },
	[R_X86_64_TLSDESC] = { "R_X86_64_TLSDESC", PREF_UNSUPPORTED, 16, CK_NONE, 0, 0, 0, 0 },
	[R_X86_64_GOTOFF64] = { "R_X86_64_GOTOFF64", PREF_UNSUPPORTED, 8, CK_NONE, 0, 0, 0, 0 },
	[R_X86_64_GOTPC32] = { "R_X86_64_GOTPC32", PREF_UNSUPPORTED, 4, CK_NONE, 0, 0, 0, 0 },
	[R_X86_64_GOTPC64] = { "R_X86_64_GOTPC64", PREF_UNSUPPORTED, 8, CK_NONE, 0, 0, 0, 0 },
	[R_X86_64_SIZE32] = { "R_X86_64_SIZE32", PREF_UNSUPPORTED, 4, CK_NONE, 0, 0, 0, 0 },
	[R_X86_64_SIZE64] = { "R_X86_64_SIZE64", PREF_UNSUPPORTED, 8, CK_NONE, 0, 0, 0, 0 },
	[R_X86_64_GOTPC32_TLSDESC] = { "R_X86_64_GOTPC32_TLSDESC", PREF_UNSUPPORTED, 4,
				       CK_NONE, 0, 0, 0, 0 },
	[R_X86_64_TLSDESC_CALL] = { "R_X86_64_TLSDESC_CALL", PREF_UNSUPPORTED, 0,
				    CK_NONE, 0, 0, 0, 0 },
	/* call/jmp *x@GOTPCREL(%rip) -> addr32 call x / jmp x; nop, and
	 * mov -> lea: the opcode and ModRM before the field */
	[R_X86_64_GOTPCRELX] = { "R_X86_64_GOTPCRELX", PREF_GOT, 4, CK_SIGNED, PC,
				 R_X86_64_PC32, 2, 4 },
	/* the same with a REX prefix (mov -> mov $imm changes it) */
	[R_X86_64_REX_GOTPCRELX] = { "R_X86_64_REX_GOTPCRELX", PREF_GOT, 4, CK_SIGNED, PC,
				     R_X86_64_PC32, 3, 4 },
};

#undef PC
#undef AP

/* The description of a type, or NULL when this file does not know it. */
static const struct x86_type *find_type(uint32_t type)
{
	if (type >= ARRAY_SIZE(x86_types) || !x86_types[type].name)
		return NULL;
	return &x86_types[type];
}

static enum patch_ref x86_classify(uint32_t type)
{
	const struct x86_type *t = find_type(type);

	return t ? (enum patch_ref)t->ref : PREF_UNSUPPORTED;
}

static uint32_t x86_slot_type(uint32_t type)
{
	const struct x86_type *t = find_type(type);

	return t ? t->slot : 0;
}

static bool x86_is_position_independent(uint32_t type)
{
	const struct x86_type *t = find_type(type);

	return t && (t->flags & TF_PI);
}

/* v as a signed number, without implementation-defined conversions. */
static int64_t as_signed(uint64_t v)
{
	return v <= INT64_MAX ? (int64_t)v : -(int64_t)(~v) - 1;
}

static bool fits(uint64_t v, unsigned width, enum x86_check check)
{
	unsigned bits = width * 8;
	int64_t sv = as_signed(v);
	bool is_signed, is_unsigned;

	if (check == CK_NONE || bits >= 64)
		return true;
	is_signed = sv >= -((int64_t)1 << (bits - 1)) && sv < ((int64_t)1 << (bits - 1));
	is_unsigned = v < ((uint64_t)1 << bits);
	switch (check) {
	case CK_SIGNED:
		return is_signed;
	case CK_UNSIGNED:
		return is_unsigned;
	default:
		return is_signed || is_unsigned;
	}
}

static int x86_apply(uint32_t type, uint8_t *loc, uint64_t S, int64_t A, uint64_t P,
		     struct ipbp_err *err)
{
	const struct x86_type *t = find_type(type);
	uint64_t v = S + (uint64_t)A;

	if (!t)
		return ipbp_error(err, "relocation type %" PRIu32 " is not supported", type);
	if (!(t->flags & TF_APPLY))
		return ipbp_error(err, "%s is not supported", t->name);
	if (t->flags & TF_PCREL) {
		if (!fits(v - P, t->width, t->check))
			return ipbp_error(err, "%s out of range (0x%" PRIx64 " from 0x%" PRIx64 ")",
					  t->name, v, P);
		v -= P;
	} else if (!fits(v, t->width, t->check)) {
		return ipbp_error(err, "%s out of range (0x%" PRIx64 ")", t->name, v);
	}
	put_le(loc, v, t->width);
	return 0;
}

/*
 * A reference the assembler resolved: the field holds the displacement d
 * it wrote, which counts from the end of the instruction, "tail" bytes
 * after the field.  The model knows the referenced place (section symbol +
 * addend), so tail = target - field - d.  rel32 fields end branches (tail
 * 4) or precede an immediate of up to 4 bytes (tail 5..8); rel8 fields
 * end short branches.
 */
static int x86_decoded_type(const struct reloc *r, const uint8_t *field, int64_t target_off,
			    uint32_t *type, int64_t *addend, struct ipbp_err *err)
{
	uint64_t target = (r->sym ? r->sym->offset : 0) + (uint64_t)r->addend + (uint64_t)r->bias;
	int64_t d, tail;

	if (r->width == 4)
		d = sign_extend(get_le(field, 4), 32);
	else if (r->width == 1)
		d = sign_extend(field[0], 8);
	else
		return ipbp_error(err, "decoded reference at 0x%" PRIx64 " has a %u-byte field",
				  r->offset, r->width);
	tail = as_signed(target - r->offset - (uint64_t)d);
	if (r->width == 4 ? tail < 4 || tail > 8 : tail != 1)
		return ipbp_error(err, "decoded reference at 0x%" PRIx64
				  " ends its instruction %" PRId64 " bytes after the field",
				  r->offset, tail);
	*type = r->width == 4 ? R_X86_64_PC32 : R_X86_64_PC8;
	*addend = as_signed((uint64_t)target_off - (uint64_t)tail);
	return 0;
}

/* jmp *slot(%rip), then int3 up to the stub size. */
static void x86_write_stub(uint8_t *stub, uint64_t stub_addr, uint64_t slot_addr)
{
	stub[0] = 0xff;
	stub[1] = 0x25;
	put_le(stub + 2, slot_addr - (stub_addr + 6), 4);
	stub[6] = 0xcc;
	stub[7] = 0xcc;
}

static void x86_mask(uint32_t type, unsigned width, int64_t *start, int64_t *end)
{
	const struct x86_type *t = find_type(type);

	*start = t ? -t->before : 0;
	*end = t && t->after > (int)width ? t->after : (int64_t)width;
}

static enum patch_tls_use x86_tls_use(uint32_t type)
{
	switch (type) {
	case R_X86_64_TPOFF32: case R_X86_64_TPOFF64:
		return PTLS_TPOFF;
	case R_X86_64_DTPMOD64:
		return PTLS_DTPMOD;
	case R_X86_64_DTPOFF32: case R_X86_64_DTPOFF64:
		return PTLS_DTPOFF;
	default:
		return PTLS_NONE;
	}
}

/* jmp rel32 */
static int x86_write_branch(uint8_t *buf, uint64_t from, uint64_t to, struct ipbp_err *err)
{
	uint64_t disp = to - (from + 5);

	if (!fits(disp, 4, CK_SIGNED))
		return ipbp_error(err, "0x%" PRIx64 " is out of reach of a jump at 0x%" PRIx64,
				  to, from);
	buf[0] = 0xe9;
	put_le(buf + 1, disp, 4);
	return 0;
}

/* The length of the padding instruction at b (int3, nop, and the
 * multi-byte nops 0f 1f /0 behind 66 and 2e prefixes), or 0. */
static size_t x86_padding_insn(const uint8_t *b, size_t len)
{
	size_t i = 0, n;
	uint8_t mod, rm;

	if (b[0] == 0xcc || b[0] == 0x90)
		return 1;
	while (i < len && i < 14 && (b[i] == 0x66 || b[i] == 0x2e))
		i++;
	if (i > 0 && i < len && b[i] == 0x90)
		return i + 1;
	if (i + 3 > len || b[i] != 0x0f || b[i + 1] != 0x1f || (b[i + 2] >> 3 & 7))
		return 0;
	mod = b[i + 2] >> 6;
	rm = b[i + 2] & 7;
	n = i + 3 + (mod != 3 && rm == 4);
	n += mod == 1 ? 1 : mod == 2 || (mod == 0 && rm == 5) ? 4 : 0;
	return n <= len ? n : 0;
}

static bool x86_is_padding(const uint8_t *b, size_t len, size_t need)
{
	size_t i = 0;

	while (i < need) {
		size_t n = i < len ? x86_padding_insn(b + i, len - i) : 0;

		if (!n)
			return false;
		i += n;
	}
	return true;
}

const struct patch_arch patch_arch_x86_64 = {
	.arch = ARCH_X86_64,
	.machine = EM_X86_64,
	.page_size = 4096,
	.code_fill = 0xcc,
	.stub_size = 8,
	.abs64_type = R_X86_64_64,
	.tpoff64_type = R_X86_64_TPOFF64,
	.dtpmod64_type = R_X86_64_DTPMOD64,
	.dtpoff64_type = R_X86_64_DTPOFF64,
	.tls_ld_type = R_X86_64_TLSLD,
	.classify = x86_classify,
	.slot_type = x86_slot_type,
	.is_position_independent = x86_is_position_independent,
	.decoded_type = x86_decoded_type,
	.apply = x86_apply,
	.write_stub = x86_write_stub,
	.mask = x86_mask,
	.tls_use = x86_tls_use,
	.branch_size = 5,
	.write_branch = x86_write_branch,
	.is_padding = x86_is_padding,
};
