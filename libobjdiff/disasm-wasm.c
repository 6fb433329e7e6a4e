// SPDX-License-Identifier: MIT
/*
 * disasm-wasm.c - Wasm function bodies as opcode listings (objdiff -d).
 *
 * A function symbol covers its code entry: the body size (LEB128), the
 * locals (a vector of count/type pairs), then the expression.  One line for
 * the locals, then one per instruction in the text format's spelling,
 * indented by block depth.  An immediate that a relocation covers shows the
 * relocation's target ("call ext_a", "i32.const .L.str+0x4").  Known: the
 * MVP opcodes, sign extension, reference types and the 0xfc prefix
 * (saturating truncations, bulk memory, table operations); at anything else
 * the bytes are shown and the listing stops.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "disasm.h"

#define DEPTH_MAX	16	/* indentation levels shown */
#define LINE_MAX	400	/* characters of one rendered opcode */

enum imm {
	IMM_NONE,
	IMM_BLOCK,	/* block type */
	IMM_U32,	/* one index or label */
	IMM_BR_TABLE,
	IMM_CALL_INDIRECT,	/* type, table */
	IMM_MEMARG,	/* align, offset */
	IMM_MEM,	/* memory index (0x00), not shown */
	IMM_I32,
	IMM_I64,
	IMM_F32,
	IMM_F64,
	IMM_REFTYPE,
	IMM_SELECT_T,
	IMM_U32_MEM,	/* index, memory: memory.init */
	IMM_U32_U32,	/* two indexes: table.init, table.copy */
	IMM_MEM_MEM,	/* memory.copy */
};

struct opcode {
	const char *name;
	enum imm imm;
};

static const struct opcode opcodes[256] = {
	[0x00] = { "unreachable" }, [0x01] = { "nop" },
	[0x02] = { "block", IMM_BLOCK }, [0x03] = { "loop", IMM_BLOCK },
	[0x04] = { "if", IMM_BLOCK }, [0x05] = { "else" },
	[0x0b] = { "end" }, [0x0c] = { "br", IMM_U32 },
	[0x0d] = { "br_if", IMM_U32 }, [0x0e] = { "br_table", IMM_BR_TABLE },
	[0x0f] = { "return" }, [0x10] = { "call", IMM_U32 },
	[0x11] = { "call_indirect", IMM_CALL_INDIRECT },
	[0x12] = { "return_call", IMM_U32 },
	[0x13] = { "return_call_indirect", IMM_CALL_INDIRECT },
	[0x1a] = { "drop" }, [0x1b] = { "select" },
	[0x1c] = { "select", IMM_SELECT_T },
	[0x20] = { "local.get", IMM_U32 }, [0x21] = { "local.set", IMM_U32 },
	[0x22] = { "local.tee", IMM_U32 }, [0x23] = { "global.get", IMM_U32 },
	[0x24] = { "global.set", IMM_U32 }, [0x25] = { "table.get", IMM_U32 },
	[0x26] = { "table.set", IMM_U32 },
	[0x28] = { "i32.load", IMM_MEMARG }, [0x29] = { "i64.load", IMM_MEMARG },
	[0x2a] = { "f32.load", IMM_MEMARG }, [0x2b] = { "f64.load", IMM_MEMARG },
	[0x2c] = { "i32.load8_s", IMM_MEMARG }, [0x2d] = { "i32.load8_u", IMM_MEMARG },
	[0x2e] = { "i32.load16_s", IMM_MEMARG }, [0x2f] = { "i32.load16_u", IMM_MEMARG },
	[0x30] = { "i64.load8_s", IMM_MEMARG }, [0x31] = { "i64.load8_u", IMM_MEMARG },
	[0x32] = { "i64.load16_s", IMM_MEMARG }, [0x33] = { "i64.load16_u", IMM_MEMARG },
	[0x34] = { "i64.load32_s", IMM_MEMARG }, [0x35] = { "i64.load32_u", IMM_MEMARG },
	[0x36] = { "i32.store", IMM_MEMARG }, [0x37] = { "i64.store", IMM_MEMARG },
	[0x38] = { "f32.store", IMM_MEMARG }, [0x39] = { "f64.store", IMM_MEMARG },
	[0x3a] = { "i32.store8", IMM_MEMARG }, [0x3b] = { "i32.store16", IMM_MEMARG },
	[0x3c] = { "i64.store8", IMM_MEMARG }, [0x3d] = { "i64.store16", IMM_MEMARG },
	[0x3e] = { "i64.store32", IMM_MEMARG },
	[0x3f] = { "memory.size", IMM_MEM }, [0x40] = { "memory.grow", IMM_MEM },
	[0x41] = { "i32.const", IMM_I32 }, [0x42] = { "i64.const", IMM_I64 },
	[0x43] = { "f32.const", IMM_F32 }, [0x44] = { "f64.const", IMM_F64 },
	[0xd0] = { "ref.null", IMM_REFTYPE }, [0xd1] = { "ref.is_null" },
	[0xd2] = { "ref.func", IMM_U32 },
};

/* 0x45 - 0xc4: numeric instructions without immediates. */
static const char *const numeric[] = {
	"i32.eqz", "i32.eq", "i32.ne", "i32.lt_s", "i32.lt_u", "i32.gt_s",
	"i32.gt_u", "i32.le_s", "i32.le_u", "i32.ge_s", "i32.ge_u",
	"i64.eqz", "i64.eq", "i64.ne", "i64.lt_s", "i64.lt_u", "i64.gt_s",
	"i64.gt_u", "i64.le_s", "i64.le_u", "i64.ge_s", "i64.ge_u",
	"f32.eq", "f32.ne", "f32.lt", "f32.gt", "f32.le", "f32.ge",
	"f64.eq", "f64.ne", "f64.lt", "f64.gt", "f64.le", "f64.ge",
	"i32.clz", "i32.ctz", "i32.popcnt", "i32.add", "i32.sub", "i32.mul",
	"i32.div_s", "i32.div_u", "i32.rem_s", "i32.rem_u", "i32.and", "i32.or",
	"i32.xor", "i32.shl", "i32.shr_s", "i32.shr_u", "i32.rotl", "i32.rotr",
	"i64.clz", "i64.ctz", "i64.popcnt", "i64.add", "i64.sub", "i64.mul",
	"i64.div_s", "i64.div_u", "i64.rem_s", "i64.rem_u", "i64.and", "i64.or",
	"i64.xor", "i64.shl", "i64.shr_s", "i64.shr_u", "i64.rotl", "i64.rotr",
	"f32.abs", "f32.neg", "f32.ceil", "f32.floor", "f32.trunc", "f32.nearest",
	"f32.sqrt", "f32.add", "f32.sub", "f32.mul", "f32.div", "f32.min",
	"f32.max", "f32.copysign",
	"f64.abs", "f64.neg", "f64.ceil", "f64.floor", "f64.trunc", "f64.nearest",
	"f64.sqrt", "f64.add", "f64.sub", "f64.mul", "f64.div", "f64.min",
	"f64.max", "f64.copysign",
	"i32.wrap_i64", "i32.trunc_f32_s", "i32.trunc_f32_u", "i32.trunc_f64_s",
	"i32.trunc_f64_u", "i64.extend_i32_s", "i64.extend_i32_u",
	"i64.trunc_f32_s", "i64.trunc_f32_u", "i64.trunc_f64_s", "i64.trunc_f64_u",
	"f32.convert_i32_s", "f32.convert_i32_u", "f32.convert_i64_s",
	"f32.convert_i64_u", "f32.demote_f64", "f64.convert_i32_s",
	"f64.convert_i32_u", "f64.convert_i64_s", "f64.convert_i64_u",
	"f64.promote_f32", "i32.reinterpret_f32", "i64.reinterpret_f64",
	"f32.reinterpret_i32", "f64.reinterpret_i64",
	"i32.extend8_s", "i32.extend16_s", "i64.extend8_s", "i64.extend16_s",
	"i64.extend32_s",
};

/* 0xfc 0 - 17. */
static const struct opcode prefix_fc[] = {
	{ "i32.trunc_sat_f32_s", IMM_NONE }, { "i32.trunc_sat_f32_u", IMM_NONE },
	{ "i32.trunc_sat_f64_s", IMM_NONE }, { "i32.trunc_sat_f64_u", IMM_NONE },
	{ "i64.trunc_sat_f32_s", IMM_NONE }, { "i64.trunc_sat_f32_u", IMM_NONE },
	{ "i64.trunc_sat_f64_s", IMM_NONE }, { "i64.trunc_sat_f64_u", IMM_NONE },
	{ "memory.init", IMM_U32_MEM }, { "data.drop", IMM_U32 },
	{ "memory.copy", IMM_MEM_MEM }, { "memory.fill", IMM_MEM },
	{ "table.init", IMM_U32_U32 }, { "elem.drop", IMM_U32 },
	{ "table.copy", IMM_U32_U32 }, { "table.grow", IMM_U32 },
	{ "table.size", IMM_U32 }, { "table.fill", IMM_U32 },
};

struct wasm_lister {
	const struct obj *obj;
	const struct symbol *sym;
	const struct section *sec;
	const uint8_t *data;
	uint64_t pos, end;		/* in sec; end of the body */
	struct disasm_listing *l;
	size_t max_lines;
	bool demangle;			/* disasm_opts.demangle */
	unsigned depth;
	char text[LINE_MAX];
	size_t len;
};

static void put(struct wasm_lister *w, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void put(struct wasm_lister *w, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (w->len >= sizeof(w->text) - 1)
		return;
	va_start(ap, fmt);
	n = vsnprintf(w->text + w->len, sizeof(w->text) - w->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		w->len += (size_t)n;
	if (w->len >= sizeof(w->text))
		w->len = sizeof(w->text) - 1;
}

/* Unsigned LEB128 of at most bits bits; false when truncated or too long. */
static bool read_uleb(struct wasm_lister *w, unsigned bits, uint64_t *val)
{
	uint64_t v = 0;

	for (unsigned shift = 0; shift < bits + 7; shift += 7) {
		uint8_t b;

		if (w->pos >= w->end)
			return false;
		b = w->data[w->pos++];
		if (shift < 64)
			v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			*val = v;
			return true;
		}
	}
	return false;
}

static bool read_sleb(struct wasm_lister *w, unsigned bits, int64_t *val)
{
	uint64_t v = 0;
	unsigned shift = 0;
	uint8_t b;

	do {
		if (w->pos >= w->end || shift >= bits + 7)
			return false;
		b = w->data[w->pos++];
		if (shift < 64)
			v |= (uint64_t)(b & 0x7f) << shift;
		shift += 7;
	} while (b & 0x80);
	if (shift < 64 && (b & 0x40))
		v |= ~(uint64_t)0 << shift;
	memcpy(val, &v, sizeof(v));
	return true;
}

/* The relocation whose field starts at pos, shown symbolically. */
static bool put_reloc(struct wasm_lister *w, uint64_t pos, const char *prefix)
{
	const struct reloc *r = obj_find_reloc(w->sec, pos);
	char ref[160];

	if (!r || r->offset != pos)
		return false;
	put(w, "%s%s", prefix, disasm_format_ref(ref, sizeof(ref), r, w->demangle));
	return true;
}

/* An unsigned index: its relocation's target, or the number. */
static bool put_index(struct wasm_lister *w, const char *prefix)
{
	uint64_t at = w->pos, v;

	if (!read_uleb(w, 32, &v))
		return false;
	if (!put_reloc(w, at, prefix))
		put(w, "%s%" PRIu64, prefix, v);
	return true;
}

static const char *valtype_name(int64_t t)
{
	switch (t) {
	case -0x01: return "i32";
	case -0x02: return "i64";
	case -0x03: return "f32";
	case -0x04: return "f64";
	case -0x05: return "v128";
	case -0x10: return "funcref";
	case -0x11: return "externref";
	default: return NULL;
	}
}

static bool put_block(struct wasm_lister *w)
{
	int64_t t;
	const char *name;

	if (!read_sleb(w, 33, &t))
		return false;
	if (t == -0x40)
		return true;
	if ((name = valtype_name(t)))
		put(w, " (result %s)", name);
	else
		put(w, " (type %" PRId64 ")", t);
	return true;
}

static bool put_br_table(struct wasm_lister *w)
{
	uint64_t n, v;

	if (!read_uleb(w, 32, &n) || n > w->end - w->pos)
		return false;
	for (uint64_t i = 0; i <= n; i++) {
		if (!read_uleb(w, 32, &v))
			return false;
		put(w, " %" PRIu64, v);
	}
	return true;
}

static bool put_memarg(struct wasm_lister *w)
{
	uint64_t align, off, at;

	if (!read_uleb(w, 32, &align))
		return false;
	at = w->pos;
	if (!read_uleb(w, 64, &off))
		return false;
	if (!put_reloc(w, at, " offset=") && off)
		put(w, " offset=%" PRIu64, off);
	if (align < 32)
		put(w, " align=%" PRIu64, (uint64_t)1 << align);
	return true;
}

static bool put_const(struct wasm_lister *w, enum imm imm)
{
	uint64_t at = w->pos;
	uint8_t b[8];
	int64_t v;

	if (imm == IMM_I32 || imm == IMM_I64) {
		if (!read_sleb(w, imm == IMM_I32 ? 32 : 64, &v))
			return false;
		if (!put_reloc(w, at, " "))
			put(w, " %" PRId64, v);
		return true;
	}
	unsigned n = imm == IMM_F32 ? 4 : 8;

	if (n > w->end - w->pos)
		return false;
	memcpy(b, w->data + w->pos, n);
	w->pos += n;
	if (n == 4) {
		float f;

		memcpy(&f, b, 4);
		put(w, " %.9g", (double)f);
	} else {
		double d;

		memcpy(&d, b, 8);
		put(w, " %.17g", d);
	}
	return true;
}

static bool put_select_t(struct wasm_lister *w)
{
	uint64_t n;
	int64_t t;

	if (!read_uleb(w, 32, &n) || n > w->end - w->pos)
		return false;
	for (uint64_t i = 0; i < n; i++) {
		if (!read_sleb(w, 7, &t))
			return false;
		put(w, " %s", valtype_name(t) ? valtype_name(t) : "?");
	}
	return true;
}

static bool put_immediates(struct wasm_lister *w, enum imm imm)
{
	uint64_t v;
	int64_t t;

	switch (imm) {
	case IMM_NONE:
		return true;
	case IMM_BLOCK:
		return put_block(w);
	case IMM_U32:
		return put_index(w, " ");
	case IMM_BR_TABLE:
		return put_br_table(w);
	case IMM_CALL_INDIRECT:
	case IMM_U32_U32:
		return put_index(w, " ") && put_index(w, " ");
	case IMM_MEMARG:
		return put_memarg(w);
	case IMM_MEM:
		return read_uleb(w, 32, &v);
	case IMM_MEM_MEM:
		return read_uleb(w, 32, &v) && read_uleb(w, 32, &v);
	case IMM_U32_MEM:
		return put_index(w, " ") && read_uleb(w, 32, &v);
	case IMM_I32:
	case IMM_I64:
	case IMM_F32:
	case IMM_F64:
		return put_const(w, imm);
	case IMM_REFTYPE:
		if (!read_sleb(w, 7, &t))
			return false;
		put(w, " %s", t == -0x10 ? "func" : t == -0x11 ? "extern" : "?");
		return true;
	case IMM_SELECT_T:
		return put_select_t(w);
	}
	return false;
}

/* The opcode at pos, advancing past it; NULL when unknown. */
static const struct opcode *read_opcode(struct wasm_lister *w, uint8_t *op)
{
	static const struct opcode numeric_op = { NULL, IMM_NONE };
	uint64_t sub;

	*op = w->data[w->pos++];
	if (*op >= 0x45 && *op <= 0xc4)
		return &numeric_op;
	if (*op == 0xfc) {
		if (!read_uleb(w, 32, &sub) || sub >= sizeof(prefix_fc) / sizeof(prefix_fc[0]))
			return NULL;
		return &prefix_fc[sub];
	}
	return opcodes[*op].name ? &opcodes[*op] : NULL;
}

static int stop(struct wasm_lister *w, uint64_t at, const char *why)
{
	char bytes[64] = "";
	size_t n = 0;

	for (uint64_t i = at; i < w->end && i < at + 8; i++)
		n += (size_t)snprintf(bytes + n, sizeof(bytes) - n, "%s0x%02x",
				      n ? ", " : "", w->data[i]);
	if (n && disasm_add_line(w->l, w->sym->name, at - w->sym->offset, false,
				 "    .byte %s", bytes) < 0)
		return -1;
	return disasm_add_line(w->l, w->sym->name, at - w->sym->offset, true,
			       "# listing stops at %s+0x%" PRIx64 ": %s",
			       w->sym->name, at - w->sym->offset, why);
}

static int list_insn(struct wasm_lister *w)
{
	uint64_t at = w->pos;
	const struct opcode *op;
	uint8_t code;
	unsigned indent;

	w->len = 0;
	if (!(op = read_opcode(w, &code)))
		return stop(w, at, "unknown opcode") < 0 ? -1 : 1;
	if ((code == 0x0b || code == 0x05) && w->depth > 0)
		w->depth--;
	put(w, "%s", op->name ? op->name : numeric[code - 0x45]);
	if (!put_immediates(w, op->imm))
		return stop(w, at, "truncated immediate") < 0 ? -1 : 1;
	indent = 2 * (w->depth < DEPTH_MAX ? w->depth : DEPTH_MAX);
	if (code == 0x02 || code == 0x03 || code == 0x04 || code == 0x05)
		w->depth++;
	if (disasm_add_line(w->l, w->sym->name, at - w->sym->offset, false,
			    "    %*s%s", (int)indent, "", w->text) < 0)
		return -1;
	/* The end that closes the function's expression. */
	return code == 0x0b && w->depth == 0 && w->pos >= w->end ? 1 : 0;
}

/* The instructions; 0 or -1. */
static int list_body(struct wasm_lister *w)
{
	int ret = 0;

	while (ret == 0 && w->pos < w->end) {
		if (w->l->nr_lines >= w->max_lines)
			return stop(w, w->pos, "too many lines");
		ret = list_insn(w);
	}
	return ret < 0 ? -1 : 0;
}

static int list_locals(struct wasm_lister *w)
{
	uint64_t n, count, at = w->pos - w->sym->offset;
	int64_t t;

	w->len = 0;
	if (!read_uleb(w, 32, &n) || n > w->end - w->pos)
		return 1;
	for (uint64_t i = 0; i < n; i++) {
		if (!read_uleb(w, 32, &count) || !read_sleb(w, 7, &t))
			return 1;
		put(w, " %s", valtype_name(t) ? valtype_name(t) : "?");
		if (count != 1)
			put(w, "*%" PRIu64, count);
	}
	if (n && disasm_add_line(w->l, w->sym->name, at, false, "    locals%s", w->text) < 0)
		return -1;
	return 0;
}

int disasm_list_wasm(struct disasm_listing *l, const struct obj *obj,
		     const struct symbol *sym, const struct disasm_opts *opts,
		     struct ipbp_err *err)
{
	struct wasm_lister w = { .obj = obj, .sym = sym, .l = l };
	uint64_t body;
	int ret;

	w.max_lines = opts->max_lines ? opts->max_lines : DISASM_MAX_LINES;
	w.demangle = opts->demangle;
	if (!sym->sec || !sym->sec->data || !is_defined(sym) ||
	    !in_bounds(sym->sec->size, sym->offset, sym->size)) {
		ret = disasm_add_line(l, sym->name, 0, true, "# %s: no bytes to list",
				      sym->name);
		goto out;
	}
	w.sec = sym->sec;
	w.data = sym->sec->data;
	w.pos = sym->offset;
	w.end = sym->offset + sym->size;
	if (!read_uleb(&w, 32, &body) || body > w.end - w.pos) {
		ret = disasm_add_line(l, sym->name, 0, true,
				      "# %s: bad function body size", sym->name);
		goto out;
	}
	w.end = w.pos + body;
	ret = list_locals(&w);
	if (ret > 0)
		ret = stop(&w, w.pos, "bad locals");
	else if (ret == 0)
		ret = list_body(&w);
out:
	if (ret < 0)
		return ipbp_error(err, "%s: %s: out of memory", obj->name, sym->name);
	return 0;
}
