#!/bin/sh
# t1010-objdiff-inputs - what objdiff pairs, as doc/objdiff.1 states it:
#
#   - two archives: members paired by name, a name several members share
#     by order of occurrence; members only one side has are removed or
#     added pairs; old members in order, then the new-only ones;
#   - two build trees (-r): object files (*.o, *.obj, *.a, *.lib, *.wasm)
#     paired by relative path in byte order, nested directories, one-sided
#     files, archives expanded into "dir/lib.a(member.o)", other files
#     skipped, symbolic links to directories not followed;
#   - --stat: the exact summary lines, with and without -a;
#   - --format=json: valid JSON with the same pairs;
#   - one archive or object pair each for Mach-O, COFF and Wasm, and a
#     universal Mach-O pair with --arch;
#   - a pair large enough to be compared in threads.
. "$IPBP_SRC/testsuite/lib.sh"

# exits N COMMAND...: runs COMMAND (redirections apply to it) and succeeds
# when it exits with N, so that a failure earlier in a chain is not taken
# for the expected status.
exits() {
	_want=$1
	shift
	"$@"
	_got=$?
	test $_got = "$_want" || { echo "exit status $_got, not $_want: $*" >&2; return 1; }
}

# Each source defines functions of its own name; *2.c is the new version.
cat >a.c <<'EOF'
int a_fn(int x) { return x + 1; }
EOF
cat >a2.c <<'EOF'
int a_fn(int x) { return x - 1; }
int a_new(void) { return 3; }
EOF
cat >b.c <<'EOF'
int b_fn(void) { return 2; }
EOF
cat >c.c <<'EOF'
int c_fn(void) { return 3; }
EOF
cat >d.c <<'EOF'
int d_fn(void) { return 4; }
EOF
cat >x1.c <<'EOF'
int x_one(void) { return 1; }
EOF
cat >x2.c <<'EOF'
int x_two(int a) { return a + 1; }
EOF
cat >x22.c <<'EOF'
int x_two(int a) { return a + 2; }
EOF

# build TARGET SUFFIX: every source into NAME.SUFFIX for TARGET.
build() {
	for src in a a2 b c d x1 x2 x22; do
		clang -target "$1" -O1 -c $src.c -o $src.$2 || return 1
	done
}

# archive AR-COMMAND OUT SUFFIX NAME=SOURCE...: an archive whose members
# are named NAME (in order, duplicates allowed), from SOURCE.SUFFIX.
archive() {
	ar=$1 out=$2 sfx=$3
	shift 3
	rm -rf "$out" m && mkdir m &&
	for spec in "$@"; do
		name=${spec%%=*} src=${spec#*=}
		rm -f m/$name && cp $src.$sfx m/$name &&
		(cd m && $ar ../"$out" $name) || return 1
	done
}

test_expect_success 'build ELF objects and archives' '
	build x86_64-linux-gnu o &&
	archive "llvm-ar q" lib1.a o a.o=a b.o=b c.o=c x.o=x1 x.o=x2 &&
	archive "llvm-ar q" lib2.a o a.o=a2 c.o=c x.o=x1 x.o=x22 d.o=d &&
	llvm-ar t lib1.a >members &&
	printf "%s\n" a.o b.o c.o x.o x.o >expect && test_cmp expect members
'

cat >expect-archives <<'EOF'
# objdiff 1
--- lib1.a(a.o)
+++ lib2.a(a.o)
~ func a_fn 4 4 code
+ func a_new - 6
--- lib1.a(b.o)
+++ /dev/null
- func b_fn 6 -
--- lib1.a(x.o)
+++ lib2.a(x.o)
~ func x_two 4 4 code
--- /dev/null
+++ lib2.a(d.o)
+ func d_fn - 6
EOF

test_expect_success 'archives: members paired by name and occurrence' '
	exits 1 objdiff lib1.a lib2.a >out &&
	test_cmp expect-archives out
'

test_expect_success 'archives: the same archive has no differences' '
	objdiff lib1.a lib1.a >out &&
	echo "# objdiff 1" >expect && test_cmp expect out &&
	objdiff -q lib2.a lib2.a
'

test_expect_success 'archives: -a names every pair, in order' '
	exits 1 objdiff -a lib1.a lib2.a >out &&
	grep -e "^---" -e "^+++" out >headers &&
	cat >expect <<-\EOF &&
	--- lib1.a(a.o)
	+++ lib2.a(a.o)
	--- lib1.a(b.o)
	+++ /dev/null
	--- lib1.a(c.o)
	+++ lib2.a(c.o)
	--- lib1.a(x.o)
	+++ lib2.a(x.o)
	--- lib1.a(x.o)
	+++ lib2.a(x.o)
	--- /dev/null
	+++ lib2.a(d.o)
	EOF
	test_cmp expect headers &&
	grep "^= func x_one 6 6\$" out &&
	grep "^= func c_fn 6 6\$" out
'

test_expect_success 'archives: --stat' '
	exits 1 objdiff --stat lib1.a lib2.a >out &&
	cat >expect <<-\EOF &&
	lib1.a(a.o) -> lib2.a(a.o): 1 changed, 1 added, 0 removed, +6 -0 bytes
	lib1.a(b.o) -> /dev/null: 0 changed, 0 added, 1 removed, +0 -6 bytes
	lib1.a(x.o) -> lib2.a(x.o): 1 changed, 0 added, 0 removed, +0 -0 bytes
	/dev/null -> lib2.a(d.o): 0 changed, 1 added, 0 removed, +6 -0 bytes
	4 of 6 objects differ: 2 changed, 2 added, 1 removed, +12 -6 bytes
	EOF
	test_cmp expect out
'

test_expect_success 'archives: --stat -a lists the pairs without differences too' '
	exits 1 objdiff --stat -a lib1.a lib2.a >out &&
	cat >expect <<-\EOF &&
	lib1.a(a.o) -> lib2.a(a.o): 1 changed, 1 added, 0 removed, +6 -0 bytes
	lib1.a(b.o) -> /dev/null: 0 changed, 0 added, 1 removed, +0 -6 bytes
	lib1.a(c.o) -> lib2.a(c.o): 0 changed, 0 added, 0 removed, +0 -0 bytes
	lib1.a(x.o) -> lib2.a(x.o): 0 changed, 0 added, 0 removed, +0 -0 bytes
	lib1.a(x.o) -> lib2.a(x.o): 1 changed, 0 added, 0 removed, +0 -0 bytes
	/dev/null -> lib2.a(d.o): 0 changed, 1 added, 0 removed, +6 -0 bytes
	4 of 6 objects differ: 2 changed, 2 added, 1 removed, +12 -6 bytes
	EOF
	test_cmp expect out &&
	objdiff --stat lib1.a lib1.a >out &&
	echo "0 of 5 objects differ: 0 changed, 0 added, 0 removed, +0 -0 bytes" >expect &&
	test_cmp expect out
'

test_expect_success 'archives: --format=json is valid and has the same pairs' '
	exits 1 objdiff --format=json lib1.a lib2.a >out.json &&
	python3 -m json.tool out.json >/dev/null &&
	python3 - out.json >summary <<-\EOF &&
	import json, sys
	doc = json.load(open(sys.argv[1]))
	assert doc["objdiff"] == 1
	for p in doc["pairs"]:
	    for s in p["symbols"]:
	        print(p["old"], p["new"], s["status"], s["kind"], s["name"],
	              s["old_size"], s["new_size"], ",".join(s["reasons"]))
	EOF
	cat >expect <<-\EOF &&
	lib1.a(a.o) lib2.a(a.o) changed func a_fn 4 4 code
	lib1.a(a.o) lib2.a(a.o) added func a_new None 6 
	lib1.a(b.o) None removed func b_fn 6 None 
	lib1.a(x.o) lib2.a(x.o) changed func x_two 4 4 code
	None lib2.a(d.o) added func d_fn None 6 
	EOF
	test_cmp expect summary
'

test_expect_success 'build two trees' '
	mkdir -p old/src/deep old/lib new/src/deep new/lib new/added &&
	cp c.o old/main.o && cp c.o new/main.o &&
	cp a.o old/src/util.o && cp a2.o new/src/util.o &&
	cp x1.o old/src/deep/leaf.o && cp x1.o new/src/deep/leaf.o &&
	cp b.o old/gone.o &&
	cp d.o new/added/new.o &&
	cp lib1.a old/lib/libx.a && cp lib2.a new/lib/libx.a &&
	cp x2.o old/linked.o && cp x2.o linked-target.o && ln -s ../linked-target.o new/linked.o &&
	echo "not an object" >old/README && cp old/README new/notes.txt &&
	echo "not an object" >new/build.log &&
	ln -s .. old/src/up && ln -s ../.. new/src/deep/loop
'

cat >expect-trees <<'EOF'
# objdiff 1
--- /dev/null
+++ new/added/new.o
+ func d_fn - 6
--- old/gone.o
+++ /dev/null
- func b_fn 6 -
--- old/lib/libx.a(a.o)
+++ new/lib/libx.a(a.o)
~ func a_fn 4 4 code
+ func a_new - 6
--- old/lib/libx.a(b.o)
+++ /dev/null
- func b_fn 6 -
--- old/lib/libx.a(x.o)
+++ new/lib/libx.a(x.o)
~ func x_two 4 4 code
--- /dev/null
+++ new/lib/libx.a(d.o)
+ func d_fn - 6
--- old/src/util.o
+++ new/src/util.o
~ func a_fn 4 4 code
+ func a_new - 6
EOF

test_expect_success '-r: trees paired by relative path, one-sided files, archives expanded' '
	exits 1 objdiff -r old new >out &&
	test_cmp expect-trees out &&
	exits 1 objdiff --recursive old/ new/ >out &&
	test_cmp expect-trees out
'

test_expect_success '-r --stat -a: every pair in path order' '
	exits 1 objdiff -r --stat -a old new >out &&
	cat >expect <<-\EOF &&
	/dev/null -> new/added/new.o: 0 changed, 1 added, 0 removed, +6 -0 bytes
	old/gone.o -> /dev/null: 0 changed, 0 added, 1 removed, +0 -6 bytes
	old/lib/libx.a(a.o) -> new/lib/libx.a(a.o): 1 changed, 1 added, 0 removed, +6 -0 bytes
	old/lib/libx.a(b.o) -> /dev/null: 0 changed, 0 added, 1 removed, +0 -6 bytes
	old/lib/libx.a(c.o) -> new/lib/libx.a(c.o): 0 changed, 0 added, 0 removed, +0 -0 bytes
	old/lib/libx.a(x.o) -> new/lib/libx.a(x.o): 0 changed, 0 added, 0 removed, +0 -0 bytes
	old/lib/libx.a(x.o) -> new/lib/libx.a(x.o): 1 changed, 0 added, 0 removed, +0 -0 bytes
	/dev/null -> new/lib/libx.a(d.o): 0 changed, 1 added, 0 removed, +6 -0 bytes
	old/linked.o -> new/linked.o: 0 changed, 0 added, 0 removed, +0 -0 bytes
	old/main.o -> new/main.o: 0 changed, 0 added, 0 removed, +0 -0 bytes
	old/src/deep/leaf.o -> new/src/deep/leaf.o: 0 changed, 0 added, 0 removed, +0 -0 bytes
	old/src/util.o -> new/src/util.o: 1 changed, 1 added, 0 removed, +6 -0 bytes
	7 of 12 objects differ: 3 changed, 4 added, 2 removed, +24 -12 bytes
	EOF
	test_cmp expect out
'

test_expect_success '-r: a tree against itself, and -q' '
	objdiff -r old old >out &&
	echo "# objdiff 1" >expect && test_cmp expect out &&
	exits 1 objdiff -q -r old new
'

test_expect_success '-r --format=json is valid JSON' '
	exits 1 objdiff -r -f json old new >out.json &&
	python3 -m json.tool out.json >/dev/null &&
	python3 -c "import json,sys; d=json.load(open(\"out.json\")); print(len(d[\"pairs\"]))" >n &&
	echo 7 >expect && test_cmp expect n
'

test_expect_success '-r: an object in one tree and an archive in the other' '
	mkdir -p m1 m2 &&
	cp a.o m1/thing.a && cp lib1.a m2/thing.a &&
	exits 2 objdiff -r m1 m2 >out 2>err &&
	echo "# objdiff 1" >expect && test_cmp expect out &&
	echo "objdiff: m1/thing.a and m2/thing.a are different formats (elf and archive)" >expect &&
	test_cmp expect err
'

# As diff -r: a path that cannot be compared is reported and left out,
# the others are compared and written, and the status is 2.
test_expect_success '-r: unreadable paths are reported, the rest compared (exit 2)' '
	rm -rf t1 t2 && cp -R old t1 && cp -R new t2 &&
	clang -flto -O1 -c a.c -o t1/lto.o && cp t1/lto.o t2/lto.o &&
	head -c 100 new/main.o >t2/main.o &&
	cp a.o t1/thing.a && cp lib1.a t2/thing.a &&
	exits 2 objdiff -r t1 t2 >out 2>err &&
	sed "s|old/|t1/|; s|new/|t2/|" expect-trees >expect &&
	test_cmp expect out &&
	sed -e "s/: .*//" err >paths &&
	cat >expect <<-\EOF &&
	objdiff
	objdiff
	objdiff
	EOF
	test_cmp expect paths &&
	grep "^objdiff: t1/lto.o: " err &&
	grep "^objdiff: t2/main.o: " err &&
	grep "^objdiff: t1/thing.a and t2/thing.a are different formats" err &&
	test $(grep -n "lto.o" err | cut -d: -f1) -lt $(grep -n "main.o" err | cut -d: -f1) &&
	exits 2 objdiff -r --stat t1 t2 >out 2>err &&
	test $(wc -l <err) = 3 &&
	grep "^7 of 11 objects differ" out
'

test_expect_success '-r -q: stops at the first difference, before any trouble' '
	exits 1 objdiff -q -r t1 t2 2>err &&
	test ! -s err &&
	rm t2/added/new.o t1/gone.o && cp t1/lib/libx.a t2/lib/libx.a &&
	cp t2/src/util.o t1/src/util.o &&
	exits 2 objdiff -q -r t1 t2 2>err &&
	grep "^objdiff: t1/lto.o: " err
'

test_expect_success '-r: mkpatch stops at the first path it cannot compare' '
	exits 2 mkpatch -r -o p.so t1 t2 2>err &&
	test ! -e p.so &&
	grep "^mkpatch: t1/lto.o: " err
'

test_expect_success 'Mach-O: two archives' '
	build x86_64-apple-macos11 macho &&
	archive "llvm-ar --format=darwin q" m1.a macho a.o=a b.o=b &&
	archive "llvm-ar --format=darwin q" m2.a macho a.o=a2 &&
	exits 1 objdiff m1.a m2.a >out &&
	cat >expect <<-\EOF &&
	# objdiff 1
	--- m1.a(a.o)
	+++ m2.a(a.o)
	~ func _a_fn 9 16 code
	+ func _a_new - 11
	--- m1.a(b.o)
	+++ /dev/null
	- func _b_fn 11 -
	EOF
	test_cmp expect out
'

test_expect_success 'Mach-O: universal files with --arch' '
	LIPO=$(command -v llvm-lipo || command -v llvm-lipo-14) &&
	clang -target arm64-apple-macos11 -O1 -c a.c -o a.arm64 &&
	clang -target arm64-apple-macos11 -O1 -c a2.c -o a2.arm64 &&
	$LIPO -create a.macho a.arm64 -output fat1.o &&
	$LIPO -create a2.macho a2.arm64 -output fat2.o &&
	exits 1 objdiff --arch=arm64 fat1.o fat2.o >out &&
	grep "^~ func _a_fn " out &&
	grep "^+ func _a_new - " out &&
	exits 1 objdiff --arch=x86_64 fat1.o fat2.o >out &&
	grep "^~ func _a_fn 9 16 code\$" out &&
	objdiff --arch=x86_64 fat1.o fat1.o &&
	objdiff --arch=x86_64 fat1.o a.macho &&
	exits 2 objdiff --arch=sparc fat1.o fat2.o >out 2>err &&
	grep "^objdiff: fat1.o: " err
'

test_expect_success 'COFF: two objects and two archives' '
	build x86_64-windows-msvc obj &&
	exits 1 objdiff a.obj a2.obj >out &&
	grep "^~ func a_fn 4 16 code\$" out &&
	grep "^+ func a_new - " out &&
	rm -f c1.lib c2.lib &&
	llvm-lib /out:c1.lib a.obj b.obj &&
	mkdir -p v2 && cp a2.obj v2/a.obj &&
	(cd v2 && llvm-lib /out:c2.lib a.obj) && mv v2/c2.lib . &&
	exits 1 objdiff c1.lib c2.lib >out &&
	grep -e "^---" -e "^+++" out >headers &&
	cat >expect <<-\EOF &&
	--- c1.lib(a.obj)
	+++ c2.lib(a.obj)
	--- c1.lib(b.obj)
	+++ /dev/null
	EOF
	test_cmp expect headers &&
	grep "^- func b_fn " out
'

test_expect_success 'Wasm: two objects and two archives' '
	build wasm32-unknown-unknown wasm &&
	exits 1 objdiff a.wasm a2.wasm >out &&
	grep "^~ func a_fn " out &&
	grep "^+ func a_new - " out &&
	objdiff a.wasm a.wasm &&
	archive "llvm-ar q" w1.a wasm a.o=a x.o=x2 &&
	archive "llvm-ar q" w2.a wasm a.o=a x.o=x22 &&
	exits 1 objdiff w1.a w2.a >out &&
	grep -e "^---" -e "^+++" -e "^[~+-] " out >lines &&
	grep -c "^~ func x_two " lines >n && echo 1 >expect && test_cmp expect n &&
	grep "^--- w1.a(x.o)\$" lines && ! grep "(a.o)" lines
'

# A pair of 8000 functions is large enough to be loaded, decoded and
# compared in threads (over 4096 symbols, over 256 KB): the result is
# exactly what bench/objdiff-gen-pair changed, in unit order, whatever the
# split.
test_expect_success 'a large pair, compared in threads: exactly its changes' '
	"$IPBP_SRC/bench/objdiff-gen-pair" -n 8000 big.o big2.o &&
	exits 1 objdiff big.o big2.o >out &&
	cat >expect <<-\EOF &&
	# objdiff 1
	--- big.o
	+++ big2.o
	~ func f3000 143 143 code
	~ func f5000 107 227 code,relocs
	~ func f1000 95 98 code,relocs
	~ func f4000 143 143 relocs
	~ func f2000 143 143 relocs
	+ func fadded - 4
	- func f7999 95 -
	EOF
	test_cmp expect out &&
	objdiff big.o big.o
'

test_done
