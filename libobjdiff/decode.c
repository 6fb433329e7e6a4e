// SPDX-License-Identifier: MIT
/*
 * decode.c - find PC-relative references the assembler resolved inside one
 * section and add them to the model (see decode.h).  Architecture-specific
 * knowledge lives in arch-*.c behind struct arch_ops.
 */
#include "arch.h"
#include "decode.h"

static const struct arch_ops *const arch_table[] = {
	&arch_x86_64_ops,
	&arch_i386_ops,
	&arch_aarch64_ops,
};

const struct arch_ops *find_arch_ops(enum obj_arch arch)
{
	for (size_t i = 0; i < sizeof(arch_table) / sizeof(arch_table[0]); i++)
		if (arch_table[i]->arch == arch)
			return arch_table[i];
	return NULL;
}

int arch_disasm_open(const struct obj *obj, csh *handle,
		     const struct arch_ops **ops, struct ipbp_err *err)
{
	const struct arch_ops *arch = find_arch_ops(obj->arch);
	cs_err cerr;

	if (!arch)
		return obj_error(obj, err, "no instruction decoder for %s",
				 obj_arch_name(obj->arch));
	cerr = cs_open(arch->cs_arch, arch->cs_mode, handle);
	if (cerr != CS_ERR_OK)
		return obj_error(obj, err, "capstone: %s", cs_strerror(cerr));
	cerr = cs_option(*handle, CS_OPT_DETAIL, CS_OPT_ON);
	if (cerr != CS_ERR_OK) {
		cs_close(handle);
		return obj_error(obj, err, "capstone: %s", cs_strerror(cerr));
	}
	if (ops)
		*ops = arch;
	return 0;
}

struct decode_ctx {
	struct obj *obj;
	const struct arch_ops *ops;
	struct section *sec;
	size_t reloc_hint, sym_hint;	/* the sweep's place in sec */
	bool changed;		/* the model needs obj_finalize() again */
	struct ipbp_err *err;
};

/* The relocation covering any byte of [field, field + width), or NULL. */
static struct reloc *find_reloc_over(struct decode_ctx *ctx, uint64_t field,
				     unsigned width)
{
	struct reloc *r;

	for (unsigned i = 0; i < width; i++)
		if ((r = obj_find_reloc_hint(ctx->sec, field + i, &ctx->reloc_hint)))
			return r;
	return NULL;
}

/* See "Bias refinement" in decode.h. */
static void refine_bias(struct decode_ctx *ctx, struct reloc *r,
			const struct arch_ref *ref, uint64_t field, uint64_t end)
{
	int64_t tail = (int64_t)(end - field);

	if (ref->kind != RK_PCREL || r->offset != field || r->width != ref->width ||
	    r->bias != r->width || r->bias == tail)
		return;
	r->bias = tail;
	ctx->changed = true;
}

/* As obj_find_symbol_covering() counts it: a symbol of size 0 covers its
 * own start only. */
static bool covers(const struct symbol *sym, uint64_t offset)
{
	if (sym->size == 0)
		return sym->offset == offset;
	return offset - sym->offset < sym->size;
}

/*
 * Jumps and loads within one symbol are that symbol's own business; a call
 * to its own start is recursion and counts, a call elsewhere inside it
 * (i386 "call 1f; 1: pop %ebx" to get the PC) does not.
 */
static bool is_internal(struct decode_ctx *ctx, uint64_t from,
			const struct arch_ref *ref)
{
	const struct symbol *sym = obj_find_symbol_covering_hint(ctx->sec, from,
								 &ctx->sym_hint);
	size_t near = ctx->sym_hint;	/* the target is close by */

	/* The symbol covering the target covers it: when sym does not, the
	 * target's is another one, and no lookup need say so. */
	if (!sym || !covers(sym, ref->target) ||
	    sym != obj_find_symbol_covering_hint(ctx->sec, ref->target, &near))
		return false;
	return !(ref->is_call && ref->target == sym->offset);
}

static int add_decoded(struct decode_ctx *ctx, const struct arch_ref *ref,
		       uint64_t field)
{
	struct symbol *secsym = obj_section_symbol(ctx->obj, ctx->sec);
	struct reloc *r = secsym ? obj_add_reloc(ctx->obj) : NULL;

	if (!r)
		return obj_error(ctx->obj, ctx->err,
				 "%s+%#llx: cannot add decoded reference: out of memory",
				 ctx->sec->name, (unsigned long long)field);
	r->sec = ctx->sec;
	r->offset = field;
	r->type = 0;
	r->kind = ref->kind;
	r->width = ref->width;
	r->flags = RELF_DECODED;
	r->sym = secsym;
	r->addend = (int64_t)(ref->target - secsym->offset);
	r->bias = 0;
	ctx->changed = true;
	return 0;
}

static int note_reference(struct decode_ctx *ctx, const cs_insn *insn)
{
	struct arch_ref ref;
	struct reloc *r;
	uint64_t field;

	if (!ctx->ops->find_ref(insn, &ref))
		return 0;
	field = insn->address + ref.field;
	r = find_reloc_over(ctx, field, ref.width);
	if (r) {
		refine_bias(ctx, r, &ref, field, insn->address + insn->size);
		return 0;
	}
	if (ref.target >= ctx->sec->size)
		return 0;
	if (is_internal(ctx, insn->address, &ref))
		return 0;
	return add_decoded(ctx, &ref, field);
}

/* Linear sweep over one code section; addresses are section offsets. */
static int decode_section(struct decode_ctx *ctx, csh cs)
{
	const uint8_t *code = ctx->sec->data;
	size_t left = ctx->sec->size;
	uint64_t addr = 0;
	cs_insn *insn = cs_malloc(cs);
	int ret = 0;

	if (!insn)
		return obj_error(ctx->obj, ctx->err, "out of memory");
	while (left > 0 && ret == 0) {
		if (cs_disasm_iter(cs, &code, &left, &addr, insn)) {
			ret = note_reference(ctx, insn);
			continue;
		}
		size_t skip = ctx->ops->min_insn_size < left ? ctx->ops->min_insn_size : left;

		code += skip;
		left -= skip;
		addr += skip;
	}
	cs_free(insn, 1);
	return ret;
}

static bool is_in_file(const struct obj *obj, const struct section *sec)
{
	uintptr_t p = (uintptr_t)sec->data, start = (uintptr_t)obj->data;

	return sec->data && p >= start && p - start < obj->size;
}

/*
 * The code sections' bytes in the file fit it together, unless sections
 * share bytes: N sections over the same bytes would multiply the sweep
 * and the references it adds.  (Models built in memory, with their bytes
 * elsewhere, are the builder's own business.)
 */
static int check_code_size(const struct obj *obj, struct ipbp_err *err)
{
	const struct section *sec;
	uint64_t code = 0;

	for_each_section(obj, sec)
		if (is_code_section(sec) && is_in_file(obj, sec))
			code += sec->size;
	if (code > obj->size)
		return obj_error(obj, err, "code sections overlap (%llu bytes of code in a "
				 "%zu-byte file)", (unsigned long long)code, obj->size);
	return 0;
}

int obj_decode_references(struct obj *obj, struct ipbp_err *err)
{
	struct decode_ctx ctx = { .obj = obj, .err = err };
	struct section *sec;
	csh cs;
	int ret = 0;

	if (!find_arch_ops(obj->arch))
		return 0;	/* nothing to decode (see decode.h) */
	if (check_code_size(obj, err) < 0)
		return -1;
	if (arch_disasm_open(obj, &cs, &ctx.ops, err) < 0)
		return -1;

	/* Sweep the code sections, adding references and refining biases. */
	for_each_section(obj, sec) {
		if (!is_code_section(sec) || !sec->data || !sec->size)
			continue;
		ctx.sec = sec;
		ctx.reloc_hint = ctx.sym_hint = 0;
		if ((ret = decode_section(&ctx, cs)) < 0)
			break;
	}
	cs_close(&cs);

	/* Index the new relocations and name their targets. */
	if (ret == 0 && ctx.changed)
		ret = obj_finalize(obj, err);
	return ret;
}
