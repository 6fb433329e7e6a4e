// SPDX-License-Identifier: MIT
/*
 * test-image.c - the loadable image and its ELF writer (formats/image.h,
 * elf-write.c).  An image with code, read-only data, data, bss, a
 * manifest-like non-loaded section and FILE/local/global symbols is written
 * for x86-64 and aarch64, then checked four ways: the layout invariants
 * read straight from the bytes; readelf, objdump, nm and llvm-readobj
 * accept it cleanly; our own reader reads back what went in; and on the
 * host the dynamic loader opens it and runs the exported function.
 */
#include <dlfcn.h>
#include <elf.h>
#include <stdint.h>

#include "image.h"
#include "unit.h"

/* ---- the test image ----------------------------------------------------------- */

struct arch_case {
	enum obj_arch arch;
	const char *name;
	uint64_t page;
	uint16_t machine;
	const char *objdump;		/* a disassembler that knows the arch */
	const char *mov42;		/* how it prints "return 42" */
	uint8_t code[48];		/* answer at 0, helper at 16, internal at 32 */
	uint64_t func_size;
};

static const struct arch_case arch_cases[] = {
	{
		ARCH_X86_64, "x86-64", 0x1000, EM_X86_64, "objdump -d", "mov    $0x2a,%eax",
		{
			0xb8, 0x2a, 0, 0, 0, 0xc3, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc,
			0xb8, 0x07, 0, 0, 0, 0xc3, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc,
			0xb8, 0x09, 0, 0, 0, 0xc3, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc,
		},
		6,
	},
	{
		/* mov w0,#42; ret = 52800540 d65f03c0, padded with nop d503201f */
		ARCH_AARCH64, "aarch64", 0x10000, EM_AARCH64, "llvm-objdump -d", "mov\tw0, #42",
		{
			0x40, 0x05, 0x80, 0x52, 0xc0, 0x03, 0x5f, 0xd6,
			0x1f, 0x20, 0x03, 0xd5, 0x1f, 0x20, 0x03, 0xd5,
			0xe0, 0x00, 0x80, 0x52, 0xc0, 0x03, 0x5f, 0xd6,
			0x1f, 0x20, 0x03, 0xd5, 0x1f, 0x20, 0x03, 0xd5,
			0x20, 0x01, 0x80, 0x52, 0xc0, 0x03, 0x5f, 0xd6,
			0x1f, 0x20, 0x03, 0xd5, 0x1f, 0x20, 0x03, 0xd5,
		},
		8,
	},
};

static const uint8_t manifest_bytes[] = "IPBPMANI\x01\x02\x03\x04 not loaded";

enum { S_TEXT, S_RODATA, S_DATA, S_BSS, S_MANIFEST };

static int add_section(struct image *img, const char *name, enum section_kind kind,
		       uint32_t flags, uint64_t size, uint64_t align)
{
	struct ipbp_err err;
	int i = image_add_section(img, name, kind, flags, size, align, &err);

	ck_assert_msg(i >= 0, "%s", err.msg);
	return i;
}

static void add_symbol(struct image *img, const char *name, enum symbol_kind kind,
		       enum symbol_bind bind, uint32_t section, uint64_t offset,
		       uint64_t size, bool exported)
{
	struct image_symbol sym = {
		.name = name, .kind = kind, .bind = bind, .section = section,
		.offset = offset, .size = size, .exported = exported,
	};
	struct ipbp_err err;

	ck_assert_msg(image_add_symbol(img, &sym, &err) >= 0, "%s", err.msg);
}

/*
 * Symbols in image order mix files, locals and globals: the writer must
 * still list every local before the first global.
 */
static void build_image(struct image *img, const struct arch_case *ac)
{
	image_init(img, FORMAT_ELF, ac->arch);
	img->soname = "libpatch-test.so";
	ck_assert_int_eq(add_section(img, ".text", SEC_CODE, SECF_ALLOC | SECF_EXEC,
				     sizeof(ac->code), 16), S_TEXT);
	memcpy(img->sections[S_TEXT].data, ac->code, sizeof(ac->code));
	ck_assert_int_eq(add_section(img, ".rodata", SEC_RODATA, SECF_ALLOC, 16, 8), S_RODATA);
	memcpy(img->sections[S_RODATA].data, "hello", 6);
	ck_assert_int_eq(add_section(img, ".data", SEC_DATA, SECF_ALLOC | SECF_WRITE, 16, 8),
			 S_DATA);
	img->sections[S_DATA].data[0] = 1234 & 0xff;
	img->sections[S_DATA].data[1] = 1234 >> 8;
	ck_assert_int_eq(add_section(img, ".bss", SEC_BSS, SECF_ALLOC | SECF_WRITE, 64, 32),
			 S_BSS);
	ck_assert_int_eq(add_section(img, ".ipbp.manifest", SEC_META, 0,
				     sizeof(manifest_bytes), 8), S_MANIFEST);
	memcpy(img->sections[S_MANIFEST].data, manifest_bytes, sizeof(manifest_bytes));

	add_symbol(img, "patch.c", SYMK_FILE, BIND_LOCAL, IMAGE_NO_SECTION, 0, 0, false);
	add_symbol(img, "helper", SYMK_FUNC, BIND_LOCAL, S_TEXT, 16, ac->func_size, false);
	add_symbol(img, "answer", SYMK_FUNC, BIND_GLOBAL, S_TEXT, 0, ac->func_size, true);
	add_symbol(img, "counter", SYMK_DATA, BIND_GLOBAL, S_DATA, 0, 4, true);
	add_symbol(img, "other.c", SYMK_FILE, BIND_LOCAL, IMAGE_NO_SECTION, 0, 0, false);
	add_symbol(img, "state", SYMK_DATA, BIND_LOCAL, S_DATA, 8, 8, false);
	add_symbol(img, "greeting", SYMK_DATA, BIND_GLOBAL, S_RODATA, 0, 6, true);
	add_symbol(img, "buffer", SYMK_DATA, BIND_GLOBAL, S_BSS, 0, 64, true);
	add_symbol(img, "internal", SYMK_FUNC, BIND_GLOBAL, S_TEXT, 32, ac->func_size, false);
}

static uint8_t *layout_and_write(struct image *img, size_t *len)
{
	struct ipbp_err err;
	uint8_t *buf;

	ck_assert_msg(image_layout(img, &err) == 0, "%s", err.msg);
	ck_assert_msg(image_write(img, &buf, len, &err) == 0, "%s", err.msg);
	return buf;
}

static const struct image_symbol *find_image_symbol(const struct image *img, const char *name)
{
	for (size_t i = 0; i < img->nr_symbols; i++)
		if (!strcmp(img->symbols[i].name, name))
			return &img->symbols[i];
	ck_abort_msg("no symbol %s", name);
	return NULL;
}

/* ---- the file, read back by hand (the host is little-endian) -------------------- */

struct elf_view {
	const uint8_t *buf;
	size_t len;
	Elf64_Ehdr eh;
};

static struct elf_view view_of(const uint8_t *buf, size_t len)
{
	struct elf_view v = { .buf = buf, .len = len };

	ck_assert(len >= sizeof(v.eh));
	memcpy(&v.eh, buf, sizeof(v.eh));
	return v;
}

static Elf64_Phdr phdr_at(const struct elf_view *v, size_t i)
{
	Elf64_Phdr ph;
	uint64_t off = v->eh.e_phoff + i * sizeof(ph);

	ck_assert(in_bounds(v->len, off, sizeof(ph)));
	memcpy(&ph, v->buf + off, sizeof(ph));
	return ph;
}

static Elf64_Shdr shdr_at(const struct elf_view *v, size_t i)
{
	Elf64_Shdr sh;
	uint64_t off = v->eh.e_shoff + i * sizeof(sh);

	ck_assert(in_bounds(v->len, off, sizeof(sh)));
	memcpy(&sh, v->buf + off, sizeof(sh));
	return sh;
}

static const char *shdr_name(const struct elf_view *v, const Elf64_Shdr *sh)
{
	Elf64_Shdr strs = shdr_at(v, v->eh.e_shstrndx);

	ck_assert(sh->sh_name < strs.sh_size);
	return (const char *)v->buf + strs.sh_offset + sh->sh_name;
}

static bool find_shdr(const struct elf_view *v, const char *name, Elf64_Shdr *out)
{
	for (size_t i = 1; i < v->eh.e_shnum; i++) {
		*out = shdr_at(v, i);
		if (!strcmp(shdr_name(v, out), name))
			return true;
	}
	return false;
}

static void check_header(const struct elf_view *v, const struct arch_case *ac)
{
	ck_assert(!memcmp(v->eh.e_ident, ELFMAG, SELFMAG));
	ck_assert_int_eq(v->eh.e_ident[EI_CLASS], ELFCLASS64);
	ck_assert_int_eq(v->eh.e_ident[EI_DATA], ELFDATA2LSB);
	ck_assert_int_eq(v->eh.e_type, ET_DYN);
	ck_assert_int_eq(v->eh.e_machine, ac->machine);
	ck_assert_uint_eq(v->eh.e_entry, 0);
	ck_assert_uint_eq(v->eh.e_shoff + (uint64_t)v->eh.e_shnum * sizeof(Elf64_Shdr), v->len);
}

/*
 * Program headers: LOAD R, LOAD R+X (when there is code), LOAD R+W, DYNAMIC,
 * GNU_STACK; each LOAD on pages of its own, offset congruent to address.
 */
static void check_segments(const struct elf_view *v, const struct arch_case *ac, bool code)
{
	static const uint32_t perms[] = { PF_R, PF_R | PF_X, PF_R | PF_W };
	size_t nr_loads = code ? 3 : 2, i;
	uint64_t prev_end = 0;

	ck_assert_int_eq(v->eh.e_phnum, nr_loads + 2);
	for (i = 0; i < nr_loads; i++) {
		Elf64_Phdr ph = phdr_at(v, i);

		ck_assert_int_eq(ph.p_type, PT_LOAD);
		ck_assert_int_eq(ph.p_flags, perms[code || i == 0 ? i : i + 1]);
		ck_assert_uint_eq(ph.p_align, ac->page);
		ck_assert_uint_eq(ph.p_offset % ac->page, ph.p_vaddr % ac->page);
		ck_assert_uint_eq(ph.p_vaddr, ph.p_paddr);
		ck_assert(ph.p_memsz >= ph.p_filesz);
		ck_assert(in_bounds(v->len, ph.p_offset, ph.p_filesz));
		if (i == 0)
			ck_assert(ph.p_offset == 0 && ph.p_vaddr == 0);
		else	/* starts on a page after the previous segment's last one */
			ck_assert_uint_gt(ph.p_vaddr / ac->page, (prev_end - 1) / ac->page);
		prev_end = ph.p_vaddr + ph.p_memsz;
	}
	ck_assert_int_eq(phdr_at(v, i).p_type, PT_DYNAMIC);
	ck_assert_int_eq(phdr_at(v, i + 1).p_type, PT_GNU_STACK);
	ck_assert_int_eq(phdr_at(v, i + 1).p_flags, PF_R | PF_W);
}

/* The PT_LOAD holding [addr, addr+size) of memory, or -1. */
static int segment_holding(const struct elf_view *v, uint64_t addr, uint64_t size)
{
	for (size_t i = 0; i < v->eh.e_phnum; i++) {
		Elf64_Phdr ph = phdr_at(v, i);

		if (ph.p_type == PT_LOAD && addr >= ph.p_vaddr &&
		    addr + size <= ph.p_vaddr + ph.p_memsz)
			return (int)i;
	}
	return -1;
}

static bool overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return alen && blen && a < b + blen && b < a + alen;
}

/* Sections: aligned, inside a segment of their permissions with the file
 * bytes where the segment maps them, and never overlapping each other. */
static void check_sections(const struct elf_view *v)
{
	for (size_t i = 1; i < v->eh.e_shnum; i++) {
		Elf64_Shdr a = shdr_at(v, i);
		bool bits = a.sh_type != SHT_NOBITS;

		ck_assert(a.sh_addralign && !(a.sh_addralign & (a.sh_addralign - 1)));
		ck_assert_uint_eq(a.sh_addr % a.sh_addralign, 0);
		ck_assert(!bits || in_bounds(v->len, a.sh_offset, a.sh_size));
		if (a.sh_flags & SHF_ALLOC) {
			int s = segment_holding(v, a.sh_addr, a.sh_size);
			Elf64_Phdr ph;

			ck_assert_msg(s >= 0, "%s is in no segment", shdr_name(v, &a));
			ph = phdr_at(v, s);
			ck_assert_int_eq(!!(ph.p_flags & PF_W), !!(a.sh_flags & SHF_WRITE));
			ck_assert_int_eq(!!(ph.p_flags & PF_X), !!(a.sh_flags & SHF_EXECINSTR));
			if (bits)
				ck_assert_uint_eq(a.sh_offset - ph.p_offset, a.sh_addr - ph.p_vaddr);
			else
				ck_assert_uint_ge(a.sh_addr, ph.p_vaddr + ph.p_filesz);
		} else {
			ck_assert_uint_eq(a.sh_addr, 0);
		}
		for (size_t j = 1; j < i; j++) {
			Elf64_Shdr b = shdr_at(v, j);

			if ((a.sh_flags & b.sh_flags & SHF_ALLOC))
				ck_assert_msg(!overlaps(a.sh_addr, a.sh_size, b.sh_addr, b.sh_size),
					      "%s and %s overlap in memory",
					      shdr_name(v, &a), shdr_name(v, &b));
			if (bits && b.sh_type != SHT_NOBITS)
				ck_assert_msg(!overlaps(a.sh_offset, a.sh_size, b.sh_offset,
							b.sh_size), "%s and %s overlap in the file",
					      shdr_name(v, &a), shdr_name(v, &b));
		}
	}
}

/* .symtab: the null symbol, then every local, then the globals (sh_info). */
static void check_symtab_order(const struct elf_view *v, size_t nr_symbols)
{
	Elf64_Shdr sh;
	size_t n;

	ck_assert(find_shdr(v, ".symtab", &sh));
	n = sh.sh_size / sizeof(Elf64_Sym);
	ck_assert_uint_eq(n, nr_symbols + 1);
	for (size_t i = 1; i < n; i++) {
		Elf64_Sym sym;

		memcpy(&sym, v->buf + sh.sh_offset + i * sizeof(sym), sizeof(sym));
		ck_assert_int_eq(ELF64_ST_BIND(sym.st_info) == STB_LOCAL, i < sh.sh_info);
	}
}

static uint32_t elf_hash(const char *name)
{
	uint32_t h = 0, g;

	for (const unsigned char *s = (const unsigned char *)name; *s; s++) {
		h = (h << 4) + *s;
		g = h & 0xf0000000u;
		h = (h ^ (g >> 24)) & ~g;
	}
	return h;
}

static uint32_t word_at(const uint8_t *p, uint64_t i)
{
	uint32_t w;

	memcpy(&w, p + 4 * i, 4);
	return w;
}

/* Every .dynsym entry is found through the .hash chains of its name. */
static void check_hash(const struct elf_view *v)
{
	Elf64_Shdr hash, dynsym, dynstr;
	const uint8_t *h;
	uint32_t nbucket, nchain;

	ck_assert(find_shdr(v, ".hash", &hash) && find_shdr(v, ".dynsym", &dynsym) &&
		  find_shdr(v, ".dynstr", &dynstr));
	h = v->buf + hash.sh_offset;
	nbucket = word_at(h, 0);
	nchain = word_at(h, 1);
	ck_assert_uint_eq(nchain, dynsym.sh_size / sizeof(Elf64_Sym));
	ck_assert_uint_eq(hash.sh_size, 4 * (2 + (uint64_t)nbucket + nchain));
	for (uint32_t i = 1; i < nchain; i++) {
		Elf64_Sym sym;
		const char *name;
		uint32_t j, steps = 0;

		memcpy(&sym, v->buf + dynsym.sh_offset + i * sizeof(sym), sizeof(sym));
		name = (const char *)v->buf + dynstr.sh_offset + sym.st_name;
		j = word_at(h, 2 + elf_hash(name) % nbucket);
		while (j && j != i && steps++ < nchain)
			j = word_at(h, 2 + nbucket + j);
		ck_assert_msg(j == i, "%s is not in .hash", name);
	}
}

static void check_layout(const struct image *img, const uint8_t *buf, size_t len,
			 const struct arch_case *ac, bool code)
{
	struct elf_view v = view_of(buf, len);

	check_header(&v, ac);
	check_segments(&v, ac, code);
	check_sections(&v);
	check_symtab_order(&v, img->nr_symbols);
	check_hash(&v);
	for (size_t i = 0; i < img->nr_sections; i++) {
		const struct image_section *sec = &img->sections[i];
		Elf64_Shdr sh;

		ck_assert(find_shdr(&v, sec->name, &sh));
		ck_assert_uint_eq(sh.sh_addr, sec->addr);
		ck_assert_uint_eq(sh.sh_offset, sec->file_offset);
		ck_assert_uint_eq(sec->addr % sec->align, 0);
		if ((sec->flags & SECF_ALLOC) && sec->kind != SEC_BSS)
			ck_assert_uint_eq(sec->addr % ac->page, sec->file_offset % ac->page);
		if (sec->data && sec->size)
			ck_assert(!memcmp(buf + sec->file_offset, sec->data, sec->size));
	}
}

START_TEST(test_layout_invariants)
{
	const struct arch_case *ac = &arch_cases[_i];
	struct image img;
	uint64_t addrs[8];
	uint8_t *buf;
	size_t len;
	Elf64_Shdr sh;

	build_image(&img, ac);
	buf = layout_and_write(&img, &len);
	check_layout(&img, buf, len, ac, true);
	/* Non-loaded sections follow the loaded content, in the order added. */
	{
		struct elf_view v = view_of(buf, len);
		Elf64_Phdr rw = phdr_at(&v, 2);

		ck_assert(find_shdr(&v, ".ipbp.manifest", &sh));
		ck_assert_int_eq(sh.sh_type, SHT_PROGBITS);
		ck_assert_uint_eq(sh.sh_flags, 0);
		ck_assert_uint_ge(sh.sh_offset, rw.p_offset + rw.p_filesz);
	}
	/* Writing again moves nothing and gives the same bytes. */
	for (size_t i = 0; i < img.nr_sections; i++)
		addrs[i] = img.sections[i].addr;
	{
		uint8_t *again;
		size_t len2;
		struct ipbp_err err;

		ck_assert_msg(image_write(&img, &again, &len2, &err) == 0, "%s", err.msg);
		ck_assert_uint_eq(len, len2);
		ck_assert(!memcmp(buf, again, len));
		free(again);
	}
	for (size_t i = 0; i < img.nr_sections; i++)
		ck_assert_uint_eq(addrs[i], img.sections[i].addr);
	free(buf);
	image_release(&img);
}
END_TEST

/* An image without code has no R+X segment; one with nothing at all is
 * still a valid shared object. */
START_TEST(test_layout_without_code)
{
	const struct arch_case *ac = &arch_cases[_i];
	struct image img;
	uint8_t *buf;
	size_t len;

	image_init(&img, FORMAT_ELF, ac->arch);
	add_section(&img, ".data", SEC_DATA, SECF_ALLOC | SECF_WRITE, 8, 8);
	add_section(&img, ".rodata", SEC_RODATA, SECF_ALLOC, 4, 4);
	/* Aligned beyond the page size. */
	add_section(&img, ".data.big", SEC_DATA, SECF_ALLOC | SECF_WRITE, 4, 2 * ac->page);
	add_symbol(&img, "value", SYMK_DATA, BIND_GLOBAL, 0, 0, 8, true);
	add_symbol(&img, "big", SYMK_DATA, BIND_WEAK, 2, 0, 4, true);
	buf = layout_and_write(&img, &len);
	check_layout(&img, buf, len, ac, false);
	free(buf);
	image_release(&img);

	image_init(&img, FORMAT_ELF, ac->arch);
	buf = layout_and_write(&img, &len);
	check_layout(&img, buf, len, ac, false);
	free(buf);
	image_release(&img);
}
END_TEST

/* ---- the binutils and LLVM tools ------------------------------------------------ */

static char *read_text(const char *dir, const char *name)
{
	size_t size;
	uint8_t *b = unit_read_file_in(dir, name, &size);
	char *s = realloc(b, size + 1);

	ck_assert(s);
	s[size] = 0;
	return s;
}

static void assert_empty(const char *dir, const char *name)
{
	char *s = read_text(dir, name);

	ck_assert_msg(!*s, "%s is not empty:\n%s", name, s);
	free(s);
}

static void write_image(const char *dir, const char *name, const struct arch_case *ac,
			struct image *img)
{
	uint8_t *buf;
	size_t len;

	build_image(img, ac);
	buf = layout_and_write(img, &len);
	unit_write_file(dir, name, buf, len);
	free(buf);
}

START_TEST(test_readelf_clean)
{
	const struct arch_case *ac = &arch_cases[_i];
	struct image img;
	char dir[128], *out;

	unit_scratch_make(dir, sizeof(dir), "image");
	write_image(dir, "p.so", ac, &img);
	unit_run_in(dir, "readelf -a -W p.so >readelf.out 2>readelf.err");
	assert_empty(dir, "readelf.err");
	out = read_text(dir, "readelf.out");
	ck_assert_msg(!strstr(out, "Warning") && !strstr(out, "Error"), "%s", out);
	ck_assert_msg(strstr(out, "DYN (Shared object file)"), "%s", out);
	ck_assert_msg(strstr(out, "Library soname: [libpatch-test.so]"), "%s", out);
	ck_assert_msg(strstr(out, "GNU_STACK"), "%s", out);
	free(out);

	unit_run_in(dir, "llvm-readobj --file-headers --program-headers --sections --dyn-syms "
		    "p.so >readobj.out 2>readobj.err");
	assert_empty(dir, "readobj.err");
	out = read_text(dir, "readobj.out");
	ck_assert_msg(strstr(out, "Name: answer"), "%s", out);
	ck_assert_msg(strstr(out, "Type: SharedObject"), "%s", out);
	free(out);
	unit_scratch_remove(dir);
	image_release(&img);
}
END_TEST

START_TEST(test_objdump_disassembles)
{
	const struct arch_case *ac = &arch_cases[_i];
	struct image img;
	char dir[128], *out, want[128];

	unit_scratch_make(dir, sizeof(dir), "image");
	write_image(dir, "p.so", ac, &img);
	unit_run_in(dir, "%s p.so >objdump.out 2>objdump.err", ac->objdump);
	assert_empty(dir, "objdump.err");
	out = read_text(dir, "objdump.out");
	snprintf(want, sizeof(want), "%016llx <answer>:",
		 (unsigned long long)image_symbol_addr(&img, find_image_symbol(&img, "answer")));
	ck_assert_msg(strstr(out, want), "no %s in\n%s", want, out);
	ck_assert_msg(strstr(out, "<helper>:"), "%s", out);
	ck_assert_msg(strstr(out, "<internal>:"), "%s", out);
	ck_assert_msg(strstr(out, ac->mov42), "no %s in\n%s", ac->mov42, out);
	free(out);
	unit_scratch_remove(dir);
	image_release(&img);
}
END_TEST

/* nm -D lists exactly the exported symbols, sorted by name. */
START_TEST(test_nm_dynamic)
{
	static const struct { const char *name; char type; } exported[] = {
		{ "answer", 'T' }, { "buffer", 'B' }, { "counter", 'D' }, { "greeting", 'R' },
	};
	const struct arch_case *ac = &arch_cases[_i];
	struct image img;
	char dir[128], *out, want[512] = "";

	unit_scratch_make(dir, sizeof(dir), "image");
	write_image(dir, "p.so", ac, &img);
	unit_run_in(dir, "nm -D p.so >nm.out 2>nm.err");
	assert_empty(dir, "nm.err");
	for (size_t i = 0; i < sizeof(exported) / sizeof(exported[0]); i++) {
		const struct image_symbol *sym = find_image_symbol(&img, exported[i].name);
		size_t n = strlen(want);

		snprintf(want + n, sizeof(want) - n, "%016llx %c %s\n",
			 (unsigned long long)image_symbol_addr(&img, sym), exported[i].type,
			 exported[i].name);
	}
	out = read_text(dir, "nm.out");
	ck_assert_msg(!strcmp(out, want), "nm -D printed\n%swanted\n%s", out, want);
	free(out);
	unit_scratch_remove(dir);
	image_release(&img);
}
END_TEST

/* ---- our own reader ------------------------------------------------------------- */

static void check_read_section(const struct obj *obj, const struct image_section *isec)
{
	const uint32_t perm = SECF_ALLOC | SECF_WRITE | SECF_EXEC;
	struct section *sec = obj_find_section(obj, isec->name);

	ck_assert_msg(sec != NULL, "no section %s", isec->name);
	ck_assert_uint_eq(sec->addr, isec->addr);
	ck_assert_uint_eq(sec->size, isec->size);
	ck_assert_uint_eq(sec->align, isec->align);
	ck_assert_uint_eq(sec->flags & perm, isec->flags & perm);
	if (isec->kind != SEC_META)
		ck_assert_str_eq(section_kind_name(sec->kind), section_kind_name(isec->kind));
	if (isec->kind == SEC_BSS)
		ck_assert(sec->data == NULL);
	else
		ck_assert(sec->data && !memcmp(sec->data, isec->data, isec->size));
}

static void check_read_symbol(const struct obj *obj, const struct image *img,
			      const struct image_symbol *isym)
{
	struct symbol *sym = obj_find_symbol(obj, isym->name);

	ck_assert_msg(sym != NULL, "no symbol %s", isym->name);
	ck_assert_int_eq(sym->kind, isym->kind);
	ck_assert_int_eq(sym->bind, isym->bind);
	if (isym->kind == SYMK_FILE)
		return;
	ck_assert_str_eq(sym->sec->name, img->sections[isym->section].name);
	ck_assert_uint_eq(sym->offset, isym->offset);
	ck_assert_uint_eq(sym->value, image_symbol_addr(img, isym));
	ck_assert_uint_eq(sym->size, isym->size);
}

START_TEST(test_read_back)
{
	const struct arch_case *ac = &arch_cases[_i];
	struct obj *obj = NULL;
	struct ipbp_err err;
	struct image img;
	uint8_t *buf;
	size_t len;

	build_image(&img, ac);
	buf = layout_and_write(&img, &len);
	ck_assert_msg(obj_load(&obj, "p.so", buf, len, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(obj->format, FORMAT_ELF);
	ck_assert_int_eq(obj->arch, ac->arch);
	ck_assert_int_eq(obj->type, OBJ_SHARED);
	for (size_t i = 0; i < img.nr_sections; i++)
		check_read_section(obj, &img.sections[i]);
	for (size_t i = 0; i < img.nr_symbols; i++)
		check_read_symbol(obj, &img, &img.symbols[i]);
	ck_assert_str_eq(obj_find_symbol(obj, "helper")->file, "patch.c");
	ck_assert_str_eq(obj_find_symbol(obj, "state")->file, "other.c");
	obj_free(obj);
	free(buf);
	image_release(&img);
}
END_TEST

/* ---- the dynamic loader (the host is x86-64) ----------------------------------- */

START_TEST(test_dlopen)
{
	struct image img;
	char dir[128], path[256];
	int (*answer)(void);
	void *h;
	const int *counter;
	const char *greeting;
	unsigned char *buffer;

#if !defined(__x86_64__)
	return;
#endif
	unit_scratch_make(dir, sizeof(dir), "image");
	write_image(dir, "p.so", &arch_cases[0], &img);
	snprintf(path, sizeof(path), "%s/p.so", dir);
	h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	ck_assert_msg(h != NULL, "%s", dlerror());
	answer = (int (*)(void))dlsym(h, "answer");
	ck_assert_msg(answer != NULL, "%s", dlerror());
	ck_assert_int_eq(answer(), 42);
	counter = dlsym(h, "counter");
	ck_assert(counter && *counter == 1234);
	greeting = dlsym(h, "greeting");
	ck_assert(greeting && !strcmp(greeting, "hello"));
	buffer = dlsym(h, "buffer");
	ck_assert(buffer != NULL);
	for (int i = 0; i < 64; i++)
		ck_assert_int_eq(buffer[i], 0);
	buffer[63] = 1;		/* writable */
	ck_assert(dlsym(h, "helper") == NULL);
	ck_assert(dlsym(h, "internal") == NULL);
	dlclose(h);
	unit_scratch_remove(dir);
	image_release(&img);
}
END_TEST

/* ---- errors ----------------------------------------------------------------------- */

START_TEST(test_unsupported_formats)
{
	static const struct { enum obj_format format; const char *msg; } cases[] = {
		{ FORMAT_MACHO, "macho: writing patches is not supported yet" },
		{ FORMAT_COFF, "coff: writing patches is not supported yet" },
		{ FORMAT_WASM, "wasm: writing patches is not supported yet" },
	};
	struct ipbp_err err;
	struct image img;
	uint8_t *buf;
	size_t len;

	ck_assert(image_format_supported(FORMAT_ELF, ARCH_X86_64));
	ck_assert(image_format_supported(FORMAT_ELF, ARCH_AARCH64));
	ck_assert(!image_format_supported(FORMAT_ELF, ARCH_ARM));
	ck_assert(!image_format_supported(FORMAT_ELF, ARCH_I386));
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ck_assert(!image_format_supported(cases[i].format, ARCH_X86_64));
		image_init(&img, cases[i].format, ARCH_X86_64);
		add_section(&img, ".text", SEC_CODE, SECF_ALLOC | SECF_EXEC, 4, 4);
		ck_assert_int_eq(image_layout(&img, &err), -1);
		ck_assert_str_eq(err.msg, cases[i].msg);
		ck_assert_int_eq(image_write(&img, &buf, &len, &err), -1);
		ck_assert_str_eq(err.msg, cases[i].msg);
		image_release(&img);
	}
	image_init(&img, FORMAT_ELF, ARCH_ARM);
	ck_assert_int_eq(image_layout(&img, &err), -1);
	ck_assert_str_eq(err.msg, "elf: writing patches for arm is not supported yet");
	image_release(&img);
}
END_TEST

/* Builds the test image, applies a mistake to it, and expects layout to
 * refuse with a message containing want. */
static void expect_layout_error(void (*mistake)(struct image *), const char *want)
{
	struct ipbp_err err;
	struct image img;

	build_image(&img, &arch_cases[0]);
	mistake(&img);
	ck_assert_int_eq(image_layout(&img, &err), -1);
	ck_assert_msg(strstr(err.msg, want), "got \"%s\", wanted \"%s\"", err.msg, want);
	ck_assert(!img.laid_out);
	image_release(&img);
}

static void bad_symbol_section(struct image *img)
{
	img->symbols[1].section = 99;
}

static void exported_local(struct image *img)
{
	img->symbols[1].exported = true;
}

static void symbol_past_end(struct image *img)
{
	img->symbols[1].size = 1000;
}

static void writable_code(struct image *img)
{
	img->sections[S_TEXT].flags |= SECF_WRITE;
}

static void tls_section(struct image *img)
{
	img->sections[S_DATA].flags |= SECF_TLS;
}

static void exported_from_manifest(struct image *img)
{
	img->symbols[2].section = S_MANIFEST;
	img->symbols[2].size = 1;
}

START_TEST(test_bad_images)
{
	struct image_symbol sym = { .name = "lost", .kind = SYMK_FUNC, .section = 5 };
	struct ipbp_err err;
	struct image img;

	image_init(&img, FORMAT_ELF, ARCH_X86_64);
	add_section(&img, ".text", SEC_CODE, SECF_ALLOC | SECF_EXEC, 4, 4);
	ck_assert_int_eq(image_add_symbol(&img, &sym, &err), -1);
	ck_assert_str_eq(err.msg, "image: symbol lost: no section 5");
	sym.section = IMAGE_NO_SECTION;
	ck_assert_int_eq(image_add_symbol(&img, &sym, &err), -1);
	ck_assert_int_eq(image_add_section(&img, ".x", SEC_DATA, SECF_ALLOC, 4, 3, &err), -1);
	ck_assert_str_eq(err.msg, "image: section .x: alignment 3 is not a power of two");
	ck_assert_uint_eq(img.nr_symbols, 0);
	ck_assert_uint_eq(img.nr_sections, 1);
	image_release(&img);

	expect_layout_error(bad_symbol_section, "elf: symbol helper: no section 99");
	expect_layout_error(exported_local, "elf: local symbol helper cannot be exported");
	expect_layout_error(symbol_past_end, "symbol helper extends past the end of section .text");
	expect_layout_error(writable_code, "section .text is both writable and executable");
	expect_layout_error(tls_section, "section .data: TLS sections are not supported");
	expect_layout_error(exported_from_manifest, "non-loaded section .ipbp.manifest");
}
END_TEST

/* Order of calls: write needs a layout; layout freezes what is loaded. */
START_TEST(test_call_order)
{
	struct image_symbol sym = { .name = "late", .kind = SYMK_FUNC, .bind = BIND_GLOBAL,
				    .section = S_TEXT };
	struct ipbp_err err;
	struct image img;
	uint8_t *buf;
	size_t len;

	build_image(&img, &arch_cases[0]);
	ck_assert_int_eq(image_write(&img, &buf, &len, &err), -1);
	ck_assert_str_eq(err.msg, "image: written before layout");
	ck_assert_msg(image_layout(&img, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(image_add_section(&img, ".late", SEC_DATA, SECF_ALLOC, 4, 4, &err), -1);
	ck_assert_str_eq(err.msg, "image: section .late added after layout");
	sym.exported = true;
	ck_assert_int_eq(image_add_symbol(&img, &sym, &err), -1);
	ck_assert_str_eq(err.msg, "image: exported symbol late added after layout");
	/* A symbol only in .symtab moves nothing. */
	sym.exported = false;
	ck_assert_int_ge(image_add_symbol(&img, &sym, &err), 0);
	ck_assert_msg(image_write(&img, &buf, &len, &err) == 0, "%s", err.msg);
	free(buf);
	/* Growing a section after layout would move the ones after it. */
	img.sections[S_RODATA].size = 0x20000;
	img.sections[S_RODATA].data = realloc(img.sections[S_RODATA].data, 0x20000);
	ck_assert_int_eq(image_write(&img, &buf, &len, &err), -1);
	ck_assert_msg(strstr(err.msg, "moved after layout"), "%s", err.msg);
	image_release(&img);
}
END_TEST

static Suite *image_suite(void)
{
	Suite *s = suite_create("image");
	TCase *tc = tcase_create("elf");
	int n = sizeof(arch_cases) / sizeof(arch_cases[0]);

	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_layout_invariants, 0, n);
	tcase_add_loop_test(tc, test_layout_without_code, 0, n);
	tcase_add_loop_test(tc, test_readelf_clean, 0, n);
	tcase_add_loop_test(tc, test_objdump_disassembles, 0, n);
	tcase_add_loop_test(tc, test_nm_dynamic, 0, n);
	tcase_add_loop_test(tc, test_read_back, 0, n);
	tcase_add_test(tc, test_dlopen);
	tcase_add_test(tc, test_unsupported_formats);
	tcase_add_test(tc, test_bad_images);
	tcase_add_test(tc, test_call_order);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(image_suite)
