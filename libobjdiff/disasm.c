// SPDX-License-Identifier: MIT
/*
 * disasm.c - function listings with symbolic relocation targets, and the
 * aligned diff of two of them (objdiff -d).  The layout is described in
 * disasm.h.
 *
 * Listing (Capstone architectures) is two linear sweeps over each part of
 * the function: the first finds the instruction starts and the branch
 * targets inside the part (they become labels), the second renders.  A
 * field that a relocation covers is shown as the relocation's target:
 *
 *   x86      the instruction is decoded again with a sentinel value
 *            (0x5a5a5a5a...) in the field, at an address that makes a
 *            branch's printed target equal the sentinel; the sentinel's
 *            hex text in the operands is then replaced by the target.  So
 *            the raw bits (an addend, a REL-style inline addend, a
 *            PC-relative distance) never reach the text, in any syntax.
 *   aarch64  the field is the whole word: the memory operand's offset
 *            ("[x8, :lo12:counter]") or else the last immediate operand
 *            ("bl ext_a", "adrp x8, counter") is replaced.
 *
 * The alignment is Myers' O(ND) greedy diff over line hashes, after the
 * common head and tail are trimmed, bounded by max_edits and a work limit.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "arch.h"
#include "demangle.h"
#include "disasm.h"
#include "util-int.h"

#define REF_MAX		128	/* a rendered relocation target */
#define TEXT_MAX	512	/* a rendered instruction */
#define SUBS_MAX	4	/* relocated fields in one instruction */
#define STRING_MAX	40	/* characters of a string literal shown */
#define WORK_MAX	(1ull << 26)	/* Myers steps before giving up */

/* ---- listings ------------------------------------------------------------ */

static uint64_t hash_text(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 0x100000001b3ull;
	return h;
}

int disasm_add_line(struct disasm_listing *l, const char *where,
		    uint64_t offset, bool is_note, const char *fmt, ...)
{
	struct disasm_line *line;
	va_list ap;
	int n;

	if (array_grow((void **)&l->lines, &l->cap_lines, l->nr_lines + 1,
		 sizeof(*l->lines)) < 0 ||
	    array_grow((void **)&l->buf, &l->cap, l->len + TEXT_MAX, 1) < 0)
		return -1;
	va_start(ap, fmt);
	n = vsnprintf(l->buf + l->len, TEXT_MAX, fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if (n >= TEXT_MAX)
		n = TEXT_MAX - 1;
	line = &l->lines[l->nr_lines++];
	line->where = where;
	line->offset = offset;
	line->text = l->len;
	line->hash = hash_text(l->buf + l->len);
	line->is_note = is_note;
	l->len += (size_t)n + 1;
	return 0;
}

void disasm_listing_release(struct disasm_listing *l)
{
	free(l->lines);
	free(l->buf);
	memset(l, 0, sizeof(*l));
}

/* ---- relocation targets ------------------------------------------------ */

/* A C string literal from sec at pos: "text", escaped and shortened. */
static void format_string(char *buf, size_t size, const struct section *sec,
			  uint64_t pos)
{
	size_t n = 0;

	buf[n++] = '"';
	for (unsigned i = 0; pos + i < sec->size && n + 8 < size; i++) {
		uint8_t c = sec->data[pos + i];

		if (c == 0)
			break;
		if (i == STRING_MAX) {
			n += (size_t)snprintf(buf + n, size - n, "...");
			break;
		}
		if (c == '\n' || c == '\t' || c == '"' || c == '\\')
			n += (size_t)snprintf(buf + n, size - n, "\\%c",
					      c == '\n' ? 'n' : c == '\t' ? 't' : c);
		else if (c < 0x20 || c >= 0x7f)
			n += (size_t)snprintf(buf + n, size - n, "\\x%02x", c);
		else
			buf[n++] = (char)c;
	}
	snprintf(buf + n, size - n, "\"");
}

static bool is_string_target(const struct symbol *sym, int64_t off)
{
	const struct section *sec = sym->sec;

	if (!sec || !sec->data || !(sec->kind == SEC_STRINGS || (sec->flags & SECF_STRINGS)))
		return false;
	return off >= 0 && sym->offset < sec->size &&
	       (uint64_t)off < sec->size - sym->offset;
}

/* name+0x8, name-0x8 or name; demangled first when asked and C++. */
static void format_name_off(char *buf, size_t size, const char *name, int64_t off,
			    bool demangle)
{
	char *shown = demangle ? sym_demangle(name) : NULL;

	if (shown)
		name = shown;
	if (off > 0)
		snprintf(buf, size, "%s+0x%" PRIx64, name, (uint64_t)off);
	else if (off < 0)
		snprintf(buf, size, "%s-0x%" PRIx64, name, -(uint64_t)off);
	else
		snprintf(buf, size, "%s", name);
	free(shown);
}

const char *disasm_format_ref(char *buf, size_t size, const struct reloc *r, bool demangle)
{
	const struct symbol *sym = r->target ? r->target : r->sym;
	int64_t off = r->target ? r->target_offset : r->addend;
	char name[REF_MAX];

	if (!sym) {
		snprintf(buf, size, "?");
		return buf;
	}
	if (is_string_target(sym, off))
		format_string(name, sizeof(name), sym->sec, sym->offset + (uint64_t)off);
	else
		format_name_off(name, sizeof(name), sym->name ? sym->name : "?", off, demangle);
	switch (r->kind) {
	case RK_GOT:
		snprintf(buf, size, "%s@got", name);
		break;
	case RK_TLS:
		snprintf(buf, size, "%s@tls", name);
		break;
	case RK_PAGEOFF:
		snprintf(buf, size, ":lo12:%s", name);
		break;
	case RK_SECREL:
		snprintf(buf, size, "%s@secrel", name);
		break;
	case RK_IMAGEREL:
		snprintf(buf, size, "%s@imgrel", name);
		break;
	case RK_SUB:
		snprintf(buf, size, "%s-%s", name,
			 r->sub && r->sub->name ? r->sub->name : "?");
		break;
	default:
		snprintf(buf, size, "%s", name);
		break;
	}
	return buf;
}

/* ---- Capstone listings ----------------------------------------------------- */

/* A field of one instruction and what to show instead of its bits. */
struct subst {
	unsigned field, width;
	char text[REF_MAX];
};

struct lister {
	const struct obj *obj;
	const struct arch_ops *ops;
	csh cs;
	cs_insn *insn;
	struct arch_decoder dec;	/* finds the references */
	struct disasm_listing *l;
	size_t max_lines;
	bool demangle;			/* disasm_opts.demangle */
	/* The part being listed: [start, end) of sec. */
	const struct symbol *part;
	const struct section *sec;
	uint64_t start, end;
	uint8_t *starts;		/* bitmap: instruction starts */
	uint64_t *targets;		/* branch targets inside, sorted */
	size_t nr_targets, cap_targets;
	unsigned label_base;
	bool full;			/* max_lines reached */
};

static bool is_start(const struct lister *c, uint64_t addr)
{
	uint64_t i = addr - c->start;

	return addr >= c->start && addr < c->end &&
	       (c->starts[i / 8] & (1u << (i % 8)));
}

/* The label number of an instruction start inside the part, or -1. */
static long find_label(const struct lister *c, uint64_t addr)
{
	size_t lo = 0, hi = c->nr_targets;

	if (!is_start(c, addr))
		return -1;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (c->targets[mid] < addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < c->nr_targets && c->targets[lo] == addr)
		return (long)(c->label_base + lo);
	return -1;
}

/* Relocations whose field starts inside insn, as substitutions. */
static size_t reloc_substs(const struct lister *c, const cs_insn *insn,
			   size_t *cursor, struct subst *subs)
{
	const struct section *sec = c->sec;
	uint64_t end = insn->address + insn->size;
	size_t n = 0;

	while (*cursor < sec->nr_relocs && sec->relocs[*cursor]->offset < insn->address)
		(*cursor)++;
	for (size_t i = *cursor; i < sec->nr_relocs; i++) {
		const struct reloc *r = sec->relocs[i];

		if (r->offset >= end || n == SUBS_MAX)
			break;
		if (r->kind == RK_NONE || r->width == 0 || r->width > 8 ||
		    r->offset + r->width > end)
			continue;
		subs[n].field = (unsigned)(r->offset - insn->address);
		subs[n].width = r->width;
		disasm_format_ref(subs[n].text, sizeof(subs[n].text), r, c->demangle);
		n++;
	}
	return n;
}

static bool overlaps(const struct subst *subs, size_t n, unsigned field,
		     unsigned width)
{
	for (size_t i = 0; i < n; i++)
		if (field < subs[i].field + subs[i].width &&
		    subs[i].field < field + width)
			return true;
	return false;
}

/* A PC-relative reference without relocation: a label, or sym+off. */
static size_t ref_subst(const struct lister *c, const cs_insn *insn,
			struct subst *subs, size_t n)
{
	struct arch_ref ref;
	const struct symbol *sym;
	struct subst *s = &subs[n];
	long label;

	if (n == SUBS_MAX || !arch_insn_ref(&c->dec, insn, &ref) ||
	    overlaps(subs, n, ref.field, ref.width))
		return n;
	s->field = ref.field;
	s->width = ref.width;
	label = find_label(c, ref.target);
	if (label >= 0)
		snprintf(s->text, sizeof(s->text), ".L%ld", label);
	else if (ref.target >= c->start && ref.target < c->end)
		format_name_off(s->text, sizeof(s->text), c->part->name,
				(int64_t)(ref.target - c->start), c->demangle);
	else if ((sym = obj_find_symbol_covering(c->sec, ref.target)))
		format_name_off(s->text, sizeof(s->text), sym->name,
				(int64_t)(ref.target - sym->offset), c->demangle);
	else
		format_name_off(s->text, sizeof(s->text), c->sec->name,
				(int64_t)ref.target, false);
	return n + 1;
}

/* Replaces text[at, at + len) with rep (text has size bytes). */
static void splice(char *text, size_t size, size_t at, size_t len, const char *rep)
{
	char tail[TEXT_MAX];

	snprintf(tail, sizeof(tail), "%s", text + at + len);
	snprintf(text + at, size - at, "%s%s", rep, tail);
}

static bool is_hex(char ch)
{
	return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f');
}

/* x86: see the comment at the top. */
static void render_x86(const struct lister *c, const cs_insn *insn,
		       struct subst *subs, size_t n, char *ops, size_t size)
{
	uint8_t bytes[sizeof(insn->bytes)];
	char pat[SUBS_MAX][24];
	cs_insn *tmp = NULL;

	memcpy(bytes, insn->bytes, sizeof(bytes));
	for (size_t i = 0; i < n; i++) {
		memset(bytes + subs[i].field, 0x5a + (int)i, subs[i].width);
		memset(pat[i], 0, sizeof(pat[i]));
		memcpy(pat[i], "0x", 2);
		memset(pat[i] + 2, 'a' + (int)i, 2 * subs[i].width);
		for (unsigned j = 0; j < subs[i].width; j++)
			pat[i][2 + 2 * j] = '5';
	}
	if (cs_disasm(c->cs, bytes, insn->size, (uint64_t)0 - insn->size, 1, &tmp) != 1 ||
	    tmp->size != insn->size) {
		snprintf(ops, size, "%s", insn->op_str);
		for (size_t i = 0; i < n; i++)
			snprintf(ops + strlen(ops), size - strlen(ops), " <%s>", subs[i].text);
		if (tmp)
			cs_free(tmp, 1);
		return;
	}
	snprintf(ops, size, "%s", tmp->op_str);
	cs_free(tmp, 1);
	for (size_t i = 0; i < n; i++) {
		size_t plen = strlen(pat[i]);
		char *p = strstr(ops, pat[i]);

		if (p && !is_hex(p[plen]))
			splice(ops, size, (size_t)(p - ops), plen, subs[i].text);
		else
			snprintf(ops + strlen(ops), size - strlen(ops), " <%s>", subs[i].text);
	}
}

/* The [start, end) of the operand to replace in an aarch64 op_str. */
static bool find_arm64_operand(const char *ops, size_t *at, size_t *len, bool *mem)
{
	const char *open = strchr(ops, '[');
	const char *hash = NULL;

	if (open) {
		const char *close = strchr(open, ']');
		const char *comma = strchr(open, ',');

		if (!close)
			return false;
		/* "[x8]" -> "[x8, T]"; "[x8, #0x10]" -> "[x8, T]" */
		*at = (size_t)((comma && comma < close ? comma : close) - ops);
		*len = (size_t)(close - ops) - *at;
		*mem = true;
		return true;
	}
	for (const char *p = ops; *p; p++)
		if (*p == '#' && (p == ops || p[-1] == ' ') &&
		    (p < ops + 4 || strncmp(p - 4, "lsl ", 4) != 0))
			hash = p;
	if (!hash)
		return false;
	*at = (size_t)(hash - ops);
	*len = strcspn(hash, ",");
	*mem = false;
	return true;
}

static void render_arm64(const struct lister *c, const cs_insn *insn,
			 struct subst *subs, size_t n, char *ops, size_t size)
{
	char rep[REF_MAX + 4];
	size_t at, len;
	bool mem;

	snprintf(ops, size, "%s", insn->op_str);
	for (size_t i = 0; i < n; i++) {
		if (!find_arm64_operand(ops, &at, &len, &mem)) {
			snprintf(ops + strlen(ops), size - strlen(ops), "%s%s",
				 *ops ? ", " : "", subs[i].text);
			continue;
		}
		snprintf(rep, sizeof(rep), "%s%s", mem ? ", " : "", subs[i].text);
		splice(ops, size, at, len, rep);
	}
}

static int add_insn(struct lister *c, const cs_insn *insn, size_t *cursor)
{
	struct subst subs[SUBS_MAX];
	char ops[TEXT_MAX];
	uint64_t off = insn->address - c->start;
	long label = find_label(c, insn->address);
	size_t n = reloc_substs(c, insn, cursor, subs);

	n = ref_subst(c, insn, subs, n);
	if (c->ops->cs_arch == CS_ARCH_X86 && n)
		render_x86(c, insn, subs, n, ops, sizeof(ops));
	else if (n)
		render_arm64(c, insn, subs, n, ops, sizeof(ops));
	else
		snprintf(ops, sizeof(ops), "%s", insn->op_str);
	if (label >= 0 &&
	    disasm_add_line(c->l, c->part->name, off, false, ".L%ld:", label) < 0)
		return -1;
	if (!*ops)
		return disasm_add_line(c->l, c->part->name, off, false, "    %s",
				       insn->mnemonic);
	return disasm_add_line(c->l, c->part->name, off, false, "    %-7s %s",
			       insn->mnemonic, ops);
}

static int add_bad(struct lister *c, const uint8_t *code, size_t skip, uint64_t addr)
{
	char text[64] = ".byte ";
	size_t n = strlen(text);

	for (size_t i = 0; i < skip && i < 8; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "%s0x%02x",
				      i ? ", " : "", code[i]);
	return disasm_add_line(c->l, c->part->name, addr - c->start, false,
			       "    %s", text);
}

static int add_target(struct lister *c, uint64_t target)
{
	if (array_grow((void **)&c->targets, &c->cap_targets, c->nr_targets + 1,
		 sizeof(*c->targets)) < 0)
		return -1;
	c->targets[c->nr_targets++] = target;
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static bool has_reloc_over(const struct section *sec, uint64_t field,
			   unsigned width)
{
	for (unsigned i = 0; i < width; i++)
		if (obj_find_reloc(sec, field + i))
			return true;
	return false;
}

/* Pass 1: instruction starts and the part's own branch targets. */
static int scan_part(struct lister *c)
{
	const uint8_t *code = c->sec->data + c->start;
	size_t left = c->end - c->start, k = 0;
	uint64_t addr = c->start;
	struct arch_ref ref;

	while (left > 0) {
		uint64_t at = addr - c->start;

		if (!cs_disasm_iter(c->cs, &code, &left, &addr, c->insn)) {
			size_t skip = c->ops->min_insn_size < left ? c->ops->min_insn_size : left;

			code += skip, left -= skip, addr += skip;
			continue;
		}
		c->starts[at / 8] |= (uint8_t)(1u << (at % 8));
		if (arch_insn_ref(&c->dec, c->insn, &ref) && ref.target >= c->start &&
		    ref.target < c->end &&
		    !has_reloc_over(c->sec, c->insn->address + ref.field, ref.width) &&
		    add_target(c, ref.target) < 0)
			return -1;
	}
	/* Keep the targets that are instruction starts, each once. */
	if (c->nr_targets)
		qsort(c->targets, c->nr_targets, sizeof(*c->targets), cmp_u64);
	for (size_t i = 0; i < c->nr_targets; i++)
		if (is_start(c, c->targets[i]) && (k == 0 || c->targets[k - 1] != c->targets[i]))
			c->targets[k++] = c->targets[i];
	c->nr_targets = k;
	return 0;
}

/* Pass 2: the lines. */
static int render_part(struct lister *c)
{
	const uint8_t *code = c->sec->data + c->start;
	size_t left = c->end - c->start;
	uint64_t addr = c->start;
	size_t cursor = obj_first_reloc(c->sec, c->start);

	while (left > 0) {
		if (c->l->nr_lines >= c->max_lines) {
			c->full = true;
			return disasm_add_line(c->l, c->part->name, addr - c->start, true,
					       "# listing cut at %s+0x%" PRIx64 ": over %zu lines",
					       c->part->name, addr - c->start, c->max_lines);
		}
		if (cs_disasm_iter(c->cs, &code, &left, &addr, c->insn)) {
			if (add_insn(c, c->insn, &cursor) < 0)
				return -1;
			continue;
		}
		size_t skip = c->ops->min_insn_size < left ? c->ops->min_insn_size : left;

		if (add_bad(c, code, skip, addr) < 0)
			return -1;
		code += skip, left -= skip, addr += skip;
	}
	return 0;
}

static bool has_bytes(const struct symbol *sym)
{
	const struct section *sec = sym->sec;

	return sec && sec->data && is_defined(sym) &&
	       in_bounds(sec->size, sym->offset, sym->size);
}

static int list_part(struct lister *c, const struct symbol *part)
{
	int ret;

	c->part = part;
	c->sec = part->sec;
	c->start = part->offset;
	c->end = part->offset + part->size;
	c->nr_targets = 0;
	c->starts = calloc(part->size / 8 + 1, 1);
	if (!c->starts)
		return -1;
	ret = scan_part(c);
	if (ret == 0)
		ret = render_part(c);
	c->label_base += (unsigned)c->nr_targets;
	free(c->starts);
	c->starts = NULL;
	return ret;
}

/* "f.cold", "f.cold.3", "f.part.0" for parent "f". */
static bool is_part_of(const struct symbol *s, const char *parent)
{
	size_t n = strlen(parent);
	const char *rest;

	if (s->kind != SYMK_FUNC || !s->name || strncmp(s->name, parent, n) != 0)
		return false;
	rest = s->name + n;
	if (strncmp(rest, ".cold", 5) == 0)
		rest += 5;
	else if (strncmp(rest, ".part.", 6) == 0)
		rest += 5;
	else
		return false;
	if (*rest == 0)
		return true;
	if (*rest++ != '.' || !*rest)
		return false;
	return strspn(rest, "0123456789") == strlen(rest);
}

static int list_capstone(struct lister *c, const struct symbol *sym)
{
	const struct symbol *s;

	if (has_bytes(sym) && list_part(c, sym) < 0)
		return -1;
	for_each_symbol(c->obj, s) {
		if (c->full || s == sym || !is_part_of(s, sym->name) || !has_bytes(s))
			continue;
		char label[REF_MAX];

		format_name_off(label, sizeof(label), s->name, 0, c->demangle);
		if (disasm_add_line(c->l, s->name, 0, false, "%s:", label) < 0 ||
		    list_part(c, s) < 0)
			return -1;
	}
	return 0;
}

int disasm_list_function(struct disasm_listing *l, const struct obj *obj,
			 const struct symbol *sym,
			 const struct disasm_opts *opts, struct ipbp_err *err)
{
	struct lister c = { .obj = obj, .l = l, .demangle = opts->demangle };
	int ret;

	l->end = sym->size;
	c.max_lines = opts->max_lines ? opts->max_lines : DISASM_MAX_LINES;
	if (obj->format == FORMAT_WASM)
		return disasm_list_wasm(l, obj, sym, opts, err);
	if (!has_bytes(sym)) {
		if (disasm_add_line(l, sym->name, 0, true, "# %s: no bytes to list",
				    sym->name) < 0)
			return ipbp_error(err, "%s: out of memory", obj->name);
		return 0;
	}
	if (arch_disasm_open(obj, &c.cs, &c.ops, err) < 0)
		return -1;
	if (opts->intel)
		cs_option(c.cs, CS_OPT_SYNTAX, CS_OPT_SYNTAX_INTEL);
	else if (c.ops->cs_arch == CS_ARCH_X86)
		cs_option(c.cs, CS_OPT_SYNTAX, CS_OPT_SYNTAX_ATT);
	if (arch_decoder_open(obj, &c.dec, err) < 0) {
		cs_close(&c.cs);
		return -1;
	}
	c.insn = cs_malloc(c.cs);
	ret = c.insn ? list_capstone(&c, sym) : -1;
	if (c.insn)
		cs_free(c.insn, 1);
	cs_close(&c.cs);
	arch_decoder_close(&c.dec);
	free(c.targets);
	if (ret < 0)
		return ipbp_error(err, "%s: %s: out of memory", obj->name, sym->name);
	return 0;
}

/* ---- the alignment ----------------------------------------------------------- */

enum edit_op { EDIT_SAME, EDIT_DEL, EDIT_INS };

struct edit {
	enum edit_op op;
	size_t a, b;		/* line in old, in new (the one that applies) */
};

struct aligner {
	const struct disasm_listing *a, *b;
	struct edit *edits;
	size_t nr_edits, cap_edits;
};

static bool same_line(const struct aligner *al, size_t i, size_t j)
{
	const struct disasm_line *x = &al->a->lines[i], *y = &al->b->lines[j];

	return !x->is_note && !y->is_note && x->hash == y->hash &&
	       strcmp(al->a->buf + x->text, al->b->buf + y->text) == 0;
}

static int add_edit(struct aligner *al, enum edit_op op, size_t a, size_t b)
{
	if (array_grow((void **)&al->edits, &al->cap_edits, al->nr_edits + 1,
		 sizeof(*al->edits)) < 0)
		return -1;
	al->edits[al->nr_edits++] = (struct edit){ op, a, b };
	return 0;
}

/*
 * Myers over old [lo, lo + n) and new [lo, lo + m): the edits, appended in
 * reverse order.  Returns 0, 1 when the distance exceeds max_d or the work
 * limit, -1 when out of memory.
 */
static int myers(struct aligner *al, size_t lo, size_t n, size_t m, size_t max_d)
{
	size_t dmax = n + m < max_d ? n + m : max_d, off = dmax + 1, d;
	size_t size = 2 * dmax + 3;
	int32_t *v = calloc(size, sizeof(*v));
	int32_t *hist = NULL;
	size_t hist_len = 0, hist_cap = 0;
	uint64_t work = 0;
	bool done = false;
	int ret = 1;

	if (!v)
		return -1;
	for (d = 0; d <= dmax && !done; d++) {
		for (long k = -(long)d; k <= (long)d; k += 2) {
			long x, y;

			if (k == -(long)d || (k != (long)d && v[off + k - 1] < v[off + k + 1]))
				x = v[off + k + 1];
			else
				x = v[off + k - 1] + 1;
			y = x - k;
			while ((size_t)x < n && (size_t)y < m && y >= 0 &&
			       same_line(al, lo + (size_t)x, lo + (size_t)y))
				x++, y++, work++;
			v[off + k] = (int32_t)x;
			if ((size_t)x >= n && y >= 0 && (size_t)y >= m)
				done = true;
		}
		work += d + 1;
		if (array_grow((void **)&hist, &hist_cap, hist_len + 2 * d + 1, sizeof(*hist)) < 0) {
			ret = -1;
			goto out;
		}
		memcpy(hist + hist_len, v + off - d, (2 * d + 1) * sizeof(*v));
		hist_len += 2 * d + 1;
		if (work > WORK_MAX)
			goto out;
	}
	if (!done)
		goto out;
	ret = 0;
	/* Back from (n, m) through the snapshots: hist of step e starts at e*e. */
	long x = (long)n, y = (long)m;

	for (long e = (long)d - 1; e > 0 && ret == 0; e--) {
		const int32_t *p = hist + (size_t)(e - 1) * (size_t)(e - 1) + (size_t)(e - 1);
		long k = x - y, pk, px, py;

		/* p[k] is step e-1's V at diagonal k (|k| <= e-1). */
		if (k == -e || (k != e && p[k - 1] < p[k + 1]))
			pk = k + 1;
		else
			pk = k - 1;
		px = p[pk];
		py = px - pk;
		while (x > px && y > py && ret == 0)
			x--, y--, ret = add_edit(al, EDIT_SAME, lo + (size_t)x, lo + (size_t)y);
		if (ret == 0 && pk == k + 1)
			ret = add_edit(al, EDIT_INS, lo + (size_t)x, lo + (size_t)py);
		else if (ret == 0)
			ret = add_edit(al, EDIT_DEL, lo + (size_t)px, lo + (size_t)y);
		x = px, y = py;
	}
	while (x > 0 && y > 0 && ret == 0)
		x--, y--, ret = add_edit(al, EDIT_SAME, lo + (size_t)x, lo + (size_t)y);
out:
	free(v);
	free(hist);
	return ret;
}

/* The edit script old -> new.  Returns 0, 1 (too different) or -1. */
static int align(struct aligner *al, size_t max_d)
{
	size_t n = al->a->nr_lines, m = al->b->nr_lines, head = 0, tail = 0;
	int ret;

	while (head < n && head < m && same_line(al, head, head))
		head++;
	while (tail < n - head && tail < m - head &&
	       same_line(al, n - 1 - tail, m - 1 - tail))
		tail++;
	for (size_t i = 0; i < tail; i++)
		if (add_edit(al, EDIT_SAME, n - 1 - i, m - 1 - i) < 0)
			return -1;
	ret = myers(al, head, n - head - tail, m - head - tail, max_d);
	if (ret != 0)
		return ret;
	for (size_t i = head; i-- > 0;)
		if (add_edit(al, EDIT_SAME, i, i) < 0)
			return -1;
	/* Built backwards. */
	for (size_t i = 0, j = al->nr_edits; i + 1 < j; i++, j--) {
		struct edit t = al->edits[i];

		al->edits[i] = al->edits[j - 1];
		al->edits[j - 1] = t;
	}
	return 0;
}

/* ---- output ------------------------------------------------------------------- */

static void write_line(FILE *f, const struct disasm_listing *l, size_t i, char mark)
{
	if (l->lines[i].is_note)
		fprintf(f, "  %s\n", disasm_line_text(l, i));
	else
		fprintf(f, "  %c %s\n", mark, disasm_line_text(l, i));
}

static void write_pos(FILE *f, char side, const struct disasm_listing *l,
		      size_t i, const char *name)
{
	if (i < l->nr_lines)
		fprintf(f, " %c%s+0x%" PRIx64, side, l->lines[i].where, l->lines[i].offset);
	else
		fprintf(f, " %c%s+0x%" PRIx64, side, name, l->end);
}

/* The first old (or new) line at or after edit from. */
static size_t hunk_line(const struct aligner *al, size_t from, bool old)
{
	for (size_t i = from; i < al->nr_edits; i++) {
		const struct edit *e = &al->edits[i];

		if (e->op == EDIT_SAME || e->op == (old ? EDIT_DEL : EDIT_INS))
			return old ? e->a : e->b;
	}
	return old ? al->a->nr_lines : al->b->nr_lines;
}

static void write_hunk(FILE *f, const struct aligner *al, size_t from, size_t to,
		       const char *old_name, const char *new_name)
{
	fprintf(f, "  @@");
	write_pos(f, '-', al->a, hunk_line(al, from, true), old_name);
	write_pos(f, '+', al->b, hunk_line(al, from, false), new_name);
	fprintf(f, " @@\n");
	for (size_t i = from; i < to;) {
		size_t j = i;

		if (al->edits[i].op == EDIT_SAME) {
			write_line(f, al->a, al->edits[i++].a, ' ');
			continue;
		}
		/* A run of changes: its deletions, then its insertions. */
		while (j < to && al->edits[j].op != EDIT_SAME)
			j++;
		for (size_t k = i; k < j; k++)
			if (al->edits[k].op == EDIT_DEL)
				write_line(f, al->a, al->edits[k].a, '-');
		for (size_t k = i; k < j; k++)
			if (al->edits[k].op == EDIT_INS)
				write_line(f, al->b, al->edits[k].b, '+');
		i = j;
	}
}

static size_t next_change(const struct aligner *al, size_t i)
{
	while (i < al->nr_edits && al->edits[i].op == EDIT_SAME)
		i++;
	return i;
}

static void write_hunks(FILE *f, const struct aligner *al, unsigned context,
			const char *old_name, const char *new_name)
{
	size_t i = 0, done = 0;

	while ((i = next_change(al, i)) < al->nr_edits) {
		size_t from = i > done + context ? i - context : done;
		size_t last = i, next;

		/* Extend over changes whose gap is at most twice the context. */
		for (;;) {
			while (last + 1 < al->nr_edits && al->edits[last + 1].op != EDIT_SAME)
				last++;
			next = next_change(al, last + 1);
			if (next >= al->nr_edits || next - last - 1 > 2 * (size_t)context)
				break;
			last = next;
		}
		done = last + 1 + context < al->nr_edits ? last + 1 + context : al->nr_edits;
		write_hunk(f, al, from, done, old_name, new_name);
		i = done;
	}
}

/* An added or removed function, or both sides when alignment gave up. */
static void write_whole(FILE *f, const struct disasm_listing *l, char mark)
{
	for (size_t i = 0; i < l->nr_lines; i++)
		write_line(f, l, i, mark);
}

static void write_one_sided(FILE *f, const struct disasm_listing *l, char mark,
			    const char *name)
{
	if (!l->nr_lines)
		return;
	fprintf(f, "  @@");
	write_pos(f, mark, l, 0, name);
	fprintf(f, " @@\n");
	write_whole(f, l, mark);
}

static int write_diff(FILE *f, const struct disasm_listing *a,
		      const struct disasm_listing *b, const struct diff_symbol *ds,
		      const struct disasm_opts *opts)
{
	struct aligner al = { .a = a, .b = b };
	size_t max_d = opts->max_edits ? opts->max_edits : DISASM_MAX_EDITS;
	int ret = align(&al, max_d);

	if (ret == 0) {
		write_hunks(f, &al, opts->context, ds->old->name, ds->new->name);
	} else if (ret == 1) {
		fprintf(f, "  # too many differences to align: full listings\n");
		fprintf(f, "  @@");
		write_pos(f, '-', a, 0, ds->old->name);
		write_pos(f, '+', b, 0, ds->new->name);
		fprintf(f, " @@\n");
		write_whole(f, a, '-');
		write_whole(f, b, '+');
		ret = 0;
	}
	free(al.edits);
	return ret;
}

static bool can_list(const struct obj *obj)
{
	return obj->format == FORMAT_WASM || find_arch_ops(obj->arch) != NULL;
}

int diff_disasm_write(FILE *f, const struct diff_pair *pair,
		      const struct diff_symbol *ds,
		      const struct disasm_opts *opts, struct ipbp_err *err)
{
	struct disasm_listing a = { 0 }, b = { 0 };
	const struct obj *any = pair->new ? pair->new : pair->old;
	int ret = 0;

	if (ds->kind != SYMK_FUNC || ds->status == DIFF_SAME || !any)
		return 0;
	if (!can_list(any)) {
		fprintf(f, "  # no disassembler for %s\n", obj_arch_name(any->arch));
		return 0;
	}
	if (ds->old && pair->old)
		ret = disasm_list_function(&a, pair->old, ds->old, opts, err);
	if (ret == 0 && ds->new && pair->new)
		ret = disasm_list_function(&b, pair->new, ds->new, opts, err);
	if (ret == 0) {
		if (ds->old && ds->new && pair->old && pair->new)
			ret = write_diff(f, &a, &b, ds, opts);
		else if (ds->new)
			write_one_sided(f, &b, '+', ds->new->name);
		else if (ds->old)
			write_one_sided(f, &a, '-', ds->old->name);
		if (ret < 0)
			ipbp_error(err, "%s: out of memory", ds->name);
	}
	disasm_listing_release(&a);
	disasm_listing_release(&b);
	if (ret == 0 && ferror(f))
		ret = ipbp_error(err, "write error");
	return ret;
}
