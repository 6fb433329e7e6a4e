#!/bin/sh
# t1300-objdiff-types - objdiff --types: which types changed layout under the
# changed code, who uses them, and whether patching is safe (the rule is in
# objdiff(5), TYPE REPORT).
#
# One source pair per case in testsuite/types/ (NAME.orig.c, NAME.patched.c,
# no system headers; the first comment says what the case is), built as a
# user does: the same file edited in between, clang -g -O2.  NAME.expect is
# the exact report for x86-64 ELF with DWARF 5.  The same report, line for
# line (sorted, as compilers order DIEs their own way), must come out of
#   - DWARF 2, 3 and 4 (member locations as expressions in 2 and 3),
#   - gcc's DWARF,
#   - aarch64 ELF, Mach-O x86-64 and arm64, COFF x86-64 (DWARF sections
#     with SECREL relocations), and Wasm (DWARF in custom sections):
# libdwarf reads each through our own object model.
#
# Then: JSON carries the same content; exit 1 when a type changed, 0 when
# none did; pointer-opaque/ is a build tree where the only other user sees
# an incomplete type (allowed); no-debug is built without -g (a heuristic
# guess, said so in one line).  Compressed DWARF (-gz, clang and gcc, ELF64
# and ELF32; zstd through objcopy) gives the same report; a compressed
# .debug_info that does not inflate counts as no debug info.
. "$IPBP_SRC/testsuite/lib.sh"

CASES="$IPBP_SRC/testsuite/types"
TARGETS="x86_64-linux-gnu aarch64-linux-gnu x86_64-apple-macos11 arm64-apple-macos11
x86_64-windows-gnu wasm32-unknown-unknown"

for t in objdiff clang python3; do
	command -v $t >/dev/null 2>&1 || skip_all "$t not found"
done

# build DIR NAME CC...: orig.o and patched.o of case NAME in DIR.
build() {
	_d=$1 _n=$2
	shift 2
	mkdir -p "$_d" &&
	cp "$CASES/$_n.orig.c" "$_d/$_n.c" && (cd "$_d" && "$@" -c $_n.c -o orig.o) &&
	cp "$CASES/$_n.patched.c" "$_d/$_n.c" && (cd "$_d" && "$@" -c $_n.c -o patched.o)
}

# report DIR: objdiff --types of the pair in DIR into DIR/report.
report() {
	(cd "$1" && objdiff --types orig.o patched.o >report; test $? = 1)
}

# spoil_debug_info HOW OBJ: the .debug_info of an x86-64 ELF object made
# unreadable: "version-99", its first unit claims DWARF version 99
# (libdwarf refuses it); "zero-stream", the compressed stream after its
# 24-byte Chdr is zeros (zlib and zstd refuse it).
spoil_debug_info() {
	python3 - "$1" "$2" <<-\EOF
	import struct, sys
	how, path = sys.argv[1:]
	b = bytearray(open(path, "rb").read())
	shoff, = struct.unpack_from("<Q", b, 0x28)
	shentsize, shnum, shstrndx = struct.unpack_from("<HHH", b, 0x3a)
	def shdr(i):
	    return struct.unpack_from("<IIQQQQIIQQ", b, shoff + i * shentsize)
	strtab = shdr(shstrndx)[4]
	for i in range(shnum):
	    sh = shdr(i)
	    if b[strtab + sh[0]:b.index(0, strtab + sh[0])] != b".debug_info":
	        continue
	    if how == "version-99":
	        struct.pack_into("<H", b, sh[4] + 4, 99)
	    else:
	        assert sh[2] & 0x800, "not compressed"
	        b[sh[4] + 24:sh[4] + sh[5]] = bytes(sh[5] - 24)
	open(path, "wb").write(b)
	EOF
}

NAMES=$(cd "$CASES" && ls *.expect | sed 's/\.expect$//' | grep -v '^no-debug$')

for n in $NAMES; do
	test_expect_success "$n: the report for x86-64 ELF, DWARF 5" '
		build x86_64/$n $n clang -target x86_64-linux-gnu -g -gdwarf-5 -O2 &&
		report x86_64/$n &&
		test_cmp "$CASES/$n.expect" x86_64/$n/report
	'
	sort "$CASES/$n.expect" >$n.sorted
	for v in 2 3 4; do
		test_expect_success "$n: DWARF $v" '
			build dwarf$v/$n $n clang -target x86_64-linux-gnu -g -gdwarf-'$v' -O2 &&
			report dwarf$v/$n && sort dwarf$v/$n/report >dwarf$v/$n/sorted &&
			test_cmp $n.sorted dwarf$v/$n/sorted
		'
	done
	# gcc spells the base type "long long int", clang "long long"
	test_expect_success "$n: gcc" '
		build gcc/$n $n gcc -g -O2 &&
		report gcc/$n && sed "s/long long int/long long/g" gcc/$n/report |
			sort >gcc/$n/sorted &&
		test_cmp $n.sorted gcc/$n/sorted
	'
	test_expect_success "$n: -gz, compressed DWARF" '
		build gz/$n $n clang -target x86_64-linux-gnu -g -gz -O2 &&
		report gz/$n &&
		test_cmp "$CASES/$n.expect" gz/$n/report
	'
	for t in $TARGETS; do
		[ $t = x86_64-linux-gnu ] && continue
		test_expect_success "$n: $t" '
			build $t/$n $n clang -target $t -g -O2 &&
			report $t/$n && sort $t/$n/report >$t/$n/sorted &&
			test_cmp $n.sorted $t/$n/sorted
		'
	done
done

test_expect_success 'JSON: the same types, changes and users' '
	(cd x86_64/member-middle && objdiff --types --format=json orig.o patched.o >json
	 test $? = 1) &&
	python3 - x86_64/member-middle/json <<-\EOF
	import json, sys
	d = json.load(open(sys.argv[1]))
	assert d["objdiff_types"] == 1 and d["no_debug"] == [] and d["guesses"] == []
	(t,) = d["types"]
	assert (t["kind"], t["name"], t["old_size"], t["new_size"], t["unsafe"]) == \
	       ("struct", "session", 16, 20, True), t
	changes = {(c["change"], c["member"], c["old_value"], c["new_value"]) for c in t["changes"]}
	assert ("moved", "state", "0x4", "0x8") in changes, changes
	assert ("added", "flags", None, "0x4") in changes, changes
	users = {(u["name"], u["role"], u["use"], u["blocks"]) for u in t["users"]}
	assert users == {("session_id", "unchanged", "pointer", True),
	                 ("session_state", "patched", "pointer", False)}, users
	EOF
'

test_expect_success 'no changed type: exit 0, only the version line' '
	(cd x86_64/member-end && objdiff --types orig.o orig.o >same) &&
	echo "# objdiff-types 1" >expect &&
	test_cmp expect x86_64/member-end/same
'

test_expect_success 'pointer-opaque: a build tree whose other unit sees an opaque handle' '
	"$CASES/pointer-opaque/build" tree &&
	(cd tree && objdiff -r --types old new >report; test $? = 1) &&
	test_cmp "$CASES/pointer-opaque/expect" tree/report
'

# The DWARF of an object that did not change is read only when a patched
# one shows a changed type (its functions may use it): here it is corrupt,
# which shows whether it was read.
test_expect_success 'a tree: unchanged objects are read only for a changed type' '
	mkdir -p lazy/old lazy/new &&
	cp "$CASES/member-middle.orig.c" lazy/m.c &&
	(cd lazy && clang -g -O2 -c m.c -o old/m.o) &&
	sed "s/return s->state;/return s->state + 1;/" "$CASES/member-middle.orig.c" >lazy/m.c &&
	! cmp -s "$CASES/member-middle.orig.c" lazy/m.c &&
	(cd lazy && clang -g -O2 -c m.c -o new/m.o) &&
	echo "struct other { int u; }; int other_get(struct other *o) { return o->u; }" >lazy/o.c &&
	(cd lazy && clang -g -O2 -c o.c -o old/o.o) &&
	spoil_debug_info version-99 lazy/old/o.o && cp lazy/old/o.o lazy/new/o.o &&
	(cd lazy && objdiff -r --types old new >report) &&
	echo "# objdiff-types 1" >expect && test_cmp expect lazy/report &&
	cp "$CASES/member-middle.patched.c" lazy/m.c &&
	(cd lazy && clang -g -O2 -c m.c -o new/m.o) &&
	(cd lazy && objdiff -r --types old new >report 2>err; test $? = 2) &&
	grep "^objdiff: old/o.o: DWARF: " lazy/err
'

test_expect_success 'no-debug: said in one line, a probable layout change guessed' '
	build nodebug no-debug clang -target x86_64-linux-gnu -O2 &&
	report nodebug &&
	test_cmp "$CASES/no-debug.expect" nodebug/report
'

test_expect_success 'no-debug, aarch64: the same guess from ldr displacements' '
	build nodebug-a64 no-debug clang -target aarch64-linux-gnu -O2 &&
	report nodebug-a64 &&
	grep -x "? func get_state displacement 0x4 -> 0x8 at +0, 1 instruction" nodebug-a64/report
'

test_expect_success '-gz: gcc, and ELF32 (its own Chdr) against -g' '
	build gcc-gz/member-middle member-middle gcc -g -gz -O2 &&
	report gcc-gz/member-middle &&
	test_cmp gcc/member-middle/report gcc-gz/member-middle/report &&
	build i386/member-middle member-middle clang -target i386-linux-gnu -g -O2 &&
	build i386-gz/member-middle member-middle clang -target i386-linux-gnu -g -gz -O2 &&
	readelf -S i386-gz/member-middle/orig.o | grep -A1 "debug_info" | grep -q " C " &&
	report i386/member-middle && report i386-gz/member-middle &&
	test_cmp i386/member-middle/report i386-gz/member-middle/report &&
	sort i386/member-middle/report >i386.sorted &&
	test_cmp member-middle.sorted i386.sorted
'

test_expect_success '-gz that zlib cannot inflate: as without debug info' '
	build gz-bad no-debug clang -target x86_64-linux-gnu -g -gz -O2 &&
	spoil_debug_info zero-stream gz-bad/orig.o &&
	spoil_debug_info zero-stream gz-bad/patched.o &&
	report gz-bad &&
	test_cmp "$CASES/no-debug.expect" gz-bad/report
'

# zstd: compiled with -g, then compressed by objcopy (binutils 2.40 can;
# gcc 12 and clang 14 cannot compress with zstd themselves).
# zstd_compress DIR: orig.o and patched.o of DIR, their DWARF zstd.
zstd_compress() {
	for _o in orig patched; do
		objcopy --compress-debug-sections=zstd "$1/$_o.o" "$1/$_o.z.o" &&
		mv "$1/$_o.z.o" "$1/$_o.o" || return 1
	done
	readelf -t "$1/orig.o" | grep -A4 "\.debug_info\$" | grep -q ZSTD
}

if objcopy --help 2>&1 | grep -q "compress-debug-sections.*zstd"; then
	test_expect_success 'zstd-compressed DWARF: the same report as -g' '
		build zstd/member-middle member-middle clang -target x86_64-linux-gnu -g -gdwarf-5 -O2 &&
		zstd_compress zstd/member-middle &&
		report zstd/member-middle &&
		test_cmp "$CASES/member-middle.expect" zstd/member-middle/report
	'

	# (objcopy leaves a section that would not shrink uncompressed, as
	# no-debug'"'"'s would be: this compares with member-middle without -g)
	test_expect_success 'zstd that does not decompress: as without debug info' '
		build zstd-bad member-middle clang -target x86_64-linux-gnu -g -O2 &&
		zstd_compress zstd-bad &&
		spoil_debug_info zero-stream zstd-bad/orig.o &&
		spoil_debug_info zero-stream zstd-bad/patched.o &&
		build zstd-none member-middle clang -target x86_64-linux-gnu -O2 &&
		for d in zstd-bad zstd-none; do
			(cd $d && objdiff --types orig.o patched.o >report; echo $? >status)
		done &&
		grep "^# no debug info" zstd-none/report &&
		test_cmp zstd-none/report zstd-bad/report &&
		test_cmp zstd-none/status zstd-bad/status
	'
else
	test_skip "zstd-compressed DWARF: objcopy cannot compress with zstd"
fi

test_expect_success '--types with --stat is a usage error' '
	objdiff --types --stat x86_64/member-end/orig.o x86_64/member-end/patched.o 2>err
	test $? = 2 &&
	grep -x "objdiff: --types excludes --stat, --disassemble and --quiet" err
'

test_done
