// SPDX-License-Identifier: MIT
/*
 * objfile.c - from a path (or bytes) to the objects inside: a plain
 * object, the members of an archive, the chosen slice of a universal
 * Mach-O file, in any nesting a real file uses (a universal file of
 * archives, an archive of objects).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "archive.h"
#include "macho.h"
#include "objfile.h"

/* Universal file -> archive -> object is the deepest real nesting. */
#define MAX_NESTING 3
#define MAX_DEPTH 64	/* directory nesting */

static int add_obj(struct objfile *file, struct obj *obj, struct ipbp_err *err)
{
	struct obj **v;

	v = realloc(file->objs, (file->nr_objs + 1) * sizeof(*v));
	if (!v) {
		obj_free(obj);
		return ipbp_error(err, "%s: out of memory", file->path);
	}
	file->objs = v;
	file->objs[file->nr_objs++] = obj;
	return 0;
}

static int load_blob(struct objfile *file, const char *name, const uint8_t *data,
		     size_t size, const struct objfile_opts *opts, int depth,
		     struct ipbp_err *err);

static int load_archive(struct objfile *file, const char *name, const uint8_t *data,
			size_t size, const struct objfile_opts *opts, int depth,
			struct ipbp_err *err)
{
	struct archive *ar;
	int ret = 0;

	if (archive_read(&ar, name, data, size, err) < 0)
		return -1;
	for (size_t i = 0; i < ar->nr_members && ret == 0; i++) {
		const struct archive_member *m = &ar->members[i];
		size_t len = strlen(name) + strlen(m->name) + 3;
		char *mname = malloc(len);

		if (!mname) {
			ret = ipbp_error(err, "%s: out of memory", name);
			break;
		}
		snprintf(mname, len, "%s(%s)", name, m->name);
		ret = load_blob(file, mname, m->data, m->size, opts, depth + 1, err);
		free(mname);
	}
	if (ret == 0 && !file->archive && depth == 0) {
		file->archive = ar;
		return 0;
	}
	archive_free(ar);
	return ret;
}

static int load_blob(struct objfile *file, const char *name, const uint8_t *data,
		     size_t size, const struct objfile_opts *opts, int depth,
		     struct ipbp_err *err)
{
	struct obj *obj;

	if (depth > MAX_NESTING)
		return ipbp_error(err, "%s: containers nested too deeply", name);
	if (macho_fat_probe(data, size)) {
		size_t off, len;

		if (macho_fat_slice(name, data, size, opts ? opts->arch : NULL,
				    &off, &len, err) < 0)
			return -1;
		return load_blob(file, name, data + off, len, opts, depth + 1, err);
	}
	if (archive_probe(data, size))
		return load_archive(file, name, data, size, opts, depth, err);
	if (obj_load_flags(&obj, name, data, size, opts ? opts->load_flags : 0, err) < 0)
		return -1;
	return add_obj(file, obj, err);
}

int objfile_from_memory(struct objfile **out, const char *name,
			const uint8_t *data, size_t size,
			const struct objfile_opts *opts, struct ipbp_err *err)
{
	struct objfile *file = calloc(1, sizeof(*file));

	*out = NULL;
	if (!file || !(file->path = strdup(name))) {
		free(file);
		return ipbp_error(err, "%s: out of memory", name);
	}
	file->data = data;
	file->size = size;
	if (load_blob(file, name, data, size, opts, 0, err) < 0) {
		objfile_free(file);
		return -1;
	}
	*out = file;
	return 0;
}

static int map_file(const char *path, const uint8_t **data, size_t *size,
		    struct ipbp_err *err)
{
	struct stat st;
	void *p;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return ipbp_error(err, "%s: %s", path, strerror(errno));
	if (fstat(fd, &st) < 0) {
		ipbp_error(err, "%s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	if (S_ISDIR(st.st_mode)) {
		close(fd);
		return ipbp_error(err, "%s: is a directory", path);
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return ipbp_error(err, "%s: not a regular file", path);
	}
	if (st.st_size == 0) {
		close(fd);
		return ipbp_error(err, "%s: empty file", path);
	}
	p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (p == MAP_FAILED)
		return ipbp_error(err, "%s: %s", path, strerror(errno));
	*data = p;
	*size = (size_t)st.st_size;
	return 0;
}

int objfile_open(struct objfile **out, const char *path,
		 const struct objfile_opts *opts, struct ipbp_err *err)
{
	const uint8_t *data = NULL;
	size_t size = 0;

	*out = NULL;
	if (map_file(path, &data, &size, err) < 0)
		return -1;
	if (objfile_from_memory(out, path, data, size, opts, err) < 0) {
		munmap((void *)data, size);
		return -1;
	}
	(*out)->mapped = true;
	return 0;
}

void objfile_free(struct objfile *file)
{
	if (!file)
		return;
	for (size_t i = 0; i < file->nr_objs; i++)
		obj_free(file->objs[i]);
	free(file->objs);
	archive_free(file->archive);
	if (file->mapped)
		munmap((void *)file->data, file->size);
	free((char *)file->path);
	free(file);
}

/* ---- build trees ----------------------------------------------------------- */

void objfile_tree_release(struct objfile_tree *tree)
{
	for (size_t i = 0; i < tree->nr; i++)
		free(tree->paths[i]);
	free(tree->paths);
	memset(tree, 0, sizeof(*tree));
}

static int tree_add(struct objfile_tree *l, char *path)
{
	char **v;

	if (!path)
		return -1;
	if (l->nr == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 32;

		if (!(v = realloc(l->paths, cap * sizeof(*v)))) {
			free(path);
			return -1;
		}
		l->paths = v;
		l->cap = cap;
	}
	l->paths[l->nr++] = path;
	return 0;
}

char *objfile_join_path(const char *dir, const char *name)
{
	size_t dl = strlen(dir), len = dl + strlen(name) + 2;
	char *s = malloc(len);

	if (!s)
		return NULL;
	if (!*dir)
		snprintf(s, len, "%s", name);
	else
		snprintf(s, len, "%s%s%s", dir, dir[dl - 1] == '/' ? "" : "/", name);
	return s;
}

bool is_object_file_name(const char *name)
{
	static const char *const ext[] = { ".o", ".obj", ".a", ".lib", ".wasm" };
	size_t len = strlen(name);

	for (size_t i = 0; i < sizeof(ext) / sizeof(ext[0]); i++) {
		size_t n = strlen(ext[i]);

		if (len > n && !strcmp(name + len - n, ext[i]))
			return true;
	}
	return false;
}

static int walk_dir(const char *root, const char *rel, int depth,
		    struct objfile_tree *out, struct ipbp_err *err);

/* One directory entry: a subdirectory (not through a symbolic link) or an
 * object file (a symbolic link to one too). */
static int walk_entry(const char *root, const char *rel, int depth,
		      struct objfile_tree *out, struct ipbp_err *err)
{
	char *path = objfile_join_path(root, rel);
	struct stat st;
	int ret = 0;

	if (!path)
		return ipbp_error(err, "%s: out of memory", root);
	if (lstat(path, &st) < 0) {
		ret = ipbp_error(err, "%s: %s", path, strerror(errno));
	} else if (S_ISDIR(st.st_mode)) {
		ret = walk_dir(root, rel, depth + 1, out, err);
	} else if (is_object_file_name(rel) &&
		   (S_ISREG(st.st_mode) ||
		    (S_ISLNK(st.st_mode) && stat(path, &st) == 0 && S_ISREG(st.st_mode)))) {
		if (tree_add(out, strdup(rel)) < 0)
			ret = ipbp_error(err, "%s: out of memory", root);
	}
	free(path);
	return ret;
}

/* Adds the object files under root/rel to out, as paths relative to root. */
static int walk_dir(const char *root, const char *rel, int depth,
		    struct objfile_tree *out, struct ipbp_err *err)
{
	char *path = objfile_join_path(root, rel);
	struct dirent *de;
	DIR *dir;
	int ret = 0;

	if (!path)
		return ipbp_error(err, "%s: out of memory", root);
	if (depth > MAX_DEPTH) {
		ret = ipbp_error(err, "%s: directories nested too deeply", path);
		free(path);
		return ret;
	}
	if (!(dir = opendir(path))) {
		ret = ipbp_error(err, "%s: %s", path, strerror(errno));
		free(path);
		return ret;
	}
	while (ret == 0 && (de = readdir(dir))) {
		char *sub;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (!(sub = objfile_join_path(rel, de->d_name))) {
			ret = ipbp_error(err, "%s: out of memory", path);
			break;
		}
		ret = walk_entry(root, sub, depth, out, err);
		free(sub);
	}
	closedir(dir);
	free(path);
	return ret;
}

static int cmp_path(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int objfile_list_tree(struct objfile_tree *out, const char *root, struct ipbp_err *err)
{
	if (walk_dir(root, "", 0, out, err) < 0)
		return -1;
	qsort(out->paths, out->nr, sizeof(*out->paths), cmp_path);
	return 0;
}
