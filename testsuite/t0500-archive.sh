#!/bin/sh
# t0500-archive - dumpobj reads ar archives as their members:
#
#   - each member is an object named "lib.a(member.o)", in archive order,
#     long names included (GNU "//" table, BSD "#1/NN");
#   - each member has as many symbols as llvm-nm lists for it;
#   - `dumpobj --index` prints the archive symbol index as llvm-nm
#     --print-armap (and GNU nm -s) do, symbol -> member, in index order;
#
# for a GNU and a BSD archive of ELF objects, a darwin archive of Mach-O
# objects and a COFF library made by llvm-lib.  Cases whose object reader
# is not built yet (dumpobj: "unknown file format") are skipped.  Thin,
# truncated and empty archives end the story.
. "$IPBP_SRC/testsuite/lib.sh"

dumpobj=$PROGS/dumpobj

# fixtures TARGET DIR: the oracle sources built for TARGET, plus one member
# with a name longer than 15 characters (GNU "//", BSD "#1/NN").
fixtures() {
	"$IPBP_SRC/testsuite/oracle/build-fixtures" "$1" "$2" &&
	cp "$2/calls.O2.o" "$2/a_member_with_a_long_name.o" &&
	(cd "$2" && ls *.o >members)
}

# The symbols llvm-nm lists by default: not the section and file symbols
# (LLVM marks them "format specific") and not Mach-O stabs.
dumpobj_counts() {
	"$dumpobj" "$1" | awk -F'\t' '
		$1 == "obj" { if (n++) print m, c; m = $2; c = 0 }
		$1 == "sym" && $3 != "section" && $3 != "file" && $9 !~ /g/ { c++ }
		END { if (n) print m, c }'
}

# llvm-nm heads each member "member.o:" (ELF, COFF) or "lib.a(member.o):"
# (Mach-O); both become "lib.a(member.o) COUNT".
llvm_nm_counts() {
	llvm-nm "$1" | awk -v ar="$1" '
		/^$/ { next }
		/:$/ {
			if (n++) print m, c
			m = substr($0, 1, length($0) - 1)
			if (m !~ /\(/) m = ar "(" m ")"
			c = 0
			next
		}
		{ c++ }
		END { if (n) print m, c }'
}

# "SYMBOL in MEMBER" lines, as llvm-nm --print-armap and nm -s print them.
dumpobj_index() {
	"$dumpobj" --index "$1" | awk -F'\t' '$1 == "idx" { print $2 " in " $3 }'
}

armap() {	# HEADING: the lines after it up to the first blank line
	sed -n "/^$1\$/,/^\$/p" | sed '1d;/^$/d'
}

# has_reader ARCHIVE: false when dumpobj lacks the reader of its members.
has_reader() {
	! "$dumpobj" "$1" 2>&1 >/dev/null | grep -q 'unknown file format'
}

dumpobj_members() {
	"$dumpobj" "$1" | awk -F'\t' '$1 == "obj" { print $2 }'
}

# The command fails with exit status 2 (trouble).
fails_with_2() {
	"$@"
	test $? = 2
}

# check_archive LABEL ARCHIVE DIR: the three comparisons above.
check_archive() {
	label=$1 ar=$2 dir=$3
	if ! has_reader "$ar"; then
		test_skip "$label: member names (no reader for its objects yet)"
		test_skip "$label: per-member symbol counts (no reader yet)"
		test_skip "$label: symbol index (no reader yet)"
		return
	fi
	test_expect_success "$label: members are named $ar(member) in archive order" '
		sed "s|.*|$ar(&)|" $dir/members >expect &&
		dumpobj_members $ar >actual &&
		test_cmp expect actual
	'
	test_expect_success "$label: per-member symbol counts equal llvm-nm's" '
		llvm_nm_counts $ar >expect &&
		dumpobj_counts $ar >actual &&
		test $(wc -l <actual) = $(wc -l <$dir/members) &&
		test_cmp expect actual
	'
	test_expect_success "$label: dumpobj --index equals llvm-nm --print-armap" '
		llvm-nm --print-armap $ar | armap "Archive map" >expect &&
		test -s expect &&
		dumpobj_index $ar >actual &&
		test_cmp expect actual
	'
}

test_expect_success 'set up ELF, Mach-O and COFF objects' '
	fixtures x86_64-linux-gnu elf &&
	fixtures x86_64-apple-macos11 macho &&
	fixtures x86_64-pc-windows-msvc coff &&
	(cd elf && ar rcs ../gnu.a $(cat members)) &&
	(cd elf && llvm-ar --format=bsd rcs ../bsd.a $(cat members)) &&
	(cd macho && llvm-ar --format=darwin rcs ../darwin.a $(cat members)) &&
	(cd coff && llvm-lib /out:coff.lib $(cat members)) && mv coff/coff.lib .
'

check_archive 'GNU archive of ELF' gnu.a elf
if has_reader gnu.a; then
	test_expect_success 'GNU archive of ELF: dumpobj --index equals GNU nm -s' '
		nm -s gnu.a | armap "Archive index:" >expect &&
		dumpobj_index gnu.a >actual &&
		test_cmp expect actual
	'
else
	test_skip 'GNU archive of ELF: dumpobj --index equals GNU nm -s (no ELF reader yet)'
fi
check_archive 'BSD archive of ELF' bsd.a elf
check_archive 'darwin archive of Mach-O' darwin.a macho
check_archive 'COFF library of COFF objects' coff.lib coff

test_expect_success 'a thin archive is refused: its members live in other files' '
	(cd elf && llvm-ar rcsT ../thin.a calls.O0.o) &&
	fails_with_2 "$dumpobj" thin.a 2>err &&
	echo "dumpobj: thin.a: thin archives are not supported (their members live in other files)" >expect &&
	test_cmp expect err
'

test_expect_success 'a truncated archive names the member cut short' '
	(cd elf && ar rcs ../cut.a calls.O0.o a_member_with_a_long_name.o) &&
	head -c $(($(wc -c <cut.a) - 100)) cut.a >cut2.a &&
	fails_with_2 "$dumpobj" cut2.a 2>err &&
	echo "dumpobj: cut2.a: member a_member_with_a_long_name.o extends past end of file" >expect &&
	test_cmp expect err
'

test_expect_success 'an empty archive has no members and no index' '
	printf "!<arch>\n" >empty.a &&
	"$dumpobj" --index empty.a >out &&
	test ! -s out
'

test_done
