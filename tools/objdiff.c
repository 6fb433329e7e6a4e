// SPDX-License-Identifier: MIT
/*
 * objdiff - which symbols of two objects, archives or build trees differ,
 * and why.  Pairing lives in libobjdiff/diffset.[ch], the comparison in
 * libobjdiff/diff.[ch], the output in libobjdiff/stream.[ch].
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "common/tool.h"
#include "diffset.h"
#include "disasm.h"
#include "stream.h"
#include "types.h"

static const char usage[] =
	"Usage: objdiff [OPTION]... OLD NEW\n"
	"Compare two object files, archives or (with -r) build trees symbol by\n"
	"symbol and print one line per changed, added or removed function, data\n"
	"or TLS symbol, with the reasons it changed.\n"
	"\n"
	"  -q, --quiet           print nothing; stop at the first difference\n"
	"  -a, --all             list unchanged symbols too (\"=\" lines)\n"
	"  -C, --demangle        also show C++ names demangled (\"# ns::f(int)\" after\n"
	"                        the line, \"demangled\" in JSON, in -d listings)\n"
	"  -r, --recursive       compare directories: objects paired by relative path\n"
	"  -f, --format=FORMAT   text (default) or json\n"
	"      --stat            a summary per object pair and a total instead\n"
	"      --types           the types whose layout changed (DWARF), who uses them,\n"
	"                        and whether patching the changed code is safe\n"
	"  -d, --disassemble     show how the instructions of changed functions differ\n"
	"      --arch=ARCH       the slice of universal Mach-O files (x86_64, arm64)\n"
	"  -o, --output=FILE     write to FILE (replaced atomically) instead of stdout\n"
	"  -h, --help            print this help and exit\n"
	"  -V, --version         print the version and exit\n"
	"\n"
	"OLD and NEW are both objects, both archives (members paired by name) or,\n"
	"with -r, both directories (their *.o, *.obj, *.a, *.lib and *.wasm files);\n"
	"either may be \"-\" for standard input.  Text output is the diff stream\n"
	"of objdiff(5):\n"
	"  ~ func NAME OLD-SIZE NEW-SIZE REASONS    + added   - removed   = same\n"
	"Exit status: 0 no differences, 1 differences, 2 trouble.  See objdiff(1).\n";

struct options {
	enum tool_format format;
	bool quiet, stat, disasm, types, demangle;
	const char *output;
	struct diffset_opts set;
};

enum { OPT_STAT = 256, OPT_ARCH, OPT_TYPES };

static const struct option long_options[] = {
	{ "quiet", no_argument, NULL, 'q' },
	{ "all", no_argument, NULL, 'a' },
	{ "demangle", no_argument, NULL, 'C' },
	{ "recursive", no_argument, NULL, 'r' },
	{ "format", required_argument, NULL, 'f' },
	{ "stat", no_argument, NULL, OPT_STAT },
	{ "types", no_argument, NULL, OPT_TYPES },
	{ "disassemble", no_argument, NULL, 'd' },
	{ "arch", required_argument, NULL, OPT_ARCH },
	{ "output", required_argument, NULL, 'o' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

static void parse_options(int argc, char **argv, struct options *o)
{
	int c;

	argv[0] = (char *)tool_name();	/* getopt's messages start with it */
	while ((c = getopt_long(argc, argv, "qaCrf:do:hV", long_options, NULL)) != -1) {
		switch (c) {
		case 'q': o->quiet = true; break;
		case 'a': o->set.diff.all = true; break;
		case 'C': o->demangle = true; break;
		case 'r': o->set.recursive = o->set.keep_going = true; break;
		case 'f': o->format = tool_parse_format(optarg); break;
		case OPT_STAT: o->stat = true; break;
		case OPT_TYPES: o->types = true; break;
		case 'd': o->disasm = true; break;
		case OPT_ARCH: o->set.arch = optarg; break;
		case 'o': o->output = optarg; break;
		case 'h': tool_help(usage);
		case 'V': tool_version();
		default:
			fprintf(stderr, "Try 'objdiff --help' for more information.\n");
			exit(EXIT_TROUBLE);
		}
	}
	if (o->stat && o->format == FMT_JSON)
		usage_error("--stat and --format=json exclude each other");
	if (o->stat && o->disasm)
		usage_error("--stat and --disassemble exclude each other");
	if (o->types && (o->stat || o->disasm || o->quiet))
		usage_error("--types excludes --stat, --disassemble and --quiet");
	if (o->disasm && o->format == FMT_JSON)
		usage_error("--disassemble needs --format=text");
	if (optind == argc)
		usage_error("missing operands OLD and NEW");
	if (argc - optind < 2)
		usage_error("missing operand NEW after '%s'", argv[optind]);
	if (argc - optind > 2)
		usage_error("extra operand '%s'", argv[optind + 2]);
	if (!strcmp(argv[optind], "-") && !strcmp(argv[optind + 1], "-"))
		usage_error("OLD and NEW cannot both be standard input");
	/* -q: only the exit status matters, so stop at the first difference. */
	o->set.diff.quick = o->quiet;
}

/* A path, or "-": standard input read into memory (freed by the caller). */
static void *get_input(struct diffset_input *in, const char *arg)
{
	void *data;

	memset(in, 0, sizeof(*in));
	in->name = arg;
	if (strcmp(arg, "-"))
		return NULL;
	if (tool_read_all(stdin, "-", &data, &in->size) < 0)
		exit(EXIT_TROUBLE);
	if (!in->size)
		die("-: empty file");
	in->data = data;
	return data;
}

static int write_result(const struct diffset *set, const struct type_report *types,
			const struct options *o, FILE *f, struct ipbp_err *err)
{
	struct stream_write_opts wo = { .all = o->set.diff.all, .demangle = o->demangle };
	struct disasm_opts dopts = DISASM_OPTS_INIT;

	dopts.demangle = o->demangle;

	if (types)
		return o->format == FMT_JSON ? types_write_json(f, types, err)
					     : types_write_text(f, types, err);
	if (o->stat)
		return diffset_write_stat(f, set, o->set.diff.all, err);
	if (o->format == FMT_JSON)
		return stream_write_json(f, set->pairs, set->nr_pairs, &wo, err);
	return diffset_write_text(f, set, &wo, o->disasm ? &dopts : NULL, err);
}

/* Writes the result to o->output or stdout; the file is replaced only
 * when all of it was written. */
static void output(const struct diffset *set, const struct type_report *types,
		   const struct options *o)
{
	struct tool_output out;
	struct ipbp_err err;

	if (tool_output_open(&out, o->output) < 0)
		exit(EXIT_TROUBLE);
	if (write_result(set, types, o, out.f, &err) < 0) {
		error("%s: %s", o->output ? o->output : "standard output", err.msg);
		tool_output_abort(&out);
		exit(EXIT_TROUBLE);
	}
	if (tool_output_commit(&out) < 0)
		exit(EXIT_TROUBLE);
}

int main(int argc, char **argv)
{
	struct options o = { .format = FMT_TEXT };
	struct diffset_input old, new;
	struct ipbp_err err;
	struct diffset *set;
	struct type_report types = { 0 };
	void *old_buf, *new_buf;
	bool differs, trouble;

	tool_init("objdiff");
	parse_options(argc, argv, &o);
	old_buf = get_input(&old, argv[optind]);
	new_buf = get_input(&new, argv[optind + 1]);

	/* Open, pair and compare; then write (unless -q) and exit as diff(1). */
	if (diffset_open_inputs(&set, &old, &new, &o.set, &err) < 0)
		die("%s", err.msg);
	for (size_t i = 0; i < set->nr_troubles; i++)
		error("%s", set->troubles[i]);
	differs = diffset_differs(set);
	/* --types: the report instead of the stream; it differs when it
	 * lists a changed type or a probable layout change */
	if (o.types) {
		if (types_check_pairs(&types, set->pairs, set->nr_pairs, &err) < 0)
			die("%s", err.msg);
		differs = types.nr_changes || types.nr_guesses;
	}
	if (!o.quiet)
		output(set, o.types ? &types : NULL, &o);
	trouble = set->nr_troubles > 0;
	type_report_release(&types);
	diffset_free(set);
	free(old_buf);
	free(new_buf);
	return trouble ? EXIT_TROUBLE : differs ? EXIT_DIFFERENT : EXIT_SAME;
}
