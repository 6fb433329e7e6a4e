// SPDX-License-Identifier: MIT
/*
 * target.c - mkpatch --target EXE: bind the patch to one build of the
 * program.  Every replaced function must be in EXE with the old object's
 * code (hashed with relocation fields masked, as the loader will hash the
 * live code); imports EXE defines are pre-resolved to their link-time
 * addresses; EXE's build-id is recorded.
 */
#include <string.h>

#include "mkpatch-int.h"
#include "modules.h"
#include "objfile.h"

static int check_function(struct mk_ctx *ctx, struct module *exe, struct chunk *c)
{
	const struct symbol *old = c->ds->old, *t;
	uint32_t flags = old->bind == BIND_LOCAL ? ME_LOCAL : 0;
	const char *file = flags ? mk_symbol_file(&ctx->inputs[c->input], old, &flags)
				 : NULL;
	bool ambiguous;

	t = module_find_symbol(exe, old->name, file, flags, &ambiguous);
	if (!t || !t->sec || !t->sec->data)
		return mk_problem(ctx, true, old->name, "not in the target %s", ctx->opts->target);
	if (ambiguous)
		return mk_problem(ctx, true, old->name, "several definitions in the target %s",
				  ctx->opts->target);
	if (t->size != old->size || !in_bounds(t->sec->size, t->offset, old->size))
		return mk_problem(ctx, true, old->name, "the target's function has %llu bytes, "
				  "the old object's %llu", (unsigned long long)t->size,
				  (unsigned long long)old->size);
	if (mk_old_code(ctx, c) < 0)
		return -1;
	if (patch_hash_masked(t->sec->data + t->offset, old->size, c->masks, c->nr_masks) !=
	    c->old_hash)
		return mk_problem(ctx, true, old->name, "the target's code differs from %s: the "
				  "target was not built from it",
				  ctx->inputs[c->input].pair->old_name);
	c->target_addr = t->value;
	return 0;
}

static int resolve_import(struct mk_ctx *ctx, struct module *exe, struct import *imp)
{
	bool local = imp->flags & ME_LOCAL, ambiguous;
	const struct symbol *t = module_find_symbol(exe, imp->name, imp->file, imp->flags,
						    &ambiguous);

	if (!t) {
		if (local)
			return mk_problem(ctx, true, imp->name, "file-local %s is not in the "
					  "target %s", manifest_kind_name(imp->kind),
					  ctx->opts->target);
		return 0;	/* from a shared library: bound at load time */
	}
	if (ambiguous)
		return mk_problem(ctx, true, imp->name, "several definitions in the target %s",
				  ctx->opts->target);
	imp->target_addr = t->value;
	imp->flags |= ME_RESOLVED;
	return 0;
}

/* Opens opts->target and reads its symbols into ctx->target, once the
 * patch's format and architecture are known. */
int mkpatch_open_target(struct mk_ctx *ctx)
{
	const char *path = ctx->opts->target;
	const struct obj *exe;

	if (objfile_open(&ctx->target_file, path, &module_file_opts, ctx->err) < 0)
		return -1;
	if (ctx->target_file->nr_objs != 1 || ctx->target_file->archive)
		return ipbp_error(ctx->err, "%s: not an executable or shared library", path);
	exe = ctx->target_file->objs[0];
	if (exe->type == OBJ_RELOCATABLE)
		return ipbp_error(ctx->err, "%s: an object file, not a linked program", path);
	if (exe->format != ctx->format || exe->arch != ctx->arch->arch)
		return ipbp_error(ctx->err, "%s: a %s %s program, the patch is %s %s", path,
				  obj_format_name(exe->format), obj_arch_name(exe->arch),
				  obj_format_name(ctx->format), obj_arch_name(ctx->arch->arch));
	return module_from_image(&ctx->target, path, exe, ctx->err);
}

void mkpatch_close_target(struct mk_ctx *ctx)
{
	if (!ctx->target_file)
		return;
	module_release_image(&ctx->target);
	objfile_free(ctx->target_file);
	ctx->target_file = NULL;
}

/*
 * Whether the program may hold old's code.  A linker takes an archive
 * member in only for a global symbol it defines, so a member none of
 * whose global definitions' names the program has (with any binding:
 * LTO makes globals local) is not in it.  Unknown, so true, when the
 * program has no .symtab (its dynamic symbols do not list what was
 * linked statically) or old defines no global outside COMDAT groups
 * (which several objects define).
 */
bool mkpatch_target_links(const struct mk_ctx *ctx, const struct obj *old)
{
	const struct module *m = &ctx->target;
	bool has_globals = false;
	struct symbol *s;

	if (!m->has_locals)
		return true;
	for_each_symbol(old, s) {
		if (s->bind == BIND_LOCAL || !is_defined(s) || !s->sec ||
		    (s->sec->flags & SECF_COMDAT) ||
		    (s->kind != SYMK_FUNC && s->kind != SYMK_DATA && s->kind != SYMK_TLS))
			continue;
		has_globals = true;
		for (const struct symbol *t = obj_find_symbol(m->obj, s->name); t;
		     t = t->hash_next)
			if (!strcmp(t->name, s->name) && is_defined(t) && t->kind != SYMK_FILE &&
			    t->kind != SYMK_SECTION)
				return true;
	}
	return !has_globals;
}

int mkpatch_check_target(struct mk_ctx *ctx)
{
	struct module *m = &ctx->target;
	int ret = 0;

	for (size_t i = 0; i < ctx->nr_chunks && ret == 0; i++)
		if (ctx->chunks[i].role == ROLE_REPLACED)
			ret = check_function(ctx, m, &ctx->chunks[i]);
	for (size_t i = 0; i < ctx->nr_imports && ret == 0; i++)
		ret = resolve_import(ctx, m, &ctx->imports[i]);
	memcpy(ctx->man.build_id, m->build_id, m->build_id_len);
	ctx->man.build_id_len = m->build_id_len;
	ctx->man.target = ctx->opts->target;
	ctx->man.flags |= MANIFEST_F_TARGET;
	return ret;
}
