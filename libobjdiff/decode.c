// SPDX-License-Identifier: MIT
/*
 * decode.c - find PC-relative references the assembler resolved inside one
 * section and add them to the model (see decode.h).  Architecture-specific
 * knowledge lives in arch-*.c behind struct arch_ops.
 */
#include <stdlib.h>
#include <string.h>

#include <xxhash.h>

#include "arch.h"
#include "bytes.h"
#include "decode.h"
#include "spans-int.h"
#include "threads-int.h"
#include "util-int.h"

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

/* A Capstone handle for ops's architecture, with instruction detail on. */
static cs_err open_capstone(const struct arch_ops *ops, csh *handle)
{
	cs_err cerr = cs_open(ops->cs_arch, ops->cs_mode, handle);

	if (cerr != CS_ERR_OK)
		return cerr;
	if ((cerr = cs_option(*handle, CS_OPT_DETAIL, CS_OPT_ON)) != CS_ERR_OK)
		cs_close(handle);
	return cerr;
}

int arch_disasm_open(const struct obj *obj, csh *handle,
		     const struct arch_ops **ops, struct ipbp_err *err)
{
	const struct arch_ops *arch = find_arch_ops(obj->arch);
	cs_err cerr;

	if (!arch)
		return obj_error(obj, err, "no instruction decoder for %s",
				 obj_arch_name(obj->arch));
	if ((cerr = open_capstone(arch, handle)) != CS_ERR_OK)
		return obj_error(obj, err, "capstone: %s", cs_strerror(cerr));
	if (ops)
		*ops = arch;
	return 0;
}

int arch_capstone_open(struct arch_decoder *dec)
{
	if (open_capstone(dec->ops, &dec->cs) != CS_ERR_OK)
		return -1;
	if (!(dec->insn[0] = cs_malloc(dec->cs)) || !(dec->insn[1] = cs_malloc(dec->cs))) {
		arch_capstone_close(dec);
		return -1;
	}
	return 0;
}

void arch_capstone_close(struct arch_decoder *dec)
{
	for (int i = 0; i < 2; i++)
		if (dec->insn[i])
			cs_free(dec->insn[i], 1);
	cs_close(&dec->cs);
}

int arch_decoder_open(const struct obj *obj, struct arch_decoder *dec,
		      struct ipbp_err *err)
{
	*dec = (struct arch_decoder){ .ops = find_arch_ops(obj->arch) };
	if (!dec->ops)
		return obj_error(obj, err, "no instruction decoder for %s",
				 obj_arch_name(obj->arch));
	if (dec->ops->decoder_open(dec) < 0) {
		dec->ops = NULL;
		return obj_error(obj, err, "cannot open the %s instruction decoder",
				 obj_arch_name(obj->arch));
	}
	return 0;
}

void arch_decoder_close(struct arch_decoder *dec)
{
	if (dec->ops)
		dec->ops->decoder_close(dec);
	dec->ops = NULL;
}

bool arch_insn_ref(const struct arch_decoder *dec, const cs_insn *insn,
		   struct arch_ref *ref)
{
	size_t size = insn->size < sizeof(insn->bytes) ? insn->size : sizeof(insn->bytes);
	struct arch_insn in;

	if (dec->ops->decode(dec, insn->bytes, size, insn->address, &in) != insn->size ||
	    in.ref.kind == RK_NONE)
		return false;
	*ref = in.ref;
	return true;
}

struct decode_ctx {
	struct obj *obj;
	const struct arch_ops *ops;
	struct section *sec;
	size_t reloc_hint, sym_hint;	/* the sweep's place in sec */
	bool changed;		/* the model needs obj_finalize_added() */
	struct reloc **rebiased;	/* relocations refine_bias() changed */
	size_t nr_rebiased, cap_rebiased;
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
static int refine_bias(struct decode_ctx *ctx, struct reloc *r,
		       const struct arch_ref *ref, uint64_t field, uint64_t end)
{
	int64_t tail = (int64_t)(end - field);

	if (ref->kind != RK_PCREL || r->offset != field || r->width != ref->width ||
	    r->bias != r->width || r->bias == tail)
		return 0;
	if (array_grow((void **)&ctx->rebiased, &ctx->cap_rebiased, ctx->nr_rebiased + 1,
		       sizeof(*ctx->rebiased)) < 0)
		return obj_error(ctx->obj, ctx->err, "out of memory decoding instructions");
	ctx->rebiased[ctx->nr_rebiased++] = r;
	r->bias = tail;
	ctx->changed = true;
	return 0;
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

/* What the sweep found at addr, an instruction of size bytes. */
static int note_reference(struct decode_ctx *ctx, uint64_t addr, unsigned size,
			  const struct arch_ref *ref)
{
	uint64_t field = addr + ref->field;
	struct reloc *r = find_reloc_over(ctx, field, ref->width);

	if (r)
		return refine_bias(ctx, r, ref, field, addr + size);
	if (ref->target >= ctx->sec->size)
		return 0;
	if (is_internal(ctx, addr, ref))
		return 0;
	return add_decoded(ctx, ref, field);
}

/* ---- sweeping ranges ------------------------------------------------------ */

/*
 * One reference an instruction makes, as the sweep found it: relative to
 * the start of its range, so that it holds wherever the same bytes lie.
 * 16 bytes: a large object has a million of them.
 */
struct found {
	int64_t target;		/* the address it refers to */
	uint32_t at;		/* the instruction (see RANGE_MAX) */
	uint8_t size;		/* of the instruction */
	uint8_t field, width;	/* as in struct arch_ref */
	uint8_t kind;		/* enum reloc_kind, | FOUND_CALL */
};

#define FOUND_CALL 0x80u

/* The longest range: a stretch of code without a symbol restarts the
 * sweep every 4 GB. */
#define RANGE_MAX UINT32_MAX

struct found_vec {
	struct found *v;
	size_t nr, cap;
};

static int push_found(struct found_vec *fv, const struct found *f)
{
	if (fv->nr == fv->cap) {
		size_t cap = fv->cap ? 2 * fv->cap : 256;
		struct found *v = realloc(fv->v, cap * sizeof(*v));

		if (!v)
			return -1;
		fv->v = v;
		fv->cap = cap;
	}
	fv->v[fv->nr++] = *f;
	return 0;
}

/*
 * Linear sweep over len bytes at code, which lie at start in their
 * section (addresses are section offsets); appends what it finds to fv.
 * Returns 0, or -1 when out of memory.
 */
static int sweep(const struct arch_decoder *dec, const uint8_t *code, uint64_t start,
		 uint64_t len, struct found_vec *fv)
{
	const struct arch_ops *ops = dec->ops;
	size_t left = len;
	uint64_t addr = start;

	while (left > 0) {
		struct arch_insn in;
		const struct arch_ref *ref = &in.ref;
		unsigned size = ops->decode(dec, code, left, addr, &in);

		if (!size) {
			size = ops->min_insn_size < left ? ops->min_insn_size : (unsigned)left;
		} else if (ref->kind != RK_NONE &&
			   push_found(fv, &(struct found){
				.target = (int64_t)(ref->target - start),
				.at = (uint32_t)(addr - start),
				.size = (uint8_t)size,
				.field = ref->field,
				.width = ref->width,
				.kind = (uint8_t)(ref->kind | (ref->is_call ? FOUND_CALL : 0)) }) < 0) {
			return -1;
		}
		code += size;
		left -= size;
		addr += size;
	}
	return 0;
}

/* Notes the nr references of fv from first on, found in the range at start. */
static int apply_found(struct decode_ctx *ctx, uint64_t start, const struct found_vec *fv,
		       size_t first, size_t nr)
{
	for (size_t i = first; i < first + nr; i++) {
		const struct found *f = &fv->v[i];
		struct arch_ref ref = {
			.field = f->field,
			.width = f->width,
			.kind = (enum reloc_kind)(f->kind & ~FOUND_CALL),
			.is_call = f->kind & FOUND_CALL,
			.target = start + (uint64_t)f->target,
		};

		if (note_reference(ctx, start + f->at, f->size, &ref) < 0)
			return -1;
	}
	return 0;
}

/*
 * The end of the range that starts at start: the next symbol's offset, or
 * the section's end; *name is the symbol's the range starts at, or NULL.
 * *i walks sec->syms.  The sweep restarts at every symbol, so what it
 * finds in a range depends on that range's bytes alone.
 */
static uint64_t range_end(const struct section *sec, size_t *i, uint64_t start,
			  const char **name)
{
	while (*i < sec->nr_syms && sec->syms[*i]->offset <= start)
		++*i;
	*name = *i > 0 && sec->syms[*i - 1]->offset == start ? sec->syms[*i - 1]->name : NULL;
	if (*i < sec->nr_syms && sec->syms[*i]->offset < sec->size &&
	    sec->syms[*i]->offset - start <= RANGE_MAX)
		return sec->syms[*i]->offset;
	return sec->size - start <= RANGE_MAX ? sec->size : start + RANGE_MAX;
}

struct sweeper {
	const struct arch_ops *ops;
	struct arch_decoder dec;	/* dec.ops is NULL until the first sweep */
	struct found_vec scratch;	/* without a memo */
};

static int sweeper_open(struct sweeper *sw, const struct obj *obj, struct ipbp_err *err)
{
	return sw->dec.ops ? 0 : arch_decoder_open(obj, &sw->dec, err);
}

static void sweeper_close(struct sweeper *sw)
{
	arch_decoder_close(&sw->dec);
	free(sw->scratch.v);
}

/* ---- the memo ---------------------------------------------------------------- */

/* A range swept once: its bytes, and where its references are. */
struct memo_entry {
	uint64_t hash;		/* of the bytes */
	const uint8_t *bytes;
	uint64_t len;
	uint64_t start;		/* where in its section it was swept */
	size_t first, nr;	/* in memo->found[vec] */
	unsigned vec;
	bool page_bound;	/* it has RK_PAGE references (see memo_find) */
	const char *name;	/* of the symbol it starts at, or NULL */
};

struct decode_memo {
	const struct arch_ops *ops;	/* the decoder of every entry */
	bool frozen;			/* read-only: threads share it */
	struct memo_entry *entries;
	size_t nr, cap;
	uint32_t *slots;	/* open addressing: entry index + 1, or 0 */
	size_t nr_slots;	/* a power of two, at least 2 * nr */
	uint32_t *names;	/* the same, by name: the first entry of each
				 * name, nr_slots long */
	struct decode_memo_stats stats;
	/* found[0] is filled in turn; decode_memo_fill() adds one per thread */
	struct found_vec *found;
	unsigned nr_found;
};

struct decode_memo *decode_memo_new(void)
{
	struct decode_memo *memo = calloc(1, sizeof(*memo));

	if (memo && !(memo->found = calloc(1, sizeof(*memo->found)))) {
		free(memo);
		return NULL;
	}
	if (memo)
		memo->nr_found = 1;
	return memo;
}

void decode_memo_free(struct decode_memo *memo)
{
	if (!memo)
		return;
	free(memo->entries);
	free(memo->slots);
	free(memo->names);
	for (unsigned i = 0; i < memo->nr_found; i++)
		free(memo->found[i].v);
	free(memo->found);
	free(memo);
}

/*
 * The entry for len bytes at code, to be applied at start, or NULL.  A
 * reference's target moves with its instruction, except an arm64 adrp's:
 * it names a 4 KB page, so those bytes decode alike only at the same
 * offset in a page.
 */
static const struct memo_entry *memo_find(const struct decode_memo *memo, uint64_t hash,
					  const uint8_t *code, uint64_t len, uint64_t start)
{
	size_t mask = memo->nr_slots - 1;

	if (!memo->nr_slots)
		return NULL;
	for (size_t i = hash & mask; memo->slots[i]; i = (i + 1) & mask) {
		const struct memo_entry *e = &memo->entries[memo->slots[i] - 1];

		if (e->hash == hash && e->len == len &&
		    (!e->page_bound || ((start - e->start) & 0xfff) == 0) &&
		    (e->bytes == code || !memcmp(e->bytes, code, len)))
			return e;
	}
	return NULL;
}

static void memo_put(uint32_t *slots, size_t nr_slots, uint64_t hash, size_t index)
{
	size_t i = hash & (nr_slots - 1);

	while (slots[i])
		i = (i + 1) & (nr_slots - 1);
	slots[i] = (uint32_t)(index + 1);
}

static uint64_t name_hash(const char *name)
{
	return XXH3_64bits(name, strlen(name));
}

/* The first entry named name, or NULL. */
static const struct memo_entry *memo_find_name(const struct decode_memo *memo, const char *name)
{
	size_t mask = memo->nr_slots - 1;

	if (!memo->nr_slots || !name)
		return NULL;
	for (size_t i = name_hash(name) & mask; memo->names[i]; i = (i + 1) & mask) {
		const struct memo_entry *e = &memo->entries[memo->names[i] - 1];

		if (!strcmp(e->name, name))
			return e;
	}
	return NULL;
}

static int memo_grow_slots(struct decode_memo *memo)
{
	size_t nr_slots = memo->nr_slots ? 2 * memo->nr_slots : 1024;
	uint32_t *slots = calloc(nr_slots, sizeof(*slots));
	uint32_t *names = calloc(nr_slots, sizeof(*names));

	if (!slots || !names) {
		free(slots);
		free(names);
		return -1;
	}
	free(memo->slots);
	free(memo->names);
	memo->slots = slots;
	memo->names = names;
	memo->nr_slots = nr_slots;
	for (size_t i = 0; i < memo->nr; i++) {
		const struct memo_entry *e = &memo->entries[i];

		memo_put(slots, nr_slots, e->hash, i);
		if (e->name)	/* the first of its name (memo_add()) */
			memo_put(names, nr_slots, name_hash(e->name), i);
	}
	return 0;
}

static int memo_add(struct decode_memo *memo, struct memo_entry *e)
{
	if (memo->nr == memo->cap) {
		size_t cap = memo->cap ? 2 * memo->cap : 512;
		struct memo_entry *v = cap < UINT32_MAX ?
			realloc(memo->entries, cap * sizeof(*v)) : NULL;

		if (!v)
			return -1;
		memo->entries = v;
		memo->cap = cap;
	}
	if (2 * (memo->nr + 1) > memo->nr_slots && memo_grow_slots(memo) < 0)
		return -1;
	for (size_t i = 0; i < e->nr; i++)
		e->page_bound |= (memo->found[e->vec].v[e->first + i].kind & ~FOUND_CALL) == RK_PAGE;
	if (e->name && memo_find_name(memo, e->name))
		e->name = NULL;		/* only the first of a name is looked up */
	memo->entries[memo->nr] = *e;
	memo_put(memo->slots, memo->nr_slots, e->hash, memo->nr);
	if (e->name)
		memo_put(memo->names, memo->nr_slots, name_hash(e->name), memo->nr);
	memo->nr++;
	return 0;
}

/* The little-endian signed field of width bytes at p. */
static int64_t disp_value(const uint8_t *p, unsigned width)
{
	return sign_extend(get_le(p, width), 8 * width);
}

/*
 * A near match for len bytes at code that start at the symbol name: the
 * entry of the same name, when its bytes are code's but inside the fields
 * of its references and every reference is a displacement (disp_fields).
 * A function that moved against its callees has such bytes: code then
 * decodes as the entry did, with the targets its own fields give
 * (derive_found()), and is not swept again.  Any entry whose bytes agree
 * so would do; the name only finds a likely one.
 */
static const struct memo_entry *memo_near(const struct decode_memo *memo, const char *name,
					  const uint8_t *code, uint64_t len)
{
	const struct memo_entry *e;
	uint64_t pos = 0;

	if (!memo->ops->disp_fields || !(e = memo_find_name(memo, name)) || e->len != len)
		return NULL;
	for (size_t i = 0; i < e->nr; i++) {
		const struct found *f = &memo->found[e->vec].v[e->first + i];
		uint64_t field = (uint64_t)f->at + f->field;

		if (field < pos || field + f->width > len ||
		    (f->width != 1 && f->width != 2 && f->width != 4 && f->width != 8) ||
		    f->target != (int64_t)f->at + f->size + disp_value(e->bytes + field, f->width) ||
		    memcmp(e->bytes + pos, code + pos, field - pos))
			return NULL;
		pos = field + f->width;
	}
	return memcmp(e->bytes + pos, code + pos, len - pos) ? NULL : e;
}

/* Appends to fv the references of e (a near match), as code's fields give them. */
static int derive_found(const struct decode_memo *memo, const struct memo_entry *e,
			const uint8_t *code, struct found_vec *fv)
{
	for (size_t i = 0; i < e->nr; i++) {
		/* a copy: fv may be the vector e's references are in */
		struct found f = memo->found[e->vec].v[e->first + i];

		f.target = (int64_t)f.at + f.size + disp_value(code + f.at + f.field, f.width);
		if (push_found(fv, &f) < 0)
			return -1;
	}
	return 0;
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

/* ---- one object ---------------------------------------------------------------- */

static int decode_range(struct decode_ctx *ctx, struct sweeper *sw, struct decode_memo *memo,
			uint64_t start, uint64_t len, const char *name)
{
	const uint8_t *code = ctx->sec->data + start;
	uint64_t hash = memo ? XXH3_64bits(code, len) : 0;
	const struct memo_entry *e = memo ? memo_find(memo, hash, code, len, start) : NULL;
	bool keep = memo && !memo->frozen;
	struct found_vec *fv = keep ? &memo->found[0] : &sw->scratch;
	struct memo_entry add = { .hash = hash, .bytes = code, .len = len, .start = start,
				  .name = name };

	if (e)
		return apply_found(ctx, start, &memo->found[e->vec], e->first, e->nr);
	add.first = fv->nr;
	if (memo && (e = memo_near(memo, name, code, len))) {
		if (derive_found(memo, e, code, fv) < 0)
			goto oom;
		if (keep)
			memo->stats.near++;
	} else {
		if (sweeper_open(sw, ctx->obj, ctx->err) < 0)
			return -1;
		if (sweep(&sw->dec, code, start, len, fv) < 0)
			goto oom;
		if (keep)
			memo->stats.swept++;
	}
	add.nr = fv->nr - add.first;
	if (keep && memo_add(memo, &add) < 0)
		goto oom;
	if (apply_found(ctx, start, fv, add.first, add.nr) < 0)
		return -1;
	if (!keep)
		fv->nr = 0;
	return 0;
oom:
	return obj_error(ctx->obj, ctx->err, "%s+%#llx: out of memory decoding instructions",
			 ctx->sec->name, (unsigned long long)start);
}

static int decode_section(struct decode_ctx *ctx, struct sweeper *sw, struct decode_memo *memo)
{
	size_t i = 0;

	for (uint64_t start = 0, end; start < ctx->sec->size; start = end) {
		const char *name;

		end = range_end(ctx->sec, &i, start, &name);
		if (decode_range(ctx, sw, memo, start, end - start, name) < 0)
			return -1;
	}
	return 0;
}

int obj_decode_references_memo(struct obj *obj, struct decode_memo *memo,
			       struct ipbp_err *err)
{
	struct decode_ctx ctx = { .obj = obj, .err = err };
	struct sweeper sw = { .ops = find_arch_ops(obj->arch) };
	size_t first = obj->nr_relocs;	/* the ones decoding adds follow */
	struct section *sec;
	int ret = 0;

	if (!sw.ops)
		return 0;	/* nothing to decode (see decode.h) */
	if (check_code_size(obj, err) < 0)
		return -1;
	if (memo && !memo->ops && !memo->frozen)
		memo->ops = sw.ops;
	if (memo && memo->ops != sw.ops)
		memo = NULL;	/* an archive of two architectures */
	ctx.ops = sw.ops;

	/* Sweep the code sections, adding references and refining biases. */
	for_each_section(obj, sec) {
		if (!is_code_section(sec) || !sec->data || !sec->size)
			continue;
		ctx.sec = sec;
		ctx.reloc_hint = ctx.sym_hint = 0;
		if ((ret = decode_section(&ctx, &sw, memo)) < 0)
			break;
	}
	sweeper_close(&sw);

	/* Index the new relocations and name their targets. */
	if (ret == 0 && ctx.changed)
		ret = obj_finalize_added(obj, first, ctx.rebiased, ctx.nr_rebiased, err);
	free(ctx.rebiased);
	return ret;
}

int obj_decode_references(struct obj *obj, struct ipbp_err *err)
{
	return obj_decode_references_memo(obj, NULL, err);
}

/* The first range of sec's sweep that holds offset: it starts at the last
 * symbol at or before it, or at 0; *i is where range_end() goes on. */
static uint64_t range_holding(const struct section *sec, uint64_t offset, size_t *i)
{
	size_t lo = obj_first_symbol_after(sec, offset);

	*i = lo ? lo - 1 : 0;
	return lo ? sec->syms[lo - 1]->offset : 0;
}

int obj_decode_range(struct obj *obj, struct section *sec, uint64_t start, uint64_t end,
		     struct ipbp_err *err)
{
	struct decode_ctx ctx = { .obj = obj, .sec = sec, .err = err };
	struct sweeper sw = { .ops = find_arch_ops(obj->arch) };
	uint64_t from, to;
	size_t i, j, first;
	const char *name;
	int ret = 0;

	if (end > sec->size)
		end = sec->size;
	if (start >= end)
		return 0;
	if (!sw.ops || !is_code_section(sec) || !sec->data)
		return obj_load_range(obj, sec, start, end, err);

	if (!sec->decoded && !(sec->decoded = obj_alloc(obj, sizeof(*sec->decoded))))
		return obj_error(obj, err, "out of memory");
	if (spans_cover(sec->decoded, start, end))
		return 0;

	/* Whole ranges, as decode_section() sweeps them, and their relocations
	 * first: a field a relocation covers is not decoded. */
	from = range_holding(sec, start, &i);
	j = i;
	for (to = from; to < end;)
		to = range_end(sec, &j, to, &name);
	if (obj_load_range(obj, sec, from, to, err) < 0)
		return -1;
	ctx.ops = sw.ops;
	first = obj->nr_relocs;
	for (uint64_t at = from, next; at < to && ret == 0; at = next) {
		next = range_end(sec, &i, at, &name);
		if (!spans_cover(sec->decoded, at, next))
			ret = decode_range(&ctx, &sw, NULL, at, next - at, name);
	}
	sweeper_close(&sw);
	if (ret == 0 && ctx.changed)
		ret = obj_finalize_added(obj, first, ctx.rebiased, ctx.nr_rebiased, err);
	free(ctx.rebiased);
	if (ret == 0 && spans_add(sec->decoded, from, to) < 0)
		ret = obj_error(obj, err, "out of memory");
	return ret;
}

/* ---- filling a memo in threads ------------------------------------------------ */

/* A range to sweep, and where its references went. */
struct fill_range {
	const struct obj *obj;
	const uint8_t *code;
	const char *name;	/* as in struct memo_entry */
	uint64_t start, len, hash;
	size_t first, nr;	/* in the found of the part that swept it */
};

struct fill_part {
	struct decode_memo *memo;
	struct fill_range *ranges;
	size_t lo, hi;		/* its share of the ranges */
	struct found_vec found;
	struct ipbp_err err;
	int ret;
};

static void *fill_part_run(void *arg)
{
	struct fill_part *part = arg;
	struct sweeper sw = { .ops = part->memo->ops };

	part->ret = 0;
	for (size_t i = part->lo; i < part->hi && part->ret == 0; i++) {
		struct fill_range *r = &part->ranges[i];

		if (sweeper_open(&sw, r->obj, &part->err) < 0) {
			part->ret = -1;
			break;
		}
		r->first = part->found.nr;
		if (sweep(&sw.dec, r->code, r->start, r->len, &part->found) < 0)
			part->ret = obj_error(r->obj, &part->err, "out of memory decoding instructions");
		r->nr = part->found.nr - r->first;
	}
	sweeper_close(&sw);
	return NULL;
}

/* Adds the range at code as derived from its near match e. */
static int add_near(struct decode_memo *memo, const struct memo_entry *e,
		    struct memo_entry *add)
{
	add->vec = 0;
	add->first = memo->found[0].nr;
	if (derive_found(memo, e, add->bytes, &memo->found[0]) < 0)
		return -1;
	add->nr = memo->found[0].nr - add->first;
	memo->stats.near++;
	return memo_add(memo, add);
}

/*
 * The ranges of objs' code that memo does not know; *total their bytes.
 * Near matches are added to memo on the way.  NULL when out of memory.
 */
static struct fill_range *unknown_ranges(struct decode_memo *memo, struct obj *const *objs,
					 size_t nr_objs, size_t *nr, uint64_t *total)
{
	struct fill_range *v = NULL;
	size_t cap = 0;

	*nr = 0;
	*total = 0;
	for (size_t k = 0; k < nr_objs; k++) {
		const struct obj *obj = objs[k];
		struct section *sec;

		if (find_arch_ops(obj->arch) != memo->ops || check_code_size(obj, NULL) < 0)
			continue;
		for_each_section(obj, sec) {
			size_t i = 0;

			if (!is_code_section(sec) || !sec->data)
				continue;
			for (uint64_t start = 0, end; start < sec->size; start = end) {
				const uint8_t *code = sec->data + start;
				const struct memo_entry *e;
				const char *name;
				uint64_t hash;

				end = range_end(sec, &i, start, &name);
				hash = XXH3_64bits(code, end - start);
				if (memo_find(memo, hash, code, end - start, start))
					continue;
				if ((e = memo_near(memo, name, code, end - start))) {
					struct memo_entry add = { .hash = hash, .bytes = code,
						.len = end - start, .start = start, .name = name };

					if (add_near(memo, e, &add) < 0)
						goto oom;
					continue;
				}
				if (*nr == cap) {
					struct fill_range *w;

					cap = cap ? 2 * cap : 1024;
					if (!(w = realloc(v, cap * sizeof(*v))))
						goto oom;
					v = w;
				}
				v[(*nr)++] = (struct fill_range){ .obj = obj, .code = code,
					.name = name, .start = start, .len = end - start,
					.hash = hash };
				*total += end - start;
			}
		}
	}
	if (!v)
		v = malloc(1);
	return v;
oom:
	free(v);
	return NULL;
}

/* Each part's ranges into memo, with their references (no copy). */
static int gather_parts(struct decode_memo *memo, struct fill_part *parts, unsigned nr_parts)
{
	struct found_vec *found = realloc(memo->found, (memo->nr_found + nr_parts) * sizeof(*found));

	if (!found)
		return -1;
	memo->found = found;
	for (unsigned p = 0; p < nr_parts; p++) {
		struct fill_part *part = &parts[p];
		unsigned vec = memo->nr_found++;

		memo->found[vec] = part->found;
		part->found = (struct found_vec){ 0 };
		for (size_t i = part->lo; i < part->hi; i++) {
			const struct fill_range *r = &part->ranges[i];
			struct memo_entry e = { .hash = r->hash, .bytes = r->code, .len = r->len,
						.start = r->start, .first = r->first, .nr = r->nr,
						.vec = vec, .name = r->name };

			if (!memo_find(memo, r->hash, r->code, r->len, r->start) && memo_add(memo, &e) < 0)
				return -1;
		}
	}
	return 0;
}

/*
 * Capstone 4 sets up some of its tables on first use, without a lock (its
 * architecture list, and tables the first cs_disasm sorts): disassemble a
 * few instructions of each architecture whose decoder is Capstone, with
 * detail as the decoders ask, before two threads could race to.  Zydis
 * keeps no state but the decoder's own.
 */
static void warm_up_capstone(void)
{
	static const uint8_t code[] = {
		0x00, 0x00, 0x00, 0x94,		/* arm64: bl */
		0x00, 0x00, 0x00, 0x90,		/* adrp */
		0xc0, 0x03, 0x5f, 0xd6,		/* ret */
	};

	cs_support(CS_ARCH_ALL);
	for (size_t i = 0; i < sizeof(arch_table) / sizeof(arch_table[0]); i++) {
		const struct arch_ops *ops = arch_table[i];
		cs_insn *insn = NULL;
		size_t n;
		csh cs;

		if (ops->decoder_open != arch_capstone_open ||
		    open_capstone(ops, &cs) != CS_ERR_OK)
			continue;
		n = cs_disasm(cs, code, sizeof(code), 0, 0, &insn);
		if (n)
			cs_free(insn, n);
		cs_close(&cs);
	}
}

int decode_memo_fill(struct decode_memo *memo, struct obj *const *objs, size_t nr_objs,
		     unsigned threads, struct ipbp_err *err)
{
	struct fill_part parts[DECODE_MAX_THREADS] = { 0 };
	struct fill_range *ranges;
	uint64_t total, share, sum = 0;
	unsigned nr_parts = 0;
	size_t nr;
	int ret = 0;

	if (!nr_objs)
		return 0;
	if (!memo->ops && !(memo->ops = find_arch_ops(objs[0]->arch)))
		return 0;
	if (!(ranges = unknown_ranges(memo, objs, nr_objs, &nr, &total)))
		return ipbp_error(err, "%s: out of memory", objs[0]->name);
	if (threads > DECODE_MAX_THREADS)
		threads = DECODE_MAX_THREADS;
	if (threads < 1)
		threads = 1;
	share = total / threads + 1;

	/* Contiguous shares of about total / threads bytes each. */
	for (size_t i = 0; i < nr; nr_parts++) {
		struct fill_part *part = &parts[nr_parts];

		*part = (struct fill_part){ .memo = memo, .ranges = ranges, .lo = i };
		for (sum = 0; i < nr && (sum < share || nr_parts == threads - 1); i++)
			sum += ranges[i].len;
		part->hi = i;
	}
	if (nr_parts > 1)
		warm_up_capstone();
	threads_run(parts, sizeof(parts[0]), nr_parts, fill_part_run);
	for (unsigned p = 0; p < nr_parts && ret == 0; p++)
		if (parts[p].ret < 0) {
			*err = parts[p].err;
			ret = -1;
		}
	memo->stats.swept += nr;
	if (ret == 0 && gather_parts(memo, parts, nr_parts) < 0)
		ret = ipbp_error(err, "%s: out of memory", objs[0]->name);
	for (unsigned p = 0; p < nr_parts; p++)
		free(parts[p].found.v);
	free(ranges);
	return ret;
}

void decode_memo_get_stats(const struct decode_memo *memo, struct decode_memo_stats *stats)
{
	*stats = memo->stats;
}

void decode_memo_freeze(struct decode_memo *memo, bool frozen)
{
	memo->frozen = frozen;
	if (frozen)
		warm_up_capstone();	/* threads may sweep what memo lacks */
}
