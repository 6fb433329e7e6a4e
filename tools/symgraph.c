// SPDX-License-Identifier: MIT
/*
 * symgraph - the symbol dependency graph of object files and archives:
 * who references whom, callers and callees, undefined symbols, cycles.
 * The graph and its output formats live in libobjdiff/graph.[ch].
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "common/tool.h"
#include "graph.h"

static const char usage[] =
	"Usage: symgraph [OPTION]... FILE...\n"
	"Print the symbol dependency graph of object files and archives: nodes are\n"
	"symbols, edges are the references between them (relocations and\n"
	"references found by decoding instructions).\n"
	"\n"
	"  -f, --format=FORMAT   text (default), json or dot\n"
	"      --callers=SYMBOL  SYMBOL and everything that refers to it, transitively\n"
	"      --callees=SYMBOL  SYMBOL and everything it refers to, transitively\n"
	"  -d, --depth=N         follow --callers/--callees at most N steps\n"
	"  -u, --undefined       each undefined symbol, its referencing inputs and the\n"
	"                        inputs that define it, or \"unresolved\"\n"
	"  -c, --cycles          the reference cycles (strongly connected components)\n"
	"      --arch=ARCH       the slice of universal Mach-O files (x86_64, arm64)\n"
	"      --no-decode       take references from relocations only\n"
	"  -o, --output=FILE     write to FILE (replaced atomically) instead of stdout\n"
	"  -h, --help            print this help and exit\n"
	"  -V, --version         print the version and exit\n"
	"\n"
	"FILE may be an object, an archive (each member is an input named\n"
	"\"lib.a(member.o)\"), a universal Mach-O file or a directory (its *.o, *.obj,\n"
	"*.a, *.lib and *.wasm files, recursively); \"-\" reads standard input.\n"
	"--callers and --callees may be given several times.\n"
	"Exit status: 0 success, 2 trouble.  See symgraph(1).\n";

enum query { Q_GRAPH, Q_CALLERS, Q_CALLEES, Q_UNDEFINED, Q_CYCLES };

struct options {
	enum graph_format format;
	enum query query;
	const char **syms;
	size_t nr_syms;
	uint32_t depth;
	bool depth_set;
	const char *output;
	struct graph_opts graph;
};

enum { OPT_CALLERS = 256, OPT_CALLEES, OPT_ARCH, OPT_NO_DECODE };

static const struct option long_options[] = {
	{ "format", required_argument, NULL, 'f' },
	{ "callers", required_argument, NULL, OPT_CALLERS },
	{ "callees", required_argument, NULL, OPT_CALLEES },
	{ "depth", required_argument, NULL, 'd' },
	{ "undefined", no_argument, NULL, 'u' },
	{ "cycles", no_argument, NULL, 'c' },
	{ "arch", required_argument, NULL, OPT_ARCH },
	{ "no-decode", no_argument, NULL, OPT_NO_DECODE },
	{ "output", required_argument, NULL, 'o' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

static enum graph_format parse_format(const char *s)
{
	if (!strcmp(s, "text"))
		return GRAPH_TEXT;
	if (!strcmp(s, "json"))
		return GRAPH_JSON;
	if (!strcmp(s, "dot"))
		return GRAPH_DOT;
	usage_error("unknown format '%s' (text, json or dot)", s);
}

static uint32_t parse_depth(const char *s)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (!*s || *end || *s == '-' || errno || v >= GRAPH_DEPTH_ALL)
		usage_error("invalid depth '%s'", s);
	return (uint32_t)v;
}

static void set_query(struct options *o, enum query q)
{
	if (o->query != Q_GRAPH && o->query != q)
		usage_error("--callers, --callees, --undefined and --cycles exclude each other");
	o->query = q;
}

static void add_sym(struct options *o, const char *sym)
{
	const char **v = realloc(o->syms, (o->nr_syms + 1) * sizeof(*v));

	if (!v)
		die("out of memory");
	o->syms = v;
	o->syms[o->nr_syms++] = sym;
}

static void parse_options(int argc, char **argv, struct options *o)
{
	int c;

	argv[0] = (char *)tool_name();	/* getopt's messages start with it */
	while ((c = getopt_long(argc, argv, "f:d:uco:hV", long_options, NULL)) != -1) {
		switch (c) {
		case 'f': o->format = parse_format(optarg); break;
		case OPT_CALLERS: set_query(o, Q_CALLERS); add_sym(o, optarg); break;
		case OPT_CALLEES: set_query(o, Q_CALLEES); add_sym(o, optarg); break;
		case 'd': o->depth = parse_depth(optarg); o->depth_set = true; break;
		case 'u': set_query(o, Q_UNDEFINED); break;
		case 'c': set_query(o, Q_CYCLES); break;
		case OPT_ARCH: o->graph.arch = optarg; break;
		case OPT_NO_DECODE: o->graph.no_decode = true; break;
		case 'o': o->output = optarg; break;
		case 'h': tool_help(usage);
		case 'V': tool_version();
		default:
			fprintf(stderr, "Try 'symgraph --help' for more information.\n");
			exit(EXIT_TROUBLE);
		}
	}
	if (o->depth_set && o->query != Q_CALLERS && o->query != Q_CALLEES)
		usage_error("--depth needs --callers or --callees");
	if (optind >= argc)
		usage_error("no input files");
}

static int add_input(struct graph *g, const char *path, const struct graph_opts *opts,
		     struct ipbp_err *err)
{
	void *data;
	size_t size;

	if (strcmp(path, "-"))
		return graph_add_file(g, path, opts, err);
	if (tool_read_all(stdin, "-", &data, &size) < 0)
		return ipbp_error(err, "-: cannot read standard input");
	return graph_add_buffer(g, "-", data, size, opts, err);
}

/* What a query found, before anything is written. */
struct answer {
	struct graph_set set;
	struct graph_cycles cycles;
};

static int run_query(struct graph *g, const struct options *o, struct answer *a,
		     struct ipbp_err *err)
{
	enum graph_dir dir = o->query == Q_CALLERS ? GRAPH_CALLERS : GRAPH_CALLEES;

	switch (o->query) {
	case Q_CYCLES:
		return graph_find_cycles(g, &a->cycles, err);
	case Q_CALLERS:
	case Q_CALLEES:
		return graph_reach_names(g, o->syms, o->nr_syms, dir,
					 o->depth_set ? o->depth : GRAPH_DEPTH_ALL,
					 &a->set, err);
	default:
		return 0;
	}
}

static int write_answer(struct graph *g, const struct options *o,
			const struct answer *a, FILE *f, struct ipbp_err *err)
{
	switch (o->query) {
	case Q_UNDEFINED:
		return graph_write_undefined(g, o->format, f, err);
	case Q_CYCLES:
		return graph_write_cycles(g, &a->cycles, o->format, f, err);
	case Q_CALLERS:
	case Q_CALLEES:
		return graph_write(g, &a->set, o->format, f, err);
	default:
		return graph_write(g, NULL, o->format, f, err);
	}
}

int main(int argc, char **argv)
{
	struct options o = { .format = GRAPH_TEXT };
	struct answer a = { 0 };
	struct tool_output out;
	struct ipbp_err err;
	struct graph *g;

	tool_init("symgraph");
	parse_options(argc, argv, &o);
	if (!(g = graph_new()))
		die("out of memory");

	/* Load every input, then build the graph over all of them. */
	for (int i = optind; i < argc; i++)
		if (add_input(g, argv[i], &o.graph, &err) < 0)
			die("%s", err.msg);
	if (graph_build(g, &err) < 0)
		die("%s", err.msg);
	for (size_t i = 0; i < g->nr_warnings; i++)
		warning("%s", g->warnings[i]);

	/* Query, then write: the output is replaced only on success. */
	if (run_query(g, &o, &a, &err) < 0)
		die("%s", err.msg);
	if (tool_output_open(&out, o.output) < 0)
		exit(EXIT_TROUBLE);
	if (write_answer(g, &o, &a, out.f, &err) < 0) {
		error("%s: %s", o.output ? o.output : "standard output", err.msg);
		tool_output_abort(&out);
		exit(EXIT_TROUBLE);
	}
	if (tool_output_commit(&out) < 0)
		exit(EXIT_TROUBLE);
	graph_set_release(&a.set);
	graph_cycles_release(&a.cycles);
	graph_free(g);
	free(o.syms);
	return EXIT_SAME;
}
