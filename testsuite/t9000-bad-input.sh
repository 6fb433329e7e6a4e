#!/bin/sh
# t9000-bad-input - truncated and corrupted objects of every format are read
# or refused with "symgraph: FILE: message" and exit 2: never a crash
# (signal), a hang (timeout) or another exit status.
#
# The inputs are the fuzz seed corpus (testsuite/fuzz/corpus/objfile/:
# ELF, Mach-O thin and fat, COFF and bigobj, PE, Wasm, ar archives of each
# kind, and the regression inputs the fuzzer found), mutated
# deterministically by $PROGS/mutate (seeded; see testsuite/progs/mutate.c):
#
#   1. in-process, through the library: every truncation offset and 1000
#      single-byte changes per seed (tens of thousands of inputs, each in a
#      buffer of exactly its size);
#   2. through the tool: 40 truncations and 40 byte changes per seed, each
#      run as "timeout 10 symgraph FILE";
#   3. a few of those under valgrind (uninitialized values, reads past a
#      heap block that happen not to crash), within a time budget.
. "$IPBP_SRC/testsuite/lib.sh"
. "$IPBP_SRC/testsuite/lib-badinput.sh"

CORPUS="$CORPUS_DIR/objfile"
TOOL=symgraph

test_expect_success 'the seed corpus and the tools are there' '
	ls "$CORPUS" >seeds &&
	test $(wc -l <seeds) -ge 20 &&
	command -v $TOOL &&
	test -x "$PROGS/mutate"
'

test_expect_success 'in-process: every truncation and 1000 byte changes per seed' '
	"$PROGS/mutate" --load -f 1000 "$CORPUS"/* >load.out &&
	test $(wc -l <load.out) = $(wc -l <seeds)
'

# The seeds themselves are valid and must be read (else every mutation of
# them would be refused for the same reason and the test would prove
# little), except a thin archive (its members are other files) and the
# regression inputs, which only have to be handled cleanly.
test_expect_success "$TOOL reads each seed, refuses the others cleanly" '
	for f in "$CORPUS"/*; do
		case ${f##*/} in
		crash-* | ar-thin.a) check_run 0 $TOOL "$f" ;;
		*) timeout 10 $TOOL "$f" >/dev/null 2>err ||
			{ echo "$f: exit $?"; cat err; } ;;
		esac
	done >failures &&
	test_cmp /dev/null failures
'

test_expect_success "$TOOL: 40 truncations and 40 byte changes per seed" '
	mkdir m &&
	"$PROGS/mutate" -o m -t 40 -f 40 "$CORPUS"/* &&
	for f in m/*; do check_run 0 $TOOL "$f"; done >failures &&
	test_cmp /dev/null failures &&
	outcomes_include 0 2
'

# One seed of each format family, as it is and with two byte changes:
# valgrind costs about half a second a run, so stop after 20 seconds.
VG_SEEDS="elf-x86_64.o elf-arm.o elf-x86_64.so macho-fat.o macho-x86_64.dylib
coff-x86_64-bigobj.obj pe-x86_64.dll wasm.o wasm-module.wasm ar-gnu.a
ar-coff-import.lib"
# A sanitized build (make check SANITIZE=1) checks the same with ASan,
# which valgrind cannot run under.
if vg_usable; then
	test_expect_success "$TOOL under valgrind (subset, 20 s budget)" '
		vg_start 20 &&
		for s in $VG_SEEDS; do
			for f in "$CORPUS/$s" m/$s.f1 m/$s.f2; do
				vg_run 0 $TOOL "$f"
			done
		done >failures &&
		test_cmp /dev/null failures &&
		test $vg_runs -gt 0
	'
else
	vg_skip
fi

test_done
