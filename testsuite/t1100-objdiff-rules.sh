#!/bin/sh
# t1100-objdiff-rules - the comparison rules of DESIGN.md §3, kpatch style:
# for each rule a pair of small sources testsuite/objdiff/NAME.orig.c and
# NAME.patched.c (no system headers) and the expected diff stream.  Each pair
# is compiled for every target where the compiler produces the construct,
# objdiff compares the two objects, and each rule/target is one test.
#
# Targets: ELF x86-64 (gcc and clang), ELF aarch64, Mach-O arm64 and x86-64,
# COFF x86-64, Wasm (clang -target ...).  Rules "cold" and "constprop" are
# gcc constructs (clang makes no .cold parts without profile data and no
# .constprop clones): they run for gcc x86-64 only.
#
# How the expectations stay exact yet shared by targets:
#   - Expected streams are testsuite/objdiff/NAME.TARGET.expect when a target
#     needs its own (e.g. gcc's count.0 names), else NAME.expect.  They hold
#     the symbol lines only, in any order: both sides are sorted, since
#     DESIGN.md §3 does not pin the order of symbol lines.
#   - Names are compared without the leading underscore Mach-O adds.
#   - Sizes differ per target: the stream is compared with each size column
#     masked to "N" ("-" stays "-").  On the ELF targets the sizes are then
#     checked exactly against an independent source, the ELF symbol table
#     (readelf -sW), with .cold/.part.N parts added to their parent as the
#     stream's sizes include parts.  Mach-O and COFF have no symbol sizes.
#   - The header: when something changed, the stream must start with
#     "# objdiff 1", "--- OLD", "+++ NEW" (the paths objdiff was given);
#     when nothing changed, objdiff may print nothing, the version line, or
#     that header.
#   - The exit status is 0 when the expectation is empty, else 1.
#   - Reasons follow DESIGN.md §3: a function of another size is "code" (as
#     in its example line), data of another size is "size,data".
#   - String literals are not symbols of the program: COFF's ??_C@ and
#     Wasm's .L.str symbols never show, like ELF's anonymous strings.
# Both objects of a pair are built from the same file name in the same
# directory (the file is edited in between), except other-dir-g, which
# builds in two directories.  Every compile command is printed
# ("# (cd DIR && cc ...)") so the log shows it.
#
# Rules (the sources say what each exercises, and why on which target):
#   body-change, inline-static, call-target, comments-only (with and
#   without -g), other-dir-g, strings, strings-padded (-O0: gcc's string
#   literals in plain .rodata), static-local, constprop (gcc -O3),
#   cold (gcc), added-removed, initializer, data-size,
#   no-function-sections (built without -ffunction-sections/-fdata-sections).
# A case objdiff is known to get wrong is listed in known_bug(): it is
# still run, and skipped with the reason while it fails.
. "$IPBP_SRC/testsuite/lib.sh"

RULES="$IPBP_SRC/testsuite/objdiff"
TARGETS="x86_64-gcc x86_64-clang aarch64 macho-arm64 macho-x86_64 coff-x86_64 wasm32"
FS="-ffunction-sections -fdata-sections"

command -v objdiff >/dev/null 2>&1 || skip_all "objdiff is not built"

cc_for() {
	case $1 in
	x86_64-gcc)	echo "gcc" ;;
	x86_64-clang)	echo "clang -target x86_64-linux-gnu" ;;
	aarch64)	echo "clang -target aarch64-linux-gnu" ;;
	macho-arm64)	echo "clang -target arm64-apple-macos11" ;;
	macho-x86_64)	echo "clang -target x86_64-apple-macos11" ;;
	coff-x86_64)	echo "clang -target x86_64-pc-windows-msvc" ;;
	wasm32)		echo "clang -target wasm32" ;;
	esac
}

is_elf() {
	case $1 in x86_64-gcc|x86_64-clang|aarch64) return 0 ;; esac
	return 1
}

# run_cc DIR COMMAND...: prints the command, runs it in DIR.
run_cc() {
	_d=$1; shift
	echo "# (cd $_d && $*)"
	(cd "$_d" && "$@") 2>>"$TRASH/cc.err"
}

# build TEST SOURCE TARGET FLAGS: TARGET/TEST/orig.o and patched.o, both
# from TARGET/TEST/SOURCE.c (the file is edited between the two builds, as
# a user does: same file name, same directory).
build() {
	d=$3/$1
	rm -rf "$d" && mkdir -p "$d"
	cp "$RULES/$2.orig.c" "$d/$2.c"
	run_cc "$d" $(cc_for "$3") $4 -c "$2.c" -o orig.o
	cp "$RULES/$2.patched.c" "$d/$2.c"
	run_cc "$d" $(cc_for "$3") $4 -c "$2.c" -o patched.o
}

# build_elsewhere TEST SOURCE TARGET FLAGS: the same file name compiled in
# two different directories (other build paths in the debug info).
build_elsewhere() {
	d=$3/$1
	rm -rf "$d" && mkdir -p "$d/a" "$d/somewhere/else/build"
	cp "$RULES/$2.orig.c" "$d/a/$2.c"
	cp "$RULES/$2.patched.c" "$d/somewhere/else/build/$2.c"
	run_cc "$d/a" $(cc_for "$3") $4 -c "$2.c" -o ../orig.o
	run_cc "$d/somewhere/else/build" $(cc_for "$3") $4 -c "$2.c" \
		-o ../../../patched.o
}

# symbol_lines TARGET <stream: the symbol lines, sizes masked, names
# without Mach-O's underscore, sorted.
symbol_lines() {
	case $1 in macho-*) us=1 ;; *) us=0 ;; esac
	grep -E '^[-+~=] ' | awk -v us="$us" '{
		name = $3
		if (us && substr(name, 1, 1) == "_") name = substr(name, 2)
		o = ($4 == "-") ? "-" : "N"; n = ($5 == "-") ? "-" : "N"
		line = $1 " " $2 " " name " " o " " n
		if (NF >= 6) line = line " " $6
		print line }' | sort
}

# elf_sizes OBJ: "name size" for each defined function, object and TLS
# symbol, .cold/.part.N parts added to their parent.
elf_sizes() {
	readelf -sW "$1" | awk '$1 ~ /^[0-9]+:$/ && $7 != "UND" &&
		($4 == "FUNC" || $4 == "OBJECT" || $4 == "TLS") {
		n = $8
		sub(/\.cold(\.[0-9]+)?$/, "", n); sub(/\.part\.[0-9]+$/, "", n)
		s[n] += $3 }
		END { for (n in s) print n, s[n] }'
}

# check_sizes DIR: every size in DIR/out equals the symbol table's.
check_sizes() {
	elf_sizes "$1/orig.o" >"$1/orig.sizes" &&
	elf_sizes "$1/patched.o" >"$1/patched.sizes" &&
	grep -E '^[-+~=] ' "$1/out" | awk -v o="$1/orig.sizes" -v p="$1/patched.sizes" '
		BEGIN { while ((getline l < o) > 0) { split(l, f, " "); os[f[1]] = f[2] }
			while ((getline l < p) > 0) { split(l, f, " "); ps[f[1]] = f[2] } }
		{ wo = ($4 == "-") ? "-" : os[$3]; wn = ($5 == "-") ? "-" : ps[$3]
		  if ($4 != wo || $5 != wn) {
			print "size mismatch: " $0 " (symbol table: " wo " " wn ")"; bad = 1 } }
		END { exit bad }'
}

# check_header DIR EMPTY: the header lines of DIR/out.
check_header() {
	grep -v -E '^[-+~=] ' "$1/out" >"$1/header"
	printf '%s\n' "# objdiff 1" "--- $1/orig.o" "+++ $1/patched.o" >"$1/header.expect"
	if [ "$2" = 1 ]; then
		# nothing, the version line, or the whole header
		head -n "$(wc -l <"$1/header")" "$1/header.expect" >"$1/header.prefix"
		case $(wc -l <"$1/header") in 0|1|3) ;; *) cat "$1/header"; return 1 ;; esac
		test_cmp "$1/header.prefix" "$1/header"
		return
	fi
	test_cmp "$1/header.expect" "$1/header"
}

# check TEST SOURCE TARGET: objdiff's stream against the expectation.
check() {
	d=$3/$1
	e="$RULES/$2.$3.expect"
	[ -f "$e" ] || e="$RULES/$2.expect"
	test -f "$d/orig.o" && test -f "$d/patched.o" || { cat "$TRASH/cc.err"; return 1; }
	objdiff "$d/orig.o" "$d/patched.o" >"$d/out" 2>"$d/err"
	code=$?
	cat "$d/out" "$d/err"
	sort "$e" >"$d/expect"
	symbol_lines "$3" <"$d/out" >"$d/actual"
	test_cmp "$d/expect" "$d/actual" || return 1
	if [ -s "$d/expect" ]; then want=1 empty=0; else want=0 empty=1; fi
	[ "$code" = "$want" ] || { echo "exit status $code, expected $want"; return 1; }
	test ! -s "$d/err" || { echo "unexpected stderr"; return 1; }
	check_header "$d" "$empty" || return 1
	if is_elf "$3"; then
		check_sizes "$d" || return 1
	fi
}

# known_bug TEST TARGET: why objdiff is known to get this case wrong
# (nothing when it is not a known bug).  The expectation stays as the
# rules say; the case is run, and skipped only while it still fails.
known_bug() {
	case $1:$2 in
	added-removed:macho-x86_64)
		# Mach-O stores no sizes: keep_table's extent runs to the next
		# symbol, so the padding before old_table (16-aligned, new_table
		# is 4-aligned) counts.  Treating a zero tail as padding would
		# hide a real grown array, which mkpatch must refuse: this false
		# positive is the safe side until DWARF sizes are used (issue 7).
		echo "known limit: Mach-O derived size of keep_table includes 4 bytes of alignment padding before old_table (16 -> 12): reported as changed" ;;
	esac
}

# test_rule TEST SOURCE TARGET: one test, or a skip for a known bug that
# still fails (a known bug that passes is reported as a plain pass).
test_rule() {
	why=$(known_bug "$1" "$3")
	if [ -n "$why" ] && ! (check "$1" "$2" "$3") >/dev/null 2>&1; then
		test_skip "$1: $3: $why"
		return
	fi
	test_expect_success "$1: $3${why:+ (known bug fixed: update known_bug)}" \
		"check $1 $2 $3"
}

# rule TEST SOURCE FLAGS [TARGETS]: builds and checks one rule per target.
rule() {
	for t in ${4:-$TARGETS}; do
		build "$1" "$2" "$t" "$3"
		test_rule "$1" "$2" "$t"
	done
}

rule body-change body-change "-O2 $FS"
rule inline-static inline-static "-O2 $FS"
rule call-target call-target "-O2 $FS"
rule comments-only comments-only "-O2 $FS"
rule comments-only-g comments-only "-O2 -g $FS"
for t in $TARGETS; do
	build_elsewhere other-dir-g other-dir "$t" "-O2 -g $FS"
	test_rule other-dir-g other-dir "$t"
done
rule strings strings "-O2 $FS"
rule strings-padded strings-padded "-O0 $FS"
rule static-local static-local "-O2 $FS"
echo "# constprop, cold: gcc constructs, gcc x86-64 only"
rule constprop constprop "-O3 $FS" x86_64-gcc
rule cold cold "-O2 $FS" x86_64-gcc
rule added-removed added-removed "-O2 $FS"
rule initializer initializer "-O2 $FS"
rule data-size data-size "-O2 $FS"
rule no-function-sections no-function-sections "-O2"

# Hand-written vector code loads constants RIP-relative from its own
# section, with no relocation left.  When a function between the table and
# its user grows, only the grown one changed: the user's displacement
# still lands on the table (decoded, and compared by target).
vector_s() {
	cat <<-EOF
	.text
	.p2align 5
	table:
	.quad 0x0706050403020100, 0x0f0e0d0c0b0a0908
	.globl grow
	.type grow,@function
	grow:
	$1
	ret
	.size grow, .-grow
	.globl mix
	.type mix,@function
	mix:
	vbroadcasti128 table(%rip), %ymm11
	vpternlogd \$0x96, table(%rip), %zmm1, %zmm2
	vaesenc table(%rip), %ymm1, %ymm2
	ret
	.size mix, .-mix
	EOF
}

test_expect_success 'x86-64 assembly: vector loads from a moved table stay unchanged' '
	vector_s "nop" >vec.orig.s &&
	vector_s "add \$1, %eax" >vec.patched.s &&
	clang -target x86_64-linux-gnu -c vec.orig.s -o vec.orig.o &&
	clang -target x86_64-linux-gnu -c vec.patched.s -o vec.patched.o &&
	{ objdiff vec.orig.o vec.patched.o >vec.out; test $? = 1; } &&
	sed -n "s/^\([~+-]\) func \([a-z]*\) .*/\1 \2/p" vec.out >actual &&
	echo "~ grow" >expect &&
	test_cmp expect actual
'

test_done
