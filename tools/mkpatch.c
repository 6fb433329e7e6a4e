// SPDX-License-Identifier: MIT
/*
 * mkpatch - package the changed code of object pairs as a patch: a shared
 * object with a manifest (patchpkg(5)) that patchload applies to a running
 * process.  Selection and building live in libpatchpkg (mkpatch.h).
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/tool.h"
#include "mkpatch.h"
#include "stream.h"

static const char usage[] =
	"Usage: mkpatch [OPTION]... -o PATCH [OLD NEW]\n"
	"Build a patch holding the new code of the functions a diff stream names\n"
	"(objdiff's output, read from standard input), or of every function that\n"
	"differs between OLD and NEW.\n"
	"\n"
	"  -o, --output=PATCH    write the patch to PATCH (never partially)\n"
	"  -s, --stream=FILE     with OLD and NEW: take only what the diff stream in\n"
	"                        FILE (\"-\" for standard input) selects\n"
	"  -r, --recursive       OLD and NEW are build trees\n"
	"      --target=EXE      check the old functions against EXE, record its\n"
	"                        build-id and pre-resolve imports; leave out the\n"
	"                        objects EXE does not link\n"
	"      --force           build despite refusals (recorded in the patch)\n"
	"  -v, --verbose         print what the patch holds\n"
	"  -h, --help            print this help and exit\n"
	"  -V, --version         print the version and exit\n"
	"\n"
	"  objdiff old.o new.o | mkpatch -o p.so\n"
	"  objdiff old.o new.o | grep -w fix_me | mkpatch -s - -o p.so old.o new.o\n"
	"Exit status: 0 patch written, 2 trouble or refused.  See mkpatch(1).\n";

struct options {
	const char *output, *stream, *old, *new;
	bool recursive, verbose;
	struct mkpatch_opts build;
};

enum { OPT_TARGET = 256, OPT_FORCE };

static const struct option long_options[] = {
	{ "output", required_argument, NULL, 'o' },
	{ "stream", required_argument, NULL, 's' },
	{ "recursive", no_argument, NULL, 'r' },
	{ "target", required_argument, NULL, OPT_TARGET },
	{ "force", no_argument, NULL, OPT_FORCE },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

static void parse_options(int argc, char **argv, struct options *o)
{
	int c;

	argv[0] = (char *)tool_name();
	while ((c = getopt_long(argc, argv, "o:s:rvhV", long_options, NULL)) != -1) {
		switch (c) {
		case 'o': o->output = optarg; break;
		case 's': o->stream = optarg; break;
		case 'r': o->recursive = true; break;
		case OPT_TARGET: o->build.target = optarg; break;
		case OPT_FORCE: o->build.force = true; break;
		case 'v': o->verbose = true; break;
		case 'h': tool_help(usage);
		case 'V': tool_version();
		default:
			fprintf(stderr, "Try 'mkpatch --help' for more information.\n");
			exit(EXIT_TROUBLE);
		}
	}
	if (!o->output)
		usage_error("missing -o PATCH");
	if (argc - optind == 1)
		usage_error("missing operand NEW after '%s'", argv[optind]);
	if (argc - optind > 2)
		usage_error("extra operand '%s'", argv[optind + 2]);
	if (argc - optind == 2) {
		o->old = argv[optind];
		o->new = argv[optind + 1];
	} else if (o->stream) {
		usage_error("--stream needs OLD and NEW");
	} else if (o->recursive) {
		usage_error("-r needs OLD and NEW");
	} else {
		o->stream = "-";
		if (isatty(STDIN_FILENO))
			usage_error("no input: pipe objdiff's output in, or give OLD and NEW");
	}
}

static struct diff_stream *read_stream(const char *path)
{
	const char *name = strcmp(path, "-") ? path : "standard input";
	struct diff_stream *stream;
	struct ipbp_err err;
	size_t size;
	void *text;
	FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;

	if (!f)
		die("%s: %m", path);
	if (tool_read_all(f, name, &text, &size) < 0)
		exit(EXIT_TROUBLE);
	if (f != stdin)
		fclose(f);
	if (stream_parse(&stream, name, text, size, &err) < 0)
		die("%s", err.msg);
	free(text);
	return stream;
}

static void print_problems(const struct mkpatch_result *res, bool forced)
{
	for (size_t i = 0; i < res->nr_problems; i++) {
		const struct mkpatch_problem *p = &res->problems[i];
		const char *what = p->note ? "note: " : !p->refusal ? "warning: " :
				   forced ? "warning: forced: " : "";

		fprintf(stderr, "%s: %s%s%s%s\n", tool_name(), what, p->symbol ? p->symbol : "",
			p->symbol ? ": " : "", p->message);
	}
}

static int write_patch(const char *path, const struct mkpatch_result *res)
{
	struct tool_output out;

	if (tool_output_open(&out, path) < 0)
		return -1;
	if (fwrite(res->data, 1, res->size, out.f) != res->size) {
		tool_output_abort(&out);
		return error("%s: write error", path);
	}
	return tool_output_commit(&out);
}

int main(int argc, char **argv)
{
	struct options o = { 0 };
	struct diff_stream *stream = NULL;
	struct mkpatch_result res;
	struct mkpatch_set set;
	struct ipbp_err err;
	int status = EXIT_TROUBLE;

	tool_init("mkpatch");
	parse_options(argc, argv, &o);
	if (o.stream)
		stream = read_stream(o.stream);
	if (mkpatch_set_open(&set, o.old, o.new, stream, o.recursive, &err) < 0) {
		stream_free(stream);
		die("%s", err.msg);
	}
	o.build.source = stream ? stream->name : o.new;
	o.build.context = set.context;
	o.build.nr_context = set.nr_context;
	if (mkpatch_build(&res, set.inputs, set.nr_inputs, &o.build, &err) < 0) {
		print_problems(&res, false);
		error("%s", err.msg);
	} else {
		print_problems(&res, o.build.force);
		if (write_patch(o.output, &res) == 0)
			status = EXIT_SUCCESS;
		if (!status && o.verbose)
			fprintf(stderr, "%s: %s: %zu replaced, %zu added, %zu imports, "
				"%zu relocations\n", tool_name(), o.output, res.nr_replaced,
				res.nr_added, res.nr_imports, res.nr_relocs);
	}
	mkpatch_result_release(&res);
	mkpatch_set_release(&set);
	stream_free(stream);
	return status;
}
