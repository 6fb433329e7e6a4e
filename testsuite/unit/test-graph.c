// SPDX-License-Identifier: MIT
/*
 * test-graph - the dependency graph library (libobjdiff/graph.h) used the
 * way a program would: objects added with graph_add_obj(), queries
 * (graph_affected, graph_reach, cycles) checked node by node, and the
 * writers' escaping of names no C compiler produces.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph.h"
#include "unit.h"

static const char chain_src[] =
	"int sink;\n"
	"static __attribute__((noinline)) int d(int x) { return x + sink; }\n"
	"__attribute__((noinline)) int c(int x) { return d(x) * 2; }\n"
	"__attribute__((noinline)) int b(int x) { return c(x) + 1; }\n"
	"int a(int x) { return b(x) - c(x); }\n"
	"int lonely(void) { return 7; }\n"
	"int ping(int n);\n"
	"int pong(int n) { return n ? ping(n - 1) : 0; }\n"
	"int ping(int n) { return n ? pong(n - 1) : 1; }\n";

struct fixture {
	struct objfile *file;
	struct graph *g;
};

static void build(struct fixture *fx, const char *flags, const char *src)
{
	const char *path = unit_compile("x86_64-linux-gnu", flags, src);
	struct ipbp_err err;
	struct obj *obj;

	fx->file = unit_open(path, NULL);
	fx->g = graph_new();
	ck_assert(fx->g != NULL);
	for_each_obj(fx->file, obj) {
		ck_assert_msg(graph_add_obj(fx->g, obj, &err) == 0, "%s", err.msg);
	}
	ck_assert_msg(graph_build(fx->g, &err) == 0, "%s", err.msg);
}

static void release(struct fixture *fx)
{
	graph_free(fx->g);
	objfile_free(fx->file);
}

static uint32_t node(const struct graph *g, const char *name)
{
	uint32_t i = graph_find_node(g, name);

	ck_assert_msg(i != GRAPH_NONE, "no node %s", name);
	return i;
}

/* The names of a set, sorted and joined by spaces. */
static char *set_names(const struct graph *g, const struct graph_set *set)
{
	static char buf[1024];

	buf[0] = 0;
	for (uint32_t i = 0; i < g->nr_nodes; i++) {
		if (!set->member[i])
			continue;
		if (buf[0])
			strcat(buf, " ");
		strcat(buf, g->nodes[i].name);
	}
	return buf;
}

START_TEST(test_nodes_and_edges)
{
	struct fixture fx;
	const struct graph_edge *e;
	const struct graph_node *n;
	uint32_t c, d;
	int edges_to_c = 0;

	build(&fx, "-O1", chain_src);
	c = node(fx.g, "c");
	d = node(fx.g, "d");
	ck_assert(fx.g->nodes[d].bind == BIND_LOCAL);
	ck_assert(fx.g->nodes[c].kind == SYMK_FUNC);
	ck_assert_str_eq(fx.g->nodes[c].section, ".text");
	ck_assert_uint_eq(fx.g->nodes[c].name_next, GRAPH_NONE);
	/* c -> d is a decoded reference (obj_decode_references was not
	 * called here: graph_add_obj takes the model as it is). */
	n = &fx.g->nodes[c];
	for_each_out_edge(fx.g, n, e)
		ck_assert_uint_ne(e->to, d);
	n = &fx.g->nodes[c];
	for_each_in_edge(fx.g, n, e) {
		ck_assert_uint_eq(e->to, c);
		edges_to_c++;
	}
	ck_assert_int_eq(edges_to_c, 2);	/* from a and b */
	/* Edges sorted by (from, to). */
	for (size_t i = 1; i < fx.g->nr_edges; i++) {
		const struct graph_edge *p = &fx.g->edges[i - 1], *q = &fx.g->edges[i];

		ck_assert(p->from < q->from || (p->from == q->from && p->to < q->to));
	}
	release(&fx);
}
END_TEST

START_TEST(test_affected)
{
	const char *names[] = { "sink", "not-there" };
	struct graph_set set;
	struct ipbp_err err;
	struct fixture fx;

	build(&fx, "-O1 -ffunction-sections", chain_src);
	ck_assert(graph_affected(fx.g, names, 2, &set, &err) == 0);
	ck_assert_str_eq(set_names(fx.g, &set), "d c sink b a");
	ck_assert_uint_eq(set.depth[0], 0);
	graph_set_release(&set);

	/* callees of a, one step */
	ck_assert(graph_reach_names(fx.g, (const char *[]){ "a" }, 1, GRAPH_CALLEES, 1,
				    &set, &err) == 0);
	ck_assert_str_eq(set_names(fx.g, &set), "c b a");
	graph_set_release(&set);

	ck_assert(graph_reach_names(fx.g, (const char *[]){ "nope" }, 1, GRAPH_CALLERS,
				    GRAPH_DEPTH_ALL, &set, &err) < 0);
	ck_assert_str_eq(err.msg, "nope: no such symbol in the inputs");
	release(&fx);
}
END_TEST

START_TEST(test_cycles)
{
	struct graph_cycles cy;
	struct ipbp_err err;
	struct fixture fx;

	build(&fx, "-O0", chain_src);
	ck_assert(graph_find_cycles(fx.g, &cy, &err) == 0);
	ck_assert_uint_eq(cy.nr, 1);
	ck_assert_uint_eq(cy.start[1] - cy.start[0], 2);
	ck_assert_str_eq(fx.g->nodes[cy.nodes[0]].name, "pong");
	ck_assert_str_eq(fx.g->nodes[cy.nodes[1]].name, "ping");
	graph_cycles_release(&cy);
	release(&fx);
}
END_TEST

/*
 * Names with a blank, a quote, backslashes, UTF-8 and a stray byte (the
 * assembler keeps the backslashes of its quoted names).
 */
#define FN(name, callee) \
	"\t.globl " name "\n\t.type " name ",@function\n" name ":\n" \
	"\tcall " callee "\n\tret\n\t.size " name ", .-" name "\n"
static const char weird_src[] =
	"\t.text\n"
	FN("\"a b\"", "\"q\\\"x\"")
	FN("\"q\\\"x\"", "\"back\\\\slash\"")
	FN("\"back\\\\slash\"", "\"caf\303\251\"")
	FN("\"caf\303\251\"", "\"bad\377\"")
	FN("\"bad\377\"", "\"a b\"");

static char *write_to_string(const struct graph *g, enum graph_format fmt)
{
	struct ipbp_err err;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ck_assert(f != NULL);
	ck_assert_msg(graph_write(g, NULL, fmt, f, &err) == 0, "%s", err.msg);
	fclose(f);
	return buf;
}

START_TEST(test_escaping)
{
	struct fixture fx;
	char *text, *json, *dot;

	build(&fx, "-x assembler", weird_src);
	text = write_to_string(fx.g, GRAPH_TEXT);
	json = write_to_string(fx.g, GRAPH_JSON);
	dot = write_to_string(fx.g, GRAPH_DOT);

	/* text: blanks and backslashes as \xNN, the rest as is */
	ck_assert_msg(strstr(text, "a\\x20b func global ") != NULL, "%s", text);
	ck_assert_msg(strstr(text, "  -> q\\x5c\"x (1)\n") != NULL, "%s", text);
	ck_assert_msg(strstr(text, "back\\x5c\\x5cslash func") != NULL, "%s", text);
	ck_assert_msg(strstr(text, "caf\303\251 func") != NULL, "%s", text);
	ck_assert_msg(strstr(text, "bad\377 func") != NULL, "%s", text);

	/* JSON: quote and backslash escaped, invalid UTF-8 as \u00NN */
	ck_assert_msg(strstr(json, "\"name\":\"a b\"") != NULL, "%s", json);
	ck_assert_msg(strstr(json, "\"name\":\"q\\\\\\\"x\"") != NULL, "%s", json);
	ck_assert_msg(strstr(json, "\"name\":\"back\\\\\\\\slash\"") != NULL, "%s", json);
	ck_assert_msg(strstr(json, "\"name\":\"caf\303\251\"") != NULL, "%s", json);
	ck_assert_msg(strstr(json, "\"name\":\"bad\\u00ff\"") != NULL, "%s", json);

	/* DOT: quote and backslash escaped, invalid UTF-8 shown as \xNN */
	ck_assert_msg(strstr(dot, "label=\"q\\\\\\\"x\"") != NULL, "%s", dot);
	ck_assert_msg(strstr(dot, "label=\"back\\\\\\\\slash\"") != NULL, "%s", dot);
	ck_assert_msg(strstr(dot, "label=\"bad\\\\xff\"") != NULL, "%s", dot);
	free(text);
	free(json);
	free(dot);
	release(&fx);
}
END_TEST

static Suite *graph_suite(void)
{
	Suite *s = suite_create("graph");
	TCase *tc = tcase_create("graph");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_nodes_and_edges);
	tcase_add_test(tc, test_affected);
	tcase_add_test(tc, test_cycles);
	tcase_add_test(tc, test_escaping);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(graph_suite)
