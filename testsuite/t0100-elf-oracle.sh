#!/bin/sh
# t0100-elf-oracle - the ELF reader agrees with LLVM and with GNU libbfd.
#
# For x86-64, i386, AArch64 and ARM, the oracle fixtures (statics, jump
# tables, weak, common, TLS, calls; -O0/-O2, with and without
# -ffunction-sections) are read by dumpobj and compared, per object, with:
#
#   - llvm-nm --defined-only --format=sysv: each defined symbol's name,
#     section, value and size; and the model's section offset, which must
#     be the value (minus the section address in linked images, minus the
#     Thumb bit of ARM functions);
#   - libbfd (testsuite/progs/bfdsyms): each defined symbol's name, section
#     and value;
#   - llvm-objdump -r: every relocation's section, offset, type name and
#     target symbol, and for RELA targets (x86-64, AArch64) the addend;
#   - libbfd -r (x86-64 and i386, the ELF targets Debian's libbfd has
#     relocation howtos for): section, offset, howto name and symbol, and
#     for x86-64 the addend.
#
# Then a shared object and an executable linked from the fixtures, and a
# stripped shared object read through .dynsym (against llvm-nm -D).
. "$IPBP_SRC/testsuite/lib.sh"

dumpobj=$PROGS/dumpobj
bfdsyms=$PROGS/bfdsyms
targets="x86_64-linux-gnu i686-linux-gnu aarch64-linux-gnu armv7-linux-gnueabihf"

# ---- normalizers: every one prints sorted tab-separated lines -------------

# dumpobj's defined symbols as "name section value size", in the oracles'
# terms: file and section symbols are left out (llvm-nm and libbfd do not
# list them); a common symbol's value is its size (both oracles print it
# so) in section *COM*; absolute symbols are in *ABS*.  With "nomap", ARM
# and AArch64 mapping symbols ($a, $d, $t, $x: llvm-nm hides them) are
# left out as well.
dump_syms() {
	"$dumpobj" "$1" >dump.raw || return 1
	awk -F'\t' -v OFS='\t' -v nomap="${2:-}" '
		$1 != "sym" || $5 == "UND" || $3 == "file" || $3 == "section" { next }
		nomap && $2 ~ /^\$[adtx](\.|$)/ { next }
		$5 == "COM" { print $2, "*COM*", $7, $7; next }
		$5 == "ABS" { $5 = "*ABS*" }
		{ print $2, $5, $8, $7 }' dump.raw | sort
}

# llvm-nm's sysv table as "name section value size" (-D: the dynamic
# symbols).
nm_syms() {
	case ${2:-} in -D) dyn=-D ;; *) dyn= ;; esac
	llvm-nm --defined-only --format=sysv $dyn "$1" >nm.raw || return 1
	awk -F'|' -v OFS='\t' '
		NF >= 7 {
			for (i = 1; i <= NF; i++) {
				gsub(/^ +| +$/, "", $i)
				if (i == 2 || i == 5) { sub(/^0+/, "", $i); if ($i == "") $i = "0" }
			}
			if ($1 != "") print $1, $7, $2, $5
		}' nm.raw | sort
}

# dumpobj's "name section offset" for symbols in sections.
dump_offsets() {
	"$dumpobj" "$1" >dump.raw || return 1
	awk -F'\t' -v OFS='\t' '
		$1 == "sym" && $5 != "UND" && $5 != "COM" && $5 != "ABS" &&
		$3 != "file" && $3 != "section" && $2 !~ /^\$[adtx](\.|$)/ {
			print $2, $5, $6 }' dump.raw | sort
}

# The offsets llvm tells: the value (llvm-nm) minus the address of the
# section (llvm-objdump -h), without the Thumb bit of ARM functions; the
# value of a TLS symbol in a linked image is an offset in the PT_TLS
# segment (llvm-readobj -l).
nm_offsets() {
	llvm-objdump -h "$1" >sections.raw && llvm-readobj -l "$1" >phdrs.raw &&
	llvm-nm --defined-only --format=sysv "$1" >nm.raw || return 1
	{ awk 'NF >= 4 && $1 ~ /^[0-9]+$/ { print "sec|" $2 "|" $4 }' sections.raw
	  awk '/Type: PT_TLS/ { tls = 1 } tls && /VirtualAddress:/ { print "tls|" $2; exit }' phdrs.raw
	  cat nm.raw; } | awk -F'|' -v OFS='	' -v arm="$2" '
		function num(h,  v, i) {
			sub(/^0x/, "", h)
			h = tolower(h)
			v = 0
			for (i = 1; i <= length(h); i++)
				v = v * 16 + index("0123456789abcdef", substr(h, i, 1)) - 1
			return v
		}
		$1 == "sec" { addr[$2] = num($3); next }
		$1 == "tls" { tls = num($2); next }
		NF >= 7 {
			for (i = 1; i <= NF; i++) gsub(/^ +| +$/, "", $i)
			if ($1 == "" || $7 == "*ABS*" || $7 == "*COM*") next
			v = num($2)
			if (arm && $4 == "FUNC" && v % 2) v--
			if ($4 == "TLS" && addr[$7]) v += tls
			print $1, $7, (v >= addr[$7] ? sprintf("%x", v - addr[$7]) : "negative")
		}' | sort
}

# libbfd lists mapping symbols: only the llvm-nm view hides them.
dump_syms_bfd() {
	dump_syms "$1" | cut -f1-3 | sort
}

bfd_syms() {
	"$bfdsyms" "$1" >bfd.raw || return 1
	sort bfd.raw
}

# dumpobj's relocations as "section offset type symbol[addend]"; the
# addend as llvm-objdump writes it (+0x10, -0x4, nothing for 0) when
# "addend" is given.
dump_relocs() {
	"$dumpobj" "$1" >dump.raw || return 1
	awk -F'\t' -v OFS='\t' -v with="${2:-}" '
		function hex(v) { return v < 0 ? "-0x" sprintf("%x", -v) : "+0x" sprintf("%x", v) }
		$1 == "rel" {
			a = (with && $8 != 0) ? hex($8) : ""
			print $2, $3, $4, $7 a
		}' dump.raw | sort
}

# llvm-objdump -r as the same lines.
objdump_relocs() {
	llvm-objdump -r "$1" >objdump.raw || return 1
	awk -v OFS='\t' -v with="${2:-}" '
		/^RELOCATION RECORDS FOR \[/ { sec = $4; sub(/^\[/, "", sec); sub(/\]:$/, "", sec); next }
		sec != "" && NF >= 3 && $1 ~ /^[0-9a-f]+$/ {
			off = $1; sub(/^0+/, "", off); if (off == "") off = "0"
			v = $3
			if (!with) sub(/[+-]0x[0-9a-f]+$/, "", v)
			print sec, off, $2, v
		}' objdump.raw | sort
}

# libbfd's relocations as the same lines (with "addend", its addend too).
bfd_relocs() {
	if [ -n "${2:-}" ]; then
		"$bfdsyms" -r -A "$1" >bfd.raw || return 1
	else
		"$bfdsyms" -r "$1" >bfd.raw || return 1
	fi
	awk -F'\t' -v OFS='\t' '
		NF == 4 { print }
		NF == 5 { a = $5 == "0x0" ? "" : $5; if (a ~ /^0x/) a = "+" a; print $1, $2, $3, $4 a }
	' bfd.raw | sort
}

# compare_all WHAT DIR NORMALIZE1 NORMALIZE2 [ARG]: for every object in
# DIR, the two normalized views must be equal and not empty.
compare_all() {
	what=$1 dir=$2 left=$3 right=$4 arg=${5:-}
	n=0
	for o in "$dir"/*.o; do
		$left "$o" "$arg" >left.out || { echo "# cannot read $o"; return 1; }
		$right "$o" "$arg" >right.out || { echo "# the oracle cannot read $o"; return 1; }
		test -s right.out || { echo "# no $what in $o"; return 1; }
		test_cmp right.out left.out || { echo "# $what differ for $o"; return 1; }
		n=$((n + 1))
	done
	test $n -ge 8 || { echo "only $n objects in $dir"; return 1; }
}

for t in $targets; do
	case $t in
	aarch64*|arm*) map=1 ;;
	*) map= ;;
	esac
	case $t in
	arm*) thumb=arm ;;
	*) thumb= ;;
	esac
	case $t in
	x86_64*|aarch64*) rela=addend ;;
	*) rela= ;;
	esac

	test_expect_success "$t: fixtures build" "
		'$IPBP_SRC/testsuite/oracle/build-fixtures' $t fx-$t &&
		test \$(ls fx-$t/*.o | wc -l) -ge 16
	"

	test_expect_success "$t: defined symbols match llvm-nm (name, section, value, size)" "
		compare_all symbols fx-$t dump_syms nm_syms ${map:+nomap}
	"

	test_expect_success "$t: symbol offsets match llvm-nm values" "
		compare_all offsets fx-$t dump_offsets nm_offsets $thumb
	"

	test_expect_success "$t: defined symbols match libbfd (name, section, value)" "
		compare_all 'bfd symbols' fx-$t dump_syms_bfd bfd_syms
	"

	test_expect_success "$t: relocations match llvm-objdump -r${rela:+ (with addends)}" "
		compare_all relocations fx-$t dump_relocs objdump_relocs $rela &&
		dump_relocs fx-$t/tls.O2.o | grep -q .
	"

	case $t in
	x86_64*|i686*)
		test_expect_success "$t: relocations match libbfd -r${rela:+ (with addends)}" "
			compare_all 'bfd relocations' fx-$t dump_relocs bfd_relocs $rela
		"
		;;
	esac
done

# ---- linked images ------------------------------------------------------

# link_image TARGET OUT FLAGS...: the oracle sources compiled and linked
# with lld; undefined references (puts, ext_a, ...) are left to the loader.
link_image() {
	t=$1 out=$2
	shift 2
	clang -target "$t" -fuse-ld=lld -nostdlib -O2 -fcommon "$@" \
		-Wl,--unresolved-symbols=ignore-all \
		"$IPBP_SRC"/testsuite/oracle/src/*.c -o "$out"
}

check_image() {	# FILE TYPE [arm]
	"$dumpobj" "$1" | grep -q "^obj	.*	$2	" &&
	dump_syms "$1" nomap >left.out && nm_syms "$1" >right.out &&
	test_cmp right.out left.out &&
	test $(wc -l <left.out) -ge 10 &&
	dump_offsets "$1" >left.out && nm_offsets "$1" "${3:-}" >right.out &&
	test_cmp right.out left.out
}

for t in x86_64-linux-gnu aarch64-linux-gnu armv7-linux-gnueabihf; do
	case $t in arm*) thumb=arm ;; *) thumb= ;; esac
	test_expect_success "$t: shared object symbols match llvm-nm" "
		link_image $t lib-$t.so -shared -fPIC &&
		check_image lib-$t.so shared $thumb
	"
	test_expect_success "$t: executable symbols match llvm-nm" "
		link_image $t exe-$t -static -fno-pic -Wl,--emit-relocs -Wl,-e,top &&
		check_image exe-$t executable $thumb
	"
done

test_expect_success 'x86-64: linked images match libbfd symbols' '
	for f in lib-x86_64-linux-gnu.so exe-x86_64-linux-gnu; do
		dump_syms_bfd $f >left.out && bfd_syms $f >right.out &&
		test -s right.out && test_cmp right.out left.out || return 1
	done
'

test_expect_success 'x86-64: a stripped shared object is read through .dynsym' '
	llvm-objcopy --strip-all lib-x86_64-linux-gnu.so stripped.so &&
	! llvm-readobj --sections stripped.so | grep -q "Name: .symtab" &&
	dump_syms stripped.so >left.out &&
	nm_syms stripped.so -D >right.out &&
	test_cmp right.out left.out &&
	grep -q "^dispatch	" left.out
'

test_done
