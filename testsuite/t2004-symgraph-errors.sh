#!/bin/sh
# t2004-symgraph-errors - symgraph refuses what it cannot do with exit 2
# and one clear message on stderr, "symgraph: FILE: message", and
# nothing on stdout:
#
#   - inputs: missing, garbage, empty, truncated, a directory without
#     objects is fine but an unreadable object in it is not;
#   - queries: an unknown symbol for --callers/--callees;
#   - usage: bad option, missing argument, unknown format, bad depth,
#     --depth alone, two queries at once, no input files;
#   - a directory input reads the objects in it, by name.
. "$IPBP_SRC/testsuite/lib.sh"

cat >a.c <<'EOF'
int b(void);
int a(void) { return b(); }
EOF
cat >b.c <<'EOF'
int b(void) { return 1; }
EOF

# fails_with EXPECTED-STDERR-LINE... -- COMMAND...: exit 2, exact stderr,
# empty stdout.
fails_with() {
	: >expect-err
	while test "$1" != "--"; do
		echo "$1" >>expect-err
		shift
	done
	shift
	"$@" >out 2>err
	s=$?
	test $s = 2 || { echo "exit status $s, not 2"; return 1; }
	test ! -s out || { echo "stdout not empty:"; cat out; return 1; }
	test_cmp expect-err err
}

try='Try '\''symgraph --help'\'' for more information.'

test_expect_success 'build objects' '
	clang -target x86_64-linux-gnu -O1 -c a.c b.c
'

test_expect_success 'missing file' '
	fails_with "symgraph: missing.o: No such file or directory" -- symgraph a.o missing.o
'

test_expect_success 'garbage file: unknown format' '
	echo "this is not an object file" >garbage.o &&
	symgraph garbage.o >out 2>err; test $? = 2 &&
	test ! -s out &&
	grep "^symgraph: garbage.o: unknown file format" err &&
	test $(wc -l <err) = 1
'

test_expect_success 'empty file' '
	: >empty.o &&
	fails_with "symgraph: empty.o: empty file" -- symgraph empty.o
'

test_expect_success 'truncated object: refused with a message, never a crash' '
	size=$(wc -c <a.o) &&
	for n in 1 16 63 64 100 200 $((size / 2)) $((size - 1)); do
		head -c $n a.o >t.o &&
		symgraph t.o >out 2>err
		s=$?
		test $s = 0 || test $s = 2 || { echo "$n: exit $s"; exit 1; }
		test $s = 0 || grep -q "^symgraph: t.o: " err || { echo "$n:"; cat err; exit 1; }
	done
'

test_expect_success 'an unknown symbol for --callers and --callees' '
	fails_with "symgraph: nosuch: no such symbol in the inputs" -- symgraph --callers nosuch a.o b.o &&
	fails_with "symgraph: nosuch: no such symbol in the inputs" -- symgraph --callees=nosuch a.o
'

test_expect_success 'bad option' '
	fails_with "symgraph: unrecognized option '\''--bogus'\''" "$try" -- symgraph --bogus a.o
'

test_expect_success 'missing option argument' '
	fails_with "symgraph: option '\''--callers'\'' requires an argument" "$try" -- symgraph a.o --callers
'

test_expect_success 'unknown format' '
	fails_with "symgraph: unknown format '\''xml'\'' (text, json or dot)" "$try" -- symgraph --format=xml a.o
'

test_expect_success 'bad depth' '
	fails_with "symgraph: invalid depth '\''x'\''" "$try" -- symgraph --callers a --depth x a.o &&
	fails_with "symgraph: invalid depth '\''-1'\''" "$try" -- symgraph --callers a --depth=-1 a.o
'

test_expect_success '--depth without --callers or --callees' '
	fails_with "symgraph: --depth needs --callers or --callees" "$try" -- symgraph --depth 2 a.o
'

test_expect_success 'two queries at once' '
	fails_with "symgraph: --callers, --callees, --undefined and --cycles exclude each other" "$try" -- \
		symgraph --undefined --cycles a.o
'

test_expect_success 'no input files' '
	fails_with "symgraph: no input files" "$try" -- symgraph &&
	fails_with "symgraph: no input files" "$try" -- symgraph --undefined
'

test_expect_success 'an output that cannot be created' '
	fails_with "symgraph: nodir/out.txt: No such file or directory" -- symgraph -o nodir/out.txt a.o
'

test_expect_success 'a directory: its objects by name, recursively' '
	mkdir -p tree/sub &&
	cp a.o tree/sub/ && cp b.o tree/ && echo notes >tree/README &&
	symgraph tree >out &&
	cat >expect <<-\EOF &&
	b func global tree/b.o
	a func global tree/sub/a.o
	  -> b (1)
	EOF
	test_cmp expect out
'

test_expect_success 'a directory with a broken object in it is an error' '
	cp garbage.o tree/ &&
	symgraph tree >out 2>err; test $? = 2 &&
	grep "^symgraph: tree/garbage.o: unknown file format" err
'

test_done
