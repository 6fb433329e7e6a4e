// SPDX-License-Identifier: MIT
/*
 * manifest.c - the manifest codec: struct manifest to bytes and back
 * (layout in manifest.h, specification in doc/patchpkg.5).
 *
 * Decoding treats its input as hostile: every offset, count and string
 * is checked before use, counts are bounded by the bytes that hold them,
 * and the result owns copies of everything (the input may go away).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "manifest.h"
#include "obj.h"

#define HEADER_SIZE	160
#define FUNC_SIZE	72
#define ADDED_SIZE	48
#define IMPORT_SIZE	32
#define RELOC_SIZE	24
#define WARNING_SIZE	16
#define MASK_SIZE	8

enum table { T_FUNCS, T_ADDED, T_IMPORTS, T_RELOCS, T_WARNINGS, T_MASKS, NR_TABLES };

static const unsigned record_size[NR_TABLES] = {
	FUNC_SIZE, ADDED_SIZE, IMPORT_SIZE, RELOC_SIZE, WARNING_SIZE, MASK_SIZE,
};

static const char *const table_name[NR_TABLES] = {
	"func", "added", "import", "reloc", "warning", "mask",
};

/* ---- layout --------------------------------------------------------------- */

/* Where the header keeps a table's offset and count. */
static unsigned table_field(enum table t)
{
	return t == T_MASKS ? 152 : 32 + 8 * t;
}

/* ---- names --------------------------------------------------------------- */

const char *manifest_kind_name(enum manifest_kind k)
{
	switch (k) {
	case MK_FUNC: return "func";
	case MK_DATA: return "data";
	case MK_TLS: return "tls";
	case MK_NOTYPE: return "notype";
	}
	return "unknown";
}

const char *manifest_format_name(enum manifest_format f)
{
	switch (f) {
	case MANIFEST_FMT_ELF: return "elf";
	case MANIFEST_FMT_MACHO: return "macho";
	case MANIFEST_FMT_COFF: return "coff";
	case MANIFEST_FMT_WASM: return "wasm";
	}
	return "unknown";
}

const char *manifest_warning_name(enum manifest_warning_code c)
{
	switch (c) {
	case MW_INITIALIZER: return "initializer";
	case MW_FORCED: return "forced";
	case MW_NOTE: return "note";
	case MW_LAYOUT: return "layout";
	}
	return "unknown";
}

/* ---- encoding: the string table ---------------------------------------- */

/* Strings deduplicated through an open-addressing hash of their offsets. */
struct strtab {
	char *buf;
	size_t len, cap;
	uint32_t *slots;	/* offset + 1 per used slot */
	size_t nr_slots, used;
};

static uint64_t hash_str(const char *s)
{
	uint64_t h = 14695981039346656037ull;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

static int strtab_grow_slots(struct strtab *t)
{
	size_t n = t->nr_slots ? 2 * t->nr_slots : 64;
	uint32_t *slots = calloc(n, sizeof(*slots));

	if (!slots)
		return -1;
	for (size_t i = 0; i < t->nr_slots; i++) {
		size_t j;

		if (!t->slots[i])
			continue;
		j = hash_str(t->buf + t->slots[i] - 1) & (n - 1);
		while (slots[j])
			j = (j + 1) & (n - 1);
		slots[j] = t->slots[i];
	}
	free(t->slots);
	t->slots = slots;
	t->nr_slots = n;
	return 0;
}

static int strtab_append(struct strtab *t, const char *s, size_t n)
{
	if (t->len + n > t->cap) {
		size_t cap = t->cap ? t->cap : 256;
		char *buf;

		while (cap < t->len + n)
			cap *= 2;
		buf = realloc(t->buf, cap);
		if (!buf)
			return -1;
		t->buf = buf;
		t->cap = cap;
	}
	memcpy(t->buf + t->len, s, n);
	t->len += n;
	return 0;
}

/* The offset of s in the table (added when new); 0 for NULL. */
static int strtab_add(struct strtab *t, const char *s, uint32_t *off, struct ipbp_err *err)
{
	size_t n, j;

	*off = 0;
	if (!s)
		return 0;
	if (2 * (t->used + 1) > t->nr_slots && strtab_grow_slots(t) < 0)
		return ipbp_error(err, "manifest: out of memory");
	j = hash_str(s) & (t->nr_slots - 1);
	for (; t->slots[j]; j = (j + 1) & (t->nr_slots - 1)) {
		if (!strcmp(t->buf + t->slots[j] - 1, s)) {
			*off = t->slots[j] - 1;
			return 0;
		}
	}
	n = strlen(s) + 1;
	if (t->len + n >= UINT32_MAX)
		return ipbp_error(err, "manifest: string table exceeds 4 GiB");
	if (strtab_append(t, s, n) < 0)
		return ipbp_error(err, "manifest: out of memory");
	*off = (uint32_t)(t->len - n);
	t->slots[j] = *off + 1;
	t->used++;
	return 0;
}

static void strtab_release(struct strtab *t)
{
	free(t->buf);
	free(t->slots);
}

/* ---- encoding: records --------------------------------------------------- */

/* Each record's strings, in record order, then its fixed fields. */
static int encode_func(uint8_t *p, const struct manifest_func *f, struct strtab *t,
		       struct ipbp_err *err)
{
	uint32_t name, file, object;

	if (strtab_add(t, f->name, &name, err) < 0 || strtab_add(t, f->file, &file, err) < 0 ||
	    strtab_add(t, f->object, &object, err) < 0)
		return -1;
	put_le32(p, name);
	put_le32(p + 4, file);
	put_le32(p + 8, object);
	put_le32(p + 12, f->flags);
	put_le64(p + 16, f->old_size);
	put_le64(p + 24, f->old_hash);
	put_le64(p + 32, f->new_hash);
	put_le64(p + 40, f->new_addr);
	put_le64(p + 48, f->new_size);
	put_le64(p + 56, f->target_addr);
	put_le32(p + 64, f->mask_first);
	put_le32(p + 68, f->nr_masks);
	return 0;
}

static int encode_added(uint8_t *p, const struct manifest_added *a, struct strtab *t,
			struct ipbp_err *err)
{
	uint32_t name, file, object;

	if (strtab_add(t, a->name, &name, err) < 0 || strtab_add(t, a->file, &file, err) < 0 ||
	    strtab_add(t, a->object, &object, err) < 0)
		return -1;
	put_le32(p, name);
	put_le32(p + 4, file);
	put_le32(p + 8, object);
	put_le32(p + 12, a->kind);
	put_le32(p + 16, a->flags);
	put_le64(p + 24, a->addr);
	put_le64(p + 32, a->size);
	put_le64(p + 40, a->hash);
	return 0;
}

static int encode_import(uint8_t *p, const struct manifest_import *im, struct strtab *t,
			 struct ipbp_err *err)
{
	uint32_t name, file, object;

	if (strtab_add(t, im->name, &name, err) < 0 || strtab_add(t, im->file, &file, err) < 0 ||
	    strtab_add(t, im->object, &object, err) < 0)
		return -1;
	put_le32(p, name);
	put_le32(p + 4, file);
	put_le32(p + 8, object);
	put_le32(p + 12, im->kind);
	put_le32(p + 16, im->flags);
	put_le64(p + 24, im->target_addr);
	return 0;
}

static void encode_reloc(uint8_t *p, const struct manifest_reloc *r)
{
	put_le64(p, r->offset);
	put_le32(p + 8, r->type);
	put_le32(p + 12, r->import);
	put_le64(p + 16, (uint64_t)r->addend);
}

static void encode_mask(uint8_t *p, const struct manifest_mask *k)
{
	put_le32(p, k->offset);
	put_le32(p + 4, k->size);
}

static int encode_warning(uint8_t *p, const struct manifest_warning *w, struct strtab *t,
			  struct ipbp_err *err)
{
	uint32_t symbol, message;

	if (strtab_add(t, w->symbol, &symbol, err) < 0 ||
	    strtab_add(t, w->message, &message, err) < 0)
		return -1;
	put_le32(p, w->code);
	put_le32(p + 4, symbol);
	put_le32(p + 8, message);
	return 0;
}

static size_t table_count(const struct manifest *m, enum table t)
{
	switch (t) {
	case T_FUNCS: return m->nr_funcs;
	case T_ADDED: return m->nr_added;
	case T_IMPORTS: return m->nr_imports;
	case T_RELOCS: return m->nr_relocs;
	case T_WARNINGS: return m->nr_warnings;
	case T_MASKS: return m->nr_masks;
	default: return 0;
	}
}

/* The records of every table, written at off[t]; strings collected in t. */
static int encode_tables(uint8_t *buf, const uint32_t *off, const struct manifest *m,
			 struct strtab *t, struct ipbp_err *err)
{
	for (size_t i = 0; i < m->nr_funcs; i++)
		if (encode_func(buf + off[T_FUNCS] + i * FUNC_SIZE, &m->funcs[i], t, err) < 0)
			return -1;
	for (size_t i = 0; i < m->nr_added; i++)
		if (encode_added(buf + off[T_ADDED] + i * ADDED_SIZE, &m->added[i], t, err) < 0)
			return -1;
	for (size_t i = 0; i < m->nr_imports; i++)
		if (encode_import(buf + off[T_IMPORTS] + i * IMPORT_SIZE, &m->imports[i],
				  t, err) < 0)
			return -1;
	for (size_t i = 0; i < m->nr_relocs; i++)
		encode_reloc(buf + off[T_RELOCS] + i * RELOC_SIZE, &m->relocs[i]);
	for (size_t i = 0; i < m->nr_warnings; i++)
		if (encode_warning(buf + off[T_WARNINGS] + i * WARNING_SIZE, &m->warnings[i],
				   t, err) < 0)
			return -1;
	for (size_t i = 0; i < m->nr_masks; i++)
		encode_mask(buf + off[T_MASKS] + i * MASK_SIZE, &m->masks[i]);
	return 0;
}

static void encode_header(uint8_t *p, const struct manifest *m, const uint32_t *off,
			  uint32_t strtab_off, uint32_t strtab_size, uint32_t target)
{
	memcpy(p, MANIFEST_MAGIC, 8);
	put_le16(p + 8, MANIFEST_VERSION);
	put_le16(p + 10, HEADER_SIZE);
	put_le32(p + 12, m->flags);
	put_le64(p + 16, 0);			/* checksum: filled when sealed */
	put_le16(p + 24, (uint16_t)m->format);
	put_le16(p + 26, m->machine);
	put_le32(p + 28, strtab_off + strtab_size);
	for (int t = 0; t < NR_TABLES; t++) {
		put_le32(p + table_field(t), off[t]);
		put_le32(p + table_field(t) + 4, (uint32_t)table_count(m, t));
	}
	put_le32(p + 72, strtab_off);
	put_le32(p + 76, strtab_size);
	put_le32(p + 80, target);
	put_le32(p + 84, (uint32_t)m->build_id_len);
	memcpy(p + 88, m->build_id, m->build_id_len);
}

int manifest_encode(const struct manifest *m, uint8_t **buf, size_t *len,
		    struct ipbp_err *err)
{
	struct strtab t = { 0 };
	uint32_t off[NR_TABLES], target;
	uint64_t end = HEADER_SIZE;
	uint8_t *out = NULL;
	int ret = -1;

	*buf = NULL;
	*len = 0;
	if (m->build_id_len > MANIFEST_BUILD_ID_MAX)
		return ipbp_error(err, "manifest: build-id of %zu bytes exceeds %d",
				  m->build_id_len, MANIFEST_BUILD_ID_MAX);
	for (int i = 0; i < NR_TABLES; i++) {
		size_t n = table_count(m, i);

		if (n > (UINT32_MAX - end) / record_size[i])
			return ipbp_error(err, "manifest: too many %s records (%zu)",
					  table_name[i], n);
		off[i] = (uint32_t)end;
		end += (uint64_t)n * record_size[i];
	}
	out = calloc(1, end);
	/* The string table starts with NUL: offset 0 means "none". */
	if (!out || strtab_append(&t, "", 1) < 0) {
		ipbp_error(err, "manifest: out of memory");
		goto out;
	}
	if (encode_tables(out, off, m, &t, err) < 0 ||
	    strtab_add(&t, m->target, &target, err) < 0)
		goto out;
	if (t.len > UINT32_MAX - end) {
		ipbp_error(err, "manifest: exceeds 4 GiB");
		goto out;
	}
	encode_header(out, m, off, (uint32_t)end, (uint32_t)t.len, target);
	*buf = realloc(out, end + t.len);
	if (!*buf) {
		ipbp_error(err, "manifest: out of memory");
		goto out;
	}
	memcpy(*buf + end, t.buf, t.len);
	*len = end + t.len;
	out = NULL;
	ret = 0;
out:
	free(out);
	strtab_release(&t);
	return ret;
}

/* ---- decoding ------------------------------------------------------------ */

struct decoder {
	const char *name;	/* for messages */
	const uint8_t *data;	/* the manifest, size bytes (manifest size) */
	uint32_t size;
	const char *strtab;	/* the manifest's own copy */
	uint32_t strtab_size;
	uint32_t nr_masks;	/* of the mask table, for the funcs' ranges */
	struct ipbp_err *err;
};

static int decode_error(const struct decoder *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int decode_error(const struct decoder *d, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return ipbp_error(d->err, "%s: manifest: %s", d->name, msg);
}

/* A string reference: 0 is NULL; anything else must start inside the
 * string table and end (with its NUL) inside it too. */
static int decode_string(const struct decoder *d, uint32_t off, const char **out,
			 const char *what, size_t index)
{
	char where[64];

	*out = NULL;
	if (!off)
		return 0;
	if (index == SIZE_MAX)
		snprintf(where, sizeof(where), "%s", what);
	else
		snprintf(where, sizeof(where), "%s %zu", what, index);
	if (off >= d->strtab_size)
		return decode_error(d, "%s: string offset %u outside the string table "
				    "(%u bytes)", where, off, d->strtab_size);
	if (!memchr(d->strtab + off, 0, d->strtab_size - off))
		return decode_error(d, "%s: string at offset %u is not NUL-terminated",
				    where, off);
	*out = d->strtab + off;
	return 0;
}

static int decode_name(const struct decoder *d, uint32_t off, const char **out,
		       const char *what, size_t index)
{
	if (!off)
		return decode_error(d, "%s %zu: no name", what, index);
	return decode_string(d, off, out, what, index);
}

static int check_reserved(const struct decoder *d, uint64_t v, const char *what,
			  size_t index)
{
	if (v)
		return decode_error(d, "%s %zu: reserved field is not zero", what, index);
	return 0;
}

static int decode_func(const struct decoder *d, const uint8_t *p, struct manifest_func *f,
		       size_t i)
{
	if (decode_name(d, get_le32(p), &f->name, "func", i) < 0 ||
	    decode_string(d, get_le32(p + 4), &f->file, "func", i) < 0 ||
	    decode_string(d, get_le32(p + 8), &f->object, "func", i) < 0)
		return -1;
	f->flags = get_le32(p + 12);
	f->old_size = get_le64(p + 16);
	f->old_hash = get_le64(p + 24);
	f->new_hash = get_le64(p + 32);
	f->new_addr = get_le64(p + 40);
	f->new_size = get_le64(p + 48);
	f->target_addr = get_le64(p + 56);
	f->mask_first = get_le32(p + 64);
	f->nr_masks = get_le32(p + 68);
	if (f->mask_first > d->nr_masks || f->nr_masks > d->nr_masks - f->mask_first)
		return decode_error(d, "func %zu: masks %u..%u outside the mask table (%u)", i,
				    f->mask_first, f->mask_first + f->nr_masks, d->nr_masks);
	return 0;
}

static int decode_added(const struct decoder *d, const uint8_t *p,
			struct manifest_added *a, size_t i)
{
	if (decode_name(d, get_le32(p), &a->name, "added", i) < 0 ||
	    decode_string(d, get_le32(p + 4), &a->file, "added", i) < 0 ||
	    decode_string(d, get_le32(p + 8), &a->object, "added", i) < 0 ||
	    check_reserved(d, get_le32(p + 20), "added", i) < 0)
		return -1;
	a->kind = (enum manifest_kind)get_le32(p + 12);
	a->flags = get_le32(p + 16);
	a->addr = get_le64(p + 24);
	a->size = get_le64(p + 32);
	a->hash = get_le64(p + 40);
	return 0;
}

static int decode_import(const struct decoder *d, const uint8_t *p,
			 struct manifest_import *im, size_t i)
{
	if (decode_name(d, get_le32(p), &im->name, "import", i) < 0 ||
	    decode_string(d, get_le32(p + 4), &im->file, "import", i) < 0 ||
	    decode_string(d, get_le32(p + 8), &im->object, "import", i) < 0 ||
	    check_reserved(d, get_le32(p + 20), "import", i) < 0)
		return -1;
	im->kind = (enum manifest_kind)get_le32(p + 12);
	im->flags = get_le32(p + 16);
	im->target_addr = get_le64(p + 24);
	return 0;
}

static void decode_reloc(const uint8_t *p, struct manifest_reloc *r)
{
	r->offset = get_le64(p);
	r->type = get_le32(p + 8);
	r->import = get_le32(p + 12);
	r->addend = (int64_t)get_le64(p + 16);
}

static int decode_warning(const struct decoder *d, const uint8_t *p,
			  struct manifest_warning *w, size_t i)
{
	w->code = (enum manifest_warning_code)get_le32(p);
	if (decode_string(d, get_le32(p + 4), &w->symbol, "warning", i) < 0 ||
	    check_reserved(d, get_le32(p + 12), "warning", i) < 0)
		return -1;
	if (!get_le32(p + 8))
		return decode_error(d, "warning %zu: no message", i);
	return decode_string(d, get_le32(p + 8), &w->message, "warning", i);
}

/* Where each table lies: checked against each other and the manifest. */
struct layout {
	uint32_t off[NR_TABLES], count[NR_TABLES];
	uint32_t strtab_off, strtab_size;
};

/*
 * The tables follow the header in their order, then the string table:
 * each starts 8-aligned at or after the end of the one before, and all
 * end inside the manifest.  Counts are so bounded by the manifest size.
 */
static int check_layout(const struct decoder *d, const struct layout *l)
{
	uint64_t end = HEADER_SIZE;

	for (int t = 0; t < NR_TABLES; t++) {
		if (l->off[t] % 8)
			return decode_error(d, "%s table offset %u is not 8-byte aligned",
					    table_name[t], l->off[t]);
		if (l->off[t] < end)
			return decode_error(d, "%s table at %u overlaps what precedes it "
					    "(ending at %llu)", table_name[t], l->off[t],
					    (unsigned long long)end);
		end = (uint64_t)l->off[t] + (uint64_t)l->count[t] * record_size[t];
		if (end > d->size)
			return decode_error(d, "%s table (%u records at %u) extends past the "
					    "manifest's end (%u)", table_name[t], l->count[t],
					    l->off[t], d->size);
	}
	if (l->strtab_off < end)
		return decode_error(d, "string table at %u overlaps what precedes it "
				    "(ending at %llu)", l->strtab_off, (unsigned long long)end);
	if (!in_bounds(d->size, l->strtab_off, l->strtab_size))
		return decode_error(d, "string table (%u bytes at %u) extends past the "
				    "manifest's end (%u)", l->strtab_size, l->strtab_off,
				    d->size);
	if (!l->strtab_size || d->data[l->strtab_off])
		return decode_error(d, "string table does not start with a NUL byte");
	return 0;
}

/* Magic, version, sizes; fills l and the header fields of m. */
static int decode_header(struct decoder *d, size_t avail, struct manifest *m,
			 struct layout *l)
{
	const uint8_t *p = d->data;
	uint32_t size;

	if (avail < HEADER_SIZE)
		return decode_error(d, "truncated header (%zu of %d bytes)", avail, HEADER_SIZE);
	if (memcmp(p, MANIFEST_MAGIC, 8))
		return decode_error(d, "bad magic (not an ipbp manifest)");
	m->version = get_le16(p + 8);
	if (m->version != MANIFEST_VERSION)
		return decode_error(d, "unsupported version %u (this reader knows %d)",
				    m->version, MANIFEST_VERSION);
	if (get_le16(p + 10) != HEADER_SIZE)
		return decode_error(d, "bad header size %u (version 1 has %d)", get_le16(p + 10),
				    HEADER_SIZE);
	size = get_le32(p + 28);
	if (size < HEADER_SIZE || size > avail)
		return decode_error(d, "manifest size %u outside %d..%zu", size, HEADER_SIZE,
				    avail);
	d->size = size;
	m->flags = get_le32(p + 12);
	m->checksum = get_le64(p + 16);
	m->format = (enum manifest_format)get_le16(p + 24);
	m->machine = get_le16(p + 26);
	for (int t = 0; t < NR_TABLES; t++) {
		l->off[t] = get_le32(p + table_field(t));
		l->count[t] = get_le32(p + table_field(t) + 4);
	}
	l->strtab_off = get_le32(p + 72);
	l->strtab_size = get_le32(p + 76);
	m->build_id_len = get_le32(p + 84);
	if (m->build_id_len > MANIFEST_BUILD_ID_MAX)
		return decode_error(d, "build-id size %zu exceeds %d", m->build_id_len,
				    MANIFEST_BUILD_ID_MAX);
	memcpy(m->build_id, p + 88, m->build_id_len);
	d->nr_masks = l->count[T_MASKS];
	return check_layout(d, l);
}

/* Allocates the in-memory tables (at least one element each). */
static int alloc_tables(const struct decoder *d, struct manifest *m, const struct layout *l)
{
	m->funcs = calloc(l->count[T_FUNCS] + 1, sizeof(*m->funcs));
	m->added = calloc(l->count[T_ADDED] + 1, sizeof(*m->added));
	m->imports = calloc(l->count[T_IMPORTS] + 1, sizeof(*m->imports));
	m->relocs = calloc(l->count[T_RELOCS] + 1, sizeof(*m->relocs));
	m->warnings = calloc(l->count[T_WARNINGS] + 1, sizeof(*m->warnings));
	m->masks = calloc(l->count[T_MASKS] + 1, sizeof(*m->masks));
	m->owned = malloc(l->strtab_size);
	if (!m->funcs || !m->added || !m->imports || !m->relocs || !m->warnings ||
	    !m->masks || !m->owned)
		return decode_error(d, "out of memory");
	return 0;
}

static int decode_tables(const struct decoder *d, struct manifest *m, const struct layout *l)
{
	const uint8_t *p;

	p = d->data + l->off[T_FUNCS];
	for (m->nr_funcs = 0; m->nr_funcs < l->count[T_FUNCS]; m->nr_funcs++, p += FUNC_SIZE)
		if (decode_func(d, p, &m->funcs[m->nr_funcs], m->nr_funcs) < 0)
			return -1;
	p = d->data + l->off[T_ADDED];
	for (m->nr_added = 0; m->nr_added < l->count[T_ADDED]; m->nr_added++, p += ADDED_SIZE)
		if (decode_added(d, p, &m->added[m->nr_added], m->nr_added) < 0)
			return -1;
	p = d->data + l->off[T_IMPORTS];
	for (m->nr_imports = 0; m->nr_imports < l->count[T_IMPORTS];
	     m->nr_imports++, p += IMPORT_SIZE)
		if (decode_import(d, p, &m->imports[m->nr_imports], m->nr_imports) < 0)
			return -1;
	p = d->data + l->off[T_RELOCS];
	for (m->nr_relocs = 0; m->nr_relocs < l->count[T_RELOCS];
	     m->nr_relocs++, p += RELOC_SIZE)
		decode_reloc(p, &m->relocs[m->nr_relocs]);
	p = d->data + l->off[T_WARNINGS];
	for (m->nr_warnings = 0; m->nr_warnings < l->count[T_WARNINGS];
	     m->nr_warnings++, p += WARNING_SIZE)
		if (decode_warning(d, p, &m->warnings[m->nr_warnings], m->nr_warnings) < 0)
			return -1;
	p = d->data + l->off[T_MASKS];
	for (m->nr_masks = 0; m->nr_masks < l->count[T_MASKS]; m->nr_masks++, p += MASK_SIZE) {
		m->masks[m->nr_masks].offset = get_le32(p);
		m->masks[m->nr_masks].size = get_le32(p + 4);
	}
	return 0;
}

int manifest_decode(struct manifest **out, const char *name, const uint8_t *data,
		    size_t size, struct ipbp_err *err)
{
	struct decoder d = { .name = name, .data = data, .err = err };
	struct manifest *m;
	struct layout l = { 0 };

	*out = NULL;
	m = calloc(1, sizeof(*m));
	if (!m)
		return ipbp_error(err, "%s: manifest: out of memory", name);
	if (decode_header(&d, size, m, &l) < 0 || alloc_tables(&d, m, &l) < 0)
		goto fail;
	memcpy(m->owned, data + l.strtab_off, l.strtab_size);
	d.strtab = m->owned;
	d.strtab_size = l.strtab_size;
	if (decode_tables(&d, m, &l) < 0 ||
	    decode_string(&d, get_le32(data + 80), &m->target, "target", SIZE_MAX) < 0)
		goto fail;
	*out = m;
	return 0;
fail:
	manifest_free(m);
	return -1;
}

void manifest_free(struct manifest *m)
{
	if (!m)
		return;
	free(m->funcs);
	free(m->added);
	free(m->imports);
	free(m->relocs);
	free(m->warnings);
	free(m->masks);
	free(m->owned);
	free(m);
}
