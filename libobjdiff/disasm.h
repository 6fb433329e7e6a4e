/* SPDX-License-Identifier: MIT */
/*
 * disasm.h - the instruction-level diff of one function (objdiff -d).
 *
 * diff_disasm_write() prints, under a symbol's stream line, the aligned
 * difference between the old and the new function's instructions.  Every
 * line it prints starts with two blanks, so the stream parser (stream.h)
 * skips them as detail lines and grep/awk filters keep working.
 *
 * Layout (for doc/objdiff.1):
 *
 *   ~ func tick 25 25 relocs
 *     @@ -tick+0x1 +tick+0x1 @@
 *           addl    %edi, counter(%rip)
 *           cmpl    $2, %edi
 *           jl      .L0
 *     -     callq   ext_a
 *     +     callq   ext_b
 *       .L0:
 *           movl    counter(%rip), %eax
 *           popq    %rcx
 *   + func fresh - 11
 *     @@ +fresh+0x0 @@
 *     +     movl    %edi, %eax
 *     ...
 *
 * - A hunk starts with "  @@ -OLDPOS +NEWPOS @@": the position of its first
 *   line in the old and in the new function, as SYMBOL+0xOFFSET (offsets
 *   in hex from the symbol's start; SYMBOL is the function or one of its
 *   parts).  A hunk that adds only lines gives the old position of the
 *   line that follows, and the other way round.
 * - Then its lines: two blanks, a mark ("-" only in the old function, "+"
 *   only in the new one, " " in both: context), a blank, and the body.
 *   Bodies are instructions (indented by four more blanks: mnemonic padded
 *   to 7 columns, a blank, the operands) or labels at the left
 *   (".L0:", and "f.cold:" where a split part begins).
 * - Only the differing lines and up to opts->context lines of context
 *   around each (default 3) are printed; hunks closer than twice the
 *   context merge, as in diff -u.
 * - Notes, which are no instruction, start with "  # ":
 *   "  # no disassembler for arm", "  # listing stops at f+0x20: unknown
 *   opcode" (after a ".byte" line with up to 8 of the bytes there),
 *   "  # too many differences to align: full listings".
 *
 * Rendering, chosen so that code which merely moved compares equal:
 * - x86 (x86-64 and i386) in AT&T syntax, as objdump -d prints it by
 *   default (opts->intel selects Intel syntax); aarch64 as Capstone prints
 *   it (LLVM syntax).  Addresses are never printed.
 * - A field that a relocation covers shows the relocation's target instead
 *   of its raw bits: "callq ext_a", "leaq table+0x8(%rip), %rax",
 *   "movl $counter, %eax", "adrp x8, counter", "ldr w9, [x8, :lo12:counter]".
 *   The target is the symbol covering the referenced address plus the
 *   offset into it (sym+0xN, sym-0xN); a target in a mergeable string
 *   section shows the string itself ("hello\n", at most 40 characters, C
 *   escapes).  Decorations by relocation kind: sym@got (any GOT-relative
 *   reference: GOT entries, i386 GOTOFF and GOTPC), sym@tls (thread-local),
 *   :lo12:sym (arm64 low 12 bits), sym@secrel, sym@imgrel, a-b
 *   (subtractor).  Names are printed as the file spells them: a static
 *   renumbered by the compiler (x.12 -> x.13) does not make a function
 *   changed, but inside a changed function it shows as a differing line.
 * - A branch inside the function (no relocation) shows a label ".LN",
 *   numbered in address order of the targets of the function and its
 *   parts, so an insertion before a loop does not change the jump that
 *   closes it.  A branch elsewhere without relocation shows the covering
 *   symbol plus offset.
 * - Undecodable bytes show as ".byte 0x.." (x86: one byte, aarch64: one
 *   word), and decoding continues after them.
 * - Split parts (f.cold, f.cold.N, f.part.N of the same object, found by
 *   name) follow the function's body, each after its label line.
 * - Wasm functions (no Capstone): a "locals" line when there are locals
 *   ("locals i32*2 f64"), then one opcode per line in the text-format
 *   spelling, indented by block depth, immediates decoded from their
 *   LEB128 encodings: "call ext_a", "global.get __stack_pointer",
 *   "i32.const table+0x4", "i32.const \"hello\"",
 *   "i32.load offset=8 align=2", "br_table 0 1 2".  The MVP opcodes and the
 *   0xfc prefix (saturating truncations, bulk memory and table operations)
 *   are known; at any other opcode a note says so and that side's listing
 *   stops there.
 * - arm (32-bit) and unknown architectures: a note, no listing.
 *
 * Added and removed functions list every instruction, all "+" or all "-",
 * under one header that names only the side that has it
 * ("  @@ +new_helper+0x0 @@"; for Wasm the offset of the first line, after
 * the body size).  Functions longer than opts->max_lines lines are cut
 * there with a note; when the two listings differ in
 * more than opts->max_edits lines, the alignment is given up and both full
 * listings are printed (old "-", then new "+") after a note.  Data symbols
 * and unchanged functions print nothing.
 */
#ifndef IPBP_DISASM_H
#define IPBP_DISASM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "diff.h"
#include "error.h"
#include "obj.h"

#define DISASM_CONTEXT		3
#define DISASM_MAX_LINES	(1u << 20)	/* per function and side */
#define DISASM_MAX_EDITS	1000		/* differing lines aligned */

struct disasm_opts {
	unsigned context;	/* lines of context around changes */
	bool intel;		/* x86: Intel syntax instead of AT&T */
	bool demangle;		/* C++ names of operands and parts demangled
				 * (objdump -dC); positions keep the symbol */
	size_t max_lines;	/* 0: DISASM_MAX_LINES */
	size_t max_edits;	/* 0: DISASM_MAX_EDITS */
};

#define DISASM_OPTS_INIT { .context = DISASM_CONTEXT }

/*
 * Prints the instruction diff of ds (a function of pair) to f in the
 * layout above.  Prints nothing for data symbols and unchanged functions.
 * Returns 0, or -1 with err set (out of memory, write error); an
 * undecodable function is not an error, it gets a note.
 */
int diff_disasm_write(FILE *f, const struct diff_pair *pair,
		      const struct diff_symbol *ds,
		      const struct disasm_opts *opts, struct ipbp_err *err);

/* One rendered line of a function listing. */
struct disasm_line {
	const char *where;	/* the symbol whose offset this is (f, f.cold) */
	uint64_t offset;	/* from where's start */
	size_t text;		/* into disasm_listing.buf, NUL-terminated */
	uint64_t hash;		/* of the text */
	bool is_note;		/* "# ..." line: printed, never aligned */
};

/* A function listing: the lines diff_disasm_write() aligns. */
struct disasm_listing {
	struct disasm_line *lines;
	size_t nr_lines, cap_lines;
	char *buf;
	size_t len, cap;
	uint64_t end;		/* offset just past the function's body */
};

/*
 * Lists sym (a function of obj, with its split parts) into l, which must
 * be zeroed.  Returns 0, or -1 with err set (out of memory).
 */
int disasm_list_function(struct disasm_listing *l, const struct obj *obj,
			 const struct symbol *sym,
			 const struct disasm_opts *opts, struct ipbp_err *err);
void disasm_listing_release(struct disasm_listing *l);

static inline const char *disasm_line_text(const struct disasm_listing *l,
					   size_t i)
{
	return l->buf + l->lines[i].text;
}

/* For the listers (disasm.c, disasm-wasm.c), not for tools. */

/* Appends a line; returns 0, or -1 when out of memory. */
int disasm_add_line(struct disasm_listing *l, const char *where,
		    uint64_t offset, bool is_note, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
/* Writes r's target the way the layout above shows it ("ext_a",
 * "table+0x8", "\"hello\"", "counter@got"; with demangle, a C++ name
 * demangled); returns buf. */
const char *disasm_format_ref(char *buf, size_t size, const struct reloc *r, bool demangle);
/* The Wasm function body lister (disasm-wasm.c). */
int disasm_list_wasm(struct disasm_listing *l, const struct obj *obj,
		     const struct symbol *sym, const struct disasm_opts *opts,
		     struct ipbp_err *err);

#endif
