// SPDX-License-Identifier: MIT
/*
 * compare-insn.c - a second look at two functions whose bytes differ at
 * the same offsets, instruction by instruction (the decoder of arch.h).
 *
 * Layout alone changes some bytes of a function that did not change:
 *
 *   - without -ffunction-sections, a jump or tail call to a neighbour in
 *     the same section is assembled short (eb rel8) or near (e9 rel32)
 *     depending on the distance, and the alignment padding after it
 *     shrinks or grows to match;
 *   - Mach-O and COFF give no symbol sizes: a derived size runs to the next
 *     symbol and takes the padding (nops, int3) in between, which depends
 *     on what follows.
 *
 * So when the positional comparison (compare.c) finds a difference and the
 * architecture has a decoder (x86-64, i386, aarch64), both functions are
 * decoded and compared as instruction lists, in step (a function that did
 * change is decoded only up to its first difference):
 *
 *   - padding (x86 nops of every length, int3; aarch64 nop) is skipped;
 *   - an instruction with a relocation or decoded reference that is a
 *     branch field ending the instruction compares by instruction id (the
 *     decoder's mnemonic: jmp, call, each jcc) and target identity, so
 *     short and near forms are the same;
 *   - a branch inside the function compares by id and by the index of its
 *     target among the non-padding instructions;
 *   - any other instruction compares by bytes outside relocation fields
 *     and by its relocations (offset in the instruction, kind, width,
 *     target).
 *
 * Equal lists make the pair the same.  Undecodable bytes end the second
 * look with "different", leaving the positional result; so does running
 * out of a budget of four times the code's size (plus 1 MB), which keeps
 * the work linear when symbols overlap.
 */
#include <stdlib.h>
#include <string.h>

#include "arch.h"
#include "diff-int.h"

/* One decoded instruction of a function, offsets from its start. */
struct insn {
	uint32_t off;
	uint16_t size;
	bool pad;
	bool local;		/* a branch to a place in the function */
	unsigned id;		/* struct arch_insn's */
	uint64_t target;	/* local: the target's offset */
	size_t index;		/* among non-padding instructions */
};

struct insn_list {
	struct insn *v;
	size_t nr, cap;
};

struct diff_disasm {
	uint64_t budget;	/* bytes left to decode, against overlapping
				 * symbols claiming the same code again */
	struct arch_decoder dec;
	struct insn_list list[2];
};

/* ---- padding ----------------------------------------------------------------- */

/* x86: nop (90), xchg ax,ax (66 90), nopw/nopl with any 66 prefixes and a
 * cs prefix and zero displacement, int3 (cc).  Length of the pad, or 0. */
static size_t x86_pad_len(const uint8_t *p, size_t n)
{
	size_t i = 0, len;
	uint8_t modrm;

	if (n && (p[0] == 0x90 || p[0] == 0xcc))
		return 1;
	while (i < n && p[i] == 0x66)
		i++;
	if (i < n && p[i] == 0x2e)
		i++;
	if (i && i < n && p[i] == 0x90)
		return i + 1;
	if (i + 3 > n || p[i] != 0x0f || p[i + 1] != 0x1f || (p[i + 2] & 0x38))
		return 0;
	modrm = p[i + 2];
	len = i + 3;
	if ((modrm >> 6) != 3 && (modrm & 7) == 4)
		len++;				/* SIB */
	if ((modrm >> 6) == 1)
		len += 1;
	else if ((modrm >> 6) == 2 || ((modrm >> 6) == 0 && (modrm & 7) == 5))
		len += 4;
	if (len > n)
		return 0;
	for (size_t j = i + 3; j < len; j++)
		if (p[j] && !(j == i + 3 && (modrm & 7) == 4))	/* SIB may be non-zero */
			return 0;
	return len;
}

static size_t a64_pad_len(const uint8_t *p, size_t n)
{
	static const uint8_t nop[4] = { 0x1f, 0x20, 0x03, 0xd5 };

	return n >= 4 && !memcmp(p, nop, 4) ? 4 : 0;
}

static const struct {
	enum obj_arch arch;
	size_t (*pad_len)(const uint8_t *p, size_t n);
} paddings[] = {
	{ ARCH_X86_64, x86_pad_len },
	{ ARCH_I386, x86_pad_len },
	{ ARCH_AARCH64, a64_pad_len },
};

static bool is_padding(enum obj_arch arch, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < sizeof(paddings) / sizeof(paddings[0]); i++)
		if (paddings[i].arch == arch)
			return paddings[i].pad_len(p, n) == n;
	return false;
}

/* ---- decoding a function -------------------------------------------------- */

static struct insn *push_insn(struct insn_list *l)
{
	if (l->nr == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 256;
		struct insn *v = realloc(l->v, cap * sizeof(*v));

		if (!v)
			return NULL;
		l->v = v;
		l->cap = cap;
	}
	memset(&l->v[l->nr], 0, sizeof(l->v[0]));
	return &l->v[l->nr++];
}

static void note_local_branch(const struct symbol *sym, const struct arch_insn *ai,
			      uint64_t addr, struct insn *in)
{
	const struct arch_ref *ref = &ai->ref;

	if (ref->kind != RK_BRANCH)
		return;
	if (ref->target < sym->offset || ref->target - sym->offset >= sym->size)
		return;
	if (obj_find_reloc(sym->sec, addr + ref->field))
		return;		/* relocated: compared as a relocation */
	in->local = true;
	in->target = ref->target - sym->offset;
}

/*
 * A function decoded as far as the comparison has read: a difference
 * found early leaves the rest of both functions undecoded.
 */
struct cursor {
	const struct symbol *sym;
	struct insn_list *l;
	uint64_t done;		/* bytes decoded */
	size_t next;		/* the list's next instruction to read */
	size_t index;		/* non-padding instructions decoded */
	bool bad;		/* bytes that do not decode: the end */
};

static void cursor_start(struct cursor *c, const struct symbol *sym, struct insn_list *l)
{
	*c = (struct cursor){ .sym = sym, .l = l };
	l->nr = 0;
}

/* Decodes c's next instruction onto its list: 1, or 0 at the end or at
 * bytes that do not decode (c->bad), or -1 when out of memory. */
static int decode_next(struct diff_disasm *d, struct cursor *c)
{
	const struct symbol *sym = c->sym;
	const uint8_t *code = sym->sec->data + sym->offset + c->done;
	uint64_t addr = sym->offset + c->done;
	const struct arch_ops *ops = d->dec.ops;
	struct arch_insn ai;
	unsigned size;
	struct insn *in;

	if (c->bad || c->done == sym->size)
		return 0;
	size = ops->decode(&d->dec, code, sym->size - c->done, addr, &ai);
	if (!size) {
		c->bad = true;
		return 0;
	}
	if (!(in = push_insn(c->l)))
		return -1;
	in->off = (uint32_t)c->done;
	in->size = (uint16_t)size;
	in->id = ai.id;
	in->pad = is_padding(ops->arch, code, size);
	in->index = c->index;
	c->index += !in->pad;
	note_local_branch(sym, &ai, addr, in);
	c->done += size;
	return 1;
}

/* The next non-padding instruction of c, decoding as needed: 1 with *out
 * (NULL at the end), -1 when out of memory.  *out stays valid until c
 * decodes again. */
static int next_insn(struct diff_disasm *d, struct cursor *c, const struct insn **out)
{
	for (;;) {
		int r;

		if (c->next < c->l->nr) {
			const struct insn *in = &c->l->v[c->next++];

			if (!in->pad) {
				*out = in;
				return 1;
			}
			continue;
		}
		if ((r = decode_next(d, c)) <= 0) {
			*out = NULL;
			return r;
		}
	}
}

/* The non-padding index of the instruction at off, or SIZE_MAX. */
static size_t index_at(const struct insn_list *l, uint64_t off)
{
	size_t lo = 0, hi = l->nr;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (l->v[mid].off < off)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < l->nr && l->v[lo].off == off && !l->v[lo].pad)
		return l->v[lo].index;
	return SIZE_MAX;
}

/* ---- comparing ------------------------------------------------------------------ */

struct insn_ref {
	const struct symbol *sym;
	const struct insn *in;
	struct reloc **relocs;
	size_t nr_relocs;
};

static void insn_ref(struct insn_ref *r, const struct symbol *sym, const struct insn *in)
{
	r->sym = sym;
	r->in = in;
	r->relocs = diff_relocs_in(sym->sec, sym->offset + in->off, in->size, &r->nr_relocs);
}

/* A single branch field that ends the instruction: short and near alike. */
static bool is_branch_field(const struct insn_ref *r)
{
	const struct reloc *rel = r->relocs[0];
	uint64_t end = rel->offset - r->sym->offset + rel->width;

	return r->nr_relocs == 1 && rel->kind == RK_BRANCH && end == r->in->off + r->in->size;
}

static bool masked_bytes_equal(const struct insn_ref *a, const struct insn_ref *b)
{
	const uint8_t *pa = a->sym->sec->data + a->sym->offset + a->in->off;
	const uint8_t *pb = b->sym->sec->data + b->sym->offset + b->in->off;

	for (size_t i = 0; i < a->in->size; i++) {
		uint64_t at = a->sym->offset + a->in->off + i;

		if (pa[i] != pb[i] && !obj_find_reloc(a->sym->sec, at) &&
		    !obj_find_reloc(b->sym->sec, b->sym->offset + b->in->off + i))
			return false;
	}
	return true;
}

static bool relocated_insns_equal(struct diff_ctx *ctx, const struct insn_ref *a,
				  const struct insn_ref *b)
{
	if (is_branch_field(a) && is_branch_field(b))
		return a->relocs[0]->kind == b->relocs[0]->kind &&
		       diff_reloc_targets_equal(ctx, a->relocs[0], b->relocs[0]);
	if (a->in->size != b->in->size || !masked_bytes_equal(a, b))
		return false;
	for (size_t i = 0; i < a->nr_relocs; i++) {
		const struct reloc *ra = a->relocs[i], *rb = b->relocs[i];

		if (ra->offset - a->sym->offset - a->in->off !=
		    rb->offset - b->sym->offset - b->in->off ||
		    ra->kind != rb->kind || ra->width != rb->width ||
		    !diff_reloc_targets_equal(ctx, ra, rb))
			return false;
	}
	return true;
}

/* Instructions other than branches inside the function. */
static bool insns_equal(struct diff_ctx *ctx, const struct symbol *sa, const struct insn *a,
			const struct symbol *sb, const struct insn *b)
{
	struct insn_ref ra, rb;

	insn_ref(&ra, sa, a);
	insn_ref(&rb, sb, b);
	if (ra.nr_relocs != rb.nr_relocs)
		return false;
	if (ra.nr_relocs)
		return relocated_insns_equal(ctx, &ra, &rb);
	return a->size == b->size && masked_bytes_equal(&ra, &rb);
}

/* Branches inside the functions, once both are decoded whole: to the
 * same instruction, counted without padding. */
static bool local_branches_equal(const struct insn_list *la, const struct insn_list *lb)
{
	size_t i = 0, j = 0;

	for (;; i++, j++) {
		while (i < la->nr && la->v[i].pad)
			i++;
		while (j < lb->nr && lb->v[j].pad)
			j++;
		if (i == la->nr || j == lb->nr)
			return true;	/* lists_equal() matched their lengths */
		if (la->v[i].local &&
		    (index_at(la, la->v[i].target) != index_at(lb, lb->v[j].target) ||
		     index_at(la, la->v[i].target) == SIZE_MAX))
			return false;
	}
}

/* Decodes o and n in step: 1 same, 0 different or undecodable, -1 out of
 * memory. */
static int lists_equal(struct diff_ctx *ctx, struct diff_disasm *d,
		       const struct symbol *o, const struct symbol *n)
{
	struct cursor c[2];

	cursor_start(&c[0], o, &d->list[0]);
	cursor_start(&c[1], n, &d->list[1]);
	for (;;) {
		const struct insn *a, *b;

		if (next_insn(d, &c[0], &a) < 0 || next_insn(d, &c[1], &b) < 0)
			return -1;
		if (c[0].bad || c[1].bad)
			return 0;
		if (!a || !b) {
			if (a || b)
				return 0;
			break;
		}
		if (a->id != b->id || a->local != b->local ||
		    (!a->local && !insns_equal(ctx, o, a, n, b)))
			return 0;
	}
	return local_branches_equal(&d->list[0], &d->list[1]);
}

static int disasm_open(struct diff_ctx *ctx)
{
	struct diff_disasm *d = calloc(1, sizeof(*d));

	if (!d)
		return ipbp_error(ctx->err, "out of memory");
	if (arch_decoder_open(ctx->side[0].obj, &d->dec, ctx->err) < 0) {
		free(d);
		return -1;
	}
	ctx->disasm = d;
	d->budget = 1u << 20;
	for (int s = 0; s < 2; s++) {
		struct section *sec;

		for_each_section(ctx->side[s].obj, sec)
			if (sec->kind == SEC_CODE && sec->size < (1ull << 40))
				d->budget += 4 * sec->size;
	}
	return 0;
}

static bool is_decodable(const struct symbol *sym)
{
	return sym->sec && sym->sec->data && sym->sec->kind == SEC_CODE &&
	       in_bounds(sym->sec->size, sym->offset, sym->size) && sym->size;
}

/*
 * Whether functions o and n are the same instruction by instruction.
 * Returns 1 same, 0 different or undecodable, -1 on error.
 */
int diff_insns_equal(struct diff_ctx *ctx, const struct symbol *o, const struct symbol *n)
{
	struct diff_disasm *d;

	if (!find_arch_ops(ctx->side[0].obj->arch) || !is_decodable(o) || !is_decodable(n))
		return 0;
	if (!ctx->disasm && disasm_open(ctx) < 0)
		return -1;
	d = ctx->disasm;
	if (o->size + n->size > d->budget)
		return 0;
	d->budget -= o->size + n->size;
	return lists_equal(ctx, d, o, n);
}

void diff_disasm_close(struct diff_disasm *d)
{
	if (!d)
		return;
	arch_decoder_close(&d->dec);
	free(d->list[0].v);
	free(d->list[1].v);
	free(d);
}
