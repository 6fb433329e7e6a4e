#!/bin/sh
# t4010-patchload-builds - patchload on the program state.c built eight
# ways: PIE (-fPIE -pie) and not (-fno-pie -no-pie), -O0 and -O2, with and
# without -ffunction-sections.  Each build is patched while it runs with
# its own state.new.c (a body change: step() also prints a sum), then
# reverted; its output must go old, new, old, and the global, static,
# function-local static and thread-local counts of step() must count on
# through both (see counts in patchload/basic/lib.sh).
. "$IPBP_SRC/testsuite/lib.sh"
. "$IPBP_SRC/testsuite/patchload/basic/lib.sh"

for pie in pie no-pie; do
	for opt in -O0 -O2; do
		for fs in "" -ffunction-sections; do
			case $pie in
			pie)	flags="-fPIE -pie" type=DYN ;;
			no-pie)	flags="-fno-pie -no-pie" type=EXEC ;;
			esac
			flags="$flags $opt${fs:+ $fs}"
			dir=$pie$opt${fs:+-fs}
			test_expect_success "$flags: patched and reverted while it counts" '
				mkdir "$dir" && cd "$dir" &&
				build state $flags &&
				readelf -h state | grep -E "^ *Type: *$type " &&
				if [ -n "$fs" ]; then
					readelf -S state.old.o | grep -F " .text.step "
				else
					! readelf -S state.old.o | grep -F " .text.step "
				fi &&
				start state &&
				await state "^old g=([2-9][0-9]|[0-9]{3,}) " &&
				pid=$(pid_of state) &&
				patchload -p $pid state.so >out &&
				echo "applied #1 state.so to process $pid: step" >expect &&
				test_cmp expect out &&
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
		done
	done
done

test_done
