// SPDX-License-Identifier: MIT
/*
 * ar.c - ar(1) archives, split into members plus the symbol index.
 *
 * Variants, told apart per header by the name field:
 *   GNU/SysV  "/" index (big-endian), "/SYM64/" index, "//" long names
 *             referenced as "/123", short names ending in "/";
 *   BSD       "#1/NN": the name is the first NN bytes of the data;
 *             "__.SYMDEF[_64][ SORTED]" ranlib index (little-endian);
 *   Windows   a first "/" linker member (big-endian, as SysV) and a second
 *             one (little-endian, with a member offset table); the second
 *             wins when both are present.  "//" names may end in NUL.
 * Thin archives ("!<thin>\n") are refused: their members live elsewhere.
 *
 * The file is walked twice with the same header reader: once to count
 * members and the bytes their copied names need, once to fill the arrays.
 * Each walk step moves forward by at least one header, so walks end.
 */
#include <stdlib.h>
#include <string.h>

#include "archive.h"
#include "bytes.h"
#include "obj.h"

#define AR_MAGIC	"!<arch>\n"
#define AR_THIN_MAGIC	"!<thin>\n"
#define AR_MAGIC_LEN	8
#define AR_HDR_SIZE	60
#define AR_NAME_LEN	16
#define AR_SIZE_OFF	48
#define AR_SIZE_LEN	10
#define AR_FMAG_OFF	58

enum entry_kind {
	ENTRY_MEMBER,
	ENTRY_LONGNAMES,	/* "//" */
	ENTRY_SPECIAL,		/* another "/..." name: skipped */
	ENTRY_SYSV_INDEX,	/* "/", the first linker member */
	ENTRY_SYSV64_INDEX,	/* "/SYM64/" */
	ENTRY_COFF_INDEX,	/* a second "/", the second linker member */
	ENTRY_BSD_INDEX,	/* "__.SYMDEF", "__.SYMDEF SORTED" */
	ENTRY_BSD64_INDEX,	/* "__.SYMDEF_64", "__.SYMDEF_64 SORTED" */
};

/* One header as the walk sees it. */
struct ar_entry {
	uint64_t offset;	/* of the header */
	enum entry_kind kind;
	const char *name;	/* not terminated unless name_terminated */
	size_t name_len;
	bool name_terminated;	/* name[name_len] is a NUL in the file */
	const uint8_t *data;
	size_t size;
};

struct ar_reader {
	const char *name;	/* of the archive, for messages */
	const uint8_t *data;
	size_t size;
	struct ipbp_err *err;
	uint64_t pos;		/* of the next header */
	const uint8_t *longnames;
	size_t longnames_size;
	unsigned nr_linker;	/* "/" members seen */
	enum entry_kind index_kind;
	const uint8_t *index;	/* NULL when there is none */
	size_t index_size;
};

/* Thin archives too, so that archive_read() refuses them with a reason. */
bool archive_probe(const uint8_t *data, size_t size)
{
	return size >= AR_MAGIC_LEN && (!memcmp(data, AR_MAGIC, AR_MAGIC_LEN) ||
					!memcmp(data, AR_THIN_MAGIC, AR_MAGIC_LEN));
}

/* Digits followed by spaces only, at least one digit. */
static bool parse_decimal(const uint8_t *p, size_t len, uint64_t *out)
{
	size_t i = 0;

	*out = 0;
	for (; i < len && p[i] >= '0' && p[i] <= '9'; i++)
		*out = *out * 10 + (uint64_t)(p[i] - '0');
	if (i == 0)
		return false;
	for (; i < len; i++)
		if (p[i] != ' ')
			return false;
	return true;
}

static int bad_member(struct ar_reader *r, const struct ar_entry *e, const char *what)
{
	return ipbp_error(r->err, "%s: member at offset %llu: %s", r->name,
			  (unsigned long long)e->offset, what);
}

/* "/123": a name in the "//" table, ending in "/\n", "\n" or NUL. */
static int resolve_long_name(struct ar_reader *r, struct ar_entry *e,
			     const uint8_t *field)
{
	const char *start, *end;
	uint64_t off;

	if (!parse_decimal(field + 1, AR_NAME_LEN - 1, &off))
		return bad_member(r, e, "bad long name reference");
	if (!r->longnames || off >= r->longnames_size)
		return bad_member(r, e, "long name outside the long name table");
	start = (const char *)r->longnames + off;
	end = start;
	while (end < (const char *)r->longnames + r->longnames_size &&
	       *end != '\n' && *end != '\0')
		end++;
	if (end == (const char *)r->longnames + r->longnames_size)
		return bad_member(r, e, "long name is not terminated");
	e->name_terminated = *end == '\0';
	if (!e->name_terminated && end > start && end[-1] == '/')
		end--;
	e->name = start;
	e->name_len = (size_t)(end - start);
	return 0;
}

/* "#1/NN": the name is the first NN bytes of the data, maybe NUL-padded. */
static int resolve_bsd_name(struct ar_reader *r, struct ar_entry *e,
			    const uint8_t *field)
{
	uint64_t len;

	if (!parse_decimal(field + 3, AR_NAME_LEN - 3, &len))
		return bad_member(r, e, "bad BSD name length");
	if (!in_bounds(r->size, (uint64_t)(e->data - r->data), len))
		return bad_member(r, e, "BSD name extends past end of file");
	if (len > e->size)
		return bad_member(r, e, "BSD name longer than the member");
	e->name = (const char *)e->data;
	e->name_len = strnlen(e->name, len);
	e->name_terminated = e->name_len < len;
	e->data += len;
	e->size -= len;
	return 0;
}

/* Short names: GNU ends them with "/", BSD pads them with spaces. */
static void resolve_short_name(struct ar_entry *e, const uint8_t *field)
{
	size_t len = AR_NAME_LEN;

	while (len > 0 && field[len - 1] == ' ')
		len--;
	if (len > 1 && field[len - 1] == '/' && field[0] != '/')
		len--;
	e->name = (const char *)field;
	e->name_len = len;
	e->name_terminated = false;
}

static bool name_is(const struct ar_entry *e, const char *s)
{
	return e->name_len == strlen(s) && !memcmp(e->name, s, e->name_len);
}

static void classify_bsd_index(struct ar_entry *e)
{
	if (name_is(e, "__.SYMDEF") || name_is(e, "__.SYMDEF SORTED"))
		e->kind = ENTRY_BSD_INDEX;
	else if (name_is(e, "__.SYMDEF_64") || name_is(e, "__.SYMDEF_64 SORTED"))
		e->kind = ENTRY_BSD64_INDEX;
}

static int resolve_name(struct ar_reader *r, struct ar_entry *e, const uint8_t *field)
{
	resolve_short_name(e, field);	/* also names special members in messages */
	e->kind = ENTRY_MEMBER;
	if (name_is(e, "/"))
		e->kind = r->nr_linker++ ? ENTRY_COFF_INDEX : ENTRY_SYSV_INDEX;
	else if (name_is(e, "/SYM64/"))
		e->kind = ENTRY_SYSV64_INDEX;
	else if (name_is(e, "//"))
		e->kind = ENTRY_LONGNAMES;
	else if (field[0] == '/' && field[1] >= '0' && field[1] <= '9')
		return resolve_long_name(r, e, field);
	else if (field[0] == '/')
		e->kind = ENTRY_SPECIAL;
	else if (!memcmp(field, "#1/", 3) && resolve_bsd_name(r, e, field) < 0)
		return -1;
	if (e->kind == ENTRY_MEMBER)
		classify_bsd_index(e);
	return 0;
}

/* Remembers the long name table and the index for later entries. */
static void note_entry(struct ar_reader *r, const struct ar_entry *e)
{
	if (e->kind == ENTRY_LONGNAMES) {
		r->longnames = e->data;
		r->longnames_size = e->size;
	} else if (e->kind >= ENTRY_SYSV_INDEX &&
		   (!r->index || e->kind == ENTRY_COFF_INDEX)) {
		r->index_kind = e->kind;
		r->index = e->data;
		r->index_size = e->size;
	}
}

/* Reads the header at r->pos into e: 1 when read, 0 at the end, -1 on error. */
static int next_entry(struct ar_reader *r, struct ar_entry *e)
{
	const uint8_t *hdr = r->data + r->pos;
	uint64_t size, end;

	if (r->pos >= r->size)
		return 0;
	memset(e, 0, sizeof(*e));
	e->offset = r->pos;
	if (!in_bounds(r->size, r->pos, AR_HDR_SIZE))
		return bad_member(r, e, "truncated header");
	if (memcmp(hdr + AR_FMAG_OFF, "`\n", 2))
		return bad_member(r, e, "bad header terminator");
	if (!parse_decimal(hdr + AR_SIZE_OFF, AR_SIZE_LEN, &size))
		return bad_member(r, e, "bad size field");
	end = r->pos + AR_HDR_SIZE + size;
	e->data = hdr + AR_HDR_SIZE;
	e->size = end <= r->size ? (size_t)size : (size_t)(r->size - r->pos - AR_HDR_SIZE);
	if (resolve_name(r, e, hdr) < 0)
		return -1;
	if (end > r->size)
		return ipbp_error(r->err, "%s: member %.*s extends past end of file",
				  r->name, (int)e->name_len, e->name);
	/* Members are 2-byte aligned; the last one's pad may be missing. */
	end += end & 1;
	r->pos = end < r->size ? end : r->size;
	note_entry(r, e);
	return 1;
}

static void set_member(struct archive *ar, const struct ar_entry *e, size_t stroff)
{
	struct archive_member *m = &ar->members[ar->nr_members];

	m->offset = e->offset;
	m->data = e->data;
	m->size = e->size;
	m->name = e->name;
	if (!e->name_terminated) {
		char *s = ar->strings + stroff;

		memcpy(s, e->name, e->name_len);
		s[e->name_len] = '\0';
		m->name = s;
	}
}

/*
 * One walk over the headers.  Without ar->members it only counts members
 * and the bytes their copied names need; with them it also fills them.
 */
static int walk_members(struct ar_reader *r, struct archive *ar, size_t *strings)
{
	struct ar_reader fresh = { .name = r->name, .data = r->data, .size = r->size,
				   .err = r->err, .pos = AR_MAGIC_LEN };
	struct ar_entry e;
	int ret;

	*r = fresh;
	*strings = 0;
	ar->nr_members = 0;
	while ((ret = next_entry(r, &e)) > 0) {
		if (e.kind != ENTRY_MEMBER)
			continue;
		if (ar->members)
			set_member(ar, &e, *strings);
		if (!e.name_terminated)
			*strings += e.name_len + 1;
		/* Names are copied per member: members sharing one long name
		 * would multiply the long name table. */
		if (*strings > r->size)
			return ipbp_error(r->err, "%s: members share long names (%zu bytes "
					  "of names in a %zu-byte archive)", r->name,
					  *strings, r->size);
		ar->nr_members++;
	}
	return ret;
}

/* The member whose header is at offset (members are in file order). */
static size_t find_member_by_offset(const struct archive *ar, uint64_t offset)
{
	size_t lo = 0, hi = ar->nr_members;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (ar->members[mid].offset < offset)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < ar->nr_members && ar->members[lo].offset == offset ? lo : SIZE_MAX;
}

static int bad_index(struct ar_reader *r, const char *what)
{
	return ipbp_error(r->err, "%s: symbol index: %s", r->name, what);
}

static int alloc_index(struct ar_reader *r, struct archive *ar, uint64_t count)
{
	ar->index = calloc(count ? count : 1, sizeof(*ar->index));
	if (!ar->index)
		return ipbp_error(r->err, "%s: out of memory", r->name);
	return 0;
}

/* Appends the symbol named by the NUL-terminated string at *strs. */
static int add_symbol(struct ar_reader *r, struct archive *ar, const uint8_t **strs,
		      const uint8_t *end, uint64_t offset)
{
	const uint8_t *nul = memchr(*strs, '\0', (size_t)(end - *strs));
	struct archive_symbol *sym = &ar->index[ar->nr_index++];

	if (!nul)
		return bad_index(r, "symbol name is not terminated");
	sym->name = (const char *)*strs;
	sym->member = find_member_by_offset(ar, offset);
	*strs = nul + 1;
	return 0;
}

/* SysV "/" and "/SYM64/": count, offsets, then the names, big-endian. */
static int read_sysv_index(struct ar_reader *r, struct archive *ar, unsigned width)
{
	const uint8_t *p = r->index, *end = p + r->index_size, *strs;
	uint64_t count;

	if (r->index_size < width)
		return bad_index(r, "too short");
	count = get_uint(p, width, true);
	if (count > (r->index_size - width) / width)
		return bad_index(r, "symbol count exceeds its size");
	strs = p + width + count * width;
	if (alloc_index(r, ar, count) < 0)
		return -1;
	for (const uint8_t *off = p + width; off < p + width + count * width; off += width)
		if (add_symbol(r, ar, &strs, end, get_uint(off, width, true)) < 0)
			return -1;
	return 0;
}

/* Second linker member: members, offsets, symbols, 1-based u16 indices, names. */
static int read_coff_index(struct ar_reader *r, struct archive *ar)
{
	const uint8_t *p = r->index, *end = p + r->index_size, *q, *strs;
	uint64_t nr_offsets, count;

	if (r->index_size < 8)
		return bad_index(r, "too short");
	nr_offsets = get_uint(p, 4, false);
	if (nr_offsets > (r->index_size - 8) / 4)
		return bad_index(r, "member count exceeds its size");
	q = p + 4 + nr_offsets * 4;
	count = get_uint(q, 4, false);
	if (count > (size_t)(end - q - 4) / 2)
		return bad_index(r, "symbol count exceeds its size");
	strs = q + 4 + count * 2;
	if (alloc_index(r, ar, count) < 0)
		return -1;
	for (uint64_t i = 0; i < count; i++) {
		uint64_t k = get_uint(q + 4 + i * 2, 2, false);

		if (k == 0 || k > nr_offsets)
			return bad_index(r, "member number out of range");
		if (add_symbol(r, ar, &strs, end, get_uint(p + 4 * k, 4, false)) < 0)
			return -1;
	}
	return 0;
}

/* BSD ranlib: byte count, {strx, off} pairs, string table size, strings. */
static int read_bsd_index(struct ar_reader *r, struct archive *ar, unsigned width)
{
	const uint8_t *p = r->index, *ranlib = p + width, *strs;
	uint64_t bytes, strsize, count;

	if (r->index_size < 2 * width)
		return bad_index(r, "too short");
	bytes = get_uint(p, width, false);
	if (bytes > r->index_size - 2 * width || bytes % (2 * width))
		return bad_index(r, "bad ranlib size");
	count = bytes / (2 * width);
	strsize = get_uint(ranlib + bytes, width, false);
	strs = ranlib + bytes + width;
	if (strsize > (size_t)(p + r->index_size - strs))
		return bad_index(r, "string table extends past its end");
	if (alloc_index(r, ar, count) < 0)
		return -1;
	for (uint64_t i = 0; i < count; i++) {
		const uint8_t *entry = ranlib + i * 2 * width, *name;
		uint64_t strx = get_uint(entry, width, false);
		uint64_t off = get_uint(entry + width, width, false);

		if (strx >= strsize)
			return bad_index(r, "symbol name outside the string table");
		name = strs + strx;
		if (add_symbol(r, ar, &name, strs + strsize, off) < 0)
			return -1;
	}
	return 0;
}

static int read_index(struct ar_reader *r, struct archive *ar)
{
	if (!r->index)
		return 0;
	switch (r->index_kind) {
	case ENTRY_SYSV_INDEX:		return read_sysv_index(r, ar, 4);
	case ENTRY_SYSV64_INDEX:	return read_sysv_index(r, ar, 8);
	case ENTRY_COFF_INDEX:		return read_coff_index(r, ar);
	case ENTRY_BSD_INDEX:		return read_bsd_index(r, ar, 4);
	case ENTRY_BSD64_INDEX:		return read_bsd_index(r, ar, 8);
	default:			return 0;
	}
}

static int read_members(struct ar_reader *r, struct archive *ar)
{
	size_t strings;

	if (walk_members(r, ar, &strings) < 0)
		return -1;
	ar->members = calloc(ar->nr_members ? ar->nr_members : 1, sizeof(*ar->members));
	ar->strings = malloc(strings ? strings : 1);
	if (!ar->members || !ar->strings)
		return ipbp_error(r->err, "%s: out of memory", r->name);
	return walk_members(r, ar, &strings);
}

int archive_read(struct archive **out, const char *name, const uint8_t *data,
		 size_t size, struct ipbp_err *err)
{
	struct ar_reader r = { .name = name, .data = data, .size = size, .err = err };
	struct archive *ar;

	*out = NULL;
	if (size >= AR_MAGIC_LEN && !memcmp(data, AR_THIN_MAGIC, AR_MAGIC_LEN))
		return ipbp_error(err, "%s: thin archives are not supported "
				  "(their members live in other files)", name);
	if (size < AR_MAGIC_LEN || memcmp(data, AR_MAGIC, AR_MAGIC_LEN))
		return ipbp_error(err, "%s: not an archive", name);
	ar = calloc(1, sizeof(*ar));
	if (!ar)
		return ipbp_error(err, "%s: out of memory", name);
	if (read_members(&r, ar) < 0 || read_index(&r, ar) < 0) {
		archive_free(ar);
		return -1;
	}
	*out = ar;
	return 0;
}

void archive_free(struct archive *ar)
{
	if (!ar)
		return;
	free(ar->members);
	free(ar->index);
	free(ar->strings);
	free(ar);
}
