// SPDX-License-Identifier: MIT
/*
 * stream.c - the diff stream: text and JSON writers and the text parser,
 * exactly as doc/objdiff.5 pins them (version 1).
 *
 * The vocabulary (marks, kinds, reasons, statuses) lives here, not in
 * diff.c: it is part of the stream's grammar, and the grammar only changes
 * with a version bump.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "demangle.h"
#include "escape.h"
#include "stream.h"
#include "util-int.h"

/* ---- vocabulary ------------------------------------------------------------ */

/* Reason names in bit order: DIFF_R_SIZE is bit 0. */
static const char *const reason_names[DIFF_R_NR] = {
	"size", "code", "relocs", "data", "section", "kind", "bind", "part", "debug",
};

static const char status_marks[] = {
	[DIFF_SAME] = '=', [DIFF_CHANGED] = '~', [DIFF_ADDED] = '+', [DIFF_REMOVED] = '-',
};

static const char *const status_words[] = {
	[DIFF_SAME] = "unchanged", [DIFF_CHANGED] = "changed",
	[DIFF_ADDED] = "added", [DIFF_REMOVED] = "removed",
};

static bool is_stream_status(enum diff_status st)
{
	return (unsigned)st <= DIFF_REMOVED;
}

/* "func", "data" or "tls"; NULL for a kind the stream cannot carry. */
static const char *kind_word(enum symbol_kind kind)
{
	switch (kind) {
	case SYMK_FUNC:
		return "func";
	case SYMK_DATA:
		return "data";
	case SYMK_TLS:
		return "tls";
	default:
		return NULL;
	}
}

/* The sizes a line shows: "-" for the side an added/removed symbol lacks. */
static uint64_t shown_old_size(const struct diff_symbol *ds)
{
	return ds->status == DIFF_ADDED ? STREAM_NO_SIZE : ds->old_size;
}

static uint64_t shown_new_size(const struct diff_symbol *ds)
{
	return ds->status == DIFF_REMOVED ? STREAM_NO_SIZE : ds->new_size;
}

/* The header name of the side a one-sided pair lacks, as diff -N writes. */
#define STREAM_NO_FILE "/dev/null"

/* ---- text writer ----------------------------------------------------------- */

static void put_size(FILE *f, uint64_t size)
{
	if (size == STREAM_NO_SIZE)
		putc('-', f);
	else
		fprintf(f, "%" PRIu64, size);
}

static void put_reasons(FILE *f, unsigned reasons, const char *sep)
{
	bool first = true;

	for (unsigned i = 0; i < DIFF_R_NR; i++) {
		if (!(reasons & (1u << i)))
			continue;
		fputs(first ? "" : sep, f);
		fputs(reason_names[i], f);
		first = false;
	}
}

void stream_write_symbol_line(FILE *f, const struct diff_symbol *ds)
{
	const char *kind = kind_word(ds->kind);

	putc(is_stream_status(ds->status) ? status_marks[ds->status] : '?', f);
	putc(' ', f);
	fputs(kind ? kind : symbol_kind_name(ds->kind), f);
	putc(' ', f);
	text_put_name(f, ds->name ? ds->name : "");
	putc(' ', f);
	put_size(f, shown_old_size(ds));
	putc(' ', f);
	put_size(f, shown_new_size(ds));
	if (ds->status == DIFF_CHANGED && (ds->reasons & ((1u << DIFF_R_NR) - 1))) {
		putc(' ', f);
		put_reasons(f, ds->reasons, ",");
	}
}

static bool is_written(const struct diff_symbol *ds, bool all)
{
	return all || ds->status != DIFF_SAME;
}

/* A pair is written when it has a symbol line to write, or always with all. */
static bool pair_is_written(const struct diff_pair *pair, bool all)
{
	if (all)
		return true;
	for (size_t i = 0; i < pair->nr_syms; i++)
		if (is_written(&pair->syms[i], all))
			return true;
	return false;
}

/* Refuses what the grammar cannot express before anything is written. */
static int check_pairs(const struct diff_pair *pairs, size_t nr_pairs,
		       struct ipbp_err *err)
{
	for (size_t i = 0; i < nr_pairs; i++) {
		for (size_t j = 0; j < pairs[i].nr_syms; j++) {
			const struct diff_symbol *ds = &pairs[i].syms[j];
			const char *name = ds->name ? ds->name : "";

			if (!is_stream_status(ds->status))
				return ipbp_error(err, "stream: symbol %s has an invalid status %d",
						  name, (int)ds->status);
			if (!kind_word(ds->kind))
				return ipbp_error(err, "stream: symbol %s has kind %s, not func, data or tls",
						  name, symbol_kind_name(ds->kind));
		}
	}
	return 0;
}

static int finish_write(FILE *f, struct ipbp_err *err)
{
	if (fflush(f) != 0 || ferror(f))
		return ipbp_error(err, "cannot write the diff stream: %s",
				  strerror(errno ? errno : EIO));
	return 0;
}

int stream_write_text(FILE *f, const struct diff_pair *pairs, size_t nr_pairs,
		      const struct stream_write_opts *opts, struct ipbp_err *err)
{
	bool all = opts && opts->all;

	if (check_pairs(pairs, nr_pairs, err) < 0)
		return -1;
	fprintf(f, "# objdiff %d\n", STREAM_VERSION);
	for (size_t i = 0; i < nr_pairs; i++) {
		const struct diff_pair *pair = &pairs[i];

		if (!pair_is_written(pair, all))
			continue;
		fputs("--- ", f);
		text_put_name(f, pair->old_name ? pair->old_name : STREAM_NO_FILE);
		fputs("\n+++ ", f);
		text_put_name(f, pair->new_name ? pair->new_name : STREAM_NO_FILE);
		putc('\n', f);
		for (size_t j = 0; j < pair->nr_syms; j++) {
			if (!is_written(&pair->syms[j], all))
				continue;
			stream_write_symbol_line(f, &pair->syms[j]);
			if (opts && opts->demangle)
				text_put_demangled(f, pair->syms[j].name);
			putc('\n', f);
			if (opts && opts->detail &&
			    opts->detail(f, pair, &pair->syms[j], opts->detail_arg, err) < 0)
				return -1;
		}
	}
	return finish_write(f, err);
}

/* ---- JSON writer ------------------------------------------------------------ */

static void put_json_size(FILE *f, uint64_t size)
{
	if (size == STREAM_NO_SIZE)
		fputs("null", f);
	else
		fprintf(f, "%" PRIu64, size);
}

static void put_json_symbol(FILE *f, const struct diff_symbol *ds, bool demangle)
{
	char *d = demangle && ds->name ? sym_demangle(ds->name) : NULL;

	fprintf(f, "{\"status\":\"%s\",\"kind\":\"%s\",\"name\":",
		status_words[ds->status], kind_word(ds->kind));
	json_put_string(f, ds->name ? ds->name : "");
	if (d) {
		fputs(",\"demangled\":", f);
		json_put_string(f, d);
		free(d);
	}
	fputs(",\"old_size\":", f);
	put_json_size(f, shown_old_size(ds));
	fputs(",\"new_size\":", f);
	put_json_size(f, shown_new_size(ds));
	fputs(",\"reasons\":[", f);
	if (ds->status == DIFF_CHANGED && (ds->reasons & ((1u << DIFF_R_NR) - 1))) {
		putc('"', f);
		put_reasons(f, ds->reasons, "\",\"");
		putc('"', f);
	}
	fputs("]}", f);
}

static void put_json_pair(FILE *f, const struct diff_pair *pair, bool all, bool demangle)
{
	bool first = true;

	fputs(" {\"old\":", f);
	json_put_string(f, pair->old_name);
	fputs(",\"new\":", f);
	json_put_string(f, pair->new_name);
	fputs(",\"symbols\":[", f);
	for (size_t j = 0; j < pair->nr_syms; j++) {
		if (!is_written(&pair->syms[j], all))
			continue;
		fputs(first ? "\n  " : ",\n  ", f);
		put_json_symbol(f, &pair->syms[j], demangle);
		first = false;
	}
	fputs(first ? "]}" : "\n ]}", f);
}

int stream_write_json(FILE *f, const struct diff_pair *pairs, size_t nr_pairs,
		      const struct stream_write_opts *opts, struct ipbp_err *err)
{
	bool all = opts && opts->all, first = true;

	if (check_pairs(pairs, nr_pairs, err) < 0)
		return -1;
	fprintf(f, "{\"objdiff\":%d,\"pairs\":[", STREAM_VERSION);
	for (size_t i = 0; i < nr_pairs; i++) {
		if (!pair_is_written(&pairs[i], all))
			continue;
		fputs(first ? "\n" : ",\n", f);
		put_json_pair(f, &pairs[i], all, opts && opts->demangle);
		first = false;
	}
	fputs(first ? "]}\n" : "\n]}\n", f);
	return finish_write(f, err);
}

/* ---- parser: lines and fields ------------------------------------------------ */

struct span {
	const char *p;
	size_t len;
};

#define MAX_FIELDS 6	/* mark kind name old new reasons */
#define SYMBOL_COMMENT_FROM 5	/* "# ..." may follow the sizes */

struct parser {
	const char *name;		/* for messages */
	unsigned line;
	struct diff_stream *s;
	size_t cap_pairs, cap_syms;	/* cap_syms: of the last pair */
	bool open_for_new;		/* last pair: "---" seen, "+++" may follow */
	struct ipbp_err *err;
};

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/*
 * Splits a line into at most max fields separated by runs of blanks; one
 * more field than max is reported as extra.  From field comment_from on,
 * a field starting with '#' starts a comment, which ends the line.
 * Returns the number found (up to max + 1).
 */
static size_t split_fields(struct span line, struct span *fields, size_t max,
			   size_t comment_from)
{
	const char *p = line.p, *end = line.p + line.len;
	size_t n = 0;

	while (n <= max) {
		while (p < end && is_blank(*p))
			p++;
		if (p == end || (n >= comment_from && *p == '#'))
			break;
		fields[n].p = p;
		while (p < end && !is_blank(*p))
			p++;
		fields[n].len = (size_t)(p - fields[n].p);
		n++;
	}
	return n;
}

static bool span_is(struct span sp, const char *word)
{
	return sp.len == strlen(word) && memcmp(sp.p, word, sp.len) == 0;
}

/* The field as it may be quoted in a message: escaped, cut at 40 bytes. */
static const char *quote(char *buf, size_t size, struct span sp)
{
	size_t n = 0;

	for (size_t i = 0; i < sp.len && n + 8 < size; i++) {
		unsigned char c = (unsigned char)sp.p[i];

		if (i == 40) {
			n += (size_t)snprintf(buf + n, size - n, "...");
			break;
		}
		if (c < 0x20 || c >= 0x7f || c == '\\' || c == '\'')
			n += (size_t)snprintf(buf + n, size - n, "\\x%02x", c);
		else
			buf[n++] = (char)c;
	}
	buf[n] = '\0';
	return buf;
}

static int parse_error(struct parser *ps, const char *what, struct span sp)
{
	char q[256];

	if (sp.p)
		return ipbp_error(ps->err, "%s:%u: %s '%s'", ps->name, ps->line, what,
				  quote(q, sizeof(q), sp));
	return ipbp_error(ps->err, "%s:%u: %s", ps->name, ps->line, what);
}

static const struct span no_span;

static int out_of_memory(struct parser *ps)
{
	return parse_error(ps, "out of memory", no_span);
}

/* ---- parser: values ---------------------------------------------------------- */

/* Decodes an escaped name field into a new string; "\x00" alone is "". */
static int parse_name(struct parser *ps, struct span sp, char **out)
{
	char *name = malloc(sp.len + 1), *q = name;

	if (!name)
		return out_of_memory(ps);
	if (span_is(sp, "\\x00")) {
		*name = '\0';
		*out = name;
		return 0;
	}
	for (size_t i = 0; i < sp.len; i++) {
		unsigned char c = (unsigned char)sp.p[i];
		int hi, lo;

		if (c < 0x20 || c == 0x7f) {
			free(name);
			return parse_error(ps, "raw control character in name", sp);
		}
		if (c != '\\') {
			*q++ = (char)c;
			continue;
		}
		if (sp.len - i < 4 || sp.p[i + 1] != 'x' ||
		    (hi = hex_digit(sp.p[i + 2])) < 0 || (lo = hex_digit(sp.p[i + 3])) < 0) {
			free(name);
			return parse_error(ps, "bad escape in name", sp);
		}
		if (hi == 0 && lo == 0) {
			free(name);
			return parse_error(ps, "\\x00 inside a name", sp);
		}
		*q++ = (char)(hi << 4 | lo);
		i += 3;
	}
	*q = '\0';
	*out = name;
	return 0;
}

/* A decimal number below UINT64_MAX (which means "no size"), or "-". */
static int parse_size(struct parser *ps, struct span sp, const char *what,
		      uint64_t *out)
{
	uint64_t v = 0;

	if (span_is(sp, "-")) {
		*out = STREAM_NO_SIZE;
		return 0;
	}
	if (sp.len == 0)
		return parse_error(ps, what, sp);
	for (size_t i = 0; i < sp.len; i++) {
		unsigned d = (unsigned)(unsigned char)sp.p[i] - '0';

		if (d > 9 || v > (UINT64_MAX - 1 - d) / 10)
			return parse_error(ps, what, sp);
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

/* Comma-separated reason names; each one known, none empty. */
static int parse_reasons(struct parser *ps, struct span sp, unsigned *out)
{
	const char *p = sp.p, *end = sp.p + sp.len;
	unsigned reasons = 0;

	for (;;) {
		const char *comma = memchr(p, ',', (size_t)(end - p));
		struct span word = { p, (size_t)((comma ? comma : end) - p) };
		unsigned bit = 0;

		for (unsigned i = 0; i < DIFF_R_NR && !bit; i++)
			if (span_is(word, reason_names[i]))
				bit = 1u << i;
		if (!word.len)
			return parse_error(ps, "empty reason in", sp);
		if (!bit)
			return parse_error(ps, "unknown reason", word);
		reasons |= bit;
		if (!comma)
			break;
		p = comma + 1;
	}
	*out = reasons;
	return 0;
}

static int parse_mark(struct parser *ps, struct span sp, enum diff_status *out)
{
	for (unsigned st = 0; sp.len == 1 && st <= DIFF_REMOVED; st++) {
		if (sp.p[0] == status_marks[st]) {
			*out = (enum diff_status)st;
			return 0;
		}
	}
	return parse_error(ps, "unknown mark", sp);
}

static int parse_kind(struct parser *ps, struct span sp, enum symbol_kind *out)
{
	static const enum symbol_kind kinds[] = { SYMK_FUNC, SYMK_DATA, SYMK_TLS };

	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		if (span_is(sp, kind_word(kinds[i]))) {
			*out = kinds[i];
			return 0;
		}
	}
	return parse_error(ps, "unknown kind", sp);
}

/* ---- parser: building the stream ------------------------------------------- */

static struct stream_pair *new_pair(struct parser *ps)
{
	struct diff_stream *s = ps->s;

	if (s->nr_pairs == ps->cap_pairs) {
		size_t cap = ps->cap_pairs ? ps->cap_pairs * 2 : 4;
		struct stream_pair *p = NULL;

		if (cap <= SIZE_MAX / sizeof(*p))
			p = realloc(s->pairs, cap * sizeof(*p));
		if (!p) {
			out_of_memory(ps);
			return NULL;
		}
		s->pairs = p;
		ps->cap_pairs = cap;
	}
	ps->cap_syms = 0;
	ps->open_for_new = false;
	memset(&s->pairs[s->nr_pairs], 0, sizeof(s->pairs[0]));
	s->pairs[s->nr_pairs].line = ps->line;
	return &s->pairs[s->nr_pairs++];
}

static struct stream_pair *last_pair(struct parser *ps)
{
	return ps->s->nr_pairs ? &ps->s->pairs[ps->s->nr_pairs - 1] : NULL;
}

static struct stream_symbol *new_symbol(struct parser *ps)
{
	struct stream_pair *pair = last_pair(ps);

	if (!pair && !(pair = new_pair(ps)))
		return NULL;
	ps->open_for_new = false;
	if (pair->nr_syms == ps->cap_syms) {
		size_t cap = ps->cap_syms ? ps->cap_syms * 2 : 16;
		struct stream_symbol *syms = NULL;

		if (cap <= SIZE_MAX / sizeof(*syms))
			syms = realloc(pair->syms, cap * sizeof(*syms));

		if (!syms) {
			out_of_memory(ps);
			return NULL;
		}
		pair->syms = syms;
		ps->cap_syms = cap;
	}
	return &pair->syms[pair->nr_syms];
}

/* Sizes must match the mark: "+" has no old size, "-" no new one. */
static int check_sizes(struct parser *ps, const struct stream_symbol *sym,
		       const struct span *f)
{
	bool old = sym->old_size != STREAM_NO_SIZE, new = sym->new_size != STREAM_NO_SIZE;

	if (sym->status == DIFF_ADDED && old)
		return parse_error(ps, "'+' line needs '-' as old size, not", f[3]);
	if (sym->status == DIFF_REMOVED && new)
		return parse_error(ps, "'-' line needs '-' as new size, not", f[4]);
	if (sym->status != DIFF_ADDED && !old)
		return ipbp_error(ps->err, "%s:%u: '%c' line needs an old size, not '-'",
				  ps->name, ps->line, status_marks[sym->status]);
	if (sym->status != DIFF_REMOVED && !new)
		return ipbp_error(ps->err, "%s:%u: '%c' line needs a new size, not '-'",
				  ps->name, ps->line, status_marks[sym->status]);
	return 0;
}

static int parse_symbol_line(struct parser *ps, struct span line)
{
	static const char *const missing[] = {
		NULL, "missing kind", "missing name", "missing old size", "missing new size",
	};
	struct span f[MAX_FIELDS + 1];
	size_t n = split_fields(line, f, MAX_FIELDS, SYMBOL_COMMENT_FROM);
	struct stream_symbol sym = { .line = ps->line }, *slot;

	if (parse_mark(ps, f[0], &sym.status) < 0)
		return -1;
	if (n < 5)
		return parse_error(ps, missing[n], no_span);
	if (n > MAX_FIELDS)
		return parse_error(ps, "extra field", f[MAX_FIELDS]);
	if (parse_kind(ps, f[1], &sym.kind) < 0 ||
	    parse_size(ps, f[3], "bad old size", &sym.old_size) < 0 ||
	    parse_size(ps, f[4], "bad new size", &sym.new_size) < 0 ||
	    check_sizes(ps, &sym, f) < 0 ||
	    (n == 6 && parse_reasons(ps, f[5], &sym.reasons) < 0))
		return -1;
	if (!(slot = new_symbol(ps)) || parse_name(ps, f[2], &sym.name) < 0)
		return -1;
	*slot = sym;
	last_pair(ps)->nr_syms++;
	return 0;
}

/* "--- NAME" starts a pair; "+++ NAME" completes it or starts one of its own. */
static int parse_header(struct parser *ps, struct span line, bool is_old)
{
	struct span f[3];
	size_t n = split_fields(line, f, 2, SIZE_MAX);
	struct stream_pair *pair;
	char *name;

	if (n < 2)
		return parse_error(ps, is_old ? "missing file name after '---'"
					      : "missing file name after '+++'", no_span);
	if (n > 2)
		return parse_error(ps, "extra field", f[2]);
	if (parse_name(ps, f[1], &name) < 0)
		return -1;
	pair = last_pair(ps);
	if (is_old || !ps->open_for_new) {
		if (!(pair = new_pair(ps))) {
			free(name);
			return -1;
		}
	}
	if (is_old) {
		pair->old_name = name;
		ps->open_for_new = true;
	} else {
		pair->new_name = name;
		ps->open_for_new = false;
	}
	return 0;
}

/* "# objdiff N" is the version line; any other "#" line a comment. */
static int parse_comment(struct parser *ps, struct span line)
{
	struct span rest = { line.p + 1, line.len - 1 }, f[3];
	size_t n = split_fields(rest, f, 2, SIZE_MAX);
	uint64_t version;

	if (n == 0 || !span_is(f[0], "objdiff"))
		return 0;
	if (n < 2)
		return parse_error(ps, "missing version number", no_span);
	if (span_is(f[1], "-"))
		return parse_error(ps, "bad version number", f[1]);
	if (parse_size(ps, f[1], "bad version number", &version) < 0)
		return -1;
	if (n > 2)
		return parse_error(ps, "extra field", f[2]);
	if (version != STREAM_VERSION)
		return ipbp_error(ps->err, "%s:%u: unsupported stream version %" PRIu64
				  " (this parser reads version %d)",
				  ps->name, ps->line, version, STREAM_VERSION);
	ps->s->version = STREAM_VERSION;
	return 0;
}

static bool starts_header(struct span line, const char *prefix)
{
	return line.len >= 3 && memcmp(line.p, prefix, 3) == 0 &&
	       (line.len == 3 || is_blank(line.p[3]));
}

static int parse_line(struct parser *ps, struct span line)
{
	if (line.len == 0 || is_blank(line.p[0]))
		return 0;		/* empty, or details under a symbol line */
	if (memchr(line.p, '\0', line.len))
		return parse_error(ps, "NUL byte in line", no_span);
	if (line.p[0] == '#')
		return parse_comment(ps, line);
	if (starts_header(line, "---"))
		return parse_header(ps, line, true);
	if (starts_header(line, "+++"))
		return parse_header(ps, line, false);
	return parse_symbol_line(ps, line);
}

int stream_parse(struct diff_stream **out, const char *name, const char *text,
		 size_t len, struct ipbp_err *err)
{
	struct parser ps = { .name = name ? name : "-", .err = err };
	const char *p = text, *end = text + len;

	*out = NULL;
	if (!(ps.s = calloc(1, sizeof(*ps.s))) || !(ps.s->name = strdup(ps.name))) {
		free(ps.s);
		return ipbp_error(err, "%s: out of memory", ps.name);
	}
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		struct span line = { p, (size_t)((nl ? nl : end) - p) };

		if (ps.line < UINT_MAX)
			ps.line++;
		if (line.len && line.p[line.len - 1] == '\r')
			line.len--;	/* CRLF */
		if (parse_line(&ps, line) < 0) {
			stream_free(ps.s);
			return -1;
		}
		p = nl ? nl + 1 : end;
	}
	*out = ps.s;
	return 0;
}

void stream_free(struct diff_stream *stream)
{
	if (!stream)
		return;
	for (size_t i = 0; i < stream->nr_pairs; i++) {
		struct stream_pair *pair = &stream->pairs[i];

		for (size_t j = 0; j < pair->nr_syms; j++)
			free(pair->syms[j].name);
		free(pair->syms);
		free(pair->old_name);
		free(pair->new_name);
	}
	free(stream->pairs);
	free(stream->name);
	free(stream);
}
