#!/bin/sh
# t3100-mkpatch-rules - the mkpatch rules of DESIGN.md §6, one source pair
# per rule in testsuite/mkpatch/ (NAME.orig.c, NAME.patched.c, no system
# headers) with the expected manifest, normalized by
# testsuite/mkpatch/normalize-json (one line per replaced, added, imported
# and warning entry; no addresses, sizes, hashes or checksum).  Each pair is
# built as a user does (the same file name in the same directory, edited in
# between) with -O2 -ffunction-sections -fdata-sections for ELF x86-64
# (gcc, clang) and aarch64 (clang -target aarch64-linux-gnu), then
#   objdiff orig.o patched.o | mkpatch -o p.so
# and checked:
#   - exit 0, and stderr holds exactly one "mkpatch: warning: SYM: MSG" line
#     per warning of the manifest (nothing else but notes, such as the one
#     that the objects have no debug info);
#   - the normalized manifest equals NAME.TARGET.expect if there is one
#     (gcc numbers static locals "count.0" where clang says
#     "next_id.count"), else NAME.expect;
#   - patchinfo --verify p.so says "p.so: ok";
#   - unchanged code is never copied: the code symbols the patch defines
#     (nm, "@plt" stubs left out) are exactly its replaced and added
#     functions;
#   - mkpatch -o whole.so orig.o patched.o, which compares the whole pair
#     instead of what the stream names, builds the same patch, byte for
#     byte.
# One normalization: under -ffunction-sections gcc names a function's
# merged string section after the function (.rodata.banner.str1.1), clang
# does not (.rodata.str1.1): the same kind of section, so the function
# name is dropped before comparing.
#
# Refusals: NAME.fail.orig.c / NAME.fail.patched.c, NAME.fail.expect (or
# NAME.fail.TARGET.expect) the exact stderr; the stream is objdiff's,
# edited by NAME.fail.sed when there is one (a line naming a missing
# symbol; a "+" line a user's grep removed).  mkpatch must exit 2 and
# leave no output file.  --force then builds the data-size case: exit 0,
# flag "forced" and a "forced" warning in the manifest.
#
# A case mkpatch is known to get wrong is listed in known_bug(): it is run,
# and skipped with the reason while it fails.
#
# Rule "cold" runs for gcc only: clang makes no .cold parts without
# profile data (as in t1100).
. "$IPBP_SRC/testsuite/lib.sh"

RULES="$IPBP_SRC/testsuite/mkpatch"
NORMALIZE="$RULES/normalize-json"
TARGETS="x86_64-gcc x86_64-clang aarch64"
FLAGS="-O2 -ffunction-sections -fdata-sections"

for t in objdiff mkpatch patchinfo python3; do
	command -v $t >/dev/null 2>&1 || skip_all "$t not found"
done

cc_for() {
	case $1 in
	x86_64-gcc)	echo "gcc" ;;
	x86_64-clang)	echo "clang -target x86_64-linux-gnu" ;;
	aarch64)	echo "clang -target aarch64-linux-gnu" ;;
	esac
}

# run_cc DIR COMMAND...: prints the command, runs it in DIR.
run_cc() {
	_d=$1; shift
	echo "# (cd $_d && $*)"
	(cd "$_d" && "$@") 2>>"$TRASH/cc.err"
}

# build NAME TARGET: TARGET/NAME/orig.o and patched.o from one file name.
build() {
	d=$2/$1
	src=$(echo "$1" | sed 's/\.fail$//').c
	rm -rf "$d" && mkdir -p "$d"
	cp "$RULES/$1.orig.c" "$d/$src"
	run_cc "$d" $(cc_for "$2") $FLAGS -c "$src" -o orig.o
	cp "$RULES/$1.patched.c" "$d/$src"
	run_cc "$d" $(cc_for "$2") $FLAGS -c "$src" -o patched.o
}

# expect_file NAME TARGET: the expectation for TARGET.
expect_file() {
	if [ -f "$RULES/$1.$2.expect" ]; then
		echo "$RULES/$1.$2.expect"
	else
		echo "$RULES/$1.expect"
	fi
}

# normalize <JSON: the manifest's entries, string sections unnamed.
normalize() {
	"$NORMALIZE" | sed -E 's/^add data \.rodata\.[^ ]+\.(str1\.[0-9]+)( |$)/add data .rodata.\1\2/' |
		sort
}

# warnings_of <JSON: the stderr lines mkpatch prints for its warnings.
warnings_of() {
	python3 -c '
import json, sys
for w in json.load(sys.stdin)["warnings"]:
    sym = w["symbol"] + ": " if w["symbol"] else ""
    print("mkpatch: warning: " + sym + w["message"])'
}

# code_symbols PATCH: the functions the patch defines, "@plt" stubs left out.
code_symbols() {
	nm "$1" | awk '$2 ~ /^[Tt]$/ && $3 !~ /@plt$/ { print $3 }' | sort
}

# check NAME TARGET: mkpatch on the pair; the manifest as expected.
check() {
	d=$2/$1
	test -f "$d/orig.o" && test -f "$d/patched.o" || { cat "$TRASH/cc.err"; return 1; }
	(cd "$d" && objdiff orig.o patched.o >stream; test $? = 1) || return 1
	(cd "$d" && mkpatch -o p.so <stream 2>err)
	code=$?
	cat "$d/stream" "$d/err"
	[ "$code" = 0 ] || { echo "exit status $code, expected 0"; return 1; }
	patchinfo --format=json "$d/p.so" >"$d/json" || return 1
	normalize <"$d/json" >"$d/actual" &&
	sort "$(expect_file "$1" "$2")" >"$d/expect" &&
	test_cmp "$d/expect" "$d/actual" || return 1
	warnings_of <"$d/json" | sort >"$d/err.expect" &&
	without_notes "$d/err" | sort >"$d/err.sorted" &&
	test_cmp "$d/err.expect" "$d/err.sorted" || return 1
	(cd "$d" && patchinfo --verify p.so >verify) &&
	echo "p.so: ok" >"$d/verify.expect" &&
	test_cmp "$d/verify.expect" "$d/verify" || return 1
	sed -n 's/^\(replace\|add\) func \([^ ]*\).*/\2/p' "$d/actual" | sort >"$d/code.expect" &&
	code_symbols "$d/p.so" >"$d/code" &&
	test_cmp "$d/code.expect" "$d/code" || return 1
	(cd "$d" && mkpatch -o whole.so orig.o patched.o 2>/dev/null) &&
	cmp "$d/p.so" "$d/whole.so"
}

# refused NAME TARGET: mkpatch refuses with the expected message.
refused() {
	d=$2/$1
	test -f "$d/orig.o" && test -f "$d/patched.o" || { cat "$TRASH/cc.err"; return 1; }
	(cd "$d" && objdiff orig.o patched.o >stream; test $? = 1) || return 1
	if [ -f "$RULES/$1.sed" ]; then
		sed -f "$RULES/$1.sed" "$d/stream" >"$d/stream.edited" &&
			mv "$d/stream.edited" "$d/stream" || return 1
	fi
	cat "$d/stream"
	(cd "$d" && mkpatch -o p.so <stream 2>err)
	code=$?
	cat "$d/err"
	[ "$code" = 2 ] || { echo "exit status $code, expected 2"; return 1; }
	without_notes "$d/err" >"$d/err.refusal" &&
	test_cmp "$(expect_file "$1" "$2")" "$d/err.refusal" || return 1
	test ! -e "$d/p.so" || { echo "p.so left behind"; return 1; }
}

# forced NAME TARGET: --force builds it; the manifest says so.
forced() {
	d=$2/$1
	(cd "$d" && mkpatch --force -o forced.so <stream 2>forced.err) || return 1
	cat "$d/forced.err"
	grep -q "^mkpatch: warning: forced: " "$d/forced.err" || return 1
	patchinfo --format=json "$d/forced.so" | normalize >"$d/forced" || return 1
	cat "$d/forced"
	grep -qx "flag forced" "$d/forced" &&
	grep -q "^warning forced " "$d/forced" &&
	(cd "$d" && patchinfo --verify forced.so)
}

# known_bug NAME TARGET: why mkpatch is known to get this case wrong
# (nothing when it is not a known bug).  The expectation stays as the
# rules say; the case is run, and skipped only while it still fails (as
# in t1100).
known_bug() {
	case $1:$2 in
	none:none) ;;	# no known bug today
	esac
}

# rule NAME [TARGETS]: builds and checks one rule per target; a known bug
# that still fails is a skip, one that passes a plain pass.
rule() {
	for t in ${2:-$TARGETS}; do
		build "$1" "$t"
		why=$(known_bug "$1" "$t")
		if [ -n "$why" ] && ! (check "$1" "$t") >/dev/null 2>&1; then
			test_skip "$1: $t: $why"
			continue
		fi
		test_expect_success "$1: $t${why:+ (known bug fixed: update known_bug)}" \
			"check $1 $t"
	done
}

# refusal NAME [TARGETS]
refusal() {
	for t in ${2:-$TARGETS}; do
		build "$1.fail" "$t"
		test_expect_success "$1: $t: refused, exit 2, no output" "refused $1.fail $t"
	done
}

rule body-change
rule inline-static
rule call-target
rule added-func
rule strings
rule static-local
rule new-static-local
rule global-use
rule initializer
rule const-table
echo "# cold: a gcc construct, gcc x86-64 only"
rule cold x86_64-gcc
rule fnptr
rule tls
rule jump-table

refusal data-size
refusal static-local-removed
refusal new-tls
refusal missing-symbol
refusal added-unselected

for t in $TARGETS; do
	test_expect_success "data-size: $t: --force builds it, manifest says forced" \
		"forced data-size.fail $t"
done

test_done
