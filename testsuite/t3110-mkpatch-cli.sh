#!/bin/sh
# t3110-mkpatch-cli - mkpatch's command line (mkpatch(1)): the stream on
# standard input, OLD NEW operands, a grep-filtered stream with -s -, build
# trees (-r) and archives holding several objects, --target, and the
# errors: every failure exits 2 and leaves no output file behind (an
# existing one stays as it was).
#
# The program: two build trees old/ and new/ (gcc -O2, one section per
# function and object) of three sources:
#   a.c  fa (changed: calls fb, the changed global function of b.c) and
#        fa2 (changed), a_same; a file-local "static int state"
#   b.c  fb (changed); its own file-local "static int state"
#   c.c  c_same (unchanged)
# In a patch of both trees fa must call fb inside the patch (fb is
# replaced, not imported), and the two "state" are two imports told apart
# by their source file, each bound to the relocations of its own object's
# function (checked on the raw manifest by testsuite/mkpatch/reloc-imports,
# since patchinfo's JSON names an import by name only).
# Last, the warning for C++ code (no unwind tables in a patch), and its
# absence for C.
. "$IPBP_SRC/testsuite/lib.sh"

NORMALIZE="$IPBP_SRC/testsuite/mkpatch/normalize-json"
RELOCS="$IPBP_SRC/testsuite/mkpatch/reloc-imports"
FS="-ffunction-sections -fdata-sections"

for t in objdiff mkpatch patchinfo python3 gcc; do
	command -v $t >/dev/null 2>&1 || skip_all "$t not found"
done

mkdir old new
cat >old/a.c <<'EOF'
static int state;
int fb(int);

int fa(int x)
{
	state += x;
	return fb(x) + state;
}

int fa2(int x)
{
	return x * 11 + 1;
}

int a_same(int x)
{
	return x ^ 0x3c;
}
EOF
cat >old/b.c <<'EOF'
static int state = 4;

int fb(int x)
{
	state ^= x;
	return x + state + 1;
}
EOF
cat >old/c.c <<'EOF'
int c_same(int x)
{
	return x - 3;
}
EOF
cat >main.c <<'EOF'
int fa(int), fa2(int), a_same(int), c_same(int);

int main(int argc, char **argv)
{
	(void)argv;
	return fa(argc) + fa2(argc) + a_same(argc) + c_same(argc);
}
EOF
sed -e 's/return fb(x) + state;/return fb(x) * 2 + state;/' \
    -e 's/x \* 11 + 1/x * 11 + 2/' old/a.c >new/a.c
sed 's/x + state + 1/x + state + 2/' old/b.c >new/b.c
cp old/c.c new/c.c
# other/: a.c changed in place (same size, other bytes), as if the program
# had been built from another old source.
mkdir other
sed 's/state += x;/state ^= x;/' old/a.c >other/a.c

for d in old new other; do
	for f in $d/*.c; do
		(cd $d && gcc -O2 $FS -c "$(basename "$f")") || exit 1
	done
done
gcc -O2 -c main.c -o main.o &&
gcc old/a.o old/b.o old/c.o main.o -o app &&
gcc other/a.o old/b.o old/c.o main.o -o app2 || exit 1
ar rcs x1.a old/a.o old/b.o old/c.o && ar rcs x2.a new/a.o new/b.o new/c.o || exit 1

# json PATCH: the normalized manifest; jsono PATCH: with objects.
json() {
	patchinfo --format=json "$1" | "$NORMALIZE"
}
jsono() {
	patchinfo --format=json "$1" | "$NORMALIZE" --objects
}

# field PATCH PYTHON-EXPRESSION: a value from patchinfo's JSON (d).
field() {
	patchinfo --format=json "$1" | python3 -c "import json, sys
d = json.load(sys.stdin)
print($2)"
}

# refused COMMAND...: exit 2, stderr in err, nothing written: p.so (made
# beforehand) stays as it was and no temporary is left next to it.
refused() {
	echo keep >p.so
	"$@" 2>err
	code=$?
	cat err
	[ "$code" = 2 ] || { echo "exit status $code, expected 2"; return 1; }
	test "$(cat p.so)" = keep || { echo "p.so was overwritten"; return 1; }
	test "$(echo p.so*)" = p.so || { echo "left behind: $(echo p.so*)"; return 1; }
}

printf '%s\n' "import data state file=a.c" "import func fb" "replace func fa" \
	"replace func fa2" >expect.a

test_expect_success 'stream on standard input' '
	objdiff old/a.o new/a.o >stream.a; test $? = 1 &&
	mkpatch -o stdin.so <stream.a &&
	json stdin.so >out &&
	test_cmp expect.a out
'

test_expect_success 'OLD NEW without a stream: the same patch, byte for byte' '
	mkpatch -o ops.so old/a.o new/a.o &&
	cmp stdin.so ops.so
'

test_expect_success '-s FILE with OLD NEW: the same patch' '
	mkpatch -s stream.a -o file.so old/a.o new/a.o &&
	cmp stdin.so file.so
'

test_expect_success 'grep-filtered stream with -s - OLD NEW: only what is left' '
	grep -w fa2 stream.a >filtered &&
	! grep -q "^---" filtered &&
	mkpatch -s - -o grep.so old/a.o new/a.o <filtered &&
	echo "replace func fa2" >expect &&
	json grep.so >out &&
	test_cmp expect out
'

test_expect_success 'filtered stream without operands: refused, says why' '
	refused sh -c "mkpatch -o p.so <filtered" &&
	echo "mkpatch: standard input:1: the stream'"'"'s \"---\"/\"+++\" names were filtered out: give OLD and NEW as operands" >expect &&
	test_cmp expect err
'

test_expect_success 'grep-filtered stream of several pairs with -r: refused' '
	objdiff -r old new | grep -w fb >filtered.r
	refused sh -c "mkpatch -s - -r -o p.so old new <filtered.r" &&
	grep -x "mkpatch: standard input: the stream'"'"'s lines have no \"---\"/\"+++\" names (filtered out?) and there are 3 object pairs to choose from" err
'

test_expect_success 'a stream keeping its "---"/"+++" lines selects across trees' '
	objdiff -r old new | grep -e "^---" -e "^+++" -e " fa " >filtered.h &&
	mkpatch -s - -r -o fa.so old new <filtered.h &&
	printf "%s\n" "import data state file=a.c" "import func fb" "replace func fa" >expect &&
	json fa.so >out &&
	test_cmp expect out
'

printf '%s\n' \
	"import data state file=a.c object=old/a.o" \
	"import data state file=b.c object=old/b.o" \
	"replace func fa object=old/a.o" \
	"replace func fa2 object=old/a.o" \
	"replace func fb object=old/b.o" >expect.r

test_expect_success 'objdiff -r | mkpatch: one patch of several objects' '
	objdiff -r old new >stream.r; test $? = 1 &&
	mkpatch -o r.so <stream.r &&
	jsono r.so >out &&
	test_cmp expect.r out
'

test_expect_success 'mkpatch -r OLD NEW: the same patch, byte for byte' '
	mkpatch -r -o r2.so old new &&
	cmp r.so r2.so
'

test_expect_success 'two file-local "state": each function bound to its own' '
	"$RELOCS" r.so | sort -u >out &&
	printf "%s\n" "fa state file=a.c" "fb state file=b.c" >expect &&
	test_cmp expect out
'

test_expect_success 'fa calls fb inside the patch, not through an import' '
	fb=$(field r.so "[hex(e[\"new_addr\"])[2:] for e in d[\"replaced\"] if e[\"name\"] == \"fb\"][0]") &&
	objdump -d r.so | sed -n "/<fa>:/,/^\$/p" >fa.dis &&
	cat fa.dis &&
	grep -E "call +$fb <fb>" fa.dis &&
	! grep "fb@plt" fa.dis
'

test_expect_success 'archives: objdiff x1.a x2.a | mkpatch' '
	objdiff x1.a x2.a >stream.ar; test $? = 1 &&
	mkpatch -o ar.so <stream.ar &&
	sed "s|object=old/\(.\.o\)|object=x1.a(\1)|" expect.r >expect &&
	jsono ar.so >out &&
	test_cmp expect out &&
	mkpatch -o ar2.so x1.a x2.a &&
	cmp ar.so ar2.so
'

# The target's own view, independent of mkpatch: nm for global functions,
# readelf -s for file-local data (a local symbol follows its FILE symbol).
test_expect_success '--target: bound to the executable, build-id recorded' '
	mkpatch -r --target ./app -o t.so old new &&
	patchinfo t.so &&
	test "$(field t.so "d[\"target\"][\"path\"]")" = ./app &&
	test "$(field t.so "\",\".join(d[\"flags\"])")" = target &&
	id=$(readelf -n app | sed -n "s/^ *Build ID: //p") &&
	test -n "$id" &&
	test "$(field t.so "d[\"target\"][\"build_id\"]")" = "$id" &&
	test "$(patchinfo --verify t.so)" = "t.so: ok"
'

test_expect_success '--target: replaced functions at their addresses in the target' '
	nm app | awk "\$3 == \"fa\" || \$3 == \"fa2\" || \$3 == \"fb\"" |
		while read a t n; do echo "$n $(printf %d 0x$a)"; done | sort >expect &&
	test "$(wc -l <expect)" = 3 &&
	field t.so "\"\\n\".join(\"%s %d\" % (e[\"name\"], e[\"target_addr\"]) for e in d[\"replaced\"])" |
		sort >out &&
	test_cmp expect out
'

test_expect_success '--target: file-local imports resolved to their own object' '
	readelf -sW app | awk "\$4 == \"FILE\" { f = \$8 } \$8 == \"state\" { print \"state\", f, \$2 }" |
		while read n f a; do echo "$n $f $(printf %d 0x$a)"; done | sort >expect &&
	test "$(wc -l <expect)" = 2 &&
	field t.so "\"\\n\".join(\"%s %s %d\" % (e[\"name\"], e[\"file\"], e[\"target_addr\"]) for e in d[\"imports\"])" |
		sort >out &&
	test_cmp expect out
'

test_expect_success '--target built from another old source: refused' '
	refused mkpatch -r --target ./app2 -o p.so old new &&
	grep -x "mkpatch: fa: the target'"'"'s code differs from old/a.o: the target was not built from it" err
'

test_expect_success '--target: an object file is not a program' '
	refused mkpatch --target old/a.o -o p.so old/a.o new/a.o &&
	grep -x "mkpatch: old/a.o: an object file, not a linked program" err
'

# An archive member the program does not link: a linker takes a member in
# only for a global symbol it defines, and appy (main.o with y1.a) needs
# nothing of d.o.  Its changes cannot matter to appy: --target leaves the
# pair out with one note.  Without a .symtab (a stripped program) nothing
# tells what was linked statically: the old refusals stand.
mkdir -p old new
printf "static int dstate;\nint fd(int x)\n{\n\tdstate += x;\n\treturn x + dstate + 5;\n}\n" >old/d.c
sed "s/+ 5;/+ 6;/" old/d.c >new/d.c
(cd old && gcc -O2 $FS -c d.c) && (cd new && gcc -O2 $FS -c d.c) &&
ar rcs y1.a old/a.o old/b.o old/c.o old/d.o && ar rcs y2.a new/a.o new/b.o new/c.o new/d.o &&
gcc main.o y1.a -o appy && strip -o appy-stripped appy || exit 1

test_expect_success '--target: an archive member the program does not link is left out' '
	! nm appy | grep -w fd &&
	objdiff y1.a y2.a >stream.y; test $? = 1 &&
	grep -x "~ func fd .*" stream.y &&
	mkpatch --target ./appy -o y.so <stream.y 2>err &&
	cat err &&
	grep -x "mkpatch: note: y1.a(d.o): not linked into ./appy: left out" err &&
	field y.so "\"\\n\".join(sorted(e[\"name\"] for e in d[\"replaced\"]))" >out &&
	printf "%s\n" fa fa2 fb >expect &&
	test_cmp expect out &&
	mkpatch -o all.y.so <stream.y 2>/dev/null &&
	field all.y.so "\"\\n\".join(sorted(e[\"name\"] for e in d[\"replaced\"]))" >out &&
	printf "%s\n" fa fa2 fb fd >expect &&
	test_cmp expect out
'

test_expect_success '--target: nothing but members the program does not link: nothing to patch' '
	grep -e "^---" -e "^+++" -e " fd " stream.y >stream.d &&
	refused sh -c "mkpatch --target ./appy -o p.so <stream.d" &&
	grep -x "mkpatch: nothing to patch: y1.a(d.o) is not linked into ./appy" err &&
	refused mkpatch --target ./appy -o p.so old/d.o new/d.o &&
	grep -x "mkpatch: nothing to patch: old/d.o is not linked into ./appy" err
'

test_expect_success '--target: a program without .symtab tells nothing: refused as before' '
	refused sh -c "mkpatch --target ./appy-stripped -o p.so <stream.y" &&
	grep -x "mkpatch: fd: not in the target ./appy-stripped" err &&
	! grep "not linked" err
'

# aarch64: a static executable linked by lld without libc (_start of our
# own), the same checks on the other architecture.
if command -v clang >/dev/null 2>&1 && command -v ld.lld >/dev/null 2>&1; then
	mkdir arm arm/old arm/new
	cp old/a.c arm/old/a.c && cp new/a.c arm/new/a.c
	cat >arm/start.c <<'EOF'
int fa(int), fa2(int);

int fb(int x)
{
	return x;
}

void _start(void)
{
	fa(fa2(1));
	for (;;)
		;
}
EOF
	A="clang -target aarch64-linux-gnu -O2 $FS"
	(cd arm/old && $A -c a.c) && (cd arm/new && $A -c a.c) && (cd arm && $A -c start.c) &&
	clang -target aarch64-linux-gnu -nostdlib -static -fuse-ld=lld -Wl,--build-id \
		arm/old/a.o arm/start.o -o arm/app
	test_expect_success '--target on aarch64: build-id and addresses' '
		mkpatch --target arm/app -o arm.so arm/old/a.o arm/new/a.o &&
		patchinfo arm.so &&
		id=$(readelf -n arm/app | sed -n "s/^ *Build ID: //p") &&
		test -n "$id" &&
		test "$(field arm.so "d[\"target\"][\"build_id\"]")" = "$id" &&
		nm arm/app | awk "\$3 == \"fa\" || \$3 == \"fa2\"" |
			while read a t n; do echo "$n $(printf %d 0x$a)"; done | sort >expect &&
		field arm.so "\"\\n\".join(\"%s %d\" % (e[\"name\"], e[\"target_addr\"]) for e in d[\"replaced\"])" |
			sort >out &&
		test_cmp expect out &&
		test "$(patchinfo --verify arm.so)" = "arm.so: ok"
	'
else
	test_skip "--target on aarch64: clang or ld.lld not found"
fi

test_expect_success '"-o" missing: a usage error' '
	mkpatch old/a.o new/a.o >out 2>err; test $? = 2 &&
	printf "%s\n" "mkpatch: missing -o PATCH" "Try '"'"'mkpatch --help'"'"' for more information." >expect &&
	test_cmp expect err &&
	test_cmp /dev/null out
'

test_expect_success 'an empty diff: nothing to patch (operands)' '
	refused mkpatch -o p.so old/c.o new/c.o &&
	echo "mkpatch: new/c.o: nothing to patch: it does not differ from old/c.o" >expect &&
	test_cmp expect err
'

test_expect_success 'an empty diff: nothing to patch (stream)' '
	objdiff old/c.o new/c.o >empty &&
	refused sh -c "mkpatch -o p.so <empty" &&
	echo "mkpatch: standard input: nothing to patch: the stream has no \"~\" or \"+\" line" >expect &&
	test_cmp expect err
'

# A changed initializer is reported and kept (the process keeps its
# value): when that is all the selection names, there is nothing to patch,
# said of where the selection came from.
printf "int counter = 1;\nint get(void) { return counter; }\n" >init-old.c
printf "int counter = 2;\nint get(void) { return counter; }\n" >init-new.c
gcc -O2 -c init-old.c && gcc -O2 -c init-new.c || echo "gcc failed" >&2
kept="mkpatch: warning: counter: initializer changed: the running value is kept"
nothing="nothing to patch: nothing the selection names needs new code or storage"

test_expect_success 'only an initializer changed: nothing to patch (operands)' '
	refused mkpatch -o p.so init-old.o init-new.o &&
	printf "%s\n" "$kept" "mkpatch: init-new.o: $nothing" >expect &&
	test_cmp expect err
'

test_expect_success 'only an initializer changed: nothing to patch (stream)' '
	objdiff init-old.o init-new.o >init.diff; test $? = 1 &&
	grep -x "~ data counter 4 4 data" init.diff &&
	refused sh -c "mkpatch -o p.so <init.diff" &&
	printf "%s\n" "$kept" "mkpatch: standard input: $nothing" >expect &&
	test_cmp expect err
'

# Mach-O, COFF and Wasm containers come later: a clear "not supported yet".
for t in arm64-apple-macos11 x86_64-apple-macos11 x86_64-pc-windows-msvc wasm32; do
	test_expect_success "$t objects: not supported yet" "
		mkdir -p $t &&
		clang -target $t -O2 -c old/c.c -o $t/c1.o &&
		sed 's/x - 3/x - 4/' old/c.c >$t/c.c &&
		clang -target $t -O2 -c $t/c.c -o $t/c2.o &&
		refused mkpatch -o p.so $t/c1.o $t/c2.o &&
		grep -E '^mkpatch: $t/c2.o: [a-z]+ [a-z0-9-]+ patches are not supported yet\$' err &&
		objdiff $t/c1.o $t/c2.o >$t/stream; test \$? = 1 &&
		refused sh -c 'mkpatch -o p.so <$t/stream' &&
		grep 'patches are not supported yet\$' err
	"
done

test_expect_success 'objects of two architectures: refused' '
	clang -target aarch64-linux-gnu -O2 -c new/c.c -o c-arm.o 2>/dev/null &&
	refused mkpatch -o p.so old/c.o c-arm.o &&
	grep "different architectures" err
'

test_expect_success 'a directory without -r: refused with a hint' '
	refused mkpatch -o p.so old new &&
	grep "compare directories with -r" err
'

# Stacked patches (patchpkg(5), "Stacked patches"): A from (s0, s1) and B
# from (s1, s2), where f changes in both and the file-local g is added in
# s1 and changed in s2.  A loader that finds f and g running from A
# verifies B through A's identity of its new code: B's old hash of f must
# be A's new hash of f, and B's old hash of g the hash of A's added g.
# With one section per function the call from f to g is a relocation;
# without (-O2, -O0) the assembler resolves it.
mkdir stack stack/s0 stack/s1 stack/s2 || exit 1
cat >stack/s0/x.c <<'EOF'
int counter;
int ext_log(int);

int f(int x)
{
	counter += x;
	return ext_log(x) + counter * 3;
}

int h(int x)
{
	return x - 1;
}
EOF
cat >stack/s1/x.c <<'EOF'
int counter;
int ext_log(int);

static __attribute__((noipa)) int g(int x)
{
	return ext_log(x * 5) + counter;
}

int f(int x)
{
	counter += x;
	return ext_log(x) + counter * 4 + g(x);
}

int h(int x)
{
	return x - 1;
}
EOF
sed -e 's/x \* 5/x * 7/' -e 's/counter \* 4/counter * 6/' stack/s1/x.c >stack/s2/x.c

# stacked DIR FLAGS: builds s0, s1, s2 with FLAGS in DIR, then patches A
# and B, and compares their hashes in patchinfo's JSON.
stacked() {
	for v in 0 1 2; do
		mkdir -p $1/s$v && cp stack/s$v/x.c $1/s$v/ &&
		(cd $1/s$v && gcc $2 -c x.c -o x.o) || return 1
	done
	mkpatch -o $1/A.so $1/s0/x.o $1/s1/x.o &&
	mkpatch -o $1/B.so $1/s1/x.o $1/s2/x.o &&
	patchinfo --format=json $1/A.so $1/B.so >$1/json &&
	python3 - $1/json <<-\EOF
	import json, sys
	a, b = [json.loads(line) for line in open(sys.argv[1])]
	def one(entries, name):
	    e = [x for x in entries if x["name"] == name]
	    assert len(e) == 1, (name, entries)
	    return e[0]
	af, ag = one(a["replaced"], "f"), one(a["added"], "g")
	bf, bg = one(b["replaced"], "f"), one(b["replaced"], "g")
	assert ag["kind"] == "func" and ag["file"] == bg["file"] == "x.c", (ag, bg)
	assert bf["old_hash"] == af["new_hash"], ("f", af, bf)
	assert bf["old_size"] == af["new_size"], ("f", af, bf)
	assert bg["old_hash"] == ag["hash"], ("g", ag, bg)
	assert bg["old_size"] == ag["size"], ("g", ag, bg)
	assert bf["masks"], bf  # the fields of counter and ext_log were masked
	# Not vacuous: the hashes tell every version of the code apart.
	hashes = [af["old_hash"], af["new_hash"], bf["new_hash"], ag["hash"], bg["new_hash"]]
	assert len(set(hashes)) == 5 and "0x0000000000000000" not in hashes, hashes
	EOF
}

test_expect_success 'stacked patches: old hashes of B are new ones of A (-O2, sections)' '
	stacked stack/fs "-O2 $FS"
'

test_expect_success 'stacked patches: the same at -O2, f calls g within one section' '
	stacked stack/o2 -O2 &&
	objdump -dr stack/o2/s1/x.o | grep -A1 "call.*<g>" >calls &&
	test -s calls && ! grep -q "R_X86_64" calls
'

test_expect_success 'stacked patches: the same at -O0' '
	stacked stack/o0 -O0
'

# A patch carries no unwind tables for its code yet: an exception thrown
# through it would end the process.  Said for C++ code, recorded in the
# manifest; C code has no exceptions and gets no such warning.
UNWIND="C++ code: an exception that unwinds through the new code ends the process (std::terminate): the patch registers no unwind tables yet"

test_expect_success 'C++ code: warned that exceptions cannot unwind through it' '
	mkdir -p cxx/old cxx/new &&
	echo "int twice(int x) { return 2 * x; }" >cxx/old/f.cc &&
	echo "int twice(int x) { return 3 * x; }" >cxx/new/f.cc &&
	clang++ -target x86_64-linux-gnu -O2 -c cxx/old/f.cc -o cxx/old/f.o &&
	clang++ -target x86_64-linux-gnu -O2 -c cxx/new/f.cc -o cxx/new/f.o &&
	mkpatch -o cxx/p.so cxx/old/f.o cxx/new/f.o 2>err &&
	grep -v "^mkpatch: note: " err >actual &&
	echo "mkpatch: warning: _Z5twicei: $UNWIND" >expect &&
	test_cmp expect actual &&
	patchinfo --format=json cxx/p.so >json &&
	python3 -c "import json, sys
w = json.load(open(\"json\"))[\"warnings\"]
assert w == [{\"code\": \"note\", \"symbol\": \"_Z5twicei\", \"message\": sys.argv[1]}], w" "$UNWIND"
'

test_expect_success 'C code: no such warning' '
	mkdir -p c/old c/new &&
	echo "int twice(int x) { return 2 * x; }" >c/old/f.c &&
	echo "int twice(int x) { return 3 * x; }" >c/new/f.c &&
	gcc -O2 -c c/old/f.c -o c/old/f.o &&
	gcc -O2 -c c/new/f.c -o c/new/f.o &&
	mkpatch -o c/p.so c/old/f.o c/new/f.o 2>err &&
	! grep -v "^mkpatch: note: " err &&
	patchinfo --format=json c/p.so >json &&
	python3 -c "import json; w = json.load(open(\"json\"))[\"warnings\"]; assert w == [], w"
'

test_done
