#!/bin/sh
# t9010-bad-input-objdiff - objdiff compares a valid object with a truncated
# or corrupted one, either way round, in every output mode, and ends in
# exit 0 or 1 (diff(1) semantics: the mutant may still read) or 2 with
# "objdiff: FILE: message" lines only: never a signal, a hang, a sanitizer
# report, or an output file (-o) left behind after exit 2.
#
# The inputs are the fuzz seeds, mutated deterministically by $PROGS/mutate:
#
#   1. corpus/objfile/ (every format, archives, the regression inputs):
#      each seed against each of its mutants and back;
#   2. corpus/diff/ (pairs of objects before and after an edit, split in
#      two): a mutant of one side against the other side, both ways, so
#      that a real difference is computed with a broken input;
#   3. objdiff -r over two trees, one of them holding a mutant;
#   4. a few of those under valgrind, within a time budget.
#
# The modes rotate over the runs: plain, -d, --format=json, --stat, -q
# and -d -o FILE.  A sanitized build (make check SANITIZE=1) makes a fifth of
# the inputs: each run costs tens of milliseconds there.
. "$IPBP_SRC/testsuite/lib.sh"
. "$IPBP_SRC/testsuite/lib-badinput.sh"

TRUNCS=$(scaled 12)
FLIPS=$(scaled 16)
BI_OUT=out.txt

# diff_run CODES OLD NEW: check_run of objdiff OLD NEW in the next mode.
mode=0
diff_run() {
	mode=$(((mode + 1) % 6))
	case $mode in
	0) check_run "$1" objdiff "$2" "$3" ;;
	1) check_run "$1" objdiff -d "$2" "$3" ;;
	2) check_run "$1" objdiff --format=json "$2" "$3" ;;
	3) check_run "$1" objdiff --stat "$2" "$3" ;;
	4) check_run "$1" objdiff -q "$2" "$3" ;;
	5) check_run "$1" objdiff -d -o "$BI_OUT" "$2" "$3"; rm -f "$BI_OUT" ;;
	esac
}

test_expect_success 'the seeds: objects, and pairs split in two' '
	command -v objdiff && test -x "$PROGS/mutate" &&
	mkdir seeds pairs &&
	cp "$CORPUS_DIR"/objfile/* seeds/ &&
	for p in "$CORPUS_DIR"/diff/*; do
		split_pair "$p" pairs/${p##*/}.old pairs/${p##*/}.new || exit 1
	done &&
	test $(ls seeds | wc -l) -ge 20 &&
	test $(ls pairs | wc -l) -ge 20
'

# Each pair differs (exit 1) or is refused as a whole (different formats,
# or a regression input that does not read): the sweep below starts from
# a real comparison.
test_expect_success 'each pair compares in every mode' '
	for old in pairs/*.old; do
		for i in 1 2 3 4 5 6; do
			diff_run "0 1" $old ${old%.old}.new
		done
	done >failures &&
	test_cmp /dev/null failures &&
	outcomes_include 1 2 &&
	{ objdiff pairs/elf-x86_64.old pairs/elf-x86_64.new >out; test $? = 1; } &&
	grep "^~ func" out
'

test_expect_success "objdiff SEED MUTANT and back: $TRUNCS truncations, $FLIPS byte changes per seed" '
	mkdir m &&
	"$PROGS/mutate" -o m -t $TRUNCS -f $FLIPS seeds/* &&
	for f in m/*; do
		seed=seeds/${f##*/}; seed=${seed%.*}
		diff_run "0 1" $seed $f
		diff_run "0 1" $f $seed
	done >failures &&
	test_cmp /dev/null failures &&
	outcomes_include 0 1 2
'

test_expect_success "a mutant of one side against the other side, both ways" '
	mkdir mp &&
	"$PROGS/mutate" -o mp -t $TRUNCS -f $FLIPS pairs/* &&
	for f in mp/*; do
		side=${f##*/}; side=pairs/${side%.*}
		case $side in
		*.old) other=${side%.old}.new ;;
		*) other=${side%.new}.old ;;
		esac
		diff_run "0 1" $f $other
		diff_run "0 1" $other $f
	done >failures &&
	test_cmp /dev/null failures &&
	outcomes_include 0 1 2
'

# objdiff -r reports a path it cannot read and compares the others (exit
# 2, every message "objdiff: FILE: ..."): one mutant a run.
# A thin archive is left out: its members are elsewhere, it never reads.
test_expect_success 'objdiff -r with a mutant in one tree' '
	mkdir old &&
	cp seeds/* old/ && rm old/ar-thin.a &&
	for p in pairs/*.old; do
		b=${p##*/}; cp $p old/${b%.old}
	done &&
	objdiff -r old old && objdiff -r --stat old old &&
	for f in old/*; do
		b=${f##*/}
		for k in 1 2; do
			mutant=m/$b.f$k
			[ -e $mutant ] || mutant=mp/$b.new.f$k
			rm -rf new && cp -r old new && cp $mutant new/$b ||
				echo "$mutant: cannot copy"
			check_run "0 1" objdiff -r old new
			check_run "0 1" objdiff -r --format=json new old
			check_run "0 1" objdiff -r -a --stat old new
		done
	done >failures &&
	test_cmp /dev/null failures &&
	outcomes_include 1 2
'

VG_SEEDS="elf-x86_64.o elf-aarch64.o macho-fat.o coff-x86_64.obj wasm.o ar-gnu.a"
VG_PAIRS="elf-x86_64 macho-arm64 coff-x86_64 wasm"
if vg_usable; then
	test_expect_success 'objdiff under valgrind (subset, 20 s budget)' '
		vg_start 20 &&
		for k in 1 2; do
			for s in $VG_PAIRS; do
				vg_run "0 1" objdiff -d mp/$s.old.f$k pairs/$s.new
				vg_run "0 1" objdiff --format=json pairs/$s.old mp/$s.new.f$k
			done
			for s in $VG_SEEDS; do
				vg_run "0 1" objdiff -d seeds/$s m/$s.f$k
			done
		done >failures &&
		test_cmp /dev/null failures &&
		test $vg_runs -gt 0
	'
else
	vg_skip
fi

test_done
