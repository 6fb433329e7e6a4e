#!/bin/sh
# t2000-symgraph-basic - symgraph prints who references whom:
#
#   - two x86-64 ELF objects built at -O0 (a static function calling a
#     global one of the other object twice, a string literal, an undefined
#     libc function) give exactly the text graph doc/symgraph.1 shows;
#   - the same graph as JSON is valid (python3 -m json.tool) and holds the
#     same nodes and edges, with "from"/"to" as node indices;
#   - as DOT it is accepted by Graphviz (dot -Tsvg);
#   - output is deterministic, "-" reads standard input, -o writes a file
#     (and replaces it atomically), --help and --version go to stdout.
. "$IPBP_SRC/testsuite/lib.sh"

cat >main.c <<'EOF'
int helper(int);
int puts(const char *);

static int twice(int x)
{
	return helper(x) + helper(x + 1);
}

int main(void)
{
	puts("hello");
	return twice(2);
}
EOF
cat >util.c <<'EOF'
static int counter;

int helper(int x)
{
	counter += x;
	return counter;
}
EOF

test_expect_success 'build x86-64 ELF objects at -O0' '
	clang -target x86_64-linux-gnu -O0 -c main.c util.c
'

test_expect_success 'text output: nodes in input order, edges with counts' '
	cat >expect <<-\EOF &&
	twice func local main.o
	  -> helper (2)
	main func global main.o
	  -> twice (1)
	  -> .rodata.str1.1 (1)
	  -> puts (1)
	.rodata.str1.1 section local main.o
	counter data local util.o
	helper func global util.o
	  -> counter (3)
	puts notype global *UND*
	EOF
	symgraph main.o util.o >out &&
	test_cmp expect out
'

test_expect_success 'the text example of symgraph.1 is this output' '
	sed -n "/^twice func local main.o/,/^puts notype/p" "$IPBP_SRC/doc/symgraph.1" |
		sed "s/\\\\-/-/g; s/^\\\\&//" >man &&
	test_cmp expect man
'

test_expect_success 'inputs in the other order: util.o nodes first' '
	symgraph util.o main.o >out2 &&
	head -3 out2 >head &&
	printf "%s\n" "counter data local util.o" "helper func global util.o" "  -> counter (3)" >expect2 &&
	test_cmp expect2 head
'

test_expect_success 'output is deterministic' '
	symgraph main.o util.o >again &&
	test_cmp out again &&
	symgraph --format=json main.o util.o >j1 &&
	symgraph --format=json main.o util.o >j2 &&
	test_cmp j1 j2
'

test_expect_success 'JSON is valid' '
	symgraph --format=json main.o util.o >graph.json &&
	python3 -m json.tool graph.json >/dev/null
'

test_expect_success 'JSON holds the documented members and the same graph' '
	cat >check.py <<-\EOF &&
	import json, sys
	g = json.load(open(sys.argv[1]))
	assert g["symgraph"] == 1, g["symgraph"]
	assert set(g) == {"symgraph", "nodes", "edges"}, set(g)
	keys = {"name", "kind", "binding", "section", "size", "defined", "input"}
	for n in g["nodes"]:
	    assert set(n) == keys, n
	nodes = g["nodes"]
	by = {(n["name"], n["input"]): i for i, n in enumerate(nodes)}
	assert nodes[by[("main", "main.o")]]["section"] == ".text"
	assert nodes[by[("counter", "util.o")]] == {"name": "counter", "kind": "data",
	    "binding": "local", "section": ".bss", "size": 4, "defined": True,
	    "input": "util.o"}, nodes[by[("counter", "util.o")]]
	puts = nodes[by[("puts", None)]]
	assert puts["defined"] is False and puts["section"] is None, puts
	for e in g["edges"]:
	    assert set(e) == {"from", "to", "count"}, e
	    assert 0 <= e["from"] < len(nodes) and 0 <= e["to"] < len(nodes)
	# the text output, rebuilt from the JSON
	for i, n in enumerate(nodes):
	    print(n["name"], n["kind"], n["binding"], n["input"] or "*UND*")
	    for e in g["edges"]:
	        if e["from"] == i:
	            print("  ->", nodes[e["to"]]["name"], "(%d)" % e["count"])
	EOF
	python3 check.py graph.json >from-json &&
	test_cmp out from-json
'

test_expect_success 'DOT is accepted by Graphviz' '
	symgraph --format=dot main.o util.o >graph.dot &&
	dot -Tsvg graph.dot >graph.svg &&
	grep -q "<svg" graph.svg &&
	grep -q "label=\"main.o\"" graph.dot &&
	grep -q "label=\"helper\"" graph.dot
'

test_expect_success 'DOT edges match the text edges' '
	grep -c -- "->" out >n-text &&
	grep -c -- " -> n" graph.dot >n-dot &&
	test_cmp n-text n-dot
'

test_expect_success '"-" reads standard input' '
	symgraph - <util.o >stdin.out &&
	printf "%s\n" "counter data local -" "helper func global -" "  -> counter (3)" >expect3 &&
	test_cmp expect3 stdin.out
'

test_expect_success '-o writes the file, stdout stays empty' '
	symgraph -o graph.txt main.o util.o >stdout &&
	test_cmp out graph.txt &&
	test ! -s stdout &&
	symgraph --output=graph.txt --format=json main.o util.o &&
	test_cmp graph.json graph.txt &&
	ls graph.txt* >files &&
	echo graph.txt >expect-files &&
	test_cmp expect-files files
'

test_expect_success '-o keeps the old file when symgraph fails' '
	echo old >keep.txt &&
	test_must_fail_2() { "$@"; test $? = 2; } &&
	test_must_fail_2 symgraph -o keep.txt main.o missing.o 2>err &&
	echo old >expect-old &&
	test_cmp expect-old keep.txt &&
	test_must_fail_2 symgraph -o keep.txt --callers nosuch main.o 2>err &&
	test_cmp expect-old keep.txt &&
	ls keep.txt* >files &&
	echo keep.txt >expect-files &&
	test_cmp expect-files files
'

test_expect_success '--help and --version print on stdout and exit 0' '
	symgraph --help >help 2>err &&
	grep -q "^Usage: symgraph" help &&
	grep -q -- "--callers" help &&
	test ! -s err &&
	symgraph -h >help2 && test_cmp help help2 &&
	symgraph --version >version 2>err &&
	grep -q "^symgraph (ipbp) [0-9]" version &&
	test ! -s err
'

test_expect_success 'the man page documents every long option of --help' '
	sed "s/\\\\-/-/g" "$IPBP_SRC/doc/symgraph.1" >man.txt &&
	sed -n "s/.*\(--[a-z-]*\).*/\1/p" help | sort -u >opts &&
	test -s opts &&
	while read o; do
		grep -q -e "$o" man.txt || { echo "missing $o"; exit 1; }
	done <opts
'

test_done
