#!/bin/sh
# t0200-macho-oracle: the Mach-O reader (formats/macho.c) against LLVM's.
# For every fixture object (testsuite/oracle/build-fixtures for
# x86_64-apple-macos11 and arm64-apple-macos11, plus SUBTRACTOR and
# ARM64_RELOC_ADDEND sources made here), a universal file, a dylib and an
# executable linked by ld64.lld, dumpobj's model must agree with
#   llvm-objdump --syms   defined symbols: name, section, value, binding
#   llvm-nm -P            common symbols: name, size
#   llvm-readobj -r       relocations: section, offset, type, target
# The tools' output is normalized into the same sorted text and compared
# with diff -u.

. "$IPBP_SRC/testsuite/lib.sh"

for t in clang llvm-objdump llvm-nm llvm-readobj; do
	command -v $t >/dev/null || skip_all "needs $t"
done
DUMPOBJ=$PROGS/dumpobj
LIPO=$(command -v llvm-lipo || command -v llvm-lipo-14)

# ---- normalizers -------------------------------------------------------

# Defined symbols of a dumpobj listing: "NAME SECTION VALUE BIND".
# Section symbols are the model's own (Mach-O has none) and stabs are
# debugger entries that llvm-objdump --syms prints in another form: both
# are left out.  Weak definitions are "w" as llvm-objdump prints them.
cat >model-syms.awk <<'EOF'
function hex(s) {
	s = tolower(s); sub(/^0x/, "", s); sub(/^0+/, "", s)
	return s == "" ? "0" : s
}
BEGIN { FS = "\t" }
$1 == "sym" && $3 != "section" && $9 !~ /[ucgs]/ {
	sec = $9 ~ /a/ ? "*ABS*" : $5
	bind = $4 == "global" ? "g" : $4 == "weak" ? "w" : "l"
	printf "%s %s %s %s\n", $2, sec, hex($8), bind
}
EOF

# The same from llvm-objdump --syms: "VALUE FLAGS(7 chars) SECTION NAME".
cat >oracle-syms.awk <<'EOF'
function hex(s) {
	s = tolower(s); sub(/^0x/, "", s); sub(/^0+/, "", s)
	return s == "" ? "0" : s
}
/^[0-9a-f]+ / && length($1) == 16 {
	value = substr($0, 1, 16)
	flags = substr($0, 18, 7)
	rest = substr($0, 26)
	split(rest, f, /[ \t]+/)
	sec = f[1]; name = f[length(f)]
	if (sec == "*UND*" || sec == "*COM*")
		next
	bind = substr(flags, 2, 1) == "w" ? "w" : substr(flags, 1, 1) == "g" ? "g" : "l"
	printf "%s %s %s %s\n", name, sec, hex(value), bind
}
EOF

# Relocations of a dumpobj listing: "SECT OFFSET TYPE TARGET", with the
# section named by its sectname alone (llvm-readobj prints no segment).
cat >model-rels.awk <<'EOF'
function hex(s) {
	s = tolower(s); sub(/^0x/, "", s); sub(/^0+/, "", s)
	return s == "" ? "0" : s
}
BEGIN { FS = "\t" }
$1 == "rel" && $10 != "decoded" {
	sec = $2; sub(/^[^,]*,/, "", sec)
	sym = $7; sub(/^[^,]*,/, "", sym)
	printf "%s %s %s %s\n", sec, hex($3), $4, sym
}
EOF

# The same from llvm-readobj -r ("OFFSET PCREL LENGTH EXTERN TYPE N SYM"),
# with the pairs the reader folds into one relocation folded the same way:
# SUBTRACTOR B + UNSIGNED A at one offset is "SUBTRACTOR A-B" (the model's
# sym and sub), and ARM64_RELOC_ADDEND is
# folded into the relocation after it.
cat >oracle-rels.awk <<'EOF'
function hex(s) {
	s = tolower(s); sub(/^0x/, "", s); sub(/^0+/, "", s)
	return s == "" ? "0" : s
}
/^  Section .* \{$/ { sec = $2; pend = ""; next }
/^    0x/ {
	off = hex($1); type = $5; sym = $NF
	if (pend != "" && pendoff == off) {
		if (pend ~ /SUBTRACTOR$/)
			printf "%s %s %s %s-%s\n", sec, off, pend, sym, pendsym
		else
			printf "%s %s %s %s\n", sec, off, type, sym
		pend = ""
		next
	}
	if (type ~ /_SUBTRACTOR$/ || type ~ /_ADDEND$/) {
		pend = type; pendoff = off; pendsym = sym
		next
	}
	printf "%s %s %s %s\n", sec, off, type, sym
}
EOF

# Common symbols: "NAME SIZE" from dumpobj and from llvm-nm -P.
cat >model-common.awk <<'EOF'
function hex(s) {
	s = tolower(s); sub(/^0x/, "", s); sub(/^0+/, "", s)
	return s == "" ? "0" : s
}
BEGIN { FS = "\t" }
$1 == "sym" && $9 ~ /c/ { printf "%s %s\n", $2, hex($7) }
EOF
cat >oracle-common.awk <<'EOF'
function hex(s) {
	s = tolower(s); sub(/^0x/, "", s); sub(/^0+/, "", s)
	return s == "" ? "0" : s
}
$2 == "C" { printf "%s %s\n", $1, hex($3) }
EOF

# compare FILE [DUMPOBJ-OPTS [ORACLE-FILE]]: all three comparisons, of
# dumpobj on FILE against the oracles on ORACLE-FILE (default FILE).
compare() {
	f=$1 dopt=${2:-}
	$DUMPOBJ $dopt "$f" >model.txt || return 1
	f=${3:-$1}
	awk -f model-syms.awk model.txt | sort >syms.model
	llvm-objdump --syms "$f" | awk -f oracle-syms.awk | sort >syms.oracle
	awk -f model-rels.awk model.txt | sort >rels.model
	llvm-readobj -r "$f" | awk -f oracle-rels.awk | sort >rels.oracle
	awk -f model-common.awk model.txt | sort >common.model
	llvm-nm -P "$f" | awk -f oracle-common.awk | sort >common.oracle
	test -s syms.oracle || { echo "$f: no symbols from llvm-objdump"; return 1; }
	test_cmp syms.oracle syms.model &&
	test_cmp rels.oracle rels.model &&
	test_cmp common.oracle common.model
}

compare_all() {
	for f in "$@"; do
		compare "$f" || { echo "mismatch in $f"; return 1; }
	done
}

# ---- fixtures ------------------------------------------------------------

cat >sub.c <<'EOF'
int a = 1, b = 2;
__asm__(".data\n.globl _d\n_d: .quad _a - _b + 8\n"
	".globl _e\n_e: .long _a - _b\n .quad L_x + 4\nL_x: .quad 0\n");
EOF
cat >addend.c <<'EOF'
__asm__(".text\n.globl _h\n_h:\n adrp x0, _arr@PAGE+4000000\n"
	" add x0, x0, _arr@PAGEOFF+4000000\n ldr x1, [x0, _arr@PAGEOFF+16]\n"
	" bl _f+8\n b _h2\n ret\n_h2: ret\n");
EOF
cat >main.c <<'EOF'
int top(int);
int main(void) { return top(3); }
EOF
cat >defs.c <<'EOF'
_Thread_local int tls_extern = 1;
int sink;
EOF

for arch in x86_64 arm64; do
	target=$arch-apple-macos11
	test_expect_success "$arch: fixtures build" "
		$IPBP_SRC/testsuite/oracle/build-fixtures $target $arch &&
		ls $arch/*.o >/dev/null &&
		clang -target $target -c sub.c -o $arch/sub.o
	"
	test_expect_success "$arch: symbols and relocations match llvm" "
		compare_all $arch/*.o
	"
	test_expect_success "$arch: SUBTRACTOR pairs are one relocation each" "
		$DUMPOBJ $arch/sub.o >sub.txt &&
		test \$(grep -c 'SUBTRACTOR	sub	' sub.txt) = 2 &&
		! grep 'UNSIGNED.*_a' sub.txt
	"
	src=$IPBP_SRC/testsuite/oracle/src
	test_expect_success "$arch: dylib and executable (ld64.lld) match llvm" "
		clang -target $target -fuse-ld=lld -nostdlib -shared \
			-Wl,-undefined,dynamic_lookup defs.c $src/*.c -o $arch/lib.dylib &&
		clang -target $target -fuse-ld=lld -nostdlib -Wl,-e,_main \
			-Wl,-undefined,dynamic_lookup main.c defs.c $src/*.c -o $arch/exe &&
		$DUMPOBJ $arch/lib.dylib | grep -q '^obj.*shared	64' &&
		$DUMPOBJ $arch/exe | grep -q '^obj.*executable	64' &&
		compare $arch/lib.dylib &&
		! compare $arch/exe >/dev/null &&
		# __mh_execute_header lies before __text, which llvm-objdump
		# names as its section; dumpobj keeps it as an address (ABS).
		sed 's/^__mh_execute_header __TEXT,__text /__mh_execute_header *ABS* /' \
			syms.oracle | sort >syms.fixed &&
		test_cmp syms.fixed syms.model &&
		test_cmp rels.oracle rels.model &&
		test_cmp common.oracle common.model
	"
done

test_expect_success 'arm64: ARM64_RELOC_ADDEND folds into the next relocation' "
	clang -target arm64-apple-macos11 -c addend.c -o addend.o &&
	compare addend.o &&
	$DUMPOBJ addend.o | grep -v '^rel.*ADDEND' | grep '^rel' >rels &&
	grep -q 'PAGE21	page	4	_arr	4000000	' rels &&
	grep -q 'BRANCH26	branch	4	_f	8	' rels
"

if test -n "$LIPO"; then
	test_expect_success 'universal file: each slice matches llvm on its object' "
		$LIPO -create x86_64/switch.O2.o arm64/switch.O2.o -output fat.o &&
		compare fat.o --arch=x86_64 x86_64/switch.O2.o &&
		compare fat.o --arch=arm64 arm64/switch.O2.o &&
		llvm-nm --arch=arm64 fat.o | grep -q ' T _dispatch' &&
		$DUMPOBJ fat.o | head -1 | grep -q 'x86-64' &&
		$DUMPOBJ --arch=arm64 fat.o | head -1 | grep -q 'aarch64'
	"
	test_expect_code 2 'universal file: a missing slice is an error' "
		$DUMPOBJ --arch=i386 fat.o 2>err; st=\$?
		grep -q 'no i386 slice (it has x86_64, arm64)' err && exit \$st
	"
else
	test_skip 'universal file: no llvm-lipo'
fi

test_done
