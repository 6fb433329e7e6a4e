#!/bin/sh
# t4020-patchload-process - what patchload does to the process around the
# patch: the thread that makes patchload's system calls gets every
# register back (a thread spinning with known values in its registers
# checks them all the time) and every thread its CPU mask, SIGTERM to
# patchload while the process is stopped waits until the patch is whole
# and the process runs, a thread blocked in read(2) goes on reading after
# its call was interrupted, a stripped program's file-local functions
# are found through its separate debug file (by build-id), a program
# linked with -flto gets a reason when its file-locals cannot be found,
# and the file-locals of objects without file symbols (a static library
# stripped with strip -g, as Debian ships them) are told apart by the
# object's name, which GNU ld files them under.
. "$IPBP_SRC/testsuite/lib.sh"
. "$IPBP_SRC/testsuite/patchload/b-lib.sh"

# work.c: the patched function, called by a worker thread.
cat >work.c <<'EOF'
#define SPIN(n) for (int i_ = 0; i_ < (n); i_++) __asm__ volatile("")

__attribute__((noipa)) int work(int x)
{
	SPIN(x);
	return 100;
}
EOF
mkdir new && sed 's/return 100;/return 101;/' work.c >new/work.c

# regs.c: the main thread (the one patchload borrows: the first of
# /proc/PID/task) spins with 13 registers holding known values and exits 3
# the moment one differs; a worker prints work(3) every 2 ms.
cat >regs.c <<'EOF'
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <unistd.h>

int work(int);

static void *worker(void *arg)
{
	for (;;) {
		printf("%d\n", work(3));
		fflush(stdout);
		usleep(2000);
	}
	return arg;
}

#define CHECK(reg, v) "movabs $" v ", %%rax\n\tcmp %%rax, %%" reg "\n\tjne 2f\n\t"
#define SET(reg, v) "movabs $" v ", %%" reg "\n\t"

static void spin_checking_registers(void)
{
	__asm__ volatile(
		SET("rbx", "0x1111111111111111") SET("rcx", "0x2222222222222222")
		SET("rdx", "0x3333333333333333") SET("rsi", "0x4444444444444444")
		SET("rdi", "0x5555555555555555") SET("r8", "0x6666666666666666")
		SET("r9", "0x7777777777777777") SET("r10", "0x8888888888888888")
		SET("r11", "0x9999999999999999") SET("r12", "0xaaaaaaaaaaaaaaaa")
		SET("r13", "0xbbbbbbbbbbbbbbbb") SET("r14", "0xcccccccccccccccc")
		SET("r15", "0xdddddddddddddddd")
		"1:\n\t"
		CHECK("rbx", "0x1111111111111111") CHECK("rcx", "0x2222222222222222")
		CHECK("rdx", "0x3333333333333333") CHECK("rsi", "0x4444444444444444")
		CHECK("rdi", "0x5555555555555555") CHECK("r8", "0x6666666666666666")
		CHECK("r9", "0x7777777777777777") CHECK("r10", "0x8888888888888888")
		CHECK("r11", "0x9999999999999999") CHECK("r12", "0xaaaaaaaaaaaaaaaa")
		CHECK("r13", "0xbbbbbbbbbbbbbbbb") CHECK("r14", "0xcccccccccccccccc")
		CHECK("r15", "0xdddddddddddddddd")
		"jmp 1b\n"
		"2:\n"
		::: "rax", "rbx", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11",
		    "r12", "r13", "r14", "r15", "cc", "memory");
}

int main(void)
{
	pthread_t t;

	prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY, 0, 0, 0);
	pthread_create(&t, NULL, worker, NULL);
	spin_checking_registers();
	fprintf(stderr, "a register changed\n");
	exit(3);
}
EOF

# reader.c: the main thread blocks in read(2) on standard input and
# echoes each line; a worker prints work(3).
cat >reader.c <<'EOF'
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

int work(int);

static void *worker(void *arg)
{
	for (;;) {
		printf("%d\n", work(3));
		fflush(stdout);
		usleep(2000);
	}
	return arg;
}

int main(void)
{
	pthread_t t;
	char buf[64];
	ssize_t n;

	prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY, 0, 0, 0);
	pthread_create(&t, NULL, worker, NULL);
	while ((n = read(0, buf, sizeof(buf) - 1)) > 0) {
		buf[n] = 0;
		fprintf(stderr, "read: %s", buf);
	}
	fprintf(stderr, "read ended: %zd\n", n);
	return 0;
}
EOF

test_expect_success 'build the programs and the patch' '
	gcc -O2 -c work.c -o work.o &&
	(cd new && gcc -O2 -c work.c -o work.o) &&
	gcc -O2 -pthread regs.c work.o -o regs &&
	gcc -O2 -pthread reader.c work.o -o reader &&
	mkpatch -o p.so work.o new/work.o
'

test_expect_success 'the thread patchload borrows for its system calls keeps every register' '
	pl_start regs ./regs &&
	P=$pid &&
	pl_await regs.out 100 &&
	i=0 &&
	while [ $i -lt 20 ]; do
		patchload -q -p $P p.so &&
		pl_await regs.out 101 &&
		patchload -q -p $P --revert &&
		pl_await regs.out 100 || return 1
		i=$((i + 1))
	done &&
	pl_alive $P &&
	test_cmp /dev/null regs.err
'

# cpu_masks PID: each thread's CPU mask, in thread order.
cpu_masks() {
	for t in /proc/$1/task/*; do
		sed -n "s/^Cpus_allowed_list:[[:space:]]*//p" $t/status
	done
}

test_expect_success 'every thread keeps its CPU mask' '
	pl_start masks ./regs &&
	P=$pid &&
	pl_await masks.out 100 &&
	cpu_masks $P >masks.before &&
	patchload -q -p $P p.so &&
	pl_await masks.out 101 &&
	cpu_masks $P >masks.applied &&
	patchload -q -p $P --revert &&
	pl_await masks.out 100 &&
	cpu_masks $P >masks.reverted &&
	test_cmp masks.before masks.applied &&
	test_cmp masks.before masks.reverted &&
	test_cmp /dev/null masks.err &&
	kill $P
'

# strace holds patchload in each wait for the borrowed thread after the
# first two (the stop of regs' two threads), half a second each: SIGTERM
# then arrives while a thread runs on borrowed registers.  patchload must
# finish the patch and resume the process before the signal ends it.
waits_traced() {	# N: strace has logged N waits of patchload
	test "$(grep -c "^wait4" trace 2>/dev/null)" -ge $1
}
if command -v strace >/dev/null 2>&1; then
	test_expect_success 'SIGTERM while the process is stopped waits until it runs patched' '
		pl_start term ./regs &&
		P=$pid &&
		pl_await term.out 100 &&
		{ strace -o trace -e trace=wait4 -e inject=wait4:delay_enter=500000:when=3+ \
			patchload -q -p $P p.so & } &&
		S=$! &&
		pl_until waits_traced 2 &&
		kill -TERM $(cat /proc/$S/task/$S/children) &&
		{ wait $S; test $? = 143; } &&
		grep "^+++ killed by SIGTERM +++" trace &&
		pl_await term.out 101 &&
		patchload -p $P --list >list &&
		grep "^#1	p.so	applied" list &&
		patchload -q -p $P --revert &&
		pl_await term.out 100 &&
		pl_alive $P &&
		test_cmp /dev/null term.err &&
		kill $P
	'
else
	test_skip 'strace is not installed'
fi

test_expect_success 'a thread blocked in read(2) goes on reading after the patch' '
	mkfifo in &&
	{ pl_start reader sh -c "exec ./reader <in"; } &&
	P=$pid &&
	exec 8>in &&
	pl_await reader.out 100 &&
	echo one >&8 &&
	pl_until grep -q "^read: one" reader.err &&
	patchload -q -p $P p.so &&
	pl_await reader.out 101 &&
	echo two >&8 &&
	pl_until grep -q "^read: two" reader.err &&
	patchload -q -p $P --revert &&
	pl_await reader.out 100 &&
	echo three >&8 &&
	pl_until grep -q "^read: three" reader.err &&
	exec 8>&- &&
	pl_until grep -q "^read ended: 0" reader.err &&
	printf "read: one\nread: two\nread: three\nread ended: 0\n" >expect &&
	test_cmp expect reader.err
'

# strip.c: the patched function is file-local, so only .symtab knows it.
cat >strip.c <<'EOF'
#include <stdio.h>
#include <sys/prctl.h>
#include <unistd.h>

#define SPIN(n) for (int i_ = 0; i_ < (n); i_++) __asm__ volatile("")

static __attribute__((noipa)) int hidden(int x)
{
	SPIN(x);
	return 200;
}

int main(void)
{
	prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY, 0, 0, 0);
	for (;;) {
		printf("%d\n", hidden(3));
		fflush(stdout);
		usleep(2000);
	}
}
EOF

test_expect_success 'a stripped program: file-local functions come from its debug file' '
	sed "s/return 200;/return 201;/" strip.c >new/strip.c &&
	gcc -O2 -g -c strip.c -o strip.o &&
	(cd new && gcc -O2 -g -c strip.c -o strip.o) &&
	gcc -Wl,--build-id -o stripped strip.o &&
	pl_split_debug stripped debug &&
	mkpatch -o hidden.so strip.o new/strip.o &&
	pl_start stripped ./stripped &&
	P=$pid &&
	pl_await stripped.out 200 &&
	! patchload -p $P hidden.so 2>err &&
	echo "patchload: hidden: not in process $P ($PWD/stripped is stripped, and no" \
		"debug file of it is under /usr/lib/debug/.build-id)" >expect &&
	test_cmp expect err &&
	patchload -p $P --debug-dir="$PWD/debug" hidden.so &&
	pl_await stripped.out 201 &&
	patchload -q -p $P --revert &&
	pl_await stripped.out 200
'

# The same source linked with -flto: the program's file-local symbols come
# from no named source file, and its code from the link-time compiler, so
# a patch from the objects' own machine code (-ffat-lto-objects) cannot
# name hidden() there.  patchload says why.
test_expect_success 'a program linked with -flto: a file-local is refused with the reason' '
	gcc -O2 -flto -ffat-lto-objects -c strip.c -o lto.o &&
	(cd new && gcc -O2 -flto -ffat-lto-objects -c strip.c -o lto.o) &&
	gcc -O2 -flto -o lto lto.o &&
	readelf -sW lto | grep -E " FILE +LOCAL +DEFAULT +ABS *\$" &&
	mkpatch -o lto.so lto.o new/lto.o &&
	pl_start lto ./lto &&
	P=$pid &&
	pl_await lto.out 200 &&
	! patchload -p $P lto.so 2>err &&
	echo "patchload: hidden: not in process $P from strip.c; the process has one" \
		"from no named source file (a program linked with -flto? a patch needs" \
		"objects built as the program was)" >expect &&
	test_cmp expect err &&
	pl_await lto.out 200
'

# Two members of a static library, each with its own static helper(), both
# without file symbols.  The patch changes fa(), which calls a.o's helper:
# binding that call by name alone could reach b.o's (fa would print 2003).
cat >a.c <<'EOF'
static __attribute__((noinline)) int helper(int x) { return x + 1000; }
__attribute__((noinline)) int fa(int x) { return helper(x) + 1; }
EOF
cat >b.c <<'EOF'
static __attribute__((noinline)) int helper(int x) { return x + 2000; }
__attribute__((noinline)) int fb(int x) { return helper(x); }
EOF
cat >ab.c <<'EOF'
#include <stdio.h>
#include <sys/prctl.h>
#include <unistd.h>

int fa(int), fb(int);

int main(void)
{
	prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY, 0, 0, 0);
	for (;;) {
		printf("%d %d\n", fa(1), fb(1));
		fflush(stdout);
		usleep(2000);
	}
}
EOF

test_expect_success 'a static library without file symbols: its locals by object name' '
	sed "s/helper(x) + 1;/helper(x) + 2;/" a.c >new/a.c &&
	mkdir old &&
	gcc -O2 -c a.c -o old/a.o && gcc -O2 -c b.c -o old/b.o &&
	gcc -O2 -c new/a.c -o new/a.o && cp old/b.o new/b.o &&
	strip -g old/a.o old/b.o new/a.o new/b.o &&
	! readelf -sW old/a.o | grep -w FILE &&
	ar rcs old/libab.a old/b.o old/a.o && ar rcs new/libab.a new/b.o new/a.o &&
	gcc -O2 -o ab ab.c old/libab.a &&
	readelf -sW ab | grep -E " FILE +LOCAL +DEFAULT +ABS a\.o$" &&
	objdiff old/libab.a new/libab.a | mkpatch -o ab.so &&
	patchinfo ab.so >info &&
	grep "^import func helper \[object a\.o\] (old/libab\.a(a\.o))$" info &&
	pl_start ab ./ab &&
	P=$pid &&
	pl_await ab.out "1002 2001" &&
	patchload -p $P ab.so &&
	pl_await ab.out "1003 2001" &&
	patchload -q -p $P --revert &&
	pl_await ab.out "1002 2001" &&
	mkpatch --target ./ab -o ab-target.so old/libab.a new/libab.a &&
	patchinfo ab-target.so >info &&
	grep "^import func helper \[object a\.o\] target 0x" info &&
	patchload -p $P ab-target.so &&
	pl_await ab.out "1003 2001" &&
	patchload -q -p $P --revert
'

# lld adds no file symbol for such an object: its locals follow another
# object's.  One helper() is found by name; of two, neither is taken.
test_expect_success 'linked with lld: by name alone, refused when several match' '
	gcc -O2 -fuse-ld=lld -o ab-lld ab.c old/libab.a &&
	! readelf -sW ab-lld | grep -E " FILE +LOCAL +DEFAULT +ABS a\.o$" &&
	pl_start ab-lld ./ab-lld &&
	P=$pid &&
	pl_await ab-lld.out "1002 2001" &&
	pl_code $P before &&
	! patchload -p $P ab.so 2>err &&
	echo "patchload: helper: $PWD/ab-lld has several file-local definitions of this" \
		"name: the patch does not tell which one it means" >expect &&
	test_cmp expect err &&
	pl_code $P after &&
	cmp before after &&
	pl_await ab-lld.out "1002 2001" &&
	! mkpatch --target ./ab-lld -o x.so old/libab.a new/libab.a 2>err &&
	grep "^mkpatch: helper: several definitions in the target ./ab-lld$" err &&
	sed "s/fb(1)/0/" ab.c >a-only.c &&
	gcc -O2 -fuse-ld=lld -o a-lld a-only.c old/a.o &&
	pl_start a-lld ./a-lld &&
	P=$pid &&
	pl_await a-lld.out "1002 0" &&
	patchload -p $P ab.so &&
	pl_await a-lld.out "1003 0"
'

test_done
