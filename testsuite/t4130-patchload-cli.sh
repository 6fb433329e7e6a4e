#!/bin/sh
# t4130-patchload-cli - patchload's command line (patchload(1)): --help,
# --version, usage errors, bad processes (one under another tracer) and
# bad patch files, --revert and --list with nothing applied, -q, -n,
# --stats, --list -C (C++ names demangled) and names escaped in --list.
# Exit status 0 when done, 2 on any trouble, with
# "patchload: ..." on standard error and nothing on standard output; a
# refused patch leaves the process as it was.
#
# The target prints "f(3)" every 2 ms: 100, or 101 with p.so.
. "$IPBP_SRC/testsuite/lib.sh"
. "$IPBP_SRC/testsuite/patchload/b-lib.sh"

mkdir old new || exit 1
cat >old/f.c <<'EOF'
#define SPIN(n) for (int i_ = 0; i_ < (n); i_++) __asm__ volatile("")

__attribute__((noipa)) int f(int x)
{
	SPIN(x);
	return 100;
}
EOF
sed 's/return 100;/return 101;/' old/f.c >new/f.c
cat >main.c <<'EOF'
#include <stdio.h>
#include <sys/prctl.h>
#include <unistd.h>

int f(int);

int main(void)
{
	prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY, 0, 0, 0);
	for (;;) {
		printf("%d\n", f(3));
		fflush(stdout);
		usleep(2000);
	}
}
EOF
(cd old && gcc -O2 -c f.c) && (cd new && gcc -O2 -c f.c) &&
gcc -O2 -c main.c && gcc main.o old/f.o -o app &&
mkpatch -o p.so old/f.o new/f.o || exit 1

pl_start app ./app
P=$pid
# A pid no process has: one that just exited (and was reaped).
GONE=$(sh -c 'echo $$')

# fails ARGS...: patchload ARGS exits 2, prints nothing on stdout, and only
# "patchload: " lines on stderr (in err).
fails() {
	patchload "$@" >out 2>err
	code=$?
	cat err
	[ "$code" = 2 ] || { echo "exit status $code, expected 2"; return 1; }
	test_cmp /dev/null out || return 1
	test -s err || { echo "no message"; return 1; }
	! grep -v -e "^patchload: " -e "^Try 'patchload --help' for more information\.\$" err
}

# usage MESSAGE ARGS...: a usage error, MESSAGE and the hint.
usage() {
	msg=$1
	shift
	fails "$@" &&
	printf "%s\n" "patchload: $msg" "Try 'patchload --help' for more information." >expect &&
	test_cmp expect err
}

# untouched: nothing applied, nothing mapped, the code as it was, f old.
untouched() {
	patchload -p $P --list >list &&
	test_cmp /dev/null list &&
	! pl_maps $P &&
	pl_code $P code.now &&
	test_cmp code.before code.now &&
	pl_await app.out 100
}

test_expect_success 'the program runs' '
	pl_await app.out 100 &&
	pl_code $P code.before
'

test_expect_success '--help: usage on stdout, exit 0' '
	patchload --help >out 2>err &&
	test_cmp /dev/null err &&
	head -n 3 out >head &&
	printf "%s\n" "Usage: patchload -p PID [OPTION]... PATCH" \
		"  or:  patchload -p PID --list [-C|--format=json]" \
		"  or:  patchload -p PID --revert[=all|N]" >expect &&
	test_cmp expect head &&
	for o in --pid --dry-run --list --demangle --format --revert --stats --tries --quiet --version; do
		grep -q -e "$o" out || { echo "$o not in --help"; exit 1; }
	done &&
	patchload -h >out.h &&
	test_cmp out out.h
'

test_expect_success '--version: one line, exit 0' '
	patchload --version >out 2>err &&
	test_cmp /dev/null err &&
	grep -E -x "patchload \(ipbp\) [0-9]+\.[0-9]+\.[0-9]+.*" out &&
	test "$(wc -l <out)" = 1 &&
	patchload -V >out.v && test_cmp out out.v
'

test_expect_success 'usage errors: exit 2 with a hint' '
	usage "missing -p PID" p.so &&
	usage "missing -p PID" --list &&
	usage "missing PATCH" -p $P &&
	usage "invalid process id '"'"'abc'"'"'" -p abc p.so &&
	usage "invalid process id '"'"'0'"'"'" -p 0 p.so &&
	usage "invalid process id '"'"'-5'"'"'" -p -5 p.so &&
	usage "invalid process id '"'"'12x'"'"'" -p 12x p.so &&
	usage "extra operand '"'"'p.so'"'"'" -p $P p.so p.so &&
	usage "invalid format '"'"'xml'"'"' (text or json)" -p $P --list --format=xml &&
	usage "invalid patch number '"'"'x'"'"'" -p $P --revert=x &&
	usage "invalid patch number '"'"'0'"'"'" -p $P --revert=0 &&
	usage "invalid count '"'"'0'"'"'" -p $P --tries=0 p.so &&
	usage "unrecognized option '"'"'--bogus'"'"'" -p $P --bogus p.so &&
	untouched
'

test_expect_success 'a process that does not exist: "no such process"' '
	! kill -0 $GONE 2>/dev/null &&
	echo "patchload: process $GONE: no such process" >expect &&
	fails -p $GONE p.so && test_cmp expect err &&
	fails -p $GONE --list && test_cmp expect err &&
	fails -p $GONE --revert && test_cmp expect err
'

test_expect_success 'a missing patch file' '
	fails -p $P nosuch.so &&
	echo "patchload: nosuch.so: No such file or directory" >expect &&
	test_cmp expect err &&
	untouched
'

test_expect_success 'files that are not patches' '
	fails -p $P /bin/true &&
	echo "patchload: /bin/true: no .ipbp.manifest section: not an ipbp patch" >expect &&
	test_cmp expect err &&
	echo hello >text &&
	fails -p $P text &&
	grep -x "patchload: text: unknown file format.*" err &&
	: >empty &&
	fails -p $P empty &&
	echo "patchload: empty: empty file" >expect &&
	test_cmp expect err &&
	fails -p $P old/f.o &&
	grep "^patchload: old/f.o: " err &&
	fails -p $P . &&
	grep "^patchload: \.: " err &&
	untouched
'

# A byte of the patch's code changed: the container's checksum (xxh3 of
# the file, patchpkg(5)) no longer matches; nothing is written.
test_expect_success 'a corrupted patch: checksum mismatch, the process untouched' '
	off=$(readelf -SW p.so | sed "s/^ *\[ *[0-9]*\] *//" |
		awk "\$1 == \".text\" { print \$4 }") &&
	test -n "$off" &&
	cp p.so bad.so &&
	printf "\\125" | dd of=bad.so bs=1 seek=$((0x$off + 2)) conv=notrunc 2>/dev/null &&
	! cmp -s p.so bad.so &&
	fails -p $P bad.so &&
	grep -E -x "patchload: bad.so: not a valid patch: checksum mismatch: the manifest says 0x[0-9a-f]+, the file hashes to 0x[0-9a-f]+" err &&
	untouched
'

test_expect_success 'a truncated patch: refused, the process untouched' '
	head -c $(($(wc -c <p.so) / 2)) p.so >half.so &&
	fails -p $P half.so &&
	grep "^patchload: half.so: " err &&
	untouched
'

# traced_by PID TRACER: PID's tracer (TracerPid) is TRACER, 0 for none.
traced_by() {
	test "$(sed -n "s/^TracerPid:[[:space:]]*//p" /proc/$1/status)" = "$2"
}

# A thread has one tracer at most; patchload must name the one it found,
# not send the user to the permissions.
if command -v strace >/dev/null 2>&1; then
	test_expect_success 'a process under another tracer: named, the process untouched' '
		{ strace -o /dev/null -p $P & } &&
		S=$! &&
		pl_until traced_by $P $S &&
		{ fails -p $P p.so; failed=$?; kill $S; wait $S; test $failed = 0; } &&
		echo "patchload: process $P: cannot attach: it is traced by process $S (strace); detach that first" >expect &&
		test_cmp expect err &&
		pl_until traced_by $P 0 &&
		untouched
	'
else
	test_skip 'strace is not installed'
fi

test_expect_success '--list with nothing applied: no output, exit 0' '
	patchload -p $P --list >out 2>err &&
	test_cmp /dev/null out &&
	test_cmp /dev/null err &&
	patchload -p $P --list --format=json >out 2>err &&
	echo "{\"patchload\":1,\"pid\":$P,\"patches\":[]}" >expect &&
	test_cmp expect out &&
	test_cmp /dev/null err
'

test_expect_success '--revert with nothing applied: refused' '
	echo "patchload: process $P: no patch is applied" >expect &&
	fails -p $P --revert && test_cmp expect err &&
	fails -p $P --revert=all && test_cmp expect err &&
	fails -p $P --revert=99 && test_cmp expect err &&
	untouched
'

test_expect_success '-n: what would be done, nothing done' '
	patchload -n -p $P p.so >out 2>err &&
	echo "would apply #1 p.so to process $P: f" >expect &&
	test_cmp expect out &&
	test_cmp /dev/null err &&
	patchload --dry-run -p $P p.so >out &&
	test_cmp expect out &&
	untouched
'

test_expect_success '-q: no output when applied; the program runs the patch' '
	patchload -q -p $P p.so >out 2>err &&
	test_cmp /dev/null out &&
	test_cmp /dev/null err &&
	pl_await app.out 101 &&
	patchload -p $P --list >list &&
	grep -E -x "#1	p.so	applied	[0-9-]+ [0-9:]+	0x[0-9a-f]+" list
'

test_expect_success 'the same patch again: refused, still applied once' '
	patchload -p $P --list >list.before &&
	pl_code $P code.applied &&
	fails -p $P p.so &&
	echo "patchload: p.so: already applied to process $P as #1" >expect &&
	test_cmp expect err &&
	patchload -p $P --list >list.after &&
	test_cmp list.before list.after &&
	pl_code $P code.now &&
	test_cmp code.applied code.now &&
	test "$(pl_maps $P | awk "{ print \$5 }" | sort -u | wc -l)" = 1
'

test_expect_success '--revert=99 while #1 is applied: refused, #1 stays' '
	fails -p $P --revert=99 &&
	echo "patchload: process $P: no patch #99 is applied" >expect &&
	test_cmp expect err &&
	test_cmp list.before list.after &&
	pl_await app.out 101
'

test_expect_success '--revert -n: what would be reverted, nothing reverted' '
	patchload -n -p $P --revert >out &&
	echo "would revert #1 p.so in process $P: f" >expect &&
	test_cmp expect out &&
	patchload -p $P --list >list.now &&
	test_cmp list.before list.now &&
	pl_await app.out 101
'

test_expect_success '--revert -q: no output; the program runs the old code' '
	patchload -q -p $P --revert >out 2>err &&
	test_cmp /dev/null out &&
	test_cmp /dev/null err &&
	untouched
'

test_expect_success '--stats: the timings on stderr, the result on stdout' '
	patchload --stats -p $P p.so >out 2>err &&
	cat err &&
	echo "applied #1 p.so to process $P: f" >expect &&
	test_cmp expect out &&
	test "$(wc -l <err)" = 1 &&
	grep -E "^patchload: open [0-9.]+ ms, .*; total [0-9.]+ ms; process stopped [0-9.]+ ms \(1 thread, [0-9]+ stops?[;)]" err &&
	patchload --stats -q -p $P --revert >out 2>err &&
	test_cmp /dev/null out &&
	grep "; process stopped " err &&
	untouched
'

test_expect_success 'the program ran on throughout' '
	pl_alive $P &&
	test_cmp /dev/null app.err &&
	! grep -v -x -e 100 -e 101 app.out
'

# -C: the --list lines of C++ names end in the name demangled, as
# patchinfo -C and objdiff -C end theirs; a C name's line gets nothing.
mkdir cxx cxx/new || exit 1
cat >cxx/g.cc <<'EOF'
#include <cstdio>
#include <sys/prctl.h>
#include <unistd.h>

namespace geo {
__attribute__((noipa)) int scale(int x)
{
	for (int i = 0; i < x; i++)
		__asm__ volatile("");
	return x * 100;
}
}

int main()
{
	prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY, 0, 0, 0);
	for (;;) {
		std::printf("%d\n", geo::scale(1));
		std::fflush(stdout);
		usleep(2000);
	}
}
EOF
sed 's/x \* 100;/x * 101;/' cxx/g.cc >cxx/new/g.cc
if command -v g++ >/dev/null 2>&1 &&
	g++ -O2 -c cxx/g.cc -o cxx/old.o && g++ -O2 -c cxx/new/g.cc -o cxx/new.o &&
	g++ cxx/old.o -o cxx/app && mkpatch -o cxx/p.so cxx/old.o cxx/new.o 2>/dev/null; then
	pl_start cxx ./cxx/app
	C=$pid
	test_expect_success '--list -C: C++ names demangled, C names as they are' '
		pl_await cxx.out 100 &&
		patchload -q -p $C cxx/p.so &&
		pl_await cxx.out 101 &&
		patchload -p $C --list -C >list &&
		cat list &&
		grep -E -x "	_ZN3geo5scaleEi	0x[0-9a-f]+ -> 0x[0-9a-f]+ # geo::scale\(int\)" list &&
		patchload -p $C --list >plain &&
		sed "s/ # .*//" list >stripped &&
		test_cmp plain stripped &&
		patchload -q -p $C --revert &&
		pl_await cxx.out 100 &&
		patchload -q -p $P p.so &&
		patchload -p $P --list -C >list.c &&
		patchload -p $P --list >plain.c &&
		test_cmp plain.c list.c &&
		patchload -q -p $P --revert
	'
else
	test_skip "--list -C: g++ cannot build the C++ target"
fi

# The names --list prints come from the target's memory: a control
# character in them is written \xhh, as patchinfo writes it, so that no
# name can forge a line or move the terminal's cursor.
test_expect_success '--list: blanks and controls in names escaped' '
	cp p.so "p	x.so" &&
	patchload -q -p $P "p	x.so" &&
	pl_await app.out 101 &&
	patchload -p $P --list >list &&
	cat list &&
	grep -E -x "#[0-9]+	p\\\\x09x\.so	applied	[-0-9]+ [:0-9]+	0x[0-9a-f]+" list &&
	test $(wc -l <list) = 2 &&
	patchload -q -p $P --revert &&
	untouched
'

test_expect_success '-C without --list, or with JSON: a usage error' '
	usage "--demangle needs --list and text format" -p $P -C p.so &&
	usage "--demangle needs --list and text format" -p $P --list --format=json -C &&
	untouched
'

test_done
