#!/bin/sh
# t2001-symgraph-queries - callers, callees and cycles:
#
#   - a call chain a -> b -> c -> d -> sink in one .text (no
#     -ffunction-sections): --callers/--callees follow it transitively and
#     stop after --depth steps;
#   - the call c -> d to a static function is resolved by the assembler
#     (no relocation): only instruction decoding finds it, so it is there
#     by default and missing with --no-decode;
#   - locals of one name in two inputs are two nodes, and --callers NAME
#     starts from both;
#   - --cycles finds mutual recursion, recursion and a cycle through two
#     objects, and nothing in an acyclic graph; it handles a cycle of
#     100000 functions (no recursion in the search);
#   - the JSON of a query is renumbered and valid.
. "$IPBP_SRC/testsuite/lib.sh"

cat >chain.c <<'EOF'
int sink;
static __attribute__((noinline)) int d(int x) { return x + sink; }
__attribute__((noinline)) int c(int x) { return d(x) * 2; }
__attribute__((noinline)) int b(int x) { return c(x) + 1; }
int a(int x) { return b(x) - c(x); }
int unrelated(void) { return 7; }
EOF
cat >one.c <<'EOF'
static int tool(int x) { return x + 1; }
int use_one(int x) { return tool(x); }
EOF
cat >two.c <<'EOF'
static int tool(int x) { return x + 2; }
int use_two(int x) { return tool(x) * tool(x); }
EOF
cat >rec.c <<'EOF'
int is_odd(unsigned n);
int is_even(unsigned n) { return n == 0 ? 1 : is_odd(n - 1); }
int is_odd(unsigned n) { return n == 0 ? 0 : is_even(n - 1); }
int fact(int n) { return n <= 1 ? 1 : n * fact(n - 1); }
int leaf(int n) { return n; }
EOF
cat >x.c <<'EOF'
int q(int);
int p(int n) { return n ? q(n - 1) : 0; }
int r(int n) { return p(n); }
EOF
cat >y.c <<'EOF'
int r(int);
int q(int n) { return r(n); }
EOF

test_expect_success 'build x86-64 ELF objects at -O0, without -ffunction-sections' '
	for f in chain one two rec x y; do
		clang -target x86_64-linux-gnu -O0 -c $f.c || exit 1
	done
'

test_expect_success '--callees: transitive, in node order' '
	cat >expect <<-\EOF &&
	d func local chain.o
	  -> sink (1)
	c func global chain.o
	  -> d (1)
	sink data global chain.o
	b func global chain.o
	  -> c (1)
	a func global chain.o
	  -> c (1)
	  -> b (1)
	EOF
	symgraph --callees a chain.o >out &&
	test_cmp expect out
'

test_expect_success '--callees --depth 1: direct callees only' '
	cat >expect <<-\EOF &&
	c func global chain.o
	b func global chain.o
	  -> c (1)
	a func global chain.o
	  -> c (1)
	  -> b (1)
	EOF
	symgraph --callees a --depth 1 chain.o >out &&
	test_cmp expect out
'

test_expect_success '--callers: transitive, through every path' '
	symgraph --callers d chain.o >out &&
	grep -v "^ " out >nodes &&
	printf "%s\n" "d func local chain.o" "c func global chain.o" \
		"b func global chain.o" "a func global chain.o" >expect &&
	test_cmp expect nodes
'

test_expect_success '--callers --depth: 0 is the symbol, 1 adds callers, 2 theirs' '
	symgraph --callers=d --depth=0 chain.o >d0 &&
	echo "d func local chain.o" >expect &&
	test_cmp expect d0 &&
	symgraph --callers d -d 1 chain.o | grep -v "^ " >d1 &&
	printf "%s\n" "d func local chain.o" "c func global chain.o" >expect &&
	test_cmp expect d1 &&
	symgraph --callers d --depth 2 chain.o | grep -v "^ " >d2 &&
	printf "%s\n" "d func local chain.o" "c func global chain.o" \
		"b func global chain.o" "a func global chain.o" >expect &&
	test_cmp expect d2
'

test_expect_success 'unrelated symbols stay out of queries' '
	! grep unrelated out &&
	symgraph --callers unrelated chain.o >u &&
	echo "unrelated func global chain.o" >expect &&
	test_cmp expect u
'

test_expect_success 'c -> d has no relocation: found only by decoding' '
	symgraph chain.o >with &&
	symgraph --no-decode chain.o >without &&
	grep -A1 "^c func" with >c-with &&
	grep -A1 "^c func" without >c-without &&
	printf "%s\n" "c func global chain.o" "  -> d (1)" >expect &&
	test_cmp expect c-with &&
	printf "%s\n" "c func global chain.o" "sink data global chain.o" >expect &&
	test_cmp expect c-without &&
	symgraph --no-decode --callers d chain.o >no-callers &&
	echo "d func local chain.o" >expect &&
	test_cmp expect no-callers
'

test_expect_success 'with -ffunction-sections the same edge is a relocation' '
	clang -target x86_64-linux-gnu -O0 -ffunction-sections -c chain.c -o chain-fs.o &&
	symgraph --no-decode chain-fs.o >fs &&
	grep -A1 "^c func" fs >c-fs &&
	printf "%s\n" "c func global chain-fs.o" "  -> d (1)" >expect &&
	test_cmp expect c-fs
'

test_expect_success 'locals of one name in two inputs are two nodes' '
	symgraph one.o two.o >out &&
	grep "^tool " out >tools &&
	printf "%s\n" "tool func local one.o" "tool func local two.o" >expect &&
	test_cmp expect tools &&
	cat >expect <<-\EOF &&
	tool func local one.o
	use_one func global one.o
	  -> tool (1)
	tool func local two.o
	use_two func global two.o
	  -> tool (2)
	EOF
	symgraph --callers tool one.o two.o >callers &&
	test_cmp expect callers
'

test_expect_success 'several --callers: the union' '
	symgraph --callers use_one --callers use_two one.o two.o >out &&
	printf "%s\n" "use_one func global one.o" "use_two func global two.o" >expect &&
	test_cmp expect out
'

test_expect_success 'query JSON: only the nodes found, renumbered' '
	symgraph --callers tool --format=json one.o two.o >q.json &&
	python3 -m json.tool q.json >/dev/null &&
	python3 -c "
import json
g = json.load(open(\"q.json\"))
names = [(n[\"name\"], n[\"input\"]) for n in g[\"nodes\"]]
assert names == [(\"tool\", \"one.o\"), (\"use_one\", \"one.o\"),
                 (\"tool\", \"two.o\"), (\"use_two\", \"two.o\")], names
edges = [(e[\"from\"], e[\"to\"], e[\"count\"]) for e in g[\"edges\"]]
assert edges == [(1, 0, 1), (3, 2, 2)], edges
"
'

test_expect_success 'query DOT is accepted by Graphviz' '
	symgraph --callees a --format=dot chain.o | dot -Tsvg >/dev/null
'

test_expect_success '--cycles: mutual recursion and recursion' '
	cat >expect <<-\EOF &&
	is_even func global rec.o
	  -> is_odd (1)
	is_odd func global rec.o
	  -> is_even (1)

	fact func global rec.o
	  -> fact (1)
	EOF
	symgraph --cycles rec.o >out &&
	test_cmp expect out
'

test_expect_success '--cycles: a cycle through two objects' '
	cat >expect <<-\EOF &&
	p func global x.o
	  -> q (1)
	r func global x.o
	  -> p (1)
	q func global y.o
	  -> r (1)
	EOF
	symgraph --cycles x.o y.o >out &&
	test_cmp expect out
'

test_expect_success '--cycles: none in an acyclic graph' '
	symgraph --cycles chain.o one.o >out &&
	test ! -s out &&
	symgraph --cycles --format=json chain.o >none.json &&
	python3 -c "
import json
g = json.load(open(\"none.json\"))
assert g == {\"symgraph\": 1, \"nodes\": [], \"edges\": [], \"cycles\": []}, g
"
'

test_expect_success '--cycles as JSON and DOT' '
	symgraph --cycles --format=json rec.o x.o y.o >c.json &&
	python3 -c "
import json
g = json.load(open(\"c.json\"))
names = lambda c: sorted(g[\"nodes\"][i][\"name\"] for i in c)
cycles = [names(c) for c in g[\"cycles\"]]
assert cycles == [[\"is_even\", \"is_odd\"], [\"fact\"], [\"p\", \"q\", \"r\"]], cycles
assert len(g[\"edges\"]) == 6, g[\"edges\"]
" &&
	symgraph --cycles --format=dot rec.o x.o y.o >c.dot &&
	dot -Tsvg c.dot >/dev/null &&
	test $(grep -c "subgraph cluster_" c.dot) = 3
'

test_expect_success 'a cycle of 100000 functions (iterative search)' '
	awk "BEGIN {
		n = 100000
		print \".text\"
		for (i = 0; i < n; i++) {
			printf \".globl f%d\n.type f%d,@function\nf%d:\n\tcall f%d\n\tret\n.size f%d, .-f%d\n\", i, i, i, (i + 1) % n, i, i
		}
	}" >ring.s &&
	clang -target x86_64-linux-gnu -c ring.s -o ring.o &&
	symgraph --cycles ring.o >ring.out &&
	test $(wc -l <ring.out) = 200000 &&
	symgraph --callers f0 ring.o | grep -c "^f" >n &&
	echo 100000 >expect &&
	test_cmp expect n
'

test_done
