#!/bin/sh
# t4110-patchload-threads - a patch applied and reverted 200 times while 8
# threads call the patched functions in tight loops (patchload(1),
# "Safety").
#
# work.c has f (x + 1000) and g (3x + 5000), each spinning a while so that
# the threads are often inside them; the patch makes them x + 2000 and
# 3x + 6000 (f now calls g's twin through the patch).  Each thread checks
# every result: one neither old nor new is printed on stderr and ends the
# program (exit 3).  The main thread prints the counts of old and new
# results every 10 ms; on SIGUSR1 the threads stop calling, clear the dead
# part of their stacks and wait ("paused").
#
#   - --stats: the process was stopped, with its 9 threads;
#   - 200 times patchload + patchload --revert: every run succeeds, the
#     program lives on, every result was old or new, both were seen;
#   - in the end nothing is applied, the code is as it was, and the
#     mappings of patch code that a thread still ran when it was reverted
#     are few, and gone at the next revert once the threads stop calling.
. "$IPBP_SRC/testsuite/lib.sh"
. "$IPBP_SRC/testsuite/patchload/b-lib.sh"

mkdir old new || exit 1
cat >old/work.c <<'EOF'
#define SPIN(n) for (int i_ = 0; i_ < (n); i_++) __asm__ volatile("")

__attribute__((noipa)) int g(int x)
{
	SPIN(20);
	return 3 * x + 5000;
}

__attribute__((noipa)) int f(int x)
{
	SPIN(20);
	return x + 1000;
}
EOF
cat >new/work.c <<'EOF'
#define SPIN(n) for (int i_ = 0; i_ < (n); i_++) __asm__ volatile("")

__attribute__((noipa)) int g(int x)
{
	SPIN(20);
	return 3 * x + 6000;
}

static __attribute__((noipa)) int twice(int x)
{
	SPIN(x & 7);
	return x + x;
}

__attribute__((noipa)) int f(int x)
{
	SPIN(20);
	return twice(x) - x + 2000;
}
EOF
cat >main.c <<'EOF'
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#define NTHREADS 8

int f(int), g(int);

static atomic_ulong olds[NTHREADS], news[NTHREADS];
static atomic_int pause_req, parked;

static void on_usr1(int sig)
{
	(void)sig;
	atomic_store(&pause_req, 1);
}

static void bad(long t, const char *fn, int x, int r)
{
	fprintf(stderr, "thread %ld: %s(%d) = %d, neither old nor new\n", t, fn, x, r);
	_exit(3);
}

/* Zeroes the stack below the caller: the dead slots where return addresses
 * into a patch's code were left, which patchload's conservative scan of the
 * stacks would take for live ones. */
static __attribute__((noinline)) void scrub_stack(void)
{
	char buf[16384];

	memset(buf, 0, sizeof(buf));
	__asm__ volatile("" : : "r"(buf) : "memory");
}

static void *worker(void *arg)
{
	long t = (long)arg;
	unsigned x = (unsigned)t * 7919;

	while (!atomic_load_explicit(&pause_req, memory_order_relaxed)) {
		int a = (int)(x++ & 0xffff), r;

		r = f(a);
		if (r == a + 1000)
			atomic_fetch_add_explicit(&olds[t], 1, memory_order_relaxed);
		else if (r == a + 2000)
			atomic_fetch_add_explicit(&news[t], 1, memory_order_relaxed);
		else
			bad(t, "f", a, r);
		r = g(a);
		if (r == 3 * a + 5000)
			atomic_fetch_add_explicit(&olds[t], 1, memory_order_relaxed);
		else if (r == 3 * a + 6000)
			atomic_fetch_add_explicit(&news[t], 1, memory_order_relaxed);
		else
			bad(t, "g", a, r);
	}
	scrub_stack();
	atomic_fetch_add(&parked, 1);
	for (;;)
		pause();
}

int main(void)
{
	pthread_t th[NTHREADS];

	prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY, 0, 0, 0);
	signal(SIGUSR1, on_usr1);
	for (long t = 0; t < NTHREADS; t++)
		if (pthread_create(&th[t], NULL, worker, (void *)t))
			abort();
	for (;;) {
		unsigned long o = 0, n = 0;

		for (int t = 0; t < NTHREADS; t++) {
			o += atomic_load(&olds[t]);
			n += atomic_load(&news[t]);
		}
		if (atomic_load(&parked) == NTHREADS)
			printf("paused old %lu new %lu\n", o, n);
		else
			printf("running old %lu new %lu\n", o, n);
		fflush(stdout);
		usleep(10000);
	}
}
EOF
(cd old && gcc -O2 -c work.c) && (cd new && gcc -O2 -c work.c) &&
gcc -O2 -c main.c && gcc -pthread main.o old/work.o -o app &&
mkpatch -o w.so old/work.o new/work.o || exit 1

pl_start app ./app
P=$pid

# counts: the program's last status line as "STATE OLD NEW".
counts() {
	tail -n 1 app.out | awk '{ print $1, $3, $5 }'
}

is_paused() {
	[ "$(counts | cut -d" " -f1)" = paused ]
}

# ninodes: how many patch files are mapped.
ninodes() {
	pl_maps $P | awk '{ print $5 }' | sort -u | wc -l
}

test_expect_success 'the threads are calling f and g' '
	i=0 &&
	while [ $i -lt 500 ]; do
		set -- $(counts) &&
		[ "${1:-}" = running ] && [ "${2:-0}" -gt 10000 ] && break
		sleep 0.01
		i=$((i + 1))
	done &&
	counts &&
	[ "$1" = running ] && [ "$2" -gt 10000 ] && [ "$3" = 0 ] &&
	test "$(ls /proc/$P/task | wc -l)" = 9 &&
	pl_code $P code.before
'

test_expect_success '--stats: the process stopped with its 9 threads' '
	patchload --stats -p $P w.so >out 2>stats &&
	cat stats &&
	echo "applied #1 w.so to process $P: g f (+1 added)" >expect &&
	test_cmp expect out &&
	grep -E "; process stopped [0-9.]+ ms \(9 threads, [0-9]+ stops?[;)]" stats &&
	patchload --stats -p $P --revert >out 2>stats &&
	cat out stats &&
	grep "^reverted #1 w.so in process $P: g f (+1 added)" out &&
	grep -E "; process stopped [0-9.]+ ms \(9 threads, [0-9]+ stops?[;)]" stats
'

test_expect_success 'applied and reverted 200 times while the threads run' '
	: >loop.err &&
	i=0 &&
	while [ $i -lt 200 ]; do
		patchload -q -p $P w.so 2>>loop.err || echo "apply $i failed" >>loop.err
		patchload -q -p $P --revert 2>>loop.err || echo "revert $i failed" >>loop.err
		i=$((i + 1))
	done &&
	test_cmp /dev/null loop.err &&
	pl_alive $P &&
	test_cmp /dev/null app.err
'

test_expect_success 'every result was old or new, and both were seen' '
	o=$(counts | cut -d" " -f2) n=$(counts | cut -d" " -f3) &&
	sleep 0.05 &&
	set -- $(counts) &&
	echo "$*" &&
	[ "$1" = running ] && [ "$2" -gt "$o" ] &&
	[ "$3" -gt 1000 ] &&
	pl_alive $P &&
	test_cmp /dev/null app.err
'

test_expect_success 'nothing is applied now: the code is as it was' '
	patchload -p $P --list --format=json >list.json &&
	cat list.json &&
	python3 -c "import json, sys
d = json.load(open(\"list.json\"))
assert all(p[\"state\"] == \"reverted\" for p in d[\"patches\"]), d" &&
	pl_code $P code.now &&
	test_cmp code.before code.now
'

# A reverted patch stays mapped while a thread's PC or a word of its stack
# points into it (the scan is conservative: a dead slot counts too); each
# of the 8 threads holds at most a few such words at a time.
test_expect_success 'few reverted patches stay mapped while the threads run' '
	pl_maps $P; n=$(ninodes) &&
	echo "$n mapped" &&
	[ "$n" -le 8 ]
'

test_expect_success 'threads stopped calling: the next revert unmaps them all' '
	kill -USR1 $P &&
	pl_until is_paused &&
	patchload -q -p $P w.so &&
	patchload -p $P --tries=1000 --revert >out &&
	cat out &&
	grep -E -x "reverted #[0-9]+ w.so in process $P: g f \(\+1 added\)" out &&
	test "$(ninodes)" = 0 &&
	patchload -p $P --list >out &&
	test_cmp /dev/null out &&
	pl_code $P code.now &&
	test_cmp code.before code.now &&
	pl_alive $P && test_cmp /dev/null app.err
'

test_done
