/* SPDX-License-Identifier: MIT */
/*
 * graph.h - the symbol dependency graph of a set of inputs (symgraph).
 *
 * Nodes are symbols; an edge A -> B means "the bytes of A refer to B"
 * (a relocation, or a reference the assembler resolved and instruction
 * decoding found again).  The rules, as doc/symgraph.1 states them:
 *
 *   - every object is an input: a plain file, each member of an archive
 *     ("lib.a(member.o)"), the chosen slice of a universal Mach-O file,
 *     the objects found in a directory;
 *   - a defined global or weak symbol is one node per name across all
 *     inputs: a strong definition beats weak and common ones, otherwise
 *     the first definition wins; a second strong definition outside
 *     COMDAT is a warning (graph->warnings), not an error;
 *   - a local symbol is a node of its input; assembler temporaries,
 *     section, file and debugger symbols and local absolute symbols
 *     (markers like COFF @feat.00) are not nodes;
 *   - an undefined symbol resolves to the global definition of that name
 *     in any input, or else to one undefined node per name;
 *   - a reference from, or to, a place no symbol covers (an anonymous
 *     jump table, a string literal) belongs to a node for its section
 *     (kind "section"), one per section and input;
 *   - references are taken only from allocated sections that are not
 *     debug, unwind, note or metadata sections;
 *   - a node referring to itself away from its own start (a branch inside
 *     a function) is no edge; a call of itself (recursion) is.
 *
 * Node order is input order, then symbol order, then section nodes of the
 * input, then undefined nodes; edges are sorted by (from, to).
 */
#ifndef IPBP_GRAPH_H
#define IPBP_GRAPH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "error.h"
#include "obj.h"
#include "objfile.h"

#define GRAPH_NONE	UINT32_MAX	/* no node, no input */
#define GRAPH_DEPTH_ALL	UINT32_MAX	/* no depth limit */

struct graph_input {
	const char *name;	/* "path" or "lib.a(member.o)" */
	struct obj *obj;
	uint32_t *sym_node;	/* per obj symbol: its node, or GRAPH_NONE */
	uint32_t *sec_node;	/* per obj section: its section node, or GRAPH_NONE */
};

struct graph_node {
	uint32_t index;
	const char *name;	/* exactly as the file spells it */
	enum symbol_kind kind;	/* SYMK_SECTION for section nodes */
	enum symbol_bind bind;
	bool defined;
	const char *section;	/* section name, "*ABS*", "*COM*"; NULL if undefined */
	uint64_t size;
	uint32_t input;		/* defining input, GRAPH_NONE if undefined */
	const struct symbol *sym;	/* the definition (or first reference); NULL for sections */
	const struct section *sec;	/* section nodes: the section */
	uint32_t out, nr_out;	/* outgoing: graph->edges[out .. out + nr_out) */
	uint32_t in, nr_in;	/* incoming: graph->in_edges[in .. in + nr_in) */
	uint32_t name_next;	/* next node of the same name, or GRAPH_NONE */
};

struct graph_edge {
	uint32_t from, to;
	uint64_t count;		/* number of references */
};

/* An undefined symbol name: who references it and who defines it. */
struct graph_undef {
	const char *name;
	uint32_t node;		/* what the references resolve to */
	const uint32_t *refs;	/* inputs with an undefined reference */
	size_t nr_refs;
	const uint32_t *defs;	/* inputs that define it; none: unresolved */
	size_t nr_defs;
};

struct graph_priv;

struct graph {
	struct graph_input *inputs;
	size_t nr_inputs;
	struct graph_node *nodes;
	size_t nr_nodes;
	struct graph_edge *edges;	/* sorted by (from, to) */
	size_t nr_edges;
	uint32_t *in_edges;	/* edge indices sorted by (to, from) */
	struct graph_undef *undefs;	/* in order of first reference */
	size_t nr_undefs;
	char **warnings;	/* "b.o: multiple definition of foo (first in a.o)" */
	size_t nr_warnings;
	struct graph_priv *priv;
};

struct graph_opts {
	const char *arch;	/* slice of universal Mach-O files */
	bool no_decode;		/* skip instruction decoding */
};

/* A set of nodes found by a query, in the order found. */
struct graph_set {
	uint32_t *nodes;
	uint32_t *depth;	/* per entry of nodes: distance from the start */
	size_t nr;
	uint8_t *member;	/* per graph node: 1 when in the set */
};

/* Strongly connected components with a cycle: members of cycle k are
 * nodes[start[k] .. start[k + 1]), sorted; cycles sorted by first member. */
struct graph_cycles {
	uint32_t *nodes;
	size_t *start;		/* nr + 1 entries */
	size_t nr;
};

enum graph_dir {
	GRAPH_CALLERS,		/* follow edges backwards: who refers to it */
	GRAPH_CALLEES,		/* follow edges forwards: what it refers to */
};

enum graph_format {
	GRAPH_TEXT,
	GRAPH_JSON,
	GRAPH_DOT,
};

/* Lifecycle: new, add inputs, build once, query, free. */
struct graph *graph_new(void);
void graph_free(struct graph *g);

/* Opens path (object, archive, universal file), decodes each object.  A
 * directory adds the files in it named *.o, *.obj, *.a, *.lib, *.wasm and
 * its subdirectories (not through symbolic links), sorted by name. */
int graph_add_file(struct graph *g, const char *path,
		   const struct graph_opts *opts, struct ipbp_err *err);
/* The same over a malloc'd buffer, which the graph frees. */
int graph_add_buffer(struct graph *g, const char *name, void *data, size_t size,
		     const struct graph_opts *opts, struct ipbp_err *err);
/* An object the caller owns and keeps alive until graph_free(), taken as
 * it is: call obj_decode_references() first for decoded references. */
int graph_add_obj(struct graph *g, struct obj *obj, struct ipbp_err *err);

int graph_build(struct graph *g, struct ipbp_err *err);

/* Lookups: the first node of that name (follow node->name_next for the
 * others: a global and locals of several inputs), or GRAPH_NONE. */
uint32_t graph_find_node(const struct graph *g, const char *name);

/* Queries.  Start nodes are in the result at depth 0. */
int graph_reach(const struct graph *g, const uint32_t *start, size_t nr_start,
		enum graph_dir dir, uint32_t max_depth, struct graph_set *out,
		struct ipbp_err *err);
/* Every node named by one of names; err when a name has no node. */
int graph_reach_names(const struct graph *g, const char *const *names, size_t nr,
		      enum graph_dir dir, uint32_t max_depth, struct graph_set *out,
		      struct ipbp_err *err);
/* The symbols named plus all that transitively reach them; names without
 * a node (a symbol a diff adds) are skipped. */
int graph_affected(const struct graph *g, const char *const *names, size_t nr,
		   struct graph_set *out, struct ipbp_err *err);
void graph_set_release(struct graph_set *set);

int graph_find_cycles(const struct graph *g, struct graph_cycles *out,
		      struct ipbp_err *err);
void graph_cycles_release(struct graph_cycles *c);

/*
 * Output, in the formats doc/symgraph.1 documents.  set NULL: the whole
 * graph; otherwise the nodes of the set and the edges between them.
 * Return 0, or -1 with err set when writing failed.
 */
int graph_write(const struct graph *g, const struct graph_set *set,
		enum graph_format fmt, FILE *f, struct ipbp_err *err);
int graph_write_undefined(const struct graph *g, enum graph_format fmt, FILE *f,
			  struct ipbp_err *err);
int graph_write_cycles(const struct graph *g, const struct graph_cycles *c,
		       enum graph_format fmt, FILE *f, struct ipbp_err *err);

#define for_each_node(g, n) \
	for (size_t _i_##n = 0; _i_##n < (g)->nr_nodes && ((n) = &(g)->nodes[_i_##n], 1); _i_##n++)
#define for_each_out_edge(g, node, e) \
	for (size_t _i_##e = 0; _i_##e < (node)->nr_out && ((e) = &(g)->edges[(node)->out + _i_##e], 1); _i_##e++)
#define for_each_in_edge(g, node, e) \
	for (size_t _i_##e = 0; _i_##e < (node)->nr_in && ((e) = &(g)->edges[(g)->in_edges[(node)->in + _i_##e]], 1); _i_##e++)

#endif
