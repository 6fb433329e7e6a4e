// SPDX-License-Identifier: MIT
/*
 * bfdsyms - the libbfd oracle for the ELF and COFF reader tests: prints
 * what GNU libbfd reads from an object, independently of formats/.
 *
 *   bfdsyms [-a] [-r [-A]] FILE...
 *
 * For each object (and each member of an archive, after a line
 * "member\tNAME") it prints one line per defined symbol:
 *
 *   NAME \t SECTION \t VALUE
 *
 * SECTION is libbfd's section name (*ABS*, *COM* for common symbols);
 * VALUE is bfd_asymbol_value() in hex: the section-relative value in
 * objects, the address in linked images (the section's vma plus the
 * offset).  Section symbols and debugging entries (ELF STT_FILE and
 * STT_SECTION, COFF .file and auxiliary names) are left out, and so are
 * undefined symbols, unless -a is given: then every symbol is printed, the
 * undefined ones with SECTION *UND*, followed by a fourth column of flags
 * (s section, f file, d debugging, w weak, l local, g global).
 *
 * With -r it prints, after the symbols, one line per relocation:
 *
 *   SECTION \t OFFSET \t HOWTO-NAME \t SYMBOL
 *
 * OFFSET is section-relative in hex; SYMBOL is the target's name as libbfd
 * gives it (a section symbol is named after its section), "-" when none;
 * HOWTO-NAME is "UNKNOWN" when libbfd has no howto for the type.  -A adds
 * a fifth column: libbfd's addend in signed hex ("-0x4"; 0 for REL
 * targets, whose addends stay in the section bytes; for COFF, libbfd's
 * own convention).
 *
 * libbfd as Debian builds it knows elf64-x86-64, elf32-i386, pe-x86-64,
 * pe-i386, pe-bigobj-x86-64 and the generic elf32/64-little/big targets
 * (symbols only: no relocation howtos).  Exit status: 0, or 1 when a file
 * cannot be read (with a message on stderr).
 */
#define PACKAGE "ipbp-bfdsyms"
#define PACKAGE_VERSION "1"
#include <bfd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct opts {
	bool all;
	bool relocs;
	bool addends;
};

static int bfd_fail(const char *what)
{
	fprintf(stderr, "bfdsyms: %s: %s\n", what, bfd_errmsg(bfd_get_error()));
	return 1;
}

static const char *symbol_flags(const asymbol *sym, char *buf)
{
	char *p = buf;

	if (sym->flags & BSF_SECTION_SYM)
		*p++ = 's';
	if (sym->flags & BSF_FILE)
		*p++ = 'f';
	if (sym->flags & BSF_DEBUGGING)
		*p++ = 'd';
	if (sym->flags & BSF_WEAK)
		*p++ = 'w';
	if (sym->flags & BSF_LOCAL)
		*p++ = 'l';
	if (sym->flags & BSF_GLOBAL)
		*p++ = 'g';
	if (p == buf)
		*p++ = '-';
	*p = 0;
	return buf;
}

static bool is_listed(const asymbol *sym, const struct opts *o)
{
	if (o->all)
		return true;
	if (bfd_is_und_section(sym->section))
		return false;
	return !(sym->flags & (BSF_SECTION_SYM | BSF_DEBUGGING | BSF_FILE));
}

static void print_symbols(asymbol **syms, long n, const struct opts *o)
{
	char fl[16];

	for (long i = 0; i < n; i++) {
		asymbol *sym = syms[i];

		if (!is_listed(sym, o))
			continue;
		printf("%s\t%s\t%llx", bfd_asymbol_name(sym), sym->section->name,
		       (unsigned long long)bfd_asymbol_value(sym));
		if (o->all)
			printf("\t%s", symbol_flags(sym, fl));
		putchar('\n');
	}
}

static void print_addend(bfd_vma addend)
{
	int64_t a = (int64_t)addend;

	if (a < 0)
		printf("\t-0x%llx", (unsigned long long)-(uint64_t)addend);
	else
		printf("\t0x%llx", (unsigned long long)a);
}

static int print_section_relocs(bfd *abfd, asection *sec, asymbol **syms,
				const struct opts *o)
{
	long size = bfd_get_reloc_upper_bound(abfd, sec), n;
	arelent **rels;

	if (size <= 0)
		return size < 0 ? bfd_fail(bfd_get_filename(abfd)) : 0;
	rels = malloc((size_t)size);
	if (!rels)
		return bfd_fail("out of memory");
	n = bfd_canonicalize_reloc(abfd, sec, rels, syms);
	if (n < 0) {
		free(rels);
		return bfd_fail(bfd_get_filename(abfd));
	}
	for (long i = 0; i < n; i++) {
		const arelent *r = rels[i];
		const char *symname = "-";

		if (r->sym_ptr_ptr && *r->sym_ptr_ptr)
			symname = bfd_asymbol_name(*r->sym_ptr_ptr);
		printf("%s\t%llx\t%s\t%s", sec->name, (unsigned long long)r->address,
		       r->howto && r->howto->name ? r->howto->name : "UNKNOWN", symname);
		if (o->addends)
			print_addend(r->addend);
		putchar('\n');
	}
	free(rels);
	return 0;
}

static int dump_object(bfd *abfd, const struct opts *o)
{
	long size, n = 0;
	asymbol **syms = NULL;
	int ret = 0;

	if (bfd_get_file_flags(abfd) & HAS_SYMS) {
		size = bfd_get_symtab_upper_bound(abfd);
		if (size < 0)
			return bfd_fail(bfd_get_filename(abfd));
		syms = malloc(size ? (size_t)size : 1);
		if (!syms)
			return bfd_fail("out of memory");
		n = bfd_canonicalize_symtab(abfd, syms);
		if (n < 0) {
			free(syms);
			return bfd_fail(bfd_get_filename(abfd));
		}
	}
	print_symbols(syms, n, o);
	if (o->relocs)
		for (asection *sec = abfd->sections; sec; sec = sec->next)
			ret |= print_section_relocs(abfd, sec, syms, o);
	free(syms);
	return ret;
}

static int dump_archive(bfd *ar, const struct opts *o)
{
	bfd *m = bfd_openr_next_archived_file(ar, NULL);
	int ret = 0;

	while (m) {
		bfd *next;

		printf("member\t%s\n", bfd_get_filename(m));
		if (bfd_check_format(m, bfd_object))
			ret |= dump_object(m, o);
		else
			ret |= bfd_fail(bfd_get_filename(m));
		next = bfd_openr_next_archived_file(ar, m);
		bfd_close(m);
		m = next;
	}
	return ret;
}

static int dump_file(const char *path, const struct opts *o)
{
	bfd *abfd = bfd_openr(path, NULL);
	int ret;

	if (!abfd)
		return bfd_fail(path);
	if (bfd_check_format(abfd, bfd_archive))
		ret = dump_archive(abfd, o);
	else if (bfd_check_format(abfd, bfd_object))
		ret = dump_object(abfd, o);
	else
		ret = bfd_fail(path);
	bfd_close(abfd);
	return ret;
}

int main(int argc, char **argv)
{
	struct opts o = { 0 };
	int i, ret = 0;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "-a"))
			o.all = true;
		else if (!strcmp(argv[i], "-r"))
			o.relocs = true;
		else if (!strcmp(argv[i], "-A"))
			o.addends = true;
		else {
			fprintf(stderr, "usage: bfdsyms [-a] [-r [-A]] FILE...\n");
			return 2;
		}
	}
	bfd_init();
	for (; i < argc; i++)
		ret |= dump_file(argv[i], &o);
	return ret;
}
