#!/bin/sh
# t2003-symgraph-formats - the same program gives the same graph in every
# object format and architecture:
#
#   a -> b, a -> c, a -> ext, b -> c, c -> d, d -> sink
#
# where c -> d calls a static function of the same section (found by
# decoding on x86 and arm64; Wasm calls carry relocations), for ELF
# (x86-64, i386, aarch64), Mach-O (x86-64, arm64, and a universal file
# read with --arch), COFF (x86-64, i386, arm64) and Wasm.  Names are
# compared without the leading underscore Mach-O and i386 COFF add (the
# output keeps it, as the file spells it); i386 ELF's references to
# _GLOBAL_OFFSET_TABLE_ are set aside.  A format whose reader is not
# built is skipped.
. "$IPBP_SRC/testsuite/lib.sh"

cat >chain.c <<'EOF'
extern int sink;
int ext(int);
static __attribute__((noinline)) int d(int x) { return x + sink; }
__attribute__((noinline)) int c(int x) { return d(x) * 2; }
__attribute__((noinline)) int b(int x) { return c(x) + 1; }
int a(int x) { return b(x) - c(x) + ext(x); }
EOF

cat >expect-edges <<'EOF'
a -> b
a -> c
a -> ext
b -> c
c -> d
d -> sink
EOF
cat >expect-nodes <<'EOF'
a func global
b func global
c func global
d func local
ext * global *UND*
sink * global *UND*
EOF
printf '%s\n' "ext unresolved" "sink unresolved" >expect-undefined

# edges FILE PREFIX: "from -> to" per edge, without counts and prefix.
edges() {
	awk -v p="$2" '
		function strip(s) { return (p != "" && index(s, p) == 1) ? substr(s, 2) : s }
		/^  -> / { print from " -> " strip($2); next }
		{ from = strip($1) }' "$1" | grep -v _GLOBAL_OFFSET_TABLE_ | sort
}

# nodes FILE PREFIX: "name kind binding" (undefined: kind "*", "*UND*").
nodes() {
	awk -v p="$2" '
		/^  -> / { next }
		$1 == "_GLOBAL_OFFSET_TABLE_" { next }
		{ n = (p != "" && index($1, p) == 1) ? substr($1, 2) : $1
		  if ($4 == "*UND*") print n, "*", $3, "*UND*"; else print n, $2, $3 }' "$1" | sort
}

undefined() {
	awk -v p="$2" '$1 != "_GLOBAL_OFFSET_TABLE_" {
		n = (p != "" && index($1, p) == 1) ? substr($1, 2) : $1
		print n, $NF }' "$1" | sort
}

# check TARGET PREFIX [ARCH]: the story for one target.
check() {
	t=$1 p=$2
	o=chain.$t.o
	if ! clang -target "$t" -O1 -c chain.c -o "$o" 2>cc.err; then
		test_skip "$t: clang cannot build for it"
		return
	fi
	if symgraph "$o" 2>&1 | grep -q "unknown file format"; then
		test_skip "$t: reader not built yet"
		return
	fi
	test_expect_success "$t: the call graph" "
		symgraph $o >$t.out &&
		edges $t.out '$p' >$t.edges &&
		test_cmp expect-edges $t.edges &&
		nodes $t.out '$p' >$t.nodes &&
		test_cmp expect-nodes $t.nodes
	"
	test_expect_success "$t: --callers through the static function" "
		symgraph --callers ${p}sink $o | grep -v '^ ' | awk '{print \$1}' | sort >$t.callers &&
		printf '%s\n' ${p}a ${p}b ${p}c ${p}d ${p}sink | sort >expect-callers &&
		test_cmp expect-callers $t.callers
	"
	test_expect_success "$t: --undefined" "
		symgraph --undefined $o >$t.undef &&
		undefined $t.undef '$p' >$t.u &&
		test_cmp expect-undefined $t.u
	"
	test_expect_success "$t: JSON and DOT are valid" "
		symgraph --format=json $o | python3 -m json.tool >/dev/null &&
		symgraph --format=dot $o | dot -Tsvg >/dev/null
	"
}

check x86_64-linux-gnu ""
check i686-linux-gnu ""
check aarch64-linux-gnu ""
check x86_64-apple-macos _
check arm64-apple-macos _
check x86_64-pc-windows-msvc ""
check i686-pc-windows-msvc _
check aarch64-pc-windows-msvc ""
check wasm32 ""

if test -e chain.x86_64-apple-macos.o && test -e chain.arm64-apple-macos.o &&
   symgraph chain.arm64-apple-macos.o >/dev/null 2>&1; then
	test_expect_success 'universal Mach-O: --arch picks the slice' '
		llvm-lipo-14 -create chain.x86_64-apple-macos.o chain.arm64-apple-macos.o -output fat.o &&
		symgraph --arch=arm64 fat.o >fat-arm64 &&
		sed "s/chain.arm64-apple-macos.o/fat.o/" arm64-apple-macos.out >expect &&
		test_cmp expect fat-arm64 &&
		symgraph --arch=x86_64 fat.o >fat-x86 &&
		sed "s/chain.x86_64-apple-macos.o/fat.o/" x86_64-apple-macos.out >expect &&
		test_cmp expect fat-x86
	'
	test_expect_code 2 'universal Mach-O: an absent --arch is an error' '
		symgraph --arch=ppc fat.o 2>err >out; s=$?;
		grep "^symgraph: fat.o: " err && test ! -s out && exit $s
	'
else
	test_skip 'universal Mach-O: Mach-O reader not built yet'
	test_skip 'universal Mach-O: an absent --arch is an error'
fi

test_done
