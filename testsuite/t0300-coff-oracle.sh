#!/bin/sh
# t0300-coff-oracle - the COFF reader agrees with LLVM and with GNU libbfd.
#
# For x86-64, i386, AArch64 and Thumb-2 (armnt), clang -target
# *-pc-windows-msvc, the oracle fixtures (statics, jump tables, weak,
# common, TLS, calls; -O0/-O2, with and without -ffunction-sections, which
# gives COMDAT sections) are read by dumpobj and compared, per object, with:
#
#   - llvm-readobj --symbols: each defined symbol's name, section and value;
#   - llvm-nm --defined-only: each defined symbol's name and value;
#   - libbfd (testsuite/progs/bfdsyms, x86-64 and i386: Debian's libbfd has
#     no arm64 COFF): name, section and value;
#   - llvm-objdump -r: every relocation's section, offset, type name and
#     symbol; and libbfd -r the same for x86-64 and i386.
#
# Then bigobj: the x86-64 fixtures converted by objcopy -O pe-bigobj-x86-64
# go through the same comparisons, and an LLVM-written bigobj with 65400
# COMDAT sections is checked against llvm-readobj, llvm-nm and llvm-objdump
# (not libbfd: it takes minutes over that many sections).
# Last, PE executables linked by lld (mingw style, with a COFF symbol
# table) against llvm-nm and libbfd.
. "$IPBP_SRC/testsuite/lib.sh"

dumpobj=$PROGS/dumpobj
bfdsyms=$PROGS/bfdsyms
targets="x86_64-pc-windows-msvc i686-pc-windows-msvc aarch64-pc-windows-msvc
	thumbv7-pc-windows-msvc"

# ---- normalizers: every one prints sorted tab-separated lines -------------

# dumpobj's defined symbols as "name section value": file and section
# symbols are left out (no oracle lists them); a common symbol is in *COM*
# with its size as value (as the file stores it); absolute ones in *ABS*.
# With "noweak", weak symbols are left out: dumpobj defines a weak external
# at its default's place, libbfd lists it as undefined.
dump_syms() {
	"$dumpobj" "$1" | awk -F'\t' -v OFS='\t' -v noweak="${2:-}" '
		$1 != "sym" || $5 == "UND" || $3 == "file" || $3 == "section" { next }
		noweak && $4 == "weak" { next }
		$5 == "COM" { print $2, "*COM*", $7; next }
		$5 == "ABS" { $5 = "*ABS*" }
		{ print $2, $5, $6 }' | sort
}

# llvm-readobj --symbols as "name section value" for defined symbols.
# Section definitions (an AuxSectionDef) and .file records are left out.
# A weak external (section 0, AuxWeakExternal) is listed at the place of
# the symbol it links to when that one is defined: readobj's own data,
# independent of the reader.
readobj_syms() {
	llvm-readobj --symbols "$1" | awk -v OFS='\t' '
		function flush() {
			if (name == "") return
			n++; nm[n] = name; sec[n] = s; val[n] = v; cls[n] = c
			def[n] = secdef; lnk[n] = linked; idx[name] = n
			name = ""
		}
		/^  Symbol \{/ { flush(); secdef = 0; linked = ""; next }
		/^    Name: / { name = substr($0, index($0, ":") + 2); next }
		/^    Value: / { v = $2; next }
		/^    Section: / { s = $2; next }
		/^    StorageClass: / { c = $2; next }
		/AuxSectionDef/ { secdef = 1; next }
		/^      Linked: / { linked = $2; next }
		END {
			flush()
			for (i = 1; i <= n; i++) {
				if (def[i] || cls[i] == "File") continue
				if (cls[i] == "WeakExternal") {
					j = idx[lnk[i]]
					if (j && sec[j] !~ /^(IMAGE_SYM|\*ABS\*)/)
						print nm[i], sec[j], sprintf("%x", val[j])
					continue
				}
				if (sec[i] == "IMAGE_SYM_UNDEFINED") {
					if (cls[i] == "External" && val[i] > 0)
						print nm[i], "*COM*", sprintf("%x", val[i])
					continue
				}
				if (sec[i] == "IMAGE_SYM_ABSOLUTE") sec[i] = "*ABS*"
				print nm[i], sec[i], sprintf("%x", val[i])
			}
		}' | sort
}

# dumpobj's defined symbols as "name value" (the raw value: for a weak
# external that is its own value, 0, as llvm-nm prints it).  llvm-nm lists
# every weak external as defined ("W"); dumpobj keeps the ones whose
# default is absolute undefined (that is how LLVM encodes an undefined
# weak reference): they are listed here too.
dump_values() {
	"$dumpobj" "$1" | awk -F'\t' -v OFS='\t' '
		$1 != "sym" || $3 == "file" || $3 == "section" { next }
		$5 == "UND" && $4 != "weak" { next }
		{ print $2, $8 }' | sort
}

# llvm-nm prints a weak external whose Search is not Alias (objcopy
# rewrites them to NoLibrary) as "w" without a value: its value is 0.
nm_values() {
	llvm-nm "$1" | awk -v OFS='\t' '
		NF == 2 && $1 == "w" { print $2, "0" }
		NF == 3 { v = $1; sub(/^0+/, "", v); if (v == "") v = "0"; print $3, v }' | sort
}

# libbfd lists the section-definition symbols of COMDAT sections as
# ordinary locals (named after the section, value 0): left out.
bfd_syms() {
	"$bfdsyms" "$1" | awk -F'\t' '$1 != $2 || $3 != "0"' | sort
}

# dumpobj's relocations as "section offset type symbol".
dump_relocs() {
	"$dumpobj" "$1" | awk -F'\t' -v OFS='\t' '$1 == "rel" { print $2, $3, $4, $7 }' | sort
}

objdump_relocs() {
	llvm-objdump -r "$1" | awk -v OFS='\t' '
		/^RELOCATION RECORDS FOR \[/ { sec = $4; sub(/^\[/, "", sec); sub(/\]:$/, "", sec); next }
		sec != "" && NF >= 3 && $1 ~ /^[0-9a-f]+$/ {
			off = $1; sub(/^0+/, "", off); if (off == "") off = "0"
			print sec, off, $2, $3
		}' | sort
}

# libbfd names the i386 howtos its own way; x86-64 ones are IMAGE_REL_*.
bfd_relocs() {
	"$bfdsyms" -r "$1" | awk -F'\t' -v OFS='\t' '
		BEGIN {
			m["dir32"] = "IMAGE_REL_I386_DIR32"; m["DISP32"] = "IMAGE_REL_I386_REL32"
			m["rva32"] = "IMAGE_REL_I386_DIR32NB"; m["secrel32"] = "IMAGE_REL_I386_SECREL"
			m["secidx"] = "IMAGE_REL_I386_SECTION"; m["16"] = "IMAGE_REL_I386_DIR16"
			m["DISP16"] = "IMAGE_REL_I386_REL16"
		}
		NF == 4 { if ($3 in m) $3 = m[$3]; print }' | sort
}

# compare_all WHAT DIR NORMALIZE1 NORMALIZE2 [ARG]: for every object in
# DIR the two normalized views must be equal; symbol views must not be
# empty.
compare_all() {
	what=$1 dir=$2 left=$3 right=$4 arg=${5:-}
	n=0
	for o in "$dir"/*.o; do
		$left "$o" $arg >left.out || return 1
		$right "$o" >right.out || return 1
		test_cmp right.out left.out || { echo "# $what differ for $o"; return 1; }
		case $what in
		*symbols*) test -s left.out || { echo "# no $what in $o"; return 1; } ;;
		esac
		n=$((n + 1))
	done
	test $n -ge 8 || { echo "only $n objects in $dir"; return 1; }
}

for t in $targets; do
	arch=${t%%-*}
	test_expect_success "$arch: build the fixtures" '
		"$IPBP_SRC/testsuite/oracle/build-fixtures" $t fx-$arch &&
		ls fx-$arch/*.o >/dev/null
	'
	test_expect_success "$arch: symbols agree with llvm-readobj" '
		compare_all "readobj symbols" fx-$arch dump_syms readobj_syms
	'
	test_expect_success "$arch: symbol values agree with llvm-nm" '
		compare_all "nm symbols" fx-$arch dump_values nm_values
	'
	test_expect_success "$arch: relocations agree with llvm-objdump -r" '
		compare_all "llvm-objdump relocations" fx-$arch dump_relocs objdump_relocs
	'
	case $arch in
	aarch64|thumbv7)
		test_skip "$arch: libbfd (Debian libbfd has no arm64 or armnt COFF)"
		continue ;;
	esac
	test_expect_success "$arch: symbols agree with libbfd" '
		compare_all "bfd symbols" fx-$arch dump_syms bfd_syms noweak
	'
	test_expect_success "$arch: relocations agree with libbfd" '
		compare_all "bfd relocations" fx-$arch dump_relocs bfd_relocs
	'
done

test_expect_success 'the fixtures have COMDAT, weak, common, TLS and statics' '
	"$dumpobj" fx-x86_64/weak.O2.fs.o fx-x86_64/tls.O2.o fx-x86_64/statics.O0.o >all.out &&
	grep -q "^sec	.*	axc$" all.out &&
	grep -q "^sym	weak_fn	func	weak	.text	" all.out &&
	grep -q "^sym	common_counter	data	global	COM	" all.out &&
	grep -q "^sym	tls_counter	tls	global	.tls\\$	" all.out &&
	grep -q "^sym	counter	data	local	.bss	" all.out
'

# ---- bigobj ---------------------------------------------------------------

test_expect_success 'bigobj: objcopy the x86-64 fixtures to pe-bigobj-x86-64' '
	mkdir -p big &&
	for o in fx-x86_64/*.o; do
		objcopy -O pe-bigobj-x86-64 "$o" big/$(basename "$o") || return 1
	done &&
	head -c 4 big/calls.O0.o | od -An -tx1 | grep -q "00 00 ff ff"
'
test_expect_success 'bigobj: symbols agree with llvm-readobj, llvm-nm, libbfd' '
	compare_all "readobj symbols" big dump_syms readobj_syms &&
	compare_all "nm symbols" big dump_values nm_values &&
	compare_all "bfd symbols" big dump_syms bfd_syms noweak
'
test_expect_success 'bigobj: relocations agree with llvm-objdump -r and libbfd' '
	compare_all "llvm-objdump relocations" big dump_relocs objdump_relocs &&
	compare_all "bfd relocations" big dump_relocs bfd_relocs
'

# LLVM writes bigobj only past 65279 sections.
test_expect_success 'bigobj: 65400 COMDAT sections written by LLVM' '
	awk "BEGIN { for (i = 0; i < 65400; i++)
		printf \".section .data\$v%d,\\\"dw\\\",discard,v%d\\n.globl v%d\\nv%d:\\n.quad v%d+%d\\n\",
			i, i, i, i, (i + 1) % 65400, i % 8 }" >many.s &&
	clang -target x86_64-pc-windows-msvc -c many.s -o many.o &&
	head -c 4 many.o | od -An -tx1 | grep -q "00 00 ff ff" &&
	dump_syms many.o >left.out && test $(wc -l <left.out) = 65400 &&
	readobj_syms many.o >right.out && test_cmp right.out left.out &&
	dump_values many.o >left.out && nm_values many.o >right.out &&
	test_cmp right.out left.out &&
	dump_relocs many.o >left.out && objdump_relocs many.o >right.out &&
	test_cmp right.out left.out &&
	"$dumpobj" many.o | grep -c "^sec	.*	awc$" >count && test $(cat count) = 65400
'

# ---- PE images --------------------------------------------------------------

cat >pe.c <<'EOF'
int counter = 3;
static int hidden(int x) { return x * counter; }
__declspec(dllexport) int exported(int x) { return hidden(x) + counter; }
int start(void) { return exported(1); }
EOF

# llvm-nm prints addresses: the model's offset plus the section's VMA
# (llvm-objdump -h) must give them.
nm_offsets() {
	{ llvm-objdump -h "$1" | awk 'NF >= 5 && $1 ~ /^[0-9]+$/ { print "sec", $2, $4 }'
	  llvm-nm --defined-only "$1" | awk "NF == 3 { print \"sym\", \$3, \$1 }"; } |
	awk -v OFS='\t' '
		function num(h,  v, i) {
			v = 0; h = tolower(h)
			for (i = 1; i <= length(h); i++)
				v = v * 16 + index("0123456789abcdef", substr(h, i, 1)) - 1
			return v
		}
		$1 == "sec" { name[++n] = $2; addr[n] = num($3); next }
		{
			v = num($3); best = 0
			for (i = 1; i <= n; i++)
				if (addr[i] <= v && (!best || addr[i] > addr[best])) best = i
			print $2, name[best], sprintf("%x", v - addr[best])
		}' | sort
}

for t in x86_64-w64-windows-gnu i686-w64-windows-gnu; do
	case $t in i686*) e=_start ;; *) e=start ;; esac
	test_expect_success "PE $t: symbols agree with llvm-nm and libbfd" '
		clang -target $t -O1 -fuse-ld=lld -nostdlib -Wl,-e,$e pe.c -o pe.exe &&
		"$dumpobj" pe.exe | grep -q "^obj	pe.exe	coff	.*	executable	" &&
		dump_syms pe.exe >left.out && test -s left.out &&
		nm_offsets pe.exe >right.out && test_cmp right.out left.out &&
		"$dumpobj" pe.exe | awk -F"\t" "\$1 == \"sec\" { print \$3 }" >secs &&
		"$bfdsyms" pe.exe | cut -f1,2 | sort >right.out &&
		cut -f1,2 left.out >left2.out && test_cmp right.out left2.out
	'
done

test_expect_success 'PE without a symbol table: sections, exports as symbols' '
	clang -target x86_64-pc-windows-msvc -fuse-ld=lld -nostdlib -shared \
		-Wl,/noentry pe.c -o pe.dll &&
	llvm-nm pe.dll 2>&1 | grep -q "no symbols" &&
	"$dumpobj" pe.dll >out &&
	grep -q "^obj	pe.dll	coff	x86-64	shared	64$" out &&
	grep -q "^sec	0	.text	code	" out &&
	grep "^sym" out | cut -f2-5 >syms &&
	printf "exported\tfunc\tglobal\t.text\n" >expect &&
	test_cmp expect syms
'

test_done
