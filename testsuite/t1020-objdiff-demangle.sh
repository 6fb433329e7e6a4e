#!/bin/sh
# t1020-objdiff-demangle - C++ names for people: objdiff -C ends each symbol
# line of a C++ name with "# " and the name demangled (as nm -C shows it)
# and adds "demangled" to its JSON; the stream stays one mkpatch reads, so
# that a user can select C++ functions by their readable names with grep;
# with -d, the instruction listing shows the names of call targets and
# data demangled too, as objdump -dC does; patchinfo -C ends the entries
# of C++ names the same way.  C names get nothing.
. "$IPBP_SRC/testsuite/lib.sh"

for t in objdiff mkpatch patchinfo g++ nm python3; do
	command -v $t >/dev/null 2>&1 || skip_all "$t not found"
done

mkdir new
cat >old.cc <<'EOF'
namespace geo {
struct Point {
	int x, y;
	int norm() const;
};
int Point::norm() const { return x * x + y * y; }
}
int area(int w, int h) { return w * h; }
extern "C" int c_func(int x) { return x + 1; }
EOF
sed -e 's/x \* x + y \* y/x * x + 2 * y * y/' -e 's/w \* h;/w * h + 1;/' \
    -e 's/x + 1;/x + 2;/' old.cc >new/old.cc
g++ -O2 -c old.cc -o old.o && g++ -O2 -c new/old.cc -o new.o || exit 1

test_expect_success 'objdiff -C: C++ names end in the demangled name, C names in nothing' '
	objdiff -C old.o new.o >out; test $? = 1 &&
	cat out &&
	grep -x "~ func _ZNK3geo5Point4normEv [0-9]* [0-9]* code # geo::Point::norm() const" out &&
	grep -x "~ func _Z4areaii [0-9]* [0-9]* code # area(int, int)" out &&
	grep -x "~ func c_func [0-9]* [0-9]* code" out
'

test_expect_success 'the names are those nm -C shows' '
	nm -C --defined-only new.o | sed -n "s/^[0-9a-f]* T //p" | sort >expect &&
	nm --defined-only new.o | sed -n "s/^[0-9a-f]* T //p" | sort >mangled &&
	objdiff -C old.o new.o | sed -n "s/^~ func \([^ ]*\) .*# \(.*\)/\2/p" >d &&
	objdiff -C old.o new.o | sed -n "s/^~ func \([^ ]*\) [0-9]* [0-9]* code\$/\1/p" >>d &&
	sort d >out &&
	test_cmp expect out
'

test_expect_success 'without -C the stream is as it was' '
	objdiff old.o new.o >plain; test $? = 1 &&
	objdiff -C old.o new.o | sed "s/ # .*//" >stripped &&
	test_cmp plain stripped
'

test_expect_success 'JSON: "demangled" after "name", for C++ names only' '
	objdiff -C --format=json old.o new.o >out.json; test $? = 1 &&
	python3 -c "import json
d = json.load(open(\"out.json\"))
s = {x[\"name\"]: x.get(\"demangled\") for x in d[\"pairs\"][0][\"symbols\"]}
assert s == {\"_ZNK3geo5Point4normEv\": \"geo::Point::norm() const\",
             \"_Z4areaii\": \"area(int, int)\", \"c_func\": None}, s
assert list(d[\"pairs\"][0][\"symbols\"][0])[:4] == [\"status\", \"kind\", \"name\", \"demangled\"] or \
       \"demangled\" not in d[\"pairs\"][0][\"symbols\"][0]"
'

# calls.cc: a call whose target changes, a data reference with an offset,
# a C function called, and a .cold part listed under its parent.
cat >calls.cc <<'EOF'
namespace geo {
int helper(int);
int other(int);
int table[4];
}
extern "C" int c_func(int);
namespace geo {
int scale(int x)
{
	if (__builtin_expect(x < 0, 0))
		throw x;
	return helper(x) * 100 + table[2] + c_func(x);
}
}
EOF
sed -e 's/helper(x) \* 100/other(x) * 101/' calls.cc >new/calls.cc
g++ -O2 -c calls.cc -o calls.o && g++ -O2 -c new/calls.cc -o calls.new.o || exit 1

test_expect_success 'objdiff -d -C: operands and parts demangled, positions as they are' '
	objdiff -d -C calls.o calls.new.o >out; test $? = 1 &&
	cat out &&
	grep -x "~ func _ZN3geo5scaleEi [0-9]* [0-9]* code,relocs # geo::scale(int)" out &&
	grep -E "^  @@ -_ZN3geo5scaleEi\+0x[0-9a-f]+ \+_ZN3geo5scaleEi\+0x[0-9a-f]+ @@\$" out &&
	grep -E "^  -	? *callq? +geo::helper\(int\)\$" out &&
	grep -E "^  \+	? *callq? +geo::other\(int\)\$" out &&
	grep -E "geo::table\+0x8\(%rip\)" out &&
	grep -E "j[a-z]+ +geo::scale\(int\) \[clone \.cold\]\$" out &&
	grep -E "callq? +c_func\$" out &&
	objdiff -d calls.o calls.new.o >plain; test $? = 1 &&
	grep -E "callq? +_ZN3geo6helperEi\$" plain &&
	! grep "geo::" plain
'

test_expect_success 'grep by the demangled name selects for mkpatch' '
	objdiff -C old.o new.o | grep -e "^---" -e "^+++" -e "geo::Point::" >sel &&
	mkpatch -o p.so <sel &&
	patchinfo --format=json p.so | python3 -c "import json, sys
d = json.load(sys.stdin)
assert [e[\"name\"] for e in d[\"replaced\"]] == [\"_ZNK3geo5Point4normEv\"], d[\"replaced\"]"
'

test_expect_success 'a comment is read on any symbol line, after the sizes only' '
	printf "%s\n" "--- old.o" "+++ new.o" "~ func _Z4areaii 4 7 code # area(int, int)" >sel2 &&
	mkpatch -o p2.so <sel2 &&
	patchinfo p2.so | grep "^replace func _Z4areaii " &&
	printf "%s\n" "--- old.o" "+++ new.o" "~ func _Z4areaii # 4 7 code" >bad &&
	mkpatch -o p3.so <bad 2>err; test $? = 2 &&
	cat err &&
	grep -x "mkpatch: standard input:3: extra field '"'"'code'"'"'" err &&
	! test -e p3.so
'

test_expect_success 'patchinfo -C: entries of C++ names end in the demangled name' '
	patchinfo -C p.so >out &&
	cat out &&
	grep "^replace func _ZNK3geo5Point4normEv .* # geo::Point::norm() const\$" out &&
	patchinfo p.so >plain &&
	sed "s/ # .*//" out >stripped &&
	test_cmp plain stripped
'

test_expect_success 'patchinfo -C with --format=json or --verify: a usage error' '
	patchinfo -C --format=json p.so >out 2>err; test $? = 2 &&
	grep -x "patchinfo: --demangle needs --format=text" err &&
	patchinfo -C --verify p.so >out 2>err; test $? = 2 &&
	grep -x "patchinfo: --verify excludes --format=json, --relocs and --demangle" err
'

test_done
