// SPDX-License-Identifier: MIT
/*
 * test-patch-arch.c - the relocation semantics of patch-x86_64.c and
 * patch-aarch64.c, against an independent oracle: the linker.
 *
 * Small assembly files carry every supported type against defined and
 * undefined symbols; ld.lld links them at fixed addresses (static for
 * absolute, pc-relative, branch and local-exec TLS types; -shared
 * --no-relax for the GOT and TLS types, so each keeps its GOT slot).  For
 * every relocation of the object the test takes S (the linked address of
 * the target, its TLS offset, or for GOT and TLS types the slot lld made,
 * found from llvm-objdump -R), P and A, runs apply() on the object's bytes
 * and compares with the linked bytes.  Also: range and alignment errors,
 * decoded references (obj_decode_references()) retargeted through
 * decoded_type(), import stubs read back with Capstone, and mask(): the
 * masked hash of each function of an object equals that of the same
 * function in a statically linked (relaxed) executable.
 */
#include <capstone/capstone.h>
#include <elf.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "decode.h"
#include "manifest.h"
#include "patch-arch.h"
#include "unit.h"

#define MAX_TYPE 1100

/* ---- fixtures -------------------------------------------------------------- */

/* x86-64, linked static at fixed addresses with x86_defs_s. */
static const char x86_static_s[] =
	"	.section .text.a,\"ax\",@progbits\n"
	"	.globl _start\n"
	"_start:\n"
	"	call ext_func\n"			/* PLT32, undefined here */
	"	call loc_func\n"			/* PLT32, section symbol */
	"	jmp ext_func\n"
	"	movl ext_var(%rip), %eax\n"		/* PC32 */
	"	movl $1, ext_var(%rip)\n"		/* PC32, immediate after */
	"	movl ext_var, %eax\n"			/* 32S */
	"	movl $ext_var, %eax\n"			/* 32 */
	"	movq $ext_var, %rax\n"			/* 32S */
	"	movabsq $ext_var, %rax\n"		/* 64 */
	"	leaq loc_data+8(%rip), %rax\n"		/* PC32 to .data */
	"	movl %fs:tls_ext@tpoff, %eax\n"		/* TPOFF32 */
	"	movq $tls_loc@tpoff, %rax\n"
	"	jmp near_func\n"
	"	.section .text.b,\"ax\",@progbits\n"
	"loc_func:\n"
	"	ret\n"
	"	.data\n"
	"x_data_anchor:\n"
	"	.quad ext_var\n"			/* 64 */
	"	.quad ext_func+8\n"
	"	.quad loc_data\n"
	"	.long ext_var - .\n"			/* PC32 */
	"	.quad ext_var - .\n"			/* PC64 */
	"	.word small16\n"			/* 16 */
	"	.word near16 - .\n"			/* PC16 */
	"	.byte small8\n"				/* 8 */
	"	.byte near8 - .\n"			/* PC8 */
	"loc_data:\n"
	"	.quad 1, 2\n"
	"	.section .tbss,\"awT\",@nobits\n"
	"	.p2align 3\n"
	"tls_loc:\n"
	"	.zero 8\n";

static const char x86_defs_s[] =
	"	.text\n"
	"	.globl ext_func, near_func\n"
	"ext_func:\n"
	"	ret\n"
	"near_func:\n"
	"	ret\n"
	"	.data\n"
	"	.globl ext_var, near16, near8\n"
	"near16:\n"
	"near8:\n"
	"	.byte 1\n"
	"ext_var:\n"
	"	.quad 0\n"
	"	.section .tbss,\"awT\",@nobits\n"
	"	.globl tls_ext\n"
	"tls_ext:\n"
	"	.zero 16\n";

/* x86-64, linked -shared --no-relax: GOT and TLS types keep their slots. */
static const char x86_shared_s[] =
	"	.text\n"
	"	.globl g_func\n"
	"g_func:\n"
	"	movq ext_var@GOTPCREL(%rip), %rax\n"	/* REX_GOTPCRELX */
	"	movl ext_var2@GOTPCREL(%rip), %eax\n"	/* GOTPCRELX */
	"	call *ext_func@GOTPCREL(%rip)\n"
	"	jmp *ext_func@GOTPCREL(%rip)\n"
	"	movq hid_var@GOTPCREL(%rip), %rcx\n"	/* defined: RELATIVE slot */
	"	addq ext_var@GOTPCREL(%rip), %rax\n"
	"	movq tls_ext@GOTTPOFF(%rip), %rax\n"	/* GOTTPOFF */
	"	movq tls_hid@GOTTPOFF(%rip), %r12\n"
	"	.byte 0x66\n"
	"	leaq tls_ext@tlsgd(%rip), %rdi\n"	/* TLSGD */
	"	.value 0x6666\n"
	"	rex64\n"
	"	call __tls_get_addr@PLT\n"
	"	leaq tls_loc@tlsld(%rip), %rdi\n"	/* TLSLD */
	"	call __tls_get_addr@PLT\n"
	"	movl tls_loc@dtpoff(%rax), %eax\n"	/* DTPOFF32 */
	"	leaq hid_var(%rip), %rax\n"
	"	call hid_func\n"
	"	.data\n"
	"g_data_anchor:\n"
	"	.long ext_var@GOTPCREL\n"		/* GOTPCREL */
	"	.quad tls_loc@dtpoff\n"			/* DTPOFF64 */
	"	.globl hid_var\n"
	"	.hidden hid_var\n"
	"hid_var:\n"
	"	.quad 0\n"
	"	.text\n"
	"	.globl hid_func\n"
	"	.hidden hid_func\n"
	"hid_func:\n"
	"	ret\n"
	"	.section .tbss,\"awT\",@nobits\n"
	"tls_loc:\n"
	"	.zero 8\n"
	"	.globl tls_hid\n"
	"	.hidden tls_hid\n"
	"tls_hid:\n"
	"	.zero 8\n";

/* AArch64, linked static with a64_defs_s. */
static const char a64_static_s[] =
	"	.section .text.a,\"ax\",@progbits\n"
	"	.globl _start\n"
	"_start:\n"
	"	bl ext_func\n"
	"	b ext_func\n"
	"	bl loc_func\n"
	"	b.eq loc_func\n"
	"	cbz x0, loc_func\n"
	"	tbz x0, #3, loc_func\n"
	"	ldr x0, loc_lit\n"
	"	ldrsw x0, loc_lit\n"
	"	adr x0, ext_var\n"
	"	adrp x0, ext_var\n"
	"	add x0, x0, :lo12:ext_var\n"
	"	adrp x0, :pg_hi21_nc:ext_var\n"
	"	ldrb w1, [x0, :lo12:ext_b]\n"
	"	ldrh w1, [x0, :lo12:ext_h]\n"
	"	ldr w1, [x0, :lo12:ext_w]\n"
	"	ldr x1, [x0, :lo12:ext_x]\n"
	"	ldr q1, [x0, :lo12:ext_q]\n"
	"	str x1, [x0, :lo12:loc_data]\n"
	"	movz x0, #:abs_g0:small16\n"
	"	movz x0, #:abs_g1:ext_var\n"
	"	movz x0, #:abs_g2:ext_var\n"
	"	movk x0, #:abs_g3:ext_var\n"
	"	movk x0, #:abs_g2_nc:ext_var\n"
	"	movk x0, #:abs_g1_nc:ext_var\n"
	"	movk x0, #:abs_g0_nc:ext_var\n"
	"	movz x0, #:prel_g0:loc_func\n"
	"	movz x0, #:prel_g0:ext_back\n"		/* negative: movn */
	"	movz x0, #:prel_g1:ext_var\n"
	"	movk x0, #:prel_g0_nc:ext_var\n"
	"	movz x0, #:prel_g3:ext_var\n"
	"	movk x0, #:prel_g2_nc:ext_var\n"
	"	movk x0, #:prel_g1_nc:ext_var\n"
	"	movz x0, #:prel_g2:ext_var\n"
	"	mrs x1, tpidr_el0\n"
	"	add x0, x1, :tprel_hi12:tls_ext\n"
	"	add x0, x0, :tprel_lo12_nc:tls_ext\n"
	"	movz x0, #:tprel_g1:tls_ext\n"
	"	movk x0, #:tprel_g0_nc:tls_ext\n"
	"	movz x0, #:tprel_g0:tls_loc\n"
	"	movz x0, #:tprel_g2:tls_loc\n"
	"	movk x0, #:tprel_g1_nc:tls_loc\n"
	"	ldr x0, [x1, :tprel_lo12_nc:tls_loc]\n"
	"	.section .text.b,\"ax\",@progbits\n"
	"loc_func:\n"
	"	ret\n"
	"loc_lit:\n"
	"	.quad 7\n"
	"	.data\n"
	"a_data_anchor:\n"
	"	.xword ext_var\n"
	"	.xword ext_func + 8\n"
	"	.word ext_var\n"
	"	.hword small16\n"
	"	.xword ext_var - .\n"
	"	.word ext_var - .\n"
	"	.hword near16 - .\n"
	"	.p2align 3\n"
	"loc_data:\n"
	"	.xword 0\n"
	"	.section .tbss,\"awT\",@nobits\n"
	"	.p2align 3\n"
	"tls_loc:\n"
	"	.zero 8\n";

/* Linked first: ext_back lies before _start (negative pc-relative values). */
static const char a64_defs_s[] =
	"	.section .text.pre,\"ax\",@progbits\n"
	"	.globl ext_back\n"
	"ext_back:\n"
	"	ret\n"
	"	.text\n"
	"	.globl ext_func\n"
	"ext_func:\n"
	"	ret\n"
	"	.data\n"
	"	.globl ext_var, near16, ext_b, ext_h, ext_w, ext_x, ext_q\n"
	"near16:\n"
	"ext_b:	.byte 1\n"
	"	.p2align 4\n"
	"ext_q:\n"
	"ext_x:\n"
	"ext_w:\n"
	"ext_h:\n"
	"ext_var:\n"
	"	.quad 0, 0\n"
	"	.section .tbss,\"awT\",@nobits\n"
	"	.globl tls_ext\n"
	"tls_ext:\n"
	"	.zero 16\n";

static const char a64_shared_s[] =
	"	.text\n"
	"	.globl g_func\n"
	"g_func:\n"
	"	adrp x0, :got:ext_var\n"
	"	ldr x0, [x0, :got_lo12:ext_var]\n"
	"	adrp x1, :got:hid_var\n"
	"	ldr x1, [x1, :got_lo12:hid_var]\n"
	"	adrp x2, :gottprel:tls_ext\n"
	"	ldr x2, [x2, :gottprel_lo12:tls_ext]\n"
	"	adrp x3, :gottprel:tls_hid\n"
	"	ldr x3, [x3, :gottprel_lo12:tls_hid]\n"
	"	adrp x4, hid_var\n"
	"	add x4, x4, :lo12:hid_var\n"
	"	bl hid_func\n"
	"	ret\n"
	"	.globl hid_func\n"
	"	.hidden hid_func\n"
	"hid_func:\n"
	"	ret\n"
	"	.data\n"
	"g_data_anchor:\n"
	"	.xword hid_var\n"
	"	.globl hid_var\n"
	"	.hidden hid_var\n"
	"hid_var:\n"
	"	.xword 0\n"
	"	.section .tbss,\"awT\",@nobits\n"
	"	.zero 8\n"
	"	.globl tls_hid\n"
	"	.hidden tls_hid\n"
	"tls_hid:\n"
	"	.zero 8\n";

/* ---- the oracle ------------------------------------------------------------ */

/* What the test needs to know about an architecture's linked images. */
struct oracle_arch {
	const struct patch_arch *arch;
	const char *target;		/* clang -target */
	const char *glob_dat, *relative, *tpoff64, *dtpmod64;
	bool tls_variant1;		/* TP points below the TLS block */
	bool (*is_tp_type)(uint32_t type);	/* S is a TP offset */
};

static bool x86_is_tp_type(uint32_t type)
{
	return type == R_X86_64_TPOFF32 || type == R_X86_64_TPOFF64;
}

static bool a64_is_tp_type(uint32_t type)
{
	return (type >= R_AARCH64_TLSLE_MOVW_TPREL_G2 &&
		type <= R_AARCH64_TLSLE_LDST64_TPREL_LO12_NC) ||
	       type == R_AARCH64_TLSLE_LDST128_TPREL_LO12 ||
	       type == R_AARCH64_TLSLE_LDST128_TPREL_LO12_NC;
}

static const struct oracle_arch oracle_x86 = {
	&patch_arch_x86_64, "x86_64-linux-gnu", "R_X86_64_GLOB_DAT", "R_X86_64_RELATIVE",
	"R_X86_64_TPOFF64", "R_X86_64_DTPMOD64", false, x86_is_tp_type,
};

static const struct oracle_arch oracle_a64 = {
	&patch_arch_aarch64, "aarch64-linux-gnu", "R_AARCH64_GLOB_DAT", "R_AARCH64_RELATIVE",
	"R_AARCH64_TLS_TPREL64", "R_AARCH64_TLS_DTPMOD64", true, a64_is_tp_type,
};

/* One line of llvm-objdump -R. */
struct dynrel {
	uint64_t offset;
	char type[64];
	char value[128];
};

/* A linked image, its dynamic relocations and TLS layout. */
struct linked {
	struct objfile *file;
	struct obj *obj;
	struct dynrel dyn[64];
	size_t nr_dyn;
	uint64_t got_lo, got_hi;
	uint64_t tls_size, tls_align;
};

static uint64_t align_up(uint64_t v, uint64_t a)
{
	return a > 1 ? (v + a - 1) & ~(a - 1) : v;
}

static void read_dynrels(struct linked *l, const char *dir, const char *name)
{
	char path[512], line[512];
	FILE *f;

	unit_run_in(dir, "llvm-objdump -R %s > %s.dyn 2>/dev/null || true", name, name);
	snprintf(path, sizeof(path), "%s/%s.dyn", dir, name);
	f = fopen(path, "r");
	ck_assert(f != NULL);
	while (fgets(line, sizeof(line), f) && l->nr_dyn < 64) {
		struct dynrel *d = &l->dyn[l->nr_dyn];

		d->value[0] = 0;
		if (sscanf(line, "%" SCNx64 " %63s %127s", &d->offset, d->type, d->value) >= 2 &&
		    !strncmp(d->type, "R_", 2))
			l->nr_dyn++;
	}
	fclose(f);
}

static void load_linked(struct linked *l, const char *dir, const char *name)
{
	char path[512];
	struct section *sec;

	memset(l, 0, sizeof(*l));
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	l->file = unit_open(path, NULL);
	l->obj = l->file->objs[0];
	read_dynrels(l, dir, name);
	for_each_section(l->obj, sec) {
		if (!strcmp(sec->name, ".got")) {
			l->got_lo = sec->addr;
			l->got_hi = sec->addr + sec->size;
		}
	}
	{
		uint64_t lo = UINT64_MAX, hi = 0;

		for_each_section(l->obj, sec) {
			if (!(sec->flags & SECF_TLS) || !(sec->flags & SECF_ALLOC))
				continue;
			lo = sec->addr < lo ? sec->addr : lo;
			hi = sec->addr + sec->size > hi ? sec->addr + sec->size : hi;
			l->tls_align = sec->align > l->tls_align ? sec->align : l->tls_align;
		}
		l->tls_size = hi > lo ? hi - lo : 0;
	}
}

static struct obj *load_object(struct objfile **file, const char *dir, const char *name)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	*file = unit_open(path, NULL);
	return (*file)->objs[0];
}

/* The address of a defined symbol of a linked image. */
static uint64_t linked_address(const struct symbol *ls)
{
	if (ls->flags & SYMF_ABS)
		return ls->value;
	return ls->sec->addr + ls->offset;
}

/* Where input section sec of an object landed: found through any named
 * symbol it defines (the fixtures keep their names unique). */
static bool linked_base(const struct section *sec, const struct obj *lo, uint64_t *base)
{
	for (size_t i = 0; i < sec->nr_syms; i++) {
		const struct symbol *s = sec->syms[i];
		const struct symbol *ls;

		if (s->kind == SYMK_SECTION || !s->name || !*s->name || s->name[0] == '$' ||
		    (s->flags & SYMF_TEMP))
			continue;	/* AArch64 mapping symbols repeat */
		ls = obj_find_symbol(lo, s->name);
		if (!ls || !ls->sec || !is_defined(ls))
			continue;
		*base = linked_address(ls) - s->offset;
		return true;
	}
	return false;
}

/* The linked bytes at address addr (n of them), or NULL. */
static const uint8_t *linked_bytes(const struct obj *lo, uint64_t addr, uint64_t n)
{
	struct section *sec;

	for_each_section(lo, sec) {
		if (sec->data && sec->addr && addr >= sec->addr &&
		    in_bounds(sec->size, addr - sec->addr, n))
			return sec->data + (addr - sec->addr);
	}
	return NULL;
}

static bool has_dynrel_at(const struct linked *l, uint64_t addr)
{
	for (size_t i = 0; i < l->nr_dyn; i++)
		if (l->dyn[i].offset == addr)
			return true;
	return false;
}

/* The GOT slot with a dynamic relocation of type naming value. */
static bool find_slot(const struct linked *l, const char *type, const char *value,
		      uint64_t *slot)
{
	for (size_t i = 0; i < l->nr_dyn; i++) {
		const struct dynrel *d = &l->dyn[i];

		if (d->offset >= l->got_lo && d->offset < l->got_hi &&
		    !strcmp(d->type, type) && !strcmp(d->value, value)) {
			*slot = d->offset;
			return true;
		}
	}
	return false;
}

static void abs_value(char *buf, size_t size, uint64_t v)
{
	if (v)
		snprintf(buf, size, "*ABS*+0x%" PRIx64, v);
	else
		snprintf(buf, size, "*ABS*");
}

/* S of a relocation through a GOT slot: the slot lld made for it. */
static bool slot_of(const struct oracle_arch *oa, const struct linked *l, const struct reloc *r,
		    uint64_t *S)
{
	enum patch_ref ref = oa->arch->classify(r->type);
	const struct symbol *ls = obj_find_symbol(l->obj, r->sym->name);
	char absv[64];

	if (ref == PREF_GOT) {
		if (find_slot(l, oa->glob_dat, r->sym->name, S))
			return true;
		ck_assert_msg(ls && is_defined(ls), "%s: no GOT slot", r->sym->name);
		abs_value(absv, sizeof(absv), linked_address(ls));
		return find_slot(l, oa->relative, absv, S);
	}
	if (ref == PREF_TLS_IE) {
		if (find_slot(l, oa->tpoff64, r->sym->name, S))
			return true;
		ck_assert_msg(ls && is_defined(ls), "%s: no TLS IE slot", r->sym->name);
		abs_value(absv, sizeof(absv), ls->value);
		return find_slot(l, oa->tpoff64, absv, S);
	}
	if (oa->arch == &patch_arch_x86_64 && r->type == R_X86_64_TLSLD)
		return find_slot(l, oa->dtpmod64, "*ABS*", S);
	return find_slot(l, oa->dtpmod64, r->sym->name, S);
}

/* S of a direct relocation: the linked address or TLS offset of its
 * symbol; false when the image does not define it (a PLT call). */
static bool value_of(const struct oracle_arch *oa, const struct linked *l, const struct reloc *r,
		     uint64_t *S)
{
	const struct symbol *ls;

	if (r->sym->kind == SYMK_SECTION)
		return linked_base(r->sym->sec, l->obj, S);
	ls = obj_find_symbol(l->obj, r->sym->name);
	if (!ls || !is_defined(ls))
		return false;
	if (ls->kind != SYMK_TLS) {
		*S = linked_address(ls);
		return true;
	}
	*S = ls->value;
	if (oa->is_tp_type(r->type)) {
		if (oa->tls_variant1)
			*S += align_up(16, l->tls_align);
		else
			*S -= align_up(l->tls_size, l->tls_align);
	}
	return true;
}

static void hex(char *buf, const uint8_t *p, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		sprintf(buf + 2 * i, "%02x", p[i]);
}

/*
 * apply() every relocation of o as the linker did in l and compares the
 * field; seen[type] counts the fields checked.  The field first gets
 * another value (so apply() must clear what is there).
 */
static void check_against_link(const struct oracle_arch *oa, const struct obj *o,
			       const struct linked *l, unsigned *seen)
{
	const struct patch_arch *arch = oa->arch;
	struct reloc *r;

	for_each_reloc(o, r) {
		enum patch_ref ref = arch->classify(r->type);
		uint64_t base, P, S;
		uint32_t type = r->type;
		uint8_t buf[16];
		const uint8_t *want;
		struct ipbp_err err;
		char got_hex[40], want_hex[40];

		if (!(r->sec->flags & SECF_ALLOC) || (r->flags & RELF_DECODED))
			continue;
		ck_assert_msg(linked_base(r->sec, l->obj, &base), "%s: not found in the link",
			      r->sec->name);
		P = base + r->offset;
		if (has_dynrel_at(l, P))
			continue;	/* the loader writes it */
		if (ref == PREF_GOT || ref == PREF_TLS_IE || ref == PREF_TLS_GD) {
			ck_assert_msg(slot_of(oa, l, r, &S), "%s %s: no slot",
				      obj_reloc_type_name(o, r->type), r->sym->name);
			type = arch->slot_type(r->type);
			ck_assert(type != 0);
		} else if (!value_of(oa, l, r, &S)) {
			continue;
		}
		ck_assert(r->width <= 8);
		want = linked_bytes(l->obj, P, r->width);
		ck_assert_msg(want != NULL, "no linked bytes at 0x%" PRIx64, P);
		memcpy(buf, r->sec->data + r->offset, r->width);
		arch->apply(type, buf, S + 0x5550, r->addend, P, &err);
		ck_assert_msg(arch->apply(type, buf, S, r->addend, P, &err) == 0, "%s", err.msg);
		hex(got_hex, buf, r->width);
		hex(want_hex, want, r->width);
		ck_assert_msg(!memcmp(buf, want, r->width),
			      "%s at %s+0x%" PRIx64 " against %s: apply() wrote %s, lld %s",
			      obj_reloc_type_name(o, r->type), r->sec->name, r->offset,
			      r->sym->name, got_hex, want_hex);
		if (r->type < MAX_TYPE)
			seen[r->type]++;
	}
}

/* Assembles a.s (and b.s), links them as link_flags says, checks. */
static void run_link_oracle(const struct oracle_arch *oa, const char *a_s, const char *b_s,
			    const char *link_flags, const char *out, unsigned *seen)
{
	char dir[128];
	struct objfile *ofile;
	struct linked l;
	struct obj *o;

	unit_scratch_make(dir, sizeof(dir), "patch-arch");
	unit_write_file(dir, "a.s", a_s, strlen(a_s));
	unit_run_in(dir, "clang -target %s -c a.s -o a.o", oa->target);
	if (b_s) {
		unit_write_file(dir, "b.s", b_s, strlen(b_s));
		unit_run_in(dir, "clang -target %s -c b.s -o b.o", oa->target);
		unit_run_in(dir, "ld.lld --no-relax %s -o %s b.o a.o", link_flags, out);
	} else {
		unit_run_in(dir, "ld.lld --no-relax %s -o %s a.o", link_flags, out);
	}
	o = load_object(&ofile, dir, "a.o");
	load_linked(&l, dir, out);
	check_against_link(oa, o, &l, seen);
	objfile_free(l.file);
	objfile_free(ofile);
	unit_scratch_remove(dir);
}

static void assert_seen(const struct oracle_arch *oa, const unsigned *seen,
			const uint32_t *types, size_t n)
{
	for (size_t i = 0; i < n; i++)
		ck_assert_msg(seen[types[i]] > 0, "type %" PRIu32 " (%s) never checked",
			      types[i], oa->target);
}

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

START_TEST(test_x86_64_static_link)
{
	static const uint32_t want[] = {
		R_X86_64_64, R_X86_64_PC32, R_X86_64_PLT32, R_X86_64_32, R_X86_64_32S,
		R_X86_64_16, R_X86_64_PC16, R_X86_64_8, R_X86_64_PC8, R_X86_64_PC64,
		R_X86_64_TPOFF32,
	};
	unsigned seen[MAX_TYPE] = { 0 };

	run_link_oracle(&oracle_x86, x86_static_s, x86_defs_s,
			"-static -Ttext=0x201000 --section-start=.data=0x300000 "
			"--defsym small16=0x1234 --defsym small8=0x42", "x.exe", seen);
	assert_seen(&oracle_x86, seen, want, ARRAY_SIZE(want));
}
END_TEST

START_TEST(test_x86_64_shared_link)
{
	static const uint32_t want[] = {
		R_X86_64_GOTPCREL, R_X86_64_GOTPCRELX, R_X86_64_REX_GOTPCRELX,
		R_X86_64_GOTTPOFF, R_X86_64_TLSGD, R_X86_64_TLSLD, R_X86_64_DTPOFF32,
		R_X86_64_DTPOFF64, R_X86_64_PC32, R_X86_64_PLT32,
	};
	unsigned seen[MAX_TYPE] = { 0 };

	run_link_oracle(&oracle_x86, x86_shared_s, NULL, "-shared", "x.so", seen);
	assert_seen(&oracle_x86, seen, want, ARRAY_SIZE(want));
	ck_assert_uint_ge(seen[R_X86_64_REX_GOTPCRELX], 3);	/* defined and undefined */
	ck_assert_uint_ge(seen[R_X86_64_GOTTPOFF], 2);
}
END_TEST

START_TEST(test_aarch64_static_link)
{
	static const uint32_t want[] = {
		R_AARCH64_ABS64, R_AARCH64_ABS32, R_AARCH64_ABS16, R_AARCH64_PREL64,
		R_AARCH64_PREL32, R_AARCH64_PREL16, R_AARCH64_CALL26, R_AARCH64_JUMP26,
		R_AARCH64_CONDBR19, R_AARCH64_TSTBR14, R_AARCH64_LD_PREL_LO19,
		R_AARCH64_ADR_PREL_LO21, R_AARCH64_ADR_PREL_PG_HI21,
		R_AARCH64_ADR_PREL_PG_HI21_NC, R_AARCH64_ADD_ABS_LO12_NC,
		R_AARCH64_LDST8_ABS_LO12_NC, R_AARCH64_LDST16_ABS_LO12_NC,
		R_AARCH64_LDST32_ABS_LO12_NC, R_AARCH64_LDST64_ABS_LO12_NC,
		R_AARCH64_LDST128_ABS_LO12_NC, R_AARCH64_MOVW_UABS_G0,
		R_AARCH64_MOVW_UABS_G0_NC, R_AARCH64_MOVW_UABS_G1, R_AARCH64_MOVW_UABS_G1_NC,
		R_AARCH64_MOVW_UABS_G2, R_AARCH64_MOVW_UABS_G2_NC, R_AARCH64_MOVW_UABS_G3,
		R_AARCH64_MOVW_PREL_G0, R_AARCH64_MOVW_PREL_G0_NC, R_AARCH64_MOVW_PREL_G1,
		R_AARCH64_MOVW_PREL_G1_NC, R_AARCH64_MOVW_PREL_G2, R_AARCH64_MOVW_PREL_G2_NC,
		R_AARCH64_MOVW_PREL_G3, R_AARCH64_TLSLE_ADD_TPREL_HI12,
		R_AARCH64_TLSLE_ADD_TPREL_LO12_NC, R_AARCH64_TLSLE_MOVW_TPREL_G0,
		R_AARCH64_TLSLE_MOVW_TPREL_G0_NC, R_AARCH64_TLSLE_MOVW_TPREL_G1,
		R_AARCH64_TLSLE_MOVW_TPREL_G1_NC, R_AARCH64_TLSLE_MOVW_TPREL_G2,
		R_AARCH64_TLSLE_LDST64_TPREL_LO12_NC,
	};
	unsigned seen[MAX_TYPE] = { 0 };

	run_link_oracle(&oracle_a64, a64_static_s, a64_defs_s,
			"-static -Ttext=0x201000 --section-start=.data=0x210000 "
			"--defsym small16=0x1234", "a.exe", seen);
	assert_seen(&oracle_a64, seen, want, ARRAY_SIZE(want));
}
END_TEST

START_TEST(test_aarch64_shared_link)
{
	static const uint32_t want[] = {
		R_AARCH64_ADR_GOT_PAGE, R_AARCH64_LD64_GOT_LO12_NC,
		R_AARCH64_TLSIE_ADR_GOTTPREL_PAGE21, R_AARCH64_TLSIE_LD64_GOTTPREL_LO12_NC,
		R_AARCH64_ADR_PREL_PG_HI21, R_AARCH64_ADD_ABS_LO12_NC, R_AARCH64_CALL26,
	};
	unsigned seen[MAX_TYPE] = { 0 };

	run_link_oracle(&oracle_a64, a64_shared_s, NULL, "-shared", "a.so", seen);
	assert_seen(&oracle_a64, seen, want, ARRAY_SIZE(want));
	ck_assert_uint_ge(seen[R_AARCH64_ADR_GOT_PAGE], 2);
	ck_assert_uint_ge(seen[R_AARCH64_TLSIE_LD64_GOTTPREL_LO12_NC], 2);
}
END_TEST

/* ---- tables, ranges and errors -------------------------------------------- */

START_TEST(test_find)
{
	ck_assert_ptr_eq(patch_arch_find(ARCH_X86_64), &patch_arch_x86_64);
	ck_assert_ptr_eq(patch_arch_find(ARCH_AARCH64), &patch_arch_aarch64);
	ck_assert_ptr_null(patch_arch_find(ARCH_I386));
	ck_assert_ptr_null(patch_arch_find(ARCH_WASM32));
	ck_assert_ptr_eq(patch_arch_find_machine(EM_X86_64), &patch_arch_x86_64);
	ck_assert_ptr_eq(patch_arch_find_machine(EM_AARCH64), &patch_arch_aarch64);
	ck_assert_ptr_null(patch_arch_find_machine(EM_ARM));
	ck_assert_uint_eq(patch_arch_x86_64.stub_size, 8);
	ck_assert_uint_eq(patch_arch_aarch64.stub_size, 16);
	ck_assert_uint_eq(patch_arch_aarch64.dtpmod64_type, 0);
	ck_assert_uint_eq(patch_arch_x86_64.dtpmod64_type, R_X86_64_DTPMOD64);
}
END_TEST

START_TEST(test_x86_64_classes)
{
	const struct patch_arch *a = &patch_arch_x86_64;

	ck_assert_int_eq(a->classify(R_X86_64_PC32), PREF_DIRECT);
	ck_assert_int_eq(a->classify(R_X86_64_PLT32), PREF_BRANCH);
	ck_assert_int_eq(a->classify(R_X86_64_REX_GOTPCRELX), PREF_GOT);
	ck_assert_int_eq(a->classify(R_X86_64_GOTPCREL), PREF_GOT);
	ck_assert_int_eq(a->classify(R_X86_64_GOTTPOFF), PREF_TLS_IE);
	ck_assert_int_eq(a->classify(R_X86_64_TLSGD), PREF_TLS_GD);
	ck_assert_int_eq(a->classify(R_X86_64_TLSLD), PREF_TLS_GD);
	ck_assert_int_eq(a->classify(R_X86_64_TPOFF32), PREF_DIRECT);
	ck_assert_int_eq(a->classify(R_X86_64_DTPOFF32), PREF_DIRECT);
	ck_assert_int_eq(a->classify(R_X86_64_GOTPC32), PREF_UNSUPPORTED);
	ck_assert_int_eq(a->classify(R_X86_64_GOTPC32_TLSDESC), PREF_UNSUPPORTED);
	ck_assert_int_eq(a->classify(R_X86_64_SIZE64), PREF_UNSUPPORTED);
	ck_assert_int_eq(a->classify(R_X86_64_GOTOFF64), PREF_UNSUPPORTED);
	ck_assert_int_eq(a->classify(9999), PREF_UNSUPPORTED);
	ck_assert_uint_eq(a->slot_type(R_X86_64_GOTPCRELX), R_X86_64_PC32);
	ck_assert_uint_eq(a->slot_type(R_X86_64_TLSLD), R_X86_64_PC32);
	ck_assert_uint_eq(a->slot_type(R_X86_64_PC32), 0);
	ck_assert(a->is_position_independent(R_X86_64_PC32));
	ck_assert(a->is_position_independent(R_X86_64_PLT32));
	ck_assert(a->is_position_independent(R_X86_64_GOTPCRELX));
	ck_assert(!a->is_position_independent(R_X86_64_64));
	ck_assert(!a->is_position_independent(R_X86_64_32S));
	ck_assert(!a->is_position_independent(R_X86_64_TPOFF32));
	ck_assert(!a->is_position_independent(R_X86_64_DTPOFF32));
}
END_TEST

START_TEST(test_aarch64_classes)
{
	const struct patch_arch *a = &patch_arch_aarch64;

	ck_assert_int_eq(a->classify(R_AARCH64_CALL26), PREF_BRANCH);
	ck_assert_int_eq(a->classify(R_AARCH64_JUMP26), PREF_BRANCH);
	ck_assert_int_eq(a->classify(R_AARCH64_CONDBR19), PREF_DIRECT);
	ck_assert_int_eq(a->classify(R_AARCH64_ADR_GOT_PAGE), PREF_GOT);
	ck_assert_int_eq(a->classify(R_AARCH64_LD64_GOT_LO12_NC), PREF_GOT);
	ck_assert_int_eq(a->classify(R_AARCH64_TLSIE_ADR_GOTTPREL_PAGE21), PREF_TLS_IE);
	ck_assert_int_eq(a->classify(R_AARCH64_TLSLE_ADD_TPREL_HI12), PREF_DIRECT);
	ck_assert_int_eq(a->classify(R_AARCH64_TLSDESC_ADR_PAGE21), PREF_UNSUPPORTED);
	ck_assert_int_eq(a->classify(R_AARCH64_TLSGD_ADR_PAGE21), PREF_UNSUPPORTED);
	ck_assert_int_eq(a->classify(R_AARCH64_TLSLD_ADR_PAGE21), PREF_UNSUPPORTED);
	ck_assert_uint_eq(a->slot_type(R_AARCH64_ADR_GOT_PAGE), R_AARCH64_ADR_PREL_PG_HI21);
	ck_assert_uint_eq(a->slot_type(R_AARCH64_LD64_GOT_LO12_NC), R_AARCH64_LDST64_ABS_LO12_NC);
	ck_assert_uint_eq(a->slot_type(R_AARCH64_TLSIE_LD64_GOTTPREL_LO12_NC),
			  R_AARCH64_LDST64_ABS_LO12_NC);
	ck_assert(a->is_position_independent(R_AARCH64_ADR_PREL_PG_HI21));
	ck_assert(a->is_position_independent(R_AARCH64_LDST32_ABS_LO12_NC));
	ck_assert(a->is_position_independent(R_AARCH64_CALL26));
	ck_assert(!a->is_position_independent(R_AARCH64_ABS64));
	ck_assert(!a->is_position_independent(R_AARCH64_MOVW_UABS_G0_NC));
	ck_assert(!a->is_position_independent(R_AARCH64_TLSLE_ADD_TPREL_LO12_NC));
}
END_TEST

/* apply() of type with S - P (or S) = v at P; 0 or -1, the message in err. */
static int apply_at(const struct patch_arch *a, uint32_t type, uint32_t insn, uint64_t S,
		    uint64_t P, struct ipbp_err *err)
{
	uint8_t buf[8] = { (uint8_t)insn, (uint8_t)(insn >> 8), (uint8_t)(insn >> 16),
			   (uint8_t)(insn >> 24) };

	err->msg[0] = 0;
	return a->apply(type, buf, S, 0, P, err);
}

#define P0 0x40000000ull

START_TEST(test_x86_64_ranges)
{
	const struct patch_arch *a = &patch_arch_x86_64;
	struct ipbp_err err;

	ck_assert_int_eq(apply_at(a, R_X86_64_PC32, 0, P0 + 0x7fffffff, P0, &err), 0);
	ck_assert_int_eq(apply_at(a, R_X86_64_PC32, 0, P0 - 0x80000000ull, P0, &err), 0);
	ck_assert_int_eq(apply_at(a, R_X86_64_PC32, 0, P0 + 0x80000000ull, P0, &err), -1);
	ck_assert_str_eq(err.msg, "R_X86_64_PC32 out of range (0xc0000000 from 0x40000000)");
	ck_assert_int_eq(apply_at(a, R_X86_64_PLT32, 0, P0 - 0x80000001ull, P0, &err), -1);
	ck_assert_int_eq(apply_at(a, R_X86_64_32, 0, 0xffffffff, 0, &err), 0);
	ck_assert_int_eq(apply_at(a, R_X86_64_32, 0, 0x100000000ull, 0, &err), -1);
	ck_assert_str_eq(err.msg, "R_X86_64_32 out of range (0x100000000)");
	ck_assert_int_eq(apply_at(a, R_X86_64_32, 0, UINT64_MAX, 0, &err), -1);
	ck_assert_int_eq(apply_at(a, R_X86_64_32S, 0, 0x7fffffff, 0, &err), 0);
	ck_assert_int_eq(apply_at(a, R_X86_64_32S, 0, 0x80000000ull, 0, &err), -1);
	ck_assert_int_eq(apply_at(a, R_X86_64_32S, 0, 0xffffffff80000000ull, 0, &err), 0);
	ck_assert_int_eq(apply_at(a, R_X86_64_16, 0, 0xffff, 0, &err), 0);
	ck_assert_int_eq(apply_at(a, R_X86_64_16, 0, (uint64_t)-0x8000, 0, &err), 0);
	ck_assert_int_eq(apply_at(a, R_X86_64_16, 0, 0x10000, 0, &err), -1);
	ck_assert_int_eq(apply_at(a, R_X86_64_PC16, 0, P0 + 0x8000, P0, &err), -1);
	ck_assert_int_eq(apply_at(a, R_X86_64_8, 0, 0x100, 0, &err), -1);
	ck_assert_int_eq(apply_at(a, R_X86_64_PC8, 0, P0 + 127, P0, &err), 0);
	ck_assert_int_eq(apply_at(a, R_X86_64_PC8, 0, P0 + 128, P0, &err), -1);
	ck_assert_int_eq(apply_at(a, R_X86_64_PC8, 0, P0 - 128, P0, &err), 0);
	ck_assert_int_eq(apply_at(a, R_X86_64_TPOFF32, 0, (uint64_t)-0x80000001ll, 0, &err), -1);
	ck_assert_int_eq(apply_at(a, R_X86_64_GOTPC32, 0, 0, 0, &err), -1);
	ck_assert_str_eq(err.msg, "R_X86_64_GOTPC32 is not supported");
	ck_assert_int_eq(apply_at(a, 200, 0, 0, 0, &err), -1);
	ck_assert_str_eq(err.msg, "relocation type 200 is not supported");
}
END_TEST

START_TEST(test_x86_64_slot_types_apply)
{
	const struct patch_arch *a = &patch_arch_x86_64;
	struct ipbp_err err;
	uint8_t buf[8];
	uint64_t v;

	/* The 64-bit types a loader writes into slots: S + A, all 8 bytes. */
	static const uint32_t types[] = { R_X86_64_64, R_X86_64_TPOFF64, R_X86_64_DTPMOD64,
					  R_X86_64_DTPOFF64 };
	for (size_t i = 0; i < ARRAY_SIZE(types); i++) {
		memset(buf, 0xaa, sizeof(buf));
		ck_assert_int_eq(a->apply(types[i], buf, 0xfffffffffffff000ull, 0x10, 0, &err), 0);
		memcpy(&v, buf, 8);
		ck_assert_uint_eq(v, 0xfffffffffffff010ull);
	}
	ck_assert_int_eq(a->apply(R_X86_64_NONE, buf, 1, 2, 3, &err), 0);
	memcpy(&v, buf, 8);
	ck_assert_uint_eq(v, 0xfffffffffffff010ull);	/* untouched */
}
END_TEST

static uint32_t apply_insn(const struct patch_arch *a, uint32_t type, uint32_t insn, uint64_t S,
			   uint64_t P)
{
	uint8_t buf[4] = { (uint8_t)insn, (uint8_t)(insn >> 8), (uint8_t)(insn >> 16),
			   (uint8_t)(insn >> 24) };
	struct ipbp_err err;

	ck_assert_msg(a->apply(type, buf, S, 0, P, &err) == 0, "%s", err.msg);
	return (uint32_t)buf[0] | (uint32_t)buf[1] << 8 | (uint32_t)buf[2] << 16 |
	       (uint32_t)buf[3] << 24;
}

START_TEST(test_aarch64_ranges)
{
	const struct patch_arch *a = &patch_arch_aarch64;
	struct ipbp_err err;

	ck_assert_int_eq(apply_at(a, R_AARCH64_CALL26, 0x94000000, P0 + 0x7fffffc, P0, &err), 0);
	ck_assert_int_eq(apply_at(a, R_AARCH64_CALL26, 0x94000000, P0 - 0x8000000, P0, &err), 0);
	ck_assert_int_eq(apply_at(a, R_AARCH64_CALL26, 0x94000000, P0 + 0x8000000, P0, &err), -1);
	ck_assert_str_eq(err.msg, "R_AARCH64_CALL26 out of range (0x48000000 from 0x40000000)");
	ck_assert_int_eq(apply_at(a, R_AARCH64_JUMP26, 0x14000000, P0 - 0x8000004, P0, &err), -1);
	ck_assert_int_eq(apply_at(a, R_AARCH64_CALL26, 0x94000000, P0 + 6, P0, &err), -1);
	ck_assert_str_eq(err.msg, "R_AARCH64_CALL26 misaligned (0x6 is not a multiple of 4)");
	ck_assert_int_eq(apply_at(a, R_AARCH64_CONDBR19, 0x54000000, P0 + 0xffffc, P0, &err), 0);
	ck_assert_int_eq(apply_at(a, R_AARCH64_CONDBR19, 0x54000000, P0 + 0x100000, P0, &err), -1);
	ck_assert_int_eq(apply_at(a, R_AARCH64_TSTBR14, 0x36000000, P0 + 0x7ffc, P0, &err), 0);
	ck_assert_int_eq(apply_at(a, R_AARCH64_TSTBR14, 0x36000000, P0 - 0x8004, P0, &err), -1);
	ck_assert_int_eq(apply_at(a, R_AARCH64_LD_PREL_LO19, 0x58000000, P0 + 0x100000, P0,
				  &err), -1);
	ck_assert_int_eq(apply_at(a, R_AARCH64_ADR_PREL_LO21, 0x10000000, P0 - 0x100000, P0,
				  &err), 0);
	ck_assert_int_eq(apply_at(a, R_AARCH64_ADR_PREL_LO21, 0x10000000, P0 + 0x100000, P0,
				  &err), -1);
	ck_assert_int_eq(apply_at(a, R_AARCH64_ADR_PREL_PG_HI21, 0x90000000,
				  P0 + 0xfffff000ull, P0, &err), 0);
	ck_assert_int_eq(apply_at(a, R_AARCH64_ADR_PREL_PG_HI21, 0x90000000,
				  P0 + 0x100000000ull, P0, &err), -1);
	ck_assert_int_eq(apply_at(a, R_AARCH64_ADR_PREL_PG_HI21_NC, 0x90000000,
				  P0 + 0x100000000ull, P0, &err), 0);
	ck_assert_int_eq(apply_at(a, R_AARCH64_LDST64_ABS_LO12_NC, 0xf9400000, 0x1008, 0, &err),
			 0);
	ck_assert_int_eq(apply_at(a, R_AARCH64_LDST64_ABS_LO12_NC, 0xf9400000, 0x100c, 0, &err),
			 -1);
	ck_assert_int_eq(apply_at(a, R_AARCH64_LDST128_ABS_LO12_NC, 0x3dc00000, 0x1008, 0, &err),
			 -1);
	ck_assert_int_eq(apply_at(a, R_AARCH64_LDST16_ABS_LO12_NC, 0x79400000, 0x1001, 0, &err),
			 -1);
	ck_assert_int_eq(apply_at(a, R_AARCH64_MOVW_UABS_G0, 0xd2800000, 0x10000, 0, &err), -1);
	ck_assert_int_eq(apply_at(a, R_AARCH64_MOVW_UABS_G1, 0xd2a00000, 0xffffffff, 0, &err), 0);
	ck_assert_int_eq(apply_at(a, R_AARCH64_MOVW_UABS_G1, 0xd2a00000, 0x100000000ull, 0, &err),
			 -1);
	ck_assert_int_eq(apply_at(a, R_AARCH64_ABS32, 0, 0xffffffff, 0, &err), 0);
	ck_assert_int_eq(apply_at(a, R_AARCH64_ABS32, 0, (uint64_t)-0x80000000ll, 0, &err), 0);
	ck_assert_int_eq(apply_at(a, R_AARCH64_ABS32, 0, 0x100000000ull, 0, &err), -1);
	ck_assert_int_eq(apply_at(a, R_AARCH64_PREL16, 0, P0 - 0x8001, P0, &err), -1);
	ck_assert_int_eq(apply_at(a, R_AARCH64_TLSLE_ADD_TPREL_HI12, 0x91400000, 0xffffff, 0,
				  &err), 0);
	ck_assert_int_eq(apply_at(a, R_AARCH64_TLSLE_ADD_TPREL_HI12, 0x91400000, 0x1000000, 0,
				  &err), -1);
	ck_assert_int_eq(apply_at(a, R_AARCH64_TLSLE_ADD_TPREL_LO12, 0x91000000, 0x1000, 0, &err),
			 -1);
	ck_assert_int_eq(apply_at(a, R_AARCH64_TLSLE_ADD_TPREL_LO12_NC, 0x91000000, 0x1000, 0,
				  &err), 0);
	ck_assert_int_eq(apply_at(a, R_AARCH64_TLSDESC_ADR_PAGE21, 0x90000000, 0, 0, &err), -1);
	ck_assert_str_eq(err.msg, "R_AARCH64_TLSDESC_ADR_PAGE21 is not supported");
	ck_assert_int_eq(apply_at(a, 9999, 0, 0, 0, &err), -1);
	ck_assert_str_eq(err.msg, "relocation type 9999 is not supported");
	ck_assert_int_eq(a->classify(9999), PREF_UNSUPPORTED);
	/* TLSLE_ADD_TPREL_LO12 (lld 14 lacks it): add x0, x0, #0x123. */
	ck_assert_uint_eq(apply_insn(a, R_AARCH64_TLSLE_ADD_TPREL_LO12, 0x91000000, 0x123, 0),
			  0x91048c00);
}
END_TEST

START_TEST(test_aarch64_clears_old_bits)
{
	const struct patch_arch *a = &patch_arch_aarch64;

	/* bl with every imm26 bit set, retargeted to P + 8. */
	ck_assert_uint_eq(apply_insn(a, R_AARCH64_CALL26, 0x97ffffff, P0 + 8, P0), 0x94000002);
	/* tbz and b.eq with every immediate bit set (backwards), to P + 8 */
	ck_assert_uint_eq(apply_insn(a, R_AARCH64_TSTBR14, 0x3607ffe0, P0 + 8, P0), 0x36000040);
	ck_assert_uint_eq(apply_insn(a, R_AARCH64_CONDBR19, 0x54ffffe0, P0 + 8, P0), 0x54000040);
	ck_assert_uint_eq(apply_insn(a, R_AARCH64_LD_PREL_LO19, 0x58ffffe1, P0 + 8, P0),
			  0x58000041);
	ck_assert_uint_eq(apply_insn(a, R_AARCH64_ADR_PREL_LO21, 0x70ffffe0, P0 + 5, P0),
			  0x30000020);
	ck_assert_uint_eq(apply_insn(a, R_AARCH64_MOVW_UABS_G1, 0xd2bfffe0, 0x30000, 0),
			  0xd2a00060);
	/* ldr x1, [x0, #0xff8] -> #0x10 */
	ck_assert_uint_eq(apply_insn(a, R_AARCH64_LDST64_ABS_LO12_NC, 0xf947fc01, 0x5010, 0),
			  0xf9400801);
	/* adrp x0 with all immediate bits set -> +1 page */
	ck_assert_uint_eq(apply_insn(a, R_AARCH64_ADR_PREL_PG_HI21, 0xf0ffffe0, P0 + 0x1000, P0),
			  0xb0000000);
	/* movz <-> movn on the sign of a pc-relative value */
	ck_assert_uint_eq(apply_insn(a, R_AARCH64_MOVW_PREL_G0, 0xd2800000, P0 - 4, P0),
			  0x92800060);
	ck_assert_uint_eq(apply_insn(a, R_AARCH64_MOVW_PREL_G0, 0x92800060, P0 + 4, P0),
			  0xd2800080);
	/* TLS_TPREL64 and ABS64: slot types, 8 bytes of S + A */
	{
		uint8_t buf[8] = { 0 };
		struct ipbp_err err;
		uint64_t v;

		ck_assert_int_eq(a->apply(R_AARCH64_TLS_TPREL, buf, 0x10, 0x20, 0, &err), 0);
		memcpy(&v, buf, 8);
		ck_assert_uint_eq(v, 0x30);
		ck_assert_int_eq(a->apply(R_AARCH64_ABS64, buf, 0x123456789abcull, 1, 0, &err), 0);
		memcpy(&v, buf, 8);
		ck_assert_uint_eq(v, 0x123456789abdull);
	}
}
END_TEST

/* ---- decoded references --------------------------------------------------- */

/* References the assembler resolves: rel32 and rel8 branches, RIP-relative
 * operands with 0, 1 and 4 bytes of immediate after the field. */
static const char x86_decode_s[] =
	"	.text\n"
	"	.globl dstart\n"
	"	.type dstart,@function\n"
	"dstart:\n"
	"	call dleaf\n"
	"	jmp dleaf\n"
	"	movl $1, dlit(%rip)\n"
	"	cmpb $0, dlit(%rip)\n"
	"	leaq dlit(%rip), %rax\n"
	"	jne dfar\n"
	"	call dfar\n"
	"	ret\n"
	"	.size dstart, .-dstart\n"
	"	.type dleaf,@function\n"
	"dleaf:\n"
	"	ret\n"
	"	.size dleaf, .-dleaf\n"
	"	.zero 300\n"
	"	.type dfar,@function\n"
	"dfar:\n"
	"	ret\n"
	"	.size dfar, .-dfar\n"
	"	.type dlit,@object\n"
	"dlit:\n"
	"	.long 0\n"
	"	.size dlit, 4\n";

static const char a64_decode_s[] =
	"	.text\n"
	"	.globl dstart\n"
	"	.type dstart,@function\n"
	"dstart:\n"
	"	bl dleaf\n"
	"	b.ne dleaf\n"
	"	cbnz x0, dleaf\n"
	"	tbnz x1, #5, dleaf\n"
	"	adr x0, dlit\n"
	"	ldr w1, dlit\n"
	"	b dleaf\n"
	"	.size dstart, .-dstart\n"
	"	.type dleaf,@function\n"
	"dleaf:\n"
	"	bl dstart\n"
	"	ret\n"
	"	.size dleaf, .-dleaf\n"
	"	.type dlit,@object\n"
	"dlit:\n"
	"	.word 0\n"
	"	.size dlit, 4\n";

/* Static functions of one .text: calls and tail calls the assembler resolves. */
static const char calls_c[] =
	"static int counter;\n"
	"__attribute__((noinline)) static int leaf(int x) { return x + counter; }\n"
	"__attribute__((noinline)) static int twice(int x) { return leaf(x) + leaf(x + 1); }\n"
	"int entry(int x);\n"
	"int tailer(int x);\n"
	"int entry(int x) { return twice(x) * 3 + tailer(x); }\n"
	"int tailer(int x) { return leaf(x - 1); }\n";

/*
 * Every decoded reference of the object, expressed with decoded_type() and
 * applied at its linked place against its linked target, gives the linked
 * bytes, also after a detour through another target (old bits cleared).
 */
static void check_decoded(const struct oracle_arch *oa, const char *src, const char *ext,
			  const char *cflags, const char *entry, unsigned *seen)
{
	const struct patch_arch *arch = oa->arch;
	char dir[128];
	struct objfile *ofile;
	struct linked l;
	struct ipbp_err err;
	struct obj *o;
	struct reloc *r;
	unsigned n = 0;

	unit_scratch_make(dir, sizeof(dir), "patch-arch-dec");
	unit_write_file(dir, ext, src, strlen(src));
	unit_run_in(dir, "clang -target %s %s %s -c %s -o d.o", oa->target, cflags,
		    strcmp(ext, "d.c") ? "" : "-fno-asynchronous-unwind-tables", ext);
	unit_run_in(dir, "ld.lld -static -e %s -Ttext=0x201000 -o d.exe d.o", entry);
	o = load_object(&ofile, dir, "d.o");
	ck_assert_int_eq(obj_decode_references(o, &err), 0);
	load_linked(&l, dir, "d.exe");
	for_each_reloc(o, r) {
		const struct symbol *ls;
		const uint8_t *field, *want;
		uint64_t base, P, S;
		uint32_t type;
		int64_t addend;
		uint8_t buf[8];
		int64_t detour = r->width == 1 ? 8 : 0x1000;

		if (!(r->flags & RELF_DECODED))
			continue;
		ck_assert(r->target != NULL);
		field = r->sec->data + r->offset;
		ck_assert_msg(arch->decoded_type(r, field, r->target_offset, &type, &addend,
						 &err) == 0, "%s", err.msg);
		ck_assert(linked_base(r->sec, l.obj, &base));
		P = base + r->offset;
		ls = obj_find_symbol(l.obj, r->target->name);
		ck_assert_msg(ls && is_defined(ls), "%s not linked", r->target->name);
		S = linked_address(ls);
		want = linked_bytes(l.obj, P, r->width);
		ck_assert(want != NULL);
		memcpy(buf, field, r->width);
		ck_assert_msg(arch->apply(type, buf, S + detour, addend, P, &err) == 0, "%s",
			      err.msg);
		ck_assert_msg(memcmp(buf, want, r->width) != 0, "detour changed nothing");
		ck_assert_msg(arch->apply(type, buf, S, addend, P, &err) == 0, "%s", err.msg);
		ck_assert_msg(!memcmp(buf, want, r->width),
			      "decoded %u at 0x%" PRIx64 " to %s%+" PRId64 ": wrong bytes",
			      type, r->offset, r->target->name, r->target_offset);
		if (type < MAX_TYPE)
			seen[type]++;
		n++;
	}
	ck_assert_msg(n > 0, "no decoded references in %s %s", oa->target, cflags);
	objfile_free(l.file);
	objfile_free(ofile);
	unit_scratch_remove(dir);
}

START_TEST(test_x86_64_decoded)
{
	unsigned seen[MAX_TYPE] = { 0 };

	check_decoded(&oracle_x86, x86_decode_s, "d.s", "", "dstart", seen);
	ck_assert_uint_ge(seen[R_X86_64_PC32], 5);
	ck_assert_uint_ge(seen[R_X86_64_PC8], 1);
	check_decoded(&oracle_x86, calls_c, "d.c", "-O0", "entry", seen);
	check_decoded(&oracle_x86, calls_c, "d.c", "-O2", "entry", seen);
}
END_TEST

START_TEST(test_aarch64_decoded)
{
	unsigned seen[MAX_TYPE] = { 0 };

	check_decoded(&oracle_a64, a64_decode_s, "d.s", "", "dstart", seen);
	ck_assert_uint_ge(seen[R_AARCH64_CALL26], 1);	/* bl dstart: global, relocated */
	ck_assert_uint_ge(seen[R_AARCH64_JUMP26], 1);
	ck_assert_uint_ge(seen[R_AARCH64_CONDBR19], 2);
	ck_assert_uint_ge(seen[R_AARCH64_TSTBR14], 1);
	ck_assert_uint_ge(seen[R_AARCH64_ADR_PREL_LO21], 1);
	ck_assert_uint_ge(seen[R_AARCH64_LD_PREL_LO19], 1);
	check_decoded(&oracle_a64, calls_c, "d.c", "-O0", "entry", seen);
	check_decoded(&oracle_a64, calls_c, "d.c", "-O2", "entry", seen);
}
END_TEST

START_TEST(test_decoded_errors)
{
	struct reloc r = { .offset = 0x10, .width = 4, .flags = RELF_DECODED };
	struct ipbp_err err;
	uint32_t type;
	int64_t addend;
	/* call +0 would need a 0-byte tail when the target is the field */
	const uint8_t call0[4] = { 0, 0, 0, 0 };
	const uint8_t nop[4] = { 0x1f, 0x20, 0x03, 0xd5 };

	r.addend = 0x10;
	ck_assert_int_eq(patch_arch_x86_64.decoded_type(&r, call0, 0, &type, &addend, &err), -1);
	r.addend = 0x14;
	ck_assert_int_eq(patch_arch_x86_64.decoded_type(&r, call0, 0, &type, &addend, &err), 0);
	ck_assert_uint_eq(type, R_X86_64_PC32);
	ck_assert_int_eq(addend, -4);
	r.width = 2;
	ck_assert_int_eq(patch_arch_x86_64.decoded_type(&r, call0, 0, &type, &addend, &err), -1);
	r.width = 4;
	ck_assert_int_eq(patch_arch_aarch64.decoded_type(&r, nop, 0, &type, &addend, &err), -1);
	ck_assert_str_eq(err.msg,
			 "decoded reference at 0x10: instruction 0xd503201f has no pc-relative field");
}
END_TEST

/* ---- import stubs ----------------------------------------------------------- */

static void check_x86_stub(uint64_t stub_addr, uint64_t slot_addr)
{
	uint8_t stub[8];
	csh cs;
	cs_insn *insn;
	size_t n;

	patch_arch_x86_64.write_stub(stub, stub_addr, slot_addr);
	ck_assert_int_eq(cs_open(CS_ARCH_X86, CS_MODE_64, &cs), CS_ERR_OK);
	cs_option(cs, CS_OPT_DETAIL, CS_OPT_ON);
	n = cs_disasm(cs, stub, sizeof(stub), stub_addr, 0, &insn);
	ck_assert_uint_eq(n, 3);
	ck_assert_str_eq(insn[0].mnemonic, "jmp");
	ck_assert_uint_eq(insn[0].size, 6);
	ck_assert_int_eq(insn[0].detail->x86.operands[0].type, X86_OP_MEM);
	ck_assert_int_eq(insn[0].detail->x86.operands[0].mem.base, X86_REG_RIP);
	ck_assert_uint_eq(stub_addr + 6 + (uint64_t)insn[0].detail->x86.operands[0].mem.disp,
			  slot_addr);
	ck_assert_str_eq(insn[1].mnemonic, "int3");
	ck_assert_str_eq(insn[2].mnemonic, "int3");
	cs_free(insn, n);
	cs_close(&cs);
}

static void check_a64_stub(uint64_t stub_addr, uint64_t slot_addr)
{
	uint8_t stub[16];
	csh cs;
	cs_insn *insn;
	size_t n;

	patch_arch_aarch64.write_stub(stub, stub_addr, slot_addr);
	ck_assert_int_eq(cs_open(CS_ARCH_ARM64, CS_MODE_LITTLE_ENDIAN, &cs), CS_ERR_OK);
	cs_option(cs, CS_OPT_DETAIL, CS_OPT_ON);
	n = cs_disasm(cs, stub, sizeof(stub), stub_addr, 0, &insn);
	ck_assert_uint_eq(n, 4);
	ck_assert_str_eq(insn[0].mnemonic, "adrp");
	ck_assert_int_eq(insn[0].detail->arm64.operands[0].reg, ARM64_REG_X16);
	ck_assert_uint_eq((uint64_t)insn[0].detail->arm64.operands[1].imm,
			  slot_addr & ~(uint64_t)0xfff);
	ck_assert_str_eq(insn[1].mnemonic, "ldr");
	ck_assert_int_eq(insn[1].detail->arm64.operands[0].reg, ARM64_REG_X16);
	ck_assert_int_eq(insn[1].detail->arm64.operands[1].mem.base, ARM64_REG_X16);
	ck_assert_int_eq(insn[1].detail->arm64.operands[1].mem.disp, (int32_t)(slot_addr & 0xfff));
	ck_assert_str_eq(insn[2].mnemonic, "br");
	ck_assert_int_eq(insn[2].detail->arm64.operands[0].reg, ARM64_REG_X16);
	ck_assert_str_eq(insn[3].mnemonic, "brk");
	cs_free(insn, n);
	cs_close(&cs);
}

START_TEST(test_stubs)
{
	check_x86_stub(0x7f0000401000ull, 0x7f0000402ff8ull);
	check_x86_stub(0x7f0000401008ull, 0x7f0000400010ull);	/* slot below */
	check_x86_stub(0x7f0000401010ull, 0x7f0080401000ull);	/* 2 GiB away */
	check_a64_stub(0x7f0000401000ull, 0x7f0000402ff8ull);
	check_a64_stub(0x7f0000401010ull, 0x7f0000300010ull);
	check_a64_stub(0x7f0000401020ull, 0x7f00f0400ab8ull);	/* ~4 GiB away */
}
END_TEST

/* ---- masks: the hash of old code survives linking ------------------------ */

static const char hash_c[] =
	"extern int ext_var;\n"
	"extern void ext_func(void);\n"
	"extern __thread int tls_ext;\n"
	"static __thread int tls_loc;\n"
	"int use_all(void);\n"
	"void *get_fp(void);\n"
	"int *get_var(void);\n"
	"int use_all(void) { ext_func(); tls_loc++; return ext_var + tls_ext + tls_loc; }\n"
	"void *get_fp(void) { return (void *)&ext_func; }\n"
	"int *get_var(void) { return &ext_var; }\n";

static const char hash_defs_c[] =
	"int ext_var = 1;\n"
	"__thread int tls_ext = 2;\n"
	"void ext_func(void) {}\n"
	"void *__tls_get_addr(void *p);\n"
	"void *__tls_get_addr(void *p) { return p; }\n";

/* Masks of the fields only, without mask()'s widening (the control). */
static size_t field_masks(const struct section *sec, uint64_t start, uint64_t size,
			  struct manifest_mask *masks, size_t cap)
{
	size_t nr = 0;

	for (size_t i = 0; i < sec->nr_relocs && nr < cap; i++) {
		const struct reloc *r = sec->relocs[i];

		if (r->offset >= start && r->offset < start + size && r->width)
			masks[nr++] = (struct manifest_mask){ (uint32_t)(r->offset - start),
							      r->width };
	}
	return nr;
}

/*
 * Links the object of hash_c statically (the linker relaxes GOT loads and
 * TLS sequences) and compares, for every function, the masked hash of the
 * object's bytes with that of the linked bytes.  Returns how many
 * functions a field-only mask would have told apart.
 */
static unsigned check_hash(const struct oracle_arch *oa, const char *cflags)
{
	const struct patch_arch *arch = oa->arch;
	char dir[128];
	struct objfile *ofile;
	struct linked l;
	struct obj *o;
	struct symbol *s;
	unsigned nr_funcs = 0, differ = 0;

	unit_scratch_make(dir, sizeof(dir), "patch-arch-hash");
	unit_write_file(dir, "h.c", hash_c, strlen(hash_c));
	unit_write_file(dir, "hd.c", hash_defs_c, strlen(hash_defs_c));
	unit_run_in(dir, "clang -target %s %s -fno-asynchronous-unwind-tables -c h.c -o h.o",
		    oa->target, cflags);
	unit_run_in(dir, "clang -target %s -O2 -fno-pie -fno-asynchronous-unwind-tables "
		    "-c hd.c -o hd.o", oa->target);
	unit_run_in(dir, "ld.lld -static -e use_all -o h.exe h.o hd.o");
	o = load_object(&ofile, dir, "h.o");
	load_linked(&l, dir, "h.exe");
	for_each_symbol(o, s) {
		const struct symbol *ls;
		struct manifest_mask *masks, fields[64];
		size_t nr, nr_fields;
		struct ipbp_err err;
		const uint8_t *old, *linked;
		uint64_t h_obj, h_exe;

		if (s->kind != SYMK_FUNC || !is_defined(s) || !s->size)
			continue;
		ls = obj_find_symbol(l.obj, s->name);
		ck_assert(ls && is_defined(ls));
		ck_assert_uint_eq(ls->size, s->size);
		old = s->sec->data + s->offset;
		linked = linked_bytes(l.obj, linked_address(ls), s->size);
		ck_assert(linked != NULL);
		ck_assert_int_eq(patch_code_masks(arch, s->sec, s->offset, s->size, &masks, &nr,
						  &err), 0);
		h_obj = patch_hash_masked(old, s->size, masks, nr);
		h_exe = patch_hash_masked(linked, s->size, masks, nr);
		ck_assert_msg(h_obj == h_exe, "%s %s: %s hashes differently once linked",
			      oa->target, cflags, s->name);
		free(masks);
		nr_fields = field_masks(s->sec, s->offset, s->size, fields, 64);
		if (patch_hash_masked(old, s->size, fields, nr_fields) !=
		    patch_hash_masked(linked, s->size, fields, nr_fields))
			differ++;
		nr_funcs++;
	}
	ck_assert_uint_eq(nr_funcs, 3);
	objfile_free(l.file);
	objfile_free(ofile);
	unit_scratch_remove(dir);
	return differ;
}

START_TEST(test_x86_64_hash)
{
	/* -fPIC: GOTPCRELX loads, TLS GD and LD; -fPIE: GOTTPOFF, TPOFF32. */
	ck_assert_uint_gt(check_hash(&oracle_x86, "-O2 -fPIC"), 0);
	ck_assert_uint_gt(check_hash(&oracle_x86, "-O0 -fPIC"), 0);
	ck_assert_uint_gt(check_hash(&oracle_x86, "-O2 -fPIC -fno-plt"), 0);
	ck_assert_uint_gt(check_hash(&oracle_x86, "-O2 -fPIE"), 0);
	check_hash(&oracle_x86, "-O2 -fno-pie");
	check_hash(&oracle_x86, "-O2 -fPIC -ffunction-sections");
}
END_TEST

START_TEST(test_aarch64_hash)
{
	/* adrp/ldr GOT loads and initial-exec TLS, relaxed by the linker */
	check_hash(&oracle_a64, "-O2 -fPIE");
	check_hash(&oracle_a64, "-O0 -fPIE");
	check_hash(&oracle_a64, "-O2 -fPIC");
	check_hash(&oracle_a64, "-O2 -fno-pie -ffunction-sections");
}
END_TEST

/* ---- coverage: what compilers emit ------------------------------------------ */

/*
 * Every relocation of allocated sections that cc emits for the oracle
 * sources (testsuite/oracle/src: statics, calls, switch tables, weak,
 * TLS) at -O0/-O2, non-PIE/PIE/PIC, with and without -ffunction-sections,
 * is classified and, through its slot type where it has one, appliable.
 * The one expected refusal: AArch64 -fPIC TLS uses descriptors.
 */
static void check_coverage(const struct oracle_arch *oa, const char *cc)
{
	static const char *const srcs[] = { "calls", "statics", "switch", "tls", "weak" };
	static const char *const models[] = { "-fno-pie", "-fPIE", "-fPIC" };
	static const char *const opts[] = { "-O0", "-O2", "-O2 -ffunction-sections -fdata-sections" };
	const char *src = getenv("IPBP_SRC");
	char dir[128], out[64], cwd[512];
	unsigned n = 0;

	if (!src)
		src = getcwd(cwd, sizeof(cwd));
	ck_assert(src != NULL);
	unit_scratch_make(dir, sizeof(dir), "patch-arch-cov");
	for (size_t i = 0; i < ARRAY_SIZE(srcs); i++)
	for (size_t m = 0; m < ARRAY_SIZE(models); m++)
	for (size_t k = 0; k < ARRAY_SIZE(opts); k++) {
		struct objfile *file;
		struct obj *o;
		struct reloc *r;

		snprintf(out, sizeof(out), "c%zu%zu%zu.o", i, m, k);
		unit_run_in(dir, "%s %s %s -fcommon -c %s/testsuite/oracle/src/%s.c -o %s", cc,
			    models[m], opts[k], src, srcs[i], out);
		o = load_object(&file, dir, out);
		for_each_reloc(o, r) {
			const struct patch_arch *a = oa->arch;
			enum patch_ref ref = a->classify(r->type);
			uint32_t type = ref == PREF_DIRECT || ref == PREF_BRANCH ? r->type :
					a->slot_type(r->type);
			uint8_t buf[16] = { 0 };
			struct ipbp_err err;

			if (!(r->sec->flags & SECF_ALLOC))
				continue;
			if (ref == PREF_UNSUPPORTED && oa->tls_variant1 && m == 2 &&
			    r->kind == RK_TLS)
				continue;	/* TLSDESC */
			ck_assert_msg(ref != PREF_UNSUPPORTED, "%s %s %s %s.c: %s unsupported", cc,
				      models[m], opts[k], srcs[i], obj_reloc_type_name(o, r->type));
			ck_assert_msg(a->apply(type, buf, 0, 0, 0, &err) == 0, "%s", err.msg);
			n++;
		}
		objfile_free(file);
	}
	ck_assert_uint_gt(n, 100);
	unit_scratch_remove(dir);
}

START_TEST(test_x86_64_coverage)
{
	check_coverage(&oracle_x86, "clang -target x86_64-linux-gnu");
	if (system("gcc --version >/dev/null 2>&1 && gcc -dumpmachine | grep -q x86_64") == 0)
		check_coverage(&oracle_x86, "gcc");
}
END_TEST

START_TEST(test_aarch64_coverage)
{
	check_coverage(&oracle_a64, "clang -target aarch64-linux-gnu");
}
END_TEST

static Suite *patch_arch_suite(void)
{
	Suite *s = suite_create("patch-arch");
	TCase *tables = tcase_create("tables");
	TCase *link = tcase_create("link");

	tcase_add_test(tables, test_find);
	tcase_add_test(tables, test_x86_64_classes);
	tcase_add_test(tables, test_aarch64_classes);
	tcase_add_test(tables, test_x86_64_ranges);
	tcase_add_test(tables, test_x86_64_slot_types_apply);
	tcase_add_test(tables, test_aarch64_ranges);
	tcase_add_test(tables, test_aarch64_clears_old_bits);
	tcase_add_test(tables, test_decoded_errors);
	tcase_add_test(tables, test_stubs);
	suite_add_tcase(s, tables);
	tcase_set_timeout(link, 120);
	tcase_add_test(link, test_x86_64_static_link);
	tcase_add_test(link, test_x86_64_shared_link);
	tcase_add_test(link, test_aarch64_static_link);
	tcase_add_test(link, test_aarch64_shared_link);
	tcase_add_test(link, test_x86_64_decoded);
	tcase_add_test(link, test_aarch64_decoded);
	tcase_add_test(link, test_x86_64_hash);
	tcase_add_test(link, test_aarch64_hash);
	tcase_add_test(link, test_x86_64_coverage);
	tcase_add_test(link, test_aarch64_coverage);
	suite_add_tcase(s, link);
	return s;
}

UNIT_MAIN(patch_arch_suite)
