// SPDX-License-Identifier: MIT
/*
 * image.c - a loadable image, independent of its format: the sections and
 * symbols mkpatch puts in, and the dispatch to the format's writer
 * (elf-write.c today; see image.h).
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "image.h"

static const struct image_writer *const image_writers[] = {
	&elf_image_writer,
};

static const struct image_writer *find_writer_by_format(enum obj_format format)
{
	for (size_t i = 0; i < sizeof(image_writers) / sizeof(image_writers[0]); i++)
		if (image_writers[i]->format == format)
			return image_writers[i];
	return NULL;
}

void image_init(struct image *img, enum obj_format format, enum obj_arch arch)
{
	memset(img, 0, sizeof(*img));
	img->format = format;
	img->arch = arch;
}

void image_release(struct image *img)
{
	for (size_t i = 0; i < img->nr_sections; i++)
		free(img->sections[i].data);
	free(img->sections);
	free(img->symbols);
	memset(img, 0, sizeof(*img));
}

/* Makes room for one more element of an array that grows by doubling. */
static int grow(void **array, size_t *cap, size_t nr, size_t elem)
{
	size_t ncap;
	void *p;

	if (nr < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 8;
	if (ncap > SIZE_MAX / elem)
		return -1;
	p = realloc(*array, ncap * elem);
	if (!p)
		return -1;
	*array = p;
	*cap = ncap;
	return 0;
}

static bool is_power_of_two(uint64_t x)
{
	return x && !(x & (x - 1));
}

int image_add_section(struct image *img, const char *name, enum section_kind kind,
		      uint32_t flags, uint64_t size, uint64_t align, struct ipbp_err *err)
{
	struct image_section *sec;
	uint8_t *data = NULL;

	if (img->laid_out)
		return ipbp_error(err, "image: section %s added after layout", name);
	if (!is_power_of_two(align))
		return ipbp_error(err, "image: section %s: alignment %llu is not a power of two",
				  name, (unsigned long long)align);
	if (img->nr_sections >= INT_MAX || img->nr_sections >= OBJ_MAX_SECTIONS)
		return ipbp_error(err, "image: too many sections");
	if (kind != SEC_BSS) {
		if (size >= SIZE_MAX || !(data = calloc(size ? size : 1, 1)))
			return ipbp_error(err, "image: section %s: out of memory", name);
	}
	if (grow((void **)&img->sections, &img->cap_sections, img->nr_sections,
		 sizeof(*img->sections)) < 0) {
		free(data);
		return ipbp_error(err, "image: out of memory");
	}
	sec = &img->sections[img->nr_sections];
	*sec = (struct image_section){
		.name = name, .kind = kind, .flags = flags,
		.size = size, .align = align, .data = data,
	};
	return (int)img->nr_sections++;
}

/*
 * Symbols that go only into the full symbol table may still be added
 * after layout (they move nothing); exported ones change the loaded
 * dynamic symbol table, so they may not.
 */
int image_add_symbol(struct image *img, const struct image_symbol *sym,
		     struct ipbp_err *err)
{
	const char *name = sym->name ? sym->name : "";

	if (img->laid_out && sym->exported)
		return ipbp_error(err, "image: exported symbol %s added after layout", name);
	if (sym->kind != SYMK_FILE && sym->section >= img->nr_sections)
		return ipbp_error(err, "image: symbol %s: no section %u", name, sym->section);
	if (img->nr_symbols >= INT_MAX || img->nr_symbols >= OBJ_MAX_SYMBOLS)
		return ipbp_error(err, "image: too many symbols");
	if (grow((void **)&img->symbols, &img->cap_symbols, img->nr_symbols,
		 sizeof(*img->symbols)) < 0)
		return ipbp_error(err, "image: out of memory");
	img->symbols[img->nr_symbols] = *sym;
	return (int)img->nr_symbols++;
}

bool image_format_supported(enum obj_format format, enum obj_arch arch)
{
	const struct image_writer *w = find_writer_by_format(format);

	return w && w->supports(arch);
}

static int find_writer(const struct image *img, const struct image_writer **w,
		       struct ipbp_err *err)
{
	*w = find_writer_by_format(img->format);
	if (!*w)
		return ipbp_error(err, "%s: writing patches is not supported yet",
				  obj_format_name(img->format));
	if (!(*w)->supports(img->arch))
		return ipbp_error(err, "%s: writing patches for %s is not supported yet",
				  obj_format_name(img->format), obj_arch_name(img->arch));
	return 0;
}

int image_layout(struct image *img, struct ipbp_err *err)
{
	const struct image_writer *w;

	if (find_writer(img, &w, err) < 0 || w->layout(img, err) < 0)
		return -1;
	img->laid_out = true;
	return 0;
}

int image_write(struct image *img, uint8_t **buf, size_t *len, struct ipbp_err *err)
{
	const struct image_writer *w;

	*buf = NULL;
	*len = 0;
	if (find_writer(img, &w, err) < 0)
		return -1;
	if (!img->laid_out)
		return ipbp_error(err, "image: written before layout");
	return w->write(img, buf, len, err);
}
