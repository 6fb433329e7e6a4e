// SPDX-License-Identifier: MIT
/*
 * include.c - mkpatch_include(): the closure over the references of the
 * selected code (DESIGN.md §6).  For every relocation of every chunk,
 * decide where its target is:
 *
 *   in the patch     selected code, its parts, new data, read-only data
 *                    and strings (copied: they have no state)
 *   in the process   unchanged code, existing storage (globals, statics,
 *                    static locals, TLS): an import the loader binds, so
 *                    the process keeps its state; the address of a
 *                    replaced function too (pointers keep comparing equal:
 *                    its old entry jumps to the new code)
 *
 * Calls into the process go through a stub and a slot of the patch (its
 * PLT and GOT: a library is out of reach of a 32-bit displacement), GOT
 * loads through a slot, initial-exec TLS through a slot of its TP offset.
 */
#include <stdlib.h>
#include <string.h>

#include "graph.h"
#include "mkpatch-int.h"

struct dest {
	enum fixup_to to;
	struct place place;
	uint32_t import;
};

/* ---- chunks --------------------------------------------------------------- */

static int psec_of(const struct section *sec, enum psec *out)
{
	switch (sec->kind) {
	case SEC_CODE:
		*out = PS_TEXT;
		return 0;
	case SEC_BSS:
		*out = PS_BSS;
		return 0;
	case SEC_DATA:
		*out = PS_DATA;
		return 0;
	case SEC_RODATA:
	case SEC_STRINGS:
		*out = (sec->flags & SECF_WRITE) ? PS_DATA : PS_RODATA;
		return 0;
	default:
		return -1;	/* the caller says which */
	}
}

/* The alignment a piece at start of sec is sure to have. */
static uint64_t chunk_align(const struct section *sec, uint64_t start)
{
	uint64_t a = sec->align ? sec->align : 1;

	while (start & (a - 1))
		a >>= 1;
	return a;
}

int mk_add_chunk(struct mk_ctx *ctx, uint32_t input, const struct section *sec,
		 uint64_t start, uint64_t size, const struct symbol *sym,
		 const struct diff_symbol *ds, enum chunk_role role, uint32_t *index)
{
	struct pinput *in = &ctx->inputs[input];
	struct chunk *c;
	enum psec ps = PS_TEXT;
	uint64_t a;

	if (psec_of(sec, &ps) < 0)
		return ipbp_error(ctx->err, "%s: %s: section %s (%s) cannot be copied into a "
				  "patch", in->pair->new_name, sym ? sym->name : sec->name,
				  sec->name, section_kind_name(sec->kind));
	if (!in_bounds(sec->size, start, size))
		return ipbp_error(ctx->err, "%s: %s extends past its section", in->pair->new_name,
				  sym ? sym->name : sec->name);
	ctx->chunks = mk_grow(ctx->chunks, &ctx->cap_chunks, ctx->nr_chunks + 1, sizeof(*c));
	if (!ctx->chunks)
		return mk_oom(ctx);
	c = &ctx->chunks[ctx->nr_chunks];
	a = chunk_align(sec, start);
	*c = (struct chunk){
		.input = input, .sec = sec, .start = start, .size = size, .sym = sym,
		.ds = ds, .role = role, .psec = ps,
		.off = (ctx->size[ps] + a - 1) & ~(a - 1),
	};
	ctx->size[ps] = c->off + size;
	if (a > ctx->align[ps])
		ctx->align[ps] = a;
	if (sym)
		in->sym_chunk[sym->index] = (uint32_t)ctx->nr_chunks + 1;
	else
		in->sec_chunk[sec->index] = (uint32_t)ctx->nr_chunks + 1;
	if (index)
		*index = (uint32_t)ctx->nr_chunks;
	ctx->nr_chunks++;
	return 0;
}

static const char *chunk_name(const struct chunk *c)
{
	return c->sym ? c->sym->name : c->sec->name;
}

static struct place place_in_chunk(const struct chunk *c, uint64_t offset)
{
	return (struct place){ c->psec, c->off + (offset - c->start) };
}

/* Room for n bytes in a patch section (slots, stubs). */
static struct place reserve(struct mk_ctx *ctx, enum psec ps, uint64_t n, uint64_t align)
{
	struct place p = { ps, (ctx->size[ps] + align - 1) & ~(align - 1) };

	ctx->size[ps] = p.off + n;
	if (align > ctx->align[ps])
		ctx->align[ps] = align;
	return p;
}

/* ---- imports ---------------------------------------------------------------- */

static uint64_t hash_name(const char *name, const char *file)
{
	uint64_t h = 1469598103934665603ull;

	for (const char *s = name; *s; s++)
		h = (h ^ (uint8_t)*s) * 1099511628211ull;
	for (const char *s = file ? file : ""; *s; s++)
		h = (h ^ (uint8_t)*s) * 1099511628211ull;
	return h;
}

static bool same_str(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

static int rehash_imports(struct mk_ctx *ctx)
{
	size_t n = ctx->import_hash_size ? ctx->import_hash_size * 2 : 256;
	uint32_t *h = calloc(n, sizeof(*h));

	if (!h)
		return mk_oom(ctx);
	for (size_t i = 0; i < ctx->nr_imports; i++) {
		size_t k = hash_name(ctx->imports[i].name, ctx->imports[i].file) & (n - 1);

		while (h[k])
			k = (k + 1) & (n - 1);
		h[k] = (uint32_t)i + 1;
	}
	free(ctx->import_hash);
	ctx->import_hash = h;
	ctx->import_hash_size = n;
	return 0;
}

/* The import of name (file-local to file when file is set), made once. */
static int get_import(struct mk_ctx *ctx, const char *name, const char *file,
		      const char *object, enum manifest_kind kind, uint32_t flags, uint32_t *out)
{
	struct import *imp;
	size_t k;

	if ((ctx->nr_imports + 1) * 2 > ctx->import_hash_size && rehash_imports(ctx) < 0)
		return -1;
	k = hash_name(name, file) & (ctx->import_hash_size - 1);
	for (; ctx->import_hash[k]; k = (k + 1) & (ctx->import_hash_size - 1)) {
		imp = &ctx->imports[ctx->import_hash[k] - 1];
		if (!strcmp(imp->name, name) && same_str(imp->file, file) &&
		    ((flags & ME_LOCAL) == (imp->flags & ME_LOCAL)) &&
		    (!(flags & ME_LOCAL) || same_str(imp->object, object))) {
			if (imp->kind == MK_NOTYPE)
				imp->kind = kind;
			*out = ctx->import_hash[k] - 1;
			return 0;
		}
	}
	ctx->imports = mk_grow(ctx->imports, &ctx->cap_imports, ctx->nr_imports + 1,
			       sizeof(*imp));
	if (!ctx->imports)
		return mk_oom(ctx);
	imp = &ctx->imports[ctx->nr_imports];
	*imp = (struct import){ .name = name, .file = file, .object = object, .kind = kind,
				.flags = flags };
	ctx->import_hash[k] = (uint32_t)ctx->nr_imports + 1;
	*out = (uint32_t)ctx->nr_imports++;
	return 0;
}

static enum manifest_kind kind_of(const struct symbol *s, bool branch, bool tls)
{
	switch (s->kind) {
	case SYMK_FUNC:
		return MK_FUNC;
	case SYMK_TLS:
		return MK_TLS;
	case SYMK_DATA:
		return MK_DATA;
	default:
		return tls ? MK_TLS : branch ? MK_FUNC : MK_NOTYPE;
	}
}

/* An import of an old symbol of input in: its live copy. */
static int import_old(struct mk_ctx *ctx, const struct pinput *in, const struct symbol *old,
		      bool branch, bool tls, struct dest *d)
{
	bool local = old->bind == BIND_LOCAL;
	uint32_t flags = (local ? ME_LOCAL : 0) | (old->bind == BIND_WEAK ? ME_WEAK : 0);
	const char *file = local ? mk_symbol_file(in, old, &flags) : NULL;

	d->to = FX_IMPORT;
	return get_import(ctx, old->name, file, in->pair->old_name, kind_of(old, branch, tls),
			  flags, &d->import);
}

/* ---- targets ---------------------------------------------------------------- */

/* The old twin of a new symbol: through the diff, else by its exact name
 * (pieces and literals are not diff entries). */
static const struct symbol *old_twin(const struct pinput *in, const struct symbol *t)
{
	const struct diff_symbol *ds = in->by_new[t->index];
	struct symbol *o;

	if (ds)
		return ds->old;
	o = obj_find_symbol(in->old, t->name);
	if (o && is_defined(o) && o->kind == t->kind && o->bind == t->bind)
		return o;
	return NULL;
}

static int place_of_section(struct mk_ctx *ctx, uint32_t input, const struct section *sec,
			    uint64_t offset, struct dest *d)
{
	struct pinput *in = &ctx->inputs[input];
	uint32_t ch = in->sec_chunk[sec->index];

	if (is_code_section(sec))
		return ipbp_error(ctx->err, "%s: a reference to %s+0x%llx, where no function is",
				  in->pair->new_name, sec->name, (unsigned long long)offset);
	if (!ch) {
		if (mk_add_chunk(ctx, input, sec, 0, sec->size, NULL, NULL, ROLE_COPY, &ch) < 0)
			return -1;
		ch++;
	}
	d->to = FX_PLACE;
	d->place = place_in_chunk(&ctx->chunks[ch - 1], offset);
	return 0;
}

/* Existing storage: checks, then the live copy. */
static int existing_data(struct mk_ctx *ctx, uint32_t input, const struct chunk *user,
			 const struct symbol *t, const struct symbol *old, bool tls, struct dest *d)
{
	struct pinput *in = &ctx->inputs[input];
	const struct diff_symbol *ds = in->by_new[t->index];

	if (is_writable_storage(old) || is_writable_storage(t)) {
		if (old->size != t->size) {
			if (mk_problem(ctx, true, t->name, "existing data object changed size "
				       "(%llu -> %llu), used by %s", (unsigned long long)old->size,
				       (unsigned long long)t->size, chunk_name(user)) < 0)
				return -1;
		} else if (ds && ds->status == DIFF_CHANGED && (ds->reasons & (DIFF_R_DATA | DIFF_R_RELOCS)) &&
		    mk_problem(ctx, false, t->name, "initializer changed: the running value is "
			       "kept") < 0)
			return -1;
		return import_old(ctx, in, old, false, tls, d);
	}
	if (ds && ds->status == DIFF_SAME)
		return import_old(ctx, in, old, false, tls, d);
	return -2;	/* changed read-only data: the caller copies it */
}

/* A name the process will not have (a forced refusal): the loader fails
 * to bind it, cleanly, instead of the patch pointing anywhere. */
static int import_missing(struct mk_ctx *ctx, uint32_t input, const struct symbol *t,
			  enum manifest_kind kind, struct dest *d)
{
	const struct pinput *in = &ctx->inputs[input];
	bool local = t->bind == BIND_LOCAL;
	uint32_t flags = local ? ME_LOCAL : 0;
	const char *file = local ? mk_symbol_file(in, t, &flags) : NULL;

	d->to = FX_IMPORT;
	return get_import(ctx, t->name, file, in->pair->new_name, kind, flags, &d->import);
}

static int resolve_defined(struct mk_ctx *ctx, uint32_t input, const struct chunk *user,
			   const struct symbol *t, int64_t off, bool branch, bool tls,
			   struct dest *d)
{
	struct pinput *in = &ctx->inputs[input];
	uint32_t ch = in->sym_chunk[t->index];
	const struct symbol *old;
	int ret;

	if (ch) {
		const struct chunk *c = &ctx->chunks[ch - 1];

		/* Taking the address of replaced code: the old entry (pointers
		 * stay equal).  A place inside it (a jump table's label) is
		 * the new code's. */
		if (c->role == ROLE_REPLACED && !branch && off == 0)
			return import_old(ctx, in, c->ds->old, false, tls, d);
		d->to = FX_PLACE;
		d->place = place_in_chunk(c, t->offset);
		return 0;
	}
	/* Section symbols and labels (.LC0: strings, constants) are places. */
	if (t->kind == SYMK_SECTION || (t->flags & SYMF_TEMP) ||
	    (t->kind == SYMK_NOTYPE && !t->size))
		return place_of_section(ctx, input, t->sec, t->offset, d);
	old = old_twin(in, t);
	if (t->kind == SYMK_FUNC || is_code_section(t->sec)) {
		if (old)
			return import_old(ctx, in, old, branch, tls, d);
		if (mk_problem(ctx, true, t->name, "added function used by %s is not selected "
			       "(keep its \"+\" line in the stream)", chunk_name(user)) < 0)
			return -1;
		return import_missing(ctx, input, t, MK_FUNC, d);
	}
	if (old) {
		ret = existing_data(ctx, input, user, t, old, tls, d);
		if (ret != -2)
			return ret;
	} else if (t->kind == SYMK_TLS || (t->sec->flags & SECF_TLS)) {
		if (mk_problem(ctx, true, t->name, "new thread-local variable: its storage "
			       "cannot be added to running threads") < 0)
			return -1;
		return import_missing(ctx, input, t, MK_TLS, d);
	}
	/* New data, or read-only data with new content: copied. */
	if (mk_add_chunk(ctx, input, t->sec, t->offset, t->size, t, in->by_new[t->index],
			 is_writable_storage(t) ? ROLE_ADDED : ROLE_COPY, &ch) < 0)
		return -1;
	d->to = FX_PLACE;
	d->place = place_in_chunk(&ctx->chunks[ch], t->offset);
	return 0;
}

/* A name no object of the patch defines, or one another pair defines:
 * the dependency map says which (file-local names never cross objects). */
static int resolve_undefined(struct mk_ctx *ctx, const struct graph *g, uint32_t input,
			     const struct chunk *user, const struct symbol *t, int64_t off,
			     bool branch, bool tls, struct dest *d)
{
	uint32_t flags = t->bind == BIND_WEAK ? ME_WEAK : 0;
	const char *object = NULL;

	for (uint32_t n = g ? graph_find_node(g, t->name) : GRAPH_NONE; n != GRAPH_NONE;
	     n = g->nodes[n].name_next) {
		const struct graph_node *node = &g->nodes[n];
		const struct pinput *def;

		if (!node->defined || node->bind == BIND_LOCAL || node->input == GRAPH_NONE ||
		    node->input == input || !node->sym)
			continue;
		def = &ctx->inputs[node->input];
		if (def->sym_chunk[node->sym->index])
			return resolve_defined(ctx, node->input, user, node->sym, off, branch,
					       tls, d);
		object = def->pair->old_name;
		break;
	}
	d->to = FX_IMPORT;
	return get_import(ctx, t->name, NULL, object, kind_of(t, branch, tls), flags, &d->import);
}

/* Where target t (+ off, the distance into it) is: in the patch or the
 * process. */
static int resolve(struct mk_ctx *ctx, const struct graph *g, uint32_t input,
		   const struct chunk *user, const struct symbol *t, int64_t off, bool branch,
		   bool tls, struct dest *d)
{
	if (t->flags & (SYMF_UNDEF | SYMF_COMMON) || !t->sec)
		return resolve_undefined(ctx, g, input, user, t, off, branch, tls, d);
	return resolve_defined(ctx, input, user, t, off, branch, tls, d);
}

/* ---- fixups ------------------------------------------------------------------- */

static int add_fixup(struct mk_ctx *ctx, struct place site, uint32_t type, int64_t addend,
		     const struct dest *d)
{
	struct fixup *f;

	ctx->fixups = mk_grow(ctx->fixups, &ctx->cap_fixups, ctx->nr_fixups + 1, sizeof(*f));
	if (!ctx->fixups)
		return mk_oom(ctx);
	f = &ctx->fixups[ctx->nr_fixups++];
	*f = (struct fixup){ .site = site, .type = type, .addend = addend, .to = d->to,
			     .dest = d->place, .import = d->import };
	return 0;
}

/* A new 8-byte slot holding type's value of d. */
static int new_slot(struct mk_ctx *ctx, uint32_t type, const struct dest *d, struct place *out)
{
	*out = reserve(ctx, PS_GOT, 8, 8);
	return add_fixup(ctx, *out, type, 0, d);
}

/* The GOT slot of d: one per import, a new one for a place in the patch. */
static int got_slot(struct mk_ctx *ctx, const struct dest *d, struct place *out)
{
	struct import *imp;

	if (d->to == FX_PLACE)
		return new_slot(ctx, ctx->arch->abs64_type, d, out);
	imp = &ctx->imports[d->import];
	if (!imp->got) {
		if (new_slot(ctx, ctx->arch->abs64_type, d, out) < 0)
			return -1;
		ctx->imports[d->import].got = (uint32_t)out->off + 1;
	}
	*out = (struct place){ PS_GOT, ctx->imports[d->import].got - 1 };
	return 0;
}

static int stub_of(struct mk_ctx *ctx, const struct dest *d, struct place *out)
{
	struct place slot;

	if (!ctx->imports[d->import].stub) {
		if (got_slot(ctx, d, &slot) < 0)
			return -1;
		*out = reserve(ctx, PS_PLT, ctx->arch->stub_size, 16);
		ctx->stubs = mk_grow(ctx->stubs, &ctx->cap_stubs, ctx->nr_stubs + 1,
				     sizeof(*ctx->stubs) * 2);
		if (!ctx->stubs)
			return mk_oom(ctx);
		ctx->stubs[2 * ctx->nr_stubs] = *out;
		ctx->stubs[2 * ctx->nr_stubs + 1] = slot;
		ctx->nr_stubs++;
		ctx->imports[d->import].stub = (uint32_t)out->off + 1;
	}
	*out = (struct place){ PS_PLT, ctx->imports[d->import].stub - 1 };
	return 0;
}

static int tls_slots(struct mk_ctx *ctx, const struct reloc *r, const struct dest *d,
		     enum patch_ref how, struct place *out)
{
	const struct patch_arch *a = ctx->arch;
	struct import *imp;
	struct place second;

	if (d->to != FX_IMPORT)
		return ipbp_error(ctx->err, "a thread-local reference to storage in the patch");
	imp = &ctx->imports[d->import];
	if (how == PREF_TLS_IE) {
		if (!imp->tp_got) {
			if (new_slot(ctx, a->tpoff64_type, d, out) < 0)
				return -1;
			ctx->imports[d->import].tp_got = (uint32_t)out->off + 1;
		}
		*out = (struct place){ PS_GOT, ctx->imports[d->import].tp_got - 1 };
		return 0;
	}
	if (r->type == a->tls_ld_type) {
		/* Local dynamic: the module, offset 0 (the block's start). */
		if (new_slot(ctx, a->dtpmod64_type, d, out) < 0)
			return -1;
		reserve(ctx, PS_GOT, 8, 8);
		return 0;
	}
	if (!imp->gd_got) {
		if (new_slot(ctx, a->dtpmod64_type, d, out) < 0 ||
		    new_slot(ctx, a->dtpoff64_type, d, &second) < 0)
			return -1;
		ctx->imports[d->import].gd_got = (uint32_t)out->off + 1;
	}
	*out = (struct place){ PS_GOT, ctx->imports[d->import].gd_got - 1 };
	return 0;
}

/* A field whose target is resolved (d): direct, or through a stub. */
static int direct_ref(struct mk_ctx *ctx, struct place site, uint32_t type, int64_t addend,
		      const struct dest *d, bool branch, bool at_start)
{
	struct dest stub = { .to = FX_PLACE };

	if (branch && d->to == FX_IMPORT && at_start) {
		if (stub_of(ctx, d, &stub.place) < 0)
			return -1;
		return add_fixup(ctx, site, type, addend, &stub);
	}
	return add_fixup(ctx, site, type, addend, d);
}

static int include_reloc(struct mk_ctx *ctx, const struct graph *g, uint32_t ci,
			 const struct reloc *r)
{
	const struct chunk c = ctx->chunks[ci];	/* a copy: chunks may grow */
	const struct patch_arch *a = ctx->arch;
	struct place site = place_in_chunk(&c, r->offset), slot;
	struct dest d, sd = { .to = FX_PLACE };
	enum patch_ref how;
	uint32_t type = r->type;
	int64_t addend;

	if (r->kind == RK_NONE || !r->target)
		return 0;
	if (r->flags & RELF_DECODED) {
		if (a->decoded_type(r, c.sec->data + r->offset, r->target_offset, &type,
				    &addend, ctx->err) < 0)
			return ipbp_error_prefix(ctx->err, chunk_name(&c));
		how = a->classify(type);
	} else {
		how = a->classify(type);
		addend = r->target_offset - r->bias;
	}
	switch (how) {
	case PREF_DIRECT:
	case PREF_BRANCH:
		if (resolve(ctx, g, c.input, &c, r->target, r->target_offset, how == PREF_BRANCH,
			    false, &d) < 0)
			return -1;
		return direct_ref(ctx, site, type, addend, &d, how == PREF_BRANCH,
				  r->target_offset == 0);
	case PREF_GOT:
	case PREF_TLS_IE:
	case PREF_TLS_GD:
		if (resolve(ctx, g, c.input, &c, r->sym, 0, false, how != PREF_GOT, &d) < 0)
			return -1;
		if ((how == PREF_GOT ? got_slot(ctx, &d, &slot) : tls_slots(ctx, r, &d, how, &slot)) < 0)
			return -1;
		sd.place = slot;
		return add_fixup(ctx, site, a->slot_type(type), r->addend, &sd);
	case PREF_UNSUPPORTED:
	default:
		return ipbp_error(ctx->err, "%s: %s: relocation %s is not supported in patches",
				  ctx->inputs[c.input].pair->new_name, chunk_name(&c),
				  obj_reloc_type_name(ctx->inputs[c.input].new, type));
	}
}

static int include_chunk(struct mk_ctx *ctx, const struct graph *g, uint32_t ci)
{
	const struct section *sec = ctx->chunks[ci].sec;
	uint64_t start = ctx->chunks[ci].start, end = start + ctx->chunks[ci].size;

	for (size_t i = obj_first_reloc(sec, start); i < sec->nr_relocs; i++) {
		const struct reloc *r = sec->relocs[i];

		if (r->offset >= end)
			break;
		if (include_reloc(ctx, g, (uint32_t)ci, r) < 0)
			return -1;
	}
	return 0;
}

/* The dependency map of the new objects, for references across them. */
static int build_graph(struct mk_ctx *ctx, struct graph **out)
{
	struct graph *g;

	*out = NULL;
	if (ctx->nr_inputs < 2)
		return 0;
	g = graph_new();
	if (!g)
		return mk_oom(ctx);
	for (size_t i = 0; i < ctx->nr_inputs; i++)
		if (graph_add_obj(g, ctx->inputs[i].new, ctx->err) < 0)
			goto fail;
	if (graph_build(g, ctx->err) < 0)
		goto fail;
	*out = g;
	return 0;
fail:
	graph_free(g);
	return -1;
}

int mkpatch_include(struct mk_ctx *ctx)
{
	struct graph *g;
	int ret = 0;

	if (build_graph(ctx, &g) < 0)
		return -1;
	for (ctx->next_chunk = 0; ctx->next_chunk < ctx->nr_chunks && !ret; ctx->next_chunk++)
		ret = include_chunk(ctx, g, (uint32_t)ctx->next_chunk);
	graph_free(g);
	return ret;
}
