// SPDX-License-Identifier: MIT
/*
 * modules.c - the executable and shared libraries of a running process.
 */
#include <elf.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bytes.h"
#include "modules.h"
#include "objfile.h"

#define MAX_MODULES 65536
#define VERSYM_HIDDEN 0x8000u	/* a non-default version of the name */

const struct objfile_opts module_file_opts = { .load_flags = OBJ_LOAD_KEEP_COMPRESSED };

static bool is_module_path(const char *path)
{
	return path[0] == '/' && !strstr(path, "/memfd:");
}

static struct module *add_module(struct module_set *set, const struct mapping *m,
				 size_t *cap)
{
	struct module *mod;

	if (set->nr == *cap) {
		size_t ncap = *cap ? *cap * 2 : 32;
		void *p;

		if (ncap > MAX_MODULES || !(p = realloc(set->mods, ncap * sizeof(*mod))))
			return NULL;
		set->mods = p;
		*cap = ncap;
	}
	mod = &set->mods[set->nr];
	memset(mod, 0, sizeof(*mod));
	if (!(mod->path = strdup(m->path)))
		return NULL;
	mod->start = m->start;
	mod->end = m->end;
	mod->map_offset = m->offset;
	set->nr++;
	return mod;
}

int modules_find(struct module_set *set, struct process *p, const char *debug_dir,
		 struct ipbp_err *err)
{
	size_t cap = 0;

	memset(set, 0, sizeof(*set));
	set->debug_dir = debug_dir ? debug_dir : DEFAULT_DEBUG_DIR;
	for (size_t i = 0; i < p->nr_maps; i++) {
		const struct mapping *m = &p->maps[i];
		struct module *mod = NULL;

		if (!is_module_path(m->path))
			continue;
		for (size_t j = 0; j < set->nr; j++)
			if (!strcmp(set->mods[j].path, m->path))
				mod = &set->mods[j];
		if (mod) {
			if (m->end > mod->end)
				mod->end = m->end;
			continue;
		}
		if (!(mod = add_module(set, m, &cap))) {
			modules_release(set);
			return ipbp_error(err, "out of memory");
		}
	}
	for (size_t j = 0; j < set->nr; j++) {
		struct module *mod = &set->mods[j];

		if (p->entry >= mod->start && p->entry < mod->end) {
			struct module main = *mod;

			memmove(set->mods + 1, set->mods, j * sizeof(*mod));
			set->mods[0] = main;
			set->mods[0].is_main = true;
			break;
		}
	}
	return 0;
}

void modules_release(struct module_set *set)
{
	for (size_t i = 0; i < set->nr; i++) {
		struct module *m = &set->mods[i];

		free((char *)m->path);
		free(m->open_error);
		objfile_free(m->file);
		objfile_free(m->debug);
		free(m->versioned);
	}
	free(set->mods);
	memset(set, 0, sizeof(*set));
}

struct module *modules_find_by_addr(struct module_set *set, uint64_t addr)
{
	for (size_t i = 0; i < set->nr; i++)
		if (addr >= set->mods[i].start && addr < set->mods[i].end)
			return &set->mods[i];
	return NULL;
}

/* ---- reading a module's file ------------------------------------------- */

/*
 * The file the process mapped: /proc/PID/map_files/START-END is the mapped
 * file itself even when the path now names another one; without the right
 * to open it, the path, if it still names the same file.
 */
static int open_module_file(struct module *m, const struct process *p,
			    struct ipbp_err *err)
{
	char path[128];
	struct stat st;
	const struct mapping *map = process_find_mapping(p, m->start);

	snprintf(path, sizeof(path), "/proc/%d/map_files/%" PRIx64 "-%" PRIx64, (int)p->pid,
		 m->start, map ? map->end : m->end);
	if (objfile_open(&m->file, path, &module_file_opts, NULL) == 0)
		return 0;
	if (strstr(m->path, " (deleted)"))
		return ipbp_error(err, "%s: the file the process runs was deleted", m->path);
	if (map && (stat(m->path, &st) < 0 || (uint64_t)st.st_ino != map->inode))
		return ipbp_error(err, "%s: changed on disk since the process loaded it",
				  m->path);
	return objfile_open(&m->file, m->path, &module_file_opts, err);
}

int module_build_id(const struct obj *obj, uint8_t *id, size_t *len)
{
	const struct section *sec = obj_find_section(obj, ".note.gnu.build-id");
	const uint8_t *p;
	uint32_t namesz, descsz;

	*len = 0;
	if (!sec || !sec->data || sec->size < 16)
		return -1;
	p = sec->data;
	namesz = (uint32_t)get_le(p, 4);
	descsz = (uint32_t)get_le(p + 4, 4);
	if (get_le(p + 8, 4) != NT_GNU_BUILD_ID || namesz != 4 || memcmp(p + 12, "GNU", 4) ||
	    descsz > MANIFEST_BUILD_ID_MAX || !in_bounds(sec->size, 16, descsz))
		return -1;
	memcpy(id, p + 16, descsz);
	*len = descsz;
	return 0;
}

/* The load bias and the TLS block from the program headers. */
static int read_segments(struct module *m, struct ipbp_err *err)
{
	const uint8_t *d = m->file->data;
	size_t size = m->file->size;
	Elf64_Ehdr eh;
	bool based = false;

	if (size < sizeof(eh))
		return ipbp_error(err, "%s: not an ELF file", m->path);
	memcpy(&eh, d, sizeof(eh));
	if (eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_phentsize != sizeof(Elf64_Phdr) ||
	    !in_bounds(size, eh.e_phoff, (uint64_t)eh.e_phnum * sizeof(Elf64_Phdr)))
		return ipbp_error(err, "%s: unreadable program headers", m->path);
	for (unsigned i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;

		memcpy(&ph, d + eh.e_phoff + (uint64_t)i * sizeof(ph), sizeof(ph));
		if (ph.p_type == PT_LOAD && !based &&
		    (ph.p_offset & ~(uint64_t)0xfff) == m->map_offset) {
			m->base = m->start - (ph.p_vaddr & ~(uint64_t)0xfff);
			based = true;
		}
		if (ph.p_type == PT_TLS && ph.p_memsz) {
			uint64_t align = ph.p_align ? ph.p_align : 1;
			uint64_t first = (0 - (ph.p_vaddr & (align - 1))) & (align - 1);

			/* glibc's _dl_determine_tlsoffset for the first module */
			m->has_tls = true;
			m->tls_offset = ((ph.p_memsz - first + align - 1) & ~(align - 1)) + first;
		}
	}
	if (!based)
		return ipbp_error(err, "%s: no segment matches its mapping", m->path);
	return 0;
}

static void read_versym(struct module *m)
{
	const struct section *sec = obj_find_section(m->obj, ".gnu.version");

	if (sec && sec->data && !m->has_locals) {
		m->versym = sec->data;
		m->nr_versym = sec->size / 2;
	}
}

/* A stripped module's symbols from DEBUG_DIR/.build-id/xx/yyyy.debug. */
static void load_debug_file(struct module *m, const char *debug_dir)
{
	char path[4096];
	int n;

	if (m->build_id_len < 2 || strlen(debug_dir) > 3900)
		return;
	n = snprintf(path, sizeof(path), "%s/.build-id/%02x/", debug_dir, m->build_id[0]);
	for (size_t i = 1; i < m->build_id_len; i++)
		n += snprintf(path + n, sizeof(path) - (size_t)n, "%02x", m->build_id[i]);
	snprintf(path + n, sizeof(path) - (size_t)n, ".debug");
	if (objfile_open(&m->debug, path, &module_file_opts, NULL) < 0)
		return;
	if (m->debug->nr_objs == 1 && obj_find_section(m->debug->objs[0], ".symtab")) {
		m->obj = m->debug->objs[0];
		m->has_locals = true;
	}
}

/*
 * The program's .symtab names what the linker copied out of a library by
 * its versioned name ("stdout@GLIBC_2.2.5"); the process uses that copy.
 * A library's .symtab (or its debug file's) names its own definitions so:
 * "glob@@GLIBC_2.27" is the default version, which a link binds a plain
 * name to, and "glob@GLIBC_2.2.5" an old one kept for old programs, which
 * no link binds a plain name to; a module that defines versions offers
 * only its defaults.
 */
static int find_versioned(struct module *m)
{
	const struct obj *obj = m->obj;
	bool defines_versions = obj_find_section(obj, ".gnu.version_d");

	for (size_t i = 0; i < obj->nr_symbols; i++) {
		const struct symbol *s = obj->symbols[i];
		const char *at;
		void *p;

		if (!is_defined(s) || s->bind == BIND_LOCAL || !(at = strchr(s->name, '@')) ||
		    (defines_versions && at[1] != '@'))
			continue;
		p = realloc(m->versioned, (m->nr_versioned + 1) * sizeof(*m->versioned));
		if (!p)
			return -1;
		m->versioned = p;
		m->versioned[m->nr_versioned++] = s;
	}
	return 0;
}

/* The symbols of m's image obj.  A stripped executable's come from its
 * debug file under debug_dir (NULL: none) at once; a stripped library's
 * dynamic symbols name all it exports, and its debug file is read only
 * when a file-local name is looked up (want_locals()): libc's has
 * megabytes of symbols and debug information that no import needs. */
static int read_symbols(struct module *m, const struct obj *obj, const char *debug_dir,
			struct ipbp_err *err)
{
	m->obj = obj;
	m->has_locals = obj_find_section(m->obj, ".symtab") != NULL;
	m->debug_dir = debug_dir;
	module_build_id(m->obj, m->build_id, &m->build_id_len);
	if (!m->has_locals && debug_dir && m->is_main)
		load_debug_file(m, debug_dir);
	read_versym(m);
	if (find_versioned(m) < 0)
		return ipbp_error(err, "out of memory");
	m->loaded = true;
	return 0;
}

/* Before a file-local name is looked up in a stripped library: its debug
 * file's symbols, if there is one, instead of its dynamic ones. */
static void want_locals(struct module *m)
{
	if (m->has_locals || !m->debug_dir)
		return;
	load_debug_file(m, m->debug_dir);
	m->debug_dir = NULL;	/* looked for once */
	if (!m->has_locals)
		return;
	m->versym = NULL;	/* numbers dynamic symbols, not these */
	m->nr_versym = 0;
	free(m->versioned);
	m->versioned = NULL;
	m->nr_versioned = 0;
	if (find_versioned(m) < 0) {	/* out of memory: the plain names only */
		free(m->versioned);
		m->versioned = NULL;
		m->nr_versioned = 0;
	}
}

int module_load(struct module *m, const struct module_set *set, const struct process *p,
		struct ipbp_err *err)
{
	struct ipbp_err local;

	if (m->loaded)
		return 0;
	if (m->open_error)
		return ipbp_error(err, "%s", m->open_error);
	if (open_module_file(m, p, &local) < 0 || read_segments(m, &local) < 0 ||
	    (m->file->nr_objs != 1 && ipbp_error(&local, "%s: not an ELF module", m->path))) {
		m->open_error = strdup(local.msg);
		return ipbp_error(err, "%s", local.msg);
	}
	return read_symbols(m, m->file->objs[0], set->debug_dir, err);
}

int module_from_image(struct module *m, const char *path, const struct obj *obj,
		      struct ipbp_err *err)
{
	memset(m, 0, sizeof(*m));
	m->path = path;
	return read_symbols(m, obj, NULL, err);
}

void module_release_image(struct module *m)
{
	free(m->versioned);
	m->versioned = NULL;
}

/* ---- looking up names --------------------------------------------------- */

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

static bool is_default_version(const struct module *m, const struct symbol *s)
{
	return !m->versym || s->native_index >= m->nr_versym ||
	       !(get_le(m->versym + 2 * (size_t)s->native_index, 2) & VERSYM_HIDDEN);
}

static bool is_match(const struct module *m, const struct symbol *s, const char *name,
		     const char *file, bool local)
{
	if (strcmp(s->name, name) || !is_defined(s) || s->kind == SYMK_SECTION ||
	    s->kind == SYMK_FILE || (s->bind == BIND_LOCAL) != local)
		return false;
	if (local && file && (!s->file || strcmp(base_name(s->file), base_name(file))))
		return false;
	return local || is_default_version(m, s);
}

/* Whether m has a file symbol named file. */
static bool has_file_symbol(const struct module *m, const char *file)
{
	for (const struct symbol *s = obj_find_symbol(m->obj, file); s; s = s->hash_next)
		if (s->kind == SYMK_FILE && !strcmp(s->name, file))
			return true;
	return false;
}

const struct symbol *module_find_symbol(struct module *m, const char *name,
					const char *file, uint32_t flags, bool *ambiguous)
{
	const struct symbol *found = NULL;
	bool local = flags & ME_LOCAL;

	*ambiguous = false;
	if (local)
		want_locals(m);
	if (!m->obj)
		return NULL;
	/* GNU ld puts the locals of an object without file symbols under
	 * one named after the object; lld adds none, and they then follow
	 * another object's file symbol. */
	if ((flags & ME_OBJECT_FILE) && file && !has_file_symbol(m, base_name(file)))
		file = NULL;
	for (const struct symbol *s = obj_find_symbol(m->obj, name); s; s = s->hash_next) {
		if (!is_match(m, s, name, file, local))
			continue;
		if (found && (found->value != s->value || found->kind != s->kind))
			*ambiguous = true;
		else if (!found || (found->bind == BIND_WEAK && s->bind == BIND_GLOBAL))
			found = s;
	}
	for (size_t i = 0; !found && !local && i < m->nr_versioned; i++) {
		const struct symbol *s = m->versioned[i];
		size_t len = strlen(name);

		if (!strncmp(s->name, name, len) && s->name[len] == '@')
			found = s;
	}
	return found;
}
