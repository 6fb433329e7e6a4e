#!/bin/sh
# t0400-wasm-oracle - the Wasm reader against wabt's wasm-objdump and
# LLVM's llvm-objdump/llvm-nm, on the shared oracle fixtures built for
# wasm32 (testsuite/oracle/build-fixtures) and on a module wasm-ld links
# from them.
#
# Normalizations, each because the tools print the same fact differently:
# - Defined symbols are compared as "name section offset size value".  The
#   oracle side joins wasm-objdump -x's symbol table (kind, function index,
#   segment, offset, size) with llvm-objdump -t's values, by symbol index
#   (both list the symbol table in file order).  Functions: offset and value
#   are llvm-objdump's (start of the body entry in CODE), size is
#   wasm-objdump's body size plus the length of its size LEB128 (our
#   symbols cover the whole entry, as LLVM's own function size does).  Data:
#   the section is the segment's name from wasm-objdump's segment info
#   (the reader makes one section per segment), offset and size are
#   wasm-objdump's, value is llvm-objdump's (segment address + offset).
#   Our synthetic "type:..." symbols (targets of TYPE_INDEX relocations,
#   not in the file's symbol table) are left out.
# - Relocations are compared as "section offset type target+addend".  Both
#   oracles print DATA offsets relative to the DATA payload; the reader
#   puts them in the segment holding the field, relative to its bytes.  The
#   oracle side is converted: each segment's data start is computed from
#   wasm-objdump's segment headers (flags, i32.const init, size, all
#   minimal LEB128 as LLVM writes them).  TYPE_INDEX targets: llvm-objdump
#   prints the type number, wasm-objdump "type=N"; both are mapped to the
#   signature from wasm-objdump's type list ("type:(i32,i32)->i32").
#   wasm-objdump -x (its -r prints nothing more) names imports "module.field": its targets are named by
#   symbol index from llvm-objdump -t's list; its hex addends become decimal.
# - The linked module's functions are compared as "name offset size" with
#   wasm-objdump's name section and code listing (offsets: the entries tile
#   the CODE payload after its count).
. "$IPBP_SRC/testsuite/lib.sh"

command -v wasm-objdump >/dev/null && command -v llvm-objdump >/dev/null &&
	command -v wasm-ld >/dev/null ||
	skip_all 'wasm-objdump, llvm-objdump or wasm-ld missing'

DUMPOBJ="$PROGS/dumpobj"

# The awk helpers every normalizer shares.
AWKLIB='
function hex(s,   i, c, v) {
	s = tolower(s); sub(/^0x/, "", s); v = 0
	for (i = 1; i <= length(s); i++) {
		c = index("0123456789abcdef", substr(s, i, 1))
		v = v * 16 + c - 1
	}
	return v
}
function uleblen(v,   n) { n = 1; while (v >= 128) { v = int(v / 128); n++ }; return n }
function sleblen(v,   n) {
	n = 1
	while (v >= 64 || v < -64) { v = (v - (v % 128 + 128) % 128) / 128; n++ }
	return n
}
function bracket(s) { match(s, /<[^>]*>/); return substr(s, RSTART + 1, RLENGTH - 2) }
function field(s, key,   p, r) {
	p = index(s, key "="); if (!p) return ""
	r = substr(s, p + length(key) + 1); sub(/[^0-9a-fA-Fx].*/, "", r); return r
}
function sig(s) {	# "(i32, i32) -> i32" -> "type:(i32,i32)->i32"
	gsub(/ /, "", s); sub(/->nil$/, "->()", s); return "type:" s
}
'

# wasm-objdump -x FILE, then llvm-objdump -t FILE: the file of our tables.
# Prints "T idx sig", "S idx name start", "Y idx name value" records.
tables() {
	{ wasm-objdump -x "$1"; echo '@@llvm'; llvm-objdump -t "$1"; } | awk "$AWKLIB"'
	/^@@llvm/ { llvm = 1; nsym = 0; next }
	llvm && /^SYMBOL TABLE:/ { insym = 1; next }
	llvm && insym && NF >= 2 { print "Y", nsym++, $NF, hex($1); next }
	llvm { next }
	/^[A-Z][A-Za-z]*(\[[0-9]+\])?:/ { part = $1; next }
	/^ - name: / { part = $3; next }
	part ~ /^Type/ && /^ - type\[/ {
		i = $2; gsub(/[^0-9]/, "", i); s = $0; sub(/^[^(]*/, "", s); print "T", i, sig(s)
	}
	part ~ /^Data\[/ && /^ - segment\[/ {
		if (!started) { n = part; gsub(/[^0-9]/, "", n); pos = uleblen(n + 0); started = 1 }
		size = field($0, "size") + 0
		hdr = 1 + (index($0, "memory=") && field($0, "memory") != "0")
		if (index($0, " - init ")) { v = $0; sub(/.*=/, "", v); hdr += 2 + sleblen(v + 0) }
		hdr += uleblen(size)
		i = $2; gsub(/[^0-9]/, "", i)
		print "S", i, bracket($0), pos + hdr, size
		pos += hdr + size
	}
	part ~ /^Code\[/ && /^ - func\[/ {
		i = $2; gsub(/[^0-9]/, "", i); print "C", i, field($0, "size") + 0
	}
	'
}

# dumpobj's defined symbols as "name section offset size value".
our_symbols() {
	"$DUMPOBJ" "$1" | awk -F'\t' '$1 == "sym" && $9 !~ /u/ && $2 !~ /^type:/ {
		print $2, $5, $6, $7, $8 }' | sort
}

# The same from the oracles.
oracle_symbols() {
	{ tables "$1"; echo '@@objdump'; wasm-objdump -x "$1"; } | awk "$AWKLIB"'
	/^@@objdump/ { od = 1; next }
	!od && $1 == "Y" { yval[$2] = $4; next }
	!od && $1 == "C" { csize[$2] = $3; next }
	!od { next }
	/segment info/ { seginfo = 1; symtab = 0; next }
	/symbol table/ { symtab = 1; seginfo = 0; next }
	/^ *- name: |^[A-Z]/ { symtab = seginfo = 0; next }
	seginfo && /^   - [0-9]+: / { i = $2; sub(/:/, "", i); segname[i] = $3; next }
	symtab && /^   - [0-9]+: / {
		i = $2; sub(/:/, "", i)
		kind[i] = $3; line[i] = $0; nsyms = i + 1
	}
	END {
		for (i = 0; i < nsyms; i++) {
			l = line[i]; name = bracket(l)
			if (index(l, "undefined")) continue
			if (kind[i] == "F") {
				s = csize[field(l, "func")]
				printf "%s CODE %x %x %x\n", name, yval[i], s + uleblen(s), yval[i]
			} else if (kind[i] == "D") {
				printf "%s %s %x %x %x\n", name, segname[field(l, "segment")],
					field(l, "offset"), field(l, "size"), yval[i]
			} else if (kind[i] == "S") {
				printf "%s %s 0 0 0\n", name, name
			} else {
				v = l; sub(/.*=/, "", v); sub(/ .*/, "", v)
				printf "%s ABS %x 0 %x\n", name, v, v
			}
		}
	}' | sort
}

our_relocs() {
	"$DUMPOBJ" "$1" | awk -F'\t' '$1 == "rel" {
		printf "%s %s %s %s%+d\n", $2, $3, $4, $7, $8 }' | sort
}

# Section-relative DATA offsets to "segment offset", with the tables.
RELOC_TAIL='
function place(sec, off,   i) {
	if (sec != "DATA") return sec " " sprintf("%x", off)
	for (i in sstart)
		if (off >= sstart[i] && off < sstart[i] + ssize[i])
			return sname[i] " " sprintf("%x", off - sstart[i])
	return "DATA?" " " sprintf("%x", off)
}
!od && $1 == "T" { tsig[$2] = $3; next }
!od && $1 == "S" { sname[$2] = $3; sstart[$2] = $4; ssize[$2] = $5; next }
!od && $1 == "Y" { yname[$2] = $3; next }
!od { next }
'

llvm_relocs() {
	{ tables "$1"; echo '@@objdump'; llvm-objdump -r "$1"; } | awk "$AWKLIB"'
	/^@@objdump/ { od = 1; next }'"$RELOC_TAIL"'
	/^RELOCATION RECORDS FOR/ { sec = $4; gsub(/[\[\]:]/, "", sec); next }
	/^[0-9a-f]+ R_WASM_/ {
		t = $3
		if ($2 == "R_WASM_TYPE_INDEX_LEB") { sub(/\+.*/, "", t); t = tsig[t] "+0" }
		print place(sec, hex($1)), $2, t
	}' | sort
}

wabt_relocs() {
	{ tables "$1"; echo '@@objdump'; wasm-objdump -x "$1"; } | awk "$AWKLIB"'
	/^@@objdump/ { od = 1; next }'"$RELOC_TAIL"'
	/relocations for section:/ {
		sec = $0; sub(/.*\(/, "", sec); sub(/\).*/, "", sec)
		if (sec == "Code") sec = "CODE"; else if (sec == "Data") sec = "DATA"
		next
	}
	/^   - R_WASM_/ {
		off = field($0, "offset")
		if (index($0, " type=")) { t = tsig[field($0, "type")] "+0" }
		else {
			t = yname[field($0, "symbol")]; a = 0
			if (match($0, />[-+]0x[0-9a-f]+$/)) {
				a = hex(substr($0, RSTART + 2)); if (substr($0, RSTART + 1, 1) == "-") a = -a
			}
			t = t sprintf("%+d", a)
		}
		print place(sec, hex(off)), $2, t
	}' | sort
}

test_expect_success 'wasm32 fixtures build' '
	"$IPBP_SRC/testsuite/oracle/build-fixtures" wasm32 fx &&
	ls fx/*.o >objects &&
	test $(wc -l <objects) -ge 16
'

test_expect_success 'the normalizers see what they should (not vacuous)' '
	oracle_symbols fx/statics.O2.fs.o >o && our_symbols fx/statics.O2.fs.o >u &&
	grep -q "^greeting .rodata.greeting 0 c 9$" o &&
	grep -q "^message CODE 1 2a 1$" o &&
	llvm_relocs fx/statics.O2.fs.o >r &&
	grep -q "^.rodata..Lswitch.table.statics_entry 4 R_WASM_MEMORY_ADDR_I32 .L.str.1+0$" r &&
	llvm_relocs fx/switch.O2.o >r &&
	grep -q "R_WASM_TYPE_INDEX_LEB type:(i32,i32)->i32+0$" r &&
	test $(wc -l <o) -ge 10
'

for o in $(cd fx 2>/dev/null && ls *.o); do
	test_expect_success "$o: defined symbols match wasm-objdump -x + llvm-objdump -t" "
		oracle_symbols fx/$o >expect &&
		our_symbols fx/$o >actual &&
		test -s expect && test_cmp expect actual
	"
	test_expect_success "$o: defined names match llvm-nm" "
		llvm-nm --defined-only fx/$o | awk '{ print \$NF }' | sort >expect &&
		our_symbols fx/$o | awk '{ print \$1 }' | sort >actual &&
		test_cmp expect actual
	"
	test_expect_success "$o: relocations match llvm-objdump -r" "
		llvm_relocs fx/$o >expect &&
		our_relocs fx/$o >actual &&
		test_cmp expect actual
	"
	test_expect_success "$o: relocations match wasm-objdump -r" "
		wabt_relocs fx/$o >expect &&
		our_relocs fx/$o >actual &&
		test_cmp expect actual
	"
done

test_expect_success 'a debug-info object: section symbols and debug relocations' '
	clang -target wasm32 -O2 -g -c "$IPBP_SRC/testsuite/oracle/src/statics.c" -o dbg.o &&
	oracle_symbols dbg.o >expect && our_symbols dbg.o >actual && test_cmp expect actual &&
	llvm_relocs dbg.o >expect && our_relocs dbg.o >actual && test_cmp expect actual &&
	wabt_relocs dbg.o >expect && test_cmp expect actual &&
	grep -q "^.debug_info .* R_WASM_FUNCTION_OFFSET_I32 " actual &&
	grep -q "^.debug_info .* R_WASM_SECTION_OFFSET_I32 .debug_str+[1-9]" actual
'

test_expect_success 'a linked module: functions match the name section' '
	wasm-ld --no-entry --export-all --allow-undefined -o linked.wasm \
		fx/calls.O2.o fx/statics.O2.o fx/switch.O2.o fx/weak.O2.o &&
	wasm-objdump -x linked.wasm | awk "$AWKLIB"'"'"'
		/^Code\[/ { n = $1; gsub(/[^0-9]/, "", n); pos = uleblen(n + 0); code = 1; next }
		/^[A-Z]/ { code = 0 }
		code && /^ - func\[/ {
			s = field($0, "size") + 0; e = s + uleblen(s)
			printf "%s %x %x\n", bracket($0), pos, e; pos += e
		}'"'"' | sort >expect &&
	"$DUMPOBJ" linked.wasm | awk -F"\t" '"'"'$1 == "sym" && $3 == "func" && $9 !~ /u/ {
		print $2, $6, $7 }'"'"' | sort >actual &&
	test $(wc -l <expect) -ge 10 &&
	test_cmp expect actual &&
	"$DUMPOBJ" linked.wasm | grep -q "^obj	.*	executable	32$"
'

test_done
