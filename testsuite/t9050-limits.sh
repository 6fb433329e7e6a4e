#!/bin/sh
# t9050-limits - the caps of ipbp-limits(7): small inputs (under 4 KB,
# written by $PROGS/mklimits) that claim 2^31 sections, 2^32 symbols,
# 4 GB sections, tables shared by many headers, containers nested too
# deeply, or a manifest of 2^31 functions are refused with exit 2 and the
# one message ipbp-limits(7) lists, by symgraph, objdiff and patchinfo;
# valid inputs with huge declared sizes (a 2^62-byte .bss, a compressed
# section claiming 2^40 bytes) or many tiny objects are read without
# allocating by what they declare.
#
# Every run is limited to 512 MB of address space (ulimit -v in a
# subshell), so an attempted multi-gigabyte allocation fails the test even
# where the tool would handle its failure; not in a sanitized build (make
# check SANITIZE=1), where ASan reserves terabytes of address space.
. "$IPBP_SRC/testsuite/lib.sh"

LIMIT_KB=524288
sanitized=
case "$IPBP_BUILD" in *-san) sanitized=yes ;; esac
grep -q __asan_init "$IPBP_BUILD/symgraph" 2>/dev/null && sanitized=yes

# limited COMMAND [ARG...]: runs it within 20 s and, unless sanitized,
# 512 MB of address space.
limited() {
	if [ -n "$sanitized" ]; then
		timeout 20 "$@"
	else
		(ulimit -v $LIMIT_KB && exec timeout 20 "$@")
	fi
}

# Each refused input and what follows its name in the message (the
# subject is the file itself, or a member of it).
cat >refused <<'EOF'
elf-sections-2g.o	: section header table extends past end of file
elf-symbols-4g.o	: section 3 extends past end of file
elf-section-4g.o	: section 2 extends past end of file
elf-relocs-shared.o	: relocation sections overlap (4320 bytes of entries in a 3984-byte file)
elf-code-shared.o	: code sections overlap (40976 bytes of code in a 3904-byte file)
macho-commands-4g.o	: 4294967295 load commands do not fit in 0 bytes
macho-sections-2g.o	: segment with 2147483648 sections does not fit its command
macho-symbols-4g.o	: symbol table (4294967295 entries) extends past end of file
macho-section-4g.o	: section __TEXT,__text extends past end of file
macho-relocs-4g.o	: too many relocations
macho-relocs-shared.o	: relocation tables overlap (3840 bytes of entries in a 3536-byte file)
macho-fat-slices-2g.o	: unknown file format (starts with ca fe ba be 80 00 00 00)
macho-fat-slices-30.o	: universal header extends past end of file
macho-fat-nested.o	: containers nested too deeply
coff-sections-64k.obj	: section table (65535 sections) extends past end of file
coff-bigobj-sections-2g.obj	: section table (2147483648 sections) extends past end of file
coff-symbols-4g.obj	: symbol table (4294967295 entries at 0x200) extends past end of file
coff-section-4g.obj	: section 1 extends past end of file
coff-relocs-4g.obj	: section 1: relocations extend past end of file
coff-relocs-shared.obj	: relocation tables overlap (3000 bytes of entries in a 2326-byte file)
coff-strtab-4g.obj	: string table (4294967295 bytes) extends past end of file
wasm-section-4g.wasm	: module: section 0 extends past end of file at file offset 0xe
wasm-types-4g.wasm	: section 0 (TYPE): count 4294967295 exceeds the remaining 59 bytes at file offset 0x13
wasm-functions-2g.wasm	: section 0 (FUNCTION): count 2147483648 exceeds the remaining 59 bytes at file offset 0x13
ar-member-4g.a	: member big.o extends past end of file
ar-index-2g.a	: symbol index: symbol count exceeds its size
ar-nested-4.a	(in.a)(in.a)(in.a)(a.o): containers nested too deeply
ar-longnames-shared.a	: members share long names (4497 bytes of names in a 3968-byte archive)
EOF

test_expect_success 'mklimits writes the inputs, each under 4 KB' '
	"$PROGS/mklimits" &&
	cut -f1 refused >names &&
	for f in $(cat names) ok-elf-bss-huge.o ok-elf-strtab-open.o ok-elf-gz-bomb.o; do
		test -f $f && test $(wc -c <$f) -lt 4096 || { echo "$f"; return 1; }
	done
'

test_expect_success 'the address-space limit is in force' '
	if [ -n "$sanitized" ]; then
		echo "sanitized build: no limit"
	else
		(ulimit -v $LIMIT_KB && ulimit -v) >limit &&
		echo $LIMIT_KB >expect &&
		test_cmp expect limit
	fi
'

# check_refused TABLE TOOL [ARG...]: runs "TOOL ARG... FILE" (objdiff:
# "FILE FILE") on each input of TABLE; each must exit 2 with exactly the
# expected line.
check_refused() {
	_table=$1 _tool=$2
	shift 2
	: >expect
	: >actual
	while IFS='	' read -r f rest; do
		printf '%s: %s%s\n' "$_tool" "$f" "$rest" >>expect
		if [ "$_tool" = objdiff ]; then
			limited $_tool "$@" "$f" "$f" >/dev/null 2>err
		else
			limited $_tool "$@" "$f" >/dev/null 2>err
		fi
		_rc=$?
		[ $_rc = 2 ] || echo "$f: exit $_rc" >>actual
		cat err >>actual
	done <"$_table"
	test_cmp expect actual
}

test_expect_success 'symgraph refuses each with exit 2 and its message' '
	check_refused refused symgraph
'

test_expect_success 'symgraph --no-decode too, but for the overlapping code' '
	grep -v "^elf-code-shared" refused >refused-nodecode &&
	check_refused refused-nodecode symgraph --no-decode &&
	limited symgraph --no-decode elf-code-shared.o >/dev/null
'

test_expect_success 'objdiff refuses each with exit 2 and its message' '
	check_refused refused objdiff
'

# Manifests: mkcontainer's patch with one header field changed.
manifest_case() {
	cp p.so "$1" &&
	printf "$3" | dd of="$1" bs=1 seek=$((man + $2)) conv=notrunc 2>/dev/null
}

test_expect_success 'patchinfo refuses manifests of huge counts and sizes' '
	"$PROGS/mkcontainer" p.so &&
	test $(wc -c <p.so) -lt 4096 &&
	man=$(grep -obUa IPBPMAN p.so | head -1 | cut -d: -f1) &&
	test -n "$man" &&
	manifest_case m-funcs.so 36 "\000\000\000\200" &&
	manifest_case m-strtab.so 76 "\377\377\377\377" &&
	manifest_case m-masks.so 156 "\377\377\377\377" &&
	manifest_case m-size.so 28 "\377\377\377\377" &&
	limited patchinfo p.so >/dev/null &&
	for f in m-funcs m-strtab m-masks m-size; do
		limited patchinfo $f.so >/dev/null 2>$f.err
		echo "$f $?" >>codes
	done &&
	printf "%s 2\n" m-funcs m-strtab m-masks m-size >expect &&
	test_cmp expect codes &&
	grep -F "patchinfo: m-funcs.so: manifest: func table (2147483648 records at 160) extends past the manifest" m-funcs.err &&
	grep -F "patchinfo: m-strtab.so: manifest: string table (4294967295 bytes at " m-strtab.err &&
	grep -F "patchinfo: m-masks.so: manifest: mask table (4294967295 records at " m-masks.err &&
	grep -F "patchinfo: m-size.so: manifest: manifest size 4294967295 outside 160.." m-size.err &&
	cat m-*.err >all &&
	test $(wc -l <all) = 4
'

test_expect_success 'a 2^62-byte .bss and its 2^62-byte object are read, not allocated' '
	limited symgraph ok-elf-bss-huge.o >out &&
	printf "big\tdata\tglobal\tok-elf-bss-huge.o\n" | tr "\t" " " >expect &&
	test_cmp expect out &&
	limited objdiff ok-elf-bss-huge.o ok-elf-bss-huge.o >out
'

test_expect_success 'a compressed section claiming 2^40 bytes is read, not inflated' '
	limited symgraph ok-elf-gz-bomb.o >out &&
	limited objdiff ok-elf-gz-bomb.o ok-elf-gz-bomb.o >out &&
	limited objdiff --types ok-elf-gz-bomb.o ok-elf-gz-bomb.o >out
'

test_expect_success 'names running to the end of an open string table are read' '
	limited symgraph ok-elf-strtab-open.o >out &&
	test $(grep -c "^x* func global ok-elf-strtab-open.o\$" out) = 20
'

test_expect_success 'an archive of 15000 tiny objects costs little more than its bytes' '
	test $(wc -c <ok-ar-tiny-members.a) = 1860008 &&
	limited symgraph ok-ar-tiny-members.a >out &&
	limited objdiff ok-ar-tiny-members.a ok-ar-tiny-members.a >out
'

test_done
