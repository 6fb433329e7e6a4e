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

/* Adds a guess to rep when pair's changed function ds looks like a layout
 * change.  Architectures without a decoder (Wasm) give no guesses. */
int types_guess(struct type_report *rep, const struct diff_pair *pair,
		const struct diff_symbol *ds, struct ipbp_err *err)
{
	const struct symbol *o = ds->old, *n = ds->new;
	const struct arch_ops *ops;
	struct type_guess g = { .function = ds->name, .old_name = pair->old_name,
				.new_name = pair->new_name };
	struct guess_side a = { 0 }, b = { 0 };
	struct ipbp_err ignored;
	bool found;
	csh cs;

	if (ds->status != DIFF_CHANGED || ds->kind != SYMK_FUNC || ds->reasons != DIFF_R_CODE ||
	    !is_code_symbol(o) || !is_code_symbol(n) || !find_arch_ops(pair->new->arch) ||
	    arch_disasm_open(pair->new, &cs, &ops, &ignored) < 0)
		return 0;
	a.code = o->sec->data + o->offset;
	a.left = o->size;
	b.code = n->sec->data + n->offset;
	b.left = n->size;
	a.insn = cs_malloc(cs);
	b.insn = cs_malloc(cs);
	found = a.insn && b.insn && compare_code(cs, ops, &a, &b, &g);
	if (a.insn)
		cs_free(a.insn, 1);
	if (b.insn)
		cs_free(b.insn, 1);
	cs_close(&cs);
	if (!found)
		return 0;
	if (array_grow((void **)&rep->guesses, &rep->cap_guesses, rep->nr_guesses + 1,
		       sizeof(g)) < 0)
		return ipbp_error(err, "out of memory");
	rep->guesses[rep->nr_guesses++] = g;
	return 0;
}
