#!/bin/sh
# t4120-patchload-shlib - patching a function of a shared library the
# process loaded (patchload(1), "Shared libraries").
#
# libt.so (lib.c, -fPIC) has
#   lib_func(x)   x * 2 (changed to x * 3: "lib_func(7)" goes 14 -> 21)
#   lib_count()   ++calls on a file-local static of the library (changed
#                 to calls += 1; return calls + 100000: the count goes on
#                 from where it was, now shifted)
#   lib_twice(x)  lib_func(x) + lib_func(x), unchanged: a call inside the
#                 library reaches the new lib_func too
# and the program (linked with -lt, run with LD_LIBRARY_PATH) prints
# "lib_func(7) lib_twice(7) lib_count()" every 2 ms.
#
#   - a patch of lib_func only: the output changes, the program's own
#     code is untouched; the redirection is in libt.so's mapping; revert
#     restores the output and libt.so's code byte for byte;
#   - a patch of lib_count: the library's static keeps counting;
#   - both stacked, reverted with --revert=all;
#   - with another library, libv.so, that defines vf in two versions (the
#     old vf@V1 and the default vf@@V2): a new call to vf() in the
#     program's code reaches vf@@V2, with and without libv.so's debug file;
#   - libt.so stripped: the file-local static lib_count uses is found in
#     its debug file, and without it the patch is refused.
. "$IPBP_SRC/testsuite/lib.sh"
. "$IPBP_SRC/testsuite/patchload/b-lib.sh"

mkdir old new newc || exit 1
cat >old/lib.c <<'EOF'
#define SPIN(n) for (int i_ = 0; i_ < (n); i_++) __asm__ volatile("")

static int calls;

int lib_func(int x)
{
	SPIN(x);
	return x * 2;
}

int lib_count(void)
{
	SPIN(3);
	return ++calls;
}

int lib_twice(int x)
{
	return lib_func(x) + lib_func(x);
}
EOF
sed 's/return x \* 2;/return x * 3;/' old/lib.c >new/lib.c
sed 's/return ++calls;/calls += 1;\n\treturn calls + 100000;/' old/lib.c >newc/lib.c
cat >main.c <<'EOF'
#include <stdio.h>
#include <sys/prctl.h>
#include <unistd.h>

int lib_func(int), lib_twice(int), lib_count(void);

int main(void)
{
	prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY, 0, 0, 0);
	for (;;) {
		int a = lib_func(7), b = lib_twice(7);

		printf("%d %d %d\n", a, b, lib_count());
		fflush(stdout);
		usleep(2000);
	}
}
EOF
for d in old new newc; do
	(cd $d && gcc -O2 -fPIC -c lib.c) || exit 1
done
gcc -O2 -fPIC -shared old/lib.o -o libt.so &&
gcc -O2 -c main.c && gcc main.o -L. -lt -o app || exit 1
mkpatch -o func.so old/lib.o new/lib.o &&
mkpatch -o count.so old/lib.o newc/lib.o || exit 1

LD_LIBRARY_PATH=$PWD
export LD_LIBRARY_PATH
pl_start app ./app
P=$pid

# libcode OUT: the non-writable mappings of libt.so, their bytes.
libcode() {
	lib=$(awk -v l="$PWD/libt.so" "\$6 == l { print \$6; exit }" /proc/$P/maps) &&
	test -n "$lib" &&
	awk -v l="$lib" "\$6 == l && \$2 !~ /w/ { print \$1, \$2 }" /proc/$P/maps >"$1.ranges" &&
	: >"$1" &&
	while read range perm; do
		lo=$((0x${range%-*})) hi=$((0x${range#*-}))
		echo "$range $perm" >>"$1"
		dd if=/proc/$P/mem iflag=skip_bytes,count_bytes skip=$lo count=$((hi - lo)) \
			bs=65536 2>/dev/null | od -An -tx1 -v >>"$1"
	done <"$1.ranges"
}

# shows A B: the output's last line shows lib_func(7) = A, lib_twice(7) = B.
shows() {
	tail -n 1 app.out | grep -q "^$1 $2 "
}

# line A B: waits until it does.
line() {
	pl_until shows "$1" "$2"
}

# shifted: the last two lines show lib_count() from the patch (the last
# one may still be half written: checks below drop it).
shifted() {
	tail -n 3 app.out | awk '$3 > 100000 { n++ } END { exit n < 2 }'
}

test_expect_success 'the program runs with the old library' '
	line 14 28 &&
	pl_code $P code.before &&
	libcode lib.before &&
	test -s lib.before
'

test_expect_success 'lib_func patched in libt.so: the output changes' '
	patchload -p $P func.so >out &&
	echo "applied #1 func.so to process $P: lib_func" >expect &&
	test_cmp expect out &&
	line 21 42
'

test_expect_success 'the branch is in libt.so, at lib_func; the program is untouched' '
	patchload -p $P --list --format=json >list.json &&
	cat list.json &&
	f=$(nm -D --defined-only libt.so | awk "\$3 == \"lib_func\" { print \$1 }") &&
	base=$(awk -v l="$PWD/libt.so" "\$6 == l { print \$1; exit }" /proc/$P/maps) &&
	entry=$(printf "0x%x" $((0x${base%-*} + 0x$f))) &&
	python3 -c "import json
d = json.load(open(\"list.json\"))
s = d[\"patches\"][0][\"sites\"]
assert [(x[\"function\"], int(x[\"addr\"], 16), x[\"entry\"]) for x in s] == [(\"lib_func\", $entry, True)], s" &&
	pl_code $P code.now &&
	test_cmp code.before code.now
'

test_expect_success 'revert: the old output, libt.so byte for byte as it was' '
	patchload -p $P --revert >out &&
	echo "reverted #1 func.so in process $P: lib_func" >expect &&
	test_cmp expect out &&
	line 14 28 &&
	libcode lib.now &&
	test_cmp lib.before lib.now &&
	! pl_maps $P
'

# The count before the patch, then the shifted one, must go on one by one.
test_expect_success 'lib_count patched: the library static keeps counting' '
	patchload -p $P count.so >out &&
	echo "applied #1 count.so to process $P: lib_count" >expect &&
	test_cmp expect out &&
	pl_until shifted &&
	sed "\$d" app.out >lines &&
	awk "{ n = \$3 % 100000 }
	     NR > 1 && n != prev + 1 { print \"line \" NR \": \" \$0 \" after \" prev; bad = 1 }
	     { prev = n }
	     END { exit bad }" lines &&
	last=$(awk "\$3 < 100000 { n = \$3 } END { print n }" lines) &&
	first=$(awk "\$3 > 100000 { print \$3 - 100000; exit }" lines) &&
	echo "old count $last, then $first" &&
	test "$first" = $((last + 1)) &&
	test "$last" -gt 10
'

test_expect_success 'both stacked in libt.so, then --revert=all' '
	patchload -q -p $P func.so &&
	line 21 42 &&
	shifted &&
	patchload -p $P --revert=all >out &&
	printf "%s\n" "reverted #2 func.so in process $P: lib_func" \
		"reverted #1 count.so in process $P: lib_count" >expect &&
	test_cmp expect out &&
	line 14 28 &&
	libcode lib.now &&
	test_cmp lib.before lib.now &&
	! pl_maps $P
'

test_expect_success 'the program ran on throughout' '
	pl_alive $P &&
	test_cmp /dev/null app.err
'

# A patch's new call to a function a library defines in two versions, as
# glibc defines glob@GLIBC_2.2.5 (kept for old programs) and the default
# glob@@GLIBC_2.27, binds the default, as the linker and ld.so would: with
# the library stripped and, where its symbol table names the old version
# too, with its debug file.
mkdir ver || exit 1
cat >ver/v.c <<'EOF'
int vf_old(void) { return 1; }
int vf_new(void) { return 2; }
int v_alive(void) { return 0; }
__asm__(".symver vf_old, vf@V1");
__asm__(".symver vf_new, vf@@V2");
EOF
printf '%s\n' 'V1 { global: v_alive; vf; local: *; };' 'V2 { global: vf; } V1;' >ver/v.map
cat >ver/app.c <<'EOF'
#include <stdio.h>
#include <sys/prctl.h>
#include <unistd.h>

int v_alive(void);
volatile int zero;

__attribute__((noinline)) int tick(void)
{
	return zero;
}

int main(void)
{
	prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY, 0, 0, 0);
	for (;;) {
		printf("%d\n", tick() + v_alive());
		fflush(stdout);
		usleep(2000);
	}
}
EOF
sed 's/^	return zero;/	int vf(void);\n\n	return 10 * vf() + zero;/' ver/app.c >ver/app.new.c
(
	cd ver &&
	gcc -O2 -fPIC -shared -Wl,--build-id -Wl,--version-script=v.map v.c -o libv.so &&
	pl_split_debug libv.so debug &&
	gcc -O2 -c app.c -o app.old.o && gcc -O2 -c app.new.c -o app.new.o &&
	gcc app.old.o -L. -lv -o app && mkpatch -o p.so app.old.o app.new.o
) || exit 1

LD_LIBRARY_PATH=$PWD/ver
pl_start ver ./ver/app
V=$pid

test_expect_success 'a new call to a versioned function binds its default version' '
	readelf --dyn-syms -W ver/libv.so >dynsyms &&
	grep -F " vf@V1" dynsyms && grep -F " vf@@V2" dynsyms &&
	pl_await ver.out 0 &&
	patchload -q -p $V ver/p.so &&
	pl_await ver.out 20 &&
	patchload -q -p $V --revert &&
	pl_await ver.out 0
'

test_expect_success 'the same when the library has a debug file' '
	readelf -s -W ver/debug/.build-id/*/*.debug >syms &&
	grep -F " vf@V1" syms && grep -F " vf@@V2" syms &&
	patchload -q -p $V --debug-dir="$PWD/ver/debug" ver/p.so &&
	pl_await ver.out 20 &&
	patchload -q -p $V --revert &&
	pl_await ver.out 0 &&
	pl_alive $V &&
	test_cmp /dev/null ver.err
'

# A stripped libt.so: its dynamic symbols name lib_count, but the file-local
# "calls" that count.so imports is only in its debug file, which patchload
# reads when a patch first looks a file-local name up (and never for
# globals: libc's would cost milliseconds for nothing).
mkdir strip || exit 1
gcc -O2 -fPIC -shared -Wl,--build-id old/lib.o -o strip/libt.so &&
pl_split_debug strip/libt.so strip/debug || exit 1
LD_LIBRARY_PATH=$PWD/strip
pl_start strip ./app
S=$pid
LD_LIBRARY_PATH=$PWD

# counted FILE: the last two lines of FILE show lib_count() from count.so.
counted() {
	tail -n 3 "$1" | awk '$3 > 100000 { n++ } END { exit n < 2 }'
}

test_expect_success 'a stripped library without its debug file: its file-local is not found' '
	pl_until grep -q "^14 28 " strip.out &&
	patchload -p $S --debug-dir="$PWD/nowhere" count.so 2>err; test $? = 2 &&
	cat err &&
	echo "patchload: calls: file-local data is not in process $S ($PWD/strip/libt.so" \
		"is stripped, and no debug file of it is under $PWD/nowhere/.build-id)" >expect &&
	test_cmp expect err &&
	! pl_maps $S
'

test_expect_success 'with its debug file: the patch binds the library static' '
	patchload -p $S --debug-dir="$PWD/strip/debug" count.so >out &&
	echo "applied #1 count.so to process $S: lib_count" >expect &&
	test_cmp expect out &&
	pl_until counted strip.out &&
	patchload -q -p $S --revert &&
	pl_alive $S &&
	test_cmp /dev/null strip.err
'

test_done
