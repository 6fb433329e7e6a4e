// SPDX-License-Identifier: MIT
/*
 * emit.c - mkpatch_layout() and mkpatch_emit(): the patch's sections and
 * symbols handed to the format's writer, then the bytes: chunks copied,
 * stubs written, fields resolved or left to the loader as patch
 * relocations, the manifest encoded, the checksum sealed.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "mkpatch-int.h"

static const struct {
	const char *name;
	enum section_kind kind;
	uint32_t flags;
} psec_desc[PS_NR] = {
	[PS_TEXT] = { ".text", SEC_CODE, SECF_ALLOC | SECF_EXEC },
	[PS_PLT] = { ".plt", SEC_CODE, SECF_ALLOC | SECF_EXEC },
	[PS_RODATA] = { ".rodata", SEC_RODATA, SECF_ALLOC },
	[PS_DATA] = { ".data", SEC_DATA, SECF_ALLOC | SECF_WRITE },
	[PS_GOT] = { ".got", SEC_DATA, SECF_ALLOC | SECF_WRITE },
	[PS_BSS] = { ".bss", SEC_BSS, SECF_ALLOC | SECF_WRITE },
};

/*
 * For an object without file symbols (stripped with strip -g, as Debian's
 * static libraries are), the file symbol GNU ld adds before its local
 * symbols when it links it: named after the object, without directories,
 * for an archive member after the member ("lib.a(x.o)": "x.o").  NULL for
 * an object with file symbols.  Returns 0, or -1 with ctx->err set.
 */
int mk_object_file(struct mk_ctx *ctx, struct obj *obj, const char **file)
{
	const char *name = obj->name, *end = name + strlen(name), *open, *slash;
	struct symbol *s;

	*file = NULL;
	for_each_symbol(obj, s)
		if (s->kind == SYMK_FILE)
			return 0;
	if (end > name && end[-1] == ')' && (open = strrchr(name, '('))) {
		name = open + 1;
		end--;
	}
	for (slash = name; slash < end; slash++)
		if (*slash == '/')
			name = slash + 1;
	if (!(*file = obj_strndup(obj, name, (size_t)(end - name))))
		return mk_oom(ctx);
	return 0;
}

/* The file a file-local symbol of in's objects is found under in the
 * program: its source file, else its object's (ME_OBJECT_FILE). */
const char *mk_symbol_file(const struct pinput *in, const struct symbol *sym, uint32_t *flags)
{
	bool old = sym->index < in->old->nr_symbols && in->old->symbols[sym->index] == sym;
	const char *object_file = old ? in->old_file : in->new_file;

	if (sym->file || !object_file)
		return sym->file;
	*flags |= ME_OBJECT_FILE;
	return object_file;
}

static uint64_t addr_of(const struct mk_ctx *ctx, struct place p)
{
	return ctx->img.sections[ctx->isec[p.psec]].addr + p.off;
}

static uint8_t *bytes_at(const struct mk_ctx *ctx, struct place p)
{
	return ctx->img.sections[ctx->isec[p.psec]].data + p.off;
}

/* ---- layout ------------------------------------------------------------------ */

static int add_symbol(struct mk_ctx *ctx, const char *name, enum symbol_kind kind,
		      enum symbol_bind bind, struct place p, uint64_t size, bool exported)
{
	struct image_symbol s = {
		.name = name, .kind = kind, .bind = bind, .size = size, .exported = exported,
		.section = kind == SYMK_FILE ? IMAGE_NO_SECTION : (uint32_t)ctx->isec[p.psec],
		.offset = p.off,
	};

	return image_add_symbol(&ctx->img, &s, ctx->err);
}

/* The source file of an object: its first file symbol. */
static const char *source_file(const struct obj *obj)
{
	struct symbol *s;

	for_each_symbol(obj, s)
		if (s->kind == SYMK_FILE && s->name[0])
			return s->name;
	return obj->name;
}

static int add_chunk_symbols(struct mk_ctx *ctx, uint32_t input)
{
	struct place none = { PS_TEXT, 0 };

	if (add_symbol(ctx, source_file(ctx->inputs[input].new), SYMK_FILE, BIND_LOCAL, none,
		       0, false) < 0)
		return -1;
	for (size_t i = 0; i < ctx->nr_chunks; i++) {
		const struct chunk *c = &ctx->chunks[i];
		bool code = c->psec == PS_TEXT;

		if (c->input != input || !c->sym)
			continue;
		if (add_symbol(ctx, c->sym->name, code ? SYMK_FUNC : SYMK_DATA,
			       c->sym->bind == BIND_LOCAL ? BIND_LOCAL : BIND_GLOBAL,
			       (struct place){ c->psec, c->off }, c->size,
			       c->sym->bind != BIND_LOCAL && (code || c->role == ROLE_ADDED)) < 0)
			return -1;
	}
	return 0;
}

static int add_stub_symbols(struct mk_ctx *ctx)
{
	for (size_t i = 0; i < ctx->nr_imports; i++) {
		const struct import *imp = &ctx->imports[i];
		char *name;

		if (!imp->stub)
			continue;
		if (asprintf(&name, "%s@plt", imp->name) < 0 || mk_keep(ctx, name) < 0)
			return mk_oom(ctx);
		if (add_symbol(ctx, name, SYMK_FUNC, BIND_LOCAL,
			       (struct place){ PS_PLT, imp->stub - 1 }, ctx->arch->stub_size,
			       false) < 0)
			return -1;
	}
	return 0;
}

int mkpatch_layout(struct mk_ctx *ctx)
{
	image_release(&ctx->img);
	image_init(&ctx->img, ctx->format, ctx->arch->arch);
	for (int ps = 0; ps < PS_NR; ps++) {
		ctx->isec[ps] = -1;
		if (!ctx->size[ps])
			continue;
		/* room after the last function for a later patch's branch */
		if (psec_desc[ps].kind == SEC_CODE)
			ctx->size[ps] += ctx->arch->branch_size;
		ctx->isec[ps] = image_add_section(&ctx->img, psec_desc[ps].name, psec_desc[ps].kind,
						  psec_desc[ps].flags, ctx->size[ps],
						  ctx->align[ps] ? ctx->align[ps] : 1, ctx->err);
		if (ctx->isec[ps] < 0)
			return -1;
		/* gaps between functions trap, and count as padding for a
		 * later patch's branch at a function's entry */
		if (psec_desc[ps].kind == SEC_CODE)
			memset(ctx->img.sections[ctx->isec[ps]].data, ctx->arch->code_fill,
			       ctx->size[ps]);
	}
	ctx->man_isec = image_add_section(&ctx->img, MANIFEST_SECTION, SEC_META, 0, 0, 8, ctx->err);
	if (ctx->man_isec < 0 || add_stub_symbols(ctx) < 0)
		return -1;
	for (uint32_t i = 0; i < ctx->nr_inputs; i++)
		if (add_chunk_symbols(ctx, i) < 0)
			return -1;
	return image_layout(&ctx->img, ctx->err);
}

/* ---- bytes and fields ---------------------------------------------------------- */

static void copy_chunks(struct mk_ctx *ctx)
{
	for (size_t i = 0; i < ctx->nr_chunks; i++) {
		const struct chunk *c = &ctx->chunks[i];

		if (c->sec->data && c->psec != PS_BSS)
			memcpy(bytes_at(ctx, (struct place){ c->psec, c->off }),
			       c->sec->data + c->start, c->size);
	}
	for (size_t i = 0; i < ctx->nr_stubs; i++) {
		struct place stub = ctx->stubs[2 * i], slot = ctx->stubs[2 * i + 1];

		ctx->arch->write_stub(bytes_at(ctx, stub), addr_of(ctx, stub), addr_of(ctx, slot));
	}
}

static int add_reloc(struct mk_ctx *ctx, uint64_t offset, uint32_t type, uint32_t import,
		     int64_t addend)
{
	size_t cap = ctx->man.nr_relocs;
	struct manifest_reloc *r = realloc(ctx->man.relocs, (cap + 1) * sizeof(*r));

	if (!r)
		return mk_oom(ctx);
	ctx->man.relocs = r;
	r[ctx->man.nr_relocs++] = (struct manifest_reloc){ offset, type, import, addend };
	return 0;
}

/* Names the chunk (function, data, section) a failed field is in. */
static int fixup_error(struct mk_ctx *ctx, const struct fixup *f)
{
	char msg[sizeof(ctx->err->msg)];

	for (size_t i = 0; i < ctx->nr_chunks; i++) {
		const struct chunk *c = &ctx->chunks[i];

		if (c->psec != f->site.psec || f->site.off < c->off || f->site.off - c->off >= c->size)
			continue;
		snprintf(msg, sizeof(msg), "%s", ctx->err->msg);
		return ipbp_error(ctx->err, "%s: %s: %s", ctx->inputs[c->input].pair->new_name,
				  c->sym ? c->sym->name : c->sec->name, msg);
	}
	return -1;
}

/*
 * A field between two places of the patch is final when it is
 * position-independent; an absolute one depends on where the patch is
 * loaded: written for base 0, and left to the loader against the base.
 */
static int resolve_fixup(struct mk_ctx *ctx, const struct fixup *f)
{
	const struct patch_arch *a = ctx->arch;
	uint64_t P = addr_of(ctx, f->site);
	uint64_t S;

	if (f->to == FX_IMPORT)
		return add_reloc(ctx, P, f->type, f->import, f->addend);
	S = addr_of(ctx, f->dest);
	if (a->apply(f->type, bytes_at(ctx, f->site), S, f->addend, P, ctx->err) < 0)
		return fixup_error(ctx, f);
	if (a->is_position_independent(f->type))
		return 0;
	return add_reloc(ctx, P, f->type, MANIFEST_NONE, (int64_t)(S + (uint64_t)f->addend));
}

static int sort_relocs_cmp(const void *a, const void *b)
{
	const struct manifest_reloc *x = a, *y = b;

	return x->offset < y->offset ? -1 : x->offset > y->offset;
}

/* ---- the manifest --------------------------------------------------------------- */

/*
 * The identity of code: the masks of [start, start + size) of sec and its
 * hash with them read as zero.  One computation for both sides, so that a
 * patch's new code hashes to what a patch built on top of it (with this
 * new object as its old one) records as old_hash.
 */
static int hash_code(struct mk_ctx *ctx, const struct section *sec, uint64_t start,
		     uint64_t size, struct manifest_mask **masks, size_t *nr, uint64_t *hash)
{
	*masks = NULL;
	*nr = 0;
	if (!sec->data || !in_bounds(sec->size, start, size))
		return ipbp_error(ctx->err, "%s: code at +0x%llx (%llu bytes) lies outside "
				  "its bytes", sec->name, (unsigned long long)start,
				  (unsigned long long)size);
	if (patch_code_masks(ctx->arch, sec, start, size, masks, nr, ctx->err) < 0)
		return -1;
	*hash = patch_hash_masked(sec->data + start, size, *masks, *nr);
	return 0;
}

int mk_old_code(struct mk_ctx *ctx, struct chunk *c)
{
	const struct symbol *old = c->ds->old;

	if (c->hashed)
		return 0;
	if (hash_code(ctx, old->sec, old->offset, old->size, &c->masks, &c->nr_masks,
		      &c->old_hash) < 0)
		return -1;
	c->hashed = true;
	return 0;
}

/* A code chunk's identity in its new object (a code chunk is exactly its
 * function symbol's range): a later patch's old_hash. */
static int new_code_hash(struct mk_ctx *ctx, const struct chunk *c, uint64_t *hash)
{
	struct manifest_mask *masks;
	size_t nr;
	int ret;

	*hash = 0;
	if (c->psec != PS_TEXT)
		return 0;
	ret = hash_code(ctx, c->sec, c->start, c->size, &masks, &nr, hash);
	free(masks);
	return ret;
}

static int add_func(struct mk_ctx *ctx, struct chunk *c)
{
	const struct symbol *old = c->ds->old;
	struct manifest *m = &ctx->man;
	struct manifest_func *f;
	uint32_t flags = (old->bind == BIND_LOCAL ? ME_LOCAL : 0) |
			 (ctx->opts->target ? ME_RESOLVED : 0);
	const char *file = old->bind == BIND_LOCAL ?
			   mk_symbol_file(&ctx->inputs[c->input], old, &flags) : NULL;
	uint64_t new_hash;

	if (mk_old_code(ctx, c) < 0 || new_code_hash(ctx, c, &new_hash) < 0)
		return -1;
	f = realloc(m->funcs, (m->nr_funcs + 1) * sizeof(*f));
	if (f)
		m->funcs = f;
	if (f && c->nr_masks) {
		struct manifest_mask *all = realloc(m->masks, (m->nr_masks + c->nr_masks) *
							      sizeof(*all));

		if (all)
			m->masks = all;
		else
			f = NULL;
	}
	if (!f)
		return mk_oom(ctx);
	if (c->nr_masks)
		memcpy(m->masks + m->nr_masks, c->masks, c->nr_masks * sizeof(*c->masks));
	f = &m->funcs[m->nr_funcs++];
	*f = (struct manifest_func){
		.name = old->name,
		.file = file,
		.object = ctx->inputs[c->input].pair->old_name,
		.flags = flags,
		.target_addr = c->target_addr,
		.old_size = old->size,
		.old_hash = c->old_hash,
		.new_hash = new_hash,
		.new_addr = addr_of(ctx, (struct place){ c->psec, c->off }),
		.new_size = c->size,
		.mask_first = (uint32_t)m->nr_masks,
		.nr_masks = (uint32_t)c->nr_masks,
	};
	m->nr_masks += c->nr_masks;
	return 0;
}

static int add_added(struct mk_ctx *ctx, const struct chunk *c)
{
	struct manifest *m = &ctx->man;
	struct manifest_added *e;
	bool local = !c->sym || c->sym->bind == BIND_LOCAL;
	uint32_t flags = (local ? ME_LOCAL : 0) |
			 (c->sec->kind == SEC_RODATA || c->sec->kind == SEC_STRINGS ? ME_READONLY : 0);
	const char *file = c->sym && local ?
			   mk_symbol_file(&ctx->inputs[c->input], c->sym, &flags) : NULL;
	uint64_t hash;

	if (new_code_hash(ctx, c, &hash) < 0)
		return -1;
	e = realloc(m->added, (m->nr_added + 1) * sizeof(*e));
	if (!e)
		return mk_oom(ctx);
	m->added = e;
	m->added[m->nr_added++] = (struct manifest_added){
		.name = c->sym ? c->sym->name : c->sec->name,
		.file = file,
		.object = ctx->inputs[c->input].pair->new_name,
		.kind = c->psec == PS_TEXT ? MK_FUNC : MK_DATA,
		.flags = flags,
		.addr = addr_of(ctx, (struct place){ c->psec, c->off }),
		.size = c->size,
		.hash = hash,
	};
	return 0;
}

static int fill_entries(struct mk_ctx *ctx)
{
	struct manifest *m = &ctx->man;

	for (size_t i = 0; i < ctx->nr_chunks; i++) {
		struct chunk *c = &ctx->chunks[i];

		if ((c->role == ROLE_REPLACED ? add_func(ctx, c) : add_added(ctx, c)) < 0)
			return -1;
	}
	m->imports = calloc(ctx->nr_imports + 1, sizeof(*m->imports));
	if (!m->imports)
		return mk_oom(ctx);
	for (size_t i = 0; i < ctx->nr_imports; i++) {
		const struct import *imp = &ctx->imports[i];

		m->imports[i] = (struct manifest_import){
			.name = imp->name, .file = imp->file, .object = imp->object,
			.kind = imp->kind, .flags = imp->flags, .target_addr = imp->target_addr,
		};
	}
	m->nr_imports = ctx->nr_imports;
	return 0;
}

static int fill_warnings(struct mk_ctx *ctx)
{
	const struct mkpatch_result *res = ctx->res;
	struct manifest *m = &ctx->man;

	m->warnings = calloc(res->nr_problems + 1, sizeof(*m->warnings));
	if (!m->warnings)
		return mk_oom(ctx);
	for (size_t i = 0; i < res->nr_problems; i++) {
		const struct mkpatch_problem *p = &res->problems[i];

		if (p->note)
			continue;
		m->warnings[m->nr_warnings++] = (struct manifest_warning){
			.code = p->refusal ? MW_FORCED : p->code ? p->code :
				!strncmp(p->message, "initializer", 11) ? MW_INITIALIZER : MW_NOTE,
			.symbol = p->symbol,
			.message = p->message,
		};
	}
	return 0;
}

static enum manifest_format manifest_format_of(enum obj_format f)
{
	switch (f) {
	case FORMAT_MACHO:
		return MANIFEST_FMT_MACHO;
	case FORMAT_COFF:
		return MANIFEST_FMT_COFF;
	case FORMAT_WASM:
		return MANIFEST_FMT_WASM;
	default:
		return MANIFEST_FMT_ELF;
	}
}

/* The manifest into its section, the file written, the checksum sealed. */
static int seal(struct mk_ctx *ctx)
{
	struct image_section *ms = &ctx->img.sections[ctx->man_isec];
	struct mkpatch_result *res = ctx->res;
	uint8_t *buf, *file;
	size_t len, flen;
	uint64_t at;

	if (manifest_encode(&ctx->man, &buf, &len, ctx->err) < 0)
		return -1;
	free(ms->data);
	ms->data = buf;
	ms->size = len;
	if (image_write(&ctx->img, &file, &flen, ctx->err) < 0)
		return -1;
	at = ms->file_offset + MANIFEST_CHECKSUM_OFFSET;
	put_le64(file + at, patch_checksum(file, flen, at));
	res->data = file;
	res->size = flen;
	return 0;
}

int mkpatch_emit(struct mk_ctx *ctx)
{
	struct manifest *m = &ctx->man;
	struct mkpatch_result *res = ctx->res;

	copy_chunks(ctx);
	for (size_t i = 0; i < ctx->nr_fixups; i++)
		if (resolve_fixup(ctx, &ctx->fixups[i]) < 0)
			return -1;
	if (m->nr_relocs)
		qsort(m->relocs, m->nr_relocs, sizeof(*m->relocs), sort_relocs_cmp);
	m->version = MANIFEST_VERSION;
	m->format = manifest_format_of(ctx->format);
	m->machine = ctx->arch->machine;
	if (ctx->opts->force && res->nr_refusals)
		m->flags |= MANIFEST_F_FORCED;
	if (fill_entries(ctx) < 0 || fill_warnings(ctx) < 0 || seal(ctx) < 0)
		return -1;
	res->nr_replaced = m->nr_funcs;
	res->nr_added = m->nr_added;
	res->nr_imports = m->nr_imports;
	res->nr_relocs = m->nr_relocs;
	return 0;
}
