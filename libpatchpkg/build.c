// SPDX-License-Identifier: MIT
/*
 * build.c - mkpatch_build(): the passes in order (mkpatch.h), the
 * selection of what the stream names, and the checks on existing storage.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mkpatch-int.h"
#include "util-int.h"
#include "types.h"

int mk_oom(struct mk_ctx *ctx)
{
	return ipbp_error(ctx->err, "out of memory");
}

void *mk_grow(void *p, size_t *cap, size_t need, size_t elem)
{
	return array_grow(&p, cap, need, elem) < 0 ? NULL : p;
}

int mk_keep(struct mk_ctx *ctx, char *s)
{
	char **v = realloc(ctx->kept, (ctx->nr_kept + 1) * sizeof(*v));

	if (!v) {
		free(s);
		return -1;
	}
	ctx->kept = v;
	v[ctx->nr_kept++] = s;
	return 0;
}

/* Records a problem like tmpl (refusal, note, code) with the message fmt;
 * one message per symbol and kind.  Returns 0, or -1 when out of memory. */
static int add_problem(struct mk_ctx *ctx, const struct mkpatch_problem *tmpl,
		       const char *symbol, const char *fmt, va_list ap)
{
	struct mkpatch_result *res = ctx->res;
	struct mkpatch_problem *p;
	char *msg;

	for (size_t i = 0; i < res->nr_problems; i++)
		if (symbol && res->problems[i].symbol && !strcmp(res->problems[i].symbol, symbol) &&
		    res->problems[i].refusal == tmpl->refusal && res->problems[i].code == tmpl->code)
			return 0;
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	p = realloc(res->problems, (res->nr_problems + 1) * sizeof(*p));
	if (!msg || !p) {
		free(msg);
		if (p)
			res->problems = p;
		return mk_oom(ctx);
	}
	res->problems = p;
	p += res->nr_problems++;
	*p = *tmpl;
	p->symbol = symbol ? strdup(symbol) : NULL;
	p->message = msg;
	if (p->refusal)
		res->nr_refusals++;
	if (symbol && !p->symbol)
		return mk_oom(ctx);
	return 0;
}

/* Records a refusal or a warning.  A refusal under --force is a warning
 * that says so.  Returns 0, or -1 when out of memory. */
int mk_problem(struct mk_ctx *ctx, bool refusal, const char *symbol, const char *fmt, ...)
{
	struct mkpatch_problem tmpl = { .refusal = refusal };
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = add_problem(ctx, &tmpl, symbol, fmt, ap);
	va_end(ap);
	return ret;
}

/* A warning with its own manifest code, or (code 0) a note: printed, not
 * recorded. */
static int mk_remark(struct mk_ctx *ctx, unsigned code, const char *symbol, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int mk_remark(struct mk_ctx *ctx, unsigned code, const char *symbol, const char *fmt, ...)
{
	struct mkpatch_problem tmpl = { .note = !code, .code = code };
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = add_problem(ctx, &tmpl, symbol, fmt, ap);
	va_end(ap);
	return ret;
}

/*
 * A function-scope static: a local data object whose name carries the
 * compiler's suffix (gcc "count.1", clang "func.count").
 */
bool is_static_local(const struct symbol *sym)
{
	return sym->bind == BIND_LOCAL && (sym->kind == SYMK_DATA || sym->kind == SYMK_TLS) &&
	       !(sym->flags & SYMF_TEMP) && strchr(sym->name, '.') && sym->name[0] != '.';
}

/* Storage whose running value is state: writable data, bss, TLS (not
 * relocated read-only data, which the loader writes once). */
bool is_writable_storage(const struct symbol *sym)
{
	const struct section *sec = sym->sec;

	if (sym->kind == SYMK_TLS || (sym->flags & SYMF_COMMON))
		return true;
	if (!sec)
		return false;
	return sec->kind == SEC_DATA || sec->kind == SEC_BSS ||
	       sec->kind == SEC_TLS_DATA || sec->kind == SEC_TLS_BSS;
}

/* ---- setup ------------------------------------------------------------- */

static int setup_input(struct mk_ctx *ctx, struct pinput *in, const struct mkpatch_input *src)
{
	const struct diff_pair *pair = src->pair;

	in->pair = pair;
	in->select = src->select;
	in->old = pair->old;
	in->new = pair->new;
	if (!in->old || !in->new)
		return ipbp_error(ctx->err, "%s: only one side has this object: adding or "
				  "removing whole objects is not supported",
				  pair->old ? pair->old_name : pair->new_name);
	in->by_new = calloc(in->new->nr_symbols + 1, sizeof(*in->by_new));
	in->sym_chunk = calloc(in->new->nr_symbols + 1, sizeof(*in->sym_chunk));
	in->sec_chunk = calloc(in->new->nr_sections + 1, sizeof(*in->sec_chunk));
	in->old_seen = calloc(in->old->nr_symbols + 1, 1);
	if (!in->by_new || !in->sym_chunk || !in->sec_chunk || !in->old_seen)
		return mk_oom(ctx);
	if (mk_object_file(ctx, in->old, &in->old_file) < 0 ||
	    mk_object_file(ctx, in->new, &in->new_file) < 0)
		return -1;
	for (size_t i = 0; i < pair->nr_syms; i++) {
		const struct diff_symbol *ds = &pair->syms[i];

		if (ds->new)
			in->by_new[ds->new->index] = ds;
	}
	return 0;
}

/* The patch's format and architecture, those of the first pair. */
static int mk_set_format(struct mk_ctx *ctx, const struct diff_pair *pair)
{
	const struct obj *o = pair->new ? pair->new : pair->old;

	ctx->format = o->format;
	if (!image_format_supported(o->format, o->arch))
		return ipbp_error(ctx->err, "%s: %s %s patches are not supported yet",
				  pair->new_name, obj_format_name(o->format), obj_arch_name(o->arch));
	ctx->arch = patch_arch_find(o->arch);
	if (!ctx->arch)
		return ipbp_error(ctx->err, "%s: %s patches are not supported yet",
				  pair->new_name, obj_arch_name(o->arch));
	return 0;
}

/* Whether src selects some code or data for the patch. */
static bool selects_anything(const struct mkpatch_input *src)
{
	if (!src->select)
		return src->pair->nr_changed || src->pair->nr_added;
	for (size_t i = 0; i < src->select->nr_syms; i++)
		if (src->select->syms[i].status == DIFF_CHANGED ||
		    src->select->syms[i].status == DIFF_ADDED)
			return true;
	return false;
}

/* With --target: one note for the pairs left out because the program does
 * not link their old object (mkpatch_target_links()); an error when that
 * leaves nothing. */
static int report_unlinked(struct mk_ctx *ctx, const char *first, size_t n)
{
	const char *target = ctx->opts->target;

	if (!ctx->nr_inputs && n == 1)
		return ipbp_error(ctx->err, "nothing to patch: %s is not linked into %s", first,
				  target);
	if (!ctx->nr_inputs)
		return ipbp_error(ctx->err, "nothing to patch: none of the objects is linked "
				  "into %s", target);
	if (n == 1)
		return mk_remark(ctx, 0, NULL, "%s: not linked into %s: left out", first, target);
	if (n > 1)
		return mk_remark(ctx, 0, NULL, "%s and %zu other object%s: not linked into %s: "
				 "left out", first, n - 1, n > 2 ? "s" : "", target);
	return 0;
}

static int mk_setup(struct mk_ctx *ctx, const struct mkpatch_input *inputs, size_t nr)
{
	const char *unlinked = NULL;
	size_t nr_unlinked = 0;

	if (!nr)
		return ipbp_error(ctx->err, "nothing to patch: no object pair");
	ctx->inputs = calloc(nr, sizeof(*ctx->inputs));
	if (!ctx->inputs)
		return mk_oom(ctx);
	if (mk_set_format(ctx, inputs[0].pair) < 0 ||
	    (ctx->opts->target && mkpatch_open_target(ctx) < 0))
		return -1;
	for (size_t i = 0; i < nr; i++) {
		const struct diff_pair *pair = inputs[i].pair;
		struct obj *o = pair->new ? pair->new : pair->old;

		if (o->format != ctx->format || o->arch != ctx->arch->arch)
			return ipbp_error(ctx->err, "%s: %s %s object in a patch of %s %s objects",
					  pair->new_name, obj_format_name(o->format),
					  obj_arch_name(o->arch), obj_format_name(ctx->format),
					  obj_arch_name(ctx->arch->arch));
		if (ctx->opts->target && pair->old && !mkpatch_target_links(ctx, pair->old)) {
			if (selects_anything(&inputs[i]) && !nr_unlinked++)
				unlinked = pair->old_name;
			continue;
		}
		if (setup_input(ctx, &ctx->inputs[ctx->nr_inputs++], &inputs[i]) < 0)
			return -1;
	}
	return report_unlinked(ctx, unlinked, nr_unlinked);
}

/* ---- selection ------------------------------------------------------------ */

/* The diff entry a stream line names: through the new object's symbol
 * table (a hash lookup), not a walk over every entry. */
static const struct diff_symbol *find_entry(const struct pinput *in,
					    const struct stream_symbol *ss)
{
	for (const struct symbol *s = obj_find_symbol(in->new, ss->name); s; s = s->hash_next) {
		const struct diff_symbol *ds = in->by_new[s->index];

		if (ds && ds->new == s && ds->status == ss->status && ds->kind == ss->kind &&
		    !strcmp(ds->name, ss->name))
			return ds;
	}
	return NULL;
}

/* Chooses what ".cold"/".part" pieces of a new function name: NAME.cold,
 * NAME.cold.N, NAME.part.N, NAME.part.N.cold... */
static bool is_part_of(const char *part, const char *name)
{
	size_t n = strlen(name);

	if (strncmp(part, name, n) || part[n] != '.')
		return false;
	part += n + 1;
	return !strncmp(part, "cold", 4) || !strncmp(part, "part.", 5);
}

static int add_parts(struct mk_ctx *ctx, uint32_t input, const struct symbol *fn)
{
	struct obj *obj = ctx->inputs[input].new;
	struct symbol *s;

	for_each_symbol(obj, s) {
		if (s->kind != SYMK_FUNC || !is_defined(s) || !s->sec || s == fn ||
		    ctx->inputs[input].sym_chunk[s->index] || !is_part_of(s->name, fn->name))
			continue;
		if (mk_add_chunk(ctx, input, s->sec, s->offset, s->size, s, NULL, ROLE_PART, NULL) < 0)
			return -1;
	}
	return 0;
}

static int select_function(struct mk_ctx *ctx, uint32_t input, const struct diff_symbol *ds)
{
	const struct symbol *s = ds->new;

	if (!s->sec || !is_code_section(s->sec))
		return mk_problem(ctx, true, ds->name, "not code in %s",
				  ctx->inputs[input].pair->new_name);
	if (ctx->inputs[input].sym_chunk[s->index])
		return 0;
	if (mk_add_chunk(ctx, input, s->sec, s->offset, s->size, s, ds,
			 ds->old ? ROLE_REPLACED : ROLE_ADDED, NULL) < 0)
		return -1;
	return add_parts(ctx, input, s);
}

/* Every function of the new object that refers to data. */
static int select_readers(struct mk_ctx *ctx, uint32_t input, const struct symbol *data)
{
	const struct pinput *in = &ctx->inputs[input];
	struct reloc *r;

	for_each_reloc(in->new, r) {
		const struct symbol *fn;
		const struct diff_symbol *ds;

		if (r->target != data || !is_code_section(r->sec))
			continue;
		fn = obj_find_symbol_covering(r->sec, r->offset);
		ds = fn ? in->by_new[fn->index] : NULL;
		if (ds && ds->kind == SYMK_FUNC && ds->new == fn && select_function(ctx, input, ds) < 0)
			return -1;
	}
	return 0;
}

/* A "~" or "+" data line: existing storage is never redefined. */
static int select_data(struct mk_ctx *ctx, uint32_t input, const struct diff_symbol *ds)
{
	const struct symbol *n = ds->new, *o = ds->old;

	if (ds->kind == SYMK_TLS && !o)
		return mk_problem(ctx, true, ds->name, "new thread-local variable: its "
				  "storage cannot be added to running threads");
	if (!o) {
		if (ctx->inputs[input].sym_chunk[n->index])
			return 0;
		return mk_add_chunk(ctx, input, n->sec, n->offset, n->size, n, ds, ROLE_ADDED, NULL);
	}
	if (is_writable_storage(o) || is_writable_storage(n)) {
		if (o->size != n->size)
			return mk_problem(ctx, true, ds->name, "existing data object changed size "
					  "(%llu -> %llu)", (unsigned long long)o->size,
					  (unsigned long long)n->size);
		if (ds->reasons & (DIFF_R_DATA | DIFF_R_RELOCS))
			return mk_problem(ctx, false, ds->name, "initializer changed: the running "
					  "value is kept");
		return 0;
	}
	/* Changed read-only data: a new copy, and the functions that read it
	 * replaced to read that copy (to objdiff they did not change). */
	if (!ctx->inputs[input].sym_chunk[n->index] &&
	    mk_add_chunk(ctx, input, n->sec, n->offset, n->size, n, ds, ROLE_COPY, NULL) < 0)
		return -1;
	return select_readers(ctx, input, n);
}

static int select_symbol(struct mk_ctx *ctx, uint32_t input, const struct stream_symbol *ss)
{
	const struct pinput *in = &ctx->inputs[input];
	const struct diff_symbol *ds;

	if (ss->status != DIFF_CHANGED && ss->status != DIFF_ADDED)
		return 0;
	ds = find_entry(in, ss);
	if (!ds || !ds->new)
		return mk_problem(ctx, true, ss->name, "the stream names %s %s, which %s does not "
				  "have (line %u)", ss->status == DIFF_ADDED ? "added" : "changed",
				  symbol_kind_name(ss->kind), in->pair->new_name, ss->line);
	if (ds->kind == SYMK_FUNC)
		return select_function(ctx, input, ds);
	return select_data(ctx, input, ds);
}

static int mkpatch_select(struct mk_ctx *ctx)
{
	for (uint32_t i = 0; i < ctx->nr_inputs; i++) {
		const struct pinput *in = &ctx->inputs[i];

		if (in->select) {
			for (size_t k = 0; k < in->select->nr_syms; k++)
				if (select_symbol(ctx, i, &in->select->syms[k]) < 0)
					return -1;
			continue;
		}
		for (size_t k = 0; k < in->pair->nr_syms; k++) {
			const struct diff_symbol *ds = &in->pair->syms[k];
			struct stream_symbol ss = {
				.status = ds->status, .kind = ds->kind, .name = (char *)ds->name,
			};

			if (select_symbol(ctx, i, &ss) < 0)
				return -1;
		}
	}
	return 0;
}

/* ---- static locals ------------------------------------------------------- */

/* True when some relocation of [start, start + size) of sec targets sym. */
static bool references(const struct section *sec, uint64_t start, uint64_t size,
		       const struct symbol *sym)
{
	for (size_t i = obj_first_reloc(sec, start); i < sec->nr_relocs; i++) {
		const struct reloc *r = sec->relocs[i];

		if (r->offset >= start + size)
			break;
		if (r->target == sym || r->sym == sym)
			return true;
	}
	return false;
}

/* The new twin of an old symbol, through the diff's entries. */
static const struct symbol *new_twin(const struct diff_pair *pair, const struct symbol *old)
{
	for (size_t i = 0; i < pair->nr_syms; i++)
		if (pair->syms[i].old == old)
			return pair->syms[i].new;
	return NULL;
}

/*
 * kpatch's rule: every static local an old function used must still be
 * used by the new one (or its parts), else the running state it held is
 * silently dropped.
 */
static int check_static_locals(struct mk_ctx *ctx, const struct chunk *c)
{
	const struct pinput *in = &ctx->inputs[c->input];
	const struct symbol *of = c->ds->old;
	const struct section *os = of->sec;

	for (size_t i = obj_first_reloc(os, of->offset); i < os->nr_relocs; i++) {
		const struct reloc *r = os->relocs[i];
		const struct symbol *t = r->target, *nt;
		bool found = false;

		if (r->offset >= of->offset + of->size)
			break;
		if (!t || !is_static_local(t))
			continue;
		nt = new_twin(in->pair, t);
		for (size_t k = 0; nt && k < ctx->nr_chunks && !found; k++) {
			const struct chunk *p = &ctx->chunks[k];

			if (p->input == c->input && (p == c || p->role == ROLE_PART))
				found = references(p->sec, p->start, p->size, nt);
		}
		if (!found && mk_problem(ctx, true, c->ds->name, "reference to static local %s "
					 "removed: its running value would be lost", t->name) < 0)
			return -1;
	}
	return 0;
}

static int mkpatch_check_data(struct mk_ctx *ctx)
{
	size_t nr = ctx->nr_chunks;

	for (size_t i = 0; i < nr; i++) {
		const struct chunk *c = &ctx->chunks[i];

		if (c->role == ROLE_REPLACED && check_static_locals(ctx, c) < 0)
			return -1;
	}
	return 0;
}

/* ---- unwinding ---------------------------------------------------------------- */

/* C++ code: its functions have mangled names or it uses the C++ runtime's
 * personality routine (through .eh_frame). */
static bool is_cxx_object(const struct obj *obj)
{
	for (size_t i = 0; i < obj->nr_symbols; i++) {
		const char *n = obj->symbols[i]->name;

		if (n && n[0] == '_' && (n[1] == 'Z' || !strcmp(n, "__gxx_personality_v0")))
			return true;
	}
	return false;
}

/*
 * The patch carries no unwind tables (.eh_frame) for its code, and the
 * process's unwinder would not find them if it did: it looks through the
 * modules the dynamic linker loaded.  A C++ exception that unwinds through
 * the new code finds no description of its frame there and ends the
 * process (std::terminate).  C has no exceptions (a backtrace stops at the
 * new code), so only code from C++ objects is warned about, once.
 */
static int mkpatch_check_unwinding(struct mk_ctx *ctx)
{
	for (size_t in = 0; in < ctx->nr_inputs; in++) {
		if (!is_cxx_object(ctx->inputs[in].new))
			continue;
		for (size_t i = 0; i < ctx->nr_chunks; i++) {
			const struct chunk *c = &ctx->chunks[i];

			if (c->input != in || c->psec != PS_TEXT)
				continue;
			return mk_remark(ctx, MW_NOTE, c->sym ? c->sym->name : NULL,
					 "C++ code: an exception that unwinds through the new "
					 "code ends the process (std::terminate): the patch "
					 "registers no unwind tables yet");
		}
	}
	return 0;
}

/* ---- type layouts ------------------------------------------------------------- */

static int report_types(struct mk_ctx *ctx, const struct type_report *rep)
{
	size_t n = rep->nr_no_debug;

	/* One note, not one per member of a stripped library. */
	if (n == 1 && mk_remark(ctx, 0, NULL, "%s: no debug info: type layouts are only "
				"guessed from the code", rep->no_debug[0]) < 0)
		return -1;
	if (n > 1 && mk_remark(ctx, 0, NULL, "%s and %zu other object%s: no debug info: type "
			       "layouts are only guessed from the code", rep->no_debug[0],
			       n - 1, n > 2 ? "s" : "") < 0)
		return -1;
	for (size_t i = 0; i < rep->nr_changes; i++) {
		char *msg;

		if (!rep->changes[i].unsafe)
			continue;
		if (!(msg = type_change_message(&rep->changes[i])))
			return mk_oom(ctx);
		if (mk_problem(ctx, true, NULL, "%s", msg) < 0) {
			free(msg);
			return -1;
		}
		free(msg);
	}
	for (size_t i = 0; i < rep->nr_guesses; i++) {
		const struct type_guess *g = &rep->guesses[i];

		if (mk_remark(ctx, MW_LAYOUT, g->function, "probable layout change: only memory "
			      "displacements differ (%#llx -> %#llx at +%#llx)",
			      (unsigned long long)g->old_disp, (unsigned long long)g->new_disp,
			      (unsigned long long)g->offset) < 0)
			return -1;
	}
	return 0;
}

/* Types whose layout changed under the patched functions (types.h): the
 * inputs, with the chunks they patch, and the pairs left alone. */
static int mkpatch_check_types(struct mk_ctx *ctx)
{
	size_t nr = ctx->nr_inputs + ctx->opts->nr_context, total = 0, at = 0;
	struct types_input *in = calloc(nr + 1, sizeof(*in));
	struct type_report rep;
	bool *flags = NULL;
	int ret = -1;

	for (size_t i = 0; i < nr && in; i++) {
		in[i].pair = i < ctx->nr_inputs ? ctx->inputs[i].pair :
			     ctx->opts->context[i - ctx->nr_inputs];
		total += in[i].pair->nr_syms;
	}
	if (!in || !(flags = calloc(total + 1, sizeof(*flags)))) {
		free(in);
		return mk_oom(ctx);
	}
	for (size_t i = 0; i < nr; i++) {
		in[i].patched = flags + at;
		at += in[i].pair->nr_syms;
	}
	for (size_t i = 0; i < ctx->nr_chunks; i++) {
		const struct chunk *c = &ctx->chunks[i];

		if (c->ds && (c->role == ROLE_REPLACED || c->role == ROLE_ADDED))
			flags[in[c->input].patched - flags + (c->ds - in[c->input].pair->syms)] = true;
	}
	if (types_check(&rep, in, nr, ctx->err) == 0) {
		ret = report_types(ctx, &rep);
		type_report_release(&rep);
	}
	free(flags);
	free(in);
	return ret;
}

/* ---- driver ----------------------------------------------------------------- */

static void mk_release(struct mk_ctx *ctx)
{
	for (size_t i = 0; i < ctx->nr_inputs; i++) {
		free(ctx->inputs[i].by_new);
		free(ctx->inputs[i].sym_chunk);
		free(ctx->inputs[i].sec_chunk);
		free(ctx->inputs[i].old_seen);
	}
	free(ctx->inputs);
	for (size_t i = 0; i < ctx->nr_chunks; i++)
		free(ctx->chunks[i].masks);
	free(ctx->chunks);
	free(ctx->fixups);
	free(ctx->imports);
	free(ctx->import_hash);
	free(ctx->stubs);
	free(ctx->man.funcs);
	free(ctx->man.added);
	free(ctx->man.imports);
	free(ctx->man.relocs);
	free(ctx->man.warnings);
	free(ctx->man.masks);
	image_release(&ctx->img);
	for (size_t i = 0; i < ctx->nr_kept; i++)
		free(ctx->kept[i]);
	free(ctx->kept);
	mkpatch_close_target(ctx);
}

static bool has_content(const struct mk_ctx *ctx)
{
	for (size_t i = 0; i < ctx->nr_chunks; i++)
		if (ctx->chunks[i].role == ROLE_REPLACED || ctx->chunks[i].role == ROLE_ADDED)
			return true;
	return false;
}

static int refused(struct mk_ctx *ctx)
{
	size_t n = ctx->res->nr_refusals;

	if (!n || ctx->opts->force)
		return 0;
	return ipbp_error(ctx->err, "refusing to build the patch: %zu problem%s", n,
			  n == 1 ? "" : "s");
}

int mkpatch_build(struct mkpatch_result *res, const struct mkpatch_input *inputs,
		  size_t nr_inputs, const struct mkpatch_opts *opts, struct ipbp_err *err)
{
	static const struct mkpatch_opts no_opts;
	struct mk_ctx ctx = { .opts = opts ? opts : &no_opts, .res = res, .err = err };
	int ret = -1;

	memset(res, 0, sizeof(*res));
	image_init(&ctx.img, FORMAT_ELF, ARCH_UNKNOWN);
	if (mk_setup(&ctx, inputs, nr_inputs) < 0)
		goto out;

	/* What the stream names, and what that means for existing storage. */
	if (mkpatch_select(&ctx) < 0 || mkpatch_check_data(&ctx) < 0 ||
	    mkpatch_check_types(&ctx) < 0)
		goto out;

	/* Everything the selected code refers to. */
	if (mkpatch_include(&ctx) < 0 || refused(&ctx) < 0 ||
	    mkpatch_check_unwinding(&ctx) < 0)
		goto out;
	if (!has_content(&ctx)) {
		const char *src = ctx.opts->source;

		ipbp_error(err, "%s%snothing to patch: nothing the selection names needs new "
			   "code or storage", src ? src : "", src ? ": " : "");
		goto out;
	}
	if (ctx.opts->target && (mkpatch_check_target(&ctx) < 0 || refused(&ctx) < 0))
		goto out;

	/* The container. */
	if (mkpatch_layout(&ctx) < 0 || mkpatch_emit(&ctx) < 0)
		goto out;
	ret = 0;
out:
	if (ret < 0) {
		free(res->data);
		res->data = NULL;
		res->size = 0;
	}
	mk_release(&ctx);
	return ret;
}

void mkpatch_result_release(struct mkpatch_result *res)
{
	for (size_t i = 0; i < res->nr_problems; i++) {
		free(res->problems[i].symbol);
		free(res->problems[i].message);
	}
	free(res->problems);
	free(res->data);
	memset(res, 0, sizeof(*res));
}
