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
	const uint8_t *start;	/* of the function */
	const uint8_t *code;
	size_t left;
	unsigned size;		/* of the instruction at code */
};

/* Decodes the next instruction of s; false at its end or undecodable bytes. */
static bool next_insn(const struct arch_decoder *dec, struct guess_side *s)
{
	struct arch_insn in;

	s->code += s->size;
	s->left -= s->size;
	s->size = s->left ? dec->ops->decode(dec, s->code, s->left, 0, &in) : 0;
	return s->size;
}

static bool is_code_symbol(const struct symbol *sym)
{
	return sym && sym->sec && sym->sec->data && sym->size &&
	       in_bounds(sym->sec->size, sym->offset, sym->size);
}

/* Compares the two functions instruction by instruction into g; true when
 * they differ only in displacements. */
static bool compare_code(const struct arch_decoder *dec, struct guess_side *a,
			 struct guess_side *b, struct type_guess *g)
{
	for (;;) {
		bool more_a = next_insn(dec, a), more_b = next_insn(dec, b);
		int64_t da, db;

		if (!more_a || !more_b)
			return !more_a && !more_b && !a->left && !b->left && g->nr_insns;
		if (a->size == b->size && !memcmp(a->code, b->code, a->size))
			continue;
		if (!dec->ops->disp_only(dec, a->code, a->size, b->code, b->size, &da, &db))
			return false;
		if (!g->nr_insns++) {
			g->offset = (uint64_t)(a->code - a->start);
			g->old_disp = da;
			g->new_disp = db;
		}
	}
}

/* Pair's changed function ds, decoded with dec: a guess into g when it
 * looks like a layout change. */
static bool guess_function(const struct arch_decoder *dec, const struct diff_symbol *ds,
			   struct type_guess *g)
{
	const struct symbol *o = ds->old, *n = ds->new;
	struct guess_side a, b;

	if (ds->status != DIFF_CHANGED || ds->kind != SYMK_FUNC || ds->reasons != DIFF_R_CODE ||
	    !is_code_symbol(o) || !is_code_symbol(n))
		return false;
	a = (struct guess_side){ .start = o->sec->data + o->offset, .left = o->size };
	b = (struct guess_side){ .start = n->sec->data + n->offset, .left = n->size };
	a.code = a.start;
	b.code = b.start;
	return compare_code(dec, &a, &b, g);
}

/* Adds a guess to rep for each patched function of in that looks like a
 * layout change, with one decoder for them all.  Architectures without a
 * decoder (Wasm) give no guesses. */
int types_guess(struct type_report *rep, const struct types_input *in, struct ipbp_err *err)
{
	const struct diff_pair *pair = in->pair;
	struct arch_decoder dec;
	struct ipbp_err ignored;
	int ret = 0;

	if (!find_arch_ops(pair->new->arch) || arch_decoder_open(pair->new, &dec, &ignored) < 0)
		return 0;
	for (size_t i = 0; ret == 0 && i < pair->nr_syms; i++) {
		const struct diff_symbol *ds = &pair->syms[i];
		struct type_guess g = { .function = ds->name, .old_name = pair->old_name,
					.new_name = pair->new_name };

		if (!types_is_patched(in, i) || !guess_function(&dec, ds, &g))
			continue;
		if (array_grow((void **)&rep->guesses, &rep->cap_guesses, rep->nr_guesses + 1,
			       sizeof(g)) < 0)
			ret = ipbp_error(err, "out of memory");
		else
			rep->guesses[rep->nr_guesses++] = g;
	}
	arch_decoder_close(&dec);
	return ret;
}
