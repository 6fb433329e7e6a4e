#!/bin/sh
# t1000-objdiff-cli - objdiff's command line, as doc/objdiff.1 states it:
#
#   - exit status as diff(1): 0 no differences, 1 differences, 2 trouble;
#   - the diff stream on stdout (-a adds unchanged symbols), -q prints
#     nothing and stops at the first difference;
#   - --help and --version on stdout with exit 0;
#   - usage errors, missing, empty, garbage and truncated inputs, GCC LTO
#     objects without machine code, inputs of different kinds, formats
#     or architectures: exit 2, one message
#     "objdiff: ..." on stderr (plus the --help hint for usage errors),
#     nothing on stdout;
#   - -o FILE is replaced atomically: complete on success, untouched on
#     failure, no temporary left behind; "-" reads standard input.
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

cat >old.c <<'EOF'
int counter;
int keep(int x) { return x + 1; }
int fix_me(int x) { return x * 2; }
int gone(void) { return 7; }
EOF
cat >new.c <<'EOF'
int counter;
int keep(int x) { return x + 1; }
int fix_me(int x) { return x * 3; }
int added(void) { return 8; }
EOF

CC="clang -target x86_64-linux-gnu -O1 -c"

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
	test $s = 2 || { echo "exit status $s, not 2"; cat err; return 1; }
	test ! -s out || { echo "stdout not empty:"; cat out; return 1; }
	test_cmp expect-err err
}

try='Try '\''objdiff --help'\'' for more information.'

test_expect_success 'build objects' '
	$CC old.c -o old.o &&
	$CC new.c -o new.o &&
	mkdir rebuild && (cd rebuild && $CC ../old.c -o old.o)
'

cat >expect-diff <<'EOF'
# objdiff 1
--- old.o
+++ new.o
~ func fix_me 4 4 code
+ func added - 6
- func gone 6 -
EOF

test_expect_success 'differences: the stream, exit 1' '
	exits 1 objdiff old.o new.o >out 2>err &&
	test_cmp expect-diff out &&
	test ! -s err
'

test_expect_success 'no differences: the version line only, exit 0' '
	objdiff old.o rebuild/old.o >out 2>err &&
	echo "# objdiff 1" >expect &&
	test_cmp expect out &&
	test ! -s err &&
	objdiff old.o old.o >out &&
	test_cmp expect out
'

test_expect_success '-a lists unchanged symbols as "=" lines' '
	exits 1 objdiff -a old.o new.o >out &&
	grep "^= func keep 4 4\$" out &&
	grep "^= data counter 4 4\$" out &&
	grep "^~ func fix_me 4 4 code\$" out &&
	objdiff --all old.o rebuild/old.o >out &&
	grep -c "^= " out >count && echo 4 >expect && test_cmp expect count
'

test_expect_success '-q prints nothing: exit 1 or 0' '
	exits 1 objdiff -q old.o new.o >out 2>err &&
	test ! -s out && test ! -s err &&
	objdiff --quiet old.o rebuild/old.o >out 2>err &&
	test ! -s out && test ! -s err &&
	exits 1 objdiff -q -a --stat old.o new.o >out && test ! -s out
'

test_expect_success '-q stops at the first difference' '
	mkdir -p t1 t2 &&
	cp old.o t1/a.o && cp new.o t2/a.o &&
	echo "not an object" >t1/z.o && cp t1/z.o t2/z.o &&
	exits 1 objdiff -q -r t1 t2 >out 2>err &&
	test ! -s out && test ! -s err &&
	exits 2 objdiff -r t1 t2 >out 2>err &&
	grep "^objdiff: t1/z.o: unknown file format" err
'

test_expect_success 'the grep filter keeps one symbol, or the headers too' '
	objdiff old.o new.o | grep -w fix_me >out &&
	echo "~ func fix_me 4 4 code" >expect &&
	test_cmp expect out &&
	objdiff old.o new.o | grep -e "^[-+#]" -e fix_me >out &&
	test_cmp expect-diff out
'

test_expect_success '-d: instruction diffs under symbol lines, the stream unchanged' '
	exits 1 objdiff -d old.o new.o >out &&
	grep -v "^ " out >stream &&
	test_cmp expect-diff stream &&
	sed -n "/^~ func fix_me /{n;p;}" out >hunk &&
	echo "  @@ -fix_me+0x0 +fix_me+0x0 @@" >expect &&
	test_cmp expect hunk &&
	grep "^  -.*leal" out && grep "^  +.*leal" out &&
	sed -n "/^+ func added /{n;p;}" out >hunk &&
	echo "  @@ +added+0x0 @@" >expect &&
	test_cmp expect hunk &&
	exits 0 objdiff --disassemble old.o rebuild/old.o >out &&
	echo "# objdiff 1" >expect && test_cmp expect out
'

test_expect_success '--help and --version on stdout, exit 0' '
	objdiff --help >out 2>err &&
	test ! -s err &&
	head -1 out >first && echo "Usage: objdiff [OPTION]... OLD NEW" >expect &&
	test_cmp expect first &&
	for opt in -q -a -r -f --format= --stat -d --disassemble --arch= -o --output= -V; do
		grep -e "$opt" out >/dev/null || { echo "--help does not mention $opt"; exit 1; }
	done &&
	objdiff -h >out2 && test_cmp out out2 &&
	objdiff --version >out 2>err &&
	test ! -s err &&
	grep "^objdiff (ipbp) [0-9][0-9.]*\$" out &&
	objdiff -V >out2 && test_cmp out out2
'

test_expect_success 'usage: operands' '
	fails_with "objdiff: missing operands OLD and NEW" "$try" -- objdiff &&
	fails_with "objdiff: missing operand NEW after '\''old.o'\''" "$try" -- objdiff old.o &&
	fails_with "objdiff: extra operand '\''x.o'\''" "$try" -- objdiff old.o new.o x.o &&
	fails_with "objdiff: OLD and NEW cannot both be standard input" "$try" -- objdiff - -
'

test_expect_success 'usage: options' '
	fails_with "objdiff: unrecognized option '\''--bogus'\''" "$try" -- objdiff --bogus old.o new.o &&
	fails_with "objdiff: invalid option -- '\''x'\''" "$try" -- objdiff -x old.o new.o &&
	fails_with "objdiff: option '\''--format'\'' requires an argument" "$try" -- objdiff old.o new.o --format &&
	fails_with "objdiff: unknown format '\''xml'\'' (text or json)" "$try" -- objdiff -f xml old.o new.o &&
	fails_with "objdiff: --stat and --format=json exclude each other" "$try" -- \
		objdiff --stat --format=json old.o new.o &&
	fails_with "objdiff: --stat and --disassemble exclude each other" "$try" -- \
		objdiff --stat -d old.o new.o &&
	fails_with "objdiff: --disassemble needs --format=text" "$try" -- \
		objdiff -d -f json old.o new.o
'

test_expect_success 'missing file' '
	fails_with "objdiff: missing.o: No such file or directory" -- objdiff old.o missing.o &&
	fails_with "objdiff: missing.o: No such file or directory" -- objdiff missing.o new.o
'

test_expect_success 'garbage and empty files' '
	echo "this is not an object file" >garbage.o &&
	exits 2 objdiff old.o garbage.o >out 2>err &&
	test ! -s out &&
	grep "^objdiff: garbage.o: unknown file format" err &&
	test $(wc -l <err) = 1 &&
	: >empty.o &&
	fails_with "objdiff: empty.o: empty file" -- objdiff empty.o new.o
'

# gcc -flto writes GCC's intermediate language into an ELF object and,
# unless -ffat-lto-objects, no machine code: read as ELF it has no
# functions, and "no differences" would be a lie.
test_expect_success 'GCC LTO objects: refused without machine code, compared with it' '
	gcc -O1 -flto -c old.c -o old-lto.o &&
	gcc -O1 -flto -c new.c -o new-lto.o &&
	readelf -S old-lto.o | grep -F .gnu.lto_ &&
	fails_with "objdiff: old-lto.o: GCC LTO bytecode without machine code is not supported (built with -flto? add -ffat-lto-objects)" -- \
		objdiff old-lto.o new-lto.o &&
	fails_with "objdiff: old-lto.o: GCC LTO bytecode without machine code is not supported (built with -flto? add -ffat-lto-objects)" -- \
		objdiff -q old-lto.o old-lto.o &&
	gcc -O1 -flto -ffat-lto-objects -c old.c -o old-fat.o &&
	gcc -O1 -flto -ffat-lto-objects -c new.c -o new-fat.o &&
	readelf -S old-fat.o | grep -F .gnu.lto_ &&
	exits 1 objdiff old-fat.o new-fat.o >out &&
	grep "^[~+-] " out >actual &&
	printf "%s\n" "~ func fix_me 4 4 code" "+ func added - 6" "- func gone 6 -" >expect &&
	test_cmp expect actual
'

test_expect_success 'truncated object: exit 2 with a message, never a crash' '
	size=$(wc -c <new.o) &&
	for n in 1 16 63 64 100 200 $((size / 2)) $((size - 1)); do
		head -c $n new.o >t.o &&
		objdiff old.o t.o >out 2>err
		s=$?
		test $s -le 2 || { echo "$n: exit $s"; exit 1; }
		test $s != 2 || grep -q "^objdiff: t.o: " err || { echo "$n:"; cat err; exit 1; }
	done
'

test_expect_success 'mixed formats are refused' '
	clang -target x86_64-apple-macos11 -O1 -c new.c -o new-macho.o &&
	clang -target x86_64-windows-msvc -O1 -c new.c -o new-coff.obj &&
	clang -target wasm32-unknown-unknown -O1 -c new.c -o new-wasm.o &&
	fails_with "objdiff: old.o and new-macho.o are different formats (elf and macho)" -- \
		objdiff old.o new-macho.o &&
	fails_with "objdiff: old.o and new-coff.obj are different formats (elf and coff)" -- \
		objdiff old.o new-coff.obj &&
	fails_with "objdiff: new-wasm.o and old.o are different formats (wasm and elf)" -- \
		objdiff new-wasm.o old.o
'

test_expect_success 'an archive against an object is refused' '
	llvm-ar rc lib.a old.o &&
	fails_with "objdiff: lib.a and new.o are different formats (archive and elf)" -- \
		objdiff lib.a new.o &&
	fails_with "objdiff: new.o and lib.a are different formats (elf and archive)" -- \
		objdiff -r new.o lib.a
'

test_expect_success 'different architectures are refused' '
	clang -target aarch64-linux-gnu -O1 -c new.c -o new-arm64.o &&
	fails_with "objdiff: old.o and new-arm64.o are different architectures (x86-64 and aarch64)" -- \
		objdiff old.o new-arm64.o
'

test_expect_success 'directories need -r, and a directory needs a directory' '
	fails_with "objdiff: t1: is a directory (compare directories with -r)" -- objdiff t1 t2 &&
	fails_with "objdiff: t1 is a directory and old.o is not" -- objdiff -r t1 old.o &&
	fails_with "objdiff: t2 is a directory and old.o is not" -- objdiff -r old.o t2
'

test_expect_success '- reads standard input' '
	exits 1 objdiff - new.o <old.o >out &&
	sed "s/^--- old.o\$/--- -/" expect-diff >expect &&
	test_cmp expect out &&
	objdiff old.o - <old.o >out &&
	echo "# objdiff 1" >expect && test_cmp expect out &&
	fails_with "objdiff: -: empty file" -- objdiff old.o - </dev/null
'

test_expect_success '-o FILE: written completely, nothing on stdout' '
	exits 1 objdiff -o result old.o new.o >out &&
	test ! -s out &&
	test_cmp expect-diff result &&
	exits 1 objdiff --output=result2 -f json old.o new.o &&
	python3 -m json.tool result2 >/dev/null
'

test_expect_success '-o FILE: untouched on failure, no temporary left' '
	echo precious >keep &&
	fails_with "objdiff: missing.o: No such file or directory" -- objdiff -o keep old.o missing.o &&
	echo precious >expect && test_cmp expect keep &&
	fails_with "objdiff: lib.a and new.o are different formats (archive and elf)" -- \
		objdiff -o keep lib.a new.o &&
	test_cmp expect keep &&
	ls keep.* 2>/dev/null | wc -l >count && echo 0 >zero && test_cmp zero count
'

test_expect_success '-o into a missing directory, and a full disk' '
	fails_with "objdiff: nodir/out: No such file or directory" -- objdiff -o nodir/out old.o new.o &&
	if test -w /dev/full; then
		exits 2 objdiff old.o new.o >/dev/full 2>err &&
		grep "^objdiff: standard output: " err
	fi
'

test_done
