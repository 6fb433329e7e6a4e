#!/bin/sh
# make demo: the demo program runs, symgraph maps it, objdiff finds the
# one edited function, and patchload puts it into the running program and
# takes it out again while the program counts on.
. "$IPBP_SRC/testsuite/lib.sh"

test_expect_success 'the demo runs to the end' '
	IPBP_BUILD="$TRASH" "$IPBP_SRC/demo/run" >out 2>err
'
test_expect_success 'the program ran three ticks' '
	grep -c "^tick [0-9]*: hello" out >n && echo 3 >expect && test_cmp expect n
'
test_expect_success 'symgraph found pool_grow through its callers' '
	sed -n "/symgraph --callers pool_grow/,/^\$ /p" out | grep "^pool_alloc func global" &&
	grep "^pool_stats <- app.o -> libpool.a(pool.o)" out
'
test_expect_success 'objdiff names greeting, and only greeting' '
	grep "^[~+-] " out | sort -u >changed &&
	echo "~ func greeting 22 22 relocs" >expect &&
	sed "s/ [0-9]* [0-9]* / N N /" expect >expect.n &&
	sed "s/ [0-9]* [0-9]* / N N /" changed >changed.n &&
	test_cmp expect.n changed.n &&
	grep "^  +.*\"hello, patched world\"" out
'

test_expect_success 'the running program prints the patched text' '
	sed -n "/^\$ patchload -p [0-9]* --stats greeting.patch/,/^\$ patchload -p [0-9]* --list/p" \
		out >patched &&
	grep "^applied #1 greeting.patch to process [0-9]*: greeting" patched &&
	grep "^patchload: .*process stopped [0-9.]* ms" patched &&
	grep "^    tick [0-9]*: hello, patched world" patched
'
test_expect_success 'the old text is back after the revert' '
	sed -n "/^\$ patchload -p [0-9]* --revert --stats/,\$p" out >reverted &&
	grep "^reverted #1 greeting.patch" reverted &&
	grep -E "^    tick [0-9]*: hello(, patched world| again)" reverted | tail -n 1 >last &&
	grep "hello again" last
'
test_expect_success 'the tick counter counted on through patch and revert' '
	sed -n "s/^    tick \([0-9]*\):.*/\1/p" out >ticks &&
	awk "NR > 1 && \$1 != prev + 1 { exit 1 } { prev = \$1 } END { exit NR < 9 }" ticks &&
	sed -n "/ >app.log &\$/,/^\$ patchload -p [0-9]* --stats/p" out >before &&
	grep "^    tick 2: hello again" before &&
	! grep "^    tick .*patched world" before
'
test_expect_success 'the program is gone, the timings are printed' '
	pid=$(sed -n "s/^\[process \([0-9]*\)\]\$/\1/p" out) &&
	test -n "$pid" && ! kill -0 "$pid" 2>/dev/null &&
	grep "^    cc -c new/app.c  *[0-9.]*\$" out &&
	grep "^    objdiff | mkpatch  *[0-9.]*\$" out &&
	grep "^    patchload (apply)  *[0-9.]*   process stopped [0-9.]* ms\$" out &&
	grep "^    patchload --revert  *[0-9.]*   process stopped [0-9.]* ms\$" out
'

test_done
