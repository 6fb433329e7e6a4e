#!/bin/sh
# t4100-patchload-stack - stacked patches and their reverts on a running
# process (patchload(1), "Stacking" and "Revert").
#
# The program prints "f(3) g(3)" every 2 ms; funcs.c comes in versions:
#   v0  f returns 100, g returns 200
#   v1  f returns 100 + h(1) = 101, with h a new file-local function
#   v2  f returns 99 + h(2), h returns x + 1: 102 (both changed again)
#   vg  v0 with g returning 201 (independent of f)
# and the patches p01 (v0,v1), p12 (v1,v2), p02 (v0,v2: cumulative) and
# pg (v0,vg).  Every function spins a little so that each is long enough
# for a branch, in the program and in a patch.  patchload names a patch's
# functions in its manifest's order: h before f, as in funcs.c.
#
#   - p01 then p12: p12 redirects the original f and p01's copies of f and
#     h; --list shows both in order with their sites, checked against the
#     program's symbols and the patches' mappings;
#   - --revert undoes the newest, then the next; --revert=all both;
#     --revert=1 is refused while #2 builds on #1;
#   - the cumulative p02 applies on top of p01;
#   - independent patches reverted out of order, in both orders;
#   - in the end the program's code is byte for byte what it was before
#     any patch, its mappings are the same and no patch is mapped.
. "$IPBP_SRC/testsuite/lib.sh"
. "$IPBP_SRC/testsuite/patchload/b-lib.sh"

mkdir v0 v1 v2 vg || exit 1
cat >v0/funcs.c <<'EOF'
#define SPIN(n) for (int i_ = 0; i_ < (n); i_++) __asm__ volatile("")

__attribute__((noipa)) int f(int x)
{
	SPIN(x);
	return 100;
}

__attribute__((noipa)) int g(int x)
{
	SPIN(x);
	return 200;
}
EOF
cat >v1/funcs.c <<'EOF'
#define SPIN(n) for (int i_ = 0; i_ < (n); i_++) __asm__ volatile("")

static __attribute__((noipa)) int h(int x)
{
	SPIN(x);
	return x;
}

__attribute__((noipa)) int f(int x)
{
	SPIN(x);
	return 100 + h(1);
}

__attribute__((noipa)) int g(int x)
{
	SPIN(x);
	return 200;
}
EOF
sed -e 's/return x;/return x + 1;/' -e 's/return 100 + h(1);/return 99 + h(2);/' \
	v1/funcs.c >v2/funcs.c
sed 's/return 200;/return 201;/' v0/funcs.c >vg/funcs.c
cat >main.c <<'EOF'
#include <stdio.h>
#include <sys/prctl.h>
#include <unistd.h>

int f(int), g(int);

int main(void)
{
	prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY, 0, 0, 0);
	for (;;) {
		printf("%d %d\n", f(3), g(3));
		fflush(stdout);
		usleep(2000);
	}
}
EOF
for v in v0 v1 v2 vg; do
	(cd $v && gcc -O2 -c funcs.c) || exit 1
done
gcc -O2 -c main.c && gcc main.o v0/funcs.o -o app || exit 1
mkpatch -o p01.so v0/funcs.o v1/funcs.o &&
mkpatch -o p12.so v1/funcs.o v2/funcs.o &&
mkpatch -o p02.so v0/funcs.o v2/funcs.o &&
mkpatch -o pg.so v0/funcs.o vg/funcs.o || exit 1

pl_start app ./app
P=$pid

# listing: --list with dates and addresses made constant.
listing() {
	patchload -p $P --list >list.raw &&
	sed -e 's/\t[0-9-]* [0-9:]*\t/\tDATE\t/' -e 's/0x[0-9a-f]*/ADDR/g' list.raw
}

# nothing_applied: --list prints nothing and no patch is mapped.
nothing_applied() {
	patchload -p $P --list >list.raw &&
	test_cmp /dev/null list.raw &&
	! pl_maps $P
}

test_expect_success 'the program runs v0' '
	pl_await app.out "100 200" &&
	nothing_applied &&
	pl_code $P code.before &&
	cp /proc/$P/maps maps.before
'

test_expect_success 'p01 (v0,v1): f replaced, h added; the program runs v1' '
	patchload -p $P p01.so >out &&
	echo "applied #1 p01.so to process $P: f (+1 added)" >expect &&
	test_cmp expect out &&
	pl_await app.out "101 200" &&
	pl_maps $P | grep -c "/memfd:ipbp:p01.so (deleted)\$"
'

test_expect_success 'p12 (v1,v2) on top of it: the program runs v2' '
	patchload -p $P p12.so >out &&
	echo "applied #2 p12.so to process $P: h f" >expect &&
	test_cmp expect out &&
	pl_await app.out "102 200"
'

test_expect_success '--list: #1 then #2, each with its functions' '
	printf "%s\n" "#1	p01.so	applied	DATE	ADDR" \
		"	f	ADDR -> ADDR" \
		"	+h	ADDR" \
		"#2	p12.so	applied	DATE	ADDR" \
		"	h@funcs.c	ADDR -> ADDR (earlier patch'"'"'s copy)" \
		"	f	ADDR -> ADDR" \
		"	f	ADDR -> ADDR (earlier patch'"'"'s copy)" >expect &&
	listing >out &&
	test_cmp expect out
'

# The sites in --list --format=json against the program's own view: f's
# entry from nm and the executable's load address in /proc/PID/maps; each
# patch's code inside its memfd mapping; #2 redirects #1's copy of f and
# its added h, whose address --list prints.
test_expect_success '--list --format=json: the sites are where they must be' '
	patchload -p $P --list --format=json >list.json &&
	cat list.json &&
	exe=$(readlink /proc/$P/exe) &&
	base=$(awk -v exe="$exe" "\$6 == exe { print \$1; exit }" /proc/$P/maps) &&
	f=$(nm app | awk "\$3 == \"f\" { print \$1 }") &&
	fentry=$(printf "0x%x" $((0x${base%-*} + 0x$f))) &&
	h1=$(awk "\$1 == \"+h\" { print \$2 }" list.raw) &&
	pl_maps $P >maps &&
	python3 - list.json $P $fentry $h1 maps <<-\EOF
	import json, sys
	d = json.load(open(sys.argv[1]))
	pid, fentry, h1 = int(sys.argv[2]), int(sys.argv[3], 16), int(sys.argv[4], 16)
	maps = {}
	for line in open(sys.argv[5]):
	    r, perm, name = line.split()[0], line.split()[1], line.split()[5]
	    lo, hi = (int(x, 16) for x in r.split("-"))
	    if "x" in perm:
	        maps[name.split(":")[-1]] = (lo, hi)
	assert d["patchload"] == 1 and d["pid"] == pid, d
	p1, p2 = d["patches"]
	assert (p1["seq"], p1["name"], p1["state"]) == (1, "p01.so", "applied"), p1
	assert (p2["seq"], p2["name"], p2["state"]) == (2, "p12.so", "applied"), p2
	assert p1["functions"] == ["f"] and p1["added"] == ["h"], p1
	assert sorted(p2["functions"]) == ["f", "h"] and p2["added"] == [], p2
	def inside(addr, name):
	    lo, hi = maps[name]
	    return lo <= addr < hi
	s1 = p1["sites"]
	assert len(s1) == 1 and s1[0]["function"] == "f" and s1[0]["entry"], s1
	assert int(s1[0]["addr"], 16) == fentry, (s1, hex(fentry))
	f1 = int(s1[0]["dest"], 16)
	assert inside(f1, "p01.so") and inside(h1, "p01.so"), (hex(f1), hex(h1), maps)
	got = sorted((s["function"], int(s["addr"], 16), s["entry"]) for s in p2["sites"])
	want = sorted([("f", fentry, True), ("f", f1, False), ("h", h1, False)])
	assert got == want, (got, want)
	dest = {s["function"]: int(s["dest"], 16) for s in p2["sites"]}
	assert all(int(s["dest"], 16) == dest[s["function"]] for s in p2["sites"]), p2
	assert inside(dest["f"], "p12.so") and inside(dest["h"], "p12.so"), (dest, maps)
	for p in (p1, p2):
	    assert int(p["base"], 16) <= int(p["sites"][0]["dest"], 16) < int(p["base"], 16) + p["size"], p
	EOF
'

test_expect_success '--revert=1 is refused while #2 builds on #1: nothing changes' '
	patchload -p $P --list >list.before &&
	pl_code $P code.stacked &&
	patchload -p $P --revert=1 >out 2>err; test $? = 2 &&
	test_cmp /dev/null out &&
	echo "patchload: patch #2 (p12.so) builds on #1 (p01.so): revert it first" >expect &&
	test_cmp expect err &&
	patchload -p $P --list >list.after &&
	test_cmp list.before list.after &&
	pl_code $P code.after &&
	test_cmp code.stacked code.after &&
	pl_await app.out "102 200"
'

test_expect_success '--revert: #2 undone, the program runs v1 again' '
	patchload -p $P --revert >out &&
	echo "reverted #2 p12.so in process $P: h f" >expect &&
	test_cmp expect out &&
	pl_await app.out "101 200" &&
	printf "%s\n" "#1	p01.so	applied	DATE	ADDR" "	f	ADDR -> ADDR" "	+h	ADDR" >expect &&
	listing >out &&
	test_cmp expect out &&
	! pl_maps $P | grep p12.so
'

test_expect_success '--revert: #1 undone, the program runs v0 again' '
	patchload -p $P --revert >out &&
	echo "reverted #1 p01.so in process $P: f (+1 added)" >expect &&
	test_cmp expect out &&
	pl_await app.out "100 200" &&
	nothing_applied &&
	pl_code $P code.now &&
	test_cmp code.before code.now
'

test_expect_success '--revert=all: both undone, newest first' '
	patchload -q -p $P p01.so && patchload -q -p $P p12.so &&
	pl_await app.out "102 200" &&
	patchload -p $P --revert=all >out &&
	printf "%s\n" "reverted #2 p12.so in process $P: h f" \
		"reverted #1 p01.so in process $P: f (+1 added)" >expect &&
	test_cmp expect out &&
	pl_await app.out "100 200" &&
	nothing_applied
'

# Whatever a test above left applied, undone one at a time.
revert_each() {
	i=0
	while [ -n "$(patchload -p $P --list)" ] && [ $i -lt 10 ]; do
		patchload -q -p $P --revert || return 1
		i=$((i + 1))
	done
}

test_expect_success 'the cumulative p02 (v0,v2) applies on top of p01' '
	revert_each &&
	patchload -q -p $P p01.so &&
	pl_await app.out "101 200" &&
	patchload -p $P p02.so >out &&
	echo "applied #2 p02.so to process $P: f (+1 added)" >expect &&
	test_cmp expect out &&
	pl_await app.out "102 200" &&
	printf "%s\n" "#1	p01.so	applied	DATE	ADDR" "	f	ADDR -> ADDR" "	+h	ADDR" \
		"#2	p02.so	applied	DATE	ADDR" "	f	ADDR -> ADDR" \
		"	f	ADDR -> ADDR (earlier patch'"'"'s copy)" "	+h	ADDR" >expect &&
	listing >out &&
	test_cmp expect out &&
	patchload -q -p $P --revert &&
	pl_await app.out "101 200" &&
	patchload -q -p $P --revert &&
	pl_await app.out "100 200" &&
	nothing_applied
'

test_expect_success 'independent patches: #1 (f) reverted while #2 (g) stays' '
	revert_each &&
	patchload -q -p $P p01.so && patchload -q -p $P pg.so &&
	pl_await app.out "101 201" &&
	patchload -p $P --revert=1 >out &&
	echo "reverted #1 p01.so in process $P: f (+1 added)" >expect &&
	test_cmp expect out &&
	pl_await app.out "100 201" &&
	printf "%s\n" "#2	pg.so	applied	DATE	ADDR" "	g	ADDR -> ADDR" >expect &&
	listing >out &&
	test_cmp expect out &&
	! pl_maps $P | grep p01.so &&
	patchload -q -p $P --revert &&
	pl_await app.out "100 200" &&
	nothing_applied
'

test_expect_success 'independent patches the other way: #1 (g) reverted while #2 (f) stays' '
	revert_each &&
	patchload -q -p $P pg.so && patchload -q -p $P p01.so &&
	pl_await app.out "101 201" &&
	patchload -p $P --revert=1 >out &&
	echo "reverted #1 pg.so in process $P: g" >expect &&
	test_cmp expect out &&
	pl_await app.out "101 200" &&
	printf "%s\n" "#2	p01.so	applied	DATE	ADDR" "	f	ADDR -> ADDR" "	+h	ADDR" >expect &&
	listing >out &&
	test_cmp expect out &&
	patchload -q -p $P --revert &&
	pl_await app.out "100 200" &&
	nothing_applied
'

test_expect_success 'three stacked, reverted one by one: the code is as before any patch' '
	revert_each &&
	patchload -q -p $P pg.so && patchload -q -p $P p01.so && patchload -q -p $P p12.so &&
	pl_await app.out "102 201" &&
	pl_code $P code.patched &&
	! test_cmp code.before code.patched >/dev/null &&
	revert_each &&
	pl_await app.out "100 200" &&
	nothing_applied &&
	pl_code $P code.now &&
	test_cmp code.before code.now &&
	test_cmp maps.before /proc/$P/maps
'

test_expect_success 'four stacked, three on f, --revert=all: the code is as before' '
	patchload -q -p $P p01.so && patchload -q -p $P pg.so && patchload -q -p $P p12.so &&
	patchload -q -p $P p02.so &&
	pl_await app.out "102 201" &&
	patchload -p $P --revert=all >out &&
	test $(grep -c "^reverted #" out) = 4 &&
	pl_await app.out "100 200" &&
	nothing_applied &&
	pl_code $P code.now &&
	test_cmp code.before code.now
'

test_expect_success 'the program ran on throughout' '
	pl_alive $P &&
	test_cmp /dev/null app.err &&
	! grep -v -x -e "100 200" -e "101 200" -e "102 200" -e "100 201" -e "101 201" \
		-e "102 201" app.out
'

test_done
