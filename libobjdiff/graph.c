// SPDX-License-Identifier: MIT
/*
 * graph.c - the symbol dependency graph: building it from the object
 * models of several inputs, and the queries over it (callers, callees,
 * affected sets, cycles).  Output is in graph-write.c.
 *
 * Building is a flat list of passes over the inputs (graph_build()):
 * definitions, undefined references, edges, then ordering and indexing.
 * Every lookup is a hash table or an array index: objects with tens of
 * thousands of symbols and hundreds of thousands of relocations build in
 * linear time.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "decode.h"
#include "graph.h"
#include "util-int.h"

/* A growing list of input numbers. */
struct ulist {
	uint32_t *v;
	uint32_t nr, cap;
};

/* Open addressing: string -> uint32_t. */
struct name_map {
	const char **keys;
	uint32_t *vals;
	size_t size, nr;
};

/* Open addressing: (from, to) -> edge number + 1 (0: empty). */
struct edge_map {
	uint64_t *keys;
	uint32_t *vals;
	size_t size, nr;
};

/* One global name: its node, who defines it, who references it. */
struct gsym {
	const char *name;
	uint32_t node;
	int rank;		/* of the winning definition, see def_rank() */
	struct ulist defs, refs;
};

struct graph_priv {
	struct objfile **files;
	size_t nr_files;
	void **buffers;
	size_t nr_buffers;
	bool built;

	struct name_map globals;	/* name -> gsyms index */
	struct gsym *gsyms;
	size_t nr_gsyms, cap_gsyms;
	uint32_t *undef_order;		/* gsyms in order of first reference */
	size_t nr_undef_order, cap_undef_order;

	struct name_map names;		/* name -> first node of that name */
	struct edge_map edge_map;	/* while building */
	size_t cap_nodes, cap_edges, cap_inputs, cap_warnings;
};

enum { RANK_WEAK = 1, RANK_COMMON = 2, RANK_STRONG = 3 };

/* ---- small containers ----------------------------------------------------- */

/* Appends x unless it is already the last entry (inputs come in order). */
static int ulist_add(struct ulist *l, uint32_t x)
{
	size_t cap = l->cap;

	if (l->nr && l->v[l->nr - 1] == x)
		return 0;
	if (array_grow((void **)&l->v, &cap, (size_t)l->nr + 1, sizeof(*l->v)) < 0)
		return -1;
	l->cap = (uint32_t)cap;
	l->v[l->nr++] = x;
	return 0;
}

static uint64_t hash_string(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 0x100000001b3ull;
	return h;
}

static int name_map_resize(struct name_map *m, size_t size)
{
	const char **keys = calloc(size, sizeof(*keys));
	uint32_t *vals = calloc(size, sizeof(*vals));

	if (!keys || !vals) {
		free(keys);
		free(vals);
		return -1;
	}
	for (size_t i = 0; i < m->size; i++) {
		size_t h;

		if (!m->keys[i])
			continue;
		h = hash_string(m->keys[i]) & (size - 1);
		while (keys[h])
			h = (h + 1) & (size - 1);
		keys[h] = m->keys[i];
		vals[h] = m->vals[i];
	}
	free(m->keys);
	free(m->vals);
	m->keys = keys;
	m->vals = vals;
	m->size = size;
	return 0;
}

/* The value slot of key, inserted with value dflt when missing; NULL on
 * out of memory. */
static uint32_t *name_map_get(struct name_map *m, const char *key, uint32_t dflt)
{
	size_t h;

	if ((m->nr + 1) * 2 > m->size &&
	    name_map_resize(m, m->size ? m->size * 2 : 256) < 0)
		return NULL;
	h = hash_string(key) & (m->size - 1);
	while (m->keys[h]) {
		if (!strcmp(m->keys[h], key))
			return &m->vals[h];
		h = (h + 1) & (m->size - 1);
	}
	m->keys[h] = key;
	m->vals[h] = dflt;
	m->nr++;
	return &m->vals[h];
}

static const uint32_t *name_map_find(const struct name_map *m, const char *key)
{
	size_t h;

	if (!m->size)
		return NULL;
	h = hash_string(key) & (m->size - 1);
	while (m->keys[h]) {
		if (!strcmp(m->keys[h], key))
			return &m->vals[h];
		h = (h + 1) & (m->size - 1);
	}
	return NULL;
}

static void name_map_release(struct name_map *m)
{
	free(m->keys);
	free(m->vals);
	memset(m, 0, sizeof(*m));
}

static size_t hash_edge(uint64_t key, size_t size)
{
	return (size_t)((key * 0x9e3779b97f4a7c15ull) >> 17) & (size - 1);
}

static int edge_map_resize(struct edge_map *m, size_t size)
{
	uint64_t *keys = calloc(size, sizeof(*keys));
	uint32_t *vals = calloc(size, sizeof(*vals));

	if (!keys || !vals) {
		free(keys);
		free(vals);
		return -1;
	}
	for (size_t i = 0; i < m->size; i++) {
		size_t h;

		if (!m->vals[i])
			continue;
		h = hash_edge(m->keys[i], size);
		while (vals[h])
			h = (h + 1) & (size - 1);
		keys[h] = m->keys[i];
		vals[h] = m->vals[i];
	}
	free(m->keys);
	free(m->vals);
	m->keys = keys;
	m->vals = vals;
	m->size = size;
	return 0;
}

static void edge_map_release(struct edge_map *m)
{
	free(m->keys);
	free(m->vals);
	memset(m, 0, sizeof(*m));
}

/* ---- lifecycle ------------------------------------------------------------ */

struct graph *graph_new(void)
{
	struct graph *g = calloc(1, sizeof(*g));

	if (g && !(g->priv = calloc(1, sizeof(*g->priv)))) {
		free(g);
		return NULL;
	}
	return g;
}

static void release_gsyms(struct graph_priv *p)
{
	for (size_t i = 0; i < p->nr_gsyms; i++) {
		free(p->gsyms[i].defs.v);
		free(p->gsyms[i].refs.v);
	}
	free(p->gsyms);
	free(p->undef_order);
	name_map_release(&p->globals);
}

void graph_free(struct graph *g)
{
	struct graph_priv *p;

	if (!g)
		return;
	p = g->priv;
	for (size_t i = 0; i < g->nr_inputs; i++) {
		free(g->inputs[i].sym_node);
		free(g->inputs[i].sec_node);
	}
	free(g->inputs);
	free(g->nodes);
	free(g->edges);
	free(g->in_edges);
	free(g->undefs);
	for (size_t i = 0; i < g->nr_warnings; i++)
		free(g->warnings[i]);
	free(g->warnings);
	if (p) {
		release_gsyms(p);
		name_map_release(&p->names);
		edge_map_release(&p->edge_map);
		for (size_t i = 0; i < p->nr_files; i++)
			objfile_free(p->files[i]);
		free(p->files);
		for (size_t i = 0; i < p->nr_buffers; i++)
			free(p->buffers[i]);
		free(p->buffers);
		free(p);
	}
	free(g);
}

/* ---- inputs --------------------------------------------------------------- */

int graph_add_obj(struct graph *g, struct obj *obj, struct ipbp_err *err)
{
	struct graph_priv *p = g->priv;
	struct graph_input *in;

	if (p->built)
		return ipbp_error(err, "%s: internal error: graph already built", obj->name);
	if (g->nr_inputs >= GRAPH_NONE - 1)
		return ipbp_error(err, "%s: too many inputs", obj->name);
	if (array_grow((void **)&g->inputs, &p->cap_inputs, g->nr_inputs + 1,
		 sizeof(*g->inputs)) < 0)
		return ipbp_error(err, "%s: out of memory", obj->name);
	in = &g->inputs[g->nr_inputs++];
	memset(in, 0, sizeof(*in));
	in->name = obj->name;
	in->obj = obj;
	return 0;
}

/* Takes ownership of file: it is freed with the graph, even on error. */
static int add_objfile(struct graph *g, struct objfile *file,
		       const struct graph_opts *opts, struct ipbp_err *err)
{
	struct graph_priv *p = g->priv;
	struct objfile **v;
	struct obj *obj;

	v = realloc(p->files, (p->nr_files + 1) * sizeof(*v));
	if (!v) {
		objfile_free(file);
		return ipbp_error(err, "%s: out of memory", file->path);
	}
	p->files = v;
	p->files[p->nr_files++] = file;
	for_each_obj(file, obj) {
		if (!(opts && opts->no_decode) && obj_decode_references(obj, err) < 0)
			return -1;
		if (graph_add_obj(g, obj, err) < 0)
			return -1;
	}
	return 0;
}

static int add_path(struct graph *g, const char *path,
		    const struct graph_opts *opts, struct ipbp_err *err)
{
	struct objfile_opts fo = { .arch = opts ? opts->arch : NULL };
	struct objfile *file;

	if (objfile_open(&file, path, &fo, err) < 0)
		return -1;
	return add_objfile(g, file, opts, err);
}

/* A directory: its objects and archives, recursively, by relative path. */
static int add_tree(struct graph *g, const char *root,
		    const struct graph_opts *opts, struct ipbp_err *err)
{
	struct objfile_tree tree = { 0 };
	int ret = objfile_list_tree(&tree, root, err);

	for (size_t i = 0; i < tree.nr && ret == 0; i++) {
		char *path = objfile_join_path(root, tree.paths[i]);

		ret = path ? add_path(g, path, opts, err)
			   : ipbp_error(err, "%s: out of memory", root);
		free(path);
	}
	objfile_tree_release(&tree);
	return ret;
}

int graph_add_file(struct graph *g, const char *path,
		   const struct graph_opts *opts, struct ipbp_err *err)
{
	struct stat st;

	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return add_tree(g, path, opts, err);
	return add_path(g, path, opts, err);
}

int graph_add_buffer(struct graph *g, const char *name, void *data, size_t size,
		     const struct graph_opts *opts, struct ipbp_err *err)
{
	struct objfile_opts fo = { .arch = opts ? opts->arch : NULL };
	struct graph_priv *p = g->priv;
	struct objfile *file;
	void **v;

	v = realloc(p->buffers, (p->nr_buffers + 1) * sizeof(*v));
	if (!v) {
		free(data);
		return ipbp_error(err, "%s: out of memory", name);
	}
	p->buffers = v;
	p->buffers[p->nr_buffers++] = data;
	if (size == 0)
		return ipbp_error(err, "%s: empty file", name);
	if (objfile_from_memory(&file, name, data, size, &fo, err) < 0)
		return -1;
	return add_objfile(g, file, opts, err);
}

/* ---- nodes ------------------------------------------------------------------ */

static int warn(struct graph *g, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int warn(struct graph *g, const char *fmt, ...)
{
	va_list ap;
	char *msg;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !(msg = malloc((size_t)n + 1)))
		return -1;
	va_start(ap, fmt);
	vsnprintf(msg, (size_t)n + 1, fmt, ap);
	va_end(ap);
	if (array_grow((void **)&g->warnings, &g->priv->cap_warnings, g->nr_warnings + 1,
		 sizeof(*g->warnings)) < 0) {
		free(msg);
		return -1;
	}
	g->warnings[g->nr_warnings++] = msg;
	return 0;
}

static struct graph_node *new_node(struct graph *g)
{
	struct graph_node *n;

	if (g->nr_nodes >= GRAPH_NONE - 1 ||
	    array_grow((void **)&g->nodes, &g->priv->cap_nodes, g->nr_nodes + 1,
		 sizeof(*g->nodes)) < 0)
		return NULL;
	n = &g->nodes[g->nr_nodes];
	memset(n, 0, sizeof(*n));
	n->index = (uint32_t)g->nr_nodes++;
	n->name_next = GRAPH_NONE;
	return n;
}

static const char *symbol_section_name(const struct symbol *sym)
{
	if (sym->flags & SYMF_COMMON)
		return "*COM*";
	if (!sym->sec)
		return "*ABS*";
	return sym->sec->name;
}

/* Points node at its (new) defining symbol. */
static void set_definition(struct graph_node *n, uint32_t input, const struct symbol *sym)
{
	n->name = sym->name;
	n->kind = sym->kind;
	n->bind = sym->bind;
	n->defined = true;
	n->section = symbol_section_name(sym);
	n->size = sym->size;
	n->input = input;
	n->sym = sym;
}

static bool is_node_symbol(const struct symbol *sym)
{
	if (sym->flags & (SYMF_UNDEF | SYMF_DEBUG | SYMF_TEMP))
		return false;
	if (sym->kind == SYMK_SECTION || sym->kind == SYMK_FILE)
		return false;
	/* Local absolute symbols are markers (COFF @feat.00), not places. */
	if ((sym->flags & SYMF_ABS) && sym->bind == BIND_LOCAL)
		return false;
	return sym->name && *sym->name;
}

static bool in_comdat(const struct symbol *sym)
{
	return sym->sec && ((sym->sec->flags & SECF_COMDAT) || sym->sec->comdat);
}

static int def_rank(const struct symbol *sym)
{
	if (sym->flags & SYMF_COMMON)
		return RANK_COMMON;
	return sym->bind == BIND_WEAK ? RANK_WEAK : RANK_STRONG;
}

static struct gsym *find_gsym(struct graph *g, const char *name)
{
	struct graph_priv *p = g->priv;
	uint32_t *slot = name_map_get(&p->globals, name, GRAPH_NONE);
	struct gsym *gs;

	if (!slot)
		return NULL;
	if (*slot != GRAPH_NONE)
		return &p->gsyms[*slot];
	if (array_grow((void **)&p->gsyms, &p->cap_gsyms, p->nr_gsyms + 1, sizeof(*p->gsyms)) < 0)
		return NULL;
	*slot = (uint32_t)p->nr_gsyms;
	gs = &p->gsyms[p->nr_gsyms++];
	memset(gs, 0, sizeof(*gs));
	gs->name = name;
	gs->node = GRAPH_NONE;
	return gs;
}

/* A global or weak definition: one node per name across all inputs. */
static int define_global(struct graph *g, uint32_t in, const struct symbol *sym,
			 uint32_t *node)
{
	struct gsym *gs = find_gsym(g, sym->name);
	struct graph_node *n;
	int rank = def_rank(sym);

	if (!gs || ulist_add(&gs->defs, in) < 0)
		return -1;
	if (gs->node == GRAPH_NONE) {
		if (!(n = new_node(g)))
			return -1;
		set_definition(n, in, sym);
		gs->node = n->index;
		gs->rank = rank;
	} else if (rank > gs->rank) {
		set_definition(&g->nodes[gs->node], in, sym);
		gs->rank = rank;
	} else if (rank == RANK_STRONG && gs->rank == RANK_STRONG) {
		n = &g->nodes[gs->node];
		if (n->input != in && !in_comdat(sym) && !in_comdat(n->sym) &&
		    warn(g, "%s: multiple definition of %s (first defined in %s)",
			 g->inputs[in].name, sym->name, g->inputs[n->input].name) < 0)
			return -1;
	}
	*node = gs->node;
	return 0;
}

/* Pass 1: a node for every defined symbol of input in. */
static int add_definitions(struct graph *g, uint32_t in, struct ipbp_err *err)
{
	struct graph_input *gi = &g->inputs[in];
	struct symbol *sym;

	for_each_symbol(gi->obj, sym) {
		struct graph_node *n;
		uint32_t node;

		if (!is_node_symbol(sym))
			continue;
		if (sym->bind != BIND_LOCAL) {
			if (define_global(g, in, sym, &node) < 0)
				return ipbp_error(err, "%s: out of memory", gi->name);
		} else {
			if (!(n = new_node(g)))
				return ipbp_error(err, "%s: out of memory", gi->name);
			set_definition(n, in, sym);
			node = n->index;
		}
		gi->sym_node[sym->index] = node;
	}
	return 0;
}

static int note_undef(struct graph *g, struct gsym *gs)
{
	struct graph_priv *p = g->priv;

	if (gs->refs.nr)
		return 0;
	if (array_grow((void **)&p->undef_order, &p->cap_undef_order, p->nr_undef_order + 1,
		 sizeof(*p->undef_order)) < 0)
		return -1;
	p->undef_order[p->nr_undef_order++] = (uint32_t)(gs - p->gsyms);
	return 0;
}

/* Pass 2: undefined symbols resolve to a definition or an undefined node. */
static int resolve_undefined(struct graph *g, uint32_t in, struct ipbp_err *err)
{
	struct graph_input *gi = &g->inputs[in];
	struct symbol *sym;

	for_each_symbol(gi->obj, sym) {
		struct graph_node *n;
		struct gsym *gs;

		if (!(sym->flags & SYMF_UNDEF) || !sym->name || !*sym->name ||
		    sym->kind == SYMK_SECTION || sym->kind == SYMK_FILE)
			continue;
		if (!(gs = find_gsym(g, sym->name)) || note_undef(g, gs) < 0 ||
		    ulist_add(&gs->refs, in) < 0)
			return ipbp_error(err, "%s: out of memory", gi->name);
		if (gs->node == GRAPH_NONE) {
			if (!(n = new_node(g)))
				return ipbp_error(err, "%s: out of memory", gi->name);
			n->name = sym->name;
			n->kind = sym->kind;
			n->bind = sym->bind == BIND_WEAK ? BIND_WEAK : BIND_GLOBAL;
			n->input = GRAPH_NONE;
			n->sym = sym;
			gs->node = n->index;
		}
		n = &g->nodes[gs->node];
		if (!n->defined && sym->bind != BIND_WEAK)
			n->bind = BIND_GLOBAL;
		gi->sym_node[sym->index] = gs->node;
	}
	return 0;
}

/* ---- edges ------------------------------------------------------------------ */

static bool is_site_section(const struct section *sec)
{
	if (!(sec->flags & SECF_ALLOC))
		return false;
	switch (sec->kind) {
	case SEC_DEBUG:
	case SEC_NOTE:
	case SEC_UNWIND:
	case SEC_META:
		return false;
	default:
		return true;
	}
}

static uint32_t section_node(struct graph *g, uint32_t in, const struct section *sec)
{
	struct graph_input *gi = &g->inputs[in];
	struct graph_node *n;

	if (gi->sec_node[sec->index] != GRAPH_NONE)
		return gi->sec_node[sec->index];
	if (!(n = new_node(g)))
		return GRAPH_NONE;
	n->name = sec->name ? sec->name : "";
	n->kind = SYMK_SECTION;
	n->bind = BIND_LOCAL;
	n->defined = true;
	n->section = n->name;
	n->size = sec->size;
	n->input = in;
	n->sec = sec;
	gi->sec_node[sec->index] = n->index;
	return n->index;
}

static bool covers(const struct symbol *sym, uint64_t off)
{
	if (sym->size == 0)
		return sym->offset == off;
	return off >= sym->offset && off - sym->offset < sym->size;
}

/*
 * The symbol with a node that covers sec+off: the model's choice when it
 * has a node, else the nearest such symbol before it (a temporary label
 * inside a function must not hide the function).
 */
static const struct symbol *find_node_symbol_covering(const struct graph_input *gi,
						      const struct section *sec,
						      uint64_t off)
{
	const struct symbol *sym = obj_find_symbol_covering(sec, off);
	size_t i;

	if (sym && gi->sym_node[sym->index] != GRAPH_NONE)
		return sym;
	i = obj_first_symbol_after(sec, off);
	for (size_t steps = 0; i-- > 0 && steps < 256; steps++) {
		sym = sec->syms[i];
		if (gi->sym_node[sym->index] != GRAPH_NONE && covers(sym, off))
			return sym;
	}
	return NULL;
}

/* The node of the place sec+off, and off from its start. */
static uint32_t place_node(struct graph *g, uint32_t in, const struct section *sec,
			   uint64_t off, uint64_t *rel)
{
	const struct symbol *sym = find_node_symbol_covering(&g->inputs[in], sec, off);

	if (!sym) {
		*rel = off;
		return section_node(g, in, sec);
	}
	*rel = off - sym->offset;
	return g->inputs[in].sym_node[sym->index];
}

/*
 * The node a relocation refers to, and whether it refers to the node's
 * start (for self-references); GRAPH_NONE when it refers to no place.
 */
static uint32_t target_node(struct graph *g, uint32_t in, const struct reloc *r,
			    bool *at_start)
{
	const struct symbol *t = r->target ? r->target : r->sym;
	int64_t off = r->target ? r->target_offset : 0;
	uint32_t node;
	uint64_t rel;

	*at_start = off == 0;
	if (!t)
		return GRAPH_NONE;
	if (t->kind != SYMK_SECTION && (node = g->inputs[in].sym_node[t->index]) != GRAPH_NONE)
		return node;
	if (!t->sec || !is_defined(t))
		return GRAPH_NONE;
	if (t->kind == SYMK_SECTION) {
		off = (int64_t)((uint64_t)off + t->offset);
		if (off < 0 || (uint64_t)off > t->sec->size) {
			*at_start = false;
			return section_node(g, in, t->sec);
		}
	} else {
		off = (int64_t)((uint64_t)off + t->offset);
		if (off < 0)
			off = (int64_t)t->offset;
	}
	node = place_node(g, in, t->sec, (uint64_t)off, &rel);
	*at_start = rel == 0;
	return node;
}

static int add_edge(struct graph *g, uint32_t from, uint32_t to)
{
	struct graph_priv *p = g->priv;
	struct edge_map *m = &p->edge_map;
	uint64_t key = (uint64_t)from << 32 | to;
	struct graph_edge *e;
	size_t h;

	if ((m->nr + 1) * 2 > m->size && edge_map_resize(m, m->size ? m->size * 2 : 1024) < 0)
		return -1;
	for (h = hash_edge(key, m->size); m->vals[h]; h = (h + 1) & (m->size - 1)) {
		if (m->keys[h] == key) {
			g->edges[m->vals[h] - 1].count++;
			return 0;
		}
	}
	if (g->nr_edges >= GRAPH_NONE - 1 ||
	    array_grow((void **)&g->edges, &p->cap_edges, g->nr_edges + 1, sizeof(*g->edges)) < 0)
		return -1;
	e = &g->edges[g->nr_edges++];
	e->from = from;
	e->to = to;
	e->count = 1;
	m->keys[h] = key;
	m->vals[h] = (uint32_t)g->nr_edges;
	m->nr++;
	return 0;
}

/* One relocation (or decoded reference) of input in: an edge, or nothing. */
static int add_reloc_edge(struct graph *g, uint32_t in, const struct reloc *r)
{
	uint32_t from, to;
	uint64_t rel;
	bool at_start;

	if (r->kind == RK_NONE)
		return 0;
	from = place_node(g, in, r->sec, r->offset, &rel);
	if (from == GRAPH_NONE)
		return -1;
	/* The bytes of a definition that lost (a second weak or COMDAT
	 * copy) are not part of the program. */
	if (g->nodes[from].input != in)
		return 0;
	to = target_node(g, in, r, &at_start);
	if (to == GRAPH_NONE)
		return 0;
	if (from == to && !at_start)
		return 0;
	return add_edge(g, from, to);
}

/* Pass 3: edges from the relocations of the allocated sections. */
static int add_edges(struct graph *g, uint32_t in, struct ipbp_err *err)
{
	struct graph_input *gi = &g->inputs[in];
	struct section *sec;
	struct reloc *r;

	for_each_section(gi->obj, sec) {
		if (!is_site_section(sec))
			continue;
		for_each_section_reloc(sec, r)
			if (add_reloc_edge(g, in, r) < 0)
				return ipbp_error(err, "%s: out of memory", gi->name);
	}
	return 0;
}

/* ---- ordering and indexing ------------------------------------------------ */

struct node_key {
	uint64_t major, minor;
	uint32_t old;
};

static int cmp_node_key(const void *a, const void *b)
{
	const struct node_key *x = a, *y = b;

	if (x->major != y->major)
		return x->major < y->major ? -1 : 1;
	if (x->minor != y->minor)
		return x->minor < y->minor ? -1 : 1;
	return x->old < y->old ? -1 : x->old > y->old;
}

static void node_key(const struct graph *g, const struct graph_node *n, struct node_key *k)
{
	k->old = n->index;
	if (n->input == GRAPH_NONE) {
		k->major = g->nr_inputs;
		k->minor = n->index;
	} else if (n->sec) {
		k->major = n->input;
		k->minor = g->inputs[n->input].obj->nr_symbols + (uint64_t)n->sec->index;
	} else {
		k->major = n->input;
		k->minor = n->sym->index;
	}
}

static void remap(uint32_t *v, size_t nr, const uint32_t *perm)
{
	for (size_t i = 0; i < nr; i++)
		if (v[i] != GRAPH_NONE)
			v[i] = perm[v[i]];
}

/* Pass 4: nodes in input order, then symbol order; renumber everything. */
static int order_nodes(struct graph *g)
{
	struct graph_priv *p = g->priv;
	struct node_key *keys = malloc((g->nr_nodes + 1) * sizeof(*keys));
	uint32_t *perm = malloc((g->nr_nodes + 1) * sizeof(*perm));
	struct graph_node *nodes = malloc((g->nr_nodes + 1) * sizeof(*nodes));

	if (!keys || !perm || !nodes) {
		free(keys);
		free(perm);
		free(nodes);
		return -1;
	}
	for (size_t i = 0; i < g->nr_nodes; i++)
		node_key(g, &g->nodes[i], &keys[i]);
	if (g->nr_nodes)
		qsort(keys, g->nr_nodes, sizeof(*keys), cmp_node_key);
	for (size_t i = 0; i < g->nr_nodes; i++) {
		perm[keys[i].old] = (uint32_t)i;
		nodes[i] = g->nodes[keys[i].old];
		nodes[i].index = (uint32_t)i;
	}
	free(g->nodes);
	g->nodes = nodes;
	p->cap_nodes = g->nr_nodes + 1;
	for (size_t i = 0; i < g->nr_inputs; i++) {
		remap(g->inputs[i].sym_node, g->inputs[i].obj->nr_symbols, perm);
		remap(g->inputs[i].sec_node, g->inputs[i].obj->nr_sections, perm);
	}
	for (size_t i = 0; i < p->nr_gsyms; i++)
		p->gsyms[i].node = perm[p->gsyms[i].node];
	for (size_t i = 0; i < g->nr_edges; i++) {
		g->edges[i].from = perm[g->edges[i].from];
		g->edges[i].to = perm[g->edges[i].to];
	}
	free(keys);
	free(perm);
	return 0;
}

static int cmp_edge(const void *a, const void *b)
{
	const struct graph_edge *x = a, *y = b;

	if (x->from != y->from)
		return x->from < y->from ? -1 : 1;
	return x->to < y->to ? -1 : x->to > y->to;
}

/* Pass 5: edges sorted by (from, to), and indexed both ways. */
static int index_edges(struct graph *g)
{
	uint32_t *fill;

	edge_map_release(&g->priv->edge_map);
	if (g->nr_edges)
		qsort(g->edges, g->nr_edges, sizeof(*g->edges), cmp_edge);
	g->in_edges = malloc((g->nr_edges + 1) * sizeof(*g->in_edges));
	fill = calloc(g->nr_nodes + 1, sizeof(*fill));
	if (!g->in_edges || !fill) {
		free(fill);
		return -1;
	}
	for (size_t i = 0; i < g->nr_edges; i++) {
		struct graph_edge *e = &g->edges[i];

		if (!g->nodes[e->from].nr_out++)
			g->nodes[e->from].out = (uint32_t)i;
		g->nodes[e->to].nr_in++;
	}
	for (size_t i = 0, at = 0; i < g->nr_nodes; i++) {
		g->nodes[i].in = (uint32_t)at;
		at += g->nodes[i].nr_in;
	}
	/* Edges are sorted by from: each in-list comes out sorted by from. */
	for (size_t i = 0; i < g->nr_edges; i++) {
		struct graph_node *to = &g->nodes[g->edges[i].to];

		g->in_edges[to->in + fill[to->index]++] = (uint32_t)i;
	}
	free(fill);
	return 0;
}

/* Pass 6: lookups by name, and the undefined-symbol report. */
static int index_names(struct graph *g)
{
	struct graph_priv *p = g->priv;

	for (size_t i = g->nr_nodes; i-- > 0;) {
		uint32_t *head = name_map_get(&p->names, g->nodes[i].name, GRAPH_NONE);

		if (!head)
			return -1;
		g->nodes[i].name_next = *head;
		*head = (uint32_t)i;
	}
	g->undefs = calloc(p->nr_undef_order + 1, sizeof(*g->undefs));
	if (!g->undefs)
		return -1;
	for (size_t i = 0; i < p->nr_undef_order; i++) {
		const struct gsym *gs = &p->gsyms[p->undef_order[i]];
		struct graph_undef *u = &g->undefs[i];

		u->name = gs->name;
		u->node = gs->node;
		u->refs = gs->refs.v;
		u->nr_refs = gs->refs.nr;
		u->defs = gs->defs.v;
		u->nr_defs = gs->defs.nr;
	}
	g->nr_undefs = p->nr_undef_order;
	return 0;
}

static int alloc_maps(struct graph *g, struct ipbp_err *err)
{
	for (size_t i = 0; i < g->nr_inputs; i++) {
		struct graph_input *gi = &g->inputs[i];
		size_t ns = gi->obj->nr_symbols, nc = gi->obj->nr_sections;

		gi->sym_node = malloc((ns + 1) * sizeof(*gi->sym_node));
		gi->sec_node = malloc((nc + 1) * sizeof(*gi->sec_node));
		if (!gi->sym_node || !gi->sec_node)
			return ipbp_error(err, "%s: out of memory", gi->name);
		memset(gi->sym_node, 0xff, (ns + 1) * sizeof(*gi->sym_node));
		memset(gi->sec_node, 0xff, (nc + 1) * sizeof(*gi->sec_node));
	}
	return 0;
}

int graph_build(struct graph *g, struct ipbp_err *err)
{
	struct graph_priv *p = g->priv;
	uint32_t in;

	if (p->built)
		return ipbp_error(err, "internal error: graph built twice");
	p->built = true;
	if (alloc_maps(g, err) < 0)
		return -1;

	/* Definitions of all inputs first: a later input may define what an
	 * earlier one references. */
	for (in = 0; in < g->nr_inputs; in++)
		if (add_definitions(g, in, err) < 0)
			return -1;
	for (in = 0; in < g->nr_inputs; in++)
		if (resolve_undefined(g, in, err) < 0)
			return -1;

	/* Edges, then a stable order and the indexes the queries use. */
	for (in = 0; in < g->nr_inputs; in++)
		if (add_edges(g, in, err) < 0)
			return -1;
	if (order_nodes(g) < 0 || index_edges(g) < 0 || index_names(g) < 0)
		return ipbp_error(err, "out of memory");
	return 0;
}

/* ---- queries ---------------------------------------------------------------- */

uint32_t graph_find_node(const struct graph *g, const char *name)
{
	const uint32_t *v = name_map_find(&g->priv->names, name);

	return v ? *v : GRAPH_NONE;
}

void graph_set_release(struct graph_set *set)
{
	free(set->nodes);
	free(set->depth);
	free(set->member);
	memset(set, 0, sizeof(*set));
}

static int set_init(const struct graph *g, struct graph_set *set, struct ipbp_err *err)
{
	memset(set, 0, sizeof(*set));
	set->nodes = malloc((g->nr_nodes + 1) * sizeof(*set->nodes));
	set->depth = malloc((g->nr_nodes + 1) * sizeof(*set->depth));
	set->member = calloc(g->nr_nodes + 1, 1);
	if (!set->nodes || !set->depth || !set->member) {
		graph_set_release(set);
		return ipbp_error(err, "out of memory");
	}
	return 0;
}

static void set_add(struct graph_set *set, uint32_t node, uint32_t depth)
{
	if (set->member[node])
		return;
	set->member[node] = 1;
	set->nodes[set->nr] = node;
	set->depth[set->nr++] = depth;
}

/* Breadth first: each node once, at its least depth; cycles end. */
static void bfs(const struct graph *g, struct graph_set *set, enum graph_dir dir,
		uint32_t max_depth)
{
	for (size_t head = 0; head < set->nr; head++) {
		const struct graph_node *n = &g->nodes[set->nodes[head]];
		uint32_t d = set->depth[head];
		const struct graph_edge *e;

		if (d >= max_depth)
			continue;
		if (dir == GRAPH_CALLEES) {
			for_each_out_edge(g, n, e)
				set_add(set, e->to, d + 1);
		} else {
			for_each_in_edge(g, n, e)
				set_add(set, e->from, d + 1);
		}
	}
}

int graph_reach(const struct graph *g, const uint32_t *start, size_t nr_start,
		enum graph_dir dir, uint32_t max_depth, struct graph_set *out,
		struct ipbp_err *err)
{
	if (set_init(g, out, err) < 0)
		return -1;
	for (size_t i = 0; i < nr_start; i++) {
		if (start[i] >= g->nr_nodes) {
			graph_set_release(out);
			return ipbp_error(err, "internal error: node %u out of range", start[i]);
		}
		set_add(out, start[i], 0);
	}
	bfs(g, out, dir, max_depth);
	return 0;
}

/* Adds every node named name at depth 0; false when there is none. */
static bool add_named(const struct graph *g, struct graph_set *set, const char *name)
{
	uint32_t i = graph_find_node(g, name);

	if (i == GRAPH_NONE)
		return false;
	for (; i != GRAPH_NONE; i = g->nodes[i].name_next)
		set_add(set, i, 0);
	return true;
}

int graph_reach_names(const struct graph *g, const char *const *names, size_t nr,
		      enum graph_dir dir, uint32_t max_depth, struct graph_set *out,
		      struct ipbp_err *err)
{
	if (set_init(g, out, err) < 0)
		return -1;
	for (size_t i = 0; i < nr; i++) {
		if (!add_named(g, out, names[i])) {
			graph_set_release(out);
			return ipbp_error(err, "%s: no such symbol in the inputs", names[i]);
		}
	}
	bfs(g, out, dir, max_depth);
	return 0;
}

int graph_affected(const struct graph *g, const char *const *names, size_t nr,
		   struct graph_set *out, struct ipbp_err *err)
{
	if (set_init(g, out, err) < 0)
		return -1;
	for (size_t i = 0; i < nr; i++)
		add_named(g, out, names[i]);
	bfs(g, out, GRAPH_CALLERS, GRAPH_DEPTH_ALL);
	return 0;
}

/* ---- cycles: Tarjan's strongly connected components, without recursion ---- */

struct tarjan {
	const struct graph *g;
	uint32_t *index, *low;
	uint8_t *on_stack;
	uint32_t *stack;	/* the component stack */
	size_t sp;
	uint32_t *call_node, *call_edge;	/* the explicit call stack */
	size_t csp;
	uint32_t counter;
	struct graph_cycles *out;
	size_t nr_out_nodes;
};

static bool has_self_edge(const struct graph *g, uint32_t v)
{
	const struct graph_node *n = &g->nodes[v];
	const struct graph_edge *e;

	for_each_out_edge(g, n, e)
		if (e->to == v)
			return true;
	return false;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* Pops the component rooted at v; keeps it when it is a cycle. */
static void pop_component(struct tarjan *t, uint32_t v)
{
	struct graph_cycles *c = t->out;
	size_t first = t->nr_out_nodes;
	uint32_t w;

	do {
		w = t->stack[--t->sp];
		t->on_stack[w] = 0;
		c->nodes[t->nr_out_nodes++] = w;
	} while (w != v);
	if (t->nr_out_nodes - first == 1 && !has_self_edge(t->g, v)) {
		t->nr_out_nodes = first;
		return;
	}
	qsort(c->nodes + first, t->nr_out_nodes - first, sizeof(*c->nodes), cmp_u32);
	c->start[c->nr++] = first;
}

static void tarjan_push(struct tarjan *t, uint32_t v)
{
	t->index[v] = t->low[v] = t->counter++;
	t->stack[t->sp++] = v;
	t->on_stack[v] = 1;
	t->call_node[t->csp] = v;
	t->call_edge[t->csp++] = 0;
}

static void tarjan_from(struct tarjan *t, uint32_t root)
{
	const struct graph *g = t->g;

	tarjan_push(t, root);
	while (t->csp) {
		uint32_t v = t->call_node[t->csp - 1];
		const struct graph_node *n = &g->nodes[v];

		if (t->call_edge[t->csp - 1] < n->nr_out) {
			uint32_t w = g->edges[n->out + t->call_edge[t->csp - 1]++].to;

			if (t->index[w] == GRAPH_NONE)
				tarjan_push(t, w);
			else if (t->on_stack[w] && t->index[w] < t->low[v])
				t->low[v] = t->index[w];
			continue;
		}
		t->csp--;
		if (t->csp) {
			uint32_t u = t->call_node[t->csp - 1];

			if (t->low[v] < t->low[u])
				t->low[u] = t->low[v];
		}
		if (t->low[v] == t->index[v])
			pop_component(t, v);
	}
}

struct cycle_ref {
	uint32_t first;
	size_t index;
};

static int cmp_cycle_ref(const void *a, const void *b)
{
	const struct cycle_ref *x = a, *y = b;

	return x->first < y->first ? -1 : x->first > y->first;
}

/* Tarjan finds components in reverse topological order: sort them by
 * their first (smallest) member. */
static int sort_cycles(struct graph_cycles *c)
{
	uint32_t *nodes = malloc((c->start[c->nr] + 1) * sizeof(*nodes));
	struct cycle_ref *order = malloc((c->nr + 1) * sizeof(*order));
	size_t *start = malloc((c->nr + 1) * sizeof(*start));
	size_t at = 0;

	if (!nodes || !order || !start) {
		free(nodes);
		free(order);
		free(start);
		return -1;
	}
	for (size_t i = 0; i < c->nr; i++) {
		order[i].first = c->nodes[c->start[i]];
		order[i].index = i;
	}
	qsort(order, c->nr, sizeof(*order), cmp_cycle_ref);
	for (size_t k = 0; k < c->nr; k++) {
		size_t i = order[k].index;

		start[k] = at;
		for (size_t j = c->start[i]; j < c->start[i + 1]; j++)
			nodes[at++] = c->nodes[j];
	}
	start[c->nr] = at;
	free(c->nodes);
	free(c->start);
	free(order);
	c->nodes = nodes;
	c->start = start;
	return 0;
}

int graph_find_cycles(const struct graph *g, struct graph_cycles *out,
		      struct ipbp_err *err)
{
	size_t n = g->nr_nodes + 1;
	struct tarjan t = {
		.g = g, .out = out,
		.index = malloc(n * sizeof(uint32_t)), .low = malloc(n * sizeof(uint32_t)),
		.on_stack = calloc(n, 1), .stack = malloc(n * sizeof(uint32_t)),
		.call_node = malloc(n * sizeof(uint32_t)), .call_edge = malloc(n * sizeof(uint32_t)),
	};
	int ret = 0;

	memset(out, 0, sizeof(*out));
	out->nodes = malloc(n * sizeof(*out->nodes));
	out->start = malloc((n + 1) * sizeof(*out->start));
	if (!t.index || !t.low || !t.on_stack || !t.stack || !t.call_node ||
	    !t.call_edge || !out->nodes || !out->start) {
		ret = ipbp_error(err, "out of memory");
		goto out;
	}
	memset(t.index, 0xff, n * sizeof(uint32_t));
	for (uint32_t v = 0; v < g->nr_nodes; v++)
		if (t.index[v] == GRAPH_NONE)
			tarjan_from(&t, v);
	out->start[out->nr] = t.nr_out_nodes;
	/* Unsorted components still have a valid layout if sorting fails. */
	if (sort_cycles(out) < 0)
		ret = ipbp_error(err, "out of memory");
out:
	free(t.index);
	free(t.low);
	free(t.on_stack);
	free(t.stack);
	free(t.call_node);
	free(t.call_edge);
	if (ret < 0)
		graph_cycles_release(out);
	return ret;
}

void graph_cycles_release(struct graph_cycles *c)
{
	free(c->nodes);
	free(c->start);
	memset(c, 0, sizeof(*c));
}
