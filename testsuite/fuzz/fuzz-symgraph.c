/* SPDX-License-Identifier: MIT */
/*
 * fuzz-symgraph.c - libFuzzer target over what `symgraph FILE` does: read
 * the input (any format, archives, universal files) into a dependency
 * graph, build it, run every query on it and write every output format.
 * fuzz-objfile covers the readers in depth; this target covers the
 * graph code on the models the readers accept from mutated inputs.
 *
 * The last input byte chooses the output format and whether instruction
 * decoding runs (as fuzz-objfile does, so that the corpus stays plain
 * files).  The corpus is the objfile corpus (corpus/symgraph is a
 * symbolic link to it).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void run_queries(struct graph *g, enum graph_format fmt, FILE *out)
{
	struct ipbp_err err = { "" };
	struct graph_cycles cycles;
	struct graph_set set;
	uint32_t start = 0;

	graph_write(g, NULL, fmt, out, &err);
	graph_write_undefined(g, fmt, out, &err);
	if (graph_find_cycles(g, &cycles, &err) == 0) {
		graph_write_cycles(g, &cycles, fmt, out, &err);
		graph_cycles_release(&cycles);
	}
	if (!g->nr_nodes)
		return;
	/* From the first and the last node, both ways, depth-limited and not. */
	for (int k = 0; k < 4; k++) {
		start = (k & 1) ? (uint32_t)(g->nr_nodes - 1) : 0;
		if (graph_reach(g, &start, 1, (k & 2) ? GRAPH_CALLERS : GRAPH_CALLEES,
				(k & 1) ? 2 : GRAPH_DEPTH_ALL, &set, &err) == 0) {
			graph_write(g, &set, fmt, out, &err);
			graph_set_release(&set);
		}
	}
	if (graph_find_node(g, g->nodes[0].name) == GRAPH_NONE) {
		fprintf(stderr, "fuzz-symgraph: node %s cannot be found by name\n",
			g->nodes[0].name);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum graph_format formats[] = { GRAPH_TEXT, GRAPH_JSON, GRAPH_DOT };
	uint8_t last = size ? data[size - 1] : 0;
	struct graph_opts opts = { .arch = NULL, .no_decode = (last & 4) != 0 };
	struct ipbp_err err = { "" };
	struct graph *g = graph_new();
	void *copy = malloc(size ? size : 1);
	FILE *out = fopen("/dev/null", "w");

	if (!g || !copy || !out) {
		free(copy);
		graph_free(g);
		if (out)
			fclose(out);
		return 0;
	}
	memcpy(copy, data, size);
	if (graph_add_buffer(g, "fuzz.o", copy, size, &opts, &err) == 0 &&
	    graph_build(g, &err) == 0)
		run_queries(g, formats[last % 3], out);
	graph_free(g);
	fclose(out);
	return 0;
}
