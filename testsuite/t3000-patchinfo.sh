#!/bin/sh
# t3000-patchinfo - patchinfo over containers built by $PROGS/mkcontainer
# (a hand-described patch: foo replaced, helper and table added, printf,
# counter and tls_var imported, three patch relocations, two masks):
#
#   - the text listing, line by line, with -r; addresses come from nm and
#     readelf, so the test follows the ELF writer's layout;
#   - JSON: one valid document per line and patch, the keys of
#     patchinfo(1) in their order;
#   - --target/--forced containers and aarch64;
#   - --verify: ok on good patches; exit 2 and "patchinfo: FILE: problem"
#     on a corrupted copy (checksum) and on each inconsistency mkcontainer
#     can make;
#   - bad inputs: missing, not ELF, ELF without a manifest, truncated,
#     and usage errors.
. "$IPBP_SRC/testsuite/lib.sh"

MK=$PROGS/mkcontainer

# addr SYMBOL FILE: the symbol's address as patchinfo prints it (0x...).
addr() {
	printf '0x%x\n' "0x$(nm "$2" | awk -v s="$1" '$3 == s { print $1 }')"
}

# sec_addr SECTION FILE
sec_addr() {
	printf '0x%x\n' "0x$(readelf -SW "$2" | sed 's/^ *\[ *[0-9]*\] *//' |
		awk -v s="$1" '$1 == s { print $3 }')"
}

# The checksum varies with the layout; --verify checks it.
no_checksum() {
	sed 's/checksum 0x[0-9a-f]\{16\}$/checksum CHECKSUM/'
}

test_expect_success 'build containers' '
	$MK p.so &&
	$MK --forced --target=./app --build-id=1234abcd t.so &&
	$MK --arch=aarch64 a.so &&
	$MK --no-manifest plain.so &&
	readelf -h p.so | grep -q "DYN (Shared object file)" &&
	nm -D p.so | grep -q " T foo$"
'

test_expect_success 'text listing' '
	foo=$(addr foo p.so) helper=$(addr helper p.so) table=$(addr table p.so) &&
	cat >expect <<-EOF &&
	p.so: elf x86-64 patch version 1 checksum CHECKSUM
	flags -
	replace func foo 12 -> 16 at $foo old-hash 0x0123456789abcdef new-hash 0xfedcba9876543210 (old.o)
	add func helper [new.c] 16 at $helper hash 0x00c0ffee00c0ffee (new.o)
	add data table [new.c] 16 at $table readonly (new.o)
	import func printf
	import data counter [main.c] (main.o)
	import tls tls_var weak
	warning initializer counter: initializer changed: the running value is kept
	3 relocations
	EOF
	patchinfo p.so >out &&
	no_checksum <out >actual &&
	test_cmp expect actual &&
	grep -q "^p.so: elf x86-64 patch version 1 checksum 0x[0-9a-f]\{16\}$" out
'

test_expect_success 'relocations and masks with -r' '
	data=$(sec_addr .data p.so) &&
	slot2=$(printf "0x%x" $((data + 8))) &&
	field=$(printf "0x%x" $(($(addr foo p.so) + 4))) &&
	cat >expect <<-EOF &&
	3 relocations
	reloc $data R_X86_64_64 printf+0x0
	reloc $slot2 R_X86_64_TPOFF64 tls_var+0x0
	reloc $field R_X86_64_PC32 counter-0x4
	mask foo +0x1 4
	mask foo +0x7 4
	EOF
	patchinfo --relocs p.so | sed -n "/relocations$/,\$p" >actual &&
	test_cmp expect actual
'

test_expect_success 'target, build-id, forced and its warning' '
	patchinfo t.so >out &&
	grep -x "flags forced,target" out &&
	grep -x "target ./app build-id 1234abcd" out &&
	grep "^replace func foo .* target 0x401120 (old.o)$" out &&
	grep -x "import data counter \[main.c\] target 0x404040 (main.o)" out &&
	grep -x "warning forced bar: refusal overridden: data object changed size" out
'

test_expect_success 'aarch64 container' '
	patchinfo -r a.so >out &&
	grep "^a.so: elf aarch64 patch version 1 " out &&
	grep "^reloc 0x[0-9a-f]* R_AARCH64_ABS64 printf+0x0$" out &&
	grep "^reloc 0x[0-9a-f]* R_AARCH64_TLS_TPREL64 tls_var+0x0$" out &&
	patchinfo --verify a.so
'

test_expect_success 'several patches: blocks separated by an empty line' '
	patchinfo p.so a.so >out &&
	test $(grep -c "^$" out) = 1 &&
	grep -n "^a.so: " out | grep -q "^12:"
'

test_expect_success 'JSON: valid, one document per line and patch' '
	patchinfo --format=json p.so t.so >out &&
	test $(wc -l <out) = 2 &&
	head -1 out | python3 -m json.tool >/dev/null &&
	tail -1 out | python3 -m json.tool >/dev/null
'

test_expect_success 'JSON: keys and values' '
	foo=$(($(addr foo p.so))) data=$(($(sec_addr .data p.so))) &&
	patchinfo -f json p.so >out &&
	python3 - "$foo" "$data" <<-\EOF
	import json, sys
	foo, data = int(sys.argv[1]), int(sys.argv[2])
	d = json.load(open("out"))
	assert list(d) == ["patchinfo", "file", "format", "machine", "version",
	                   "checksum", "flags", "target", "replaced", "added",
	                   "imports", "relocs", "warnings"], list(d)
	assert d["patchinfo"] == 1 and d["file"] == "p.so" and d["format"] == "elf"
	assert d["machine"] == "x86-64" and d["version"] == 1 and d["flags"] == []
	assert d["target"] is None and len(d["checksum"]) == 18
	r = d["replaced"]
	assert r == [{"name": "foo", "file": None, "file_is_object": False,
	              "object": "old.o", "old_size": 12,
	              "old_hash": "0x0123456789abcdef", "new_hash": "0xfedcba9876543210",
	              "new_addr": foo, "new_size": 16,
	              "masks": [[1, 4], [7, 4]], "target_addr": None}], r
	assert [(a["name"], a["kind"], a["readonly"], a["file"], a["hash"])
	        for a in d["added"]] == \
	       [("helper", "func", False, "new.c", "0x00c0ffee00c0ffee"),
	        ("table", "data", True, "new.c", "0x0000000000000000")]
	assert list(d["added"][0]) == ["name", "file", "file_is_object", "object", "kind",
	                               "readonly", "addr", "size", "hash"], list(d["added"][0])
	assert d["imports"][1] == {"name": "counter", "kind": "data", "file": "main.c",
	                           "file_is_object": False, "object": "main.o",
	                           "weak": False, "target_addr": None}
	assert d["imports"][2]["weak"] is True and d["imports"][2]["kind"] == "tls"
	assert d["relocs"][0] == {"offset": data, "type": "R_X86_64_64",
	                          "import": "printf", "addend": 0}
	assert d["relocs"][2]["addend"] == -4 and d["relocs"][2]["import"] == "counter"
	assert d["warnings"] == [{"code": "initializer", "symbol": "counter",
	    "message": "initializer changed: the running value is kept"}]
	EOF
'

test_expect_success 'JSON: target and flags' '
	patchinfo -f json t.so >out &&
	python3 -c "
import json
d = json.load(open(\"out\"))
assert d[\"flags\"] == [\"forced\", \"target\"], d[\"flags\"]
assert d[\"target\"] == {\"path\": \"./app\", \"build_id\": \"1234abcd\"}
assert d[\"replaced\"][0][\"target_addr\"] == 0x401120
assert d[\"warnings\"][1][\"code\"] == \"forced\"
"
'

test_expect_success 'standard input' '
	patchinfo -f json - <p.so | python3 -m json.tool >out &&
	grep -q "\"file\": \"-\"" out
'

test_expect_success '--verify: ok' '
	printf "p.so: ok\nt.so: ok\n" >expect &&
	patchinfo --verify p.so t.so >out 2>err &&
	test_cmp expect out &&
	test ! -s err
'

test_expect_success '--verify: a corrupted copy fails its checksum' '
	cp p.so bad.so &&
	off=$(readelf -SW bad.so | sed "s/^ *\[ *[0-9]*\] *//" |
		awk "\$1 == \".text\" { print \$4 }") &&
	printf "\\001" | dd of=bad.so bs=1 seek=$((0x$off)) conv=notrunc 2>/dev/null &&
	! cmp -s p.so bad.so &&
	patchinfo bad.so >/dev/null &&
	patchinfo --verify bad.so >out 2>err; test $? = 2 &&
	test ! -s out &&
	grep -q "^patchinfo: bad.so: checksum mismatch: the manifest says 0x[0-9a-f]*, the file hashes to 0x[0-9a-f]*$" err &&
	test $(wc -l <err) = 1
'

test_expect_success '--verify: a bad patch among good ones' '
	patchinfo --verify p.so bad.so t.so >out 2>err; test $? = 2 &&
	printf "p.so: ok\nt.so: ok\n" >expect &&
	test_cmp expect out
'

# verify_fails WHAT MESSAGE: mkcontainer --bad=WHAT, then --verify says MESSAGE.
verify_fails() {
	$MK --bad=$1 $1.so &&
	patchinfo --verify $1.so >out 2>err; s=$?
	test $s = 2 || { echo "exit status $s, not 2"; return 1; }
	echo "patchinfo: $1.so: $2" >expect &&
	test_cmp expect err
}

test_expect_success '--verify: import index out of range' '
	verify_fails import-range "relocation 0: import 7 out of range (3 imports)"
'

test_expect_success '--verify: overlapping relocation fields' '
	data=$(($(sec_addr .data p.so) + 4)) &&
	verify_fails overlap "relocations 0 and 1 overlap at $(printf 0x%x $data)"
'

test_expect_success '--verify: machine of the manifest and the container differ' '
	verify_fails machine "manifest machine 183 does not match the container'"'"'s (62)"
'

test_expect_success '--verify: a replaced function whose new code is no function' '
	verify_fails func-addr "replaced function foo: no function of the patch starts at $(printf 0x%x $(($(addr foo p.so) + 2)))"
'

test_expect_success '--verify: a code hash on added data' '
	verify_fails data-hash "added table: a data entry has a code hash (0x1234)"
'

test_expect_success '--verify: an object'"'"'s file group on a global import' '
	verify_fails object-file "import printf: an object'"'"'s file group, but not file-local"
'

# fails_with MESSAGE COMMAND...: exit 2, that one line on stderr, no stdout.
fails_with() {
	echo "$1" >expect-err
	shift
	"$@" >out 2>err
	s=$?
	test $s = 2 || { echo "exit status $s, not 2"; return 1; }
	test ! -s out || { echo "stdout not empty:"; cat out; return 1; }
	test_cmp expect-err err
}

test_expect_success 'missing file' '
	fails_with "patchinfo: missing.so: No such file or directory" patchinfo missing.so
'

test_expect_success 'not an ELF file' '
	echo "not a patch" >junk.so &&
	patchinfo junk.so >out 2>err; test $? = 2 &&
	grep -q "^patchinfo: junk.so: unknown file format" err
'

test_expect_success 'ELF without a manifest' '
	fails_with "patchinfo: plain.so: no .ipbp.manifest section: not an ipbp patch" \
		patchinfo plain.so &&
	fails_with "patchinfo: plain.so: no .ipbp.manifest section: not an ipbp patch" \
		patchinfo --verify plain.so
'

test_expect_success 'an object file is no patch either' '
	echo "int f(void) { return 1; }" >f.c &&
	clang -target x86_64-linux-gnu -c f.c -o f.o &&
	fails_with "patchinfo: f.o: no .ipbp.manifest section: not an ipbp patch" patchinfo f.o
'

test_expect_success 'truncated and corrupt manifests: exit 2, never a crash' '
	size=$(wc -c <p.so) &&
	for n in 0 1 63 64 200 400 $((size - 1)); do
		head -c $n p.so >cut.so &&
		patchinfo cut.so >/dev/null 2>err; s=$?
		test $s = 2 || { echo "length $n: exit $s"; return 1; }
		test $(wc -l <err) = 1 || return 1
	done &&
	off=$(readelf -SW p.so | sed "s/^ *\[ *[0-9]*\] *//" |
		awk "\$1 == \".ipbp.manifest\" { print \$4 }") &&
	cp p.so badmagic.so &&
	printf "X" | dd of=badmagic.so bs=1 seek=$((0x$off)) conv=notrunc 2>/dev/null &&
	fails_with "patchinfo: badmagic.so: manifest: bad magic (not an ipbp manifest)" \
		patchinfo badmagic.so
'

test_expect_success 'one bad patch does not stop the others' '
	patchinfo missing.so p.so >out 2>err; test $? = 2 &&
	grep -q "^p.so: elf x86-64 patch" out &&
	head -1 out | grep -q "^p.so: " &&
	grep -q "^patchinfo: missing.so: " err
'

test_expect_success 'usage errors' '
	patchinfo >out 2>err; test $? = 2 &&
	grep -x "patchinfo: missing operand PATCH" err &&
	patchinfo --format=xml p.so 2>err; test $? = 2 &&
	grep -x "patchinfo: unknown format '"'"'xml'"'"' (text or json)" err &&
	patchinfo --verify -r p.so 2>err; test $? = 2 &&
	grep -q "excludes" err &&
	patchinfo --help | grep -q "^Usage: patchinfo" &&
	patchinfo --version | grep -q "^patchinfo (ipbp) "
'

test_done
