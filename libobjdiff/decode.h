/* SPDX-License-Identifier: MIT */
/*
 * decode.h - references that the assembler resolved inside one section.
 *
 * Built without -ffunction-sections, "call leaf" to a static function of
 * the same .text carries no relocation: the assembler wrote the distance
 * into the instruction.  A diff or a dependency graph that only reads
 * relocations misses that edge, and a patch that moves the caller breaks
 * it.  obj_decode_references() decodes every code section (a linear sweep
 * with the decoder of arch.h) and adds each such reference to the model
 * as a relocation flagged RELF_DECODED:
 *
 *   sec, offset   the displacement field (x86: the rel8/rel32 of a branch
 *                 or the disp32 of a RIP-relative operand; arm64: the
 *                 instruction word)
 *   kind          RK_BRANCH for branches and calls, RK_PCREL for data
 *                 references (x86 RIP-relative operands, arm64 adr and
 *                 ldr/ldrsw/prfm literal), RK_PAGE for arm64 adrp
 *   width         the field's size (1 or 4 bytes)
 *   type          0: there is no native type, so test RELF_DECODED before
 *                 naming one (obj_reloc_type_name() would say R_X86_64_NONE)
 *   sym, addend   the section's symbol (obj_section_symbol()) and the
 *                 target's offset in the section; bias 0
 *
 * and obj_finalize() then names the target: reloc->target is the symbol
 * covering it ("leaf"), reloc->target_offset the distance into it.
 *
 * What is decoded:
 *   - references whose target lies inside the same section and whose
 *     field carries no relocation already;
 *   - references that leave the symbol holding the instruction, and
 *     calls to its own start (recursion).  Jumps, loads and calls to
 *     other places inside one function (loops, the i386 get-PC
 *     "call 1f; 1: pop") are part of its own bytes: they move with it and
 *     compare as bytes.  So with -ffunction-sections nothing is decoded.
 * Architectures: x86-64, i386 (branches only: it has no PC-relative data
 * operands) and aarch64; objects of other architectures (arm, wasm32) are
 * left as they are and the call returns 0.
 *
 * Bias refinement.  An ELF x86 PC-relative relocation counts its addend
 * from the end of the field, which the model records as bias == width
 * (sym + addend + 4 is the target).  That holds when the field ends the
 * instruction, but not when an immediate follows it:
 *
 *     movl $1, counter(%rip)      c7 05 <disp32> <imm32>
 *     R_X86_64_PC32 counter-8     (the CPU adds the disp to the end of the
 *                                  instruction, 8 bytes after the field)
 *
 * reads counter-4 with bias 4.  For every relocated RIP-relative field whose
 * relocation has bias == width, this pass sets bias to the true distance
 * from the field to the end of the instruction (4 + the immediate's size),
 * so the target is counter+0.  Readers that already account for trailing
 * bytes (COFF REL32_n, Mach-O SIGNED_n) record a bias other than the width
 * and are left alone.
 *
 * Ranges.  The sweep restarts at every symbol of a code section (as
 * objdump does), so what it finds between two symbols depends on the bytes
 * between them alone: the same bytes decode to the same references,
 * relative to where they lie, wherever they lie.  An arm64 adrp is the
 * exception: it names a 4 KB page, so it moves with its instruction only
 * by whole pages.
 *
 * Idempotent: a second call finds every field covered and changes nothing.
 * Undecodable bytes (data in code, garbage) are skipped by the arch's
 * minimum instruction size; they never make the call fail.
 */
#ifndef IPBP_DECODE_H
#define IPBP_DECODE_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "obj.h"

/* Adds decoded references to obj (already finalized by obj_load()) and
 * re-finalizes it.  Returns 0, or -1 with err set (out of memory). */
int obj_decode_references(struct obj *obj, struct ipbp_err *err);

/*
 * The same for the part of sec in [start, end) only, widened to whole
 * ranges (symbol to symbol), after loading their relocations if obj was
 * loaded with OBJ_LOAD_LAZY (obj_load_range()).  A section that is not
 * code only gets its relocations loaded.  Idempotent, like the whole
 * sweep, and code it decoded before is not decoded again; a diff of a few
 * functions of a large object (diff_opts.focus) decodes only those.
 * Returns 0, or -1 with err set.
 */
int obj_decode_range(struct obj *obj, struct section *sec, uint64_t start, uint64_t end,
		     struct ipbp_err *err);

/*
 * A memo of what the sweep found in each range, by the range's bytes.
 * Decoding the old and the new object of a pair with one memo sweeps each
 * function that did not change once: the new object's copy reuses what
 * the old one's sweep found.  On x86 a function that only moved against
 * its callees (its bytes differ only in branch and RIP-relative
 * displacements) is not swept either: it decodes as its old copy, with
 * the targets its own displacements give.  Entries point into the
 * objects' bytes and names, so free the memo before them.  One memo
 * serves one thread at a time.
 */
struct decode_memo;

/* Ranges (the code from one symbol to the next) the memo had swept, and
 * the ones it took from a near match instead. */
struct decode_memo_stats {
	size_t swept, near;
};

struct decode_memo *decode_memo_new(void);	/* NULL when out of memory */
void decode_memo_free(struct decode_memo *memo);
/* obj_decode_references() with memo (NULL: none). */
int obj_decode_references_memo(struct obj *obj, struct decode_memo *memo,
			       struct ipbp_err *err);

#define DECODE_MAX_THREADS 16

/*
 * Sweeps every range of objs' code that memo does not know yet, split
 * between up to threads threads (at most DECODE_MAX_THREADS), and adds
 * them to memo: obj_decode_references_memo() on those objects then only
 * applies what was found.  Objects of another architecture than memo's
 * first are left out.  Returns 0, or -1 with err set.
 */
int decode_memo_fill(struct decode_memo *memo, struct obj *const *objs, size_t nr_objs,
		     unsigned threads, struct ipbp_err *err);
/* While frozen, obj_decode_references_memo() only reads memo, so several
 * threads may share it (each on its own object); it sweeps what it lacks
 * without keeping it. */
void decode_memo_freeze(struct decode_memo *memo, bool frozen);

void decode_memo_get_stats(const struct decode_memo *memo, struct decode_memo_stats *stats);

#endif
