#!/bin/sh
# t0310-coff-realworld - COFF objects nobody here wrote: the members of
# Debian's mingw-w64 static library libmingwex.a (GCC-built objects) and
# import library libkernel32.a (dlltool-built objects: .idata$N sections,
# section symbols without aux records) read without error, and per member
# the defined symbols agree with llvm-nm (count) and libbfd (name, section,
# value).  The archives are read directly by dumpobj (formats/ar.c).
. "$IPBP_SRC/testsuite/lib.sh"

dumpobj=$PROGS/dumpobj
bfdsyms=$PROGS/bfdsyms
libdir=/usr/x86_64-w64-mingw32/lib
libs="libmingwex.a libkernel32.a"

[ -r $libdir/libmingwex.a ] && [ -r $libdir/libkernel32.a ] ||
	skip_all "mingw-w64-x86-64-dev is not installed"

# dumpobj's defined symbols per member: "ordinal member name section value"
# (file and section symbols left out, as libbfd does).
dump_syms() {
	"$dumpobj" "$1" | awk -F'\t' -v OFS='\t' '
		$1 == "obj" { m = $2; sub(/.*\(/, "", m); sub(/\)$/, "", m); n++; next }
		$1 != "sym" || $5 == "UND" || $3 == "file" || $3 == "section" { next }
		$5 == "COM" { print n, m, $2, "*COM*", $7; next }
		$5 == "ABS" { $5 = "*ABS*" }
		{ print n, m, $2, $5, $6 }' | sort
}

# libbfd lists the section-definition symbols of COMDAT sections as plain
# locals named after their section with value 0: left out.
bfd_syms() {
	"$bfdsyms" "$1" | awk -F'\t' -v OFS='\t' '
		$1 == "member" { m = $2; n++; next }
		$1 == $2 && $3 == "0" { next }
		{ print n, m, $0 }' | sort
}

# Per member "ordinal member count" of defined symbols.
dump_counts() {
	"$dumpobj" "$1" | awk -F'\t' -v OFS='\t' '
		function flush() { if (n) print n, m, c + 0 }
		$1 == "obj" { flush(); m = $2; sub(/.*\(/, "", m); sub(/\)$/, "", m); n++; c = 0; next }
		$1 == "sym" && $5 != "UND" && $3 != "file" && $3 != "section" { c++ }
		END { flush() }'
}

# llvm-nm's count per member, corrected by what llvm-readobj shows about
# the two places where llvm-nm and the model differ by design:
#  + GCC's static functions at offset 0 carry a function aux record, which
#    LLVM takes for a section definition and hides (STATIC, value 0,
#    ComplexType Function, AuxSymbolCount > 0): the model lists them;
#  - dlltool's section symbols have no aux record (STATIC, value 0, named as
#    their section): llvm-nm lists them, the model (like libbfd) reads them
#    as section symbols.
nm_counts() {
	{ llvm-nm --defined-only "$1" | awk '
		/^$/ { next }
		/:$/ { sub(/:$/, ""); print "member", $0; next }
		NF == 3 { print "sym" }'
	  echo "--"
	  llvm-readobj --symbols "$1" | awk '
		function flush() {
			if (name == "") return
			if (cls == "Static" && val == "0" && sec !~ /^IMAGE_SYM/) {
				if (fn && naux > 0) print "hidden", member
				if (!fn && naux == 0 && name == sec) print "secsym", member
			}
			name = ""
		}
		/^File: / { flush(); member = $2; sub(/.*\(/, "", member); sub(/\)$/, "", member); print "file", member; next }
		/^  Symbol \{/ { flush(); fn = 0; next }
		/^    Name: / { name = substr($0, index($0, ":") + 2); next }
		/^    Value: / { val = $2; next }
		/^    Section: / { sec = $2; next }
		/^    ComplexType: Function/ { fn = 1; next }
		/^    StorageClass: / { cls = $2; next }
		/^    AuxSymbolCount: / { naux = $2; next }
		END { flush() }'; } | awk -v OFS='\t' '
		$1 == "--" { part = 2; next }
		part != 2 && $1 == "member" { n++; m[n] = $2; c[n] = 0; next }
		part != 2 && $1 == "sym" { c[n]++; next }
		$1 == "file" { k++; next }
		$1 == "hidden" { c[k]++; next }
		$1 == "secsym" { c[k]--; next }
		END { for (i = 1; i <= n; i++) print i, m[i], c[i] }'
}

for lib in $libs; do
	test_expect_success "$lib: every member reads" '
		"$dumpobj" $libdir/$lib >dump.out &&
		grep -c "^obj	" dump.out >members &&
		test $(cat members) = $(llvm-ar t $libdir/$lib | wc -l) &&
		! grep -q "^obj	.*	coff	unknown" dump.out
	'
	test_expect_success "$lib: defined symbols per member agree with llvm-nm" '
		dump_counts $libdir/$lib >left.out &&
		nm_counts $libdir/$lib >right.out &&
		test -s left.out &&
		test_cmp right.out left.out
	'
	test_expect_success "$lib: defined symbols agree with libbfd" '
		dump_syms $libdir/$lib >left.out &&
		bfd_syms $libdir/$lib >right.out &&
		test $(wc -l <left.out) -gt 500 &&
		test_cmp right.out left.out
	'
done

# The same members extracted and read one by one (no archive reader).
test_expect_success 'libkernel32.a: extracted members read one by one' '
	mkdir -p k32 && (cd k32 && ar x $libdir/libkernel32.a) &&
	for o in k32/*.o; do "$dumpobj" "$o" >/dev/null || return 1; done
'

# An LLVM import library: short import members (IMPORT_OBJECT_HEADER).
test_expect_success 'llvm-dlltool import library: short members as llvm-nm lists them' '
	printf "LIBRARY foo.dll\nEXPORTS\nfunc1\ndata1 DATA\nfunc2\n" >foo.def &&
	llvm-dlltool -m i386:x86-64 -d foo.def -l libfoo.a &&
	"$dumpobj" libfoo.a >dump.out &&
	awk -F"\t" "\$1 == \"sym\" && \$5 == \"ABS\" { print \$2 }" dump.out | sort >left.out &&
	llvm-nm libfoo.a | awk "NF == 3 && \$2 ~ /^[TD]\$/ { print \$3 }" | sort >right.out &&
	grep -qx __imp_data1 right.out && grep -qx func1 right.out &&
	test_cmp right.out left.out
'

test_done
