#!/bin/sh
# make demo: the demo program runs, symgraph maps it, objdiff finds the
# one edited function.
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

test_done
