#!/bin/sh
# t4000-patchload-basic - patchload on real running processes.  Each test
# builds a fixture program of testsuite/patchload/basic/ as a user does
# (cc -O2, PIE, the default), starts it, and patches it while it runs:
#   cc -c NAME.c -o NAME.old.o; cc -o NAME NAME.old.o; ./NAME &
#   (edit NAME.c) cc -c NAME.c -o NAME.new.o
#   objdiff NAME.old.o NAME.new.o | mkpatch -o NAME.so
#   patchload -p PID NAME.so; ...; patchload -p PID --revert
# and watches the program's output change (see basic/lib.sh).  What a
# process must do (run the new code, keep its state) is checked on its
# output; what it must not (a refused or dry-run patch) on its memory:
# the program is stopped (kill -STOP), every mapping hashed
# (patchload-memsum), patchload run, the memory hashed again: same text.
. "$IPBP_SRC/testsuite/lib.sh"
. "$IPBP_SRC/testsuite/patchload/basic/lib.sh"

FLAGS="-O2"

test_expect_success 'a body change runs at once, and --revert brings the old code back' '
	build body $FLAGS &&
	start body &&
	await body "^i=[0-9]+ value=14;\$" &&
	pid=$(pid_of body) &&
	patchload -p $pid body.so >out &&
	echo "applied #1 body.so to process $pid: value" >expect &&
	test_cmp expect out &&
	await body "value=21;\$" &&
	patchload -p $pid --revert >out &&
	echo "reverted #1 body.so in process $pid: value" >expect &&
	test_cmp expect out &&
	await body "value=14;\$" &&
	finish body &&
	phases body.out "value=14;" "value=21;" >actual &&
	printf "old\\nnew\\nold\\n" >expect &&
	test_cmp expect actual
'
stop_targets

test_expect_success 'a global, a static, a function-local static and a TLS variable count on' '
	build state $FLAGS &&
	start state &&
	await state "^old g=([2-9][0-9]|[0-9]{3,}) " &&
	pid=$(pid_of state) &&
	patchload -q -p $pid state.so &&
	await state "^new g=.* sum=[0-9]+;\$" &&
	patchload -q -p $pid --revert &&
	await state "^old g=" &&
	finish state &&
	phases state.out "^old " "^new " >actual &&
	printf "old\\nnew\\nold\\n" >expect &&
	test_cmp expect actual &&
	counts state.out
'
stop_targets

test_expect_success 'a new function and a new initialized global are used by the patch' '
	build added $FLAGS &&
	start added &&
	await added "value=5;\$" &&
	pid=$(pid_of added) &&
	patchload -p $pid added.so >out &&
	echo "applied #1 added.so to process $pid: value (+2 added)" >expect &&
	test_cmp expect out &&
	patchload -p $pid --list --format=json >json &&
	grep -F "\"functions\":[\"value\"],\"added\":[\"bonus\",\"bonus_total\"]" json &&
	await added "value=[0-9]+005;\$" &&
	patchload -q -p $pid --revert &&
	await added "value=5;\$" &&
	finish added &&
	# bonus_total starts at 40 and gains 2 a call: 42005, 44005, ...
	grep -v "value=5;\$" added.out | grep ";\$" |
		sed "s/^i=[0-9]* value=\\([0-9]*\\);\$/\\1/" >values &&
	awk "{ if (\$1 != 5 + 1000 * (40 + 2 * NR)) { print NR \": \" \$0; exit 1 } }" values &&
	test -s values
'
stop_targets

test_expect_success 'a changed string literal is printed' '
	build string $FLAGS &&
	start string &&
	await string "greeting=hello;\$" &&
	patchload -q -p $(pid_of string) string.so &&
	await string "greeting=patched;\$" &&
	patchload -q -p $(pid_of string) --revert &&
	await string "greeting=hello;\$" &&
	finish string &&
	phases string.out "greeting=hello;\$" "greeting=patched;\$" >actual &&
	printf "old\\nnew\\nold\\n" >expect &&
	test_cmp expect actual
'
stop_targets

test_expect_success 'new calls into libc: strlen, memchr (IFUNCs) and strtol' '
	build libc $FLAGS -fno-builtin &&
	nm -D --undefined-only libc >imports &&
	! grep -w -e strlen -e memchr -e strtol imports &&
	start libc &&
	await libc "measure=97;\$" &&
	patchload -q -p $(pid_of libc) libc.so &&
	await libc "measure=70477;\$" &&
	patchload -q -p $(pid_of libc) --revert &&
	await libc "measure=97;\$" &&
	finish libc &&
	phases libc.out "measure=97;\$" "measure=70477;\$" >actual &&
	printf "old\\nnew\\nold\\n" >expect &&
	test_cmp expect actual
'
stop_targets

test_expect_success 'the patch uses the executable'"'"'s copy of stdout (a copy relocation)' '
	build stdout $FLAGS &&
	start stdout &&
	await stdout "old;\$" &&
	patchload -q -p $(pid_of stdout) stdout.so &&
	await stdout "new;\$" &&
	finish stdout
'
stop_targets

# mkpatch --target looks names up as patchload does: the executable's
# .symtab names its copy "stdout@GLIBC_2.2.5", and that copy is the one
# pre-resolved, not left for the loader.
test_expect_success 'mkpatch --target pre-resolves stdout to the same copy' '
	build stdout $FLAGS &&
	mkpatch --target ./stdout -o stdout-target.so <stdout.stream 2>err &&
	addr=$(readelf -sW stdout | awk "\$8 ~ /^stdout@/ { print \$2; exit }") &&
	test -n "$addr" &&
	patchinfo stdout-target.so >info &&
	grep -x "import notype stdout target $(printf %#x 0x$addr)" info &&
	start stdout &&
	await stdout "old;\$" &&
	patchload -q -p $(pid_of stdout) stdout-target.so &&
	await stdout "new;\$" &&
	finish stdout
'
stop_targets

test_expect_success 'function pointers taken before the patch reach the new code' '
	build fnptr $FLAGS &&
	start fnptr &&
	await fnptr "direct=14 taken=14;\$" &&
	patchload -q -p $(pid_of fnptr) fnptr.so &&
	await fnptr "direct=21 taken=21;\$" &&
	patchload -q -p $(pid_of fnptr) --revert &&
	await fnptr "direct=14 taken=14;\$" &&
	finish fnptr &&
	phases fnptr.out "direct=14 taken=14;\$" "direct=21 taken=21;\$" >actual &&
	printf "old\\nnew\\nold\\n" >expect &&
	test_cmp expect actual
'
stop_targets

# refused NAME PATCH STDERR_REGEX: PATCH on the stopped NAME exits 2 with
# one line matching the regex and changes no byte of its memory; the
# program then goes on with its old code and no patch listed.
refused() {
	pid=$(pid_of "$1") &&
	stop "$1" &&
	"$MEMSUM" $pid >before &&
	{ patchload -p $pid "$2" >out 2>err; test $? = 2; } &&
	cat err && test ! -s out &&
	test $(wc -l <err) = 1 &&
	grep -E "$3" err &&
	stays_stopped $pid &&
	"$MEMSUM" $pid >after &&
	test_cmp before after &&
	kill -CONT $pid &&
	patchload -p $pid --list --format=json >json &&
	echo "{\"patchload\":1,\"pid\":$pid,\"patches\":[]}" >expect &&
	test_cmp expect json
}

test_expect_success 'a patch built from other code than what runs is refused, memory unchanged' '
	build body $FLAGS &&
	cp "$BASIC/body.other.c" body.c &&
	cc $FLAGS -c body.c -o body.other.o &&
	mkpatch -o other.so body.other.o body.new.o &&
	start body &&
	await body "value=14;\$" &&
	pid=$(pid_of body) &&
	refused body other.so "^patchload: value: process $pid runs other code than the patch was built from" &&
	n=$(wc -l <body.out) &&
	await_lines body $((n + 2)) &&
	await body "value=14;\$" &&
	finish body
'
stop_targets

test_expect_success '--dry-run says what it would do, and changes nothing' '
	build body $FLAGS &&
	start body &&
	await body "value=14;\$" &&
	pid=$(pid_of body) &&
	stop body &&
	"$MEMSUM" $pid >before &&
	patchload -p $pid --dry-run body.so >out &&
	echo "would apply #1 body.so to process $pid: value" >expect &&
	test_cmp expect out &&
	"$MEMSUM" $pid >after &&
	test_cmp before after &&
	kill -CONT $pid &&
	n=$(wc -l <body.out) &&
	await_lines body $((n + 2)) &&
	await body "value=14;\$" &&
	finish body
'
stop_targets

test_expect_success 'a stopped process is patched, stays stopped, runs the new code once continued' '
	build body $FLAGS &&
	start body &&
	await body "value=14;\$" &&
	pid=$(pid_of body) &&
	stop body &&
	patchload -q -p $pid body.so &&
	stays_stopped $pid &&
	n=$(wc -l <body.out) &&
	kill -CONT $pid &&
	await body "value=21;\$" &&
	sed -n "$((n + 2)),\$p" body.out | grep -v "value=21;\$" >old-after-patch ;
	test ! -s old-after-patch &&
	finish body
'
stop_targets

test_expect_success 'a patch for a function the process does not have is refused' '
	build body $FLAGS &&
	build state $FLAGS &&
	start body &&
	await body "value=14;\$" &&
	# glibc has a step() of its own (regexp.h), but only as a version kept
	# for old programs (step@GLIBC_2.2.5), which no link binds "step" to;
	# the patch names no program, so the message asks about its object
	refused body state.so "^patchload: step: not in process $(pid_of body) \(from state\.old\.o: is that object linked into the program\? mkpatch --target PROGRAM leaves out the objects a program does not link\)\$" &&
	finish body
'
stop_targets

# tiny.s: hand-written, so that a function is smaller than the jump.
test_expect_success 'a function too small for the jump is refused by name, unless padding follows' '
	cp "$BASIC/tiny.s" "$BASIC/tiny-main.c" . &&
	run cc -c tiny.s -o tiny.old.o &&
	run cc $FLAGS -o tiny tiny-main.c tiny.old.o &&
	cp "$BASIC/tiny.new.s" tiny.s && cc -c tiny.s -o tiny.new.o &&
	cp "$BASIC/tiny.padded.s" tiny.s && cc -c tiny.s -o tiny.padded.o &&
	mkpatch -o tiny.so tiny.old.o tiny.new.o &&
	mkpatch -o padded.so tiny.old.o tiny.padded.o &&
	start tiny &&
	await tiny "padded=7 tiny=7 after=107;\$" &&
	refused tiny tiny.so "^patchload: tiny: 3 bytes, too small for a 5-byte branch and followed by other code\$" &&
	patchload -q -p $(pid_of tiny) padded.so &&
	await tiny "padded=9 tiny=7 after=107;\$" &&
	patchload -q -p $(pid_of tiny) --revert &&
	await tiny "padded=7 tiny=7 after=107;\$" &&
	finish tiny
'
stop_targets

test_done
