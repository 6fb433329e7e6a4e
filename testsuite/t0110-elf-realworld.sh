#!/bin/sh
# t0110-elf-realworld - the ELF reader on objects nobody here wrote: the
# members of Debian's libc.a (libc6-dev), some 2000 objects built by GCC
# and GNU as, with COMDAT groups, IFUNCs, TLS, symbol versions and
# hand-written assembly.
#
#   - dumpobj reads the archive, every member without an error;
#   - per member, the number of defined symbols equals llvm-nm's;
#   - the defined symbols themselves (member, name, value) equal llvm-nm's;
#   - the defined symbols (member, name, section, value) equal libbfd's;
#   - every relocation (member, section, offset, type, symbol, addend)
#     equals llvm-objdump -r's, and (without the addend) libbfd's.
#
# Normalization, as in t0100: file and section symbols are not counted
# (llvm-nm and libbfd do not list them); a common symbol's value is its
# size (both oracles print it so).
. "$IPBP_SRC/testsuite/lib.sh"

dumpobj=$PROGS/dumpobj
bfdsyms=$PROGS/bfdsyms
libc=${IPBP_LIBC_A:-/usr/lib/x86_64-linux-gnu/libc.a}
test -f "$libc" || skip_all "no $libc (Debian libc6-dev)"

# "member name section value" per defined symbol, from dumpobj.
dump_defined() {
	awk -F'\t' -v OFS='\t' '
		$1 == "obj" { m = $2; sub(/^.*\(/, "", m); sub(/\)$/, "", m); next }
		$1 != "sym" || $5 == "UND" || $3 == "section" || $3 == "file" { next }
		$5 == "COM" { print m, $2, "*COM*", $7; next }
		$5 == "ABS" { $5 = "*ABS*" }
		{ print m, $2, $5, $8 }' dump.out
}

test_expect_success 'dumpobj reads every member of libc.a' '
	"$dumpobj" "$libc" >dump.out 2>err.out &&
	test ! -s err.out &&
	grep -c "^obj	" dump.out >count &&
	ar t "$libc" | wc -l >expect &&
	test_cmp expect count &&
	test $(cat count) -gt 1000 &&
	test $(awk -F"\t" "\$1 == \"obj\" && \$3 == \"elf\" && \$4 == \"x86-64\"" dump.out | wc -l) = $(cat count)
'

test_expect_success 'per member, as many defined symbols as llvm-nm lists' '
	dump_defined | awk -F"\t" "
		\$1 != m { if (n++) print m, c; m = \$1; c = 0 }
		{ c++ }
		END { print m, c }" >dump.counts &&
	llvm-nm --defined-only "$libc" 2>/dev/null | awk "
		/^\$/ { next }
		/:\$/ { if (n++) print m, c; m = substr(\$0, 1, length(\$0) - 1); c = 0; next }
		{ c++ }
		END { print m, c }" | awk "\$2 > 0" >nm.counts &&
	test $(wc -l <nm.counts) -gt 1000 &&
	test_cmp nm.counts dump.counts
'

test_expect_success 'the defined symbols and their values match llvm-nm' '
	dump_defined | cut -f1,2,4 | sort >left &&
	llvm-nm --defined-only "$libc" 2>/dev/null | awk -v OFS="\t" "
		/^\$/ { next }
		/:\$/ { m = substr(\$0, 1, length(\$0) - 1); next }
		{ v = \$1; sub(/^0+/, \"\", v); if (v == \"\") v = \"0\"; print m, \$3, v }" |
		sort >right &&
	test $(wc -l <right) -gt 5000 &&
	test_cmp right left
'

test_expect_success 'the defined symbols, sections and values match libbfd' '
	dump_defined | sort >left &&
	"$bfdsyms" "$libc" >bfd.out &&
	awk -F"\t" -v OFS="\t" "
		\$1 == \"member\" { m = \$2; next }
		{ print m, \$0 }" bfd.out | sort >right &&
	test $(wc -l <right) -gt 5000 &&
	test_cmp right left
'

# "member section offset type symbol[addend]" per relocation, the addend
# as llvm-objdump writes it (+0x10, -0x4, nothing for 0) when asked.
dump_relocs() {
	awk -F'\t' -v OFS='\t' -v with="${1:-}" '
		function hex(v) { return v < 0 ? "-0x" sprintf("%x", -v) : "+0x" sprintf("%x", v) }
		$1 == "obj" { m = $2; sub(/^.*\(/, "", m); sub(/\)$/, "", m); next }
		$1 == "rel" { print m, $2, $3, $4, $7 ((with && $8 != 0) ? hex($8) : "") }' dump.out
}

test_expect_success 'every relocation matches llvm-objdump -r, addends included' '
	dump_relocs addend | sort >left &&
	llvm-objdump -r "$libc" >objdump.out &&
	awk -v OFS="\t" "
		/file format/ { m = \$1; sub(/^.*\(/, \"\", m); sub(/\):\$/, \"\", m); next }
		/^RELOCATION RECORDS FOR \[/ {
			sec = \$4; sub(/^\[/, \"\", sec); sub(/\]:\$/, \"\", sec); next }
		sec != \"\" && NF >= 3 && \$1 ~ /^[0-9a-f]+\$/ {
			off = \$1; sub(/^0+/, \"\", off); if (off == \"\") off = \"0\"
			print m, sec, off, \$2, \$3 }" objdump.out | sort >right &&
	test $(wc -l <right) -gt 20000 &&
	test_cmp right left
'

test_expect_success 'every relocation matches libbfd -r' '
	dump_relocs | sort >left &&
	"$bfdsyms" -r "$libc" >bfd.out &&
	awk -F"\t" -v OFS="\t" "
		\$1 == \"member\" { m = \$2; next }
		NF == 4 { print m, \$0 }" bfd.out | sort >right &&
	test $(wc -l <right) -gt 20000 &&
	test_cmp right left
'

test_done
