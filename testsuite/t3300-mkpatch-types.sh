#!/bin/sh
# t3300-mkpatch-types - mkpatch refuses a patch whose code would meet
# objects of a type laid out the old way (the cases of testsuite/types/,
# see t1300), names the type, the member and the users; --force builds it
# and the manifest says so (patchinfo shows it); a type only the patched
# code uses, or one other units see only as an opaque pointer, is allowed;
# without debug info a probable layout change is a warning in the manifest.
#
# Built with clang -g -O2 for x86-64 and aarch64 ELF, and gcc -g -O2.
# The cases: testsuite/types/ (see t1300).
. "$IPBP_SRC/testsuite/lib.sh"

CASES="$IPBP_SRC/testsuite/types"

for t in objdiff mkpatch patchinfo clang gcc; do
	command -v $t >/dev/null 2>&1 || skip_all "$t not found"
done

UNSAFE="member-end member-middle member-type enum-value pointer-complete bit-field"
COMPILERS="clang-x86_64 clang-aarch64 gcc"

cc_of() {
	case $1 in
	clang-x86_64)	echo "clang -target x86_64-linux-gnu" ;;
	clang-aarch64)	echo "clang -target aarch64-linux-gnu" ;;
	gcc)		echo "gcc" ;;
	esac
}

# build DIR NAME FLAGS: orig.o and patched.o of case NAME.
build() {
	mkdir -p "$1" &&
	cp "$CASES/$2.orig.c" "$1/$2.c" && (cd "$1" && $(cc_of $3) $4 -O2 -c $2.c -o orig.o) &&
	cp "$CASES/$2.patched.c" "$1/$2.c" && (cd "$1" && $(cc_of $3) $4 -O2 -c $2.c -o patched.o)
}

# The refusal, exactly, for clang on x86-64.
cat >member-middle.refusal <<\EOF
mkpatch: struct session changed layout (member state moved 0x4 -> 0x8, member name moved 0x8 -> 0xc, size 16 -> 20 and 1 more); used by session_state (patched) and 1 unchanged function: session_id (pointer)
mkpatch: refusing to build the patch: 1 problem
EOF
cat >member-end.refusal <<\EOF
mkpatch: struct conn changed layout (size 16 -> 24, member flags added at 0x10); used by conn_account (patched) and 1 unchanged function: conn_fd (pointer); existing data: conns
mkpatch: conns: existing data object changed size (64 -> 96)
mkpatch: refusing to build the patch: 2 problems
EOF

for c in $COMPILERS; do
	for n in $UNSAFE; do
		test_expect_success "$n, $c: refused, exit 2, no patch" '
			build $c/$n $n $c -g &&
			(cd $c/$n && mkpatch -o p.so orig.o patched.o 2>err; test $? = 2) &&
			cat $c/$n/err &&
			test ! -e $c/$n/p.so &&
			grep "^mkpatch: [a-z]* [a-z_]* changed layout (" $c/$n/err &&
			tail -1 $c/$n/err | grep "^mkpatch: refusing to build the patch"
		'
	done
done

test_expect_success 'the message names the type, the member and every user' '
	sort member-middle.refusal >expect &&
	sort clang-x86_64/member-middle/err >actual &&
	test_cmp expect actual &&
	sort member-end.refusal >expect &&
	sort clang-x86_64/member-end/err >actual &&
	test_cmp expect actual
'

test_expect_success '--force: built, the manifest says forced, patchinfo shows it' '
	(cd clang-x86_64/member-middle && mkpatch --force -o p.so orig.o patched.o 2>err) &&
	grep "^mkpatch: warning: forced: struct session changed layout" clang-x86_64/member-middle/err &&
	patchinfo clang-x86_64/member-middle/p.so >info &&
	cat info &&
	grep "forced" info | grep -v "^warning" &&
	grep "^warning forced: struct session changed layout (member state moved 0x4 -> 0x8" info &&
	patchinfo --verify clang-x86_64/member-middle/p.so
'

for c in $COMPILERS; do
	test_expect_success "local-only, $c: a type only the patched function uses" '
		build $c/local-only local-only $c -g &&
		(cd $c/local-only && mkpatch -o p.so orig.o patched.o 2>err) &&
		test_cmp /dev/null $c/local-only/err &&
		patchinfo --verify $c/local-only/p.so
	'
done

test_expect_success 'pointer-opaque: allowed when other units see an opaque pointer' '
	"$CASES/pointer-opaque/build" tree &&
	(cd tree && mkpatch -r -o p.so old new 2>err) &&
	test_cmp /dev/null tree/err &&
	patchinfo --verify tree/p.so
'

test_expect_success 'pointer-opaque: refused when the other unit sees the whole type' '
	sed "s/^struct handle;/struct handle { int id; int refs; };/" \
		"$CASES/pointer-opaque/b.c" >tree/b.c &&
	(cd tree && clang -g -O2 -c b.c -o old/b.o &&
	 sed -i "s/{ int id; int refs; }/{ int id; int gen; int refs; }/" b.c &&
	 clang -g -O2 -c b.c -o new/b.o) &&
	(cd tree && mkpatch -r -o q.so old new 2>err; test $? = 2) &&
	cat tree/err &&
	grep -x "mkpatch: struct handle changed layout (member refs moved 0x4 -> 0x8, size 8 -> 12, member gen added at 0x4); used by handle_new, handle_get (patched) and 1 unchanged function: relay (pointer)" tree/err &&
	test ! -e tree/q.so
'

test_expect_success 'no debug info: a note, and the guess as a warning in the manifest' '
	build nodebug no-debug clang-x86_64 "" &&
	(cd nodebug && mkpatch -o p.so orig.o patched.o 2>err) &&
	printf "%s\n" "mkpatch: note: patched.o: no debug info: type layouts are only guessed from the code" \
		"mkpatch: warning: get_state: probable layout change: only memory displacements differ (0x4 -> 0x8 at +0)" >expect &&
	test_cmp expect nodebug/err &&
	patchinfo nodebug/p.so >info &&
	grep -x "warning layout get_state: probable layout change: only memory displacements differ (0x4 -> 0x8 at +0)" info
'

# A function pointer in a struct, called through it: "call *0x10(%rbx)"
# also pushes the return address, an operand the instruction does not
# write and that must not hide the displacement that moved.
cat >ops.c <<'EOF'
struct ops { int a; long b; void (*fn)(int); };
void run(struct ops *o) { o->fn(o->a); o->a++; }
EOF

test_expect_success 'no debug info: a moved function pointer called through the struct' '
	mkdir -p ops &&
	clang -target x86_64-linux-gnu -O2 -c ops.c -o ops/orig.o &&
	sed "s/int a; long b;/int a; long pad[4]; long b;/" ops.c >ops2.c &&
	clang -target x86_64-linux-gnu -O2 -c ops2.c -o ops/patched.o &&
	llvm-objdump -d ops/orig.o | grep -q "call.*\*16(%r" &&
	(cd ops && mkpatch -o p.so orig.o patched.o 2>err) &&
	grep -x "mkpatch: warning: run: probable layout change: only memory displacements differ (0x10 -> 0x30 at +0x[0-9a-f]*)" ops/err
'

test_done
