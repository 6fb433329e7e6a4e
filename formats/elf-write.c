// SPDX-License-Identifier: MIT
/*
 * elf-write.c - the ELF writer of a loadable image (image.h): an ET_DYN
 * shared object, ELFCLASS64 little-endian, for x86-64 and aarch64.
 *
 * The file, in order:
 *
 *   PT_LOAD R    ELF header, program headers, .hash, .dynsym, .dynstr,
 *                the image's read-only sections
 *   PT_LOAD R+X  code sections (omitted when there are none)
 *   PT_LOAD R+W  writable sections, .dynamic, then the SEC_BSS sections
 *                (memsz > filesz)
 *   the image's non-loaded sections in the order added, .symtab, .strtab,
 *   .shstrtab, the section header table
 *
 * plus PT_DYNAMIC and PT_GNU_STACK (RW).  Each segment starts on a page of
 * its own in memory, at an address congruent to its file offset modulo the
 * page size, as lld lays out shared objects.  The plan (elf_plan) is a pure
 * function of the image's sections and symbols: image_layout() computes it
 * to assign addresses and image_write() computes it again to write, and
 * checks nothing moved in between.
 *
 * The bytes are written by hand into one buffer, little-endian whatever the
 * host; libelf's <elf.h> supplies the constants.
 */
#include <elf.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "image.h"

#define EHDR_SIZE	64u
#define PHDR_SIZE	56u
#define SHDR_SIZE	64u
#define SYM_SIZE	24u
#define DYN_SIZE	16u
/* Larger sections or alignments are refused: sums of them cannot overflow. */
#define MAX_SECTION_SIZE	(1ull << 40)

struct elf_target {
	enum obj_arch arch;
	uint16_t machine;
	uint64_t page;
};

static const struct elf_target elf_targets[] = {
	{ ARCH_X86_64, EM_X86_64, 0x1000 },
	{ ARCH_AARCH64, EM_AARCH64, 0x10000 },
};

/* What one output section holds. */
enum osec_role {
	OS_NULL,
	OS_IMAGE,	/* one of img->sections */
	OS_HASH,
	OS_DYNSYM,
	OS_DYNSTR,
	OS_DYNAMIC,
	OS_SYMTAB,
	OS_STRTAB,
	OS_SHSTRTAB,
	NR_ROLES,
};

enum seg_perm { SEG_R, SEG_RX, SEG_RW, NR_SEGS, SEG_NONE = NR_SEGS };

struct osec {
	enum osec_role role;
	size_t img;		/* OS_IMAGE: index in img->sections */
	enum seg_perm seg;
	bool nobits;
	const char *name;
	uint32_t type, link, info, name_off;
	uint64_t flags, addr, off, size, align, entsize;
};

struct seg {
	bool used, started;
	uint64_t off, addr, filesz, memsz;
};

struct elf_plan {
	const struct elf_target *t;
	struct osec *secs;		/* in section header order; [0] is null */
	size_t nr_secs;
	size_t at[NR_ROLES];		/* index in secs of each synthetic one */
	uint32_t *shndx;		/* per image section: its header index */
	size_t *dynsyms, nr_dynsyms;	/* exported symbols (img indexes) */
	size_t *syms, nr_syms;		/* .symtab order: locals, then globals */
	size_t nr_locals;		/* including the null symbol */
	uint64_t dynstr_size, strtab_size, shstrtab_size;
	uint32_t nbucket;
	struct seg segs[NR_SEGS];
	size_t nr_phdrs;
	uint64_t shoff, file_size;
};

/* ---- helpers --------------------------------------------------------------- */

static uint64_t align_up(uint64_t v, uint64_t align)
{
	return (v + align - 1) & ~(align - 1);
}

/* A string table being sized (buf NULL) or filled; both give the same offsets. */
struct strtab {
	uint8_t *buf;
	uint64_t len;
};

static uint32_t strtab_add(struct strtab *st, const char *s)
{
	uint64_t off = st->len;
	size_t n = strlen(s) + 1;

	if (st->buf)
		memcpy(st->buf + off, s, n);
	st->len += n;
	return (uint32_t)off;
}

static const char *symbol_name(const struct image_symbol *sym)
{
	return sym->name ? sym->name : "";
}

static const struct elf_target *find_target_by_arch(enum obj_arch arch)
{
	for (size_t i = 0; i < sizeof(elf_targets) / sizeof(elf_targets[0]); i++)
		if (elf_targets[i].arch == arch)
			return &elf_targets[i];
	return NULL;
}

static bool elf_supports(enum obj_arch arch)
{
	return find_target_by_arch(arch) != NULL;
}

static const char *section_name(const struct image_section *sec)
{
	return sec->name ? sec->name : "";
}

static bool is_nobits(const struct image_section *sec)
{
	return sec->kind == SEC_BSS || sec->kind == SEC_TLS_BSS;
}

/* ---- checking the image ------------------------------------------------------ */

static int check_section(const struct image_section *sec, struct ipbp_err *err)
{
	const char *name = section_name(sec);

	if (!sec->align || (sec->align & (sec->align - 1)))
		return ipbp_error(err, "elf: section %s: alignment %llu is not a power of two",
				  name, (unsigned long long)sec->align);
	if (sec->size > MAX_SECTION_SIZE || sec->align > MAX_SECTION_SIZE)
		return ipbp_error(err, "elf: section %s is too large", name);
	if (!is_nobits(sec) && sec->size && !sec->data)
		return ipbp_error(err, "elf: section %s has no bytes", name);
	if (!(sec->flags & SECF_ALLOC))
		return 0;
	if ((sec->flags & SECF_TLS) || sec->kind == SEC_TLS_DATA || sec->kind == SEC_TLS_BSS)
		return ipbp_error(err, "elf: section %s: TLS sections are not supported", name);
	if ((sec->flags & SECF_WRITE) && (sec->flags & SECF_EXEC))
		return ipbp_error(err, "elf: section %s is both writable and executable", name);
	return 0;
}

static int check_symbol(const struct image *img, const struct image_symbol *sym,
			struct ipbp_err *err)
{
	const char *name = symbol_name(sym);
	const struct image_section *sec;

	if (sym->kind == SYMK_FILE)
		return sym->exported ? ipbp_error(err, "elf: file symbol %s cannot be exported",
						  name) : 0;
	if (sym->kind == SYMK_TLS)
		return ipbp_error(err, "elf: symbol %s: TLS symbols are not supported", name);
	if (sym->section >= img->nr_sections)
		return ipbp_error(err, "elf: symbol %s: no section %u", name, sym->section);
	sec = &img->sections[sym->section];
	if (sym->offset > sec->size || sym->size > sec->size - sym->offset)
		return ipbp_error(err, "elf: symbol %s extends past the end of section %s",
				  name, section_name(sec));
	if (!sym->exported)
		return 0;
	if (sym->bind == BIND_LOCAL)
		return ipbp_error(err, "elf: local symbol %s cannot be exported", name);
	if (!(sec->flags & SECF_ALLOC))
		return ipbp_error(err, "elf: symbol %s in non-loaded section %s cannot be exported",
				  name, section_name(sec));
	return 0;
}

static int check_image(const struct image *img, struct ipbp_err *err)
{
	for (size_t i = 0; i < img->nr_sections; i++)
		if (check_section(&img->sections[i], err) < 0)
			return -1;
	for (size_t i = 0; i < img->nr_symbols; i++)
		if (check_symbol(img, &img->symbols[i], err) < 0)
			return -1;
	return 0;
}

/* ---- the plan: symbols ------------------------------------------------------- */

static bool is_local(const struct image_symbol *sym)
{
	return sym->kind == SYMK_FILE || sym->bind == BIND_LOCAL;
}

/* .dynsym: the exported symbols in image order; .symtab: ELF wants every
 * local before the first global, so each file's locals stay after their
 * STT_FILE and the globals follow all of them. */
static int plan_symbols(struct elf_plan *p, const struct image *img, struct ipbp_err *err)
{
	size_t n = img->nr_symbols ? img->nr_symbols : 1;

	p->dynsyms = malloc(n * sizeof(*p->dynsyms));
	p->syms = malloc(n * sizeof(*p->syms));
	if (!p->dynsyms || !p->syms)
		return ipbp_error(err, "elf: out of memory");
	for (size_t i = 0; i < img->nr_symbols; i++) {
		if (img->symbols[i].exported)
			p->dynsyms[p->nr_dynsyms++] = i;
		if (is_local(&img->symbols[i]))
			p->syms[p->nr_syms++] = i;
	}
	p->nr_locals = p->nr_syms + 1;
	for (size_t i = 0; i < img->nr_symbols; i++)
		if (!is_local(&img->symbols[i]))
			p->syms[p->nr_syms++] = i;
	return 0;
}

static void plan_strings(struct elf_plan *p, const struct image *img)
{
	struct strtab dynstr = { NULL, 1 }, strtab = { NULL, 1 }, shstrtab = { NULL, 1 };

	if (img->soname)
		strtab_add(&dynstr, img->soname);
	for (size_t i = 0; i < p->nr_dynsyms; i++)
		strtab_add(&dynstr, symbol_name(&img->symbols[p->dynsyms[i]]));
	for (size_t i = 0; i < p->nr_syms; i++)
		strtab_add(&strtab, symbol_name(&img->symbols[p->syms[i]]));
	for (size_t i = 1; i < p->nr_secs; i++)
		p->secs[i].name_off = strtab_add(&shstrtab, p->secs[i].name);
	p->dynstr_size = dynstr.len;
	p->strtab_size = strtab.len;
	p->shstrtab_size = shstrtab.len;
}

/* ---- the plan: sections --------------------------------------------------------- */

/* Where a loaded image section goes; SEG_NONE when it is not loaded. */
static enum seg_perm segment_of(const struct image_section *sec)
{
	if (!(sec->flags & SECF_ALLOC))
		return SEG_NONE;
	if (is_nobits(sec) || (sec->flags & SECF_WRITE))
		return SEG_RW;
	return (sec->flags & SECF_EXEC) ? SEG_RX : SEG_R;
}

static struct osec *add_osec(struct elf_plan *p, enum osec_role role, const char *name,
			     uint32_t type, enum seg_perm seg)
{
	struct osec *o = &p->secs[p->nr_secs];

	*o = (struct osec){
		.role = role, .name = name, .type = type, .seg = seg, .align = 1,
		.flags = seg == SEG_NONE ? 0 : SHF_ALLOC,
	};
	p->at[role] = p->nr_secs++;
	return o;
}

static uint64_t section_header_flags(const struct image_section *sec)
{
	return ((sec->flags & SECF_ALLOC) ? SHF_ALLOC : 0) |
	       ((sec->flags & SECF_WRITE) ? SHF_WRITE : 0) |
	       ((sec->flags & SECF_EXEC) ? SHF_EXECINSTR : 0);
}

/* Adds the image's sections that go to segment seg (bss: only the
 * zero-filled ones, or only the others). */
static void add_image_sections(struct elf_plan *p, const struct image *img,
			       enum seg_perm seg, bool bss)
{
	for (size_t i = 0; i < img->nr_sections; i++) {
		const struct image_section *sec = &img->sections[i];
		struct osec *o;

		if (segment_of(sec) != seg || (seg != SEG_NONE && is_nobits(sec) != bss))
			continue;
		o = add_osec(p, OS_IMAGE, section_name(sec),
			     is_nobits(sec) ? SHT_NOBITS : SHT_PROGBITS, seg);
		o->img = i;
		o->nobits = is_nobits(sec);
		o->flags = section_header_flags(sec);
		o->size = sec->size;
		o->align = sec->align;
		p->shndx[i] = p->nr_secs - 1;
		if (seg != SEG_NONE)
			p->segs[seg].used = true;
	}
}

static void add_synthetic(struct elf_plan *p, enum osec_role role, const char *name,
			  uint32_t type, enum seg_perm seg, uint64_t entsize)
{
	struct osec *o = add_osec(p, role, name, type, seg);

	o->entsize = entsize;
	o->align = entsize ? 8 : 1;
	if (role == OS_HASH)
		o->align = 8;
	if (role == OS_DYNAMIC)
		o->flags |= SHF_WRITE;
}

static void plan_sections(struct elf_plan *p, const struct image *img)
{
	add_osec(p, OS_NULL, "", SHT_NULL, SEG_NONE);
	add_synthetic(p, OS_HASH, ".hash", SHT_HASH, SEG_R, 4);
	add_synthetic(p, OS_DYNSYM, ".dynsym", SHT_DYNSYM, SEG_R, SYM_SIZE);
	add_synthetic(p, OS_DYNSTR, ".dynstr", SHT_STRTAB, SEG_R, 0);
	add_image_sections(p, img, SEG_R, false);
	add_image_sections(p, img, SEG_RX, false);
	add_image_sections(p, img, SEG_RW, false);
	add_synthetic(p, OS_DYNAMIC, ".dynamic", SHT_DYNAMIC, SEG_RW, DYN_SIZE);
	add_image_sections(p, img, SEG_RW, true);
	add_image_sections(p, img, SEG_NONE, false);
	add_synthetic(p, OS_SYMTAB, ".symtab", SHT_SYMTAB, SEG_NONE, SYM_SIZE);
	add_synthetic(p, OS_STRTAB, ".strtab", SHT_STRTAB, SEG_NONE, 0);
	add_synthetic(p, OS_SHSTRTAB, ".shstrtab", SHT_STRTAB, SEG_NONE, 0);
	p->segs[SEG_R].used = p->segs[SEG_RW].used = true;
}

/* Sizes and links of the synthetic sections, once the symbols are known. */
static void plan_synthetic(struct elf_plan *p, const struct image *img)
{
	struct osec *s = p->secs;
	size_t nr_dyn = 6 + (img->soname != NULL);

	p->nbucket = p->nr_dynsyms + 1;
	s[p->at[OS_HASH]].size = 4 * (2 + (uint64_t)p->nbucket + p->nr_dynsyms + 1);
	s[p->at[OS_HASH]].link = p->at[OS_DYNSYM];
	s[p->at[OS_DYNSYM]].size = SYM_SIZE * (p->nr_dynsyms + 1);
	s[p->at[OS_DYNSYM]].link = p->at[OS_DYNSTR];
	s[p->at[OS_DYNSYM]].info = 1;
	s[p->at[OS_DYNSTR]].size = p->dynstr_size;
	s[p->at[OS_DYNAMIC]].size = DYN_SIZE * nr_dyn;
	s[p->at[OS_DYNAMIC]].link = p->at[OS_DYNSTR];
	s[p->at[OS_SYMTAB]].size = SYM_SIZE * (p->nr_syms + 1);
	s[p->at[OS_SYMTAB]].link = p->at[OS_STRTAB];
	s[p->at[OS_SYMTAB]].info = p->nr_locals;
	s[p->at[OS_STRTAB]].size = p->strtab_size;
	s[p->at[OS_SHSTRTAB]].size = p->shstrtab_size;
}

/* ---- the plan: addresses and offsets ----------------------------------------- */

struct cursor {
	uint64_t off, addr;
	enum seg_perm seg;
};

/* Places a loaded section; a new segment starts on a new page, at an
 * address congruent to the file offset. */
static void place_loaded(struct elf_plan *p, struct cursor *c, struct osec *o)
{
	struct seg *seg = &p->segs[o->seg];
	uint64_t pad;

	if (o->seg != c->seg) {
		c->addr = align_up(c->addr, p->t->page) + (c->off & (p->t->page - 1));
		c->seg = o->seg;
	}
	pad = align_up(c->addr, o->align) - c->addr;
	c->addr += pad;
	if (!o->nobits)
		c->off += pad;
	if (!seg->started) {
		seg->started = true;
		seg->off = c->off;
		seg->addr = c->addr;
	}
	o->off = c->off;
	o->addr = c->addr;
	c->addr += o->size;
	if (!o->nobits)
		c->off += o->size;
	seg->filesz = c->off - seg->off;
	seg->memsz = c->addr - seg->addr;
}

static void plan_offsets(struct elf_plan *p)
{
	struct cursor c = { .seg = SEG_R };

	/* The R segment starts with the headers, at offset and address 0. */
	p->segs[SEG_R].started = true;

	p->nr_phdrs = 2;
	for (int s = 0; s < NR_SEGS; s++)
		p->nr_phdrs += p->segs[s].used;
	c.off = c.addr = EHDR_SIZE + PHDR_SIZE * p->nr_phdrs;
	for (size_t i = 1; i < p->nr_secs; i++) {
		struct osec *o = &p->secs[i];

		if (o->seg != SEG_NONE) {
			place_loaded(p, &c, o);
			continue;
		}
		c.off = align_up(c.off, o->align);
		o->off = c.off;
		if (!o->nobits)
			c.off += o->size;
	}
	p->shoff = align_up(c.off, 8);
	p->file_size = p->shoff + SHDR_SIZE * (uint64_t)p->nr_secs;
}

static void plan_release(struct elf_plan *p)
{
	free(p->secs);
	free(p->shndx);
	free(p->dynsyms);
	free(p->syms);
	memset(p, 0, sizeof(*p));
}

static int plan_build(struct elf_plan *p, const struct image *img, struct ipbp_err *err)
{
	memset(p, 0, sizeof(*p));
	p->t = find_target_by_arch(img->arch);
	if (!p->t)
		return ipbp_error(err, "elf: writing patches for %s is not supported yet",
				  obj_arch_name(img->arch));
	if (img->nr_sections + 8 >= SHN_LORESERVE)
		return ipbp_error(err, "elf: too many sections (%zu)", img->nr_sections);
	if (check_image(img, err) < 0)
		return -1;
	p->secs = calloc(img->nr_sections + 8, sizeof(*p->secs));
	p->shndx = calloc(img->nr_sections + 1, sizeof(*p->shndx));
	if (!p->secs || !p->shndx)
		return ipbp_error(err, "elf: out of memory");
	if (plan_symbols(p, img, err) < 0)
		return -1;
	plan_sections(p, img);
	plan_strings(p, img);
	if (p->dynstr_size > UINT32_MAX || p->strtab_size > UINT32_MAX ||
	    p->shstrtab_size > UINT32_MAX)
		return ipbp_error(err, "elf: names too long for a string table");
	plan_synthetic(p, img);
	plan_offsets(p);
	if (p->file_size > SIZE_MAX / 2)
		return ipbp_error(err, "elf: image is too large");
	return 0;
}

/* ---- layout ----------------------------------------------------------------- */

static int elf_layout(struct image *img, struct ipbp_err *err)
{
	struct elf_plan p;

	if (plan_build(&p, img, err) < 0) {
		plan_release(&p);
		return -1;
	}
	for (size_t i = 0; i < img->nr_sections; i++)
		img->sections[i].addr = p.secs[p.shndx[i]].addr;
	plan_release(&p);
	return 0;
}

/* ---- writing ------------------------------------------------------------------ */

static void write_ehdr(uint8_t *b, const struct elf_plan *p)
{
	static const uint8_t ident[EI_NIDENT] = {
		ELFMAG0, ELFMAG1, ELFMAG2, ELFMAG3, ELFCLASS64, ELFDATA2LSB, EV_CURRENT,
		ELFOSABI_NONE,
	};

	memcpy(b, ident, EI_NIDENT);
	put_le16(b + 16, ET_DYN);
	put_le16(b + 18, p->t->machine);
	put_le32(b + 20, EV_CURRENT);
	put_le64(b + 24, 0);		/* e_entry */
	put_le64(b + 32, EHDR_SIZE);	/* e_phoff */
	put_le64(b + 40, p->shoff);
	put_le32(b + 48, 0);		/* e_flags */
	put_le16(b + 52, EHDR_SIZE);
	put_le16(b + 54, PHDR_SIZE);
	put_le16(b + 56, p->nr_phdrs);
	put_le16(b + 58, SHDR_SIZE);
	put_le16(b + 60, p->nr_secs);
	put_le16(b + 62, p->at[OS_SHSTRTAB]);
}

static uint8_t *put_phdr(uint8_t *b, uint32_t type, uint32_t flags, uint64_t off,
			 uint64_t addr, uint64_t filesz, uint64_t memsz, uint64_t align)
{
	put_le32(b, type);
	put_le32(b + 4, flags);
	put_le64(b + 8, off);
	put_le64(b + 16, addr);
	put_le64(b + 24, addr);
	put_le64(b + 32, filesz);
	put_le64(b + 40, memsz);
	put_le64(b + 48, align);
	return b + PHDR_SIZE;
}

static void write_phdrs(uint8_t *b, const struct elf_plan *p)
{
	static const uint32_t perm[NR_SEGS] = {
		[SEG_R] = PF_R, [SEG_RX] = PF_R | PF_X, [SEG_RW] = PF_R | PF_W,
	};
	const struct osec *dyn = &p->secs[p->at[OS_DYNAMIC]];

	b += EHDR_SIZE;
	for (int s = 0; s < NR_SEGS; s++) {
		const struct seg *g = &p->segs[s];

		if (g->used)
			b = put_phdr(b, PT_LOAD, perm[s], g->off, g->addr, g->filesz,
				     g->memsz, p->t->page);
	}
	b = put_phdr(b, PT_DYNAMIC, PF_R | PF_W, dyn->off, dyn->addr, dyn->size,
		     dyn->size, 8);
	put_phdr(b, PT_GNU_STACK, PF_R | PF_W, 0, 0, 0, 0, 16);
}

static void write_shdr(uint8_t *b, const struct osec *o)
{
	put_le32(b, o->name_off);
	put_le32(b + 4, o->type);
	put_le64(b + 8, o->flags);
	put_le64(b + 16, o->addr);
	put_le64(b + 24, o->role == OS_NULL ? 0 : o->off);
	put_le64(b + 32, o->size);
	put_le32(b + 40, o->link);
	put_le32(b + 44, o->info);
	put_le64(b + 48, o->role == OS_NULL ? 0 : o->align);
	put_le64(b + 56, o->entsize);
}

static uint8_t *put_sym(uint8_t *b, uint32_t name, unsigned char info, uint16_t shndx,
			uint64_t value, uint64_t size)
{
	put_le32(b, name);
	b[4] = info;
	b[5] = STV_DEFAULT;
	put_le16(b + 6, shndx);
	put_le64(b + 8, value);
	put_le64(b + 16, size);
	return b + SYM_SIZE;
}

static unsigned char symbol_type(enum symbol_kind kind)
{
	switch (kind) {
	case SYMK_FUNC:		return STT_FUNC;
	case SYMK_DATA:		return STT_OBJECT;
	case SYMK_SECTION:	return STT_SECTION;
	case SYMK_FILE:		return STT_FILE;
	default:		return STT_NOTYPE;
	}
}

static unsigned char symbol_binding(const struct image_symbol *sym)
{
	if (is_local(sym))
		return STB_LOCAL;
	return sym->bind == BIND_WEAK ? STB_WEAK : STB_GLOBAL;
}

/* One symbol table entry for an image symbol, named at name_off. */
static uint8_t *put_image_sym(uint8_t *b, const struct elf_plan *p,
			      const struct image_symbol *sym, uint32_t name_off)
{
	unsigned char info = ELF64_ST_INFO(symbol_binding(sym), symbol_type(sym->kind));

	if (sym->kind == SYMK_FILE)
		return put_sym(b, name_off, info, SHN_ABS, 0, 0);
	return put_sym(b, name_off, info, p->shndx[sym->section],
		       p->secs[p->shndx[sym->section]].addr + sym->offset, sym->size);
}

static uint32_t sysv_hash(const char *name)
{
	uint32_t h = 0, g;

	for (const unsigned char *s = (const unsigned char *)name; *s; s++) {
		h = (h << 4) + *s;
		g = h & 0xf0000000u;
		if (g)
			h ^= g >> 24;
		h &= ~g;
	}
	return h;
}

static void write_hash(uint8_t *b, const struct elf_plan *p, const struct image *img)
{
	uint32_t nchain = p->nr_dynsyms + 1;
	uint8_t *bucket = b + 8, *chain = bucket + 4 * (uint64_t)p->nbucket;

	put_le32(b, p->nbucket);
	put_le32(b + 4, nchain);
	/* Buckets and chains start zeroed (STN_UNDEF): link each symbol in front. */
	for (uint32_t i = 1; i < nchain; i++) {
		const char *name = symbol_name(&img->symbols[p->dynsyms[i - 1]]);
		uint8_t *head = bucket + 4 * (sysv_hash(name) % p->nbucket);

		memcpy(chain + 4 * (uint64_t)i, head, 4);
		put_le32(head, i);
	}
}

static void write_dynamic(uint8_t *b, const struct elf_plan *p, uint32_t soname)
{
	const struct osec *s = p->secs;
	const int64_t tags[] = { DT_HASH, DT_STRTAB, DT_SYMTAB, DT_STRSZ, DT_SYMENT };
	const uint64_t vals[] = {
		s[p->at[OS_HASH]].addr, s[p->at[OS_DYNSTR]].addr, s[p->at[OS_DYNSYM]].addr,
		p->dynstr_size, SYM_SIZE,
	};

	for (size_t i = 0; i < sizeof(tags) / sizeof(tags[0]); i++, b += DYN_SIZE) {
		put_le64(b, tags[i]);
		put_le64(b + 8, vals[i]);
	}
	if (soname) {
		put_le64(b, DT_SONAME);
		put_le64(b + 8, soname);
	}
	/* DT_NULL: already zero. */
}

/* .dynstr, .dynsym, .hash and .dynamic. */
static void write_dynamic_tables(uint8_t *buf, const struct elf_plan *p,
				 const struct image *img)
{
	const struct osec *s = p->secs;
	struct strtab st = { buf + s[p->at[OS_DYNSTR]].off, 1 };
	uint8_t *b = buf + s[p->at[OS_DYNSYM]].off + SYM_SIZE;
	uint32_t soname = img->soname ? strtab_add(&st, img->soname) : 0;

	for (size_t i = 0; i < p->nr_dynsyms; i++) {
		const struct image_symbol *sym = &img->symbols[p->dynsyms[i]];

		b = put_image_sym(b, p, sym, strtab_add(&st, symbol_name(sym)));
	}
	write_hash(buf + s[p->at[OS_HASH]].off, p, img);
	write_dynamic(buf + s[p->at[OS_DYNAMIC]].off, p, soname);
}

static void write_symtab(uint8_t *buf, const struct elf_plan *p, const struct image *img)
{
	const struct osec *s = p->secs;
	struct strtab st = { buf + s[p->at[OS_STRTAB]].off, 1 };
	uint8_t *b = buf + s[p->at[OS_SYMTAB]].off + SYM_SIZE;

	for (size_t i = 0; i < p->nr_syms; i++) {
		const struct image_symbol *sym = &img->symbols[p->syms[i]];

		b = put_image_sym(b, p, sym, strtab_add(&st, symbol_name(sym)));
	}
}

static void write_sections(uint8_t *buf, const struct elf_plan *p, struct image *img)
{
	struct strtab shstr = { buf + p->secs[p->at[OS_SHSTRTAB]].off, 1 };

	for (size_t i = 1; i < p->nr_secs; i++) {
		const struct osec *o = &p->secs[i];

		strtab_add(&shstr, o->name);
		write_shdr(buf + p->shoff + SHDR_SIZE * i, o);
		if (o->role != OS_IMAGE)
			continue;
		img->sections[o->img].file_offset = o->off;
		if (!o->nobits && o->size)
			memcpy(buf + o->off, img->sections[o->img].data, o->size);
	}
	write_dynamic_tables(buf, p, img);
	write_symtab(buf, p, img);
}

/* image_write() must not move what image_layout() placed. */
static int check_unmoved(const struct elf_plan *p, const struct image *img,
			 struct ipbp_err *err)
{
	for (size_t i = 0; i < img->nr_sections; i++)
		if (img->sections[i].addr != p->secs[p->shndx[i]].addr)
			return ipbp_error(err, "elf: section %s moved after layout "
					  "(its size, alignment or the symbols changed)",
					  section_name(&img->sections[i]));
	return 0;
}

static int elf_write(struct image *img, uint8_t **buf, size_t *len, struct ipbp_err *err)
{
	struct elf_plan p;
	uint8_t *b = NULL;

	if (plan_build(&p, img, err) < 0 || check_unmoved(&p, img, err) < 0)
		goto fail;
	b = calloc(p.file_size, 1);
	if (!b) {
		ipbp_error(err, "elf: out of memory");
		goto fail;
	}
	write_ehdr(b, &p);
	write_phdrs(b, &p);
	write_sections(b, &p, img);
	*buf = b;
	*len = p.file_size;
	plan_release(&p);
	return 0;
fail:
	plan_release(&p);
	return -1;
}

const struct image_writer elf_image_writer = {
	.format = FORMAT_ELF,
	.supports = elf_supports,
	.layout = elf_layout,
	.write = elf_write,
};
