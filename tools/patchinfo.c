// SPDX-License-Identifier: MIT
/*
 * patchinfo - what a patch made by mkpatch replaces, adds and imports, as
 * text or JSON, and (--verify) whether it is consistent.  Reading and
 * checking live in libpatchpkg/patchfile.[ch] and manifest.[ch], the
 * listings in patch-write.c; the
 * formats are pinned in doc/patchinfo.1 and doc/patchpkg.5.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "common/tool.h"
#include "patchfile.h"

static const char usage[] =
	"Usage: patchinfo [OPTION]... PATCH...\n"
	"Print what each patch made by mkpatch replaces, adds and imports, its\n"
	"relocations and warnings, or check it with --verify.\n"
	"\n"
	"  -f, --format=FORMAT   text (default) or json (one document per line)\n"
	"  -r, --relocs          list every patch relocation and hash mask (text)\n"
	"  -C, --demangle        end the lines of C++ names with \"# ns::f(int)\" (text)\n"
	"      --verify          check checksum and consistency; print \"PATCH: ok\"\n"
	"  -h, --help            print this help and exit\n"
	"  -V, --version         print the version and exit\n"
	"\n"
	"PATCH may be \"-\" for standard input.  Text lines:\n"
	"  PATCH: FORMAT MACHINE patch version N checksum 0xHASH\n"
	"  replace func NAME [FILE] OLD-SIZE -> NEW-SIZE at 0xADDR old-hash 0xHASH\n"
	"  add KIND NAME [FILE] SIZE at 0xADDR     import KIND NAME [FILE] [weak]\n"
	"Exit status: 0 success, 2 trouble (or problems found).  See patchinfo(1).\n";

struct options {
	enum tool_format format;
	bool relocs, verify, demangle;
};

enum { OPT_VERIFY = 256 };

static const struct option long_options[] = {
	{ "format", required_argument, NULL, 'f' },
	{ "relocs", no_argument, NULL, 'r' },
	{ "demangle", no_argument, NULL, 'C' },
	{ "verify", no_argument, NULL, OPT_VERIFY },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

static void parse_options(int argc, char **argv, struct options *o)
{
	int c;

	argv[0] = (char *)tool_name();	/* getopt's messages start with it */
	while ((c = getopt_long(argc, argv, "f:rChV", long_options, NULL)) != -1) {
		switch (c) {
		case 'f': o->format = tool_parse_format(optarg); break;
		case 'r': o->relocs = true; break;
		case 'C': o->demangle = true; break;
		case OPT_VERIFY: o->verify = true; break;
		case 'h': tool_help(usage);
		case 'V': tool_version();
		default:
			fprintf(stderr, "Try 'patchinfo --help' for more information.\n");
			exit(EXIT_TROUBLE);
		}
	}
	if (o->verify && (o->format == FMT_JSON || o->relocs || o->demangle))
		usage_error("--verify excludes --format=json, --relocs and --demangle");
	if (o->demangle && o->format == FMT_JSON)
		usage_error("--demangle needs --format=text");
	if (optind == argc)
		usage_error("missing operand PATCH");
}

/* ---- shared by both formats --------------------------------------------- */

/* The manifest's machine by the container's name for it when they agree. */
/* ---- driver -------------------------------------------------------------- */

static void report_problem(void *arg, const char *msg)
{
	error("%s: %s", (const char *)arg, msg);
}

/* Opens arg (a path or "-"); *buf is standard input's bytes, if read. */
static struct patch *open_patch(const char *arg, void **buf)
{
	struct ipbp_err err;
	struct patch *p;
	size_t size;
	int ret;

	*buf = NULL;
	if (strcmp(arg, "-"))
		ret = patch_open(&p, arg, &err);
	else if (tool_read_all(stdin, "-", buf, &size) < 0)
		return NULL;
	else
		ret = patch_open_buffer(&p, "-", *buf, size, &err);
	if (ret < 0) {
		error("%s", err.msg);
		return NULL;
	}
	return p;
}

/* One PATCH operand: 0, or -1 after its errors were printed. */
static int show_patch(const char *arg, const struct options *o, bool *shown)
{
	void *buf;
	struct patch *p = open_patch(arg, &buf);
	int ret = 0, n;

	if (!p) {
		free(buf);
		return -1;
	}
	if (o->verify) {
		n = patch_verify(p, report_problem, (void *)p->name);
		if (n < 0)
			error("%s: out of memory", p->name);
		else if (!n)
			printf("%s: ok\n", p->name);
		ret = n ? -1 : 0;
	} else if (o->format == FMT_JSON) {
		patch_write_json(stdout, p);
	} else {
		if (*shown)
			putchar('\n');	/* a blank line between patches */
		patch_write_text(stdout, p, (o->relocs ? PATCH_TEXT_RELOCS : 0) |
					    (o->demangle ? PATCH_TEXT_DEMANGLE : 0));
		*shown = true;
	}
	patch_free(p);
	free(buf);
	return ret;
}

int main(int argc, char **argv)
{
	struct options o = { .format = FMT_TEXT };
	bool trouble = false, shown = false;

	tool_init("patchinfo");
	parse_options(argc, argv, &o);
	for (int i = optind; i < argc; i++)
		if (show_patch(argv[i], &o, &shown) < 0)
			trouble = true;
	if (fflush(stdout) || ferror(stdout)) {
		error("standard output: write error");
		trouble = true;
	}
	return trouble ? EXIT_TROUBLE : EXIT_SAME;
}
