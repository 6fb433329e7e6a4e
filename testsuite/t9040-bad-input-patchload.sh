#!/bin/sh
# t9040-bad-input-patchload - patchload given a truncated or corrupted
# patch for a live process applies it or refuses it with exit 2 and
# "patchload: SUBJECT: message" lines only, never a signal, a hang or a
# sanitizer report, and a refusal leaves the process alive with every byte
# of its memory as it was.
#
# The target is body from testsuite/patchload/basic/ (see its lib.sh),
# built as a user does, with its patch body.so; it runs, is stopped
# (kill -STOP), and stays stopped through the sweep so that its memory
# holds still: every mapping is hashed by $PROGS/patchload-memsum before,
# and after each run.  The mutants of body.so come from $PROGS/mutate, as
# they are (the manifest's checksum refuses most) and sealed (mutate
# --seal: the checksum made to match, so that the change reaches the
# checks behind it, and the code, data and relocations patchload writes):
#
#   1. patchload --dry-run with each: exit 0 or 2, the memory unchanged;
#   2. a real apply of a bounded number of them: after exit 2 the memory
#      is unchanged; after exit 0, --revert must succeed and bring back the
#      old bytes of every mapped file and the same mappings (the stack and
#      anonymous memory keep what the borrowed thread's calls left there:
#      below its stack pointer, its errno);
#   3. the process, continued, runs its old code;
#   4. a few runs under valgrind, within a time budget.
#
# A sanitized build (make check SANITIZE=1) makes a fifth of the inputs.
. "$IPBP_SRC/testsuite/lib.sh"
. "$IPBP_SRC/testsuite/lib-badinput.sh"
. "$IPBP_SRC/testsuite/patchload/basic/lib.sh"

TRUNCS=$(scaled 64)
FLIPS=$(scaled 400)
APPLIES=$(scaled 100)

# files_of MEMSUM-OUTPUT: the mappings (start-end perms name) and the
# hashes of the file-backed ones.
files_of() {
	awk '{ h = $NF; $NF = ""; print $0 ((NF > 3 && $3 ~ /^\//) ? h : "-") }' "$1"
}

# same_memory WHAT: the stopped target's memory hashes as in "before".
same_memory() {
	"$MEMSUM" $pid >after || { echo "$1: cannot read the target"; return 1; }
	cmp -s before after || { echo "$1: memory changed:"; diff before after; return 1; }
}

# still_stopped WHAT: the target lives, stopped.  Detached, a thread of a
# stopped process re-enters the stop in the kernel, and shows R meanwhile:
# wait a moment for T.
still_stopped() {
	_i=0
	while [ "$(proc_state $pid)" != T ]; do
		[ $_i -lt 100 ] ||
			{ echo "$1: the target is not stopped: $(proc_state $pid)"; return 1; }
		sleep 0.01
		_i=$((_i + 1))
	done
}

test_expect_success 'the target runs and is stopped; body.so applies and reverts' '
	test -x "$PROGS/mutate" &&
	build body -O2 &&
	start body &&
	await body "value=14;\$" &&
	pid=$(pid_of body) && echo $pid >pid &&
	stop body &&
	"$MEMSUM" $pid >before &&
	patchload -p $pid --dry-run body.so &&
	same_memory dry-run &&
	patchload -p $pid body.so &&
	"$MEMSUM" $pid >applied &&
	! cmp -s before applied &&
	patchload -p $pid --revert &&
	still_stopped revert &&
	"$MEMSUM" $pid >reverted &&
	files_of before >expect &&
	files_of reverted >actual &&
	test_cmp expect actual &&
	cp reverted before
'
pid=$(cat pid 2>/dev/null)

test_expect_success "--dry-run: $TRUNCS truncations, $FLIPS byte changes, as they are and sealed" '
	mkdir m ms &&
	"$PROGS/mutate" -o m -t $TRUNCS -f $FLIPS body.so &&
	"$PROGS/mutate" -o ms --seal -t $TRUNCS -f $FLIPS body.so &&
	for f in m/* ms/*; do
		check_run 0 patchload -p $pid --dry-run $f
		still_stopped "$f" && same_memory "$f" || break
	done >failures &&
	test_cmp /dev/null failures &&
	outcomes_include 0 2
'

# A mutant that applies is reverted at once: the next starts from the
# same process.
test_expect_success "a real apply of $APPLIES sealed mutants: refused, or applied and reverted" '
	n=$(ls ms | wc -l) &&
	ls ms | sed -n "1~$(((n + APPLIES - 1) / APPLIES))p" >chosen &&
	test -s chosen &&
	files_of before >expect &&
	while read -r f; do
		check_run 0 patchload -p $pid -q ms/$f
		[ -z "$bad" ] && still_stopped "$f" || break
		if [ $rc = 2 ]; then
			same_memory "$f" || break
			continue
		fi
		patchload -p $pid -q --revert ||
			{ echo "$f: applied, not reverted"; break; }
		still_stopped "$f" || break
		"$MEMSUM" $pid >reverted &&
		files_of reverted >actual &&
		diff expect actual || { echo "$f: the revert left the above"; break; }
		# the next refusal compares with the memory as it is now
		cp reverted before
	done <chosen >failures &&
	test_cmp /dev/null failures &&
	outcomes_include 0 2
'

test_expect_success 'the target, continued, runs its old code' '
	kill -CONT $pid &&
	n=$(wc -l <body.out) &&
	await_lines body $((n + 3)) &&
	await body "value=14;\$" &&
	patchload -p $pid --list --format=json >json &&
	echo "{\"patchload\":1,\"pid\":$pid,\"patches\":[]}" >expect &&
	test_cmp expect json
'

if vg_usable; then
	test_expect_success 'patchload under valgrind (subset, 20 s budget)' '
		stop body &&
		"$MEMSUM" $pid >before &&
		vg_start 20 &&
		for k in 1 2 3 4 5 6; do
			vg_run 0 patchload -p $pid --dry-run m/body.so.f$k
			still_stopped "$k" && same_memory "$k" || break
			vg_run 0 patchload -p $pid --dry-run ms/body.so.f$k
			still_stopped "$k" && same_memory "$k" || break
		done >failures &&
		test_cmp /dev/null failures &&
		test $vg_runs -gt 0 &&
		kill -CONT $pid
	'
else
	vg_skip
fi
finish body

test_done
