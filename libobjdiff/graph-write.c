// SPDX-License-Identifier: MIT
/*
 * graph-write.c - the symbol graph as text, JSON and Graphviz DOT, in the
 * formats doc/symgraph.1 documents.  Writers take any FILE *, so that
 * other programs print the same graphs symgraph prints.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "graph.h"

/* ---- escaping -------------------------------------------------------------- */

/* Inside a DOT quoted string: quote and backslash escaped; controls and
 * invalid UTF-8 shown as the text \xNN. */
static void put_dot_raw(FILE *f, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		int n;

		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f)
			fprintf(f, "\\\\x%02x", *p);
		else if (*p < 0x80)
			putc(*p, f);
		else if ((n = utf8_seq_len(p)) > 0) {
			fwrite(p, 1, (size_t)n, f);
			p += n - 1;
		} else
			fprintf(f, "\\\\x%02x", *p);
	}
}

static void put_dot(FILE *f, const char *s)
{
	putc('"', f);
	put_dot_raw(f, s);
	putc('"', f);
}

/* ---- helpers -------------------------------------------------------------- */

static bool in_set(const struct graph_set *set, uint32_t node)
{
	return !set || set->member[node];
}

/* An edge is written when both ends are in the set (and, for cycles, in
 * the same component). */
static bool want_edge(const struct graph_set *set, const uint32_t *comp,
		      const struct graph_edge *e)
{
	if (!in_set(set, e->from) || !in_set(set, e->to))
		return false;
	return !comp || comp[e->from] == comp[e->to];
}

static const char *input_name(const struct graph *g, const struct graph_node *n)
{
	return n->input == GRAPH_NONE ? NULL : g->inputs[n->input].name;
}

static int finish(FILE *f, struct ipbp_err *err)
{
	if (fflush(f) != 0 || ferror(f))
		return ipbp_error(err, "write error: %s", strerror(errno ? errno : EIO));
	return 0;
}

/* ---- text -------------------------------------------------------------------- */

static void text_node(const struct graph *g, const struct graph_node *n,
		      const struct graph_set *set, const uint32_t *comp, FILE *f)
{
	const struct graph_edge *e;
	const char *input = input_name(g, n);

	text_put_name(f, n->name);
	fprintf(f, " %s %s ", symbol_kind_name(n->kind), symbol_bind_name(n->bind));
	if (input)
		text_put_name(f, input);
	else
		fputs("*UND*", f);
	putc('\n', f);
	for_each_out_edge(g, n, e) {
		if (!want_edge(set, comp, e))
			continue;
		fputs("  -> ", f);
		text_put_name(f, g->nodes[e->to].name);
		fprintf(f, " (%" PRIu64 ")\n", e->count);
	}
}

static void text_graph(const struct graph *g, const struct graph_set *set, FILE *f)
{
	const struct graph_node *n;

	for_each_node(g, n)
		if (in_set(set, n->index))
			text_node(g, n, set, NULL, f);
}

/* ---- JSON -------------------------------------------------------------------- */

static void json_node(const struct graph *g, const struct graph_node *n, FILE *f)
{
	fputs("{\"name\":", f);
	json_put_string(f, n->name);
	fprintf(f, ",\"kind\":\"%s\",\"binding\":\"%s\",\"section\":",
		symbol_kind_name(n->kind), symbol_bind_name(n->bind));
	json_put_string(f, n->section);
	fprintf(f, ",\"size\":%" PRIu64 ",\"defined\":%s,\"input\":", n->size,
		n->defined ? "true" : "false");
	json_put_string(f, input_name(g, n));
	putc('}', f);
}

/* Writes "nodes" and "edges"; out[] receives each node's JSON index. */
static void json_body(const struct graph *g, const struct graph_set *set,
		      const uint32_t *comp, uint32_t *out, FILE *f)
{
	const struct graph_node *n;
	const struct graph_edge *e;
	uint32_t nr = 0;
	bool first = true;

	fputs("{\"symgraph\":1,\"nodes\":[", f);
	for_each_node(g, n) {
		if (!in_set(set, n->index))
			continue;
		out[n->index] = nr++;
		fputs(nr > 1 ? ",\n" : "\n", f);
		json_node(g, n, f);
	}
	fputs("\n],\"edges\":[", f);
	for_each_node(g, n) {
		if (!in_set(set, n->index))
			continue;
		for_each_out_edge(g, n, e) {
			if (!want_edge(set, comp, e))
				continue;
			fprintf(f, "%s{\"from\":%" PRIu32 ",\"to\":%" PRIu32 ",\"count\":%" PRIu64 "}",
				first ? "\n" : ",\n", out[e->from], out[e->to], e->count);
			first = false;
		}
	}
	fputs("\n]", f);
}

/* ---- DOT ---------------------------------------------------------------------- */

static const char *dot_shape(const struct graph_node *n)
{
	switch (n->kind) {
	case SYMK_SECTION:
		return "folder";
	case SYMK_DATA:
	case SYMK_TLS:
		return "box";
	default:
		return "ellipse";
	}
}

static void dot_node(const struct graph *g, const struct graph_node *n,
		     bool nested, FILE *f)
{
	const char *input = input_name(g, n);

	fprintf(f, "%sn%" PRIu32 " [label=", nested ? "\t\t" : "\t", n->index);
	put_dot(f, n->name);
	fprintf(f, ", shape=%s", dot_shape(n));
	if (!n->defined)
		fputs(", style=dashed", f);
	else if (n->bind == BIND_LOCAL)
		fputs(", style=filled, fillcolor=\"#eeeeee\"", f);
	fprintf(f, ", tooltip=\"%s %s%s", symbol_kind_name(n->kind),
		symbol_bind_name(n->bind), input ? " in " : " undefined");
	if (input)
		put_dot_raw(f, input);
	fputs("\"];\n", f);
}

/*
 * Nodes, in one cluster per input, or per cycle when comp is set; order
 * lists the nodes so that each cluster's members are contiguous.
 */
static void dot_nodes(const struct graph *g, const uint32_t *order, size_t nr,
		      const uint32_t *comp, FILE *f)
{
	uint32_t group = GRAPH_NONE;
	bool open = false;

	for (size_t i = 0; i < nr; i++) {
		const struct graph_node *n = &g->nodes[order[i]];
		uint32_t ng = comp ? comp[n->index] : n->input;

		if (i == 0 || ng != group) {
			if (open)
				fputs("\t}\n", f);
			open = ng != GRAPH_NONE;
			group = ng;
			if (open && comp)
				fprintf(f, "\tsubgraph cluster_%" PRIu32 " {\n\t\tlabel=\"cycle %" PRIu32 "\";\n",
					ng, ng + 1);
			else if (open) {
				fprintf(f, "\tsubgraph cluster_%" PRIu32 " {\n\t\tlabel=", ng);
				put_dot(f, g->inputs[ng].name);
				fputs(";\n", f);
			}
		}
		dot_node(g, n, open, f);
	}
	if (open)
		fputs("\t}\n", f);
}

static void dot_edges(const struct graph *g, const uint32_t *order, size_t nr,
		      const struct graph_set *set, const uint32_t *comp, FILE *f)
{
	const struct graph_edge *e;

	for (size_t i = 0; i < nr; i++) {
		const struct graph_node *n = &g->nodes[order[i]];

		for_each_out_edge(g, n, e) {
			if (!want_edge(set, comp, e))
				continue;
			fprintf(f, "\tn%" PRIu32 " -> n%" PRIu32, e->from, e->to);
			if (e->count > 1)
				fprintf(f, " [label=\"%" PRIu64 "\"]", e->count);
			fputs(";\n", f);
		}
	}
}

static void dot_graph(const struct graph *g, const uint32_t *order, size_t nr,
		      const struct graph_set *set, const uint32_t *comp, FILE *f)
{
	fputs("digraph symgraph {\n\trankdir=LR;\n\tnode [fontname=\"monospace\"];\n", f);
	dot_nodes(g, order, nr, comp, f);
	dot_edges(g, order, nr, set, comp, f);
	fputs("}\n", f);
}

/* The nodes of set (all when NULL) in node order; NULL on out of memory. */
static uint32_t *set_order(const struct graph *g, const struct graph_set *set, size_t *nr)
{
	uint32_t *order = malloc((g->nr_nodes + 1) * sizeof(*order));

	*nr = 0;
	if (!order)
		return NULL;
	for (uint32_t i = 0; i < g->nr_nodes; i++)
		if (in_set(set, i))
			order[(*nr)++] = i;
	return order;
}

/* ---- entry points ---------------------------------------------------------- */

int graph_write(const struct graph *g, const struct graph_set *set,
		enum graph_format fmt, FILE *f, struct ipbp_err *err)
{
	uint32_t *out;
	size_t nr;

	switch (fmt) {
	case GRAPH_TEXT:
		text_graph(g, set, f);
		break;
	case GRAPH_DOT:
		if (!(out = set_order(g, set, &nr)))
			return ipbp_error(err, "out of memory");
		dot_graph(g, out, nr, set, NULL, f);
		free(out);
		break;
	case GRAPH_JSON:
		if (!(out = malloc((g->nr_nodes + 1) * sizeof(*out))))
			return ipbp_error(err, "out of memory");
		json_body(g, set, NULL, out, f);
		fputs("}\n", f);
		free(out);
		break;
	}
	return finish(f, err);
}

/* ---- undefined symbols ------------------------------------------------------ */

static void json_inputs(const struct graph *g, const uint32_t *v, size_t nr, FILE *f)
{
	putc('[', f);
	for (size_t i = 0; i < nr; i++) {
		if (i)
			putc(',', f);
		json_put_string(f, g->inputs[v[i]].name);
	}
	putc(']', f);
}

static void text_undefined(const struct graph *g, FILE *f)
{
	for (size_t i = 0; i < g->nr_undefs; i++) {
		const struct graph_undef *u = &g->undefs[i];

		text_put_name(f, u->name);
		fputs(" <-", f);
		for (size_t j = 0; j < u->nr_refs; j++) {
			putc(' ', f);
			text_put_name(f, g->inputs[u->refs[j]].name);
		}
		fputs(" ->", f);
		if (!u->nr_defs)
			fputs(" unresolved", f);
		for (size_t j = 0; j < u->nr_defs; j++) {
			putc(' ', f);
			text_put_name(f, g->inputs[u->defs[j]].name);
		}
		putc('\n', f);
	}
}

static void json_undefined(const struct graph *g, FILE *f)
{
	fputs("{\"symgraph\":1,\"undefined\":[", f);
	for (size_t i = 0; i < g->nr_undefs; i++) {
		const struct graph_undef *u = &g->undefs[i];

		fputs(i ? ",\n{\"name\":" : "\n{\"name\":", f);
		json_put_string(f, u->name);
		fputs(",\"referenced_by\":", f);
		json_inputs(g, u->refs, u->nr_refs, f);
		fputs(",\"defined_in\":", f);
		json_inputs(g, u->defs, u->nr_defs, f);
		fprintf(f, ",\"resolved\":%s}", u->nr_defs ? "true" : "false");
	}
	fputs("\n]}\n", f);
}

/* Inputs as boxes, symbols as ellipses: referrer -> symbol -> definer. */
static void dot_undefined(const struct graph *g, FILE *f)
{
	uint8_t *used = calloc(g->nr_inputs + 1, 1);

	fputs("digraph undefined {\n\trankdir=LR;\n\tnode [fontname=\"monospace\"];\n", f);
	for (size_t i = 0; i < g->nr_undefs; i++) {
		const struct graph_undef *u = &g->undefs[i];

		fprintf(f, "\ts%zu [label=", i);
		put_dot(f, u->name);
		fputs(u->nr_defs ? "];\n" : ", color=red, fontcolor=red, tooltip=\"unresolved\"];\n", f);
		for (size_t j = 0; j < u->nr_refs; j++) {
			fprintf(f, "\ti%" PRIu32 " -> s%zu;\n", u->refs[j], i);
			if (used)
				used[u->refs[j]] = 1;
		}
		for (size_t j = 0; j < u->nr_defs; j++) {
			fprintf(f, "\ts%zu -> i%" PRIu32 " [style=dashed];\n", i, u->defs[j]);
			if (used)
				used[u->defs[j]] = 1;
		}
	}
	for (size_t i = 0; i < g->nr_inputs; i++) {
		if (used && !used[i])
			continue;
		fprintf(f, "\ti%zu [shape=box, label=", i);
		put_dot(f, g->inputs[i].name);
		fputs("];\n", f);
	}
	fputs("}\n", f);
	free(used);
}

int graph_write_undefined(const struct graph *g, enum graph_format fmt, FILE *f,
			  struct ipbp_err *err)
{
	switch (fmt) {
	case GRAPH_TEXT:
		text_undefined(g, f);
		break;
	case GRAPH_JSON:
		json_undefined(g, f);
		break;
	case GRAPH_DOT:
		dot_undefined(g, f);
		break;
	}
	return finish(f, err);
}

/* ---- cycles ---------------------------------------------------------------------- */

static void text_cycles(const struct graph *g, const struct graph_cycles *c,
			const struct graph_set *set, const uint32_t *comp, FILE *f)
{
	for (size_t k = 0; k < c->nr; k++) {
		if (k)
			putc('\n', f);
		for (size_t i = c->start[k]; i < c->start[k + 1]; i++)
			text_node(g, &g->nodes[c->nodes[i]], set, comp, f);
	}
}

static void json_cycles(const struct graph *g, const struct graph_cycles *c,
			const struct graph_set *set, const uint32_t *comp,
			uint32_t *out, FILE *f)
{
	json_body(g, set, comp, out, f);
	fputs(",\"cycles\":[", f);
	for (size_t k = 0; k < c->nr; k++) {
		fputs(k ? ",\n[" : "\n[", f);
		for (size_t i = c->start[k]; i < c->start[k + 1]; i++)
			fprintf(f, "%s%" PRIu32, i > c->start[k] ? "," : "", out[c->nodes[i]]);
		putc(']', f);
	}
	fputs("\n]}\n", f);
}

int graph_write_cycles(const struct graph *g, const struct graph_cycles *c,
		       enum graph_format fmt, FILE *f, struct ipbp_err *err)
{
	size_t n = g->nr_nodes + 1;
	struct graph_set set = { .member = calloc(n, 1) };
	uint32_t *comp = malloc(n * sizeof(*comp));
	uint32_t *out = malloc(n * sizeof(*out));
	int ret;

	if (!set.member || !comp || !out) {
		ret = ipbp_error(err, "out of memory");
		goto out;
	}
	for (size_t k = 0; k < c->nr; k++) {
		for (size_t i = c->start[k]; i < c->start[k + 1]; i++) {
			set.member[c->nodes[i]] = 1;
			comp[c->nodes[i]] = (uint32_t)k;
		}
	}
	switch (fmt) {
	case GRAPH_TEXT:
		text_cycles(g, c, &set, comp, f);
		break;
	case GRAPH_JSON:
		json_cycles(g, c, &set, comp, out, f);
		break;
	case GRAPH_DOT:
		dot_graph(g, c->nodes, c->start[c->nr], &set, comp, f);
		break;
	}
	ret = finish(f, err);
out:
	free(set.member);
	free(comp);
	free(out);
	return ret;
}
