#!/bin/sh
# t9020-bad-input-mkpatch - mkpatch builds a patch from a truncated or
# corrupted object or diff stream, or refuses it with exit 2 and
# "mkpatch: SUBJECT: message" lines only: never a signal, a hang, a
# sanitizer report, a partial or temporary file.  Whatever it writes (exit
# 0) passes patchinfo --verify.
#
# The inputs are the ELF x86-64 and aarch64 pairs of the diff fuzz seeds
# (corpus/diff/: one object before and after an edit) and a pair built
# with -g (testsuite/types/local-only: DWARF that mkpatch reads with
# libdwarf for its type-layout check), mutated deterministically by
# $PROGS/mutate:
#
#   1. mkpatch -o OUT OLD NEW with one side a mutant: of itself (OLD
#      against a mutant of OLD) and of the other side;
#   2. the diff stream of each pair, mutated, on standard input: alone
#      (mkpatch opens the files it names) and with -s - OLD NEW; the
#      stream seeds of the stream fuzz target (corpus/stream/) too;
#   3. Mach-O, COFF, Wasm and ELF i386 pairs and their mutants: refused;
#   4. a few of those under valgrind, within a time budget.
#
# A sanitized build (make check SANITIZE=1) makes a fifth of the inputs.
. "$IPBP_SRC/testsuite/lib.sh"
. "$IPBP_SRC/testsuite/lib-badinput.sh"

TRUNCS=$(scaled 32)
FLIPS=$(scaled 96)
PAIRS="elf-x86_64 elf-x86_64-sections elf-aarch64 elf-x86_64-dwarf"
OTHER_PAIRS="elf-i386 macho-x86_64 macho-arm64 coff-x86_64 wasm ar-gnu mixed-elf-coff"
BI_OUT=out.so
# A list of refusals ends with a summary that names no one file
# ("mkpatch: refusing to build the patch: 2 problems").
BI_BARE=yes

# patch_run [MKPATCH-ARG...]: check_run of mkpatch -o out.so ARG...; a
# patch written must verify and no temporary file may stay beside it.
patch_run() {
	check_run 0 mkpatch -o "$BI_OUT" "$@"
	[ -z "$bad" ] || return 0
	for _f in "$BI_OUT".??????; do
		[ ! -e "$_f" ] || echo "mkpatch $*: exit $rc left $_f"
	done
	if [ $rc = 0 ]; then
		patchinfo --verify "$BI_OUT" >/dev/null 2>verify ||
			{ echo "mkpatch $*: the patch does not verify:"; cat verify; }
		rm -f "$BI_OUT"
	fi
}

test_expect_success 'the seeds: pairs of objects, and the patch of each' '
	command -v mkpatch && command -v patchinfo && test -x "$PROGS/mutate" &&
	mkdir pairs &&
	for p in $PAIRS $OTHER_PAIRS; do
		[ $p = elf-x86_64-dwarf ] && continue
		split_pair "$CORPUS_DIR/diff/$p" pairs/$p.old pairs/$p.new || exit 1
	done &&
	clang -target x86_64-linux-gnu -g -O2 -c "$IPBP_SRC/testsuite/types/local-only.orig.c" \
		-o pairs/elf-x86_64-dwarf.old &&
	clang -target x86_64-linux-gnu -g -O2 -c "$IPBP_SRC/testsuite/types/local-only.patched.c" \
		-o pairs/elf-x86_64-dwarf.new &&
	for p in $PAIRS; do
		mkpatch -o $p.so pairs/$p.old pairs/$p.new 2>err &&
		patchinfo --verify $p.so || exit 1
	done
'

test_expect_success "OLD or NEW a mutant: $TRUNCS truncations, $FLIPS byte changes per side" '
	mkdir m &&
	for p in $PAIRS; do
		"$PROGS/mutate" -o m -t $TRUNCS -f $FLIPS pairs/$p.old pairs/$p.new ||
			exit 1
	done &&
	for f in m/*; do
		side=${f##*/}; side=pairs/${side%.*}
		case $side in
		*.old) patch_run $side $f; patch_run $f ${side%.old}.new ;;
		*) patch_run $side $f; patch_run ${side%.new}.old $f ;;
		esac
	done >failures &&
	test_cmp /dev/null failures &&
	outcomes_include 0 2
'

# The streams name their files as objdiff was given them: run where they are.
test_expect_success 'a mutated diff stream, alone and with -s - OLD NEW' '
	mkdir ms &&
	for p in $PAIRS; do
		cp pairs/$p.old $p.old.o && cp pairs/$p.new $p.new.o &&
		{ objdiff $p.old.o $p.new.o >$p.stream; test $? = 1; } &&
		"$PROGS/mutate" -o ms -t $TRUNCS -f $FLIPS $p.stream || exit 1
	done &&
	for f in ms/*; do
		p=${f##*/}; p=${p%.stream.*}
		patch_run <$f
		patch_run -s - $p.old.o $p.new.o <$f
	done >failures &&
	test_cmp /dev/null failures &&
	outcomes_include 0 2
'

# With a stream, mkpatch loads only the relocations of what it compares;
# a field outside its section elsewhere must fail it all the same.
test_expect_success 'a relocation past the end of .text: the same error with a stream' '
	cp pairs/elf-x86_64.new far.o &&
	rela=$(readelf -SW far.o | sed -n "s/^ *\[ *[0-9]*\] //p" |
	       awk "\$1 == \".rela.text\" { print \$4 }") &&
	test -n "$rela" &&
	printf "\000\000\000\020\000\000\000\000" |
		dd of=far.o bs=1 seek=$((0x$rela)) conv=notrunc 2>/dev/null &&
	sed "s/^+++ .*/+++ far.o/" elf-x86_64.stream >far.stream &&
	grep -q "^~ " far.stream &&
	{ objdiff elf-x86_64.old.o far.o 2>objdiff.err; test $? = 2; } &&
	{ mkpatch -o far.so -s far.stream elf-x86_64.old.o far.o 2>mkpatch.err; test $? = 2; } &&
	test ! -e far.so &&
	grep "^objdiff: far.o: relocation 0 in section .*: offset 0x10000000 past end of .text$" \
		objdiff.err &&
	sed "s/^objdiff:/mkpatch:/" objdiff.err >expect &&
	test_cmp expect mkpatch.err
'

# The stream seeds name old.o and new.o, or nothing, and symbols these
# objects do not have: each is refused, none may crash.
test_expect_success 'the stream seeds of the fuzz target, alone and with -s - OLD NEW' '
	mkdir s &&
	cp pairs/elf-x86_64.old s/old.o && cp pairs/elf-x86_64.new s/new.o &&
	(
		cd s &&
		for f in "$CORPUS_DIR"/stream/*; do
			patch_run <$f
			patch_run -s - old.o new.o <$f
		done >../failures
	) &&
	test_cmp /dev/null failures &&
	outcomes_include 2
'

test_expect_success 'other formats and architectures are refused, mutated or not' '
	for p in $OTHER_PAIRS; do
		check_run "" mkpatch -o $BI_OUT pairs/$p.old pairs/$p.new
	done >failures &&
	test_cmp /dev/null failures &&
	mkdir mo &&
	for p in $OTHER_PAIRS; do
		"$PROGS/mutate" -o mo -t 8 -f 8 pairs/$p.new || exit 1
	done &&
	for f in mo/*; do
		p=${f##*/}; p=${p%.new.*}
		check_run "" mkpatch -o $BI_OUT pairs/$p.old $f
	done >failures &&
	test_cmp /dev/null failures &&
	outcomes_include 2
'

if vg_usable; then
	test_expect_success 'mkpatch under valgrind (subset, 20 s budget)' '
		vg_start 20 &&
		for k in 1 2 3; do
			for p in $PAIRS; do
				vg_run 0 mkpatch -o $BI_OUT pairs/$p.old m/$p.new.f$k
				rm -f $BI_OUT
				vg_run 0 mkpatch -o $BI_OUT -s - $p.old.o $p.new.o <ms/$p.stream.f$k
				rm -f $BI_OUT
			done
		done >failures &&
		test_cmp /dev/null failures &&
		test $vg_runs -gt 0
	'
else
	vg_skip
fi

test_done
