#!/bin/sh
# t9030-bad-input-patchinfo - patchinfo shows or verifies a truncated or
# corrupted patch, or refuses it with exit 2 and "patchinfo: PATCH:
# message" lines only: never a signal, a hang or a sanitizer report.
#
# The patches: the two seeds of the manifest fuzz target (corpus/manifest/:
# made by mkcontainer, x86-64 and aarch64 bound to a target) and two that
# mkpatch builds here from the ELF pairs of the diff seeds (x86-64 and
# aarch64: real code, relocations, imports).  Each is mutated
# deterministically by $PROGS/mutate, as it is (the manifest's checksum
# refuses most byte changes) and sealed (mutate --seal: the checksum made
# to match, so that the change reaches the checks behind it), and every
# mutant run through patchinfo, --format=json, --relocs and --verify; then
#
#   - a mutant given after a good patch: the good one is still shown;
#   - the bare manifests of the fuzz seeds (not ELF): refused;
#   - a few runs under valgrind, within a time budget.
#
# A sanitized build (make check SANITIZE=1) makes a fifth of the inputs.
. "$IPBP_SRC/testsuite/lib.sh"
. "$IPBP_SRC/testsuite/lib-badinput.sh"

TRUNCS=$(scaled 64)
FLIPS=$(scaled 64)
SEALED=$(scaled 256)
MANIFESTS="$CORPUS_DIR/manifest"

test_expect_success 'the patches: the fuzz seeds, and two built here' '
	command -v patchinfo && command -v mkpatch && test -x "$PROGS/mutate" &&
	cp "$MANIFESTS"/patch-*.so . &&
	for p in elf-x86_64 elf-aarch64; do
		split_pair "$CORPUS_DIR/diff/$p" $p.old.o $p.new.o &&
		mkpatch -o built-$p.so $p.old.o $p.new.o 2>err || exit 1
	done &&
	ls *.so >patches &&
	test $(wc -l <patches) = 4 &&
	for p in $(cat patches); do
		patchinfo --verify $p || exit 1
	done
'

test_expect_success "each mutant in every mode: $TRUNCS truncations, $FLIPS byte changes and $SEALED sealed per patch" '
	mkdir m ms &&
	"$PROGS/mutate" -o m -t $TRUNCS -f $FLIPS *.so &&
	"$PROGS/mutate" -o ms --seal -t 1 -f $SEALED *.so &&
	for f in m/* ms/*; do
		check_run 0 patchinfo $f
		check_run 0 patchinfo --format=json $f
		check_run 0 patchinfo --relocs $f
		check_run 0 patchinfo --verify $f
	done >failures &&
	test_cmp /dev/null failures &&
	outcomes_include 0 2
'

# patchinfo goes on after a patch it cannot read: the good one is shown.
test_expect_success 'a mutant after a good patch' '
	for f in m/*.t0 m/*.f1 m/*.f2; do
		p=${f##*/}; p=${p%.*}
		check_run 0 patchinfo $p $f
		[ $rc = 0 ] || patchinfo $p $f 2>/dev/null | grep -q "^$p: elf " ||
			echo "$p $f: $p not shown"
	done >failures &&
	test_cmp /dev/null failures &&
	outcomes_include 2
'

test_expect_success 'a bare manifest (not ELF) is refused' '
	for f in "$MANIFESTS"/manifest-*; do
		check_run "" patchinfo $f
		check_run "" patchinfo --verify $f
	done >failures &&
	test_cmp /dev/null failures &&
	outcomes_include 2
'

if vg_usable; then
	test_expect_success 'patchinfo under valgrind (subset, 15 s budget)' '
		vg_start 15 &&
		for k in 1 2 3 4 5; do
			for p in $(cat patches); do
				vg_run 0 patchinfo --relocs ms/$p.f$k
				vg_run 0 patchinfo --verify ms/$p.f$k
			done
		done >failures &&
		test_cmp /dev/null failures &&
		test $vg_runs -gt 0
	'
else
	vg_skip
fi

test_done
