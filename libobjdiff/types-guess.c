// SPDX-License-Identifier: MIT
/*
 * types-guess.c - without debug info, a guess at layout changes from code.
 *
 * A member that moved changes the displacement of every access to it and
 * nothing else, so a changed function whose instructions pair up one to
 * one, each pair equal but for the displacement of a memory operand (not
 * RIP-relative, whose displacement is a relocation field), is reported as
 * a probable layout change.  An edit that reads another member looks the
 * same, which is why this is a guess that warns, not a refusal.
 */
#include <stdlib.h>
#include <string.h>

#include "arch.h"
#include "types-int.h"

struct guess_side {
	const uint8_t *code;
	size_t left;
	uint64_t addr;
	cs_insn *insn;
};

static bool next_insn(csh cs, struct guess_side *s)
{
	return s->left && cs_disasm_iter(cs, &s->code, &s->left, &s->addr, s->insn);
}

static bool is_code_symbol(const struct symbol *sym)
{
	return sym && sym->sec && sym->sec->data && sym->size &&
	       in_bounds(sym->sec->size, sym->offset, sym->size);
}

/* Compares the two functions instruction by instruction into g; true when
 * they differ only in displacements. */
static bool compare_code(csh cs, const struct arch_ops *ops, struct guess_side *a,
			 struct guess_side *b, struct type_guess *g)
{
	for (;;) {
		bool more_a = next_insn(cs, a), more_b = next_insn(cs, b);
		int64_t da, db;

		if (!more_a || !more_b)
			return !more_a && !more_b && !a->left && !b->left && g->nr_insns;
		if (a->insn->size == b->insn->size &&
		    !memcmp(a->insn->bytes, b->insn->bytes, a->insn->size))
			continue;
		if (!ops->disp_only(a->insn, b->insn, &da, &db))
			return false;
		if (!g->nr_insns++) {
			g->offset = a->insn->address;
			g->old_disp = da;
			g->new_disp = db;
		}
	}
}

/* Pair's changed function ds, decoded with cs and its two buffers: a
 * guess into g when it looks like a layout change. */
static bool guess_function(csh cs, const struct arch_ops *ops, cs_insn *insns[2],
			   const struct diff_symbol *ds, struct type_guess *g)
{
	const struct symbol *o = ds->old, *n = ds->new;
	struct guess_side a = { .insn = insns[0] }, b = { .insn = insns[1] };

	if (ds->status != DIFF_CHANGED || ds->kind != SYMK_FUNC || ds->reasons != DIFF_R_CODE ||
	    !is_code_symbol(o) || !is_code_symbol(n))
		return false;
	a.code = o->sec->data + o->offset;
	a.left = o->size;
	b.code = n->sec->data + n->offset;
	b.left = n->size;
	return compare_code(cs, ops, &a, &b, g);
}

/* Adds a guess to rep for each patched function of in that looks like a
 * layout change, with one decoder for them all.  Architectures without a
 * decoder (Wasm) give no guesses. */
int types_guess(struct type_report *rep, const struct types_input *in, struct ipbp_err *err)
{
	const struct diff_pair *pair = in->pair;
	const struct arch_ops *ops;
	struct ipbp_err ignored;
	cs_insn *insns[2] = { NULL, NULL };
	int ret = 0;
	csh cs;

	if (!find_arch_ops(pair->new->arch) || arch_disasm_open(pair->new, &cs, &ops, &ignored) < 0)
		return 0;
	if (!(insns[0] = cs_malloc(cs)) || !(insns[1] = cs_malloc(cs)))
		ret = ipbp_error(err, "out of memory");
	for (size_t i = 0; ret == 0 && i < pair->nr_syms; i++) {
		const struct diff_symbol *ds = &pair->syms[i];
		struct type_guess g = { .function = ds->name, .old_name = pair->old_name,
					.new_name = pair->new_name };

		if (!types_is_patched(in, i) || !guess_function(cs, ops, insns, ds, &g))
			continue;
		if (array_grow((void **)&rep->guesses, &rep->cap_guesses, rep->nr_guesses + 1,
			       sizeof(g)) < 0)
			ret = ipbp_error(err, "out of memory");
		else
			rep->guesses[rep->nr_guesses++] = g;
	}
	for (int k = 0; k < 2; k++)
		if (insns[k])
			cs_free(insns[k], 1);
	cs_close(&cs);
	return ret;
}
