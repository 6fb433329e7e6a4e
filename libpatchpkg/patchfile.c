// SPDX-License-Identifier: MIT
/*
 * patchfile.c - opening a patch container (the native image through the
 * formats/ readers, its ".ipbp.manifest" section through manifest.c) and
 * checking it against itself (patch_verify) before anyone trusts it.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "elf-reloc.h"
#include "objfile.h"
#include "patch-arch.h"
#include "patchfile.h"

/* ---- opening ------------------------------------------------------------- */

/* Finds and decodes the manifest of p->obj. */
static int patch_read_manifest(struct patch *p, struct ipbp_err *err)
{
	const struct section *sec = obj_find_section(p->obj, MANIFEST_SECTION);

	if (!sec)
		return ipbp_error(err, "%s: no %s section: not an ipbp patch", p->name,
				  MANIFEST_SECTION);
	if (!sec->data || sec->data < p->data || sec->size > p->size ||
	    (size_t)(sec->data - p->data) > p->size - sec->size)
		return ipbp_error(err, "%s: %s section has no bytes in the file", p->name,
				  MANIFEST_SECTION);
	p->manifest_offset = (uint64_t)(sec->data - p->data);
	return manifest_decode(&p->manifest, p->name, sec->data, sec->size, err);
}

static struct patch *patch_alloc(const char *name, struct ipbp_err *err)
{
	struct patch *p = calloc(1, sizeof(*p));

	if (!p) {
		ipbp_error(err, "%s: out of memory", name);
		return NULL;
	}
	p->name = strdup(name);
	if (!p->name) {
		free(p);
		ipbp_error(err, "%s: out of memory", name);
		return NULL;
	}
	return p;
}

int patch_open(struct patch **out, const char *path, struct ipbp_err *err)
{
	struct patch *p;

	*out = NULL;
	p = patch_alloc(path, err);
	if (!p)
		return -1;
	if (objfile_open(&p->file, path, NULL, err) < 0)
		goto fail;
	if (p->file->archive || p->file->nr_objs != 1) {
		ipbp_error(err, "%s: an archive, not an ipbp patch", path);
		goto fail;
	}
	p->data = p->file->data;
	p->size = p->file->size;
	p->obj = p->file->objs[0];
	if (patch_read_manifest(p, err) < 0)
		goto fail;
	*out = p;
	return 0;
fail:
	patch_free(p);
	return -1;
}

int patch_open_buffer(struct patch **out, const char *name, const uint8_t *data,
		      size_t size, struct ipbp_err *err)
{
	struct patch *p;

	*out = NULL;
	p = patch_alloc(name, err);
	if (!p)
		return -1;
	p->data = data;
	p->size = size;
	if (obj_load(&p->obj, p->name, data, size, err) < 0 ||
	    patch_read_manifest(p, err) < 0) {
		patch_free(p);
		return -1;
	}
	*out = p;
	return 0;
}

void patch_free(struct patch *p)
{
	if (!p)
		return;
	manifest_free(p->manifest);
	if (p->file)
		objfile_free(p->file);	/* owns p->obj */
	else
		obj_free(p->obj);
	free((char *)p->name);
	free(p);
}

/* ---- verification: the context --------------------------------------- */

struct verifier {
	const struct patch *p;
	const struct manifest *m;
	void (*report)(void *arg, const char *problem);
	void *arg;
	int problems;

	const struct section **loaded;	/* SECF_ALLOC sections by address */
	size_t nr_loaded;
	uint64_t *funcs;		/* addresses of defined functions, sorted */
	size_t nr_funcs;
};

static void problem(struct verifier *v, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void problem(struct verifier *v, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	v->problems++;
	v->report(v->arg, msg);
}

/* A name from the file, safe to print on one line: controls, blanks other
 * than space, DEL and backslash as \xhh; cut at a length that keeps
 * messages readable. */
static const char *printable(const char *s, char *buf, size_t size)
{
	size_t n = 0;

	if (!s)
		return "(none)";
	for (const unsigned char *c = (const unsigned char *)s; *c && n + 5 < size; c++) {
		if (*c < 0x20 || *c == 0x7f || *c == '\\')
			n += snprintf(buf + n, size - n, "\\x%02x", *c);
		else
			buf[n++] = *c;
	}
	buf[n] = 0;
	return buf;
}

static int cmp_section_addr(const void *a, const void *b)
{
	const struct section *x = *(const struct section *const *)a;
	const struct section *y = *(const struct section *const *)b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The loaded sections by address and the function addresses of p->obj. */
static int verifier_init(struct verifier *v)
{
	const struct obj *obj = v->p->obj;
	struct section *sec;
	struct symbol *sym;

	v->loaded = calloc(obj->nr_sections + 1, sizeof(*v->loaded));
	v->funcs = calloc(obj->nr_symbols + 1, sizeof(*v->funcs));
	if (!v->loaded || !v->funcs)
		return -1;
	for_each_section(obj, sec)
		if ((sec->flags & SECF_ALLOC) && sec->size)
			v->loaded[v->nr_loaded++] = sec;
	qsort(v->loaded, v->nr_loaded, sizeof(*v->loaded), cmp_section_addr);
	for_each_symbol(obj, sym)
		if (sym->kind == SYMK_FUNC && is_defined(sym) && sym->sec &&
		    (sym->sec->flags & SECF_ALLOC))
			v->funcs[v->nr_funcs++] = sym->sec->addr + sym->offset;
	qsort(v->funcs, v->nr_funcs, sizeof(*v->funcs), cmp_u64);
	return 0;
}

static void verifier_release(struct verifier *v)
{
	free(v->loaded);
	free(v->funcs);
}

/* The loaded section holding all of [addr, addr + size), or NULL. */
static const struct section *find_loaded_section_by_range(const struct verifier *v,
							  uint64_t addr, uint64_t size)
{
	size_t lo = 0, hi = v->nr_loaded;

	/* The last section starting at or before addr, then those before it
	 * (sections of an image do not overlap, but a hostile file's may). */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (v->loaded[mid]->addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	while (lo-- > 0) {
		const struct section *sec = v->loaded[lo];

		if (in_bounds(sec->size, addr - sec->addr, size))
			return sec;
	}
	return NULL;
}

static bool is_function_start(const struct verifier *v, uint64_t addr)
{
	return bsearch(&addr, v->funcs, v->nr_funcs, sizeof(*v->funcs), cmp_u64) != NULL;
}

/* ---- verification: the checks -------------------------------------------- */

static enum manifest_format container_format(const struct obj *obj)
{
	switch (obj->format) {
	case FORMAT_ELF: return MANIFEST_FMT_ELF;
	case FORMAT_MACHO: return MANIFEST_FMT_MACHO;
	case FORMAT_COFF: return MANIFEST_FMT_COFF;
	case FORMAT_WASM: return MANIFEST_FMT_WASM;
	}
	return 0;
}

static void verify_checksum(struct verifier *v)
{
	const struct patch *p = v->p;
	uint64_t sum = patch_checksum(p->data, p->size,
				      p->manifest_offset + MANIFEST_CHECKSUM_OFFSET);

	if (sum != v->m->checksum)
		problem(v, "checksum mismatch: the manifest says %#018llx, the file hashes "
			"to %#018llx", (unsigned long long)v->m->checksum,
			(unsigned long long)sum);
}

static void verify_header(struct verifier *v)
{
	const struct manifest *m = v->m;
	const struct obj *obj = v->p->obj;
	const struct section *sec = obj_find_section(obj, MANIFEST_SECTION);

	if (!strcmp(manifest_format_name(m->format), "unknown"))
		problem(v, "unknown container format %u", (unsigned)m->format);
	else if (m->format != container_format(obj))
		problem(v, "manifest format %s does not match the container's (%s)",
			manifest_format_name(m->format), obj_format_name(obj->format));
	if (m->machine != obj->machine)
		problem(v, "manifest machine %u does not match the container's (%u)",
			m->machine, obj->machine);
	if (obj->type != OBJ_SHARED)
		problem(v, "container is not a shared object but %s", obj_type_name(obj->type));
	if (sec && (sec->flags & SECF_ALLOC))
		problem(v, "%s section is loaded: it must not be", MANIFEST_SECTION);
	if (m->flags & ~(MANIFEST_F_FORCED | MANIFEST_F_TARGET))
		problem(v, "unknown header flags %#x",
			m->flags & ~(MANIFEST_F_FORCED | MANIFEST_F_TARGET));
	if (m->build_id_len > MANIFEST_BUILD_ID_MAX)
		problem(v, "build-id size %zu exceeds %d", m->build_id_len,
			MANIFEST_BUILD_ID_MAX);
}

/* Flags outside allowed, and ME_RESOLVED in a patch bound to no target. */
static void verify_entry_flags(struct verifier *v, const char *what, const char *name,
			       uint32_t flags, uint32_t allowed)
{
	char buf[200];

	if (flags & ~allowed)
		problem(v, "%s %s: unknown flags %#x", what, printable(name, buf, sizeof(buf)),
			flags & ~allowed);
	if ((flags & ME_OBJECT_FILE) && !(flags & ME_LOCAL))
		problem(v, "%s %s: an object's file group, but not file-local", what,
			printable(name, buf, sizeof(buf)));
	if ((flags & ME_RESOLVED) && !(v->m->flags & MANIFEST_F_TARGET))
		problem(v, "%s %s: pre-resolved, but the patch is bound to no target", what,
			printable(name, buf, sizeof(buf)));
}

/* [addr, addr + size) lies in a loaded section (executable when code). */
static void verify_range(struct verifier *v, const char *what, const char *name,
			 uint64_t addr, uint64_t size, bool code)
{
	const struct section *sec = find_loaded_section_by_range(v, addr, size);
	char buf[200], sbuf[100];

	if (!sec)
		problem(v, "%s %s: %llu bytes at %#llx lie outside the loaded sections", what,
			printable(name, buf, sizeof(buf)), (unsigned long long)size,
			(unsigned long long)addr);
	else if (code && !(sec->flags & SECF_EXEC))
		problem(v, "%s %s: code at %#llx is in %s, which is not executable", what,
			printable(name, buf, sizeof(buf)), (unsigned long long)addr,
			printable(sec->name, sbuf, sizeof(sbuf)));
}

static bool is_known_kind(enum manifest_kind k)
{
	return strcmp(manifest_kind_name(k), "unknown") != 0;
}

/* The masks of f: sorted, apart, inside the old function. */
static void verify_masks(struct verifier *v, const struct manifest_func *f)
{
	const struct manifest_mask *k = v->m->masks + f->mask_first;
	uint64_t end = 0;
	char buf[200];

	for (uint32_t i = 0; i < f->nr_masks; i++) {
		if (i && k[i].offset < end)
			problem(v, "replaced function %s: mask %u at +%#x overlaps or precedes "
				"the one before", printable(f->name, buf, sizeof(buf)), i,
				k[i].offset);
		end = (uint64_t)k[i].offset + k[i].size;
		if (end > f->old_size)
			problem(v, "replaced function %s: mask %u (%u bytes at +%#x) extends past "
				"its old size (%llu)", printable(f->name, buf, sizeof(buf)), i,
				k[i].size, k[i].offset, (unsigned long long)f->old_size);
	}
}

static void verify_funcs(struct verifier *v)
{
	char buf[200];

	for (size_t i = 0; i < v->m->nr_funcs; i++) {
		const struct manifest_func *f = &v->m->funcs[i];

		verify_masks(v, f);

		verify_entry_flags(v, "replaced function", f->name, f->flags,
				   ME_LOCAL | ME_OBJECT_FILE | ME_RESOLVED);
		verify_range(v, "replaced function", f->name, f->new_addr, f->new_size, true);
		if (!is_function_start(v, f->new_addr))
			problem(v, "replaced function %s: no function of the patch starts at "
				"%#llx", printable(f->name, buf, sizeof(buf)),
				(unsigned long long)f->new_addr);
	}
}

static void verify_added(struct verifier *v)
{
	char buf[200];

	for (size_t i = 0; i < v->m->nr_added; i++) {
		const struct manifest_added *a = &v->m->added[i];

		verify_entry_flags(v, "added", a->name, a->flags,
				   ME_LOCAL | ME_OBJECT_FILE | ME_READONLY);
		if (!is_known_kind(a->kind))
			problem(v, "added %s: unknown kind %u", printable(a->name, buf, sizeof(buf)),
				(unsigned)a->kind);
		verify_range(v, "added", a->name, a->addr, a->size, a->kind == MK_FUNC);
		if (a->kind != MK_FUNC && a->hash)
			problem(v, "added %s: a %s entry has a code hash (%#llx)",
				printable(a->name, buf, sizeof(buf)), manifest_kind_name(a->kind),
				(unsigned long long)a->hash);
	}
}

static void verify_imports(struct verifier *v)
{
	char buf[200];

	for (size_t i = 0; i < v->m->nr_imports; i++) {
		const struct manifest_import *im = &v->m->imports[i];

		verify_entry_flags(v, "import", im->name, im->flags,
				   ME_LOCAL | ME_OBJECT_FILE | ME_WEAK | ME_RESOLVED);
		if (!is_known_kind(im->kind))
			problem(v, "import %s: unknown kind %u",
				printable(im->name, buf, sizeof(buf)), (unsigned)im->kind);
	}
}

static void verify_warnings(struct verifier *v)
{
	for (size_t i = 0; i < v->m->nr_warnings; i++) {
		const struct manifest_warning *w = &v->m->warnings[i];

		if (!strcmp(manifest_warning_name(w->code), "unknown"))
			problem(v, "warning %zu: unknown code %u", i, (unsigned)w->code);
	}
}

/*
 * The bytes a relocation type writes.  Patch relocations carry ELF psABI
 * types whatever the container (doc/patchpkg.5), so the ELF reader's type
 * table is the one that knows them: 0 for a type the architecture does
 * not have, R_*_NONE, and types without a field (R_X86_64_COPY).
 */
static unsigned reloc_width(const struct obj *obj, uint32_t type)
{
	const struct elf_reloc_type *t = elf_reloc_type(obj->arch, type);

	return t && t->name && t->kind != RK_NONE ? t->width : 0;
}

struct field {
	uint64_t start, end;
	size_t index;
};

static int cmp_field(const void *a, const void *b)
{
	const struct field *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

/* Reports each field that starts inside an earlier one. */
static void verify_overlaps(struct verifier *v, struct field *fields, size_t n)
{
	size_t widest = 0;

	qsort(fields, n, sizeof(*fields), cmp_field);
	for (size_t i = 1; i < n; i++) {
		if (fields[i].start < fields[widest].end)
			problem(v, "relocations %zu and %zu overlap at %#llx",
				fields[widest].index, fields[i].index,
				(unsigned long long)fields[i].start);
		if (fields[i].end > fields[widest].end)
			widest = i;
	}
}

static int verify_relocs(struct verifier *v)
{
	const struct manifest *m = v->m;
	const struct obj *obj = v->p->obj;
	struct field *fields = calloc(m->nr_relocs + 1, sizeof(*fields));
	size_t n = 0;

	if (!fields)
		return -1;
	for (size_t i = 0; i < m->nr_relocs; i++) {
		const struct manifest_reloc *r = &m->relocs[i];
		unsigned width = reloc_width(obj, r->type);

		if (r->import != MANIFEST_NONE && r->import >= m->nr_imports)
			problem(v, "relocation %zu: import %u out of range (%zu imports)", i,
				r->import, m->nr_imports);
		if (!width) {
			problem(v, "relocation %zu: type %u (%s) is not a relocation %s patches "
				"can use", i, r->type, obj_reloc_type_name(obj, r->type),
				obj_arch_name(obj->arch));
			continue;
		}
		if (!find_loaded_section_by_range(v, r->offset, width)) {
			problem(v, "relocation %zu: field of %u bytes at %#llx lies outside the "
				"loaded sections", i, width, (unsigned long long)r->offset);
			continue;
		}
		fields[n++] = (struct field){ r->offset, r->offset + width, i };
	}
	verify_overlaps(v, fields, n);
	free(fields);
	return 0;
}

int patch_verify(const struct patch *p,
		 void (*report)(void *arg, const char *problem), void *arg)
{
	struct verifier v = { .p = p, .m = p->manifest, .report = report, .arg = arg };
	int ret = -1;

	if (verifier_init(&v) < 0)
		goto out;
	/* The file as a whole, then the manifest against the container. */
	verify_checksum(&v);
	verify_header(&v);
	verify_funcs(&v);
	verify_added(&v);
	verify_imports(&v);
	if (verify_relocs(&v) < 0)
		goto out;
	verify_warnings(&v);
	ret = v.problems;
out:
	verifier_release(&v);
	return ret;
}
