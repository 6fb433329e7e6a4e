#!/bin/sh
# t2002-symgraph-archive - several inputs, archives and undefined symbols:
#
#   - each member of an archive is an input "lib.a(member.o)" and
#     references between members and objects bind as the linker binds them;
#   - --undefined lists each undefined symbol in order of first reference
#     with its referencing and defining inputs, or "unresolved" (text and
#     JSON, GNU and BSD archives);
#   - a strong definition beats a weak one (whose references are dropped),
#     a second strong definition is a warning and the first one stays,
#     common symbols merge silently.
. "$IPBP_SRC/testsuite/lib.sh"

cat >main.c <<'EOF'
int helper(int);
int fmt(const char *);
int missing_fn(void);
int puts(const char *);
extern void weak_hook(void) __attribute__((weak));

int main(void)
{
	if (weak_hook)
		weak_hook();
	puts("start");
	return helper(1) + fmt("x") + missing_fn();
}
EOF
cat >util.c <<'EOF'
int fmt(const char *);
int puts(const char *);

int helper(int x)
{
	puts("helper");
	return fmt("%d") + x;
}
EOF
cat >fmt.c <<'EOF'
unsigned long strlen(const char *);

int fmt(const char *s)
{
	return (int)strlen(s);
}
EOF
cat >w1.c <<'EOF'
int weak_only(void);
__attribute__((weak)) int pick(void) { return weak_only(); }
int first(void) { return pick(); }
EOF
cat >w2.c <<'EOF'
int strong_only(void);
int pick(void) { return strong_only(); }
EOF
cat >dup1.c <<'EOF'
int dup_value = 1;
int common_thing;
EOF
cat >dup2.c <<'EOF'
int dup_value = 2;
int common_thing;
int *get(void) { return &dup_value; }
EOF

test_expect_success 'build objects and a GNU archive (ar rcs)' '
	clang -target x86_64-linux-gnu -O1 -fcommon -c main.c util.c fmt.c w1.c w2.c dup1.c dup2.c &&
	ar rcs libutil.a util.o fmt.o
'

test_expect_success 'archive members are inputs named lib.a(member.o)' '
	cat >expect <<-\EOF &&
	main func global main.o
	  -> .rodata.str1.1 (2)
	  -> helper (1)
	  -> fmt (1)
	  -> weak_hook (2)
	  -> puts (1)
	  -> missing_fn (1)
	.rodata.str1.1 section local main.o
	helper func global libutil.a(util.o)
	  -> .rodata.str1.1 (2)
	  -> fmt (1)
	  -> puts (1)
	.rodata.str1.1 section local libutil.a(util.o)
	fmt func global libutil.a(fmt.o)
	  -> strlen (1)
	weak_hook notype weak *UND*
	puts notype global *UND*
	missing_fn notype global *UND*
	strlen notype global *UND*
	EOF
	symgraph main.o libutil.a >out 2>err &&
	test_cmp expect out &&
	test ! -s err
'

test_expect_success '--callers across an object and archive members' '
	cat >expect <<-\EOF &&
	main func global main.o
	  -> helper (1)
	  -> fmt (1)
	helper func global libutil.a(util.o)
	  -> fmt (1)
	fmt func global libutil.a(fmt.o)
	EOF
	symgraph --callers fmt main.o libutil.a >out &&
	test_cmp expect out
'

cat >expect-undefined <<'EOF'
weak_hook <- main.o -> unresolved
puts <- main.o libutil.a(util.o) -> unresolved
helper <- main.o -> libutil.a(util.o)
fmt <- main.o libutil.a(util.o) -> libutil.a(fmt.o)
missing_fn <- main.o -> unresolved
strlen <- libutil.a(fmt.o) -> unresolved
EOF

test_expect_success '--undefined: referencing inputs, then definers or unresolved' '
	symgraph --undefined main.o libutil.a >out &&
	test_cmp expect-undefined out &&
	symgraph -u main.o libutil.a >out2 &&
	test_cmp out out2
'

test_expect_success '--undefined with loose objects gives the same answer' '
	symgraph --undefined main.o util.o fmt.o |
		sed "s/\(util\|fmt\)\.o/libutil.a(&)/g" >out &&
	test_cmp expect-undefined out
'

test_expect_success '--undefined on a BSD archive (llvm-ar --format=bsd)' '
	llvm-ar rcs --format=bsd libbsd.a util.o fmt.o &&
	symgraph --undefined main.o libbsd.a | sed "s/libbsd/libutil/g" >out &&
	test_cmp expect-undefined out
'

test_expect_success '--undefined as JSON' '
	symgraph --undefined --format=json main.o libutil.a >u.json &&
	python3 -m json.tool u.json >/dev/null &&
	python3 -c "
import json
u = json.load(open(\"u.json\"))
assert u[\"symgraph\"] == 1
rows = {x[\"name\"]: x for x in u[\"undefined\"]}
assert [x[\"name\"] for x in u[\"undefined\"]] == [\"weak_hook\", \"puts\", \"helper\", \"fmt\", \"missing_fn\", \"strlen\"]
assert rows[\"fmt\"] == {\"name\": \"fmt\", \"referenced_by\": [\"main.o\", \"libutil.a(util.o)\"],
    \"defined_in\": [\"libutil.a(fmt.o)\"], \"resolved\": True}, rows[\"fmt\"]
assert rows[\"missing_fn\"][\"defined_in\"] == [] and rows[\"missing_fn\"][\"resolved\"] is False
"
'

test_expect_success '--undefined as DOT: unresolved ones in red' '
	symgraph --undefined --format=dot main.o libutil.a >u.dot &&
	dot -Tsvg u.dot >/dev/null &&
	test $(grep -c "color=red" u.dot) = 4
'

test_expect_success 'nothing undefined: empty output' '
	symgraph --undefined dup1.o >out &&
	test ! -s out
'

test_expect_success 'a strong definition beats a weak one; the weak body is dropped' '
	cat >expect <<-\EOF &&
	first func global w1.o
	  -> pick (1)
	pick func global w2.o
	  -> strong_only (1)
	weak_only notype global *UND*
	strong_only notype global *UND*
	EOF
	symgraph w1.o w2.o >out 2>err &&
	test_cmp expect out &&
	test ! -s err &&
	symgraph --undefined w1.o w2.o >u &&
	printf "%s\n" "weak_only <- w1.o -> unresolved" "strong_only <- w2.o -> unresolved" >expect &&
	test_cmp expect u
'

test_expect_success 'a second strong definition: warning, first one kept, exit 0' '
	cat >expect <<-\EOF &&
	dup_value data global dup1.o
	common_thing data global dup1.o
	get func global dup2.o
	  -> dup_value (1)
	EOF
	symgraph dup1.o dup2.o >out 2>err &&
	test_cmp expect out &&
	echo "symgraph: warning: dup2.o: multiple definition of dup_value (first defined in dup1.o)" >expect-err &&
	test_cmp expect-err err
'

test_expect_success 'common symbols: section *COM* in JSON' '
	symgraph --format=json dup1.o dup2.o 2>/dev/null >d.json &&
	python3 -c "
import json
g = json.load(open(\"d.json\"))
c = [n for n in g[\"nodes\"] if n[\"name\"] == \"common_thing\"]
assert len(c) == 1 and c[0][\"section\"] == \"*COM*\" and c[0][\"size\"] == 4, c
"
'

test_done
