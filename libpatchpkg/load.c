// SPDX-License-Identifier: MIT
/*
 * load.c - patchload_apply(): a patch into a running process, whole or not
 * at all (the passes are listed in patchload.h).
 *
 * Everything that can fail is done while the process runs: finding and
 * verifying the old code, resolving imports, choosing the address and
 * relocating the image, in our own memory.  The stop then only maps the
 * prepared bytes and writes the branches, and undoes both if anything
 * fails.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "load-int.h"
#include "modules.h"
#include "patch-arch.h"
#include "patchfile.h"

#ifndef MFD_CLOEXEC
#define MFD_CLOEXEC 0x1u
#endif
#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

#define MAX_PLACES	16	/* candidate addresses tried */
#define LOW_LIMIT	0x10000u	/* below: vm.mmap_min_addr */

/* A value an import has in the process. */
struct import_value {
	uint64_t addr;		/* address (TLS: offset in its module's block) */
	const struct module *mod;	/* defining module, NULL: an earlier patch */
	bool indirect;		/* addr is an IFUNC resolver, called when stopped */
	bool tls;
};

struct apply_ctx {
	struct load_ctx lc;
	const char *path;
	struct patch *patch;
	const struct manifest *man;
	const struct patch_arch *arch;
	struct module_set mods;
	struct module *home;		/* the module of the first replaced function */
	struct module *target;		/* --target's module, build-id checked */
	struct ledger *applied[256];	/* applied records, oldest first */
	size_t nr_applied;
	struct ledger *rec;		/* the new record */
	struct import_value *imports;
	uint64_t page;
	uint8_t *templ;			/* the image at base 0 */
	uint8_t *image;			/* relocated for rec->image_base */
	uint8_t *prot;			/* per page of the image */
	uint64_t image_size, record_size;
	uint8_t *record;
	size_t record_len;
	uint8_t (*branches)[LEDGER_SAVED_MAX];	/* per site: what to write */
	size_t cap_sites;
};

/* "SYMBOL: message": what is wrong with one function or import. */
static int apply_error(struct apply_ctx *ctx, const char *sym, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int apply_error(struct apply_ctx *ctx, const char *sym, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return ipbp_error(ctx->lc.err, "%s: %s", sym, msg);
}

/* ---- open_patch --------------------------------------------------------- */

static void first_problem(void *arg, const char *problem)
{
	struct ipbp_err *err = arg;

	if (!err->msg[0])
		snprintf(err->msg, sizeof(err->msg), "%s", problem);
}

static int open_patch(struct apply_ctx *ctx)
{
	struct ipbp_err *err = ctx->lc.err;
	struct ipbp_err problem = { "" };
	int n;

	if (patch_open(&ctx->patch, ctx->path, err) < 0)
		return -1;
	ctx->man = ctx->patch->manifest;
	n = patch_verify(ctx->patch, first_problem, &problem);
	if (n < 0)
		return ipbp_error(err, "out of memory");
	if (n > 0)
		return ipbp_error(err, "%s: not a valid patch: %s", ctx->path, problem.msg);
	ctx->arch = patch_arch_find_machine(ctx->man->machine);
	if (ctx->man->format != MANIFEST_FMT_ELF || !ctx->arch)
		return ipbp_error(err, "%s: a %s patch cannot be loaded into a process here",
				  ctx->path, manifest_format_name(ctx->man->format));
	if (!ctx->man->nr_funcs && !ctx->man->nr_added)
		return ipbp_error(err, "%s: the patch is empty", ctx->path);
	ctx->page = ctx->arch->page_size;
	return 0;
}

/* ---- inspect_process ---------------------------------------------------- */

static int inspect_process(struct apply_ctx *ctx, pid_t pid)
{
	struct process *p;

	if (load_ctx_open(&ctx->lc, pid) < 0)
		return -1;
	p = ctx->lc.proc;
	if (p->arch->machine != ctx->man->machine)
		return ipbp_error(ctx->lc.err, "%s: built for another architecture than process %d",
				  ctx->path, (int)pid);
	if (ctx->lc.nr_recs > sizeof(ctx->applied) / sizeof(ctx->applied[0]))
		return ipbp_error(ctx->lc.err, "process %d: too many patches applied", (int)pid);
	ctx->nr_applied = load_applied(&ctx->lc, ctx->applied);
	for (size_t i = 0; i < ctx->nr_applied; i++)
		if (ctx->applied[i]->checksum == ctx->man->checksum)
			return ipbp_error(ctx->lc.err, "%s: already applied to process %d as #%" PRIu64,
					  ctx->path, (int)pid, ctx->applied[i]->seq);
	return modules_find(&ctx->mods, p, ctx->lc.opts->debug_dir, ctx->lc.err);
}

/* ---- check_target ------------------------------------------------------- */

static int check_target(struct apply_ctx *ctx)
{
	const struct manifest *m = ctx->man;

	if (!(m->flags & MANIFEST_F_TARGET) || !m->build_id_len)
		return 0;
	for (size_t i = 0; i < ctx->mods.nr; i++) {
		struct module *mod = &ctx->mods.mods[i];

		if (module_load(mod, &ctx->mods, ctx->lc.proc, NULL) < 0)
			continue;
		if (mod->build_id_len == m->build_id_len &&
		    !memcmp(mod->build_id, m->build_id, m->build_id_len)) {
			ctx->target = mod;
			return 0;
		}
	}
	return ipbp_error(ctx->lc.err, "%s: built for %s, which process %d does not run "
			  "(no module has its build-id)", ctx->path,
			  m->target ? m->target : "another build", (int)ctx->lc.proc->pid);
}

/* ---- resolve_funcs ------------------------------------------------------ */

static bool same_entity(const char *name, const char *file, uint32_t flags,
			const char *name2, const char *file2, uint32_t flags2)
{
	if (strcmp(name, name2) || (flags & ME_LOCAL) != (flags2 & ME_LOCAL))
		return false;
	return !(flags & ME_LOCAL) || !file || !file2 || !strcmp(file, file2);
}

/* An earlier patch's copy of a function: the code there and its identity. */
struct copy {
	uint64_t entry, size, hash;
};

static bool find_copy(const struct ledger *rec, const struct manifest_func *f,
		      struct copy *c)
{
	const struct manifest *m = rec->manifest;

	for (size_t i = 0; i < m->nr_funcs; i++) {
		const struct manifest_func *g = &m->funcs[i];

		if (same_entity(f->name, f->file, f->flags, g->name, g->file, g->flags)) {
			*c = (struct copy){ rec->image_base + g->new_addr, g->new_size, g->new_hash };
			return true;
		}
	}
	for (size_t i = 0; i < m->nr_added; i++) {
		const struct manifest_added *a = &m->added[i];

		if (a->kind == MK_FUNC &&
		    same_entity(f->name, f->file, f->flags, a->name, a->file, a->flags)) {
			*c = (struct copy){ rec->image_base + a->addr, a->size, a->hash };
			return true;
		}
	}
	return false;
}

/* Modules in the order names are looked up: the patched module first for
 * file-local names, the executable first for global ones. */
static size_t lookup_order(struct apply_ctx *ctx, bool local, struct module **order)
{
	size_t n = 0;

	if (local && ctx->home)
		order[n++] = ctx->home;
	for (size_t i = 0; i < ctx->mods.nr; i++)
		if (&ctx->mods.mods[i] != ctx->home || !local)
			order[n++] = &ctx->mods.mods[i];
	return n;
}

/*
 * The definition of name in the process (module_find_symbol(), flags
 * ME_LOCAL and ME_OBJECT_FILE): the first in lookup order, and its module.
 * NULL when there is none, and also, with *ambiguous, when that module
 * has several file-local ones the patch does not tell apart.
 */
static const struct symbol *find_symbol(struct apply_ctx *ctx, const char *name,
					const char *file, uint32_t flags, struct module **mod,
					bool *ambiguous)
{
	struct module *order[ctx->mods.nr + 1];
	size_t n = lookup_order(ctx, flags & ME_LOCAL, order);

	*ambiguous = false;
	for (size_t i = 0; i < n; i++) {
		const struct symbol *s;

		if (module_load(order[i], &ctx->mods, ctx->lc.proc, NULL) < 0)
			continue;
		s = module_find_symbol(order[i], name, file, flags, ambiguous);
		if (s) {
			*mod = order[i];
			*ambiguous = *ambiguous && (flags & ME_LOCAL);
			return *ambiguous ? NULL : s;
		}
	}
	return NULL;
}

static int several_locals(struct apply_ctx *ctx, const char *name, const struct module *mod)
{
	return apply_error(ctx, name, "%s has several file-local definitions of this name: "
			   "the patch does not tell which one it means", mod->path);
}

/*
 * Why a file-local name from file is not in the process, when the process
 * has a file-local of that name from elsewhere: "; the process has one from
 * OTHER", or, for a program linked with -flto (whose file-local symbols
 * come from no named source file), a word on that.  When it has none and
 * the patched module (else the executable) is stripped with no debug file
 * found: that.  "" otherwise.
 */
static void local_elsewhere(struct apply_ctx *ctx, const char *name, const char *file,
			    char *buf, size_t size)
{
	const struct module *home = ctx->home ? ctx->home : ctx->mods.nr ? &ctx->mods.mods[0] : NULL;
	struct module *mod;
	bool ambiguous;
	const struct symbol *s = file ? find_symbol(ctx, name, NULL, ME_LOCAL, &mod, &ambiguous)
				      : NULL;

	buf[0] = '\0';
	if (!s && home && home->loaded && !home->has_locals)
		snprintf(buf, size, " (%s is stripped, and no debug file of it is under "
			 "%s/.build-id)", home->path, ctx->mods.debug_dir);
	if (!s)
		return;
	if (s->file && *s->file)
		snprintf(buf, size, " from %s; the process has one from %s", file, s->file);
	else
		snprintf(buf, size, " from %s; the process has one from no named source file "
			 "(a program linked with -flto? a patch needs objects built as "
			 "the program was)", file);
}

/* The bytes of the function at entry as the program was built, before any
 * patch wrote a branch there: the oldest applied record saved them. */
static int read_original(struct apply_ctx *ctx, uint64_t entry, uint8_t *buf, uint64_t size)
{
	if (process_read(ctx->lc.proc, entry, buf, size, ctx->lc.err) < 0)
		return -1;
	for (size_t i = ctx->nr_applied; i-- > 0;)	/* the oldest has the say */
		ledger_put_back(ctx->applied[i], entry, buf, size);
	return 0;
}

static int original_matches(struct apply_ctx *ctx, const struct manifest_func *f,
			    uint64_t entry, bool *match)
{
	uint8_t *buf = malloc(f->old_size ? f->old_size : 1);

	if (!buf)
		return ipbp_error(ctx->lc.err, "out of memory");
	if (read_original(ctx, entry, buf, f->old_size) < 0) {
		free(buf);
		return -1;
	}
	*match = patch_hash_masked(buf, f->old_size, ctx->man->masks + f->mask_first,
				   f->nr_masks) == f->old_hash;
	free(buf);
	return 0;
}

static int add_site(struct apply_ctx *ctx, const char *name, uint64_t addr, uint32_t func,
		    uint16_t flags, struct ledger_site **out)
{
	struct ledger *rec = ctx->rec;
	struct ledger_site *s;

	for (size_t i = 0; i < rec->nr_sites; i++)
		if (addr < rec->sites[i].addr + rec->sites[i].size &&
		    rec->sites[i].addr < addr + ctx->arch->branch_size)
			return apply_error(ctx, name, "its entry 0x%" PRIx64 " is also another "
					   "function's", addr);
	if (rec->nr_sites == ctx->cap_sites) {
		size_t ncap = ctx->cap_sites ? ctx->cap_sites * 2 : 16;
		void *ns = realloc(rec->sites, ncap * sizeof(*rec->sites));
		void *nb = ns ? realloc(ctx->branches, ncap * sizeof(*ctx->branches)) : NULL;

		if (ns)
			rec->sites = ns;
		if (!nb)
			return ipbp_error(ctx->lc.err, "out of memory");
		ctx->branches = nb;
		ctx->cap_sites = ncap;
	}
	s = &rec->sites[rec->nr_sites++];
	memset(s, 0, sizeof(*s));
	s->addr = addr;
	s->func = func;
	s->size = (uint16_t)ctx->arch->branch_size;
	s->flags = flags;
	*out = s;
	return 0;
}

/* The branch at entry may cover size bytes of the function and padding
 * after it, never the next function. */
static int check_room(struct apply_ctx *ctx, const char *name, uint64_t entry, uint64_t size)
{
	unsigned need = ctx->arch->branch_size;
	uint8_t after[32];

	if (size >= need)
		return 0;
	if (read_original(ctx, entry + size, after, sizeof(after)) < 0 ||
	    !ctx->arch->is_padding(after, sizeof(after), need - size))
		return apply_error(ctx, name, "%" PRIu64 " bytes, too small for a %u-byte branch "
				   "and followed by other code", size, need);
	return 0;
}

static int plan_site(struct apply_ctx *ctx, const struct manifest_func *f, size_t fi,
		     uint64_t entry, uint64_t size, uint16_t flags)
{
	struct ledger_site *s = NULL;

	if (check_room(ctx, f->name, entry, size) < 0 ||
	    add_site(ctx, f->name, entry, (uint32_t)fi, flags, &s) < 0)
		return -1;
	return process_read(ctx->lc.proc, entry, s->saved, s->size, ctx->lc.err);
}

static int resolve_func(struct apply_ctx *ctx, size_t fi)
{
	const struct manifest_func *f = &ctx->man->funcs[fi];
	bool local = f->flags & ME_LOCAL, match = false, ambiguous = false;
	struct module *mod = NULL;
	const struct symbol *sym = NULL;
	uint64_t entry = 0, size = 0;
	struct copy newest = { 0 }, c;
	bool have_copy = false;

	for (size_t i = 0; i < ctx->nr_applied; i++)
		if (find_copy(ctx->applied[i], f, &c)) {
			newest = c;
			have_copy = true;
		}
	if (ctx->target && (f->flags & ME_RESOLVED)) {
		mod = ctx->target;
		entry = mod->base + f->target_addr;
		size = f->old_size;
	} else if ((sym = find_symbol(ctx, f->name, f->file, f->flags, &mod, &ambiguous))) {
		entry = mod->base + sym->value;
		size = sym->size;
	}
	if (ambiguous)
		return several_locals(ctx, f->name, mod);
	if (!entry && !have_copy) {
		char why[600] = "";

		if (local)
			local_elsewhere(ctx, f->name, f->file, why, sizeof(why));
		if (!why[0] && f->object && !(ctx->man->flags & MANIFEST_F_TARGET))
			snprintf(why, sizeof(why), " (from %s: is that object linked into the "
				 "program? mkpatch --target PROGRAM leaves out the objects a "
				 "program does not link)", f->object);
		return apply_error(ctx, f->name, "not in process %d%s", (int)ctx->lc.proc->pid,
				   why);
	}
	if (have_copy && newest.hash == f->old_hash)
		match = true;
	else if (entry && size >= f->old_size && original_matches(ctx, f, entry, &match) < 0)
		return -1;
	if (!match)
		return apply_error(ctx, f->name, "process %d runs other code than the patch was "
				   "built from (%s differs)", (int)ctx->lc.proc->pid,
				   entry ? mod->path : "an earlier patch's copy");
	if (!ctx->home && mod)
		ctx->home = mod;
	if (entry && plan_site(ctx, f, fi, entry, size, SITE_ENTRY) < 0)
		return -1;
	for (size_t i = 0; i < ctx->nr_applied; i++)
		if (find_copy(ctx->applied[i], f, &c) && plan_site(ctx, f, fi, c.entry, c.size, 0) < 0)
			return -1;
	return 0;
}

static int resolve_funcs(struct apply_ctx *ctx)
{
	for (size_t i = 0; i < ctx->man->nr_funcs; i++)
		if (resolve_func(ctx, i) < 0)
			return -1;
	return 0;
}

/* ---- resolve_imports ---------------------------------------------------- */

/* New storage or code an earlier patch added under this name. */
static bool find_added(struct apply_ctx *ctx, const struct manifest_import *im, uint64_t *addr)
{
	for (size_t i = ctx->nr_applied; i-- > 0;) {
		const struct ledger *rec = ctx->applied[i];

		for (size_t j = 0; j < rec->manifest->nr_added; j++) {
			const struct manifest_added *a = &rec->manifest->added[j];

			if (same_entity(im->name, im->file, im->flags, a->name, a->file, a->flags)) {
				*addr = rec->image_base + a->addr;
				return true;
			}
		}
	}
	return false;
}

static int resolve_import(struct apply_ctx *ctx, size_t i)
{
	const struct manifest_import *im = &ctx->man->imports[i];
	struct import_value *v = &ctx->imports[i];
	struct module *mod = NULL;
	const struct symbol *sym;
	bool ambiguous;

	v->tls = im->kind == MK_TLS;
	if (ctx->target && (im->flags & ME_RESOLVED)) {
		v->mod = ctx->target;
		v->addr = v->tls ? im->target_addr : ctx->target->base + im->target_addr;
		return 0;
	}
	if (!v->tls && find_added(ctx, im, &v->addr))
		return 0;
	sym = find_symbol(ctx, im->name, im->file, im->flags, &mod, &ambiguous);
	if (ambiguous)
		return several_locals(ctx, im->name, mod);
	if (!sym) {
		char why[300] = "";

		if (im->flags & ME_WEAK)
			return 0;
		if (im->flags & ME_LOCAL)
			local_elsewhere(ctx, im->name, im->file, why, sizeof(why));
		return apply_error(ctx, im->name, "%s%s is not in process %d%s",
				   im->flags & ME_LOCAL ? "file-local " : "",
				   manifest_kind_name(im->kind), (int)ctx->lc.proc->pid, why);
	}
	v->mod = mod;
	v->tls = sym->kind == SYMK_TLS;
	v->addr = v->tls ? sym->value : mod->base + sym->value;
	v->indirect = sym->flags & SYMF_INDIRECT;
	return 0;
}

static int resolve_imports(struct apply_ctx *ctx)
{
	size_t n = ctx->man->nr_imports;

	ctx->imports = calloc(n ? n : 1, sizeof(*ctx->imports));
	if (!ctx->imports)
		return ipbp_error(ctx->lc.err, "out of memory");
	for (size_t i = 0; i < n; i++)
		if (resolve_import(ctx, i) < 0)
			return -1;
	return 0;
}

/* ---- place_patch --------------------------------------------------------- */

static uint64_t round_up(uint64_t v, uint64_t align)
{
	return (v + align - 1) & ~(align - 1);
}

/* The image at base 0 from the container's loaded sections, and the
 * permissions of each of its pages. */
static int build_template(struct apply_ctx *ctx)
{
	const struct obj *obj = ctx->patch->obj;
	uint64_t end = 0;

	for (size_t i = 0; i < obj->nr_sections; i++) {
		const struct section *sec = obj->sections[i];

		if ((sec->flags & SECF_ALLOC) && sec->addr + sec->size > end)
			end = sec->addr + sec->size;
	}
	ctx->image_size = round_up(end ? end : 1, ctx->page);
	ctx->templ = calloc(1, ctx->image_size);
	ctx->image = malloc(ctx->image_size);
	ctx->prot = malloc(ctx->image_size / ctx->page);
	if (!ctx->templ || !ctx->image || !ctx->prot)
		return ipbp_error(ctx->lc.err, "out of memory");
	memset(ctx->prot, PROT_READ, ctx->image_size / ctx->page);
	for (size_t i = 0; i < obj->nr_sections; i++) {
		const struct section *sec = obj->sections[i];
		uint8_t prot = PROT_READ | (sec->flags & SECF_WRITE ? PROT_WRITE : 0) |
			       (sec->flags & SECF_EXEC ? PROT_EXEC : 0);

		if (!(sec->flags & SECF_ALLOC) || !sec->size)
			continue;
		if (sec->data && sec->kind != SEC_BSS)
			memcpy(ctx->templ + sec->addr, sec->data, sec->size);
		for (uint64_t pg = sec->addr / ctx->page; pg * ctx->page < sec->addr + sec->size; pg++)
			ctx->prot[pg] |= prot;
	}
	for (uint64_t pg = 0; pg < ctx->image_size / ctx->page; pg++)
		if ((ctx->prot[pg] & (PROT_WRITE | PROT_EXEC)) == (PROT_WRITE | PROT_EXEC))
			return ipbp_error(ctx->lc.err, "%s: writable and executable bytes share "
					  "a page", ctx->path);
	return 0;
}

static uint64_t reloc_value(struct apply_ctx *ctx, const struct manifest_reloc *r)
{
	const struct import_value *v;

	if (r->import == MANIFEST_NONE)
		return ctx->rec->image_base;
	v = &ctx->imports[r->import];
	if (!v->tls)
		return v->addr;
	switch (ctx->arch->tls_use(r->type)) {
	case PTLS_TPOFF:
		return v->addr - v->mod->tls_offset;
	case PTLS_DTPMOD:
		return 1;	/* the executable's TLS module */
	default:
		return v->addr;
	}
}

/* A TLS import must be the executable's: only its block's place is known. */
static int check_tls(struct apply_ctx *ctx)
{
	for (size_t i = 0; i < ctx->man->nr_imports; i++) {
		const struct import_value *v = &ctx->imports[i];

		if (v->tls && (!v->mod || !v->mod->is_main || !v->mod->has_tls))
			return apply_error(ctx, ctx->man->imports[i].name, "thread-local storage "
					   "of a shared library is not supported yet");
	}
	return 0;
}

/* The image relocated for the mapping at map_addr, the branches and the
 * record that says where they are; -1 when something does not reach (err
 * says what). */
static int relocate(struct apply_ctx *ctx, uint64_t map_addr, struct ipbp_err *err)
{
	struct ledger *rec = ctx->rec;

	rec->addr = map_addr;
	rec->image_base = map_addr + ctx->record_size;
	memcpy(ctx->image, ctx->templ, ctx->image_size);
	for (size_t i = 0; i < ctx->man->nr_relocs; i++) {
		const struct manifest_reloc *r = &ctx->man->relocs[i];

		if (ctx->arch->apply(r->type, ctx->image + r->offset, reloc_value(ctx, r), r->addend,
				     rec->image_base + r->offset, err) < 0)
			return -1;
	}
	for (size_t i = 0; i < rec->nr_sites; i++) {
		struct ledger_site *s = &rec->sites[i];

		s->dest = rec->image_base + ctx->man->funcs[s->func].new_addr;
		memcpy(ctx->branches[i], s->saved, LEDGER_SAVED_MAX);
		if (ctx->arch->write_branch(ctx->branches[i], s->addr, s->dest, err) < 0)
			return -1;
	}
	free(ctx->record);
	ctx->record = NULL;
	return ledger_encode(rec, &ctx->record, &ctx->record_len, err);
}

struct place {
	uint64_t addr, distance;
};

static int by_distance(const void *a, const void *b)
{
	const struct place *x = a, *y = b;

	return x->distance < y->distance ? -1 : x->distance > y->distance;
}

static uint64_t distance(uint64_t a, uint64_t b)
{
	return a > b ? a - b : b - a;
}

/* Free gaps of the address space, a guard page on either side, the
 * mapping at the gap's end nearest to anchor; the nearest first. */
static size_t find_places(struct apply_ctx *ctx, uint64_t anchor, uint64_t size,
			  struct place *places, size_t max)
{
	const struct process *p = ctx->lc.proc;
	struct place all[p->nr_maps + 1];
	size_t n = 0;

	for (size_t i = 0; i <= p->nr_maps; i++) {
		uint64_t lo = i ? p->maps[i - 1].end : LOW_LIMIT;
		uint64_t hi = i < p->nr_maps ? p->maps[i].start : 0x7ffffffff000u;

		if (lo < LOW_LIMIT)
			lo = LOW_LIMIT;
		if (hi <= lo || hi - lo < size + 2 * ctx->page)
			continue;
		all[n].addr = anchor < lo ? lo + ctx->page : hi - ctx->page - size;
		all[n].distance = distance(all[n].addr, anchor);
		n++;
	}
	qsort(all, n, sizeof(*all), by_distance);
	if (n > max)
		n = max;
	memcpy(places, all, n * sizeof(*all));
	return n;
}

static int build_record(struct apply_ctx *ctx)
{
	struct ledger *rec = ctx->rec;
	const char *base = strrchr(ctx->path, '/');
	struct timespec ts;

	rec->state = LEDGER_APPLIED;
	rec->seq = ctx->lc.nr_recs ? ctx->lc.recs[ctx->lc.nr_recs - 1]->seq + 1 : 1;
	rec->checksum = ctx->man->checksum;
	clock_gettime(CLOCK_REALTIME, &ts);
	rec->applied_ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	rec->name = strdup(base ? base + 1 : ctx->path);
	if (!rec->name)
		return ipbp_error(ctx->lc.err, "out of memory");
	return 0;
}

static int place_patch(struct apply_ctx *ctx)
{
	struct ledger *rec = ctx->rec;
	struct place places[MAX_PLACES];
	struct ipbp_err why = { "" };
	uint64_t anchor;
	size_t n;

	if (build_template(ctx) < 0 || check_tls(ctx) < 0 || build_record(ctx) < 0)
		return -1;
	/* the record's size does not depend on where it goes */
	if (ledger_encode(rec, &ctx->record, &ctx->record_len, ctx->lc.err) < 0)
		return -1;
	ctx->record_size = round_up(ctx->record_len, ctx->page);
	rec->map_size = ctx->record_size + ctx->image_size;
	anchor = rec->nr_sites ? rec->sites[0].addr : ctx->mods.nr ? ctx->mods.mods[0].start : 0;
	n = find_places(ctx, anchor, rec->map_size, places, MAX_PLACES);
	for (size_t i = 0; i < n; i++)
		if (relocate(ctx, places[i].addr, &why) == 0)
			return 0;
	return ipbp_error(ctx->lc.err, "%s: no free address in process %d where the patch "
			  "reaches everything it refers to%s%s", ctx->path,
			  (int)ctx->lc.proc->pid, why.msg[0] ? ": " : "", why.msg);
}

/* ---- the stop ------------------------------------------------------------ */

/* IFUNC imports: the implementation the resolver picks for this CPU. */
static int resolve_indirect(struct apply_ctx *ctx)
{
	bool any = false;

	for (size_t i = 0; i < ctx->man->nr_imports; i++) {
		struct import_value *v = &ctx->imports[i];

		if (!v->indirect)
			continue;
		if (process_call(ctx->lc.proc, v->addr, &v->addr, ctx->lc.err) < 0)
			return ipbp_error_prefix(ctx->lc.err, ctx->man->imports[i].name);
		v->indirect = false;
		any = true;
	}
	return any ? relocate(ctx, ctx->rec->addr, ctx->lc.err) : 0;
}

static int syscall_in(struct apply_ctx *ctx, const char *what, long nr, uint64_t a0,
		      uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, int64_t *ret)
{
	return load_syscall(&ctx->lc, what, nr, (uint64_t[6]){ a0, a1, a2, a3, a4 }, ret);
}

/* Our own descriptor for the memfd the process just made. */
static int fill_memfd(struct apply_ctx *ctx, int64_t fd)
{
	char path[64];
	int our;
	int ret = 0;

	snprintf(path, sizeof(path), "/proc/%d/fd/%d", (int)ctx->lc.proc->pid, (int)fd);
	our = open(path, O_RDWR | O_CLOEXEC);
	if (our < 0)
		return ipbp_error(ctx->lc.err, "%s: %s", path, strerror(errno));
	if (ftruncate(our, (off_t)ctx->rec->map_size) < 0 ||
	    pwrite(our, ctx->record, ctx->record_len, 0) != (ssize_t)ctx->record_len ||
	    pwrite(our, ctx->image, ctx->image_size, (off_t)ctx->record_size) !=
		    (ssize_t)ctx->image_size)
		ret = ipbp_error(ctx->lc.err, "%s: %s", path, strerror(errno));
	close(our);
	return ret;
}

static int protect_segments(struct apply_ctx *ctx)
{
	uint64_t pages = ctx->image_size / ctx->page;
	int64_t ret;

	for (uint64_t pg = 0; pg < pages;) {
		uint64_t end = pg + 1;

		while (end < pages && ctx->prot[end] == ctx->prot[pg])
			end++;
		if (ctx->prot[pg] != PROT_READ &&
		    syscall_in(ctx, "mprotect", SYS_mprotect, ctx->rec->image_base + pg * ctx->page,
			       (end - pg) * ctx->page, ctx->prot[pg], 0, 0, &ret) < 0)
			return -1;
		pg = end;
	}
	return 0;
}

/* The memfd "ipbp:NAME" made, filled and mapped; closed again in the
 * process (the mapping keeps it). */
static int map_patch(struct apply_ctx *ctx)
{
	struct process *p = ctx->lc.proc;
	struct ledger *rec = ctx->rec;
	char name[256];
	size_t len = (size_t)snprintf(name, sizeof(name), "%s%s", LEDGER_MEMFD_PREFIX, rec->name);
	uint64_t name_addr;
	int64_t fd, addr, ret;
	int r;

	if (len >= 249)
		len = 248, name[len] = 0;
	/* the name goes below the red zone of the stack of the thread that
	 * makes the calls: memory nothing uses while it is stopped */
	name_addr = ((p->threads[0].sp - 512 - len - 1) & ~(uint64_t)15);
	if (process_write(p, name_addr, name, len + 1, ctx->lc.err) < 0 ||
	    syscall_in(ctx, "memfd_create", SYS_memfd_create, name_addr, MFD_CLOEXEC, 0, 0, 0,
		       &fd) < 0)
		return -1;
	r = fill_memfd(ctx, fd);
	if (r == 0)
		r = syscall_in(ctx, "mmap", SYS_mmap, rec->addr, rec->map_size, PROT_READ,
			       MAP_PRIVATE | MAP_FIXED_NOREPLACE, (uint64_t)fd, &addr);
	if (r == 0 && (uint64_t)addr != rec->addr) {
		load_munmap(&ctx->lc, (uint64_t)addr, rec->map_size);
		r = ipbp_error(ctx->lc.err, "process %d: the kernel placed the patch elsewhere "
			       "(no MAP_FIXED_NOREPLACE before Linux 4.17)", (int)p->pid);
	}
	if (r == 0 && (r = protect_segments(ctx)) < 0)
		load_munmap(&ctx->lc, rec->addr, rec->map_size);
	/* the mapping holds the file; a failed close loses nothing */
	process_syscall(p, SYS_close, (uint64_t[6]){ (uint64_t)fd }, &ret, NULL);
	return r;
}

/* The branches, after checking that each site still holds what was
 * planned; on any failure the ones written are put back. */
static int redirect(struct apply_ctx *ctx)
{
	struct process *p = ctx->lc.proc;
	struct ledger *rec = ctx->rec;
	size_t done = 0;

	for (size_t i = 0; i < rec->nr_sites; i++) {
		uint8_t now[LEDGER_SAVED_MAX];
		const struct ledger_site *s = &rec->sites[i];

		if (process_read(p, s->addr, now, s->size, ctx->lc.err) < 0)
			return -1;
		if (memcmp(now, s->saved, s->size))
			return ipbp_error(ctx->lc.err, "process %d: the code at 0x%" PRIx64 " changed "
					  "while the patch was prepared", (int)p->pid, s->addr);
	}
	for (; done < rec->nr_sites; done++) {
		const struct ledger_site *s = &rec->sites[done];

		if (process_write(p, s->addr, ctx->branches[done], s->size, ctx->lc.err) < 0)
			break;
	}
	if (done == rec->nr_sites)
		return 0;
	while (done-- > 0)
		process_write(p, rec->sites[done].addr, rec->sites[done].saved,
			      rec->sites[done].size, NULL);
	return -1;
}

static int apply_stopped(struct apply_ctx *ctx)
{
	if (load_stop_clear(&ctx->lc, &ctx->rec, 1) < 0)
		return -1;
	load_step(&ctx->lc, "wait");
	if (resolve_indirect(ctx) < 0 || map_patch(ctx) < 0)
		return -1;
	load_step(&ctx->lc, "map");
	if (redirect(ctx) < 0) {
		load_munmap(&ctx->lc, ctx->rec->addr, ctx->rec->map_size);
		return -1;
	}
	load_step(&ctx->lc, "redirect");
	if (process_resume(ctx->lc.proc, ctx->lc.err) < 0)
		return -1;
	load_step(&ctx->lc, "resume");
	return 0;
}

static void apply_release(struct apply_ctx *ctx)
{
	load_ctx_release(&ctx->lc);
	modules_release(&ctx->mods);
	patch_free(ctx->patch);
	ledger_free(ctx->rec);
	free(ctx->imports);
	free(ctx->templ);
	free(ctx->image);
	free(ctx->prot);
	free(ctx->record);
	free(ctx->branches);
}

static int copy_manifest(struct apply_ctx *ctx)
{
	const struct patch *p = ctx->patch;
	const struct section *sec = obj_find_section(p->obj, MANIFEST_SECTION);

	if (!sec || !sec->data)
		return ipbp_error(ctx->lc.err, "%s: no manifest", ctx->path);
	ctx->rec->manifest_bytes = malloc(sec->size ? sec->size : 1);
	if (!ctx->rec->manifest_bytes)
		return ipbp_error(ctx->lc.err, "out of memory");
	memcpy(ctx->rec->manifest_bytes, sec->data, sec->size);
	ctx->rec->manifest_size = sec->size;
	return 0;
}

int patchload_apply(pid_t pid, const char *path, const struct patchload_opts *opts,
		    struct ledger **applied, struct patchload_stats *stats,
		    struct ipbp_err *err)
{
	struct patchload_stats local_stats;
	struct apply_ctx ctx = { .path = path };
	int ret = -1;

	*applied = NULL;
	load_ctx_init(&ctx.lc, opts, stats ? stats : &local_stats, err);
	if (!(ctx.rec = calloc(1, sizeof(*ctx.rec)))) {
		ipbp_error(err, "out of memory");
		goto out;
	}
	/* while the process runs */
	if (open_patch(&ctx) < 0 || copy_manifest(&ctx) < 0)
		goto out;
	load_step(&ctx.lc, "open");
	if (inspect_process(&ctx, pid) < 0 || check_target(&ctx) < 0)
		goto out;
	load_step(&ctx.lc, "inspect");
	if (resolve_funcs(&ctx) < 0 || resolve_imports(&ctx) < 0)
		goto out;
	load_step(&ctx.lc, "resolve");
	if (place_patch(&ctx) < 0)
		goto out;
	load_step(&ctx.lc, "place");
	/* with every thread stopped */
	if (!opts->dry_run && apply_stopped(&ctx) < 0)
		goto out;
	if (manifest_decode(&ctx.rec->manifest, ctx.rec->name, ctx.rec->manifest_bytes,
			    ctx.rec->manifest_size, err) < 0)
		goto out;
	ret = 0;
	*applied = ctx.rec;
	ctx.rec = NULL;
out:
	apply_release(&ctx);
	return ret;
}
