// SPDX-License-Identifier: MIT
/*
 * patchload - apply a patch to a running process, list what is applied,
 * revert it.  The work lives in libpatchpkg (patchload.h).
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "common/tool.h"
#include "patchload.h"

static const char usage[] =
	"Usage: patchload -p PID [OPTION]... PATCH\n"
	"  or:  patchload -p PID --list [-C|--format=json]\n"
	"  or:  patchload -p PID --revert[=all|N]\n"
	"Apply a patch built by mkpatch to the running process PID: its functions are\n"
	"replaced while it runs and keeps its state.  All or nothing.\n"
	"\n"
	"  -p, --pid=PID         the process to patch\n"
	"  -n, --dry-run         resolve and verify everything, change nothing\n"
	"  -l, --list            list the patches applied to PID, oldest first\n"
	"      --format=FMT      with --list: text (default) or json\n"
	"  -C, --demangle        with --list: end the lines of C++ names with\n"
	"                        \"# ns::f(int)\" (text)\n"
	"      --revert[=WHAT]   undo the newest patch; WHAT=all undoes every patch,\n"
	"                        WHAT=N the one numbered N\n"
	"      --stats           print how long each step took and how long the\n"
	"                        process was stopped\n"
	"      --debug-dir=DIR   look for separate debug files of stripped modules\n"
	"                        under DIR/.build-id (default /usr/lib/debug)\n"
	"      --tries=N         stop the process at most N times waiting for threads\n"
	"                        to leave the code being rewritten (default 200)\n"
	"  -q, --quiet           print nothing on success\n"
	"  -h, --help            print this help and exit\n"
	"  -V, --version         print the version and exit\n"
	"\n"
	"  patchload -p \"$(pidof app)\" p.so\n"
	"Exit status: 0 done, 2 trouble or refused (nothing changed).  See patchload(1).\n";

enum action { APPLY, LIST, REVERT };

struct options {
	pid_t pid;
	enum action action;
	enum patchload_revert revert;
	uint64_t seq;
	const char *patch;
	bool stats, quiet, json, demangle;
	struct patchload_opts load;
};

enum { OPT_REVERT = 256, OPT_STATS, OPT_TRIES, OPT_FORMAT, OPT_DEBUG_DIR };

static const struct option long_options[] = {
	{ "pid", required_argument, NULL, 'p' },
	{ "dry-run", no_argument, NULL, 'n' },
	{ "list", no_argument, NULL, 'l' },
	{ "demangle", no_argument, NULL, 'C' },
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "revert", optional_argument, NULL, OPT_REVERT },
	{ "stats", no_argument, NULL, OPT_STATS },
	{ "tries", required_argument, NULL, OPT_TRIES },
	{ "debug-dir", required_argument, NULL, OPT_DEBUG_DIR },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

static uint64_t parse_number(const char *s, const char *what, uint64_t max)
{
	char *end;
	unsigned long long v;

	if (!*s || *s == '-')
		usage_error("invalid %s '%s'", what, s);
	v = strtoull(s, &end, 10);
	if (*end || v == 0 || v > max)
		usage_error("invalid %s '%s'", what, s);
	return v;
}

static void parse_revert(struct options *o, const char *arg)
{
	o->action = REVERT;
	if (!arg) {
		o->revert = REVERT_NEWEST;
	} else if (!strcmp(arg, "all")) {
		o->revert = REVERT_ALL;
	} else {
		o->revert = REVERT_SEQ;
		o->seq = parse_number(arg[0] == '#' ? arg + 1 : arg, "patch number", UINT64_MAX);
	}
}

static void parse_options(int argc, char **argv, struct options *o)
{
	int c;

	argv[0] = (char *)tool_name();
	while ((c = getopt_long(argc, argv, "p:nlCqhV", long_options, NULL)) != -1) {
		switch (c) {
		case 'p': o->pid = (pid_t)parse_number(optarg, "process id", INT32_MAX); break;
		case 'n': o->load.dry_run = true; break;
		case 'l': o->action = LIST; break;
		case 'C': o->demangle = true; break;
		case OPT_FORMAT:
			if (strcmp(optarg, "json") && strcmp(optarg, "text"))
				usage_error("invalid format '%s' (text or json)", optarg);
			o->json = !strcmp(optarg, "json");
			break;
		case OPT_REVERT: parse_revert(o, optarg); break;
		case OPT_STATS: o->stats = true; break;
		case OPT_DEBUG_DIR: o->load.debug_dir = optarg; break;
		case OPT_TRIES: o->load.tries = (unsigned)parse_number(optarg, "count", 100000); break;
		case 'q': o->quiet = true; break;
		case 'h': tool_help(usage);
		case 'V': tool_version();
		default:
			fprintf(stderr, "Try 'patchload --help' for more information.\n");
			exit(EXIT_TROUBLE);
		}
	}
	if (!o->pid)
		usage_error("missing -p PID");
	if (o->demangle && (o->action != LIST || o->json))
		usage_error("--demangle needs --list and text format");
	if (o->action == APPLY) {
		if (optind == argc)
			usage_error("missing PATCH");
		o->patch = argv[optind++];
	}
	if (optind < argc)
		usage_error("extra operand '%s'", argv[optind]);
}

/* ---- output ---------------------------------------------------------- */

static void print_functions(FILE *f, const struct ledger *rec)
{
	const struct manifest *m = rec->manifest;
	const char *sep = "";

	size_t added = 0;

	for (size_t i = 0; i < m->nr_funcs; i++, sep = " ")
		fprintf(f, "%s%s", sep, m->funcs[i].name);
	for (size_t i = 0; i < m->nr_added; i++)
		added += !manifest_added_is_copy(&m->added[i]);
	if (added)
		fprintf(f, "%s(+%zu added)", sep, added);
}

static void print_stats(const struct patchload_stats *st)
{
	fprintf(stderr, "%s: ", tool_name());
	for (unsigned i = 0; i < st->nr_steps; i++)
		fprintf(stderr, "%s %.3f ms%s", st->steps[i].name, st->steps[i].ns / 1e6,
			i + 1 < st->nr_steps ? ", " : "; ");
	fprintf(stderr, "total %.3f ms; process stopped %.3f ms (%zu thread%s, %u stop%s; "
		"%.3f ms from the first thread stopped to the last resumed)\n",
		st->total_ns / 1e6, st->stopped_ns / 1e6, st->threads,
		st->threads == 1 ? "" : "s", st->stops, st->stops == 1 ? "" : "s",
		st->stopping_ns / 1e6);
}

static int do_list(const struct options *o)
{
	struct ledger **list;
	struct ipbp_err err;
	size_t nr;

	if (patchload_list(o->pid, &list, &nr, &err) < 0)
		die("%s", err.msg);
	if (o->json)
		printf("{\"patchload\":1,\"pid\":%d,\"patches\":[", (int)o->pid);
	for (size_t i = 0; i < nr; i++) {
		if (o->json) {
			printf("%s", i ? "," : "");
			ledger_write_json(stdout, list[i]);
		} else {
			ledger_write_text(stdout, list[i], o->demangle ? LEDGER_TEXT_DEMANGLE : 0);
		}
	}
	if (o->json)
		printf("]}\n");
	ledger_free_list(list, nr);
	return EXIT_SUCCESS;
}

static int do_apply(const struct options *o)
{
	struct patchload_stats st;
	struct ledger *rec;
	struct ipbp_err err;
	int ret = patchload_apply(o->pid, o->patch, &o->load, &rec, &st, &err);

	if (o->stats)
		print_stats(&st);
	if (ret < 0)
		die("%s", err.msg);
	if (!o->quiet) {
		printf("%s #%" PRIu64 " %s to process %d: ", o->load.dry_run ? "would apply" : "applied",
		       rec->seq, rec->name, (int)o->pid);
		print_functions(stdout, rec);
		putchar('\n');
	}
	ledger_free(rec);
	return EXIT_SUCCESS;
}

static int do_revert(const struct options *o)
{
	struct patchload_stats st;
	struct ledger **list;
	struct ipbp_err err;
	size_t nr;
	int ret = patchload_revert(o->pid, o->revert, o->seq, &o->load, &list, &nr, &st, &err);

	if (o->stats)
		print_stats(&st);
	if (ret < 0)
		die("%s", err.msg);
	for (size_t i = 0; i < nr && !o->quiet; i++) {
		printf("%s #%" PRIu64 " %s in process %d: ", o->load.dry_run ? "would revert" :
		       "reverted", list[i]->seq, list[i]->name, (int)o->pid);
		print_functions(stdout, list[i]);
		printf("%s\n", list[i]->state == LEDGER_REVERTED ?
		       " (its code stays mapped while a thread still runs it)" : "");
	}
	ledger_free_list(list, nr);
	return EXIT_SUCCESS;
}

int main(int argc, char **argv)
{
	struct options o = { 0 };

	tool_init("patchload");
	parse_options(argc, argv, &o);
	switch (o.action) {
	case LIST:
		return do_list(&o);
	case REVERT:
		return do_revert(&o);
	default:
		return do_apply(&o);
	}
}
